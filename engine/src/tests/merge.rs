//! Three-way merges through the version-control API: cell-level merges of
//! rows, jsonb documents merged key by key, conflicts, deletes against
//! updates, schema changes on one side with data changes on the other, and
//! both sides adding the same column.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use crate::objects::Signature;
use crate::repo::Repository;
use crate::sql::{Session, StatementResult};
use crate::vc::{
    self,
    commit::CommitOptions,
    merge::{MergeOptions, MergeOutcome},
};
use arbor_merkle::MemoryStore;

fn author() -> Signature {
    Signature {
        name: "T".into(),
        email: "t@example.com".into(),
        time: 0,
        offset_minutes: 0,
    }
}

/// A repository whose `main` has `setup` committed, and a branch `dev` at that commit.
fn repo_with(setup: &str) -> Repository {
    let repo = Repository::init(Arc::new(MemoryStore::new()), "main", &author()).unwrap();
    Session::open(repo.clone(), "main")
        .unwrap()
        .execute(setup)
        .unwrap();
    commit(&repo, "main", "setup");
    let head = repo.branch_head("main").unwrap();
    vc::branch::create(&repo, "dev", head, false).unwrap();
    repo
}

fn run(repo: &Repository, branch: &str, sql: &str) {
    Session::open(repo.clone(), branch)
        .unwrap()
        .execute(sql)
        .unwrap();
}

fn commit(repo: &Repository, branch: &str, message: &str) {
    let options = CommitOptions {
        message: message.into(),
        author: author(),
        all: true,
        allow_empty: false,
        amend: false,
    };
    vc::commit::commit(repo, branch, &options).unwrap();
}

fn merge_dev(repo: &Repository) -> MergeOutcome {
    let theirs = repo.branch_head("dev").unwrap();
    let options = MergeOptions {
        message: "merge dev".into(),
        author: Some(author()),
        no_ff: false,
        squash: false,
        no_commit: false,
    };
    vc::merge::merge(repo, &crate::sql::SqlChecks, "main", theirs, &options).unwrap()
}

fn rows(repo: &Repository, sql: &str) -> Vec<String> {
    match Session::open(repo.clone(), "main")
        .unwrap()
        .execute(sql)
        .unwrap()
        .pop()
        .unwrap()
    {
        StatementResult::Rows { rows, .. } => rows
            .iter()
            .map(|r| {
                r.iter()
                    .map(|v| v.to_string())
                    .collect::<Vec<_>>()
                    .join("|")
            })
            .collect(),
        other => panic!("not rows: {other:?}"),
    }
}

const SETUP: &str = "CREATE TABLE t (id integer PRIMARY KEY, a text, b integer, doc jsonb); \
    INSERT INTO t VALUES (1, 'x', 1, '{\"k\": 1, \"m\": 1}'), (2, 'y', 2, '{}'), (3, 'z', 3, NULL)";

#[test]
fn disjoint_column_edits_of_one_row_merge_cell_by_cell() {
    let repo = repo_with(SETUP);
    run(&repo, "dev", "UPDATE t SET a = 'dev' WHERE id = 1");
    commit(&repo, "dev", "a");
    run(&repo, "main", "UPDATE t SET b = 100 WHERE id = 1");
    commit(&repo, "main", "b");
    assert!(matches!(merge_dev(&repo), MergeOutcome::Committed(_)));
    assert_eq!(rows(&repo, "SELECT a, b FROM t WHERE id = 1"), ["dev|100"]);
    let head = repo
        .read_commit(&repo.branch_head("main").unwrap())
        .unwrap();
    assert_eq!(head.parents.len(), 2, "a merge commit has both parents");
}

#[test]
fn json_edits_at_different_keys_merge() {
    let repo = repo_with(SETUP);
    run(
        &repo,
        "dev",
        "UPDATE t SET doc = '{\"k\": 2, \"m\": 1}' WHERE id = 1",
    );
    commit(&repo, "dev", "k");
    run(
        &repo,
        "main",
        "UPDATE t SET doc = '{\"k\": 1, \"m\": 1, \"n\": true}' WHERE id = 1",
    );
    commit(&repo, "main", "n");
    assert!(matches!(merge_dev(&repo), MergeOutcome::Committed(_)));
    assert_eq!(
        rows(&repo, "SELECT doc FROM t WHERE id = 1"),
        ["{\"k\": 2, \"m\": 1, \"n\": true}"]
    );
}

