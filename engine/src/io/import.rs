//! The import's core: records read from a file ([`InputFile`]) converted
//! to rows of a table's columns ([`Converter`], [`Rows`]), with the line
//! and column of every value kept for messages, and rows that cannot be
//! read skipped and counted when asked ([`Skipped`]). `pipeline` puts them
//! into the table on several threads.

use std::fs::File;
use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;

use arbor_schema::{DataType, TableSchema, Value, parse_value};

use super::infer::ColumnGuess;
use super::source::{
    CsvSource, InputError, JsonSource, Raw, Record, Source, TextBatch, utf8_error,
};
use super::{FileFormat, parse_delimiter};
use crate::error::{Error, Result, SqlState};
use crate::sql::Session;

/// Told the bytes read so far, as a file is read.
pub type ReadProgress = Arc<dyn Fn(u64) + Send + Sync>;

/// A reader that tells its [`ReadProgress`] how far it has read.
struct Counted<R> {
    inner: R,
    read: u64,
    progress: Option<ReadProgress>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        if let Some(progress) = &self.progress {
            progress(self.read);
        }
        Ok(n)
    }
}

/// Rows skipped by `--continue`.
#[derive(Debug, Default)]
pub struct Skipped {
    count: u64,
    first: Vec<String>,
}

impl Skipped {
    const SHOWN: usize = 5;

    /// How many rows were skipped.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The first few, each as `file:line:column: what`.
    pub fn first(&self) -> &[String] {
        &self.first
    }

    pub(super) fn add(&mut self, file: &str, e: &InputError) {
        self.count += 1;
        if self.first.len() < Self::SHOWN {
            self.first
                .push(format!("{file}:{}:{}: {}", e.line, e.column, e.message));
        }
    }
}

/// A table column the rows are written to.
#[derive(Debug)]
pub struct Target {
    /// The column's name.
    pub name: String,
    /// Its type.
    pub data_type: DataType,
    /// Whether it has a DEFAULT (which only INSERT statements evaluate).
    pub has_default: bool,
}

/// A problem in `file` as an error, with its position.
pub fn input_error(file: &str, e: &InputError) -> Error {
    Error::new(
        SqlState::BadCopyFileFormat,
        format!("{file}:{}:{}: {}", e.line, e.column, e.message),
    )
    .with_hint("nothing was imported")
}

/// A record's fields as text, one per header column (`None`: NULL).
pub type TextRecord = Vec<Option<String>>;

/// Where and how to read an input file (shared by `arbor table import`
/// and `arbor diff --files`).
#[derive(Clone)]
pub struct InputFile {
    /// The file's path.
    pub path: PathBuf,
    /// Its name as the user gave it, for messages.
    pub name: String,
    /// Its format.
    pub format: FileFormat,
    /// The field delimiter of a CSV-like file (`None`: the format's).
    pub delimiter: Option<String>,
    /// The file has no header line.
    pub no_header: bool,
    /// The unquoted text that stands for NULL in a CSV-like file.
    pub null: Option<String>,
    /// Told how many bytes have been read, as reading goes on (a front
    /// end's progress bar).
    pub progress: Option<ReadProgress>,
    /// Replace invalid UTF-8 with U+FFFD instead of refusing the row.
    pub lossy: bool,
}

impl std::fmt::Debug for InputFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InputFile")
            .field("path", &self.path)
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

impl InputFile {
    /// The file at `path`, called `name` in messages, read as `format`
    /// (which must be a format of rows, not SQL; see
    /// [`FileFormat::from_path`]).
    pub fn new(path: PathBuf, name: String, format: FileFormat) -> InputFile {
        InputFile {
            path,
            name,
            format,
            delimiter: None,
            no_header: false,
            null: None,
            progress: None,
            lossy: false,
        }
    }

    /// Whether the file is JSON or JSON Lines (no header line).
    pub fn is_json(&self) -> bool {
        matches!(self.format, FileFormat::Json | FileFormat::Jsonl)
    }

