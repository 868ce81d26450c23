//! Planning: from sqlparser's syntax tree to a bound, executable plan.
//!
//! The binder resolves names against the catalog ([`CatalogView`]) and the
//! scopes of the query (`scope`), turns SQL expressions into [`Expr`]s over
//! column positions, and assembles the relational operators of [`Plan`] in
//! the order SQL defines: FROM (joins), WHERE, GROUP BY and aggregates,
//! HAVING, the select list, DISTINCT, ORDER BY, LIMIT/OFFSET.

pub mod access;
pub mod ddl;
pub mod dml;
pub mod expr;
mod fold;
mod lateral;
pub mod optimizer;
pub mod plan;
pub mod scope;
mod set_returning;
pub(crate) mod sql_functions;
mod system_catalogs;
pub mod types;
pub(crate) mod user_types;

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;

use arbor_schema::{DataType, TableSchema, Value};
use rust_decimal::Decimal;
use sqlparser::ast;

use self::ddl::AlterPlan;
use self::dml::{ChangePlan, InsertPlan};
use self::expr::{BinaryOp, Expr, Subquery, SubqueryKind, UnaryOp};
use self::plan::{
    Access, AggregateCall, FrameBound, FrameUnits, JoinKind, Plan, SetOpKind, SortKey, TableSource,
    WindowCall, WindowFrame,
};
use self::scope::{Resolved, Scope, ScopeColumn, resolve};
use super::execution::WINDOW_FUNCTIONS;
use super::pg_catalog::Objects;
use crate::error::{Error, Result, SqlState};
use crate::table::{CheckBinder, Checks, RowCheck, Table};
pub use crate::vc::revision::AsOf;

/// Tables and views the planner can see.
pub trait CatalogView {
    /// The table named `name`, if it exists.
    fn table(&self, name: &str) -> Result<Option<Table>>;
    /// The defining query of view `name`, if it exists.
    fn view(&self, name: &str) -> Option<String>;
    /// The names of every table.
    fn table_names(&self) -> Vec<String>;
    /// Table `name` as it is in the commit `version` names (`AS OF`).
    fn table_as_of(&self, version: &AsOf, name: &str) -> Result<Option<Table>>;
    /// A version-control system table (`arbor_log`, ...): columns and rows.
    fn system_table(&self, name: &str) -> Result<Option<super::system::Rows>>;
    /// A version-control table function (`arbor_diff(...)`, ...): columns and rows.
    fn table_function(&self, name: &str, args: &[Value]) -> Result<Option<super::system::Rows>>;
    /// Evaluates a version-control function (`active_branch()`, ...).
    fn vc_function(&self, name: &str, args: &[Value]) -> Result<Value>;
    /// Table `table` along the branch's history, for `arbor_history_<table>`;
    /// `None` where there is no history to read.
    fn history(&self, table: &str) -> Result<Option<plan::History>> {
        let _ = table;
        Ok(None)
    }
    /// Table `table`'s rows with the commit that last changed each, for
    /// `arbor_blame_<table>`; `None` where there is no history to read.
    fn blame(&self, table: &str) -> Result<Option<plan::Blame>> {
        let _ = table;
        Ok(None)
    }
    /// Table `table`'s changes, for `arbor_diff_<table>`; `None` where
    /// there is no history to read.
    fn diffs(&self, table: &str) -> Result<Option<plan::Diffs>> {
        let _ = table;
        Ok(None)
    }
    /// Table `table`'s changes from revision `from` to `to`, for
    /// `arbor_commit_diff_<table>`; `None` where there is no history.
    fn commit_diff(&self, table: &str, from: &str, to: &str) -> Result<Option<plan::Diffs>> {
        let _ = (table, from, to);
        Ok(None)
    }
    /// The number of entries of the prolly map at `root` within `range`,
    /// for the planner's estimates; `None` when the store is out of reach.
    fn count_entries(&self, root: arbor_merkle::Address, range: &plan::KeyRange) -> Option<u64> {
        let _ = (root, range);
        None
    }
    /// The running statement's times, for a `now()` the planner evaluates
    /// (the default an ADD COLUMN gives existing rows).
    fn times(&self) -> crate::sql::functions::Times {
        crate::sql::functions::Times::default()
    }
    /// The names of every view.
    fn view_names(&self) -> Vec<String> {
        Vec::new()
    }
    /// Every SQL function: its signature and its `CREATE FUNCTION` text.
    fn functions(&self) -> Vec<(String, String)> {
        Vec::new()
    }
    /// The `CREATE TYPE` text of the type named `name`, if there is one.
    fn user_type(&self, name: &str) -> Option<String> {
        let _ = name;
        None
    }
    /// Every comment of the catalog: its object's key and its text.
    fn comments(&self) -> Vec<(String, String)> {
        Vec::new()
    }
    /// Every type of the catalog: its name and its `CREATE TYPE` text.
    fn user_types(&self) -> Vec<(String, String)> {
        Vec::new()
    }
    /// Every sequence, by name, with its state.
    fn sequences(&self) -> Result<Vec<(String, crate::table::sequences::Sequence)>> {
        Ok(Vec::new())
    }
    /// The session's settings, by name as PostgreSQL spells it, with their
    /// values (`pg_settings`).
    fn settings(&self) -> Vec<(String, String)> {
        Vec::new()
    }
    /// Who is asking: the database the session is connected to and the
    /// user, for `current_database()`, `current_user` and the catalogs.
    fn connected_as(&self) -> ConnectedAs {
        ConnectedAs::default()
    }
}

/// The database a session is connected to and its user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectedAs {
    /// The database's name (`repo` or `repo/branch` over the wire).
    pub database: String,
    /// The user's name.
    pub user: String,
}

impl Default for ConnectedAs {
    fn default() -> ConnectedAs {
        ConnectedAs {
            database: "arbor".into(),
            user: "arbor".into(),
        }
    }
}

/// A statement ready to execute.
#[derive(Debug)]
pub enum Statement {
    /// `CREATE TABLE`.
    CreateTable {
        /// The new table's schema.
        schema: TableSchema,
        /// `IF NOT EXISTS`.
        if_not_exists: bool,
        /// Sequences its serial and identity columns draw from, to create
        /// with it: each name and its start.
        sequences: Vec<(String, crate::table::sequences::Sequence)>,
        /// `TEMPORARY`: the session's own table, never published.
        temporary: bool,
    },
    /// `CREATE SEQUENCE`.
    CreateSequence {
        /// Its name.
        name: String,
        /// Its initial state.
        sequence: crate::table::sequences::Sequence,
        /// `IF NOT EXISTS`.
        if_not_exists: bool,
    },
    /// `DROP SEQUENCE`.
    DropSequence {
        /// Sequences to drop.
        names: Vec<String>,
        /// `IF EXISTS`.
        if_exists: bool,
    },
    /// `DROP TABLE`.
    DropTable {
        /// Tables to drop.
        names: Vec<String>,
        /// `IF EXISTS`.
        if_exists: bool,
        /// `CASCADE`: the foreign keys of other tables to these go too.
        cascade: bool,
    },
    /// `INSERT`.
    Insert(Box<InsertPlan>),
    /// `UPDATE`.
    Update(Box<ChangePlan>),
    /// `DELETE`.
    Delete(Box<ChangePlan>),
    /// `ALTER TABLE`.
    AlterTable(Box<AlterPlan>),
    /// A statement with nothing to do (`ALTER TABLE IF EXISTS` on a missing
    /// table); reports its tag.
    Nothing(String),
    /// `CREATE [UNIQUE] INDEX`.
    CreateIndex {
        /// The indexed table.
        table: Table,
        /// The index name.
        name: String,
        /// The statement named no index: `name` is the one PostgreSQL
        /// would choose (`<table>_<columns>_idx`), to be numbered on
        /// (`..._idx1`, ...) while another relation has it.
        name_chosen: bool,
        /// (column position, descending).
        columns: Vec<(usize, bool)>,
        /// UNIQUE.
        unique: bool,
        /// IF NOT EXISTS.
        if_not_exists: bool,
    },
    /// `DROP INDEX`.
    DropIndex {
        /// Indexes to drop.
        names: Vec<String>,
        /// IF EXISTS.
        if_exists: bool,
    },
    /// `CREATE VIEW`.
    CreateView {
        /// The view name.
        name: String,
        /// Its query, as SQL text.
        sql: String,
        /// OR REPLACE.
        or_replace: bool,
    },
    /// `CREATE FUNCTION ... LANGUAGE sql`.
    CreateFunction {
        /// Its signature, `name(type, ...)`: the catalog's key.
        signature: String,
        /// Its definition, as stored.
        definition: String,
        /// OR REPLACE.
        or_replace: bool,
    },
    /// `CREATE TYPE ... AS ENUM`.
    CreateType {
        /// The type's name.
        name: String,
        /// Its `CREATE TYPE` statement, as stored.
        definition: String,
    },
    /// `ALTER TYPE`: the type as it becomes (perhaps under a new name).
    AlterType {
        /// The type's name before.
        name: String,
        /// Its `CREATE TYPE` statement after.
        definition: String,
        /// A notice instead of a change (`ADD VALUE IF NOT EXISTS` of a
        /// label it has).
        notice: Option<String>,
    },
    /// `DROP TYPE`.
    DropType {
        /// Types to drop.
        names: Vec<String>,
        /// IF EXISTS.
        if_exists: bool,
    },
    /// `COMMENT ON`: the object's key (`sql::comments`) and the text
    /// (`None` removes it).
    Comment {
        /// What it describes.
        key: String,
        /// The comment.
        text: Option<String>,
    },
    /// `DROP FUNCTION`.
    DropFunction {
        /// Each function named: its name and, when given, its parameter types.
        functions: Vec<(String, Option<Vec<DataType>>)>,
        /// IF EXISTS.
        if_exists: bool,
    },
    /// `DROP VIEW`.
    DropView {
        /// Views to drop.
        names: Vec<String>,
        /// IF EXISTS.
        if_exists: bool,
    },
    /// A query returning rows.
    Query {
        /// The plan.
        plan: Plan,
        /// Output column names.
        columns: Vec<String>,
        /// Output column types, where binding can tell them.
        types: Vec<Option<DataType>>,
    },
    /// `EXPLAIN <query>`: the plan, and whether to run it and show what
    /// each node did (`EXPLAIN ANALYZE`).
    Explain {
        /// The plan shown.
        plan: Plan,
        /// `ANALYZE`: run the plan, counting each node's rows and time.
        analyze: bool,
    },
    /// `BEGIN`.
    Begin,
    /// `COMMIT`.
    Commit,
    /// `ROLLBACK`.
    Rollback,
    /// `LOCK TABLE ... IN ACCESS SHARE MODE`: what every snapshot read
    /// holds already, so it only checks its tables.
    Lock,
    /// `SAVEPOINT name`.
    Savepoint(String),
    /// `RELEASE [SAVEPOINT] name`.
    ReleaseSavepoint(String),
    /// `ROLLBACK TO [SAVEPOINT] name`.
    RollbackToSavepoint(String),
}

/// Plans one statement.
pub fn plan_statement(stmt: &ast::Statement, catalog: &dyn CatalogView) -> Result<Statement> {
    plan_with_parameters(stmt, catalog).map(|(statement, _)| statement)
}

/// Plans one statement, and gives the types its parameters (`$1`, `$2`,
/// ...) take from their contexts, by number less one (`None`: no context
/// gives the type; a trailing parameter without one may be missing).
pub fn plan_with_parameters(
    stmt: &ast::Statement,
    catalog: &dyn CatalogView,
) -> Result<(Statement, Vec<Option<DataType>>)> {
    let binder = Binder::new(catalog);
    let statement = bind_statement(&binder, stmt, catalog)?;
    Ok((statement, binder.parameters.into_inner()))
}

fn bind_statement(
    binder: &Binder<'_>,
    stmt: &ast::Statement,
    catalog: &dyn CatalogView,
) -> Result<Statement> {
    match stmt {
        // `WITH ... INSERT/UPDATE/DELETE`: the statement with the common
        // table expressions in scope.
        ast::Statement::Query(q)
            if matches!(
                q.body.as_ref(),
                ast::SetExpr::Insert(_) | ast::SetExpr::Update(_) | ast::SetExpr::Delete(_)
            ) =>
        {
            let (ast::SetExpr::Insert(inner)
            | ast::SetExpr::Update(inner)
            | ast::SetExpr::Delete(inner)) = q.body.as_ref()
            else {
                return Err(Error::internal("a statement that is not one"));
            };
            if q.order_by.is_some() || q.limit_clause.is_some() || q.fetch.is_some() {
                return Err(Error::syntax("syntax error at or near \"ORDER\""));
            }
            binder.with_ctes(q.with.as_ref(), || bind_statement(binder, inner, catalog))
        }
        ast::Statement::Query(q) => {
            let (plan, scope) = binder.query(q, &[])?;
            let (columns, types) = scope
                .columns
                .into_iter()
                .map(|c| (c.name, c.data_type))
                .unzip();
            Ok(Statement::Query {
                plan,
                columns,
                types,
            })
        }
        ast::Statement::CreateTable(ct) => binder.create_table(ct),
        ast::Statement::Drop {
            object_type: ast::ObjectType::Table,
            if_exists,
            names,
            cascade,
            ..
        } => Ok(Statement::DropTable {
            names: names.iter().map(object_name).collect::<Result<_>>()?,
            if_exists: *if_exists,
            cascade: *cascade,
        }),
        ast::Statement::Insert(insert) => binder.insert(insert),
        ast::Statement::Drop {
            object_type: ast::ObjectType::Index,
            if_exists,
            names,
            ..
        } => Ok(Statement::DropIndex {
            names: names.iter().map(object_name).collect::<Result<_>>()?,
            if_exists: *if_exists,
        }),
        ast::Statement::Drop {
            object_type: ast::ObjectType::Sequence,
            if_exists,
            names,
            ..
        } => Ok(Statement::DropSequence {
            names: names.iter().map(object_name).collect::<Result<_>>()?,
            if_exists: *if_exists,
        }),
        // A temporary view or sequence would be published like any other.
        ast::Statement::CreateSequence {
            temporary: true, ..
        } => Err(Error::unsupported("CREATE TEMPORARY SEQUENCE")),
        ast::Statement::CreateView(v) if v.temporary => {
            Err(Error::unsupported("CREATE TEMPORARY VIEW"))
        }
        ast::Statement::CreateSequence {
            if_not_exists,
            name,
            sequence_options,
            ..
        } => binder.create_sequence(new_relation_name(name)?, sequence_options, *if_not_exists),
        ast::Statement::Drop {
            object_type: ast::ObjectType::View,
            if_exists,
            names,
            ..
        } => Ok(Statement::DropView {
            names: names.iter().map(object_name).collect::<Result<_>>()?,
            if_exists: *if_exists,
        }),
        ast::Statement::CreateView(v) => {
            if v.materialized {
                // A plain view under that name would answer differently
                // (never stale, never refreshed): refused until it is built.
                return Err(Error::unsupported("CREATE MATERIALIZED VIEW"));
            }
            // Bind once now, so a broken view is refused when it is created.
            let (_, scope) = binder.query(&v.query, &[])?;
            let name = new_relation_name(&v.name)?;
            let sql = if v.columns.is_empty() {
                v.query.to_string()
            } else {
                // `CREATE VIEW v (x, y) AS ...` names the columns: kept as
                // the query under those names.
                if v.columns.len() > scope.len() {
                    return Err(Error::syntax(
                        "CREATE VIEW specifies more column names than columns",
                    ));
                }
                let names: Vec<String> = v
                    .columns
                    .iter()
                    .map(|c| arbor_schema::sql_text::quote_identifier(&ident(&c.name)))
                    .collect();
                format!(
                    "SELECT * FROM ({}) AS {}({})",
                    v.query,
                    arbor_schema::sql_text::quote_identifier(&name),
                    names.join(", ")
                )
            };
            Ok(Statement::CreateView {
                name,
                sql,
                or_replace: v.or_replace,
            })
        }
        ast::Statement::CreateIndex(ci) => binder.create_index(ci),
        ast::Statement::CreateFunction(f) => binder.create_function(f),
        ast::Statement::Comment {
            object_type,
            object_name,
            comment,
            if_exists: false,
        } => binder.comment(*object_type, object_name, comment.as_deref()),
        ast::Statement::CreateType {
            name,
            representation,
        } => binder.create_type(name, representation.as_ref()),
        ast::Statement::AlterType(a) => binder.alter_type(a),
        ast::Statement::Drop {
            object_type: ast::ObjectType::Type,
            if_exists,
            names,
            cascade,
            ..
        } => {
            if *cascade {
                return Err(Error::unsupported("DROP TYPE ... CASCADE"));
            }
            Ok(Statement::DropType {
                names: names.iter().map(object_name).collect::<Result<_>>()?,
                if_exists: *if_exists,
            })
        }
        ast::Statement::DropFunction(d) => {
            if matches!(d.drop_behavior, Some(ast::DropBehavior::Cascade)) {
                return Err(Error::unsupported("DROP FUNCTION ... CASCADE"));
            }
            let mut functions = Vec::new();
            for desc in &d.func_desc {
                let types = match &desc.args {
                    Some(args) => Some(
                        args.iter()
                            .map(|a| binder.resolve_type(&a.data_type))
                            .collect::<Result<Vec<_>>>()?,
                    ),
                    None => None,
                };
                functions.push((object_name(&desc.name)?, types));
            }
            Ok(Statement::DropFunction {
                functions,
                if_exists: d.if_exists,
            })
        }
        ast::Statement::AlterTable(at) => binder.alter_table(at),
        ast::Statement::Update(u) => binder.update(u),
        ast::Statement::Delete(d) => binder.delete(d),
        ast::Statement::Explain {
            statement,
            analyze,
            options,
            format,
            ..
        } => {
            let mut analyze = *analyze;
            if format.is_some() {
                return Err(Error::unsupported("EXPLAIN in a format other than text"));
            }
            // PostgreSQL's parenthesized options: ANALYZE runs the query;
            // the others choose details of the text (accepted, the text
            // shows what it shows); only the text format is written.
            for option in options.iter().flatten() {
                let name = ident(&option.name).to_lowercase();
                let value = option.arg.as_ref().map(|a| a.to_string().to_lowercase());
                let on = match value.as_deref() {
                    None | Some("true" | "on" | "1") => true,
                    Some("false" | "off" | "0") => false,
                    Some(other) if name == "format" => {
                        if other != "text" {
                            return Err(Error::unsupported(format!(
                                "EXPLAIN (FORMAT {})",
                                other.to_uppercase()
                            )));
                        }
                        true
                    }
                    Some(other) => {
                        return Err(Error::syntax(format!(
                            "{} requires a Boolean value, not \"{other}\"",
                            name.to_uppercase()
                        )));
                    }
                };
                match name.as_str() {
                    "analyze" => analyze = on,
                    "verbose" | "costs" | "buffers" | "timing" | "summary" | "settings" | "wal"
                    | "generic_plan" | "memory" | "format" => {}
                    other => {
                        return Err(Error::syntax(format!(
                            "unrecognized EXPLAIN option \"{other}\""
                        )));
                    }
                }
            }
            let plan = match plan_statement(statement, catalog)? {
                Statement::Query { plan, .. } => plan,
                // PostgreSQL's EXPLAIN ANALYZE carries a change out.
                Statement::Insert(_) | Statement::Update(_) | Statement::Delete(_) if analyze => {
                    return Err(Error::unsupported(
                        "EXPLAIN ANALYZE of INSERT, UPDATE or DELETE",
                    ));
                }
                // The rows a writing statement reads are what its plan shows.
                Statement::Insert(p) => p.source,
                Statement::Update(p) | Statement::Delete(p) => p.source,
                _ => {
                    return Err(Error::unsupported(
                        "EXPLAIN of a statement other than a query",
                    ));
                }
            };
            Ok(Statement::Explain { plan, analyze })
        }
        // The planner's estimates are counts read from the trees as they
        // are, so there are no statistics to refresh: ANALYZE checks its
        // table and has nothing else to do.
        ast::Statement::Analyze(a) => {
            if let Some(name) = &a.table_name {
                binder.table(&object_name(name)?)?;
            }
            Ok(Statement::Nothing("ANALYZE".into()))
        }
        // Nothing to reclaim in place: a version no commit or branch
        // reaches is removed by `arbor gc`.
        ast::Statement::Vacuum(v) => {
            if let Some(name) = &v.table_name {
                binder.table(&object_name(name)?)?;
            }
            Ok(Statement::Nothing("VACUUM".into()))
        }
        // A transaction reads one snapshot and merges its writes at commit,
        // so no writer can change what it reads: ACCESS SHARE (pg_dump's
        // lock) is held already. Stronger modes promise to block writers,
        // which Arbor's sessions never wait for.
        ast::Statement::Lock(lock) => {
            for target in &lock.tables {
                binder.table(&object_name(&target.name)?)?;
            }
            match lock.lock_mode {
                Some(ast::LockTableMode::AccessShare) => Ok(Statement::Lock),
                _ => Err(Error::new(
                    SqlState::FeatureNotSupported,
                    format!(
                        "LOCK TABLE IN {} MODE is not supported",
                        lock.lock_mode
                            .as_ref()
                            .map_or("ACCESS EXCLUSIVE".to_owned(), ToString::to_string)
                    ),
                )
                .with_hint(
                    "Transactions read a snapshot and merge their changes at COMMIT; \
                     a conflicting change fails with 40001, to retry.",
                )),
            }
        }
        ast::Statement::StartTransaction { .. } => Ok(Statement::Begin),
        ast::Statement::Commit { .. } => Ok(Statement::Commit),
        ast::Statement::Rollback {
            savepoint: Some(name),
            ..
        } => Ok(Statement::RollbackToSavepoint(ident(name))),
        ast::Statement::Rollback { .. } => Ok(Statement::Rollback),
        ast::Statement::Savepoint { name } => Ok(Statement::Savepoint(ident(name))),
        ast::Statement::ReleaseSavepoint { name } => Ok(Statement::ReleaseSavepoint(ident(name))),
        other => Err(Error::unsupported(format!(
            "the statement `{}`",
            first_words(&other.to_string())
        ))),
    }
}

