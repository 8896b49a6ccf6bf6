//! The host-service table: everything a guest can ask of the host, behind two doors —
//! `ecall` with the service number in a7 ([`Host::ecall`]) and the OpenVM custom-0
//! instructions ([`Host::custom0`]). Both doors lead to the same state (input cursors, hint
//! streams, outputs, random stream). Semantics: docs/ARCHITECTURE.md, "Host services".
//!
//! Every service validates its guest-controlled arguments (checked arithmetic, pointers
//! checked before any effect, nothing allocated from an unchecked length) and answers a bad
//! call with a `FaultKind`, never a panic. Guest-visible effects go through [`effects`].

mod config;
mod custom0;
mod effects;
mod hint_stream;
mod io;
mod output;
mod precompiles;
mod random;

pub use config::{HostConfig, HostConfigError, Limits, MAX_FRAME_LEN};
pub use effects::EffectObserver;
pub use output::{OUTPUT_LIMIT, STDOUT_LIMIT};

use crate::abi;
use crate::cpu::{reg, Cpu};
use crate::isa::Instr;
use crate::memory::GuestMemory;
use crate::outcome::FaultKind;

use effects::Guest;
use hint_stream::HintStream;
use output::Outputs;
use random::RandomStream;

/// What the guest should do after a service call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    Continue,
    Exit(u64),
}

/// Host-side state of the services: inputs, hints, outputs.
#[derive(Clone, Debug, Default)]
pub struct Host {
    /// Guest address and length of the read-only input blob.
    input_base: u64,
    input_len: u64,
    /// fd-0 `read` cursor: byte offset into the input blob.
    read_pos: u64,
    /// `hintinput` cursor: byte offset of the next frame in the input blob (its own cursor,
    /// independent of `read_pos`).
    input_frame_pos: u64,
    /// HINT_LEN / HINT_READ frames; `hints[next_hint..]` are still to be read.
    hints: Vec<Vec<u8>>,
    next_hint: usize,
    /// The OpenVM hint stream.
    hint_stream: HintStream,
    random: RandomStream,
    out: Outputs,
}

impl Host {
    /// `input_base`/`input_len`: where the input blob (`config.input_blob()`) is mapped in
    /// the guest. Never panics, even on a config that fails [`HostConfig::validate`].
    pub fn new(config: &HostConfig, input_base: u64, input_len: u64) -> Host {
        let limits = &config.limits;
        Host {
            input_base,
            input_len,
            hints: config.hints.clone(),
            out: Outputs {
                max_stdout: limits.max_stdout,
                max_output: limits.max_output,
                echo: config.echo,
                ..Outputs::default()
            },
            ..Host::default()
        }
    }

    /// Everything the guest wrote to fd 1 and with `printstr`.
    pub fn stdout(&self) -> &[u8] {
        &self.out.stdout
    }

    /// Everything the guest wrote to fd 2.
    pub fn stderr(&self) -> &[u8] {
        &self.out.stderr
    }

    /// The public output: fd-3 writes appended, `reveal` words stored at their offsets.
    pub fn public_output(&self) -> &[u8] {
        &self.out.public
    }

    /// Hint frames (HINT_LEN/HINT_READ) not yet consumed.
    pub fn hints_left(&self) -> usize {
        self.hints.len().saturating_sub(self.next_hint)
    }

    /// Bytes of the deterministic random stream consumed so far (getrandom + hintrandom).
    pub fn random_position(&self) -> u64 {
        self.random.position()
    }

    /// Serve the `ecall` whose number is in a7.
    pub fn ecall(&mut self, cpu: &mut Cpu, mem: &mut GuestMemory) -> Result<Service, FaultKind> {
        self.ecall_observed(cpu, mem, None)
    }

    /// [`Host::ecall`], reporting every guest-visible effect to `observer` (witness recording).
    pub fn ecall_observed(
        &mut self,
        cpu: &mut Cpu,
        mem: &mut GuestMemory,
        observer: Option<&mut dyn EffectObserver>,
    ) -> Result<Service, FaultKind> {
        let number = cpu.get(reg::A7);
        let mut g = Guest::observed(cpu, mem, observer);
        let Ok(n) = u32::try_from(number) else {
            return Err(FaultKind::UnknownService { number });
        };
        match n {
            abi::SYS_EXIT | abi::SYS_EXIT_GROUP => return Ok(Service::Exit(g.arg(0))),
            abi::SYS_WRITE => self.sys_write(&mut g)?,
            abi::SYS_READ => self.sys_read(&mut g)?,
            abi::SYS_GETRANDOM => self.sys_getrandom(&mut g)?,
            abi::SYS_INPUT_INFO => {
                g.set_result(reg::A0, self.input_base);
                g.set_result(reg::A1, self.input_len);
            }
            abi::SYS_HINT_LEN => self.sys_hint_len(&mut g),
            abi::SYS_HINT_READ => self.sys_hint_read(&mut g)?,
            abi::SYS_KECCAKF => {
                let state = g.arg(0);
                precompiles::keccakf(&mut g, "keccakf", state)?
            }
            abi::SYS_SHA256_COMPRESS => {
                let (state, block) = (g.arg(0), g.arg(1));
                precompiles::sha256_compress(&mut g, state, block)?
            }
            _ => return Err(FaultKind::UnknownService { number }),
        }
        Ok(Service::Continue)
    }

    /// Serve a custom-0 instruction (OpenVM door).
    pub fn custom0(
        &mut self,
        ins: &Instr,
        cpu: &mut Cpu,
        mem: &mut GuestMemory,
    ) -> Result<Service, FaultKind> {
        self.custom0_observed(ins, cpu, mem, None)
    }

    /// [`Host::custom0`], reporting every guest-visible effect to `observer`.
    pub fn custom0_observed(
        &mut self,
        ins: &Instr,
        cpu: &mut Cpu,
        mem: &mut GuestMemory,
        observer: Option<&mut dyn EffectObserver>,
    ) -> Result<Service, FaultKind> {
        self.serve_custom0(ins, &mut Guest::observed(cpu, mem, observer))
    }
}
