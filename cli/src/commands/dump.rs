//! `arbor dump`: every table of the working set (or of a revision) at once:
//! as one SQL script, or as one CSV, TSV, PSV, JSON or JSON Lines file per
//! table in a folder.
//!
//! The script is ordered as pg_dump orders one, so that it loads into an
//! empty repository with `arbor sql -f` and into PostgreSQL with `psql -f`:
//! the sequences, each table without its foreign keys and then its rows,
//! the sequences set to where they were, the foreign keys (rows that
//! reference each other in any order load), and the views, each after the
//! views it reads.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use arbor_engine::io::{FileFormat, export};
use arbor_engine::{BranchState, Catalog, Repository, Sequence, Session, Table, ops};
use arbor_schema::sql_text::{quote_identifier as ident, quote_string as string_literal};

use crate::output::{Existing, Output};
use crate::ui::CliError;
use crate::vcs;

/// Arguments of `arbor dump`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  arbor dump > backup.sql                    then, elsewhere: arbor init && arbor sql -f backup.sql
  arbor dump --as-of v1.0 release.sql
  arbor dump --format csv tables/            one CSV file per table
  psql -d mydb -f backup.sql                 the script loads into PostgreSQL too")]
pub struct Args {
    /// Where to write: for SQL a file (standard output when left out or
    /// `-`), for the other formats a folder (made if missing) that gets a
    /// file per table, named after it.
    output: Option<PathBuf>,
    /// The format.
    #[arg(long, value_enum, default_value = "sql")]
    format: FileFormat,
    /// The tables as of a revision (a branch, tag or commit).
    #[arg(long, value_name = "REVISION")]
    as_of: Option<String>,
    /// Replace files that exist (without this, a dump refuses to).
    #[arg(short, long)]
    force: bool,
}

