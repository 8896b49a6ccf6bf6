//! The RISC-V instruction set as rvjit understands it: one table ([`table`]) from which the
//! decoder ([`decode`]), the compressed expander ([`compressed`]), the disassembler
//! ([`disasm`]) and the test encoder ([`encode`]) are derived.

pub mod compressed;
pub mod disasm;
pub mod encode;
pub mod table;

pub use table::{Format, Op, OpInfo, Width, TABLE};

/// Register width, taken from the ELF class.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Xlen {
    X32,
    X64,
}

impl Xlen {
    pub fn bits(self) -> u32 {
        match self {
            Xlen::X32 => 32,
            Xlen::X64 => 64,
        }
    }

    /// Canonical register representation: RV32 values are kept zero-extended in a `u64`.
    #[inline(always)]
    pub fn trunc(self, v: u64) -> u64 {
        match self {
            Xlen::X32 => v & 0xffff_ffff,
            Xlen::X64 => v,
        }
    }

    /// Interpret a canonical register value as signed.
    #[inline(always)]
    pub fn signed(self, v: u64) -> i64 {
        match self {
            Xlen::X32 => v as u32 as i32 as i64,
            Xlen::X64 => v as i64,
        }
    }
}

/// A decoded instruction: the operation and its operand fields.
///
/// `imm` is the sign-extended immediate for I/S/B/U/J forms (U-form holds the value already
/// shifted left by 12), the shift amount for shifts, the CSR number for CSR reads, and the
/// 12-bit immediate for custom-0 I-forms. Unused fields are zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Instr {
    pub op: Op,
    pub rd: u8,
    pub rs1: u8,
    pub rs2: u8,
    pub imm: i32,
    /// Encoded length in bytes: 2 (compressed) or 4.
    pub len: u8,
    /// The raw encoding (low 16 bits for compressed instructions).
    pub raw: u32,
}

impl Instr {
    /// An illegal instruction carrying its raw bits.
    pub fn illegal(raw: u32, len: u8) -> Instr {
        Instr {
            op: Op::Illegal,
            rd: 0,
            rs1: 0,
            rs2: 0,
            imm: 0,
            len,
            raw,
        }
    }

    pub fn is_compressed(&self) -> bool {
        self.len == 2
    }
}

/// Counter CSRs readable by guests (all read the retired-instruction count).
pub const CSR_CYCLE: u16 = 0xc00;
pub const CSR_TIME: u16 = 0xc01;
pub const CSR_INSTRET: u16 = 0xc02;
pub const CSR_CYCLEH: u16 = 0xc80;
pub const CSR_TIMEH: u16 = 0xc81;
pub const CSR_INSTRETH: u16 = 0xc82;

/// Does this CSR name one of the counters, and is it readable at this XLEN?
pub fn is_counter_csr(csr: u16, xlen: Xlen) -> bool {
    matches!(csr, CSR_CYCLE | CSR_TIME | CSR_INSTRET)
        || (xlen == Xlen::X32 && matches!(csr, CSR_CYCLEH | CSR_TIMEH | CSR_INSTRETH))
}

/// Is the counter CSR a high half (RV32 only)?
pub fn is_high_counter_csr(csr: u16) -> bool {
    matches!(csr, CSR_CYCLEH | CSR_TIMEH | CSR_INSTRETH)
}

/// Length in bytes of the instruction whose first 16-bit parcel is `lo`: 2 if compressed,
/// otherwise 4. (Longer encodings do not exist in IMAC; they decode as illegal 4-byte words.)
#[inline]
pub fn instr_len(lo: u16) -> u8 {
    if lo & 0b11 == 0b11 {
        4
    } else {
        2
    }
}

/// Decode one instruction from its first parcel(s). `word` holds the 32 bits at pc (the high
/// half is ignored for compressed instructions).
pub fn decode(word: u32, xlen: Xlen) -> Instr {
    if instr_len(word as u16) == 2 {
        compressed::decode(word as u16, xlen)
    } else {
        decode32(word, xlen)
    }
}

