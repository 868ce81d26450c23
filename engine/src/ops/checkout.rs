//! `checkout`: its arguments and its rules.

use super::usage;
use crate::error::Result;
use crate::repo::Repository;
use crate::vc::{self, branch, commit::RestoreFrom};

/// The arguments of `arbor checkout` (and `arbor switch`) and
/// `arbor_checkout(...)`.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct CheckoutArgs {
    /// Create the branch first (at the start revision, or HEAD).
    #[arg(short = 'b', visible_short_alias = 'c', long = "create")]
    pub create: bool,
    /// The branch; before `--`, the revision to take the tables from; `.`
    /// restores every tracked table from the staged ones.
    #[arg(
        required_unless_present = "tables",
        default_value = "",
        hide_default_value = true
    )]
    pub branch: String,
    /// Where a new branch starts.
    pub start: Option<String>,
    /// After `--`: tables whose changes to discard (from the staged
    /// tables, or from the revision before `--`, staged tables too).
    #[arg(last = true)]
    pub tables: Vec<String>,
}

impl CheckoutArgs {
    /// Whether these arguments restore tables (`-- <tables>`, `.`) rather
    /// than move to a branch.
    pub fn restores_tables(&self) -> bool {
        !self.tables.is_empty() || self.branch == "."
    }
}

/// Checks out `args.branch` (creating it first with `-b`); `current` is
/// the branch checked out now, against which the start revision resolves.
///
/// The rules: a start revision only goes with `-b`; a branch made for a
/// checkout that is then refused (uncommitted changes in the way) is
/// deleted again, as Git's is.
pub fn checkout(repo: &Repository, current: &str, args: &CheckoutArgs) -> Result<()> {
    if args.restores_tables() {
        restore_tables(repo, current, args)?;
        return Ok(());
    }
    if args.create {
        let start = args.start.as_deref().unwrap_or("HEAD");
        let at = vc::revision::resolve(repo, current, start)?;
        branch::create(repo, &args.branch, at, false)?;
    } else if args.start.is_some() {
        return Err(usage(
            "a start revision only goes with -b (create a branch)",
        ));
    }
    if let Err(e) = branch::checkout(repo, &args.branch) {
        if args.create {
            branch::delete(repo, &args.branch, true)?;
        }
        return Err(e);
    }
    Ok(())
}

/// `checkout -- <tables>` (working tables from the staged ones), `checkout
/// <rev> -- <tables>` (staged and working tables from the revision) and
/// `checkout .` (every tracked working table from the staged ones), as
/// Git's checkout of paths; returns the names of the tables changed.
pub fn restore_tables(
    repo: &Repository,
    current: &str,
    args: &CheckoutArgs,
) -> Result<Vec<String>> {
    if args.create || args.start.is_some() {
        return Err(usage(
            "-b and a start revision create a branch; they do not go with tables after --",
        ));
    }
    let (source, tables) = match args.branch.as_str() {
        "" => (None, args.tables.clone()),
        "." => (None, [vec![".".to_owned()], args.tables.clone()].concat()),
        rev => (
            Some(vc::revision::resolve(repo, current, rev)?),
            args.tables.clone(),
        ),
    };
    let from = RestoreFrom {
        source,
        staged: source.is_some(),
        working: true,
    };
    vc::commit::restore(repo, current, &tables, from)
}
