//! Three-way merge of a table's schema: combine the changes two branches
//! made to a common base, or name the ones that cannot be combined.
//!
//! The rules, for each column (matched by tag) and each property of it
//! (name, type, nullability, default, value of old rows), and for each
//! constraint and index (matched by name) as a whole:
//!
//! - changed on one side only: take that side's version;
//! - changed the same way on both sides: take it;
//! - changed differently on both sides: a conflict naming the object and
//!   what each side did (e.g. both retype `price`, to `integer` and to
//!   `numeric`);
//! - dropped on one side and changed on the other: a conflict; dropped on
//!   one side and untouched on the other: dropped.
//!
//! Columns added on both sides need care, because each branch takes new
//! tags from the same `next_tag`: two different columns may carry the same
//! tag. A column both sides added **under the same name** is one column if
//! both added it with the same definition (type, nullability, default); it
//! keeps our tag. With different definitions it is a conflict. Columns
//! **they** added under other names whose tags are below our `next_tag`
//! (tags we may have used, even for a column we dropped since) move to fresh
//! tags above both sides' `next_tag`, so no tag ever names two columns; [`MergedSchema::their_tags`] tells the caller how to
//! rewrite their rows (a row's tag is its column's identity).
//!
//! After combining, the result must still be a valid schema: two columns
//! may not end up with one name (one side renames `a` to `b` while the
//! other adds `b`), and no constraint or index may refer to a column the
//! other side dropped. Those are conflicts too.
//!
//! Check constraints and defaults are SQL text and are not rewritten: a
//! check added on one side that names a column the other side renamed
//! merges here, and the engine's re-binding of the merged schema reports it.

use std::collections::BTreeMap;
use std::fmt;

use crate::diff::Named;
use crate::table::{Column, TableSchema};

/// What a conflict is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SchemaObject {
    /// The table itself (its name).
    Table,
    /// A column.
    Column {
        /// Its tag (in our schema, or theirs for a column only they have).
        tag: u32,
        /// Its name.
        name: String,
    },
    /// The primary key.
    PrimaryKey,
    /// A constraint (unique, check or foreign key), by name.
    Constraint(String),
    /// A secondary index, by name.
    Index(String),
}

impl fmt::Display for SchemaObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SchemaObject::Table => f.write_str("table"),
            SchemaObject::Column { name, .. } => write!(f, "column {name}"),
            SchemaObject::PrimaryKey => f.write_str("primary key"),
            SchemaObject::Constraint(name) => write!(f, "constraint {name}"),
            SchemaObject::Index(name) => write!(f, "index {name}"),
        }
    }
}

/// A schema change of ours and one of theirs that cannot both be kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemaConflict {
    /// The object both changed.
    pub object: SchemaObject,
    /// What each side did.
    pub description: String,
}

impl fmt::Display for SchemaConflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.object, self.description)
    }
}

/// A successful schema merge.
#[derive(Clone, Debug, PartialEq)]
pub struct MergedSchema {
    /// The merged schema.
    pub schema: TableSchema,
    /// Tags of their columns that have another tag in the merged schema,
    /// as (their tag, merged tag); their rows must be read through it.
    /// Empty in the usual case. Our tags never change.
    pub their_tags: Vec<(u32, u32)>,
}

