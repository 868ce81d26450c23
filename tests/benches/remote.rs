//! Remotes on the benchmark table: `arbor clone` of a repository holding
//! the 1M-row table through a folder remote (time, bytes), then `arbor
//! push` of a one-row commit (bytes sent: a few chunks, not the table).
//!
//! ```text
//! cargo build --release --bin arbor
//! cargo bench -p arbor-tests --bench remote [-- ROWS]   (default 1000000)
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use arbor_tests::bench_data::write_csv;
use arbor_tests::bench_process::{arbor, megabytes, release_binary};

/// The size of a repository's `.arbor/` folder in bytes.
fn store_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir.join(".arbor"))
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum()
}

fn main() {
    let n = arbor_tests::bench_data::rows_argument(1_000_000);
    let bin = release_binary();
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("t.csv");
    write_csv(&csv, n, |_| false).unwrap();
    let up = dir.path().join("up");
    std::fs::create_dir_all(&up).unwrap();
    let csv = csv.to_str().unwrap();
    for args in [
        &["init"][..],
        &["table", "import", "t", csv, "--pk", "id", "--quiet"],
        &["commit", "-Am", "load"],
        &["gc"],
    ] {
        arbor(&bin, &up, args, None);
    }
    println!(
        "{n} rows; the remote's .arbor/ holds {:.1} MB",
        store_bytes(&up) as f64 / 1e6
    );

    let (clone_s, clone_mb) = arbor(&bin, dir.path(), &["clone", "up", "down"], None);
    let down = dir.path().join("down");
    println!(
        "clone through a folder remote: {clone_s:.2} s (peak {}), {:.1} MB in the clone's .arbor/",
        megabytes(clone_mb),
        store_bytes(&down) as f64 / 1e6
    );

    arbor(
        &bin,
        &down,
        &[
            "sql",
            "-q",
            &format!("UPDATE t SET qty = qty + 1 WHERE id = {}", n / 2),
        ],
        None,
    );
    arbor(&bin, &down, &["commit", "-am", "one row"], None);
    let out = dir.path().join("push.out");
    let (push_s, _) = arbor(&bin, &down, &["push"], Some(&out));
    let report = std::fs::read_to_string(&out).unwrap();
    let sent = report
        .lines()
        .find(|l| l.contains("sent"))
        .unwrap_or_default()
        .to_owned();
    println!("push of a one-row commit: {:.1} ms, {sent}", push_s * 1e3);
}
