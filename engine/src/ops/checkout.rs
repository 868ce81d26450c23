//! `checkout`: its arguments and its rules.

use arbor_merkle::Address;

use super::usage;
use crate::error::Result;
use crate::repo::{Repository, branch_ref};
use crate::vc::{self, branch, commit::RestoreFrom};

/// The arguments of `arbor checkout` (and `arbor switch`) and
/// `arbor_checkout(...)`.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct CheckoutArgs {
    /// Create the branch first (at the start revision, or HEAD).
    #[arg(short = 'b', visible_short_alias = 'c', long = "create")]
    pub create: bool,
    /// Create the branch, or move it if it exists (at the start revision,
    /// or HEAD), then check it out.
    #[arg(short = 'B', long = "force-create", conflicts_with = "create")]
    pub force_create: bool,
    /// Discard the current branch's uncommitted changes to tracked tables
    /// instead of carrying them (untracked tables still go along).
    #[arg(short = 'f', long)]
    pub force: bool,
    /// The branch; before `--`, the revision to take the tables from; `.`
    /// restores every tracked table from the staged ones.
    #[arg(
        required_unless_present = "tables",
        default_value = "",
        hide_default_value = true
    )]
    pub branch: String,
    /// Where a new branch starts.
    pub start: Option<String>,
    /// After `--`: tables whose changes to discard (from the staged
    /// tables, or from the revision before `--`, staged tables too).
    #[arg(last = true)]
    pub tables: Vec<String>,
}

impl CheckoutArgs {
    /// These arguments with `-b -- <name> [start]` (or `-B`) read as the
    /// branch and its start: `--` lets a new branch's name begin with `-`
    /// (so that its validation, not the parser, refuses it).
    pub fn normalized(&self) -> CheckoutArgs {
        let mut args = self.clone();
        if (args.create || args.force_create) && args.branch.is_empty() && args.start.is_none() {
            let mut after = std::mem::take(&mut args.tables).into_iter();
            args.branch = after.next().unwrap_or_default();
            args.start = after.next();
            args.tables = after.collect();
        }
        args
    }

    /// Whether these arguments restore tables (`-- <tables>`, `.`) rather
    /// than move to a branch.
    pub fn restores_tables(&self) -> bool {
        !self.tables.is_empty() || self.branch == "."
    }
}

/// What [`checkout`] did besides moving to the branch.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckedOut {
    /// The branch was made from a remote-tracking branch of this remote
    /// (the only one with a branch of that name), which it now tracks.
    pub tracking: Option<String>,
    /// `-B` moved a branch that existed.
    pub moved: bool,
}

/// Checks out `args.branch` (creating it first with `-b`, creating or
/// moving it with `-B`); `current` is the branch checked out now, against
/// which the start revision resolves.
///
/// The rules (Git's): a start revision only goes with `-b` or `-B`; a
/// branch made for a checkout that is then refused (uncommitted changes in
/// the way) is deleted again, and one `-B` moved is put back; a name only a
/// remote has (one remote) makes
/// a branch there that tracks it; `-f` discards the current branch's
/// changes to tracked tables first.
pub fn checkout(repo: &Repository, current: &str, args: &CheckoutArgs) -> Result<CheckedOut> {
    let args = &args.normalized();
    if args.restores_tables() {
        restore_tables(repo, current, args)?;
        return Ok(CheckedOut::default());
    }
    let mut done = CheckedOut::default();
    let mut made = false;
    // Where a created (or moved) branch starts.
    let at = if args.create || args.force_create {
        let start = args.start.as_deref().unwrap_or("HEAD");
        Some(vc::revision::resolve(repo, current, start)?)
    } else {
        None
    };
    if let Some(at) = at
        && args.force_create
        && args.branch == current
    {
        // The checked-out branch moves as `reset --hard` would move it,
        // which must not discard uncommitted changes unasked (-f).
        if vc::BranchState::read(repo, current)?.is_dirty() && !args.force {
            return Err(crate::error::Error::vc(
                crate::error::VcError::UncommittedChanges,
                format!(
                    "moving the checked-out branch '{current}' would discard uncommitted changes"
                ),
            )
            .with_hint("commit them, or add -f to discard them"));
        }
        vc::commit::reset(repo, current, at, vc::commit::ResetMode::Hard)?;
        return Ok(CheckedOut {
            moved: true,
            ..CheckedOut::default()
        });
    }
    // A branch made here and a checkout then refused: the root goes back
    // to what it was, so nothing of the refused command stays (the reflog
    // included).
    let root_before = repo.root_address()?;
    if let Some(at) = at {
        let existed = repo
            .store_root()?
            .refs
            .contains_key(&branch_ref(&args.branch));
        branch::create(repo, &args.branch, at, args.force_create)?;
        made = !existed;
        done.moved = existed;
    } else if args.start.is_some() {
        return Err(usage(
            "a start revision only goes with -b or -B (create a branch)",
        ));
    } else if let Some((remote, at)) = only_remote_with(repo, &args.branch)? {
        branch::create(repo, &args.branch, at, false)?;
        crate::remote::set_upstream(repo, &args.branch, &remote, &args.branch)?;
        made = true;
        done.tracking = Some(remote);
    }
    if args.force && args.branch != current {
        let head = vc::revision::resolve(repo, current, "HEAD")?;
        vc::commit::reset(repo, current, head, vc::commit::ResetMode::Hard)?;
    }
    let root_made = repo.root_address()?;
    if let Err(e) = branch::checkout(repo, &args.branch) {
        // Made or moved (-B) for nothing: undone.
        if made || done.moved {
            let undone = match root_before {
                Some(before) => repo.restore_root(root_made, before)?,
                None => false,
            };
            if !undone && made {
                branch::delete(repo, &args.branch, true)?;
            }
        }
        return Err(e);
    }
    Ok(done)
}

/// For a name no local branch has: the one remote with a remote-tracking
/// branch of that name, and its commit (none, or several: `None`).
fn only_remote_with(repo: &Repository, name: &str) -> Result<Option<(String, Address)>> {
    let root = repo.store_root()?;
    if root.refs.contains_key(&branch_ref(name)) {
        return Ok(None);
    }
    let found: Vec<(String, Address)> = root
        .refs
        .iter()
        .filter_map(|(r, at)| {
            let (remote, branch) = r.strip_prefix("refs/remotes/")?.split_once('/')?;
            (branch == name).then(|| (remote.to_owned(), *at))
        })
        .collect();
    Ok(match found.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    })
}

/// `checkout -- <tables>` (working tables from the staged ones), `checkout
/// <rev> -- <tables>` (staged and working tables from the revision) and
/// `checkout .` (every tracked working table from the staged ones), as
/// Git's checkout of paths; returns the names of the tables changed.
pub fn restore_tables(
    repo: &Repository,
    current: &str,
    args: &CheckoutArgs,
) -> Result<Vec<String>> {
    if args.create || args.force_create || args.start.is_some() {
        return Err(usage(
            "-b, -B and a start revision create a branch; they do not go with tables after --",
        ));
    }
    let (source, tables) = match args.branch.as_str() {
        "" => (None, args.tables.clone()),
        "." => (None, [vec![".".to_owned()], args.tables.clone()].concat()),
        rev => (
            Some(vc::revision::resolve(repo, current, rev)?),
            args.tables.clone(),
        ),
    };
    let from = RestoreFrom {
        source,
        staged: source.is_some(),
        working: true,
    };
    vc::commit::restore(repo, current, &tables, from)
}
