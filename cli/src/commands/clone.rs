//! `arbor clone`: a new repository that is a copy of a remote one.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use arbor_engine::{remote, repo};
use arbor_merkle::ChunkStore;

use crate::ui::CliError;

/// Arguments of `arbor clone`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The repository to clone: a folder (a path or file:///path) or a Git
    /// repository (git+ssh://host/repo.git, git+https://..., git+file:///path).
    url: String,
    /// The folder to make (default: the last part of the URL, without `.git`).
    directory: Option<PathBuf>,
    /// Check out this branch instead of the remote's current one.
    #[arg(short, long)]
    branch: Option<String>,
    /// A shallow clone: only the branch's last N commits (each with all its
    /// data) and the tags among them; history ends there.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    depth: Option<u32>,
}

pub fn run(args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    let url = remote::canonical_url(&args.url, cwd)?;
    let directory = match &args.directory {
        Some(d) => cwd.join(d),
        None => {
            // The last part of the path, without a Git repository's `.git`.
            let last = Path::new(url.trim_end_matches('/'))
                .file_name()
                .map(|n| n.to_string_lossy().into_owned());
            let name = last
                .map(|n| n.strip_suffix(".git").map_or(n.clone(), str::to_owned))
                .filter(|n| !n.is_empty())
                .ok_or_else(|| {
                    CliError::new(format!("cannot tell a folder name from '{}'", args.url))
                        .with_hint("name the folder: arbor clone <url> <folder>")
                })?;
            cwd.join(name)
        }
    };
    let existed = directory.exists();
    if existed
        && std::fs::read_dir(&directory)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(CliError::new(format!(
            "{} already exists and is not an empty folder",
            directory.display()
        )));
    }
    let (bar, mut progress) = crate::progress::transfer("receiving");
    // Open the remote first: a bad URL leaves nothing behind. (The bar
    // clears itself when dropped, on any early return.)
    let source = remote::open(&url, false, &crate::identity::environment(cwd)?)?;
    let cannot_create =
        |e: std::io::Error| CliError::new(format!("cannot create {}: {e}", directory.display()));
    if !existed {
        if let Some(parent) = directory.parent() {
            std::fs::create_dir_all(parent).map_err(cannot_create)?;
        }
        // Made here and now (not found made by someone else meanwhile), so
        // this process may remove it again.
        std::fs::create_dir(&directory).map_err(cannot_create)?;
    }
    let store = match repo::open_disk_store(&directory) {
        Ok(store) => store,
        Err(e) => {
            if !existed {
                let _ = std::fs::remove_dir(&directory);
            }
            return Err(e.into());
        }
    };
    let cloned = remote::clone(
        store.clone(),
        &source,
        &url,
        args.branch.as_deref(),
        args.depth,
        &mut progress,
    );
    bar.finish_and_clear();
    match cloned {
        Ok((_, branch)) => {
            println!(
                "Cloned {url} into {} (branch '{branch}')",
                directory.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            // Nothing half-made stays behind: the store this process holds
            // locked never published a root, so no one else has used it.
            let published = store.root().map_or(true, |root| root.is_some());
            drop(store);
            if !published {
                let _ = if existed {
                    std::fs::remove_dir_all(directory.join(repo::STORE_DIR))
                } else {
                    std::fs::remove_dir_all(&directory)
                };
            }
            Err(e.into())
        }
    }
}
