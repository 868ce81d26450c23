//! `arbor commit`: record the staged tables (or, with -a, all changes) as a new commit.

use std::path::Path;
use std::process::ExitCode;

use arbor_engine::vc::{self, commit::CommitOptions};

use crate::ui::CliError;
use crate::{identity, vcs};

/// Arguments of `arbor commit`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The commit message.
    #[arg(short, long)]
    message: Option<String>,
    /// Stage every change first (tables added, changed and dropped).
    #[arg(short = 'a', long = "all", visible_short_alias = 'A')]
    all: bool,
    /// Replace the last commit (keeping its message unless -m is given).
    #[arg(long)]
    amend: bool,
    /// Commit even if nothing changed.
    #[arg(long)]
    allow_empty: bool,
    /// The author, as 'Name <email>'.
    #[arg(long)]
    author: Option<String>,
    /// The commit date (seconds since the epoch, or RFC 3339).
    #[arg(long)]
    date: Option<String>,
}

pub fn run(args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    let repository = vcs::open(cwd)?;
    let branch = vc::current_branch(&repository)?;
    let message = match (&args.message, args.amend) {
        (Some(m), _) => m.clone(),
        (None, true) => {
            let head = repository.branch_head(&branch)?;
            repository.read_commit(&head)?.message
        }
        (None, false) => {
            return Err(
                CliError::new("a commit needs a message").with_hint("pass one with -m \"...\"")
            );
        }
    };
    if message.trim().is_empty() {
        return Err(CliError::new("aborting commit due to empty commit message"));
    }
    let options = CommitOptions {
        message,
        author: identity::author(args.author.as_deref(), args.date.as_deref())?,
        all: args.all,
        allow_empty: args.allow_empty,
        amend: args.amend,
    };
    let address = vc::commit::commit(&repository, &branch, &options)?;
    println!(
        "[{branch} {}] {}",
        address.short(8),
        options.message.lines().next().unwrap_or_default()
    );
    Ok(ExitCode::SUCCESS)
}
