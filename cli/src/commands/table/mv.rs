//! `arbor table mv`: rename a table (`ALTER TABLE ... RENAME TO`).

use std::path::Path;
use std::process::ExitCode;

use arbor_schema::sql_text::quote_identifier as ident;

use crate::ui::CliError;

/// Arguments of `arbor table mv`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The table.
    from: String,
    /// Its new name.
    to: String,
}

pub fn run(args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    let (_, mut session) = super::session(cwd)?;
    session.execute(&format!(
        "ALTER TABLE {} RENAME TO {}",
        ident(&args.from),
        ident(&args.to)
    ))?;
    Ok(ExitCode::SUCCESS)
}
