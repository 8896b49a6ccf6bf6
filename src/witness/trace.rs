//! The per-step trace of a replayed chunk: one text line per retired instruction.
//!
//! `cycle<TAB>pc<TAB>encoding<TAB>disassembly<TAB>destination<TAB>memory`, where destination is
//! `x{rd}={value}` (or `-`) and memory lists the accesses: `ld {addr}/{size}={value}`,
//! `st {addr}/{size}={value}`, and for service calls `svc x{r}={value} ... wr {addr}/{len}`
//! (or `-`). Numbers are hex with `0x`, except the decimal cycle and sizes. The run's stop, if
//! any, ends the trace as `# stop: ...`.

use std::io::Write;

use crate::cpu::Cpu;
use crate::isa::disasm::disasm;
use crate::isa::{Instr, Op, Xlen};

/// Memory and service effects of the step in progress.
#[derive(Default)]
pub struct StepEffects {
    pub load: Option<(u64, u64, u64)>,
    pub store: Option<(u64, u64, u64)>,
    pub service_regs: Vec<(u8, u64)>,
    pub service_writes: Vec<(u64, u64)>,
}

impl StepEffects {
    fn clear(&mut self) {
        self.load = None;
        self.store = None;
        self.service_regs.clear();
        self.service_writes.clear();
    }
}

/// Writes trace lines; remembers the first I/O error instead of failing the replay mid-step.
pub struct Tracer<'w> {
    out: &'w mut dyn Write,
    xlen: Xlen,
    pub effects: StepEffects,
    pub error: Option<std::io::Error>,
}

/// Ops whose `rd` field is an operand (custom-0) or that have none (ecall).
fn writes_rd(op: Op) -> bool {
    !op.is_service()
}

impl<'w> Tracer<'w> {
    pub fn new(out: &'w mut dyn Write, xlen: Xlen) -> Tracer<'w> {
        Tracer {
            out,
            xlen,
            effects: StepEffects::default(),
            error: None,
        }
    }

    /// The instruction at `pc` retired; `cpu` is the state after it.
    pub fn step(&mut self, pc: u64, ins: &Instr, cpu: &Cpu) {
        if self.error.is_none() {
            let line = self.line(pc, ins, cpu);
            if let Err(e) = self.out.write_all(line.as_bytes()) {
                self.error = Some(e);
            }
        }
        self.effects.clear();
    }

    fn line(&self, pc: u64, ins: &Instr, cpu: &Cpu) -> String {
        let width = if ins.len == 2 { 4 } else { 8 };
        let dest = if ins.rd != 0 && writes_rd(ins.op) {
            format!("x{}={:#x}", ins.rd, cpu.get(ins.rd))
        } else {
            "-".to_owned()
        };
        let e = &self.effects;
        let mut mem = Vec::new();
        if let Some((addr, size, value)) = e.load {
            mem.push(format!("ld {addr:#x}/{size}={value:#x}"));
        }
        if let Some((addr, size, value)) = e.store {
            mem.push(format!("st {addr:#x}/{size}={value:#x}"));
        }
        if !writes_rd(ins.op) && (!e.service_regs.is_empty() || !e.service_writes.is_empty()) {
            let mut s = "svc".to_owned();
            for (r, v) in &e.service_regs {
                s += &format!(" x{r}={v:#x}");
            }
            for (a, l) in &e.service_writes {
                s += &format!(" wr {a:#x}/{l}");
            }
            mem.push(s);
        }
        let mem = if mem.is_empty() {
            "-".to_owned()
        } else {
            mem.join(" ")
        };
        format!(
            "{}\t{pc:#x}\t{:0width$x}\t{}\t{dest}\t{mem}\n",
            cpu.cycle.wrapping_sub(1),
            ins.raw,
            disasm(ins, pc, self.xlen).replace('\t', " "),
        )
    }

    /// The last line: how the replay stopped.
    pub fn stop(&mut self, what: &str) {
        if self.error.is_none() {
            if let Err(e) = writeln!(self.out, "# stop: {what}").and_then(|()| self.out.flush()) {
                self.error = Some(e);
            }
        }
    }
}
