//! `clone`: its arguments and its rules.

use std::path::{Path, PathBuf};

use arbor_merkle::ChunkStore;
use arbor_merkle::reachability::WalkStats;

use crate::env::Environment;
use crate::error::{Error, Result, SqlState};
use crate::remote;
use crate::repo::{self, STORE_DIR};

/// The arguments of `arbor clone` and `arbor_clone(...)`.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct CloneArgs {
    /// The repository to clone: a folder (a path or file:///path) or a Git
    /// repository (git+ssh://host/repo.git, git+https://..., git+file:///path).
    pub url: String,
    /// The folder to make (default: the last part of the URL, without `.git`).
    pub directory: Option<PathBuf>,
    /// Check out this branch instead of the remote's current one.
    #[arg(short, long)]
    pub branch: Option<String>,
    /// A shallow clone: only the branch's last N commits (each with all its
    /// data) and the tags among them; history ends there.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub depth: Option<u32>,
}

/// What [`clone`] made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cloned {
    /// The remote's URL as recorded (folders absolute).
    pub url: String,
    /// The new repository's folder.
    pub directory: PathBuf,
    /// The branch checked out.
    pub branch: String,
}

/// Makes a new repository that is a copy of `args.url`.
///
/// The rules (Git's): relative paths are read against the environment's
/// working folder; the folder defaults to the URL's last part without
/// `.git`, and must not exist or be empty; the remote is opened before
/// anything is made, and a clone that fails leaves nothing behind.
pub fn clone(
    env: &Environment,
    args: &CloneArgs,
    progress: &mut dyn FnMut(WalkStats),
) -> Result<Cloned> {
    let base = match &env.working_dir {
        Some(dir) => dir.clone(),
        None => {
            if !args.url.contains("://") {
                // Refused when relative: there is nothing to read it against.
                env.absolute(Path::new(&args.url))?;
            }
            PathBuf::from("/")
        }
    };
    let url = remote::canonical_url(&args.url, &base)?;
    let directory = match &args.directory {
        Some(d) => env.absolute(d)?,
        None => env.absolute(Path::new(&default_folder(&args.url, &url)?))?,
    };
    env.check_folders("clone cannot create a repository")?;
    let existed = directory.exists();
    if existed
        && std::fs::read_dir(&directory)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(Error::new(
            SqlState::DuplicateDatabase,
            format!(
                "{} already exists and is not an empty folder",
                directory.display()
            ),
        ));
    }
    // Open the remote first: a bad URL leaves nothing behind.
    let source = remote::open(&url, false, env)?;
    let cannot_create = |e: std::io::Error| {
        Error::new(
            SqlState::IoError,
            format!("cannot create {}: {e}", directory.display()),
        )
    };
    if !existed {
        if let Some(parent) = directory.parent() {
            std::fs::create_dir_all(parent).map_err(cannot_create)?;
        }
        // Made here and now (not found made by someone else meanwhile), so
        // this clone may remove it again.
        std::fs::create_dir(&directory).map_err(cannot_create)?;
    }
    let store = match repo::open_disk_store(&directory) {
        Ok(store) => store,
        Err(e) => {
            if !existed {
                let _ = std::fs::remove_dir(&directory);
            }
            return Err(e);
        }
    };
    let cloned = remote::clone(
        store.clone(),
        &source,
        &url,
        args.branch.as_deref(),
        args.depth,
        progress,
    );
    match cloned {
        Ok((_, branch)) => Ok(Cloned {
            url,
            directory,
            branch,
        }),
        Err(e) => {
            // Nothing half-made stays behind: the store this clone holds
            // locked never published a root, so no one else has used it.
            let published = store.root().map_or(true, |root| root.is_some());
            drop(store);
            if !published {
                let _ = if existed {
                    std::fs::remove_dir_all(directory.join(STORE_DIR))
                } else {
                    std::fs::remove_dir_all(&directory)
                };
            }
            Err(e)
        }
    }
}

/// The folder a clone of `url` (as given, and as recorded) makes when none
/// is named: the last part of the path, without a Git repository's `.git`.
fn default_folder(given: &str, url: &str) -> Result<String> {
    Path::new(url.trim_end_matches('/'))
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .map(|n| n.strip_suffix(".git").map_or(n.clone(), str::to_owned))
        .filter(|n| !n.is_empty())
        .ok_or_else(|| {
            Error::new(
                SqlState::InvalidParameterValue,
                format!("cannot tell a folder name from '{given}': name the folder"),
            )
        })
}
