//! `arbor reset`: move the branch to a revision, or unstage tables.

use std::path::Path;
use std::process::ExitCode;

use arbor_engine::vc::{self, commit::ResetMode};

use crate::ui::CliError;
use crate::vcs;

/// Arguments of `arbor reset`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Move the branch only; keep staged and working changes.
    #[arg(long, conflicts_with = "hard")]
    soft: bool,
    /// Discard every uncommitted change.
    #[arg(long)]
    hard: bool,
    /// A revision (default HEAD), or tables to unstage.
    args: Vec<String>,
}

pub fn run(args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    let repository = vcs::open(cwd)?;
    let branch = vc::current_branch(&repository)?;
    let mode = if args.hard {
        ResetMode::Hard
    } else if args.soft {
        ResetMode::Soft
    } else {
        ResetMode::Mixed
    };
    let target = match args.args.first() {
        None => Some(vcs::resolve(&repository, "HEAD")?),
        // --soft and --hard only take a revision: say why it does not resolve.
        Some(first) if mode != ResetMode::Mixed && args.args.len() == 1 => {
            Some(vcs::resolve(&repository, first)?)
        }
        Some(first) => vcs::resolve(&repository, first).ok(),
    };
    match target {
        Some(t) if args.args.len() <= 1 => vc::commit::reset(&repository, &branch, t, mode)?,
        _ if mode != ResetMode::Mixed => {
            return Err(CliError::new(
                "--soft and --hard take a revision, not tables",
            ));
        }
        _ => vc::commit::unstage(&repository, &branch, &args.args)?,
    }
    Ok(ExitCode::SUCCESS)
}
