//! `arbor merge`: bring another branch's commits into the current one.
//! `--files base ours theirs`: a three-way merge of three versions of a
//! CSV file, no repository needed (also Git's merge driver; see [`files`]).

mod files;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use arbor_engine::Database;
use arbor_engine::ops::{self, MergeArgs};

use crate::ui::CliError;
use crate::{identity, vcs};

/// Arguments of `arbor merge`: the library's merge of revisions (shared
/// with `SELECT arbor_merge(...)`), or `--files`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    merge: MergeArgs,
    /// Merge three versions of a CSV, TSV or PSV file instead of
    /// revisions: their common ancestor, ours and theirs. As Git's merge
    /// driver: `arbor merge --files %O %A %B --name %P`.
    #[arg(long, num_args = 3, value_names = ["BASE", "OURS", "THEIRS"], conflicts_with_all = ["revision", "abort", "squash", "no_ff"])]
    files: Vec<PathBuf>,
    /// With --files: the columns that identify a row (default: the first column).
    #[arg(
        long,
        value_name = "COLUMN,...",
        value_delimiter = ',',
        requires = "files"
    )]
    key: Vec<String>,
    /// With --files: where to write the merged file (default: over OURS, as
    /// Git expects of a merge driver; `-` for standard output).
    #[arg(short, long, value_name = "FILE", requires = "files")]
    output: Option<PathBuf>,
    /// With --files: the file's path in the repository (Git's `%P`), for
    /// messages and to tell its format.
    #[arg(long, value_name = "PATH", requires = "files")]
    name: Option<PathBuf>,
    /// With --files: the files' format (by default from their names).
    #[arg(long, value_enum, value_name = "FORMAT", requires = "files")]
    file_format: Option<arbor_engine::io::FileFormat>,
}

pub fn run(args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    if !args.files.is_empty() {
        return files::run(&args, cwd);
    }
    let repository = vcs::open(cwd)?;
    let branch = ops::current_branch(&repository)?;
    let database = Database::from_repository(repository, identity::environment(cwd)?);
    let outcome = database.branch(&branch)?.merge(&args.merge)?;
    Ok(vcs::print_merge_outcome(outcome))
}
