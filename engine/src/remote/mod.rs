//! Remotes: other repositories a repository fetches from and pushes to.
//!
//! A remote has a name and a URL, kept with each branch's upstream in the
//! remotes object (`objects::RemoteList`, the store root's `remotes` ref).
//! The kinds of remote ([`RemoteUrl`]):
//!
//! - a folder holding another Arbor repository (`file:///path` or a plain
//!   path): its chunk store is opened directly; a push takes its writer lock
//!   and publishes with a compare-and-swap of its store root.
//! - a Git repository (`git+file://`, `git+ssh://`, `git+https://`, ...):
//!   the chunks travel as Git objects under the ref `refs/arbor/data`
//!   ([`git`], whose `GitStore` is a chunk store over it).
//!
//! Transfers move only what the other side lacks: a walk from the refs'
//! targets that stops at any chunk the receiver has
//! (`arbor_merkle::reachability::copy_missing`, which writes children before
//! parents, so a chunk present means its whole subtree is present). Every
//! chunk read is verified against its address. Refs are published only
//! after every chunk they reach has been written, in one compare-and-swap:
//! an interrupted transfer leaves both sides' refs as they were, and running
//! it again finishes the job.
//!
//! Remote-tracking branches are refs `refs/remotes/<remote>/<branch>`, usable
//! as revisions (`origin/main`).

use std::collections::HashSet;
use std::collections::btree_map::Entry;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arbor_merkle::reachability::{WalkStats, copy_missing, copy_missing_except};
use arbor_merkle::{Address, ChunkStore};

use crate::env::{Environment, unknown_author};
use crate::error::{Error, Result, SqlState, VcError};
use crate::objects::{Commit, RemoteList, Signature, StoreRoot, WorkingSet};
use crate::repo::{
    self, Repository, branch_ref, shallow_ref, validate_branch_name, working_set_ref,
};
use crate::table::CheckBinder;
use crate::vc::merge::{MergeOptions, MergeOutcome};
use crate::vc::revision::tag_ref;
use crate::vc::{self, history};

#[cfg(feature = "git")]
pub mod git;

/// The store root ref that names the remotes object.
pub const REMOTES_REF: &str = "remotes";

/// The remote-tracking ref of `branch` on `remote`.
pub fn tracking_ref(remote: &str, branch: &str) -> String {
    format!("refs/remotes/{remote}/{branch}")
}

/// Where a remote lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RemoteUrl {
    /// A folder holding an Arbor repository.
    Folder(PathBuf),
    /// A Git repository, by the URL Git knows it by (`git+` removed).
    Git(String),
}

/// The transports a Git remote may use, after `git+`.
const GIT_SCHEMES: &[&str] = &["file", "ssh", "http", "https", "git"];

/// Parses a remote URL: `file:///absolute/path` or a plain path (made
/// absolute against `cwd`) for a folder, `git+<scheme>://...` for a Git
/// repository. Anything that could be read as a command-line option is
/// refused.
pub fn parse_url(url: &str, cwd: &Path) -> Result<RemoteUrl> {
    let bad = |why: &str| {
        Error::new(
            SqlState::InvalidParameterValue,
            format!("invalid remote URL '{url}': {why}"),
        )
        .with_hint("use a folder path, file:///absolute/path, or git+<Git URL>")
    };
    if url.trim().is_empty() {
        return Err(bad("it is empty"));
    }
    // An argument that starts with '-' anywhere a tool could read it as an
    // option (`git+ssh://-oProxyCommand=...`) is never passed on.
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    if url.starts_with('-') || after_scheme.starts_with('-') {
        return Err(bad("it looks like a command-line option"));
    }
    if url.chars().any(char::is_control) {
        return Err(bad("it contains control characters"));
    }
    if let Some(path) = url.strip_prefix("file://") {
        if !path.starts_with('/') {
            return Err(bad("a file:// URL needs an absolute path"));
        }
        return Ok(RemoteUrl::Folder(PathBuf::from(path)));
    }
    if let Some((scheme, _)) = url.split_once("://") {
        if let Some(transport) = scheme.strip_prefix("git+") {
            if !GIT_SCHEMES.contains(&transport) {
                return Err(bad(&format!("unknown Git transport '{transport}'")));
            }
            if transport == "file" && !after_scheme.starts_with('/') {
                return Err(bad("a git+file:// URL needs an absolute path"));
            }
            if transport != "file" && after_scheme.split('/').next().is_none_or(str::is_empty) {
                return Err(bad("it names no host"));
            }
            return Ok(RemoteUrl::Git(url["git+".len()..].to_owned()));
        }
        return Err(bad(&format!("unknown scheme '{scheme}'")));
    }
    Ok(RemoteUrl::Folder(cwd.join(url)))
}

