//! Version control against a model: random sequences of SQL edits, commits,
//! branches, checkouts, merges, cherry-picks, reverts, rebases (stopped at
//! conflicts, then continued, skipped or aborted), stashes, resets and
//! reopenings of an on-disk repository, run side by side with an in-memory
//! model of the same history.
//! After every step the working table matches the model; at the end, every
//! commit read back with `AS OF` holds exactly what the model recorded.

#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use crate::objects::{SequenceKind, Signature, Step, StepAction};
use crate::repo::{Repository, open_disk_store};
use crate::sql::{Session, StatementResult};
use crate::vc::merge::{SequenceOptions, SequenceOutcome, Side};
use crate::vc::{self, commit::CommitOptions, merge::MergeOptions, merge::MergeOutcome};
use arbor_merkle::Address;
use arbor_schema::Value;
use proptest::prelude::*;

type Rows = BTreeMap<i64, i64>;

#[derive(Clone, Debug)]
enum Op {
    Upsert(i64, i64),
    Delete(i64),
    Commit,
    Branch(u8),
    Checkout(u8),
    Merge(u8),
    /// Cherry-pick another branch's head; at a conflict, how to go on.
    CherryPick(u8, Resume),
    /// Revert the current branch's head.
    RevertHead,
    /// Rebase the current branch onto another; at a conflict, how to go on.
    Rebase(u8, Resume),
    StashPush,
    StashPop,
    ResetHard,
    Reopen,
}

/// How a sequence stopped at a conflict goes on.
#[derive(Clone, Copy, Debug)]
enum Resume {
    Abort,
    Skip,
    /// Resolve every conflict to theirs, then continue.
    Theirs,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..12i64, 0..4i64).prop_map(|(k, v)| Op::Upsert(k, v)),
        2 => (0..12i64).prop_map(Op::Delete),
        3 => Just(Op::Commit),
        2 => (0..3u8).prop_map(Op::Branch),
        2 => (0..3u8).prop_map(Op::Checkout),
        2 => (0..3u8).prop_map(Op::Merge),
        2 => (0..3u8, resume()).prop_map(|(b, r)| Op::CherryPick(b, r)),
        1 => Just(Op::RevertHead),
        2 => (0..3u8, resume()).prop_map(|(b, r)| Op::Rebase(b, r)),
        1 => Just(Op::StashPush),
        1 => Just(Op::StashPop),
        1 => Just(Op::ResetHard),
        1 => Just(Op::Reopen),
    ]
}

/// The address a model's commit hash names.
fn address(hex: &str) -> Address {
    hex.parse().unwrap()
}

fn resume() -> impl Strategy<Value = Resume> {
    prop_oneof![
        Just(Resume::Abort),
        Just(Resume::Skip),
        Just(Resume::Theirs)
    ]
}

fn name(b: u8) -> String {
    ["main", "b1", "b2"][usize::from(b)].to_owned()
}

fn author() -> Signature {
    Signature {
        name: "M".into(),
        email: "m@example.com".into(),
        time: 0,
        offset_minutes: 0,
    }
}

/// The model: commits with parents and states, branches, working states.
#[derive(Default)]
struct Model {
    commits: HashMap<String, (Vec<String>, Rows, u64)>,
    heads: BTreeMap<String, String>,
    working: BTreeMap<String, Rows>,
    current: String,
}

impl Model {
    fn head_rows(&self, branch: &str) -> Rows {
        self.commits[&self.heads[branch]].1.clone()
    }

    fn dirty(&self) -> bool {
        self.working[&self.current] != self.head_rows(&self.current)
    }

    fn ancestors(&self, c: &str) -> HashSet<String> {
        let mut seen = HashSet::new();
        let mut queue = VecDeque::from([c.to_owned()]);
        while let Some(x) = queue.pop_front() {
            if seen.insert(x.clone()) {
                queue.extend(self.commits[&x].0.iter().cloned());
            }
        }
        seen
    }

