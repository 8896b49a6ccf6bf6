//! The summary of a run: how it stopped, cycles, speed, public output digest, and rvjit's
//! exit status. Printed as text on stderr, or as one JSON object on stdout (`--json`).

use std::io::Write;
use std::time::Duration;

use serde::Serialize;
use sha2::{Digest, Sha256};

use rvjit::isa::disasm::disasm;
use rvjit::machine::Machine;
use rvjit::outcome::{Fault, Stop};

use super::symbols;

pub const STATUS_CYCLE_LIMIT: i32 = 124;
pub const STATUS_FAULT: i32 = 126;
pub const STATUS_BREAKPOINT: i32 = 133;

/// rvjit's exit status for a stop (see the `--help` text).
pub fn exit_status(stop: &Stop) -> i32 {
    match stop {
        Stop::Exit { code } => match (code & 0xff) as i32 {
            // A failure code must not turn into success when cut to 8 bits.
            0 if *code != 0 => 1,
            low => low,
        },
        Stop::CycleLimit => STATUS_CYCLE_LIMIT,
        Stop::Fault(_) => STATUS_FAULT,
        Stop::Breakpoint { .. } => STATUS_BREAKPOINT,
    }
}

#[derive(Serialize)]
pub struct FaultReport {
    /// `kind`, its operands (`addr`, `size`, `bits`, ...), `pc` and `cycle`.
    #[serde(flatten)]
    pub fault: Fault,
    /// The one-line message (without the disassembly).
    pub message: String,
    /// Disassembly of the faulting instruction, if pc is inside code.
    pub instruction: Option<String>,
    /// `function+0xoff` of the faulting pc, if a function symbol contains it.
    pub function: Option<String>,
}

#[derive(Serialize)]
pub struct MemoryReport {
    pub ram_start: u64,
    pub ram_end: u64,
    pub input_start: u64,
    pub input_end: u64,
}

/// Everything reported about a run. The JSON form has every field; the text form shows the
/// `--stats` ones only when asked.
#[derive(Serialize)]
pub struct Summary {
    /// `exit`, `fault`, `breakpoint` or `cycle_limit`.
    pub stop: &'static str,
    pub exit_code: Option<u64>,
    pub fault: Option<FaultReport>,
    pub breakpoint_pc: Option<u64>,
    /// pc where the run stopped.
    pub pc: u64,
    pub cycles: u64,
    pub cycle_limit: Option<u64>,
    pub wall_seconds: f64,
    /// Millions of retired instructions per second of wall time.
    pub mips: f64,
    pub public_output_len: usize,
    pub public_output_sha256: String,
    pub stdout_len: usize,
    pub stderr_len: usize,
    /// rvjit's exit status.
    pub status: i32,
    pub engine: &'static str,
    pub xlen: u32,
    pub memory: MemoryReport,
    pub misaligned_accesses: u64,
    /// ELF loading and address-space setup.
    pub setup_seconds: f64,
    pub hint_frames_left: usize,
    /// Translator work (`--engine jit` only): not included in `wall_seconds`.
    pub translation: Option<TranslationReport>,
}

/// What the translator compiled for this run, and how long that took.
#[derive(Clone, Debug, Serialize)]
pub struct TranslationReport {
    pub translate_seconds: f64,
    pub regions: u64,
    pub blocks: u64,
    pub instructions: u64,
    pub on_demand_regions: u64,
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn fault_instruction(m: &Machine, fault: &Fault) -> Option<String> {
    let ins = m.program.code.fetch(fault.pc)?;
    Some(disasm(ins, fault.pc, m.program.xlen).replace('\t', " "))
}

impl Summary {
    pub fn new(
        m: &Machine,
        stop: &Stop,
        engine: &'static str,
        cycle_limit: Option<u64>,
        setup: Duration,
        wall: Duration,
    ) -> Summary {
        let cycles = m.cpu.cycle;
        let wall_seconds = wall.as_secs_f64();
        let public = m.host.public_output();
        let layout = m.mem.layout();
        let (stop_name, exit_code, fault, breakpoint_pc) = match stop {
            Stop::Exit { code } => ("exit", Some(*code), None, None),
            Stop::Fault(f) => {
                let report = FaultReport {
                    fault: f.clone(),
                    message: f.to_string(),
                    instruction: fault_instruction(m, f),
                    function: symbols::describe(&m.program, f.pc),
                };
                ("fault", None, Some(report), None)
            }
            Stop::Breakpoint { pc } => ("breakpoint", None, None, Some(*pc)),
            Stop::CycleLimit => ("cycle_limit", None, None, None),
        };
        Summary {
            stop: stop_name,
            exit_code,
            fault,
            breakpoint_pc,
            pc: m.cpu.pc,
            cycles,
            cycle_limit,
            wall_seconds,
            mips: if wall_seconds > 0.0 {
                cycles as f64 / wall_seconds / 1e6
            } else {
                0.0
            },
            public_output_len: public.len(),
            public_output_sha256: hex(&Sha256::digest(public)),
            stdout_len: m.host.stdout().len(),
            stderr_len: m.host.stderr().len(),
            status: exit_status(stop),
            engine,
            xlen: m.program.xlen.bits(),
            memory: MemoryReport {
                ram_start: layout.ram.start,
                ram_end: layout.ram.end,
                input_start: layout.input.start,
                input_end: layout.input.end,
            },
            misaligned_accesses: m.mem.misaligned_count,
            setup_seconds: setup.as_secs_f64(),
            hint_frames_left: m.host.hints_left(),
            translation: None,
        }
    }

