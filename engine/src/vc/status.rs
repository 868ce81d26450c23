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
use arbor_merkle::Address;

/// How a table differs between two catalogs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TableChange {
    /// Only in the newer catalog.
    Added,
    /// Only in the older one.
    Deleted,
    /// In both, different.
    Modified,
    /// Only in the newer catalog, holding exactly the rows a table only in
    /// the older one held (see [`with_renames`]).
    Renamed {
        /// The table's name in the older catalog.
        from: String,
    },
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
            // `n` is a table's or view's name, or a function's signature.
            let has = |c: &Catalog| {
                c.tables.contains_key(&n)
                    || c.views.contains_key(&n)
                    || c.functions.contains_key(&n)
                    || c.types.contains_key(&n)
                    || c.comments.contains_key(&n)
            };
            let (in_a, in_b) = (has(a), has(b));
            let change = match (in_a, in_b) {
                (false, _) => TableChange::Added,
                (_, false) => TableChange::Deleted,
                _ => TableChange::Modified,
            };
            (n, change)
        })
        .collect()
}

/// `changes` (from [`table_changes`] of `a` to `b`) with renames found: a
/// table only in `b` whose rows are exactly those of a table only in `a`
/// (the same prolly tree, not empty) is that table renamed, as Git pairs a
/// deleted and an added file with the same content. Empty tables are never
/// paired (any two are alike), nor views.
pub fn with_renames(
    repo: &Repository,
    a: &Catalog,
    b: &Catalog,
    changes: Vec<(String, TableChange)>,
) -> Result<Vec<(String, TableChange)>> {
    let rows_of = |catalog: &Catalog, name: &str| -> Result<Option<Address>> {
        let Some(address) = catalog.tables.get(name) else {
            return Ok(None);
        };
        let rows = repo.read_table(address)?.rows;
        Ok((!repo.map(rows)?.is_empty()?).then_some(rows))
    };
    let mut deleted: Vec<(String, Address)> = Vec::new();
    for (name, change) in &changes {
        if *change == TableChange::Deleted
            && let Some(rows) = rows_of(a, name)?
        {
            deleted.push((name.clone(), rows));
        }
    }
    if deleted.is_empty() {
        return Ok(changes);
    }
    let mut renamed_from = std::collections::BTreeSet::new();
    let mut out = Vec::with_capacity(changes.len());
    for (name, change) in changes {
        let change = match change {
            TableChange::Added => match rows_of(b, &name)? {
                Some(rows) => match deleted.iter().position(|(_, r)| *r == rows) {
                    Some(i) => {
                        let (from, _) = deleted.remove(i);
                        renamed_from.insert(from.clone());
                        TableChange::Renamed { from }
                    }
                    None => TableChange::Added,
                },
                None => TableChange::Added,
            },
            other => other,
        };
        out.push((name, change));
    }
    out.retain(|(name, change)| !(*change == TableChange::Deleted && renamed_from.contains(name)));
    Ok(out)
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
    let unstaged = with_renames(repo, &staged, &working, unstaged)?;
    let staged_changes = with_renames(repo, &head, &staged, table_changes(&head, &staged))?;
    Ok(Status {
        branch: branch.to_owned(),
        staged: staged_changes,
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
