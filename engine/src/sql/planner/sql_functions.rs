//! SQL functions: `CREATE FUNCTION ... LANGUAGE sql`.
//!
//! A function is kept in the catalog as its `CREATE FUNCTION` text, keyed by
//! its signature (`add(integer, integer)`: the name and the parameters'
//! types as PostgreSQL names them), so it commits, diffs and merges with the
//! schema as a view does. It is never run as a procedure of its own: a call
//! is expanded where it is written into the SQL its body is, with the call's
//! arguments in place of the parameters (each cast to its parameter's type,
//! the result cast to the return type), and that SQL is bound in the
//! caller's place. Two expansions:
//!
//! - A body that is one expression (`RETURN a + b`, `AS 'SELECT a + b'`) is
//!   inlined: `add(x, 1)` is bound as `CAST(CAST(x AS int) + CAST(1 AS int)
//!   AS int)`, so it works wherever an expression does (filters, keys of an
//!   index, defaults) and costs what the expression costs.
//! - Any other body is a subquery reading the arguments from a one-row
//!   derived table, `"$args"`, whose columns are the parameters: a name in
//!   the body finds the body's own columns first and the parameters after
//!   them, as PostgreSQL resolves them, and `$1` or `f.a` name a parameter
//!   outright. A scalar function gives its body's first row (NULL without
//!   one); a `SETOF` or `TABLE` function is a FROM item with every row.
//!
//! A function that calls itself cannot be expanded and is refused (0A000);
//! bodies that change data, or of more than one statement, likewise.

use arbor_schema::DataType;
use sqlparser::ast;
use sqlparser::tokenizer::{Token, Tokenizer};

use super::expr::Expr;
use super::plan::Plan;
use super::scope::Scope;
use std::rc::Rc;

use super::{Binder, Grouping, Statement, data_type_in, ident, object_name, untyped_string};

/// The catalog's own types (enums) by name, for reading a definition.
pub(crate) type UserType<'a> = &'a dyn Fn(&str) -> Option<DataType>;
use crate::error::{Error, Result, SqlState};
use crate::objects::function_name;
use crate::sql::parser::{self, ArborDialect};

/// The derived table a subquery expansion reads its arguments from.
const ARGS: &str = "\"$args\"";
/// The alias of a subquery body's rows.
const RESULT: &str = "\"$result\"";

/// A SQL function's definition, read from its `CREATE FUNCTION` statement.
#[derive(Clone, Debug)]
pub(crate) struct SqlFunction {
    /// Its name.
    pub name: String,
    params: Vec<Param>,
    returns: Returns,
    /// The body: one query, as SQL text.
    body: String,
    /// `STRICT`: NULL when any argument is NULL, without running the body.
    strict: bool,
    /// `IMMUTABLE`, `STABLE` or `VOLATILE` (the default), as `pg_proc`
    /// writes them: `i`, `s`, `v`.
    volatility: &'static str,
    /// The body is SQL-standard (`RETURN`, `BEGIN ATOMIC`), not a string:
    /// PostgreSQL tracks what such a body calls.
    standard_body: bool,
    /// The definition as it is stored (`CREATE FUNCTION ...`).
    pub definition: String,
}

#[derive(Clone, Debug)]
struct Param {
    name: Option<String>,
    /// The type as written, for the casts of the expansion.
    type_sql: String,
    data_type: DataType,
    /// The default as SQL text.
    default: Option<String>,
}

#[derive(Clone, Debug)]
enum Returns {
    /// One value of a type (as written, and read).
    Scalar(String, DataType),
    /// `SETOF type`: a column of values.
    SetOf(String, DataType),
    /// `TABLE (name type, ...)`: each column's name, type as written
    /// and type.
    Table(Vec<(String, String, DataType)>),
    /// `SETOF t` of a table `t`: rows with the table's columns.
    Rows(String),
}

