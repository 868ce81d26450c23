//! `fetch`: its arguments and its rules.

use arbor_merkle::reachability::WalkStats;

use crate::env::Environment;
use crate::error::Result;
use crate::remote::{self, Fetched};
use crate::repo::Repository;

/// The arguments of `arbor fetch` and `arbor_fetch(...)`.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct FetchArgs {
    /// The remote (default: the current branch's upstream remote, else origin).
    pub remote: Option<String>,
    /// Only these branches (default: all, with the tags).
    pub branches: Vec<String>,
}

/// Fetches as `args` say; returns the remote's name and what was fetched.
/// `progress` hears the running totals of the chunks copied.
pub fn fetch(
    repo: &Repository,
    env: &Environment,
    args: &FetchArgs,
    progress: &mut dyn FnMut(WalkStats),
) -> Result<(String, Fetched)> {
    let name = match &args.remote {
        Some(r) => r.clone(),
        None => remote::default_remote(repo)?,
    };
    let fetched = remote::fetch(repo, env, &name, &args.branches, progress)?;
    Ok((name, fetched))
}
