//! Arbor as a sqllogictest database, and running files against it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arbor_engine::{Environment, Identity, Repository, Session, Signature, StatementResult};
use arbor_merkle::MemoryStore;

use super::{Database, FileReport, QueryOutput, parse, run_file};

/// The names this engine answers to in `skipif` and `onlyif`.
pub const ENGINE_NAMES: [&str; 2] = ["postgresql", "arbor"];

/// A session on a fresh in-memory repository.
#[derive(Debug)]
pub struct ArborDatabase {
    session: Session,
}

impl ArborDatabase {
    /// A database over a new, empty repository.
    pub fn open() -> Result<ArborDatabase, String> {
        let author = Signature {
            name: "slt".into(),
            email: "slt@localhost".into(),
            time: 0,
            offset_minutes: 0,
        };
        let repo = Repository::init(Arc::new(MemoryStore::new()), "main", &author)
            .map_err(|e| e.into_fields().message)?;
        let mut session = Session::open(repo, "main").map_err(|e| e.into_fields().message)?;
        session.set_environment(Environment {
            author: Some(Identity::new("slt", "slt@localhost")),
            ..Environment::default()
        });
        Ok(ArborDatabase { session })
    }
}

impl Database for ArborDatabase {
    /// An error reads `message (SQLSTATE code) DETAIL: detail`, so a test
    /// can expect any part of it.
    fn run(&mut self, sql: &str) -> Result<Option<QueryOutput>, String> {
        let mut results = self.session.execute(sql).map_err(|e| {
            let mut text = format!("{} (SQLSTATE {})", e.message, e.code);
            if let Some(detail) = &e.detail {
                text.push_str(&format!(" DETAIL: {detail}"));
            }
            text
        })?;
        Ok(match results.pop() {
            Some(StatementResult::Rows { rows, .. }) => Some(rows),
            _ => None,
        })
    }
}

/// Adds every `.test` and `.slt` file under `path` (or `path` itself) to
/// `out`, in name order.
pub fn collect_files(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path).map_or_else(
            |_| Vec::new(),
            |d| d.filter_map(|e| e.ok().map(|e| e.path())).collect(),
        );
        entries.sort();
        for e in entries {
            collect_files(&e, out);
        }
    } else if path.extension().is_some_and(|e| e == "test" || e == "slt") {
        out.push(path.to_path_buf());
    }
}

/// Runs one file in a fresh repository.
pub fn run_path(file: &Path) -> Result<FileReport, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("cannot read: {e}"))?;
    let records = parse(&text)?;
    let mut db = ArborDatabase::open().map_err(|e| format!("cannot open a database: {e}"))?;
    Ok(run_file(&records, &mut db, &ENGINE_NAMES))
}
