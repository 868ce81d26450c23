//! Status, staging and committing through the library: which tables are
//! staged and which are not, what a commit records, what it refuses, who
//! signs it and when, amending, and the hashes the same steps give.
//! (The command line's rendering of the same is in `cli/tests/vcs.rs`.)

#![allow(clippy::unwrap_used)]

mod common;

use arbor_engine::TableChange::{Added, Deleted, Modified};
use arbor_engine::{CommitArgs, SqlState, TableChange, VcError};
use common::{INIT, NAME, Repo, changes};

fn message(m: &str) -> CommitArgs {
    CommitArgs {
        message: Some(m.into()),
        ..CommitArgs::default()
    }
}

fn all(m: &str) -> CommitArgs {
    CommitArgs {
        all: true,
        ..message(m)
    }
}

// ---------------------------------------------------------------- status

/// A new repository is on `main` with nothing to commit.
#[test]
fn status_of_a_new_repository_is_clean() {
    let repo = Repo::new();
    assert_eq!(repo.current(), "main");
    let status = repo.status();
    assert_eq!(status.branch, "main");
    assert!(status.is_clean(), "{status:?}");
    assert_eq!(repo.head().to_hex(), INIT);
}

/// Staged tables (HEAD to staged), unstaged ones (staged to working) and
/// untracked ones (new, never staged) are listed apart, as new, modified
/// or deleted.
#[test]
fn status_separates_staged_and_unstaged_tables() {
    let repo = Repo::with_fruit();
    repo.sql("CREATE TABLE veg (id integer PRIMARY KEY)");
    repo.sql("UPDATE fruit SET price = 80 WHERE id = 2");
    repo.call("SELECT arbor_add('fruit')").unwrap();
    repo.sql("INSERT INTO fruit VALUES (3, 'fig', 300)");
    let status = repo.status();
    assert_eq!(status.staged, changes(&[("fruit", Modified)]));
    assert_eq!(status.unstaged, changes(&[("fruit", Modified)]));
    assert_eq!(status.untracked, ["veg"]);
    assert_eq!(status.merging, None);
    // SQL sees the same.
    assert_eq!(
        repo.rows("SELECT table_name, staged, status FROM arbor_status"),
        ["fruit,t,modified", "fruit,f,modified", "veg,f,untracked"]
    );
    repo.commit(&all("more")).unwrap();
    repo.sql("DROP TABLE veg");
    let status = repo.status();
    assert_eq!(status.staged, changes(&[]));
    assert_eq!(status.unstaged, changes(&[("veg", Deleted)]));
}

/// A staged rename is a rename, in status, `arbor_status` and diffs: a
/// table gone and one new holding exactly its rows. Empty tables and
/// tables whose rows changed too are not paired.
#[test]
fn a_staged_rename_shows_as_a_rename() {
    let repo = Repo::with_fruit();
    repo.sql("ALTER TABLE fruit RENAME TO produce");
    let status = repo.status();
    // Not staged: the old table is gone and the new one untracked.
    assert_eq!(status.unstaged, changes(&[("fruit", Deleted)]));
    assert_eq!(status.untracked, ["produce"]);
    repo.call("SELECT arbor_add('-A')").unwrap();
    let renamed = TableChange::Renamed {
        from: "fruit".into(),
    };
    assert_eq!(
        repo.status().staged,
        vec![("produce".to_owned(), renamed.clone())]
    );
    assert_eq!(
        repo.rows("SELECT table_name, staged, status FROM arbor_status"),
        ["fruit -> produce,t,renamed"]
    );
    repo.commit(&all("renamed")).unwrap();
    let diffs = repo.db.diff("HEAD~1", "HEAD").unwrap();
    assert_eq!(diffs.len(), 1);
    assert_eq!(
        (diffs[0].name.as_str(), &diffs[0].change),
        ("produce", &renamed)
    );
    assert!(diffs[0].from.is_some() && diffs[0].to.is_some());
    // Renamed and changed at once: a drop and a new table, as before.
    repo.sql("ALTER TABLE produce RENAME TO fruit; DELETE FROM fruit WHERE id = 1");
    repo.call("SELECT arbor_add('-A')").unwrap();
    assert_eq!(
        repo.status().staged,
        changes(&[("fruit", Added), ("produce", Deleted)])
    );
    // Two empty tables are not taken for one renamed.
    repo.call("SELECT arbor_reset('--hard')").unwrap();
    repo.sql("CREATE TABLE e1 (id integer PRIMARY KEY)");
    repo.commit(&all("e1")).unwrap();
    repo.sql("DROP TABLE e1; CREATE TABLE e2 (id integer PRIMARY KEY)");
    repo.call("SELECT arbor_add('-A')").unwrap();
    assert_eq!(
        repo.status().staged,
        changes(&[("e1", Deleted), ("e2", Added)])
    );
}

