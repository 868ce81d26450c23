//! Merges through the library, as `arbor merge` and `arbor_merge(...)` make
//! them: fast-forwards, merge commits, what merges cell by cell (jsonb key
//! by key), the conflicts recorded, refusals during a merge, aborting,
//! resolving and committing, squashes, uncommitted changes, and who a merge
//! needs as its author.
//! (The command line's rendering of the same is in `cli/tests/vcs.rs`;
//! `merge.rs` merges through the lower `vc` layer.)

#![allow(clippy::unwrap_used)]

mod common;

use arbor_engine::TableChange::Modified;
use arbor_engine::{CommitArgs, MergeArgs, MergeOutcome, SqlState, Value, VcError};
use arbor_merkle::Address;
use common::{EMAIL, NAME, NOW, Repo, changes};

fn merge_args(revision: &str) -> MergeArgs {
    MergeArgs {
        revision: Some(revision.into()),
        ..MergeArgs::default()
    }
}

fn abort() -> MergeArgs {
    MergeArgs {
        abort: true,
        ..MergeArgs::default()
    }
}

fn allow_empty(message: &str) -> CommitArgs {
    CommitArgs {
        message: Some(message.into()),
        allow_empty: true,
        ..CommitArgs::default()
    }
}

/// Rows added, deleted and modified, and cells modified, from `from` to
/// `to` in the one table that differs.
fn stat(repo: &Repo, from: &str, to: &str) -> (&'static str, u64, u64, u64, u64) {
    let diff = repo.db.diff(from, to).unwrap();
    assert_eq!(diff.len(), 1, "{diff:?}");
    assert_eq!(diff[0].name, "fruit");
    let s = diff[0].stat(repo.db.repository()).unwrap();
    (
        "fruit",
        s.rows_added,
        s.rows_deleted,
        s.rows_modified,
        s.cells_modified,
    )
}

/// `fruit` with `feature` branched off, pear at 90 committed on main and
/// pear at 60 plus a fig on feature; main checked out. Returns the heads
/// of main and feature.
fn conflicting_prices(fig: bool) -> (Repo, Address, Address) {
    let repo = Repo::with_fruit();
    repo.call("SELECT arbor_branch('feature')").unwrap();
    repo.sql("UPDATE fruit SET price = 90 WHERE id = 2");
    let ours = repo.commit_all("pear 90");
    repo.db.checkout("feature").unwrap();
    repo.sql("UPDATE fruit SET price = 60 WHERE id = 2");
    if fig {
        repo.sql("INSERT INTO fruit VALUES (3, 'fig', 300)");
    }
    let theirs = repo.commit_all("pear 60, fig");
    repo.db.checkout("main").unwrap();
    (repo, ours, theirs)
}

/// The conflicts an outcome stopped with: (table, description).
fn conflicts_of(outcome: &MergeOutcome) -> Vec<(String, String)> {
    match outcome {
        MergeOutcome::Uncommitted { conflicts } => conflicts
            .iter()
            .map(|c| (c.table.clone(), c.description.clone()))
            .collect(),
        other => panic!("not stopped: {other:?}"),
    }
}

/// Merging a descendant moves the branch forward without a new commit;
/// merging it again is up to date.
#[test]
fn merge_fast_forward() {
    let repo = Repo::with_fruit();
    repo.call("SELECT arbor_checkout('-b', 'feature')").unwrap();
    repo.sql("INSERT INTO fruit VALUES (3, 'fig', 300)");
    let fig = repo.commit_all("fig");
    repo.db.checkout("main").unwrap();
    assert_eq!(
        repo.on().merge_revision("feature").unwrap(),
        MergeOutcome::FastForward(fig)
    );
    assert_eq!(repo.hash("main"), repo.hash("feature"));
    assert_eq!(repo.fruit(), ["1,apple,100", "2,pear,75", "3,fig,300"]);
    assert!(repo.status().is_clean());
    assert_eq!(
        repo.on().merge_revision("feature").unwrap(),
        MergeOutcome::UpToDate
    );
    assert_eq!(
        repo.on().merge_revision("HEAD~1").unwrap(),
        MergeOutcome::UpToDate
    );
    assert_eq!(repo.log().len(), 3);
    // From SQL: no conflicts.
    assert_eq!(
        repo.call("SELECT arbor_merge('feature')").unwrap(),
        Value::BigInt(0)
    );
}

