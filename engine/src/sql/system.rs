//! Version control from SQL: system tables, functions and procedures.
//!
//! - System tables, read-only views of the repository: `arbor_log` (the
//!   history of HEAD), `arbor_commits` and `arbor_commit_ancestors` (every
//!   commit any ref reaches, and their parents), `arbor_branches`,
//!   `arbor_tags`, `arbor_status`,
//!   `arbor_conflicts` (tables with conflicts in a merge in progress). A
//!   user table of the same name hides them.
//! - `arbor_blame_<table>`: each row of `<table>` at HEAD with the commit
//!   that last changed it (a plan node of its own, which blames row by row
//!   under a primary-key condition: see [`crate::vc::blame`]);
//!   `arbor_history_<table>`: every row of `<table>`
//!   at every commit of HEAD's history (a plan node of its own, which
//!   streams and seeks by primary key: see [`history`]); `arbor_conflicts_<table>`: the
//!   conflicting rows of a merge in progress (base, ours, theirs), which a
//!   DELETE marks resolved as the working set has them.
//! - `arbor_diff_<table>`: the rows of `<table>` that changed, in Dolt's
//!   `dolt_diff_<table>` shape: the working set against HEAD
//!   (`to_commit = 'WORKING'`), then each commit of HEAD's history against
//!   its first parent; `arbor_commit_diff_<table>`: the changes between
//!   the two revisions its `WHERE from_commit = ... AND to_commit = ...`
//!   names. Both are plan nodes that stream and seek by primary key (see
//!   [`table_diffs`]). Table functions `arbor_diff(from, to, table)`,
//!   `arbor_diff_stat(from, to [, table])` and `arbor_log(revision)`.
//! - Functions, evaluated once when a statement is planned:
//!   `active_branch()`, `arbor_hashof(revision)`, `arbor_merge_base(a, b)`.
//! - Procedures, called as `SELECT arbor_commit('-am', 'message')` with the
//!   arguments the command line takes: `arbor_commit`, `arbor_add`,
//!   `arbor_branch`, `arbor_checkout`, `arbor_merge`, `arbor_reset`,
//!   `arbor_tag`, `arbor_conflicts_resolve('--ours'|'--theirs', table...)`,
//!   `arbor_cherry_pick`, `arbor_revert` and `arbor_rebase` (each with
//!   `'--continue'`, `'--skip'` and `'--abort'`; they return the number of
//!   conflicts they stopped at, as `arbor_merge` does),
//!   and for remotes `arbor_fetch(remote [, branch...])`,
//!   `arbor_pull(remote [, branch] [, '--ff-only'])`,
//!   `arbor_push(remote [, branch] [, '--force' | '--delete' | '-u' | '--tags'])`,
//!   `arbor_clone(url, folder [, '--branch', name])`. They act on the
//!   repository like the commands do and return one row; the session
//!   carries on from the new state.
//! - `arbor_remotes` (name, url) and `arbor_remote_branches` (remote,
//!   branch, hash): the remotes and the remote-tracking branches.

use arbor_merkle::Address;
use arbor_schema::Value;

use super::planner::SqlChecks;
use super::planner::plan::{Blame, DiffPair, Diffs, History, TableSource, TableVersion};
use crate::env::Environment;
use crate::error::{Error, Result, SqlState, VcError};
use crate::objects::{Commit, SequenceKind};
use crate::ops;
use crate::remote;
use crate::repo::Repository;
use crate::vc;
use crate::vc::merge::{MergeOutcome, SequenceOutcome};

/// The prefix of every system table's name, which no table, view or
/// sequence a user creates may start with.
pub const RESERVED_PREFIX: &str = "arbor_";

/// The system tables every repository has (`arbor ls --all` lists them).
pub const SYSTEM_TABLES: &[&str] = &[
    "arbor_log",
    "arbor_commits",
    "arbor_commit_ancestors",
    "arbor_reflog",
    "arbor_branches",
    "arbor_remotes",
    "arbor_remote_branches",
    "arbor_tags",
    "arbor_status",
    "arbor_conflicts",
];

/// The prefixes of the system tables each table `t` has: `arbor_diff_t`,
/// `arbor_commit_diff_t`, `arbor_history_t`, `arbor_blame_t`,
/// `arbor_conflicts_t`.
pub const TABLE_SYSTEM_PREFIXES: &[&str] = &[
    "arbor_diff_",
    "arbor_commit_diff_",
    "arbor_history_",
    "arbor_blame_",
    "arbor_conflicts_",
];

/// Table functions: `arbor_diff(from, to, table)`, `arbor_diff_stat(from,
/// to [, table])`, `arbor_log(revision)`. `from` and `to` are revisions, or
/// `WORKING` and `STAGED` for the branch's uncommitted catalogs.
pub const TABLE_FUNCTIONS: &[&str] = &[
    "arbor_diff",
    "arbor_diff_stat",
    "arbor_log",
    "arbor_test_run",
];

/// The version-control functions, evaluated when a statement is planned.
pub const FUNCTIONS: &[&str] = &["active_branch", "arbor_hashof", "arbor_merge_base"];

/// The procedures.
pub const PROCEDURES: &[&str] = &[
    "arbor_commit",
    "arbor_add",
    "arbor_branch",
    "arbor_checkout",
    "arbor_merge",
    "arbor_cherry_pick",
    "arbor_revert",
    "arbor_rebase",
    "arbor_reset",
    "arbor_tag",
    "arbor_conflicts_resolve",
    "arbor_fetch",
    "arbor_pull",
    "arbor_push",
    "arbor_clone",
];

