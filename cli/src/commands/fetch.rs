//! `arbor fetch`: bring a remote's branches and tags into remote-tracking
//! branches (`<remote>/<branch>`), leaving local branches alone.

use std::path::Path;
use std::process::ExitCode;

use arbor_engine::remote;

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

pub fn run(args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    let repository = vcs::open(cwd)?;
    let name = match args.remote {
        Some(r) => r,
        None => remote::default_remote(&repository)?,
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
    vcs::print_fetched(&name, &fetched);
    Ok(ExitCode::SUCCESS)
}
