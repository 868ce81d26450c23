//! `arbor stash`: put uncommitted changes aside, list them, bring them back.

use std::path::Path;
use std::process::ExitCode;

use arbor_engine::{Database, ops};

use crate::ui::CliError;
use crate::{identity, vcs};

/// Arguments of `arbor stash`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Option<Action>,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Save the uncommitted changes and reset to HEAD (the default).
    Push {
        /// A description.
        #[arg(short, long)]
        message: Option<String>,
    },
    /// List the stashes, newest first.
    List,
    /// Bring a stash back and drop it.
    Pop {
        /// Which stash (0 is the newest).
        #[arg(default_value_t = 0)]
        index: usize,
    },
    /// Bring a stash back and keep it.
    Apply {
        /// Which stash (0 is the newest).
        #[arg(default_value_t = 0)]
        index: usize,
    },
    /// Delete a stash.
    Drop {
        /// Which stash (0 is the newest).
        #[arg(default_value_t = 0)]
        index: usize,
    },
}

pub fn run(args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    let repository = vcs::open(cwd)?;
    let branch = ops::current_branch(&repository)?;
    match args.action.unwrap_or(Action::Push { message: None }) {
        Action::Push { message } => {
            let head = repository.read_commit(&repository.branch_head(&branch)?)?;
            let message = message.unwrap_or_else(|| vcs::subject(&head).to_owned());
            let author = identity::author(cwd, None, None)?;
            ops::push_stash(&repository, &branch, &message, &author)?;
            println!("Saved working directory and index state WIP on {branch}: {message}");
        }
        Action::List => {
            for (i, (_, _, commit)) in ops::list_stashes(&repository)?.iter().enumerate() {
                println!("stash@{{{i}}}: {}", vcs::subject(commit));
            }
        }
        Action::Pop { index } => {
            Database::from_repository(repository, identity::environment(cwd)?)
                .branch(&branch)?
                .apply_stash(index, true)?;
            println!("Dropped stash@{{{index}}}");
        }
        Action::Apply { index } => {
            Database::from_repository(repository, identity::environment(cwd)?)
                .branch(&branch)?
                .apply_stash(index, false)?
        }
        Action::Drop { index } => {
            ops::drop_stash(&repository, index)?;
            println!("Dropped stash@{{{index}}}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
