//! Enum types: `CREATE TYPE name AS ENUM (...)`, `ALTER TYPE` (`ADD
//! VALUE`, `RENAME VALUE`, `RENAME TO`) and `DROP TYPE`.
//!
//! The catalog keeps each type as its `CREATE TYPE` text by name, so it
//! commits, diffs and merges with the schema as functions and views do. A
//! column of an enum type carries the type's labels in its table's schema
//! ([`DataType::Enum`]), so a table reads its values without the catalog:
//! a value is stored as its label's position. `ALTER TYPE` therefore
//! rewrites the schemas of the tables that use the type, never their rows,
//! which is why labels are only added at the end or renamed (a label added
//! `BEFORE` another would move the positions already stored: refused).

use std::sync::Arc;

use arbor_schema::{DataType, EnumType};
use sqlparser::ast;

use arbor_schema::Value;

use super::expr::Expr;
use super::scope::Scope;
use super::{Binder, Statement, data_type_in, ident, object_name, types};
use crate::error::{Error, Result, SqlState};
use crate::sql::parser;

/// The `CREATE TYPE` statement the catalog keeps for `e`.
pub(crate) fn enum_definition(e: &EnumType) -> String {
    let labels: Vec<String> = e
        .labels
        .iter()
        .map(|l| format!("'{}'", l.replace('\'', "''")))
        .collect();
    format!(
        "CREATE TYPE {} AS ENUM ({})",
        arbor_schema::sql_text::quote_identifier_if_needed(&e.name),
        labels.join(", ")
    )
}

/// The enum type a stored `CREATE TYPE` statement defines.
pub(crate) fn enum_from_definition(sql: &str) -> Result<EnumType> {
    match parser::parse(sql)?.as_slice() {
        [
            ast::Statement::CreateType {
                name,
                representation: Some(ast::UserDefinedTypeRepresentation::Enum { labels }),
            },
        ] => Ok(EnumType {
            name: object_name(name)?,
            labels: labels.iter().map(|l| l.value.clone()).collect(),
        }),
        _ => Err(Error::new(
            SqlState::DataCorrupted,
            format!("a stored type is not an enum type: {sql}"),
        )),
    }
}

/// The type named `name` among a catalog's `types` (name to `CREATE TYPE`
/// text), if there is one.
pub(crate) fn type_in(
    types: &std::collections::BTreeMap<String, String>,
    name: &str,
) -> Option<DataType> {
    let definition = types.get(name)?;
    enum_from_definition(definition)
        .ok()
        .map(|e| DataType::Enum(Arc::new(e)))
}

/// `t` with every use of enum type `old_name` (a column's type, an array's
/// element) made `new`.
pub(crate) fn replace_enum(t: &DataType, old_name: &str, new: &Arc<EnumType>) -> Option<DataType> {
    match t {
        DataType::Enum(e) if e.name == old_name => Some(DataType::Enum(new.clone())),
        DataType::Array(element) => {
            replace_enum(element, old_name, new).map(|e| DataType::Array(Box::new(e)))
        }
        _ => None,
    }
}

/// Whether `t` uses enum type `name`.
pub(crate) fn uses_enum(t: &DataType, name: &str) -> bool {
    match t {
        DataType::Enum(e) => e.name == name,
        DataType::Array(element) => uses_enum(element, name),
        _ => false,
    }
}

/// PostgreSQL's longest enum label, in bytes.
const MAX_LABEL: usize = 63;

fn check_label(label: &str) -> Result<()> {
    if label.len() > MAX_LABEL {
        return Err(Error::new(
            SqlState::InvalidParameterValue,
            format!("invalid enum label \"{label}\""),
        )
        .with_detail(format!("Labels must be {MAX_LABEL} bytes or less.")));
    }
    Ok(())
}

/// The functions of enum types.
pub(super) const ENUM_FUNCTIONS: &[&str] = &["enum_first", "enum_last", "enum_range"];

