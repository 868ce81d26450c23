//! `merge`: its arguments and its rules.

use super::{identity, time};
use crate::env::Environment;
use crate::error::{Error, Result, SqlState};
use crate::repo::Repository;
use crate::table::CheckBinder;
use crate::vc::{self, merge::MergeOptions, merge::MergeOutcome};

/// The arguments of a merge of revisions (`arbor merge`, `arbor_merge(...)`).
#[derive(Clone, Debug, Default, clap::Args)]
pub struct MergeArgs {
    /// The revision to merge.
    pub revision: Option<String>,
    /// The merge commit's message.
    #[arg(short, long)]
    pub message: Option<String>,
    /// Make a merge commit even when a fast-forward is possible.
    #[arg(long)]
    pub no_ff: bool,
    /// Merge the changes into the working set without committing.
    #[arg(long)]
    pub squash: bool,
    /// Stop before the merge commit, as if there had been conflicts: the
    /// merged tables wait staged, and `commit` concludes the merge.
    #[arg(long, conflicts_with = "squash")]
    pub no_commit: bool,
    /// Abandon the merge in progress.
    #[arg(long)]
    pub abort: bool,
    /// The author, as 'Name <email>'.
    #[arg(long)]
    pub author: Option<String>,
}

/// Merges as `args` say into `branch` (or abandons the merge in progress).
///
/// The rules: the message is `-m`, else "Merge <revision> into <branch>";
/// the author is `--author`, else the environment's, needed only when the
/// merge makes a commit (a fast-forward, a squash, an up-to-date or a
/// conflicted merge records nobody).
pub fn merge(
    repo: &Repository,
    env: &Environment,
    checks: &dyn CheckBinder,
    branch: &str,
    args: &MergeArgs,
) -> Result<MergeOutcome> {
    if args.abort {
        vc::merge::abort(repo, branch)?;
        return Ok(MergeOutcome::Aborted);
    }
    let revision = args.revision.as_deref().ok_or_else(|| {
        Error::new(
            SqlState::InvalidParameterValue,
            "name a branch or commit to merge",
        )
    })?;
    let theirs = vc::revision::resolve(repo, branch, revision)?;
    let author = match (args.author.as_deref(), &env.author) {
        (None, None) => None,
        (given, _) => Some(identity(env, given)?.at(time(env, None)?)),
    };
    let options = MergeOptions {
        message: args
            .message
            .clone()
            .unwrap_or_else(|| format!("Merge {revision} into {branch}")),
        author,
        no_ff: args.no_ff,
        squash: args.squash,
        no_commit: args.no_commit,
    };
    vc::merge::merge(repo, checks, branch, theirs, &options)
}
