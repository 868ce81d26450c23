//! `CREATE TABLE name AS query` and `SELECT ... INTO name FROM ...`: a new
//! table with the query's columns (named and typed as the query's result
//! is) and its rows, made in one transaction as a CREATE TABLE and an
//! INSERT ... SELECT would be, so that a failing query leaves no table.

use sqlparser::ast;

use super::session::{Session, StatementResult};
use crate::error::{Error, Result, SqlState};

/// `CREATE TABLE name [(columns)] AS query`, or `SELECT ... INTO name
/// FROM ...` (PostgreSQL's other spelling of it).
pub(super) struct CreateAs {
    /// The new table's name.
    name: ast::ObjectName,
    /// Its column names, if given (the types are the query's).
    columns: Vec<String>,
    /// The query, without INTO.
    query: ast::Query,
    if_not_exists: bool,
    /// `TEMPORARY`.
    temporary: bool,
}

impl CreateAs {
    /// The statement as one, if it is one.
    pub(super) fn of(stmt: &ast::Statement) -> Option<Result<CreateAs>> {
        match stmt {
            ast::Statement::CreateTable(ct) => {
                let query = ct.query.as_deref()?;
                Some(Ok(CreateAs {
                    name: ct.name.clone(),
                    columns: ct.columns.iter().map(|c| c.name.value.clone()).collect(),
                    query: query.clone(),
                    if_not_exists: ct.if_not_exists,
                    temporary: ct.temporary,
                }))
            }
            ast::Statement::Query(q) => {
                let ast::SetExpr::Select(select) = q.body.as_ref() else {
                    return None;
                };
                let into = select.into.as_ref()?;
                let target = match into.targets.as_slice() {
                    [ast::Expr::Identifier(i)] => ast::ObjectName::from(vec![i.clone()]),
                    [ast::Expr::CompoundIdentifier(parts)] => ast::ObjectName::from(parts.clone()),
                    _ => {
                        return Some(Err(Error::syntax("SELECT ... INTO takes one table name")));
                    }
                };
                let temporary = into.temporary;
                let mut query = q.as_ref().clone();
                if let ast::SetExpr::Select(select) = query.body.as_mut() {
                    select.into = None;
                }
                Some(Ok(CreateAs {
                    name: target,
                    columns: Vec::new(),
                    query,
                    if_not_exists: false,
                    temporary,
                }))
            }
            _ => None,
        }
    }
}

impl Session {
    /// Runs `CREATE TABLE name [(columns)] AS query` (or `SELECT ... INTO`
    /// rewritten to it). `columns` renames the query's first columns.
    pub(super) fn create_table_as(&mut self, create: &CreateAs) -> Result<StatementResult> {
        let CreateAs {
            name,
            columns,
            query,
            if_not_exists,
            temporary,
        } = create;
        let table = super::planner::object_name(name)?;
        if *if_not_exists && self.has_table(&table) {
            self.skip_existing(&table);
            return Ok(StatementResult::written("SELECT", 0));
        }
        let (names, types) = self.describe_query(query)?;
        if columns.len() > names.len() {
            return Err(Error::new(
                SqlState::SyntaxError,
                "CREATE TABLE AS specifies too many column names",
            ));
        }
        let definitions: Vec<String> = names
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let name = columns.get(i).unwrap_or(n);
                // A column whose type the query does not tell (a NULL, an
                // untyped string) is text, as PostgreSQL makes it.
                let data_type = types
                    .get(i)
                    .cloned()
                    .flatten()
                    .map_or_else(|| "text".to_owned(), |t| t.to_string());
                format!(
                    "{} {data_type}",
                    arbor_schema::sql_text::quote_identifier_if_needed(name)
                )
            })
            .collect();
        let exists = if *if_not_exists { "IF NOT EXISTS " } else { "" };
        let kind = if *temporary {
            "TEMPORARY TABLE"
        } else {
            "TABLE"
        };
        let create = format!("CREATE {kind} {exists}{name} ({})", definitions.join(", "));
        let insert = format!("INSERT INTO {name} {query}");
        let create = super::parser::parse_one(&create)?;
        let insert = super::parser::parse_one(&insert)?;
        let rows = self.in_one_transaction(|session| {
            session.execute_one(&create)?;
            session.execute_one(&insert)
        })?;
        Ok(StatementResult::written(
            "SELECT",
            rows.rows_written().unwrap_or(0),
        ))
    }
}
