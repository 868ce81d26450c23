//! Writing rows: inserts, updates and deletes, with secondary indexes kept
//! in step and uniqueness enforced.
//!
//! A [`TableWriter`] collects the changes of one statement to one table as
//! sorted edits of its primary index and of each secondary index, then
//! applies them in one batch per map. Nothing is visible until the statement
//! publishes the table's new object.
//!
//! A secondary index is a prolly map whose keys are the encoded index
//! columns followed by the encoded primary key (both encodings are
//! prefix-free, so the pair sorts by index value, then by row), with empty
//! values. A unique index is checked by scanning the prefix of the index
//! values: any entry for another row is a violation. As in PostgreSQL, NULLs
//! never conflict.

use std::collections::BTreeMap;

use arbor_merkle::{Edit, ProllyMap};
use arbor_schema::key::{KeyColumn, encode_key};
use arbor_schema::{TableSchema, Value};

use super::eval::cast;
use super::execution::Row;
use super::table::{Table, value_error};
use crate::error::{Error, Result, sqlstate};
use crate::objects::TableObject;
use crate::repo::Repository;

/// One secondary index as the writer maintains it.
#[derive(Debug)]
struct IndexState {
    name: String,
    unique: bool,
    positions: Vec<usize>,
    columns: Vec<KeyColumn>,
    map: ProllyMap,
    /// Pending edits: key to present (true) or deleted (false).
    edits: BTreeMap<Vec<u8>, bool>,
}

/// Collects one statement's changes to one table.
#[derive(Debug)]
pub struct TableWriter {
    table: Table,
    map: ProllyMap,
    /// Pending primary-index edits: key to new value, or `None` to delete.
    edits: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    indexes: Vec<IndexState>,
    next_row_id: u64,
}

impl TableWriter {
    /// A writer for `table`.
    pub fn new(repo: &Repository, table: Table) -> Result<TableWriter> {
        let map = repo.map(table.object.rows)?;
        let mut indexes = Vec::new();
        for def in &table.schema.indexes {
            let root = table
                .object
                .indexes
                .iter()
                .find(|(n, _)| *n == def.name)
                .map(|(_, a)| *a)
                .ok_or_else(|| {
                    Error::new(
                        sqlstate::DATA_CORRUPTED,
                        format!("index \"{}\" has no data", def.name),
                    )
                })?;
            indexes.push(index_state(&table.schema, def, repo.map(root)?)?);
        }
        let next_row_id = table.object.next_row_id;
        Ok(TableWriter {
            table,
            map,
            edits: BTreeMap::new(),
            indexes,
            next_row_id,
        })
    }

    /// The table being written.
    pub fn table(&self) -> &Table {
        &self.table
    }

    /// Coerces a full row to the column types and checks NOT NULL.
    pub fn conform(&self, row: Row) -> Result<Row> {
        let schema = &self.table.schema;
        let mut out = Vec::with_capacity(row.len());
        for (v, c) in row.into_iter().zip(&schema.columns) {
            let v = cast(v, &c.data_type).map_err(|e| {
                if e.code == "22P02" || e.code == "42846" {
                    Error::new(
                        sqlstate::DATATYPE_MISMATCH,
                        format!(
                            "column \"{}\" is of type {} but expression is of another type",
                            c.name, c.data_type
                        ),
                    )
                    .with_hint("You will need to rewrite or cast the expression.")
                    .with_detail(e.message)
                } else {
                    e
                }
            })?;
            if v.is_null() && !c.nullable {
                return Err(Error::new(
                    sqlstate::NOT_NULL_VIOLATION,
                    format!(
                        "null value in column \"{}\" of relation \"{}\" violates not-null constraint",
                        c.name, schema.name
                    ),
                ));
            }
            out.push(v);
        }
        Ok(out)
    }

    fn present(&self, key: &[u8]) -> Result<bool> {
        match self.edits.get(key) {
            Some(v) => Ok(v.is_some()),
            None => Ok(self.map.contains_key(key)?),
        }
    }

    /// Inserts a conformed row. `row_id` keeps a row's hidden id across an
    /// update; `None` assigns a new one.
    pub fn insert(&mut self, row: &[Value], row_id: Option<i64>) -> Result<()> {
        let row_id = if self.table.has_row_id() {
            Some(match row_id {
                Some(id) => id,
                None => {
                    let id = i64::try_from(self.next_row_id)
                        .map_err(|_| Error::new("22003", "row id out of range"))?;
                    self.next_row_id += 1;
                    id
                }
            })
        } else {
            None
        };
        let key = self.table.encode_key(row, row_id)?;
        if self.present(&key)? {
            return Err(self.duplicate(
                &format!("{}_pkey", self.table.name()),
                &self.table.schema.primary_key,
                row,
            ));
        }
        for i in 0..self.indexes.len() {
            let (index_key, prefix, has_null) = self.index_key(i, row, &key)?;
            let idx = &self.indexes[i];
            if idx.unique && !has_null && self.prefix_taken(i, &prefix, &index_key)? {
                let tags: Vec<u32> = idx
                    .positions
                    .iter()
                    .map(|p| self.table.schema.columns[*p].tag)
                    .collect();
                return Err(self.duplicate(&idx.name, &tags, row));
            }
            self.indexes[i].edits.insert(index_key, true);
        }
        self.edits.insert(key, Some(self.table.encode_value(row)));
        Ok(())
    }

