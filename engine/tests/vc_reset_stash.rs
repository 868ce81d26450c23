//! Undoing through the library: `arbor_reset` (hard, soft, mixed, and
//! unstaging tables), stashes (uncommitted changes put aside and brought
//! back on a head that moved), and untracked tables (new, never staged),
//! which reset, stash, checkout and merge keep and never overwrite.
//! (The command line's rendering of the same is in `cli/tests/vcs.rs`.)

#![allow(clippy::unwrap_used)]

mod common;

use arbor_engine::SequenceKind::CherryPick;
use arbor_engine::TableChange::{Added, Modified};
use arbor_engine::ops::{PickArgs, list_stashes, push_stash};
use arbor_engine::{
    BranchState, CommitArgs, Error, Identity, MergeOutcome, Signature, SqlState, Timestamp,
    VcError, ops,
};
use common::{EMAIL, NAME, NOW, Repo, changes};

// ---------------------------------------------------------------- reset

/// `reset --hard` discards staged and unstaged changes, staged new tables
/// too (untracked ones stay: `reset_hard_keeps_untracked_tables`); with a
/// revision it also moves the branch back.
#[test]
fn reset_hard() {
    let repo = Repo::with_fruit();
    repo.sql("INSERT INTO fruit VALUES (3, 'fig', 300)");
    let fig = repo.commit_all("fig");
    repo.sql("DELETE FROM fruit WHERE id = 1");
    repo.call("SELECT arbor_add('fruit')").unwrap();
    repo.sql("UPDATE fruit SET price = 0; CREATE TABLE veg (id integer PRIMARY KEY)");
    repo.call("SELECT arbor_add('veg')").unwrap();
    repo.call("SELECT arbor_reset('--hard')").unwrap();
    assert!(repo.status().is_clean());
    assert_eq!(repo.head(), fig);
    assert_eq!(repo.fruit(), ["1,apple,100", "2,pear,75", "3,fig,300"]);
    assert_eq!(
        repo.sql_err("SELECT * FROM veg").code,
        SqlState::UndefinedTable
    );
    let fruit = repo.hash("HEAD~1");
    repo.call("SELECT arbor_reset('--hard', 'HEAD~1')").unwrap();
    assert_eq!(repo.head(), fruit);
    assert_eq!(repo.fruit(), ["1,apple,100", "2,pear,75"]);
    assert!(repo.status().is_clean());
    assert_eq!(repo.log().len(), 2);
}

/// `reset --soft` moves the branch and keeps what it undid staged.
#[test]
fn reset_soft() {
    let repo = Repo::with_fruit();
    let fruit = repo.head();
    repo.sql("INSERT INTO fruit VALUES (3, 'fig', 300)");
    repo.commit_all("fig");
    repo.call("SELECT arbor_reset('--soft', 'HEAD~1')").unwrap();
    assert_eq!(repo.head(), fruit);
    assert_eq!(repo.log()[0], "fruit");
    let status = repo.status();
    assert_eq!(status.staged, changes(&[("fruit", Modified)]));
    assert_eq!(status.unstaged, changes(&[]));
    // What is staged: the fig.
    let state = BranchState::read(repo.db.repository(), "main").unwrap();
    let head = repo
        .db
        .repository()
        .read_catalog(&state.commit.catalog)
        .unwrap();
    let staged = repo
        .db
        .repository()
        .read_catalog(&state.working_set.staged)
        .unwrap();
    let diff = ops::diff_catalogs(repo.db.repository(), &head, &staged, &[]).unwrap();
    assert_eq!(diff.len(), 1);
    let stat = diff[0].stat(repo.db.repository()).unwrap();
    assert_eq!(
        (
            diff[0].name.as_str(),
            stat.rows_added,
            stat.rows_deleted,
            stat.rows_modified,
            stat.cells_modified
        ),
        ("fruit", 1, 0, 0, 0)
    );
    assert_eq!(repo.fruit(), ["1,apple,100", "2,pear,75", "3,fig,300"]);
    repo.commit(&CommitArgs {
        message: Some("fig again".into()),
        ..CommitArgs::default()
    })
    .unwrap();
    assert_eq!(
        repo.log(),
        ["fig again", "fruit", "Initialize data repository"]
    );
}

