//! # Prolly trees
//!
//! A [`ProllyMap`] is an ordered map from byte keys to byte values, stored as a
//! tree of chunks: a B-tree whose node boundaries are chosen by the content
//! rather than by a fill factor (see `chunker`). Leaves hold entries; internal
//! nodes hold, per child, its last key, its address and its number of
//! entries, so the map can be counted and indexed by ordinal.
//!
//! The tree for a given set of entries is unique. Its root address therefore
//! names the map's contents: two maps are equal exactly when their roots are,
//! whatever edits produced them, and two similar maps share all but the nodes
//! around their differences. Every operation here leans on that:
//!
//! - a bulk build streams sorted entries through the chunker (O(n));
//! - [`ProllyMap::edit`] re-chunks only around the edited keys and splices
//!   the untouched subtrees back in by address (`edit`);
//! - [`ProllyMap::diff`] skips subtrees with equal addresses (`diff`);
//! - [`merge`] applies one side's diff to the other (`merge`).
//!
//! Large values are stored out of line in blob trees (`value`), so a leaf
//! stays small and an edit to a long text touches few chunks.
//!
//! A map value is just a root address plus a [`NodeStore`]; building or
//! editing one writes new chunks to the store but publishes nothing. Making a
//! root durable and visible is the caller's job (a store-root swap).

mod chunker;
mod cursor;
mod diff;
mod edit;
mod merge;
mod node;
mod store;
mod value;
mod walker;

use std::ops::Bound;

pub use chunker::{MAX_KEY_LEN, MAX_NODE, MIN_NODE};
pub use diff::{Diff, DiffEntry};
pub use edit::Edit;
pub use merge::{Collision, Resolution, SameChange, merge, merge_with};
pub use store::NodeStore;
pub use value::{INLINE_LIMIT, MAX_VALUE_LEN};

use chunker::TreeBuilder;
use cursor::Cursor;
use value::load_value;

use crate::address::Address;
use crate::error::{Error, Result};

/// Builds a map from entries handed over one at a time in strictly
/// increasing key order (a bulk load, O(n)): nodes are cut, hashed and
/// written as the entries arrive, so memory stays flat whatever the size.
/// Nothing refers to the chunks written until the caller publishes the
/// root [`MapBuilder::finish`] returns.
#[derive(Debug)]
pub struct MapBuilder {
    builder: TreeBuilder,
    /// The last key pushed (its buffer reused), if any.
    last: Option<Vec<u8>>,
}

impl MapBuilder {
    /// A builder of a new map in `store`.
    pub fn new(store: &NodeStore) -> MapBuilder {
        MapBuilder {
            builder: TreeBuilder::new(store),
            last: None,
        }
    }

    /// The last key pushed.
    pub fn last_key(&self) -> Option<&[u8]> {
        self.last.as_deref()
    }

    /// Appends `key` -> `value`; `key` must follow every key pushed before.
    pub fn push(&mut self, key: &[u8], value: &[u8]) -> Result<()> {
        if self.last.as_deref().is_some_and(|prev| prev >= key) {
            return Err(Error::UnsortedEdits);
        }
        self.builder.push_value(key, value)?;
        let last = self.last.get_or_insert_with(Vec::new);
        last.clear();
        last.extend_from_slice(key);
        Ok(())
    }

    /// Ends every open node and returns the map.
    pub fn finish(self) -> Result<ProllyMap> {
        let store = self.builder.store().clone();
        let root = self.builder.finish()?;
        Ok(ProllyMap { root, store })
    }
}

/// An immutable ordered map from byte keys to byte values, stored as a prolly tree.
#[derive(Clone, Debug)]
pub struct ProllyMap {
    root: Address,
    store: NodeStore,
}

impl PartialEq for ProllyMap {
    fn eq(&self, other: &Self) -> bool {
        self.root == other.root
    }
}

impl Eq for ProllyMap {}

impl ProllyMap {
    /// The empty map (writes its single empty leaf to the store).
    pub fn empty(store: &NodeStore) -> Result<ProllyMap> {
        Self::from_sorted(store, std::iter::empty::<(&[u8], &[u8])>())
    }

    /// The map whose root is `root`, checking that the root node decodes.
    pub fn load(store: &NodeStore, root: Address) -> Result<ProllyMap> {
        store.load(&root)?;
        Ok(ProllyMap {
            root,
            store: store.clone(),
        })
    }

