//! Cherry-pick, revert and rebase through the facade and their SQL
//! procedures: sequences that run through, stop at a conflict, continue,
//! skip and abort, leaving nothing behind.

#![allow(clippy::unwrap_used)]

use crate::database::Database;
use crate::env::{Clock, Environment, Identity, Timestamp};
use crate::objects::{SequenceKind, Step, StepAction};
use crate::ops::{PickArgs, RebaseArgs, SequenceDone};
use crate::sql::StatementResult;
use crate::vc::merge::SequenceOutcome;
use arbor_merkle::Address;

/// A database whose `main` has table `t` (id, v) with rows 1..=3 committed,
/// and branch `dev` at that commit; Ada is the author.
fn database() -> Database {
    let env = Environment {
        author: Some(Identity::new("Ada", "ada@example.com")),
        clock: Clock::Fixed(Timestamp {
            seconds: 1_700_000_000,
            offset_minutes: 0,
        }),
        ..Environment::default()
    };
    let db = Database::in_memory("main", env).unwrap();
    sql(
        &db,
        "main",
        "CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c')",
    );
    db.branch("main").unwrap().commit_all("setup").unwrap();
    db.create_branch("dev", "main").unwrap();
    db
}

fn sql(db: &Database, branch: &str, statements: &str) -> Vec<StatementResult> {
    db.branch(branch)
        .unwrap()
        .session()
        .unwrap()
        .execute(statements)
        .unwrap()
}

/// Commits `statements` on `branch` as one commit; returns it.
fn change(db: &Database, branch: &str, statements: &str, message: &str) -> Address {
    sql(db, branch, statements);
    db.branch(branch).unwrap().commit_all(message).unwrap()
}

/// `t`'s rows on `branch` as "id=v".
fn rows(db: &Database, branch: &str) -> Vec<String> {
    match sql(db, branch, "SELECT id, v FROM t ORDER BY id")
        .pop()
        .unwrap()
    {
        StatementResult::Rows { rows, .. } => {
            rows.iter().map(|r| format!("{}={}", r[0], r[1])).collect()
        }
        other => panic!("{other:?}"),
    }
}

fn picks(revisions: &[&str]) -> PickArgs {
    PickArgs {
        revisions: revisions.iter().map(|r| (*r).to_owned()).collect(),
        ..PickArgs::default()
    }
}

fn go_on(continue_: bool, skip: bool, abort: bool) -> PickArgs {
    PickArgs {
        continue_,
        skip,
        abort,
        ..PickArgs::default()
    }
}

fn stopped(done: &SequenceDone) -> bool {
    matches!(done, SequenceDone::Ran(SequenceOutcome::Stopped { .. }))
}

/// The working set of `branch` has no merge and no sequence in progress,
/// and nothing uncommitted.
fn assert_clean(db: &Database, branch: &str) {
    let state = crate::vc::BranchState::read(db.repository(), branch).unwrap();
    assert!(
        state.working_set.is_clean_at(state.commit.catalog),
        "{state:?}"
    );
}

/// `dev` has three commits: one that conflicts with `main`'s change of
/// row 1, and two that apply cleanly.
fn three_on_dev(db: &Database) -> [Address; 3] {
    let clean_before = change(db, "dev", "UPDATE t SET v = 'dev2' WHERE id = 2", "two");
    let conflicting = change(db, "dev", "UPDATE t SET v = 'dev1' WHERE id = 1", "one");
    let clean_after = change(db, "dev", "INSERT INTO t VALUES (4, 'd')", "four");
    change(
        db,
        "main",
        "UPDATE t SET v = 'main1' WHERE id = 1",
        "main one",
    );
    [clean_before, conflicting, clean_after]
}

