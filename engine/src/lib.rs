//! # arbor-engine: a versioned SQL database, as a library
//!
//! Arbor keeps every version of a database as content-addressed chunks
//! (prolly trees, BLAKE3), so tables can be committed, branched, diffed and
//! merged like source code, and queried with PostgreSQL's SQL.
//!
//! Start at [`Database`]: open or create a repository (in a folder, or in
//! memory), take a [`Branch`], run SQL in its [`Session`], commit, branch,
//! merge and diff. The library never prints and reads no environment
//! variables: who commits, the clock, and whether it may reach other
//! folders or the network come in through an [`Environment`].
//!
//! ```
//! use arbor_engine::{Database, Environment, Identity, MergeOutcome, Result};
//! use arbor_engine::Value;
//!
//! # fn main() -> Result<()> {
//! let env = Environment {
//!     author: Some(Identity::new("Ada", "ada@example.com")),
//!     ..Environment::default()
//! };
//! let db = Database::in_memory("main", env)?;
//! let main = db.branch("main")?;
//! main.session()?.execute(
//!     "CREATE TABLE fruit (id int PRIMARY KEY, name text);
//!      INSERT INTO fruit VALUES (1, 'apple'), (2, 'pear')",
//! )?;
//! main.commit_all("fruit")?;
//!
//! // A branch, and a change on each side.
//! let feature = db.create_branch("feature", "main")?;
//! feature
//!     .session()?
//!     .execute("UPDATE fruit SET name = 'quince' WHERE id = 2")?;
//! feature.commit_all("a better pear")?;
//! main.session()?.execute("INSERT INTO fruit VALUES (3, 'fig')")?;
//! main.commit_all("a fig")?;
//!
//! // A three-way merge: rows by key, cells by column.
//! let outcome = main.merge_revision("feature")?;
//! assert!(matches!(outcome, MergeOutcome::Committed(_)));
//!
//! // What the merge brought to main.
//! let diff = db.diff("main~1", "main")?;
//! assert_eq!(diff[0].name, "fruit");
//! let rows = db.changed_rows(&diff[0])?.collect::<Result<Vec<_>>>()?;
//! assert_eq!(rows.len(), 1);
//! assert_eq!(
//!     rows[0].new,
//!     Some(vec![Value::Integer(2), Value::Text("quince".into())])
//! );
//! # Ok(())
//! # }
//! ```
//!
//! The layers, bottom up, each using only those below it (a test reads
//! the sources and enforces it; `docs/architecture.md` draws them):
//!
//! - `objects`: the chunks a repository is made of (commits, catalogs,
//!   tables, working sets, the store root);
//! - `env`: what the front end tells the library ([`Environment`]);
//! - `repo`: refs and objects over a chunk store, one compare-and-swap per update;
//! - `table`: tables as rows and indexes: the writer with index upkeep,
//!   uniqueness, foreign keys, CHECK constraints through a trait, sequences;
//! - `vc`: commit, branch, diff, merge, conflicts, cherry-pick, stash, blame;
//! - `remote`: fetch, pull, push and clone, with folders and Git;
//! - `ops`: each operation's arguments and rules, shared by the command
//!   line and the SQL procedures;
//! - `sql`: parser, planner, executor, sessions, system tables and procedures;
//! - the facade, [`Database`] and [`Branch`], at the top.

mod database;
mod env;
mod error;
pub mod io;
mod objects;
pub mod ops;
mod remote;
mod repo;
mod sql;
mod table;
#[cfg(test)]
mod tests;
mod vc;

// The facade. Everything an embedder (or the `arbor` front end) uses is
// named here; the modules above stay private so that they can change.

// A repository and its branches.
pub use database::{Branch, Database};
pub use repo::gc::GcReport;
pub use repo::{FsckReport, Repository, STORE_DIR};

// What the front end passes in, and what goes wrong.
pub use env::{Clock, Environment, Identity, Reach, Timestamp};

/// The optional parts this build of the library has (its cargo features):
/// `git` for Git remotes.
pub const BUILD_FEATURES: &[&str] = &[
    #[cfg(feature = "git")]
    "git",
];
pub use error::{Error, ErrorFields, Result, SqlState, VcError};

// SQL.
pub use arbor_schema::{DataType, Value};
pub use sql::comments::statement as comment_statement;
pub use sql::copy::{CopyCommand, CopyDirection};
pub use sql::pg_catalog;
pub use sql::planner::ConnectedAs;
pub use sql::settings::SERVER_VERSION;
pub use sql::system::{SYSTEM_TABLES, TABLE_SYSTEM_PREFIXES};
pub use sql::{
    BulkWriter, CatalogObjects, Described, EXPLAIN_COLUMN, EncodedRows, Interrupt, Notice,
    NoticeSeverity, Prepared, RowEncoder, RowSink, Session, StatementResult,
};
pub use table::Table;
pub use table::sequences::Sequence;

// What version control reads and returns.
pub use objects::{
    Catalog, Commit, MergeState, ReflogEntry, SequenceKind, Signature, Step, StepAction,
    StepSequence, TableObject, TagObject, WorkingSet, function_name,
};
pub use remote::{Fetched, Pushed};
pub use sql::data_tests::TestOutcome;
pub use vc::BranchState;
pub use vc::blame::BlameLine;
pub use vc::branch::{BranchInfo, TagInfo};
pub use vc::diff::{DefinitionKind, DiffColumn, DiffStat, RowChange, TableDiff, ViewDiff};
pub use vc::merge::{Applied, Conflict, MergeOutcome, SequenceOutcome};
pub use vc::status::{Status, TableChange};

pub use ops::{CommitArgs, MergeArgs};