/// Column names and rows of a system table.
pub type Rows = (Vec<String>, Vec<Vec<Value>>);

fn timestamp(c: &Commit) -> Value {
    seconds_to_timestamp(c.author.time)
}

/// Seconds since the epoch as a `timestamptz`.
fn seconds_to_timestamp(seconds: i64) -> Value {
    chrono::DateTime::from_timestamp(seconds, 0).map_or(Value::Null, Value::TimestampTz)
}

fn text(s: impl Into<String>) -> Value {
    Value::Text(s.into())
}

/// The rows of system table `name`, seen from `branch`; `None` if there is no such table.
pub fn system_table(repo: &Repository, branch: &str, name: &str) -> Result<Option<Rows>> {
    let columns = |names: &[&str]| names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>();
    Ok(Some(match name {
        "arbor_log" => return log_rows(repo, &[repo.branch_head(branch)?]).map(Some),
        // Every commit any branch, tag or remote-tracking branch reaches,
        // as Dolt's dolt_commits; newest first.
        "arbor_commits" => return log_rows(repo, &ref_heads(repo)?).map(Some),
        // Every move of a branch head, newest first: the branch, where it
        // pointed before and after (NULL: created, deleted), when, and the
        // subject of the commit it moved to.
        "arbor_reflog" => {
            let mut rows = Vec::new();
            for entry in vc::reflog::entries(repo, None)? {
                let hash = |a: Option<Address>| a.map_or(Value::Null, |a| text(a.to_hex()));
                let subject = match entry.new {
                    Some(a) => text(
                        repo.read_commit(&a)?
                            .message
                            .lines()
                            .next()
                            .unwrap_or_default(),
                    ),
                    None => Value::Null,
                };
                rows.push(vec![
                    text(entry.ref_name.trim_start_matches("refs/heads/")),
                    hash(entry.old),
                    hash(entry.new),
                    seconds_to_timestamp(entry.time),
                    subject,
                ]);
            }
            (
                columns(&["branch", "old_hash", "new_hash", "date", "message"]),
                rows,
            )
        }
        // Each commit's parents, one row each (a root commit: one row with
        // no parent), as Dolt's dolt_commit_ancestors.
        "arbor_commit_ancestors" => {
            let mut rows = Vec::new();
            for (address, commit) in vc::history::log(repo, &ref_heads(repo)?, &[])? {
                if commit.parents.is_empty() {
                    rows.push(vec![text(address.to_hex()), Value::Null, Value::Integer(0)]);
                }
                for (i, parent) in commit.parents.iter().enumerate() {
                    rows.push(vec![
                        text(address.to_hex()),
                        text(parent.to_hex()),
                        Value::Integer(i32::try_from(i).unwrap_or(i32::MAX)),
                    ]);
                }
            }
            (
                columns(&["commit_hash", "parent_hash", "parent_index"]),
                rows,
            )
        }
        "arbor_branches" => {
            let mut rows = Vec::new();
            for b in vc::branch::list(repo)? {
                let c = repo.read_commit(&b.head)?;
                rows.push(vec![
                    text(b.name),
                    text(b.head.to_hex()),
                    text(c.author.name.clone()),
                    timestamp(&c),
                    text(c.message.clone()),
                    Value::Boolean(b.current),
                ]);
            }
            (
                columns(&[
                    "name",
                    "hash",
                    "latest_committer",
                    "latest_commit_date",
                    "latest_commit_message",
                    "is_current",
                ]),
                rows,
            )
        }
        "arbor_remotes" => (
            columns(&["name", "url"]),
            remote::remotes(repo)?
                .remotes
                .into_iter()
                .map(|(n, u)| vec![text(n), text(u)])
                .collect(),
        ),
        "arbor_remote_branches" => (
            columns(&["remote", "branch", "hash"]),
            repo.store_root()?
                .refs
                .iter()
                .filter_map(|(r, a)| {
                    let tracking = r.strip_prefix("refs/remotes/")?;
                    let (remote_name, b) = tracking.split_once('/')?;
                    Some(vec![
                        text(remote_name.to_owned()),
                        text(b.to_owned()),
                        text(a.to_hex()),
                    ])
                })
                .collect(),
        ),
        "arbor_tags" => (
            columns(&["tag_name", "tag_hash", "tagger", "email", "date", "message"]),
            vc::branch::tag_infos(repo)?
                .into_iter()
                .map(|t| {
                    let mut row = vec![text(t.name), text(t.commit.to_hex())];
                    match t.annotation {
                        Some(a) => row.extend([
                            text(a.tagger.name),
                            text(a.tagger.email),
                            seconds_to_timestamp(a.tagger.time),
                            text(a.message),
                        ]),
                        None => row.extend([Value::Null, Value::Null, Value::Null, Value::Null]),
                    }
                    row
                })
                .collect(),
        ),
        "arbor_status" => {
            let status = vc::status::status(repo, branch)?;
            // A rename is listed as Dolt lists it: `old -> new`, renamed.
            let row = |n: &String, c: &vc::status::TableChange, staged: bool| {
                let (name, what) = match c {
                    vc::status::TableChange::Added => (n.clone(), "new table"),
                    vc::status::TableChange::Deleted => (n.clone(), "deleted"),
                    vc::status::TableChange::Modified => (n.clone(), "modified"),
                    vc::status::TableChange::Renamed { from } => {
                        (format!("{from} -> {n}"), "renamed")
                    }
                };
                vec![text(name), Value::Boolean(staged), text(what)]
            };
            let mut rows: Vec<Vec<Value>> =
                status.staged.iter().map(|(n, c)| row(n, c, true)).collect();
            rows.extend(status.unstaged.iter().map(|(n, c)| row(n, c, false)));
            rows.extend(
                status
                    .untracked
                    .iter()
                    .map(|n| vec![text(n.clone()), Value::Boolean(false), text("untracked")]),
            );
            // During a merge, each table with conflicts, as Dolt lists them
            // (and as `arbor status` does): a whole-table one is a schema
            // conflict.
            if let Some(at) = repo.working_set(branch)?.1.merge.and_then(|m| m.conflicts) {
                let mut conflicted = std::collections::BTreeMap::new();
                for c in vc::merge::read_conflicts(repo, at)? {
                    let whole = c.key.is_empty();
                    *conflicted.entry(c.table).or_insert(false) |= whole;
                }
                rows.extend(conflicted.into_iter().map(|(table, whole)| {
                    let what = if whole { "schema conflict" } else { "conflict" };
                    vec![text(table), Value::Boolean(false), text(what)]
                }));
            }
            (columns(&["table_name", "staged", "status"]), rows)
        }
        "arbor_conflicts" => {
            let ws = repo.working_set(branch)?.1;
            let mut counts: std::collections::BTreeMap<String, i64> = Default::default();
            if let Some(at) = ws.merge.and_then(|m| m.conflicts) {
                for c in vc::merge::read_conflicts(repo, at)? {
                    *counts.entry(c.table).or_default() += 1;
                }
            }
            (
                columns(&["table_name", "num_conflicts"]),
                counts
                    .into_iter()
                    .map(|(t, n)| vec![text(t), Value::BigInt(n)])
                    .collect(),
            )
        }
        other if other.starts_with("arbor_conflicts_") => {
            let table = &other["arbor_conflicts_".len()..];
            let (_, names, rows) = conflict_rows(repo, branch, table)?;
            (names, rows.into_iter().map(|r| r.values).collect())
        }
        _ => return Ok(None),
    }))
}

