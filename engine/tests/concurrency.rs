//! Sessions on one branch at once: each transaction works on its own
//! snapshot, and its COMMIT merges into what others committed meanwhile.
//! Changes to different rows, or different cells of one row, both stand;
//! a true collision fails with 40001 and changes nothing.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use arbor_engine::{Repository, Session, SqlState, StatementResult, Value};
use arbor_merkle::MemoryStore;

/// Two sessions on `main` of one repository holding table `t`.
fn two_sessions() -> (Session, Session) {
    let store = Arc::new(MemoryStore::new());
    let mut a = common::sql_session_on(store.clone());
    a.execute(
        "CREATE TABLE t (id int PRIMARY KEY, x int, y int, u int UNIQUE);
         INSERT INTO t VALUES (1, 10, 100, 1), (2, 20, 200, 2), (3, 30, 300, 3)",
    )
    .unwrap();
    let b = Session::open(Repository::open(store).unwrap(), "main").unwrap();
    (a, b)
}

fn rows(s: &mut Session) -> Vec<String> {
    rows_of(s, "SELECT * FROM t ORDER BY id")
}

#[test]
fn transactions_on_different_rows_and_cells_both_commit() {
    let (mut a, mut b) = two_sessions();
    a.execute("BEGIN; UPDATE t SET x = 11 WHERE id = 1")
        .unwrap();
    b.execute("BEGIN; UPDATE t SET x = 22 WHERE id = 2; INSERT INTO t VALUES (4, 40, 400, 4)")
        .unwrap();
    // Each sees only its own change until it commits.
    assert_eq!(rows(&mut a)[1], "2,20,200,2");
    b.execute("COMMIT").unwrap();
    assert_eq!(rows(&mut a)[1], "2,20,200,2", "a's snapshot holds");
    // The same row, another cell.
    a.execute("UPDATE t SET y = 222 WHERE id = 2").unwrap();
    a.execute("COMMIT").unwrap();
    let expected = ["1,11,100,1", "2,22,222,2", "3,30,300,3", "4,40,400,4"];
    assert_eq!(rows(&mut a), expected);
    assert_eq!(rows(&mut b), expected);
    // Statements outside transactions merge the same way.
    a.execute("BEGIN; DELETE FROM t WHERE id = 3").unwrap();
    b.execute("UPDATE t SET x = 44 WHERE id = 4").unwrap();
    a.execute("COMMIT").unwrap();
    assert_eq!(rows(&mut b), ["1,11,100,1", "2,22,222,2", "4,44,400,4"]);
}

#[test]
fn a_collision_fails_with_40001_and_changes_nothing() {
    let (mut a, mut b) = two_sessions();
    for (mine, theirs) in [
        // The same cell, two ways.
        (
            "UPDATE t SET x = 1 WHERE id = 1",
            "UPDATE t SET x = 2 WHERE id = 1",
        ),
        // A row changed and deleted.
        (
            "DELETE FROM t WHERE id = 2",
            "UPDATE t SET y = 0 WHERE id = 2",
        ),
        // Together they break a unique constraint.
        (
            "UPDATE t SET u = 9 WHERE id = 3",
            "INSERT INTO t VALUES (5, 0, 0, 9)",
        ),
        // The same change from the same old value: one would be lost.
        (
            "UPDATE t SET y = y + 1 WHERE id = 1",
            "UPDATE t SET y = y + 1 WHERE id = 1",
        ),
        // Both deleted the row, each counting it.
        ("DELETE FROM t WHERE id = 3", "DELETE FROM t WHERE id = 3"),
        // Both added one key.
        (
            "INSERT INTO t VALUES (7, 0, 0, 70)",
            "INSERT INTO t VALUES (7, 0, 0, 70)",
        ),
    ] {
        let before = rows(&mut a);
        a.execute(&format!("BEGIN; {mine}")).unwrap();
        b.execute(theirs).unwrap();
        let after_theirs = rows(&mut b);
        assert_ne!(before, after_theirs);
        let e = a.execute("COMMIT").unwrap_err();
        assert_eq!(e.code, SqlState::SerializationFailure, "{mine}: {e}");
        assert!(!a.in_transaction());
        // Nothing of the failed transaction was kept; theirs stands.
        assert_eq!(rows(&mut a), after_theirs, "{mine}");
        assert_eq!(rows(&mut b), after_theirs, "{mine}");
    }
}

