//! `arbor fetch`: bring a remote's branches and tags into remote-tracking
//! branches (`<remote>/<branch>`), leaving local branches alone.

use std::path::Path;
use std::process::ExitCode;

use arbor_engine::remote::{self, Fetched};
use arbor_engine::vc;

use crate::ui::CliError;
use crate::vcs;

/// Arguments of `arbor fetch`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The remote (default: the current branch's upstream remote, else origin).
    remote: Option<String>,
    /// Only these branches (default: all, with the tags).
    branches: Vec<String>,
}

/// The remote a command talks to by default: the upstream of the current
/// branch, else `origin`.
pub fn default_remote(repository: &arbor_engine::repo::Repository) -> Result<String, CliError> {
    let branch = vc::current_branch(repository)?;
    Ok(remote::remotes(repository)?
        .upstreams
        .get(&branch)
        .map_or_else(|| "origin".to_owned(), |(r, _)| r.clone()))
}

/// Prints what a fetch did, as Git does.
pub fn report(name: &str, fetched: &Fetched) {
    for b in &fetched.branches {
        match b.old {
            None => println!(" * [new branch]  {} -> {name}/{}", b.branch, b.branch),
            Some(old) => println!(
                "   {}..{}  {} -> {name}/{}",
                old.short(8),
                b.new.short(8),
                b.branch,
                b.branch
            ),
        }
    }
    for t in &fetched.tags {
        println!(" * [new tag]     {t} -> {t}");
    }
    for b in &fetched.pruned {
        println!(" - [deleted]     {name}/{b}");
    }
}

pub fn run(args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    let repository = vcs::open(cwd)?;
    let name = match args.remote {
        Some(r) => r,
        None => default_remote(&repository)?,
    };
    let (bar, mut progress) = crate::progress::transfer("receiving");
    let fetched = remote::fetch(
        &repository,
        &crate::identity::environment(cwd)?,
        &name,
        &args.branches,
        &mut progress,
    );
    bar.finish_and_clear();
    let fetched = fetched?;
    report(&name, &fetched);
    Ok(ExitCode::SUCCESS)
}