    /// Builds a map from entries in strictly increasing key order, in one pass.
    pub fn from_sorted<K, V>(
        store: &NodeStore,
        entries: impl IntoIterator<Item = (K, V)>,
    ) -> Result<ProllyMap>
    where
        K: AsRef<[u8]>,
        V: AsRef<[u8]>,
    {
        let mut builder = MapBuilder::new(store);
        for (key, value) in entries {
            builder.push(key.as_ref(), value.as_ref())?;
        }
        builder.finish()
    }

    /// The root address: equal maps have equal roots.
    pub fn root(&self) -> Address {
        self.root
    }

    /// The store the map reads from and writes to.
    pub fn store(&self) -> &NodeStore {
        &self.store
    }

    /// The value at `key`.
    pub fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        let cursor = Cursor::seek(&self.store, &self.root, key)?;
        match (cursor.key(), cursor.stored_value()) {
            (Some(k), Some(stored)) if k == key => Ok(Some(load_value(&self.store, stored)?)),
            _ => Ok(None),
        }
    }

    /// Whether `key` is present.
    pub fn contains_key(&self, key: &[u8]) -> Result<bool> {
        let cursor = Cursor::seek(&self.store, &self.root, key)?;
        Ok(cursor.key() == Some(key))
    }

    /// The number of entries (read from the root, not counted).
    pub fn len(&self) -> Result<u64> {
        Ok(self.store.load(&self.root)?.subtree_count())
    }

    /// Whether the map has no entries.
    pub fn is_empty(&self) -> Result<bool> {
        Ok(self.store.load(&self.root)?.len() == 0)
    }

    /// All entries in key order.
    pub fn iter(&self) -> Result<Range> {
        self.range(Bound::Unbounded, Bound::Unbounded)
    }

    /// The entries with keys between `start` and `end`, in increasing order.
    pub fn range(&self, start: Bound<&[u8]>, end: Bound<&[u8]>) -> Result<Range> {
        let cursor = match start {
            Bound::Unbounded => Cursor::first(&self.store, &self.root)?,
            Bound::Included(k) => Cursor::seek(&self.store, &self.root, k)?,
            Bound::Excluded(k) => {
                let mut c = Cursor::seek(&self.store, &self.root, k)?;
                if c.key() == Some(k) {
                    c.next()?;
                }
                c
            }
        };
        Ok(Range {
            store: self.store.clone(),
            cursor,
            limit: owned(end),
            reverse: false,
            done: false,
        })
    }

    /// The entries with keys between `start` and `end`, in decreasing order.
    pub fn range_rev(&self, start: Bound<&[u8]>, end: Bound<&[u8]>) -> Result<Range> {
        let cursor = match end {
            Bound::Unbounded => Cursor::last(&self.store, &self.root)?,
            Bound::Included(k) => Cursor::seek_before(&self.store, &self.root, k, true)?,
            Bound::Excluded(k) => Cursor::seek_before(&self.store, &self.root, k, false)?,
        };
        Ok(Range {
            store: self.store.clone(),
            cursor,
            limit: owned(start),
            reverse: true,
            done: false,
        })
    }

    /// The entries whose keys start with `prefix`, in increasing order.
    pub fn prefix(&self, prefix: &[u8]) -> Result<Range> {
        let end = prefix_successor(prefix);
        let end_bound = end.as_deref().map_or(Bound::Unbounded, Bound::Excluded);
        self.range(Bound::Included(prefix), end_bound)
    }

    /// The entry at ordinal `n` (0-based, in key order).
    pub fn get_index(&self, n: u64) -> Result<Option<(Vec<u8>, Vec<u8>)>> {
        self.iter_from_index(n)?.next().transpose()
    }

    /// The entries from ordinal `n` on, in key order.
    pub fn iter_from_index(&self, n: u64) -> Result<Range> {
        let cursor = Cursor::at_ordinal(&self.store, &self.root, n)?;
        Ok(Range {
            store: self.store.clone(),
            cursor,
            limit: Bound::Unbounded,
            reverse: false,
            done: false,
        })
    }

    /// The number of entries with keys less than `key` (the ordinal `key` has or would have).
    pub fn rank(&self, key: &[u8]) -> Result<u64> {
        Ok(Cursor::seek(&self.store, &self.root, key)?.ordinal())
    }

    /// Applies edits in strictly increasing key order, returning the new map.
    /// Only the nodes on the edited paths are rewritten.
    pub fn edit(&self, edits: impl IntoIterator<Item = Edit>) -> Result<ProllyMap> {
        let root = edit::apply_edits(&self.store, &self.root, edits)?;
        Ok(ProllyMap {
            root,
            store: self.store.clone(),
        })
    }

    /// The differences from `self` to `to`, in key order.
    pub fn diff(&self, to: &ProllyMap) -> Result<Diff> {
        Diff::new(&self.store, &self.root, &to.root)
    }

    /// Visits every node of the tree (depth first, left to right).
    pub fn walk_nodes(&self, mut visit: impl FnMut(&NodeInfo)) -> Result<()> {
        self.walk(&self.root, true, &mut visit)
    }

    fn walk(
        &self,
        address: &Address,
        rightmost: bool,
        visit: &mut impl FnMut(&NodeInfo),
    ) -> Result<()> {
        let node = self.store.load(address)?;
        visit(&NodeInfo {
            address: *address,
            level: node.level(),
            entries: node.len(),
            bytes: node.chunk().len(),
            last_at_level: rightmost,
        });
        if !node.is_leaf() {
            for i in 0..node.len() {
                self.walk(&node.child(i), rightmost && i + 1 == node.len(), visit)?;
            }
        }
        Ok(())
    }
}

