//! The on-disk chunk store of a repository's `.arbor/` folder.
//!
//! Files: `journal` (append-only chunk and root records, see `journal.rs`),
//! `index` (a sorted table of chunk locations up to some root, see
//! `index.rs`) and `LOCK` (held by the one writer process). `docs/format.md`
//! draws every byte.
//!
//! ## Write protocol
//!
//! 1. `put_many` appends chunk records to a write buffer, flushed to the
//!    journal in large appends. They are readable by this writer at once, but
//!    no published root reaches them yet.
//! 2. `compare_and_swap_root` checks the expected root, flushes, **syncs**
//!    the journal (so every chunk is durable before any root that reaches
//!    it), appends a root record and **syncs** again. Only then does the new
//!    root become visible.
//! 3. Now and then the index is rewritten: `index.tmp` written and synced,
//!    renamed over `index`, and the folder synced.
//!
//! ## When a write fails
//!
//! The in-memory state only ever describes bytes that are really in the
//! journal, and no chunk this writer accepted is forgotten while it runs:
//!
//! - a failed append is cut back off the file and its bytes stay in the
//!   write buffer, to be written again;
//! - a failed first sync means the chunk records since the last root may
//!   never reach the disk (after a failed `fsync` the kernel can drop the
//!   unsynced pages and report the next `fsync` as a success), so they are
//!   read back, checked against their addresses, cut off the file and put
//!   back in the write buffer;
//! - a failed root append or second sync cuts the file back to just before
//!   the root record and syncs, so the failure is definite: after a crash the
//!   store reopens at the old root, as the caller was told.
//!
//! If even that undoing fails, the store refuses further writes
//! ([`Error::WritesDisabled`]) until it is reopened, because what is on disk
//! is then unknown. Reads go on working: every chunk is checked against its
//! address when read.
//!
//! ## Opening
//!
//! The index is read whole (if valid and in agreement with the journal), then
//! the journal is scanned from the offset it covers. The store's state is the
//! last complete root record. Bytes after it (an interrupted batch: chunk
//! records, and at most an incomplete root record) are a torn tail, cut off
//! by a writer and ignored by a reader. Anything else that fails to decode is
//! damage ([`JournalDamage`]): a bad record *before* a later valid root
//! record, or a *complete* root record of the next publish that fails its
//! checksum (a publish is acknowledged only once its root record is synced,
//! so such a record was a commit someone was told about). A writer refuses to
//! open a damaged journal, since cutting it would silently drop commits; a
//! reader opens it at the last valid root before the damage and reports the
//! damage ([`DiskStore::damage`]); [`DiskStore::repair`] is the explicit
//! roll-back, which keeps the bytes it cuts in a file beside the journal.
//!
//! ## Concurrency
//!
//! One mutex guards the writer state (root, locations, write buffer). Chunk
//! reads hold it only to look a location up: the bytes are read, decompressed
//! and hashed outside it, through a separate read-only handle on the journal.
//! Between processes, the writer lock admits one writer at a time: held for
//! the store's life (read-write), or by a shared store only from its first
//! write until it is published ([`OpenMode::Shared`]).

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use super::ChunkStore;
use super::compression::{
    Codec, DEFAULT_LEVEL, Dictionary, DictionaryPrefix, FLAG_ZSTD_DICTIONARY, Trainer, decode,
};
use super::index::{IndexFile, Location};
use super::journal::{
    CHUNK_HEADER_LEN, CHUNK_RECORD, ChunkHeader, FILE_HEADER_LEN, READABLE_VERSIONS, ROOT_RECORD,
    ROOT_RECORD_LEN, RootRecord, VERSION, decode_chunk_header, decode_root, encode_chunk_header,
    encode_root, file_header,
};
use super::storage::{FileMode, FsStorage, Storage, StorageFile, StorageLock};
use crate::address::Address;
use crate::chunk::{Chunk, ChunkKind, MAX_CHUNK_LEN};
use crate::error::{Error, Result};

const JOURNAL: &str = "journal";
const INDEX: &str = "index";
const INDEX_TMP: &str = "index.tmp";
const LOCK: &str = "LOCK";
/// Held shared by every shared store for its life, and exclusively by
/// whoever replaces the journal file (gc): a shared store keeps reading the
/// file it opened, and must never find another one in its place.
pub const READERS: &str = "READERS";

/// Buffered chunk records are appended to the journal once they pass this size.
const FLUSH_BYTES: usize = 1 << 20;
/// Journal bytes between two hints to start writing the file back (see
/// `StorageFile::write_back`).
const WRITE_BACK_BYTES: u64 = 16 << 20;
/// The index is rewritten when the published, unindexed part of the journal
/// passes this size and an eighth of the indexed part...
const REINDEX_MIN_BYTES: u64 = 4 << 20;
/// ...or holds this many records and an eighth as many as the index. Growing
/// by a fixed fraction keeps the total bytes of index rewrites linear in the
/// journal, and the tail scanned at open small.
const REINDEX_MIN_RECORDS: usize = 16 * 1024;
/// Most bytes of unsynced chunk records that a failed sync reads back into
/// memory to write again; beyond this the store disables writes instead.
const RETAIN_LIMIT: u64 = 64 << 20;
/// Size of the reads that scan the journal.
const SCAN_WINDOW: usize = 1 << 20;
/// Batches of chunks at least this large are compressed on two threads.
const PARALLEL_ENCODE_BYTES: usize = 256 << 10;

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
    /// No lock until a write: [`ChunkStore::root`] reads the root others
    /// last published (each statement of a session sees the latest
    /// commits); the first write takes the writer lock
    /// (waiting at most `lock_wait`), catches up with what others published
    /// meanwhile, and holds the lock until what it wrote is published. So
    /// an idle session (an open shell, a server's connection) blocks no one.
    Shared {
        /// Longest wait for another writer to finish.
        lock_wait: Duration,
    },
}

/// Damage found where the journal's valid records end (see the module
/// documentation): the store's state is the last valid root before it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JournalDamage {
    /// Offset of the first bad byte (the record that fails).
    pub offset: u64,
    /// What is wrong there.
    pub reason: String,
    /// Where the valid records end: the end of the last valid root record
    /// before the damage. A repair cuts the journal back to this length.
    pub valid_len: u64,
}

/// A root record found in the bytes a repair cut off.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DroppedRoot {
    /// Its offset in the journal before the repair.
    pub offset: u64,
    /// Its sequence number (publishes are numbered from 1).
    pub sequence: u64,
    /// The root it published, where its bytes still tell it: `None` for the
    /// damaged record when the damage may be in the root field.
    pub root: Option<Address>,
    /// Whether the record passes its checksum.
    pub intact: bool,
}

/// What [`DiskStore::repair`] did.
#[derive(Clone, Debug, Default)]
pub struct RepairReport {
    /// The damage repaired; `None` when the journal was sound (nothing done).
    pub damage: Option<JournalDamage>,
    /// Bytes cut off the journal.
    pub cut_bytes: u64,
    /// The file beside the journal that keeps the cut bytes.
    pub kept_in: Option<String>,
    /// Root records (publishes) among the cut bytes, in order.
    pub dropped_roots: Vec<DroppedRoot>,
    /// The chunks of the cut bytes that pass their address check and that
    /// the repaired store does not hold, of the kinds asked for.
    pub dropped_chunks: Vec<Chunk>,
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
    /// Syncs of the journal that succeeded.
    pub syncs: u64,
    /// Index rewrites.
    pub index_writes: u64,
    /// Bytes of index files written.
    pub index_bytes_written: u64,
}

