//! `arbor fetch`: bring a remote's branches and tags into remote-tracking
//! branches (`<remote>/<branch>`), leaving local branches alone.
//!
//! The arguments and the rules are the library's (`arbor_engine::ops`),
//! shared with `SELECT arbor_fetch(...)`.

use std::path::Path;
use std::process::ExitCode;

use arbor_engine::ops::{self, FetchArgs};

use crate::ui::CliError;
use crate::{identity, vcs};

/// Arguments of `arbor fetch`.
pub type Args = FetchArgs;

pub fn run(args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    let repository = vcs::open(cwd)?;
    let env = identity::environment(cwd)?;
    let (bar, mut progress) = crate::progress::transfer("receiving");
    let fetched = ops::fetch(&repository, &env, &args, &mut progress);
    bar.finish_and_clear();
    let (name, fetched) = fetched?;
    vcs::print_fetched(&repository, &name, &fetched);
    Ok(ExitCode::SUCCESS)
}
