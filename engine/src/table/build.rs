//! Whole table objects built at once: an empty table, and indexes filled
//! from a table's rows (CREATE INDEX, and merges that bring new indexes).

use std::sync::Arc;

use arbor_schema::TableSchema;

use super::{Table, TableWriter};
use crate::error::Result;
use crate::objects::TableObject;
use crate::repo::Repository;

/// The object of an empty table with `schema`.
pub fn empty_table(
    repo: &Repository,
    schema: &TableSchema,
    next_row_id: u64,
) -> Result<TableObject> {
    let empty = repo.empty_map()?.root();
    let mut indexes: Vec<(String, _)> = schema
        .indexes
        .iter()
        .map(|i| (i.name.clone(), empty))
        .collect();
    indexes.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(TableObject {
        schema: schema.encode(),
        rows: empty,
        indexes,
        next_row_id,
    })
}

/// Fills the indexes of `table` that have no data yet (those its schema
/// lists but its object lacks) from its rows, checking uniqueness.
pub fn fill_new_indexes(repo: &Repository, table: Table) -> Result<TableObject> {
    let empty = repo.empty_map()?.root();
    let mut object = table.object.clone();
    object
        .indexes
        .retain(|(n, _)| table.schema.indexes.iter().any(|i| i.name == *n));
    let missing: Vec<String> = table
        .schema
        .indexes
        .iter()
        .filter(|i| !object.indexes.iter().any(|(n, _)| *n == i.name))
        .map(|i| i.name.clone())
        .collect();
    if missing.is_empty() {
        return Ok(object);
    }
    // Start the new indexes empty, then insert every row through a writer
    // that sees only them: the others already hold these rows.
    let mut only_new = (*table.schema).clone();
    only_new.indexes.retain(|i| missing.contains(&i.name));
    let building = Table::new(
        Arc::new(only_new),
        TableObject {
            indexes: missing.iter().map(|n| (n.clone(), empty)).collect(),
            ..object.clone()
        },
    );
    let rows = repo.map(object.rows)?;
    let mut writer = TableWriter::new(repo, building)?;
    for entry in rows.iter()? {
        let (key, value) = entry?;
        let row = writer.table().decode(&key, &value)?;
        writer.index_row(&key, &row)?;
    }
    let built = writer.finish()?;
    object.indexes.extend(built.indexes);
    object.indexes.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(object)
}
