//! A walker: a position that may stand for a whole subtree, not just an entry.
//!
//! Edits and diffs want to pass over unchanged subtrees without loading them.
//! A [`Walker`] loads nodes only down to the level it needs: its *unit* is the
//! entry at the current index of the deepest loaded node. In a leaf the unit
//! is a key/value entry; in an internal node at level `d` it is a whole
//! level-`d - 1` subtree (the child), and the walker's position is that
//! subtree's first entry. Callers either take the unit as a whole (skip it)
//! or [`Walker::descend`] into it.
//!
//! Invariant: every frame's index is within its node; the walker is at the
//! end when it has no frames.

use std::sync::Arc;

use super::node::Node;
use super::store::NodeStore;
use crate::address::Address;
use crate::error::{Error, Result};

#[derive(Debug)]
struct Frame {
    node: Arc<Node>,
    idx: usize,
}

#[derive(Debug)]
pub(crate) struct Walker {
    store: NodeStore,
    frames: Vec<Frame>,
}

impl Walker {
    /// A walker at the first unit under the root: the root's first child, or
    /// its first entry if the root is a leaf.
    pub(crate) fn new(store: &NodeStore, root: &Address) -> Result<Walker> {
        let node = store.load(root)?;
        let frames = if node.len() == 0 {
            Vec::new()
        } else {
            vec![Frame { node, idx: 0 }]
        };
        Ok(Walker {
            store: store.clone(),
            frames,
        })
    }

    pub(crate) fn at_end(&self) -> bool {
        self.frames.is_empty()
    }

    fn top(&self) -> &Frame {
        self.frames.last().expect("callers check at_end first")
    }

    /// The level of the node holding the unit: 0 when the unit is a leaf entry,
    /// `d` when it is a subtree of height `d - 1`.
    pub(crate) fn level(&self) -> u8 {
        self.top().node.level()
    }

    /// The unit's key: the entry's key, or the subtree's last key.
    pub(crate) fn key(&self) -> &[u8] {
        let f = self.top();
        f.node.key(f.idx)
    }

    /// The stored value of a leaf-entry unit.
    pub(crate) fn stored_value(&self) -> &[u8] {
        let f = self.top();
        f.node.value(f.idx)
    }

    /// The address and entry count of a subtree unit.
    pub(crate) fn child(&self) -> (Address, u64) {
        let f = self.top();
        (f.node.child(f.idx), f.node.child_count(f.idx))
    }

    /// Whether the unit is the last node of its level (or the last entry of
    /// the tree): the rightmost path at every level.
    pub(crate) fn unit_is_last(&self) -> bool {
        self.frames.iter().all(|f| f.idx + 1 == f.node.len())
    }

    /// Loads the subtree unit and makes its first entry the unit.
    pub(crate) fn descend(&mut self) -> Result<()> {
        let (address, _) = self.child();
        let parent_level = self.level();
        let node = self.store.load(&address)?;
        if node.level() + 1 != parent_level || node.len() == 0 {
            return Err(Error::corrupt(format!(
                "prolly node {} is not a valid child of a level-{parent_level} node",
                address.short(12)
            )));
        }
        self.frames.push(Frame { node, idx: 0 });
        Ok(())
    }

    /// Moves past the unit (entry or whole subtree).
    pub(crate) fn advance(&mut self) {
        while let Some(f) = self.frames.last_mut() {
            f.idx += 1;
            if f.idx < f.node.len() {
                return;
            }
            self.frames.pop();
        }
    }
}
