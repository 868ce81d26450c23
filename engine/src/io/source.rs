//! Reading records from CSV-like and JSON files as a stream, with the line
//! and column of every field, so that errors can point at the spot.
//!
//! CSV follows RFC 4180 and PostgreSQL's `COPY ... CSV`: fields are
//! separated by the delimiter, a field may be quoted with `"` (a quote
//! inside is doubled), records end with `\n` or `\r\n`. An unquoted field
//! equal to the NULL marker (the empty string by default) is NULL; a quoted
//! field never is, so `""` is an empty string. Completely empty lines are
//! skipped. A quote inside an unquoted field, or text after a closing
//! quote, is an error.

use std::io::{self, Read};

use serde::Deserialize;
use serde::de::{MapAccess, Visitor};

/// A field's value as read from the file.
#[derive(Debug)]
pub enum Raw {
    /// NULL (an unquoted NULL marker, or JSON `null`).
    Null,
    /// Text from a CSV-like file.
    Text(String),
    /// A value from a JSON file.
    Json(serde_json::Value),
}

/// One field of a record.
#[derive(Debug)]
pub struct Cell {
    /// The position of the field in the source's header.
    pub index: usize,
    /// The line the field starts on.
    pub line: u64,
    /// The column (in characters, from 1) the field starts at.
    pub column: u64,
    /// Its value.
    pub raw: Raw,
}

/// One record (a CSV line or a JSON object).
#[derive(Debug)]
pub struct Record {
    /// The line the record starts on.
    pub line: u64,
    /// The column the record starts at.
    pub column: u64,
    /// Its fields.
    pub cells: Vec<Cell>,
}

/// A problem in the input, at a position.
#[derive(Clone, Debug, PartialEq)]
pub struct InputError {
    /// The line, from 1.
    pub line: u64,
    /// The column, from 1.
    pub column: u64,
    /// What is wrong.
    pub message: String,
    /// Whether reading can go on with the next record (`--continue`).
    pub recoverable: bool,
}

impl InputError {
    fn new(line: u64, column: u64, message: impl Into<String>) -> InputError {
        InputError {
            line,
            column,
            message: message.into(),
            recoverable: true,
        }
    }

    fn fatal(mut self) -> InputError {
        self.recoverable = false;
        self
    }

    fn io(line: u64, e: &io::Error) -> InputError {
        InputError::new(line, 1, format!("cannot read: {e}")).fatal()
    }
}

/// A stream of records.
pub trait Source: Send {
    /// The field names seen so far (CSV: the header; JSON: the keys in the
    /// order they first appeared).
    fn header(&self) -> &[String];
    /// The next record, or `None` at the end.
    fn next_record(&mut self) -> Option<Result<Record, InputError>>;
    /// The source as one that reads records as text in bulk, if it can
    /// (CSV-like files).
    fn text(&mut self) -> Option<&mut dyn TextSource> {
        None
    }
}

/// A source of records as text (CSV-like files), read in bulk without an
/// allocation per field.
pub trait TextSource {
    /// Appends the next record to `batch`; `None` at the end. After an
    /// error (the record is not added) reading goes on with the next one
    /// if the error is recoverable. Its fields are not yet checked to be
    /// UTF-8 (unless bad bytes are to be replaced): whoever reads them as
    /// text does, and reports a bad field with [`utf8_error`] before any
    /// other error of the same record, as reading records one by one
    /// does.
    fn read_into(&mut self, batch: &mut TextBatch) -> Option<Result<(), InputError>>;
}

/// Reads bytes one at a time from a buffered reader, counting lines and
/// character columns.
#[derive(Debug)]
struct Bytes<R> {
    input: R,
    buf: Box<[u8]>,
    pos: usize,
    len: usize,
    line: u64,
    column: u64,
}

/// The line and column after `text`, read from `line` and `column`:
/// counted in bulk, not per byte, as most text is ASCII on one line,
/// where the column moves by the length.
fn advance_over(text: &[u8], line: u64, column: u64) -> (u64, u64) {
    let (line, column, on_last_line) = match text.iter().rposition(|&b| b == b'\n') {
        Some(at) => (
            line + text.iter().filter(|&&b| b == b'\n').count() as u64,
            1,
            &text[at + 1..],
        ),
        None => (line, column, text),
    };
    let chars = if on_last_line.is_ascii() {
        on_last_line.len()
    } else {
        on_last_line.iter().filter(|&&b| b & 0xC0 != 0x80).count()
    };
    (line, column + chars as u64)
}

