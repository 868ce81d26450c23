//! The SQL engine end to end: tables, inserts, queries, errors, transactions,
//! and persistence through the repository.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use arbor_engine::{Repository, Session, StatementResult};
use arbor_merkle::MemoryStore;

fn session() -> Session {
    common::sql_session()
}

/// Runs `sql` and renders the last result's rows as text, one row per line.
fn query(s: &mut Session, sql: &str) -> String {
    match s.execute(sql).unwrap().pop().unwrap() {
        StatementResult::Rows { rows, .. } => rows
            .iter()
            .map(|r| {
                r.iter()
                    .map(|v| v.to_string())
                    .collect::<Vec<_>>()
                    .join("|")
            })
            .collect::<Vec<_>>()
            .join("\n"),
        other => panic!("not rows: {other:?}"),
    }
}

#[test]
fn create_insert_select() {
    let mut s = session();
    s.execute("CREATE TABLE t (id integer PRIMARY KEY, name text NOT NULL, qty integer DEFAULT 7)")
        .unwrap();
    let r = s.execute("INSERT INTO t VALUES (2, 'b', 20), (1, 'a', 10); INSERT INTO t (id, name) VALUES (3, 'c')").unwrap();
    assert_eq!(
        r,
        vec![
            StatementResult::written("INSERT 0", 2),
            StatementResult::written("INSERT 0", 1)
        ]
    );
    assert_eq!(query(&mut s, "SELECT * FROM t"), "1|a|10\n2|b|20\n3|c|7");
    assert_eq!(
        query(
            &mut s,
            "SELECT name, qty * 2 AS double FROM t WHERE qty > 8 ORDER BY qty DESC"
        ),
        "b|40\na|20"
    );
    assert_eq!(
        query(
            &mut s,
            "SELECT count(*), sum(qty), min(name), max(qty) FROM t"
        ),
        "3|37|a|20"
    );
    assert_eq!(
        query(&mut s, "SELECT id FROM t ORDER BY 1 DESC LIMIT 2 OFFSET 1"),
        "2\n1"
    );
    assert_eq!(
        query(
            &mut s,
            "SELECT 1 + 2, 'x' || 'y', 7 / 2, -7 % 3, NULL IS NULL"
        ),
        "3|xy|3|-1|t"
    );
}

#[test]
fn grouping_joins_and_distinct() {
    let mut s = session();
    s.execute(
        "CREATE TABLE a (x integer, y text); CREATE TABLE b (x integer, z integer);
         INSERT INTO a VALUES (1, 'p'), (2, 'q'), (2, 'q'), (3, NULL);
         INSERT INTO b VALUES (2, 20), (3, 30), (4, 40)",
    )
    .unwrap();
    assert_eq!(
        query(&mut s, "SELECT y, count(*) FROM a GROUP BY y ORDER BY y"),
        "p|1\nq|2\nNULL|1"
    );
    assert_eq!(
        query(&mut s, "SELECT DISTINCT x FROM a ORDER BY x"),
        "1\n2\n3"
    );
    assert_eq!(
        query(
            &mut s,
            "SELECT a.x, b.z FROM a, b WHERE a.x = b.x ORDER BY 1, 2"
        ),
        "2|20\n2|20\n3|30"
    );
    assert_eq!(
        query(
            &mut s,
            "SELECT a.x, b.z FROM a LEFT JOIN b ON a.x = b.x WHERE a.y IS NOT NULL ORDER BY 1"
        ),
        "1|NULL\n2|20\n2|20"
    );
    assert_eq!(
        query(
            &mut s,
            "SELECT x, sum(x) FROM a GROUP BY x HAVING count(*) > 1"
        ),
        "2|4"
    );
    assert_eq!(query(&mut s, "SELECT avg(z) FROM b"), "30.0000000000000000");
}

