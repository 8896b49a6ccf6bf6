//! Arbitrary bytes as RV32 code: interpreter vs translator (see rvjit_fuzz::code).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| rvjit_fuzz::code(rvjit::isa::Xlen::X32, data));