fn sext(value: u32, bits: u32) -> i32 {
    let shift = 32 - bits;
    ((value << shift) as i32) >> shift
}

/// The table's rows that can match a word with major opcode `o` (its low 7 bits), for each
/// `o`, in table order: the first of them that matches is the first row of the whole table
/// that matches, so decoding through them equals a search of the table (about ten times
/// fewer rows to try; decoding every halfword of a large guest's code was most of its setup).
fn rows_by_opcode() -> &'static [Vec<&'static OpInfo>; 128] {
    static ROWS: std::sync::OnceLock<[Vec<&'static OpInfo>; 128]> = std::sync::OnceLock::new();
    ROWS.get_or_init(|| {
        std::array::from_fn(|o| {
            let o = o as u32;
            TABLE
                .iter()
                .filter(|row| o & row.mask & 0x7f == row.bits & row.mask & 0x7f)
                .collect()
        })
    })
}

/// Decode a 32-bit instruction using the table.
pub fn decode32(w: u32, xlen: Xlen) -> Instr {
    let rows = rows_by_opcode().get((w & 0x7f) as usize);
    decode_row(
        w,
        xlen,
        rows.and_then(|r| r.iter().find(|row| w & row.mask == row.bits)),
    )
}

/// Decode `w` as an instance of `row` (the first row that matches it; `None`: illegal).
fn decode_row(w: u32, xlen: Xlen, row: Option<&&OpInfo>) -> Instr {
    let Some(row) = row else {
        return Instr::illegal(w, 4);
    };
    if row.width == Width::Rv64Only && xlen == Xlen::X32 {
        return Instr::illegal(w, 4);
    }
    let rd = ((w >> 7) & 31) as u8;
    let rs1 = ((w >> 15) & 31) as u8;
    let rs2 = ((w >> 20) & 31) as u8;
    let i_imm = sext(w >> 20, 12);
    let mut ins = Instr {
        op: row.op,
        rd: 0,
        rs1: 0,
        rs2: 0,
        imm: 0,
        len: 4,
        raw: w,
    };
    match row.format {
        Format::R | Format::CustomR => {
            ins.rd = rd;
            ins.rs1 = rs1;
            ins.rs2 = rs2;
        }
        Format::I | Format::Load | Format::CustomI => {
            ins.rd = rd;
            ins.rs1 = rs1;
            ins.imm = i_imm;
            if row.format == Format::CustomI {
                // custom-0 I-forms use the 12-bit immediate unsigned (exit code, offset).
                ins.imm = ((w >> 20) & 0xfff) as i32;
            }
        }
        Format::S => {
            ins.rs1 = rs1;
            ins.rs2 = rs2;
            ins.imm = sext(((w >> 25) << 5) | ((w >> 7) & 31), 12);
        }
        Format::B => {
            ins.rs1 = rs1;
            ins.rs2 = rs2;
            let imm = ((w >> 31) & 1) << 12
                | ((w >> 7) & 1) << 11
                | ((w >> 25) & 0x3f) << 5
                | ((w >> 8) & 0xf) << 1;
            ins.imm = sext(imm, 13);
        }
        Format::U => {
            ins.rd = rd;
            ins.imm = (w & 0xffff_f000) as i32;
        }
        Format::J => {
            ins.rd = rd;
            let imm = ((w >> 31) & 1) << 20
                | ((w >> 12) & 0xff) << 12
                | ((w >> 20) & 1) << 11
                | ((w >> 21) & 0x3ff) << 1;
            ins.imm = sext(imm, 21);
        }
        Format::Shift => {
            ins.rd = rd;
            ins.rs1 = rs1;
            let shamt = (w >> 20) & 0x3f;
            // RV32 (and the W-forms, whose mask already pins bit 25) have 5-bit shift amounts;
            // shamt[5] set is reserved there.
            if xlen == Xlen::X32 && shamt & 0x20 != 0 {
                return Instr::illegal(w, 4);
            }
            ins.imm = shamt as i32;
        }
        Format::Amo => {
            ins.rd = rd;
            ins.rs1 = rs1;
            ins.rs2 = rs2;
        }
        Format::Lr => {
            ins.rd = rd;
            ins.rs1 = rs1;
        }
        Format::Csr => {
            let csr = ((w >> 20) & 0xfff) as u16;
            // Counters are read-only: only forms that write nothing (rs1/uimm = 0) are legal.
            if rs1 != 0 || !is_counter_csr(csr, xlen) {
                return Instr::illegal(w, 4);
            }
            ins.rd = rd;
            ins.imm = csr as i32;
        }
        Format::None => {}
    }
    ins
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_rows_do_not_shadow_each_other() {
        // A row's own encoding must decode to that row (first match wins).
        for row in TABLE {
            let first = TABLE
                .iter()
                .find(|r| row.bits & r.mask == r.bits)
                .map(|r| r.op);
            assert_eq!(first, Some(row.op), "row {} is shadowed", row.mnemonic);
        }
    }

    #[test]
    fn opcode_index_decodes_as_a_search_of_the_whole_table() {
        // Every row's encoding with random other bits, and random words.
        let mut x = 0x9e37_79b9u32;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x
        };
        let mut words: Vec<u32> = (0..200_000).map(|_| next()).collect();
        for row in TABLE {
            for _ in 0..64 {
                words.push(row.bits | (next() & !row.mask));
            }
        }
        for w in words {
            let searched = TABLE.iter().find(|r| w & r.mask == r.bits);
            for xlen in [Xlen::X32, Xlen::X64] {
                let reference = decode_row(w, xlen, searched.as_ref());
                assert_eq!(decode32(w, xlen), reference, "word {w:#010x}");
            }
        }
    }

    #[test]
    fn service_and_atomic_classes_follow_the_table() {
        let services: Vec<Op> = TABLE
            .iter()
            .map(|r| r.op)
            .filter(|op| op.is_service())
            .collect();
        assert_eq!(services.len(), 9, "ecall + 8 custom-0 ops: {services:?}");
        assert!(services.contains(&Op::Ecall) && services.contains(&Op::Keccakf));
        let atomics = TABLE.iter().filter(|r| r.op.is_atomic()).count();
        assert_eq!(atomics, 22, "LR/SC + 9 AMOs, in .W and .D");
        assert!(!Op::Ebreak.is_service() && !Op::Illegal.is_service() && !Op::Lw.is_atomic());
    }

    #[test]
    fn decodes_basic_forms() {
        // addi a0, a0, -1
        let i = decode32(0xfff50513, Xlen::X32);
        assert_eq!((i.op, i.rd, i.rs1, i.imm), (Op::Addi, 10, 10, -1));
        // lui a0, 0x12345
        let i = decode32(0x12345537, Xlen::X64);
        assert_eq!((i.op, i.rd, i.imm), (Op::Lui, 10, 0x12345000));
        // ld on RV32 is illegal
        assert_eq!(decode32(0x00053503, Xlen::X32).op, Op::Illegal);
        assert_eq!(decode32(0x00053503, Xlen::X64).op, Op::Ld);
        // slli a0,a0,32 legal only on RV64
        assert_eq!(decode32(0x02051513, Xlen::X32).op, Op::Illegal);
        assert_eq!(decode32(0x02051513, Xlen::X64).imm, 32);
        // rdcycle a0 = csrrs a0, cycle, zero; csrrw is illegal
        assert_eq!(decode32(0xc0002573, Xlen::X32).op, Op::Csrrs);
        assert_eq!(decode32(0xc0001573, Xlen::X32).op, Op::Illegal);
        assert_eq!(decode32(0x00000000, Xlen::X32).op, Op::Illegal);
        assert_eq!(decode32(0xffffffff, Xlen::X32).op, Op::Illegal);
    }
}
