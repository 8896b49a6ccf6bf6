//! Every committed guest ELF (guests/bin/<target>/<bin>) on every engine, against
//! (a) an independent computation here (sha2, tiny-keccak, a loop) and
//! (b) the host-native build of the same guest source (guests/target/native/release/<bin>):
//! exit, stdout and public output must be equal. Without native builds (b) is skipped with a
//! message, except under CI (env CI set), where the test builds them with
//! scripts/build-guests.sh. misbehave: each selector's exact stop.
//!
//! Inputs are the committed frames guests/inputs/<guest>/*.bin (one file = one frame = one
//! case); `bench*.bin` are benchmark sizes and are not run here.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};

use rvjit::abi;
use rvjit::host::HostConfig;
use rvjit::machine::{Machine, RunConfig};
use rvjit::memory::{MemoryConfig, MisalignedPolicy};
use rvjit::outcome::{Fault, FaultKind, Stop};
use rvjit::program::Program;

/// Run a machine up to a cycle limit.
type EngineFn = fn(&mut Machine, u64) -> Stop;

/// The engines every guest runs on; a new engine is one more line. `jit::run` keeps the
/// translation of the last program it ran (per thread), and [`program`] hands out one
/// `Arc<Program>` per ELF, so the loops below run all cases of one ELF in a row.
const ENGINES: &[(&str, EngineFn)] = &[
    ("interp", rvjit::interp::run),
    ("jit", |m, limit| {
        rvjit::jit::run(m, limit).unwrap_or_else(|e| panic!("translator error: {e}"))
    }),
];

const TARGETS: &[&str] = &[
    "riscv32im-unknown-none-elf",
    "riscv32imac-unknown-none-elf",
    "riscv64imac-unknown-none-elf",
    "riscv64im-unknown-none-elf",
];

/// Enough for every standard (non-bench) input; misbehave's endless loop stops here.
const CYCLE_LIMIT: u64 = 200_000_000;
const MISBEHAVE_LIMIT: u64 = 5_000_000;

fn guests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("guests")
}

/// What a run produced.
#[derive(Debug, PartialEq)]
struct Outcome {
    stop: Stop,
    /// Retired instructions and the final pc.
    cycles: u64,
    pc: u64,
    stdout: String,
    stderr: String,
    output: Vec<u8>,
}

/// The loaded ELF, shared (same `Arc`) by every run of it on this thread.
fn program(elf: &Path) -> Arc<Program> {
    thread_local! {
        static PROGRAMS: RefCell<HashMap<PathBuf, Arc<Program>>> = RefCell::new(HashMap::new());
    }
    PROGRAMS.with(|programs| {
        let mut programs = programs.borrow_mut();
        let program = programs.entry(elf.to_path_buf()).or_insert_with(|| {
            let bytes = std::fs::read(elf).unwrap_or_else(|e| panic!("{}: {e}", elf.display()));
            Arc::new(rvjit::elf::load(&bytes).unwrap_or_else(|e| panic!("{}: {e}", elf.display())))
        });
        Arc::clone(program)
    })
}

fn run_elf(
    elf: &Path,
    frame: &[u8],
    engine: EngineFn,
    limit: u64,
    misaligned: MisalignedPolicy,
) -> Outcome {
    let program = program(elf);
    let config = RunConfig {
        memory: MemoryConfig {
            misaligned,
            ..MemoryConfig::default()
        },
        host: HostConfig {
            inputs: vec![frame.to_vec()],
            ..HostConfig::default()
        },
    };
    let mut m = Machine::new(program, &config).unwrap_or_else(|e| panic!("{}: {e}", elf.display()));
    let stop = engine(&mut m, limit);
    Outcome {
        stop,
        cycles: m.cpu.cycle,
        pc: m.cpu.pc,
        stdout: String::from_utf8_lossy(m.host.stdout()).into_owned(),
        stderr: String::from_utf8_lossy(m.host.stderr()).into_owned(),
        output: m.host.public_output().to_vec(),
    }
}

