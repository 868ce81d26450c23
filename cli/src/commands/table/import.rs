//! `arbor table import`: rows from a file into a table, in one transaction.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use arbor_engine::io::{
    ColumnGuess, FileFormat, InputError, InputFile, Rows, Skipped, Target, input_error,
};
use arbor_engine::{Session, StatementResult, ops};
use arbor_schema::Value;
use arbor_schema::sql_text::quote_identifier as ident;
use arbor_schema::table::MAX_COLUMNS;

use super::working_table;
use crate::data_files::input_file;
use crate::ui::CliError;
use crate::{progress, vcs};

/// Arguments of `arbor table import`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("mode").args(["create", "update", "replace", "append"])))]
pub struct Args {
    /// The table.
    table: String,
    /// The file to read (`-`: standard input, with --format).
    file: PathBuf,
    /// Create the table, each column's type inferred from the data (a type
    /// that prints every value back as written, else text) and NULL
    /// allowed (the default when the table does not exist).
    #[arg(long)]
    create: bool,
    /// Insert or update rows by primary key (upsert).
    #[arg(long)]
    update: bool,
    /// Replace all the table's rows with the file's.
    #[arg(long)]
    replace: bool,
    /// Add the file's rows to the table.
    #[arg(long)]
    append: bool,
    /// The primary key of a created table (else rows get a hidden key).
    #[arg(long, value_name = "COLUMN,...", value_delimiter = ',')]
    pk: Vec<String>,
    /// The file's format (by default from its extension).
    #[arg(long, value_enum)]
    format: Option<FileFormat>,
    /// The field delimiter of a CSV-like file (one character; `tab` or `\t`).
    #[arg(long, value_name = "CHAR")]
    delimiter: Option<String>,
    /// The file has no header line: its columns are c1, c2, ...
    #[arg(long)]
    no_header: bool,
    /// The unquoted text that stands for NULL in a CSV-like file (default:
    /// the empty field; a quoted field is never NULL).
    #[arg(long, value_name = "TEXT")]
    null: Option<String>,
    /// What to do with bytes that are not UTF-8: refuse the row (`error`,
    /// the default; with --continue the row is skipped) or read them as
    /// U+FFFD (`replace`).
    #[arg(long, value_enum, default_value = "error", value_name = "WHAT")]
    invalid_utf8: InvalidUtf8,
    /// Print nothing on success (and no progress bar).
    #[arg(short, long)]
    quiet: bool,
    /// Skip rows that cannot be read or converted, and report them.
    #[arg(long = "continue")]
    keep_going: bool,
}

/// `--invalid-utf8`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum InvalidUtf8 {
    /// Refuse the row.
    Error,
    /// Read the bytes as U+FFFD.
    Replace,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Create,
    Update,
    Replace,
    Append,
}

/// The columns of an existing table, as import targets, and its key.
fn existing_targets(schema: &arbor_schema::TableSchema) -> (Vec<Target>, Vec<String>) {
    let targets = schema
        .columns
        .iter()
        .map(|c| Target {
            name: c.name.clone(),
            data_type: c.data_type.clone(),
            has_default: c.default.is_some(),
        })
        .collect();
    let pk = schema
        .primary_key
        .iter()
        .filter_map(|t| schema.column_by_tag(*t).map(|c| c.name.clone()))
        .collect();
    (targets, pk)
}

/// A new table `table` for a file's `header` with these `guesses`: the
/// import targets and the CREATE TABLE statement (keyed by `pk`, if any).
/// Columns take NULL, as CREATE TABLE's do by default, so that a later
/// `--append` may leave a value out; the key's are NOT NULL by being a key.
fn new_table(
    table: &str,
    pk: &[String],
    file: &str,
    header: &[String],
    guesses: &[ColumnGuess],
) -> Result<(Vec<Target>, String), CliError> {
    if header.is_empty() {
        return Err(CliError::new(format!(
            "{file} has no columns to create table \"{table}\" from"
        )));
    }
    if let Some(k) = pk.iter().find(|k| !header.contains(k)) {
        return Err(CliError::new(format!("--pk: {file} has no column \"{k}\"")));
    }
    let mut defs: Vec<String> = header
        .iter()
        .zip(guesses)
        .map(|(name, g)| format!("{} {}", ident(name), g.data_type()))
        .collect();
    if !pk.is_empty() {
        let cols: Vec<String> = pk.iter().map(|c| ident(c)).collect();
        defs.push(format!("PRIMARY KEY ({})", cols.join(", ")));
    }
    let targets = header
        .iter()
        .zip(guesses)
        .map(|(name, g)| Target {
            name: name.clone(),
            data_type: g.data_type(),
            has_default: false,
        })
        .collect();
    let sql = format!("CREATE TABLE {} ({})", ident(table), defs.join(", "));
    Ok((targets, sql))
}

