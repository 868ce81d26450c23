//! Bulk loads: rows converted and encoded away from the writing thread,
//! then written in one statement.
//!
//! An import spends most of its time turning text into values and values
//! into bytes, and none of that needs the table's writer. A [`RowEncoder`]
//! (cheap to clone, `Send`) does it on other threads: it conforms each row
//! to the table (types, NOT NULL, CHECK) and appends its encoded key and
//! value, and its values in each secondary index, to an [`EncodedRows`]
//! batch. [`Session::insert_encoded`] then hands a [`BulkWriter`] to the
//! caller, who passes it the batches in order; the writer adds the rows to
//! the primary index and their entries to the secondary ones (checking
//! unique ones).
//!
//! Into an empty table, rows that arrive in increasing key order go
//! straight into a new tree ([`MapBuilder`]): no pending edits, no lookups,
//! nodes cut and written as the rows come, so a sorted import is one pass
//! in flat memory. The first row out of order makes what was built so far
//! the table's rows, and it and the rest go through the ordinary
//! [`TableWriter`]: any order loads, and a duplicate key is refused either
//! way. A keyless table's rows are keyed by content, led by their first
//! values (see `crate::table`), so a file sorted by its first column
//! appends too; equal rows are numbered as they come.
//!
//! Only a table whose rows need nothing but the table itself qualifies: no
//! foreign key to check (see [`RowEncoder::for_plan`]).
//!
//! [`Session::insert_encoded`]: super::Session::insert_encoded

use arbor_merkle::MapBuilder;
use arbor_schema::Value;

use arbor_schema::key::{KeyColumn, encode_key_into};

use super::execution::Row;
use super::planner::dml::InsertPlan;
use crate::error::{Error, Result, SqlState};
use crate::objects::TableObject;
use crate::repo::Repository;
use crate::table::{Checks, Table, TableWriter, conform_in_place, index_columns, value_error};

/// Whether the rows of `plan` (an insert of whole rows) can be written
/// without looking at any table but their own.
fn takes_bulk_loads(plan: &InsertPlan) -> bool {
    plan.foreign_keys.outgoing.is_empty() && plan.on_conflict.is_none() && plan.returning.is_none()
}

/// Conforms and encodes rows of one table; clone one per thread.
#[derive(Clone, Debug)]
pub struct RowEncoder {
    table: Table,
    checks: Checks,
    /// Each secondary index's columns: their positions in a row, and how
    /// the index encodes them.
    indexes: Vec<(Vec<usize>, Vec<KeyColumn>)>,
    /// Working space of the row encoding.
    scratch: Vec<u8>,
}

impl RowEncoder {
    /// An encoder for the rows of `plan` (an insert of whole rows), if
    /// they can be written without looking at any table but their own.
    pub(super) fn for_plan(plan: &InsertPlan) -> Result<Option<RowEncoder>> {
        if !takes_bulk_loads(plan) {
            return Ok(None);
        }
        let schema = &plan.table.schema;
        let indexes = schema
            .indexes
            .iter()
            .map(|def| index_columns(schema, def))
            .collect::<Result<_>>()?;
        Ok(Some(RowEncoder {
            table: plan.table.clone(),
            checks: plan.checks.clone(),
            indexes,
            scratch: Vec::new(),
        }))
    }

    /// Conforms `row` (a value per column, in table order) to the table,
    /// in place, and appends it to `out`. A refused row leaves `out` as it
    /// was.
    pub fn encode(&mut self, row: &mut Row, out: &mut EncodedRows) -> Result<()> {
        conform_in_place(&self.table.schema, &self.checks, row)?;
        let (bytes, parts) = (out.bytes.len(), out.parts.len());
        let encoded = self.encode_parts(row, out);
        match encoded {
            Ok(()) => out.len += 1,
            Err(_) => {
                out.bytes.truncate(bytes);
                out.parts.truncate(parts);
            }
        }
        encoded
    }

    /// Appends a conformed row's parts: key, value, then its values in
    /// each index.
    fn encode_parts(&mut self, row: &Row, out: &mut EncodedRows) -> Result<()> {
        if self.table.is_keyless() {
            // A keyless row's key is its content group with an ordinal
            // among equal rows, which the writer assigns: the group here.
            let mut value = Vec::new();
            self.table
                .encode_value_into(&mut value, row, &mut self.scratch);
            out.bytes
                .extend_from_slice(&self.table.content_group(row, &value));
            out.parts.push((out.bytes.len(), false));
            out.bytes.extend_from_slice(&value);
        } else {
            self.table.encode_key_into(&mut out.bytes, row)?;
            out.parts.push((out.bytes.len(), false));
            self.table
                .encode_value_into(&mut out.bytes, row, &mut self.scratch);
        }
        out.parts.push((out.bytes.len(), false));
        for (positions, columns) in &self.indexes {
            let values = positions.iter().map(|p| &row[*p]);
            let has_null = values.clone().any(Value::is_null);
            encode_key_into(&mut out.bytes, values, columns).map_err(value_error)?;
            out.parts.push((out.bytes.len(), has_null));
        }
        Ok(())
    }
}

/// A batch of encoded rows, in one buffer: each a key (for a keyless table
/// its content group), a value, and its values in each secondary
/// index of the table (the prefix of its entry there).
#[derive(Debug, Default)]
pub struct EncodedRows {
    bytes: Vec<u8>,
    /// Where each part of each row ends, and (for an index part) whether a
    /// value in it is NULL: a row is `2 + indexes` parts.
    parts: Vec<(usize, bool)>,
    /// The rows.
    len: usize,
}