/// An INSERT of whole rows into `table`, their values given by the caller
/// (for bulk loads): every column a target, no ON CONFLICT, no RETURNING.
pub fn plan_insert_rows(table: &str, catalog: &dyn CatalogView) -> Result<InsertPlan> {
    let binder = Binder::new(catalog);
    let table = binder.table(table)?;
    let width = table.schema.columns.len();
    Ok(InsertPlan {
        targets: (0..width).collect(),
        source: Plan::Values {
            rows: Vec::new(),
            width,
        },
        defaults: binder.defaults(&table)?,
        on_conflict: None,
        returning: None,
        checks: checks_of(&table.schema, catalog)?,
        foreign_keys: binder.foreign_keys(&table)?,
        table,
    })
}

/// The CHECK constraints of `schema`, bound over its rows.
pub fn checks_of(schema: &TableSchema, catalog: &dyn CatalogView) -> Result<Checks> {
    let binder = Binder::new(catalog);
    let scope = Scope::for_schema(&schema.name, schema);
    schema
        .checks
        .iter()
        .map(|c| {
            let check = dml::Check {
                name: c.name.clone(),
                expr: binder.expr(&sql_expression(&c.expression)?, &scope, &[], None)?,
            };
            Ok(Arc::new(check) as Arc<dyn RowCheck>)
        })
        .collect()
}

/// The CHECK constraints of `schema`, bound without a catalog (a check
/// reads only its own row).
pub fn own_checks(schema: &TableSchema) -> Result<Checks> {
    checks_of(schema, &NoCatalog)
}

/// The SQL layer's [`CheckBinder`]: what the layers below use to enforce
/// CHECK constraints they cannot read.
#[derive(Clone, Copy, Debug, Default)]
pub struct SqlChecks;

impl CheckBinder for SqlChecks {
    fn bind_checks(&self, schema: &TableSchema) -> Result<Checks> {
        own_checks(schema)
    }
}

/// A catalog with nothing in it, for expressions that read no table.
struct NoCatalog;

impl CatalogView for NoCatalog {
    fn table(&self, _: &str) -> Result<Option<Table>> {
        Ok(None)
    }
    fn view(&self, _: &str) -> Option<String> {
        None
    }
    fn table_names(&self) -> Vec<String> {
        Vec::new()
    }
    fn table_as_of(&self, _: &AsOf, _: &str) -> Result<Option<Table>> {
        Ok(None)
    }
    fn system_table(&self, _: &str) -> Result<Option<super::system::Rows>> {
        Ok(None)
    }
    fn table_function(&self, _: &str, _: &[Value]) -> Result<Option<super::system::Rows>> {
        Ok(None)
    }
    fn vc_function(&self, name: &str, _: &[Value]) -> Result<Value> {
        Err(Error::unsupported(format!("{name} in this expression")))
    }
}

/// Binds one SQL expression over a row whose columns are `columns`, by
/// name (no tables, no subqueries over tables).
pub fn bind_row_expression(text: &str, columns: &[String]) -> Result<Expr> {
    let binder = Binder::new(&NoCatalog);
    let scope = Scope::for_table("", columns.iter().cloned());
    binder.expr(&sql_expression(text)?, &scope, &[], None)
}

/// Binds constant expressions (`EXECUTE`'s arguments): no columns, but
/// subqueries over the catalog's tables.
pub fn bind_constants(exprs: &[ast::Expr], catalog: &dyn CatalogView) -> Result<Vec<Expr>> {
    let binder = Binder::new(catalog);
    let scope = Scope::new();
    exprs
        .iter()
        .map(|e| binder.expr(e, &scope, &[], None))
        .collect()
}

/// PostgreSQL's error for a table that does not exist.
fn undefined_table(name: &str) -> Error {
    Error::new(
        SqlState::UndefinedTable,
        format!("relation \"{name}\" does not exist"),
    )
}

/// Parses one SQL expression kept as text (a column default, a CHECK).
pub fn sql_expression(text: &str) -> Result<ast::Expr> {
    let stmts = super::parser::parse(&format!("SELECT {text}"))?;
    if let [ast::Statement::Query(q)] = stmts.as_slice()
        && let ast::SetExpr::Select(s) = q.body.as_ref()
        && let [ast::SelectItem::UnnamedExpr(e)] = s.projection.as_slice()
    {
        return Ok(e.clone());
    }
    Err(Error::new(
        SqlState::DataCorrupted,
        format!("stored expression is not a single expression: {text}"),
    ))
}

fn first_words(sql: &str) -> String {
    sql.split_whitespace().take(2).collect::<Vec<_>>().join(" ")
}

/// A sequence read as a relation (`SELECT last_value, is_called FROM s`,
/// as pg_dump reads one): its one row of state.
fn sequence_relation(qualifier: &str, state: &crate::table::sequences::Sequence) -> (Plan, Scope) {
    let columns = [
        ("last_value", DataType::BigInt),
        ("log_cnt", DataType::BigInt),
        ("is_called", DataType::Boolean),
    ];
    let scope = Scope {
        columns: columns
            .iter()
            .map(|(name, t)| ScopeColumn {
                table: Some(qualifier.to_owned()),
                name: (*name).to_owned(),
                hidden: false,
                qualified_only: false,
                data_type: Some(t.clone()),
            })
            .collect(),
    };
    let row = vec![
        Expr::Literal(Value::BigInt(state.last)),
        Expr::Literal(Value::BigInt(0)),
        Expr::Literal(Value::Boolean(state.called)),
    ];
    (
        Plan::Values {
            rows: vec![row],
            width: 3,
        },
        scope,
    )
}

/// Where an expression's own token starts (a name, a function's name, a
/// literal), for placing an error there as PostgreSQL does. Read from the
/// token alone: an expression's whole span would walk its subtree, which
/// for a chain of thousands of casts is too deep.
fn own_place(e: &ast::Expr) -> Option<sqlparser::tokenizer::Location> {
    let ident = |i: &ast::Ident| Some(i.span.start);
    match e {
        ast::Expr::Identifier(i) => ident(i),
        ast::Expr::CompoundIdentifier(parts) => parts.first().and_then(ident),
        ast::Expr::Function(f) => match f.name.0.first() {
            Some(ast::ObjectNamePart::Identifier(i)) => ident(i),
            _ => None,
        },
        ast::Expr::Value(v) => Some(v.span.start),
        _ => None,
    }
}

/// An unquoted identifier folds to lower case, as in PostgreSQL.
pub(crate) fn ident(i: &ast::Ident) -> String {
    if i.quote_style.is_some() {
        i.value.clone()
    } else {
        i.value.to_lowercase()
    }
}

/// Refuses a collation other than the one Arbor compares text by: its
/// bytes, which is PostgreSQL's `C` (alias `POSIX`, and `ucs_basic`, code
/// point order, which UTF-8's byte order is).
pub(crate) fn check_collation(collation: &ast::ObjectName) -> Result<()> {
    let name = object_name(collation)?;
    if !matches!(name.as_str(), "default" | "C" | "POSIX" | "ucs_basic" | "c") {
        return Err(Error::new(
            SqlState::UndefinedObject,
            format!("collation \"{name}\" for encoding \"UTF8\" does not exist"),
        ));
    }
    Ok(())
}

/// Whether an ORDER BY item sorts descending: `DESC`, or `USING >` (the
/// `>` of the item's type); `USING <` is ascending, and any other
/// operator is not an ordering one.
pub(crate) fn descending(options: &ast::OrderByOptions) -> Result<bool> {
    match &options.sort {
        Some(ast::OrderBySort::Desc) => Ok(true),
        Some(ast::OrderBySort::Asc) | None => Ok(false),
        Some(ast::OrderBySort::Using(op)) => match op.to_string().as_str() {
            ">" => Ok(true),
            "<" => Ok(false),
            other => Err(Error::new(
                SqlState::WrongObjectType,
                format!("operator {other} is not a valid ordering operator"),
            )
            .with_hint(
                "Ordering operators must be \"<\" or \">\" members of btree operator families.",
            )),
        },
    }
}

/// `plan` with each output column whose type (`from`) is a number of
/// another kind than `to`'s cast to it; `plan` itself where none is.
fn cast_numbers(plan: Plan, from: &[Option<DataType>], to: &[Option<DataType>]) -> Plan {
    let casts: Vec<Option<&DataType>> = from
        .iter()
        .zip(to)
        .map(|(f, t)| match (f, t) {
            (Some(f), Some(t)) if types::other_number(f, t) => Some(t),
            _ => None,
        })
        .collect();
    if casts.iter().all(Option::is_none) {
        return plan;
    }
    let exprs = casts
        .into_iter()
        .enumerate()
        .map(|(i, cast)| match cast {
            Some(t) => Expr::Cast(Box::new(Expr::Column(i)), t.clone()),
            None => Expr::Column(i),
        })
        .collect();
    Plan::Project {
        source: Box::new(plan),
        exprs,
    }
}

/// A call of `to_jsonb`, `jsonb_agg`, `row_to_json`, `to_json` or `json_agg` whose one
/// argument is a whole row of a FROM item (`t` that is no column, or
/// `t.*`), rewritten over that row's columns: `to_jsonb(t)` is
/// `jsonb_build_object('a', t.a, ...)`, `jsonb_agg(t)` aggregates that,
/// and `row_to_json(t)` is `row_to_json(ARRAY['a', ...], t.a, ...)`, which
/// writes the object in column order with PostgreSQL's compact json.
fn whole_row_call(f: &ast::Function, name: &str, scope: &Scope) -> Result<Option<ast::Function>> {
    if !matches!(
        name,
        "to_jsonb" | "jsonb_agg" | "row_to_json" | "to_json" | "json_agg"
    ) {
        return Ok(None);
    }
    let ast::FunctionArguments::List(list) = &f.args else {
        return Ok(None);
    };
    let [argument] = list.args.as_slice() else {
        return Ok(None);
    };
    let qualifier = match argument {
        ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(ast::Expr::Identifier(id)))
            if matches!(scope.find(None, &ident(id)), Ok(None)) =>
        {
            ident(id)
        }
        ast::FunctionArg::Unnamed(ast::FunctionArgExpr::QualifiedWildcard(n)) => object_name(n)?,
        _ => return Ok(None),
    };
    let columns: Vec<&str> = scope
        .columns
        .iter()
        .filter(|c| !c.hidden && c.table.as_deref() == Some(qualifier.as_str()))
        .map(|c| c.name.as_str())
        .collect();
    if columns.is_empty() {
        return Ok(None);
    }
    let text = |s: &str| ast::Expr::value(ast::Value::SingleQuotedString(s.to_owned()));
    let column = |c: &str| {
        ast::Expr::CompoundIdentifier(vec![
            ast::Ident::with_quote('"', qualifier.clone()),
            ast::Ident::with_quote('"', c.to_owned()),
        ])
    };
    let call = |function: &str, args: Vec<ast::Expr>| ast::Function {
        name: ast::ObjectName::from(vec![ast::Ident::new(function)]),
        uses_odbc_syntax: false,
        parameters: ast::FunctionArguments::None,
        args: ast::FunctionArguments::List(ast::FunctionArgumentList {
            duplicate_treatment: None,
            args: args
                .into_iter()
                .map(|a| ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(a)))
                .collect(),
            clauses: Vec::new(),
        }),
        filter: None,
        null_treatment: None,
        over: None,
        within_group: Vec::new(),
    };
    let object = || {
        call(
            "jsonb_build_object",
            columns.iter().flat_map(|c| [text(c), column(c)]).collect(),
        )
    };
    let json_object = || {
        let names = ast::Expr::Array(ast::Array {
            elem: columns.iter().map(|c| text(c)).collect(),
            named: true,
        });
        let mut args = vec![names];
        args.extend(columns.iter().map(|c| column(c)));
        call("row_to_json", args)
    };
    // An aggregate keeps its ORDER BY and FILTER; only its argument changes.
    let aggregate_of = |row: ast::Function| {
        let mut aggregate = f.clone();
        if let ast::FunctionArguments::List(list) = &mut aggregate.args {
            list.args = vec![ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(
                ast::Expr::Function(row),
            ))];
        }
        aggregate
    };
    let rewritten = match name {
        "to_jsonb" => object(),
        "jsonb_agg" => aggregate_of(object()),
        "json_agg" => aggregate_of(json_object()),
        _ => json_object(),
    };
    Ok(Some(rewritten))
}

/// The items of a row constructor: `(a, b, ...)` or `ROW(a, ...)`.
fn row_items(e: &ast::Expr) -> Option<Vec<&ast::Expr>> {
    match e {
        ast::Expr::Tuple(items) => Some(items.iter().collect()),
        ast::Expr::Function(f) if f.name.to_string().eq_ignore_ascii_case("row") => match &f.args {
            ast::FunctionArguments::List(list) if list.clauses.is_empty() => list
                .args
                .iter()
                .map(|a| match a {
                    ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => Some(e),
                    _ => None,
                })
                .collect(),
            _ => None,
        },
        ast::Expr::Nested(inner) => row_items(inner),
        _ => None,
    }
}

/// The two row constructors' items, pairwise; rows of different lengths
/// cannot be compared.
fn row_pairs<'e>(
    left: &'e ast::Expr,
    right: &'e ast::Expr,
) -> Result<Vec<(&'e ast::Expr, &'e ast::Expr)>> {
    let (l, r) = (
        row_items(left).unwrap_or_default(),
        row_items(right).unwrap_or_default(),
    );
    if l.len() != r.len() || l.is_empty() {
        return Err(Error::syntax(
            "unequal number of entries in row expressions",
        ));
    }
    Ok(l.into_iter().zip(r).collect())
}

fn binary(left: &ast::Expr, op: ast::BinaryOperator, right: &ast::Expr) -> ast::Expr {
    ast::Expr::BinaryOp {
        left: Box::new(left.clone()),
        op,
        right: Box::new(right.clone()),
    }
}

/// `terms` joined by `join` (AND, OR), as a balanced tree.
fn join_terms(mut terms: Vec<ast::Expr>, join: ast::BinaryOperator) -> ast::Expr {
    while terms.len() > 1 {
        let mut next = Vec::with_capacity(terms.len().div_ceil(2));
        let mut items = terms.into_iter();
        while let Some(a) = items.next() {
            next.push(match items.next() {
                Some(b) => ast::Expr::BinaryOp {
                    left: Box::new(a),
                    op: join.clone(),
                    right: Box::new(b),
                },
                None => a,
            });
        }
        terms = next;
    }
    terms
        .pop()
        .unwrap_or(ast::Expr::value(ast::Value::Boolean(true)))
}

/// A comparison of two rows as a comparison of their items, with
/// PostgreSQL's meaning: `=` holds when every pair is equal (NULL when
/// none differs but some is NULL), `<>` when some pair differs, and `<`,
/// `<=`, `>`, `>=` are decided by the first pair that is not equal (NULL
/// if that pair has a NULL): `(a, b) < (c, d)` is
/// `a < c OR (a = c AND b < d)`.
fn compare_rows(
    left: &ast::Expr,
    op: &ast::BinaryOperator,
    right: &ast::Expr,
) -> Result<ast::Expr> {
    use ast::BinaryOperator as B;
    let pairs = row_pairs(left, right)?;
    let pairwise = |op: B| -> Vec<ast::Expr> {
        pairs
            .iter()
            .map(|(l, r)| binary(l, op.clone(), r))
            .collect()
    };
    Ok(match op {
        B::Eq => join_terms(pairwise(B::Eq), B::And),
        B::NotEq => join_terms(pairwise(B::NotEq), B::Or),
        B::Lt | B::LtEq | B::Gt | B::GtEq => {
            let strict = if matches!(op, B::Lt | B::LtEq) {
                B::Lt
            } else {
                B::Gt
            };
            let mut rest = pairs.iter().rev();
            let Some((l, r)) = rest.next() else {
                return Err(Error::internal("a row without items"));
            };
            let mut acc = binary(l, op.clone(), r);
            for (l, r) in rest {
                let equal_then = ast::Expr::BinaryOp {
                    left: Box::new(binary(l, B::Eq, r)),
                    op: B::And,
                    right: Box::new(ast::Expr::Nested(Box::new(acc))),
                };
                acc = ast::Expr::Nested(Box::new(ast::Expr::BinaryOp {
                    left: Box::new(binary(l, strict.clone(), r)),
                    op: B::Or,
                    right: Box::new(equal_then),
                }));
            }
            acc
        }
        other => {
            return Err(Error::unsupported(format!(
                "the operator {other} between rows"
            )));
        }
    })
}

/// `row IS [NOT] DISTINCT FROM row`: some pair distinct (none, with NOT).
fn distinct_rows(left: &ast::Expr, right: &ast::Expr, not: bool) -> Result<ast::Expr> {
    let pairs = row_pairs(left, right)?;
    let terms = pairs
        .iter()
        .map(|(l, r)| {
            let (l, r) = (Box::new((*l).clone()), Box::new((*r).clone()));
            if not {
                ast::Expr::IsNotDistinctFrom(l, r)
            } else {
                ast::Expr::IsDistinctFrom(l, r)
            }
        })
        .collect();
    Ok(join_terms(
        terms,
        if not {
            ast::BinaryOperator::And
        } else {
            ast::BinaryOperator::Or
        },
    ))
}

/// What a GROUP BY item groups by, as PostgreSQL reads it: an integer
/// constant is the select list's item at that position, a bare name that
/// no input column has is the select item it names (an input column's name
/// wins over an output column's), anything else an expression over the
/// input.
fn group_by_item<'s>(e: &'s ast::Expr, s: &'s ast::Select, input: &Scope) -> Result<&'s ast::Expr> {
    let item_expr = |item: &'s ast::SelectItem| match item {
        ast::SelectItem::UnnamedExpr(e) | ast::SelectItem::ExprWithAlias { expr: e, .. } => Some(e),
        _ => None,
    };
    match e {
        ast::Expr::Value(v) => match &v.value {
            ast::Value::Number(n, _) => {
                let k: usize = n
                    .parse()
                    .map_err(|_| Error::syntax(format!("bad GROUP BY position {n}")))?;
                if k == 0 || k > s.projection.len() {
                    return Err(Error::new(
                        SqlState::InvalidColumnReference,
                        format!("GROUP BY position {k} is not in select list"),
                    ));
                }
                // A `*` before the position stands for columns not counted here.
                if s.projection[..k].iter().any(|i| item_expr(i).is_none()) {
                    return Err(Error::unsupported(
                        "GROUP BY a position after a * in the select list",
                    ));
                }
                Ok(item_expr(&s.projection[k - 1]).unwrap_or(e))
            }
            _ => Ok(e),
        },
        ast::Expr::Identifier(id) if matches!(input.find(None, &ident(id)), Ok(None)) => {
            let name = ident(id);
            Ok(s.projection
                .iter()
                .find_map(|i| match i {
                    ast::SelectItem::ExprWithAlias { expr, alias } if ident(alias) == name => {
                        Some(expr)
                    }
                    _ => None,
                })
                .unwrap_or(e))
        }
        _ => Ok(e),
    }
}

pub(crate) fn object_name(n: &ast::ObjectName) -> Result<String> {
    match n.0.last() {
        Some(ast::ObjectNamePart::Identifier(i)) => Ok(ident(i)),
        _ => Err(Error::syntax(format!("bad name {n}"))),
    }
}

/// The name of a new table, view or sequence: one that cannot shadow a
/// system table (`arbor_log`, `arbor_diff_<t>`, ...), which a CI gate
/// written in SQL trusts, as PostgreSQL reserves `pg_` for its schemas.
fn new_relation_name(n: &ast::ObjectName) -> Result<String> {
    let name = object_name(n)?;
    check_new_name(&name)?;
    // `arbor_tests` is the one such name a user makes (the data tests);
    // `arbor_rebase` is made by a planned rebase (`super::rebase_plan`).
    let made_here = [
        super::data_tests::TESTS_TABLE,
        super::rebase_plan::PLAN_TABLE,
    ];
    if name.starts_with(super::system::RESERVED_PREFIX) && !made_here.contains(&name.as_str()) {
        return Err(Error::new(
            SqlState::ReservedName,
            format!("unacceptable name \"{name}\""),
        )
        .with_detail(format!(
            "The prefix \"{}\" is reserved for Arbor's system tables.",
            super::system::RESERVED_PREFIX
        )));
    }
    Ok(name)
}

