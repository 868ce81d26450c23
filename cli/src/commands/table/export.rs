//! `arbor table export`: a table's rows to a file or standard output.

use std::io;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use arbor_engine::sql::{RowSink, Session};
use arbor_engine::vc;
use arbor_schema::Value;

use crate::output::Output;
use crate::ui::CliError;
use crate::vcs;
use arbor_engine::io::{FileFormat, RowWriter, parse_delimiter, write_error as output_error};
use arbor_schema::sql_text::{quote_identifier as ident, quote_string as string_literal};

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
        writer: None,
        batch: Vec::new(),
    };
    session.query_each(&sql, &mut export)?;
    export.finish()?;
    Ok(ExitCode::SUCCESS)
}

/// Rows handed to the writing thread at a time.
const BATCH: usize = 1024;

/// Receives the query's rows and writes them. The output is opened when
/// the columns arrive, so a query that fails to plan creates no file; a
/// file is put in place only when the export is complete ([`Output`]).
/// Rows are turned into text and written on a thread of their own
/// ([`Writer`]) while the query reads and decodes the next ones: two cores
/// share an export.
struct Export<'a> {
    /// The file (relative to `cwd`), or standard output.
    cwd: &'a Path,
    target: Option<&'a Path>,
    format: FileFormat,
    delimiter: u8,
    safe: bool,
    table: &'a str,
    writer: Option<Writer>,
    /// Rows not yet handed to the writer.
    batch: Vec<Vec<Value>>,
}

/// The writing thread: takes batches of rows until its channel closes,
/// then hands the output back (or the error that stopped it).
struct Writer {
    batches: Option<std::sync::mpsc::SyncSender<Vec<Vec<Value>>>>,
    thread: Option<std::thread::JoinHandle<io::Result<RowWriter<Output>>>>,
}

impl Writer {
    fn start(mut out: RowWriter<Output>) -> Writer {
        let (batches, receiver) = std::sync::mpsc::sync_channel::<Vec<Vec<Value>>>(4);
        let thread = std::thread::spawn(move || {
            for batch in receiver {
                for row in &batch {
                    out.row(row)?;
                }
            }
            Ok(out)
        });
        Writer {
            batches: Some(batches),
            thread: Some(thread),
        }
    }

    /// Hands over a batch; if the thread stopped, its error.
    fn send(&mut self, batch: Vec<Vec<Value>>) -> arbor_engine::Result<()> {
        let sent = self.batches.as_ref().map(|b| b.send(batch));
        match sent {
            Some(Ok(())) => Ok(()),
            _ => Err(match self.end() {
                Err(e) => output_error(e),
                Ok(_) => arbor_engine::Error::internal("the export's writer stopped"),
            }),
        }
    }

    /// Closes the channel and waits for the thread: the output, all rows
    /// written.
    fn end(&mut self) -> io::Result<RowWriter<Output>> {
        self.batches = None;
        match self.thread.take().map(std::thread::JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(io::Error::other("the export's writer failed")),
            None => Err(io::Error::other("the export's writer already ended")),
        }
    }
}

impl Drop for Writer {
    /// An export abandoned halfway (the query failed) still waits for its
    /// thread, so the unfinished output is discarded before the process
    /// goes on.
    fn drop(&mut self) {
        if self.thread.is_some() {
            let _ = self.end();
        }
    }
}

impl Export<'_> {
    fn open(&self) -> arbor_engine::Result<Output> {
        Output::open(self.cwd, self.target)
            .map_err(|e| arbor_engine::Error::new(arbor_engine::SqlState::IoError, e.message))
    }

    /// Ends the output and moves the file into place.
    fn finish(mut self) -> Result<(), CliError> {
        let Some(mut writer) = self.writer.take() else {
            return Ok(());
        };
        writer.send(std::mem::take(&mut self.batch))?;
        let rows = writer.end().map_err(output_error)?;
        rows.end().map_err(output_error)?.finish()
    }
}

impl RowSink for Export<'_> {
    fn columns(&mut self, columns: &[String]) -> arbor_engine::Result<()> {
        let out = self.open()?;
        let format = self
            .format
            .row_format(self.delimiter, self.safe, self.table);
        let out = RowWriter::begin(out, format, columns).map_err(output_error)?;
        self.writer = Some(Writer::start(out));
        Ok(())
    }

    fn row(&mut self, row: Vec<Value>) -> arbor_engine::Result<()> {
        let Some(writer) = &mut self.writer else {
            return Err(arbor_engine::Error::internal("a row before the columns"));
        };
        self.batch.push(row);
        if self.batch.len() >= BATCH {
            writer.send(std::mem::replace(
                &mut self.batch,
                Vec::with_capacity(BATCH),
            ))?;
        }
        Ok(())
    }
}