/// `reset` (mixed) unstages everything and keeps the working set;
/// `reset <table>` unstages just that table (a new one is untracked
/// again); a revision moves the branch.
#[test]
fn reset_mixed_and_unstaging_tables() {
    let repo = Repo::with_fruit();
    repo.sql("INSERT INTO fruit VALUES (3, 'fig', 300); CREATE TABLE veg (id integer PRIMARY KEY)");
    repo.call("SELECT arbor_add('-A')").unwrap();
    assert_eq!(
        repo.status().staged,
        changes(&[("fruit", Modified), ("veg", Added)])
    );
    repo.call("SELECT arbor_reset('veg')").unwrap();
    let status = repo.status();
    assert_eq!(status.staged, changes(&[("fruit", Modified)]));
    assert_eq!(status.unstaged, changes(&[]));
    assert_eq!(status.untracked, ["veg"]);
    repo.call("SELECT arbor_reset()").unwrap();
    let unstaged = |repo: &Repo| {
        let status = repo.status();
        assert_eq!(status.staged, changes(&[]));
        assert_eq!(status.unstaged, changes(&[("fruit", Modified)]));
        assert_eq!(status.untracked, ["veg"]);
    };
    unstaged(&repo);
    assert_eq!(repo.fruit(), ["1,apple,100", "2,pear,75", "3,fig,300"]);
    let fruit = repo.head();
    repo.commit_all("both");
    repo.call("SELECT arbor_reset('HEAD~1')").unwrap();
    assert_eq!(repo.head(), fruit);
    unstaged(&repo);
    assert_eq!(repo.log().len(), 2);
}

/// `--soft`/`--hard` take one revision, not tables; unknown names are
/// errors; `--soft` and `--hard` do not go together.
#[test]
fn reset_errors() {
    let repo = Repo::with_fruit();
    let e = repo.sql_err("SELECT arbor_reset('--hard', 'fruit')");
    assert_eq!(e.vc, Some(VcError::UnknownRevision));
    assert_eq!(e.code, SqlState::UndefinedObject);
    assert_eq!(e.message, "unknown revision 'fruit'");
    let e = repo.sql_err("SELECT arbor_reset('--soft', 'fruit', 'veg')");
    assert_eq!(e.code, SqlState::InvalidParameterValue);
    assert_eq!(e.message, "--soft and --hard take a revision, not tables");
    let e = repo.sql_err("SELECT arbor_reset('nosuch')");
    assert_eq!(e.code, SqlState::UndefinedTable);
    assert_eq!(e.message, "table \"nosuch\" does not exist");
    let e = repo.sql_err("SELECT arbor_reset('--soft', '--hard')");
    assert_eq!(e.code, SqlState::InvalidParameterValue);
    assert!(e.message.starts_with("arbor_reset: "), "{e:?}");
    assert!(e.message.contains("cannot be used with"), "{e:?}");
    assert_eq!(repo.log().len(), 2);
    assert!(repo.status().is_clean());
}

// ---------------------------------------------------------------- stash

