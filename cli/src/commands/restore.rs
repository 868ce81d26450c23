//! `arbor restore`: discard changes to tables, as Git's restore does for
//! files.
//!
//! The arguments and the rules are the library's (`arbor_engine::ops`).

use std::path::Path;
use std::process::ExitCode;

use arbor_engine::ops::{self, RestoreArgs};

use crate::ui::CliError;
use crate::vcs;

/// Arguments of `arbor restore`.
pub type Args = RestoreArgs;

pub fn run(args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    let repository = vcs::open(cwd)?;
    let branch = ops::current_branch(&repository)?;
    ops::restore(&repository, &branch, &args)?;
    Ok(ExitCode::SUCCESS)
}
