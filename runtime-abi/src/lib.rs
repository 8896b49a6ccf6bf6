//! Guest-side runtime for rvjit, and the ABI constants the host imports (one source of truth).
//!
//! Without features (`default-features = false`, as the host uses it) the crate is only
//! [`abi`]. The default feature `rt` adds the guest runtime (README.md): on bare-metal RISC-V
//! (`target_os = "none"`) the entry point, linker script, allocator, panic handler and service
//! calls; on any other target ("host-native mode", with std) the same API backed by files given
//! on the command line and software accelerators, so one guest source runs both ways.
#![no_std]

pub mod abi;

#[cfg(feature = "rt")]
extern crate alloc;
#[cfg(all(feature = "rt", not(target_os = "none")))]
extern crate std;

#[cfg(feature = "rt")]
mod rt;
#[cfg(feature = "rt")]
pub use rt::*;