impl<R: Read> Bytes<R> {
    fn new(input: R) -> Bytes<R> {
        Bytes {
            input,
            buf: vec![0; 1 << 16].into_boxed_slice(),
            pos: 0,
            len: 0,
            line: 1,
            column: 1,
        }
    }

    fn fill(&mut self) -> io::Result<bool> {
        if self.pos < self.len {
            return Ok(true);
        }
        loop {
            match self.input.read(&mut self.buf) {
                Ok(n) => {
                    self.pos = 0;
                    self.len = n;
                    return Ok(n > 0);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    fn peek(&mut self) -> io::Result<Option<u8>> {
        Ok(if self.fill()? {
            Some(self.buf[self.pos])
        } else {
            None
        })
    }

    fn advance(&mut self, b: u8) {
        self.pos += 1;
        if b == b'\n' {
            self.line += 1;
            self.column = 1;
        } else if b & 0xC0 != 0x80 {
            self.column += 1;
        }
    }

    fn next(&mut self) -> io::Result<Option<u8>> {
        let b = self.peek()?;
        if let Some(b) = b {
            self.advance(b);
        }
        Ok(b)
    }

    /// Copies bytes into `out` up to (not including) the first byte for
    /// which `stop` holds, or the end of the input.
    fn take_until(&mut self, out: &mut Vec<u8>, stop: impl Fn(u8) -> bool) -> io::Result<()> {
        while self.fill()? {
            let chunk = &self.buf[self.pos..self.len];
            let n = chunk.iter().position(|&b| stop(b)).unwrap_or(chunk.len());
            let taken = &chunk[..n];
            out.extend_from_slice(taken);
            (self.line, self.column) = advance_over(taken, self.line, self.column);
            self.pos += n;
            if self.pos < self.len {
                break;
            }
        }
        Ok(())
    }

    /// Skips a UTF-8 byte order mark at the start.
    fn skip_bom(&mut self) -> io::Result<()> {
        if self.fill()? && self.buf[..self.len].starts_with(&[0xEF, 0xBB, 0xBF]) {
            self.pos = 3;
        }
        Ok(())
    }
}

/// The error for a field (`bytes`, of the column `column`) that is not
/// UTF-8, at the first bad byte.
pub fn utf8_error(f: &FieldSpan, bytes: &[u8], e: std::str::Utf8Error, column: &str) -> InputError {
    let valid = &bytes[..e.valid_up_to()];
    let before = valid.rsplit(|&b| b == b'\n').next().unwrap_or(valid);
    let lines = valid.iter().filter(|&&b| b == b'\n').count() as u64;
    let chars = before.iter().filter(|&&b| b & 0xC0 != 0x80).count() as u64;
    let (l, c) = if lines == 0 {
        (f.line, f.column + chars + u64::from(f.quoted))
    } else {
        (f.line + lines, chars + 1)
    };
    InputError::new(l, c, format!("invalid UTF-8 in column \"{column}\""))
}

/// Where a field is in [`Fields::bytes`], and where it was in the file.
#[derive(Clone, Copy, Debug)]
pub struct FieldSpan {
    start: usize,
    end: usize,
    /// The line the field starts on.
    pub line: u64,
    /// The column (in characters, from 1) the field starts at.
    pub column: u64,
    quoted: bool,
    /// The field is NULL (set when its record is checked).
    pub null: bool,
}

/// Fields as the CSV scanner found them: their bytes (quotes removed,
/// doubled quotes undone) one after another in one buffer, so that
/// reading a field allocates nothing.
#[derive(Debug, Default)]
pub struct Fields {
    bytes: Vec<u8>,
    spans: Vec<FieldSpan>,
}

impl Fields {
    /// The bytes of a field.
    pub fn bytes(&self, span: &FieldSpan) -> &[u8] {
        &self.bytes[span.start..span.end]
    }

    fn clear(&mut self) {
        self.bytes.clear();
        self.spans.clear();
    }

    /// Drops the fields from the `keep`-th on.
    fn truncate(&mut self, keep: usize) {
        if let Some(first) = self.spans.get(keep) {
            self.bytes.truncate(first.start);
        }
        self.spans.truncate(keep);
    }

    /// Appends `other`'s fields.
    fn append(&mut self, other: &Fields) {
        let offset = self.bytes.len();
        self.bytes.extend_from_slice(&other.bytes);
        self.spans.extend(other.spans.iter().map(|s| FieldSpan {
            start: s.start + offset,
            end: s.end + offset,
            ..*s
        }));
    }
}

/// Records of a CSV-like file read in bulk, as text: an import's reading
/// thread fills one and hands it to a converting thread whole.
#[derive(Debug, Default)]
pub struct TextBatch {
    fields: Fields,
    /// Where each record's spans end in `fields.spans`.
    ends: Vec<usize>,
}

impl TextBatch {
    /// An empty batch with room for as much as `like` holds (batches come
    /// in similar sizes: growing each from nothing costs copies and fresh
    /// pages).
    pub fn sized_like(like: &TextBatch) -> TextBatch {
        TextBatch {
            fields: Fields {
                bytes: Vec::with_capacity(like.fields.bytes.len()),
                spans: Vec::with_capacity(like.fields.spans.len()),
            },
            ends: Vec::with_capacity(like.ends.len()),
        }
    }

    /// The records in the batch.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether the batch holds no record.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Empties the batch, keeping its buffers.
    pub fn clear(&mut self) {
        self.fields.clear();
        self.ends.clear();
    }

    /// The fields' bytes.
    pub fn fields(&self) -> &Fields {
        &self.fields
    }

    /// The fields of record `i` (a field per header column, checked).
    pub fn record(&self, i: usize) -> &[FieldSpan] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.fields.spans[start..self.ends[i]]
    }
}

/// CSV, TSV and PSV.
#[derive(Debug)]
pub struct CsvSource<R> {
    bytes: Bytes<R>,
    delimiter: u8,
    null: Vec<u8>,
    header: Vec<String>,
    /// A first record read to count the columns of a header-less file.
    pending: Option<Fields>,
    /// The fields of the record `next_record` reads.
    scratch: Fields,
    done: bool,
    /// Replace invalid UTF-8 with U+FFFD instead of refusing the row.
    lossy: bool,
}

impl<R: Read> CsvSource<R> {
    /// Replaces invalid UTF-8 in fields with U+FFFD instead of refusing
    /// the row (`--invalid-utf8 replace`).
    pub fn lossy(mut self, lossy: bool) -> CsvSource<R> {
        self.lossy = lossy;
        self
    }

    /// Opens a CSV-like stream; reads the header line unless `no_header`
    /// (then the columns are named `c1`, `c2`, ...).
    pub fn new(
        input: R,
        delimiter: u8,
        null: &str,
        no_header: bool,
    ) -> Result<CsvSource<R>, InputError> {
        let mut bytes = Bytes::new(input);
        bytes.skip_bom().map_err(|e| InputError::io(1, &e))?;
        let mut source = CsvSource {
            bytes,
            delimiter,
            null: null.as_bytes().to_vec(),
            header: Vec::new(),
            pending: None,
            scratch: Fields::default(),
            done: false,
            lossy: false,
        };
        let mut first = Fields::default();
        if !source.read_fields(&mut first)? {
            return Err(InputError::new(1, 1, "the file is empty").fatal());
        }
        if no_header {
            source.header = (1..=first.spans.len()).map(|i| format!("c{i}")).collect();
            source.check(&mut first, 0, true)?;
            source.pending = Some(first);
        } else {
            // Names seen so far: a set, so a header of thousands of columns
            // is checked in linear time.
            let mut seen = std::collections::HashSet::new();
            for f in &first.spans {
                let name = String::from_utf8(first.bytes(f).to_vec())
                    .map_err(|_| InputError::new(f.line, f.column, "invalid UTF-8").fatal())?;
                if name.is_empty() {
                    return Err(InputError::new(
                        f.line,
                        f.column,
                        "empty column name in the header",
                    )
                    .fatal());
                }
                if !seen.insert(name.clone()) {
                    return Err(InputError::new(
                        f.line,
                        f.column,
                        format!("column \"{name}\" appears twice in the header"),
                    )
                    .fatal());
                }
                source.header.push(name);
            }
        }
        Ok(source)
    }

    /// Appends the fields of the next non-empty line to `out`; `false` at
    /// the end of the input. After an error `out` may hold part of the line.
    fn read_fields(&mut self, out: &mut Fields) -> Result<bool, InputError> {
        let d = self.delimiter;
        loop {
            let b = &mut self.bytes;
            let io_err = |e: io::Error, line| InputError::io(line, &e);
            let start_line = b.line;
            match b.peek().map_err(|e| io_err(e, start_line))? {
                None => return Ok(false),
                Some(b'\n') => {
                    b.advance(b'\n');
                    continue;
                }
                Some(b'\r') => {
                    b.advance(b'\r');
                    if b.peek().map_err(|e| io_err(e, start_line))? == Some(b'\n') {
                        b.advance(b'\n');
                    }
                    continue;
                }
                Some(_) => {}
            }
            if self.scan_buffered(out) {
                return Ok(true);
            }
            let b = &mut self.bytes;
            loop {
                let mut field = FieldSpan {
                    start: out.bytes.len(),
                    end: 0,
                    line: b.line,
                    column: b.column,
                    quoted: false,
                    null: false,
                };
                let line = field.line;
                if b.peek().map_err(|e| io_err(e, line))? == Some(b'"') {
                    field.quoted = true;
                    b.advance(b'"');
                    loop {
                        b.take_until(&mut out.bytes, |c| c == b'"')
                            .map_err(|e| io_err(e, line))?;
                        match b.next().map_err(|e| io_err(e, line))? {
                            None => {
                                return Err(InputError::new(
                                    field.line,
                                    field.column,
                                    "unterminated quoted field",
                                )
                                .fatal());
                            }
                            Some(_) => {
                                if b.peek().map_err(|e| io_err(e, line))? == Some(b'"') {
                                    b.advance(b'"');
                                    out.bytes.push(b'"');
                                } else {
                                    break;
                                }
                            }
                        }
                    }
                    match b.peek().map_err(|e| io_err(e, line))? {
                        None | Some(b'\n' | b'\r') => {}
                        Some(c) if c == d => {}
                        Some(_) => {
                            let (l, c) = (b.line, b.column);
                            self.skip_line();
                            return Err(InputError::new(
                                l,
                                c,
                                "unexpected character after a closing quote",
                            ));
                        }
                    }
                } else {
                    b.take_until(&mut out.bytes, |c| {
                        c == d || c == b'\n' || c == b'\r' || c == b'"'
                    })
                    .map_err(|e| io_err(e, line))?;
                    if b.peek().map_err(|e| io_err(e, line))? == Some(b'"') {
                        let (l, c) = (b.line, b.column);
                        self.skip_line();
                        return Err(InputError::new(
                            l,
                            c,
                            "a quote inside an unquoted field (quote the whole field and double the quote)",
                        ));
                    }
                }
                field.end = out.bytes.len();
                out.spans.push(field);
                match b.next().map_err(|e| io_err(e, line))? {
                    Some(c) if c == d => continue,
                    Some(b'\r') => {
                        if b.peek().map_err(|e| io_err(e, line))? == Some(b'\n') {
                            b.advance(b'\n');
                        }
                        return Ok(true);
                    }
                    _ => return Ok(true),
                }
            }
        }
    }

    /// Reads the record at the current position straight from the buffer
    /// when it lies there whole and well formed (nearly always): one pass
    /// over a slice, without the byte-by-byte bookkeeping of
    /// `read_fields`. Anything else (a record running past the buffer, the
    /// end of the input, a malformed field) leaves the position and `out`
    /// as they were and returns `false`, and `read_fields` reads it, with
    /// its errors. Both follow the same grammar; the tests compare them.
    fn scan_buffered(&mut self, out: &mut Fields) -> bool {
        let d = self.delimiter;
        let b = &self.bytes;
        let buf = &b.buf[b.pos..b.len];
        let (first_span, first_byte) = (out.spans.len(), out.bytes.len());
        let give_up = |out: &mut Fields| {
            out.spans.truncate(first_span);
            out.bytes.truncate(first_byte);
            false
        };
        // Each field's offset in `buf` stands in its `column` until the
        // positions are worked out below, once per record.
        let mut at = 0;
        let (text_end, next) = loop {
            let mut field = FieldSpan {
                start: out.bytes.len(),
                end: 0,
                line: 0,
                column: at as u64,
                quoted: false,
                null: false,
            };
            if buf.get(at) == Some(&b'"') {
                field.quoted = true;
                at += 1;
                loop {
                    // Fields are short: a plain loop beats a vectorised
                    // search's setup.
                    let Some(n) = buf[at..].iter().position(|&c| c == b'"') else {
                        return give_up(out);
                    };
                    out.bytes.extend_from_slice(&buf[at..at + n]);
                    at += n + 1;
                    match buf.get(at) {
                        Some(b'"') => {
                            out.bytes.push(b'"');
                            at += 1;
                        }
                        Some(&c) if c == d || c == b'\n' || c == b'\r' => break,
                        _ => return give_up(out),
                    }
                }
            } else {
                let Some(n) = buf[at..]
                    .iter()
                    .position(|&c| c == d || c == b'\n' || c == b'\r' || c == b'"')
                else {
                    return give_up(out);
                };
                out.bytes.extend_from_slice(&buf[at..at + n]);
                at += n;
            }
            field.end = out.bytes.len();
            out.spans.push(field);
            match buf[at] {
                c if c == d => at += 1,
                b'\n' => break (at, at + 1),
                b'\r' => match buf.get(at + 1) {
                    Some(b'\n') => break (at, at + 2),
                    Some(_) => break (at, at + 1),
                    None => return give_up(out),
                },
                // A quote inside an unquoted field: `read_fields` says so.
                _ => return give_up(out),
            }
        };
        // Lines and columns: on one line of ASCII (nearly always) a field's
        // column is its offset from the line's; otherwise counted from
        // field to field.
        let raw = &buf[..text_end];
        let (mut line, mut column, mut from) = (b.line, b.column, 0);
        // One pass that the compiler vectorises: any byte over 0x7f, or a
        // line feed, sets a bit.
        let one_ascii_line = raw
            .iter()
            .fold(0u8, |bits, &c| bits | (c & 0x80) | u8::from(c == b'\n'))
            == 0;
        for span in &mut out.spans[first_span..] {
            let offset = span.column as usize;
            if one_ascii_line {
                column = b.column + offset as u64;
            } else {
                (line, column) = advance_over(&buf[from..offset], line, column);
            }
            from = offset;
            (span.line, span.column) = (line, column);
        }
        let (line, column) = match (one_ascii_line, buf[text_end]) {
            // The record ends with a line feed (or CR LF): the next starts
            // a line.
            (true, b'\n') => (b.line + 1, 1),
            (true, _) if next == text_end + 2 => (b.line + 1, 1),
            _ => advance_over(&buf[from..next], line, column),
        };
        let b = &mut self.bytes;
        b.pos += next;
        b.line = line;
        b.column = column;
        true
    }

    /// Skips to the start of the next line after an error.
    fn skip_line(&mut self) {
        let mut sink = Vec::new();
        let _ = self.bytes.take_until(&mut sink, |c| c == b'\n');
        let _ = self.bytes.next();
    }

    /// Checks the record whose fields are `out`'s from the `first`-th on:
    /// one field per header column, each NULL or (with `utf8`) UTF-8 (made
    /// so with `lossy`); marks the NULL ones.
    fn check(&self, out: &mut Fields, first: usize, utf8: bool) -> Result<(), InputError> {
        let fields = &out.spans[first..];
        if fields.len() != self.header.len() {
            let (line, first_column) = fields.first().map_or((0, 1), |f| (f.line, f.column));
            let last = fields.last().map_or(first_column, |f| f.column);
            return Err(InputError::new(
                line,
                if fields.len() > self.header.len() {
                    fields.get(self.header.len()).map_or(last, |f| f.column)
                } else {
                    last
                },
                format!(
                    "expected {} field{}, found {}",
                    self.header.len(),
                    if self.header.len() == 1 { "" } else { "s" },
                    fields.len()
                ),
            ));
        }
        let mut invalid = false;
        for (index, i) in (first..out.spans.len()).enumerate() {
            let f = out.spans[i];
            let bytes = out.bytes(&f);
            if !f.quoted && bytes == self.null.as_slice() {
                out.spans[i].null = true;
                continue;
            }
            if !utf8 {
                continue;
            }
            if let Err(e) = std::str::from_utf8(bytes) {
                if self.lossy {
                    invalid = true;
                    continue;
                }
                return Err(utf8_error(&f, bytes, e, &self.header[index]));
            }
        }
        if invalid {
            // Rare: rewrite the record's bytes with U+FFFD in place of
            // what is not UTF-8.
            let start = out.spans[first].start;
            let tail = out.bytes.split_off(start);
            for span in &mut out.spans[first..] {
                let text = String::from_utf8_lossy(&tail[span.start - start..span.end - start]);
                span.start = out.bytes.len();
                out.bytes.extend_from_slice(text.as_bytes());
                span.end = out.bytes.len();
            }
        }
        Ok(())
    }

    /// Appends the next record to `out`, checked (for UTF-8 only with
    /// `utf8`); `None` at the end. After an error `out` is as it was.
    fn read_record(&mut self, out: &mut Fields, utf8: bool) -> Option<Result<(), InputError>> {
        if let Some(first) = self.pending.take() {
            out.append(&first);
            return Some(Ok(()));
        }
        if self.done {
            return None;
        }
        let first = out.spans.len();
        let read = self
            .read_fields(out)
            .and_then(|more| more.then(|| self.check(out, first, utf8)).transpose());
        match read {
            Ok(Some(())) => Some(Ok(())),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                out.truncate(first);
                if !e.recoverable {
                    self.done = true;
                }
                Some(Err(e))
            }
        }
    }
}

impl<R: Read + Send> Source for CsvSource<R> {
    fn header(&self) -> &[String] {
        &self.header
    }

    fn next_record(&mut self) -> Option<Result<Record, InputError>> {
        let mut fields = std::mem::take(&mut self.scratch);
        fields.clear();
        let read = self.read_record(&mut fields, true).map(|r| {
            r.map(|()| {
                let (line, column) = fields.spans.first().map_or((0, 1), |f| (f.line, f.column));
                let cells = fields
                    .spans
                    .iter()
                    .enumerate()
                    .map(|(index, f)| Cell {
                        index,
                        line: f.line,
                        column: f.column,
                        raw: if f.null {
                            Raw::Null
                        } else {
                            // Checked to be UTF-8: this borrows, then copies once.
                            Raw::Text(String::from_utf8_lossy(fields.bytes(f)).into_owned())
                        },
                    })
                    .collect();
                Record {
                    line,
                    column,
                    cells,
                }
            })
        });
        self.scratch = fields;
        read
    }

    fn text(&mut self) -> Option<&mut dyn TextSource> {
        Some(self)
    }
}

impl<R: Read + Send> TextSource for CsvSource<R> {
    fn read_into(&mut self, batch: &mut TextBatch) -> Option<Result<(), InputError>> {
        // The converter checks UTF-8 as it converts (see `TextSource`),
        // unless invalid bytes are to be replaced here.
        let read = self.read_record(&mut batch.fields, self.lossy);
        if let Some(Ok(())) = read {
            batch.ends.push(batch.fields.spans.len());
        }
        read
    }
}

/// A JSON object with its keys in the order written.
struct Object(Vec<(String, serde_json::Value)>);

impl<'de> Deserialize<'de> for Object {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Object, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Object;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Object, A::Error> {
                let mut fields: Vec<(String, serde_json::Value)> = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, serde_json::Value>()? {
                    if fields.iter().any(|(name, _)| *name == k) {
                        return Err(serde::de::Error::custom(format!("duplicate key \"{k}\"")));
                    }
                    fields.push((k, v));
                }
                Ok(Object(fields))
            }
        }
        d.deserialize_map(V)
    }
}

