//! Reading CSV: Arbor's own reader (`engine/src/io/source.rs`) against the
//! csv crate, on the benchmark table of `../shared/bench/` (1M rows, about
//! 147 MB), every field read as a string.
//!
//! ```text
//! cargo bench -j2 -p arbor-tests --features sqlite --bench csv_reader [-- ROWS]   (default 1000000)
//! ```
//!
//! The file is written from `arbor_tests::bench_data` (byte for byte what
//! `../shared/bench/datagen.py` writes) and read once before timing, so
//! that every run reads it from the page cache. Then, in rounds that
//! alternate the readers, each reads the whole file:
//!
//! - Arbor in bulk: `Source::text` and `read_into` a batch (what an import
//!   does: no allocation per field), each field checked as UTF-8 here, as
//!   the import's converter does;
//! - Arbor record by record: `Source::next_record`, a `String` per field
//!   (what `diff --files` and type inference do);
//! - Arbor in bulk, the fields left as bytes;
//! - the csv crate into a reused `ByteRecord` (no UTF-8 check);
//! - the csv crate into a reused `StringRecord` (UTF-8 checked);
//! - the csv crate into a `StringRecord`, then a `String` per field (the
//!   same work as Arbor's `next_record`).
//!
//! Arbor also keeps each field's line and column and tells NULL from the
//! empty string, which the crate does not. Times are medians of the
//! rounds; the ratios are Arbor's time over the crate's.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use arbor_tests::bench_time::median;
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use arbor_engine::io::{FileFormat, InputFile};
use arbor_tests::bench_data::{rows_argument, write_csv};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Timed rounds of each reader.
const ROUNDS: usize = 7;

/// Records an Arbor batch holds before it is emptied (an import hands
/// batches of this order to its converting threads).
const BATCH: usize = 4096;

/// What a reader saw, to check that they all read the same.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Tally {
    records: u64,
    fields: u64,
    /// The fields' bytes (`None` where the reader cannot tell cheaply).
    bytes: Option<u64>,
}

fn input(path: &Path) -> InputFile {
    InputFile::new(path.to_path_buf(), "t.csv".into(), FileFormat::Csv)
}

/// Arbor in bulk: records appended to a batch, fields as `&str`.
fn arbor_bulk(path: &Path) -> Tally {
    arbor_batches(path, true)
}

/// Arbor in bulk, fields as bytes (no UTF-8 check).
fn arbor_bulk_bytes(path: &Path) -> Tally {
    arbor_batches(path, false)
}

/// Arbor in bulk: records appended to a batch, fields as `&str` if
/// `utf8`, else as bytes.
fn arbor_batches(path: &Path, utf8: bool) -> Tally {
    let mut source = input(path).open().unwrap();
    let text = source.text().expect("a CSV source reads in bulk");
    // A `TextBatch` (the type is not exported: inferred from `read_into`).
    let mut batch = Default::default();
    let (mut tally, mut bytes) = (Tally::default(), 0);
    loop {
        let more = loop {
            match text.read_into(&mut batch) {
                Some(read) => {
                    read.unwrap();
                    if batch.len() == BATCH {
                        break true;
                    }
                }
                None => break false,
            }
        };
        for i in 0..batch.len() {
            for span in batch.record(i) {
                let field = batch.fields().bytes(span);
                if utf8 && !span.null {
                    let field = std::str::from_utf8(field).expect("UTF-8");
                    bytes += black_box(field).len() as u64;
                } else {
                    bytes += black_box(field).len() as u64;
                }
                tally.fields += 1;
            }
            tally.records += 1;
        }
        batch.clear();
        if !more {
            break;
        }
    }
    tally.bytes = Some(bytes);
    tally
}

/// Arbor record by record: a `String` per field.
fn arbor_records(path: &Path) -> Tally {
    let mut source = input(path).open().unwrap();
    let mut tally = Tally::default();
    while let Some(record) = source.next_record() {
        let record = record.unwrap();
        tally.records += 1;
        tally.fields += record.cells.len() as u64;
        black_box(record);
    }
    tally
}

fn csv_reader(path: &Path) -> csv::Reader<std::fs::File> {
    csv::Reader::from_path(path).unwrap()
}