    /// Opens the file as a source of records.
    pub fn open(&self) -> Result<Box<dyn Source>> {
        let file = File::open(&self.path).map_err(|e| {
            Error::new(SqlState::IoError, format!("cannot read {}: {e}", self.name))
        })?;
        let file = Counted {
            inner: file,
            read: 0,
            progress: self.progress.clone(),
        };
        Ok(match self.format {
            FileFormat::Json | FileFormat::Jsonl => Box::new(
                JsonSource::new(file, self.format == FileFormat::Jsonl)
                    .map_err(|e| input_error(&self.name, &e))?
                    .lossy(self.lossy),
            ),
            _ => {
                let delimiter = self.delimiter_byte()?;
                Box::new(
                    CsvSource::new(
                        file,
                        delimiter,
                        self.null.as_deref().unwrap_or(""),
                        self.no_header,
                    )
                    .map_err(|e| input_error(&self.name, &e))?
                    .lossy(self.lossy),
                )
            }
        })
    }

    /// The field delimiter of a CSV-like file.
    pub fn delimiter_byte(&self) -> Result<u8> {
        match &self.delimiter {
            Some(d) => parse_delimiter(d),
            None => Ok(self.format.delimiter()),
        }
    }

    /// Hands each record to `each` in file order, as the file's header and
    /// the record's fields as text (`None`: NULL), one per header column.
    pub fn for_each_record(
        &self,
        mut each: impl FnMut(&[String], TextRecord) -> Result<()>,
    ) -> Result<()> {
        let mut source = self.open()?;
        while let Some(record) = source.next_record() {
            let record = record.map_err(|e| input_error(&self.name, &e))?;
            let mut fields = vec![None; source.header().len()];
            for cell in record.cells {
                fields[cell.index] = match cell.raw {
                    Raw::Null | Raw::Json(serde_json::Value::Null) => None,
                    Raw::Text(s) | Raw::Json(serde_json::Value::String(s)) => Some(s),
                    Raw::Json(v) => Some(v.to_string()),
                };
            }
            each(source.header(), fields)?;
        }
        Ok(())
    }

    /// Reads the whole file once and guesses each column's type: the
    /// header, and a guess per column.
    pub fn infer_columns(&self, keep_going: bool) -> Result<(Vec<String>, Vec<ColumnGuess>)> {
        self.infer_columns_limited(keep_going, None)
    }

    /// [`InputFile::infer_columns`] from the first `limit` records only, if
    /// given.
    pub fn infer_columns_limited(
        &self,
        keep_going: bool,
        limit: Option<u64>,
    ) -> Result<(Vec<String>, Vec<ColumnGuess>)> {
        self.infer_columns_with(keep_going, limit, |_, _| {})
    }

    /// [`InputFile::infer_columns_limited`], showing `each` the header and
    /// every record read on the way (one pass learns more than types).
    pub fn infer_columns_with(
        &self,
        keep_going: bool,
        limit: Option<u64>,
        mut each: impl FnMut(&[String], &Record),
    ) -> Result<(Vec<String>, Vec<ColumnGuess>)> {
        let mut source = self.open()?;
        let mut guesses: Vec<ColumnGuess> = Vec::new();
        let mut records = 0u64;
        while let Some(record) = source.next_record() {
            if limit.is_some_and(|l| records >= l) {
                break;
            }
            let record = match record {
                Ok(r) => r,
                Err(e) if keep_going && e.recoverable => continue,
                Err(e) => return Err(input_error(&self.name, &e)),
            };
            records += 1;
            // A JSON file's records may bring new columns (a field missing
            // from a record is NULL, which every type holds).
            guesses.resize_with(source.header().len(), ColumnGuess::default);
            for cell in &record.cells {
                guesses[cell.index].see(&cell.raw);
            }
            each(source.header(), &record);
        }
        let header = source.header().to_vec();
        guesses.resize_with(header.len(), ColumnGuess::default);
        Ok((header, guesses))
    }

