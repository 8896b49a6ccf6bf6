//! The reference interpreter: the executable specification of rvjit's semantics.
//!
//! One exhaustive `match` on [`Op`] (no catch-all arm) gives each instruction's meaning in a
//! few lines that can be checked against the RISC-V unprivileged spec. Both XLENs share the
//! code: registers hold canonical values (RV32 zero-extended, see [`Xlen::trunc`]) and every
//! register write truncates its result, so only operations whose meaning depends on the width
//! (signed compares, shifts, high multiplies, divides, address wrap) consult `x`. The XLEN is
//! a compile-time parameter of the hot loop so those tests fold away.
//!
//! Retirement rules (docs/ARCHITECTURE.md, "Interpreter"): a retired instruction advances pc
//! and `cycle` by one; faults and `ebreak` do not retire; service calls retire, exit included.

use crate::cpu::Cpu;
use crate::host::{Host, Service};
use crate::isa::{self, Instr, Op, Xlen};
use crate::machine::Machine;
use crate::memory::{GuestMemory, PERM_R};
use crate::outcome::{Fault, FaultKind, Stop};
use crate::program::Code;

/// Why an instruction did not simply continue at its successor.
enum Trap {
    /// Fault: the instruction does not retire.
    Fault(FaultKind),
    /// A service asked to exit: the instruction retires.
    Exit(u64),
    /// `ebreak`: does not retire.
    Breakpoint,
}

impl From<FaultKind> for Trap {
    #[inline]
    fn from(kind: FaultKind) -> Trap {
        Trap::Fault(kind)
    }
}

/// Execute one instruction (None = keep going). Looks at no cycle limit, except that the
/// count cannot pass `u64::MAX` (then it reports [`Stop::CycleLimit`]).
pub fn step(m: &mut Machine) -> Option<Stop> {
    let Machine { program, mem, cpu, host, .. } = m;
    if cpu.cycle == u64::MAX {
        return Some(Stop::CycleLimit);
    }
    let Some(ins) = program.code.fetch(cpu.pc) else {
        return Some(fetch_fault(cpu));
    };
    let result = match cpu.xlen {
        Xlen::X32 => execute::<false>(cpu, mem, host, ins),
        Xlen::X64 => execute::<true>(cpu, mem, host, ins),
    };
    finish(cpu, ins, result)
}

/// Run until the guest stops or `cpu.cycle` reaches `cycle_limit` (absolute). On
/// [`Stop::CycleLimit`] the state is that before the next instruction, so calling `run` again
/// with a larger limit resumes exactly. A limit at or below the current count stops at once.
pub fn run(m: &mut Machine, cycle_limit: u64) -> Stop {
    match m.cpu.xlen {
        Xlen::X32 => run_xlen::<false>(m, cycle_limit),
        Xlen::X64 => run_xlen::<true>(m, cycle_limit),
    }
}

/// [`run`] for one XLEN, fixed at compile time so width tests fold away in the hot loop.
fn run_xlen<const RV64: bool>(m: &mut Machine, cycle_limit: u64) -> Stop {
    // The program is immutable and shared: hold our own handle so the code can be borrowed
    // while the hart, memory and host are mutated.
    let program = std::sync::Arc::clone(&m.program);
    let Machine { mem, cpu, host, .. } = m;
    let mut window = Window::EMPTY;
    while cpu.cycle < cycle_limit {
        let Some(ins) = window.fetch(&program.code, cpu.pc) else {
            return fetch_fault(cpu);
        };
        let result = execute::<RV64>(cpu, mem, host, ins);
        if let Some(stop) = finish(cpu, ins, result) {
            return stop;
        }
    }
    Stop::CycleLimit
}

/// The code range the pc was last found in, so the hot fetch is one subtraction and one
/// bounds check instead of a search over all ranges.
struct Window<'a> {
    base: u64,
    instrs: &'a [Instr],
}

impl<'a> Window<'a> {
    const EMPTY: Window<'static> = Window { base: 0, instrs: &[] };

