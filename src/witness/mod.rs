//! Trace-free witness generation: cut a run into chunks of N cycles, record per chunk only
//! its start state and the values it read, and replay any chunk alone in the interpreter.
//!
//! - [`format`]: the versioned binary records (chunk records and the run's manifest);
//!   the byte layout is documented in docs/WITNESS.md.
//! - [`record`]: the recorder API ([`record::Recorder`]) and the interpreter-based recording
//!   run ([`record::record_run`]).
//! - [`replay`]: re-execution of one chunk from the ELF's code and its record, with the end
//!   state check; [`replay::ReplayBus`] serves loads and services from the record.
//! - [`trace`]: the per-step trace written during a replay.
//! - [`dir`]: the chunks directory (`manifest.rvw`, `chunk-NNNNNNNN.rvw`, `program.elf`).

pub mod dir;
pub mod error;
pub mod format;
pub mod record;
pub mod replay;
pub mod trace;

pub use error::{Difference, Mismatch, WitnessError};
pub use format::{ChunkRecord, FinalStop, HartState, Manifest, OutputDigest, FORMAT_VERSION};
pub use record::{
    record_run, record_run_with, ChunkSink, DiscardSink, MemorySink, RecordEngine, RecordedRun,
    Recorder,
};
pub use replay::{replay_chunk, Expected, ReplayBus, ReplayOutcome};

/// SHA-256 of some bytes (ELF identity, outputs, record checksums).
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes).into()
}

/// Lower-case hex of a digest, for messages.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
