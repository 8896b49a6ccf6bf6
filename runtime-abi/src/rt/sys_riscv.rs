//! Service calls on bare-metal RISC-V: `ecall` with the number in a7 (abi.rs, README.md).

use core::arch::asm;

use crate::abi;

/// One `ecall` with up to three arguments; returns (a0, a1).
#[inline(always)]
fn ecall3(n: u32, a0: usize, a1: usize, a2: usize) -> (usize, usize) {
    let (r0, r1);
    // SAFETY: the rvjit/qemu service contract: the call reads/writes only the memory its
    // arguments describe, which every caller passes as valid slices, and clobbers only a0/a1.
    unsafe {
        asm!("ecall", inlateout("a0") a0 => r0, inlateout("a1") a1 => r1, in("a2") a2,
             in("a7") n as usize, options(nostack));
    }
    (r0, r1)
}

pub fn write(fd: u32, bytes: &[u8]) {
    if !bytes.is_empty() {
        ecall3(abi::SYS_WRITE, fd as usize, bytes.as_ptr() as usize, bytes.len());
    }
}

/// Linux `read`: bytes read (0 at end of the input stream).
pub fn read(fd: u32, buf: &mut [u8]) -> usize {
    let (n, _) = ecall3(abi::SYS_READ, fd as usize, buf.as_mut_ptr() as usize, buf.len());
    // A negative errno (qemu-user) counts as end of input.
    if (n as isize) < 0 { 0 } else { n }
}

pub fn exit(code: i32) -> ! {
    ecall3(abi::SYS_EXIT, code as usize, 0, 0);
    // The exit service never returns; make sure of it without relying on the host.
    loop {
        ecall3(abi::SYS_EXIT_GROUP, code as usize, 0, 0);
    }
}

pub fn hint_len() -> Option<usize> {
    let (n, _) = ecall3(abi::SYS_HINT_LEN, 0, 0, 0);
    (n != usize::MAX).then_some(n)
}

pub fn hint_read(buf: &mut [u8]) {
    ecall3(abi::SYS_HINT_READ, buf.as_mut_ptr() as usize, buf.len(), 0);
}

/// `(ptr, len)` of the read-only input blob (rvjit only; qemu-user has no such service).
pub fn input_info() -> (*const u8, usize) {
    let (p, n) = ecall3(abi::SYS_INPUT_INFO, 0, 0, 0);
    (p as *const u8, n)
}

pub fn getrandom(buf: &mut [u8]) {
    if !buf.is_empty() {
        ecall3(abi::SYS_GETRANDOM, buf.as_mut_ptr() as usize, buf.len(), 0);
    }
}

pub fn keccakf(state: &mut [u64; 25]) {
    ecall3(abi::SYS_KECCAKF, state.as_mut_ptr() as usize, 0, 0);
}

pub fn sha256_compress(state: &mut [u32; 8], block: &[u8; 64]) {
    ecall3(abi::SYS_SHA256_COMPRESS, state.as_mut_ptr() as usize, block.as_ptr() as usize, 0);
}
