//! Carrying out bound INSERT, UPDATE and DELETE statements.
//!
//! [`run_insert`] and [`run_change`] run a statement's source plan and hand
//! each row to a [`TableWriter`] (the table layer: indexes kept in step,
//! uniqueness and foreign keys enforced): defaults, CHECK constraints,
//! `ON CONFLICT`, `RETURNING`, and the actions foreign keys take on child
//! tables ([`Cascade`]).

use std::collections::HashSet;

use arbor_schema::table::ForeignKeyAction;
use arbor_schema::{DataType, Value};

use super::eval::{EvalContext, eval, truth};
use super::execution::{Executor, Row};
use super::planner::dml::{ChangePlan, ConflictAction, InsertPlan, Returning};
use super::planner::expr::Expr;
use crate::error::{Error, Result, SqlState};
use crate::objects::TableObject;
use crate::repo::Repository;
use crate::table::{
    ForeignKeyCheck, Table, TableWriter, check_not_referenced, check_parent_exists,
};

/// What a writing statement returns: its command tag, or its RETURNING rows.
#[derive(Debug)]
pub enum Written {
    /// The number of rows written.
    Count(u64),
    /// RETURNING's column names, their types (where binding could tell)
    /// and rows.
    Rows(Vec<String>, Vec<Option<DataType>>, Vec<Row>),
}

fn returned(returning: Option<&Returning>, count: u64, rows: Vec<Row>) -> Written {
    match returning {
        Some(r) => Written::Rows(r.columns.clone(), r.types.clone(), rows),
        None => Written::Count(count),
    }
}

fn project(
    returning: Option<&Returning>,
    row: &[Value],
    ctx: &EvalContext<'_>,
    out: &mut Vec<Row>,
) -> Result<()> {
    if let Some(r) = returning {
        out.push(
            r.exprs
                .iter()
                .map(|e| eval(e, row, ctx))
                .collect::<Result<_>>()?,
        );
    }
    Ok(())
}

/// Runs a bound INSERT; returns the table's new object and what to report.
pub fn run_insert(
    repo: &Repository,
    plan: &InsertPlan,
    executor: &Executor<'_>,
) -> Result<(TableObject, Written)> {
    insert_rows(
        repo,
        plan,
        executor.execute(&plan.source)?,
        &executor.context(),
    )
}

/// Inserts `rows` (values for `plan.targets`) as `plan` says.
pub fn insert_rows<'a>(
    repo: &Repository,
    plan: &InsertPlan,
    rows: impl Iterator<Item = Result<Row>> + 'a,
    ctx: &EvalContext<'_>,
) -> Result<(TableObject, Written)> {
    let mut writer = TableWriter::new(repo, plan.table.clone())?.with_checks(plan.checks.clone());
    let width = plan.table.schema.columns.len();
    let targeted: HashSet<usize> = plan.targets.iter().copied().collect();
    // Rows this statement inserted or updated: DO UPDATE may not touch one twice.
    let mut touched: HashSet<Vec<u8>> = HashSet::new();
    // Only DO UPDATE needs them; a plain bulk insert must not hold every key.
    let track = matches!(
        plan.on_conflict.as_ref().map(|c| &c.action),
        Some(ConflictAction::Update { .. })
    );
    let mut returned_rows = Vec::new();
    let mut count = 0u64;
    // Rows whose reference to their own table is checked at the end.
    let mut deferred: Vec<Row> = Vec::new();
    for source_row in rows {
        let mut row: Row = Vec::with_capacity(width);
        for (i, default) in plan.defaults.iter().enumerate() {
            row.push(match default {
                Some(e) if !targeted.contains(&i) => eval(e, &[], ctx)?,
                _ => Value::Null,
            });
        }
        for (v, &i) in source_row?.into_iter().zip(&plan.targets) {
            row[i] = v;
        }
        let row = writer.conform(row)?;
        let existing = match &plan.on_conflict {
            Some(c) => writer.conflict(&row, c.arbiter.as_deref())?,
            None => None,
        };
        let written = match (existing, plan.on_conflict.as_ref().map(|c| &c.action)) {
            (None, _) => {
                let key = writer.insert(&row)?;
                if track {
                    touched.insert(key);
                }
                row
            }
            (Some(_), Some(ConflictAction::Nothing) | None) => continue,
            (
                Some(key),
                Some(ConflictAction::Update {
                    assignments,
                    filter,
                }),
            ) => {
                if touched.contains(&key) {
                    return Err(Error::new(
                        SqlState::CardinalityViolation,
                        "ON CONFLICT DO UPDATE command cannot affect row a second time",
                    )
                    .with_hint("Ensure that no rows proposed for insertion within the same command have duplicate constrained values."));
                }
                let old = writer.get(&key)?.ok_or_else(|| {
                    Error::internal("a conflicting row vanished during ON CONFLICT")
                })?;
                let mut both = old.clone();
                both.extend(row.iter().cloned());
                if let Some(f) = filter
                    && truth(&eval(f, &both, ctx)?)? != Some(true)
                {
                    continue;
                }
                let new_row = assign(&old, &both, assignments, ctx)?;
                let new_row = writer.conform(new_row)?;
                writer.delete(&key, &old)?;
                let new_key = writer.insert(&new_row)?;
                touched.insert(new_key);
                new_row
            }
        };
        for fk in &plan.foreign_keys.outgoing {
            if references_itself(fk) {
                // As in PostgreSQL, checked once the statement's rows are all
                // in: a row may reference one that comes after it.
                deferred.push(written.clone());
                break;
            }
            check_parent_exists(repo, fk, &written, Some(&writer))?;
        }
        project(plan.returning.as_ref(), &written, ctx, &mut returned_rows)?;
        count += 1;
    }
    check_deferred(repo, &plan.foreign_keys.outgoing, &deferred, &writer)?;
    Ok((
        writer.finish()?,
        returned(plan.returning.as_ref(), count, returned_rows),
    ))
}

