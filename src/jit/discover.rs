//! Code discovery: split guest code into basic blocks and group them into regions.
//!
//! A region is the closure of a root pc under intra-function control flow: branch targets and
//! fall-throughs, `jal x0` targets, and the return sites after calls (so a caller's code after a
//! call is an entry of the caller's region, not a new region). Calls, indirect jumps and jumps
//! to another function's symbol leave the region. Every block start is an entry of the region.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::collections::BTreeMap;

use crate::isa::{Instr, Op};
use crate::program::Code;

/// Longest basic block; longer straight-line code is split. Longer blocks keep registers in
/// SSA values longer and give grouped memory checks more to share (unrolled hash rounds);
/// the price is a coarser budget check (the interpreter finishes the last stretch before a
/// cycle limit exactly). 256 against 64 (A/B medians, riscv64im bench inputs, 2026-11-27):
/// keccak-soft run 0.33 -> 0.18 s, sha256-soft 0.23 -> 0.17 s, evm baseline-only translation
/// 1.69 -> 1.51 s and run 0.064 -> 0.046 s. 512 against 256 (with `MAX_REGION` 600 against
/// 300; host instructions of the translated code under cachegrind, BENCHMARKS.md, "Longer
/// blocks"): 2-7 % fewer on the hashes and json, 1024 no better than 512.
pub const MAX_BLOCK: usize = 512;
/// Largest region in instructions; further leaders become exits (translated on demand).
pub const MAX_REGION: usize = 600;

/// How a block ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// The last instruction is a control-flow instruction (branch, jal, jalr, ebreak, illegal).
    Control,
    /// Straight-line code continues at this pc (the start of another block, or not code).
    Fall(u64),
}

#[derive(Clone, Debug)]
pub struct Block {
    pub start: u64,
    pub instrs: Vec<(u64, Instr)>,
    pub end: End,
}

#[derive(Clone, Debug)]
pub struct Region {
    pub root: u64,
    /// Blocks by start pc; the root is among them.
    pub blocks: BTreeMap<u64, Block>,
    /// Statically known pcs control can leave the region to (call targets, far jumps).
    pub exits: Vec<u64>,
    /// Block starts that can be entered from outside: the root, the return sites after calls,
    /// and the loop heads (every checkpoint). Other pcs reached from outside get a region of
    /// their own on demand.
    pub entries: Vec<u64>,
    /// Budget checkpoints: block start -> the most instructions that can retire from there
    /// before control reaches another checkpoint or leaves the region. Entries and loop heads
    /// are checkpoints, so every path through the region passes one at least once per loop
    /// iteration; a check there for that many cycles keeps the cycle limit exact.
    pub budgets: HashMap<u64, u64>,
}

impl Region {
    /// The entries in the order of the region function's entry index.
    pub fn entry_order(&self) -> Vec<u64> {
        self.entries
            .iter()
            .copied()
            .filter(|pc| self.blocks.contains_key(pc))
            .collect()
    }

    pub fn instr_count(&self) -> usize {
        self.blocks.values().map(|b| b.instrs.len()).sum()
    }
}

/// Does this instruction end a basic block in the translator's sense? Services and other
/// call-outs stay inside blocks (they continue at the next pc or stop the run).
pub fn is_control(op: Op) -> bool {
    matches!(
        op,
        Op::Jal
            | Op::Jalr
            | Op::Beq
            | Op::Bne
            | Op::Blt
            | Op::Bge
            | Op::Bltu
            | Op::Bgeu
            | Op::Ebreak
            | Op::Illegal
    )
}

