//! Prolly tree nodes: their byte layout, decoding with full validation, and accessors.
//!
//! A node is one chunk (see `crate::chunk` for the shared header). Its payload:
//!
//! ```text
//! offset      size      field
//! 0           1         level      0 for leaves, 1.. for internal nodes
//! 1           4         n          u32 LE: number of entries
//! 5           4*n       key_ends   u32 LE each: end offset of key i within the key area
//! leaf:
//!   5+4n      4*n       value_ends u32 LE each: end offset of value i within the value area
//!   5+8n      ...       key area, then value area
//! internal:
//!   5+4n      8*n       counts     u64 LE each: number of leaf entries under child i
//!   5+12n     ...       key area
//! ```
//!
//! In an internal node, key i is the *last* (greatest) key in child i's subtree,
//! and child i's address is reference i of the chunk header, so reachability
//! walks need no knowledge of this layout. A leaf's references are the blob
//! roots of its out-of-line values (see `super::value`), in entry order.
//!
//! Keys are strictly increasing within a node; decoding checks that and every
//! offset, so a damaged node is an error before any slice is taken.

use crate::address::Address;
use crate::chunk::{Chunk, ChunkKind};
use crate::error::{Error, Result};

const LEVEL_AT: usize = 0;
const COUNT_AT: usize = 1;
const KEY_ENDS_AT: usize = 5;

/// A decoded prolly node: the chunk plus the positions of its sections.
#[derive(Clone, Debug)]
pub(crate) struct Node {
    chunk: Chunk,
    level: u8,
    len: usize,
    /// Offset of the payload within the chunk bytes.
    payload_at: usize,
    /// Offsets (within the chunk bytes) of the key area and the value area
    /// (leaves) or the counts array (internal nodes).
    keys_at: usize,
    values_at: usize,
}

impl Node {
    /// Decodes and validates a chunk as a prolly node.
    pub(crate) fn decode(chunk: Chunk) -> Result<Node> {
        let kind = chunk.kind();
        if kind != ChunkKind::PROLLY_LEAF && kind != ChunkKind::PROLLY_INTERNAL {
            return Err(Error::corrupt(format!(
                "chunk {} is a {kind:?}, not a prolly tree node",
                chunk.address().short(12)
            )));
        }
        chunk.expect_kind(kind)?;
        let name = chunk.address().short(12);
        let bad = |what: &str| Error::corrupt(format!("prolly node {name}: {what}"));
        let payload = chunk.payload();
        let payload_at = chunk.len() - payload.len();
        if payload.len() < KEY_ENDS_AT {
            return Err(bad("payload shorter than its header"));
        }
        let level = payload[LEVEL_AT];
        let len = read_u32(payload, COUNT_AT) as usize;
        let is_leaf = kind == ChunkKind::PROLLY_LEAF;
        if is_leaf != (level == 0) {
            return Err(bad("level does not match node kind"));
        }
        // Per entry: 4 bytes of key end plus 4 (value end) or 8 (count).
        let per_entry = if is_leaf { 8 } else { 12 };
        let arrays_end = len
            .checked_mul(per_entry)
            .and_then(|n| n.checked_add(KEY_ENDS_AT))
            .filter(|&end| end <= payload.len())
            .ok_or_else(|| bad("entry count larger than the node"))?;
        let key_area = payload.len() - arrays_end;
        let mut prev = 0usize;
        for i in 0..len {
            let end = read_u32(payload, KEY_ENDS_AT + 4 * i) as usize;
            if end < prev || end > key_area {
                return Err(bad("key offsets out of order or out of bounds"));
            }
            prev = end;
        }
        let keys_len = prev;
        let node_keys_at = payload_at + arrays_end;
        if is_leaf {
            let values_area = key_area - keys_len;
            let mut prev = 0usize;
            for i in 0..len {
                let end = read_u32(payload, KEY_ENDS_AT + 4 * len + 4 * i) as usize;
                if end < prev || end > values_area {
                    return Err(bad("value offsets out of order or out of bounds"));
                }
                prev = end;
            }
            if prev != values_area {
                return Err(bad("trailing bytes after the last value"));
            }
            if chunk.ref_len() > len {
                return Err(bad("more blob references than entries"));
            }
        } else {
            if keys_len != key_area {
                return Err(bad("trailing bytes after the last key"));
            }
            if chunk.ref_len() != len {
                return Err(bad("child count does not match entry count"));
            }
        }
        let node = Node {
            level,
            len,
            payload_at,
            keys_at: node_keys_at,
            values_at: if is_leaf {
                node_keys_at + keys_len
            } else {
                payload_at + KEY_ENDS_AT + 4 * len
            },
            chunk,
        };
        for i in 1..len {
            if node.key(i - 1) >= node.key(i) {
                return Err(bad("keys not strictly increasing"));
            }
        }
        Ok(node)
    }