/// A stash puts uncommitted changes aside and resets to HEAD; it lists
/// them, and brings them back on top of a head that moved meanwhile.
#[test]
fn stash_push_list_pop() {
    let repo = Repo::with_fruit();
    let r = repo.db.repository();
    let ann = Identity::new(NAME, EMAIL).at(Timestamp {
        seconds: NOW,
        offset_minutes: 0,
    });
    repo.sql("UPDATE fruit SET price = 1 WHERE id = 1");
    let saved = push_stash(r, "main", "fruit", &ann, false).unwrap();
    assert_eq!(repo.rows("SELECT price FROM fruit WHERE id = 1"), ["100"]);
    assert!(repo.status().is_clean());
    let list = list_stashes(r).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].1, saved);
    assert_eq!(list[0].2.message, "WIP on main: fruit");
    // Made on the head, with the staged catalog in a second parent.
    assert_eq!(list[0].2.parents.len(), 2);
    assert_eq!(list[0].2.parents[0], repo.head());
    // The head moves on another row; the stash still applies.
    repo.sql("UPDATE fruit SET name = 'nashi' WHERE id = 2");
    repo.commit_all("pear renamed");
    repo.db
        .branch("main")
        .unwrap()
        .apply_stash(0, true)
        .unwrap();
    assert_eq!(
        repo.rows("SELECT id, name, price FROM fruit ORDER BY id"),
        ["1,apple,1", "2,nashi,75"]
    );
    assert!(list_stashes(r).unwrap().is_empty());
    let e = repo
        .db
        .branch("main")
        .unwrap()
        .apply_stash(0, true)
        .unwrap_err();
    assert_eq!(e.code, SqlState::UndefinedObject);
    assert!(e.message.contains("stash@{0} does not exist"), "{e:?}");
    repo.call("SELECT arbor_reset('--hard')").unwrap();
    let e = push_stash(r, "main", "fruit", &ann, false).unwrap_err();
    assert!(e.message.contains("no local changes to save"), "{e:?}");
    assert!(list_stashes(r).unwrap().is_empty());
}

/// `stash pop` applies over uncommitted changes to other tables, refuses
/// (changing nothing) over changes to a table the stash changes too, and
/// brings a table that was new and staged back staged, the rest unstaged.
#[test]
fn stash_pop_over_unrelated_changes_and_staged_new_tables() {
    let repo = Repo::with_fruit();
    let r = repo.db.repository();
    repo.sql(
        "UPDATE fruit SET price = 1 WHERE id = 1; \
         CREATE TABLE veg (id integer PRIMARY KEY); INSERT INTO veg VALUES (7)",
    );
    repo.call("SELECT arbor_add('veg')").unwrap();
    push_stash(r, "main", "wip", &ann(), false).unwrap();
    assert!(repo.status().is_clean());
    // An unrelated change: the stash applies over it, and it stays.
    repo.sql("CREATE TABLE notes (id integer PRIMARY KEY); INSERT INTO notes VALUES (1)");
    repo.call("SELECT arbor_add('notes')").unwrap();
    repo.db
        .branch("main")
        .unwrap()
        .apply_stash(0, false)
        .unwrap();
    assert_eq!(repo.rows("SELECT price FROM fruit WHERE id = 1"), ["1"]);
    assert_eq!(repo.rows("SELECT id FROM veg"), ["7"]);
    assert_eq!(repo.rows("SELECT id FROM notes"), ["1"]);
    let status = repo.status();
    assert_eq!(status.staged, changes(&[("notes", Added), ("veg", Added)]));
    assert_eq!(status.unstaged, changes(&[("fruit", Modified)]));
    // A change to a table the stash changes too: refused, nothing moves.
    repo.call("SELECT arbor_reset('--hard')").unwrap();
    repo.sql("UPDATE fruit SET price = 2 WHERE id = 2");
    let before = BranchState::read(r, "main").unwrap().working_set;
    let e = repo
        .db
        .branch("main")
        .unwrap()
        .apply_stash(0, true)
        .unwrap_err();
    assert_eq!(e.vc, Some(VcError::UncommittedChanges));
    assert!(
        e.message.contains("overwritten by stash@{0}: fruit"),
        "{e:?}"
    );
    assert_eq!(BranchState::read(r, "main").unwrap().working_set, before);
    assert_eq!(list_stashes(r).unwrap().len(), 1);
}

// ---------------------------------------------------------------- untracked tables

/// The author a stash records.
fn ann() -> Signature {
    Identity::new(NAME, EMAIL).at(Timestamp {
        seconds: NOW,
        offset_minutes: 0,
    })
}

