//! The commit object.
//!
//! ```text
//! refs:    [catalog, parent_1, ..., parent_n]
//! payload: name       str     author name
//!          email      str     author email
//!          time       i64     seconds since the Unix epoch (UTC)
//!          offset     i64     the author's UTC offset in minutes
//!          message    str
//!          height     varint  1 + the greatest parent height (1 for a root commit)
//! ```

use arbor_merkle::codec::{Reader, Writer};
use arbor_merkle::{Address, Chunk, Result};

use super::{COMMIT, expect};

/// Who made a commit, and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature {
    /// Author name.
    pub name: String,
    /// Author email.
    pub email: String,
    /// Seconds since the Unix epoch, UTC.
    pub time: i64,
    /// The author's offset from UTC, in minutes.
    pub offset_minutes: i64,
}

/// A commit: one version of the database and how it came to be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Commit {
    /// The catalog this commit records.
    pub catalog: Address,
    /// Parent commits: none for the first, two for a merge.
    pub parents: Vec<Address>,
    /// Author and time.
    pub author: Signature,
    /// The commit message.
    pub message: String,
    /// Length of the longest path to a root commit, counting this one.
    pub height: u64,
}

impl Commit {
    /// Encodes the commit as a chunk.
    pub fn to_chunk(&self) -> Chunk {
        let mut refs = vec![self.catalog];
        refs.extend_from_slice(&self.parents);
        let mut w = Writer::new();
        w.str(&self.author.name)
            .str(&self.author.email)
            .i64(self.author.time)
            .i64(self.author.offset_minutes)
            .str(&self.message)
            .varint(self.height);
        Chunk::new(COMMIT, &refs, &w.into_bytes())
    }

    /// Decodes a commit chunk.
    pub fn from_chunk(chunk: &Chunk) -> Result<Commit> {
        expect(chunk, COMMIT)?;
        if chunk.ref_len() == 0 {
            return Err(arbor_merkle::Error::corrupt("commit without a catalog"));
        }
        let mut r = Reader::new(chunk.payload(), "commit");
        let author = Signature {
            name: r.str()?.to_owned(),
            email: r.str()?.to_owned(),
            time: r.i64()?,
            offset_minutes: r.i64()?,
        };
        let message = r.str()?.to_owned();
        let height = r.varint()?;
        r.finish()?;
        Ok(Commit {
            catalog: chunk.ref_at(0),
            parents: chunk.refs().skip(1).collect(),
            author,
            message,
            height,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_golden() {
        let c = Commit {
            catalog: Address::of(b"catalog"),
            parents: vec![Address::of(b"p1"), Address::of(b"p2")],
            author: Signature {
                name: "Ada".into(),
                email: "ada@example.com".into(),
                time: 1_700_000_000,
                offset_minutes: -300,
            },
            message: "merge".into(),
            height: 7,
        };
        let chunk = c.to_chunk();
        assert_eq!(Commit::from_chunk(&chunk).unwrap(), c);
        assert_eq!(chunk.address().short(16), GOLDEN);
    }

    const GOLDEN: &str = "d87091a3e38959ee";
}
