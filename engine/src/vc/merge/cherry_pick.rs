//! Cherry-pick and revert: a commit's changes applied to (or undone on)
//! a branch through a three-way merge, as a new commit.

use arbor_merkle::Address;

use super::merge_catalogs;
use crate::error::{Error, Result, SqlState, VcError};
use crate::objects::{Catalog, Commit, Signature, WorkingSet};
use crate::repo::Repository;
use crate::table::CheckBinder;
use crate::vc::BranchState;
use crate::vc::commit::publish_branch;
use crate::vc::untracked::Untracked;

/// Applies the changes commit `pick` made (against its first parent) to
/// `branch` as a new commit: `cherry-pick`; with `revert`, undoes them
/// instead. The new commit keeps `pick`'s author for a cherry-pick; a revert
/// is authored by `revert_author`. Changes that do not apply cleanly refuse
/// the whole operation and leave the branch as it was. Untracked tables
/// stay in the working set (refused if the result has one of their names).
pub fn apply_commit(
    repo: &Repository,
    checks: &dyn CheckBinder,
    branch: &str,
    pick: Address,
    revert_author: Option<&Signature>,
) -> Result<Address> {
    let revert = revert_author.is_some();
    let state = BranchState::read(repo, branch)?;
    if state.working_set.merge.is_some() {
        return Err(Error::vc(
            VcError::MergeInProgress,
            "a merge is in progress",
        ));
    }
    // Untracked tables are no part of it: they stay, carried onto the result.
    let untracked = Untracked::of(repo, &state)?;
    if !untracked.are_the_only_changes(repo, &state)? {
        return Err(Error::vc(
            VcError::UncommittedChanges,
            "your uncommitted changes would be mixed in",
        ));
    }
    let commit = repo.read_commit(&pick)?;
    if commit.parents.len() > 1 {
        return Err(Error::new(
            SqlState::FeatureNotSupported,
            format!(
                "commit {} is a merge; picking one side of a merge is not supported",
                pick.short(8)
            ),
        ));
    }
    let parent_catalog = match commit.parents.first() {
        Some(p) => repo.read_catalog(&repo.read_commit(p)?.catalog)?,
        None => Catalog::default(),
    };
    let picked_catalog = repo.read_catalog(&commit.catalog)?;
    let ours = repo.read_catalog(&state.commit.catalog)?;
    let (base, theirs) = if revert {
        (&picked_catalog, &parent_catalog)
    } else {
        (&parent_catalog, &picked_catalog)
    };
    let (merged, conflicts) = merge_catalogs(repo, checks, base, &ours, theirs)?;
    if !conflicts.is_empty() {
        let what: Vec<String> = conflicts
            .iter()
            .map(|c| format!("{}: {}", c.table, c.description))
            .collect();
        let verb = if revert { "revert" } else { "cherry-pick" };
        return Err(Error::new(
            SqlState::SerializationFailure,
            format!("{verb} of {} does not apply cleanly", pick.short(8)),
        )
        .with_detail(what.join("\n"))
        .with_hint("nothing was changed; merge the changes by hand instead"));
    }
    let catalog = repo.write_catalog(&merged)?;
    if catalog == state.commit.catalog {
        return Err(Error::new(
            SqlState::ObjectNotInPrerequisiteState,
            format!("commit {} changes nothing here", pick.short(8)),
        ));
    }
    let subject = commit.message.lines().next().unwrap_or_default();
    let new_commit = Commit {
        catalog,
        parents: vec![state.head],
        author: revert_author
            .cloned()
            .unwrap_or_else(|| commit.author.clone()),
        message: if revert {
            format!(
                "Revert \"{subject}\"\n\nThis reverts commit {}.",
                pick.to_hex()
            )
        } else {
            commit.message.clone()
        },
        height: state.commit.height + 1,
    };
    let verb = if revert {
        "the revert"
    } else {
        "the cherry-pick"
    };
    let ws = WorkingSet {
        working: untracked.kept_on(repo, catalog, verb)?,
        staged: catalog,
        merge: None,
    };
    let address = repo.write_commit(&new_commit)?;
    publish_branch(repo, &state, Some(address), &ws)?;
    Ok(address)
}
