//! `pull`: its arguments and its rules.

use arbor_merkle::reachability::WalkStats;

use crate::env::Environment;
use crate::error::Result;
use crate::remote::{self, Fetched};
use crate::repo::Repository;
use crate::table::CheckBinder;
use crate::vc::merge::MergeOutcome;

/// The arguments of `arbor pull` and `arbor_pull(...)`.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct PullArgs {
    /// The remote (default: the current branch's upstream, else origin).
    pub remote: Option<String>,
    /// The remote branch (default: the upstream's, else the current branch's name).
    pub branch: Option<String>,
    /// Only fast-forward; refuse when a merge commit would be needed.
    #[arg(long)]
    pub ff_only: bool,
}

/// What [`pull`] did.
#[derive(Debug)]
pub struct Pulled {
    /// The remote pulled from.
    pub remote: String,
    /// What the fetch brought.
    pub fetched: Fetched,
    /// How the merge went.
    pub outcome: MergeOutcome,
}

/// Fetches and merges into `branch` as `args` say.
///
/// The rules (Git's): the fetch brings every branch and the new tags, as
/// `fetch` does; the remote is the one named, else the branch's
/// upstream remote, else the only or `origin` remote; the remote branch is
/// the one named, else the upstream's (when pulling from the upstream's
/// remote), else one of the same name. A merge commit is signed by the
/// environment's author.
pub fn pull(
    repo: &Repository,
    env: &Environment,
    checks: &dyn CheckBinder,
    branch: &str,
    args: &PullArgs,
    progress: &mut dyn FnMut(WalkStats),
) -> Result<Pulled> {
    let upstream = remote::remotes(repo)?.upstreams.get(branch).cloned();
    let name = match (&args.remote, &upstream) {
        (Some(r), _) => r.clone(),
        (None, Some((r, _))) => r.clone(),
        (None, None) => remote::default_remote(repo)?,
    };
    let remote_branch = match (&args.branch, &upstream) {
        (Some(b), _) => b.clone(),
        (None, Some((r, b))) if *r == name => b.clone(),
        _ => branch.to_owned(),
    };
    let author = env.signature().ok();
    let (fetched, outcome) = remote::pull(
        repo,
        env,
        checks,
        branch,
        remote::Pull {
            remote: &name,
            remote_branch: &remote_branch,
            ff_only: args.ff_only,
            author: author.as_ref(),
        },
        progress,
    )?;
    Ok(Pulled {
        remote: name,
        fetched,
        outcome,
    })
}