/// Does translated code hand this instruction to the interpreter ([`super::runtime::rvjit_step`])
/// in place: the service doors (`ecall`, custom-0) and the atomics, as the instruction table
/// classifies them ([`Op::is_service`], [`Op::is_atomic`]). Both code generators ask this
/// first, so they cannot disagree on it; an instruction they do not lower inline also falls
/// back to the interpreter, which is always correct.
pub fn is_callout(op: Op) -> bool {
    // One table lookup per operation, once (`Op::info` searches the table).
    static CALLOUT: std::sync::OnceLock<Vec<bool>> = std::sync::OnceLock::new();
    let table = CALLOUT.get_or_init(|| {
        let mut t = Vec::new();
        for row in crate::isa::TABLE {
            let i = row.op as usize;
            if t.len() <= i {
                t.resize(i + 1, false);
            }
            if let Some(slot) = t.get_mut(i) {
                *slot = row.op.is_service() || row.op.is_atomic();
            }
        }
        t
    });
    table.get(op as usize).copied().unwrap_or(false)
}

/// Record a discovered region: its instructions' pcs as covered (the linear sweep skips them)
/// and its entries as known (not to be discovered again).
pub fn claim(region: &Region, covered: &mut HashSet<u64>, known: &mut HashSet<u64>) {
    for b in region.blocks.values() {
        covered.extend(b.instrs.iter().map(|(pc, _)| *pc));
    }
    known.extend(region.entry_order());
}

/// Does `region` average at least `min_block` instructions per basic block (see
/// [`super::Options::hot_min_block`])?
pub fn worth_tiering(region: &Region, min_block: u32) -> bool {
    region.instr_count() as u64 >= u64::from(min_block) * region.blocks.len() as u64
}

/// Does control flow inside the region have a cycle (a loop that runs without leaving it)?
/// Every cycle holds the target of a back edge of any depth-first search.
pub fn has_loop(region: &Region, trunc: impl Fn(u64) -> u64 + Copy) -> bool {
    !back_edge_targets(&region.blocks, &[], trunc).is_empty()
}

/// Targets of the back edges of an iterative depth-first search over the blocks' local
/// successors, from `roots` first and then from every block not reached yet, so every cycle
/// contains one of them.
fn back_edge_targets(
    blocks: &BTreeMap<u64, Block>,
    roots: &[u64],
    trunc: impl Fn(u64) -> u64 + Copy,
) -> HashSet<u64> {
    let succ: HashMap<u64, Vec<u64>> = blocks
        .iter()
        .map(|(&pc, b)| (pc, local_successors(b, blocks, trunc)))
        .collect();
    let mut targets = HashSet::default();
    let mut state: HashMap<u64, u8> = HashMap::default(); // 1 = on stack, 2 = done
    for &r in roots.iter().chain(blocks.keys()) {
        if state.contains_key(&r) || !blocks.contains_key(&r) {
            continue;
        }
        let mut stack: Vec<(u64, usize)> = vec![(r, 0)];
        state.insert(r, 1);
        while let Some(top) = stack.last_mut() {
            let (node, i) = *top;
            top.1 += 1;
            match succ.get(&node).and_then(|v| v.get(i)).copied() {
                Some(s) => match state.get(&s) {
                    Some(1) => {
                        targets.insert(s);
                    }
                    Some(_) => {}
                    None => {
                        state.insert(s, 1);
                        stack.push((s, 0));
                    }
                },
                None => {
                    state.insert(node, 2);
                    stack.pop();
                }
            }
        }
    }
    targets
}

/// The target of the block's closing `jalr` when the instruction before it is an `auipc` of
/// its base register (`auipc t, hi; jalr rd, lo(t)`: the far call and jump the compilers
/// emit), so the target is static; `None` otherwise. Both instructions run in sequence inside
/// translated code, so jumping to this constant is exactly what the `jalr` computes.
pub fn static_jalr_target(block: &Block, trunc: impl Fn(u64) -> u64) -> Option<u64> {
    let [.., (pc, auipc), (_, jalr)] = block.instrs.as_slice() else {
        return None;
    };
    if jalr.op != Op::Jalr || auipc.op != Op::Auipc || auipc.rd == 0 || auipc.rd != jalr.rs1 {
        return None;
    }
    let base = trunc(pc.wrapping_add(auipc.imm as i64 as u64));
    Some(trunc(base.wrapping_add(jalr.imm as i64 as u64)) & !1)
}