/// The rows a new table's types are first guessed from.
const SAMPLE_ROWS: u64 = 10_000;

/// Whether two sets of guesses make the same columns.
fn same_columns(first: &[ColumnGuess], all: &[ColumnGuess]) -> bool {
    first.len() == all.len()
        && first
            .iter()
            .zip(all)
            .all(|(a, b)| a.data_type() == b.data_type())
}

/// Prints how many rows `--continue` skipped, and the first few, to
/// standard error.
fn report_skipped(skipped: &Skipped) {
    if skipped.count() == 0 {
        return;
    }
    eprintln!(
        "skipped {} bad row{}:",
        skipped.count(),
        if skipped.count() == 1 { "" } else { "s" }
    );
    for s in skipped.first() {
        eprintln!("  {s}");
    }
    if skipped.count() > skipped.first().len() as u64 {
        eprintln!("  ...");
    }
}

pub fn run(args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    // Standard input is read twice (types, then rows): it is first spooled
    // to a temporary file, so memory stays flat.
    let spooled = if args.file.as_os_str() == "-" {
        if args.format.is_none() {
            return Err(CliError::new("the format of standard input is unknown")
                .with_hint("name it with --format csv|tsv|psv|json|jsonl"));
        }
        let mut file = tempfile::NamedTempFile::new()
            .map_err(|e| CliError::new(format!("cannot spool standard input: {e}")))?;
        std::io::copy(&mut std::io::stdin().lock(), &mut file)
            .map_err(|e| CliError::new(format!("cannot read standard input: {e}")))?;
        Some(file)
    } else {
        None
    };
    let path = spooled.as_ref().map_or(args.file.as_path(), |f| f.path());
    let mut input = InputFile {
        delimiter: args.delimiter.clone(),
        no_header: args.no_header,
        null: args.null.clone(),
        lossy: args.invalid_utf8 == InvalidUtf8::Replace,
        ..input_file(cwd, path, args.format, "--format")?
    };
    if spooled.is_some() {
        "<stdin>".clone_into(&mut input.name);
    }
    let file = input.name.clone();
    let size = std::fs::metadata(&input.path).map_or(0, |m| m.len());
    let repository = vcs::open(cwd)?;
    let branch = ops::current_branch(&repository)?;
    let existing = working_table(&repository, &args.table)?;
    let mode = match (&existing, args.update, args.replace, args.append) {
        (_, true, _, _) => Mode::Update,
        (_, _, true, _) => Mode::Replace,
        (_, _, _, true) => Mode::Append,
        _ => Mode::Create,
    };
    if mode == Mode::Create && existing.is_some() {
        return Err(
            CliError::new(format!("table \"{}\" already exists", args.table)).with_hint(
                "add to it with --append, upsert with --update, or swap its rows with --replace",
            ),
        );
    }
    if mode != Mode::Create && existing.is_none() {
        return Err(
            CliError::new(format!("table \"{}\" does not exist", args.table))
                .with_hint("leave out --update, --replace and --append to create it"),
        );
    }
    if !args.pk.is_empty() && mode != Mode::Create {
        return Err(CliError::new(
            "--pk only applies when the import creates the table",
        ));
    }

    // A new table from a CSV-like file takes its types from the first
    // SAMPLE_ROWS rows, and every row read narrows the guesses again on the
    // way in (one pass over the file instead of two); if the whole file
    // disagrees with the sample, the import starts again. A JSON file (whose
    // columns can appear late) and --continue always scan first.
    let mut sample = existing.is_none() && !input.is_json() && !args.keep_going;
    let mut known: Option<(Vec<String>, Vec<ColumnGuess>)> = None;
    loop {
        let mut sampled: Option<(Vec<String>, Vec<ColumnGuess>)> = None;
        let mut create_sql = None;
        let (targets, pk): (Vec<Target>, Vec<String>) = match &existing {
            Some(schema) => existing_targets(schema),
            None => {
                // A header too wide for a table is refused before the file
                // is read (a JSON file's columns show only as it is read).
                if !input.is_json() {
                    let columns = input.open()?.header().len();
                    if columns > MAX_COLUMNS {
                        return Err(CliError::new(format!(
                            "{file} has {columns} columns: a table can have at most {MAX_COLUMNS}"
                        ))
                        .with_hint("split the file into files of fewer columns (PostgreSQL has the same limit)"));
                    }
                }
                // First the types: from the whole file, or (see above) from
                // its first rows.
                let (header, guesses) = match known.take() {
                    Some(known) => known,
                    None => {
                        let bar = progress::bytes(
                            size,
                            if sample { "sampling" } else { "scanning" },
                            args.quiet,
                        );
                        let scanning = InputFile {
                            progress: Some(progress::reading(&bar)),
                            ..input.clone()
                        };
                        let limit = sample.then_some(SAMPLE_ROWS);
                        let scanned = scanning.infer_columns_limited(args.keep_going, limit);
                        bar.finish_and_clear();
                        scanned?
                    }
                };
                let (targets, sql) = new_table(&args.table, &args.pk, &file, &header, &guesses)?;
                sampled = Some((header, guesses));
                create_sql = Some(sql);
                (targets, args.pk.clone())
            }
        };
        if mode == Mode::Update && pk.is_empty() {
            return Err(CliError::new(format!(
                "table \"{}\" has no primary key to match rows by",
                args.table
            ))
            .with_hint("use --append or --replace"));
        }

        let bar = progress::bytes(size, "importing", args.quiet);
        let input = InputFile {
            progress: Some(progress::reading(&bar)),
            ..input.clone()
        };
        let mut source = input.open()?;
        let json = input.is_json();
        if !json {
            let header = source.header();
            let names: std::collections::HashSet<&str> =
                targets.iter().map(|t| t.name.as_str()).collect();
            let unknown: Vec<String> = header
                .iter()
                .filter(|h| !names.contains(h.as_str()))
                .map(|h| format!("\"{h}\""))
                .collect();
            if !unknown.is_empty() {
                // Named up to a screenful; a file of thousands says how many.
                const NAMED: usize = 10;
                let mut named = unknown[..unknown.len().min(NAMED)].join(", ");
                if unknown.len() > NAMED {
                    named.push_str(&format!(" and {} more", unknown.len() - NAMED));
                }
                return Err(CliError::new(format!(
                    "{file}: {} {} not in table \"{}\"",
                    if unknown.len() == 1 {
                        "column"
                    } else {
                        "columns"
                    },
                    named,
                    args.table
                ))
                .with_hint("nothing was imported"));
            }
            if mode == Mode::Update {
                let missing: Vec<&String> = pk.iter().filter(|k| !header.contains(k)).collect();
                if let Some(k) = missing.first() {
                    return Err(CliError::new(format!(
                        "{file}: the primary key column \"{k}\" is missing"
                    )));
                }
            }
        }
        // Columns the file leaves out get their DEFAULT: only INSERT statements
        // evaluate them.
        let needs_defaults = targets
            .iter()
            .any(|t| t.has_default && (json || !source.header().contains(&t.name)));
        let by_statements = mode == Mode::Update || needs_defaults;

        let mut session = Session::open(repository.clone(), &branch)?;
        session.execute("BEGIN")?;
        let mut rows = Rows::new(
            &file,
            &args.table,
            source.as_mut(),
            &targets,
            args.keep_going,
        );
        if sample && let Some((header, _)) = &sampled {
            rows.conv.observed = Some(vec![ColumnGuess::default(); header.len()]);
        }
        let outcome = (|| -> Result<u64, CliError> {
            if let Some(sql) = &create_sql {
                session.execute(sql)?;
            }
            if mode == Mode::Replace {
                session.execute(&format!("DELETE FROM {}", ident(&args.table)))?;
            }
            if by_statements {
                let conflict = (mode == Mode::Update).then_some(pk.as_slice());
                insert_statements(&mut session, &args.table, &mut rows, conflict)
            } else {
                rows.insert(&mut session).map_err(CliError::from_rows)
            }
        })();
        if sample {
            // The table was made from the first rows' guesses: it stands only
            // if every row agreed, so it is exactly what a scan of the whole
            // file would have made. Otherwise start again, from the guesses of
            // the whole file when the rows were all read, else from a scan.
            let observed = rows.conv.observed.take();
            let agreed = match (&outcome, &sampled, &observed) {
                (Ok(_), Some((_, first)), Some(all)) => same_columns(first, all),
                _ => false,
            };
            if !agreed {
                let _ = session.execute("ROLLBACK");
                sample = false;
                if outcome.is_ok() {
                    known = sampled.map(|(header, _)| header).zip(observed);
                }
                continue;
            }
        }
        let count = match outcome {
            Ok(n) => n,
            Err(e) => {
                let _ = session.execute("ROLLBACK");
                return Err(e);
            }
        };
        bar.finish_and_clear();
        let committed = session.execute("COMMIT")?;
        if committed.last() != Some(&StatementResult::command("COMMIT")) {
            return Err(CliError::new("the import was rolled back"));
        }
        let skipped = rows.skipped;
        if !args.quiet {
            let verb = match mode {
                Mode::Create => "created table",
                Mode::Update => "upserted into",
                Mode::Replace => "replaced the rows of",
                Mode::Append => "appended to",
            };
            println!(
                "{verb} \"{}\": {count} row{} from {file}",
                args.table,
                if count == 1 { "" } else { "s" }
            );
        }
        report_skipped(&skipped);
        return Ok(ExitCode::SUCCESS);
    }
}

