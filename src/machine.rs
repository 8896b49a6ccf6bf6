//! A guest ready to run: program, address space, hart and host services.

use std::sync::Arc;

use crate::cpu::{reg, Cpu};
use crate::host::{Host, HostConfig};
use crate::memory::{GuestMemory, LayoutError, MemoryConfig};
use crate::program::Program;

/// Everything about a run that is not in the ELF.
#[derive(Clone, Debug, Default)]
pub struct RunConfig {
    pub memory: MemoryConfig,
    pub host: HostConfig,
}

pub struct Machine {
    pub program: Arc<Program>,
    pub mem: GuestMemory,
    pub cpu: Cpu,
    pub host: Host,
}

impl Machine {
    /// Lay out the address space and reset the hart to the entry point. `sp` starts at the top
    /// of the RAM window (16-byte aligned); runtime-abi's `_start` sets its own.
    pub fn new(program: Arc<Program>, config: &RunConfig) -> Result<Machine, LayoutError> {
        let blob = config.host.input_blob();
        let mem = GuestMemory::new(&program.segments, program.xlen, &config.memory, &blob)?;
        let mut cpu = Cpu::new(program.xlen, program.entry);
        cpu.set(reg::SP, mem.layout().ram.end & !15);
        let host = Host::new(&config.host, mem.layout().input.start, blob.len() as u64);
        Ok(Machine {
            program,
            mem,
            cpu,
            host,
        })
    }
}
