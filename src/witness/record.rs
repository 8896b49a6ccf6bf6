//! Recording: the [`Recorder`] API that any engine feeds, and the interpreter-based recording
//! run ([`record_run`]).
//!
//! An engine in recording mode calls, per chunk: [`Recorder::begin_chunk`] with the hart at
//! the chunk's first instruction; [`Recorder::load`] with the value of every data load (plain
//! loads, LR, the old value of AMOs) in program order; for every service call
//! [`Recorder::begin_service`], the host's `*_observed` entry point with the recorder as the
//! [`EffectObserver`], then [`Recorder::end_service`]; and [`Recorder::end_chunk`] when the
//! cycle count reaches the chunk's end or the run stops. The plain run pays nothing: the
//! recording bus is a separate monomorphisation of the interpreter.

use std::sync::Arc;

use crate::cpu::Cpu;
use crate::host::{EffectObserver, Service};
use crate::interp::{self, Bus, MachineBus};
use crate::isa::{Instr, Xlen};
use crate::machine::Machine;
use crate::outcome::{FaultKind, Stop};

use super::error::WitnessError;
use super::format::{ChunkRecord, FinalStop, HartState, Manifest, OutputDigest, ServiceEntry};

/// The open chunk's streams.
pub struct Recorder {
    xlen: Xlen,
    elf_sha256: [u8; 32],
    index: u64,
    start: HartState,
    loads: Vec<u8>,
    services: Vec<u8>,
    service_count: u64,
    data: Vec<u8>,
    /// The service call in progress, and where its bytes start in `data`.
    pending: ServiceEntry,
    data_mark: usize,
}

impl Recorder {
    pub fn new(xlen: Xlen, elf_sha256: [u8; 32]) -> Recorder {
        Recorder {
            xlen,
            elf_sha256,
            index: 0,
            start: HartState::of(&Cpu::new(xlen, 0)),
            loads: Vec::new(),
            services: Vec::new(),
            service_count: 0,
            data: Vec::new(),
            pending: ServiceEntry::default(),
            data_mark: 0,
        }
    }

    /// Chunks finished so far (= the index of the next one).
    pub fn chunks(&self) -> u64 {
        self.index
    }

    /// Open a chunk whose first instruction is the hart's next one.
    pub fn begin_chunk(&mut self, cpu: &Cpu) {
        self.start = HartState::of(cpu);
        self.loads.clear();
        self.services.clear();
        self.service_count = 0;
        self.data.clear();
    }

    /// A data load of `size` (1, 2, 4 or 8) bytes returned `value` (zero-extended).
    #[inline(always)]
    pub fn load(&mut self, value: u64, size: u64) {
        let bytes = value.to_le_bytes();
        self.loads
            .extend_from_slice(&bytes[..(size as usize).min(8)]);
    }

    /// A service call starts; its effects arrive through [`EffectObserver`].
    pub fn begin_service(&mut self) {
        self.pending.regs.clear();
        self.pending.writes.clear();
        self.data_mark = self.data.len();
    }

    /// The service call at `cycle` ended with `result`. A faulting call ends the run and is
    /// not recorded (the manifest holds the fault); its partial effects, if any, are dropped.
    pub fn end_service(&mut self, cycle: u64, result: &Result<Service, FaultKind>) {
        match result {
            Ok(service) => {
                self.pending.cycle = cycle;
                self.pending.exit = match service {
                    Service::Continue => None,
                    Service::Exit(code) => Some(*code),
                };
                self.pending.encode(&mut self.services);
                self.service_count += 1;
            }
            Err(_) => self.data.truncate(self.data_mark),
        }
    }

    /// Close the chunk at `end_cycle` and return its record.
    pub fn end_chunk(&mut self, end_cycle: u64) -> ChunkRecord {
        let record = ChunkRecord {
            xlen: self.xlen,
            elf_sha256: self.elf_sha256,
            index: self.index,
            start: self.start.clone(),
            end_cycle,
            loads: std::mem::take(&mut self.loads),
            service_count: self.service_count,
            services: std::mem::take(&mut self.services),
            data: std::mem::take(&mut self.data),
        };
        self.index += 1;
        record
    }
}

impl EffectObserver for Recorder {
    fn register(&mut self, r: u8, value: u64) {
        self.pending.regs.push((r, value));
    }

