//! SHA-256 hash chain through the SHA256_COMPRESS accelerator: padding and block loop here,
//! each compression one service call. Commits the same digest as sha256-chain-soft.
#![cfg_attr(target_os = "none", no_std, no_main)]

extern crate alloc;

#[path = "../chain.rs"]
mod chain;

use runtime_abi::accel::{sha256_compress, SHA256_IV};

runtime_abi::entry!(main);

/// FIPS 180-4 padding: 0x80, zeros, the bit length big-endian in the last 8 bytes.
fn sha256(data: &[u8]) -> [u8; 32] {
    let mut state = SHA256_IV;
    let full = data.len() / 64;
    for i in 0..full {
        let mut block = [0u8; 64];
        block.copy_from_slice(&data[i * 64..i * 64 + 64]);
        sha256_compress(&mut state, &block);
    }
    let rest = &data[full * 64..];
    let mut tail = [0u8; 128];
    tail[..rest.len()].copy_from_slice(rest);
    tail[rest.len()] = 0x80;
    let len = if rest.len() < 56 { 64 } else { 128 };
    tail[len - 8..len].copy_from_slice(&(data.len() as u64 * 8).to_be_bytes());
    for chunk in tail[..len].chunks_exact(64) {
        let mut block = [0u8; 64];
        block.copy_from_slice(chunk);
        sha256_compress(&mut state, &block);
    }
    let mut out = [0u8; 32];
    for (o, w) in out.chunks_exact_mut(4).zip(state) {
        o.copy_from_slice(&w.to_be_bytes());
    }
    out
}

fn main() {
    chain::run(sha256);
}