#[test]
fn the_same_cell_changed_two_ways_conflicts_and_blocks_the_commit() {
    let repo = repo_with(SETUP);
    run(&repo, "dev", "UPDATE t SET a = 'theirs' WHERE id = 2");
    commit(&repo, "dev", "theirs");
    run(&repo, "main", "UPDATE t SET a = 'ours' WHERE id = 2");
    commit(&repo, "main", "ours");
    let MergeOutcome::Uncommitted { conflicts } = merge_dev(&repo) else {
        panic!("expected conflicts");
    };
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].table, "t");
    assert!(
        conflicts[0].description.contains("both sides changed a"),
        "{}",
        conflicts[0].description
    );
    // Ours stays in the working set; the conflict is recorded; commit is refused.
    assert_eq!(rows(&repo, "SELECT a FROM t WHERE id = 2"), ["ours"]);
    let ws = repo.working_set("main").unwrap().1;
    let recorded = vc::merge::read_conflicts(&repo, ws.merge.unwrap().conflicts.unwrap()).unwrap();
    assert_eq!(recorded, conflicts);
    let options = CommitOptions {
        message: "m".into(),
        author: author(),
        all: true,
        allow_empty: false,
        amend: false,
    };
    let err = vc::commit::commit(&repo, "main", &options).unwrap_err();
    assert!(
        err.message.contains("unresolved conflicts"),
        "{}",
        err.message
    );
    vc::merge::abort(&repo, "main").unwrap();
    assert!(repo.working_set("main").unwrap().1.merge.is_none());
}

#[test]
fn a_delete_against_an_update_conflicts() {
    let repo = repo_with(SETUP);
    run(&repo, "dev", "DELETE FROM t WHERE id = 3");
    commit(&repo, "dev", "delete");
    run(&repo, "main", "UPDATE t SET b = 33 WHERE id = 3");
    commit(&repo, "main", "update");
    let MergeOutcome::Uncommitted { conflicts } = merge_dev(&repo) else {
        panic!("expected a conflict");
    };
    assert_eq!(conflicts.len(), 1);
    assert!(
        conflicts[0].description.contains("deleted by theirs"),
        "{}",
        conflicts[0].description
    );
}

#[test]
fn a_schema_change_on_one_side_and_data_changes_on_the_other_combine() {
    let repo = repo_with(SETUP);
    run(
        &repo,
        "dev",
        "ALTER TABLE t ADD COLUMN c text DEFAULT 'new'; UPDATE t SET c = 'set' WHERE id = 2",
    );
    commit(&repo, "dev", "add column");
    run(
        &repo,
        "main",
        "UPDATE t SET b = 11 WHERE id = 1; INSERT INTO t VALUES (4, 'w', 4, NULL)",
    );
    commit(&repo, "main", "data");
    assert!(matches!(merge_dev(&repo), MergeOutcome::Committed(_)));
    assert_eq!(
        rows(&repo, "SELECT id, b, c FROM t ORDER BY id"),
        ["1|11|new", "2|2|set", "3|3|new", "4|4|new"]
    );
}

#[test]
fn both_sides_adding_the_same_column_merge() {
    let repo = repo_with(SETUP);
    run(
        &repo,
        "dev",
        "ALTER TABLE t ADD COLUMN c integer; UPDATE t SET c = 7 WHERE id = 1",
    );
    commit(&repo, "dev", "c on dev");
    run(
        &repo,
        "main",
        "ALTER TABLE t ADD COLUMN c integer; UPDATE t SET c = 8 WHERE id = 2",
    );
    commit(&repo, "main", "c on main");
    assert!(
        matches!(merge_dev(&repo), MergeOutcome::Committed(_)),
        "same column added on both sides"
    );
    assert_eq!(
        rows(&repo, "SELECT id, c FROM t ORDER BY id"),
        ["1|7", "2|8", "3|NULL"]
    );
}

#[test]
fn a_merged_table_keeps_its_indexes_in_step() {
    let repo = repo_with(&format!("{SETUP}; CREATE INDEX t_b ON t (b)"));
    run(&repo, "dev", "UPDATE t SET b = 50 WHERE id = 1");
    commit(&repo, "dev", "b");
    run(&repo, "main", "UPDATE t SET a = 'main' WHERE id = 2");
    commit(&repo, "main", "a");
    assert!(matches!(merge_dev(&repo), MergeOutcome::Committed(_)));
    // The index answers for the merged value and no longer for the old one.
    assert_eq!(rows(&repo, "SELECT id FROM t WHERE b = 50"), ["1"]);
    assert_eq!(rows(&repo, "SELECT count(*) FROM t WHERE b = 1"), ["0"]);
}

