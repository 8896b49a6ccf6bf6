//! The compiled-code table: one slot per halfword of every executable range, indexed by
//! `(pc - base) >> 1`. A slot holds the code of the region function that has `pc` as an entry
//! and the entry index to pass it; empty slots lead the dispatcher to translate-or-fault.
//!
//! Translated code reads the slots of the main range directly (indirect jumps look their
//! target up and tail-call it), so a slot has a fixed `repr(C)` layout and the slots never
//! move; they change only between region calls (on-demand translation in the dispatcher).

use std::cell::Cell;

use crate::program::Code;

/// One table slot as translated code reads it: `code` 0 means empty.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Slot {
    /// Address of the region function (`Tail` calling convention, see `lift::region_signature`).
    pub code: usize,
    pub index: u32,
    /// Direct-baseline regions (`jit::direct`): the offset of the entry's block from `code`,
    /// past the prologue, where other direct code jumps in without a call (it keeps the same
    /// frame and fixed registers). 0 for any other code.
    pub inner: u32,
}

pub const SLOT_SIZE: i64 = std::mem::size_of::<Slot>() as i64;
pub const SLOT_CODE: i32 = std::mem::offset_of!(Slot, code) as i32;
pub const SLOT_INDEX: i32 = std::mem::offset_of!(Slot, index) as i32;
pub const SLOT_INNER: i32 = std::mem::offset_of!(Slot, inner) as i32;

struct Range {
    base: u64,
    /// `Cell`s so translated code may hold a pointer into them while the table is updated
    /// through a shared reference between calls; never resized after construction.
    slots: Box<[Cell<Slot>]>,
}

/// The slots of one range as translated code sees them: `(pc - base) < bytes` selects slot
/// `(pc - base) >> 1` at host address `slots`. Plain numbers, so the compiling threads can
/// share it; the lifter bakes them into the code as constants (the slots never move).
#[derive(Clone, Copy, Debug)]
pub struct RangeView {
    pub base: u64,
    pub bytes: u64,
    pub slots: u64,
}

pub struct Table {
    ranges: Vec<Range>,
    /// Index of the range the last lookup hit (most lookups stay in one range).
    last: Cell<usize>,
}

impl Table {
    pub fn new(code: &Code) -> Table {
        let ranges = code
            .ranges
            .iter()
            .map(|r| Range {
                base: r.base,
                slots: (0..r.instrs.len())
                    .map(|_| Cell::new(Slot::default()))
                    .collect(),
            })
            .collect();
        Table {
            ranges,
            last: Cell::new(0),
        }
    }

    #[inline]
    fn slot_of(&self, pc: u64) -> Option<&Cell<Slot>> {
        if pc & 1 != 0 {
            return None;
        }
        if let Some(r) = self.ranges.get(self.last.get()) {
            let i = (pc.wrapping_sub(r.base) >> 1) as usize;
            if pc >= r.base && i < r.slots.len() {
                return r.slots.get(i);
            }
        }
        let k = self
            .ranges
            .iter()
            .position(|r| pc >= r.base && ((pc - r.base) >> 1) < r.slots.len() as u64)?;
        self.last.set(k);
        let r = self.ranges.get(k)?;
        r.slots.get(((pc - r.base) >> 1) as usize)
    }

    /// The filled slot of `pc`, if any.
    #[inline]
    pub fn get(&self, pc: u64) -> Option<Slot> {
        self.slot_of(pc).map(Cell::get).filter(|s| s.code != 0)
    }

    /// Record an entry unless the pc already has one (the first translation wins).
    pub fn insert(&self, pc: u64, code: usize, index: u32, inner: u32) {
        if let Some(slot) = self.slot_of(pc) {
            if slot.get().code == 0 {
                slot.set(Slot { code, index, inner });
            }
        }
    }

    /// Point an entry at new code (a region recompiled by the optimising tier).
    pub fn replace(&self, pc: u64, code: usize, index: u32) {
        if let Some(slot) = self.slot_of(pc) {
            slot.set(Slot {
                code,
                index,
                inner: 0,
            });
        }
    }

    pub fn contains(&self, pc: u64) -> bool {
        self.get(pc).is_some()
    }

    /// The largest range, for translated code's inline lookups (others go through the
    /// dispatcher).
    pub fn main_view(&self) -> RangeView {
        match self.ranges.iter().max_by_key(|r| r.slots.len()) {
            // `Cell<Slot>` has the layout of `Slot` (`repr(transparent)`), so translated code
            // reads the slots as `Slot`s.
            Some(r) => RangeView {
                base: r.base,
                bytes: 2 * r.slots.len() as u64,
                slots: r.slots.as_ptr() as u64,
            },
            None => RangeView {
                base: 0,
                bytes: 0,
                slots: 0,
            },
        }
    }
}
