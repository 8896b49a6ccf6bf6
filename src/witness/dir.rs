//! The chunks directory: `manifest.rvw` (written last, when the run has stopped),
//! `chunk-NNNNNNNN.rvw` (one record per chunk, index in decimal, 8+ digits) and `program.elf`
//! (a copy of the guest, so the directory replays on its own).

use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;

use rayon::prelude::*;

use crate::machine::Machine;
use crate::program::Program;

use super::error::WitnessError;
use super::format::{ChunkRecord, Manifest};
use super::record::{record_run_with, ChunkSink, RecordEngine, RecordedRun};
use super::replay::{replay_chunk, Expected, ReplayOutcome};
use super::sha256;

pub const MANIFEST_FILE: &str = "manifest.rvw";
pub const PROGRAM_FILE: &str = "program.elf";

pub fn chunk_file(index: u64) -> String {
    format!("chunk-{index:08}.rvw")
}

/// Records queued for the writer thread at most (bounds memory when the disk is slower than
/// the run).
const WRITE_QUEUE: usize = 8;

/// Writes each record to its file on a writer thread, so encoding (checksum) and I/O overlap
/// the run. The first write error stops the thread; the next [`ChunkSink::chunk`] or
/// [`DirSink::finish`] returns it.
pub struct DirSink {
    tx: Option<SyncSender<ChunkRecord>>,
    writer: Option<JoinHandle<Result<u64, WitnessError>>>,
}

impl DirSink {
    pub fn new(dir: &Path) -> DirSink {
        let (tx, rx) = sync_channel::<ChunkRecord>(WRITE_QUEUE);
        let dir = dir.to_owned();
        let writer = std::thread::spawn(move || {
            let mut written = 0u64;
            for record in rx {
                let path = dir.join(chunk_file(record.index));
                let n = std::fs::File::create(&path)
                    .and_then(|mut f| record.write_to(&mut f))
                    .map_err(|e| WitnessError::io("write", path, e))?;
                written += n;
            }
            Ok(written)
        });
        DirSink {
            tx: Some(tx),
            writer: Some(writer),
        }
    }

    /// Wait for every queued record to be written; the bytes written.
    pub fn finish(mut self) -> Result<u64, WitnessError> {
        self.join()
    }

    fn join(&mut self) -> Result<u64, WitnessError> {
        drop(self.tx.take());
        match self.writer.take() {
            Some(h) => h.join().map_err(|_| WitnessError::Writer {
                reason: "it panicked".into(),
            })?,
            None => Err(WitnessError::Writer {
                reason: "already finished".into(),
            }),
        }
    }
}

impl ChunkSink for DirSink {
    fn chunk(&mut self, record: ChunkRecord) -> Result<(), WitnessError> {
        let sent = self.tx.as_ref().map(|tx| tx.send(record));
        match sent {
            Some(Ok(())) => Ok(()),
            // The writer stopped: report its error.
            _ => Err(self.join().err().unwrap_or(WitnessError::Writer {
                reason: "it stopped early".into(),
            })),
        }
    }
}

impl Drop for DirSink {
    fn drop(&mut self) {
        if self.writer.is_some() {
            let _ = self.join();
        }
    }
}

/// A recording run into `dir`: the run's result and the bytes of records written.
pub struct DirRun {
    pub run: RecordedRun,
    pub record_bytes: u64,
}

/// Record `m` (loaded from `elf`) into `dir` with chunks of `chunk_size` cycles on `engine`.
/// An existing manifest is removed first, so a directory holds a manifest only after a
/// complete run. Records are written by a writer thread while the run goes on.
pub fn record_to_dir(
    m: &mut Machine,
    elf: &[u8],
    dir: &Path,
    chunk_size: u64,
    cycle_limit: u64,
    engine: RecordEngine<'_>,
) -> Result<DirRun, WitnessError> {
    if chunk_size == 0 {
        return Err(WitnessError::ZeroChunkSize);
    }
    std::fs::create_dir_all(dir).map_err(|e| WitnessError::io("create directory", dir, e))?;
    let manifest = dir.join(MANIFEST_FILE);
    match std::fs::remove_file(&manifest) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(WitnessError::io("remove", manifest, e))
        }
        _ => {}
    }
    let program = dir.join(PROGRAM_FILE);
    std::fs::write(&program, elf).map_err(|e| WitnessError::io("write", program, e))?;
    let mut sink = DirSink::new(dir);
    let run = record_run_with(m, sha256(elf), chunk_size, cycle_limit, &mut sink, engine)?;
    let chunk_bytes = sink.finish()?;
    // The manifest last: its presence means every record is on disk.
    let bytes = run.manifest.encode();
    std::fs::write(&manifest, &bytes).map_err(|e| WitnessError::io("write", manifest, e))?;
    Ok(DirRun {
        run,
        record_bytes: chunk_bytes + bytes.len() as u64,
    })
}

