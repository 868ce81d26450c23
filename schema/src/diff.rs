//! What changed between two versions of a table's schema.
//!
//! Columns are matched by tag, never by name: a column whose name changed
//! but whose tag did not was renamed, not dropped and re-added, and a
//! column dropped and added again under the same name is a drop and an add
//! (it has a new tag). Constraints and indexes have no tags and are matched
//! by name. The diff is what `arbor diff` shows for a schema, and what
//! [`crate::merge`] reasons about.

use std::fmt;

use crate::table::{CheckConstraint, Column, ForeignKey, Index, TableSchema, UniqueConstraint};

/// A change of a named schema object (constraint or index).
#[derive(Clone, Debug, PartialEq)]
pub enum Change<T> {
    /// Present only after.
    Added(T),
    /// Present only before.
    Dropped(T),
    /// Present in both under the same name, defined differently.
    Changed {
        /// The old definition.
        before: T,
        /// The new definition.
        after: T,
    },
}

/// A change of a column, matched by tag.
#[derive(Clone, Debug, PartialEq)]
pub enum ColumnChange {
    /// A column with a tag the old schema did not have.
    Added(Column),
    /// A column whose tag the new schema no longer has.
    Dropped(Column),
    /// The same tag with a different name, type, nullability, default or
    /// missing value.
    Altered {
        /// The column before.
        before: Column,
        /// The column after.
        after: Column,
    },
}

impl ColumnChange {
    /// The column's tag.
    pub fn tag(&self) -> u32 {
        match self {
            ColumnChange::Added(c) | ColumnChange::Dropped(c) => c.tag,
            ColumnChange::Altered { after, .. } => after.tag,
        }
    }

    /// Whether the change renames the column.
    pub fn is_rename(&self) -> bool {
        matches!(self, ColumnChange::Altered { before, after } if before.name != after.name)
    }

    /// Whether the change gives the column another type.
    pub fn is_retype(&self) -> bool {
        matches!(self, ColumnChange::Altered { before, after } if before.data_type != after.data_type)
    }
}

/// Everything that differs between two schemas of a table.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SchemaDiff {
    /// The table's old and new name, if it was renamed.
    pub renamed: Option<(String, String)>,
    /// Column changes, in the order of the old schema's columns, then the
    /// new schema's added columns.
    pub columns: Vec<ColumnChange>,
    /// The old and new primary key (column tags), if it changed.
    pub primary_key: Option<(Vec<u32>, Vec<u32>)>,
    /// UNIQUE constraint changes.
    pub uniques: Vec<Change<UniqueConstraint>>,
    /// CHECK constraint changes.
    pub checks: Vec<Change<CheckConstraint>>,
    /// Secondary index changes.
    pub indexes: Vec<Change<Index>>,
    /// FOREIGN KEY changes.
    pub foreign_keys: Vec<Change<ForeignKey>>,
}

impl SchemaDiff {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.renamed.is_none()
            && self.columns.is_empty()
            && self.primary_key.is_none()
            && self.uniques.is_empty()
            && self.checks.is_empty()
            && self.indexes.is_empty()
            && self.foreign_keys.is_empty()
    }
}

/// Something with a name that identifies it within its table.
pub(crate) trait Named {
    fn name(&self) -> &str;
}

impl Named for UniqueConstraint {
    fn name(&self) -> &str {
        &self.name
    }
}

impl Named for CheckConstraint {
    fn name(&self) -> &str {
        &self.name
    }
}

impl Named for Index {
    fn name(&self) -> &str {
        &self.name
    }
}

impl Named for ForeignKey {
    fn name(&self) -> &str {
        &self.name
    }
}

/// Compares two schemas of one table.
pub fn diff(before: &TableSchema, after: &TableSchema) -> SchemaDiff {
    let mut columns = Vec::new();
    for old in &before.columns {
        match after.column_by_tag(old.tag) {
            None => columns.push(ColumnChange::Dropped(old.clone())),
            Some(new) if !same_column(old, new) => columns.push(ColumnChange::Altered {
                before: old.clone(),
                after: new.clone(),
            }),
            Some(_) => {}
        }
    }
    for new in &after.columns {
        if before.column_by_tag(new.tag).is_none() {
            columns.push(ColumnChange::Added(new.clone()));
        }
    }
    SchemaDiff {
        renamed: (before.name != after.name).then(|| (before.name.clone(), after.name.clone())),
        columns,
        primary_key: (before.primary_key != after.primary_key)
            .then(|| (before.primary_key.clone(), after.primary_key.clone())),
        uniques: diff_named(&before.uniques, &after.uniques),
        checks: diff_named(&before.checks, &after.checks),
        indexes: diff_named(&before.indexes, &after.indexes),
        foreign_keys: diff_named(&before.foreign_keys, &after.foreign_keys),
    }
}

