//! `cherry-pick`, `revert` and `rebase`: their arguments and their rules.
//!
//! Each starts a sequence of steps (`crate::vc::merge` applies them) or
//! acts on the one in progress: `--continue`, `--skip`, `--abort`.

use arbor_merkle::Address;

use super::{identity, time, usage};
use crate::env::Environment;
use crate::error::{Error, Result, SqlState};
use crate::objects::{Commit, SequenceKind, Step, StepAction};
use crate::repo::Repository;
use crate::table::CheckBinder;
use crate::vc::merge::{self as vc_merge, SequenceOptions, SequenceOutcome};
use crate::vc::{self, BranchState};

/// The arguments of a cherry-pick or a revert (`arbor cherry-pick`,
/// `arbor revert`, `arbor_cherry_pick(...)`, `arbor_revert(...)`).
#[derive(Clone, Debug, Default, clap::Args)]
pub struct PickArgs {
    /// The commits, applied in order (each is resolved before the first is
    /// applied).
    #[arg(required_unless_present_any = ["continue_", "abort", "skip"])]
    pub revisions: Vec<String>,
    /// Go on after the conflicts of the commit it stopped at are resolved.
    #[arg(long = "continue", conflicts_with_all = ["revisions", "abort", "skip", "allow_empty"])]
    pub continue_: bool,
    /// Give up: the branch goes back to where it was before it began.
    #[arg(long, conflicts_with_all = ["revisions", "skip", "allow_empty"])]
    pub abort: bool,
    /// Drop the commit it stopped at, and go on.
    #[arg(long, conflicts_with_all = ["revisions", "allow_empty"])]
    pub skip: bool,
    /// Make a commit even for a commit whose changes are already here.
    #[arg(long)]
    pub allow_empty: bool,
    /// The author of revert commits, as 'Name <email>' (a cherry-pick keeps
    /// each picked commit's author).
    #[arg(long)]
    pub author: Option<String>,
}

/// The arguments of a rebase (`arbor rebase`, `arbor_rebase(...)`).
#[derive(Clone, Debug, Default, clap::Args)]
pub struct RebaseArgs {
    /// The commit to replay the branch's own commits onto: the branch
    /// ends up as that commit followed by copies of its commits.
    #[arg(required_unless_present_any = ["continue_", "abort", "skip"])]
    pub upstream: Option<String>,
    /// Edit the list of commits first: reorder them, drop, reword,
    /// squash or fixup some.
    #[arg(short, long)]
    pub interactive: bool,
    /// Go on after the conflicts of the commit it stopped at are resolved.
    #[arg(long = "continue", conflicts_with_all = ["upstream", "abort", "skip", "interactive"])]
    pub continue_: bool,
    /// Give up: the branch goes back to where it was before it began.
    #[arg(long, conflicts_with_all = ["upstream", "skip", "interactive"])]
    pub abort: bool,
    /// Drop the commit it stopped at, and go on.
    #[arg(long, conflicts_with_all = ["upstream", "interactive"])]
    pub skip: bool,
}

/// What a cherry-pick, revert or rebase did.
#[derive(Clone, Debug, PartialEq)]
pub enum SequenceDone {
    /// It ran (or went on) to its end, or stopped at a conflict.
    Ran(SequenceOutcome),
    /// The sequence in progress was abandoned.
    Aborted,
    /// A rebase with nothing to replay: the branch already has the upstream.
    UpToDate,
}

/// A commit of a rebase's plan, for the one who edits the plan.
#[derive(Clone, Debug)]
pub struct PlannedStep {
    /// The step as planned (a pick).
    pub step: Step,
    /// Its commit.
    pub commit: Commit,
}

/// Cherry-picks (`kind` [`SequenceKind::CherryPick`]) or reverts
/// ([`SequenceKind::Revert`]) as `args` say, on `branch`.
///
/// The rules: every revision is resolved before anything is applied; a
/// cherry-pick keeps each picked commit's author and message; a revert is
/// authored by `--author`, else the environment's author, and says what it
/// reverts.
pub fn pick(
    repo: &Repository,
    env: &Environment,
    checks: &dyn CheckBinder,
    branch: &str,
    kind: SequenceKind,
    args: &PickArgs,
) -> Result<SequenceDone> {
    if let Some(done) = go_on(
        repo,
        checks,
        branch,
        kind,
        args.continue_,
        args.skip,
        args.abort,
    )? {
        return Ok(done);
    }
    let (action, author) = match kind {
        SequenceKind::Revert => (
            StepAction::Revert,
            Some(identity(env, args.author.as_deref())?.at(time(env, None)?)),
        ),
        _ if args.author.is_some() => {
            return Err(usage(
                "--author names who reverts; a cherry-pick keeps each commit's author",
            ));
        }
        _ => (StepAction::Pick, None),
    };
    let mut steps = Vec::with_capacity(args.revisions.len());
    for revision in &args.revisions {
        steps.push(Step {
            action,
            commit: vc::revision::resolve(repo, branch, revision)?,
            message: None,
        });
    }
    let head = repo.branch_head(branch)?;
    let options = SequenceOptions {
        author,
        allow_empty: args.allow_empty,
    };
    vc_merge::start_sequence(repo, checks, branch, kind, head, steps, &options)
        .map(SequenceDone::Ran)
}