#[test]
fn fast_forward_and_up_to_date() {
    let repo = repo_with(SETUP);
    assert_eq!(merge_dev(&repo), MergeOutcome::UpToDate);
    run(&repo, "dev", "INSERT INTO t VALUES (9, 'n', 9, NULL)");
    commit(&repo, "dev", "nine");
    let dev = repo.branch_head("dev").unwrap();
    assert_eq!(merge_dev(&repo), MergeOutcome::FastForward(dev));
    assert_eq!(rows(&repo, "SELECT count(*) FROM t"), ["4"]);
}

#[test]
fn the_same_new_column_under_different_tags_merges_through_retagging() {
    let repo = repo_with(SETUP);
    // Main adds another column first, so the shared one gets another tag there.
    run(
        &repo,
        "main",
        "ALTER TABLE t ADD COLUMN first integer; ALTER TABLE t ADD COLUMN c integer; UPDATE t SET c = 8 WHERE id = 2",
    );
    commit(&repo, "main", "two columns");
    run(
        &repo,
        "dev",
        "ALTER TABLE t ADD COLUMN c integer; UPDATE t SET c = 7 WHERE id = 1",
    );
    commit(&repo, "dev", "c on dev");
    let outcome = merge_dev(&repo);
    assert!(matches!(outcome, MergeOutcome::Committed(_)), "{outcome:?}");
    assert_eq!(
        rows(&repo, "SELECT id, c FROM t ORDER BY id"),
        ["1|7", "2|8", "3|NULL"]
    );
}

#[test]
fn conflicts_resolve_to_either_side_and_the_merge_commits() {
    let repo = repo_with(SETUP);
    run(
        &repo,
        "dev",
        "UPDATE t SET a = 'theirs', b = 20 WHERE id = 2",
    );
    commit(&repo, "dev", "theirs");
    run(
        &repo,
        "main",
        "UPDATE t SET a = 'ours', b = 10 WHERE id = 2",
    );
    commit(&repo, "main", "ours");
    assert!(matches!(merge_dev(&repo), MergeOutcome::Uncommitted { .. }));
    let resolved = vc::merge::resolve(
        &repo,
        &crate::sql::SqlChecks,
        "main",
        "t",
        vc::merge::Side::Theirs,
    )
    .unwrap();
    assert_eq!(resolved, 1);
    assert_eq!(
        rows(&repo, "SELECT a, b FROM t WHERE id = 2"),
        ["theirs|20"]
    );
    let options = CommitOptions {
        message: "merged".into(),
        author: author(),
        all: false,
        allow_empty: false,
        amend: false,
    };
    vc::commit::commit(&repo, "main", &options).unwrap();
    let head = repo
        .read_commit(&repo.branch_head("main").unwrap())
        .unwrap();
    assert_eq!(head.parents.len(), 2);
    assert!(repo.working_set("main").unwrap().1.merge.is_none());
    // The committed catalog holds the resolution.
    assert_eq!(
        rows(&repo, "SELECT a FROM t AS OF 'HEAD' WHERE id = 2"),
        ["theirs"]
    );
}

#[test]
fn serial_ids_from_both_branches_never_collide_after_a_merge() {
    let repo = repo_with(
        "CREATE TABLE s (id serial PRIMARY KEY, who text); INSERT INTO s (who) VALUES ('base')",
    );
    run(&repo, "dev", "INSERT INTO s (who) VALUES ('dev'), ('dev')");
    commit(&repo, "dev", "dev rows");
    // Main hands out id 2 too, then deletes that row: the rows merge, and
    // the sequence must go on from the side that went further (3).
    run(
        &repo,
        "main",
        "INSERT INTO s (who) VALUES ('main'); DELETE FROM s WHERE who = 'main'; UPDATE s SET who = 'base!' WHERE id = 1",
    );
    commit(&repo, "main", "main");
    assert!(matches!(merge_dev(&repo), MergeOutcome::Committed(_)));
    run(&repo, "main", "INSERT INTO s (who) VALUES ('after')");
    assert_eq!(
        rows(&repo, "SELECT id, who FROM s ORDER BY id"),
        ["1|base!", "2|dev", "3|dev", "4|after"]
    );
}