#[test]
fn errors_are_postgresql_shaped_and_change_nothing() {
    let mut s = session();
    s.execute("CREATE TABLE t (id integer PRIMARY KEY, v varchar(3))")
        .unwrap();
    s.execute("INSERT INTO t VALUES (1, 'a')").unwrap();
    let e = s
        .execute("INSERT INTO t VALUES (2, 'b'), (1, 'c')")
        .unwrap_err();
    assert_eq!(e.code, "23505");
    assert_eq!(e.detail.as_deref(), Some("Key (id)=(1) already exists."));
    assert_eq!(
        query(&mut s, "SELECT count(*) FROM t"),
        "1",
        "a failed statement inserts nothing"
    );
    assert_eq!(
        s.execute("INSERT INTO t VALUES (3, 'long')")
            .unwrap_err()
            .code,
        "22001"
    );
    assert_eq!(
        s.execute("SELECT nope FROM t").unwrap_err().message,
        "column \"nope\" does not exist"
    );
    assert_eq!(
        s.execute("SELECT * FROM missing").unwrap_err().message,
        "relation \"missing\" does not exist"
    );
    assert_eq!(s.execute("SELECT 1 / 0").unwrap_err().code, "22012");
    let e = s.execute("SELEC 1").unwrap_err();
    assert_eq!((e.code.code(), e.position), ("42601", Some(1)));
    assert_eq!(
        s.execute("SELECT id, count(*) FROM t").unwrap_err().code,
        "42803"
    );
}

#[test]
fn transactions_commit_and_roll_back() {
    let mut s = session();
    s.execute("CREATE TABLE t (id integer PRIMARY KEY)")
        .unwrap();
    s.execute("BEGIN; INSERT INTO t VALUES (1); ROLLBACK")
        .unwrap();
    assert_eq!(query(&mut s, "SELECT count(*) FROM t"), "0");
    s.execute("BEGIN; INSERT INTO t VALUES (1)").unwrap();
    assert!(s.execute("INSERT INTO t VALUES (1)").is_err());
    assert_eq!(
        s.execute("SELECT 1").unwrap_err().code,
        "25P02",
        "an aborted transaction refuses statements"
    );
    assert_eq!(
        s.execute("COMMIT").unwrap(),
        vec![StatementResult::command("ROLLBACK")]
    );
    assert_eq!(query(&mut s, "SELECT count(*) FROM t"), "0");
    s.execute("BEGIN; INSERT INTO t VALUES (5); INSERT INTO t VALUES (6); COMMIT")
        .unwrap();
    assert_eq!(query(&mut s, "SELECT id FROM t"), "5\n6");
}

#[test]
fn data_survives_reopening_the_session_and_tables_without_keys_work() {
    let store = Arc::new(MemoryStore::new());
    let mut s = common::sql_session_on(store.clone());
    s.execute("CREATE TABLE log (msg text); INSERT INTO log VALUES ('a'), ('a'), ('b')")
        .unwrap();
    let mut again = Session::open(Repository::open(store).unwrap(), "main").unwrap();
    assert_eq!(
        query(&mut again, "SELECT msg FROM log ORDER BY msg"),
        "a\na\nb"
    );
    let plan = match again
        .execute("EXPLAIN SELECT msg FROM log WHERE msg = 'a'")
        .unwrap()
        .pop()
        .unwrap()
    {
        StatementResult::Explain(p) => p,
        other => panic!("{other:?}"),
    };
    assert!(plan.contains("Scan on log"), "{plan}");
}