// ---------------------------------------------------------------- add

/// `add <table>` stages just that table; `add -A` and `add .` stage every
/// change, drops included; `reset` unstages them all again.
#[test]
fn add_stages_named_tables_or_everything() {
    let repo = Repo::with_fruit();
    repo.sql("CREATE TABLE a (id integer PRIMARY KEY); CREATE TABLE b (id integer PRIMARY KEY)");
    repo.sql("DROP TABLE fruit");
    repo.call("SELECT arbor_add('b')").unwrap();
    let status = repo.status();
    assert_eq!(status.staged, changes(&[("b", Added)]));
    assert_eq!(status.unstaged, changes(&[("fruit", Deleted)]));
    assert_eq!(status.untracked, ["a"]);
    let all_staged = changes(&[("a", Added), ("b", Added), ("fruit", Deleted)]);
    repo.call("SELECT arbor_add('-A')").unwrap();
    let status = repo.status();
    assert_eq!(status.staged, all_staged);
    assert_eq!(status.unstaged, changes(&[]));
    assert!(status.untracked.is_empty());
    repo.call("SELECT arbor_reset()").unwrap();
    let status = repo.status();
    assert_eq!(status.staged, changes(&[]));
    assert_eq!(status.unstaged, changes(&[("fruit", Deleted)]));
    assert_eq!(status.untracked, ["a", "b"]);
    repo.call("SELECT arbor_add('.')").unwrap();
    let status = repo.status();
    assert_eq!(status.staged, all_staged);
    assert_eq!(status.unstaged, changes(&[]));
    assert!(status.untracked.is_empty());
}

/// `add` needs something to stage, and only tables that exist.
#[test]
fn add_errors() {
    let repo = Repo::with_fruit();
    let e = repo.sql_err("SELECT arbor_add()");
    assert_eq!(e.vc, Some(VcError::NothingToAdd));
    assert_eq!(e.code, SqlState::ObjectNotInPrerequisiteState);
    assert_eq!(e.message, "nothing specified, nothing added");
    let e = repo.sql_err("SELECT arbor_add('nosuch')");
    assert_eq!(e.code, SqlState::UndefinedTable);
    assert_eq!(e.message, "table \"nosuch\" does not exist");
    assert_eq!((e.vc.clone(), e.hint.clone()), (None, None));
    assert!(repo.status().is_clean());
}

// ---------------------------------------------------------------- commit

/// A commit records the staged tables only, and its whole message; what
/// was not staged stays in the working set.
#[test]
fn commit_records_the_staged_tables() {
    let repo = Repo::with_fruit();
    repo.sql("INSERT INTO fruit VALUES (3, 'fig', 300); CREATE TABLE veg (id integer PRIMARY KEY)");
    repo.call("SELECT arbor_add('fruit')").unwrap();
    let before = repo.head();
    let commit = repo.commit(&message("add a fig\n\nwith a body")).unwrap();
    assert_eq!(repo.head(), commit);
    let recorded = repo.db.commit_at(&commit).unwrap();
    assert_eq!(recorded.message, "add a fig\n\nwith a body");
    assert_eq!(recorded.parents, [before]);
    let status = repo.status();
    assert_eq!(status.staged, changes(&[]));
    assert_eq!(status.unstaged, changes(&[]));
    assert_eq!(status.untracked, ["veg"]);
    // The committed state: the fig, and no veg.
    assert_eq!(
        repo.rows("SELECT * FROM fruit AS OF 'HEAD' ORDER BY id"),
        ["1,apple,100", "2,pear,75", "3,fig,300"]
    );
    assert_eq!(
        repo.sql_err("SELECT * FROM veg AS OF 'HEAD'").code,
        SqlState::UndefinedTable
    );
}

