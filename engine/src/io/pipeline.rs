//! How the rows of an import get from the file into the table, on several
//! threads.
//!
//! Into a table that takes bulk loads (`crate::sql::bulk`: one
//! without a foreign key), [`Rows::insert_encoded`]: one thread
//! reads the file into batches of records (a CSV-like file as text, its
//! fields in one buffer per batch), one converting thread per core (up to
//! four) takes the batches in turn and converts and encodes their rows,
//! and the calling thread puts the encoded rows in place, batch by batch
//! in file order. Batches go back to the thread that filled them, to be
//! reused. Into any other table, [`Rows::insert_all`]: the file read and
//! converted on a second thread while the calling one writes through
//! `Session::insert_rows`.
//!
//! Either way errors, and rows skipped with `--continue`, are reported as
//! one thread reading the file in order would: the first error in file
//! order stops the import.

use arbor_schema::Value;

use super::import::{Converter, Rows, Skipped, input_error};
use super::source::{InputError, Record, TextBatch};
use crate::error::{Error, Result, SqlState};
use crate::sql::{EncodedRows, RowEncoder, Session};

impl Rows<'_> {
    /// Inserts every row into the table, in the session's open
    /// transaction: [`Rows::insert_encoded`] if the table takes bulk loads,
    /// else [`Rows::insert_all`].
    pub fn insert(&mut self, session: &mut Session) -> Result<u64> {
        self.conv.schema = session.table_schema(self.table)?;
        match session.row_encoder(self.table)? {
            Some(encoder) => self.insert_encoded(session, encoder),
            None => self.insert_all(session),
        }
    }

    /// Inserts every row through `Session::insert_rows`, the file read and
    /// its values converted on a second thread while this one writes the
    /// table: two cores share a bulk import.
    fn insert_all(&mut self, session: &mut Session) -> Result<u64> {
        let (sender, receiver) = std::sync::mpsc::sync_channel::<Vec<Produced>>(PIPELINE_DEPTH);
        let table = self.table;
        let rows = &mut *self;
        let (inserted, mut received) = std::thread::scope(|scope| {
            // The sender moves into the reader: when it ends, the writer's
            // iterator ends.
            let reader = scope.spawn(move || {
                let mut batch = Vec::with_capacity(PIPELINE_BATCH);
                loop {
                    let item = match rows.next_row() {
                        None => break,
                        Some(Ok(row)) => Ok((row, rows.conv.last.clone())),
                        Some(Err(e)) => Err(e),
                    };
                    let stop = item.is_err();
                    batch.push(item);
                    if (batch.len() == PIPELINE_BATCH || stop)
                        && sender.send(std::mem::take(&mut batch)).is_err()
                    {
                        // The writer stopped (an error): nothing more to do.
                        return;
                    }
                    if stop {
                        return;
                    }
                }
                let _ = sender.send(batch);
            });
            let mut received = Received {
                batches: receiver,
                batch: Vec::new().into_iter(),
                last: (0, Vec::new()),
                failure: None,
            };
            let inserted = session.insert_rows(table, &mut received);
            // Dropping the receiver ends the reader if it is still going.
            drop(std::mem::replace(
                &mut received.batches,
                std::sync::mpsc::sync_channel(0).1,
            ));
            let _ = reader.join();
            (inserted, received)
        });
        self.conv.last = std::mem::take(&mut received.last);
        inserted.map_err(|e| match &received.failure {
            Some(f) => input_error(self.file, f),
            None => self.engine_error(e),
        })
    }

    /// Inserts every row as [`Rows::insert_all`] does, the work spread
    /// over threads: one reads the file into batches of records, one
    /// converting thread per core (up to four) takes the batches in turn
    /// and converts and encodes their rows (see `crate::sql::bulk`),
    /// and the calling thread puts the encoded rows in place, batch by
    /// batch in file order. Errors and skipped rows are reported as a
    /// single thread would: the first in file order stops the import.
    fn insert_encoded(&mut self, session: &mut Session, encoder: RowEncoder) -> Result<u64> {
        let converters = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
        let table = self.table;
        let file = self.file;
        let keep_going = self.keep_going;
        // Each converter has a channel in and one out, and gets back the
        // batches the writer is done with; the reader gets back the text
        // batches the converters are done with. Reusing the buffers spares
        // the allocator fresh (zeroed) pages for every batch.
        let mut to_converters = Vec::new();
        let mut receivers = Vec::new();
        let mut returns = Vec::new();
        let mut ends = Vec::new();
        let (text_return, text_spares) = std::sync::mpsc::channel::<TextBatch>();
        for _ in 0..converters {
            let (send, input) = std::sync::mpsc::sync_channel::<ReadBatch>(PIPELINE_DEPTH);
            to_converters.push(send);
            let (output, receive) = std::sync::mpsc::sync_channel::<EncodedBatch>(PIPELINE_DEPTH);
            receivers.push(receive);
            let (give_back, spares) = std::sync::mpsc::channel::<EncodedBatch>();
            returns.push(give_back);
            ends.push(ConverterEnds {
                input,
                output,
                spares,
                text_return: text_return.clone(),
            });
        }
        drop(text_return);
        // A CSV-like file's fields go to the same columns in every record.
        let text_map = match self.source.text() {
            Some(_) => (0..self.source.header().len())
                .map(|i| self.target_of(i, 1, i as u64 + 1))
                .collect::<Result<Vec<usize>, InputError>>()
                .map_err(|e| input_error(file, &e))?,
            None => Vec::new(),
        };
        let text_map = text_map.as_slice();
        let rows = &mut *self;
        let mut failure: Option<Error> = None;
        let mut skipped = Skipped::default();
        let (inserted, observed) = std::thread::scope(|scope| {
            let conv = rows.conv.clone();
            let workers: Vec<_> = ends
                .into_iter()
                .map(|ends| {
                    let mut conv = conv.clone();
                    let mut encoder = encoder.clone();
                    scope.spawn(move || {
                        convert_batches(&mut conv, &mut encoder, file, keep_going, text_map, &ends);
                        conv.observed
                    })
                })
                .collect();
            let reader = scope.spawn(move || read_batches(rows, &to_converters, &text_spares));
            let inserted = session.insert_encoded(table, &encoder, &mut |writer| {
                for (receiver, give_back) in receivers.iter().zip(&returns).cycle() {
                    let Ok(mut batch) = receiver.recv() else {
                        break;
                    };
                    let before = writer.count();
                    let written = writer.insert(&batch.rows);
                    for e in &batch.skipped {
                        skipped.add(file, e);
                    }
                    if let Err(e) = written {
                        let mut at = conv.clone();
                        at.last = batch.positions.get((writer.count() - before) as usize);
                        failure = Some(at.engine_error(file, e));
                        break;
                    }
                    match std::mem::take(&mut batch.end) {
                        BatchEnd::More => {}
                        BatchEnd::Last => return Ok(()),
                        BatchEnd::Failed(e) => {
                            failure = Some(e);
                            break;
                        }
                    }
                    batch.clear();
                    // The converter may have ended: then the batch is dropped.
                    let _ = give_back.send(batch);
                }
                // Stopped by an error (kept in `failure`), or a thread ended
                // without saying why.
                Err(Error::new(
                    SqlState::InvalidTextRepresentation,
                    "the import stopped",
                ))
            });
            // Dropping the receivers ends the other threads if they are
            // still going.
            drop(receivers);
            let reader_ok = reader.join().is_ok();
            let mut observed = Vec::new();
            let mut workers_ok = true;
            for worker in workers {
                match worker.join() {
                    Ok(o) => observed.push(o),
                    Err(_) => workers_ok = false,
                }
            }
            let inserted = if reader_ok && workers_ok {
                inserted
            } else {
                Err(Error::internal("an import thread failed"))
            };
            (inserted, observed)
        });
        for o in observed {
            self.conv.merge_observed(o);
        }
        // Every skip was reported through the batches.
        self.skipped = skipped;
        match (inserted, failure) {
            (_, Some(e)) => Err(e),
            (Err(e), None) => Err(e),
            (Ok(n), None) => Ok(n),
        }
    }
}

