//! `arbor schema show`: the working set's tables as CREATE TABLE statements.

use std::path::Path;
use std::process::ExitCode;

use arbor_engine::{BranchState, Table, ops};
use arbor_schema::sql_text::quote_identifier_if_needed as ident;

use crate::ui::CliError;
use crate::vcs;

/// Arguments of `arbor schema`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Print CREATE TABLE (and CREATE INDEX, CREATE TYPE, CREATE FUNCTION, CREATE VIEW) statements.
    #[command(after_help = "Examples:\n  arbor schema show\n  arbor schema show orders customers")]
    Show {
        /// Only these tables, views, types or functions (all by default).
        tables: Vec<String>,
    },
}

pub fn run(args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    let Action::Show { tables } = args.action;
    let repository = vcs::open(cwd)?;
    let branch = ops::current_branch(&repository)?;
    let state = BranchState::read(&repository, &branch)?;
    let catalog = repository.read_catalog(&state.working_set.working)?;
    for name in &tables {
        if !catalog.has_object(name) {
            return Err(CliError::new(format!("relation \"{name}\" does not exist")));
        }
    }
    let wanted = |name: &str| tables.is_empty() || tables.iter().any(|t| t == name);
    // Types first (tables' columns are of them), then the tables, the
    // functions (whose bodies read tables) and the views.
    let mut statements = Vec::new();
    for (name, definition) in &catalog.types {
        if wanted(name) {
            statements.push(format!("{definition};\n"));
        }
    }
    for (name, address) in &catalog.tables {
        if wanted(name) {
            let table = Table::from_object(repository.read_table(address)?)?;
            statements.push(table.schema.to_create_sql());
        }
    }
    for (signature, definition) in &catalog.functions {
        if wanted(signature) || wanted(arbor_engine::function_name(signature)) {
            statements.push(format!("{definition};\n"));
        }
    }
    for (name, sql) in &catalog.views {
        if wanted(name) {
            statements.push(format!(
                "CREATE VIEW {} AS {};\n",
                ident(name),
                sql.trim_end_matches(';')
            ));
        }
    }
    print!("{}", statements.join("\n"));
    Ok(ExitCode::SUCCESS)
}