/// Is the fall-through of this control instruction a return site (it links)?
fn links(ins: &Instr) -> bool {
    matches!(ins.op, Op::Jal | Op::Jalr) && ins.rd != 0
}

/// Static successors of a control instruction at `pc`: (in-region candidates, exits).
fn successors(pc: u64, ins: &Instr, trunc: impl Fn(u64) -> u64) -> (Vec<u64>, Vec<u64>) {
    let next = trunc(pc.wrapping_add(u64::from(ins.len)));
    let target = trunc(pc.wrapping_add(ins.imm as i64 as u64));
    match ins.op {
        Op::Beq | Op::Bne | Op::Blt | Op::Bge | Op::Bltu | Op::Bgeu => (vec![target, next], vec![]),
        Op::Jal if ins.rd == 0 => (vec![target], vec![]),
        // A call: the callee is another region; the return site belongs to this one.
        Op::Jal => (vec![next], vec![target]),
        Op::Jalr if ins.rd != 0 => (vec![next], vec![]),
        _ => (vec![], vec![]),
    }
}

/// Discover the region rooted at `root`. `func_starts` are other functions' entry points,
/// which jumps do not pull into this region; `covered` holds pcs already translated in other
/// regions, which become exits too (so regions do not duplicate each other's code; a pc
/// reached that way that is not an entry anywhere gets its own region on demand).
///
/// Every budget checkpoint is also an entry, so translated code can leave at any checkpoint
/// and be re-entered there (the optimising tier takes over, the recording translation empties
/// its load log).
pub fn region(
    code: &Code,
    root: u64,
    func_starts: &HashSet<u64>,
    covered: &HashSet<u64>,
    trunc: impl Fn(u64) -> u64 + Copy,
) -> Region {
    let mut leaders: HashSet<u64> = HashSet::default();
    let mut order = Vec::new();
    let mut work = vec![root];
    let mut exits = Vec::new();
    let mut returns = HashSet::default();
    let mut size = 0usize;
    // Where a block was cut at MAX_BLOCK. Such a continuation stays in this region even when
    // another region covers it: cutting there would split straight-line code, such as a loop
    // body, across two regions and cross between them on every pass.
    let mut continuations: HashSet<u64> = HashSet::default();
    // Pass 1: find leaders by walking from each one to its control instruction.
    while let Some(pc) = work.pop() {
        if leaders.contains(&pc) || code.fetch(pc).is_none() {
            continue;
        }
        let elsewhere = covered.contains(&pc) && !continuations.contains(&pc);
        if pc != root && (func_starts.contains(&pc) || elsewhere || size >= MAX_REGION) {
            exits.push(pc);
            continue;
        }
        leaders.insert(pc);
        order.push(pc);
        let mut p = pc;
        let mut n = 0;
        while let Some(ins) = code.fetch(p) {
            n += 1;
            if is_control(ins.op) {
                if links(ins) {
                    returns.insert(trunc(p.wrapping_add(u64::from(ins.len))));
                }
                let (inner, out) = successors(p, ins, trunc);
                work.extend(inner.into_iter().rev());
                exits.extend(out);
                break;
            }
            p = trunc(p.wrapping_add(u64::from(ins.len)));
            if n >= MAX_BLOCK {
                continuations.insert(p);
                work.push(p);
                break;
            }
        }
        size += n;
    }
    // Pass 2: cut blocks at leaders.
    let mut blocks = BTreeMap::new();
    for &start in &order {
        let mut instrs = Vec::new();
        let mut p = start;
        let end = loop {
            let Some(&ins) = code.fetch(p) else {
                break End::Fall(p);
            };
            if !instrs.is_empty() && leaders.contains(&p) {
                break End::Fall(p);
            }
            instrs.push((p, ins));
            if is_control(ins.op) {
                break End::Control;
            }
            p = trunc(p.wrapping_add(u64::from(ins.len)));
            if instrs.len() >= MAX_BLOCK {
                break End::Fall(p);
            }
        };
        blocks.insert(start, Block { start, instrs, end });
    }
    let mut entries = vec![root];
    entries.extend(
        order
            .iter()
            .copied()
            .filter(|pc| *pc != root && returns.contains(pc)),
    );
    let budgets = budgets(&blocks, &entries, trunc);
    // Every checkpoint is an entry too, so a region can be left and re-entered at any of them
    // with a clean state (the optimising tier takes over at loop heads this way).
    let mut loop_heads: Vec<u64> = budgets
        .keys()
        .copied()
        .filter(|pc| !entries.contains(pc))
        .collect();
    loop_heads.sort_unstable();
    entries.extend(loop_heads);
    Region {
        root,
        blocks,
        exits,
        entries,
        budgets,
    }
}

