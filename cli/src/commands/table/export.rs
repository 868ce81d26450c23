//! `arbor table export`: a table's rows to a file or standard output.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use arbor_engine::io::{FileFormat, export, parse_delimiter};
use arbor_engine::{Session, ops};
use arbor_schema::sql_text::{quote_identifier as ident, quote_string as string_literal};

use crate::output::{Existing, Output};
use crate::ui::CliError;
use crate::vcs;

/// Arguments of `arbor table export`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The table.
    table: String,
    /// The file to write (standard output when left out or `-`).
    file: Option<PathBuf>,
    /// The format (by default from the file's extension, else CSV). CSV-like
    /// formats write NULL as an empty field and the empty string as "".
    #[arg(long, value_enum)]
    format: Option<FileFormat>,
    /// Only the rows for which this SQL condition holds.
    #[arg(long = "where", value_name = "CONDITION")]
    predicate: Option<String>,
    /// The table as of a revision (a branch, tag or commit).
    #[arg(long, value_name = "REVISION")]
    as_of: Option<String>,
    /// The field delimiter of a CSV-like format.
    #[arg(long, value_name = "CHAR")]
    delimiter: Option<String>,
    /// Prefix text cells starting with `=`, `+`, `-`, `@`, a tab or a
    /// carriage return with `'` so that spreadsheets do not run them as
    /// formulas (CSV, TSV and PSV only; numbers are left as they are).
    #[arg(long)]
    spreadsheet_safe: bool,
    /// Replace the file if it exists (without this, an export refuses to).
    #[arg(short, long)]
    force: bool,
}

pub fn run(args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    let to_file = args.file.as_ref().filter(|f| f.as_os_str() != "-");
    let format = args
        .format
        .or_else(|| to_file.and_then(|f| FileFormat::from_path(f)))
        .unwrap_or(FileFormat::Csv);
    let delimiter = match &args.delimiter {
        Some(d) => parse_delimiter(d)?,
        None => format.delimiter(),
    };
    // An export only reads: it runs beside a writer, and on a damaged
    // journal up to the damage.
    let repository = vcs::open_read_only(cwd)?;
    vcs::read_once(&repository);
    let branch = ops::current_branch(&repository)?;
    let mut session = Session::open(repository, &branch)?;
    let mut sql = format!("SELECT * FROM {}", ident(&args.table));
    if let Some(rev) = &args.as_of {
        sql.push_str(&format!(" AS OF {}", string_literal(rev)));
    }
    if let Some(p) = &args.predicate {
        sql.push_str(&format!(" WHERE {p}"));
    }
    // Rows go out as the query yields them: the table is never in memory.
    // A file is put in place only when the export is complete ([`Output`]).
    let existing = if args.force {
        Existing::Replace
    } else {
        Existing::Refuse
    };
    let output = Output::open(cwd, to_file.map(PathBuf::as_path), existing)?;
    let row_format = format.row_format(delimiter, args.spreadsheet_safe, &args.table);
    let (output, _) = export(&mut session, &sql, row_format, output)?;
    output.finish()?;
    Ok(ExitCode::SUCCESS)
}
