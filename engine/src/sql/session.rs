//! Sessions: running SQL text against a branch's working catalog.
//!
//! A session reads the branch's working set, runs statements against an
//! in-memory copy of its catalog, and publishes the result by replacing the
//! working set (one compare-and-swap of the store root). Each statement
//! works on its own copy, so a failed statement changes nothing. Outside
//! BEGIN ... COMMIT every successful statement is published at once
//! (autocommit); inside, publishing waits for COMMIT, and ROLLBACK drops the
//! copy. Several statements sent together ([`Session::execute_as_one`], as
//! `psql -c` sends them) run in one implicit transaction, as PostgreSQL
//! runs a simple-query message. As in Dolt, a SQL COMMIT updates the
//! working set; recording an Arbor commit is a separate act.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};

use arbor_merkle::Address;
use arbor_schema::{DataType, TableSchema, Value};
use chrono::{DateTime, Utc};

use std::sync::Arc;

use super::bulk::{BulkWriter, RowEncoder};
use super::ddl;
use super::dml::{Written, insert_rows, run_change, run_insert};
use super::execution::{Executor, Interrupt, Row, count_in_range};
use super::functions::Times;
use super::parser;
use super::planner::dml::InsertPlan;
use super::planner::plan::KeyRange;
use super::planner::{self, CatalogView, ConnectedAs, Statement, plan_statement};
use super::planner::{sql_functions, user_types};
use super::settings::Settings;
use super::system;
use crate::env::Environment;
use crate::error::{Error, Result, SqlState};
use crate::objects::{Catalog, TableObject, WorkingSet};
use crate::repo::{RefUpdate, Repository, working_set_ref};
use crate::table::Table;
use crate::table::sequences::{Sequence, Sequences};

/// What a statement produced.
#[derive(Clone, Debug, PartialEq)]
pub enum StatementResult {
    /// Rows, with column names.
    Rows {
        /// Output column names.
        columns: Vec<String>,
        /// Output column types, where planning can tell them (`None`:
        /// only the values tell, as for most functions and aggregates).
        types: Vec<Option<DataType>>,
        /// The rows.
        rows: Vec<Row>,
        /// For the rows a change returns (`INSERT ... RETURNING`), the
        /// change's tag without its count (`INSERT 0`, `UPDATE`), which
        /// the wire protocol completes with the number of rows; `None` for
        /// a query (`SELECT`).
        tag: Option<String>,
    },
    /// A command: its tag, as PostgreSQL reports it (`CREATE TABLE`,
    /// `INSERT 0 3`), and for a command that writes rows, how many it wrote.
    Command {
        /// The tag.
        tag: String,
        /// The rows written (INSERT, UPDATE, DELETE).
        rows: Option<u64>,
    },
    /// An EXPLAIN's plan text.
    Explain(String),
}

impl StatementResult {
    /// A command that writes no rows, by its tag.
    pub fn command(tag: &str) -> StatementResult {
        StatementResult::Command {
            tag: tag.to_owned(),
            rows: None,
        }
    }

    /// A command that wrote `rows` rows: `verb` is the tag before the
    /// count (`INSERT 0`, `UPDATE`, `DELETE`).
    pub fn written(verb: &str, rows: u64) -> StatementResult {
        StatementResult::Command {
            tag: format!("{verb} {rows}"),
            rows: Some(rows),
        }
    }

    /// How many rows a writing command wrote.
    pub fn rows_written(&self) -> Option<u64> {
        match self {
            StatementResult::Command { rows, .. } => *rows,
            _ => None,
        }
    }
}

/// A statement parsed once, to run many times with parameters `$1`, `$2`,
/// ... A query also keeps its plan for as long as the catalog it was
/// planned against stays the same; each run only narrows its scans to the
/// parameters' key ranges.
#[derive(Debug)]
pub struct Prepared {
    statement: sqlparser::ast::Statement,
    /// The text it was parsed from, where its errors' positions point
    /// (`None` for `PREPARE name AS ...`, whose text is another statement's).
    sql: Option<String>,
    /// The parameters' declared types (`PREPARE p (integer, text) AS ...`),
    /// which `EXECUTE` casts its arguments to; empty when undeclared.
    param_types: Vec<DataType>,
    plan: Option<(Catalog, planner::plan::Plan, Described)>,
}

impl Prepared {
    /// `e` with its place in the statement's text as a position.
    fn locate(&self, e: Error) -> Error {
        match &self.sql {
            Some(sql) => e.locate(sql),
            None => e,
        }
    }
}

/// How many times a publish merges with what other sessions published
/// before it gives up (each attempt loses only to a publish in between).
const PUBLISH_ATTEMPTS: usize = 32;

/// How many times an INSERT, UPDATE or DELETE outside a transaction runs
/// when it keeps colliding with other sessions' commits.
const AUTOCOMMIT_ATTEMPTS: usize = 8;

/// PostgreSQL's 40001 for a transaction that collided with another.
fn serialization_failure(detail: String) -> Error {
    Error::new(
        SqlState::SerializationFailure,
        "could not serialize access due to concurrent update",
    )
    .with_detail(detail)
    .with_hint("retry the transaction")
}

/// The name of the one column of an EXPLAIN's result, as PostgreSQL names it.
pub const EXPLAIN_COLUMN: &str = "QUERY PLAN";

/// What a prepared statement takes and returns, as far as planning can
/// tell before it runs: a wire-protocol front end describes it to the
/// client with this, and reads untyped arguments as `parameters` says.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Described {
    /// The types of `$1`, `$2`, ... (`None` where no context gives one).
    pub parameters: Vec<Option<DataType>>,
    /// The result's columns, names and types, for a statement that
    /// returns rows (a query, or a change with RETURNING); `None` for one
    /// that returns a command tag.
    pub columns: Option<Vec<(String, Option<DataType>)>>,
}

/// The tables (by name, decoded) and views (name, query) a session sees.
#[derive(Debug)]
pub struct CatalogObjects {
    /// Tables by name.
    pub tables: Vec<(String, Table)>,
    /// Views: name and defining query.
    pub views: Vec<(String, String)>,
}

/// Where [`Session::query_each`] sends a query's result.
pub trait RowSink {
    /// The result's column names, before any row.
    fn columns(&mut self, columns: &[String]) -> Result<()>;
    /// One row.
    fn row(&mut self, row: Row) -> Result<()>;
}

/// A message a statement sends besides its result, as PostgreSQL's
/// NoticeResponse (`DROP TABLE IF EXISTS` of a table that is not there:
/// `NOTICE: table "t" does not exist, skipping`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    /// How serious: a notice, or a warning.
    pub severity: NoticeSeverity,
    /// The SQLSTATE.
    pub code: SqlState,
    /// The message.
    pub message: String,
}

/// The severity of a [`Notice`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoticeSeverity {
    /// `NOTICE`.
    Notice,
    /// `WARNING`.
    Warning,
}

impl NoticeSeverity {
    /// The severity as PostgreSQL spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeSeverity::Notice => "NOTICE",
            NoticeSeverity::Warning => "WARNING",
        }
    }
}

/// A SQL session on one branch of a repository.
#[derive(Debug)]
pub struct Session {
    repo: Repository,
    branch: String,
    /// The working set the current transaction started from.
    base: (Address, WorkingSet),
    /// The catalog as the current transaction sees it.
    catalog: Catalog,
    in_transaction: bool,
    /// The open transaction is the implicit one of a string of several
    /// statements ([`Session::execute_as_one`]), not one opened by BEGIN.
    implicit: bool,
    failed: bool,
    /// When the open transaction started (`now()` inside it).
    transaction_started: Option<DateTime<Utc>>,
    /// The times of the running statement.
    times: Times,
    /// Decoded tables, shared by the statements of this session.
    tables: TableCache,
    /// The store root `base` and `catalog` were read at; while it has not
    /// moved, nobody has published and there is nothing to reread.
    seen_root: Option<Address>,
    /// Who commits from SQL (`arbor_commit`, `arbor_merge`), the clock,
    /// and what the session may reach outside its repository.
    env: Environment,
    /// The sequences the running statement may move, loaded from its
    /// catalog copy and stored back into it when the statement succeeds.
    sequences: Sequences,
    /// Statements named by `PREPARE`, for `EXECUTE`.
    named: HashMap<String, Prepared>,
    /// `SET`'s values, for `SHOW`.
    settings: RefCell<Settings>,
    /// Stops the running statement when set from another thread.
    interrupt: Interrupt,
    /// Statements may read but not change anything (a read-only server).
    read_only: bool,
    /// The database and user the session is connected as.
    connected_as: ConnectedAs,
    /// Notices the statements have raised since the caller last took them.
    notices: RefCell<Vec<Notice>>,
    /// The open transaction's savepoints, oldest first: each name with the
    /// catalog as it was when the savepoint was set (a catalog names
    /// immutable objects, so keeping one is keeping a snapshot).
    savepoints: Vec<(String, Catalog)>,
    /// A commit's catalog the session reads instead of the branch's
    /// working one ([`Session::open_at`]); such a session is read-only.
    pinned: Option<Address>,
    /// The session's temporary tables, which it never publishes.
    temporary: RefCell<super::temporary::TemporaryTables>,
}

/// The catalog plus the repository to read table objects from.
struct SessionCatalog<'a> {
    repo: &'a Repository,
    catalog: &'a Catalog,
    connected_as: &'a ConnectedAs,
    settings: &'a RefCell<Settings>,
    times: Times,
    tables: &'a TableCache,
    branch: &'a str,
}

/// Tables decoded from their objects, by the object's address: an address
/// names one immutable object, so an entry never goes stale.
#[derive(Debug, Default)]
struct TableCache(RefCell<HashMap<Address, Table>>);

impl TableCache {
    /// Entries kept before the cache starts over.
    const LIMIT: usize = 256;

    fn get(&self, repo: &Repository, address: &Address) -> Result<Table> {
        if let Some(t) = self.0.borrow().get(address) {
            return Ok(t.clone());
        }
        let table = Table::from_object(repo.read_table(address)?)?;
        let mut cache = self.0.borrow_mut();
        if cache.len() >= Self::LIMIT {
            cache.clear();
        }
        cache.insert(*address, table.clone());
        Ok(table)
    }
}

/// A catalog section's entries (name, SQL text), for the planner.
fn entries(section: &BTreeMap<String, String>) -> Vec<(String, String)> {
    section
        .iter()
        .map(|(name, text)| (name.clone(), text.clone()))
        .collect()
}