/// The mutable state of a store, behind its mutex.
struct State {
    /// The writable journal handle; `None` when the store is read-only.
    journal: Option<Box<dyn StorageFile>>,
    /// Published state: the last root record, its sequence and where it ends.
    root: Option<Address>,
    sequence: u64,
    committed_len: u64,
    /// The index as last read or written.
    index: IndexFile,
    /// Chunks after `index.covered_len`: published, flushed or still buffered.
    tail: HashMap<Address, Location>,
    /// Bytes of the journal published since `index.covered_len`.
    tail_bytes: u64,
    /// Chunks put since the last published root.
    pending: Vec<Address>,
    /// Records not yet appended to the file; they belong at `buffer_at`.
    /// Invariant: the journal file is exactly `buffer_at` bytes long (for a
    /// writer), and `committed_len <= buffer_at`.
    buffer: Vec<u8>,
    buffer_at: u64,
    /// Set when a failed write could not be undone: why writes are refused.
    disabled: Option<String>,
    /// Damage found by the last scan; the state above stops before it.
    damage: Option<JournalDamage>,
    /// The writer lock while it is held: for the store's life (read-write),
    /// or from a first write until it is published (shared).
    lock: Option<Box<dyn StorageLock>>,
    stats: DiskStats,
}

impl State {
    /// The state the journal read through `reader` describes: the index,
    /// then the records after it up to the last complete root (and any
    /// damage found).
    fn read(
        s: &dyn Storage,
        reader: &dyn StorageFile,
        journal: Option<Box<dyn StorageFile>>,
        lock: Option<Box<dyn StorageLock>>,
        stats: DiskStats,
    ) -> Result<State> {
        let index = load_index(s, reader)?;
        let mut state = State {
            journal,
            root: index.root,
            sequence: index.sequence,
            committed_len: index.covered_len,
            tail: HashMap::new(),
            tail_bytes: 0,
            pending: Vec::new(),
            buffer: Vec::new(),
            buffer_at: 0,
            disabled: None,
            damage: None,
            lock,
            stats,
            index,
        };
        scan_tail(s, reader, &mut state)?;
        Ok(state)
    }

    fn journal(&mut self) -> &mut dyn StorageFile {
        self.journal
            .as_deref_mut()
            .expect("only writers write, and a writer always holds the journal")
    }

    fn locate(&self, address: &Address) -> Option<Location> {
        self.tail
            .get(address)
            .copied()
            .or_else(|| self.index.find(address))
    }

    /// The chunks whose addresses start with `prefix` (a dictionary's name).
    fn with_prefix(&self, prefix: &DictionaryPrefix) -> Vec<(Address, Location)> {
        let mut found = self.index.with_prefix(prefix);
        found.extend(
            self.tail
                .iter()
                .filter(|(a, _)| a.as_bytes().starts_with(prefix))
                .map(|(a, l)| (*a, *l)),
        );
        found
    }

    /// The chunks in the file (not the write buffer) whose addresses start
    /// with `prefix`.
    fn written_with_prefix(&self, prefix: &DictionaryPrefix) -> Vec<(Address, Location)> {
        let mut found = self.with_prefix(prefix);
        found.retain(|(_, l)| l.offset < self.buffer_at);
        found
    }

    /// The last record in the file (not the write buffer) whose flags
    /// have `flag`.
    fn last_written_with(&self, flag: u8) -> Option<Location> {
        self.index
            .last_with_flag(flag)
            .into_iter()
            .chain(self.tail.values().copied().filter(|l| l.flags & flag != 0))
            .filter(|l| l.offset < self.buffer_at)
            .max_by_key(|l| l.offset)
    }

    /// Where `address` is, and whether it is still in the write buffer.
    fn whereabouts(&self, address: &Address) -> Option<(Location, bool)> {
        self.locate(address)
            .map(|loc| (loc, loc.offset >= self.buffer_at))
    }
}

/// A chunk store in a folder, crash-safe, with one writer process at a time.
pub struct DiskStore {
    storage: Arc<dyn Storage>,
    read_only: bool,
    /// For a shared store: how long a write waits for the writer lock.
    shared: Option<Duration>,
    /// A read-only handle on the journal, used for every read, so readers do
    /// not wait for the state's mutex while doing I/O.
    reader: Box<dyn StorageFile>,
    state: Mutex<State>,
    /// The journal's format version (its file header): fixed for the
    /// journal's life.
    version: u32,
    /// How this store compresses what it writes: by the journal's version.
    compression: Mutex<Compression>,
    /// Dictionaries read or trained so far, by the prefix that names them.
    dictionaries: Mutex<HashMap<DictionaryPrefix, Arc<Dictionary>>>,
    /// A shared store's hold on [`READERS`].
    _reading: Option<Box<dyn StorageLock>>,
}

/// A writer's compression: the codec of its records and, for journals of
/// version 2, the leaves it learns a dictionary from.
#[derive(Debug)]
struct Compression {
    codec: Codec,
    trainer: Option<Trainer>,
    /// Whether the journal was searched for a dictionary to go on with.
    looked: bool,
}

impl Compression {
    fn for_version(version: u32) -> Compression {
        if version == 1 {
            Compression {
                codec: Codec::Lz4,
                trainer: None,
                looked: true,
            }
        } else {
            Compression {
                codec: Codec::Zstd {
                    level: DEFAULT_LEVEL,
                    dictionary: None,
                },
                trainer: Some(Trainer::default()),
                looked: false,
            }
        }
    }
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
        let lock = match mode {
            OpenMode::ReadWrite { lock_wait } => Some(storage.lock(LOCK, lock_wait)?),
            OpenMode::ReadOnly | OpenMode::Shared { .. } => None,
        };
        let shared = match mode {
            OpenMode::Shared { lock_wait } => Some(lock_wait),
            _ => None,
        };
        let reading = match shared {
            Some(wait) => Some(storage.lock_shared(READERS, wait)?),
            None => None,
        };
        // A shared store opens as a reader does; it becomes a writer later.
        let read_only = lock.is_none();
        let s = storage.as_ref();
        let exists = s
            .exists(JOURNAL)
            .map_err(|e| io_err(s, "cannot look for", e))?;
        let mut stats = DiskStats::default();
        let mut journal = None;
        if read_only {
            if !exists {
                return Err(io_err(
                    s,
                    "no journal at",
                    io::Error::from(io::ErrorKind::NotFound),
                ));
            }
        } else {
            let mut file = s
                .open(JOURNAL, FileMode::Create)
                .map_err(|e| io_err(s, "cannot open", e))?;
            if !exists {
                write_file_header(s, file.as_mut())?;
                stats.syncs += 1;
                s.sync_dir()
                    .map_err(|e| io_err(s, "cannot sync the folder of", e))?;
            }
            journal = Some(file);
        }
        let reader = s
            .open(JOURNAL, FileMode::Read)
            .map_err(|e| io_err(s, "cannot open", e))?;
        let len = reader.len().map_err(|e| io_err(s, "cannot read", e))?;
        let (header, version) = check_file_header(s, reader.as_ref(), len)?;
        if header == Header::Interrupted
            && let Some(file) = journal.as_mut()
        {
            // The store was being created when the machine stopped: it never
            // held anything, so start it again. (A reader sees it as empty.)
            file.truncate(0)
                .map_err(|e| io_err(s, "cannot truncate", e))?;
            write_file_header(s, file.as_mut())?;
            stats.syncs += 1;
        }
        let mut state = State::read(s, reader.as_ref(), journal, lock, stats)?;
        if let Some(damage) = &state.damage
            && !read_only
        {
            // Cutting it off, as a torn tail is, would drop commits.
            return Err(damaged(s, damage));
        }
        state.buffer_at = state.committed_len;
        let store = DiskStore {
            storage,
            read_only: read_only && shared.is_none(),
            shared,
            reader,
            state: Mutex::new(state),
            version,
            compression: Mutex::new(Compression::for_version(version)),
            dictionaries: Mutex::new(HashMap::new()),
            _reading: reading,
        };
        if !read_only {
            let s = store.storage.as_ref();
            let mut w = store.lock();
            let len = store
                .reader
                .len()
                .map_err(|e| io_err(s, "cannot read", e))?;
            if len > w.committed_len {
                // A torn tail: records of a batch whose root never made it.
                let at = w.committed_len;
                w.journal()
                    .truncate(at)
                    .map_err(|e| io_err(s, "cannot truncate", e))?;
                w.journal()
                    .sync()
                    .map_err(|e| io_err(s, "cannot sync", e))?;
                w.stats.syncs += 1;
            }
            // Rebuilds a missing or stale index once the tail is worth it.
            store.maybe_reindex(&mut w);
        }
        Ok(store)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Every mutation either completes or leaves the state describing the
        // file (see "When a write fails"), so the state behind a poisoned
        // mutex is still consistent.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Damage found in the journal, where this (read-only) store stops
    /// before it; a writer never opens a damaged journal.
    pub fn damage(&self) -> Option<JournalDamage> {
        self.lock().damage.clone()
    }

