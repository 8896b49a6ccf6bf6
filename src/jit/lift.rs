//! Lifting a region to Cranelift IR.
//!
//! Shape of a region function `fn(ctx, entry) -> status`:
//! - the entry block loads the context fields it needs, then switches on `entry` to the entry
//!   blocks;
//! - guest registers live in the Cpu between basic blocks: a block loads a register at its
//!   first use and keeps it in an SSA value until the block ends or calls out
//!   (`Lifter::cached`; a clean value read again only much later is dropped and reloaded,
//!   `Lifter::expire`), and every definition is stored through by the block's end (its last
//!   write at once, earlier ones at the end unless overwritten), so leaving the region never
//!   needs a write-back (see `Lifter::set`); the exception is a simple loop in the optimising
//!   tier, whose registers are block parameters across iterations and stored wherever control
//!   leaves it ([`Promoted`]);
//! - budget checks sit at checkpoints only (entries and loop heads, [`Region::budgets`]): when
//!   the longest run of instructions to the next checkpoint does not fit in `limit - cycle`,
//!   the region leaves with [`STATUS_BUDGET`] and the interpreter finishes exactly; each block
//!   adds its length to the `cycle` variable at its end;
//! - branches to blocks of the region are Cranelift branches; anything else leaves through one
//!   shared exit block that stores pc and cycle;
//! - a memory access is an inline check (bounds, page permission and alignment against the
//!   fast windows with immediates, then tables on a cold path, see `Lifter::mem_check`) and
//!   the host access; everything the checks do not clear leaves with [`STATUS_STEP`] so the
//!   interpreter executes that instruction with all its rules;
//! - rare instructions (services, atomics) call [`rvjit_step`] (the interpreter) in place and
//!   load the registers again afterwards, so their semantics are the interpreter's.
//!
//! Registers use the XLEN's Cranelift type (`I32` on RV32, so results wrap for free and are
//! stored zero-extended, which is the canonical form).

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    types, AbiParam, Block as IrBlock, BlockArg, ExtFuncData, ExternalName, FuncRef, InstBuilder,
    InstructionData, MemFlagsData, Opcode, SigRef, Signature, Type, UserExternalName, Value,
};
use cranelift_codegen::isa::CallConv;
use cranelift_frontend::{FunctionBuilder, Switch, Variable};
use rustc_hash::FxHashMap as HashMap;
use std::sync::Arc;

use super::cache::{RangeView, SLOT_CODE, SLOT_INDEX, SLOT_SIZE};
use super::checks::{self, Plan};
use super::discover::{Block, End, Region};
use super::loops;
use super::runtime::*;
use crate::isa::{self, Instr, Op, Xlen};
use crate::memory::{FastWindows, Window, PAGE, PAGE_SHIFT};

/// What the lifter needs to know besides the region. Owned (the maps are `Arc` snapshots of
/// the translator's, changed copy-on-write), so a background compile can carry it.
#[derive(Clone)]
pub struct LiftEnv {
    pub xlen: Xlen,
    /// The host's C calling convention ([`rvjit_step`] uses it).
    pub call_conv: CallConv,
    /// Entries of other regions that static exits tail-call: pc -> (function index in the
    /// module's namespace 0, entry index). Exits to other pcs go through the compiled-code
    /// table (direct-baseline regions, code translated later), or return to the dispatcher
    /// outside its main range.
    pub targets: Arc<HashMap<u64, (u32, u32)>>,
    /// Recording translation: log every load's value (see [`Ctx::log_ptr`]). False emits
    /// exactly the plain code.
    pub record: bool,
    /// In the optimising tier: the entries already recompiled hot. Static exits to them
    /// tail-call directly; exits to other entries go through the compiled-code table, so they
    /// reach the optimised code once their region is promoted too. `None` in the baseline.
    pub hot_entries: Option<Arc<rustc_hash::FxHashSet<u64>>>,
    /// The fast windows of the memory layout the code is for ([`FastWindows`]).
    pub windows: FastWindows,
    /// The main range of the compiled-code table, for inline `jalr` lookups.
    pub table: RangeView,
}

/// The execution counter of a baseline-tier region: every pass through one of its
/// checkpoints (but those of a direct-tier simple loop's unchecked copy, see
/// `direct::Emitter::simple_loop`) increments the `u64` at `addr`; at `threshold`, the
/// checkpoint leaves with [`STATUS_HOT`] (storing `tier` in the context) so the dispatcher
/// can have the region recompiled by the optimising tier. Until the dispatcher installs that
/// code (and sets the counter to [`INSTALLED`]) later passes run on in the baseline code,
/// unless the `u32` at `ready` says a background compile is done (see [`super::hot`]).
#[derive(Clone, Copy, Debug)]
pub struct HotCounter {
    pub addr: u64,
    pub threshold: u64,
    pub tier: u64,
    pub ready: u64,
}

/// A region counter at or above this value: the region's optimising-tier code is installed.
pub const INSTALLED: u64 = 1 << 62;

/// The region function's signature: `(ctx, entry index) -> status` in the `Tail` convention,
/// so regions can leave by tail-calling each other.
pub fn region_signature() -> Signature {
    let mut sig = Signature::new(CallConv::Tail);
    sig.params.push(AbiParam::new(types::I64));
    sig.params.push(AbiParam::new(types::I32));
    sig.returns.push(AbiParam::new(types::I32));
    sig
}

struct Lifter<'a, 'b> {
    b: &'a mut FunctionBuilder<'b>,
    xlen: Xlen,
    ty: Type,
    cycle: Variable,
    ctx: Value,
    cpu: Value,
    mem_base: Value,
    /// Guest registers live in the Cpu between basic blocks: a block loads a register at its
    /// first use and keeps its values (loaded or written) here until it ends or calls out;
    /// writes are also stored through at the block's end (`flush`). Nothing but a block's
    /// own values lives across Cranelift blocks, so there is no SSA construction for
    /// registers, and the allocators have few long-lived values to spill: as `Variable`s
    /// across the region, spilled registers cost a store to the Cpu *and* one to a stack
    /// slot (docs/ARCHITECTURE.md, "Registers").
    cached: [Option<Value>; 32],
    /// Where accesses may skip the tables (see `mem_check`).
    windows: &'a FastWindows,
    /// Optimising tier: an access the fast windows refuse gets a cold check against the
    /// page runs (`Ctx::load_runs`) before it leaves the region.
    page_runs: bool,
    heads: HashMap<u64, IrBlock>,
    budgets: &'a HashMap<u64, u64>,
    exit: IrBlock,
    stop: IrBlock,
    call_conv: CallConv,
    /// Signature of [`rvjit_step`], imported on first use.
    step_sig: Option<SigRef>,
    /// Signature of region functions (for indirect tail calls), imported on first use.
    region_sig: Option<SigRef>,
    targets: &'a HashMap<u64, (u32, u32)>,
    hot_entries: Option<&'a rustc_hash::FxHashSet<u64>>,
    /// Registers written in the current basic block and not yet stored (see `flush`).
    dirty: [Option<Value>; 32],
    /// Imported region functions by function index.
    funcs: HashMap<u32, FuncRef>,
    table: RangeView,
    hot: Option<HotCounter>,
    /// Recording translations: the load log's write pointer (kept in a variable, read from
    /// the context at region entry and after call-outs, stored back before anything leaves
    /// the region or calls out). Checkpoints read the log's end from the context, because a
    /// call-out may move the log window. `None` in plain translations.
    log: Option<Variable>,
    /// The current basic block's grouped memory checks ([`checks`]): one plan per
    /// instruction, the groups, and the base register value each group's leader checked
    /// (members skip their check only while the base register still holds that value).
    plans: Vec<Plan>,
    groups: Vec<checks::Group>,
    checked: Vec<Option<(Value, Value)>>,
    /// Every store window lies inside a load window, so loads and stores may share a group.
    mixed_groups: bool,
    /// Rotations found so far ([`Lifted::rotations`]).
    rotations: u32,
    /// Recording: bytes logged in the current straight-line code beyond the log pointer
    /// variable. Loads store at `pointer + log_off` (an immediate offset), so the pointer is
    /// advanced once per block (`retire`, call-outs, in-block exits) instead of once per load.
    log_off: i64,
    /// Register pressure in long blocks (see `expire`): the index of the instruction being
    /// lifted, each register's last write in the block, and per instruction the registers it
    /// reads (`rs1` and `rs2` whatever the format: an over-approximation only keeps a value
    /// cached longer).
    at: usize,
    last_write: [usize; 32],
    reads: Vec<u32>,
    /// The block's memory access base registers (never expired, see `expire`).
    bases: u32,
    /// The simple loop being lifted with its registers promoted (see [`Promoted`]).
    looping: Option<Promoted>,
    /// In a promoted loop's unchecked copy: the base registers whose accesses were checked
    /// before the loop ([`loops::LoopPlan::bases`]).
    unchecked: u32,
}

