//! `arbor blame`: which commit last changed each row of a table.

use std::path::Path;
use std::process::ExitCode;

use arbor_engine::StatementResult;
use arbor_engine::ops::blame;
use arbor_schema::Value;

use crate::render::{self, Format};
use crate::ui::CliError;
use crate::vcs;

/// Arguments of `arbor blame`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The table.
    table: String,
    /// The revision to blame at (default HEAD).
    revision: Option<String>,
    /// How to print the rows.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

pub fn run(args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    let repository = vcs::open_read_only(cwd)?;
    let at = vcs::resolve(&repository, args.revision.as_deref().unwrap_or("HEAD"))?;
    let (table, lines) = blame(&repository, at, &args.table)?;
    let mut columns = vec![
        "commit".to_owned(),
        "author".to_owned(),
        "message".to_owned(),
    ];
    columns.extend(table.schema.columns.iter().map(|c| c.name.clone()));
    let mut rows = Vec::with_capacity(lines.len());
    for line in lines {
        let commit = repository.read_commit(&line.commit)?;
        let mut row = vec![
            Value::Text(line.commit.short(8)),
            Value::Text(commit.author.name.clone()),
            Value::Text(vcs::subject(&commit).to_owned()),
        ];
        row.extend(line.row);
        rows.push(row);
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    render::print(
        &mut out,
        &StatementResult::Rows {
            types: vec![None; columns.len()],
            columns,
            rows,
            tag: None,
        },
        args.format,
    )
    .map_err(|e| CliError::new(format!("cannot write output: {e}")))?;
    Ok(ExitCode::SUCCESS)
}
