//! Three-way merge of documents.
//!
//! Given a common ancestor `base` and two descendants `ours` and `theirs`,
//! the merge keeps every change either side made, as long as the two sides
//! did not change the same place in different ways. It works top down:
//!
//! - where both sides hold the same value, that value is the result (this
//!   covers "changed the same way on both sides");
//! - where one side still holds the base value, the other side's value wins
//!   (including its deletion of a key);
//! - where both changed an object, the merge goes key by key, so edits to
//!   different keys combine;
//! - where both changed an array and all three versions have the same length,
//!   the merge goes element by element; if any length differs, the array
//!   changed on both sides is one conflict at its path, since elements cannot
//!   be matched up reliably once they have moved;
//! - anything else changed on both sides (two different scalars, a type
//!   change, a key deleted on one side and edited on the other, a key added
//!   on both sides with different values) is a conflict at its path.
//!
//! All conflicts are reported, each naming its path in PostgreSQL's `text[]`
//! syntax (`{a,b,2}`) so it can be fed back to `#>` or `jsonb_set`.

use std::collections::BTreeMap;
use std::fmt;

use jsonb::Value;

use crate::diff::{PathStep, path_text, same};
use crate::{Jsonb, canonical};

/// A place that both sides changed in different ways.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// Where the conflict is; empty for the whole document.
    pub path: Vec<PathStep>,
    /// The value in the common ancestor (`None`: absent there).
    pub base: Option<Jsonb>,
    /// Our value (`None`: we deleted it).
    pub ours: Option<Jsonb>,
    /// Their value (`None`: they deleted it).
    pub theirs: Option<Jsonb>,
}

impl Conflict {
    /// The path in PostgreSQL's `text[]` syntax, e.g. `{a,b,2}`.
    pub fn path_text(&self) -> String {
        path_text(&self.path)
    }
}

impl fmt::Display for Conflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |v: &Option<Jsonb>| v.as_ref().map_or("(absent)".to_string(), Jsonb::to_string);
        write!(
            f,
            "conflicting changes at {}: base {}, ours {}, theirs {}",
            self.path_text(),
            show(&self.base),
            show(&self.ours),
            show(&self.theirs)
        )
    }
}

type Tree = Value<'static>;

/// Merges `ours` and `theirs`, both descended from `base`.
pub fn merge(base: &Jsonb, ours: &Jsonb, theirs: &Jsonb) -> Result<Jsonb, Vec<Conflict>> {
    // Fast paths that need no decoding.
    if ours == theirs || base == theirs {
        return Ok(ours.clone());
    }
    if base == ours {
        return Ok(theirs.clone());
    }
    let (b, o, t) = (
        canonical(base.value()),
        canonical(ours.value()),
        canonical(theirs.value()),
    );
    let mut conflicts = Vec::new();
    let merged = merge_slot(Some(b), Some(o), Some(t), &mut Vec::new(), &mut conflicts);
    if !conflicts.is_empty() {
        return Err(conflicts);
    }
    // Both sides keep a value at the root (they are documents), so the merge
    // of the root always yields one.
    let merged = merged.unwrap_or(Value::Null);
    Ok(Jsonb::from_value(&merged))
}

fn eq(a: &Option<Tree>, b: &Option<Tree>) -> bool {
    match (a, b) {
        (Some(x), Some(y)) => same(x, y),
        (None, None) => true,
        _ => false,
    }
}

/// Merges one place in the document, each side either holding a value there
/// or not. Returns the merged value (`None`: the place is absent), recording
/// conflicts; a conflicting place keeps our value so the walk can continue.
fn merge_slot(
    base: Option<Tree>,
    ours: Option<Tree>,
    theirs: Option<Tree>,
    path: &mut Vec<PathStep>,
    conflicts: &mut Vec<Conflict>,
) -> Option<Tree> {
    if eq(&ours, &theirs) || eq(&base, &theirs) {
        return ours;
    }
    if eq(&base, &ours) {
        return theirs;
    }
    match (base, ours, theirs) {
        (Some(Value::Object(b)), Some(Value::Object(o)), Some(Value::Object(t))) => {
            Some(Value::Object(merge_objects(b, o, t, path, conflicts)))
        }
        (Some(Value::Array(b)), Some(Value::Array(o)), Some(Value::Array(t)))
            if b.len() == o.len() && o.len() == t.len() =>
        {
            let mut items = Vec::with_capacity(b.len());
            for (i, ((x, y), z)) in b.into_iter().zip(o).zip(t).enumerate() {
                path.push(PathStep::Index(i));
                // All three hold an element here, so the merge does too.
                items.push(
                    merge_slot(Some(x), Some(y), Some(z), path, conflicts).unwrap_or(Value::Null),
                );
                path.pop();
            }
            Some(Value::Array(items))
        }
        (base, ours, theirs) => {
            let doc = |v: &Option<Tree>| v.as_ref().map(Jsonb::from_value);
            conflicts.push(Conflict {
                path: path.clone(),
                base: doc(&base),
                ours: doc(&ours),
                theirs: doc(&theirs),
            });
            ours
        }
    }
}

fn merge_objects(
    mut base: BTreeMap<String, Tree>,
    mut ours: BTreeMap<String, Tree>,
    mut theirs: BTreeMap<String, Tree>,
    path: &mut Vec<PathStep>,
    conflicts: &mut Vec<Conflict>,
) -> BTreeMap<String, Tree> {
    let mut keys: Vec<String> = base
        .keys()
        .chain(ours.keys())
        .chain(theirs.keys())
        .cloned()
        .collect();
    keys.sort();
    keys.dedup();
    let mut merged = BTreeMap::new();
    for key in keys {
        let (b, o, t) = (base.remove(&key), ours.remove(&key), theirs.remove(&key));
        path.push(PathStep::Key(key.clone()));
        if let Some(v) = merge_slot(b, o, t, path, conflicts) {
            merged.insert(key, v);
        }
        path.pop();
    }
    merged
}
