//! Simple loops whose memory accesses are checked once, before the loop, instead of on every
//! iteration (the direct tier, and the optimising tier's promoted loops, see
//! `lift::Promoted`).
//!
//! A *simple loop* is one basic block that ends in a conditional branch back to its own
//! start and contains no call-out. An access in it is *covered* when its base register is
//! invariant (not written in the block) or an *induction register*: written in the block
//! exactly once, by `addi r, r, c`, with `|c|` a power of two and a multiple of every access
//! size through `r` (so alignment holds in every iteration). In iteration `k` a covered
//! access's address is `a0 + k * c`, with `a0 = r + imm` (`+ c` when it follows the `addi`)
//! from the register values at the loop's entry.
//!
//! On RV32 both tiers address memory with the zero-extended base register plus imm in 64
//! bits, which equals the guest's address (modulo 2^32) exactly where it lies inside the
//! guest's space; the checks are made on that sum, so a wrapping access fails them. `a0` is
//! computed the same way. The unchecked copy skips the checks, so the base register itself
//! must not wrap in the iterations counted: only windows that end below [`RV32_TOP`] count,
//! and then every counted address `a0 + k * c` lies in `[NULL_GUARD, RV32_TOP)`, so the base,
//! within 2^11 of it (`|imm| < 2^11`), lies in `(0, 2^32)`.
//!
//! Before the loop, the code checks each covered access's first address (`a0`: inside a fast
//! window, aligned) and computes how many iterations stay in that window, `M_a` (unbounded for
//! an invariant base); `M` is the least of them (and at most [`MAX_TRIPS`]). A copy of the loop
//! without the covered accesses' checks then runs at most `M` iterations (each takes the
//! block's length off the cycles-left register, which the copy compares with a floor computed
//! here); the next iteration, and every iteration when a first address fails its check,
//! runs in the ordinary copy, which checks every access. How the loop ends does not matter:
//! the count bounds what the unchecked copy may do. Both copies have the same budget
//! checkpoints, uncovered accesses and exits, so they leave the loop in the same states.

use super::checks;
use super::discover::{self, Block};
use crate::isa::{Instr, Op};

/// The unchecked copy runs at most this many iterations per entry of the loop (then the
/// checked one goes on).
pub const MAX_TRIPS: u64 = 1 << 32;

/// On RV32 a loop's accesses are counted only in windows that end at or below this (see the
/// module comment).
pub const RV32_TOP: u64 = (1 << 32) - (1 << 11);

/// An access checked before the loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Covered {
    pub base: u8,
    /// The base register's step per iteration; 0 for an invariant base.
    pub step: i64,
    /// `imm` plus the step when the access follows its base's `addi` in the block: the first
    /// iteration's address is the base register's value at the loop's entry plus this.
    pub first: i64,
    pub size: i64,
    pub store: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoopPlan {
    pub covered: Vec<Covered>,
    /// The covered accesses' base registers (bit per register): the unchecked copy skips the
    /// checks of every access through them.
    pub bases: u32,
}

/// At most this many accesses are checked before a loop (its entry code grows with them).
const MAX_COVERED: usize = 8;

/// The body of `block` (all but its closing branch) if it is a simple loop: a basic block that
/// ends in a conditional branch back to its own start, with no call-out or other control
/// transfer inside.
pub fn simple_body(block: &Block) -> Option<&[(u64, Instr)]> {
    let (&(pc, last), body) = block.instrs.split_last()?;
    let target = pc.wrapping_add(last.imm as i64 as u64);
    let plain = body
        .iter()
        .all(|(_, ins)| !discover::is_callout(ins.op) && !discover::is_control(ins.op));
    (last.op.is_branch() && target == block.start && plain).then_some(body)
}

