//! Constant folding: each part of an expression that reads no row, no
//! parameter and nothing that changes between executions (`1 + 2`,
//! `upper('a')`, `'5'::int`) is computed once, when the statement is
//! planned, instead of once per row.
//!
//! As in PostgreSQL, a constant part that fails fails the statement when
//! it is planned, whether or not a row would have reached it: `SELECT 1/0
//! FROM t WHERE false` is a division by zero. PostgreSQL's order is kept
//! where it decides which errors surface: an AND stops at the first
//! argument that folds to false (an OR at true), and a CASE drops the
//! branches after a condition that folds to true and never folds those
//! whose condition folds to false.
//!
//! Only immutable operations fold: never a function whose result depends
//! on the time, the session, the data or a sequence, and never a cast to
//! or from a date or time type (`'now'::date`, a time zone's rules). A
//! strict operation (NULL in, NULL out) with a NULL argument is NULL
//! whatever its other arguments read, as PostgreSQL simplifies it.
//!
//! A filter or an inner join condition that folds to false or NULL, and a
//! `LIMIT 0`, leave no rows: the part of the plan below them is not run
//! (PostgreSQL's one-time filter), so nothing there can fail.

use arbor_schema::{DataType, Value};

use super::expr::{BinaryOp, Expr};
use super::plan::{JoinKind, Plan};
use crate::error::Result;
use crate::sql::eval::{EvalContext, eval};
use crate::sql::functions;

/// `plan` with every constant part of its expressions (and its inputs')
/// computed; the first constant part that fails is the error.
pub fn fold_plan(plan: Plan) -> Result<Plan> {
    let mut failed = None;
    let mut plan = plan.map_inputs(&mut |input| match fold_plan(input) {
        Ok(folded) => folded,
        Err(e) => {
            failed.get_or_insert(e);
            Plan::Values {
                rows: Vec::new(),
                width: 0,
            }
        }
    });
    if let Some(e) = failed {
        return Err(e);
    }
    plan.try_for_each_expr(&mut |e| {
        let taken = std::mem::replace(e, Expr::Literal(Value::Null));
        *e = fold(taken)?;
        Ok(())
    })?;
    Ok(without_rows_if_never(plan))
}

/// Whether a condition never holds: it is false or NULL, or one of its
/// AND-ed terms is.
fn never(e: &Expr) -> bool {
    match e {
        Expr::Literal(v) => matches!(v, Value::Boolean(false) | Value::Null),
        Expr::Binary(BinaryOp::And, l, r) => never(l) || never(r),
        _ => false,
    }
}

/// No rows (of `plan`'s width) in place of a plan whose filter, inner join
/// condition or limit lets none through.
fn without_rows_if_never(plan: Plan) -> Plan {
    let none = match &plan {
        Plan::Filter { predicate, .. } => never(predicate),
        Plan::Scan {
            filter: Some(filter),
            ..
        } => never(filter),
        Plan::NestedLoopJoin {
            kind: JoinKind::Inner,
            on: Some(on),
            ..
        } => never(on),
        Plan::Limit {
            limit: Some(Expr::Literal(limit)),
            ..
        } => limit.as_i64() == Some(0),
        _ => false,
    };
    if none {
        Plan::Values {
            rows: Vec::new(),
            width: plan.width(),
        }
    } else {
        plan
    }
}

/// `e` with its constant parts computed.
pub fn fold(e: Expr) -> Result<Expr> {
    match e {
        Expr::Binary(op @ (BinaryOp::And | BinaryOp::Or), l, r) => {
            // FALSE decides an AND, TRUE an OR: what follows is not folded.
            let decides = Value::Boolean(op == BinaryOp::Or);
            let l = fold(*l)?;
            if l == Expr::Literal(decides.clone()) {
                return Ok(l);
            }
            let r = fold(*r)?;
            if r == Expr::Literal(decides.clone()) {
                return Ok(r);
            }
            computed(Expr::Binary(op, Box::new(l), Box::new(r)))
        }
        Expr::Case {
            operand: None,
            branches,
            otherwise,
        } => {
            let mut kept = Vec::new();
            for (condition, result) in branches {
                match fold(condition)? {
                    Expr::Literal(Value::Boolean(true)) => {
                        let result = fold(result)?;
                        if kept.is_empty() {
                            return Ok(result);
                        }
                        return Ok(Expr::Case {
                            operand: None,
                            branches: kept,
                            otherwise: Some(Box::new(result)),
                        });
                    }
                    Expr::Literal(Value::Boolean(false) | Value::Null) => {}
                    condition => kept.push((condition, fold(result)?)),
                }
            }
            let otherwise = otherwise.map(|o| fold(*o)).transpose()?;
            if kept.is_empty() {
                return Ok(otherwise.unwrap_or(Expr::Literal(Value::Null)));
            }
            Ok(Expr::Case {
                operand: None,
                branches: kept,
                otherwise: otherwise.map(Box::new),
            })
        }
        // A subquery's plan was folded when it was planned.
        e @ Expr::Subquery(_) => Ok(e),
        other => computed(other.try_map_children(&mut fold)?),
    }
}

/// `e` computed if it is an immutable operation on literals (NULL if it
/// is strict and one is NULL), else as it is.
fn computed(e: Expr) -> Result<Expr> {
    if strict(&e) && has_null_child(&e) {
        return Ok(Expr::Literal(Value::Null));
    }
    if !immutable(&e) || !reads_only_literals(&e) {
        return Ok(e);
    }
    Ok(Expr::Literal(eval(&e, &[], &EvalContext::default())?))
}

/// Whether `e`'s own operation gives the same result every time for the
/// same arguments.
fn immutable(e: &Expr) -> bool {
    match e {
        Expr::Unary(..)
        | Expr::Binary(..)
        | Expr::IsNull(..)
        | Expr::IsDistinctFrom(..)
        | Expr::Between { .. }
        | Expr::Like { .. }
        | Expr::Case { .. }
        | Expr::InList { .. } => true,
        Expr::Cast(inner, to) => {
            !is_time(to)
                && !matches!(**inner, Expr::Literal(ref v) if v.data_type().as_ref().is_some_and(is_time))
        }
        Expr::Function(name, _) => functions::is_immutable(name),
        _ => false,
    }
}

/// Whether `e`'s own operation gives NULL whenever an argument is NULL.
fn strict(e: &Expr) -> bool {
    match e {
        Expr::Unary(..) | Expr::Cast(..) | Expr::Like { .. } => true,
        // `||` may append NULL to an array.
        Expr::Binary(op, ..) => !matches!(op, BinaryOp::And | BinaryOp::Or | BinaryOp::Concat),
        Expr::Function(name, _) => functions::is_strict(name),
        _ => false,
    }
}

/// Whether a direct child of `e` is a NULL literal.
fn has_null_child(e: &Expr) -> bool {
    let mut null = false;
    e.for_each_child(&mut |c| null |= matches!(c, Expr::Literal(Value::Null)));
    null
}

fn is_time(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Date | DataType::Time | DataType::Timestamp | DataType::TimestampTz
    )
}

/// Whether every direct child of `e` is a literal.
fn reads_only_literals(e: &Expr) -> bool {
    let mut all = true;
    e.for_each_child(&mut |c| all &= matches!(c, Expr::Literal(_)));
    all
}
