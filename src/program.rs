//! A loaded guest program: what the ELF says, validated, plus its decoded code.

use crate::isa::{self, Instr, Xlen};
use crate::memory::SegmentImage;

/// A function symbol (STT_FUNC) from the ELF, used as a translation root and for reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Symbol {
    pub name: String,
    pub addr: u64,
    pub size: u64,
}

/// A validated guest program. Built by [`crate::elf::load`].
#[derive(Clone, Debug)]
pub struct Program {
    pub xlen: Xlen,
    pub entry: u64,
    pub segments: Vec<SegmentImage>,
    pub functions: Vec<Symbol>,
    pub code: Code,
}

/// Decoded instructions of the executable segments, one slot per halfword so that any
/// 2-byte-aligned pc inside code has its instruction ready.
#[derive(Clone, Debug, Default)]
pub struct Code {
    pub ranges: Vec<CodeRange>,
}

#[derive(Clone, Debug)]
pub struct CodeRange {
    pub base: u64,
    /// `instrs[i]` is the instruction at `base + 2 * i`, for the file-backed part of the segment.
    pub instrs: Vec<Instr>,
    /// Halfwords in the whole segment (`memsz / 2`). Those past `instrs` are the zero-filled
    /// tail: all `0x0000`, the defined-illegal parcel, served by [`ZERO_TAIL`] without memory
    /// per halfword (a tiny ELF may declare a huge zero-filled code segment).
    pub halfwords: u64,
}

/// The instruction at every halfword of a code segment's zero-filled tail.
pub const ZERO_TAIL: Instr = Instr {
    op: crate::isa::Op::Illegal,
    rd: 0,
    rs1: 0,
    rs2: 0,
    imm: 0,
    len: 2,
    raw: 0,
};

impl Code {
    /// Decode every executable segment.
    pub fn decode(segments: &[SegmentImage], xlen: Xlen) -> Code {
        let mut ranges = Vec::new();
        for seg in segments
            .iter()
            .filter(|s| s.perm & crate::memory::PERM_X != 0)
        {
            // Bytes past the file data up to memsz are zero; an odd trailing byte is dropped.
            // Only the file-backed halfwords (plus one, for a 4-byte instruction whose upper half
            // is in the tail) are decoded; the rest is `ZERO_TAIL`.
            let halfwords = seg.memsz / 2;
            let len = (seg.data.len() as u64).div_ceil(2).min(halfwords) as usize;
            let tail_follows = (len as u64) < halfwords;
            let half = |i: usize| -> u16 {
                let lo = seg.data.get(2 * i).copied().unwrap_or(0);
                let hi = seg.data.get(2 * i + 1).copied().unwrap_or(0);
                u16::from_le_bytes([lo, hi])
            };
            let mut instrs = Vec::with_capacity(len);
            for i in 0..len {
                let lo = half(i);
                let ins = if isa::instr_len(lo) == 2 {
                    isa::compressed::decode(lo, xlen)
                } else if i + 1 < len || tail_follows {
                    isa::decode32(u32::from(lo) | u32::from(half(i + 1)) << 16, xlen)
                } else {
                    // A 4-byte instruction cut off by the end of the segment.
                    Instr::illegal(u32::from(lo), 4)
                };
                instrs.push(ins);
            }
            ranges.push(CodeRange {
                base: seg.vaddr,
                instrs,
                halfwords,
            });
        }
        Code { ranges }
    }

    /// The instruction at `pc`, or `None` if `pc` is not a halfword inside executable code.
    #[inline]
    pub fn fetch(&self, pc: u64) -> Option<&Instr> {
        if pc & 1 != 0 {
            return None;
        }
        self.ranges.iter().find_map(|r| {
            let index = pc.checked_sub(r.base)? / 2;
            match r.instrs.get(index as usize) {
                Some(ins) => Some(ins),
                None if index < r.halfwords => Some(&ZERO_TAIL),
                None => None,
            }
        })
    }

    /// Is `pc` in the decoded (file-backed) part of a code range? Translators only compile
    /// such pcs; the zero-filled tail is left to the interpreter, which faults on it.
    pub fn is_decoded(&self, pc: u64) -> bool {
        pc & 1 == 0
            && self.ranges.iter().any(|r| {
                pc.checked_sub(r.base)
                    .is_some_and(|off| off / 2 < r.instrs.len() as u64)
            })
    }
}

impl Program {
    /// Build a program from parts (the ELF loader and tests use this); decodes the code.
    pub fn from_parts(
        xlen: Xlen,
        entry: u64,
        segments: Vec<SegmentImage>,
        functions: Vec<Symbol>,
    ) -> Program {
        let code = Code::decode(&segments, xlen);
        Program {
            xlen,
            entry,
            segments,
            functions,
            code,
        }
    }
}