/// The plan for `block` if it is a simple loop with at least one covered access.
pub fn plan(block: &Block) -> Option<LoopPlan> {
    let body = simple_body(block)?;
    // Writes per register, and the index and step of each register's `addi r, r, c`.
    let mut writes = [0u32; 32];
    let mut addi: [Option<(usize, i64)>; 32] = [None; 32];
    for (k, (_, ins)) in body.iter().enumerate() {
        // Every instruction may write `rd` (stores name x0 there), as in `checks::plan`.
        let rd = usize::from(ins.rd & 31);
        if rd != 0 {
            writes[rd] += 1;
            if ins.op == Op::Addi && ins.rs1 == ins.rd && ins.imm != 0 {
                addi[rd] = Some((k, i64::from(ins.imm)));
            }
        }
    }
    // (step, index of the addi) per register: Some((0, _)) invariant, None neither.
    let kind = |r: usize| -> Option<(i64, usize)> {
        match writes.get(r)? {
            0 => Some((0, 0)),
            1 => addi.get(r).copied().flatten().map(|(at, c)| (c, at)),
            _ => None,
        }
    };
    // A base qualifies when every access through it keeps its alignment from one iteration
    // to the next.
    let mut ok = [true; 32];
    for (_, ins) in body {
        if let Some((size, _)) = checks::access(ins.op) {
            let b = usize::from(ins.rs1 & 31);
            let fine = b != 0
                && kind(b).is_some_and(|(c, _)| {
                    c == 0 || (c.unsigned_abs().is_power_of_two() && c % size == 0)
                });
            ok[b] &= fine;
        }
    }
    let mut covered = Vec::new();
    let mut bases = 0u32;
    for (k, (_, ins)) in body.iter().enumerate() {
        let Some((size, store)) = checks::access(ins.op) else {
            continue;
        };
        let b = usize::from(ins.rs1 & 31);
        if !ok[b] {
            continue;
        }
        let Some((step, at)) = kind(b) else {
            continue;
        };
        let after = step != 0 && k > at;
        covered.push(Covered {
            base: ins.rs1 & 31,
            step,
            first: i64::from(ins.imm) + if after { step } else { 0 },
            size,
            store,
        });
        bases |= 1 << b;
    }
    if covered.is_empty() || covered.len() > MAX_COVERED {
        return None;
    }
    Some(LoopPlan { covered, bases })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::isa::encode::encode;
    use crate::isa::{decode, Xlen};

    /// How many iterations, from the first, keep an access whose first address is `off` bytes
    /// into a window of `len` bytes inside it: the model `Emitter::loop_trips` implements
    /// (`None`: the first address is outside; `u64::MAX`: an invariant base).
    fn window_trips(a: &Covered, off: u64, len: u64) -> Option<u64> {
        let lim = len.checked_sub(a.size as u64)?;
        if off > lim {
            return None;
        }
        let k = a.step.unsigned_abs().trailing_zeros();
        Some(match a.step {
            0 => u64::MAX,
            s if s > 0 => ((lim - off) >> k) + 1,
            _ => (off >> k) + 1,
        })
    }

    fn block(words: &[u32]) -> Block {
        let base = 0x1000u64;
        let instrs = words
            .iter()
            .enumerate()
            .map(|(i, &w)| (base + 4 * i as u64, decode(w, Xlen::X64)))
            .collect();
        Block {
            start: base,
            instrs,
            end: discover::End::Control,
        }
    }

    #[test]
    fn memset_word_loop_is_covered() {
        // sd a5,0(a4); addi a4,a4,8; bltu a4,a3,-8
        let b = block(&[
            encode(Op::Sd, 0, 14, 15, 0),
            encode(Op::Addi, 14, 14, 0, 8),
            encode(Op::Bltu, 0, 14, 13, -8),
        ]);
        let p = plan(&b).expect("a simple loop");
        assert_eq!(
            p.covered,
            vec![Covered {
                base: 14,
                step: 8,
                first: 0,
                size: 8,
                store: true
            }]
        );
        assert_eq!(p.bases, 1 << 14);
    }

    #[test]
    fn byte_copy_and_search_loops_are_covered() {
        // lbu t0,0(a7); addi a5,a5,-1; sb t0,0(a6); addi a6,a6,1; addi a7,a7,1; bnez a5
        let b = block(&[
            encode(Op::Lbu, 5, 17, 0, 0),
            encode(Op::Addi, 15, 15, 0, -1),
            encode(Op::Sb, 0, 16, 5, 0),
            encode(Op::Addi, 16, 16, 0, 1),
            encode(Op::Addi, 17, 17, 0, 1),
            encode(Op::Bne, 0, 15, 0, -20),
        ]);
        let p = plan(&b).expect("a simple loop");
        assert_eq!(p.covered.len(), 2);
        assert_eq!(p.bases, 1 << 16 | 1 << 17);
        // ld t0,-8(a0); addi a0,a0,-8; lw t1,4(a1); beq t0,zero: a data-dependent end, a
        // descending base (its access before the addi) and an invariant one.
        let b = block(&[
            encode(Op::Ld, 5, 10, 0, -8),
            encode(Op::Addi, 10, 10, 0, -8),
            encode(Op::Lw, 6, 11, 0, 4),
            encode(Op::Beq, 0, 5, 0, -12),
        ]);
        let p = plan(&b).expect("a simple loop");
        assert_eq!(p.covered[0].step, -8);
        assert_eq!(p.covered[0].first, -8);
        assert_eq!(p.covered[1].step, 0);
        assert_eq!(p.covered[1].first, 4);
    }

    #[test]
    fn not_covered() {
        // The base is written twice.
        let b = block(&[
            encode(Op::Sd, 0, 14, 15, 0),
            encode(Op::Addi, 14, 14, 0, 8),
            encode(Op::Addi, 14, 14, 0, 8),
            encode(Op::Bltu, 0, 14, 13, -12),
        ]);
        assert_eq!(plan(&b), None);
        // A step that misaligns the doubleword accesses.
        let b = block(&[
            encode(Op::Sd, 0, 14, 15, 0),
            encode(Op::Addi, 14, 14, 0, 4),
            encode(Op::Bltu, 0, 14, 13, -8),
        ]);
        assert_eq!(plan(&b), None);
        // A step that is not a power of two.
        let b = block(&[
            encode(Op::Sb, 0, 14, 15, 0),
            encode(Op::Addi, 14, 14, 0, 3),
            encode(Op::Bne, 0, 14, 13, -8),
        ]);
        assert_eq!(plan(&b), None);
        // A base loaded in the loop (a linked list).
        let b = block(&[encode(Op::Ld, 14, 14, 0, 0), encode(Op::Bne, 0, 14, 0, -4)]);
        assert_eq!(plan(&b), None);
        // A service call.
        let b = block(&[
            encode(Op::Sd, 0, 14, 15, 0),
            encode(Op::Ecall, 0, 0, 0, 0),
            encode(Op::Addi, 14, 14, 0, 8),
            encode(Op::Bltu, 0, 14, 13, -12),
        ]);
        assert_eq!(plan(&b), None);
        // Not a loop onto itself.
        let b = block(&[
            encode(Op::Sd, 0, 14, 15, 0),
            encode(Op::Addi, 14, 14, 0, 8),
            encode(Op::Bltu, 0, 14, 13, -4),
        ]);
        assert_eq!(plan(&b), None);
    }

    #[test]
    fn trips_within_a_window() {
        let up = Covered {
            base: 14,
            step: 8,
            first: 0,
            size: 8,
            store: true,
        };
        // 64-byte window: offsets 0, 8, .., 56 fit.
        assert_eq!(window_trips(&up, 0, 64), Some(8));
        assert_eq!(window_trips(&up, 56, 64), Some(1));
        assert_eq!(window_trips(&up, 57, 64), None);
        let down = Covered { step: -8, ..up };
        assert_eq!(window_trips(&down, 0, 64), Some(1));
        assert_eq!(window_trips(&down, 56, 64), Some(8));
        let fixed = Covered { step: 0, ..up };
        assert_eq!(window_trips(&fixed, 8, 64), Some(u64::MAX));
        assert_eq!(window_trips(&fixed, 60, 64), None);
    }
}