/// A table without a primary key: rows both sides added get the same hidden
/// ids on each side, yet all of them survive the merge (theirs move to ids
/// after ours), edits of shared rows still merge cell by cell, and rows
/// added after the merge get ids of their own.
#[test]
fn keyless_tables_keep_both_sides_new_rows() {
    let repo =
        repo_with("CREATE TABLE log (msg text, n integer); INSERT INTO log VALUES ('base', 0)");
    run(
        &repo,
        "main",
        "INSERT INTO log VALUES ('ours a', 1), ('ours b', 2)",
    );
    commit(&repo, "main", "ours");
    run(
        &repo,
        "dev",
        "INSERT INTO log VALUES ('theirs a', 3), ('theirs b', 4), ('theirs c', 5); UPDATE log SET n = 10 WHERE msg = 'base'",
    );
    commit(&repo, "dev", "theirs");
    assert!(matches!(merge_dev(&repo), MergeOutcome::Committed(_)));
    assert_eq!(
        rows(&repo, "SELECT msg, n FROM log ORDER BY n"),
        [
            "ours a|1",
            "ours b|2",
            "theirs a|3",
            "theirs b|4",
            "theirs c|5",
            "base|10"
        ]
    );
    run(&repo, "main", "INSERT INTO log VALUES ('after', 6)");
    assert_eq!(rows(&repo, "SELECT count(*) FROM log"), ["7"]);
    assert_eq!(
        rows(&repo, "SELECT count(*) FROM log WHERE msg = 'after'"),
        ["1"]
    );
}

/// Rows a merge writes are checked against the merged table's constraints:
/// a violation is kept and recorded as a conflict (blocking the commit)
/// instead of failing the merge.
#[test]
fn constraint_violations_from_a_merge_are_recorded_as_conflicts() {
    let repo = repo_with(
        "CREATE TABLE t (id integer PRIMARY KEY, code text UNIQUE, a integer, b integer, CHECK (a + b < 10)); \
         INSERT INTO t VALUES (1, 'x', 0, 0)",
    );
    // Unique: both sides add a row with code 'y'.
    run(&repo, "main", "INSERT INTO t VALUES (2, 'y', 0, 0)");
    // Check: each side's edit passes alone, the two together do not.
    run(&repo, "main", "UPDATE t SET a = 5 WHERE id = 1");
    commit(&repo, "main", "ours");
    run(
        &repo,
        "dev",
        "INSERT INTO t VALUES (3, 'y', 0, 0); UPDATE t SET b = 5 WHERE id = 1",
    );
    commit(&repo, "dev", "theirs");
    let MergeOutcome::Uncommitted { conflicts } = merge_dev(&repo) else {
        panic!("the merge should stop with conflicts");
    };
    let mut described: Vec<String> = conflicts.iter().map(|c| c.description.clone()).collect();
    described.sort();
    assert_eq!(
        described,
        [
            "the merged row violates check constraint \"t_a_check\"",
            "the merged row violates unique constraint \"t_code_key\"",
            "the merged row violates unique constraint \"t_code_key\"",
        ],
        "both rows of the duplicate are recorded"
    );
    // The rows are all there, as merged.
    assert_eq!(
        rows(&repo, "SELECT id, code, a, b FROM t ORDER BY id"),
        ["1|x|5|5", "2|y|0|0", "3|y|0|0"]
    );
    assert_eq!(
        rows(
            &repo,
            "SELECT our_id, our_code, their_code, description FROM arbor_conflicts_t WHERE base_id IS NULL ORDER BY our_id"
        ),
        [
            "2|y|NULL|the merged row violates unique constraint \"t_code_key\"",
            "3|y|y|the merged row violates unique constraint \"t_code_key\"",
        ]
    );
    let options = CommitOptions {
        message: "too early".into(),
        author: author(),
        all: true,
        allow_empty: false,
        amend: false,
    };
    assert!(vc::commit::commit(&repo, "main", &options).is_err());
    // Fixed by hand, then marked resolved.
    run(
        &repo,
        "main",
        "UPDATE t SET code = 'z' WHERE id = 3; UPDATE t SET b = 0 WHERE id = 1; DELETE FROM arbor_conflicts_t",
    );
    commit(&repo, "main", "merged");
    assert_eq!(
        rows(&repo, "SELECT id, code, a, b FROM t ORDER BY id"),
        ["1|x|5|0", "2|y|0|0", "3|z|0|0"]
    );
    assert_eq!(rows(&repo, "SELECT id FROM t WHERE code = 'z'"), ["3"]);
}