/// The URL to record for a remote given as `url` from `cwd`: folders as
/// absolute paths, so the remote is found from anywhere.
pub fn canonical_url(url: &str, cwd: &Path) -> Result<String> {
    match parse_url(url, cwd)? {
        RemoteUrl::Folder(path) => Ok(path.display().to_string()),
        RemoteUrl::Git(git_url) => Ok(format!("git+{git_url}")),
    }
}

/// Opens the repository a remote URL names, for writing (a push) or only
/// for reading, if `env` lets the library reach it (another folder; a Git
/// remote counts as the network).
pub fn open(url: &str, write: bool, env: &Environment) -> Result<Repository> {
    let path = match parse_url(url, Path::new("/"))? {
        RemoteUrl::Folder(path) => {
            env.check_folders(&format!("cannot open the remote {url}"))?;
            path
        }
        RemoteUrl::Git(git_url) => {
            env.check_network(&format!("cannot reach the remote {url}"))?;
            return open_git(&git_url, write, &env.git_cache());
        }
    };
    if write && is_missing_or_empty(&path)? {
        // A push makes its remote, as Dolt's file remotes do: a bare
        // repository, whose first pushed branch becomes its default.
        std::fs::create_dir_all(&path).map_err(|e| {
            Error::new(
                SqlState::IoError,
                format!("cannot create the remote {}: {e}", path.display()),
            )
        })?;
        return Ok(Repository::init_bare(repo::open_disk_store(&path)?)?.without_reflog());
    }
    if !path.join(repo::STORE_DIR).is_dir() {
        return Err(Error::new(
            SqlState::UndefinedFile,
            format!("{} is not an Arbor repository", path.display()),
        )
        .with_hint("a folder remote is a folder that `arbor init` or `arbor clone` made, or an empty one to push to"));
    }
    let store = if write {
        repo::open_disk_store(&path)?
    } else {
        let store = repo::open_disk_store_read_only(&path)?;
        if let Some(damage) = store.damage() {
            // A reader could read up to the damage, but a fetch or clone
            // would then take an older state of the remote for its latest.
            return Err(arbor_merkle::Error::DamagedJournal {
                path: path
                    .join(repo::STORE_DIR)
                    .join("journal")
                    .display()
                    .to_string(),
                offset: damage.offset,
                reason: damage.reason,
            }
            .into());
        }
        store
    };
    Ok(Repository::open(store)?.without_reflog())
}

