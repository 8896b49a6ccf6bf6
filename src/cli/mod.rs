//! The `rvjit` command line: argument syntax ([`args`]), `run` ([`run`], reported by
//! [`report`]), `disasm` ([`disasm`]) and `replay` ([`replay`], witness chunks). Exit statuses: see `args::AFTER_HELP`.

mod args;
mod disasm;
mod error;
mod replay;
mod report;
mod run;
mod size;
mod symbols;

use clap::error::ErrorKind;
use clap::Parser;

use args::{Cli, Command};

/// rvjit's own failure (bad ELF, bad arguments, I/O).
pub const STATUS_ERROR: i32 = 125;

/// Parse the command line, do the work, and return the process exit status.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = match e.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
                    return e.print().map_or(STATUS_ERROR, |()| 0)
                }
                // `rvjit` alone: show the help, but it is still a usage error.
                ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => e.print(),
                _ => {
                    eprint!("rvjit: {}", e.render());
                    Ok(())
                }
            };
            return STATUS_ERROR;
        }
    };
    let result = match &cli.command {
        Command::Run(a) => run::run(a),
        Command::Disasm(a) => disasm::disasm(a),
        Command::Replay(a) => replay::replay(a),
    };
    result.unwrap_or_else(|e| {
        e.print();
        STATUS_ERROR
    })
}
