//! `push`: its arguments and its rules.

use arbor_merkle::Address;
use arbor_merkle::reachability::WalkStats;

use super::usage;
use crate::env::Environment;
use crate::error::Result;
use crate::remote::{self, Pushed};
use crate::repo::Repository;

/// The arguments of `arbor push` and `arbor_push(...)`.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct PushArgs {
    /// The remote (default: the current branch's upstream, else origin).
    pub remote: Option<String>,
    /// The branch to push (default: the current one); `local:remote` pushes
    /// a local branch to another name.
    pub branch: Option<String>,
    /// Record the remote branch as the branch's upstream (for pull and push).
    #[arg(short = 'u', long)]
    pub set_upstream: bool,
    /// Overwrite the remote branch even when it is not a fast-forward.
    #[arg(short, long)]
    pub force: bool,
    /// Delete the branch on the remote.
    #[arg(short, long, conflicts_with_all = ["force", "set_upstream", "tags"])]
    pub delete: bool,
    /// Push the tags the remote lacks.
    #[arg(long)]
    pub tags: bool,
}

/// What [`push`] did, on remote `remote`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PushDone {
    /// The remote's name.
    pub remote: String,
    /// What happened to a branch.
    pub what: PushedWhat,
    /// The tags sent.
    pub tags: Vec<String>,
}

/// The branch part of a [`PushDone`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PushedWhat {
    /// Only tags were pushed.
    TagsOnly,
    /// A remote branch was deleted; the head it had.
    Deleted { branch: String, head: Address },
    /// A local branch was pushed to a remote branch.
    Branch {
        local: String,
        remote_branch: String,
        pushed: Pushed,
        /// Whether the remote branch became the local one's upstream.
        upstream_set: bool,
    },
}

/// Pushes as `args` say from `current` (the checked-out branch).
///
/// The rules (Git's): the remote is the one named, else the branch's
/// upstream remote, else the only or `origin` remote; `--tags` alone sends
/// only tags; `--delete` names the remote branch to delete; a branch goes
/// to `local:remote`'s remote name, else its upstream's branch on that
/// remote, else one of the same name.
pub fn push(
    repo: &Repository,
    env: &Environment,
    current: &str,
    args: &PushArgs,
    progress: &mut dyn FnMut(WalkStats),
) -> Result<PushDone> {
    let name = match &args.remote {
        Some(r) => r.clone(),
        None => remote::default_remote(repo)?,
    };
    let done = |what, tags| PushDone {
        remote: name.clone(),
        what,
        tags,
    };
    if args.tags && args.branch.is_none() {
        let tags = remote::push_tags(repo, env, &name, progress)?;
        return Ok(done(PushedWhat::TagsOnly, tags));
    }
    if args.delete {
        let Some(remote_branch) = &args.branch else {
            return Err(usage("--delete needs the remote branch to delete"));
        };
        let head = remote::delete_branch(repo, env, &name, remote_branch)?;
        return Ok(done(
            PushedWhat::Deleted {
                branch: remote_branch.clone(),
                head,
            },
            Vec::new(),
        ));
    }
    let spec = args.branch.clone().unwrap_or_else(|| current.to_owned());
    let (local, remote_branch) = match spec.split_once(':') {
        Some((l, r)) => (l.to_owned(), r.to_owned()),
        None => {
            let upstream = remote::remotes(repo)?.upstreams.get(&spec).cloned();
            let remote_branch = match upstream {
                Some((r, b)) if r == name => b,
                _ => spec.clone(),
            };
            (spec.clone(), remote_branch)
        }
    };
    let (pushed, tags) = remote::push(
        repo,
        env,
        remote::Push {
            branch: &local,
            remote: &name,
            remote_branch: &remote_branch,
            force: args.force,
            tags: args.tags,
        },
        progress,
    )?;
    if args.set_upstream {
        remote::set_upstream(repo, &local, &name, &remote_branch)?;
    }
    Ok(done(
        PushedWhat::Branch {
            local,
            remote_branch,
            pushed,
            upstream_set: args.set_upstream,
        },
        tags,
    ))
}
