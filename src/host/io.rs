//! Byte-stream services: write (stdout, stderr, public output), read (the input blob),
//! getrandom, and the HINT_LEN / HINT_READ hint frames.

use super::effects::{bad, Guest};
use super::output::Stream;
use super::{random, Host};
use crate::abi;
use crate::cpu::reg;
use crate::outcome::FaultKind;

impl Host {
    /// `write(fd, ptr, len) -> len`.
    pub(super) fn sys_write(&mut self, g: &mut Guest) -> Result<(), FaultKind> {
        let (fd, ptr, len) = (g.arg(0), g.arg(1), g.arg(2));
        let target = match u32::try_from(fd) {
            Ok(abi::FD_STDOUT) => Some(Stream::Stdout),
            Ok(abi::FD_STDERR) => Some(Stream::Stderr),
            Ok(abi::FD_PUBLIC_OUTPUT) => None,
            _ => {
                return Err(bad(
                    "write",
                    ptr,
                    len,
                    "unknown file descriptor (write takes 1, 2 or 3)",
                ))
            }
        };
        let bytes = g.read("write", ptr, len)?;
        match target {
            Some(stream) => self.out.text(stream, bytes)?,
            None => self.out.append_public(bytes)?,
        }
        g.set_result(reg::A0, len);
        Ok(())
    }

    /// `read(0, ptr, len) -> n`: the next `n = min(len, left)` bytes of the input blob.
    /// The whole buffer must be writable even when fewer bytes are left.
    pub(super) fn sys_read(&mut self, g: &mut Guest) -> Result<(), FaultKind> {
        let (fd, ptr, len) = (g.arg(0), g.arg(1), g.arg(2));
        if fd != u64::from(abi::FD_INPUT) {
            return Err(bad(
                "read",
                ptr,
                len,
                "unknown file descriptor (read takes 0)",
            ));
        }
        g.check_writable("read", ptr, len)?;
        let n = len.min(self.input_len.saturating_sub(self.read_pos));
        let src = self
            .input_base
            .checked_add(self.read_pos)
            .ok_or_else(|| bad("read", ptr, len, "input blob address overflows"))?;
        g.copy_within("read", src, ptr, n)?;
        self.read_pos += n;
        g.set_result(reg::A0, n);
        Ok(())
    }

    /// `getrandom(ptr, len, flags) -> len`; flags are ignored.
    pub(super) fn sys_getrandom(&mut self, g: &mut Guest) -> Result<(), FaultKind> {
        let (ptr, len) = (g.arg(0), g.arg(1));
        g.check_writable("getrandom", ptr, len)?;
        let start = self
            .random
            .take(len)
            .ok_or_else(|| bad("getrandom", ptr, len, "random stream exhausted"))?;
        // take() reserved [start, start + len): the sum cannot overflow.
        g.write_with("getrandom", ptr, len, |off, chunk| {
            random::fill_at(start.wrapping_add(off), chunk)
        })?;
        g.set_result(reg::A0, len);
        Ok(())
    }

    /// `hint_len() -> len` of the next hint frame, all-ones when none is left.
    pub(super) fn sys_hint_len(&mut self, g: &mut Guest) {
        let len = self
            .hints
            .get(self.next_hint)
            .map_or(u64::MAX, |f| f.len() as u64);
        g.set_result(reg::A0, len);
    }

    /// `hint_read(ptr, len) -> len`: copy and consume the next hint frame; `len` must be
    /// its exact length.
    pub(super) fn sys_hint_read(&mut self, g: &mut Guest) -> Result<(), FaultKind> {
        let (ptr, len) = (g.arg(0), g.arg(1));
        let frame = self
            .hints
            .get_mut(self.next_hint)
            .ok_or_else(|| bad("hint_read", ptr, len, "no hint frame left"))?;
        if frame.len() as u64 != len {
            return Err(bad(
                "hint_read",
                ptr,
                len,
                "length differs from the next hint frame's",
            ));
        }
        g.write("hint_read", ptr, frame)?;
        // Free the consumed frame.
        *frame = Vec::new();
        self.next_hint += 1;
        g.set_result(reg::A0, len);
        Ok(())
    }
}