/// One row of `arbor_conflicts_<table>`, with the stored key of the
/// conflicting row and whether ours has a version of it.
struct ConflictRow {
    key: Vec<u8>,
    has_ours: bool,
    values: Vec<Value>,
}

/// `arbor_conflicts_<table>`: each conflicting row of a merge in progress,
/// with its stored key: `base_<column>`, `our_<column>` (the working row as
/// it is now), `their_<column>` for every column of the working table
/// (NULLs where a side has no row), then `description`.
/// Also returns the working table they were read with.
fn conflict_rows(
    repo: &Repository,
    branch: &str,
    table: &str,
) -> Result<(crate::table::Table, Vec<String>, Vec<ConflictRow>)> {
    let ws = repo.working_set(branch)?.1;
    let working = repo.read_catalog(&ws.working)?;
    let address = working.tables.get(table).ok_or_else(|| {
        Error::new(
            SqlState::UndefinedTable,
            format!("relation \"{table}\" does not exist"),
        )
    })?;
    let current = crate::table::Table::from_object(repo.read_table(address)?)?;
    let columns: Vec<&str> = current
        .schema
        .columns
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    let mut names = Vec::new();
    for side in ["base", "our", "their"] {
        names.extend(columns.iter().map(|c| format!("{side}_{c}")));
    }
    names.push("description".to_owned());
    let conflicts = match ws.merge.and_then(|m| m.conflicts) {
        Some(at) => vc::merge::read_conflicts(repo, at)?,
        None => Vec::new(),
    };
    // Ours is the working row as it is now (an UPDATE of the our_ columns
    // changes it); base and theirs are as the merge found them.
    let working_rows = repo.map(current.object.rows)?;
    let mut rows = Vec::new();
    for c in conflicts.into_iter().filter(|c| c.table == table) {
        let [base, _, theirs] = &c.versions;
        let ours = if c.key.is_empty() {
            None
        } else {
            working_rows.get(&c.key)?
        };
        let mut row = Vec::with_capacity(names.len());
        for version in [base, &ours, theirs] {
            match version {
                Some(bytes) if !c.key.is_empty() => row.extend(current.decode(&c.key, bytes)?),
                _ => row.extend(columns.iter().map(|_| Value::Null)),
            }
        }
        row.push(text(c.description));
        rows.push(ConflictRow {
            has_ours: ours.is_some(),
            key: c.key,
            values: row,
        });
    }
    Ok((current, names, rows))
}

/// `DELETE FROM arbor_conflicts_<table> [WHERE predicate]`: marks the
/// conflicting rows the predicate selects resolved as the working set has
/// them. Returns how many.
pub fn delete_conflicts(
    repo: &Repository,
    branch: &str,
    table: &str,
    predicate: Option<&str>,
) -> Result<u64> {
    let (_, names, rows) = conflict_rows(repo, branch, table)?;
    let predicate = predicate
        .map(|p| crate::sql::predicate::RowPredicate::compile(p, &names))
        .transpose()?;
    let mut keys = Vec::new();
    for row in rows {
        if predicate
            .as_ref()
            .map_or(Ok(true), |p| p.test(&row.values))?
        {
            keys.push(row.key);
        }
    }
    if keys.is_empty() {
        return Ok(0);
    }
    Ok(vc::merge::drop_conflicts(repo, &SqlChecks, branch, table, &keys)? as u64)
}

