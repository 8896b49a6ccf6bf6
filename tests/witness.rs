//! Trace-free witness generation (docs/WITNESS.md): every committed guest, recorded in
//! chunks of 1, 7, 1000 and 2^18 cycles by both engines (the interpreter's recording bus and
//! the recording translation), gives byte-identical records that replay chunk by chunk from
//! the records alone, ending exactly at the next chunk's start state (the last chunk: at the
//! run's final state and stop); the final state and outputs do not depend on the chunk size
//! and equal the plain runs' (interpreter and translator). Chunk sizes 1 and 7 record only
//! the first `SMALL_RUN_CHUNKS` chunks of longer runs (a cycle limit; compared with plain runs
//! stopped there).
//! Corrupted or forged records give typed errors, never panics. The CLI: `rvjit run
//! --chunk-size N --chunks-dir DIR` with `--engine interp` and `--engine jit` (same files),
//! `rvjit replay DIR --chunk K --trace FILE` and `--all --jobs 2`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use rayon::prelude::*;
use rvjit::jit::{self, Translator};
use rvjit::machine::{Machine, RunConfig};
use rvjit::memory::{MemoryConfig, MisalignedPolicy};
use rvjit::outcome::Stop;
use rvjit::program::Program;
use rvjit::witness::dir::{chunk_file, record_to_dir, Replayer, MANIFEST_FILE, PROGRAM_FILE};
use rvjit::witness::{
    record_run_with, replay_chunk, sha256, ChunkRecord, Difference, Expected, FinalStop, Manifest,
    MemorySink, OutputDigest, RecordEngine, WitnessError, FORMAT_VERSION,
};

const TARGETS: &[&str] = &[
    "riscv32im-unknown-none-elf",
    "riscv32imac-unknown-none-elf",
    "riscv64im-unknown-none-elf",
    "riscv64imac-unknown-none-elf",
];

/// (binary, input directory) of every committed guest.
const GUESTS: &[(&str, &str)] = &[
    ("fibonacci", "fibonacci"),
    ("sha256-chain-soft", "sha256-chain"),
    ("sha256-chain-accel", "sha256-chain"),
    ("keccak-chain-soft", "keccak-chain"),
    ("keccak-chain-accel", "keccak-chain"),
    ("misbehave", "misbehave"),
];

/// The heavy guests, with one small input each (their other inputs run for millions of cycles).
const HEAVY: &[(&str, &str, &str)] = &[
    ("ecdsa-verify", "ecdsa-verify", "valid"),
    ("evm", "evm", "small"),
    ("json", "json", "small"),
];

/// Stops misbehave's endless loop and the long inputs (bench inputs, ecdsa-verify on RV32):
/// their recordings end at this cycle limit, a final stop like any other, compared with the
/// plain runs stopped there. Keeps the test under half a minute on two cores (the
/// translator interprets from a mid-block chunk start to the next entry instead of compiling a
/// region per boundary, which made 400k cycles and 1,000 small chunks take 85 s).
const CYCLE_LIMIT: u64 = 10_000_000;
/// Chunk sizes 1 and 7 cover the first this many chunks of longer runs (every chunk is two
/// recordings and a replay on a fresh machine; whole runs at N = 7 took minutes).
const SMALL_RUN_CHUNKS: u64 = 20_000;

fn guests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("guests")
}

fn elf_path(target: &str, bin: &str) -> PathBuf {
    guests_dir().join("bin").join(target).join(bin)
}

/// The standard input frames of a guest (bench inputs excluded), sorted by name.
fn inputs(dir: &str) -> Vec<(String, Vec<u8>)> {
    let dir = guests_dir().join("inputs").join(dir);
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
                std::fs::read(&p).expect("read"),
            )
        })
        .collect();
    out.sort();
    out
}

fn machine(program: &Arc<Program>, frame: &[u8], misaligned: MisalignedPolicy) -> Machine {
    let mut config = RunConfig::default();
    config.memory = MemoryConfig {
        misaligned,
        ..MemoryConfig::default()
    };
    config.host.inputs = vec![frame.to_vec()];
    Machine::new(Arc::clone(program), &config).expect("layout")
}

