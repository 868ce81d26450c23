//! Throughput of the key and row codecs on the benchmark table `t` of
//! `../shared/bench/` (rows from `arbor_tests::bench_data`): the integer
//! primary key as the key; name, category, qty, price, created and the
//! `attrs` jsonb document as the row. Run in release:
//!
//! ```text
//! cargo bench -p arbor-tests --bench codec
//! ```
//!
//! Timing uses `std::time`; each figure is the best of several passes over
//! the same rows.

use std::hint::black_box;
use std::time::{Duration, Instant};

use arbor_jsonb::Jsonb;
use arbor_schema::key::{KeyColumn, decode_key, encode_key};
use arbor_schema::row::{RowColumn, decode_row, encode_row};
use arbor_schema::{DataType, Value};
use arbor_tests::bench_data::row;

const ROWS: usize = 200_000;
const PASSES: usize = 5;

/// Row `i` of table `t` as SQL values: (key, other columns).
fn values(i: u64) -> (Value, Vec<Value>) {
    let r = row(i);
    let int = |v: u64| Value::Integer(i32::try_from(v).expect("the table's integers fit in i32"));
    let attrs = Jsonb::parse(&r.attrs).expect("generated JSON is valid");
    (
        int(r.id),
        vec![
            Value::Text(r.name),
            Value::Text(r.category.into()),
            int(r.qty),
            Value::Double(r.price),
            Value::Text(r.created),
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
    let rows: Vec<(Value, Vec<Value>)> = (1..=ROWS as u64).map(values).collect();
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
        .zip(2..)
        .map(|(t, tag)| RowColumn {
            tag,
            data_type: t.clone(),
            missing: Value::Null,
        })
        .collect();
    let encode = |values: &[Value]| {
        let pairs: Vec<(u32, &Value)> = row_columns.iter().map(|c| c.tag).zip(values).collect();
        encode_row(&pairs)
    };

    let keys: Vec<Vec<u8>> = rows
        .iter()
        .map(|(k, _)| encode_key(std::slice::from_ref(k), &key_columns).expect("integer key"))
        .collect();
    let encoded_rows: Vec<Vec<u8>> = rows.iter().map(|(_, values)| encode(values)).collect();
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
                black_box(encode(values));
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