impl SqlFunction {
    /// Reads a `CREATE FUNCTION` statement, refusing what Arbor cannot run
    /// with PostgreSQL's SQLSTATE.
    pub fn from_ast(f: &ast::CreateFunction, user_type: UserType<'_>) -> Result<SqlFunction> {
        let data_type = |t: &ast::DataType| data_type_in(t, user_type);
        if f.temporary || f.or_alter {
            return Err(Error::unsupported("CREATE TEMPORARY FUNCTION"));
        }
        if !f.set_params.is_empty() {
            return Err(Error::unsupported("SET in CREATE FUNCTION"));
        }
        let name = object_name(&f.name)?;
        let (body, quoted) = match &f.function_body {
            Some(
                ast::CreateFunctionBody::AsBeforeOptions {
                    body,
                    link_symbol: None,
                }
                | ast::CreateFunctionBody::AsAfterOptions(body),
            ) => (string_literal(body)?, true),
            Some(ast::CreateFunctionBody::Return(e)) => (format!("SELECT {e}"), false),
            Some(ast::CreateFunctionBody::BeginAtomic(block)) => {
                let texts: Vec<String> = block
                    .statements
                    .iter()
                    .map(|s| match s {
                        ast::Statement::Return(ast::ReturnStatement {
                            value: Some(ast::ReturnStatementValue::Expr(e)),
                        }) => format!("SELECT {e}"),
                        other => other.to_string(),
                    })
                    .collect();
                (texts.join(";\n"), false)
            }
            None => {
                return Err(Error::new(
                    SqlState::InvalidFunctionDefinition,
                    "no function body specified",
                ));
            }
            Some(_) => return Err(Error::unsupported("this form of function body")),
        };
        match f.language.as_ref().map(ident).as_deref() {
            Some("sql") => {}
            None if !quoted => {}
            None => {
                return Err(Error::new(
                    SqlState::InvalidFunctionDefinition,
                    "no language specified",
                ));
            }
            Some(language @ ("plpgsql" | "plperl" | "plpython3u" | "pltcl" | "c" | "internal")) => {
                return Err(
                    Error::unsupported(format!("functions in language {language}"))
                        .with_hint("Arbor runs functions written in SQL: LANGUAGE sql."),
                );
            }
            Some(language) => {
                return Err(Error::new(
                    SqlState::UndefinedObject,
                    format!("language \"{language}\" does not exist"),
                ));
            }
        }
        let body = one_query(&body)?;
        let mut params = Vec::new();
        for a in f.args.iter().flatten() {
            if matches!(
                a.mode,
                Some(ast::ArgMode::Out | ast::ArgMode::InOut | ast::ArgMode::Variadic)
            ) {
                return Err(Error::unsupported("OUT, INOUT and VARIADIC parameters"));
            }
            let param_name = a.name.as_ref().map(ident);
            if let Some(n) = &param_name
                && params.iter().any(|p: &Param| p.name.as_ref() == Some(n))
            {
                return Err(Error::new(
                    SqlState::InvalidFunctionDefinition,
                    format!("parameter name \"{n}\" used more than once"),
                ));
            }
            if a.default_expr.is_none() && params.iter().any(|p| p.default.is_some()) {
                return Err(Error::new(
                    SqlState::InvalidFunctionDefinition,
                    "input parameters after one with a default value must also have defaults",
                ));
            }
            params.push(Param {
                name: param_name,
                type_sql: a.data_type.to_string(),
                data_type: data_type(&a.data_type)?,
                default: a.default_expr.as_ref().map(ToString::to_string),
            });
        }
        let returns = match &f.return_type {
            None => {
                return Err(Error::new(
                    SqlState::InvalidFunctionDefinition,
                    "function result type must be specified",
                ));
            }
            Some(ast::FunctionReturnType::DataType(ast::DataType::Table(Some(columns)))) => {
                let mut out = Vec::new();
                for c in columns {
                    let d = data_type(&c.data_type)?;
                    out.push((ident(&c.name), c.data_type.to_string(), d));
                }
                Returns::Table(out)
            }
            Some(ast::FunctionReturnType::SetOf(t)) => match data_type(t) {
                Ok(d) => Returns::SetOf(t.to_string(), d),
                Err(e) => match t {
                    ast::DataType::Custom(table, _) if !is_pseudo_type(t) => {
                        Returns::Rows(object_name(table)?)
                    }
                    _ => return Err(refuse_pseudo_type(t).unwrap_or(e)),
                },
            },
            Some(ast::FunctionReturnType::DataType(t)) => match data_type(t) {
                Ok(d) => Returns::Scalar(t.to_string(), d),
                Err(e) => return Err(refuse_pseudo_type(t).unwrap_or(e)),
            },
        };
        let strict = matches!(
            f.called_on_null,
            Some(
                ast::FunctionCalledOnNull::Strict
                    | ast::FunctionCalledOnNull::ReturnsNullOnNullInput
            )
        );
        let volatility = match f.behavior {
            Some(ast::FunctionBehavior::Immutable) => "i",
            Some(ast::FunctionBehavior::Stable) => "s",
            _ => "v",
        };
        let mut stored = f.clone();
        stored.or_replace = false;
        Ok(SqlFunction {
            name,
            params,
            returns,
            body,
            strict,
            volatility,
            standard_body: !quoted,
            definition: stored.to_string(),
        })
    }

    /// Reads a stored definition back.
    pub fn from_definition(sql: &str, user_type: UserType<'_>) -> Result<SqlFunction> {
        match parser::parse(sql)?.as_slice() {
            [ast::Statement::CreateFunction(f)] => SqlFunction::from_ast(f, user_type),
            _ => Err(Error::new(
                SqlState::DataCorrupted,
                format!("a stored function is not a CREATE FUNCTION: {sql}"),
            )),
        }
    }

    /// The key the catalog keeps it under: `name(type, ...)`.
    pub fn signature(&self) -> String {
        let types: Vec<DataType> = self.params.iter().map(|p| p.data_type.clone()).collect();
        signature(&self.name, &types)
    }

    /// Whether a parameter or the result is of enum type `name`.
    pub fn uses_type(&self, name: &str) -> bool {
        let uses = |t: &DataType| super::user_types::uses_enum(t, name);
        self.params.iter().any(|p| uses(&p.data_type))
            || match &self.returns {
                Returns::Scalar(_, t) | Returns::SetOf(_, t) => uses(t),
                Returns::Table(columns) => columns.iter().any(|(_, _, t)| uses(t)),
                Returns::Rows(_) => false,
            }
    }

    /// Whether its body is SQL-standard and calls a function named `name`.
    pub fn body_calls(&self, name: &str) -> Result<bool> {
        Ok(self.standard_body && calls(&self.body, name)?)
    }

