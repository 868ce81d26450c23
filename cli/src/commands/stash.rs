//! `arbor stash`: put uncommitted changes aside, list them, bring them back.

use std::path::Path;
use std::process::ExitCode;

use arbor_engine::{Database, VcError, ops};

use crate::ui::CliError;
use crate::{identity, vcs};

/// Arguments of `arbor stash`: a subcommand, or those of `stash push`
/// (`arbor stash -u` is `arbor stash push -u`).
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    action: Option<Action>,
    #[command(flatten)]
    push: PushArgs,
}

/// Arguments of `arbor stash push`, which `arbor stash` takes too.
#[derive(Debug, clap::Args)]
struct PushArgs {
    /// A description.
    #[arg(short, long)]
    message: Option<String>,
    /// Stash untracked tables (new, never added) too; without it they stay.
    #[arg(short = 'u', long)]
    include_untracked: bool,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Save the uncommitted changes and reset to HEAD (the default);
    /// untracked tables stay unless -u is given.
    #[command(after_help = "Examples:\n  arbor stash push -m \"half done\"\n  arbor stash push -u")]
    Push(PushArgs),
    /// List the stashes, newest first.
    #[command(after_help = "Examples:\n  arbor stash list")]
    List,
    /// Bring a stash back and drop it.
    #[command(after_help = "Examples:\n  arbor stash pop\n  arbor stash pop 1")]
    Pop {
        /// Which stash (0 is the newest).
        #[arg(default_value_t = 0)]
        index: usize,
    },
    /// Bring a stash back and keep it.
    #[command(after_help = "Examples:\n  arbor stash apply 0")]
    Apply {
        /// Which stash (0 is the newest).
        #[arg(default_value_t = 0)]
        index: usize,
    },
    /// Delete a stash.
    #[command(after_help = "Examples:\n  arbor stash drop 1")]
    Drop {
        /// Which stash (0 is the newest).
        #[arg(default_value_t = 0)]
        index: usize,
    },
}

pub fn run(args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    let repository = vcs::open(cwd)?;
    let branch = ops::current_branch(&repository)?;
    match args.action.unwrap_or(Action::Push(args.push)) {
        Action::Push(push) => {
            let head = repository.read_commit(&repository.branch_head(&branch)?)?;
            let message = push
                .message
                .unwrap_or_else(|| vcs::subject(&head).to_owned());
            let author = identity::author(cwd, None, None)?;
            let pushed = ops::push_stash(
                &repository,
                &branch,
                &message,
                &author,
                push.include_untracked,
            );
            match pushed {
                // As Git: nothing to save is said, and is no failure.
                Err(e) if e.vc == Some(VcError::NothingToStash) => {
                    println!("No local changes to save");
                    return Ok(ExitCode::SUCCESS);
                }
                other => {
                    other?;
                }
            }
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
