//! `arbor pull`: fetch a remote branch and merge it into the current one.
//!
//! The arguments and the rules are the library's (`arbor_engine::ops`),
//! shared with `SELECT arbor_pull(...)`.

use std::path::Path;
use std::process::ExitCode;

use arbor_engine::ops::{self, PullArgs};
use arbor_engine::vc;

use crate::ui::CliError;
use crate::{identity, vcs};

/// Arguments of `arbor pull`.
pub type Args = PullArgs;

pub fn run(args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    let repository = vcs::open(cwd)?;
    let current = vc::current_branch(&repository)?;
    let env = identity::environment(cwd)?;
    let (bar, mut progress) = crate::progress::transfer("receiving");
    let pulled = ops::pull(
        &repository,
        &env,
        &arbor_engine::sql::SqlChecks,
        &current,
        &args,
        &mut progress,
    );
    bar.finish_and_clear();
    let pulled = pulled?;
    vcs::print_fetched(&pulled.remote, &pulled.fetched);
    Ok(vcs::print_merge_outcome(pulled.outcome))
}
