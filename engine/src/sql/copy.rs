//! `COPY`: rows in and out in PostgreSQL's text and CSV formats.
//!
//! `COPY t [(columns)] FROM STDIN` and `COPY t | (query) TO STDOUT`, with
//! the options PostgreSQL has for both formats (`FORMAT text | csv`,
//! `HEADER`, `DELIMITER`, `NULL`, `QUOTE`, `ESCAPE`, and the old syntax
//! psql's `\copy` sends: `CSV HEADER`). The bytes travel through the front
//! end (a server's CopyData messages, or the lines after the statement in
//! a script, as `pg_dump` writes them); this module parses and writes
//! them. Rows in go through INSERT, in one transaction, so that constraints,
//! indexes and foreign keys hold as for any insert; a bad line is an error
//! that names it, and nothing of the COPY is kept.

use arbor_schema::text::parse_value;
use arbor_schema::{DataType, Value};
use sqlparser::ast;

use super::session::{RowSink, Session};
use crate::error::{Error, Result, SqlState};

/// A `COPY` statement, ready to run.
#[derive(Clone, Debug, PartialEq)]
pub struct CopyCommand {
    /// `FROM STDIN` (rows in) or `TO STDOUT` (rows out).
    pub direction: CopyDirection,
    /// The table (and columns), or for `TO`, a query.
    source: CopySource,
    /// How the rows are written.
    format: CopyFormat,
    /// Rows written after the statement in a script (up to `\.`).
    payload: Option<String>,
}

/// Which way a COPY moves rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CopyDirection {
    /// `FROM STDIN`.
    In,
    /// `TO STDOUT`.
    Out,
}

#[derive(Clone, Debug, PartialEq)]
enum CopySource {
    Table { name: String, columns: Vec<String> },
    Query(String),
}

/// The format options of a COPY.
#[derive(Clone, Debug, PartialEq)]
struct CopyFormat {
    csv: bool,
    header: bool,
    delimiter: u8,
    null: String,
    quote: u8,
    escape: u8,
}

impl CopyFormat {
    fn text() -> CopyFormat {
        CopyFormat {
            csv: false,
            header: false,
            delimiter: b'\t',
            null: "\\N".into(),
            quote: b'"',
            escape: b'"',
        }
    }

    fn csv(mut self) -> CopyFormat {
        if !self.csv {
            self.csv = true;
            self.delimiter = b',';
            self.null = String::new();
        }
        self
    }
}

fn one_byte(c: char, what: &str) -> Result<u8> {
    u8::try_from(c).ok().filter(u8::is_ascii).ok_or_else(|| {
        Error::new(
            SqlState::FeatureNotSupported,
            format!("COPY {what} must be a single one-byte character"),
        )
    })
}

