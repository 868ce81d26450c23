//! The sqllogictest runner itself: parsing, conditions, formatting, hashing,
//! and counting, against a scripted fake database.

#![allow(clippy::unwrap_used)]

use std::collections::HashMap;

use arbor_schema::Value;
use arbor_tests::slt::{
    Database, QueryOutput, RecordKind, SortMode, format_value, parse, run_file,
};

struct Fake(HashMap<String, Result<Option<QueryOutput>, String>>);

impl Database for Fake {
    fn run(&mut self, sql: &str) -> Result<Option<QueryOutput>, String> {
        self.0
            .get(sql)
            .cloned()
            .unwrap_or_else(|| Err(format!("unexpected SQL {sql}")))
    }
}

const FILE: &str = "hash-threshold 8

statement ok
CREATE TABLE t(a INTEGER)

skipif postgresql # PostgreSQL requires AS
statement ok
this never runs

onlyif mysql
query I nosort
SELECT mysql_only
----
1

query IT rowsort label-1
SELECT a,
  b FROM t
----
1
x@y
2
(empty)

statement error
SELECT broken

query R valuesort
SELECT r FROM t
----
0.500
1.000

query I nosort
SELECT many
----
9 values hashing to 22e400a2ddbb013acf2a5852d6ab69fc

onlyif mssql
halt

query I nosort
SELECT wrong
----
5

onlyif arbor
halt

statement ok
after the halt
";

fn fake() -> Fake {
    let rows = |r: Vec<Vec<Value>>| Ok(Some(r));
    let mut m = HashMap::new();
    m.insert("CREATE TABLE t(a INTEGER)".to_string(), Ok(None));
    m.insert(
        "SELECT a,\n  b FROM t".to_string(),
        rows(vec![
            vec![Value::Integer(2), Value::Text(String::new())],
            vec![Value::Double(1.9), Value::Text("x\ty".into())],
        ]),
    );
    m.insert("SELECT broken".to_string(), Err("syntax error".into()));
    m.insert(
        "SELECT r FROM t".to_string(),
        rows(vec![vec![Value::Integer(1)], vec![Value::Double(0.5)]]),
    );
    m.insert(
        "SELECT many".to_string(),
        rows((1..=9).map(|i| vec![Value::Integer(i)]).collect()),
    );
    m.insert(
        "SELECT wrong".to_string(),
        rows(vec![vec![Value::Integer(6)]]),
    );
    Fake(m)
}

#[test]
fn parses_records_conditions_and_controls() {
    let records = parse(FILE).unwrap();
    assert_eq!(records[0].kind, RecordKind::HashThreshold(8));
    assert_eq!(
        records[2].conditions,
        vec![(false, "postgresql".to_string())],
        "the trailing comment is dropped"
    );
    match &records[4].kind {
        RecordKind::Query {
            types,
            sort,
            expected,
        } => {
            assert_eq!((types.as_str(), *sort), ("IT", SortMode::RowSort));
            assert_eq!(expected, &["1", "x@y", "2", "(empty)"]);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(records[4].sql, "SELECT a,\n  b FROM t");
    assert!(parse("bogus line").is_err());
}

#[test]
fn counts_pass_fail_skip_and_honours_guarded_halts() {
    let records = parse(FILE).unwrap();
    let report = run_file(&records, &mut fake(), &["postgresql", "arbor"]);
    // ok, rowsort query, statement error, valuesort, hashed query pass; "wrong" fails;
    // the skipif and onlyif-mysql records skip; the mssql halt does not apply;
    // the arbor halt stops before the last record.
    assert_eq!(
        (report.passed, report.failed, report.skipped),
        (5, 1, 2),
        "{:#?}",
        report.failures
    );
    assert!(report.failures[0].contains("SELECT wrong"));
}

#[test]
fn values_are_formatted_by_type_letter() {
    assert_eq!(format_value(&Value::Double(-2.7), 'I'), "-2");
    assert_eq!(format_value(&Value::Integer(3), 'R'), "3.000");
    assert_eq!(format_value(&Value::Null, 'T'), "NULL");
    assert_eq!(format_value(&Value::Text(String::new()), 'T'), "(empty)");
    assert_eq!(format_value(&Value::Text("abc".into()), 'I'), "0");
    assert_eq!(format_value(&Value::Boolean(true), 'I'), "1");
}
