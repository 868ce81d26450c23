//! Branches and checkouts through the library: creating, deleting,
//! renaming and copying branches, the names allowed, checking out (with
//! `arbor_checkout`, as `arbor checkout` and `arbor switch` do), carrying
//! uncommitted changes across, and what is refused.
//! (The command line's rendering of the same is in `cli/tests/vcs.rs`.)

#![allow(clippy::unwrap_used)]

mod common;

use arbor_engine::TableChange::Modified;
use arbor_engine::ops::{self, BranchArgs, BranchDone};
use arbor_engine::{CommitArgs, SqlState, VcError};
use common::{INIT, Repo, changes};

/// The branches, by name.
fn branches(repo: &Repo) -> Vec<String> {
    repo.rows("SELECT name FROM arbor_branches ORDER BY name")
}

// ---------------------------------------------------------------- branch

/// `arbor_branch(name [, start])` creates a branch at HEAD or at a
/// revision, with the start's tables; an existing name is refused unless
/// `-f` (never for the checked-out branch).
#[test]
fn branch_list_and_create() {
    let repo = Repo::with_fruit();
    assert_eq!(
        repo.rows("SELECT name, is_current FROM arbor_branches"),
        ["main,t"]
    );
    repo.call("SELECT arbor_branch('at-head')").unwrap();
    repo.call("SELECT arbor_branch('at-init', 'HEAD~1')")
        .unwrap();
    let head = repo.head().to_hex();
    assert_eq!(
        repo.rows(
            "SELECT name, hash, latest_commit_message, is_current FROM arbor_branches ORDER BY name"
        ),
        [
            format!("at-head,{head},fruit,f"),
            format!("at-init,{INIT},Initialize data repository,f"),
            format!("main,{head},fruit,t"),
        ]
    );
    // A new branch has the start's tables.
    repo.call("SELECT arbor_checkout('at-init')").unwrap();
    assert_eq!(repo.current(), "at-init");
    assert_eq!(
        repo.sql_err("SELECT * FROM fruit").code,
        SqlState::UndefinedTable
    );
    repo.db.checkout("main").unwrap();
    assert_eq!(repo.fruit(), ["1,apple,100", "2,pear,75"]);
    let e = repo.sql_err("SELECT arbor_branch('at-head')");
    assert_eq!(e.code, SqlState::DuplicateObject);
    assert_eq!(e.message, "a branch named 'at-head' already exists");
    assert_eq!(e.hint, None);
    repo.call("SELECT arbor_branch('-f', 'at-head', 'HEAD~1')")
        .unwrap();
    assert_eq!(repo.hash("at-head").to_hex(), INIT);
    let e = repo.sql_err("SELECT arbor_branch('x', 'nosuch')");
    assert_eq!(e.vc, Some(VcError::UnknownRevision));
    assert!(e.message.starts_with("unknown revision 'nosuch'"), "{e:?}");
    let e = repo.sql_err("SELECT arbor_branch('-f', 'main', 'HEAD~1')");
    assert_eq!(e.code, SqlState::ObjectNotInPrerequisiteState);
    assert_eq!(
        e.message,
        "cannot force-update the checked-out branch 'main'"
    );
    assert_eq!(repo.hash("main~1").to_hex(), INIT);
    assert_eq!(repo.hash("main").to_hex(), head);
    assert_eq!(branches(&repo), ["at-head", "at-init", "main"]);
    // The facade creates branches by the same rules.
    let e = repo.db.create_branch("main", "HEAD").unwrap_err();
    assert_eq!(e.code, SqlState::DuplicateObject);
    let e = repo.db.create_branch("y", "nosuch").unwrap_err();
    assert_eq!(e.vc, Some(VcError::UnknownRevision));
    assert_eq!(branches(&repo), ["at-head", "at-init", "main"]);
}

