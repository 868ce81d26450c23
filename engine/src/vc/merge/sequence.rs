//! Sequences: commits' changes applied one by one as new commits
//! (`cherry-pick`), undone one by one (`revert`), or a branch's own
//! commits replayed onto another commit (`rebase`).
//!
//! Each step is a three-way merge of catalogs: for a pick, from the
//! commit's parent to the commit, applied onto the branch's head; for a
//! revert, the other way round. The branch moves once, when the sequence
//! ends, so a sequence that runs through is one swap of refs like any
//! other operation.
//!
//! A step that does not apply cleanly stops the sequence as a merge stops:
//! the branch moves to the commits made so far, the working set holds the
//! step's merged tables (conflicting rows as ours) with its conflicts in the
//! merge state, and the working set's [`StepSequence`] holds the step and the
//! steps still to come. Then, as in Git:
//! - `--continue` commits the resolved step (with the picked commit's
//!   author and message) and goes on; an `arbor commit` may conclude the
//!   step first, after which `--continue` just goes on;
//! - `--skip` drops the step and goes on;
//! - `--abort` puts the branch back where it was before the sequence began
//!   (untracked tables stay as they are).
//!
//! Invariant: a working set has a merge state for a step exactly while its
//! sequence has a `current` step with conflicts to resolve; a `current`
//! step with no merge state is one that changed nothing (kept by
//! `--continue`, dropped by `--skip`).

use std::collections::HashSet;

use arbor_merkle::Address;

use super::conflicts::write_conflicts;
use super::{Conflict, merge_catalogs, verify_merged};
use crate::error::{Error, Result, SqlState, VcError};
use crate::objects::{
    Catalog, Commit, MergeState, SequenceKind, Signature, Step, StepAction, StepSequence,
    WorkingSet,
};
use crate::repo::Repository;
use crate::table::CheckBinder;
use crate::vc::commit::publish_branch;
use crate::vc::untracked::Untracked;
use crate::vc::{BranchState, history::reachable};

/// What a step did.
#[derive(Clone, Debug, PartialEq)]
pub struct Applied {
    /// The step.
    pub step: Step,
    /// The commit it made (for a squash or fixup, the commit it replaced
    /// the one before with); `None` when it changed nothing and was
    /// dropped (a rebase drops such steps, as Git's does).
    pub commit: Option<Address>,
}

/// How a sequence (or its continuation) ended.
#[derive(Clone, Debug, PartialEq)]
pub enum SequenceOutcome {
    /// Every step was applied; the branch is at the last commit made.
    Done {
        /// The steps, in order.
        applied: Vec<Applied>,
    },
    /// A step did not apply cleanly: its conflicts wait to be resolved.
    Stopped {
        /// The steps applied before it.
        applied: Vec<Applied>,
        /// The step it stopped at.
        step: Step,
        /// Its conflicts.
        conflicts: Vec<Conflict>,
    },
}

/// How a new sequence runs.
#[derive(Clone, Debug)]
pub struct SequenceOptions {
    /// Author of the commits that have none of their own (reverts).
    pub author: Option<Signature>,
    /// Make commits for steps that change nothing, instead of stopping.
    pub allow_empty: bool,
}

