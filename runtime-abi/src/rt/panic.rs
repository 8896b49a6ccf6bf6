//! Panics print their message and location to stderr and exit with [`abi::EXIT_PANIC`].

use core::fmt::Write;

use crate::abi;

/// Formats into a fixed buffer (no allocation: the panic may be an allocation failure), so the
/// message reaches the host in one write; longer messages are cut.
struct Buf {
    bytes: [u8; 512],
    len: usize,
}

impl Write for Buf {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let n = s.len().min(self.bytes.len() - self.len);
        self.bytes[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        Ok(())
    }
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    let mut buf = Buf { bytes: [0; 512], len: 0 };
    let _ = write!(buf, "{info}");
    let _ = buf.write_str("\n");
    super::sys::write(abi::FD_STDERR, &buf.bytes[..buf.len]);
    super::sys::exit(abi::EXIT_PANIC as i32)
}
