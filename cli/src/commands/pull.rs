//! `arbor pull`: fetch a remote's branches and tags, and merge one of its
//! branches into the current one.
//!
//! The arguments and the rules are the library's (`arbor_engine::ops`),
//! shared with `SELECT arbor_pull(...)`.

use std::path::Path;
use std::process::ExitCode;

use arbor_engine::Database;
use arbor_engine::ops::{self, PullArgs};

use crate::ui::CliError;
use crate::{identity, vcs};

/// Arguments of `arbor pull`.
pub type Args = PullArgs;

pub fn run(args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    let repository = vcs::open(cwd)?;
    let current = ops::current_branch(&repository)?;
    let database = Database::from_repository(repository.clone(), identity::environment(cwd)?);
    let (bar, mut progress) = crate::progress::transfer("receiving");
    let pulled = database.branch(&current)?.pull(&args, &mut progress);
    bar.finish_and_clear();
    let pulled = pulled?;
    vcs::print_fetched(&repository, &pulled.remote, &pulled.fetched);
    Ok(vcs::print_merge_outcome(pulled.outcome))
}
