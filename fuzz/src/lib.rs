//! Shared harness of the rvjit fuzz targets (see TESTING.md).
//!
//! - [`code`]: arbitrary bytes as guest code, run on the interpreter and — whenever
//!   `rvjit::jit::run` returns `Ok` — on the translator, asserting identical outcomes
//!   ([`Snapshot`]: stop, hart state, RAM window, host outputs and cursors).
//! - [`services`]: arbitrary service calls and custom-0 instructions straight into the host.
//!
//! Set `RVJIT_FUZZ_JIT=0` to run the code targets on the interpreter only, `=lenient` to skip
//! (not crash on) translator errors.

use std::sync::Arc;

use rvjit::cpu::Cpu;
use rvjit::host::{HostConfig, Limits};
use rvjit::isa::Xlen;
use rvjit::machine::{Machine, RunConfig};
use rvjit::memory::{MemoryConfig, MisalignedPolicy, SegmentImage, PERM_R, PERM_W, PERM_X};
use rvjit::outcome::Stop;
use rvjit::program::Program;

/// Where the fuzzed code lives (R|X segment; entry point).
pub const CODE_BASE: u64 = 0x1_0000;
/// The R|W data segment; it also starts the RAM window.
pub const DATA_BASE: u64 = 0x2_0000;
pub const DATA_SIZE: u64 = 0x1000;
/// Small RAM window: a store beyond it faults, and every snapshot compares all of it.
pub const RAM_SIZE: u64 = 64 << 10;
/// Cycle limit of one code run: small, so an endless loop ends quickly.
pub const CYCLE_LIMIT: u64 = 10_000;
/// Longest code taken from one input.
pub const MAX_CODE: usize = 4096;
/// Small output limits, so the fuzzer reaches them.
pub const MAX_STDOUT: u64 = 512;
pub const MAX_OUTPUT: u64 = 256;

/// Data segment contents: a fixed, non-zero pattern (so loads read something).
pub fn data_pattern() -> Vec<u8> {
    (0..DATA_SIZE).map(|i| (i.wrapping_mul(0x9d) ^ (i >> 8)) as u8).collect()
}

/// The host configuration of code runs: two input frames and two hint frames, small limits.
pub fn code_host_config() -> HostConfig {
    HostConfig {
        inputs: vec![b"hello".to_vec(), vec![1, 2, 3, 4, 5, 6, 7, 8]],
        hints: vec![b"hint".to_vec(), vec![0xaa; 12]],
        limits: Limits { max_output: MAX_OUTPUT, max_stdout: MAX_STDOUT, ..Limits::default() },
        echo: false,
    }
}

/// A fresh machine with `code` at [`CODE_BASE`], the patterned data segment, and registers
/// seeded with pointers into the data segment (so random loads/stores hit memory) and small
/// distinct constants.
pub fn code_machine(xlen: Xlen, code: &[u8], misaligned: MisalignedPolicy, host: &HostConfig) -> Machine {
    let segments = vec![
        SegmentImage { vaddr: CODE_BASE, memsz: code.len() as u64, data: code.to_vec(), perm: PERM_R | PERM_X },
        SegmentImage { vaddr: DATA_BASE, memsz: DATA_SIZE, data: data_pattern(), perm: PERM_R | PERM_W },
    ];
    let program = Program::from_parts(xlen, CODE_BASE, segments, Vec::new());
    let config = RunConfig { memory: MemoryConfig { ram_size: RAM_SIZE, misaligned }, host: host.clone() };
    let mut m = Machine::new(Arc::new(program), &config).expect("the fuzz layout is valid");
    for r in 1..32u8 {
        let value = match r {
            2 => continue, // sp: top of the RAM window, set by Machine::new
            3 | 4 | 8 | 9 | 10..=15 | 18..=20 => DATA_BASE + 0x100 * u64::from(r % 16),
            _ => u64::from(r) * 0x0101_0101,
        };
        m.cpu.set(r, value);
    }
    m
}

/// Everything observable about a finished run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub stop: Stop,
    pub cpu: Cpu,
    pub ram: Vec<u8>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub public: Vec<u8>,
    pub hints_left: usize,
    pub random_position: u64,
    pub misaligned_count: u64,
}