/// `commit -a` commits every change: tables added, changed and dropped.
#[test]
fn commit_all_takes_every_change() {
    let repo = Repo::with_fruit();
    repo.sql("CREATE TABLE veg (id integer PRIMARY KEY); INSERT INTO veg VALUES (7)");
    repo.sql("DELETE FROM fruit WHERE id = 1");
    repo.commit(&all("everything")).unwrap();
    assert!(repo.status().is_clean());
    let diff = repo.db.diff("HEAD~1", "HEAD").unwrap();
    let summary: Vec<_> = diff
        .iter()
        .map(|d| (d.name.as_str(), d.change.clone(), d.schema.is_some()))
        .collect();
    assert_eq!(
        summary,
        [("fruit", Modified, false), ("veg", Added, false)],
        "fruit: data changed, veg: added"
    );
    repo.sql("DROP TABLE veg");
    repo.commit(&all("drop veg")).unwrap();
    let diff = repo.db.diff("HEAD~1", "HEAD").unwrap();
    let summary: Vec<_> = diff
        .iter()
        .map(|d| (d.name.as_str(), d.change.clone()))
        .collect();
    assert_eq!(summary, [("veg", Deleted)]);
}

/// Nothing to commit, nothing staged, no message or a blank one: refused,
/// typed, and HEAD does not move.
#[test]
fn commit_refuses_nothing_to_commit_and_missing_messages() {
    let repo = Repo::with_fruit();
    let head = repo.head();
    let e = repo.commit(&message("nothing")).unwrap_err();
    assert_eq!(e.vc, Some(VcError::NothingToCommit { unstaged: false }));
    assert_eq!(e.code, SqlState::ObjectNotInPrerequisiteState);
    assert_eq!(e.message, "nothing to commit, working tree clean");
    repo.sql("INSERT INTO fruit VALUES (3, 'fig', 300)");
    let e = repo.commit(&message("unstaged")).unwrap_err();
    assert_eq!(e.vc, Some(VcError::NothingToCommit { unstaged: true }));
    assert_eq!(e.message, "no changes added to commit");
    let e = repo
        .commit(&CommitArgs {
            all: true,
            ..CommitArgs::default()
        })
        .unwrap_err();
    assert_eq!(e.code, SqlState::InvalidParameterValue);
    assert_eq!(e.message, "a commit needs a message");
    assert_eq!(e.hint.as_deref(), Some("pass one with -m \"...\""));
    let e = repo.commit(&all("  ")).unwrap_err();
    assert_eq!(e.code, SqlState::InvalidParameterValue);
    assert_eq!(e.message, "aborting commit due to empty commit message");
    assert_eq!(e.hint, None);
    assert_eq!(repo.head(), head);
    assert_eq!(repo.fruit().len(), 3, "the change is still there");
}

/// `--allow-empty` records a commit with the head's tables.
#[test]
fn commit_allow_empty_records_a_commit_without_changes() {
    let repo = Repo::with_fruit();
    let before = repo.head();
    let after = repo
        .commit(&CommitArgs {
            allow_empty: true,
            ..message("checkpoint")
        })
        .unwrap();
    assert_ne!(before, after);
    assert_eq!(repo.head(), after);
    assert_eq!(repo.hash("HEAD~1"), before);
    let commit = repo.db.commit_at(&after).unwrap();
    assert_eq!(commit.message, "checkpoint");
    assert_eq!(commit.catalog, repo.db.commit_at(&before).unwrap().catalog);
    assert!(repo.db.diff("HEAD~1", "HEAD").unwrap().is_empty());
}

