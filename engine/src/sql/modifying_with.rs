//! Data-modifying statements in WITH: `WITH moved AS (DELETE FROM inbox
//! WHERE done RETURNING *) INSERT INTO archive SELECT * FROM moved`.
//!
//! PostgreSQL runs every part of such a statement on one snapshot: the
//! main statement and each common table expression read the tables as they
//! were before the statement, and see what an INSERT, UPDATE or DELETE in
//! the WITH did only through its RETURNING rows. Arbor runs each
//! data-modifying expression first, in order, in one transaction with the
//! rest, and puts its RETURNING rows in its place (a VALUES list with the
//! rows' types); the main statement then runs with those rows under the
//! expression's name. Where that would read differently from PostgreSQL,
//! because another part of the statement names a table an expression
//! changes (so it would see the change), or two expressions change one
//! table, the statement is refused with 0A000 instead.

use arbor_schema::{DataType, Value};
use sqlparser::ast;
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, Tokenizer};

use super::parser::{self, ArborDialect};
use super::session::{Session, StatementResult};
use crate::error::{Error, Result, SqlState};

/// A statement with INSERT, UPDATE or DELETE in its WITH.
pub(super) struct ModifyingWith {
    recursive: bool,
    /// Each common table expression: its name (and column names, if
    /// given), its query as SQL text, and whether it changes a table.
    ctes: Vec<Cte>,
    /// The main statement without its WITH, as SQL text.
    main: String,
}

struct Cte {
    /// `name` or `name(a, b)`, as SQL.
    head: String,
    /// Column names given with the name, if any.
    columns: Vec<String>,
    /// The query or change, as SQL.
    body: String,
    /// The table it changes, for a data-modifying one.
    changes: Option<String>,
}

impl ModifyingWith {
    /// The statement as one, if its WITH changes data.
    pub(super) fn of(stmt: &ast::Statement) -> Option<Result<ModifyingWith>> {
        let ast::Statement::Query(q) = stmt else {
            return None;
        };
        let with = q.with.as_ref()?;
        let modifying = |c: &ast::Cte| {
            matches!(
                c.query.body.as_ref(),
                ast::SetExpr::Insert(_)
                    | ast::SetExpr::Update(_)
                    | ast::SetExpr::Delete(_)
                    | ast::SetExpr::Merge(_)
            )
        };
        if !with.cte_tables.iter().any(modifying) {
            return None;
        }
        let mut main = q.as_ref().clone();
        main.with = None;
        let mut ctes = Vec::new();
        for c in &with.cte_tables {
            let body = c.query.to_string();
            let changes = if modifying(c) {
                match changed_table(&body) {
                    Ok(Some(t)) => Some(t),
                    Ok(None) => return Some(Err(Error::unsupported("MERGE in WITH"))),
                    Err(e) => return Some(Err(e)),
                }
            } else {
                None
            };
            ctes.push(Cte {
                head: c.alias.to_string(),
                columns: c
                    .alias
                    .columns
                    .iter()
                    .map(|col| super::planner::ident(&col.name))
                    .collect(),
                body,
                changes,
            });
        }
        Some(Ok(ModifyingWith {
            recursive: with.recursive,
            ctes,
            main: main.to_string(),
        }))
    }

    /// Refuses the statement where running the changes first would read
    /// otherwise than PostgreSQL: a table one expression changes named by
    /// any other part (but as the main statement's own target), or changed
    /// by two expressions.
    fn check(&self) -> Result<()> {
        let refuse = |table: &str| {
            Error::unsupported(format!(
                "a WITH that changes table \"{table}\" while other parts of the statement read it"
            ))
            .with_hint(
                "PostgreSQL reads the table as it was before the statement; run the parts as separate statements.",
            )
        };
        let main_target = changed_table(&self.main)?;
        for (i, cte) in self.ctes.iter().enumerate() {
            let Some(table) = &cte.changes else { continue };
            for (j, other) in self.ctes.iter().enumerate() {
                if i != j && mentions(&other.body, table)? > 0 {
                    return Err(refuse(table));
                }
            }
            let allowed = usize::from(main_target.as_deref() == Some(table.as_str()));
            if mentions(&self.main, table)? > allowed {
                return Err(refuse(table));
            }
        }
        Ok(())
    }
}