#[test]
fn a_cherry_pick_stops_at_a_conflict_and_continues_with_the_picked_author() {
    let db = database();
    let [a, b, c] = three_on_dev(&db);
    let main = db.branch("main").unwrap();
    let before = main.head().unwrap();
    // An untracked table rides along and is never committed.
    sql(&db, "main", "CREATE TABLE scratch (x int)");
    let hexes = [a, b, c].map(|x| x.to_hex());
    let done = main
        .pick(
            SequenceKind::CherryPick,
            &picks(&[&hexes[0], &hexes[1], &hexes[2]]),
        )
        .unwrap();
    let SequenceDone::Ran(SequenceOutcome::Stopped {
        applied,
        step,
        conflicts,
    }) = done
    else {
        panic!("{done:?}")
    };
    assert_eq!(applied.len(), 1);
    assert_eq!(step.commit, b);
    assert_eq!(conflicts.len(), 1);
    // The first pick is committed; the branch is at it.
    let first = applied[0].commit.unwrap();
    assert_eq!(main.head().unwrap(), first);
    assert_eq!(db.commit_at(&first).unwrap().parents, vec![before]);
    // Another merge or sequence waits; a commit with conflicts is refused.
    let e = main.merge_revision("dev").unwrap_err();
    assert!(e.message.contains("cherry-pick is in progress"), "{e:?}");
    let e = main
        .pick(SequenceKind::Revert, &picks(&["HEAD"]))
        .unwrap_err();
    assert!(e.message.contains("cherry-pick is in progress"), "{e:?}");
    let e = main
        .pick(SequenceKind::CherryPick, &go_on(true, false, false))
        .unwrap_err();
    assert!(e.message.contains("unresolved conflicts"), "{e:?}");
    // Resolved to theirs, it goes on: the step keeps dev's author and
    // message and has one parent; the last pick follows.
    sql(
        &db,
        "main",
        "SELECT arbor_conflicts_resolve('--theirs', 't')",
    );
    let done = main
        .pick(SequenceKind::CherryPick, &go_on(true, false, false))
        .unwrap();
    let SequenceDone::Ran(SequenceOutcome::Done { applied }) = done else {
        panic!("{done:?}")
    };
    assert_eq!(applied.len(), 2);
    let resolved = db.commit_at(&applied[0].commit.unwrap()).unwrap();
    assert_eq!(resolved.message, "one");
    assert_eq!(resolved.parents, vec![first]);
    assert_eq!(resolved.author, db.commit_at(&b).unwrap().author);
    assert_eq!(rows(&db, "main"), ["1=dev1", "2=dev2", "3=c", "4=d"]);
    let status = main.status().unwrap();
    assert_eq!(status.untracked, ["scratch"]);
    assert!(
        status.staged.is_empty() && status.unstaged.is_empty(),
        "{status:?}"
    );
    let committed = db.repository().read_catalog(&resolved.catalog).unwrap();
    assert!(!committed.tables.contains_key("scratch"));
}

#[test]
fn abort_puts_the_branch_back_and_keeps_untracked_tables() {
    let db = database();
    let [a, b, _] = three_on_dev(&db);
    let main = db.branch("main").unwrap();
    let before = main.head().unwrap();
    sql(&db, "main", "CREATE TABLE scratch (x int)");
    let done = main
        .pick(
            SequenceKind::CherryPick,
            &picks(&[&a.to_hex(), &b.to_hex()]),
        )
        .unwrap();
    assert!(stopped(&done));
    assert_ne!(main.head().unwrap(), before);
    // Merge's own abort does not take a step of a sequence apart.
    let e = main
        .merge(&crate::ops::MergeArgs {
            abort: true,
            ..Default::default()
        })
        .unwrap_err();
    assert!(e.message.contains("a step of a cherry-pick"), "{e:?}");
    assert_eq!(
        main.pick(SequenceKind::CherryPick, &go_on(false, false, true))
            .unwrap(),
        SequenceDone::Aborted
    );
    assert_eq!(main.head().unwrap(), before);
    assert_eq!(rows(&db, "main"), ["1=main1", "2=b", "3=c"]);
    let state = crate::vc::BranchState::read(db.repository(), "main").unwrap();
    assert!(state.working_set.merge.is_none() && state.working_set.sequence.is_none());
    assert!(sql(&db, "main", "SELECT count(*) FROM scratch").len() == 1);
    // Nothing is left to continue or abort.
    let e = main
        .pick(SequenceKind::CherryPick, &go_on(false, false, true))
        .unwrap_err();
    assert_eq!(e.message, "there is no cherry-pick in progress");
}

#[test]
fn skip_drops_the_commit_it_stopped_at_and_goes_on() {
    let db = database();
    let [a, b, c] = three_on_dev(&db);
    let main = db.branch("main").unwrap();
    let hexes = [a, b, c].map(|x| x.to_hex());
    let done = main
        .pick(
            SequenceKind::CherryPick,
            &picks(&[&hexes[0], &hexes[1], &hexes[2]]),
        )
        .unwrap();
    assert!(stopped(&done));
    let done = main
        .pick(SequenceKind::CherryPick, &go_on(false, true, false))
        .unwrap();
    let SequenceDone::Ran(SequenceOutcome::Done { applied }) = done else {
        panic!("{done:?}")
    };
    assert_eq!(applied.len(), 1);
    assert_eq!(rows(&db, "main"), ["1=main1", "2=dev2", "3=c", "4=d"]);
    assert_clean(&db, "main");
    // Skipping with nothing stopped is refused.
    let e = main
        .pick(SequenceKind::CherryPick, &go_on(false, true, false))
        .unwrap_err();
    assert_eq!(e.message, "there is no cherry-pick in progress");
}

