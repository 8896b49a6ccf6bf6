//! Arbitrary bytes as RV64 code: interpreter vs translator (see rvjit_fuzz::code).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| rvjit_fuzz::code(rvjit::isa::Xlen::X64, data));