/// `--no-ff` makes a merge commit whose parents are ours then theirs
/// (`HEAD^1`, `HEAD^2`), signed by the environment's author, with the
/// default message; `-m` sets the message.
#[test]
fn merge_no_ff_makes_a_merge_commit() {
    let repo = Repo::with_fruit();
    repo.call("SELECT arbor_checkout('-b', 'feature')").unwrap();
    repo.sql("INSERT INTO fruit VALUES (3, 'fig', 300)");
    let fig = repo.commit_all("fig");
    let fruit = repo.hash("HEAD~1");
    repo.db.checkout("main").unwrap();
    let outcome = repo
        .on()
        .merge(&MergeArgs {
            no_ff: true,
            ..merge_args("feature")
        })
        .unwrap();
    let merge = repo.head();
    assert_eq!(outcome, MergeOutcome::Committed(merge));
    let commit = repo.db.commit_at(&merge).unwrap();
    assert_eq!(commit.parents, [fruit, fig]);
    assert_eq!(commit.message, "Merge feature into main");
    assert_eq!(
        (
            commit.author.name.as_str(),
            commit.author.email.as_str(),
            commit.author.time
        ),
        (NAME, EMAIL, NOW)
    );
    assert_eq!(
        repo.log(),
        [
            "Merge feature into main",
            "fig",
            "fruit",
            "Initialize data repository"
        ]
    );
    assert_eq!(repo.hash("HEAD^1"), fruit);
    assert_eq!(repo.hash("HEAD^2"), fig);
    assert_eq!(repo.hash("HEAD~1"), fruit);
    assert_eq!(repo.fruit(), ["1,apple,100", "2,pear,75", "3,fig,300"]);
    // From its first parent, the merge adds the fig.
    let diff = repo.db.diff("HEAD^1", "HEAD").unwrap();
    let rows: Vec<_> = repo
        .db
        .changed_rows(&diff[0])
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].old, None);
    assert_eq!(
        rows[0].new,
        Some(vec![
            Value::Integer(3),
            Value::Text("fig".into()),
            Value::Integer(300)
        ])
    );
    // With -m, on diverged branches.
    repo.db.checkout("feature").unwrap();
    let more = repo.commit(&allow_empty("more")).unwrap();
    repo.db.checkout("main").unwrap();
    repo.commit(&allow_empty("also more")).unwrap();
    let outcome = repo
        .on()
        .merge(&MergeArgs {
            message: Some("bring in more".into()),
            ..merge_args("feature")
        })
        .unwrap();
    assert_eq!(outcome, MergeOutcome::Committed(repo.head()));
    assert_eq!(repo.log()[0], "bring in more");
    assert_eq!(repo.hash("HEAD^2"), more);
    assert_eq!(repo.hash("feature"), more);
}

/// Both sides changed different columns of one row: the merge keeps both
/// edits, and rows each side added or deleted.
#[test]
fn merge_combines_disjoint_cell_edits() {
    let repo = Repo::with_fruit();
    repo.call("SELECT arbor_branch('feature')").unwrap();
    repo.sql(
        "UPDATE fruit SET name = 'Apple' WHERE id = 1; INSERT INTO fruit VALUES (3, 'fig', 300)",
    );
    repo.commit_all("ours");
    repo.db.checkout("feature").unwrap();
    repo.sql("UPDATE fruit SET price = 120 WHERE id = 1; DELETE FROM fruit WHERE id = 2");
    repo.commit_all("theirs");
    repo.db.checkout("main").unwrap();
    let outcome = repo.on().merge_revision("feature").unwrap();
    assert_eq!(outcome, MergeOutcome::Committed(repo.head()));
    assert_eq!(repo.fruit(), ["1,Apple,120", "3,fig,300"]);
    assert!(repo.status().is_clean());
    assert_eq!(stat(&repo, "HEAD^1", "HEAD"), ("fruit", 0, 1, 1, 1));
    assert_eq!(stat(&repo, "HEAD^2", "HEAD"), ("fruit", 1, 0, 1, 1));
}

