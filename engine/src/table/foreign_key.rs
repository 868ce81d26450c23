//! Foreign keys between tables: bound to column positions, a child row's
//! parent looked up, a parent row's children found.
//!
//! Lookups use the primary key when the referenced columns are it, a prefix
//! scan of a secondary index that starts with them, and a full scan
//! otherwise. Statements check through the writer of the table they write
//! (a table referencing itself sees the rows written so far); merges check
//! the merged tables as written.

use arbor_schema::Value;
use arbor_schema::key::{KeyColumn, encode_key};
use arbor_schema::table::{ForeignKey, ForeignKeyAction};

use super::writer::TableWriter;
use super::{Table, value_error};
use crate::error::{Error, Result, SqlState};
use crate::repo::Repository;

/// One foreign key, bound: which columns of which tables must match.
#[derive(Debug, Clone)]
pub struct ForeignKeyCheck {
    /// The constraint's name.
    pub name: String,
    /// The referencing table.
    pub child: Table,
    /// Positions of the referencing columns in the child.
    pub child_columns: Vec<usize>,
    /// The referenced table.
    pub parent: Table,
    /// Positions of the referenced columns in the parent, pairwise with
    /// `child_columns`.
    pub parent_columns: Vec<usize>,
    /// What deleting a referenced parent row does to its children.
    pub on_delete: ForeignKeyAction,
    /// What changing a referenced parent row's key does to its children.
    pub on_update: ForeignKeyAction,
}

/// Binds foreign key `fk` of `child` to the tables as they are now.
pub fn bind_foreign_key(fk: &ForeignKey, child: &Table, parent: &Table) -> Result<ForeignKeyCheck> {
    let corrupt = || {
        Error::new(
            SqlState::DataCorrupted,
            format!("foreign key \"{}\" names a missing column", fk.name),
        )
    };
    Ok(ForeignKeyCheck {
        name: fk.name.clone(),
        child_columns: fk
            .columns
            .iter()
            .map(|t| child.schema.tag_index(*t).ok_or_else(corrupt))
            .collect::<Result<_>>()?,
        parent_columns: fk
            .referenced_columns
            .iter()
            .map(|n| parent.schema.column_index(n).ok_or_else(corrupt))
            .collect::<Result<_>>()?,
        child: child.clone(),
        parent: parent.clone(),
        on_delete: fk.on_delete,
        on_update: fk.on_update,
    })
}

/// Refuses a child row whose foreign key names no parent row. A key with a
/// NULL in it references nothing and always passes (MATCH SIMPLE).
pub fn check_parent_exists(
    repo: &Repository,
    fk: &ForeignKeyCheck,
    child_row: &[Value],
    writer: Option<&TableWriter>,
) -> Result<()> {
    let values: Vec<Value> = fk
        .child_columns
        .iter()
        .map(|&c| child_row[c].clone())
        .collect();
    if values.iter().any(Value::is_null) {
        return Ok(());
    }
    // A table referencing itself sees the rows this statement wrote.
    let found = match writer {
        Some(w) if fk.parent.name() == w.table().name() => {
            row_exists(repo, w.table(), &fk.parent_columns, &values, Some(w))?
        }
        _ => row_exists(repo, &fk.parent, &fk.parent_columns, &values, None)?,
    };
    if found {
        return Ok(());
    }
    Err(Error::new(
        SqlState::ForeignKeyViolation,
        format!(
            "insert or update on table \"{}\" violates foreign key constraint \"{}\"",
            fk.child.name(),
            fk.name
        ),
    )
    .with_detail(format!(
        "Key ({})=({}) is not present in table \"{}\".",
        column_list(&fk.child, &fk.child_columns),
        value_list(&values),
        fk.parent.name()
    ))
    .with_table(fk.child.name())
    .with_constraint(&fk.name))
}