impl CatalogView for SessionCatalog<'_> {
    fn times(&self) -> Times {
        self.times
    }

    fn table(&self, name: &str) -> Result<Option<Table>> {
        match self.catalog.tables.get(name) {
            Some(address) => Ok(Some(self.tables.get(self.repo, address)?)),
            None => Ok(None),
        }
    }

    fn view(&self, name: &str) -> Option<String> {
        self.catalog.views.get(name).cloned()
    }

    fn functions(&self) -> Vec<(String, String)> {
        entries(&self.catalog.functions)
    }

    fn user_type(&self, name: &str) -> Option<String> {
        self.catalog.types.get(name).cloned()
    }

    fn comments(&self) -> Vec<(String, String)> {
        entries(&self.catalog.comments)
    }

    fn user_types(&self) -> Vec<(String, String)> {
        entries(&self.catalog.types)
    }

    fn count_entries(&self, root: Address, range: &KeyRange) -> Option<u64> {
        count_in_range(self.repo.nodes(), root, range).ok()
    }

    fn table_names(&self) -> Vec<String> {
        self.catalog.tables.keys().cloned().collect()
    }

    fn view_names(&self) -> Vec<String> {
        self.catalog.views.keys().cloned().collect()
    }

    fn sequences(&self) -> Result<Vec<(String, Sequence)>> {
        self.catalog
            .sequences
            .iter()
            .map(|(name, bytes)| Ok((name.clone(), Sequence::decode(bytes)?)))
            .collect()
    }

    fn settings(&self) -> Vec<(String, String)> {
        self.settings
            .borrow()
            .all()
            .into_iter()
            .map(|(n, v)| (n.to_owned(), v))
            .collect()
    }

    fn connected_as(&self) -> ConnectedAs {
        self.connected_as.clone()
    }

    fn table_as_of(&self, version: &planner::AsOf, name: &str) -> Result<Option<Table>> {
        let commit = crate::vc::revision::resolve_as_of(self.repo, self.branch, version)?;
        let catalog = self
            .repo
            .read_catalog(&self.repo.read_commit(&commit)?.catalog)?;
        match catalog.tables.get(name) {
            Some(address) => Ok(Some(self.tables.get(self.repo, address)?)),
            None => Ok(None),
        }
    }

    fn system_table(&self, name: &str) -> Result<Option<system::Rows>> {
        system::system_table(self.repo, self.branch, name)
    }

    fn table_function(&self, name: &str, args: &[Value]) -> Result<Option<system::Rows>> {
        system::table_function(self.repo, self.branch, name, args)
    }

    fn history(&self, table: &str) -> Result<Option<planner::plan::History>> {
        system::history(self.repo, self.branch, table).map(Some)
    }

    fn blame(&self, table: &str) -> Result<Option<planner::plan::Blame>> {
        system::blame(self.repo, self.branch, table).map(Some)
    }

    fn diffs(&self, table: &str) -> Result<Option<planner::plan::Diffs>> {
        system::table_diffs(self.repo, self.branch, self.catalog, table).map(Some)
    }

    fn commit_diff(
        &self,
        table: &str,
        from: &str,
        to: &str,
    ) -> Result<Option<planner::plan::Diffs>> {
        system::commit_diff(self.repo, self.branch, self.catalog, table, from, to).map(Some)
    }

    fn vc_function(&self, name: &str, args: &[Value]) -> Result<Value> {
        system::function(self.repo, self.branch, name, args)
    }
}

impl Session {
    /// Opens a session on `branch`.
    pub fn open(repo: Repository, branch: &str) -> Result<Session> {
        super::set_stack_growth();
        let base = repo.working_set(branch)?;
        let catalog = repo.read_catalog(&base.1.working)?;
        Ok(Session {
            repo,
            branch: branch.to_owned(),
            base,
            catalog,
            in_transaction: false,
            implicit: false,
            failed: false,
            transaction_started: None,
            times: Times::default(),
            tables: TableCache::default(),
            seen_root: None,
            env: Environment::default(),
            sequences: Sequences::default(),
            named: HashMap::new(),
            settings: RefCell::default(),
            interrupt: Interrupt::default(),
            read_only: false,
            connected_as: ConnectedAs::default(),
            savepoints: Vec::new(),
            notices: RefCell::default(),
            pinned: None,
            temporary: RefCell::default(),
        })
    }

    /// Opens a read-only session on `branch` that reads the tables of
    /// commit `commit` instead of the working set (system tables and
    /// revisions still resolve from `branch`).
    pub fn open_at(repo: Repository, branch: &str, commit: Address) -> Result<Session> {
        let catalog = repo.read_commit(&commit)?.catalog;
        let mut session = Session::open(repo, branch)?;
        session.catalog = session.repo.read_catalog(&catalog)?;
        session.pinned = Some(catalog);
        session.read_only = true;
        Ok(session)
    }

    /// `catalog` as the planner sees it, through this session's table cache.
    fn view<'a>(&'a self, catalog: &'a Catalog) -> SessionCatalog<'a> {
        SessionCatalog {
            repo: &self.repo,
            catalog,
            connected_as: &self.connected_as,
            settings: &self.settings,
            times: self.times,
            tables: &self.tables,
            branch: &self.branch,
        }
    }

    /// The repository this session works in.
    pub fn repository(&self) -> &Repository {
        &self.repo
    }

    /// The branch this session works on.
    pub fn branch(&self) -> &str {
        &self.branch
    }

    /// The tables and views of the catalog this session sees, with each
    /// table's schema (for a shell's `\d` and tab completion).
    pub fn catalog_objects(&mut self) -> Result<CatalogObjects> {
        if !self.in_transaction {
            self.refresh()?;
        }
        let mut tables = Vec::new();
        for (name, address) in &self.catalog.tables {
            tables.push((name.clone(), self.tables.get(&self.repo, address)?));
        }
        let views = self
            .catalog
            .views
            .iter()
            .map(|(n, q)| (n.clone(), q.clone()))
            .collect();
        Ok(CatalogObjects { tables, views })
    }

    /// The schema of `table` in the working catalog, if there is one.
    pub fn table_schema(&mut self, table: &str) -> Result<Option<TableSchema>> {
        if !self.in_transaction {
            self.refresh()?;
        }
        match self.catalog.tables.get(table) {
            Some(address) => Ok(Some(
                self.tables
                    .get(&self.repo, address)?
                    .schema
                    .as_ref()
                    .clone(),
            )),
            None => Ok(None),
        }
    }

    /// Whether the branch's working set differs from its head commit.
    pub fn is_dirty(&mut self) -> Result<bool> {
        if !self.in_transaction {
            self.refresh()?;
        }
        let head = self
            .repo
            .read_commit(&self.repo.branch_head(&self.branch)?)?;
        Ok(self.base.1.working != head.catalog || self.base.1.staged != head.catalog)
    }

    /// Sets the environment: who commits from SQL (`arbor_commit`,
    /// `arbor_merge`), the clock (`now()`, commit times), and what the
    /// procedures may reach outside the repository (remotes, clones).
    pub fn set_environment(&mut self, env: Environment) {
        self.env = env;
    }

    /// The session's environment.
    pub fn environment(&self) -> &Environment {
        &self.env
    }

    /// An executor over this session's repository, sequences and clock.
    fn executor<'a>(&'a self, params: &'a [Value]) -> Executor<'a> {
        Executor::new(self.repo.nodes(), params)
            .with_sequences(&self.sequences)
            .with_settings(&self.settings)
            .with_times(self.times)
            .with_interrupt(&self.interrupt)
    }

    /// Makes the session read-only: a statement that would change the
    /// branch's data or schema, or the repository (a procedure such as
    /// `arbor_commit`), fails with 25006 and changes nothing.
    pub fn set_read_only(&mut self, read_only: bool) {
        self.read_only = read_only;
    }

    /// The notices the statements run since the last call raised, oldest
    /// first.
    pub fn take_notices(&mut self) -> Vec<Notice> {
        std::mem::take(self.notices.get_mut())
    }

    /// Raises a notice or warning (kept for [`Session::take_notices`]).
    fn raise(&self, severity: NoticeSeverity, code: SqlState, message: impl Into<String>) {
        self.notices.borrow_mut().push(Notice {
            severity,
            code,
            message: message.into(),
        });
    }

    /// A CREATE ... IF NOT EXISTS of relation `name`, which exists: the
    /// notice that it is skipped.
    pub(super) fn skip_existing(&self, name: &str) {
        self.raise(
            NoticeSeverity::Notice,
            SqlState::DuplicateTable,
            format!("relation \"{name}\" already exists, skipping"),
        );
    }

    /// A DROP of `kind` `name` that is not there: with IF EXISTS a notice
    /// that it is skipped, else the error.
    fn missing(&self, kind: &str, name: &str, if_exists: bool) -> Result<()> {
        let message = format!("{kind} \"{name}\" does not exist");
        if if_exists {
            self.raise(
                NoticeSeverity::Notice,
                SqlState::SuccessfulCompletion,
                format!("{message}, skipping"),
            );
            Ok(())
        } else {
            Err(Error::new(SqlState::UndefinedTable, message))
        }
    }

    /// Names the database and user this session is connected as, which
    /// `current_database()`, `current_user` and the system catalogs show.
    pub fn set_connected_as(&mut self, connected_as: ConnectedAs) {
        self.connected_as = connected_as;
    }

    /// The signature of the function `DROP FUNCTION name[(types)]` drops:
    /// the one with those parameter types, or the only one of that name;
    /// `None` when there is none.
    fn function_to_drop(
        &self,
        functions: &BTreeMap<String, String>,
        name: &str,
        types: Option<&[DataType]>,
    ) -> Result<Option<String>> {
        if let Some(types) = types {
            let signature = sql_functions::signature(name, types);
            return Ok(functions.contains_key(&signature).then_some(signature));
        }
        let mut named = functions
            .keys()
            .filter(|s| crate::objects::function_name(s) == name);
        match (named.next(), named.next()) {
            (Some(one), None) => Ok(Some(one.clone())),
            (None, _) => Ok(None),
            (Some(_), Some(_)) => Err(Error::new(
                SqlState::AmbiguousFunction,
                format!("function name \"{name}\" is not unique"),
            )
            .with_hint("Specify the argument list to select the function unambiguously.")),
        }
    }

    /// Refuses to drop function `signature` (named `name`) while a view,
    /// a CHECK constraint, a column default or a SQL-standard function
    /// body calls it, with PostgreSQL's 2BP01: they would fail from then
    /// on. (A body given as a string may call one dropped, as PostgreSQL
    /// allows.)
    fn refuse_dependents(&self, catalog: &Catalog, name: &str, signature: &str) -> Result<()> {
        // PostgreSQL writes the types without spaces here.
        let signature = signature.replace(", ", ",");
        let mut dependents = Vec::new();
        for (other, definition) in &catalog.functions {
            let user_type = |n: &str| user_types::type_in(&catalog.types, n);
            if sql_functions::SqlFunction::from_definition(definition, &user_type)?
                .body_calls(name)?
            {
                dependents.push(format!(
                    "function {} depends on function {signature}",
                    other.replace(", ", ",")
                ));
            }
        }
        for (view, sql) in &catalog.views {
            if sql_functions::calls(sql, name)? {
                dependents.push(format!("view {view} depends on function {signature}"));
            }
        }
        for address in catalog.tables.values() {
            let table = Table::from_object(self.repo.read_table(address)?)?;
            let t = &table.schema.name;
            for check in &table.schema.checks {
                if sql_functions::calls(&check.expression, name)? {
                    dependents.push(format!(
                        "constraint {} on table {t} depends on function {signature}",
                        check.name
                    ));
                }
            }
            for column in &table.schema.columns {
                if let Some(default) = &column.default
                    && sql_functions::calls(default, name)?
                {
                    dependents.push(format!(
                        "default value for column {} of table {t} depends on function {signature}",
                        column.name
                    ));
                }
            }
        }
        if dependents.is_empty() {
            return Ok(());
        }
        Err(Error::new(
            SqlState::DependentObjectsStillExist,
            format!("cannot drop function {signature} because other objects depend on it"),
        )
        .with_detail(dependents.join("\n"))
        .with_hint("Use DROP ... CASCADE to drop the dependent objects too."))
    }

    /// 25006 for `what` in a read-only session.
    fn refuse_read_only(&self, what: &str) -> Error {
        Error::new(
            SqlState::ReadOnlySqlTransaction,
            format!("cannot execute {what} in a read-only transaction"),
        )
        .with_hint("this session is read-only (the server runs with --read-only)")
    }

    /// A handle that stops the statement this session is running (from
    /// another thread: a server's cancel request, a shell's Ctrl-C). The
    /// statement fails with 57014 and changes nothing; a stop that comes
    /// while no statement runs is forgotten when the next one starts.
    pub fn interrupter(&self) -> Interrupt {
        self.interrupt.clone()
    }

    /// Whether a transaction is open.
    pub fn in_transaction(&self) -> bool {
        self.in_transaction
    }

    /// Parses `sql`, one statement, for [`Session::execute_prepared`].
    pub fn prepare(&mut self, sql: &str) -> Result<Prepared> {
        self.apply_zone();
        let mut statements = parser::parse(sql)?;
        if statements.len() != 1 {
            return Err(Error::new(
                SqlState::SyntaxError,
                "a prepared statement holds exactly one statement",
            ));
        }
        Ok(Prepared {
            statement: statements.remove(0),
            sql: Some(sql.to_owned()),
            param_types: Vec::new(),
            plan: None,
        })
    }

