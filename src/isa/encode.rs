//! Encoder derived from the instruction table (for tests and fuzzing): the inverse of
//! [`super::decode32`].

use super::{Format, Op, OpInfo};

// Bit positions of the operand fields.
const RD: u32 = 0x0000_0f80;
const RS1: u32 = 0x000f_8000;
const RS2: u32 = 0x01f0_0000;
const IMM_I: u32 = 0xfff0_0000;
/// S and B immediates: bits 31:25 and 11:7.
const IMM_S: u32 = 0xfe00_0f80;
/// U and J immediates: bits 31:12.
const IMM_U: u32 = 0xffff_f000;
/// 6-bit shift amount (bit 25 is fixed to 0 by the RV32 and W-form rows' decoders/masks).
const SHAMT: u32 = 0x03f0_0000;

/// The 32-bit encoding of `op` with the given operands, from the row's fixed bits and format.
///
/// Operands mean what [`super::Instr`]'s fields mean: `imm` is the sign-extended immediate for
/// I/Load/S/B/U/J forms (U: the value already shifted left by 12; B/J: the byte offset), the
/// shift amount for `Shift`, the CSR number for `Csr`, and the unsigned 12-bit immediate for
/// `CustomI`. Operands a format does not have are ignored. Atomics get `aq = rl = 0`.
/// `Op::Illegal` encodes as the all-zero word, which is defined illegal.
///
/// # Panics
/// If an operand does not fit its field (register > 31, immediate out of range or misaligned)
/// or contradicts bits the row fixes (e.g. `slliw` with a shift amount of 32, `hintbuffer`
/// with an immediate other than 1). This is a tool for building test programs, where a silent
/// wrong encoding would be worse than a panic.
pub fn encode(op: Op, rd: u8, rs1: u8, rs2: u8, imm: i32) -> u32 {
    let Some(row) = op.info() else { return 0 };
    assert!(
        rd < 32 && rs1 < 32 && rs2 < 32,
        "{}: register out of range",
        row.mnemonic
    );
    let (rd, rs1, rs2) = (
        u32::from(rd) << 7,
        u32::from(rs1) << 15,
        u32::from(rs2) << 20,
    );
    let fits = |bits: u32| {
        let half = 1i64 << (bits - 1);
        (-half..half).contains(&i64::from(imm))
    };
    let u = imm as u32;
    // (operand bits, the bit positions the format's operands occupy)
    let (fields, span): (u32, u32) = match row.format {
        Format::R | Format::CustomR | Format::Amo => (rd | rs1 | rs2, RD | RS1 | RS2),
        Format::I | Format::Load => {
            assert!(fits(12), "{}: immediate {imm} out of range", row.mnemonic);
            (rd | rs1 | (u & 0xfff) << 20, RD | RS1 | IMM_I)
        }
        Format::CustomI | Format::Csr => {
            assert!(
                (0..4096).contains(&imm),
                "{}: immediate {imm} out of range",
                row.mnemonic
            );
            (rd | rs1 | u << 20, RD | RS1 | IMM_I)
        }
        Format::S => {
            assert!(fits(12), "{}: offset {imm} out of range", row.mnemonic);
            (
                rs1 | rs2 | (u >> 5 & 0x7f) << 25 | (u & 0x1f) << 7,
                RS1 | RS2 | IMM_S,
            )
        }
        Format::B => {
            assert!(
                fits(13) && imm & 1 == 0,
                "{}: offset {imm} out of range or odd",
                row.mnemonic
            );
            let f = (u >> 12 & 1) << 31
                | (u >> 5 & 0x3f) << 25
                | (u >> 1 & 0xf) << 8
                | (u >> 11 & 1) << 7;
            (rs1 | rs2 | f, RS1 | RS2 | IMM_S)
        }
        Format::U => {
            assert!(
                imm & 0xfff == 0,
                "{}: immediate {imm:#x} has low bits set",
                row.mnemonic
            );
            (rd | u, RD | IMM_U)
        }
        Format::J => {
            assert!(
                fits(21) && imm & 1 == 0,
                "{}: offset {imm} out of range or odd",
                row.mnemonic
            );
            let f = (u >> 20 & 1) << 31
                | (u >> 1 & 0x3ff) << 21
                | (u >> 11 & 1) << 20
                | (u >> 12 & 0xff) << 12;
            (rd | f, RD | IMM_U)
        }
        Format::Shift => {
            assert!(
                (0..64).contains(&imm),
                "{}: shift amount {imm} out of range",
                row.mnemonic
            );
            (rd | rs1 | u << 20, RD | RS1 | SHAMT)
        }
        Format::Lr => (rd | rs1, RD | RS1),
        Format::None => (0, 0),
    };
    check_fixed(row, fields, span);
    row.bits | (fields & span & !row.mask)
}