/// `e` is the refusal of `operation` because it would overwrite the
/// untracked table `n`: the error says which and why.
#[track_caller]
fn assert_overwrites_untracked_n(e: &Error, operation: &str) {
    assert_eq!(
        e.vc,
        Some(VcError::UntrackedOverwritten {
            tables: vec!["n".into()]
        })
    );
    assert_eq!(
        e.message,
        format!("untracked tables would be overwritten by {operation}: n")
    );
}

/// The untracked tables and view the tests make on top of `with_fruit`:
/// `n` (two columns, one row), `s` (a serial column, one row) and the view
/// `names` (over `n`).
fn make_untracked(repo: &Repo) {
    repo.sql(
        "CREATE TABLE n (id integer PRIMARY KEY, name text); INSERT INTO n VALUES (1, 'one'); \
         CREATE TABLE s (id serial PRIMARY KEY, x integer); INSERT INTO s (x) VALUES (10); \
         CREATE VIEW names AS SELECT name FROM n",
    );
}

/// What `make_untracked` made is there, as it was, and `s` still numbers
/// its rows on from where it was (its sequence stayed with it: a new one
/// would hand out 1 again, which is taken).
#[track_caller]
fn untracked_intact(repo: &Repo) {
    assert_eq!(repo.rows("SELECT * FROM n"), ["1,one"]);
    assert_eq!(repo.rows("SELECT * FROM names"), ["one"]);
    assert_eq!(repo.rows("SELECT * FROM s"), ["1,10"]);
    repo.sql("INSERT INTO s (x) VALUES (20)");
    repo.sql("DELETE FROM s WHERE x = 20");
}

/// A table made and never staged is untracked: status lists it apart
/// (SQL too), and `reset --hard`, to HEAD or to a revision, keeps it with
/// its rows, its schema and its sequence, while discarding every change to
/// tracked tables.
#[test]
fn reset_hard_keeps_untracked_tables() {
    let repo = Repo::with_fruit();
    make_untracked(&repo);
    repo.sql("UPDATE fruit SET price = 0 WHERE id = 1");
    let status = repo.status();
    assert_eq!(status.staged, changes(&[]));
    assert_eq!(status.unstaged, changes(&[("fruit", Modified)]));
    assert_eq!(status.untracked, ["n", "names", "s"]);
    assert_eq!(
        repo.rows("SELECT table_name, staged, status FROM arbor_status"),
        [
            "fruit,f,modified",
            "n,f,untracked",
            "names,f,untracked",
            "s,f,untracked"
        ]
    );
    repo.call("SELECT arbor_reset('--hard')").unwrap();
    assert_eq!(repo.fruit(), ["1,apple,100", "2,pear,75"]);
    untracked_intact(&repo);
    let status = repo.status();
    assert_eq!((status.staged.len(), status.unstaged.len()), (0, 0));
    assert_eq!(status.untracked, ["n", "names", "s"]);
    assert!(!status.is_clean(), "untracked tables differ from HEAD");
    // To a revision: the branch moves, the untracked tables stay.
    repo.sql("INSERT INTO fruit VALUES (3, 'fig', 50)");
    repo.call("SELECT arbor_add('fruit')").unwrap();
    let fruit = repo.head();
    repo.call("SELECT arbor_commit('-m', 'fig')").unwrap();
    repo.call("SELECT arbor_reset('--hard', 'HEAD~1')").unwrap();
    assert_eq!(repo.head(), fruit);
    assert_eq!(repo.fruit(), ["1,apple,100", "2,pear,75"]);
    untracked_intact(&repo);
    assert_eq!(repo.status().untracked, ["n", "names", "s"]);
    // Staged, a new table is tracked: the reset discards it.
    repo.call("SELECT arbor_add('n')").unwrap();
    repo.call("SELECT arbor_reset('--hard')").unwrap();
    assert_eq!(
        repo.sql_err("SELECT * FROM n").code,
        SqlState::UndefinedTable
    );
    assert_eq!(repo.status().untracked, ["names", "s"]);
}

