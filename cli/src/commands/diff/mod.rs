//! `arbor diff`: row and schema differences between versions.
//!
//! With no revision: the working set against the staged tables; `--staged`:
//! staged against HEAD; one revision: the working set (with `--staged`, the
//! staged tables) against it; two, or `A..B`: A against B; `A...B`: the
//! merge base of A and B against B. An empty side of a range is HEAD.
//! `--files old new --key ...`: two CSV, TSV, PSV, JSON or JSON Lines
//! files, without a repository; `--git-driver`: the same as Git's external
//! diff driver (see [`files`]).

mod files;
mod shared_ends;

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use arbor_engine::ops::{self, diff_catalogs, diff_views};
use arbor_engine::{BranchState, Catalog, Repository, TableChange, TableDiff, ViewDiff};

use crate::ui::CliError;
use crate::vcs;
use arbor_engine::io::{DiffFormat, RowSelection, write_diff};

/// Arguments of `arbor diff`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Staged tables against HEAD.
    #[arg(long, visible_alias = "cached")]
    staged: bool,
    /// Rows and cells changed per table.
    #[arg(long)]
    stat: bool,
    /// Which tables changed, and how.
    #[arg(long)]
    summary: bool,
    /// Exit with 1 when there are differences, 0 when there are none (an
    /// error is always 2).
    #[arg(long)]
    exit_code: bool,
    /// Only rows of these kinds: added, modified, removed (repeat or separate with commas).
    #[arg(long, value_delimiter = ',', value_parser = ["added", "modified", "removed"])]
    filter: Vec<String>,
    /// Only rows for which this SQL predicate over diff_type, from_<column>
    /// and to_<column> holds, e.g. "to_price > from_price * 2".
    #[arg(long = "where", value_name = "PREDICATE")]
    predicate: Option<String>,
    /// At most this many changed rows per table.
    #[arg(long)]
    limit: Option<usize>,
    /// Only the key and the changed columns.
    #[arg(long)]
    skinny: bool,
    /// Only the names of the tables that differ.
    #[arg(long)]
    name_only: bool,
    /// Only schema changes: tables added or dropped, columns, constraints,
    /// indexes and views; no rows.
    #[arg(long, conflicts_with_all = ["data", "stat", "summary", "name_only", "filter", "predicate", "limit", "skinny", "format"])]
    schema: bool,
    /// Only changes to rows: no schema changes, no views.
    #[arg(long)]
    data: bool,
    /// How to print the rows: a table, or json, jsonl, csv or markdown for CI.
    #[arg(long, value_enum, default_value = "table")]
    format: DiffFormat,
    /// Compare two data files (CSV, TSV, PSV, JSON, JSON Lines) instead of
    /// revisions: `arbor diff --files old.csv new.csv --key id`.
    #[arg(long, requires = "key")]
    files: bool,
    /// Act as Git's external diff driver for data files (Git passes seven
    /// arguments); see the README for the `.gitattributes` and `git config`
    /// lines. The key is --key, else each file's first column.
    #[arg(long, conflicts_with = "files")]
    git_driver: bool,
    /// With --files: the columns that identify a row.
    #[arg(long, value_name = "COLUMN,...", value_delimiter = ',')]
    key: Vec<String>,
    /// With --files: the files' format (by default from their extensions).
    #[arg(long, value_enum, value_name = "FORMAT")]
    file_format: Option<arbor_engine::io::FileFormat>,
    /// With --files: the field delimiter of CSV-like files (one character; `tab` or `\t`).
    #[arg(long, value_name = "CHAR")]
    delimiter: Option<String>,
    /// With --files: the unquoted text that stands for NULL in CSV-like
    /// files (default: the empty field).
    #[arg(long, value_name = "TEXT")]
    null: Option<String>,
    /// Revisions (`A`, `A B`, `A..B`, `A...B`), then table names; with
    /// --files, the old and the new file.
    args: Vec<String>,
    /// Table names after `--`, as Git takes paths: what comes before is
    /// only revisions (a name that is both is ambiguous without it).
    #[arg(last = true, value_name = "TABLE")]
    after_dashes: Vec<String>,
}