/// JSON: an array of objects, or JSON Lines (one object per line).
#[derive(Debug)]
pub struct JsonSource<R> {
    bytes: Bytes<R>,
    lines: bool,
    header: Vec<String>,
    started: bool,
    done: bool,
    element: Vec<u8>,
    /// Replace invalid UTF-8 with U+FFFD instead of refusing the element.
    lossy: bool,
}

impl<R: Read> JsonSource<R> {
    /// A JSON array of objects (`lines == false`) or JSON Lines.
    pub fn new(input: R, lines: bool) -> Result<JsonSource<R>, InputError> {
        let mut bytes = Bytes::new(input);
        bytes.skip_bom().map_err(|e| InputError::io(1, &e))?;
        Ok(JsonSource {
            bytes,
            lines,
            header: Vec::new(),
            started: false,
            done: false,
            element: Vec::new(),
            lossy: false,
        })
    }

    /// Replaces invalid UTF-8 with U+FFFD instead of refusing the element
    /// (`--invalid-utf8 replace`).
    pub fn lossy(mut self, lossy: bool) -> JsonSource<R> {
        self.lossy = lossy;
        self
    }

    fn skip_ws(&mut self) -> Result<Option<u8>, InputError> {
        loop {
            let line = self.bytes.line;
            match self.bytes.peek().map_err(|e| InputError::io(line, &e))? {
                Some(b @ (b' ' | b'\t' | b'\r' | b'\n')) => self.bytes.advance(b),
                other => return Ok(other),
            }
        }
    }