    /// Whether `stmt` is an INSERT, UPDATE or DELETE of a table's rows (not
    /// a procedure call written as one, nor an edit of
    /// `arbor_conflicts_<table>`): what takes parameters and plans like a
    /// query.
    fn changes_table_rows(&self, stmt: &sqlparser::ast::Statement) -> Result<bool> {
        use sqlparser::ast::Statement as Ast;
        Ok(
            matches!(stmt, Ast::Insert(_) | Ast::Update(_) | Ast::Delete(_))
                && procedure_call(stmt)?.is_none()
                && conflicts_delete(stmt, &self.catalog).is_none()
                && conflicts_update(stmt, &self.catalog).is_none(),
        )
    }

    /// Runs a prepared statement with `params` as `$1`, `$2`, ...
    pub fn execute_prepared(
        &mut self,
        prepared: &mut Prepared,
        params: &[Value],
    ) -> Result<StatementResult> {
        let result = self.run_prepared(prepared, params);
        result.map_err(|e| prepared.locate(e))
    }

    fn run_prepared(
        &mut self,
        prepared: &mut Prepared,
        params: &[Value],
    ) -> Result<StatementResult> {
        // A WITH that changes data runs its parts in turn, as unprepared.
        let is_query = matches!(prepared.statement, sqlparser::ast::Statement::Query(_))
            && procedure_call(&prepared.statement)?.is_none()
            && super::modifying_with::ModifyingWith::of(&prepared.statement).is_none();
        if !is_query {
            return self.execute_bound(&prepared.statement, params);
        }
        self.statement(|session, catalog| {
            let (plan, described) = session.prepared_plan(prepared, catalog, params)?;
            let executor = session.executor(params);
            let rows = executor.execute(&plan)?.collect::<Result<Vec<_>>>()?;
            let (columns, types) = described.columns.unwrap_or_default().into_iter().unzip();
            Ok(StatementResult::Rows {
                columns,
                types,
                rows,
                tag: None,
            })
        })
    }

    /// The plan a prepared query runs with `params` against `catalog`, and
    /// its column names: the kept plan (planned again if the catalog has
    /// changed since), narrowed to the parameters' key ranges.
    fn prepared_plan(
        &self,
        prepared: &mut Prepared,
        catalog: &Catalog,
        params: &[Value],
    ) -> Result<(planner::plan::Plan, Described)> {
        let fresh = matches!(&prepared.plan, Some((planned_on, _, _)) if planned_on == catalog);
        if !fresh {
            let view = self.view(catalog);
            let (statement, parameters) =
                planner::plan_with_parameters(&prepared.statement, &view)?;
            let Statement::Query {
                plan,
                columns,
                types,
            } = statement
            else {
                return Err(Error::internal("a query planned as something else"));
            };
            let described = Described {
                parameters,
                columns: Some(columns.into_iter().zip(types).collect()),
            };
            prepared.plan = Some((catalog.clone(), plan, described));
        }
        let Some((_, plan, described)) = &prepared.plan else {
            return Err(Error::internal("a prepared query without its plan"));
        };
        let plan = self.narrowed(plan.clone(), params, catalog);
        Ok((plan, described.clone()))
    }

    /// What `prepared` takes and returns (see [`Described`]), planned
    /// against the catalog as this session sees it now, without running it.
    pub fn describe(&mut self, prepared: &mut Prepared) -> Result<Described> {
        let described = self.describe_planned(prepared);
        described.map_err(|e| prepared.locate(e))
    }

    fn describe_planned(&mut self, prepared: &mut Prepared) -> Result<Described> {
        use sqlparser::ast::Statement as Ast;
        if self.failed {
            return Err(transaction_aborted());
        }
        if !self.in_transaction {
            self.refresh()?;
        }
        let count = parameter_count(&prepared.statement.to_string())?;
        let mut described = if let Some(statement) =
            super::modifying_with::ModifyingWith::of(&prepared.statement)
        {
            self.describe_modifying_with(&statement?)?
        } else if let Some((name, _)) = procedure_call(&prepared.statement)? {
            Described {
                parameters: Vec::new(),
                columns: Some(vec![(name, None)]),
            }
        } else if matches!(prepared.statement, Ast::Query(_)) {
            let catalog = self.catalog.clone();
            self.prepared_plan(prepared, &catalog, &[])?.1
        } else if self.changes_table_rows(&prepared.statement)? {
            self.describe_statement(&prepared.statement)?
        } else if matches!(prepared.statement, Ast::Explain { .. }) {
            Described {
                parameters: Vec::new(),
                columns: Some(vec![(EXPLAIN_COLUMN.to_owned(), Some(DataType::Text))]),
            }
        } else {
            // Everything else (DDL, transaction control, ...) returns a tag.
            Described::default()
        };
        described
            .parameters
            .resize(count.max(described.parameters.len()), None);
        Ok(described)
    }

    /// `plan` with its scans' access paths chosen for the values of its
    /// parameters (unchanged without parameters: planning chose them).
    fn narrowed(
        &self,
        plan: planner::plan::Plan,
        params: &[Value],
        catalog: &Catalog,
    ) -> planner::plan::Plan {
        if params.is_empty() {
            return plan;
        }
        let view = self.view(catalog);
        planner::optimizer::narrow_for_parameters(plan, params, &|root, range| {
            view.count_entries(root, range)
        })
    }

    /// `EXPLAIN EXECUTE name (arguments)`: the plan that `EXECUTE` would
    /// run, as PostgreSQL shows it. For a query that is the kept plan
    /// with its access paths chosen for the arguments; INSERT, UPDATE and
    /// DELETE are planned afresh each time they run (UPDATE and DELETE
    /// then choose theirs for the arguments too).
    fn explain_prepared(
        &mut self,
        prepared: &mut Prepared,
        params: &[Value],
    ) -> Result<StatementResult> {
        use sqlparser::ast::Statement as Ast;
        let is_query = matches!(prepared.statement, Ast::Query(_))
            && procedure_call(&prepared.statement)?.is_none();
        if is_query {
            return self.statement(|session, catalog| {
                let (plan, _) = session.prepared_plan(prepared, catalog, params)?;
                Ok(StatementResult::Explain(plan.to_string()))
            });
        }
        if !self.changes_table_rows(&prepared.statement)? {
            return Err(self.fail(Error::unsupported(
                "EXPLAIN EXECUTE of a statement other than a query, INSERT, UPDATE or DELETE",
            )));
        }
        self.statement(|session, catalog| {
            let view = session.view(catalog);
            match plan_statement(&prepared.statement, &view)? {
                Statement::Insert(p) => Ok(StatementResult::Explain(p.source.to_string())),
                Statement::Update(p) | Statement::Delete(p) => {
                    let source = session.narrowed(p.source, params, catalog);
                    Ok(StatementResult::Explain(source.to_string()))
                }
                _ => Err(Error::internal("a change planned as something else")),
            }
        })
    }

    /// A query's or change's result columns (a change's RETURNING; `None`
    /// without) and its parameters' types, planned on the current catalog
    /// without running it.
    pub(super) fn describe_statement(&self, stmt: &sqlparser::ast::Statement) -> Result<Described> {
        let view = self.view(&self.catalog);
        let (statement, parameters) = planner::plan_with_parameters(stmt, &view)?;
        let returning = match &statement {
            Statement::Insert(p) => p.returning.as_ref(),
            Statement::Update(p) | Statement::Delete(p) => p.returning.as_ref(),
            _ => None,
        };
        let columns = match &statement {
            Statement::Query { columns, types, .. } => {
                Some(columns.iter().cloned().zip(types.iter().cloned()).collect())
            }
            _ => returning.map(|r| {
                r.columns
                    .iter()
                    .cloned()
                    .zip(r.types.iter().cloned())
                    .collect()
            }),
        };
        Ok(Described {
            parameters,
            columns,
        })
    }

    /// The result columns of `query` (names, and types where planning
    /// tells them), planned on the current catalog without running it.
    pub(super) fn describe_query(
        &self,
        query: &sqlparser::ast::Query,
    ) -> Result<(Vec<String>, Vec<Option<DataType>>)> {
        let view = self.view(&self.catalog);
        let statement = sqlparser::ast::Statement::Query(Box::new(query.clone()));
        match plan_statement(&statement, &view)? {
            Statement::Query { columns, types, .. } => Ok((columns, types)),
            _ => Err(Error::internal("a query planned as something else")),
        }
    }

    /// Runs one query, handing its column names and then each row to
    /// `sink` as the executor produces them, so that a large result (an
    /// export of a whole table) is never held in memory. An error from the
    /// sink stops the query and is returned.
    pub fn query_each(&mut self, sql: &str, sink: &mut dyn RowSink) -> Result<()> {
        let mut statements = parser::parse(sql)?;
        let is_query = statements.len() == 1
            && matches!(statements[0], sqlparser::ast::Statement::Query(_))
            && procedure_call(&statements[0])?.is_none();
        if !is_query {
            return Err(Error::new(
                SqlState::SyntaxError,
                "expected exactly one query",
            ));
        }
        let statement = statements.remove(0);
        self.statement(|session, catalog| {
            let view = session.view(catalog);
            let Statement::Query { plan, columns, .. } = plan_statement(&statement, &view)? else {
                return Err(Error::internal("a query planned as something else"));
            };
            sink.columns(&columns)?;
            let executor = session.executor(&[]);
            for row in executor.execute(&plan)? {
                sink.row(row?)?;
            }
            Ok(StatementResult::Rows {
                columns,
                types: Vec::new(),
                rows: Vec::new(),
                tag: None,
            })
        })?;
        Ok(())
    }

    /// Runs every statement in `sql`, stopping at the first error.
    pub fn execute(&mut self, sql: &str) -> Result<Vec<StatementResult>> {
        let mut results = Vec::new();
        self.execute_each(sql, &mut |r| {
            results.push(r);
            Ok(())
        })?;
        Ok(results)
    }

    /// Runs every statement in `sql`, handing each result to `each` as soon
    /// as its statement is done (so a caller can show what succeeded before
    /// an error), and stopping at the first error.
    ///
    /// Statements run as psql runs a file: one that does not parse fails
    /// when its turn comes, after those before it ran (see
    /// [`parser::split_script`]).
    pub fn execute_each(
        &mut self,
        sql: &str,
        each: &mut dyn FnMut(StatementResult) -> Result<()>,
    ) -> Result<()> {
        self.execute_script(sql, &mut |result| each(result?))
    }

    /// Runs a script's statements in turn, each result or error to `each`
    /// (which stops the run by returning an error). The script is parsed
    /// whole when it can be (the common case, and the fast one); when it
    /// cannot, it is split into statements and each is parsed on its own,
    /// so that a statement that does not parse fails alone.
    fn execute_script(
        &mut self,
        sql: &str,
        each: &mut dyn FnMut(Result<StatementResult>) -> Result<()>,
    ) -> Result<()> {
        if let Ok(statements) = parser::parse(sql) {
            for stmt in &statements {
                let result = self.execute_one(stmt).map_err(|e| e.locate(sql));
                each(result)?;
            }
            return Ok(());
        }
        for piece in parser::split_script(sql) {
            match parser::parse(piece.text) {
                Ok(statements) => {
                    for stmt in &statements {
                        let result = self
                            .execute_one(stmt)
                            .map_err(|e| e.locate(piece.text).shifted(piece.offset));
                        each(result)?;
                    }
                }
                Err(e) => each(Err(e.shifted(piece.offset)))?,
            }
        }
        Ok(())
    }

