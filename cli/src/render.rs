//! Rendering query results: psql's aligned table, or CSV.

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
}

/// Prints one statement's result.
pub fn print(out: &mut dyn Write, result: &StatementResult, format: Format) -> io::Result<()> {
    match result {
        StatementResult::Command(tag) => {
            if format == Format::Table {
                writeln!(out, "{tag}")?;
            }
            Ok(())
        }
        StatementResult::Explain(plan) => write!(out, "{plan}"),
        StatementResult::Rows { columns, rows } => match format {
            Format::Table => table(out, columns, rows),
            Format::Csv => csv(out, columns, rows),
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

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

fn csv(out: &mut dyn Write, columns: &[String], rows: &[Vec<Value>]) -> io::Result<()> {
    writeln!(
        out,
        "{}",
        columns
            .iter()
            .map(|c| csv_field(c))
            .collect::<Vec<_>>()
            .join(",")
    )?;
    for r in rows {
        writeln!(
            out,
            "{}",
            r.iter()
                .map(|v| csv_field(&cell(v)))
                .collect::<Vec<_>>()
                .join(",")
        )?;
    }
    Ok(())
}
