//! Constraint violations a merge brings: rows that break a foreign key
//! once both sides' changes are together, recorded as conflicts; and the
//! check that none is left when a table's conflicts are resolved or the
//! merge is committed (a commit never stores rows that break a constraint).

use std::collections::BTreeSet;

use arbor_schema::Value;

use super::Conflict;
use crate::error::{Error, Result, SqlState};
use crate::objects::{Catalog, TableObject};
use crate::repo::Repository;
use crate::table::{
    CheckBinder, Table, TableWriter, bind_foreign_key, check_not_referenced, check_parent_exists,
};

/// Foreign keys across the merged tables, checked where the merge changed
/// rows (from ours to merged): a child row it wrote must find its parent,
/// and a parent row it removed or changed must not be referenced still.
/// Each violation is a conflict on the offending row.
pub(super) fn foreign_key_violations(
    repo: &Repository,
    base: &Catalog,
    ours: &Catalog,
    theirs: &Catalog,
    merged: &Catalog,
    conflicts: &mut Vec<Conflict>,
) -> Result<()> {
    let rows_of = |catalog: &Catalog, name: &str| -> Result<arbor_merkle::ProllyMap> {
        match catalog.tables.get(name) {
            Some(a) => repo.map(repo.read_table(a)?.rows),
            None => repo.empty_map(),
        }
    };
    let mut record = |table: &str, key: &[u8], description: String| -> Result<()> {
        conflicts.push(Conflict {
            table: table.to_owned(),
            key: key.to_vec(),
            description,
            versions: [
                rows_of(base, table)?.get(key)?,
                rows_of(ours, table)?.get(key)?,
                rows_of(theirs, table)?.get(key)?,
            ],
        });
        Ok(())
    };
    for (child_name, child_address) in &merged.tables {
        let child = Table::from_object(repo.read_table(child_address)?)?;
        for fk in &child.schema.foreign_keys {
            let parent = if fk.referenced_table == *child_name {
                child.clone()
            } else {
                match merged.tables.get(&fk.referenced_table) {
                    Some(a) => Table::from_object(repo.read_table(a)?)?,
                    None => continue,
                }
            };
            let check = bind_foreign_key(fk, &child, &parent)?;
            let merged_child = repo.map(child.object.rows)?;
            // Rows the merge wrote; every row where the key is new to ours
            // (theirs added it: our rows never met it).
            let ours_had_it = match ours.tables.get(child_name) {
                Some(a) => Table::from_object(repo.read_table(a)?)?
                    .schema
                    .foreign_keys
                    .contains(fk),
                None => false,
            };
            let from = if ours_had_it {
                rows_of(ours, child_name)?
            } else {
                repo.empty_map()?
            };
            for change in from.diff(&merged_child)? {
                let change = change?;
                let Some(new) = &change.new else { continue };
                let row = child.decode(&change.key, new)?;
                if check_parent_exists(repo, &check, &row, None).is_err() {
                    record(
                        child_name,
                        &change.key,
                        format!(
                            "the merged row violates foreign key constraint \"{}\": its {} row is missing",
                            fk.name, fk.referenced_table
                        ),
                    )?;
                }
            }
            let merged_parent = repo.map(parent.object.rows)?;
            let ours_parent = match ours.tables.get(&fk.referenced_table) {
                Some(a) => Table::from_object(repo.read_table(a)?)?,
                None => continue,
            };
            for change in rows_of(ours, &fk.referenced_table)?.diff(&merged_parent)? {
                let change = change?;
                let Some(old) = &change.old else { continue };
                let Some(old_row) = remap(
                    &ours_parent,
                    &parent,
                    &ours_parent.decode(&change.key, old)?,
                ) else {
                    continue;
                };
                // Only rows that are gone, or whose referenced values changed.
                if let Some(new) = &change.new {
                    let new_row = parent.decode(&change.key, new)?;
                    let same = check
                        .parent_columns
                        .iter()
                        .all(|&c| new_row.get(c) == old_row.get(c));
                    if same {
                        continue;
                    }
                }
                if check_not_referenced(repo, &check, &old_row).is_err() {
                    record(
                        &fk.referenced_table,
                        &change.key,
                        format!(
                            "the merge removed a row that {} still references through foreign key constraint \"{}\"",
                            child_name, fk.name
                        ),
                    )?;
                }
            }
        }
    }
    Ok(())
}