/// `reset --hard` to a revision that has a table of an untracked one's
/// name refuses, naming it, and changes nothing.
#[test]
fn reset_hard_refuses_to_overwrite_an_untracked_table() {
    let repo = Repo::with_fruit();
    repo.call("SELECT arbor_checkout('-b', 'other')").unwrap();
    repo.sql("CREATE TABLE n (id integer PRIMARY KEY); INSERT INTO n VALUES (42)");
    repo.commit_all("n on other");
    repo.db.checkout("main").unwrap();
    repo.sql(
        "CREATE TABLE n (id integer PRIMARY KEY, name text); INSERT INTO n VALUES (1, 'mine')",
    );
    let before = repo.db.repository().store_root().unwrap();
    let e = repo.sql_err("SELECT arbor_reset('--hard', 'other')");
    assert_eq!(e.code, SqlState::ObjectNotInPrerequisiteState);
    assert_overwrites_untracked_n(&e, "the reset");
    assert!(
        e.hint.as_deref().unwrap().contains("arbor_add('<table>')"),
        "{e:?}"
    );
    assert_eq!(repo.db.repository().store_root().unwrap(), before);
    assert_eq!(repo.rows("SELECT * FROM n"), ["1,mine"]);
}

/// `stash` leaves untracked tables in the working set (alone, they are
/// nothing to save) and `stash pop` brings the rest back beside them;
/// `--include-untracked` stashes them too.
#[test]
fn stash_leaves_untracked_tables_unless_asked() {
    let repo = Repo::with_fruit();
    let r = repo.db.repository();
    make_untracked(&repo);
    repo.sql("UPDATE fruit SET price = 1 WHERE id = 1");
    push_stash(r, "main", "fruit", &ann(), false).unwrap();
    assert_eq!(repo.fruit(), ["1,apple,100", "2,pear,75"]);
    untracked_intact(&repo);
    let status = repo.status();
    assert_eq!((status.staged.len(), status.unstaged.len()), (0, 0));
    assert_eq!(status.untracked, ["n", "names", "s"]);
    // The stash holds the fruit change only.
    let stash = r
        .read_catalog(&list_stashes(r).unwrap()[0].2.catalog)
        .unwrap();
    let head = r
        .read_catalog(&r.read_commit(&repo.head()).unwrap().catalog)
        .unwrap();
    assert_eq!(stash.tables.keys().collect::<Vec<_>>(), ["fruit"]);
    assert_eq!(
        (&stash.views, &stash.sequences),
        (&head.views, &head.sequences)
    );
    let e = push_stash(r, "main", "again", &ann(), false).unwrap_err();
    assert_eq!(e.message, "no local changes to save");
    assert_eq!(list_stashes(r).unwrap().len(), 1);
    repo.on().apply_stash(0, true).unwrap();
    assert_eq!(repo.fruit(), ["1,apple,1", "2,pear,75"]);
    untracked_intact(&repo);
    let status = repo.status();
    assert_eq!(status.unstaged, changes(&[("fruit", Modified)]));
    assert_eq!(status.untracked, ["n", "names", "s"]);
    // With -u everything goes, and comes back.
    push_stash(r, "main", "all", &ann(), true).unwrap();
    assert!(repo.status().is_clean());
    assert_eq!(
        repo.sql_err("SELECT * FROM n").code,
        SqlState::UndefinedTable
    );
    repo.on().apply_stash(0, true).unwrap();
    assert_eq!(repo.fruit(), ["1,apple,1", "2,pear,75"]);
    untracked_intact(&repo);
    assert_eq!(repo.status().untracked, ["n", "names", "s"]);
}