/// A simple loop ([`loops::simple_body`]) of the optimising tier whose registers live in SSA
/// values across iterations: the loop's own Cranelift block takes every register the loop
/// reads or writes as a parameter, loaded from the Cpu once on entry, and its writes stay
/// pending (`Lifter::dirty`) until control leaves the loop, where they are stored through
/// (`Lifter::flush`): at the loop's exit edge and on every cold exit, budget exits included.
/// Every exit thus sees the interpreter's state as before. The checkpoint's cycle limit is
/// loaded once, before the loop.
///
/// A register the loop writes before it reads it is a parameter too: storing its last write
/// at once instead (as other blocks do) cost evm's rolled keccak loop 2 % more host
/// instructions than carrying it.
///
/// With a loop plan ([`loops::plan`]) there are two copies: an unchecked one, entered
/// first, which skips the covered accesses' checks and, instead of a checkpoint, goes on in
/// the checked copy once the cycle count reaches the bound `Lifter::fast_end` computed before
/// the loop (where the windows or the budget would run out); and the checked one, with its
/// checkpoint and every check.
#[derive(Clone)]
struct Promoted {
    /// The loop's guest pc (its block's start, the target of its closing branch).
    start: u64,
    /// The Cranelift block of the loop body (parameters: `regs`' values).
    body: IrBlock,
    /// The registers the loop reads or writes, in parameter order.
    regs: Vec<u8>,
    limit: Value,
    /// The unchecked copy: the cycle count from which it goes on in the checked copy
    /// (`Lifter::fast_end`), and that copy's block.
    fast: Option<(Value, IrBlock)>,
}

/// What a promoted loop's head computed for its copies ([`Promoted`]).
struct LoopEntry {
    regs: Vec<u8>,
    /// The registers the loop writes (a bit each).
    written: u32,
    limit: Value,
    /// The registers' values on entry.
    args: Vec<BlockArg>,
    /// With a plan ([`loops::plan`]): its base registers and the unchecked copy's bound.
    fast: Option<(u32, Value)>,
}

/// A simple loop's registers are promoted when it reads or writes at most this many (more
/// would spill in the loop, where the `Cpu` is as close as a spill slot), and it has at most
/// [`PROMOTE_MAX_LEN`] instructions.
const PROMOTE_MAX_REGS: usize = 12;
const PROMOTE_MAX_LEN: usize = 64;

/// A clean register value whose next read in the block is more than this many instructions
/// away is dropped from the cache and loaded again from the Cpu there: a reload instead of a
/// spill and a reload. Measured on the soft hashes' hot regions (BENCHMARKS.md, "Registers in
/// long blocks"): 8 gave the fewest host instructions of 8, 16, 32 and 64.
const FAR_READ: usize = 8;

/// What lifting a region found that the choice of compiler settings depends on.
#[derive(Clone, Copy, Debug, Default)]
pub struct Lifted {
    /// Rotations recognised in shift pairs (`Lifter::combine`).
    pub rotations: u32,
}

/// Emit the region into `b` (a fresh function with [`region_signature`]); its entries' switch
/// indices follow [`Region::entry_order`].
/// `hot` is the region's execution counter in the baseline tier (none in the optimising tier).
pub fn lift<'a>(
    b: &'a mut FunctionBuilder<'_>,
    env: &'a LiftEnv,
    region: &'a Region,
    hot: Option<HotCounter>,
) -> Lifted {
    let ty = match env.xlen {
        Xlen::X32 => types::I32,
        Xlen::X64 => types::I64,
    };
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    let ctx = b.block_params(entry)[0];
    let entry_index = b.block_params(entry)[1];
    let trusted = MemFlagsData::trusted();
    let mem_base = b.ins().load(types::I64, trusted, ctx, CTX_MEM_BASE);
    // The Cpu image sits at the mapping's base (`Ctx::cpu`): one value for both.
    let cpu = mem_base;
    let cycle = b.declare_var(types::I64);
    let c0 = b.ins().load(types::I64, trusted, cpu, CPU_CYCLE);
    b.def_var(cycle, c0);
    let log = if env.record {
        let v = b.declare_var(types::I64);
        let p = b.ins().load(types::I64, trusted, ctx, CTX_LOG_PTR);
        b.def_var(v, p);
        Some(v)
    } else {
        None
    };
    let exit = b.create_block();
    b.append_block_param(exit, types::I64); // pc
    b.append_block_param(exit, types::I32); // status
    let stop = b.create_block();
    b.set_cold_block(stop);
    let mut heads = HashMap::default();
    for &start in region.blocks.keys() {
        heads.insert(start, b.create_block());
    }
    let bad = b.create_block();
    let mut switch = Switch::new();
    let order = region.entry_order();
    for (i, start) in order.iter().enumerate() {
        switch.set_entry(i as u128, heads[start]);
    }
    switch.emit(b, entry_index, bad);

    let mut l = Lifter {
        b,
        xlen: env.xlen,
        ty,
        cycle,
        ctx,
        cpu,
        mem_base,
        windows: &env.windows,
        page_runs: env.hot_entries.is_some(),
        cached: [None; 32],
        heads,
        budgets: &region.budgets,
        exit,
        stop,
        call_conv: env.call_conv,
        step_sig: None,
        region_sig: None,
        targets: &env.targets,
        hot_entries: env.hot_entries.as_deref(),
        dirty: [None; 32],
        funcs: HashMap::default(),
        table: env.table,
        hot,
        log,
        log_off: 0,
        at: 0,
        last_write: [usize::MAX; 32],
        reads: Vec::new(),
        bases: 0,
        looping: None,
        unchecked: 0,
        plans: Vec::new(),
        groups: Vec::new(),
        checked: Vec::new(),
        mixed_groups: env.windows.stores_inside_loads(),
        rotations: 0,
    };
    for block in region.blocks.values() {
        l.block(block);
    }
    l.finish(bad);
    Lifted {
        rotations: l.rotations,
    }
}

impl<'a, 'b> Lifter<'a, 'b> {
    /// Switch to a block whose predecessors have all been emitted, and seal it (sealing
    /// early keeps SSA construction linear in straight-line code).
    fn enter(&mut self, block: IrBlock) {
        self.b.switch_to_block(block);
        self.b.seal_block(block);
    }

    fn k(&mut self, v: u64) -> Value {
        let v = self.xlen.trunc(v);
        self.b.ins().iconst(self.ty, v as i64)
    }

    /// A constant of type `ty` (I32 or I64), masked to the type's width as Cranelift requires.
    fn kt(&mut self, ty: Type, v: i64) -> Value {
        let v = if ty == types::I32 {
            i64::from(v as u32)
        } else {
            v
        };
        self.b.ins().iconst(ty, v)
    }

    fn ty_of(&self, v: Value) -> Type {
        self.b.func.dfg.value_type(v)
    }

    /// `a + const` with the constant at `a`'s type.
    fn addk(&mut self, a: Value, v: i64) -> Value {
        let ty = self.ty_of(a);
        let kv = self.kt(ty, v);
        self.b.ins().iadd(a, kv)
    }

    fn cmpk(&mut self, cc: IntCC, a: Value, v: i64) -> Value {
        let ty = self.ty_of(a);
        let kv = self.kt(ty, v);
        self.b.ins().icmp(cc, a, kv)
    }

    fn k64(&mut self, v: u64) -> Value {
        self.b.ins().iconst(types::I64, v as i64)
    }

    /// `v` as `x << k` or `x >> k` (logical) by a constant: (is left, x, k).
    fn const_shift(&self, v: Value) -> Option<(bool, Value, i64)> {
        let dfg = &self.b.func.dfg;
        let inst = dfg.value_def(v).inst()?;
        let InstructionData::Binary {
            opcode,
            args: [x, k],
        } = dfg.insts[inst]
        else {
            return None;
        };
        let left = match opcode {
            Opcode::Ishl => true,
            Opcode::Ushr => false,
            _ => return None,
        };
        let InstructionData::UnaryImm {
            opcode: Opcode::Iconst,
            imm,
        } = dfg.insts[dfg.value_def(k).inst()?]
        else {
            return None;
        };
        Some((left, x, imm.bits()))
    }

    /// Shifts of `a` and `b` by constants in opposite directions whose amounts add up to XLEN,
    /// as `(x, k, y)` for `x << k` and `y >> (XLEN - k)` (in either order). Their bits are
    /// disjoint, so `or`, `xor` and `add` combine them the same way.
    fn shift_pair(&self, a: Value, b: Value) -> Option<(Value, i64, Value)> {
        let bits = i64::from(self.ty.bits());
        let (la, xa, ka) = self.const_shift(a)?;
        let (lb, xb, kb) = self.const_shift(b)?;
        let exact = la != lb
            && self.ty_of(xa) == self.ty
            && self.ty_of(xb) == self.ty
            && (1..bits).contains(&ka)
            && (1..bits).contains(&kb)
            && ka + kb == bits;
        let pair = if la { (xa, ka, xb) } else { (xb, kb, xa) };
        exact.then_some(pair)
    }