/// Whether `path` does not exist or is an empty folder (a new remote).
fn is_missing_or_empty(path: &Path) -> Result<bool> {
    match std::fs::read_dir(path) {
        Ok(mut entries) => Ok(entries.next().is_none()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(true),
        Err(e) => Err(Error::new(
            SqlState::IoError,
            format!("cannot read the remote {}: {e}", path.display()),
        )),
    }
}

/// Opens remote `name` of `local`, for writing (a push) or only reading.
fn open_named(
    local: &Repository,
    name: &str,
    write: bool,
    env: &Environment,
) -> Result<Repository> {
    open(&url_of(local, name)?, write, env)
}

/// Opens a Git remote: refused by a build without the `git` feature.
#[cfg(not(feature = "git"))]
fn open_git(git_url: &str, _write: bool, _cache: &Path) -> Result<Repository> {
    Err(Error::new(
        SqlState::FeatureNotSupported,
        format!("cannot reach {git_url}: this build of Arbor has no Git remotes"),
    )
    .with_hint("Git remotes need arbor-engine's `git` feature (on by default)"))
}

/// Opens a Git remote. One that holds no Arbor data yet opens for a push
/// as an empty repository (its default branch is the first one pushed).
#[cfg(feature = "git")]
fn open_git(git_url: &str, write: bool, cache: &Path) -> Result<Repository> {
    let store = Arc::new(git::GitStore::open(git_url, cache)?);
    if store.root()?.is_none() {
        if !write {
            return Err(Error::new(
                SqlState::UndefinedFile,
                format!(
                    "the Git repository {git_url} holds no Arbor data ({})",
                    git::DATA_REF
                ),
            )
            .with_hint("push a branch to it first"));
        }
        let repo = Repository::from_store(store).without_reflog();
        repo.publish_first_root(&StoreRoot::default())?;
        return Ok(repo);
    }
    Ok(Repository::open(store)?.without_reflog())
}

/// The remote a command talks to by default: the upstream of the
/// checked-out branch, else `origin`.
pub fn default_remote(repo: &Repository) -> Result<String> {
    let branch = vc::current_branch(repo)?;
    Ok(remotes(repo)?
        .upstreams
        .get(&branch)
        .map_or_else(|| "origin".to_owned(), |(r, _)| r.clone()))
}

/// The remotes and upstreams of `repo`.
pub fn remotes(repo: &Repository) -> Result<RemoteList> {
    match repo.store_root()?.refs.get(REMOTES_REF) {
        Some(address) => Ok(RemoteList::from_chunk(
            &repo.store().get_required(address)?,
        )?),
        None => Ok(RemoteList::default()),
    }
}

/// Changes the remotes object (and any other ref) in one swap.
fn edit_remotes(
    repo: &Repository,
    edit: &mut dyn FnMut(&mut RemoteList, &mut StoreRoot) -> Result<()>,
) -> Result<()> {
    repo.update_store_root(&mut |root| {
        let mut list = match root.refs.get(REMOTES_REF) {
            Some(a) => RemoteList::from_chunk(&repo.store().get_required(a)?)?,
            None => RemoteList::default(),
        };
        edit(&mut list, root)?;
        let chunk = list.to_chunk();
        repo.store().put(&chunk)?;
        root.refs.insert(REMOTES_REF.to_owned(), chunk.address());
        Ok(())
    })
}

fn no_remote(name: &str) -> Error {
    Error::vc(VcError::UnknownRemote, format!("no such remote '{name}'"))
}

/// The URL of remote `name`.
pub fn url_of(repo: &Repository, name: &str) -> Result<String> {
    remotes(repo)?
        .remotes
        .get(name)
        .cloned()
        .ok_or_else(|| no_remote(name))
}

/// Adds remote `name` at `url` (already canonical).
pub fn add(repo: &Repository, name: &str, url: &str) -> Result<()> {
    validate_branch_name(name).map_err(|_| {
        Error::new(
            SqlState::InvalidParameterValue,
            format!("'{name}' is not a valid remote name"),
        )
    })?;
    if name.contains('/') {
        return Err(Error::new(
            SqlState::InvalidParameterValue,
            format!("'{name}' is not a valid remote name: it contains '/'"),
        ));
    }
    edit_remotes(repo, &mut |list, _| {
        if list.remotes.contains_key(name) {
            return Err(Error::new(
                SqlState::DuplicateObject,
                format!("remote '{name}' already exists"),
            ));
        }
        list.remotes.insert(name.to_owned(), url.to_owned());
        Ok(())
    })
}

/// Points remote `name` at `url` (already canonical).
pub fn set_url(repo: &Repository, name: &str, url: &str) -> Result<()> {
    edit_remotes(repo, &mut |list, _| {
        let entry = list.remotes.get_mut(name).ok_or_else(|| no_remote(name))?;
        *entry = url.to_owned();
        Ok(())
    })
}

/// Removes remote `name`, its remote-tracking branches and the upstreams
/// that name it.
pub fn remove(repo: &Repository, name: &str) -> Result<()> {
    edit_remotes(repo, &mut |list, root| {
        if list.remotes.remove(name).is_none() {
            return Err(no_remote(name));
        }
        list.upstreams.retain(|_, (remote, _)| remote != name);
        let prefix = format!("refs/remotes/{name}/");
        root.refs.retain(|r, _| !r.starts_with(&prefix));
        Ok(())
    })
}

/// Records `remote`/`remote_branch` as the upstream of local `branch`.
pub fn set_upstream(
    repo: &Repository,
    branch: &str,
    remote: &str,
    remote_branch: &str,
) -> Result<()> {
    edit_remotes(repo, &mut |list, _| {
        list.upstreams.insert(
            branch.to_owned(),
            (remote.to_owned(), remote_branch.to_owned()),
        );
        Ok(())
    })
}

/// The branches of a repository: name and head.
fn heads(root: &StoreRoot) -> Vec<(String, Address)> {
    root.refs
        .iter()
        .filter_map(|(r, a)| r.strip_prefix("refs/heads/").map(|b| (b.to_owned(), *a)))
        .collect()
}

/// The tags of a repository: name and target (a commit or tag object).
fn tags(root: &StoreRoot) -> Vec<(String, Address)> {
    root.refs
        .iter()
        .filter_map(|(r, a)| r.strip_prefix("refs/tags/").map(|t| (t.to_owned(), *a)))
        .collect()
}

/// One branch a fetch updated: its name on the remote, the remote-tracking
/// ref's old value and its new one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchedBranch {
    /// The branch's name on the remote.
    pub branch: String,
    /// What the remote-tracking ref held before.
    pub old: Option<Address>,
    /// What it holds now.
    pub new: Address,
}