/// The csv crate, into one `ByteRecord`.
fn csv_byte_records(path: &Path) -> Tally {
    let mut reader = csv_reader(path);
    let mut record = csv::ByteRecord::new();
    let (mut tally, mut bytes) = (Tally::default(), 0);
    while reader.read_byte_record(&mut record).unwrap() {
        tally.records += 1;
        for field in &record {
            bytes += black_box(field).len() as u64;
            tally.fields += 1;
        }
    }
    tally.bytes = Some(bytes);
    tally
}

/// The csv crate, into one `StringRecord`.
fn csv_string_records(path: &Path) -> Tally {
    let mut reader = csv_reader(path);
    let mut record = csv::StringRecord::new();
    let (mut tally, mut bytes) = (Tally::default(), 0);
    while reader.read_record(&mut record).unwrap() {
        tally.records += 1;
        for field in &record {
            bytes += black_box(field).len() as u64;
            tally.fields += 1;
        }
    }
    tally.bytes = Some(bytes);
    tally
}

/// The csv crate, into one `StringRecord`, then a `String` per field.
fn csv_owned_fields(path: &Path) -> Tally {
    let mut reader = csv_reader(path);
    let mut record = csv::StringRecord::new();
    let (mut tally, mut bytes) = (Tally::default(), 0);
    while reader.read_record(&mut record).unwrap() {
        tally.records += 1;
        let fields: Vec<String> = record.iter().map(String::from).collect();
        tally.fields += fields.len() as u64;
        bytes += fields.iter().map(|f| f.len() as u64).sum::<u64>();
        black_box(fields);
    }
    tally.bytes = Some(bytes);
    tally
}

type Reader = fn(&Path) -> Tally;

const READERS: [(&str, Reader); 6] = [
    ("arbor, bulk (&str fields)", arbor_bulk),
    ("arbor, bulk (byte fields)", arbor_bulk_bytes),
    ("arbor, next_record (String fields)", arbor_records),
    ("csv, ByteRecord", csv_byte_records),
    ("csv, StringRecord", csv_string_records),
    ("csv, StringRecord + String fields", csv_owned_fields),
];

fn main() {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/bench");
    if !shared.join("datagen.py").exists() {
        println!(
            "skipped: {} is missing (it defines the benchmark table every benchmark reads)",
            shared.display()
        );
        return;
    }
    let n = rows_argument(1_000_000);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.csv");
    write_csv(&path, n, |_| false).unwrap();
    let mb = std::fs::metadata(&path).unwrap().len() as f64 / 1e6;
    println!("{n} rows, {mb:.1} MB of CSV; {ROUNDS} rounds, medians");

    // One untimed read by each: the file in the page cache, and every
    // reader seeing the same records and fields.
    let tallies: Vec<Tally> = READERS.iter().map(|(_, read)| read(&path)).collect();
    for ((name, _), tally) in READERS.iter().zip(&tallies) {
        assert_eq!(
            (tally.records, tally.fields),
            (n, 7 * n),
            "{name} read {tally:?}"
        );
        if let (Some(b), Some(first)) = (tally.bytes, tallies[0].bytes) {
            assert_eq!(b, first, "{name} read other bytes");
        }
    }

    let mut runs = vec![Vec::new(); READERS.len()];
    for _ in 0..ROUNDS {
        for ((_, read), runs) in READERS.iter().zip(&mut runs) {
            let start = Instant::now();
            black_box(read(&path));
            runs.push(start.elapsed());
        }
    }
    let medians: Vec<Duration> = runs.into_iter().map(median).collect();
    for ((name, _), t) in READERS.iter().zip(&medians) {
        println!(
            "{name:<36} {:>8.1} ms  {:>7.1} MB/s",
            t.as_secs_f64() * 1e3,
            mb / t.as_secs_f64()
        );
    }
    let ratio = |a: usize, b: usize| medians[a].as_secs_f64() / medians[b].as_secs_f64();
    println!("time ratios, arbor / csv crate:");
    for (what, a, b) in [
        ("bulk &str fields / StringRecord", 0, 4),
        ("bulk byte fields / ByteRecord", 1, 3),
        ("next_record / StringRecord + String fields", 2, 5),
    ] {
        println!("  {what:<44} {:.2}", ratio(a, b));
    }
}
