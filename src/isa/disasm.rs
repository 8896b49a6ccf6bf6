//! Disassembler derived from the instruction table. TODO(helper): implement.

use super::{Instr, Xlen};

/// objdump-style (`-M no-aliases`) text of one instruction at `pc`.
pub fn disasm(ins: &Instr, _pc: u64, _xlen: Xlen) -> String {
    ins.op.mnemonic().to_string()
}
