//! Keccak-256 hash chain in software (tiny-keccak). See chain.rs.
#![cfg_attr(target_os = "none", no_std, no_main)]

extern crate alloc;

#[path = "../chain.rs"]
mod chain;

use tiny_keccak::{Hasher, Keccak};

runtime_abi::entry!(main);

fn keccak256(data: &[u8]) -> [u8; 32] {
    let mut k = Keccak::v256();
    k.update(data);
    let mut out = [0u8; 32];
    k.finalize(&mut out);
    out
}

fn main() {
    chain::run(keccak256);
}
