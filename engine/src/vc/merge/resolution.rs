//! Resolving the conflicts of a merge in progress: to one side, by
//! dropping them (the rows stay as edited), or by editing the working rows.

use std::collections::BTreeSet;

use arbor_merkle::Address;
use arbor_schema::Value;

use super::conflicts::{Conflict, read_conflicts, write_conflicts};
use super::violations::verify_table;
use crate::error::{Error, Result, SqlState, VcError};
use crate::objects::{Catalog, MergeState, WorkingSet};
use crate::repo::Repository;
use crate::table::{CheckBinder, Table, TableWriter};
use crate::vc::BranchState;
use crate::vc::commit::publish_branch;
use crate::vc::untracked::Untracked;

/// Which side a conflict is resolved to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// Keep our version (what the working set already holds).
    Ours,
    /// Take their version.
    Theirs,
}

/// The state of `branch` during a merge, the merge's state and its
/// conflicts; an error when no merge is in progress.
fn merge_in_progress(
    repo: &Repository,
    branch: &str,
) -> Result<(BranchState, MergeState, Vec<Conflict>)> {
    let state = BranchState::read(repo, branch)?;
    let Some(merge_state) = state.working_set.merge.clone() else {
        return Err(Error::vc(
            VcError::NoMergeInProgress,
            "there is no merge in progress",
        ));
    };
    let conflicts = match merge_state.conflicts {
        Some(at) => read_conflicts(repo, at)?,
        None => Vec::new(),
    };
    Ok((state, merge_state, conflicts))
}

/// Resolves every conflict of `table` in the merge in progress on `branch`
/// to `side`. Once no conflicts remain, the merge can be committed. The
/// table's constraints are checked over the result first: a side whose
/// rows break one (a duplicate, an orphan) is refused, nothing changed.
pub fn resolve(
    repo: &Repository,
    checks: &dyn CheckBinder,
    branch: &str,
    table: &str,
    side: Side,
) -> Result<usize> {
    let (state, merge_state, all) = merge_in_progress(repo, branch)?;
    let merge_state = &merge_state;
    let (mine, rest): (Vec<Conflict>, Vec<Conflict>) =
        all.into_iter().partition(|c| c.table == table);
    if mine.is_empty() {
        return Err(Error::new(
            SqlState::UndefinedObject,
            format!("table \"{table}\" has no conflicts"),
        ));
    }
    let mut working = repo.read_catalog(&state.working_set.working)?;
    if side == Side::Theirs {
        let theirs = repo.read_catalog(&repo.read_commit(&merge_state.theirs)?.catalog)?;
        if mine.iter().any(|c| c.key.is_empty()) {
            // A conflict about the whole table (or view, type, function,
            // comment): take theirs as it is.
            working.take_object(&theirs, table);
        } else {
            let current = working_table(repo, &working, table)?;
            let their_table = theirs
                .tables
                .get(table)
                .map(|a| Table::from_object(repo.read_table(a)?))
                .transpose()?;
            let rows = repo.map(current.object.rows)?;
            let mut writer = TableWriter::new(repo, current.clone())?;
            for c in &mine {
                if let Some(old) = rows.get(&c.key)? {
                    writer.delete(&c.key, &current.decode(&c.key, &old)?)?;
                }
                if let (Some(value), Some(t)) = (&c.versions[2], &their_table) {
                    // Their row, read under their schema, stored under ours.
                    let theirs_row = t.decode(&c.key, value)?;
                    let row: Vec<Value> = current
                        .schema
                        .columns
                        .iter()
                        .map(|col| {
                            t.schema
                                .tag_index(col.tag)
                                .map_or(Value::Null, |i| theirs_row[i].clone())
                        })
                        .collect();
                    writer.insert(&row)?;
                }
            }
            working
                .tables
                .insert(table.to_owned(), repo.write_table(&writer.finish()?)?);
        }
    }
    verify_table(repo, checks, &working, table, &pending(&rest))?;
    let working = repo.write_catalog(&working)?;
    keep_conflicts(repo, &state, merge_state, working, &rest)?;
    Ok(mine.len())
}

/// The tables that still have conflicts among `rest`.
fn pending(rest: &[Conflict]) -> BTreeSet<String> {
    rest.iter().map(|c| c.table.clone()).collect()
}