/// Whether foreign key `fk` references the table it belongs to.
fn references_itself(fk: &ForeignKeyCheck) -> bool {
    fk.parent.name() == fk.child.name()
}

/// Checks every outgoing foreign key of `rows` (written by `writer`), once
/// the statement has written all its rows.
fn check_deferred(
    repo: &Repository,
    outgoing: &[ForeignKeyCheck],
    rows: &[Row],
    writer: &TableWriter,
) -> Result<()> {
    for row in rows {
        for fk in outgoing {
            check_parent_exists(repo, fk, row, Some(writer))?;
        }
    }
    Ok(())
}

/// `row` with each assigned column replaced by its expression over `over`.
fn assign(
    row: &[Value],
    over: &[Value],
    assignments: &[(usize, Expr)],
    ctx: &EvalContext<'_>,
) -> Result<Row> {
    let mut new_row = row.to_vec();
    for (i, e) in assignments {
        new_row[*i] = eval(e, over, ctx)?;
    }
    Ok(new_row)
}

/// What a change to parent rows does to the child rows of a foreign key
/// with an action (`ON DELETE CASCADE`, `ON UPDATE SET NULL`, ...): planned
/// by the session after the parent table is written
/// ([`super::planner::dml::plan_cascade`]) as a change of the child table,
/// which cascades in turn.
#[derive(Clone, Debug)]
pub struct Cascade {
    /// The child table.
    pub child: String,
    /// Positions of the referencing columns in the child.
    pub columns: Vec<usize>,
    /// The parent's old key values the child rows reference.
    pub old: Vec<Value>,
    /// What happens to the child rows.
    pub action: CascadeAction,
}

/// What a [`Cascade`] does to the child rows it matches.
#[derive(Clone, Debug, PartialEq)]
pub enum CascadeAction {
    /// Delete them (`ON DELETE CASCADE`).
    Delete,
    /// Set the referencing columns, pairwise: to a value (the parent's new
    /// key, or NULL), or `None` for the column's DEFAULT.
    Set(Vec<Option<Value>>),
}

