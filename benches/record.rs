//! Helper of bench/record.sh, not a criterion benchmark: the cost of witness recording with
//! the translator, in one process, translation excluded (each translation is built once,
//! before the timed runs).
//!
//!   record ELF FRAME CHUNK_SIZE REPS DIR
//!
//! Per repetition, round-robin (so load changes hit all modes alike), on a fresh machine:
//! `plain` the plain translation's run; `mem` the recording translation into a sink that drops
//! the records (no encoding, no I/O); `dir` the recording translation into DIR (records encoded
//! and written by the writer thread, manifest last; DIR is removed before each of these runs
//! so every run writes new files, as a real run does). Prints one JSON line with the medians,
//! the cycle count, chunk count and the bytes written. Every run must end the same way.
//! `cargo bench` runs every bench target with `--bench`; this one then prints a note and exits.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use rvjit::jit::{Options, Translator};
use rvjit::machine::{Machine, RunConfig};
use rvjit::witness::dir::record_to_dir;
use rvjit::witness::{record_run_with, sha256, DiscardSink, RecordEngine};

fn fail(msg: String) -> ! {
    eprintln!("record: {msg}");
    std::process::exit(2)
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() != 5 || args[0].starts_with('-') {
        println!("record: helper of bench/record.sh (usage: record ELF FRAME CHUNK_SIZE REPS DIR); nothing to benchmark");
        return;
    }
    let bytes = std::fs::read(&args[0]).unwrap_or_else(|e| fail(format!("{}: {e}", args[0])));
    let program =
        Arc::new(rvjit::elf::load(&bytes).unwrap_or_else(|e| fail(format!("{}: {e}", args[0]))));
    let mut config = RunConfig::default();
    config.host.inputs =
        vec![std::fs::read(&args[1]).unwrap_or_else(|e| fail(format!("{}: {e}", args[1])))];
    config.host.echo = false;
    let chunk: u64 = args[2]
        .parse()
        .unwrap_or_else(|e| fail(format!("chunk size: {e}")));
    let reps: usize = args[3]
        .parse()
        .unwrap_or_else(|e| fail(format!("reps: {e}")));
    let dir = Path::new(&args[4]);
    let machine = || {
        Machine::new(Arc::clone(&program), &config).unwrap_or_else(|e| fail(format!("layout: {e}")))
    };
    let mut plain_t = Translator::new(&program).unwrap_or_else(|e| fail(format!("translate: {e}")));
    let mut rec_t = Translator::with_options(
        &program,
        &Options {
            record: true,
            ..Options::default()
        },
    )
    .unwrap_or_else(|e| fail(format!("translate (record): {e}")));
    let (mut plain, mut mem, mut disk) = (Vec::new(), Vec::new(), Vec::new());
    let (mut cycles, mut chunks, mut record_bytes, mut stream_bytes) = (0, 0, 0, 0);
    for _ in 0..reps.max(1) {
        let mut m = machine();
        let t = Instant::now();
        let stop = plain_t
            .run(&mut m, u64::MAX)
            .unwrap_or_else(|e| fail(format!("run: {e}")));
        plain.push(t.elapsed().as_secs_f64());
        cycles = m.cpu.cycle;
        let out = m.host.public_output().to_vec();

        let mut m = machine();
        let mut sink = DiscardSink::default();
        let t = Instant::now();
        let run = record_run_with(
            &mut m,
            sha256(&bytes),
            chunk,
            u64::MAX,
            &mut sink,
            RecordEngine::Translator(&mut rec_t),
        )
        .unwrap_or_else(|e| fail(format!("record: {e}")));
        mem.push(t.elapsed().as_secs_f64());
        if run.stop != stop || m.cpu.cycle != cycles || m.host.public_output() != out.as_slice() {
            fail("the recording run ended differently from the plain run".into());
        }
        stream_bytes = sink.stream_bytes;

        // A fresh directory, as for a real run (rewriting the previous repetition's files
        // would add truncating them to the timed part).
        if dir.exists() {
            std::fs::remove_dir_all(dir)
                .unwrap_or_else(|e| fail(format!("remove {}: {e}", dir.display())));
        }
        let mut m = machine();
        let t = Instant::now();
        let run = record_to_dir(
            &mut m,
            &bytes,
            dir,
            chunk,
            u64::MAX,
            RecordEngine::Translator(&mut rec_t),
        )
        .unwrap_or_else(|e| fail(format!("record to {}: {e}", dir.display())));
        disk.push(t.elapsed().as_secs_f64());
        if run.run.stop != stop || m.cpu.cycle != cycles {
            fail("the recording run (to disk) ended differently from the plain run".into());
        }
        chunks = run.run.manifest.chunk_count;
        record_bytes = run.record_bytes;
    }
    let (p, m, d) = (median(&mut plain), median(&mut mem), median(&mut disk));
    println!(
        "{{\"cycles\":{cycles},\"chunk_size\":{chunk},\"chunks\":{chunks},\"plain_seconds\":{p},\"record_mem_seconds\":{m},\
         \"record_dir_seconds\":{d},\"mem_ratio\":{},\"dir_ratio\":{},\"record_bytes\":{record_bytes},\"stream_bytes\":{stream_bytes},\
         \"mb_per_mcycle\":{}}}",
        m / p,
        d / p,
        record_bytes as f64 / cycles.max(1) as f64
    );
}
