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
use crate::commands::table::ident;
use crate::commands::table::import::InputFile;
use crate::commands::table::infer::ColumnGuess;
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
            ..InputFile::new(cwd, Path::new(given), args.file_format)?
        })
    };
    let (old, new) = (open(old)?, open(new)?);
    if let Some(k) = args
        .key
        .iter()
        .enumerate()
        .find_map(|(i, k)| args.key[..i].contains(k).then_some(k))
    {
        return Err(CliError::new(format!("--key names \"{k}\" twice")));
    }
    let (old_header, old_guesses) = old.infer_columns(false).map_err(without_hint)?;
    let (new_header, new_guesses) = new.infer_columns(false).map_err(without_hint)?;
    for (file, header) in [(&old, &old_header), (&new, &new_header)] {
        if let Some(k) = args.key.iter().find(|k| !header.contains(k)) {
            return Err(
                CliError::new(format!("{}: there is no key column \"{k}\"", file.name))
                    .with_hint(format!("its columns are: {}", header.join(", "))),
            );
        }
    }

    // One type per column name, covering its values in both files.
    let mut guesses: HashMap<&str, ColumnGuess> = HashMap::new();
    for (name, guess) in old_header
        .iter()
        .zip(&old_guesses)
        .chain(new_header.iter().zip(&new_guesses))
    {
        guesses
            .entry(name)
            .and_modify(|g| g.merge(guess))
            .or_insert_with(|| guess.clone());
    }
    let columns = |header: &[String]| -> Vec<(String, DataType)> {
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
    let (old_columns, new_columns) = (columns(&old_header), columns(&new_header));

    let table = new
        .path
        .file_stem()
        .map_or_else(|| "rows".to_owned(), |s| s.to_string_lossy().into_owned());
    let scratch = tempfile::Builder::new()
        .prefix("arbor-diff-")
        .tempdir()
        .map_err(|e| CliError::new(format!("cannot create a temporary folder: {e}")))?;
    let store = repo::open_disk_store(scratch.path())?;
    let repository = Repository::init(store, BRANCH, &identity::system_signature()?)?;
    let mut session = Session::open(repository.clone(), BRANCH)?;

    // The old file: the table's first version.
    let mut defs: Vec<String> = old_columns
        .iter()
        .map(|(name, ty)| format!("{} {ty}", ident(name)))
        .collect();
    let key: Vec<String> = args.key.iter().map(|k| ident(k)).collect();
    defs.push(format!("PRIMARY KEY ({})", key.join(", ")));
    let create = format!("CREATE TABLE {} ({})", ident(&table), defs.join(", "));
    session.execute("BEGIN")?;
    session.execute(&create)?;
    load(&mut session, &old, &table, &old_columns)?;
    session.execute("COMMIT")?;
    let from = working_catalog(&repository)?;

    // The new file: the table created again, empty, with the same columns
    // and so the same column tags; then the columns the new file lacks are
    // dropped and the ones it adds are added, so that the schema diff says
    // just that, and the new file's rows go in.
    session.execute("BEGIN")?;
    session.execute(&format!("DROP TABLE {}", ident(&table)))?;
    session.execute(&create)?;
    for (name, _) in &old_columns {
        if !new_header.contains(name) {
            session.execute(&format!(
                "ALTER TABLE {} DROP COLUMN {}",
                ident(&table),
                ident(name)
            ))?;
        }
    }
    for (name, ty) in &new_columns {
        if !old_header.contains(name) {
            session.execute(&format!(
                "ALTER TABLE {} ADD COLUMN {} {ty}",
                ident(&table),
                ident(name)
            ))?;
        }
    }
    load(&mut session, &new, &table, &new_columns)?;
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
