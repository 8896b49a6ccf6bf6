//! Replay: re-execute one chunk in the interpreter from the program's code and the chunk's
//! record alone — no memory image, no host — and check that it ends where the records say.
//!
//! [`ReplayBus`] serves every load from the record's load stream and every service call from
//! its service entries (result registers set, written bytes consumed); stores are computed
//! (and traced) but have nowhere to go. Permission checks need memory, so the replay does not
//! repeat them: the record only holds accesses that succeeded. A run that ended in a fault
//! raised by memory or a service is reproduced by injecting the manifest's fault into the
//! first bus access of the instruction at the fault's pc and cycle; faults the interpreter
//! raises by itself (fetch, illegal instruction, alignment of atomics, ebreak) are
//! re-derived.

use std::io::Write;

use crate::cpu::Cpu;
use crate::host::Service;
use crate::interp::{self, Bus};
use crate::isa::Instr;
use crate::outcome::{FaultKind, Stop};
use crate::program::Program;

use super::error::{Difference, Mismatch, WitnessError};
use super::format::{ChunkRecord, FinalStop, HartState, Manifest, Reader, ServiceEntry};
use super::hex;
use super::trace::Tracer;

const CHUNK: &str = "chunk record";

/// Where the chunk must end.
#[derive(Clone, Copy, Debug)]
pub enum Expected<'a> {
    /// At the next chunk's start state.
    Next(&'a HartState),
    /// At the run's end (the last chunk).
    Final(&'a Manifest),
}

/// What a successful replay did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplayOutcome {
    pub chunk: u64,
    pub start_cycle: u64,
    pub end_cycle: u64,
    /// The run's stop, for the last chunk.
    pub stop: Option<FinalStop>,
}

/// Why the bus stopped the run.
enum Failure {
    Diff(Difference),
    Corrupt(String),
}

/// Serves loads and services from a chunk record.
pub struct ReplayBus<'r, 'w> {
    loads: &'r [u8],
    services: Reader<'r>,
    services_left: u64,
    data: &'r [u8],
    /// Return the manifest's fault from the next bus access (set at the fault's pc and cycle).
    inject: bool,
    injected: bool,
    failure: Option<Failure>,
    tracer: Option<Tracer<'w>>,
}

/// The placeholder fault that stops the interpreter when the bus fails or injects; the
/// replay reports the real reason.
const STOP_FAULT: FaultKind = FaultKind::LoadAccess { addr: 0, size: 0 };

impl<'r, 'w> ReplayBus<'r, 'w> {
    pub fn new(record: &'r ChunkRecord, tracer: Option<Tracer<'w>>) -> ReplayBus<'r, 'w> {
        ReplayBus {
            loads: &record.loads,
            services: Reader::new(&record.services, CHUNK),
            services_left: record.service_count,
            data: &record.data,
            inject: false,
            injected: false,
            failure: None,
            tracer,
        }
    }

    fn fail(&mut self, f: Failure) -> FaultKind {
        self.failure.get_or_insert(f);
        STOP_FAULT
    }

    /// The injected fault, if armed.
    fn injection(&mut self) -> Result<(), FaultKind> {
        if self.inject {
            self.injected = true;
            return Err(STOP_FAULT);
        }
        Ok(())
    }

    fn service(&mut self, cpu: &mut Cpu) -> Result<Service, FaultKind> {
        self.injection()?;
        if self.services_left == 0 {
            return Err(self.fail(Failure::Diff(Difference::ServicesExhausted { pc: cpu.pc })));
        }
        let entry = match ServiceEntry::decode(&mut self.services) {
            Ok(e) => e,
            Err(e) => return Err(self.fail(Failure::Corrupt(e.to_string()))),
        };
        self.services_left -= 1;
        if entry.cycle != cpu.cycle {
            return Err(self.fail(Failure::Diff(Difference::ServiceCycle {
                expected: entry.cycle,
                found: cpu.cycle,
            })));
        }
        let total = entry
            .writes
            .iter()
            .try_fold(0u64, |t, &(_, len)| t.checked_add(len));
        let Some(total) = total.filter(|&t| t <= self.data.len() as u64) else {
            return Err(self.fail(Failure::Corrupt(
                "service writes exceed the data stream".into(),
            )));
        };
        self.data = &self.data[total as usize..];
        for &(r, v) in &entry.regs {
            cpu.set(r, v);
        }
        if let Some(t) = &mut self.tracer {
            t.effects.service_regs = entry.regs.clone();
            t.effects.service_writes = entry.writes.clone();
        }
        Ok(match entry.exit {
            Some(code) => Service::Exit(code),
            None => Service::Continue,
        })
    }
}