#[test]
fn concurrent_increments_outside_transactions_lose_nothing() {
    let store = Arc::new(MemoryStore::new());
    let mut setup = common::sql_session_on(store.clone());
    setup
        .execute("CREATE TABLE hot (id int PRIMARY KEY, n int); INSERT INTO hot VALUES (1, 0)")
        .unwrap();
    let shared = Repository::open(store.clone()).unwrap();
    let threads: Vec<_> = (0..4)
        .map(|i| {
            // Half the sessions share a repository handle (as a server's
            // do), half open their own (as separate processes would).
            let repo = if i % 2 == 0 {
                shared.clone()
            } else {
                Repository::open(store.clone()).unwrap()
            };
            std::thread::spawn(move || {
                let mut s = Session::open(repo, "main").unwrap();
                let mut done = 0;
                for _ in 0..50 {
                    match s.execute("UPDATE hot SET n = n + 1 WHERE id = 1") {
                        Ok(_) => done += 1,
                        Err(e) => assert_eq!(e.code, SqlState::SerializationFailure, "{e}"),
                    }
                }
                done
            })
        })
        .collect();
    let done: i32 = threads.into_iter().map(|t| t.join().unwrap()).sum();
    assert!(done > 0);
    assert_eq!(rows_of(&mut setup, "SELECT n FROM hot"), [done.to_string()]);
}

fn rows_of(s: &mut Session, sql: &str) -> Vec<String> {
    match s.execute(sql).unwrap().pop().unwrap() {
        StatementResult::Rows { rows, .. } => rows
            .iter()
            .map(|r| r.iter().map(Value::to_string).collect::<Vec<_>>().join(","))
            .collect(),
        other => panic!("not rows: {other:?}"),
    }
}

#[test]
fn an_interrupted_statement_fails_with_57014_and_changes_nothing() {
    let mut s = common::sql_session();
    s.execute(
        "CREATE TABLE big (n int PRIMARY KEY);
         INSERT INTO big SELECT a.n * 100 + b.n FROM
           (VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)) AS a(n),
           (VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)) AS b(n)",
    )
    .unwrap();
    let stop = s.interrupter();
    // A stop that comes while nothing runs is forgotten.
    stop.interrupt();
    assert_eq!(rows_of(&mut s, "SELECT count(*) FROM big"), ["100"]);
    // A statement that would run for a very long time stops at once.
    let stopper = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(200));
        stop.interrupt();
    });
    let started = std::time::Instant::now();
    let e = s
        .execute("UPDATE big SET n = n + (SELECT count(*) FROM big a, big b, big c, big d)")
        .unwrap_err();
    stopper.join().unwrap();
    assert_eq!(e.code, SqlState::QueryCanceled, "{e}");
    assert_eq!(e.message, "canceling statement due to user request");
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
    assert_eq!(rows_of(&mut s, "SELECT min(n), max(n) FROM big"), ["0,909"]);
}

