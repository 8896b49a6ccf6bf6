//! Guest output: captured stdout/stderr (optionally echoed live) and the public output,
//! each bounded by its limit. A write that would pass a limit faults with `OutputLimit` and
//! appends nothing, so the captured copies never exceed the limits.

use std::io::Write;

use crate::outcome::FaultKind;

pub const STDOUT_LIMIT: &str = "stdout+stderr";
pub const OUTPUT_LIMIT: &str = "public output";

/// Where a text write goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

#[derive(Clone, Debug, Default)]
pub struct Outputs {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub public: Vec<u8>,
    pub max_stdout: u64,
    pub max_output: u64,
    pub echo: bool,
}

fn within(used: usize, extra: u64, max: u64) -> bool {
    (used as u64)
        .checked_add(extra)
        .is_some_and(|total| total <= max)
}

/// Best effort: a closed host pipe must not change the guest's outcome.
fn echo_to(w: &mut impl Write, bytes: &[u8]) {
    let _ = w.write_all(bytes).and_then(|()| w.flush());
}

impl Outputs {
    /// Append to stdout or stderr (the two share `max_stdout`).
    pub fn text(&mut self, stream: Stream, bytes: &[u8]) -> Result<(), FaultKind> {
        let used = self.stdout.len().saturating_add(self.stderr.len());
        if !within(used, bytes.len() as u64, self.max_stdout) {
            return Err(FaultKind::OutputLimit {
                limit: STDOUT_LIMIT,
                max: self.max_stdout,
            });
        }
        let echo = self.echo && !bytes.is_empty();
        match stream {
            Stream::Stdout => {
                self.stdout.extend_from_slice(bytes);
                if echo {
                    echo_to(&mut std::io::stdout().lock(), bytes);
                }
            }
            Stream::Stderr => {
                self.stderr.extend_from_slice(bytes);
                if echo {
                    echo_to(&mut std::io::stderr().lock(), bytes);
                }
            }
        }
        Ok(())
    }

    /// Append to the public output (fd 3).
    pub fn append_public(&mut self, bytes: &[u8]) -> Result<(), FaultKind> {
        if !within(self.public.len(), bytes.len() as u64, self.max_output) {
            return Err(FaultKind::OutputLimit {
                limit: OUTPUT_LIMIT,
                max: self.max_output,
            });
        }
        self.public.extend_from_slice(bytes);
        Ok(())
    }

    /// OpenVM `reveal`: store `bytes` at byte `offset` of the public output, growing it with
    /// zeros as needed.
    pub fn store_public(&mut self, offset: u64, bytes: &[u8]) -> Result<(), FaultKind> {
        let limit = FaultKind::OutputLimit {
            limit: OUTPUT_LIMIT,
            max: self.max_output,
        };
        let end = offset
            .checked_add(bytes.len() as u64)
            .filter(|&e| e <= self.max_output)
            .ok_or(limit.clone())?;
        let (start, end) = (usize::try_from(offset), usize::try_from(end));
        let (Ok(start), Ok(end)) = (start, end) else {
            return Err(limit);
        };
        if self.public.len() < end {
            self.public.resize(end, 0);
        }
        self.public[start..end].copy_from_slice(bytes);
        Ok(())
    }
}
