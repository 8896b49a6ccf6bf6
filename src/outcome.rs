//! How a run ends. Faults are values carrying where (pc, cycle) and what (address, bits).

use thiserror::Error;

/// What went wrong, without the location.
#[derive(Clone, Debug, PartialEq, Eq, Error, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultKind {
    #[error("illegal instruction {bits:#010x}")]
    IllegalInstruction { bits: u32 },
    #[error("instruction fetch from non-executable address {addr:#x}")]
    InstructionFetch { addr: u64 },
    #[error("load of {size} bytes from unmapped or unreadable address {addr:#x}")]
    LoadAccess { addr: u64, size: u64 },
    #[error("store of {size} bytes to unmapped address {addr:#x}")]
    StoreAccess { addr: u64, size: u64 },
    #[error("store of {size} bytes to read-only or code address {addr:#x}")]
    StoreReadOnly { addr: u64, size: u64 },
    #[error("misaligned {size}-byte load from {addr:#x} (--misaligned=trap)")]
    MisalignedLoad { addr: u64, size: u64 },
    #[error("misaligned {size}-byte store to {addr:#x} (--misaligned=trap)")]
    MisalignedStore { addr: u64, size: u64 },
    #[error("unknown service call {number:#x}")]
    UnknownService { number: u64 },
    #[error(
        "service {service} called with bad argument: {reason} (address {addr:#x}, length {len})"
    )]
    BadServiceArgument {
        service: &'static str,
        addr: u64,
        len: u64,
        reason: &'static str,
    },
    #[error("{limit} limit of {max} bytes exceeded")]
    OutputLimit { limit: &'static str, max: u64 },
}

/// A fault with its location: the pc of the faulting instruction and the number of
/// instructions retired before it (the faulting instruction does not retire).
#[derive(Clone, Debug, PartialEq, Eq, Error, serde::Serialize)]
#[error("{kind} at pc {pc:#x} after {cycle} cycles")]
pub struct Fault {
    #[serde(flatten)]
    pub kind: FaultKind,
    pub pc: u64,
    pub cycle: u64,
}

/// Why execution stopped.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "stop", rename_all = "snake_case")]
pub enum Stop {
    /// The guest exited (ecall exit/exit_group or custom-0 terminate) with this code. The exit
    /// instruction retires.
    Exit { code: u64 },
    /// The guest faulted; see [`Fault`].
    Fault(Fault),
    /// `ebreak` at this pc (it does not retire).
    Breakpoint { pc: u64 },
    /// The cycle limit was reached exactly; the run can be resumed from the current state.
    CycleLimit,
}

impl Stop {
    pub fn is_exit(&self) -> bool {
        matches!(self, Stop::Exit { .. })
    }
}
