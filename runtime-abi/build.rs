//! Applies runtime-abi's linker script to bare-metal RISC-V guests, so a guest needs no flags
//! beyond `--target`.
//!
//! `cargo:rustc-link-arg` from a dependency does not reach the final binary, but a native
//! library does: the script is written to OUT_DIR and linked as the unbundled, verbatim library
//! `-l:rvjit-link.x`. lld reads an input file that is neither an object nor an archive as a
//! linker script, so its SECTIONS/PHDRS apply exactly as with `-T`.

use std::{env, fs, path::PathBuf};

#[path = "src/abi.rs"]
#[allow(dead_code)]
mod abi;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=src/abi.rs");
    let rt = env::var_os("CARGO_FEATURE_RT").is_some();
    let os = env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let arch = env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    if !rt || os != "none" || !arch.starts_with("riscv") {
        return;
    }
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    fs::write(out.join("rvjit-link.x"), script()).expect("write linker script");
    println!("cargo:rustc-link-search=native={}", out.display());
    println!("cargo:rustc-link-lib=static:-bundle,+verbatim=rvjit-link.x");
}

fn script() -> String {
    use abi::layout::*;
    format!(
        r#"/* runtime-abi guest layout (runtime-abi/README.md "Memory layout"). */
ENTRY(_start)

PHDRS
{{
  stack  PT_LOAD FLAGS(6);
  text   PT_LOAD FLAGS(5);
  rodata PT_LOAD FLAGS(4);
  data   PT_LOAD FLAGS(6);
}}

SECTIONS
{{
  . = {stack_bottom:#x};
  .stack (NOLOAD) : ALIGN(16)
  {{
    __stack_bottom = .;
    . += {stack_size:#x};
    __stack_top = .;
  }} :stack

  . = {text:#x};
  .text :
  {{
    KEEP(*(.text._start))
    *(.text .text.*)
  }} :text

  . = ALIGN(4096);
  .rodata :
  {{
    *(.srodata .srodata.*)
    *(.rodata .rodata.*)
  }} :rodata
  .eh_frame : {{ *(.eh_frame) }} :rodata

  . = ALIGN(4096);
  .data :
  {{
    *(.data .data.*)
    . = ALIGN(8);
    __global_pointer$ = . + 0x800;
    *(.sdata .sdata.* .sdata2 .sdata2.*)
    *(.got .got.*)
  }} :data

  .bss (NOLOAD) : ALIGN(8)
  {{
    __bss_start = .;
    *(.sbss .sbss.* .bss .bss.* COMMON)
    . = ALIGN(8);
    __bss_end = .;
  }} :data

  .heap (NOLOAD) : ALIGN(16)
  {{
    __heap_start = .;
    . = {heap_limit:#x};
    __heap_end = .;
  }} :data
}}

ASSERT(__stack_top == {stack_top:#x}, "stack top moved")
ASSERT(__heap_start < {heap_limit:#x}, "program too large for the heap limit")
"#,
        stack_bottom = STACK_TOP - STACK_SIZE,
        stack_size = STACK_SIZE,
        stack_top = STACK_TOP,
        text = TEXT_START,
        heap_limit = HEAP_LIMIT,
    )
}
