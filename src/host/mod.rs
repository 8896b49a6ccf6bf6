//! The host-service table: everything a guest can ask of the host, behind both doors
//! (`ecall` by a7, and the OpenVM custom-0 instructions). TODO(helper): implement.

use crate::cpu::Cpu;
use crate::isa::Instr;
use crate::memory::GuestMemory;
use crate::outcome::FaultKind;

/// What the guest should do after a service call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    Continue,
    Exit(u64),
}

/// Limits a hostile guest cannot pass.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    pub max_output: u64,
    pub max_stdout: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_output: 64 << 20, max_stdout: 64 << 20 }
    }
}

/// Host-side state of the services: inputs, hints, outputs.
#[derive(Default)]
pub struct Host {
    pub public_output: Vec<u8>,
}

impl Host {
    /// Serve the `ecall` whose number is in a7.
    pub fn ecall(&mut self, _cpu: &mut Cpu, _mem: &mut GuestMemory) -> Result<Service, FaultKind> {
        Err(FaultKind::UnknownService { number: 0 })
    }

    /// Serve a custom-0 instruction.
    pub fn custom0(&mut self, _ins: &Instr, _cpu: &mut Cpu, _mem: &mut GuestMemory) -> Result<Service, FaultKind> {
        Err(FaultKind::UnknownService { number: 0 })
    }
}
