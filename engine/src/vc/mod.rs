//! # Version control
//!
//! Commits, branches, status, diff and merge over the repository's objects
//! (`crate::objects`). A branch is a ref `refs/heads/<name>` to its head
//! commit plus a working set `workingsets/heads/<name>` holding the catalog
//! SQL sessions change (`working`), the catalog staged for the next commit
//! (`staged`) and any merge in progress. The store root's default branch is
//! the checked-out one (HEAD).
//!
//! Every operation reads what it needs, writes its new objects, and then
//! publishes every ref it changes with one compare-and-swap of the store
//! root ([`crate::repo::Repository::update_store_root`]), refusing if a ref
//! it read has moved: a crash or a concurrent writer leaves the repository
//! either before or after the operation, never in between.
//!
//! - `blame`: which commit last changed each row;
//! - `revision`: names to commits (`main`, `v1`, `HEAD~2`, `a1b2c3^`);
//! - `history`: walking commits, `log`, merge bases;
//! - `commit`: staging and committing;
//! - `branch`: creating, deleting, renaming and checking out branches, tags;
//! - `status`: which tables differ between HEAD, staged and working;
//! - `diff`: row and schema differences between two catalogs;
//! - `merge`: three-way merges of catalogs, tables, rows and cells;
//! - `reflog`: every move of a branch head, to undo one;
//! - `stash`: uncommitted changes put aside and brought back;
//! - `untracked`: new tables never staged, which resets and stashes keep.

pub mod blame;
pub mod branch;
pub mod commit;
pub mod diff;
pub mod history;
pub mod merge;
pub mod reflog;
pub mod revision;
pub mod stash;
pub mod status;
pub mod untracked;

use arbor_merkle::Address;

use crate::error::{Error, Result, SqlState};
use crate::objects::{Commit, WorkingSet};
use crate::repo::Repository;

/// The checked-out branch (HEAD); refused in a bare repository, which
/// has none until a branch is pushed to it.
pub fn current_branch(repo: &Repository) -> Result<String> {
    let branch = repo.store_root()?.default_branch;
    if branch.is_empty() {
        return Err(Error::new(
            SqlState::ObjectNotInPrerequisiteState,
            "this repository is bare: it has no branch yet",
        )
        .with_hint("push a branch to it from another repository"));
    }
    Ok(branch)
}

/// A branch's head commit with its address, and its working set with its address.
#[derive(Clone, Debug)]
pub struct BranchState {
    /// The branch's name.
    pub name: String,
    /// Address of the head commit.
    pub head: Address,
    /// The head commit.
    pub commit: Commit,
    /// Address of the working set.
    pub working_set_address: Address,
    /// The working set.
    pub working_set: WorkingSet,
}

impl BranchState {
    /// Reads `branch`.
    pub fn read(repo: &Repository, branch: &str) -> Result<BranchState> {
        let head = repo.branch_head(branch)?;
        let commit = repo.read_commit(&head)?;
        let (working_set_address, working_set) = repo.working_set(branch)?;
        Ok(BranchState {
            name: branch.to_owned(),
            head,
            commit,
            working_set_address,
            working_set,
        })
    }

    /// Whether the working or staged catalog differs from the head's.
    pub fn is_dirty(&self) -> bool {
        self.working_set.working != self.commit.catalog
            || self.working_set.staged != self.commit.catalog
    }
}
