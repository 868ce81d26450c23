//! Whole table objects built at once: an empty table, indexes filled from
//! a table's rows (CREATE INDEX, and merges that bring new indexes), and a
//! keyless table re-keyed by content.

use std::sync::Arc;

use arbor_schema::TableSchema;

use super::{Table, TableWriter};
use crate::error::Result;
use crate::objects::TableObject;
use crate::repo::Repository;

/// The object of an empty table with `schema`.
pub fn empty_table(repo: &Repository, schema: &TableSchema) -> Result<TableObject> {
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
        next_row_id: 0,
    })
}

/// `table`, a keyless table, with every row stored under its content key
/// (see the module `table`), whatever its rows were keyed by: a table
/// stored keyed by a hidden counter, or rows read under another schema.
/// The rows were valid together, so nothing is checked again.
pub fn keyed_by_content(repo: &Repository, table: &Table) -> Result<Table> {
    let object = empty_table(repo, &table.schema)?;
    let mut writer = TableWriter::new(repo, Table::new(table.schema.clone(), object))?;
    for entry in repo.map(table.object.rows)?.iter()? {
        let (key, value) = entry?;
        writer.insert(&table.decode(&key, &value)?)?;
    }
    Ok(Table::new(table.schema.clone(), writer.finish()?))
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::sync::Arc;

    use arbor_merkle::{ChunkStore, Edit, MemoryStore};
    use arbor_schema::key::{KeyColumn, encode_key};
    use arbor_schema::table::Index;
    use arbor_schema::{DataType, TableSchema, Value};

    use super::*;
    use crate::objects::Signature;
    use crate::table::RowIdentity;

    fn rows(repo: &Repository, table: &Table) -> Vec<Vec<Value>> {
        let mut rows: Vec<Vec<Value>> = repo
            .map(table.object.rows)
            .unwrap()
            .iter()
            .unwrap()
            .map(|e| {
                let (k, v) = e.unwrap();
                table.decode(&k, &v).unwrap()
            })
            .collect();
        rows.sort_by(|a, b| a[0].sql_cmp(&b[0]).unwrap());
        rows
    }

    /// A keyless table as earlier versions stored it: rows under a hidden
    /// counter, the next id in the object. It reads as it is, and a writer
    /// re-keys it by content, indexes included, deleting by the old keys.
    #[test]
    fn a_table_keyed_by_a_hidden_counter_is_read_and_rekeyed_when_written() {
        let store: Arc<dyn ChunkStore> = Arc::new(MemoryStore::new());
        let author = Signature {
            name: "T".into(),
            email: "t@example.com".into(),
            time: 0,
            offset_minutes: 0,
        };
        let repo = Repository::init(store, "main", &author).unwrap();
        let mut schema = TableSchema::new("t");
        let n = schema.add_column("n", DataType::Integer, true);
        schema.indexes.push(Index {
            name: "t_n".into(),
            columns: vec![(n, false)],
            unique: false,
        });
        let schema = Arc::new(schema);
        let layout = Table::new(schema.clone(), empty_table(&repo, &schema).unwrap());
        let id_key =
            |i: i64| encode_key(&[Value::BigInt(i)], &[KeyColumn::asc(DataType::BigInt)]).unwrap();
        let values = [1, 2, 1];
        let edits = values.iter().enumerate().map(|(i, v)| Edit {
            key: id_key(i as i64),
            value: Some(layout.encode_value(&[Value::Integer(*v)])),
        });
        let legacy_rows = repo.empty_map().unwrap().edit(edits).unwrap();
        let legacy = Table::new(
            schema.clone(),
            TableObject {
                rows: legacy_rows.root(),
                next_row_id: 3,
                ..empty_table(&repo, &schema).unwrap()
            },
        );
        assert_eq!(legacy.identity(), RowIdentity::HiddenCounter);
        let ints =
            |r: &[Vec<Value>]| -> Vec<String> { r.iter().map(|v| v[0].to_string()).collect() };
        assert_eq!(ints(&rows(&repo, &legacy)), ["1", "1", "2"]);

        let mut writer = TableWriter::new(&repo, legacy.clone()).unwrap();
        writer.delete(&id_key(0), &[Value::Integer(1)]).unwrap();
        writer.insert(&[Value::Integer(3)]).unwrap();
        let written = Table::new(schema.clone(), writer.finish().unwrap());
        assert_eq!(written.identity(), RowIdentity::Content);
        assert_eq!(ints(&rows(&repo, &written)), ["1", "2", "3"]);

        // The same rows written anew make the same table, indexes included.
        let mut fresh = TableWriter::new(&repo, layout).unwrap();
        for v in [3, 1, 2] {
            fresh.insert(&[Value::Integer(v)]).unwrap();
        }
        assert_eq!(fresh.finish().unwrap(), written.object);
    }
}
