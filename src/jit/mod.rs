//! The Cranelift translator. TODO(helper): implement.

use thiserror::Error;

use crate::machine::Machine;
use crate::outcome::Stop;

#[derive(Debug, Error)]
pub enum JitError {
    #[error("the translator is not available yet")]
    Unavailable,
}

/// Translate (once, cached per program) and run until the guest stops or `cpu.cycle` reaches
/// `cycle_limit`. Outcomes equal the interpreter's in every respect.
pub fn run(_m: &mut Machine, _cycle_limit: u64) -> Result<Stop, JitError> {
    Err(JitError::Unavailable)
}
