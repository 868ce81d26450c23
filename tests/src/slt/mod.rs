//! A sqllogictest runner, faithful to the SQLite corpus's conventions.
//!
//! A test file is a sequence of records separated by blank lines:
//! `statement ok|error [text the message contains]` with SQL, `query <types> [nosort|rowsort|valuesort]
//! [label]` with SQL, `----` and the expected values, and the controls
//! `hash-threshold N` and `halt`. Conditions (`skipif X`, `onlyif X`, with an
//! optional trailing `# comment`) before a record decide whether it runs for
//! this engine, which answers to the names `postgresql` and `arbor`.
//!
//! Results are compared value by value, formatted by the query's type
//! letters rather than the values' own types: `I` integer (reals truncated
//! toward zero), `R` `%.3f`, `T` text (empty string as `(empty)`, bytes
//! outside printable ASCII as `@`), NULL as `NULL`. Where the expected
//! result is `N values hashing to H` (the corpus writes that for results
//! larger than its hash threshold), the MD5 of the values, each followed by
//! a newline, is compared instead.

mod arbor;
mod parser;
mod runner;

pub use arbor::{ArborDatabase, ENGINE_NAMES, collect_files, run_path};
pub use parser::{Record, RecordKind, SortMode, parse};
pub use runner::{Database, FileReport, QueryOutput, format_value, run_file};