    /// Inserts the file's rows into `table`, whose columns are `targets`
    /// (name and type), in the session's open transaction, as an import
    /// does. Returns the rows written.
    pub fn insert_into(
        &self,
        session: &mut Session,
        table: &str,
        targets: &[(String, DataType)],
    ) -> Result<u64> {
        let targets: Vec<Target> = targets
            .iter()
            .map(|(name, data_type)| Target {
                name: name.clone(),
                data_type: data_type.clone(),
                has_default: false,
            })
            .collect();
        let mut source = self.open()?;
        Rows::new(&self.name, table, source.as_mut(), &targets, false).insert(session)
    }
}

/// A value at `line` and `column` that does not convert to `target`'s type.
fn conversion_error(line: u64, column: u64, target: &Target, message: &str) -> InputError {
    InputError {
        line,
        column,
        message: format!("column \"{}\": {message}", target.name),
        recoverable: true,
    }
}

/// Converts a value read from the file to a column's type.
fn convert(raw: Raw, ty: &DataType) -> Result<Value, String> {
    let text = |s: String| {
        if *ty == DataType::Text {
            Ok(Value::Text(s))
        } else {
            parse_value(&s, ty).map_err(|e| e.message)
        }
    };
    match raw {
        Raw::Null => Ok(Value::Null),
        Raw::Text(s) => text(s),
        Raw::Json(serde_json::Value::Null) => Ok(Value::Null),
        Raw::Json(serde_json::Value::String(s))
            if !matches!(ty, DataType::Json | DataType::Jsonb) =>
        {
            text(s)
        }
        Raw::Json(v) => text(v.to_string()),
    }
}

/// Converts records into rows of the target columns: the half of an
/// import that can run on several threads (see [`Rows::insert_encoded`]).
#[derive(Clone, Debug)]
pub struct Converter<'a> {
    /// The table's columns the rows are written to.
    pub targets: &'a [Target],
    /// The line of the row last converted, and where each of its cells was.
    pub last: (u64, Vec<u64>),
    /// Which target columns the last row had.
    pub present: Vec<bool>,
    /// Guesses of each field's type, narrowed by every row read, when the
    /// table was made from a sample's guesses (see `run`).
    pub observed: Option<Vec<ColumnGuess>>,
    /// The target table's schema, once known: an error naming one of its
    /// constraints points at the constraint's first column.
    pub schema: Option<TableSchema>,
}

