//! Keccak-256 hash chain through the KECCAKF accelerator: the sponge (rate 136 bytes, Ethereum
//! padding 0x01 .. 0x80) here, each permutation one service call. Commits the same digest as
//! keccak-chain-soft.
#![cfg_attr(target_os = "none", no_std, no_main)]

extern crate alloc;

#[path = "../chain.rs"]
mod chain;

use runtime_abi::accel::keccakf;

runtime_abi::entry!(main);

const RATE: usize = 136;

fn absorb(state: &mut [u64; 25], block: &[u8]) {
    for (lane, word) in state.iter_mut().zip(block.chunks_exact(8)) {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        *lane ^= u64::from_le_bytes(w);
    }
    keccakf(state);
}

fn keccak256(data: &[u8]) -> [u8; 32] {
    let mut state = [0u64; 25];
    let full = data.len() / RATE;
    for i in 0..full {
        absorb(&mut state, &data[i * RATE..(i + 1) * RATE]);
    }
    let rest = &data[full * RATE..];
    let mut last = [0u8; RATE];
    last[..rest.len()].copy_from_slice(rest);
    last[rest.len()] ^= 0x01;
    last[RATE - 1] ^= 0x80;
    absorb(&mut state, &last);
    let mut out = [0u8; 32];
    for (o, lane) in out.chunks_exact_mut(8).zip(state) {
        o.copy_from_slice(&lane.to_le_bytes());
    }
    out
}

fn main() {
    chain::run(keccak256);
}
