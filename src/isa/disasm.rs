//! Disassembler derived from the instruction table. TODO(helper): implement.
