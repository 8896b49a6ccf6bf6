//! Writes the standard inputs of the heavy guests: `inputgen-heavy [INPUTS_DIR]` (default
//! `guests/inputs` relative to the guests workspace). Every file is ONE input frame (the raw
//! postcard bytes, no length prefix), as `rvjit run --input FILE` and the host-native guests
//! take them. Everything is derived from fixed seeds, so the output is byte-for-byte stable.

use std::fs;
use std::path::{Path, PathBuf};

use k256::ecdsa::signature::hazmat::PrehashSigner;
use k256::ecdsa::{Signature, SigningKey};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// Same field order as `Input` in guests/ecdsa-verify.
#[derive(Serialize)]
struct EcdsaInput {
    public_key: Vec<u8>,
    message: Vec<u8>,
    signature: Vec<u8>,
}

/// Same field order as `Input` in guests/evm.
#[derive(Serialize)]
struct EvmInput {
    calldata: Vec<u8>,
}

/// Same field order as `Input` in guests/json.
#[derive(Serialize)]
struct JsonInput {
    rounds: u32,
    document: String,
}

const ECDSA_MESSAGE: &[u8] =
    b"rvjit: run zkVM guests at native speed. This message is signed with secp256k1.";
/// keccak256 iterations of the evm guest's contract for its benchmark input.
const EVM_ITERATIONS: u64 = 2_000;
/// Records in the json guest's benchmark document, and round trips over it.
const JSON_ITEMS: usize = 400;
const JSON_ROUNDS: u32 = 4;

/// `Box<dyn Error>`: a tool, the message is all the caller needs.
type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn main() -> Result<()> {
    let dir: PathBuf = match std::env::args_os().nth(1) {
        Some(d) => d.into(),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../inputs"),
    };
    for (rel, bytes) in inputs()? {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(&path, &bytes)?;
        println!("{} ({} bytes)", path.display(), bytes.len());
    }
    Ok(())
}

/// `small`/named cases are test sizes (tests/guests.rs runs every file); `bench.bin` is the
/// benchmark size (~10-100 M instructions) that the tests skip.
fn inputs() -> Result<Vec<(&'static str, Vec<u8>)>> {
    let (valid, corrupted) = ecdsa_inputs()?;
    let json = |items, rounds| {
        postcard::to_stdvec(&JsonInput {
            rounds,
            document: json_document(items),
        })
    };
    Ok(vec![
        ("ecdsa-verify/valid.bin", postcard::to_stdvec(&valid)?),
        (
            "ecdsa-verify/bad-signature.bin",
            postcard::to_stdvec(&corrupted)?,
        ),
        ("evm/small.bin", postcard::to_stdvec(&evm_input(3))?),
        ("evm/keccak-100.bin", postcard::to_stdvec(&evm_input(100))?),
        (
            "evm/bench.bin",
            postcard::to_stdvec(&evm_input(EVM_ITERATIONS))?,
        ),
        ("json/small.bin", json(8, 2)?),
        ("json/medium.bin", json(40, 3)?),
        ("json/bench.bin", json(JSON_ITEMS, JSON_ROUNDS)?),
    ])
}

/// A key from a fixed seed, an RFC 6979 (deterministic) signature over SHA-256(message), and a
/// copy with one bit of `r` flipped.
fn ecdsa_inputs() -> Result<(EcdsaInput, EcdsaInput)> {
    let seed: [u8; 32] = Sha256::digest(b"rvjit ecdsa-verify fixed test key").into();
    let key = SigningKey::from_bytes(&seed.into())?;
    let digest = Sha256::digest(ECDSA_MESSAGE);
    let signature: Signature = key.sign_prehash(&digest)?;
    let valid = EcdsaInput {
        public_key: key
            .verifying_key()
            .to_encoded_point(true)
            .as_bytes()
            .to_vec(),
        message: ECDSA_MESSAGE.to_vec(),
        signature: signature.to_bytes().to_vec(),
    };
    let mut bad_signature = valid.signature.clone();
    bad_signature[7] ^= 0x10;
    let corrupted = EcdsaInput {
        signature: bad_signature,
        ..clone_ecdsa(&valid)
    };
    Ok((valid, corrupted))
}

fn clone_ecdsa(i: &EcdsaInput) -> EcdsaInput {
    EcdsaInput {
        public_key: i.public_key.clone(),
        message: i.message.clone(),
        signature: i.signature.clone(),
    }
}

/// Calldata `n || x`: two big-endian 32-byte words.
fn evm_input(iterations: u64) -> EvmInput {
    let mut calldata = vec![0u8; 64];
    calldata[24..32].copy_from_slice(&iterations.to_be_bytes());
    let seed = Sha256::digest(b"rvjit evm seed");
    calldata[32..].copy_from_slice(&seed);
    EvmInput { calldata }
}

/// A deterministic JSON document: `{"meta": {...}, "items": [record, ...]}` with strings that
/// need escaping, non-ASCII text, nested objects, arrays, integers, floats, booleans and nulls.
fn json_document(items: usize) -> String {
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let words = [
        "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa",
    ];
    let mut out = String::from("{\"meta\":{\"generator\":\"inputgen-heavy\",\"version\":1,\"note\":\"tab\\there \\\"quoted\\\" \\u00e9\\u4e2d\"},\"items\":[");
    for id in 0..items {
        if id > 0 {
            out.push(',');
        }
        let r = rng.next();
        let name = format!(
            "{}-{}-{}",
            words[(r % 10) as usize],
            words[((r >> 8) % 10) as usize],
            id
        );
        let tags: Vec<String> = (0..(r >> 16) % 5)
            .map(|k| format!("\"{}\"", words[((r >> (20 + k)) % 10) as usize]))
            .collect();
        let price = (rng.next() % 1_000_000) as f64 / 100.0;
        out.push_str(&format!(
            "{{\"id\":{id},\"name\":\"{name}\",\"qty\":{},\"price\":{price},\"active\":{},\"discount\":{},\
             \"tags\":[{}],\"dims\":{{\"w\":{},\"h\":{},\"d\":{}}},\"text\":\"{}\"}}",
            rng.next() % 1000,
            r & 1 == 0,
            if r & 2 == 0 { "null".to_string() } else { format!("{}", (r >> 32) % 50) },
            tags.join(","),
            rng.next() % 500,
            rng.next() % 500,
            rng.next() % 500,
            lorem(&mut rng, &words),
        ));
    }
    out.push_str("]}");
    out
}

fn lorem(rng: &mut XorShift, words: &[&str]) -> String {
    let n = 5 + rng.next() % 20;
    let mut s = String::new();
    for i in 0..n {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(words[(rng.next() % words.len() as u64) as usize]);
    }
    s.push_str(" \\n\\u00fc\\u00df.");
    s
}

/// xorshift64: a fixed, dependency-free generator (the document must never change).
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}