/// Rebases `branch` as `args` say. An interactive rebase applies `edited`:
/// its plan ([`rebase_plan`]) as the user edited it (refused without one:
/// a SQL procedure has no one to edit it).
///
/// The rules: a branch whose history has the upstream is up to date (but
/// for an interactive rebase, which may still edit its commits); one that
/// the upstream's history has is fast-forwarded to it; otherwise its own
/// commits (merges left out) are replayed onto the upstream, keeping
/// their authors, and those that change nothing there are dropped.
pub fn rebase(
    repo: &Repository,
    checks: &dyn CheckBinder,
    branch: &str,
    args: &RebaseArgs,
    edited: Option<Vec<Step>>,
) -> Result<SequenceDone> {
    let kind = SequenceKind::Rebase;
    if let Some(done) = go_on(
        repo,
        checks,
        branch,
        kind,
        args.continue_,
        args.skip,
        args.abort,
    )? {
        return Ok(done);
    }
    let onto = upstream(repo, branch, args)?;
    let state = BranchState::read(repo, branch)?;
    vc_merge::refuse_in_progress(&state)?;
    let head = state.head;
    let steps = match (args.interactive, edited) {
        (false, _) => {
            if vc::history::is_ancestor(repo, onto, head)? {
                return Ok(SequenceDone::UpToDate);
            }
            vc_merge::rebase_steps(repo, head, onto)?
        }
        (true, Some(steps)) => {
            if let Some(first) = steps.first()
                && matches!(first.action, StepAction::Squash | StepAction::Fixup)
            {
                return Err(usage(
                    "a rebase cannot start with a squash or fixup: there is no commit before it to meld into",
                ));
            }
            steps
        }
        (true, None) => return Err(no_interactive_rebase()),
    };
    let options = SequenceOptions {
        author: None,
        allow_empty: false,
    };
    vc_merge::start_sequence(repo, checks, branch, kind, onto, steps, &options)
        .map(SequenceDone::Ran)
}

/// The plan of a rebase of `branch` as `args` say, for the user to edit:
/// the branch's own commits the upstream lacks, oldest first, each a pick.
pub fn rebase_plan(repo: &Repository, branch: &str, args: &RebaseArgs) -> Result<Vec<PlannedStep>> {
    let onto = upstream(repo, branch, args)?;
    let head = BranchState::read(repo, branch)?.head;
    let mut planned = Vec::new();
    for step in vc_merge::rebase_steps(repo, head, onto)? {
        let commit = repo.read_commit(&step.commit)?;
        planned.push(PlannedStep { step, commit });
    }
    Ok(planned)
}

/// The commit a rebase replays onto.
fn upstream(repo: &Repository, branch: &str, args: &RebaseArgs) -> Result<Address> {
    let upstream = args
        .upstream
        .as_deref()
        .ok_or_else(|| usage("name the commit to rebase onto"))?;
    vc::revision::resolve(repo, branch, upstream)
}

/// `--continue`, `--skip` or `--abort` of the sequence of `kind` in
/// progress; `None` when none of them was asked for.
fn go_on(
    repo: &Repository,
    checks: &dyn CheckBinder,
    branch: &str,
    kind: SequenceKind,
    continue_: bool,
    skip: bool,
    abort: bool,
) -> Result<Option<SequenceDone>> {
    Ok(Some(if continue_ {
        SequenceDone::Ran(vc_merge::continue_sequence(repo, checks, branch, kind)?)
    } else if skip {
        SequenceDone::Ran(vc_merge::skip_sequence(repo, checks, branch, kind)?)
    } else if abort {
        vc_merge::abort_sequence(repo, branch, kind)?;
        SequenceDone::Aborted
    } else {
        return Ok(None);
    }))
}

/// The refusal of an interactive rebase where no one can edit its plan
/// (a SQL procedure).
fn no_interactive_rebase() -> Error {
    Error::new(
        SqlState::FeatureNotSupported,
        "an interactive rebase needs an editor for its plan",
    )
    .with_hint("run `arbor rebase -i` from a terminal")
}