/// Merges `ours` and `theirs`, both descended from `base`.
pub fn merge_schemas(
    base: &TableSchema,
    ours: &TableSchema,
    theirs: &TableSchema,
) -> Result<MergedSchema, Vec<SchemaConflict>> {
    let mut conflicts = Vec::new();
    let (theirs, their_tags, mut next_tag) = retag_theirs(base, ours, theirs, &mut conflicts);

    let mut merged = TableSchema::new(ours.name.clone());
    merged.name = merge_value(&base.name, &ours.name, &theirs.name).unwrap_or_else(|| {
        conflicts.push(SchemaConflict {
            object: SchemaObject::Table,
            description: format!(
                "renamed to {} by ours and to {} by theirs",
                ours.name, theirs.name
            ),
        });
        ours.name.clone()
    });

    // Columns: ours in our order, then theirs' new ones in their order.
    let mut order: Vec<u32> = ours.columns.iter().map(|c| c.tag).collect();
    order.extend(
        theirs
            .columns
            .iter()
            .map(|c| c.tag)
            .filter(|t| ours.column_by_tag(*t).is_none()),
    );
    // Columns in base that one side dropped are decided too (they may conflict).
    let mut decided = Vec::new();
    for tag in order
        .iter()
        .copied()
        .chain(base.columns.iter().map(|c| c.tag))
    {
        if decided.contains(&tag) {
            continue;
        }
        decided.push(tag);
        let b = base.column_by_tag(tag);
        let o = ours.column_by_tag(tag);
        let t = theirs.column_by_tag(tag);
        if let Some(column) = merge_column(b, o, t, &mut conflicts) {
            merged.columns.push(column);
        }
    }

    merged.primary_key =
        match merge_value(&base.primary_key, &ours.primary_key, &theirs.primary_key) {
            Some(pk) => pk,
            None => {
                conflicts.push(SchemaConflict {
                    object: SchemaObject::PrimaryKey,
                    description: "changed differently by ours and theirs".into(),
                });
                ours.primary_key.clone()
            }
        };
    merged.uniques = merge_named(
        &base.uniques,
        &ours.uniques,
        &theirs.uniques,
        &mut conflicts,
        |n| SchemaObject::Constraint(n.into()),
    );
    merged.checks = merge_named(
        &base.checks,
        &ours.checks,
        &theirs.checks,
        &mut conflicts,
        |n| SchemaObject::Constraint(n.into()),
    );
    merged.indexes = merge_named(
        &base.indexes,
        &ours.indexes,
        &theirs.indexes,
        &mut conflicts,
        |n| SchemaObject::Index(n.into()),
    );
    merged.foreign_keys = merge_named(
        &base.foreign_keys,
        &ours.foreign_keys,
        &theirs.foreign_keys,
        &mut conflicts,
        |n| SchemaObject::Constraint(n.into()),
    );
    next_tag = next_tag
        .max(ours.next_tag)
        .max(theirs.next_tag)
        .max(merged.columns.iter().map(|c| c.tag + 1).max().unwrap_or(1));
    merged.next_tag = next_tag;

    check_result(&merged, &mut conflicts);
    if conflicts.is_empty() {
        Ok(MergedSchema {
            schema: merged,
            their_tags,
        })
    } else {
        Err(conflicts)
    }
}

/// The three-way rule for one property: `None` when both sides changed it
/// differently.
fn merge_value<T: PartialEq + Clone>(base: &T, ours: &T, theirs: &T) -> Option<T> {
    if ours == theirs || theirs == base {
        Some(ours.clone())
    } else if ours == base {
        Some(theirs.clone())
    } else {
        None
    }
}

/// Gives their new columns tags that cannot collide with ours. Returns their
/// schema with the new tags, the mapping, and the next free tag.
fn retag_theirs(
    base: &TableSchema,
    ours: &TableSchema,
    theirs: &TableSchema,
    conflicts: &mut Vec<SchemaConflict>,
) -> (TableSchema, Vec<(u32, u32)>, u32) {
    let mut next = ours.next_tag.max(theirs.next_tag);
    let mut map: BTreeMap<u32, u32> = BTreeMap::new();
    for column in &theirs.columns {
        if base.column_by_tag(column.tag).is_some() {
            continue;
        }
        let ours_new_same_name = ours
            .columns
            .iter()
            .find(|c| c.name == column.name && base.column_by_tag(c.tag).is_none());
        let new_tag = match ours_new_same_name {
            Some(o) => {
                let same = o.data_type == column.data_type
                    && o.nullable == column.nullable
                    && o.default == column.default;
                if !same {
                    conflicts.push(SchemaConflict {
                        object: SchemaObject::Column {
                            tag: o.tag,
                            name: o.name.clone(),
                        },
                        description: format!(
                            "added by both sides with different definitions: {} by ours, {} by theirs",
                            describe(o),
                            describe(column)
                        ),
                    });
                }
                o.tag
            }
            // A tag ours may have used (even for a column it dropped since).
            None if column.tag < ours.next_tag => {
                next += 1;
                next - 1
            }
            None => column.tag,
        };
        if new_tag != column.tag {
            map.insert(column.tag, new_tag);
        }
    }
    let re = |tag: u32| map.get(&tag).copied().unwrap_or(tag);
    let mut retagged = theirs.clone();
    for c in &mut retagged.columns {
        c.tag = re(c.tag);
    }
    retagged.primary_key.iter_mut().for_each(|t| *t = re(*t));
    for u in &mut retagged.uniques {
        u.columns.iter_mut().for_each(|t| *t = re(*t));
    }
    for i in &mut retagged.indexes {
        i.columns.iter_mut().for_each(|(t, _)| *t = re(*t));
    }
    for f in &mut retagged.foreign_keys {
        f.columns.iter_mut().for_each(|t| *t = re(*t));
    }
    retagged.next_tag = retagged.next_tag.max(next);
    (retagged, map.into_iter().collect(), next)
}

