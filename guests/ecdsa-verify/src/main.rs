//! secp256k1 ECDSA verification (k256, pure Rust).
//!
//! Input (one postcard frame): [`Input`] — a SEC1-encoded public key, a message and a 64-byte
//! `r || s` signature. The guest hashes the message with software SHA-256, verifies the
//! signature over that digest, prints `valid` or `invalid`, and commits [`Output`].
//! A malformed key or signature counts as invalid (exit code 0 either way: the verdict is the
//! result, not a failure of the guest).
#![cfg_attr(target_os = "none", no_std, no_main)]

extern crate alloc;

use alloc::vec::Vec;
use k256::ecdsa::signature::hazmat::PrehashVerifier;
use k256::ecdsa::{Signature, VerifyingKey};
use runtime_abi::{commit, entry, println, read};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Keep in sync with guests/tools/inputgen-heavy (same field order: postcard is positional).
#[derive(Deserialize)]
struct Input {
    public_key: Vec<u8>,
    message: Vec<u8>,
    signature: Vec<u8>,
}

#[derive(Serialize)]
struct Output {
    valid: bool,
    digest: [u8; 32],
}

entry!(main);

fn main() {
    let input: Input = read();
    let digest: [u8; 32] = Sha256::digest(&input.message).into();
    let valid = verify(&input.public_key, &input.signature, &digest);
    println!(
        "message: {} bytes, sha256 {}",
        input.message.len(),
        Hex(&digest)
    );
    println!("{}", if valid { "valid" } else { "invalid" });
    commit(&Output { valid, digest });
}

fn verify(public_key: &[u8], signature: &[u8], digest: &[u8; 32]) -> bool {
    let Ok(key) = VerifyingKey::from_sec1_bytes(public_key) else {
        return false;
    };
    let Ok(sig) = Signature::from_slice(signature) else {
        return false;
    };
    key.verify_prehash(digest, &sig).is_ok()
}

/// Lower-case hex without pulling in a formatting crate.
struct Hex<'a>(&'a [u8]);

impl core::fmt::Display for Hex<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}
