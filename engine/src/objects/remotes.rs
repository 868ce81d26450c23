//! The remotes object: the repository's named remotes and the upstream of
//! each branch that has one (`arbor push -u`), kept in one chunk that the
//! store root's `remotes` ref names.
//!
//! ```text
//! refs:    []
//! payload: varint n | (str name, str url) * n
//!          | varint u | (str branch, str remote, str remote_branch) * u
//! ```

use std::collections::BTreeMap;

use arbor_merkle::codec::{Reader, Writer};
use arbor_merkle::{Chunk, Result};

use super::{REMOTES, expect};

/// The remotes and upstreams of a repository.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RemoteList {
    /// Remote name to URL.
    pub remotes: BTreeMap<String, String>,
    /// Local branch to its upstream: remote name and branch there.
    pub upstreams: BTreeMap<String, (String, String)>,
}

impl RemoteList {
    /// Encodes the list as a chunk.
    pub fn to_chunk(&self) -> Chunk {
        let mut w = Writer::new();
        w.varint(self.remotes.len() as u64);
        for (name, url) in &self.remotes {
            w.str(name).str(url);
        }
        w.varint(self.upstreams.len() as u64);
        for (branch, (remote, remote_branch)) in &self.upstreams {
            w.str(branch).str(remote).str(remote_branch);
        }
        Chunk::new(REMOTES, &[], &w.into_bytes())
    }

    /// Decodes a remotes chunk.
    pub fn from_chunk(chunk: &Chunk) -> Result<RemoteList> {
        expect(chunk, REMOTES)?;
        let mut r = Reader::new(chunk.payload(), "remotes");
        let mut list = RemoteList::default();
        for _ in 0..r.count(2)? {
            let name = r.str()?.to_owned();
            let url = r.str()?.to_owned();
            list.remotes.insert(name, url);
        }
        for _ in 0..r.count(3)? {
            let branch = r.str()?.to_owned();
            let remote = r.str()?.to_owned();
            let remote_branch = r.str()?.to_owned();
            list.upstreams.insert(branch, (remote, remote_branch));
        }
        r.finish()?;
        Ok(list)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_golden() {
        let mut list = RemoteList::default();
        list.remotes.insert("origin".into(), "/srv/data".into());
        list.upstreams
            .insert("main".into(), ("origin".into(), "main".into()));
        let chunk = list.to_chunk();
        assert_eq!(RemoteList::from_chunk(&chunk).unwrap(), list);
        assert_eq!(chunk.address().short(16), GOLDEN);
    }

    const GOLDEN: &str = "0baf326441c04dca";
}
