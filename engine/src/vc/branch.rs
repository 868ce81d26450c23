//! Branches and tags: creating, deleting, renaming, listing, checking out.
//!
//! Checking out another branch carries uncommitted changes across as Git
//! does: the tables changed since the current head move to the other
//! branch's working set, provided that branch's head has those tables as
//! the current head has them and its own working set is clean; otherwise
//! the checkout is refused and nothing changes.

use std::collections::BTreeMap;

use arbor_merkle::Address;

use super::revision::tag_ref;
use super::{BranchState, history, untracked};
use crate::error::{Error, Result, SqlState, VcError};
use crate::objects::{Catalog, Signature, StoreRoot, TagObject, WorkingSet};
use crate::repo::{
    Repository, branch_ref, validate_branch_name, validate_tag_name, working_set_ref,
};

/// A branch as `branch -v` lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BranchInfo {
    /// Its name.
    pub name: String,
    /// Its head commit.
    pub head: Address,
    /// Whether it is checked out.
    pub current: bool,
}

/// Every branch, by name.
pub fn list(repo: &Repository) -> Result<Vec<BranchInfo>> {
    let root = repo.store_root()?;
    Ok(root
        .refs
        .iter()
        .filter_map(|(name, a)| {
            name.strip_prefix("refs/heads/").map(|b| BranchInfo {
                name: b.to_owned(),
                head: *a,
                current: b == root.default_branch,
            })
        })
        .collect())
}

fn no_branch(name: &str) -> Error {
    Error::vc(
        VcError::UnknownBranch,
        format!("branch '{name}' does not exist"),
    )
}

/// Creates branch `name` at commit `at`, with a clean working set.
pub fn create(repo: &Repository, name: &str, at: Address, force: bool) -> Result<()> {
    validate_branch_name(name)?;
    let catalog = repo.read_commit(&at)?.catalog;
    let ws = repo.write_working_set(&WorkingSet::clean(catalog))?;
    repo.update_store_root(&mut |root| {
        if root.refs.contains_key(&branch_ref(name)) && !force {
            return Err(Error::new(
                SqlState::DuplicateObject,
                format!("a branch named '{name}' already exists"),
            ));
        }
        refuse_ambiguous(root, name, RefKind::Branch)?;
        if force && root.default_branch == name {
            return Err(Error::new(
                SqlState::ObjectNotInPrerequisiteState,
                format!("cannot force-update the checked-out branch '{name}'"),
            ));
        }
        root.refs.insert(branch_ref(name), at);
        root.refs.insert(working_set_ref(name), ws);
        Ok(())
    })
}

/// Deletes branch `name`. Without `force`, refuses one whose commits are
/// not all in the checked-out branch.
pub fn delete(repo: &Repository, name: &str, force: bool) -> Result<()> {
    let root = repo.store_root()?;
    if root.default_branch == name {
        return Err(Error::new(
            SqlState::ObjectNotInPrerequisiteState,
            format!("cannot delete branch '{name}': it is checked out"),
        )
        .with_hint("check out another branch first"));
    }
    let head = *root
        .refs
        .get(&branch_ref(name))
        .ok_or_else(|| no_branch(name))?;
    if !force {
        let current = root
            .refs
            .get(&branch_ref(&root.default_branch))
            .copied()
            .ok_or_else(|| no_branch(&root.default_branch))?;
        if !history::is_ancestor(repo, head, current)? {
            return Err(Error::vc(
                VcError::NotFullyMerged {
                    branch: name.to_owned(),
                },
                format!("the branch '{name}' is not fully merged"),
            ));
        }
    }
    repo.update_store_root(&mut |root| {
        if root.refs.get(&branch_ref(name)) != Some(&head) {
            return Err(Error::new(
                SqlState::SerializationFailure,
                format!("branch '{name}' moved meanwhile"),
            ));
        }
        root.refs.remove(&branch_ref(name));
        root.refs.remove(&working_set_ref(name));
        Ok(())
    })
}

