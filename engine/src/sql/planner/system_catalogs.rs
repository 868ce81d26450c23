//! Binding what clients send to learn a database's shape: the tables of
//! `pg_catalog` and `information_schema` (built by [`pg_catalog`] from the
//! catalog the statement is planned on), the catalog functions
//! (`pg_get_indexdef`, `pg_get_expr`, `pg_table_is_visible`, ...), the
//! session functions (`current_database()`, `current_user`), and casts to
//! `regclass` and `regtype`.
//!
//! Functions that read the catalog are bound once, here, into expressions
//! that need nothing at run time: a lookup by OID becomes a `CASE` over the
//! catalog's objects, a session function a constant.

use std::rc::Rc;

use arbor_schema::{DataType, Value};
use sqlparser::ast;

use super::expr::BinaryOp;
use super::expr::Expr;
use super::plan::Plan;
use super::scope::{Scope, ScopeColumn};
use super::{Binder, ident};
use crate::error::{Error, Result, SqlState};
use crate::sql::pg_catalog::Objects;

/// Functions answered with a constant whatever their arguments: visibility
/// and privilege checks (everything is visible to and usable by the one
/// user), comments and features Arbor does not have.
const CONSTANT_FUNCTIONS: &[&str] = &[
    "pg_table_is_visible",
    "pg_type_is_visible",
    "pg_function_is_visible",
    "pg_collation_is_visible",
    "has_table_privilege",
    "has_schema_privilege",
    "has_database_privilege",
    "has_column_privilege",
    "has_sequence_privilege",
    "pg_relation_is_publishable",
    "pg_is_in_recovery",
    "acldefault",
    "obj_description",
    "col_description",
    "shobj_description",
    "pg_get_statisticsobjdef_columns",
    "pg_get_triggerdef",
    "pg_get_serial_sequence",
    "pg_get_userbyid",
    "pg_encoding_to_char",
    "current_database",
    "current_user",
    "session_user",
    "current_catalog",
];

/// Functions that return an object's definition by OID.
const DEFINITION_FUNCTIONS: &[&str] = &[
    "pg_get_indexdef",
    "pg_get_constraintdef",
    "pg_get_viewdef",
    "pg_get_function_result",
    "pg_get_function_arguments",
    "pg_get_function_identity_arguments",
];

/// Whether `name` is a function this module binds.
pub(super) fn is_catalog_function(name: &str) -> bool {
    CONSTANT_FUNCTIONS.contains(&name)
        || DEFINITION_FUNCTIONS.contains(&name)
        || name == "pg_get_expr"
}

/// The relation types a cast can name objects by.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum RegType {
    /// `regclass`: a table, view or index.
    Class,
    /// `regtype`: a type.
    Type,
    /// `regnamespace`: a schema.
    Namespace,
}

impl RegType {
    /// The reg* type `t` is, if it is one.
    pub(super) fn of(t: &ast::DataType) -> Option<RegType> {
        match t {
            ast::DataType::Regclass => Some(RegType::Class),
            ast::DataType::Custom(name, _) => match super::object_name(name).ok()?.as_str() {
                "regclass" => Some(RegType::Class),
                "regtype" => Some(RegType::Type),
                "regnamespace" => Some(RegType::Namespace),
                _ => None,
            },
            _ => None,
        }
    }
}