/// `-d` deletes a branch merged into the current one and refuses an
/// unmerged one; `-D` deletes it anyway; the current branch stays.
#[test]
fn branch_delete() {
    let repo = Repo::with_fruit();
    repo.call("SELECT arbor_branch('merged', 'HEAD~1')")
        .unwrap();
    repo.call("SELECT arbor_checkout('-b', 'ahead')").unwrap();
    let ahead = repo
        .commit(&CommitArgs {
            message: Some("ahead".into()),
            allow_empty: true,
            ..CommitArgs::default()
        })
        .unwrap();
    repo.db.checkout("main").unwrap();
    // What was deleted, and the head it had (which `arbor` prints).
    let delete = |force: bool, name: &str| {
        let args = BranchArgs {
            delete: !force,
            force_delete: force,
            names: vec![name.to_owned()],
            ..BranchArgs::default()
        };
        ops::branch(repo.db.repository(), "main", &args)
    };
    assert_eq!(
        delete(false, "merged").unwrap(),
        BranchDone::Deleted(vec![("merged".into(), repo.hash(INIT))])
    );
    let e = delete(false, "ahead").unwrap_err();
    assert_eq!(
        e.vc,
        Some(VcError::NotFullyMerged {
            branch: "ahead".into()
        })
    );
    assert_eq!(e.code, SqlState::ObjectNotInPrerequisiteState);
    assert_eq!(e.message, "the branch 'ahead' is not fully merged");
    let e = repo.sql_err("SELECT arbor_branch('-d', 'ahead')");
    assert!(matches!(e.vc, Some(VcError::NotFullyMerged { .. })));
    assert_eq!(branches(&repo), ["ahead", "main"]);
    assert_eq!(
        delete(true, "ahead").unwrap(),
        BranchDone::Deleted(vec![("ahead".into(), ahead)])
    );
    assert_eq!(branches(&repo), ["main"]);
    let e = repo.sql_err("SELECT arbor_branch('-d', 'main')");
    assert_eq!(e.code, SqlState::ObjectNotInPrerequisiteState);
    assert_eq!(e.message, "cannot delete branch 'main': it is checked out");
    assert_eq!(e.hint.as_deref(), Some("check out another branch first"));
    let e = repo.sql_err("SELECT arbor_branch('-D', 'gone')");
    assert_eq!(e.vc, Some(VcError::UnknownBranch));
    assert_eq!(e.code, SqlState::UndefinedObject);
    assert_eq!(e.message, "branch 'gone' does not exist");
    let e = repo.sql_err("SELECT arbor_branch('-d')");
    assert_eq!(e.code, SqlState::InvalidParameterValue);
    assert_eq!(e.message, "branch name required");
    assert_eq!(branches(&repo), ["main"]);
    assert_eq!(repo.current(), "main");
}

/// `-m` renames a branch (HEAD follows when it is the current one); `-c`
/// copies one, uncommitted changes included; neither replaces an existing
/// branch without `-f`.
#[test]
fn branch_rename_and_copy() {
    let repo = Repo::with_fruit();
    repo.call("SELECT arbor_branch('old')").unwrap();
    repo.call("SELECT arbor_branch('-m', 'old', 'new')")
        .unwrap();
    assert_eq!(branches(&repo), ["main", "new"]);
    // With one name, the current branch (as `arbor branch -m trunk` does;
    // from SQL, see `renaming_the_sessions_own_branch_moves_the_session`).
    let rename = BranchArgs {
        rename: true,
        names: vec!["trunk".into()],
        ..BranchArgs::default()
    };
    assert_eq!(
        ops::branch(repo.db.repository(), "main", &rename).unwrap(),
        BranchDone::Renamed
    );
    assert_eq!(branches(&repo), ["new", "trunk"]);
    assert_eq!(repo.current(), "trunk");
    let status = repo.status();
    assert_eq!(status.branch, "trunk");
    assert!(status.is_clean());
    repo.sql("INSERT INTO fruit VALUES (3, 'fig', 300)");
    repo.call("SELECT arbor_branch('-c', 'trunk', 'copy')")
        .unwrap();
    assert_eq!(repo.hash("copy"), repo.hash("trunk"));
    repo.call("SELECT arbor_reset('--hard')").unwrap();
    repo.call("SELECT arbor_checkout('copy')").unwrap();
    assert_eq!(repo.fruit(), ["1,apple,100", "2,pear,75", "3,fig,300"]);
    repo.call("SELECT arbor_reset('--hard')").unwrap();
    repo.call("SELECT arbor_checkout('trunk')").unwrap();
    assert_eq!(repo.fruit(), ["1,apple,100", "2,pear,75"]);
    let e = repo.sql_err("SELECT arbor_branch('-c', 'trunk', 'new')");
    assert_eq!(e.code, SqlState::DuplicateObject);
    assert_eq!(e.message, "a branch named 'new' already exists");
    let e = repo.sql_err("SELECT arbor_branch('-m', 'new', 'copy')");
    assert_eq!(e.code, SqlState::DuplicateObject);
    assert_eq!(e.message, "a branch named 'copy' already exists");
    assert_eq!(branches(&repo), ["copy", "new", "trunk"]);
    repo.call("SELECT arbor_branch('-m', '-f', 'copy', 'new')")
        .unwrap();
    assert_eq!(branches(&repo), ["new", "trunk"]);
    let e = repo.sql_err("SELECT arbor_branch('-m', 'nosuch', 'x')");
    assert_eq!(e.vc, Some(VcError::UnknownBranch));
    assert_eq!(e.message, "branch 'nosuch' does not exist");
    assert_eq!(branches(&repo), ["new", "trunk"]);
}