/// Renames (or, with `copy`, copies) branch `from` to `to`, working set included.
pub fn rename(repo: &Repository, from: &str, to: &str, copy: bool, force: bool) -> Result<()> {
    validate_branch_name(to)?;
    repo.update_store_root(&mut |root| {
        let head = *root
            .refs
            .get(&branch_ref(from))
            .ok_or_else(|| no_branch(from))?;
        let ws = *root
            .refs
            .get(&working_set_ref(from))
            .ok_or_else(|| no_branch(from))?;
        if root.refs.contains_key(&branch_ref(to)) && !force {
            return Err(Error::new(
                SqlState::DuplicateObject,
                format!("a branch named '{to}' already exists"),
            ));
        }
        refuse_ambiguous(root, to, RefKind::Branch)?;
        if !copy {
            root.refs.remove(&branch_ref(from));
            root.refs.remove(&working_set_ref(from));
            if root.default_branch == from {
                root.default_branch = to.to_owned();
            }
        }
        root.refs.insert(branch_ref(to), head);
        root.refs.insert(working_set_ref(to), ws);
        Ok(())
    })
}

/// Checks out `target`, carrying uncommitted changes across (see the module docs).
pub fn checkout(repo: &Repository, target: &str) -> Result<()> {
    let root = repo.store_root()?;
    if !root.refs.contains_key(&branch_ref(target)) {
        return Err(no_branch(target));
    }
    let current_name = root.default_branch.clone();
    if current_name == target {
        return Ok(());
    }
    let current = BranchState::read(repo, &current_name)?;
    let other = BranchState::read(repo, target)?;
    if current.working_set.merge.is_some() {
        return Err(Error::vc(
            VcError::MergeInProgress,
            "cannot check out another branch during a merge",
        ));
    }
    if !current.is_dirty() {
        return switch_head(repo, &current_name, target, &[]);
    }
    let local = LocalChanges::of(repo, &current)?;
    let target_head = repo.read_catalog(&other.commit.catalog)?;
    let by = format!("checking out '{target}'");
    local.refuse_collisions(&target_head, &by)?;
    if other.is_dirty() {
        return Err(Error::vc(
            VcError::UncommittedChanges,
            format!(
                "your uncommitted changes would be overwritten by {by}: \
                 (the branch has uncommitted changes of its own)"
            ),
        ));
    }
    // Carry the changed tables to the target, on top of its head.
    let (working, staged) = local.carry(&target_head);
    // Each branch keeps its own sequence in progress, if any.
    let new_target = WorkingSet {
        working: repo.write_catalog(&working)?,
        staged: repo.write_catalog(&staged)?,
        merge: None,
        sequence: other.working_set.sequence.clone(),
    };
    let clean = WorkingSet {
        sequence: current.working_set.sequence.clone(),
        ..WorkingSet::clean(current.commit.catalog)
    };
    let moves = [
        (
            current_name.clone(),
            current.working_set_address,
            repo.write_working_set(&clean)?,
        ),
        (
            target.to_owned(),
            other.working_set_address,
            repo.write_working_set(&new_target)?,
        ),
    ];
    switch_head(repo, &current_name, target, &moves)
}

/// A branch's uncommitted changes: the tables and views its working or
/// staged catalog changed since its head. Checkout and merge carry them
/// onto another catalog when that catalog has those tables as the head has
/// them, as Git carries local changes to files a checkout or merge leaves
/// alone; untracked tables among them go along when that catalog has no
/// table of their name.
#[derive(Debug)]
pub(crate) struct LocalChanges {
    head: Catalog,
    working: Catalog,
    staged: Catalog,
    /// The changed tables and views.
    names: Vec<String>,
    /// Those of them that are untracked (`super::untracked`).
    untracked: Vec<String>,
}

impl LocalChanges {
    /// The uncommitted changes of the branch in `state`.
    pub(crate) fn of(repo: &Repository, state: &BranchState) -> Result<LocalChanges> {
        let head = repo.read_catalog(&state.commit.catalog)?;
        let working = repo.read_catalog(&state.working_set.working)?;
        let staged = repo.read_catalog(&state.working_set.staged)?;
        let names = changed_names(&head, &working)
            .into_iter()
            .chain(changed_names(&head, &staged))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let untracked = untracked::names(&head, &staged, &working);
        Ok(LocalChanges {
            head,
            working,
            staged,
            names,
            untracked,
        })
    }