/// Starts a sequence of `kind` on `branch`: `steps` applied in order onto
/// `onto` (the branch's head for a cherry-pick or revert, the upstream for
/// a rebase). The working set must be clean but for untracked tables.
pub fn start(
    repo: &Repository,
    checks: &dyn CheckBinder,
    branch: &str,
    kind: SequenceKind,
    onto: Address,
    steps: Vec<Step>,
    options: &SequenceOptions,
) -> Result<SequenceOutcome> {
    let state = BranchState::read(repo, branch)?;
    refuse_in_progress(&state)?;
    let untracked = Untracked::of(repo, &state)?;
    if !untracked.are_the_only_changes(repo, &state)? {
        return Err(Error::vc(
            VcError::UncommittedChanges,
            format!(
                "your uncommitted changes would be mixed in by the {}",
                kind.command()
            ),
        ));
    }
    for step in &steps {
        let commit = repo.read_commit(&step.commit)?;
        if commit.parents.len() > 1 {
            return Err(Error::new(
                SqlState::FeatureNotSupported,
                format!(
                    "commit {} is a merge; picking one side of a merge is not supported",
                    step.commit.short(8)
                ),
            ));
        }
        if commit.parents.is_empty() && kind != SequenceKind::Rebase {
            return Err(Error::new(
                SqlState::FeatureNotSupported,
                format!(
                    "commit {} is a root commit; it has no parent to take its changes from",
                    step.commit.short(8)
                ),
            ));
        }
    }
    let sequence = StepSequence {
        kind,
        original_head: state.head,
        current: None,
        todo: steps,
        author: options.author.clone(),
        allow_empty: options.allow_empty,
        planned_onto: None,
    };
    let head = if onto == state.head {
        state.commit.clone()
    } else {
        repo.read_commit(&onto)?
    };
    Runner::new(repo, checks, &state, untracked, (onto, head), true).run(sequence)
}

/// Records an interactive rebase of `branch` onto `onto` as planned: its
/// plan waits to be edited (from SQL, in the table `arbor_rebase`), and
/// nothing moves until [`run_planned`] applies the edited plan (or
/// [`abort`] forgets it).
pub fn plan(repo: &Repository, branch: &str, onto: Address) -> Result<()> {
    let state = BranchState::read(repo, branch)?;
    refuse_in_progress(&state)?;
    let ws = WorkingSet {
        sequence: Some(StepSequence {
            kind: SequenceKind::Rebase,
            original_head: state.head,
            current: None,
            todo: Vec::new(),
            author: None,
            allow_empty: false,
            planned_onto: Some(onto),
        }),
        ..state.working_set.clone()
    };
    publish_branch(repo, &state, None, &ws)
}

/// Applies `steps`, the edited plan of the rebase [`plan`] recorded on
/// `branch`, as a rebase does.
pub fn run_planned(
    repo: &Repository,
    checks: &dyn CheckBinder,
    branch: &str,
    steps: Vec<Step>,
) -> Result<SequenceOutcome> {
    let state = BranchState::read(repo, branch)?;
    let sequence = in_progress(&state, SequenceKind::Rebase)?;
    let onto = sequence.planned_onto.ok_or_else(|| {
        Error::new(
            SqlState::ObjectNotInPrerequisiteState,
            "the rebase in progress is not a planned one",
        )
    })?;
    let untracked = Untracked::of(repo, &state)?;
    if !untracked.are_the_only_changes(repo, &state)? {
        return Err(Error::vc(
            VcError::UncommittedChanges,
            "your uncommitted changes would be mixed in by the rebase",
        ));
    }
    let head = (onto, repo.read_commit(&onto)?);
    Runner::new(repo, checks, &state, untracked, head, true).run(StepSequence {
        todo: steps,
        planned_onto: None,
        ..sequence
    })
}

/// Refuses to start a merge or a sequence while one is in progress.
pub fn refuse_in_progress(state: &BranchState) -> Result<()> {
    if let Some(sequence) = &state.working_set.sequence {
        let name = sequence.kind.command();
        return Err(Error::vc(
            VcError::SequenceInProgress {
                operation: name.to_owned(),
            },
            format!("a {name} is in progress"),
        ));
    }
    if state.working_set.merge.is_some() {
        return Err(Error::vc(
            VcError::MergeInProgress,
            "a merge is in progress",
        ));
    }
    Ok(())
}

