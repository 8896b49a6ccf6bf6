//! The guest runtime (feature `rt`). `sys` is the only target-specific layer below the API:
//! ecalls on RISC-V, the process environment in host-native mode.

#[cfg(target_os = "none")]
#[path = "sys_riscv.rs"]
mod sys;
#[cfg(not(target_os = "none"))]
#[path = "sys_native.rs"]
mod sys;

pub mod accel;
mod entry;
mod insn;
mod io;
pub mod zkvm;

#[cfg(target_os = "none")]
mod heap;
#[cfg(target_os = "none")]
mod panic;
#[cfg(all(target_os = "none", feature = "critical-section"))]
mod cs;
#[cfg(all(target_os = "none", feature = "sync-libcalls", not(target_feature = "a")))]
mod sync;
mod rand;

pub use io::{commit, exit, hint_len, read, read_frame, read_hint, write_output, _print, _eprint};
pub use rand::fill_random;

/// Items the exported macros need; not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use super::entry::ExitCode;
    #[cfg(not(target_os = "none"))]
    pub use super::sys::native_init;
}
