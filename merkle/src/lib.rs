//! # arbor-merkle: content-addressed chunks and prolly trees
//!
//! Everything Arbor persists is an immutable *chunk*: a byte string named by the
//! BLAKE3-256 hash of its bytes (its [`Address`]). Chunks that name other chunks
//! list those addresses in a header every chunk shares (see [`Chunk`]), so
//! reachability (for garbage collection, integrity checks and transfers) can be
//! walked without knowing what a chunk means.
//!
//! Chunks live in a [`ChunkStore`]: an in-memory one for tests and scratch work
//! ([`MemoryStore`]) and an on-disk one in a repository's `.arbor/` folder
//! ([`DiskStore`]), written through a small [`Storage`] trait so that crashes and
//! I/O errors can be injected in tests. A store also holds one *store root*: the
//! address from which everything live is reachable, swapped atomically by
//! compare-and-swap.
//!
//! On top of chunks sit *prolly trees* ([`ProllyMap`]): ordered maps from byte keys to
//! byte values whose node boundaries are chosen by content alone, so the same
//! contents always give the same root address however they were edited. That
//! property (history independence) is what makes diff and merge cost grow with
//! the size of a change rather than the size of a table.
//!
//! This crate knows bytes, not SQL.

mod address;
mod chunk;
pub mod codec;
mod error;
pub mod prolly;
pub mod reachability;
pub mod store;

pub use address::Address;
pub use chunk::{Chunk, ChunkKind, FORMAT_VERSION, MAX_CHUNK_LEN};
pub use error::{Error, Result};

pub use prolly::{Edit, MapBuilder, NodeStore, ProllyMap};
pub use store::{ChunkStore, DiskStore, JournalDamage, MemoryStore, OpenMode, RepairReport};
