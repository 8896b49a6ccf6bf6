//! Criterion benchmarks over the committed guest ELFs (guests/bin/<target>/<guest>), each on its
//! standard small input (guests/inputs/<guest>/small.bin or the listed fallback; fibonacci: bench):
//!
//! - `interp/<guest>`: the reference interpreter, a fresh machine per iteration;
//! - `jit/<guest>`: translated code only (translated once, outside the timed loop);
//! - `translate/<guest>`: ahead-of-time translation of the whole program.
//!
//! Run and translate throughput is reported in guest instructions (cycles) per second; translate
//! throughput in translated guest instructions per second. Machine setup (address-space mmap) is
//! outside the timed part. `RVJIT_BENCH_TARGET` picks the target (default riscv64im, the Ethereum
//! zkVM standard target). Sample counts are the minimum criterion allows, so `cargo bench`
//! finishes in a few minutes on 2 cores; each guest is translated once per process, and a
//! translation slower than `RVJIT_BENCH_MAX_TRANSLATE` seconds (default 10) is reported once
//! instead of sampled. bench/compare.sh is the side-by-side comparison.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use rvjit::jit::Translator;
use rvjit::machine::{Machine, RunConfig};
use rvjit::outcome::Stop;
use rvjit::program::Program;

/// (guest binary, input directory, input names in order of preference).
const GUESTS: &[(&str, &str, &[&str])] = &[
    // small.bin is 2k instructions, all set-up: the 70M-instruction bench input instead.
    ("fibonacci", "fibonacci", &["bench"]),
    ("sha256-chain-soft", "sha256-chain", &["small"]),
    ("sha256-chain-accel", "sha256-chain", &["small"]),
    ("keccak-chain-soft", "keccak-chain", &["small"]),
    ("keccak-chain-accel", "keccak-chain", &["small"]),
    ("ecdsa-verify", "ecdsa-verify", &["small", "valid"]),
    ("evm", "evm", &["small"]),
    ("json", "json", &["small"]),
];

/// Far above every small input; a guest that reaches it is reported, not timed.
const LIMIT: u64 = 2_000_000_000;

struct Case {
    name: &'static str,
    program: Arc<Program>,
    config: RunConfig,
    cycles: u64,
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn target() -> String {
    std::env::var("RVJIT_BENCH_TARGET").unwrap_or_else(|_| "riscv64im-unknown-none-elf".into())
}

/// Load a guest and run it once on the interpreter: the cycle count is the throughput unit, and
/// a guest that does not exit 0 is skipped with a note instead of being timed.
fn load(name: &'static str, dir: &str, inputs: &[&str]) -> Option<Case> {
    let elf = root().join("guests/bin").join(target()).join(name);
    let Ok(bytes) = std::fs::read(&elf) else {
        eprintln!("note: {} not built yet; skipping {name}", elf.display());
        return None;
    };
    let frame = inputs.iter().find_map(|i| {
        std::fs::read(
            root()
                .join("guests/inputs")
                .join(dir)
                .join(format!("{i}.bin")),
        )
        .ok()
    });
    let Some(frame) = frame else {
        eprintln!("note: no input for {name} in guests/inputs/{dir}; skipping");
        return None;
    };
    let program = match rvjit::elf::load(&bytes) {
        Ok(p) => Arc::new(p),
        Err(e) => {
            eprintln!("note: {}: {e}; skipping {name}", elf.display());
            return None;
        }
    };
    let mut config = RunConfig::default();
    config.host.inputs = vec![frame];
    let mut m = machine(&program, &config);
    match rvjit::interp::run(&mut m, LIMIT) {
        Stop::Exit { code: 0 } => {}
        other => {
            eprintln!("note: {name} stopped with {other:?} on the interpreter; skipping");
            return None;
        }
    }
    Some(Case {
        name,
        program,
        config,
        cycles: m.cpu.cycle,
    })
}

fn machine(program: &Arc<Program>, config: &RunConfig) -> Machine {
    // The committed ELFs and the default layout always fit; a failure is a broken checkout.
    Machine::new(Arc::clone(program), config).expect("lay out the guest's address space")
}

/// The guests of `group` that criterion's filter (the free command-line arguments, matched here
/// as substrings of `group/guest`) selects, so that a filtered run does not translate or run
/// the others just to set them up. Criterion's own filter still decides what is measured.
fn cases(group: &str) -> Vec<Case> {
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    GUESTS
        .iter()
        .filter(|(name, _, _)| {
            filters.is_empty()
                || filters
                    .iter()
                    .any(|f| format!("{group}/{name}").contains(f.as_str()))
        })
        .filter_map(|(name, dir, inputs)| load(name, dir, inputs))
        .collect()
}

thread_local! {
    /// Each guest is translated once per process: the jit group runs the code, the translate
    /// group reuses the first translation's stats to decide whether sampling it is affordable.
    static TRANSLATED: RefCell<HashMap<&'static str, Translator>> = RefCell::new(HashMap::new());
}

/// The guest's translator (translated now if not yet), or why there is none.
fn take_translator(case: &Case) -> Result<Translator, String> {
    if let Some(t) = TRANSLATED.with(|m| m.borrow_mut().remove(case.name)) {
        return Ok(t);
    }
    Translator::new(&case.program).map_err(|e| e.to_string())
}

fn keep_translator(case: &Case, t: Translator) {
    TRANSLATED.with(|m| m.borrow_mut().insert(case.name, t));
}

/// Translations slower than this (one run, seconds; env RVJIT_BENCH_MAX_TRANSLATE) are not
/// sampled by the translate group: criterion needs at least 10 samples.
fn max_translate() -> Duration {
    let secs = std::env::var("RVJIT_BENCH_MAX_TRANSLATE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10.0);
    Duration::from_secs_f64(secs)
}

fn small_group<'a>(
    c: &'a mut Criterion,
    name: &str,
) -> criterion::BenchmarkGroup<'a, criterion::measurement::WallTime> {
    let mut g = c.benchmark_group(name);
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2));
    g
}

