//! `arbor-slt`: run sqllogictest files against Arbor.
//!
//! ```text
//! cargo run --release --bin arbor-slt -- [--verbose] [--min-pass N] <folder or file>...
//! ```
//!
//! Every `.test` and `.slt` file under the given paths runs in a fresh
//! repository, as engine `postgresql` with label `arbor`. One line per file,
//! then the total: `N passed, M failed, K skipped`. With `--min-pass N`, the
//! exit code is 1 when fewer than N records pass.

use std::path::PathBuf;
use std::process::ExitCode;

use arbor_tests::slt::{collect_files, run_path};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let mut verbose = false;
    let mut min_pass = None;
    let mut paths = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--verbose" | "-v" => verbose = true,
            "--min-pass" => min_pass = args.next().and_then(|n| n.parse::<usize>().ok()),
            other => paths.push(PathBuf::from(other)),
        }
    }
    if paths.is_empty() {
        eprintln!("usage: arbor-slt [--verbose] [--min-pass N] <folder or file>...");
        return ExitCode::from(2);
    }
    let mut files = Vec::new();
    for p in &paths {
        if !p.exists() {
            eprintln!("{}: no such file or folder", p.display());
        }
        collect_files(p, &mut files);
    }
    let (mut passed, mut failed, mut skipped) = (0, 0, 0);
    for file in files {
        let report = match run_path(&file) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("{}: {e}", file.display());
                failed += 1;
                continue;
            }
        };
        println!(
            "{}: {} passed, {} failed, {} skipped",
            file.display(),
            report.passed,
            report.failed,
            report.skipped
        );
        if verbose {
            for f in &report.failures {
                println!("{f}");
            }
        }
        passed += report.passed;
        failed += report.failed;
        skipped += report.skipped;
    }
    println!("{passed} passed, {failed} failed, {skipped} skipped");
    match min_pass {
        Some(n) if passed < n => {
            eprintln!("fewer than the recorded {n} records passed");
            ExitCode::FAILURE
        }
        _ => ExitCode::SUCCESS,
    }
}
