//! Three-way merges: of catalogs (tables added, dropped or changed on
//! either side), of table schemas (by column tag, through
//! `arbor_schema::merge`), of rows (matched by primary key, through the
//! prolly merge, which only visits what either side changed) and of cells
//! (each column on its own; jsonb documents key by key through
//! `arbor_jsonb::merge`).
//!
//! What cannot merge is a conflict: a table changed in incompatible ways
//! (kept as ours), or a row whose cells both sides changed differently, or
//! that one side deleted and the other changed (the row is kept as ours).
//! Conflicts are recorded in the working set's merge state, as a prolly map
//! from `table \0 row key` to the three versions; a commit is refused until
//! they are resolved.
//!
//! Here: the merge itself (catalogs, tables, rows, cells). Beside it:
//! `violations` (foreign keys the merged rows break, recorded as
//! conflicts), `conflicts` (their stored form), `resolution` (resolving
//! them: to a side, by dropping them, by editing the working rows) and
//! `sequence` (commits' changes applied or reverted one by one through
//! merges: cherry-pick, revert, rebase).

mod conflicts;
mod resolution;
mod sequence;
mod violations;

pub use conflicts::{Conflict, read_conflicts};
pub use resolution::{Side, drop_conflicts, resolve, update_working_rows};
pub use sequence::{
    Applied, SequenceOptions, SequenceOutcome, abort as abort_sequence, continue_sequence,
    plan as plan_rebase, rebase_steps, refuse_in_progress, run_planned, skip as skip_sequence,
    start as start_sequence,
};
pub use violations::verify_merged;

use conflicts::write_conflicts;
use violations::foreign_key_violations;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use arbor_merkle::prolly::{Collision, Resolution, SameChange, merge_with as merge_maps};
use arbor_merkle::{Address, Edit};
use arbor_schema::Value;
use arbor_schema::merge::merge_schemas;

use super::branch::LocalChanges;
use super::commit::publish_branch;
use super::untracked::Untracked;
use super::{BranchState, history};
use crate::env::unknown_author;
use crate::error::{Error, Result, SqlState, VcError};
use crate::objects::{Catalog, Commit, MergeState, Signature, TableObject, WorkingSet};
use crate::repo::Repository;
use crate::table::sequences::Sequence;
use crate::table::{CheckBinder, Table, TableWriter};

/// How to merge.
#[derive(Clone, Debug)]
pub struct MergeOptions {
    /// The merge commit's message.
    pub message: String,
    /// Author and time of the merge commit; without one, a merge that
    /// would make a commit is refused ("author identity unknown").
    pub author: Option<Signature>,
    /// Make a merge commit even when a fast-forward would do.
    pub no_ff: bool,
    /// Merge the changes into the working set without committing or
    /// recording the other branch as a parent.
    pub squash: bool,
    /// Stop before the merge commit even without conflicts (`--no-commit`):
    /// the merge waits in the working set, and a commit concludes it with
    /// both parents.
    pub no_commit: bool,
}

/// What a merge did.
#[derive(Clone, Debug, PartialEq)]
pub enum MergeOutcome {
    /// Their commit is already in our history.
    UpToDate,
    /// Our branch moved forward to their commit.
    FastForward(Address),
    /// A merge commit was made.
    Committed(Address),
    /// The merge in progress was abandoned (`--abort`).
    Aborted,
    /// The merged result waits in the working set: conflicts to resolve
    /// (then commit), or a squash to commit.
    Uncommitted {
        /// The conflicts, if any.
        conflicts: Vec<Conflict>,
    },
}