/// `UPDATE arbor_conflicts_<table> SET our_<column> = expression, ...
/// [WHERE predicate]`: changes the working rows of the selected conflicts
/// (the `our_` columns are the working row), leaving them conflicted until
/// deleted from the table. Returns how many rows changed.
pub fn update_conflicts(
    repo: &Repository,
    branch: &str,
    table: &str,
    assignments: &[(String, String)],
    predicate: Option<&str>,
) -> Result<u64> {
    let (current, names, rows) = conflict_rows(repo, branch, table)?;
    let width = current.schema.columns.len();
    let mut targets = Vec::new();
    for (column, expression) in assignments {
        let position = column
            .strip_prefix("our_")
            .and_then(|c| current.schema.columns.iter().position(|col| col.name == c))
            .ok_or_else(|| {
                Error::new(
                    SqlState::UndefinedColumn,
                    format!("column \"{column}\" of arbor_conflicts_{table} cannot be set"),
                )
                .with_hint("set our_<column>: the our_ columns are the working row")
            })?;
        if current
            .schema
            .primary_key
            .contains(&current.schema.columns[position].tag)
        {
            return Err(Error::new(
                SqlState::FeatureNotSupported,
                format!("{column} is part of the key of the conflicting row and cannot change"),
            ));
        }
        targets.push((
            position,
            crate::sql::planner::bind_row_expression(expression, &names)?,
        ));
    }
    let predicate = predicate
        .map(|p| crate::sql::predicate::RowPredicate::compile(p, &names))
        .transpose()?;
    let ctx = crate::sql::eval::EvalContext::default();
    let mut updates = Vec::new();
    for row in rows {
        if !predicate
            .as_ref()
            .map_or(Ok(true), |p| p.test(&row.values))?
        {
            continue;
        }
        if !row.has_ours {
            return Err(Error::new(
                SqlState::ObjectNotInPrerequisiteState,
                "a conflicting row that ours deleted has no working row to update",
            )
            .with_hint(
                "resolve it with arbor_conflicts_resolve('--theirs', ...) or insert the row",
            ));
        }
        // The `our_` columns come after the `base_` ones.
        let mut new_row = row.values[width..2 * width].to_vec();
        for (position, expr) in &targets {
            new_row[*position] = crate::sql::eval::eval(expr, &row.values, &ctx)?;
        }
        updates.push((row.key, new_row));
    }
    vc::merge::update_working_rows(repo, &SqlChecks, branch, table, &updates)?;
    Ok(updates.len() as u64)
}

/// `arbor_history_<table>`: the versions of `table` along HEAD's history
/// (newest first), read by the plan's `History` node as it runs: every
/// row of each version (in key order), in the table's columns as HEAD has
/// them (a column a commit lacked reads as NULL), then `commit_hash`,
/// `committer` and `commit_date`.
pub fn history(repo: &Repository, branch: &str, table: &str) -> Result<History> {
    let head = repo.branch_head(branch)?;
    let head_catalog = repo.read_catalog(&repo.read_commit(&head)?.catalog)?;
    let address = head_catalog.tables.get(table).ok_or_else(|| {
        Error::new(
            SqlState::UndefinedTable,
            format!("relation \"{table}\" does not exist at HEAD"),
        )
    })?;
    let current = crate::table::Table::from_object(repo.read_table(address)?)?;
    let mut versions = Vec::new();
    for (commit_address, commit) in vc::history::log(repo, &[head], &[])? {
        let catalog = repo.read_catalog(&commit.catalog)?;
        let Some(address) = catalog.tables.get(table) else {
            continue;
        };
        let version = crate::table::Table::from_object(repo.read_table(address)?)?;
        versions.push(TableVersion {
            source: TableSource::of(table.to_owned(), &version),
            commit: [
                text(commit_address.to_hex()),
                text(commit.author.name.clone()),
                timestamp(&commit),
            ],
        });
    }
    Ok(History {
        table: table.to_owned(),
        schema: current.schema,
        versions,
    })
}

/// `arbor_blame_<table>`: the table's versions along HEAD's first-parent
/// history, read by the plan's `Blame` node as it runs.
pub fn blame(repo: &Repository, branch: &str, table: &str) -> Result<Blame> {
    let head = repo.branch_head(branch)?;
    let versions = vc::blame::chain(repo, head, table).map_err(|e| {
        if e.code == SqlState::UndefinedTable {
            Error::new(
                SqlState::UndefinedTable,
                format!("relation \"{table}\" does not exist at HEAD"),
            )
        } else {
            e
        }
    })?;
    let schema = versions
        .first()
        .and_then(|v| v.table.as_ref())
        .map(|t| t.schema.clone())
        .ok_or_else(|| Error::internal("a blame chain without its newest version"))?;
    let mut commits = Vec::with_capacity(versions.len());
    for version in &versions {
        let c = repo.read_commit(&version.commit)?;
        commits.push([
            text(version.commit.to_hex()),
            text(c.author.name.clone()),
            text(c.message.clone()),
        ]);
    }
    Ok(Blame {
        table: table.to_owned(),
        schema,
        versions,
        commits,
    })
}

