//! The on-disk chunk store of a repository's `.arbor/` folder.
//!
//! Files: `journal` (append-only chunk and root records, see `journal.rs`),
//! `index` (a sorted table of chunk locations up to some root, see
//! `index.rs`) and `LOCK` (held by the one writer process).
//!
//! ## Write protocol
//!
//! 1. `put_many` appends chunk records (buffered in memory, flushed in large
//!    appends). They are readable by this writer at once, but belong to no
//!    published root yet.
//! 2. `compare_and_swap_root` checks the expected root, flushes, **syncs**
//!    the journal (so every chunk is durable), appends a root record and
//!    **syncs** again. Only then does the new root become visible.
//! 3. Now and then the index is rewritten: `index.tmp` written and synced,
//!    renamed over `index`, and the folder synced.
//!
//! ## Opening
//!
//! The index is read whole (if valid), then the journal is scanned from the
//! offset it covers. The store's state is the last complete root record.
//! Bytes after it (an interrupted batch) are a torn tail, cut off by a writer.
//! A record that fails to decode *before* a later valid root record is damage
//! in the middle of the log: the store refuses to open rather than serve an
//! older state.

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use super::ChunkStore;
use super::index::{IndexFile, Location};
use super::journal::{
    CHUNK_HEADER_LEN, CHUNK_RECORD, ChunkHeader, FILE_HEADER_LEN, FLAG_LZ4, MAGIC, ROOT_RECORD,
    ROOT_RECORD_LEN, RootRecord, VERSION, decode_chunk_header, decode_root, encode_chunk_header,
    encode_root, file_header,
};
use super::storage::{FsStorage, Storage, StorageFile, StorageLock};
use crate::address::Address;
use crate::chunk::Chunk;
use crate::error::{Error, Result};

const JOURNAL: &str = "journal";
const INDEX: &str = "index";
const INDEX_TMP: &str = "index.tmp";
const LOCK: &str = "LOCK";

/// Buffered chunk records are appended to the journal once they pass this size.
const FLUSH_BYTES: usize = 1 << 20;
/// The index is rewritten when the unindexed part of the journal passes this
/// size and an eighth of the indexed part, keeping both open time and total
/// index writes small.
const REINDEX_MIN_BYTES: u64 = 4 << 20;

/// How to open a store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpenMode {
    /// Take the writer lock (waiting at most this long), create the store if missing.
    ReadWrite {
        /// Longest wait for another writer to finish.
        lock_wait: Duration,
    },
    /// No lock; read the last published root at open time (a snapshot).
    ReadOnly,
}

/// What a full verification of the journal found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VerifyReport {
    /// Chunk records read and checked.
    pub chunks: u64,
    /// Root records read.
    pub roots: u64,
    /// Problems found, each naming an offset.
    pub problems: Vec<String>,
}

/// Counters of a store's activity since it was opened.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DiskStats {
    /// Bytes appended to the journal.
    pub bytes_appended: u64,
    /// Chunk records appended.
    pub chunks_appended: u64,
    /// Index rewrites.
    pub index_writes: u64,
}

struct Writer {
    journal: Box<dyn StorageFile>,
    /// Published state: the last root record and where it ends.
    root: Option<Address>,
    sequence: u64,
    committed_len: u64,
    /// The index as last read or written.
    index: IndexFile,
    /// Chunks after `index.covered_len` (published and pending alike).
    tail: HashMap<Address, Location>,
    /// Bytes of the tail published since the index was written.
    tail_bytes: u64,
    /// Chunk records written since the last root (absent after a crash).
    pending: Vec<Address>,
    /// Records not yet appended to the file, starting at `buffer_at`.
    buffer: Vec<u8>,
    buffer_at: u64,
    /// Set when a failed write could not be undone: the store must be reopened.
    poisoned: bool,
    stats: DiskStats,
}

/// A chunk store in a folder, crash-safe, with one writer process at a time.
pub struct DiskStore {
    storage: Arc<dyn Storage>,
    read_only: bool,
    state: Mutex<Writer>,
    _lock: Option<Box<dyn StorageLock>>,
}

