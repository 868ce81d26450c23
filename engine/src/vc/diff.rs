//! Differences between two catalogs: which tables changed, how their
//! schemas changed, and which rows were added, deleted or modified.
//!
//! Rows are matched by primary key and found with the prolly diff, which
//! skips every subtree the two versions share: the cost follows the size of
//! the change, not of the table. A table whose primary key changed (other
//! columns or types) cannot be matched row by row; all its old rows show as
//! deleted and all its new rows as added.

use arbor_merkle::ProllyMap;
use arbor_schema::Value;
use arbor_schema::diff::{SchemaDiff, diff as schema_diff};

use super::status::{TableChange, table_changes, with_renames};
use crate::error::Result;
use crate::objects::Catalog;
use crate::repo::Repository;
use crate::table::Table;

/// One table's differences.
#[derive(Clone, Debug)]
pub struct TableDiff {
    /// The table's name.
    pub name: String,
    /// Added, deleted or modified.
    pub change: TableChange,
    /// The table before, if it existed.
    pub from: Option<Table>,
    /// The table after, if it exists.
    pub to: Option<Table>,
    /// The schema changes, when the table exists on both sides.
    pub schema: Option<SchemaDiff>,
}

/// A column of a table diff: present after (`to`), before (`from`), or both.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiffColumn {
    /// Its name (the newer one, if renamed).
    pub name: String,
    /// Its position in the old schema.
    pub from: Option<usize>,
    /// Its position in the new schema.
    pub to: Option<usize>,
}

/// A changed row, its values aligned to [`TableDiff::columns`].
#[derive(Clone, Debug, PartialEq)]
pub struct RowChange {
    /// The row's stored key (encoded primary key, or hidden row id).
    pub key: Vec<u8>,
    /// The row before (`None`: added).
    pub old: Option<Vec<Value>>,
    /// The row after (`None`: deleted).
    pub new: Option<Vec<Value>>,
}

impl RowChange {
    /// Positions of the columns whose values differ (for a modified row).
    pub fn changed_cells(&self) -> Vec<usize> {
        match (&self.old, &self.new) {
            (Some(o), Some(n)) => (0..o.len().min(n.len()))
                .filter(|&i| o[i] != n[i])
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// Counts of a table's changes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DiffStat {
    /// Rows added.
    pub rows_added: u64,
    /// Rows deleted.
    pub rows_deleted: u64,
    /// Rows modified.
    pub rows_modified: u64,
    /// Cells changed in modified rows.
    pub cells_modified: u64,
}

impl DiffStat {
    /// Counts `changes`: rows added, deleted and modified, and the cells
    /// the modified ones changed.
    pub fn count(changes: impl IntoIterator<Item = Result<RowChange>>) -> Result<DiffStat> {
        let mut stat = DiffStat::default();
        for change in changes {
            let change = change?;
            match (&change.old, &change.new) {
                (None, Some(_)) => stat.rows_added += 1,
                (Some(_), None) => stat.rows_deleted += 1,
                _ => {
                    stat.rows_modified += 1;
                    stat.cells_modified += change.changed_cells().len() as u64;
                }
            }
        }
        Ok(stat)
    }
}

/// What a [`ViewDiff`] is about: a view or a SQL function, each kept in
/// the catalog as its SQL text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DefinitionKind {
    /// A view: its definition is its query.
    View,
    /// A SQL function: its definition is its `CREATE FUNCTION` statement,
    /// its name its signature (`add(integer, integer)`).
    Function,
    /// A type (an enum): its definition is its `CREATE TYPE` statement.
    Type,
    /// A comment: its name says on what (`table orders`, `column
    /// orders.qty`), its definition is the text.
    Comment,
}

impl DefinitionKind {
    /// The word for it in output: `view`, `function`.
    pub fn word(self) -> &'static str {
        match self {
            DefinitionKind::View => "view",
            DefinitionKind::Function => "function",
            DefinitionKind::Type => "type",
            DefinitionKind::Comment => "comment",
        }
    }
}

/// A view or function that differs: its definition before and after
/// (`None`: absent).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ViewDiff {
    /// A view or a function.
    pub kind: DefinitionKind,
    /// The view's name, or the function's signature.
    pub name: String,
    /// Its query before.
    pub from: Option<String>,
    /// Its query after.
    pub to: Option<String>,
}

/// The types, views, functions and comments that differ from `from` to `to`; with
/// `only`, just those (a function by its signature or its name).
pub fn diff_views(from: &Catalog, to: &Catalog, only: &[String]) -> Vec<ViewDiff> {
    let differing = |kind: DefinitionKind,
                     a: &std::collections::BTreeMap<String, String>,
                     b: &std::collections::BTreeMap<String, String>| {
        let names: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
        names
            .into_iter()
            .filter(|n| {
                only.is_empty()
                    || only.contains(n)
                    || kind == DefinitionKind::Function
                        && only.iter().any(|o| o == crate::objects::function_name(n))
            })
            .filter(|n| a.get(*n) != b.get(*n))
            .map(|n| ViewDiff {
                kind,
                name: n.clone(),
                from: a.get(n).cloned(),
                to: b.get(n).cloned(),
            })
            .collect::<Vec<_>>()
    };
    let mut out = differing(DefinitionKind::Type, &from.types, &to.types);
    out.extend(differing(DefinitionKind::View, &from.views, &to.views));
    out.extend(differing(
        DefinitionKind::Function,
        &from.functions,
        &to.functions,
    ));
    out.extend(differing(
        DefinitionKind::Comment,
        &from.comments,
        &to.comments,
    ));
    out
}

