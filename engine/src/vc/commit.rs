//! Staging and committing, and moving a branch back (`reset`).
//!
//! `add` copies tables from the working catalog to the staged one; a commit
//! records the staged catalog (or, with `all`, the working one) as a new
//! commit whose parent is the branch head (and, finishing a merge, the
//! merged commit too), then moves the branch and its working set together.
//! `reset --hard` discards changes to tracked tables only.

use std::collections::BTreeSet;

use arbor_merkle::Address;

use super::BranchState;
use super::untracked::Untracked;
use crate::error::{Error, Result, SqlState, VcError};
use crate::objects::{Catalog, Commit, Signature, StepSequence, WorkingSet};
use crate::repo::{RefUpdate, Repository, branch_ref, working_set_ref};
use crate::table::Table;
use crate::table::sequences::owned_by;

/// What to commit and how.
#[derive(Clone, Debug)]
pub struct CommitOptions {
    /// The message.
    pub message: String,
    /// Author and time.
    pub author: Signature,
    /// Commit the working catalog, staging everything first (`-a`/`-A`).
    pub all: bool,
    /// Commit even when nothing changed.
    pub allow_empty: bool,
    /// Replace the head commit instead of adding to it.
    pub amend: bool,
}

/// Publishes a branch's new head and working set in one swap, refusing if
/// either moved since `before` was read.
pub(crate) fn publish_branch(
    repo: &Repository,
    before: &BranchState,
    head: Option<Address>,
    working_set: &WorkingSet,
) -> Result<()> {
    let ws = repo.write_working_set(working_set)?;
    let mut updates = vec![RefUpdate {
        name: working_set_ref(&before.name),
        expected: Some(before.working_set_address),
        new: Some(ws),
    }];
    if let Some(head) = head {
        updates.push(RefUpdate {
            name: branch_ref(&before.name),
            expected: Some(before.head),
            new: Some(head),
        });
    }
    repo.update_refs(&updates)
}

/// Commits on `branch`; returns the new commit's address.
pub fn commit(repo: &Repository, branch: &str, options: &CommitOptions) -> Result<Address> {
    let state = BranchState::read(repo, branch)?;
    let ws = &state.working_set;
    if let Some(m) = &ws.merge
        && m.conflicts.is_some()
    {
        let operation = match &ws.sequence {
            Some(s) => s.kind.command(),
            None => "merge",
        };
        return Err(Error::vc(
            VcError::UnresolvedConflicts {
                operation: operation.to_owned(),
            },
            format!("cannot commit: the {operation} has unresolved conflicts"),
        ));
    }
    let catalog = if options.all { ws.working } else { ws.staged };
    let (parents, height) = if options.amend {
        let parents = state.commit.parents.clone();
        let height = max_height(repo, &parents)? + 1;
        (parents, height)
    } else {
        let mut parents = vec![state.head];
        if let Some(m) = &ws.merge
            && !ws.stopped_at_step()
        {
            parents.push(m.theirs);
        }
        let height = max_height(repo, &parents)? + 1;
        (parents, height)
    };
    let unchanged = catalog == state.commit.catalog && ws.merge.is_none() && !options.amend;
    if unchanged && !options.allow_empty {
        let unstaged = ws.working != state.commit.catalog;
        let message = if unstaged {
            "no changes added to commit"
        } else {
            "nothing to commit, working tree clean"
        };
        return Err(Error::vc(VcError::NothingToCommit { unstaged }, message));
    }
    let address = repo.write_commit(&Commit {
        catalog,
        parents,
        author: options.author.clone(),
        message: options.message.clone(),
        height,
    })?;
    // Concluding a sequence's step leaves the sequence to go on with
    // `--continue`, as Git's sequencer does.
    let new_ws = WorkingSet {
        working: ws.working,
        staged: catalog,
        merge: None,
        sequence: ws.sequence.clone().map(StepSequence::between_steps),
    };
    publish_branch(repo, &state, Some(address), &new_ws)?;
    Ok(address)
}

fn max_height(repo: &Repository, parents: &[Address]) -> Result<u64> {
    let mut h = 0;
    for p in parents {
        h = h.max(repo.read_commit(p)?.height);
    }
    Ok(h)
}