/// `stash pop` onto a working set whose untracked table has the name of
/// a table in the stash refuses, naming it, and changes nothing.
#[test]
fn stash_pop_refuses_to_overwrite_an_untracked_table() {
    let repo = Repo::with_fruit();
    let r = repo.db.repository();
    repo.sql("CREATE TABLE n (id integer PRIMARY KEY); INSERT INTO n VALUES (42)");
    push_stash(r, "main", "n", &ann(), true).unwrap();
    repo.sql(
        "CREATE TABLE n (id integer PRIMARY KEY, name text); INSERT INTO n VALUES (1, 'mine')",
    );
    let before = r.store_root().unwrap();
    let e = repo.on().apply_stash(0, true).unwrap_err();
    assert_overwrites_untracked_n(&e, "stash@{0}");
    assert_eq!(r.store_root().unwrap(), before);
    assert_eq!(repo.rows("SELECT * FROM n"), ["1,mine"]);
    assert_eq!(list_stashes(r).unwrap().len(), 1);
    // A change to another table is no obstacle: the stash applies over it.
    repo.sql("DROP TABLE n; UPDATE fruit SET price = 2 WHERE id = 1");
    repo.on().apply_stash(0, true).unwrap();
    assert_eq!(repo.rows("SELECT * FROM n"), ["42"]);
    assert_eq!(repo.rows("SELECT price FROM fruit WHERE id = 1"), ["2"]);
}

/// `checkout` carries untracked tables to the other branch (leaving the
/// old one clean), and refuses, naming them, when that branch has a table
/// of the same name; `checkout -b` then leaves no branch behind.
#[test]
fn checkout_carries_untracked_tables_and_refuses_to_overwrite_one() {
    let repo = Repo::with_fruit();
    repo.call("SELECT arbor_branch('plain')").unwrap();
    repo.call("SELECT arbor_checkout('-b', 'other')").unwrap();
    repo.sql("CREATE TABLE n (id integer PRIMARY KEY); INSERT INTO n VALUES (42)");
    repo.commit_all("n on other");
    repo.db.checkout("main").unwrap();
    make_untracked(&repo);
    let before = repo.db.repository().store_root().unwrap();
    let e = repo.db.checkout("other").unwrap_err();
    assert_overwrites_untracked_n(&e, "checking out 'other'");
    assert_eq!(e.hint, None, "the library leaves the advice to its callers");
    let e = repo.sql_err("SELECT arbor_checkout('other')");
    assert!(
        matches!(e.vc, Some(VcError::UntrackedOverwritten { .. })),
        "{e:?}"
    );
    assert!(e.hint.is_some(), "{e:?}");
    let e = repo.sql_err("SELECT arbor_checkout('-b', 'tmp', 'other')");
    assert!(
        matches!(e.vc, Some(VcError::UntrackedOverwritten { .. })),
        "{e:?}"
    );
    assert_eq!(repo.db.repository().store_root().unwrap(), before);
    assert_eq!(repo.current(), "main");
    untracked_intact(&repo);
    // A branch without them takes them along.
    repo.db.checkout("plain").unwrap();
    assert_eq!(repo.current(), "plain");
    untracked_intact(&repo);
    assert_eq!(repo.status().untracked, ["n", "names", "s"]);
    assert!(repo.db.branch("main").unwrap().status().unwrap().is_clean());
}

