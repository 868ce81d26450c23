//! `branch`: its arguments and its rules.

use arbor_merkle::Address;

use super::usage;
use crate::error::Result;
use crate::repo::Repository;
use crate::vc::{self, branch};

/// The arguments of `arbor branch` and `arbor_branch(...)`.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct BranchArgs {
    /// Delete a branch (only if merged into the current one).
    #[arg(short = 'd', long = "delete")]
    pub delete: bool,
    /// Delete a branch even if it is not merged.
    #[arg(short = 'D')]
    pub force_delete: bool,
    /// Rename a branch: `-m [old] new`.
    #[arg(short = 'm', long = "move")]
    pub rename: bool,
    /// Copy a branch: `-c [old] new`.
    #[arg(short = 'c', long = "copy")]
    pub copy: bool,
    /// Allow replacing an existing branch.
    #[arg(short = 'f', long)]
    pub force: bool,
    /// Show each branch's head commit and subject.
    #[arg(short = 'v', long)]
    pub verbose: bool,
    /// List remote-tracking branches too (`remotes/<remote>/<branch>`).
    #[arg(short = 'a', long)]
    pub all: bool,
    /// List only remote-tracking branches.
    #[arg(short = 'r', long)]
    pub remotes: bool,
    /// Print the name of the current branch.
    #[arg(long, conflicts_with_all = ["delete", "force_delete", "rename", "copy", "all", "remotes", "verbose", "names"])]
    pub show_current: bool,
    /// Branch names, then a start revision for a new branch.
    pub names: Vec<String>,
}

impl BranchArgs {
    /// Whether the arguments ask for a list of branches (which only reads).
    pub fn is_listing(&self) -> bool {
        self.names.is_empty() && !(self.delete || self.force_delete || self.rename || self.copy)
    }
}

/// What [`branch`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BranchDone {
    /// Branches deleted, each with the head it had.
    Deleted(Vec<(String, Address)>),
    /// A branch renamed or copied.
    Renamed,
    /// A branch created.
    Created,
    /// Nothing: the arguments ask for a list, which the front end shows.
    List,
}

/// Creates, deletes, renames or copies branches as `args` say; `current`
/// is the checked-out branch (the start of a new branch, the branch `-m`
/// renames when only the new name is given).
pub fn branch(repo: &Repository, current: &str, args: &BranchArgs) -> Result<BranchDone> {
    if args.delete || args.force_delete {
        if args.names.is_empty() {
            return Err(usage("branch name required"));
        }
        let mut deleted = Vec::new();
        for name in &args.names {
            let head = repo.branch_head(name);
            branch::delete(repo, name, args.force_delete)?;
            deleted.push((name.clone(), head?));
        }
        return Ok(BranchDone::Deleted(deleted));
    }
    if args.rename || args.copy {
        let (from, to) = match args.names.as_slice() {
            [to] => (current, to),
            [from, to] => (from.as_str(), to),
            _ => {
                return Err(usage("give the new name, or the old and the new name"));
            }
        };
        branch::rename(repo, from, to, args.copy, args.force)?;
        return Ok(BranchDone::Renamed);
    }
    let (name, start) = match args.names.as_slice() {
        [] => return Ok(BranchDone::List),
        [name] => (name, "HEAD"),
        [name, start] => (name, start.as_str()),
        _ => {
            return Err(usage(
                "too many arguments: give a name and an optional start revision",
            ));
        }
    };
    let at = vc::revision::resolve(repo, current, start)?;
    branch::create(repo, name, at, args.force)?;
    Ok(BranchDone::Created)
}
