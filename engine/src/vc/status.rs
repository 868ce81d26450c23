//! What `status` shows: tables staged for the next commit (staged vs HEAD),
//! changes not staged (working vs staged) to tracked tables, untracked
//! tables (new, never staged: `super::untracked`), and any merge or
//! sequence (cherry-pick, revert, rebase) in progress.

use super::BranchState;
use super::branch::changed_names;
use super::untracked;
use crate::error::Result;
use crate::objects::{Catalog, StepSequence};
use crate::repo::Repository;

/// How a table differs between two catalogs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableChange {
    /// Only in the newer catalog.
    Added,
    /// Only in the older one.
    Deleted,
    /// In both, different.
    Modified,
}

/// A branch's status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    /// The branch.
    pub branch: String,
    /// Staged changes (HEAD to staged).
    pub staged: Vec<(String, TableChange)>,
    /// Unstaged changes (staged to working) to tracked tables.
    pub unstaged: Vec<(String, TableChange)>,
    /// Untracked tables and views: new in the working set, neither staged
    /// nor in HEAD. `reset --hard` and `stash` (without `-u`) leave them.
    pub untracked: Vec<String>,
    /// Whether a merge is in progress, and whether it has conflicts.
    pub merging: Option<bool>,
    /// The cherry-pick, revert or rebase in progress, if any (a merge in
    /// progress beside it is the step it stopped at).
    pub sequence: Option<StepSequence>,
}

impl Status {
    /// Whether nothing differs from HEAD (untracked tables do).
    pub fn is_clean(&self) -> bool {
        self.staged.is_empty()
            && self.unstaged.is_empty()
            && self.untracked.is_empty()
            && self.merging.is_none()
    }
}

/// The table-level changes from catalog `a` to catalog `b`.
pub fn table_changes(a: &Catalog, b: &Catalog) -> Vec<(String, TableChange)> {
    changed_names(a, b)
        .into_iter()
        .map(|n| {
            let in_a = a.tables.contains_key(&n) || a.views.contains_key(&n);
            let in_b = b.tables.contains_key(&n) || b.views.contains_key(&n);
            let change = match (in_a, in_b) {
                (false, _) => TableChange::Added,
                (_, false) => TableChange::Deleted,
                _ => TableChange::Modified,
            };
            (n, change)
        })
        .collect()
}

/// The status of `branch`.
pub fn status(repo: &Repository, branch: &str) -> Result<Status> {
    let state = BranchState::read(repo, branch)?;
    let head = repo.read_catalog(&state.commit.catalog)?;
    let staged = repo.read_catalog(&state.working_set.staged)?;
    let working = repo.read_catalog(&state.working_set.working)?;
    let untracked = untracked::names(&head, &staged, &working);
    let mut unstaged = table_changes(&staged, &working);
    unstaged.retain(|(n, _)| !untracked.contains(n));
    Ok(Status {
        branch: branch.to_owned(),
        staged: table_changes(&head, &staged),
        unstaged,
        untracked,
        merging: state
            .working_set
            .merge
            .as_ref()
            .map(|m| m.conflicts.is_some()),
        sequence: state.working_set.sequence,
    })
}
