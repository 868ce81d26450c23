//! Access paths return exactly what a full scan returns.
//!
//! Random tables (a composite primary key, secondary indexes ascending,
//! descending, composite and unique, with NULLs and text that sorts by
//! bytes) are queried with random predicates, orders and limits twice:
//! as written, which lets the planner seek, range, read an index backward
//! or drop a sort, and with the same predicate and order hidden inside a
//! `CASE`, which no access path reads, so the plan is a full scan, a
//! filter and a sort. Both must give the same rows. Changes are checked
//! the same way: an UPDATE and a DELETE through the access paths leave the
//! table as they leave its copy changed through a full scan.

#![allow(clippy::unwrap_used)]

mod common;

use arbor_engine::{Session, StatementResult};
use proptest::prelude::*;

fn session() -> Session {
    common::sql_session()
}

/// The rows of the last result of `sql`, as text.
fn rows(s: &mut Session, sql: &str) -> Vec<String> {
    match s
        .execute(sql)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .pop()
    {
        Some(StatementResult::Rows { rows, .. }) => rows
            .iter()
            .map(|r| {
                r.iter()
                    .map(|v| v.to_string())
                    .collect::<Vec<_>>()
                    .join("|")
            })
            .collect(),
        other => panic!("{sql}: not rows: {other:?}"),
    }
}

fn plan(s: &mut Session, sql: &str) -> String {
    match s.execute(&format!("EXPLAIN {sql}")).unwrap().pop() {
        Some(StatementResult::Explain(p)) => p,
        other => panic!("not a plan: {other:?}"),
    }
}

/// The columns and indexes every test table has; `i` and `r` hold the
/// same rows, `r` without secondary indexes.
const SCHEMA: &str = "(a int, b int, c text, d int, v text, PRIMARY KEY (a, b))";
const INDEXES: &[&str] = &[
    "CREATE INDEX t_c ON t (c)",
    "CREATE INDEX t_d ON t (d DESC, c)",
    "CREATE UNIQUE INDEX t_v ON t (v)",
    "CREATE INDEX t_cd ON t (c, d)",
];

/// One row: (a, b) unique, the rest drawn from small domains with NULLs.
type Row = (i32, i32, Option<String>, Option<i32>, Option<i32>);

fn literal_text(v: &Option<String>) -> String {
    v.as_ref()
        .map_or("NULL".into(), |s| format!("'{}'", s.replace('\'', "''")))
}

fn literal_int(v: Option<i32>) -> String {
    v.map_or("NULL".into(), |i| i.to_string())
}

fn text_value() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        prop::sample::select(vec!["", "a", "ab", "b", "B", "é", "z z", "it's"])
            .prop_map(|s| Some(s.to_owned())),
    ]
}

fn int_value() -> impl Strategy<Value = Option<i32>> {
    prop_oneof![Just(None), (-3i32..4).prop_map(Some)]
}

fn table_rows() -> impl Strategy<Value = Vec<Row>> {
    prop::collection::btree_map(
        (0i32..4, 0i32..12),
        (text_value(), int_value(), prop::option::of(0i32..1000)),
        0..40,
    )
    .prop_map(|m| {
        let mut seen = std::collections::HashSet::new();
        m.into_iter()
            .map(|((a, b), (c, d, v))| {
                // v is unique where it is not NULL.
                let v = v.filter(|v| seen.insert(*v));
                (a, b, c, d, v)
            })
            .collect()
    })
}