impl Bus for ReplayBus<'_, '_> {
    #[inline]
    fn load(&mut self, addr: u64, size: u64) -> Result<u64, FaultKind> {
        self.injection()?;
        let n = size as usize;
        if n > self.loads.len() || n > 8 {
            // The pc is filled in by the replay (the load did not retire).
            return Err(self.fail(Failure::Diff(Difference::LoadsExhausted {
                pc: 0,
                addr,
                size,
            })));
        }
        let mut w = [0u8; 8];
        w[..n].copy_from_slice(&self.loads[..n]);
        self.loads = &self.loads[n..];
        let value = u64::from_le_bytes(w);
        if let Some(t) = &mut self.tracer {
            t.effects.load = Some((addr, size, value));
        }
        Ok(value)
    }

    #[inline]
    fn store(&mut self, addr: u64, size: u64, value: u64) -> Result<(), FaultKind> {
        self.injection()?;
        if let Some(t) = &mut self.tracer {
            let mask = if size >= 8 {
                u64::MAX
            } else {
                (1u64 << (size * 8)) - 1
            };
            t.effects.store = Some((addr, size, value & mask));
        }
        Ok(())
    }

    #[inline]
    fn atomic_check(&mut self, _addr: u64, _size: u64, _store: bool) -> Result<(), FaultKind> {
        self.injection()
    }

    fn ecall(&mut self, cpu: &mut Cpu) -> Result<Service, FaultKind> {
        self.service(cpu)
    }

    fn custom0(&mut self, _ins: &Instr, cpu: &mut Cpu) -> Result<Service, FaultKind> {
        self.service(cpu)
    }

    #[inline]
    fn retired(&mut self, pc: u64, ins: &Instr, cpu: &Cpu) {
        if let Some(t) = &mut self.tracer {
            t.step(pc, ins, cpu);
        }
    }
}

