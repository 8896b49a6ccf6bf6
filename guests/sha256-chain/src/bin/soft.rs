//! SHA-256 hash chain in software (the sha2 crate's portable code). See chain.rs.
#![cfg_attr(target_os = "none", no_std, no_main)]

extern crate alloc;

#[path = "../chain.rs"]
mod chain;

use sha2::{Digest, Sha256};

runtime_abi::entry!(main);

fn main() {
    chain::run(|data| Sha256::digest(data).into());
}
