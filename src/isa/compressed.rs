//! The C extension: each 16-bit form expands to the table operation it abbreviates, so the
//! engines never see compressed instructions as such (only `len == 2`).
//!
//! Reserved encodings and forms needing F/D are illegal. HINT encodings (e.g. `c.addi x0, 1`,
//! `c.li x0, 1`, `c.slli` with shamt 0) are legal and execute as the plain operation, whose
//! write to x0 is discarded.

use super::{Instr, Op, Xlen};

/// Every compressed form rvjit accepts, for disassembly and tests.
pub const FORMS: &[&str] = &[
    "c.addi4spn",
    "c.lw",
    "c.ld",
    "c.sw",
    "c.sd",
    "c.nop",
    "c.addi",
    "c.jal",
    "c.addiw",
    "c.li",
    "c.addi16sp",
    "c.lui",
    "c.srli",
    "c.srai",
    "c.andi",
    "c.sub",
    "c.xor",
    "c.or",
    "c.and",
    "c.subw",
    "c.addw",
    "c.j",
    "c.beqz",
    "c.bnez",
    "c.slli",
    "c.lwsp",
    "c.ldsp",
    "c.jr",
    "c.mv",
    "c.ebreak",
    "c.jalr",
    "c.add",
    "c.swsp",
    "c.sdsp",
];

/// Decode a 16-bit instruction into its expansion.
pub fn decode(h: u16, xlen: Xlen) -> Instr {
    expand(h, xlen).map_or(Instr::illegal(h as u32, 2), |(ins, _)| ins)
}

/// The `c.*` name of a compressed instruction, if it is legal.
pub fn name(h: u16, xlen: Xlen) -> Option<&'static str> {
    expand(h, xlen).map(|(_, name)| name)
}

#[inline]
fn bit(h: u32, n: u32) -> u32 {
    (h >> n) & 1
}

#[inline]
fn bits(h: u32, hi: u32, lo: u32) -> u32 {
    (h >> lo) & ((1 << (hi - lo + 1)) - 1)
}

fn sext(value: u32, width: u32) -> i32 {
    let shift = 32 - width;
    ((value << shift) as i32) >> shift
}

fn mk(op: Op, rd: u32, rs1: u32, rs2: u32, imm: i32, raw: u16) -> Instr {
    Instr {
        op,
        rd: rd as u8,
        rs1: rs1 as u8,
        rs2: rs2 as u8,
        imm,
        len: 2,
        raw: raw as u32,
    }
}

/// The 6-bit signed immediate of CI forms: imm[5] = bit 12, imm[4:0] = bits 6:2.
fn ci_imm(h: u32) -> i32 {
    sext(bit(h, 12) << 5 | bits(h, 6, 2), 6)
}

/// The 6-bit shift amount of c.slli/c.srli/c.srai.
fn ci_shamt(h: u32) -> u32 {
    bit(h, 12) << 5 | bits(h, 6, 2)
}

/// The jump offset of c.j / c.jal.
fn cj_offset(h: u32) -> i32 {
    let imm = bit(h, 12) << 11
        | bit(h, 11) << 4
        | bits(h, 10, 9) << 8
        | bit(h, 8) << 10
        | bit(h, 7) << 6
        | bit(h, 6) << 7
        | bits(h, 5, 3) << 1
        | bit(h, 2) << 5;
    sext(imm, 12)
}

/// The branch offset of c.beqz / c.bnez.
fn cb_offset(h: u32) -> i32 {
    let imm = bit(h, 12) << 8
        | bits(h, 11, 10) << 3
        | bits(h, 6, 5) << 6
        | bits(h, 4, 3) << 1
        | bit(h, 2) << 5;
    sext(imm, 9)
}

