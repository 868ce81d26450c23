//! `arbor rebase`: replay the current branch's own commits onto another
//! commit; with `-i`, edit the plan first (reorder, drop, reword, squash,
//! fixup) in the editor, as Git's interactive rebase does.

use std::path::Path;
use std::process::ExitCode;

use arbor_engine::ops::{PlannedStep, RebaseArgs};
use arbor_engine::{Database, Repository, SequenceKind, Step, StepAction, ops};

use crate::editor::{Edited, edit};
use crate::ui::CliError;
use crate::{identity, vcs};

/// Arguments of `arbor rebase`: the library's (shared with `SELECT
/// arbor_rebase(...)`).
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    rebase: RebaseArgs,
}

pub fn run(args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    let repository = vcs::open(cwd)?;
    let branch = ops::current_branch(&repository)?;
    let database = Database::from_repository(repository.clone(), identity::environment(cwd)?);
    let on_branch = database.branch(&branch)?;
    let args = args.rebase;
    let starts = !(args.continue_ || args.skip || args.abort);
    let edited = if args.interactive && starts {
        let planned = on_branch.rebase_plan(&args)?;
        Some(edit_plan(&repository, &planned)?)
    } else {
        None
    };
    let done = on_branch.rebase(&args, edited)?;
    vcs::print_sequence(&repository, &branch, SequenceKind::Rebase, done)
}

/// The plan as the user edits it: one line per commit, then how to edit it.
fn plan_text(planned: &[PlannedStep]) -> String {
    let mut text = String::new();
    for p in planned {
        text.push_str(&format!(
            "pick {} {}\n",
            p.step.commit.short(8),
            vcs::subject(&p.commit)
        ));
    }
    text.push_str(PLAN_HELP);
    text
}

const PLAN_HELP: &str = "
# Commands:
# p, pick <commit> = use commit
# r, reword <commit> = use commit, but edit the commit message
# s, squash <commit> = use commit, but meld into previous commit
# f, fixup <commit> = like \"squash\", but discard this commit's message
# d, drop <commit> = remove commit
#
# These lines can be re-ordered; they are executed from top to bottom.
# If you remove a line here THAT COMMIT WILL BE LOST.
# However, if you remove everything, the rebase will be aborted.
";

/// Opens the plan in the editor and turns what the user saved into steps;
/// rewords and squashes open the editor again for their messages.
fn edit_plan(repository: &Repository, planned: &[PlannedStep]) -> Result<Vec<Step>, CliError> {
    if planned.is_empty() {
        return Err(CliError::new(
            "nothing to do: the branch has no commits of its own to rebase",
        ));
    }
    let saved = edit(&plan_text(planned), "arbor-rebase-todo", Edited::Plan)?;
    let mut steps: Vec<Step> = Vec::new();
    // The message of the commit the next squash melds into.
    let mut last_message: Option<String> = None;
    for (n, line) in saved.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let at = || format!("line {} of the rebase plan", n + 1);
        let mut words = line.split_whitespace();
        let command = words.next().unwrap_or_default();
        let action = match command {
            "p" | "pick" | "r" | "reword" => StepAction::Pick,
            "s" | "squash" => StepAction::Squash,
            "f" | "fixup" => StepAction::Fixup,
            "d" | "drop" => continue,
            other => {
                return Err(
                    CliError::new(format!("{}: unknown command '{other}'", at()))
                        .with_hint("use pick, reword, squash, fixup or drop (or p, r, s, f, d)"),
                );
            }
        };
        let Some(revision) = words.next() else {
            return Err(CliError::new(format!(
                "{}: '{command}' needs a commit",
                at()
            )));
        };
        let commit = vcs::resolve(repository, revision)
            .map_err(|e| CliError::new(format!("{}: {}", at(), e.message)))?;
        let message = repository.read_commit(&commit)?.message;
        let new_message = match (command, &last_message) {
            ("r" | "reword", _) => Some(edit_message(&message)?),
            ("s" | "squash", Some(before)) => Some(edit_message(&format!(
                "{}\n\n{}",
                before.trim_end(),
                message
            ))?),
            ("s" | "squash" | "f" | "fixup", None) => {
                return Err(CliError::new(format!(
                    "{}: cannot '{command}' without a commit before it",
                    at()
                )));
            }
            _ => None,
        };
        last_message = match action {
            StepAction::Fixup => last_message,
            _ => Some(new_message.clone().unwrap_or(message)),
        };
        steps.push(Step {
            action,
            commit,
            message: new_message,
        });
    }
    if steps.is_empty() {
        return Err(CliError::new(
            "nothing to do: the plan is empty; nothing was changed",
        ));
    }
    Ok(steps)
}

/// A commit message edited by the user; an empty one gives up.
fn edit_message(message: &str) -> Result<String, CliError> {
    let text = format!(
        "{}\n\n# Please enter the commit message. Lines starting with '#' are left out;\n# an empty message aborts the rebase.\n",
        message.trim_end()
    );
    let saved = edit(&text, "arbor-commit-message", Edited::Message)?;
    let saved = saved.trim();
    if saved.is_empty() {
        return Err(CliError::new(
            "aborting the rebase due to an empty commit message; nothing was changed",
        ));
    }
    Ok(saved.to_owned())
}