/// Refuses a name for a new table, view, sequence or column that
/// PostgreSQL refuses (the empty name `""`), or that holds control
/// characters (a NUL, a line break, an escape sequence), which would break
/// every listing, file and terminal the name is shown in.
fn check_new_name(name: &str) -> Result<()> {
    if name.is_empty() {
        return Err(Error::new(
            SqlState::SyntaxError,
            "zero-length delimited identifier",
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(Error::new(
            SqlState::InvalidName,
            format!(
                "invalid name \"{}\": names may not contain control characters",
                name.escape_debug()
            ),
        ));
    }
    Ok(())
}

/// Converts a sqlparser type to Arbor's.
pub fn data_type(t: &ast::DataType) -> Result<DataType> {
    data_type_in(t, &|_| None)
}

/// Converts a sqlparser type to Arbor's, with `user_type` naming the
/// catalog's own types (enums) by name.
pub fn data_type_in(
    t: &ast::DataType,
    user_type: &dyn Fn(&str) -> Option<DataType>,
) -> Result<DataType> {
    use ast::DataType as A;
    let len = |l: &Option<ast::CharacterLength>| match l {
        Some(ast::CharacterLength::IntegerLength { length, .. }) => u32::try_from(*length).ok(),
        _ => None,
    };
    Ok(match t {
        A::Boolean | A::Bool => DataType::Boolean,
        A::SmallInt(_) | A::Int2(_) => DataType::SmallInt,
        A::Int(_) | A::Integer(_) | A::Int4(_) => DataType::Integer,
        A::BigInt(_) | A::Int8(_) => DataType::BigInt,
        A::Real | A::Float4 => DataType::Real,
        A::Double(_) | A::DoublePrecision | A::Float8 | A::Float(_) => DataType::Double,
        A::Numeric(info) | A::Decimal(info) | A::Dec(info) => DataType::Numeric(match info {
            ast::ExactNumberInfo::PrecisionAndScale(p, s) => Some((*p as u32, *s as u32)),
            ast::ExactNumberInfo::Precision(p) => Some((*p as u32, 0)),
            _ => None,
        }),
        A::Text | A::String(_) => DataType::Text,
        A::Varchar(l) | A::CharacterVarying(l) | A::CharVarying(l) => DataType::Varchar(len(l)),
        A::Char(l) | A::Character(l) => DataType::Char(len(l).unwrap_or(1)),
        A::Bytea => DataType::Bytea,
        A::Date => DataType::Date,
        A::Time(_, ast::TimezoneInfo::None | ast::TimezoneInfo::WithoutTimeZone) => DataType::Time,
        A::Timestamp(_, ast::TimezoneInfo::None | ast::TimezoneInfo::WithoutTimeZone) => {
            DataType::Timestamp
        }
        A::Timestamp(_, _) => DataType::TimestampTz,
        A::Uuid => DataType::Uuid,
        A::Interval { fields: None, .. } => DataType::Interval,
        A::Interval {
            fields: Some(fields),
            ..
        } => {
            return Err(Error::new(
                SqlState::FeatureNotSupported,
                format!("interval columns restricted to {fields} are not supported"),
            ));
        }
        A::JSON => DataType::Json,
        A::JSONB => DataType::Jsonb,
        A::Array(
            ast::ArrayElemTypeDef::SquareBracket(element, _)
            | ast::ArrayElemTypeDef::AngleBracket(element)
            | ast::ArrayElemTypeDef::Parenthesis(element),
        ) => match data_type_in(element, user_type)? {
            DataType::Array(_) | DataType::Vector(_) => {
                return Err(Error::new(
                    SqlState::FeatureNotSupported,
                    "multidimensional arrays are not supported",
                ));
            }
            element => DataType::Array(Box::new(element)),
        },
        A::Regclass => DataType::Integer,
        A::Custom(name, modifiers) => match object_name(name)?.as_str() {
            "timestamptz" => DataType::TimestampTz,
            // Built-in types written with their schema (`pg_catalog.text`)
            // or by their internal names.
            "text" => DataType::Text,
            "bool" | "boolean" => DataType::Boolean,
            "int2" | "smallint" => DataType::SmallInt,
            "int4" | "int" | "integer" => DataType::Integer,
            "int8" | "bigint" => DataType::BigInt,
            "float4" | "real" => DataType::Real,
            "float8" => DataType::Double,
            "numeric" if modifiers.is_empty() => DataType::Numeric(None),
            "varchar" if modifiers.is_empty() => DataType::Varchar(None),
            "bpchar" if modifiers.is_empty() => DataType::Char(1),
            "bytea" => DataType::Bytea,
            "date" => DataType::Date,
            "time" => DataType::Time,
            "timestamp" => DataType::Timestamp,
            "uuid" => DataType::Uuid,
            "json" => DataType::Json,
            "jsonb" => DataType::Jsonb,
            // The catalogs' own types: names and single characters are
            // text, object identifiers integers.
            "name" | "char" | "pg_node_tree" => DataType::Text,
            "oid" | "xid" | "cid" | "regclass" | "regtype" | "regproc" | "regprocedure"
            | "regoper" | "regnamespace" | "regrole" => DataType::Integer,
            "int2vector" => DataType::Vector(Box::new(DataType::SmallInt)),
            "oidvector" => DataType::Vector(Box::new(DataType::Integer)),
            other => {
                if let Some(t) = user_type(other) {
                    return Ok(t);
                }
                return Err(Error::new(
                    SqlState::UndefinedObject,
                    format!("type \"{other}\" does not exist"),
                ));
            }
        },
        other => {
            return Err(Error::new(
                SqlState::UndefinedObject,
                format!("type \"{other}\" is not supported"),
            ));
        }
    })
}

use super::execution::is_aggregate;

/// `INTERVAL '1 day'`, `INTERVAL '3' DAY`, `INTERVAL '1:30' HOUR TO
/// MINUTE`: a bare number counts the last field named, and fields below
/// it are dropped, as PostgreSQL reads an interval with a qualifier.
/// Anything but a string (`INTERVAL $1`) is cast.
fn interval_literal(
    interval: &ast::Interval,
    mut bind: impl FnMut(&ast::Expr) -> Result<Expr>,
) -> Result<Expr> {
    use arbor_schema::interval::IntervalUnit;
    let unit = |field: &Option<ast::DateTimeField>| -> Result<Option<IntervalUnit>> {
        field
            .as_ref()
            .map(|f| {
                IntervalUnit::named(&f.to_string().to_ascii_lowercase())
                    .ok_or_else(|| Error::syntax(format!("syntax error at or near \"{f}\"")))
            })
            .transpose()
    };
    let last = unit(&interval.last_field)?.or(unit(&interval.leading_field)?);
    if let ast::Expr::Value(v) = interval.value.as_ref()
        && let ast::Value::SingleQuotedString(text) = &v.value
    {
        let parsed = arbor_schema::Interval::parse(text, last)?;
        return Ok(Expr::Literal(Value::Interval(
            last.map_or(parsed, |u| parsed.truncate(u)),
        )));
    }
    Ok(Expr::Cast(
        Box::new(bind(&interval.value)?),
        DataType::Interval,
    ))
}

struct Binder<'a> {
    catalog: &'a dyn CatalogView,
    /// Window calls of the SELECT being bound; each SELECT keeps its own.
    windows: RefCell<Vec<WindowCall>>,
    /// The `WINDOW name AS (...)` definitions of the SELECT being bound.
    named_windows: RefCell<Vec<(String, ast::NamedWindowExpr)>>,
    /// Whether a window function may appear where binding is now (the
    /// select list and ORDER BY, outside another window call's arguments).
    windows_allowed: Cell<bool>,
    /// Where an aggregate call is refused, for the message: "in WHERE",
    /// "in JOIN conditions", else "here".
    aggregate_refused: Cell<&'static str>,
    /// Common table expressions in scope, innermost last.
    ctes: RefCell<Vec<Cte>>,
    /// Numbers recursive CTEs, so each work table has its own id.
    next_cte_id: Cell<usize>,
    /// How deep binding is now, in expressions, queries and set operations
    /// inside one another (views and CTEs included); see [`MAX_NESTING`].
    nesting: Cell<usize>,
    /// The types of `$1`, `$2`, ... as their contexts give them (compared
    /// with a column, assigned to one, cast), by number less one.
    parameters: RefCell<Vec<Option<DataType>>>,
    /// The system catalogs' view of `catalog`, built when a statement
    /// first reads one.
    objects: std::cell::OnceCell<Rc<Objects>>,
    /// Whether a set-returning function may be called where binding is
    /// now (at the top of a select list item).
    set_returning_allowed: Cell<bool>,
    /// The revisions the WHERE of the SELECT being bound names for an
    /// `arbor_commit_diff_<table>` in its FROM: `from_commit`, `to_commit`.
    commit_diff_revisions: RefCell<CommitDiffRevisions>,
    /// The SQL functions whose calls are being expanded, innermost last.
    expanding: RefCell<Vec<String>>,
    /// The catalog's SQL functions, read from their definitions when a
    /// statement first calls one.
    sql_functions: std::cell::OnceCell<Rc<Vec<sql_functions::SqlFunction>>>,
}

/// The `from_commit` and `to_commit` a WHERE fixes to one value each.
#[derive(Clone, Debug, Default)]
struct CommitDiffRevisions {
    from: Option<String>,
    to: Option<String>,
}

/// The deepest nesting a statement may have. sqlparser builds chains of a
/// left-associative operator (`a + b + ... `, `x::int::text`, `UNION`) as
/// left-deep trees as deep as the chain is long (the parser bounds them
/// only loosely, see `parser::MAX_CHAIN`), and everything after binding
/// (optimizing, evaluating, dropping the plan) recurses over them, once per
/// level, on whatever stack the caller has: 500 levels fit a 1 MiB thread
/// stack in a release build (a debug build's frames need 8 MiB). Chains of `AND` and `OR`, which generated SQL
/// writes by the thousand, are bound as balanced trees and so nest little.
const MAX_NESTING: usize = 500;

/// Leaves one level of [`Binder::nesting`] when dropped.
struct NestingGuard<'b>(&'b Cell<usize>);

impl Drop for NestingGuard<'_> {
    fn drop(&mut self) {
        self.0.set(self.0.get() - 1);
    }
}