    /// The function as the catalogs show it.
    pub fn catalog_info(&self) -> crate::sql::pg_catalog::FunctionInfo {
        use crate::sql::pg_catalog::{type_display, type_oid};
        const RECORD_OID: i32 = 2249;
        let (result, result_type) = match &self.returns {
            Returns::Scalar(_, t) => (type_display(t), type_oid(t)),
            Returns::SetOf(_, t) => (format!("SETOF {}", type_display(t)), type_oid(t)),
            Returns::Table(columns) => {
                let columns: Vec<String> = columns
                    .iter()
                    .map(|(name, _, t)| format!("{name} {}", type_display(t)))
                    .collect();
                (format!("TABLE({})", columns.join(", ")), RECORD_OID)
            }
            Returns::Rows(table) => (format!("SETOF {table}"), RECORD_OID),
        };
        crate::sql::pg_catalog::FunctionInfo {
            name: self.name.clone(),
            signature: self.signature(),
            parameters: self
                .params
                .iter()
                .map(|p| (p.name.clone(), p.data_type.clone(), p.default.clone()))
                .collect(),
            result,
            result_type,
            returns_set: self.returns_set(),
            strict: self.strict,
            volatility: self.volatility,
            source: self.body.clone(),
        }
    }

    /// The parameters' types.
    pub fn parameter_types(&self) -> Vec<DataType> {
        self.params.iter().map(|p| p.data_type.clone()).collect()
    }

    /// Whether a call with `n` arguments fits (the missing ones have defaults).
    pub fn takes(&self, n: usize) -> bool {
        n <= self.params.len() && self.params.iter().skip(n).all(|p| p.default.is_some())
    }

    /// Whether it returns rows (a FROM item) rather than one value.
    pub fn returns_set(&self) -> bool {
        !matches!(self.returns, Returns::Scalar(..))
    }

    /// The table whose rows it returns (`SETOF t`), if it does.
    pub fn row_table(&self) -> Option<&str> {
        match &self.returns {
            Returns::Rows(t) => Some(t),
            _ => None,
        }
    }

    /// The number of columns the body must give.
    pub fn result_width(&self, row_columns: usize) -> usize {
        match &self.returns {
            Returns::Scalar(..) | Returns::SetOf(..) => 1,
            Returns::Table(columns) => columns.len(),
            Returns::Rows(_) => row_columns,
        }
    }

