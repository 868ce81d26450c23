//! The store root: every named pointer of a repository.
//!
//! ```text
//! refs:    [target_1, ..., target_n]              in the order of the names
//! payload: default    str     the default branch (what a new session checks out)
//!          n          varint  number of refs
//!          name_i     str     ref names, sorted: refs/heads/<branch>,
//!                             refs/tags/<tag>, refs/remotes/<remote>/<branch>,
//!                             workingsets/heads/<branch>
//! ```

use std::collections::BTreeMap;

use arbor_merkle::codec::{Reader, Writer};
use arbor_merkle::{Address, Chunk, Error, Result};

use super::{STORE_ROOT, expect};

/// All refs of a repository and its default branch.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StoreRoot {
    /// The branch a new session starts on.
    pub default_branch: String,
    /// Ref name to the address it points at.
    pub refs: BTreeMap<String, Address>,
}

impl StoreRoot {
    /// Encodes the store root as a chunk.
    pub fn to_chunk(&self) -> Chunk {
        let refs: Vec<Address> = self.refs.values().copied().collect();
        let mut w = Writer::new();
        w.str(&self.default_branch).varint(self.refs.len() as u64);
        for name in self.refs.keys() {
            w.str(name);
        }
        Chunk::new(STORE_ROOT, &refs, &w.into_bytes())
    }

    /// Decodes a store root chunk.
    pub fn from_chunk(chunk: &Chunk) -> Result<StoreRoot> {
        expect(chunk, STORE_ROOT)?;
        let mut r = Reader::new(chunk.payload(), "store root");
        let default_branch = r.str()?.to_owned();
        let n = r.count(1)?;
        if chunk.ref_len() != n {
            return Err(Error::corrupt(
                "store root: ref count does not match its references",
            ));
        }
        let mut refs = BTreeMap::new();
        for i in 0..n {
            refs.insert(r.str()?.to_owned(), chunk.ref_at(i));
        }
        r.finish()?;
        if refs.len() != n {
            return Err(Error::corrupt("store root: duplicate ref names"));
        }
        Ok(StoreRoot {
            default_branch,
            refs,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_golden() {
        let mut root = StoreRoot {
            default_branch: "main".into(),
            refs: BTreeMap::new(),
        };
        root.refs
            .insert("refs/heads/main".into(), Address::of(b"c1"));
        root.refs
            .insert("workingsets/heads/main".into(), Address::of(b"ws"));
        let chunk = root.to_chunk();
        assert_eq!(StoreRoot::from_chunk(&chunk).unwrap(), root);
        assert_eq!(chunk.address().short(16), GOLDEN);
    }

    const GOLDEN: &str = "fcd47870bdb3b53b";
}
