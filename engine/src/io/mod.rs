//! # File I/O: rows from and to files
//!
//! CSV, TSV, PSV (RFC 4180 and PostgreSQL's `COPY ... CSV`), JSON and JSON
//! Lines, as a user imports them or diffs and merges them as tables:
//!
//! - `source`: records read as a stream, with each field's line and column;
//! - `infer`: each column's type guessed from the values read;
//! - `import`: records converted to a table's rows ([`InputFile`], [`Rows`]);
//! - `pipeline`: those rows put into the table on several threads;
//! - `write`: rows written as CSV, JSON, JSON Lines, Markdown or SQL
//!   ([`RowWriter`]), for exports, query output and diffs;
//! - `export`: a query's rows written out on a second thread as they come;
//! - `diff_format`: a diff as JSON, JSON Lines, CSV, Markdown or a SQL patch.
//!
//! The front end keeps what is its own: arguments, progress bars (it
//! listens through [`ReadProgress`]), and how it words and prints errors
//! and skipped rows.

mod diff_format;
mod export;
mod import;
mod infer;
mod pipeline;
mod source;
mod write;

pub use diff_format::{DiffFormat, RowSelection, key_positions, sql_patch, write_diff};
pub use export::export;

pub use import::{
    Converter, InputFile, ReadProgress, Rows, Skipped, Target, TextRecord, input_error,
};
pub use infer::ColumnGuess;
pub use source::{Cell, InputError, Raw, Record, Source};
pub use write::{
    RowFormat, RowWriter, is_numeric, json_text, json_value, markdown_cell, markdown_value,
    write_csv_field, write_error, write_rows,
};

use std::path::Path;

use crate::error::{Error, Result, SqlState};

/// The formats of files Arbor reads and writes rows in.
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

    /// How rows of `table` are written in this format: CSV-like formats
    /// with `delimiter` (and `spreadsheet_safe`, see [`RowFormat::Csv`]).
    pub fn row_format(self, delimiter: u8, spreadsheet_safe: bool, table: &str) -> RowFormat {
        match self {
            FileFormat::Csv | FileFormat::Tsv | FileFormat::Psv => RowFormat::Csv {
                delimiter,
                spreadsheet_safe,
            },
            FileFormat::Json => RowFormat::Json,
            FileFormat::Jsonl => RowFormat::JsonLines,
            FileFormat::Sql => RowFormat::Sql {
                table: table.to_owned(),
            },
        }
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

/// A delimiter as given: one ASCII character, or `\t`/`tab`.
pub fn parse_delimiter(text: &str) -> Result<u8> {
    match text {
        "\\t" | "tab" => Ok(b'\t'),
        _ if text.len() == 1 && text.is_ascii() && !matches!(text, "\"" | "\n" | "\r") => {
            Ok(text.as_bytes()[0])
        }
        _ => Err(Error::new(
            SqlState::InvalidParameterValue,
            format!(
                "the delimiter must be one ASCII character other than a quote or a line break, not {text:?}"
            ),
        )),
    }
}