impl Binder<'_> {
    /// The system catalogs' view of the catalog this statement is planned
    /// on, built the first time a statement asks.
    pub(super) fn objects(&self) -> Result<Rc<Objects>> {
        if let Some(o) = self.objects.get() {
            return Ok(o.clone());
        }
        let mut tables = Vec::new();
        for name in self.catalog.table_names() {
            if let Some(t) = self.catalog.table(&name)? {
                tables.push(t.schema.clone());
            }
        }
        let mut views = Vec::new();
        for name in self.catalog.view_names() {
            let Some(sql) = self.catalog.view(&name) else {
                continue;
            };
            let columns = match super::super::parser::parse(&sql)?.first() {
                Some(ast::Statement::Query(q)) => {
                    let (_, scope) = self.query(q, &[])?;
                    scope
                        .columns
                        .iter()
                        .filter(|c| !c.hidden)
                        .map(|c| {
                            (
                                c.name.clone(),
                                c.data_type.clone().unwrap_or(DataType::Text),
                            )
                        })
                        .collect()
                }
                _ => Vec::new(),
            };
            views.push((name, sql, columns));
        }
        let who = self.catalog.connected_as();
        let mut objects = Objects::new(
            who.database,
            who.user,
            tables,
            views,
            self.catalog.sequences()?,
            self.catalog.settings(),
        );
        objects.enums = self
            .catalog
            .user_types()
            .iter()
            .map(|(_, definition)| super::user_types::enum_from_definition(definition))
            .collect::<Result<_>>()?;
        objects.functions = self
            .catalog
            .functions()
            .iter()
            .map(|(_, definition)| {
                super::sql_functions::SqlFunction::from_definition(definition, &|n| {
                    self.user_type(n)
                })
                .map(|f| f.catalog_info())
            })
            .collect::<Result<_>>()?;
        objects.comments = self.comment_rows()?;
        let objects = Rc::new(objects);
        Ok(self.objects.get_or_init(|| objects).clone())
    }

    /// The catalog table `name` names, if it names one: `pg_catalog.x` and
    /// `information_schema.x` always do (or are an error), and so does a
    /// bare `pg_x` that is a catalog table, since PostgreSQL searches
    /// `pg_catalog` before any other schema (a table of the same name is
    /// then `public.pg_x`). Its rows become a `Values` plan with typed
    /// columns.
    pub(super) fn catalog_relation(
        &self,
        name: &ast::ObjectName,
        qualifier: Option<&str>,
    ) -> Result<Option<(Plan, Scope)>> {
        // The common case, a user's table: nothing to look up.
        if let [ast::ObjectNamePart::Identifier(only)] = name.0.as_slice()
            && !ident(only).starts_with("pg_")
        {
            return Ok(None);
        }
        let parts: Vec<String> = name
            .0
            .iter()
            .map(|p| match p {
                ast::ObjectNamePart::Identifier(i) => Ok(ident(i)),
                _ => Err(Error::syntax(format!("bad name {name}"))),
            })
            .collect::<Result<_>>()?;
        let (schema, relation) = match parts.as_slice() {
            [relation] => ("pg_catalog", relation.as_str()),
            [schema, relation] => match schema.as_str() {
                "pg_catalog" | "information_schema" => (schema.as_str(), relation.as_str()),
                "public" => return Ok(None),
                other => {
                    return Err(Error::new(
                        SqlState::InvalidSchemaName,
                        format!("schema \"{other}\" does not exist"),
                    ));
                }
            },
            _ => {
                return Err(Error::new(
                    SqlState::FeatureNotSupported,
                    format!("cross-database references are not implemented: {name}"),
                ));
            }
        };
        let Some(found) = self.objects()?.relation(schema, relation) else {
            if parts.len() == 1 {
                return Ok(None);
            }
            return Err(Error::new(
                SqlState::UndefinedTable,
                format!("relation \"{schema}.{relation}\" does not exist"),
            ));
        };
        let qualifier = qualifier.unwrap_or(relation);
        let width = found.columns.len();
        let scope = Scope {
            columns: found
                .columns
                .into_iter()
                .map(|(name, t)| ScopeColumn {
                    table: Some(qualifier.to_owned()),
                    name,
                    hidden: false,
                    qualified_only: false,
                    data_type: Some(t),
                })
                .collect(),
        };
        let rows = found
            .rows
            .into_iter()
            .map(|r| r.into_iter().map(Expr::Literal).collect())
            .collect();
        Ok(Some((Plan::Values { rows, width }, scope)))
    }

    /// Binds a call of a catalog or session function (see
    /// [`is_catalog_function`]) over the bound arguments `args`.
    pub(super) fn catalog_function(&self, name: &str, mut args: Vec<Expr>) -> Result<Expr> {
        let who = self.catalog.connected_as();
        let constant = |v: Value| Ok(Expr::Literal(v));
        match name {
            "current_database" | "current_catalog" => constant(Value::Text(who.database)),
            "current_user" | "session_user" | "pg_get_userbyid" => constant(Value::Text(who.user)),
            "pg_encoding_to_char" => constant(Value::Text("UTF8".into())),
            "pg_relation_is_publishable" | "pg_is_in_recovery" => constant(Value::Boolean(false)),
            // A comment by the object's OID (and, for a column, its number).
            "obj_description" if !args.is_empty() => {
                let entries: Vec<(Value, Value)> = self
                    .objects()?
                    .comments
                    .iter()
                    .filter(|c| c.2 == 0)
                    .map(|(o, _, _, text)| (Value::Integer(*o), Value::Text(text.clone())))
                    .collect();
                Ok(lookup(args.swap_remove(0), entries))
            }
            "col_description" if args.len() == 2 => {
                let wide = |e: Expr| Expr::Cast(Box::new(e), DataType::BigInt);
                let column = wide(args.swap_remove(1));
                let table = wide(args.swap_remove(0));
                let key = Expr::Binary(
                    BinaryOp::Add,
                    Box::new(Expr::Binary(
                        BinaryOp::Multiply,
                        Box::new(table),
                        Box::new(Expr::Literal(Value::BigInt(COLUMN_KEY_SPAN))),
                    )),
                    Box::new(column),
                );
                let entries: Vec<(Value, Value)> = self
                    .objects()?
                    .comments
                    .iter()
                    .filter(|c| c.2 != 0)
                    .map(|(o, _, n, text)| {
                        (
                            Value::BigInt(i64::from(*o) * COLUMN_KEY_SPAN + i64::from(*n)),
                            Value::Text(text.clone()),
                        )
                    })
                    .collect();
                Ok(lookup(key, entries))
            }
            "obj_description"
            | "acldefault"
            | "col_description"
            | "shobj_description"
            | "pg_get_statisticsobjdef_columns"
            | "pg_get_triggerdef"
            | "pg_get_serial_sequence" => constant(Value::Null),
            _ if CONSTANT_FUNCTIONS.contains(&name) => constant(Value::Boolean(true)),
            // An expression's text is kept as text (`pg_attrdef.adbin`).
            "pg_get_expr" => match args.len() {
                2 | 3 => Ok(args.swap_remove(0)),
                n => Err(super::super::functions::wrong_args(name, n)),
            },
            _ => {
                // pg_get_indexdef(oid [, column, pretty]) and its siblings.
                if args.is_empty() || args.len() > 3 {
                    return Err(super::super::functions::wrong_args(name, args.len()));
                }
                let index = name == "pg_get_indexdef";
                let pretty = if index { args.get(2) } else { args.get(1) }.cloned();
                let column = (index && args.len() > 1).then(|| args.remove(1));
                let oid = args.swap_remove(0);
                let objects = self.objects()?;
                let definitions = |pretty: bool| {
                    lookup(
                        oid.clone(),
                        objects
                            .definitions(name, pretty)
                            .into_iter()
                            .map(|(o, d)| (Value::Integer(o), Value::Text(d))),
                    )
                };
                let definition = match pretty {
                    None | Some(Expr::Literal(Value::Boolean(false) | Value::Null)) => {
                        definitions(false)
                    }
                    Some(Expr::Literal(Value::Boolean(true))) => definitions(true),
                    // Pretty or not is known only when the statement runs.
                    Some(pretty) => Expr::Case {
                        operand: None,
                        branches: vec![(pretty, definitions(true))],
                        otherwise: Some(Box::new(definitions(false))),
                    },
                };
                match column {
                    // pg_get_indexdef(index, n, ...) with n > 0: the
                    // definition of the index's n-th column alone.
                    Some(column) if column != Expr::Literal(Value::Integer(0)) => {
                        let columns = lookup(
                            oid,
                            objects
                                .index_columns()
                                .into_iter()
                                .map(|(o, c)| (Value::Integer(o), Value::Array(c))),
                        );
                        let nth = Expr::Binary(
                            BinaryOp::Subscript,
                            Box::new(columns),
                            Box::new(column.clone()),
                        );
                        Ok(Expr::Case {
                            operand: None,
                            branches: vec![(
                                Expr::Binary(
                                    BinaryOp::Eq,
                                    Box::new(column),
                                    Box::new(Expr::Literal(Value::Integer(0))),
                                ),
                                definition,
                            )],
                            otherwise: Some(Box::new(nth)),
                        })
                    }
                    _ => Ok(definition),
                }
            }
        }
    }

    /// `x::regclass` or `x::regtype`: a name (text) becomes its object's
    /// OID, an OID (integer) its object's name.
    pub(super) fn reg_cast(&self, x: Expr, x_type: Option<&DataType>, to: RegType) -> Result<Expr> {
        let names: Vec<(i32, String)> = match to {
            RegType::Class => self.objects()?.relation_names(),
            RegType::Namespace => self.objects()?.namespace_names(),
            RegType::Type => Vec::new(),
        };
        let by_oid = x_type.is_some_and(DataType::is_integer);
        match (to, by_oid, &x) {
            (RegType::Type, true, _) => self.format_type_call(vec![x, Expr::Literal(Value::Null)]),
            // An enum type of the catalog by its name, else a built-in one.
            (RegType::Type, false, Expr::Literal(Value::Text(name)))
                if self.user_type(name.trim()).is_some() =>
            {
                Ok(Expr::Literal(Value::Integer(
                    crate::sql::pg_catalog::enum_oid(name.trim()),
                )))
            }
            (RegType::Type, false, _) => Ok(Expr::Function("to_regtype".into(), vec![x])),
            // An OID shows as its object's name, or as itself if none has
            // it; 0, no object, shows as `-`.
            (_, true, _) => Ok(Expr::Case {
                operand: Some(Box::new(x.clone())),
                branches: std::iter::once((0, "-".to_owned()))
                    .chain(names)
                    .map(|(o, n)| {
                        (
                            Expr::Literal(Value::Integer(o)),
                            Expr::Literal(Value::Text(n)),
                        )
                    })
                    .collect(),
                otherwise: Some(Box::new(Expr::Cast(Box::new(x), DataType::Text))),
            }),
            (_, false, Expr::Literal(Value::Text(text))) => {
                let wanted = relation_name(text);
                if let Ok(oid) = wanted.parse::<i32>() {
                    return Ok(Expr::Literal(Value::Integer(oid)));
                }
                match names.iter().find(|(_, n)| *n == wanted) {
                    Some((oid, _)) => Ok(Expr::Literal(Value::Integer(*oid))),
                    None if to == RegType::Namespace => Err(Error::new(
                        SqlState::InvalidSchemaName,
                        format!("schema \"{wanted}\" does not exist"),
                    )),
                    None => Err(Error::new(
                        SqlState::UndefinedTable,
                        format!("relation \"{wanted}\" does not exist"),
                    )),
                }
            }
            // A name known only when the statement runs (a parameter),
            // as written or qualified by its schema (`pg_catalog.pg_class`).
            (_, false, _) => {
                let schema = if to == RegType::Class {
                    ["", "public.", "pg_catalog."].as_slice()
                } else {
                    [""].as_slice()
                };
                Ok(lookup(
                    Expr::Cast(Box::new(x), DataType::Text),
                    names.into_iter().flat_map(|(o, n)| {
                        schema
                            .iter()
                            .map(move |s| (Value::Text(format!("{s}{n}")), Value::Integer(o)))
                    }),
                ))
            }
        }
    }
}