pub fn run(args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    // A dump only reads: it runs beside a writer.
    let repository = vcs::open_read_only(cwd)?;
    vcs::read_once(&repository);
    let branch = ops::current_branch(&repository)?;
    let catalog = match &args.as_of {
        Some(rev) => {
            let commit = ops::resolve_revision(&repository, &branch, rev)?;
            repository.read_catalog(&repository.read_commit(&commit)?.catalog)?
        }
        None => {
            let state = BranchState::read(&repository, &branch)?;
            repository.read_catalog(&state.working_set.working)?
        }
    };
    let tables = read_tables(&repository, &catalog)?;
    let mut session = Session::open(repository, &branch)?;
    let existing = if args.force {
        Existing::Replace
    } else {
        Existing::Refuse
    };
    if args.format == FileFormat::Sql {
        let target = args.output.as_deref().filter(|t| t.as_os_str() != "-");
        let output = Output::open(cwd, target, existing)?;
        let output = write_script(&mut session, &args, &catalog, &tables, output)?;
        output.finish()?;
        return Ok(ExitCode::SUCCESS);
    }
    let Some(dir) = &args.output else {
        return Err(CliError::new(format!(
            "a dump as {} needs a folder to write a file per table into",
            format_name(args.format)
        ))
        .with_hint(format!(
            "name one: arbor dump --format {} <folder>",
            format_name(args.format)
        )));
    };
    std::fs::create_dir_all(cwd.join(dir))
        .map_err(|e| CliError::new(format!("cannot make {}: {e}", dir.display())))?;
    for table in &tables {
        let file = dir.join(format!("{}.{}", table.name(), format_name(args.format)));
        let output = Output::open(cwd, Some(&file), existing)?;
        let row_format = args
            .format
            .row_format(args.format.delimiter(), false, table.name());
        let (output, _) = export(
            &mut session,
            &select_all(table.name(), args.as_of.as_deref()),
            row_format,
            output,
        )?;
        output.finish()?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The extension and name of a file format.
fn format_name(format: FileFormat) -> &'static str {
    match format {
        FileFormat::Csv => "csv",
        FileFormat::Tsv => "tsv",
        FileFormat::Psv => "psv",
        FileFormat::Json => "json",
        FileFormat::Jsonl => "jsonl",
        FileFormat::Sql => "sql",
    }
}

/// The catalog's tables, in name order.
fn read_tables(repository: &Repository, catalog: &Catalog) -> Result<Vec<Table>, CliError> {
    catalog
        .tables
        .values()
        .map(|address| Ok(Table::from_object(repository.read_table(address)?)?))
        .collect()
}

/// `SELECT * FROM table`, as of `as_of` if given.
fn select_all(table: &str, as_of: Option<&str>) -> String {
    match as_of {
        Some(rev) => format!(
            "SELECT * FROM {} AS OF {}",
            ident(table),
            string_literal(rev)
        ),
        None => format!("SELECT * FROM {}", ident(table)),
    }
}

/// Writes the SQL script (see the module documentation) to `out`.
fn write_script(
    session: &mut Session,
    args: &Args,
    catalog: &Catalog,
    tables: &[Table],
    mut out: Output,
) -> Result<Output, CliError> {
    let write_error = |e: std::io::Error| CliError::new(format!("cannot write output: {e}"));
    // Types first: the tables' columns are of them.
    for definition in catalog.types.values() {
        writeln!(out, "{definition};").map_err(write_error)?;
    }
    let sequences = sequence_states(catalog)?;
    for (name, s) in &sequences {
        writeln!(
            out,
            "CREATE SEQUENCE {} INCREMENT BY {} MINVALUE {} MAXVALUE {};",
            ident(name),
            s.increment,
            s.min,
            s.max
        )
        .map_err(write_error)?;
    }
    for table in tables {
        let mut schema = (*table.schema).clone();
        schema.foreign_keys.clear();
        writeln!(out, "\n{}", schema.to_create_sql()).map_err(write_error)?;
        let row_format = FileFormat::Sql.row_format(b',', false, table.name());
        let sql = select_all(table.name(), args.as_of.as_deref());
        (out, _) = export(session, &sql, row_format, out)?;
    }
    if !sequences.is_empty() {
        writeln!(out).map_err(write_error)?;
    }
    for (name, s) in &sequences {
        writeln!(
            out,
            "SELECT setval({}, {}, {});",
            string_literal(name),
            s.last,
            s.called
        )
        .map_err(write_error)?;
    }
    for table in tables {
        for fk in &table.schema.foreign_keys {
            writeln!(
                out,
                "ALTER TABLE {} ADD {};",
                ident(table.name()),
                table.schema.foreign_key_sql(fk)
            )
            .map_err(write_error)?;
        }
    }
    // After the tables their bodies read (a body is bound when it is
    // created) and before the views that may call them.
    for definition in catalog.functions.values() {
        writeln!(out, "{definition};").map_err(write_error)?;
    }
    for (name, query) in views_in_order(catalog) {
        writeln!(out, "CREATE VIEW {} AS {query};", ident(name)).map_err(write_error)?;
    }
    // Last, when everything they describe exists.
    for (object, text) in &catalog.comments {
        if let Some(statement) = arbor_engine::comment_statement(object, Some(text)) {
            writeln!(out, "{statement}").map_err(write_error)?;
        }
    }
    Ok(out)
}

/// Each sequence of the catalog, decoded.
fn sequence_states(catalog: &Catalog) -> Result<Vec<(&String, Sequence)>, CliError> {
    catalog
        .sequences
        .iter()
        .map(|(name, bytes)| Ok((name, Sequence::decode(bytes)?)))
        .collect()
}

/// The views, each after the views its query names (by a plain look at
/// the words of the query; views that name each other keep name order).
fn views_in_order(catalog: &Catalog) -> Vec<(&String, &String)> {
    let mut pending: Vec<(&String, &String)> = catalog.views.iter().collect();
    let mut ordered = Vec::with_capacity(pending.len());
    while !pending.is_empty() {
        let names_a_pending = |query: &str, own: &str| {
            pending
                .iter()
                .any(|(other, _)| other.as_str() != own && mentions(query, other))
        };
        let ready = pending
            .iter()
            .position(|(name, query)| !names_a_pending(query, name))
            .unwrap_or(0);
        ordered.push(pending.remove(ready));
    }
    ordered
}

/// Whether `query` has `name` as a whole word.
fn mentions(query: &str, name: &str) -> bool {
    query
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .any(|word| word.eq_ignore_ascii_case(name))
}
