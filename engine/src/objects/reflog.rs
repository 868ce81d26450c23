//! A reflog entry: one move of a branch head, kept in the repository so
//! that a reset, a rebase or a deleted branch can be undone (`arbor
//! reflog`, then `arbor branch <name> <old hash>`). Entries form a chain,
//! newest first; the store root's `reflog` ref names the newest. The old
//! and new commits are references of the entry, so gc keeps every commit a
//! branch ever pointed at.
//!
//! ```text
//! refs:    [previous?, old?, new?]        those present, in this order
//! payload: flags      u8      1: previous, 2: old, 4: new
//!          ref        str     the ref that moved (refs/heads/<branch>)
//!          time       i64     when, in seconds since the Unix epoch (UTC)
//! ```

use arbor_merkle::codec::{Reader, Writer};
use arbor_merkle::{Address, Chunk, Error, Result};

use super::{REFLOG, expect};

const PREVIOUS: u8 = 1;
const OLD: u8 = 2;
const NEW: u8 = 4;

/// One move of a ref.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReflogEntry {
    /// The entry before this one, if any.
    pub previous: Option<Address>,
    /// The ref that moved.
    pub ref_name: String,
    /// Where it pointed before (`None`: it was created).
    pub old: Option<Address>,
    /// Where it points after (`None`: it was deleted).
    pub new: Option<Address>,
    /// When, in seconds since the Unix epoch (UTC).
    pub time: i64,
}

impl ReflogEntry {
    /// Encodes the entry as a chunk.
    pub fn to_chunk(&self) -> Chunk {
        let mut flags = 0;
        let mut refs = Vec::new();
        for (flag, address) in [(PREVIOUS, self.previous), (OLD, self.old), (NEW, self.new)] {
            if let Some(a) = address {
                flags |= flag;
                refs.push(a);
            }
        }
        let mut w = Writer::new();
        w.u8(flags).str(&self.ref_name).i64(self.time);
        Chunk::new(REFLOG, &refs, &w.into_bytes())
    }

    /// Decodes a reflog entry chunk.
    pub fn from_chunk(chunk: &Chunk) -> Result<ReflogEntry> {
        expect(chunk, REFLOG)?;
        let mut r = Reader::new(chunk.payload(), "reflog entry");
        let flags = r.u8()?;
        if flags & !(PREVIOUS | OLD | NEW) != 0 {
            return Err(Error::corrupt("reflog entry: unknown flags"));
        }
        let ref_name = r.str()?.to_owned();
        let time = r.i64()?;
        r.finish()?;
        let mut refs = chunk.refs();
        let mut take = |flag: u8| -> Result<Option<Address>> {
            if flags & flag == 0 {
                return Ok(None);
            }
            refs.next()
                .map(Some)
                .ok_or_else(|| Error::corrupt("reflog entry: fewer references than its flags"))
        };
        let entry = ReflogEntry {
            previous: take(PREVIOUS)?,
            old: take(OLD)?,
            new: take(NEW)?,
            ref_name,
            time,
        };
        if refs.next().is_some() {
            return Err(Error::corrupt(
                "reflog entry: more references than its flags",
            ));
        }
        Ok(entry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_golden() {
        let entry = ReflogEntry {
            previous: Some(Address::of(b"p")),
            ref_name: "refs/heads/main".into(),
            old: None,
            new: Some(Address::of(b"n")),
            time: 1_700_000_000,
        };
        let chunk = entry.to_chunk();
        assert_eq!(ReflogEntry::from_chunk(&chunk).unwrap(), entry);
        assert_eq!(chunk.address().short(16), GOLDEN);
        let deleted = ReflogEntry {
            previous: None,
            old: Some(Address::of(b"o")),
            new: None,
            ..entry
        };
        assert_eq!(
            ReflogEntry::from_chunk(&deleted.to_chunk()).unwrap(),
            deleted
        );
    }

    const GOLDEN: &str = "674e81037ac5ac1e";
}
