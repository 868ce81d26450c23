//! Chunks: the immutable, content-addressed unit of storage.
//!
//! Every chunk has the same header, so any chunk can be checked and its
//! outgoing references walked without knowing what it means:
//!
//! ```text
//! offset  size        field
//! 0       1           kind        what the payload is (see ChunkKind)
//! 1       1           version     format version of that kind (FORMAT_VERSION)
//! 2       4           ref_count   u32 little-endian: number of referenced chunks
//! 6       32*ref_count refs       addresses of the chunks this one refers to
//! ...     rest        payload     kind-specific bytes
//! ```
//!
//! The address of a chunk is the BLAKE3-256 hash of all of these bytes.

use std::fmt;
use std::sync::Arc;

use crate::address::Address;
use crate::error::{Error, Result};

/// The current format version written into every chunk.
pub const FORMAT_VERSION: u8 = 1;

/// No chunk may be longer than this (8 MiB). Checked before any allocation,
/// so a damaged length can never make Arbor allocate without bound.
pub const MAX_CHUNK_LEN: usize = 8 << 20;

const HEADER_LEN: usize = 6;

/// What a chunk holds. The values are part of the on-disk format.
///
/// Kinds `0x01..=0x0f` belong to this crate; `0x10..=0x3f` are reserved for
/// the repository layer (tables, catalogs, commits, working sets, store roots).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChunkKind(u8);

impl ChunkKind {
    /// A leaf node of a prolly tree: keys and values.
    pub const PROLLY_LEAF: ChunkKind = ChunkKind(0x01);
    /// An internal node of a prolly tree: last keys, child addresses, subtree counts.
    pub const PROLLY_INTERNAL: ChunkKind = ChunkKind(0x02);
    /// A leaf of a blob tree: raw bytes of a large value.
    pub const BLOB_LEAF: ChunkKind = ChunkKind(0x03);
    /// An internal node of a blob tree: child blob nodes and their byte lengths.
    pub const BLOB_INTERNAL: ChunkKind = ChunkKind(0x04);
    /// A zstd dictionary that chunk records of a journal are compressed
    /// with (see `store::compression`); no references, reachable from no root.
    pub const COMPRESSION_DICTIONARY: ChunkKind = ChunkKind(0x05);

    /// A kind from its byte. Higher layers define their own constants with this.
    pub const fn new(byte: u8) -> ChunkKind {
        ChunkKind(byte)
    }

    /// The kind byte.
    pub const fn byte(self) -> u8 {
        self.0
    }
}

impl fmt::Debug for ChunkKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match *self {
            ChunkKind::PROLLY_LEAF => "prolly-leaf",
            ChunkKind::PROLLY_INTERNAL => "prolly-internal",
            ChunkKind::BLOB_LEAF => "blob-leaf",
            ChunkKind::BLOB_INTERNAL => "blob-internal",
            ChunkKind::COMPRESSION_DICTIONARY => "compression-dictionary",
            _ => return write!(f, "kind({:#04x})", self.0),
        };
        f.write_str(name)
    }
}

/// An immutable chunk: its bytes and their address. Cheap to clone.
///
/// Invariant: `address == Address::of(&bytes)` and the header is well formed
/// (the reference list fits inside the bytes). Both are established by every
/// constructor, so readers of a `Chunk` never re-check them.
#[derive(Clone)]
pub struct Chunk {
    address: Address,
    bytes: Arc<Vec<u8>>,
}

impl Chunk {
    /// Builds a chunk of `kind` referring to `refs`, with `payload` after the header.
    pub fn new(kind: ChunkKind, refs: &[Address], payload: &[u8]) -> Chunk {
        let mut bytes = Chunk::start(kind, refs, payload.len());
        bytes.extend_from_slice(payload);
        Chunk::finish(bytes)
    }

