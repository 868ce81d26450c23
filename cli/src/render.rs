//! Rendering query results: psql's aligned table, CSV/TSV, JSON, JSON
//! lines, Markdown, and psql's expanded (vertical) display. `arbor sql`,
//! the shell and `arbor table export` all print rows through here.

use std::io::{self, Write};

use arbor_engine::sql::StatementResult;
use arbor_schema::Value;

/// How results are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// psql's aligned table.
    Table,
    /// Comma-separated values with a header line.
    Csv,
    /// Tab-separated values with a header line.
    Tsv,
    /// A JSON array of objects.
    Json,
    /// One JSON object per line.
    Jsonl,
    /// A Markdown table.
    Markdown,
    /// One `column | value` line per cell, a record at a time (psql's `\x`).
    Vertical,
}

/// Prints one statement's result.
pub fn print(out: &mut dyn Write, result: &StatementResult, format: Format) -> io::Result<()> {
    match result {
        StatementResult::Command { tag, .. } => {
            if format == Format::Table {
                writeln!(out, "{tag}")?;
            }
            Ok(())
        }
        StatementResult::Explain(plan) => write!(out, "{plan}"),
        StatementResult::Rows { columns, rows } => match format {
            Format::Table => table(out, columns, rows),
            Format::Csv => write_csv(out, columns, rows, b',', false),
            Format::Tsv => write_csv(out, columns, rows, b'\t', false),
            Format::Json => write_json(out, columns, rows, false),
            Format::Jsonl => write_json(out, columns, rows, true),
            Format::Markdown => markdown(out, columns, rows),
            Format::Vertical => vertical(out, columns, rows),
        },
    }
}