    /// Runs the statements of `sql` as PostgreSQL runs a simple-query
    /// message (`psql -c`): several statements make one implicit
    /// transaction, so if one fails none is kept. Results go to `each` as
    /// each statement is done; the run stops at the first error. A BEGIN
    /// in the string makes the transaction explicit (the statements before
    /// it included), a COMMIT or ROLLBACK ends it, and the statements after
    /// one start a new implicit transaction. What cannot run inside a
    /// transaction (version-control procedures, edits of
    /// `arbor_conflicts_<table>`) ends the implicit transaction as a COMMIT
    /// would (what came before is kept) and runs on its own, so that
    /// `INSERT ...; SELECT arbor_commit(...)` commits the insert, as Dolt's
    /// `dolt sql -q` does; inside a transaction the string began with
    /// BEGIN it is refused (25001). A transaction the string opened with
    /// BEGIN and left open stays open, as it would on a PostgreSQL
    /// connection.
    pub fn execute_as_one(
        &mut self,
        sql: &str,
        each: &mut dyn FnMut(StatementResult) -> Result<()>,
    ) -> Result<()> {
        let statements = parser::parse(sql)?;
        // One statement needs no implicit transaction (nor does PostgreSQL
        // start one): it is atomic alone, and may be a procedure.
        let grouped = statements.len() > 1;
        let result = self.run_as_one(&statements, grouped, each);
        if result.is_err() && self.implicit {
            self.end_transaction();
            self.reload()?;
        }
        // Whatever the outcome, nothing written keeps the writer lock.
        let settled = self.repo.settle();
        result.map_err(|e| e.locate(sql))?;
        settled
    }

    fn run_as_one(
        &mut self,
        statements: &[sqlparser::ast::Statement],
        grouped: bool,
        each: &mut dyn FnMut(StatementResult) -> Result<()>,
    ) -> Result<()> {
        for stmt in statements {
            let alone = procedure_call(stmt)?.is_some()
                || conflicts_delete(stmt, &self.catalog).is_some()
                || conflicts_update(stmt, &self.catalog).is_some();
            if alone && self.implicit {
                // As a COMMIT in the string: what came before is kept.
                self.end_transaction();
                self.publish()?;
            }
            if grouped && !alone && !self.in_transaction {
                self.begin(true)?;
            }
            self.execute_one(stmt).and_then(&mut *each)?;
        }
        if self.implicit {
            self.end_transaction();
            self.publish()?;
        }
        Ok(())
    }

    /// Runs `work` as one transaction: in the open one if there is one,
    /// else in one of its own, published if `work` succeeds and dropped
    /// if it fails.
    pub(super) fn in_one_transaction<T>(
        &mut self,
        work: impl FnOnce(&mut Session) -> Result<T>,
    ) -> Result<T> {
        if self.in_transaction {
            return work(self);
        }
        self.begin(true)?;
        let result = work(self);
        self.end_transaction();
        let result = match result {
            Ok(v) => self.publish().map(|()| v),
            Err(e) => self.reload().and(Err(e)),
        };
        let settled = self.repo.settle();
        let v = result?;
        settled?;
        Ok(v)
    }

    /// Runs every statement in `sql`, going on after a failing one: each
    /// statement's result or error goes to `each`, which may stop the run
    /// by returning an error. A statement that does not parse fails alone,
    /// as psql runs a file.
    pub fn execute_continuing(
        &mut self,
        sql: &str,
        each: &mut dyn FnMut(Result<StatementResult>) -> Result<()>,
    ) -> Result<()> {
        self.execute_script(sql, each)
    }

    /// Runs one parsed statement, as one of a string's.
    pub(super) fn execute_one(
        &mut self,
        stmt: &sqlparser::ast::Statement,
    ) -> Result<StatementResult> {
        self.execute_bound(stmt, &[])
    }

    /// Runs one statement with `params` as its `$1`, `$2`, ... (only
    /// queries, INSERT, UPDATE and DELETE take parameters).
    pub(super) fn execute_bound(
        &mut self,
        stmt: &sqlparser::ast::Statement,
        params: &[Value],
    ) -> Result<StatementResult> {
        let mut result = self.run_bound(stmt, params);
        // A statement outside a transaction that collided with another
        // session's commit runs again on what that commit left, as
        // PostgreSQL re-reads a row another transaction changed before it
        // updates it (READ COMMITTED): nothing of the failed run was kept.
        let mut attempts = 1;
        while attempts < AUTOCOMMIT_ATTEMPTS
            && !self.in_transaction
            && matches!(&result, Err(e) if e.code == SqlState::SerializationFailure)
            && matches!(
                stmt,
                sqlparser::ast::Statement::Insert(_)
                    | sqlparser::ast::Statement::Update(_)
                    | sqlparser::ast::Statement::Delete(_)
            )
        {
            self.reload()?;
            result = self.run_bound(stmt, params);
            attempts += 1;
        }
        if !self.in_transaction {
            // The statement (or the transaction it ended) is over, however
            // it ended: nothing it wrote keeps the writer lock.
            let settled = self.repo.settle();
            if result.is_ok() {
                settled?;
            }
        }
        result
    }

    fn run_bound(
        &mut self,
        stmt: &sqlparser::ast::Statement,
        params: &[Value],
    ) -> Result<StatementResult> {
        use sqlparser::ast::Statement as Ast;
        self.interrupt.clear();
        self.apply_zone();
        let is_query = matches!(stmt, Ast::Query(_)) && procedure_call(stmt)?.is_none();
        if !params.is_empty() && !is_query && !self.changes_table_rows(stmt)? {
            return Err(self.fail(Error::unsupported(
                "parameters outside queries, INSERT, UPDATE and DELETE on tables",
            )));
        }
        if let Some((name, args)) = procedure_call(stmt)? {
            return self.call_procedure(&name, &args);
        }
        self.make_tests_table_for(stmt)?;
        match stmt {
            sqlparser::ast::Statement::Prepare {
                name,
                statement,
                data_types,
            } => return self.prepare_named(&name.value, data_types, statement),
            sqlparser::ast::Statement::Execute {
                name: Some(name),
                parameters,
                ..
            } => return self.execute_named(&name.to_string(), parameters, false),
            sqlparser::ast::Statement::Explain { statement, .. } => {
                if let sqlparser::ast::Statement::Execute {
                    name: Some(name),
                    parameters,
                    ..
                } = statement.as_ref()
                {
                    return self.execute_named(&name.to_string(), parameters, true);
                }
            }
            sqlparser::ast::Statement::Deallocate { name, .. } => {
                return self.deallocate(&name.value);
            }
            Ast::Copy { .. } => {
                let copied = match super::copy::copy_command(stmt)? {
                    Some(copy) if copy.payload().is_some() => {
                        let data = copy.payload().unwrap_or_default().to_owned();
                        self.copy_in(&copy, data.as_bytes())
                    }
                    _ => Err(Error::unsupported("COPY without its rows here").with_hint(
                        "COPY FROM STDIN and TO STDOUT run through a client of `arbor sql-server` (psql's \\copy), or with the rows after the statement in a script; `arbor table import` and `export` move files",
                    )),
                };
                return match copied {
                    Ok(n) => Ok(StatementResult::written("COPY", n)),
                    Err(e) => Err(self.fail(e)),
                };
            }
            Ast::Set(_) | Ast::ShowVariable { .. } | Ast::Reset(_) | Ast::Discard { .. } => {
                return match self.setting(stmt) {
                    Ok(r) => Ok(r),
                    Err(e) => Err(self.fail(e)),
                };
            }
            _ => {}
        }
        if !self.in_transaction && !self.failed {
            // Planned against what is published now: another session or
            // process may have committed since the last statement.
            self.refresh()?;
        }
        if let sqlparser::ast::Statement::Truncate(truncate) = stmt {
            return self.truncate(truncate).map_err(|e| self.fail(e));
        }
        if let Some(create) = super::create_as::CreateAs::of(stmt) {
            return create
                .and_then(|create| self.create_table_as(&create))
                .map_err(|e| self.fail(e));
        }
        if let Some(statement) = super::modifying_with::ModifyingWith::of(stmt) {
            return statement
                .and_then(|statement| self.run_modifying_with(&statement, params))
                .map_err(|e| self.fail(e));
        }
        if let Some((table, predicate)) = conflicts_delete(stmt, &self.catalog) {
            return self.delete_conflicts(&table, predicate.as_deref());
        }
        if let Some((table, assignments, predicate)) = conflicts_update(stmt, &self.catalog) {
            return self.update_conflicts(&table, &assignments, predicate.as_deref());
        }
        let planned = {
            let view = self.view(&self.catalog);
            plan_statement(stmt, &view)
        };
        let planned = match planned {
            Ok(p) => p,
            Err(e) => return Err(self.fail(e)),
        };
        match planned {
            Statement::Begin => {
                if self.in_transaction {
                    // BEGIN inside the implicit transaction of a statement
                    // string makes it explicit, as in PostgreSQL: the
                    // statements before it commit or roll back with it.
                    if !self.implicit {
                        self.raise(
                            NoticeSeverity::Warning,
                            SqlState::ActiveSqlTransaction,
                            "there is already a transaction in progress",
                        );
                    }
                    self.implicit = false;
                    return Ok(StatementResult::command("BEGIN"));
                }
                self.begin(false)?;
                Ok(StatementResult::command("BEGIN"))
            }
            Statement::Commit => {
                if !self.in_transaction {
                    self.raise(
                        NoticeSeverity::Warning,
                        SqlState::NoActiveSqlTransaction,
                        "there is no transaction in progress",
                    );
                }
                let failed = self.failed;
                self.end_transaction();
                if failed {
                    self.reload()?;
                    return Ok(StatementResult::command("ROLLBACK"));
                }
                self.publish()?;
                Ok(StatementResult::command("COMMIT"))
            }
            Statement::Rollback => {
                if !self.in_transaction {
                    self.raise(
                        NoticeSeverity::Warning,
                        SqlState::NoActiveSqlTransaction,
                        "there is no transaction in progress",
                    );
                }
                self.end_transaction();
                self.reload()?;
                Ok(StatementResult::command("ROLLBACK"))
            }
            Statement::Lock => {
                if !self.in_transaction {
                    return Err(no_transaction_block("LOCK TABLE"));
                }
                Ok(StatementResult::command("LOCK TABLE"))
            }
            Statement::Savepoint(name) => {
                if !self.in_transaction {
                    return Err(no_transaction_block("SAVEPOINT"));
                }
                if self.failed {
                    return Err(transaction_aborted());
                }
                self.savepoints.push((name, self.catalog.clone()));
                Ok(StatementResult::command("SAVEPOINT"))
            }
            Statement::ReleaseSavepoint(ref name) | Statement::RollbackToSavepoint(ref name) => {
                let name = name.clone();
                let rollback = matches!(planned, Statement::RollbackToSavepoint(_));
                let what = if rollback {
                    "ROLLBACK TO SAVEPOINT"
                } else {
                    "RELEASE SAVEPOINT"
                };
                if !self.in_transaction {
                    return Err(no_transaction_block(what));
                }
                if self.failed && !rollback {
                    return Err(transaction_aborted());
                }
                let Some(at) = self.savepoints.iter().rposition(|(n, _)| *n == name) else {
                    return Err(self.fail(Error::new(
                        SqlState::InvalidSavepointSpecification,
                        format!("savepoint \"{name}\" does not exist"),
                    )));
                };
                if rollback {
                    // The savepoint stays, to roll back to again.
                    self.savepoints.truncate(at + 1);
                    self.catalog = self.savepoints[at].1.clone();
                    self.failed = false;
                    Ok(StatementResult::command("ROLLBACK"))
                } else {
                    self.savepoints.truncate(at);
                    Ok(StatementResult::command("RELEASE"))
                }
            }
            other => self.statement_planned(|session, catalog| session.run(other, catalog, params)),
        }
    }

    /// Runs one statement other than transaction control: on a copy of the
    /// catalog, so a failed statement leaves it as it was; published at once
    /// outside a transaction.
    fn statement(
        &mut self,
        run: impl FnOnce(&Session, &mut Catalog) -> Result<StatementResult>,
    ) -> Result<StatementResult> {
        self.interrupt.clear();
        if !self.in_transaction && !self.failed {
            self.refresh()?;
        }
        self.statement_planned(run)
    }

