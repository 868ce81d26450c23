//! `arbor reset`: move the branch to a revision, or unstage tables.
//!
//! The arguments and the rules are the library's (`arbor_engine::ops`),
//! shared with `SELECT arbor_reset(...)`.

use std::path::Path;
use std::process::ExitCode;

use arbor_engine::ops::{self, ResetArgs};

use crate::ui::CliError;
use crate::vcs;

/// Arguments of `arbor reset`.
pub type Args = ResetArgs;

pub fn run(args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    let repository = vcs::open(cwd)?;
    let branch = ops::current_branch(&repository)?;
    ops::reset(&repository, &branch, &args)?;
    Ok(ExitCode::SUCCESS)
}
