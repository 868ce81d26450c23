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

use std::collections::BTreeMap;

use arbor_merkle::{Address, Edit};
use arbor_schema::Value;

use super::eval::{EvalContext, cast, eval};
use super::execution::{Executor, Row};
use super::parser;
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
        let map = self.repo.map(table.object.rows)?;
        let mut next_row_id = table.object.next_row_id;
        let mut batch: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
        let executor = Executor::new(self.repo.nodes(), &[]);
        let mut count = 0u64;
        for source_row in executor.execute(source)? {
            let source_row = source_row?;
            let mut row: Row = defaults
                .iter()
                .map(|d| d.clone().unwrap_or(Value::Null))
                .collect();
            for (v, &i) in source_row.into_iter().zip(targets) {
                row[i] = v;
            }
            for (i, c) in schema.columns.iter().enumerate() {
                let v = std::mem::replace(&mut row[i], Value::Null);
                row[i] = cast(v, &c.data_type).map_err(|e| {
                    if e.code == "22P02" || e.code == "42846" {
                        Error::new(
                            sqlstate::DATATYPE_MISMATCH,
                            format!(
                                "column \"{}\" is of type {} but expression is of another type",
                                c.name, c.data_type
                            ),
                        )
                        .with_hint("You will need to rewrite or cast the expression.")
                        .with_detail(e.message)
                    } else {
                        e
                    }
                })?;
                if row[i].is_null() && !c.nullable {
                    return Err(Error::new(
                        sqlstate::NOT_NULL_VIOLATION,
                        format!(
                            "null value in column \"{}\" of relation \"{}\" violates not-null constraint",
                            c.name, schema.name
                        ),
                    ));
                }
            }
            let row_id = if table.has_row_id() {
                let id = i64::try_from(next_row_id)
                    .map_err(|_| Error::new("22003", "row id out of range"))?;
                next_row_id += 1;
                Some(id)
            } else {
                None
            };
            let key = table.encode_key(&row, row_id)?;
            if batch.contains_key(&key) || map.contains_key(&key)? {
                let names: Vec<&str> = schema
                    .primary_key
                    .iter()
                    .filter_map(|t| schema.tag_index(*t))
                    .map(|i| schema.columns[i].name.as_str())
                    .collect();
                let values: Vec<String> = schema
                    .primary_key
                    .iter()
                    .filter_map(|t| schema.tag_index(*t))
                    .map(|i| row[i].to_string())
                    .collect();
                return Err(Error::new(
                    sqlstate::UNIQUE_VIOLATION,
                    format!(
                        "duplicate key value violates unique constraint \"{}_pkey\"",
                        schema.name
                    ),
                )
                .with_detail(format!(
                    "Key ({})=({}) already exists.",
                    names.join(", "),
                    values.join(", ")
                )));
            }
            batch.insert(key, table.encode_value(&row));
            count += 1;
        }
        let edited = map.edit(batch.into_iter().map(|(key, value)| Edit {
            key,
            value: Some(value),
        }))?;
        let object = TableObject {
            rows: edited.root(),
            next_row_id,
            ..table.object
        };
        let address = self.repo.write_table(&object)?;
        catalog.tables.insert(schema.name.clone(), address);
        Ok(StatementResult::Command(format!("INSERT 0 {count}")))
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