impl fmt::Debug for DiskStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DiskStore")
            .field("journal", &self.storage.describe(JOURNAL))
            .field("read_only", &self.read_only)
            .finish()
    }
}

fn io_err(storage: &dyn Storage, what: &str, e: io::Error) -> Error {
    Error::io(format!("{what} {}", storage.describe(JOURNAL)), e)
}

impl DiskStore {
    /// Opens (or, read-write, creates) the store in folder `dir`.
    pub fn open_dir(dir: impl AsRef<std::path::Path>, mode: OpenMode) -> Result<DiskStore> {
        if mode == OpenMode::ReadOnly && !dir.as_ref().join(JOURNAL).exists() {
            return Err(Error::io(
                format!("no Arbor store at {}", dir.as_ref().display()),
                io::Error::from(io::ErrorKind::NotFound),
            ));
        }
        DiskStore::open(Arc::new(FsStorage::new(dir)?), mode)
    }

    /// Opens (or, read-write, creates) the store held by `storage`.
    pub fn open(storage: Arc<dyn Storage>, mode: OpenMode) -> Result<DiskStore> {
        let (lock, read_only) = match mode {
            OpenMode::ReadWrite { lock_wait } => (Some(storage.lock(LOCK, lock_wait)?), false),
            OpenMode::ReadOnly => (None, true),
        };
        let s = storage.as_ref();
        let created = !s.exists(JOURNAL).map_err(|e| io_err(s, "cannot read", e))?;
        if created && read_only {
            return Err(io_err(
                s,
                "no journal at",
                io::Error::from(io::ErrorKind::NotFound),
            ));
        }
        let mut journal = s
            .open(JOURNAL, !read_only)
            .map_err(|e| io_err(s, "cannot open", e))?;
        if created {
            journal
                .append(&file_header())
                .map_err(|e| io_err(s, "cannot write", e))?;
            journal.sync().map_err(|e| io_err(s, "cannot sync", e))?;
            s.sync_dir()
                .map_err(|e| io_err(s, "cannot sync the folder of", e))?;
        }
        check_file_header(s, journal.as_ref())?;
        let index = load_index(s, journal.as_ref())?;
        let mut writer = Writer {
            journal,
            root: index.root,
            sequence: index.sequence,
            committed_len: index.covered_len.max(FILE_HEADER_LEN),
            tail: HashMap::new(),
            tail_bytes: 0,
            pending: Vec::new(),
            buffer: Vec::new(),
            buffer_at: 0,
            poisoned: false,
            stats: DiskStats::default(),
            index,
        };
        scan_tail(s, &mut writer)?;
        let len = writer
            .journal
            .len()
            .map_err(|e| io_err(s, "cannot read", e))?;
        if !read_only && len > writer.committed_len {
            // A torn tail: records of a batch whose root never made it.
            writer
                .journal
                .truncate(writer.committed_len)
                .map_err(|e| io_err(s, "cannot truncate", e))?;
            writer
                .journal
                .sync()
                .map_err(|e| io_err(s, "cannot sync", e))?;
        }
        writer.buffer_at = writer.committed_len;
        Ok(DiskStore {
            storage,
            read_only,
            state: Mutex::new(writer),
            _lock: lock,
        })
    }

    fn lock(&self) -> MutexGuard<'_, Writer> {
        // Every mutation either completes or sets `poisoned`, so the state
        // behind a poisoned mutex is still consistent.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Length of the journal in bytes, including buffered writes.
    pub fn journal_len(&self) -> u64 {
        let w = self.lock();
        w.buffer_at + w.buffer.len() as u64
    }

    /// Counters since the store was opened.
    pub fn stats(&self) -> DiskStats {
        self.lock().stats
    }

    /// Picks up roots published by another process since this store was opened.
    pub fn refresh(&self) -> Result<()> {
        let mut w = self.lock();
        if !w.pending.is_empty() || !w.buffer.is_empty() {
            return Ok(());
        }
        scan_tail(self.storage.as_ref(), &mut w)?;
        w.buffer_at = w.committed_len;
        Ok(())
    }