/// The COPY `stmt` is, if it is one Arbor runs.
pub(crate) fn copy_command(stmt: &ast::Statement) -> Result<Option<CopyCommand>> {
    let ast::Statement::Copy {
        source,
        to,
        target,
        options,
        legacy_options,
        payload,
    } = stmt
    else {
        return Ok(None);
    };
    let direction = match (to, target) {
        (false, ast::CopyTarget::Stdin) => CopyDirection::In,
        (true, ast::CopyTarget::Stdout) => CopyDirection::Out,
        _ => {
            return Err(Error::new(
                SqlState::InsufficientPrivilege,
                "COPY to or from a file or a program is not allowed: the server never reaches outside its repositories",
            )
            .with_hint("use COPY ... FROM STDIN or TO STDOUT (psql's \\copy), or `arbor table import`/`export`"));
        }
    };
    let source = match source {
        ast::CopySource::Table {
            table_name,
            columns,
        } => CopySource::Table {
            name: super::planner::object_name(table_name)?,
            columns: columns.iter().map(super::planner::ident).collect(),
        },
        ast::CopySource::Query(q) if direction == CopyDirection::Out => {
            CopySource::Query(q.to_string())
        }
        ast::CopySource::Query(_) => {
            return Err(Error::syntax("COPY FROM takes a table, not a query"));
        }
    };
    let mut format = CopyFormat::text();
    for option in options {
        match option {
            ast::CopyOption::Format(f) if f.value.eq_ignore_ascii_case("csv") => {
                format = format.csv()
            }
            ast::CopyOption::Format(f) if f.value.eq_ignore_ascii_case("text") => {}
            ast::CopyOption::Format(f) => {
                return Err(Error::unsupported(format!("COPY format \"{}\"", f.value)));
            }
            ast::CopyOption::Header(h) => format.header = *h,
            ast::CopyOption::Delimiter(c) => format.delimiter = one_byte(*c, "delimiter")?,
            ast::CopyOption::Null(n) => format.null = n.clone(),
            ast::CopyOption::Quote(c) => format.quote = one_byte(*c, "quote")?,
            ast::CopyOption::Escape(c) => format.escape = one_byte(*c, "escape")?,
            ast::CopyOption::Encoding(e)
                if matches!(e.to_ascii_lowercase().as_str(), "utf8" | "utf-8") => {}
            other => return Err(Error::unsupported(format!("the COPY option {other}"))),
        }
    }
    for option in legacy_options {
        match option {
            ast::CopyLegacyOption::Csv(csv_options) => {
                format = format.csv();
                for o in csv_options {
                    match o {
                        ast::CopyLegacyCsvOption::Header => format.header = true,
                        ast::CopyLegacyCsvOption::Quote(c) => format.quote = one_byte(*c, "quote")?,
                        ast::CopyLegacyCsvOption::Escape(c) => {
                            format.escape = one_byte(*c, "escape")?
                        }
                        other => {
                            return Err(Error::unsupported(format!("the COPY option {other}")));
                        }
                    }
                }
            }
            ast::CopyLegacyOption::Header => format.header = true,
            ast::CopyLegacyOption::Delimiter(c) => format.delimiter = one_byte(*c, "delimiter")?,
            ast::CopyLegacyOption::Null(n) => format.null = n.clone(),
            other => return Err(Error::unsupported(format!("the COPY option {other}"))),
        }
    }
    if format.header && !format.csv {
        return Err(Error::unsupported("COPY HEADER in text format"));
    }
    Ok(Some(CopyCommand {
        direction,
        source,
        format,
        payload: payload.as_ref().map(|p| p.data.clone()),
    }))
}

impl CopyCommand {
    /// How many columns each row has, given the table's columns.
    fn columns(&self, session: &mut Session) -> Result<(String, Vec<(String, DataType)>)> {
        let CopySource::Table { name, columns } = &self.source else {
            return Err(Error::internal("a COPY of a query read as a table"));
        };
        let Some(schema) = session.table_schema(name)? else {
            return Err(Error::new(
                SqlState::UndefinedTable,
                format!("relation \"{name}\" does not exist"),
            ));
        };
        let all: Vec<(String, DataType)> = schema
            .columns
            .iter()
            .map(|c| (c.name.clone(), c.data_type.clone()))
            .collect();
        if columns.is_empty() {
            return Ok((name.clone(), all));
        }
        let mut chosen = Vec::new();
        for c in columns {
            let Some(found) = all.iter().find(|(n, _)| n == c) else {
                return Err(Error::new(
                    SqlState::UndefinedColumn,
                    format!("column \"{c}\" of relation \"{name}\" does not exist"),
                ));
            };
            chosen.push(found.clone());
        }
        Ok((name.clone(), chosen))
    }

    /// How many columns each row has.
    pub fn width(&self, session: &mut Session) -> Result<usize> {
        match &self.source {
            CopySource::Table { .. } => Ok(self.columns(session)?.1.len()),
            CopySource::Query(q) => {
                let mut prepared = session.prepare(q)?;
                Ok(session
                    .describe(&mut prepared)?
                    .columns
                    .map_or(0, |c| c.len()))
            }
        }
    }

    /// Whether the data starts with a line of column names (CSV `HEADER`).
    pub fn has_header(&self) -> bool {
        self.format.header
    }

    /// The rows a script wrote after the statement, if any.
    pub fn payload(&self) -> Option<&str> {
        self.payload.as_deref()
    }
}

