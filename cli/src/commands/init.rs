//! `arbor init`: create an empty repository.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use arbor_engine::{Repository, ops};

use crate::identity;
use crate::ui::CliError;

/// Arguments of `arbor init`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The directory to create the repository in (created if missing).
    directory: Option<PathBuf>,
    /// The name of the first branch.
    #[arg(short = 'b', long = "initial-branch", default_value = "main")]
    initial_branch: String,
    /// Make a repository with no branch, commit or working set: a remote
    /// to push to (the first branch pushed becomes its default).
    #[arg(long, conflicts_with = "initial_branch")]
    bare: bool,
}

pub fn run(args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    let dir = match &args.directory {
        Some(d) => cwd.join(d),
        None => cwd.to_path_buf(),
    };
    if dir.join(arbor_engine::STORE_DIR).exists() {
        return Err(CliError::new(format!(
            "{} is already an Arbor repository",
            dir.display()
        )));
    }
    ops::validate_branch_name(&args.initial_branch)?;
    let store = ops::open_disk_store(&dir)?;
    if args.bare {
        Repository::init_bare(store)?;
    } else {
        let author = identity::system_signature(&dir)?;
        Repository::init(store, &args.initial_branch, &author)?;
    }
    println!(
        "Initialized an empty {}Arbor repository in {}",
        if args.bare { "bare " } else { "" },
        dir.join(arbor_engine::STORE_DIR).display()
    );
    Ok(ExitCode::SUCCESS)
}