/// Rows handed from the reading thread to the writing one per batch.
const PIPELINE_BATCH: usize = 1024;
/// Batches in flight between the two threads.
const PIPELINE_DEPTH: usize = 8;

/// How a batch of [`Rows::insert_encoded`] ends the ones before it.
#[derive(Default)]
enum BatchEnd {
    /// More batches follow.
    #[default]
    More,
    /// The file ends with this batch.
    Last,
    /// The import stops after this batch's rows, with this error.
    Failed(Error),
}

/// Records read: as text from a CSV-like file, or else each with the
/// target column of each of its cells.
#[derive(Default)]
struct ReadBatch {
    text: TextBatch,
    records: Vec<Record>,
    /// The target columns of the cells of every record, in order.
    to: Vec<usize>,
    /// Rows the reader skipped (`--continue`).
    skipped: Vec<InputError>,
    end: BatchEnd,
}

/// Encoded rows with where each was in the file.
#[derive(Default)]
struct EncodedBatch {
    rows: EncodedRows,
    positions: Positions,
    /// Rows skipped (`--continue`), in file order.
    skipped: Vec<InputError>,
    end: BatchEnd,
}

impl EncodedBatch {
    /// Empties the batch, keeping its buffers.
    fn clear(&mut self) {
        self.rows.clear();
        self.positions.clear();
        self.skipped.clear();
        self.end = BatchEnd::More;
    }
}

