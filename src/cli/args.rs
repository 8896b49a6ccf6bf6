//! Command-line syntax (clap derive). Semantics live in `run.rs` and `disasm.rs`.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use super::size::parse_size;
use rvjit::memory::MisalignedPolicy;

/// The engine `rvjit run` uses unless `--engine` says otherwise.
pub const DEFAULT_ENGINE: Engine = Engine::Jit;

const AFTER_HELP: &str = "\
Exit status of `rvjit run`:
  0-255  the guest's exit code (its low 8 bits; a non-zero code whose low 8 bits are 0 gives 1)
  124    the --max-cycles limit was reached
  125    rvjit itself failed: bad ELF, bad arguments, unreadable or unwritable files
  126    the guest faulted (illegal instruction, bad memory access, bad service call, ...)
  133    the guest executed ebreak

Examples:
  rvjit run guest.elf
  rvjit run guest.elf --input block.bin --max-cycles 1000000000 --json
  rvjit disasm guest.elf | less
  rvjit run guest.elf --chunk-size 1000000 --chunks-dir chunks/ && rvjit replay chunks/ --all";

#[derive(Parser, Debug)]
#[command(
    name = "rvjit",
    version,
    about = "Run bare-metal RISC-V (RV32/RV64 IMAC) zkVM guest ELFs at native speed",
    long_about = "Run bare-metal RISC-V (RV32/RV64 IMAC) zkVM guest ELFs: exact cycle counts \
                  (one cycle = one retired instruction), guest stdout/stderr streamed live, \
                  public output reported with its SHA-256.",
    after_help = AFTER_HELP
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run a guest ELF and report how it stopped
    #[command(after_help = AFTER_HELP)]
    Run(RunArgs),
    /// Print an objdump-like listing of the ELF's executable segments
    Disasm(DisasmArgs),
    /// Re-execute recorded chunks (from `run --chunk-size`) and check each ends where the
    /// records say
    #[command(after_help = REPLAY_AFTER_HELP)]
    Replay(ReplayArgs),
}

const REPLAY_AFTER_HELP: &str = "\
Exit status of `rvjit replay`:
  0      every replayed chunk ends exactly at the next chunk's start state (the last chunk:
         at the run's final state and stop)
  1      a replay differs (reported with its chunk, cycle and the difference)
  125    rvjit itself failed: unreadable, truncated or corrupted record, wrong format
         version, wrong ELF, bad arguments

Examples:
  rvjit replay chunks/ --chunk 3 --trace chunk3.trace
  rvjit replay chunks/ --all --jobs 8";

#[derive(clap::Args, Debug)]
pub struct ReplayArgs {
    /// A chunks directory written by `rvjit run --chunk-size N --chunks-dir DIR`
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,

    /// Replay chunk K (numbered from 0)
    #[arg(long, value_name = "K", value_parser = parse_count, conflicts_with = "all", required_unless_present = "all")]
    pub chunk: Option<u64>,

    /// Replay every chunk, in parallel
    #[arg(long)]
    pub all: bool,

    /// Threads for --all [default: the number of CPUs]
    #[arg(long, value_name = "J", requires = "all", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,

    /// The guest ELF; must be the one recorded [default: DIR/program.elf]
    #[arg(long, value_name = "ELF")]
    pub elf: Option<PathBuf>,

    /// Write the chunk's per-step trace to FILE: cycle, pc, encoding, instruction, destination
    /// value, memory accesses (see docs/WITNESS.md)
    #[arg(long, value_name = "FILE", requires = "chunk")]
    pub trace: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// The guest: a statically linked RISC-V ELF executable (RV32 or RV64, IMAC, soft-float)
    #[arg(value_name = "ELF")]
    pub elf: PathBuf,

    /// One input frame, read by the guest from the input blob (repeatable; in order; `-` = stdin)
    #[arg(long = "input", value_name = "FILE")]
    pub inputs: Vec<PathBuf>,

    /// One hint frame, served by HINT_LEN/HINT_READ (repeatable; in order; `-` = stdin)
    #[arg(long = "hint", value_name = "FILE")]
    pub hints: Vec<PathBuf>,

    /// Stop after N retired instructions (exit status 124) [default: no limit]
    #[arg(long, value_name = "N", value_parser = parse_count)]
    pub max_cycles: Option<u64>,

    /// Execution engine: the reference interpreter or the translator
    #[arg(long, value_enum, value_name = "ENGINE", default_value_t = DEFAULT_ENGINE)]
    pub engine: Engine,

    /// Cranelift optimisation level of a Cranelift baseline tier (--jit-baseline cranelift,
    /// recording runs): `none` translates about twice as fast, `speed` runs
    /// Cranelift's mid-end optimiser
    #[arg(long, value_enum, value_name = "LEVEL", default_value_t = JitOpt::None)]
    pub jit_opt: JitOpt,

    /// Translate ahead of time only code statically reachable from the entry point, the rest
    /// when first reached (--engine jit; faster start for large guests that run briefly)
    #[arg(long)]
    pub jit_lazy: bool,

