//! Content-defined node boundaries and the level-by-level tree builder.
//!
//! ## Where a node ends
//!
//! Entries stream into the node being built at each level. After an entry is
//! added, the node ends ("a boundary") when a hash of the entry's key, salted by
//! the level, falls under a threshold that grows with the node's size. The
//! decision depends only on the entries since the previous boundary, so the
//! same sequence of entries always gives the same nodes: this is what makes a
//! tree's shape, and its root address, a function of its contents alone.
//!
//! The threshold follows the hazard of a Weibull distribution (shape 4, scale
//! `SCALE`): the chance that an entry of `s` bytes ends a node now holding `x`
//! bytes is about `4 x^3 s / SCALE^4`. Node sizes then cluster around 4 KiB
//! (the Weibull mean `SCALE * Γ(1.25)`), rarely far below or above. Two hard
//! limits bound them: no boundary below `MIN_NODE` bytes, and always a
//! boundary once a node could not take one more entry of the largest possible
//! size (`MAX_ENTRY`) without passing `MAX_NODE`. Both rules look only at the
//! node's own entries, never at the entry that follows: that is what lets an
//! edit splice an untouched node back in whatever comes after it. Only the
//! last node of a level (which ends with the data) can fall under the minimum.
//!
//! The computation is integer-only (no floating point), so every platform
//! places the same boundaries.
//!
//! ## Building level by level
//!
//! [`TreeBuilder`] keeps one open node per level. When a level-`L` node ends,
//! it becomes one entry (its last key, its address, its entry count) at level
//! `L + 1`. The tree's root is the single node of the first level that ends
//! with exactly one node. Internal nodes hold at least two entries (except a
//! level's last node), so every level is at most half as long as the one
//! below and the tree always converges to a root.

use super::node::NodeBuffer;
use super::store::NodeStore;
use super::value::{INLINE_LIMIT, StoredValue, store_value};
use crate::address::Address;
use crate::chunk::Chunk;
use crate::error::{Error, Result};

/// No boundary is placed before a node holds this many bytes of entries.
pub const MIN_NODE: usize = 512;
/// An entry that would take a node past this many bytes starts a new node.
pub const MAX_NODE: usize = 16 * 1024;
/// The longest key a map accepts. PostgreSQL's own limit for a btree entry
/// is about 2.7 KB; bounding keys bounds entries, which bounds nodes.
pub const MAX_KEY_LEN: usize = 4096;
/// The largest entry: a maximal key with a maximal inline value and offsets.
const MAX_ENTRY: usize = MAX_KEY_LEN + INLINE_LIMIT + 1 + 8;
/// A node this large ends at once: one more entry could pass `MAX_NODE`.
const FORCE_BOUNDARY_AT: usize = MAX_NODE - MAX_ENTRY;
/// Weibull scale: `SCALE * Γ(1 + 1/4) ≈ 4096`, the target mean node size.
const SCALE: u128 = 4519;

/// Bytes a node spends outside its entries: the chunk header (6) and the
/// node header (5), rounded up. Sizes compared with the limits include it, so
/// the limits hold for whole chunks.
const NODE_OVERHEAD: usize = 16;

/// Bytes an entry adds to a leaf: key, value, two u32 offsets, and the
/// reference to its blob if the value is out of line.
pub(crate) fn leaf_entry_size(key: &[u8], stored_len: usize, blob: Option<Address>) -> usize {
    key.len() + stored_len + 8 + if blob.is_some() { Address::LEN } else { 0 }
}

/// Bytes an entry adds to an internal node: key, address, count, key offset.
pub(crate) fn internal_entry_size(key: &[u8]) -> usize {
    key.len() + 32 + 8 + 4
}

