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

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use arbor_engine::objects::Signature;
use arbor_engine::repo::Repository;
use arbor_engine::sql::{Session, StatementResult};
use arbor_merkle::MemoryStore;
use arbor_tests::slt::{Database, QueryOutput, parse, run_file};

/// Arbor as a sqllogictest database: a session on a fresh in-memory repository.
struct Arbor {
    session: Session,
}

impl Database for Arbor {
    fn run(&mut self, sql: &str) -> Result<Option<QueryOutput>, String> {
        let mut results = self.session.execute(sql).map_err(|e| e.message)?;
        Ok(match results.pop() {
            Some(StatementResult::Rows { rows, .. }) => Some(rows),
            _ => None,
        })
    }
}

fn open_database() -> Result<Arbor, String> {
    let author = Signature {
        name: "slt".into(),
        email: "slt@localhost".into(),
        time: 0,
        offset_minutes: 0,
    };
    let repo =
        Repository::init(Arc::new(MemoryStore::new()), "main", &author).map_err(|e| e.message)?;
    Ok(Arbor {
        session: Session::open(repo, "main").map_err(|e| e.message)?,
    })
}

fn collect(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path).map_or_else(
            |_| Vec::new(),
            |d| d.filter_map(|e| e.ok().map(|e| e.path())).collect(),
        );
        entries.sort();
        for e in entries {
            collect(&e, out);
        }
    } else if path.extension().is_some_and(|e| e == "test" || e == "slt") {
        out.push(path.to_path_buf());
    } else if !path.exists() {
        eprintln!("{}: no such file or folder", path.display());
    }
}

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
        collect(p, &mut files);
    }
    let (mut passed, mut failed, mut skipped) = (0, 0, 0);
    for file in files {
        let text = match std::fs::read_to_string(&file) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("{}: cannot read: {e}", file.display());
                continue;
            }
        };
        let records = match parse(&text) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("{}: {e}", file.display());
                failed += 1;
                continue;
            }
        };
        let mut db = match open_database() {
            Ok(db) => db,
            Err(e) => {
                eprintln!("{}: cannot open a database: {e}", file.display());
                return ExitCode::FAILURE;
            }
        };
        let report = run_file(&records, &mut db, &["postgresql", "arbor"]);
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