/// `--author` and `--date` set the signature; the date keeps its offset,
/// and seconds since the epoch are UTC; malformed ones are refused.
#[test]
fn commit_author_and_date_flags() {
    let repo = Repo::with_fruit();
    repo.sql("INSERT INTO fruit VALUES (3, 'fig', 300)");
    let by_bob = repo
        .commit(&CommitArgs {
            author: Some("Bob Ray <bob@example.com>".into()),
            date: Some("2024-01-31T12:00:00+01:00".into()),
            ..all("by Bob")
        })
        .unwrap();
    let author = repo.db.commit_at(&by_bob).unwrap().author;
    assert_eq!(
        (
            author.name.as_str(),
            author.email.as_str(),
            author.time,
            author.offset_minutes
        ),
        ("Bob Ray", "bob@example.com", 1_706_698_800, 60)
    );
    let epoch = repo
        .commit(&CommitArgs {
            allow_empty: true,
            date: Some("86400".into()),
            ..message("epoch")
        })
        .unwrap();
    let author = repo.db.commit_at(&epoch).unwrap().author;
    assert_eq!((author.time, author.offset_minutes), (86_400, 0));
    assert_eq!(author.name, NAME);
    let head = repo.head();
    let e = repo
        .commit(&CommitArgs {
            allow_empty: true,
            author: Some("Bob".into()),
            ..message("x")
        })
        .unwrap_err();
    assert_eq!(e.code, SqlState::InvalidParameterValue);
    assert_eq!(e.message, "--author 'Bob' is not 'Name <email>'");
    assert_eq!(e.hint, None);
    let e = repo
        .commit(&CommitArgs {
            allow_empty: true,
            date: Some("yesterday".into()),
            ..message("x")
        })
        .unwrap_err();
    assert!(
        e.message.starts_with("--date 'yesterday' is not a date"),
        "{e:?}"
    );
    assert_eq!(repo.head(), head);
}

/// With nobody known as the author and no `--author`, a commit is refused
/// and nothing is committed; `--author` alone is enough.
#[test]
fn commit_without_an_identity_is_refused() {
    let repo = Repo::with_fruit();
    repo.sql("INSERT INTO fruit VALUES (3, 'fig', 300)");
    let nobody = repo.with_env(common::anonymous());
    let e = nobody.commit(&all("anonymous")).unwrap_err();
    assert_eq!(e.vc, Some(VcError::UnknownAuthor));
    assert_eq!(e.code, SqlState::InvalidAuthorizationSpecification);
    assert_eq!(e.message, "author identity unknown");
    assert_eq!(repo.log().len(), 2);
    let signed = nobody
        .commit(&CommitArgs {
            author: Some("Cy <cy@example.com>".into()),
            ..all("signed")
        })
        .unwrap();
    let author = repo.db.commit_at(&signed).unwrap().author;
    assert_eq!(
        (author.name.as_str(), author.email.as_str()),
        ("Cy", "cy@example.com")
    );
    assert_eq!(
        repo.log(),
        ["signed", "fruit", "Initialize data repository"]
    );
}