/// One condition on one column.
fn atom() -> impl Strategy<Value = String> {
    let int_column = prop::sample::select(vec!["a", "b", "d"]);
    let op = prop::sample::select(vec!["=", "<", "<=", ">", ">=", "<>"]);
    prop_oneof![
        (int_column.clone(), op.clone(), -4i32..13).prop_map(|(c, o, k)| format!("{c} {o} {k}")),
        (op, text_value()).prop_map(|(o, t)| format!("c {o} {}", literal_text(&t))),
        (
            int_column.clone(),
            prop::collection::vec(prop::option::of(-4i32..13), 0..5)
        )
            .prop_map(|(c, l)| {
                let items: Vec<String> = l.into_iter().map(literal_int).collect();
                if items.is_empty() {
                    format!("{c} IN (1)")
                } else {
                    format!("{c} IN ({})", items.join(", "))
                }
            }),
        prop::collection::vec(text_value(), 1..4).prop_map(|l| {
            let items: Vec<String> = l.iter().map(literal_text).collect();
            format!("c IN ({})", items.join(", "))
        }),
        (int_column.clone(), -4i32..13, -4i32..13)
            .prop_map(|(c, x, y)| format!("{c} BETWEEN {x} AND {y}")),
        prop::sample::select(vec!["c", "d", "v"]).prop_map(|c| format!("{c} IS NULL")),
        prop::sample::select(vec!["c", "d", "v"]).prop_map(|c| format!("{c} IS NOT NULL")),
        (int_column, -4i32..13, -4i32..13)
            .prop_map(|(c, x, y)| format!("({c} = {x} OR {c} = {y})")),
        (0i32..1000).prop_map(|v| format!("v = '{v}'")),
        (-3i32..4, text_value())
            .prop_map(|(d, c)| format!("(d = {d} AND c = {})", literal_text(&c))),
        (1.5f64..2.5).prop_map(|x| format!("a = {x}")),
    ]
}

fn predicate() -> impl Strategy<Value = String> {
    prop::collection::vec(atom(), 1..4).prop_map(|atoms| atoms.join(" AND "))
}

/// An ORDER BY column and its direction, or none.
fn order() -> impl Strategy<Value = Option<(&'static str, &'static str)>> {
    prop::option::of((
        prop::sample::select(vec!["a", "c", "d", "v"]),
        prop::sample::select(vec!["", " DESC", " ASC NULLS FIRST", " DESC NULLS LAST"]),
    ))
}

