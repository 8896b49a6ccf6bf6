//! Deterministic randomness: ecall 278 (getrandom) on RISC-V, the same seeded stream natively.
//! With features `getrandom-02` / `getrandom-03` the `getrandom` crate is routed here.

/// Fill `buf` with the executor's deterministic random bytes.
pub fn fill_random(buf: &mut [u8]) {
    super::sys::getrandom(buf)
}

#[cfg(all(feature = "getrandom-02", target_os = "none"))]
mod v02 {
    fn custom(buf: &mut [u8]) -> Result<(), getrandom02::Error> {
        super::fill_random(buf);
        Ok(())
    }
    getrandom02::register_custom_getrandom!(custom);
}

/// getrandom 0.3's custom backend (the guest builds with `--cfg getrandom_backend="custom"`).
#[cfg(all(feature = "getrandom-03", target_os = "none"))]
#[no_mangle]
unsafe extern "Rust" fn __getrandom_v03_custom(dest: *mut u8, len: usize) -> Result<(), getrandom03::Error> {
    // SAFETY: getrandom 0.3 passes a valid writable buffer of `len` bytes.
    let buf = unsafe { core::slice::from_raw_parts_mut(dest, len) };
    fill_random(buf);
    Ok(())
}
