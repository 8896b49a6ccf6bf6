//! Typed errors of witness recording and replay.

use std::path::PathBuf;

use thiserror::Error;

/// What differs between a replay and what the records say.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum Difference {
    #[error("pc is {found:#x}, expected {expected:#x}")]
    Pc { expected: u64, found: u64 },
    #[error("cycle is {found}, expected {expected}")]
    Cycle { expected: u64, found: u64 },
    #[error("register x{reg} is {found:#x}, expected {expected:#x}")]
    Register { reg: u8, expected: u64, found: u64 },
    #[error("LR reservation is {found:#x}, expected {expected:#x}")]
    Reservation { expected: u64, found: u64 },
    #[error("run stopped with {found}, expected {expected}")]
    Stop { expected: String, found: String },
    #[error("the record has no value left for the {size}-byte load from {addr:#x} at pc {pc:#x}")]
    LoadsExhausted { pc: u64, addr: u64, size: u64 },
    #[error("{bytes} bytes of recorded load values were not consumed")]
    LeftoverLoads { bytes: u64 },
    #[error("the record has no service result left for the service call at pc {pc:#x}")]
    ServicesExhausted { pc: u64 },
    #[error("{count} recorded service results were not consumed")]
    LeftoverServices { count: u64 },
    #[error("service call at cycle {found}, but the record's next service result is for cycle {expected}")]
    ServiceCycle { expected: u64, found: u64 },
    #[error("{bytes} bytes of recorded service data were not consumed")]
    LeftoverData { bytes: u64 },
    #[error("chunk starts at cycle {found}, but the previous chunk ends at cycle {expected}")]
    NotContiguous { expected: u64, found: u64 },
}

/// A replay that does not end where the records say.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("chunk {chunk}: replay differs at cycle {cycle}: {difference}")]
pub struct Mismatch {
    pub chunk: u64,
    /// The cycle count when the difference was seen.
    pub cycle: u64,
    pub difference: Difference,
}

#[derive(Debug, Error)]
pub enum WitnessError {
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("not an rvjit {what} (bad magic bytes)")]
    BadMagic { what: &'static str },
    #[error("{what} has format version {found}; this rvjit reads version {supported}")]
    VersionMismatch {
        what: &'static str,
        found: u16,
        supported: u16,
    },
    #[error("{what} is truncated: {len} bytes, at least {needed} needed")]
    Truncated {
        what: &'static str,
        len: u64,
        needed: u64,
    },
    #[error("{what} is corrupted: checksum mismatch")]
    ChecksumMismatch { what: &'static str },
    #[error("{what} is corrupted: {reason}")]
    Corrupt { what: &'static str, reason: String },
    #[error("the records were made from a different ELF (sha256 {expected}), not this one (sha256 {found})")]
    WrongElf { expected: String, found: String },
    #[error("chunk {chunk} does not exist: the run has {count} chunks")]
    NoSuchChunk { chunk: u64, count: u64 },
    #[error("{}: {source}", path.display())]
    Elf {
        path: PathBuf,
        source: crate::elf::ElfError,
    },
    #[error("cannot start {jobs} replay threads: {reason}")]
    Threads { jobs: usize, reason: String },
    #[error("chunk size must be at least 1")]
    ZeroChunkSize,
    #[error(transparent)]
    Mismatch(#[from] Box<Mismatch>),
}

impl WitnessError {
    pub fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> WitnessError {
        WitnessError::Io {
            action,
            path: path.into(),
            source,
        }
    }

    pub fn corrupt(what: &'static str, reason: impl Into<String>) -> WitnessError {
        WitnessError::Corrupt {
            what,
            reason: reason.into(),
        }
    }

    /// The mismatch, if this is one.
    pub fn mismatch(&self) -> Option<&Mismatch> {
        match self {
            WitnessError::Mismatch(m) => Some(m),
            _ => None,
        }
    }
}