/// A merge that would bring a table of an untracked one's name refuses,
/// naming it; `merge --abort` keeps tables made (and not staged) during
/// the merge.
#[test]
fn merge_refuses_to_overwrite_and_abort_keeps_untracked_tables() {
    let repo = Repo::with_fruit();
    repo.call("SELECT arbor_checkout('-b', 'other')").unwrap();
    repo.sql("CREATE TABLE n (id integer PRIMARY KEY); UPDATE fruit SET price = 1 WHERE id = 1");
    repo.commit_all("n and a price on other");
    repo.db.checkout("main").unwrap();
    repo.sql(
        "CREATE TABLE n (id integer PRIMARY KEY, name text); INSERT INTO n VALUES (1, 'mine')",
    );
    let head = repo.head();
    let e = repo.on().merge_revision("other").unwrap_err();
    assert_overwrites_untracked_n(&e, "the merge");
    assert_eq!(repo.head(), head);
    // A conflicting merge, aborted after making a table.
    repo.sql("DROP TABLE n; UPDATE fruit SET price = 2 WHERE id = 1");
    repo.commit_all("a price on main");
    let outcome = repo.on().merge_revision("other").unwrap();
    assert!(
        matches!(outcome, MergeOutcome::Uncommitted { ref conflicts } if conflicts.len() == 1),
        "{outcome:?}"
    );
    repo.sql("CREATE TABLE notes (id integer PRIMARY KEY, body text); INSERT INTO notes VALUES (1, 'why')");
    repo.call("SELECT arbor_merge('--abort')").unwrap();
    let status = repo.status();
    assert_eq!(status.merging, None);
    assert_eq!((status.staged.len(), status.unstaged.len()), (0, 0));
    assert_eq!(status.untracked, ["notes"]);
    assert_eq!(repo.rows("SELECT * FROM notes"), ["1,why"]);
    assert_eq!(repo.rows("SELECT price FROM fruit WHERE id = 1"), ["2"]);
}

/// The arguments of a cherry-pick of `commit`.
fn pick(commit: arbor_merkle::Address) -> PickArgs {
    PickArgs {
        revisions: vec![commit.to_hex()],
        ..PickArgs::default()
    }
}

/// Cherry-pick and revert, which need a clean working set, take one with
/// untracked tables and leave them there; one that would bring a table of
/// their name refuses.
#[test]
fn cherry_pick_keeps_untracked_tables() {
    let repo = Repo::with_fruit();
    repo.call("SELECT arbor_checkout('-b', 'other')").unwrap();
    repo.sql("UPDATE fruit SET price = 1 WHERE id = 1");
    let cheap = repo.commit_all("cheap apples");
    repo.sql("CREATE TABLE n (id integer PRIMARY KEY)");
    let n = repo.commit_all("n");
    repo.db.checkout("main").unwrap();
    make_untracked(&repo);
    repo.on().pick(CherryPick, &pick(cheap)).unwrap();
    assert_eq!(repo.fruit(), ["1,apple,1", "2,pear,75"]);
    untracked_intact(&repo);
    let status = repo.status();
    assert_eq!((status.staged.len(), status.unstaged.len()), (0, 0));
    assert_eq!(status.untracked, ["n", "names", "s"]);
    let head = repo.head();
    let e = repo.on().pick(CherryPick, &pick(n)).unwrap_err();
    assert_overwrites_untracked_n(&e, "the cherry-pick");
    assert_eq!(repo.head(), head);
    untracked_intact(&repo);
}

// ---------------------------------------------------------------- restore

/// `restore` with these words, as the command line parses them.
fn restore(repo: &Repo, words: &[&str]) -> Result<Vec<String>, Error> {
    let words: Vec<arbor_schema::Value> = words
        .iter()
        .map(|w| arbor_schema::Value::Text((*w).to_owned()))
        .collect();
    let args: ops::RestoreArgs = ops::parse_procedure_args("restore", &words)?;
    ops::restore(repo.db.repository(), &repo.current(), &args)
}

