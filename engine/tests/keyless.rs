//! Tables without a primary key are keyed by their rows' contents, with a
//! count of equal rows: equal contents are equal tables whatever order the
//! rows came in, diffs are about the rows that differ, and merges (of
//! branches and of concurrent sessions) add up what each side added and
//! removed, as Dolt merges keyless tables.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use arbor_engine::{Repository, Session, StatementResult};
use arbor_merkle::MemoryStore;
use common::Repo;

/// A repository with keyless `t` committed: (1, 'a') twice, (2, 'b').
fn keyless() -> Repo {
    let repo = Repo::new();
    repo.sql("CREATE TABLE t (n int, s text); INSERT INTO t VALUES (1, 'a'), (2, 'b'), (1, 'a')");
    repo.commit_all("keyless");
    repo
}

fn rows(repo: &Repo) -> Vec<String> {
    repo.rows("SELECT * FROM t ORDER BY n, s")
}

#[test]
fn the_same_rows_written_again_are_no_change() {
    let repo = keyless();
    repo.sql("DELETE FROM t; INSERT INTO t VALUES (2, 'b'), (1, 'a'), (1, 'a')");
    assert!(repo.status().is_clean(), "{:?}", repo.status());
    repo.sql("UPDATE t SET s = 'z' WHERE n = 1; UPDATE t SET s = 'a' WHERE n = 1");
    assert!(repo.status().is_clean(), "{:?}", repo.status());
    // A table made in another order, in a transaction, is the same table.
    repo.sql("BEGIN; DROP TABLE t; CREATE TABLE t (n int, s text); INSERT INTO t VALUES (1, 'a'); INSERT INTO t VALUES (1, 'a'), (2, 'b'); COMMIT");
    assert!(repo.status().is_clean(), "{:?}", repo.status());
}

#[test]
fn a_diff_counts_the_equal_rows_that_differ() {
    let repo = keyless();
    repo.sql("INSERT INTO t VALUES (1, 'a'); DELETE FROM t WHERE n = 2");
    repo.commit_all("one more a, no b");
    let diff = repo.db.diff("HEAD~1", "HEAD").unwrap();
    let stat = diff[0].stat(repo.db.repository()).unwrap();
    assert_eq!((stat.rows_added, stat.rows_deleted), (1, 1));
    assert_eq!(rows(&repo), ["1,a", "1,a", "1,a"]);
}

#[test]
fn changes_reach_every_equal_row() {
    let repo = keyless();
    repo.sql("UPDATE t SET s = 'c' WHERE n = 1");
    assert_eq!(rows(&repo), ["1,c", "1,c", "2,b"]);
    repo.sql("INSERT INTO t VALUES (1, 'c'); DELETE FROM t WHERE n = 2");
    assert_eq!(rows(&repo), ["1,c", "1,c", "1,c"]);
    repo.sql("DELETE FROM t WHERE s = 'c'");
    assert_eq!(rows(&repo), Vec::<String>::new());
    // An index over equal rows holds one entry for each.
    repo.sql("CREATE INDEX t_s ON t (s); INSERT INTO t VALUES (5, 'e'), (5, 'e')");
    assert_eq!(repo.rows("SELECT count(*) FROM t WHERE s = 'e'"), ["2"]);
    repo.sql("DELETE FROM t WHERE s = 'e'");
    assert_eq!(repo.rows("SELECT count(*) FROM t WHERE s = 'e'"), ["0"]);
}

#[test]
fn dropping_a_column_leaves_rows_that_became_equal_as_equal_rows() {
    let repo = keyless();
    repo.sql("ALTER TABLE t DROP COLUMN s");
    repo.sql("INSERT INTO t VALUES (1)");
    assert_eq!(
        repo.rows("SELECT n, count(*) FROM t GROUP BY n ORDER BY n"),
        ["1,3", "2,1"]
    );
    repo.sql("DELETE FROM t WHERE n = 1");
    assert_eq!(repo.rows("SELECT * FROM t"), ["2"]);
    // A column added with a default is held by every row, old or new.
    repo.sql("ALTER TABLE t ADD COLUMN k int DEFAULT 7; INSERT INTO t VALUES (2, 7)");
    repo.sql("DELETE FROM t WHERE n = 2");
    assert_eq!(repo.rows("SELECT count(*) FROM t"), ["0"]);
}

#[test]
fn a_merge_adds_up_equal_rows_from_both_sides() {
    let repo = keyless();
    repo.db.create_branch("other", "HEAD").unwrap();
    repo.sql("INSERT INTO t VALUES (1, 'a'), (3, 'c')");
    repo.commit_all("ours");
    repo.db.checkout("other").unwrap();
    repo.sql("INSERT INTO t VALUES (1, 'a'); DELETE FROM t WHERE n = 2");
    repo.commit_all("theirs");
    repo.db.checkout("main").unwrap();
    repo.on().merge_revision("other").unwrap();
    assert_eq!(rows(&repo), ["1,a", "1,a", "1,a", "1,a", "3,c"]);
    assert!(repo.status().is_clean(), "{:?}", repo.status());
}

#[test]
fn concurrent_sessions_inserting_equal_rows_keep_both() {
    let store = Arc::new(MemoryStore::new());
    let mut a = common::sql_session_on(store.clone());
    a.execute("CREATE TABLE log (msg text)").unwrap();
    let mut b = Session::open(Repository::open(store).unwrap(), "main").unwrap();
    a.execute("BEGIN; INSERT INTO log VALUES ('x')").unwrap();
    b.execute("BEGIN; INSERT INTO log VALUES ('x'), ('y')")
        .unwrap();
    a.execute("COMMIT").unwrap();
    b.execute("COMMIT").unwrap();
    let count = match a
        .execute("SELECT count(*) FILTER (WHERE msg = 'x'), count(*) FROM log")
        .unwrap()
        .pop()
    {
        Some(StatementResult::Rows { rows, .. }) => format!("{},{}", rows[0][0], rows[0][1]),
        other => panic!("{other:?}"),
    };
    assert_eq!(count, "2,3");
}

#[test]
fn a_sql_patch_takes_away_only_some_of_equal_rows() {
    let repo = Repo::new();
    repo.sql("CREATE TABLE t (n int, s text); INSERT INTO t VALUES (1, 'a'), (1, 'a'), (1, 'a'), (2, 'b')");
    repo.commit_all("three a");
    repo.sql("DELETE FROM t; INSERT INTO t VALUES (1, 'a'), (2, 'b'), (2, 'b')");
    repo.commit_all("one a");
    let diffs = repo.db.diff("HEAD~1", "HEAD").unwrap();
    let patch = arbor_engine::io::sql_patch(repo.db.repository(), &diffs, &[]).unwrap();
    // Applied to the old version, the patch gives the new one.
    repo.db.create_branch("replay", "HEAD~1").unwrap();
    repo.db.checkout("replay").unwrap();
    repo.sql(&patch);
    assert_eq!(rows(&repo), ["1,a", "2,b", "2,b"], "{patch}");
}
