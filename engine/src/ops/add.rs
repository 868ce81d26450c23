//! `add`: its arguments and its rules.

use crate::error::{Error, Result, VcError};
use crate::repo::Repository;
use crate::vc::{self, commit::Stage};

/// The arguments of staging tables (`arbor add`, `arbor_add(...)`).
#[derive(Clone, Debug, Default, clap::Args)]
pub struct AddArgs {
    /// Stage every table (also `.`).
    #[arg(short = 'A', long = "all")]
    pub all: bool,
    /// The tables to stage.
    pub tables: Vec<String>,
}

/// Stages tables on `branch` as `args` say.
///
/// The rules: `-A` or a table named `.` stages everything; naming nothing
/// is refused (as Git's `add` refuses it).
pub fn add(repo: &Repository, branch: &str, args: &AddArgs) -> Result<()> {
    let what = if args.all || args.tables.iter().any(|t| t == ".") {
        Stage::All
    } else if args.tables.is_empty() {
        return Err(Error::vc(
            VcError::NothingToAdd,
            "nothing specified, nothing added",
        ));
    } else {
        Stage::Tables(args.tables.clone())
    };
    vc::commit::add(repo, branch, &what)
}
