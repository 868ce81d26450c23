//! Stored values: small values inline, large ones out of line in blob trees.
//!
//! A leaf stores each value in one of two forms, told apart by its first byte:
//!
//! ```text
//! inline:      0x00 | value bytes
//! out of line: 0x01 | blob root address (32) | total length (u64 LE)
//! ```
//!
//! A value longer than [`INLINE_LIMIT`] bytes goes out of line. Its bytes are
//! cut into pieces at content-defined points (a gear rolling hash, so an edit
//! in the middle of a long text changes only the pieces around it), each piece
//! a blob leaf chunk, and the pieces are gathered under blob internal chunks
//! whose references are the children and whose payload is:
//!
//! ```text
//! 0   1     level (1..)
//! 1   8*n   byte length of each child's content, u64 LE
//! ```
//!
//! Internal blob nodes end where the boundary rule of `super::chunker` says,
//! applied to each child's address, so a blob's root address depends only on
//! its bytes.

use super::chunker::{boundary_hash, is_boundary};
use super::store::NodeStore;
use crate::address::Address;
use crate::chunk::{Chunk, ChunkKind, MAX_CHUNK_LEN};
use crate::error::{Error, Result};

/// Values longer than this many bytes are stored out of line.
pub const INLINE_LIMIT: usize = 2048;

/// The largest value a map accepts: 1 GiB.
pub const MAX_VALUE_LEN: u64 = 1 << 30;

const INLINE: u8 = 0x00;
const OUT_OF_LINE: u8 = 0x01;
const OUT_OF_LINE_LEN: usize = 1 + 32 + 8;

/// Blob pieces: cut where the gear hash's top bits are zero, between these sizes.
const PIECE_MIN: usize = 1024;
const PIECE_MAX: usize = 16 * 1024;
/// 12 bits of zeros: a cut every 4 KiB on average past the minimum.
const PIECE_MASK: u64 = 0xfff0_0000_0000_0000;

/// A value as a leaf stores it, with the blob it names if out of line.
#[derive(Debug)]
pub(crate) struct StoredValue {
    pub(crate) bytes: Vec<u8>,
    pub(crate) blob: Option<Address>,
}

impl StoredValue {
    /// The first byte of an inline stored value.
    pub(crate) const INLINE: u8 = INLINE;
}

/// Encodes `value` for a leaf, writing its blob tree first if it is large.
pub(crate) fn store_value(store: &NodeStore, value: &[u8]) -> Result<StoredValue> {
    if value.len() as u64 > MAX_VALUE_LEN {
        return Err(Error::TooLarge {
            what: "value",
            len: value.len() as u64,
            limit: MAX_VALUE_LEN,
        });
    }
    if value.len() <= INLINE_LIMIT {
        let mut bytes = Vec::with_capacity(value.len() + 1);
        bytes.push(INLINE);
        bytes.extend_from_slice(value);
        return Ok(StoredValue { bytes, blob: None });
    }
    let root = write_blob(store, value)?;
    let mut bytes = Vec::with_capacity(OUT_OF_LINE_LEN);
    bytes.push(OUT_OF_LINE);
    bytes.extend_from_slice(root.as_bytes());
    bytes.extend_from_slice(&(value.len() as u64).to_le_bytes());
    Ok(StoredValue {
        bytes,
        blob: Some(root),
    })
}

/// The blob a stored value names, if it is out of line.
pub(crate) fn blob_of(stored: &[u8]) -> Result<Option<Address>> {
    match stored.first() {
        Some(&INLINE) => Ok(None),
        Some(&OUT_OF_LINE) if stored.len() == OUT_OF_LINE_LEN => {
            Ok(Address::from_slice(&stored[1..]))
        }
        _ => Err(Error::corrupt("stored value has an unknown form")),
    }
}

/// The value a stored form stands for, reading its blob if out of line.
pub(crate) fn load_value(store: &NodeStore, stored: &[u8]) -> Result<Vec<u8>> {
    match stored.first() {
        Some(&INLINE) => Ok(stored[1..].to_vec()),
        Some(&OUT_OF_LINE) if stored.len() == OUT_OF_LINE_LEN => {
            let root = Address::from_slice(&stored[1..]).expect("length checked above");
            let len = u64::from_le_bytes(stored[33..41].try_into().expect("8 bytes"));
            if len > MAX_VALUE_LEN {
                return Err(Error::corrupt(format!(
                    "blob claims {len} bytes, over the value limit"
                )));
            }
            let mut out = Vec::with_capacity(len as usize);
            read_blob(store, &root, &mut out, len)?;
            if out.len() as u64 != len {
                return Err(Error::corrupt(format!(
                    "blob {} holds {} bytes, its reference says {len}",
                    root.short(12),
                    out.len()
                )));
            }
            Ok(out)
        }
        _ => Err(Error::corrupt("stored value has an unknown form")),
    }
}