/// For each field of one CSV record's raw text, whether it was quoted
/// (began with the quote character).
fn quoted_fields(raw: &str, format: &CopyFormat) -> Vec<bool> {
    let (quote, escape, delimiter) = (
        char::from(format.quote),
        char::from(format.escape),
        char::from(format.delimiter),
    );
    let mut quoted = Vec::new();
    let mut at_start = true;
    let mut in_quotes = false;
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if at_start {
            quoted.push(c == quote);
            at_start = false;
        }
        if in_quotes {
            if c == escape && escape != quote && chars.peek().is_some() {
                chars.next();
            } else if c == quote {
                in_quotes = false;
            }
        } else if c == quote {
            in_quotes = true;
        } else if c == delimiter {
            at_start = true;
        } else if c == '\n' || c == '\r' {
            break;
        }
    }
    if at_start {
        // A trailing delimiter leaves an empty, unquoted last field.
        quoted.push(false);
    }
    quoted
}

/// Rows of COPY data, each a text per column (`None`: NULL).
fn parse_rows(format: &CopyFormat, data: &[u8]) -> Result<Vec<Vec<Option<String>>>> {
    let text = std::str::from_utf8(data).map_err(|e| {
        Error::new(
            SqlState::CharacterNotInRepertoire,
            format!(
                "invalid byte sequence for encoding \"UTF8\" in COPY data at byte {}",
                e.valid_up_to()
            ),
        )
    })?;
    if format.csv {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(format.delimiter)
            .quote(format.quote)
            .escape((format.escape != format.quote).then_some(format.escape))
            .double_quote(format.escape == format.quote)
            .has_headers(format.header)
            .flexible(true)
            .from_reader(text.as_bytes());
        let mut rows = Vec::new();
        let mut records = reader.records().enumerate().peekable();
        while let Some((i, record)) = records.next() {
            let record = record.map_err(|e| {
                Error::new(
                    SqlState::BadCopyFileFormat,
                    format!("COPY line {}: {e}", i + 1),
                )
            })?;
            if record.len() == 1 && &record[0] == "\\." {
                break;
            }
            // Only an unquoted field that reads as the NULL string is NULL:
            // `""` is the empty string. The reader drops the quotes, so
            // the record's raw text tells which fields had them.
            let quoted = if record.iter().any(|f| f == format.null) {
                let start = record.position().map_or(0, |p| p.byte() as usize);
                let end = match records.peek() {
                    Some((_, Ok(next))) => {
                        next.position().map_or(text.len(), |p| p.byte() as usize)
                    }
                    _ => text.len(),
                };
                quoted_fields(text.get(start..end).unwrap_or(""), format)
            } else {
                Vec::new()
            };
            rows.push(
                record
                    .iter()
                    .enumerate()
                    .map(|(k, f)| {
                        let null = f == format.null && !quoted.get(k).copied().unwrap_or(false);
                        (!null).then(|| f.to_owned())
                    })
                    .collect(),
            );
        }
        return Ok(rows);
    }
    let mut rows = Vec::new();
    let body = text.strip_suffix('\n').unwrap_or(text);
    if body.is_empty() {
        return Ok(rows);
    }
    for line in body.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line == "\\." {
            break;
        }
        rows.push(
            split_text_line(line, format.delimiter as char)
                .into_iter()
                .map(|field| (field != format.null).then(|| unescape(&field)))
                .collect(),
        );
    }
    Ok(rows)
}

/// A text-format line's fields, still escaped (a backslash before the
/// delimiter keeps it in the field).
fn split_text_line(line: &str, delimiter: char) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            field.push(c);
            if let Some(next) = chars.next() {
                field.push(next);
            }
        } else if c == delimiter {
            fields.push(std::mem::take(&mut field));
        } else {
            field.push(c);
        }
    }
    fields.push(field);
    fields
}

