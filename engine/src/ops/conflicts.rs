//! `conflicts resolve`: its arguments and its rules.

use crate::error::Result;
use crate::repo::Repository;
use crate::table::CheckBinder;
use crate::vc::merge::{self, Side};

/// The arguments of `arbor conflicts resolve` and
/// `arbor_conflicts_resolve(...)`.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct ResolveArgs {
    /// Keep our rows.
    #[arg(long, conflicts_with = "theirs", required_unless_present = "theirs")]
    pub ours: bool,
    /// Take their rows.
    #[arg(long)]
    pub theirs: bool,
    /// The tables.
    #[arg(required = true)]
    pub tables: Vec<String>,
}

/// Resolves every conflict of the named tables to one side; returns how
/// many were resolved in each table. `checks` binds CHECK constraints: a
/// resolution is refused if the rows it leaves break a constraint.
pub fn resolve(
    repo: &Repository,
    checks: &dyn CheckBinder,
    branch: &str,
    args: &ResolveArgs,
) -> Result<Vec<(String, usize)>> {
    let side = if args.ours { Side::Ours } else { Side::Theirs };
    let mut resolved = Vec::new();
    for table in &args.tables {
        resolved.push((
            table.clone(),
            merge::resolve(repo, checks, branch, table, side)?,
        ));
    }
    Ok(resolved)
}