/// Blocks of the region that control can reach directly from the end of `b` (without leaving
/// the region); the lifter turns exactly these into jumps.
pub fn local_successors(
    b: &Block,
    blocks: &BTreeMap<u64, Block>,
    trunc: impl Fn(u64) -> u64,
) -> Vec<u64> {
    let mut out = Vec::new();
    match b.end {
        End::Fall(next) => out.push(next),
        End::Control => {
            if let Some(&(pc, ins)) = b.instrs.last() {
                let next = trunc(pc.wrapping_add(u64::from(ins.len)));
                let target = trunc(pc.wrapping_add(ins.imm as i64 as u64));
                match ins.op {
                    Op::Beq | Op::Bne | Op::Blt | Op::Bge | Op::Bltu | Op::Bgeu => {
                        out.extend([target, next])
                    }
                    Op::Jal => out.push(target),
                    // The emitters jump straight to a static target in the region, so it is an
                    // edge of the region's graph (budget checkpoints must see its loops).
                    Op::Jalr => out.extend(static_jalr_target(b, &trunc)),
                    _ => {}
                }
            }
        }
    }
    out.retain(|pc| blocks.contains_key(pc));
    out
}

/// Checkpoints (entries and targets of back edges of a depth-first search, so that every
/// cycle contains one) with the longest run of instructions from each to the next
/// checkpoint or exit.
fn budgets(
    blocks: &BTreeMap<u64, Block>,
    entries: &[u64],
    trunc: impl Fn(u64) -> u64 + Copy,
) -> HashMap<u64, u64> {
    let succ: HashMap<u64, Vec<u64>> = blocks
        .iter()
        .map(|(&pc, b)| (pc, local_successors(b, blocks, trunc)))
        .collect();
    // Every cycle contains a back-edge target, so the graph minus edges into checkpoints is
    // acyclic.
    let mut checkpoints: HashSet<u64> = entries.iter().copied().collect();
    checkpoints.extend(back_edge_targets(blocks, entries, trunc));
    // Longest path over the acyclic graph without edges into checkpoints (memoized DFS).
    let mut longest: HashMap<u64, u64> = HashMap::default();
    fn walk(
        pc: u64,
        blocks: &BTreeMap<u64, Block>,
        succ: &HashMap<u64, Vec<u64>>,
        cps: &HashSet<u64>,
        memo: &mut HashMap<u64, u64>,
    ) -> u64 {
        if let Some(&w) = memo.get(&pc) {
            return w;
        }
        let len = blocks.get(&pc).map_or(0, |b| b.instrs.len() as u64);
        let mut best = 0;
        for &s in succ.get(&pc).map(Vec::as_slice).unwrap_or(&[]) {
            if !cps.contains(&s) {
                best = best.max(walk(s, blocks, succ, cps, memo));
            }
        }
        memo.insert(pc, len + best);
        len + best
    }
    checkpoints
        .iter()
        .map(|&c| (c, walk(c, blocks, &succ, &checkpoints, &mut longest)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::isa::{encode::encode, Xlen, TABLE};
    use crate::memory::{SegmentImage, PERM_R, PERM_X};

    /// Code at 0x1000 from 32-bit words.
    fn code(words: &[u32]) -> Code {
        let data = words
            .iter()
            .flat_map(|w| w.to_le_bytes())
            .collect::<Vec<u8>>();
        let seg = SegmentImage {
            vaddr: 0x1000,
            memsz: data.len() as u64,
            data,
            perm: PERM_R | PERM_X,
        };
        Code::decode(&[seg], Xlen::X64)
    }

    /// A loop body longer than MAX_BLOCK whose tail another region already covers (the shape
    /// of keccak-f: the function's region takes the prologue and the first pass of the body,
    /// and is full before the loop head) is one region from its head: the block cut at
    /// MAX_BLOCK continues there instead of leaving for the covering region's code.
    #[test]
    fn a_long_loop_body_is_not_split_where_another_region_covers_it() {
        // The function's region takes the prologue and the whole first pass of the body and
        // is full by then (MAX_REGION), so the loop head is an exit of it.
        let (prologue, body) = (MAX_REGION - MAX_BLOCK, MAX_BLOCK + 10);
        let addi = encode(Op::Addi, 11, 11, 0, 1);
        let mut words = vec![addi; prologue + body];
        // bne a0, x0, head (head = the first body instruction), then ebreak.
        let back = -4 * body as i32;
        words.push(encode(Op::Addi, 10, 10, 0, -1));
        words.push(encode(Op::Bne, 0, 10, 0, back - 4));
        words.push(encode(Op::Ebreak, 0, 0, 0, 0));
        let code = code(&words);
        let head = 0x1000 + 4 * prologue as u64;
        let none = HashSet::default();
        let (mut covered, mut known) = (HashSet::default(), HashSet::default());
        let first = region(&code, 0x1000, &none, &covered, |v| v);
        claim(&first, &mut covered, &mut known);
        assert!(first.exits.contains(&head), "{:x?}", first.exits);
        let body_region = region(&code, head, &none, &covered, |v| v);
        let end = 0x1000 + 4 * (prologue + body + 1) as u64;
        assert!(
            body_region
                .blocks
                .values()
                .any(|b| b.instrs.iter().any(|(pc, _)| *pc == end)),
            "the loop's branch is in the region of its head"
        );
        assert!(!body_region.exits.contains(&head));
        assert_eq!(body_region.entry_order(), vec![head]);
        assert!(has_loop(&body_region, |v| v));
        assert!(
            !has_loop(&first, |v| v),
            "the first pass of the body is straight-line"
        );
    }

    /// The call-outs are exactly the service doors and the atomics: ecall, the eight custom-0
    /// instructions, LR/SC and the AMOs of both widths.
    #[test]
    fn call_outs_are_services_and_atomics() {
        let callouts: Vec<Op> = TABLE
            .iter()
            .map(|r| r.op)
            .filter(|&op| is_callout(op))
            .collect();
        let expect = [
            Op::Ecall,
            Op::LrW,
            Op::ScW,
            Op::AmoswapW,
            Op::AmoaddW,
            Op::AmoxorW,
            Op::AmoandW,
            Op::AmoorW,
            Op::AmominW,
            Op::AmomaxW,
            Op::AmominuW,
            Op::AmomaxuW,
            Op::LrD,
            Op::ScD,
            Op::AmoswapD,
            Op::AmoaddD,
            Op::AmoxorD,
            Op::AmoandD,
            Op::AmoorD,
            Op::AmominD,
            Op::AmomaxD,
            Op::AmominuD,
            Op::AmomaxuD,
            Op::Terminate,
            Op::HintStorew,
            Op::HintBuffer,
            Op::Reveal,
            Op::HintInput,
            Op::PrintStr,
            Op::HintRandom,
            Op::Keccakf,
        ];
        assert_eq!(callouts.len(), expect.len(), "{callouts:?}");
        assert!(
            expect.iter().all(|op| callouts.contains(op)),
            "{callouts:?}"
        );
        assert!(!is_callout(Op::Illegal) && !is_callout(Op::Ebreak) && !is_callout(Op::Add));
    }
}
