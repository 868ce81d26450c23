//! Golden scripts: SQL run through a session, each statement followed in
//! the file by the output it must give.
//!
//! The idea, after toydb's goldenscripts: a test is a readable file that
//! holds its own expectations, and when the output changes on purpose the
//! files are rewritten by running the tests once with `UPDATE_GOLDEN=1`
//! (then `git diff` shows exactly what changed, for review).
//!
//! The format, one line at a time:
//!
//! ```text
//! -- A comment: kept as it is.
//! > CREATE TABLE t (id int PRIMARY KEY, v text)
//! > EXPLAIN SELECT * FROM t WHERE v = 'x'
//! Filter (#1 = x)
//!   -> Scan on t
//! ```
//!
//! - `> SQL` is a statement (one line; several `;`-separated statements are
//!   allowed), run in one session on a fresh in-memory database, in order.
//! - The lines after it, up to the next blank line, comment or statement,
//!   are its expected output: an EXPLAIN's plan text, a query's rows (the
//!   values joined by `, `), or `Error: message`. A command (CREATE,
//!   INSERT, ...) gives no output, so setup statements stand alone.
//! - Blank lines and `--` comments separate and explain; they are kept
//!   verbatim when the file is rewritten.
//!
//! A mismatch fails with the file and line of the statement, and a line
//! diff of the expected and the actual output.

use std::fmt::Write as _;
use std::path::Path;

use arbor_engine::{Clock, Database, Environment, Identity, Session, StatementResult, Timestamp};

/// The environment variable that makes [`check_script`] rewrite the
/// expected outputs in place instead of comparing them.
pub const UPDATE_VARIABLE: &str = "UPDATE_GOLDEN";

/// One line of a script, or one statement with its expected output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScriptItem {
    /// A blank line or a `--` comment, kept verbatim.
    Verbatim(String),
    /// A `> SQL` line and the output lines after it.
    Statement {
        /// The 1-based line of the `>` in the file.
        line: usize,
        /// The SQL after `> `.
        sql: String,
        /// The expected output lines.
        expected: Vec<String>,
    },
}

/// Splits a script's text into its items.
pub fn parse_script(text: &str) -> Result<Vec<ScriptItem>, String> {
    let mut items = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        if raw.trim().is_empty() || raw.starts_with("--") {
            items.push(ScriptItem::Verbatim(raw.to_owned()));
        } else if let Some(sql) = raw.strip_prefix('>') {
            items.push(ScriptItem::Statement {
                line,
                sql: sql.trim().to_owned(),
                expected: Vec::new(),
            });
        } else {
            match items.last_mut() {
                Some(ScriptItem::Statement { expected, .. }) => expected.push(raw.to_owned()),
                _ => {
                    return Err(format!(
                        "line {line}: output without a `> SQL` statement before it: {raw}"
                    ));
                }
            }
        }
    }
    Ok(items)
}

/// The script's text with every statement followed by `outputs` (one per
/// statement, in order) instead of its expected output.
pub fn render_script(items: &[ScriptItem], outputs: &[Vec<String>]) -> String {
    let mut text = String::new();
    let mut outputs = outputs.iter();
    for item in items {
        match item {
            ScriptItem::Verbatim(raw) => {
                text.push_str(raw);
                text.push('\n');
            }
            ScriptItem::Statement { sql, .. } => {
                text.push_str("> ");
                text.push_str(sql);
                text.push('\n');
                for output_line in outputs.next().into_iter().flatten() {
                    text.push_str(output_line);
                    text.push('\n');
                }
            }
        }
    }
    text
}