fn describe(c: &Column) -> String {
    let mut s = c.data_type.to_string();
    if !c.nullable {
        s.push_str(" NOT NULL");
    }
    if let Some(d) = &c.default {
        s.push_str(" DEFAULT ");
        s.push_str(d);
    }
    s
}

fn merge_column(
    base: Option<&Column>,
    ours: Option<&Column>,
    theirs: Option<&Column>,
    conflicts: &mut Vec<SchemaConflict>,
) -> Option<Column> {
    let object = |c: &Column| SchemaObject::Column {
        tag: c.tag,
        name: c.name.clone(),
    };
    match (base, ours, theirs) {
        (_, None, None) => None,
        (None, Some(c), None) | (None, None, Some(c)) => Some(c.clone()),
        (Some(b), None, Some(t)) | (Some(b), Some(t), None) => {
            if t != b {
                let (dropper, changer) = if ours.is_none() {
                    ("ours", "theirs")
                } else {
                    ("theirs", "ours")
                };
                conflicts.push(SchemaConflict {
                    object: object(b),
                    description: format!("dropped by {dropper} and altered by {changer}"),
                });
            }
            None
        }
        (None, Some(o), Some(t)) => {
            // Matched by name in `retag_theirs`, which reported a differing
            // definition; the value of old rows may still differ.
            if o.missing != t.missing {
                conflicts.push(SchemaConflict {
                    object: object(o),
                    description: "added by both sides with different values for existing rows"
                        .into(),
                });
            }
            Some(o.clone())
        }
        (Some(b), Some(o), Some(t)) => {
            let mut merged = o.clone();
            let mut property = |what: &str, ok: bool, describe: &dyn Fn() -> String| {
                if !ok {
                    conflicts.push(SchemaConflict {
                        object: object(o),
                        description: format!("{what} changed differently: {}", describe()),
                    });
                }
            };
            match merge_value(&b.name, &o.name, &t.name) {
                Some(name) => merged.name = name,
                None => property("name", false, &|| {
                    format!("renamed to {} by ours and to {} by theirs", o.name, t.name)
                }),
            }
            match merge_value(&b.data_type, &o.data_type, &t.data_type) {
                Some(ty) => merged.data_type = ty,
                None => property("type", false, &|| {
                    format!(
                        "retyped to {} by ours and to {} by theirs",
                        o.data_type, t.data_type
                    )
                }),
            }
            match merge_value(&b.nullable, &o.nullable, &t.nullable) {
                Some(n) => merged.nullable = n,
                None => property("nullability", false, &|| "NULL and NOT NULL".into()),
            }
            match merge_value(&b.default, &o.default, &t.default) {
                Some(d) => merged.default = d,
                None => property("default", false, &|| {
                    format!(
                        "{} by ours, {} by theirs",
                        o.default.as_deref().unwrap_or("none"),
                        t.default.as_deref().unwrap_or("none")
                    )
                }),
            }
            match merge_value(&b.missing, &o.missing, &t.missing) {
                Some(m) => merged.missing = m,
                None => property("value of existing rows", false, &|| "differs".into()),
            }
            Some(merged)
        }
    }
}

