//! Garbage collection on disk: what survives, and what an interrupted run
//! leaves behind.

#![allow(clippy::unwrap_used)]

use arbor_engine::ops::collect_garbage;
use arbor_engine::ops::open_disk_store;
use arbor_engine::{Repository, Session, Signature, StatementResult};

fn author() -> Signature {
    Signature {
        name: "G".into(),
        email: "g@example.com".into(),
        time: 0,
        offset_minutes: 0,
    }
}

fn count(dir: &std::path::Path) -> String {
    let repo = Repository::open(open_disk_store(dir).unwrap()).unwrap();
    let mut s = Session::open(repo, "main").unwrap();
    match s
        .execute("SELECT count(*), sum(v) FROM t")
        .unwrap()
        .pop()
        .unwrap()
    {
        StatementResult::Rows { rows, .. } => format!("{}|{}", rows[0][0], rows[0][1]),
        other => panic!("{other:?}"),
    }
}

fn repository_with_garbage() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let repo = Repository::init(open_disk_store(dir.path()).unwrap(), "main", &author()).unwrap();
    let mut s = Session::open(repo, "main").unwrap();
    s.execute("CREATE TABLE t (id integer PRIMARY KEY, v integer)")
        .unwrap();
    for i in 0..50 {
        s.execute(&format!("INSERT INTO t VALUES ({i}, {i})"))
            .unwrap();
    }
    dir
}

#[test]
fn gc_keeps_the_working_set_and_shrinks_the_journal() {
    let dir = repository_with_garbage();
    let before = count(dir.path());
    let report = collect_garbage(dir.path()).unwrap();
    assert!(report.bytes_after < report.bytes_before, "{report:?}");
    assert_eq!(count(dir.path()), before);
    let store = open_disk_store(dir.path()).unwrap();
    let repo = Repository::open(store.clone()).unwrap();
    assert!(
        arbor_engine::ops::fsck(&repo, Some(&store))
            .unwrap()
            .is_clean()
    );
}

#[test]
fn a_leftover_from_an_interrupted_run_is_cleared() {
    let dir = repository_with_garbage();
    let tmp = dir.path().join(".arbor/gc.tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    std::fs::write(tmp.join("journal"), b"half a journal").unwrap();
    collect_garbage(dir.path()).unwrap();
    assert!(!tmp.exists());
    assert_eq!(count(dir.path()), "50|1225");
}

#[test]
fn a_stale_index_after_the_journal_swap_is_ignored() {
    // A crash between the journal's rename and the index's leaves an index
    // that does not describe the journal: opening must scan instead.
    let dir = repository_with_garbage();
    collect_garbage(dir.path()).unwrap();
    std::fs::write(dir.path().join(".arbor/index"), b"ARBORIDX stale bytes").unwrap();
    assert_eq!(count(dir.path()), "50|1225");
}