    /// When the direct baseline translates the function symbols and the linear sweep
    /// (--engine jit, without --jit-lazy): on a background thread while the run starts (code
    /// reached first is translated on demand), or all before the run starts
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = JitSweep::Background)]
    pub jit_sweep: JitSweep,

    /// Recompile a translated region with the optimising tier (backtracking register
    /// allocator; opt_level=speed for regions with a loop or with 16 or more rotations, none
    /// for other straight-line ones) after N passes through its entries and loop heads
    /// (--engine jit; 0 = never)
    #[arg(long, value_name = "N", value_parser = parse_count, default_value_t = rvjit::jit::DEFAULT_HOT_THRESHOLD)]
    pub jit_hot: u64,

    /// With the direct baseline, only regions averaging at least N instructions per basic
    /// block are recompiled hot (branchy code runs faster in the direct tier; 0 = every region)
    #[arg(long, value_name = "N", default_value_t = rvjit::jit::DEFAULT_HOT_MIN_BLOCK)]
    pub jit_hot_min_block: u32,

    /// Where hot regions are recompiled (--engine jit): on a background thread while the run
    /// goes on in the baseline tier, or inline (the run waits for each compile)
    #[arg(long, value_enum, value_name = "WHERE", default_value_t = JitHotCompile::Background)]
    pub jit_hot_compile: JitHotCompile,

    /// Code generator of the ahead-of-time baseline tier (--engine jit): x86-64 code emitted
    /// directly from the instructions (about ten times faster to translate), or Cranelift.
    /// Recording runs (--chunk-size) and non-x86-64 hosts always use Cranelift
    #[arg(long, value_enum, value_name = "GEN", default_value_t = JitBaseline::Direct)]
    pub jit_baseline: JitBaseline,

    /// Misaligned loads/stores: perform and count them, or fault
    #[arg(long, value_enum, value_name = "POLICY", default_value_t = Misaligned::Allow)]
    pub misaligned: Misaligned,

    /// Size of the guest's read-write RAM window (e.g. 64M, 1G; a multiple of 4K)
    #[arg(long, value_name = "SIZE", value_parser = parse_size, default_value = "512M")]
    pub memory: u64,

    /// Write the guest's public output bytes (fd 3 / reveal) to FILE
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Largest public output (fd 3 / reveal) the guest may produce; a write past it faults the
    /// guest (output limit)
    #[arg(long, value_name = "SIZE", value_parser = parse_size, default_value = "64M")]
    pub max_output: u64,

    /// Largest guest stdout + stderr (fd 1/2 writes, printstr) together; a write past it
    /// faults the guest (output limit) and is not printed
    #[arg(long, value_name = "SIZE", value_parser = parse_size, default_value = "64M")]
    pub max_stdout: u64,

    /// Add engine, memory layout and access statistics to the summary
    #[arg(long)]
    pub stats: bool,

    /// Print the summary as one JSON object on stdout (after the guest's output) instead of
    /// text on stderr
    #[arg(long)]
    pub json: bool,

    /// Record a witness: cut the run into chunks of N cycles and write one record per chunk to
    /// --chunks-dir, replayable with `rvjit replay`. `--engine jit` records with a recording
    /// translation, `--engine interp` with the interpreter (same records, byte for byte)
    #[arg(long, value_name = "N", value_parser = parse_chunk_size, requires = "chunks_dir")]
    pub chunk_size: Option<u64>,

    /// Directory for the chunk records, the run's manifest and a copy of the ELF (created if
    /// missing; existing records are overwritten)
    #[arg(long, value_name = "DIR", requires = "chunk_size")]
    pub chunks_dir: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
pub struct DisasmArgs {
    /// The RISC-V ELF executable to list
    #[arg(value_name = "ELF")]
    pub elf: PathBuf,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum JitOpt {
    /// No mid-end optimisation (fast translation)
    None,
    /// Cranelift's e-graph optimiser
    Speed,
}

impl JitOpt {
    pub fn level(self) -> rvjit::jit::OptLevel {
        match self {
            JitOpt::None => rvjit::jit::OptLevel::None,
            JitOpt::Speed => rvjit::jit::OptLevel::Speed,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum JitBaseline {
    /// x86-64 code emitted directly from the instructions (falls back to Cranelift on other
    /// hosts)
    Direct,
    /// Cranelift with the single-pass register allocator
    Cranelift,
}

impl JitBaseline {
    pub fn generator(self) -> rvjit::jit::Baseline {
        match self {
            JitBaseline::Direct => rvjit::jit::Baseline::Direct,
            JitBaseline::Cranelift => rvjit::jit::Baseline::Cranelift,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum JitSweep {
    /// On a background thread; its code is installed when it is done
    Background,
    /// Before the run starts
    Ahead,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum JitHotCompile {
    /// On a background thread; the optimised code is installed when it is ready
    Background,
    /// On the thread running the guest, before the region runs again
    Inline,
}

impl JitHotCompile {
    pub fn mode(self) -> rvjit::jit::HotCompile {
        match self {
            JitHotCompile::Background => rvjit::jit::HotCompile::Background,
            JitHotCompile::Inline => rvjit::jit::HotCompile::Inline,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Engine {
    /// The reference interpreter
    Interp,
    /// The translator (x86-64 baseline, Cranelift for hot code)
    Jit,
}

impl Engine {
    pub fn name(self) -> &'static str {
        match self {
            Engine::Interp => "interp",
            Engine::Jit => "jit",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Misaligned {
    /// Perform misaligned loads/stores and count them (Zicclsm)
    Allow,
    /// Fault on misaligned loads/stores
    Trap,
}

impl From<Misaligned> for MisalignedPolicy {
    fn from(m: Misaligned) -> MisalignedPolicy {
        match m {
            Misaligned::Allow => MisalignedPolicy::Allow,
            Misaligned::Trap => MisalignedPolicy::Trap,
        }
    }
}

/// A chunk size: a cycle count of at least 1.
fn parse_chunk_size(text: &str) -> Result<u64, String> {
    match parse_count(text)? {
        0 => Err("the chunk size must be at least 1 cycle".to_owned()),
        n => Ok(n),
    }
}

/// A cycle count: digits, `_` separators allowed.
fn parse_count(text: &str) -> Result<u64, String> {
    let digits: String = text.trim().chars().filter(|&c| c != '_').collect();
    digits
        .parse()
        .map_err(|_| format!("'{text}' is not a cycle count (a non-negative integer)"))
}
