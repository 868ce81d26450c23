//! Running parsed records against a database and counting the outcome.

use md5::{Digest, Md5};

use super::parser::{Record, RecordKind, SortMode};

/// A database under test.
pub trait Database {
    /// Runs one statement or query. `Ok(None)` for statements, rows for queries.
    fn run(&mut self, sql: &str) -> Result<Option<QueryOutput>, String>;
}

/// Rows as the database returned them.
pub type QueryOutput = Vec<Vec<arbor_schema::Value>>;

/// The outcome of one file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileReport {
    /// Records that passed.
    pub passed: usize,
    /// Records that failed.
    pub failed: usize,
    /// Records skipped by their conditions.
    pub skipped: usize,
    /// For each failure: line, SQL, expected, got.
    pub failures: Vec<String>,
}

/// Formats a value by its column's type letter, as the corpus expects.
pub fn format_value(v: &arbor_schema::Value, letter: char) -> String {
    use arbor_schema::Value;
    if v.is_null() {
        return "NULL".into();
    }
    match letter {
        'I' => match v {
            Value::Boolean(b) => i64::from(*b).to_string(),
            Value::Real(_) | Value::Double(_) | Value::Numeric(_) => {
                let f = v.as_f64().unwrap_or(0.0);
                format!("{}", f.trunc() as i64)
            }
            Value::Text(s) => s
                .trim()
                .parse::<f64>()
                .map_or_else(|_| "0".into(), |f| format!("{}", f.trunc() as i64)),
            other => other
                .as_i64()
                .map_or_else(|| other.to_string(), |i| i.to_string()),
        },
        'R' => match v.as_f64() {
            Some(f) => format!("{f:.3}"),
            None => match v {
                Value::Text(s) => format!("{:.3}", s.trim().parse::<f64>().unwrap_or(0.0)),
                Value::Boolean(b) => format!("{:.3}", f64::from(u8::from(*b))),
                other => other.to_string(),
            },
        },
        _ => {
            let s = match v {
                Value::Boolean(b) => i64::from(*b).to_string(),
                other => other.to_string(),
            };
            if s.is_empty() {
                "(empty)".into()
            } else {
                s.chars()
                    .map(|c| if (' '..='~').contains(&c) { c } else { '@' })
                    .collect()
            }
        }
    }
}

/// Runs `records` against `db`, for an engine answering to `names`.
pub fn run_file(records: &[Record], db: &mut dyn Database, names: &[&str]) -> FileReport {
    let mut report = FileReport::default();
    for record in records {
        if !record.applies_to(names) {
            if !matches!(record.kind, RecordKind::HashThreshold(_) | RecordKind::Halt) {
                report.skipped += 1;
            }
            continue;
        }
        match &record.kind {
            // Files give a hash where their results were hashed, so the
            // threshold itself changes nothing here.
            RecordKind::HashThreshold(_) => {}
            RecordKind::Halt => break,
            RecordKind::Statement {
                expect_error,
                error_contains,
            } => match (db.run(&record.sql), expect_error) {
                (Ok(_), false) => report.passed += 1,
                (Err(e), true) => match error_contains {
                    Some(text) if !e.contains(text.as_str()) => fail(
                        &mut report,
                        record,
                        &format!("an error with \"{text}\""),
                        &e,
                    ),
                    _ => report.passed += 1,
                },
                (Ok(_), true) => fail(&mut report, record, "an error", "success"),
                (Err(e), false) => fail(&mut report, record, "success", &e),
            },
            RecordKind::Query {
                types,
                sort,
                expected,
            } => match db.run(&record.sql) {
                Err(e) => fail(
                    &mut report,
                    record,
                    &expected.join(" "),
                    &format!("error: {e}"),
                ),
                Ok(rows) => {
                    let rows = rows.unwrap_or_default();
                    let letters: Vec<char> = types.chars().collect();
                    if rows.first().is_some_and(|r| r.len() != letters.len()) {
                        fail(
                            &mut report,
                            record,
                            &format!("{} columns", letters.len()),
                            &format!("{} columns", rows[0].len()),
                        );
                        continue;
                    }
                    let mut formatted: Vec<Vec<String>> = rows
                        .iter()
                        .map(|r| {
                            r.iter()
                                .zip(&letters)
                                .map(|(v, l)| format_value(v, *l))
                                .collect()
                        })
                        .collect();
                    let mut values: Vec<String> = match sort {
                        SortMode::NoSort => formatted.concat(),
                        SortMode::RowSort => {
                            formatted.sort();
                            formatted.concat()
                        }
                        SortMode::ValueSort => {
                            let mut v = formatted.concat();
                            v.sort();
                            v
                        }
                    };
                    let hashed = expected.len() == 1 && expected[0].contains(" values hashing to ");
                    // A large result is compared by its hash when the file
                    // gives a hash; values written out are compared as they are.
                    let got = if hashed {
                        let mut h = Md5::new();
                        for v in &values {
                            h.update(v.as_bytes());
                            h.update(b"\n");
                        }
                        let digest: String =
                            h.finalize().iter().map(|b| format!("{b:02x}")).collect();
                        vec![format!("{} values hashing to {digest}", values.len())]
                    } else {
                        std::mem::take(&mut values)
                    };
                    // Expected values may be written several to a line.
                    let want: Vec<String> = if hashed {
                        expected.clone()
                    } else {
                        expected
                            .iter()
                            .flat_map(|l| {
                                l.split_whitespace().map(str::to_owned).collect::<Vec<_>>()
                            })
                            .collect()
                    };
                    let got_split: Vec<String> =
                        if hashed || got.len() == 1 && got[0].contains(" values hashing to ") {
                            got.clone()
                        } else {
                            got.iter()
                                .flat_map(|v| {
                                    v.split_whitespace().map(str::to_owned).collect::<Vec<_>>()
                                })
                                .collect()
                        };
                    if want == got_split {
                        report.passed += 1;
                    } else {
                        fail(&mut report, record, &expected.join("\n"), &got.join("\n"));
                    }
                }
            },
        }
    }
    report
}

fn fail(report: &mut FileReport, record: &Record, expected: &str, got: &str) {
    report.failed += 1;
    report.failures.push(format!(
        "line {}:\n  sql: {}\n  expected: {}\n  got: {}",
        record.line, record.sql, expected, got
    ));
}