    /// Each argument (SQL text) cast to its parameter's type, the missing
    /// ones taken from the defaults.
    fn arguments(&self, args: &[String]) -> Vec<String> {
        self.params
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let value = args
                    .get(i)
                    .or(p.default.as_ref())
                    .map_or("NULL", String::as_str);
                format!("CAST(({value}) AS {})", p.type_sql)
            })
            .collect()
    }

    /// The one-row table of the arguments, as a FROM item.
    fn arguments_table(&self, args: &[String]) -> String {
        let columns: Vec<String> = self
            .arguments(args)
            .into_iter()
            .enumerate()
            .map(|(i, a)| format!("{a} AS {}", self.column(i)))
            .collect();
        format!("(SELECT {}) AS {ARGS}", columns.join(", "))
    }

    /// Parameter `i`'s column in [`ARGS`].
    fn column(&self, i: usize) -> String {
        let name = self.params[i].name.clone().unwrap_or(format!("${}", i + 1));
        arbor_schema::sql_text::quote_identifier(&name)
    }

    /// For a strict function with parameters, the condition that some
    /// argument is NULL (SQL text); `None` otherwise.
    fn some_argument_null(&self, args: &[String]) -> Option<String> {
        if !self.strict || self.params.is_empty() {
            return None;
        }
        let tests: Vec<String> = self
            .arguments(args)
            .into_iter()
            .map(|a| format!("{a} IS NULL"))
            .collect();
        Some(tests.join(" OR "))
    }

    /// `CASE WHEN <an argument> IS NULL ... THEN NULL ELSE e END` for a
    /// strict function.
    fn strict_wrap(&self, args: &[String], e: String) -> String {
        match self.some_argument_null(args) {
            Some(null) => format!("CASE WHEN {null} THEN NULL ELSE {e} END"),
            None => e,
        }
    }

    /// The expression (SQL text) a call with `args` (SQL text each) in an
    /// expression is. `simple_args`: every argument is a literal or a
    /// column, so inlining may repeat it.
    pub fn scalar_call(&self, args: &[String], simple_args: bool) -> Result<String> {
        let Returns::Scalar(returns, _) = &self.returns else {
            return Err(Error::new(
                SqlState::FeatureNotSupported,
                format!("set-returning function {} is not allowed here", self.name),
            )
            .with_hint("Call it in FROM."));
        };
        let arguments = self.arguments(args);
        if let Some(e) = self.inline_expression()?
            && (simple_args || self.each_parameter_once(&e)?)
        {
            let inlined = substitute(&e, &self.name, &self.params, true, |i| {
                format!("({})", arguments[i])
            })?;
            return Ok(self.strict_wrap(args, format!("CAST(({inlined}) AS {returns})")));
        }
        let body = self.body_reading_arguments()?;
        let from = if self.params.is_empty() {
            String::new()
        } else {
            format!(" FROM {}", self.arguments_table(args))
        };
        Ok(self.strict_wrap(
            args,
            format!(
                "(SELECT CAST((SELECT * FROM ({body}) AS {RESULT} LIMIT 1) AS {returns}){from})"
            ),
        ))
    }

    /// The query (SQL text) a call with `args` in FROM is: its rows, with
    /// the columns the return type names (`row_columns`: a `SETOF t`'s).
    pub fn call_in_from(&self, args: &[String], row_columns: &[String]) -> Result<String> {
        let quote = arbor_schema::sql_text::quote_identifier;
        // A function of one value is one row, NULL where a strict one's
        // argument is: the call as an expression.
        if let Returns::Scalar(..) = self.returns {
            return Ok(format!(
                "SELECT {} AS {}",
                self.scalar_call(args, false)?,
                quote(&self.name)
            ));
        }
        let body = self.body_reading_arguments()?;
        let (names, select): (Vec<String>, Vec<String>) = match &self.returns {
            Returns::Scalar(t, _) | Returns::SetOf(t, _) => (
                vec!["$1".to_owned()],
                vec![format!(
                    "CAST({RESULT}.\"$1\" AS {t}) AS {}",
                    quote(&self.name)
                )],
            ),
            Returns::Table(columns) => columns
                .iter()
                .enumerate()
                .map(|(i, (name, t, _))| {
                    let inner = format!("${}", i + 1);
                    let cast =
                        format!("CAST({RESULT}.{} AS {t}) AS {}", quote(&inner), quote(name));
                    (inner, cast)
                })
                .unzip(),
            Returns::Rows(_) => (row_columns.to_vec(), vec![format!("{RESULT}.*")]),
        };
        let alias: Vec<String> = names.iter().map(|n| quote(n)).collect();
        let from = if self.params.is_empty() {
            format!("({body}) AS {RESULT}({})", alias.join(", "))
        } else {
            format!(
                "{} CROSS JOIN LATERAL ({body}) AS {RESULT}({})",
                self.arguments_table(args),
                alias.join(", ")
            )
        };
        let strict = self
            .some_argument_null(args)
            .map_or(String::new(), |null| format!(" WHERE NOT ({null})"));
        Ok(format!("SELECT {} FROM {from}{strict}", select.join(", ")))
    }

    /// A query giving the body's rows as the body has them, with the
    /// arguments `args` in reach: what a definition's columns are checked by.
    fn width_probe(&self, args: &[String]) -> Result<String> {
        let body = self.body_reading_arguments()?;
        Ok(if self.params.is_empty() {
            format!("SELECT * FROM ({body}) AS {RESULT}")
        } else {
            format!(
                "SELECT {RESULT}.* FROM {} CROSS JOIN LATERAL ({body}) AS {RESULT}",
                self.arguments_table(args)
            )
        })
    }

    /// The return type as a message names it.
    fn returns_name(&self) -> String {
        match &self.returns {
            Returns::Scalar(_, t) | Returns::SetOf(_, t) => crate::sql::pg_catalog::type_display(t),
            Returns::Table(columns) => match columns.as_slice() {
                [(_, _, t)] => crate::sql::pg_catalog::type_display(t),
                _ => "record".to_owned(),
            },
            Returns::Rows(t) => t.clone(),
        }
    }

    /// The type of the one value it returns (or each row of `SETOF type`).
    fn scalar_type(&self) -> Option<DataType> {
        match &self.returns {
            Returns::Scalar(_, t) | Returns::SetOf(_, t) => Some(t.clone()),
            _ => None,
        }
    }

    /// The body with `$n` and `f.name` naming [`ARGS`]' columns.
    fn body_reading_arguments(&self) -> Result<String> {
        substitute(&self.body, &self.name, &self.params, false, |i| {
            format!("{ARGS}.{}", self.column(i))
        })
    }

    /// The body's one expression, when it is `SELECT <expression>` and
    /// nothing else (no FROM, no subquery): what inlining replaces.
    fn inline_expression(&self) -> Result<Option<String>> {
        let statements = parser::parse(&self.body)?;
        let [ast::Statement::Query(q)] = statements.as_slice() else {
            return Ok(None);
        };
        let ast::SetExpr::Select(s) = q.body.as_ref() else {
            return Ok(None);
        };
        let plain_query = q.with.is_none()
            && q.order_by.is_none()
            && q.limit_clause.is_none()
            && q.fetch.is_none();
        let plain_select = s.from.is_empty()
            && s.selection.is_none()
            && s.having.is_none()
            && s.distinct.is_none()
            && matches!(&s.group_by, ast::GroupByExpr::Expressions(g, _) if g.is_empty());
        let expr = match s.projection.as_slice() {
            [ast::SelectItem::UnnamedExpr(e) | ast::SelectItem::ExprWithAlias { expr: e, .. }] => e,
            _ => return Ok(None),
        };
        let text = expr.to_string();
        let has_subquery = tokens(&text)?.iter().any(
            |t| matches!(t, Token::Word(w) if w.keyword == sqlparser::keywords::Keyword::SELECT),
        );
        Ok((plain_query && plain_select && !has_subquery).then_some(text))
    }

    /// Whether expression `e` names each parameter at most once, so that
    /// inlining evaluates each argument once, as a call does.
    fn each_parameter_once(&self, e: &str) -> Result<bool> {
        let mut counts = vec![0usize; self.params.len()];
        substitute(e, &self.name, &self.params, true, |i| {
            counts[i] += 1;
            String::new()
        })?;
        Ok(counts.iter().all(|&c| c <= 1))
    }
}