    /// [`Session::statement`] for a statement already planned against the
    /// session's catalog: it runs on that catalog, never on one reread in
    /// between, since its plan holds the tables it read (a change computed
    /// from one snapshot and published over a newer one would undo what
    /// was published in between).
    fn statement_planned(
        &mut self,
        run: impl FnOnce(&Session, &mut Catalog) -> Result<StatementResult>,
    ) -> Result<StatementResult> {
        if self.failed {
            return Err(transaction_aborted());
        }
        self.times = Times::starting(self.env.clock, self.transaction_started);
        let mut catalog = self.catalog.clone();
        self.sequences.reload(&catalog.sequences)?;
        match run(self, &mut catalog) {
            Ok(r) => {
                if self.sequences.changed() {
                    catalog.sequences = self.sequences.store();
                }
                let changed = catalog != self.catalog;
                if changed && self.read_only {
                    let e = self.refuse_read_only("a statement that writes");
                    return Err(self.fail(e));
                }
                self.catalog = catalog;
                if changed && !self.in_transaction {
                    self.publish()?;
                }
                Ok(r)
            }
            Err(e) => Err(self.fail(e)),
        }
    }

    /// `PREPARE name AS statement`: keeps the statement for `EXECUTE`.
    fn prepare_named(
        &mut self,
        name: &str,
        data_types: &[sqlparser::ast::DataType],
        statement: &sqlparser::ast::Statement,
    ) -> Result<StatementResult> {
        let param_types = match data_types
            .iter()
            .map(planner::data_type)
            .collect::<Result<Vec<_>>>()
        {
            Ok(types) => types,
            Err(e) => return Err(self.fail(e)),
        };
        if self.named.contains_key(name) {
            return Err(self.fail(Error::new(
                SqlState::DuplicatePreparedStatement,
                format!("prepared statement \"{name}\" already exists"),
            )));
        }
        self.named.insert(
            name.to_owned(),
            Prepared {
                statement: statement.clone(),
                sql: None,
                param_types,
                plan: None,
            },
        );
        Ok(StatementResult::command("PREPARE"))
    }

    /// `EXECUTE name (arguments)`: runs a statement kept by `PREPARE`, its
    /// `$n` bound to the arguments. A query keeps its plan between runs;
    /// any other statement runs with the arguments written in as literals.
    /// With `explain` (`EXPLAIN EXECUTE`), shows the plan it would run
    /// instead of running it.
    fn execute_named(
        &mut self,
        name: &str,
        arguments: &[sqlparser::ast::Expr],
        explain: bool,
    ) -> Result<StatementResult> {
        let Some(mut prepared) = self.named.remove(name) else {
            return Err(self.fail(Error::new(
                SqlState::InvalidSqlStatementName,
                format!("prepared statement \"{name}\" does not exist"),
            )));
        };
        let expected = parameter_count(&prepared.statement.to_string())?;
        let result = if expected == arguments.len() {
            self.run_named(&mut prepared, arguments, explain)
        } else {
            Err(self.fail(
                Error::new(
                    SqlState::SyntaxError,
                    format!("wrong number of parameters for prepared statement \"{name}\""),
                )
                .with_detail(format!(
                    "Expected {expected} parameters but got {}.",
                    arguments.len()
                )),
            ))
        };
        self.named.insert(name.to_owned(), prepared);
        result
    }

    fn run_named(
        &mut self,
        prepared: &mut Prepared,
        arguments: &[sqlparser::ast::Expr],
        explain: bool,
    ) -> Result<StatementResult> {
        // The arguments are constant expressions, bound and evaluated
        // here, then cast to the declared types; the statement runs with
        // them as its parameters, never spliced into its text.
        let params = match self.evaluate_arguments(arguments, &prepared.param_types) {
            Ok(params) => params,
            Err(e) => return Err(self.fail(e)),
        };
        if explain {
            self.explain_prepared(prepared, &params)
        } else {
            self.execute_prepared(prepared, &params)
        }
    }

    /// The values of `EXECUTE`'s arguments, each cast to its declared type.
    fn evaluate_arguments(
        &self,
        arguments: &[sqlparser::ast::Expr],
        types: &[DataType],
    ) -> Result<Vec<Value>> {
        if self.failed {
            return Err(transaction_aborted());
        }
        let exprs = {
            let view = self.view(&self.catalog);
            planner::bind_constants(arguments, &view)?
        };
        let executor = self.executor(&[]);
        let ctx = executor.context();
        let mut values = Vec::with_capacity(exprs.len());
        for (i, e) in exprs.iter().enumerate() {
            let v = super::eval::eval(e, &[], &ctx)?;
            values.push(match types.get(i) {
                Some(t) => super::eval::cast(v, t)?,
                None => v,
            });
        }
        Ok(values)
    }

    /// `SET`, `SHOW`, `RESET` and `DISCARD ALL`: the session's settings.
    fn setting(&mut self, stmt: &sqlparser::ast::Statement) -> Result<StatementResult> {
        use sqlparser::ast::{self, Statement as Ast};
        if self.failed {
            return Err(transaction_aborted());
        }
        let shown = |name: &str, value: String| StatementResult::Rows {
            columns: vec![name.to_owned()],
            types: vec![Some(DataType::Text)],
            rows: vec![vec![Value::Text(value)]],
            tag: None,
        };
        match stmt {
            Ast::Set(ast::Set::SingleAssignment {
                variable, values, ..
            }) => {
                let value = setting_value(values)?;
                self.settings.get_mut().set(&variable.to_string(), value)?;
            }
            Ast::Set(ast::Set::SetTimeZone { value, .. }) => {
                let value = setting_value(std::slice::from_ref(value))?;
                self.settings.get_mut().set("TimeZone", value)?;
            }
            Ast::Set(ast::Set::SetNames { charset_name, .. }) => {
                self.settings
                    .get_mut()
                    .set("client_encoding", Some(charset_name.value.clone()))?;
            }
            // Transactions are snapshots whatever level is asked for.
            Ast::Set(ast::Set::SetTransaction { .. }) => {}
            Ast::Set(_) => return Err(Error::unsupported(format!("{stmt}"))),
            Ast::ShowVariable { variable } => {
                let name = variable
                    .iter()
                    .map(|i| i.value.as_str())
                    .collect::<Vec<_>>()
                    .join(" ");
                if name.eq_ignore_ascii_case("all") {
                    let rows = self
                        .settings
                        .get_mut()
                        .all()
                        .into_iter()
                        .map(|(n, v)| vec![Value::Text(n.to_owned()), Value::Text(v)])
                        .collect();
                    return Ok(StatementResult::Rows {
                        columns: vec!["name".into(), "setting".into()],
                        types: vec![Some(DataType::Text), Some(DataType::Text)],
                        rows,
                        tag: None,
                    });
                }
                let (name, value) = self.settings.get_mut().show(&name)?;
                return Ok(shown(name, value));
            }
            Ast::Reset(r) => match &r.reset {
                ast::Reset::ALL => self.settings.get_mut().reset_all(),
                ast::Reset::ConfigurationParameter(name) => {
                    self.settings.get_mut().set(&name.to_string(), None)?
                }
                ast::Reset::SessionAuthorization => {}
            },
            Ast::Discard { object_type } => {
                if matches!(object_type, ast::DiscardObject::ALL) {
                    if self.in_transaction {
                        return Err(self.refuse_in_transaction("DISCARD ALL"));
                    }
                    self.settings.get_mut().reset_all();
                    self.named.clear();
                    self.apply_zone();
                }
                return Ok(StatementResult::command(&format!("DISCARD {object_type}")));
            }
            _ => return Err(Error::internal("a statement taken for a setting")),
        }
        self.apply_zone();
        Ok(StatementResult::command(match stmt {
            Ast::Reset(_) => "RESET",
            _ => "SET",
        }))
    }

    /// Makes the session's `TimeZone` this thread's (see
    /// `arbor_schema::zone`): values read, computed and printed on it
    /// afterwards, results included, use the session's zone.
    fn apply_zone(&self) {
        arbor_schema::zone::set_session_zone(self.settings.borrow().zone());
    }

    /// `DEALLOCATE name` or `DEALLOCATE ALL`.
    fn deallocate(&mut self, name: &str) -> Result<StatementResult> {
        if name.eq_ignore_ascii_case("all") {
            self.named.clear();
        } else if self.named.remove(name).is_none() {
            return Err(self.fail(Error::new(
                SqlState::InvalidSqlStatementName,
                format!("prepared statement \"{name}\" does not exist"),
            )));
        }
        Ok(StatementResult::command("DEALLOCATE"))
    }

    /// Resolves conflicts by deleting them from `arbor_conflicts_<table>`.
    fn delete_conflicts(
        &mut self,
        table: &str,
        predicate: Option<&str>,
    ) -> Result<StatementResult> {
        let n = self.on_repository("resolving conflicts", |repo, branch| {
            system::delete_conflicts(repo, branch, table, predicate)
        })?;
        Ok(StatementResult::written("DELETE", n))
    }

    /// Runs an operation that changes the repository itself (not through
    /// the session's catalog): refused inside a transaction, it sees the
    /// latest state and the session carries on from what it leaves.
    fn on_repository<T>(
        &mut self,
        what: &str,
        run: impl FnOnce(&Repository, &str) -> Result<T>,
    ) -> Result<T> {
        if self.read_only {
            return Err(self.refuse_read_only(what));
        }
        if self.in_transaction {
            return Err(self.refuse_in_transaction(what));
        }
        self.refresh()?;
        let result = run(&self.repo, &self.branch)?;
        self.reload()?;
        Ok(result)
    }

    /// Changes working rows of conflicts through `arbor_conflicts_<table>`.
    fn update_conflicts(
        &mut self,
        table: &str,
        assignments: &[(String, String)],
        predicate: Option<&str>,
    ) -> Result<StatementResult> {
        let n = self.on_repository("updating conflicts", |repo, branch| {
            system::update_conflicts(repo, branch, table, assignments, predicate)
        })?;
        Ok(StatementResult::written("UPDATE", n))
    }

    /// Runs a version-control procedure (`SELECT arbor_commit(...)`).
    fn call_procedure(&mut self, name: &str, args: &[Value]) -> Result<StatementResult> {
        if self.read_only {
            return Err(self.refuse_read_only(name));
        }
        if self.in_transaction {
            return Err(self.refuse_in_transaction(name));
        }
        self.refresh()?;
        let result = system::procedure(&self.repo, &self.branch, &self.env, name, args)
            .map_err(system::with_sql_hint)?;
        self.branch = result.branch;
        self.reload()?;
        Ok(StatementResult::Rows {
            columns: vec![result.column],
            types: vec![None],
            rows: vec![vec![result.value]],
            tag: None,
        })
    }

    /// Inserts `rows`, each a value for every column of `table` in order, as
    /// one statement: all of them, or on the first error none. Values are
    /// converted to the column types; constraints are checked as for INSERT.
    /// Made for bulk loads: rows stream through in bounded memory.
    pub fn insert_rows(
        &mut self,
        table: &str,
        rows: &mut dyn Iterator<Item = Result<Vec<Value>>>,
    ) -> Result<u64> {
        let result = self.statement(|session, catalog| {
            let plan = session.plan_insert_rows(table, catalog)?;
            let executor = session.executor(&[]);
            let (object, written) = insert_rows(&session.repo, &plan, rows, &executor.context())?;
            session.written(&plan.table, object, written, "INSERT 0", catalog)
        })?;
        Ok(result.rows_written().unwrap_or(0))
    }

    /// An encoder of rows for [`Session::insert_encoded`] into `table`,
    /// if the table can take a bulk load (see `bulk`); `None`: use
    /// [`Session::insert_rows`].
    pub fn row_encoder(&mut self, table: &str) -> Result<Option<RowEncoder>> {
        RowEncoder::for_plan(&self.plan_insert_rows(table, &self.catalog)?)
    }