/// `arbor_diff_<table>`: the working set (`working`, the session's
/// catalog) against HEAD, then each commit of HEAD's history against its
/// first parent (the root commit against nothing), newest first, leaving
/// out the pairs where the table did not change. Rows are read by the
/// plan's `Diff` node as it runs.
pub fn table_diffs(
    repo: &Repository,
    branch: &str,
    working: &crate::objects::Catalog,
    table: &str,
) -> Result<Diffs> {
    let head = repo.branch_head(branch)?;
    let mut versions = DiffVersions::new(repo, table);
    let head_side = versions.side(&head)?;
    let working_side = (
        working.tables.get(table).copied(),
        [text("WORKING"), Value::Null],
    );
    let newest = working_side.0.or(head_side.0).ok_or_else(|| {
        Error::new(
            SqlState::UndefinedTable,
            format!("relation \"{table}\" does not exist in the working set or at HEAD"),
        )
    })?;
    let schema = versions.source(newest)?.schema;
    versions.push_pair(head_side, working_side)?;
    for (address, commit) in vc::history::log(repo, &[head], &[])? {
        let to = versions.side(&address)?;
        let from = match commit.parents.first() {
            Some(parent) => versions.side(parent)?,
            None => (None, [Value::Null, Value::Null]),
        };
        versions.push_pair(from, to)?;
    }
    Ok(Diffs {
        table: table.to_owned(),
        schema,
        pairs: versions.pairs,
    })
}

/// A table's versions as the pairs of a diff table read them: each
/// commit's version and commit columns, and each version's decoded table,
/// read once however many pairs share them (a commit is one pair's newer
/// side and its child's older side).
struct DiffVersions<'a> {
    repo: &'a Repository,
    table: &'a str,
    /// By commit: the table's object there (`None`: absent), and the
    /// commit's hash and date.
    commits: std::collections::HashMap<Address, (Option<Address>, [Value; 2])>,
    /// By table object: the version as a plan reads it.
    sources: std::collections::HashMap<Address, TableSource>,
    /// The pairs so far, newest first.
    pairs: Vec<DiffPair>,
}

impl<'a> DiffVersions<'a> {
    fn new(repo: &'a Repository, table: &'a str) -> DiffVersions<'a> {
        DiffVersions {
            repo,
            table,
            commits: std::collections::HashMap::new(),
            sources: std::collections::HashMap::new(),
            pairs: Vec::new(),
        }
    }

    /// Commit `address`'s version of the table and its commit columns.
    fn side(&mut self, address: &Address) -> Result<(Option<Address>, [Value; 2])> {
        if let Some(found) = self.commits.get(address) {
            return Ok(found.clone());
        }
        let commit = self.repo.read_commit(address)?;
        let version = self
            .repo
            .read_catalog(&commit.catalog)?
            .tables
            .get(self.table)
            .copied();
        let side = (version, [text(address.to_hex()), timestamp(&commit)]);
        self.commits.insert(*address, side.clone());
        Ok(side)
    }

    /// The version stored as table object `address`.
    fn source(&mut self, address: Address) -> Result<TableSource> {
        if let Some(found) = self.sources.get(&address) {
            return Ok(found.clone());
        }
        let t = crate::table::Table::from_object(self.repo.read_table(&address)?)?;
        let source = TableSource::of(self.table.to_owned(), &t);
        self.sources.insert(address, source.clone());
        Ok(source)
    }

    /// Adds the pair of versions `from` and `to` (each a table object,
    /// `None` where absent, with its commit columns) unless they are the
    /// same.
    fn push_pair(
        &mut self,
        (from, from_commit): (Option<Address>, [Value; 2]),
        (to, to_commit): (Option<Address>, [Value; 2]),
    ) -> Result<()> {
        if from == to {
            return Ok(());
        }
        let pair = DiffPair {
            from: from.map(|a| self.source(a)).transpose()?,
            to: to.map(|a| self.source(a)).transpose()?,
            to_commit,
            from_commit,
        };
        self.pairs.push(pair);
        Ok(())
    }
}

/// `arbor_commit_diff_<table>`: the table's changes from revision `from`
/// to revision `to` (either may be `WORKING` or `STAGED`); `to_commit` and
/// `from_commit` read as the revisions were written, so the filter that
/// named them holds.
pub fn commit_diff(
    repo: &Repository,
    branch: &str,
    working: &crate::objects::Catalog,
    table: &str,
    from: &str,
    to: &str,
) -> Result<Diffs> {
    let side = |revision: &str| -> Result<(Option<Address>, Value)> {
        let (catalog, date) = match revision.to_uppercase().as_str() {
            "WORKING" => (working.clone(), Value::Null),
            "STAGED" => {
                let staged = repo.working_set(branch)?.1.staged;
                (repo.read_catalog(&staged)?, Value::Null)
            }
            _ => {
                let commit = repo.read_commit(&vc::revision::resolve(repo, branch, revision)?)?;
                (repo.read_catalog(&commit.catalog)?, timestamp(&commit))
            }
        };
        Ok((catalog.tables.get(table).copied(), date))
    };
    let ((from_table, from_date), (to_table, to_date)) = (side(from)?, side(to)?);
    let newest = to_table.or(from_table).ok_or_else(|| {
        Error::new(
            SqlState::UndefinedTable,
            format!("relation \"{table}\" does not exist at {from} or at {to}"),
        )
    })?;
    let mut versions = DiffVersions::new(repo, table);
    let schema = versions.source(newest)?.schema;
    versions.push_pair(
        (from_table, [text(from), from_date]),
        (to_table, [text(to), to_date]),
    )?;
    Ok(Diffs {
        table: table.to_owned(),
        schema,
        pairs: versions.pairs,
    })
}

