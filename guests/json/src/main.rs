//! serde_json round trips: a data-heavy, allocation-heavy guest.
//!
//! Input (one postcard frame): [`Input`] — a JSON document (an object with an `items` array of
//! records, see guests/tools/inputgen-heavy) and a number of rounds. Each round parses the
//! current text into a `serde_json::Value`, rewrites every record deterministically (integer
//! arithmetic and string edits only, so no float formatting is involved) and serializes it back;
//! the next round starts from that text. The guest prints and commits the final length, a
//! structural summary and the SHA-256 of the final text.
#![cfg_attr(target_os = "none", no_std, no_main)]

extern crate alloc;

use alloc::format;
use alloc::string::String;
use runtime_abi::{commit, entry, exit, println, read};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// Keep in sync with guests/tools/inputgen-heavy (same field order: postcard is positional).
#[derive(Deserialize)]
struct Input {
    rounds: u32,
    document: String,
}

#[derive(Serialize)]
struct Output {
    rounds: u32,
    items: u64,
    total_qty: u64,
    len: u64,
    sha256: [u8; 32],
}

entry!(main);

fn main() {
    let input: Input = read();
    let mut text = input.document;
    let mut summary = Summary::default();
    for round in 0..input.rounds {
        let mut doc: Value = match serde_json::from_str(&text) {
            Ok(v) => v,
            Err(e) => {
                println!("round {round}: bad JSON: {e}");
                exit(2);
            }
        };
        summary = rewrite(&mut doc, round);
        text = match serde_json::to_string(&doc) {
            Ok(t) => t,
            Err(e) => {
                println!("round {round}: cannot serialize: {e}");
                exit(2);
            }
        };
    }
    let sha256: [u8; 32] = Sha256::digest(text.as_bytes()).into();
    println!(
        "rounds {} items {} total_qty {} len {} sha256 {}",
        input.rounds,
        summary.items,
        summary.total_qty,
        text.len(),
        Hex(&sha256)
    );
    commit(&Output {
        rounds: input.rounds,
        items: summary.items,
        total_qty: summary.total_qty,
        len: text.len() as u64,
        sha256,
    });
}

#[derive(Default)]
struct Summary {
    items: u64,
    total_qty: u64,
}

/// One round's edit: bump quantities, rotate tags, append to each record's history and record
/// the round in the document's metadata. Integers only; every change depends on the data.
fn rewrite(doc: &mut Value, round: u32) -> Summary {
    let mut summary = Summary::default();
    if let Some(items) = doc.get_mut("items").and_then(Value::as_array_mut) {
        for item in items.iter_mut() {
            let Some(obj) = item.as_object_mut() else {
                continue;
            };
            let id = obj.get("id").and_then(Value::as_u64).unwrap_or(0);
            let qty = obj.get("qty").and_then(Value::as_u64).unwrap_or(0);
            let new_qty = (qty * 31 + id + u64::from(round)) % 100_003;
            obj.insert("qty".into(), Value::from(new_qty));
            if let Some(tags) = obj.get_mut("tags").and_then(Value::as_array_mut) {
                if !tags.is_empty() {
                    tags.rotate_left(1);
                }
            }
            if let Some(Value::String(name)) = obj.get_mut("name") {
                // Keep names bounded: drop the oldest round marker once there are a few.
                if name.matches('#').count() >= 3 {
                    if let Some(pos) = name.find('#') {
                        name.replace_range(pos..pos + 1, "");
                    }
                }
                name.push('#');
            }
            let history = obj
                .entry("history")
                .or_insert_with(|| Value::Array(Default::default()));
            if let Some(h) = history.as_array_mut() {
                h.push(json!({ "round": round, "qty": new_qty }));
                if h.len() > 4 {
                    h.remove(0);
                }
            }
            summary.items += 1;
            summary.total_qty += new_qty;
        }
    }
    if let Some(meta) = doc.get_mut("meta").and_then(Value::as_object_mut) {
        meta.insert("round".into(), Value::from(round));
        meta.insert(
            "note".into(),
            Value::from(format!("rewritten {} times \u{2713}", round + 1)),
        );
    }
    summary
}

/// Lower-case hex without pulling in a formatting crate.
struct Hex<'a>(&'a [u8]);

impl core::fmt::Display for Hex<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}
