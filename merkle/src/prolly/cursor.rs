//! Cursors: a position in a tree as the path of nodes from root to leaf.
//!
//! A [`Cursor`] holds one frame per level: the node and the index of the entry
//! on the path. Moving to the next or previous leaf entry walks up only as far
//! as needed and back down, so a full scan loads each node once.

use std::sync::Arc;

use super::node::Node;
use super::store::NodeStore;
use crate::address::Address;
use crate::error::{Error, Result};

#[derive(Clone, Debug)]
struct Frame {
    node: Arc<Node>,
    idx: usize,
}

/// A position at a leaf entry of a tree, or past one of its ends.
#[derive(Clone, Debug)]
pub(crate) struct Cursor {
    store: NodeStore,
    /// Root first. Valid when `frames[last].idx < len` of the leaf.
    frames: Vec<Frame>,
}

impl Cursor {
    fn descend_from(
        store: &NodeStore,
        root: &Address,
        mut pick: impl FnMut(&Node) -> Result<usize>,
    ) -> Result<Cursor> {
        let mut frames = Vec::new();
        let mut node = store.load(root)?;
        loop {
            let idx = pick(&node)?;
            let leaf = node.is_leaf();
            let level = node.level();
            frames.push(Frame {
                node: node.clone(),
                idx,
            });
            if leaf {
                break;
            }
            if idx >= node.len() {
                // Past the end at this level: nothing below to load.
                break;
            }
            let child = store.load(&node.child(idx))?;
            if child.level() + 1 != level {
                return Err(Error::corrupt(format!(
                    "prolly node {} at level {level} has a child at level {}",
                    node.address().short(12),
                    child.level()
                )));
            }
            node = child;
        }
        let mut cursor = Cursor {
            store: store.clone(),
            frames,
        };
        cursor.settle_forward()?;
        Ok(cursor)
    }

    /// The first entry whose key is `>= key`, or past the end.
    pub(crate) fn seek(store: &NodeStore, root: &Address, key: &[u8]) -> Result<Cursor> {
        Self::descend_from(store, root, |node| Ok(node.lower_bound(key)))
    }

    /// The first entry of the tree.
    pub(crate) fn first(store: &NodeStore, root: &Address) -> Result<Cursor> {
        Self::descend_from(store, root, |_| Ok(0))
    }

    /// The entry at ordinal `n` (0-based), or past the end.
    pub(crate) fn at_ordinal(store: &NodeStore, root: &Address, n: u64) -> Result<Cursor> {
        let mut remaining = n;
        Self::descend_from(store, root, |node| {
            if node.is_leaf() {
                return Ok(usize::try_from(remaining)
                    .unwrap_or(usize::MAX)
                    .min(node.len()));
            }
            for i in 0..node.len() {
                let c = node.child_count(i);
                if remaining < c {
                    return Ok(i);
                }
                remaining -= c;
            }
            Ok(node.len())
        })
    }

    /// The last entry whose key is `< key` (or `<= key` if `inclusive`), or
    /// before the start.
    pub(crate) fn seek_before(
        store: &NodeStore,
        root: &Address,
        key: &[u8],
        inclusive: bool,
    ) -> Result<Cursor> {
        let mut cursor = Self::seek(store, root, key)?;
        if inclusive && cursor.key().is_some_and(|k| k == key) {
            return Ok(cursor);
        }
        cursor.prev()?;
        Ok(cursor)
    }

    /// The last entry of the tree, or before the start if the tree is empty.
    pub(crate) fn last(store: &NodeStore, root: &Address) -> Result<Cursor> {
        let mut frames = Vec::new();
        let mut node = store.load(root)?;
        loop {
            let Some(idx) = node.len().checked_sub(1) else {
                frames.push(Frame { node, idx: 0 });
                let mut c = Cursor {
                    store: store.clone(),
                    frames,
                };
                c.invalidate();
                return Ok(c);
            };
            frames.push(Frame {
                node: node.clone(),
                idx,
            });
            if node.is_leaf() {
                return Ok(Cursor {
                    store: store.clone(),
                    frames,
                });
            }
            node = store.load(&node.child(idx))?;
        }
    }

    fn leaf(&self) -> &Frame {
        self.frames
            .last()
            .expect("a cursor always has a root frame")
    }

    /// Whether the cursor is at an entry (not past either end).
    pub(crate) fn is_valid(&self) -> bool {
        let leaf = self.leaf();
        leaf.node.is_leaf() && leaf.idx < leaf.node.len()
    }

    fn invalidate(&mut self) {
        self.frames.truncate(1);
        let len = self.frames[0].node.len();
        self.frames[0].idx = len;
    }

    pub(crate) fn key(&self) -> Option<&[u8]> {
        self.is_valid()
            .then(|| self.leaf().node.key(self.leaf().idx))
    }

    /// The stored form of the current value.
    pub(crate) fn stored_value(&self) -> Option<&[u8]> {
        self.is_valid()
            .then(|| self.leaf().node.value(self.leaf().idx))
    }

    /// The number of entries before the cursor's position.
    pub(crate) fn ordinal(&self) -> u64 {
        if !self.is_valid() {
            return self.frames[0].node.subtree_count();
        }
        let mut n = 0;
        for f in &self.frames {
            if f.node.is_leaf() {
                n += f.idx as u64;
            } else {
                n += (0..f.idx).map(|i| f.node.child_count(i)).sum::<u64>();
            }
        }
        n
    }

    /// If the leaf index ran off the end of its node, moves to the next leaf.
    fn settle_forward(&mut self) -> Result<()> {
        loop {
            let f = self.leaf();
            if f.node.is_leaf() && f.idx < f.node.len() {
                return Ok(());
            }
            if !f.node.is_leaf() && f.idx < f.node.len() {
                let child = self.store.load(&f.node.child(f.idx))?;
                self.frames.push(Frame {
                    node: child,
                    idx: 0,
                });
                continue;
            }
            // This node is exhausted: advance the parent.
            if self.frames.len() == 1 {
                self.invalidate();
                return Ok(());
            }
            self.frames.pop();
            self.frames.last_mut().expect("checked above").idx += 1;
        }
    }

    /// Moves to the next entry (or past the end).
    pub(crate) fn next(&mut self) -> Result<()> {
        if !self.is_valid() {
            return Ok(());
        }
        self.frames
            .last_mut()
            .expect("a cursor always has a root frame")
            .idx += 1;
        self.settle_forward()
    }

    /// Moves to the previous entry, or before the start (invalid). From an
    /// invalid position it moves to the last entry.
    pub(crate) fn prev(&mut self) -> Result<()> {
        if !self.is_valid() {
            // Past the end (or an empty tree): the previous entry is the last one.
            let root = self.frames[0].node.address();
            let last = Cursor::last(&self.store, &root)?;
            *self = last;
            return Ok(());
        }
        loop {
            let f = self
                .frames
                .last_mut()
                .expect("a cursor always has a root frame");
            if f.idx > 0 {
                f.idx -= 1;
                break;
            }
            if self.frames.len() == 1 {
                // Before the start: invalid, like past the end. Callers
                // moving backwards stop at the first invalid position.
                self.invalidate();
                return Ok(());
            }
            self.frames.pop();
        }
        // Descend to the last entry of the subtree now on the path.
        loop {
            let f = self.leaf();
            if f.node.is_leaf() {
                return Ok(());
            }
            let child = self.store.load(&f.node.child(f.idx))?;
            let idx = child.len().saturating_sub(1);
            self.frames.push(Frame { node: child, idx });
        }
    }
}
