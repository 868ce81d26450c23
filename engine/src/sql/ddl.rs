//! Carrying out schema changes: phase one of the two-phase swap.
//!
//! Each function here writes a table's complete new object (rows and
//! indexes) as chunks and returns it; the session then swaps it into the
//! catalog. Until that swap nothing refers to the new chunks, so a failure
//! anywhere in between leaves the old table exactly as it was.

use std::sync::Arc;

use arbor_schema::TableSchema;
use arbor_schema::row::highest_tag;

use super::eval::{EvalContext, eval};
use super::planner::ddl::AlterPlan;
use crate::error::{Error, Result, SqlState};
use crate::objects::TableObject;
use crate::repo::Repository;
use crate::table::{
    Checks, Table, TableWriter, check_parent_exists, empty_table, fill_new_indexes,
};

/// Phase one of ALTER TABLE: the table's new object.
pub fn alter(repo: &Repository, plan: &AlterPlan, checks: Checks) -> Result<TableObject> {
    let old = &plan.table;
    let schema = Arc::new(plan.schema.clone());
    if let Some(exprs) = &plan.rewrite {
        // Every row converted into a new table with the new schema.
        let object = empty_table(repo, &schema)?;
        let mut writer =
            TableWriter::new(repo, Table::new(schema.clone(), object))?.with_checks(checks);
        let ctx = EvalContext::default();
        for entry in repo.map(old.object.rows)?.iter()? {
            let (key, value) = entry?;
            let old_row = old.decode(&key, &value)?;
            let new_row = exprs
                .iter()
                .map(|e| eval(e, &old_row, &ctx))
                .collect::<Result<Vec<_>>>()?;
            let new_row = writer.conform(new_row)?;
            writer.insert(&new_row)?;
        }
        return writer.finish();
    }
    let mut object = old.object.clone();
    object.schema = schema.encode();
    let table = Table::new(schema.clone(), object);
    if plan.validate {
        validate_rows(repo, &table, &checks)?;
    }
    if !plan.new_foreign_keys.is_empty() {
        for entry in repo.map(table.object.rows)?.iter()? {
            let (key, value) = entry?;
            let row = table.decode(&key, &value)?;
            for fk in &plan.new_foreign_keys {
                check_parent_exists(repo, fk, &row, None)?;
            }
        }
    }
    fill_new_indexes(repo, table)
}

/// Gives back the column tags a changed table no longer needs, so that a
/// table changed back to an earlier definition is stored as it was:
/// `ADD COLUMN c` then `DROP COLUMN c` leaves it equal to the committed
/// table, not modified.
///
/// A tag is not given back while something may still read it as the old
/// column: a version of the table a merge may compare with (`references`:
/// the branch's head, its staged table, a commit being merged in), or a
/// stored row that still holds a value under it (dropping a column does
/// not rewrite rows). So `next_tag` falls back at most to the highest of
/// the references' `next_tag` and the remaining columns' tags, and only
/// when no row that differs from the first reference's holds a tag at or
/// above it. The first reference's own rows hold none: they were written
/// under a schema whose `next_tag` was at most its current one. Cost:
/// one walk of the rows that differ from the reference.
pub fn reclaim_tags(
    repo: &Repository,
    object: TableObject,
    references: &[Table],
) -> Result<TableObject> {
    let Some(reference) = references.first() else {
        return Ok(object);
    };
    let mut schema = TableSchema::decode(&object.schema)?;
    let floor = references
        .iter()
        .map(|t| t.schema.next_tag)
        .chain(schema.columns.iter().map(|c| c.tag.saturating_add(1)))
        .max()
        .unwrap_or(1);
    if floor >= schema.next_tag {
        return Ok(object);
    }
    let (old, new) = (repo.map(reference.object.rows)?, repo.map(object.rows)?);
    for entry in old.diff(&new)? {
        if let Some(row) = entry?.new
            && highest_tag(&row)?.is_some_and(|tag| tag >= floor)
        {
            return Ok(object);
        }
    }
    schema.next_tag = floor;
    Ok(TableObject {
        schema: schema.encode(),
        ..object
    })
}

/// Checks every stored row against the NOT NULL and CHECK constraints of
/// `table`'s (new) schema, with PostgreSQL's ALTER TABLE messages.
fn validate_rows(repo: &Repository, table: &Table, checks: &Checks) -> Result<()> {
    let schema = &table.schema;
    for entry in repo.map(table.object.rows)?.iter()? {
        let (key, value) = entry?;
        let row = table.decode(&key, &value)?;
        for (v, c) in row.iter().zip(&schema.columns) {
            if v.is_null() && !c.nullable {
                return Err(Error::new(
                    SqlState::NotNullViolation,
                    format!(
                        "column \"{}\" of relation \"{}\" contains null values",
                        c.name, schema.name
                    ),
                ));
            }
        }
        for check in checks {
            if !check.holds(&row)? {
                return Err(Error::new(
                    SqlState::CheckViolation,
                    format!(
                        "check constraint \"{}\" of relation \"{}\" is violated by some row",
                        check.name(),
                        schema.name
                    ),
                ));
            }
        }
    }
    Ok(())
}