    fn error(&self, message: impl Into<String>) -> InputError {
        InputError::new(self.bytes.line, self.bytes.column, message).fatal()
    }

    /// The bytes of the next element of the array, up to its end.
    fn scan_element(&mut self) -> Result<(), InputError> {
        self.element.clear();
        let mut depth = 0usize;
        let mut in_string = false;
        let mut escape = false;
        loop {
            let line = self.bytes.line;
            let Some(b) = self.bytes.next().map_err(|e| InputError::io(line, &e))? else {
                return Err(self.error("unexpected end of the file inside a JSON value"));
            };
            self.element.push(b);
            if in_string {
                if escape {
                    escape = false;
                } else if b == b'\\' {
                    escape = true;
                } else if b == b'"' {
                    in_string = false;
                }
                continue;
            }
            match b {
                b'"' => in_string = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return Ok(());
                    }
                }
                _ if depth == 0 => {
                    // A scalar where an object belongs: take the rest of it
                    // so the error can say what it is.
                    let mut rest = Vec::new();
                    let _ = self.bytes.take_until(&mut rest, |c| {
                        matches!(c, b',' | b']' | b' ' | b'\n' | b'\r' | b'\t')
                    });
                    self.element.extend_from_slice(&rest);
                    return Ok(());
                }
                _ => {}
            }
        }
    }

    fn parse(&mut self, line: u64, column: u64) -> Result<Record, InputError> {
        if self.lossy && std::str::from_utf8(&self.element).is_err() {
            self.element = String::from_utf8_lossy(&self.element)
                .into_owned()
                .into_bytes();
        }
        let object: Object = match serde_json::from_slice(&self.element) {
            Ok(o) => o,
            Err(e) => {
                let (l, c) = if e.line() <= 1 {
                    (line, column + e.column().saturating_sub(1) as u64)
                } else {
                    (line + e.line() as u64 - 1, e.column() as u64)
                };
                let mut message = e.to_string();
                if let Some(i) = message.rfind(" at line ") {
                    message.truncate(i);
                }
                if e.is_data() {
                    message = format!("expected a JSON object: {message}");
                } else {
                    message = format!("malformed JSON: {message}");
                }
                return Err(InputError::new(l, c, message));
            }
        };
        let mut cells = Vec::with_capacity(object.0.len());
        for (key, value) in object.0 {
            let index = match self.header.iter().position(|h| *h == key) {
                Some(i) => i,
                None => {
                    self.header.push(key);
                    self.header.len() - 1
                }
            };
            let raw = if value.is_null() {
                Raw::Null
            } else {
                Raw::Json(value)
            };
            cells.push(Cell {
                index,
                line,
                column,
                raw,
            });
        }
        Ok(Record {
            line,
            column,
            cells,
        })
    }

    fn next_line(&mut self) -> Option<Result<Record, InputError>> {
        loop {
            let line = self.bytes.line;
            self.element.clear();
            let mut raw = Vec::new();
            if let Err(e) = self.bytes.take_until(&mut raw, |c| c == b'\n') {
                self.done = true;
                return Some(Err(InputError::io(line, &e)));
            }
            let at_end = matches!(self.bytes.next(), Ok(None) | Err(_));
            let text = raw.trim_ascii();
            if text.is_empty() {
                if at_end {
                    self.done = true;
                    return None;
                }
                continue;
            }
            let column = 1 + raw.iter().take_while(|b| b.is_ascii_whitespace()).count() as u64;
            self.element.extend_from_slice(text);
            if at_end {
                self.done = true;
            }
            return Some(self.parse(line, column));
        }
    }
}

