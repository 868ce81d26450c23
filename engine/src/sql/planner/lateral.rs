//! LATERAL: a FROM item that reads the items before it. `FROM t, LATERAL
//! (SELECT ... t.a ...) s` and a set-returning function whose arguments
//! read an earlier item (`FROM t, jsonb_array_elements(t.doc) e`, lateral
//! without the keyword, as in PostgreSQL) give, for each row on the left,
//! the rows the item gives for it.
//!
//! The plan needs no node of its own: each left row is extended with the
//! item's rows computed for it (a function call over the row's columns, or
//! a correlated subquery whose rows come back as an array of arrays), and
//! an `Unnest` expands them; for a subquery a projection then takes each
//! of its columns out of the row's array. A LEFT JOIN LATERAL keeps a left
//! row the item gives no rows for, with NULLs.

use arbor_schema::Value;
use sqlparser::ast;

use super::expr::{BinaryOp, Expr, Subquery, SubqueryKind};
use super::plan::{JoinKind, Plan};
use super::scope::Scope;
use super::set_returning::{
    function_columns, is_set_returning_name, row_type, table_function_args,
};
use super::{Binder, ident, object_name, rename_by_alias, types};
use crate::error::{Error, Result};

/// A joined plan and its scope, or the left side given back untouched.
type Joined = std::result::Result<(Plan, Scope), (Plan, Scope)>;

impl Binder<'_> {
    /// `left` joined (`kind`) with `factor` if the factor is lateral: a
    /// LATERAL subquery, or a set-returning call that reads `left`'s
    /// columns. Otherwise `left` comes back for an ordinary join.
    pub(super) fn lateral(
        &self,
        left: Plan,
        left_scope: Scope,
        factor: &ast::TableFactor,
        kind: JoinKind,
        outer: &[&Scope],
    ) -> Result<Joined> {
        match factor {
            ast::TableFactor::Derived {
                lateral: true,
                subquery,
                alias,
                ..
            } => {
                if !matches!(kind, JoinKind::Inner | JoinKind::Left) {
                    return Err(Error::unsupported("a RIGHT or FULL JOIN LATERAL"));
                }
                self.lateral_subquery(left, left_scope, subquery, alias.as_ref(), kind, outer)
                    .map(Ok)
            }
            ast::TableFactor::Table {
                name,
                alias,
                args: Some(args),
                with_ordinality,
                ..
            } if is_set_returning_name(&object_name(name)?) => {
                let function = object_name(name)?;
                let args = table_function_args(args)?;
                // Bound with the left side as the enclosing row: a call
                // that reads none of it is an ordinary function in FROM.
                let mut scopes = outer.to_vec();
                scopes.push(&left_scope);
                let empty = Scope::new();
                let mut reads_left = false;
                for a in &args {
                    let bound = self.expr(a, &empty, &scopes, None)?;
                    bound.walk(&mut |e| {
                        if matches!(e, Expr::Outer { depth: 1, .. }) {
                            reads_left = true;
                        }
                    });
                }
                if !reads_left {
                    return Ok(Err((left, left_scope)));
                }
                if kind != JoinKind::Inner {
                    return Err(Error::unsupported(
                        "an outer join with a set-returning function that reads the left side",
                    ));
                }
                let mut bound = Vec::new();
                for a in &args {
                    bound.push(self.expr(a, &left_scope, outer, None)?);
                }
                let arg_types: Vec<_> = bound
                    .iter()
                    .map(|a| types::static_type(a, &left_scope, outer))
                    .collect();
                let width = left_scope.len();
                let mut exprs: Vec<Expr> = (0..width).map(Expr::Column).collect();
                exprs.push(Expr::Function(function.clone(), bound));
                let plan = Plan::Unnest {
                    source: Box::new(Plan::Project {
                        source: Box::new(left),
                        exprs,
                    }),
                    columns: vec![width],
                    ordinality: *with_ordinality,
                };
                let mut right = Scope {
                    columns: function_columns(
                        &function,
                        alias.as_ref(),
                        *with_ordinality,
                        row_type(&function, &arg_types),
                    ),
                };
                if let Some(alias) = alias {
                    rename_by_alias(&mut right, alias)?;
                }
                Ok(Ok((plan, left_scope.join(&right))))
            }
            _ => Ok(Err((left, left_scope))),
        }
    }

    fn lateral_subquery(
        &self,
        left: Plan,
        left_scope: Scope,
        query: &ast::Query,
        alias: Option<&ast::TableAlias>,
        kind: JoinKind,
        outer: &[&Scope],
    ) -> Result<(Plan, Scope)> {
        let mut scopes = outer.to_vec();
        scopes.push(&left_scope);
        let (plan, mut right) = self.query(query, &scopes)?;
        if let Some(alias) = alias {
            right.requalify(&ident(&alias.name));
            rename_by_alias(&mut right, alias)?;
        }
        let n = right.len();
        let rows = Expr::Subquery(Box::new(Subquery {
            kind: SubqueryKind::Rows {
                nulls_if_none: (kind == JoinKind::Left).then_some(n),
            },
            plan,
            correlated: true,
            data_type: None,
        }));
        let width = left_scope.len();
        let mut exprs: Vec<Expr> = (0..width).map(Expr::Column).collect();
        exprs.push(rows);
        let expanded = Plan::Unnest {
            source: Box::new(Plan::Project {
                source: Box::new(left),
                exprs,
            }),
            columns: vec![width],
            ordinality: false,
        };
        // Each of the subquery's columns out of its row's array.
        let mut exprs: Vec<Expr> = (0..width).map(Expr::Column).collect();
        for k in 0..n {
            exprs.push(Expr::Binary(
                BinaryOp::Subscript,
                Box::new(Expr::Column(width)),
                Box::new(Expr::Literal(Value::Integer(k as i32 + 1))),
            ));
        }
        let plan = Plan::Project {
            source: Box::new(expanded),
            exprs,
        };
        Ok((plan, left_scope.join(&right)))
    }
}