/// How a run ended and what it produced.
#[derive(Clone, Debug, PartialEq)]
struct Ending {
    stop: FinalStop,
    cycle: u64,
    pc: u64,
    regs: [u64; 32],
    public_output: OutputDigest,
    stdout: OutputDigest,
    stderr: OutputDigest,
}

fn ending(m: &Machine, stop: &Stop) -> Ending {
    Ending {
        stop: FinalStop::of(stop),
        cycle: m.cpu.cycle,
        pc: m.cpu.pc,
        regs: m.cpu.regs,
        public_output: OutputDigest::of(m.host.public_output()),
        stdout: OutputDigest::of(m.host.stdout()),
        stderr: OutputDigest::of(m.host.stderr()),
    }
}

fn manifest_ending(man: &Manifest) -> Ending {
    Ending {
        stop: man.stop.clone(),
        cycle: man.final_state.cycle,
        pc: man.final_state.pc,
        regs: man.final_state.regs,
        public_output: man.public_output.clone(),
        stdout: man.stdout.clone(),
        stderr: man.stderr.clone(),
    }
}

/// Replay every in-memory chunk against the next one's start (or the manifest).
fn replay_all(
    program: &Program,
    elf_sha: &[u8; 32],
    chunks: &[Vec<u8>],
    man: &Manifest,
) -> Result<(), WitnessError> {
    let records: Vec<ChunkRecord> = chunks
        .par_iter()
        .map(|b| ChunkRecord::decode(b))
        .collect::<Result<_, _>>()?;
    (0..records.len()).into_par_iter().try_for_each(|k| {
        let expected = match records.get(k + 1) {
            Some(next) => Expected::Next(&next.start),
            None => Expected::Final(man),
        };
        replay_chunk(program, elf_sha, &records[k], expected, None).map(|_| ())
    })
}

/// A recording translation of `program`.
fn recording_translator(program: &Arc<Program>) -> Translator {
    Translator::with_options(
        program,
        &jit::Options {
            record: true,
            lazy: true,
            ..jit::Options::default()
        },
    )
    .expect("translate")
}

/// Record one run with `engine` into memory.
fn record(
    program: &Arc<Program>,
    frame: &[u8],
    misaligned: MisalignedPolicy,
    elf_sha: [u8; 32],
    n: u64,
    limit: u64,
    engine: RecordEngine<'_>,
) -> (rvjit::witness::RecordedRun, Ending, Vec<Vec<u8>>) {
    let mut m = machine(program, frame, misaligned);
    let mut sink = MemorySink::default();
    let run = record_run_with(&mut m, elf_sha, n, limit, &mut sink, engine).expect("record");
    let end = ending(&m, &run.stop);
    (run, end, sink.chunks)
}