fn merge_named<T: Named + PartialEq + Clone>(
    base: &[T],
    ours: &[T],
    theirs: &[T],
    conflicts: &mut Vec<SchemaConflict>,
    object: impl Fn(&str) -> SchemaObject,
) -> Vec<T> {
    let find = |list: &[T], name: &str| list.iter().find(|x| x.name() == name).cloned();
    let mut names: Vec<&str> = ours.iter().map(|x| x.name()).collect();
    for x in theirs.iter().chain(base) {
        if !names.contains(&x.name()) {
            names.push(x.name());
        }
    }
    let mut out = Vec::new();
    for name in names {
        let (b, o, t) = (find(base, name), find(ours, name), find(theirs, name));
        match merge_value(&b, &o, &t) {
            Some(Some(x)) => out.push(x),
            Some(None) => {}
            None => {
                let what = match (&b, &o, &t) {
                    (None, _, _) => "added by both sides with different definitions",
                    (Some(_), None, _) => "dropped by ours and changed by theirs",
                    (Some(_), _, None) => "dropped by theirs and changed by ours",
                    _ => "changed differently by ours and theirs",
                };
                conflicts.push(SchemaConflict {
                    object: object(name),
                    description: what.into(),
                });
                if let Some(x) = o {
                    out.push(x);
                }
            }
        }
    }
    out
}