impl<'a> Binder<'a> {
    fn new(catalog: &'a dyn CatalogView) -> Binder<'a> {
        Binder {
            catalog,
            windows: RefCell::default(),
            named_windows: RefCell::default(),
            windows_allowed: Cell::new(false),
            aggregate_refused: Cell::new("here"),
            ctes: RefCell::default(),
            next_cte_id: Cell::new(0),
            nesting: Cell::new(0),
            parameters: RefCell::default(),
            objects: std::cell::OnceCell::new(),
            set_returning_allowed: Cell::new(false),
            commit_diff_revisions: RefCell::default(),
            expanding: RefCell::default(),
            sql_functions: std::cell::OnceCell::new(),
        }
    }

    /// The system tables of one table's history that are plan nodes of
    /// their own (`arbor_history_<t>`, `arbor_blame_<t>`, `arbor_diff_<t>`,
    /// `arbor_commit_diff_<t>`): the node, read over the whole key space
    /// until the optimizer narrows it, and its column names; `None` for
    /// any other name.
    fn history_node(&self, table_name: &str) -> Result<Option<(Plan, Vec<String>)>> {
        let access = Access::full;
        if let Some(of) = table_name.strip_prefix("arbor_history_")
            && let Some(history) = self.catalog.history(of)?
        {
            let columns = history.column_names();
            let history = Arc::new(history);
            return Ok(Some((
                Plan::History {
                    history,
                    access: access(),
                },
                columns,
            )));
        }
        if let Some(of) = table_name.strip_prefix("arbor_blame_")
            && let Some(blame) = self.catalog.blame(of)?
        {
            let columns = blame.column_names();
            let blame = Arc::new(blame);
            return Ok(Some((
                Plan::Blame {
                    blame,
                    access: access(),
                },
                columns,
            )));
        }
        let diffs = if let Some(of) = table_name.strip_prefix("arbor_diff_") {
            self.catalog.diffs(of)?
        } else if let Some(of) = table_name.strip_prefix("arbor_commit_diff_") {
            let revisions = self.commit_diff_revisions.borrow().clone();
            let (Some(from), Some(to)) = (revisions.from, revisions.to) else {
                return Err(Error::new(
                    SqlState::InvalidParameterValue,
                    format!("{table_name} must be filtered to one from_commit and one to_commit"),
                )
                .with_hint(format!(
                    "SELECT * FROM {table_name} WHERE from_commit = 'HEAD~1' AND to_commit = 'HEAD'"
                )));
            };
            self.catalog.commit_diff(of, &from, &to)?
        } else {
            None
        };
        Ok(diffs.map(|diffs| {
            let columns = diffs.column_names();
            let diffs = Arc::new(diffs);
            (
                Plan::Diff {
                    diffs,
                    access: access(),
                },
                columns,
            )
        }))
    }

    /// The revisions `s`'s WHERE fixes `from_commit` and `to_commit` to
    /// (`from_commit = 'main~1' AND to_commit = 'main'`, a constant
    /// expression on either side), when its FROM reads an
    /// `arbor_commit_diff_<table>`, which has no rows without both.
    fn commit_diff_revisions(&self, s: &ast::Select) -> Result<CommitDiffRevisions> {
        let reads_commit_diff = |f: &ast::TableFactor| {
            matches!(f, ast::TableFactor::Table { name, .. }
                if object_name(name).is_ok_and(|n| n.starts_with("arbor_commit_diff_")))
        };
        let mut found = CommitDiffRevisions::default();
        if !s.from.iter().any(|t| {
            reads_commit_diff(&t.relation) || t.joins.iter().any(|j| reads_commit_diff(&j.relation))
        }) {
            return Ok(found);
        }
        let mut terms: Vec<&ast::Expr> = s.selection.iter().collect();
        while let Some(term) = terms.pop() {
            let ast::Expr::BinaryOp { left, op, right } = term else {
                continue;
            };
            match op {
                ast::BinaryOperator::And => terms.extend([&**left, &**right]),
                ast::BinaryOperator::Eq => {
                    for (column, value) in [(left, right), (right, left)] {
                        let name = match &**column {
                            ast::Expr::Identifier(i) => ident(i),
                            ast::Expr::CompoundIdentifier(parts) => {
                                parts.last().map(ident).unwrap_or_default()
                            }
                            _ => continue,
                        };
                        let slot = match name.as_str() {
                            "from_commit" => &mut found.from,
                            "to_commit" => &mut found.to,
                            _ => continue,
                        };
                        // A constant: a literal, or a function the planner
                        // evaluates (`arbor_hashof('main')`).
                        if let Ok(bound) = self.expr(value, &Scope::new(), &[], None)
                            && let Ok(Expr::Literal(Value::Text(revision))) = fold::fold(bound)
                        {
                            *slot = Some(revision);
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(found)
    }

    /// Notes that parameter `$n` is read as type `t` (the first context to
    /// give it a type wins, as in PostgreSQL).
    fn note_parameter(&self, n: usize, t: Option<DataType>) {
        let Some(t) = t else { return };
        let mut params = self.parameters.borrow_mut();
        if params.len() < n {
            params.resize(n, None);
        }
        params[n - 1].get_or_insert(t);
    }

    /// `e` (bound from `ast`) where it meets a value of type `context`
    /// (the other operand of `op`, or what it is assigned to when `op` is
    /// `None`): an untyped string literal is read as that type, and a
    /// parameter takes it.
    fn in_context(
        &self,
        ast: &ast::Expr,
        e: Expr,
        op: Option<BinaryOp>,
        context: Option<DataType>,
    ) -> Result<Expr> {
        let Some(t) = context.map(|t| types::operand_type(op, &t)) else {
            return Ok(e);
        };
        match e {
            Expr::Parameter(n) => {
                self.note_parameter(n, Some(t));
                Ok(e)
            }
            Expr::Literal(Value::Text(ref text))
                if untyped_string(ast) && types::literal_takes_type(op, &t) =>
            {
                Ok(Expr::Literal(types::read_literal(text, &t)?))
            }
            e => Ok(e),
        }
    }

    /// Binds the operands of `op`, each read in the context of the other.
    #[allow(clippy::too_many_arguments)]
    fn operands(
        &self,
        op: Option<BinaryOp>,
        (left, l): (&ast::Expr, Expr),
        (right, r): (&ast::Expr, Expr),
        scope: &Scope,
        outer: &[&Scope],
    ) -> Result<(Expr, Expr)> {
        let lt = types::static_type(&l, scope, outer);
        let rt = types::static_type(&r, scope, outer);
        let l = self.in_context(left, l, op, rt)?;
        let r = self.in_context(right, r, op, lt)?;
        // An enum compares only with its own type (a string literal has
        // become one above), as PostgreSQL has no operator for others.
        if let (Some(a), Some(b)) = (
            types::static_type(&l, scope, outer),
            types::static_type(&r, scope, outer),
        ) && (matches!(a, DataType::Enum(_)) || matches!(b, DataType::Enum(_)))
            && a != b
        {
            let name = super::pg_catalog::type_display;
            return Err(Error::new(
                SqlState::UndefinedFunction,
                format!(
                    "operator does not exist: {} {} {}",
                    name(&a),
                    op.map_or("=", BinaryOp::symbol),
                    name(&b)
                ),
            )
            .with_hint("No operator matches the given name and argument types. You might need to add explicit type casts."));
        }
        Ok((l, r))
    }

    /// Enters one level of nesting, refusing a statement nested deeper than
    /// [`MAX_NESTING`] (PostgreSQL's 54001).
    fn nest(&self) -> Result<NestingGuard<'_>> {
        let depth = self.nesting.get() + 1;
        if depth > MAX_NESTING {
            return Err(super::parser::too_complex(format!(
                "it nests more than {MAX_NESTING} levels deep"
            )));
        }
        self.nesting.set(depth);
        Ok(NestingGuard(&self.nesting))
    }
}

/// A common table expression as a FROM item sees it.
#[derive(Clone)]
struct Cte {
    name: String,
    /// Column names from `name(a, b, ...)`, if given.
    columns: Vec<String>,
    what: CteKind,
}

#[derive(Clone)]
enum CteKind {
    /// Its query, bound afresh where it is used, with the CTEs that were in
    /// scope where it was defined (the first `visible` entries).
    Query {
        query: Box<ast::Query>,
        visible: usize,
        /// Defined by `WITH RECURSIVE`: it may read its own rows.
        recursive: bool,
    },
    /// Inside a recursive CTE's recursive part: its own name reads the rows
    /// of the previous round.
    WorkTable {
        id: usize,
        scope: Scope,
        used: Rc<Cell<bool>>,
    },
}

/// Aggregation state while binding a grouped query's select list.
struct Grouping {
    group_by: Vec<Expr>,
    aggregates: Vec<AggregateCall>,
}

impl Binder<'_> {
    fn table(&self, name: &str) -> Result<Table> {
        self.catalog
            .table(name)?
            .ok_or_else(|| undefined_table(name))
    }

    /// `plan` optimized, with the catalog counting index entries for its
    /// estimates.
    fn optimize(&self, plan: Plan) -> Plan {
        optimizer::optimize(plan, &|root, range| self.catalog.count_entries(root, range))
    }

    #[recursive::recursive]
    fn query(&self, q: &ast::Query, outer: &[&Scope]) -> Result<(Plan, Scope)> {
        let _nesting = self.nest()?;
        self.with_ctes(q.with.as_ref(), || self.query_body(q, outer))
    }

    /// Runs `bind` with the common table expressions of `with` in scope.
    fn with_ctes<T>(
        &self,
        with: Option<&ast::With>,
        bind: impl FnOnce() -> Result<T>,
    ) -> Result<T> {
        let depth = self.ctes.borrow().len();
        if let Some(with) = with {
            for cte in &with.cte_tables {
                let name = ident(&cte.alias.name);
                if self.ctes.borrow()[depth..].iter().any(|c| c.name == name) {
                    return Err(Error::new(
                        SqlState::DuplicateAlias,
                        format!("WITH query name \"{name}\" specified more than once"),
                    ));
                }
                let visible = self.ctes.borrow().len();
                self.ctes.borrow_mut().push(Cte {
                    name,
                    columns: cte.alias.columns.iter().map(|c| ident(&c.name)).collect(),
                    what: CteKind::Query {
                        query: cte.query.clone(),
                        visible,
                        recursive: with.recursive,
                    },
                });
            }
        }
        let result = bind();
        self.ctes.borrow_mut().truncate(depth);
        result
    }

    /// A query without its WITH clause (whose CTEs are already in scope).
    fn query_body(&self, q: &ast::Query, outer: &[&Scope]) -> Result<(Plan, Scope)> {
        let (mut plan, scope, hidden) = match q.body.as_ref() {
            ast::SetExpr::Select(s) => self.select(s, q.order_by.as_ref(), outer)?,
            body => {
                let (p, s) = self.set_expr(body, outer)?;
                let p = self.order_by_output(p, &s, q.order_by.as_ref(), outer)?;
                (p, s, 0)
            }
        };
        // `FETCH FIRST n ROWS ONLY` is the standard's LIMIT (n defaults
        // to 1); PostgreSQL writes its OFFSET in the LIMIT clause.
        let fetch =
            match &q.fetch {
                None => None,
                Some(f) if f.with_ties => return Err(Error::unsupported("FETCH ... WITH TIES")),
                Some(f) if f.percent => {
                    return Err(Error::syntax("FETCH ... PERCENT is not PostgreSQL's"));
                }
                Some(f) => Some(f.quantity.clone().unwrap_or_else(|| {
                    ast::Expr::value(ast::Value::Number("1".to_owned(), false))
                })),
            };
        let limit_clause = match (&q.limit_clause, fetch) {
            (None, None) => None,
            (Some(clause), None) => Some(clause.clone()),
            (None, Some(fetch)) => Some(ast::LimitClause::LimitOffset {
                limit: Some(fetch),
                offset: None,
                limit_by: Vec::new(),
            }),
            (
                Some(ast::LimitClause::LimitOffset {
                    limit: None,
                    offset,
                    limit_by,
                }),
                Some(fetch),
            ) => Some(ast::LimitClause::LimitOffset {
                limit: Some(fetch),
                offset: offset.clone(),
                limit_by: limit_by.clone(),
            }),
            (Some(_), Some(_)) => {
                return Err(Error::syntax("syntax error at or near \"FETCH\""));
            }
        };
        if let Some(limit) = &limit_clause {
            let (limit, offset) = match limit {
                ast::LimitClause::LimitOffset { limit, offset, .. } => {
                    (limit.clone(), offset.as_ref().map(|o| o.value.clone()))
                }
                ast::LimitClause::OffsetCommaLimit { offset, limit } => {
                    (Some(limit.clone()), Some(offset.clone()))
                }
            };
            let empty = Scope::new();
            let bind =
                |e: Option<ast::Expr>| e.map(|e| self.expr(&e, &empty, outer, None)).transpose();
            plan = Plan::Limit {
                source: Box::new(plan),
                limit: bind(limit)?,
                offset: bind(offset)?,
            };
        }
        if hidden > 0 {
            let width = scope.len();
            plan = Plan::Project {
                source: Box::new(plan),
                exprs: (0..width).map(Expr::Column).collect(),
            };
        }
        let plan = fold::fold_plan(plan)?;
        Ok((self.optimize(plan), scope))
    }

    /// A query body other than a plain SELECT with its ORDER BY: VALUES, a
    /// parenthesized query, or a set operation.
    #[recursive::recursive]
    fn set_expr(&self, body: &ast::SetExpr, outer: &[&Scope]) -> Result<(Plan, Scope)> {
        let _nesting = self.nest()?;
        match body {
            ast::SetExpr::Select(s) => {
                let (plan, scope, _) = self.select(s, None, outer)?;
                Ok((plan, scope))
            }
            ast::SetExpr::Values(v) => self.values(v, outer),
            ast::SetExpr::Query(inner) => self.query(inner, outer),
            ast::SetExpr::SetOperation {
                left,
                op,
                set_quantifier,
                right,
            } => {
                let (lp, ls) = self.set_expr(left, outer)?;
                let (rp, rs) = self.set_expr(right, outer)?;
                let kind = match op {
                    ast::SetOperator::Union => SetOpKind::Union,
                    ast::SetOperator::Intersect => SetOpKind::Intersect,
                    ast::SetOperator::Except | ast::SetOperator::Minus => SetOpKind::Except,
                };
                if ls.len() != rs.len() {
                    return Err(Error::syntax(format!(
                        "each {op} query must have the same number of columns"
                    )));
                }
                let all = matches!(set_quantifier, ast::SetQuantifier::All);
                let side_types = |s: &Scope| -> Vec<Option<DataType>> {
                    s.columns.iter().map(|c| c.data_type.clone()).collect()
                };
                let (left_types, right_types) = (side_types(&ls), side_types(&rs));
                let scope = Scope {
                    columns: ls
                        .columns
                        .into_iter()
                        .zip(rs.columns)
                        .map(|(l, r)| ScopeColumn {
                            table: None,
                            data_type: types::common_type([l.data_type.clone(), r.data_type]),
                            ..l
                        })
                        .collect(),
                };
                // Each side's numbers of another kind are cast to the
                // column's type, so the result's values are of its type.
                let common = side_types(&scope);
                Ok((
                    Plan::SetOp {
                        kind,
                        all,
                        left: Box::new(cast_numbers(lp, &left_types, &common)),
                        right: Box::new(cast_numbers(rp, &right_types, &common)),
                    },
                    scope,
                ))
            }
            ast::SetExpr::Insert(_)
            | ast::SetExpr::Update(_)
            | ast::SetExpr::Delete(_)
            | ast::SetExpr::Merge(_) => Err(Error::unsupported(
                "INSERT, UPDATE, DELETE or MERGE inside a query (a data-modifying WITH)",
            )),
            _ => Err(Error::unsupported("this kind of query")),
        }
    }

    /// ORDER BY over a query's output columns (by name or position), as for
    /// set operations and VALUES.
    fn order_by_output(
        &self,
        plan: Plan,
        scope: &Scope,
        order_by: Option<&ast::OrderBy>,
        outer: &[&Scope],
    ) -> Result<Plan> {
        let items = match order_by.map(|o| &o.kind) {
            Some(ast::OrderByKind::Expressions(list)) => list,
            Some(ast::OrderByKind::All(_)) => return Err(Error::unsupported("ORDER BY ALL")),
            None => return Ok(plan),
        };
        let mut keys = Vec::new();
        for o in items {
            let expr = match &o.expr {
                ast::Expr::Value(v) if matches!(v.value, ast::Value::Number(..)) => {
                    let ast::Value::Number(n, _) = &v.value else {
                        unreachable!("matched above")
                    };
                    let k: usize = n
                        .parse()
                        .map_err(|_| Error::syntax(format!("bad ORDER BY position {n}")))?;
                    if k == 0 || k > scope.len() {
                        return Err(Error::new(
                            SqlState::InvalidColumnReference,
                            format!("ORDER BY position {k} is not in select list"),
                        ));
                    }
                    Expr::Column(k - 1)
                }
                other => self.expr(other, scope, outer, None)?,
            };
            let descending = descending(&o.options)?;
            keys.push(SortKey {
                expr,
                descending,
                nulls_first: o.options.nulls_first.unwrap_or(descending),
            });
        }
        Ok(Plan::Sort {
            source: Box::new(plan),
            keys,
        })
    }

    fn values(&self, v: &ast::Values, outer: &[&Scope]) -> Result<(Plan, Scope)> {
        let width = v.rows.first().map_or(0, |r| r.len());
        let empty = Scope::new();
        let mut rows = Vec::new();
        for r in &v.rows {
            if r.len() != width {
                return Err(Error::syntax("VALUES lists must all be the same length"));
            }
            rows.push(
                r.iter()
                    .map(|e| self.expr(e, &empty, outer, None))
                    .collect::<Result<Vec<_>>>()?,
            );
        }
        // Each column has one type, as PostgreSQL resolves it: the common
        // type of the typed values (untyped strings take no part; only
        // those, and it is text). Numbers of another kind, NULLs and
        // untyped strings are cast to it.
        let mut column_types = Vec::with_capacity(width);
        for c in 0..width {
            let typed = v
                .rows
                .iter()
                .zip(&rows)
                .filter(|(written, _)| !untyped_string(&written[c]))
                .map(|(_, bound)| types::static_type(&bound[c], &empty, outer));
            let any_untyped = v.rows.iter().any(|written| untyped_string(&written[c]));
            column_types
                .push(types::common_type(typed).or_else(|| any_untyped.then_some(DataType::Text)));
        }
        for (written, bound) in v.rows.iter().zip(&mut rows) {
            for (c, cell) in bound.iter_mut().enumerate() {
                let Some(target) = &column_types[c] else {
                    continue;
                };
                let cast = untyped_string(&written[c])
                    || matches!(cell, Expr::Literal(Value::Null))
                    || types::static_type(cell, &empty, outer)
                        .is_some_and(|t| types::other_number(&t, target));
                if cast {
                    let value = std::mem::replace(cell, Expr::Literal(Value::Null));
                    *cell = Expr::Cast(Box::new(value), target.clone());
                }
            }
        }
        let scope = Scope {
            columns: column_types
                .into_iter()
                .enumerate()
                .map(|(i, data_type)| ScopeColumn {
                    table: None,
                    name: format!("column{}", i + 1),
                    hidden: false,
                    qualified_only: false,
                    data_type,
                })
                .collect(),
        };
        Ok((Plan::Values { rows, width }, scope))
    }

    /// A FROM item and its joins; `left`, the FROM items before it, which
    /// it is cross joined with (and which a LATERAL item may read).
    fn join_tree(
        &self,
        twj: &ast::TableWithJoins,
        outer: &[&Scope],
        left: Option<(Plan, Scope)>,
    ) -> Result<(Plan, Scope)> {
        let (mut plan, mut scope) = match left {
            None => self.table_factor(&twj.relation, outer)?,
            Some((lp, ls)) => match self.lateral(lp, ls, &twj.relation, JoinKind::Inner, outer)? {
                Ok(joined) => joined,
                Err((lp, ls)) => {
                    let (p, sc) = self.table_factor(&twj.relation, outer)?;
                    let joined = ls.join(&sc);
                    (
                        Plan::NestedLoopJoin {
                            left: Box::new(lp),
                            right: Box::new(p),
                            kind: JoinKind::Inner,
                            on: None,
                        },
                        joined,
                    )
                }
            },
        };
        for join in &twj.joins {
            let (kind, constraint) = match &join.join_operator {
                ast::JoinOperator::Join(c) | ast::JoinOperator::Inner(c) => {
                    (JoinKind::Inner, Some(c))
                }
                ast::JoinOperator::Left(c) | ast::JoinOperator::LeftOuter(c) => {
                    (JoinKind::Left, Some(c))
                }
                ast::JoinOperator::Right(c) | ast::JoinOperator::RightOuter(c) => {
                    (JoinKind::Right, Some(c))
                }
                ast::JoinOperator::FullOuter(c) => (JoinKind::Full, Some(c)),
                ast::JoinOperator::CrossJoin(_) => (JoinKind::Inner, None),
                _ => return Err(Error::unsupported("this kind of join")),
            };
            let (right, right_scope) =
                match self.lateral(plan, scope, &join.relation, kind, outer)? {
                    Ok((joined, joined_scope)) => {
                        // Joined already, row by row; the condition filters
                        // the pairs (an outer join's must be true).
                        (plan, scope) = match constraint {
                            Some(ast::JoinConstraint::On(e)) => {
                                let on = self.expr(e, &joined_scope, outer, None)?;
                                if kind != JoinKind::Inner
                                    && on != Expr::Literal(Value::Boolean(true))
                                {
                                    return Err(Error::unsupported(
                                        "an outer LATERAL join on a condition other than true",
                                    ));
                                }
                                (
                                    Plan::Filter {
                                        source: Box::new(joined),
                                        predicate: on,
                                    },
                                    joined_scope,
                                )
                            }
                            Some(ast::JoinConstraint::None) | None => (joined, joined_scope),
                            Some(_) => {
                                return Err(Error::unsupported("LATERAL with USING or NATURAL"));
                            }
                        };
                        continue;
                    }
                    Err((lp, ls)) => {
                        (plan, scope) = (lp, ls);
                        self.table_factor(&join.relation, outer)?
                    }
                };
            let joined = scope.join(&right_scope);
            let using: Vec<String> = match constraint {
                Some(ast::JoinConstraint::Using(names)) => {
                    names.iter().map(object_name).collect::<Result<_>>()?
                }
                Some(ast::JoinConstraint::Natural) => natural_columns(&scope, &right_scope),
                _ => Vec::new(),
            };
            let on = match constraint {
                Some(ast::JoinConstraint::On(e)) => {
                    let saved = self.aggregate_refused.replace("in JOIN conditions");
                    let on = self.expr(e, &joined, outer, None);
                    self.aggregate_refused.set(saved);
                    Some(on?)
                }
                _ => None,
            };
            if using.is_empty() {
                plan = Plan::NestedLoopJoin {
                    left: Box::new(plan),
                    right: Box::new(right),
                    kind,
                    on,
                };
                scope = joined;
            } else {
                (plan, scope) = join_using(plan, scope, right, right_scope, kind, &using)?;
            }
        }
        Ok((plan, scope))
    }

    fn table_factor(&self, f: &ast::TableFactor, outer: &[&Scope]) -> Result<(Plan, Scope)> {
        // A clause that would change which rows the item gives is refused
        // rather than passed over.
        if let ast::TableFactor::Table {
            sample: Some(_), ..
        }
        | ast::TableFactor::Derived {
            sample: Some(_), ..
        } = f
        {
            return Err(Error::unsupported("TABLESAMPLE"));
        }
        let (plan, mut scope) = self.table_factor_unaliased(f, outer).map_err(|err| {
            // A table that is not there is placed at its name.
            match f {
                ast::TableFactor::Table { name, .. } => match name.0.first() {
                    Some(ast::ObjectNamePart::Identifier(i)) => {
                        err.at_line_column(i.span.start.line, i.span.start.column)
                    }
                    _ => err,
                },
                _ => err,
            }
        })?;
        // `AS x(a, b, ...)` renames the item's first columns.
        let alias = match f {
            ast::TableFactor::Table { alias, .. }
            | ast::TableFactor::Derived { alias, .. }
            | ast::TableFactor::NestedJoin { alias, .. }
            | ast::TableFactor::UNNEST { alias, .. } => alias.as_ref(),
            _ => None,
        };
        if let Some(alias) = alias {
            rename_by_alias(&mut scope, alias)?;
        }
        Ok((plan, scope))
    }

    /// A FROM item, qualified by its alias but with its own column names.
    #[recursive::recursive]
    fn table_factor_unaliased(
        &self,
        f: &ast::TableFactor,
        outer: &[&Scope],
    ) -> Result<(Plan, Scope)> {
        // A plain name: a common table expression, else a system catalog.
        if let ast::TableFactor::Table {
            name,
            alias,
            version: None,
            args: None,
            ..
        } = f
        {
            if name.0.len() == 1 {
                let cte_name = object_name(name)?;
                let found = self
                    .ctes
                    .borrow()
                    .iter()
                    .rev()
                    .find(|c| c.name == cte_name)
                    .cloned();
                if let Some(cte) = found {
                    let (plan, mut scope) = self.cte(&cte, outer)?;
                    scope.requalify(&alias.as_ref().map_or(cte_name, |a| ident(&a.name)));
                    return Ok((plan, scope));
                }
            }
            let qualifier = alias.as_ref().map(|a| ident(&a.name));
            if let Some(found) = self.catalog_relation(name, qualifier.as_deref())? {
                return Ok(found);
            }
        }
        match f {
            ast::TableFactor::Table {
                name,
                alias,
                version: None,
                args: Some(args),
                with_ordinality,
                ..
            } if set_returning::is_set_returning_name(&object_name(name)?)
                || set_returning::is_pair_returning_name(&object_name(name)?) =>
            {
                let function = object_name(name)?;
                let args = set_returning::table_function_args(args)?;
                self.function_in_from(&function, &args, alias.as_ref(), *with_ordinality, outer)
            }
            ast::TableFactor::UNNEST {
                alias,
                array_exprs,
                with_offset: false,
                with_ordinality,
                ..
            } => {
                let args: Vec<&ast::Expr> = array_exprs.iter().collect();
                self.function_in_from("unnest", &args, alias.as_ref(), *with_ordinality, outer)
            }
            ast::TableFactor::Table {
                name,
                alias,
                version: None,
                args: None,
                ..
            } if self.catalog.view(&object_name(name)?).is_some() => {
                let view_name = object_name(name)?;
                let sql = self.catalog.view(&view_name).unwrap_or_default();
                let stmts = super::parser::parse(&sql)?;
                let Some(ast::Statement::Query(q)) = stmts.first() else {
                    return Err(Error::new(
                        SqlState::DataCorrupted,
                        format!("view \"{view_name}\" is not a query"),
                    ));
                };
                let (plan, mut scope) = self.query(q, outer)?;
                scope.requalify(&alias.as_ref().map_or(view_name, |a| ident(&a.name)));
                Ok((plan, scope))
            }
            ast::TableFactor::Table {
                name,
                alias,
                version: None,
                args: None,
                ..
            } => {
                let table_name = object_name(name)?;
                let qualifier = alias
                    .as_ref()
                    .map_or(table_name.clone(), |a| ident(&a.name));
                if self.catalog.table(&table_name)?.is_none()
                    && let Some((plan, columns)) = self.history_node(&table_name)?
                {
                    return Ok((plan, Scope::for_table(&qualifier, columns)));
                }
                if self.catalog.table(&table_name)?.is_none()
                    && let Some((columns, rows)) = self.catalog.system_table(&table_name)?
                {
                    let width = columns.len();
                    let scope = Scope::for_table(&qualifier, columns);
                    let rows = rows
                        .into_iter()
                        .map(|r| r.into_iter().map(Expr::Literal).collect())
                        .collect();
                    return Ok((Plan::Values { rows, width }, scope));
                }
                if self.catalog.table(&table_name)?.is_none()
                    && let Some((_, state)) = self
                        .catalog
                        .sequences()?
                        .into_iter()
                        .find(|(n, _)| *n == table_name)
                {
                    return Ok(sequence_relation(&qualifier, &state));
                }
                let table = self.table(&table_name)?;
                Ok(scan_of(table_name, &qualifier, &table))
            }
            ast::TableFactor::Table {
                name,
                alias,
                version: None,
                args: Some(args),
                ..
            } if self.has_sql_function(&object_name(name)?) => {
                let function = object_name(name)?;
                let args = set_returning::table_function_args(args)?;
                let (plan, mut scope) = self.sql_function_in_from(&function, &args, outer)?;
                if let Some(a) = alias {
                    scope.requalify(&ident(&a.name));
                }
                Ok((plan, scope))
            }
            ast::TableFactor::Table {
                name,
                alias,
                version: None,
                args: Some(args),
                ..
            } => {
                let function = object_name(name)?;
                let mut values = Vec::new();
                for e in set_returning::table_function_args(args)? {
                    match self.expr(e, &Scope::new(), outer, None)? {
                        Expr::Literal(v) => values.push(v),
                        _ => {
                            return Err(Error::new(
                                SqlState::DatatypeMismatch,
                                format!("{function} takes constant arguments"),
                            ));
                        }
                    }
                }
                let Some((columns, rows)) = self.catalog.table_function(&function, &values)? else {
                    return Err(Error::new(
                        SqlState::UndefinedFunction,
                        format!("function {function} does not exist"),
                    ));
                };
                let qualifier = alias.as_ref().map_or(function, |a| ident(&a.name));
                let width = columns.len();
                let scope = Scope::for_table(&qualifier, columns);
                let rows = rows
                    .into_iter()
                    .map(|r| r.into_iter().map(Expr::Literal).collect())
                    .collect();
                Ok((Plan::Values { rows, width }, scope))
            }
            ast::TableFactor::NestedJoin {
                table_with_joins,
                alias,
            } => {
                let (plan, mut scope) = self.join_tree(table_with_joins, outer, None)?;
                if let Some(a) = alias {
                    scope.requalify(&ident(&a.name));
                }
                Ok((plan, scope))
            }
            ast::TableFactor::Derived {
                subquery, alias, ..
            } => {
                let (plan, mut scope) = self.query(subquery, outer)?;
                if let Some(a) = alias {
                    scope.requalify(&ident(&a.name));
                }
                Ok((plan, scope))
            }
            ast::TableFactor::Table {
                name,
                alias,
                version: Some(version),
                args: None,
                ..
            } => {
                let (ast::TableVersion::ForSystemTimeAsOf(e) | ast::TableVersion::TimestampAsOf(e)) =
                    version
                else {
                    return Err(Error::unsupported("this kind of table version"));
                };
                // `TIMESTAMP '...'` is a cast of a text literal: read here.
                let version = match self.expr(e, &Scope::new(), outer, None)? {
                    Expr::Cast(inner, ty @ (DataType::Timestamp | DataType::TimestampTz)) => {
                        match *inner {
                            Expr::Literal(Value::Text(text)) => Expr::Literal(
                                arbor_schema::text::parse_value(&text, &ty).map_err(Error::from)?,
                            ),
                            other => Expr::Cast(Box::new(other), ty),
                        }
                    }
                    other => other,
                };
                let revision = match version {
                    Expr::Literal(Value::Text(r)) => AsOf::Revision(r),
                    Expr::Literal(Value::TimestampTz(t)) => AsOf::Time(t.timestamp()),
                    Expr::Literal(Value::Timestamp(t)) => AsOf::Time(t.and_utc().timestamp()),
                    _ => {
                        return Err(Error::new(
                            SqlState::DatatypeMismatch,
                            "AS OF takes a revision as a string literal, or TIMESTAMP '...'",
                        ));
                    }
                };
                let table_name = object_name(name)?;
                let table = self
                    .catalog
                    .table_as_of(&revision, &table_name)?
                    .ok_or_else(|| {
                        Error::new(
                            SqlState::UndefinedTable,
                            format!(
                                "relation \"{table_name}\" does not exist at revision '{revision}'"
                            ),
                        )
                    })?;
                let qualifier = alias
                    .as_ref()
                    .map_or(table_name.clone(), |a| ident(&a.name));
                Ok(scan_of(table_name, &qualifier, &table))
            }
            _ => Err(Error::unsupported("this kind of FROM item")),
        }
    }

    /// Plans a SELECT. Returns the plan, its visible scope, and how many hidden
    /// trailing columns (sort keys) the plan carries beyond it.
    #[recursive::recursive]
    fn select(
        &self,
        s: &ast::Select,
        order_by: Option<&ast::OrderBy>,
        outer: &[&Scope],
    ) -> Result<(Plan, Scope, usize)> {
        let saved_allowed = self.windows_allowed.replace(false);
        // FROM: a cross join of the items, or the single empty row.
        let (mut plan, scope) = if s.from.is_empty() {
            (
                Plan::Values {
                    rows: vec![vec![]],
                    width: 0,
                },
                Scope::new(),
            )
        } else {
            let revisions = self.commit_diff_revisions(s)?;
            let saved = self.commit_diff_revisions.replace(revisions);
            let mut acc: Option<(Plan, Scope)> = None;
            for item in &s.from {
                acc = Some(self.join_tree(item, outer, acc.take())?);
            }
            self.commit_diff_revisions.replace(saved);
            acc.expect("FROM has at least one item")
        };
        if let Some(w) = &s.selection {
            let saved = self.aggregate_refused.replace("in WHERE");
            let predicate = self.expr(w, &scope, outer, None);
            self.aggregate_refused.set(saved);
            let predicate = predicate?;
            plan = Plan::Filter {
                source: Box::new(plan),
                predicate,
            };
        }

        // Aggregation, if there is GROUP BY or any aggregate call.
        let (group_exprs, grouping_sets) = match &s.group_by {
            ast::GroupByExpr::Expressions(exprs, _) => grouping_sets(exprs, s, &scope)?,
            ast::GroupByExpr::All(_) => return Err(Error::unsupported("GROUP BY ALL")),
        };
        let order_items: Vec<&ast::OrderByExpr> = match order_by.map(|o| &o.kind) {
            Some(ast::OrderByKind::Expressions(list)) => list.iter().collect(),
            Some(ast::OrderByKind::All(_)) => return Err(Error::unsupported("ORDER BY ALL")),
            None => Vec::new(),
        };
        let has_aggregates = s.projection.iter().any(|i| match i {
            ast::SelectItem::UnnamedExpr(e) | ast::SelectItem::ExprWithAlias { expr: e, .. } => {
                contains_aggregate(e)
            }
            _ => false,
        }) || s.having.as_ref().is_some_and(contains_aggregate)
            || order_items.iter().any(|o| contains_aggregate(&o.expr));
        let mut grouping = if has_aggregates || !group_exprs.is_empty() {
            let group_by = group_exprs
                .iter()
                .map(|e| self.expr(e, &scope, outer, None))
                .collect::<Result<Vec<_>>>()?;
            Some(Grouping {
                group_by,
                aggregates: Vec::new(),
            })
        } else {
            None
        };

        // The select list and ORDER BY are where window functions may appear;
        // a nested SELECT keeps its own.
        let saved_windows = self.windows.take();
        let saved_named = self.named_windows.replace(
            s.named_window
                .iter()
                .map(|w| (ident(&w.0), w.1.clone()))
                .collect(),
        );
        self.windows_allowed.set(true);
        let mut exprs = Vec::new();
        let mut out = Scope::new();
        // Select list items that are set-returning calls, by position.
        let mut set_returning = Vec::new();
        for item in &s.projection {
            let set_returning_call = |e: &ast::Expr| {
                set_returning::is_set_returning_call(e) || self.is_sql_set_returning_call(e)
            };
            let bind_item = |e: &ast::Expr, grouping: Option<&mut Grouping>| {
                if set_returning_call(e) {
                    self.set_returning_item(e, &scope, outer, grouping)
                } else {
                    self.expr(e, &scope, outer, grouping)
                }
            };
            if let ast::SelectItem::UnnamedExpr(e) | ast::SelectItem::ExprWithAlias { expr: e, .. } =
                item
                && set_returning_call(e)
            {
                set_returning.push(exprs.len());
            }
            match item {
                ast::SelectItem::UnnamedExpr(e) => {
                    let bound = bind_item(e, grouping.as_mut())?;
                    out.columns.push(ScopeColumn {
                        table: None,
                        name: column_label(e),
                        hidden: false,
                        qualified_only: false,
                        data_type: self.item_type(&bound, &scope, outer, grouping.as_ref()),
                    });
                    exprs.push(bound);
                }
                ast::SelectItem::ExprWithAlias { expr, alias } => {
                    let bound = bind_item(expr, grouping.as_mut())?;
                    out.columns.push(ScopeColumn {
                        table: None,
                        name: ident(alias),
                        hidden: false,
                        qualified_only: false,
                        data_type: self.item_type(&bound, &scope, outer, grouping.as_ref()),
                    });
                    exprs.push(bound);
                }
                ast::SelectItem::Wildcard(_) | ast::SelectItem::QualifiedWildcard(..) => {
                    let table = match item {
                        ast::SelectItem::QualifiedWildcard(
                            ast::SelectItemQualifiedWildcardKind::ObjectName(n),
                            _,
                        ) => Some(object_name(n)?),
                        _ => None,
                    };
                    for i in scope.expand(table.as_deref())? {
                        exprs.push(Expr::Column(i));
                        out.columns.push(ScopeColumn {
                            hidden: false,
                            qualified_only: false,
                            ..scope.columns[i].clone()
                        });
                    }
                }
                _ => return Err(Error::unsupported("this kind of select item")),
            }
        }
        self.windows_allowed.set(false);
        let having = s
            .having
            .as_ref()
            .map(|h| self.expr(h, &scope, outer, grouping.as_mut()))
            .transpose()?;
        self.windows_allowed.set(true);

        // ORDER BY and DISTINCT ON name output columns (by name or ordinal) or
        // else expressions over the input, carried as hidden output columns.
        let visible = exprs.len();
        let mut hidden = 0;
        let mut output_column =
            |e: &ast::Expr, exprs: &mut Vec<Expr>, what: &str| -> Result<usize> {
                let by_output = match e {
                    ast::Expr::Value(v) => match &v.value {
                        ast::Value::Number(n, _) => {
                            let k: usize = n
                                .parse()
                                .map_err(|_| Error::syntax(format!("bad {what} position {n}")))?;
                            if k == 0 || k > visible {
                                return Err(Error::new(
                                    SqlState::InvalidColumnReference,
                                    format!("{what} position {k} is not in select list"),
                                ));
                            }
                            Some(k - 1)
                        }
                        _ => None,
                    },
                    ast::Expr::Identifier(id) => out.find(None, &ident(id)).ok().flatten(),
                    _ => None,
                };
                Ok(match by_output {
                    Some(i) => i,
                    None => {
                        exprs.push(self.expr(e, &scope, outer, grouping.as_mut())?);
                        hidden += 1;
                        exprs.len() - 1
                    }
                })
            };
        let mut keys = Vec::new();
        for o in &order_items {
            let column = output_column(&o.expr, &mut exprs, "ORDER BY")?;
            let descending = descending(&o.options)?;
            keys.push(SortKey {
                expr: Expr::Column(column),
                descending,
                nulls_first: o.options.nulls_first.unwrap_or(descending),
            });
        }
        let distinct_on = match &s.distinct {
            Some(ast::Distinct::On(list)) => Some(
                list.iter()
                    .map(|e| Ok(Expr::Column(output_column(e, &mut exprs, "DISTINCT ON")?)))
                    .collect::<Result<Vec<_>>>()?,
            ),
            _ => None,
        };
        let mut windows = self.windows.replace(saved_windows);
        self.named_windows.replace(saved_named);
        self.windows_allowed.set(saved_allowed);

        if let Some(g) = grouping {
            // With grouping sets the aggregate's row has one more key: the
            // set the row was grouped by (see `aggregate_sets`).
            let set_column = grouping_sets.as_ref().map(|_| g.group_by.len());
            let group_count = g.group_by.len() + usize::from(set_column.is_some());
            plan = match &grouping_sets {
                None => Plan::Aggregate {
                    source: Box::new(plan),
                    group_by: g.group_by.clone(),
                    aggregates: g.aggregates,
                },
                Some(sets) => aggregate_sets(plan, &g.group_by, sets, g.aggregates),
            };
            let sets = grouping_sets.as_deref();
            let rewrite = |e: Expr| {
                let grouped = rewrite_grouped(e, &g.group_by, group_count, &scope)?;
                grouping_calls(grouped, g.group_by.len(), sets, set_column)
            };
            exprs = exprs.into_iter().map(rewrite).collect::<Result<_>>()?;
            for call in &mut windows {
                call.map_exprs(&mut |e| rewrite(e))?;
            }
            if let Some(h) = having {
                plan = Plan::Filter {
                    source: Box::new(plan),
                    predicate: rewrite(h)?,
                };
            }
        } else if having.is_some() {
            return Err(Error::new(
                SqlState::GroupingError,
                "HAVING requires GROUP BY or an aggregate",
            ));
        }
        if !windows.is_empty() {
            let base = plan.width();
            exprs = exprs
                .into_iter()
                .map(|e| place_windows(e, base))
                .collect::<Result<_>>()?;
            plan = Plan::Window {
                source: Box::new(plan),
                calls: windows,
            };
        }
        plan = Plan::Project {
            source: Box::new(plan),
            exprs,
        };
        if !set_returning.is_empty() {
            plan = Plan::Unnest {
                source: Box::new(plan),
                columns: set_returning,
                ordinality: false,
            };
        }
        if matches!(s.distinct, Some(ast::Distinct::Distinct)) {
            if hidden > 0 {
                return Err(Error::new(
                    SqlState::InvalidColumnReference,
                    "for SELECT DISTINCT, ORDER BY expressions must appear in select list",
                ));
            }
            plan = Plan::Distinct {
                source: Box::new(plan),
                on: None,
            };
        }
        if let Some(on) = &distinct_on {
            // The leading ORDER BY keys must be DISTINCT ON keys, so that the
            // first row of each group is the one the ORDER BY puts first.
            let prefix = keys.len().min(on.len());
            if keys[..prefix].iter().any(|k| !on.contains(&k.expr)) {
                return Err(Error::new(
                    SqlState::InvalidColumnReference,
                    "SELECT DISTINCT ON expressions must match initial ORDER BY expressions",
                ));
            }
        }
        if !keys.is_empty() {
            plan = Plan::Sort {
                source: Box::new(plan),
                keys,
            };
        }
        if let Some(on) = distinct_on {
            plan = Plan::Distinct {
                source: Box::new(plan),
                on: Some(on),
            };
        }
        Ok((plan, out, hidden))
    }

    /// Binds an expression. With `grouping`, aggregate calls are collected
    /// into it and replaced by `Expr::Aggregate` markers.
    #[recursive::recursive]
    fn expr(
        &self,
        e: &ast::Expr,
        scope: &Scope,
        outer: &[&Scope],
        grouping: Option<&mut Grouping>,
    ) -> Result<Expr> {
        // An error is placed at the innermost expression that fails (an
        // unknown column, a call of no function), as PostgreSQL places it.
        self.expr_here(e, scope, outer, grouping)
            .map_err(|err| match own_place(e) {
                Some(start) => err.at_line_column(start.line, start.column),
                None => err,
            })
    }

    fn expr_here(
        &self,
        e: &ast::Expr,
        scope: &Scope,
        outer: &[&Scope],
        mut grouping: Option<&mut Grouping>,
    ) -> Result<Expr> {
        let _nesting = self.nest()?;
        let bind = |x: &ast::Expr, g: Option<&mut Grouping>| self.expr(x, scope, outer, g);
        Ok(match e {
            ast::Expr::Identifier(id) => column(resolve(scope, outer, None, &ident(id))?),
            ast::Expr::CompoundIdentifier(parts) => {
                let n = parts.len();
                if n < 2 {
                    return Err(Error::syntax("bad column reference"));
                }
                column(resolve(
                    scope,
                    outer,
                    Some(&ident(&parts[n - 2])),
                    &ident(&parts[n - 1]),
                )?)
            }
            ast::Expr::Value(v) => match &v.value {
                ast::Value::Placeholder(p) => {
                    let n = p
                        .strip_prefix('$')
                        .and_then(|n| n.parse::<usize>().ok())
                        .filter(|n| *n >= 1)
                        .ok_or_else(|| {
                            Error::syntax(format!("bad parameter {p}: use $1, $2, ..."))
                        })?;
                    Expr::Parameter(n)
                }
                other => Expr::Literal(literal(other)?),
            },
            ast::Expr::Nested(inner) => bind(inner, grouping)?,
            ast::Expr::UnaryOp { op, expr } => {
                let inner = bind(expr, grouping)?;
                // PostgreSQL's prefix operators that are functions by
                // another name.
                let function = match op {
                    ast::UnaryOperator::PGSquareRoot => Some("sqrt"),
                    ast::UnaryOperator::PGCubeRoot => Some("cbrt"),
                    ast::UnaryOperator::PGAbs => Some("abs"),
                    // PostgreSQL dropped the factorial operators in 14.
                    ast::UnaryOperator::PGPostfixFactorial
                    | ast::UnaryOperator::PGPrefixFactorial => {
                        return Err(Error::syntax(format!("syntax error at or near \"{op}\"")));
                    }
                    _ => None,
                };
                if let Some(function) = function {
                    let argument = if function == "abs" {
                        inner
                    } else {
                        Expr::Cast(Box::new(inner), DataType::Double)
                    };
                    return Ok(Expr::Function(function.into(), vec![argument]));
                }
                let op = match op {
                    ast::UnaryOperator::Minus => UnaryOp::Negate,
                    ast::UnaryOperator::Plus => UnaryOp::Plus,
                    ast::UnaryOperator::Not => UnaryOp::Not,
                    ast::UnaryOperator::BitwiseNot => UnaryOp::BitNot,
                    other => return Err(Error::unsupported(format!("the operator {other}"))),
                };
                // PostgreSQL cannot negate text or booleans: `-1::text` is
                // `-(1::text)`, an error. (A unary `+` on them is accepted,
                // as SQLite accepts it, and leaves the value as it is.)
                if op == UnaryOp::Negate
                    && let Some(
                        t @ (DataType::Text
                        | DataType::Varchar(_)
                        | DataType::Char(_)
                        | DataType::Boolean),
                    ) = types::static_type(&inner, scope, outer)
                    && !matches!(inner, Expr::Literal(_))
                {
                    return Err(Error::new(
                        SqlState::UndefinedFunction,
                        format!(
                            "operator does not exist: - {}",
                            crate::sql::pg_catalog::type_display(&t)
                        ),
                    )
                    .with_hint("No operator matches the given name and argument type. You might need to add an explicit type cast."));
                }
                // Fold a negated literal, so -2147483648 is an integer.
                match (op, inner) {
                    (UnaryOp::Negate, Expr::Literal(v)) => Expr::Literal(super::eval::eval(
                        &Expr::Unary(UnaryOp::Negate, Box::new(Expr::Literal(v))),
                        &[],
                        &Default::default(),
                    )?),
                    (op, inner) => Expr::Unary(op, Box::new(inner)),
                }
            }
            ast::Expr::BinaryOp {
                op: op @ (ast::BinaryOperator::And | ast::BinaryOperator::Or),
                ..
            } => {
                let mut terms = Vec::new();
                for term in chain_terms(e, op) {
                    terms.push(bind(term, grouping.as_deref_mut())?);
                }
                Expr::balanced(binary_op(op)?, terms)
            }
            // A comparison of two row constructors is one of their items,
            // as PostgreSQL defines it (see `compare_rows`).
            ast::Expr::BinaryOp { left, op, right }
                if row_items(left).is_some() && row_items(right).is_some() =>
            {
                bind(&compare_rows(left, op, right)?, grouping)?
            }
            ast::Expr::BinaryOp { left, op, right } => {
                let op = binary_op(op)?;
                let l = bind(left, grouping.as_deref_mut())?;
                let r = bind(right, grouping)?;
                let (l, r) = self.operands(Some(op), (left, l), (right, r), scope, outer)?;
                // `||` with an array is PostgreSQL's array_cat, array_append
                // or array_prepend, which take a NULL array as empty.
                let is_array = |e: &Expr| {
                    matches!(
                        types::static_type(e, scope, outer),
                        Some(DataType::Array(_))
                    )
                };
                let is_null = |e: &Expr| matches!(e, Expr::Literal(Value::Null));
                let array_function = match (is_array(&l), is_array(&r)) {
                    _ if op != BinaryOp::Concat => None,
                    (true, true) => Some("array_cat"),
                    (true, false) if is_null(&r) => Some("array_cat"),
                    (true, false) => Some("array_append"),
                    (false, true) if is_null(&l) => Some("array_cat"),
                    (false, true) => Some("array_prepend"),
                    (false, false) => None,
                };
                match array_function {
                    Some(f) => Expr::Function(f.into(), vec![l, r]),
                    None => Expr::Binary(op, Box::new(l), Box::new(r)),
                }
            }
            ast::Expr::IsNull(x) => Expr::IsNull(Box::new(bind(x, grouping)?), false),
            ast::Expr::IsNotNull(x) => Expr::IsNull(Box::new(bind(x, grouping)?), true),
            ast::Expr::IsDistinctFrom(a, b) | ast::Expr::IsNotDistinctFrom(a, b)
                if row_items(a).is_some() && row_items(b).is_some() =>
            {
                let not = matches!(e, ast::Expr::IsNotDistinctFrom(..));
                bind(&distinct_rows(a, b, not)?, grouping)?
            }
            ast::Expr::In {
                expr,
                target: ast::InTarget::List(list),
                negated,
                ..
            } if row_items(expr).is_some() && list.iter().all(|i| row_items(i).is_some()) => {
                // `row IN (row, ...)` is an OR of equalities; NOT IN an AND
                // of inequalities.
                let (op, join) = if *negated {
                    (ast::BinaryOperator::NotEq, ast::BinaryOperator::And)
                } else {
                    (ast::BinaryOperator::Eq, ast::BinaryOperator::Or)
                };
                let mut terms = Vec::new();
                for item in list {
                    terms.push(compare_rows(expr, &op, item)?);
                }
                bind(&join_terms(terms, join), grouping)?
            }
            ast::Expr::IsDistinctFrom(a_ast, b_ast)
            | ast::Expr::IsNotDistinctFrom(a_ast, b_ast) => {
                let a = bind(a_ast, grouping.as_deref_mut())?;
                let b = bind(b_ast, grouping)?;
                let (a, b) = self.operands(None, (a_ast, a), (b_ast, b), scope, outer)?;
                let not = matches!(e, ast::Expr::IsNotDistinctFrom(..));
                Expr::IsDistinctFrom(Box::new(a), Box::new(b), not)
            }
            // `x IS [NOT] TRUE` is `x IS [NOT] DISTINCT FROM true`: NULL
            // is neither true nor false.
            ast::Expr::IsTrue(x)
            | ast::Expr::IsNotTrue(x)
            | ast::Expr::IsFalse(x)
            | ast::Expr::IsNotFalse(x) => {
                let truth = matches!(e, ast::Expr::IsTrue(_) | ast::Expr::IsNotTrue(_));
                let is = matches!(e, ast::Expr::IsTrue(_) | ast::Expr::IsFalse(_));
                let x = bind(x, grouping)?;
                if let Some(t) = types::static_type(&x, scope, outer)
                    && t != DataType::Boolean
                {
                    return Err(Error::new(
                        SqlState::DatatypeMismatch,
                        format!(
                            "argument of IS {}{} must be type boolean, not type {t}",
                            if is { "" } else { "NOT " },
                            if truth { "TRUE" } else { "FALSE" }
                        ),
                    ));
                }
                Expr::IsDistinctFrom(
                    Box::new(x),
                    Box::new(Expr::Literal(Value::Boolean(truth))),
                    is,
                )
            }
            ast::Expr::IsUnknown(x) => Expr::IsNull(Box::new(bind(x, grouping)?), false),
            ast::Expr::IsNotUnknown(x) => Expr::IsNull(Box::new(bind(x, grouping)?), true),
            ast::Expr::In {
                expr,
                target: ast::InTarget::List(list),
                negated,
                ..
            } => {
                let x = bind(expr, grouping.as_deref_mut())?;
                let t = types::static_type(&x, scope, outer);
                let mut items = Vec::new();
                for item in list {
                    let bound = bind(item, grouping.as_deref_mut())?;
                    items.push(self.in_context(item, bound, None, t.clone())?);
                }
                Expr::in_list(x, items, *negated)
            }
            ast::Expr::Between {
                expr,
                negated,
                low,
                high,
            } => {
                let x = bind(expr, grouping.as_deref_mut())?;
                let t = types::static_type(&x, scope, outer);
                let lo = bind(low, grouping.as_deref_mut())?;
                let lo = self.in_context(low, lo, None, t.clone())?;
                let hi = bind(high, grouping)?;
                let hi = self.in_context(high, hi, None, t)?;
                Expr::Between {
                    expr: Box::new(x),
                    low: Box::new(lo),
                    high: Box::new(hi),
                    negated: *negated,
                }
            }
            ast::Expr::Like {
                negated,
                expr,
                pattern,
                escape_char,
                any: false,
            }
            | ast::Expr::ILike {
                negated,
                expr,
                pattern,
                escape_char,
                any: false,
            } => {
                let x = bind(expr, grouping.as_deref_mut())?;
                let mut p = bind(pattern, grouping.as_deref_mut())?;
                // `ESCAPE e` is the pattern rewritten to the backslash
                // escape, as PostgreSQL's `like_escape(pattern, e)` does.
                if let Some(escape) = escape_char {
                    let escape = bind(escape, grouping.as_deref_mut())?;
                    p = Expr::Function("like_escape".into(), vec![p, escape]);
                }
                Expr::Like {
                    expr: Box::new(x),
                    pattern: Box::new(p),
                    negated: *negated,
                    case_insensitive: matches!(e, ast::Expr::ILike { .. }),
                }
            }
            // `x SIMILAR TO p` is `x ~ similar_to_escape(p)`, as PostgreSQL
            // rewrites it.
            ast::Expr::SimilarTo {
                negated,
                expr,
                pattern,
                escape_char,
            } => {
                let x = bind(expr, grouping.as_deref_mut())?;
                let mut arguments = vec![bind(pattern, grouping.as_deref_mut())?];
                if let Some(escape) = escape_char {
                    arguments.push(bind(escape, grouping)?);
                }
                Expr::Binary(
                    regex(false, *negated),
                    Box::new(x),
                    Box::new(Expr::Function("similar_to_escape".into(), arguments)),
                )
            }
            ast::Expr::Case {
                operand,
                conditions,
                else_result,
                ..
            } => {
                let operand = operand
                    .as_ref()
                    .map(|o| bind(o, grouping.as_deref_mut()))
                    .transpose()?
                    .map(Box::new);
                // `CASE x WHEN 'a'`: each value read as x's type, as in
                // `x = 'a'`.
                let operand_type = operand
                    .as_ref()
                    .and_then(|o| types::static_type(o, scope, outer));
                let mut branches = Vec::new();
                for c in conditions {
                    let mut w = bind(&c.condition, grouping.as_deref_mut())?;
                    if operand_type.is_some() {
                        w = self.in_context(
                            &c.condition,
                            w,
                            Some(BinaryOp::Eq),
                            operand_type.clone(),
                        )?;
                    }
                    let t = bind(&c.result, grouping.as_deref_mut())?;
                    branches.push((w, t));
                }
                let otherwise = else_result
                    .as_ref()
                    .map(|o| bind(o, grouping))
                    .transpose()?
                    .map(Box::new);
                Expr::Case {
                    operand,
                    branches,
                    otherwise,
                }
            }
            ast::Expr::Cast {
                expr, data_type, ..
            } if system_catalogs::RegType::of(data_type).is_some() => {
                let to = system_catalogs::RegType::of(data_type)
                    .ok_or_else(|| Error::internal("a reg* type checked just above"))?;
                let x = bind(expr, grouping)?;
                if let Expr::Parameter(n) = x {
                    self.note_parameter(n, Some(DataType::Text));
                }
                let x_type = types::static_type(&x, scope, outer);
                self.reg_cast(x, x_type.as_ref(), to)?
            }
            ast::Expr::Cast {
                expr, data_type: t, ..
            } => {
                let t = self.resolve_type(t)?;
                let x = bind(expr, grouping)?;
                // An int2vector or oidvector reads as text with spaces.
                if t.is_text()
                    && matches!(
                        types::static_type(&x, scope, outer),
                        Some(DataType::Vector(_))
                    )
                {
                    return Ok(Expr::Function(
                        "array_to_string".into(),
                        vec![x, Expr::Literal(Value::Text(" ".into()))],
                    ));
                }
                if let Expr::Parameter(n) = x {
                    self.note_parameter(n, Some(t.clone()));
                }
                Expr::Cast(Box::new(x), t)
            }
            ast::Expr::Function(f) => self.function(f, scope, outer, grouping)?,
            ast::Expr::AtTimeZone {
                timestamp,
                time_zone,
            } => Expr::Function(
                "timezone".into(),
                vec![
                    bind(time_zone, grouping.as_deref_mut())?,
                    bind(timestamp, grouping.as_deref_mut())?,
                ],
            ),
            ast::Expr::Interval(interval) => {
                interval_literal(interval, |x| bind(x, grouping.as_deref_mut()))?
            }
            ast::Expr::TypedString(ts) => {
                let text = match &ts.value.value {
                    ast::Value::SingleQuotedString(t) => t.clone(),
                    other => other.to_string(),
                };
                Expr::Cast(
                    Box::new(Expr::Literal(Value::Text(text))),
                    self.resolve_type(&ts.data_type)?,
                )
            }
            ast::Expr::Substring {
                expr,
                substring_from,
                substring_for,
                ..
            } => {
                let mut args = vec![bind(expr, grouping.as_deref_mut())?];
                args.push(match substring_from {
                    Some(from) => bind(from, grouping.as_deref_mut())?,
                    None => Expr::Literal(Value::Integer(1)),
                });
                if let Some(len) = substring_for {
                    args.push(bind(len, grouping.as_deref_mut())?);
                }
                Expr::Function("substring".into(), args)
            }
            ast::Expr::Trim {
                expr,
                trim_where,
                trim_what,
                trim_characters,
            } => {
                if trim_characters.is_some() {
                    return Err(Error::unsupported("TRIM with a list of characters"));
                }
                let function = match trim_where {
                    Some(ast::TrimWhereField::Leading) => "ltrim",
                    Some(ast::TrimWhereField::Trailing) => "rtrim",
                    _ => "btrim",
                };
                let mut args = vec![bind(expr, grouping.as_deref_mut())?];
                if let Some(what) = trim_what {
                    args.push(bind(what, grouping.as_deref_mut())?);
                }
                Expr::Function(function.into(), args)
            }
            // `ceil(x)` and `floor(x)` parse as expressions of their own.
            ast::Expr::Ceil { expr, field } | ast::Expr::Floor { expr, field } => {
                if !matches!(
                    field,
                    ast::CeilFloorKind::DateTimeField(ast::DateTimeField::NoDateTime)
                ) {
                    return Err(Error::unsupported(format!("the expression `{e}`")));
                }
                let name = if matches!(e, ast::Expr::Ceil { .. }) {
                    "ceil"
                } else {
                    "floor"
                };
                Expr::Function(name.into(), vec![bind(expr, grouping.as_deref_mut())?])
            }
            ast::Expr::Overlay {
                expr,
                overlay_what,
                overlay_from,
                overlay_for,
            } => {
                let mut args = vec![
                    bind(expr, grouping.as_deref_mut())?,
                    bind(overlay_what, grouping.as_deref_mut())?,
                    bind(overlay_from, grouping.as_deref_mut())?,
                ];
                if let Some(length) = overlay_for {
                    args.push(bind(length, grouping.as_deref_mut())?);
                }
                Expr::Function("overlay".into(), args)
            }
            ast::Expr::Position { expr, r#in } => Expr::Function(
                "strpos".into(),
                vec![
                    bind(r#in, grouping.as_deref_mut())?,
                    bind(expr, grouping.as_deref_mut())?,
                ],
            ),
            ast::Expr::Extract { field, expr, .. } => Expr::Function(
                "extract".into(),
                vec![
                    Expr::Literal(Value::Text(field.to_string().to_lowercase())),
                    bind(expr, grouping.as_deref_mut())?,
                ],
            ),
            ast::Expr::Array(array) => {
                let mut items = Vec::new();
                for e in &array.elem {
                    if matches!(e, ast::Expr::Array(_)) {
                        return Err(Error::new(
                            SqlState::FeatureNotSupported,
                            "multidimensional arrays are not supported",
                        ));
                    }
                    items.push(bind(e, grouping.as_deref_mut())?);
                }
                let constants: Option<Vec<Value>> = items
                    .iter()
                    .map(|e| match e {
                        Expr::Literal(v) => Some(v.clone()),
                        _ => None,
                    })
                    .collect();
                match constants {
                    Some(values) => Expr::Literal(Value::Array(values)),
                    None => Expr::Function("array".into(), items),
                }
            }
            ast::Expr::Collate { expr, collation } => {
                check_collation(collation)?;
                bind(expr, grouping)?
            }
            ast::Expr::CompoundFieldAccess { root, access_chain } => {
                let mut value = bind(root, grouping.as_deref_mut())?;
                for access in access_chain {
                    // A slice, `a[2:3]`, `a[:2]`: the bounds left out are
                    // the array's ends.
                    if let ast::AccessExpr::Subscript(ast::Subscript::Slice {
                        lower_bound,
                        upper_bound,
                        stride: None,
                    }) = access
                    {
                        let mut bound = |b: &Option<ast::Expr>, end: i64| match b {
                            Some(b) => bind(b, grouping.as_deref_mut()),
                            None => Ok(Expr::Literal(Value::BigInt(end))),
                        };
                        let lower = bound(lower_bound, 1)?;
                        let upper = bound(upper_bound, i64::MAX)?;
                        value = Expr::Function("array_slice".into(), vec![value, lower, upper]);
                        continue;
                    }
                    let ast::AccessExpr::Subscript(ast::Subscript::Index { index }) = access else {
                        return Err(Error::unsupported(format!("the expression `{e}`")));
                    };
                    let mut index = bind(index, grouping.as_deref_mut())?;
                    // An int2vector or oidvector counts from 0.
                    if matches!(
                        types::static_type(&value, scope, outer),
                        Some(DataType::Vector(_))
                    ) {
                        index = Expr::Binary(
                            BinaryOp::Add,
                            Box::new(index),
                            Box::new(Expr::Literal(Value::Integer(1))),
                        );
                    }
                    value = Expr::Binary(BinaryOp::Subscript, Box::new(value), Box::new(index));
                }
                value
            }
            ast::Expr::Subquery(q) => self.subquery(q, SubqueryKind::Scalar, scope, outer)?,
            ast::Expr::Exists { subquery, negated } => {
                let e = self.subquery(subquery, SubqueryKind::Exists, scope, outer)?;
                if *negated {
                    Expr::Unary(UnaryOp::Not, Box::new(e))
                } else {
                    e
                }
            }
            ast::Expr::In {
                expr,
                target: ast::InTarget::Subquery(q),
                negated,
                ..
            } => {
                let x = bind(expr, grouping)?;
                self.subquery(q, SubqueryKind::In(Box::new(x), *negated), scope, outer)?
            }
            ast::Expr::AnyOp {
                left,
                compare_op,
                right,
                ..
            }
            | ast::Expr::AllOp {
                left,
                compare_op,
                right,
            } => {
                let op = binary_op(compare_op)?;
                let all = matches!(e, ast::Expr::AllOp { .. });
                let ast::Expr::Subquery(q) = right.as_ref() else {
                    let x = bind(left, grouping.as_deref_mut())?;
                    let array = bind(right, grouping)?;
                    return Ok(Expr::ArrayQuantified {
                        expr: Box::new(x),
                        op,
                        all,
                        array: Box::new(array),
                    });
                };
                let x = bind(left, grouping)?;
                let kind = SubqueryKind::Quantified {
                    expr: Box::new(x),
                    op,
                    all,
                };
                self.subquery(q, kind, scope, outer)?
            }
            other => return Err(Error::unsupported(format!("the expression `{other}`"))),
        })
    }

    /// Binds a subquery with the current scope as its innermost outer scope.
    fn subquery(
        &self,
        q: &ast::Query,
        kind: SubqueryKind,
        scope: &Scope,
        outer: &[&Scope],
    ) -> Result<Expr> {
        let mut scopes: Vec<&Scope> = outer.to_vec();
        scopes.push(scope);
        let (plan, sub_scope) = self.query(q, &scopes)?;
        if !matches!(kind, SubqueryKind::Exists) && sub_scope.len() != 1 {
            return Err(Error::syntax("subquery must return only one column"));
        }
        let correlated = plan.references_outer();
        let data_type = sub_scope.columns.first().and_then(|c| c.data_type.clone());
        Ok(Expr::Subquery(Box::new(Subquery {
            kind,
            plan,
            correlated,
            data_type,
        })))
    }

    fn function(
        &self,
        f: &ast::Function,
        scope: &Scope,
        outer: &[&Scope],
        grouping: Option<&mut Grouping>,
    ) -> Result<Expr> {
        let name = object_name(&f.name)?;
        if let Some(rewritten) = whole_row_call(f, &name, scope)? {
            return self.function(&rewritten, scope, outer, grouping);
        }
        let mut order_by: &[ast::OrderByExpr] = &[];
        let (args, distinct, star) = match &f.args {
            ast::FunctionArguments::List(list) => {
                for clause in &list.clauses {
                    match clause {
                        ast::FunctionArgumentClause::OrderBy(keys) => order_by = keys,
                        other => {
                            return Err(Error::unsupported(format!(
                                "`{other}` in a function call"
                            )));
                        }
                    }
                }
                let mut args = Vec::new();
                let mut star = false;
                for a in &list.args {
                    match a {
                        ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => args.push(e),
                        ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Wildcard) => star = true,
                        _ => {
                            return Err(Error::unsupported(
                                "named or qualified function arguments",
                            ));
                        }
                    }
                }
                (
                    args,
                    matches!(
                        list.duplicate_treatment,
                        Some(ast::DuplicateTreatment::Distinct)
                    ),
                    star,
                )
            }
            ast::FunctionArguments::None => (Vec::new(), false, false),
            ast::FunctionArguments::Subquery(q) if name == "array" => {
                return self.subquery(q, SubqueryKind::Array, scope, outer);
            }
            ast::FunctionArguments::Subquery(_) => {
                return Err(Error::unsupported("a subquery as function argument"));
            }
        };
        // A set-returning call is allowed only where the caller said so
        // (the top of a select list item), and never in its own arguments.
        if super::functions::SET_RETURNING.contains(&name.as_str())
            && !self.set_returning_allowed.replace(false)
        {
            return Err(Error::new(
                SqlState::FeatureNotSupported,
                format!("set-returning function {name} is not allowed here"),
            )
            .with_hint("Call it at the top of a select list item or in FROM."));
        }
        if !order_by.is_empty() && !is_aggregate(&name) || !order_by.is_empty() && f.over.is_some()
        {
            return Err(Error::unsupported(format!("ORDER BY in a call of {name}")));
        }
        // An ordered-set aggregate (`percentile_cont(0.5) WITHIN GROUP
        // (ORDER BY x)`) is an aggregate of its sorted argument `x`, the
        // direct arguments following it.
        let ordered_set = super::execution::ORDERED_SET_AGGREGATES.contains(&name.as_str());
        let mut args = args;
        if ordered_set || !f.within_group.is_empty() {
            if !ordered_set {
                return Err(Error::new(
                    SqlState::WrongObjectType,
                    format!(
                        "{name} is not an ordered-set aggregate, so it cannot have WITHIN GROUP"
                    ),
                ));
            }
            // Without WITHIN GROUP it is no function PostgreSQL has.
            let [sorted] = f.within_group.as_slice() else {
                return Err(self.no_such_function(&name, &args, scope, outer)?);
            };
            if f.over.is_some() {
                return Err(Error::unsupported(format!(
                    "OVER for ordered-set aggregate {name}"
                )));
            }
            if distinct {
                return Err(Error::unsupported(format!(
                    "DISTINCT in ordered-set aggregate {name}"
                )));
            }
            args.insert(0, &sorted.expr);
            order_by = std::slice::from_ref(sorted);
        }
        if let Some(over) = &f.over {
            return self.window_call(f, name, &args, distinct, over, scope, outer, grouping);
        }
        // GROUPING(a, b): which of its arguments the row's grouping set
        // leaves out, as bits; computed once the sets are known
        // (`grouping_calls`).
        if name == "grouping" && f.over.is_none() {
            if grouping.is_none() || args.is_empty() {
                return Err(not_grouping_keys());
            }
            let args = args
                .iter()
                .map(|a| self.expr(a, scope, outer, None))
                .collect::<Result<Vec<_>>>()?;
            return Ok(Expr::Function(name, args));
        }
        if is_aggregate(&name) {
            let Some(g) = grouping else {
                return Err(Error::new(
                    SqlState::GroupingError,
                    format!(
                        "aggregate functions are not allowed {}",
                        self.aggregate_refused.get()
                    ),
                ));
            };
            let args = args
                .iter()
                .map(|a| self.expr(a, scope, outer, None))
                .collect::<Result<Vec<_>>>()?;
            if args.iter().any(|a| matches!(a, Expr::Aggregate(_))) {
                return Err(Error::new(
                    SqlState::GroupingError,
                    "aggregate function calls cannot be nested",
                ));
            }
            let expected = super::execution::aggregate_arity(&name);
            if !star && args.len() != expected || name != "count" && star {
                return Err(Error::new(
                    SqlState::UndefinedFunction,
                    format!("function {name}() does not exist"),
                ));
            }
            let filter = f
                .filter
                .as_ref()
                .map(|x| self.expr(x, scope, outer, None))
                .transpose()?;
            let order_by = order_by
                .iter()
                .map(|o| {
                    let descending = descending(&o.options)?;
                    Ok(SortKey {
                        expr: self.expr(&o.expr, scope, outer, None)?,
                        descending,
                        nulls_first: o.options.nulls_first.unwrap_or(descending),
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            // A DISTINCT aggregate whose result keeps its inputs' order
            // takes them sorted, as PostgreSQL's does (it sorts to find
            // the distinct ones): `array_agg(DISTINCT x)` is ascending.
            let order_by = if distinct
                && order_by.is_empty()
                && ORDER_KEEPING_AGGREGATES.contains(&name.as_str())
                && let Some(first) = args.first()
            {
                vec![SortKey {
                    expr: first.clone(),
                    descending: false,
                    nulls_first: false,
                }]
            } else {
                order_by
            };
            let call = AggregateCall {
                function: name,
                args,
                distinct,
                filter,
                order_by,
            };
            let slot = match g.aggregates.iter().position(|a| *a == call) {
                Some(i) => i,
                None => {
                    g.aggregates.push(call);
                    g.aggregates.len() - 1
                }
            };
            return Ok(Expr::Aggregate(slot));
        }
        if super::system::FUNCTIONS.contains(&name.as_str()) {
            let mut values = Vec::new();
            for a in &args {
                match self.expr(a, scope, outer, None)? {
                    Expr::Literal(v) => values.push(v),
                    _ => {
                        return Err(Error::new(
                            SqlState::DatatypeMismatch,
                            format!("{name} takes constant arguments"),
                        ));
                    }
                }
            }
            return Ok(Expr::Literal(self.catalog.vc_function(&name, &values)?));
        }
        if system_catalogs::is_catalog_function(&name) {
            let mut bound = Vec::new();
            for a in &args {
                bound.push(self.expr(a, scope, outer, None)?);
            }
            return self.catalog_function(&name, bound);
        }
        let mut grouping = grouping;
        if user_types::ENUM_FUNCTIONS.contains(&name.as_str()) {
            return self.enum_call(&name, &args, scope, outer);
        }
        if !super::functions::is_scalar(&name) {
            if let Some(call) =
                self.sql_function_call(&name, &args, scope, outer, grouping.as_deref_mut())?
            {
                return Ok(call);
            }
            return Err(self.no_such_function(&name, &args, scope, outer)?);
        }
        let mut bound = Vec::new();
        for a in &args {
            bound.push(self.expr(a, scope, outer, grouping.as_deref_mut())?);
        }
        if super::functions::strings::takes_only_text(&name)
            && let Some(first) = bound.first()
            && let Some(t) = types::static_type(first, scope, outer)
        {
            if !matches!(
                t,
                DataType::Text | DataType::Varchar(_) | DataType::Char(_) | DataType::Bytea
            ) {
                // PostgreSQL casts nothing to text implicitly for these.
                return Err(Error::new(
                    SqlState::UndefinedFunction,
                    format!("function {name}({}) does not exist", crate::sql::pg_catalog::type_display(&t)),
                )
                .with_hint(
                    "No function matches the given name and argument types. You might need to add explicit type casts.",
                ));
            }
            // A character(n) value's trailing spaces are padding, not
            // characters.
            if matches!(t, DataType::Char(_))
                && matches!(name.as_str(), "length" | "char_length" | "character_length")
            {
                let padded = std::mem::replace(&mut bound[0], Expr::Literal(Value::Null));
                bound[0] = Expr::Function("rtrim".into(), vec![padded]);
            }
        }
        // The type an argument has where it is written, even when its
        // value is NULL (`pg_typeof(NULL::text)` is text).
        // An untyped string literal is `unknown`, as PostgreSQL has it.
        if name == "pg_typeof"
            && let [argument] = bound.as_slice()
            && let Some(t) = types::static_type(argument, scope, outer)
            && !argument.has_subquery()
        {
            let written = match args.as_slice() {
                [a] if untyped_string(a) => "unknown".to_owned(),
                _ => super::functions::system::type_name(&t.to_string()),
            };
            return Ok(Expr::Literal(Value::Text(written)));
        }
        if name == "format_type" {
            return self.format_type_call(bound);
        }
        if name == "generate_subscripts"
            && let [vector, dimension] = bound.as_slice()
            && matches!(
                types::static_type(vector, scope, outer),
                Some(DataType::Vector(_))
            )
        {
            return Ok(set_returning::vector_subscripts(
                vector.clone(),
                dimension.clone(),
            ));
        }
        Ok(Expr::Function(name, bound))
    }
}

impl Binder<'_> {
    /// The types of a call's arguments where binding tells them (`None`
    /// for an untyped string, whose type its context decides).
    fn argument_types(
        &self,
        args: &[&ast::Expr],
        scope: &Scope,
        outer: &[&Scope],
    ) -> Result<Vec<Option<DataType>>> {
        let mut types = Vec::new();
        for a in args {
            let bound = self.expr(a, scope, outer, None)?;
            types.push(if untyped_string(a) {
                None
            } else {
                types::static_type(&bound, scope, outer)
            });
        }
        Ok(types)
    }

    /// PostgreSQL's error for a call of `name` with `args` that no function
    /// takes, naming the arguments' types (an untyped string is `unknown`).
    fn no_such_function(
        &self,
        name: &str,
        args: &[&ast::Expr],
        scope: &Scope,
        outer: &[&Scope],
    ) -> Result<Error> {
        let types: Vec<String> = self
            .argument_types(args, scope, outer)?
            .iter()
            .map(|t| {
                t.as_ref()
                    .map_or_else(|| "unknown".to_owned(), super::pg_catalog::type_display)
            })
            .collect();
        Ok(Error::new(
            SqlState::UndefinedFunction,
            format!("function {name}({}) does not exist", types.join(", ")),
        )
        .with_hint(
            "No function matches the given name and argument types. You might need to add explicit type casts.",
        ))
    }

    /// The type of a select list item bound over `scope`: its aggregate and
    /// window markers typed from their calls, then the expression's type.
    fn item_type(
        &self,
        e: &Expr,
        scope: &Scope,
        outer: &[&Scope],
        grouping: Option<&Grouping>,
    ) -> Option<DataType> {
        let windows = self.windows.borrow();
        let call_type = |function: &str, args: &[Expr]| {
            let first = args
                .first()
                .and_then(|a| types::static_type(a, scope, outer));
            types::aggregate_type(function, first)
        };
        let mut typed = |marker: Expr| -> Result<Expr> {
            let t = match &marker {
                Expr::Aggregate(k) => grouping
                    .and_then(|g| g.aggregates.get(*k))
                    .and_then(|c| call_type(&c.function, &c.args)),
                Expr::Window(k) => windows
                    .get(*k)
                    .and_then(|c| call_type(&c.function, &c.args)),
                _ => None,
            };
            Ok(match t {
                Some(t) => Expr::Cast(Box::new(Expr::Literal(Value::Null)), t),
                None => marker,
            })
        };
        let replaced = replace_markers(e.clone(), &mut typed).ok()?;
        types::static_type(&replaced, scope, outer)
    }
}

/// `e` with each aggregate and window marker replaced by `f`'s expression.
fn replace_markers(e: Expr, f: &mut impl FnMut(Expr) -> Result<Expr>) -> Result<Expr> {
    match e {
        Expr::Aggregate(_) | Expr::Window(_) => f(e),
        other => other.try_map_children(&mut |c| replace_markers(c, f)),
    }
}

impl Binder<'_> {
    /// Binds a call with OVER: collects it into the SELECT's window calls and
    /// returns its marker.
    #[allow(clippy::too_many_arguments)]
    fn window_call(
        &self,
        f: &ast::Function,
        name: String,
        args: &[&ast::Expr],
        distinct: bool,
        over: &ast::WindowType,
        scope: &Scope,
        outer: &[&Scope],
        mut grouping: Option<&mut Grouping>,
    ) -> Result<Expr> {
        if !is_aggregate(&name) && !WINDOW_FUNCTIONS.contains(&name.as_str()) {
            return Err(Error::new(
                SqlState::WrongObjectType,
                format!("function {name} is not a window function or an aggregate"),
            ));
        }
        // The value functions take any type, so an untyped string gives
        // them none.
        if matches!(
            name.as_str(),
            "lag" | "lead" | "first_value" | "last_value" | "nth_value"
        ) && args.first().is_some_and(|a| untyped_string(a))
        {
            return Err(Error::new(
                SqlState::DatatypeMismatch,
                "could not determine polymorphic type because input has type unknown",
            ));
        }
        if !self.windows_allowed.get() {
            return Err(Error::new(
                SqlState::WindowingError,
                "window functions are not allowed here",
            )
            .with_hint("Window functions may appear in the select list and ORDER BY."));
        }
        if distinct {
            return Err(Error::unsupported("DISTINCT in a window function"));
        }
        let spec = self.window_spec(over)?;
        self.windows_allowed.set(false);
        let mut bind = |e: &ast::Expr| self.expr(e, scope, outer, grouping.as_deref_mut());
        let args = args.iter().map(|a| bind(a)).collect::<Result<Vec<_>>>();
        let partition_by = spec
            .partition_by
            .iter()
            .map(&mut bind)
            .collect::<Result<Vec<_>>>();
        let order_by = spec
            .order_by
            .iter()
            .map(|o| {
                let descending = descending(&o.options)?;
                Ok(SortKey {
                    expr: bind(&o.expr)?,
                    descending,
                    nulls_first: o.options.nulls_first.unwrap_or(descending),
                })
            })
            .collect::<Result<Vec<_>>>();
        let filter = f.filter.as_ref().map(|x| bind(x)).transpose();
        self.windows_allowed.set(true);
        let frame = match &spec.window_frame {
            None => WindowFrame::default_frame(),
            Some(frame) => {
                let empty = Scope::new();
                let bound = |b: &ast::WindowFrameBound| -> Result<FrameBound> {
                    Ok(match b {
                        ast::WindowFrameBound::CurrentRow => FrameBound::CurrentRow,
                        ast::WindowFrameBound::Preceding(None) => FrameBound::UnboundedPreceding,
                        ast::WindowFrameBound::Following(None) => FrameBound::UnboundedFollowing,
                        ast::WindowFrameBound::Preceding(Some(e)) => {
                            FrameBound::Preceding(self.expr(e, &empty, outer, None)?)
                        }
                        ast::WindowFrameBound::Following(Some(e)) => {
                            FrameBound::Following(self.expr(e, &empty, outer, None)?)
                        }
                    })
                };
                let start = bound(&frame.start_bound)?;
                let end = match &frame.end_bound {
                    Some(b) => bound(b)?,
                    None => FrameBound::CurrentRow,
                };
                if start == FrameBound::UnboundedFollowing {
                    return Err(Error::new(
                        SqlState::WindowingError,
                        "frame start cannot be UNBOUNDED FOLLOWING",
                    ));
                }
                if end == FrameBound::UnboundedPreceding {
                    return Err(Error::new(
                        SqlState::WindowingError,
                        "frame end cannot be UNBOUNDED PRECEDING",
                    ));
                }
                WindowFrame {
                    units: match frame.units {
                        ast::WindowFrameUnits::Rows => FrameUnits::Rows,
                        ast::WindowFrameUnits::Range => FrameUnits::Range,
                        ast::WindowFrameUnits::Groups => FrameUnits::Groups,
                    },
                    start,
                    end,
                }
            }
        };
        let call = WindowCall {
            function: name,
            args: args?,
            filter: filter?,
            partition_by: partition_by?,
            order_by: order_by?,
            frame,
        };
        let mut windows = self.windows.borrow_mut();
        windows.push(call);
        Ok(Expr::Window(windows.len() - 1))
    }

    /// The window a call's OVER names or spells out, with a named base
    /// window's PARTITION BY and ORDER BY filled in.
    fn window_spec(&self, over: &ast::WindowType) -> Result<ast::WindowSpec> {
        let named = |name: &ast::Ident| -> Result<ast::WindowSpec> {
            let wanted = ident(name);
            self.named_windows
                .borrow()
                .iter()
                .find(|(n, _)| *n == wanted)
                .and_then(|(_, expr)| match expr {
                    ast::NamedWindowExpr::WindowSpec(spec) => Some(spec.clone()),
                    ast::NamedWindowExpr::NamedWindow(_) => None,
                })
                .ok_or_else(|| {
                    Error::new(
                        SqlState::UndefinedObject,
                        format!("window \"{wanted}\" does not exist"),
                    )
                })
        };
        let mut spec = match over {
            ast::WindowType::WindowSpec(spec) => spec.clone(),
            ast::WindowType::NamedWindow(name) => return named(name),
        };
        if let Some(base_name) = spec.window_name.take() {
            let base = named(&base_name)?;
            if spec.partition_by.is_empty() {
                spec.partition_by = base.partition_by;
            }
            if spec.order_by.is_empty() {
                spec.order_by = base.order_by;
            }
            if spec.window_frame.is_none() {
                spec.window_frame = base.window_frame;
            }
        }
        Ok(spec)
    }
}

impl Binder<'_> {
    /// The rows of a common table expression where a FROM item names it.
    fn cte(&self, cte: &Cte, outer: &[&Scope]) -> Result<(Plan, Scope)> {
        let (query, visible, recursive) = match &cte.what {
            CteKind::WorkTable { id, scope, used } => {
                used.set(true);
                let plan = Plan::WorkTable {
                    id: *id,
                    width: scope.len(),
                };
                return Ok((plan, scope.clone()));
            }
            CteKind::Query {
                query,
                visible,
                recursive,
            } => (query, *visible, *recursive),
        };
        // Bind with the CTEs that were in scope where it was defined.
        let later = self.ctes.borrow_mut().split_off(visible);
        let bound = match query.body.as_ref() {
            ast::SetExpr::SetOperation {
                op: ast::SetOperator::Union,
                set_quantifier,
                left,
                right,
            } if recursive
                && query.order_by.is_none()
                && query.limit_clause.is_none()
                && query.fetch.is_none() =>
            {
                let all = matches!(set_quantifier, ast::SetQuantifier::All);
                self.recursive_cte(cte, left, right, all, outer)
            }
            _ => self.query(query, outer).and_then(|(plan, scope)| {
                Ok((plan, rename_columns(scope, &cte.name, &cte.columns)?))
            }),
        };
        self.ctes.borrow_mut().extend(later);
        bound
    }

    /// `anchor UNION [ALL] recursive`, where the recursive part reads the
    /// CTE's own rows of the previous round.
    fn recursive_cte(
        &self,
        cte: &Cte,
        anchor: &ast::SetExpr,
        recursive: &ast::SetExpr,
        all: bool,
        outer: &[&Scope],
    ) -> Result<(Plan, Scope)> {
        let (anchor_plan, anchor_scope) = self.set_expr(anchor, outer)?;
        let scope = rename_columns(anchor_scope, &cte.name, &cte.columns)?;
        let id = self.next_cte_id.get();
        self.next_cte_id.set(id + 1);
        let used = Rc::new(Cell::new(false));
        let mut work_scope = scope.clone();
        work_scope.requalify(&cte.name);
        self.ctes.borrow_mut().push(Cte {
            name: cte.name.clone(),
            columns: cte.columns.clone(),
            what: CteKind::WorkTable {
                id,
                scope: work_scope,
                used: used.clone(),
            },
        });
        let bound = self.set_expr(recursive, outer);
        self.ctes.borrow_mut().pop();
        let (recursive_plan, recursive_scope) = bound?;
        if recursive_scope.len() != scope.len() {
            return Err(Error::syntax(
                "each UNION query must have the same number of columns",
            ));
        }
        let plan = if used.get() {
            Plan::RecursiveCte {
                id,
                anchor: Box::new(anchor_plan),
                recursive: Box::new(recursive_plan),
                all,
            }
        } else {
            Plan::SetOp {
                kind: SetOpKind::Union,
                all,
                left: Box::new(anchor_plan),
                right: Box::new(recursive_plan),
            }
        };
        Ok((plan, scope))
    }
}

/// Applies a CTE's column list `name(a, b, ...)` to its query's columns.
fn rename_columns(mut scope: Scope, name: &str, columns: &[String]) -> Result<Scope> {
    let available = scope.columns.iter().filter(|c| !c.hidden).count();
    if columns.len() > available {
        return Err(Error::new(
            SqlState::InvalidColumnReference,
            format!(
                "WITH query \"{name}\" has {available} columns available but {} columns specified",
                columns.len()
            ),
        ));
    }
    for (column, new_name) in scope.columns.iter_mut().zip(columns) {
        column.name = new_name.clone();
    }
    Ok(scope)
}

/// Rewrites window markers to the columns a `Window` node appends after the
/// `base` columns of its input.
fn place_windows(e: Expr, base: usize) -> Result<Expr> {
    match e {
        Expr::Window(k) => Ok(Expr::Column(base + k)),
        other => other.try_map_children(&mut |c| place_windows(c, base)),
    }
}

/// A full scan of `table`, with its columns qualified by `qualifier`.
/// Whether `e` is a string constant written without a type (`'5'`, not
/// `'5'::int` nor `int '5'`), whose type its context decides.
fn untyped_string(e: &ast::Expr) -> bool {
    match e {
        ast::Expr::Nested(inner) => untyped_string(inner),
        ast::Expr::Value(v) => matches!(
            v.value,
            ast::Value::SingleQuotedString(_)
                | ast::Value::EscapedStringLiteral(_)
                | ast::Value::DollarQuotedString(_)
        ),
        _ => false,
    }
}

fn scan_of(name: String, qualifier: &str, table: &Table) -> (Plan, Scope) {
    let scope = Scope::for_schema(qualifier, &table.schema);
    let source = TableSource::of(name, table);
    (
        Plan::Scan {
            table: source,
            access: Access::full(),
            filter: None,
            with_key: false,
            columns: None,
        },
        scope,
    )
}

fn column(r: Resolved) -> Expr {
    match r {
        Resolved::Local(i) => Expr::Column(i),
        Resolved::Outer { depth, index } => Expr::Outer { depth, index },
    }
}

/// The aggregates whose result shows the order of their inputs.
const ORDER_KEEPING_AGGREGATES: &[&str] = &[
    "array_agg",
    "string_agg",
    "jsonb_agg",
    "json_agg",
    "jsonb_object_agg",
    "json_object_agg",
];

/// A GROUP BY list's distinct expressions, and its grouping sets as
/// positions among them (see [`grouping_sets`]).
type GroupingSets<'s> = (Vec<&'s ast::Expr>, Option<Vec<Vec<usize>>>);

/// The most grouping sets one GROUP BY may stand for (PostgreSQL's limit).
const MAX_GROUPING_SETS: usize = 4096;

/// What a GROUP BY list groups by: its distinct expressions and, when it
/// has `ROLLUP`, `CUBE` or `GROUPING SETS`, the sets of them (as
/// positions) that each group rows once. Items combine as PostgreSQL
/// combines them, each set of one item with each of the next
/// (`GROUP BY a, ROLLUP (b, c)` is `(a, b, c), (a, b), (a)`); `CUBE`
/// lists its subsets largest first, as PostgreSQL does.
fn grouping_sets<'s>(
    items: &'s [ast::Expr],
    s: &'s ast::Select,
    input: &Scope,
) -> Result<GroupingSets<'s>> {
    let is_set = |e: &ast::Expr| {
        matches!(
            e,
            ast::Expr::Rollup(_) | ast::Expr::Cube(_) | ast::Expr::GroupingSets(_)
        )
    };
    if !items.iter().any(is_set) {
        let plain = items
            .iter()
            .map(|e| group_by_item(e, s, input))
            .collect::<Result<_>>()?;
        return Ok((plain, None));
    }
    let too_many = || {
        Error::new(
            SqlState::StatementTooComplex,
            format!("too many grouping sets present (maximum {MAX_GROUPING_SETS})"),
        )
    };
    // Each item's alternatives, each a list of expressions.
    fn alternatives<'s>(e: &'s ast::Expr) -> Vec<Vec<&'s ast::Expr>> {
        let flat = |list: &'s [ast::Expr]| -> Vec<&'s ast::Expr> { list.iter().collect() };
        match e {
            ast::Expr::Rollup(lists) | ast::Expr::Cube(lists) => {
                let lists: Vec<Vec<&ast::Expr>> = lists.iter().map(|l| flat(l)).collect();
                subsets(&lists, matches!(e, ast::Expr::Cube(_)))
            }
            ast::Expr::GroupingSets(sets) => sets
                .iter()
                .flat_map(|set| {
                    // A set may hold ROLLUP or CUBE itself: its sets, each
                    // joined with the rest of this one.
                    set.iter().fold(vec![Vec::new()], |acc, item| {
                        let choices = match item {
                            ast::Expr::Rollup(_) | ast::Expr::Cube(_) => alternatives(item),
                            // Inside GROUPING SETS the parser reads
                            // `ROLLUP (a, b)` as a call.
                            ast::Expr::Function(f) if set_call(f).is_some() => {
                                let (cube, args) = set_call(f).unwrap_or_default();
                                let lists: Vec<Vec<&ast::Expr>> =
                                    args.into_iter().map(|a| vec![a]).collect();
                                subsets(&lists, cube)
                            }
                            plain => vec![vec![plain]],
                        };
                        combined(&acc, &choices)
                    })
                })
                .collect(),
            ast::Expr::Nested(inner) if matches!(**inner, ast::Expr::Tuple(_)) => match &**inner {
                ast::Expr::Tuple(list) => vec![list.iter().collect()],
                _ => vec![vec![e]],
            },
            plain => vec![vec![plain]],
        }
    }
    /// `ROLLUP (...)` or `CUBE (...)` read as a call: whether a cube, and
    /// its arguments.
    fn set_call(f: &ast::Function) -> Option<(bool, Vec<&ast::Expr>)> {
        let cube = match object_name(&f.name).ok()?.as_str() {
            "rollup" => false,
            "cube" => true,
            _ => return None,
        };
        let ast::FunctionArguments::List(list) = &f.args else {
            return None;
        };
        let args = list
            .args
            .iter()
            .map(|a| match a {
                ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => Some(e),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()?;
        Some((cube, args))
    }
    /// The sets of a rollup (each prefix of `lists`, longest first) or a
    /// cube (each subset, largest first, the first item the highest bit;
    /// past 12 items a cube has more sets than allowed, and the caller
    /// refuses it before asking).
    fn subsets<'s>(lists: &[Vec<&'s ast::Expr>], cube: bool) -> Vec<Vec<&'s ast::Expr>> {
        let n = lists.len();
        if !cube {
            return (0..=n).rev().map(|k| lists[..k].concat()).collect();
        }
        (0..1usize << n)
            .rev()
            .map(|mask| {
                (0..n)
                    .filter(|i| mask & (1 << (n - 1 - i)) != 0)
                    .flat_map(|i| lists[i].iter().copied())
                    .collect()
            })
            .collect()
    }
    /// Each set of `sets` joined with each of `choices`, in order.
    fn combined<'s>(
        sets: &[Vec<&'s ast::Expr>],
        choices: &[Vec<&'s ast::Expr>],
    ) -> Vec<Vec<&'s ast::Expr>> {
        sets.iter()
            .flat_map(|x| choices.iter().map(move |y| [x.as_slice(), y].concat()))
            .collect()
    }
    fn cube_too_large(e: &ast::Expr) -> bool {
        match e {
            ast::Expr::Cube(lists) => lists.len() > 12,
            ast::Expr::Function(f) => {
                set_call(f).is_some_and(|(cube, args)| cube && args.len() > 12)
            }
            ast::Expr::GroupingSets(sets) => sets.iter().flatten().any(cube_too_large),
            _ => false,
        }
    }
    let mut sets: Vec<Vec<&ast::Expr>> = vec![Vec::new()];
    for item in items {
        if cube_too_large(item) {
            return Err(too_many());
        }
        let choices = alternatives(item);
        if sets.len().saturating_mul(choices.len()) > MAX_GROUPING_SETS {
            return Err(too_many());
        }
        sets = combined(&sets, &choices);
    }
    let mut distinct: Vec<&ast::Expr> = Vec::new();
    let mut positions = Vec::with_capacity(sets.len());
    for set in sets {
        let mut members = Vec::new();
        for e in set {
            let e = group_by_item(e, s, input)?;
            let at = match distinct.iter().position(|d| *d == e) {
                Some(at) => at,
                None => {
                    distinct.push(e);
                    distinct.len() - 1
                }
            };
            if !members.contains(&at) {
                members.push(at);
            }
        }
        positions.push(members);
    }
    Ok((distinct, Some(positions)))
}