/// Merges commit `theirs` into `branch`.
pub fn merge(
    repo: &Repository,
    checks: &dyn CheckBinder,
    branch: &str,
    theirs: Address,
    options: &MergeOptions,
) -> Result<MergeOutcome> {
    let state = BranchState::read(repo, branch)?;
    if state.working_set.merge.is_some() && state.working_set.sequence.is_none() {
        return Err(Error::vc(
            VcError::MergeInProgress,
            "a merge is already in progress",
        ));
    }
    refuse_in_progress(&state)?;
    // Uncommitted changes stay, carried onto the result, as long as the
    // merge leaves their tables alone (as Git does with files).
    let local = LocalChanges::of(repo, &state)?;
    let ours = state.head;
    if history::is_ancestor(repo, theirs, ours)? {
        return Ok(MergeOutcome::UpToDate);
    }
    let their_commit = repo.read_commit(&theirs)?;
    if history::is_ancestor(repo, ours, theirs)? && !options.no_ff && !options.squash {
        let their_catalog = repo.read_catalog(&their_commit.catalog)?;
        local.refuse_collisions(&their_catalog, "the merge")?;
        let (working, staged) = local.carry(&their_catalog);
        let ws = WorkingSet {
            working: repo.write_catalog(&working)?,
            staged: repo.write_catalog(&staged)?,
            merge: None,
            sequence: None,
        };
        publish_branch(repo, &state, Some(theirs), &ws)?;
        return Ok(MergeOutcome::FastForward(theirs));
    }
    let base = history::merge_base(repo, ours, theirs)?.ok_or_else(|| {
        Error::vc(
            VcError::UnrelatedHistories,
            "refusing to merge unrelated histories",
        )
        .with_hint("the two commits have no common ancestor")
    })?;
    let base_catalog = repo.read_catalog(&repo.read_commit(&base)?.catalog)?;
    let our_catalog = repo.read_catalog(&state.commit.catalog)?;
    let their_catalog = repo.read_catalog(&their_commit.catalog)?;
    let (merged, conflicts) =
        merge_catalogs(repo, checks, &base_catalog, &our_catalog, &their_catalog)?;
    local.refuse_collisions(&merged, "the merge")?;
    let merged_address = repo.write_catalog(&merged)?;
    let (carried_working, carried_staged) = local.carry(&merged);
    let carried_working = repo.write_catalog(&carried_working)?;
    let carried_staged = repo.write_catalog(&carried_staged)?;
    if conflicts.is_empty() && !options.squash && !options.no_commit {
        let height = state.commit.height.max(their_commit.height) + 1;
        let commit = repo.write_commit(&Commit {
            catalog: merged_address,
            parents: vec![ours, theirs],
            author: options.author.clone().ok_or_else(unknown_author)?,
            message: options.message.clone(),
            height,
        })?;
        let ws = WorkingSet {
            working: carried_working,
            staged: carried_staged,
            merge: None,
            sequence: None,
        };
        publish_branch(repo, &state, Some(commit), &ws)?;
        return Ok(MergeOutcome::Committed(commit));
    }
    let merge_state = if conflicts.is_empty() && !options.no_commit {
        None
    } else {
        Some(MergeState {
            theirs,
            base,
            pre_merge_working: state.working_set.working,
            // Without conflicts (`--no-commit`) the merge waits for its
            // commit only: "all conflicts fixed but still merging".
            conflicts: if conflicts.is_empty() {
                None
            } else {
                Some(write_conflicts(repo, &conflicts)?)
            },
            message: options.message.clone(),
        })
    };
    // The merged tables are staged (conflicting rows as ours), as Git
    // stages what merged cleanly; resolving conflicts stages the result.
    let ws = WorkingSet {
        working: carried_working,
        staged: carried_staged,
        merge: merge_state,
        sequence: None,
    };
    publish_branch(repo, &state, None, &ws)?;
    Ok(MergeOutcome::Uncommitted { conflicts })
}

/// Abandons the merge in progress on `branch`: the working set goes back
/// to what it was before the merge, but for untracked tables, which stay
/// as they are.
pub fn abort(repo: &Repository, branch: &str) -> Result<()> {
    let state = BranchState::read(repo, branch)?;
    let Some(m) = &state.working_set.merge else {
        return Err(Error::vc(
            VcError::NoMergeInProgress,
            "there is no merge to abort",
        ));
    };
    if let Some(s) = &state.working_set.sequence {
        // The merge is a step of the sequence: abort that, not the step.
        let name = s.kind.command();
        return Err(Error::vc(
            VcError::SequenceInProgress {
                operation: name.to_owned(),
            },
            format!("the conflicts are a step of a {name}, not a merge"),
        ));
    }
    // Tables made during the merge and never staged are no part of it:
    // they stay, over the pre-merge working catalog (as they are now, the
    // newest the user has).
    let untracked = Untracked::of(repo, &state)?;
    let working = if untracked.is_empty() {
        m.pre_merge_working
    } else {
        let mut before = repo.read_catalog(&m.pre_merge_working)?;
        untracked.keep_in(&mut before);
        repo.write_catalog(&before)?
    };
    let ws = WorkingSet {
        working,
        staged: state.commit.catalog,
        merge: None,
        sequence: None,
    };
    publish_branch(repo, &state, None, &ws)
}

