//! Bulk loads: rows converted and encoded away from the writing thread,
//! then written in one statement.
//!
//! An import spends most of its time turning text into values and values
//! into bytes, and none of that needs the table's writer. A [`RowEncoder`]
//! (cheap to clone, `Send`) does it on other threads: it conforms each row
//! to the table (types, NOT NULL, CHECK) and appends its encoded key and
//! value to an [`EncodedRows`] batch. [`Session::insert_encoded`] then hands
//! a [`BulkWriter`] to the caller, who passes it the batches in order.
//!
//! Into an empty table, rows that arrive in increasing key order go
//! straight into a new tree ([`MapBuilder`]): no pending edits, no lookups,
//! nodes cut and written as the rows come, so a sorted import is one pass
//! in flat memory. The first row out of order makes what was built so far
//! the table's rows, and it and the rest go through the ordinary
//! [`TableWriter`]: any order loads, and a duplicate key is refused either
//! way.
//!
//! Only a table whose rows need nothing but themselves qualifies: no
//! secondary index to maintain, no foreign key to check (see
//! [`RowEncoder::for_plan`]).
//!
//! [`Session::insert_encoded`]: super::Session::insert_encoded

use arbor_merkle::MapBuilder;

use super::dml::{TableWriter, conform_in_place};
use super::execution::Row;
use super::planner::dml::{Check, InsertPlan};
use super::table::Table;
use crate::error::{Error, Result};
use crate::objects::TableObject;
use crate::repo::Repository;

/// Conforms and encodes rows of one table; clone one per thread.
#[derive(Clone, Debug)]
pub struct RowEncoder {
    table: Table,
    checks: Vec<Check>,
    /// Working space of the row encoding.
    scratch: Vec<u8>,
}

impl RowEncoder {
    /// An encoder for the rows of `plan` (an insert of whole rows), if
    /// they can be written without looking at anything but themselves.
    pub(super) fn for_plan(plan: &InsertPlan) -> Option<RowEncoder> {
        let alone = plan.table.schema.indexes.is_empty()
            && plan.foreign_keys.outgoing.is_empty()
            && plan.on_conflict.is_none()
            && plan.returning.is_none();
        alone.then(|| RowEncoder {
            table: plan.table.clone(),
            checks: plan.checks.clone(),
            scratch: Vec::new(),
        })
    }

    /// Conforms `row` (a value per column, in table order) to the table,
    /// in place, and appends it to `out`. A refused row leaves `out` as it
    /// was.
    pub fn encode(&mut self, row: &mut Row, out: &mut EncodedRows) -> Result<()> {
        conform_in_place(&self.table.schema, &self.checks, row)?;
        let start = out.bytes.len();
        if !self.table.has_row_id() {
            // A table with a hidden row id is keyed by the writer, which
            // numbers the rows in the order they arrive.
            if let Err(e) = self.table.encode_key_into(&mut out.bytes, row, None) {
                out.bytes.truncate(start);
                return Err(e);
            }
        }
        let key_end = out.bytes.len();
        self.table
            .encode_value_into(&mut out.bytes, row, &mut self.scratch);
        out.ends.push((key_end, out.bytes.len()));
        Ok(())
    }
}

/// A batch of encoded rows: each a key (empty for a table keyed by a
/// hidden row id) and a value, in one buffer.
#[derive(Debug, Default)]
pub struct EncodedRows {
    bytes: Vec<u8>,
    /// Per row, where its key ends and where its value ends.
    ends: Vec<(usize, usize)>,
}

impl EncodedRows {
    /// The rows in the batch.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether the batch is empty.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Empties the batch, keeping its buffers.
    pub fn clear(&mut self) {
        self.bytes.clear();
        self.ends.clear();
    }

    /// Each row's key and value, in order.
    fn iter(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        let mut start = 0;
        self.ends.iter().map(move |&(key_end, end)| {
            let row = (&self.bytes[start..key_end], &self.bytes[key_end..end]);
            start = end;
            row
        })
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
    /// The key of a row numbered by the writer.
    row_key: Vec<u8>,
}

impl BulkWriter {
    /// A writer of the rows of `plan`, encoded by `encoder`.
    pub(super) fn new(
        repo: &Repository,
        plan: &InsertPlan,
        encoder: &RowEncoder,
    ) -> Result<BulkWriter> {
        if RowEncoder::for_plan(plan).is_none() {
            return Err(Error::internal(
                "a bulk load into a table that needs the row-by-row writer",
            ));
        }
        if encoder.table.schema != plan.table.schema {
            return Err(Error::new(
                "40001",
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
            row_key: Vec::new(),
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
        for (key, value) in rows.iter() {
            let key = if self.writer.table().has_row_id() {
                let id = self.writer.new_row_id()?;
                self.row_key.clear();
                self.writer
                    .table()
                    .encode_key_into(&mut self.row_key, &[], Some(id))?;
                self.row_key.as_slice()
            } else {
                key
            };
            let in_order = self
                .appending
                .as_ref()
                .map(|b| b.last_key().is_none_or(|last| key > last));
            match (&mut self.appending, in_order) {
                (Some(builder), Some(true)) => builder.push(key, value)?,
                (appending, _) => {
                    if let Some(builder) = appending.take() {
                        self.writer.set_rows(builder.finish()?)?;
                    }
                    self.writer.insert_encoded(key, value)?;
                }
            }
            self.count += 1;
        }
        Ok(())
    }

    /// Ends the load: the table's new object and the rows written.
    pub(super) fn finish(mut self) -> Result<(TableObject, u64)> {
        if let Some(builder) = self.appending.take() {
            self.writer.set_rows(builder.finish()?)?;
        }
        Ok((self.writer.finish()?, self.count))
    }
}
