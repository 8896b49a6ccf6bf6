//! Host-side configuration of a run (inputs, hints, limits, echo) and its validation.

use thiserror::Error;

/// Limits a hostile guest (or an oversized command line) cannot pass.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Public output bytes (fd-3 writes and `reveal`).
    pub max_output: u64,
    /// stdout and stderr bytes together (fd 1/2 writes and `printstr`).
    pub max_stdout: u64,
    /// Size of the input blob (frames with their 4-byte length prefixes).
    pub max_input: u64,
    /// Total bytes of all hint frames.
    pub max_hints: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_output: 64 << 20,
            max_stdout: 64 << 20,
            max_input: 1 << 30,
            max_hints: 1 << 30,
        }
    }
}

/// Host-side configuration of a run: input frames, hint frames, limits.
#[derive(Clone, Debug, Default)]
pub struct HostConfig {
    /// Input frames, in order (`--input FILE`, repeatable).
    pub inputs: Vec<Vec<u8>>,
    /// Hint frames, in order (`--hint FILE`, repeatable).
    pub hints: Vec<Vec<u8>>,
    pub limits: Limits,
    /// Stream guest stdout/stderr to the host's stdout/stderr as they are written. The host
    /// keeps a captured copy either way.
    pub echo: bool,
}

/// Why a [`HostConfig`] cannot be used.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum HostConfigError {
    #[error(
        "input frame {index} has {len} bytes; a frame holds at most {max} (u32 length prefix)"
    )]
    InputFrameTooLarge { index: usize, len: u64, max: u64 },
    #[error("input blob of {total} bytes exceeds the input limit of {max} bytes")]
    InputTooLarge { total: u64, max: u64 },
    #[error("hint frame {index} has {len} bytes; a frame holds at most {max}")]
    HintFrameTooLarge { index: usize, len: u64, max: u64 },
    #[error("hint frames total {total} bytes, over the hint limit of {max} bytes")]
    HintsTooLarge { total: u64, max: u64 },
}

/// Largest frame: its length must fit the u32 prefix and stay distinguishable from the
/// all-ones "no frame left" answer of HINT_LEN on RV32.
pub const MAX_FRAME_LEN: u64 = u32::MAX as u64 - 1;

impl HostConfig {
    /// The input blob: each frame as a little-endian u32 length followed by its bytes.
    /// Call [`HostConfig::validate`] first: lengths over [`MAX_FRAME_LEN`] do not fit the prefix.
    pub fn input_blob(&self) -> Vec<u8> {
        let mut blob = Vec::new();
        for frame in &self.inputs {
            blob.extend_from_slice(&(frame.len() as u32).to_le_bytes());
            blob.extend_from_slice(frame);
        }
        blob
    }

    /// Check frame sizes and the input/hint limits. The CLI calls this before building a
    /// machine; [`crate::host::Host`] itself never panics on an invalid config.
    pub fn validate(&self) -> Result<(), HostConfigError> {
        let mut total: u64 = 0;
        for (index, frame) in self.inputs.iter().enumerate() {
            let len = frame.len() as u64;
            if len > MAX_FRAME_LEN {
                return Err(HostConfigError::InputFrameTooLarge {
                    index,
                    len,
                    max: MAX_FRAME_LEN,
                });
            }
            total = total
                .saturating_add(len)
                .saturating_add(crate::abi::FRAME_LEN_BYTES as u64);
        }
        if total > self.limits.max_input {
            return Err(HostConfigError::InputTooLarge {
                total,
                max: self.limits.max_input,
            });
        }
        let mut total: u64 = 0;
        for (index, frame) in self.hints.iter().enumerate() {
            let len = frame.len() as u64;
            if len > MAX_FRAME_LEN {
                return Err(HostConfigError::HintFrameTooLarge {
                    index,
                    len,
                    max: MAX_FRAME_LEN,
                });
            }
            total = total.saturating_add(len);
        }
        if total > self.limits.max_hints {
            return Err(HostConfigError::HintsTooLarge {
                total,
                max: self.limits.max_hints,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_frames_and_limits() {
        let mut c = HostConfig {
            inputs: vec![b"ab".to_vec(), vec![]],
            ..Default::default()
        };
        assert_eq!(c.input_blob(), [2, 0, 0, 0, b'a', b'b', 0, 0, 0, 0]);
        assert_eq!(c.validate(), Ok(()));
        c.limits.max_input = 9;
        assert_eq!(
            c.validate(),
            Err(HostConfigError::InputTooLarge { total: 10, max: 9 })
        );
        c.limits.max_input = 10;
        c.hints = vec![vec![0; 5], vec![0; 4]];
        c.limits.max_hints = 8;
        assert_eq!(
            c.validate(),
            Err(HostConfigError::HintsTooLarge { total: 9, max: 8 })
        );
        c.limits.max_hints = 9;
        assert_eq!(c.validate(), Ok(()));
    }
}