/// Whether SQL text `sql` calls a function named `name` (`name(`, also
/// qualified by a schema).
pub(crate) fn calls(sql: &str, name: &str) -> Result<bool> {
    let tokens: Vec<Token> = tokens(sql)?
        .into_iter()
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .collect();
    Ok(tokens.windows(2).any(|pair| match pair {
        [Token::Word(w), Token::LParen] => {
            let word = if w.quote_style.is_some() {
                w.value.clone()
            } else {
                w.value.to_lowercase()
            };
            word == name
        }
        _ => false,
    }))
}

/// `name(type, ...)` with the types as PostgreSQL names them in messages.
pub(crate) fn signature(name: &str, types: &[DataType]) -> String {
    let names: Vec<String> = types
        .iter()
        .map(crate::sql::pg_catalog::type_display)
        .collect();
    format!("{name}({})", names.join(", "))
}

/// The text of a string literal body (`'...'`, `$$...$$`).
fn string_literal(e: &ast::Expr) -> Result<String> {
    match e {
        ast::Expr::Value(v) => match &v.value {
            ast::Value::SingleQuotedString(s) | ast::Value::EscapedStringLiteral(s) => {
                Ok(s.clone())
            }
            ast::Value::DollarQuotedString(d) => Ok(d.value.clone()),
            _ => Err(Error::syntax("a function body must be a string")),
        },
        _ => Err(Error::syntax("a function body must be a string")),
    }
}

/// The one query a body is, as SQL text.
fn one_query(body: &str) -> Result<String> {
    let statements = parser::parse(body)?;
    match statements.as_slice() {
        [ast::Statement::Query(q)] => Ok(q.to_string()),
        [] => Err(Error::new(
            SqlState::InvalidFunctionDefinition,
            "return type mismatch in function",
        )
        .with_detail(
            "Function's final statement must be SELECT or INSERT/UPDATE/DELETE RETURNING.",
        )),
        [_] => Err(Error::unsupported(
            "SQL functions that change data (INSERT, UPDATE, DELETE)",
        )),
        _ => Err(Error::unsupported(
            "SQL functions of more than one statement",
        )),
    }
}

/// Whether `t` is one of PostgreSQL's pseudo-types (`void`, `record`, ...).
fn is_pseudo_type(t: &ast::DataType) -> bool {
    refuse_pseudo_type(t).is_some()
}

/// The refusal of a pseudo-type as a return type.
fn refuse_pseudo_type(t: &ast::DataType) -> Option<Error> {
    let name = t.to_string().to_ascii_lowercase();
    matches!(
        name.as_str(),
        "void" | "record" | "trigger" | "event_trigger" | "anyelement" | "anyarray" | "internal"
    )
    .then(|| Error::unsupported(format!("SQL functions returning {name}")))
}

fn tokens(sql: &str) -> Result<Vec<Token>> {
    Tokenizer::new(&ArborDialect::default(), sql)
        .tokenize()
        .map_err(|e| Error::syntax(e.message))
}

/// `sql` with each reference to a parameter replaced by `replace(i)`:
/// `$n`, `function.name`, and (with `bare`, for an inlined expression,
/// where nothing else can be named) a parameter's plain name where it
/// stands as a value (not after `.`, `::` or `AS`, not before `(` or `.`).
fn substitute(
    sql: &str,
    function: &str,
    params: &[Param],
    bare: bool,
    mut replace: impl FnMut(usize) -> String,
) -> Result<String> {
    let tokens = tokens(sql)?;
    let significant = |i: usize| !matches!(tokens.get(i), Some(Token::Whitespace(_)));
    let next = |from: usize| (from + 1..tokens.len()).find(|&j| significant(j));
    let word = |t: &Token| match t {
        Token::Word(w) => Some(if w.quote_style.is_some() {
            w.value.clone()
        } else {
            w.value.to_lowercase()
        }),
        _ => None,
    };
    let param_named = |name: &str| params.iter().position(|p| p.name.as_deref() == Some(name));
    let mut out = String::with_capacity(sql.len());
    let mut previous: Option<&Token> = None;
    let mut i = 0;
    while i < tokens.len() {
        let t = &tokens[i];
        let mut replaced = None;
        let mut end = i;
        if let Token::Placeholder(p) = t
            && let Some(n) = p.strip_prefix('$').and_then(|n| n.parse::<usize>().ok())
            && (1..=params.len()).contains(&n)
        {
            replaced = Some(n - 1);
        } else if let Some(w) = word(t)
            && !matches!(previous, Some(Token::Period | Token::DoubleColon))
            && !matches!(previous, Some(Token::Word(p)) if p.keyword == sqlparser::keywords::Keyword::AS)
        {
            let after = next(i);
            let after_token = after.map(|j| &tokens[j]);
            if w == function
                && matches!(after_token, Some(Token::Period))
                && let Some(j) = after.and_then(next)
                && let Some(p) = word(&tokens[j]).and_then(|n| param_named(&n))
            {
                replaced = Some(p);
                end = j;
            } else if bare
                && !matches!(after_token, Some(Token::Period | Token::LParen))
                && let Some(p) = param_named(&w)
            {
                replaced = Some(p);
            }
        }
        match replaced {
            Some(p) => out.push_str(&replace(p)),
            None => out.push_str(&t.to_string()),
        }
        if significant(end) {
            previous = Some(&tokens[end]);
        }
        i = end + 1;
    }
    Ok(out)
}