/// Writes rows with INSERT statements, in batches of rows that name the
/// same columns, their values passed as parameters; with `conflict`, an
/// upsert on those key columns.
fn insert_statements(
    session: &mut Session,
    table: &str,
    rows: &mut Rows<'_>,
    conflict: Option<&[String]>,
) -> Result<u64, CliError> {
    const BATCH: usize = 500;
    let mut total = 0u64;
    let mut columns: Vec<bool> = Vec::new();
    let mut values: Vec<Value> = Vec::new();
    let mut lines = (0u64, 0u64);
    let flush = |session: &mut Session,
                 rows: &Rows<'_>,
                 columns: &[bool],
                 values: &mut Vec<Value>,
                 lines: (u64, u64)|
     -> Result<u64, CliError> {
        if values.is_empty() {
            return Ok(0);
        }
        let names: Vec<&str> = rows
            .conv
            .targets
            .iter()
            .zip(columns)
            .filter(|(_, p)| **p)
            .map(|(t, _)| t.name.as_str())
            .collect();
        let list: Vec<String> = names.iter().map(|n| ident(n)).collect();
        let tuples: Vec<String> = (0..values.len() / names.len())
            .map(|row| {
                let first = row * names.len() + 1;
                let params: Vec<String> = (first..first + names.len())
                    .map(|n| format!("${n}"))
                    .collect();
                format!("({})", params.join(", "))
            })
            .collect();
        let mut sql = format!(
            "INSERT INTO {} ({}) VALUES {}",
            ident(table),
            list.join(", "),
            tuples.join(", ")
        );
        if let Some(keys) = conflict {
            let keys_sql: Vec<String> = keys.iter().map(|k| ident(k)).collect();
            let sets: Vec<String> = names
                .iter()
                .filter(|n| !keys.iter().any(|k| k == *n))
                .map(|n| format!("{0} = EXCLUDED.{0}", ident(n)))
                .collect();
            if sets.is_empty() {
                sql.push_str(&format!(
                    " ON CONFLICT ({}) DO NOTHING",
                    keys_sql.join(", ")
                ));
            } else {
                sql.push_str(&format!(
                    " ON CONFLICT ({}) DO UPDATE SET {}",
                    keys_sql.join(", "),
                    sets.join(", ")
                ));
            }
        }
        let written = session
            .prepare(&sql)
            .and_then(|mut statement| session.execute_prepared(&mut statement, values));
        values.clear();
        let n = written
            .map(|r| r.rows_written().unwrap_or(0))
            .map_err(|e| {
                let at = if lines.0 == lines.1 {
                    format!("{}:{}", rows.file, lines.0)
                } else {
                    format!("{}:{}-{}", rows.file, lines.0, lines.1)
                };
                CliError {
                    message: format!("{at}: {}", e.message),
                    detail: e.detail.as_ref().map(|d| format!("DETAIL: {d}")),
                    hint: Some("nothing was imported".into()),
                }
            })?;
        Ok(n)
    };
    while let Some(row) = rows.next_row() {
        let row = row.map_err(|e| input_error(rows.file, &e))?;
        if let Some(keys) = conflict {
            for k in keys {
                if let Some(i) = rows.conv.targets.iter().position(|t| t.name == *k)
                    && !rows.conv.present[i]
                {
                    return Err(input_error(
                        rows.file,
                        &InputError {
                            line: rows.conv.last.0,
                            column: 1,
                            message: format!("the primary key column \"{k}\" is missing"),
                            recoverable: false,
                        },
                    )
                    .into());
                }
            }
        }
        if rows.conv.present != columns || values.len() >= BATCH * columns.len().max(1) {
            total += flush(session, rows, &columns, &mut values, lines)?;
            columns = rows.conv.present.clone();
            lines.0 = rows.conv.last.0;
        }
        lines.1 = rows.conv.last.0;
        values.extend(
            row.iter()
                .zip(&rows.conv.present)
                .filter(|(_, p)| **p)
                .map(|(v, _)| v.clone()),
        );
    }
    total += flush(session, rows, &columns, &mut values, lines)?;
    Ok(total)
}
