//! `restore` (and `checkout -- <tables>`): its arguments and its rules.

use crate::error::Result;
use crate::repo::Repository;
use crate::vc::{self, commit::RestoreFrom};

/// The arguments of `arbor restore`.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct RestoreArgs {
    /// Take the tables from this revision (default: the staged tables for
    /// the working set, HEAD for --staged).
    #[arg(short = 's', long)]
    pub source: Option<String>,
    /// Restore the staged tables (unstage their changes).
    #[arg(short = 'S', long)]
    pub staged: bool,
    /// Restore the working tables (the default; with --staged, both).
    #[arg(short = 'W', long)]
    pub worktree: bool,
    /// The tables (`.`: every tracked table).
    #[arg(required = true)]
    pub tables: Vec<String>,
}

/// Restores tables of `branch` as `args` say; returns the names of the tables changed.
///
/// The rules (Git's): without --staged or --worktree, the working tables;
/// the source is --source, else the staged tables for the working set and
/// HEAD for the staged ones.
pub fn restore(repo: &Repository, branch: &str, args: &RestoreArgs) -> Result<Vec<String>> {
    let source = match &args.source {
        Some(rev) => Some(vc::revision::resolve(repo, branch, rev)?),
        None => None,
    };
    let from = RestoreFrom {
        source,
        staged: args.staged,
        working: args.worktree || !args.staged,
    };
    vc::commit::restore(repo, branch, &args.tables, from)
}