impl Converter<'_> {
    /// Starts converting a row found at `line` and `column`: no target
    /// column seen yet, each placed at the row's start.
    fn start_row(&mut self, line: u64, column: u64) {
        let n = self.targets.len();
        self.present.clear();
        self.present.resize(n, false);
        self.last.0 = line;
        self.last.1.clear();
        self.last.1.resize(n, column);
    }

    /// Converts `record`, whose cells go to the target columns `to` (in
    /// order), into `row` (a value per target column).
    pub(super) fn row_into(
        &mut self,
        record: Record,
        to: &[usize],
        row: &mut Vec<Value>,
    ) -> Result<(), InputError> {
        row.clear();
        row.resize(self.targets.len(), Value::Null);
        self.start_row(record.line, record.column);
        for (cell, &t) in record.cells.into_iter().zip(to) {
            let target = &self.targets[t];
            if let Some(guess) = self.observed.as_mut().and_then(|g| g.get_mut(cell.index)) {
                guess.see(&cell.raw);
            }
            row[t] = convert(cell.raw, &target.data_type)
                .map_err(|m| conversion_error(cell.line, cell.column, target, &m))?;
            self.present[t] = true;
            self.last.1[t] = cell.column;
        }
        Ok(())
    }

    /// An engine error about the row last converted (of `file`), with its
    /// position.
    pub fn engine_error(&self, file: &str, e: Error) -> Error {
        let column = e.column.clone().or_else(|| {
            let schema = self.schema.as_ref()?;
            constraint_column(schema, e.constraint.as_deref()?)
        });
        let position = column
            .as_ref()
            .and_then(|c| self.targets.iter().position(|t| t.name == *c))
            .and_then(|i| self.last.1.get(i).copied())
            .unwrap_or(1);
        // PostgreSQL's NOT NULL message names its column already.
        let prefix = match &column {
            Some(c) if e.code != SqlState::NotNullViolation => format!("column \"{c}\": "),
            _ => String::new(),
        };
        let mut located = Error::new(
            e.code,
            format!(
                "{}:{}:{}: {prefix}{}",
                file, self.last.0, position, e.message
            ),
        )
        .with_hint("nothing was imported");
        located.detail = e.detail.clone();
        located
    }

    /// Converts record `i` of `batch` (its fields go to the target columns
    /// `map`) into `row`, reusing the text values `row` already holds:
    /// converting a text field allocates nothing.
    pub(super) fn row_from_text(
        &mut self,
        batch: &TextBatch,
        i: usize,
        map: &[usize],
        row: &mut Vec<Value>,
    ) -> Result<(), InputError> {
        let fields = batch.record(i);
        row.resize(self.targets.len(), Value::Null);
        self.start_row(
            fields.first().map_or(0, |f| f.line),
            fields.first().map_or(1, |f| f.column),
        );
        for (index, (span, &t)) in fields.iter().zip(map).enumerate() {
            let target = &self.targets[t];
            self.present[t] = true;
            self.last.1[t] = span.column;
            if span.null {
                row[t] = Value::Null;
                continue;
            }
            let bytes = batch.fields().bytes(span);
            let text =
                std::str::from_utf8(bytes).map_err(|e| utf8_error(span, bytes, e, &target.name))?;
            match (&mut row[t], &target.data_type) {
                (Value::Text(reused), DataType::Text) => {
                    reused.clear();
                    reused.push_str(text);
                }
                (slot, DataType::Text) => *slot = Value::Text(text.to_owned()),
                (slot, ty) => match parse_value(text, ty) {
                    Ok(v) => *slot = v,
                    Err(e) => {
                        // A field that is not UTF-8 is reported before any
                        // value that does not convert, as when reading
                        // records one by one.
                        for (later, &t) in fields.iter().zip(map).skip(index + 1) {
                            let bytes = batch.fields().bytes(later);
                            if let (false, Err(e)) = (later.null, std::str::from_utf8(bytes)) {
                                return Err(utf8_error(later, bytes, e, &self.targets[t].name));
                            }
                        }
                        return Err(conversion_error(span.line, span.column, target, &e.message));
                    }
                },
            }
            // After the conversion, which has parsed a JSON document already
            // (a value that does not convert fails the import, which is then
            // redone from a scan of the whole file).
            if let Some(guess) = self.observed.as_mut().and_then(|g| g.get_mut(index)) {
                guess.see_converted(text, &row[t]);
            }
        }
        for (slot, present) in row.iter_mut().zip(&self.present) {
            if !present {
                *slot = Value::Null;
            }
        }
        Ok(())
    }

    /// Narrows this converter's guesses with another's (which saw other rows).
    pub(super) fn merge_observed(&mut self, other: Option<Vec<ColumnGuess>>) {
        if let (Some(mine), Some(theirs)) = (&mut self.observed, other) {
            for (m, t) in mine.iter_mut().zip(&theirs) {
                m.merge(t);
            }
        }
    }
}

/// The file's rows as table rows, for `Session::insert_rows`.
pub struct Rows<'a> {
    /// The file's name, for messages.
    pub file: &'a str,
    /// The table written.
    pub table: &'a str,
    /// Where the records come from.
    pub source: &'a mut dyn Source,
    /// Source field index to target column.
    map: Vec<Option<usize>>,
    /// Skip (and count) rows that cannot be read or converted.
    pub keep_going: bool,
    /// The rows skipped so far.
    pub skipped: Skipped,
    /// What converts records to rows.
    pub conv: Converter<'a>,
    /// The target column of each cell of the record being converted.
    to: Vec<usize>,
}