/// The boundary hash of `key` at `level`: FNV-1a (64-bit) over the key with the
/// level folded into the offset basis, then the SplitMix64 finalizer to spread
/// the bits. Part of the on-disk format: changing it changes every address.
pub(crate) fn boundary_hash(key: &[u8], level: u8) -> u64 {
    const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut h = FNV_OFFSET ^ (u64::from(level).wrapping_mul(0x9e37_79b9_7f4a_7c15));
    for &b in key {
        h ^= u64::from(b);
        h = h.wrapping_mul(FNV_PRIME);
    }
    h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// Whether an entry of `entry_size` bytes with boundary hash `hash` ends a node
/// that holds `size` bytes including that entry.
pub(crate) fn is_boundary(hash: u64, size: usize, entry_size: usize) -> bool {
    if size < MIN_NODE {
        return false;
    }
    if size >= FORCE_BOUNDARY_AT {
        return true;
    }
    // threshold / 2^32 = 4 x^3 s / SCALE^4, capped at 1.
    let x = size as u128;
    let s = entry_size as u128;
    let threshold = ((4 * x * x * x * s) << 32) / (SCALE * SCALE * SCALE * SCALE);
    u128::from(hash >> 32) < threshold
}

/// One level's open node and how many entries that level has received.
#[derive(Debug)]
struct Level {
    node: NodeBuffer,
    /// Bytes of entries in the open node.
    size: usize,
    /// Entries received at this level since the builder started.
    received: u64,
}

/// Builds a prolly tree bottom-up from entries in key order.
///
/// Leaf entries go in with [`TreeBuilder::push_leaf`]; whole existing subtrees
/// can be spliced in at a higher level with [`TreeBuilder::push_child`] when
/// every level below is empty (at a boundary), which is how edits reuse
/// untouched nodes.
#[derive(Debug)]
pub(crate) struct TreeBuilder {
    store: NodeStore,
    levels: Vec<Level>,
    pending: Vec<Chunk>,
}

/// Chunks are handed to the store in batches of this many.
const FLUSH_EVERY: usize = 512;

impl TreeBuilder {
    pub(crate) fn new(store: &NodeStore) -> TreeBuilder {
        TreeBuilder {
            store: store.clone(),
            levels: Vec::new(),
            pending: Vec::new(),
        }
    }

    /// The store the tree is written to.
    pub(crate) fn store(&self) -> &NodeStore {
        &self.store
    }

    fn level_mut(&mut self, level: usize) -> &mut Level {
        while self.levels.len() <= level {
            let l =
                u8::try_from(self.levels.len()).expect("trees are far shallower than 256 levels");
            self.levels.push(Level {
                node: NodeBuffer::new(l),
                size: NODE_OVERHEAD,
                received: 0,
            });
        }
        &mut self.levels[level]
    }

    /// Whether levels `0..=level` all have empty open nodes.
    pub(crate) fn is_empty_through(&self, level: usize) -> bool {
        self.levels
            .iter()
            .take(level + 1)
            .all(|l| l.node.is_empty())
    }

    /// Appends a leaf entry (its stored value form) after all entries so far.
    pub(crate) fn push_leaf(
        &mut self,
        key: &[u8],
        stored_value: &[u8],
        blob: Option<Address>,
    ) -> Result<()> {
        self.push_leaf_parts(key, &[stored_value], blob)
    }

    /// Appends the entry `key` -> `value` after all entries so far, the
    /// value stored inline or (if long) written out of line first. An
    /// inline value is copied straight into the node: a bulk load makes no
    /// allocation per entry.
    pub(crate) fn push_value(&mut self, key: &[u8], value: &[u8]) -> Result<()> {
        if value.len() <= INLINE_LIMIT {
            return self.push_leaf_parts(key, &[&[StoredValue::INLINE], value], None);
        }
        let stored = store_value(&self.store, value)?;
        self.push_leaf(key, &stored.bytes, stored.blob)
    }

    /// Appends a leaf entry whose stored value is the concatenation of `parts`.
    fn push_leaf_parts(
        &mut self,
        key: &[u8],
        parts: &[&[u8]],
        blob: Option<Address>,
    ) -> Result<()> {
        if key.len() > MAX_KEY_LEN {
            return Err(Error::TooLarge {
                what: "key",
                len: key.len() as u64,
                limit: MAX_KEY_LEN as u64,
            });
        }
        let stored_len = parts.iter().map(|p| p.len()).sum();
        let entry = leaf_entry_size(key, stored_len, blob);
        let lvl = self.level_mut(0);
        lvl.node.push_leaf(key, parts, blob);
        lvl.size += entry;
        lvl.received += 1;
        if is_boundary(boundary_hash(key, 0), lvl.size, entry) {
            self.close(0)?;
        }
        Ok(())
    }

    /// Appends a whole subtree of height `level - 1` as an entry of `level`.
    pub(crate) fn push_child(
        &mut self,
        level: usize,
        last_key: &[u8],
        child: Address,
        count: u64,
    ) -> Result<()> {
        debug_assert!(level >= 1 && self.is_empty_through(level - 1));
        let entry = internal_entry_size(last_key);
        let lvl = self.level_mut(level);
        lvl.node.push_child(last_key, child, count);
        lvl.size += entry;
        lvl.received += 1;
        // An internal node never ends on its first entry: with a fan-out of at
        // least two, each level has at most half the entries of the one below,
        // so the tree has a root even when keys are large.
        let hash = boundary_hash(last_key, lvl.node.level);
        if lvl.node.len() >= 2 && is_boundary(hash, lvl.size, entry) {
            self.close(level)?;
        }
        Ok(())
    }

    /// Ends the open node at `level` and passes it up as an entry of `level + 1`.
    fn close(&mut self, level: usize) -> Result<()> {
        let lvl = &mut self.levels[level];
        let last_key = lvl.node.last_key().to_vec();
        let count = lvl.node.subtree_count();
        let chunk = lvl.node.take_chunk();
        lvl.size = NODE_OVERHEAD;
        let address = chunk.address();
        self.emit(chunk)?;
        self.push_child(level + 1, &last_key, address, count)
    }

    fn emit(&mut self, chunk: Chunk) -> Result<()> {
        self.pending.push(chunk);
        if self.pending.len() >= FLUSH_EVERY {
            self.store.write(std::mem::take(&mut self.pending))?;
        }
        Ok(())
    }

    /// Ends every open node and returns the root's address. An empty tree is a
    /// single empty leaf.
    pub(crate) fn finish(mut self) -> Result<Address> {
        let mut level = 0;
        let root = loop {
            if level >= self.levels.len() {
                // Nothing was ever pushed: the empty tree.
                let chunk = NodeBuffer::new(0).take_chunk();
                let address = chunk.address();
                self.emit(chunk)?;
                break address;
            }
            if !self.levels[level].node.is_empty() {
                self.close(level)?;
            }
            let above = level + 1;
            if above + 1 == self.levels.len() && self.levels[above].received == 1 {
                // The first level to end in a single node: that node is the root,
                // and the entry naming it is not part of the tree.
                let only = self.levels[above].node.take_chunk();
                break only.ref_at(0);
            }
            level += 1;
        };
        self.store.write(std::mem::take(&mut self.pending))?;
        Ok(root)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundary_probability_rises_with_size() {
        // Sample many hashes at a few sizes: the split rate must rise with size.
        let rate = |size: usize| {
            (0..20_000u32)
                .filter(|i| is_boundary(boundary_hash(&i.to_be_bytes(), 0), size, 120))
                .count()
        };
        assert_eq!(rate(MIN_NODE - 1), 0);
        let (r1, r2, r3) = (rate(1024), rate(4096), rate(8192));
        assert!(r1 < r2 && r2 < r3, "{r1} {r2} {r3}");
        assert_eq!(
            rate(20_000),
            20_000,
            "past the scale the threshold saturates"
        );
    }

    #[test]
    fn boundary_hash_is_pinned() {
        // Part of the format: a change here changes every tree's address.
        assert_eq!(boundary_hash(b"", 0), 0xf52a_15e9_a9b5_e89b);
        assert_ne!(boundary_hash(b"key", 0), boundary_hash(b"key", 1));
    }
}
