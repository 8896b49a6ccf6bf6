//! Command-line syntax (clap derive). Semantics live in `run.rs` and `disasm.rs`.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use super::size::parse_size;
use rvjit::memory::MisalignedPolicy;

/// The engine `rvjit run` uses unless `--engine` says otherwise.
pub const DEFAULT_ENGINE: Engine = Engine::Interp;

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
  rvjit disasm guest.elf | less";

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

    /// Execution engine: the reference interpreter or the Cranelift translator
    #[arg(long, value_enum, value_name = "ENGINE", default_value_t = DEFAULT_ENGINE)]
    pub engine: Engine,

    /// Misaligned loads/stores: perform and count them, or fault
    #[arg(long, value_enum, value_name = "POLICY", default_value_t = Misaligned::Allow)]
    pub misaligned: Misaligned,

    /// Size of the guest's read-write RAM window (e.g. 64M, 1G; a multiple of 4K)
    #[arg(long, value_name = "SIZE", value_parser = parse_size, default_value = "512M")]
    pub memory: u64,

    /// Write the guest's public output bytes (fd 3 / reveal) to FILE
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Largest public output the guest may produce; more faults the guest
    #[arg(long, value_name = "SIZE", value_parser = parse_size, default_value = "64M")]
    pub max_output: u64,

    /// Add engine, memory layout and access statistics to the summary
    #[arg(long)]
    pub stats: bool,

    /// Print the summary as one JSON object on stdout (after the guest's output) instead of
    /// text on stderr
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct DisasmArgs {
    /// The RISC-V ELF executable to list
    #[arg(value_name = "ELF")]
    pub elf: PathBuf,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Engine {
    /// The reference interpreter
    Interp,
    /// The Cranelift translator
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

/// A cycle count: digits, `_` separators allowed.
fn parse_count(text: &str) -> Result<u64, String> {
    let digits: String = text.trim().chars().filter(|&c| c != '_').collect();
    digits.parse().map_err(|_| format!("'{text}' is not a cycle count (a non-negative integer)"))
}
