//! `arbor add`: stage tables for the next commit.
//!
//! The arguments and the rules are the library's (`arbor_engine::ops`),
//! shared with `SELECT arbor_add(...)`.

use std::path::Path;
use std::process::ExitCode;

use arbor_engine::ops::{self, AddArgs};

use crate::ui::CliError;
use crate::vcs;

/// Arguments of `arbor add`.
pub type Args = AddArgs;

pub fn run(args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    let repository = vcs::open(cwd)?;
    let branch = ops::current_branch(&repository)?;
    ops::add(&repository, &branch, &args)?;
    Ok(ExitCode::SUCCESS)
}
