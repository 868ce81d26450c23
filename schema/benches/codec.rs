//! Throughput of the key and row codecs on rows shaped like the benchmark
//! table `t` (bench/datagen.py): an integer key; name and category text, qty
//! integer, price double, created text and attrs jsonb as the row.
//!
//! Run with `cargo bench -p arbor-schema`. Timing uses `std::time`; each
//! measurement is the best of several passes over the same rows.

use std::hint::black_box;
use std::time::{Duration, Instant};

use arbor_jsonb::Jsonb;
use arbor_schema::key::{KeyColumn, decode_key, encode_key};
use arbor_schema::row::{RowColumn, decode_row, encode_row};
use arbor_schema::{DataType, Value};

const ROWS: usize = 200_000;
const PASSES: usize = 5;
const SEED: u64 = 0x4152_4230;
const CATEGORIES: [&str; 8] = [
    "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel",
];
const COLORS: [&str; 8] = [
    "red", "green", "blue", "black", "white", "orange", "purple", "grey",
];
const TAGS: [&str; 8] = [
    "new", "sale", "eco", "bulk", "gift", "rare", "promo", "basic",
];

fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Row `i` of table `t`, as datagen.py makes it: (key, other columns).
fn row(i: u64) -> (Value, Vec<Value>) {
    let h0 = splitmix64((SEED << 32) ^ i);
    let h1 = splitmix64(h0);
    let h2 = splitmix64(h1);
    let name = format!("item-{i}-{:06x}", h0 & 0xFF_FFFF);
    let category = CATEGORIES[((h0 >> 24) & 7) as usize];
    let qty = ((h0 >> 27) % 10_000) as i32;
    let price = ((h1 & 0xF_FFFF) % 100_000) as f64 / 100.0;
    let created = format!(
        "{:04}-{:02}-{:02}",
        2020 + ((h1 >> 20) & 7),
        1 + ((h1 >> 23) % 12),
        1 + ((h1 >> 27) % 28)
    );
    let ntags = (h2 >> 40) & 3;
    let tags: Vec<String> = (0..ntags)
        .map(|j| format!("\"{}\"", TAGS[((h2 >> (44 + 3 * j)) & 7) as usize]))
        .collect();
    let attrs = format!(
        "{{\"color\":\"{}\",\"size\":{},\"score\":{},\"active\":{},\"tags\":[{}]}}",
        COLORS[(h2 & 7) as usize],
        (h2 >> 3) % 10,
        ((h2 >> 8) & 0x3FF) as f64 / 1000.0,
        (h2 >> 18) & 1 == 1,
        tags.join(",")
    );
    let attrs = Jsonb::parse(&attrs).expect("generated JSON is valid");
    (
        Value::Integer(i as i32),
        vec![
            Value::Text(name),
            Value::Text(category.into()),
            Value::Integer(qty),
            Value::Double(price),
            Value::Text(created),
            Value::Jsonb(attrs),
        ],
    )
}

/// Runs `f` `PASSES` times and returns the fastest.
fn best(mut f: impl FnMut()) -> Duration {
    (0..PASSES)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn report(what: &str, time: Duration, bytes: usize) {
    let secs = time.as_secs_f64();
    println!(
        "{what:<12} {:>8.1} ns/row {:>7.2} M rows/s {:>8.1} MB/s",
        secs * 1e9 / ROWS as f64,
        ROWS as f64 / secs / 1e6,
        bytes as f64 / secs / 1e6
    );
}

fn main() {
    let rows: Vec<(Value, Vec<Value>)> = (1..=ROWS as u64).map(row).collect();
    let key_columns = [KeyColumn::asc(DataType::Integer)];
    let types = [
        DataType::Text,
        DataType::Text,
        DataType::Integer,
        DataType::Double,
        DataType::Text,
        DataType::Jsonb,
    ];
    let row_columns: Vec<RowColumn> = types
        .iter()
        .enumerate()
        .map(|(i, t)| RowColumn {
            tag: i as u32 + 2,
            data_type: t.clone(),
            missing: Value::Null,
        })
        .collect();

    let keys: Vec<Vec<u8>> = rows
        .iter()
        .map(|(k, _)| encode_key(std::slice::from_ref(k), &key_columns).expect("integer key"))
        .collect();
    let encoded_rows: Vec<Vec<u8>> = rows
        .iter()
        .map(|(_, values)| {
            let pairs: Vec<(u32, &Value)> = row_columns.iter().map(|c| c.tag).zip(values).collect();
            encode_row(&pairs)
        })
        .collect();
    let key_bytes: usize = keys.iter().map(Vec::len).sum();
    let row_bytes: usize = encoded_rows.iter().map(Vec::len).sum();
    println!(
        "{ROWS} rows of table t: key {} B, row {:.1} B on average; best of {PASSES} passes",
        key_bytes / ROWS,
        row_bytes as f64 / ROWS as f64
    );

    report(
        "key encode",
        best(|| {
            for (k, _) in &rows {
                black_box(encode_key(std::slice::from_ref(k), &key_columns).expect("encodes"));
            }
        }),
        key_bytes,
    );
    report(
        "key decode",
        best(|| {
            for k in &keys {
                black_box(decode_key(k, &key_columns).expect("decodes"));
            }
        }),
        key_bytes,
    );
    report(
        "row encode",
        best(|| {
            for (_, values) in &rows {
                let pairs: Vec<(u32, &Value)> =
                    row_columns.iter().map(|c| c.tag).zip(values).collect();
                black_box(encode_row(&pairs));
            }
        }),
        row_bytes,
    );
    report(
        "row decode",
        best(|| {
            for r in &encoded_rows {
                black_box(decode_row(r, &row_columns).expect("decodes"));
            }
        }),
        row_bytes,
    );
}
