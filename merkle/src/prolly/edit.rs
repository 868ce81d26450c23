//! Applying a sorted batch of edits, rewriting only the paths they touch.
//!
//! The new tree is what a fresh build of the edited entries would give, so
//! history independence holds by construction. The work is kept small by
//! splicing: whenever the builder has just ended a node at every level below
//! `d` (so its state is exactly as at the start of any node), and the walker
//! over the old tree stands at the start of an untouched level-`d - 1`
//! subtree, a fresh build would re-create that subtree node for node. So the
//! subtree is passed to the builder whole, as one entry, without loading it.
//! The last node of each level is never spliced: it may have ended because
//! the data ended, not at a boundary.

use std::cmp::Ordering;
use std::iter::Peekable;

use super::chunker::TreeBuilder;
use super::store::NodeStore;
use super::value::blob_of;
use super::walker::Walker;
use crate::address::Address;
use crate::error::{Error, Result};

/// One change to a map: set `key` to `value`, or delete it when `value` is `None`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    /// The key to change.
    pub key: Vec<u8>,
    /// The new value, or `None` to delete.
    pub value: Option<Vec<u8>>,
}

impl Edit {
    /// Sets `key` to `value`.
    pub fn put(key: impl Into<Vec<u8>>, value: impl Into<Vec<u8>>) -> Edit {
        Edit {
            key: key.into(),
            value: Some(value.into()),
        }
    }

    /// Deletes `key`.
    pub fn delete(key: impl Into<Vec<u8>>) -> Edit {
        Edit {
            key: key.into(),
            value: None,
        }
    }
}

/// Applies `edits` (strictly increasing keys) to the tree at `root`.
pub(crate) fn apply_edits(
    store: &NodeStore,
    root: &Address,
    edits: impl IntoIterator<Item = Edit>,
) -> Result<Address> {
    let mut edits = SortedEdits {
        inner: edits.into_iter().peekable(),
        last: None,
    };
    if edits.peek_key().is_none() {
        return Ok(*root);
    }
    let mut walker = Walker::new(store, root)?;
    let mut builder = TreeBuilder::new(store);
    let put = |builder: &mut TreeBuilder, edit: &Edit| -> Result<()> {
        match &edit.value {
            Some(value) => builder.push_value(&edit.key, value),
            None => Ok(()),
        }
    };

    while !walker.at_end() {
        let level = usize::from(walker.level());
        if level > 0 {
            let untouched = edits.peek_key().is_none_or(|k| k > walker.key());
            if untouched && builder.is_empty_through(level - 1) && !walker.unit_is_last() {
                let (child, count) = walker.child();
                builder.push_child(level, walker.key(), child, count)?;
                walker.advance();
            } else {
                walker.descend()?;
            }
            continue;
        }
        match edits.peek_key().map(|k| k.cmp(walker.key())) {
            Some(Ordering::Less) => {
                let edit = edits.take()?.expect("peeked");
                put(&mut builder, &edit)?;
            }
            Some(Ordering::Equal) => {
                let edit = edits.take()?.expect("peeked");
                put(&mut builder, &edit)?;
                walker.advance();
            }
            Some(Ordering::Greater) | None => {
                let stored = walker.stored_value();
                builder.push_leaf(walker.key(), stored, blob_of(stored)?)?;
                walker.advance();
            }
        }
    }
    while let Some(edit) = edits.take()? {
        put(&mut builder, &edit)?;
    }
    builder.finish()
}

/// Edits as they are consumed, checked to be strictly increasing by key.
struct SortedEdits<I: Iterator<Item = Edit>> {
    inner: Peekable<I>,
    /// The key of the edit taken last (its buffer reused).
    last: Option<Vec<u8>>,
}

impl<I: Iterator<Item = Edit>> SortedEdits<I> {
    fn peek_key(&mut self) -> Option<&[u8]> {
        self.inner.peek().map(|e| e.key.as_slice())
    }

    fn take(&mut self) -> Result<Option<Edit>> {
        let Some(edit) = self.inner.next() else {
            return Ok(None);
        };
        if self
            .last
            .as_deref()
            .is_some_and(|last| last >= edit.key.as_slice())
        {
            return Err(Error::UnsortedEdits);
        }
        let last = self.last.get_or_insert_with(Vec::new);
        last.clear();
        last.extend_from_slice(&edit.key);
        Ok(Some(edit))
    }
}