#[test]
fn a_commit_concludes_the_step_and_continue_goes_on() {
    let db = database();
    let [_, b, c] = three_on_dev(&db);
    let main = db.branch("main").unwrap();
    let done = main
        .pick(
            SequenceKind::CherryPick,
            &picks(&[&b.to_hex(), &c.to_hex()]),
        )
        .unwrap();
    assert!(stopped(&done));
    sql(
        &db,
        "main",
        "SELECT arbor_conflicts_resolve('--ours', 't'); SELECT arbor_commit('-m', 'kept ours')",
    );
    let concluded = main.head().unwrap();
    assert_eq!(db.commit_at(&concluded).unwrap().parents.len(), 1);
    // From SQL: the procedure goes on, and reports no conflicts.
    let result = sql(&db, "main", "SELECT arbor_cherry_pick('--continue')");
    assert!(
        matches!(&result[0], StatementResult::Rows { rows, .. } if rows[0][0].to_string() == "0")
    );
    assert_eq!(rows(&db, "main"), ["1=main1", "2=b", "3=c", "4=d"]);
    assert_clean(&db, "main");
}

#[test]
fn revert_resolves_every_revision_first_and_stops_at_a_conflict() {
    let db = database();
    let main = db.branch("main").unwrap();
    let one = change(&db, "main", "UPDATE t SET v = 'x' WHERE id = 1", "x");
    change(&db, "main", "UPDATE t SET v = 'y' WHERE id = 1", "y");
    let before = main.head().unwrap();
    // A bad second revision: nothing is reverted.
    let e = main
        .pick(SequenceKind::Revert, &picks(&["HEAD", "nosuch"]))
        .unwrap_err();
    assert!(e.message.contains("nosuch"), "{e:?}");
    assert_eq!(main.head().unwrap(), before);
    // Reverting the older change conflicts with the newer one.
    let done = main
        .pick(SequenceKind::Revert, &picks(&[&one.to_hex()]))
        .unwrap();
    assert!(stopped(&done));
    // Aborted from SQL: nothing of it is left.
    sql(&db, "main", "SELECT arbor_revert('--abort')");
    assert_eq!(main.head().unwrap(), before);
    assert_clean(&db, "main");
    assert_eq!(rows(&db, "main"), ["1=y", "2=b", "3=c"]);
    // Again, resolved and continued.
    let done = main
        .pick(SequenceKind::Revert, &picks(&[&one.to_hex()]))
        .unwrap();
    assert!(stopped(&done));
    sql(
        &db,
        "main",
        "SELECT arbor_conflicts_resolve('--theirs', 't')",
    );
    let done = main
        .pick(SequenceKind::Revert, &go_on(true, false, false))
        .unwrap();
    let SequenceDone::Ran(SequenceOutcome::Done { applied }) = done else {
        panic!("{done:?}")
    };
    let revert = db.commit_at(&applied[0].commit.unwrap()).unwrap();
    assert_eq!(
        revert.message,
        format!("Revert \"x\"\n\nThis reverts commit {}.", one.to_hex())
    );
    assert_eq!(revert.author.name, "Ada");
    assert_eq!(rows(&db, "main"), ["1=a", "2=b", "3=c"]);
}

#[test]
fn a_commit_already_here_is_refused_unless_allowed_empty() {
    let db = database();
    let main = db.branch("main").unwrap();
    let dev_change = change(&db, "dev", "UPDATE t SET v = 'z' WHERE id = 3", "z");
    change(&db, "main", "UPDATE t SET v = 'z' WHERE id = 3", "z too");
    let before = main.head().unwrap();
    let e = main
        .pick(SequenceKind::CherryPick, &picks(&[&dev_change.to_hex()]))
        .unwrap_err();
    assert!(e.message.contains("changes nothing here"), "{e:?}");
    assert_eq!(main.head().unwrap(), before);
    assert_clean(&db, "main");
    let args = PickArgs {
        allow_empty: true,
        ..picks(&[&dev_change.to_hex()])
    };
    main.pick(SequenceKind::CherryPick, &args).unwrap();
    let made = db.commit_at(&main.head().unwrap()).unwrap();
    assert_eq!(made.message, "z");
    assert_eq!(made.parents, vec![before]);
}