/// What a fetch did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fetched {
    /// The branches fetched.
    pub branches: Vec<FetchedBranch>,
    /// Remote-tracking branches removed because the remote no longer has them.
    pub pruned: Vec<String>,
    /// Tags added.
    pub tags: Vec<String>,
    /// The chunks copied.
    pub copied: WalkStats,
}

/// Fetches `branches` (all when empty, with the tags) of remote `name`
/// into `refs/remotes/<name>/<branch>`. `progress` hears the running
/// totals of the chunks copied (as do the other transfers').
pub fn fetch(
    local: &Repository,
    env: &Environment,
    name: &str,
    branches: &[String],
    progress: &mut dyn FnMut(WalkStats),
) -> Result<Fetched> {
    let remote = open_named(local, name, false, env)?;
    let remote_root = remote.store_root()?;
    let remote_heads = heads(&remote_root);
    let wanted: Vec<(String, Address)> = if branches.is_empty() {
        remote_heads.clone()
    } else {
        branches
            .iter()
            .map(|b| {
                remote_heads
                    .iter()
                    .find(|(n, _)| n == b)
                    .cloned()
                    .ok_or_else(|| {
                        Error::new(
                            SqlState::UndefinedObject,
                            format!("remote '{name}' has no branch '{b}'"),
                        )
                    })
            })
            .collect::<Result<_>>()?
    };
    let remote_tags = if branches.is_empty() {
        tags(&remote_root)
    } else {
        Vec::new()
    };
    let roots: Vec<Address> = wanted.iter().chain(&remote_tags).map(|(_, a)| *a).collect();
    let copied = copy_missing(
        remote.store().as_ref(),
        local.store().as_ref(),
        &roots,
        progress,
    )?;
    let mut fetched = Fetched {
        copied,
        ..Fetched::default()
    };
    local.update_store_root(&mut |root| {
        fetched.branches.clear();
        fetched.pruned.clear();
        fetched.tags.clear();
        for (branch, head) in &wanted {
            let r = tracking_ref(name, branch);
            let old = root.refs.insert(r, *head);
            if old != Some(*head) {
                fetched.branches.push(FetchedBranch {
                    branch: branch.clone(),
                    old,
                    new: *head,
                });
            }
        }
        if branches.is_empty() {
            // Remote-tracking branches of branches the remote deleted.
            let prefix = format!("refs/remotes/{name}/");
            let gone: Vec<String> = root
                .refs
                .keys()
                .filter_map(|r| r.strip_prefix(&prefix))
                .filter(|b| !remote_heads.iter().any(|(n, _)| n == b))
                .map(str::to_owned)
                .collect();
            for b in gone {
                root.refs.remove(&tracking_ref(name, &b));
                fetched.pruned.push(b);
            }
            // Tags the local repository lacks (a local tag of the same name wins).
            for (tag, target) in &remote_tags {
                if let Entry::Vacant(e) = root.refs.entry(tag_ref(tag)) {
                    e.insert(*target);
                    fetched.tags.push(tag.clone());
                }
            }
        }
        Ok(())
    })?;
    Ok(fetched)
}

