//! `arbor table export`: a table's rows to a file or standard output.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use arbor_engine::sql::{RowSink, Session};
use arbor_engine::vc;
use arbor_schema::Value;

use super::{FileFormat, ident, literal, parse_delimiter, string_literal};
use crate::output::Output;
use crate::render::{RowStream, StreamFormat};
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
    vcs::read_once(&repository);
    let branch = vc::current_branch(&repository)?;
    let mut session = Session::open(repository, &branch)?;
    let mut sql = format!("SELECT * FROM {}", ident(&args.table));
    if let Some(rev) = &args.as_of {
        sql.push_str(&format!(" AS OF {}", string_literal(rev)));
    }
    if let Some(p) = &args.predicate {
        sql.push_str(&format!(" WHERE {p}"));
    }
    // Rows go out as the query yields them: the table is never in memory.
    let mut export = Export {
        cwd,
        target: to_file.map(PathBuf::as_path),
        format,
        delimiter,
        safe: args.spreadsheet_safe,
        table: &args.table,
        out: None,
        sql_head: String::new(),
    };
    session.query_each(&sql, &mut export)?;
    export.finish()?;
    Ok(ExitCode::SUCCESS)
}

/// Receives the query's rows and writes them. The output is opened when
/// the columns arrive, so a query that fails to plan creates no file; a
/// file is put in place only when the export is complete ([`Output`]).
struct Export<'a> {
    /// The file (relative to `cwd`), or standard output.
    cwd: &'a Path,
    target: Option<&'a Path>,
    format: FileFormat,
    delimiter: u8,
    safe: bool,
    table: &'a str,
    out: Option<Out>,
    /// SQL: `INSERT INTO t (columns) VALUES`.
    sql_head: String,
}

/// The open output: rows through a [`RowStream`], or SQL statements.
enum Out {
    Stream(RowStream<Output>),
    Sql(Output),
}

impl Export<'_> {
    fn open(&self) -> arbor_engine::Result<Output> {
        Output::open(self.cwd, self.target)
            .map_err(|e| arbor_engine::Error::new("58030", e.message))
    }

    /// Ends the output and moves the file into place.
    fn finish(self) -> Result<(), CliError> {
        match self.out {
            Some(Out::Stream(s)) => s.end().map_err(output_error)?.finish(),
            Some(Out::Sql(out)) => out.finish(),
            None => Ok(()),
        }
    }
}

impl RowSink for Export<'_> {
    fn columns(&mut self, columns: &[String]) -> arbor_engine::Result<()> {
        let out = self.open()?;
        self.out = Some(match self.format {
            FileFormat::Sql => {
                let names: Vec<String> = columns.iter().map(|c| ident(c)).collect();
                self.sql_head = format!(
                    "INSERT INTO {} ({}) VALUES",
                    ident(self.table),
                    names.join(", ")
                );
                Out::Sql(out)
            }
            format => {
                let format = match format {
                    FileFormat::Json => StreamFormat::Json,
                    FileFormat::Jsonl => StreamFormat::JsonLines,
                    _ => StreamFormat::Csv {
                        delimiter: self.delimiter,
                        safe: self.safe,
                    },
                };
                Out::Stream(RowStream::begin(out, format, columns).map_err(output_error)?)
            }
        });
        Ok(())
    }

    fn row(&mut self, row: Vec<Value>) -> arbor_engine::Result<()> {
        match &mut self.out {
            Some(Out::Stream(s)) => s.row(&row).map_err(output_error),
            Some(Out::Sql(out)) => {
                let values: Vec<String> = row.iter().map(literal).collect();
                writeln!(out, "{} ({});", self.sql_head, values.join(", ")).map_err(output_error)
            }
            None => Err(arbor_engine::Error::internal("a row before the columns")),
        }
    }
}

/// An output error as an engine error, so it stops the query.
fn output_error(e: io::Error) -> arbor_engine::Error {
    arbor_engine::Error::new("58030", format!("cannot write output: {e}"))
}

#[cfg(test)]
mod tests {
    use arbor_schema::Value;

    use crate::render::write_csv;

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