    /// About how much memory the node holds: its chunk and its bookkeeping.
    pub(crate) fn memory_size(&self) -> usize {
        self.chunk.len() + size_of::<Node>() + 64
    }

    pub(crate) fn address(&self) -> Address {
        self.chunk.address()
    }

    pub(crate) fn chunk(&self) -> &Chunk {
        &self.chunk
    }

    pub(crate) fn level(&self) -> u8 {
        self.level
    }

    pub(crate) fn is_leaf(&self) -> bool {
        self.level == 0
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    fn payload(&self) -> &[u8] {
        &self.chunk.bytes()[self.payload_at..]
    }

    fn key_end(&self, i: usize) -> usize {
        read_u32(self.payload(), KEY_ENDS_AT + 4 * i) as usize
    }

    /// Key `i`. Indexes are checked by the caller against `len()`.
    pub(crate) fn key(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.key_end(i - 1) };
        let end = self.key_end(i);
        &self.chunk.bytes()[self.keys_at + start..self.keys_at + end]
    }

    /// The stored (possibly out-of-line) value `i` of a leaf.
    pub(crate) fn value(&self, i: usize) -> &[u8] {
        debug_assert!(self.is_leaf());
        let ends_at = KEY_ENDS_AT + 4 * self.len;
        let end_of = |j: usize| read_u32(self.payload(), ends_at + 4 * j) as usize;
        let start = if i == 0 { 0 } else { end_of(i - 1) };
        let end = end_of(i);
        &self.chunk.bytes()[self.values_at + start..self.values_at + end]
    }

    /// The address of child `i` of an internal node.
    pub(crate) fn child(&self, i: usize) -> Address {
        debug_assert!(!self.is_leaf());
        self.chunk.ref_at(i)
    }

    /// The number of leaf entries under child `i` of an internal node.
    pub(crate) fn child_count(&self, i: usize) -> u64 {
        debug_assert!(!self.is_leaf());
        let at = self.values_at - self.payload_at + 8 * i;
        let b = &self.payload()[at..at + 8];
        u64::from_le_bytes(b.try_into().expect("slice of 8 bytes"))
    }

    /// Number of leaf entries in this node's subtree.
    pub(crate) fn subtree_count(&self) -> u64 {
        if self.is_leaf() {
            self.len as u64
        } else {
            (0..self.len).map(|i| self.child_count(i)).sum()
        }
    }

    /// Index of the first entry whose key is `>= key` (`len()` if none).
    pub(crate) fn lower_bound(&self, key: &[u8]) -> usize {
        let (mut lo, mut hi) = (0, self.len);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.key(mid) < key {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }
}

fn read_u32(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().expect("slice of 4 bytes"))
}

/// Accumulates the entries of one node under construction and encodes it.
#[derive(Debug, Default)]
pub(crate) struct NodeBuffer {
    pub(crate) level: u8,
    keys: Vec<u8>,
    key_ends: Vec<u32>,
    values: Vec<u8>,
    value_ends: Vec<u32>,
    children: Vec<Address>,
    counts: Vec<u64>,
    blob_refs: Vec<Address>,
}

