//! Constraint violations a merge brings: rows that break a foreign key
//! once both sides' changes are together, recorded as conflicts.

use arbor_schema::Value;

use super::Conflict;
use crate::error::Result;
use crate::objects::Catalog;
use crate::repo::Repository;
use crate::table::{Table, bind_foreign_key, check_not_referenced, check_parent_exists};

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
            for change in rows_of(ours, child_name)?.diff(&merged_child)? {
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