    /// The plan of an insert of whole rows into `table` of `catalog`.
    fn plan_insert_rows(&self, table: &str, catalog: &Catalog) -> Result<InsertPlan> {
        let view = self.view(catalog);
        planner::plan_insert_rows(table, &view)
    }

    /// Inserts rows encoded by `encoder` (a [`Session::row_encoder`] of
    /// `table`), as one statement: `load` passes every batch to the writer
    /// it is given. Returns the number of rows inserted.
    pub fn insert_encoded(
        &mut self,
        table: &str,
        encoder: &RowEncoder,
        load: &mut dyn FnMut(&mut BulkWriter) -> Result<()>,
    ) -> Result<u64> {
        let mut count = 0;
        self.statement(|session, catalog| {
            let plan = session.plan_insert_rows(table, catalog)?;
            let mut writer = BulkWriter::new(&session.repo, &plan, encoder)?;
            load(&mut writer)?;
            let (object, n) = writer.finish()?;
            count = n;
            session.written(&plan.table, object, Written::Count(n), "INSERT 0", catalog)
        })?;
        Ok(count)
    }

    /// Opens a transaction: `implicit` for the one a statement string
    /// runs in, else one opened by BEGIN.
    fn begin(&mut self, implicit: bool) -> Result<()> {
        self.refresh()?;
        self.in_transaction = true;
        self.implicit = implicit;
        self.transaction_started = Some(self.env.clock.now_utc());
        Ok(())
    }

    /// Leaves the open transaction, if any; the caller publishes its
    /// catalog or drops it.
    fn end_transaction(&mut self) {
        self.savepoints.clear();
        self.in_transaction = false;
        self.implicit = false;
        self.transaction_started = None;
        self.failed = false;
    }

    /// The refusal of `what`, which changes the repository itself, inside
    /// a transaction: its hint says how to leave the transaction.
    fn refuse_in_transaction(&mut self, what: &str) -> Error {
        let hint = if self.implicit {
            "several statements sent together run as one transaction: send this one on its own"
        } else {
            "COMMIT or ROLLBACK first"
        };
        self.fail(
            Error::new(
                SqlState::ActiveSqlTransaction,
                format!("{what} cannot run inside a transaction block"),
            )
            .with_hint(hint),
        )
    }

    fn fail(&mut self, e: Error) -> Error {
        if self.in_transaction {
            self.failed = true;
        }
        e
    }

    /// Drops the transaction's changes: rereads the working set.
    fn reload(&mut self) -> Result<()> {
        self.seen_root = None;
        self.temporary.borrow_mut().roll_back();
        self.refresh()
    }

    /// Makes `arbor_tests` when `stmt` inserts into it and it does not
    /// exist yet (see `super::data_tests`): the first test a user adds
    /// needs no CREATE TABLE.
    fn make_tests_table_for(&mut self, stmt: &sqlparser::ast::Statement) -> Result<()> {
        let sqlparser::ast::Statement::Insert(insert) = stmt else {
            return Ok(());
        };
        let sqlparser::ast::TableObject::TableName(name) = &insert.table else {
            return Ok(());
        };
        if planner::object_name(name)? != super::data_tests::TESTS_TABLE
            || self.read_only
            || self.table_schema(super::data_tests::TESTS_TABLE)?.is_some()
        {
            return Ok(());
        }
        let create = parser::parse_one(super::data_tests::CREATE_TESTS_TABLE)?;
        self.run_bound(&create, &[]).map(drop)
    }

    /// Rereads the working set if another session may have published.
    fn refresh(&mut self) -> Result<()> {
        let root = self.repo.root_address()?;
        if root.is_some() && root == self.seen_root {
            return Ok(());
        }
        self.base = self.repo.working_set(&self.branch)?;
        let catalog = self.pinned.unwrap_or(self.base.1.working);
        self.catalog = self.repo.read_catalog(&catalog)?;
        self.temporary.borrow().put_into(&mut self.catalog);
        self.seen_root = root;
        Ok(())
    }

    /// Writes the catalog and swaps it into the branch's working set. If
    /// another session published since this one's transaction began, the
    /// two are merged three-way (base: the working catalog the transaction
    /// began from), as a branch merge merges rows and cells: changes to
    /// different rows, or to different cells of a row, both stand; a true
    /// collision (the same cell changed two ways, a row changed and
    /// deleted, a uniqueness or foreign-key violation of the two together)
    /// is PostgreSQL's serialization failure, 40001, which a client retries.
    fn publish(&mut self) -> Result<()> {
        // Temporary tables stay with the session.
        let shared = if self.temporary.borrow().is_empty() {
            self.catalog.clone()
        } else {
            let began_from = self.repo.read_catalog(&self.base.1.working)?;
            self.temporary
                .borrow_mut()
                .take_from(&self.catalog, &began_from)
        };
        let working = self.repo.write_catalog(&shared)?;
        if working == self.base.1.working {
            return Ok(());
        }
        let publishing = self.repo.publishing();
        let _one_at_a_time = publishing.lock().unwrap_or_else(|e| e.into_inner());
        for _ in 0..PUBLISH_ATTEMPTS {
            let (current_address, current) = self.repo.working_set(&self.branch)?;
            let (catalog_address, merged) = if current.working == self.base.1.working {
                (working, None)
            } else {
                let merged = self.merge_concurrent(&shared, &current.working)?;
                (self.repo.write_catalog(&merged)?, Some(merged))
            };
            let ws = WorkingSet {
                working: catalog_address,
                ..current
            };
            let address = self.repo.write_working_set(&ws)?;
            let swapped = self.repo.update_refs(&[RefUpdate {
                name: working_set_ref(&self.branch),
                expected: Some(current_address),
                new: Some(address),
            }]);
            match swapped {
                Ok(()) => {
                    self.base = (address, ws);
                    if let Some(mut merged) = merged {
                        self.temporary.borrow().put_into(&mut merged);
                        self.catalog = merged;
                    }
                    // What this session published is what it holds.
                    self.seen_root = self.repo.root_address()?;
                    return Ok(());
                }
                // Another session got there in between: merge again.
                Err(e) if e.code == SqlState::SerializationFailure => continue,
                Err(e) => return Err(e),
            }
        }
        Err(serialization_failure(
            "the working set kept changing under this commit".into(),
        ))
    }

    /// This session's catalog merged with `theirs` (the working catalog
    /// another session published), from the catalog this transaction
    /// began with; any conflict is a serialization failure.
    fn merge_concurrent(&self, ours: &Catalog, theirs: &Address) -> Result<Catalog> {
        let base = self.repo.read_catalog(&self.base.1.working)?;
        let theirs = self.repo.read_catalog(theirs)?;
        let (merged, conflicts) = crate::vc::merge::merge_concurrent(
            &self.repo,
            &planner::SqlChecks,
            &base,
            ours,
            &theirs,
        )?;
        match conflicts.first() {
            None => Ok(merged),
            Some(c) => Err(serialization_failure(format!(
                "Table \"{}\": {}{}",
                c.table,
                c.description,
                match conflicts.len() {
                    1 => String::new(),
                    n => format!(" (and {} more)", n - 1),
                }
            ))),
        }
    }

    /// Runs `stmt` on `catalog`; after one that drops or renames objects,
    /// their comments follow them ([`super::comments::follow`]).
    fn run(
        &self,
        stmt: Statement,
        catalog: &mut Catalog,
        params: &[Value],
    ) -> Result<StatementResult> {
        let mut renames = super::comments::Renames::default();
        if let Statement::AlterTable(plan) = &stmt {
            let (old, new) = (plan.table.name(), &plan.schema.name);
            if old != new {
                renames.table = Some((old.to_owned(), new.clone()));
            }
            let columns = plan
                .table
                .schema
                .columns
                .iter()
                .filter_map(|c| {
                    let renamed = plan.schema.column_by_tag(c.tag)?;
                    (renamed.name != c.name).then(|| (c.name.clone(), renamed.name.clone()))
                })
                .collect();
            renames.columns = Some((new.clone(), columns));
        }
        let drops = matches!(
            stmt,
            Statement::DropTable { .. }
                | Statement::DropView { .. }
                | Statement::DropSequence { .. }
                | Statement::DropType { .. }
                | Statement::DropFunction { .. }
                | Statement::AlterTable(_)
                | Statement::AlterType { .. }
        );
        let result = self.run_statement(stmt, catalog, params)?;
        if drops {
            super::comments::follow(&self.repo, catalog, &renames)?;
        }
        Ok(result)
    }