    /// Rolls a damaged journal back to its last valid root: takes the writer
    /// lock (waiting at most `lock_wait`), copies the bytes from the end of
    /// the valid records to the end of the file into `journal.cut-<offset>`
    /// beside it (synced before anything is cut), then cuts the journal
    /// there and drops an index that covered the cut part. Reports the root
    /// records cut off and the chunks among the cut bytes of the kinds
    /// `wanted` picks (the caller names the commits that were dropped). A
    /// sound journal is left as it is (`damage: None`), torn tail included.
    pub fn repair(
        storage: Arc<dyn Storage>,
        lock_wait: Duration,
        wanted: &dyn Fn(ChunkKind) -> bool,
    ) -> Result<RepairReport> {
        let s = storage.as_ref();
        let _lock = s.lock(LOCK, lock_wait)?;
        let reader = s
            .open(JOURNAL, FileMode::Read)
            .map_err(|e| io_err(s, "cannot open", e))?;
        let len = reader.len().map_err(|e| io_err(s, "cannot read", e))?;
        check_file_header(s, reader.as_ref(), len)?;
        let state = State::read(s, reader.as_ref(), None, None, DiskStats::default())?;
        let Some(damage) = state.damage.clone() else {
            return Ok(RepairReport::default());
        };
        let from = damage.valid_len;
        let cut_len = usize::try_from(len - from).map_err(|e| Error::corrupt(e.to_string()))?;
        let mut cut = vec![0u8; cut_len];
        reader
            .read_at(from, &mut cut)
            .map_err(|e| io_err(s, "cannot read", e))?;
        let kept = format!("{JOURNAL}.cut-{from}");
        let mut keep = s
            .open(&kept, FileMode::Create)
            .map_err(|e| io_err(s, "cannot create", e))?;
        keep.truncate(0)
            .and_then(|()| keep.append(&cut))
            .and_then(|()| keep.sync())
            .map_err(|e| io_err(s, "cannot write", e))?;
        s.sync_dir()
            .map_err(|e| io_err(s, "cannot sync the folder of", e))?;
        let mut journal = s
            .open(JOURNAL, FileMode::Create)
            .map_err(|e| io_err(s, "cannot open", e))?;
        journal
            .truncate(from)
            .and_then(|()| journal.sync())
            .map_err(|e| io_err(s, "cannot cut back", e))?;
        if state.index.covered_len > from {
            // The index describes records that are gone: reopening rebuilds it.
            s.remove(INDEX).map_err(|e| io_err(s, "cannot remove", e))?;
        }
        // Records cut off may be compressed with a dictionary kept before them.
        let earlier =
            |p: &DictionaryPrefix| load_dictionary(s, reader.as_ref(), state.with_prefix(p), p);
        let (dropped_roots, candidates) = salvage(s, &cut, from, &state, wanted, &earlier);
        let mut dropped_chunks = Vec::new();
        for chunk in candidates {
            if state.locate(&chunk.address()).is_none() {
                dropped_chunks.push(chunk);
            }
        }
        Ok(RepairReport {
            damage: Some(damage),
            cut_bytes: cut.len() as u64,
            kept_in: Some(s.describe(&kept)),
            dropped_roots,
            dropped_chunks,
        })
    }

    /// Sets the zstd level of what this store writes from now on (journals
    /// of version 2; a dictionary trained later is prepared at this level).
    /// `gc` writes at a higher level than ordinary writes.
    pub fn set_compression_level(&self, level: i32) {
        let mut c = self.compression.lock().unwrap_or_else(|e| e.into_inner());
        if let Codec::Zstd { level: l, .. } = &mut c.codec {
            *l = level;
        }
    }

    /// The format version of the journal this store reads and writes.
    pub fn journal_version(&self) -> u32 {
        self.version
    }

    /// Lets the trainer see `chunks`; returns the codec to store them with.
    /// A dictionary trained on the way is appended (stored without a
    /// dictionary) before the codec that uses it is handed to anyone, all
    /// under the compression lock: every record compressed with it, from
    /// any thread, comes after it in the journal.
    fn prepare_compression(&self, chunks: &[Chunk]) -> Result<Codec> {
        let mut c = self.compression.lock().unwrap_or_else(|e| e.into_inner());
        let Codec::Zstd { level, .. } = c.codec else {
            return Ok(c.codec.clone());
        };
        // A writer goes on with the dictionary the journal's writers used
        // last, rather than training one more: every process that writes
        // compresses with it from its first leaf.
        if !c.looked {
            c.looked = true;
            if let Some(d) = self.journal_dictionary(level) {
                c.trainer = None;
                c.codec = Codec::Zstd {
                    level,
                    dictionary: Some(d),
                };
                return Ok(c.codec.clone());
            }
        }
        let trained = c
            .trainer
            .as_mut()
            .and_then(|t| chunks.iter().find_map(|chunk| t.observe(chunk)));
        if let Some(chunk) = trained {
            let d = Arc::new(Dictionary::for_writing(&chunk, level)?);
            let plain = Codec::Zstd {
                level,
                dictionary: None,
            };
            let (flags, stored) = plain.encode(chunk.bytes());
            self.append(vec![(chunk.address(), flags, stored, raw_len(&chunk))])?;
            self.dictionaries
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(d.prefix(), d.clone());
            c.codec = Codec::Zstd {
                level,
                dictionary: Some(d),
            };
        }
        Ok(c.codec.clone())
    }

    /// The dictionary of the last record in the journal compressed with
    /// one, prepared for writing at `level`; `None` if no record uses one,
    /// or it cannot be read (the writer then trains its own, and a reader
    /// of those records meets the damage).
    fn journal_dictionary(&self, level: i32) -> Option<Arc<Dictionary>> {
        let latest = self.lock().last_written_with(FLAG_ZSTD_DICTIONARY)?;
        // The record's payload starts with its dictionary's prefix.
        let mut prefix: DictionaryPrefix = Default::default();
        self.reader
            .read_at(latest.offset + CHUNK_HEADER_LEN as u64, &mut prefix)
            .ok()?;
        let candidates = self.lock().written_with_prefix(&prefix);
        let chunk =
            dictionary_chunk(self.storage.as_ref(), self.reader.as_ref(), candidates).ok()??;
        let d = Arc::new(Dictionary::for_writing(&chunk, level).ok()?);
        self.dictionaries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(prefix, d.clone());
        Some(d)
    }