    /// Re-reads every chunk record in the journal and checks it against its
    /// address. Damage is reported, not raised.
    pub fn verify(&self) -> Result<VerifyReport> {
        let w = self.lock();
        let s = self.storage.as_ref();
        let mut report = VerifyReport::default();
        let mut at = FILE_HEADER_LEN;
        let end = w.committed_len;
        while at < end {
            let mut kind = [0u8; 1];
            w.journal
                .read_at(at, &mut kind)
                .map_err(|e| io_err(s, "cannot read", e))?;
            match kind[0] {
                ROOT_RECORD => {
                    report.roots += 1;
                    at += ROOT_RECORD_LEN as u64;
                }
                CHUNK_RECORD => {
                    let mut hb = [0u8; CHUNK_HEADER_LEN];
                    w.journal
                        .read_at(at, &mut hb)
                        .map_err(|e| io_err(s, "cannot read", e))?;
                    let Ok(h) = decode_chunk_header(&hb) else {
                        report
                            .problems
                            .push(format!("offset {at}: damaged chunk record header"));
                        break;
                    };
                    let loc = Location {
                        offset: at,
                        stored_len: h.stored_len,
                        raw_len: h.raw_len,
                        flags: h.flags,
                    };
                    if let Err(e) = read_record(s, w.journal.as_ref(), &h.address, &loc) {
                        report.problems.push(format!("offset {at}: {e}"));
                    }
                    report.chunks += 1;
                    at += (CHUNK_HEADER_LEN as u64) + u64::from(h.stored_len);
                }
                other => {
                    report
                        .problems
                        .push(format!("offset {at}: unknown record type {other:#04x}"));
                    break;
                }
            }
        }
        Ok(report)
    }

    fn locate(w: &Writer, address: &Address) -> Option<Location> {
        w.tail
            .get(address)
            .copied()
            .or_else(|| w.index.find(address))
    }

    /// Undoes a failed publish: cuts the journal back to the last root and
    /// forgets the chunks written since, so the store stays usable.
    fn abandon_pending(&self, w: &mut Writer) {
        for a in std::mem::take(&mut w.pending) {
            w.tail.remove(&a);
        }
        w.buffer.clear();
        w.buffer_at = w.committed_len;
        let undone = w
            .journal
            .truncate(w.committed_len)
            .and_then(|()| w.journal.sync());
        if undone.is_err() {
            w.poisoned = true;
        }
    }

    fn flush(&self, w: &mut Writer) -> Result<()> {
        if w.buffer.is_empty() {
            return Ok(());
        }
        let s = self.storage.as_ref();
        let buffer = std::mem::take(&mut w.buffer);
        w.journal
            .append(&buffer)
            .map_err(|e| io_err(s, "cannot write", e))?;
        w.buffer_at += buffer.len() as u64;
        w.stats.bytes_appended += buffer.len() as u64;
        Ok(())
    }

    fn publish(&self, w: &mut Writer, expected: Option<Address>, new: Address) -> Result<bool> {
        let s = self.storage.as_ref();
        self.flush(w)?;
        // Chunks first: a root must never be durable before what it reaches.
        w.journal.sync().map_err(|e| io_err(s, "cannot sync", e))?;
        let record = RootRecord {
            previous: expected,
            root: new,
            sequence: w.sequence + 1,
        };
        w.journal
            .append(&encode_root(&record))
            .map_err(|e| io_err(s, "cannot write", e))?;
        w.journal.sync().map_err(|e| io_err(s, "cannot sync", e))?;
        w.stats.bytes_appended += ROOT_RECORD_LEN as u64;
        let published = (w.buffer_at + ROOT_RECORD_LEN as u64) - w.committed_len;
        w.tail_bytes += published;
        w.committed_len = w.buffer_at + ROOT_RECORD_LEN as u64;
        w.buffer_at = w.committed_len;
        w.root = Some(new);
        w.sequence = record.sequence;
        w.pending.clear();
        Ok(true)
    }