fn expand(raw: u16, xlen: Xlen) -> Option<(Instr, &'static str)> {
    let h = raw as u32;
    let rv64 = xlen == Xlen::X64;
    let funct3 = bits(h, 15, 13);
    // Full register fields (CI/CR/CSS) and the 3-bit "prime" fields (x8..x15).
    let rd = bits(h, 11, 7);
    let rs2 = bits(h, 6, 2);
    let rdp = bits(h, 4, 2) + 8;
    let rs1p = bits(h, 9, 7) + 8;
    let r = |op, rd, rs1, rs2, imm, name| Some((mk(op, rd, rs1, rs2, imm, raw), name));
    match (h & 3, funct3) {
        // ---------------- quadrant 0 ----------------
        (0, 0b000) => {
            let nzuimm =
                bits(h, 12, 11) << 4 | bits(h, 10, 7) << 6 | bit(h, 6) << 2 | bit(h, 5) << 3;
            if nzuimm == 0 {
                return None; // includes the all-zero parcel, defined illegal
            }
            r(Op::Addi, rdp, 2, 0, nzuimm as i32, "c.addi4spn")
        }
        (0, 0b010) => {
            let uimm = bits(h, 12, 10) << 3 | bit(h, 6) << 2 | bit(h, 5) << 6;
            r(Op::Lw, rdp, rs1p, 0, uimm as i32, "c.lw")
        }
        (0, 0b011) if rv64 => {
            let uimm = bits(h, 12, 10) << 3 | bits(h, 6, 5) << 6;
            r(Op::Ld, rdp, rs1p, 0, uimm as i32, "c.ld")
        }
        (0, 0b110) => {
            let uimm = bits(h, 12, 10) << 3 | bit(h, 6) << 2 | bit(h, 5) << 6;
            r(Op::Sw, 0, rs1p, rdp, uimm as i32, "c.sw")
        }
        (0, 0b111) if rv64 => {
            let uimm = bits(h, 12, 10) << 3 | bits(h, 6, 5) << 6;
            r(Op::Sd, 0, rs1p, rdp, uimm as i32, "c.sd")
        }
        // ---------------- quadrant 1 ----------------
        (1, 0b000) => {
            let name = if rd == 0 { "c.nop" } else { "c.addi" };
            r(Op::Addi, rd, rd, 0, ci_imm(h), name)
        }
        (1, 0b001) if !rv64 => r(Op::Jal, 1, 0, 0, cj_offset(h), "c.jal"),
        (1, 0b001) => {
            if rd == 0 {
                return None;
            }
            r(Op::Addiw, rd, rd, 0, ci_imm(h), "c.addiw")
        }
        (1, 0b010) => r(Op::Addi, rd, 0, 0, ci_imm(h), "c.li"),
        (1, 0b011) if rd == 2 => {
            let imm = bit(h, 12) << 9
                | bit(h, 6) << 4
                | bit(h, 5) << 6
                | bits(h, 4, 3) << 7
                | bit(h, 2) << 5;
            if imm == 0 {
                return None;
            }
            r(Op::Addi, 2, 2, 0, sext(imm, 10), "c.addi16sp")
        }
        (1, 0b011) => {
            let imm = bit(h, 12) << 17 | bits(h, 6, 2) << 12;
            if imm == 0 {
                return None;
            }
            r(Op::Lui, rd, 0, 0, sext(imm, 18), "c.lui")
        }
        (1, 0b100) => {
            let rd = rs1p;
            match bits(h, 11, 10) {
                0b00 | 0b01 => {
                    let shamt = ci_shamt(h);
                    if !rv64 && shamt & 0x20 != 0 {
                        return None;
                    }
                    if bits(h, 11, 10) == 0 {
                        r(Op::Srli, rd, rd, 0, shamt as i32, "c.srli")
                    } else {
                        r(Op::Srai, rd, rd, 0, shamt as i32, "c.srai")
                    }
                }
                0b10 => r(Op::Andi, rd, rd, 0, ci_imm(h), "c.andi"),
                _ => match (bit(h, 12), bits(h, 6, 5)) {
                    (0, 0b00) => r(Op::Sub, rd, rd, rdp, 0, "c.sub"),
                    (0, 0b01) => r(Op::Xor, rd, rd, rdp, 0, "c.xor"),
                    (0, 0b10) => r(Op::Or, rd, rd, rdp, 0, "c.or"),
                    (0, 0b11) => r(Op::And, rd, rd, rdp, 0, "c.and"),
                    (1, 0b00) if rv64 => r(Op::Subw, rd, rd, rdp, 0, "c.subw"),
                    (1, 0b01) if rv64 => r(Op::Addw, rd, rd, rdp, 0, "c.addw"),
                    _ => None,
                },
            }
        }
        (1, 0b101) => r(Op::Jal, 0, 0, 0, cj_offset(h), "c.j"),
        (1, 0b110) => r(Op::Beq, 0, rs1p, 0, cb_offset(h), "c.beqz"),
        (1, 0b111) => r(Op::Bne, 0, rs1p, 0, cb_offset(h), "c.bnez"),
        // ---------------- quadrant 2 ----------------
        (2, 0b000) => {
            let shamt = ci_shamt(h);
            if !rv64 && shamt & 0x20 != 0 {
                return None;
            }
            r(Op::Slli, rd, rd, 0, shamt as i32, "c.slli")
        }
        (2, 0b010) => {
            if rd == 0 {
                return None;
            }
            let uimm = bit(h, 12) << 5 | bits(h, 6, 4) << 2 | bits(h, 3, 2) << 6;
            r(Op::Lw, rd, 2, 0, uimm as i32, "c.lwsp")
        }
        (2, 0b011) if rv64 => {
            if rd == 0 {
                return None;
            }
            let uimm = bit(h, 12) << 5 | bits(h, 6, 5) << 3 | bits(h, 4, 2) << 6;
            r(Op::Ld, rd, 2, 0, uimm as i32, "c.ldsp")
        }
        (2, 0b100) => match (bit(h, 12), rd, rs2) {
            (0, 0, 0) => None, // c.jr with rs1 = x0 is reserved
            (0, rs1, 0) => r(Op::Jalr, 0, rs1, 0, 0, "c.jr"),
            (0, rd, rs2) => r(Op::Add, rd, 0, rs2, 0, "c.mv"),
            (1, 0, 0) => r(Op::Ebreak, 0, 0, 0, 0, "c.ebreak"),
            (1, rs1, 0) => r(Op::Jalr, 1, rs1, 0, 0, "c.jalr"),
            (_, rd, rs2) => r(Op::Add, rd, rd, rs2, 0, "c.add"),
        },
        (2, 0b110) => {
            let uimm = bits(h, 12, 9) << 2 | bits(h, 8, 7) << 6;
            r(Op::Sw, 0, 2, rs2, uimm as i32, "c.swsp")
        }
        (2, 0b111) if rv64 => {
            let uimm = bits(h, 12, 10) << 3 | bits(h, 9, 7) << 6;
            r(Op::Sd, 0, 2, rs2, uimm as i32, "c.sdsp")
        }
        // c.fld/c.fsd/c.flw/c.fsw/c.fldsp/c.fsdsp/c.flwsp/c.fswsp (no F/D) and quadrant-0
        // funct3 100 (reserved).
        _ => None,
    }
}
