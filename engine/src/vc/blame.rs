//! Blame: for each row of a table, the commit that last changed it.
//!
//! The table's versions along the first-parent history from a commit make
//! a chain, newest first ([`chain`]). A row is blamed on the newest commit
//! of the chain whose parent's version of the row differs (or lacks it).
//! Two ways find it, with the same answer:
//!
//! - every row at once ([`blame_all`]): every row of the newest version is
//!   unattributed at first; each commit's prolly diff against its parent
//!   attributes the rows it added or changed that are still unattributed.
//!   The walk stops when every row is attributed, so its cost follows the
//!   history back to the oldest row change, one diff per commit, and it
//!   holds every row's key (not its values: those stream past afterwards);
//! - one row at a time ([`blame_row`]): the row is looked up in each
//!   parent's version in turn until it differs, one seek per commit, in
//!   the memory of one row. A SQL lookup of a few keys
//!   (`arbor_blame_t WHERE id = 5`) reads this way.
//!
//! "Differs" compares values, not stored bytes, aligned by column tag: a
//! column added or dropped in a commit changes the rows where its value is
//! not NULL, and a row rewritten in a new layout with the same values is
//! not a change.

use std::sync::Arc;

use arbor_merkle::{Address, NodeStore, ProllyMap};
use arbor_schema::Value;

use crate::error::{Error, Result, SqlState};
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

/// A table as one commit of a blame chain has it.
#[derive(Clone, Debug)]
pub struct BlameVersion {
    /// The commit.
    pub commit: Address,
    /// The table there (`None`: the commit does not have it).
    pub table: Option<Arc<Table>>,
}

/// The versions of `table` along the first-parent history from commit
/// `at`, newest first, up to the root commit or the first commit without
/// the table. The first has the table, else the table does not exist at
/// `at` (an error).
pub fn chain(repo: &Repository, at: Address, table: &str) -> Result<Vec<BlameVersion>> {
    let mut versions = Vec::new();
    let mut next = Some(at);
    while let Some(address) = next {
        let commit = repo.read_commit(&address)?;
        let found = repo
            .read_catalog(&commit.catalog)?
            .tables
            .get(table)
            .map(|a| Table::from_object(repo.read_table(a)?).map(Arc::new))
            .transpose()?;
        if found.is_none() && versions.is_empty() {
            return Err(Error::new(
                SqlState::UndefinedTable,
                format!("table \"{table}\" does not exist at that commit"),
            ));
        }
        let absent = found.is_none();
        versions.push(BlameVersion {
            commit: address,
            table: found,
        });
        if absent {
            break;
        }
        next = commit.parents.first().copied();
    }
    Ok(versions)
}

/// Blames every row of `table` as it is at commit `at`, in key order.
pub fn blame(repo: &Repository, at: Address, table: &str) -> Result<(Table, Vec<BlameLine>)> {
    let versions = chain(repo, at, table)?;
    let newest = newest(&versions)?;
    let blamed = blame_all(repo.nodes(), &versions)?;
    let mut lines = Vec::with_capacity(blamed.len());
    for (entry, at) in ProllyMap::load(repo.nodes(), newest.object.rows)?
        .iter()?
        .zip(blamed)
    {
        let (key, value) = entry?;
        lines.push(BlameLine {
            row: newest.decode(&key, &value)?,
            commit: versions[at].commit,
        });
    }
    Ok((newest.as_ref().clone(), lines))
}

fn newest(versions: &[BlameVersion]) -> Result<&Arc<Table>> {
    versions
        .first()
        .and_then(|v| v.table.as_ref())
        .ok_or_else(|| Error::internal("a blame chain without its newest version"))
}

