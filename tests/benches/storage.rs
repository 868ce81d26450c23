//! Bytes at rest and whole-table reads, as a user sees them: the benchmark
//! table imported by `arbor table import`, the size of `.arbor/` (journal
//! and index) after the import, after `arbor gc`, per one-row commit, and
//! after 13 commits and `gc`; then the aggregate and the JSON filter as
//! whole `arbor sql -q` processes, with SQLite (rusqlite, same rows, one
//! connection) running the same queries in the same run.
//!
//! ```text
//! cargo build --release --bin arbor
//! cargo bench -p arbor-tests --features sqlite --bench storage [-- ROWS]   (default 1000000)
//! ARBOR_BENCH_BIN=/path/to/an/earlier/arbor cargo bench ...   (the same, for that build)
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::{Duration, Instant};

use arbor_tests::bench_data::{AGGREGATE, CREATE_TABLE, JSON_FILTER, update_ids, write_csv};
use arbor_tests::bench_process::{arbor, megabytes, release_binary, update_and_commit};
use arbor_tests::bench_sqlite::{self, create_and_load};
use arbor_tests::bench_time::median;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Runs of each whole-process query.
const RUNS: usize = 5;

/// Bytes of every file in the repository's `.arbor/`.
fn store_bytes(repo: &Path) -> u64 {
    std::fs::read_dir(repo.join(".arbor"))
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum()
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

fn main() {
    let n = arbor_tests::bench_data::rows_argument(1_000_000);
    let bin = release_binary();
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("t.csv");
    write_csv(&csv, n, |_| false).unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    arbor(&bin, &repo, &["init"], None);
    arbor(&bin, &repo, &["sql", "-q", CREATE_TABLE], None);
    let (import_s, import_peak) = arbor(
        &bin,
        &repo,
        &["table", "import", "--append", "t", csv.to_str().unwrap()],
        None,
    );
    arbor(&bin, &repo, &["commit", "-am", "import"], None);
    let csv_bytes = std::fs::metadata(&csv).unwrap().len();
    let after_import = store_bytes(&repo);
    let (gc_s, _) = arbor(&bin, &repo, &["gc"], None);
    let after_gc = store_bytes(&repo);
    println!("{n} rows, {} of CSV", mb(csv_bytes));
    println!(
        "import: {import_s:.2} s, {} peak; .arbor after import {}, after gc {} ({gc_s:.2} s)",
        megabytes(import_peak),
        mb(after_import),
        mb(after_gc)
    );

    // One-row commits: what each adds to the store.
    let before = store_bytes(&repo);
    let one_row_commits = 5u64;
    for i in 0..one_row_commits {
        update_and_commit(&bin, &repo, &[1 + i * (n / 5)], "one row");
    }
    let per_commit = (store_bytes(&repo) - before) / one_row_commits;
    println!("a one-row commit adds {per_commit} bytes");

    // 13 commits in all: the import, the five above, and seven of 1,000 rows.
    for round in 0..7u64 {
        let ids: Vec<u64> = update_ids(n, 1000)
            .into_iter()
            .map(|id| (id + round * 7).min(n))
            .collect();
        update_and_commit(&bin, &repo, &ids, "1,000 rows");
    }
    let before_gc = store_bytes(&repo);
    arbor(&bin, &repo, &["gc"], None);
    println!(
        "13 commits: .arbor {} before gc, {} after",
        mb(before_gc),
        mb(store_bytes(&repo))
    );

    // Whole-table reads as whole processes, and SQLite in the same run.
    let sqlite_path = dir.path().join("t.sqlite");
    let mut sqlite = rusqlite::Connection::open(&sqlite_path).unwrap();
    create_and_load(&mut sqlite, n).unwrap();
    println!(
        "SQLite's file: {}",
        mb(std::fs::metadata(&sqlite_path).unwrap().len())
    );
    println!("| query | arbor sql -q (whole process) | peak | SQLite (in process) | ratio |");
    println!("|---|---|---|---|---|");
    for (name, query, sqlite_query) in [
        ("GROUP BY category", AGGREGATE, AGGREGATE),
        ("JSON filter", JSON_FILTER, bench_sqlite::JSON_FILTER),
    ] {
        let mut runs = Vec::new();
        let mut peak = None;
        for _ in 0..RUNS {
            let (s, p) = arbor(&bin, &repo, &["sql", "-q", query], None);
            runs.push(Duration::from_secs_f64(s));
            peak = p;
        }
        let arbor_time = median(runs);
        let mut statement = sqlite.prepare(sqlite_query).unwrap();
        let sqlite_time = median(
            (0..RUNS)
                .map(|_| {
                    let start = Instant::now();
                    let rows = statement.query_map([], |_| Ok(())).unwrap().count();
                    assert!(rows > 0);
                    start.elapsed()
                })
                .collect(),
        );
        println!(
            "| {name} | {:.0} ms | {} | {:.0} ms | {:.2} |",
            arbor_time.as_secs_f64() * 1e3,
            megabytes(peak),
            sqlite_time.as_secs_f64() * 1e3,
            arbor_time.as_secs_f64() / sqlite_time.as_secs_f64()
        );
    }
}
