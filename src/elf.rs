//! ELF loading and validation (goblin). TODO(helper): implement `load`.

use thiserror::Error;

use crate::program::Program;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum ElfError {
    #[error("not an ELF file")]
    NotElf,
}

/// Parse and validate a RISC-V executable.
pub fn load(_bytes: &[u8]) -> Result<Program, ElfError> {
    Err(ElfError::NotElf)
}
