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
use crate::host::{EffectObserver, Host, Service};
use crate::isa::{self, Instr, Op, Xlen};
use crate::machine::Machine;
use crate::memory::{GuestMemory, PERM_R};
use crate::outcome::{Fault, FaultKind, Stop};
use crate::program::Code;

/// Everything an instruction reaches outside the hart: guest memory and the host services.
///
/// The interpreter is generic over it, so the same instruction semantics serve the plain run
/// ([`MachineBus`]), witness recording (which logs every value read) and witness replay
/// (which serves every value from a record, with no memory image). Every data load — plain
/// loads, LR, and the old value of AMOs — goes through [`Bus::load`]; every service through
/// [`Bus::ecall`] / [`Bus::custom0`]. Monomorphisation makes the plain path what it was.
pub trait Bus {
    /// Load `size` (1, 2, 4 or 8) bytes, little-endian, zero-extended.
    fn load(&mut self, addr: u64, size: u64) -> Result<u64, FaultKind>;
    /// Store the low `size` bytes of `value`.
    fn store(&mut self, addr: u64, size: u64, value: u64) -> Result<(), FaultKind>;
    /// Permission check of an LR (`store` false: load rules) or SC/AMO (store rules); the
    /// interpreter checks natural alignment afterwards.
    fn atomic_check(&mut self, addr: u64, size: u64, store: bool) -> Result<(), FaultKind>;
    /// Serve the `ecall` whose number is in a7.
    fn ecall(&mut self, cpu: &mut Cpu) -> Result<Service, FaultKind>;
    /// Serve a custom-0 instruction.
    fn custom0(&mut self, ins: &Instr, cpu: &mut Cpu) -> Result<Service, FaultKind>;
    /// Called after each retired instruction that was at `pc` (tracing); a no-op by default.
    #[inline(always)]
    fn retired(&mut self, _pc: u64, _ins: &Instr, _cpu: &Cpu) {}
}

/// A borrowed bus is a bus: the run loops take theirs by value, so the plain bus's fields
/// stay in registers, and callers that inspect their bus afterwards pass `&mut bus`.
impl<B: Bus + ?Sized> Bus for &mut B {
    #[inline(always)]
    fn load(&mut self, addr: u64, size: u64) -> Result<u64, FaultKind> {
        (**self).load(addr, size)
    }
    #[inline(always)]
    fn store(&mut self, addr: u64, size: u64, value: u64) -> Result<(), FaultKind> {
        (**self).store(addr, size, value)
    }
    #[inline(always)]
    fn atomic_check(&mut self, addr: u64, size: u64, store: bool) -> Result<(), FaultKind> {
        (**self).atomic_check(addr, size, store)
    }
    #[inline(always)]
    fn ecall(&mut self, cpu: &mut Cpu) -> Result<Service, FaultKind> {
        (**self).ecall(cpu)
    }
    #[inline(always)]
    fn custom0(&mut self, ins: &Instr, cpu: &mut Cpu) -> Result<Service, FaultKind> {
        (**self).custom0(ins, cpu)
    }
    #[inline(always)]
    fn retired(&mut self, pc: u64, ins: &Instr, cpu: &Cpu) {
        (**self).retired(pc, ins, cpu)
    }
}

/// The plain bus: the machine's memory and host services.
pub struct MachineBus<'a> {
    pub mem: &'a mut GuestMemory,
    pub host: &'a mut Host,
}

impl Bus for MachineBus<'_> {
    #[inline(always)]
    fn load(&mut self, addr: u64, size: u64) -> Result<u64, FaultKind> {
        self.mem.load(addr, size)
    }

    #[inline(always)]
    fn store(&mut self, addr: u64, size: u64, value: u64) -> Result<(), FaultKind> {
        self.mem.store(addr, size, value)
    }

    #[inline]
    fn atomic_check(&mut self, addr: u64, size: u64, store: bool) -> Result<(), FaultKind> {
        if store {
            self.mem.store_check(addr, size)
        } else if self.mem.check(addr, size, PERM_R) {
            Ok(())
        } else {
            Err(FaultKind::LoadAccess { addr, size })
        }
    }

    #[inline]
    fn ecall(&mut self, cpu: &mut Cpu) -> Result<Service, FaultKind> {
        self.host.ecall(cpu, self.mem)
    }

    #[inline]
    fn custom0(&mut self, ins: &Instr, cpu: &mut Cpu) -> Result<Service, FaultKind> {
        self.host.custom0(ins, cpu, self.mem)
    }
}