/// jsonb documents merge key by key: edits at different keys combine;
/// different edits at one key conflict.
#[test]
fn merge_combines_jsonb_edits_at_different_keys() {
    let repo = Repo::new();
    repo.sql(
        "CREATE TABLE doc (id integer PRIMARY KEY, body jsonb); \
         INSERT INTO doc VALUES (1, '{\"a\": 1, \"b\": {\"x\": 1}, \"c\": 3}')",
    );
    repo.commit_all("doc");
    repo.call("SELECT arbor_branch('feature')").unwrap();
    repo.sql("UPDATE doc SET body = '{\"a\": 10, \"b\": {\"x\": 1}, \"c\": 3}'");
    repo.commit_all("a on main");
    repo.db.checkout("feature").unwrap();
    repo.sql("UPDATE doc SET body = '{\"a\": 1, \"b\": {\"x\": 1, \"y\": 2}, \"d\": 4}'");
    repo.commit_all("b, c and d on feature");
    repo.db.checkout("main").unwrap();
    let outcome = repo.on().merge_revision("feature").unwrap();
    assert!(matches!(outcome, MergeOutcome::Committed(_)), "{outcome:?}");
    assert_eq!(
        repo.rows("SELECT body FROM doc"),
        ["{\"a\": 10, \"b\": {\"x\": 1, \"y\": 2}, \"d\": 4}"]
    );
    assert_eq!(
        repo.rows("SELECT body->>'a' AS a, body->'b'->>'y' AS y, body ? 'c' AS c FROM doc"),
        ["10,2,f"]
    );
    // The same key changed differently on both sides.
    repo.db.checkout("feature").unwrap();
    repo.sql("UPDATE doc SET body = jsonb_set(body, '{b,x}', '7')");
    repo.commit_all("x = 7");
    repo.db.checkout("main").unwrap();
    repo.sql("UPDATE doc SET body = jsonb_set(body, '{b,x}', '8')");
    repo.commit_all("x = 8");
    let outcome = repo.on().merge_revision("feature").unwrap();
    assert_eq!(
        conflicts_of(&outcome),
        [("doc".into(), "both sides changed body at b.x".into())]
    );
}

