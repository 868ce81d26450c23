//! `arbor checkout` and `arbor switch`: move to another branch, carrying
//! uncommitted changes across when they do not collide.

use std::path::Path;
use std::process::ExitCode;

use arbor_engine::vc::branch;

use crate::ui::CliError;
use crate::vcs;

/// Arguments of `arbor checkout` (and, with `-c` for `-b`, `arbor switch`).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Create the branch first (at the start revision, or HEAD).
    #[arg(short = 'b', visible_short_alias = 'c', long = "create")]
    create: bool,
    /// The branch.
    branch: String,
    /// Where a new branch starts.
    start: Option<String>,
}

pub fn run(args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    let repository = vcs::open(cwd)?;
    if args.create {
        let start = vcs::resolve(&repository, args.start.as_deref().unwrap_or("HEAD"))?;
        branch::create(&repository, &args.branch, start, false)?;
    } else if args.start.is_some() {
        return Err(CliError::new(
            "a start revision only goes with -b (create a branch)",
        ));
    }
    if let Err(e) = branch::checkout(&repository, &args.branch) {
        // A branch made for a checkout that was refused goes too, as Git's does.
        if args.create {
            branch::delete(&repository, &args.branch, true)?;
        }
        return Err(e.into());
    }
    if args.create {
        println!("Switched to a new branch '{}'", args.branch);
    } else {
        println!("Switched to branch '{}'", args.branch);
    }
    Ok(ExitCode::SUCCESS)
}
