//! Three-way merge of maps.
//!
//! The result starts from `ours` and takes every change `theirs` made since
//! `base`, found by diffing `base` against `theirs`. For each such key, `ours`
//! is looked up: if ours still has the base value, their change applies; if
//! ours already made the same change, nothing is to do; otherwise both sides
//! changed the key differently (a collision), and the caller's resolver
//! decides. The cost follows the size of their change, not of the maps.
//!
//! Laws (checked by property tests): `merge(b, x, b) = x`, `merge(b, b, x) = x`,
//! `merge(b, x, x) = x`, and with disjoint changes the result does not depend
//! on which side is "ours". Under [`SameChange::Collides`] the third law
//! gives way: every key both sides changed goes to the resolver.

use super::ProllyMap;
use super::edit::Edit;
use crate::error::Result;

/// A key both sides changed, in different ways.
#[derive(Debug, Clone, Copy)]
pub struct Collision<'a> {
    /// The key.
    pub key: &'a [u8],
    /// Its value in the common ancestor, if present.
    pub base: Option<&'a [u8]>,
    /// Our value, if present.
    pub ours: Option<&'a [u8]>,
    /// Their value, if present.
    pub theirs: Option<&'a [u8]>,
}

/// How a resolver settles a collision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// Keep our value (or our deletion).
    Ours,
    /// Take their value (or their deletion).
    Theirs,
    /// Use this value.
    Value(Vec<u8>),
    /// Delete the key.
    Delete,
}

/// Edits are applied to the result in batches of this many, to bound memory.
const BATCH: usize = 65_536;

/// Merges `theirs` into `ours`, both descended from `base`.
pub fn merge(
    base: &ProllyMap,
    ours: &ProllyMap,
    theirs: &ProllyMap,
    resolve: impl FnMut(Collision<'_>) -> Result<Resolution>,
) -> Result<ProllyMap> {
    merge_with(base, ours, theirs, SameChange::Agrees, resolve)
}

/// What a key both sides changed in the same way is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SameChange {
    /// Agreement: the change is taken once (a branch merge, where both
    /// branches making one change is no conflict).
    Agrees,
    /// A collision for the resolver like any other (concurrent
    /// transactions, where two sessions writing the same value from the
    /// same old one is an update that would otherwise be lost).
    Collides,
}

/// [`merge`], with `same` saying what a change both sides made is.
pub fn merge_with(
    base: &ProllyMap,
    ours: &ProllyMap,
    theirs: &ProllyMap,
    same: SameChange,
    mut resolve: impl FnMut(Collision<'_>) -> Result<Resolution>,
) -> Result<ProllyMap> {
    let agrees = same == SameChange::Agrees;
    if theirs.root() == base.root() || (agrees && theirs.root() == ours.root()) {
        return Ok(ours.clone());
    }
    if ours.root() == base.root() {
        return Ok(theirs.clone());
    }
    let mut result = ours.clone();
    let mut batch = Vec::new();
    for change in base.diff(theirs)? {
        let change = change?;
        let current = ours.get(&change.key)?;
        if current == change.old {
            batch.push(Edit {
                key: change.key,
                value: change.new,
            });
        } else if current != change.new || !agrees {
            let resolution = resolve(Collision {
                key: &change.key,
                base: change.old.as_deref(),
                ours: current.as_deref(),
                theirs: change.new.as_deref(),
            })?;
            let value = match resolution {
                Resolution::Ours => continue,
                Resolution::Theirs => change.new,
                Resolution::Value(v) => Some(v),
                Resolution::Delete => None,
            };
            batch.push(Edit {
                key: change.key,
                value,
            });
        }
        if batch.len() >= BATCH {
            result = result.edit(std::mem::take(&mut batch))?;
        }
    }
    result.edit(batch)
}