/// A cell both sides changed differently is a conflict: recorded, kept as
/// ours beside what merged cleanly; commits (even after editing the row),
/// checkouts and other merges are refused, and aborting (or `reset
/// --hard`) puts everything back.
#[test]
fn merge_conflict_and_abort() {
    let (repo, ours, _) = conflicting_prices(true);
    let outcome = repo.on().merge_revision("feature").unwrap();
    assert_eq!(
        conflicts_of(&outcome),
        [("fruit".into(), "both sides changed price".into())]
    );
    assert_eq!(repo.on().conflicts().unwrap().len(), 1);
    let status = repo.status();
    assert_eq!(status.merging, Some(true), "unresolved conflicts");
    assert_eq!(status.staged, changes(&[("fruit", Modified)]));
    assert_eq!(status.unstaged, changes(&[]));
    assert_eq!(
        repo.rows("SELECT table_name, num_conflicts FROM arbor_conflicts"),
        ["fruit,1"]
    );
    // arbor_status lists the conflicted table too, as Dolt's does.
    assert_eq!(
        repo.rows("SELECT table_name, staged, status FROM arbor_status ORDER BY staged, status"),
        ["fruit,f,conflict", "fruit,t,modified"]
    );
    // What merged cleanly is in; the conflicting row is kept as ours.
    assert_eq!(repo.fruit(), ["1,apple,100", "2,pear,90", "3,fig,300"]);
    let refused = |args: &CommitArgs| {
        let e = repo.commit(args).unwrap_err();
        assert_eq!(
            e.vc,
            Some(VcError::UnresolvedConflicts {
                operation: "merge".into()
            })
        );
        assert_eq!(e.code, SqlState::ObjectNotInPrerequisiteState);
        assert_eq!(
            e.message,
            "cannot commit: the merge has unresolved conflicts"
        );
    };
    refused(&CommitArgs {
        message: Some("merged".into()),
        ..CommitArgs::default()
    });
    refused(&CommitArgs::default());
    // Editing the row and staging it does not clear the conflict.
    repo.sql("UPDATE fruit SET price = 75 WHERE id = 2");
    repo.call("SELECT arbor_add('fruit')").unwrap();
    refused(&CommitArgs {
        message: Some("merged".into()),
        all: true,
        ..CommitArgs::default()
    });
    let e = repo.db.checkout("feature").unwrap_err();
    assert_eq!(e.vc, Some(VcError::MergeInProgress));
    assert_eq!(e.message, "cannot check out another branch during a merge");
    let e = repo.on().merge_revision("feature").unwrap_err();
    assert_eq!(e.vc, Some(VcError::MergeInProgress));
    assert_eq!(e.message, "a merge is already in progress");
    assert_eq!(repo.head(), ours);
    assert_eq!(repo.current(), "main");
    assert_eq!(repo.on().merge(&abort()).unwrap(), MergeOutcome::Aborted);
    assert!(repo.status().is_clean());
    assert!(repo.on().conflicts().unwrap().is_empty());
    assert_eq!(repo.fruit(), ["1,apple,100", "2,pear,90"]);
    assert_eq!(repo.head(), ours);
    let e = repo.on().merge(&abort()).unwrap_err();
    assert_eq!(e.vc, Some(VcError::NoMergeInProgress));
    assert_eq!(e.message, "there is no merge to abort");
    let e = repo.sql_err("SELECT arbor_merge('--abort')");
    assert_eq!(e.vc, Some(VcError::NoMergeInProgress));
    // `reset --hard` ends a merge too.
    assert_eq!(
        repo.call("SELECT arbor_merge('feature')").unwrap(),
        Value::BigInt(1)
    );
    repo.call("SELECT arbor_reset('--hard')").unwrap();
    assert!(repo.status().is_clean());
    assert_eq!(repo.fruit(), ["1,apple,100", "2,pear,90"]);
    assert_eq!(repo.head(), ours);
}

/// A conflicting row keeps its three versions; resolving it to their side
/// leaves the merge to conclude, and a commit (with the merge's message by
/// default) records a merge commit with both parents.
#[test]
fn merge_conflict_resolved_then_committed() {
    let (repo, ours, theirs) = conflicting_prices(true);
    let outcome = repo.on().merge_revision("feature").unwrap();
    assert_eq!(
        conflicts_of(&outcome),
        [("fruit".into(), "both sides changed price".into())]
    );
    assert_eq!(
        repo.rows(
            "SELECT base_id, base_name, base_price, our_id, our_name, our_price, \
             their_id, their_name, their_price, description FROM arbor_conflicts_fruit"
        ),
        ["2,pear,75,2,pear,90,2,pear,60,both sides changed price"]
    );
    let conflicts = repo.on().conflicts().unwrap();
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].table, "fruit");
    assert!(conflicts[0].versions.iter().all(Option::is_some));
    assert_eq!(
        repo.call("SELECT arbor_conflicts_resolve('--theirs', 'fruit')")
            .unwrap(),
        Value::BigInt(1)
    );
    let status = repo.status();
    assert_eq!(
        status.merging,
        Some(false),
        "all conflicts fixed, still merging"
    );
    assert_eq!(status.staged, changes(&[("fruit", Modified)]));
    assert_eq!(status.unstaged, changes(&[]));
    assert_eq!(
        repo.rows("SELECT * FROM arbor_conflicts"),
        Vec::<String>::new()
    );
    let merge = repo.commit(&CommitArgs::default()).unwrap();
    let commit = repo.db.commit_at(&merge).unwrap();
    assert_eq!(commit.message, "Merge feature into main");
    assert_eq!(commit.parents, [ours, theirs]);
    assert_eq!(
        (commit.author.name.as_str(), commit.author.time),
        (NAME, NOW)
    );
    assert_eq!(repo.hash("HEAD^2"), theirs);
    assert_eq!(repo.fruit(), ["1,apple,100", "2,pear,60", "3,fig,300"]);
    assert!(repo.status().is_clean());
}

