//! Accelerated primitives: host services on RISC-V (SYS_KECCAKF, SYS_SHA256_COMPRESS), software
//! (tiny-keccak, sha2's portable backend) in host-native mode. Same results either way.

/// keccak-f[1600] permutation in place.
pub fn keccakf(state: &mut [u64; 25]) {
    super::sys::keccakf(state)
}

/// SHA-256 compression of one 64-byte block into `state` (as `sha2::compress256`).
pub fn sha256_compress(state: &mut [u32; 8], block: &[u8; 64]) {
    super::sys::sha256_compress(state, block)
}

/// SHA-256 initial state.
pub const SHA256_IV: [u32; 8] =
    [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

/// SHA-256 of `data` with the padding done here and each block through [`sha256_compress`].
pub fn sha256(data: &[u8]) -> [u8; 32] {
    let mut state = SHA256_IV;
    let mut chunks = data.chunks_exact(64);
    for block in &mut chunks {
        sha256_compress(&mut state, block.try_into().unwrap_or(&[0; 64]));
    }
    let rest = chunks.remainder();
    let mut tail = [0u8; 128];
    tail[..rest.len()].copy_from_slice(rest);
    tail[rest.len()] = 0x80;
    let blocks = if rest.len() < 56 { 1 } else { 2 };
    let bits = (data.len() as u64).wrapping_mul(8);
    tail[blocks * 64 - 8..blocks * 64].copy_from_slice(&bits.to_be_bytes());
    for block in tail[..blocks * 64].chunks_exact(64) {
        sha256_compress(&mut state, block.try_into().unwrap_or(&[0; 64]));
    }
    let mut out = [0u8; 32];
    for (o, w) in out.chunks_exact_mut(4).zip(state) {
        o.copy_from_slice(&w.to_be_bytes());
    }
    out
}

/// Keccak-256 (Ethereum's, padding 0x01) of `data`: the sponge here, each permutation through
/// [`keccakf`].
pub fn keccak256(data: &[u8]) -> [u8; 32] {
    const RATE: usize = 136;
    let mut state = [0u64; 25];
    let absorb = |state: &mut [u64; 25], block: &[u8]| {
        for (lane, word) in state.iter_mut().zip(block.chunks_exact(8)) {
            let mut w = [0u8; 8];
            w.copy_from_slice(word);
            *lane ^= u64::from_le_bytes(w);
        }
        keccakf(state);
    };
    let mut chunks = data.chunks_exact(RATE);
    for block in &mut chunks {
        absorb(&mut state, block);
    }
    let rest = chunks.remainder();
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
