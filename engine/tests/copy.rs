//! COPY in a script, as pg_dump writes it: the rows follow the statement
//! up to `\.`, all kept or (on a bad line) none.

#![allow(clippy::unwrap_used)]

mod common;

use arbor_engine::{Session, SqlState, StatementResult, Value};

#[test]
fn copy_rows_in_a_script_load_as_one_statement() {
    let mut s = common::sql_session();
    let results = s
        .execute(
            "CREATE TABLE pets (id int PRIMARY KEY, name text, born date DEFAULT '2000-01-01');\n\
             COPY pets (id, name) FROM stdin;\n1\tRex\n2\tMia\\twith a tab\n3\t\\N\n\\.\n\
             COPY pets FROM stdin WITH (FORMAT csv);\n4,\"Ada, the cat\",2021-05-06\n\\.\n",
        )
        .unwrap();
    assert_eq!(results[1], StatementResult::written("COPY", 3));
    assert_eq!(results[2], StatementResult::written("COPY", 1));
    assert_eq!(
        rows(&mut s, "SELECT id, name, born::text FROM pets ORDER BY id"),
        [
            "1|Rex|2000-01-01",
            "2|Mia\twith a tab|2000-01-01",
            "3|NULL|2000-01-01",
            "4|Ada, the cat|2021-05-06"
        ]
    );
    // A line that does not fit: an error naming it, and no row of it kept.
    let e = s
        .execute("COPY pets (id, name) FROM stdin;\n5\tok\n6\n\\.\n")
        .unwrap_err();
    assert_eq!(e.code, SqlState::BadCopyFileFormat);
    assert_eq!(e.message, "missing data for column \"name\"");
    assert_eq!(e.detail.as_deref(), Some("COPY pets, line 2"));
    let e = s.execute("COPY pets TO '/etc/passwd'").unwrap_err();
    assert_eq!(e.code, SqlState::InsufficientPrivilege);
    // The count is a bigint.
    assert_eq!(
        rows(&mut s, "SELECT count(*), pg_typeof(count(*)) FROM pets"),
        ["4|bigint"]
    );
}

#[test]
fn in_csv_only_an_unquoted_field_matching_the_null_string_is_null() {
    let mut s = common::sql_session();
    s.execute(
        "CREATE TABLE t (id int PRIMARY KEY, a text, b text);\n\
         COPY t FROM stdin WITH (FORMAT csv);\n1,\"\",\n2,,\"\"\n3,\"x,\"\"y\"\"\",z\n\\.\n\
         COPY t FROM stdin WITH (FORMAT csv, NULL 'NA');\n4,NA,\"NA\"\n\\.\n",
    )
    .unwrap();
    assert_eq!(
        rows(
            &mut s,
            "SELECT id, a IS NULL, quote_literal(a), b IS NULL, quote_literal(b) FROM t ORDER BY id"
        ),
        [
            "1|f|''|t|NULL",
            "2|t|NULL|f|''",
            "3|f|'x,\"y\"'|f|'z'",
            "4|t|NULL|f|'NA'"
        ]
    );
}

/// The rows of query `sql`, each as its values joined by `|`.
fn rows(s: &mut Session, sql: &str) -> Vec<String> {
    let StatementResult::Rows { rows, .. } = s.execute(sql).unwrap().pop().unwrap() else {
        panic!("not rows: {sql}")
    };
    rows.iter()
        .map(|r| r.iter().map(Value::to_string).collect::<Vec<_>>().join("|"))
        .collect()
}