fn read(path: PathBuf) -> Result<Vec<u8>, WitnessError> {
    std::fs::read(&path).map_err(|e| WitnessError::io("read", path, e))
}

/// A chunks directory opened for replay: its manifest and the program.
pub struct Replayer {
    pub dir: PathBuf,
    pub manifest: Manifest,
    pub program: Program,
    pub elf_sha256: [u8; 32],
}

impl Replayer {
    /// Open `dir`, with the ELF at `elf` (default: the directory's `program.elf`), which must
    /// be the one the records were made from.
    pub fn open(dir: &Path, elf: Option<&Path>) -> Result<Replayer, WitnessError> {
        let manifest = Manifest::decode(&read(dir.join(MANIFEST_FILE))?)?;
        let elf_path = elf.map_or_else(|| dir.join(PROGRAM_FILE), Path::to_owned);
        let bytes = read(elf_path.clone())?;
        let elf_sha256 = sha256(&bytes);
        if elf_sha256 != manifest.elf_sha256 {
            return Err(WitnessError::WrongElf {
                expected: super::hex(&manifest.elf_sha256),
                found: super::hex(&elf_sha256),
            });
        }
        let program = crate::elf::load(&bytes).map_err(|source| WitnessError::Elf {
            path: elf_path,
            source,
        })?;
        Ok(Replayer {
            dir: dir.to_owned(),
            manifest,
            program,
            elf_sha256,
        })
    }

    /// Read and decode chunk `index`, checking it is the one its file name says.
    pub fn chunk(&self, index: u64) -> Result<ChunkRecord, WitnessError> {
        let record = ChunkRecord::decode(&read(self.dir.join(chunk_file(index)))?)?;
        if record.index != index {
            return Err(WitnessError::corrupt(
                "chunk record",
                format!("file of chunk {index} holds chunk {}", record.index),
            ));
        }
        Ok(record)
    }

    /// Replay chunk `index` and check it ends at chunk `index + 1`'s start, or at the run's
    /// end for the last chunk.
    pub fn replay(
        &self,
        index: u64,
        trace: Option<&mut dyn std::io::Write>,
    ) -> Result<ReplayOutcome, WitnessError> {
        let count = self.manifest.chunk_count;
        if index >= count {
            return Err(WitnessError::NoSuchChunk {
                chunk: index,
                count,
            });
        }
        let record = self.chunk(index)?;
        if index + 1 < count {
            if record.end_cycle.checked_sub(record.start.cycle) != Some(self.manifest.chunk_size) {
                return Err(WitnessError::corrupt(
                    "chunk record",
                    format!(
                        "chunk {index} is not {} cycles long",
                        self.manifest.chunk_size
                    ),
                ));
            }
            let next = self.chunk(index + 1)?;
            replay_chunk(
                &self.program,
                &self.elf_sha256,
                &record,
                Expected::Next(&next.start),
                trace,
            )
        } else {
            replay_chunk(
                &self.program,
                &self.elf_sha256,
                &record,
                Expected::Final(&self.manifest),
                trace,
            )
        }
    }

    /// Replay every chunk on `jobs` threads; one result per chunk, in chunk order.
    pub fn replay_all(
        &self,
        jobs: usize,
    ) -> Result<Vec<Result<ReplayOutcome, WitnessError>>, WitnessError> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(jobs.max(1))
            .build()
            .map_err(|e| WitnessError::Threads {
                jobs,
                reason: e.to_string(),
            })?;
        let count = self.manifest.chunk_count;
        Ok(pool.install(|| {
            (0..count)
                .into_par_iter()
                .map(|k| self.replay(k, None))
                .collect()
        }))
    }
}

/// Load the program for a recording run from ELF bytes (shared by the CLI and tests).
pub fn program_of(elf: &[u8]) -> Result<Arc<Program>, crate::elf::ElfError> {
    crate::elf::load(elf).map(Arc::new)
}
