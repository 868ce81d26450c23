//! Blame: for each row of a table, the commit that last changed it.
//!
//! Walks the first-parent history from a commit: every row of the table at
//! that commit is unattributed at first; each commit's row diff against
//! its first parent attributes the rows it added or modified that are still
//! unattributed and still hold the same values. The walk stops when every
//! row is attributed, so its cost follows the history back to the oldest
//! row change, one prolly diff per commit.

use std::collections::HashMap;

use arbor_merkle::Address;
use arbor_schema::Value;

use super::diff::diff_catalogs;
use crate::error::{Error, Result, SqlState};
use crate::objects::{Catalog, Commit};
use crate::repo::Repository;
use crate::table::Table;

/// One row and the commit that last changed it.
#[derive(Clone, Debug, PartialEq)]
pub struct BlameLine {
    /// The row's values, in the table's column order at `at`.
    pub row: Vec<Value>,
    /// The commit.
    pub commit: Address,
}

/// Blames every row of `table` as it is at commit `at`, in key order.
pub fn blame(repo: &Repository, at: Address, table: &str) -> Result<(Table, Vec<BlameLine>)> {
    let head = repo.read_commit(&at)?;
    let catalog = repo.read_catalog(&head.catalog)?;
    let address = catalog.tables.get(table).ok_or_else(|| {
        Error::new(
            SqlState::UndefinedTable,
            format!("table \"{table}\" does not exist at that commit"),
        )
    })?;
    let current = Table::from_object(repo.read_table(address)?)?;
    // Each row by its stored key, with its values; unattributed ones have no commit yet.
    let mut rows: Vec<(Vec<u8>, Vec<Value>, Option<Address>)> = Vec::new();
    for entry in repo.map(current.object.rows)?.iter()? {
        let (key, value) = entry?;
        rows.push((key.clone(), current.decode(&key, &value)?, None));
    }
    let position: HashMap<Vec<u8>, usize> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (r.0.clone(), i))
        .collect();
    let mut left = rows.len();
    let (mut commit_address, mut commit): (Address, Commit) = (at, head);
    while left > 0 {
        let parent_catalog = match commit.parents.first() {
            Some(p) => repo.read_catalog(&repo.read_commit(p)?.catalog)?,
            None => Catalog::default(),
        };
        let this_catalog = repo.read_catalog(&commit.catalog)?;
        for d in diff_catalogs(repo, &parent_catalog, &this_catalog, &[table.to_owned()])? {
            for change in d.rows(repo)? {
                let change = change?;
                // Added or modified here: the newest such commit is the one.
                if change.new.is_none() {
                    continue;
                }
                if let Some(&i) = position.get(&change.key)
                    && rows[i].2.is_none()
                {
                    rows[i].2 = Some(commit_address);
                    left -= 1;
                }
            }
        }
        match commit.parents.first() {
            Some(p) => {
                commit_address = *p;
                commit = repo.read_commit(p)?;
            }
            None => break,
        }
    }
    let lines = rows
        .into_iter()
        .map(|(_, row, c)| BlameLine {
            row,
            commit: c.unwrap_or(commit_address),
        })
        .collect();
    Ok((current, lines))
}