/// How one named entry of a catalog (a table, view or sequence) merges.
enum Entry<'a, T> {
    /// Theirs did not change it (or made the same change): ours stands.
    Ours,
    /// Only theirs changed it: take theirs (`None`: they dropped it).
    Theirs(Option<&'a T>),
    /// Both changed it, differently: base, ours, theirs.
    Both(Option<&'a T>, Option<&'a T>, Option<&'a T>),
}

/// Every name in three versions of a map, with how its entry merges.
fn three_way<'a, T: PartialEq>(
    base: &'a BTreeMap<String, T>,
    ours: &'a BTreeMap<String, T>,
    theirs: &'a BTreeMap<String, T>,
    same: SameChange,
) -> Vec<(&'a String, Entry<'a, T>)> {
    let names: BTreeSet<&String> = base
        .keys()
        .chain(ours.keys())
        .chain(theirs.keys())
        .collect();
    names
        .into_iter()
        .map(|name| {
            let (b, o, t) = (base.get(name), ours.get(name), theirs.get(name));
            let entry = if t == b || (o == t && same == SameChange::Agrees) {
                Entry::Ours
            } else if o == b {
                Entry::Theirs(t)
            } else {
                Entry::Both(b, o, t)
            };
            (name, entry)
        })
        .collect()
}

/// Sets `name` in `map` to `value`, or removes it.
fn set<T: Clone>(map: &mut BTreeMap<String, T>, name: &str, value: Option<&T>) {
    match value {
        Some(v) => map.insert(name.to_owned(), v.clone()),
        None => map.remove(name),
    };
}

/// Merges three catalogs; returns the merged one and what conflicted.
pub fn merge_catalogs(
    repo: &Repository,
    checks: &dyn CheckBinder,
    base: &Catalog,
    ours: &Catalog,
    theirs: &Catalog,
) -> Result<(Catalog, Vec<Conflict>)> {
    merge_catalogs_with(repo, checks, base, ours, theirs, SameChange::Agrees)
}

/// Merges the catalog of a transaction (`ours`) into the one other
/// sessions published since it began (`theirs`), from the one it began
/// with: as [`merge_catalogs`], except that a change both made (a row, a
/// cell, even to one value) collides, since each was computed without the
/// other's (two `n = n + 1` from one `n` give one value, and one update
/// would be lost).
pub fn merge_concurrent(
    repo: &Repository,
    checks: &dyn CheckBinder,
    base: &Catalog,
    ours: &Catalog,
    theirs: &Catalog,
) -> Result<(Catalog, Vec<Conflict>)> {
    merge_catalogs_with(repo, checks, base, ours, theirs, SameChange::Collides)
}