/// What to push: which local branch to which branch of which remote.
#[derive(Clone, Copy, Debug)]
pub struct Push<'a> {
    /// The local branch.
    pub branch: &'a str,
    /// The remote's name.
    pub remote: &'a str,
    /// The branch on the remote.
    pub remote_branch: &'a str,
    /// Move the remote branch even when it is not a fast-forward.
    pub force: bool,
    /// Send the tags the remote lacks too, in the same update.
    pub tags: bool,
}

/// What to pull: which branch of which remote, and how it may merge.
#[derive(Clone, Copy, Debug)]
pub struct Pull<'a> {
    /// The remote's name.
    pub remote: &'a str,
    /// The remote's branch.
    pub remote_branch: &'a str,
    /// Refuse anything but a fast-forward.
    pub ff_only: bool,
    /// The author of a merge commit; without one, only a fast-forward can happen.
    pub author: Option<&'a Signature>,
}

/// Fetches the pulled branch and merges it into local `branch`: a
/// fast-forward when possible, else a three-way merge (refused with
/// `ff_only`), its constraints checked through `checks`.
pub fn pull(
    local: &Repository,
    env: &Environment,
    checks: &dyn CheckBinder,
    branch: &str,
    pull: Pull<'_>,
    progress: &mut dyn FnMut(WalkStats),
) -> Result<(Fetched, MergeOutcome)> {
    let Pull {
        remote: name,
        remote_branch,
        ff_only,
        author,
    } = pull;
    // As Git's pull: every branch and the tags, as `fetch` brings them.
    let fetched = fetch(local, env, name, &[], progress)?;
    let theirs = local
        .store_root()?
        .refs
        .get(&tracking_ref(name, remote_branch))
        .copied()
        .ok_or_else(|| {
            Error::new(
                SqlState::UndefinedObject,
                format!("remote '{name}' has no branch '{remote_branch}'"),
            )
        })?;
    let ours = local.branch_head(branch)?;
    let diverged =
        !history::is_ancestor(local, theirs, ours)? && !history::is_ancestor(local, ours, theirs)?;
    if diverged && ff_only {
        return Err(Error::vc(
            VcError::NotFastForward,
            format!("not a fast-forward: {branch} and {name}/{remote_branch} have both moved on"),
        ));
    }
    if diverged && author.is_none() {
        return Err(unknown_author().with_detail("a pull that merges makes a commit"));
    }
    let options = MergeOptions {
        message: format!("Merge branch '{remote_branch}' of {name}"),
        author: author.cloned(),
        no_ff: false,
        squash: false,
        no_commit: false,
    };
    let outcome = vc::merge::merge(local, checks, branch, theirs, &options)?;
    Ok((fetched, outcome))
}

/// What a push did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pushed {
    /// The remote branch already was the commit.
    UpToDate,
    /// The remote branch moved from `old` (or was created) to `new`.
    Updated {
        /// Its old head, if it existed.
        old: Option<Address>,
        /// Its new head.
        new: Address,
        /// Whether the old head was not an ancestor (`--force`).
        forced: bool,
        /// The chunks copied.
        copied: WalkStats,
    },
}

