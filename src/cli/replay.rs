//! Witness chunks on the command line: recording for `rvjit run --chunk-size N --chunks-dir
//! DIR`, and `rvjit replay DIR (--chunk K [--trace FILE] | --all [--jobs J])`.

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use rvjit::machine::Machine;
use rvjit::witness::dir::{record_to_dir, DirRun, Replayer};
use rvjit::witness::{ReplayOutcome, WitnessError};

use super::args::ReplayArgs;
use super::error::CliError;

/// `rvjit replay`: some replay differs from its records.
pub const STATUS_MISMATCH: i32 = 1;
/// rvjit's own failure (unreadable or corrupted records, wrong ELF).
const STATUS_ERROR: i32 = super::STATUS_ERROR;

fn witness_error(e: &WitnessError) -> CliError {
    let hint = match e {
        WitnessError::WrongElf { .. } => {
            "pass the ELF the run was recorded from with --elf, or record again"
        }
        WitnessError::VersionMismatch { .. } => "record again with this rvjit",
        WitnessError::NoSuchChunk { .. } => {
            "chunks are numbered from 0; see the manifest's chunk count"
        }
        WitnessError::Io { .. } => {
            "check that DIR was written by `rvjit run --chunk-size N --chunks-dir DIR`"
        }
        _ => "the chunks directory is damaged; record the run again",
    };
    CliError::new(e.to_string(), hint)
}

/// Record the run into `dir` with the interpreter.
pub fn record(
    m: &mut Machine,
    elf: &[u8],
    dir: &Path,
    chunk_size: u64,
    limit: u64,
) -> Result<DirRun, CliError> {
    record_to_dir(m, elf, dir, chunk_size, limit).map_err(|e| witness_error(&e))
}

/// One line after the run's summary: how much was recorded where.
pub fn report_recording(recorded: &DirRun, dir: &Path, cycles: u64) {
    let per_million = if cycles > 0 {
        recorded.record_bytes as f64 * 1e6 / cycles as f64
    } else {
        0.0
    };
    eprintln!(
        "rvjit: witness: {} chunks of up to {} cycles, {} bytes in {} ({:.0} bytes per million cycles; recorded with the interpreter)",
        recorded.run.manifest.chunk_count,
        recorded.run.manifest.chunk_size,
        recorded.record_bytes,
        dir.display(),
        per_million
    );
}

fn describe(o: &ReplayOutcome) -> String {
    let mut s = format!(
        "chunk {} (cycles {}..{}) replays exactly",
        o.chunk, o.start_cycle, o.end_cycle
    );
    match &o.stop {
        Some(stop) => s += &format!(" and ends the run with {stop}"),
        None => s += ", ending at the next chunk's start state",
    }
    s
}

/// `rvjit replay`; the result is the exit status.
pub fn replay(args: &ReplayArgs) -> Result<i32, CliError> {
    let replayer = Replayer::open(&args.dir, args.elf.as_deref()).map_err(|e| witness_error(&e))?;
    if let Some(k) = args.chunk {
        let mut file = match &args.trace {
            Some(path) => Some(std::io::BufWriter::new(
                std::fs::File::create(path).map_err(|e| CliError::io("create", path, e))?,
            )),
            None => None,
        };
        let result = replayer.replay(k, file.as_mut().map(|f| f as &mut dyn Write));
        if let (Some(f), Some(path)) = (file.as_mut(), &args.trace) {
            f.flush()
                .map_err(|e| CliError::io("write the trace to", path, e))?;
        }
        return match result {
            Ok(o) => {
                eprintln!("rvjit: {}", describe(&o));
                Ok(0)
            }
            Err(WitnessError::Mismatch(m)) => {
                eprintln!("rvjit: mismatch: {m}");
                Ok(STATUS_MISMATCH)
            }
            Err(e) => Err(witness_error(&e)),
        };
    }
    let jobs = args
        .jobs
        .map(usize::from)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let t = Instant::now();
    let results = replayer.replay_all(jobs).map_err(|e| witness_error(&e))?;
    let wall = t.elapsed().as_secs_f64();
    let (mut mismatches, mut errors, mut cycles) = (0usize, 0usize, 0u64);
    for (k, r) in results.iter().enumerate() {
        match r {
            Ok(o) => cycles += o.end_cycle - o.start_cycle,
            Err(WitnessError::Mismatch(m)) => {
                mismatches += 1;
                eprintln!("rvjit: mismatch: {m}");
            }
            Err(e) => {
                errors += 1;
                eprintln!("rvjit: error: chunk {k}: {e}");
            }
        }
    }
    let count = results.len();
    if mismatches + errors == 0 {
        let stop = &replayer.manifest.stop;
        eprintln!(
            "rvjit: all {count} chunks replay exactly ({cycles} cycles, run ends with {stop}) on {jobs} thread{} in {wall:.3} s",
            if jobs == 1 { "" } else { "s" }
        );
        return Ok(0);
    }
    eprintln!("rvjit: {mismatches} of {count} chunks differ, {errors} could not be read");
    Ok(if errors > 0 {
        STATUS_ERROR
    } else {
        STATUS_MISMATCH
    })
}
