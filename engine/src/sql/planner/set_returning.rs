//! Set-returning functions (`unnest`, `generate_series`,
//! `generate_subscripts`, `pg_partition_ancestors`): called in FROM, or at
//! the top of a select list item.
//!
//! A call is bound as a scalar function that returns its rows as an array;
//! an [`Plan::Unnest`] node above it turns the array into rows. In FROM the
//! call sits in a one-row `Values` (its arguments may read the enclosing
//! query's row, as `pg_partition_ancestors(t.tgrelid)` does); in a select
//! list it is a column of the projection, and the rows of all such columns
//! are expanded in step, as PostgreSQL does since version 10.

use arbor_schema::DataType;
use sqlparser::ast;

use arbor_schema::Value;

use super::expr::{BinaryOp, Expr};
use super::plan::Plan;
use super::scope::{Scope, ScopeColumn};
use super::{Binder, ident, types};
use crate::error::{Error, Result};

/// Whether `name` names a set-returning function.
pub(super) fn is_set_returning_name(name: &str) -> bool {
    super::super::functions::SET_RETURNING.contains(&name)
}

/// Set-returning functions with two columns, called only in FROM:
/// `jsonb_each(j)` and `jsonb_each_text(j)`, a row (`key`, `value`) for
/// each member of an object.
pub(super) fn is_pair_returning_name(name: &str) -> bool {
    matches!(
        name,
        "jsonb_each" | "jsonb_each_text" | "json_each" | "json_each_text"
    )
}

/// Whether `e` is a call of a set-returning function.
pub(super) fn is_set_returning_call(e: &ast::Expr) -> bool {
    match e {
        ast::Expr::Function(f) => {
            super::object_name(&f.name).is_ok_and(|n| is_set_returning_name(&n))
        }
        _ => false,
    }
}

/// The type of the rows a set-returning call gives, from its arguments'
/// types (`None` where they do not tell).
pub(super) fn row_type(name: &str, args: &[Option<DataType>]) -> Option<DataType> {
    match name {
        "unnest" => match args.first()? {
            Some(DataType::Array(element) | DataType::Vector(element)) => Some(*element.clone()),
            _ => None,
        },
        "generate_series" => {
            if let Some(Some(t @ (DataType::Timestamp | DataType::TimestampTz | DataType::Date))) =
                args.first()
            {
                Some(match t {
                    DataType::Timestamp => DataType::Timestamp,
                    _ => DataType::TimestampTz,
                })
            } else if args.iter().flatten().any(|t| *t == DataType::BigInt) {
                Some(DataType::BigInt)
            } else {
                Some(DataType::Integer)
            }
        }
        "generate_subscripts" | "pg_partition_ancestors" => Some(DataType::Integer),
        "jsonb_array_elements" => Some(DataType::Jsonb),
        "json_array_elements" => Some(DataType::Json),
        "json_object_keys" | "json_array_elements_text" => Some(DataType::Text),
        "regexp_matches" => Some(DataType::Array(Box::new(DataType::Text))),
        "jsonb_array_elements_text"
        | "jsonb_object_keys"
        | "regexp_split_to_table"
        | "string_to_table" => Some(DataType::Text),
        _ => None,
    }
}