    /// A common ancestor of greatest height, as the engine picks one.
    fn merge_base(&self, a: &str, b: &str) -> Option<String> {
        let from_a = self.ancestors(a);
        self.ancestors(b)
            .into_iter()
            .filter(|c| from_a.contains(c))
            .max_by_key(|c| self.commits[c].2)
    }
}

/// Three-way merge of two row maps, key by key; `None` on any conflict.
fn merge_rows(base: &Rows, ours: &Rows, theirs: &Rows) -> Option<Rows> {
    let (rows, conflicted) = merge_rows_to_theirs(base, ours, theirs);
    (!conflicted).then_some(rows)
}

/// Three-way merge of two row maps, key by key, conflicts resolved to
/// theirs; and whether there were any.
fn merge_rows_to_theirs(base: &Rows, ours: &Rows, theirs: &Rows) -> (Rows, bool) {
    let keys: HashSet<&i64> = base
        .keys()
        .chain(ours.keys())
        .chain(theirs.keys())
        .collect();
    let mut out = Rows::new();
    let mut conflicted = false;
    for k in keys {
        let (b, o, t) = (base.get(k), ours.get(k), theirs.get(k));
        let v = if o == t || t == b {
            o
        } else if o == b {
            t
        } else {
            conflicted = true;
            t
        };
        if let Some(v) = v {
            out.insert(*k, *v);
        }
    }
    (out, conflicted)
}

/// What the model expects of a sequence of `steps` (commit hashes) applied
/// onto commit `onto`, going on past conflicts as `resume` says: the
/// steps that made a commit, with the rows it holds (`None`: dropped as
/// changing nothing, in a rebase); `None` for the whole when it is
/// refused (a cherry-pick or revert that changes nothing) or aborted.
fn expected_sequence(
    model: &Model,
    kind: SequenceKind,
    onto: &str,
    steps: &[String],
    resume: Resume,
) -> Option<Vec<(String, Option<Rows>)>> {
    let mut head_rows = model.commits[onto].1.clone();
    let mut out = Vec::new();
    for step in steps {
        let (parents, rows, _) = &model.commits[step];
        let parent_rows = &model.commits[&parents[0]].1;
        let (base, theirs) = if kind == SequenceKind::Revert {
            (rows, parent_rows)
        } else {
            (parent_rows, rows)
        };
        let (merged, conflicted) = merge_rows_to_theirs(base, &head_rows, theirs);
        if conflicted {
            match resume {
                Resume::Abort => return None,
                Resume::Skip => continue,
                Resume::Theirs => {}
            }
        } else if merged == head_rows {
            if kind != SequenceKind::Rebase {
                return None;
            }
            out.push((step.clone(), None));
            continue;
        }
        out.push((step.clone(), Some(merged.clone())));
        head_rows = merged;
    }
    Some(out)
}

/// Runs a sequence in the engine to its end, going on past conflicts as
/// `resume` says; the steps applied (with the commit made, if any), or
/// `None` when it was refused or aborted.
fn engine_sequence(
    repo: &Repository,
    branch: &str,
    kind: SequenceKind,
    onto: Address,
    steps: Vec<Step>,
    resume: Resume,
) -> Option<Vec<(Address, Option<Address>)>> {
    let checks = &crate::sql::SqlChecks;
    let options = SequenceOptions {
        author: Some(author()),
        allow_empty: false,
    };
    let mut outcome =
        match vc::merge::start_sequence(repo, checks, branch, kind, onto, steps, &options) {
            Ok(outcome) => outcome,
            Err(e) => {
                assert!(e.message.contains("changes nothing here"), "{e:?}");
                return None;
            }
        };
    let mut applied = Vec::new();
    loop {
        match outcome {
            SequenceOutcome::Done { applied: a } => {
                applied.extend(a);
                break;
            }
            SequenceOutcome::Stopped { applied: a, .. } => {
                applied.extend(a);
                outcome = match resume {
                    Resume::Abort => {
                        vc::merge::abort_sequence(repo, branch, kind).unwrap();
                        return None;
                    }
                    Resume::Skip => vc::merge::skip_sequence(repo, checks, branch, kind).unwrap(),
                    Resume::Theirs => {
                        vc::merge::resolve(repo, checks, branch, "t", Side::Theirs).unwrap();
                        vc::merge::continue_sequence(repo, checks, branch, kind).unwrap()
                    }
                };
            }
        }
    }
    Some(
        applied
            .into_iter()
            .map(|a| (a.step.commit, a.commit))
            .collect(),
    )
}