impl MachineBus<'_> {
    /// [`Bus::ecall`] with every guest-visible effect reported to `observer`.
    pub fn ecall_observed(
        &mut self,
        cpu: &mut Cpu,
        observer: &mut dyn EffectObserver,
    ) -> Result<Service, FaultKind> {
        self.host.ecall_observed(cpu, self.mem, Some(observer))
    }

    /// [`Bus::custom0`] with every guest-visible effect reported to `observer`.
    pub fn custom0_observed(
        &mut self,
        ins: &Instr,
        cpu: &mut Cpu,
        observer: &mut dyn EffectObserver,
    ) -> Result<Service, FaultKind> {
        self.host
            .custom0_observed(ins, cpu, self.mem, Some(observer))
    }
}

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
    let Machine {
        program,
        mem,
        cpu,
        host,
        ..
    } = m;
    step_with(&program.code, cpu, &mut MachineBus { mem, host })
}

/// [`step`] on any [`Bus`].
pub fn step_with<B: Bus>(code: &Code, cpu: &mut Cpu, bus: &mut B) -> Option<Stop> {
    if cpu.cycle == u64::MAX {
        return Some(Stop::CycleLimit);
    }
    let Some(ins) = code.fetch(cpu.pc) else {
        return Some(fetch_fault(cpu));
    };
    let pc = cpu.pc;
    let result = match cpu.xlen {
        Xlen::X32 => execute::<false, B>(cpu, bus, ins),
        Xlen::X64 => execute::<true, B>(cpu, bus, ins),
    };
    let stop = finish(cpu, ins, result);
    if stop.is_none() {
        bus.retired(pc, ins, cpu);
    }
    stop
}

/// Run until the guest stops or `cpu.cycle` reaches `cycle_limit` (absolute). On
/// [`Stop::CycleLimit`] the state is that before the next instruction, so calling `run` again
/// with a larger limit resumes exactly. A limit at or below the current count stops at once.
pub fn run(m: &mut Machine, cycle_limit: u64) -> Stop {
    // The program is immutable and shared: hold our own handle so the code can be borrowed
    // while the hart, memory and host are mutated.
    let program = std::sync::Arc::clone(&m.program);
    let Machine { mem, cpu, host, .. } = m;
    match cpu.xlen {
        Xlen::X32 => run_plain::<false>(&program.code, cpu, mem, host, cycle_limit),
        Xlen::X64 => run_plain::<true>(&program.code, cpu, mem, host, cycle_limit),
    }
}

/// The plain loop. Memory and host arrive as reference parameters (not inside a bus struct)
/// so the optimiser knows guest stores cannot modify them: this keeps the load/store path
/// as fast as before the interpreter became generic over [`Bus`].
#[inline(never)]
fn run_plain<const RV64: bool>(
    code: &Code,
    cpu: &mut Cpu,
    mem: &mut GuestMemory,
    host: &mut Host,
    cycle_limit: u64,
) -> Stop {
    run_loop::<RV64, _>(code, cpu, MachineBus { mem, host }, cycle_limit)
}

/// [`run`] on any [`Bus`] (pass `&mut bus` to inspect it afterwards): the hart `cpu`
/// executing `code`.
pub fn run_with<B: Bus>(code: &Code, cpu: &mut Cpu, bus: B, cycle_limit: u64) -> Stop {
    match cpu.xlen {
        Xlen::X32 => run_loop::<false, B>(code, cpu, bus, cycle_limit),
        Xlen::X64 => run_loop::<true, B>(code, cpu, bus, cycle_limit),
    }
}

/// The run loop for one XLEN, fixed at compile time so width tests fold away.
#[inline(always)]
fn run_loop<const RV64: bool, B: Bus>(
    code: &Code,
    cpu: &mut Cpu,
    mut bus: B,
    cycle_limit: u64,
) -> Stop {
    let mut window = Window::EMPTY;
    while cpu.cycle < cycle_limit {
        let Some(ins) = window.fetch(code, cpu.pc) else {
            return fetch_fault(cpu);
        };
        let pc = cpu.pc;
        let result = execute::<RV64, B>(cpu, &mut bus, ins);
        if let Some(stop) = finish(cpu, ins, result) {
            return stop;
        }
        bus.retired(pc, ins, cpu);
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
    const EMPTY: Window<'static> = Window {
        base: 0,
        instrs: &[],
    };

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
        if let Some(r) = code
            .ranges
            .iter()
            .find(|r| pc.wrapping_sub(r.base) / 2 < r.instrs.len() as u64)
        {
            self.base = r.base;
            self.instrs = &r.instrs;
        }
        Some(ins)
    }
}