/// A temporary table is the session's own: other sessions, the working
/// set and commits never see it; it lives on through the session's
/// commits, is rolled back with its transaction, and shadows a table of
/// the same name another session makes without touching it.
#[test]
fn temporary_tables_stay_with_their_session() {
    let (mut a, mut b) = two_sessions();
    a.execute(
        "CREATE TEMP TABLE scratch (id serial PRIMARY KEY, v text);
         INSERT INTO scratch (v) VALUES ('x'), ('y');
         CREATE INDEX ON scratch (v)",
    )
    .unwrap();
    assert_eq!(
        rows_of(&mut a, "SELECT * FROM scratch WHERE v = 'y'"),
        ["2,y"]
    );
    // Not in the working set: the other session, and status, see nothing.
    let e = b.execute("SELECT * FROM scratch").unwrap_err();
    assert_eq!(e.code, SqlState::UndefinedTable);
    assert_eq!(
        rows_of(
            &mut a,
            "SELECT count(*) FROM arbor_status WHERE table_name = 'scratch'"
        ),
        ["0"]
    );
    // A commit of everything leaves it out, and it lives on.
    a.execute("UPDATE t SET x = 0 WHERE id = 1").unwrap();
    a.execute("SELECT arbor_commit('-Am', 'c', '--author', 'T <t@example.com>')")
        .unwrap();
    assert_eq!(rows_of(&mut a, "SELECT count(*) FROM arbor_status"), ["0"]);
    let e = a.execute("SELECT * FROM scratch AS OF 'HEAD'").unwrap_err();
    assert_eq!(e.code, SqlState::UndefinedTable);
    assert_eq!(rows_of(&mut a, "SELECT count(*) FROM scratch"), ["2"]);
    // Rolled back with its transaction: rows, and a table made in it.
    a.execute("BEGIN; INSERT INTO scratch (v) VALUES ('z'); CREATE TEMP TABLE gone (n int)")
        .unwrap();
    assert_eq!(rows_of(&mut a, "SELECT count(*) FROM scratch"), ["3"]);
    a.execute("ROLLBACK").unwrap();
    assert_eq!(rows_of(&mut a, "SELECT count(*) FROM scratch"), ["2"]);
    assert_eq!(
        a.execute("SELECT * FROM gone").unwrap_err().code,
        SqlState::UndefinedTable
    );
    // Another session's table of the same name: each sees its own, and
    // publishing either leaves the other's alone.
    b.execute("CREATE TABLE scratch (n int); INSERT INTO scratch VALUES (7)")
        .unwrap();
    a.execute("INSERT INTO scratch (v) VALUES ('w'); UPDATE t SET x = 5 WHERE id = 2")
        .unwrap();
    assert_eq!(rows_of(&mut b, "SELECT * FROM scratch"), ["7"]);
    assert_eq!(rows_of(&mut b, "SELECT x FROM t WHERE id = 2"), ["5"]);
    assert_eq!(rows_of(&mut a, "SELECT count(*) FROM scratch"), ["3"]);
    // CREATE TEMP TABLE AS and SELECT INTO TEMP make temporary tables too.
    a.execute("CREATE TEMP TABLE copied AS SELECT id FROM t; SELECT id INTO TEMP also FROM t")
        .unwrap();
    for name in ["copied", "also"] {
        assert_eq!(
            rows_of(&mut a, &format!("SELECT count(*) FROM {name}")),
            ["3"]
        );
        assert_eq!(
            b.execute(&format!("SELECT * FROM {name}"))
                .unwrap_err()
                .code,
            SqlState::UndefinedTable
        );
    }
    // Gone with the session: a new one on the same repository has none.
    let store = a.repository().clone();
    drop(a);
    let mut c = Session::open(store, "main").unwrap();
    assert_eq!(
        c.execute("SELECT * FROM copied").unwrap_err().code,
        SqlState::UndefinedTable
    );
    assert_eq!(rows_of(&mut c, "SELECT * FROM scratch"), ["7"]);
    // What stays refused rather than published: temporary views and
    // sequences, and tables that empty or drop themselves at COMMIT.
    for sql in [
        "CREATE TEMP VIEW v AS SELECT 1",
        "CREATE TEMP SEQUENCE s",
        "CREATE TEMP TABLE d (n int) ON COMMIT DROP",
    ] {
        assert_eq!(
            c.execute(sql).unwrap_err().code,
            SqlState::FeatureNotSupported,
            "{sql}"
        );
    }
}
