//! `arbor table rm`: drop tables (`DROP TABLE`), all or none.

use std::path::Path;
use std::process::ExitCode;

use arbor_engine::SqlState;
use arbor_schema::sql_text::quote_identifier as ident;

use crate::ui::CliError;

/// Arguments of `arbor table rm`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Also drop the foreign keys of other tables that refer to these.
    #[arg(long)]
    cascade: bool,
    /// The tables.
    #[arg(required = true)]
    tables: Vec<String>,
}

pub fn run(args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    let (_, mut session) = super::session(cwd)?;
    let names: Vec<String> = args.tables.iter().map(|t| ident(t)).collect();
    let cascade = if args.cascade { " CASCADE" } else { "" };
    let dropped = session.execute(&format!("DROP TABLE {}{cascade}", names.join(", ")));
    crate::ui::print_notices(&session.take_notices());
    dropped.map_err(|e| {
        let referenced = e.code == SqlState::DependentObjectsStillExist;
        let e = CliError::from(e);
        if referenced {
            e.with_hint("add --cascade to drop the foreign keys that refer to it too")
        } else {
            e
        }
    })?;
    Ok(ExitCode::SUCCESS)
}
