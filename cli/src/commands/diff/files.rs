//! `arbor diff --files old new --key col,...`: the keyed row and cell diff
//! of two data files (CSV, TSV, PSV, JSON, JSON Lines), no repository needed.
//!
//! Both files are loaded into one scratch repository in a temporary
//! folder, the old file as a table's first version and the new file as its
//! second, and the two versions are diffed like any two commits, so every
//! format and flag of `arbor diff` applies. Each file streams into a prolly
//! tree on disk, which orders the rows by key as it is built (the session
//! flushes its edits in sorted runs), so neither file is ever held in
//! memory whole; the diff then walks the two trees in key order.
//!
//! Column types are inferred from both files together, so a column reads
//! the same way on both sides; a column only one file has shows as added or
//! dropped. Rows are matched by `--key`: a key column missing from a file,
//! a key cell that is empty (NULL), and a key seen twice in one file are
//! errors that name the file and line.

use std::collections::HashMap;
use std::path::Path;
use std::process::ExitCode;

use arbor_engine::objects::Catalog;
use arbor_engine::repo::{self, Repository};
use arbor_engine::sql::Session;
use arbor_engine::vc::BranchState;
use arbor_schema::DataType;

use super::Args;
use crate::commands::table::import::InputFile;
use crate::commands::table::infer::ColumnGuess;
use crate::commands::table::{FileFormat, ident};
use crate::identity;
use crate::ui::CliError;

/// The scratch repository's only branch.
const BRANCH: &str = "main";

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
            ..input_file(cwd, Path::new(given), args.file_format)?
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
    let [path, old, _, _, new, _, _] = args.args.as_slice() else {
        return Err(CliError::new(format!(
            "--git-driver takes the seven arguments Git passes to a diff driver, not {}",
            args.args.len()
        ))
        .with_hint("set it up with: git config diff.arbor.command 'arbor diff --git-driver'"));
    };
    let path = Path::new(path);
    let format = match args.file_format {
        Some(f) => f,
        None => input_file(cwd, path, None)?.format,
    };
    let open = |given: &str| -> Result<Option<InputFile>, CliError> {
        if given == "/dev/null" {
            return Ok(None);
        }
        Ok(Some(InputFile {
            name: path.display().to_string(),
            delimiter: args.delimiter.clone(),
            null: args.null.clone(),
            ..InputFile::new(cwd, Path::new(given), Some(format))?
        }))
    };
    let (old, new) = (open(old)?, open(new)?);
    let key = if args.key.is_empty() {
        let first = old
            .as_ref()
            .or(new.as_ref())
            .map(|f| f.infer_columns(false));
        match first {
            Some(Ok((header, _))) => header.into_iter().take(1).collect(),
            Some(Err(e)) => return Err(without_hint(e)),
            None => Vec::new(),
        }
    } else {
        args.key.clone()
    };
    // The table is named by the file's path, so the diff's header names
    // the file as Git does.
    compare(args, old, new, &path.display().to_string(), &key)
}