/// Leaves a function's expansion (see [`Binder::expanding`]) when dropped.
pub(super) struct ExpansionGuard<'b>(&'b std::cell::RefCell<Vec<String>>);

impl Drop for ExpansionGuard<'_> {
    fn drop(&mut self) {
        self.0.borrow_mut().pop();
    }
}

impl Binder<'_> {
    /// Enters the expansion of `function`, refusing one it is already
    /// inside (a function that calls itself would expand forever).
    fn expand(&self, function: &SqlFunction) -> Result<ExpansionGuard<'_>> {
        let mut stack = self.expanding.borrow_mut();
        if stack.contains(&function.name) {
            return Err(recursive(&function.name));
        }
        stack.push(function.name.clone());
        Ok(ExpansionGuard(&self.expanding))
    }

    /// The catalog's SQL functions, each definition read once a statement.
    fn sql_functions(&self) -> Result<Rc<Vec<SqlFunction>>> {
        if let Some(functions) = self.sql_functions.get() {
            return Ok(functions.clone());
        }
        let functions = self
            .catalog
            .functions()
            .iter()
            .map(|(_, definition)| SqlFunction::from_definition(definition, &|n| self.user_type(n)))
            .collect::<Result<Vec<_>>>()?;
        Ok(self
            .sql_functions
            .get_or_init(|| Rc::new(functions))
            .clone())
    }

    /// Whether a SQL function is named `name`.
    pub(super) fn has_sql_function(&self, name: &str) -> bool {
        self.catalog
            .functions()
            .iter()
            .any(|(signature, _)| function_name(signature) == name)
    }

    /// The SQL function a call of `name` with `args` is, chosen as
    /// PostgreSQL chooses among functions of one name: those taking that
    /// many arguments, then the one whose parameter types the arguments'
    /// types match best. `None`: no function of that name takes them.
    fn resolve_sql_function(
        &self,
        name: &str,
        args: &[&ast::Expr],
        scope: &Scope,
        outer: &[&Scope],
    ) -> Result<Option<SqlFunction>> {
        // A function being created or expanded that calls itself.
        if self.expanding.borrow().iter().any(|n| n == name) {
            return Err(recursive(name));
        }
        let mut fitting: Vec<SqlFunction> = self
            .sql_functions()?
            .iter()
            .filter(|f| f.name == name && f.takes(args.len()))
            .cloned()
            .collect();
        if fitting.len() <= 1 {
            return Ok(fitting.pop());
        }
        // An untyped string prefers text, as PostgreSQL's unknown literals
        // prefer the string category.
        let types: Vec<Option<DataType>> = self
            .argument_types(args, scope, outer)?
            .into_iter()
            .zip(args)
            .map(|(t, a)| {
                if untyped_string(a) {
                    Some(DataType::Text)
                } else {
                    t
                }
            })
            .collect();
        let score = |f: &SqlFunction| {
            f.parameter_types()
                .iter()
                .zip(&types)
                .filter(|(p, a)| a.as_ref() == Some(*p))
                .count()
        };
        let best = fitting.iter().map(score).max().unwrap_or(0);
        let mut best_ones: Vec<SqlFunction> =
            fitting.into_iter().filter(|f| score(f) == best).collect();
        if best_ones.len() == 1 {
            return Ok(best_ones.pop());
        }
        let names: Vec<String> = types
            .iter()
            .map(|t| {
                t.as_ref().map_or("unknown".to_owned(), |t| {
                    crate::sql::pg_catalog::type_display(t)
                })
            })
            .collect();
        Err(Error::new(
            SqlState::AmbiguousFunction,
            format!("function {name}({}) is not unique", names.join(", ")),
        )
        .with_hint(
            "Could not choose a best candidate function. You might need to add explicit type casts.",
        ))
    }

    /// A call of a SQL function in an expression, bound where it is
    /// written; `None` when no SQL function takes it.
    pub(super) fn sql_function_call(
        &self,
        name: &str,
        args: &[&ast::Expr],
        scope: &Scope,
        outer: &[&Scope],
        grouping: Option<&mut Grouping>,
    ) -> Result<Option<Expr>> {
        // Only the call itself may be set-returning, never its arguments.
        let set_allowed = self.set_returning_allowed.replace(false);
        let Some(function) = self.resolve_sql_function(name, args, scope, outer)? else {
            return Ok(None);
        };
        let _guard = self.expand(&function)?;
        let texts: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        if function.returns_set() {
            return self
                .set_returning_sql_call(&function, &texts, set_allowed, scope, outer, grouping)
                .map(Some);
        }
        let simple = args.iter().all(|a| {
            matches!(
                a,
                ast::Expr::Value(_) | ast::Expr::Identifier(_) | ast::Expr::CompoundIdentifier(_)
            )
        });
        let expansion = parse_expression(&function.scalar_call(&texts, simple)?)?;
        self.expr(&expansion, scope, outer, grouping).map(Some)
    }

    /// Whether `e` calls a SQL function that returns rows, which a select
    /// list item expands as it expands `generate_series`.
    pub(super) fn is_sql_set_returning_call(&self, e: &ast::Expr) -> bool {
        let ast::Expr::Function(f) = e else {
            return false;
        };
        let Ok(name) = object_name(&f.name) else {
            return false;
        };
        self.sql_functions()
            .is_ok_and(|functions| functions.iter().any(|f| f.name == name && f.returns_set()))
    }

    /// A set-returning SQL function called at the top of a select list
    /// item: its one column's values as an array that the item's `Unnest`
    /// expands (`unnest(ARRAY(SELECT ...))`).
    fn set_returning_sql_call(
        &self,
        function: &SqlFunction,
        args: &[String],
        allowed: bool,
        scope: &Scope,
        outer: &[&Scope],
        grouping: Option<&mut Grouping>,
    ) -> Result<Expr> {
        if !allowed {
            return Err(Error::new(
                SqlState::FeatureNotSupported,
                format!(
                    "set-returning function {} is not allowed here",
                    function.name
                ),
            )
            .with_hint("Call it at the top of a select list item or in FROM."));
        }
        let column = match &function.returns {
            Returns::SetOf(..) => function.name.clone(),
            Returns::Table(columns) if columns.len() == 1 => columns[0].0.clone(),
            _ => {
                return Err(Error::unsupported(format!(
                    "a function returning rows of several columns ({}) in a select list",
                    function.name
                ))
                .with_hint("Call it in FROM."));
            }
        };
        let rows = function.call_in_from(args, &self.row_columns(function)?)?;
        let sql = format!(
            "unnest(ARRAY(SELECT {} FROM ({rows}) AS {RESULT}))",
            arbor_schema::sql_text::quote_identifier(&column)
        );
        self.set_returning_allowed.set(true);
        let bound = self.expr(&parse_expression(&sql)?, scope, outer, grouping);
        self.set_returning_allowed.set(false);
        bound
    }

    /// A call of a SQL function in FROM: its rows, qualified by its name.
    pub(super) fn sql_function_in_from(
        &self,
        name: &str,
        args: &[&ast::Expr],
        outer: &[&Scope],
    ) -> Result<(Plan, Scope)> {
        let Some(function) = self.resolve_sql_function(name, args, &Scope::new(), outer)? else {
            return Err(self.no_such_function(name, args, &Scope::new(), outer)?);
        };
        let _guard = self.expand(&function)?;
        let texts: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let query = parse_query(&function.call_in_from(&texts, &self.row_columns(&function)?)?)?;
        let (plan, mut scope) = self.query(&query, outer)?;
        scope.requalify(name);
        Ok((plan, scope))
    }

    /// The column names of the table a `SETOF t` function returns rows of.
    fn row_columns(&self, function: &SqlFunction) -> Result<Vec<String>> {
        match function.row_table() {
            Some(t) => Ok(self
                .table(t)?
                .schema
                .columns
                .iter()
                .map(|c| c.name.clone())
                .collect()),
            None => Ok(Vec::new()),
        }
    }

    /// `CREATE FUNCTION`: the definition, checked by binding a call of it
    /// with NULL arguments, so a body that does not bind, or gives other
    /// columns than the return type, is refused now as PostgreSQL refuses
    /// it.
    pub(super) fn create_function(&self, f: &ast::CreateFunction) -> Result<Statement> {
        let function = SqlFunction::from_ast(f, &|n| self.user_type(n))?;
        let _guard = self.expand(&function)?;
        let nulls = vec!["NULL".to_owned(); function.params.len()];
        let row_columns = self.row_columns(&function)?;
        // The body's own columns, read with the arguments in reach.
        let probe = parse_query(&function.width_probe(&nulls)?)?;
        let (_, body_scope) = self.query(&probe, &[])?;
        let expected = function.result_width(row_columns.len());
        if body_scope.len() != expected {
            // One column of a type is that type, as PostgreSQL has it.
            let detail = if expected == 1 {
                "Final statement must return exactly one column."
            } else if body_scope.len() > expected {
                "Final statement returns too many columns."
            } else {
                "Final statement returns too few columns."
            };
            return Err(Error::new(
                SqlState::InvalidFunctionDefinition,
                format!(
                    "return type mismatch in function declared to return {}",
                    function.returns_name()
                ),
            )
            .with_detail(detail));
        }
        if let (Some(declared), Some(Some(actual))) = (
            function.scalar_type(),
            body_scope.columns.first().map(|c| c.data_type.clone()),
        ) && !assignable(&actual, &declared)
        {
            let name = |t: &DataType| crate::sql::pg_catalog::type_display(t);
            return Err(Error::new(
                SqlState::InvalidFunctionDefinition,
                format!(
                    "return type mismatch in function declared to return {}",
                    name(&declared)
                ),
            )
            .with_detail(format!("Actual return type is {}.", name(&actual))));
        }
        if function.returns_set() {
            self.query(
                &parse_query(&function.call_in_from(&nulls, &row_columns)?)?,
                &[],
            )?;
        } else {
            let call = parse_expression(&function.scalar_call(&nulls, true)?)?;
            self.expr(&call, &Scope::new(), &[], None)?;
        }
        Ok(Statement::CreateFunction {
            signature: function.signature(),
            definition: function.definition,
            or_replace: f.or_replace,
        })
    }
}