/// Checks that a chunk of one of this crate's kinds (prolly nodes, blob
/// nodes) is well formed. Chunks of other kinds are not examined.
pub fn validate_chunk(chunk: &crate::chunk::Chunk) -> Result<()> {
    use crate::chunk::ChunkKind;
    match chunk.kind() {
        ChunkKind::PROLLY_LEAF | ChunkKind::PROLLY_INTERNAL => {
            let node = node::Node::decode(chunk.clone())?;
            if !node.is_leaf() {
                return Ok(());
            }
            for i in 0..node.len() {
                value::blob_of(node.value(i))?;
            }
            Ok(())
        }
        ChunkKind::BLOB_LEAF => chunk.expect_kind(ChunkKind::BLOB_LEAF),
        ChunkKind::BLOB_INTERNAL => {
            chunk.expect_kind(ChunkKind::BLOB_INTERNAL)?;
            if chunk.payload().len() != 1 + 8 * chunk.ref_len() {
                return Err(Error::corrupt(format!(
                    "blob node {} is malformed",
                    chunk.address().short(12)
                )));
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// What [`ProllyMap::walk_nodes`] reports of each node.
#[derive(Clone, Debug)]
pub struct NodeInfo {
    /// The node's address.
    pub address: Address,
    /// 0 for leaves.
    pub level: u8,
    /// Number of entries (children for internal nodes).
    pub entries: usize,
    /// Encoded size of the node's chunk.
    pub bytes: usize,
    /// Whether this is the last node of its level (which may end short).
    pub last_at_level: bool,
}

fn owned(bound: Bound<&[u8]>) -> Bound<Vec<u8>> {
    match bound {
        Bound::Included(k) => Bound::Included(k.to_vec()),
        Bound::Excluded(k) => Bound::Excluded(k.to_vec()),
        Bound::Unbounded => Bound::Unbounded,
    }
}

/// The smallest key greater than every key starting with `prefix`, if any
/// (none when `prefix` is all 0xff bytes): the end of a prefix's range.
pub fn prefix_successor(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xff {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

/// An iterator over a key range of a map, forward or backward.
#[derive(Debug)]
pub struct Range {
    store: NodeStore,
    cursor: Cursor,
    /// The far bound: the end going forward, the start going backward.
    limit: Bound<Vec<u8>>,
    reverse: bool,
    done: bool,
}

impl Range {
    fn within_limit(&self, key: &[u8]) -> bool {
        match (&self.limit, self.reverse) {
            (Bound::Unbounded, _) => true,
            (Bound::Included(l), false) => key <= l.as_slice(),
            (Bound::Excluded(l), false) => key < l.as_slice(),
            (Bound::Included(l), true) => key >= l.as_slice(),
            (Bound::Excluded(l), true) => key > l.as_slice(),
        }
    }

    fn step(&mut self) -> Result<Option<(Vec<u8>, Vec<u8>)>> {
        let (Some(key), Some(stored)) = (self.cursor.key(), self.cursor.stored_value()) else {
            return Ok(None);
        };
        if !self.within_limit(key) {
            return Ok(None);
        }
        let entry = (key.to_vec(), load_value(&self.store, stored)?);
        if self.reverse {
            self.cursor.prev()?;
        } else {
            self.cursor.next()?;
        }
        Ok(Some(entry))
    }
}

impl Iterator for Range {
    type Item = Result<(Vec<u8>, Vec<u8>)>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let item = self.step();
        if !matches!(item, Ok(Some(_))) {
            self.done = true;
        }
        item.transpose()
    }
}
