//! Disassembler derived from the instruction table.
//!
//! The text matches GNU objdump `-d -M no-aliases` (binutils 2.40) for every instruction rvjit
//! accepts: mnemonic, a tab, operands joined by `,` with ABI register names. Branch and jump
//! targets are absolute hex addresses without `0x` (objdump then appends ` <symbol>`, which
//! needs a symbol table and is left to callers). Compressed instructions print under their
//! `c.*` names with objdump's operand order.
//!
//! Deliberate differences, all outside what objdump can disassemble the same way:
//! - illegal encodings print as objdump prints unknown ones: `.2byte\t0x…` / `.4byte\t0x…`
//!   (also for encodings objdump knows but rvjit rejects, e.g. `c.unimp`, `csrrw`, F/D);
//! - OpenVM custom-0 operations print with their names (objdump shows `.4byte`): I-forms as
//!   `rd,rs1,imm` (the imm omitted when the table row fixes it), `keccakf` as `rd,rs1,rs2`;
//! - an empty fence predecessor/successor set prints as `0` (binutils 2.40 prints `unknown`);
//!   non-canonical FENCE/FENCE.I encodings (reserved fm, rd, rs1 or imm bits), which execute
//!   as the plain fence, print as that fence.

use std::fmt::Write;

use super::{compressed, Format, Instr, Op, Xlen};
use crate::cpu::REG_NAMES;

/// objdump-style (`-M no-aliases`) text of one instruction at `pc`.
pub fn disasm(ins: &Instr, pc: u64, xlen: Xlen) -> String {
    let text = if ins.op == Op::Illegal {
        None
    } else if ins.is_compressed() {
        compressed_text(ins, pc, xlen)
    } else {
        full_text(ins, pc, xlen)
    };
    text.unwrap_or_else(|| {
        if ins.is_compressed() {
            format!(".2byte\t{:#x}", ins.raw & 0xffff)
        } else {
            format!(".4byte\t{:#x}", ins.raw)
        }
    })
}

fn reg(r: u8) -> &'static str {
    REG_NAMES[(r & 31) as usize]
}

/// Absolute branch/jump target as objdump prints it (hex, no prefix, wrapped to XLEN).
fn target(pc: u64, offset: i32, xlen: Xlen) -> String {
    format!("{:x}", xlen.trunc(pc.wrapping_add(offset as i64 as u64)))
}

/// The 20-bit field of LUI/AUIPC/C.LUI from the already-shifted immediate.
fn upper(imm: i32) -> String {
    format!("{:#x}", (imm as u32 >> 12) & 0xf_ffff)
}

fn csr_name(csr: u16) -> String {
    match csr {
        super::CSR_CYCLE => "cycle".into(),
        super::CSR_TIME => "time".into(),
        super::CSR_INSTRET => "instret".into(),
        super::CSR_CYCLEH => "cycleh".into(),
        super::CSR_TIMEH => "timeh".into(),
        super::CSR_INSTRETH => "instreth".into(),
        other => format!("{other:#x}"),
    }
}

/// `.aq`, `.rl` or `.aqrl` from bits 26:25 of an A-extension encoding.
fn aqrl(raw: u32) -> &'static str {
    match (raw >> 25) & 3 {
        0 => "",
        1 => ".rl",
        2 => ".aq",
        _ => ".aqrl",
    }
}

/// A FENCE predecessor/successor set (`iorw` order), `0` when empty.
fn fence_set(bits: u32) -> String {
    let s: String = [(8, 'i'), (4, 'o'), (2, 'r'), (1, 'w')]
        .iter()
        .filter(|(b, _)| bits & b != 0)
        .map(|&(_, c)| c)
        .collect();
    if s.is_empty() {
        "0".into()
    } else {
        s
    }
}

fn full_text(ins: &Instr, pc: u64, xlen: Xlen) -> Option<String> {
    let info = ins.op.info()?;
    let mn = info.mnemonic;
    let (rd, rs1, rs2, imm) = (reg(ins.rd), reg(ins.rs1), reg(ins.rs2), ins.imm);
    let text = match info.format {
        Format::R => format!("{mn}\t{rd},{rs1},{rs2}"),
        Format::I => format!("{mn}\t{rd},{rs1},{imm}"),
        Format::Load => format!("{mn}\t{rd},{imm}({rs1})"),
        Format::S => format!("{mn}\t{rs2},{imm}({rs1})"),
        Format::B => format!("{mn}\t{rs1},{rs2},{}", target(pc, imm, xlen)),
        Format::U => format!("{mn}\t{rd},{}", upper(imm)),
        Format::J => format!("{mn}\t{rd},{}", target(pc, imm, xlen)),
        Format::Shift => format!("{mn}\t{rd},{rs1},{imm:#x}"),
        Format::Amo => format!("{mn}{}\t{rd},{rs2},({rs1})", aqrl(ins.raw)),
        Format::Lr => format!("{mn}{}\t{rd},({rs1})", aqrl(ins.raw)),
        Format::Csr => {
            let csr = csr_name(imm as u16);
            let src = (ins.raw >> 15) & 31;
            match ins.op {
                // Immediate forms show the 5-bit uimm, register forms the register.
                Op::Csrrsi | Op::Csrrci => format!("{mn}\t{rd},{csr},{src}"),
                _ => format!("{mn}\t{rd},{csr},{}", reg(src as u8)),
            }
        }
        Format::None => match ins.op {
            Op::Fence if ins.raw == 0x8330_000f => "fence.tso".into(),
            Op::Fence => {
                let pred = (ins.raw >> 24) & 0xf;
                let succ = (ins.raw >> 20) & 0xf;
                format!("fence\t{},{}", fence_set(pred), fence_set(succ))
            }
            _ => mn.into(),
        },
        Format::CustomI => {
            let mut s = format!("{mn}\t{rd},{rs1}");
            if info.mask & 0xfff0_0000 != 0xfff0_0000 {
                let _ = write!(s, ",{imm}");
            }
            s
        }
        Format::CustomR => format!("{mn}\t{rd},{rs1},{rs2}"),
    };
    Some(text)
}

