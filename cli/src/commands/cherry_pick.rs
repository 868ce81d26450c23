//! `arbor cherry-pick` and `arbor revert`: apply, or undo, the changes of
//! commits, one new commit each; stopped at a conflict, go on with
//! `--continue` (or `--skip`), or give up with `--abort`.

use std::path::Path;
use std::process::ExitCode;

use arbor_engine::ops::PickArgs;
use arbor_engine::{Database, SequenceKind, ops};

use crate::ui::CliError;
use crate::{identity, vcs};

/// Arguments of `arbor cherry-pick` and `arbor revert`: the library's
/// (shared with `SELECT arbor_cherry_pick(...)` and `arbor_revert(...)`).
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pick: PickArgs,
}

/// Runs `cherry-pick` (or `revert`, by `kind`).
pub fn run(args: Args, cwd: &Path, kind: SequenceKind) -> Result<ExitCode, CliError> {
    let repository = vcs::open(cwd)?;
    let branch = ops::current_branch(&repository)?;
    let database = Database::from_repository(repository.clone(), identity::environment(cwd)?);
    let done = database.branch(&branch)?.pick(kind, &args.pick)?;
    vcs::print_sequence(&repository, &branch, kind, done)
}
