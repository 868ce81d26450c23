//! The journal's byte layout: its header, chunk records and root records.
//!
//! ```text
//! file header (12 bytes):  "ARBORJNL" | u32 version (1 or 2)
//!
//! chunk record:
//!   0   u8        0x01
//!   1   u8        flags: how the payload stores the chunk (`compression.rs`)
//!   2   u32       stored_len   bytes of payload that follow the header
//!   6   u32       raw_len      bytes of the chunk once decompressed
//!   10  [32]      address      BLAKE3 of the chunk's bytes
//!   42  u32       crc32 of bytes 0..42
//!   46  stored_len payload
//!
//! root record (78 bytes):
//!   0   u8        0x02
//!   1   u8        flags: bit 0 = a previous root is present
//!   2   [32]      previous root (zeros if none)
//!   34  [32]      new root
//!   66  u64       sequence number (1 for the first root)
//!   74  u32       crc32 of bytes 0..74
//! ```
//!
//! Integers are little-endian. Chunk payloads are not covered by the CRC: a
//! chunk is verified against its address whenever it is read, which is a
//! stronger check. The header CRC protects the lengths, so a damaged length is
//! caught before it is used.

use super::compression::known_flags;
use crate::address::Address;
use crate::chunk::MAX_CHUNK_LEN;

/// The journal's magic bytes.
pub(crate) const MAGIC: &[u8; 8] = b"ARBORJNL";
/// The journal format version new journals are written in: 2 stores chunks
/// with zstd (and dictionaries), 1 with lz4 only.
pub(crate) const VERSION: u32 = 2;
/// Versions this build reads. A journal keeps its version for its life
/// (writes to a version-1 journal stay lz4, so older builds still read
/// it); `gc` writes a new journal, in [`VERSION`].
pub(crate) const READABLE_VERSIONS: [u32; 2] = [1, 2];
/// Length of the file header.
pub(crate) const FILE_HEADER_LEN: u64 = 12;

pub(crate) const CHUNK_RECORD: u8 = 0x01;
pub(crate) const ROOT_RECORD: u8 = 0x02;
pub(crate) const CHUNK_HEADER_LEN: usize = 46;
pub(crate) const ROOT_RECORD_LEN: usize = 78;

/// The file header bytes of a journal of `version`.
pub(crate) fn file_header(version: u32) -> [u8; FILE_HEADER_LEN as usize] {
    let mut h = [0u8; FILE_HEADER_LEN as usize];
    h[..8].copy_from_slice(MAGIC);
    h[8..].copy_from_slice(&version.to_le_bytes());
    h
}

/// A chunk record's header, decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ChunkHeader {
    pub(crate) flags: u8,
    pub(crate) stored_len: u32,
    pub(crate) raw_len: u32,
    pub(crate) address: Address,
}

/// Encodes a chunk record's header.
pub(crate) fn encode_chunk_header(h: &ChunkHeader) -> [u8; CHUNK_HEADER_LEN] {
    let mut b = [0u8; CHUNK_HEADER_LEN];
    b[0] = CHUNK_RECORD;
    b[1] = h.flags;
    b[2..6].copy_from_slice(&h.stored_len.to_le_bytes());
    b[6..10].copy_from_slice(&h.raw_len.to_le_bytes());
    b[10..42].copy_from_slice(h.address.as_bytes());
    let crc = crc32fast::hash(&b[..42]);
    b[42..46].copy_from_slice(&crc.to_le_bytes());
    b
}

/// Decodes a chunk record's header, or says what is wrong with it.
pub(crate) fn decode_chunk_header(b: &[u8]) -> Result<ChunkHeader, &'static str> {
    if b.len() < CHUNK_HEADER_LEN || b[0] != CHUNK_RECORD {
        return Err("not a chunk record");
    }
    let crc = u32::from_le_bytes(b[42..46].try_into().expect("4 bytes"));
    if crc32fast::hash(&b[..42]) != crc {
        return Err("chunk record header fails its checksum");
    }
    let h = ChunkHeader {
        flags: b[1],
        stored_len: u32::from_le_bytes(b[2..6].try_into().expect("4 bytes")),
        raw_len: u32::from_le_bytes(b[6..10].try_into().expect("4 bytes")),
        address: Address::from_slice(&b[10..42]).expect("32 bytes"),
    };
    if h.stored_len as usize > MAX_CHUNK_LEN
        || h.raw_len as usize > MAX_CHUNK_LEN
        || !known_flags(h.flags)
    {
        return Err("chunk record has impossible lengths or flags");
    }
    if h.flags == 0 && h.stored_len != h.raw_len {
        return Err("uncompressed chunk record whose stored and raw lengths differ");
    }
    Ok(h)
}

/// A root record, decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RootRecord {
    pub(crate) previous: Option<Address>,
    pub(crate) root: Address,
    pub(crate) sequence: u64,
}

/// Encodes a root record.
pub(crate) fn encode_root(r: &RootRecord) -> [u8; ROOT_RECORD_LEN] {
    let mut b = [0u8; ROOT_RECORD_LEN];
    b[0] = ROOT_RECORD;
    if let Some(p) = r.previous {
        b[1] = 1;
        b[2..34].copy_from_slice(p.as_bytes());
    }
    b[34..66].copy_from_slice(r.root.as_bytes());
    b[66..74].copy_from_slice(&r.sequence.to_le_bytes());
    let crc = crc32fast::hash(&b[..74]);
    b[74..78].copy_from_slice(&crc.to_le_bytes());
    b
}

/// Decodes a root record, if `b` starts with a valid one.
pub(crate) fn decode_root(b: &[u8]) -> Option<RootRecord> {
    if b.len() < ROOT_RECORD_LEN || b[0] != ROOT_RECORD || b[1] > 1 {
        return None;
    }
    let crc = u32::from_le_bytes(b[74..78].try_into().expect("4 bytes"));
    if crc32fast::hash(&b[..74]) != crc {
        return None;
    }
    Some(RootRecord {
        previous: (b[1] == 1).then(|| Address::from_slice(&b[2..34]).expect("32 bytes")),
        root: Address::from_slice(&b[34..66]).expect("32 bytes"),
        sequence: u64::from_le_bytes(b[66..74].try_into().expect("8 bytes")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::compression::FLAG_LZ4;

    #[test]
    fn records_round_trip_and_detect_damage() {
        let h = ChunkHeader {
            flags: FLAG_LZ4,
            stored_len: 10,
            raw_len: 20,
            address: Address::of(b"c"),
        };
        let mut b = encode_chunk_header(&h);
        assert_eq!(decode_chunk_header(&b), Ok(h));
        b[3] ^= 1;
        assert!(decode_chunk_header(&b).is_err());
        let plain = ChunkHeader {
            flags: 0,
            stored_len: 10,
            raw_len: 20,
            address: Address::of(b"c"),
        };
        assert!(
            decode_chunk_header(&encode_chunk_header(&plain)).is_err(),
            "an uncompressed payload has one length"
        );
        let huge = ChunkHeader {
            flags: FLAG_LZ4,
            stored_len: 10,
            raw_len: u32::MAX,
            address: Address::of(b"c"),
        };
        assert!(
            decode_chunk_header(&encode_chunk_header(&huge)).is_err(),
            "lengths are capped before anything is allocated"
        );
        let r = RootRecord {
            previous: None,
            root: Address::of(b"r"),
            sequence: 3,
        };
        let mut b = encode_root(&r);
        assert_eq!(decode_root(&b), Some(r));
        b[40] ^= 1;
        assert_eq!(decode_root(&b), None);
    }
}
