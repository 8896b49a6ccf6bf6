//! Input frames, hints, public output, console output and exit: the portable API.

use alloc::vec;
use alloc::vec::Vec;
use core::fmt;

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::sys;
use crate::abi;

/// Read exactly `buf.len()` bytes of the input stream; false if it ended first.
fn read_exact(buf: &mut [u8]) -> bool {
    let mut done = 0;
    while done < buf.len() {
        let n = sys::read(abi::FD_INPUT, &mut buf[done..]);
        if n == 0 {
            return false;
        }
        done += n;
    }
    true
}

/// The next raw input frame (a little-endian u32 length, then the bytes, read from fd 0).
/// Panics if the input has no further complete frame.
pub fn read_frame() -> Vec<u8> {
    let mut len = [0u8; abi::FRAME_LEN_BYTES];
    if !read_exact(&mut len) {
        panic!("read_frame: no input frame left");
    }
    let len = u32::from_le_bytes(len) as usize;
    let mut frame = vec![0u8; len];
    if !read_exact(&mut frame) {
        panic!("read_frame: input frame of {len} bytes is cut off");
    }
    frame
}

/// The next input frame, postcard-decoded. Panics if it is missing or malformed.
pub fn read<T: DeserializeOwned>() -> T {
    let frame = read_frame();
    match postcard::from_bytes(&frame) {
        Ok(v) => v,
        Err(e) => panic!("read: input frame of {} bytes does not decode as {}: {e}", frame.len(), core::any::type_name::<T>()),
    }
}

/// Length of the next hint frame, or `None` when none is left.
pub fn hint_len() -> Option<usize> {
    sys::hint_len()
}

/// The next hint frame (consumed), or `None` when none is left.
pub fn read_hint() -> Option<Vec<u8>> {
    let len = sys::hint_len()?;
    let mut buf = vec![0u8; len];
    sys::hint_read(&mut buf);
    Some(buf)
}

/// Append raw bytes to the public output (fd 3).
pub fn write_output(bytes: &[u8]) {
    sys::write(abi::FD_PUBLIC_OUTPUT, bytes);
}

/// Append `value`, postcard-encoded, to the public output.
pub fn commit<T: Serialize + ?Sized>(value: &T) {
    match postcard::to_allocvec(value) {
        Ok(bytes) => write_output(&bytes),
        Err(e) => panic!("commit: cannot encode {}: {e}", core::any::type_name::<T>()),
    }
}

/// End the run with this exit code.
pub fn exit(code: i32) -> ! {
    sys::exit(code)
}

/// Formats into one buffer first so a line reaches the host in one `write` call.
#[doc(hidden)]
pub fn _print(args: fmt::Arguments<'_>) {
    sys::write(abi::FD_STDOUT, alloc::fmt::format(args).as_bytes());
}

#[doc(hidden)]
pub fn _eprint(args: fmt::Arguments<'_>) {
    sys::write(abi::FD_STDERR, alloc::fmt::format(args).as_bytes());
}

/// Print to the guest's stdout (fd 1).
#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => { $crate::_print(core::format_args!($($arg)*)) };
}

/// Print a line to the guest's stdout (fd 1).
#[macro_export]
macro_rules! println {
    () => { $crate::_print(core::format_args!("\n")) };
    ($($arg:tt)*) => { $crate::_print(core::format_args!("{}\n", core::format_args!($($arg)*))) };
}

/// Print to the guest's stderr (fd 2).
#[macro_export]
macro_rules! eprint {
    ($($arg:tt)*) => { $crate::_eprint(core::format_args!($($arg)*)) };
}

/// Print a line to the guest's stderr (fd 2).
#[macro_export]
macro_rules! eprintln {
    () => { $crate::_eprint(core::format_args!("\n")) };
    ($($arg:tt)*) => { $crate::_eprint(core::format_args!("{}\n", core::format_args!($($arg)*))) };
}