impl Cte {
    /// Its name, as SQL.
    fn name(&self) -> &str {
        self.head.split('(').next().unwrap_or_default().trim()
    }
}

impl ModifyingWith {
    /// `rest` under a WITH of the expressions `done` (SQL text each).
    fn with(&self, done: &[String], rest: &str) -> String {
        if done.is_empty() {
            return rest.to_owned();
        }
        let recursive = if self.recursive { "RECURSIVE " } else { "" };
        format!("WITH {recursive}{} {rest}", done.join(", "))
    }

    /// Whether any part of the statement but the expression `name` itself
    /// names `name`.
    fn reads(&self, name: &str) -> Result<bool> {
        let name = name.trim_matches('"').to_owned();
        let mut count = mentions(&self.main, &name)?;
        for cte in &self.ctes {
            count += mentions(&cte.body, &name)?;
        }
        Ok(count > 0)
    }
}

impl Session {
    /// What a statement whose WITH changes data returns, and its
    /// parameters' types, without running it: each change planned with
    /// the expressions before it, then the main statement with each
    /// change's RETURNING columns as an empty typed query.
    pub(super) fn describe_modifying_with(
        &self,
        statement: &ModifyingWith,
    ) -> Result<super::session::Described> {
        let mut parameters: Vec<Option<DataType>> = Vec::new();
        let mut learn = |more: Vec<Option<DataType>>| {
            if parameters.len() < more.len() {
                parameters.resize(more.len(), None);
            }
            for (known, t) in parameters.iter_mut().zip(more) {
                if known.is_none() {
                    *known = t;
                }
            }
        };
        let mut done = Vec::new();
        for cte in &statement.ctes {
            if cte.changes.is_none() {
                done.push(format!("{} AS ({})", cte.head, cte.body));
                continue;
            }
            let change = parser::parse_one(&statement.with(&done, &cte.body))?;
            let described = self.describe_statement(&change)?;
            learn(described.parameters);
            if let Some(columns) = described.columns {
                let (names, types): (Vec<String>, Vec<Option<DataType>>) =
                    columns.into_iter().unzip();
                let names = if cte.columns.is_empty() {
                    names
                } else {
                    cte.columns.clone()
                };
                done.push(format!(
                    "{} AS ({})",
                    cte.name(),
                    rows_query(&names, &types, &[])
                ));
            }
        }
        let main = parser::parse_one(&statement.with(&done, &statement.main))?;
        let described = self.describe_statement(&main)?;
        learn(described.parameters);
        Ok(super::session::Described {
            parameters,
            columns: described.columns,
        })
    }

    /// Runs a statement whose WITH changes data (see the module
    /// documentation), in one transaction.
    pub(super) fn run_modifying_with(
        &mut self,
        statement: &ModifyingWith,
        params: &[Value],
    ) -> Result<StatementResult> {
        statement.check()?;
        let with = |done: &[String], rest: &str| statement.with(done, rest);
        self.in_one_transaction(|session| {
            let mut done = Vec::new();
            for cte in &statement.ctes {
                if cte.changes.is_none() {
                    done.push(format!("{} AS ({})", cte.head, cte.body));
                    continue;
                }
                let change = parser::parse_one(&with(&done, &cte.body))?;
                // Without RETURNING it gives no rows and names nothing.
                let name = cte.name();
                if let StatementResult::Rows {
                    columns,
                    types,
                    rows,
                    ..
                } = session.execute_bound(&change, params)?
                {
                    let names = if cte.columns.is_empty() {
                        columns
                    } else {
                        cte.columns.clone()
                    };
                    done.push(format!("{name} AS ({})", rows_query(&names, &types, &rows)));
                } else if statement.reads(name)? {
                    return Err(Error::new(
                        SqlState::FeatureNotSupported,
                        format!(
                            "WITH query \"{}\" does not have a RETURNING clause",
                            name.trim_matches('"')
                        ),
                    ));
                }
            }
            let main = parser::parse_one(&with(&done, &statement.main))?;
            session.execute_bound(&main, params)
        })
    }
}