    /// A dictionary this store has read or trained already.
    fn cached_dictionary(&self, prefix: &DictionaryPrefix) -> Result<Arc<Dictionary>> {
        self.dictionaries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(prefix)
            .cloned()
            .ok_or_else(|| missing_dictionary(prefix))
    }

    /// The dictionary named by `prefix`: one read or trained already, else
    /// read from the journal's published part.
    fn dictionary(&self, prefix: &DictionaryPrefix) -> Result<Arc<Dictionary>> {
        if let Ok(d) = self.cached_dictionary(prefix) {
            return Ok(d);
        }
        let candidates = self.lock().written_with_prefix(prefix);
        let d = load_dictionary(
            self.storage.as_ref(),
            self.reader.as_ref(),
            candidates,
            prefix,
        )?;
        self.dictionaries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(*prefix, d.clone());
        Ok(d)
    }

    /// Appends chunk records (address, flags, payload, raw length) to the
    /// write buffer in order, leaving out chunks the store holds already.
    fn append(&self, encoded: Vec<EncodedChunk>) -> Result<()> {
        let mut w = self.lock();
        self.check_writable(&w)?;
        if encoded.iter().any(|(a, ..)| w.locate(a).is_none()) {
            self.become_writer(&mut w)?;
        }
        for (address, flags, stored, raw_len) in encoded {
            if w.locate(&address).is_some() {
                continue;
            }
            let header = ChunkHeader {
                flags,
                stored_len: u32::try_from(stored.len())
                    .expect("compressed output of a capped chunk fits in u32"),
                raw_len,
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
            if w.buffer.len() >= FLUSH_BYTES {
                // On failure the buffer keeps everything: nothing is lost.
                self.flush(&mut w)?;
            }
        }
        Ok(())
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

    /// Picks up roots published by another process since this store was
    /// opened or last refreshed. A writer holds the lock, so nothing can have
    /// changed under it, and this does nothing.
    pub fn refresh(&self) -> Result<()> {
        let mut w = self.lock();
        if w.journal.is_some() {
            return Ok(());
        }
        scan_tail(self.storage.as_ref(), self.reader.as_ref(), &mut w)?;
        w.buffer_at = w.committed_len;
        Ok(())
    }

    /// Whether this store holds the writer lock now.
    pub fn holds_lock(&self) -> bool {
        self.lock().lock.is_some()
    }

    /// For a shared store about to write: takes the writer lock, reads what
    /// others published since the snapshot (the root may have moved: a
    /// compare-and-swap from the old one then fails, and the caller
    /// retries), and cuts off a torn tail, as opening for writing does.
    fn become_writer(&self, w: &mut State) -> Result<()> {
        let Some(lock_wait) = self.shared else {
            return Ok(());
        };
        if w.journal.is_some() {
            return Ok(());
        }
        let s = self.storage.as_ref();
        let lock = s.lock(LOCK, lock_wait)?;
        scan_tail(s, self.reader.as_ref(), w)?;
        if let Some(damage) = &w.damage {
            return Err(damaged(s, damage));
        }
        let mut journal = s
            .open(JOURNAL, FileMode::Create)
            .map_err(|e| io_err(s, "cannot open", e))?;
        let len = journal.len().map_err(|e| io_err(s, "cannot read", e))?;
        if len > w.committed_len {
            // A torn tail left by a writer that stopped.
            journal
                .truncate(w.committed_len)
                .and_then(|()| journal.sync())
                .map_err(|e| io_err(s, "cannot cut back", e))?;
            w.stats.syncs += 1;
        }
        w.buffer_at = w.committed_len;
        w.journal = Some(journal);
        w.lock = Some(lock);
        Ok(())
    }

    /// For a shared store: lets the writer lock go once everything written
    /// is published (nothing pending, nothing buffered).
    fn release_if_done(&self, w: &mut State) {
        if self.shared.is_some() && w.pending.is_empty() && w.buffer.is_empty() {
            w.journal = None;
            w.lock = None;
        }
    }

    /// Re-reads every published record of the journal, checking each chunk
    /// against its address and each root record against the one before it.
    /// Damage is reported, not raised; only I/O errors are errors.
    pub fn verify(&self) -> Result<VerifyReport> {
        let end = self.lock().committed_len;
        verify_journal(self.storage.as_ref(), self.reader.as_ref(), end)
    }

    /// Checks the whole journal of the store held by `storage` without
    /// opening the store: no lock is taken, nothing is written, and a journal
    /// that [`DiskStore::open`] refuses (damage before a later root) can still
    /// be inspected. Past damage, checking resumes after the next valid root
    /// record. Bytes after the last root record (a torn or unpublished tail)
    /// are checked too, and reported if damaged.
    pub fn verify_storage(storage: &dyn Storage) -> Result<VerifyReport> {
        let reader = storage
            .open(JOURNAL, FileMode::Read)
            .map_err(|e| io_err(storage, "cannot open", e))?;
        let len = reader
            .len()
            .map_err(|e| io_err(storage, "cannot read", e))?;
        check_file_header(storage, reader.as_ref(), len)?;
        verify_journal(storage, reader.as_ref(), len)
    }

    fn check_writable(&self, w: &State) -> Result<()> {
        if self.read_only {
            return Err(Error::ReadOnly);
        }
        match &w.disabled {
            Some(reason) => Err(Error::WritesDisabled {
                path: self.storage.describe(JOURNAL),
                reason: reason.clone(),
            }),
            None => Ok(()),
        }
    }

    /// Appends the write buffer to the journal. On failure the bytes stay in
    /// the buffer and any part of them that reached the file is cut off, so
    /// nothing is lost and a later flush writes them again.
    fn flush(&self, w: &mut State) -> Result<()> {
        if w.buffer.is_empty() {
            return Ok(());
        }
        let s = self.storage.as_ref();
        let mut buffer = std::mem::take(&mut w.buffer);
        match w.journal().append(&buffer) {
            Ok(()) => {
                // Every WRITE_BACK_BYTES, the file starts on its way to the
                // disk while writing goes on: a big write then leaves
                // little for the sync that publishes it to wait for.
                if w.buffer_at / WRITE_BACK_BYTES
                    != (w.buffer_at + buffer.len() as u64) / WRITE_BACK_BYTES
                {
                    w.journal().write_back();
                }
                w.buffer_at += buffer.len() as u64;
                w.stats.bytes_appended += buffer.len() as u64;
                // Keep the allocation for the next batch.
                buffer.clear();
                w.buffer = buffer;
                Ok(())
            }
            Err(e) => {
                let at = w.buffer_at;
                if let Err(t) = w.journal().truncate(at) {
                    w.disabled = Some(format!(
                        "an append failed ({e}) and cutting it off failed too ({t})"
                    ));
                }
                w.buffer = buffer;
                Err(io_err(s, "cannot write to", e))
            }
        }
    }

    fn publish(&self, w: &mut State, expected: Option<Address>, new: Address) -> Result<()> {
        let s = self.storage.as_ref();
        self.flush(w)?;
        // Chunks first: a root must never be durable before what it reaches.
        if let Err(e) = w.journal().sync() {
            self.recover_unsynced(w);
            return Err(io_err(s, "cannot sync", e));
        }
        w.stats.syncs += 1;
        let root_at = w.buffer_at;
        let record = RootRecord {
            previous: expected,
            root: new,
            sequence: w.sequence + 1,
        };
        if let Err(e) = w.journal().append(&encode_root(&record)) {
            self.cut_back(w, root_at, "appending a root record");
            return Err(io_err(s, "cannot write to", e));
        }
        if let Err(e) = w.journal().sync() {
            self.cut_back(w, root_at, "syncing a root record");
            return Err(io_err(s, "cannot sync", e));
        }
        w.stats.syncs += 1;
        w.stats.bytes_appended += ROOT_RECORD_LEN as u64;
        let end = root_at + ROOT_RECORD_LEN as u64;
        w.tail_bytes += end - w.committed_len;
        w.committed_len = end;
        w.buffer_at = end;
        w.root = Some(new);
        w.sequence = record.sequence;
        w.pending.clear();
        Ok(())
    }

    /// After a failed root append or sync: cuts the journal back to `at`
    /// (just before the root record) and syncs, so the old root is the one
    /// on disk whatever happens next.
    fn cut_back(&self, w: &mut State, at: u64, what: &str) {
        let undone = w.journal().truncate(at).and_then(|()| w.journal().sync());
        match undone {
            Ok(()) => w.stats.syncs += 1,
            Err(e) => {
                w.disabled = Some(format!(
                    "{what} failed, and cutting the journal back to offset {at} failed too ({e})"
                ));
            }
        }
    }

    /// After a failed sync of the chunk records since the last root: reads
    /// them back, checks each against its address, cuts them off the file and
    /// puts them back in the write buffer, to be written again by the next
    /// publish. If any step fails, writes are disabled instead.
    fn recover_unsynced(&self, w: &mut State) {
        // `flush` just succeeded, so the buffer is empty and the unsynced
        // records are exactly the file's bytes from `committed_len` on.
        let (from, to) = (w.committed_len, w.buffer_at);
        let kept = self.read_back(from, to).and_then(|bytes| {
            w.journal()
                .truncate(from)
                .map_err(|e| format!("cannot cut them off the journal ({e})"))?;
            Ok(bytes)
        });
        match kept {
            Ok(bytes) => {
                w.buffer = bytes;
                w.buffer_at = from;
            }
            Err(reason) => {
                w.disabled = Some(format!(
                    "a sync failed and the chunk records since offset {from} could not be \
                     kept to write again: {reason}"
                ));
            }
        }
    }

    /// The journal's bytes `from..to`, if they are whole chunk records whose
    /// chunks all match their addresses.
    fn read_back(&self, from: u64, to: u64) -> std::result::Result<Vec<u8>, String> {
        let len = to - from;
        if len > RETAIN_LIMIT {
            return Err(format!(
                "{len} bytes are more than the {RETAIN_LIMIT} held in memory to retry"
            ));
        }
        let len = usize::try_from(len).map_err(|e| e.to_string())?;
        let mut bytes = vec![0u8; len];
        self.reader
            .read_at(from, &mut bytes)
            .map_err(|e| format!("cannot read them back ({e})"))?;
        let s = self.storage.as_ref();
        let mut at = 0usize;
        while at < bytes.len() {
            let offset = from + at as u64;
            let h = decode_chunk_header(&bytes[at..])
                .map_err(|reason| format!("offset {offset}: {reason}"))?;
            let body = at + CHUNK_HEADER_LEN;
            let end = body + h.stored_len as usize;
            let stored = bytes
                .get(body..end)
                .ok_or_else(|| format!("offset {offset}: truncated chunk record"))?;
            let loc = Location {
                offset,
                stored_len: h.stored_len,
                raw_len: h.raw_len,
                flags: h.flags,
            };
            // Only this store's own records: their dictionary is one it trained.
            let cached = |p: &DictionaryPrefix| self.cached_dictionary(p);
            decode_verified(s, stored.to_vec(), &h.address, &loc, &cached)
                .map_err(|e| e.to_string())?;
            at = end;
        }
        Ok(bytes)
    }

    /// Rewrites the index if the published, unindexed tail has grown large.
    /// A failure loses nothing (the index is a cache, and the old file plus
    /// the tail map still describe everything), so it is not reported; a
    /// later publish tries again.
    fn maybe_reindex(&self, w: &mut State) {
        debug_assert!(w.pending.is_empty(), "only published chunks are indexed");
        let covered = w.index.covered_len;
        let due = w.tail_bytes >= REINDEX_MIN_BYTES.max(covered / 8)
            || w.tail.len() >= REINDEX_MIN_RECORDS.max(w.index.len() / 8);
        if !due {
            return;
        }
        let mut entries = Vec::with_capacity(w.index.len() + w.tail.len());
        entries.extend(w.index.entries());
        entries.extend(w.tail.iter().map(|(a, l)| (*a, *l)));
        entries.sort_unstable_by_key(|e| e.0);
        entries.dedup_by_key(|e| e.0);
        let index = IndexFile::new(w.committed_len, w.root, w.sequence, &entries);
        let bytes = index.encode();
        let s = self.storage.as_ref();
        let written = (|| -> io::Result<()> {
            if s.exists(INDEX_TMP)? {
                s.remove(INDEX_TMP)?;
            }
            let mut f = s.open(INDEX_TMP, FileMode::Create)?;
            f.append(&bytes)?;
            f.sync()?;
            s.rename(INDEX_TMP, INDEX)?;
            s.sync_dir()
        })();
        if written.is_ok() {
            w.index = index;
            w.tail.clear();
            w.tail_bytes = 0;
            w.stats.index_writes += 1;
            w.stats.index_bytes_written += bytes.len() as u64;
        }
    }
}

/// Checks the records of `journal` up to `end`: see [`DiskStore::verify`].
fn verify_journal(s: &dyn Storage, journal: &dyn StorageFile, end: u64) -> Result<VerifyReport> {
    let read_err = |e| io_err(s, "cannot read", e);
    let mut report = VerifyReport::default();
    let mut seen = DictionariesSeen::default();
    let mut window = Window::new(journal, end);
    let mut at = FILE_HEADER_LEN;
    // The root record before this point, if the chain is known up to here.
    let mut previous: Option<Option<RootRecord>> = Some(None);
    while at < end {
        match parse_record(&mut window, at).map_err(read_err)? {
            Step::Chunk(h, next) => {
                let body = at + CHUNK_HEADER_LEN as u64;
                let stored = window
                    .get(body, h.stored_len as usize)
                    .map_err(read_err)?
                    .map(<[u8]>::to_vec)
                    .unwrap_or_default();
                let loc = Location {
                    offset: at,
                    stored_len: h.stored_len,
                    raw_len: h.raw_len,
                    flags: h.flags,
                };
                match decode_verified(s, stored, &h.address, &loc, &|p| seen.find(p)) {
                    Ok(chunk) => seen.note(&chunk),
                    Err(e) => report.problems.push(format!("offset {at}: {e}")),
                }
                report.chunks += 1;
                at = next;
            }
            Step::Root(r) => {
                if let Some(before) = previous {
                    let expected_sequence = before.map_or(1, |p| p.sequence + 1);
                    let expected_previous = before.map(|p| p.root);
                    if r.sequence != expected_sequence || r.previous != expected_previous {
                        report.problems.push(format!(
                            "offset {at}: root record {} (sequence {}) does not follow the \
                             one before it (sequence {}, root {:?})",
                            r.root,
                            r.sequence,
                            expected_sequence - 1,
                            expected_previous
                        ));
                    }
                }
                previous = Some(Some(r));
                report.roots += 1;
                at += ROOT_RECORD_LEN as u64;
            }
            Step::Bad(reason) => {
                // Resume after the next valid root record, if there is one:
                // record boundaries are known again there.
                let last_sequence = previous.flatten().map_or(0, |p| p.sequence);
                match find_root_after(&mut window, at + 1, last_sequence).map_err(read_err)? {
                    Some(root_at) => {
                        report.problems.push(format!(
                            "offset {at}: {reason}; {} bytes skipped up to the root record \
                             at offset {root_at}",
                            root_at - at
                        ));
                        previous = None;
                        at = root_at;
                    }
                    None => {
                        report.problems.push(format!(
                            "offset {at}: {reason}; no valid root record follows ({} bytes \
                             to the end)",
                            end - at
                        ));
                        break;
                    }
                }
            }
        }
    }
    Ok(report)
}

fn write_file_header(s: &dyn Storage, file: &mut dyn StorageFile) -> Result<()> {
    file.append(&file_header(VERSION))
        .map_err(|e| io_err(s, "cannot write to", e))?;
    file.sync().map_err(|e| io_err(s, "cannot sync", e))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Header {
    Complete,
    /// Shorter than a header, but a prefix of one: creation was interrupted.
    Interrupted,
}

/// Checks the journal's file header; returns whether it is complete and
/// the journal's format version (an interrupted header is the current one).
fn check_file_header(
    s: &dyn Storage,
    journal: &dyn StorageFile,
    len: u64,
) -> Result<(Header, u32)> {
    let n = len.min(FILE_HEADER_LEN) as usize;
    let mut h = vec![0u8; n];
    journal
        .read_at(0, &mut h)
        .map_err(|e| io_err(s, "cannot read", e))?;
    let version = READABLE_VERSIONS
        .into_iter()
        .find(|&v| h[..] == file_header(v)[..n]);
    let Some(version) = version else {
        return Err(Error::DamagedJournal {
            path: s.describe(JOURNAL),
            offset: 0,
            reason: "not an Arbor journal of a version this build reads".into(),
        });
    };
    Ok(if len < FILE_HEADER_LEN {
        (Header::Interrupted, VERSION)
    } else {
        (Header::Complete, version)
    })
}

/// Reads the index if it is valid and agrees with the journal; otherwise an
/// empty index covering only the file header (the journal is then scanned).
fn load_index(s: &dyn Storage, journal: &dyn StorageFile) -> Result<IndexFile> {
    let empty = IndexFile::new(FILE_HEADER_LEN, None, 0, &[]);
    let Ok(file) = s.open(INDEX, FileMode::Read) else {
        return Ok(empty);
    };
    // The file's real length (not a length read from its bytes) sizes the read.
    let Ok(len) = file.len().map(usize::try_from) else {
        return Ok(empty);
    };
    let Ok(len) = len else {
        return Ok(empty);
    };
    let mut bytes = vec![0u8; len];
    if file.read_at(0, &mut bytes).is_err() {
        return Ok(empty);
    }
    let Some(index) = IndexFile::decode(bytes) else {
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
/// followed by a valid root. An I/O error is an error, never a torn tail:
/// a failed read must not get published data cut off.
fn scan_tail(s: &dyn Storage, reader: &dyn StorageFile, w: &mut State) -> Result<()> {
    let len = reader.len().map_err(|e| io_err(s, "cannot read", e))?;
    let mut window = Window::new(reader, len);
    let mut at = w.committed_len;
    let mut since_root: Vec<(Address, Location)> = Vec::new();
    while at < len {
        let step = parse_record(&mut window, at).map_err(|e| io_err(s, "cannot read", e))?;
        match step {
            Step::Chunk(h, next) => {
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
            Step::Root(r) => {
                at += ROOT_RECORD_LEN as u64;
                w.tail_bytes += at - w.committed_len;
                w.tail.extend(since_root.drain(..));
                w.root = Some(r.root);
                w.sequence = r.sequence;
                w.committed_len = at;
            }
            Step::Bad(reason) => {
                let read_err = |e| io_err(s, "cannot read", e);
                let later = find_root_after(&mut window, at + 1, w.sequence).map_err(read_err)?;
                let reason = if let Some(later) = later {
                    format!("{reason} (a valid root record follows at offset {later})")
                } else if let Some(root_at) =
                    find_damaged_root(&mut window, at, w).map_err(read_err)?
                {
                    format!(
                        "the root record at offset {root_at} is complete but fails its \
                         checksum (it published sequence {})",
                        w.sequence + 1
                    )
                } else {
                    // A torn tail: an interrupted publish, never acknowledged.
                    break;
                };
                w.damage = Some(JournalDamage {
                    offset: at,
                    reason,
                    valid_len: w.committed_len,
                });
                break;
            }
        }
    }
    Ok(())
}

/// Reads of a journal through a large buffer, so that a scan costs a few big
/// reads rather than one per record.
struct Window<'a> {
    file: &'a dyn StorageFile,
    /// Reads never go past this length.
    len: u64,
    start: u64,
    buf: Vec<u8>,
}

impl<'a> Window<'a> {
    fn new(file: &'a dyn StorageFile, len: u64) -> Window<'a> {
        Window {
            file,
            len,
            start: 0,
            buf: Vec::new(),
        }
    }

    /// The `n` bytes at `at`, or `None` if they would pass the end.
    fn get(&mut self, at: u64, n: usize) -> io::Result<Option<&[u8]>> {
        let Some(end) = at.checked_add(n as u64).filter(|&e| e <= self.len) else {
            return Ok(None);
        };
        let buf_end = self.start + self.buf.len() as u64;
        if at < self.start || end > buf_end {
            let want = (self.len - at).min(SCAN_WINDOW.max(n) as u64);
            self.buf.clear();
            self.buf
                .resize(usize::try_from(want).map_err(io::Error::other)?, 0);
            if let Err(e) = self.file.read_at(at, &mut self.buf) {
                self.buf.clear();
                return Err(e);
            }
            self.start = at;
        }
        let from = usize::try_from(at - self.start).map_err(io::Error::other)?;
        Ok(Some(&self.buf[from..from + n]))
    }
}

/// One step of a scan: a record, or why the bytes at this offset are not one.
enum Step {
    /// A chunk record and the offset after it.
    Chunk(ChunkHeader, u64),
    Root(RootRecord),
    Bad(&'static str),
}

fn parse_record(window: &mut Window<'_>, at: u64) -> io::Result<Step> {
    let Some(kind) = window.get(at, 1)? else {
        return Ok(Step::Bad("end of the journal"));
    };
    Ok(match kind[0] {
        CHUNK_RECORD => {
            let Some(hb) = window.get(at, CHUNK_HEADER_LEN)? else {
                return Ok(Step::Bad("truncated chunk record header"));
            };
            match decode_chunk_header(hb) {
                Ok(h) => {
                    let next = at + CHUNK_HEADER_LEN as u64 + u64::from(h.stored_len);
                    if next > window.len {
                        Step::Bad("truncated chunk record")
                    } else {
                        Step::Chunk(h, next)
                    }
                }
                Err(reason) => Step::Bad(reason),
            }
        }
        ROOT_RECORD => match window.get(at, ROOT_RECORD_LEN)? {
            None => Step::Bad("truncated root record"),
            Some(b) => {
                decode_root(b).map_or(Step::Bad("root record fails its checksum"), Step::Root)
            }
        },
        _ => Step::Bad("unknown record type"),
    })
}

/// The offset of a complete root record at or after `from` that fails its
/// checksum but is recognisably the next publish: at least two of its type
/// byte, its previous root (the store's root) and its sequence number (the
/// next one) are right. Zeros or garbage left by a torn write match none.
fn find_damaged_root(window: &mut Window<'_>, from: u64, w: &State) -> io::Result<Option<u64>> {
    let mut at = from;
    while let Some(b) = window.get(at, ROOT_RECORD_LEN)? {
        if root_signals(b, w.root, w.sequence + 1) >= 2 {
            return Ok(Some(at));
        }
        at += 1;
    }
    Ok(None)
}

/// How many of a root record's type byte, previous root and sequence number
/// match `previous` and `sequence` (the layout is in `journal.rs`).
fn root_signals(b: &[u8], previous: Option<Address>, sequence: u64) -> usize {
    let kind = b[0] == ROOT_RECORD;
    let previous_matches = match previous {
        Some(p) => b[1] & 1 == 1 && b[2..34] == *p.as_bytes(),
        None => b[1] & 1 == 0 && b[2..34].iter().all(|&x| x == 0),
    };
    let sequence_matches = b[66..74] == sequence.to_le_bytes();
    usize::from(kind) + usize::from(previous_matches) + usize::from(sequence_matches)
}

/// The root records and the chunks (of the kinds `wanted` picks, verified
/// against their addresses) among `cut`, the bytes from offset `from` on
/// that a repair cuts off. Records are read in order while they parse;
/// past a bad one, root records are still looked for byte by byte.
fn salvage(
    s: &dyn Storage,
    cut: &[u8],
    from: u64,
    w: &State,
    wanted: &dyn Fn(ChunkKind) -> bool,
    earlier: FindDictionary<'_>,
) -> (Vec<DroppedRoot>, Vec<Chunk>) {
    let mut seen = DictionariesSeen::default();
    let mut roots = Vec::new();
    let mut chunks = Vec::new();
    let mut at = 0usize;
    let mut in_step = true;
    let mut sequence = w.sequence;
    let mut previous = w.root;
    while at < cut.len() {
        let rest = &cut[at..];
        if in_step && rest[0] == CHUNK_RECORD {
            if let Ok(h) = decode_chunk_header(rest) {
                let end = CHUNK_HEADER_LEN + h.stored_len as usize;
                if let Some(stored) = rest.get(CHUNK_HEADER_LEN..end) {
                    let loc = Location {
                        offset: from + at as u64,
                        stored_len: h.stored_len,
                        raw_len: h.raw_len,
                        flags: h.flags,
                    };
                    let find = |p: &DictionaryPrefix| seen.find(p).or_else(|_| earlier(p));
                    if let Ok(chunk) = decode_verified(s, stored.to_vec(), &h.address, &loc, &find)
                    {
                        seen.note(&chunk);
                        if wanted(chunk.kind()) {
                            chunks.push(chunk);
                        }
                    }
                    at += end;
                    continue;
                }
            }
            in_step = false;
        }
        let Some(b) = rest.get(..ROOT_RECORD_LEN) else {
            break;
        };
        if let Some(r) = decode_root(b).filter(|r| r.sequence > sequence) {
            roots.push(DroppedRoot {
                offset: from + at as u64,
                sequence: r.sequence,
                root: Some(r.root),
                intact: true,
            });
            sequence = r.sequence;
            previous = Some(r.root);
            at += ROOT_RECORD_LEN;
            in_step = true;
        } else if root_signals(b, previous, sequence + 1) >= 2 {
            // The damaged record: its root field is trusted only if the
            // other fields are all right (then the damage is elsewhere, or
            // in the root field itself: the caller reads it as a hint).
            roots.push(DroppedRoot {
                offset: from + at as u64,
                sequence: sequence + 1,
                root: None,
                intact: false,
            });
            sequence += 1;
            at += ROOT_RECORD_LEN;
            in_step = true;
        } else if in_step {
            in_step = false;
        } else {
            at += 1;
        }
    }
    (roots, chunks)
}

/// The error a writer gets for a damaged journal.
fn damaged(s: &dyn Storage, damage: &JournalDamage) -> Error {
    Error::DamagedJournal {
        path: s.describe(JOURNAL),
        offset: damage.offset,
        reason: damage.reason.clone(),
    }
}

/// The offset of the first valid root record at or after `from` whose
/// sequence number is above `sequence`. Every root published after the last
/// good one has a higher sequence, so none is missed; a stale or foreign
/// root record that happens to sit inside chunk bytes usually is skipped.
fn find_root_after(window: &mut Window<'_>, from: u64, sequence: u64) -> io::Result<Option<u64>> {
    let mut at = from;
    while let Some(b) = window.get(at, ROOT_RECORD_LEN)? {
        if b[0] == ROOT_RECORD && decode_root(b).is_some_and(|r| r.sequence > sequence) {
            return Ok(Some(at));
        }
        at += 1;
    }
    Ok(None)
}

fn describe_at(s: &dyn Storage, loc: &Location) -> String {
    format!("{} offset {}", s.describe(JOURNAL), loc.offset)
}

/// Finds a compression dictionary by the prefix that names it.
type FindDictionary<'a> = &'a dyn Fn(&DictionaryPrefix) -> Result<Arc<Dictionary>>;

/// Reads the chunk at `loc` and verifies it against `address`.
fn read_record(
    s: &dyn Storage,
    journal: &dyn StorageFile,
    address: &Address,
    loc: &Location,
    dictionary: FindDictionary<'_>,
) -> Result<Chunk> {
    // stored_len comes from a checked record header or index entry: capped.
    let mut stored = vec![0u8; loc.stored_len as usize];
    journal
        .read_at(loc.offset + CHUNK_HEADER_LEN as u64, &mut stored)
        .map_err(|e| {
            Error::io(
                format!("cannot read chunk {} at {}", address, describe_at(s, loc)),
                e,
            )
        })?;
    decode_verified(s, stored, address, loc, dictionary)
}

/// Decompresses a record's payload as its flags say and checks it against
/// its address.
fn decode_verified(
    s: &dyn Storage,
    stored: Vec<u8>,
    address: &Address,
    loc: &Location,
    dictionary: FindDictionary<'_>,
) -> Result<Chunk> {
    let bytes =
        decode(loc.flags, stored, loc.raw_len as usize, dictionary).map_err(|e| match e {
            Error::Corrupt(what) => {
                Error::corrupt(format!("chunk {address} at {} {what}", describe_at(s, loc)))
            }
            other => other,
        })?;
    Chunk::from_bytes_verified(*address, bytes, Some(describe_at(s, loc)))
}

/// The dictionaries met so far in a pass over a journal's records (they
/// come before the records that use them), for checking those records.
#[derive(Default)]
struct DictionariesSeen(HashMap<DictionaryPrefix, Arc<Dictionary>>);

impl DictionariesSeen {
    /// Notes `chunk` if it is a dictionary.
    fn note(&mut self, chunk: &Chunk) {
        if chunk.kind() == ChunkKind::COMPRESSION_DICTIONARY
            && let Ok(d) = Dictionary::for_reading(chunk)
        {
            self.0.insert(d.prefix(), Arc::new(d));
        }
    }

    fn find(&self, prefix: &DictionaryPrefix) -> Result<Arc<Dictionary>> {
        self.0
            .get(prefix)
            .cloned()
            .ok_or_else(|| missing_dictionary(prefix))
    }
}

fn missing_dictionary(prefix: &DictionaryPrefix) -> Error {
    let hex: String = prefix.iter().map(|b| format!("{b:02x}")).collect();
    Error::corrupt(format!(
        "names compression dictionary {hex}..., which is not in the journal before it"
    ))
}

/// The dictionary among `candidates` (chunks whose addresses start with
/// `prefix`), read from the journal. A dictionary is never stored with a
/// dictionary, so reading one never needs another.
fn load_dictionary(
    s: &dyn Storage,
    journal: &dyn StorageFile,
    candidates: Vec<(Address, Location)>,
    prefix: &DictionaryPrefix,
) -> Result<Arc<Dictionary>> {
    match dictionary_chunk(s, journal, candidates)? {
        Some(chunk) => Ok(Arc::new(Dictionary::for_reading(&chunk)?)),
        None => Err(missing_dictionary(prefix)),
    }
}

/// The dictionary chunk among `candidates`, read from the journal.
fn dictionary_chunk(
    s: &dyn Storage,
    journal: &dyn StorageFile,
    candidates: Vec<(Address, Location)>,
) -> Result<Option<Chunk>> {
    for (address, loc) in candidates {
        if loc.flags == FLAG_ZSTD_DICTIONARY {
            continue;
        }
        let chunk = read_record(s, journal, &address, &loc, &|p| Err(missing_dictionary(p)))?;
        if chunk.kind() == ChunkKind::COMPRESSION_DICTIONARY {
            return Ok(Some(chunk));
        }
    }
    Ok(None)
}

/// A chunk record ready to append: address, flags, payload, raw length.
type EncodedChunk = (Address, u8, Vec<u8>, u32);

/// A chunk's length for its record header (capped far below `u32::MAX`).
fn raw_len(chunk: &Chunk) -> u32 {
    u32::try_from(chunk.len()).expect("chunk lengths are capped at 8 MiB")
}

/// The flags and payloads storing `chunks`, in order. A large batch (an
/// import, a gc) is compressed on two threads.
fn encode_all(codec: &Codec, chunks: &[Chunk]) -> Vec<(u8, Vec<u8>)> {
    let encode = |part: &[Chunk]| -> Vec<(u8, Vec<u8>)> {
        part.iter().map(|c| codec.encode(c.bytes())).collect()
    };
    let bytes: usize = chunks.iter().map(Chunk::len).sum();
    if bytes < PARALLEL_ENCODE_BYTES {
        return encode(chunks);
    }
    let (first, second) = chunks.split_at(chunks.len() / 2);
    std::thread::scope(|scope| {
        let other = scope.spawn(|| encode(first));
        let mut second = encode(second);
        let mut all = other
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        all.append(&mut second);
        all
    })
}

/// Cuts off what this store appended and never published (a failed import
/// on a full disk leaves megabytes of chunk records): dropped, the store has
/// no other user in this process, and it holds the lock if it wrote, so no
/// one else's records can be there. A failure here loses nothing: the next
/// writer cuts them as a torn tail.
impl Drop for DiskStore {
    fn drop(&mut self) {
        let w = self.state.get_mut().unwrap_or_else(|e| e.into_inner());
        let end = w.buffer_at;
        let published = w.committed_len;
        if let Some(journal) = w.journal.as_deref_mut()
            && end > published
            && w.disabled.is_none()
        {
            let _ = journal.truncate(published).and_then(|()| journal.sync());
        }
    }
}

impl ChunkStore for DiskStore {
    fn get(&self, address: &Address) -> Result<Option<Chunk>> {
        let s = self.storage.as_ref();
        let find = |p: &DictionaryPrefix| self.dictionary(p);
        let mut retried = false;
        loop {
            // Look up under the lock; copy the bytes out if still buffered.
            let (found, buffered) = {
                let w = self.lock();
                let Some(found) = w.whereabouts(address) else {
                    return Ok(None);
                };
                let (loc, in_buffer) = found;
                let buffered = if in_buffer {
                    let start = usize::try_from(loc.offset - w.buffer_at)
                        .map_err(|_| Error::corrupt("write buffer offset out of range"))?
                        + CHUNK_HEADER_LEN;
                    let stored = w
                        .buffer
                        .get(start..start + loc.stored_len as usize)
                        .ok_or_else(|| Error::corrupt("chunk location outside the write buffer"))?;
                    Some(stored.to_vec())
                } else {
                    None
                };
                (found, buffered)
            };
            // Read, decompress and hash outside it.
            let loc = found.0;
            let result = match buffered {
                Some(stored) => decode_verified(s, stored, address, &loc, &find),
                None => read_record(s, self.reader.as_ref(), address, &loc, &find),
            };
            match result {
                Ok(chunk) => return Ok(Some(chunk)),
                // A failed write may have moved the record (back into the
                // buffer) while it was read: then read it from where it is
                // now. Damage where it was found stays an error.
                Err(_) if !retried && self.lock().whereabouts(address) != Some(found) => {
                    retried = true;
                }
                Err(e) => return Err(e),
            }
        }
    }

    fn has(&self, address: &Address) -> Result<bool> {
        Ok(self.lock().locate(address).is_some())
    }

    fn put_many(&self, chunks: &[Chunk]) -> Result<()> {
        self.check_writable(&self.lock())?;
        for chunk in chunks {
            if chunk.len() > MAX_CHUNK_LEN {
                // Reading would refuse it, so it must never be written.
                return Err(Error::TooLarge {
                    what: "chunk",
                    len: chunk.len() as u64,
                    limit: MAX_CHUNK_LEN as u64,
                });
            }
        }
        // Compress outside the state's lock, so readers are not held up by it.
        let codec = self.prepare_compression(chunks)?;
        let encoded = chunks
            .iter()
            .zip(encode_all(&codec, chunks))
            .map(|(c, (flags, stored))| (c.address(), flags, stored, raw_len(c)))
            .collect();
        self.append(encoded)
    }

    fn settle(&self) -> Result<()> {
        let mut w = self.lock();
        if self.shared.is_none() || w.journal.is_none() {
            return Ok(());
        }
        if !w.pending.is_empty() || !w.buffer.is_empty() {
            // Published under the same root: the chunks stay, unreferenced,
            // and whoever put them can still swap to a root that uses them.
            // (A store without a root yet keeps them, and the lock, until
            // its first swap.)
            let Some(root) = w.root else {
                return Ok(());
            };
            self.publish(&mut w, Some(root), root)?;
        }
        self.release_if_done(&mut w);
        Ok(())
    }

    fn root(&self) -> Result<Option<Address>> {
        let mut w = self.lock();
        if self.shared.is_some() && w.journal.is_none() {
            // A shared store not writing sees what others published: a
            // length check, and a scan only when the journal grew.
            let s = self.storage.as_ref();
            let len = self.reader.len().map_err(|e| io_err(s, "cannot read", e))?;
            if len > w.committed_len {
                scan_tail(s, self.reader.as_ref(), &mut w)?;
                w.buffer_at = w.committed_len;
            }
        }
        Ok(w.root)
    }

    fn compare_and_swap_root(&self, expected: Option<Address>, new: Address) -> Result<bool> {
        let mut w = self.lock();
        self.check_writable(&w)?;
        self.become_writer(&mut w)?;
        if w.root != expected {
            // Chunks put for this swap stay pending (and the lock held) for
            // the retry that follows.
            self.release_if_done(&mut w);
            return Ok(false);
        }
        if w.locate(&new).is_none() {
            return Err(Error::MissingChunk(new));
        }
        self.publish(&mut w, expected, new)?;
        self.maybe_reindex(&mut w);
        self.release_if_done(&mut w);
        Ok(true)
    }
}
