//! Parsing sqllogictest files into records.

/// How a query's results are ordered before comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortMode {
    /// As returned.
    NoSort,
    /// Rows sorted as strings.
    RowSort,
    /// All values sorted as strings.
    ValueSort,
}

/// What a record asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecordKind {
    /// A statement that must succeed (`ok`) or fail (`error`).
    Statement {
        /// Whether an error is expected.
        expect_error: bool,
        /// Text the error message must contain (`statement error <text>`).
        error_contains: Option<String>,
    },
    /// A query with expected results.
    Query {
        /// One type letter per column.
        types: String,
        /// Ordering before comparison.
        sort: SortMode,
        /// Expected values, or `N values hashing to H` as one line.
        expected: Vec<String>,
    },
    /// `hash-threshold N`.
    HashThreshold(usize),
    /// `halt`: stop the file here.
    Halt,
}

/// One record with its conditions and where it starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// 1-based line of the record's first line.
    pub line: usize,
    /// `(only, engine)` conditions: `onlyif engine` when `only`, else `skipif engine`.
    pub conditions: Vec<(bool, String)>,
    /// What to do.
    pub kind: RecordKind,
    /// The SQL (empty for controls).
    pub sql: String,
}

impl Record {
    /// Whether the record runs for an engine answering to `names`.
    pub fn applies_to(&self, names: &[&str]) -> bool {
        self.conditions
            .iter()
            .all(|(only, engine)| names.contains(&engine.as_str()) == *only)
    }
}

/// Parses a test file. Unknown lines are reported as errors with their line number.
pub fn parse(text: &str) -> Result<Vec<Record>, String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut records = Vec::new();
    let mut i = 0;
    let mut conditions = Vec::new();
    while i < lines.len() {
        let raw = lines[i];
        let line = raw.split(" #").next().unwrap_or(raw).trim_end();
        let words: Vec<&str> = line.split_whitespace().collect();
        let start = i + 1;
        i += 1;
        match words.as_slice() {
            [] => continue,
            [w, ..] if w.starts_with('#') => continue,
            ["skipif", engine, ..] => conditions.push((false, engine.to_string())),
            ["onlyif", engine, ..] => conditions.push((true, engine.to_string())),
            ["hash-threshold", n] => {
                let n = n
                    .parse()
                    .map_err(|_| format!("line {start}: bad hash-threshold"))?;
                records.push(Record {
                    line: start,
                    conditions: std::mem::take(&mut conditions),
                    kind: RecordKind::HashThreshold(n),
                    sql: String::new(),
                });
            }
            ["halt"] => records.push(Record {
                line: start,
                conditions: std::mem::take(&mut conditions),
                kind: RecordKind::Halt,
                sql: String::new(),
            }),
            ["statement", outcome, rest @ ..] => {
                let error_contains = (!rest.is_empty()).then(|| rest.join(" "));
                let expect_error = match *outcome {
                    "ok" => false,
                    "error" => true,
                    other => {
                        return Err(format!("line {start}: unknown statement outcome '{other}'"));
                    }
                };
                let mut sql = Vec::new();
                while i < lines.len() && !lines[i].trim().is_empty() {
                    sql.push(lines[i]);
                    i += 1;
                }
                records.push(Record {
                    line: start,
                    conditions: std::mem::take(&mut conditions),
                    kind: RecordKind::Statement {
                        expect_error,
                        error_contains: error_contains.filter(|_| expect_error),
                    },
                    sql: sql.join("\n"),
                });
            }
            ["query", types, rest @ ..] => {
                let sort = match rest.first() {
                    Some(&"rowsort") => SortMode::RowSort,
                    Some(&"valuesort") => SortMode::ValueSort,
                    _ => SortMode::NoSort,
                };
                let mut sql = Vec::new();
                while i < lines.len() && lines[i].trim() != "----" && !lines[i].trim().is_empty() {
                    sql.push(lines[i]);
                    i += 1;
                }
                let mut expected = Vec::new();
                if i < lines.len() && lines[i].trim() == "----" {
                    i += 1;
                    while i < lines.len() && !lines[i].trim().is_empty() {
                        expected.push(lines[i].trim_end().to_owned());
                        i += 1;
                    }
                }
                records.push(Record {
                    line: start,
                    conditions: std::mem::take(&mut conditions),
                    kind: RecordKind::Query {
                        types: types.to_string(),
                        sort,
                        expected,
                    },
                    sql: sql.join("\n"),
                });
            }
            _ => return Err(format!("line {start}: cannot parse '{raw}'")),
        }
    }
    Ok(records)
}