fn load(s: &mut Session, rows: &[Row]) {
    s.execute(&format!("CREATE TABLE t {SCHEMA}; CREATE TABLE r {SCHEMA}"))
        .unwrap();
    for i in INDEXES {
        s.execute(i).unwrap();
    }
    if rows.is_empty() {
        return;
    }
    let values: Vec<String> = rows
        .iter()
        .map(|(a, b, c, d, v)| {
            format!(
                "({a}, {b}, {}, {}, {})",
                literal_text(c),
                literal_int(*d),
                v.map_or("NULL".into(), |v| format!("'{v}'"))
            )
        })
        .collect();
    let values = values.join(", ");
    s.execute(&format!(
        "INSERT INTO t VALUES {values}; INSERT INTO r VALUES {values}"
    ))
    .unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn access_paths_return_what_a_full_scan_returns(
        table in table_rows(),
        p in predicate(),
        order in order(),
        limit in prop::option::of(0usize..6),
    ) {
        let mut s = session();
        load(&mut s, &table);
        let columns = "a, b, c, d, v";
        let hidden = format!("CASE WHEN {p} THEN true ELSE false END");
        // With a limit, ties are broken by the primary key so that the
        // first rows are one answer.
        let (order_by, hidden_order) = match order {
            None => (String::new(), String::new()),
            Some((c, dir)) => {
                let ties = if limit.is_some() { ", a, b" } else { "" };
                (
                    format!(" ORDER BY {c}{dir}{ties}"),
                    format!(" ORDER BY CASE WHEN true THEN {c} END{dir}{ties}"),
                )
            }
        };
        let limit_text = limit.map_or(String::new(), |n| format!(" LIMIT {n}"));
        let query = format!("SELECT {columns} FROM t WHERE {p}{order_by}{limit_text}");
        let mut got = rows(&mut s, &query);
        if order.is_none() {
            // Without an order a limit may take any of the rows.
            let all = rows(&mut s, &format!("SELECT {columns} FROM r WHERE {hidden}"));
            let expected = limit.map_or(all.len(), |n| n.min(all.len()));
            prop_assert_eq!(got.len(), expected, "{}\n{}", query, plan(&mut s, &query));
            let mut all = all;
            for row in &got {
                let at = all.iter().position(|r| r == row);
                prop_assert!(at.is_some(), "{} gave {}\n{}", query, row, plan(&mut s, &query));
                all.remove(at.unwrap_or_default());
            }
            return Ok(());
        }
        let reference = format!("SELECT {columns} FROM r WHERE {hidden}{hidden_order}{limit_text}");
        let mut want = rows(&mut s, &reference);
        if limit.is_none() {
            // Rows tied on the order key may come in any order: compare
            // the key sequence and the row sets.
            let key = |rows: &[String]| -> Vec<String> {
                let at = ["a", "b", "c", "d", "v"]
                    .iter()
                    .position(|c| Some(*c) == order.map(|o| o.0))
                    .unwrap();
                rows.iter().map(|r| r.split('|').nth(at).unwrap().to_owned()).collect()
            };
            prop_assert_eq!(key(&got), key(&want), "order of {}\n{}", query, plan(&mut s, &query));
            got.sort();
            want.sort();
        }
        prop_assert_eq!(&got, &want, "{}\n{}", query, plan(&mut s, &query));
    }

    #[test]
    fn prepared_queries_choose_paths_for_their_arguments_and_keep_their_order(
        table in table_rows(),
        column in prop::sample::select(vec!["a", "b", "d"]),
        op in prop::sample::select(vec!["=", "<", "<=", ">", ">=", "IN"]),
        argument in -4i32..13,
        order in prop::sample::select(vec!["a, b", "c, a, b", "d DESC, c, a, b", "a DESC, b DESC", "v, a, b"]),
        limit in 0usize..6,
    ) {
        let mut s = session();
        load(&mut s, &table);
        let condition = |value: &str| match op {
            "IN" => format!("{column} IN ({value}, 2)"),
            _ => format!("{column} {op} {value}"),
        };
        // Planned before its argument is known: the plan keeps the order
        // it chose, and each execution narrows what it reads.
        s.execute(&format!(
            "PREPARE q AS SELECT a, b, c, d FROM t WHERE {} ORDER BY {order} LIMIT {limit}",
            condition("$1")
        ))
        .unwrap();
        let got = rows(&mut s, &format!("EXECUTE q({argument})"));
        let hidden_order = order
            .split(", ")
            .map(|k| match k.split_once(' ') {
                Some((c, dir)) => format!("CASE WHEN true THEN {c} END {dir}"),
                None => format!("CASE WHEN true THEN {k} END"),
            })
            .collect::<Vec<_>>()
            .join(", ");
        let want = rows(&mut s, &format!(
            "SELECT a, b, c, d FROM r WHERE CASE WHEN {} THEN true ELSE false END ORDER BY {hidden_order} LIMIT {limit}",
            condition(&argument.to_string())
        ));
        prop_assert_eq!(&got, &want, "{} with {}\n{}", condition("$1"), argument,
            plan(&mut s, &format!("EXECUTE q({argument})")));
    }

    #[test]
    fn index_joins_return_what_a_nested_loop_returns(
        table in table_rows(),
        probes in prop::collection::vec((prop::option::of(-4i32..13), text_value()), 0..6),
        join in prop::sample::select(vec![
            "t.a = s.x",
            "t.a = s.x AND t.b = s.x",
            "t.c = s.y",
            "t.v = s.y",
            "t.d = s.x",
            "t.c = s.y AND t.d = s.x",
        ]),
    ) {
        let mut s = session();
        load(&mut s, &table);
        s.execute("CREATE TABLE s (id int PRIMARY KEY, x int, y text)").unwrap();
        for (i, (x, y)) in probes.iter().enumerate() {
            s.execute(&format!(
                "INSERT INTO s VALUES ({i}, {}, {})",
                literal_int(*x),
                literal_text(y)
            ))
            .unwrap();
        }
        let query = format!("SELECT s.id, t.a, t.b, t.c FROM s JOIN t ON {join}");
        let reference = format!(
            "SELECT s.id, r.a, r.b, r.c FROM s JOIN r ON CASE WHEN {} THEN true ELSE false END",
            join.replace("t.", "r.")
        );
        let mut got = rows(&mut s, &query);
        let mut want = rows(&mut s, &reference);
        got.sort();
        want.sort();
        prop_assert_eq!(&got, &want, "{}\n{}", query, plan(&mut s, &query));
    }

    #[test]
    fn changes_through_access_paths_touch_the_rows_a_full_scan_does(
        table in table_rows(),
        p in predicate(),
        delete in any::<bool>(),
    ) {
        let mut s = session();
        load(&mut s, &table);
        let hidden = format!("CASE WHEN {p} THEN true ELSE false END");
        let (change, reference) = if delete {
            (format!("DELETE FROM t WHERE {p}"), format!("DELETE FROM r WHERE {hidden}"))
        } else {
            (
                format!("UPDATE t SET d = coalesce(d, 0) + 10, c = c || 'x' WHERE {p}"),
                format!("UPDATE r SET d = coalesce(d, 0) + 10, c = c || 'x' WHERE {hidden}"),
            )
        };
        s.execute(&change).unwrap();
        s.execute(&reference).unwrap();
        let got = rows(&mut s, "SELECT * FROM t ORDER BY a, b");
        let want = rows(&mut s, "SELECT * FROM r ORDER BY a, b");
        prop_assert_eq!(&got, &want, "{}", change);
        // The indexes were kept in step: reading each in order (a LIMIT
        // lets the scan switch to it) gives the table's rows.
        for order in ["c, a, b", "d DESC, c, a, b", "v, a, b", "c, d, a, b"] {
            let query = format!("SELECT * FROM t ORDER BY {order} LIMIT 1000");
            let through = rows(&mut s, &query);
            let want = rows(&mut s, &format!("SELECT * FROM r ORDER BY {order}"));
            prop_assert!(plan(&mut s, &query).contains("Index"), "{}", plan(&mut s, &query));
            prop_assert_eq!(through, want, "{}", query);
        }
    }
}

