//! The direct baseline tier: x86-64 machine code emitted straight from a region's
//! instructions with templates (dynasm), without Cranelift.
//!
//! Ahead-of-time translation covers every instruction of the guest, and most of them never run
//! or run a few times: Cranelift spends about 8 µs of CPU per guest instruction on them, this
//! tier well under 1 µs. Code that runs often is recompiled by the optimising (Cranelift) tier
//! exactly as the Cranelift baseline's code is: the same hot counters, the same protocol
//! ([`lift::HotCounter`]).
//!
//! The region function has the same contract as a lifted one ([`lift`]'s module comment):
//! `fn(ctx, entry) -> status` in Cranelift's `Tail` convention on x86-64 (arguments in rdi,
//! esi, status in eax, System V callee-saved registers), so the entry trampoline calls it and
//! regions of either kind tail-call each other through the compiled-code table. Inside:
//! - host registers: r13 = host base of guest memory and of the Cpu image at its start
//!   ([`super::runtime::Ctx::cpu`]), r15 = the cycles left at
//!   the start of the current basic block, `limit - cycle` (a checkpoint compares it with an
//!   immediate; `cpu.cycle` is written from it wherever control leaves); `&Ctx` and the
//!   cycle limit live in the frame ([`FRAME_CTX`], [`FRAME_LIMIT`]),
//!   because the rare paths that need the context can afford a load and a guest register
//!   cannot;
//! - the ten most used guest registers (a0-a7, sp and s0) live in host registers in all direct
//!   code ([`PINNED`], one mapping for every region, so direct regions jump into each other's
//!   entry blocks without moving them); they are stored to the Cpu before every exit, tail
//!   call and call-out, and loaded after the prologue and call-outs. The others live in the
//!   Cpu: an instruction loads its sources and stores its result (store forwarding makes
//!   this cheap);
//! - budget checks, hot counters, memory checks (the fast windows with the rotate trick,
//!   grouped as in [`checks`], or the fast table when no window fits), call-outs to
//!   [`rvjit_step`], and exits with the
//!   status codes of [`super::runtime`] mirror the lifter's; everything the checks do not clear
//!   leaves with [`STATUS_STEP`] and the interpreter executes it; simple loops check their
//!   accesses through induction and invariant registers once before the loop and run an
//!   unchecked copy for as many iterations as stay in the windows ([`loops`]);
//! - static exits to other regions and `jalr` go through the compiled-code table (an empty
//!   slot returns to the dispatcher).
//!
//! The differential tests run every program on this tier, the Cranelift tiers and the
//! interpreter and compare full state.

// dynasm's dynamic registers (`Rq(n)`) convert their `u8` index with `into()`.
#![allow(clippy::useless_conversion)]

use dynasmrt::x64::{Rq, X64Relocation};
use dynasmrt::{dynasm, DynamicLabel, DynasmApi, DynasmLabelApi, VecAssembler};
use rustc_hash::FxHashMap as HashMap;

use super::cache::{SLOT_CODE, SLOT_INDEX, SLOT_INNER};
use super::checks::{self, Plan};
use super::discover::{self, End, Region};
use super::lift::{HotCounter, LiftEnv, INSTALLED};
use super::loops;
use super::runtime::*;
use crate::isa::{self, Instr, Op, Xlen};
use crate::memory::PAGE_SHIFT;

type Asm = VecAssembler<X64Relocation>;

/// Guest registers kept in host registers in all direct code, with the same mapping in every
/// region, so direct regions jump into each other without moving them: a0-a7 and sp, the nine
/// with the most operands executed in json and evm (rv64im), and s0, the next in both after
/// ra (counted with the interpreter). ra gains least from a host register: `jal` writes it
/// a constant and `jalr` reads it into rax either way.
/// They are loaded from the Cpu after the prologue and after call-outs, and stored back
/// before anything else runs: every exit, tail call and call-out.
const PINNED: [(u8, Rq); 10] = [
    (17, Rq::RBP),
    (10, Rq::RBX),
    (2, Rq::R8),
    (11, Rq::R9),
    (12, Rq::R10),
    (13, Rq::R11),
    (14, Rq::RSI),
    (15, Rq::RDI),
    (16, Rq::R14),
    (8, Rq::R12),
];

/// The frame below the six saved registers: `&Ctx` at `[rsp + FRAME_CTX]`, the run's cycle
/// limit (constant while translated code runs) at `[rsp + FRAME_LIMIT]`, and padding that
/// keeps rsp 16-byte aligned for call-outs (six pushes and the return address are 56 bytes).
/// Every direct region has this frame, so they jump into each other's blocks.
const FRAME_SIZE: i32 = 40;
const FRAME_CTX: i32 = 0;
const FRAME_LIMIT: i32 = 8;
/// A simple loop's floor for r15 in its unchecked copy (`Emitter::simple_loop`).
const FRAME_LOOP_FLOOR: i32 = 16;

/// Where an operation with one destination computes: in place in `rd`'s host register when
/// `rd` is pinned, else in rax (then stored).
fn dest(rd: u8) -> u8 {
    match pinned(rd) {
        Some(h) if rd != 0 => h,
        _ => Rq::RAX as u8,
    }
}

/// The sources of `rd = rs1 op rs2`, swapped for a commutative operation whose `rd` is `rs2`
/// (and not `rs1`), so that it can compute in `rd` without overwriting a source first.
fn operands(ins: &Instr, commutative: bool) -> (u8, u8) {
    if commutative && ins.rs2 == ins.rd && ins.rs1 != ins.rd {
        (ins.rs2, ins.rs1)
    } else {
        (ins.rs1, ins.rs2)
    }
}

/// Does guest register `r` (not x0) live in the Cpu rather than a host register?
fn in_cpu(r: u8) -> bool {
    r != 0 && pinned(r).is_none()
}

/// The host register guest register `r` is pinned to, if any.
fn pinned(r: u8) -> Option<u8> {
    PINNED.iter().find(|&&(g, _)| g == r).map(|&(_, h)| h as u8)
}

/// A region's machine code and, per entry (in [`Region::entry_order`]), the offset of its
/// block past the prologue (the table's [`super::cache::Slot::inner`]).
pub struct Emitted {
    pub bytes: Vec<u8>,
    pub inner: Vec<u32>,
}

/// Emit the region as position-independent machine code (internal jumps are relative, every
/// outside address is an immediate).
pub fn emit(env: &LiftEnv, region: &Region, hot: Option<HotCounter>) -> Result<Emitted, String> {
    // Sized up front (about 60 bytes per instruction with its cold stubs): growing the
    // buffer copied and page-faulted much of the code twice.
    let n = region.instr_count();
    let mut a = Asm::new_with_capacity(0, 64 * n + 256, 0, 0, 2 * n + 8, 0, 2 * n + 8);
    let epilogue = a.new_dynamic_label();
    let restore = a.new_dynamic_label();
    let heads = region
        .blocks
        .keys()
        .map(|&pc| (pc, a.new_dynamic_label()))
        .collect();
    let mut e = Emitter {
        a,
        x64: env.xlen == Xlen::X64,
        xlen: env.xlen,
        env,
        heads,
        epilogue,
        restore,
        stubs: Vec::new(),
        hot,
        plans: Vec::new(),
        groups: Vec::new(),
        checked: Vec::new(),
        mixed_groups: env.windows.stores_inside_loads(),
        next_block: None,
        unchecked: 0,
    };
    let order = region.entry_order();
    e.prologue(&order);
    let mut blocks = region.blocks.values().peekable();
    while let Some(block) = blocks.next() {
        e.next_block = blocks.peek().map(|b| b.start);
        e.block(block, region);
    }
    e.stubs();
    let mut inner = Vec::with_capacity(order.len());
    for pc in &order {
        let label = e.heads.get(pc).ok_or("entry without a block")?;
        let off =
            e.a.labels()
                .resolve_dynamic(*label)
                .map_err(|err| format!("{err:?}"))?;
        inner.push(u32::try_from(off.0).map_err(|_| "region code too large")?);
    }
    let bytes = e.a.finalize().map_err(|err| format!("{err:?}"))?;
    Ok(Emitted { bytes, inner })
}