fn merge_catalogs_with(
    repo: &Repository,
    checks: &dyn CheckBinder,
    base: &Catalog,
    ours: &Catalog,
    theirs: &Catalog,
    same: SameChange,
) -> Result<(Catalog, Vec<Conflict>)> {
    let mut merged = ours.clone();
    let mut conflicts = Vec::new();
    let whole = |name: &str, description: &str| Conflict {
        table: name.to_owned(),
        key: Vec::new(),
        description: description.to_owned(),
        versions: [None, None, None],
    };
    for (name, entry) in three_way(&base.tables, &ours.tables, &theirs.tables, same) {
        match entry {
            Entry::Ours => {}
            Entry::Theirs(t) => set(&mut merged.tables, name, t),
            Entry::Both(b, Some(o), Some(t)) => {
                // Made on both sides (no base): with one schema, its rows
                // merge as if both had added them to an empty table (Dolt
                // does so).
                let base = match b {
                    Some(b) => *b,
                    None => match empty_base(repo, o, t)? {
                        Some(base) => base,
                        None => {
                            conflicts
                                .push(whole(name, "added by both sides with different schemas"));
                            continue;
                        }
                    },
                };
                match merge_table(repo, checks, name, (&base, o, t), same)? {
                    Ok((object, mut row_conflicts)) => {
                        merged
                            .tables
                            .insert(name.clone(), repo.write_table(&object)?);
                        conflicts.append(&mut row_conflicts);
                    }
                    Err(description) => conflicts.push(whole(name, &description)),
                }
            }
            Entry::Both(None, _, _) => {
                conflicts.push(whole(name, "added by both sides with different contents"))
            }
            Entry::Both(_, None, _) => {
                conflicts.push(whole(name, "deleted by ours and changed by theirs"))
            }
            Entry::Both(_, _, None) => {
                conflicts.push(whole(name, "changed by ours and deleted by theirs"))
            }
        }
    }
    // Definitions kept as SQL text merge whole: one side's change is
    // taken, both sides' is a conflict (for a type, say labels added to an
    // enum on each side, whose positions the tables store).
    for (kind, b, o, t, m) in [
        (
            "view",
            &base.views,
            &ours.views,
            &theirs.views,
            &mut merged.views,
        ),
        (
            "type",
            &base.types,
            &ours.types,
            &theirs.types,
            &mut merged.types,
        ),
        (
            "function",
            &base.functions,
            &ours.functions,
            &theirs.functions,
            &mut merged.functions,
        ),
        (
            "comment",
            &base.comments,
            &ours.comments,
            &theirs.comments,
            &mut merged.comments,
        ),
    ] {
        for (name, entry) in three_way(b, o, t, same) {
            match entry {
                Entry::Ours => {}
                Entry::Theirs(t) => set(m, name, t),
                Entry::Both(..) => conflicts.push(whole(
                    name,
                    &format!("{kind} changed differently by both sides"),
                )),
            }
        }
    }
    // Sequences: both sides may have handed out numbers; keeping the one
    // that went further means neither side's numbers are handed out again.
    for (name, entry) in three_way(&base.sequences, &ours.sequences, &theirs.sequences, same) {
        match entry {
            Entry::Ours => {}
            Entry::Theirs(t) => set(&mut merged.sequences, name, t),
            Entry::Both(_, Some(o), Some(t)) => {
                let (os, ts) = (Sequence::decode(o)?, Sequence::decode(t)?);
                let further = if os.increment > 0 {
                    ts.last > os.last
                } else {
                    ts.last < os.last
                };
                if further {
                    merged.sequences.insert(name.clone(), t.clone());
                }
            }
            // Dropped on one side and moved on the other: ours stands.
            Entry::Both(..) => {}
        }
    }
    foreign_key_violations(repo, base, ours, theirs, &merged, &mut conflicts)?;
    Ok((merged, conflicts))
}

/// For a table both sides made: an empty table of their common schema, as
/// the base of a merge of their rows (`None` when the schemas differ).
fn empty_base(repo: &Repository, ours: &Address, theirs: &Address) -> Result<Option<Address>> {
    let (ours, theirs) = (repo.read_table(ours)?, repo.read_table(theirs)?);
    if ours.schema != theirs.schema {
        return Ok(None);
    }
    let empty = repo.empty_map()?.root();
    let base = TableObject {
        schema: ours.schema.clone(),
        rows: empty,
        indexes: ours
            .indexes
            .iter()
            .map(|(n, _)| (n.clone(), empty))
            .collect(),
        next_row_id: 0,
    };
    Ok(Some(repo.write_table(&base)?))
}