    /// The header and references of a chunk, with room for `payload_len`
    /// bytes of payload: append the payload, then [`Chunk::finish`]. Lets
    /// a writer lay its payload out in place instead of copying it in.
    pub fn start(kind: ChunkKind, refs: &[Address], payload_len: usize) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(HEADER_LEN + refs.len() * Address::LEN + payload_len);
        bytes.push(kind.0);
        bytes.push(FORMAT_VERSION);
        let ref_count =
            u32::try_from(refs.len()).expect("a chunk never refers to 4 billion chunks");
        bytes.extend_from_slice(&ref_count.to_le_bytes());
        for r in refs {
            bytes.extend_from_slice(r.as_bytes());
        }
        bytes
    }

    /// The chunk whose bytes (header, references, payload) [`Chunk::start`]
    /// began.
    pub fn finish(bytes: Vec<u8>) -> Chunk {
        Chunk {
            address: Address::of(&bytes),
            bytes: Arc::new(bytes),
        }
    }

    /// Accepts bytes read from storage as the chunk `expected`, checking that they
    /// hash to that address and that the header is well formed.
    pub fn from_bytes_verified(
        expected: Address,
        bytes: Vec<u8>,
        location: Option<String>,
    ) -> Result<Chunk> {
        let actual = Address::of(&bytes);
        if actual != expected {
            return Err(Error::ChunkHashMismatch {
                expected,
                actual,
                location,
            });
        }
        Self::from_bytes(bytes)
    }

    /// Accepts bytes as a chunk, computing their address and checking the header.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Chunk> {
        if bytes.len() > MAX_CHUNK_LEN {
            return Err(Error::TooLarge {
                what: "chunk",
                len: bytes.len() as u64,
                limit: MAX_CHUNK_LEN as u64,
            });
        }
        if bytes.len() < HEADER_LEN {
            return Err(Error::corrupt(format!(
                "chunk of {} bytes is shorter than its header",
                bytes.len()
            )));
        }
        let ref_count = u32::from_le_bytes([bytes[2], bytes[3], bytes[4], bytes[5]]) as usize;
        let fits = ref_count
            .checked_mul(Address::LEN)
            .and_then(|n| n.checked_add(HEADER_LEN))
            .is_some_and(|end| end <= bytes.len());
        if !fits {
            return Err(Error::corrupt(format!(
                "chunk claims {ref_count} references, more than fit in its {} bytes",
                bytes.len()
            )));
        }
        Ok(Chunk {
            address: Address::of(&bytes),
            bytes: Arc::new(bytes),
        })
    }

    /// The chunk's address.
    pub fn address(&self) -> Address {
        self.address
    }

    /// The complete bytes, header included.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Total length in bytes.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether the chunk is empty (never true: every chunk has a header).
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// What the chunk holds.
    pub fn kind(&self) -> ChunkKind {
        ChunkKind(self.bytes[0])
    }

    /// The format version it was written with.
    pub fn version(&self) -> u8 {
        self.bytes[1]
    }

    /// Checks that the chunk is of `kind` and of a version this build reads.
    pub fn expect_kind(&self, kind: ChunkKind) -> Result<()> {
        if self.version() != FORMAT_VERSION {
            return Err(Error::UnsupportedFormat {
                kind: self.bytes[0],
                version: self.version(),
            });
        }
        if self.kind() != kind {
            return Err(Error::corrupt(format!(
                "chunk {} is a {:?}, expected a {:?}",
                self.address.short(12),
                self.kind(),
                kind
            )));
        }
        Ok(())
    }

    fn ref_count(&self) -> usize {
        u32::from_le_bytes([self.bytes[2], self.bytes[3], self.bytes[4], self.bytes[5]]) as usize
    }

    /// Number of chunks this one refers to.
    pub fn ref_len(&self) -> usize {
        self.ref_count()
    }

    /// The `i`th referenced address. Panics if `i >= ref_len()`, like slice indexing.
    pub fn ref_at(&self, i: usize) -> Address {
        assert!(i < self.ref_count(), "reference index {i} out of range");
        let start = HEADER_LEN + i * Address::LEN;
        Address::from_slice(&self.bytes[start..]).expect("header checked at construction")
    }

    /// The addresses of the chunks this one refers to, in order.
    pub fn refs(&self) -> impl ExactSizeIterator<Item = Address> + '_ {
        (0..self.ref_count()).map(|i| self.ref_at(i))
    }

    /// The kind-specific bytes after the header and references.
    pub fn payload(&self) -> &[u8] {
        &self.bytes[HEADER_LEN + self.ref_count() * Address::LEN..]
    }
}

impl fmt::Debug for Chunk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Chunk")
            .field("address", &self.address)
            .field("kind", &self.kind())
            .field("len", &self.len())
            .field("refs", &self.ref_count())
            .finish()
    }
}

impl PartialEq for Chunk {
    fn eq(&self, other: &Self) -> bool {
        self.address == other.address
    }
}

impl Eq for Chunk {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_and_refs_round_trip() {
        let a = Address::of(b"a");
        let b = Address::of(b"b");
        let c = Chunk::new(ChunkKind::PROLLY_INTERNAL, &[a, b], b"payload");
        assert_eq!(c.kind(), ChunkKind::PROLLY_INTERNAL);
        assert_eq!(c.version(), FORMAT_VERSION);
        assert_eq!(c.refs().collect::<Vec<_>>(), vec![a, b]);
        assert_eq!(c.payload(), b"payload");
        let again = Chunk::from_bytes_verified(c.address(), c.bytes().to_vec(), None).unwrap();
        assert_eq!(again.address(), c.address());
    }

    #[test]
    fn damaged_bytes_are_rejected() {
        let c = Chunk::new(ChunkKind::BLOB_LEAF, &[], b"hello");
        let mut bytes = c.bytes().to_vec();
        bytes[7] ^= 1;
        let err = Chunk::from_bytes_verified(c.address(), bytes, None).unwrap_err();
        assert!(matches!(err, Error::ChunkHashMismatch { .. }), "{err}");
    }

    #[test]
    fn impossible_ref_count_is_corruption_not_panic() {
        let mut bytes = vec![1u8, 1, 0xff, 0xff, 0xff, 0x7f];
        bytes.extend_from_slice(&[0; 40]);
        assert!(matches!(Chunk::from_bytes(bytes), Err(Error::Corrupt(_))));
        assert!(matches!(Chunk::from_bytes(vec![1]), Err(Error::Corrupt(_))));
    }
}