/// A row one side deleted and the other changed is a conflict.
#[test]
fn merge_conflict_delete_against_update() {
    let repo = Repo::with_fruit();
    repo.call("SELECT arbor_branch('feature')").unwrap();
    repo.sql("DELETE FROM fruit WHERE id = 1");
    repo.commit_all("no apple");
    repo.db.checkout("feature").unwrap();
    repo.sql("UPDATE fruit SET price = 1 WHERE id = 1");
    repo.commit_all("cheap apple");
    repo.db.checkout("main").unwrap();
    let outcome = repo.on().merge_revision("feature").unwrap();
    assert_eq!(
        conflicts_of(&outcome),
        [(
            "fruit".into(),
            "deleted by ours and changed by theirs".into()
        )]
    );
    assert_eq!(repo.on().merge(&abort()).unwrap(), MergeOutcome::Aborted);
    assert_eq!(repo.fruit(), ["2,pear,75"]);
}

/// `--squash` puts the merged tables in the working set, staged, without a
/// merge commit, a merge in progress or a second parent.
#[test]
fn merge_squash() {
    let repo = Repo::with_fruit();
    repo.call("SELECT arbor_checkout('-b', 'feature')").unwrap();
    repo.sql("INSERT INTO fruit VALUES (3, 'fig', 300)");
    repo.commit_all("fig");
    repo.db.checkout("main").unwrap();
    let head = repo.head();
    let outcome = repo
        .on()
        .merge(&MergeArgs {
            squash: true,
            ..merge_args("feature")
        })
        .unwrap();
    assert_eq!(outcome, MergeOutcome::Uncommitted { conflicts: vec![] });
    assert_eq!(repo.head(), head);
    let status = repo.status();
    assert_eq!(status.staged, changes(&[("fruit", Modified)]));
    assert_eq!(status.unstaged, changes(&[]));
    assert_eq!(status.merging, None);
    let squashed = repo
        .commit(&CommitArgs {
            message: Some("squashed fig".into()),
            ..CommitArgs::default()
        })
        .unwrap();
    assert_eq!(repo.db.commit_at(&squashed).unwrap().parents, [head]);
    assert_eq!(repo.hash("HEAD~1"), head);
    let e = repo.db.resolve("HEAD^2").unwrap_err();
    assert!(
        e.message
            .starts_with("revision 'HEAD^2' goes past the commit "),
        "{e:?}"
    );
    assert_eq!(repo.fruit(), ["1,apple,100", "2,pear,75", "3,fig,300"]);
}

