//! Version control against a model: random sequences of SQL edits, commits,
//! branches, checkouts, merges, resets and reopenings of an on-disk
//! repository, run side by side with an in-memory model of the same history.
//! After every step the working table matches the model; at the end, every
//! commit read back with `AS OF` holds exactly what the model recorded.

#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use crate::objects::Signature;
use crate::repo::{Repository, open_disk_store};
use crate::sql::{Session, StatementResult};
use crate::vc::{self, commit::CommitOptions, merge::MergeOptions, merge::MergeOutcome};
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
    ResetHard,
    Reopen,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..12i64, 0..4i64).prop_map(|(k, v)| Op::Upsert(k, v)),
        2 => (0..12i64).prop_map(Op::Delete),
        3 => Just(Op::Commit),
        1 => (0..3u8).prop_map(Op::Branch),
        2 => (0..3u8).prop_map(Op::Checkout),
        2 => (0..3u8).prop_map(Op::Merge),
        1 => Just(Op::ResetHard),
        1 => Just(Op::Reopen),
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
    let keys: HashSet<&i64> = base
        .keys()
        .chain(ours.keys())
        .chain(theirs.keys())
        .collect();
    let mut out = Rows::new();
    for k in keys {
        let (b, o, t) = (base.get(k), ours.get(k), theirs.get(k));
        let v = if o == t || t == b {
            o
        } else if o == b {
            t
        } else {
            return None;
        };
        if let Some(v) = v {
            out.insert(*k, *v);
        }
    }
    Some(out)
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
    model
        .commits
        .insert(first.clone(), (Vec::new(), Rows::new(), 2));
    model.heads.insert("main".into(), first);
    model.working.insert("main".into(), Rows::new());

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
            Op::Commit => {
                let made = vc::commit::commit(&repo, &current, &options(&format!("step {step}")))
                    .unwrap()
                    .to_hex();
                let parent = model.heads[&current].clone();
                let height = model.commits[&parent].2 + 1;
                let rows = model.working[&current].clone();
                model
                    .commits
                    .insert(made.clone(), (vec![parent], rows, height));
                model.heads.insert(current.clone(), made);
            }
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
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn history_matches_the_model(ops in proptest::collection::vec(op(), 1..40)) {
        run(&ops);
    }
}