    /// Rewrites the index if the unindexed tail has grown large. A failure
    /// here loses nothing (the index is a cache), so it is not reported.
    fn maybe_reindex(&self, w: &mut Writer) {
        let (covered, old_root, old_sequence) =
            (w.index.covered_len, w.index.root, w.index.sequence);
        if w.tail_bytes < REINDEX_MIN_BYTES.max(covered / 8) {
            return;
        }
        let mut entries = std::mem::take(&mut w.index.entries);
        entries.extend(w.tail.iter().map(|(a, l)| (*a, *l)));
        entries.sort_unstable_by_key(|e| e.0);
        entries.dedup_by_key(|e| e.0);
        let index = IndexFile {
            covered_len: w.committed_len,
            root: w.root,
            sequence: w.sequence,
            entries,
        };
        let s = self.storage.as_ref();
        let written = (|| -> io::Result<()> {
            if s.exists(INDEX_TMP)? {
                s.remove(INDEX_TMP)?;
            }
            let mut f = s.open(INDEX_TMP, true)?;
            f.append(&index.encode())?;
            f.sync()?;
            s.rename(INDEX_TMP, INDEX)?;
            s.sync_dir()
        })();
        if written.is_ok() {
            w.index = index;
            w.tail.clear();
            w.tail_bytes = 0;
            w.stats.index_writes += 1;
        } else {
            // The index file on disk is unchanged and the tail map still holds
            // everything after it. Keep the merged entries for lookups (they
            // include the old ones) but not its claim to cover more; a later
            // publish tries again.
            w.index = IndexFile {
                covered_len: covered,
                root: old_root,
                sequence: old_sequence,
                entries: index.entries,
            };
        }
    }
}

fn check_file_header(s: &dyn Storage, journal: &dyn StorageFile) -> Result<()> {
    let mut h = [0u8; FILE_HEADER_LEN as usize];
    let ok = journal.read_at(0, &mut h).is_ok()
        && &h[..8] == MAGIC
        && u32::from_le_bytes(h[8..12].try_into().expect("4 bytes")) == VERSION;
    if !ok {
        return Err(Error::DamagedJournal {
            path: s.describe(JOURNAL),
            offset: 0,
            reason: "not an Arbor journal of a version this build reads".into(),
        });
    }
    Ok(())
}

/// Reads the index if it is valid and agrees with the journal; otherwise an
/// empty index covering only the file header (the journal is then scanned).
fn load_index(s: &dyn Storage, journal: &dyn StorageFile) -> Result<IndexFile> {
    let empty = IndexFile {
        covered_len: FILE_HEADER_LEN,
        ..IndexFile::default()
    };
    let Ok(file) = s.open(INDEX, false) else {
        return Ok(empty);
    };
    let len = file
        .len()
        .map_err(|e| io_err(s, "cannot read the index beside", e))?;
    let Ok(len) = usize::try_from(len) else {
        return Ok(empty);
    };
    let mut bytes = vec![0u8; len];
    if file.read_at(0, &mut bytes).is_err() {
        return Ok(empty);
    }
    let Some(index) = IndexFile::decode(&bytes) else {
        return Ok(empty);
    };
    // The index must end at a root record of the journal, naming the same root.
    let journal_len = journal.len().map_err(|e| io_err(s, "cannot read", e))?;
    let root_at = index.covered_len.checked_sub(ROOT_RECORD_LEN as u64);
    let agrees = match (root_at, index.root) {
        (Some(at), Some(root)) if index.covered_len <= journal_len && at >= FILE_HEADER_LEN => {
            let mut b = [0u8; ROOT_RECORD_LEN];
            journal.read_at(at, &mut b).is_ok()
                && decode_root(&b).is_some_and(|r| r.root == root && r.sequence == index.sequence)
        }
        _ => false,
    };
    Ok(if agrees { index } else { empty })
}