/// Uncommitted changes stay across a merge that leaves their tables alone
/// (carried onto the merge's result, still uncommitted) and refuse one
/// that changes them; a merge without a revision or with an unknown one
/// is refused.
#[test]
fn merge_errors_and_uncommitted_changes() {
    let repo = Repo::with_fruit();
    repo.sql(
        "CREATE TABLE veg (id integer PRIMARY KEY, name text); INSERT INTO veg VALUES (1, 'leek')",
    );
    repo.call("SELECT arbor_commit('-Am', 'veg')").unwrap();
    repo.call("SELECT arbor_checkout('-b', 'feature')").unwrap();
    repo.sql("INSERT INTO fruit VALUES (3, 'fig', 300)");
    let fig = repo.commit_all("fig");
    repo.db.checkout("main").unwrap();
    let head = repo.head();
    repo.sql("UPDATE fruit SET price = 1 WHERE id = 1");
    let e = repo.on().merge_revision("feature").unwrap_err();
    assert_eq!(e.vc, Some(VcError::UncommittedChanges));
    assert_eq!(e.code, SqlState::ObjectNotInPrerequisiteState);
    assert_eq!(
        e.message,
        "your uncommitted changes would be overwritten by the merge: fruit"
    );
    assert_eq!(repo.head(), head);
    assert_eq!(repo.rows("SELECT price FROM fruit WHERE id = 1"), ["1"]);
    repo.call("SELECT arbor_reset('--hard')").unwrap();
    repo.sql("INSERT INTO veg VALUES (2, 'kale')");
    assert_eq!(
        repo.on().merge_revision("feature").unwrap(),
        MergeOutcome::FastForward(fig)
    );
    assert_eq!(repo.fruit(), ["1,apple,100", "2,pear,75", "3,fig,300"]);
    assert_eq!(repo.rows("SELECT count(*) FROM veg"), ["2"]);
    // The kale is still an uncommitted change, on top of the new head.
    let status = repo.status();
    assert_eq!(status.staged, changes(&[]));
    assert_eq!(status.unstaged, changes(&[("veg", Modified)]));
    assert_eq!(
        repo.rows(
            "SELECT diff_type, to_id, to_name FROM arbor_diff_veg WHERE to_commit = 'WORKING'"
        ),
        ["added,2,kale"]
    );
    let e = repo.on().merge(&MergeArgs::default()).unwrap_err();
    assert_eq!(e.code, SqlState::InvalidParameterValue);
    assert_eq!(e.message, "name a branch or commit to merge");
    let e = repo.on().merge_revision("nosuch").unwrap_err();
    assert_eq!(e.vc, Some(VcError::UnknownRevision));
    assert!(e.message.starts_with("unknown revision 'nosuch'"), "{e:?}");
    assert_eq!(repo.head(), fig);
}

/// A fast-forward records no author, so it needs no identity; a merge
/// commit does.
#[test]
fn merge_needs_an_identity_only_for_a_merge_commit() {
    let repo = Repo::with_fruit();
    repo.call("SELECT arbor_checkout('-b', 'feature')").unwrap();
    let ahead = repo.commit(&allow_empty("ahead")).unwrap();
    repo.db.checkout("main").unwrap();
    let head = repo.head();
    let nobody = repo.with_env(common::anonymous());
    let e = nobody
        .on()
        .merge(&MergeArgs {
            no_ff: true,
            ..merge_args("feature")
        })
        .unwrap_err();
    assert_eq!(e.vc, Some(VcError::UnknownAuthor));
    assert_eq!(e.code, SqlState::InvalidAuthorizationSpecification);
    assert_eq!(e.message, "author identity unknown");
    assert_eq!(repo.head(), head);
    assert!(repo.status().is_clean());
    assert_eq!(
        nobody.on().merge_revision("feature").unwrap(),
        MergeOutcome::FastForward(ahead)
    );
    assert_eq!(
        nobody.on().merge_revision("feature").unwrap(),
        MergeOutcome::UpToDate
    );
}

/// Checking out another branch is refused during a merge even when the
/// merged tables equal ours (the conflicting row is kept as ours, and
/// theirs changed nothing else).
#[test]
fn checkout_is_refused_during_a_merge_that_changed_nothing() {
    let (repo, ours, _) = conflicting_prices(false);
    let outcome = repo.on().merge_revision("feature").unwrap();
    assert_eq!(conflicts_of(&outcome).len(), 1);
    let status = repo.status();
    assert_eq!((status.staged.len(), status.unstaged.len()), (0, 0));
    assert_eq!(status.merging, Some(true));
    let e = repo.db.checkout("feature").unwrap_err();
    assert_eq!(e.vc, Some(VcError::MergeInProgress));
    assert_eq!(e.message, "cannot check out another branch during a merge");
    let e = repo.sql_err("SELECT arbor_checkout('feature')");
    assert_eq!(e.vc, Some(VcError::MergeInProgress));
    assert_eq!(repo.current(), "main");
    assert_eq!(repo.head(), ours);
}