    /// `or`, `xor` or `add` of `rs1` and `rs2`; for a shift pair (`shift_pair`):
    /// - of one value, `rotl(x, k)`. RV32IM and RV64IM have no rotate instruction, so guests
    ///   rotate with two shifts and an `or` (sha256's rotations on RV32: nearly half its
    ///   instructions). Straight-line regions compile at `opt_level=none`, without the e-graph
    ///   rule that finds rotations; x86-64's lowering then made the pair a `mov` and a `shld`,
    ///   where `rotl` is one `rorx`. Matching SSA values, not guest registers, makes
    ///   overwritten sources safe by construction. The shifts stay in the IR for the
    ///   registers they write, and their code goes when nothing reads them.
    /// - of two values (a funnel shift: RV32's 64-bit shifts and rotations across register
    ///   pairs), `bxor`: x86-64's lowering matches a `bor` of those as `shld` too, a multi-uop
    ///   instruction on AMD cores, on the hashes' dependency chains; the `xor` of the two shifts
    ///   is single-cycle each (keccak-soft riscv32im 158 -> 139 ms; BENCHMARKS.md, "Rotations").
    fn combine(&mut self, ins: &Instr) {
        let a = self.get(ins.rs1);
        let bv = self.get(ins.rs2);
        let v = match self.shift_pair(a, bv) {
            Some((x, k, y)) if x == y => {
                self.rotations += 1;
                let kv = self.kt(self.ty, k);
                self.b.ins().rotl(x, kv)
            }
            Some(_) => self.b.ins().bxor(a, bv),
            None => match ins.op {
                Op::Or => self.b.ins().bor(a, bv),
                Op::Xor => self.b.ins().bxor(a, bv),
                _ => self.b.ins().iadd(a, bv),
            },
        };
        self.set(ins.rd, v);
    }

    fn get(&mut self, r: u8) -> Value {
        let i = r as usize & 31;
        if i == 0 {
            return self.b.ins().iconst(self.ty, 0);
        }
        if let Some(v) = self.cached[i] {
            return v;
        }
        let v = self.b.ins().load(
            self.ty,
            MemFlagsData::trusted(),
            self.cpu,
            CPU_REGS + 8 * i as i32,
        );
        self.cached[i] = Some(v);
        v
    }

    fn set(&mut self, r: u8, val: Value) {
        let i = r as usize & 31;
        if i != 0 {
            self.cached[i] = Some(val);
            if self.last_write[i] == self.at && self.looping.is_none() {
                // The block's last write: stored now, so the value need not live to the block's
                // end (and `expire` may drop it). Earlier writes are stored at the end, only if
                // not overwritten (see `flush`); storing each at once was slower.
                self.b.ins().store(
                    MemFlagsData::trusted(),
                    val,
                    self.cpu,
                    CPU_REGS + 8 * i as i32,
                );
                self.dirty[i] = None;
                return;
            }
            // Write-through, sunk to the end of the basic block: a later write to the same
            // register in the block replaces this store (see `flush`).
            self.dirty[i] = Some(val);
        }
    }

    /// After the instruction at `self.at`: drop the clean registers it touched whose next read
    /// is more than [`FAR_READ`] instructions away, so they do not occupy a host register (or
    /// a spill slot) until then. Not the block's memory base registers: the grouped checks
    /// skip only while the base register's value is the one the leader checked (a reload is
    /// a new value).
    fn expire(&mut self, ins: &Instr) {
        if self.looping.is_some() {
            // A promoted loop's values are its block's parameters: they stay.
            return;
        }
        for r in [ins.rs1, ins.rs2, ins.rd] {
            let r = r as usize & 31;
            if r == 0
                || self.bases & 1 << r != 0
                || self.dirty[r].is_some()
                || self.cached[r].is_none()
            {
                continue;
            }
            let bit = 1u32 << r;
            let end = self.reads.len().min(self.at + 1 + FAR_READ);
            let near = self.reads[self.at + 1..end].iter().any(|m| m & bit != 0);
            if !near {
                self.cached[r] = None;
            }
        }
    }

    /// Store the registers written since the start of the basic block to the Cpu, so it holds
    /// the current registers wherever control leaves straight-line code: every exit and
    /// call-out carries no register (no block arguments, no spill code on cold paths, values
    /// die at their last use instead of living until every exit). `clear` false keeps them
    /// pending (cold exits in the middle of a block). On RV32 the low half is written; the high
    /// half of a canonical register is always zero.
    fn flush(&mut self, clear: bool) {
        for r in 1..32 {
            if let Some(val) = self.dirty[r] {
                self.b.ins().store(
                    MemFlagsData::trusted(),
                    val,
                    self.cpu,
                    CPU_REGS + 8 * r as i32,
                );
                if clear {
                    self.dirty[r] = None;
                }
            }
        }
    }

    /// Forget the registers loaded so far after a call-out (the interpreter may have changed
    /// any); later uses load them again.
    fn forget_registers(&mut self) {
        self.cached = [None; 32];
    }

    /// Leave the region at a pc (after the current block's cycles were added).
    fn exit_to(&mut self, pc: Value, status: u32) {
        let s = self.b.ins().iconst(types::I32, i64::from(status));
        self.b.ins().jump(self.exit, &[pc.into(), s.into()]);
    }

    /// Continue at a static pc: jump if it is a block of this region, tail-call the region
    /// that has it as an entry, else leave for the dispatcher.
    fn goto(&mut self, pc: u64) {
        if let Some(&h) = self.heads.get(&pc) {
            self.b.ins().jump(h, &[]);
        } else if self.hot_entries.is_some_and(|hot| !hot.contains(&pc)) {
            let v = self.k64(pc);
            self.goto_indirect(v);
        } else if let Some(&(func, index)) = self.targets.get(&pc) {
            let f = match self.funcs.get(&func) {
                Some(&f) => f,
                None => {
                    let sig = self.region_sig();
                    let name = self
                        .b
                        .func
                        .declare_imported_user_function(UserExternalName {
                            namespace: 0,
                            index: func,
                        });
                    // Not colocated: the JIT places code anywhere, so calls use full addresses.
                    let f = self.b.import_function(ExtFuncData {
                        name: ExternalName::user(name),
                        signature: sig,
                        colocated: false,
                        patchable: false,
                    });
                    self.funcs.insert(func, f);
                    f
                }
            };
            self.store_cycle();
            let idx = self.b.ins().iconst(types::I32, i64::from(index));
            self.b.ins().return_call(f, &[self.ctx, idx]);
        } else if pc.wrapping_sub(self.table.base) < self.table.bytes {
            // Not a Cranelift region's entry (yet): the direct emitter's regions, and code
            // translated later, are reached through the table.
            let v = self.k64(pc);
            self.goto_indirect(v);
        } else {
            let v = self.k64(pc);
            self.exit_to(v, STATUS_CONTINUE);
        }
    }

    fn region_sig(&mut self) -> SigRef {
        match self.region_sig {
            Some(s) => s,
            None => {
                let s = self.b.import_signature(region_signature());
                self.region_sig = Some(s);
                s
            }
        }
    }

    /// The callee of a tail call reads the cycle count from the Cpu (registers are already
    /// there, written through).
    fn store_cycle(&mut self) {
        let c = self.b.use_var(self.cycle);
        self.b
            .ins()
            .store(MemFlagsData::trusted(), c, self.cpu, CPU_CYCLE);
        self.store_log();
    }

    /// Recording: store the log pointer to the context (the callee of a tail call, a
    /// call-out or the dispatcher continues from there).
    fn store_log(&mut self) {
        if let Some(v) = self.log {
            debug_assert_eq!(self.log_off, 0, "log pointer advanced before leaving");
            let p = self.b.use_var(v);
            self.b
                .ins()
                .store(MemFlagsData::trusted(), p, self.ctx, CTX_LOG_PTR);
        }
    }

    /// Recording: append the low `size` bytes of a loaded value to the log (the whole
    /// register is stored; the checkpoint guaranteed 8 bytes of room per instruction).
    fn log_value(&mut self, v: Value, size: i64) {
        if let Some(var) = self.log {
            if self.log_off >= 1024 {
                // Keep offsets small (long blocks); the pointer catches up here.
                self.log_advance();
            }
            let p = self.b.use_var(var);
            self.b
                .ins()
                .store(MemFlagsData::trusted(), v, p, self.log_off as i32);
            self.log_off += size;
        }
    }

    /// Recording: advance the log pointer variable over the bytes logged at offsets in the
    /// current straight-line code (before anything leaves it or calls out).
    fn log_advance(&mut self) {
        if let (Some(var), true) = (self.log, self.log_off != 0) {
            let p = self.b.use_var(var);
            let p = self.b.ins().iadd_imm_u(p, self.log_off);
            self.b.def_var(var, p);
        }
        self.log_off = 0;
    }