#[test]
fn update_delete_indexes_and_views() {
    let mut s = session();
    s.execute("CREATE TABLE t (id integer PRIMARY KEY, email text, n integer); INSERT INTO t VALUES (1, 'a@x', 10), (2, 'b@x', 20), (3, NULL, 30)").unwrap();
    s.execute("CREATE UNIQUE INDEX t_email ON t (email)")
        .unwrap();
    let e = s
        .execute("INSERT INTO t VALUES (4, 'a@x', 40)")
        .unwrap_err();
    assert_eq!(
        (e.code.code(), e.detail.as_deref()),
        ("23505", Some("Key (email)=(a@x) already exists."))
    );
    s.execute("INSERT INTO t VALUES (4, NULL, 40)").unwrap();
    assert_eq!(
        s.execute("UPDATE t SET n = n + 1 WHERE n >= 20").unwrap(),
        vec![StatementResult::written("UPDATE", 3)]
    );
    assert_eq!(
        query(&mut s, "SELECT id, n FROM t ORDER BY id"),
        "1|10\n2|21\n3|31\n4|41"
    );
    // Keys can move within one statement, and the index follows.
    s.execute("UPDATE t SET id = id + 1").unwrap();
    assert_eq!(query(&mut s, "SELECT id FROM t ORDER BY id"), "2\n3\n4\n5");
    assert_eq!(
        s.execute("UPDATE t SET email = 'b@x' WHERE id = 2")
            .unwrap_err()
            .code,
        "23505"
    );
    assert_eq!(
        s.execute("DELETE FROM t WHERE email IS NULL").unwrap(),
        vec![StatementResult::written("DELETE", 2)]
    );
    s.execute("UPDATE t SET email = 'a@x' WHERE id = 3")
        .unwrap_err();
    s.execute("DELETE FROM t WHERE id = 2; UPDATE t SET email = 'a@x' WHERE id = 3")
        .unwrap();
    assert_eq!(query(&mut s, "SELECT id, email FROM t"), "3|a@x");
    s.execute("CREATE VIEW v AS SELECT id * 10 AS big FROM t")
        .unwrap();
    assert_eq!(query(&mut s, "SELECT big FROM v"), "30");
    assert_eq!(
        s.execute("CREATE VIEW v AS SELECT 1").unwrap_err().code,
        "42P07"
    );
    s.execute("DROP VIEW v; DROP INDEX t_email").unwrap();
    s.execute("INSERT INTO t VALUES (9, 'a@x', 0)").unwrap();
    assert!(s.execute("SELECT * FROM v").is_err());
}

#[test]
fn set_operations_and_nested_joins() {
    let mut s = session();
    s.execute("CREATE TABLE a (x integer); CREATE TABLE b (x integer); INSERT INTO a VALUES (1), (2), (2), (3); INSERT INTO b VALUES (2), (3), (3), (4)").unwrap();
    assert_eq!(
        query(&mut s, "SELECT x FROM a UNION SELECT x FROM b ORDER BY 1"),
        "1\n2\n3\n4"
    );
    assert_eq!(
        query(
            &mut s,
            "SELECT x FROM a UNION ALL SELECT x FROM b ORDER BY x DESC LIMIT 3"
        ),
        "4\n3\n3"
    );
    assert_eq!(
        query(
            &mut s,
            "SELECT x FROM a INTERSECT SELECT x FROM b ORDER BY 1"
        ),
        "2\n3"
    );
    assert_eq!(
        query(
            &mut s,
            "SELECT x FROM a INTERSECT ALL SELECT x FROM b ORDER BY 1"
        ),
        "2\n3"
    );
    assert_eq!(query(&mut s, "SELECT x FROM a EXCEPT SELECT x FROM b"), "1");
    assert_eq!(
        query(
            &mut s,
            "SELECT x FROM a EXCEPT ALL SELECT x FROM b ORDER BY 1"
        ),
        "1\n2"
    );
    assert_eq!(
        s.execute("SELECT 1, 2 UNION SELECT 3").unwrap_err().code,
        "42601"
    );
    assert_eq!(
        query(&mut s, "SELECT count(*) FROM (a AS p CROSS JOIN b AS q)"),
        "16"
    );
    assert_eq!(query(&mut s, "VALUES (2), (1) ORDER BY 1"), "1\n2");
}

