//! The deterministic "random" byte stream behind `getrandom` and OpenVM `hintrandom`.
//!
//! Byte `p` of the stream is byte `p % 32` of SHA-256(GETRANDOM_SEED || (p / 32) as u64 LE).
//! One cursor serves both doors and continues across calls at byte granularity: two
//! 5-byte requests receive bytes 0..5 and 5..10. Runs are therefore reproducible.

use sha2::{Digest, Sha256};

use crate::abi::GETRANDOM_SEED;

const BLOCK: u64 = 32;

/// SHA-256(seed || counter LE): block `counter` of the stream.
fn block(counter: u64) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(GETRANDOM_SEED);
    h.update(counter.to_le_bytes());
    h.finalize().into()
}

/// Fill `out` with the stream bytes starting at position `pos` (a pure function).
/// `pos + out.len()` must not overflow (callers reserve the range first).
pub fn fill_at(pos: u64, out: &mut [u8]) {
    let mut p = pos;
    let mut i = 0usize;
    while i < out.len() {
        let b = block(p / BLOCK);
        let off = (p % BLOCK) as usize;
        let n = (b.len() - off).min(out.len() - i);
        out[i..i + n].copy_from_slice(&b[off..off + n]);
        i += n;
        p = p.wrapping_add(n as u64);
    }
}

/// The shared cursor into the stream.
#[derive(Clone, Debug, Default)]
pub struct RandomStream {
    pos: u64,
}

impl RandomStream {
    /// Reserve the next `len` bytes and return their start position, or `None` if the
    /// 2^64-byte stream would be exhausted.
    pub fn take(&mut self, len: u64) -> Option<u64> {
        let start = self.pos;
        self.pos = start.checked_add(len)?;
        Some(start)
    }

    /// Bytes consumed so far.
    pub fn position(&self) -> u64 {
        self.pos
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_is_concatenated_blocks_at_byte_granularity() {
        let mut whole = [0u8; 80];
        fill_at(0, &mut whole);
        assert_eq!(&whole[..32], &block(0));
        assert_eq!(&whole[32..64], &block(1));
        let expect: [u8; 32] =
            Sha256::digest([GETRANDOM_SEED, &2u64.to_le_bytes()].concat()).into();
        assert_eq!(&whole[64..], &expect[..16]);
        let mut part = [0u8; 37];
        fill_at(5, &mut part);
        assert_eq!(part, whole[5..42]);
        let mut s = RandomStream::default();
        assert_eq!(s.take(5), Some(0));
        assert_eq!(s.take(7), Some(5));
        assert_eq!(s.position(), 12);
        let mut s = RandomStream { pos: u64::MAX - 1 };
        assert_eq!(s.take(2), None);
    }
}