/// Pushes local `branch` to `remote_branch` of remote `name`: refused
/// unless a fast-forward of the remote branch, or `force`. With `tags`,
/// the tags the remote lacks go along, in the same update of the remote.
/// Returns what happened to the branch and the tags pushed.
pub fn push(
    local: &Repository,
    env: &Environment,
    push: Push<'_>,
    progress: &mut dyn FnMut(WalkStats),
) -> Result<(Pushed, Vec<String>)> {
    let Push {
        branch,
        remote: name,
        remote_branch,
        force,
        tags,
    } = push;
    validate_branch_name(remote_branch)?;
    let new = local.branch_head(branch)?;
    let remote = open_named(local, name, true, env)?;
    let remote_root = remote.store_root()?;
    let old = remote_root.refs.get(&branch_ref(remote_branch)).copied();
    let missing = if tags {
        missing_tags(local, &remote_root)?
    } else {
        Vec::new()
    };
    if old == Some(new) && missing.is_empty() {
        record_tracking(local, name, remote_branch, Some(new))?;
        return Ok((Pushed::UpToDate, Vec::new()));
    }
    let fast_forward = match old {
        None => true,
        Some(old) => local.store().has(&old)? && history::is_ancestor(local, old, new)?,
    };
    if !fast_forward && !force {
        return Err(Error::vc(
            VcError::PushRejected {
                remote: name.to_owned(),
                branch: remote_branch.to_owned(),
            },
            format!(
                "rejected: {name}/{remote_branch} has commits that {branch} does not (not a fast-forward)"
            ),
        ));
    }
    let roots: Vec<Address> = std::iter::once(new)
        .chain(missing.iter().map(|(_, a)| *a))
        .collect();
    let copied = copy_missing(
        local.store().as_ref(),
        remote.store().as_ref(),
        &roots,
        progress,
    )?;
    let catalog = local.read_commit(&new)?.catalog;
    let remote_store = remote.store().clone();
    let old_catalog = match old {
        Some(o) => Some(remote.read_commit(&o)?.catalog),
        None => None,
    };
    let moves = old != Some(new);
    let mut pushed = Vec::new();
    remote.update_store_root(&mut |root| {
        insert_tags(root, &missing, &mut pushed);
        if !moves {
            return Ok(());
        }
        if root.refs.get(&branch_ref(remote_branch)).copied() != old {
            return Err(Error::new(
                SqlState::SerializationFailure,
                format!("{name}/{remote_branch} moved meanwhile; push again"),
            ));
        }
        // The remote's own working set of the branch follows the new head,
        // unless someone has uncommitted changes there.
        if let Some(ws_address) = root.refs.get(&working_set_ref(remote_branch)) {
            let ws = WorkingSet::from_chunk(&remote_store.get_required(ws_address)?)?;
            if !old_catalog.is_some_and(|c| ws.is_clean_at(c)) {
                return Err(Error::new(
                    SqlState::ObjectNotInPrerequisiteState,
                    format!(
                        "rejected: branch '{remote_branch}' of {name} has uncommitted changes in its working set"
                    ),
                )
                .with_hint("commit or discard them in the remote repository first"));
            }
        }
        // A remote without branches (a new Git remote) takes the first
        // branch pushed as its default, as Git hosts do.
        if !root.refs.keys().any(|r| r.starts_with("refs/heads/")) {
            root.default_branch = remote_branch.to_owned();
        }
        let ws = WorkingSet::clean(catalog);
        let chunk = ws.to_chunk();
        remote_store.put(&chunk)?;
        root.refs
            .insert(working_set_ref(remote_branch), chunk.address());
        root.refs.insert(branch_ref(remote_branch), new);
        Ok(())
    })?;
    record_tracking(local, name, remote_branch, Some(new))?;
    let outcome = if moves {
        Pushed::Updated {
            old,
            new,
            forced: !fast_forward,
            copied,
        }
    } else {
        Pushed::UpToDate
    };
    Ok((outcome, pushed))
}

/// Sets (or with `None` removes) the remote-tracking ref of `branch`.
fn record_tracking(
    local: &Repository,
    name: &str,
    branch: &str,
    head: Option<Address>,
) -> Result<()> {
    local.update_store_root(&mut |root| {
        match head {
            Some(h) => root.refs.insert(tracking_ref(name, branch), h),
            None => root.refs.remove(&tracking_ref(name, branch)),
        };
        Ok(())
    })
}

