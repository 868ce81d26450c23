//! A boolean SQL expression over named columns, compiled once and tested
//! on many rows: `arbor diff --where "to_price > from_price * 2"`.

use arbor_schema::Value;

use super::eval::{EvalContext, eval, truth};
use super::planner::{bind_row_expression, expr::Expr, sql_expression};
use crate::error::Result;

/// A compiled predicate.
#[derive(Debug, Clone)]
pub struct RowPredicate {
    expr: Expr,
}

impl RowPredicate {
    /// Compiles `text` over rows with `columns` (by name, in order).
    pub fn compile(text: &str, columns: &[String]) -> Result<RowPredicate> {
        Ok(RowPredicate {
            expr: bind_row_expression(text, columns)?,
        })
    }

    /// Checks that `text` parses as one expression, when there are no
    /// columns to compile it against yet.
    pub fn check_syntax(text: &str) -> Result<()> {
        sql_expression(text).map(|_| ())
    }

    /// Whether `row` satisfies it (NULL counts as no).
    pub fn test(&self, row: &[Value]) -> Result<bool> {
        Ok(truth(&eval(&self.expr, row, &EvalContext::default())?)? == Some(true))
    }
}
