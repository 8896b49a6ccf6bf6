//! Recording: the [`Recorder`] API that any engine feeds, and the interpreter-based recording
//! run ([`record_run`]); [`record_run_with`] records with either engine.
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
    /// The previous chunk's load stream capacity: the next chunk reserves that much up front,
    /// so its stream is allocated once instead of growing by doubling (and copying).
    loads_hint: usize,
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
            loads_hint: 0,
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
        self.loads.reserve(self.loads_hint);
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

    /// Room for an engine to append load values in place (translated code writes them there
    /// directly, see `jit::runtime::Ctx::log_ptr`): a pointer to at least `min` writable bytes
    /// right after the load bytes so far. It stays valid until the next call of a method that
    /// takes `&mut self`; [`Self::loads_commit`] makes the bytes written there part of the
    /// stream.
    pub fn loads_window(&mut self, min: usize) -> *mut u8 {
        self.loads.reserve(min);
        self.loads.spare_capacity_mut().as_mut_ptr().cast()
    }

    /// Append the first `n` bytes of the window [`Self::loads_window`] returned to the loads.
    ///
    /// # Safety
    /// Those `n` bytes must have been written since that call, `n` must not exceed its `min`,
    /// and no other `&mut self` method may have been called in between.
    pub unsafe fn loads_commit(&mut self, n: usize) {
        // SAFETY: the caller guarantees the bytes are initialised and within the capacity
        // reserved by `loads_window`.
        unsafe { self.loads.set_len(self.loads.len() + n) }
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
        // The capacity, not the length: an engine's log window reaches past the last byte.
        self.loads_hint = self.loads.capacity();
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

/// Where finished chunk records go (by value: a sink may hand them to another thread).
pub trait ChunkSink {
    fn chunk(&mut self, record: ChunkRecord) -> Result<(), WitnessError>;
}

/// Keeps encoded records in memory (tests, small runs).
#[derive(Default)]
pub struct MemorySink {
    pub chunks: Vec<Vec<u8>>,
}

impl ChunkSink for MemorySink {
    fn chunk(&mut self, record: ChunkRecord) -> Result<(), WitnessError> {
        self.chunks.push(record.encode());
        Ok(())
    }
}

/// Drops every record, counting chunks and the bytes of their streams (benchmarks of the
/// recording engines without encoding or I/O).
#[derive(Default)]
pub struct DiscardSink {
    pub chunks: u64,
    /// Bytes of loads, service entries and service data over all chunks.
    pub stream_bytes: u64,
}

impl ChunkSink for DiscardSink {
    fn chunk(&mut self, record: ChunkRecord) -> Result<(), WitnessError> {
        self.chunks += 1;
        self.stream_bytes +=
            (record.loads.len() + record.services.len() + record.data.len()) as u64;
        Ok(())
    }
}

/// The engine of a recording run.
pub enum RecordEngine<'t> {
    /// The reference interpreter with [`RecordingBus`].
    Interpreter,
    /// A recording translation (`jit::Options { record: true, .. }` for the machine's
    /// program): translated code logs its loads, the interpreter executes (and records)
    /// everything else. Its records are byte-identical to the interpreter's.
    Translator(&'t mut crate::jit::Translator),
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
    record_run_with(
        m,
        elf_sha256,
        chunk_size,
        cycle_limit,
        sink,
        RecordEngine::Interpreter,
    )
}

/// [`record_run`] on either engine. With [`RecordEngine::Translator`] the translated code
/// runs to each chunk boundary in turn (its exact cycle limit finishes the block that crosses
/// the boundary in the interpreter), so chunks and records are the same as the interpreter's.
pub fn record_run_with(
    m: &mut Machine,
    elf_sha256: [u8; 32],
    chunk_size: u64,
    cycle_limit: u64,
    sink: &mut dyn ChunkSink,
    mut engine: RecordEngine<'_>,
) -> Result<RecordedRun, WitnessError> {
    if chunk_size == 0 {
        return Err(WitnessError::ZeroChunkSize);
    }
    let program = Arc::clone(&m.program);
    let mut rec = Recorder::new(program.xlen, elf_sha256);
    if let RecordEngine::Translator(t) = &engine {
        if !t.is_recording() {
            return Err(crate::jit::JitError::WrongMode {
                found: "plain",
                wanted: "recording",
            }
            .into());
        }
    }
    let stop = loop {
        rec.begin_chunk(&m.cpu);
        let chunk_end = m.cpu.cycle.saturating_add(chunk_size).min(cycle_limit);
        let stop = match &mut engine {
            RecordEngine::Interpreter => {
                let Machine { mem, cpu, host, .. } = &mut *m;
                let bus = RecordingBus {
                    inner: MachineBus { mem, host },
                    rec: &mut rec,
                };
                interp::run_with(&program.code, cpu, bus, chunk_end)
            }
            RecordEngine::Translator(t) => t.run_recording(m, &mut rec, chunk_end)?,
        };
        let record = rec.end_chunk(m.cpu.cycle);
        sink.chunk(record)?;
        if !(stop == Stop::CycleLimit && m.cpu.cycle < cycle_limit) {
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