/// Runs a bound UPDATE or DELETE; returns the table's new object, what to
/// report, and the actions its foreign keys take on child tables.
pub fn run_change(
    repo: &Repository,
    plan: &ChangePlan,
    executor: &Executor<'_>,
) -> Result<(TableObject, Written, Vec<Cascade>)> {
    let ctx = executor.context();
    let width = plan.table.schema.columns.len();
    // Find every change first, then apply: a key an update frees may be
    // taken by another row of the same statement.
    let mut seen: HashSet<Vec<u8>> = HashSet::new();
    let mut changes: Vec<(Vec<u8>, Row, Option<Row>)> = Vec::new();
    for source_row in executor.execute(&plan.source)? {
        let mut source_row = source_row?;
        let Some(Value::Bytea(key)) = source_row.get(width).cloned() else {
            return Err(Error::internal("a changed row without its key"));
        };
        if !seen.insert(key.clone()) {
            continue;
        }
        let new_row = match &plan.assignments {
            Some(list) => Some(assign(&source_row[..width], &source_row, list, &ctx)?),
            None => None,
        };
        // Keep only what RETURNING may read besides the row itself.
        if plan.returning.is_none() {
            source_row.truncate(width);
        }
        changes.push((key, source_row, new_row));
    }
    let mut writer = TableWriter::new(repo, plan.table.clone())?.with_checks(plan.checks.clone());
    for (key, source_row, _) in &changes {
        writer.delete(key, &source_row[..width])?;
    }
    let mut returned_rows = Vec::new();
    let mut cascades = Vec::new();
    let mut deferred: Vec<Row> = Vec::new();
    let mut still_referenced: Vec<(ForeignKeyCheck, Row)> = Vec::new();
    for (_, source_row, new_row) in &changes {
        let mut output = source_row.clone();
        let old_row = &source_row[..width];
        for fk in &plan.foreign_keys.incoming {
            let kept = new_row.as_ref().is_some_and(|n| {
                fk.parent_columns
                    .iter()
                    .all(|&p| n[p].sql_cmp(&old_row[p]) == Some(std::cmp::Ordering::Equal))
            });
            if kept {
                continue;
            }
            let action = if new_row.is_some() {
                fk.on_update
            } else {
                fk.on_delete
            };
            let old: Vec<Value> = fk
                .parent_columns
                .iter()
                .map(|&p| old_row[p].clone())
                .collect();
            if old.iter().any(Value::is_null) {
                continue;
            }
            let width = fk.child_columns.len();
            let action = match action {
                ForeignKeyAction::NoAction if references_itself(fk) => {
                    // Checked at the end of the statement, as PostgreSQL
                    // checks NO ACTION: the rows that referenced this one
                    // may go in the same statement.
                    still_referenced.push((fk.clone(), old_row.to_vec()));
                    continue;
                }
                ForeignKeyAction::NoAction | ForeignKeyAction::Restrict => {
                    check_not_referenced(repo, fk, old_row)?;
                    continue;
                }
                ForeignKeyAction::Cascade => match new_row {
                    Some(n) => CascadeAction::Set(
                        fk.parent_columns
                            .iter()
                            .map(|&p| Some(n[p].clone()))
                            .collect(),
                    ),
                    None => CascadeAction::Delete,
                },
                ForeignKeyAction::SetNull => CascadeAction::Set(vec![Some(Value::Null); width]),
                ForeignKeyAction::SetDefault => CascadeAction::Set(vec![None; width]),
            };
            cascades.push(Cascade {
                child: fk.child.name().to_owned(),
                columns: fk.child_columns.clone(),
                old,
                action,
            });
        }
        if let Some(new_row) = new_row {
            let new_row = writer.conform(new_row.clone())?;
            writer.insert(&new_row)?;
            for fk in &plan.foreign_keys.outgoing {
                if references_itself(fk) {
                    deferred.push(new_row.clone());
                    break;
                }
                check_parent_exists(repo, fk, &new_row, Some(&writer))?;
            }
            output.splice(..width, new_row);
        }
        project(plan.returning.as_ref(), &output, &ctx, &mut returned_rows)?;
    }
    check_deferred(repo, &plan.foreign_keys.outgoing, &deferred, &writer)?;
    let object = writer.finish()?;
    for (mut fk, old_row) in still_referenced {
        fk.child = Table::new(fk.child.schema.clone(), object.clone());
        check_not_referenced(repo, &fk, &old_row)?;
    }
    let count = changes.len() as u64;
    Ok((
        object,
        returned(plan.returning.as_ref(), count, returned_rows),
        cascades,
    ))
}
