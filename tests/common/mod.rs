//! Shared test harness: tiny guest programs from raw code, run on every engine.
//!
//! Layout of a test machine (see [`machine`]):
//! - code: an R|X segment at [`CODE_BASE`] holding exactly the bytes given; entry = CODE_BASE;
//! - data: an R|W segment at [`DATA_BASE`] of [`DATA_SIZE`] zero bytes, which also starts the
//!   RAM window (1 MiB, so `sp` starts at DATA_BASE + 1 MiB);
//! - misaligned policy: Allow unless a test passes its own [`MemoryConfig`].
//!
//! Engines: an [`Engine`] is `fn(&mut Machine, cycle_limit) -> Stop`. [`engines`] lists every
//! engine the tests run on (the interpreter and the translator; `RVJIT_TEST_JIT=0` leaves the
//! translator out, to tell an interpreter bug from a translator one);
//! [`Test::run`] / [`run_all`] execute a test on each of them from identical fresh machines
//! and assert they agree on the complete outcome (stop, registers, pc, cycle, reservation,
//! data segment), then return the reference interpreter's result.
//!
//! Typical test: `let o = run1(Xlen::X64, encode(Op::Add, 3, 1, 2, 0), &[(1, 5), (2, 7)]);`
//! then `assert_eq!(o.reg(3), 12)`. Programs built with [`Asm`] mix 32-bit words and 16-bit
//! compressed parcels; ending a program with `ebreak` stops it with `Stop::Breakpoint` without
//! depending on the host services.
#![allow(dead_code)]

use std::sync::Arc;

use rvjit::isa::encode::encode;
use rvjit::isa::{Op, Xlen};
use rvjit::machine::{Machine, RunConfig};
use rvjit::memory::{MemoryConfig, MisalignedPolicy, SegmentImage, PERM_R, PERM_W, PERM_X};
use rvjit::outcome::{Fault, FaultKind, Stop};
use rvjit::program::Program;

pub const CODE_BASE: u64 = 0x1_0000;
pub const DATA_BASE: u64 = 0x2_0000;
pub const DATA_SIZE: u64 = 64 << 10;
pub const RAM_SIZE: u64 = 1 << 20;
/// Default cycle limit of [`Test::run`]: far above any unit test, low enough to stop a runaway loop.
pub const LIMIT: u64 = 1_000_000;
/// `ebreak`.
pub const EBREAK: u32 = 0x0010_0073;

/// An execution engine: run until a stop or `cpu.cycle == cycle_limit`.
pub type Engine = fn(&mut Machine, u64) -> Stop;

/// The reference engine, always run.
pub const ENGINES: &[(&str, Engine)] = &[("interp", rvjit::interp::run)];

/// The translator as an [`Engine`] (a translator error is a test failure).
pub fn jit_engine(m: &mut Machine, limit: u64) -> Stop {
    rvjit::jit::run(m, limit).expect("jit translation")
}

/// Every engine the tests run on; the first is the reference. The translator runs every test
/// too, unless the environment sets `RVJIT_TEST_JIT=0`.
pub fn engines() -> Vec<(&'static str, Engine)> {
    let mut list = ENGINES.to_vec();
    if std::env::var("RVJIT_TEST_JIT").map_or(true, |v| v != "0") {
        list.push(("jit", jit_engine as Engine));
    }
    list
}

/// A fresh machine: `code` at CODE_BASE, data segment, 1 MiB RAM, default misaligned policy.
pub fn machine(xlen: Xlen, code: &[u8]) -> Machine {
    machine_with(
        xlen,
        code,
        MemoryConfig {
            ram_size: RAM_SIZE,
            misaligned: MisalignedPolicy::Allow,
        },
    )
}

/// A fresh machine with a given memory configuration (e.g. `MisalignedPolicy::Trap`).
pub fn machine_with(xlen: Xlen, code: &[u8], memory: MemoryConfig) -> Machine {
    machine_with_segments(xlen, code, &[], memory)
}

/// A fresh machine with further segments besides the standard code and data segments.
pub fn machine_with_segments(
    xlen: Xlen,
    code: &[u8],
    extra: &[SegmentImage],
    memory: MemoryConfig,
) -> Machine {
    let mut segments = vec![
        SegmentImage {
            vaddr: CODE_BASE,
            memsz: code.len() as u64,
            data: code.to_vec(),
            perm: PERM_R | PERM_X,
        },
        SegmentImage {
            vaddr: DATA_BASE,
            memsz: DATA_SIZE,
            data: Vec::new(),
            perm: PERM_R | PERM_W,
        },
    ];
    segments.extend_from_slice(extra);
    let program = Program::from_parts(xlen, CODE_BASE, segments, Vec::new());
    let config = RunConfig {
        memory,
        ..RunConfig::default()
    };
    Machine::new(Arc::new(program), &config).expect("test layout is valid")
}

