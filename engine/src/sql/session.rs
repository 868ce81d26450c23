//! Sessions: running SQL text against a branch's working catalog.
//!
//! A session reads the branch's working set, runs statements against an
//! in-memory copy of its catalog, and publishes the result by replacing the
//! working set (one compare-and-swap of the store root). Each statement
//! works on its own copy, so a failed statement changes nothing. Outside
//! BEGIN ... COMMIT every successful statement is published at once
//! (autocommit); inside, publishing waits for COMMIT, and ROLLBACK drops the
//! copy. As in Dolt, a SQL COMMIT updates the working set; recording an Arbor
//! commit is a separate act.

use arbor_merkle::Address;
use arbor_schema::Value;

use super::dml::TableWriter;
use super::eval::{EvalContext, eval, truth};
use super::execution::{Executor, Row};
use super::parser;
use super::planner::expr::Expr;
use super::planner::{self, CatalogView, Statement, plan_statement};
use super::table::Table;
use crate::error::{Error, Result, sqlstate};
use crate::objects::{Catalog, TableObject, WorkingSet};
use crate::repo::{RefUpdate, Repository, working_set_ref};

/// What a statement produced.
#[derive(Clone, Debug, PartialEq)]
pub enum StatementResult {
    /// Rows, with column names.
    Rows {
        /// Output column names.
        columns: Vec<String>,
        /// The rows.
        rows: Vec<Row>,
    },
    /// A command's tag, as PostgreSQL reports it (`INSERT 0 3`, `CREATE TABLE`).
    Command(String),
    /// An EXPLAIN's plan text.
    Explain(String),
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
    failed: bool,
}

/// The catalog plus the repository to read table objects from.
struct SessionCatalog<'a> {
    repo: &'a Repository,
    catalog: &'a Catalog,
}

impl CatalogView for SessionCatalog<'_> {
    fn table(&self, name: &str) -> Result<Option<Table>> {
        match self.catalog.tables.get(name) {
            Some(address) => Ok(Some(Table::from_object(self.repo.read_table(address)?)?)),
            None => Ok(None),
        }
    }

    fn view(&self, name: &str) -> Option<String> {
        self.catalog.views.get(name).cloned()
    }
}

impl Session {
    /// Opens a session on `branch`.
    pub fn open(repo: Repository, branch: &str) -> Result<Session> {
        let base = repo.working_set(branch)?;
        let catalog = repo.read_catalog(&base.1.working)?;
        Ok(Session {
            repo,
            branch: branch.to_owned(),
            base,
            catalog,
            in_transaction: false,
            failed: false,
        })
    }

    /// The branch this session works on.
    pub fn branch(&self) -> &str {
        &self.branch
    }

    /// Whether a transaction is open.
    pub fn in_transaction(&self) -> bool {
        self.in_transaction
    }

    /// Runs every statement in `sql`, stopping at the first error.
    pub fn execute(&mut self, sql: &str) -> Result<Vec<StatementResult>> {
        let statements = parser::parse(sql)?;
        let mut results = Vec::with_capacity(statements.len());
        for stmt in &statements {
            results.push(self.execute_one(stmt)?);
        }
        Ok(results)
    }

    fn execute_one(&mut self, stmt: &sqlparser::ast::Statement) -> Result<StatementResult> {
        let planned = {
            let view = SessionCatalog {
                repo: &self.repo,
                catalog: &self.catalog,
            };
            plan_statement(stmt, &view)
        };
        let planned = match planned {
            Ok(p) => p,
            Err(e) => return Err(self.fail(e)),
        };
        match planned {
            Statement::Begin => {
                if self.in_transaction {
                    return Ok(StatementResult::Command("BEGIN".into()));
                }
                self.refresh()?;
                self.in_transaction = true;
                Ok(StatementResult::Command("BEGIN".into()))
            }
            Statement::Commit => {
                let failed = self.failed;
                self.in_transaction = false;
                self.failed = false;
                if failed {
                    self.refresh()?;
                    return Ok(StatementResult::Command("ROLLBACK".into()));
                }
                self.publish()?;
                Ok(StatementResult::Command("COMMIT".into()))
            }
            Statement::Rollback => {
                self.in_transaction = false;
                self.failed = false;
                self.refresh()?;
                Ok(StatementResult::Command("ROLLBACK".into()))
            }
            other => {
                if self.failed {
                    return Err(Error::new(
                        sqlstate::IN_FAILED_TRANSACTION,
                        "current transaction is aborted, commands ignored until end of transaction block",
                    ));
                }
                if !self.in_transaction {
                    self.refresh()?;
                }
                // Work on a copy: a failed statement leaves the catalog as it was.
                let mut catalog = self.catalog.clone();
                let result = self.run(other, &mut catalog);
                match result {
                    Ok(r) => {
                        let changed = catalog != self.catalog;
                        self.catalog = catalog;
                        if changed && !self.in_transaction {
                            self.publish()?;
                        }
                        Ok(r)
                    }
                    Err(e) => Err(self.fail(e)),
                }
            }
        }
    }