/// The refusal of a function that calls itself: expanded in place, its
/// expansion would never end.
fn recursive(name: &str) -> Error {
    Error::unsupported(format!("recursive SQL function {name}"))
        .with_hint("Write the recursion as WITH RECURSIVE in the function's body.")
}

/// Whether a value of type `from` may be returned as `to` (PostgreSQL's
/// assignment casts: any type to text, among numbers, and the same type).
fn assignable(from: &DataType, to: &DataType) -> bool {
    let text =
        |t: &DataType| matches!(t, DataType::Text | DataType::Varchar(_) | DataType::Char(_));
    let number = |t: &DataType| {
        matches!(
            t,
            DataType::SmallInt
                | DataType::Integer
                | DataType::BigInt
                | DataType::Real
                | DataType::Double
                | DataType::Numeric(_)
        )
    };
    from == to || text(to) || (number(from) && number(to)) || !text(from)
}

/// Parses SQL text made by expansion as one expression.
fn parse_expression(sql: &str) -> Result<ast::Expr> {
    let query = parse_query(&format!("SELECT {sql}"))?;
    match *query.body {
        ast::SetExpr::Select(select) => match select.projection.into_iter().next() {
            Some(ast::SelectItem::UnnamedExpr(e)) => Ok(e),
            _ => Err(Error::internal(format!(
                "an expansion is not an expression: {sql}"
            ))),
        },
        _ => Err(Error::internal(format!(
            "an expansion is not an expression: {sql}"
        ))),
    }
}

