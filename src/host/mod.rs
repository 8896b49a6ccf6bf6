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

/// Host-side configuration of a run: input frames, hint frames, limits.
#[derive(Clone, Debug, Default)]
pub struct HostConfig {
    /// Input frames, in order (`--input FILE`, repeatable).
    pub inputs: Vec<Vec<u8>>,
    /// Hint frames, in order (`--hint FILE`, repeatable).
    pub hints: Vec<Vec<u8>>,
    pub limits: Limits,
}

impl HostConfig {
    /// The input blob: each frame as a little-endian u32 length followed by its bytes.
    pub fn input_blob(&self) -> Vec<u8> {
        let mut blob = Vec::new();
        for frame in &self.inputs {
            blob.extend_from_slice(&(frame.len() as u32).to_le_bytes());
            blob.extend_from_slice(frame);
        }
        blob
    }
}

/// Host-side state of the services: inputs, hints, outputs.
#[derive(Default)]
pub struct Host {
    pub public_output: Vec<u8>,
}

impl Host {
    /// `input_base`/`input_len`: where the input blob is mapped in the guest.
    pub fn new(_config: &HostConfig, _input_base: u64, _input_len: u64) -> Host {
        Host::default()
    }

    /// Serve the `ecall` whose number is in a7.
    pub fn ecall(&mut self, _cpu: &mut Cpu, _mem: &mut GuestMemory) -> Result<Service, FaultKind> {
        Err(FaultKind::UnknownService { number: 0 })
    }

    /// Serve a custom-0 instruction.
    pub fn custom0(&mut self, _ins: &Instr, _cpu: &mut Cpu, _mem: &mut GuestMemory) -> Result<Service, FaultKind> {
        Err(FaultKind::UnknownService { number: 0 })
    }
}