/// Which tables `add` stages.
#[derive(Clone, Debug)]
pub enum Stage {
    /// Every table and view (`-A`, `.`).
    All,
    /// These tables.
    Tables(Vec<String>),
}

/// Copies tables from the working catalog to the staged one.
pub fn add(repo: &Repository, branch: &str, what: &Stage) -> Result<()> {
    let state = BranchState::read(repo, branch)?;
    let ws = &state.working_set;
    let staged = match what {
        Stage::All => ws.working,
        Stage::Tables(names) => {
            let working = repo.read_catalog(&ws.working)?;
            let mut staged = repo.read_catalog(&ws.staged)?;
            for name in names {
                copy_table(repo, &working, &mut staged, name)?;
            }
            repo.write_catalog(&staged)?
        }
    };
    let new_ws = WorkingSet {
        staged,
        ..ws.clone()
    };
    publish_branch(repo, &state, None, &new_ws)
}

/// Sets table (or view) `name` in `to` as it is in `from` (absent if absent),
/// with the sequences it owns (its serial and identity columns' counters):
/// staged without them, a table would name a sequence its commit lacks.
pub(crate) fn copy_table(
    repo: &Repository,
    from: &Catalog,
    to: &mut Catalog,
    name: &str,
) -> Result<()> {
    let owned = |catalog: &Catalog| -> Result<Vec<String>> {
        match catalog.tables.get(name) {
            Some(a) => Ok(owned_by(
                name,
                &Table::from_object(repo.read_table(a)?)?.schema,
            )),
            None => Ok(Vec::new()),
        }
    };
    let mut sequences = owned(from)?;
    sequences.extend(owned(to)?);
    for sequence in sequences {
        match from.sequences.get(&sequence) {
            Some(s) => to.sequences.insert(sequence, s.clone()),
            None => to.sequences.remove(&sequence),
        };
    }
    if !from.has_object(name) && !to.has_object(name) {
        return Err(Error::new(
            SqlState::UndefinedTable,
            format!("table \"{name}\" does not exist"),
        ));
    }
    to.take_object(from, name);
    // A function by its signature, or every function of its name.
    let signatures: BTreeSet<String> = from
        .functions_named(name)
        .chain(to.functions_named(name))
        .cloned()
        .collect();
    for signature in signatures {
        to.take_object(from, &signature);
    }
    Ok(())
}

/// Where [`restore`] takes tables from, and what it changes.
#[derive(Clone, Copy, Debug)]
pub struct RestoreFrom {
    /// A commit to take the tables from; `None`: the staged tables for the
    /// working set, HEAD's for the staged tables.
    pub source: Option<Address>,
    /// Change the staged tables.
    pub staged: bool,
    /// Change the working tables.
    pub working: bool,
}

