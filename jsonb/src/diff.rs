//! Structural diff of two documents.
//!
//! A diff is the list of places where two documents differ, each with the
//! value before and after. Objects are compared key by key, so a change deep
//! inside a large object is reported at its own path rather than as a change
//! to the whole object. Arrays are compared element by element only when
//! both have the same length; an array whose length changed is reported as a
//! single change of the whole array, because without a matching of elements
//! there is no reliable way to say which element was inserted or removed.
//! A value whose type changed (say an object that became a string) is one
//! change at its path.
//!
//! Changes come out in path order: object keys in sorted order, array
//! elements by index.

use std::fmt;

use jsonb::Value;

use crate::Jsonb;
use crate::order::compare;

/// One step of a path into a document.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PathStep {
    /// An object key.
    Key(String),
    /// An array index.
    Index(usize),
}

impl fmt::Display for PathStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathStep::Key(k) => f.write_str(k),
            PathStep::Index(i) => write!(f, "{i}"),
        }
    }
}

/// A path written as PostgreSQL writes a `text[]` value, the form the `#>`
/// and `jsonb_set` path arguments take: `{a,b,2}`, with elements quoted
/// when they hold special characters (`{"a b",c}`), and `{}` for the root.
pub fn path_text(path: &[PathStep]) -> String {
    let steps: Vec<String> = path.iter().map(PathStep::to_string).collect();
    crate::array_text::array_literal(steps.iter().map(|s| Some(s.as_str())))
}

/// One difference between two documents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Where the difference is; empty for the whole document.
    pub path: Vec<PathStep>,
    /// The value before; `None` when the key was added.
    pub old: Option<Jsonb>,
    /// The value after; `None` when the key was removed.
    pub new: Option<Jsonb>,
}

impl Change {
    /// The path in PostgreSQL's `text[]` syntax.
    pub fn path_text(&self) -> String {
        path_text(&self.path)
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |v: &Option<Jsonb>| v.as_ref().map_or("(absent)".to_string(), Jsonb::to_string);
        write!(
            f,
            "{}: {} -> {}",
            self.path_text(),
            show(&self.old),
            show(&self.new)
        )
    }
}

/// The changes that turn `old` into `new`; empty when they are equal.
pub fn diff(old: &Jsonb, new: &Jsonb) -> Vec<Change> {
    let mut changes = Vec::new();
    if old != new {
        diff_values(&old.value(), &new.value(), &mut Vec::new(), &mut changes);
    }
    changes
}

pub(crate) fn same(a: &Value<'_>, b: &Value<'_>) -> bool {
    compare(a, b).is_eq()
}

fn diff_values(old: &Value<'_>, new: &Value<'_>, path: &mut Vec<PathStep>, out: &mut Vec<Change>) {
    if same(old, new) {
        return;
    }
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            // Every key of either side, once each, in sorted order.
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.sort();
            keys.dedup();
            for key in keys {
                path.push(PathStep::Key(key.clone()));
                match (a.get(key), b.get(key)) {
                    (Some(x), Some(y)) => diff_values(x, y, path, out),
                    (x, y) => out.push(Change {
                        path: path.clone(),
                        old: x.map(Jsonb::from_value),
                        new: y.map(Jsonb::from_value),
                    }),
                }
                path.pop();
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                path.push(PathStep::Index(i));
                diff_values(x, y, path, out);
                path.pop();
            }
        }
        _ => out.push(Change {
            path: path.clone(),
            old: Some(Jsonb::from_value(old)),
            new: Some(Jsonb::from_value(new)),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_text_quotes_like_postgresql() {
        let p = |steps: &[&str]| {
            path_text(
                &steps
                    .iter()
                    .map(|s| PathStep::Key((*s).to_string()))
                    .collect::<Vec<_>>(),
            )
        };
        assert_eq!(path_text(&[]), "{}");
        assert_eq!(
            path_text(&[PathStep::Key("a".into()), PathStep::Index(2)]),
            "{a,2}"
        );
        assert_eq!(p(&["a b", "c"]), r#"{"a b",c}"#);
        assert_eq!(p(&["", "NULL", r#"x"y"#]), r#"{"","NULL","x\"y"}"#);
        assert_eq!(p(&["{", ","]), r#"{"{",","}"#);
    }
}