/// The reading thread of [`Rows::insert_encoded`]: batches of records,
/// handed to the converters in turn.
/// `spares` are emptied text batches to reuse.
fn read_batches(
    rows: &mut Rows<'_>,
    converters: &[std::sync::mpsc::SyncSender<ReadBatch>],
    spares: &std::sync::mpsc::Receiver<TextBatch>,
) {
    let (file, keep_going) = (rows.file, rows.keep_going);
    let mut batch = ReadBatch::default();
    for converter in converters.iter().cycle() {
        let records = |b: &ReadBatch| b.text.len() + b.records.len();
        while records(&batch) < PIPELINE_BATCH && matches!(batch.end, BatchEnd::More) {
            let read = match rows.source.text() {
                Some(text) => text.read_into(&mut batch.text),
                None => match rows.source.next_record() {
                    Some(Ok(record)) => Some(
                        rows.targets_of(&record, &mut batch.to)
                            .map(|()| batch.records.push(record)),
                    ),
                    other => other.map(|r| r.map(drop)),
                },
            };
            match read {
                None => batch.end = BatchEnd::Last,
                Some(Ok(())) => {}
                Some(Err(e)) if keep_going && e.recoverable => batch.skipped.push(e),
                Some(Err(e)) => batch.end = BatchEnd::Failed(input_error(file, &e)),
            }
        }
        let more = matches!(batch.end, BatchEnd::More);
        let next = ReadBatch {
            text: spares
                .try_recv()
                .unwrap_or_else(|_| TextBatch::sized_like(&batch.text)),
            ..ReadBatch::default()
        };
        if converter.send(std::mem::replace(&mut batch, next)).is_err() || !more {
            // The end, or the writer stopped (an error).
            return;
        }
    }
}

/// A record of a [`ReadBatch`] to convert.
enum Converted {
    /// The `i`-th text record.
    Text(usize),
    Record(Record),
}

/// The channels of a converting thread of [`Rows::insert_encoded`].
struct ConverterEnds {
    /// Batches of records to convert.
    input: std::sync::mpsc::Receiver<ReadBatch>,
    /// The converted batches, to the writer.
    output: std::sync::mpsc::SyncSender<EncodedBatch>,
    /// Batches the writer is done with, to reuse.
    spares: std::sync::mpsc::Receiver<EncodedBatch>,
    /// Text batches this thread is done with, back to the reader.
    text_return: std::sync::mpsc::Sender<TextBatch>,
}