/// Discards changes to `tables` (`.`: every tracked table), as Git's
/// `restore` does for files: the working tables (and/or the staged ones)
/// become what the source holds, a table the source lacks is dropped.
/// Returns the names of the tables it changed.
///
/// Refused: a name no catalog involved knows; an untracked table (only in
/// the working set: nothing to restore it from) unless the source has it;
/// a table with conflicts of a merge in progress (resolve them first).
pub fn restore(
    repo: &Repository,
    branch: &str,
    tables: &[String],
    from: RestoreFrom,
) -> Result<Vec<String>> {
    let state = BranchState::read(repo, branch)?;
    let head = repo.read_catalog(&state.commit.catalog)?;
    let mut staged = repo.read_catalog(&state.working_set.staged)?;
    let mut working = repo.read_catalog(&state.working_set.working)?;
    let source = match from.source {
        Some(commit) => Some(repo.read_catalog(&repo.read_commit(&commit)?.catalog)?),
        None => None,
    };
    let tracked = |name: &str| [&head, &staged].iter().any(|c| c.has_object(name));
    let in_source = |name: &str| source.as_ref().is_some_and(|c| c.has_object(name));
    let mut names: BTreeSet<String> = BTreeSet::new();
    for name in tables {
        if name == "." {
            let all = [&head, &staged, &working]
                .into_iter()
                .chain(source.as_ref())
                .flat_map(|c| {
                    c.tables
                        .keys()
                        .chain(c.views.keys())
                        .chain(c.functions.keys())
                        .chain(c.types.keys())
                });
            names.extend(all.filter(|n| tracked(n) || in_source(n)).cloned());
        } else if tracked(name) || in_source(name) {
            names.insert(name.clone());
        } else if working.has_object(name) {
            return Err(Error::new(
                SqlState::InvalidParameterValue,
                format!("table \"{name}\" is not tracked: there is nothing to restore it from"),
            )
            .with_hint("add it with arbor add, or drop it with DROP TABLE"));
        } else {
            return Err(Error::new(
                SqlState::UndefinedTable,
                format!("table \"{name}\" does not exist"),
            ));
        }
    }
    if let Some(conflicts) = state.working_set.merge.as_ref().and_then(|m| m.conflicts) {
        let conflicted: BTreeSet<String> = super::merge::read_conflicts(repo, conflicts)?
            .into_iter()
            .map(|c| c.table)
            .collect();
        if let Some(name) = names.iter().find(|n| conflicted.contains(*n)) {
            return Err(Error::new(
                SqlState::InvalidParameterValue,
                format!("table \"{name}\" has conflicts of the merge in progress"),
            )
            .with_hint("resolve them first: arbor conflicts resolve --ours|--theirs <table>"));
        }
    }
    let (staged_before, working_before) = (staged.clone(), working.clone());
    for name in &names {
        if from.staged {
            copy_table(repo, source.as_ref().unwrap_or(&head), &mut staged, name)?;
        }
        if from.working {
            copy_table(repo, source.as_ref().unwrap_or(&staged), &mut working, name)?;
        }
    }
    let same = |a: &Catalog, b: &Catalog, name: &str| {
        a.tables.get(name) == b.tables.get(name)
            && a.views.get(name) == b.views.get(name)
            && a.types.get(name) == b.types.get(name)
            && a.functions_named(name).eq(b.functions_named(name))
            && a.functions_named(name)
                .all(|s| a.functions.get(s) == b.functions.get(s))
    };
    let changed: Vec<String> = names
        .into_iter()
        .filter(|n| !same(&staged, &staged_before, n) || !same(&working, &working_before, n))
        .collect();
    let new_ws = WorkingSet {
        staged: repo.write_catalog(&staged)?,
        working: repo.write_catalog(&working)?,
        ..state.working_set.clone()
    };
    publish_branch(repo, &state, None, &new_ws)?;
    Ok(changed)
}

/// How far `reset` goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResetMode {
    /// Move the branch only; staged and working stay.
    Soft,
    /// Move the branch and unstage: staged becomes the target's catalog.
    Mixed,
    /// Move the branch and discard every change to tracked tables, staged
    /// and working too; untracked tables stay (`super::untracked`).
    Hard,
}

/// Moves `branch` to `target` (`reset <rev>`), with what `mode` says. Ends
/// any merge in progress, as Git's does.
///
/// A hard reset keeps untracked tables as they are, and refuses if the
/// target has a table of the same name: nothing else holds a copy of them.
pub fn reset(repo: &Repository, branch: &str, target: Address, mode: ResetMode) -> Result<()> {
    let state = BranchState::read(repo, branch)?;
    let catalog = repo.read_commit(&target)?.catalog;
    let ws = &state.working_set;
    let new_ws = WorkingSet {
        working: if mode == ResetMode::Hard {
            Untracked::of(repo, &state)?.kept_on(repo, catalog, "the reset")?
        } else {
            ws.working
        },
        staged: if mode == ResetMode::Soft {
            ws.staged
        } else {
            catalog
        },
        merge: None,
        // Git's reset leaves a sequence to continue (or abort), without
        // the step it stopped at.
        sequence: ws.sequence.clone().map(StepSequence::between_steps),
    };
    publish_branch(repo, &state, Some(target), &new_ws)
}

/// Unstages `tables`: their staged state goes back to the head's.
pub fn unstage(repo: &Repository, branch: &str, tables: &[String]) -> Result<()> {
    let state = BranchState::read(repo, branch)?;
    let head = repo.read_catalog(&state.commit.catalog)?;
    let mut staged = repo.read_catalog(&state.working_set.staged)?;
    let names: BTreeSet<&String> = tables.iter().collect();
    for name in names {
        copy_table(repo, &head, &mut staged, name)?;
    }
    let new_ws = WorkingSet {
        staged: repo.write_catalog(&staged)?,
        ..state.working_set.clone()
    };
    publish_branch(repo, &state, None, &new_ws)
}
