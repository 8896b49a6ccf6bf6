//! Grouped memory checks: within a basic block, accesses through the same base register value
//! share one bounds, permission and alignment check. Loads and stores share a group when every
//! page that allows direct stores also allows direct loads (the store windows lie inside the
//! load windows, checked per translation); the group is then checked against the store
//! windows if it has a store.
//!
//! A *group* is two or more accesses `x[rs1] + imm_k` of `size_k` bytes, with the same `rs1`
//! not written in between and every `imm_k` a multiple of `size_k`. Its first access (the
//! *leader*) checks the whole range `x[rs1] + lo .. x[rs1] + end` at once, with `lo` rounded
//! down to the group's largest size `align`: if `x[rs1] + lo` lies in a fast window with
//! `end - lo` bytes to spare and is a multiple of `align`, every access of the group is inside
//! that window and aligned (`x[rs1]` is then a multiple of each `size_k`, and so is `imm_k`).
//! The members skip their checks. If the group check fails the leader leaves for the
//! interpreter exactly as a failing single check does, so outcomes cannot change; only an
//! access the group check refuses although it would pass alone (a group straddling a window
//! edge) costs an exit it would not have taken.
//!
//! The plan is made from the instructions alone; the lifter uses a member's skip only if the
//! base register still holds the very SSA value the leader checked (so a call-out that may
//! change registers in between, or any write this plan did not foresee, falls back to a
//! single check). The direct emitter, which has no SSA values, forgets every checked group at
//! a call-out.

use rustc_hash::FxHashMap as HashMap;

use crate::isa::{Instr, Op};

/// How one instruction's access is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plan {
    /// Not a memory access, or checked on its own.
    Single,
    /// The first access of group `g`: checks the group's range.
    Leader(usize),
    /// A later access of group `g`: covered by the leader's check.
    Member(usize),
}

/// The range a group's leader checks, as offsets from the base register.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Group {
    /// Lowest offset, rounded down to a multiple of `align`.
    pub lo: i64,
    /// One past the highest byte accessed.
    pub end: i64,
    /// The largest access size (a power of two).
    pub align: i64,
    /// Some access of the group is a store: check it against the store windows.
    pub store: bool,
}

/// Bytes and direction (true: store) of a plain load or store: the one place the translator
/// takes access sizes from (the lifter and the check planner both use it).
pub fn access(op: Op) -> Option<(i64, bool)> {
    Some(match op {
        Op::Lb | Op::Lbu => (1, false),
        Op::Lh | Op::Lhu => (2, false),
        Op::Lw | Op::Lwu => (4, false),
        Op::Ld => (8, false),
        Op::Sb => (1, true),
        Op::Sh => (2, true),
        Op::Sw => (4, true),
        Op::Sd => (8, true),
        _ => return None,
    })
}

/// Plan the checks of a basic block's instructions (one [`Plan`] per instruction). `mixed`:
/// loads and stores through one base may share a group (see the module comment).
pub fn plan(instrs: &[(u64, Instr)], mixed: bool) -> (Vec<Plan>, Vec<Group>) {
    let mut plans = vec![Plan::Single; instrs.len()];
    let mut groups: Vec<Group> = Vec::new();
    let mut sizes: Vec<usize> = Vec::new();
    // Writes to each register so far: a base register's accesses group only within one
    // version of its value.
    let mut version = [0u32; 32];
    let mut open: HashMap<(u8, u32, bool), usize> = HashMap::default();
    for (k, (_, ins)) in instrs.iter().enumerate() {
        if let Some((size, store)) = access(ins.op) {
            let imm = i64::from(ins.imm);
            let rs1 = ins.rs1 & 31;
            if rs1 != 0 && imm.rem_euclid(size) == 0 {
                let key = (rs1, version[usize::from(rs1)], store && !mixed);
                match open.get(&key) {
                    Some(&g) => {
                        if let (Some(grp), Some(n), Some(p)) =
                            (groups.get_mut(g), sizes.get_mut(g), plans.get_mut(k))
                        {
                            grp.lo = grp.lo.min(imm);
                            grp.end = grp.end.max(imm + size);
                            grp.align = grp.align.max(size);
                            grp.store |= store;
                            *n += 1;
                            *p = Plan::Member(g);
                        }
                    }
                    None => {
                        open.insert(key, groups.len());
                        if let Some(p) = plans.get_mut(k) {
                            *p = Plan::Leader(groups.len());
                        }
                        groups.push(Group {
                            lo: imm,
                            end: imm + size,
                            align: size,
                            store,
                        });
                        sizes.push(1);
                    }
                }
            }
        }
        // Every instruction may write `rd` (stores and branches name x0 there).
        if let Some(v) = version.get_mut(usize::from(ins.rd & 31)) {
            *v += 1;
        }
    }
    // A group of one is a single check (which keeps the tables and page runs as fallbacks).
    for p in plans.iter_mut() {
        if let Plan::Leader(g) = *p {
            if sizes.get(g).is_none_or(|&n| n < 2) {
                *p = Plan::Single;
            }
        }
    }
    for g in groups.iter_mut() {
        g.lo &= !(g.align - 1);
    }
    (plans, groups)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ins(op: Op, rd: u8, rs1: u8, imm: i32) -> (u64, Instr) {
        (
            0,
            Instr {
                op,
                rd,
                rs1,
                rs2: 0,
                imm,
                len: 4,
                raw: 0,
            },
        )
    }

    #[test]
    fn groups_split_at_base_writes_kinds_and_odd_offsets() {
        const SP: u8 = 2;
        const A0: u8 = 10;
        let block = [
            ins(Op::Sd, 0, SP, 8),   // leader of stores via sp
            ins(Op::Ld, A0, SP, 16), // leader of loads via sp
            ins(Op::Sw, 0, SP, -4),  // member: stores via sp
            ins(Op::Lw, A0, SP, 6),  // 6 is not a multiple of 4: single
            ins(Op::Ld, 11, SP, 0),  // member: loads via sp
            ins(Op::Addi, SP, SP, -32),
            ins(Op::Sd, 0, SP, 0), // new sp value: alone, so single
            ins(Op::Sb, 0, A0, 3), // a0 was written by the loads above: alone
        ];
        let (plans, groups) = plan(&block, false);
        assert_eq!(
            plans,
            vec![
                Plan::Leader(0),
                Plan::Leader(1),
                Plan::Member(0),
                Plan::Single,
                Plan::Member(1),
                Plan::Single,
                Plan::Single,
                Plan::Single,
            ]
        );
        assert_eq!(
            groups[0],
            Group {
                lo: -8,
                end: 16,
                align: 8,
                store: true,
            }
        );
        assert_eq!(
            groups[1],
            Group {
                lo: 0,
                end: 24,
                align: 8,
                store: false,
            }
        );
        // Mixed: the sp accesses before the sp write form one group with a store.
        let (plans, groups) = plan(&block, true);
        assert_eq!(
            &plans[..5],
            &[
                Plan::Leader(0),
                Plan::Member(0),
                Plan::Member(0),
                Plan::Single,
                Plan::Member(0),
            ]
        );
        assert_eq!(
            groups[0],
            Group {
                lo: -8,
                end: 24,
                align: 8,
                store: true,
            }
        );
    }
}