    /// Continue at a computed pc `t` (i64): tail-call its region through the compiled-code
    /// table when it is an entry there, else leave for the dispatcher.
    fn goto_indirect(&mut self, t: Value) {
        // The table's address and size are constants of the translator (its slots never
        // move), so no register holds them.
        let base = self.k64(self.table.base);
        let off = self.b.ins().isub(t, base);
        let bytes = self.k64(self.table.bytes);
        let inr = self.b.ins().icmp(IntCC::UnsignedLessThan, off, bytes);
        let look = self.b.create_block();
        let call = self.b.create_block();
        let out = self.b.create_block();
        self.b.append_block_param(out, types::I64);
        self.b.ins().brif(inr, look, &[], out, &[t.into()]);
        self.enter(look);
        // Slot `off >> 1` of 16 bytes is at `off * 8` (`t` is even: jalr clears bit 0).
        const _: () = assert!(SLOT_SIZE == 16);
        let scaled = self.b.ins().ishl_imm_u(off, 3);
        let slots = self.k64(self.table.slots);
        let slot = self.b.ins().iadd(slots, scaled);
        let code = self
            .b
            .ins()
            .load(types::I64, MemFlagsData::trusted(), slot, SLOT_CODE);
        self.b.ins().brif(code, call, &[], out, &[t.into()]);
        self.enter(call);
        let idx = self
            .b
            .ins()
            .load(types::I32, MemFlagsData::trusted(), slot, SLOT_INDEX);
        self.store_cycle();
        let sig = self.region_sig();
        self.b
            .ins()
            .return_call_indirect(sig, code, &[self.ctx, idx]);
        self.enter(out);
        let pc = self.b.block_params(out)[0];
        self.exit_to(pc, STATUS_CONTINUE);
    }

    /// `cycle + i`: instructions retired before the i-th instruction of the current block.
    fn cycle_at(&mut self, i: usize) -> Value {
        let c = self.b.use_var(self.cycle);
        self.addk(c, i as i64)
    }

    /// Run the instruction at `pc` (the `i`-th of its block) in the interpreter, then continue
    /// with the next instruction in a fresh Cranelift block.
    fn callout(&mut self, pc: u64, i: usize) {
        self.flush(true);
        self.log_advance();
        let pcv = self.k64(pc);
        self.b
            .ins()
            .store(MemFlagsData::trusted(), pcv, self.cpu, CPU_PC);
        let c = self.cycle_at(i);
        self.b
            .ins()
            .store(MemFlagsData::trusted(), c, self.cpu, CPU_CYCLE);
        self.store_log();
        let sig = match self.step_sig {
            Some(s) => s,
            None => {
                let mut sig = Signature::new(self.call_conv);
                sig.params.push(AbiParam::new(types::I64));
                let s = self.b.import_signature(sig);
                self.step_sig = Some(s);
                s
            }
        };
        // A plain C call: it clobbers the caller-saved registers, but every register variable
        // is reloaded from the Cpu right after anyway.
        let step = if self.log.is_some() {
            rvjit_step_record as *const ()
        } else {
            rvjit_step as *const ()
        };
        let f = self.k64(step as usize as u64);
        self.b.ins().call_indirect(sig, f, &[self.ctx]);
        let status = self
            .b
            .ins()
            .load(types::I32, MemFlagsData::trusted(), self.ctx, CTX_FLAG);
        let cont = self.b.create_block();
        self.b.ins().brif(status, self.stop, &[], cont, &[]);
        self.enter(cont);
        self.forget_registers();
        if let Some(v) = self.log {
            // The call-out moved the log into the recorder and opened a new window.
            let p = self
                .b
                .ins()
                .load(types::I64, MemFlagsData::trusted(), self.ctx, CTX_LOG_PTR);
            self.b.def_var(v, p);
        }
    }

    fn block(&mut self, block: &Block) {
        let head = self.heads[&block.start];
        self.b.switch_to_block(head);
        self.cached = [None; 32];
        debug_assert!(
            self.dirty.iter().all(Option::is_none) && self.log_off == 0,
            "registers flushed and log pointer advanced at every block end"
        );
        let Some(entry) = self.promote(block) else {
            return self.copy(block);
        };
        // A promoted loop: the checked copy, and before it the unchecked one if there is a
        // plan; the head enters the first.
        let checked = self.loop_block(entry.regs.len());
        let first = match &entry.fast {
            Some(_) => self.loop_block(entry.regs.len()),
            None => checked,
        };
        self.b.ins().jump(first, &entry.args);
        if let Some((bases, end)) = entry.fast {
            self.loop_copy(block, &entry, first, Some((end, checked)), bases);
        }
        self.loop_copy(block, &entry, checked, None, 0);
    }

    /// A new block taking `n` register values (a promoted loop's copy).
    fn loop_block(&mut self, n: usize) -> IrBlock {
        let blk = self.b.create_block();
        for _ in 0..n {
            self.b.append_block_param(blk, self.ty);
        }
        blk
    }

    /// One copy of a promoted loop in `body`: its parameters are the registers, those the
    /// loop writes pending from the start (in later iterations they hold the last one's
    /// writes). `fast`: the unchecked copy, which skips the checks of accesses through
    /// `unchecked` and goes on in the checked copy once the cycle count reaches the bound.
    fn loop_copy(
        &mut self,
        block: &Block,
        entry: &LoopEntry,
        body: IrBlock,
        fast: Option<(Value, IrBlock)>,
        unchecked: u32,
    ) {
        // Sealed at the back edge, its last predecessor.
        self.b.switch_to_block(body);
        self.cached = [None; 32];
        for (k, &r) in entry.regs.iter().enumerate() {
            let v = self.b.block_params(body).get(k).copied();
            let r = usize::from(r);
            self.cached[r] = v;
            if entry.written & 1 << r != 0 {
                self.dirty[r] = v;
            }
        }
        self.looping = Some(Promoted {
            start: block.start,
            body,
            regs: entry.regs.clone(),
            limit: entry.limit,
            fast,
        });
        self.unchecked = unchecked;
        self.copy(block);
        self.unchecked = 0;
    }

    /// A basic block's code from the current IR block: its checkpoint, instructions and end.
    fn copy(&mut self, block: &Block) {
        (self.plans, self.groups) = checks::plan(&block.instrs, self.mixed_groups);
        self.checked = vec![None; self.groups.len()];
        let n = block.instrs.len() as i64;
        let fast = self.looping.as_ref().and_then(|p| p.fast);
        if let Some((end, checked)) = fast {
            // The unchecked copy has no checkpoint of its own: its bound is also where the
            // budget runs short, and the checked copy's checkpoint decides then.
            let c = self.b.use_var(self.cycle);
            let done = self.b.ins().icmp(IntCC::UnsignedGreaterThanOrEqual, c, end);
            let args = self.loop_args();
            let go = self.b.create_block();
            self.b.ins().brif(done, checked, &args, go, &[]);
            self.enter(go);
        } else if let Some(&w) = self.budgets.get(&block.start) {
            // Checkpoint: leave for the interpreter when the longest run of instructions up
            // to the next checkpoint does not fit in the remaining budget.
            let c = self.b.use_var(self.cycle);
            // Loaded here, not kept in a register across the region (a promoted loop loads
            // it once before the loop).
            let limit = match &self.looping {
                Some(p) => p.limit,
                None => self
                    .b
                    .ins()
                    .load(types::I64, MemFlagsData::trusted(), self.ctx, CTX_LIMIT),
            };
            let rem = self.b.ins().isub(limit, c);
            let short = self.cmpk(IntCC::UnsignedLessThan, rem, w as i64);
            let body = self.b.create_block();
            let out = self.b.create_block();
            self.b.set_cold_block(out);
            match self.log {
                None => {
                    self.b.ins().brif(short, out, &[], body, &[]);
                    self.enter(out);
                    // A promoted loop's registers since its entry (nothing pending otherwise).
                    self.flush(false);
                    let pcv = self.k64(block.start);
                    self.exit_to(pcv, STATUS_BUDGET);
                }
                Some(v) => {
                    // Recording: also leave when the log may not hold 8 bytes per instruction
                    // up to the next checkpoint; the dispatcher empties it and re-enters here
                    // (every checkpoint of a recording translation is an entry).
                    let p = self.b.use_var(v);
                    let end = self.b.ins().load(
                        types::I64,
                        MemFlagsData::trusted(),
                        self.ctx,
                        CTX_LOG_END,
                    );
                    let need = self.b.ins().iadd_imm_u(p, 8 * w as i64);
                    let full = self.b.ins().icmp(IntCC::UnsignedGreaterThan, need, end);
                    let leave = self.b.ins().bor(short, full);
                    self.b.ins().brif(leave, out, &[], body, &[]);
                    self.enter(out);
                    let budget = self.b.create_block();
                    let drain = self.b.create_block();
                    self.b.set_cold_block(budget);
                    self.b.set_cold_block(drain);
                    self.b.ins().brif(short, budget, &[], drain, &[]);
                    self.enter(budget);
                    let pcv = self.k64(block.start);
                    self.exit_to(pcv, STATUS_BUDGET);
                    self.enter(drain);
                    let pcv = self.k64(block.start);
                    self.exit_to(pcv, STATUS_CONTINUE);
                }
            }
            self.enter(body);
            if let Some(h) = self.hot {
                self.count_pass(block.start, h);
            }
        }

        let last = block.instrs.len() - 1;
        self.last_write = [usize::MAX; 32];
        self.reads.clear();
        self.bases = 0;
        for (i, (_, ins)) in block.instrs.iter().enumerate() {
            self.last_write[ins.rd as usize & 31] = i;
            self.reads.push(1 << (ins.rs1 & 31) | 1 << (ins.rs2 & 31));
            if checks::access(ins.op).is_some() {
                self.bases |= 1 << (ins.rs1 & 31);
            }
        }
        for (i, &(pc, ins)) in block.instrs.iter().enumerate() {
            self.at = i;
            if i == last && super::discover::is_control(ins.op) {
                let xlen = self.xlen;
                match super::discover::static_jalr_target(block, move |v| xlen.trunc(v)) {
                    Some(target) => self.jump_and_link(pc, &ins, target, n),
                    None => self.control(pc, &ins, i, n),
                }
                return;
            }
            self.instr(pc, &ins, i);
            self.expire(&ins);
        }
        self.retire(n);
        match block.end {
            End::Fall(next) => self.goto(next),
            // `Control` blocks returned above through `control`; keep the IR well-formed anyway.
            End::Control => {
                let s = self.b.ins().iconst(types::I32, i64::from(STATUS_BAD_ENTRY));
                self.b.ins().return_(&[s]);
            }
        }
    }

