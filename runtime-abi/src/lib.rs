//! Guest-side runtime for rvjit, and the ABI constants the host imports (one source of truth).
#![no_std]

pub mod abi;