/// Merges one table changed by both sides. `Ok(Err(description))` is a
/// conflict about the whole table (it stays as ours).
#[allow(clippy::type_complexity)]
fn merge_table(
    repo: &Repository,
    checks: &dyn CheckBinder,
    name: &str,
    (base, ours, theirs): (&Address, &Address, &Address),
    same: SameChange,
) -> Result<std::result::Result<(TableObject, Vec<Conflict>), String>> {
    let load = |a: &Address| -> Result<Table> { Table::from_object(repo.read_table(a)?) };
    let (base, ours, theirs) = (load(base)?, load(ours)?, load(theirs)?);
    let merged_schema = match merge_schemas(&base.schema, &ours.schema, &theirs.schema) {
        Ok(m) => m,
        Err(conflicts) => {
            let text: Vec<String> = conflicts.iter().map(|c| c.to_string()).collect();
            return Ok(Err(format!("schema conflict: {}", text.join("; "))));
        }
    };
    let their_tags = merged_schema.their_tags;
    let schema = merged_schema.schema;
    if let Some(description) = dropped_column_changed(repo, &base, &ours, &theirs, &schema)? {
        return Ok(Err(description));
    }
    // Rows are stored by column tag, so each side's rows read correctly
    // under the merged schema unless a column changed type or the key changed.
    for side in [&base, &ours, &theirs] {
        let key = |t: &arbor_schema::TableSchema| -> Vec<String> {
            t.primary_key
                .iter()
                .map(|tag| {
                    t.column_by_tag(*tag)
                        .map(|c| format!("{tag}:{}", c.data_type))
                        .unwrap_or_default()
                })
                .collect()
        };
        if key(&side.schema) != key(&schema) {
            return Ok(Err(
                "the primary key changed on one side; rows cannot be matched".into(),
            ));
        }
        for c in &side.schema.columns {
            // An enum's labels may differ (added on one side): the
            // positions stored read the same.
            if let Some(m) = schema.column_by_tag(c.tag)
                && !m.data_type.same_declared(&c.data_type)
            {
                return Ok(Err(format!(
                    "column {} changed type on one side while rows changed on the other",
                    m.name
                )));
            }
        }
    }
    let merged_table = Table::new(
        Arc::new(schema.clone()),
        TableObject {
            schema: schema.encode(),
            ..ours.object.clone()
        },
    );
    let mut conflicts = Vec::new();
    // A keyless table's rows are keyed by content: each side's rows under
    // the merged table's content keys, and rows merged by count.
    let mut ours_rekeyed = false;
    let (base_rows, our_rows, their_rows, rows) = if merged_table.is_keyless() {
        let base_rows = content_rows(repo, &base, &merged_table, &[])?;
        let our_rows = content_rows(repo, &ours, &merged_table, &[])?;
        let their_rows = content_rows(repo, &theirs, &merged_table, &their_tags)?;
        ours_rekeyed = our_rows.root() != ours.object.rows;
        let rows = merge_counts(&base_rows, &our_rows, &their_rows, &merged_table)?;
        (base_rows, our_rows, their_rows, rows)
    } else {
        let base_rows = repo.map(base.object.rows)?;
        let our_rows = repo.map(ours.object.rows)?;
        let mut their_rows = repo.map(theirs.object.rows)?;
        if !their_tags.is_empty() {
            their_rows = retag_rows(&base_rows, &their_rows, &theirs, &merged_table, &their_tags)?;
        }
        let rows = merge_maps(&base_rows, &our_rows, &their_rows, same, |c| {
            resolve_row(name, &c, &merged_table, same, &mut conflicts)
        })?;
        (base_rows, our_rows, their_rows, rows)
    };
    // The secondary indexes follow the rows: what changed from ours to the
    // merged rows is unindexed and reindexed (uniqueness checked). An index
    // only theirs has starts empty and is filled with every row, as every
    // index does when our rows were re-keyed.
    let empty = repo.empty_map()?.root();
    let mut object = TableObject {
        schema: schema.encode(),
        rows: our_rows.root(),
        indexes: schema
            .indexes
            .iter()
            .map(|i| {
                let kept = ours.object.indexes.iter().find(|(n, _)| *n == i.name);
                let kept = kept.filter(|_| !ours_rekeyed);
                (i.name.clone(), kept.map_or(empty, |(_, a)| *a))
            })
            .collect(),
        next_row_id: if merged_table.is_keyless() {
            0
        } else {
            ours.object.next_row_id
        },
    };
    object.indexes.sort_by(|a, b| a.0.cmp(&b.0));
    let indexed = Table::new(Arc::new(schema.clone()), object.clone());
    let mut writer = TableWriter::new(repo, indexed.clone())?;
    // The rows the merge wrote (theirs, or cells of both) are checked
    // against the merged table's constraints; a row that violates one is
    // kept and recorded as a conflict, as Dolt records constraint violations.
    // Where theirs added a constraint (a CHECK, a NOT NULL, an index), our
    // rows never met it: then every row is checked.
    let checks = checks.bind_checks(&schema)?;
    let mut recorded: BTreeSet<(Vec<u8>, String)> = BTreeSet::new();
    let mut violation = |key: &[u8], description: String| -> Result<()> {
        if !recorded.insert((key.to_vec(), description.clone())) {
            return Ok(());
        }
        conflicts.push(Conflict {
            table: name.to_owned(),
            key: key.to_vec(),
            description,
            versions: [
                base_rows.get(key)?,
                our_rows.get(key)?,
                their_rows.get(key)?,
            ],
        });
        Ok(())
    };
    let mut check_row = |writer: &mut TableWriter, key: &[u8], row: &[Value]| -> Result<()> {
        if let Some(what) = writer.violation(row, &checks)? {
            violation(key, format!("the merged row {what}"))?;
        }
        match writer.index_row(key, row) {
            Err(e) if e.code == SqlState::UniqueViolation => {
                let constraint = e.into_fields().constraint.unwrap_or_default();
                let description =
                    format!("the merged row violates unique constraint \"{constraint}\"");
                violation(key, description.clone())?;
                // Both rows of the pair are part of the violation: the other
                // is the one holding the values in that index.
                let positions: Option<Vec<usize>> = schema
                    .indexes
                    .iter()
                    .find(|i| i.name == constraint)
                    .map(|i| {
                        i.columns
                            .iter()
                            .filter_map(|(t, _)| schema.tag_index(*t))
                            .collect()
                    });
                if let Some(positions) = positions
                    && let Some(other) = writer.conflict(row, Some(&positions))?
                    && other.as_slice() != key
                {
                    violation(&other, description)?;
                }
                writer.index_row_unchecked(key, row)?;
            }
            other => other?,
        }
        Ok(())
    };
    let mut changed = BTreeSet::new();
    for change in our_rows.diff(&rows)? {
        let change = change?;
        if let Some(old) = &change.old {
            writer.unindex_row(&change.key, &indexed.decode(&change.key, old)?)?;
        }
        if let Some(new) = &change.new {
            let row = indexed.decode(&change.key, new)?;
            check_row(&mut writer, &change.key, &row)?;
        }
        changed.insert(change.key);
    }
    if ours_rekeyed || constraints_added(&ours.schema, &schema) {
        for entry in rows.iter()? {
            let (key, value) = entry?;
            if !changed.contains(&key) {
                let row = indexed.decode(&key, &value)?;
                check_row(&mut writer, &key, &row)?;
            }
        }
    }
    let written = writer.finish()?;
    object.indexes = written.indexes;
    object.rows = rows.root();
    Ok(Ok((object, conflicts)))
}