/// Record one guest run at every chunk size on both engines (the interpreter's recording bus
/// and the recording translation); the records must be byte-identical, every chunk must
/// replay, and the final state and outputs must equal the plain runs' (interpreter and
/// translator). Chunk sizes 1 and 7 cover the first `SMALL_RUN_CHUNKS` chunks only on longer
/// runs (a ~400-byte record per chunk): there both engines record with a cycle limit at that
/// chunk boundary and are compared with the plain run stopped at the same cycle.
fn check_run(what: &str, elf: &Path, frame: &[u8], misaligned: MisalignedPolicy) {
    let bytes = std::fs::read(elf).unwrap_or_else(|e| panic!("{}: {e}", elf.display()));
    let elf_sha = sha256(&bytes);
    let program = Arc::new(rvjit::elf::load(&bytes).expect("ELF"));
    // Lazy translations (the rest on demand): translation time would dominate the heavy guests;
    // the CLI test records with an ahead-of-time recording translation.
    let plain_translator = std::cell::RefCell::new(
        Translator::with_options(
            &program,
            &jit::Options {
                lazy: true,
                ..jit::Options::default()
            },
        )
        .expect("translate"),
    );
    let plain_to = |limit: u64| {
        let mut m = machine(&program, frame, misaligned);
        let stop = rvjit::interp::run(&mut m, limit);
        let interp = ending(&m, &stop);
        let mut m = machine(&program, frame, misaligned);
        let stop = plain_translator
            .borrow_mut()
            .run(&mut m, limit)
            .expect("jit run");
        assert_eq!(
            ending(&m, &stop),
            interp,
            "{what}: plain translated run differs from the interpreter"
        );
        (stop, interp)
    };
    let (stop, plain) = plain_to(CYCLE_LIMIT);
    let mut translator = recording_translator(&program);
    for n in [1, 7, 1000, 1 << 18] {
        let cap = n * SMALL_RUN_CHUNKS;
        let (limit, stop, plain) = if n < 1000 && plain.cycle > cap {
            let (s, p) = plain_to(cap);
            (cap, s, p)
        } else {
            (CYCLE_LIMIT, stop.clone(), plain.clone())
        };
        let (run, end, chunks) = record(
            &program,
            frame,
            misaligned,
            elf_sha,
            n,
            limit,
            RecordEngine::Interpreter,
        );
        assert_eq!(
            run.stop, stop,
            "{what} N={n}: stop differs from the plain run"
        );
        assert_eq!(
            end, plain,
            "{what} N={n}: recording run differs from the plain run"
        );
        assert_eq!(
            manifest_ending(&run.manifest),
            plain,
            "{what} N={n}: manifest differs from the plain run"
        );
        let count = chunks.len() as u64;
        assert_eq!(run.manifest.chunk_count, count);
        // Exact cycle boundaries: N cycles per chunk; the last holds the rest (possibly 0
        // cycles when the run faults right at a boundary).
        assert!(
            plain.cycle.div_ceil(n) <= count && count <= plain.cycle / n + 1,
            "{what} N={n}: {count} chunks"
        );

        let (jrun, jend, jchunks) = record(
            &program,
            frame,
            misaligned,
            elf_sha,
            n,
            limit,
            RecordEngine::Translator(&mut translator),
        );
        assert_eq!(
            jrun.stop, stop,
            "{what} N={n}: translated recording stops differently"
        );
        assert_eq!(
            jend, plain,
            "{what} N={n}: translated recording run differs from the plain run"
        );
        assert_eq!(
            jrun.manifest.encode(),
            run.manifest.encode(),
            "{what} N={n}: manifests differ between engines"
        );
        assert_eq!(
            jchunks.len(),
            chunks.len(),
            "{what} N={n}: chunk counts differ between engines"
        );
        if let Some(k) = (0..chunks.len()).find(|&k| jchunks[k] != chunks[k]) {
            let (a, b) = (
                ChunkRecord::decode(&chunks[k]).expect("decode"),
                ChunkRecord::decode(&jchunks[k]).expect("decode"),
            );
            panic!(
                "{what} N={n}: chunk {k} differs between engines: loads {} vs {} bytes (first difference at {:?}), \
                 services {} vs {}, data {} vs {}, start {:?} vs {:?}",
                a.loads.len(),
                b.loads.len(),
                a.loads.iter().zip(&b.loads).position(|(x, y)| x != y),
                a.service_count,
                b.service_count,
                a.data.len(),
                b.data.len(),
                a.start,
                b.start
            );
        }
        replay_all(&program, &elf_sha, &chunks, &run.manifest)
            .unwrap_or_else(|e| panic!("{what} N={n}: replay failed: {e}"));
    }
}

