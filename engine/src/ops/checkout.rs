//! `checkout`: its arguments and its rules.

use super::usage;
use crate::error::Result;
use crate::repo::Repository;
use crate::vc::{self, branch};

/// The arguments of `arbor checkout` (and `arbor switch`) and
/// `arbor_checkout(...)`.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct CheckoutArgs {
    /// Create the branch first (at the start revision, or HEAD).
    #[arg(short = 'b', visible_short_alias = 'c', long = "create")]
    pub create: bool,
    /// The branch.
    pub branch: String,
    /// Where a new branch starts.
    pub start: Option<String>,
}

/// Checks out `args.branch` (creating it first with `-b`); `current` is
/// the branch checked out now, against which the start revision resolves.
///
/// The rules: a start revision only goes with `-b`; a branch made for a
/// checkout that is then refused (uncommitted changes in the way) is
/// deleted again, as Git's is.
pub fn checkout(repo: &Repository, current: &str, args: &CheckoutArgs) -> Result<()> {
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
