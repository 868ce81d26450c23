//! `arbor checkout` and `arbor switch`: move to another branch, carrying
//! uncommitted changes across when they do not collide.
//!
//! The arguments and the rules are the library's (`arbor_engine::ops`),
//! shared with `SELECT arbor_checkout(...)`.

use std::path::Path;
use std::process::ExitCode;

use arbor_engine::ops::{self, CheckoutArgs};

use crate::ui::CliError;
use crate::vcs;

/// Arguments of `arbor checkout` (and, with `-c` for `-b`, `arbor switch`).
pub type Args = CheckoutArgs;

pub fn run(args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    let repository = vcs::open(cwd)?;
    let current = ops::current_branch(&repository)?;
    ops::checkout(&repository, &current, &args)?;
    if args.create {
        println!("Switched to a new branch '{}'", args.branch);
    } else {
        println!("Switched to branch '{}'", args.branch);
    }
    Ok(ExitCode::SUCCESS)
}