    /// If `block` is a simple loop whose registers can be promoted ([`Promoted`]): load them
    /// and the cycle limit in the current block (the loop's head, which every entry reaches),
    /// and with a loop plan compute the unchecked copy's bound. Not in the baseline tier (its
    /// hot counter expects a clean state at checkpoints) nor in recording ones.
    fn promote(&mut self, block: &Block) -> Option<LoopEntry> {
        if self.hot.is_some()
            || self.log.is_some()
            || block.instrs.len() > PROMOTE_MAX_LEN
            || !self.budgets.contains_key(&block.start)
        {
            return None;
        }
        loops::simple_body(block)?;
        let (mut used, mut written) = (0u32, 0u32);
        for (_, ins) in &block.instrs {
            // The decoder leaves the fields a format does not have at x0.
            used |= 1 << (ins.rs1 & 31) | 1 << (ins.rs2 & 31) | 1 << (ins.rd & 31);
            written |= 1 << (ins.rd & 31);
        }
        let (used, written) = (used & !1, written & !1);
        if used.count_ones() as usize > PROMOTE_MAX_REGS {
            return None;
        }
        let regs: Vec<u8> = (1..32u8).filter(|&r| used & 1 << r != 0).collect();
        let limit = self
            .b
            .ins()
            .load(types::I64, MemFlagsData::trusted(), self.ctx, CTX_LIMIT);
        let args: Vec<BlockArg> = regs.iter().map(|&r| self.get(r).into()).collect();
        let fast = match loops::plan(block) {
            Some(plan) => {
                let w = self.budgets.get(&block.start).copied().unwrap_or(u64::MAX);
                Some((
                    plan.bases,
                    self.fast_end(&plan, block.instrs.len(), limit, w),
                ))
            }
            _ => None,
        };
        Some(LoopEntry {
            regs,
            written,
            limit,
            args,
            fast,
        })
    }

    /// Before a simple loop with a plan: the cycle count up to which the unchecked copy may
    /// start an iteration, `cycle + M * n` for the `M` iterations that keep every covered
    /// access in the fast window its first address is in (aligned; 0 when one is in none, at
    /// most [`loops::MAX_TRIPS`]), and no later than the first count at which the checkpoint
    /// (`w` instructions to the next one) would leave: `limit - w + 1`.
    fn fast_end(&mut self, plan: &loops::LoopPlan, n: usize, limit: Value, w: u64) -> Value {
        let max = self.k64(loops::MAX_TRIPS);
        let zero = self.k64(0);
        let mut trips = max;
        let windows = self.windows;
        for a in &plan.covered {
            // In 64 bits, as `ea` (see `loops::RV32_TOP` for the windows RV32 may count in).
            let base = self.get(a.base);
            let base = self.wide(base);
            let first = self.addk(base, a.first);
            let list = if a.store {
                &windows.store
            } else {
                &windows.load
            };
            let k = i64::from(a.step.unsigned_abs().trailing_zeros());
            // Each window's count holds on its own; the largest is taken (0: in none).
            let mut mine = zero;
            let rv64 = self.ty == types::I64;
            let usable = |win: &&Window| {
                win.len >= a.size as u64
                    && (rv64 || win.lo.saturating_add(win.len) <= loops::RV32_TOP)
            };
            for win in list.iter().filter(usable) {
                let off = self.addk(first, (win.lo as i64).wrapping_neg());
                let lim = (win.len - a.size as u64) as i64;
                let inside = self.cmpk(IntCC::UnsignedLessThanOrEqual, off, lim);
                // Iterations in the window: (lim - off) / step + 1 going up, off / -step + 1
                // going down.
                let t = match a.step.signum() {
                    0 => max,
                    1 => {
                        let l = self.k64(lim as u64);
                        let left = self.b.ins().isub(l, off);
                        let q = self.b.ins().ushr_imm_u(left, k);
                        self.addk(q, 1)
                    }
                    _ => {
                        let q = self.b.ins().ushr_imm_u(off, k);
                        self.addk(q, 1)
                    }
                };
                let t = self.b.ins().select(inside, t, zero);
                mine = self.b.ins().umax(mine, t);
            }
            if a.size > 1 {
                let low = self.b.ins().band_imm_u(first, a.size - 1);
                let aligned = self.cmpk(IntCC::Equal, low, 0);
                mine = self.b.ins().select(aligned, mine, zero);
            }
            trips = self.b.ins().umin(trips, mine);
        }
        // M * n < 2^39: the sum wraps only for cycle counts no run reaches; clamp anyway.
        let c = self.b.use_var(self.cycle);
        let span = self.b.ins().imul_imm_u(trips, n as i64);
        let sum = self.b.ins().iadd(c, span);
        let wrapped = self.b.ins().icmp(IntCC::UnsignedLessThan, sum, c);
        let all = self.k64(u64::MAX);
        let end = self.b.ins().select(wrapped, all, sum);
        // The checkpoint leaves once `limit - cycle < w`, i.e. from `limit - w + 1` on (at
        // once when the limit is below `w`).
        let wk = self.k64(w);
        let short_at = self.b.ins().isub(limit, wk);
        let short_at = self.addk(short_at, 1);
        let fits = self
            .b
            .ins()
            .icmp(IntCC::UnsignedGreaterThanOrEqual, limit, wk);
        let short_at = self.b.ins().select(fits, short_at, zero);
        self.b.ins().umin(end, short_at)
    }

    /// The values a promoted loop's copy passes on: its registers, in parameter order.
    fn loop_args(&mut self) -> Vec<BlockArg> {
        let regs = self
            .looping
            .as_ref()
            .map(|p| p.regs.clone())
            .unwrap_or_default();
        regs.iter().map(|&r| self.get(r).into()).collect()
    }

    /// Count a pass through the checkpoint at `pc`; leave for the optimising tier once the
    /// region is hot. The state is clean here (registers in the Cpu, nothing retired yet).
    fn count_pass(&mut self, pc: u64, h: HotCounter) {
        let f = MemFlagsData::trusted();
        let p = self.k64(h.addr);
        let n = self.b.ins().load(types::I64, f, p, 0);
        let n = self.addk(n, 1);
        self.b.ins().store(f, n, p, 0);
        let hot = self.cmpk(IntCC::UnsignedGreaterThanOrEqual, n, h.threshold as i64);
        let body = self.b.create_block();
        let out = self.b.create_block();
        self.b.set_cold_block(out);
        self.b.ins().brif(hot, out, &[], body, &[]);
        self.enter(out);
        // The pass that reaches the threshold asks for the recompilation. Once it is
        // installed, the table holds the optimising tier's code for every checkpoint of this
        // region, so later passes (callers compiled before the promotion tail-call this old
        // code) go there through the table instead of returning to the dispatcher. Before
        // that, they go on here, or leave for the dispatcher when a compile is ready to be
        // installed (through the table they would only come back here).
        let first = self.cmpk(IntCC::Equal, n, h.threshold as i64);
        let promote = self.b.create_block();
        let later = self.b.create_block();
        let redirect = self.b.create_block();
        let pending = self.b.create_block();
        let collect = self.b.create_block();
        for blk in [promote, later, redirect, pending, collect] {
            self.b.set_cold_block(blk);
        }
        self.b.ins().brif(first, promote, &[], later, &[]);
        self.enter(promote);
        let tier = self.k64(h.tier);
        self.b.ins().store(f, tier, self.ctx, CTX_HOT);
        let pcv = self.k64(pc);
        self.exit_to(pcv, STATUS_HOT);
        self.enter(later);
        let installed = self.cmpk(IntCC::UnsignedGreaterThanOrEqual, n, INSTALLED as i64);
        self.b.ins().brif(installed, redirect, &[], pending, &[]);
        self.enter(redirect);
        let pcv = self.k64(pc);
        self.goto_indirect(pcv);
        self.enter(pending);
        let ready = self.k64(h.ready);
        let ready = self.b.ins().load(types::I32, f, ready, 0);
        self.b.ins().brif(ready, collect, &[], body, &[]);
        self.enter(collect);
        let pcv = self.k64(pc);
        self.exit_to(pcv, STATUS_CONTINUE);
        self.enter(body);
    }