/// The rows of `table` that differ between two catalogs: `diff_type`
/// (`added`, `removed`, `modified`), then `from_<column>` and `to_<column>`
/// for every column.
fn diff_rows(repo: &Repository, from: &Address, to: &Address, table: &str) -> Result<Rows> {
    let (from, to) = (repo.read_catalog(from)?, repo.read_catalog(to)?);
    if !from.tables.contains_key(table) && !to.tables.contains_key(table) {
        return Err(Error::new(
            SqlState::UndefinedTable,
            format!("relation \"{table}\" does not exist on either side of the diff"),
        ));
    }
    let diffs = vc::diff::diff_catalogs(repo, &from, &to, &[table.to_owned()])?;
    let columns_of = |d: &vc::diff::TableDiff| d.columns();
    let template = match diffs.first() {
        Some(d) => columns_of(d),
        None => {
            // No difference: the columns still come from the table.
            let address = to.tables.get(table).or_else(|| from.tables.get(table));
            let t =
                crate::table::Table::from_object(repo.read_table(
                    address.ok_or_else(|| Error::internal("a table on neither side"))?,
                )?)?;
            t.schema
                .columns
                .iter()
                .enumerate()
                .map(|(i, c)| vc::diff::DiffColumn {
                    name: c.name.clone(),
                    from: Some(i),
                    to: Some(i),
                })
                .collect()
        }
    };
    let mut names = vec!["diff_type".to_owned()];
    names.extend(template.iter().map(|c| format!("from_{}", c.name)));
    names.extend(template.iter().map(|c| format!("to_{}", c.name)));
    let mut rows = Vec::new();
    for d in &diffs {
        for change in d.rows(repo)? {
            let change = change?;
            let kind = match (&change.old, &change.new) {
                (None, _) => "added",
                (_, None) => "removed",
                _ => "modified",
            };
            let width = template.len();
            let side =
                |r: &Option<Vec<Value>>| r.clone().unwrap_or_else(|| vec![Value::Null; width]);
            let mut row = vec![text(kind)];
            row.extend(side(&change.old));
            row.extend(side(&change.new));
            rows.push(row);
        }
    }
    Ok((names, rows))
}

/// Runs table function `name`; `None` if there is no such function.
pub fn table_function(
    repo: &Repository,
    branch: &str,
    name: &str,
    args: &[Value],
) -> Result<Option<Rows>> {
    let arg = |i: usize| revision_arg(args, i, name);
    Ok(Some(match (name, args.len()) {
        // The data tests of the branch's published working set: those
        // named (by test or group; '*' or nothing: all), one row each.
        ("arbor_test_run", _) => {
            let mut select = Vec::new();
            for i in 0..args.len() {
                let word = revision_arg(args, i, name)?;
                if word != "*" {
                    select.push(word);
                }
            }
            let rows = super::data_tests::run(repo, branch, None, &select)?
                .into_iter()
                .map(|o| {
                    vec![
                        text(o.name),
                        o.group.map_or(Value::Null, text),
                        text(o.query),
                        text(if o.passed { "PASS" } else { "FAIL" }),
                        text(o.message),
                    ]
                })
                .collect();
            (
                ["test_name", "test_group", "query", "status", "message"]
                    .iter()
                    .map(|n| (*n).to_owned())
                    .collect(),
                rows,
            )
        }
        ("arbor_diff", 3) => {
            let (from, to) = (
                vc::revision::catalog_at(repo, branch, &arg(0)?)?,
                vc::revision::catalog_at(repo, branch, &arg(1)?)?,
            );
            diff_rows(repo, &from, &to, &arg(2)?)?
        }
        ("arbor_diff_stat", 2 | 3) => {
            let from = repo.read_catalog(&vc::revision::catalog_at(repo, branch, &arg(0)?)?)?;
            let to = repo.read_catalog(&vc::revision::catalog_at(repo, branch, &arg(1)?)?)?;
            let only = if args.len() == 3 {
                vec![arg(2)?]
            } else {
                Vec::new()
            };
            let mut rows = Vec::new();
            for d in vc::diff::diff_catalogs(repo, &from, &to, &only)? {
                let s = d.stat(repo)?;
                let n = |v: u64| Value::BigInt(i64::try_from(v).unwrap_or(i64::MAX));
                rows.push(vec![
                    text(d.name.clone()),
                    n(s.rows_added),
                    n(s.rows_deleted),
                    n(s.rows_modified),
                    n(s.cells_modified),
                ]);
            }
            let names = [
                "table_name",
                "rows_added",
                "rows_deleted",
                "rows_modified",
                "cells_modified",
            ];
            (names.iter().map(|n| (*n).to_owned()).collect(), rows)
        }
        ("arbor_log", 1) => {
            let start = vc::revision::resolve(repo, branch, &arg(0)?)?;
            log_rows(repo, &[start])?
        }
        (n, k) if TABLE_FUNCTIONS.contains(&n) => {
            return Err(Error::new(
                SqlState::UndefinedFunction,
                format!("function {n} with {k} arguments does not exist"),
            ));
        }
        _ => return Ok(None),
    }))
}

/// The commits reachable from `start`, newest first, as `arbor_log` shows them.
/// The commits the branches, tags and remote-tracking branches name.
fn ref_heads(repo: &Repository) -> Result<Vec<Address>> {
    let root = repo.store_root()?;
    let mut heads = Vec::new();
    for (name, address) in &root.refs {
        if name.starts_with("refs/heads/")
            || name.starts_with("refs/tags/")
            || name.starts_with("refs/remotes/")
        {
            heads.push(repo.peel(address)?);
        }
    }
    Ok(heads)
}

fn log_rows(repo: &Repository, starts: &[Address]) -> Result<Rows> {
    let rows = vc::history::log(repo, starts, &[])?
        .into_iter()
        .map(|(a, c)| {
            vec![
                text(a.to_hex()),
                text(c.author.name.clone()),
                text(c.author.email.clone()),
                timestamp(&c),
                text(c.message.clone()),
                Value::BigInt(i64::try_from(c.parents.len()).unwrap_or(0)),
            ]
        })
        .collect();
    let names = [
        "commit_hash",
        "committer",
        "email",
        "date",
        "message",
        "parents",
    ];
    Ok((names.iter().map(|n| (*n).to_owned()).collect(), rows))
}