/// Run on every engine in [`ENGINES`]; every engine's outcome (stop with fault pc and cycle,
/// cycle count, pc, stdout, stderr, public output) must equal the first's (the interpreter).
fn run_engines(
    elf: &Path,
    frame: &[u8],
    limit: u64,
    misaligned: MisalignedPolicy,
    ctx: &str,
) -> Vec<(&'static str, Outcome)> {
    let runs: Vec<(&'static str, Outcome)> = ENGINES
        .iter()
        .map(|(engine, run)| (*engine, run_elf(elf, frame, *run, limit, misaligned)))
        .collect();
    for (engine, got) in &runs[1..] {
        assert_eq!(
            got, &runs[0].1,
            "{ctx}: {engine} differs from {}",
            runs[0].0
        );
    }
    runs
}

/// The standard input cases of a guest: (case name, frame bytes).
fn cases(input_dir: &str) -> Vec<(String, Vec<u8>)> {
    let dir = guests_dir().join("inputs").join(input_dir);
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "bin"))
        .filter(|p| {
            !p.file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .starts_with("bench")
        })
        .map(|p| {
            (
                p.file_stem()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned(),
                std::fs::read(&p).expect("read input"),
            )
        })
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no inputs in {}", dir.display());
    out
}

/// The committed ELFs of `bin`, one per target; all four must exist.
fn elfs(bin: &str) -> Vec<(&'static str, PathBuf)> {
    TARGETS
        .iter()
        .map(|t| {
            let p = guests_dir().join("bin").join(t).join(bin);
            assert!(
                p.is_file(),
                "missing committed ELF {} (scripts/build-guests.sh)",
                p.display()
            );
            (*t, p)
        })
        .collect()
}

/// The host-native build of `bin`, or None (with a message) when it is not built: the
/// benchmarks' build (guests/target/native/release) if there is one, else the quicker check
/// build (guests/target/native-check/release, same source and outputs, no LTO). Under CI the
/// check builds are made once with the build script.
fn native(bin: &str) -> Option<PathBuf> {
    let release = guests_dir().join("target/native/release").join(bin);
    if release.is_file() {
        return Some(release);
    }
    let path = guests_dir().join("target/native-check/release").join(bin);
    if !path.is_file() && std::env::var_os("CI").is_some() {
        static BUILT: OnceLock<bool> = OnceLock::new();
        let ok = *BUILT.get_or_init(|| {
            let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/build-guests.sh");
            Command::new("bash")
                .arg(script)
                .args(["--target", "native-check"])
                .status()
                .is_ok_and(|s| s.success())
        });
        assert!(ok, "CI: building the host-native guests failed");
        assert!(
            path.is_file(),
            "CI: host-native {bin} missing after the build"
        );
    }
    if path.is_file() {
        Some(path)
    } else {
        eprintln!("note: {} not built; skipping the native comparison (scripts/build-guests.sh --target native)", release.display());
        None
    }
}