    /// The changed tables and views that `onto` has otherwise than the
    /// head: carrying them would lose one of the two changes.
    pub(crate) fn collisions(&self, onto: &Catalog) -> Vec<String> {
        self.names
            .iter()
            .filter(|n| entry(&self.head, n) != entry(onto, n))
            .cloned()
            .collect()
    }

    /// Refuses to carry the changes onto `onto` (by `by`: "the merge",
    /// "checking out 'x'") when [`LocalChanges::collisions`] finds any:
    /// untracked tables in the way first, since `reset --hard`, which the
    /// refusal of other changes suggests, would not clear them.
    pub(crate) fn refuse_collisions(&self, onto: &Catalog, by: &str) -> Result<()> {
        let (untracked, tracked): (Vec<String>, Vec<String>) = self
            .collisions(onto)
            .into_iter()
            .partition(|n| self.untracked.contains(n));
        if !untracked.is_empty() {
            return Err(untracked::overwritten(untracked, by));
        }
        if !tracked.is_empty() {
            return Err(Error::vc(
                VcError::UncommittedChanges,
                format!(
                    "your uncommitted changes would be overwritten by {by}: {}",
                    tracked.join(", ")
                ),
            ));
        }
        Ok(())
    }

    /// `onto` with the changed tables and views taken from the working and
    /// from the staged catalog: the new working and staged catalogs.
    pub(crate) fn carry(&self, onto: &Catalog) -> (Catalog, Catalog) {
        let carry = |from: &Catalog| -> Catalog {
            let mut out = onto.clone();
            for n in &self.names {
                set_entry(&mut out, n, entry(from, n));
            }
            // A sequence the local changes moved on keeps the further state,
            // so numbers handed out locally are not handed out again.
            for (name, state) in &from.sequences {
                if self.head.sequences.get(name) != Some(state)
                    && onto.sequences.get(name) == self.head.sequences.get(name)
                {
                    out.sequences.insert(name.clone(), state.clone());
                }
            }
            out
        };
        (carry(&self.working), carry(&self.staged))
    }
}

/// Sets HEAD to `target` (if it is still `from`) and moves working sets
/// from their expected addresses to new ones, in one swap.
fn switch_head(
    repo: &Repository,
    from: &str,
    target: &str,
    working_sets: &[(String, Address, Address)],
) -> Result<()> {
    repo.update_store_root(&mut |root| {
        if root.default_branch != from {
            return Err(Error::new(
                SqlState::SerializationFailure,
                "HEAD moved meanwhile",
            ));
        }
        for (branch, expected, new) in working_sets {
            if root.refs.get(&working_set_ref(branch)) != Some(expected) {
                return Err(Error::new(
                    SqlState::SerializationFailure,
                    format!("branch '{branch}' changed meanwhile"),
                ));
            }
            root.refs.insert(working_set_ref(branch), *new);
        }
        root.default_branch = target.to_owned();
        Ok(())
    })
}

/// A table's, view's or function's state in a catalog, for comparison
/// (a function by its signature).
#[derive(Clone, Debug, PartialEq, Eq)]
enum Entry {
    Table(Address),
    View(String),
    Function(String),
    Type(String),
    Comment(String),
}

fn entry(c: &Catalog, name: &str) -> Option<Entry> {
    c.tables
        .get(name)
        .map(|a| Entry::Table(*a))
        .or_else(|| c.views.get(name).map(|v| Entry::View(v.clone())))
        .or_else(|| c.functions.get(name).map(|f| Entry::Function(f.clone())))
        .or_else(|| c.types.get(name).map(|t| Entry::Type(t.clone())))
        .or_else(|| c.comments.get(name).map(|t| Entry::Comment(t.clone())))
}

fn set_entry(c: &mut Catalog, name: &str, e: Option<Entry>) {
    c.tables.remove(name);
    c.views.remove(name);
    c.functions.remove(name);
    c.types.remove(name);
    c.comments.remove(name);
    match e {
        Some(Entry::Table(a)) => {
            c.tables.insert(name.to_owned(), a);
        }
        Some(Entry::View(v)) => {
            c.views.insert(name.to_owned(), v);
        }
        Some(Entry::Function(f)) => {
            c.functions.insert(name.to_owned(), f);
        }
        Some(Entry::Type(t)) => {
            c.types.insert(name.to_owned(), t);
        }
        Some(Entry::Comment(t)) => {
            c.comments.insert(name.to_owned(), t);
        }
        None => {}
    }
}

