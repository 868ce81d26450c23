//! `arbor table export`: a table's rows to a file or standard output.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use arbor_engine::io::{FileFormat, export, parse_delimiter};
use arbor_engine::{BranchState, Repository, Session, Table, ops};
use arbor_schema::sql_text::{quote_identifier as ident, quote_string as string_literal};

use crate::output::{Existing, Output};
use crate::ui::CliError;
use crate::vcs;

/// Arguments of `arbor table export`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The table.
    table: String,
    /// The file to write (standard output when left out or `-`).
    file: Option<PathBuf>,
    /// The format (by default from the file's extension, else CSV). CSV-like
    /// formats write NULL as an empty field and the empty string as "".
    #[arg(long, value_enum)]
    format: Option<FileFormat>,
    /// Only the rows for which this SQL condition holds.
    #[arg(long = "where", value_name = "CONDITION")]
    predicate: Option<String>,
    /// The table as of a revision (a branch, tag or commit).
    #[arg(long, value_name = "REVISION")]
    as_of: Option<String>,
    /// The field delimiter of a CSV-like format.
    #[arg(long, value_name = "CHAR")]
    delimiter: Option<String>,
    /// Prefix text cells starting with `=`, `+`, `-`, `@`, a tab or a
    /// carriage return with `'` so that spreadsheets do not run them as
    /// formulas (CSV, TSV and PSV only; numbers are left as they are).
    #[arg(long)]
    spreadsheet_safe: bool,
    /// Replace the file if it exists (without this, an export refuses to).
    #[arg(short, long)]
    force: bool,
}

pub fn run(args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    let to_file = args.file.as_ref().filter(|f| f.as_os_str() != "-");
    let format = args
        .format
        .or_else(|| to_file.and_then(|f| FileFormat::from_path(f)))
        .unwrap_or(FileFormat::Csv);
    let delimiter = match &args.delimiter {
        Some(d) => parse_delimiter(d)?,
        None => format.delimiter(),
    };
    // An export only reads: it runs beside a writer, and on a damaged
    // journal up to the damage.
    let repository = vcs::open_read_only(cwd)?;
    vcs::read_once(&repository);
    let branch = ops::current_branch(&repository)?;
    // As SQL, the table comes first (as pg_dump writes it), so that the
    // file loads into an empty repository with `arbor sql -f`.
    let (create, after_rows) = if format == FileFormat::Sql {
        create_sql(&repository, &branch, &args)?
    } else {
        (String::new(), String::new())
    };
    let mut session = Session::open(repository, &branch)?;
    let mut sql = format!("SELECT * FROM {}", ident(&args.table));
    if let Some(rev) = &args.as_of {
        sql.push_str(&format!(" AS OF {}", string_literal(rev)));
    }
    if let Some(p) = &args.predicate {
        sql.push_str(&format!(" WHERE {p}"));
    }
    // Rows go out as the query yields them: the table is never in memory.
    // A file is put in place only when the export is complete ([`Output`]).
    let existing = if args.force {
        Existing::Replace
    } else {
        Existing::Refuse
    };
    let mut output = Output::open(cwd, to_file.map(PathBuf::as_path), existing)?;
    let write_error = |e: std::io::Error| CliError::new(format!("cannot write output: {e}"));
    if !create.is_empty() {
        writeln!(output, "{create}").map_err(write_error)?;
    }
    let row_format = format.row_format(delimiter, args.spreadsheet_safe, &args.table);
    let (mut output, _) = export(&mut session, &sql, row_format, output)?;
    output
        .write_all(after_rows.as_bytes())
        .map_err(write_error)?;
    output.finish()?;
    Ok(ExitCode::SUCCESS)
}

/// The statements that make the exported table (its serial columns'
/// sequences, CREATE TABLE, its indexes), as of `--as-of` if given, else in
/// the working set; and those that set the sequences past the rows once
/// they are in.
fn create_sql(
    repository: &Repository,
    branch: &str,
    args: &Args,
) -> Result<(String, String), CliError> {
    let catalog = match &args.as_of {
        Some(rev) => {
            let commit = ops::resolve_revision(repository, branch, rev)?;
            repository.read_catalog(&repository.read_commit(&commit)?.catalog)?
        }
        None => {
            let state = BranchState::read(repository, branch)?;
            repository.read_catalog(&state.working_set.working)?
        }
    };
    let address = catalog
        .tables
        .get(&args.table)
        .ok_or_else(|| CliError::new(format!("relation \"{}\" does not exist", args.table)))?;
    let schema = Table::from_object(repository.read_table(address)?)?.schema;
    let mut before = String::new();
    let mut after = String::new();
    for c in &schema.columns {
        let sequence = c.default.as_deref().and_then(|d| {
            d.strip_prefix("nextval('")
                .and_then(|rest| rest.strip_suffix("')"))
        });
        if let Some(sequence) = sequence {
            before.push_str(&format!("CREATE SEQUENCE {};\n", ident(sequence)));
            after.push_str(&format!(
                "SELECT setval({}, max({})) FROM {} HAVING count(*) > 0;\n",
                string_literal(sequence),
                ident(&c.name),
                ident(&args.table)
            ));
        }
    }
    before.push_str(&schema.to_create_sql());
    Ok((before, after))
}
