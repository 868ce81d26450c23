//! The repository's persistent objects, each one chunk.
//!
//! ```text
//! store root ──> refs/heads/main ──> commit ──> catalog ──> table ──> rows (prolly map)
//!            │                         └──> parent commits      └──> secondary indexes
//!            └─> workingsets/heads/main ──> working set ──> working catalog, staged catalog
//! ```
//!
//! - [`StoreRoot`]: every named pointer of the repository (branches, tags,
//!   remote-tracking branches, working sets) and the default branch. The chunk
//!   store's root address names the current store root; updating any ref is
//!   one compare-and-swap of that address.
//! - [`Commit`]: a catalog, its parents, author, time, message and height.
//! - [`WorkingSet`]: per branch, the working and staged catalogs, plus the
//!   state of a merge in progress.
//! - [`Catalog`] (the "root value"): table name to table, view definitions,
//!   sequence states.
//! - [`TagObject`]: an annotated tag: the commit it names, tagger, time and
//!   message (a lightweight tag's ref names the commit itself).
//! - [`RemoteList`]: the named remotes and each branch's upstream (the
//!   store root's `remotes` ref).
//! - [`ReflogEntry`]: one move of a branch head (the store root's `reflog`
//!   ref names the newest; each names the one before).
//! - [`TableObject`]: a table's schema bytes, its primary index (a prolly map
//!   from encoded key to encoded row), its secondary indexes and counters.
//!
//! Every object lists the chunks it refers to in the chunk header, so
//! reachability walks need no knowledge of these payloads. Encodings are drawn
//! in `docs/format.md` and pinned by golden tests.

mod catalog;
mod commit;
mod reflog;
mod remotes;
mod store_root;
mod table;
mod tag;
mod working_set;

pub use catalog::{Catalog, function_name};
pub use commit::{Commit, Signature};
pub use reflog::ReflogEntry;
pub use remotes::RemoteList;
pub use store_root::StoreRoot;
pub use table::TableObject;
pub use tag::TagObject;
pub use working_set::{MergeState, SequenceKind, Step, StepAction, StepSequence, WorkingSet};

use arbor_merkle::{Chunk, ChunkKind};

/// A table: schema, primary index, secondary indexes, counters.
pub const TABLE: ChunkKind = ChunkKind::new(0x10);
/// A catalog (root value): tables, views, sequences.
pub const CATALOG: ChunkKind = ChunkKind::new(0x11);
/// A commit.
pub const COMMIT: ChunkKind = ChunkKind::new(0x12);
/// A branch's working set.
pub const WORKING_SET: ChunkKind = ChunkKind::new(0x13);
/// The store root: all refs.
pub const STORE_ROOT: ChunkKind = ChunkKind::new(0x14);
/// An annotated tag.
pub const TAG: ChunkKind = ChunkKind::new(0x15);
/// The remotes and upstreams.
pub const REMOTES: ChunkKind = ChunkKind::new(0x16);
/// A reflog entry: one move of a branch head.
pub const REFLOG: ChunkKind = ChunkKind::new(0x17);

/// Checks a chunk's kind and version before decoding it as `kind`.
fn expect(chunk: &Chunk, kind: ChunkKind) -> arbor_merkle::Result<()> {
    chunk.expect_kind(kind)
}