    fn memory(&mut self, addr: u64, bytes: &[u8]) {
        // Consecutive writes (bounce-buffer chunks of one copy) merge into one range.
        match self.pending.writes.last_mut() {
            Some((a, len)) if a.checked_add(*len) == Some(addr) => *len += bytes.len() as u64,
            _ => self.pending.writes.push((addr, bytes.len() as u64)),
        }
        self.data.extend_from_slice(bytes);
    }
}

/// The interpreter's recording bus: the machine's memory and host, with every load value and
/// service effect logged to a [`Recorder`].
pub struct RecordingBus<'a> {
    pub inner: MachineBus<'a>,
    pub rec: &'a mut Recorder,
}

impl Bus for RecordingBus<'_> {
    #[inline(always)]
    fn load(&mut self, addr: u64, size: u64) -> Result<u64, FaultKind> {
        let value = self.inner.load(addr, size)?;
        self.rec.load(value, size);
        Ok(value)
    }

    #[inline(always)]
    fn store(&mut self, addr: u64, size: u64, value: u64) -> Result<(), FaultKind> {
        self.inner.store(addr, size, value)
    }

    #[inline]
    fn atomic_check(&mut self, addr: u64, size: u64, store: bool) -> Result<(), FaultKind> {
        self.inner.atomic_check(addr, size, store)
    }

    fn ecall(&mut self, cpu: &mut Cpu) -> Result<Service, FaultKind> {
        self.rec.begin_service();
        let result = self.inner.ecall_observed(cpu, &mut *self.rec);
        self.rec.end_service(cpu.cycle, &result);
        result
    }

    fn custom0(&mut self, ins: &Instr, cpu: &mut Cpu) -> Result<Service, FaultKind> {
        self.rec.begin_service();
        let result = self.inner.custom0_observed(ins, cpu, &mut *self.rec);
        self.rec.end_service(cpu.cycle, &result);
        result
    }
}

/// Where finished chunk records go.
pub trait ChunkSink {
    fn chunk(&mut self, record: &ChunkRecord) -> Result<(), WitnessError>;
}

/// Keeps encoded records in memory (tests, small runs).
#[derive(Default)]
pub struct MemorySink {
    pub chunks: Vec<Vec<u8>>,
}

impl ChunkSink for MemorySink {
    fn chunk(&mut self, record: &ChunkRecord) -> Result<(), WitnessError> {
        self.chunks.push(record.encode());
        Ok(())
    }
}

/// A finished recording run.
pub struct RecordedRun {
    pub stop: Stop,
    pub manifest: Manifest,
}

/// Run `m` in the interpreter up to `cycle_limit` (absolute), cutting it into chunks of
/// `chunk_size` cycles, each passed to `sink` as soon as it ends. The last chunk may be
/// shorter, and holds zero cycles when the run stops on a chunk boundary with a fault or
/// breakpoint. `elf_sha256` identifies the program in every record.
pub fn record_run(
    m: &mut Machine,
    elf_sha256: [u8; 32],
    chunk_size: u64,
    cycle_limit: u64,
    sink: &mut dyn ChunkSink,
) -> Result<RecordedRun, WitnessError> {
    if chunk_size == 0 {
        return Err(WitnessError::ZeroChunkSize);
    }
    let program = Arc::clone(&m.program);
    let mut rec = Recorder::new(program.xlen, elf_sha256);
    let stop = loop {
        let Machine { mem, cpu, host, .. } = &mut *m;
        rec.begin_chunk(cpu);
        let chunk_end = cpu.cycle.saturating_add(chunk_size).min(cycle_limit);
        let bus = RecordingBus {
            inner: MachineBus { mem, host },
            rec: &mut rec,
        };
        let stop = interp::run_with(&program.code, cpu, bus, chunk_end);
        let record = rec.end_chunk(cpu.cycle);
        sink.chunk(&record)?;
        if !(stop == Stop::CycleLimit && cpu.cycle < cycle_limit) {
            break stop;
        }
    };
    let manifest = Manifest {
        xlen: program.xlen,
        elf_sha256,
        chunk_size,
        chunk_count: rec.chunks(),
        final_state: HartState::of(&m.cpu),
        stop: FinalStop::of(&stop),
        public_output: OutputDigest::of(m.host.public_output()),
        stdout: OutputDigest::of(m.host.stdout()),
        stderr: OutputDigest::of(m.host.stderr()),
    };
    Ok(RecordedRun { stop, manifest })
}