/// The sequence in progress on `branch`, refused unless it is a `kind`.
fn in_progress(state: &BranchState, kind: SequenceKind) -> Result<StepSequence> {
    let name = kind.command();
    match &state.working_set.sequence {
        Some(s) if s.kind == kind => Ok(s.clone()),
        Some(s) => Err(Error::vc(
            VcError::SequenceInProgress {
                operation: s.kind.command().to_owned(),
            },
            format!("a {} is in progress, not a {name}", s.kind.command()),
        )),
        None => Err(Error::vc(
            VcError::NoSequenceInProgress {
                operation: name.to_owned(),
            },
            format!("there is no {name} in progress"),
        )),
    }
}

/// Commits the step the sequence stopped at (once its conflicts are
/// resolved), then applies the steps left.
pub fn continue_sequence(
    repo: &Repository,
    checks: &dyn CheckBinder,
    branch: &str,
    kind: SequenceKind,
) -> Result<SequenceOutcome> {
    let state = BranchState::read(repo, branch)?;
    let mut sequence = in_progress(&state, kind)?;
    if sequence.planned_onto.is_some() {
        return Err(Error::new(
            SqlState::ObjectNotInPrerequisiteState,
            "the rebase's plan waits in the table arbor_rebase",
        )
        .with_hint("edit it, then go on with SELECT arbor_rebase('--continue')"));
    }
    let ws = &state.working_set;
    if ws.merge.as_ref().is_some_and(|m| m.conflicts.is_some()) {
        return Err(Error::vc(
            VcError::UnresolvedConflicts {
                operation: kind.command().to_owned(),
            },
            format!(
                "cannot continue the {}: there are unresolved conflicts",
                kind.command()
            ),
        ));
    }
    let mut runner = Runner::going_on(repo, checks, &state)?;
    if let Some(step) = sequence.current.take() {
        // The resolved step: what is staged, checked as a merge's rows are.
        let ours = repo.read_catalog(&state.commit.catalog)?;
        verify_merged(repo, checks, &ours, &repo.read_catalog(&ws.staged)?)?;
        let made = runner.commit_step(&sequence, &step, ws.staged)?;
        runner.applied.push(Applied {
            step,
            commit: Some(made),
        });
    }
    runner.run(sequence)
}

/// Drops the step the sequence stopped at (its changes leave the working
/// set), then applies the steps left.
pub fn skip(
    repo: &Repository,
    checks: &dyn CheckBinder,
    branch: &str,
    kind: SequenceKind,
) -> Result<SequenceOutcome> {
    let state = BranchState::read(repo, branch)?;
    let mut sequence = in_progress(&state, kind)?;
    if sequence.current.take().is_none() {
        return Err(Error::new(
            SqlState::ObjectNotInPrerequisiteState,
            format!(
                "the {} is not stopped at a commit; there is nothing to skip",
                kind.command()
            ),
        ));
    }
    Runner::going_on(repo, checks, &state)?.run(sequence)
}

/// Abandons the sequence in progress on `branch`: the branch goes back to
/// where it was before it began, with a clean working set but for
/// untracked tables, which stay as they are.
pub fn abort(repo: &Repository, branch: &str, kind: SequenceKind) -> Result<()> {
    let state = BranchState::read(repo, branch)?;
    let sequence = in_progress(&state, kind)?;
    let untracked = Untracked::of(repo, &state)?;
    let catalog = repo.read_commit(&sequence.original_head)?.catalog;
    let ws = WorkingSet {
        working: untracked.kept_on(repo, catalog, "the abort")?,
        ..WorkingSet::clean(catalog)
    };
    publish_branch(repo, &state, Some(sequence.original_head), &ws)
}

