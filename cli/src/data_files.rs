//! Versions of a data file (CSV, TSV, PSV, JSON, JSON Lines) as versions of
//! a table in a scratch repository, for `arbor diff --files` and
//! `arbor merge --files`, which work on files outside any repository.
//!
//! The scratch repository lives in a temporary folder, removed when the
//! [`Scratch`] is dropped. Each file streams into a prolly tree on disk,
//! which orders the rows by key as it is built (the session applies its
//! edits in sorted batches), so no file is ever held in memory whole; the
//! versions are then compared or merged like any two or three commits.
//!
//! Every version of the table is created from the first version's columns
//! (so a column keeps its tag, and so its identity, from one version to
//! the next), then the columns that version lacks are dropped and the
//! ones it adds are added: a schema diff or merge sees exactly that.

use std::collections::HashMap;

use arbor_engine::{BranchState, Catalog, Repository, Session, SqlState, ops};
use arbor_schema::DataType;

use std::path::Path;

use arbor_engine::io::{ColumnGuess, FileFormat, InputFile};

use crate::identity;
use crate::ui::CliError;
use arbor_schema::sql_text::quote_identifier as ident;

/// The scratch repository's only branch.
const BRANCH: &str = "main";

/// A file's columns: names and types.
pub type Columns = Vec<(String, DataType)>;

/// Reads each file once to learn its columns, and gives every column one
/// type that covers its values in all the files (or `text` for every column
/// with `all_text`). Checks that each file has the key columns.
pub fn columns_of(
    files: &[Option<&InputFile>],
    key: &[String],
    all_text: bool,
) -> Result<Vec<Option<Columns>>, CliError> {
    if let Some(k) = key
        .iter()
        .enumerate()
        .find_map(|(i, k)| key[..i].contains(k).then_some(k))
    {
        return Err(CliError::new(format!("--key names \"{k}\" twice")));
    }
    let mut read = Vec::new();
    for file in files {
        let Some(file) = file else {
            read.push(None);
            continue;
        };
        let (header, guesses) = file
            .infer_columns(false)
            .map_err(|e| CliError::from(e).without_hint())?;
        if let Some(k) = key.iter().find(|k| !header.contains(k)) {
            return Err(
                CliError::new(format!("{}: there is no key column \"{k}\"", file.name))
                    .with_hint(format!("its columns are: {}", header.join(", "))),
            );
        }
        read.push(Some((header, guesses)));
    }
    Ok(combine_guesses(&read, all_text))
}

/// Each file's header and column guesses.
pub type FileGuesses = (Vec<String>, Vec<ColumnGuess>);

/// One type per column name covering its guesses in all the files (or
/// `text` for every column with `all_text`): each file's columns.
pub fn combine_guesses(read: &[Option<FileGuesses>], all_text: bool) -> Vec<Option<Columns>> {
    let mut guesses: HashMap<&str, ColumnGuess> = HashMap::new();
    for (header, file_guesses) in read.iter().flatten() {
        for (name, guess) in header.iter().zip(file_guesses) {
            guesses
                .entry(name)
                .and_modify(|g| g.merge(guess))
                .or_insert_with(|| guess.clone());
        }
    }
    read.iter()
        .map(|r| {
            r.as_ref().map(|(header, _)| {
                header
                    .iter()
                    .map(|name| {
                        let ty = match guesses.get(name.as_str()) {
                            Some(g) if !all_text => g.data_type(),
                            _ => DataType::Text,
                        };
                        (name.clone(), ty)
                    })
                    .collect()
            })
        })
        .collect()
}

/// A repository in a temporary folder holding versions of one table.
pub struct Scratch {
    repository: Repository,
    session: Session,
    table: String,
    key: Vec<String>,
    /// Removed on drop, after the repository in it is closed (fields drop
    /// in order).
    _dir: tempfile::TempDir,
}