/// Reads records from the published end onwards, publishing each complete
/// root found. Stops at the end or at a torn tail; refuses damage that is
/// followed by a valid root.
fn scan_tail(s: &dyn Storage, w: &mut Writer) -> Result<()> {
    let len = w.journal.len().map_err(|e| io_err(s, "cannot read", e))?;
    let mut at = w.committed_len;
    let mut since_root: Vec<(Address, Location)> = Vec::new();
    let mut bytes_since_index = 0u64;
    while at < len {
        let record = read_record_header(w.journal.as_ref(), at, len);
        match record {
            Ok(Record::Chunk(h, next)) => {
                since_root.push((
                    h.address,
                    Location {
                        offset: at,
                        stored_len: h.stored_len,
                        raw_len: h.raw_len,
                        flags: h.flags,
                    },
                ));
                at = next;
            }
            Ok(Record::Root(r)) => {
                at += ROOT_RECORD_LEN as u64;
                bytes_since_index += at - w.committed_len;
                w.tail.extend(since_root.drain(..));
                w.root = Some(r.root);
                w.sequence = r.sequence;
                w.committed_len = at;
            }
            Err(reason) => {
                if let Some(later) = find_root_after(w.journal.as_ref(), at + 1, len) {
                    return Err(Error::DamagedJournal {
                        path: s.describe(JOURNAL),
                        offset: at,
                        reason: format!("{reason} (a valid root record follows at offset {later})"),
                    });
                }
                break;
            }
        }
    }
    w.tail_bytes += bytes_since_index;
    Ok(())
}

enum Record {
    Chunk(ChunkHeader, u64),
    Root(RootRecord),
}

fn read_record_header(
    journal: &dyn StorageFile,
    at: u64,
    len: u64,
) -> Result<Record, &'static str> {
    let mut kind = [0u8; 1];
    journal
        .read_at(at, &mut kind)
        .map_err(|_| "cannot read the record type")?;
    match kind[0] {
        CHUNK_RECORD => {
            if len - at < CHUNK_HEADER_LEN as u64 {
                return Err("truncated chunk record header");
            }
            let mut hb = [0u8; CHUNK_HEADER_LEN];
            journal
                .read_at(at, &mut hb)
                .map_err(|_| "cannot read a chunk record header")?;
            let h = decode_chunk_header(&hb)?;
            let next = at + CHUNK_HEADER_LEN as u64 + u64::from(h.stored_len);
            if next > len {
                return Err("truncated chunk record");
            }
            Ok(Record::Chunk(h, next))
        }
        ROOT_RECORD => {
            if len - at < ROOT_RECORD_LEN as u64 {
                return Err("truncated root record");
            }
            let mut b = [0u8; ROOT_RECORD_LEN];
            journal
                .read_at(at, &mut b)
                .map_err(|_| "cannot read a root record")?;
            decode_root(&b)
                .map(Record::Root)
                .ok_or("root record fails its checksum")
        }
        _ => Err("unknown record type"),
    }
}

/// The offset of the first valid root record at or after `from`, if any.
fn find_root_after(journal: &dyn StorageFile, from: u64, len: u64) -> Option<u64> {
    const WINDOW: u64 = 1 << 20;
    let mut start = from;
    while start + ROOT_RECORD_LEN as u64 <= len {
        let end = (start + WINDOW + ROOT_RECORD_LEN as u64).min(len);
        let mut buf = vec![0u8; usize::try_from(end - start).ok()?];
        journal.read_at(start, &mut buf).ok()?;
        for i in 0..buf.len().saturating_sub(ROOT_RECORD_LEN - 1) {
            if buf[i] == ROOT_RECORD && decode_root(&buf[i..]).is_some() {
                return Some(start + i as u64);
            }
        }
        start += WINDOW;
    }
    None
}

/// Reads and verifies the chunk at `loc`.
fn read_record(
    s: &dyn Storage,
    journal: &dyn StorageFile,
    address: &Address,
    loc: &Location,
) -> Result<Chunk> {
    let mut stored = vec![0u8; loc.stored_len as usize];
    journal
        .read_at(loc.offset + CHUNK_HEADER_LEN as u64, &mut stored)
        .map_err(|e| {
            io_err(
                s,
                &format!(
                    "cannot read chunk {} at offset {} of",
                    address.short(12),
                    loc.offset
                ),
                e,
            )
        })?;
    decode_stored(stored, loc).and_then(|bytes| {
        Chunk::from_bytes_verified(
            *address,
            bytes,
            Some(format!("{} offset {}", s.describe(JOURNAL), loc.offset)),
        )
    })
}