/// The steps of a rebase of `branch`'s head onto `upstream`: the commits
/// the head has and `upstream` lacks, oldest first, merges left out (their
/// changes come with the commits they merged, as in Git). Empty when the
/// head is in `upstream`'s history.
pub fn rebase_steps(repo: &Repository, head: Address, upstream: Address) -> Result<Vec<Step>> {
    let theirs: HashSet<Address> = reachable(repo, &[upstream])?.into_iter().collect();
    let mut ours = Vec::new();
    for address in reachable(repo, &[head])? {
        if theirs.contains(&address) {
            continue;
        }
        let commit = repo.read_commit(&address)?;
        if commit.parents.len() <= 1 {
            ours.push((commit.height, address));
        }
    }
    // Heights order parents before children.
    ours.sort();
    Ok(ours
        .into_iter()
        .map(|(_, commit)| Step {
            action: StepAction::Pick,
            commit,
            message: None,
        })
        .collect())
}

/// Applies a sequence's steps onto a head that moves as commits are made.
struct Runner<'a> {
    repo: &'a Repository,
    checks: &'a dyn CheckBinder,
    /// The branch as read when the operation began: the one swap at the
    /// end expects it unchanged.
    state: &'a BranchState,
    untracked: Untracked,
    /// The commit the next step applies onto, and its address.
    head: (Address, Commit),
    applied: Vec<Applied>,
    /// A sequence just started: nothing is recorded yet, so a step that
    /// changes nothing can refuse the whole operation.
    fresh: bool,
}

