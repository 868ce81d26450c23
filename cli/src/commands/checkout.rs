//! `arbor checkout` and `arbor switch`: move to another branch, carrying
//! uncommitted changes across when they do not collide; `checkout` also
//! discards changes to tables (`-- <tables>`, `.`), as Git's does to files.
//!
//! The arguments and the rules are the library's (`arbor_engine::ops`),
//! shared with `SELECT arbor_checkout(...)`.

use std::path::Path;
use std::process::ExitCode;

use arbor_engine::ops::{self, CheckoutArgs};

use crate::ui::CliError;
use crate::vcs;

/// Arguments of `arbor checkout` (and, with `-c` for `-b`, `arbor switch`).
pub type Args = CheckoutArgs;

pub fn run(args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    let args = args.normalized();
    let repository = vcs::open(cwd)?;
    let current = ops::current_branch(&repository)?;
    if args.restores_tables() {
        let restored = ops::restore_tables(&repository, &current, &args)?;
        let from = match args.branch.as_str() {
            "" | "." => "the staged tables".to_owned(),
            rev => rev.to_owned(),
        };
        let n = restored.len();
        println!(
            "Updated {n} table{} from {from}",
            if n == 1 { "" } else { "s" }
        );
        return Ok(ExitCode::SUCCESS);
    }
    let done = ops::checkout(&repository, &current, &args)?;
    if let Some(remote) = done.tracking {
        println!("branch '{0}' set up to track '{remote}/{0}'.", args.branch);
    }
    if done.moved && args.branch == current {
        println!("Reset branch '{current}'");
    } else if done.moved {
        println!("Switched to and reset branch '{}'", args.branch);
    } else if args.create || args.force_create {
        println!("Switched to a new branch '{}'", args.branch);
    } else {
        println!("Switched to branch '{}'", args.branch);
    }
    Ok(ExitCode::SUCCESS)
}

/// `arbor switch`: [`run`] for branches only.
pub fn switch(args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    if args.restores_tables() {
        return Err(
            CliError::new("switch moves between branches; it restores no tables")
                .with_hint("arbor restore <table>, or arbor checkout -- <table>"),
        );
    }
    run(args, cwd)
}