/// Whether `merged` holds a constraint that `ours` did not: a CHECK, a NOT
/// NULL, or an index (ours' rows were never checked against it).
fn constraints_added(ours: &arbor_schema::TableSchema, merged: &arbor_schema::TableSchema) -> bool {
    let new_check = merged.checks.iter().any(|c| !ours.checks.contains(c));
    let new_index = merged.indexes.iter().any(|i| !ours.indexes.contains(i));
    let new_not_null = merged
        .columns
        .iter()
        .any(|c| !c.nullable && ours.column_by_tag(c.tag).is_none_or(|o| o.nullable));
    new_check || new_index || new_not_null
}

/// A column one side dropped whose values the other side changed in some
/// rows: the merge would lose those edits without a word, so the table
/// conflicts (Git's modify/delete, for a column). Rows the other side
/// added are not edits of the column and merge as rows without it.
fn dropped_column_changed(
    repo: &Repository,
    base: &Table,
    ours: &Table,
    theirs: &Table,
    merged: &arbor_schema::TableSchema,
) -> Result<Option<String>> {
    for column in &base.schema.columns {
        if merged.column_by_tag(column.tag).is_some() {
            continue;
        }
        let (kept_by, dropped_by, side) = match (
            ours.schema.column_by_tag(column.tag),
            theirs.schema.column_by_tag(column.tag),
        ) {
            (Some(_), None) => ("ours", "theirs", ours),
            (None, Some(_)) => ("theirs", "ours", theirs),
            _ => continue,
        };
        let (Some(in_base), Some(in_side)) = (
            base.schema.tag_index(column.tag),
            side.schema.tag_index(column.tag),
        ) else {
            continue;
        };
        let mut edited = 0u64;
        for change in repo
            .map(base.object.rows)?
            .diff(&repo.map(side.object.rows)?)?
        {
            let change = change?;
            let (Some(old), Some(new)) = (&change.old, &change.new) else {
                continue;
            };
            let before = base.decode(&change.key, old)?;
            let after = side.decode(&change.key, new)?;
            if before[in_base] != after[in_side] {
                edited += 1;
            }
        }
        if edited > 0 {
            return Ok(Some(format!(
                "schema conflict: column {} was dropped by {dropped_by} and changed by \
                 {kept_by} in {edited} row{}",
                column.name,
                if edited == 1 { "" } else { "s" }
            )));
        }
    }
    Ok(None)
}