/// Deletes `remote_branch` on remote `name` (not its checked-out branch).
/// Returns the head it had.
pub fn delete_branch(
    local: &Repository,
    env: &Environment,
    name: &str,
    remote_branch: &str,
) -> Result<Address> {
    let remote = open_named(local, name, true, env)?;
    let remote_store = remote.store().clone();
    let mut deleted = None;
    remote.update_store_root(&mut |root| {
        if root.default_branch == remote_branch {
            return Err(Error::new(
                SqlState::ObjectNotInPrerequisiteState,
                format!("refusing to delete '{remote_branch}', the branch checked out in {name}"),
            ));
        }
        deleted = root.refs.remove(&branch_ref(remote_branch));
        let Some(head) = deleted else {
            return Err(Error::new(
                SqlState::UndefinedObject,
                format!("remote '{name}' has no branch '{remote_branch}'"),
            ));
        };
        // Uncommitted work on the branch over there is not thrown away.
        if let Some(ws_address) = root.refs.remove(&working_set_ref(remote_branch)) {
            let ws = WorkingSet::from_chunk(&remote_store.get_required(&ws_address)?)?;
            let catalog = Commit::from_chunk(&remote_store.get_required(&head)?)?.catalog;
            if !ws.is_clean_at(catalog) {
                return Err(Error::new(
                    SqlState::ObjectNotInPrerequisiteState,
                    format!(
                        "refusing to delete '{remote_branch}': it has uncommitted changes in {name}"
                    ),
                )
                .with_hint("commit or discard them in the remote repository first"));
            }
        }
        Ok(())
    })?;
    record_tracking(local, name, remote_branch, None)?;
    deleted.ok_or_else(|| Error::internal("a deleted branch without a head"))
}

/// Pushes every local tag the remote lacks; returns their names.
pub fn push_tags(
    local: &Repository,
    env: &Environment,
    name: &str,
    progress: &mut dyn FnMut(WalkStats),
) -> Result<Vec<String>> {
    let remote = open_named(local, name, true, env)?;
    let missing = missing_tags(local, &remote.store_root()?)?;
    let roots: Vec<Address> = missing.iter().map(|(_, a)| *a).collect();
    copy_missing(
        local.store().as_ref(),
        remote.store().as_ref(),
        &roots,
        progress,
    )?;
    let mut pushed = Vec::new();
    remote.update_store_root(&mut |root| {
        insert_tags(root, &missing, &mut pushed);
        Ok(())
    })?;
    Ok(pushed)
}

/// The local tags a remote whose store root is `remote_root` lacks, with
/// what they name.
fn missing_tags(local: &Repository, remote_root: &StoreRoot) -> Result<Vec<(String, Address)>> {
    Ok(tags(&local.store_root()?)
        .into_iter()
        .filter(|(t, _)| !remote_root.refs.contains_key(&tag_ref(t)))
        .collect())
}

/// Adds the `missing` tags still absent from `root`, listing them in
/// `pushed` (emptied first: an update may be tried more than once).
fn insert_tags(root: &mut StoreRoot, missing: &[(String, Address)], pushed: &mut Vec<String>) {
    pushed.clear();
    for (tag, target) in missing {
        if let Entry::Vacant(e) = root.refs.entry(tag_ref(tag)) {
            e.insert(*target);
            pushed.push(tag.clone());
        }
    }
}

