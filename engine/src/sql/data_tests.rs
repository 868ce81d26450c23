//! Data tests stored with the data, as Dolt's `dolt_tests`: the table
//! `arbor_tests` holds one test per row, and it versions, diffs and
//! merges like any table, so a branch carries the checks its data must
//! pass.
//!
//! ```text
//! arbor_tests (test_name text PRIMARY KEY, test_group text, query text,
//!              assertion text, comparison text, value text)
//! ```
//!
//! A test runs its query (read-only) and compares one number or value of
//! the result with `value`, by `comparison` (`==`, `!=`, `<`, `<=`, `>`,
//! `>=`):
//! - `expected_rows`: the number of rows;
//! - `expected_columns`: the number of columns;
//! - `expected_single_value`: the one value of a one-row, one-column
//!   result (as numbers when both read as numbers, else as text; a NULL
//!   equals only a NULL `value`).
//!
//! The table is made on the first INSERT into it (or by `CREATE TABLE
//! arbor_tests`, the one name with the reserved prefix a user may create).

use std::cmp::Ordering;

use arbor_merkle::Address;
use arbor_schema::Value;
use rust_decimal::Decimal;

use super::session::{Session, StatementResult};
use crate::error::{Error, Result, SqlState};
use crate::repo::Repository;

/// The table the tests live in.
pub const TESTS_TABLE: &str = "arbor_tests";

/// The statement that makes it.
pub const CREATE_TESTS_TABLE: &str = "CREATE TABLE arbor_tests (\
     test_name text PRIMARY KEY, test_group text, query text NOT NULL, \
     assertion text NOT NULL, comparison text NOT NULL, value text)";

/// How a test ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestOutcome {
    /// The test's name.
    pub name: String,
    /// Its group, if any.
    pub group: Option<String>,
    /// Its query.
    pub query: String,
    /// Whether it passed.
    pub passed: bool,
    /// Why it failed (empty when it passed).
    pub message: String,
}

/// Runs the tests of `branch` (its working set, or commit `at`) whose name
/// or group is in `select` (all of them when `select` is empty), in name
/// order. No `arbor_tests` table: no tests.
pub fn run(
    repo: &Repository,
    branch: &str,
    at: Option<Address>,
    select: &[String],
) -> Result<Vec<TestOutcome>> {
    let mut session = match at {
        Some(commit) => Session::open_at(repo.clone(), branch, commit)?,
        None => {
            let mut session = Session::open(repo.clone(), branch)?;
            session.set_read_only(true);
            session
        }
    };
    if session.table_schema(TESTS_TABLE)?.is_none() {
        return Ok(Vec::new());
    }
    let rows = match session
        .execute(
            "SELECT test_name, test_group, query, assertion, comparison, value \
             FROM arbor_tests ORDER BY test_name",
        )?
        .pop()
    {
        Some(StatementResult::Rows { rows, .. }) => rows,
        _ => return Err(Error::internal("the tests' query returned no rows")),
    };
    let text = |v: &Value| match v {
        Value::Null => None,
        Value::Text(s) => Some(s.clone()),
        other => Some(other.to_string()),
    };
    let mut outcomes = Vec::new();
    for row in rows {
        let [name, group, query, assertion, comparison, value] = &row[..] else {
            return Err(Error::internal("a test row without its six columns"));
        };
        let name = text(name).unwrap_or_default();
        let group = text(group);
        if !select.is_empty()
            && !select.contains(&name)
            && !group.as_ref().is_some_and(|g| select.contains(g))
        {
            continue;
        }
        let query = text(query).unwrap_or_default();
        let verdict = check(
            &mut session,
            &query,
            &text(assertion).unwrap_or_default(),
            &text(comparison).unwrap_or_default(),
            text(value).as_deref(),
        );
        // A failed query leaves the (read-only) session in a failed
        // transaction only inside one; tests run outside any.
        outcomes.push(TestOutcome {
            name,
            group,
            query,
            passed: verdict.is_ok(),
            message: verdict.err().unwrap_or_default(),
        });
    }
    if let Some(missing) = select.iter().find(|s| {
        !outcomes
            .iter()
            .any(|o| &o.name == *s || o.group.as_ref() == Some(*s))
    }) {
        return Err(Error::new(
            SqlState::UndefinedObject,
            format!("no test or group of tests is named \"{missing}\""),
        )
        .with_hint("list them with SELECT test_name, test_group FROM arbor_tests"));
    }
    Ok(outcomes)
}