impl std::fmt::Debug for Rows<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rows")
            .field("file", &self.file)
            .field("table", &self.table)
            .finish_non_exhaustive()
    }
}

impl<'a> Rows<'a> {
    pub fn new(
        file: &'a str,
        table: &'a str,
        source: &'a mut dyn Source,
        targets: &'a [Target],
        keep_going: bool,
    ) -> Rows<'a> {
        Rows {
            file,
            table,
            source,
            map: Vec::new(),
            keep_going,
            skipped: Skipped::default(),
            conv: Converter {
                targets,
                last: (0, Vec::new()),
                present: Vec::new(),
                observed: None,
                schema: None,
            },
            to: Vec::new(),
        }
    }

    pub(super) fn target_of(
        &mut self,
        index: usize,
        line: u64,
        column: u64,
    ) -> Result<usize, InputError> {
        while self.map.len() <= index {
            let name = &self.source.header()[self.map.len()];
            self.map
                .push(self.conv.targets.iter().position(|t| t.name == *name));
        }
        self.map[index].ok_or_else(|| InputError {
            line,
            column,
            message: format!(
                "column \"{}\" of the file is not in table \"{}\"",
                self.source.header()[index],
                self.table
            ),
            recoverable: false,
        })
    }

    /// Appends the target column of each cell of `record` to `to`.
    pub(super) fn targets_of(
        &mut self,
        record: &Record,
        to: &mut Vec<usize>,
    ) -> Result<(), InputError> {
        for cell in &record.cells {
            to.push(self.target_of(cell.index, cell.line, cell.column)?);
        }
        Ok(())
    }

    /// Converts `record` into `row` (a value per target column).
    pub(super) fn row_into(
        &mut self,
        record: Record,
        row: &mut Vec<Value>,
    ) -> Result<(), InputError> {
        let mut to = std::mem::take(&mut self.to);
        to.clear();
        let converted = self
            .targets_of(&record, &mut to)
            .and_then(|()| self.conv.row_into(record, &to, row));
        self.to = to;
        converted
    }

    /// The next good row, or the error that stops the import.
    pub fn next_row(&mut self) -> Option<Result<Vec<Value>, InputError>> {
        let mut row = Vec::new();
        Some(self.next_row_into(&mut row)?.map(|()| row))
    }

    /// [`Rows::next_row`] into `row`.
    fn next_row_into(&mut self, row: &mut Vec<Value>) -> Option<Result<(), InputError>> {
        loop {
            let result = match self.source.next_record()? {
                Ok(record) => self.row_into(record, row),
                Err(e) => Err(e),
            };
            match result {
                Ok(()) => return Some(Ok(())),
                Err(e) if self.keep_going && e.recoverable => self.skipped.add(self.file, &e),
                Err(e) => return Some(Err(e)),
            }
        }
    }

    /// An engine error about the row last handed out, with its position.
    pub fn engine_error(&self, e: Error) -> Error {
        self.conv.engine_error(self.file, e)
    }
}

/// The first column of `schema`'s constraint `name` (its primary key, a
/// unique constraint or index, or a foreign key), by name.
fn constraint_column(schema: &TableSchema, name: &str) -> Option<String> {
    let first = if name == format!("{}_pkey", schema.name) {
        schema.primary_key.first()
    } else if let Some(u) = schema.uniques.iter().find(|u| u.name == name) {
        u.columns.first()
    } else if let Some(i) = schema.indexes.iter().find(|i| i.name == name) {
        i.columns.first().map(|(tag, _)| tag)
    } else {
        schema
            .foreign_keys
            .iter()
            .find(|f| f.name == name)?
            .columns
            .first()
    };
    schema.column_by_tag(*first?).map(|c| c.name.clone())
}
