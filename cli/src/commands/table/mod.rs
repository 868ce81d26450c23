//! `arbor table import` and `arbor table export`: tables from and to CSV,
//! TSV, PSV, JSON, JSON Lines and SQL files; `cp`, `mv` and `rm`: copy,
//! rename and drop tables.

mod cp;
mod export;
mod import;
mod mv;
mod rm;

use std::path::Path;
use std::process::ExitCode;

use arbor_engine::{BranchState, Repository, Session, Table, ops};
use arbor_schema::TableSchema;

use crate::ui::CliError;

/// Arguments of `arbor table`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Load rows from a CSV, TSV, PSV, JSON or JSON Lines file into a table.
    ///
    /// The file is read as a stream and written as one statement: on any
    /// error nothing is written. CSV follows PostgreSQL's COPY CSV: an
    /// unquoted empty field is NULL, a quoted one ("") the empty string
    /// (`--null` changes the unquoted marker). Completely empty lines are
    /// skipped. TSV and PSV are CSV with a tab or `|` delimiter.
    #[command(
        after_help = "Examples:\n  arbor table import orders orders.csv --pk id\n  arbor table import orders more.csv --append\n  arbor table import orders fixed.csv --update\n  arbor table import orders orders.csv --replace"
    )]
    Import(import::Args),
    /// Write a table's rows as CSV, TSV, PSV, JSON, JSON Lines or SQL.
    #[command(
        after_help = "Examples:\n  arbor table export orders orders.csv\n  arbor table export orders --format json --where \"total > 100\"\n  arbor table export orders v1.sql --as-of v1.0"
    )]
    Export(export::Args),
    /// Copy a table: its schema (keys, constraints and indexes, named for
    /// the copy) and its rows.
    #[command(after_help = "Examples:\n  arbor table cp orders orders_backup")]
    Cp(cp::Args),
    /// Rename a table.
    #[command(after_help = "Examples:\n  arbor table mv orders purchases")]
    Mv(mv::Args),
    /// Drop tables.
    #[command(
        after_help = "Examples:\n  arbor table rm scratch\n  arbor table rm customers --cascade"
    )]
    Rm(rm::Args),
}

pub fn run(args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    match args.action {
        Action::Import(a) => import::run(a, cwd),
        Action::Export(a) => export::run(a, cwd),
        Action::Cp(a) => cp::run(a, cwd),
        Action::Mv(a) => mv::run(a, cwd),
        Action::Rm(a) => rm::run(a, cwd),
    }
}

/// A SQL session on the checked-out branch of the repository at `cwd`, and
/// that repository (for the commands that change tables through SQL).
fn session(cwd: &Path) -> Result<(Repository, Session), CliError> {
    let repository = crate::vcs::open(cwd)?;
    let branch = ops::current_branch(&repository)?;
    let session = Session::open(repository.clone(), &branch)?;
    Ok((repository, session))
}

/// The schema of a table in the branch's working set, if it exists.
pub fn working_table(repository: &Repository, name: &str) -> Result<Option<TableSchema>, CliError> {
    let branch = ops::current_branch(repository)?;
    let state = BranchState::read(repository, &branch)?;
    let catalog = repository.read_catalog(&state.working_set.working)?;
    match catalog.tables.get(name) {
        Some(a) => Ok(Some(
            Table::from_object(repository.read_table(a)?)?
                .schema
                .as_ref()
                .clone(),
        )),
        None => Ok(None),
    }
}
