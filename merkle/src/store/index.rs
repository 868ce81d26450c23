//! The index file: where each chunk of the journal's prefix lives.
//!
//! Opening a store must not read the whole journal, so the location of every
//! chunk up to some root record is kept in a sorted table that is read whole
//! and binary-searched. It is only a cache: if it is missing or damaged, the
//! journal is scanned instead and the index rewritten later.
//!
//! ```text
//! 0    [8]   "ARBORIDX"
//! 8    u32   version
//! 12   u64   covered_len  the journal offset covered (the end of a root record)
//! 20   u8    1 if a root is present at that offset
//! 21   [32]  that root (zeros if none)
//! 53   u64   its sequence number
//! 61   u64   n, the number of entries
//! 69   n * 49 bytes, sorted by address:
//!        [32] address | u64 offset of the record | u32 stored_len | u32 raw_len | u8 flags
//! end  u32   crc32 of everything before it
//! ```

use super::journal::{CHUNK_HEADER_LEN, FILE_HEADER_LEN, FLAG_LZ4};
use crate::address::Address;
use crate::chunk::MAX_CHUNK_LEN;

const MAGIC: &[u8; 8] = b"ARBORIDX";
const VERSION: u32 = 1;
const HEADER_LEN: usize = 69;
const ENTRY_LEN: usize = 49;

/// Where a chunk's record is in the journal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Location {
    /// Offset of the record's header.
    pub(crate) offset: u64,
    pub(crate) stored_len: u32,
    pub(crate) raw_len: u32,
    pub(crate) flags: u8,
}

/// The contents of an index file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct IndexFile {
    pub(crate) covered_len: u64,
    pub(crate) root: Option<Address>,
    pub(crate) sequence: u64,
    /// Sorted by address, no repeats.
    pub(crate) entries: Vec<(Address, Location)>,
}

impl IndexFile {
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(HEADER_LEN + ENTRY_LEN * self.entries.len() + 4);
        b.extend_from_slice(MAGIC);
        b.extend_from_slice(&VERSION.to_le_bytes());
        b.extend_from_slice(&self.covered_len.to_le_bytes());
        b.push(u8::from(self.root.is_some()));
        b.extend_from_slice(self.root.as_ref().map_or(&[0u8; 32], |r| r.as_bytes()));
        b.extend_from_slice(&self.sequence.to_le_bytes());
        b.extend_from_slice(&(self.entries.len() as u64).to_le_bytes());
        for (a, l) in &self.entries {
            b.extend_from_slice(a.as_bytes());
            b.extend_from_slice(&l.offset.to_le_bytes());
            b.extend_from_slice(&l.stored_len.to_le_bytes());
            b.extend_from_slice(&l.raw_len.to_le_bytes());
            b.push(l.flags);
        }
        let crc = crc32fast::hash(&b);
        b.extend_from_slice(&crc.to_le_bytes());
        b
    }

    /// Decodes an index file; `None` if it is damaged in any way. Besides the
    /// CRC, every entry must be sorted, within the caps, and lie wholly inside
    /// the covered part of the journal, so a wrong index can cost a rebuild but
    /// never a huge allocation or a read past what it covers.
    pub(crate) fn decode(b: &[u8]) -> Option<IndexFile> {
        if b.len() < HEADER_LEN + 4 || &b[..8] != MAGIC {
            return None;
        }
        let (body, crc) = b.split_at(b.len() - 4);
        if crc32fast::hash(body) != u32::from_le_bytes(crc.try_into().ok()?) {
            return None;
        }
        let u64_at = |at: usize| u64::from_le_bytes(body[at..at + 8].try_into().expect("8 bytes"));
        if u32::from_le_bytes(body[8..12].try_into().ok()?) != VERSION || body[20] > 1 {
            return None;
        }
        let covered_len = u64_at(12);
        if covered_len < FILE_HEADER_LEN {
            return None;
        }
        let n = usize::try_from(u64_at(61)).ok()?;
        if n.checked_mul(ENTRY_LEN)?.checked_add(HEADER_LEN)? != body.len() {
            return None;
        }
        let mut entries = Vec::with_capacity(n);
        for i in 0..n {
            let e = &body[HEADER_LEN + i * ENTRY_LEN..HEADER_LEN + (i + 1) * ENTRY_LEN];
            let address = Address::from_slice(e)?;
            let location = Location {
                offset: u64::from_le_bytes(e[32..40].try_into().ok()?),
                stored_len: u32::from_le_bytes(e[40..44].try_into().ok()?),
                raw_len: u32::from_le_bytes(e[44..48].try_into().ok()?),
                flags: e[48],
            };
            let record_end = location
                .offset
                .checked_add(CHUNK_HEADER_LEN as u64 + u64::from(location.stored_len))?;
            if location.offset < FILE_HEADER_LEN
                || record_end > covered_len
                || location.stored_len as usize > MAX_CHUNK_LEN
                || location.raw_len as usize > MAX_CHUNK_LEN
                || location.flags & !FLAG_LZ4 != 0
            {
                return None;
            }
            if entries
                .last()
                .is_some_and(|(prev, _): &(Address, Location)| *prev >= address)
            {
                return None;
            }
            entries.push((address, location));
        }
        Some(IndexFile {
            covered_len,
            root: (body[20] == 1)
                .then(|| Address::from_slice(&body[21..53]))
                .flatten(),
            sequence: u64_at(53),
            entries,
        })
    }

    /// The location of `address`, by binary search.
    pub(crate) fn find(&self, address: &Address) -> Option<Location> {
        self.entries
            .binary_search_by(|(a, _)| a.cmp(address))
            .ok()
            .map(|i| self.entries[i].1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_damage() {
        let mut entries: Vec<_> = (0..10u8)
            .map(|i| {
                (
                    Address::of(&[i]),
                    Location {
                        offset: 12 + u64::from(i) * 100,
                        stored_len: 5,
                        raw_len: 9,
                        flags: 1,
                    },
                )
            })
            .collect();
        entries.sort_by_key(|e| e.0);
        let index = IndexFile {
            covered_len: 1234,
            root: Some(Address::of(b"r")),
            sequence: 7,
            entries,
        };
        let bytes = index.encode();
        let back = IndexFile::decode(&bytes).unwrap();
        assert_eq!(back, index);
        assert_eq!(back.find(&Address::of(&[3])).unwrap().offset, 312);
        assert!(back.find(&Address::of(b"zz")).is_none());
        for at in [0, 15, 30, 100, bytes.len() - 1] {
            let mut bad = bytes.clone();
            bad[at] ^= 0x10;
            assert!(
                IndexFile::decode(&bad).is_none(),
                "damage at {at} not detected"
            );
        }
        assert!(IndexFile::decode(&bytes[..bytes.len() - 1]).is_none());
        // An entry reaching past the covered journal is refused even with a good CRC.
        let short = IndexFile {
            covered_len: 900,
            ..index
        };
        assert!(IndexFile::decode(&short.encode()).is_none());
    }
}