impl<'a> Runner<'a> {
    /// A runner that applies steps onto `head`, publishing over `state`.
    fn new(
        repo: &'a Repository,
        checks: &'a dyn CheckBinder,
        state: &'a BranchState,
        untracked: Untracked,
        head: (Address, Commit),
        fresh: bool,
    ) -> Runner<'a> {
        Runner {
            repo,
            checks,
            state,
            untracked,
            head,
            applied: Vec::new(),
            fresh,
        }
    }

    /// A runner that goes on from the branch's head (`--continue`,
    /// `--skip`), its untracked tables carried as they are.
    fn going_on(
        repo: &'a Repository,
        checks: &'a dyn CheckBinder,
        state: &'a BranchState,
    ) -> Result<Runner<'a>> {
        let untracked = Untracked::of(repo, state)?;
        let head = (state.head, state.commit.clone());
        Ok(Runner::new(repo, checks, state, untracked, head, false))
    }

    fn run(mut self, mut sequence: StepSequence) -> Result<SequenceOutcome> {
        let repo = self.repo;
        while !sequence.todo.is_empty() {
            let step = sequence.todo.remove(0);
            let picked = repo.read_commit(&step.commit)?;
            let parent = picked.parents.first().copied();
            let parent_catalog = match parent {
                Some(p) => repo.read_catalog(&repo.read_commit(&p)?.catalog)?,
                None => Catalog::default(),
            };
            let picked_catalog = repo.read_catalog(&picked.catalog)?;
            let ours = repo.read_catalog(&self.head.1.catalog)?;
            let revert = step.action == StepAction::Revert;
            let (base, theirs) = if revert {
                (&picked_catalog, &parent_catalog)
            } else {
                (&parent_catalog, &picked_catalog)
            };
            let (merged, conflicts) = merge_catalogs(repo, self.checks, base, &ours, theirs)?;
            let catalog = repo.write_catalog(&merged)?;
            if !conflicts.is_empty() {
                let (theirs, base) = if revert {
                    (parent.unwrap_or(step.commit), step.commit)
                } else {
                    (step.commit, parent.unwrap_or(step.commit))
                };
                let merge = MergeState {
                    theirs,
                    base,
                    pre_merge_working: self.head.1.catalog,
                    conflicts: Some(write_conflicts(repo, &conflicts)?),
                    message: self.message_of(&step, &picked),
                };
                sequence.current = Some(step.clone());
                self.publish(sequence.kind, catalog, Some(merge), Some(sequence.clone()))?;
                return Ok(SequenceOutcome::Stopped {
                    applied: self.applied,
                    step,
                    conflicts,
                });
            }
            let folds = matches!(step.action, StepAction::Squash | StepAction::Fixup);
            if catalog == self.head.1.catalog && !folds && !sequence.allow_empty {
                if sequence.kind == SequenceKind::Rebase {
                    self.applied.push(Applied { step, commit: None });
                    continue;
                }
                return self.stop_empty(sequence, step);
            }
            let made = self.commit_step(&sequence, &step, catalog)?;
            self.applied.push(Applied {
                step,
                commit: Some(made),
            });
        }
        let catalog = self.head.1.catalog;
        self.publish(sequence.kind, catalog, None, None)?;
        Ok(SequenceOutcome::Done {
            applied: self.applied,
        })
    }

    /// A step that changes nothing: refuses the whole operation when
    /// nothing is recorded yet; else the sequence stops there, for the
    /// user to `--continue` (keep it as an empty commit) or `--skip` it.
    fn stop_empty(self, mut sequence: StepSequence, step: Step) -> Result<SequenceOutcome> {
        let name = sequence.kind.command();
        let error = Error::new(
            SqlState::ObjectNotInPrerequisiteState,
            format!("commit {} changes nothing here", step.commit.short(8)),
        );
        if self.fresh && self.applied.is_empty() {
            return Err(error.with_hint(format!(
                "nothing was changed; to record it anyway, {name} with --allow-empty"
            )));
        }
        sequence.current = Some(step);
        let catalog = self.head.1.catalog;
        self.publish(sequence.kind, catalog, None, Some(sequence.clone()))?;
        Err(error.with_hint(format!(
            "the {name} stopped there: keep it as an empty commit with --continue, or drop it with --skip"
        )))
    }

    /// The new commit's message for `step` of `picked`.
    fn message_of(&self, step: &Step, picked: &Commit) -> String {
        if let Some(m) = &step.message {
            return m.clone();
        }
        match step.action {
            StepAction::Pick => picked.message.clone(),
            StepAction::Revert => {
                let subject = picked.message.lines().next().unwrap_or_default();
                format!(
                    "Revert \"{subject}\"\n\nThis reverts commit {}.",
                    step.commit.to_hex()
                )
            }
            StepAction::Squash => {
                format!("{}\n\n{}", self.head.1.message.trim_end(), picked.message)
            }
            StepAction::Fixup => self.head.1.message.clone(),
        }
    }

    /// Makes the commit of `step` with `catalog` onto the head (a squash
    /// or fixup replaces the head instead), and moves the head to it.
    fn commit_step(
        &mut self,
        sequence: &StepSequence,
        step: &Step,
        catalog: Address,
    ) -> Result<Address> {
        let repo = self.repo;
        let picked = repo.read_commit(&step.commit)?;
        let message = self.message_of(step, &picked);
        let (parents, author) = match step.action {
            StepAction::Pick => (vec![self.head.0], picked.author.clone()),
            StepAction::Revert => (
                vec![self.head.0],
                sequence
                    .author
                    .clone()
                    .ok_or_else(crate::env::unknown_author)?,
            ),
            StepAction::Squash | StepAction::Fixup => {
                (self.head.1.parents.clone(), self.head.1.author.clone())
            }
        };
        let mut height = 0;
        for p in &parents {
            height = height.max(repo.read_commit(p)?.height);
        }
        let commit = Commit {
            catalog,
            parents,
            author,
            message,
            height: height + 1,
        };
        let address = repo.write_commit(&commit)?;
        self.head = (address, commit);
        Ok(address)
    }

    /// Publishes the branch at the head, with `catalog` staged and working
    /// (untracked tables kept), and the merge and sequence states given.
    fn publish(
        &self,
        kind: SequenceKind,
        catalog: Address,
        merge: Option<MergeState>,
        sequence: Option<StepSequence>,
    ) -> Result<()> {
        let verb = format!("the {}", kind.command());
        let ws = WorkingSet {
            working: self.untracked.kept_on(self.repo, catalog, &verb)?,
            staged: catalog,
            merge,
            sequence,
        };
        publish_branch(self.repo, self.state, Some(self.head.0), &ws)
    }
}