    /// End of a basic block's straight-line code: flush registers, count its instructions.
    fn retire(&mut self, n: i64) {
        self.flush(true);
        self.log_advance();
        let c = self.b.use_var(self.cycle);
        let c = self.addk(c, n);
        self.b.def_var(self.cycle, c);
    }

    /// `rd` = the next pc, then continue at the static `target` (`jal`, or a `jalr` whose
    /// target is static: [`super::discover::static_jalr_target`]).
    fn jump_and_link(&mut self, pc: u64, ins: &Instr, target: u64, n: i64) {
        let next = self.xlen.trunc(pc.wrapping_add(u64::from(ins.len)));
        let v = self.k(next);
        self.set(ins.rd, v);
        self.retire(n);
        self.goto(target);
    }

    /// A block-ending control instruction at index `i` of a block of `n` instructions.
    fn control(&mut self, pc: u64, ins: &Instr, i: usize, n: i64) {
        let x = self.xlen;
        let next = x.trunc(pc.wrapping_add(u64::from(ins.len)));
        let target = x.trunc(pc.wrapping_add(ins.imm as i64 as u64));
        match ins.op {
            Op::Jal => self.jump_and_link(pc, ins, target, n),
            Op::Jalr => {
                let a = self.get(ins.rs1);
                let t = self.addk(a, ins.imm as i64);
                let m = self.kt(self.ty, !1i64);
                let t = self.b.ins().band(t, m);
                let t = if self.ty == types::I32 {
                    self.b.ins().uextend(types::I64, t)
                } else {
                    t
                };
                let v = self.k(next);
                self.set(ins.rd, v);
                self.retire(n);
                self.goto_indirect(t);
            }
            Op::Beq | Op::Bne | Op::Blt | Op::Bge | Op::Bltu | Op::Bgeu => {
                let cc = match ins.op {
                    Op::Beq => IntCC::Equal,
                    Op::Bne => IntCC::NotEqual,
                    Op::Blt => IntCC::SignedLessThan,
                    Op::Bge => IntCC::SignedGreaterThanOrEqual,
                    Op::Bltu => IntCC::UnsignedLessThan,
                    _ => IntCC::UnsignedGreaterThanOrEqual,
                };
                let a = self.get(ins.rs1);
                let bv = self.get(ins.rs2);
                let cond = self.b.ins().icmp(cc, a, bv);
                if let Some(p) = self.looping.take_if(|p| p.start == target) {
                    // A promoted loop: the back edge carries the registers, the exit edge
                    // stores the pending ones.
                    let c = self.b.use_var(self.cycle);
                    let c = self.addk(c, n);
                    self.b.def_var(self.cycle, c);
                    let args: Vec<BlockArg> = p.regs.iter().map(|&r| self.get(r).into()).collect();
                    let leave = self.b.create_block();
                    self.b.ins().brif(cond, p.body, &args, leave, &[]);
                    self.b.seal_block(p.body);
                    self.enter(leave);
                    self.flush(true);
                    self.goto(next);
                    return;
                }
                self.retire(n);
                if let (Some(&t), Some(&f)) = (self.heads.get(&target), self.heads.get(&next)) {
                    if t != f {
                        self.b.ins().brif(cond, t, &[], f, &[]);
                        return;
                    }
                }
                let taken = self.b.create_block();
                let fall = self.b.create_block();
                self.b.ins().brif(cond, taken, &[], fall, &[]);
                self.enter(taken);
                self.goto(target);
                self.enter(fall);
                self.goto(next);
            }
            // ebreak and illegal instructions stop the run; the interpreter produces the stop.
            _ => {
                self.flush(true);
                self.log_advance();
                let c = self.cycle_at(i);
                self.b.def_var(self.cycle, c);
                let pcv = self.k64(pc);
                self.exit_to(pcv, STATUS_STEP);
            }
        }
    }

    fn finish(&mut self, bad: IrBlock) {
        // Shared exit: the registers are already in the Cpu; store pc and cycle.
        self.b.switch_to_block(self.exit);
        let pc = self.b.block_params(self.exit)[0];
        let status = self.b.block_params(self.exit)[1];
        self.b
            .ins()
            .store(MemFlagsData::trusted(), pc, self.cpu, CPU_PC);
        let c = self.b.use_var(self.cycle);
        self.b
            .ins()
            .store(MemFlagsData::trusted(), c, self.cpu, CPU_CYCLE);
        self.store_log();
        self.b.ins().return_(&[status]);
        // A call-out stopped the run: the Cpu already holds the final state.
        self.b.switch_to_block(self.stop);
        let s = self.b.ins().iconst(types::I32, i64::from(STATUS_STOP));
        self.b.ins().return_(&[s]);
        self.b.switch_to_block(bad);
        let s = self.b.ins().iconst(types::I32, i64::from(STATUS_BAD_ENTRY));
        self.b.ins().return_(&[s]);
        self.b.seal_all_blocks();
    }

    /// Sign-extend an i32 value to the register type (W-forms, RV64 only).
    fn sext_w(&mut self, v32: Value) -> Value {
        if self.ty == types::I64 {
            self.b.ins().sextend(types::I64, v32)
        } else {
            v32
        }
    }

    fn low32(&mut self, v: Value) -> Value {
        if self.ty == types::I64 {
            self.b.ins().ireduce(types::I32, v)
        } else {
            v
        }
    }

    fn bool_to_reg(&mut self, c: Value) -> Value {
        self.b.ins().uextend(self.ty, c)
    }

    /// Signed or unsigned division/remainder with the RISC-V edge cases, at type of `a`.
    fn divrem(&mut self, a: Value, bv: Value, signed: bool, rem: bool) -> Value {
        let ty = self.b.func.dfg.value_type(a);
        let zero = self.cmpk(IntCC::Equal, bv, 0);
        let one = self.b.ins().iconst(ty, 1);
        let mut bad = zero;
        if signed {
            // MIN / -1: dividing by 1 instead gives MIN (quotient) and 0 (remainder), as the spec.
            let min = if ty == types::I32 {
                i32::MIN as u32 as i64
            } else {
                i64::MIN
            };
            let amin = self.cmpk(IntCC::Equal, a, min);
            let bneg = self.cmpk(IntCC::Equal, bv, -1);
            let ovf = self.b.ins().band(amin, bneg);
            bad = self.b.ins().bor(zero, ovf);
        }
        let d = self.b.ins().select(bad, one, bv);
        let r = match (signed, rem) {
            (true, false) => self.b.ins().sdiv(a, d),
            (true, true) => self.b.ins().srem(a, d),
            (false, false) => self.b.ins().udiv(a, d),
            (false, true) => self.b.ins().urem(a, d),
        };
        let on_zero = if rem { a } else { self.kt(ty, -1) };
        self.b.ins().select(zero, on_zero, r)
    }

    /// Effective address as a 64-bit host offset (RV32 wraps modulo 2^32).
    /// An access's address as the checks see it and the access uses it: `x[rs1] + imm` in 64
    /// bits. On RV32 that is the zero-extended register plus imm, not the guest's address
    /// modulo 2^32; the checks pass only where the two agree (the sum inside the guest's
    /// space), and a wrapping access leaves for the interpreter, which wraps it.
    ///
    /// Returns the base register's value and its 64-bit form: a group member reuses the
    /// leader's (on RV32 one zero-extension per group instead of one per access).
    fn ea(&mut self, i: usize, rs1: u8, imm: i32) -> (Value, Value, Value) {
        let base = self.get(rs1);
        let wide = match self.plans.get(i).copied() {
            Some(Plan::Member(g)) => match self.checked.get(g).copied().flatten() {
                Some((b, w)) if b == base => Some(w),
                _ => None,
            },
            _ => None,
        };
        let wide = match wide {
            Some(w) => w,
            None => self.wide(base),
        };
        (base, wide, self.addk(wide, imm as i64))
    }

    /// A register value at 64 bits (RV32's zero-extended).
    fn wide(&mut self, v: Value) -> Value {
        if self.ty_of(v) == types::I32 {
            self.b.ins().uextend(types::I64, v)
        } else {
            v
        }
    }