/// Cold code, emitted after the region's blocks.
enum Stub {
    /// Leave with `status` at `pc`; `cpu.cycle` = limit - r15 + `retired`.
    Exit { pc: u64, status: u32, retired: i32 },
    /// A hot counter passed its threshold (the counter is in rcx); `body` continues the block.
    Hot {
        pc: u64,
        h: HotCounter,
        body: DynamicLabel,
    },
    /// Continue at a static pc outside the region (the block is retired).
    Goto { pc: u64 },
    /// A call-out stopped the run (the Cpu holds the final state).
    Stop,
}

struct Emitter<'a> {
    a: Asm,
    x64: bool,
    xlen: Xlen,
    env: &'a LiftEnv,
    heads: HashMap<u64, DynamicLabel>,
    /// Store the pinned registers, then `restore`.
    epilogue: DynamicLabel,
    /// Restore the host's callee-saved registers and return (eax = status).
    restore: DynamicLabel,
    stubs: Vec<(DynamicLabel, Stub)>,
    hot: Option<HotCounter>,
    /// The current basic block's grouped memory checks ([`checks`]): one plan per
    /// instruction, the groups, and whether each group's leader has checked its range on the
    /// way here. The plan ends a group at any write to its base register; a call-out (which may
    /// write any register) clears `checked`, so later members check on their own.
    plans: Vec<Plan>,
    groups: Vec<checks::Group>,
    checked: Vec<bool>,
    /// Every store window lies inside a load window, so loads and stores may share a group.
    mixed_groups: bool,
    /// The block emitted right after the current one (jumps to it fall through).
    next_block: Option<u64>,
    /// In the unchecked copy of a simple loop: the base registers whose accesses were
    /// checked before the loop ([`loops::LoopPlan::bases`]).
    unchecked: u32,
}

/// Offset of guest register `r` in the Cpu.
fn reg(r: u8) -> i32 {
    CPU_REGS + 8 * i32::from(r & 31)
}

/// `v` as a sign-extended 32-bit immediate, if it is one.
fn imm32(v: u64) -> Option<i32> {
    i32::try_from(v as i64).ok()
}