#[test]
fn every_guest_at_every_chunk_size_replays_exactly() {
    let mut cases = Vec::new();
    for target in TARGETS {
        for (bin, input_dir, input) in HEAVY {
            if !elf_path(target, bin).exists() {
                continue; // evm is not built for riscv32im (docs/ARCHITECTURE.md)
            }
            let frame = std::fs::read(
                guests_dir()
                    .join("inputs")
                    .join(input_dir)
                    .join(format!("{input}.bin")),
            )
            .expect("input");
            cases.push((
                format!("{target}/{bin} {input}"),
                elf_path(target, bin),
                frame,
                MisalignedPolicy::Allow,
            ));
        }
        for (bin, input_dir) in GUESTS {
            for (name, frame) in inputs(input_dir) {
                cases.push((
                    format!("{target}/{bin} {name}"),
                    elf_path(target, bin),
                    frame,
                    MisalignedPolicy::Allow,
                ));
            }
        }
        // A misaligned-access fault (raised by memory, injected at replay).
        let misaligned =
            std::fs::read(guests_dir().join("inputs/misbehave/03-misaligned.bin")).expect("input");
        cases.push((
            format!("{target}/misbehave trap"),
            elf_path(target, "misbehave"),
            misaligned,
            MisalignedPolicy::Trap,
        ));
    }
    cases
        .par_iter()
        .for_each(|(what, elf, frame, policy)| check_run(what, elf, frame, *policy));
}

static NEXT_DIR: AtomicUsize = AtomicUsize::new(0);