    /// Emit the inline check of an access at `addr` (`x[rs1] + imm`) by the `i`-th instruction
    /// of the block (at `pc`) and continue in the fast path. Levels, each reached only when the
    /// ones before say no:
    ///
    /// 1. the fast windows ([`FastWindows`]): `t = (addr - lo) rotr log2(size)` is at most
    ///    `(len - size) / size` exactly when the access is aligned (misaligned low bits rotate
    ///    to the top) and lies inside the window: three instructions with immediates per
    ///    window, no table load and no register held for the check. The optimising tier
    ///    branches after each window; the baseline tier computes them all and branches once;
    /// 2. without windows for this kind of access only, the fast table: the page number,
    ///    clamped to the span's sentinel, indexes it, and that byte or'ed with `addr & (size -
    ///    1)` is zero exactly when the page allows an aligned access directly;
    /// 3. the optimising tier only: the page's allowed run (`GuestMemory::page_runs`), which
    ///    covers fast pages outside the windows and mixed pages.
    ///
    /// Anything else (misaligned accesses, byte-exact pages, faults, and in the baseline tier
    /// any access outside the windows: rare in a runtime-abi guest, whose windows cover RAM,
    /// and a region that makes many soon gets the optimising tier) leaves the region on a
    /// cold path, and the interpreter executes the instruction with all its rules.
    fn mem_check(
        &mut self,
        pc: u64,
        i: usize,
        (rs1, imm, addr): (u8, i32, Value),
        (base, wide): (Value, Value),
        size: i64,
        store: bool,
    ) {
        if self.unchecked & 1 << (rs1 & 31) != 0 {
            // Checked for every iteration of this copy before the loop (`fast_end`).
            return;
        }
        // The range to check, as offsets from the base register: the access itself, or the
        // whole group it leads (see `checks`).
        let own = checks::Group {
            lo: i64::from(imm),
            end: i64::from(imm) + size,
            align: size,
            store,
        };
        let mut range = own;
        let mut group = None;
        match self.plans.get(i).copied() {
            Some(Plan::Member(g))
                if self.checked.get(g).copied().flatten().map(|(b, _)| b) == Some(base) =>
            {
                return;
            }
            Some(Plan::Leader(g)) => {
                if let Some(&r) = self.groups.get(g) {
                    range = r;
                    group = Some(g);
                }
            }
            _ => {}
        }
        let windows = self.windows;
        let fits = |r: &checks::Group| -> Vec<Window> {
            let list = if r.store {
                &windows.store
            } else {
                &windows.load
            };
            list.iter()
                .copied()
                .filter(|w| w.len >= (r.end - r.lo) as u64)
                .collect()
        };
        let mut order = fits(&range);
        if order.is_empty() && group.is_some() {
            // No window can hold the group: the leader is checked on its own, and so are
            // the members (`checked` stays empty).
            group = None;
            range = own;
            order = fits(&range);
        }
        // The order only affects speed: the lowest window first, the stack's under
        // runtime-abi's layout (below the code). Rust guests reach the stack through pointers
        // in other registers too: trying the data window first for those cost evm 6 % more
        // host instructions (BENCHMARKS.md, "Which window first").
        let fast = self.b.create_block();
        // Every check after the first joins the fast path through one cold block, so the fast
        // path has two predecessors (the register allocator puts its moves on that cold edge
        // instead of on one edge per check).
        let mut rejoin: Option<IrBlock> = None;
        let mut first = true;
        // Where a passed check continues: the fast path itself for the first check, the
        // shared cold `rejoin` block for the others.
        let mut ok_target = |l: &mut Self, first: &mut bool| -> IrBlock {
            if std::mem::take(first) {
                return fast;
            }
            *rejoin.get_or_insert_with(|| {
                let b = l.b.create_block();
                l.b.set_cold_block(b);
                b
            })
        };
        if !order.is_empty() {
            if self.page_runs {
                // Optimising tier: a branch per window, so a hit in the first costs one check.
                for w in &order {
                    let out = self.window_miss(wide, range, w);
                    // Misses are laid out after the function's code, so the fast path is
                    // straight-line code.
                    let next = self.b.create_block();
                    self.b.set_cold_block(next);
                    let ok = ok_target(self, &mut first);
                    self.b.ins().brif(out, next, &[], ok, &[]);
                    self.enter(next);
                }
            } else {
                // Baseline tier: every window's check and one branch. Each block boundary
                // costs translation time (and the single-pass allocator spills what lives
                // across it), which matters more here than a few ALU instructions.
                let mut miss: Option<Value> = None;
                for w in &order {
                    let out = self.window_miss(wide, range, w);
                    miss = Some(match miss {
                        Some(m) => self.b.ins().band(m, out),
                        None => out,
                    });
                }
                if let Some(miss) = miss {
                    let next = self.b.create_block();
                    self.b.set_cold_block(next);
                    let ok = ok_target(self, &mut first);
                    self.b.ins().brif(miss, next, &[], ok, &[]);
                    self.enter(next);
                }
            }
        }
        let f = MemFlagsData::trusted();
        let mut page = None;
        let mut page_of = |l: &mut Self| -> Value {
            *page.get_or_insert_with(|| {
                let span = l.b.ins().load(types::I64, f, l.ctx, CTX_SPAN);
                let last_page = l.b.ins().ushr_imm_u(span, i64::from(PAGE_SHIFT));
                let page = l.b.ins().ushr_imm_u(addr, i64::from(PAGE_SHIFT));
                l.b.ins().umin(page, last_page)
            })
        };
        // A group's leader leaves when the group check fails: the tables and page runs below
        // vouch for its own access only, not for its members.
        if order.is_empty() && group.is_none() {
            let at = if store {
                CTX_STORE_TABLE
            } else {
                CTX_LOAD_TABLE
            };
            let table = self.b.ins().load(types::I64, f, self.ctx, at);
            let page = page_of(self);
            let pp = self.b.ins().iadd(table, page);
            let bad = self.b.ins().uload8(types::I64, f, pp, 0);
            let bad = if size > 1 {
                let low = self.b.ins().band_imm_u(addr, size - 1);
                self.b.ins().bor(bad, low)
            } else {
                bad
            };
            let slow = self.b.create_block();
            self.b.set_cold_block(slow);
            let ok = ok_target(self, &mut first);
            self.b.ins().brif(bad, slow, &[], ok, &[]);
            self.enter(slow);
        }
        if self.page_runs && group.is_none() {
            // The page's one allowed run `lo..hi` (`GuestMemory::page_runs`): the whole page
            // for fast pages outside the windows, part of a mixed page (a segment's last page,
            // say). The optimising tier only: it costs IR on every cold path.
            let at = if store { CTX_STORE_RUNS } else { CTX_LOAD_RUNS };
            let runs = self.b.ins().load(types::I64, f, self.ctx, at);
            let page = page_of(self);
            let idx = self.b.ins().ishl_imm_u(page, 2);
            let pr = self.b.ins().iadd(runs, idx);
            let run = self.b.ins().uload32(f, pr, 0);
            let lo = self.b.ins().band_imm_u(run, 0xffff);
            let hi = self.b.ins().ushr_imm_u(run, 16);
            let off = self.b.ins().band_imm_u(addr, (PAGE - 1) as i64);
            let end = self.b.ins().iadd_imm_u(off, size);
            let below = self.b.ins().icmp(IntCC::UnsignedLessThan, off, lo);
            let above = self.b.ins().icmp(IntCC::UnsignedGreaterThan, end, hi);
            let mut out = self.b.ins().bor(below, above);
            if size > 1 {
                let low = self.b.ins().band_imm_u(addr, size - 1);
                let mis = self.b.ins().icmp_imm_u(IntCC::NotEqual, low, 0);
                out = self.b.ins().bor(out, mis);
            }
            let leave = self.b.create_block();
            self.b.set_cold_block(leave);
            let ok = ok_target(self, &mut first);
            self.b.ins().brif(out, leave, &[], ok, &[]);
            self.enter(leave);
        }
        self.flush(false);
        // The cold path's own definition of the log pointer does not reach the fast path,
        // which goes on with the offset still pending.
        let pending = self.log_off;
        self.log_advance();
        let c = self.cycle_at(i);
        self.b.def_var(self.cycle, c);
        let pcv = self.k64(pc);
        self.exit_to(pcv, STATUS_STEP);
        self.log_off = pending;
        if let Some(rejoin) = rejoin {
            self.enter(rejoin);
            self.b.ins().jump(fast, &[]);
        }
        self.enter(fast);
        if let Some(slot) = group.and_then(|g| self.checked.get_mut(g)) {
            *slot = Some((base, wide));
        }
    }

    /// Is the range `base + r.lo .. base + r.end` outside window `w`, or `base + r.lo` not a
    /// multiple of `r.align`? (`t = (base + r.lo - w.lo) rotr log2(align)` exceeds `(w.len -
    /// (r.end - r.lo)) / align`; see `mem_check`; `w.len` is at least the range's length.)
    /// `base` is 64-bit (`ea`): on RV32 a range that wraps misses.
    fn window_miss(&mut self, base: Value, r: checks::Group, w: &Window) -> Value {
        let shift = i64::from(r.align.trailing_zeros());
        let t = self.addk(base, r.lo.wrapping_sub(w.lo as i64));
        let t = if shift > 0 {
            self.b.ins().rotr_imm_u(t, shift)
        } else {
            t
        };
        let span = (r.end - r.lo) as u64;
        self.cmpk(
            IntCC::UnsignedGreaterThan,
            t,
            ((w.len - span) / r.align as u64) as i64,
        )
    }