/// Foreign keys across a merge: a child row one side added whose parent the
/// other side deleted is recorded on both rows, as conflicts.
#[test]
fn foreign_key_violations_from_a_merge_are_recorded() {
    let repo = repo_with(
        "CREATE TABLE p (id integer PRIMARY KEY, name text); \
         CREATE TABLE c (id integer PRIMARY KEY, pid integer REFERENCES p (id)); \
         INSERT INTO p VALUES (1, 'one'), (2, 'two'); INSERT INTO c VALUES (10, 1)",
    );
    // Ours deletes parent 2 (no child references it yet).
    run(&repo, "main", "DELETE FROM p WHERE id = 2");
    commit(&repo, "main", "ours");
    // Theirs adds a child of parent 2.
    run(&repo, "dev", "INSERT INTO c VALUES (20, 2)");
    commit(&repo, "dev", "theirs");
    let MergeOutcome::Uncommitted { conflicts } = merge_dev(&repo) else {
        panic!("the merge should stop with conflicts");
    };
    let described: Vec<(String, String)> = conflicts
        .iter()
        .map(|c| (c.table.clone(), c.description.clone()))
        .collect();
    assert_eq!(
        described,
        [(
            "c".to_owned(),
            "the merged row violates foreign key constraint \"c_pid_fkey\": its p row is missing"
                .to_owned()
        )]
    );
    assert_eq!(
        rows(&repo, "SELECT their_id, their_pid FROM arbor_conflicts_c"),
        ["20|2"]
    );
    // Resolved by putting the parent back.
    run(
        &repo,
        "main",
        "INSERT INTO p VALUES (2, 'two again'); DELETE FROM arbor_conflicts_c",
    );
    commit(&repo, "main", "merged");
    assert_eq!(rows(&repo, "SELECT count(*) FROM c"), ["2"]);
}

/// The other way round: ours adds a child, theirs deletes its parent; the
/// merge removes a referenced row, recorded on the parent.
#[test]
fn a_merge_removing_a_referenced_parent_is_recorded() {
    let repo = repo_with(
        "CREATE TABLE p (id integer PRIMARY KEY); \
         CREATE TABLE c (id integer PRIMARY KEY, pid integer REFERENCES p (id)); \
         INSERT INTO p VALUES (1), (2)",
    );
    run(&repo, "main", "INSERT INTO c VALUES (10, 2)");
    commit(&repo, "main", "ours");
    run(&repo, "dev", "DELETE FROM p WHERE id = 2");
    commit(&repo, "dev", "theirs");
    let MergeOutcome::Uncommitted { conflicts } = merge_dev(&repo) else {
        panic!("the merge should stop with conflicts");
    };
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].table, "p");
    assert_eq!(
        conflicts[0].description,
        "the merge removed a row that c still references through foreign key constraint \"c_pid_fkey\""
    );
    assert_eq!(
        rows(
            &repo,
            "SELECT base_id, our_id, their_id FROM arbor_conflicts_p"
        ),
        ["2|NULL|NULL"]
    );
}

/// Commits and resolves as the front ends do, through `ops`, which checks
/// the constraints of what a merge leaves.
fn ops_commit(repo: &Repository, message: &str) -> crate::Result<arbor_merkle::Address> {
    let args = crate::ops::CommitArgs {
        message: Some(message.into()),
        all: true,
        author: Some("T <t@example.com>".into()),
        ..Default::default()
    };
    crate::ops::commit(
        repo,
        &crate::env::Environment::default(),
        &crate::sql::SqlChecks,
        "main",
        &args,
    )
}

fn ops_resolve(repo: &Repository, table: &str, ours: bool) -> crate::Result<Vec<(String, usize)>> {
    let args = crate::ops::ResolveArgs {
        ours,
        theirs: !ours,
        tables: vec![table.into()],
    };
    crate::ops::resolve(repo, &crate::sql::SqlChecks, "main", &args)
}