/// The output lines of running `sql` in `session`, as a script shows them.
pub fn statement_output(session: &mut Session, sql: &str) -> Vec<String> {
    let results = match session.execute(sql) {
        Ok(results) => results,
        Err(e) => return vec![format!("Error: {e}")],
    };
    let mut lines = Vec::new();
    for result in results {
        match result {
            StatementResult::Explain(plan) => lines.extend(plan.lines().map(str::to_owned)),
            StatementResult::Rows { rows, .. } => lines.extend(rows.iter().map(|row| {
                row.iter()
                    .map(|v| v.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            })),
            StatementResult::Command { .. } => {}
        }
    }
    lines
}

/// A line diff of `expected` and `actual`: shared lines indented, removed
/// ones marked `-`, added ones `+` (a longest-common-subsequence diff).
pub fn line_diff(expected: &[String], actual: &[String]) -> String {
    let (n, m) = (expected.len(), actual.len());
    // common[i][j]: the longest common subsequence of expected[i..] and actual[j..].
    let mut common = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            common[i][j] = if expected[i] == actual[j] {
                common[i + 1][j + 1] + 1
            } else {
                common[i + 1][j].max(common[i][j + 1])
            };
        }
    }
    let mut diff = String::new();
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && expected[i] == actual[j] {
            let _ = writeln!(diff, "    {}", expected[i]);
            i += 1;
            j += 1;
        } else if i < n && (j == m || common[i + 1][j] >= common[i][j + 1]) {
            let _ = writeln!(diff, "  - {}", expected[i]);
            i += 1;
        } else {
            let _ = writeln!(diff, "  + {}", actual[j]);
            j += 1;
        }
    }
    diff
}

/// Whether `UPDATE_GOLDEN` asks for the files to be rewritten.
pub fn update_requested() -> bool {
    std::env::var(UPDATE_VARIABLE).is_ok_and(|v| !v.is_empty() && v != "0")
}

/// The environment scripts run in: a fixed author and clock, so that the
/// commits a script makes (and their hashes) are the same on every run.
fn environment() -> Environment {
    Environment {
        author: Some(Identity::new("Ann Lee", "ann@example.com")),
        clock: Clock::Fixed(Timestamp {
            seconds: 1_700_000_000,
            offset_minutes: 0,
        }),
        ..Environment::default()
    }
}

/// Runs the script in `path` in a fresh in-memory database and compares
/// each statement's output with the expected one. With `UPDATE_GOLDEN=1`
/// it rewrites the file with the actual outputs instead (and succeeds).
/// The error lists every mismatch with its file, line and diff.
pub fn check_script(path: &Path) -> Result<(), String> {
    let name = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| format!("{name}: cannot read: {e}"))?;
    let items = parse_script(&text).map_err(|e| format!("{name}: {e}"))?;
    let database = Database::in_memory("main", environment())
        .map_err(|e| format!("{name}: cannot open a database: {e}"))?;
    let mut session = database
        .branch("main")
        .and_then(|branch| branch.session())
        .map_err(|e| format!("{name}: cannot open a session: {e}"))?;
    let mut outputs = Vec::new();
    let mut mismatches = Vec::new();
    for item in &items {
        let ScriptItem::Statement {
            line,
            sql,
            expected,
        } = item
        else {
            continue;
        };
        let actual = statement_output(&mut session, sql);
        if actual != *expected {
            mismatches.push(format!(
                "{name}:{line}: the output of `{sql}` differs (- expected, + actual):\n{}",
                line_diff(expected, &actual)
            ));
        }
        outputs.push(actual);
    }
    if update_requested() {
        let updated = render_script(&items, &outputs);
        if updated != text {
            std::fs::write(path, updated).map_err(|e| format!("{name}: cannot write: {e}"))?;
        }
        return Ok(());
    }
    if mismatches.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} statement(s) gave other output than expected:\n\n{}\n\
             If the new output is right, accept it with {UPDATE_VARIABLE}=1 and review the git diff.",
            mismatches.len(),
            mismatches.join("\n")
        ))
    }
}

/// The files in `folder` ending in `.extension` whose stem is not in
/// `listed`, in name order: a guard that every file there has its test.
pub fn unlisted_files(folder: &Path, extension: &str, listed: &[&str]) -> Vec<String> {
    let mut unlisted: Vec<String> = std::fs::read_dir(folder)
        .into_iter()
        .flatten()
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|e| e == extension))
        .filter(|path| {
            path.file_stem()
                .and_then(|stem| stem.to_str())
                .is_none_or(|stem| !listed.contains(&stem))
        })
        .map(|path| path.display().to_string())
        .collect();
    unlisted.sort();
    unlisted
}