/// Marks the conflicts of `table` whose row keys are `keys` resolved, the
/// rows staying as the working set has them (ours, or as since edited):
/// `DELETE FROM arbor_conflicts_<table>`. Returns how many were resolved.
pub fn drop_conflicts(
    repo: &Repository,
    checks: &dyn CheckBinder,
    branch: &str,
    table: &str,
    keys: &[Vec<u8>],
) -> Result<usize> {
    let (state, merge_state, all) = merge_in_progress(repo, branch)?;
    let merge_state = &merge_state;
    let before = all.len();
    let rest: Vec<Conflict> = all
        .into_iter()
        .filter(|c| !(c.table == table && keys.contains(&c.key)))
        .collect();
    let dropped = before - rest.len();
    if dropped > 0 {
        let left = pending(&rest);
        if !left.contains(table) {
            // The table's last conflicts: its rows must now meet every
            // constraint, as the rows a statement writes do.
            let working = repo.read_catalog(&state.working_set.working)?;
            verify_table(repo, checks, &working, table, &left)?;
        }
        let working = state.working_set.working;
        keep_conflicts(repo, &state, merge_state, working, &rest)?;
    }
    Ok(dropped)
}

/// Replaces rows of `table` in the working set of a merge in progress
/// (each a stored key and the row's new values, its key unchanged), checked
/// as an UPDATE would be (types, NOT NULL, CHECK, UNIQUE); the conflicts
/// stay as they are. `UPDATE arbor_conflicts_<table>`.
pub fn update_working_rows(
    repo: &Repository,
    checks: &dyn CheckBinder,
    branch: &str,
    table: &str,
    rows: &[(Vec<u8>, Vec<Value>)],
) -> Result<()> {
    let (state, merge_state, conflicts) = merge_in_progress(repo, branch)?;
    let merge_state = &merge_state;
    let mut working = repo.read_catalog(&state.working_set.working)?;
    let current = working_table(repo, &working, table)?;
    let checks = checks.bind_checks(&current.schema)?;
    let stored = repo.map(current.object.rows)?;
    let mut writer = TableWriter::new(repo, current.clone())?.with_checks(checks);
    for (key, values) in rows {
        let Some(old) = stored.get(key)? else {
            return Err(Error::new(
                SqlState::ObjectNotInPrerequisiteState,
                "a conflicting row is missing from the working set",
            ));
        };
        let new_row = writer.conform(values.clone())?;
        writer.delete(key, &current.decode(key, &old)?)?;
        writer.insert(&new_row)?;
    }
    working
        .tables
        .insert(table.to_owned(), repo.write_table(&writer.finish()?)?);
    let working = repo.write_catalog(&working)?;
    keep_conflicts(repo, &state, merge_state, working, &conflicts)
}

/// Publishes the working set with `working` as its working and staged
/// catalogs and `rest` as the conflicts that remain of the merge.
fn keep_conflicts(
    repo: &Repository,
    state: &BranchState,
    merge_state: &MergeState,
    working: Address,
    rest: &[Conflict],
) -> Result<()> {
    let remaining = if rest.is_empty() {
        None
    } else {
        Some(write_conflicts(repo, rest)?)
    };
    // What is resolved is staged, as Git stages a resolved file; untracked
    // tables (carried through the merge, never added) stay unstaged, so
    // the commit that concludes the merge or step leaves them out.
    let untracked = Untracked::of(repo, state)?;
    let staged = if untracked.is_empty() {
        working
    } else {
        let mut staged = repo.read_catalog(&working)?;
        untracked.take_from(&mut staged);
        repo.write_catalog(&staged)?
    };
    let ws = WorkingSet {
        working,
        staged,
        merge: Some(MergeState {
            conflicts: remaining,
            ..merge_state.clone()
        }),
        sequence: state.working_set.sequence.clone(),
    };
    publish_branch(repo, state, None, &ws)
}

/// Table `table` of the working catalog `working`.
fn working_table(repo: &Repository, working: &Catalog, table: &str) -> Result<Table> {
    let address = working.tables.get(table).ok_or_else(|| {
        Error::new(
            SqlState::UndefinedTable,
            format!("table \"{table}\" does not exist"),
        )
    })?;
    Table::from_object(repo.read_table(address)?)
}