impl EncodedRows {
    /// The rows in the batch.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the batch is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Empties the batch, keeping its buffers.
    pub fn clear(&mut self) {
        self.bytes.clear();
        self.parts.clear();
        self.len = 0;
    }

    /// The rows, each a slice of `width` parts.
    fn rows(&self, width: usize) -> impl Iterator<Item = EncodedRow<'_>> {
        self.parts.chunks(width).scan(0, move |start, parts| {
            let row = EncodedRow {
                bytes: &self.bytes,
                start: *start,
                parts,
            };
            *start = parts.last().map_or(*start, |p| p.0);
            Some(row)
        })
    }
}

/// One row of an [`EncodedRows`].
struct EncodedRow<'a> {
    bytes: &'a [u8],
    /// Where the row starts in `bytes`.
    start: usize,
    parts: &'a [(usize, bool)],
}

impl<'a> EncodedRow<'a> {
    /// Part `i`'s bytes.
    fn part(&self, i: usize) -> &'a [u8] {
        let from = if i == 0 {
            self.start
        } else {
            self.parts[i - 1].0
        };
        &self.bytes[from..self.parts[i].0]
    }

    fn key(&self) -> &'a [u8] {
        self.part(0)
    }

    fn value(&self) -> &'a [u8] {
        self.part(1)
    }

    /// The row's values in each index, and whether one is NULL.
    fn index_prefixes(&self) -> impl Iterator<Item = (&'a [u8], bool)> + '_ {
        (2..self.parts.len()).map(|i| (self.part(i), self.parts[i].1))
    }
}

/// Writes batches of encoded rows into a table, in one statement.
#[derive(Debug)]
pub struct BulkWriter {
    writer: TableWriter,
    /// The rows so far, while the table was empty and they came in
    /// increasing key order.
    appending: Option<MapBuilder>,
    /// Rows written.
    count: u64,
    /// The ordinal of the last keyless row appended.
    last_ordinal: u64,
}

impl BulkWriter {
    /// A writer of the rows of `plan`, encoded by `encoder`.
    pub(super) fn new(
        repo: &Repository,
        plan: &InsertPlan,
        encoder: &RowEncoder,
    ) -> Result<BulkWriter> {
        if !takes_bulk_loads(plan) {
            return Err(Error::internal(
                "a bulk load into a table that needs the row-by-row writer",
            ));
        }
        if encoder.table.schema != plan.table.schema {
            return Err(Error::new(
                SqlState::SerializationFailure,
                format!(
                    "table \"{}\" changed while its rows were being encoded",
                    plan.table.name()
                ),
            )
            .with_hint("run the load again"));
        }
        let writer = TableWriter::new(repo, plan.table.clone())?;
        let appending = writer.is_empty().then(|| MapBuilder::new(repo.nodes()));
        Ok(BulkWriter {
            writer,
            appending,
            count: 0,
            last_ordinal: 0,
        })
    }

    /// The rows written so far. When [`BulkWriter::insert`] fails, the
    /// count after it less the count before it is the index, in the batch,
    /// of the row refused.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Writes a batch of rows, encoded by a [`RowEncoder`] of this table.
    pub fn insert(&mut self, rows: &EncodedRows) -> Result<()> {
        let width = 2 + self.writer.table().schema.indexes.len();
        if rows.parts.len() != rows.len * width {
            return Err(Error::internal(
                "a batch encoded for a table of another shape",
            ));
        }
        let mut content_key;
        for row in rows.rows(width) {
            let key = if self.writer.table().is_keyless() {
                content_key = self.content_key(row.key())?;
                content_key.as_slice()
            } else {
                row.key()
            };
            match &mut self.appending {
                Some(builder) if builder.last_key().is_none_or(|last| key > last) => {
                    builder.push(key, row.value())?;
                    self.writer
                        .index_encoded(key, row.value(), row.index_prefixes())?;
                }
                appending => {
                    stop_appending(appending, &mut self.writer)?;
                    self.writer
                        .insert_encoded(key, row.value(), row.index_prefixes())?;
                }
            }
            self.count += 1;
        }
        Ok(())
    }

    /// The key of a keyless row of content group `group`. While appending,
    /// every row so far is in the builder, in key order: a group past the
    /// last row's starts at ordinal 0 and the last row's own continues; a
    /// group before it ends the appending, and the writer numbers it.
    fn content_key(&mut self, group: &[u8]) -> Result<Vec<u8>> {
        let table = self.writer.table();
        let ordinal = match self.appending.as_ref().map(MapBuilder::last_key) {
            None => None,
            Some(None) => Some(0),
            Some(Some(last)) => match group.cmp(table.group_of(last)?) {
                std::cmp::Ordering::Greater => Some(0),
                std::cmp::Ordering::Equal => Some(self.last_ordinal + 1),
                std::cmp::Ordering::Less => None,
            },
        };
        if let Some(ordinal) = ordinal {
            self.last_ordinal = ordinal;
            return Ok(table.content_key(group, ordinal));
        }
        stop_appending(&mut self.appending, &mut self.writer)?;
        self.writer.next_content_key(group.to_vec())
    }

    /// Ends the load: the table's new object and the rows written.
    pub(super) fn finish(mut self) -> Result<(TableObject, u64)> {
        stop_appending(&mut self.appending, &mut self.writer)?;
        Ok((self.writer.finish()?, self.count))
    }
}

/// Makes the rows built so far, if a load was `appending`, the table's
/// rows in `writer`: from there on rows go through the ordinary writer.
fn stop_appending(appending: &mut Option<MapBuilder>, writer: &mut TableWriter) -> Result<()> {
    if let Some(builder) = appending.take() {
        writer.set_rows(builder.finish()?)?;
    }
    Ok(())
}