/// Branch names with spaces, `..`, `~^:?*[\`, a leading `-` or `/`, or a
/// trailing `.lock` are refused, by every way of making a branch.
#[test]
fn branch_names_are_validated() {
    let repo = Repo::new();
    let check = |e: arbor_engine::Error, bad: &str| {
        assert_eq!(e.code, SqlState::SyntaxError, "{bad}");
        assert_eq!(e.message, format!("'{bad}' is not a valid branch name"));
        assert_eq!(
            e.hint.as_deref(),
            Some("branch names cannot contain spaces, '..', or any of ~^:?*[\\"),
            "{bad}"
        );
    };
    for bad in [
        "has space",
        "a..b",
        "x~1",
        "x^",
        "a:b",
        "q?",
        "st*r",
        "br[",
        "back\\slash",
        "/lead",
        "trail/",
        "end.",
        "x.lock",
        "a//b",
        "at@{1}",
        "-dash",
    ] {
        let quoted = bad.replace('\'', "''");
        check(
            repo.sql_err(&format!("SELECT arbor_branch('--', '{quoted}')")),
            bad,
        );
        check(repo.db.create_branch(bad, "HEAD").unwrap_err(), bad);
        check(
            repo.sql_err(&format!("SELECT arbor_checkout('-b', '--', '{quoted}')")),
            bad,
        );
    }
    check(
        repo.sql_err("SELECT arbor_branch('-m', 'main', 'bad name')"),
        "bad name",
    );
    check(
        repo.sql_err("SELECT arbor_branch('-c', 'main', 'bad name')"),
        "bad name",
    );
    assert_eq!(branches(&repo), ["main"]);
    repo.call("SELECT arbor_branch('feature/x-1_ok.v2')")
        .unwrap();
    assert_eq!(branches(&repo), ["feature/x-1_ok.v2", "main"]);
}

/// Names a revision would read as something else are refused for branches
/// and tags alike: `HEAD`, `@`, a full commit hash; and a branch and a tag
/// may not share a name (the revision would mean two commits).
#[test]
fn names_that_revisions_would_misread_are_refused() {
    let repo = Repo::new();
    let hash = repo.head().to_hex();
    for bad in ["HEAD", "@", hash.as_str()] {
        for e in [
            repo.sql_err(&format!("SELECT arbor_branch('{bad}')")),
            repo.db.create_branch(bad, "main").unwrap_err(),
            repo.sql_err(&format!("SELECT arbor_branch('-m', 'main', '{bad}')")),
            repo.sql_err(&format!("SELECT arbor_tag('{bad}')")),
        ] {
            assert_eq!(e.code, SqlState::ReservedName, "{bad}: {e:?}");
            assert!(
                e.message.contains("a revision would read it"),
                "{bad}: {e:?}"
            );
        }
    }
    repo.call("SELECT arbor_tag('v1')").unwrap();
    let e = repo.sql_err("SELECT arbor_branch('v1')");
    assert_eq!(e.code, SqlState::DuplicateObject);
    assert_eq!(
        e.message,
        "a tag named 'v1' exists: a branch of the same name would make 'v1' ambiguous"
    );
    let e = repo.sql_err("SELECT arbor_tag('main')");
    assert_eq!(
        e.message,
        "a branch named 'main' exists: a tag of the same name would make 'main' ambiguous"
    );
    assert_eq!(branches(&repo), ["main"]);
    // Control characters are shown escaped, never printed raw.
    let e = repo.db.create_branch("a\u{1b}[31mred", "main").unwrap_err();
    assert_eq!(e.message, "'a\\u{1b}[31mred' is not a valid branch name");
}

// ---------------------------------------------------------------- checkout and switch