/// Operand bits that land on positions the row fixes must agree with the fixed value.
fn check_fixed(row: &OpInfo, fields: u32, span: u32) {
    let conflict = (fields ^ row.bits) & row.mask & span;
    assert!(
        conflict == 0,
        "{}: operands contradict the fixed encoding bits {conflict:#010x}",
        row.mnemonic
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::isa::{decode32, Instr, Width, Xlen, CSR_CYCLE, CSR_INSTRETH, TABLE};

    /// Representative operand sets for a row, with the fields decode32 should give back.
    fn operand_sets(row: &OpInfo, xlen: Xlen) -> Vec<(u8, u8, u8, i32)> {
        let regs = [(1u8, 2u8, 3u8), (31, 0, 17), (0, 31, 31), (10, 10, 10)];
        let imms: Vec<i32> = match row.format {
            Format::I | Format::Load | Format::S => vec![0, 1, -1, 2047, -2048, 0x5a5],
            Format::B => vec![0, 2, -2, 4094, -4096, 0x7fe],
            Format::J => vec![0, 2, -2, (1 << 20) - 2, -(1 << 20), 0x12346],
            Format::U => vec![0, 0x1000, -4096, i32::MIN, 0x7fff_f000, 0x1234_5000],
            Format::Shift => {
                let wide = xlen == Xlen::X64 && row.mask & (1 << 25) == 0;
                if wide {
                    vec![0, 1, 31, 32, 63]
                } else {
                    vec![0, 1, 17, 31]
                }
            }
            Format::Csr => {
                if xlen == Xlen::X32 {
                    vec![CSR_CYCLE as i32, CSR_INSTRETH as i32]
                } else {
                    vec![CSR_CYCLE as i32]
                }
            }
            // custom-0 rows whose immediate is fixed take that value; the others any u12.
            Format::CustomI if row.mask & 0xfff0_0000 != 0 => vec![(row.bits >> 20) as i32],
            Format::CustomI => vec![0, 1, 0x7ff, 0xfff],
            _ => vec![0],
        };
        let mut sets = Vec::new();
        for &(rd, rs1, rs2) in &regs {
            for &imm in &imms {
                // Counter reads are legal only with rs1 = 0.
                let rs1 = if row.format == Format::Csr { 0 } else { rs1 };
                sets.push((rd, rs1, rs2, imm));
            }
        }
        sets
    }

    /// The instruction decode32 must produce: fields a format lacks are zero.
    fn expected(row: &OpInfo, word: u32, (rd, rs1, rs2, imm): (u8, u8, u8, i32)) -> Instr {
        let (rd, rs1, rs2, imm) = match row.format {
            Format::R | Format::CustomR | Format::Amo => (rd, rs1, rs2, 0),
            Format::I | Format::Load | Format::CustomI | Format::Shift => (rd, rs1, 0, imm),
            Format::S | Format::B => (0, rs1, rs2, imm),
            Format::U | Format::J => (rd, 0, 0, imm),
            Format::Lr => (rd, rs1, 0, 0),
            Format::Csr => (rd, 0, 0, imm),
            Format::None => (0, 0, 0, 0),
        };
        Instr {
            op: row.op,
            rd,
            rs1,
            rs2,
            imm,
            len: 4,
            raw: word,
        }
    }

    #[test]
    fn every_row_round_trips() {
        let mut checked = 0;
        for row in TABLE {
            for xlen in [Xlen::X32, Xlen::X64] {
                if row.width == Width::Rv64Only && xlen == Xlen::X32 {
                    continue;
                }
                for ops in operand_sets(row, xlen) {
                    let word = encode(row.op, ops.0, ops.1, ops.2, ops.3);
                    assert_eq!(word & row.mask, row.bits, "{} {ops:?}", row.mnemonic);
                    assert_eq!(
                        decode32(word, xlen),
                        expected(row, word, ops),
                        "{} {xlen:?} {ops:?}",
                        row.mnemonic
                    );
                    checked += 1;
                }
            }
        }
        assert!(checked > TABLE.len() * 4);
    }

    #[test]
    fn known_encodings() {
        assert_eq!(encode(Op::Addi, 10, 10, 0, -1), 0xfff5_0513);
        assert_eq!(encode(Op::Lui, 10, 0, 0, 0x1234_5000), 0x1234_5537);
        assert_eq!(encode(Op::Jal, 1, 0, 0, -4), 0xffdf_f0ef);
        assert_eq!(encode(Op::Beq, 0, 10, 11, 8), 0x00b5_0463);
        assert_eq!(encode(Op::Sw, 0, 2, 1, 12), 0x0011_2623);
        assert_eq!(encode(Op::Srai, 5, 6, 0, 3), 0x4033_5293);
        assert_eq!(encode(Op::Csrrs, 10, 0, 0, 0xc00), 0xc000_2573);
        assert_eq!(encode(Op::Ecall, 0, 0, 0, 0), 0x0000_0073);
        assert_eq!(encode(Op::Illegal, 1, 2, 3, 4), 0);
    }

    #[test]
    #[should_panic(expected = "contradict")]
    fn rejects_operands_contradicting_fixed_bits() {
        encode(Op::Slliw, 1, 1, 0, 32);
    }

    #[test]
    #[should_panic(expected = "out of range")]
    fn rejects_out_of_range_immediates() {
        encode(Op::Addi, 1, 1, 0, 2048);
    }
}