impl Snapshot {
    pub fn take(stop: Stop, m: &Machine) -> Snapshot {
        let ram = m.mem.layout().ram.clone();
        Snapshot {
            stop,
            cpu: m.cpu.clone(),
            ram: m.mem.peek(ram.start, ram.end - ram.start).map(<[u8]>::to_vec).unwrap_or_default(),
            stdout: m.host.stdout().to_vec(),
            stderr: m.host.stderr().to_vec(),
            public: m.host.public_output().to_vec(),
            hints_left: m.host.hints_left(),
            random_position: m.host.random_position(),
            misaligned_count: m.mem.misaligned_count,
        }
    }

    /// Panic with the first difference (a full dump of 64 KiB RAM would be unreadable).
    #[track_caller]
    pub fn assert_same(&self, other: &Snapshot, what: &str) {
        assert_eq!(self.stop, other.stop, "{what}: stop");
        assert_eq!(self.cpu, other.cpu, "{what}: hart state");
        if let Some(i) = (0..self.ram.len()).find(|&i| self.ram.get(i) != other.ram.get(i)) {
            panic!(
                "{what}: RAM differs first at {:#x}: {:?} vs {:?}",
                DATA_BASE + i as u64,
                self.ram.get(i),
                other.ram.get(i)
            );
        }
        assert_eq!(self.ram.len(), other.ram.len(), "{what}: RAM size");
        assert_eq!(self.stdout, other.stdout, "{what}: stdout");
        assert_eq!(self.stderr, other.stderr, "{what}: stderr");
        assert_eq!(self.public, other.public, "{what}: public output");
        assert_eq!(self.hints_left, other.hints_left, "{what}: hints left");
        assert_eq!(self.random_position, other.random_position, "{what}: random stream position");
        assert_eq!(self.misaligned_count, other.misaligned_count, "{what}: misaligned access count");
    }
}

/// Is the translator compared at all (`RVJIT_FUZZ_JIT=0` turns it off)?
fn jit_enabled() -> bool {
    std::env::var("RVJIT_FUZZ_JIT").map_or(true, |v| v != "0")
}

/// `RVJIT_FUZZ_JIT=lenient`: a translator error skips the comparison instead of crashing, so a
/// campaign can keep fuzzing past a known translation bug (outcomes are still compared
/// whenever translation succeeds).
fn jit_lenient() -> bool {
    std::env::var("RVJIT_FUZZ_JIT").is_ok_and(|v| v == "lenient")
}

/// Run on the translator. `None` when it reports that it cannot run here at all (not built
/// yet, or an unsupported host); any other error on a valid program is a translator bug.
pub fn jit_run(m: &mut Machine, limit: u64) -> Option<Stop> {
    match rvjit::jit::run(m, limit) {
        Ok(stop) => Some(stop),
        Err(e) => {
            let name = format!("{e:?}");
            if name.starts_with("Unavailable") || name.starts_with("UnsupportedHost") || jit_lenient() {
                None
            } else {
                panic!("translator error on a valid program: {e} ({name})")
            }
        }
    }
}

/// Run to `limit`, optionally stopping first at `split` and resuming (the stop at `split` must
/// be `CycleLimit` with exactly `split` cycles retired, or a final stop before it).
fn run_split(m: &mut Machine, split: Option<u64>, limit: u64, engine: &mut dyn FnMut(&mut Machine, u64) -> Option<Stop>) -> Option<Stop> {
    if let Some(k) = split {
        let first = engine(m, k)?;
        if first != Stop::CycleLimit {
            return Some(first);
        }
        assert_eq!(m.cpu.cycle, k, "CycleLimit at {k} with a different cycle count");
    }
    engine(m, limit)
}

