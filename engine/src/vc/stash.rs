//! Stashes: uncommitted changes put aside and brought back.
//!
//! A stash is a commit object (never on a branch) whose catalog is the
//! working catalog at the time, under the ref `refs/stash/<sequence>`; the
//! newest is `stash@{0}`. As in Git, its first parent is the branch head it
//! was made on and its second an "index" commit holding the staged catalog
//! (stashes made before there was one have the first parent only).
//!
//! Bringing one back is a three-way merge of catalogs: base the stash's
//! parent, ours the branch head, theirs the stash. Uncommitted changes of
//! the branch stay, carried onto the result, as long as the stash leaves
//! their tables alone (else it refuses, changing nothing). What the stash
//! brings back is unstaged, but for tables that were new and staged when it
//! was made: those come back staged, as Git's new files do.
//!
//! Untracked tables (`super::untracked`) stay in the working set unless
//! the stash includes them (`--include-untracked`), as Git's do; bringing
//! a stash back carries them onto the result, and refuses if the stash has
//! a table of the same name.

use arbor_merkle::Address;

use super::BranchState;
use super::branch::LocalChanges;
use super::commit::{copy_table, publish_branch};
use super::merge::merge_catalogs;
use super::untracked::Untracked;
use crate::error::{Error, Result, SqlState, VcError};
use crate::objects::{Commit, Signature, WorkingSet};
use crate::repo::Repository;
use crate::table::CheckBinder;

const PREFIX: &str = "refs/stash/";

/// The stashes, newest first: (ref name, commit address, commit).
pub fn list(repo: &Repository) -> Result<Vec<(String, Address, Commit)>> {
    let root = repo.store_root()?;
    let mut out: Vec<(u64, String, Address)> = root
        .refs
        .iter()
        .filter_map(|(n, a)| {
            n.strip_prefix(PREFIX)
                .and_then(|s| s.parse::<u64>().ok())
                .map(|seq| (seq, n.clone(), *a))
        })
        .collect();
    out.sort_by_key(|s| std::cmp::Reverse(s.0));
    out.into_iter()
        .map(|(_, n, a)| Ok((n, a, repo.read_commit(&a)?)))
        .collect()
}

fn nth(repo: &Repository, n: usize) -> Result<(String, Address, Commit)> {
    list(repo)?.into_iter().nth(n).ok_or_else(|| {
        Error::new(
            SqlState::UndefinedObject,
            format!("stash@{{{n}}} does not exist"),
        )
    })
}

/// Puts the working set's changes of `branch` aside and resets it to its
/// head; untracked tables stay in the working set unless
/// `include_untracked`.
pub fn push(
    repo: &Repository,
    branch: &str,
    message: &str,
    author: &Signature,
    include_untracked: bool,
) -> Result<Address> {
    let state = BranchState::read(repo, branch)?;
    if state.working_set.merge.is_some() {
        return Err(Error::vc(
            VcError::MergeInProgress,
            "cannot stash during a merge",
        ));
    }
    let untracked = if include_untracked {
        Untracked::default()
    } else {
        Untracked::of(repo, &state)?
    };
    let (stashed, clean) = if untracked.is_empty() {
        (
            state.working_set.working,
            WorkingSet {
                sequence: state.working_set.sequence.clone(),
                ..WorkingSet::clean(state.commit.catalog)
            },
        )
    } else {
        let mut stashed = repo.read_catalog(&state.working_set.working)?;
        untracked.take_from(&mut stashed);
        let kept = untracked.kept_on(repo, state.commit.catalog, "the stash")?;
        (
            repo.write_catalog(&stashed)?,
            WorkingSet {
                working: kept,
                staged: state.commit.catalog,
                merge: None,
                sequence: state.working_set.sequence.clone(),
            },
        )
    };
    // Untracked tables alone are nothing to save (Git says the same).
    if stashed == state.commit.catalog && state.working_set.staged == state.commit.catalog {
        return Err(Error::vc(
            VcError::NothingToStash,
            "no local changes to save",
        ));
    }
    let index = repo.write_commit(&Commit {
        catalog: state.working_set.staged,
        parents: vec![state.head],
        author: author.clone(),
        message: format!("index on {branch}: {message}"),
        height: state.commit.height + 1,
    })?;
    let stash = repo.write_commit(&Commit {
        catalog: stashed,
        parents: vec![state.head, index],
        author: author.clone(),
        message: format!("WIP on {branch}: {message}"),
        height: state.commit.height + 2,
    })?;
    let next = list(repo)?
        .first()
        .and_then(|(n, _, _)| n.strip_prefix(PREFIX)?.parse::<u64>().ok())
        .map_or(0, |s| s + 1);
    let ws = repo.write_working_set(&clean)?;
    let name = format!("{PREFIX}{next}");
    repo.update_store_root(&mut |root| {
        if root.refs.get(&crate::repo::working_set_ref(branch)) != Some(&state.working_set_address)
        {
            return Err(Error::new(
                SqlState::SerializationFailure,
                format!("branch '{branch}' changed meanwhile"),
            ));
        }
        root.refs.insert(crate::repo::working_set_ref(branch), ws);
        root.refs.insert(name.clone(), stash);
        Ok(())
    })?;
    Ok(stash)
}

