//! Program entry. On RISC-V `_start` (below) sets gp and sp from linker-script symbols, zeroes
//! `.bss`, calls the guest's `main` through the `__rvjit_main` symbol that [`entry!`] defines,
//! and exits (ecall 93) with its return value.

/// What `main` may return: `()` (exit code 0), `i32` or `u32` (the exit code).
pub trait ExitCode {
    fn exit_code(self) -> i32;
}

impl ExitCode for () {
    fn exit_code(self) -> i32 {
        0
    }
}

impl ExitCode for i32 {
    fn exit_code(self) -> i32 {
        self
    }
}

impl ExitCode for u32 {
    fn exit_code(self) -> i32 {
        self as i32
    }
}

#[cfg(target_os = "none")]
core::arch::global_asm!(
    ".section .text._start, \"ax\", @progbits",
    ".globl _start",
    ".type _start, @function",
    "_start:",
    // gp must be materialised without relaxation (relaxing would use gp to load gp).
    ".option push",
    ".option norelax",
    "    la gp, __global_pointer$",
    ".option pop",
    "    la sp, __stack_top",
    // .bss is 8-byte aligned at both ends (link.x); zero it a word at a time.
    "    la t0, __bss_start",
    "    la t1, __bss_end",
    "1:  bgeu t0, t1, 2f",
    "    sw zero, 0(t0)",
    "    sw zero, 4(t0)",
    "    addi t0, t0, 8",
    "    j 1b",
    "2:  call __rvjit_heap_init",
    "    call __rvjit_main",
    "    li a7, 93",
    "    ecall",
    "3:  j 3b",
    ".size _start, . - _start",
);

/// Declare the guest's main function: `entry!(main);` with `fn main()` returning `()`, `i32`
/// or `u32`.
///
/// On RISC-V this defines the symbol `_start` calls. In host-native mode the guest's `main` is
/// std's `main` (so it must return `()`; call [`exit`](crate::exit) for other codes) and this
/// registers a constructor that parses the command line and installs the panic hook.
#[cfg(target_os = "none")]
#[macro_export]
macro_rules! entry {
    ($main:path) => {
        #[doc(hidden)]
        #[export_name = "__rvjit_main"]
        pub extern "C" fn __rvjit_main() -> i32 {
            $crate::__private::ExitCode::exit_code($main())
        }
    };
}

/// See the RISC-V variant.
#[cfg(not(target_os = "none"))]
#[macro_export]
macro_rules! entry {
    ($main:path) => {
        #[doc(hidden)]
        #[used]
        #[cfg_attr(any(target_os = "linux", target_os = "android", target_os = "freebsd"), link_section = ".init_array")]
        #[cfg_attr(target_vendor = "apple", link_section = "__DATA,__mod_init_func")]
        static __RVJIT_INIT: extern "C" fn() = {
            extern "C" fn init() {
                $crate::__private::native_init();
            }
            init
        };
        // Type-check `main` against the same contract as on RISC-V (never called).
        #[allow(clippy::main_recursion)]
        const _: fn() -> i32 = || $crate::__private::ExitCode::exit_code($main());
    };
}
