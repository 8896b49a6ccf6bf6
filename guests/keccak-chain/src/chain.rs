// Shared by both binaries (included with #[path]): input, chain, output.
//
// Input (one postcard frame): `Input { iterations: u32, seed: Vec<u8> }`.
// h = Keccak-256(seed), then `iterations` times h = Keccak-256(h). Prints `keccak-chain(N) = <hex>`
// and commits h ([u8; 32], postcard: the 32 bytes).

use alloc::vec::Vec;

#[derive(serde::Deserialize)]
pub struct Input {
    pub iterations: u32,
    pub seed: Vec<u8>,
}

pub fn run(hash: impl Fn(&[u8]) -> [u8; 32]) {
    let input: Input = runtime_abi::read();
    let mut h = hash(&input.seed);
    for _ in 0..input.iterations {
        h = hash(&h);
    }
    let mut hex = alloc::string::String::new();
    for b in h {
        use core::fmt::Write;
        let _ = write!(hex, "{b:02x}");
    }
    runtime_abi::println!("keccak-chain({}) = {hex}", input.iterations);
    runtime_abi::commit(&h);
}