#[test]
fn rebase_replays_onto_the_upstream_stops_continues_and_aborts() {
    let db = database();
    let [_, b, _] = three_on_dev(&db);
    let dev = db.branch("dev").unwrap();
    let dev_before = dev.head().unwrap();
    let onto = db.branch("main").unwrap().head().unwrap();
    let rebase = |upstream: &str| RebaseArgs {
        upstream: Some(upstream.to_owned()),
        ..RebaseArgs::default()
    };
    let done = dev.rebase(&rebase("main"), None).unwrap();
    let SequenceDone::Ran(SequenceOutcome::Stopped { applied, step, .. }) = &done else {
        panic!("{done:?}")
    };
    assert_eq!((applied.len(), step.commit), (1, b));
    // Abort: dev is back, untouched.
    let args = RebaseArgs {
        abort: true,
        ..RebaseArgs::default()
    };
    assert_eq!(dev.rebase(&args, None).unwrap(), SequenceDone::Aborted);
    assert_eq!(dev.head().unwrap(), dev_before);
    assert_clean(&db, "dev");
    // Again, resolved to ours (main's), continued from SQL.
    assert!(stopped(&dev.rebase(&rebase("main"), None).unwrap()));
    sql(
        &db,
        "dev",
        "SELECT arbor_conflicts_resolve('--ours', 't'); SELECT arbor_rebase('--continue')",
    );
    assert_eq!(rows(&db, "dev"), ["1=main1", "2=dev2", "3=c", "4=d"]);
    // dev is now main followed by its three commits, authors kept.
    let head = dev.head().unwrap();
    let mut commit = db.commit_at(&head).unwrap();
    for _ in 0..2 {
        commit = db.commit_at(&commit.parents[0]).unwrap();
    }
    assert_eq!(commit.parents, vec![onto]);
    assert_clean(&db, "dev");
    // Now up to date; main fast-forwards onto dev by a rebase.
    assert_eq!(
        dev.rebase(&rebase("main"), None).unwrap(),
        SequenceDone::UpToDate
    );
    let main = db.branch("main").unwrap();
    main.rebase(&rebase("dev"), None).unwrap();
    assert_eq!(main.head().unwrap(), head);
}

#[test]
fn an_edited_rebase_plan_reorders_drops_rewords_squashes_and_fixes_up() {
    let db = database();
    let dev = db.branch("dev").unwrap();
    let c1 = change(&db, "dev", "INSERT INTO t VALUES (4, 'd')", "four");
    let c2 = change(&db, "dev", "INSERT INTO t VALUES (5, 'e')", "five");
    let c3 = change(&db, "dev", "INSERT INTO t VALUES (6, 'f')", "six");
    let c4 = change(&db, "dev", "INSERT INTO t VALUES (7, 'g')", "seven");
    let c5 = change(&db, "dev", "INSERT INTO t VALUES (8, 'h')", "eight");
    let base = db.branch("main").unwrap().head().unwrap();
    let args = RebaseArgs {
        upstream: Some("main".into()),
        interactive: true,
        ..RebaseArgs::default()
    };
    let plan = dev.rebase_plan(&args).unwrap();
    let planned: Vec<Address> = plan.iter().map(|p| p.step.commit).collect();
    assert_eq!(planned, [c1, c2, c3, c4, c5]);
    let step = |action, commit, message: Option<&str>| Step {
        action,
        commit,
        message: message.map(str::to_owned),
    };
    // seven first (reworded), then four with five squashed and six fixed
    // up into it; eight dropped.
    let edited = vec![
        step(StepAction::Pick, c4, Some("seven, reworded")),
        step(StepAction::Pick, c1, None),
        step(StepAction::Squash, c2, None),
        step(StepAction::Fixup, c3, None),
    ];
    let done = dev.rebase(&args, Some(edited)).unwrap();
    assert!(
        matches!(done, SequenceDone::Ran(SequenceOutcome::Done { .. })),
        "{done:?}"
    );
    let head = db.commit_at(&dev.head().unwrap()).unwrap();
    assert_eq!(head.message, "four\n\nfive");
    let first = db.commit_at(&head.parents[0]).unwrap();
    assert_eq!(first.message, "seven, reworded");
    assert_eq!(first.parents, vec![base]);
    assert_eq!(
        rows(&db, "dev"),
        ["1=a", "2=b", "3=c", "4=d", "5=e", "6=f", "7=g"]
    );
    // A plan may not start by melding into nothing.
    let e = dev
        .rebase(
            &RebaseArgs {
                upstream: Some("HEAD~1".into()),
                interactive: true,
                ..RebaseArgs::default()
            },
            Some(vec![step(StepAction::Fixup, c1, None)]),
        )
        .unwrap_err();
    assert!(
        e.message.contains("cannot start with a squash or fixup"),
        "{e:?}"
    );
}