/// Runs a sequence in the engine and in the model, checks they agree, and
/// records what it made in the model.
#[allow(clippy::too_many_arguments)]
fn sequence_step(
    repo: &Repository,
    model: &mut Model,
    current: &str,
    kind: SequenceKind,
    onto: &str,
    steps: Vec<String>,
    resume: Resume,
    at: usize,
) {
    let head_before = repo.branch_head(current).unwrap();
    let action = if kind == SequenceKind::Revert {
        StepAction::Revert
    } else {
        StepAction::Pick
    };
    let engine_steps = steps
        .iter()
        .map(|s| Step {
            action,
            commit: address(s),
            message: None,
        })
        .collect();
    let onto_address = address(onto);
    let expected = expected_sequence(model, kind, onto, &steps, resume);
    let got = engine_sequence(repo, current, kind, onto_address, engine_steps, resume);
    let (Some(expected), Some(got)) = (&expected, &got) else {
        assert!(
            expected.is_none() && got.is_none(),
            "step {at}: model expected {expected:?}, engine did {got:?}"
        );
        assert_eq!(repo.branch_head(current).unwrap(), head_before, "step {at}");
        return;
    };
    assert_eq!(
        expected.len(),
        got.len(),
        "step {at}: {expected:?} vs {got:?}"
    );
    let mut head = onto.to_owned();
    for ((step, rows), (commit, made)) in expected.iter().zip(got) {
        assert_eq!(step, &commit.to_hex(), "step {at}");
        match (rows, made) {
            (None, None) => {}
            (Some(rows), Some(made)) => {
                let height = model.commits[&head].2 + 1;
                model
                    .commits
                    .insert(made.to_hex(), (vec![head.clone()], rows.clone(), height));
                head = made.to_hex();
            }
            other => panic!("step {at}: model and engine differ on {step}: {other:?}"),
        }
    }
    assert_eq!(
        repo.branch_head(current).unwrap().to_hex(),
        head,
        "step {at}"
    );
    let rows = model.commits[&head].1.clone();
    model.heads.insert(current.to_owned(), head);
    model.working.insert(current.to_owned(), rows);
}

/// Commits everything on the current branch, in the engine and the model.
fn commit_all(repo: &Repository, model: &mut Model, message: &str) {
    let current = model.current.clone();
    let options = CommitOptions {
        message: message.into(),
        author: author(),
        all: true,
        allow_empty: true,
        amend: false,
    };
    let made = vc::commit::commit(repo, &current, &options)
        .unwrap()
        .to_hex();
    let parent = model.heads[&current].clone();
    let height = model.commits[&parent].2 + 1;
    let rows = model.working[&current].clone();
    model
        .commits
        .insert(made.clone(), (vec![parent], rows, height));
    model.heads.insert(current, made);
}

fn read(session: &mut Session, sql: &str) -> Rows {
    match session.execute(sql).unwrap().pop().unwrap() {
        StatementResult::Rows { rows, .. } => rows
            .into_iter()
            .map(|r| match (&r[0], &r[1]) {
                (Value::BigInt(k), Value::BigInt(v)) => (*k, *v),
                other => panic!("unexpected row {other:?}"),
            })
            .collect(),
        other => panic!("not rows: {other:?}"),
    }
}