/// A fresh directory under the test's scratch space.
fn scratch(name: &str) -> PathBuf {
    let n = NEXT_DIR.fetch_add(1, Ordering::Relaxed);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("witness-{}-{name}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Record fibonacci (small input) into a directory with chunks of 100 cycles.
fn recorded_dir(name: &str) -> (PathBuf, u64) {
    let dir = scratch(name);
    let elf = elf_path("riscv64imac-unknown-none-elf", "fibonacci");
    let bytes = std::fs::read(&elf).expect("ELF");
    let program = Arc::new(rvjit::elf::load(&bytes).expect("ELF"));
    let frame = std::fs::read(guests_dir().join("inputs/fibonacci/small.bin")).expect("input");
    let mut m = machine(&program, &frame, MisalignedPolicy::Allow);
    let run = record_to_dir(
        &mut m,
        &bytes,
        &dir,
        100,
        u64::MAX,
        RecordEngine::Interpreter,
    )
    .expect("record");
    assert!(run.run.stop.is_exit());
    (dir, run.run.manifest.chunk_count)
}

fn rewrite(path: &Path, f: impl FnOnce(&mut Vec<u8>)) {
    let mut b = std::fs::read(path).expect("read");
    f(&mut b);
    std::fs::write(path, b).expect("write");
}

/// Decode, change and re-encode (valid checksum): a forged record.
fn forge(dir: &Path, k: u64, f: impl FnOnce(&mut ChunkRecord)) {
    let path = dir.join(chunk_file(k));
    let mut r = ChunkRecord::decode(&std::fs::read(&path).expect("read")).expect("decode");
    f(&mut r);
    std::fs::write(&path, r.encode()).expect("write");
}

#[test]
fn directory_round_trip_and_corruption_is_a_typed_error() {
    let (dir, count) = recorded_dir("corrupt");
    assert!(count > 10);
    let replayer = Replayer::open(&dir, None).expect("open");
    for k in 0..count {
        replayer
            .replay(k, None)
            .unwrap_or_else(|e| panic!("chunk {k}: {e}"));
    }
    assert!(matches!(
        replayer.replay(count, None),
        Err(WitnessError::NoSuchChunk { .. })
    ));

    // Flipped byte in the body: checksum; also fails the previous chunk's end check.
    rewrite(&dir.join(chunk_file(3)), |b| b[200] ^= 1);
    assert!(matches!(
        replayer.replay(3, None),
        Err(WitnessError::ChecksumMismatch { .. })
    ));
    assert!(matches!(
        replayer.replay(2, None),
        Err(WitnessError::ChecksumMismatch { .. })
    ));
    // Truncated.
    rewrite(&dir.join(chunk_file(4)), |b| b.truncate(30));
    assert!(
        matches!(
            replayer.replay(4, None),
            Err(WitnessError::Truncated { .. })
        ),
        "{:?}",
        replayer.replay(4, None)
    );
    rewrite(&dir.join(chunk_file(5)), |b| b.truncate(b.len() - 1));
    assert!(matches!(
        replayer.replay(5, None),
        Err(WitnessError::ChecksumMismatch { .. })
    ));
    // Another format version.
    rewrite(&dir.join(chunk_file(6)), |b| {
        b[8..10].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes())
    });
    match replayer.replay(6, None) {
        Err(WitnessError::VersionMismatch {
            found, supported, ..
        }) => {
            assert_eq!((found, supported), (FORMAT_VERSION + 1, FORMAT_VERSION))
        }
        other => panic!("{other:?}"),
    }
    // Missing file.
    std::fs::remove_file(dir.join(chunk_file(8))).expect("rm");
    assert!(matches!(
        replayer.replay(8, None),
        Err(WitnessError::Io { .. })
    ));
    // Untouched chunks still replay.
    replayer.replay(0, None).expect("chunk 0");
    replayer.replay(count - 1, None).expect("last chunk");

    // Wrong ELF: another guest passed explicitly, or the copy replaced.
    let other = elf_path("riscv64imac-unknown-none-elf", "sha256-chain-soft");
    assert!(matches!(
        Replayer::open(&dir, Some(&other)),
        Err(WitnessError::WrongElf { .. })
    ));
    std::fs::copy(&other, dir.join(PROGRAM_FILE)).expect("copy");
    assert!(matches!(
        Replayer::open(&dir, None),
        Err(WitnessError::WrongElf { .. })
    ));
    // Corrupted manifest.
    rewrite(&dir.join(MANIFEST_FILE), |b| b[60] ^= 0x80);
    assert!(matches!(
        Replayer::open(&dir, None),
        Err(WitnessError::ChecksumMismatch { .. })
    ));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn every_flipped_byte_of_a_record_is_detected() {
    let (dir, _) = recorded_dir("flip");
    let bytes = std::fs::read(dir.join(chunk_file(1))).expect("read");
    for i in 0..bytes.len() {
        for bit in [0x01, 0x80] {
            let mut b = bytes.clone();
            b[i] ^= bit;
            assert!(
                ChunkRecord::decode(&b).is_err(),
                "flip {bit:#x} at byte {i} undetected"
            );
        }
        assert!(
            ChunkRecord::decode(&bytes[..i]).is_err(),
            "cut at {i} undetected"
        );
    }
    let man = std::fs::read(dir.join(MANIFEST_FILE)).expect("read");
    for i in 0..man.len() {
        let mut b = man.clone();
        b[i] ^= 0x04;
        assert!(
            Manifest::decode(&b).is_err(),
            "manifest flip at {i} undetected"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn mismatch(r: Result<rvjit::witness::ReplayOutcome, WitnessError>) -> (u64, u64, Difference) {
    match r {
        Err(WitnessError::Mismatch(m)) => (m.chunk, m.cycle, m.difference),
        other => panic!("expected a mismatch, got {other:?}"),
    }
}

#[test]
fn forged_records_are_mismatches_with_chunk_cycle_and_difference() {
    let (dir, count) = recorded_dir("forge");
    let replayer = Replayer::open(&dir, None).expect("open");
    // Find a chunk with loads and one with a service call.
    let with_loads = (0..count - 1)
        .find(|&k| replayer.chunk(k).expect("chunk").loads.len() > 8)
        .expect("loads");
    let with_service = (0..count)
        .find(|&k| replayer.chunk(k).expect("chunk").service_count > 0)
        .expect("service");

    // A changed start register: chunk 1 no longer ends at chunk 2's start, and chunk 0 no
    // longer ends at chunk 1's.
    let (one, two) = (
        replayer.chunk(1).expect("chunk"),
        replayer.chunk(2).expect("chunk"),
    );
    forge(&dir, 1, |r| r.start.regs[9] ^= 0x40);
    let (chunk, cycle, _) = mismatch(replayer.replay(1, None));
    assert_eq!((chunk, cycle), (1, 200));
    let (chunk, cycle, d) = mismatch(replayer.replay(0, None));
    assert_eq!((chunk, cycle), (0, 100));
    let x9 = one.start.regs[9];
    assert_eq!(
        d,
        Difference::Register {
            reg: 9,
            expected: x9 ^ 0x40,
            found: x9
        }
    );
    forge(&dir, 1, |r| *r = one.clone());
    // A changed end cycle: not the manifest's chunk size, and not where the next chunk starts.
    forge(&dir, 2, |r| r.end_cycle += 1);
    assert!(matches!(
        replayer.replay(2, None),
        Err(WitnessError::Corrupt { .. })
    ));
    let (forged, three) = (
        replayer.chunk(2).expect("chunk"),
        replayer.chunk(3).expect("chunk"),
    );
    let r = replay_chunk(
        &replayer.program,
        &replayer.elf_sha256,
        &forged,
        Expected::Next(&three.start),
        None,
    );
    assert_eq!(
        mismatch(r).2,
        Difference::NotContiguous {
            expected: 301,
            found: 300
        }
    );
    forge(&dir, 2, |r| *r = two.clone());
    for k in 0..count {
        replayer
            .replay(k, None)
            .unwrap_or_else(|e| panic!("restored chunk {k}: {e}"));
    }

    // Loads: one value too few, one byte too many.
    let original = replayer.chunk(with_loads).expect("chunk");
    forge(&dir, with_loads, |r| {
        r.loads.truncate(r.loads.len() - 8);
    });
    let (chunk, _, d) = mismatch(replayer.replay(with_loads, None));
    assert_eq!(chunk, with_loads);
    assert!(matches!(d, Difference::LoadsExhausted { .. }), "{d}");
    forge(&dir, with_loads, |r| {
        *r = ChunkRecord {
            loads: [original.loads.clone(), vec![0]].concat(),
            ..original.clone()
        }
    });
    assert_eq!(
        mismatch(replayer.replay(with_loads, None)).2,
        Difference::LeftoverLoads { bytes: 1 }
    );
    forge(&dir, with_loads, |r| *r = original.clone());

    // Services: none left / one too many.
    let original = replayer.chunk(with_service).expect("chunk");
    forge(&dir, with_service, |r| {
        r.service_count = 0;
        r.services.clear();
        r.data.clear();
    });
    assert!(matches!(
        mismatch(replayer.replay(with_service, None)).2,
        Difference::ServicesExhausted { .. }
    ));
    forge(&dir, with_service, |r| {
        *r = ChunkRecord {
            data: [original.data.clone(), vec![1]].concat(),
            ..original.clone()
        }
    });
    assert_eq!(
        mismatch(replayer.replay(with_service, None)).2,
        Difference::LeftoverData { bytes: 1 }
    );
    forge(&dir, with_service, |r| *r = original.clone());
    replayer.replay(with_service, None).expect("restored");
    let _ = std::fs::remove_dir_all(&dir);
}

fn rvjit(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_rvjit"))
        .args(args)
        .output()
        .expect("run rvjit");
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (
        out.status.code().unwrap_or(-1),
        text(&out.stdout),
        text(&out.stderr),
    )
}

#[test]
fn cli_run_chunked_then_replay() {
    let dir = scratch("cli");
    let d = dir.to_str().expect("utf-8 path");
    let elf = elf_path("riscv32imac-unknown-none-elf", "sha256-chain-accel");
    let input = guests_dir().join("inputs/sha256-chain/small.bin");
    let (elf, input) = (elf.to_str().expect("path"), input.to_str().expect("path"));
    let (plain_status, plain_out, _) = rvjit(&["run", elf, "--input", input, "--json"]);
    let (status, out, err) = rvjit(&[
        "run",
        elf,
        "--input",
        input,
        "--json",
        "--chunk-size",
        "1000",
        "--chunks-dir",
        d,
    ]);
    assert_eq!((status, plain_status), (0, 0), "{err}");
    assert!(err.contains("rvjit: witness: "), "{err}");
    // Same output and summary except timing.
    let strip = |s: &str| -> String {
        let v: serde_json::Value =
            serde_json::from_str(s.lines().last().expect("json")).expect("json");
        format!(
            "{} {} {} {}",
            v["cycles"], v["public_output_sha256"], v["stop"], v["exit_code"]
        )
    };
    assert_eq!(strip(&out), strip(&plain_out));

    let (status, _, err) = rvjit(&["replay", d, "--all", "--jobs", "2"]);
    assert_eq!(status, 0, "{err}");
    assert!(
        err.contains("replay exactly") && err.contains("on 2 threads"),
        "{err}"
    );

    // The recording translation writes the same files, byte for byte, and reports engine jit.
    let jdir = scratch("cli-jit");
    let jd = jdir.to_str().expect("utf-8 path");
    let (status, jout, err) = rvjit(&[
        "run",
        elf,
        "--input",
        input,
        "--json",
        "--engine",
        "jit",
        "--chunk-size",
        "1000",
        "--chunks-dir",
        jd,
    ]);
    assert_eq!(status, 0, "{err}");
    assert!(!err.contains("note:"), "{err}");
    assert!(err.contains("recorded with engine jit"), "{err}");
    assert_eq!(strip(&jout), strip(&plain_out));
    let engine = |s: &str| -> String {
        let v: serde_json::Value =
            serde_json::from_str(s.lines().last().expect("json")).expect("json");
        v["engine"].to_string()
    };
    assert_eq!(engine(&jout), "\"jit\"", "{jout}");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    names.sort();
    let mut jnames: Vec<_> = std::fs::read_dir(&jdir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    jnames.sort();
    assert_eq!(names, jnames);
    for name in &names {
        assert!(
            std::fs::read(dir.join(name)).expect("read")
                == std::fs::read(jdir.join(name)).expect("read"),
            "{name:?} differs"
        );
    }
    let (status, _, err) = rvjit(&["replay", jd, "--all", "--jobs", "2"]);
    assert_eq!(status, 0, "{err}");
    let _ = std::fs::remove_dir_all(&jdir);

    let trace = dir.join("chunk1.trace");
    let (status, _, err) = rvjit(&[
        "replay",
        d,
        "--chunk",
        "1",
        "--trace",
        trace.to_str().expect("path"),
    ]);
    assert_eq!(status, 0, "{err}");
    let text = std::fs::read_to_string(&trace).expect("trace");
    let steps: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(steps.len(), 1000);
    assert!(steps[0].starts_with("1000\t0x"), "{}", steps[0]);
    assert!(
        steps.iter().any(|l| l.contains("\tld 0x")) && steps.iter().any(|l| l.contains("st 0x"))
    );

    // A forged record: mismatch, status 1, with chunk and cycle.
    forge(&dir, 2, |r| r.start.regs[2] ^= 8);
    let (status, _, err) = rvjit(&["replay", d, "--chunk", "2"]);
    assert_eq!(status, 1, "{err}");
    assert!(
        err.contains("mismatch: chunk 2: replay differs at cycle"),
        "{err}"
    );
    let (status, _, err) = rvjit(&["replay", d, "--all", "--jobs", "2"]);
    assert_eq!(status, 1, "{err}");
    // A corrupted record: rvjit error 125 with a clear message.
    rewrite(&dir.join(chunk_file(3)), |b| b[100] ^= 1);
    let (status, _, err) = rvjit(&["replay", d, "--chunk", "3"]);
    assert_eq!(status, 125, "{err}");
    assert!(
        err.contains("chunk record is corrupted: checksum mismatch"),
        "{err}"
    );
    let (status, _, err) = rvjit(&["replay", d, "--chunk", "3", "--elf", elf]);
    assert_eq!(status, 125, "{err}");
    let other = elf_path("riscv32imac-unknown-none-elf", "fibonacci");
    let (status, _, err) = rvjit(&["replay", d, "--all", "--elf", other.to_str().expect("path")]);
    assert_eq!(status, 125);
    assert!(err.contains("different ELF"), "{err}");
    let (status, _, _) = rvjit(&["run", elf, "--chunk-size", "0", "--chunks-dir", d]);
    assert_eq!(status, 125);
    let _ = std::fs::remove_dir_all(&dir);
}
