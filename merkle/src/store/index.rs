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

use super::compression::{DictionaryPrefix, known_flags};
use super::journal::{CHUNK_HEADER_LEN, FILE_HEADER_LEN};
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

/// The contents of an index file. Its entries stay as the file stores
/// them, one [`ENTRY_LEN`]-byte record each, and a lookup binary-searches
/// those bytes: opening a store reads the file and checks it once, but
/// builds nothing from it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct IndexFile {
    pub(crate) covered_len: u64,
    pub(crate) root: Option<Address>,
    pub(crate) sequence: u64,
    /// The entries' records, sorted by address, no repeats.
    table: Vec<u8>,
}

/// The little-endian integer in `bytes` (of the integer's width).
fn le<const N: usize>(bytes: &[u8]) -> [u8; N] {
    let mut a = [0u8; N];
    a.copy_from_slice(bytes);
    a
}

impl IndexFile {
    /// An index of `entries` (sorted by address, no repeats).
    pub(crate) fn new(
        covered_len: u64,
        root: Option<Address>,
        sequence: u64,
        entries: &[(Address, Location)],
    ) -> IndexFile {
        let mut table = Vec::with_capacity(ENTRY_LEN * entries.len());
        for (a, l) in entries {
            table.extend_from_slice(a.as_bytes());
            table.extend_from_slice(&l.offset.to_le_bytes());
            table.extend_from_slice(&l.stored_len.to_le_bytes());
            table.extend_from_slice(&l.raw_len.to_le_bytes());
            table.push(l.flags);
        }
        IndexFile {
            covered_len,
            root,
            sequence,
            table,
        }
    }

    /// The number of entries.
    pub(crate) fn len(&self) -> usize {
        self.table.len() / ENTRY_LEN
    }

    /// Entry `i`'s record.
    fn record(&self, i: usize) -> &[u8] {
        &self.table[i * ENTRY_LEN..(i + 1) * ENTRY_LEN]
    }

    /// Entry `i`.
    fn entry(&self, i: usize) -> (Address, Location) {
        let e = self.record(i);
        (Address::from_bytes(le(&e[..32])), location(e))
    }