fn run(ops: &[Op]) {
    let dir = tempfile::tempdir().unwrap();
    let mut repo =
        Repository::init(open_disk_store(dir.path()).unwrap(), "main", &author()).unwrap();
    let mut session = Session::open(repo.clone(), "main").unwrap();
    session
        .execute("CREATE TABLE t (k bigint PRIMARY KEY, v bigint NOT NULL)")
        .unwrap();
    let options = |message: &str| CommitOptions {
        message: message.into(),
        author: author(),
        all: true,
        allow_empty: true,
        amend: false,
    };
    let first = vc::commit::commit(&repo, "main", &options("create"))
        .unwrap()
        .to_hex();
    let mut model = Model {
        current: "main".into(),
        ..Model::default()
    };
    // Stashes, newest last: the commit each was made on, and its rows.
    let mut stashes: Vec<(String, Rows)> = Vec::new();
    model
        .commits
        .insert(first.clone(), (Vec::new(), Rows::new(), 2));
    model.heads.insert("main".into(), first);
    model.working.insert("main".into(), Rows::new());
    // Every branch exists from the start, so that histories diverge soon
    // enough for merges, picks and rebases to have work to do.
    for b in ["b1", "b2"] {
        vc::branch::create(&repo, b, repo.branch_head("main").unwrap(), false).unwrap();
        model.heads.insert(b.into(), model.heads["main"].clone());
        model.working.insert(b.into(), Rows::new());
    }

    for (step, op) in ops.iter().enumerate() {
        let current = model.current.clone();
        match op {
            Op::Upsert(k, v) => {
                session
                    .execute(&format!(
                        "INSERT INTO t VALUES ({k}, {v}) ON CONFLICT (k) DO UPDATE SET v = excluded.v"
                    ))
                    .unwrap();
                model.working.get_mut(&current).unwrap().insert(*k, *v);
            }
            Op::Delete(k) => {
                session
                    .execute(&format!("DELETE FROM t WHERE k = {k}"))
                    .unwrap();
                model.working.get_mut(&current).unwrap().remove(k);
            }
            Op::Commit => commit_all(&repo, &mut model, &format!("step {step}")),
            Op::Branch(b) => {
                let b = name(*b);
                let result =
                    vc::branch::create(&repo, &b, repo.branch_head(&current).unwrap(), false);
                if model.heads.contains_key(&b) {
                    assert!(result.is_err(), "creating an existing branch must fail");
                } else {
                    result.unwrap();
                    let head = model.heads[&current].clone();
                    model
                        .working
                        .insert(b.clone(), model.commits[&head].1.clone());
                    model.heads.insert(b, head);
                }
            }
            Op::Checkout(b) => {
                let b = name(*b);
                if !model.heads.contains_key(&b) || b == current {
                    continue;
                }
                let result = vc::branch::checkout(&repo, &b);
                let carry = model.dirty();
                let target_clean = model.working[&b] == model.head_rows(&b);
                let collides = model.head_rows(&current) != model.head_rows(&b);
                if carry && (collides || !target_clean) {
                    assert!(result.is_err(), "step {step}: checkout should be refused");
                    continue;
                }
                result.unwrap();
                if carry {
                    let changes = model.working[&current].clone();
                    model.working.insert(b.clone(), changes);
                    let head = model.head_rows(&current);
                    model.working.insert(current.clone(), head);
                }
                model.current = b.clone();
                session = Session::open(repo.clone(), &b).unwrap();
            }
            Op::Merge(b) => {
                let b = name(*b);
                if !model.heads.contains_key(&b) || b == current {
                    continue;
                }
                let theirs = model.heads[&b].clone();
                let ours = model.heads[&current].clone();
                let merge_options = MergeOptions {
                    message: format!("merge {b}"),
                    author: Some(author()),
                    no_ff: false,
                    squash: false,
                    no_commit: false,
                };
                let address = repo.branch_head(&b).unwrap();
                let result = vc::merge::merge(
                    &repo,
                    &crate::sql::SqlChecks,
                    &current,
                    address,
                    &merge_options,
                );
                // Uncommitted changes are carried across a merge that leaves
                // table t as HEAD has it, and refuse one that changes it.
                let dirty = model.dirty();
                let head_rows = model.commits[&ours].1.clone();
                if model.ancestors(&ours).contains(&theirs) {
                    assert_eq!(result.unwrap(), MergeOutcome::UpToDate, "step {step}");
                } else if model.ancestors(&theirs).contains(&ours) {
                    let their_rows = model.commits[&theirs].1.clone();
                    if dirty && their_rows != head_rows {
                        assert!(
                            result.is_err(),
                            "step {step}: the fast-forward would overwrite local changes"
                        );
                        continue;
                    }
                    let outcome = result.unwrap();
                    assert!(
                        matches!(outcome, MergeOutcome::FastForward(_)),
                        "step {step}: {outcome:?}"
                    );
                    model.heads.insert(current.clone(), theirs.clone());
                    if !dirty {
                        model.working.insert(current.clone(), their_rows);
                    }
                } else {
                    let base = model.merge_base(&ours, &theirs).unwrap();
                    let merged = merge_rows(
                        &model.commits[&base].1,
                        &model.commits[&ours].1,
                        &model.commits[&theirs].1,
                    );
                    if dirty {
                        match (&merged, &result) {
                            (Some(rows), Ok(_)) if *rows == head_rows => {}
                            (Some(_), Err(_)) => continue,
                            // Every change of theirs conflicting leaves t as
                            // ours: the merge may stop with the conflicts.
                            (None, Err(_)) => continue,
                            (None, Ok(MergeOutcome::Uncommitted { .. })) => {}
                            (expected, got) => panic!(
                                "step {step}: with local changes the model says {expected:?}, engine did {got:?}"
                            ),
                        }
                    }
                    match (merged, result.unwrap()) {
                        (Some(rows), MergeOutcome::Committed(made)) => {
                            let height = model.commits[&ours].2.max(model.commits[&theirs].2) + 1;
                            model
                                .commits
                                .insert(made.to_hex(), (vec![ours, theirs], rows.clone(), height));
                            model.heads.insert(current.clone(), made.to_hex());
                            if !dirty {
                                model.working.insert(current.clone(), rows);
                            }
                        }
                        (None, MergeOutcome::Uncommitted { conflicts }) => {
                            assert!(!conflicts.is_empty());
                            vc::merge::abort(&repo, &current).unwrap();
                        }
                        (expected, got) => {
                            panic!("step {step}: model says {expected:?}, engine did {got:?}")
                        }
                    }
                }
                session = Session::open(repo.clone(), &current).unwrap();
            }
            Op::CherryPick(b, resume) => {
                let b = name(*b);
                if !model.heads.contains_key(&b) || b == current {
                    continue;
                }
                // Local changes are committed first, as a user would
                // (a dirty working set's refusal is the facade tests').
                if model.dirty() {
                    commit_all(&repo, &mut model, &format!("step {step}"));
                }
                let pick = model.heads[&b].clone();
                let steps = vec![pick.clone()];
                if model.commits[&pick].0.len() != 1 {
                    // A merge or the root commit: refused.
                    let head = repo.branch_head(&current).unwrap();
                    let picked = Step {
                        action: StepAction::Pick,
                        commit: address(&pick),
                        message: None,
                    };
                    let options = SequenceOptions {
                        author: None,
                        allow_empty: false,
                    };
                    let result = vc::merge::start_sequence(
                        &repo,
                        &crate::sql::SqlChecks,
                        &current,
                        SequenceKind::CherryPick,
                        head,
                        vec![picked],
                        &options,
                    );
                    assert!(
                        result.is_err(),
                        "step {step:?}: the cherry-pick should be refused"
                    );
                    continue;
                }
                let onto = model.heads[&current].clone();
                sequence_step(
                    &repo,
                    &mut model,
                    &current,
                    SequenceKind::CherryPick,
                    &onto,
                    steps,
                    *resume,
                    step,
                );
                session = Session::open(repo.clone(), &current).unwrap();
            }
            Op::RevertHead => {
                if model.dirty() {
                    commit_all(&repo, &mut model, &format!("step {step}"));
                }
                let head = model.heads[&current].clone();
                if model.commits[&head].0.len() != 1 {
                    continue;
                }
                sequence_step(
                    &repo,
                    &mut model,
                    &current,
                    SequenceKind::Revert,
                    &head.clone(),
                    vec![head],
                    Resume::Abort,
                    step,
                );
                session = Session::open(repo.clone(), &current).unwrap();
            }
            Op::Rebase(b, resume) => {
                let b = name(*b);
                if !model.heads.contains_key(&b) || b == current {
                    continue;
                }
                if model.dirty() {
                    commit_all(&repo, &mut model, &format!("step {step}"));
                }
                let ours = model.heads[&current].clone();
                let onto = model.heads[&b].clone();
                let theirs = model.ancestors(&onto);
                if model.ancestors(&ours).contains(&onto) {
                    continue;
                }
                let mut steps: Vec<(u64, String)> = model
                    .ancestors(&ours)
                    .into_iter()
                    .filter(|c| !theirs.contains(c) && model.commits[c].0.len() <= 1)
                    .map(|c| (model.commits[&c].2, c))
                    .collect();
                steps.sort();
                let steps = steps.into_iter().map(|(_, c)| c).collect();
                sequence_step(
                    &repo,
                    &mut model,
                    &current,
                    SequenceKind::Rebase,
                    &onto,
                    steps,
                    *resume,
                    step,
                );
                session = Session::open(repo.clone(), &current).unwrap();
            }
            Op::StashPush => {
                let result = vc::stash::push(&repo, &current, "stash", &author(), false);
                if !model.dirty() {
                    assert!(result.is_err(), "step {step}: nothing to stash");
                    continue;
                }
                result.unwrap();
                stashes.push((
                    model.heads[&current].clone(),
                    model.working[&current].clone(),
                ));
                let rows = model.head_rows(&current);
                model.working.insert(current.clone(), rows);
                session = Session::open(repo.clone(), &current).unwrap();
            }
            Op::StashPop => {
                let result = vc::stash::apply(&repo, &crate::sql::SqlChecks, &current, 0, true);
                let Some((on, stashed)) = stashes.last().cloned() else {
                    assert!(result.is_err(), "step {step}: no stash to pop");
                    continue;
                };
                let merged =
                    merge_rows(&model.commits[&on].1, &model.head_rows(&current), &stashed);
                // Over local changes (all of them to t), a stash applies
                // only when it leaves t as the head has it.
                let head_rows = model.head_rows(&current);
                match (model.dirty(), merged) {
                    (false, Some(rows)) => {
                        result.unwrap();
                        stashes.pop();
                        model.working.insert(current.clone(), rows);
                    }
                    (true, Some(rows)) if rows == head_rows => {
                        result.unwrap();
                        stashes.pop();
                    }
                    _ => {
                        assert!(result.is_err(), "step {step}: the stash should not apply");
                        continue;
                    }
                }
                session = Session::open(repo.clone(), &current).unwrap();
            }
            Op::ResetHard => {
                let head = repo.branch_head(&current).unwrap();
                vc::commit::reset(&repo, &current, head, vc::commit::ResetMode::Hard).unwrap();
                let rows = model.head_rows(&current);
                model.working.insert(current.clone(), rows);
                session = Session::open(repo.clone(), &current).unwrap();
            }
            Op::Reopen => {
                drop(session);
                drop(repo);
                repo = Repository::open(open_disk_store(dir.path()).unwrap()).unwrap();
                session = Session::open(repo.clone(), &model.current).unwrap();
            }
        }
        assert_eq!(
            read(&mut session, "SELECT k, v FROM t ORDER BY k"),
            model.working[&model.current],
            "step {step} ({op:?}): the working table differs from the model"
        );
    }
    for (hash, (_, rows, _)) in &model.commits {
        assert_eq!(
            &read(
                &mut session,
                &format!("SELECT k, v FROM t AS OF '{hash}' ORDER BY k")
            ),
            rows,
            "commit {hash} differs from the model"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn history_matches_the_model(ops in proptest::collection::vec(op(), 1..60)) {
        run(&ops);
    }
}
