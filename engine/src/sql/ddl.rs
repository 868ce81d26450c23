//! Carrying out schema changes: phase one of the two-phase swap.
//!
//! Each function here writes a table's complete new object (rows and
//! indexes) as chunks and returns it; the session then swaps it into the
//! catalog. Until that swap nothing refers to the new chunks, so a failure
//! anywhere in between leaves the old table exactly as it was.

use std::sync::Arc;

use arbor_schema::TableSchema;

use super::dml::{TableWriter, check_parent_exists};
use super::eval::{EvalContext, eval, truth};
use super::planner::ddl::AlterPlan;
use super::planner::dml::Check;
use super::table::Table;
use crate::error::{Error, Result, sqlstate};
use crate::objects::TableObject;
use crate::repo::Repository;

/// The object of an empty table with `schema`.
pub fn empty_table(
    repo: &Repository,
    schema: &TableSchema,
    next_row_id: u64,
) -> Result<TableObject> {
    let empty = repo.empty_map()?.root();
    let mut indexes: Vec<(String, _)> = schema
        .indexes
        .iter()
        .map(|i| (i.name.clone(), empty))
        .collect();
    indexes.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(TableObject {
        schema: schema.encode(),
        rows: empty,
        indexes,
        next_row_id,
    })
}

/// Fills the indexes of `table` that have no data yet (those its schema
/// lists but its object lacks) from its rows, checking uniqueness.
pub fn fill_new_indexes(repo: &Repository, table: Table) -> Result<TableObject> {
    let empty = repo.empty_map()?.root();
    let mut object = table.object.clone();
    object
        .indexes
        .retain(|(n, _)| table.schema.indexes.iter().any(|i| i.name == *n));
    let missing: Vec<String> = table
        .schema
        .indexes
        .iter()
        .filter(|i| !object.indexes.iter().any(|(n, _)| *n == i.name))
        .map(|i| i.name.clone())
        .collect();
    if missing.is_empty() {
        return Ok(object);
    }
    // Start the new indexes empty, then insert every row through a writer
    // that sees only them: the others already hold these rows.
    let mut only_new = (*table.schema).clone();
    only_new.indexes.retain(|i| missing.contains(&i.name));
    let building = Table::new(
        Arc::new(only_new),
        TableObject {
            indexes: missing.iter().map(|n| (n.clone(), empty)).collect(),
            ..object.clone()
        },
    );
    let rows = repo.map(object.rows)?;
    let mut writer = TableWriter::new(repo, building)?;
    for entry in rows.iter()? {
        let (key, value) = entry?;
        let row = writer.table().decode(&key, &value)?;
        writer.index_row(&key, &row)?;
    }
    let built = writer.finish()?;
    object.indexes.extend(built.indexes);
    object.indexes.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(object)
}

/// Phase one of ALTER TABLE: the table's new object.
pub fn alter(repo: &Repository, plan: &AlterPlan, checks: Vec<Check>) -> Result<TableObject> {
    let old = &plan.table;
    let schema = Arc::new(plan.schema.clone());
    if let Some(exprs) = &plan.rewrite {
        // Every row converted into a new table with the new schema.
        let object = empty_table(repo, &schema, old.object.next_row_id)?;
        let mut writer =
            TableWriter::new(repo, Table::new(schema.clone(), object))?.with_checks(checks);
        let keep_row_ids = old.has_row_id() && schema.primary_key.is_empty();
        let ctx = EvalContext::default();
        for entry in repo.map(old.object.rows)?.iter()? {
            let (key, value) = entry?;
            let old_row = old.decode(&key, &value)?;
            let new_row = exprs
                .iter()
                .map(|e| eval(e, &old_row, &ctx))
                .collect::<Result<Vec<_>>>()?;
            let new_row = writer.conform(new_row)?;
            let row_id = if keep_row_ids {
                old.row_id(&key)?
            } else {
                None
            };
            writer.insert(&new_row, row_id)?;
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

/// Checks every stored row against the NOT NULL and CHECK constraints of
/// `table`'s (new) schema, with PostgreSQL's ALTER TABLE messages.
fn validate_rows(repo: &Repository, table: &Table, checks: &[Check]) -> Result<()> {
    let schema = &table.schema;
    let ctx = EvalContext::default();
    for entry in repo.map(table.object.rows)?.iter()? {
        let (key, value) = entry?;
        let row = table.decode(&key, &value)?;
        for (v, c) in row.iter().zip(&schema.columns) {
            if v.is_null() && !c.nullable {
                return Err(Error::new(
                    sqlstate::NOT_NULL_VIOLATION,
                    format!(
                        "column \"{}\" of relation \"{}\" contains null values",
                        c.name, schema.name
                    ),
                ));
            }
        }
        for check in checks {
            if truth(&eval(&check.expr, &row, &ctx)?)? == Some(false) {
                return Err(Error::new(
                    sqlstate::CHECK_VIOLATION,
                    format!(
                        "check constraint \"{}\" of relation \"{}\" is violated by some row",
                        check.name, schema.name
                    ),
                ));
            }
        }
    }
    Ok(())
}