    fn load(&mut self, pc: u64, i: usize, ins: &Instr, signed: bool) {
        let Some((size, false)) = checks::access(ins.op) else {
            return self.callout(pc, i);
        };
        let (base, wide, addr) = self.ea(i, ins.rs1, ins.imm);
        self.mem_check(pc, i, (ins.rs1, ins.imm, addr), (base, wide), size, false);
        let host = self.b.ins().iadd(self.mem_base, addr);
        let f = MemFlagsData::trusted();
        let ty = self.ty;
        let v = match (size, signed) {
            (1, true) => self.b.ins().sload8(ty, f, host, 0),
            (1, false) => self.b.ins().uload8(ty, f, host, 0),
            (2, true) => self.b.ins().sload16(ty, f, host, 0),
            (2, false) => self.b.ins().uload16(ty, f, host, 0),
            (4, _) if ty == types::I32 => self.b.ins().load(ty, f, host, 0),
            (4, true) => self.b.ins().sload32(f, host, 0),
            (4, false) => self.b.ins().uload32(f, host, 0),
            _ => self.b.ins().load(types::I64, f, host, 0),
        };
        self.log_value(v, size);
        self.set(ins.rd, v);
    }

    fn store(&mut self, pc: u64, i: usize, ins: &Instr) {
        let Some((size, true)) = checks::access(ins.op) else {
            return self.callout(pc, i);
        };
        let (base, wide, addr) = self.ea(i, ins.rs1, ins.imm);
        self.mem_check(pc, i, (ins.rs1, ins.imm, addr), (base, wide), size, true);
        let host = self.b.ins().iadd(self.mem_base, addr);
        let v = self.get(ins.rs2);
        let f = MemFlagsData::trusted();
        match size {
            1 => self.b.ins().istore8(f, v, host, 0),
            2 => self.b.ins().istore16(f, v, host, 0),
            4 if self.ty == types::I64 => self.b.ins().istore32(f, v, host, 0),
            _ => self.b.ins().store(f, v, host, 0),
        };
    }

    /// A non-control instruction at index `i` of its block.
    fn instr(&mut self, pc: u64, ins: &Instr, i: usize) {
        if super::discover::is_callout(ins.op) {
            return self.callout(pc, i);
        }
        let x = self.xlen;
        let rd = ins.rd;
        let imm = ins.imm as i64;
        let bits = i64::from(x.bits());
        macro_rules! rr {
            ($f:ident) => {{
                let a = self.get(ins.rs1);
                let bv = self.get(ins.rs2);
                let v = self.b.ins().$f(a, bv);
                self.set(rd, v);
            }};
        }
        macro_rules! ri {
            ($f:ident) => {{
                let a = self.get(ins.rs1);
                let kv = self.k(imm as u64);
                let v = self.b.ins().$f(a, kv);
                self.set(rd, v);
            }};
        }
        // W-forms: operate on the low 32 bits, sign-extend the result (RV64 only).
        macro_rules! w_rr {
            ($f:ident) => {{
                let a = self.get(ins.rs1);
                let bv = self.get(ins.rs2);
                let (a, bv) = (self.low32(a), self.low32(bv));
                let v = self.b.ins().$f(a, bv);
                let v = self.sext_w(v);
                self.set(rd, v);
            }};
        }
        macro_rules! w_ri {
            ($f:ident) => {{
                let a = self.get(ins.rs1);
                let a = self.low32(a);
                let kv = self.kt(types::I32, imm);
                let v = self.b.ins().$f(a, kv);
                let v = self.sext_w(v);
                self.set(rd, v);
            }};
        }
        match ins.op {
            Op::Lui => {
                let v = self.k(imm as u64);
                self.set(rd, v);
            }
            Op::Auipc => {
                let v = self.k(pc.wrapping_add(imm as u64));
                self.set(rd, v);
            }
            // Access sizes come from `checks::access`, which also plans the grouped checks.
            Op::Lb | Op::Lh | Op::Lw => self.load(pc, i, ins, true),
            Op::Ld | Op::Lbu | Op::Lhu | Op::Lwu => self.load(pc, i, ins, false),
            Op::Sb | Op::Sh | Op::Sw | Op::Sd => self.store(pc, i, ins),
            Op::Addi => ri!(iadd),
            Op::Slti | Op::Sltiu => {
                let a = self.get(ins.rs1);
                let cc = if ins.op == Op::Slti {
                    IntCC::SignedLessThan
                } else {
                    IntCC::UnsignedLessThan
                };
                let kv = self.k(imm as u64);
                let c = self.b.ins().icmp(cc, a, kv);
                let v = self.bool_to_reg(c);
                self.set(rd, v);
            }
            Op::Xori => ri!(bxor),
            Op::Ori => ri!(bor),
            Op::Andi => ri!(band),
            Op::Slli => ri!(ishl),
            Op::Srli => ri!(ushr),
            Op::Srai => ri!(sshr),
            Op::Add | Op::Or | Op::Xor => self.combine(ins),
            Op::Sub => rr!(isub),
            Op::Sll => rr!(ishl),
            Op::Slt | Op::Sltu => {
                let a = self.get(ins.rs1);
                let bv = self.get(ins.rs2);
                let cc = if ins.op == Op::Slt {
                    IntCC::SignedLessThan
                } else {
                    IntCC::UnsignedLessThan
                };
                let c = self.b.ins().icmp(cc, a, bv);
                let v = self.bool_to_reg(c);
                self.set(rd, v);
            }
            Op::Srl => rr!(ushr),
            Op::Sra => rr!(sshr),
            Op::And => rr!(band),
            Op::Addiw => w_ri!(iadd),
            Op::Slliw => w_ri!(ishl),
            // A logical right shift by 1..31 leaves bit 31 clear: the sign extension is a zero
            // extension, which x86-64's 32-bit shift does for free.
            Op::Srliw if imm & 31 != 0 => {
                let a = self.get(ins.rs1);
                let a = self.low32(a);
                let kv = self.kt(types::I32, imm & 31);
                let v = self.b.ins().ushr(a, kv);
                let v = self.b.ins().uextend(types::I64, v);
                self.set(rd, v);
            }
            Op::Srliw => w_ri!(ushr),
            Op::Sraiw => w_ri!(sshr),
            Op::Addw => w_rr!(iadd),
            Op::Subw => w_rr!(isub),
            Op::Sllw => w_rr!(ishl),
            Op::Srlw => w_rr!(ushr),
            Op::Sraw => w_rr!(sshr),
            Op::Fence | Op::FenceI => {}
            Op::Csrrs | Op::Csrrc | Op::Csrrsi | Op::Csrrci => {
                let mut c = self.cycle_at(i);
                if isa::is_high_counter_csr(ins.imm as u16) {
                    let sh = self.k64(32);
                    c = self.b.ins().ushr(c, sh);
                }
                let v = if self.ty == types::I32 {
                    self.b.ins().ireduce(types::I32, c)
                } else {
                    c
                };
                self.set(rd, v);
            }
            Op::Mul => rr!(imul),
            Op::Mulh => rr!(smulhi),
            Op::Mulhu => rr!(umulhi),
            Op::Mulhsu => {
                // hi(signed a * unsigned b) = hi_u(a, b) - (a < 0 ? b : 0)
                let a = self.get(ins.rs1);
                let bv = self.get(ins.rs2);
                let hu = self.b.ins().umulhi(a, bv);
                let sh = self.kt(self.ty, bits - 1);
                let sign = self.b.ins().sshr(a, sh);
                let corr = self.b.ins().band(sign, bv);
                let v = self.b.ins().isub(hu, corr);
                self.set(rd, v);
            }
            Op::Div | Op::Divu | Op::Rem | Op::Remu => {
                let a = self.get(ins.rs1);
                let bv = self.get(ins.rs2);
                let signed = matches!(ins.op, Op::Div | Op::Rem);
                let rem = matches!(ins.op, Op::Rem | Op::Remu);
                let v = self.divrem(a, bv, signed, rem);
                self.set(rd, v);
            }
            Op::Mulw => w_rr!(imul),
            Op::Divw | Op::Divuw | Op::Remw | Op::Remuw => {
                let a = self.get(ins.rs1);
                let bv = self.get(ins.rs2);
                let (a, bv) = (self.low32(a), self.low32(bv));
                let signed = matches!(ins.op, Op::Divw | Op::Remw);
                let rem = matches!(ins.op, Op::Remw | Op::Remuw);
                let v = self.divrem(a, bv, signed, rem);
                let v = self.sext_w(v);
                self.set(rd, v);
            }
            // Services, atomics and custom instructions (`discover::is_callout`, checked
            // first), control instructions (they end their block and are lowered by
            // `control`: unreachable by construction), and anything else not lowered
            // inline run in the interpreter.
            _ => self.callout(pc, i),
        }
    }
}
