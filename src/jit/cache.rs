//! The compiled-code table: one slot per halfword of every executable range, indexed by
//! `(pc - base) >> 1`. A slot holds the region function that has `pc` as a block start and
//! the entry index to pass it; empty slots lead the dispatcher to translate-or-fault.

use super::runtime::RegionFn;
use crate::program::Code;

#[derive(Clone, Copy)]
pub struct Entry {
    pub func: RegionFn,
    pub index: u32,
}

struct Range {
    base: u64,
    slots: Vec<Option<Entry>>,
}

pub struct Table {
    ranges: Vec<Range>,
    /// Index of the range the last lookup hit (most lookups stay in one range).
    last: usize,
}

impl Table {
    pub fn new(code: &Code) -> Table {
        let ranges = code.ranges.iter().map(|r| Range { base: r.base, slots: vec![None; r.instrs.len()] }).collect();
        Table { ranges, last: 0 }
    }

    #[inline]
    fn slot_of(&mut self, pc: u64) -> Option<&mut Option<Entry>> {
        if pc & 1 != 0 {
            return None;
        }
        if let Some(r) = self.ranges.get(self.last) {
            let i = (pc.wrapping_sub(r.base) >> 1) as usize;
            if pc >= r.base && i < r.slots.len() {
                return self.ranges.get_mut(self.last).and_then(|r| r.slots.get_mut(i));
            }
        }
        let k = self.ranges.iter().position(|r| pc >= r.base && ((pc - r.base) >> 1) < r.slots.len() as u64)?;
        self.last = k;
        let r = self.ranges.get_mut(k)?;
        let i = ((pc - r.base) >> 1) as usize;
        r.slots.get_mut(i)
    }

    #[inline]
    pub fn get(&mut self, pc: u64) -> Option<Entry> {
        self.slot_of(pc).and_then(|s| *s)
    }

    /// Record an entry unless the pc already has one (the first translation wins).
    pub fn insert(&mut self, pc: u64, e: Entry) {
        if let Some(slot) = self.slot_of(pc) {
            if slot.is_none() {
                *slot = Some(e);
            }
        }
    }

    pub fn contains(&mut self, pc: u64) -> bool {
        self.get(pc).is_some()
    }
}
