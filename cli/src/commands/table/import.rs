//! `arbor table import`: rows from a file into a table, in one transaction.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use arbor_engine::sql::{Session, StatementResult};
use arbor_engine::vc;
use arbor_schema::{DataType, Value, parse_value};

use super::infer::ColumnGuess;
use super::source::{
    CsvSource, InputError, JsonSource, Raw, Record, Source, TextBatch, utf8_error,
};
use super::{FileFormat, ident, parse_delimiter, resolve, working_table};
use crate::ui::CliError;
use crate::vcs;

/// Arguments of `arbor table import`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("mode").args(["create", "update", "replace", "append"])))]
pub struct Args {
    /// The table.
    table: String,
    /// The file to read (`-`: standard input, with --format).
    file: PathBuf,
    /// Create the table, its columns' types and nullability inferred from
    /// the data (the default when the table does not exist).
    #[arg(long)]
    create: bool,
    /// Insert or update rows by primary key (upsert).
    #[arg(long)]
    update: bool,
    /// Replace all the table's rows with the file's.
    #[arg(long)]
    replace: bool,
    /// Add the file's rows to the table.
    #[arg(long)]
    append: bool,
    /// The primary key of a created table (else rows get a hidden key).
    #[arg(long, value_name = "COLUMN,...", value_delimiter = ',')]
    pk: Vec<String>,
    /// The file's format (by default from its extension).
    #[arg(long, value_enum)]
    format: Option<FileFormat>,
    /// The field delimiter of a CSV-like file (one character; `tab` or `\t`).
    #[arg(long, value_name = "CHAR")]
    delimiter: Option<String>,
    /// The file has no header line: its columns are c1, c2, ...
    #[arg(long)]
    no_header: bool,
    /// The unquoted text that stands for NULL in a CSV-like file (default:
    /// the empty field; a quoted field is never NULL).
    #[arg(long, value_name = "TEXT")]
    null: Option<String>,
    /// What to do with bytes that are not UTF-8: refuse the row (`error`,
    /// the default; with --continue the row is skipped) or read them as
    /// U+FFFD (`replace`).
    #[arg(long, value_enum, default_value = "error", value_name = "WHAT")]
    invalid_utf8: InvalidUtf8,
    /// Print nothing on success (and no progress bar).
    #[arg(short, long)]
    quiet: bool,
    /// Skip rows that cannot be read or converted, and report them.
    #[arg(long = "continue")]
    keep_going: bool,
}

/// `--invalid-utf8`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum InvalidUtf8 {
    /// Refuse the row.
    Error,
    /// Read the bytes as U+FFFD.
    Replace,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Create,
    Update,
    Replace,
    Append,
}

/// Rows skipped by `--continue`.
#[derive(Debug, Default)]
pub struct Skipped {
    count: u64,
    first: Vec<String>,
}

impl Skipped {
    const SHOWN: usize = 5;

    /// Prints how many rows were skipped, and the first few, to standard error.
    pub fn report(&self) {
        if self.count == 0 {
            return;
        }
        eprintln!(
            "skipped {} bad row{}:",
            self.count,
            if self.count == 1 { "" } else { "s" }
        );
        for s in &self.first {
            eprintln!("  {s}");
        }
        if self.count > self.first.len() as u64 {
            eprintln!("  ...");
        }
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
struct Target {
    name: String,
    data_type: DataType,
    has_default: bool,
}

pub(super) fn input_error(file: &str, e: &InputError) -> CliError {
    CliError::new(format!("{file}:{}:{}: {}", e.line, e.column, e.message))
        .with_hint("nothing was imported")
}

/// A record's fields as text, one per header column (`None`: NULL).
pub type TextRecord = Vec<Option<String>>;

/// Where and how to read an input file (shared by `arbor table import`
/// and `arbor diff --files`).
#[derive(Clone, Debug)]
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
    /// Moved on by the bytes read (hidden unless a command shows it).
    pub progress: indicatif::ProgressBar,
    /// Replace invalid UTF-8 with U+FFFD instead of refusing the row.
    pub lossy: bool,
}

impl InputFile {
    /// The file `given` (relative to `cwd`), its format `format` or else
    /// told by its extension.
    pub fn new(
        cwd: &Path,
        given: &Path,
        format: Option<FileFormat>,
    ) -> Result<InputFile, CliError> {
        let path = resolve(cwd, given);
        let name = given.display().to_string();
        let format = match format.or_else(|| FileFormat::from_path(&path)) {
            Some(FileFormat::Sql) => {
                return Err(
                    CliError::new(format!("{name}: SQL files are not read as rows"))
                        .with_hint("run them with `arbor sql -f <file>`"),
                );
            }
            Some(f) => f,
            None => {
                return Err(CliError::new(format!(
                    "cannot tell the format of {name} from its name"
                ))
                .with_hint("name it with --format csv|tsv|psv|json|jsonl"));
            }
        };
        Ok(InputFile {
            path,
            name,
            format,
            delimiter: None,
            no_header: false,
            null: None,
            progress: indicatif::ProgressBar::hidden(),
            lossy: false,
        })
    }

