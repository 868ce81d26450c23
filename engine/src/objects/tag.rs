//! The annotated tag object: a name for a commit with who made it, when,
//! and a message (`arbor tag -m`). A lightweight tag is a ref straight to a
//! commit; an annotated one is a ref to this object, which refers to the
//! commit.
//!
//! ```text
//! refs:    [commit]
//! payload: name       str     the tag's name when it was made
//!          tagger     str     tagger name
//!          email      str     tagger email
//!          time       i64     seconds since the Unix epoch (UTC)
//!          offset     i64     the tagger's UTC offset in minutes
//!          message    str
//! ```

use arbor_merkle::codec::{Reader, Writer};
use arbor_merkle::{Address, Chunk, Result};

use super::{Signature, TAG, expect};

/// An annotated tag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TagObject {
    /// The commit it names.
    pub commit: Address,
    /// The tag's name when it was made.
    pub name: String,
    /// Who made the tag, and when.
    pub tagger: Signature,
    /// The tag message.
    pub message: String,
}

impl TagObject {
    /// Encodes the tag as a chunk.
    pub fn to_chunk(&self) -> Chunk {
        let mut w = Writer::new();
        w.str(&self.name)
            .str(&self.tagger.name)
            .str(&self.tagger.email)
            .i64(self.tagger.time)
            .i64(self.tagger.offset_minutes)
            .str(&self.message);
        Chunk::new(TAG, &[self.commit], &w.into_bytes())
    }

    /// Decodes a tag chunk.
    pub fn from_chunk(chunk: &Chunk) -> Result<TagObject> {
        expect(chunk, TAG)?;
        if chunk.ref_len() != 1 {
            return Err(arbor_merkle::Error::corrupt(
                "a tag must refer to exactly one commit",
            ));
        }
        let mut r = Reader::new(chunk.payload(), "tag");
        let name = r.str()?.to_owned();
        let tagger = Signature {
            name: r.str()?.to_owned(),
            email: r.str()?.to_owned(),
            time: r.i64()?,
            offset_minutes: r.i64()?,
        };
        let message = r.str()?.to_owned();
        r.finish()?;
        Ok(TagObject {
            commit: chunk.ref_at(0),
            name,
            tagger,
            message,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_golden() {
        let t = TagObject {
            commit: Address::of(b"commit"),
            name: "v1.0".into(),
            tagger: Signature {
                name: "Ada".into(),
                email: "ada@example.com".into(),
                time: 1_700_000_000,
                offset_minutes: 60,
            },
            message: "first release".into(),
        };
        let chunk = t.to_chunk();
        assert_eq!(TagObject::from_chunk(&chunk).unwrap(), t);
        assert_eq!(chunk.address().short(16), GOLDEN);
    }

    const GOLDEN: &str = "ec5e5a3067feb28b";
}
