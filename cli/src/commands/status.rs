//! `arbor status`: what is staged, what is not, and any merge in progress.

use std::path::Path;
use std::process::ExitCode;

use arbor_engine::vc::{self, status::TableChange};

use crate::ui::CliError;
use crate::vcs;

/// Arguments of `arbor status`.
#[derive(Debug, clap::Args)]
pub struct Args {}

fn label(change: TableChange) -> &'static str {
    match change {
        TableChange::Added => "new table:",
        TableChange::Deleted => "deleted:  ",
        TableChange::Modified => "modified: ",
    }
}

pub fn run(_args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    let repository = vcs::open_read_only(cwd)?;
    let branch = vc::current_branch(&repository)?;
    let status = vc::status::status(&repository, &branch)?;
    println!("On branch {branch}");
    match status.merging {
        Some(true) => {
            println!(
                "You have unmerged tables.\n  (resolve the conflicts, then run \"arbor commit\")\n  (use \"arbor merge --abort\" to abort the merge)\n"
            );
            // Each table with conflicts, and how many.
            let state = vc::BranchState::read(&repository, &branch)?;
            if let Some(at) = state.working_set.merge.and_then(|m| m.conflicts) {
                let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
                for c in vc::merge::read_conflicts(&repository, at)? {
                    *counts.entry(c.table).or_default() += 1;
                }
                println!("Unmerged tables:\n  (use \"arbor conflicts cat <table>\" to see them)");
                for (table, n) in counts {
                    println!(
                        "\tconflicts:  {table} ({n} row{})",
                        if n == 1 { "" } else { "s" }
                    );
                }
                println!();
            }
        }
        Some(false) => println!(
            "All conflicts fixed but you are still merging.\n  (use \"arbor commit\" to conclude merge)\n"
        ),
        None => {}
    }
    if !status.staged.is_empty() {
        println!("Changes to be committed:\n  (use \"arbor reset <table>...\" to unstage)");
        for (name, change) in &status.staged {
            println!("\t{} {name}", label(*change));
        }
        println!();
    }
    if !status.unstaged.is_empty() {
        println!(
            "Changes not staged for commit:\n  (use \"arbor add <table>\" to update what will be committed)"
        );
        for (name, change) in &status.unstaged {
            println!("\t{} {name}", label(*change));
        }
        println!();
    }
    if status.is_clean() {
        println!("nothing to commit, working tree clean");
    }
    Ok(ExitCode::SUCCESS)
}
