//! Input frames for the core guests. Each output file is ONE frame: the raw postcard bytes, no
//! length prefix (as `rvjit run --input FILE` and host-native `--input FILE` take them).
//!
//! ```text
//! inputgen fibonacci N -o FILE
//! inputgen sha256-chain ITERATIONS SEED_TEXT -o FILE     (keccak-chain: same)
//! inputgen misbehave SELECTOR -o FILE
//! inputgen standard [DIR]      the committed sample inputs (default: guests/inputs)
//! ```

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Same field order as `Input` in guests/{sha256,keccak}-chain/src/chain.rs.
#[derive(serde::Serialize)]
struct ChainInput<'a> {
    iterations: u32,
    #[serde(with = "bytes")]
    seed: &'a [u8],
}

/// Vec<u8> and &[u8] encode the same in postcard (length + bytes); keep the seq form explicit.
mod bytes {
    pub fn serialize<S: serde::Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v)
    }
}

fn encode<T: serde::Serialize>(v: &T) -> Vec<u8> {
    postcard::to_allocvec(v).expect("postcard encoding of plain data")
}

fn frame(guest: &str, args: &[String]) -> Result<Vec<u8>, String> {
    let num = |i: usize| -> Result<u32, String> {
        args.get(i).ok_or("missing argument")?.parse::<u32>().map_err(|e| e.to_string())
    };
    match guest {
        "fibonacci" | "misbehave" => Ok(encode(&num(0)?)),
        "sha256-chain" | "keccak-chain" => {
            let seed = args.get(1).ok_or("missing SEED_TEXT")?;
            Ok(encode(&ChainInput { iterations: num(0)?, seed: seed.as_bytes() }))
        }
        _ => Err(format!("unknown guest {guest}")),
    }
}

/// The committed sample inputs: (relative path, guest, args).
const STANDARD: &[(&str, &str, &[&str])] = &[
    ("fibonacci/small.bin", "fibonacci", &["90"]),
    ("fibonacci/wrap.bin", "fibonacci", &["1000"]),
    ("fibonacci/bench.bin", "fibonacci", &["10000000"]),
    ("sha256-chain/small.bin", "sha256-chain", &["100", "rvjit"]),
    ("sha256-chain/empty-seed.bin", "sha256-chain", &["0", ""]),
    ("sha256-chain/bench.bin", "sha256-chain", &["100000", "rvjit benchmark seed"]),
    ("keccak-chain/small.bin", "keccak-chain", &["100", "rvjit"]),
    ("keccak-chain/long-seed.bin", "keccak-chain", &["3", LONG_SEED]),
    ("keccak-chain/bench.bin", "keccak-chain", &["100000", "rvjit benchmark seed"]),
];

/// 300 bytes: more than two keccak blocks and several SHA-256 blocks.
const LONG_SEED: &str = "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz012345678901";

const MISBEHAVE: &[&str] = &[
    "null-load", "store-to-code", "out-of-range", "misaligned", "illegal", "ebreak", "bad-pointer",
    "unknown-service", "endless-loop", "stack-exhaustion", "panic",
];

fn standard(dir: &Path) -> Result<(), String> {
    let mut all: Vec<(String, Vec<u8>)> = Vec::new();
    for (rel, guest, args) in STANDARD {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        all.push((rel.to_string(), frame(guest, &args)?));
    }
    for (sel, name) in MISBEHAVE.iter().enumerate() {
        all.push((format!("misbehave/{sel:02}-{name}.bin"), encode(&(sel as u32))));
    }
    for (rel, bytes) in all {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().ok_or("bad path")?).map_err(|e| e.to_string())?;
        std::fs::write(&path, bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("standard") => {
            let dir = args.get(1).map(PathBuf::from).unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../inputs"));
            standard(&dir)
        }
        Some(guest) => {
            let rest = &args[1..];
            match rest.iter().position(|a| a == "-o") {
                Some(i) if i + 1 < rest.len() => frame(guest, &rest[..i])
                    .and_then(|f| std::fs::write(&rest[i + 1], f).map_err(|e| e.to_string())),
                _ => Err("missing -o FILE".into()),
            }
        }
        None => Err("usage: inputgen GUEST ARGS... -o FILE | inputgen standard [DIR]".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("inputgen: {e}");
            ExitCode::FAILURE
        }
    }
}
