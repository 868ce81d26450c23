//! `arbor table cp`: a copy of a table under a new name, with its schema
//! (keys, constraints, indexes, named for the copy) and its rows.

use std::path::Path;
use std::process::ExitCode;

use arbor_schema::sql_text::quote_identifier as ident;

use super::working_table;
use crate::ui::CliError;

/// Arguments of `arbor table cp`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The table to copy.
    from: String,
    /// The copy's name.
    to: String,
}

pub fn run(args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    let (repository, mut session) = super::session(cwd)?;
    let Some(schema) = working_table(&repository, &args.from)? else {
        return Err(CliError::new(format!(
            "table \"{}\" does not exist",
            args.from
        )));
    };
    let copy = schema.copied_as(&args.to);
    let script = format!(
        "BEGIN; {} INSERT INTO {} SELECT * FROM {}; COMMIT",
        copy.to_create_sql(),
        ident(&args.to),
        ident(&args.from)
    );
    if let Err(e) = session.execute(&script) {
        let _ = session.execute("ROLLBACK");
        return Err(e.into());
    }
    Ok(ExitCode::SUCCESS)
}
