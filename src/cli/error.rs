//! rvjit's own failures (exit status 125): what went wrong and what to do about it.

use std::fmt::Display;
use std::path::Path;

use rvjit::elf::ElfError;

pub struct CliError {
    pub what: String,
    pub hint: Option<String>,
}

impl CliError {
    pub fn new(what: impl Into<String>, hint: impl Into<String>) -> CliError {
        CliError {
            what: what.into(),
            hint: Some(hint.into()),
        }
    }

    /// Print `rvjit: error: <what>` (one line) and the hint on the next.
    pub fn print(&self) {
        eprintln!("rvjit: error: {}", self.what.replace('\n', " "));
        if let Some(hint) = &self.hint {
            eprintln!("rvjit: hint: {hint}");
        }
    }

    pub fn io(action: &str, path: &Path, e: impl Display) -> CliError {
        CliError::new(
            format!("cannot {action} {}: {e}", path.display()),
            "check the path and its permissions",
        )
    }

    pub fn elf(path: &Path, e: &ElfError) -> CliError {
        let hint = match e {
            ElfError::NotElf | ElfError::TooShort { .. } | ElfError::BadClass { .. } | ElfError::BadEncoding { .. } => {
                "pass a RISC-V ELF executable, e.g. target/riscv64imac-unknown-none-elf/release/<guest>"
            }
            ElfError::BigEndian | ElfError::WrongMachine { .. } => {
                "build the guest for a RISC-V target: riscv32im[ac]-unknown-none-elf or riscv64im[ac]-unknown-none-elf"
            }
            ElfError::NotExecutable { .. } => "link the guest as a static executable (not an object file or shared library)",
            ElfError::FloatAbi { .. } => "build for a soft-float target such as riscv64imac-unknown-none-elf (not riscv64gc)",
            ElfError::CodeTooLarge { .. } => "rvjit handles guests with up to 64 MiB of code; check the linker script",
            _ => "the ELF's headers are inconsistent; inspect them with `riscv64-unknown-elf-readelf -lh` and check the linker script",
        };
        CliError::new(format!("{}: {e}", path.display()), hint)
    }
}
