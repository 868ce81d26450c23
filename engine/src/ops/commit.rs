//! `commit`: its arguments and its rules.

use arbor_merkle::Address;

use super::{identity, time};
use crate::env::Environment;
use crate::error::{Error, Result, SqlState};
use crate::objects::Signature;
use crate::repo::Repository;
use crate::table::CheckBinder;
use crate::vc::{self, BranchState, commit::CommitOptions};

/// The arguments of a commit (`arbor commit`, `arbor_commit(...)`).
#[derive(Clone, Debug, Default, clap::Args)]
pub struct CommitArgs {
    /// The commit message (concluding a merge, the merge's by default).
    #[arg(short, long)]
    pub message: Option<String>,
    /// Stage every change first (tables added, changed and dropped).
    #[arg(short = 'a', long = "all", visible_short_alias = 'A')]
    pub all: bool,
    /// Replace the last commit (keeping its message unless -m is given, and
    /// its author and date unless --author or --date is given).
    #[arg(long)]
    pub amend: bool,
    /// Commit even if nothing changed.
    #[arg(long)]
    pub allow_empty: bool,
    /// The author, as 'Name <email>'.
    #[arg(long)]
    pub author: Option<String>,
    /// The commit date (seconds since the epoch, or RFC 3339).
    #[arg(long)]
    pub date: Option<String>,
}

/// Commits on `branch` as `args` say; returns the new commit's address.
///
/// The rules: the message is `-m`, else (amending) the replaced commit's,
/// else (concluding a merge) the merge's; an empty one is refused. The
/// author is `--author`, else the environment's; the time `--date`, else
/// the environment's clock. Amending keeps the replaced commit's author
/// and time, each unless `--author` or `--date` replaces it, as Git does.
pub fn commit(
    repo: &Repository,
    env: &Environment,
    checks: &dyn CheckBinder,
    branch: &str,
    args: &CommitArgs,
) -> Result<Address> {
    let state = BranchState::read(repo, branch)?;
    let message = match (&args.message, args.amend) {
        (Some(m), _) => m.clone(),
        (None, true) => state.commit.message.clone(),
        (None, false) => match &state.working_set.merge {
            Some(merge) => merge.message.clone(),
            None => {
                return Err(Error::new(
                    SqlState::InvalidParameterValue,
                    "a commit needs a message",
                )
                .with_hint("pass one with -m \"...\""));
            }
        },
    };
    if message.trim().is_empty() {
        return Err(Error::new(
            SqlState::InvalidParameterValue,
            "aborting commit due to empty commit message",
        ));
    }
    let author = if args.amend {
        amended_author(env, state.commit.author.clone(), args)?
    } else {
        identity(env, args.author.as_deref())?.at(time(env, args.date.as_deref())?)
    };
    if let Some(merge) = &state.working_set.merge
        && merge.conflicts.is_none()
    {
        // Statements check every row they write; a merge's rows are checked
        // here, so that a commit never stores rows that break a constraint
        // (a duplicate or an orphan left by resolving to a side).
        let catalog = if args.all {
            state.working_set.working
        } else {
            state.working_set.staged
        };
        let ours = repo.read_catalog(&state.commit.catalog)?;
        vc::merge::verify_merged(repo, checks, &ours, &repo.read_catalog(&catalog)?)?;
    }
    let options = CommitOptions {
        message,
        author,
        all: args.all,
        allow_empty: args.allow_empty,
        amend: args.amend,
    };
    vc::commit::commit(repo, branch, &options)
}

/// The author of an amended commit: the replaced commit's name, email and
/// time, each unless `--author` or `--date` replaces it.
fn amended_author(
    env: &Environment,
    mut author: Signature,
    args: &CommitArgs,
) -> Result<Signature> {
    if let Some(text) = args.author.as_deref() {
        let given = identity(env, Some(text))?;
        author.name = given.name;
        author.email = given.email;
    }
    if args.date.is_some() {
        let t = time(env, args.date.as_deref())?;
        (author.time, author.offset_minutes) = (t.seconds, t.offset_minutes);
    }
    Ok(author)
}
