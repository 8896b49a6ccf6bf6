//! ABI v1 between a guest and the rvjit host. The host (`rvjit`) imports these constants, so
//! guest and host cannot disagree. runtime-abi/README.md documents every entry in prose.
//!
//! Service calls: `ecall` with the service number in `a7`, arguments in `a0..a5`, results in
//! `a0` (and `a1`). Linux numbers are used where Linux has the concept, so the same ELF also runs
//! under qemu-user.

/// Linux `read(fd, ptr, len) -> n`. fd 0 is the input blob as a byte stream; 0 at end.
pub const SYS_READ: u32 = 63;
/// Linux `write(fd, ptr, len) -> len`. fd 1 stdout, 2 stderr, 3 public output.
pub const SYS_WRITE: u32 = 64;
/// Linux `exit(code)`.
pub const SYS_EXIT: u32 = 93;
/// Linux `exit_group(code)`; same as [`SYS_EXIT`] (single hart).
pub const SYS_EXIT_GROUP: u32 = 94;
/// Linux `getrandom(ptr, len, flags) -> len`: deterministic bytes, see [`GETRANDOM_SEED`].
pub const SYS_GETRANDOM: u32 = 278;

/// Base of the project's own service numbers.
pub const PROJECT_BASE: u32 = 0x0800_0000;
/// `() -> (a0 = ptr, a1 = len)` of the read-only input blob.
pub const SYS_INPUT_INFO: u32 = PROJECT_BASE;
/// `() -> a0 = byte length of the next hint frame`, or all-ones (`usize::MAX`) when none is left.
pub const SYS_HINT_LEN: u32 = PROJECT_BASE + 1;
/// `(a0 = ptr, a1 = len) -> a0 = len`: copies the next hint frame to `ptr` and consumes it.
/// `len` must equal the frame length reported by [`SYS_HINT_LEN`]; anything else is a fault.
pub const SYS_HINT_READ: u32 = PROJECT_BASE + 2;
/// `(a0 = ptr)`: keccak-f[1600] permutation in place on a little-endian `[u64; 25]` at `ptr`.
pub const SYS_KECCAKF: u32 = PROJECT_BASE + 0x10;
/// `(a0 = state_ptr, a1 = block_ptr)`: SHA-256 compression of one 64-byte block into the
/// `[u32; 8]` state (native-endian u32 words, as in `sha2::compress256`).
pub const SYS_SHA256_COMPRESS: u32 = PROJECT_BASE + 0x11;

/// File descriptors understood by [`SYS_WRITE`] and [`SYS_READ`].
pub const FD_INPUT: u32 = 0;
pub const FD_STDOUT: u32 = 1;
pub const FD_STDERR: u32 = 2;
pub const FD_PUBLIC_OUTPUT: u32 = 3;

/// Exit code used by runtime-abi's panic handler (as Rust's std does).
pub const EXIT_PANIC: u32 = 101;

/// Seed of the deterministic byte stream served by [`SYS_GETRANDOM`] and OpenVM `hintrandom`:
/// the stream is SHA-256(seed || counter_le_u64) blocks concatenated, counter from 0.
pub const GETRANDOM_SEED: &[u8] = b"rvjit deterministic getrandom v1";

/// Input blob framing: each frame is a little-endian u32 byte length followed by the bytes.
pub const FRAME_LEN_BYTES: usize = 4;

/// OpenVM custom-0 door (opcode 0b0001011): the same services as custom instructions.
pub mod custom0 {
    /// The custom-0 major opcode.
    pub const OPCODE: u32 = 0x0b;
    /// I-type, imm = exit code: terminate.
    pub const FUNCT3_TERMINATE: u32 = 0b000;
    /// I-type: imm 0 = hintstorew (next 4 hint-stream bytes to `[rd]`),
    /// imm 1 = hintbuffer (next `4 * rs1` bytes to `[rd]`).
    pub const FUNCT3_HINT: u32 = 0b001;
    pub const IMM_HINT_STOREW: u32 = 0;
    pub const IMM_HINT_BUFFER: u32 = 1;
    /// I-type: store the 4-byte word `rs1` at byte offset `rd + imm` of the public output.
    pub const FUNCT3_REVEAL: u32 = 0b010;
    /// I-type phantoms: imm 0 = hintinput, 1 = printstr (`[rd..rd+rs1]` to stdout),
    /// 2 = hintrandom (hint stream := `4 * rd` deterministic random bytes).
    pub const FUNCT3_PHANTOM: u32 = 0b011;
    pub const IMM_PHANTOM_HINT_INPUT: u32 = 0;
    pub const IMM_PHANTOM_PRINT_STR: u32 = 1;
    pub const IMM_PHANTOM_HINT_RANDOM: u32 = 2;
    /// R-type, funct7 0: keccak-f[1600] in place on the `[u64; 25]` at `rs1`.
    pub const FUNCT3_KECCAK: u32 = 0b100;
    pub const FUNCT7_KECCAKF: u32 = 0;
}

/// Memory layout that runtime-abi's linker scripts use. The executor does not depend on it:
/// it places memory from the ELF's program headers alone.
pub mod layout {
    /// Top of the guest stack (the stack grows down from here). Page-aligned, not SP1's
    /// 0x0020_0400: an ELF-faithful loader (qemu-user, Linux) maps whole 4 KiB pages with one
    /// permission, so a stack top sharing the page of [`TEXT_START`] would be read-only there.
    pub const STACK_TOP: u64 = 0x0020_0000;
    /// Size of the stack region below [`STACK_TOP`], an ELF NOBITS segment.
    pub const STACK_SIZE: u64 = 0x0010_0000;
    /// Start of `.text`.
    pub const TEXT_START: u64 = 0x0020_0800;
    /// The heap runs from the end of `.bss` up to this limit.
    pub const HEAP_LIMIT: u64 = 0x1000_0000;
}