/// The rows of `side` (one version of a keyless table) under `merged`'s
/// content keys: as stored when they encode alike, else each row read
/// under its schema, mapped to the merged columns by tag (`tags` maps a
/// tag of the side to the merged one where they differ) and keyed again.
fn content_rows(
    repo: &Repository,
    side: &Table,
    merged: &Table,
    tags: &[(u32, u32)],
) -> Result<arbor_merkle::ProllyMap> {
    let sources = column_sources(side, merged, tags);
    // Rows are keyed alike when every column of the side is a merged
    // column of the same tag and type, in the same order, and a merged
    // column the side lacks reads as NULL (which neither values nor keys
    // hold).
    let alike = side.identity() == crate::table::RowIdentity::Content
        && tags.is_empty()
        && side.schema.columns.len() == sources.iter().flatten().count()
        && sources.iter().flatten().is_sorted()
        && merged
            .schema
            .columns
            .iter()
            .zip(&sources)
            .all(|(c, s)| match s {
                Some(i) => side.schema.columns[*i].data_type == c.data_type,
                None => c.missing.is_none(),
            });
    if alike {
        return repo.map(side.object.rows);
    }
    let mut bare = (*merged.schema).clone();
    bare.indexes.clear();
    let bare = Arc::new(bare);
    let empty = crate::table::empty_table(repo, &bare)?;
    let mut writer = TableWriter::new(repo, Table::new(bare, empty))?;
    for entry in repo.map(side.object.rows)?.iter()? {
        let (key, value) = entry?;
        let row = side.decode(&key, &value)?;
        writer.insert(&merged_row(merged, &sources, &row))?;
    }
    repo.map(writer.finish()?.rows)
}

/// Merges the rows of a keyless table by count, as Dolt does: each group
/// of equal rows ends with ours' count plus what theirs added or removed
/// since the base (never below none). Equal rows have no identity to
/// conflict over, so nothing conflicts.
fn merge_counts(
    base: &arbor_merkle::ProllyMap,
    ours: &arbor_merkle::ProllyMap,
    theirs: &arbor_merkle::ProllyMap,
    table: &Table,
) -> Result<arbor_merkle::ProllyMap> {
    // Per group their change in rows, and the rows' encoded values.
    let mut changes: BTreeMap<Vec<u8>, (i64, Option<Vec<u8>>)> = BTreeMap::new();
    for change in base.diff(theirs)? {
        let change = change?;
        let group = table.group_of(&change.key)?.to_vec();
        let entry = changes.entry(group).or_insert((0, None));
        entry.0 += i64::from(change.new.is_some()) - i64::from(change.old.is_some());
        if change.new.is_some() {
            entry.1 = change.new;
        }
    }
    let mut edits = Vec::new();
    for (group, (delta, value)) in changes {
        if delta == 0 {
            continue;
        }
        let mut our_len = 0u64;
        for entry in ours.prefix(&group)? {
            entry?;
            our_len += 1;
        }
        let len = u64::try_from(
            i64::try_from(our_len)
                .unwrap_or(i64::MAX)
                .saturating_add(delta),
        )
        .unwrap_or(0);
        for ordinal in len.min(our_len)..len.max(our_len) {
            edits.push(Edit {
                key: table.content_key(&group, ordinal),
                value: if len > our_len { value.clone() } else { None },
            });
        }
    }
    Ok(ours.edit(edits)?)
}

/// For each column of `merged`, the position of the column of `side` that
/// feeds it (`tags` maps a tag of the side to the merged one where they
/// differ), if the side has one.
fn column_sources(side: &Table, merged: &Table, tags: &[(u32, u32)]) -> Vec<Option<usize>> {
    merged
        .schema
        .columns
        .iter()
        .map(|c| {
            let side_tag = tags
                .iter()
                .find(|(_, m)| *m == c.tag)
                .map_or(c.tag, |(t, _)| *t);
            side.schema.tag_index(side_tag)
        })
        .collect()
}

