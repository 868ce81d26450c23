//! `arbor add`: stage tables for the next commit.

use std::path::Path;
use std::process::ExitCode;

use arbor_engine::vc::{self, commit::Stage};

use crate::ui::CliError;
use crate::vcs;

/// Arguments of `arbor add`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Stage every table (also `.`).
    #[arg(short = 'A', long = "all")]
    all: bool,
    /// The tables to stage.
    tables: Vec<String>,
}

pub fn run(args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    let repository = vcs::open(cwd)?;
    let branch = vc::current_branch(&repository)?;
    let what = if args.all || args.tables.iter().any(|t| t == ".") {
        Stage::All
    } else if args.tables.is_empty() {
        return Err(CliError::new("nothing specified, nothing added")
            .with_hint("name tables to stage, or use `arbor add -A`"));
    } else {
        Stage::Tables(args.tables)
    };
    vc::commit::add(&repository, &branch, &what)?;
    Ok(ExitCode::SUCCESS)
}
