//! Diffing datasets for CI: `arbor diff --files` on two CSV files of the
//! benchmark table that differ in 1, 100 and 10,000 rows, against
//! `git diff --no-index` on the same files in the same run; then
//! `arbor diff --format json` of two commits that differ in 10,000 rows.
//!
//! ```text
//! cargo build --release --bin arbor
//! cargo bench -p arbor-tests --bench diff_files [-- ROWS]   (default 1000000)
//! ```
//!
//! The files are written from `arbor_tests::bench_data` (byte for byte what
//! `../shared/bench/datagen.py` writes); a changed row has its `qty` raised
//! by one. Peak memory of the `arbor` process is read with GNU time.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;
use std::time::Instant;

use arbor_tests::bench_data::write_csv;
use arbor_tests::bench_process::{arbor, megabytes, release_binary};

fn main() {
    let n = arbor_tests::bench_data::rows_argument(1_000_000);
    let bin = release_binary();
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.csv");
    write_csv(&old, n, |_| false).unwrap();
    let step = (n / 10_000).max(1);
    let cases = [
        (
            "1 row",
            "one.csv",
            Box::new(move |i| i == n / 2) as Box<dyn Fn(u64) -> bool>,
        ),
        (
            "100 rows",
            "hundred.csv",
            Box::new(move |i| i % (step * 100) == 0),
        ),
        ("10,000 rows", "many.csv", Box::new(move |i| i % step == 0)),
    ];
    println!("{n} rows per file");
    for (label, name, changed) in &cases {
        let new = dir.path().join(name);
        write_csv(&new, n, changed).unwrap();
        let out = dir.path().join("diff.out");
        let (arbor_s, arbor_mb) = arbor(
            &bin,
            dir.path(),
            &[
                "diff", "--files", "old.csv", name, "--key", "id", "--format", "jsonl",
            ],
            Some(&out),
        );
        let lines = std::fs::read_to_string(&out).unwrap().lines().count();
        let start = Instant::now();
        let git = Command::new("git")
            .current_dir(dir.path())
            .args(["diff", "--no-index", "--stat", "old.csv", name])
            .output()
            .expect("run git");
        let git_s = start.elapsed().as_secs_f64();
        assert_eq!(
            git.status.code(),
            Some(1),
            "git diff --no-index found no difference"
        );
        println!(
            "diff --files, {label} changed: arbor {arbor_s:.2} s (peak {}, {lines} changes), git diff --no-index {git_s:.2} s",
            megabytes(arbor_mb)
        );
    }

    // Two commits of the table that differ in 10,000 rows.
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    let old = old.to_str().unwrap();
    let many = dir.path().join("many.csv");
    let many = many.to_str().unwrap();
    for args in [
        &["init"][..],
        &["table", "import", "t", old, "--pk", "id", "--quiet"],
        &["commit", "-A", "-m", "old"],
        &["table", "import", "t", many, "--replace", "--quiet"],
        &["commit", "-A", "-m", "new"],
    ] {
        arbor(&bin, &repo, args, None);
    }
    let out = dir.path().join("diff.json");
    let (json_s, json_mb) = arbor(
        &bin,
        &repo,
        &["diff", "--format", "json", "HEAD~1", "HEAD"],
        Some(&out),
    );
    println!(
        "diff --format json of two commits, 10,000 rows changed: {json_s:.3} s (peak {}), {:.1} MB written",
        megabytes(json_mb),
        std::fs::metadata(&out).unwrap().len() as f64 / 1e6
    );
}
