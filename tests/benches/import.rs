//! Importing the benchmark table from CSV: `arbor table import` as a whole
//! process against SQLite doing the same work in the same run (the csv
//! crate and rusqlite prepared inserts in one transaction), then exporting
//! the table back to CSV.
//!
//! ```text
//! cargo build --release --bin arbor
//! cargo bench -p arbor-tests --features sqlite --bench import [-- ROWS]   (default 1000000)
//! ```
//!
//! The CSV is written from `arbor_tests::bench_data`, byte for byte what
//! `../shared/bench/datagen.py` writes. Peak memory of the `arbor` process
//! is read with GNU time (`/usr/bin/time -f %M`) when it is installed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use arbor_tests::bench_data::write_csv;
use arbor_tests::bench_process::{arbor, megabytes, release_binary};
use arbor_tests::bench_sqlite;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Rounds of each import.
const ROUNDS: usize = 3;

fn median(runs: &mut [f64]) -> f64 {
    runs.sort_by(f64::total_cmp);
    runs[runs.len() / 2]
}

/// SQLite doing the import's work natively: the csv crate and prepared
/// inserts in one transaction. Returns the seconds taken.
fn sqlite_import(csv_path: &std::path::Path, db_path: &std::path::Path) -> f64 {
    let start = Instant::now();
    let mut db = rusqlite::Connection::open(db_path).unwrap();
    db.execute_batch(bench_sqlite::CREATE_TABLE).unwrap();
    {
        let tx = db.transaction().unwrap();
        {
            let mut insert = tx.prepare(bench_sqlite::INSERT).unwrap();
            let mut reader = csv::Reader::from_path(csv_path).unwrap();
            for record in reader.records() {
                let r = record.unwrap();
                insert
                    .execute(rusqlite::params![
                        r[0].parse::<i64>().unwrap(),
                        &r[1],
                        &r[2],
                        r[3].parse::<i64>().unwrap(),
                        r[4].parse::<f64>().unwrap(),
                        &r[5],
                        &r[6]
                    ])
                    .unwrap();
            }
        }
        tx.commit().unwrap();
    }
    start.elapsed().as_secs_f64()
}

fn main() {
    let n = arbor_tests::bench_data::rows_argument(1_000_000);
    let bin = release_binary();
    let dir = tempfile::tempdir().unwrap();
    let csv_path = dir.path().join("t.csv");
    write_csv(&csv_path, n, |_| false).unwrap();
    let size = std::fs::metadata(&csv_path).unwrap().len() as f64 / 1e6;
    println!("{n} rows, {size:.1} MB of CSV");

    // Rounds alternate the two, each into a fresh repository or database,
    // and the medians are compared: one run of each is at the mercy of
    // whatever else the machine is doing (the CSV just written is still
    // going to disk in the first).
    let csv_arg = csv_path.to_str().unwrap();
    let mut arbor_runs = Vec::new();
    let mut sqlite_runs = Vec::new();
    let mut peak = None;
    let repo = |round: usize| dir.path().join(format!("repo{round}"));
    for round in 0..ROUNDS {
        let repo = repo(round);
        std::fs::create_dir_all(&repo).unwrap();
        arbor(&bin, &repo, &["init"], None);
        let (seconds, mb) = arbor(
            &bin,
            &repo,
            &["table", "import", "t", csv_arg, "--pk", "id", "--quiet"],
            None,
        );
        arbor_runs.push(seconds);
        peak = match (peak, mb) {
            (Some(p), Some(m)) => Some(f64::max(p, m)),
            (p, m) => p.or(m),
        };
        sqlite_runs.push(sqlite_import(
            &csv_path,
            &dir.path().join(format!("sqlite{round}.db")),
        ));
        println!(
            "round {}: arbor {seconds:.2} s (peak {}), sqlite {:.2} s",
            round + 1,
            megabytes(mb),
            sqlite_runs[round]
        );
    }
    let (import_s, sqlite_s) = (median(&mut arbor_runs), median(&mut sqlite_runs));
    println!(
        "import (median of {ROUNDS}): arbor {import_s:.2} s (peak {}), sqlite {sqlite_s:.2} s, arbor/sqlite {:.2}",
        megabytes(peak),
        import_s / sqlite_s
    );

    let exported = dir.path().join("out.csv");
    let (export_s, export_mb) = arbor(
        &bin,
        &repo(ROUNDS - 1),
        &["table", "export", "t"],
        Some(&exported),
    );
    println!(
        "export to CSV: {export_s:.2} s (peak {}), {:.1} MB written",
        megabytes(export_mb),
        std::fs::metadata(&exported).unwrap().len() as f64 / 1e6
    );
}