/// `restore` and `checkout -- <tables>` discard changes to the tables
/// named, as Git's do to files: the working table from the staged one,
/// the staged one from HEAD (`--staged`), both, or both from a revision;
/// `.` is every tracked table, and untracked tables stay as they are.
#[test]
fn restore_discards_changes_to_the_tables_named() {
    let repo = Repo::with_fruit();
    repo.sql("INSERT INTO fruit VALUES (3, 'fig', 300); CREATE TABLE veg (id integer PRIMARY KEY)");
    repo.call("SELECT arbor_checkout('--', 'fruit')").unwrap();
    assert_eq!(repo.current(), "main");
    assert_eq!(repo.fruit(), ["1,apple,100", "2,pear,75"]);
    assert_eq!(repo.status().untracked, ["veg"]);
    // A staged change: --staged unstages it and leaves the working table.
    repo.sql("UPDATE fruit SET price = 1 WHERE id = 1");
    repo.call("SELECT arbor_add('fruit')").unwrap();
    assert_eq!(restore(&repo, &["fruit"]).unwrap(), Vec::<String>::new());
    assert_eq!(restore(&repo, &["--staged", "fruit"]).unwrap(), ["fruit"]);
    let status = repo.status();
    assert_eq!(status.staged, changes(&[]));
    assert_eq!(status.unstaged, changes(&[("fruit", Modified)]));
    assert_eq!(repo.fruit(), ["1,apple,1", "2,pear,75"]);
    // Staged again, then both at once: as HEAD has it.
    repo.call("SELECT arbor_add('fruit')").unwrap();
    assert_eq!(
        restore(&repo, &["--staged", "--worktree", "fruit"]).unwrap(),
        ["fruit"]
    );
    assert_eq!(repo.fruit(), ["1,apple,100", "2,pear,75"]);
    assert_eq!(repo.status().staged, changes(&[]));
    // From a revision: the table as an older commit has it, staged too.
    repo.sql("DELETE FROM fruit WHERE id = 2");
    repo.call("SELECT arbor_add('fruit')").unwrap();
    repo.call("SELECT arbor_commit('-m', 'no pear')").unwrap();
    repo.sql("UPDATE fruit SET name = 'APPLE'");
    repo.call("SELECT arbor_checkout('HEAD~1', '--', 'fruit')")
        .unwrap();
    assert_eq!(repo.fruit(), ["1,apple,100", "2,pear,75"]);
    assert_eq!(repo.status().staged, changes(&[("fruit", Modified)]));
    restore(&repo, &["--source", "HEAD", "--staged", "--worktree", "."]).unwrap();
    assert_eq!(repo.fruit(), ["1,apple,100"]);
    // `.`: every tracked table; the untracked one is still there.
    repo.sql("UPDATE fruit SET price = 7");
    repo.call("SELECT arbor_checkout('.')").unwrap();
    assert_eq!(repo.fruit(), ["1,apple,100"]);
    let status = repo.status();
    assert!(status.unstaged.is_empty() && status.staged.is_empty());
    assert_eq!(status.untracked, ["veg"]);
}

/// What `restore` refuses, changing nothing: an untracked table (nothing
/// to restore it from), an unknown one, a table with conflicts of a merge
/// in progress, and `-b` with tables.
#[test]
fn restore_refuses_untracked_unknown_and_conflicted_tables() {
    let repo = Repo::with_fruit();
    repo.sql("CREATE TABLE veg (id integer PRIMARY KEY); UPDATE fruit SET price = 1");
    let e = restore(&repo, &["fruit", "veg"]).unwrap_err();
    assert_eq!(e.code, SqlState::InvalidParameterValue);
    assert_eq!(
        e.message,
        "table \"veg\" is not tracked: there is nothing to restore it from"
    );
    let e = restore(&repo, &["nosuch"]).unwrap_err();
    assert_eq!(e.code, SqlState::UndefinedTable);
    let e = repo.sql_err("SELECT arbor_checkout('-b', 'x', '--', 'fruit')");
    assert_eq!(e.code, SqlState::InvalidParameterValue);
    assert_eq!(repo.fruit(), ["1,apple,1", "2,pear,1"], "nothing restored");
    repo.sql("DROP TABLE veg");
    // A conflict: the same cell changed on both sides.
    repo.commit_all("cheap");
    repo.call("SELECT arbor_branch('other', 'HEAD~1')").unwrap();
    repo.call("SELECT arbor_checkout('other')").unwrap();
    repo.sql("UPDATE fruit SET price = 2");
    repo.commit_all("dear");
    repo.call("SELECT arbor_checkout('main')").unwrap();
    repo.call("SELECT arbor_merge('other')").unwrap();
    let e = restore(&repo, &["fruit"]).unwrap_err();
    assert_eq!(
        e.message,
        "table \"fruit\" has conflicts of the merge in progress"
    );
}
