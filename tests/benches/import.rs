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

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let n = arbor_tests::bench_data::rows_argument(1_000_000);
    let bin = release_binary();
    let dir = tempfile::tempdir().unwrap();
    let csv_path = dir.path().join("t.csv");
    write_csv(&csv_path, n, |_| false).unwrap();
    let size = std::fs::metadata(&csv_path).unwrap().len() as f64 / 1e6;
    println!("{n} rows, {size:.1} MB of CSV");

    let repo = dir.path().join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    arbor(&bin, &repo, &["init"], None);
    let csv_arg = csv_path.to_str().unwrap();
    let (import_s, import_mb) = arbor(
        &bin,
        &repo,
        &["table", "import", "t", csv_arg, "--pk", "id", "--quiet"],
        None,
    );

    // SQLite: the csv crate and prepared inserts in one transaction.
    let start = Instant::now();
    let mut db = rusqlite::Connection::open(dir.path().join("sqlite.db")).unwrap();
    db.execute_batch(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, category TEXT NOT NULL, qty INTEGER NOT NULL, price REAL NOT NULL, created TEXT NOT NULL, attrs TEXT NOT NULL)",
    )
    .unwrap();
    {
        let tx = db.transaction().unwrap();
        {
            let mut insert = tx
                .prepare("INSERT INTO t VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
                .unwrap();
            let mut reader = csv::Reader::from_path(&csv_path).unwrap();
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
    let sqlite_s = start.elapsed().as_secs_f64();
    println!(
        "import: arbor {import_s:.2} s (peak {}), sqlite {sqlite_s:.2} s, arbor/sqlite {:.2}",
        megabytes(import_mb),
        import_s / sqlite_s
    );

    let exported = dir.path().join("out.csv");
    let (export_s, export_mb) = arbor(&bin, &repo, &["table", "export", "t"], Some(&exported));
    println!(
        "export to CSV: {export_s:.2} s (peak {}), {:.1} MB written",
        megabytes(export_mb),
        std::fs::metadata(&exported).unwrap().len() as f64 / 1e6
    );
}
