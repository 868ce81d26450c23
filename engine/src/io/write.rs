//! Writing rows to files: the one set of writers that exports, diff formats
//! and query output share.
//!
//! A [`RowWriter`] streams: [`RowWriter::begin`] writes what comes before
//! the rows (a CSV header, a JSON array's `[`, a Markdown table's head),
//! [`RowWriter::row`] one row, [`RowWriter::end`] what comes after. Nothing
//! holds the whole result, so an export of any size runs in little memory.
//!
//! The formats keep NULL apart from the empty string, so that what Arbor
//! writes reads back as it was:
//!
//! - CSV (and TSV, PSV): NULL is an empty field, the empty string `""`
//!   (PostgreSQL's `COPY ... CSV` convention, which the reader follows);
//! - JSON and JSON Lines: NULL is `null`; numbers and booleans are JSON
//!   numbers and booleans, `json` and `jsonb` values are embedded, the rest
//!   are strings;
//! - Markdown: NULL is `NULL`;
//! - SQL: one `INSERT` per row, each value a literal of its type.

use std::io::{self, Write};

use arbor_schema::Value;
use arbor_schema::sql_text::{quote_identifier, quote_value};

use crate::error::{Error, SqlState};

/// The formats a [`RowWriter`] writes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RowFormat {
    /// CSV with this delimiter and a header line. With `spreadsheet_safe`,
    /// text starting with `=`, `+`, `-`, `@`, a tab or a carriage return
    /// gets a leading `'` so that spreadsheets do not run it as a formula
    /// (numbers are left as they are).
    Csv {
        delimiter: u8,
        spreadsheet_safe: bool,
    },
    /// A JSON array of objects, keys in column order.
    Json,
    /// One JSON object per line.
    JsonLines,
    /// A Markdown table: pipes escaped, line breaks as spaces.
    Markdown,
    /// `INSERT INTO <table> (<columns>) VALUES (...);`, one per row.
    Sql { table: String },
}

impl RowFormat {
    /// Plain CSV with this delimiter.
    pub fn csv(delimiter: u8) -> RowFormat {
        RowFormat::Csv {
            delimiter,
            spreadsheet_safe: false,
        }
    }
}

/// Rows written one at a time as they come.
#[derive(Debug)]
pub struct RowWriter<W: Write> {
    out: W,
    format: RowFormat,
    /// JSON: the column names as JSON strings; SQL: the statement's head.
    keys: Vec<String>,
    sql_head: String,
    rows: u64,
    /// A cell's text, the buffer kept from cell to cell.
    cell: String,
}

impl<W: Write> RowWriter<W> {
    /// Starts the output for rows of `columns`.
    pub fn begin(mut out: W, format: RowFormat, columns: &[String]) -> io::Result<RowWriter<W>> {
        let mut keys = Vec::new();
        let mut sql_head = String::new();
        match &format {
            RowFormat::Csv { delimiter, .. } => {
                for (i, c) in columns.iter().enumerate() {
                    if i > 0 {
                        out.write_all(&[*delimiter])?;
                    }
                    write_csv_field(&mut out, c, *delimiter)?;
                }
                out.write_all(b"\n")?;
            }
            RowFormat::Json | RowFormat::JsonLines => {
                keys = columns
                    .iter()
                    .map(|c| serde_json::Value::String(c.clone()).to_string())
                    .collect();
                if format == RowFormat::Json {
                    out.write_all(b"[")?;
                }
            }
            RowFormat::Markdown => {
                let head: Vec<String> = columns.iter().map(|c| markdown_cell(c)).collect();
                writeln!(out, "| {} |", head.join(" | "))?;
                writeln!(out, "|{}", "---|".repeat(columns.len()))?;
            }
            RowFormat::Sql { table } => {
                let names: Vec<String> = columns.iter().map(|c| quote_identifier(c)).collect();
                sql_head = format!(
                    "INSERT INTO {} ({}) VALUES",
                    quote_identifier(table),
                    names.join(", ")
                );
            }
        }
        Ok(RowWriter {
            out,
            format,
            keys,
            sql_head,
            rows: 0,
            cell: String::new(),
        })
    }