/// Checking out moves HEAD and the tables; `-b` (or `-c`, as `switch`
/// takes it) creates the branch first, at HEAD or at a start revision.
#[test]
fn checkout_and_switch_between_branches() {
    let repo = Repo::with_fruit();
    repo.call("SELECT arbor_checkout('-b', 'feature')").unwrap();
    assert_eq!(repo.current(), "feature");
    repo.sql("INSERT INTO fruit VALUES (3, 'fig', 300)");
    repo.commit_all("fig");
    repo.db.checkout("main").unwrap();
    assert_eq!(repo.current(), "main");
    assert!(repo.status().is_clean());
    assert_eq!(repo.fruit(), ["1,apple,100", "2,pear,75"]);
    repo.call("SELECT arbor_checkout('feature')").unwrap();
    assert_eq!(repo.fruit(), ["1,apple,100", "2,pear,75", "3,fig,300"]);
    repo.call("SELECT arbor_checkout('-c', 'older', 'HEAD~2')")
        .unwrap();
    assert_eq!(repo.current(), "older");
    assert_eq!(repo.head().to_hex(), INIT);
    assert_eq!(
        repo.rows("SELECT name FROM arbor_branches WHERE is_current"),
        ["older"]
    );
    assert_eq!(branches(&repo), ["feature", "main", "older"]);
    repo.call("SELECT arbor_checkout('--create', 'c-alias', 'main')")
        .unwrap();
    assert_eq!(repo.fruit(), ["1,apple,100", "2,pear,75"]);
    // Checking out the current branch changes nothing.
    let before = repo.db.repository().store_root().unwrap();
    repo.call("SELECT arbor_checkout('c-alias')").unwrap();
    repo.db.checkout("c-alias").unwrap();
    assert_eq!(repo.current(), "c-alias");
    assert_eq!(repo.db.repository().store_root().unwrap(), before);
}

/// Unknown branches, an existing name for `-b`, and a start revision
/// without `-b` are errors that leave HEAD where it was.
#[test]
fn checkout_errors() {
    let repo = Repo::with_fruit();
    let e = repo.sql_err("SELECT arbor_checkout('nosuch')");
    assert_eq!(e.vc, Some(VcError::UnknownBranch));
    assert_eq!(e.message, "branch 'nosuch' does not exist");
    let e = repo.db.checkout("nosuch").unwrap_err();
    assert_eq!(e.vc, Some(VcError::UnknownBranch));
    assert_eq!(e.hint, None, "the library leaves the advice to its callers");
    repo.call("SELECT arbor_branch('feature')").unwrap();
    let e = repo.sql_err("SELECT arbor_checkout('-b', 'feature')");
    assert_eq!(e.code, SqlState::DuplicateObject);
    assert_eq!(e.message, "a branch named 'feature' already exists");
    let e = repo.sql_err("SELECT arbor_checkout('feature', 'HEAD~1')");
    assert_eq!(e.code, SqlState::InvalidParameterValue);
    assert_eq!(
        e.message,
        "a start revision only goes with -b or -B (create a branch)"
    );
    let e = repo.sql_err("SELECT arbor_checkout('-b', 'x', 'nosuch')");
    assert_eq!(e.vc, Some(VcError::UnknownRevision));
    assert!(e.message.starts_with("unknown revision 'nosuch'"), "{e:?}");
    assert_eq!(branches(&repo), ["feature", "main"]);
    assert_eq!(repo.current(), "main");
}

/// Uncommitted changes, staged and unstaged, move to a branch whose head
/// has those tables as HEAD has them, and leave the old branch clean.
#[test]
fn checkout_carries_uncommitted_changes() {
    let repo = Repo::with_fruit();
    repo.call("SELECT arbor_branch('feature')").unwrap();
    repo.sql("CREATE TABLE veg (id integer PRIMARY KEY)");
    repo.commit_all("veg on main");
    // fruit is the same at both heads; veg exists only on main.
    repo.sql("UPDATE fruit SET price = 80 WHERE id = 2");
    repo.call("SELECT arbor_add('fruit')").unwrap();
    repo.sql("INSERT INTO fruit VALUES (3, 'fig', 300)");
    repo.db.checkout("feature").unwrap();
    assert_eq!(repo.current(), "feature");
    let status = repo.status();
    assert_eq!(status.staged, changes(&[("fruit", Modified)]));
    assert_eq!(status.unstaged, changes(&[("fruit", Modified)]));
    assert_eq!(repo.fruit(), ["1,apple,100", "2,pear,80", "3,fig,300"]);
    // veg is not carried: it is not a change, just main's.
    assert_eq!(
        repo.sql_err("SELECT * FROM veg").code,
        SqlState::UndefinedTable
    );
    repo.commit(&CommitArgs {
        message: Some("staged part only".into()),
        ..CommitArgs::default()
    })
    .unwrap();
    let diff = repo.db.diff("HEAD~1", "HEAD").unwrap();
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
        ("fruit", 0, 0, 1, 1)
    );
    repo.call("SELECT arbor_reset('--hard')").unwrap();
    repo.db.checkout("main").unwrap();
    assert!(repo.status().is_clean());
    assert_eq!(repo.fruit(), ["1,apple,100", "2,pear,75"]);
    assert_eq!(repo.rows("SELECT count(*) AS n FROM veg"), ["0"]);
}