/// Little-endian bytes of 32-bit instruction words.
pub fn words(ws: &[u32]) -> Vec<u8> {
    ws.iter().flat_map(|w| w.to_le_bytes()).collect()
}

/// A program under construction, mixing 32-bit words and 16-bit compressed parcels.
#[derive(Clone, Debug, Default)]
pub struct Asm {
    pub bytes: Vec<u8>,
}

impl Asm {
    pub fn new() -> Asm {
        Asm::default()
    }
    /// Append a 32-bit instruction.
    pub fn w(mut self, word: u32) -> Asm {
        self.bytes.extend_from_slice(&word.to_le_bytes());
        self
    }
    /// Append an encoded table instruction.
    pub fn i(self, op: Op, rd: u8, rs1: u8, rs2: u8, imm: i32) -> Asm {
        self.w(encode(op, rd, rs1, rs2, imm))
    }
    /// Append a 16-bit compressed parcel.
    pub fn c(mut self, half: u16) -> Asm {
        self.bytes.extend_from_slice(&half.to_le_bytes());
        self
    }
    /// Append `ebreak`.
    pub fn ebreak(self) -> Asm {
        self.w(EBREAK)
    }
    /// Guest address of the next instruction appended.
    pub fn here(&self) -> u64 {
        CODE_BASE + self.bytes.len() as u64
    }
}

/// A test: code, initial registers and data, and memory configuration.
#[derive(Clone, Debug)]
pub struct Test {
    pub xlen: Xlen,
    pub code: Vec<u8>,
    pub regs: Vec<(u8, u64)>,
    /// Bytes written into memory before the run (address, bytes).
    pub data: Vec<(u64, Vec<u8>)>,
    pub memory: MemoryConfig,
    pub limit: u64,
    /// Further segments (e.g. a second code range), placed as given.
    pub extra_segments: Vec<SegmentImage>,
    /// Initial `cpu.cycle` (e.g. to read RV32 counter high halves).
    pub start_cycle: u64,
    /// Initial pc, if not the entry point.
    pub start_pc: Option<u64>,
}

impl Test {
    pub fn new(xlen: Xlen, code: Vec<u8>) -> Test {
        Test {
            xlen,
            code,
            regs: Vec::new(),
            data: Vec::new(),
            memory: MemoryConfig {
                ram_size: RAM_SIZE,
                misaligned: MisalignedPolicy::Allow,
            },
            limit: LIMIT,
            extra_segments: Vec::new(),
            start_cycle: 0,
            start_pc: None,
        }
    }
    pub fn regs(mut self, regs: &[(u8, u64)]) -> Test {
        self.regs.extend_from_slice(regs);
        self
    }
    pub fn data(mut self, addr: u64, bytes: &[u8]) -> Test {
        self.data.push((addr, bytes.to_vec()));
        self
    }
    pub fn memory(mut self, memory: MemoryConfig) -> Test {
        self.memory = memory;
        self
    }
    pub fn trap_misaligned(self) -> Test {
        let ram_size = self.memory.ram_size;
        self.memory(MemoryConfig {
            ram_size,
            misaligned: MisalignedPolicy::Trap,
        })
    }
    pub fn limit(mut self, limit: u64) -> Test {
        self.limit = limit;
        self
    }
    pub fn segment(mut self, segment: SegmentImage) -> Test {
        self.extra_segments.push(segment);
        self
    }
    pub fn start_cycle(mut self, cycle: u64) -> Test {
        self.start_cycle = cycle;
        self
    }
    pub fn start_pc(mut self, pc: u64) -> Test {
        self.start_pc = Some(pc);
        self
    }

    /// A fresh machine in the test's initial state.
    pub fn machine(&self) -> Machine {
        let mut m = machine_with_segments(
            self.xlen,
            &self.code,
            &self.extra_segments,
            self.memory.clone(),
        );
        for &(r, v) in &self.regs {
            m.cpu.set(r, v);
        }
        for (addr, bytes) in &self.data {
            m.mem
                .write(*addr, bytes)
                .expect("test data lies in writable memory");
        }
        m.cpu.cycle = self.start_cycle;
        if let Some(pc) = self.start_pc {
            m.cpu.pc = pc;
        }
        m
    }