    fn run_statement(
        &self,
        stmt: Statement,
        catalog: &mut Catalog,
        params: &[Value],
    ) -> Result<StatementResult> {
        match stmt {
            Statement::Query {
                plan,
                columns,
                types,
            } => {
                let executor = self.executor(params);
                let rows = executor.execute(&plan)?.collect::<Result<Vec<_>>>()?;
                Ok(StatementResult::Rows {
                    columns,
                    types,
                    rows,
                    tag: None,
                })
            }
            Statement::Explain {
                plan,
                analyze: false,
            } => Ok(StatementResult::Explain(plan.to_string())),
            Statement::Explain {
                plan,
                analyze: true,
            } => {
                let executor = self.executor(params).profiled();
                let start = std::time::Instant::now();
                let rows = executor.execute(&plan)?.count();
                let total = start.elapsed();
                let mut text = plan.annotated(&|node| executor.profile_of(node));
                text.push_str(&format!(
                    "Execution: {rows} {} in {:.3} ms\n",
                    if rows == 1 { "row" } else { "rows" },
                    total.as_secs_f64() * 1e3
                ));
                Ok(StatementResult::Explain(text))
            }
            Statement::CreateSequence {
                name,
                sequence,
                if_not_exists,
            } => {
                if catalog.sequences.contains_key(&name) || catalog.tables.contains_key(&name) {
                    if if_not_exists {
                        self.skip_existing(&name);
                        return Ok(StatementResult::command("CREATE SEQUENCE"));
                    }
                    return Err(Error::new(
                        SqlState::DuplicateTable,
                        format!("relation \"{name}\" already exists"),
                    ));
                }
                catalog.sequences.insert(name, sequence.encode());
                Ok(StatementResult::command("CREATE SEQUENCE"))
            }
            Statement::DropSequence { names, if_exists } => {
                for name in names {
                    if catalog.sequences.remove(&name).is_none() {
                        self.missing("sequence", &name, if_exists)?;
                    }
                }
                Ok(StatementResult::command("DROP SEQUENCE"))
            }
            Statement::CreateTable {
                schema,
                if_not_exists,
                sequences,
                temporary,
            } => {
                if catalog.tables.contains_key(&schema.name) {
                    if if_not_exists {
                        self.skip_existing(&schema.name);
                        return Ok(StatementResult::command("CREATE TABLE"));
                    }
                    return Err(Error::new(
                        SqlState::DuplicateTable,
                        format!("relation \"{}\" already exists", schema.name),
                    ));
                }
                // Phase 1: the complete new table, durable as chunks.
                let object = crate::table::empty_table(&self.repo, &schema)?;
                let address = self.repo.write_table(&object)?;
                for (name, sequence) in &sequences {
                    if catalog.sequences.contains_key(name) {
                        return Err(Error::new(
                            SqlState::DuplicateTable,
                            format!("relation \"{name}\" already exists"),
                        ));
                    }
                    catalog.sequences.insert(name.clone(), sequence.encode());
                }
                // Phase 2 is the catalog swap, published with the statement.
                catalog.tables.insert(schema.name.clone(), address);
                let sequences: Vec<String> = sequences.into_iter().map(|(name, _)| name).collect();
                let mut temporary_tables = self.temporary.borrow_mut();
                if temporary {
                    temporary_tables.add(&schema.name, &sequences);
                } else {
                    temporary_tables.forget(&schema.name, &sequences);
                }
                Ok(StatementResult::command("CREATE TABLE"))
            }
            Statement::DropTable {
                names,
                if_exists,
                cascade,
            } => {
                for name in &names {
                    if cascade {
                        self.drop_references(catalog, name, &names)?;
                    } else {
                        self.refuse_if_referenced(catalog, name, &names)?;
                    }
                }
                for name in names {
                    // Sequences of its serial and identity columns go with it.
                    if let Some(address) = catalog.tables.get(&name) {
                        let table = Table::from_object(self.repo.read_table(address)?)?;
                        for owned in crate::table::sequences::owned_by(&name, &table.schema) {
                            catalog.sequences.remove(&owned);
                        }
                    }
                    if catalog.tables.remove(&name).is_none() {
                        self.missing("table", &name, if_exists)?;
                    }
                }
                Ok(StatementResult::command("DROP TABLE"))
            }
            Statement::Insert(plan) => {
                let (object, written) = run_insert(&self.repo, &plan, &self.executor(params))?;
                self.written(&plan.table, object, written, "INSERT 0", catalog)
            }
            Statement::Update(mut plan) => {
                plan.source = self.narrowed(plan.source, params, catalog);
                let (object, written, cascades) =
                    run_change(&self.repo, &plan, &self.executor(params))?;
                let result = self.written(&plan.table, object, written, "UPDATE", catalog)?;
                self.cascade(&cascades, catalog)?;
                Ok(result)
            }
            Statement::Delete(mut plan) => {
                plan.source = self.narrowed(plan.source, params, catalog);
                let (object, written, cascades) =
                    run_change(&self.repo, &plan, &self.executor(params))?;
                let result = self.written(&plan.table, object, written, "DELETE", catalog)?;
                self.cascade(&cascades, catalog)?;
                Ok(result)
            }
            Statement::AlterTable(plan) => {
                let view = self.view(catalog);
                let checks = planner::checks_of(&plan.schema, &view)?;
                let object = ddl::alter(&self.repo, &plan, checks)?;
                let old_name = plan.table.name().to_owned();
                let new_name = plan.schema.name.clone();
                // A rename changes no column, and the table's earlier
                // versions are under its old name: nothing to give back.
                let object = if new_name == old_name {
                    ddl::reclaim_tags(&self.repo, object, &self.reference_tables(&new_name)?)?
                } else {
                    object
                };
                if new_name != old_name {
                    catalog.tables.remove(&old_name);
                    self.rename_references(catalog, &old_name, &new_name)?;
                }
                catalog
                    .tables
                    .insert(new_name, self.repo.write_table(&object)?);
                Ok(StatementResult::command("ALTER TABLE"))
            }
            Statement::Nothing(tag) => Ok(StatementResult::Command { tag, rows: None }),
            Statement::CreateIndex {
                table,
                mut name,
                name_chosen,
                columns,
                unique,
                if_not_exists,
            } => {
                if name_chosen {
                    let base = name.clone();
                    let mut n = 0;
                    while self.find_index(catalog, &name)?.is_some()
                        || catalog.tables.contains_key(&name)
                        || catalog.views.contains_key(&name)
                    {
                        n += 1;
                        let suffix = n.to_string();
                        name = planner::ddl::truncate_identifier(
                            base.clone(),
                            planner::ddl::MAX_IDENTIFIER - suffix.len(),
                        );
                        name.push_str(&suffix);
                    }
                }
                if self.find_index(catalog, &name)?.is_some() {
                    if if_not_exists {
                        self.skip_existing(&name);
                        return Ok(StatementResult::command("CREATE INDEX"));
                    }
                    return Err(Error::new(
                        SqlState::DuplicateTable,
                        format!("relation \"{name}\" already exists"),
                    ));
                }
                self.create_index(table, name, columns, unique, catalog)?;
                Ok(StatementResult::command("CREATE INDEX"))
            }
            Statement::DropIndex { names, if_exists } => {
                for name in names {
                    match self.find_index(catalog, &name)? {
                        Some(table) => {
                            let mut schema = (*table.schema).clone();
                            schema.indexes.retain(|i| i.name != name);
                            let mut object = table.object.clone();
                            object.schema = schema.encode();
                            object.indexes.retain(|(n, _)| *n != name);
                            catalog
                                .tables
                                .insert(schema.name.clone(), self.repo.write_table(&object)?);
                        }
                        None => self.missing("index", &name, if_exists)?,
                    }
                }
                Ok(StatementResult::command("DROP INDEX"))
            }
            Statement::CreateView {
                name,
                sql,
                or_replace,
            } => {
                if catalog.tables.contains_key(&name)
                    || (catalog.views.contains_key(&name) && !or_replace)
                {
                    return Err(Error::new(
                        SqlState::DuplicateTable,
                        format!("relation \"{name}\" already exists"),
                    ));
                }
                catalog.views.insert(name, sql);
                Ok(StatementResult::command("CREATE VIEW"))
            }
            Statement::DropView { names, if_exists } => {
                for name in names {
                    if catalog.views.remove(&name).is_none() {
                        self.missing("view", &name, if_exists)?;
                    }
                }
                Ok(StatementResult::command("DROP VIEW"))
            }
            Statement::CreateFunction {
                signature,
                definition,
                or_replace,
            } => {
                if catalog.functions.contains_key(&signature) && !or_replace {
                    return Err(Error::new(
                        SqlState::DuplicateFunction,
                        format!(
                            "function \"{}\" already exists with same argument types",
                            crate::objects::function_name(&signature)
                        ),
                    ));
                }
                catalog.functions.insert(signature, definition);
                Ok(StatementResult::command("CREATE FUNCTION"))
            }
            Statement::DropFunction {
                functions,
                if_exists,
            } => {
                for (name, types) in functions {
                    match self.function_to_drop(&catalog.functions, &name, types.as_deref())? {
                        Some(signature) => {
                            self.refuse_dependents(catalog, &name, &signature)?;
                            catalog.functions.remove(&signature);
                        }
                        None if if_exists => self.raise(
                            NoticeSeverity::Notice,
                            SqlState::SuccessfulCompletion,
                            match types {
                                Some(t) => format!(
                                    "function {} does not exist, skipping",
                                    sql_functions::signature(&name, &t)
                                ),
                                None => format!("function {name}() does not exist, skipping"),
                            },
                        ),
                        None => {
                            return Err(match types {
                                Some(t) => Error::new(
                                    SqlState::UndefinedFunction,
                                    format!(
                                        "function {} does not exist",
                                        sql_functions::signature(&name, &t)
                                    ),
                                ),
                                None => Error::new(
                                    SqlState::UndefinedFunction,
                                    format!("could not find a function named \"{name}\""),
                                ),
                            });
                        }
                    }
                }
                Ok(StatementResult::command("DROP FUNCTION"))
            }
            Statement::Comment { key, text } => {
                match text {
                    Some(text) => catalog.comments.insert(key, text),
                    None => catalog.comments.remove(&key),
                };
                Ok(StatementResult::command("COMMENT"))
            }
            Statement::CreateType { name, definition } => {
                catalog.types.insert(name, definition);
                Ok(StatementResult::command("CREATE TYPE"))
            }
            Statement::AlterType {
                name,
                definition,
                notice,
            } => {
                if let Some(notice) = notice {
                    self.raise(
                        NoticeSeverity::Notice,
                        SqlState::SuccessfulCompletion,
                        notice,
                    );
                    return Ok(StatementResult::command("ALTER TYPE"));
                }
                let new = Arc::new(user_types::enum_from_definition(&definition)?);
                // The tables using the type carry its labels: each schema
                // changes, no row does (positions stay).
                for (table_name, address) in catalog.tables.clone() {
                    let table = Table::from_object(self.repo.read_table(&address)?)?;
                    let mut schema = (*table.schema).clone();
                    let mut changed = false;
                    for column in &mut schema.columns {
                        if let Some(t) = user_types::replace_enum(&column.data_type, &name, &new) {
                            column.data_type = t;
                            changed = true;
                        }
                    }
                    if changed {
                        let mut object = table.object.clone();
                        object.schema = schema.encode();
                        catalog
                            .tables
                            .insert(table_name, self.repo.write_table(&object)?);
                    }
                }
                catalog.types.remove(&name);
                catalog.types.insert(new.name.clone(), definition);
                // A renamed type keeps its comment.
                if let Some(text) = catalog.comments.remove(&super::comments::type_key(&name)) {
                    catalog
                        .comments
                        .insert(super::comments::type_key(&new.name), text);
                }
                Ok(StatementResult::command("ALTER TYPE"))
            }
            Statement::DropType { names, if_exists } => {
                for name in names {
                    if !catalog.types.contains_key(&name) {
                        if if_exists {
                            self.raise(
                                NoticeSeverity::Notice,
                                SqlState::SuccessfulCompletion,
                                format!("type \"{name}\" does not exist, skipping"),
                            );
                            continue;
                        }
                        return Err(Error::new(
                            SqlState::UndefinedObject,
                            format!("type \"{name}\" does not exist"),
                        ));
                    }
                    // Functions first, as PostgreSQL lists them when they
                    // were made before the tables.
                    let mut dependents = Vec::new();
                    let user_type = |n: &str| user_types::type_in(&catalog.types, n);
                    for (signature, definition) in &catalog.functions {
                        if sql_functions::SqlFunction::from_definition(definition, &user_type)?
                            .uses_type(&name)
                        {
                            dependents.push(format!(
                                "function {} depends on type {name}",
                                signature.replace(", ", ",")
                            ));
                        }
                    }
                    for (table_name, address) in &catalog.tables {
                        let table = Table::from_object(self.repo.read_table(address)?)?;
                        for column in &table.schema.columns {
                            if user_types::uses_enum(&column.data_type, &name) {
                                dependents.push(format!(
                                    "column {} of table {table_name} depends on type {name}",
                                    column.name
                                ));
                            }
                        }
                    }
                    if !dependents.is_empty() {
                        return Err(Error::new(
                            SqlState::DependentObjectsStillExist,
                            format!("cannot drop type {name} because other objects depend on it"),
                        )
                        .with_detail(dependents.join("\n"))
                        .with_hint("Use DROP ... CASCADE to drop the dependent objects too."));
                    }
                    catalog.types.remove(&name);
                }
                Ok(StatementResult::command("DROP TYPE"))
            }
            Statement::Begin
            | Statement::Commit
            | Statement::Rollback
            | Statement::Lock
            | Statement::Savepoint(_)
            | Statement::ReleaseSavepoint(_)
            | Statement::RollbackToSavepoint(_) => Err(Error::new(
                SqlState::InternalError,
                "transaction control reached the executor",
            )),
        }
    }

    /// The versions of table `name` that a merge may compare this branch's
    /// working table with: the head commit's (first), the staged one, and
    /// the one a merge in progress brings in; those that exist.
    fn reference_tables(&self, name: &str) -> Result<Vec<Table>> {
        let ws = &self.base.1;
        let mut catalogs = vec![
            self.repo
                .read_commit(&self.repo.branch_head(&self.branch)?)?
                .catalog,
            ws.staged,
        ];
        if let Some(merge) = &ws.merge {
            catalogs.push(self.repo.read_commit(&merge.theirs)?.catalog);
        }
        let mut tables = Vec::new();
        for catalog in catalogs {
            if let Some(address) = self.repo.read_catalog(&catalog)?.tables.get(name) {
                tables.push(self.tables.get(&self.repo, address)?);
            }
        }
        Ok(tables)
    }

    /// Stores a table's new object in the catalog and reports the statement.
    fn written(
        &self,
        table: &Table,
        object: TableObject,
        written: Written,
        verb: &str,
        catalog: &mut Catalog,
    ) -> Result<StatementResult> {
        catalog
            .tables
            .insert(table.name().to_owned(), self.repo.write_table(&object)?);
        Ok(match written {
            Written::Count(n) => StatementResult::written(verb, n),
            Written::Rows(columns, types, rows) => StatementResult::Rows {
                columns,
                types,
                rows,
                tag: Some(verb.to_owned()),
            },
        })
    }