    /// The entries, sorted by address.
    pub(crate) fn entries(&self) -> impl Iterator<Item = (Address, Location)> + '_ {
        (0..self.len()).map(|i| self.entry(i))
    }

    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(HEADER_LEN + self.table.len() + 4);
        b.extend_from_slice(MAGIC);
        b.extend_from_slice(&VERSION.to_le_bytes());
        b.extend_from_slice(&self.covered_len.to_le_bytes());
        b.push(u8::from(self.root.is_some()));
        b.extend_from_slice(self.root.as_ref().map_or(&[0u8; 32], |r| r.as_bytes()));
        b.extend_from_slice(&self.sequence.to_le_bytes());
        b.extend_from_slice(&(self.len() as u64).to_le_bytes());
        b.extend_from_slice(&self.table);
        let crc = crc32fast::hash(&b);
        b.extend_from_slice(&crc.to_le_bytes());
        b
    }

    /// Decodes an index file's bytes (taking them over); `None` if it is
    /// damaged in any way. Besides the CRC, every entry must be sorted,
    /// within the caps, and lie wholly inside the covered part of the
    /// journal, so a wrong index can cost a rebuild but never a huge
    /// allocation or a read past what it covers.
    pub(crate) fn decode(mut b: Vec<u8>) -> Option<IndexFile> {
        if b.len() < HEADER_LEN + 4 || &b[..8] != MAGIC {
            return None;
        }
        let (body, crc) = b.split_at(b.len() - 4);
        if crc32fast::hash(body) != u32::from_le_bytes(le(crc)) {
            return None;
        }
        let u64_at = |at: usize| u64::from_le_bytes(le(&body[at..at + 8]));
        if u32::from_le_bytes(le(&body[8..12])) != VERSION || body[20] > 1 {
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
        let root = (body[20] == 1).then(|| Address::from_bytes(le(&body[21..53])));
        let sequence = u64_at(53);
        let records = &body[HEADER_LEN..];
        for i in 0..n {
            let e = &records[i * ENTRY_LEN..(i + 1) * ENTRY_LEN];
            let l = location(e);
            let record_end = l
                .offset
                .checked_add(CHUNK_HEADER_LEN as u64 + u64::from(l.stored_len))?;
            if l.offset < FILE_HEADER_LEN
                || record_end > covered_len
                || l.stored_len as usize > MAX_CHUNK_LEN
                || l.raw_len as usize > MAX_CHUNK_LEN
                || !known_flags(l.flags)
            {
                return None;
            }
            if i > 0 && records[(i - 1) * ENTRY_LEN..(i - 1) * ENTRY_LEN + 32] >= e[..32] {
                return None;
            }
        }
        // The records, moved to the front of the same buffer.
        b.truncate(b.len() - 4);
        b.drain(..HEADER_LEN);
        Some(IndexFile {
            covered_len,
            root,
            sequence,
            table: b,
        })
    }

    /// The entry at the highest offset whose flags have `flag` set.
    pub(crate) fn last_with_flag(&self, flag: u8) -> Option<Location> {
        (0..self.len())
            .map(|i| self.record(i))
            .filter(|e| e[48] & flag != 0)
            .map(location)
            .max_by_key(|l| l.offset)
    }

    /// The location of `address`, by binary search.
    pub(crate) fn find(&self, address: &Address) -> Option<Location> {
        let (mut low, mut high) = (0, self.len());
        while low < high {
            let mid = low + (high - low) / 2;
            let e = self.record(mid);
            match e[..32].cmp(address.as_bytes()) {
                std::cmp::Ordering::Less => low = mid + 1,
                std::cmp::Ordering::Greater => high = mid,
                std::cmp::Ordering::Equal => return Some(location(e)),
            }
        }
        None
    }
}

impl IndexFile {
    /// The entries whose addresses start with `prefix`, by binary search.
    pub(crate) fn with_prefix(&self, prefix: &DictionaryPrefix) -> Vec<(Address, Location)> {
        let (mut low, mut high) = (0, self.len());
        while low < high {
            let mid = low + (high - low) / 2;
            if self.record(mid)[..prefix.len()] < prefix[..] {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        (low..self.len())
            .map(|i| self.record(i))
            .take_while(|e| e[..prefix.len()] == prefix[..])
            .map(|e| (Address::from_bytes(le(&e[..32])), location(e)))
            .collect()
    }
}

/// The location in an entry's record.
fn location(e: &[u8]) -> Location {
    Location {
        offset: u64::from_le_bytes(le(&e[32..40])),
        stored_len: u32::from_le_bytes(le(&e[40..44])),
        raw_len: u32::from_le_bytes(le(&e[44..48])),
        flags: e[48],
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
        let index = IndexFile::new(1234, Some(Address::of(b"r")), 7, &entries);
        let bytes = index.encode();
        let back = IndexFile::decode(bytes.clone()).unwrap();
        assert_eq!(back.entries().collect::<Vec<_>>(), entries);
        assert_eq!(back, index);
        assert_eq!(back.find(&Address::of(&[3])).unwrap().offset, 312);
        assert!(back.find(&Address::of(b"zz")).is_none());
        for at in [0, 15, 30, 100, bytes.len() - 1] {
            let mut bad = bytes.clone();
            bad[at] ^= 0x10;
            assert!(
                IndexFile::decode(bad).is_none(),
                "damage at {at} not detected"
            );
        }
        assert!(IndexFile::decode(bytes[..bytes.len() - 1].to_vec()).is_none());
        // An entry reaching past the covered journal is refused even with a good CRC.
        let short = IndexFile {
            covered_len: 900,
            ..index
        };
        assert!(IndexFile::decode(short.encode()).is_none());
    }
}
