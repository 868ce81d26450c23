//! Printing query results on a terminal: psql's aligned table and its
//! expanded (vertical) display. The file formats (CSV, TSV, JSON, JSON
//! lines, Markdown) are the library's writers (`arbor_engine::io`), the
//! same that exports and diffs use.

use std::io::{self, Write};

use arbor_engine::StatementResult;
use arbor_engine::io::{RowFormat, is_numeric, write_rows};
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
        StatementResult::Rows { columns, rows, .. } => match format {
            Format::Table => table(out, columns, rows),
            Format::Vertical => vertical(out, columns, rows),
            Format::Csv => write_rows(out, RowFormat::csv(b','), columns, rows),
            Format::Tsv => write_rows(out, RowFormat::csv(b'\t'), columns, rows),
            Format::Json => write_rows(out, RowFormat::Json, columns, rows),
            Format::Jsonl => write_rows(out, RowFormat::JsonLines, columns, rows),
            Format::Markdown => write_rows(out, RowFormat::Markdown, columns, rows),
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

/// `text` followed by spaces to `width` characters. (`format!`'s own
/// padding refuses widths past 65,535, which a cell can pass.)
pub fn pad_right(text: &str, width: usize) -> String {
    let pad = width.saturating_sub(text.chars().count());
    format!("{text}{}", " ".repeat(pad))
}

/// Spaces to `width` characters followed by `text` (numbers align right).
pub fn pad_left(text: &str, width: usize) -> String {
    let pad = width.saturating_sub(text.chars().count());
    format!("{}{text}", " ".repeat(pad))
}

/// psql's expanded display: one record at a time, a line per column.
pub fn vertical(out: &mut dyn Write, columns: &[String], rows: &[Vec<Value>]) -> io::Result<()> {
    let width = columns.iter().map(|c| c.chars().count()).max().unwrap_or(0);
    for (i, row) in rows.iter().enumerate() {
        writeln!(out, "-[ RECORD {} ]{}", i + 1, "-".repeat(width.max(4)))?;
        for (c, v) in columns.iter().zip(row) {
            writeln!(out, "{} | {}", pad_right(c, width), cell(v))?;
        }
    }
    if rows.is_empty() {
        writeln!(out, "(0 rows)")?;
    }
    Ok(())
}

/// The width of each column of a grid: its widest cell or header, in
/// characters.
fn column_widths<'a>(header: &[String], rows: impl Iterator<Item = &'a [String]>) -> Vec<usize> {
    let mut widths: Vec<usize> = header.iter().map(|c| c.chars().count()).collect();
    for cells in rows {
        for (w, c) in widths.iter_mut().zip(cells) {
            let widest = c.lines().map(|l| l.chars().count()).max().unwrap_or(0);
            *w = (*w).max(widest);
        }
    }
    widths
}

/// psql's aligned table: centred headers, numbers right-aligned, a row
/// count after.
fn table(out: &mut dyn Write, columns: &[String], rows: &[Vec<Value>]) -> io::Result<()> {
    let cells: Vec<Vec<String>> = rows.iter().map(|r| r.iter().map(cell).collect()).collect();
    let widths = column_widths(columns, cells.iter().map(Vec::as_slice));
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
        // A cell of several lines takes as many lines of the table, each
        // but its last marked with a `+`, as psql shows it.
        let lines: Vec<Vec<&str>> = r.iter().map(|c| c.split('\n').collect()).collect();
        let height = lines.iter().map(Vec::len).max().unwrap_or(1);
        for i in 0..height {
            let mut line = String::from(" ");
            for (j, ((cell, w), v)) in lines.iter().zip(&widths).zip(values).enumerate() {
                if j > 0 {
                    line.push_str("| ");
                }
                let part = cell.get(i).copied().unwrap_or_default();
                line.push_str(&if is_numeric(v) {
                    pad_left(part, *w)
                } else {
                    pad_right(part, *w)
                });
                line.push(if i + 1 < cell.len() { '+' } else { ' ' });
            }
            writeln!(out, "{}", line.trim_end())?;
        }
    }
    writeln!(
        out,
        "({} row{})",
        rows.len(),
        if rows.len() == 1 { "" } else { "s" }
    )?;
    writeln!(out)
}

/// A boxed table whose rows each carry a one-character mark in a first
/// column (a diff's `+`, `-`, `<`, `>`); `paint` colours a row's line by
/// its mark.
pub fn marked_table(
    out: &mut dyn Write,
    header: &[String],
    rows: &[(char, Vec<String>)],
    paint: &dyn Fn(char, &str) -> String,
) -> io::Result<()> {
    let widths = column_widths(header, rows.iter().map(|(_, cells)| cells.as_slice()));
    let rule = format!(
        "+---+{}+",
        widths
            .iter()
            .map(|w| "-".repeat(w + 2))
            .collect::<Vec<_>>()
            .join("+")
    );
    let line = |mark: char, cells: &[String]| {
        let body: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!(" {} ", pad_right(c, *w)))
            .collect();
        format!("| {mark} |{}|", body.join("|"))
    };
    writeln!(out, "{rule}")?;
    writeln!(out, "{}", line(' ', header))?;
    writeln!(out, "{rule}")?;
    for (mark, cells) in rows {
        writeln!(out, "{}", paint(*mark, &line(*mark, cells)))?;
    }
    writeln!(out, "{rule}")
}