    #[inline(always)]
    fn fetch(&mut self, code: &'a Code, pc: u64) -> Option<&'a Instr> {
        let off = pc.wrapping_sub(self.base);
        if pc & 1 == 0 && off & 1 == 0 {
            if let Some(ins) = self.instrs.get((off >> 1) as usize) {
                return Some(ins);
            }
        }
        self.refill(code, pc)
    }

    #[cold]
    fn refill(&mut self, code: &'a Code, pc: u64) -> Option<&'a Instr> {
        let ins = code.fetch(pc)?;
        if let Some(r) = code.ranges.iter().find(|r| pc.wrapping_sub(r.base) / 2 < r.instrs.len() as u64) {
            self.base = r.base;
            self.instrs = &r.instrs;
        }
        Some(ins)
    }
}

#[cold]
fn fetch_fault(cpu: &Cpu) -> Stop {
    Stop::Fault(Fault { kind: FaultKind::InstructionFetch { addr: cpu.pc }, pc: cpu.pc, cycle: cpu.cycle })
}

/// Apply an instruction's outcome: retire it (pc, cycle) or turn its trap into a stop.
#[inline(always)]
fn finish(cpu: &mut Cpu, ins: &Instr, result: Result<u64, Trap>) -> Option<Stop> {
    match result {
        Ok(next_pc) => {
            cpu.pc = next_pc;
            cpu.cycle += 1;
            None
        }
        Err(trap) => trap_stop(cpu, ins, trap),
    }
}

#[cold]
fn trap_stop(cpu: &mut Cpu, ins: &Instr, trap: Trap) -> Option<Stop> {
    Some(match trap {
        Trap::Exit(code) => {
            cpu.pc = cpu.xlen.trunc(cpu.pc.wrapping_add(u64::from(ins.len)));
            cpu.cycle += 1;
            Stop::Exit { code }
        }
        Trap::Breakpoint => Stop::Breakpoint { pc: cpu.pc },
        Trap::Fault(kind) => Stop::Fault(Fault { kind, pc: cpu.pc, cycle: cpu.cycle }),
    })
}

/// Sign-extend the low 32 bits (the W-forms' and `.W` atomics' results).
#[inline(always)]
fn sext32(v: u64) -> u64 {
    v as u32 as i32 as i64 as u64
}

/// Upper half of the 2*XLEN-bit product of two XLEN-bit values given as i128.
#[inline(always)]
fn mul_high(x: Xlen, a: i128, b: i128) -> u64 {
    (a.wrapping_mul(b) >> x.bits()) as u64
}

/// A service call's answer.
#[inline]
fn service(result: Result<Service, FaultKind>, next: u64) -> Result<u64, Trap> {
    match result? {
        Service::Continue => Ok(next),
        Service::Exit(code) => Err(Trap::Exit(code)),
    }
}

/// Address checks of LR/SC/AMOs: the permission check of a load (LR) or store (SC, AMO), then
/// natural alignment, which is required whatever the misaligned policy.
#[inline]
fn atomic_addr(mem: &GuestMemory, addr: u64, size: u64, store: bool) -> Result<u64, FaultKind> {
    if store {
        mem.store_check(addr, size)?;
    } else if !mem.check(addr, size, PERM_R) {
        return Err(FaultKind::LoadAccess { addr, size });
    }
    if addr & (size - 1) != 0 {
        return Err(if store {
            FaultKind::MisalignedStore { addr, size }
        } else {
            FaultKind::MisalignedLoad { addr, size }
        });
    }
    Ok(addr)
}

/// Read-modify-write of an AMO: returns the old value (zero-extended, `size` bytes).
#[inline]
fn amo(mem: &mut GuestMemory, addr: u64, size: u64, f: impl FnOnce(u64) -> u64) -> Result<u64, FaultKind> {
    let addr = atomic_addr(mem, addr, size, true)?;
    let old = mem.load(addr, size)?;
    mem.store(addr, size, f(old))?;
    Ok(old)
}

/// Write a register: x0 ignores writes, RV32 values are kept zero-extended. (Like
/// [`Cpu::set`], with the XLEN known at compile time.)
#[inline(always)]
fn set(cpu: &mut Cpu, x: Xlen, rd: u8, value: u64) {
    if rd != 0 {
        cpu.regs[usize::from(rd & 31)] = x.trunc(value);
    }
}

/// Execute `ins` at `cpu.pc` (whose XLEN is 64 iff `RV64`): write its results and return the
/// next pc, or the trap. Does not touch `cpu.pc` or `cpu.cycle` (see [`finish`]).
#[inline(always)]
fn execute<const RV64: bool>(cpu: &mut Cpu, mem: &mut GuestMemory, host: &mut Host, ins: &Instr) -> Result<u64, Trap> {
    let x = if RV64 { Xlen::X64 } else { Xlen::X32 };
    debug_assert_eq!(x, cpu.xlen);
    let pc = cpu.pc;
    let next = x.trunc(pc.wrapping_add(u64::from(ins.len)));
    let rd = ins.rd;
    let a = cpu.get(ins.rs1);
    let b = cpu.get(ins.rs2);
    // The immediate sign-extended to 64 bits; `set` truncates results for RV32.
    let imm = ins.imm as i64 as u64;
    // Effective address of loads, stores (rs1 + imm) and atomics (imm = 0); wraps on RV32.
    let ea = x.trunc(a.wrapping_add(imm));
    // Register shift amounts use the low log2(XLEN) bits of rs2.
    let shamt = (b & u64::from(x.bits() - 1)) as u32;
    let (sa, sb) = (x.signed(a), x.signed(b));
    // Next pc of a conditional branch.
    let branch = |taken: bool| if taken { x.trunc(pc.wrapping_add(imm)) } else { next };

    match ins.op {
        // ---- RV32I / RV64I ----
        Op::Lui => set(cpu, x, rd, imm),
        Op::Auipc => set(cpu, x, rd, pc.wrapping_add(imm)),
        Op::Jal => {
            set(cpu, x, rd, next);
            return Ok(x.trunc(pc.wrapping_add(imm)));
        }
        Op::Jalr => {
            let target = ea & !1; // computed before rd is written (rd may equal rs1)
            set(cpu, x, rd, next);
            return Ok(target);
        }
        Op::Beq => return Ok(branch(a == b)),
        Op::Bne => return Ok(branch(a != b)),
        Op::Blt => return Ok(branch(sa < sb)),
        Op::Bge => return Ok(branch(sa >= sb)),
        Op::Bltu => return Ok(branch(a < b)),
        Op::Bgeu => return Ok(branch(a >= b)),
        Op::Lb => set(cpu, x, rd, mem.load(ea, 1)? as u8 as i8 as i64 as u64),
        Op::Lh => set(cpu, x, rd, mem.load(ea, 2)? as u16 as i16 as i64 as u64),
        Op::Lw => set(cpu, x, rd, sext32(mem.load(ea, 4)?)),
        Op::Ld => set(cpu, x, rd, mem.load(ea, 8)?),
        Op::Lbu => set(cpu, x, rd, mem.load(ea, 1)?),
        Op::Lhu => set(cpu, x, rd, mem.load(ea, 2)?),
        Op::Lwu => set(cpu, x, rd, mem.load(ea, 4)?),
        Op::Sb => mem.store(ea, 1, b)?,
        Op::Sh => mem.store(ea, 2, b)?,
        Op::Sw => mem.store(ea, 4, b)?,
        Op::Sd => mem.store(ea, 8, b)?,
        Op::Addi => set(cpu, x, rd, a.wrapping_add(imm)),
        Op::Slti => set(cpu, x, rd, u64::from(sa < ins.imm as i64)),
        Op::Sltiu => set(cpu, x, rd, u64::from(a < x.trunc(imm))),
        Op::Xori => set(cpu, x, rd, a ^ imm),
        Op::Ori => set(cpu, x, rd, a | imm),
        Op::Andi => set(cpu, x, rd, a & imm),
        // Immediate shift amounts were range-checked by the decoder (5 bits on RV32).
        Op::Slli => set(cpu, x, rd, a << (ins.imm & 63)),
        Op::Srli => set(cpu, x, rd, a >> (ins.imm & 63)),
        Op::Srai => set(cpu, x, rd, (sa >> (ins.imm & 63)) as u64),
        Op::Add => set(cpu, x, rd, a.wrapping_add(b)),
        Op::Sub => set(cpu, x, rd, a.wrapping_sub(b)),
        Op::Sll => set(cpu, x, rd, a << shamt),
        Op::Slt => set(cpu, x, rd, u64::from(sa < sb)),
        Op::Sltu => set(cpu, x, rd, u64::from(a < b)),
        Op::Xor => set(cpu, x, rd, a ^ b),
        Op::Srl => set(cpu, x, rd, a >> shamt),
        Op::Sra => set(cpu, x, rd, (sa >> shamt) as u64),
        Op::Or => set(cpu, x, rd, a | b),
        Op::And => set(cpu, x, rd, a & b),
        Op::Addiw => set(cpu, x, rd, sext32(a.wrapping_add(imm))),
        Op::Slliw => set(cpu, x, rd, sext32(u64::from((a as u32) << (ins.imm & 31)))),
        Op::Srliw => set(cpu, x, rd, sext32(u64::from((a as u32) >> (ins.imm & 31)))),
        Op::Sraiw => set(cpu, x, rd, ((a as i32) >> (ins.imm & 31)) as i64 as u64),
        Op::Addw => set(cpu, x, rd, sext32(a.wrapping_add(b))),
        Op::Subw => set(cpu, x, rd, sext32(a.wrapping_sub(b))),
        Op::Sllw => set(cpu, x, rd, sext32(u64::from((a as u32) << (b & 31)))),
        Op::Srlw => set(cpu, x, rd, sext32(u64::from((a as u32) >> (b & 31)))),
        Op::Sraw => set(cpu, x, rd, ((a as i32) >> (b & 31)) as i64 as u64),
        // Code is immutable after load, and there is one hart.
        Op::Fence | Op::FenceI => {}
        Op::Ecall => return service(host.ecall(cpu, mem), next),
        Op::Ebreak => return Err(Trap::Breakpoint),
        // ---- Zicsr: the decoder admits only reads (rs1/uimm = 0) of the counters, which all
        // count instructions retired before this one ----
        Op::Csrrs | Op::Csrrc | Op::Csrrsi | Op::Csrrci => {
            let count = cpu.cycle;
            let value = if isa::is_high_counter_csr(ins.imm as u16) { count >> 32 } else { count };
            set(cpu, x, rd, value);
        }
        // ---- M ----
        Op::Mul => set(cpu, x, rd, a.wrapping_mul(b)),
        Op::Mulh => set(cpu, x, rd, mul_high(x, i128::from(sa), i128::from(sb))),
        Op::Mulhsu => set(cpu, x, rd, mul_high(x, i128::from(sa), i128::from(b))),
        Op::Mulhu => set(cpu, x, rd, mul_high(x, i128::from(a), i128::from(b))),
        // Division by zero gives all ones (quotient) or the dividend (remainder); signed
        // overflow (MIN / -1) gives MIN and 0, which is what wrapping division yields (for RV32
        // the i64 quotient 2^31 truncates back to MIN).
        Op::Div => set(cpu, x, rd, if sb == 0 { u64::MAX } else { sa.wrapping_div(sb) as u64 }),
        Op::Divu => set(cpu, x, rd, a.checked_div(b).unwrap_or(u64::MAX)),
        Op::Rem => set(cpu, x, rd, if sb == 0 { a } else { sa.wrapping_rem(sb) as u64 }),
        Op::Remu => set(cpu, x, rd, a.checked_rem(b).unwrap_or(a)),
        Op::Mulw => set(cpu, x, rd, sext32(a.wrapping_mul(b))),
        Op::Divw => {
            let (a, b) = (a as i32, b as i32);
            set(cpu, x, rd, if b == 0 { u64::MAX } else { a.wrapping_div(b) as i64 as u64 });
        }
        Op::Divuw => {
            let (a, b) = (a as u32, b as u32);
            set(cpu, x, rd, a.checked_div(b).map_or(u64::MAX, |q| sext32(u64::from(q))));
        }
        Op::Remw => {
            let (a, b) = (a as i32, b as i32);
            set(cpu, x, rd, if b == 0 { a as i64 as u64 } else { a.wrapping_rem(b) as i64 as u64 });
        }
        Op::Remuw => {
            let (a, b) = (a as u32, b as u32);
            set(cpu, x, rd, sext32(u64::from(a.checked_rem(b).unwrap_or(a))));
        }
        // ---- A (single hart: plain read-modify-write) ----
        Op::LrW | Op::LrD => {
            let size = if ins.op == Op::LrW { 4 } else { 8 };
            let addr = atomic_addr(mem, ea, size, false)?;
            let value = mem.load(addr, size)?;
            set(cpu, x, rd, if size == 4 { sext32(value) } else { value });
            cpu.reservation = addr;
        }
        Op::ScW | Op::ScD => {
            let size = if ins.op == Op::ScW { 4 } else { 8 };
            let addr = atomic_addr(mem, ea, size, true)?;
            let success = cpu.reservation == addr;
            if success {
                mem.store(addr, size, b)?;
            }
            cpu.reservation = crate::cpu::NO_RESERVATION;
            set(cpu, x, rd, u64::from(!success));
        }
        Op::AmoswapW => set(cpu, x, rd, sext32(amo(mem, ea, 4, |_| b)?)),
        Op::AmoaddW => set(cpu, x, rd, sext32(amo(mem, ea, 4, |old| old.wrapping_add(b))?)),
        Op::AmoxorW => set(cpu, x, rd, sext32(amo(mem, ea, 4, |old| old ^ b)?)),
        Op::AmoandW => set(cpu, x, rd, sext32(amo(mem, ea, 4, |old| old & b)?)),
        Op::AmoorW => set(cpu, x, rd, sext32(amo(mem, ea, 4, |old| old | b)?)),
        Op::AmominW => set(cpu, x, rd, sext32(amo(mem, ea, 4, |old| if (old as i32) < (b as i32) { old } else { b })?)),
        Op::AmomaxW => set(cpu, x, rd, sext32(amo(mem, ea, 4, |old| if (old as i32) > (b as i32) { old } else { b })?)),
        Op::AmominuW => {
            set(cpu, x, rd, sext32(amo(mem, ea, 4, |old| if (old as u32) < (b as u32) { old } else { b })?))
        }
        Op::AmomaxuW => {
            set(cpu, x, rd, sext32(amo(mem, ea, 4, |old| if (old as u32) > (b as u32) { old } else { b })?))
        }
        Op::AmoswapD => set(cpu, x, rd, amo(mem, ea, 8, |_| b)?),
        Op::AmoaddD => set(cpu, x, rd, amo(mem, ea, 8, |old| old.wrapping_add(b))?),
        Op::AmoxorD => set(cpu, x, rd, amo(mem, ea, 8, |old| old ^ b)?),
        Op::AmoandD => set(cpu, x, rd, amo(mem, ea, 8, |old| old & b)?),
        Op::AmoorD => set(cpu, x, rd, amo(mem, ea, 8, |old| old | b)?),
        Op::AmominD => set(cpu, x, rd, amo(mem, ea, 8, |old| if (old as i64) < (b as i64) { old } else { b })?),
        Op::AmomaxD => set(cpu, x, rd, amo(mem, ea, 8, |old| if (old as i64) > (b as i64) { old } else { b })?),
        Op::AmominuD => set(cpu, x, rd, amo(mem, ea, 8, |old| old.min(b))?),
        Op::AmomaxuD => set(cpu, x, rd, amo(mem, ea, 8, |old| old.max(b))?),
        // ---- OpenVM custom-0: the host-service table's second door ----
        Op::Terminate
        | Op::HintStorew
        | Op::HintBuffer
        | Op::Reveal
        | Op::HintInput
        | Op::PrintStr
        | Op::HintRandom
        | Op::Keccakf => return service(host.custom0(ins, cpu, mem), next),
        Op::Illegal => return Err(Trap::Fault(FaultKind::IllegalInstruction { bits: ins.raw })),
    }
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mul_high_widths() {
        assert_eq!(mul_high(Xlen::X32, -1, -1), 0);
        assert_eq!(mul_high(Xlen::X32, i128::from(u32::MAX), i128::from(u32::MAX)), 0xffff_fffe);
        assert_eq!(mul_high(Xlen::X64, i128::from(i64::MIN), i128::from(i64::MIN)), 1 << 62);
        // RV32 signed high of negative result: truncated by Cpu::set to 32 bits.
        assert_eq!(mul_high(Xlen::X32, -2, 3) as u32, 0xffff_ffff);
    }
}