/// Brings stash `n` back into the working set of `branch`, over its
/// uncommitted changes where the stash leaves their tables alone (see the
/// module docs); with `drop`, removes it afterwards (`pop`).
pub fn apply(
    repo: &Repository,
    checks: &dyn CheckBinder,
    branch: &str,
    n: usize,
    drop: bool,
) -> Result<()> {
    let (name, _, stash) = nth(repo, n)?;
    let state = BranchState::read(repo, branch)?;
    if state.working_set.merge.is_some() {
        return Err(Error::vc(
            VcError::MergeInProgress,
            "cannot apply a stash during a merge",
        ));
    }
    let parent = stash
        .parents
        .first()
        .ok_or_else(|| Error::new(SqlState::DataCorrupted, "a stash without its parent"))?;
    let base = repo.read_catalog(&repo.read_commit(parent)?.catalog)?;
    let ours = repo.read_catalog(&state.commit.catalog)?;
    let theirs = repo.read_catalog(&stash.catalog)?;
    let (merged, conflicts) = merge_catalogs(repo, checks, &base, &ours, &theirs)?;
    if !conflicts.is_empty() {
        let what: Vec<String> = conflicts
            .iter()
            .map(|c| format!("{}: {}", c.table, c.description))
            .collect();
        return Err(Error::new(
            SqlState::SerializationFailure,
            format!("stash@{{{n}}} does not apply cleanly"),
        )
        .with_detail(what.join("\n"))
        .with_hint("nothing was changed"));
    }
    let by = format!("stash@{{{n}}}");
    let local = LocalChanges::of(repo, &state)?;
    local.refuse_collisions(&merged, &by)?;
    let (working, _) = local.carry(&merged);
    // Staged: what was staged here, plus the tables the stash's index
    // commit had newly staged.
    let mut staged = repo.read_catalog(&state.working_set.staged)?;
    if let Some(index) = stash.parents.get(1) {
        let index = repo.read_catalog(&repo.read_commit(index)?.catalog)?;
        let new_tables = index
            .tables
            .keys()
            .chain(index.views.keys())
            .filter(|t| !base.tables.contains_key(*t) && !base.views.contains_key(*t));
        for table in new_tables {
            copy_table(repo, &index, &mut staged, table)?;
        }
    }
    let ws = WorkingSet {
        working: repo.write_catalog(&working)?,
        staged: repo.write_catalog(&staged)?,
        merge: None,
        sequence: state.working_set.sequence.clone(),
    };
    publish_branch(repo, &state, None, &ws)?;
    if drop {
        remove(repo, &name)?;
    }
    Ok(())
}

/// Deletes stash `n`.
pub fn drop_stash(repo: &Repository, n: usize) -> Result<()> {
    let (name, _, _) = nth(repo, n)?;
    remove(repo, &name)
}

fn remove(repo: &Repository, name: &str) -> Result<()> {
    repo.update_store_root(&mut |root| {
        root.refs.remove(name);
        Ok(())
    })
}
