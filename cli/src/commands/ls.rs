//! `arbor ls`: the tables of the working set, or of a revision; with
//! `--all`, the views and the system tables too (as `dolt ls`).

use std::path::Path;
use std::process::ExitCode;

use arbor_engine::{BranchState, SYSTEM_TABLES, TABLE_SYSTEM_PREFIXES, ops};
use arbor_schema::sql_text::shown;

use crate::ui::CliError;
use crate::vcs;

/// Arguments of `arbor ls`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A revision (a branch, tag or commit) whose tables to list; the
    /// working set by default.
    revision: Option<String>,
    /// Views and system tables too.
    #[arg(short, long)]
    all: bool,
}

pub fn run(args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    let repository = vcs::open_read_only(cwd)?;
    let branch = ops::current_branch(&repository)?;
    let (place, catalog) = match &args.revision {
        Some(rev) => {
            let commit = vcs::resolve(&repository, rev)?;
            let catalog = repository.read_catalog(&repository.read_commit(&commit)?.catalog)?;
            (format!("Tables in {}:", shown(rev)), catalog)
        }
        None => {
            let state = BranchState::read(&repository, &branch)?;
            let catalog = repository.read_catalog(&state.working_set.working)?;
            ("Tables in working set:".to_owned(), catalog)
        }
    };
    println!("{place}");
    if catalog.tables.is_empty() {
        println!("\t(no tables)");
    }
    for name in catalog.tables.keys() {
        println!("\t{}", shown(name));
    }
    if args.all {
        if !catalog.views.is_empty() {
            println!("\nViews:");
            for name in catalog.views.keys() {
                println!("\t{}", shown(name));
            }
        }
        println!("\nSystem tables:");
        let mut system: Vec<String> = SYSTEM_TABLES.iter().map(|s| (*s).to_owned()).collect();
        for name in catalog.tables.keys() {
            system.extend(TABLE_SYSTEM_PREFIXES.iter().map(|p| format!("{p}{name}")));
        }
        system.sort();
        for name in system {
            println!("\t{}", shown(&name));
        }
    }
    Ok(ExitCode::SUCCESS)
}
