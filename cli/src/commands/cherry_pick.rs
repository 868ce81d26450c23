//! `arbor cherry-pick` and `arbor revert`: apply, or undo, the changes of one commit.

use std::path::Path;
use std::process::ExitCode;

use arbor_engine::{Database, ops};

use crate::ui::CliError;
use crate::{identity, vcs};

/// Arguments of `arbor cherry-pick` and `arbor revert`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The commits, applied in order.
    #[arg(required = true)]
    revisions: Vec<String>,
    /// The author of a revert commit, as 'Name <email>' (a cherry-pick keeps
    /// the picked commit's author).
    #[arg(long)]
    author: Option<String>,
}

/// Runs `cherry-pick` (or, with `revert`, `revert`).
pub fn run(args: Args, cwd: &Path, revert: bool) -> Result<ExitCode, CliError> {
    let repository = vcs::open(cwd)?;
    let branch = ops::current_branch(&repository)?;
    // A cherry-pick keeps the picked commit's author; a revert needs one.
    let author = if revert {
        Some(identity::author(cwd, args.author.as_deref(), None)?)
    } else {
        None
    };
    let database = Database::from_repository(repository.clone(), identity::environment(cwd)?);
    let on_branch = database.branch(&branch)?;
    for revision in &args.revisions {
        let pick = vcs::resolve(&repository, revision)?;
        let made = on_branch.cherry_pick(pick, author.as_ref())?;
        let commit = repository.read_commit(&made)?;
        println!("[{branch} {}] {}", made.short(8), vcs::subject(&commit));
    }
    Ok(ExitCode::SUCCESS)
}
