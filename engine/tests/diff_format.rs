//! A diff written in the machine formats reads back as it was: in CSV an
//! empty string and NULL stay apart (`""` and an empty field), in JSON
//! NULL is `null`.

#![allow(clippy::unwrap_used)]

use arbor_engine::io::{DiffFormat, RowSelection, write_diff};
use arbor_engine::{Clock, Database, Environment, Identity, Timestamp};

fn database() -> Database {
    let env = Environment {
        author: Some(Identity::new("Ada", "ada@example.com")),
        clock: Clock::Fixed(Timestamp {
            seconds: 1_700_000_000,
            offset_minutes: 0,
        }),
        ..Environment::default()
    };
    let db = Database::in_memory("main", env).unwrap();
    let main = db.branch("main").unwrap();
    main.session()
        .unwrap()
        .execute("CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'a'), (2, NULL), (3, '')")
        .unwrap();
    main.commit_all("t").unwrap();
    main.session()
        .unwrap()
        .execute("UPDATE t SET v = '' WHERE id = 1; UPDATE t SET v = NULL WHERE id = 3; UPDATE t SET v = 'b' WHERE id = 2")
        .unwrap();
    main.commit_all("edit").unwrap();
    db
}

fn written(db: &Database, format: DiffFormat) -> String {
    let diffs = db.diff("HEAD~1", "HEAD").unwrap();
    let mut out = Vec::new();
    write_diff(
        &mut out,
        db.repository(),
        format,
        &RowSelection::default(),
        &diffs,
        &[],
    )
    .unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn csv_diff_tells_null_from_the_empty_string() {
    let db = database();
    assert_eq!(
        written(&db, DiffFormat::Csv),
        "diff_type,from_id,from_v,to_id,to_v\n\
         modified,1,a,1,\"\"\n\
         modified,2,,2,b\n\
         modified,3,\"\",3,\n"
    );
}

#[test]
fn json_lines_diff_writes_null_as_null() {
    let db = database();
    let text = written(&db, DiffFormat::Jsonl);
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[1]["from"]["v"], serde_json::Value::Null);
    assert_eq!(
        lines[0]["to"]["v"],
        serde_json::Value::String(String::new())
    );
}

#[test]
fn the_table_format_is_the_front_ends() {
    let db = database();
    let diffs = db.diff("HEAD~1", "HEAD").unwrap();
    let mut out = Vec::new();
    let result = write_diff(
        &mut out,
        db.repository(),
        DiffFormat::Table,
        &RowSelection::default(),
        &diffs,
        &[],
    );
    assert!(result.is_err());
}

#[test]
fn json_diffs_keep_numerics_exact() {
    let db = database();
    let main = db.branch("main").unwrap();
    main.session()
        .unwrap()
        .execute("CREATE TABLE m (id int PRIMARY KEY, v numeric, j jsonb)")
        .unwrap();
    main.commit_all("m").unwrap();
    main.session()
        .unwrap()
        .execute("INSERT INTO m VALUES (1, 123456789012345678.91, '{\"a\": 0.1}'), (2, 20.00, '[12345678901234567]'), (3, -0.50, NULL)")
        .unwrap();
    main.commit_all("rows").unwrap();
    // Each value as its decimal text, digits and scale kept.
    let to = |line: &str| line.split("\"to\":").nth(1).unwrap_or_default().to_owned();
    let jsonl = written(&db, DiffFormat::Jsonl);
    let rows: Vec<String> = jsonl.lines().map(to).collect();
    assert_eq!(
        rows,
        [
            "{\"id\":1,\"j\":{\"a\":0.1},\"v\":123456789012345678.91}}",
            "{\"id\":2,\"j\":[12345678901234567],\"v\":20.00}}",
            "{\"id\":3,\"j\":null,\"v\":-0.50}}",
        ]
    );
    let json = written(&db, DiffFormat::Json);
    for v in [
        "123456789012345678.91",
        "20.00",
        "-0.50",
        "12345678901234567",
    ] {
        assert!(json.contains(v), "{v} in {json}");
    }
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["tables"][0]["rows"][1]["to"]["v"].to_string(), "20.00");
}
