//! A guest ready to run: program, address space, hart and host services.
//! TODO(helper): construction from a RunConfig.

use std::sync::Arc;

use crate::cpu::Cpu;
use crate::host::Host;
use crate::memory::GuestMemory;
use crate::program::Program;

pub struct Machine {
    pub program: Arc<Program>,
    pub mem: GuestMemory,
    pub cpu: Cpu,
    pub host: Host,
}