    fn fail(&mut self, e: Error) -> Error {
        if self.in_transaction {
            self.failed = true;
        }
        e
    }

    /// Rereads the working set (another session may have published).
    fn refresh(&mut self) -> Result<()> {
        self.base = self.repo.working_set(&self.branch)?;
        self.catalog = self.repo.read_catalog(&self.base.1.working)?;
        Ok(())
    }

    /// Writes the catalog and swaps it into the branch's working set.
    fn publish(&mut self) -> Result<()> {
        let working = self.repo.write_catalog(&self.catalog)?;
        if working == self.base.1.working {
            return Ok(());
        }
        let ws = WorkingSet {
            working,
            ..self.base.1.clone()
        };
        let address = self.repo.write_working_set(&ws)?;
        self.repo.update_refs(&[RefUpdate {
            name: working_set_ref(&self.branch),
            expected: Some(self.base.0),
            new: Some(address),
        }])?;
        self.base = (address, ws);
        Ok(())
    }

    fn run(&self, stmt: Statement, catalog: &mut Catalog) -> Result<StatementResult> {
        match stmt {
            Statement::Query { plan, columns } => {
                let executor = Executor::new(self.repo.nodes(), &[]);
                let rows = executor.execute(&plan)?.collect::<Result<Vec<_>>>()?;
                Ok(StatementResult::Rows { columns, rows })
            }
            Statement::Explain(plan) => Ok(StatementResult::Explain(plan.to_string())),
            Statement::CreateTable {
                schema,
                if_not_exists,
            } => {
                if catalog.tables.contains_key(&schema.name) {
                    if if_not_exists {
                        return Ok(StatementResult::Command("CREATE TABLE".into()));
                    }
                    return Err(Error::new(
                        sqlstate::DUPLICATE_TABLE,
                        format!("relation \"{}\" already exists", schema.name),
                    ));
                }
                // Phase 1: the complete new table, durable as chunks.
                let rows = self.repo.empty_map()?.root();
                let object = TableObject {
                    schema: schema.encode(),
                    rows,
                    indexes: Vec::new(),
                    next_row_id: 1,
                };
                let address = self.repo.write_table(&object)?;
                // Phase 2 is the catalog swap, published with the statement.
                catalog.tables.insert(schema.name.clone(), address);
                Ok(StatementResult::Command("CREATE TABLE".into()))
            }
            Statement::DropTable { names, if_exists } => {
                for name in names {
                    if catalog.tables.remove(&name).is_none() && !if_exists {
                        return Err(Error::new(
                            sqlstate::UNDEFINED_TABLE,
                            format!("table \"{name}\" does not exist"),
                        ));
                    }
                }
                Ok(StatementResult::Command("DROP TABLE".into()))
            }
            Statement::Insert {
                table,
                targets,
                source,
            } => self.insert(table, &targets, &source, catalog),
            Statement::Update {
                table,
                assignments,
                filter,
            } => self.update_or_delete(table, Some(&assignments), filter.as_ref(), catalog),
            Statement::Delete { table, filter } => {
                self.update_or_delete(table, None, filter.as_ref(), catalog)
            }
            Statement::CreateIndex {
                table,
                name,
                columns,
                unique,
                if_not_exists,
            } => {
                if self.find_index(catalog, &name)?.is_some() {
                    if if_not_exists {
                        return Ok(StatementResult::Command("CREATE INDEX".into()));
                    }
                    return Err(Error::new(
                        sqlstate::DUPLICATE_TABLE,
                        format!("relation \"{name}\" already exists"),
                    ));
                }
                self.create_index(table, name, columns, unique, catalog)?;
                Ok(StatementResult::Command("CREATE INDEX".into()))
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
                        None if if_exists => {}
                        None => {
                            return Err(Error::new(
                                sqlstate::UNDEFINED_TABLE,
                                format!("index \"{name}\" does not exist"),
                            ));
                        }
                    }
                }
                Ok(StatementResult::Command("DROP INDEX".into()))
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
                        sqlstate::DUPLICATE_TABLE,
                        format!("relation \"{name}\" already exists"),
                    ));
                }
                catalog.views.insert(name, sql);
                Ok(StatementResult::Command("CREATE VIEW".into()))
            }
            Statement::DropView { names, if_exists } => {
                for name in names {
                    if catalog.views.remove(&name).is_none() && !if_exists {
                        return Err(Error::new(
                            sqlstate::UNDEFINED_TABLE,
                            format!("view \"{name}\" does not exist"),
                        ));
                    }
                }
                Ok(StatementResult::Command("DROP VIEW".into()))
            }
            Statement::Begin | Statement::Commit | Statement::Rollback => Err(Error::new(
                sqlstate::INTERNAL_ERROR,
                "transaction control reached the executor",
            )),
        }
    }

    fn insert(
        &self,
        table: Table,
        targets: &[usize],
        source: &planner::plan::Plan,
        catalog: &mut Catalog,
    ) -> Result<StatementResult> {
        let schema = table.schema.clone();
        let defaults: Vec<Option<Value>> = schema
            .columns
            .iter()
            .map(|c| c.default.as_deref().map(|d| self.constant(d)).transpose())
            .collect::<Result<_>>()?;
        let mut writer = TableWriter::new(&self.repo, table)?;
        let executor = Executor::new(self.repo.nodes(), &[]);
        let mut count = 0u64;
        for source_row in executor.execute(source)? {
            let mut row: Row = defaults
                .iter()
                .map(|d| d.clone().unwrap_or(Value::Null))
                .collect();
            for (v, &i) in source_row?.into_iter().zip(targets) {
                row[i] = v;
            }
            let row = writer.conform(row)?;
            writer.insert(&row, None)?;
            count += 1;
        }
        let object = writer.finish()?;
        catalog
            .tables
            .insert(schema.name.clone(), self.repo.write_table(&object)?);
        Ok(StatementResult::Command(format!("INSERT 0 {count}")))
    }

    /// Updates (with `assignments`) or deletes (without) the rows matching `filter`.
    fn update_or_delete(
        &self,
        table: Table,
        assignments: Option<&[(usize, Expr)]>,
        filter: Option<&Expr>,
        catalog: &mut Catalog,
    ) -> Result<StatementResult> {
        let name = table.name().to_owned();
        let map = self.repo.map(table.object.rows)?;
        let executor = Executor::new(self.repo.nodes(), &[]);
        let ctx = executor.context();
        // Find every change first, then apply: a key an update frees may be
        // taken by another row of the same statement.
        let mut changes = Vec::new();
        for entry in map.iter()? {
            let (key, value) = entry?;
            let row = table.decode(&key, &value)?;
            let hit = match filter {
                Some(f) => truth(&eval(f, &row, &ctx)?)? == Some(true),
                None => true,
            };
            if !hit {
                continue;
            }
            let new_row = match assignments {
                Some(list) => {
                    let mut new_row = row.clone();
                    for (i, e) in list {
                        new_row[*i] = eval(e, &row, &ctx)?;
                    }
                    Some(new_row)
                }
                None => None,
            };
            changes.push((key, row, new_row));
        }
        let mut writer = TableWriter::new(&self.repo, table)?;
        for (key, row, _) in &changes {
            writer.delete(key, row)?;
        }
        for (key, _, new_row) in &changes {
            if let Some(new_row) = new_row {
                let row_id = writer.table().row_id(key)?;
                let new_row = writer.conform(new_row.clone())?;
                writer.insert(&new_row, row_id)?;
            }
        }
        let object = writer.finish()?;
        catalog.tables.insert(name, self.repo.write_table(&object)?);
        let verb = if assignments.is_some() {
            "UPDATE"
        } else {
            "DELETE"
        };
        Ok(StatementResult::Command(format!(
            "{verb} {}",
            changes.len()
        )))
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
        let index = arbor_schema::table::Index {
            name: name.clone(),
            unique,
            columns: columns
                .iter()
                .map(|(i, desc)| (schema.columns[*i].tag, *desc))
                .collect(),
        };
        schema.indexes.push(index);
        let mut object = table.object.clone();
        object.schema = schema.encode();
        object.indexes.push((name, self.repo.empty_map()?.root()));
        object.indexes.sort_by(|a, b| a.0.cmp(&b.0));
        // Re-insert every row through a writer that knows the new index:
        // it fills the index and checks uniqueness.
        let new_table = Table::new(std::sync::Arc::new(schema), object);
        let rows = self.repo.map(new_table.object.rows)?;
        let mut writer = TableWriter::new(&self.repo, new_table)?;
        let mut entries = Vec::new();
        for entry in rows.iter()? {
            let (key, value) = entry?;
            entries.push((
                writer.table().decode(&key, &value)?,
                writer.table().row_id(&key)?,
                key,
            ));
        }
        for (row, _, key) in &entries {
            writer.delete(key, row)?;
        }
        for (row, row_id, _) in &entries {
            writer.insert(row, *row_id)?;
        }
        let object = writer.finish()?;
        let table_name = table.name().to_owned();
        catalog
            .tables
            .insert(table_name, self.repo.write_table(&object)?);
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

    /// Evaluates a constant expression given as SQL text (a column default).
    fn constant(&self, sql: &str) -> Result<Value> {
        let stmts = parser::parse(&format!("SELECT {sql}"))?;
        let view = SessionCatalog {
            repo: &self.repo,
            catalog: &self.catalog,
        };
        match plan_statement(&stmts[0], &view)? {
            Statement::Query {
                plan: planner::plan::Plan::Project { exprs, .. },
                ..
            } if exprs.len() == 1 => eval(&exprs[0], &[], &EvalContext::default()),
            _ => Err(Error::unsupported(format!("the default expression {sql}"))),
        }
    }
}
