//! Accelerated primitives on guest memory: keccak-f[1600] and the SHA-256 compression
//! function. Both work in place, need no alignment, and set no result register.

use sha2::digest::generic_array::GenericArray;

use super::effects::Guest;
use crate::outcome::FaultKind;

/// Bytes of a keccak-f[1600] state (`[u64; 25]`).
pub const KECCAK_STATE_BYTES: u64 = 200;
/// Bytes of a SHA-256 state (`[u32; 8]`) and of one block.
pub const SHA256_STATE_BYTES: u64 = 32;
pub const SHA256_BLOCK_BYTES: u64 = 64;

/// keccak-f[1600] in place on the little-endian `[u64; 25]` at `ptr`.
pub fn keccakf(g: &mut Guest, service: &'static str, ptr: u64) -> Result<(), FaultKind> {
    g.check_read_write(service, ptr, KECCAK_STATE_BYTES)?;
    let mut lanes = [0u64; 25];
    let bytes = g.read(service, ptr, KECCAK_STATE_BYTES)?;
    for (lane, b) in lanes.iter_mut().zip(bytes.chunks_exact(8)) {
        let mut w = [0u8; 8];
        w.copy_from_slice(b);
        *lane = u64::from_le_bytes(w);
    }
    tiny_keccak::keccakf(&mut lanes);
    let mut out = [0u8; KECCAK_STATE_BYTES as usize];
    for (b, lane) in out.chunks_exact_mut(8).zip(lanes) {
        b.copy_from_slice(&lane.to_le_bytes());
    }
    g.write(service, ptr, &out)
}

/// SHA-256 compression of the 64-byte block at `block_ptr` into the little-endian `[u32; 8]`
/// state at `state_ptr` (the guest's native `[u32; 8]`, as `sha2::compress256` takes it).
pub fn sha256_compress(g: &mut Guest, state_ptr: u64, block_ptr: u64) -> Result<(), FaultKind> {
    const SERVICE: &str = "sha256_compress";
    g.check_read_write(SERVICE, state_ptr, SHA256_STATE_BYTES)?;
    let mut block = [0u8; SHA256_BLOCK_BYTES as usize];
    block.copy_from_slice(g.read(SERVICE, block_ptr, SHA256_BLOCK_BYTES)?);
    let mut state = [0u32; 8];
    for (word, b) in state.iter_mut().zip(
        g.read(SERVICE, state_ptr, SHA256_STATE_BYTES)?
            .chunks_exact(4),
    ) {
        *word = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
    }
    sha2::compress256(&mut state, &[*GenericArray::from_slice(&block)]);
    let mut out = [0u8; SHA256_STATE_BYTES as usize];
    for (b, word) in out.chunks_exact_mut(4).zip(state) {
        b.copy_from_slice(&word.to_le_bytes());
    }
    g.write(SERVICE, state_ptr, &out)
}