impl Binder<'_> {
    /// `enum_first(x)`, `enum_last(x)`, `enum_range(x)` (what the type of
    /// `x` has: constants) and `enum_range(lo, hi)` (the labels between two
    /// values, either end NULL for open; computed per row, the type carried
    /// as a first argument).
    pub(super) fn enum_call(
        &self,
        name: &str,
        args: &[&ast::Expr],
        scope: &Scope,
        outer: &[&Scope],
    ) -> Result<Expr> {
        let mut bound = Vec::new();
        let mut enum_type: Option<Arc<EnumType>> = None;
        let mut fits = matches!((name, args.len()), (_, 1) | ("enum_range", 2));
        for a in args {
            let b = self.expr(a, scope, outer, None)?;
            match types::static_type(&b, scope, outer) {
                Some(DataType::Enum(e)) => {
                    fits &= enum_type.as_ref().is_none_or(|t| *t == e);
                    enum_type = Some(e);
                }
                Some(_) => fits = false,
                None => {}
            }
            bound.push(b);
        }
        if !fits {
            return Err(self.no_such_function(name, args, scope, outer)?);
        }
        let Some(e) = enum_type else {
            return Err(Error::new(
                SqlState::DatatypeMismatch,
                "could not determine polymorphic type because input has type unknown",
            ));
        };
        let value = |position: usize| match u32::try_from(position) {
            Ok(p) => Value::Enum(e.clone(), p),
            Err(_) => Value::Null,
        };
        let last = e.labels.len().checked_sub(1);
        Ok(match (name, bound.len()) {
            ("enum_first", _) => Expr::Literal(if last.is_some() {
                value(0)
            } else {
                Value::Null
            }),
            ("enum_last", _) => Expr::Literal(last.map_or(Value::Null, value)),
            (_, 1) => Expr::Literal(Value::Array((0..e.labels.len()).map(value).collect())),
            _ => {
                let mut call = vec![Expr::Literal(Value::Enum(e.clone(), 0))];
                call.extend(bound);
                Expr::Function("enum_range".into(), call)
            }
        })
    }

    /// The catalog's type named `name`, if there is one.
    pub(super) fn user_type(&self, name: &str) -> Option<DataType> {
        let definition = self.catalog.user_type(name)?;
        enum_from_definition(&definition)
            .ok()
            .map(|e| DataType::Enum(Arc::new(e)))
    }

    /// A type as written, the catalog's own types included.
    pub(super) fn resolve_type(&self, t: &ast::DataType) -> Result<DataType> {
        data_type_in(t, &|name| self.user_type(name))
    }

    /// The enum type named `name`, or PostgreSQL's error.
    fn enum_type(&self, name: &str) -> Result<EnumType> {
        match self.user_type(name) {
            Some(DataType::Enum(e)) => Ok((*e).clone()),
            _ => Err(Error::new(
                SqlState::UndefinedObject,
                format!("type \"{name}\" does not exist"),
            )),
        }
    }

    /// `CREATE TYPE name AS ENUM (...)`.
    pub(super) fn create_type(
        &self,
        name: &ast::ObjectName,
        representation: Option<&ast::UserDefinedTypeRepresentation>,
    ) -> Result<Statement> {
        let name = object_name(name)?;
        let labels = match representation {
            Some(ast::UserDefinedTypeRepresentation::Enum { labels }) => labels,
            Some(ast::UserDefinedTypeRepresentation::Composite { .. }) => {
                return Err(Error::unsupported("composite types"));
            }
            _ => return Err(Error::unsupported("this kind of CREATE TYPE")),
        };
        if self.user_type(&name).is_some()
            || super::data_type(&ast::DataType::Custom(
                ast::ObjectName::from(vec![ast::Ident::new(name.clone())]),
                vec![],
            ))
            .is_ok()
            || self.catalog.table(&name)?.is_some()
        {
            return Err(Error::new(
                SqlState::DuplicateObject,
                format!("type \"{name}\" already exists"),
            ));
        }
        let mut e = EnumType {
            name,
            labels: Vec::new(),
        };
        for label in labels {
            check_label(&label.value)?;
            if e.position(&label.value).is_some() {
                return Err(Error::new(
                    SqlState::UniqueViolation,
                    format!("enum label \"{}\" used more than once", label.value),
                ));
            }
            e.labels.push(label.value.clone());
        }
        Ok(Statement::CreateType {
            name: e.name.clone(),
            definition: enum_definition(&e),
        })
    }

    /// `ALTER TYPE name ADD VALUE`, `RENAME VALUE` or `RENAME TO`: the
    /// type as it becomes.
    pub(super) fn alter_type(&self, a: &ast::AlterType) -> Result<Statement> {
        let name = object_name(&a.name)?;
        let mut e = self.enum_type(&name)?;
        let mut notice = None;
        match &a.operation {
            ast::AlterTypeOperation::AddValue(add) => {
                let label = &add.value.value;
                check_label(label)?;
                if e.position(label).is_some() {
                    if !add.if_not_exists {
                        return Err(Error::new(
                            SqlState::DuplicateObject,
                            format!("enum label \"{label}\" already exists"),
                        ));
                    }
                    notice = Some(format!("enum label \"{label}\" already exists, skipping"));
                } else if add.position.is_some() {
                    return Err(Error::unsupported("ADD VALUE ... BEFORE or AFTER")
                        .with_hint(
                            "Arbor stores an enum value as its label's position, so labels are added at the end.",
                        ));
                } else {
                    e.labels.push(label.clone());
                }
            }
            ast::AlterTypeOperation::RenameValue(r) => {
                let Some(position) = e.position(&r.from.value) else {
                    return Err(Error::new(
                        SqlState::InvalidParameterValue,
                        format!("\"{}\" is not an existing enum label", r.from.value),
                    ));
                };
                check_label(&r.to.value)?;
                if e.position(&r.to.value).is_some() {
                    return Err(Error::new(
                        SqlState::DuplicateObject,
                        format!("enum label \"{}\" already exists", r.to.value),
                    ));
                }
                e.labels[position as usize] = r.to.value.clone();
            }
            ast::AlterTypeOperation::Rename(r) => {
                let new_name = ident(&r.new_name);
                if self.user_type(&new_name).is_some() || self.catalog.table(&new_name)?.is_some() {
                    return Err(Error::new(
                        SqlState::DuplicateObject,
                        format!("type \"{new_name}\" already exists"),
                    ));
                }
                e.name = new_name;
            }
        }
        Ok(Statement::AlterType {
            name,
            definition: enum_definition(&e),
            notice,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definitions_read_back_with_quotes_and_odd_names() {
        let e = EnumType {
            name: "Mood Type".into(),
            labels: vec!["it's".into(), "ok".into(), "".into()],
        };
        let sql = enum_definition(&e);
        assert_eq!(sql, "CREATE TYPE \"Mood Type\" AS ENUM ('it''s', 'ok', '')");
        assert_eq!(enum_from_definition(&sql).unwrap(), e);
    }

    #[test]
    fn replacing_reaches_array_elements() {
        let old = Arc::new(EnumType {
            name: "m".into(),
            labels: vec!["a".into()],
        });
        let new = Arc::new(EnumType {
            name: "m".into(),
            labels: vec!["a".into(), "b".into()],
        });
        let array = DataType::Array(Box::new(DataType::Enum(old)));
        assert_eq!(
            replace_enum(&array, "m", &new),
            Some(DataType::Array(Box::new(DataType::Enum(new.clone()))))
        );
        assert!(uses_enum(&array, "m"));
        assert_eq!(replace_enum(&DataType::Text, "m", &new), None);
    }
}