/// One change to the history table `h (a, b, c)`: a row written (replacing
/// any of the same key) or a key deleted.
#[derive(Clone, Debug)]
enum HistoryChange {
    Write(i32, i32, Option<String>),
    Delete(i32, i32),
}

fn history_change() -> impl Strategy<Value = HistoryChange> {
    prop_oneof![
        (0i32..3, 0i32..5, text_value()).prop_map(|(a, b, c)| HistoryChange::Write(a, b, c)),
        (0i32..3, 0i32..5).prop_map(|(a, b)| HistoryChange::Delete(a, b)),
    ]
}

/// A condition on the key columns of one side of `arbor_diff_h`, or on the
/// pair of versions.
fn diff_atom() -> impl Strategy<Value = String> {
    let column = prop::sample::select(vec!["to_a", "to_b", "from_a", "from_b"]);
    let op = prop::sample::select(vec!["=", "<", ">=", "<>"]);
    prop_oneof![
        (column.clone(), op, -1i32..6).prop_map(|(c, o, k)| format!("{c} {o} {k}")),
        (column.clone(), -1i32..6, -1i32..6).prop_map(|(c, x, y)| format!("{c} IN ({x}, {y})")),
        (column.clone(), -1i32..6, -1i32..6)
            .prop_map(|(c, x, y)| format!("({c} = {x} OR {c} = {y})")),
        column.clone().prop_map(|c| format!("{c} IS NULL")),
        (column, -1i32..6).prop_map(|(c, k)| format!("({c} IS NULL OR {c} = {k})")),
        Just("to_commit = 'WORKING'".to_owned()),
        Just("from_commit = arbor_hashof('HEAD~1')".to_owned()),
        Just("diff_type = 'removed'".to_owned()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// `arbor_diff_<table>` gives, for each pair of versions, the rows
    /// `arbor_diff(from, to, table)` gives, and conditions on the key read
    /// through key ranges return what the same conditions hidden from the
    /// planner return.
    #[test]
    fn diff_tables_seek_and_return_what_the_whole_diff_returns(
        commits in prop::collection::vec(prop::collection::vec(history_change(), 1..6), 1..4),
        working in prop::collection::vec(history_change(), 0..4),
        atoms in prop::collection::vec(diff_atom(), 1..3),
        blamed in blame_atom(),
    ) {
        let mut s = session();
        s.execute("CREATE TABLE h (a int, b int, c text, PRIMARY KEY (a, b))").unwrap();
        let apply = |s: &mut Session, changes: &[HistoryChange]| {
            for change in changes {
                let sql = match change {
                    HistoryChange::Write(a, b, c) => format!(
                        "DELETE FROM h WHERE a = {a} AND b = {b}; INSERT INTO h VALUES ({a}, {b}, {})",
                        literal_text(c)
                    ),
                    HistoryChange::Delete(a, b) => format!("DELETE FROM h WHERE a = {a} AND b = {b}"),
                };
                s.execute(&sql).unwrap();
            }
        };
        for (i, changes) in commits.iter().enumerate() {
            apply(&mut s, changes);
            s.execute(&format!("SELECT arbor_commit('-Am', 'step {i}', '--allow-empty', '--author', 'T <t@example.com>')")).unwrap();
        }
        apply(&mut s, &working);

        // Each pair against the table function over the same two versions.
        let columns = "diff_type, to_a, to_b, to_c, from_a, from_b, from_c";
        let pairs = rows(&mut s, "SELECT DISTINCT from_commit, to_commit FROM arbor_diff_h");
        for pair in &pairs {
            let (from, to) = pair.split_once('|').unwrap();
            let mut got = rows(&mut s, &format!(
                "SELECT {columns} FROM arbor_diff_h WHERE to_commit = '{to}'"
            ));
            let mut want = rows(&mut s, &format!(
                "SELECT {columns} FROM arbor_diff('{from}', '{to}', 'h')"
            ));
            got.sort();
            want.sort();
            prop_assert_eq!(got, want, "{} -> {}", from, to);
        }
        // Every change of the history is in some pair: the number of
        // pairs is the number of commits (and the working set) that
        // changed the table.
        let changed_commits = rows(&mut s, "SELECT count(*) FROM arbor_log WHERE message LIKE 'step%'");
        prop_assert!(pairs.len() <= changed_commits[0].parse::<usize>().unwrap() + 1);

        let p = atoms.join(" AND ");
        let query = format!("SELECT {columns}, to_commit FROM arbor_diff_h WHERE {p}");
        let hidden = format!(
            "SELECT {columns}, to_commit FROM arbor_diff_h WHERE CASE WHEN {p} THEN true ELSE false END"
        );
        let mut got = rows(&mut s, &query);
        let mut want = rows(&mut s, &hidden);
        got.sort();
        want.sort();
        prop_assert_eq!(&got, &want, "{}\n{}", query, plan(&mut s, &query));

        // Blame row by row (under key ranges) as blame of every row at
        // once (both at HEAD: the working changes are not blamed).
        let p = blamed;
        let query = format!("SELECT commit_hash, a, b, c FROM arbor_blame_h WHERE {p}");
        let hidden = format!(
            "SELECT commit_hash, a, b, c FROM arbor_blame_h WHERE CASE WHEN {p} THEN true ELSE false END"
        );
        let got = rows(&mut s, &query);
        let want = rows(&mut s, &hidden);
        prop_assert!(plan(&mut s, &query).contains("row by row"), "{}", plan(&mut s, &query));
        prop_assert_eq!(&got, &want, "{}\n{}", query, plan(&mut s, &query));
    }
}

/// Conditions on the key of `arbor_blame_h`: one on its leading column
/// (which every key range needs), perhaps one on the other.
fn blame_atom() -> impl Strategy<Value = String> {
    let op = prop::sample::select(vec!["=", "<", ">="]);
    let on = |c: &'static str| {
        prop_oneof![
            (op.clone(), -1i32..6).prop_map(move |(o, k)| format!("{c} {o} {k}")),
            (-1i32..6, -1i32..6).prop_map(move |(x, y)| format!("{c} IN ({x}, {y})")),
        ]
    };
    (on("a"), prop::option::of(on("b"))).prop_map(|(a, b)| match b {
        Some(b) => format!("{a} AND {b}"),
        None => a,
    })
}
