//! What the binary jsonb type buys: parsing, and `->>` on a stored value,
//! against parsing the same text with serde_json every time and looking the
//! field up in its tree. Run in release:
//!
//! ```text
//! cargo bench -p arbor-tests --bench jsonb
//! ```
//!
//! The documents are the `attrs` column of the benchmark table `t` of
//! `../shared/bench/` (rows from `arbor_tests::bench_data`), about 80 bytes
//! of JSON each: `{"color":"red","size":5,"score":0.123,"active":true,"tags":[...]}`.
//!
//! Lines:
//!
//! - `parse`: JSON text to a value (`Jsonb::parse`: parse, normalize numbers,
//!   encode canonically; serde_json: parse to a `serde_json::Value`).
//! - `->> 'color'` and `->> 'size'`: on a `Jsonb` already in memory, the
//!   lookup reading the stored bytes without decoding the document; with
//!   serde_json, parsing the text and then looking the field up, which is what
//!   a database keeping JSON as text pays on every read.
//! - `... from bytes`: the same lookup starting from the stored bytes of a
//!   row (`Jsonb::from_bytes`, which checks them, then `->>`), what a row read
//!   from disk pays.
//! - `filter`: the benchmark's JSON predicate
//!   `attrs->>'color' = 'red' AND (attrs->>'size')::int >= 5`, counted over
//!   all documents.
//!
//! Each figure is the best of several passes over all documents.

use std::hint::black_box;
use std::time::{Duration, Instant};

use arbor_jsonb::Jsonb;
use arbor_jsonb::ops::get_field_text;
use arbor_tests::bench_data::row;

const DOCS: usize = 200_000;
const PASSES: usize = 5;

/// Runs `f` over every document `PASSES` times; the best time per document, in ns.
fn per_doc(mut f: impl FnMut()) -> f64 {
    let best = (0..PASSES)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .min()
        .unwrap_or(Duration::ZERO);
    best.as_secs_f64() * 1e9 / DOCS as f64
}

/// `->>` over a serde_json tree, with PostgreSQL's result: strings unquoted,
/// JSON null as SQL NULL, anything else as JSON text.
fn serde_field_text(doc: &serde_json::Value, key: &str) -> Option<String> {
    match doc.get(key)? {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

fn serde_parse(text: &str) -> serde_json::Value {
    serde_json::from_str(text).expect("generated JSON is valid")
}

fn jsonb_filter(doc: &Jsonb) -> bool {
    get_field_text(doc, "color").as_deref() == Some("red")
        && get_field_text(doc, "size")
            .and_then(|s| s.parse::<i32>().ok())
            .is_some_and(|size| size >= 5)
}

fn serde_filter(doc: &serde_json::Value) -> bool {
    serde_field_text(doc, "color").as_deref() == Some("red")
        && serde_field_text(doc, "size")
            .and_then(|s| s.parse::<i32>().ok())
            .is_some_and(|size| size >= 5)
}

fn line(what: &str, jsonb: f64, serde: f64) {
    println!(
        "{what:<22} {jsonb:>9.1} {serde:>11.1} {:>9.1}x",
        serde / jsonb
    );
}

fn main() {
    let texts: Vec<String> = (1..=DOCS as u64).map(|i| row(i).attrs).collect();
    let docs: Vec<Jsonb> = texts
        .iter()
        .map(|t| Jsonb::parse(t).expect("generated JSON is valid"))
        .collect();
    let stored: Vec<Vec<u8>> = docs.iter().map(|d| d.as_bytes().to_vec()).collect();

    // Both sides must compute the same answers before they are timed.
    for (text, doc) in texts.iter().zip(&docs) {
        let tree = serde_parse(text);
        for key in ["color", "size", "active", "absent"] {
            assert_eq!(
                get_field_text(doc, key),
                serde_field_text(&tree, key),
                "{key} of {text}"
            );
        }
    }
    let matches = docs.iter().filter(|d| jsonb_filter(d)).count();
    assert_eq!(
        matches,
        texts
            .iter()
            .filter(|t| serde_filter(&serde_parse(t)))
            .count()
    );

    let text_bytes: usize = texts.iter().map(String::len).sum();
    let stored_bytes: usize = stored.iter().map(Vec::len).sum();
    println!(
        "{DOCS} attrs documents of table t: {:.1} B of JSON text, {:.1} B stored as jsonb on average; \
         {matches} match the filter; best of {PASSES} passes",
        text_bytes as f64 / DOCS as f64,
        stored_bytes as f64 / DOCS as f64,
    );
    println!(
        "{:<22} {:>9} {:>11} {:>10}",
        "ns per document", "jsonb", "serde_json", "ratio"
    );

    let parse = per_doc(|| {
        for t in &texts {
            black_box(Jsonb::parse(black_box(t)).expect("parses"));
        }
    });
    let serde_parse_ns = per_doc(|| {
        for t in &texts {
            black_box(serde_parse(black_box(t)));
        }
    });
    line("parse", parse, serde_parse_ns);

    for key in ["color", "size"] {
        let stored_lookup = per_doc(|| {
            for d in &docs {
                black_box(get_field_text(black_box(d), key));
            }
        });
        let serde_lookup = per_doc(|| {
            for t in &texts {
                black_box(serde_field_text(&serde_parse(black_box(t)), key));
            }
        });
        line(&format!("->> '{key}'"), stored_lookup, serde_lookup);
        let from_bytes = per_doc(|| {
            for b in &stored {
                let doc = Jsonb::from_bytes(black_box(b)).expect("stored bytes decode");
                black_box(get_field_text(&doc, key));
            }
        });
        line(&format!("->> '{key}' from bytes"), from_bytes, serde_lookup);
    }

    let filter = per_doc(|| {
        black_box(docs.iter().filter(|d| jsonb_filter(black_box(d))).count());
    });
    let serde_filter_ns = per_doc(|| {
        black_box(
            texts
                .iter()
                .filter(|t| serde_filter(&serde_parse(black_box(t))))
                .count(),
        );
    });
    line("filter", filter, serde_filter_ns);
}
