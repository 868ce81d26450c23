//! Running the release `arbor` binary as a whole process in a benchmark,
//! with its wall time and, where GNU time is installed, its peak memory.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// The release binary the benchmarks run (`ARBOR_BENCH_BIN` names another,
/// an earlier build to compare with); panics with the command to build it
/// when it is missing.
pub fn release_binary() -> PathBuf {
    let bin = std::env::var_os("ARBOR_BENCH_BIN").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/release/arbor"),
        PathBuf::from,
    );
    assert!(
        bin.exists(),
        "build the release binary first: cargo build --release --bin arbor"
    );
    bin
}

/// Runs `arbor args...` in `dir`, standard output to `stdout` (else
/// captured and dropped); returns seconds and peak memory in MB if known.
/// Panics when the process fails (exit code 1 is a success with
/// `--exit-code`, so it is accepted).
pub fn arbor(bin: &Path, dir: &Path, args: &[&str], stdout: Option<&Path>) -> (f64, Option<f64>) {
    arbor_with_git_cache(bin, dir, args, stdout, &dir.join(".git-cache"))
}

/// [`arbor`] with the cache of Git remotes in `git_cache` (by default each
/// working folder has its own, so each repository of a benchmark really
/// transfers what it needs).
pub fn arbor_with_git_cache(
    bin: &Path,
    dir: &Path,
    args: &[&str],
    stdout: Option<&Path>,
    git_cache: &Path,
) -> (f64, Option<f64>) {
    let gnu_time = Path::new("/usr/bin/time");
    let mut cmd = if gnu_time.exists() {
        let mut c = Command::new(gnu_time);
        c.args(["-f", "%M"]).arg(bin);
        c
    } else {
        Command::new(bin)
    };
    cmd.current_dir(dir).args(args);
    cmd.env("ARBOR_GIT_CACHE", git_cache);
    // Commits need an author; a benchmark has no one in particular.
    if std::env::var_os("ARBOR_AUTHOR_NAME").is_none() {
        cmd.env("ARBOR_AUTHOR_NAME", "Bench")
            .env("ARBOR_AUTHOR_EMAIL", "bench@example.com");
    }
    if let Some(path) = stdout {
        cmd.stdout(std::fs::File::create(path).expect("create the output file"));
    }
    let start = Instant::now();
    let out = cmd.output().expect("run arbor");
    let seconds = start.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "arbor {args:?}: {stderr}"
    );
    let peak = stderr
        .lines()
        .last()
        .and_then(|l| l.trim().parse::<f64>().ok())
        .map(|kb| kb / 1024.0);
    (seconds, peak)
}

/// A peak memory figure for printing.
pub fn megabytes(peak: Option<f64>) -> String {
    peak.map_or("unknown".into(), |m| format!("{m:.0} MB"))
}

/// `UPDATE t SET qty = qty + 1` of the rows `ids` of the benchmark table,
/// committed with `message`, as two whole `arbor` processes in `dir`.
pub fn update_and_commit(bin: &Path, dir: &Path, ids: &[u64], message: &str) {
    let list: Vec<String> = ids.iter().map(u64::to_string).collect();
    let sql = format!(
        "UPDATE t SET qty = qty + 1 WHERE id IN ({})",
        list.join(", ")
    );
    arbor(bin, dir, &["sql", "-q", &sql], None);
    arbor(bin, dir, &["commit", "-am", message], None);
}