/// Aggregation by grouping sets: one aggregate of `source` per set, the
/// keys a set leaves out NULL, followed by the set's number, and their
/// rows appended. A set of no keys aggregates every row into one (a row
/// even over no input, as without GROUP BY).
fn aggregate_sets(
    source: Plan,
    group_by: &[Expr],
    sets: &[Vec<usize>],
    aggregates: Vec<AggregateCall>,
) -> Plan {
    let branch = |number: usize, set: &[usize]| -> Plan {
        let set_number = Expr::Literal(Value::Integer(i32::try_from(number).unwrap_or(i32::MAX)));
        if set.is_empty() {
            let whole = Plan::Aggregate {
                source: Box::new(source.clone()),
                group_by: Vec::new(),
                aggregates: aggregates.clone(),
            };
            let exprs = (0..group_by.len())
                .map(|_| Expr::Literal(Value::Null))
                .chain([set_number])
                .chain((0..aggregates.len()).map(Expr::Column))
                .collect();
            return Plan::Project {
                source: Box::new(whole),
                exprs,
            };
        }
        let keys = group_by
            .iter()
            .enumerate()
            .map(|(i, e)| {
                if set.contains(&i) {
                    e.clone()
                } else {
                    Expr::Literal(Value::Null)
                }
            })
            .chain([set_number])
            .collect();
        Plan::Aggregate {
            source: Box::new(source.clone()),
            group_by: keys,
            aggregates: aggregates.clone(),
        }
    };
    let mut branches = sets.iter().enumerate().map(|(i, set)| branch(i, set));
    let first = branches.next().unwrap_or(Plan::Values {
        rows: Vec::new(),
        width: group_by.len() + 1 + aggregates.len(),
    });
    branches.fold(first, |left, right| Plan::SetOp {
        kind: SetOpKind::Union,
        all: true,
        left: Box::new(left),
        right: Box::new(right),
    })
}