fn write_blob(store: &NodeStore, value: &[u8]) -> Result<Address> {
    let mut chunks = Vec::new();
    // (address, content length) of each node at the current level.
    let mut level_nodes: Vec<(Address, u64)> = cut_pieces(value)
        .map(|piece| {
            let chunk = Chunk::new(ChunkKind::BLOB_LEAF, &[], piece);
            let entry = (chunk.address(), piece.len() as u64);
            chunks.push(chunk);
            entry
        })
        .collect();
    let mut level: u8 = 1;
    while level_nodes.len() > 1 {
        let mut next = Vec::new();
        let mut children = Vec::new();
        let mut lengths = vec![level];
        let mut size = 0;
        for (i, &(address, len)) in level_nodes.iter().enumerate() {
            children.push(address);
            lengths.extend_from_slice(&len.to_le_bytes());
            size += 40;
            let last = i + 1 == level_nodes.len();
            if last || is_boundary(boundary_hash(address.as_bytes(), level), size, 40) {
                let total = level_nodes[i + 1 - children.len()..=i]
                    .iter()
                    .map(|e| e.1)
                    .sum();
                let chunk = Chunk::new(ChunkKind::BLOB_INTERNAL, &children, &lengths);
                next.push((chunk.address(), total));
                chunks.push(chunk);
                children.clear();
                lengths.truncate(1);
                size = 0;
            }
        }
        level_nodes = next;
        level = level
            .checked_add(1)
            .ok_or_else(|| Error::corrupt("blob tree too deep"))?;
    }
    store.write(chunks)?;
    Ok(level_nodes[0].0)
}

/// Splits `value` at content-defined points with a gear rolling hash.
fn cut_pieces(value: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = value;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let mut cut = rest.len().min(PIECE_MAX);
        let mut hash: u64 = 0;
        for (i, &b) in rest.iter().enumerate().take(PIECE_MAX) {
            hash = (hash << 1).wrapping_add(GEAR[usize::from(b)]);
            if i + 1 >= PIECE_MIN && hash & PIECE_MASK == 0 {
                cut = i + 1;
                break;
            }
        }
        let (piece, tail) = rest.split_at(cut);
        rest = tail;
        Some(piece)
    })
}

fn read_blob(store: &NodeStore, address: &Address, out: &mut Vec<u8>, limit: u64) -> Result<()> {
    let chunk = store.chunks().get_required(address)?;
    match chunk.kind() {
        ChunkKind::BLOB_LEAF => {
            chunk.expect_kind(ChunkKind::BLOB_LEAF)?;
            if (out.len() + chunk.payload().len()) as u64 > limit {
                return Err(Error::corrupt(format!(
                    "blob {} is longer than its reference says",
                    address.short(12)
                )));
            }
            out.extend_from_slice(chunk.payload());
            Ok(())
        }
        ChunkKind::BLOB_INTERNAL => {
            chunk.expect_kind(ChunkKind::BLOB_INTERNAL)?;
            if chunk.payload().len() != 1 + 8 * chunk.ref_len()
                || chunk.payload().len() > MAX_CHUNK_LEN
            {
                return Err(Error::corrupt(format!(
                    "blob node {} is malformed",
                    address.short(12)
                )));
            }
            for child in chunk.refs() {
                read_blob(store, &child, out, limit)?;
            }
            Ok(())
        }
        other => Err(Error::corrupt(format!(
            "chunk {} is a {other:?}, expected a blob",
            address.short(12)
        ))),
    }
}

/// The gear table: 256 pseudo-random words from SplitMix64 (seed 0). Part of
/// the format, like the boundary hash.
const GEAR: [u64; 256] = gear_table();

const fn gear_table() -> [u64; 256] {
    let mut table = [0u64; 256];
    let mut state: u64 = 0;
    let mut i = 0;
    while i < 256 {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        table[i] = z ^ (z >> 31);
        i += 1;
    }
    table
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::store::MemoryStore;

    fn store() -> NodeStore {
        NodeStore::new(Arc::new(MemoryStore::new()))
    }

    fn pseudo_random(len: usize, seed: u64) -> Vec<u8> {
        let mut x = seed;
        (0..len)
            .map(|_| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (x >> 56) as u8
            })
            .collect()
    }

    #[test]
    fn small_values_stay_inline() {
        let s = store();
        let v = store_value(&s, b"hello").unwrap();
        assert_eq!(v.bytes, b"\x00hello");
        assert!(v.blob.is_none());
        assert_eq!(load_value(&s, &v.bytes).unwrap(), b"hello");
    }

    #[test]
    fn large_values_round_trip_through_blobs() {
        let s = store();
        for len in [INLINE_LIMIT + 1, 10_000, 300_000] {
            let value = pseudo_random(len, len as u64);
            let stored = store_value(&s, &value).unwrap();
            assert_eq!(stored.bytes.len(), OUT_OF_LINE_LEN);
            assert_eq!(blob_of(&stored.bytes).unwrap(), stored.blob);
            assert_eq!(load_value(&s, &stored.bytes).unwrap(), value);
        }
    }

    #[test]
    fn a_local_edit_shares_most_pieces() {
        let value = pseudo_random(200_000, 7);
        let mut edited = value.clone();
        edited[100_000] ^= 0xff;
        let pieces = |v: &[u8]| {
            cut_pieces(v)
                .map(Address::of)
                .collect::<std::collections::HashSet<_>>()
        };
        let (a, b) = (pieces(&value), pieces(&edited));
        let shared = a.intersection(&b).count();
        assert!(
            shared + 3 >= a.len(),
            "{shared} of {} pieces shared",
            a.len()
        );
        for p in cut_pieces(&value) {
            assert!(p.len() <= PIECE_MAX);
        }
    }
}