/// Conflicts that only show in the combined result.
fn check_result(merged: &TableSchema, conflicts: &mut Vec<SchemaConflict>) {
    for (i, c) in merged.columns.iter().enumerate() {
        if merged.columns[..i].iter().any(|d| d.name == c.name) {
            conflicts.push(SchemaConflict {
                object: SchemaObject::Column {
                    tag: c.tag,
                    name: c.name.clone(),
                },
                description: "two different columns would have this name".into(),
            });
        }
    }
    let exists = |tag: &u32| merged.column_by_tag(*tag).is_some();
    if !merged.primary_key.iter().all(exists) {
        conflicts.push(SchemaConflict {
            object: SchemaObject::PrimaryKey,
            description: "refers to a column the other side dropped".into(),
        });
    }
    let dangling = "refers to a column the other side dropped";
    for u in &merged.uniques {
        if !u.columns.iter().all(exists) {
            conflicts.push(SchemaConflict {
                object: SchemaObject::Constraint(u.name.clone()),
                description: dangling.into(),
            });
        }
    }
    for i in &merged.indexes {
        if !i.columns.iter().all(|(tag, _)| exists(tag)) {
            conflicts.push(SchemaConflict {
                object: SchemaObject::Index(i.name.clone()),
                description: dangling.into(),
            });
        }
    }
    for f in &merged.foreign_keys {
        if !f.columns.iter().all(exists) {
            conflicts.push(SchemaConflict {
                object: SchemaObject::Constraint(f.name.clone()),
                description: dangling.into(),
            });
        }
    }
    if conflicts.is_empty()
        && let Err(e) = merged.validate()
    {
        conflicts.push(SchemaConflict {
            object: SchemaObject::Table,
            description: e.message,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DataType;
    use crate::table::Index;

    fn base() -> TableSchema {
        let mut s = TableSchema::new("t");
        let id = s.add_column("id", DataType::Integer, false);
        s.add_column("name", DataType::Text, true);
        s.add_column("price", DataType::Double, true);
        s.primary_key = vec![id];
        s
    }

    fn conflicts(b: &TableSchema, o: &TableSchema, t: &TableSchema) -> Vec<String> {
        merge_schemas(b, o, t)
            .unwrap_err()
            .iter()
            .map(|c| c.to_string())
            .collect()
    }

    #[test]
    fn both_add_different_columns() {
        let b = base();
        let mut o = b.clone();
        let qty = o.add_column("qty", DataType::Integer, true);
        let mut t = b.clone();
        let note = t.add_column("note", DataType::Text, true);
        assert_eq!(qty, note, "both sides take the same next tag");
        let m = merge_schemas(&b, &o, &t).unwrap();
        let names: Vec<_> = m.schema.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["id", "name", "price", "qty", "note"]);
        let new_note = m
            .schema
            .column_index("note")
            .map(|i| m.schema.columns[i].tag)
            .unwrap();
        assert_eq!(m.their_tags, vec![(note, new_note)]);
        assert_ne!(new_note, qty);
        assert!(m.schema.next_tag > new_note);
        m.schema.validate().unwrap();
    }

    #[test]
    fn one_side_adds_the_other_untouched_keeps_tags() {
        let b = base();
        let o = b.clone();
        let mut t = b.clone();
        t.add_column("note", DataType::Text, true);
        let m = merge_schemas(&b, &o, &t).unwrap();
        assert!(m.their_tags.is_empty());
        assert_eq!(m.schema, t);
    }

    #[test]
    fn same_column_added_on_both_sides_merges() {
        let b = base();
        let mut o = b.clone();
        o.add_column("qty", DataType::Integer, true);
        let mut t = b.clone();
        t.add_column("qty", DataType::Integer, true);
        let m = merge_schemas(&b, &o, &t).unwrap();
        assert_eq!(m.schema, o);
        assert!(m.their_tags.is_empty());
    }

    #[test]
    fn same_name_different_types_conflicts() {
        let b = base();
        let mut o = b.clone();
        o.add_column("qty", DataType::Integer, true);
        let mut t = b.clone();
        t.add_column("qty", DataType::Text, true);
        assert_eq!(
            conflicts(&b, &o, &t),
            [
                "column qty: added by both sides with different definitions: integer by ours, text by theirs"
            ]
        );
    }

    #[test]
    fn rename_and_index_combine() {
        let b = base();
        let mut o = b.clone();
        o.columns[1].name = "title".into();
        let mut t = b.clone();
        t.indexes.push(Index {
            name: "by_name".into(),
            unique: false,
            columns: vec![(2, false)],
        });
        let m = merge_schemas(&b, &o, &t).unwrap();
        assert_eq!(m.schema.columns[1].name, "title");
        assert_eq!(m.schema.indexes, t.indexes);
    }

    #[test]
    fn both_retype_differently_conflicts() {
        let b = base();
        let mut o = b.clone();
        o.columns[2].data_type = DataType::Numeric(Some((10, 2)));
        let mut t = b.clone();
        t.columns[2].data_type = DataType::Real;
        assert_eq!(
            conflicts(&b, &o, &t),
            [
                "column price: type changed differently: retyped to numeric(10,2) by ours and to real by theirs"
            ]
        );
        // The same retype on both sides is fine.
        assert_eq!(merge_schemas(&b, &o, &o).unwrap().schema, o);
    }

    #[test]
    fn drop_against_alter_conflicts_and_drop_against_nothing_drops() {
        let b = base();
        let mut o = b.clone();
        o.columns.remove(2);
        let mut t = b.clone();
        t.columns[2].nullable = false;
        assert_eq!(
            conflicts(&b, &o, &t),
            ["column price: dropped by ours and altered by theirs"]
        );
        let m = merge_schemas(&b, &o, &b).unwrap();
        assert_eq!(m.schema, o);
    }

    #[test]
    fn rename_onto_a_new_name_conflicts() {
        let b = base();
        let mut o = b.clone();
        o.columns[1].name = "label".into();
        let mut t = b.clone();
        t.add_column("label", DataType::Text, true);
        let c = conflicts(&b, &o, &t);
        assert_eq!(
            c,
            ["column label: two different columns would have this name"]
        );
    }

    #[test]
    fn index_on_a_dropped_column_conflicts() {
        let b = base();
        let mut o = b.clone();
        o.columns.remove(1);
        let mut t = b.clone();
        t.indexes.push(Index {
            name: "by_name".into(),
            unique: true,
            columns: vec![(2, false)],
        });
        assert_eq!(
            conflicts(&b, &o, &t),
            ["index by_name: refers to a column the other side dropped"]
        );
    }

    #[test]
    fn both_add_same_index_name_differently_conflicts() {
        let b = base();
        let mut o = b.clone();
        o.indexes.push(Index {
            name: "i".into(),
            unique: false,
            columns: vec![(2, false)],
        });
        let mut t = b.clone();
        t.indexes.push(Index {
            name: "i".into(),
            unique: false,
            columns: vec![(3, false)],
        });
        assert_eq!(
            conflicts(&b, &o, &t),
            ["index i: added by both sides with different definitions"]
        );
        assert_eq!(merge_schemas(&b, &o, &o).unwrap().schema, o);
    }
}