impl Scratch {
    /// An empty scratch repository for versions of `table`, keyed by `key`.
    pub fn new(table: &str, key: &[String]) -> Result<Scratch, CliError> {
        let dir = tempfile::Builder::new()
            .prefix("arbor-files-")
            .tempdir()
            .map_err(|e| CliError::new(format!("cannot create a temporary folder: {e}")))?;
        let store = ops::open_disk_store(dir.path())?;
        let repository = Repository::init(store, BRANCH, &identity::system_signature(dir.path())?)?;
        // Each version is written once and read once.
        crate::vcs::read_once(&repository);
        let session = Session::open(repository.clone(), BRANCH)?;
        Ok(Scratch {
            repository,
            session,
            table: table.to_owned(),
            key: key.to_vec(),
            _dir: dir,
        })
    }

    /// The scratch repository.
    pub fn repository(&self) -> &Repository {
        &self.repository
    }

    /// Makes the table hold `file` (whose columns are `columns`), or not
    /// exist when `file` is `None`; the table is created with the columns
    /// of `first` (the first version's), then altered to the file's.
    /// Returns the catalog that holds this version.
    pub fn version(
        &mut self,
        first: Option<&Columns>,
        file: Option<(&InputFile, &Columns)>,
    ) -> Result<Catalog, CliError> {
        let table = ident(&self.table);
        let session = &mut self.session;
        session.execute("BEGIN")?;
        session.execute(&format!("DROP TABLE IF EXISTS {table}"))?;
        if let Some((file, columns)) = file {
            let first = first.unwrap_or(columns);
            let mut defs: Vec<String> = first
                .iter()
                .map(|(name, ty)| format!("{} {ty}", ident(name)))
                .collect();
            let key: Vec<String> = self.key.iter().map(|k| ident(k)).collect();
            defs.push(format!("PRIMARY KEY ({})", key.join(", ")));
            session.execute(&format!("CREATE TABLE {table} ({})", defs.join(", ")))?;
            for (name, _) in first {
                if !columns.iter().any(|(n, _)| n == name) {
                    session.execute(&format!("ALTER TABLE {table} DROP COLUMN {}", ident(name)))?;
                }
            }
            let added: Columns = columns
                .iter()
                .filter(|(name, _)| !first.iter().any(|(n, _)| n == name))
                .cloned()
                .collect();
            for (name, ty) in &added {
                session.execute(&format!(
                    "ALTER TABLE {table} ADD COLUMN {} {ty}",
                    ident(name)
                ))?;
            }
            // The table's columns in its order (the first version's, then
            // those this version added); the file's fields map to them by name.
            let mut in_table_order: Columns = first
                .iter()
                .filter_map(|(name, _)| columns.iter().find(|(n, _)| n == name).cloned())
                .collect();
            in_table_order.extend(added);
            file.insert_into(session, &self.table, &in_table_order)
                .map_err(|e| {
                    let duplicate = e.code == SqlState::UniqueViolation;
                    let mut e = CliError::from_rows(e).without_hint();
                    if duplicate {
                        e.hint = Some("each key may appear once in a file".to_owned());
                    }
                    e
                })?;
        }
        session.execute("COMMIT")?;
        let state = BranchState::read(&self.repository, BRANCH)?;
        Ok(self.repository.read_catalog(&state.working_set.working)?)
    }
}

/// The file `given` (relative to `cwd`), read as `format` or else as its
/// extension says; `flag` is the option that names a format, for the hint.
pub fn input_file(
    cwd: &Path,
    given: &Path,
    format: Option<FileFormat>,
    flag: &str,
) -> Result<InputFile, CliError> {
    let path = cwd.join(given);
    let name = given.display().to_string();
    match format.or_else(|| FileFormat::from_path(&path)) {
        Some(FileFormat::Sql) => Err(CliError::new(format!(
            "{name}: SQL files are not read as rows"
        ))
        .with_hint("run them with `arbor sql -f <file>`")),
        Some(format) => Ok(InputFile::new(path, name, format)),
        None => Err(
            CliError::new(format!("cannot tell the format of {name} from its name"))
                .with_hint(format!("name it with {flag} csv|tsv|psv|json|jsonl")),
        ),
    }
}