impl<R: Read + Send> Source for JsonSource<R> {
    fn header(&self) -> &[String] {
        &self.header
    }

    fn next_record(&mut self) -> Option<Result<Record, InputError>> {
        if self.done {
            return None;
        }
        if self.lines {
            return self.next_line();
        }
        let step = (|| {
            if !self.started {
                self.started = true;
                match self.skip_ws()? {
                    Some(b'[') => self.bytes.advance(b'['),
                    None => return Err(self.error("the file is empty")),
                    Some(_) => {
                        return Err(
                            self.error("malformed JSON: expected `[` (an array of objects)")
                        );
                    }
                }
                if self.skip_ws()? == Some(b']') {
                    self.bytes.advance(b']');
                    return self.finish();
                }
            } else {
                match self.skip_ws()? {
                    Some(b',') => {
                        self.bytes.advance(b',');
                        if self.skip_ws()? == Some(b']') {
                            return Err(self.error("malformed JSON: trailing comma"));
                        }
                    }
                    Some(b']') => {
                        self.bytes.advance(b']');
                        return self.finish();
                    }
                    None => return Err(self.error("malformed JSON: unexpected end of the file")),
                    Some(_) => return Err(self.error("malformed JSON: expected `,` or `]`")),
                }
            }
            self.skip_ws()?;
            let (line, column) = (self.bytes.line, self.bytes.column);
            self.scan_element()?;
            self.parse(line, column).map(Some)
        })();
        match step {
            Ok(Some(r)) => Some(Ok(r)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                if !e.recoverable {
                    self.done = true;
                }
                Some(Err(e))
            }
        }
    }
}