    /// Carries out foreign key actions on child tables, each as a statement
    /// planned against the catalog as the parent's change left it (so they
    /// cascade further, and fail the whole statement if they fail).
    fn cascade(&self, cascades: &[super::dml::Cascade], catalog: &mut Catalog) -> Result<()> {
        for c in cascades {
            let planned = {
                let view = self.view(catalog);
                planner::dml::plan_cascade(c, &view)?
            };
            self.run(planned, catalog, &[])?;
        }
        Ok(())
    }

    /// Builds a new index in full (phase 1), then swaps the table (phase 2).
    fn create_index(
        &self,
        table: Table,
        name: String,
        columns: Vec<(usize, bool)>,
        unique: bool,
        catalog: &mut Catalog,
    ) -> Result<()> {
        let mut schema = (*table.schema).clone();
        schema.indexes.push(arbor_schema::table::Index {
            name,
            unique,
            columns: columns
                .iter()
                .map(|(i, desc)| (schema.columns[*i].tag, *desc))
                .collect(),
        });
        let mut object = table.object.clone();
        object.schema = schema.encode();
        let object =
            crate::table::fill_new_indexes(&self.repo, Table::new(Arc::new(schema), object))?;
        catalog
            .tables
            .insert(table.name().to_owned(), self.repo.write_table(&object)?);
        Ok(())
    }

    /// Every foreign key of `catalog`: (referencing table, referenced
    /// table, constraint name).
    pub(super) fn foreign_keys(&self, catalog: &Catalog) -> Result<Vec<(String, String, String)>> {
        let mut keys = Vec::new();
        for (child, address) in &catalog.tables {
            let table = Table::from_object(self.repo.read_table(address)?)?;
            for fk in &table.schema.foreign_keys {
                keys.push((child.clone(), fk.referenced_table.clone(), fk.name.clone()));
            }
        }
        Ok(keys)
    }

    /// The current catalog, for what reads it outside this module.
    pub(super) fn current_catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Whether the current catalog has a table `name`.
    pub(super) fn has_table(&self, name: &str) -> bool {
        self.catalog.tables.contains_key(name)
    }

    /// Refuses to drop table `name` while a table not dropped with it has a
    /// foreign key to it.
    fn refuse_if_referenced(
        &self,
        catalog: &Catalog,
        name: &str,
        dropped: &[String],
    ) -> Result<()> {
        let keys = self.foreign_keys(catalog)?;
        let Some((child, _, constraint)) = keys
            .iter()
            .find(|(child, parent, _)| parent == name && !dropped.contains(child))
        else {
            return Ok(());
        };
        Err(Error::new(
            SqlState::DependentObjectsStillExist,
            format!("cannot drop table {name} because other objects depend on it"),
        )
        .with_detail(format!(
            "constraint {constraint} on table {child} depends on table {name}"
        ))
        .with_hint("Use DROP ... CASCADE to drop the dependent objects too."))
    }

    /// `DROP TABLE ... CASCADE`: drops the foreign keys to table `name` of
    /// the tables not dropped with it, each with PostgreSQL's notice.
    fn drop_references(&self, catalog: &mut Catalog, name: &str, dropped: &[String]) -> Result<()> {
        let keys = self.foreign_keys(catalog)?;
        for (child, _, constraint) in keys
            .iter()
            .filter(|(child, parent, _)| parent == name && !dropped.contains(child))
        {
            let Some(address) = catalog.tables.get(child) else {
                continue;
            };
            let table = Table::from_object(self.repo.read_table(address)?)?;
            let mut schema = (*table.schema).clone();
            schema.foreign_keys.retain(|f| &f.name != constraint);
            let mut object = table.object.clone();
            object.schema = schema.encode();
            catalog
                .tables
                .insert(child.clone(), self.repo.write_table(&object)?);
            self.raise(
                NoticeSeverity::Notice,
                SqlState::SuccessfulCompletion,
                format!("drop cascades to constraint {constraint} on table {child}"),
            );
        }
        Ok(())
    }

    /// Points the foreign keys of other tables at a renamed table.
    fn rename_references(&self, catalog: &mut Catalog, old: &str, new: &str) -> Result<()> {
        let mut updated = Vec::new();
        for (name, address) in &catalog.tables {
            let table = Table::from_object(self.repo.read_table(address)?)?;
            if !table
                .schema
                .foreign_keys
                .iter()
                .any(|f| f.referenced_table == old)
            {
                continue;
            }
            let mut schema = (*table.schema).clone();
            for fk in &mut schema.foreign_keys {
                if fk.referenced_table == old {
                    fk.referenced_table = new.to_owned();
                }
            }
            let mut object = table.object.clone();
            object.schema = schema.encode();
            updated.push((name.clone(), self.repo.write_table(&object)?));
        }
        catalog.tables.extend(updated);
        Ok(())
    }

    /// The table that has index `name`, if any.
    fn find_index(&self, catalog: &Catalog, name: &str) -> Result<Option<Table>> {
        for address in catalog.tables.values() {
            let table = Table::from_object(self.repo.read_table(address)?)?;
            if table.schema.indexes.iter().any(|i| i.name == name) {
                return Ok(Some(table));
            }
        }
        Ok(None)
    }
}

/// A statement that calls a version-control procedure: `SELECT name(args)`
/// with constant arguments and nothing else. Returns its name and arguments.
/// The number of parameters `sql` takes: the highest `$n` in it.
/// The text of a `SET`'s value: a list joined by `, ` as PostgreSQL
/// shows it, `None` for `DEFAULT`.
fn setting_value(values: &[sqlparser::ast::Expr]) -> Result<Option<String>> {
    use sqlparser::ast;
    let mut parts = Vec::new();
    for v in values {
        parts.push(match v {
            ast::Expr::Identifier(i)
                if i.quote_style.is_none() && i.value.eq_ignore_ascii_case("default") =>
            {
                return Ok(None);
            }
            ast::Expr::Identifier(i) => i.value.clone(),
            ast::Expr::Value(v) => match &v.value {
                ast::Value::SingleQuotedString(s) | ast::Value::DoubleQuotedString(s) => s.clone(),
                other => other.to_string(),
            },
            ast::Expr::UnaryOp { .. } => v.to_string().replace(' ', ""),
            other => other.to_string(),
        });
    }
    Ok(Some(parts.join(", ")))
}

fn parameter_count(sql: &str) -> Result<usize> {
    let mut highest = 0;
    for_each_token(sql, &mut |token| {
        if let sqlparser::tokenizer::Token::Placeholder(p) = token
            && let Some(n) = p.strip_prefix('$').and_then(|n| n.parse::<usize>().ok())
        {
            highest = highest.max(n);
        }
        Ok(())
    })?;
    Ok(highest)
}

/// PostgreSQL's refusal of savepoint commands outside a transaction.
fn no_transaction_block(what: &str) -> Error {
    Error::new(
        SqlState::NoActiveSqlTransaction,
        format!("{what} can only be used in transaction blocks"),
    )
}

/// PostgreSQL's refusal of a statement in a transaction that failed.
fn transaction_aborted() -> Error {
    Error::new(
        SqlState::InFailedSqlTransaction,
        "current transaction is aborted, commands ignored until end of transaction block",
    )
}

/// Calls `each` with every token of `sql`, in order.
fn for_each_token(
    sql: &str,
    each: &mut dyn FnMut(&sqlparser::tokenizer::Token) -> Result<()>,
) -> Result<()> {
    let dialect = sqlparser::dialect::PostgreSqlDialect {};
    let tokens = sqlparser::tokenizer::Tokenizer::new(&dialect, sql)
        .tokenize()
        .map_err(|e| Error::new(SqlState::SyntaxError, e.to_string()))?;
    tokens.iter().try_for_each(each)
}

/// A DELETE from `arbor_conflicts_<table>` (when no table of that name
/// exists): the table, and the WHERE clause's text.
fn conflicts_delete(
    stmt: &sqlparser::ast::Statement,
    catalog: &Catalog,
) -> Option<(String, Option<String>)> {
    use sqlparser::ast;
    let ast::Statement::Delete(delete) = stmt else {
        return None;
    };
    let (ast::FromTable::WithFromKeyword(from) | ast::FromTable::WithoutKeyword(from)) =
        &delete.from;
    let [target] = from.as_slice() else {
        return None;
    };
    let ast::TableFactor::Table { name, .. } = &target.relation else {
        return None;
    };
    let name = name.to_string().trim_matches('"').to_owned();
    let table = name.strip_prefix("arbor_conflicts_")?;
    if catalog.tables.contains_key(&name) || delete.using.is_some() {
        return None;
    }
    Some((
        table.to_owned(),
        delete.selection.as_ref().map(ToString::to_string),
    ))
}

/// An UPDATE of `arbor_conflicts_<table>` (when no table of that name
/// exists): the table, the assignments (column, expression text) and the
/// WHERE clause's text.
type ConflictsUpdate = (String, Vec<(String, String)>, Option<String>);

fn conflicts_update(
    stmt: &sqlparser::ast::Statement,
    catalog: &Catalog,
) -> Option<ConflictsUpdate> {
    use sqlparser::ast;
    let ast::Statement::Update(update) = stmt else {
        return None;
    };
    let ast::TableFactor::Table { name, .. } = &update.table.relation else {
        return None;
    };
    let name = name.to_string().trim_matches('"').to_owned();
    let table = name.strip_prefix("arbor_conflicts_")?;
    if catalog.tables.contains_key(&name) || update.from.is_some() {
        return None;
    }
    let assignments = update
        .assignments
        .iter()
        .map(|a| {
            let column = match &a.target {
                ast::AssignmentTarget::ColumnName(n) => n.to_string().trim_matches('"').to_owned(),
                ast::AssignmentTarget::Tuple(_) => a.target.to_string(),
            };
            (column, a.value.to_string())
        })
        .collect();
    Some((
        table.to_owned(),
        assignments,
        update.selection.as_ref().map(ToString::to_string),
    ))
}

fn procedure_call(stmt: &sqlparser::ast::Statement) -> Result<Option<(String, Vec<Value>)>> {
    use sqlparser::ast;
    let ast::Statement::Query(q) = stmt else {
        return Ok(None);
    };
    let ast::SetExpr::Select(select) = q.body.as_ref() else {
        return Ok(None);
    };
    let [item] = select.projection.as_slice() else {
        return Ok(None);
    };
    let (ast::SelectItem::UnnamedExpr(ast::Expr::Function(f))
    | ast::SelectItem::ExprWithAlias {
        expr: ast::Expr::Function(f),
        ..
    }) = item
    else {
        return Ok(None);
    };
    let name = f.name.to_string().to_lowercase();
    if !system::PROCEDURES.contains(&name.as_str()) {
        return Ok(None);
    }
    if !select.from.is_empty() || select.selection.is_some() {
        return Err(Error::new(
            SqlState::FeatureNotSupported,
            format!("{name} is called on its own: SELECT {name}(...)"),
        ));
    }
    let mut args = Vec::new();
    if let ast::FunctionArguments::List(list) = &f.args {
        for a in &list.args {
            let ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(ast::Expr::Value(v))) = a
            else {
                return Err(Error::new(
                    SqlState::DatatypeMismatch,
                    format!("{name} takes constant arguments"),
                ));
            };
            args.push(match &v.value {
                ast::Value::SingleQuotedString(t) => Value::Text(t.clone()),
                ast::Value::Number(n, _) => Value::Text(n.clone()),
                ast::Value::Boolean(b) => Value::Text(b.to_string()),
                _ => {
                    return Err(Error::new(
                        SqlState::DatatypeMismatch,
                        format!("{name} takes text arguments"),
                    ));
                }
            });
        }
    }
    Ok(Some((name, args)))
}
