//! `arbor status`: what is staged, what is not, untracked tables, and any
//! merge in progress.

use crate::terminal::{Role, paint};
use std::path::Path;
use std::process::ExitCode;

use arbor_engine::{BranchState, SequenceKind, StepSequence, TableChange, ops};

use arbor_schema::sql_text::shown;

use crate::ui::CliError;
use crate::vcs;

/// Arguments of `arbor status`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// What `status` says of a cherry-pick, revert or rebase in progress, as
/// Git does.
fn sequence_lines(sequence: &StepSequence, branch: &str) -> String {
    let name = sequence.kind.command();
    let doing = match sequence.kind {
        SequenceKind::CherryPick => "cherry-picking",
        SequenceKind::Revert => "reverting",
        SequenceKind::Rebase => "rebasing",
    };
    let what = match (&sequence.current, sequence.kind) {
        (_, SequenceKind::Rebase) => format!("branch '{}'", shown(branch)),
        (Some(step), _) => format!("commit {}", step.commit.short(8)),
        (None, _) => "commits".to_owned(),
    };
    if sequence.planned_onto.is_some() {
        return format!(
            "An interactive rebase of branch '{}' is planned.\n  (edit the plan in the table arbor_rebase, then run SELECT arbor_rebase('--continue'))\n  (use \"arbor rebase --abort\" to drop the plan)\n",
            shown(branch)
        );
    }
    let left = sequence.todo.len();
    let mut text = format!("You are currently {doing} {what}");
    if left > 0 {
        text.push_str(&format!(
            " ({left} commit{} still to apply)",
            if left == 1 { "" } else { "s" }
        ));
    }
    text.push_str(&format!(
        ".\n  (fix conflicts and run \"arbor {name} --continue\")\n  (use \"arbor {name} --skip\" to skip this commit)\n  (use \"arbor {name} --abort\" to cancel the {name})\n"
    ));
    text
}

/// A table's line in a list of changes, as Git words a file's.
fn change_line(name: &str, change: &TableChange) -> String {
    match change {
        TableChange::Added => format!("new table: {}", shown(name)),
        TableChange::Deleted => format!("deleted:   {}", shown(name)),
        TableChange::Modified => format!("modified:  {}", shown(name)),
        TableChange::Renamed { from } => format!("renamed:   {} -> {}", shown(from), shown(name)),
    }
}

pub fn run(_args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    let repository = vcs::open_read_only(cwd)?;
    let branch = ops::current_branch(&repository)?;
    let status = ops::status(&repository, &branch)?;
    println!("On branch {}", shown(&branch));
    if let Some(line) = upstream_line(&repository, &branch)? {
        println!("{line}\n");
    }
    if let Some(sequence) = &status.sequence {
        println!("{}", sequence_lines(sequence, &branch));
    }
    match status.merging {
        Some(true) => {
            if status.sequence.is_none() {
                println!(
                    "You have unmerged tables.\n  (resolve the conflicts, then run \"arbor commit\")\n  (use \"arbor merge --abort\" to abort the merge)\n"
                );
            }
            // Each table with conflicts, and how many.
            let state = BranchState::read(&repository, &branch)?;
            if let Some(at) = state.working_set.merge.and_then(|m| m.conflicts) {
                // Rows in conflict, counted; a conflict about the whole
                // table (its schema, or dropped on one side) said as such.
                let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
                let mut whole = std::collections::BTreeSet::new();
                for c in ops::read_conflicts(&repository, at)? {
                    if c.key.is_empty() {
                        whole.insert(c.table);
                    } else {
                        *counts.entry(c.table).or_default() += 1;
                    }
                }
                println!("Unmerged tables:\n  (use \"arbor conflicts cat <table>\" to see them)");
                for table in &whole {
                    let line = format!("schema conflict:  {}", shown(table));
                    println!("\t{}", paint(Role::Removed, &line));
                }
                for (table, n) in counts {
                    let line = format!(
                        "conflicts:  {} ({n} row{})",
                        shown(&table),
                        if n == 1 { "" } else { "s" }
                    );
                    println!("\t{}", paint(Role::Removed, &line));
                }
                println!();
            }
        }
        Some(false) if status.sequence.is_none() => println!(
            "All conflicts fixed but you are still merging.\n  (use \"arbor commit\" to conclude merge)\n"
        ),
        Some(false) => {}
        None => {}
    }
    if !status.staged.is_empty() {
        println!(
            "Changes to be committed:\n  (use \"arbor restore --staged <table>...\" to unstage)"
        );
        for (name, change) in &status.staged {
            let line = change_line(name, change);
            println!("\t{}", paint(Role::Added, &line));
        }
        println!();
    }
    if !status.unstaged.is_empty() {
        println!(
            "Changes not staged for commit:\n  (use \"arbor add <table>\" to update what will be committed)\n  (use \"arbor restore <table>...\" to discard changes in the working set)"
        );
        for (name, change) in &status.unstaged {
            let line = change_line(name, change);
            println!("\t{}", paint(Role::Removed, &line));
        }
        println!();
    }
    if !status.untracked.is_empty() {
        println!(
            "Untracked tables:\n  (use \"arbor add <table>\" to include in what will be committed)"
        );
        for name in &status.untracked {
            let line = change_line(name, &TableChange::Added);
            println!("\t{}", paint(Role::Removed, &line));
        }
        println!();
    }
    if status.is_clean() {
        println!("nothing to commit, working tree clean");
    } else if status.staged.is_empty() && status.unstaged.is_empty() && status.merging.is_none() {
        println!(
            "nothing added to commit but untracked tables present (use \"arbor add\" to track)"
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// How the branch stands against its upstream (`arbor push -u`), as Git
/// says it: ahead, behind, diverged or up to date. `None` without one.
fn upstream_line(
    repository: &arbor_engine::Repository,
    branch: &str,
) -> Result<Option<String>, CliError> {
    let Some((remote, remote_branch)) = ops::remotes(repository)?.upstreams.get(branch).cloned()
    else {
        return Ok(None);
    };
    let name = format!("{remote}/{remote_branch}");
    let tracking = ops::tracking_ref(&remote, &remote_branch);
    let Some(theirs) = repository.store_root()?.refs.get(&tracking).copied() else {
        return Ok(Some(format!(
            "Your branch is based on '{name}', but the upstream is gone."
        )));
    };
    let ours = repository.branch_head(branch)?;
    let ahead = ops::log(repository, &[ours], &[theirs])?.len();
    let behind = ops::log(repository, &[theirs], &[ours])?.len();
    let commits = |n: usize| format!("{n} commit{}", if n == 1 { "" } else { "s" });
    Ok(Some(match (ahead, behind) {
        (0, 0) => format!("Your branch is up to date with '{name}'."),
        (a, 0) => format!(
            "Your branch is ahead of '{name}' by {}.\n  (use \"arbor push\" to publish your local commits)",
            commits(a)
        ),
        (0, b) => format!(
            "Your branch is behind '{name}' by {}, and can be fast-forwarded.\n  (use \"arbor pull\" to update your local branch)",
            commits(b)
        ),
        (a, b) => format!(
            "Your branch and '{name}' have diverged,\nand have {a} and {b} different commits each, respectively.\n  (use \"arbor pull\" to merge the remote branch into yours)"
        ),
    }))
}