/// A text-format field's value: PostgreSQL's backslash escapes read.
fn unescape(field: &str) -> String {
    let mut out = String::with_capacity(field.len());
    let mut chars = field.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('v') => out.push('\u{b}'),
            Some('x') => {
                let mut value = 0u32;
                let mut digits = 0;
                while digits < 2 {
                    match chars.peek().and_then(|d| d.to_digit(16)) {
                        Some(d) => {
                            value = value * 16 + d;
                            chars.next();
                            digits += 1;
                        }
                        None => break,
                    }
                }
                if digits == 0 {
                    out.push('x');
                } else if let Some(ch) = char::from_u32(value) {
                    out.push(ch);
                }
            }
            Some(d @ '0'..='7') => {
                let mut value = d.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match chars.peek().and_then(|d| d.to_digit(8)) {
                        Some(d) => {
                            value = value * 8 + d;
                            chars.next();
                        }
                        None => break,
                    }
                }
                if let Some(ch) = char::from_u32(value) {
                    out.push(ch);
                }
            }
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// `v` as a field of COPY's text format.
fn text_field(v: &Value, format: &CopyFormat) -> String {
    if v.is_null() {
        return format.null.clone();
    }
    let mut out = String::new();
    for c in v.to_string().chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == format.delimiter as char => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// `text` as a field of COPY's CSV format: quoted when it holds the
/// delimiter, the quote, a line break, or reads as NULL.
fn csv_field(text: &str, format: &CopyFormat) -> String {
    let quote = format.quote as char;
    let needs = text.is_empty()
        || text == format.null
        || text.contains([format.delimiter as char, quote, '\n', '\r'])
        || text.starts_with("\\.");
    if !needs {
        return text.to_owned();
    }
    let escape = format.escape as char;
    let mut out = String::from(quote);
    for c in text.chars() {
        if c == quote || (c == escape && escape != quote) {
            out.push(escape);
        }
        out.push(c);
    }
    out.push(quote);
    out
}

/// One row as a line of COPY output.
fn line(row: &[Value], format: &CopyFormat) -> Vec<u8> {
    let delimiter = (format.delimiter as char).to_string();
    let fields: Vec<String> = row
        .iter()
        .map(|v| match (format.csv, v) {
            (true, Value::Null) => format.null.clone(),
            (true, v) => csv_field(&v.to_string(), format),
            (false, v) => text_field(v, format),
        })
        .collect();
    let mut out = fields.join(&delimiter).into_bytes();
    out.push(b'\n');
    out
}

impl Session {
    /// The COPY that `sql` is, if it is one statement of COPY.
    pub fn copy_command(&mut self, sql: &str) -> Result<Option<CopyCommand>> {
        let statements = super::parser::parse(sql)?;
        match statements.as_slice() {
            [one] => copy_command(one),
            _ => Ok(None),
        }
    }

    /// Runs `copy` (FROM STDIN) on `data`: every row, in one transaction
    /// (the open one, if any). Returns the number of rows.
    pub fn copy_in(&mut self, copy: &CopyCommand, data: &[u8]) -> Result<u64> {
        let (table, columns) = copy.columns(self)?;
        let rows = parse_rows(&copy.format, data)?;
        let names: Vec<String> = columns
            .iter()
            .map(|(n, _)| arbor_schema::sql_text::quote_identifier(n))
            .collect();
        let head = format!(
            "INSERT INTO {} ({}) VALUES ",
            arbor_schema::sql_text::quote_identifier(&table),
            names.join(", ")
        );
        let mut script = String::new();
        for (chunk_start, chunk) in rows.chunks(COPY_BATCH).enumerate() {
            script.push_str(&head);
            for (k, row) in chunk.iter().enumerate() {
                let line = chunk_start * COPY_BATCH + k + 1 + usize::from(copy.format.header);
                if row.len() != columns.len() {
                    let what = if row.len() < columns.len() {
                        format!("missing data for column \"{}\"", columns[row.len()].0)
                    } else {
                        "extra data after last expected column".to_owned()
                    };
                    return Err(Error::new(SqlState::BadCopyFileFormat, what)
                        .with_detail(format!("COPY {table}, line {line}")));
                }
                let mut values = Vec::with_capacity(row.len());
                for (field, (column, t)) in row.iter().zip(&columns) {
                    let value = match field {
                        None => Value::Null,
                        Some(text) => parse_value(text, t).map_err(|e| {
                            Error::from(e).with_detail(format!(
                                "COPY {table}, line {line}, column {column}: \"{text}\""
                            ))
                        })?,
                    };
                    values.push(value.sql_literal());
                }
                if k > 0 {
                    script.push_str(", ");
                }
                script.push('(');
                script.push_str(&values.join(", "));
                script.push(')');
            }
            script.push_str(";\n");
        }
        if script.is_empty() {
            return Ok(0);
        }
        let statements = super::parser::parse(&script)?;
        self.in_one_transaction(|session| {
            for statement in &statements {
                session.execute_one(statement)?;
            }
            Ok(())
        })?;
        Ok(rows.len() as u64)
    }

    /// Runs `copy` (TO STDOUT), handing `out` each line. Returns the
    /// number of rows.
    pub fn copy_out(
        &mut self,
        copy: &CopyCommand,
        out: &mut dyn FnMut(Vec<u8>) -> Result<()>,
    ) -> Result<u64> {
        let query = match &copy.source {
            CopySource::Query(q) => q.clone(),
            CopySource::Table { .. } => {
                let (table, columns) = copy.columns(self)?;
                let names: Vec<String> = columns
                    .iter()
                    .map(|(n, _)| arbor_schema::sql_text::quote_identifier(n))
                    .collect();
                format!(
                    "SELECT {} FROM {}",
                    names.join(", "),
                    arbor_schema::sql_text::quote_identifier(&table)
                )
            }
        };
        struct Lines<'a> {
            format: &'a CopyFormat,
            out: &'a mut dyn FnMut(Vec<u8>) -> Result<()>,
            rows: u64,
        }
        impl RowSink for Lines<'_> {
            fn columns(&mut self, columns: &[String]) -> Result<()> {
                if self.format.header {
                    let names: Vec<Value> =
                        columns.iter().map(|c| Value::Text(c.clone())).collect();
                    (self.out)(line(&names, self.format))?;
                }
                Ok(())
            }
            fn row(&mut self, row: Vec<Value>) -> Result<()> {
                self.rows += 1;
                (self.out)(line(&row, self.format))
            }
        }
        let mut sink = Lines {
            format: &copy.format,
            out,
            rows: 0,
        };
        self.query_each(&query, &mut sink)?;
        Ok(sink.rows)
    }
}

