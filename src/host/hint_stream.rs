//! The OpenVM hint stream read by `hintstorew` / `hintbuffer`.
//!
//! `hintinput` replaces it with an input frame (length word, bytes, zero padding), and
//! `hintrandom` with a window of the deterministic random stream. The random window is not
//! materialised: its bytes are a pure function of their stream position, so a guest asking
//! for 2^60 random words costs nothing until it reads them (and reads are bounded by memory).

use super::random;

#[derive(Clone, Debug, Default)]
enum Source {
    #[default]
    Empty,
    Bytes(Vec<u8>),
    /// Bytes `[start, start + len)` of the random stream.
    Random {
        start: u64,
    },
}

#[derive(Clone, Debug, Default)]
pub struct HintStream {
    source: Source,
    len: u64,
    pos: u64,
}

impl HintStream {
    pub fn set_bytes(&mut self, data: Vec<u8>) {
        self.len = data.len() as u64;
        self.source = Source::Bytes(data);
        self.pos = 0;
    }

    pub fn set_random(&mut self, start: u64, len: u64) {
        self.source = Source::Random { start };
        self.len = len;
        self.pos = 0;
    }

    /// Bytes not yet read.
    pub fn remaining(&self) -> u64 {
        self.len - self.pos
    }

    /// Consume the next `n` bytes, returning their offset in the stream, or `None` (and
    /// consume nothing) if fewer than `n` are left.
    pub fn take(&mut self, n: u64) -> Option<u64> {
        if n > self.remaining() {
            return None;
        }
        let at = self.pos;
        self.pos += n;
        Some(at)
    }

    /// Copy stream bytes `[at, at + out.len())`, a range previously returned by [`take`].
    ///
    /// [`take`]: HintStream::take
    pub fn fill(&self, at: u64, out: &mut [u8]) {
        match &self.source {
            Source::Empty => out.fill(0),
            Source::Bytes(data) => {
                let src = usize::try_from(at)
                    .ok()
                    .and_then(|a| data.get(a..a.checked_add(out.len())?));
                match src {
                    Some(src) => out.copy_from_slice(src),
                    None => out.fill(0),
                }
            }
            // take() bounds at + len by self.len, and set_random's caller reserved
            // [start, start + self.len) of the random stream, so this cannot overflow.
            Source::Random { start } => random::fill_at(start.wrapping_add(at), out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn take_and_fill() {
        let mut h = HintStream::default();
        assert_eq!(h.take(1), None);
        assert_eq!(h.take(0), Some(0));
        h.set_bytes(vec![1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(h.take(4), Some(0));
        assert_eq!(h.take(8), None);
        assert_eq!(h.remaining(), 4);
        let at = h.take(4).unwrap();
        let mut out = [0u8; 4];
        h.fill(at, &mut out);
        assert_eq!(out, [5, 6, 7, 8]);
        h.set_random(40, 8);
        let at = h.take(8).unwrap();
        let (mut got, mut want) = ([0u8; 8], [0u8; 8]);
        h.fill(at, &mut got);
        random::fill_at(40, &mut want);
        assert_eq!(got, want);
    }
}
