//! The reference interpreter: the executable specification of rvjit's semantics.
//! TODO(helper): implement.

use crate::machine::Machine;
use crate::outcome::Stop;

/// Run until the guest stops or `cpu.cycle` reaches `cycle_limit` (absolute).
pub fn run(_m: &mut Machine, _cycle_limit: u64) -> Stop {
    Stop::CycleLimit
}