/// A relation's name as `regclass` input reads it: without a `public.` or
/// `pg_catalog.` qualifier, unquoted (and then case-folded) or quoted.
fn relation_name(text: &str) -> String {
    let last = text.rsplit('.').next().unwrap_or(text).trim();
    match last.strip_prefix('"').and_then(|l| l.strip_suffix('"')) {
        Some(quoted) => quoted.replace("\"\"", "\""),
        None => last.to_lowercase(),
    }
}

/// `col_description` looks a column up by its table's OID times this plus
/// its number (more than any table's columns).
const COLUMN_KEY_SPAN: i64 = 1 << 16;

impl Binder<'_> {
    /// The catalog's comments as `pg_description` lists them: each
    /// object's OID, its catalog's, its column number (0: the object).
    fn comment_rows(&self) -> Result<Vec<(i32, i32, i32, String)>> {
        use crate::sql::comments::{Target, target};
        use crate::sql::pg_catalog as pg;
        let comments = self.catalog.comments();
        let mut rows = Vec::new();
        // PostgreSQL's own comment on schema `public`, unless replaced.
        if !comments
            .iter()
            .any(|(k, _)| k == crate::sql::comments::PUBLIC_SCHEMA_KEY)
        {
            rows.push((
                pg::PUBLIC_OID,
                pg::PG_NAMESPACE_OID,
                0,
                "standard public schema".to_owned(),
            ));
        }
        for (key, text) in comments {
            let row = match target(&key) {
                Some(Target::Relation(_, r)) => Some((pg::relation_oid(&r), pg::PG_CLASS_OID, 0)),
                Some(Target::Column(t, c)) => match self.catalog.table(&t)? {
                    Some(table) => table.schema.column_index(&c).map(|i| {
                        (
                            pg::relation_oid(&t),
                            pg::PG_CLASS_OID,
                            i32::try_from(i + 1).unwrap_or(0),
                        )
                    }),
                    None => None,
                },
                Some(Target::Type(t)) => Some((pg::enum_oid(&t), pg::PG_TYPE_OID, 0)),
                Some(Target::Function(f)) => Some((pg::function_oid(&f), pg::PG_PROC_OID, 0)),
                Some(Target::PublicSchema) => Some((pg::PUBLIC_OID, pg::PG_NAMESPACE_OID, 0)),
                None => None,
            };
            if let Some((o, c, n)) = row {
                rows.push((o, c, n, text));
            }
        }
        Ok(rows)
    }

    /// `format_type(oid, typmod)` where the catalog has enum types: their
    /// OIDs by name first (the function alone knows only the built-in
    /// types), then the built-in answer.
    pub(super) fn format_type_call(&self, args: Vec<Expr>) -> Result<Expr> {
        let enums: Vec<(Value, Value)> = self
            .catalog
            .user_types()
            .iter()
            .filter_map(|(_, definition)| super::user_types::enum_from_definition(definition).ok())
            .flat_map(|e| {
                let oid = crate::sql::pg_catalog::enum_oid(&e.name);
                let array = crate::sql::pg_catalog::enum_oid(&format!("_{}", e.name));
                [
                    (Value::Integer(oid), Value::Text(e.name.clone())),
                    (Value::Integer(array), Value::Text(format!("{}[]", e.name))),
                ]
            })
            .collect();
        let call = Expr::Function("format_type".into(), args.clone());
        match args.first() {
            Some(oid) if !enums.is_empty() => Ok(Expr::Function(
                "coalesce".into(),
                vec![lookup(oid.clone(), enums), call],
            )),
            _ => Ok(call),
        }
    }
}

/// `CASE key WHEN k1 THEN v1 ... END`: a lookup of `key` in `entries`,
/// NULL when absent.
fn lookup(key: Expr, entries: impl IntoIterator<Item = (Value, Value)>) -> Expr {
    Expr::Case {
        operand: Some(Box::new(key)),
        branches: entries
            .into_iter()
            .map(|(k, v)| (Expr::Literal(k), Expr::Literal(v)))
            .collect(),
        otherwise: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regclass_input_reads_qualified_and_quoted_names() {
        assert_eq!(relation_name("public.Orders"), "orders");
        assert_eq!(relation_name("\"Mixed\"\"Case\""), "Mixed\"Case");
        assert_eq!(relation_name("pg_catalog.pg_class"), "pg_class");
    }

    #[test]
    fn catalog_functions_are_known() {
        assert!(is_catalog_function("pg_get_indexdef"));
        assert!(is_catalog_function("current_database"));
        assert!(!is_catalog_function("lower"));
        assert_eq!(crate::sql::pg_catalog::format_type(23, None), "integer");
    }
}