fn revision_arg(args: &[Value], i: usize, function: &str) -> Result<String> {
    match args.get(i) {
        Some(Value::Text(s)) => Ok(s.clone()),
        _ => Err(Error::new(
            SqlState::UndefinedFunction,
            format!("{function} takes a revision (text) as argument {}", i + 1),
        )),
    }
}

/// Evaluates a version-control function.
pub fn function(repo: &Repository, branch: &str, name: &str, args: &[Value]) -> Result<Value> {
    let resolve = |i: usize| -> Result<Address> {
        vc::revision::resolve(repo, branch, &revision_arg(args, i, name)?)
    };
    Ok(match (name, args.len()) {
        ("active_branch", 0) => text(branch),
        ("arbor_hashof", 1) => text(resolve(0)?.to_hex()),
        ("arbor_merge_base", 2) => match vc::history::merge_base(repo, resolve(0)?, resolve(1)?)? {
            Some(a) => text(a.to_hex()),
            None => Value::Null,
        },
        _ => {
            return Err(Error::new(
                SqlState::UndefinedFunction,
                format!(
                    "function {name} with {} arguments does not exist",
                    args.len()
                ),
            ));
        }
    })
}

/// What a procedure leaves for the session to do.
#[derive(Debug)]
pub struct ProcedureResult {
    /// Its one-row result: column name and value.
    pub column: String,
    /// The value.
    pub value: Value,
    /// The branch the session is on afterwards (changed by `arbor_checkout`).
    pub branch: String,
}

/// How many conflicts a merge stopped with, as the procedures report it.
fn conflict_count(outcome: &MergeOutcome) -> Value {
    match outcome {
        MergeOutcome::Uncommitted { conflicts } => count(conflicts.len()),
        _ => count(0),
    }
}

/// What a cherry-pick, revert or rebase procedure reports: the conflicts
/// it stopped at (0 when it ran to its end, or was aborted), as
/// `arbor_merge` does.
fn done_sequence(branch: &str, done: &ops::SequenceDone) -> ProcedureResult {
    let conflicts = match done {
        ops::SequenceDone::Ran(SequenceOutcome::Stopped { conflicts, .. }) => conflicts.len(),
        _ => 0,
    };
    ProcedureResult {
        column: "conflicts".into(),
        value: count(conflicts),
        branch: branch.to_owned(),
    }
}

/// A count as a procedure's result.
fn count(n: usize) -> Value {
    Value::BigInt(i64::try_from(n).unwrap_or(i64::MAX))
}

/// `e` with what to do about it in SQL's words, when it is a
/// version-control refusal that carries no hint of its own (the command
/// line words its own hints for the same refusals).
pub fn with_sql_hint(mut e: Error) -> Error {
    if e.hint.is_some() {
        return e;
    }
    let hint = match &e.vc {
        Some(VcError::MergeInProgress) => {
            "finish it with SELECT arbor_commit('-m', '...'), or abort it with SELECT arbor_merge('--abort')".to_owned()
        }
        Some(VcError::UnresolvedConflicts { operation }) => {
            let procedure = format!("arbor_{}", operation.replace('-', "_"));
            format!("resolve them (DELETE FROM arbor_conflicts_<table>, or SELECT arbor_conflicts_resolve('--ours', '<table>')), or abort with SELECT {procedure}('--abort')")
        }
        Some(VcError::UncommittedChanges) => {
            "commit them (SELECT arbor_commit('-am', '...')) or discard them (SELECT arbor_reset('--hard')) first".to_owned()
        }
        Some(VcError::UntrackedOverwritten { .. }) => {
            "commit them (SELECT arbor_add('<table>'), then SELECT arbor_commit('-m', '...')), or rename or drop them, first".to_owned()
        }
        Some(VcError::NothingToCommit { unstaged: true }) => {
            "stage tables with SELECT arbor_add('<table>'), or commit everything with SELECT arbor_commit('-am', '...')".to_owned()
        }
        Some(VcError::SequenceInProgress { operation }) => {
            let procedure = format!("arbor_{}", operation.replace('-', "_"));
            format!(
                "go on with SELECT {procedure}('--continue') (after resolving conflicts), \
                 skip the commit with SELECT {procedure}('--skip'), \
                 or abort with SELECT {procedure}('--abort')"
            )
        }
        Some(VcError::NothingToAdd) => {
            "name tables to stage, SELECT arbor_add('<table>'), or stage all with SELECT arbor_add('-A')".to_owned()
        }
        Some(VcError::NothingToCommit { unstaged: false }) => {
            "change data first, or pass '--allow-empty'".to_owned()
        }
        Some(VcError::NotFullyMerged { branch }) => {
            format!("to delete it anyway, SELECT arbor_branch('-D', '{branch}')")
        }
        Some(VcError::UnknownBranch) => "list branches with SELECT * FROM arbor_branches".to_owned(),
        Some(VcError::UnknownRemote) => "list them with SELECT * FROM arbor_remotes".to_owned(),
        Some(VcError::UnknownAuthor) => {
            "the session has no author: give one with '--author', 'Name <email>'".to_owned()
        }
        Some(VcError::PushRejected { remote, branch }) => {
            format!("integrate them first (SELECT arbor_pull('{remote}', '{branch}')), or overwrite them with '--force'")
        }
        _ => return e,
    };
    e.hint = Some(hint);
    e
}