/// A query giving `rows` under `names`, each value cast to its column's
/// type (from `types`, else the first value's, else text).
fn rows_query(names: &[String], types: &[Option<DataType>], rows: &[Vec<Value>]) -> String {
    let quote = arbor_schema::sql_text::quote_identifier;
    let type_of = |i: usize| {
        types
            .get(i)
            .cloned()
            .flatten()
            .or_else(|| {
                rows.iter()
                    .find_map(|r| r.get(i).and_then(Value::data_type))
            })
            .map_or_else(|| "text".to_owned(), |t| t.to_string())
    };
    let column_types: Vec<String> = (0..names.len()).map(type_of).collect();
    let value = |v: &Value, i: usize| format!("CAST({} AS {})", v.sql_literal(), column_types[i]);
    let labels: Vec<String> = names.iter().map(|n| quote(n)).collect();
    if rows.is_empty() {
        let nulls: Vec<String> = labels
            .iter()
            .enumerate()
            .map(|(i, n)| format!("{} AS {n}", value(&Value::Null, i)))
            .collect();
        return format!("SELECT {} WHERE false", nulls.join(", "));
    }
    let tuples: Vec<String> = rows
        .iter()
        .map(|r| {
            let values: Vec<String> = r.iter().enumerate().map(|(i, v)| value(v, i)).collect();
            format!("({})", values.join(", "))
        })
        .collect();
    format!(
        "SELECT * FROM (VALUES {}) AS v({})",
        tuples.join(", "),
        labels.join(", ")
    )
}

fn tokens(sql: &str) -> Result<Vec<Token>> {
    Ok(Tokenizer::new(&ArborDialect::default(), sql)
        .tokenize()
        .map_err(|e| Error::syntax(e.message))?
        .into_iter()
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .collect())
}

/// A word token's name as SQL reads it (unquoted names fold to lower case).
fn name(t: &Token) -> Option<String> {
    match t {
        Token::Word(w) if w.quote_style.is_some() => Some(w.value.clone()),
        Token::Word(w) => Some(w.value.to_lowercase()),
        _ => None,
    }
}

/// The table an INSERT, UPDATE or DELETE (as SQL text) changes; `None`
/// for another statement.
fn changed_table(sql: &str) -> Result<Option<String>> {
    let tokens = tokens(sql)?;
    let keyword =
        |i: usize, k: Keyword| matches!(tokens.get(i), Some(Token::Word(w)) if w.keyword == k);
    let start = match () {
        _ if keyword(0, Keyword::INSERT) && keyword(1, Keyword::INTO) => 2,
        _ if keyword(0, Keyword::UPDATE) => 1,
        _ if keyword(0, Keyword::DELETE) && keyword(1, Keyword::FROM) => 2,
        _ => return Ok(None),
    };
    let start = if keyword(start, Keyword::ONLY) {
        start + 1
    } else {
        start
    };
    // `schema.table`: the last part.
    let mut i = start;
    while matches!(tokens.get(i + 1), Some(Token::Period)) {
        i += 2;
    }
    Ok(tokens.get(i).and_then(name))
}

/// How many times `sql` names `table` (as any word: a column of the same
/// name counts too, which only refuses more).
fn mentions(sql: &str, table: &str) -> Result<usize> {
    Ok(tokens(sql)?
        .iter()
        .filter(|t| name(t).as_deref() == Some(table))
        .count())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_tables_and_mentions_are_read_from_the_text() {
        assert_eq!(
            changed_table("INSERT INTO public.\"Log\" (a) VALUES (1)").unwrap(),
            Some("Log".into())
        );
        assert_eq!(
            changed_table("DELETE FROM ONLY inbox WHERE done").unwrap(),
            Some("inbox".into())
        );
        assert_eq!(
            changed_table("UPDATE t SET a = 1").unwrap(),
            Some("t".into())
        );
        assert_eq!(changed_table("SELECT 1").unwrap(), None);
        assert_eq!(
            mentions("SELECT * FROM Inbox, x WHERE inbox.a = 1", "inbox").unwrap(),
            2
        );
        assert_eq!(mentions("SELECT 'inbox'", "inbox").unwrap(), 0);
    }
}