/// Run the native build with the frame as `--input`; returns (exit code, stdout, stderr, output).
fn run_native(exe: &Path, frame: &[u8]) -> (i32, String, String, Vec<u8>) {
    let dir = std::env::temp_dir().join(format!(
        "rvjit-guests-{}-{:x}",
        std::process::id(),
        frame.as_ptr() as usize
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let (input, output) = (dir.join("input.bin"), dir.join("output.bin"));
    std::fs::write(&input, frame).expect("write input");
    let out = Command::new(exe)
        .arg("--input")
        .arg(&input)
        .arg("--output")
        .arg(&output)
        .output()
        .expect("run native guest");
    let public = std::fs::read(&output).unwrap_or_default();
    let _ = std::fs::remove_dir_all(&dir);
    let code = out.status.code().unwrap_or(-1);
    (
        code,
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        public,
    )
}

/// The expected result of a normally ending guest.
struct Expected {
    code: u64,
    stdout: String,
    output: Vec<u8>,
}

/// Check `bin` on every target and engine for every input against `oracle` and the native build.
fn check_guest(bin: &str, input_dir: &str, oracle: impl Fn(&[u8]) -> Expected) {
    let native = native(bin);
    let cases = cases(input_dir);
    let wants: Vec<Expected> = cases.iter().map(|(_, frame)| oracle(frame)).collect();
    for ((case, frame), want) in cases.iter().zip(&wants) {
        if let Some(exe) = &native {
            let (code, stdout, _stderr, output) = run_native(exe, frame);
            assert_eq!(
                (code as u64, &stdout, &output),
                (want.code, &want.stdout, &want.output),
                "{bin} {case}: native build differs from the oracle"
            );
        }
    }
    // Target outside, cases inside: each ELF is translated once.
    for (target, elf) in elfs(bin) {
        for ((case, frame), want) in cases.iter().zip(&wants) {
            for (engine, got) in run_engines(
                &elf,
                frame,
                CYCLE_LIMIT,
                MisalignedPolicy::Allow,
                &format!("{bin} {case} on {target}"),
            ) {
                let ctx = format!("{bin} {case} on {target} ({engine})");
                assert_eq!(
                    got.stop,
                    Stop::Exit { code: want.code },
                    "{ctx}: stop (stderr: {})",
                    got.stderr
                );
                assert_eq!(got.stdout, want.stdout, "{ctx}: stdout");
                assert_eq!(got.output, want.output, "{ctx}: public output");
            }
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn fibonacci() {
    check_guest("fibonacci", "fibonacci", |frame| {
        let n: u32 = postcard::from_bytes(frame).expect("fibonacci input");
        let (mut a, mut b) = (0u64, 1u64);
        for _ in 0..n {
            (a, b) = (b, a.wrapping_add(b));
        }
        Expected {
            code: 0,
            stdout: format!("fib({n}) = {a}\n"),
            output: postcard::to_allocvec(&a).expect("encode"),
        }
    });
}

/// Same field order as guests/{sha256,keccak}-chain/src/chain.rs.
#[derive(serde::Deserialize)]
struct ChainInput {
    iterations: u32,
    seed: Vec<u8>,
}

fn chain(name: &str, frame: &[u8], hash: fn(&[u8]) -> [u8; 32]) -> Expected {
    let input: ChainInput = postcard::from_bytes(frame).expect("chain input");
    let mut h = hash(&input.seed);
    for _ in 0..input.iterations {
        h = hash(&h);
    }
    Expected {
        code: 0,
        stdout: format!("{name}({}) = {}\n", input.iterations, hex(&h)),
        output: h.to_vec(),
    }
}

fn sha256(data: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(data).into()
}

fn keccak256(data: &[u8]) -> [u8; 32] {
    use tiny_keccak::Hasher;
    let mut k = tiny_keccak::Keccak::v256();
    k.update(data);
    let mut out = [0u8; 32];
    k.finalize(&mut out);
    out
}

#[test]
fn sha256_chain_soft() {
    check_guest("sha256-chain-soft", "sha256-chain", |f| {
        chain("sha256-chain", f, sha256)
    });
}

#[test]
fn sha256_chain_accel() {
    check_guest("sha256-chain-accel", "sha256-chain", |f| {
        chain("sha256-chain", f, sha256)
    });
}

#[test]
fn keccak_chain_soft() {
    check_guest("keccak-chain-soft", "keccak-chain", |f| {
        chain("keccak-chain", f, keccak256)
    });
}

#[test]
fn keccak_chain_accel() {
    check_guest("keccak-chain-accel", "keccak-chain", |f| {
        chain("keccak-chain", f, keccak256)
    });
}

/// Bottom of the guest stack segment (runtime-abi's layout).
const STACK_BOTTOM: u64 = abi::layout::STACK_TOP - abi::layout::STACK_SIZE;

fn fault_kind(stop: &Stop) -> Option<&FaultKind> {
    match stop {
        Stop::Fault(Fault { kind, .. }) => Some(kind),
        _ => None,
    }
}

/// Each selector's documented outcome (guests/misbehave/src/main.rs).
fn check_misbehave_stop(selector: u32, got: &Outcome, ctx: &str) {
    let kind = fault_kind(&got.stop);
    let ok = match selector {
        0 => matches!(kind, Some(FaultKind::LoadAccess { addr: 0, size: 4 })),
        1 => {
            matches!(kind, Some(FaultKind::StoreReadOnly { size: 4, addr }) if *addr >= abi::layout::TEXT_START)
        }
        2 => matches!(
            kind,
            Some(FaultKind::LoadAccess {
                addr: 0xf000_0000,
                size: 4
            })
        ),
        3 => got.stop == Stop::Exit { code: 42 },
        4 => matches!(kind, Some(FaultKind::IllegalInstruction { bits: 0 })),
        5 => matches!(got.stop, Stop::Breakpoint { .. }),
        6 => matches!(kind, Some(FaultKind::BadServiceArgument { addr: 0x10, .. })),
        7 => matches!(
            kind,
            Some(FaultKind::UnknownService {
                number: 0x0800_0fff
            })
        ),
        8 => got.stop == Stop::CycleLimit,
        9 => {
            matches!(kind, Some(FaultKind::StoreAccess { addr, .. } | FaultKind::LoadAccess { addr, .. }) if *addr < STACK_BOTTOM)
        }
        10 => {
            got.stop
                == Stop::Exit {
                    code: u64::from(abi::EXIT_PANIC),
                }
                && got.stderr.contains("deliberate panic")
        }
        _ => false,
    };
    assert!(
        ok,
        "{ctx}: unexpected outcome {:?} (stderr: {})",
        got.stop, got.stderr
    );
    if let Stop::Fault(f) = &got.stop {
        assert!(
            f.cycle > 0 && f.pc >= abi::layout::TEXT_START,
            "{ctx}: fault location {f:?}"
        );
    }
}

#[test]
fn misbehave() {
    let cases = cases("misbehave");
    assert_eq!(cases.len(), 11, "one input per selector 0..=10");
    for (target, elf) in elfs("misbehave") {
        for (case, frame) in &cases {
            let selector: u32 = postcard::from_bytes(frame).expect("selector");
            let runs = run_engines(
                &elf,
                frame,
                MISBEHAVE_LIMIT,
                MisalignedPolicy::Allow,
                &format!("misbehave {case} on {target}"),
            );
            for (engine, got) in runs {
                let ctx = format!("misbehave {case} on {target} ({engine})");
                assert!(
                    got.stdout
                        .starts_with(&format!("misbehave: selector {selector}\n")),
                    "{ctx}: stdout {:?}",
                    got.stdout
                );
                check_misbehave_stop(selector, &got, &ctx);
                if selector == 8 {
                    assert_eq!(got.stdout, "misbehave: selector 8\n", "{ctx}");
                }
            }
        }
        // The misaligned word load traps under --misaligned=trap.
        let (_, frame) = &cases[3];
        for (engine, got) in run_engines(
            &elf,
            frame,
            MISBEHAVE_LIMIT,
            MisalignedPolicy::Trap,
            &format!("misbehave trap on {target}"),
        ) {
            assert!(
                matches!(fault_kind(&got.stop), Some(FaultKind::MisalignedLoad { size: 4, addr }) if addr % 2 == 1),
                "misbehave misaligned on {target} ({engine}) under trap: {:?}",
                got.stop
            );
        }
    }
    // Native: the selectors that are portable behave the same.
    if let Some(exe) = native("misbehave") {
        for (sel, code) in [(3u32, 42), (10, abi::EXIT_PANIC as i32)] {
            let frame = postcard::to_allocvec(&sel).expect("encode");
            let (got, stdout, stderr, _) = run_native(&exe, &frame);
            assert_eq!(got, code, "native misbehave {sel}: {stderr}");
            assert!(stdout.starts_with(&format!("misbehave: selector {sel}\n")));
        }
    }
}

/// Guests with no oracle here (other guests in the workspace) still must end the same way on
/// every target and engine as their native build, and never fault.
#[test]
fn other_guests_match_native() {
    let mine = [
        "fibonacci",
        "sha256-chain-soft",
        "sha256-chain-accel",
        "keccak-chain-soft",
        "keccak-chain-accel",
        "misbehave",
    ];
    let mut bins = std::collections::BTreeSet::new();
    for t in TARGETS {
        if let Ok(entries) = std::fs::read_dir(guests_dir().join("bin").join(t)) {
            bins.extend(
                entries
                    .filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned()),
            );
        }
    }
    for bin in bins {
        if mine.contains(&bin.as_str()) || bin == "MANIFEST" {
            continue;
        }
        let input_dir = guests_dir().join("inputs").join(&bin);
        if !input_dir.is_dir() {
            eprintln!("note: no inputs for guest {bin}; not run");
            continue;
        }
        let native = native(&bin);
        let cases = cases(&bin);
        let references: Vec<_> = cases
            .iter()
            .map(|(_, frame)| native.as_ref().map(|exe| run_native(exe, frame)))
            .collect();
        // Not every guest builds for every target (e.g. no atomics on riscv*im): run those present.
        // Target outside, cases inside: each ELF is translated once.
        let present: Vec<_> = TARGETS
            .iter()
            .map(|t| (*t, guests_dir().join("bin").join(t).join(&bin)))
            .filter(|(_, p)| p.is_file())
            .collect();
        for (target, elf) in present {
            for ((case, frame), reference) in cases.iter().zip(&references) {
                for (engine, got) in run_engines(
                    &elf,
                    frame,
                    CYCLE_LIMIT,
                    MisalignedPolicy::Allow,
                    &format!("{bin} {case} on {target}"),
                ) {
                    let ctx = format!("{bin} {case} on {target} ({engine})");
                    assert!(
                        got.stop.is_exit(),
                        "{ctx}: {:?} (stderr: {})",
                        got.stop,
                        got.stderr
                    );
                    if let Some((code, stdout, _, output)) = &reference {
                        assert_eq!(
                            got.stop,
                            Stop::Exit { code: *code as u64 },
                            "{ctx}: exit vs native"
                        );
                        assert_eq!(&got.stdout, stdout, "{ctx}: stdout vs native");
                        assert_eq!(&got.output, output, "{ctx}: public output vs native");
                    }
                }
            }
        }
    }
}

/// Rebuilding fibonacci for one target twice (separate target dirs) gives identical bytes,
/// equal to the committed ELF. About a minute: runs under CI or with RVJIT_REPRO=1.
#[test]
fn guest_build_is_reproducible() {
    if std::env::var_os("CI").is_none() && std::env::var_os("RVJIT_REPRO").is_none() {
        eprintln!("note: reproducibility rebuild skipped (set CI or RVJIT_REPRO=1)");
        return;
    }
    let target = "riscv32im-unknown-none-elf";
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/build-guests.sh");
    let base = std::env::temp_dir().join(format!("rvjit-repro-{}", std::process::id()));
    let mut built = Vec::new();
    for run in ["a", "b"] {
        let dir = base.join(run);
        let status = Command::new("bash")
            .arg(&script)
            .args([
                "--guest",
                "fibonacci",
                "--target",
                target,
                "--no-native",
                "--target-dir",
            ])
            .arg(dir.join("target"))
            .arg("--out")
            .arg(dir.join("out"))
            .status()
            .expect("run build-guests.sh");
        assert!(status.success(), "build {run} failed");
        built.push(
            std::fs::read(dir.join("out").join(target).join("fibonacci")).expect("built ELF"),
        );
    }
    let _ = std::fs::remove_dir_all(&base);
    assert!(built[0] == built[1], "two builds of fibonacci differ");
    let committed = std::fs::read(guests_dir().join("bin").join(target).join("fibonacci"))
        .expect("committed ELF");
    assert!(
        built[0] == committed,
        "rebuilt fibonacci differs from the committed ELF"
    );
}