/// `--amend` replaces the head commit: same parent, the new tables, the
/// old message unless -m is given, and the old author and date unless
/// `--author` or `--date` is given.
#[test]
fn commit_amend_replaces_the_head_commit() {
    let repo = Repo::with_fruit();
    let parent = repo.head();
    repo.sql("INSERT INTO fruit VALUES (3, 'fig', 300)");
    let first = repo
        .commit(&CommitArgs {
            author: Some("Bob Ray <bob@example.com>".into()),
            date: Some("2024-01-31T12:00:00+01:00".into()),
            ..all("add fig")
        })
        .unwrap();
    repo.sql("UPDATE fruit SET price = 310 WHERE id = 3");
    let amended = repo
        .commit(&CommitArgs {
            all: true,
            amend: true,
            ..CommitArgs::default()
        })
        .unwrap();
    assert_ne!(amended, first);
    assert_eq!(repo.head(), amended);
    assert_eq!(repo.hash("HEAD~1"), parent);
    let commit = repo.db.commit_at(&amended).unwrap();
    assert_eq!(commit.message, "add fig");
    assert_eq!(commit.parents, [parent]);
    assert_eq!(
        (
            commit.author.name.as_str(),
            commit.author.email.as_str(),
            commit.author.time,
            commit.author.offset_minutes
        ),
        ("Bob Ray", "bob@example.com", 1_706_698_800, 60)
    );
    let diff = repo.db.diff("HEAD~1", "HEAD").unwrap();
    assert_eq!(diff.len(), 1);
    let stat = diff[0].stat(repo.db.repository()).unwrap();
    assert_eq!(
        (
            stat.rows_added,
            stat.rows_deleted,
            stat.rows_modified,
            stat.cells_modified
        ),
        (1, 0, 0, 0)
    );
    assert_eq!(
        repo.rows("SELECT price FROM fruit AS OF 'HEAD' WHERE id = 3"),
        ["310"]
    );
    // A new message, author and date.
    let renamed = repo
        .commit(&CommitArgs {
            amend: true,
            author: Some("Cy <cy@example.com>".into()),
            date: Some("0".into()),
            ..message("add a fig")
        })
        .unwrap();
    let commit = repo.db.commit_at(&renamed).unwrap();
    assert_eq!(commit.message, "add a fig");
    assert_eq!(
        (
            commit.author.name.as_str(),
            commit.author.email.as_str(),
            commit.author.time,
            commit.author.offset_minutes
        ),
        ("Cy", "cy@example.com", 0, 0)
    );
    assert_eq!(
        repo.log(),
        ["add a fig", "fruit", "Initialize data repository"]
    );
    assert_eq!(repo.hash("HEAD~1"), parent);
    assert_eq!(repo.hash("HEAD~2").to_hex(), INIT);
}

/// The same steps under the same author and date give the same commit
/// hashes in any repository, the command line's included; another date
/// gives another hash.
#[test]
fn commit_hashes_depend_only_on_content_author_and_date() {
    let (a, b) = (Repo::with_fruit(), Repo::with_fruit());
    assert_eq!(a.hash("HEAD~1").to_hex(), INIT);
    assert_eq!(a.head(), b.head());
    // Pinned: a change here means the commit or table encoding changed
    // (`arbor` gives the same under the same author and date).
    assert_eq!(a.head().short(8), "8cb065ce");
    let empty = |date: &str| CommitArgs {
        allow_empty: true,
        date: Some(date.into()),
        ..message("same")
    };
    a.commit(&empty("5")).unwrap();
    b.commit(&empty("6")).unwrap();
    assert_ne!(a.head(), b.head());
    assert_eq!(a.hash("HEAD~1"), b.hash("HEAD~1"));
}

/// Staging a table stages the sequences it owns (its serial columns'
/// counters) with it: committed alone, the table would name a sequence the
/// commit lacks, and after a hard reset no row could be inserted.
#[test]
fn adding_a_table_stages_its_own_sequences() {
    let repo = Repo::with_fruit();
    repo.sql("CREATE TABLE s (id serial PRIMARY KEY, v text); INSERT INTO s (v) VALUES ('a')");
    repo.call("SELECT arbor_add('s')").unwrap();
    repo.call("SELECT arbor_commit('-m', 's')").unwrap();
    repo.call("SELECT arbor_reset('--hard')").unwrap();
    repo.sql("INSERT INTO s (v) VALUES ('b')");
    assert_eq!(repo.rows("SELECT id, v FROM s ORDER BY id"), ["1,a", "2,b"]);
    // Unstaging goes the same way.
    repo.sql("DROP TABLE s");
    repo.call("SELECT arbor_add('s')").unwrap();
    repo.call("SELECT arbor_commit('-m', 'no s')").unwrap();
    assert!(
        repo.rows("SELECT * FROM arbor_status").is_empty(),
        "the sequence went with it"
    );
}