/// 42803: a `GROUPING(...)` argument that is not a key of the GROUP BY
/// (or a call without one).
fn not_grouping_keys() -> Error {
    Error::new(
        SqlState::GroupingError,
        "arguments to GROUPING must be grouping expressions of the associated query level",
    )
}

/// Replaces each `GROUPING(...)` call of a grouped expression (its
/// arguments already the key columns they are) with its value: a bit for
/// each argument, the first the highest, set where the row's grouping set
/// leaves that key out; 0 without grouping sets.
fn grouping_calls(
    e: Expr,
    key_count: usize,
    sets: Option<&[Vec<usize>]>,
    set_column: Option<usize>,
) -> Result<Expr> {
    match e {
        Expr::Function(name, args) if name == "grouping" => {
            let keys = args
                .iter()
                .map(|a| match a {
                    Expr::Column(i) if *i < key_count => Ok(*i),
                    _ => Err(not_grouping_keys()),
                })
                .collect::<Result<Vec<usize>>>()?;
            let mask = |set: &[usize]| {
                keys.iter()
                    .fold(0i32, |bits, k| (bits << 1) | i32::from(!set.contains(k)))
            };
            Ok(match (sets, set_column) {
                (Some(sets), Some(column)) => Expr::Case {
                    operand: Some(Box::new(Expr::Column(column))),
                    branches: sets
                        .iter()
                        .enumerate()
                        .map(|(i, set)| {
                            (
                                Expr::Literal(Value::Integer(i32::try_from(i).unwrap_or(i32::MAX))),
                                Expr::Literal(Value::Integer(mask(set))),
                            )
                        })
                        .collect(),
                    otherwise: None,
                },
                _ => Expr::Literal(Value::Integer(0)),
            })
        }
        other => other.try_map_children(&mut |c| grouping_calls(c, key_count, sets, set_column)),
    }
}