/// Refuses removing a parent row that child rows still reference.
pub fn check_not_referenced(
    repo: &Repository,
    fk: &ForeignKeyCheck,
    parent_row: &[Value],
) -> Result<()> {
    let values: Vec<Value> = fk
        .parent_columns
        .iter()
        .map(|&c| parent_row[c].clone())
        .collect();
    if values.iter().any(Value::is_null)
        || !row_exists(repo, &fk.child, &fk.child_columns, &values, None)?
    {
        return Ok(());
    }
    Err(Error::new(
        SqlState::ForeignKeyViolation,
        format!(
            "update or delete on table \"{}\" violates foreign key constraint \"{}\" on table \"{}\"",
            fk.parent.name(),
            fk.name,
            fk.child.name()
        ),
    )
    .with_detail(format!(
        "Key ({})=({}) is still referenced from table \"{}\".",
        column_list(&fk.parent, &fk.parent_columns),
        value_list(&values),
        fk.child.name()
    ))
    .with_table(fk.parent.name())
    .with_constraint(&fk.name))
}

fn column_list(table: &Table, positions: &[usize]) -> String {
    let names: Vec<&str> = positions
        .iter()
        .map(|&p| table.schema.columns[p].name.as_str())
        .collect();
    names.join(", ")
}

fn value_list(values: &[Value]) -> String {
    let texts: Vec<String> = values.iter().map(Value::to_string).collect();
    texts.join(", ")
}

/// Whether `table` has a row whose columns at `positions` equal `values`:
/// a primary-key lookup when they are the key, a prefix scan of an index
/// that starts with them, a full scan otherwise. With `writer`, reads the
/// table as that writer has left it.
fn row_exists(
    repo: &Repository,
    table: &Table,
    positions: &[usize],
    values: &[Value],
    writer: Option<&TableWriter>,
) -> Result<bool> {
    let schema = &table.schema;
    // Values converted to the columns' types; one that does not convert matches nothing.
    let mut typed = Vec::with_capacity(values.len());
    for (v, &p) in values.iter().zip(positions) {
        match arbor_schema::cast::cast(v.clone(), &schema.columns[p].data_type) {
            Ok(t) => typed.push(t),
            Err(_) => return Ok(false),
        }
    }
    let pk: Vec<usize> = schema
        .primary_key
        .iter()
        .filter_map(|t| schema.tag_index(*t))
        .collect();
    if !pk.is_empty() && pk.len() == positions.len() && pk.iter().all(|p| positions.contains(p)) {
        let mut row = vec![Value::Null; schema.columns.len()];
        for (v, &p) in typed.iter().zip(positions) {
            row[p] = v.clone();
        }
        let key = table.encode_key(&row)?;
        return match writer {
            Some(w) => Ok(w.get(&key)?.is_some()),
            None => Ok(repo.map(table.object.rows)?.contains_key(&key)?),
        };
    }
    if writer.is_none() {
        for def in &schema.indexes {
            let columns: Vec<usize> = def
                .columns
                .iter()
                .filter_map(|(t, _)| schema.tag_index(*t))
                .collect();
            if columns.len() < positions.len() || columns[..positions.len()] != *positions {
                continue;
            }
            let Some((_, root)) = table.object.indexes.iter().find(|(n, _)| *n == def.name) else {
                continue;
            };
            let key_columns: Vec<KeyColumn> = def.columns[..positions.len()]
                .iter()
                .zip(positions)
                .map(|((_, desc), &p)| {
                    let t = schema.columns[p].data_type.clone();
                    if *desc {
                        KeyColumn::desc(t)
                    } else {
                        KeyColumn::asc(t)
                    }
                })
                .collect();
            let prefix = encode_key(&typed, &key_columns).map_err(value_error)?;
            return Ok(repo
                .map(*root)?
                .prefix(&prefix)?
                .next()
                .transpose()?
                .is_some());
        }
    }
    let matches = |row: &[Value]| {
        positions
            .iter()
            .zip(&typed)
            .all(|(&p, v)| row[p].sql_cmp(v) == Some(std::cmp::Ordering::Equal))
    };
    for entry in repo.map(table.object.rows)?.iter()? {
        let (key, value) = entry?;
        let row = match writer {
            Some(w) => match w.get(&key)? {
                Some(r) => r,
                None => continue,
            },
            None => table.decode(&key, &value)?,
        };
        if matches(&row) {
            return Ok(true);
        }
    }
    if let Some(w) = writer {
        for (key, value) in &w.edits {
            if let Some(v) = value
                && !w.map.contains_key(key)?
                && matches(&w.table.decode(key, v)?)
            {
                return Ok(true);
            }
        }
    }
    Ok(false)
}
