//! `arbor table export`: a table's rows to a file or standard output.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use arbor_engine::sql::{Session, StatementResult};
use arbor_engine::vc;
use arbor_schema::Value;

use super::{FileFormat, ident, literal, parse_delimiter, resolve, string_literal};
use crate::render::{write_csv, write_json};
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
    let repository = vcs::open(cwd)?;
    let branch = vc::current_branch(&repository)?;
    let mut session = Session::open(repository, &branch)?;
    let mut sql = format!("SELECT * FROM {}", ident(&args.table));
    if let Some(rev) = &args.as_of {
        sql.push_str(&format!(" AS OF {}", string_literal(rev)));
    }
    if let Some(p) = &args.predicate {
        sql.push_str(&format!(" WHERE {p}"));
    }
    let results = session.execute(&sql)?;
    let Some(StatementResult::Rows { columns, rows }) = results.into_iter().next() else {
        return Err(CliError::new("the query returned no rows"));
    };
    let out: Box<dyn Write> = match to_file {
        Some(f) => Box::new(
            File::create(resolve(cwd, f))
                .map_err(|e| CliError::new(format!("cannot write {}: {e}", f.display())))?,
        ),
        None => Box::new(io::stdout().lock()),
    };
    let mut out = BufWriter::with_capacity(1 << 16, out);
    let written = match format {
        FileFormat::Csv | FileFormat::Tsv | FileFormat::Psv => {
            write_csv(&mut out, &columns, &rows, delimiter, args.spreadsheet_safe)
        }
        FileFormat::Json => write_json(&mut out, &columns, &rows, false),
        FileFormat::Jsonl => write_json(&mut out, &columns, &rows, true),
        FileFormat::Sql => write_sql(&mut out, &args.table, &columns, &rows),
    };
    written
        .and_then(|()| out.flush())
        .map_err(|e| CliError::new(format!("cannot write output: {e}")))?;
    Ok(ExitCode::SUCCESS)
}

fn write_sql(
    out: &mut dyn Write,
    table: &str,
    columns: &[String],
    rows: &[Vec<Value>],
) -> io::Result<()> {
    let names: Vec<String> = columns.iter().map(|c| ident(c)).collect();
    let head = format!("INSERT INTO {} ({}) VALUES", ident(table), names.join(", "));
    for row in rows {
        let values: Vec<String> = row.iter().map(literal).collect();
        writeln!(out, "{head} ({});", values.join(", "))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quoting() {
        let mut out = Vec::new();
        write_csv(
            &mut out,
            &["a".into(), "b,c".into()],
            &[
                vec![Value::Text("x\"y".into()), Value::Null],
                vec![Value::Text(String::new()), Value::Text("=1+2".into())],
                vec![Value::Integer(-3), Value::Text("line\nbreak".into())],
            ],
            b',',
            true,
        )
        .unwrap_or_default();
        assert_eq!(
            String::from_utf8_lossy(&out),
            "a,\"b,c\"\n\"x\"\"y\",\n\"\",'=1+2\n-3,\"line\nbreak\"\n"
        );
    }
}