/// Resolving a constraint violation to a side re-checks the constraint: a
/// duplicate or an orphan left in place is refused, nothing changed, and
/// no commit can store it; fixed rows resolve and commit.
#[test]
fn resolving_a_violation_to_a_side_rechecks_the_constraint() {
    let repo = repo_with(
        "CREATE TABLE t (id integer PRIMARY KEY, code text UNIQUE); \
         CREATE TABLE p (id integer PRIMARY KEY); \
         CREATE TABLE c (id integer PRIMARY KEY, pid integer REFERENCES p (id)); \
         INSERT INTO p VALUES (1), (2)",
    );
    run(
        &repo,
        "main",
        "INSERT INTO t VALUES (1, 'y'); DELETE FROM p WHERE id = 2",
    );
    commit(&repo, "main", "ours");
    run(
        &repo,
        "dev",
        "INSERT INTO t VALUES (2, 'y'); INSERT INTO c VALUES (10, 2)",
    );
    commit(&repo, "dev", "theirs");
    let MergeOutcome::Uncommitted { conflicts } = merge_dev(&repo) else {
        panic!("the merge should stop with conflicts");
    };
    assert_eq!(conflicts.len(), 3, "{conflicts:?}");
    // (Theirs for t would drop our row 1, which theirs lacks: that holds.)
    for (table, ours, code) in [
        ("t", true, "23505"),
        ("c", true, "23503"),
        ("c", false, "23503"),
    ] {
        let e = ops_resolve(&repo, table, ours).unwrap_err();
        assert_eq!(e.code, code, "{table}: {}", e.message);
        let hint = e.hint.clone().unwrap_or_default();
        assert!(hint.contains("UPDATE, DELETE"), "{hint}");
    }
    let e = Session::open(repo.clone(), "main")
        .unwrap()
        .execute("DELETE FROM arbor_conflicts_t")
        .unwrap_err();
    assert_eq!(e.code, "23505", "{}", e.message);
    assert_eq!(
        rows(&repo, "SELECT count(*) FROM arbor_conflicts_t"),
        ["2"],
        "nothing resolved"
    );
    assert!(ops_commit(&repo, "too early").is_err());
    // Fixed, then resolved: each table once it holds.
    run(&repo, "main", "UPDATE t SET code = 'z' WHERE id = 2");
    assert_eq!(
        ops_resolve(&repo, "t", true).unwrap(),
        [("t".to_owned(), 2)]
    );
    run(&repo, "main", "INSERT INTO p VALUES (2)");
    assert_eq!(
        ops_resolve(&repo, "c", true).unwrap(),
        [("c".to_owned(), 1)]
    );
    ops_commit(&repo, "merged").unwrap();
    assert_eq!(
        rows(&repo, "SELECT id, code FROM t ORDER BY id"),
        ["1|y", "2|z"]
    );
}

/// Their side adds a constraint (a foreign key, a CHECK, a unique index)
/// that our new rows break: the merge records each such row, since our rows
/// never met the constraint, instead of committing them or failing.
#[test]
fn constraints_added_by_theirs_are_checked_against_our_rows() {
    let repo = repo_with(
        "CREATE TABLE p (id integer PRIMARY KEY); \
         CREATE TABLE c (id integer PRIMARY KEY, pid integer, code text, n integer); \
         INSERT INTO p VALUES (1)",
    );
    run(
        &repo,
        "main",
        "INSERT INTO c VALUES (10, 99, 'x', 5), (11, 1, 'x', -1)",
    );
    commit(&repo, "main", "ours");
    run(
        &repo,
        "dev",
        "ALTER TABLE c ADD CONSTRAINT c_pid_fkey FOREIGN KEY (pid) REFERENCES p (id); \
         ALTER TABLE c ADD CONSTRAINT c_code_key UNIQUE (code); \
         ALTER TABLE c ADD CONSTRAINT c_n_check CHECK (n > 0)",
    );
    commit(&repo, "dev", "theirs");
    let MergeOutcome::Uncommitted { conflicts } = merge_dev(&repo) else {
        panic!("the merge should stop with conflicts");
    };
    let mut described: Vec<String> = conflicts
        .iter()
        .map(|c| format!("{}: {}", c.table, c.description))
        .collect();
    described.sort();
    assert_eq!(
        described,
        [
            "c: the merged row violates check constraint \"c_n_check\"",
            "c: the merged row violates foreign key constraint \"c_pid_fkey\": its p row is missing",
            "c: the merged row violates unique constraint \"c_code_key\"",
            "c: the merged row violates unique constraint \"c_code_key\"",
        ]
    );
}