fn cell(v: &Value) -> String {
    match v {
        // psql prints NULL as an empty cell by default.
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A Markdown table; NULL as `NULL`, pipes escaped.
fn markdown(out: &mut dyn Write, columns: &[String], rows: &[Vec<Value>]) -> io::Result<()> {
    let escape = |s: &str| s.replace('|', "\\|").replace(['\n', '\r'], " ");
    let head: Vec<String> = columns.iter().map(|c| escape(c)).collect();
    writeln!(out, "| {} |", head.join(" | "))?;
    writeln!(out, "|{}", "---|".repeat(columns.len()))?;
    for r in rows {
        let cells: Vec<String> = r
            .iter()
            .map(|v| {
                if v.is_null() {
                    "NULL".into()
                } else {
                    escape(&v.to_string())
                }
            })
            .collect();
        writeln!(out, "| {} |", cells.join(" | "))?;
    }
    Ok(())
}

/// psql's expanded display: one record at a time, a line per column.
pub fn vertical(out: &mut dyn Write, columns: &[String], rows: &[Vec<Value>]) -> io::Result<()> {
    let width = columns.iter().map(|c| c.chars().count()).max().unwrap_or(0);
    for (i, row) in rows.iter().enumerate() {
        writeln!(out, "-[ RECORD {} ]{}", i + 1, "-".repeat(width.max(4)))?;
        for (c, v) in columns.iter().zip(row) {
            writeln!(out, "{c:<width$} | {}", cell(v))?;
        }
    }
    if rows.is_empty() {
        writeln!(out, "(0 rows)")?;
    }
    Ok(())
}

fn is_numeric(v: &Value) -> bool {
    matches!(
        v,
        Value::SmallInt(_)
            | Value::Integer(_)
            | Value::BigInt(_)
            | Value::Real(_)
            | Value::Double(_)
            | Value::Numeric(_)
    )
}

fn table(out: &mut dyn Write, columns: &[String], rows: &[Vec<Value>]) -> io::Result<()> {
    let cells: Vec<Vec<String>> = rows.iter().map(|r| r.iter().map(cell).collect()).collect();
    let widths: Vec<usize> = (0..columns.len())
        .map(|i| {
            cells
                .iter()
                .map(|r| r[i].chars().count())
                .chain([columns[i].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let header: Vec<String> = columns
        .iter()
        .zip(&widths)
        .map(|(c, w)| {
            let pad = w - c.chars().count();
            format!("{}{}{}", " ".repeat(pad / 2), c, " ".repeat(pad - pad / 2))
        })
        .collect();
    writeln!(out, " {} ", header.join(" | "))?;
    writeln!(
        out,
        "{}",
        widths
            .iter()
            .map(|w| "-".repeat(w + 2))
            .collect::<Vec<_>>()
            .join("+")
    )?;
    for (r, values) in cells.iter().zip(rows) {
        let line: Vec<String> = r
            .iter()
            .zip(&widths)
            .zip(values)
            .map(|((c, w), v)| {
                if is_numeric(v) {
                    format!("{c:>w$}")
                } else {
                    format!("{c:<w$}")
                }
            })
            .collect();
        writeln!(out, " {}", line.join(" | ").trim_end())?;
    }
    writeln!(
        out,
        "({} row{})",
        rows.len(),
        if rows.len() == 1 { "" } else { "s" }
    )?;
    writeln!(out)
}

/// Writes one CSV field, quoted when it must be (or is empty, so that an
/// empty string differs from NULL, which is written as nothing).
fn csv_field(out: &mut dyn Write, text: &str, delimiter: u8) -> io::Result<()> {
    let quote = text.is_empty()
        || text
            .bytes()
            .any(|b| b == delimiter || matches!(b, b'"' | b'\n' | b'\r'));
    if !quote {
        return out.write_all(text.as_bytes());
    }
    // Quoted, each quote inside doubled: written piece by piece.
    out.write_all(b"\"")?;
    for (i, piece) in text.split('"').enumerate() {
        if i > 0 {
            out.write_all(b"\"\"")?;
        }
        out.write_all(piece.as_bytes())?;
    }
    out.write_all(b"\"")
}

/// Rows as CSV (or TSV/PSV with another delimiter) with a header line;
/// NULL is an empty field. With `safe`, text starting with `=`, `+`, `-`,
/// `@`, tab or CR gets a leading `'` so spreadsheets do not run it.
pub fn write_csv(
    out: &mut dyn Write,
    columns: &[String],
    rows: &[Vec<Value>],
    delimiter: u8,
    safe: bool,
) -> io::Result<()> {
    write_stream(out, StreamFormat::Csv { delimiter, safe }, columns, rows)
}

/// Writes `rows` through a [`RowStream`].
fn write_stream(
    out: &mut dyn Write,
    format: StreamFormat,
    columns: &[String],
    rows: &[Vec<Value>],
) -> io::Result<()> {
    let mut stream = RowStream::begin(out, format, columns)?;
    for row in rows {
        stream.row(row)?;
    }
    stream.end().map(|_| ())
}

/// The formats a [`RowStream`] writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamFormat {
    /// CSV with this delimiter; `safe`: see [`write_csv`].
    Csv { delimiter: u8, safe: bool },
    /// A JSON array of objects.
    Json,
    /// One JSON object per line.
    JsonLines,
}

/// Rows written one at a time as they come (an export never holds the
/// table in memory): [`RowStream::begin`] writes what comes before the
/// rows, [`RowStream::row`] each row, [`RowStream::end`] what comes after.
pub struct RowStream<W: Write> {
    out: W,
    format: StreamFormat,
    /// JSON: the column names as JSON strings.
    keys: Vec<String>,
    rows: u64,
    /// A cell's text, the buffer kept from cell to cell.
    cell: String,
}

impl<W: Write> RowStream<W> {
    /// Starts the output: a CSV header line, or a JSON array's `[`.
    pub fn begin(mut out: W, format: StreamFormat, columns: &[String]) -> io::Result<RowStream<W>> {
        let keys = columns
            .iter()
            .map(|c| serde_json::Value::String(c.clone()).to_string())
            .collect();
        match format {
            StreamFormat::Csv { delimiter, .. } => {
                for (i, c) in columns.iter().enumerate() {
                    if i > 0 {
                        out.write_all(&[delimiter])?;
                    }
                    csv_field(&mut out, c, delimiter)?;
                }
                out.write_all(b"\n")?;
            }
            StreamFormat::Json => out.write_all(b"[")?,
            StreamFormat::JsonLines => {}
        }
        Ok(RowStream {
            out,
            format,
            keys,
            rows: 0,
            cell: String::new(),
        })
    }

    /// Writes one row.
    pub fn row(&mut self, row: &[Value]) -> io::Result<()> {
        let out: &mut dyn Write = &mut self.out;
        match self.format {
            StreamFormat::Csv { delimiter, safe } => {
                for (i, v) in row.iter().enumerate() {
                    if i > 0 {
                        out.write_all(&[delimiter])?;
                    }
                    if v.is_null() {
                        continue;
                    }
                    let text = &mut self.cell;
                    text.clear();
                    // Writing to a String cannot fail.
                    let _ = std::fmt::Write::write_fmt(text, format_args!("{v}"));
                    if safe && !is_numeric(v) && text.starts_with(['=', '+', '-', '@', '\t', '\r'])
                    {
                        text.insert(0, '\'');
                    }
                    csv_field(out, text, delimiter)?;
                }
                out.write_all(b"\n")?;
            }
            StreamFormat::Json | StreamFormat::JsonLines => {
                let lines = self.format == StreamFormat::JsonLines;
                if !lines {
                    out.write_all(if self.rows == 0 { b"\n" } else { b",\n" })?;
                }
                out.write_all(b"{")?;
                for (i, (k, v)) in self.keys.iter().zip(row).enumerate() {
                    if i > 0 {
                        out.write_all(b", ")?;
                    }
                    write!(out, "{k}: {}", json_text(v))?;
                }
                out.write_all(b"}")?;
                if lines {
                    out.write_all(b"\n")?;
                }
            }
        }
        self.rows += 1;
        Ok(())
    }

    /// Ends the output (a JSON array's `]`) and hands back the writer.
    pub fn end(mut self) -> io::Result<W> {
        if self.format == StreamFormat::Json {
            self.out
                .write_all(if self.rows == 0 { b"]\n" } else { b"\n]\n" })?;
        }
        Ok(self.out)
    }
}

/// A value as JSON: numbers and booleans as such, jsonb and json embedded,
/// everything else as a string.
pub fn json_text(v: &Value) -> String {
    let string = |s: &str| serde_json::Value::String(s.to_string()).to_string();
    match v {
        Value::Null => "null".into(),
        Value::Boolean(b) => b.to_string(),
        Value::SmallInt(_) | Value::Integer(_) | Value::BigInt(_) | Value::Numeric(_) => {
            v.to_string()
        }
        Value::Real(f) if f.is_finite() => v.to_string(),
        Value::Double(f) if f.is_finite() => v.to_string(),
        Value::Jsonb(_) | Value::Json(_) => v.to_string(),
        Value::Text(s) => string(s),
        other => string(&other.to_string()),
    }
}

/// Rows as a JSON array of objects, or one object per line (`lines`), keys
/// in column order.
pub fn write_json(
    out: &mut dyn Write,
    columns: &[String],
    rows: &[Vec<Value>],
    lines: bool,
) -> io::Result<()> {
    let format = if lines {
        StreamFormat::JsonLines
    } else {
        StreamFormat::Json
    };
    write_stream(out, format, columns, rows)
}
