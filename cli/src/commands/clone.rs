//! `arbor clone`: a new repository that is a copy of a remote one.
//!
//! The arguments and the rules are the library's (`arbor_engine::ops`),
//! shared with `SELECT arbor_clone(...)`.

use std::path::Path;
use std::process::ExitCode;

use arbor_engine::ops::{self, CloneArgs};

use crate::identity;
use crate::ui::CliError;

/// Arguments of `arbor clone`.
pub type Args = CloneArgs;

pub fn run(args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    let env = identity::environment(cwd)?;
    let (bar, mut progress) = crate::progress::transfer("receiving");
    let cloned = ops::clone(&env, &args, &mut progress);
    bar.finish_and_clear();
    let cloned = cloned?;
    println!(
        "Cloned {} into {} (branch '{}')",
        cloned.url,
        cloned.directory.display(),
        cloned.branch
    );
    Ok(ExitCode::SUCCESS)
}