fn compressed_text(ins: &Instr, pc: u64, xlen: Xlen) -> Option<String> {
    let name = compressed::name(ins.raw as u16, xlen)?;
    let (rd, rs1, rs2, imm) = (reg(ins.rd), reg(ins.rs1), reg(ins.rs2), ins.imm);
    let text = match name {
        "c.addi4spn" => format!("{name}\t{rd},sp,{imm}"),
        "c.lw" | "c.ld" | "c.lwsp" | "c.ldsp" => format!("{name}\t{rd},{imm}({rs1})"),
        "c.sw" | "c.sd" | "c.swsp" | "c.sdsp" => format!("{name}\t{rs2},{imm}({rs1})"),
        // objdump -M no-aliases shows c.nop (and its HINT variants) as c.addi on zero.
        "c.nop" => format!("c.addi\t{rd},{imm}"),
        "c.addi" | "c.addiw" | "c.li" | "c.andi" => format!("{name}\t{rd},{imm}"),
        "c.addi16sp" => format!("{name}\tsp,{imm}"),
        "c.lui" => format!("{name}\t{rd},{}", upper(imm)),
        // A zero shift amount is the RV128 `c.*64` HINT form, printed with just the register.
        "c.slli" | "c.srli" | "c.srai" if imm == 0 => format!("{name}64\t{rd}"),
        "c.slli" | "c.srli" | "c.srai" => format!("{name}\t{rd},{imm:#x}"),
        "c.sub" | "c.xor" | "c.or" | "c.and" | "c.subw" | "c.addw" | "c.mv" | "c.add" => {
            format!("{name}\t{rd},{rs2}")
        }
        "c.j" | "c.jal" => format!("{name}\t{}", target(pc, imm, xlen)),
        "c.beqz" | "c.bnez" => format!("{name}\t{rs1},{}", target(pc, imm, xlen)),
        "c.jr" | "c.jalr" => format!("{name}\t{rs1}"),
        "c.ebreak" => name.into(),
        _ => return None,
    };
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::isa::decode;

    fn d(word: u32, pc: u64, xlen: Xlen) -> String {
        disasm(&decode(word, xlen), pc, xlen)
    }

    #[test]
    fn objdump_style_text() {
        assert_eq!(d(0xfff50513, 0, Xlen::X32), "addi\ta0,a0,-1");
        assert_eq!(d(0xfeb502e3, 0x1c, Xlen::X32), "beq\ta0,a1,0");
        assert_eq!(d(0xfeb50ee3, 0, Xlen::X32), "beq\ta0,a1,fffffffc");
        assert_eq!(d(0xfeb50ee3, 0, Xlen::X64), "beq\ta0,a1,fffffffffffffffc");
        assert_eq!(d(0x1ec5a52f, 0, Xlen::X32), "sc.w.aqrl\ta0,a2,(a1)");
        assert_eq!(d(0xc0006573, 0, Xlen::X32), "csrrsi\ta0,cycle,0");
        assert_eq!(d(0x0000000f, 0, Xlen::X32), "fence\t0,0");
        assert_eq!(d(0x8330000f, 0, Xlen::X32), "fence.tso");
        assert_eq!(d(0x0001, 0, Xlen::X32), "c.addi\tzero,0");
        assert_eq!(d(0x0502, 0, Xlen::X64), "c.slli64\ta0");
        assert_eq!(d(0x0000, 0, Xlen::X32), ".2byte\t0x0");
        assert_eq!(d(0xc0001073, 0, Xlen::X32), ".4byte\t0xc0001073");
        assert_eq!(d(0x0050000b, 0, Xlen::X32), "terminate\tzero,zero,5");
        assert_eq!(d(0x0000150b, 0, Xlen::X32), "hintstorew\ta0,zero");
        assert_eq!(d(0x0005c50b, 0, Xlen::X32), "keccakf\ta0,a1,zero");
    }
}