/// Replay `record` on `program` (whose ELF has SHA-256 `elf_sha256`) and check that it ends
/// at `expected`. `trace` receives the per-step trace (see [`super::trace`]).
pub fn replay_chunk(
    program: &Program,
    elf_sha256: &[u8; 32],
    record: &ChunkRecord,
    expected: Expected,
    trace: Option<&mut dyn Write>,
) -> Result<ReplayOutcome, WitnessError> {
    if record.elf_sha256 != *elf_sha256 || record.xlen != program.xlen {
        return Err(WitnessError::WrongElf {
            expected: hex(&record.elf_sha256),
            found: hex(elf_sha256),
        });
    }
    let chunk = record.index;
    let mismatch = |cycle: u64, difference: Difference| -> WitnessError {
        WitnessError::Mismatch(Box::new(Mismatch {
            chunk,
            cycle,
            difference,
        }))
    };
    let (expected_state, final_stop) = match expected {
        Expected::Next(s) => (s, None),
        Expected::Final(m) => {
            if m.elf_sha256 != *elf_sha256 {
                return Err(WitnessError::WrongElf {
                    expected: hex(&m.elf_sha256),
                    found: hex(elf_sha256),
                });
            }
            (&m.final_state, Some(&m.stop))
        }
    };
    if final_stop.is_none() && expected_state.cycle != record.end_cycle {
        return Err(mismatch(
            record.end_cycle,
            Difference::NotContiguous {
                expected: record.end_cycle,
                found: expected_state.cycle,
            },
        ));
    }
    let mut cpu = record.start.to_cpu(program.xlen);
    let tracer = trace.map(|w| Tracer::new(w, program.xlen));
    let mut bus = ReplayBus::new(record, tracer);
    let code = &program.code;

    let mut stop = interp::run_with(code, &mut cpu, &mut bus, record.end_cycle);
    // A fault or breakpoint happens at end_cycle, after the last retired instruction.
    let at_end = stop == Stop::CycleLimit && cpu.cycle == record.end_cycle;
    if at_end
        && matches!(
            final_stop,
            Some(FinalStop::Fault { .. } | FinalStop::Breakpoint { .. })
        )
    {
        if let Some(FinalStop::Fault { pc, cycle, .. }) = final_stop {
            bus.inject = cpu.pc == *pc && cpu.cycle == *cycle;
        }
        stop = interp::step_with(code, &mut cpu, &mut bus).unwrap_or(Stop::CycleLimit);
    }
    let found_stop = match (&stop, final_stop) {
        (Stop::Fault(f), Some(expected @ FinalStop::Fault { pc, cycle, .. }))
            if bus.injected && bus.failure.is_none() && f.pc == *pc && f.cycle == *cycle =>
        {
            expected.clone()
        }
        _ => FinalStop::of(&stop),
    };
    if let Some(t) = &mut bus.tracer {
        match (final_stop, &stop) {
            (None, Stop::CycleLimit) => t.stop(&format!("chunk end at cycle {}", cpu.cycle)),
            _ => t.stop(&found_stop.to_string()),
        }
    }
    match bus.failure.take() {
        Some(Failure::Corrupt(reason)) => return Err(WitnessError::corrupt(CHUNK, reason)),
        Some(Failure::Diff(mut d)) => {
            if let Difference::LoadsExhausted { pc, .. } = &mut d {
                *pc = cpu.pc;
            }
            return Err(mismatch(cpu.cycle, d));
        }
        None => {}
    }
    if let Some(Tracer { error: Some(e), .. }) = bus.tracer.take() {
        return Err(WitnessError::io("write the trace to", "the trace file", e));
    }
    match final_stop {
        Some(expected) if *expected != found_stop => {
            return Err(mismatch(
                cpu.cycle,
                Difference::Stop {
                    expected: expected.to_string(),
                    found: found_stop.to_string(),
                },
            ));
        }
        None if stop != Stop::CycleLimit => {
            return Err(mismatch(
                cpu.cycle,
                Difference::Stop {
                    expected: format!("the chunk's end at cycle {}", record.end_cycle),
                    found: found_stop.to_string(),
                },
            ));
        }
        _ => {}
    }
    if !bus.loads.is_empty() {
        return Err(mismatch(
            cpu.cycle,
            Difference::LeftoverLoads {
                bytes: bus.loads.len() as u64,
            },
        ));
    }
    if bus.services_left != 0 {
        return Err(mismatch(
            cpu.cycle,
            Difference::LeftoverServices {
                count: bus.services_left,
            },
        ));
    }
    if bus.services.remaining() != 0 {
        return Err(WitnessError::corrupt(
            CHUNK,
            "the service stream has bytes beyond its entries",
        ));
    }
    if !bus.data.is_empty() {
        return Err(mismatch(
            cpu.cycle,
            Difference::LeftoverData {
                bytes: bus.data.len() as u64,
            },
        ));
    }
    compare_state(&cpu, expected_state).map_err(|d| mismatch(cpu.cycle, d))?;
    Ok(ReplayOutcome {
        chunk,
        start_cycle: record.start.cycle,
        end_cycle: cpu.cycle,
        stop: final_stop.cloned(),
    })
}

/// The first difference between the hart and the expected state.
fn compare_state(cpu: &Cpu, s: &HartState) -> Result<(), Difference> {
    if cpu.cycle != s.cycle {
        return Err(Difference::Cycle {
            expected: s.cycle,
            found: cpu.cycle,
        });
    }
    if cpu.pc != s.pc {
        return Err(Difference::Pc {
            expected: s.pc,
            found: cpu.pc,
        });
    }
    for reg in 1..32u8 {
        let (expected, found) = (s.regs[usize::from(reg)], cpu.regs[usize::from(reg)]);
        if expected != found {
            return Err(Difference::Register {
                reg,
                expected,
                found,
            });
        }
    }
    if cpu.reservation != s.reservation {
        return Err(Difference::Reservation {
            expected: s.reservation,
            found: cpu.reservation,
        });
    }
    Ok(())
}