    /// The one line saying how the run stopped.
    pub fn stop_line(&self) -> String {
        match (&self.fault, self.exit_code, self.breakpoint_pc) {
            (Some(f), _, _) => {
                let mut line = format!("rvjit: guest fault: {}", f.message);
                if let Some(ins) = &f.instruction {
                    line += &format!("; instruction: {ins}");
                }
                if let Some(func) = &f.function {
                    line += &format!(" in <{func}>");
                }
                line
            }
            (None, Some(code), _) => {
                // Show negative codes (e.g. exit(-1)) as the guest wrote them.
                let signed = if self.xlen == 32 { i64::from(code as u32 as i32) } else { code as i64 };
                let shown = if signed < 0 { format!("{signed} ({code:#x})") } else { code.to_string() };
                format!("rvjit: guest exited with code {shown} after {} cycles", self.cycles)
            }
            (None, None, Some(pc)) => format!("rvjit: breakpoint (ebreak) at pc {pc:#x} after {} cycles", self.cycles),
            (None, None, None) => format!(
                "rvjit: cycle limit of {} cycles reached at pc {:#x}; raise --max-cycles to run further",
                self.cycles, self.pc
            ),
        }
    }

    pub fn text(&self, stats: bool) -> String {
        let mut s = self.stop_line();
        s += &format!(
            "\nrvjit: {} cycles in {:.3} s ({:.1} M instructions/s)",
            self.cycles, self.wall_seconds, self.mips
        );
        if let Some(t) = &self.translation {
            s += &format!(
                "\nrvjit: translated {} instructions in {} regions in {:.3} s (not included above)",
                t.instructions, t.regions, t.translate_seconds
            );
        }
        s += &format!(
            "\nrvjit: public output: {} bytes, sha256 {}",
            self.public_output_len, self.public_output_sha256
        );
        if stats {
            let m = &self.memory;
            s += &format!(
                "\nrvjit: engine {}, RV{}, setup {:.3} s",
                self.engine, self.xlen, self.setup_seconds
            );
            s += &format!(
                "\nrvjit: memory: RAM {:#x}..{:#x} ({} MiB), input blob {:#x}..{:#x} ({} bytes)",
                m.ram_start,
                m.ram_end,
                (m.ram_end - m.ram_start) >> 20,
                m.input_start,
                m.input_end,
                m.input_end - m.input_start
            );
            s += &format!("\nrvjit: misaligned accesses: {}", self.misaligned_accesses);
            s += &format!(
                "\nrvjit: guest stdout {} bytes, stderr {} bytes, hint frames left {}",
                self.stdout_len, self.stderr_len, self.hint_frames_left
            );
        }
        s
    }

    /// Print the summary after the guest's (echoed) output.
    pub fn emit(&self, json: bool, stats: bool, stdout_ends_line: bool, stderr_ends_line: bool) {
        if json {
            let mut out = std::io::stdout().lock();
            let sep = if stdout_ends_line { "" } else { "\n" };
            // The struct holds only strings and numbers: serialization cannot fail.
            let text = serde_json::to_string(self).unwrap_or_default();
            let _ = writeln!(out, "{sep}{text}").and_then(|()| out.flush());
        } else {
            let sep = if stdout_ends_line && stderr_ends_line {
                ""
            } else {
                "\n"
            };
            eprintln!("{sep}{}", self.text(stats));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_statuses() {
        assert_eq!(exit_status(&Stop::Exit { code: 0 }), 0);
        assert_eq!(exit_status(&Stop::Exit { code: 7 }), 7);
        assert_eq!(exit_status(&Stop::Exit { code: 255 }), 255);
        assert_eq!(exit_status(&Stop::Exit { code: 0x107 }), 7);
        assert_eq!(exit_status(&Stop::Exit { code: 256 }), 1);
        assert_eq!(exit_status(&Stop::Exit { code: 0xffff_ffff }), 255);
        assert_eq!(exit_status(&Stop::Exit { code: 1 << 40 }), 1);
        assert_eq!(exit_status(&Stop::CycleLimit), 124);
        assert_eq!(exit_status(&Stop::Breakpoint { pc: 0 }), 133);
    }

    #[test]
    fn hex_digest() {
        assert_eq!(
            hex(&Sha256::digest(b"")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
