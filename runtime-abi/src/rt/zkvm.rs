//! The Ethereum zkVM standard C interface (`read_input`, `write_output`, `zkvm_keccak256`,
//! `zkvm_sha256`). The C `write_output` is exported under its C name without clashing with the
//! Rust [`crate::write_output`].

use super::{accel, sys};

/// `void read_input(const uint8_t **buf, size_t *len)`: the whole input blob (all frames with
/// their length prefixes). On RISC-V the blob is mapped read-only by the executor
/// (SYS_INPUT_INFO; rvjit only).
///
/// # Safety
/// `buf` and `len` must be valid for writes.
#[export_name = "read_input"]
pub unsafe extern "C" fn zkvm_read_input(buf: *mut *const u8, len: *mut usize) {
    let (p, n) = sys::input_info();
    // SAFETY: the caller passes valid out-pointers (C contract).
    unsafe {
        *buf = p;
        *len = n;
    }
}

/// `void write_output(const uint8_t *ptr, size_t len)`: append to the public output.
///
/// # Safety
/// `ptr` must be valid for `len` bytes.
#[export_name = "write_output"]
pub unsafe extern "C" fn zkvm_write_output(ptr: *const u8, len: usize) {
    // SAFETY: the caller passes a valid buffer (C contract).
    crate::write_output(unsafe { slice(ptr, len) });
}

/// `void zkvm_keccak256(const uint8_t *data, size_t len, uint8_t out[32])`.
///
/// # Safety
/// `data` valid for `len` bytes, `out` for 32 writable bytes.
#[no_mangle]
pub unsafe extern "C" fn zkvm_keccak256(data: *const u8, len: usize, out: *mut u8) {
    // SAFETY: C contract above.
    unsafe {
        let d = accel::keccak256(slice(data, len));
        core::ptr::copy_nonoverlapping(d.as_ptr(), out, 32);
    }
}

/// `void zkvm_sha256(const uint8_t *data, size_t len, uint8_t out[32])`.
///
/// # Safety
/// `data` valid for `len` bytes, `out` for 32 writable bytes.
#[no_mangle]
pub unsafe extern "C" fn zkvm_sha256(data: *const u8, len: usize, out: *mut u8) {
    // SAFETY: C contract above.
    unsafe {
        let d = accel::sha256(slice(data, len));
        core::ptr::copy_nonoverlapping(d.as_ptr(), out, 32);
    }
}

/// A C buffer as a slice; a null pointer with length 0 is the empty slice.
unsafe fn slice<'a>(ptr: *const u8, len: usize) -> &'a [u8] {
    if len == 0 {
        &[]
    } else {
        // SAFETY: the callers' C contracts.
        unsafe { core::slice::from_raw_parts(ptr, len) }
    }
}