/// Runs procedure `name` on `branch`.
pub fn procedure(
    repo: &Repository,
    branch: &str,
    env: &Environment,
    name: &str,
    args: &[Value],
) -> Result<ProcedureResult> {
    let done = |column: &str, value: Value| ProcedureResult {
        column: column.to_owned(),
        value,
        branch: branch.to_owned(),
    };
    match name {
        "arbor_commit" => {
            let args: ops::CommitArgs = ops::parse_procedure_args(name, args)?;
            let address = ops::commit(repo, env, &SqlChecks, branch, &args)?;
            Ok(done("hash", text(address.to_hex())))
        }
        "arbor_add" => {
            let args: ops::AddArgs = ops::parse_procedure_args(name, args)?;
            ops::add(repo, branch, &args)?;
            Ok(done("status", Value::Integer(0)))
        }
        "arbor_branch" => {
            let args: ops::BranchArgs = ops::parse_procedure_args(name, args)?;
            if ops::branch(repo, branch, &args)? == ops::BranchDone::List {
                return Err(Error::new(
                    SqlState::InvalidParameterValue,
                    "arbor_branch: name a branch to create, delete, rename or copy",
                )
                .with_hint("list branches with SELECT * FROM arbor_branches"));
            }
            // Renaming the session's own branch moves the session with it.
            let renamed_own = match args.names.as_slice() {
                [to] => Some(to),
                [from, to] if from == branch => Some(to),
                _ => None,
            };
            match renamed_own {
                Some(to) if args.rename && !args.copy => Ok(ProcedureResult {
                    column: "status".into(),
                    value: Value::Integer(0),
                    branch: to.clone(),
                }),
                _ => Ok(done("status", Value::Integer(0))),
            }
        }
        "arbor_checkout" => {
            let args = ops::parse_procedure_args::<ops::CheckoutArgs>(name, args)?.normalized();
            ops::checkout(repo, branch, &args)?;
            // Restoring tables stays on the branch.
            let to = if args.restores_tables() {
                branch.to_owned()
            } else {
                args.branch
            };
            Ok(ProcedureResult {
                column: "status".into(),
                value: Value::Integer(0),
                branch: to,
            })
        }
        "arbor_fetch" => {
            let args: ops::FetchArgs = ops::parse_procedure_args(name, args)?;
            let (_, fetched) = ops::fetch(repo, env, &args, &mut |_| {})?;
            Ok(done("branches_updated", count(fetched.branches.len())))
        }
        "arbor_pull" => {
            let args: ops::PullArgs = ops::parse_procedure_args(name, args)?;
            let pulled = ops::pull(repo, env, &SqlChecks, branch, &args, &mut |_| {})?;
            Ok(done("conflicts", conflict_count(&pulled.outcome)))
        }
        "arbor_push" => {
            let args: ops::PushArgs = ops::parse_procedure_args(name, args)?;
            ops::push(repo, env, branch, &args, &mut |_| {})?;
            Ok(done("status", Value::Integer(0)))
        }
        "arbor_clone" => {
            let args: ops::CloneArgs = ops::parse_procedure_args(name, args)?;
            let cloned = ops::clone(env, &args, &mut |_| {})?;
            Ok(done("branch", text(cloned.branch)))
        }
        "arbor_merge" => {
            let args: ops::MergeArgs = ops::parse_procedure_args(name, args)?;
            let outcome = ops::merge(repo, env, &SqlChecks, branch, &args)?;
            Ok(done("conflicts", conflict_count(&outcome)))
        }
        "arbor_cherry_pick" | "arbor_revert" => {
            let kind = if name == "arbor_revert" {
                SequenceKind::Revert
            } else {
                SequenceKind::CherryPick
            };
            let args: ops::PickArgs = ops::parse_procedure_args(name, args)?;
            let done = ops::pick(repo, env, &SqlChecks, branch, kind, &args)?;
            Ok(done_sequence(branch, &done))
        }
        "arbor_rebase" => {
            let args: ops::RebaseArgs = ops::parse_procedure_args(name, args)?;
            // Interactive: the plan goes into a table to edit with SQL.
            if args.interactive {
                let n = super::rebase_plan::start(repo, env, branch, &args)?;
                return Ok(done("planned", count(n)));
            }
            let done = super::rebase_plan::rebase(repo, env, &SqlChecks, branch, &args, None)?;
            Ok(done_sequence(branch, &done))
        }
        "arbor_reset" => {
            let args: ops::ResetArgs = ops::parse_procedure_args(name, args)?;
            ops::reset(repo, branch, &args)?;
            Ok(done("status", Value::Integer(0)))
        }
        "arbor_tag" => {
            let args: ops::TagArgs = ops::parse_procedure_args(name, args)?;
            if ops::tag(repo, env, branch, &args)? == ops::TagDone::List {
                return Err(Error::new(
                    SqlState::InvalidParameterValue,
                    "arbor_tag: name a tag to create or delete",
                )
                .with_hint("list tags with SELECT * FROM arbor_tags"));
            }
            Ok(done("status", Value::Integer(0)))
        }
        "arbor_conflicts_resolve" => {
            let args: ops::ResolveArgs = ops::parse_procedure_args(name, args)?;
            let resolved = ops::resolve(repo, &SqlChecks, branch, &args)?;
            Ok(done(
                "resolved",
                count(resolved.iter().map(|(_, n)| n).sum()),
            ))
        }
        other => Err(Error::new(
            SqlState::UndefinedFunction,
            format!("procedure {other} does not exist"),
        )),
    }
}