/// A row of `from` in the column order of `to` (by tag), if every column
/// of `to` is in `from`.
fn remap(from: &Table, to: &Table, row: &[Value]) -> Option<Vec<Value>> {
    to.schema
        .columns
        .iter()
        .map(|c| from.schema.tag_index(c.tag).map(|i| row[i].clone()))
        .collect()
}

/// What to do about a violation found after a merge.
const VIOLATION_HINT: &str = "the merge brought rows that break it: change or delete them \
    (UPDATE, DELETE), then resolve or commit again";

/// Checks every constraint that involves table `name` of `catalog` over all
/// its rows: NOT NULL and CHECK, its unique indexes, its foreign keys, and
/// the foreign keys of tables that reference it. Relations with a table in
/// `pending` (whose conflicts are not resolved yet) are left for when they
/// are. The first violation is the error.
pub fn verify_table(
    repo: &Repository,
    checks: &dyn CheckBinder,
    catalog: &Catalog,
    name: &str,
    pending: &BTreeSet<String>,
) -> Result<()> {
    let Some(address) = catalog.tables.get(name) else {
        return Ok(());
    };
    let table = Table::from_object(repo.read_table(address)?)?;
    let bound = checks.bind_checks(&table.schema)?;
    // The indexes rebuilt from nothing, so that a duplicate anywhere shows.
    let empty = repo.empty_map()?.root();
    let fresh = Table::new(
        table.schema.clone(),
        TableObject {
            indexes: table
                .object
                .indexes
                .iter()
                .map(|(n, _)| (n.clone(), empty))
                .collect(),
            ..table.object.clone()
        },
    );
    let mut writer = TableWriter::new(repo, fresh)?;
    let rows = repo.map(table.object.rows)?;
    for entry in rows.iter()? {
        let (key, value) = entry?;
        let row = table.decode(&key, &value)?;
        if let Some(what) = writer.violation(&row, &bound)? {
            let code = if what.starts_with("violates NOT NULL") {
                SqlState::NotNullViolation
            } else {
                SqlState::CheckViolation
            };
            return Err(
                Error::new(code, format!("a row of table \"{name}\" {what}"))
                    .with_detail(crate::table::failing_row(&row))
                    .with_table(name)
                    .with_hint(VIOLATION_HINT),
            );
        }
        writer
            .index_row(&key, &row)
            .map_err(|e| e.with_hint(VIOLATION_HINT))?;
    }
    let tables = |n: &str| -> Result<Option<Table>> {
        catalog
            .tables
            .get(n)
            .map(|a| Table::from_object(repo.read_table(a)?))
            .transpose()
    };
    // Its own foreign keys, then those that point at it.
    let mut relations = Vec::new();
    for fk in &table.schema.foreign_keys {
        if pending.contains(&fk.referenced_table) {
            continue;
        }
        if let Some(parent) = tables(&fk.referenced_table)? {
            relations.push((fk.clone(), table.clone(), parent));
        }
    }
    for other in catalog.tables.keys() {
        if other == name || pending.contains(other) {
            continue;
        }
        if let Some(child) = tables(other)? {
            for fk in &child.schema.foreign_keys {
                if fk.referenced_table == name {
                    relations.push((fk.clone(), child.clone(), table.clone()));
                }
            }
        }
    }
    for (fk, child, parent) in relations {
        let check = bind_foreign_key(&fk, &child, &parent)?;
        for entry in repo.map(child.object.rows)?.iter()? {
            let (key, value) = entry?;
            let row = child.decode(&key, &value)?;
            check_parent_exists(repo, &check, &row, None)
                .map_err(|e| e.with_hint(VIOLATION_HINT))?;
        }
    }
    Ok(())
}

/// Checks every table of `merged` that differs from `ours` (see
/// [`verify_table`]): what committing a merge must hold to.
pub fn verify_merged(
    repo: &Repository,
    checks: &dyn CheckBinder,
    ours: &Catalog,
    merged: &Catalog,
) -> Result<()> {
    let none = BTreeSet::new();
    for (name, address) in &merged.tables {
        if ours.tables.get(name) != Some(address) {
            verify_table(repo, checks, merged, name, &none)?;
        }
    }
    Ok(())
}
