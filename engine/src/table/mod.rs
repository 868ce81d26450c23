//! # Tables: rows and indexes over prolly maps
//!
//! The layer between the repository's objects and everything that reads or
//! writes rows (version control and SQL alike). A [`Table`] is a schema over
//! a stored [`TableObject`]: its primary index maps the encoded primary key
//! (see `arbor_schema::key`) to the encoded non-key columns (see
//! `arbor_schema::row`).
//!
//! A table without a declared primary key (keyless) is keyed by its rows'
//! contents, as Dolt keys them: a row's key is its content group (the
//! first 32 bytes of its non-NULL values encoded as an ascending key, so
//! scans read rows roughly in order of their first column, then the first 16 bytes of
//! the BLAKE3 hash of its encoded values), then an ordinal among the rows
//! with those values (`0..n` for `n` equal rows). The invariant the writer keeps
//! is that the ordinals of a group are exactly `0..n`, so equal contents
//! are equal trees whatever order rows came in, and a diff or merge of two
//! versions is about the rows that differ. Tables stored by earlier
//! versions of Arbor keyed keyless rows by a hidden counter (kept in the
//! table object's `next_row_id`, non-zero for them); they read as they are
//! and are re-keyed by content the first time they are written.
//!
//! - `writer`: [`TableWriter`], one statement's (or merge's) edits to a
//!   table with its secondary indexes kept in step and uniqueness enforced;
//!   [`conform`], a row coerced to the column types with NOT NULL and CHECK;
//! - `check`: CHECK constraints as the [`RowCheck`] trait, bound by the SQL
//!   layer's [`CheckBinder`] (the text of a check is SQL, which this layer
//!   does not read);
//! - `foreign_key`: foreign keys bound to positions, parent and child
//!   lookups;
//! - `build`: whole objects at once: an empty table, new indexes filled;
//! - `sequences`: sequence state as the catalog keeps it.
//!
//! This layer uses `objects` and `repo` only; `vc` and `sql` use it.

mod build;
mod check;
mod foreign_key;
pub mod sequences;
mod writer;

pub use build::{empty_table, fill_new_indexes};
pub use check::{CheckBinder, Checks, RowCheck};
pub use foreign_key::{
    ForeignKeyCheck, bind_foreign_key, check_not_referenced, check_parent_exists,
};
pub(crate) use writer::index_columns;
pub use writer::{TableWriter, conform_in_place, failing_row};

/// A row: one value per column, in schema order.
pub type Row = Vec<Value>;

use std::sync::Arc;

use arbor_schema::key::{KeyColumn, decode_key, decode_key_prefix, encode_key_into};
use arbor_schema::row::{RowColumn, decode_row_into, encode_row_into};
use arbor_schema::{DataType, TableSchema, Value};

use crate::error::{Error, Result};
use crate::objects::TableObject;

/// A table: its schema and stored object.
#[derive(Clone, Debug)]
pub struct Table {
    /// The schema, decoded.
    pub schema: Arc<TableSchema>,
    /// The stored object (rows root, indexes, counters).
    pub object: TableObject,
    layout: Arc<Layout>,
}

/// How a table's rows are keyed (see the module documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowIdentity {
    /// By the declared primary key's columns.
    PrimaryKey,
    /// By the hash of the row's values and an ordinal among equal rows.
    Content,
    /// By a hidden counter: keyless tables stored by earlier versions.
    HiddenCounter,
}

/// Bytes of a row's hash in a content key.
const CONTENT_HASH_LEN: usize = 16;

/// Bytes of a row's values, encoded as a key, that order content keys.
const CONTENT_ORDER_LEN: usize = 32;

/// Where each column lives: in the key or in the row value.
#[derive(Debug)]
struct Layout {
    identity: RowIdentity,
    /// Each column as an ascending key column: what orders content keys.
    order_columns: Vec<KeyColumn>,
    key_columns: Vec<KeyColumn>,
    /// For each key column, its position in the schema (None: the hidden row id).
    key_positions: Vec<Option<usize>>,
    row_columns: Vec<RowColumn>,
    row_positions: Vec<usize>,
}

impl Table {
    /// A table from its stored object.
    pub fn from_object(object: TableObject) -> Result<Table> {
        let schema = TableSchema::decode(&object.schema).map_err(value_error)?;
        Ok(Table::new(Arc::new(schema), object))
    }