/// For each row of the chain's newest version, in key order, the index in
/// `versions` of the commit it is blamed on. Holds every row's key (not
/// its values) while it works: the caller reads the rows again alongside.
pub fn blame_all(nodes: &NodeStore, versions: &[BlameVersion]) -> Result<Vec<usize>> {
    let newest = newest(versions)?;
    let mut keys: Vec<Box<[u8]>> = Vec::new();
    for entry in ProllyMap::load(nodes, newest.object.rows)?.iter()? {
        keys.push(entry?.0.into_boxed_slice());
    }
    let mut blamed: Vec<Option<usize>> = vec![None; keys.len()];
    let mut left = keys.len();
    for (i, pair) in versions.windows(2).enumerate() {
        if left == 0 {
            break;
        }
        let (Some(to), Some(from)) = (&pair[0].table, &pair[1].table) else {
            break;
        };
        if !same_key(from, to) {
            // Rows cannot be matched by key: all are new here.
            break;
        }
        let (from_map, to_map) = (
            ProllyMap::load(nodes, from.object.rows)?,
            ProllyMap::load(nodes, to.object.rows)?,
        );
        for entry in from_map.diff(&to_map)? {
            let entry = entry?;
            let Some(new) = &entry.new else { continue };
            // Keys are in order: a binary search finds the row.
            if let Ok(at) = keys.binary_search_by(|k| k.as_ref().cmp(entry.key.as_slice()))
                && blamed[at].is_none()
                && differs(from, entry.old.as_deref(), to, new, &entry.key)?
            {
                blamed[at] = Some(i);
                left -= 1;
            }
        }
    }
    // What no diff attributed came with the oldest version that has the
    // table as it is keyed now.
    let oldest = oldest_matched(versions);
    Ok(blamed.into_iter().map(|at| at.unwrap_or(oldest)).collect())
}

/// The index in `versions` of the commit the row stored under `key` with
/// `value` in the newest version is blamed on: its value is looked up in
/// each parent's version (`maps`, one per version, `None` where absent)
/// until it differs.
pub fn blame_row(
    versions: &[BlameVersion],
    maps: &[Option<ProllyMap>],
    key: &[u8],
    value: Vec<u8>,
) -> Result<usize> {
    let mut current = value;
    for (i, pair) in versions.windows(2).enumerate() {
        let (Some(to), Some(from), Some(Some(from_map))) =
            (&pair[0].table, &pair[1].table, maps.get(i + 1))
        else {
            return Ok(i);
        };
        if !same_key(from, to) {
            return Ok(i);
        }
        let Some(older) = from_map.get(key)? else {
            return Ok(i);
        };
        if differs(from, Some(&older), to, &current, key)? {
            return Ok(i);
        }
        current = older;
    }
    Ok(versions.len().saturating_sub(1))
}

/// The index of the oldest version keyed as every newer one is.
fn oldest_matched(versions: &[BlameVersion]) -> usize {
    let mut oldest = 0;
    for (i, pair) in versions.windows(2).enumerate() {
        match (&pair[0].table, &pair[1].table) {
            (Some(to), Some(from)) if same_key(from, to) => oldest = i + 1,
            _ => break,
        }
    }
    oldest
}

/// Whether two versions key their rows alike, so a key names the same row
/// in both.
fn same_key(a: &Table, b: &Table) -> bool {
    a.schema.same_primary_key(&b.schema)
}

/// Whether the row under `key` holds different values in `old` (stored as
/// `old_value`, `None`: absent) than in `new`, column by column by tag.
fn differs(
    old: &Table,
    old_value: Option<&[u8]>,
    new: &Table,
    new_value: &[u8],
    key: &[u8],
) -> Result<bool> {
    let Some(old_value) = old_value else {
        return Ok(true);
    };
    if old.schema == new.schema {
        // One layout: equal values are equal bytes.
        return Ok(old_value != new_value);
    }
    let (before, after) = (old.decode(key, old_value)?, new.decode(key, new_value)?);
    let value_of = |t: &Table, row: &[Value], tag: u32| -> Value {
        t.schema
            .tag_index(tag)
            .and_then(|i| row.get(i).cloned())
            .unwrap_or(Value::Null)
    };
    let tags = old
        .schema
        .columns
        .iter()
        .chain(&new.schema.columns)
        .map(|c| c.tag);
    Ok(tags
        .into_iter()
        .any(|tag| value_of(old, &before, tag) != value_of(new, &after, tag)))
}