/// The file `given`, its format `format` or else its extension's.
fn input_file(cwd: &Path, given: &Path, format: Option<FileFormat>) -> Result<InputFile, CliError> {
    InputFile::new(cwd, given, format).map_err(|e| {
        if e.message.starts_with("cannot tell the format") {
            e.with_hint("name it with --file-format csv|tsv|psv|json|jsonl")
        } else {
            e
        }
    })
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
    if let Some(k) = key
        .iter()
        .enumerate()
        .find_map(|(i, k)| key[..i].contains(k).then_some(k))
    {
        return Err(CliError::new(format!("--key names \"{k}\" twice")));
    }
    let read =
        |file: &Option<InputFile>| -> Result<Option<(Vec<String>, Vec<ColumnGuess>)>, CliError> {
            let Some(file) = file else { return Ok(None) };
            let (header, guesses) = file.infer_columns(false).map_err(without_hint)?;
            if let Some(k) = key.iter().find(|k| !header.contains(k)) {
                return Err(CliError::new(format!(
                    "{}: there is no key column \"{k}\"",
                    file.name
                ))
                .with_hint(format!("its columns are: {}", header.join(", "))));
            }
            Ok(Some((header, guesses)))
        };
    let (old_read, new_read) = (read(&old)?, read(&new)?);

    // One type per column name, covering its values in both files.
    let mut guesses: HashMap<&str, ColumnGuess> = HashMap::new();
    for (header, file_guesses) in old_read.iter().chain(&new_read) {
        for (name, guess) in header.iter().zip(file_guesses) {
            guesses
                .entry(name)
                .and_modify(|g| g.merge(guess))
                .or_insert_with(|| guess.clone());
        }
    }
    let columns = |read: &Option<(Vec<String>, Vec<ColumnGuess>)>| -> Vec<(String, DataType)> {
        let Some((header, _)) = read else {
            return Vec::new();
        };
        header
            .iter()
            .map(|name| {
                let ty = guesses
                    .get(name.as_str())
                    .map_or(DataType::Text, ColumnGuess::data_type);
                (name.clone(), ty)
            })
            .collect()
    };
    let (old_columns, new_columns) = (columns(&old_read), columns(&new_read));

    let scratch = tempfile::Builder::new()
        .prefix("arbor-diff-")
        .tempdir()
        .map_err(|e| CliError::new(format!("cannot create a temporary folder: {e}")))?;
    let store = repo::open_disk_store(scratch.path())?;
    let repository = Repository::init(store, BRANCH, &identity::system_signature()?)?;
    let mut session = Session::open(repository.clone(), BRANCH)?;
    let create = |columns: &[(String, DataType)]| {
        let mut defs: Vec<String> = columns
            .iter()
            .map(|(name, ty)| format!("{} {ty}", ident(name)))
            .collect();
        let key: Vec<String> = key.iter().map(|k| ident(k)).collect();
        defs.push(format!("PRIMARY KEY ({})", key.join(", ")));
        format!("CREATE TABLE {} ({})", ident(table), defs.join(", "))
    };

    // The old file: the table's first version.
    if let Some(old) = &old {
        session.execute("BEGIN")?;
        session.execute(&create(&old_columns))?;
        load(&mut session, old, table, &old_columns)?;
        session.execute("COMMIT")?;
    }
    let from = working_catalog(&repository)?;

    // The new file: the table created again, empty, with the old file's
    // columns and so the same column tags; then the columns the new file
    // lacks are dropped and the ones it adds are added, so that the schema
    // diff says just that, and the new file's rows go in.
    session.execute("BEGIN")?;
    if old.is_some() {
        session.execute(&format!("DROP TABLE {}", ident(table)))?;
    }
    if let Some(new) = &new {
        if old.is_some() {
            session.execute(&create(&old_columns))?;
            for (name, _) in &old_columns {
                if !new_columns.iter().any(|(n, _)| n == name) {
                    session.execute(&format!(
                        "ALTER TABLE {} DROP COLUMN {}",
                        ident(table),
                        ident(name)
                    ))?;
                }
            }
            for (name, ty) in &new_columns {
                if !old_columns.iter().any(|(n, _)| n == name) {
                    session.execute(&format!(
                        "ALTER TABLE {} ADD COLUMN {} {ty}",
                        ident(table),
                        ident(name)
                    ))?;
                }
            }
        } else {
            session.execute(&create(&new_columns))?;
        }
        load(&mut session, new, table, &new_columns)?;
    }
    session.execute("COMMIT")?;
    let to = working_catalog(&repository)?;

    super::show(args, &repository, &from, &to, &[])
}

/// Inserts a file's rows; its errors name the file and line.
fn load(
    session: &mut Session,
    file: &InputFile,
    table: &str,
    columns: &[(String, DataType)],
) -> Result<(), CliError> {
    file.insert_into(session, table, columns, false)
        .map(|_| ())
        .map_err(|e| {
            let mut e = without_hint(e);
            if e.message.contains("duplicate key") {
                e.hint = Some("each key may appear once in a file".to_owned());
            }
            e
        })
}

/// An input error without the import's "nothing was imported" hint.
fn without_hint(mut e: CliError) -> CliError {
    e.hint = None;
    e
}

/// The scratch branch's working catalog.
fn working_catalog(repository: &Repository) -> Result<Catalog, CliError> {
    let state = BranchState::read(repository, BRANCH)?;
    Ok(repository.read_catalog(&state.working_set.working)?)
}
