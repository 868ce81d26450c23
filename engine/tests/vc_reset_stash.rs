//! Undoing through the library: `arbor_reset` (hard, soft, mixed, and
//! unstaging tables) and stashes (uncommitted changes put aside and
//! brought back on a head that moved).
//! (The command line's rendering of the same is in `cli/tests/vcs.rs`.)

#![allow(clippy::unwrap_used)]

mod common;

use arbor_engine::TableChange::{Added, Modified};
use arbor_engine::ops::{list_stashes, push_stash};
use arbor_engine::{BranchState, CommitArgs, Identity, SqlState, Timestamp, VcError, ops};
use common::{EMAIL, NAME, NOW, Repo, changes};

// ---------------------------------------------------------------- reset

/// `reset --hard` discards staged and unstaged changes, new tables too; with
/// a revision it also moves the branch back.
#[test]
fn reset_hard() {
    let repo = Repo::with_fruit();
    repo.sql("INSERT INTO fruit VALUES (3, 'fig', 300)");
    let fig = repo.commit_all("fig");
    repo.sql("DELETE FROM fruit WHERE id = 1");
    repo.call("SELECT arbor_add('fruit')").unwrap();
    repo.sql("UPDATE fruit SET price = 0; CREATE TABLE veg (id integer PRIMARY KEY)");
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
/// `reset <table>` unstages just that table; a revision moves the branch.
#[test]
fn reset_mixed_and_unstaging_tables() {
    let repo = Repo::with_fruit();
    repo.sql("INSERT INTO fruit VALUES (3, 'fig', 300); CREATE TABLE veg (id integer PRIMARY KEY)");
    repo.call("SELECT arbor_add('-A')").unwrap();
    repo.call("SELECT arbor_reset('veg')").unwrap();
    let status = repo.status();
    assert_eq!(status.staged, changes(&[("fruit", Modified)]));
    assert_eq!(status.unstaged, changes(&[("veg", Added)]));
    repo.call("SELECT arbor_reset()").unwrap();
    let unstaged = |repo: &Repo| {
        let status = repo.status();
        assert_eq!(status.staged, changes(&[]));
        assert_eq!(
            status.unstaged,
            changes(&[("fruit", Modified), ("veg", Added)])
        );
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
    let saved = push_stash(r, "main", "fruit", &ann).unwrap();
    assert_eq!(repo.rows("SELECT price FROM fruit WHERE id = 1"), ["100"]);
    assert!(repo.status().is_clean());
    let list = list_stashes(r).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].1, saved);
    assert_eq!(list[0].2.message, "WIP on main: fruit");
    assert_eq!(list[0].2.parents, [repo.head()]);
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
    let e = push_stash(r, "main", "fruit", &ann).unwrap_err();
    assert!(e.message.contains("no local changes to save"), "{e:?}");
    assert!(list_stashes(r).unwrap().is_empty());
}