/// The code targets. Input: one flag byte, then the code (at most [`MAX_CODE`] bytes).
///
/// Flags: bit 0 — misaligned accesses trap; bit 1 — stop at a cycle limit `split` (bits 2..8
/// choose it) and resume. Checks: the interpreter run split equals the straight run; the
/// translator (straight and split, with every region promoted to the optimising tier, and
/// with the Cranelift baseline) equals the interpreter; a second interpreter run is
/// byte-identical (determinism).
pub fn code(xlen: Xlen, data: &[u8]) {
    let Some((&flags, code)) = data.split_first() else { return };
    let code = &code[..code.len().min(MAX_CODE)];
    if code.is_empty() {
        return;
    }
    let misaligned = if flags & 1 != 0 { MisalignedPolicy::Trap } else { MisalignedPolicy::Allow };
    let split = (flags & 2 != 0).then(|| 1 + u64::from(flags >> 2) * 37);
    let host = code_host_config();
    let fresh = || code_machine(xlen, code, misaligned, &host);

    let mut m = fresh();
    let stop = rvjit::interp::run(&mut m, CYCLE_LIMIT);
    assert!(m.cpu.cycle <= CYCLE_LIMIT, "ran past the cycle limit");
    let reference = Snapshot::take(stop, &m);

    let mut interp = |m: &mut Machine, l: u64| Some(rvjit::interp::run(m, l));
    let mut m = fresh();
    let again = run_split(&mut m, None, CYCLE_LIMIT, &mut interp).map(|s| Snapshot::take(s, &m));
    reference.assert_same(&again.expect("interpreter always stops"), "interpreter rerun");
    if split.is_some() {
        let mut m = fresh();
        let s = run_split(&mut m, split, CYCLE_LIMIT, &mut interp).expect("interpreter always stops");
        reference.assert_same(&Snapshot::take(s, &m), "interpreter resumed at a cycle limit");
    }

    if !jit_enabled() {
        return;
    }
    let splits = if split.is_some() { vec![None, split] } else { vec![None] };
    for split in splits {
        let mut m = fresh();
        let Some(stop) = run_split(&mut m, split, CYCLE_LIMIT, &mut jit_run) else { return };
        let what = if split.is_some() { "translator resumed at a cycle limit" } else { "translator" };
        reference.assert_same(&Snapshot::take(stop, &m), what);
    }
    // The optimising tier (every region promoted at its first checkpoint pass), and the
    // Cranelift baseline (the default baseline is the direct emitter).
    let variants = [
        (Some(1), rvjit::jit::Baseline::default(), "translator, optimising tier"),
        (None, rvjit::jit::Baseline::Cranelift, "translator, Cranelift baseline"),
    ];
    for (hot_threshold, baseline, what) in variants {
        let options = rvjit::jit::Options {
            hot_threshold,
            hot_min_block: 0,
            hot_compile: rvjit::jit::HotCompile::Lockstep,
            baseline,
            ..Default::default()
        };
        let mut m = fresh();
        let mut t = match rvjit::jit::Translator::for_machine(&m, &options) {
            Ok(t) => t,
            Err(e) if jit_lenient() => {
                let _ = e;
                return;
            }
            Err(e) => panic!("translator error on a valid program: {e}"),
        };
        let mut run = |m: &mut Machine, l: u64| match t.run(m, l) {
            Ok(s) => Some(s),
            Err(_) if jit_lenient() => None,
            Err(e) => panic!("{what}: error on a valid program: {e}"),
        };
        if let Some(stop) = run_split(&mut m, split, CYCLE_LIMIT, &mut run) {
            reference.assert_same(&Snapshot::take(stop, &m), what);
        }
    }
}

pub mod services;

/// The `elf_loader` target: `elf::load` gives a typed error or a program that satisfies the
/// loader's guarantees; a program is then laid out in a small RAM window (typed layout error or
/// a machine) and run for a few hundred cycles on the interpreter.
pub fn elf(data: &[u8]) {
    let program = match rvjit::elf::load(data) {
        Ok(p) => p,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    let in_code = |a: u64| {
        program.segments.iter().any(|s| s.perm & PERM_X != 0 && a >= s.vaddr && a - s.vaddr < s.memsz)
    };
    assert!(in_code(program.entry), "entry {:#x} outside executable segments", program.entry);
    for s in &program.segments {
        assert!(s.vaddr >= rvjit::memory::NULL_GUARD, "segment in the null guard");
        assert!(s.data.len() as u64 <= s.memsz, "segment data larger than memsz");
    }
    let config = RunConfig {
        memory: MemoryConfig { ram_size: 1 << 20, misaligned: MisalignedPolicy::Allow },
        host: code_host_config(),
    };
    let mut m = match Machine::new(Arc::new(program), &config) {
        Ok(m) => m,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    let _ = rvjit::interp::run(&mut m, 500);
    assert!(m.cpu.cycle <= 500, "ran past the cycle limit");
}
