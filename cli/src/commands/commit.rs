//! `arbor commit`: record the staged tables (or, with -a, all changes) as a new commit.

use std::path::Path;
use std::process::ExitCode;

use arbor_engine::objects::Signature;
use arbor_engine::vc::{self, commit::CommitOptions};

use crate::ui::CliError;
use crate::{identity, vcs};

/// Arguments of `arbor commit`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The commit message (concluding a merge, the merge's by default).
    #[arg(short, long)]
    message: Option<String>,
    /// Stage every change first (tables added, changed and dropped).
    #[arg(short = 'a', long = "all", visible_short_alias = 'A')]
    all: bool,
    /// Replace the last commit (keeping its message unless -m is given, and
    /// its author and date unless --author or --date is given).
    #[arg(long)]
    amend: bool,
    /// Commit even if nothing changed.
    #[arg(long)]
    allow_empty: bool,
    /// The author, as 'Name <email>'.
    #[arg(long)]
    author: Option<String>,
    /// The commit date (seconds since the epoch, or RFC 3339).
    #[arg(long)]
    date: Option<String>,
}

pub fn run(args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    let repository = vcs::open(cwd)?;
    let branch = vc::current_branch(&repository)?;
    let message = match (&args.message, args.amend) {
        (Some(m), _) => m.clone(),
        (None, true) => {
            let head = repository.branch_head(&branch)?;
            repository.read_commit(&head)?.message
        }
        (None, false) => {
            // Concluding a merge: its message, as `arbor status` suggests.
            match vc::BranchState::read(&repository, &branch)?
                .working_set
                .merge
            {
                Some(merge) => merge.message,
                None => {
                    return Err(CliError::new("a commit needs a message")
                        .with_hint("pass one with -m \"...\""));
                }
            }
        }
    };
    if message.trim().is_empty() {
        return Err(CliError::new("aborting commit due to empty commit message"));
    }
    let author = if args.amend {
        amended_author(&repository, &branch, &args, cwd)?
    } else {
        identity::author(cwd, args.author.as_deref(), args.date.as_deref())?
    };
    let options = CommitOptions {
        message,
        author,
        all: args.all,
        allow_empty: args.allow_empty,
        amend: args.amend,
    };
    let address = vc::commit::commit(&repository, &branch, &options)?;
    println!(
        "[{branch} {}] {}",
        address.short(8),
        options.message.lines().next().unwrap_or_default()
    );
    Ok(ExitCode::SUCCESS)
}

/// The author of an amended commit, as Git keeps it: the replaced commit's
/// name, email and time, each unless `--author` or `--date` replaces it.
fn amended_author(
    repository: &arbor_engine::repo::Repository,
    branch: &str,
    args: &Args,
    cwd: &Path,
) -> Result<Signature, CliError> {
    let head = repository.branch_head(branch)?;
    let mut author = repository.read_commit(&head)?.author;
    if let Some(flag) = args.author.as_deref() {
        let given = identity::author(cwd, Some(flag), args.date.as_deref())?;
        author.name = given.name;
        author.email = given.email;
    }
    if let Some(date) = args.date.as_deref() {
        (author.time, author.offset_minutes) = identity::parse_date(date).ok_or_else(|| {
            CliError::new(format!("--date '{date}' is not a date")).with_hint(
                "use seconds since the epoch, or RFC 3339 like 2024-01-31T12:00:00+01:00",
            )
        })?;
    }
    Ok(author)
}
