//! `reset`: its arguments and its rules.

use super::usage;
use crate::error::Result;
use crate::repo::Repository;
use crate::vc::{self, commit::ResetMode};

/// The arguments of `arbor reset` and `arbor_reset(...)`.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct ResetArgs {
    /// Move the branch only; keep staged and working changes.
    #[arg(long, conflicts_with = "hard")]
    pub soft: bool,
    /// Discard every uncommitted change to tracked tables; untracked
    /// tables (new, never added) stay.
    #[arg(long)]
    pub hard: bool,
    /// A revision (default HEAD), or tables to unstage.
    pub args: Vec<String>,
}

/// Moves `branch` to a revision, or unstages tables, as `args` say.
///
/// The rules (Git's): no argument is HEAD; one argument that resolves is a
/// revision, anything else names tables to unstage. `--soft` and `--hard`
/// take only a revision, and say why one does not resolve.
pub fn reset(repo: &Repository, branch: &str, args: &ResetArgs) -> Result<()> {
    let mode = if args.hard {
        ResetMode::Hard
    } else if args.soft {
        ResetMode::Soft
    } else {
        ResetMode::Mixed
    };
    let target = match args.args.first() {
        None => Some(vc::revision::resolve(repo, branch, "HEAD")?),
        Some(first) if mode != ResetMode::Mixed && args.args.len() == 1 => {
            Some(vc::revision::resolve(repo, branch, first)?)
        }
        Some(first) => vc::revision::resolve(repo, branch, first).ok(),
    };
    match target {
        Some(t) if args.args.len() <= 1 => vc::commit::reset(repo, branch, t, mode),
        _ if mode != ResetMode::Mixed => {
            Err(usage("--soft and --hard take a revision, not tables"))
        }
        _ => vc::commit::unstage(repo, branch, &args.args),
    }
}
