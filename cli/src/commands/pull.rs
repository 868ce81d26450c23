//! `arbor pull`: fetch a remote branch and merge it into the current one.

use std::path::Path;
use std::process::ExitCode;

use arbor_engine::remote;
use arbor_engine::vc;

use crate::ui::CliError;
use crate::{identity, vcs};

/// Arguments of `arbor pull`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The remote (default: the current branch's upstream, else origin).
    remote: Option<String>,
    /// The remote branch (default: the upstream's, else the current branch's name).
    branch: Option<String>,
    /// Only fast-forward; refuse when a merge commit would be needed.
    #[arg(long)]
    ff_only: bool,
}

pub fn run(args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    let repository = vcs::open(cwd)?;
    let current = vc::current_branch(&repository)?;
    let upstream = remote::remotes(&repository)?
        .upstreams
        .get(&current)
        .cloned();
    let name = match (&args.remote, &upstream) {
        (Some(r), _) => r.clone(),
        (None, Some((r, _))) => r.clone(),
        (None, None) => remote::default_remote(&repository)?,
    };
    let branch = match (&args.branch, &upstream) {
        (Some(b), _) => b.clone(),
        (None, Some((r, b))) if *r == name => b.clone(),
        _ => current.clone(),
    };
    let env = identity::environment(cwd)?;
    let author = env.signature().ok();
    let (bar, mut progress) = crate::progress::transfer("receiving");
    let pulled = remote::pull(
        &repository,
        &env,
        &arbor_engine::sql::SqlChecks,
        &current,
        remote::Pull {
            remote: &name,
            remote_branch: &branch,
            ff_only: args.ff_only,
            author: author.as_ref(),
        },
        &mut progress,
    );
    bar.finish_and_clear();
    let (fetched, outcome) = pulled?;
    vcs::print_fetched(&name, &fetched);
    Ok(vcs::print_merge_outcome(outcome))
}