/// Runs one test: `Ok` when it passes, else why not.
fn check(
    session: &mut Session,
    query: &str,
    assertion: &str,
    comparison: &str,
    expected: Option<&str>,
) -> std::result::Result<(), String> {
    let compare = Comparison::parse(comparison)?;
    let (columns, rows) = match session.execute(query) {
        Ok(mut results) => match results.pop() {
            Some(StatementResult::Rows { columns, rows, .. }) => (columns.len(), rows),
            _ => return Err("the query returned no rows (is it a SELECT?)".to_owned()),
        },
        Err(e) => return Err(format!("the query failed: {}", e.message)),
    };
    let count = |what: &str, got: usize| {
        let want: usize = expected
            .and_then(|v| v.trim().parse().ok())
            .ok_or_else(|| format!("{assertion} needs a whole number as its value"))?;
        if compare.holds(got.cmp(&want)) {
            Ok(())
        } else {
            Err(format!(
                "expected {what} {} {want}, got {got}",
                compare.symbol()
            ))
        }
    };
    match assertion {
        "expected_rows" => count("rows", rows.len()),
        "expected_columns" => count("columns", columns),
        "expected_single_value" => {
            let [row] = &rows[..] else {
                return Err(format!("expected a single value, got {} rows", rows.len()));
            };
            let [got] = &row[..] else {
                return Err(format!(
                    "expected a single value, got {} columns",
                    row.len()
                ));
            };
            let holds = match (got, expected) {
                (Value::Null, None) => compare.holds(Ordering::Equal),
                // NULL against a value: only "differs" holds.
                (Value::Null, Some(_)) | (_, None) => compare == Comparison::Ne,
                (got, Some(want)) => compare.holds(order_of(got, want)),
            };
            if holds {
                Ok(())
            } else {
                Err(format!(
                    "expected {} {}, got {}",
                    compare.symbol(),
                    expected.unwrap_or("NULL"),
                    shown(got)
                ))
            }
        }
        other => Err(format!(
            "unknown assertion '{other}' (expected_rows, expected_columns or expected_single_value)"
        )),
    }
}

fn shown(v: &Value) -> String {
    match v {
        Value::Null => "NULL".to_owned(),
        other => other.to_string(),
    }
}

/// How a result value orders against the expected text: as numbers when
/// both read as numbers, else as text.
fn order_of(got: &Value, want: &str) -> Ordering {
    let got_text = got.to_string();
    match (
        got_text.trim().parse::<Decimal>(),
        want.trim().parse::<Decimal>(),
    ) {
        (Ok(a), Ok(b)) => a.cmp(&b),
        _ => got_text.as_str().cmp(want),
    }
}

/// A test's comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Comparison {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Comparison {
    fn parse(text: &str) -> std::result::Result<Comparison, String> {
        Ok(match text.trim() {
            "==" | "=" => Comparison::Eq,
            "!=" | "<>" => Comparison::Ne,
            "<" => Comparison::Lt,
            "<=" => Comparison::Le,
            ">" => Comparison::Gt,
            ">=" => Comparison::Ge,
            other => {
                return Err(format!(
                    "unknown comparison '{other}' (==, !=, <, <=, > or >=)"
                ));
            }
        })
    }

    fn symbol(self) -> &'static str {
        match self {
            Comparison::Eq => "==",
            Comparison::Ne => "!=",
            Comparison::Lt => "<",
            Comparison::Le => "<=",
            Comparison::Gt => ">",
            Comparison::Ge => ">=",
        }
    }

    /// Whether the result, ordered against the expected value as `order`,
    /// passes.
    fn holds(self, order: Ordering) -> bool {
        match self {
            Comparison::Eq => order == Ordering::Equal,
            Comparison::Ne => order != Ordering::Equal,
            Comparison::Lt => order == Ordering::Less,
            Comparison::Le => order != Ordering::Greater,
            Comparison::Gt => order == Ordering::Greater,
            Comparison::Ge => order != Ordering::Less,
        }
    }
}
