//! Types decided at planning, as PostgreSQL decides them at parse time:
//! untyped string literals read as the type they meet, parameters typed by
//! their contexts, and result columns described before a statement runs.

#![allow(clippy::unwrap_used)]

mod common;

use arbor_engine::{DataType, Described, SqlState, StatementResult, Value};

fn session() -> arbor_engine::Session {
    let mut s = common::sql_session();
    s.execute(
        "CREATE TABLE t (id int PRIMARY KEY, name varchar(20), at timestamptz, \
         n numeric(10,2), doc jsonb, big bigint, ok boolean);
         INSERT INTO t VALUES (5, 'a', '2024-01-01 10:00+02', 1.50, '{\"k\": 1}', 7, true),
                              (6, 'b', '2024-02-01 00:00+00', 2.25, '[1]', 8, false)",
    )
    .unwrap();
    s
}

fn rows(result: StatementResult) -> Vec<Vec<Value>> {
    match result {
        StatementResult::Rows { rows, .. } => rows,
        other => panic!("not rows: {other:?}"),
    }
}

fn ids(s: &mut arbor_engine::Session, sql: &str) -> Vec<i32> {
    rows(s.execute(sql).unwrap().pop().unwrap())
        .into_iter()
        .map(|r| match r[0] {
            Value::Integer(i) => i,
            ref other => panic!("not an integer: {other:?}"),
        })
        .collect()
}

#[test]
fn string_literals_take_the_type_they_are_compared_with() {
    let mut s = session();
    assert_eq!(ids(&mut s, "SELECT id FROM t WHERE id = '5'"), [5]);
    assert_eq!(ids(&mut s, "SELECT id FROM t WHERE '6' = id"), [6]);
    assert_eq!(ids(&mut s, "SELECT id FROM t WHERE at > '2024-01-15'"), [6]);
    assert_eq!(
        ids(&mut s, "SELECT id FROM t WHERE n >= '2' ORDER BY id"),
        [6]
    );
    assert_eq!(ids(&mut s, "SELECT id FROM t WHERE id IN ('5', '7')"), [5]);
    assert_eq!(
        ids(&mut s, "SELECT id FROM t WHERE id BETWEEN '6' AND '9'"),
        [6]
    );
    assert_eq!(
        ids(&mut s, "SELECT id FROM t WHERE doc @> '{\"k\": 1}'"),
        [5]
    );
    assert_eq!(ids(&mut s, "SELECT id FROM t WHERE ok = 't'"), [5]);
    assert_eq!(ids(&mut s, "SELECT id FROM t WHERE id + '1' = 7"), [6]);
    // A text column compares with text as before.
    assert_eq!(ids(&mut s, "SELECT id FROM t WHERE name = 'b'"), [6]);
    // A literal that is not a value of the type is PostgreSQL's error.
    let e = s.execute("SELECT id FROM t WHERE id = 'x'").unwrap_err();
    assert_eq!(e.code, SqlState::InvalidTextRepresentation, "{e}");
    // A typed literal keeps its own type.
    let e = s
        .execute("SELECT id FROM t WHERE id = '5'::text")
        .unwrap_err();
    assert_eq!(e.code, SqlState::UndefinedFunction, "{e}");
}

#[test]
fn prepared_statements_describe_parameters_and_columns() {
    let mut s = session();
    let mut p = s
        .prepare(
            "SELECT id, name, n * 2 AS twice, count(*) OVER () FROM t WHERE at > $1 AND big = $2",
        )
        .unwrap();
    let d = s.describe(&mut p).unwrap();
    assert_eq!(
        d,
        Described {
            parameters: vec![Some(DataType::TimestampTz), Some(DataType::BigInt)],
            columns: Some(vec![
                ("id".into(), Some(DataType::Integer)),
                ("name".into(), Some(DataType::Varchar(Some(20)))),
                ("twice".into(), Some(DataType::Numeric(None))),
                // A window count is a bigint, as PostgreSQL describes it.
                ("count".into(), Some(DataType::BigInt)),
            ]),
        }
    );
    let mut insert = s
        .prepare("INSERT INTO t (id, doc) VALUES ($1, $2) RETURNING id, doc")
        .unwrap();
    let d = s.describe(&mut insert).unwrap();
    assert_eq!(
        d.parameters,
        [Some(DataType::Integer), Some(DataType::Jsonb)]
    );
    assert_eq!(
        d.columns,
        Some(vec![
            ("id".into(), Some(DataType::Integer)),
            ("doc".into(), Some(DataType::Jsonb))
        ])
    );
    let mut update = s.prepare("UPDATE t SET name = $2 WHERE id = $1").unwrap();
    let d = s.describe(&mut update).unwrap();
    assert_eq!(
        d,
        Described {
            parameters: vec![Some(DataType::Integer), Some(DataType::Varchar(Some(20)))],
            columns: None,
        }
    );
    // Describing runs nothing.
    assert_eq!(ids(&mut s, "SELECT count(*)::int FROM t"), [2]);
    let mut cast = s.prepare("SELECT $1::date, $2").unwrap();
    let d = s.describe(&mut cast).unwrap();
    assert_eq!(d.parameters, [Some(DataType::Date), None]);
}

#[test]
fn query_results_carry_column_types() {
    let mut s = session();
    let StatementResult::Rows { columns, types, .. } = s
        .execute("SELECT t.*, id::bigint, 'x' AS label, now() FROM t")
        .unwrap()
        .pop()
        .unwrap()
    else {
        panic!("not rows")
    };
    assert_eq!(columns.len(), types.len());
    assert_eq!(types[0], Some(DataType::Integer));
    assert_eq!(types[3], Some(DataType::Numeric(Some((10, 2)))));
    assert_eq!(types[4], Some(DataType::Jsonb));
    assert_eq!(types[7], Some(DataType::BigInt));
    assert_eq!(types[8], Some(DataType::Text));
    assert_eq!(types[9], Some(DataType::TimestampTz));
}
