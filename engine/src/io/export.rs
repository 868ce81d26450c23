//! Exports: a query's rows written out as the query yields them.
//!
//! The rows never sit in memory whole: the query reads and decodes rows on
//! the calling thread and hands them over in batches to a writing thread,
//! which turns them into text ([`RowWriter`]) while the next ones are read,
//! so two cores share an export. Nothing is written before the query has
//! planned (the writer starts when the columns are known).

use std::io::{self, Write};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use arbor_schema::Value;

use super::write::{RowFormat, RowWriter, write_error};
use crate::error::{Error, Result};
use crate::sql::{RowSink, Session};

/// Rows handed to the writing thread at a time.
const BATCH: usize = 1024;

/// What the query thread tells the writing thread.
enum Message {
    /// The result's columns: the output begins.
    Columns(Vec<String>),
    /// Rows to write.
    Rows(Vec<Vec<Value>>),
}

/// Runs `query` in `session` and writes its rows to `out` in `format`.
/// Returns `out` (flushed by the caller) and the rows written. On an error
/// the output may hold part of the rows: write to a temporary file and
/// put it in place only on success.
pub fn export<W: Write + Send>(
    session: &mut Session,
    query: &str,
    format: RowFormat,
    out: W,
) -> Result<(W, u64)> {
    std::thread::scope(|scope| {
        let (sender, receiver) = sync_channel::<Message>(4);
        let writer = scope.spawn(move || write_messages(receiver, format, out));
        let mut sink = Batches {
            sender,
            batch: Vec::with_capacity(BATCH),
        };
        let queried = session
            .query_each(query, &mut sink)
            .and_then(|()| sink.send_batch());
        // Closing the channel ends the writer.
        drop(sink);
        let written = writer
            .join()
            .map_err(|_| Error::internal("the export's writer failed"))?;
        match (queried, written) {
            // A failed write is why the query stopped, if it did.
            (_, Err(e)) => Err(write_error(e)),
            (Err(e), Ok(_)) => Err(e),
            (Ok(()), Ok(done)) => Ok(done),
        }
    })
}

/// The writing thread: begins the output when the columns come, then
/// writes every batch until the channel closes.
fn write_messages<W: Write>(
    receiver: Receiver<Message>,
    format: RowFormat,
    out: W,
) -> io::Result<(W, u64)> {
    let mut format = Some(format);
    let mut out = Some(out);
    let mut writer = None;
    let mut rows = 0;
    for message in receiver {
        match message {
            Message::Columns(columns) => {
                let (Some(format), Some(out)) = (format.take(), out.take()) else {
                    return Err(io::Error::other("an export's columns twice"));
                };
                writer = Some(RowWriter::begin(out, format, &columns)?);
            }
            Message::Rows(batch) => {
                let Some(writer) = writer.as_mut() else {
                    return Err(io::Error::other("rows before the columns"));
                };
                for row in &batch {
                    writer.row(row)?;
                }
                rows += batch.len() as u64;
            }
        }
    }
    match (writer, out) {
        (Some(writer), _) => Ok((writer.end()?, rows)),
        (None, Some(out)) => Ok((out, 0)),
        (None, None) => Err(io::Error::other("an export without its output")),
    }
}

/// The query's side: rows gathered into batches for the writing thread.
struct Batches {
    sender: SyncSender<Message>,
    batch: Vec<Vec<Value>>,
}

impl Batches {
    fn send(&self, message: Message) -> Result<()> {
        // A closed channel means the writer stopped on an error, which
        // `export` reports.
        self.sender
            .send(message)
            .map_err(|_| Error::internal("the export's writer stopped"))
    }

    fn send_batch(&mut self) -> Result<()> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH));
        self.send(Message::Rows(batch))
    }
}

impl RowSink for Batches {
    fn columns(&mut self, columns: &[String]) -> Result<()> {
        self.send(Message::Columns(columns.to_vec()))
    }

    fn row(&mut self, row: Vec<Value>) -> Result<()> {
        self.batch.push(row);
        if self.batch.len() >= BATCH {
            self.send_batch()?;
        }
        Ok(())
    }
}