/// Rows per INSERT statement a COPY is loaded by.
const COPY_BATCH: usize = 1000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_fields_round_trip_through_escapes() {
        let format = CopyFormat::text();
        for text in ["plain", "tab\there", "new\nline", "back\\slash", "", "\\N"] {
            let v = Value::Text(text.into());
            let field = text_field(&v, &format);
            assert!(!field.contains(['\t', '\n']), "{field:?}");
            let fields = split_text_line(&field, '\t');
            assert_eq!(fields.len(), 1);
            assert_eq!(unescape(&fields[0]), text);
        }
        assert_eq!(text_field(&Value::Null, &format), "\\N");
        assert_eq!(unescape("\\x41\\101\\\\"), "AA\\");
    }

    #[test]
    fn rows_parse_in_both_formats() {
        let text = parse_rows(&CopyFormat::text(), b"1\ta\\tb\t\\N\n2\t\t\\N\n\\.\n").unwrap();
        assert_eq!(
            text,
            vec![
                vec![Some("1".into()), Some("a\tb".into()), None],
                vec![Some("2".into()), Some(String::new()), None],
            ]
        );
        let mut csv = CopyFormat::text().csv();
        csv.header = true;
        let rows = parse_rows(&csv, b"id,name\n1,\"a,b\"\n2,\n").unwrap();
        assert_eq!(
            rows,
            vec![
                vec![Some("1".into()), Some("a,b".into())],
                vec![Some("2".into()), None],
            ]
        );
        assert_eq!(
            line(
                &[
                    Value::Integer(1),
                    Value::Text("a,\"b\"".into()),
                    Value::Null,
                    Value::Text(String::new())
                ],
                &csv
            ),
            b"1,\"a,\"\"b\"\"\",,\"\"\n"
        );
    }
}
