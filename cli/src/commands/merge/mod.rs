//! `arbor merge`: bring another branch's commits into the current one.
//! `--files base ours theirs`: a three-way merge of three versions of a
//! CSV file, no repository needed (also Git's merge driver; see [`files`]).

mod files;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use arbor_engine::vc::{
    self, history,
    merge::{MergeOptions, MergeOutcome},
};

use crate::ui::CliError;
use crate::{identity, vcs};

/// Arguments of `arbor merge`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The revision to merge.
    revision: Option<String>,
    /// The merge commit's message.
    #[arg(short, long)]
    message: Option<String>,
    /// Make a merge commit even when a fast-forward is possible.
    #[arg(long)]
    no_ff: bool,
    /// Merge the changes into the working set without committing.
    #[arg(long)]
    squash: bool,
    /// Abandon the merge in progress.
    #[arg(long)]
    abort: bool,
    /// The author, as 'Name <email>'.
    #[arg(long)]
    author: Option<String>,
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
    file_format: Option<crate::commands::table::FileFormat>,
}

pub fn run(args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    if !args.files.is_empty() {
        return files::run(&args, cwd);
    }
    let repository = vcs::open(cwd)?;
    let branch = vc::current_branch(&repository)?;
    if args.abort {
        vc::merge::abort(&repository, &branch)?;
        return Ok(ExitCode::SUCCESS);
    }
    let revision = args
        .revision
        .ok_or_else(|| CliError::new("name a branch or commit to merge"))?;
    let theirs = vcs::resolve(&repository, &revision)?;
    // Only a merge commit records an author: a fast-forward, a squash or
    // an up-to-date merge needs no identity.
    let ours = vcs::resolve(&repository, "HEAD")?;
    let makes_commit = !args.squash
        && !history::is_ancestor(&repository, theirs, ours)?
        && (args.no_ff || !history::is_ancestor(&repository, ours, theirs)?);
    let author = match identity::author(cwd, args.author.as_deref(), None) {
        Ok(author) => author,
        Err(_) if !makes_commit && args.author.is_none() => identity::system_signature()?,
        Err(e) => return Err(e),
    };
    let options = MergeOptions {
        message: args
            .message
            .unwrap_or_else(|| format!("Merge {revision} into {branch}")),
        author,
        no_ff: args.no_ff,
        squash: args.squash,
    };
    Ok(report(vc::merge::merge(
        &repository,
        &arbor_engine::sql::SqlChecks,
        &branch,
        theirs,
        &options,
    )?))
}

/// Prints what a merge did (as Git does) and gives the exit code: 1 when
/// it stopped with conflicts.
pub fn report(outcome: MergeOutcome) -> ExitCode {
    match outcome {
        MergeOutcome::UpToDate => println!("Already up to date."),
        MergeOutcome::FastForward(to) => println!("Fast-forward to {}", to.short(8)),
        MergeOutcome::Committed(c) => {
            println!("Merge made by the 'arbor' strategy: {}", c.short(8))
        }
        MergeOutcome::Uncommitted { conflicts } if conflicts.is_empty() => {
            println!(
                "Squash merge: changes are in the working set; commit them with `arbor commit`."
            )
        }
        MergeOutcome::Uncommitted { conflicts } => {
            for c in &conflicts {
                println!("CONFLICT in table {}: {}", c.table, c.description);
            }
            println!("Automatic merge failed; fix conflicts and then commit the result.");
            return ExitCode::from(1);
        }
    }
    ExitCode::SUCCESS
}