/// Makes a new repository in `store` (which must be empty) a clone of
/// `remote`, the repository at `url` (opened with [`open`]): every branch as a remote-tracking branch of
/// `origin`, the tags, and `branch` (default: the remote's checked-out
/// branch) checked out with `origin` as its upstream. Returns the
/// repository and the branch checked out.
///
/// With a `depth`, a shallow clone: only `branch`, only its last `depth`
/// commits (each with its whole data), and the tags among them; the
/// commits at the cut are marked with refs `shallow/<commit>`, and
/// history ends there (see [`Repository::read_commit`]).
pub fn clone(
    store: Arc<dyn ChunkStore>,
    remote: &Repository,
    url: &str,
    branch: Option<&str>,
    depth: Option<u32>,
    progress: &mut dyn FnMut(WalkStats),
) -> Result<(Repository, String)> {
    if store.root()?.is_some() {
        return Err(Error::new(
            SqlState::DuplicateDatabase,
            "a repository already exists here",
        ));
    }
    let remote_root = remote.store_root()?;
    if remote_root.default_branch.is_empty() && branch.is_none() {
        return Err(Error::new(
            SqlState::ObjectNotInPrerequisiteState,
            format!("{url} has no branches yet: there is nothing to clone"),
        )
        .with_hint("push a branch to it first"));
    }
    let branch = branch.unwrap_or(&remote_root.default_branch).to_owned();
    validate_branch_name(&branch)?;
    let mut remote_heads = heads(&remote_root);
    let head = remote_heads
        .iter()
        .find(|(n, _)| *n == branch)
        .map(|(_, a)| *a)
        .ok_or_else(|| {
            Error::new(
                SqlState::UndefinedObject,
                format!("the remote has no branch '{branch}'"),
            )
        })?;
    let mut remote_tags = tags(&remote_root);
    let cut = match depth {
        Some(depth) => shallow_cut(remote, head, depth)?,
        None => ShallowCut::default(),
    };
    if depth.is_some() {
        remote_heads.retain(|(b, _)| *b == branch);
        let mut kept = Vec::new();
        for (tag, target) in remote_tags {
            if cut.kept.contains(&remote.peel(&target)?) {
                kept.push((tag, target));
            }
        }
        remote_tags = kept;
    }
    let roots: Vec<Address> = remote_heads
        .iter()
        .chain(&remote_tags)
        .map(|(_, a)| *a)
        .collect();
    copy_missing_except(
        remote.store().as_ref(),
        store.as_ref(),
        &roots,
        &cut.left_out,
        progress,
    )?;
    let repo = Repository::from_store(store);
    let catalog = repo.read_commit(&head)?.catalog;
    let ws = repo.write_working_set(&WorkingSet::clean(catalog))?;
    let mut list = RemoteList::default();
    list.remotes.insert("origin".to_owned(), url.to_owned());
    list.upstreams
        .insert(branch.clone(), ("origin".to_owned(), branch.clone()));
    let list_chunk = list.to_chunk();
    repo.store().put(&list_chunk)?;
    let mut root = StoreRoot {
        default_branch: branch.clone(),
        ..StoreRoot::default()
    };
    root.refs.insert(branch_ref(&branch), head);
    root.refs.insert(working_set_ref(&branch), ws);
    for (b, h) in &remote_heads {
        root.refs.insert(tracking_ref("origin", b), *h);
    }
    for (t, target) in &remote_tags {
        root.refs.insert(tag_ref(t), *target);
    }
    root.refs
        .insert(REMOTES_REF.to_owned(), list_chunk.address());
    for commit in &cut.at_cut {
        root.refs.insert(shallow_ref(commit), *commit);
    }
    repo.publish_first_root(&root)?;
    Ok((repo, branch))
}

/// Where a shallow clone cuts history.
#[derive(Debug, Default)]
struct ShallowCut {
    /// The commits kept.
    kept: HashSet<Address>,
    /// Kept commits with a parent left out.
    at_cut: Vec<Address>,
    /// The parents left out.
    left_out: HashSet<Address>,
}

/// The last `depth` commits of `head` (counted along every parent, as Git
/// counts `--depth`) and where that cuts history.
fn shallow_cut(repo: &Repository, head: Address, depth: u32) -> Result<ShallowCut> {
    if depth == 0 {
        return Err(Error::new(
            SqlState::InvalidParameterValue,
            "--depth must be at least 1",
        ));
    }
    let mut cut = ShallowCut::default();
    let mut level = vec![head];
    cut.kept.insert(head);
    for _ in 1..depth {
        let mut next = Vec::new();
        for commit in &level {
            for p in repo.read_commit(commit)?.parents {
                if cut.kept.insert(p) {
                    next.push(p);
                }
            }
        }
        if next.is_empty() {
            break;
        }
        level = next;
    }
    // Every parent of an earlier level was kept: only the last level's
    // commits can have parents left out.
    for commit in &level {
        let parents = repo.read_commit(commit)?.parents;
        let left_out: Vec<Address> = parents
            .into_iter()
            .filter(|p| !cut.kept.contains(p))
            .collect();
        if !left_out.is_empty() {
            cut.at_cut.push(*commit);
            cut.left_out.extend(left_out);
        }
    }
    cut.at_cut.sort();
    Ok(cut)
}