fn decode_stored(stored: Vec<u8>, loc: &Location) -> Result<Vec<u8>> {
    if loc.flags & FLAG_LZ4 == 0 {
        return Ok(stored);
    }
    lz4_flex::block::decompress(&stored, loc.raw_len as usize).map_err(|e| {
        Error::corrupt(format!(
            "chunk at offset {} does not decompress: {e}",
            loc.offset
        ))
    })
}

/// Compresses a chunk with lz4 if that saves at least an eighth.
fn encode_stored(chunk: &Chunk) -> (u8, Vec<u8>) {
    let compressed = lz4_flex::block::compress(chunk.bytes());
    if compressed.len() + chunk.len() / 8 <= chunk.len() {
        (FLAG_LZ4, compressed)
    } else {
        (0, chunk.bytes().to_vec())
    }
}

impl ChunkStore for DiskStore {
    fn get(&self, address: &Address) -> Result<Option<Chunk>> {
        let w = self.lock();
        let Some(loc) = DiskStore::locate(&w, address) else {
            return Ok(None);
        };
        if loc.offset >= w.buffer_at {
            // Still in the write buffer.
            let start = usize::try_from(loc.offset - w.buffer_at)
                .map_err(|_| Error::corrupt("buffer offset"))?;
            let body = start + CHUNK_HEADER_LEN;
            let stored = w.buffer[body..body + loc.stored_len as usize].to_vec();
            let bytes = decode_stored(stored, &loc)?;
            return Chunk::from_bytes_verified(*address, bytes, None).map(Some);
        }
        read_record(self.storage.as_ref(), w.journal.as_ref(), address, &loc).map(Some)
    }

    fn has(&self, address: &Address) -> Result<bool> {
        Ok(DiskStore::locate(&self.lock(), address).is_some())
    }

    fn put_many(&self, chunks: &[Chunk]) -> Result<()> {
        if self.read_only {
            return Err(Error::ReadOnly);
        }
        let mut w = self.lock();
        if w.poisoned {
            return Err(Error::corrupt(
                "an earlier write failed and could not be undone; reopen the store",
            ));
        }
        for chunk in chunks {
            let address = chunk.address();
            if DiskStore::locate(&w, &address).is_some() {
                continue;
            }
            let (flags, stored) = encode_stored(chunk);
            let header = ChunkHeader {
                flags,
                stored_len: u32::try_from(stored.len())
                    .map_err(|_| Error::corrupt("chunk too large"))?,
                raw_len: u32::try_from(chunk.len())
                    .map_err(|_| Error::corrupt("chunk too large"))?,
                address,
            };
            let offset = w.buffer_at + w.buffer.len() as u64;
            w.buffer.extend_from_slice(&encode_chunk_header(&header));
            w.buffer.extend_from_slice(&stored);
            w.tail.insert(
                address,
                Location {
                    offset,
                    stored_len: header.stored_len,
                    raw_len: header.raw_len,
                    flags,
                },
            );
            w.pending.push(address);
            w.stats.chunks_appended += 1;
            if w.buffer.len() >= FLUSH_BYTES
                && let Err(e) = self.flush(&mut w)
            {
                self.abandon_pending(&mut w);
                return Err(e);
            }
        }
        Ok(())
    }

    fn root(&self) -> Result<Option<Address>> {
        Ok(self.lock().root)
    }

    fn compare_and_swap_root(&self, expected: Option<Address>, new: Address) -> Result<bool> {
        if self.read_only {
            return Err(Error::ReadOnly);
        }
        let mut w = self.lock();
        if w.poisoned {
            return Err(Error::corrupt(
                "an earlier write failed and could not be undone; reopen the store",
            ));
        }
        if w.root != expected {
            return Ok(false);
        }
        if DiskStore::locate(&w, &new).is_none() {
            return Err(Error::MissingChunk(new));
        }
        match self.publish(&mut w, expected, new) {
            Ok(done) => {
                self.maybe_reindex(&mut w);
                Ok(done)
            }
            Err(e) => {
                self.abandon_pending(&mut w);
                Err(e)
            }
        }
    }
}
