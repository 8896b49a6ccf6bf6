//! Arbitrary service calls and custom-0 instructions into the host (see rvjit_fuzz::services).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| rvjit_fuzz::services::run(data));