    /// Run on every engine, check they agree, return the reference outcome.
    pub fn run(&self) -> Outcome {
        run_all(|| self.machine(), self.limit)
    }
}

/// Run fresh machines from `make` on every engine in [`ENGINES`] up to `limit`, assert they
/// agree (see [`Outcome::assert_same`]), and return the reference (first engine's) outcome.
/// Usable for any machine, e.g. one built from an ELF.
pub fn run_all(make: impl Fn() -> Machine, limit: u64) -> Outcome {
    let mut reference: Option<Outcome> = None;
    for (name, engine) in engines() {
        let mut m = make();
        let stop = engine(&mut m, limit);
        let o = Outcome::capture(stop, m);
        match &reference {
            None => reference = Some(o),
            Some(r) => r.assert_same(&o, name),
        }
    }
    reference.expect("at least one engine")
}

/// The complete result of a run.
pub struct Outcome {
    pub stop: Stop,
    pub machine: Machine,
}

impl Outcome {
    pub fn capture(stop: Stop, machine: Machine) -> Outcome {
        Outcome { stop, machine }
    }
    pub fn reg(&self, r: u8) -> u64 {
        self.machine.cpu.get(r)
    }
    pub fn pc(&self) -> u64 {
        self.machine.cpu.pc
    }
    pub fn cycle(&self) -> u64 {
        self.machine.cpu.cycle
    }
    /// Little-endian value of `size` bytes at `addr`.
    pub fn mem(&self, addr: u64, size: usize) -> u64 {
        let bytes = self
            .machine
            .mem
            .peek(addr, size as u64)
            .expect("backed address");
        let mut buf = [0u8; 8];
        buf[..size].copy_from_slice(bytes);
        u64::from_le_bytes(buf)
    }
    pub fn data(&self) -> &[u8] {
        self.machine
            .mem
            .peek(DATA_BASE, DATA_SIZE)
            .expect("data segment")
    }

    /// Stopped at the `ebreak` at `pc` after `cycle` retired instructions.
    #[track_caller]
    pub fn assert_breakpoint(&self, pc: u64, cycle: u64) -> &Outcome {
        assert_eq!(self.stop, Stop::Breakpoint { pc });
        assert_eq!(self.pc(), pc, "pc");
        assert_eq!(self.cycle(), cycle, "cycle");
        self
    }

    /// Faulted with `kind` at `pc` after `cycle` retired instructions.
    #[track_caller]
    pub fn assert_fault(&self, kind: FaultKind, pc: u64, cycle: u64) -> &Outcome {
        assert_eq!(self.stop, Stop::Fault(Fault { kind, pc, cycle }));
        assert_eq!(self.pc(), pc, "pc");
        assert_eq!(self.cycle(), cycle, "cycle");
        self
    }

    /// Two engines' outcomes agree: stop, the whole `Cpu` (registers, pc, cycle, reservation)
    /// and the data segment. (Other memory, e.g. the stack at the top of RAM, is not compared.)
    #[track_caller]
    pub fn assert_same(&self, other: &Outcome, engine: &str) {
        assert_eq!(other.stop, self.stop, "{engine}: stop");
        assert_eq!(other.machine.cpu, self.machine.cpu, "{engine}: cpu state");
        assert!(
            other.data() == self.data(),
            "{engine}: data segment differs"
        );
    }
}

/// Run `code` (words, then an `ebreak` is appended) with initial registers; expects it to
/// reach that ebreak having retired every word, and returns the outcome.
#[track_caller]
pub fn run_words(xlen: Xlen, code: &[u32], regs: &[(u8, u64)]) -> Outcome {
    let mut ws = code.to_vec();
    ws.push(EBREAK);
    let o = Test::new(xlen, words(&ws)).regs(regs).run();
    o.assert_breakpoint(CODE_BASE + 4 * code.len() as u64, code.len() as u64);
    o
}

/// Run one encoded instruction (then ebreak) and return the outcome.
#[track_caller]
pub fn run1(xlen: Xlen, word: u32, regs: &[(u8, u64)]) -> Outcome {
    run_words(xlen, &[word], regs)
}

/// Both XLENs, for tests that hold on each.
pub const XLENS: [Xlen; 2] = [Xlen::X32, Xlen::X64];
