//! Remotes on the benchmark table: `arbor clone` of a repository holding
//! the 1M-row table through a folder remote and through a Git remote (a
//! bare repository made by `git`; time, bytes), then `arbor push` of a
//! one-row commit to each (bytes sent: a few chunks, not the table).
//!
//! ```text
//! cargo build --release --bin arbor
//! cargo bench -p arbor-tests --bench remote [-- ROWS]   (default 1000000)
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use arbor_tests::bench_data::write_csv;
use arbor_tests::bench_process::{
    arbor, arbor_with_git_cache, megabytes, release_binary, update_and_commit,
};

/// The size of a repository's `.arbor/` folder in bytes.
fn store_bytes(dir: &Path) -> u64 {
    folder_bytes(&dir.join(".arbor"))
}

/// The size of the files under `dir`, in bytes.
fn folder_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir).map_or(0, |entries| {
        entries
            .map(|e| {
                let e = e.unwrap();
                let meta = e.metadata().unwrap();
                if meta.is_dir() {
                    folder_bytes(&e.path())
                } else {
                    meta.len()
                }
            })
            .sum()
    })
}

/// What `arbor push` said it sent, and how long it took.
fn push(bin: &Path, dir: &Path, args: &[&str], out: &Path) -> (f64, String) {
    let (seconds, _) = arbor(bin, dir, args, Some(out));
    (seconds, sent_line(out))
}

/// The line of a push's output that says what it sent.
fn sent_line(out: &Path) -> String {
    let report = std::fs::read_to_string(out).unwrap();
    report
        .lines()
        .find(|l| l.contains("sent"))
        .unwrap_or_default()
        .to_owned()
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

    update_and_commit(&bin, &down, &[n / 2], "one row");
    let (push_s, sent) = push(&bin, &down, &["push"], &dir.path().join("push.out"));
    println!("push of a one-row commit: {:.1} ms, {sent}", push_s * 1e3);

    // The same through a bare Git repository.
    let made = std::process::Command::new("git")
        .current_dir(dir.path())
        .args(["init", "-q", "--bare", "hub.git"])
        .status();
    if !made.is_ok_and(|s| s.success()) {
        println!("Git remote: skipped, the `git` program is not available");
        return;
    }
    let hub = dir.path().join("hub.git");
    let url = format!("git+file://{}", hub.display());
    arbor(&bin, &up, &["remote", "add", "hub", &url], None);
    let out = dir.path().join("git-push.out");
    let (push_s, sent) = push(&bin, &up, &["push", "hub", "main"], &out);
    println!(
        "first push to a Git remote: {push_s:.2} s, {sent}; the Git repository holds {:.1} MB",
        folder_bytes(&hub) as f64 / 1e6
    );
    // The clone and its later commands share one cache, as a user's do.
    let cache = dir.path().join("user-git-cache");
    let (clone_s, clone_mb) =
        arbor_with_git_cache(&bin, dir.path(), &["clone", &url, "gdown"], None, &cache);
    let gdown = dir.path().join("gdown");
    println!(
        "clone through a Git remote: {clone_s:.2} s (peak {}), {:.1} MB received into the Git cache, {:.1} MB in the clone's .arbor/",
        megabytes(clone_mb),
        folder_bytes(&cache) as f64 / 1e6,
        store_bytes(&gdown) as f64 / 1e6
    );
    update_and_commit(&bin, &gdown, &[n / 3], "one row");
    let before = folder_bytes(&hub);
    let (push_s, _) = arbor_with_git_cache(&bin, &gdown, &["push"], Some(&out), &cache);
    let sent = sent_line(&out);
    println!(
        "push of a one-row commit to a Git remote: {:.1} ms, {sent}; the Git repository grew by {} bytes",
        push_s * 1e3,
        folder_bytes(&hub) - before
    );
}
