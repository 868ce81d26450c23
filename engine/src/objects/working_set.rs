//! The working set of a branch.
//!
//! ```text
//! refs:    [working, staged]                         no merge in progress
//!          [working, staged, theirs, base, pre_merge]  a merge in progress
//!          [..., conflicts]                            ... with recorded conflicts
//! payload: merge      u8      0: none, 1: merging, 2: merging with conflicts
//!          message    str     (merging only) the merge's commit message
//! ```

use arbor_merkle::codec::{Reader, Writer};
use arbor_merkle::{Address, Chunk, Error, Result};

use super::{WORKING_SET, expect};

/// A merge in progress on a branch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MergeState {
    /// The commit being merged in.
    pub theirs: Address,
    /// The merge base commit.
    pub base: Address,
    /// The working catalog before the merge started (for `merge --abort`).
    pub pre_merge_working: Address,
    /// A prolly map of unresolved conflicts, if any.
    pub conflicts: Option<Address>,
    /// The commit message the merge will use.
    pub message: String,
}

/// A branch's uncommitted state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkingSet {
    /// The catalog the branch's SQL sessions read and write.
    pub working: Address,
    /// The catalog `arbor add` has staged for the next commit.
    pub staged: Address,
    /// A merge in progress, if any.
    pub merge: Option<MergeState>,
}

impl WorkingSet {
    /// The working set of a branch with nothing uncommitted: working and
    /// staged both at `catalog` (its head's), no merge in progress.
    pub fn clean(catalog: Address) -> WorkingSet {
        WorkingSet {
            working: catalog,
            staged: catalog,
            merge: None,
        }
    }

    /// Whether this working set has nothing uncommitted over `catalog`.
    pub fn is_clean_at(&self, catalog: Address) -> bool {
        *self == WorkingSet::clean(catalog)
    }

    /// Encodes the working set as a chunk.
    pub fn to_chunk(&self) -> Chunk {
        let mut refs = vec![self.working, self.staged];
        let mut w = Writer::new();
        match &self.merge {
            None => {
                w.u8(0);
            }
            Some(m) => {
                refs.extend([m.theirs, m.base, m.pre_merge_working]);
                refs.extend(m.conflicts);
                w.u8(if m.conflicts.is_some() { 2 } else { 1 })
                    .str(&m.message);
            }
        }
        Chunk::new(WORKING_SET, &refs, &w.into_bytes())
    }

    /// Decodes a working set chunk.
    pub fn from_chunk(chunk: &Chunk) -> Result<WorkingSet> {
        expect(chunk, WORKING_SET)?;
        let mut r = Reader::new(chunk.payload(), "working set");
        let tag = r.u8()?;
        let want_refs = match tag {
            0 => 2,
            1 => 5,
            2 => 6,
            _ => return Err(Error::corrupt("working set: unknown merge state")),
        };
        if chunk.ref_len() != want_refs {
            return Err(Error::corrupt(
                "working set: reference count does not match its merge state",
            ));
        }
        let merge = if tag == 0 {
            None
        } else {
            Some(MergeState {
                theirs: chunk.ref_at(2),
                base: chunk.ref_at(3),
                pre_merge_working: chunk.ref_at(4),
                conflicts: (tag == 2).then(|| chunk.ref_at(5)),
                message: r.str()?.to_owned(),
            })
        };
        r.finish()?;
        Ok(WorkingSet {
            working: chunk.ref_at(0),
            staged: chunk.ref_at(1),
            merge,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_golden() {
        let plain = WorkingSet {
            working: Address::of(b"w"),
            staged: Address::of(b"s"),
            merge: None,
        };
        assert_eq!(WorkingSet::from_chunk(&plain.to_chunk()).unwrap(), plain);
        let merging = WorkingSet {
            merge: Some(MergeState {
                theirs: Address::of(b"t"),
                base: Address::of(b"b"),
                pre_merge_working: Address::of(b"p"),
                conflicts: Some(Address::of(b"c")),
                message: "Merge branch 'feature'".into(),
            }),
            ..plain.clone()
        };
        let chunk = merging.to_chunk();
        assert_eq!(WorkingSet::from_chunk(&chunk).unwrap(), merging);
        assert_eq!(chunk.address().short(16), GOLDEN);
    }

    const GOLDEN: &str = "79ec89fa7b2f3fb0";
}