#[test]
fn an_interactive_rebase_from_sql_is_planned_in_a_table_edited_and_applied() {
    let db = database();
    let c1 = change(&db, "dev", "INSERT INTO t VALUES (4, 'd')", "four");
    change(&db, "dev", "INSERT INTO t VALUES (5, 'e')", "five");
    change(&db, "dev", "INSERT INTO t VALUES (6, 'f')", "six");
    let dev_before = db.branch("dev").unwrap().head().unwrap();
    let base = db.branch("main").unwrap().head().unwrap();
    let result = sql(&db, "dev", "SELECT arbor_rebase('-i', 'main')");
    assert!(
        matches!(&result[0], StatementResult::Rows { rows, .. } if rows[0][0].to_string() == "3")
    );
    // The plan is a table; nothing moved yet.
    assert_eq!(db.branch("dev").unwrap().head().unwrap(), dev_before);
    let plan = |db: &Database| match sql(
        db,
        "dev",
        "SELECT rebase_order, action, commit_message FROM arbor_rebase ORDER BY 1",
    )
    .pop()
    .unwrap()
    {
        StatementResult::Rows { rows, .. } => rows
            .iter()
            .map(|r| format!("{}|{}|{}", r[0], r[1], r[2]))
            .collect::<Vec<_>>(),
        other => panic!("{other:?}"),
    };
    assert_eq!(plan(&db), ["1|pick|four", "2|pick|five", "3|pick|six"]);
    // Another rebase, or a CLI-style continue without the table, waits.
    let e = db
        .branch("dev")
        .unwrap()
        .session()
        .unwrap()
        .execute("SELECT arbor_rebase('main')")
        .unwrap_err();
    assert!(e.message.contains("rebase is in progress"), "{e:?}");
    // Edited: six first, four reworded, five dropped.
    sql(
        &db,
        "dev",
        "UPDATE arbor_rebase SET rebase_order = 0.5 WHERE commit_message = 'six'; \
         UPDATE arbor_rebase SET action = 'REWORD', commit_message = 'four, reworded' WHERE rebase_order = 1; \
         UPDATE arbor_rebase SET action = 'drop' WHERE rebase_order = 2",
    );
    sql(&db, "dev", "SELECT arbor_rebase('--continue')");
    let dev = db.branch("dev").unwrap();
    let head = db.commit_at(&dev.head().unwrap()).unwrap();
    assert_eq!(head.message, "four, reworded");
    assert_eq!(head.author, db.commit_at(&c1).unwrap().author);
    let first = db.commit_at(&head.parents[0]).unwrap();
    assert_eq!(first.message, "six");
    assert_eq!(first.parents, vec![base]);
    assert_eq!(rows(&db, "dev"), ["1=a", "2=b", "3=c", "4=d", "6=f"]);
    assert_clean(&db, "dev");
    // Planned again, then aborted: the table goes, the branch stays.
    let before = dev.head().unwrap();
    sql(&db, "dev", "SELECT arbor_rebase('-i', 'main')");
    sql(&db, "dev", "SELECT arbor_rebase('--abort')");
    assert_eq!(dev.head().unwrap(), before);
    assert_clean(&db, "dev");
    // A plan of drops only, or an unknown action, is refused at --continue.
    sql(
        &db,
        "dev",
        "SELECT arbor_rebase('-i', 'main'); UPDATE arbor_rebase SET action = 'dance'",
    );
    let e = dev
        .session()
        .unwrap()
        .execute("SELECT arbor_rebase('--continue')")
        .unwrap_err();
    assert_eq!(e.message, "row 1 of arbor_rebase: unknown action 'dance'");
    sql(&db, "dev", "UPDATE arbor_rebase SET action = 'drop'");
    let e = dev
        .session()
        .unwrap()
        .execute("SELECT arbor_rebase('--continue')")
        .unwrap_err();
    assert!(e.message.contains("nothing to apply"), "{e:?}");
    let done = dev
        .rebase(
            &RebaseArgs {
                abort: true,
                ..RebaseArgs::default()
            },
            None,
        )
        .unwrap();
    assert_eq!(done, SequenceDone::Aborted);
    assert_clean(&db, "dev");
}
