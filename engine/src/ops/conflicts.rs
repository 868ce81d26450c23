//! `conflicts resolve`: its arguments and its rules.

use crate::error::{Error, Result, VcError};
use crate::repo::Repository;
use crate::table::CheckBinder;
use crate::vc::BranchState;
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
    /// The tables (`.`: every table with conflicts).
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
    let tables = if args.tables.iter().any(|t| t == ".") {
        // Every table with conflicts, as `git checkout --ours .` takes
        // every path.
        let state = BranchState::read(repo, branch)?;
        let Some(merge_state) = state.working_set.merge else {
            return Err(Error::vc(
                VcError::NoMergeInProgress,
                "there is no merge in progress",
            ));
        };
        let mut tables: Vec<String> = match merge_state.conflicts {
            Some(at) => merge::read_conflicts(repo, at)?
                .into_iter()
                .map(|c| c.table)
                .collect(),
            None => Vec::new(),
        };
        tables.sort();
        tables.dedup();
        tables
    } else {
        args.tables.clone()
    };
    let mut resolved = Vec::new();
    for table in &tables {
        resolved.push((
            table.clone(),
            merge::resolve(repo, checks, branch, table, side)?,
        ));
    }
    Ok(resolved)
}
