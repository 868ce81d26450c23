//! The commands, one file each.

mod fsck;
mod init;
mod sql;

use std::path::Path;
use std::process::ExitCode;

use crate::ui::CliError;

/// Every `arbor` command.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Create an empty repository in a directory (the current one by default).
    Init(init::Args),
    /// Check the integrity of every chunk in the repository.
    Fsck(fsck::Args),
    /// Run SQL against the current branch's working set.
    Sql(sql::Args),
}

/// Runs a command from directory `cwd`.
pub fn run(command: Command, cwd: &Path) -> Result<ExitCode, CliError> {
    match command {
        Command::Init(args) => init::run(args, cwd),
        Command::Fsck(args) => fsck::run(args, cwd),
        Command::Sql(args) => sql::run(args, cwd),
    }
}

/// The repository containing `cwd`, or a clear error.
pub fn repository_dir(cwd: &Path) -> Result<std::path::PathBuf, CliError> {
    arbor_engine::repo::find_repository(cwd).ok_or_else(|| {
        CliError::new(format!("{} is not in an Arbor repository", cwd.display()))
            .with_hint("create one with `arbor init`, or point at one with `arbor -C <dir> ...`")
    })
}
