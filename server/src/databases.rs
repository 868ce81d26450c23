//! Which repository and branch a client's database name opens.
//!
//! The server serves one repository (the folder given is one) or every
//! repository in a folder of them; a database is named by its folder, and
//! `name/branch` opens that branch instead of the checked-out one (as
//! Dolt's revision databases do). Each repository's store is opened once,
//! shared by its sessions: readers never wait, and a writer holds the lock
//! only while it publishes (see the store's `OpenMode::Shared`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use arbor_engine::{Environment, Error, Repository, STORE_DIR, Session, SqlState, ops};

/// The repositories a server serves.
#[derive(Debug)]
pub struct Databases {
    kind: Layout,
    env: Environment,
    /// Every session read-only (`--read-only`).
    read_only: bool,
    /// Stores opened so far, by database name.
    open: Mutex<HashMap<String, Repository>>,
}

#[derive(Debug)]
enum Layout {
    /// One repository, its database named by its folder.
    One { name: String, dir: PathBuf },
    /// A folder whose repositories are each a database.
    Many { dir: PathBuf },
}

impl Databases {
    /// The repositories in `dir`: `dir` itself if it is one, else each of
    /// its folders that is one.
    pub fn new(dir: &Path, env: Environment, read_only: bool) -> Result<Databases, Error> {
        if !dir.is_dir() {
            return Err(Error::new(
                SqlState::UndefinedFile,
                format!("{} does not exist or is not a folder", dir.display()),
            ));
        }
        let kind = if dir.join(STORE_DIR).is_dir() {
            let name = dir
                .canonicalize()
                .ok()
                .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
                .unwrap_or_else(|| "arbor".to_owned());
            Layout::One {
                name,
                dir: dir.to_owned(),
            }
        } else {
            Layout::Many {
                dir: dir.to_owned(),
            }
        };
        Ok(Databases {
            kind,
            env,
            read_only,
            open: Mutex::new(HashMap::new()),
        })
    }

    /// The names of the databases served now.
    pub fn names(&self) -> Vec<String> {
        match &self.kind {
            Layout::One { name, .. } => vec![name.clone()],
            Layout::Many { dir } => {
                let mut names: Vec<String> = std::fs::read_dir(dir)
                    .into_iter()
                    .flatten()
                    .flatten()
                    .filter(|e| e.path().join(STORE_DIR).is_dir())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect();
                names.sort();
                names
            }
        }
    }

    /// A session on the database `name` (`repo` or `repo/branch`).
    pub fn session(&self, name: &str) -> Result<Session, Error> {
        let (database, branch) = match name.split_once('/') {
            Some((d, b)) => (d, Some(b)),
            None => (name, None),
        };
        let repo = self.repository(database)?;
        let branch = match branch {
            Some(b) => b.to_owned(),
            None => repo.store_root()?.default_branch,
        };
        let mut session = Session::open(repo, &branch).map_err(|e| {
            if e.code == SqlState::UndefinedObject || e.message.contains("branch") {
                Error::new(
                    SqlState::InvalidCatalogName,
                    format!("database \"{name}\" does not exist"),
                )
                .with_detail(e.message.clone())
            } else {
                e
            }
        })?;
        session.set_environment(self.env.clone());
        session.set_read_only(self.read_only);
        Ok(session)
    }

    fn repository(&self, database: &str) -> Result<Repository, Error> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(repo) = open.get(database) {
            return Ok(repo.clone());
        }
        let dir = match &self.kind {
            Layout::One { name, dir } if name == database => dir.clone(),
            Layout::Many { dir }
                if !database.is_empty()
                    && !database.starts_with('.')
                    && !database.contains(['/', '\\'])
                    && dir.join(database).join(STORE_DIR).is_dir() =>
            {
                dir.join(database)
            }
            _ => {
                return Err(Error::new(
                    SqlState::InvalidCatalogName,
                    format!("database \"{database}\" does not exist"),
                )
                .with_hint(format!(
                    "the databases served are: {}",
                    self.names().join(", ")
                )));
            }
        };
        let repo = Repository::open(ops::open_disk_store_shared(&dir)?)?;
        open.insert(database.to_owned(), repo.clone());
        Ok(repo)
    }
}
