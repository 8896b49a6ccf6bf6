//! Arbitrary bytes as an ELF file: typed error or a runnable program (see rvjit_fuzz::elf).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| rvjit_fuzz::elf(data));