    /// Deletes the row stored under `key`, whose values are `row`.
    pub fn delete(&mut self, key: &[u8], row: &[Value]) -> Result<()> {
        for i in 0..self.indexes.len() {
            let (index_key, _, _) = self.index_key(i, row, key)?;
            self.indexes[i].edits.insert(index_key, false);
        }
        self.edits.insert(key.to_vec(), None);
        Ok(())
    }

    /// The index entry key for `row`, the prefix of its index values, and
    /// whether any index value is NULL.
    fn index_key(
        &self,
        i: usize,
        row: &[Value],
        primary_key: &[u8],
    ) -> Result<(Vec<u8>, Vec<u8>, bool)> {
        let idx = &self.indexes[i];
        let values: Vec<Value> = idx.positions.iter().map(|p| row[*p].clone()).collect();
        let has_null = values.iter().any(Value::is_null);
        let prefix = encode_key(&values, &idx.columns).map_err(value_error)?;
        let mut key = prefix.clone();
        key.extend_from_slice(primary_key);
        Ok((key, prefix, has_null))
    }

    /// Whether an entry other than `own` starts with `prefix` in index `i`.
    fn prefix_taken(&self, i: usize, prefix: &[u8], own: &[u8]) -> Result<bool> {
        let idx = &self.indexes[i];
        for (k, present) in idx.edits.range(prefix.to_vec()..) {
            if !k.starts_with(prefix) {
                break;
            }
            if *present && k.as_slice() != own {
                return Ok(true);
            }
        }
        for entry in idx.map.prefix(prefix)? {
            let (k, _) = entry?;
            let deleted = idx.edits.get(&k) == Some(&false);
            if !deleted && k != own {
                return Ok(true);
            }
        }
        Ok(false)
    }

    fn duplicate(&self, constraint: &str, tags: &[u32], row: &[Value]) -> Error {
        let schema = &self.table.schema;
        let positions: Vec<usize> = tags.iter().filter_map(|t| schema.tag_index(*t)).collect();
        let names: Vec<&str> = positions
            .iter()
            .map(|i| schema.columns[*i].name.as_str())
            .collect();
        let values: Vec<String> = positions.iter().map(|i| row[*i].to_string()).collect();
        Error::new(
            sqlstate::UNIQUE_VIOLATION,
            format!("duplicate key value violates unique constraint \"{constraint}\""),
        )
        .with_detail(format!(
            "Key ({})=({}) already exists.",
            names.join(", "),
            values.join(", ")
        ))
    }

    /// Applies every pending edit and returns the table's new object.
    pub fn finish(self) -> Result<TableObject> {
        let rows = self
            .map
            .edit(
                self.edits
                    .into_iter()
                    .map(|(key, value)| Edit { key, value }),
            )?
            .root();
        let mut indexes = Vec::with_capacity(self.indexes.len());
        for idx in self.indexes {
            let edits = idx.edits.into_iter().map(|(key, present)| Edit {
                key,
                value: present.then(Vec::new),
            });
            indexes.push((idx.name, idx.map.edit(edits)?.root()));
        }
        indexes.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(TableObject {
            schema: self.table.object.schema.clone(),
            rows,
            indexes,
            next_row_id: self.next_row_id,
        })
    }
}

fn index_state(
    schema: &TableSchema,
    def: &arbor_schema::table::Index,
    map: ProllyMap,
) -> Result<IndexState> {
    let mut positions = Vec::new();
    let mut columns = Vec::new();
    for (tag, descending) in &def.columns {
        let p = schema.tag_index(*tag).ok_or_else(|| {
            Error::new(
                sqlstate::DATA_CORRUPTED,
                format!("index \"{}\" names a missing column", def.name),
            )
        })?;
        positions.push(p);
        let mut c = KeyColumn::asc(schema.columns[p].data_type.clone());
        if *descending {
            c = KeyColumn::desc(schema.columns[p].data_type.clone());
        }
        columns.push(c);
    }
    Ok(IndexState {
        name: def.name.clone(),
        unique: def.unique,
        positions,
        columns,
        map,
        edits: BTreeMap::new(),
    })
}