    /// Whether the file is JSON or JSON Lines (no header line).
    pub fn is_json(&self) -> bool {
        matches!(self.format, FileFormat::Json | FileFormat::Jsonl)
    }

    /// Opens the file as a source of records.
    fn open(&self) -> Result<Box<dyn Source>, CliError> {
        let file = File::open(&self.path)
            .map_err(|e| CliError::new(format!("cannot read {}: {e}", self.name)))?;
        self.progress.set_position(0);
        let file = self.progress.wrap_read(file);
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
    pub fn delimiter_byte(&self) -> Result<u8, CliError> {
        match &self.delimiter {
            Some(d) => parse_delimiter(d),
            None => Ok(self.format.delimiter()),
        }
    }

    /// Hands each record to `each` in file order, as the file's header and
    /// the record's fields as text (`None`: NULL), one per header column.
    pub fn for_each_record(
        &self,
        mut each: impl FnMut(&[String], TextRecord) -> Result<(), CliError>,
    ) -> Result<(), CliError> {
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
    pub fn infer_columns(
        &self,
        keep_going: bool,
    ) -> Result<(Vec<String>, Vec<ColumnGuess>), CliError> {
        self.infer_columns_limited(keep_going, None)
    }

    /// [`InputFile::infer_columns`] from the first `limit` records only, if
    /// given.
    pub fn infer_columns_limited(
        &self,
        keep_going: bool,
        limit: Option<u64>,
    ) -> Result<(Vec<String>, Vec<ColumnGuess>), CliError> {
        let mut source = self.open()?;
        let mut guesses: Vec<ColumnGuess> = Vec::new();
        let mut seen = Vec::new();
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
            // A column first seen now was missing from the records before.
            let mut new_column = ColumnGuess::default();
            if records > 0 {
                new_column.see(&Raw::Null);
            }
            records += 1;
            guesses.resize(source.header().len(), new_column);
            seen.clear();
            seen.resize(guesses.len(), false);
            for cell in &record.cells {
                guesses[cell.index].see(&cell.raw);
                seen[cell.index] = true;
            }
            for (g, _) in guesses.iter_mut().zip(&seen).filter(|(_, s)| !**s) {
                g.see(&Raw::Null);
            }
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
    ) -> Result<u64, CliError> {
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
#[derive(Clone)]
pub(super) struct Converter<'a> {
    targets: &'a [Target],
    /// The line of the row last converted, and where each of its cells was.
    pub(super) last: (u64, Vec<u64>),
    /// Which target columns the last row had.
    present: Vec<bool>,
    /// Guesses of each field's type, narrowed by every row read, when the
    /// table was made from a sample's guesses (see `run`).
    pub(super) observed: Option<Vec<ColumnGuess>>,
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
                match &cell.raw {
                    // Converted to jsonb just below; if that fails, the
                    // whole import is redone without this guess.
                    Raw::Text(text) if target.data_type == DataType::Jsonb => {
                        guess.see_json_text(text);
                    }
                    raw => guess.see(raw),
                }
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
    pub(super) fn engine_error(&self, file: &str, e: arbor_engine::Error) -> CliError {
        let column = quoted_after(&e.message, "column \"").or_else(|| {
            e.detail
                .as_deref()
                .and_then(|d| d.strip_prefix("Key ("))
                .and_then(|d| d.split([',', ')']).next())
                .map(str::to_string)
        });
        let position = column
            .as_ref()
            .and_then(|c| self.targets.iter().position(|t| t.name == *c))
            .and_then(|i| self.last.1.get(i).copied())
            .unwrap_or(1);
        let prefix = match &column {
            Some(c) if !e.message.contains(&format!("column \"{c}\"")) => {
                format!("column \"{c}\": ")
            }
            _ => String::new(),
        };
        CliError {
            message: format!(
                "{}:{}:{}: {prefix}{}",
                file, self.last.0, position, e.message
            ),
            detail: e.detail.as_ref().map(|d| format!("DETAIL: {d}")),
            hint: Some("nothing was imported".into()),
        }
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
            let guess = self.observed.as_mut().and_then(|g| g.get_mut(index));
            if span.null {
                if let Some(guess) = guess {
                    guess.see(&Raw::Null);
                }
                row[t] = Value::Null;
                continue;
            }
            let bytes = batch.fields().bytes(span);
            let text =
                std::str::from_utf8(bytes).map_err(|e| utf8_error(span, bytes, e, &target.name))?;
            if let Some(guess) = guess {
                if target.data_type == DataType::Jsonb {
                    // As in `row_into`: a failure below redoes the import.
                    guess.see_json_text(text);
                } else {
                    guess.see_str(text);
                }
            }
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
pub(super) struct Rows<'a> {
    pub(super) file: &'a str,
    pub(super) table: &'a str,
    pub(super) source: &'a mut dyn Source,
    /// Source field index to target column.
    map: Vec<Option<usize>>,
    pub(super) keep_going: bool,
    pub(super) skipped: Skipped,
    pub(super) conv: Converter<'a>,
    /// The target column of each cell of the record being converted.
    to: Vec<usize>,
}

impl<'a> Rows<'a> {
    fn new(
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
    pub(super) fn next_row(&mut self) -> Option<Result<Vec<Value>, InputError>> {
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
    pub(super) fn engine_error(&self, e: arbor_engine::Error) -> CliError {
        self.conv.engine_error(self.file, e)
    }
}

/// The columns of an existing table, as import targets, and its key.
fn existing_targets(schema: &arbor_schema::TableSchema) -> (Vec<Target>, Vec<String>) {
    let targets = schema
        .columns
        .iter()
        .map(|c| Target {
            name: c.name.clone(),
            data_type: c.data_type.clone(),
            has_default: c.default.is_some(),
        })
        .collect();
    let pk = schema
        .primary_key
        .iter()
        .filter_map(|t| schema.column_by_tag(*t).map(|c| c.name.clone()))
        .collect();
    (targets, pk)
}

/// A new table `table` for a file's `header` with these `guesses`: the
/// import targets and the CREATE TABLE statement (keyed by `pk`, if any).
fn new_table(
    table: &str,
    pk: &[String],
    file: &str,
    header: &[String],
    guesses: &[ColumnGuess],
) -> Result<(Vec<Target>, String), CliError> {
    if header.is_empty() {
        return Err(CliError::new(format!(
            "{file} has no columns to create table \"{table}\" from"
        )));
    }
    if let Some(k) = pk.iter().find(|k| !header.contains(k)) {
        return Err(CliError::new(format!("--pk: {file} has no column \"{k}\"")));
    }
    let mut defs: Vec<String> = header
        .iter()
        .zip(guesses)
        .map(|(name, g)| {
            format!(
                "{} {}{}",
                ident(name),
                g.data_type(),
                if g.nullable() { "" } else { " NOT NULL" }
            )
        })
        .collect();
    if !pk.is_empty() {
        let cols: Vec<String> = pk.iter().map(|c| ident(c)).collect();
        defs.push(format!("PRIMARY KEY ({})", cols.join(", ")));
    }
    let targets = header
        .iter()
        .zip(guesses)
        .map(|(name, g)| Target {
            name: name.clone(),
            data_type: g.data_type(),
            has_default: false,
        })
        .collect();
    let sql = format!("CREATE TABLE {} ({})", ident(table), defs.join(", "));
    Ok((targets, sql))
}

/// The rows a new table's types are first guessed from.
const SAMPLE_ROWS: u64 = 10_000;

/// Whether two sets of guesses make the same columns (types and
/// nullability).
fn same_columns(first: &[ColumnGuess], all: &[ColumnGuess]) -> bool {
    first.len() == all.len()
        && first
            .iter()
            .zip(all)
            .all(|(a, b)| a.data_type() == b.data_type() && a.nullable() == b.nullable())
}

/// The text between the first `prefix` and the next `"`.
fn quoted_after(text: &str, prefix: &str) -> Option<String> {
    let start = text.find(prefix)? + prefix.len();
    let len = text[start..].find('"')?;
    Some(text[start..start + len].to_string())
}

pub fn run(args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    // Standard input is read twice (types, then rows): it is first spooled
    // to a temporary file, so memory stays flat.
    let spooled = if args.file.as_os_str() == "-" {
        if args.format.is_none() {
            return Err(CliError::new("the format of standard input is unknown")
                .with_hint("name it with --format csv|tsv|psv|json|jsonl"));
        }
        let mut file = tempfile::NamedTempFile::new()
            .map_err(|e| CliError::new(format!("cannot spool standard input: {e}")))?;
        std::io::copy(&mut std::io::stdin().lock(), &mut file)
            .map_err(|e| CliError::new(format!("cannot read standard input: {e}")))?;
        Some(file)
    } else {
        None
    };
    let path = spooled.as_ref().map_or(args.file.as_path(), |f| f.path());
    let mut input = InputFile {
        delimiter: args.delimiter.clone(),
        no_header: args.no_header,
        null: args.null.clone(),
        lossy: args.invalid_utf8 == InvalidUtf8::Replace,
        ..InputFile::new(cwd, path, args.format)?
    };
    if spooled.is_some() {
        "<stdin>".clone_into(&mut input.name);
    }
    let file = input.name.clone();
    let size = std::fs::metadata(&input.path).map_or(0, |m| m.len());
    let repository = vcs::open(cwd)?;
    let branch = vc::current_branch(&repository)?;
    let existing = working_table(&repository, &args.table)?;
    let mode = match (&existing, args.update, args.replace, args.append) {
        (_, true, _, _) => Mode::Update,
        (_, _, true, _) => Mode::Replace,
        (_, _, _, true) => Mode::Append,
        _ => Mode::Create,
    };
    if mode == Mode::Create && existing.is_some() {
        return Err(
            CliError::new(format!("table \"{}\" already exists", args.table)).with_hint(
                "add to it with --append, upsert with --update, or swap its rows with --replace",
            ),
        );
    }
    if mode != Mode::Create && existing.is_none() {
        return Err(
            CliError::new(format!("table \"{}\" does not exist", args.table))
                .with_hint("leave out --update, --replace and --append to create it"),
        );
    }
    if !args.pk.is_empty() && mode != Mode::Create {
        return Err(CliError::new(
            "--pk only applies when the import creates the table",
        ));
    }

    // A new table from a CSV-like file takes its types from the first
    // SAMPLE_ROWS rows, and every row read narrows the guesses again on the
    // way in (one pass over the file instead of two); if the whole file
    // disagrees with the sample, the import starts again. A JSON file (whose
    // columns can appear late) and --continue always scan first.
    let mut sample = existing.is_none() && !input.is_json() && !args.keep_going;
    let mut known: Option<(Vec<String>, Vec<ColumnGuess>)> = None;
    loop {
        let mut sampled: Option<(Vec<String>, Vec<ColumnGuess>)> = None;
        let mut create_sql = None;
        let (targets, pk): (Vec<Target>, Vec<String>) = match &existing {
            Some(schema) => existing_targets(schema),
            None => {
                // First the types: from the whole file, or (see above) from
                // its first rows.
                let (header, guesses) = match known.take() {
                    Some(known) => known,
                    None => {
                        let scanning = InputFile {
                            progress: crate::progress::bytes(
                                size,
                                if sample { "sampling" } else { "scanning" },
                                args.quiet,
                            ),
                            ..input.clone()
                        };
                        let limit = sample.then_some(SAMPLE_ROWS);
                        let scanned = scanning.infer_columns_limited(args.keep_going, limit);
                        scanning.progress.finish_and_clear();
                        scanned?
                    }
                };
                let (targets, sql) = new_table(&args.table, &args.pk, &file, &header, &guesses)?;
                sampled = Some((header, guesses));
                create_sql = Some(sql);
                (targets, args.pk.clone())
            }
        };
        if mode == Mode::Update && pk.is_empty() {
            return Err(CliError::new(format!(
                "table \"{}\" has no primary key to match rows by",
                args.table
            ))
            .with_hint("use --append or --replace"));
        }

        let input = InputFile {
            progress: crate::progress::bytes(size, "importing", args.quiet),
            ..input.clone()
        };
        let mut source = input.open()?;
        let json = input.is_json();
        if !json {
            let header = source.header();
            let unknown: Vec<String> = header
                .iter()
                .filter(|h| !targets.iter().any(|t| t.name == **h))
                .map(|h| format!("\"{h}\""))
                .collect();
            if !unknown.is_empty() {
                return Err(CliError::new(format!(
                    "{file}: {} {} not in table \"{}\"",
                    if unknown.len() == 1 {
                        "column"
                    } else {
                        "columns"
                    },
                    unknown.join(", "),
                    args.table
                ))
                .with_hint("nothing was imported"));
            }
            if mode == Mode::Update {
                let missing: Vec<&String> = pk.iter().filter(|k| !header.contains(k)).collect();
                if let Some(k) = missing.first() {
                    return Err(CliError::new(format!(
                        "{file}: the primary key column \"{k}\" is missing"
                    )));
                }
            }
        }
        // Columns the file leaves out get their DEFAULT: only INSERT statements
        // evaluate them.
        let needs_defaults = targets
            .iter()
            .any(|t| t.has_default && (json || !source.header().contains(&t.name)));
        let by_statements = mode == Mode::Update || needs_defaults;

        let mut session = Session::open(repository.clone(), &branch)?;
        session.execute("BEGIN")?;
        let mut rows = Rows::new(
            &file,
            &args.table,
            source.as_mut(),
            &targets,
            args.keep_going,
        );
        if sample && let Some((header, _)) = &sampled {
            rows.conv.observed = Some(vec![ColumnGuess::default(); header.len()]);
        }
        let outcome = (|| -> Result<u64, CliError> {
            if let Some(sql) = &create_sql {
                session.execute(sql)?;
            }
            if mode == Mode::Replace {
                session.execute(&format!("DELETE FROM {}", ident(&args.table)))?;
            }
            if by_statements {
                let conflict = (mode == Mode::Update).then_some(pk.as_slice());
                insert_statements(&mut session, &args.table, &mut rows, conflict)
            } else {
                rows.insert(&mut session)
            }
        })();
        if sample {
            // The table was made from the first rows' guesses: it stands only
            // if every row agreed, so it is exactly what a scan of the whole
            // file would have made. Otherwise start again, from the guesses of
            // the whole file when the rows were all read, else from a scan.
            let observed = rows.conv.observed.take();
            let agreed = match (&outcome, &sampled, &observed) {
                (Ok(_), Some((_, first)), Some(all)) => same_columns(first, all),
                _ => false,
            };
            if !agreed {
                let _ = session.execute("ROLLBACK");
                sample = false;
                if outcome.is_ok() {
                    known = sampled.map(|(header, _)| header).zip(observed);
                }
                continue;
            }
        }
        let count = match outcome {
            Ok(n) => n,
            Err(e) => {
                let _ = session.execute("ROLLBACK");
                return Err(e);
            }
        };
        input.progress.finish_and_clear();
        let committed = session.execute("COMMIT")?;
        if committed.last() != Some(&StatementResult::command("COMMIT")) {
            return Err(CliError::new("the import was rolled back"));
        }
        let skipped = rows.skipped;
        if !args.quiet {
            let verb = match mode {
                Mode::Create => "created table",
                Mode::Update => "upserted into",
                Mode::Replace => "replaced the rows of",
                Mode::Append => "appended to",
            };
            println!(
                "{verb} \"{}\": {count} row{} from {file}",
                args.table,
                if count == 1 { "" } else { "s" }
            );
        }
        skipped.report();
        return Ok(ExitCode::SUCCESS);
    }
}

/// Writes rows with INSERT statements, in batches of rows that name the
/// same columns, their values passed as parameters; with `conflict`, an
/// upsert on those key columns.
fn insert_statements(
    session: &mut Session,
    table: &str,
    rows: &mut Rows<'_>,
    conflict: Option<&[String]>,
) -> Result<u64, CliError> {
    const BATCH: usize = 500;
    let mut total = 0u64;
    let mut columns: Vec<bool> = Vec::new();
    let mut values: Vec<Value> = Vec::new();
    let mut lines = (0u64, 0u64);
    let flush = |session: &mut Session,
                 rows: &Rows<'_>,
                 columns: &[bool],
                 values: &mut Vec<Value>,
                 lines: (u64, u64)|
     -> Result<u64, CliError> {
        if values.is_empty() {
            return Ok(0);
        }
        let names: Vec<&str> = rows
            .conv
            .targets
            .iter()
            .zip(columns)
            .filter(|(_, p)| **p)
            .map(|(t, _)| t.name.as_str())
            .collect();
        let list: Vec<String> = names.iter().map(|n| ident(n)).collect();
        let tuples: Vec<String> = (0..values.len() / names.len())
            .map(|row| {
                let first = row * names.len() + 1;
                let params: Vec<String> = (first..first + names.len())
                    .map(|n| format!("${n}"))
                    .collect();
                format!("({})", params.join(", "))
            })
            .collect();
        let mut sql = format!(
            "INSERT INTO {} ({}) VALUES {}",
            ident(table),
            list.join(", "),
            tuples.join(", ")
        );
        if let Some(keys) = conflict {
            let keys_sql: Vec<String> = keys.iter().map(|k| ident(k)).collect();
            let sets: Vec<String> = names
                .iter()
                .filter(|n| !keys.iter().any(|k| k == *n))
                .map(|n| format!("{0} = EXCLUDED.{0}", ident(n)))
                .collect();
            if sets.is_empty() {
                sql.push_str(&format!(
                    " ON CONFLICT ({}) DO NOTHING",
                    keys_sql.join(", ")
                ));
            } else {
                sql.push_str(&format!(
                    " ON CONFLICT ({}) DO UPDATE SET {}",
                    keys_sql.join(", "),
                    sets.join(", ")
                ));
            }
        }
        let written = session
            .prepare(&sql)
            .and_then(|mut statement| session.execute_prepared(&mut statement, values));
        values.clear();
        let n = written
            .map(|r| r.rows_written().unwrap_or(0))
            .map_err(|e| {
                let at = if lines.0 == lines.1 {
                    format!("{}:{}", rows.file, lines.0)
                } else {
                    format!("{}:{}-{}", rows.file, lines.0, lines.1)
                };
                CliError {
                    message: format!("{at}: {}", e.message),
                    detail: e.detail.as_ref().map(|d| format!("DETAIL: {d}")),
                    hint: Some("nothing was imported".into()),
                }
            })?;
        Ok(n)
    };
    while let Some(row) = rows.next_row() {
        let row = row.map_err(|e| input_error(rows.file, &e))?;
        if let Some(keys) = conflict {
            for k in keys {
                if let Some(i) = rows.conv.targets.iter().position(|t| t.name == *k)
                    && !rows.conv.present[i]
                {
                    return Err(input_error(
                        rows.file,
                        &InputError {
                            line: rows.conv.last.0,
                            column: 1,
                            message: format!("the primary key column \"{k}\" is missing"),
                            recoverable: false,
                        },
                    ));
                }
            }
        }
        if rows.conv.present != columns || values.len() >= BATCH * columns.len().max(1) {
            total += flush(session, rows, &columns, &mut values, lines)?;
            columns = rows.conv.present.clone();
            lines.0 = rows.conv.last.0;
        }
        lines.1 = rows.conv.last.0;
        values.extend(
            row.iter()
                .zip(&rows.conv.present)
                .filter(|(_, p)| **p)
                .map(|(v, _)| v.clone()),
        );
    }
    total += flush(session, rows, &columns, &mut values, lines)?;
    Ok(total)
}
