//! Data tests stored with the data (`arbor_tests`): made on the first
//! INSERT, versioned like any table, run against the working set or a
//! revision, each assertion and comparison, and the table function
//! `arbor_test_run`.

#![allow(clippy::unwrap_used)]

mod common;

use arbor_engine::{SqlState, TableChange, TestOutcome};
use common::{Repo, changes};

fn run(repo: &Repo, at: Option<&str>, select: &[&str]) -> Vec<TestOutcome> {
    let select: Vec<String> = select.iter().map(|s| (*s).to_owned()).collect();
    let at = at.map(|r| repo.hash(r));
    repo.on().data_tests(at, &select).unwrap()
}

/// Each test's name and, failed, its message.
fn verdicts(outcomes: &[TestOutcome]) -> Vec<String> {
    outcomes
        .iter()
        .map(|o| {
            if o.passed {
                format!("{}: pass", o.name)
            } else {
                format!("{}: {}", o.name, o.message)
            }
        })
        .collect()
}

#[test]
fn tests_are_rows_that_version_and_run() {
    let repo = Repo::with_fruit();
    assert!(run(&repo, None, &[]).is_empty(), "no table, no tests");
    // The first INSERT makes the table; it is a table like any other.
    repo.sql(
        "INSERT INTO arbor_tests VALUES \
         ('rows', 'shape', 'SELECT * FROM fruit', 'expected_rows', '==', '2'), \
         ('cols', 'shape', 'SELECT * FROM fruit', 'expected_columns', '=', '3'), \
         ('cheap', 'prices', 'SELECT min(price) FROM fruit', 'expected_single_value', '<', '80'), \
         ('named', NULL, 'SELECT name FROM fruit WHERE id = 1', 'expected_single_value', '==', 'apple'), \
         ('nulls', NULL, 'SELECT NULL', 'expected_single_value', '==', NULL), \
         ('not_null', NULL, 'SELECT 1', 'expected_single_value', '!=', NULL)",
    );
    assert_eq!(
        repo.status().untracked,
        ["arbor_tests"],
        "a new table, untracked until added"
    );
    assert_eq!(
        verdicts(&run(&repo, None, &[])),
        [
            "cheap: pass",
            "cols: pass",
            "named: pass",
            "not_null: pass",
            "nulls: pass",
            "rows: pass"
        ]
    );
    repo.commit_all("tests");
    // Data that breaks them: the working set fails, HEAD still passes.
    repo.sql(
        "INSERT INTO fruit VALUES (3, 'fig', 10); UPDATE fruit SET name = 'Apple' WHERE id = 1",
    );
    assert_eq!(
        verdicts(&run(&repo, None, &["shape", "named", "cheap"])),
        [
            "cheap: pass",
            "cols: pass",
            "named: expected == apple, got Apple",
            "rows: expected rows == 2, got 3"
        ]
    );
    assert!(run(&repo, Some("HEAD"), &[]).iter().all(|o| o.passed));
    // From SQL, the same.
    assert_eq!(
        repo.rows("SELECT test_name, status FROM arbor_test_run('shape') ORDER BY 1"),
        ["cols,PASS", "rows,FAIL"]
    );
    assert_eq!(repo.rows("SELECT count(*) FROM arbor_test_run()"), ["6"]);
    // Tests change and diff like data.
    repo.sql("DELETE FROM arbor_tests WHERE test_name = 'rows'");
    assert_eq!(
        repo.status().unstaged,
        changes(&[
            ("arbor_tests", TableChange::Modified),
            ("fruit", TableChange::Modified)
        ])
    );
}

#[test]
fn a_test_that_cannot_run_fails_with_the_reason() {
    let repo = Repo::with_fruit();
    repo.sql(
        "INSERT INTO arbor_tests VALUES \
         ('bad_query', NULL, 'SELECT nope FROM fruit', 'expected_rows', '==', '0'), \
         ('writes', NULL, 'DELETE FROM fruit', 'expected_rows', '==', '0'), \
         ('bad_assertion', NULL, 'SELECT 1', 'rows', '==', '1'), \
         ('bad_comparison', NULL, 'SELECT 1', 'expected_rows', '~', '1'), \
         ('bad_count', NULL, 'SELECT 1', 'expected_rows', '==', 'one'), \
         ('two_values', NULL, 'SELECT 1, 2', 'expected_single_value', '==', '1')",
    );
    assert_eq!(
        verdicts(&run(&repo, None, &[])),
        [
            "bad_assertion: unknown assertion 'rows' (expected_rows, expected_columns or expected_single_value)",
            "bad_comparison: unknown comparison '~' (==, !=, <, <=, > or >=)",
            "bad_count: expected_rows needs a whole number as its value",
            "bad_query: the query failed: column \"nope\" does not exist",
            "two_values: expected a single value, got 2 columns",
            "writes: the query failed: cannot execute a statement that writes in a read-only transaction",
        ]
    );
    // The test that tried to write changed nothing.
    assert_eq!(repo.rows("SELECT count(*) FROM fruit"), ["2"]);
    let e = repo.on().data_tests(None, &["nosuch".into()]).unwrap_err();
    assert_eq!(e.code, SqlState::UndefinedObject);
    assert_eq!(e.message, "no test or group of tests is named \"nosuch\"");
    // Other names with the reserved prefix stay refused.
    assert_eq!(
        repo.sql_err("CREATE TABLE arbor_other (id integer)").code,
        SqlState::ReservedName
    );
}
