//! `arbor cherry-pick` and `arbor revert`: apply, or undo, the changes of
//! commits, one new commit each; stopped at a conflict, go on with
//! `--continue` (or `--skip`), or give up with `--abort`.

use std::path::Path;
use std::process::ExitCode;

use arbor_engine::ops::{PickArgs, SequenceDone};
use arbor_engine::{Database, Repository, SequenceKind, SequenceOutcome, StepAction, ops};

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
    print_sequence(&repository, &branch, kind, done)
}

/// Prints what a cherry-pick, revert or rebase did, as Git does: a line
/// per commit made; where it stopped, the conflicts and what to do next
/// (exit code 1).
pub fn print_sequence(
    repository: &Repository,
    branch: &str,
    kind: SequenceKind,
    done: SequenceDone,
) -> Result<ExitCode, CliError> {
    let name = match kind {
        SequenceKind::CherryPick => "cherry-pick",
        SequenceKind::Revert => "revert",
        SequenceKind::Rebase => "rebase",
    };
    let outcome = match done {
        SequenceDone::Aborted => return Ok(ExitCode::SUCCESS),
        SequenceDone::UpToDate => {
            println!("Current branch {branch} is up to date.");
            return Ok(ExitCode::SUCCESS);
        }
        SequenceDone::Ran(outcome) => outcome,
    };
    let applied = match &outcome {
        SequenceOutcome::Done { applied } | SequenceOutcome::Stopped { applied, .. } => applied,
    };
    for a in applied {
        let picked = repository.read_commit(&a.step.commit)?;
        match a.commit {
            Some(made) => {
                let commit = repository.read_commit(&made)?;
                let verb = match a.step.action {
                    StepAction::Squash | StepAction::Fixup => " (amended)",
                    _ => "",
                };
                println!(
                    "[{branch} {}]{verb} {}",
                    made.short(8),
                    vcs::subject(&commit)
                );
            }
            None => println!(
                "dropped {} {}: its changes are already here",
                a.step.commit.short(8),
                vcs::subject(&picked)
            ),
        }
    }
    match outcome {
        SequenceOutcome::Done { .. } => {
            if kind == SequenceKind::Rebase {
                println!("Successfully rebased and updated {branch}.");
            }
            Ok(ExitCode::SUCCESS)
        }
        SequenceOutcome::Stopped {
            step, conflicts, ..
        } => {
            for c in &conflicts {
                println!("CONFLICT in table {}: {}", c.table, c.description);
            }
            let picked = repository.read_commit(&step.commit)?;
            eprintln!(
                "error: could not apply {}... {}",
                step.commit.short(8),
                vcs::subject(&picked)
            );
            eprintln!(
                "hint: resolve the conflicts (`arbor conflicts resolve`, or edit the rows), then run `arbor {name} --continue`"
            );
            eprintln!(
                "hint: to drop this commit, run `arbor {name} --skip`; to give up, `arbor {name} --abort`"
            );
            Ok(ExitCode::from(1))
        }
    }
}