impl Emitter<'_> {
    fn stub(&mut self, s: Stub) -> DynamicLabel {
        let l = self.a.new_dynamic_label();
        self.stubs.push((l, s));
        l
    }

    /// Save the callee-saved registers this code uses (rbp holds a guest register, so there is
    /// no frame pointer), set up the frame ([`FRAME_SIZE`]) and the fixed registers, load the
    /// pinned ones, and switch on the entry index (esi: read before rsi gets its guest
    /// register).
    fn prologue(&mut self, order: &[u64]) {
        dynasm!(self.a
            ; .arch x64
            ; push rbp
            ; push r12
            ; push r13
            ; push r14
            ; push r15
            ; push rbx
            ; sub rsp, FRAME_SIZE
            ; mov QWORD [rsp + FRAME_CTX], rdi
            ; mov r13, QWORD [rdi + CTX_MEM_BASE]
            ; mov r15, QWORD [rdi + CTX_LIMIT]
            ; mov QWORD [rsp + FRAME_LIMIT], r15
            ; sub r15, QWORD [r13 + CPU_CYCLE]
            ; mov edx, esi
        );
        self.load_pinned();
        for (i, pc) in order.iter().enumerate() {
            if let Some(&h) = self.heads.get(pc) {
                let i = i as i32;
                dynasm!(self.a ; .arch x64 ; cmp edx, i ; je =>h);
            }
        }
        let bad = STATUS_BAD_ENTRY as i32;
        let (epi, restore) = (self.epilogue, self.restore);
        dynasm!(self.a ; .arch x64 ; mov eax, bad ; =>epi);
        self.store_pinned();
        dynasm!(self.a ; .arch x64 ; =>restore);
        self.pop_frame();
        dynasm!(self.a ; .arch x64 ; ret);
    }

    /// Undo the prologue's pushes (rsp back at the return address).
    fn pop_frame(&mut self) {
        dynasm!(self.a
            ; .arch x64
            ; add rsp, FRAME_SIZE
            ; pop rbx
            ; pop r15
            ; pop r14
            ; pop r13
            ; pop r12
            ; pop rbp
        );
    }

    fn load_pinned(&mut self) {
        for (g, h) in PINNED {
            let o = reg(g);
            dynasm!(self.a ; .arch x64 ; mov Rq(h as u8), QWORD [r13 + o]);
        }
    }

    fn store_pinned(&mut self) {
        for (g, h) in PINNED {
            let o = reg(g);
            dynasm!(self.a ; .arch x64 ; mov QWORD [r13 + o], Rq(h as u8));
        }
    }

    /// Continue at the filled table slot at rcx (its code in rdx): jump straight to the
    /// entry's block of a direct region (same frame, fixed registers and r15; no store of the
    /// cycle), else tail-call the code with the entry index.
    fn enter_slot(&mut self) {
        let call = self.a.new_dynamic_label();
        dynasm!(self.a
            ; .arch x64
            ; mov eax, DWORD [rcx + SLOT_INNER]
            ; test eax, eax
            ; jz =>call
            ; add rdx, rax
            ; jmp rdx
            ; =>call
        );
        self.tail_call_rdx();
    }

    /// Tail-call the region code at rdx with the entry index from the slot at rcx.
    fn tail_call_rdx(&mut self) {
        self.store_pinned();
        dynasm!(self.a
            ; .arch x64
            ; mov esi, DWORD [rcx + SLOT_INDEX]
            ; mov rdi, QWORD [rsp + FRAME_CTX]
        );
        self.store_cycle(0);
        self.pop_frame();
        dynasm!(self.a ; .arch x64 ; jmp rdx);
    }

    fn store_pc(&mut self, pc: u64) {
        match imm32(pc) {
            Some(k) => dynasm!(self.a ; .arch x64 ; mov QWORD [r13 + CPU_PC], k),
            None => {
                let k = pc as i64;
                dynasm!(self.a ; .arch x64 ; mov rax, QWORD k ; mov QWORD [r13 + CPU_PC], rax)
            }
        }
    }

    /// rax = the cycle count after `retired` instructions of the current block,
    /// `limit - r15 + retired`.
    fn cycle_rax(&mut self, retired: i32) {
        dynasm!(self.a ; .arch x64 ; mov rax, QWORD [rsp + FRAME_LIMIT] ; sub rax, r15);
        if retired != 0 {
            dynasm!(self.a ; .arch x64 ; add rax, retired);
        }
    }

    /// `cpu.cycle = limit - r15 + retired` (uses rax).
    fn store_cycle(&mut self, retired: i32) {
        self.cycle_rax(retired);
        dynasm!(self.a ; .arch x64 ; mov QWORD [r13 + CPU_CYCLE], rax);
    }

    /// Leave the region at `pc` with `status`.
    fn exit(&mut self, pc: u64, status: u32, retired: i32) {
        self.store_pc(pc);
        self.store_cycle(retired);
        let s = status as i32;
        let epi = self.epilogue;
        dynasm!(self.a ; .arch x64 ; mov eax, s ; jmp =>epi);
    }

    /// Continue at a static pc outside the region (block retired): through its table slot
    /// when it has code, else via the dispatcher.
    fn goto_far(&mut self, pc: u64) {
        let t = self.env.table;
        if pc >= t.base && pc - t.base < t.bytes {
            // Slot `(pc - base) >> 1` of 16 bytes.
            let slot = t.slots.wrapping_add((pc - t.base) * 8) as i64;
            let out = self.a.new_dynamic_label();
            dynasm!(self.a
                ; .arch x64
                ; mov rcx, QWORD slot
                ; mov rdx, QWORD [rcx + SLOT_CODE]
                ; test rdx, rdx
                ; jz =>out
            );
            self.enter_slot();
            dynasm!(self.a ; .arch x64 ; =>out);
        }
        self.exit(pc, STATUS_CONTINUE, 0);
    }

    fn goto(&mut self, pc: u64) {
        match self.heads.get(&pc) {
            Some(_) if self.next_block == Some(pc) => {}
            Some(&h) => dynasm!(self.a ; .arch x64 ; jmp =>h),
            None => self.goto_far(pc),
        }
    }

    /// Continue at the computed pc in rax (block retired): through the table, else via the
    /// dispatcher.
    fn goto_indirect(&mut self) {
        let t = self.env.table;
        let (base, bytes, slots) = (t.base as i64, t.bytes as i64, t.slots as i64);
        let out = self.a.new_dynamic_label();
        // rcx = pc - base, in range?
        match (i32::try_from(-base), i32::try_from(bytes)) {
            (Ok(nb), Ok(n)) => dynasm!(self.a
                ; .arch x64
                ; lea rcx, [rax + nb]
                ; cmp rcx, n
            ),
            _ => dynasm!(self.a
                ; .arch x64
                ; mov rdx, QWORD base
                ; mov rcx, rax
                ; sub rcx, rdx
                ; mov rdx, QWORD bytes
                ; cmp rcx, rdx
            ),
        }
        // Slot `(pc - base) >> 1` of 16 bytes is at `slots + (pc - base) * 8`.
        const _: () = assert!(super::cache::SLOT_SIZE == 16);
        dynasm!(self.a
            ; .arch x64
            ; jae =>out
            ; mov rdx, QWORD slots
            ; lea rcx, [rdx + rcx * 8]
            ; mov rdx, QWORD [rcx + SLOT_CODE]
            ; test rdx, rdx
            ; jz =>out
        );
        self.enter_slot();
        let cont = STATUS_CONTINUE as i32;
        let epi = self.epilogue;
        dynasm!(self.a
            ; .arch x64
            ; =>out
            ; mov QWORD [r13 + CPU_PC], rax
        );
        self.store_cycle(0);
        dynasm!(self.a
            ; .arch x64
            ; mov eax, cont
            ; jmp =>epi
        );
    }

    /// Host register `h` = x[r] (on RV32 the zero-extended low word).
    fn load_into(&mut self, h: u8, r: u8) {
        let o = reg(r);
        if r == 0 {
            dynasm!(self.a ; .arch x64 ; xor Rd(h), Rd(h));
        } else if let Some(p) = pinned(r) {
            if p != h {
                dynasm!(self.a ; .arch x64 ; mov Rq(h), Rq(p));
            }
        } else if self.x64 {
            dynasm!(self.a ; .arch x64 ; mov Rq(h), QWORD [r13 + o]);
        } else {
            dynasm!(self.a ; .arch x64 ; mov Rd(h), DWORD [r13 + o]);
        }
    }

    fn load_rax(&mut self, r: u8) {
        self.load_into(Rq::RAX as u8, r);
    }

    fn load_rcx(&mut self, r: u8) {
        self.load_into(Rq::RCX as u8, r);
    }

    /// x[rd] = host register `h` (on RV32 `h` holds a 32-bit result, zero-extended: the
    /// canonical form).
    fn store_from(&mut self, h: u8, rd: u8) {
        if rd == 0 {
            return;
        }
        match pinned(rd) {
            Some(p) => dynasm!(self.a ; .arch x64 ; mov Rq(p), Rq(h)),
            None => {
                let o = reg(rd);
                dynasm!(self.a ; .arch x64 ; mov QWORD [r13 + o], Rq(h))
            }
        }
    }

    fn store_rax(&mut self, rd: u8) {
        self.store_from(Rq::RAX as u8, rd);
    }

    /// x[rd] = the sign-extended eax (W-forms), in place when rd is pinned.
    fn sext_eax_to(&mut self, rd: u8) {
        let t = dest(rd);
        dynasm!(self.a ; .arch x64 ; movsxd Rq(t), eax);
        if t == Rq::RAX as u8 {
            self.store_rax(rd);
        }
    }

    /// x[rd] = v, using rcx as the only scratch register.
    fn store_const(&mut self, rd: u8, v: u64) {
        if rd == 0 {
            return;
        }
        let o = reg(rd);
        let v = self.xlen.trunc(v);
        match (pinned(rd), imm32(v), u32::try_from(v)) {
            (Some(h), Some(k), _) => dynasm!(self.a ; .arch x64 ; mov Rq(h), k),
            // A 32-bit move zero-extends.
            (Some(h), None, Ok(k)) => {
                let k = k as i32;
                dynasm!(self.a ; .arch x64 ; mov Rd(h), k)
            }
            (Some(h), None, Err(_)) => {
                let k = v as i64;
                dynasm!(self.a ; .arch x64 ; mov Rq(h), QWORD k)
            }
            (None, Some(k), _) => dynasm!(self.a ; .arch x64 ; mov QWORD [r13 + o], k),
            (None, None, _) => {
                let k = v as i64;
                dynasm!(self.a ; .arch x64 ; mov rcx, QWORD k ; mov QWORD [r13 + o], rcx)
            }
        }
    }

    fn block(&mut self, block: &discover::Block, region: &Region) {
        let Some(&head) = self.heads.get(&block.start) else {
            return;
        };
        dynasm!(self.a ; .arch x64 ; =>head);
        self.checkpoint(block, region);
        if region.budgets.contains_key(&block.start) {
            if let Some(plan) = loops::plan(block) {
                return self.simple_loop(block, region, head, &plan);
            }
        }
        self.body(block);
    }

    /// The budget checkpoint (and hot counter) of a block that is a loop head or entry.
    fn checkpoint(&mut self, block: &discover::Block, region: &Region) {
        if let Some(&w) = region.budgets.get(&block.start) {
            // Checkpoint: leave for the interpreter when the longest run of instructions up
            // to the next checkpoint does not fit in the remaining budget.
            let out = self.stub(Stub::Exit {
                pc: block.start,
                status: STATUS_BUDGET,
                retired: 0,
            });
            match i32::try_from(w) {
                Ok(k) => dynasm!(self.a ; .arch x64 ; cmp r15, k),
                Err(_) => {
                    let w = w as i64;
                    dynasm!(self.a ; .arch x64 ; mov rdx, QWORD w ; cmp r15, rdx)
                }
            }
            dynasm!(self.a ; .arch x64 ; jb =>out);
            if let Some(h) = self.hot {
                let body = self.a.new_dynamic_label();
                let slow = self.stub(Stub::Hot {
                    pc: block.start,
                    h,
                    body,
                });
                let addr = h.addr as i64;
                dynasm!(self.a
                    ; .arch x64
                    ; mov rax, QWORD addr
                    ; mov rcx, QWORD [rax]
                    ; add rcx, 1
                    ; mov QWORD [rax], rcx
                );
                match i32::try_from(h.threshold) {
                    Ok(k) => dynasm!(self.a ; .arch x64 ; cmp rcx, k),
                    Err(_) => {
                        let t = h.threshold as i64;
                        dynasm!(self.a ; .arch x64 ; mov rdx, QWORD t ; cmp rcx, rdx)
                    }
                }
                dynasm!(self.a ; .arch x64 ; jae =>slow ; =>body);
            }
        }
    }

    /// A block's instructions after its checkpoint, and its end.
    fn body(&mut self, block: &discover::Block) {
        (self.plans, self.groups) = checks::plan(&block.instrs, self.mixed_groups);
        self.checked = vec![false; self.groups.len()];
        let n = block.instrs.len() as i32;
        let last = block.instrs.len().saturating_sub(1);
        for (i, &(pc, ins)) in block.instrs.iter().enumerate() {
            if i == last && discover::is_control(ins.op) {
                let xlen = self.xlen;
                match discover::static_jalr_target(block, move |v| xlen.trunc(v)) {
                    Some(target) => self.jump_and_link(pc, &ins, target, n),
                    None => self.control(pc, &ins, i as i32, n),
                }
                return;
            }
            self.instr(pc, &ins, i as i32);
        }
        dynasm!(self.a ; .arch x64 ; lea r15, [r15 - n]);
        match block.end {
            End::Fall(next) => self.goto(next),
            End::Control => {
                let s = STATUS_BAD_ENTRY as i32;
                let epi = self.epilogue;
                dynasm!(self.a ; .arch x64 ; mov eax, s ; jmp =>epi);
            }
        }
    }

    /// A simple loop ([`loops`]), after its checkpoint at `head`: check the covered accesses'
    /// first addresses and count how many iterations keep them in their windows, then run a
    /// copy of the loop without their checks for at most that many iterations; the ordinary
    /// copy runs the rest (or all of them when a first address fails). Each copy branches
    /// back to its own checkpoint.
    fn simple_loop(
        &mut self,
        block: &discover::Block,
        region: &Region,
        head: DynamicLabel,
        plan: &loops::LoopPlan,
    ) {
        let checked_head = self.a.new_dynamic_label();
        let checked_body = self.a.new_dynamic_label();
        let fast_head = self.a.new_dynamic_label();
        let fast_count = self.a.new_dynamic_label();
        self.loop_trips(plan, checked_body);
        // Each iteration takes n cycles off r15 (the cycles left), so the unchecked copy may
        // start an iteration while r15 is above r15 - M * n as it is here (0 when that is
        // negative: the budget ends the loop first). A compare with the frame slot, which no
        // iteration writes.
        let n = block.instrs.len() as i32;
        dynasm!(self.a
            ; .arch x64
            ; imul rax, rax, n
            ; mov rcx, r15
            ; xor edx, edx
            ; sub rcx, rax
            ; cmovb rcx, rdx
            ; mov QWORD [rsp + FRAME_LOOP_FLOOR], rcx
            ; jmp =>fast_count
            ; =>fast_head
        );
        // The unchecked copy's checkpoint does not count passes for the hot counter: the
        // count is a load and a store to memory per iteration, a dependency chain that cost
        // evm's rolled 14-instruction keccak loop a fifth of its run time. The checkpoint
        // before the loop counted its entry, and the checked copy counts as always, so a loop
        // still turns hot, only later, and picks up installed code there.
        let hot = self.hot.take();
        self.checkpoint(block, region);
        self.hot = hot;
        dynasm!(self.a
            ; .arch x64
            ; =>fast_count
            ; cmp r15, QWORD [rsp + FRAME_LOOP_FLOOR]
            ; jbe =>checked_body
        );
        // The unchecked copy: its back edge goes to its own checkpoint, and nothing falls
        // through into the checked copy.
        let next_block = self.next_block.take();
        self.heads.insert(block.start, fast_head);
        self.unchecked = plan.bases;
        self.body(block);
        self.unchecked = 0;
        self.next_block = next_block;
        dynasm!(self.a ; .arch x64 ; =>checked_head);
        self.checkpoint(block, region);
        dynasm!(self.a ; .arch x64 ; =>checked_body);
        self.heads.insert(block.start, checked_head);
        self.body(block);
        self.heads.insert(block.start, head);
    }

    /// Before a simple loop: rax = the number of iterations the unchecked copy may run, the
    /// least over the covered accesses of the iterations that keep each in the fast window
    /// its first address is in (aligned), at most [`loops::MAX_TRIPS`]; jump to `fail` when a
    /// first address is in no window or misaligned. Uses rax, rcx and rdx only.
    fn loop_trips(&mut self, plan: &loops::LoopPlan, fail: DynamicLabel) {
        let max = loops::MAX_TRIPS as i64;
        dynasm!(self.a ; .arch x64 ; mov rax, QWORD max);
        let env = self.env;
        for a in &plan.covered {
            let windows = if a.store {
                &env.windows.store
            } else {
                &env.windows.load
            };
            let ok = self.a.new_dynamic_label();
            let k = a.step.unsigned_abs().trailing_zeros() as i8;
            // The unchecked copy addresses `r13 + base + imm` (see `address`): on RV32 only
            // windows below `loops::RV32_TOP` count. (The 32-bit immediates below already
            // skip every window a negative imm could reach the top of; this states the rule.)
            let x64 = self.x64;
            let usable = |w: &&crate::memory::Window| {
                w.len >= a.size as u64 && (x64 || w.lo.saturating_add(w.len) <= loops::RV32_TOP)
            };
            for w in windows.iter().filter(usable) {
                // rcx = first address - w.lo, at most lim (one access fits), aligned.
                let (Ok(d), Ok(lim)) = (
                    i32::try_from(a.first.wrapping_sub(w.lo as i64)),
                    i32::try_from(w.len - a.size as u64),
                ) else {
                    continue;
                };
                let next = self.a.new_dynamic_label();
                self.load_rcx(a.base);
                dynasm!(self.a ; .arch x64 ; add rcx, d);
                if a.size > 1 {
                    let m = (a.size - 1) as i32;
                    dynasm!(self.a ; .arch x64 ; test ecx, m ; jnz =>fail);
                }
                dynasm!(self.a ; .arch x64 ; cmp rcx, lim ; ja =>next);
                // Iterations in the window: (lim - rcx) / step + 1 going up, rcx / -step + 1
                // going down; rax = the least so far.
                if a.step > 0 {
                    dynasm!(self.a ; .arch x64 ; mov edx, lim ; sub rdx, rcx);
                } else if a.step < 0 {
                    dynasm!(self.a ; .arch x64 ; mov rdx, rcx);
                }
                if a.step != 0 {
                    dynasm!(self.a
                        ; .arch x64
                        ; shr rdx, k
                        ; add rdx, 1
                        ; cmp rax, rdx
                        ; cmova rax, rdx
                    );
                }
                dynasm!(self.a ; .arch x64 ; jmp =>ok ; =>next);
            }
            dynasm!(self.a ; .arch x64 ; jmp =>fail ; =>ok);
        }
    }

    /// `rd` = the next pc, then continue at the static `target` (`jal`, or a `jalr` whose
    /// target is static: [`discover::static_jalr_target`]); the block of `n` is retired.
    fn jump_and_link(&mut self, pc: u64, ins: &Instr, target: u64, n: i32) {
        let next = self.xlen.trunc(pc.wrapping_add(u64::from(ins.len)));
        self.store_const(ins.rd, next);
        dynasm!(self.a ; .arch x64 ; lea r15, [r15 - n]);
        self.goto(target);
    }

    /// A block-ending control instruction, the `i`-th of a block of `n`.
    fn control(&mut self, pc: u64, ins: &Instr, i: i32, n: i32) {
        let x = self.xlen;
        let next = x.trunc(pc.wrapping_add(u64::from(ins.len)));
        let target = x.trunc(pc.wrapping_add(ins.imm as i64 as u64));
        match ins.op {
            Op::Jal => self.jump_and_link(pc, ins, target, n),
            Op::Jalr => {
                // The target first: rd may be rs1.
                self.load_rax(ins.rs1);
                let imm = ins.imm;
                if self.x64 {
                    dynasm!(self.a ; .arch x64 ; add rax, imm ; and rax, -2);
                } else {
                    dynasm!(self.a ; .arch x64 ; add eax, imm ; and eax, -2);
                }
                self.store_const(ins.rd, next);
                dynasm!(self.a ; .arch x64 ; lea r15, [r15 - n]);
                self.goto_indirect();
            }
            Op::Beq | Op::Bne | Op::Blt | Op::Bge | Op::Bltu | Op::Bgeu => {
                dynasm!(self.a ; .arch x64 ; lea r15, [r15 - n]);
                self.compare(ins.rs1, ins.rs2);
                let taken = match self.heads.get(&target) {
                    Some(&h) => h,
                    None => self.stub(Stub::Goto { pc: target }),
                };
                match ins.op {
                    Op::Beq => dynasm!(self.a ; .arch x64 ; je =>taken),
                    Op::Bne => dynasm!(self.a ; .arch x64 ; jne =>taken),
                    Op::Blt => dynasm!(self.a ; .arch x64 ; jl =>taken),
                    Op::Bge => dynasm!(self.a ; .arch x64 ; jge =>taken),
                    Op::Bltu => dynasm!(self.a ; .arch x64 ; jb =>taken),
                    _ => dynasm!(self.a ; .arch x64 ; jae =>taken),
                }
                self.goto(next);
            }
            // ebreak and illegal instructions stop the run; the interpreter produces the stop.
            _ => self.exit(pc, STATUS_STEP, i),
        }
    }

    /// Set the flags to `x[a] - x[b]` at XLEN (a branch's comparison), with the operands
    /// where they are: `a` in its host register (else rax), `b` in its host register, its
    /// Cpu slot, or 0 for x0 (then a `test`, whose flags the branches read the same way).
    fn compare(&mut self, a: u8, b: u8) {
        let ra = match pinned(a) {
            Some(p) => p,
            None => {
                self.load_rax(a);
                Rq::RAX as u8
            }
        };
        let o = reg(b);
        match (b, pinned(b), self.x64) {
            (0, _, true) => dynasm!(self.a ; .arch x64 ; test Rq(ra), Rq(ra)),
            (0, _, false) => dynasm!(self.a ; .arch x64 ; test Rd(ra), Rd(ra)),
            (_, Some(p), true) => dynasm!(self.a ; .arch x64 ; cmp Rq(ra), Rq(p)),
            (_, Some(p), false) => dynasm!(self.a ; .arch x64 ; cmp Rd(ra), Rd(p)),
            (_, None, true) => dynasm!(self.a ; .arch x64 ; cmp Rq(ra), QWORD [r13 + o]),
            (_, None, false) => dynasm!(self.a ; .arch x64 ; cmp Rd(ra), DWORD [r13 + o]),
        }
    }

    /// Run the instruction in the interpreter ([`rvjit_step`]) and go on unless it stopped
    /// the run. The pinned registers go to the Cpu first (the others are there already) and
    /// come back after; r12, r13, r15 and the frame survive the C call.
    fn callout(&mut self, pc: u64, i: i32) {
        self.store_pc(pc);
        self.store_cycle(i);
        let step = rvjit_step as *const () as usize as i64;
        let stop = self.stub(Stub::Stop);
        self.store_pinned();
        dynasm!(self.a
            ; .arch x64
            ; mov rdi, QWORD [rsp + FRAME_CTX]
            ; mov rax, QWORD step
            ; call rax
            ; mov rcx, QWORD [rsp + FRAME_CTX]
            ; cmp DWORD [rcx + CTX_FLAG], 0
            ; jne =>stop
        );
        // The interpreter may have written any register.
        self.load_pinned();
        self.checked.iter_mut().for_each(|c| *c = false);
    }

    /// Check the access `x[rs1] + imm` and return its host operand: the access continues only
    /// when it may go straight to host memory at `r13 + idx + disp` (`idx` the base's host
    /// register, or rax holding the base, and `disp` = imm).
    ///
    /// On RV32 the guest address is `x[rs1] + imm` modulo 2^32, while `idx + disp` is the
    /// zero-extended base plus imm in 64 bits. The checks below are made on `idx + disp`, so
    /// they pass only where that sum lies inside the guest's 32-bit space, where it equals the
    /// wrapped address; a wrapping access leaves on the cold path and the interpreter makes
    /// it. (Loops' unchecked copies: see `loop_trips`.)
    fn address(&mut self, pc: u64, i: i32, ins: &Instr, size: i64, store: bool) -> (u8, i32) {
        let imm = ins.imm;
        let rax = Rq::RAX as u8;
        let (idx, disp) = match pinned(ins.rs1) {
            Some(p) => (p, imm),
            None => {
                // RV32 registers are zero-extended in their Cpu slots and host registers.
                self.load_rax(ins.rs1);
                (rax, imm)
            }
        };
        // The range to check, as offsets from the base register: the access itself, or the
        // whole group it leads (a member whose leader checked skips its check).
        let own = checks::Group {
            lo: i64::from(imm),
            end: i64::from(imm) + size,
            align: size,
            store,
        };
        if self.unchecked & (1u32 << (ins.rs1 & 31)) != 0 {
            // Checked before the loop for every iteration it runs (`loop_trips`).
            return (idx, disp);
        }
        let (mut range, mut group) = (own, None);
        let k = i as usize;
        match self.plans.get(k).copied() {
            Some(Plan::Member(g)) if self.checked.get(g).copied().unwrap_or(false) => {
                return (idx, disp)
            }
            Some(Plan::Leader(g)) => {
                if let Some(&r) = self.groups.get(g) {
                    (range, group) = (r, Some(g));
                }
            }
            _ => {}
        }
        let fits = |r: &checks::Group| -> Vec<crate::memory::Window> {
            let list = if r.store {
                &self.env.windows.store
            } else {
                &self.env.windows.load
            };
            let span = (r.end - r.lo) as u64;
            list.iter().copied().filter(|w| w.len >= span).collect()
        };
        let mut order = fits(&range);
        if order.is_empty() && group.is_some() {
            // No window can hold the group: every access is checked on its own.
            (range, group) = (own, None);
            order = fits(&range);
        }
        // As in the lifter: the lowest window (runtime-abi's stack) first, whatever the base.
        let ok = self.a.new_dynamic_label();
        let miss = self.stub(Stub::Exit {
            pc,
            status: STATUS_STEP,
            retired: i,
        });
        let shift = range.align.trailing_zeros() as i8;
        let span = (range.end - range.lo) as u64;
        for (k, w) in order.iter().enumerate() {
            // (addr + lo - imm - w.lo) rotr log2(align) <= (w.len - span) / align: the range
            // is inside the window and its start aligned. addr = idx + disp, in 64 bits.
            let d = (range.lo - i64::from(imm))
                .wrapping_sub(w.lo as i64)
                .wrapping_add(i64::from(disp));
            match i32::try_from(d) {
                Ok(d) => dynasm!(self.a ; .arch x64 ; lea rcx, [Rq(idx) + d]),
                Err(_) => dynasm!(self.a ; .arch x64 ; mov rcx, QWORD d ; add rcx, Rq(idx)),
            }
            if shift > 0 {
                dynasm!(self.a ; .arch x64 ; ror rcx, shift);
            }
            let lim = ((w.len - span) / range.align as u64) as i64;
            match i32::try_from(lim) {
                Ok(k) => dynasm!(self.a ; .arch x64 ; cmp rcx, k),
                Err(_) => dynasm!(self.a ; .arch x64 ; mov rdx, QWORD lim ; cmp rcx, rdx),
            }
            if k + 1 == order.len() {
                // The last window: one branch, to the cold exit.
                dynasm!(self.a ; .arch x64 ; ja =>miss ; =>ok);
            } else {
                dynasm!(self.a ; .arch x64 ; jbe =>ok);
            }
        }
        if order.is_empty() {
            // The fast table: one byte per page (clamped to the sentinel), zero where an
            // aligned access may go to host memory.
            let table = if store {
                CTX_STORE_TABLE
            } else {
                CTX_LOAD_TABLE
            };
            let ps = PAGE_SHIFT as i8;
            if (idx, disp) != (rax, 0) {
                // The table needs the address in rax; the access may use it as is.
                dynasm!(self.a ; .arch x64 ; lea rax, [Rq(idx) + disp]);
            }
            dynasm!(self.a
                ; .arch x64
                ; mov rdx, QWORD [rsp + FRAME_CTX]
                ; mov rdx, QWORD [rdx + CTX_SPAN]
                ; shr rdx, ps
                ; mov rcx, rax
                ; shr rcx, ps
                ; cmp rcx, rdx
                ; cmova rcx, rdx
                ; mov rdx, QWORD [rsp + FRAME_CTX]
                ; mov rdx, QWORD [rdx + table]
                ; movzx edx, BYTE [rdx + rcx]
            );
            if size > 1 {
                let m = (size - 1) as i32;
                dynasm!(self.a ; .arch x64 ; mov ecx, eax ; and ecx, m ; or edx, ecx);
            }
            dynasm!(self.a ; .arch x64 ; test edx, edx ; jz =>ok ; jmp =>miss ; =>ok);
        }
        if let Some(c) = group.and_then(|g| self.checked.get_mut(g)) {
            *c = true;
        }
        if order.is_empty() {
            (rax, 0)
        } else {
            (idx, disp)
        }
    }

    /// A load, into rd's host register when rd is pinned (else rax, then stored).
    fn load(&mut self, pc: u64, i: i32, ins: &Instr, signed: bool) {
        let Some((size, false)) = checks::access(ins.op) else {
            return self.callout(pc, i);
        };
        let (x, d) = self.address(pc, i, ins, size, false);
        let t = dest(ins.rd);
        match (size, signed, self.x64) {
            (1, true, true) => dynasm!(self.a ; .arch x64 ; movsx Rq(t), BYTE [r13 + Rq(x) + d]),
            (1, true, false) => dynasm!(self.a ; .arch x64 ; movsx Rd(t), BYTE [r13 + Rq(x) + d]),
            (1, false, _) => dynasm!(self.a ; .arch x64 ; movzx Rd(t), BYTE [r13 + Rq(x) + d]),
            (2, true, true) => dynasm!(self.a ; .arch x64 ; movsx Rq(t), WORD [r13 + Rq(x) + d]),
            (2, true, false) => dynasm!(self.a ; .arch x64 ; movsx Rd(t), WORD [r13 + Rq(x) + d]),
            (2, false, _) => dynasm!(self.a ; .arch x64 ; movzx Rd(t), WORD [r13 + Rq(x) + d]),
            (4, true, true) => {
                dynasm!(self.a ; .arch x64 ; movsxd Rq(t), DWORD [r13 + Rq(x) + d])
            }
            (4, _, _) => dynasm!(self.a ; .arch x64 ; mov Rd(t), DWORD [r13 + Rq(x) + d]),
            _ => dynasm!(self.a ; .arch x64 ; mov Rq(t), QWORD [r13 + Rq(x) + d]),
        }
        if t == Rq::RAX as u8 {
            self.store_rax(ins.rd);
        }
    }

    /// A store, from rs2's host register when it is pinned (an immediate for x0, else rcx).
    fn store(&mut self, pc: u64, i: i32, ins: &Instr) {
        let Some((size, true)) = checks::access(ins.op) else {
            return self.callout(pc, i);
        };
        let (x, d) = self.address(pc, i, ins, size, true);
        if ins.rs2 == 0 {
            match size {
                1 => dynasm!(self.a ; .arch x64 ; mov BYTE [r13 + Rq(x) + d], 0),
                2 => dynasm!(self.a ; .arch x64 ; mov WORD [r13 + Rq(x) + d], 0),
                4 => dynasm!(self.a ; .arch x64 ; mov DWORD [r13 + Rq(x) + d], 0),
                _ => dynasm!(self.a ; .arch x64 ; mov QWORD [r13 + Rq(x) + d], 0),
            }
            return;
        }
        let v = match pinned(ins.rs2) {
            Some(p) => p,
            None => {
                self.load_rcx(ins.rs2);
                Rq::RCX as u8
            }
        };
        match size {
            1 => dynasm!(self.a ; .arch x64 ; mov BYTE [r13 + Rq(x) + d], Rb(v)),
            2 => dynasm!(self.a ; .arch x64 ; mov WORD [r13 + Rq(x) + d], Rw(v)),
            4 => dynasm!(self.a ; .arch x64 ; mov DWORD [r13 + Rq(x) + d], Rd(v)),
            _ => dynasm!(self.a ; .arch x64 ; mov QWORD [r13 + Rq(x) + d], Rq(v)),
        }
    }

    /// Division and remainder with the RISC-V edge cases (x / 0 = all ones, x % 0 = x,
    /// MIN / -1 = MIN, MIN % -1 = 0), on rax (dividend) and rcx (divisor); `w32` uses the
    /// 32-bit forms (RV32, and the W-forms of RV64). Result in rax.
    fn divrem(&mut self, signed: bool, rem: bool, w32: bool) {
        let zero = self.a.new_dynamic_label();
        let done = self.a.new_dynamic_label();
        let neg = self.a.new_dynamic_label();
        if w32 {
            dynasm!(self.a ; .arch x64 ; test ecx, ecx ; jz =>zero);
            if signed {
                dynasm!(self.a ; .arch x64 ; cmp ecx, -1 ; je =>neg ; cdq ; idiv ecx);
            } else {
                dynasm!(self.a ; .arch x64 ; xor edx, edx ; div ecx);
            }
            if rem {
                dynasm!(self.a ; .arch x64 ; mov eax, edx);
            }
        } else {
            dynasm!(self.a ; .arch x64 ; test rcx, rcx ; jz =>zero);
            if signed {
                dynasm!(self.a ; .arch x64 ; cmp rcx, -1 ; je =>neg ; cqo ; idiv rcx);
            } else {
                dynasm!(self.a ; .arch x64 ; xor edx, edx ; div rcx);
            }
            if rem {
                dynasm!(self.a ; .arch x64 ; mov rax, rdx);
            }
        }
        dynasm!(self.a ; .arch x64 ; jmp =>done ; =>neg);
        // Divisor -1: the quotient is -x (wrapping: MIN stays MIN), the remainder 0.
        match (rem, w32) {
            (true, _) => dynasm!(self.a ; .arch x64 ; xor eax, eax),
            (false, true) => dynasm!(self.a ; .arch x64 ; neg eax),
            (false, false) => dynasm!(self.a ; .arch x64 ; neg rax),
        }
        dynasm!(self.a ; .arch x64 ; jmp =>done ; =>zero);
        if !rem {
            if w32 {
                dynasm!(self.a ; .arch x64 ; mov eax, -1);
            } else {
                dynasm!(self.a ; .arch x64 ; mov rax, -1);
            }
        }
        dynasm!(self.a ; .arch x64 ; =>done);
    }

    /// A non-control instruction, the `i`-th of its block.
    fn instr(&mut self, pc: u64, ins: &Instr, i: i32) {
        if super::discover::is_callout(ins.op) {
            return self.callout(pc, i);
        }
        let rd = ins.rd;
        let imm = ins.imm;
        let x64 = self.x64;
        // Register-register and register-immediate ALU operations at XLEN.
        // Computed in rd's host register when rd is pinned (unless that would overwrite
        // rs2 before its use: commutative operations swap their operands instead), else in
        // rax; the second operand is used where it is (host register or Cpu slot).
        macro_rules! rr_reg {
            ($op:ident, $rs1:expr, $rs2:expr) => {{
                let (rs1, rs2): (u8, u8) = ($rs1, $rs2);
                // Not in place when that would overwrite rs2 before its use.
                let t = if rs2 != rd || rs1 == rd { dest(rd) } else { Rq::RAX as u8 };
                self.load_into(t, rs1);
                let o2 = reg(rs2);
                match (rs2, pinned(rs2), x64) {
                    // x0 (rare: compilers use the immediate forms) through a zeroed rcx.
                    (0, _, true) => dynasm!(self.a ; .arch x64 ; xor ecx, ecx ; $op Rq(t), rcx),
                    (0, _, false) => dynasm!(self.a ; .arch x64 ; xor ecx, ecx ; $op Rd(t), ecx),
                    (_, Some(p), true) => dynasm!(self.a ; .arch x64 ; $op Rq(t), Rq(p)),
                    (_, Some(p), false) => dynasm!(self.a ; .arch x64 ; $op Rd(t), Rd(p)),
                    (_, None, true) => dynasm!(self.a ; .arch x64 ; $op Rq(t), QWORD [r13 + o2]),
                    (_, None, false) => dynasm!(self.a ; .arch x64 ; $op Rd(t), DWORD [r13 + o2]),
                }
                if t == Rq::RAX as u8 {
                    self.store_rax(rd);
                }
            }};
        }
        // The same with a read-modify-write of the Cpu slot for `x = x op y` when x is not pinned.
        macro_rules! rr {
            ($op:ident, $commutative:expr) => {{
                let (rs1, rs2) = operands(ins, $commutative);
                if in_cpu(rd) && rs1 == rd && rs2 != 0 {
                    // `x = x op y` on a register in the Cpu: one read-modify-write.
                    let o = reg(rd);
                    let v = match pinned(rs2) {
                        Some(p) => p,
                        None => {
                            self.load_rcx(rs2);
                            Rq::RCX as u8
                        }
                    };
                    if x64 {
                        dynasm!(self.a ; .arch x64 ; $op QWORD [r13 + o], Rq(v));
                    } else {
                        dynasm!(self.a ; .arch x64 ; $op DWORD [r13 + o], Rd(v));
                    }
                    return;
                }
                rr_reg!($op, rs1, rs2)
            }};
        }
        macro_rules! ri {
            ($op:ident) => {{
                // `addi rd, rs, 0` (mv) and friends: the move is all.
                let neutral = imm == 0 && ins.op != Op::Andi;
                if in_cpu(rd) && ins.rs1 == rd {
                    // In place in the Cpu (RV32: the low word; the high one stays zero).
                    let o = reg(rd);
                    match (neutral, x64) {
                        (true, _) => {}
                        (false, true) => dynasm!(self.a ; .arch x64 ; $op QWORD [r13 + o], imm),
                        (false, false) => dynasm!(self.a ; .arch x64 ; $op DWORD [r13 + o], imm),
                    }
                    return;
                }
                let t = dest(rd);
                self.load_into(t, ins.rs1);
                match (neutral, x64) {
                    (true, _) => {}
                    (false, true) => dynasm!(self.a ; .arch x64 ; $op Rq(t), imm),
                    (false, false) => dynasm!(self.a ; .arch x64 ; $op Rd(t), imm),
                }
                if t == Rq::RAX as u8 {
                    self.store_rax(rd);
                }
            }};
        }
        // Shifts by the low 5 (RV32) or 6 (RV64) bits of a register: x86 masks cl the same way.
        // The amount goes to rcx first, so computing in rd's host register cannot clobber it.
        macro_rules! sh_r {
            ($op:ident) => {{
                self.load_rcx(ins.rs2);
                let t = dest(rd);
                self.load_into(t, ins.rs1);
                if x64 {
                    dynasm!(self.a ; .arch x64 ; $op Rq(t), cl);
                } else {
                    dynasm!(self.a ; .arch x64 ; $op Rd(t), cl);
                }
                if t == Rq::RAX as u8 {
                    self.store_rax(rd);
                }
            }};
        }
        // In rd's host register when rd is pinned (one source: no aliasing to mind).
        macro_rules! sh_i {
            ($op:ident) => {{
                if in_cpu(rd) && ins.rs1 == rd {
                    let o = reg(rd);
                    if x64 {
                        let s = (imm & 63) as i8;
                        dynasm!(self.a ; .arch x64 ; $op QWORD [r13 + o], s);
                    } else {
                        let s = (imm & 31) as i8;
                        dynasm!(self.a ; .arch x64 ; $op DWORD [r13 + o], s);
                    }
                    return;
                }
                let t = dest(rd);
                self.load_into(t, ins.rs1);
                if x64 {
                    let s = (imm & 63) as i8;
                    dynasm!(self.a ; .arch x64 ; $op Rq(t), s);
                } else {
                    let s = (imm & 31) as i8;
                    dynasm!(self.a ; .arch x64 ; $op Rd(t), s);
                }
                if t == Rq::RAX as u8 {
                    self.store_rax(rd);
                }
            }};
        }
        // W-forms (RV64): 32-bit operation, result sign-extended.
        macro_rules! w_rr {
            ($op:ident) => {{
                self.load_rax(ins.rs1);
                self.load_rcx(ins.rs2);
                dynasm!(self.a ; .arch x64 ; $op eax, ecx);
                self.sext_eax_to(rd);
            }};
        }
        macro_rules! w_sh_r {
            ($op:ident) => {{
                self.load_rax(ins.rs1);
                self.load_rcx(ins.rs2);
                dynasm!(self.a ; .arch x64 ; $op eax, cl);
                self.sext_eax_to(rd);
            }};
        }
        macro_rules! w_sh_i {
            ($op:ident) => {{
                self.load_rax(ins.rs1);
                let s = (imm & 31) as i8;
                dynasm!(self.a ; .arch x64 ; $op eax, s);
                self.sext_eax_to(rd);
            }};
        }
        // Set rd to a comparison (`$cmp` sets the flags; the xor goes first: it sets flags
        // too), in place when rd is pinned.
        macro_rules! set_cc {
            ($cc:ident, $cmp:expr) => {{
                dynasm!(self.a ; .arch x64 ; xor edx, edx);
                $cmp;
                let t = dest(rd);
                dynasm!(self.a ; .arch x64 ; $cc dl ; mov Rd(t), edx);
                if t == Rq::RAX as u8 {
                    self.store_rax(rd);
                }
            }};
        }
        match ins.op {
            Op::Lui => self.store_const(rd, imm as i64 as u64),
            Op::Auipc => self.store_const(rd, pc.wrapping_add(imm as i64 as u64)),
            Op::Lb | Op::Lh | Op::Lw => self.load(pc, i, ins, true),
            Op::Ld | Op::Lbu | Op::Lhu | Op::Lwu => self.load(pc, i, ins, false),
            Op::Sb | Op::Sh | Op::Sw | Op::Sd => self.store(pc, i, ins),
            Op::Addi => ri!(add),
            Op::Xori => ri!(xor),
            Op::Ori => ri!(or),
            Op::Andi => ri!(and),
            Op::Slti | Op::Sltiu => {
                let cmp = |e: &mut Self| {
                    let a = match pinned(ins.rs1) {
                        Some(p) => p,
                        None => {
                            e.load_rax(ins.rs1);
                            Rq::RAX as u8
                        }
                    };
                    if e.x64 {
                        dynasm!(e.a ; .arch x64 ; cmp Rq(a), imm);
                    } else {
                        dynasm!(e.a ; .arch x64 ; cmp Rd(a), imm);
                    }
                };
                if ins.op == Op::Slti {
                    set_cc!(setl, cmp(self))
                } else {
                    set_cc!(setb, cmp(self))
                }
            }
            Op::Slli => sh_i!(shl),
            Op::Srli => sh_i!(shr),
            Op::Srai => sh_i!(sar),
            Op::Add => rr!(add, true),
            Op::Sub => rr!(sub, false),
            Op::Xor => rr!(xor, true),
            Op::Or => rr!(or, true),
            Op::And => rr!(and, true),
            Op::Sll => sh_r!(shl),
            Op::Srl => sh_r!(shr),
            Op::Sra => sh_r!(sar),
            Op::Slt | Op::Sltu => {
                let cmp = |e: &mut Self| e.compare(ins.rs1, ins.rs2);
                if ins.op == Op::Slt {
                    set_cc!(setl, cmp(self))
                } else {
                    set_cc!(setb, cmp(self))
                }
            }
            Op::Addiw => {
                match pinned(ins.rs1) {
                    Some(p) => dynasm!(self.a ; .arch x64 ; lea eax, [Rq(p) + imm]),
                    None => {
                        self.load_rax(ins.rs1);
                        dynasm!(self.a ; .arch x64 ; add eax, imm);
                    }
                }
                self.sext_eax_to(rd);
            }
            Op::Slliw => w_sh_i!(shl),
            // Shifted right by 1..31, bit 31 is clear: the 32-bit shift's zero extension is
            // the sign extension.
            Op::Srliw if imm & 31 != 0 => {
                let t = dest(rd);
                self.load_into(t, ins.rs1);
                let s = (imm & 31) as i8;
                dynasm!(self.a ; .arch x64 ; shr Rd(t), s);
                if t == Rq::RAX as u8 {
                    self.store_rax(rd);
                }
            }
            Op::Srliw => w_sh_i!(shr),
            Op::Sraiw => w_sh_i!(sar),
            Op::Addw => w_rr!(add),
            Op::Subw => w_rr!(sub),
            Op::Sllw => w_sh_r!(shl),
            Op::Srlw => w_sh_r!(shr),
            Op::Sraw => w_sh_r!(sar),
            Op::Fence | Op::FenceI => {}
            Op::Csrrs | Op::Csrrc | Op::Csrrsi | Op::Csrrci => {
                // The counter CSRs: instructions retired before this one.
                self.cycle_rax(i);
                if isa::is_high_counter_csr(ins.imm as u16) {
                    dynasm!(self.a ; .arch x64 ; shr rax, 32);
                }
                if !x64 {
                    dynasm!(self.a ; .arch x64 ; mov eax, eax);
                }
                self.store_rax(rd);
            }
            Op::Mul => {
                let (rs1, rs2) = operands(ins, true);
                rr_reg!(imul, rs1, rs2)
            }
            Op::Mulh | Op::Mulhu => {
                self.load_rax(ins.rs1);
                self.load_rcx(ins.rs2);
                match (ins.op == Op::Mulh, x64) {
                    (true, true) => dynasm!(self.a ; .arch x64 ; imul rcx ; mov rax, rdx),
                    (true, false) => dynasm!(self.a ; .arch x64 ; imul ecx ; mov eax, edx),
                    (false, true) => dynasm!(self.a ; .arch x64 ; mul rcx ; mov rax, rdx),
                    (false, false) => dynasm!(self.a ; .arch x64 ; mul ecx ; mov eax, edx),
                }
                self.store_rax(rd);
            }
            Op::Mulhsu => {
                // hi(signed a * unsigned b) = hi_u(a, b) - (a < 0 ? b : 0)
                self.load_rax(ins.rs1);
                self.load_rcx(ins.rs2);
                // rs1 is read again after the multiplication (no register to spare).
                if x64 {
                    dynasm!(self.a ; .arch x64 ; mul rcx);
                    self.load_rax(ins.rs1);
                    dynasm!(self.a
                        ; .arch x64
                        ; sar rax, 63
                        ; and rax, rcx
                        ; sub rdx, rax
                        ; mov rax, rdx
                    );
                } else {
                    dynasm!(self.a ; .arch x64 ; mul ecx);
                    self.load_rax(ins.rs1);
                    dynasm!(self.a
                        ; .arch x64
                        ; sar eax, 31
                        ; and eax, ecx
                        ; sub edx, eax
                        ; mov eax, edx
                    );
                }
                self.store_rax(rd);
            }
            Op::Div | Op::Divu | Op::Rem | Op::Remu => {
                self.load_rax(ins.rs1);
                self.load_rcx(ins.rs2);
                let signed = matches!(ins.op, Op::Div | Op::Rem);
                let rem = matches!(ins.op, Op::Rem | Op::Remu);
                self.divrem(signed, rem, !x64);
                self.store_rax(rd);
            }
            Op::Mulw => {
                self.load_rax(ins.rs1);
                self.load_rcx(ins.rs2);
                dynasm!(self.a ; .arch x64 ; imul eax, ecx);
                self.sext_eax_to(rd);
            }
            Op::Divw | Op::Divuw | Op::Remw | Op::Remuw => {
                self.load_rax(ins.rs1);
                self.load_rcx(ins.rs2);
                let signed = matches!(ins.op, Op::Divw | Op::Remw);
                let rem = matches!(ins.op, Op::Remw | Op::Remuw);
                self.divrem(signed, rem, true);
                self.sext_eax_to(rd);
            }
            // Services, atomics and custom instructions (`discover::is_callout`, checked
            // first), control instructions (they end their block and are lowered by
            // `control`: unreachable by construction), and anything else not lowered
            // inline run in the interpreter.
            _ => self.callout(pc, i),
        }
    }

    /// The cold code the blocks jumped to.
    fn stubs(&mut self) {
        for (label, stub) in std::mem::take(&mut self.stubs) {
            dynasm!(self.a ; .arch x64 ; =>label);
            match stub {
                Stub::Exit {
                    pc,
                    status,
                    retired,
                } => self.exit(pc, status, retired),
                Stub::Goto { pc } => self.goto_far(pc),
                Stub::Stop => {
                    // The Cpu holds the final state (the pinned registers were stored before
                    // the call-out and are stale now).
                    let s = STATUS_STOP as i32;
                    let restore = self.restore;
                    dynasm!(self.a ; .arch x64 ; mov eax, s ; jmp =>restore);
                }
                Stub::Hot { pc, h, body } => {
                    // The counter is in rcx. The pass that reaches the threshold asks for the
                    // recompilation; once it is installed, go to it through the table; until
                    // then go on here, or leave when a background compile is ready.
                    let later = self.a.new_dynamic_label();
                    let pending = self.a.new_dynamic_label();
                    let (threshold, tier, ready) =
                        (h.threshold as i64, h.tier as i64, h.ready as i64);
                    let installed = INSTALLED as i64;
                    dynasm!(self.a
                        ; .arch x64
                        ; mov rdx, QWORD threshold
                        ; cmp rcx, rdx
                        ; jne =>later
                        ; mov rax, QWORD tier
                        ; mov rdx, QWORD [rsp + FRAME_CTX]
                        ; mov QWORD [rdx + CTX_HOT], rax
                    );
                    self.exit(pc, STATUS_HOT, 0);
                    dynasm!(self.a
                        ; .arch x64
                        ; =>later
                        ; mov rdx, QWORD installed
                        ; cmp rcx, rdx
                        ; jb =>pending
                    );
                    self.goto_far(pc);
                    dynasm!(self.a
                        ; .arch x64
                        ; =>pending
                        ; mov rax, QWORD ready
                        ; cmp DWORD [rax], 0
                        ; je =>body
                    );
                    self.exit(pc, STATUS_CONTINUE, 0);
                }
            }
        }
    }
}