#[test]
fn star_with_group_by_needs_every_column_grouped() {
    let mut s = session();
    s.execute("CREATE TABLE t (a integer, b integer); INSERT INTO t VALUES (1, 2), (1, 2), (3, 4)")
        .unwrap();
    assert_eq!(
        query(&mut s, "SELECT * FROM t GROUP BY a, b ORDER BY a"),
        "1|2\n3|4"
    );
    assert_eq!(
        s.execute("SELECT * FROM t GROUP BY a").unwrap_err().code,
        "42803"
    );
}

#[test]
fn joins_in_any_from_order_give_the_same_rows() {
    let mut s = session();
    s.execute(
        "CREATE TABLE a (id integer, b_id integer); CREATE TABLE b (id integer, c_id integer); CREATE TABLE c (id integer, v text);
         INSERT INTO a VALUES (1, 10), (2, 20), (3, 30); INSERT INTO b VALUES (10, 100), (20, 200), (30, NULL);
         INSERT INTO c VALUES (100, 'x'), (200, 'y'), (300, 'z')",
    )
    .unwrap();
    let want = "1|x\n2|y";
    for from in ["a, b, c", "c, a, b", "b, c, a", "c, b, a"] {
        let sql = format!(
            "SELECT a.id, c.v FROM {from} WHERE a.b_id = b.id AND b.c_id = c.id AND c.v <> 'q' ORDER BY 1"
        );
        assert_eq!(query(&mut s, &sql), want, "FROM {from}");
    }
    let plan = match s
        .execute("EXPLAIN SELECT a.id FROM c, a, b WHERE a.b_id = b.id AND b.c_id = c.id")
        .unwrap()
        .pop()
        .unwrap()
    {
        StatementResult::Explain(p) => p,
        other => panic!("{other:?}"),
    };
    assert!(plan.contains("Hash Inner join"), "{plan}");
}