/// After aggregation the row is (group keys..., aggregates...). Rewrites an
/// expression bound over the input row to read from that row: group-key
/// subtrees become key columns, aggregate markers become aggregate columns,
/// and any other column reference is an error.
fn rewrite_grouped(e: Expr, group_by: &[Expr], group_count: usize, input: &Scope) -> Result<Expr> {
    if let Some(i) = group_by.iter().position(|g| *g == e) {
        return Ok(Expr::Column(i));
    }
    match e {
        Expr::Aggregate(k) => Ok(Expr::Column(group_count + k)),
        // GROUPING's arguments must each be a key itself.
        Expr::Function(name, args) if name == "grouping" => {
            let keys = args
                .into_iter()
                .map(|a| match group_by.iter().position(|g| *g == a) {
                    Some(i) => Ok(Expr::Column(i)),
                    None => Err(not_grouping_keys()),
                })
                .collect::<Result<_>>()?;
            Ok(Expr::Function(name, keys))
        }
        Expr::Column(i) => {
            // Named as PostgreSQL names it: qualified by its table.
            let name = input
                .columns
                .get(i)
                .map_or_else(String::new, |c| match &c.table {
                    Some(t) => format!(" \"{t}.{}\"", c.name),
                    None => format!(" \"{}\"", c.name),
                });
            Err(Error::new(
                SqlState::GroupingError,
                format!(
                    "column{name} must appear in the GROUP BY clause or be used in an aggregate function"
                ),
            ))
        }
        other => other.try_map_children(&mut |c| rewrite_grouped(c, group_by, group_count, input)),
    }
}