/// A side's `row` as a row of `merged` (see [`column_sources`]): a column
/// the side lacks reads as its default for old rows, or NULL.
fn merged_row(merged: &Table, sources: &[Option<usize>], row: &[Value]) -> Vec<Value> {
    merged
        .schema
        .columns
        .iter()
        .zip(sources)
        .map(|(c, s)| match s {
            Some(i) => row[*i].clone(),
            None => c.missing.clone().unwrap_or(Value::Null),
        })
        .collect()
}

/// Their rows with their columns under the merged schema's tags, where the
/// two sides gave one new column different tags (both added it): the rows
/// they changed since the base are re-encoded; the rest are the base's.
fn retag_rows(
    base_rows: &arbor_merkle::ProllyMap,
    their_rows: &arbor_merkle::ProllyMap,
    theirs: &Table,
    merged: &Table,
    their_tags: &[(u32, u32)],
) -> Result<arbor_merkle::ProllyMap> {
    let sources = column_sources(theirs, merged, their_tags);
    let mut edits = Vec::new();
    for change in base_rows.diff(their_rows)? {
        let change = change?;
        let value = match &change.new {
            None => None,
            Some(v) => {
                let row = theirs.decode(&change.key, v)?;
                Some(merged.encode_value(&merged_row(merged, &sources, &row)))
            }
        };
        edits.push(Edit {
            key: change.key,
            value,
        });
    }
    Ok(base_rows.edit(edits)?)
}

/// Settles a row both sides changed: cell by cell where both kept it.
fn resolve_row(
    table: &str,
    c: &Collision<'_>,
    merged: &Table,
    same: SameChange,
    conflicts: &mut Vec<Conflict>,
) -> arbor_merkle::Result<Resolution> {
    let mut conflict = |description: &str| {
        conflicts.push(Conflict {
            table: table.to_owned(),
            key: c.key.to_vec(),
            description: description.to_owned(),
            versions: [
                c.base.map(<[u8]>::to_vec),
                c.ours.map(<[u8]>::to_vec),
                c.theirs.map(<[u8]>::to_vec),
            ],
        });
        Ok(Resolution::Ours)
    };
    let (ours, theirs) = match (c.ours, c.theirs) {
        // Two transactions that each deleted the row each counted it.
        (None, None) if same == SameChange::Collides => return conflict("deleted by both sides"),
        (None, None) => return Ok(Resolution::Delete),
        (Some(o), Some(t)) => (o, t),
        (None, Some(_)) => return conflict("deleted by ours and changed by theirs"),
        (Some(_), None) => return conflict("changed by ours and deleted by theirs"),
    };
    let decode = |v: &[u8]| merged.decode(c.key, v).ok();
    let (Some(o), Some(t)) = (decode(ours), decode(theirs)) else {
        return conflict("a row does not decode under the merged schema");
    };
    let b = c.base.and_then(decode);
    let mut row = o.clone();
    let mut clashes = Vec::new();
    for i in 0..row.len() {
        let base_cell = b.as_ref().map(|b| &b[i]);
        let (ov, tv) = (&o[i], &t[i]);
        row[i] = if base_cell == Some(tv) || (ov == tv && same == SameChange::Agrees) {
            ov.clone()
        } else if base_cell == Some(ov) {
            tv.clone()
        } else if same == SameChange::Collides {
            clashes.push(merged.schema.columns[i].name.clone());
            ov.clone()
        } else if let (Some(Value::Jsonb(bj)), Value::Jsonb(oj), Value::Jsonb(tj)) =
            (base_cell, ov, tv)
        {
            match arbor_jsonb::merge(bj, oj, tj) {
                Ok(j) => Value::Jsonb(j),
                Err(json_conflicts) => {
                    let paths: Vec<String> = json_conflicts
                        .iter()
                        .map(|jc| {
                            jc.path
                                .iter()
                                .map(|p| p.to_string())
                                .collect::<Vec<_>>()
                                .join(".")
                        })
                        .collect();
                    clashes.push(format!(
                        "{} at {}",
                        merged.schema.columns[i].name,
                        paths.join(", ")
                    ));
                    ov.clone()
                }
            }
        } else {
            clashes.push(merged.schema.columns[i].name.clone());
            ov.clone()
        };
    }
    if !clashes.is_empty() {
        return conflict(&format!("both sides changed {}", clashes.join(", ")));
    }
    Ok(Resolution::Value(merged.encode_value(&row)))
}