    /// Writes one row (its values in the order of the columns).
    pub fn row(&mut self, row: &[Value]) -> io::Result<()> {
        let out: &mut dyn Write = &mut self.out;
        match &self.format {
            RowFormat::Csv {
                delimiter,
                spreadsheet_safe,
            } => {
                for (i, v) in row.iter().enumerate() {
                    if i > 0 {
                        out.write_all(&[*delimiter])?;
                    }
                    if v.is_null() {
                        continue;
                    }
                    let text = &mut self.cell;
                    text.clear();
                    // Writing to a String cannot fail.
                    let _ = std::fmt::Write::write_fmt(text, format_args!("{v}"));
                    if *spreadsheet_safe
                        && !is_numeric(v)
                        && text.starts_with(['=', '+', '-', '@', '\t', '\r'])
                    {
                        text.insert(0, '\'');
                    }
                    write_csv_field(out, text, *delimiter)?;
                }
                out.write_all(b"\n")?;
            }
            RowFormat::Json | RowFormat::JsonLines => {
                let lines = self.format == RowFormat::JsonLines;
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
            RowFormat::Markdown => {
                let cells: Vec<String> = row.iter().map(markdown_value).collect();
                writeln!(out, "| {} |", cells.join(" | "))?;
            }
            RowFormat::Sql { .. } => {
                let values: Vec<String> = row.iter().map(quote_value).collect();
                writeln!(out, "{} ({});", self.sql_head, values.join(", "))?;
            }
        }
        self.rows += 1;
        Ok(())
    }

    /// Ends the output (a JSON array's `]`) and hands back the writer.
    pub fn end(mut self) -> io::Result<W> {
        if self.format == RowFormat::Json {
            self.out
                .write_all(if self.rows == 0 { b"]\n" } else { b"\n]\n" })?;
        }
        Ok(self.out)
    }
}

/// Writes all of `rows` in `format`.
pub fn write_rows(
    out: &mut dyn Write,
    format: RowFormat,
    columns: &[String],
    rows: &[Vec<Value>],
) -> io::Result<()> {
    let mut writer = RowWriter::begin(out, format, columns)?;
    for row in rows {
        writer.row(row)?;
    }
    writer.end().map(|_| ())
}

/// Writes one CSV field, quoted when it must be, and always when it is
/// empty (an unquoted empty field is NULL).
pub fn write_csv_field(out: &mut dyn Write, text: &str, delimiter: u8) -> io::Result<()> {
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

/// Whether a value is a number (right-aligned in tables, never prefixed by
/// the spreadsheet-safe CSV writer).
pub fn is_numeric(v: &Value) -> bool {
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

/// A value as JSON text: numbers and booleans as such, `json` and `jsonb`
/// embedded, everything else (infinities and NaN too) as a string.
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

/// A value as a JSON document (see [`json_text`]). Numbers keep their
/// text (serde_json's `arbitrary_precision`): a numeric's digits and
/// scale, never rounded through a double.
pub fn json_value(v: &Value) -> serde_json::Value {
    let text = json_text(v);
    serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text))
}

/// Text as a Markdown table cell: pipes escaped, line breaks as spaces.
pub fn markdown_cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// A value as a Markdown table cell; NULL as `NULL`.
pub fn markdown_value(v: &Value) -> String {
    if v.is_null() {
        "NULL".into()
    } else {
        markdown_cell(&v.to_string())
    }
}

/// A failed write as an engine error.
pub fn write_error(e: io::Error) -> Error {
    Error::new(SqlState::IoError, format!("cannot write output: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(format: RowFormat, columns: &[&str], rows: &[Vec<Value>]) -> String {
        let columns: Vec<String> = columns.iter().map(|c| c.to_string()).collect();
        let mut out = Vec::new();
        write_rows(&mut out, format, &columns, rows).expect("writes to a Vec");
        String::from_utf8(out).expect("UTF-8")
    }

    #[test]
    fn csv_quotes_what_it_must_and_tells_null_from_empty() {
        let text = written(
            RowFormat::Csv {
                delimiter: b',',
                spreadsheet_safe: true,
            },
            &["a", "b,c"],
            &[
                vec![Value::Text("x\"y".into()), Value::Null],
                vec![Value::Text(String::new()), Value::Text("=1+2".into())],
                vec![Value::Integer(-3), Value::Text("line\nbreak".into())],
            ],
        );
        assert_eq!(
            text,
            "a,\"b,c\"\n\"x\"\"y\",\n\"\",'=1+2\n-3,\"line\nbreak\"\n"
        );
    }

    #[test]
    fn json_keeps_types_and_null() {
        let rows = [vec![
            Value::Integer(1),
            Value::Null,
            Value::Text("a\"b".into()),
            Value::Boolean(true),
        ]];
        assert_eq!(
            written(RowFormat::Json, &["n", "x", "t", "b"], &rows),
            "[\n{\"n\": 1, \"x\": null, \"t\": \"a\\\"b\", \"b\": true}\n]\n"
        );
        assert_eq!(
            written(RowFormat::JsonLines, &["n", "x", "t", "b"], &rows),
            "{\"n\": 1, \"x\": null, \"t\": \"a\\\"b\", \"b\": true}\n"
        );
        assert_eq!(written(RowFormat::Json, &["n"], &[]), "[]\n");
    }

    #[test]
    fn json_values_keep_numeric_digits_and_scale() {
        for text in ["123456789012345678.91", "20.00", "-0.50"] {
            let numeric = arbor_schema::parse_value(text, &arbor_schema::DataType::Numeric(None))
                .expect("a numeric");
            assert_eq!(json_value(&numeric).to_string(), text);
        }
        assert_eq!(json_value(&Value::Double(1e20)).to_string(), "1e+20");
    }

    #[test]
    fn markdown_escapes_pipes_and_shows_null() {
        let text = written(
            RowFormat::Markdown,
            &["a|b", "c"],
            &[vec![Value::Text("x|y\nz".into()), Value::Null]],
        );
        assert_eq!(text, "| a\\|b | c |\n|---|---|\n| x\\|y z | NULL |\n");
    }

    #[test]
    fn sql_writes_one_insert_per_row_with_literals() {
        let text = written(
            RowFormat::Sql {
                table: "My Table".into(),
            },
            &["id", "name"],
            &[
                vec![Value::Integer(1), Value::Text("it's".into())],
                vec![Value::Integer(2), Value::Null],
            ],
        );
        assert_eq!(
            text,
            "INSERT INTO \"My Table\" (\"id\", \"name\") VALUES (1, 'it''s');\n\
             INSERT INTO \"My Table\" (\"id\", \"name\") VALUES (2, NULL);\n"
        );
    }
}
