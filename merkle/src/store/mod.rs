//! Chunk stores: where chunks live, and the one mutable thing, the store root.
//!
//! A [`ChunkStore`] maps addresses to immutable chunks and holds a single
//! *store root* address from which everything live is reachable. Writers put
//! chunks in batches, then publish a new root with [`ChunkStore::compare_and_swap_root`];
//! that call is the durability point: every chunk put before it is durable
//! before the new root becomes visible, and the swap fails (returns `false`)
//! if another writer moved the root first, so an update is never lost.
//!
//! Chunks put but not yet published are readable by the writer that put them,
//! but a crash may drop them; nothing refers to them from a published root, so
//! dropping them loses nothing.

mod compression;
mod disk;
mod index;
mod journal;
mod memory;
mod sim;
mod storage;

use std::fmt;

/// The journal format version (its file header) this build writes new
/// journals in; it also reads journals of version 1 (lz4), and keeps
/// writing those in version 1 until `gc` rewrites them.
pub const JOURNAL_FORMAT_VERSION: u32 = journal::VERSION;
/// The journal format versions this build reads.
pub const READABLE_JOURNAL_VERSIONS: [u32; 2] = journal::READABLE_VERSIONS;

pub use disk::{
    DiskStats, DiskStore, DroppedRoot, JournalDamage, OpenMode, READERS, RepairReport, VerifyReport,
};
pub use memory::MemoryStore;
pub use sim::SimStorage;
pub use storage::{FileMode, FsStorage, Storage, StorageFile, StorageLock};

use crate::address::Address;
use crate::chunk::Chunk;
use crate::error::{Error, Result};

/// A content-addressed chunk store with one compare-and-swap root.
pub trait ChunkStore: Send + Sync + fmt::Debug {
    /// The chunk at `address`, verified against it, or `None` if absent.
    fn get(&self, address: &Address) -> Result<Option<Chunk>>;

    /// Whether the store holds `address`.
    fn has(&self, address: &Address) -> Result<bool>;

    /// Adds chunks. Chunks already present are skipped. Not durable until the
    /// next successful root swap.
    fn put_many(&self, chunks: &[Chunk]) -> Result<()>;

    /// The published store root, or `None` for a store that never had one.
    fn root(&self) -> Result<Option<Address>>;

    /// Makes every chunk put so far durable, then publishes `new` as the store
    /// root if the current root is still `expected`. Returns `false`, changing
    /// nothing, if the root had moved. The chunk `new` must be in the store.
    fn compare_and_swap_root(&self, expected: Option<Address>, new: Address) -> Result<bool>;

    /// Says the caller has nothing in flight (a statement ended, failed or
    /// not). A store that takes its writer lock per write makes whatever was
    /// put since its last publish durable (unreferenced, for a later swap
    /// or gc) and lets the lock go, so a failed write never leaves it held.
    fn settle(&self) -> Result<()> {
        Ok(())
    }

    /// The chunk at `address`, or a [`Error::MissingChunk`] error.
    fn get_required(&self, address: &Address) -> Result<Chunk> {
        self.get(address)?.ok_or(Error::MissingChunk(*address))
    }

    /// Adds one chunk; see [`ChunkStore::put_many`].
    fn put(&self, chunk: &Chunk) -> Result<()> {
        self.put_many(std::slice::from_ref(chunk))
    }
}