/// A converting thread of [`Rows::insert_encoded`]: converts and encodes
/// each batch of records it receives, until the last one or an error.
/// `text_map` gives the target column of each field of a text record.
fn convert_batches(
    conv: &mut Converter<'_>,
    encoder: &mut RowEncoder,
    file: &str,
    keep_going: bool,
    text_map: &[usize],
    ends: &ConverterEnds,
) {
    let mut row = Vec::new();
    while let Ok(read) = ends.input.recv() {
        let mut batch = ends.spares.try_recv().unwrap_or_default();
        batch.skipped = read.skipped;
        batch.end = read.end;
        let text = (0..read.text.len()).map(Converted::Text);
        let records = read.records.into_iter().map(Converted::Record);
        let mut cells = 0;
        for item in text.chain(records) {
            let converted = match item {
                Converted::Text(i) => conv.row_from_text(&read.text, i, text_map, &mut row),
                Converted::Record(record) => {
                    let to = &read.to[cells..cells + record.cells.len()];
                    cells += record.cells.len();
                    conv.row_into(record, to, &mut row)
                }
            };
            match converted {
                Ok(()) => {}
                Err(e) if keep_going && e.recoverable => {
                    batch.skipped.push(e);
                    continue;
                }
                Err(e) => {
                    batch.end = BatchEnd::Failed(input_error(file, &e));
                    break;
                }
            }
            if let Err(e) = encoder.encode(&mut row, &mut batch.rows) {
                batch.end = BatchEnd::Failed(conv.engine_error(file, e));
                break;
            }
            batch.positions.push(&conv.last);
        }
        let mut text = read.text;
        text.clear();
        // The reader may have ended: then the batch is dropped.
        let _ = ends.text_return.send(text);
        // Reader skips and converter skips interleave: put them in file order.
        batch.skipped.sort_by_key(|e| (e.line, e.column));
        let more = matches!(batch.end, BatchEnd::More);
        if ends.output.send(batch).is_err() || !more {
            return;
        }
    }
}

/// Where each row of a batch was in the file: its line and each column's
/// position, flat (no allocation per row).
#[derive(Default)]
struct Positions {
    lines: Vec<u64>,
    columns: Vec<u64>,
}

impl Positions {
    fn clear(&mut self) {
        self.lines.clear();
        self.columns.clear();
    }

    fn push(&mut self, (line, columns): &(u64, Vec<u64>)) {
        self.lines.push(*line);
        self.columns.extend_from_slice(columns);
    }

    /// The position of row `i`.
    fn get(&self, i: usize) -> (u64, Vec<u64>) {
        let width = self.columns.len() / self.lines.len().max(1);
        let line = self.lines.get(i).copied().unwrap_or(0);
        let columns = self
            .columns
            .get(i * width..(i + 1) * width)
            .map_or_else(Vec::new, <[u64]>::to_vec);
        (line, columns)
    }
}

/// A converted row with where it was in the file (its line and each
/// column's position), or the input error that stops the import.
type Produced = Result<(Vec<Value>, (u64, Vec<u64>)), InputError>;

/// The rows the reading thread produced, as `Session::insert_rows` takes
/// them; keeps where the row last handed out was, for error messages.
struct Received {
    batches: std::sync::mpsc::Receiver<Vec<Produced>>,
    batch: std::vec::IntoIter<Produced>,
    last: (u64, Vec<u64>),
    failure: Option<InputError>,
}

impl Iterator for Received {
    type Item = Result<Vec<Value>>;

    fn next(&mut self) -> Option<Self::Item> {
        let item = match self.batch.next() {
            Some(item) => item,
            None => {
                self.batch = self.batches.recv().ok()?.into_iter();
                self.batch.next()?
            }
        };
        match item {
            Ok((row, at)) => {
                self.last = at;
                Some(Ok(row))
            }
            Err(e) => {
                let message = e.message.clone();
                self.failure = Some(e);
                Some(Err(Error::new(
                    SqlState::InvalidTextRepresentation,
                    message,
                )))
            }
        }
    }
}