#[cold]
fn fetch_fault(cpu: &Cpu) -> Stop {
    Stop::Fault(Fault {
        kind: FaultKind::InstructionFetch { addr: cpu.pc },
        pc: cpu.pc,
        cycle: cpu.cycle,
    })
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
        Trap::Fault(kind) => Stop::Fault(Fault {
            kind,
            pc: cpu.pc,
            cycle: cpu.cycle,
        }),
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
fn atomic_addr<B: Bus>(bus: &mut B, addr: u64, size: u64, store: bool) -> Result<u64, FaultKind> {
    bus.atomic_check(addr, size, store)?;
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
fn amo<B: Bus>(
    bus: &mut B,
    addr: u64,
    size: u64,
    f: impl FnOnce(u64) -> u64,
) -> Result<u64, FaultKind> {
    let addr = atomic_addr(bus, addr, size, true)?;
    let old = bus.load(addr, size)?;
    bus.store(addr, size, f(old))?;
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
fn execute<const RV64: bool, B: Bus>(cpu: &mut Cpu, bus: &mut B, ins: &Instr) -> Result<u64, Trap> {
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
    let branch = |taken: bool| {
        if taken {
            x.trunc(pc.wrapping_add(imm))
        } else {
            next
        }
    };

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
        Op::Lb => set(cpu, x, rd, bus.load(ea, 1)? as u8 as i8 as i64 as u64),
        Op::Lh => set(cpu, x, rd, bus.load(ea, 2)? as u16 as i16 as i64 as u64),
        Op::Lw => set(cpu, x, rd, sext32(bus.load(ea, 4)?)),
        Op::Ld => set(cpu, x, rd, bus.load(ea, 8)?),
        Op::Lbu => set(cpu, x, rd, bus.load(ea, 1)?),
        Op::Lhu => set(cpu, x, rd, bus.load(ea, 2)?),
        Op::Lwu => set(cpu, x, rd, bus.load(ea, 4)?),
        Op::Sb => bus.store(ea, 1, b)?,
        Op::Sh => bus.store(ea, 2, b)?,
        Op::Sw => bus.store(ea, 4, b)?,
        Op::Sd => bus.store(ea, 8, b)?,
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
        Op::Ecall => return service(bus.ecall(cpu), next),
        Op::Ebreak => return Err(Trap::Breakpoint),
        // ---- Zicsr: the decoder admits only reads (rs1/uimm = 0) of the counters, which all
        // count instructions retired before this one ----
        Op::Csrrs | Op::Csrrc | Op::Csrrsi | Op::Csrrci => {
            let count = cpu.cycle;
            let value = if isa::is_high_counter_csr(ins.imm as u16) {
                count >> 32
            } else {
                count
            };
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
        Op::Div => set(
            cpu,
            x,
            rd,
            if sb == 0 {
                u64::MAX
            } else {
                sa.wrapping_div(sb) as u64
            },
        ),
        Op::Divu => set(cpu, x, rd, a.checked_div(b).unwrap_or(u64::MAX)),
        Op::Rem => set(
            cpu,
            x,
            rd,
            if sb == 0 {
                a
            } else {
                sa.wrapping_rem(sb) as u64
            },
        ),
        Op::Remu => set(cpu, x, rd, a.checked_rem(b).unwrap_or(a)),
        Op::Mulw => set(cpu, x, rd, sext32(a.wrapping_mul(b))),
        Op::Divw => {
            let (a, b) = (a as i32, b as i32);
            set(
                cpu,
                x,
                rd,
                if b == 0 {
                    u64::MAX
                } else {
                    a.wrapping_div(b) as i64 as u64
                },
            );
        }
        Op::Divuw => {
            let (a, b) = (a as u32, b as u32);
            set(
                cpu,
                x,
                rd,
                a.checked_div(b).map_or(u64::MAX, |q| sext32(u64::from(q))),
            );
        }
        Op::Remw => {
            let (a, b) = (a as i32, b as i32);
            set(
                cpu,
                x,
                rd,
                if b == 0 {
                    a as i64 as u64
                } else {
                    a.wrapping_rem(b) as i64 as u64
                },
            );
        }
        Op::Remuw => {
            let (a, b) = (a as u32, b as u32);
            set(cpu, x, rd, sext32(u64::from(a.checked_rem(b).unwrap_or(a))));
        }
        // ---- A (single hart: plain read-modify-write) ----
        Op::LrW | Op::LrD => {
            let size = if ins.op == Op::LrW { 4 } else { 8 };
            let addr = atomic_addr(bus, ea, size, false)?;
            let value = bus.load(addr, size)?;
            set(cpu, x, rd, if size == 4 { sext32(value) } else { value });
            cpu.reservation = addr;
        }
        Op::ScW | Op::ScD => {
            let size = if ins.op == Op::ScW { 4 } else { 8 };
            let addr = atomic_addr(bus, ea, size, true)?;
            let success = cpu.reservation == addr;
            if success {
                bus.store(addr, size, b)?;
            }
            cpu.reservation = crate::cpu::NO_RESERVATION;
            set(cpu, x, rd, u64::from(!success));
        }
        Op::AmoswapW => set(cpu, x, rd, sext32(amo(bus, ea, 4, |_| b)?)),
        Op::AmoaddW => set(
            cpu,
            x,
            rd,
            sext32(amo(bus, ea, 4, |old| old.wrapping_add(b))?),
        ),
        Op::AmoxorW => set(cpu, x, rd, sext32(amo(bus, ea, 4, |old| old ^ b)?)),
        Op::AmoandW => set(cpu, x, rd, sext32(amo(bus, ea, 4, |old| old & b)?)),
        Op::AmoorW => set(cpu, x, rd, sext32(amo(bus, ea, 4, |old| old | b)?)),
        Op::AmominW => set(
            cpu,
            x,
            rd,
            sext32(amo(bus, ea, 4, |old| {
                if (old as i32) < (b as i32) {
                    old
                } else {
                    b
                }
            })?),
        ),
        Op::AmomaxW => set(
            cpu,
            x,
            rd,
            sext32(amo(bus, ea, 4, |old| {
                if (old as i32) > (b as i32) {
                    old
                } else {
                    b
                }
            })?),
        ),
        Op::AmominuW => set(
            cpu,
            x,
            rd,
            sext32(amo(bus, ea, 4, |old| {
                if (old as u32) < (b as u32) {
                    old
                } else {
                    b
                }
            })?),
        ),
        Op::AmomaxuW => set(
            cpu,
            x,
            rd,
            sext32(amo(bus, ea, 4, |old| {
                if (old as u32) > (b as u32) {
                    old
                } else {
                    b
                }
            })?),
        ),
        Op::AmoswapD => set(cpu, x, rd, amo(bus, ea, 8, |_| b)?),
        Op::AmoaddD => set(cpu, x, rd, amo(bus, ea, 8, |old| old.wrapping_add(b))?),
        Op::AmoxorD => set(cpu, x, rd, amo(bus, ea, 8, |old| old ^ b)?),
        Op::AmoandD => set(cpu, x, rd, amo(bus, ea, 8, |old| old & b)?),
        Op::AmoorD => set(cpu, x, rd, amo(bus, ea, 8, |old| old | b)?),
        Op::AmominD => set(
            cpu,
            x,
            rd,
            amo(
                bus,
                ea,
                8,
                |old| if (old as i64) < (b as i64) { old } else { b },
            )?,
        ),
        Op::AmomaxD => set(
            cpu,
            x,
            rd,
            amo(
                bus,
                ea,
                8,
                |old| if (old as i64) > (b as i64) { old } else { b },
            )?,
        ),
        Op::AmominuD => set(cpu, x, rd, amo(bus, ea, 8, |old| old.min(b))?),
        Op::AmomaxuD => set(cpu, x, rd, amo(bus, ea, 8, |old| old.max(b))?),
        // ---- OpenVM custom-0: the host-service table's second door ----
        Op::Terminate
        | Op::HintStorew
        | Op::HintBuffer
        | Op::Reveal
        | Op::HintInput
        | Op::PrintStr
        | Op::HintRandom
        | Op::Keccakf => return service(bus.custom0(ins, cpu), next),
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
        assert_eq!(
            mul_high(Xlen::X32, i128::from(u32::MAX), i128::from(u32::MAX)),
            0xffff_fffe
        );
        assert_eq!(
            mul_high(Xlen::X64, i128::from(i64::MIN), i128::from(i64::MIN)),
            1 << 62
        );
        // RV32 signed high of negative result: truncated by Cpu::set to 32 bits.
        assert_eq!(mul_high(Xlen::X32, -2, 3) as u32, 0xffff_ffff);
    }
}