    /// A table from a schema and object (the object's schema bytes must match).
    pub fn new(schema: Arc<TableSchema>, object: TableObject) -> Table {
        let identity = match (schema.primary_key.is_empty(), object.next_row_id) {
            (false, _) => RowIdentity::PrimaryKey,
            (true, 0) => RowIdentity::Content,
            (true, _) => RowIdentity::HiddenCounter,
        };
        let mut layout = Layout {
            identity,
            order_columns: schema
                .columns
                .iter()
                .map(|c| KeyColumn::asc(c.data_type.clone()))
                .collect(),
            key_columns: Vec::new(),
            key_positions: Vec::new(),
            row_columns: Vec::new(),
            row_positions: Vec::new(),
        };
        if identity == RowIdentity::Content {
            for _ in 0..2 {
                layout.key_columns.push(KeyColumn::asc(DataType::Bytea));
                layout.key_positions.push(None);
            }
        }
        if identity != RowIdentity::PrimaryKey {
            layout.key_columns.push(KeyColumn::asc(DataType::BigInt));
            layout.key_positions.push(None);
        }
        for tag in &schema.primary_key {
            let i = schema
                .tag_index(*tag)
                .expect("decoded schemas only name their own columns");
            layout
                .key_columns
                .push(KeyColumn::asc(schema.columns[i].data_type.clone()));
            layout.key_positions.push(Some(i));
        }
        for (i, c) in schema.columns.iter().enumerate() {
            if !schema.primary_key.contains(&c.tag) {
                layout.row_columns.push(RowColumn {
                    tag: c.tag,
                    data_type: c.data_type.clone(),
                    missing: c.missing.clone().unwrap_or(Value::Null),
                });
                layout.row_positions.push(i);
            }
        }
        Table {
            schema,
            object,
            layout: Arc::new(layout),
        }
    }

    /// The table's name.
    pub fn name(&self) -> &str {
        &self.schema.name
    }

    /// Whether the table has no primary key (its rows are keyed by content).
    pub fn is_keyless(&self) -> bool {
        self.schema.primary_key.is_empty()
    }

    /// How the table's rows are keyed.
    pub fn identity(&self) -> RowIdentity {
        self.layout.identity
    }

    /// The key columns' types and directions.
    pub fn key_columns(&self) -> &[KeyColumn] {
        &self.layout.key_columns
    }