impl NodeBuffer {
    pub(crate) fn new(level: u8) -> NodeBuffer {
        NodeBuffer {
            level,
            ..NodeBuffer::default()
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.key_ends.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.key_ends.is_empty()
    }

    /// Appends a leaf entry whose stored value is the concatenation of `stored_value`.
    pub(crate) fn push_leaf(&mut self, key: &[u8], stored_value: &[&[u8]], blob: Option<Address>) {
        self.keys.extend_from_slice(key);
        self.key_ends.push(offset(self.keys.len()));
        for part in stored_value {
            self.values.extend_from_slice(part);
        }
        self.value_ends.push(offset(self.values.len()));
        self.blob_refs.extend(blob);
    }

    pub(crate) fn push_child(&mut self, key: &[u8], child: Address, count: u64) {
        self.keys.extend_from_slice(key);
        self.key_ends.push(offset(self.keys.len()));
        self.children.push(child);
        self.counts.push(count);
    }

    pub(crate) fn last_key(&self) -> &[u8] {
        let n = self.key_ends.len();
        let start = if n >= 2 {
            self.key_ends[n - 2] as usize
        } else {
            0
        };
        &self.keys[start..]
    }

    pub(crate) fn subtree_count(&self) -> u64 {
        if self.level == 0 {
            self.len() as u64
        } else {
            self.counts.iter().sum()
        }
    }

    /// Encodes the buffered entries as a node chunk and empties the buffer.
    pub(crate) fn take_chunk(&mut self) -> Chunk {
        let n = self.len();
        let (kind, refs) = if self.level == 0 {
            (ChunkKind::PROLLY_LEAF, &self.blob_refs)
        } else {
            (ChunkKind::PROLLY_INTERNAL, &self.children)
        };
        // The payload is laid out in the chunk's own buffer: no copy.
        let mut payload = Chunk::start(
            kind,
            refs,
            KEY_ENDS_AT + 12 * n + self.keys.len() + self.values.len(),
        );
        payload.push(self.level);
        payload.extend_from_slice(&offset(n).to_le_bytes());
        for e in &self.key_ends {
            payload.extend_from_slice(&e.to_le_bytes());
        }
        if self.level == 0 {
            for e in &self.value_ends {
                payload.extend_from_slice(&e.to_le_bytes());
            }
            payload.extend_from_slice(&self.keys);
            payload.extend_from_slice(&self.values);
        } else {
            for c in &self.counts {
                payload.extend_from_slice(&c.to_le_bytes());
            }
            payload.extend_from_slice(&self.keys);
        }
        let chunk = Chunk::finish(payload);
        self.keys.clear();
        self.key_ends.clear();
        self.values.clear();
        self.value_ends.clear();
        self.children.clear();
        self.counts.clear();
        self.blob_refs.clear();
        chunk
    }
}

/// Node-internal offsets are u32: a node is at most `MAX_CHUNK_LEN` bytes.
fn offset(n: usize) -> u32 {
    u32::try_from(n).expect("node sections are bounded by MAX_CHUNK_LEN, far below 4 GiB")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaf_round_trip() {
        let mut b = NodeBuffer::new(0);
        b.push_leaf(b"a", &[b"\x001"], None);
        b.push_leaf(b"bb", &[b"\x0022"], None);
        let node = Node::decode(b.take_chunk()).unwrap();
        assert!(b.is_empty());
        assert_eq!(node.len(), 2);
        assert_eq!(node.key(1), b"bb");
        assert_eq!(node.value(0), b"\x001");
        assert_eq!(node.lower_bound(b"b"), 1);
        assert_eq!(node.lower_bound(b"z"), 2);
    }

    #[test]
    fn internal_round_trip() {
        let mut b = NodeBuffer::new(1);
        let (x, y) = (Address::of(b"x"), Address::of(b"y"));
        b.push_child(b"k1", x, 3);
        b.push_child(b"k2", y, 4);
        let node = Node::decode(b.take_chunk()).unwrap();
        assert_eq!(node.child(1), y);
        assert_eq!(node.child_count(0), 3);
        assert_eq!(node.subtree_count(), 7);
        assert_eq!(node.key(1), b"k2");
    }

    #[test]
    fn every_single_byte_damage_is_an_error_or_a_valid_node() {
        let mut b = NodeBuffer::new(0);
        for i in 0..20u8 {
            b.push_leaf(&[b'k', i], &[&[0, i, i]], None);
        }
        let chunk = b.take_chunk();
        for at in 0..chunk.len() {
            for flip in [1u8, 0x80, 0xff] {
                let mut bytes = chunk.bytes().to_vec();
                bytes[at] ^= flip;
                // Decoding must never panic; it may succeed only for a self-consistent node.
                if let Ok(node) = Chunk::from_bytes(bytes).and_then(Node::decode) {
                    for i in 0..node.len() {
                        let _ = (node.key(i), node.value(i));
                    }
                }
            }
        }
    }
}