#[test]
fn jsonb_operators_in_sql() {
    let mut s = session();
    s.execute(r#"CREATE TABLE t (id integer PRIMARY KEY, attrs jsonb); INSERT INTO t VALUES (1, '{"color": "red", "size": 7, "tags": ["a", "b"]}'), (2, '{"color": "blue", "size": 3}')"#).unwrap();
    assert_eq!(
        query(
            &mut s,
            "SELECT attrs->>'color', attrs->'size', attrs->'tags'->> -1 FROM t ORDER BY id"
        ),
        "red|7|b\nblue|3|NULL"
    );
    assert_eq!(
        query(
            &mut s,
            "SELECT count(*) FROM t WHERE attrs->>'color' = 'red' AND (attrs->>'size')::int >= 5"
        ),
        "1"
    );
    assert_eq!(
        query(
            &mut s,
            r#"SELECT id FROM t WHERE attrs @> '{"color": "blue"}'::jsonb"#
        ),
        "2"
    );
    assert_eq!(query(&mut s, "SELECT id FROM t WHERE attrs ? 'tags'"), "1");
    assert_eq!(
        query(&mut s, "SELECT attrs #>> '{tags,0}' FROM t WHERE id = 1"),
        "a"
    );
    assert_eq!(
        query(&mut s, "SELECT attrs FROM t WHERE id = 2"),
        r#"{"size": 3, "color": "blue"}"#
    );
}

#[test]
fn primary_key_comparisons_narrow_the_scan() {
    let mut s = session();
    s.execute("CREATE TABLE t (id bigint PRIMARY KEY, v text)")
        .unwrap();
    let values: Vec<String> = (1..=50).map(|i| format!("({i}, 'v{i}')")).collect();
    s.execute(&format!("INSERT INTO t VALUES {}", values.join(", ")))
        .unwrap();
    assert_eq!(query(&mut s, "SELECT v FROM t WHERE id = 7"), "v7");
    assert_eq!(
        query(&mut s, "SELECT id FROM t WHERE id > 47"),
        "48\n49\n50"
    );
    assert_eq!(query(&mut s, "SELECT id FROM t WHERE 3 >= id"), "1\n2\n3");
    assert_eq!(
        query(
            &mut s,
            "SELECT id FROM t WHERE id >= 10 AND id < 12 AND v <> 'x'"
        ),
        "10\n11"
    );
    assert_eq!(query(&mut s, "SELECT count(*) FROM t WHERE id = 2.5"), "0");
    assert_eq!(
        query(&mut s, "SELECT count(*) FROM t WHERE id > 2.5 AND id <= 4"),
        "2"
    );
    let plan = match s
        .execute("EXPLAIN SELECT v FROM t WHERE id = 7")
        .unwrap()
        .pop()
        .unwrap()
    {
        StatementResult::Explain(p) => p,
        other => panic!("{other:?}"),
    };
    assert!(plan.contains("by primary key (id = 7)"), "{plan}");
}

#[test]
fn prepared_queries_take_parameters_and_follow_changes() {
    let mut s = session();
    s.execute("CREATE TABLE p (id integer PRIMARY KEY, v text); INSERT INTO p VALUES (1, 'a'), (2, 'b'), (3, 'c')")
        .unwrap();
    let mut by_id = s.prepare("SELECT v FROM p WHERE id = $1").unwrap();
    let mut between = s
        .prepare("SELECT count(*) FROM p WHERE id >= $1 AND id < $2")
        .unwrap();
    let rows = |r: StatementResult| match r {
        StatementResult::Rows { rows, .. } => rows,
        other => panic!("{other:?}"),
    };
    use arbor_schema::Value;
    assert_eq!(
        rows(
            s.execute_prepared(&mut by_id, &[Value::Integer(2)])
                .unwrap()
        ),
        vec![vec![Value::Text("b".into())]]
    );
    assert_eq!(
        rows(
            s.execute_prepared(&mut by_id, &[Value::Integer(9)])
                .unwrap()
        ),
        Vec::<Vec<Value>>::new()
    );
    assert_eq!(
        rows(
            s.execute_prepared(&mut between, &[Value::Integer(2), Value::Integer(4)])
                .unwrap()
        ),
        vec![vec![Value::BigInt(2)]]
    );
    // A write replans the query against the new table.
    s.execute("UPDATE p SET v = 'bb' WHERE id = 2").unwrap();
    assert_eq!(
        rows(
            s.execute_prepared(&mut by_id, &[Value::Integer(2)])
                .unwrap()
        ),
        vec![vec![Value::Text("bb".into())]]
    );
    let err = s.execute_prepared(&mut by_id, &[]).unwrap_err();
    assert!(
        err.message.contains("there is no parameter $1"),
        "{}",
        err.message
    );
    assert!(s.prepare("SELECT 1; SELECT 2").is_err());
}

/// A bulk insert larger than one batch of pending edits: every row lands,
/// a duplicate of a row from an earlier (already applied) batch is still
/// refused, and the refused statement leaves the table as it was.
#[test]
fn bulk_insert_across_edit_batches() {
    use arbor_schema::Value;
    let mut s = session();
    s.execute("CREATE TABLE t (id integer PRIMARY KEY, v text UNIQUE)")
        .unwrap();
    let n = 120_000i32;
    let mut rows = (1..=n).map(|i| Ok(vec![Value::Integer(i), Value::Text(format!("v{i}"))]));
    assert_eq!(s.insert_rows("t", &mut rows).unwrap(), 120_000);
    assert_eq!(
        query(&mut s, "SELECT count(*), min(id), max(id) FROM t"),
        "120000|1|120000"
    );
    // id 1 is in the first batch; the duplicate comes 60,000 rows later.
    let mut rows = (n + 1..=n + 60_000)
        .map(|i| Ok(vec![Value::Integer(i), Value::Text(format!("w{i}"))]))
        .chain([Ok(vec![Value::Integer(1), Value::Text("again".into())])]);
    let e = s.insert_rows("t", &mut rows).unwrap_err();
    assert_eq!(
        e.message,
        "duplicate key value violates unique constraint \"t_pkey\""
    );
    // The same for a unique index entry from an earlier batch.
    let mut rows = (n + 1..=n + 60_000)
        .map(|i| Ok(vec![Value::Integer(i), Value::Text(format!("w{i}"))]))
        .chain([Ok(vec![
            Value::Integer(0),
            Value::Text(format!("w{}", n + 1)),
        ])]);
    let e = s.insert_rows("t", &mut rows).unwrap_err();
    assert_eq!(
        e.message,
        "duplicate key value violates unique constraint \"t_v_key\""
    );
    assert_eq!(query(&mut s, "SELECT count(*) FROM t"), "120000");
}

/// Aggregates over scans long enough to run on several threads give the
/// results one thread would: counts, integer and float sums, averages,
/// min and max per group, with FILTER and a WHERE clause, groups in the
/// order they first appear.
#[test]
fn parallel_aggregates_match_the_sequential_result() {
    use arbor_schema::Value;
    let mut s = session();
    s.execute("CREATE TABLE big (id integer PRIMARY KEY, g text, n integer, x double precision)")
        .unwrap();
    let rows = 150_000i32;
    let mut input = (0..rows).map(|i| {
        Ok(vec![
            Value::Integer(i),
            Value::Text(format!("g{}", (i / 1000) % 7)),
            Value::Integer(i % 100),
            Value::Double(f64::from(i % 10) / 4.0),
        ])
    });
    s.insert_rows("big", &mut input).unwrap();
    // Expected values computed here, in the order groups first appear.
    let mut expected: Vec<(String, i64, i64, f64, i32, i32, i64)> = Vec::new();
    for i in 0..rows {
        let g = format!("g{}", (i / 1000) % 7);
        let at = match expected.iter().position(|e| e.0 == g) {
            Some(at) => at,
            None => {
                expected.push((g, 0, 0, 0.0, i32::MAX, i32::MIN, 0));
                expected.len() - 1
            }
        };
        let e = &mut expected[at];
        e.1 += 1;
        e.2 += i64::from(i % 100);
        e.3 += f64::from(i % 10) / 4.0;
        e.4 = e.4.min(i % 100);
        e.5 = e.5.max(i % 100);
        if i % 100 >= 50 {
            e.6 += 1;
        }
    }
    let got = query(
        &mut s,
        "SELECT g, count(*), sum(n), sum(x), min(n), max(n), count(*) FILTER (WHERE n >= 50) FROM big GROUP BY g",
    );
    let want: Vec<String> = expected
        .iter()
        .map(|e| format!("{}|{}|{}|{}|{}|{}|{}", e.0, e.1, e.2, e.3, e.4, e.5, e.6))
        .collect();
    assert_eq!(got, want.join("\n"));
    assert_eq!(
        query(
            &mut s,
            "SELECT count(*), sum(n), avg(n) FROM big WHERE x >= 1"
        ),
        format!(
            "{}|{}|{}",
            (0..rows).filter(|i| i % 10 >= 4).count(),
            (0..rows)
                .filter(|i| i % 10 >= 4)
                .map(|i| i64::from(i % 100))
                .sum::<i64>(),
            "51.5000000000000000"
        )
    );
    // A key range narrower than the threshold runs on one thread, the same way.
    assert_eq!(
        query(
            &mut s,
            "SELECT count(*) FROM big WHERE id >= 1000 AND id < 3000"
        ),
        "2000"
    );
}

/// Long chains of operators are bounded (54001) before anything recurses
/// over them, deep nesting of queries too; chains of OR and AND, which
/// generated SQL writes by the thousand, bind as balanced trees. (On the
/// 8 MiB stack of a main thread: a debug build's frames are large.)
#[test]
fn statements_too_deep_to_walk_are_refused_and_long_or_chains_run() {
    std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(deep_statements)
        .unwrap()
        .join()
        .unwrap();
}

fn deep_statements() {
    let mut s = session();
    s.execute("CREATE TABLE t (id integer PRIMARY KEY)")
        .unwrap();
    s.execute("INSERT INTO t SELECT * FROM generate_series(1, 3)")
        .or_else(|_| s.execute("INSERT INTO t VALUES (1), (2), (3)"))
        .unwrap();
    let ors: Vec<String> = (0..4_000).map(|i| format!("id = {i}")).collect();
    assert_eq!(
        query(
            &mut s,
            &format!("SELECT count(*) FROM t WHERE {}", ors.join(" OR "))
        ),
        "3"
    );
    let ands: Vec<String> = (0..4_000).map(|i| format!("id <> {}", i + 10)).collect();
    assert_eq!(
        query(
            &mut s,
            &format!("SELECT count(*) FROM t WHERE {}", ands.join(" AND "))
        ),
        "3"
    );
    assert_eq!(
        query(&mut s, &format!("SELECT {}", vec!["1"; 450].join(" + "))),
        "450"
    );
    for (what, sql) in [
        (
            "a + chain past the binder's depth",
            format!("SELECT {}", vec!["1"; 600].join(" + ")),
        ),
        (
            "a || chain",
            format!("SELECT {}", vec!["'a'"; 600].join(" || ")),
        ),
        ("a UNION chain", vec!["SELECT 1"; 600].join(" UNION ")),
        (
            "a chain past the parser's bound",
            format!("SELECT {}", vec!["1"; 20_000].join(" + ")),
        ),
        (
            "an OR chain past the parser's bound",
            format!("SELECT 1 WHERE {}", vec!["true"; 20_000].join(" OR ")),
        ),
        (
            "a chain inside parentheses",
            format!("SELECT {}1{}", "(1 + ".repeat(150), ")".repeat(150)) + &" + 1".repeat(9_900),
        ),
    ] {
        let e = s.execute(&sql).unwrap_err();
        assert_eq!(e.code, "54001", "{what}: {}", e.message);
        assert!(
            e.message.starts_with("statement is too complex"),
            "{what}: {}",
            e.message
        );
    }
    let e = s.execute("SELECT ARRAY[ARRAY[1]]").unwrap_err();
    assert_eq!(e.code, "0A000", "{}", e.message);
    assert_eq!(query(&mut s, "SELECT count(*) FROM t"), "3");
}

/// A table has at most 1,600 columns, as in PostgreSQL (54011), however
/// they come: CREATE TABLE or ADD COLUMN.
#[test]
fn tables_have_at_most_1600_columns() {
    let mut s = session();
    let columns = |n: usize| {
        (0..n)
            .map(|i| format!("c{i} int"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let e = s
        .execute(&format!("CREATE TABLE wide ({})", columns(1_601)))
        .unwrap_err();
    assert_eq!(e.code, "54011", "{}", e.message);
    assert_eq!(e.message, "tables can have at most 1600 columns");
    s.execute(&format!("CREATE TABLE wide ({})", columns(1_600)))
        .unwrap();
    let e = s
        .execute("ALTER TABLE wide ADD COLUMN one_more int")
        .unwrap_err();
    assert_eq!(e.code, "54011", "{}", e.message);
    assert_eq!(query(&mut s, "SELECT count(*) FROM wide"), "0");
}

/// Text never holds a NUL byte, as in PostgreSQL (22021), however it is
/// written (here as a parameter, as a driver sends it); the table is left
/// as it was.
#[test]
fn text_never_holds_nul() {
    use arbor_engine::Value;
    let mut s = session();
    s.execute("CREATE TABLE tx (id int PRIMARY KEY, t text, v varchar(5))")
        .unwrap();
    let mut insert = s.prepare("INSERT INTO tx VALUES ($1, $2, $3)").unwrap();
    for (t, v) in [("a\0b", "x"), ("a", "\0")] {
        let params = [
            Value::Integer(1),
            Value::Text(t.into()),
            Value::Text(v.into()),
        ];
        let e = s.execute_prepared(&mut insert, &params).unwrap_err();
        assert_eq!(e.code, "22021", "{t:?} {v:?}: {}", e.message);
        assert_eq!(
            e.message,
            "invalid byte sequence for encoding \"UTF8\": 0x00"
        );
    }
    s.execute("INSERT INTO tx VALUES (1, 'a', 'b')").unwrap();
    let mut update = s.prepare("UPDATE tx SET t = $1").unwrap();
    let e = s
        .execute_prepared(&mut update, &[Value::Text("\0".into())])
        .unwrap_err();
    assert_eq!(e.code, "22021", "{}", e.message);
    assert_eq!(query(&mut s, "SELECT t FROM tx"), "a");
}

/// Every system table `arbor ls --all` names can be read.
#[test]
fn every_listed_system_table_answers() {
    let mut s = session();
    s.execute("CREATE TABLE t (id int PRIMARY KEY)").unwrap();
    s.execute("SELECT arbor_commit('-Am', 't', '--author', 'T <t@example.com>')")
        .unwrap();
    let mut names: Vec<String> = arbor_engine::SYSTEM_TABLES
        .iter()
        .map(|n| (*n).to_owned())
        .collect();
    names.extend(
        arbor_engine::TABLE_SYSTEM_PREFIXES
            .iter()
            .map(|p| format!("{p}t")),
    );
    for name in names {
        // A commit diff has rows only between the two revisions it is given.
        let filter = if name.starts_with("arbor_commit_diff_") {
            " WHERE from_commit = 'HEAD~1' AND to_commit = 'HEAD'"
        } else {
            ""
        };
        s.execute(&format!("SELECT * FROM {name}{filter} LIMIT 1"))
            .unwrap_or_else(|e| panic!("{name}: {}", e.message));
    }
}

#[test]
fn explain_analyze_runs_the_plan_and_counts_each_nodes_rows() {
    let mut s = session();
    s.execute("CREATE TABLE t (id int PRIMARY KEY, name text); CREATE INDEX t_name ON t (name)")
        .unwrap();
    s.execute("INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'a'), (4, 'c')")
        .unwrap();
    let explain = |s: &mut Session, sql: &str| match s.execute(sql).unwrap().pop().unwrap() {
        StatementResult::Explain(p) => p,
        other => panic!("{other:?}"),
    };
    let text = explain(&mut s, "EXPLAIN ANALYZE SELECT id FROM t WHERE name = 'a'");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(
        lines[0].starts_with("Project #0 (actual rows=2 loops=1 time="),
        "{text}"
    );
    assert!(
        lines[1].starts_with(
            "  -> Index-only scan on t using t_name (name = 'a') (~2 rows) (columns: id) (actual rows=2 loops=1 time="
        ),
        "{text}"
    );
    assert!(lines[2].starts_with("Execution: 2 rows in "), "{text}");
    // A count read from the tree never runs its scan.
    let text = explain(&mut s, "EXPLAIN ANALYZE SELECT count(*) FROM t");
    assert!(
        text.lines().nth(1).unwrap().ends_with("(never executed)"),
        "{text}"
    );
    // Plain EXPLAIN runs nothing and shows no counts.
    let text = explain(&mut s, "EXPLAIN SELECT id FROM t WHERE name = 'a'");
    assert!(!text.contains("actual"), "{text}");
    // PostgreSQL's EXPLAIN ANALYZE of a change carries it out; Arbor refuses it.
    let e = s
        .execute("EXPLAIN ANALYZE DELETE FROM t WHERE id = 1")
        .unwrap_err();
    assert_eq!(e.code, "0A000");
    assert_eq!(
        match s.execute("SELECT count(*) FROM t").unwrap().pop().unwrap() {
            StatementResult::Rows { rows, .. } => rows[0][0].to_string(),
            other => panic!("{other:?}"),
        },
        "4"
    );
}