/// Names of tables, views, functions (by signature), types and comments
/// (by what they describe) that differ between two catalogs.
pub fn changed_names(a: &Catalog, b: &Catalog) -> Vec<String> {
    let mut names: BTreeMap<&String, ()> = BTreeMap::new();
    for n in a
        .tables
        .keys()
        .chain(b.tables.keys())
        .chain(a.views.keys())
        .chain(b.views.keys())
        .chain(a.functions.keys())
        .chain(b.functions.keys())
        .chain(a.types.keys())
        .chain(b.types.keys())
        .chain(a.comments.keys())
        .chain(b.comments.keys())
    {
        names.insert(n, ());
    }
    names
        .into_keys()
        .filter(|n| entry(a, n) != entry(b, n))
        .cloned()
        .collect()
}

/// A tag: its name, the commit it names, and for an annotated tag the tag
/// object (tagger, time, message).
#[derive(Clone, Debug, PartialEq)]
pub struct TagInfo {
    /// The tag's name.
    pub name: String,
    /// The commit it names.
    pub commit: Address,
    /// The annotation, for an annotated tag.
    pub annotation: Option<TagObject>,
}

/// Every tag, with its annotation.
pub fn tag_infos(repo: &Repository) -> Result<Vec<TagInfo>> {
    let root = repo.store_root()?;
    let mut out = Vec::new();
    for (name, address) in &root.refs {
        let Some(name) = name.strip_prefix("refs/tags/") else {
            continue;
        };
        let annotation = repo.read_tag(address)?;
        out.push(TagInfo {
            name: name.to_owned(),
            commit: annotation.as_ref().map_or(*address, |t| t.commit),
            annotation,
        });
    }
    Ok(out)
}

/// Creates tag `name` on commit `at`; with `annotation` (tagger and
/// message), an annotated tag.
pub fn create_tag(
    repo: &Repository,
    name: &str,
    at: Address,
    force: bool,
    annotation: Option<(Signature, String)>,
) -> Result<()> {
    validate_tag_name(name)?;
    repo.read_commit(&at)?;
    let target = match annotation {
        Some((tagger, message)) => repo.write_tag(&TagObject {
            commit: at,
            name: name.to_owned(),
            tagger,
            message,
        })?,
        None => at,
    };
    repo.update_store_root(&mut |root| {
        if root.refs.contains_key(&tag_ref(name)) && !force {
            return Err(Error::new(
                SqlState::DuplicateObject,
                format!("tag '{name}' already exists"),
            ));
        }
        refuse_ambiguous(root, name, RefKind::Tag)?;
        root.refs.insert(tag_ref(name), target);
        Ok(())
    })
}

/// The kinds of name a revision can be.
#[derive(Clone, Copy)]
enum RefKind {
    Branch,
    Tag,
}

/// Refuses a new branch or tag named `name` when a ref of the other kind
/// has that name: a revision `name` would then mean two commits.
fn refuse_ambiguous(root: &StoreRoot, name: &str, kind: RefKind) -> Result<()> {
    let (kind, other, other_ref) = match kind {
        RefKind::Tag => ("tag", "branch", branch_ref(name)),
        RefKind::Branch => ("branch", "tag", tag_ref(name)),
    };
    if root.refs.contains_key(&other_ref) {
        return Err(Error::new(
            SqlState::DuplicateObject,
            format!(
                "a {other} named '{name}' exists: a {kind} of the same name would make '{name}' ambiguous"
            ),
        ));
    }
    Ok(())
}

/// Deletes tag `name`.
pub fn delete_tag(repo: &Repository, name: &str) -> Result<()> {
    repo.update_store_root(&mut |root| {
        root.refs
            .remove(&tag_ref(name))
            .map(|_| ())
            .ok_or_else(|| Error::new(SqlState::UndefinedObject, format!("tag '{name}' not found")))
    })
}