impl<R: Read> JsonSource<R> {
    fn finish(&mut self) -> Result<Option<Record>, InputError> {
        if self.skip_ws()?.is_some() {
            return Err(self.error("malformed JSON: text after the end of the array"));
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Hands out its bytes one at a time: no record is ever whole in the
    /// buffer, so every record goes through `read_fields`.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            match (self.0.split_first(), buf.first_mut()) {
                (Some((b, rest)), Some(slot)) => {
                    *slot = *b;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    /// Every record (or error) a source gives, as text.
    fn all<R: Read + Send>(source: Result<CsvSource<R>, InputError>) -> Vec<String> {
        let mut source = match source {
            Ok(s) => s,
            Err(e) => return vec![format!("{e:?}")],
        };
        let mut out = vec![format!("{:?}", source.header())];
        while let Some(r) = source.next_record() {
            out.push(format!("{r:?}"));
        }
        out
    }

    /// Every record a source gives through `read_into`, as text.
    fn all_batched<R: Read + Send>(source: Result<CsvSource<R>, InputError>) -> Vec<String> {
        let mut source = match source {
            Ok(s) => s,
            Err(e) => return vec![format!("{e:?}")],
        };
        let mut out = vec![format!("{:?}", source.header())];
        let mut batch = TextBatch::default();
        while let Some(r) = source.read_into(&mut batch) {
            if let Err(e) = r {
                out.push(format!("{e:?}"));
            }
        }
        for i in 0..batch.len() {
            let fields: Vec<_> = batch
                .record(i)
                .iter()
                .map(|f| (f.line, f.column, f.null, batch.fields().bytes(f).to_vec()))
                .collect();
            out.push(format!("{fields:?}"));
        }
        out
    }

    proptest! {
        /// Reading a record straight from the buffer and byte by byte give
        /// the same fields, positions and errors.
        #[test]
        fn buffered_and_byte_by_byte_reading_agree(
            text in proptest::collection::vec(
                prop::sample::select(vec!["a", "bc", "é", ",", "\"", "\"\"", "\n", "\r", "\r\n", " ", "\u{1F600}"]),
                0..60,
            ),
            no_header in any::<bool>(),
        ) {
            let text = text.concat();
            let bytes = text.as_bytes();
            let whole = all(CsvSource::new(bytes, b',', "", no_header));
            let trickled = all(CsvSource::new(Trickle(bytes), b',', "", no_header));
            prop_assert_eq!(whole, trickled);
            let whole = all_batched(CsvSource::new(bytes, b',', "", no_header));
            let trickled = all_batched(CsvSource::new(Trickle(bytes), b',', "", no_header));
            prop_assert_eq!(whole, trickled);
        }
    }
}