/// A column one side drops while the other edits its values is a conflict
/// (the edits would be lost without a word); rows the other side only adds
/// merge without the column.
#[test]
fn a_dropped_column_edited_on_the_other_side_conflicts() {
    for (dropper, editor, expected) in [
        (
            "main",
            "dev",
            "dropped by ours and changed by theirs in 1 row",
        ),
        (
            "dev",
            "main",
            "dropped by theirs and changed by ours in 1 row",
        ),
    ] {
        let repo = repo_with(
            "CREATE TABLE sc (id integer PRIMARY KEY, a text, b text); \
             INSERT INTO sc VALUES (1, 'a', 'b'), (2, 'a', 'b')",
        );
        run(&repo, dropper, "ALTER TABLE sc DROP COLUMN b");
        commit(&repo, dropper, "drop b");
        run(&repo, editor, "UPDATE sc SET b = 'edited' WHERE id = 1");
        commit(&repo, editor, "edit b");
        let MergeOutcome::Uncommitted { conflicts } = merge_dev(&repo) else {
            panic!("{dropper} drops: the merge should stop with a conflict");
        };
        assert_eq!(conflicts.len(), 1);
        assert_eq!(conflicts[0].table, "sc");
        assert_eq!(
            conflicts[0].description,
            format!("schema conflict: column b was {expected}")
        );
    }
    let repo = repo_with(
        "CREATE TABLE sc (id integer PRIMARY KEY, a text, b text); INSERT INTO sc VALUES (1, 'a', 'b')",
    );
    run(&repo, "main", "ALTER TABLE sc DROP COLUMN b");
    commit(&repo, "main", "drop b");
    run(&repo, "dev", "INSERT INTO sc VALUES (2, 'new', 'new')");
    commit(&repo, "dev", "add a row");
    assert!(matches!(merge_dev(&repo), MergeOutcome::Committed(_)));
    assert_eq!(
        rows(&repo, "SELECT * FROM sc ORDER BY id"),
        ["1|a", "2|new"]
    );
}

/// A table both sides made with one schema merges its rows, as if both had
/// added them to an empty table: equal rows once, different ones each,
/// a key with two different rows a conflict; with two schemas it is a
/// conflict about the whole table.
#[test]
fn a_table_both_sides_made_merges_its_rows() {
    let repo = repo_with("CREATE TABLE t (id integer PRIMARY KEY)");
    let make = "CREATE TABLE n (id integer PRIMARY KEY, v text)";
    run(
        &repo,
        "main",
        &format!("{make}; INSERT INTO n VALUES (1, 'ours'), (3, 'both')"),
    );
    commit(&repo, "main", "ours");
    run(
        &repo,
        "dev",
        &format!("{make}; INSERT INTO n VALUES (2, 'theirs'), (3, 'both')"),
    );
    commit(&repo, "dev", "theirs");
    assert!(matches!(merge_dev(&repo), MergeOutcome::Committed(_)));
    assert_eq!(
        rows(&repo, "SELECT id, v FROM n ORDER BY id"),
        ["1|ours", "2|theirs", "3|both"]
    );

    let repo = repo_with("CREATE TABLE t (id integer PRIMARY KEY)");
    run(
        &repo,
        "main",
        &format!("{make}; INSERT INTO n VALUES (4, 'ours')"),
    );
    commit(&repo, "main", "ours");
    run(
        &repo,
        "dev",
        &format!("{make}; INSERT INTO n VALUES (4, 'theirs')"),
    );
    commit(&repo, "dev", "theirs");
    let MergeOutcome::Uncommitted { conflicts } = merge_dev(&repo) else {
        panic!("the same key added twice conflicts");
    };
    assert_eq!(conflicts.len(), 1);
    assert!(
        !conflicts[0].key.is_empty(),
        "a row conflict: {conflicts:?}"
    );

    let repo = repo_with("CREATE TABLE t (id integer PRIMARY KEY)");
    run(&repo, "main", "CREATE TABLE n (id integer PRIMARY KEY)");
    commit(&repo, "main", "ours");
    run(&repo, "dev", make);
    commit(&repo, "dev", "theirs");
    let MergeOutcome::Uncommitted { conflicts } = merge_dev(&repo) else {
        panic!("two schemas conflict");
    };
    assert_eq!(
        conflicts[0].description,
        "added by both sides with different schemas"
    );
}