/// Parses SQL text made by expansion as one query.
fn parse_query(sql: &str) -> Result<ast::Query> {
    match parser::parse(sql)?.into_iter().next() {
        Some(ast::Statement::Query(q)) => Ok(*q),
        _ => Err(Error::internal(format!(
            "an expansion is not a query: {sql}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn function(sql: &str) -> SqlFunction {
        match parser::parse(sql).unwrap().as_slice() {
            [ast::Statement::CreateFunction(f)] => SqlFunction::from_ast(f, &|_| None).unwrap(),
            other => panic!("not a function: {other:?}"),
        }
    }

    #[test]
    fn an_expression_body_is_inlined_with_its_parameters_replaced() {
        let f =
            function("CREATE FUNCTION add(a int, b int) RETURNS int LANGUAGE sql RETURN a + $2");
        assert_eq!(f.signature(), "add(integer, integer)");
        let call = f.scalar_call(&["x".into(), "1".into()], true).unwrap();
        assert_eq!(
            call,
            "CAST(((CAST((x) AS INT)) + (CAST((1) AS INT))) AS INT)"
        );
    }

    #[test]
    fn names_after_a_period_a_cast_or_as_and_function_names_stay() {
        let f = function(
            "CREATE FUNCTION g(text int, t int) RETURNS text LANGUAGE sql RETURN CAST(t AS text) || g.text || x.t || text(1)",
        );
        let call = f.scalar_call(&["1".into(), "2".into()], true).unwrap();
        assert_eq!(
            call,
            "CAST((CAST((CAST((2) AS INT)) AS TEXT) || (CAST((1) AS INT)) || x.t || text(1)) AS TEXT)"
        );
    }

    #[test]
    fn a_query_body_reads_its_arguments_from_a_derived_table() {
        let f = function(
            "CREATE FUNCTION n(k int) RETURNS bigint AS 'SELECT count(*) FROM t WHERE t.id > k AND n.k > $1' LANGUAGE sql STRICT",
        );
        let call = f.scalar_call(&["5".into()], true).unwrap();
        assert!(!call.contains("n.k"), "{call}");
        assert!(call.contains("\"$args\".\"k\" > \"$args\".\"k\""), "{call}");
        assert!(
            call.starts_with("CASE WHEN CAST((5) AS INT) IS NULL THEN NULL ELSE (SELECT"),
            "{call}"
        );
    }

    #[test]
    fn definitions_pseudo_types_and_languages_are_checked() {
        let refused = |sql: &str| match parser::parse(sql).unwrap().as_slice() {
            [ast::Statement::CreateFunction(f)] => SqlFunction::from_ast(f, &|_| None).unwrap_err(),
            _ => panic!(),
        };
        assert_eq!(
            refused("CREATE FUNCTION f() RETURNS int AS 'SELECT 1'")
                .code
                .code(),
            "42P13"
        );
        assert_eq!(
            refused("CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS 'BEGIN END'")
                .code
                .code(),
            "0A000"
        );
        assert_eq!(
            refused("CREATE FUNCTION f() RETURNS void LANGUAGE sql AS 'SELECT 1'")
                .code
                .code(),
            "0A000"
        );
        assert_eq!(
            refused("CREATE FUNCTION f(a int = 1, b int) RETURNS int LANGUAGE sql AS 'SELECT 1'")
                .code
                .code(),
            "42P13"
        );
        assert_eq!(
            refused("CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'DELETE FROM t'")
                .code
                .code(),
            "0A000"
        );
    }
}