fn bench_interp(c: &mut Criterion) {
    let mut g = small_group(c, "interp");
    for case in cases("interp") {
        g.throughput(Throughput::Elements(case.cycles));
        g.bench_function(case.name, |b| {
            b.iter_batched(
                || machine(&case.program, &case.config),
                |mut m| {
                    let stop = rvjit::interp::run(&mut m, LIMIT);
                    assert_eq!(m.cpu.cycle, case.cycles, "{}: {stop:?}", case.name);
                    m
                },
                BatchSize::PerIteration,
            )
        });
    }
    g.finish();
}

fn bench_jit(c: &mut Criterion) {
    let mut g = small_group(c, "jit");
    for case in cases("jit") {
        let mut t = match take_translator(&case) {
            Ok(t) => t,
            Err(e) => {
                eprintln!(
                    "note: the translator is not available for {} ({e}); jit/{} skipped",
                    case.name, case.name
                );
                continue;
            }
        };
        // Outcome check before timing: the translator must agree with the interpreter.
        let mut m = machine(&case.program, &case.config);
        match t.run(&mut m, LIMIT) {
            Ok(Stop::Exit { code: 0 }) if m.cpu.cycle == case.cycles => {}
            other => {
                eprintln!("note: jit/{}: {other:?} after {} cycles (interpreter: exit 0 after {}); skipped", case.name, m.cpu.cycle, case.cycles);
                keep_translator(&case, t);
                continue;
            }
        }
        g.throughput(Throughput::Elements(case.cycles));
        g.bench_function(case.name, |b| {
            b.iter_batched(
                || machine(&case.program, &case.config),
                |mut m| {
                    let stop = t.run(&mut m, LIMIT);
                    assert_eq!(m.cpu.cycle, case.cycles, "{}: {stop:?}", case.name);
                    m
                },
                BatchSize::PerIteration,
            )
        });
        keep_translator(&case, t);
    }
    g.finish();
}

fn bench_translate(c: &mut Criterion) {
    let mut g = small_group(c, "translate");
    for case in cases("translate") {
        let (instructions, first) = match take_translator(&case) {
            Ok(t) => {
                let stats = t.stats().clone();
                keep_translator(&case, t);
                (stats.instructions, stats.translate_time)
            }
            Err(e) => {
                eprintln!(
                    "note: the translator is not available for {} ({e}); translate/{} skipped",
                    case.name, case.name
                );
                continue;
            }
        };
        if first > max_translate() {
            eprintln!(
                "note: translating {} took {:.1} s once (> RVJIT_BENCH_MAX_TRANSLATE = {:.0} s); translate/{} not sampled",
                case.name,
                first.as_secs_f64(),
                max_translate().as_secs_f64(),
                case.name
            );
            continue;
        }
        g.throughput(Throughput::Elements(instructions));
        g.bench_function(case.name, |b| {
            b.iter(|| Translator::new(&case.program).map(|t| t.stats().instructions))
        });
    }
    g.finish();
}

criterion_group!(benches, bench_interp, bench_jit, bench_translate);
criterion_main!(benches);