/// The tables that differ from `from` to `to`; with `only`, just those.
pub fn diff_catalogs(
    repo: &Repository,
    from: &Catalog,
    to: &Catalog,
    only: &[String],
) -> Result<Vec<TableDiff>> {
    let mut out = Vec::new();
    for (name, change) in with_renames(repo, from, to, table_changes(from, to))? {
        // A renamed table is compared with itself under its old name.
        let old_name = match &change {
            TableChange::Renamed { from } => from.clone(),
            _ => name.clone(),
        };
        if !only.is_empty() && !only.contains(&name) && !only.contains(&old_name) {
            continue;
        }
        let load = |c: &Catalog, name: &str| -> Result<Option<Table>> {
            c.tables
                .get(name)
                .map(|a| Table::from_object(repo.read_table(a)?))
                .transpose()
        };
        let (old, new) = (load(from, &old_name)?, load(to, &name)?);
        if old.is_none() && new.is_none() {
            continue; // a view
        }
        let schema = match (&old, &new) {
            (Some(a), Some(b)) => Some(schema_diff(&a.schema, &b.schema)).filter(|d| !d.is_empty()),
            _ => None,
        };
        // A table whose only change is an enum type's labels in its schema
        // (`ALTER TYPE`, which the type's own diff shows) has no change of
        // its own to show.
        if let (Some(a), Some(b), None) = (&old, &new, &schema)
            && change == TableChange::Modified
            && a.object.rows == b.object.rows
            && a.object.indexes == b.object.indexes
        {
            continue;
        }
        out.push(TableDiff {
            name,
            change,
            from: old,
            to: new,
            schema,
        });
    }
    Ok(out)
}

impl TableDiff {
    /// The columns rows are shown with: the new schema's, then those only
    /// the old one had; matched by column tag.
    pub fn columns(&self) -> Vec<DiffColumn> {
        let mut out: Vec<DiffColumn> = Vec::new();
        if let Some(to) = &self.to {
            for (i, c) in to.schema.columns.iter().enumerate() {
                let from = self.from.as_ref().and_then(|f| f.schema.tag_index(c.tag));
                out.push(DiffColumn {
                    name: c.name.clone(),
                    from,
                    to: Some(i),
                });
            }
        }
        if let Some(from) = &self.from {
            for (i, c) in from.schema.columns.iter().enumerate() {
                if !out.iter().any(|d| d.from == Some(i)) {
                    out.push(DiffColumn {
                        name: c.name.clone(),
                        from: Some(i),
                        to: None,
                    });
                }
            }
        }
        out
    }

    /// Whether rows can be matched by key: both sides have the same primary
    /// key columns with the same types (or both a hidden row id).
    fn keys_match(&self) -> bool {
        match (&self.from, &self.to) {
            (Some(a), Some(b)) => a.schema.same_primary_key(&b.schema),
            _ => false,
        }
    }

    /// The changed rows, in key order (deleted rows of an unmatched key
    /// first, then added ones).
    pub fn rows<'a>(
        &'a self,
        repo: &'a Repository,
    ) -> Result<Box<dyn Iterator<Item = Result<RowChange>> + 'a>> {
        let columns = self.columns();
        let align = move |values: &[Value], old: bool| -> Vec<Value> {
            columns
                .iter()
                .map(|c| {
                    let at = if old { c.from } else { c.to };
                    at.and_then(|i| values.get(i).cloned())
                        .unwrap_or(Value::Null)
                })
                .collect()
        };
        let map = |t: &Option<Table>| -> Result<Option<ProllyMap>> {
            t.as_ref().map(|t| repo.map(t.object.rows)).transpose()
        };
        let (old_map, new_map) = (map(&self.from)?, map(&self.to)?);
        if self.keys_match()
            && let (Some(old_map), Some(new_map), Some(from), Some(to)) =
                (old_map.as_ref(), new_map.as_ref(), &self.from, &self.to)
        {
            let align = std::rc::Rc::new(align);
            let diff = old_map.diff(new_map)?;
            let changes = diff.map(move |entry| {
                let entry = entry?;
                let old = entry
                    .old
                    .map(|v| from.decode(&entry.key, &v).map(|r| align(&r, true)))
                    .transpose()?;
                let new = entry
                    .new
                    .map(|v| to.decode(&entry.key, &v).map(|r| align(&r, false)))
                    .transpose()?;
                Ok(RowChange {
                    key: entry.key,
                    old,
                    new,
                })
            });
            // Stored bytes can differ while the values do not (a row
            // rewritten after a column was dropped loses the dropped value):
            // only changes of values count.
            return Ok(Box::new(changes.filter(|c: &Result<RowChange>| match c {
                Ok(c) => c.old != c.new,
                Err(_) => true,
            })));
        }
        let align = std::rc::Rc::new(align);
        let deleted: Box<dyn Iterator<Item = Result<RowChange>> + 'a> = match (old_map, &self.from)
        {
            (Some(m), Some(t)) => {
                let align = align.clone();
                Box::new(m.iter()?.map(move |e| {
                    let (k, v) = e?;
                    Ok(RowChange {
                        old: Some(align(&t.decode(&k, &v)?, true)),
                        new: None,
                        key: k,
                    })
                }))
            }
            _ => Box::new(std::iter::empty()),
        };
        let added: Box<dyn Iterator<Item = Result<RowChange>> + 'a> = match (new_map, &self.to) {
            (Some(m), Some(t)) => Box::new(m.iter()?.map(move |e| {
                let (k, v) = e?;
                Ok(RowChange {
                    old: None,
                    new: Some(align(&t.decode(&k, &v)?, false)),
                    key: k,
                })
            })),
            _ => Box::new(std::iter::empty()),
        };
        Ok(Box::new(deleted.chain(added)))
    }

    /// Counts rows and cells changed.
    pub fn stat(&self, repo: &Repository) -> Result<DiffStat> {
        DiffStat::count(self.rows(repo)?)
    }
}
