//! Diffing two trees as a stream, skipping the subtrees they share.
//!
//! Because a tree's shape depends only on its contents, two trees that agree
//! on a run of entries agree on the nodes covering it once their boundaries
//! line up again after a change. The diff walks both trees with a
//! [`Walker`] each: when both units are subtrees of the same height with the
//! same address, both are passed over unread; otherwise the taller unit is
//! opened, and leaf entries are compared key by key. The work done grows with
//! the number of changes (times the tree's depth and node size), not with the
//! size of the trees.

use std::cmp::Ordering;

use super::store::NodeStore;
use super::value::load_value;
use super::walker::Walker;
use crate::address::Address;
use crate::error::Result;

/// One difference between two maps: `old` is absent for an added key, `new`
/// for a removed one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiffEntry {
    /// The key that differs.
    pub key: Vec<u8>,
    /// Its value in the `from` map, if present there.
    pub old: Option<Vec<u8>>,
    /// Its value in the `to` map, if present there.
    pub new: Option<Vec<u8>>,
}

/// The differences from one map to another, in key order.
#[derive(Debug)]
pub struct Diff {
    store: NodeStore,
    from: Walker,
    to: Walker,
    failed: bool,
}

impl Diff {
    pub(crate) fn new(store: &NodeStore, from: &Address, to: &Address) -> Result<Diff> {
        let (mut from_walker, mut to_walker) = (Walker::new(store, from)?, Walker::new(store, to)?);
        if from == to {
            // Same tree: nothing to report. Skip both walkers to their ends.
            while !from_walker.at_end() {
                from_walker.advance();
            }
            while !to_walker.at_end() {
                to_walker.advance();
            }
        }
        Ok(Diff {
            store: store.clone(),
            from: from_walker,
            to: to_walker,
            failed: false,
        })
    }

    fn entry(&self, key: &[u8], old: Option<&[u8]>, new: Option<&[u8]>) -> Result<DiffEntry> {
        let load = |stored: Option<&[u8]>| stored.map(|s| load_value(&self.store, s)).transpose();
        Ok(DiffEntry {
            key: key.to_vec(),
            old: load(old)?,
            new: load(new)?,
        })
    }

    fn step(&mut self) -> Result<Option<DiffEntry>> {
        loop {
            match (self.from.at_end(), self.to.at_end()) {
                (true, true) => return Ok(None),
                (false, true) => {
                    if self.from.level() > 0 {
                        self.from.descend()?;
                        continue;
                    }
                    let e = self.entry(self.from.key(), Some(self.from.stored_value()), None)?;
                    self.from.advance();
                    return Ok(Some(e));
                }
                (true, false) => {
                    if self.to.level() > 0 {
                        self.to.descend()?;
                        continue;
                    }
                    let e = self.entry(self.to.key(), None, Some(self.to.stored_value()))?;
                    self.to.advance();
                    return Ok(Some(e));
                }
                (false, false) => {}
            }
            let (lf, lt) = (self.from.level(), self.to.level());
            if lf > 0 && lf == lt && self.from.child().0 == self.to.child().0 {
                self.from.advance();
                self.to.advance();
                continue;
            }
            if lf > 0 && lf >= lt {
                self.from.descend()?;
                if lf == lt {
                    self.to.descend()?;
                }
                continue;
            }
            if lt > 0 {
                self.to.descend()?;
                continue;
            }
            // Both at leaf entries.
            match self.from.key().cmp(self.to.key()) {
                Ordering::Less => {
                    let e = self.entry(self.from.key(), Some(self.from.stored_value()), None)?;
                    self.from.advance();
                    return Ok(Some(e));
                }
                Ordering::Greater => {
                    let e = self.entry(self.to.key(), None, Some(self.to.stored_value()))?;
                    self.to.advance();
                    return Ok(Some(e));
                }
                Ordering::Equal => {
                    let (old, new) = (self.from.stored_value(), self.to.stored_value());
                    let changed = old != new;
                    let e = if changed {
                        Some(self.entry(self.from.key(), Some(old), Some(new))?)
                    } else {
                        None
                    };
                    self.from.advance();
                    self.to.advance();
                    if let Some(e) = e {
                        return Ok(Some(e));
                    }
                }
            }
        }
    }
}

impl Iterator for Diff {
    type Item = Result<DiffEntry>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let r = self.step().transpose();
        if matches!(r, Some(Err(_))) {
            self.failed = true;
        }
        r
    }
}