#[test]
fn sql_functions_merge_as_definitions_and_collide_when_both_sides_change_one() {
    let repo = repo_with(
        "CREATE TABLE t (id integer PRIMARY KEY); \
         CREATE FUNCTION f(x int) RETURNS int LANGUAGE sql RETURN x + 1; \
         CREATE FUNCTION g(x int) RETURNS int LANGUAGE sql RETURN x + 2",
    );
    // Theirs changes f and adds h; ours drops g: all three are taken.
    run(
        &repo,
        "dev",
        "CREATE OR REPLACE FUNCTION f(x int) RETURNS int LANGUAGE sql RETURN x + 10; \
         CREATE FUNCTION h() RETURNS text LANGUAGE sql RETURN 'h'",
    );
    commit(&repo, "dev", "f and h");
    run(&repo, "main", "DROP FUNCTION g");
    commit(&repo, "main", "no g");
    assert!(matches!(merge_dev(&repo), MergeOutcome::Committed(_)));
    assert_eq!(rows(&repo, "SELECT f(1), h()"), ["11|h"]);
    let head = repo
        .read_catalog(
            &repo
                .read_commit(&repo.branch_head("main").unwrap())
                .unwrap()
                .catalog,
        )
        .unwrap();
    assert_eq!(
        head.functions.keys().collect::<Vec<_>>(),
        ["f(integer)", "h()"]
    );
    // Both sides change f: the whole function conflicts.
    run(
        &repo,
        "dev",
        "CREATE OR REPLACE FUNCTION f(x int) RETURNS int LANGUAGE sql RETURN x + 100",
    );
    commit(&repo, "dev", "f again");
    run(
        &repo,
        "main",
        "CREATE OR REPLACE FUNCTION f(x int) RETURNS int LANGUAGE sql RETURN x - 1",
    );
    commit(&repo, "main", "f ours");
    match merge_dev(&repo) {
        MergeOutcome::Uncommitted { conflicts, .. } => {
            assert_eq!(conflicts.len(), 1);
            assert_eq!(conflicts[0].table, "f(integer)");
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
}

#[test]
fn a_function_change_shows_in_the_diff_of_two_commits() {
    let repo = repo_with("CREATE FUNCTION f(x int) RETURNS int LANGUAGE sql RETURN x + 1");
    let before = repo.branch_head("main").unwrap();
    run(
        &repo,
        "main",
        "CREATE OR REPLACE FUNCTION f(x int) RETURNS int LANGUAGE sql RETURN x + 2",
    );
    commit(&repo, "main", "f");
    let catalog = |c| {
        repo.read_catalog(&repo.read_commit(&c).unwrap().catalog)
            .unwrap()
    };
    let (from, to) = (catalog(before), catalog(repo.branch_head("main").unwrap()));
    let diffs = vc::diff::diff_views(&from, &to, &[]);
    assert_eq!(diffs.len(), 1);
    assert_eq!(diffs[0].kind, vc::diff::DefinitionKind::Function);
    assert_eq!(diffs[0].name, "f(integer)");
    assert!(diffs[0].to.as_deref().unwrap().ends_with("RETURN x + 2"));
    assert_eq!(vc::diff::diff_views(&from, &to, &["f".into()]).len(), 1);
    assert!(vc::diff::diff_views(&from, &to, &["g".into()]).is_empty());
}

#[test]
fn enum_types_merge_with_the_tables_that_use_them() {
    let repo = repo_with(
        "CREATE TYPE mood AS ENUM ('sad', 'ok'); \
         CREATE TABLE p (id integer PRIMARY KEY, m mood); \
         INSERT INTO p VALUES (1, 'sad')",
    );
    // Ours adds a label and uses it; theirs adds a row: both are kept, and
    // their row reads under the merged type.
    run(
        &repo,
        "main",
        "ALTER TYPE mood ADD VALUE 'happy'; INSERT INTO p VALUES (2, 'happy')",
    );
    commit(&repo, "main", "happy");
    run(&repo, "dev", "INSERT INTO p VALUES (3, 'ok')");
    commit(&repo, "dev", "three");
    let outcome = merge_dev(&repo);
    assert!(matches!(outcome, MergeOutcome::Committed(_)), "{outcome:?}");
    assert_eq!(
        rows(&repo, "SELECT id, m FROM p ORDER BY m DESC"),
        ["2|happy", "3|ok", "1|sad"]
    );
    // Labels added on both sides would give one position two labels.
    run(&repo, "dev", "ALTER TYPE mood ADD VALUE 'calm'");
    commit(&repo, "dev", "calm");
    run(&repo, "main", "ALTER TYPE mood ADD VALUE 'angry'");
    commit(&repo, "main", "angry");
    match merge_dev(&repo) {
        MergeOutcome::Uncommitted { conflicts, .. } => {
            assert!(conflicts.iter().any(|c| c.table == "mood"), "{conflicts:?}");
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
}