fn catalog_of(repository: &Repository, branch: &str, revision: &str) -> Result<Catalog, CliError> {
    let revision = Some(revision).filter(|r| !r.is_empty()).unwrap_or("HEAD");
    let catalog = ops::catalog_at(repository, branch, revision)?;
    Ok(repository.read_catalog(&catalog)?)
}

/// `WORKING` or `STAGED` (in any case): the checked-out branch's working
/// set or staged tables, as a side of a diff (as in `arbor_diff`).
fn is_working_or_staged(word: &str) -> bool {
    ["WORKING", "STAGED"].contains(&word.to_uppercase().as_str())
}

/// Resolves one side of a range; an empty side is HEAD (`A..`, `...B`), as in `arbor log`.
fn resolve(repository: &Repository, revision: &str) -> Result<arbor_merkle::Address, CliError> {
    let revision = Some(revision).filter(|r| !r.is_empty()).unwrap_or("HEAD");
    vcs::resolve(repository, revision)
}

/// The view changes to show: none with --data.
fn views_of(args: &Args, from: &Catalog, to: &Catalog, tables: &[String]) -> Vec<ViewDiff> {
    if args.data {
        Vec::new()
    } else {
        diff_views(from, to, tables)
    }
}

/// `diff --schema`: each table's heading and schema changes (tables whose
/// rows alone changed are left out), then the views'.
fn show_schema(
    args: &Args,
    diffs: &[TableDiff],
    from: &Catalog,
    to: &Catalog,
    tables: &[String],
) -> Result<ExitCode, CliError> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let color = crate::terminal::color();
    let mut differs = false;
    for d in diffs {
        if d.change == TableChange::Modified && d.schema.is_none() {
            continue;
        }
        differs = true;
        vcs::print_table_heading(&mut out, d, color)?;
    }
    let views = views_of(args, from, to, tables);
    differs |= !views.is_empty();
    print_views(&mut out, &views, false)?;
    Ok(if args.exit_code && differs {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Prints view changes: a line each when `brief` (--stat, --summary),
/// else each view's old and new query.
fn print_views(out: &mut dyn Write, views: &[ViewDiff], brief: bool) -> Result<(), CliError> {
    for v in views {
        let written = if brief {
            writeln!(out, "{}: {} {}", v.name, v.kind.word(), vcs::view_change(v))
        } else {
            writeln!(out, "diff --arbor a/{0} b/{0}", v.name)
                .and_then(|()| vcs::write_view_change(out, v))
        };
        written.map_err(|e| CliError::new(format!("cannot write output: {e}")))?;
    }
    Ok(())
}

/// Whether `name` is a table, view or function in either catalog.
fn known(name: &str, catalogs: [&Catalog; 2]) -> bool {
    catalogs.iter().any(|c| c.has_object(name))
}

/// Runs `arbor diff`. Its exit code follows diff(1): 0 no difference (or
/// no `--exit-code`), 1 differences with `--exit-code`, 2 an error, so that
/// a CI gate never mistakes a failure for a difference.
pub fn run(args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    match compare(args, cwd) {
        Ok(code) => Ok(code),
        Err(e) => {
            crate::ui::print_error(&e);
            Ok(ExitCode::from(2))
        }
    }
}

fn compare(args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    if args.files {
        return files::run(&args, cwd);
    }
    if args.git_driver {
        return files::run_git_driver(&args, cwd);
    }
    if !args.key.is_empty() {
        return Err(CliError::new("--key applies to --files")
            .with_hint("arbor diff --files old.csv new.csv --key id"));
    }
    let repository = vcs::open_read_only(cwd)?;
    vcs::read_once(&repository);
    let branch = ops::current_branch(&repository)?;
    let state = BranchState::read(&repository, &branch)?;
    let is_revision = |s: &str| {
        s.contains("..") || is_working_or_staged(s) || vcs::resolve(&repository, s).is_ok()
    };
    let revisions: Vec<&String> = args
        .args
        .iter()
        .take_while(|a| is_revision(a))
        .take(2)
        .collect();
    let mut tables: Vec<String> = args.args[revisions.len()..].to_vec();
    if args.after_dashes.is_empty() {
        // As Git with a path: a name both a revision and a table could be
        // either, and taking one silently would diff the wrong thing.
        let working = repository.read_catalog(&state.working_set.working)?;
        let head = repository.read_catalog(&state.commit.catalog)?;
        if let Some(both) = revisions
            .iter()
            .find(|r| !r.contains("..") && known(r, [&working, &head]))
        {
            return Err(CliError::new(format!(
                "'{both}' is both a revision and a table: ambiguous"
            ))
            .with_hint(format!(
                "write `arbor diff -- {both}` for the table, `arbor diff refs/heads/{both}` (or refs/tags/{both}) for the revision"
            )));
        }
    } else if !tables.is_empty() {
        return Err(CliError::new(format!(
            "'{}' is not a revision (tables go after --)",
            tables[0]
        )));
    }
    tables.extend(args.after_dashes.iter().cloned());
    let (from, to) = match revisions.as_slice() {
        [] if args.staged => (
            repository.read_catalog(&state.commit.catalog)?,
            repository.read_catalog(&state.working_set.staged)?,
        ),
        [] => (
            repository.read_catalog(&state.working_set.staged)?,
            repository.read_catalog(&state.working_set.working)?,
        ),
        [range] if range.contains("...") => {
            let (a, b) = range.split_once("...").unwrap_or_default();
            let (a, b) = (resolve(&repository, a)?, resolve(&repository, b)?);
            let base = ops::merge_base(&repository, a, b)?
                .ok_or_else(|| CliError::new("the two revisions have no common ancestor"))?;
            (
                repository.read_catalog(&repository.read_commit(&base)?.catalog)?,
                repository.read_catalog(&repository.read_commit(&b)?.catalog)?,
            )
        }
        [range] if range.contains("..") => {
            let (a, b) = range.split_once("..").unwrap_or_default();
            (
                catalog_of(&repository, &branch, a)?,
                catalog_of(&repository, &branch, b)?,
            )
        }
        [rev] if args.staged => (
            catalog_of(&repository, &branch, rev)?,
            repository.read_catalog(&state.working_set.staged)?,
        ),
        [rev] => (
            catalog_of(&repository, &branch, rev)?,
            repository.read_catalog(&state.working_set.working)?,
        ),
        [a, b] => (
            catalog_of(&repository, &branch, a)?,
            catalog_of(&repository, &branch, b)?,
        ),
        _ => return Err(CliError::new("too many revisions")),
    };
    // A name that is neither a revision nor a table is most likely a
    // mistyped revision: say so rather than show an empty diff.
    if let Some(unknown) = tables.iter().find(|t| !known(t, [&from, &to])) {
        return Err(
            CliError::new(format!("'{unknown}' is neither a revision nor a table"))
                .with_hint("name a branch, a tag, a commit hash or HEAD, then tables"),
        );
    }
    show(&args, &repository, &from, &to, &tables)
}

/// Prints the differences of `tables` (all when empty) between two
/// catalogs as `args` ask, and returns the exit code.
fn show(
    args: &Args,
    repository: &Repository,
    from: &Catalog,
    to: &Catalog,
    tables: &[String],
) -> Result<ExitCode, CliError> {
    let mut diffs = diff_catalogs(repository, from, to, tables)?;
    if args.schema {
        return show_schema(args, &diffs, from, to, tables);
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let color = crate::terminal::color();
    let selection = RowSelection {
        kinds: args.filter.clone(),
        limit: args.limit,
        skinny: args.skinny,
        predicate: args.predicate.clone(),
    };
    // A bad --where is the user's flag: said in the CLI's words, before
    // anything is printed.
    if let Some(e) = selection.predicate_error(&diffs, repository)? {
        return Err(CliError::new(format!("--where: {}", e.message))
            .with_hint("the predicate reads diff_type, from_<column> and to_<column>"));
    }
    if args.data {
        // Rows only: schema changes go, and so does a table they were all of.
        let mut kept = Vec::with_capacity(diffs.len());
        for mut d in diffs {
            d.schema = None;
            if d.change != TableChange::Modified || selection.selects_any(&d, repository)? {
                kept.push(d);
            }
        }
        diffs = kept;
    }
    if args.name_only {
        let views = views_of(args, from, to, tables);
        for name in diffs
            .iter()
            .map(|d| &d.name)
            .chain(views.iter().map(|v| &v.name))
        {
            println!("{name}");
        }
        let differs = differs(repository, &selection, &diffs, &views)?;
        return Ok(if args.exit_code && differs {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        });
    }
    if args.format != DiffFormat::Table && !args.stat && !args.summary {
        if args.format == DiffFormat::Csv && diffs.len() > 1 {
            let names: Vec<&str> = diffs.iter().map(|d| d.name.as_str()).collect();
            return Err(CliError::new(format!(
                "a CSV diff shows one table; these changed: {}",
                names.join(", ")
            ))
            .with_hint("name the table: arbor diff --format csv <revisions> <table>"));
        }
        let views = views_of(args, from, to, tables);
        write_diff(
            &mut out,
            repository,
            args.format,
            &selection,
            &diffs,
            &views,
        )?;
        let differs = differs(repository, &selection, &diffs, &views)?;
        return Ok(if args.exit_code && differs {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        });
    }
    // With --filter or --where, --stat and --summary count the selected
    // rows, and leave out a table whose only change is in rows not selected.
    let filtering = selection.filters_rows();
    for d in &diffs {
        if args.summary {
            let how = match &d.change {
                TableChange::Added => "added".to_owned(),
                TableChange::Deleted => "deleted".to_owned(),
                TableChange::Renamed { from } => format!("renamed from {from}"),
                TableChange::Modified => {
                    // Unfiltered, a table modified with its schema unchanged
                    // changed rows: no need to look for one.
                    let data = if filtering || d.schema.is_some() {
                        selection.selects_any(d, repository)?
                    } else {
                        true
                    };
                    match (d.schema.is_some(), data) {
                        (true, true) => "schema and data changed",
                        (true, false) => "schema changed",
                        (false, true) => "data changed",
                        (false, false) => continue,
                    }
                    .to_owned()
                }
            };
            println!("{}: {how}", d.name);
        } else if args.stat {
            if let Some(line) = vcs::stat_line(repository, d, &selection)? {
                println!("{line}");
            }
        } else {
            vcs::print_table_diff(&mut out, repository, d, &selection, color)?;
        }
    }
    let views = views_of(args, from, to, tables);
    print_views(&mut out, &views, args.summary || args.stat)?;
    Ok(
        if args.exit_code && differs(repository, &selection, &diffs, &views)? {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        },
    )
}

/// Whether there is a difference for `--exit-code`: with `--where` or
/// `--filter`, a selected row; otherwise any changed table or view.
fn differs(
    repository: &Repository,
    selection: &RowSelection,
    diffs: &[TableDiff],
    views: &[ViewDiff],
) -> Result<bool, CliError> {
    if !selection.filters_rows() {
        return Ok(!(diffs.is_empty() && views.is_empty()));
    }
    for d in diffs {
        if selection.selects_any(d, repository)? {
            return Ok(true);
        }
    }
    Ok(false)
}
