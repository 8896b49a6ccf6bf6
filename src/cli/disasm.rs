//! `rvjit disasm`: an objdump-like listing of the executable segments, using the same decoder
//! and disassembler as the engines (so it shows exactly what rvjit will execute).

use std::io::{BufWriter, ErrorKind, Write};

use rvjit::isa::disasm::disasm as disasm_one;
use rvjit::isa::{Format, Instr, Op, Xlen};
use rvjit::memory::PERM_X;
use rvjit::program::{Program, Symbol};

use super::args::DisasmArgs;
use super::error::CliError;
use super::run::load_program;
use super::symbols;

pub fn disasm(args: &DisasmArgs) -> Result<i32, CliError> {
    let program = load_program(&args.elf)?;
    let mut out = BufWriter::new(std::io::stdout().lock());
    match write_listing(&mut out, &program, &args.elf.display().to_string())
        .and_then(|()| out.flush())
    {
        Ok(()) => Ok(0),
        // `rvjit disasm x | head` is fine.
        Err(e) if e.kind() == ErrorKind::BrokenPipe => Ok(0),
        Err(e) => Err(CliError::new(
            format!("cannot write the listing: {e}"),
            "check where stdout goes",
        )),
    }
}

/// The instruction bytes as objdump shows them: the 16- or 32-bit value in hex.
fn encoding(bytes: &[u8]) -> String {
    match *bytes {
        [a, b] => format!("{:04x}", u16::from_le_bytes([a, b])),
        [a, b, c, d] => format!("{:08x}", u32::from_le_bytes([a, b, c, d])),
        _ => bytes.iter().map(|b| format!("{b:02x}")).collect(),
    }
}

/// objdump's ` <symbol+0xoff>` after a direct branch or jump target.
fn target_note(ins: &Instr, pc: u64, p: &Program) -> String {
    let direct = ins
        .op
        .info()
        .is_some_and(|row| matches!(row.format, Format::B | Format::J));
    if !direct {
        return String::new();
    }
    let target = p.xlen.trunc(pc.wrapping_add(ins.imm as i64 as u64));
    symbols::nearest(p, target).map_or_else(String::new, |d| format!(" <{d}>"))
}

pub fn write_listing(out: &mut impl Write, p: &Program, name: &str) -> std::io::Result<()> {
    let bits = p.xlen.bits();
    let width = if p.xlen == Xlen::X64 { 16 } else { 8 };
    writeln!(out, "{name}:     file format elf{bits}-littleriscv")?;
    writeln!(out, "entry point {:#x}", p.entry)?;
    for seg in p.segments.iter().filter(|s| s.perm & PERM_X != 0) {
        let end = seg.vaddr + seg.data.len() as u64;
        writeln!(
            out,
            "\nDisassembly of segment {:#x}..{:#x}:",
            seg.vaddr,
            seg.vaddr + seg.memsz
        )?;
        // Symbols of this segment, in address order (Program keeps them sorted).
        let syms: Vec<&Symbol> = p
            .functions
            .iter()
            .filter(|s| s.addr >= seg.vaddr && s.addr < end)
            .collect();
        let mut next_sym = 0;
        let mut pc = seg.vaddr;
        while pc < end {
            while next_sym < syms.len() && syms[next_sym].addr <= pc {
                if syms[next_sym].addr == pc {
                    writeln!(
                        out,
                        "\n{pc:0width$x} <{}>:",
                        symbols::display_name(&syms[next_sym].name)
                    )?;
                }
                next_sym += 1;
            }
            let off = (pc - seg.vaddr) as usize;
            let left = seg.data.len() - off;
            let ins = p.code.fetch(pc);
            let mut len = ins.map_or(2, |i| usize::from(i.len)).min(left);
            // Resynchronise at a symbol that starts inside this instruction, as objdump does.
            if let Some(s) = syms.get(next_sym) {
                if s.addr < pc + len as u64 {
                    len = (s.addr - pc) as usize;
                }
            }
            let text = match ins {
                Some(i) if usize::from(i.len) == len && i.op != Op::Illegal => {
                    disasm_one(i, pc, p.xlen) + &target_note(i, pc, p)
                }
                Some(i) if usize::from(i.len) == len => {
                    format!("{}\t# illegal", disasm_one(i, pc, p.xlen))
                }
                _ => format!(".{len}byte\t# cut off"),
            };
            let bytes = &seg.data[off..off + len];
            writeln!(out, "{pc:>8x}:\t{:<20}\t{text}", encoding(bytes))?;
            pc += len as u64;
        }
        if seg.memsz > seg.data.len() as u64 {
            writeln!(
                out,
                "\t... {:#x} zero bytes to {:#x}",
                seg.memsz - seg.data.len() as u64,
                seg.vaddr + seg.memsz
            )?;
        }
    }
    Ok(())
}