impl Binder<'_> {
    /// A set-returning function in FROM: `generate_series(1, 3) AS s`,
    /// `unnest(a) WITH ORDINALITY AS u(x, n)`. Without column aliases its
    /// column is named by the table alias, else by the function (and
    /// `ordinality`).
    pub(super) fn function_in_from(
        &self,
        name: &str,
        args: &[&ast::Expr],
        alias: Option<&ast::TableAlias>,
        ordinality: bool,
        outer: &[&Scope],
    ) -> Result<(Plan, Scope)> {
        let empty = Scope::new();
        let mut bound = Vec::new();
        for a in args {
            bound.push(self.expr(a, &empty, outer, None)?);
        }
        if name == "pg_options_to_table" {
            return Ok(options_table(bound, alias));
        }
        if is_pair_returning_name(name) {
            return Ok(members_table(name, bound, alias));
        }
        let arg_types: Vec<Option<DataType>> = bound
            .iter()
            .map(|a| types::static_type(a, &empty, outer))
            .collect();
        // `unnest(a, b, ...)`: the arrays side by side, one column each,
        // the shorter padded with NULLs (PostgreSQL's zip).
        if name == "unnest" && bound.len() > 1 {
            let width = bound.len();
            let qualifier = alias.map_or_else(|| name.to_owned(), |a| ident(&a.name));
            let column = |name: &str, data_type| ScopeColumn {
                table: Some(qualifier.clone()),
                name: name.to_owned(),
                hidden: false,
                qualified_only: false,
                data_type,
            };
            let mut columns: Vec<ScopeColumn> = arg_types
                .iter()
                .map(|t| match t {
                    Some(DataType::Array(element)) => column(name, Some(*element.clone())),
                    _ => column(name, None),
                })
                .collect();
            if ordinality {
                columns.push(column("ordinality", Some(DataType::BigInt)));
            }
            let calls = bound
                .into_iter()
                .map(|a| Expr::Function(name.to_owned(), vec![a]))
                .collect();
            let plan = Plan::Unnest {
                source: Box::new(Plan::Values {
                    rows: vec![calls],
                    width,
                }),
                columns: (0..width).collect(),
                ordinality,
            };
            return Ok((plan, Scope { columns }));
        }
        let call = Expr::Function(name.to_owned(), bound);
        let columns = function_columns(name, alias, ordinality, row_type(name, &arg_types));
        let plan = Plan::Unnest {
            source: Box::new(Plan::Values {
                rows: vec![vec![call]],
                width: 1,
            }),
            columns: vec![0],
            ordinality,
        };
        Ok((plan, Scope { columns }))
    }

    /// Binds a select list item that is a set-returning call.
    pub(super) fn set_returning_item(
        &self,
        e: &ast::Expr,
        scope: &Scope,
        outer: &[&Scope],
        grouping: Option<&mut super::Grouping>,
    ) -> Result<Expr> {
        self.set_returning_allowed.set(true);
        let bound = self.expr(e, scope, outer, grouping);
        self.set_returning_allowed.set(false);
        bound
    }
}

/// The columns of set-returning function `name` called in FROM: its rows'
/// column (named by the table alias, else by the function) and with
/// `ordinality` their numbers.
pub(super) fn function_columns(
    name: &str,
    alias: Option<&ast::TableAlias>,
    ordinality: bool,
    data_type: Option<DataType>,
) -> Vec<ScopeColumn> {
    let qualifier = alias.map_or_else(|| name.to_owned(), |a| ident(&a.name));
    let column = match alias {
        // These functions name their output column (an OUT parameter in
        // PostgreSQL); the alias alone still reads it (see `Scope::find`).
        _ if name.starts_with("jsonb_array_elements")
            || name.starts_with("json_array_elements") =>
        {
            "value".to_owned()
        }
        Some(a) if a.columns.is_empty() => ident(&a.name),
        _ => name.to_owned(),
    };
    let mut columns = vec![ScopeColumn {
        table: Some(qualifier.clone()),
        name: column,
        hidden: false,
        qualified_only: false,
        data_type,
    }];
    if ordinality {
        columns.push(ScopeColumn {
            table: Some(qualifier),
            name: "ordinality".into(),
            hidden: false,
            qualified_only: false,
            data_type: Some(DataType::BigInt),
        });
    }
    columns
}

/// `pg_options_to_table(options)`: each `name=value` string of the array
/// `options` as a row (`option_name`, `option_value`).
fn options_table(args: Vec<Expr>, alias: Option<&ast::TableAlias>) -> (Plan, Scope) {
    let options = args
        .into_iter()
        .next()
        .unwrap_or(Expr::Literal(Value::Null));
    let text = |s: &str| Expr::Literal(Value::Text(s.into()));
    let int = |i: i32| Expr::Literal(Value::Integer(i));
    // The array of options, expanded once; each option split in two.
    let name = Expr::Function(
        "split_part".into(),
        vec![Expr::Column(0), text("="), int(1)],
    );
    let after_equals = Expr::Binary(
        BinaryOp::Add,
        Box::new(Expr::Function(
            "strpos".into(),
            vec![Expr::Column(0), text("=")],
        )),
        Box::new(int(1)),
    );
    let value = Expr::Function("substr".into(), vec![Expr::Column(0), after_equals]);
    let plan = Plan::Project {
        source: Box::new(Plan::Unnest {
            source: Box::new(Plan::Values {
                rows: vec![vec![Expr::Function(
                    "pg_options_to_table".into(),
                    vec![options],
                )]],
                width: 1,
            }),
            columns: vec![0],
            ordinality: false,
        }),
        exprs: vec![name, value],
    };
    let qualifier = alias.map_or_else(|| "pg_options_to_table".to_owned(), |a| ident(&a.name));
    let columns = ["option_name", "option_value"]
        .into_iter()
        .map(|c| ScopeColumn {
            table: Some(qualifier.clone()),
            name: c.into(),
            hidden: false,
            qualified_only: false,
            data_type: Some(DataType::Text),
        })
        .collect();
    (plan, Scope { columns })
}