    /// Encodes the primary key of a full row of a table with one.
    pub fn encode_key(&self, row: &[Value]) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(16 * self.layout.key_columns.len());
        self.encode_key_into(&mut out, row)?;
        Ok(out)
    }

    /// [`Table::encode_key`], appended to `out`.
    pub fn encode_key_into(&self, out: &mut Vec<u8>, row: &[Value]) -> Result<()> {
        if self.layout.identity != RowIdentity::PrimaryKey {
            return Err(Error::internal(
                "a keyless table's row key taken from its key columns",
            ));
        }
        let values = self
            .layout
            .key_positions
            .iter()
            .map(|p| p.map_or(&Value::Null, |i| &row[i]));
        encode_key_into(out, values, &self.layout.key_columns).map_err(value_error)
    }

    /// The key prefix shared by the keyless rows equal to `row`, whose
    /// encoded values are `value` (see [`Table::encode_value`]): their
    /// content group.
    pub fn content_group(&self, row: &[Value], value: &[u8]) -> Vec<u8> {
        let mut order = Vec::with_capacity(CONTENT_ORDER_LEN + 16);
        // NULLs are left out: a column added without a default reads as
        // NULL in every old row, which then keep their keys.
        for (v, c) in row.iter().zip(&self.layout.order_columns) {
            if order.len() >= CONTENT_ORDER_LEN {
                break;
            }
            if v.is_null() {
                continue;
            }
            let start = order.len();
            // A value with no key encoding (json) ends the ordering part.
            if encode_key_into(&mut order, std::iter::once(v), std::slice::from_ref(c)).is_err() {
                order.truncate(start);
                break;
            }
        }
        order.truncate(CONTENT_ORDER_LEN);
        let hash = arbor_merkle::Address::of(value);
        let parts = [
            Value::Bytea(order),
            Value::Bytea(hash.as_bytes()[..CONTENT_HASH_LEN].to_vec()),
        ];
        let mut out = Vec::with_capacity(CONTENT_ORDER_LEN + CONTENT_HASH_LEN + 8);
        encode_key_into(&mut out, parts.iter(), &self.layout.key_columns[..2])
            .expect("bytes always encode as a key");
        out
    }

    /// The content group of a keyless row's `key`: the key without its
    /// ordinal.
    pub fn group_of<'k>(&self, key: &'k [u8]) -> Result<&'k [u8]> {
        let (_, len) =
            decode_key_prefix(key, &self.layout.key_columns[..2]).map_err(value_error)?;
        Ok(&key[..len])
    }

    /// The ordinal of a keyless row's `key` in its content group.
    pub fn content_ordinal(&self, key: &[u8]) -> Result<u64> {
        match decode_key(key, &self.layout.key_columns)
            .map_err(value_error)?
            .last()
        {
            Some(Value::BigInt(n)) if self.layout.identity == RowIdentity::Content => {
                Ok(u64::try_from(*n).unwrap_or(0))
            }
            _ => Err(Error::internal("the ordinal of a key not keyed by content")),
        }
    }

    /// The key of the row with ordinal `ordinal` in content group `group`.
    pub fn content_key(&self, group: &[u8], ordinal: u64) -> Vec<u8> {
        let mut out = group.to_vec();
        let ordinal = Value::BigInt(i64::try_from(ordinal).unwrap_or(i64::MAX));
        encode_key_into(
            &mut out,
            std::iter::once(&ordinal),
            &[KeyColumn::asc(DataType::BigInt)],
        )
        .expect("integers always encode as a key");
        out
    }

    /// Encodes the non-key columns of a full row.
    pub fn encode_value(&self, row: &[Value]) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_value_into(&mut out, row, &mut Vec::new());
        out
    }

    /// [`Table::encode_value`], appended to `out`; `scratch` is working
    /// space kept between calls.
    pub fn encode_value_into(&self, out: &mut Vec<u8>, row: &[Value], scratch: &mut Vec<u8>) {
        let pairs = self
            .layout
            .row_columns
            .iter()
            .zip(&self.layout.row_positions)
            .map(|(c, i)| (c.tag, &row[*i]));
        encode_row_into(out, pairs, scratch);
    }

    /// Decodes a stored entry into a full row in schema column order.
    pub fn decode(&self, key: &[u8], value: &[u8]) -> Result<Vec<Value>> {
        self.decode_columns(key, value, None)
    }

    /// Which columns a scan decodes, prepared for [`Table::decode_columns`]
    /// from a mask over schema positions.
    pub fn column_mask(&self, wanted: &[bool]) -> ColumnMask {
        ColumnMask {
            row: self
                .layout
                .row_positions
                .iter()
                .map(|&i| wanted.get(i).copied().unwrap_or(true))
                .collect(),
            key: self
                .layout
                .key_positions
                .iter()
                .flatten()
                .any(|&i| wanted.get(i).copied().unwrap_or(true)),
        }
    }

    /// Decodes a stored entry, only the columns `mask` marks (all with
    /// `None`): the others read as NULL. The key is decoded whole when any
    /// of its columns is wanted, and not at all otherwise.
    pub fn decode_columns(
        &self,
        key: &[u8],
        value: &[u8],
        mask: Option<&ColumnMask>,
    ) -> Result<Vec<Value>> {
        let mut row = vec![Value::Null; self.schema.columns.len()];
        if mask.is_none_or(|m| m.key) {
            self.decode_key_into(key, &mut row)?;
        }
        let row_wanted = mask.map(|m| m.row.as_slice());
        decode_row_into(
            value,
            &self.layout.row_columns,
            row_wanted,
            &mut row,
            &self.layout.row_positions,
        )
        .map_err(value_error)?;
        Ok(row)
    }

    /// Decodes the primary key `key` into the key columns of `row` (a row
    /// of the schema's width); the other columns are left as they are.
    pub fn decode_key_into(&self, key: &[u8], row: &mut [Value]) -> Result<()> {
        let keys = decode_key(key, &self.layout.key_columns).map_err(value_error)?;
        for (v, p) in keys.into_iter().zip(&self.layout.key_positions) {
            if let Some(i) = p {
                row[*i] = v;
            }
        }
        Ok(())
    }
}

/// The non-key columns a scan decodes, in the order they are stored.
#[derive(Clone, Debug)]
pub struct ColumnMask {
    row: Vec<bool>,
    /// Whether any key column is wanted.
    key: bool,
}

/// Converts a value error to an engine error, keeping its SQLSTATE.
pub fn value_error(e: arbor_schema::ValueError) -> Error {
    Error::from(e)
}
