//! `arbor commit`: record the staged tables (or, with -a, all changes) as a new commit.
//!
//! The arguments and the rules are the library's (`arbor_engine::ops`),
//! shared with `SELECT arbor_commit(...)`.

use std::path::Path;
use std::process::ExitCode;

use arbor_engine::Database;
use arbor_engine::ops::{self, CommitArgs};

use crate::ui::CliError;
use crate::{identity, vcs};

/// Arguments of `arbor commit`.
pub type Args = CommitArgs;

pub fn run(args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    let repository = vcs::open(cwd)?;
    let branch = ops::current_branch(&repository)?;
    let env = identity::environment(cwd)?;
    let database = Database::from_repository(repository, env);
    let address = database.branch(&branch)?.commit(&args)?;
    let message = database.repository().read_commit(&address)?.message;
    println!(
        "[{branch} {}] {}",
        address.short(8),
        message.lines().next().unwrap_or_default()
    );
    Ok(ExitCode::SUCCESS)
}
