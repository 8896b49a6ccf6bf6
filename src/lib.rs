//! rvjit: run bare-metal RISC-V (RV32/RV64 IMAC) zkVM guests at native speed.
//!
//! Data flows ELF -> [`program::Program`] (validated segments, symbols, decoded code) ->
//! [`machine::Machine`] (address space, hart, host services) -> an engine ([`interp`], the
//! executable specification, or [`jit`], the translator) -> [`outcome::Stop`].

pub mod cpu;
pub mod elf;
pub mod host;
pub mod interp;
pub mod isa;
pub mod jit;
pub mod machine;
pub mod memory;
pub mod outcome;
pub mod program;
pub mod witness;

pub use runtime_abi::abi;