/// A checkout that would overwrite uncommitted changes is refused with the
/// colliding tables named, and nothing moves; `checkout -b` then leaves no
/// branch behind; a branch with uncommitted changes of its own takes none.
#[test]
fn checkout_refuses_colliding_changes() {
    let repo = Repo::with_fruit();
    repo.call("SELECT arbor_checkout('-b', 'feature')").unwrap();
    repo.sql("DELETE FROM fruit WHERE id = 1");
    repo.commit_all("no apple");
    repo.db.checkout("main").unwrap();
    repo.sql("INSERT INTO fruit VALUES (3, 'fig', 300)");
    let before = repo.db.repository().store_root().unwrap();
    let e = repo.db.checkout("feature").unwrap_err();
    assert_eq!(e.vc, Some(VcError::UncommittedChanges));
    assert_eq!(e.code, SqlState::ObjectNotInPrerequisiteState);
    assert_eq!(
        e.message,
        "your uncommitted changes would be overwritten by checking out 'feature': fruit"
    );
    let e = repo.sql_err("SELECT arbor_checkout('feature')");
    assert_eq!(e.vc, Some(VcError::UncommittedChanges));
    assert_eq!(repo.db.repository().store_root().unwrap(), before);
    assert_eq!(repo.current(), "main");
    assert_eq!(repo.fruit(), ["1,apple,100", "2,pear,75", "3,fig,300"]);
    let e = repo.sql_err("SELECT arbor_checkout('-b', 'tmp', 'feature')");
    assert_eq!(e.vc, Some(VcError::UncommittedChanges));
    assert_eq!(
        e.message,
        "your uncommitted changes would be overwritten by checking out 'tmp': fruit"
    );
    assert_eq!(branches(&repo), ["feature", "main"]);
    assert_eq!(repo.current(), "main");
    // A branch with uncommitted changes of its own takes none.
    repo.call("SELECT arbor_branch('-c', 'main', 'dirty-copy')")
        .unwrap();
    let e = repo.db.checkout("dirty-copy").unwrap_err();
    assert_eq!(e.vc, Some(VcError::UncommittedChanges));
    assert_eq!(
        e.message,
        "your uncommitted changes would be overwritten by checking out 'dirty-copy': \
         (the branch has uncommitted changes of its own)"
    );
    assert_eq!(repo.current(), "main");
    repo.call("SELECT arbor_reset('--hard')").unwrap();
    repo.db.checkout("feature").unwrap();
    assert_eq!(repo.fruit(), ["2,pear,75"]);
}

/// Renaming the branch a SQL session is on, as `-m new` or `-m <it> new`,
/// moves the session to the new name (as `arbor_checkout` moves it): the
/// statement succeeds and the session goes on working.
#[test]
fn renaming_the_sessions_own_branch_moves_the_session() {
    let repo = Repo::with_fruit();
    let mut session = repo.on().session().unwrap();
    session
        .execute("SELECT arbor_branch('-m', 'trunk')")
        .unwrap();
    assert_eq!(repo.current(), "trunk");
    assert_eq!(branches(&repo), ["trunk"]);
    session
        .execute("INSERT INTO fruit VALUES (3, 'fig', 300)")
        .unwrap();
    session
        .execute("SELECT arbor_branch('-m', 'trunk', 'stem')")
        .unwrap();
    session
        .execute("SELECT arbor_commit('-am', 'fig')")
        .unwrap();
    assert_eq!(branches(&repo), ["stem"]);
    assert_eq!(repo.log()[0], "fig");
}
