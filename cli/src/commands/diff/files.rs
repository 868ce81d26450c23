//! `arbor diff --files old new --key col,...`: the keyed row and cell diff
//! of two data files (CSV, TSV, PSV, JSON, JSON Lines), no repository needed.
//!
//! CSV-like files that share most of their lines are compared through the
//! lines between their shared ends ([`super::shared_ends`]). Otherwise both
//! files are loaded into a scratch repository ([`crate::data_files`]),
//! the old file as a table's first version and the new file as its second,
//! and the two versions are diffed like any two commits, so every format
//! and flag of `arbor diff` applies. Neither file is held in memory whole;
//! the diff walks the two prolly trees in key order.
//!
//! Column types are inferred from both files together, so a column reads
//! the same way on both sides; a column only one file has shows as added or
//! dropped. Rows are matched by `--key`: a key column missing from a file,
//! a key cell that is empty (NULL), and a key seen twice in one file are
//! errors that name the file and line.

use std::path::Path;
use std::process::ExitCode;

use super::Args;
use arbor_engine::io::InputFile;

use crate::data_files::{Columns, Scratch, columns_of, input_file};
use crate::ui::CliError;

pub fn run(args: &Args, cwd: &Path) -> Result<ExitCode, CliError> {
    let [old, new] = args.args.as_slice() else {
        return Err(
            CliError::new("--files takes two files: the old one and the new one")
                .with_hint("arbor diff --files old.csv new.csv --key id"),
        );
    };
    let open = |given: &str| -> Result<InputFile, CliError> {
        Ok(InputFile {
            delimiter: args.delimiter.clone(),
            null: args.null.clone(),
            ..input_file(cwd, Path::new(given), args.file_format, "--file-format")?
        })
    };
    let new = open(new)?;
    let table = table_name(&new.path);
    compare(args, Some(open(old)?), Some(new), &table, &args.key)
}

/// `arbor diff --git-driver`: Git's external diff driver. Git passes seven
/// arguments: the file's path in the repository, then the old file, its
/// hash and mode, then the new file, its hash and mode; a side that does
/// not exist is `/dev/null`. The format comes from the path's extension
/// (Git's temporary copies may have none); the key is `--key`, else the
/// file's first column.
pub fn run_git_driver(args: &Args, cwd: &Path) -> Result<ExitCode, CliError> {
    // Git passes seven arguments, nine for a rename (the new path and a
    // note), and only the path for an unmerged file.
    let (path, old, new) = match args.args.as_slice() {
        [path, old, _, _, new, _, _] => (path, old, new),
        [_, old, _, _, new, _, _, new_path, _] => (new_path, old, new),
        [path] => {
            println!("* Unmerged path {path}");
            return Ok(ExitCode::SUCCESS);
        }
        other => {
            return Err(CliError::new(format!(
                "--git-driver takes the arguments Git passes to a diff driver (7, 9 for a rename, 1 for an unmerged file), not {}",
                other.len()
            ))
            .with_hint("set it up with: git config diff.arbor.command 'arbor diff --git-driver'"));
        }
    };
    let path = Path::new(path);
    let format = match args.file_format {
        Some(f) => f,
        None => input_file(cwd, path, None, "--file-format")?.format,
    };
    let open = |given: &str| -> Result<Option<InputFile>, CliError> {
        if given == "/dev/null" {
            return Ok(None);
        }
        Ok(Some(InputFile {
            name: path.display().to_string(),
            delimiter: args.delimiter.clone(),
            null: args.null.clone(),
            ..input_file(cwd, Path::new(given), Some(format), "--file-format")?
        }))
    };
    let (old, new) = (open(old)?, open(new)?);
    let name = path.display().to_string();
    if !args.key.is_empty() {
        return compare(args, old, new, &name, &args.key);
    }
    // Without --key: the first column, if it keys the rows; else the whole
    // row (rows matched by content); else rows in file order. A file that
    // cannot be read as data at all is said so, and Git's own command goes
    // on: a diff driver that fails stops `git diff` for every file after.
    let header = match old
        .as_ref()
        .or(new.as_ref())
        // The header is wanted: the first record tells it.
        .map(|f| f.infer_columns_limited(false, Some(1)))
    {
        Some(Ok((header, _))) => header,
        Some(Err(e)) => return Ok(not_as_data(&name, &CliError::from(e))),
        None => Vec::new(),
    };
    let keys = [header.iter().take(1).cloned().collect(), header, Vec::new()];
    let mut last = None;
    for key in keys {
        match compare(args, old.clone(), new.clone(), &name, &key) {
            Ok(code) => return Ok(code),
            Err(e) => last = Some(e),
        }
    }
    Ok(last.map_or(ExitCode::SUCCESS, |e| not_as_data(&name, &e)))
}

/// What the Git driver prints for a file it cannot diff as data: Git's
/// header and why, and success, so that Git goes on to the next file.
fn not_as_data(path: &str, why: &CliError) -> ExitCode {
    println!("diff --arbor a/{path} b/{path}");
    let why = why.to_string();
    let why = why
        .trim_start_matches("error: ")
        .lines()
        .next()
        .unwrap_or_default();
    println!("(arbor cannot show this file's changes as rows: {why})");
    ExitCode::SUCCESS
}

/// A table name for a file: its name without the extension.
fn table_name(path: &Path) -> String {
    path.file_stem()
        .map_or_else(|| "rows".to_owned(), |s| s.to_string_lossy().into_owned())
}

/// Diffs two versions of a file as versions of `table`, rows matched by
/// `key`; a missing side is a table that does not exist.
fn compare(
    args: &Args,
    old: Option<InputFile>,
    new: Option<InputFile>,
    table: &str,
    key: &[String],
) -> Result<ExitCode, CliError> {
    if let (Some(o), Some(n)) = (&old, &new)
        && let Some(code) = super::shared_ends::compare(args, o, n, table, key)?
    {
        return Ok(code);
    }
    let columns = columns_of(&[old.as_ref(), new.as_ref()], key, false)?;
    let (old_columns, new_columns) = (&columns[0], &columns[1]);
    let mut scratch = Scratch::new(table, key)?;
    let first = old_columns.as_ref().or(new_columns.as_ref());
    let from = scratch.version(first, side(&old, old_columns))?;
    let to = scratch.version(first, side(&new, new_columns))?;
    super::show(args, scratch.repository(), &from, &to, &[])
}

/// A file with its columns, if there is one.
fn side<'a>(
    file: &'a Option<InputFile>,
    columns: &'a Option<Columns>,
) -> Option<(&'a InputFile, &'a Columns)> {
    file.as_ref().zip(columns.as_ref())
}