/// `jsonb_each(j)` / `jsonb_each_text(j)`: the keys of `j` expanded, each
/// beside `j` itself, then the member read by key (`->` or `->>`).
fn members_table(name: &str, args: Vec<Expr>, alias: Option<&ast::TableAlias>) -> (Plan, Scope) {
    // json keeps repeated keys and its text: its pairs come whole, as
    // `[key, value]`, each split in two.
    let json = name.starts_with("json_");
    if json {
        let pairs = Expr::Function(name.into(), args);
        let part = |i: i32| {
            Expr::Binary(
                BinaryOp::Subscript,
                Box::new(Expr::Column(0)),
                Box::new(Expr::Literal(Value::Integer(i))),
            )
        };
        let plan = Plan::Project {
            source: Box::new(Plan::Unnest {
                source: Box::new(Plan::Values {
                    rows: vec![vec![pairs]],
                    width: 1,
                }),
                columns: vec![0],
                ordinality: false,
            }),
            exprs: vec![part(1), part(2)],
        };
        let value_type = if name == "json_each_text" {
            DataType::Text
        } else {
            DataType::Json
        };
        return (plan, pair_columns(name, alias, value_type));
    }
    let document = Expr::Cast(
        Box::new(
            args.into_iter()
                .next()
                .unwrap_or(Expr::Literal(Value::Null)),
        ),
        DataType::Jsonb,
    );
    let as_text = name == "jsonb_each_text";
    let keys = Expr::Function("jsonb_object_keys".into(), vec![document.clone()]);
    let member = Expr::Binary(
        if as_text {
            BinaryOp::JsonGetText
        } else {
            BinaryOp::JsonGet
        },
        Box::new(Expr::Column(1)),
        Box::new(Expr::Column(0)),
    );
    let plan = Plan::Project {
        source: Box::new(Plan::Unnest {
            source: Box::new(Plan::Values {
                rows: vec![vec![keys, document]],
                width: 2,
            }),
            columns: vec![0],
            ordinality: false,
        }),
        exprs: vec![Expr::Column(0), member],
    };
    let value_type = if as_text {
        DataType::Text
    } else {
        DataType::Jsonb
    };
    (plan, pair_columns(name, alias, value_type))
}

/// The columns of a `*_each` function in FROM: `key` and `value` (or the
/// alias's names).
fn pair_columns(name: &str, alias: Option<&ast::TableAlias>, value_type: DataType) -> Scope {
    let qualifier = alias.map_or_else(|| name.to_owned(), |a| ident(&a.name));
    let names: Vec<String> = match alias {
        Some(a) if !a.columns.is_empty() => a.columns.iter().map(|c| ident(&c.name)).collect(),
        _ => vec!["key".into(), "value".into()],
    };
    let columns = [DataType::Text, value_type]
        .into_iter()
        .enumerate()
        .map(|(i, t)| ScopeColumn {
            table: Some(qualifier.clone()),
            name: names
                .get(i)
                .cloned()
                .unwrap_or_else(|| ["key", "value"][i].into()),
            hidden: false,
            qualified_only: false,
            data_type: Some(t),
        })
        .collect();
    Scope { columns }
}

/// `generate_subscripts(v, dimension)` of an `int2vector` or `oidvector`,
/// whose subscripts count from 0 (PostgreSQL's lower bound for them):
/// `generate_series(0, cardinality(v) - 1)` for the first dimension.
pub(super) fn vector_subscripts(vector: Expr, dimension: Expr) -> Expr {
    let last = Expr::Binary(
        BinaryOp::Subtract,
        Box::new(Expr::Function("cardinality".into(), vec![vector])),
        Box::new(Expr::Literal(Value::Integer(1))),
    );
    let first_dimension = Expr::Binary(
        BinaryOp::Eq,
        Box::new(dimension),
        Box::new(Expr::Literal(Value::Integer(1))),
    );
    let last = Expr::Case {
        operand: None,
        branches: vec![(first_dimension, last)],
        otherwise: Some(Box::new(Expr::Literal(Value::Integer(-1)))),
    };
    Expr::Function(
        "generate_series".into(),
        vec![Expr::Literal(Value::Integer(0)), last],
    )
}

/// The arguments of a call in FROM, which must be plain expressions.
pub(super) fn table_function_args(args: &ast::TableFunctionArgs) -> Result<Vec<&ast::Expr>> {
    args.args
        .iter()
        .map(|a| match a {
            ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => Ok(e),
            _ => Err(Error::unsupported("named arguments of a table function")),
        })
        .collect()
}