/// Whether a column is unchanged: equal, but for an enum type's labels
/// (which the type's own diff shows).
fn same_column(old: &Column, new: &Column) -> bool {
    old.data_type.same_declared(&new.data_type)
        && Column {
            data_type: new.data_type.clone(),
            ..old.clone()
        } == *new
}

fn diff_named<T: Named + PartialEq + Clone>(before: &[T], after: &[T]) -> Vec<Change<T>> {
    let find = |list: &[T], name: &str| list.iter().find(|x| x.name() == name).cloned();
    let mut changes = Vec::new();
    for old in before {
        match find(after, old.name()) {
            None => changes.push(Change::Dropped(old.clone())),
            Some(new) if new != *old => changes.push(Change::Changed {
                before: old.clone(),
                after: new,
            }),
            Some(_) => {}
        }
    }
    for new in after {
        if find(before, new.name()).is_none() {
            changes.push(Change::Added(new.clone()));
        }
    }
    changes
}

impl fmt::Display for SchemaDiff {
    /// One line a change: `+` added, `-` dropped, `~` changed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some((old, new)) = &self.renamed {
            writeln!(f, "~ table {old} renamed to {new}")?;
        }
        for change in &self.columns {
            match change {
                ColumnChange::Added(c) => writeln!(f, "+ column {} {}", c.name, c.data_type)?,
                ColumnChange::Dropped(c) => writeln!(f, "- column {} {}", c.name, c.data_type)?,
                ColumnChange::Altered { before, after } => {
                    let mut what = Vec::new();
                    if before.name != after.name {
                        what.push(format!("renamed to {}", after.name));
                    }
                    if before.data_type != after.data_type {
                        what.push(format!("type {} -> {}", before.data_type, after.data_type));
                    }
                    if before.nullable != after.nullable {
                        what.push(
                            if after.nullable {
                                "NULL allowed"
                            } else {
                                "NOT NULL"
                            }
                            .into(),
                        );
                    }
                    if before.default != after.default {
                        what.push(match &after.default {
                            Some(d) => format!("default {d}"),
                            None => "default dropped".into(),
                        });
                    }
                    if before.missing != after.missing {
                        what.push("value of old rows changed".into());
                    }
                    writeln!(f, "~ column {}: {}", before.name, what.join(", "))?;
                }
            }
        }
        if let Some((old, new)) = &self.primary_key {
            writeln!(f, "~ primary key {old:?} -> {new:?}")?;
        }
        write_changes(f, "unique", &self.uniques)?;
        write_changes(f, "check", &self.checks)?;
        write_changes(f, "index", &self.indexes)?;
        write_changes(f, "foreign key", &self.foreign_keys)
    }
}

fn write_changes<T: Named>(
    f: &mut fmt::Formatter<'_>,
    kind: &str,
    list: &[Change<T>],
) -> fmt::Result {
    for change in list {
        match change {
            Change::Added(x) => writeln!(f, "+ {kind} {}", x.name())?,
            Change::Dropped(x) => writeln!(f, "- {kind} {}", x.name())?,
            Change::Changed { after, .. } => writeln!(f, "~ {kind} {}", after.name())?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DataType;

    #[test]
    fn columns_are_matched_by_tag() {
        let mut before = TableSchema::new("t");
        before.add_column("id", DataType::Integer, false);
        let gone = before.add_column("old", DataType::Text, true);
        before.add_column("qty", DataType::Integer, true);
        before.primary_key = vec![1];
        let mut after = before.clone();
        after.columns.retain(|c| c.tag != gone);
        after.columns[1].name = "quantity".into();
        after.columns[1].data_type = DataType::BigInt;
        // Dropped and re-added under the same name: a new tag, so a drop and an add.
        after.add_column("old", DataType::Text, true);
        after.indexes.push(Index {
            name: "by_qty".into(),
            unique: false,
            columns: vec![(3, true)],
        });
        let d = diff(&before, &after);
        assert_eq!(d.columns.len(), 3);
        assert!(matches!(&d.columns[0], ColumnChange::Dropped(c) if c.tag == gone));
        assert!(d.columns[1].is_rename() && d.columns[1].is_retype());
        assert!(matches!(&d.columns[2], ColumnChange::Added(c) if c.tag == 4));
        assert_eq!(
            d.to_string(),
            "- column old text\n~ column qty: renamed to quantity, type integer -> bigint\n+ column old text\n+ index by_qty\n"
        );
        assert!(diff(&after, &after).is_empty());
        let back = diff(&after, &before);
        assert!(matches!(&back.indexes[0], Change::Dropped(i) if i.name == "by_qty"));
    }
}
