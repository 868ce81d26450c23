//! `arbor table import` and `arbor table export`: tables from and to CSV,
//! TSV, PSV, JSON, JSON Lines and SQL files.

mod export;
pub mod import;
pub mod infer;
mod pipeline;
mod source;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use arbor_engine::repo::Repository;
use arbor_engine::table::Table;
use arbor_engine::vc::{self, BranchState};
use arbor_schema::{TableSchema, Value};

use crate::ui::CliError;

/// Arguments of `arbor table`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Load rows from a CSV, TSV, PSV, JSON or JSON Lines file into a table.
    ///
    /// The file is read as a stream and written as one statement: on any
    /// error nothing is written. CSV follows PostgreSQL's COPY CSV: an
    /// unquoted empty field is NULL, a quoted one ("") the empty string
    /// (`--null` changes the unquoted marker). Completely empty lines are
    /// skipped. TSV and PSV are CSV with a tab or `|` delimiter.
    Import(import::Args),
    /// Write a table's rows as CSV, TSV, PSV, JSON, JSON Lines or SQL.
    Export(export::Args),
}

pub fn run(args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    match args.action {
        Action::Import(a) => import::run(a, cwd),
        Action::Export(a) => export::run(a, cwd),
    }
}

/// File formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FileFormat {
    /// Comma-separated values with a header line.
    Csv,
    /// Tab-separated values (CSV quoting).
    Tsv,
    /// Pipe-separated values (CSV quoting).
    Psv,
    /// A JSON array of objects.
    Json,
    /// JSON Lines: one object per line.
    Jsonl,
    /// INSERT statements (export only).
    Sql,
}

impl FileFormat {
    /// The format a file name's extension names.
    pub fn from_path(path: &Path) -> Option<FileFormat> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "csv" => FileFormat::Csv,
            "tsv" | "tab" => FileFormat::Tsv,
            "psv" => FileFormat::Psv,
            "json" => FileFormat::Json,
            "jsonl" | "ndjson" => FileFormat::Jsonl,
            "sql" => FileFormat::Sql,
            _ => return None,
        })
    }

    /// The field delimiter of a CSV-like format.
    pub fn delimiter(self) -> u8 {
        match self {
            FileFormat::Tsv => b'\t',
            FileFormat::Psv => b'|',
            _ => b',',
        }
    }
}

/// The delimiter option: one ASCII character, or `\t`/`tab`.
fn parse_delimiter(text: &str) -> Result<u8, CliError> {
    match text {
        "\\t" | "tab" => Ok(b'\t'),
        _ if text.len() == 1 && text.is_ascii() && !matches!(text, "\"" | "\n" | "\r") => {
            Ok(text.as_bytes()[0])
        }
        _ => Err(CliError::new(format!(
            "the delimiter must be one ASCII character other than a quote or a line break, not {text:?}"
        ))),
    }
}

/// A SQL identifier, double-quoted.
pub fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A SQL string literal.
pub fn string_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A value as a SQL literal that reads back as the same value.
pub fn literal(v: &Value) -> String {
    v.sql_literal()
}

/// The schema of a table in the branch's working set, if it exists.
pub fn working_table(repository: &Repository, name: &str) -> Result<Option<TableSchema>, CliError> {
    let branch = vc::current_branch(repository)?;
    let state = BranchState::read(repository, &branch)?;
    let catalog = repository.read_catalog(&state.working_set.working)?;
    match catalog.tables.get(name) {
        Some(a) => Ok(Some(
            Table::from_object(repository.read_table(a)?)?
                .schema
                .as_ref()
                .clone(),
        )),
        None => Ok(None),
    }
}

/// A path relative to the directory the command runs from.
fn resolve(cwd: &Path, path: &Path) -> PathBuf {
    cwd.join(path)
}