/// Whether an expression calls an aggregate function outside any subquery.
fn contains_aggregate(e: &ast::Expr) -> bool {
    use ast::Expr as E;
    let any = |list: &[ast::Expr]| list.iter().any(contains_aggregate);
    match e {
        E::Function(f) => {
            let is_aggregate =
                object_name(&f.name).is_ok_and(|n| is_aggregate(&n)) && f.over.is_none();
            let args_have = match &f.args {
                ast::FunctionArguments::List(list) => list.args.iter().any(|a| match a {
                    ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(x)) => {
                        contains_aggregate(x)
                    }
                    _ => false,
                }),
                _ => false,
            };
            is_aggregate || args_have
        }
        E::BinaryOp { left, right, .. } => contains_aggregate(left) || contains_aggregate(right),
        E::UnaryOp { expr, .. } | E::Nested(expr) | E::Cast { expr, .. } => {
            contains_aggregate(expr)
        }
        E::IsNull(x)
        | E::IsNotNull(x)
        | E::IsTrue(x)
        | E::IsFalse(x)
        | E::IsNotTrue(x)
        | E::IsNotFalse(x) => contains_aggregate(x),
        E::IsDistinctFrom(a, b) | E::IsNotDistinctFrom(a, b) => {
            contains_aggregate(a) || contains_aggregate(b)
        }
        E::Between {
            expr, low, high, ..
        } => contains_aggregate(expr) || contains_aggregate(low) || contains_aggregate(high),
        E::In { expr, target, .. } => {
            contains_aggregate(expr) || matches!(target, ast::InTarget::List(list) if any(list))
        }
        E::Like { expr, pattern, .. } | E::ILike { expr, pattern, .. } => {
            contains_aggregate(expr) || contains_aggregate(pattern)
        }
        E::Case {
            operand,
            conditions,
            else_result,
            ..
        } => {
            operand.as_deref().is_some_and(contains_aggregate)
                || conditions
                    .iter()
                    .any(|c| contains_aggregate(&c.condition) || contains_aggregate(&c.result))
                || else_result.as_deref().is_some_and(contains_aggregate)
        }
        E::AnyOp { left, .. } | E::AllOp { left, .. } => contains_aggregate(left),
        E::Tuple(list) => any(list),
        _ => false,
    }
}

/// `AS x(a, b, ...)`: the scope's first visible columns renamed.
fn rename_by_alias(scope: &mut Scope, alias: &ast::TableAlias) -> Result<()> {
    if alias.columns.is_empty() {
        return Ok(());
    }
    let visible: Vec<usize> = (0..scope.len())
        .filter(|&i| !scope.columns[i].hidden)
        .collect();
    if alias.columns.len() > visible.len() {
        return Err(Error::new(
            SqlState::InvalidColumnReference,
            format!(
                "table \"{}\" has {} columns available but {} columns specified",
                ident(&alias.name),
                visible.len(),
                alias.columns.len()
            ),
        ));
    }
    for (&i, c) in visible.iter().zip(&alias.columns) {
        scope.columns[i].name = ident(&c.name);
    }
    Ok(())
}

/// The columns a NATURAL JOIN joins on: the names both sides show, in the
/// left side's order.
fn natural_columns(left: &Scope, right: &Scope) -> Vec<String> {
    let shown = |s: &Scope| -> Vec<String> {
        s.expand(None)
            .unwrap_or_default()
            .into_iter()
            .map(|i| s.columns[i].name.clone())
            .collect()
    };
    let right_names = shown(right);
    shown(left)
        .into_iter()
        .filter(|n| right_names.contains(n))
        .collect()
}

/// `left JOIN right USING (columns)`: joined on the named columns being
/// equal, then each named column merged into one (the left's value, the
/// right's for a RIGHT JOIN, the first non-NULL for a FULL JOIN) that
/// comes first and answers to the plain name, as in PostgreSQL; each
/// side's own column stays reachable by its qualified name.
fn join_using(
    left: Plan,
    left_scope: Scope,
    right: Plan,
    right_scope: Scope,
    kind: JoinKind,
    using: &[String],
) -> Result<(Plan, Scope)> {
    let width = left_scope.len();
    let mut pairs = Vec::new();
    for name in using {
        let find = |s: &Scope, side: &str| -> Result<usize> {
            s.find(None, name)?.ok_or_else(|| {
                Error::new(
                    SqlState::UndefinedColumn,
                    format!(
                        "column \"{name}\" specified in USING clause does not exist in {side} table"
                    ),
                )
            })
        };
        let (l, r) = (find(&left_scope, "left")?, find(&right_scope, "right")?);
        if pairs.iter().any(|(pl, _)| *pl == l) {
            return Err(Error::new(
                SqlState::DuplicateColumn,
                format!("column name \"{name}\" appears more than once in USING clause"),
            ));
        }
        pairs.push((l, r));
    }
    let on = pairs
        .iter()
        .map(|&(l, r)| {
            Expr::Binary(
                BinaryOp::Eq,
                Box::new(Expr::Column(l)),
                Box::new(Expr::Column(width + r)),
            )
        })
        .reduce(|a, b| Expr::Binary(BinaryOp::And, Box::new(a), Box::new(b)));
    let plan = Plan::NestedLoopJoin {
        left: Box::new(left),
        right: Box::new(right),
        kind,
        on,
    };
    let joined = left_scope.join(&right_scope);
    let mut exprs = Vec::new();
    let mut columns = Vec::new();
    for (name, &(l, r)) in using.iter().zip(&pairs) {
        let left_type = joined.columns[l].data_type.clone();
        let right_type = joined.columns[width + r].data_type.clone();
        let (l, r) = (Expr::Column(l), Expr::Column(width + r));
        let (expr, data_type) = match kind {
            JoinKind::Right => (r, right_type.or(left_type)),
            JoinKind::Full => (
                Expr::Function("coalesce".into(), vec![l, r]),
                left_type.or(right_type),
            ),
            _ => (l, left_type.or(right_type)),
        };
        exprs.push(expr);
        columns.push(ScopeColumn {
            table: None,
            name: name.clone(),
            hidden: false,
            qualified_only: false,
            data_type,
        });
    }
    for (i, column) in joined.columns.iter().enumerate() {
        let merged = pairs.iter().any(|&(l, r)| i == l || i == width + r);
        exprs.push(Expr::Column(i));
        columns.push(ScopeColumn {
            qualified_only: column.qualified_only || merged,
            ..column.clone()
        });
    }
    Ok((
        Plan::Project {
            source: Box::new(plan),
            exprs,
        },
        Scope { columns },
    ))
}

/// The name PostgreSQL gives an unaliased result column: a column's or a
/// function's name, else a cast's type name or `case`, else `?column?`.
fn column_label(e: &ast::Expr) -> String {
    figured_label(e).map_or_else(|| "?column?".into(), |(name, _)| name)
}

/// How sure a figured label is. PostgreSQL (`FigureColname`) lets a name
/// from the expression itself (a column, a function) win over one guessed
/// from its wrapping (a cast's type, `case`): `x::text` is `x`, but
/// `'1'::int` is `int4`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum LabelStrength {
    Guessed,
    Named,
}

fn figured_label(e: &ast::Expr) -> Option<(String, LabelStrength)> {
    use LabelStrength::{Guessed, Named};
    let named = |name: &str| Some((name.to_owned(), Named));
    match e {
        ast::Expr::Identifier(id) => Some((ident(id), Named)),
        ast::Expr::CompoundIdentifier(parts) => parts.last().map(|p| (ident(p), Named)),
        ast::Expr::Function(f) => object_name(&f.name).ok().map(|n| (n, Named)),
        ast::Expr::Substring { shorthand, .. } => {
            named(if *shorthand { "substr" } else { "substring" })
        }
        ast::Expr::Trim { .. } => named("btrim"),
        ast::Expr::Position { .. } => named("position"),
        ast::Expr::Extract { .. } => named("extract"),
        ast::Expr::AtTimeZone { .. } => named("timezone"),
        ast::Expr::Ceil { .. } => named("ceil"),
        ast::Expr::Floor { .. } => named("floor"),
        ast::Expr::Overlay { .. } => named("overlay"),
        ast::Expr::Exists { .. } => named("exists"),
        // A scalar subquery is named by its column.
        ast::Expr::Subquery(q) => named(&first_column_label(q)),
        ast::Expr::Array(_) => named("array"),
        ast::Expr::Tuple(_) => named("row"),
        ast::Expr::TypedString(ts) => type_label(&ts.data_type).map(|n| (n, Guessed)),
        ast::Expr::Interval(_) => Some(("interval".into(), Guessed)),
        ast::Expr::Cast {
            expr, data_type, ..
        } => match figured_label(expr) {
            Some(inner @ (_, Named)) => Some(inner),
            _ => type_label(data_type).map(|n| (n, Guessed)),
        },
        ast::Expr::Nested(expr) => figured_label(expr),
        // A subscript keeps its base's name; a field access is the field's.
        ast::Expr::CompoundFieldAccess { root, access_chain } => {
            match access_chain.iter().rev().find_map(|a| match a {
                ast::AccessExpr::Dot(ast::Expr::Identifier(field)) => Some(ident(field)),
                _ => None,
            }) {
                Some(field) => Some((field, Named)),
                None => figured_label(root),
            }
        }
        ast::Expr::Case { else_result, .. } => match else_result.as_deref().and_then(figured_label)
        {
            Some(inner @ (_, Named)) => Some(inner),
            _ => Some(("case".into(), Guessed)),
        },
        _ => None,
    }
}

/// The name of a query's first result column (its alias, else its label).
fn first_column_label(q: &ast::Query) -> String {
    let mut body = q.body.as_ref();
    loop {
        match body {
            ast::SetExpr::SetOperation { left, .. } => body = left,
            ast::SetExpr::Query(inner) => body = inner.body.as_ref(),
            ast::SetExpr::Select(select) => {
                return match select.projection.first() {
                    Some(ast::SelectItem::ExprWithAlias { alias, .. }) => ident(alias),
                    Some(ast::SelectItem::UnnamedExpr(e)) => column_label(e),
                    _ => "?column?".into(),
                };
            }
            _ => return "?column?".into(),
        }
    }
}

/// A type's name as PostgreSQL labels a cast to it (`int4`, `bpchar`; an
/// array type by its element's).
fn type_label(t: &ast::DataType) -> Option<String> {
    let mut t = match data_type(t) {
        Ok(t) => t,
        // A type of the catalog (an enum) by its own name.
        Err(_) => match t {
            ast::DataType::Custom(name, _) => return object_name(name).ok(),
            _ => return None,
        },
    };
    while let DataType::Array(element) = t {
        t = *element;
    }
    Some(super::pg_catalog::type_name(&t))
}

fn literal(v: &ast::Value) -> Result<Value> {
    Ok(match v {
        ast::Value::Null => Value::Null,
        ast::Value::Boolean(b) => Value::Boolean(*b),
        ast::Value::SingleQuotedString(s) | ast::Value::EscapedStringLiteral(s) => {
            Value::Text(s.clone())
        }
        ast::Value::Number(n, _) => {
            if let Ok(i) = n.parse::<i32>() {
                Value::Integer(i)
            } else if let Ok(i) = n.parse::<i64>() {
                Value::BigInt(i)
            } else if let Ok(d) = n.parse::<Decimal>() {
                Value::Numeric(d)
            } else if let Ok(d) = Decimal::from_scientific(n) {
                Value::Numeric(d)
            } else {
                Value::Double(
                    n.parse()
                        .map_err(|_| Error::syntax(format!("bad number {n}")))?,
                )
            }
        }
        ast::Value::HexStringLiteral(h) => {
            let digits: Vec<u8> = h.bytes().collect();
            if !digits.len().is_multiple_of(2) {
                return Err(Error::new(
                    SqlState::InvalidTextRepresentation,
                    format!("invalid hexadecimal data: odd number of digits in X'{h}'"),
                ));
            }
            let nibble = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
            let mut bytes = Vec::with_capacity(digits.len() / 2);
            for pair in digits.chunks(2) {
                match (nibble(pair[0]), nibble(pair[1])) {
                    (Some(a), Some(b)) => bytes.push(a << 4 | b),
                    _ => {
                        return Err(Error::new(
                            SqlState::InvalidTextRepresentation,
                            format!("invalid hexadecimal digit in X'{h}'"),
                        ));
                    }
                }
            }
            Value::Bytea(bytes)
        }
        other => return Err(Error::unsupported(format!("the literal {other}"))),
    })
}

fn binary_op(op: &ast::BinaryOperator) -> Result<BinaryOp> {
    use ast::BinaryOperator as B;
    Ok(match op {
        B::Plus => BinaryOp::Add,
        B::Minus => BinaryOp::Subtract,
        B::Multiply => BinaryOp::Multiply,
        B::Divide => BinaryOp::Divide,
        B::Modulo => BinaryOp::Modulo,
        B::Eq => BinaryOp::Eq,
        B::NotEq => BinaryOp::NotEq,
        B::Lt => BinaryOp::Lt,
        B::LtEq => BinaryOp::LtEq,
        B::Gt => BinaryOp::Gt,
        B::GtEq => BinaryOp::GtEq,
        B::And => BinaryOp::And,
        B::Or => BinaryOp::Or,
        B::StringConcat => BinaryOp::Concat,
        B::BitwiseAnd => BinaryOp::BitAnd,
        B::BitwiseOr => BinaryOp::BitOr,
        B::PGBitwiseXor => BinaryOp::BitXor,
        B::PGBitwiseShiftLeft => BinaryOp::ShiftLeft,
        B::PGBitwiseShiftRight => BinaryOp::ShiftRight,
        B::PGExp => BinaryOp::Power,
        B::Arrow => BinaryOp::JsonGet,
        B::LongArrow => BinaryOp::JsonGetText,
        B::HashArrow => BinaryOp::JsonPath,
        B::HashLongArrow => BinaryOp::JsonPathText,
        B::AtArrow => BinaryOp::Contains,
        B::ArrowAt => BinaryOp::ContainedBy,
        B::PGOverlap => BinaryOp::Overlap,
        B::Question => BinaryOp::JsonHasKey,
        B::QuestionPipe => BinaryOp::JsonHasAnyKey,
        B::QuestionAnd => BinaryOp::JsonHasAllKeys,
        B::HashMinus => BinaryOp::JsonDeletePath,
        B::AtQuestion => BinaryOp::JsonPathExists,
        B::AtAt => BinaryOp::JsonPathMatch,
        B::PGRegexMatch => regex(false, false),
        B::PGRegexIMatch => regex(true, false),
        B::PGRegexNotMatch => regex(false, true),
        B::PGRegexNotIMatch => regex(true, true),
        // `OPERATOR(pg_catalog.~)`: the operator its last name part spells.
        B::PGCustomBinaryOperator(parts) => match parts.last().map(String::as_str) {
            Some("~") => regex(false, false),
            Some("~*") => regex(true, false),
            Some("!~") => regex(false, true),
            Some("!~*") => regex(true, true),
            Some("=") => BinaryOp::Eq,
            Some("<>" | "!=") => BinaryOp::NotEq,
            Some("<") => BinaryOp::Lt,
            Some("<=") => BinaryOp::LtEq,
            Some(">") => BinaryOp::Gt,
            Some(">=") => BinaryOp::GtEq,
            Some("||") => BinaryOp::Concat,
            Some("+") => BinaryOp::Add,
            Some("-") => BinaryOp::Subtract,
            Some("*") => BinaryOp::Multiply,
            Some("/") => BinaryOp::Divide,
            _ => return Err(Error::unsupported(format!("the operator {op}"))),
        },
        other => return Err(Error::unsupported(format!("the operator {other}"))),
    })
}

fn regex(case_insensitive: bool, negated: bool) -> BinaryOp {
    BinaryOp::Regex {
        case_insensitive,
        negated,
    }
}

/// The terms of a chain of one operator, left to right: `a OR b OR c` is
/// parsed as `(a OR b) OR c`, whose left spine is walked without recursing.
fn chain_terms<'e>(e: &'e ast::Expr, op: &ast::BinaryOperator) -> Vec<&'e ast::Expr> {
    let mut terms = Vec::new();
    let mut at = e;
    while let ast::Expr::BinaryOp {
        left,
        op: this,
        right,
    } = at
        && this == op
    {
        terms.push(right.as_ref());
        at = left;
    }
    terms.push(at);
    terms.reverse();
    terms
}
