//! Untracked tables: tables and views of a branch's working catalog that
//! are neither staged nor in its head commit (made with `CREATE TABLE` and
//! never added).
//!
//! Version control has no copy of an untracked table, so, as Git does with
//! untracked files, what discards or puts aside uncommitted changes leaves
//! it alone: `reset --hard` (to HEAD or another revision), `stash` without
//! `--include-untracked`, `merge --abort`. What moves the working set onto
//! other tables carries it along (checkout and merge through
//! `LocalChanges`, `stash pop` and cherry-pick here). Each of them refuses, changing
//! nothing, when the tables it would put in place have one of the same
//! name ([`VcError::UntrackedOverwritten`]). A table's own sequences (of
//! its serial and identity columns) go with it: without them it could not
//! take another row.

use std::collections::BTreeMap;

use arbor_merkle::Address;
use arbor_schema::TableSchema;

use super::BranchState;
use crate::error::{Error, Result, VcError};
use crate::objects::Catalog;
use crate::repo::Repository;
use crate::table::sequences;

/// Whether `name` is a table or a view of `catalog`.
fn has(catalog: &Catalog, name: &str) -> bool {
    catalog.tables.contains_key(name) || catalog.views.contains_key(name)
}

/// The untracked tables and views, by name: in `working`, in neither
/// `staged` nor `head`. The one definition of "untracked".
pub fn names(head: &Catalog, staged: &Catalog, working: &Catalog) -> Vec<String> {
    let mut out: Vec<String> = working
        .tables
        .keys()
        .chain(working.views.keys())
        .filter(|n| !has(head, n) && !has(staged, n))
        .cloned()
        .collect();
    out.sort();
    out
}

/// The refusal of an operation (`by`: "checking out 'x'", "the merge", ...)
/// that would overwrite untracked `tables`.
pub(crate) fn overwritten(tables: Vec<String>, by: &str) -> Error {
    let message = format!(
        "untracked tables would be overwritten by {by}: {}",
        tables.join(", ")
    );
    Error::vc(VcError::UntrackedOverwritten { tables }, message)
}

/// A branch's untracked tables and views as its working catalog has them,
/// with the sequences those tables own.
#[derive(Debug, Default)]
pub(crate) struct Untracked {
    tables: BTreeMap<String, Address>,
    views: BTreeMap<String, String>,
    sequences: BTreeMap<String, Vec<u8>>,
}

impl Untracked {
    /// The untracked tables of the branch in `state`.
    pub(crate) fn of(repo: &Repository, state: &BranchState) -> Result<Untracked> {
        let ws = &state.working_set;
        // Nothing is untracked when the working catalog is the staged or
        // the head one: no need to read them.
        if ws.working == ws.staged || ws.working == state.commit.catalog {
            return Ok(Untracked::default());
        }
        let head = repo.read_catalog(&state.commit.catalog)?;
        let staged = repo.read_catalog(&ws.staged)?;
        let working = repo.read_catalog(&ws.working)?;
        let mut out = Untracked::default();
        for name in names(&head, &staged, &working) {
            if let Some(address) = working.tables.get(&name) {
                let object = repo.read_table(address)?;
                let schema =
                    TableSchema::decode(&object.schema).map_err(crate::table::value_error)?;
                for owned in sequences::owned_by(&name, &schema) {
                    if let Some(state) = working.sequences.get(&owned) {
                        out.sequences.insert(owned, state.clone());
                    }
                }
                out.tables.insert(name, *address);
            } else if let Some(sql) = working.views.get(&name) {
                out.views.insert(name, sql.clone());
            }
        }
        Ok(out)
    }

    /// Whether there are none.
    pub(crate) fn is_empty(&self) -> bool {
        self.tables.is_empty() && self.views.is_empty()
    }

    /// Whether they are the only uncommitted changes of the branch in
    /// `state` (as they were found in): nothing staged, nothing else
    /// changed. Operations that need a clean working set (`stash pop`,
    /// cherry-pick) take this one, carrying the untracked tables along.
    pub(crate) fn are_the_only_changes(
        &self,
        repo: &Repository,
        state: &BranchState,
    ) -> Result<bool> {
        if !state.is_dirty() {
            return Ok(true);
        }
        if self.is_empty() || state.working_set.staged != state.commit.catalog {
            return Ok(false);
        }
        let mut tracked = repo.read_catalog(&state.working_set.working)?;
        self.take_from(&mut tracked);
        Ok(tracked == repo.read_catalog(&state.commit.catalog)?)
    }

    /// Refuses (changing nothing) when `onto`, the tables about to replace
    /// the working ones, has a table, view or sequence of an untracked
    /// one's name: keeping ours would hide theirs, taking theirs would lose
    /// ours.
    fn refuse_overwrite(&self, onto: &Catalog, by: &str) -> Result<()> {
        let collisions: Vec<String> = self
            .tables
            .keys()
            .chain(self.views.keys())
            .filter(|n| has(onto, n))
            .chain(
                self.sequences
                    .keys()
                    .filter(|n| onto.sequences.contains_key(*n)),
            )
            .cloned()
            .collect();
        if collisions.is_empty() {
            Ok(())
        } else {
            Err(overwritten(collisions, by))
        }
    }

    /// Puts the untracked tables, views and sequences into `catalog`.
    pub(crate) fn keep_in(&self, catalog: &mut Catalog) {
        for (name, address) in &self.tables {
            catalog.views.remove(name);
            catalog.tables.insert(name.clone(), *address);
        }
        for (name, sql) in &self.views {
            catalog.tables.remove(name);
            catalog.views.insert(name.clone(), sql.clone());
        }
        for (name, state) in &self.sequences {
            catalog.sequences.insert(name.clone(), state.clone());
        }
    }

    /// Takes the untracked tables, views and sequences out of `catalog`.
    pub(crate) fn take_from(&self, catalog: &mut Catalog) {
        for name in self.tables.keys().chain(self.views.keys()) {
            catalog.tables.remove(name);
            catalog.views.remove(name);
        }
        for name in self.sequences.keys() {
            catalog.sequences.remove(name);
        }
    }

    /// `catalog` (an address) with the untracked tables put in, after
    /// [`Untracked::refuse_overwrite`] with `by`; `catalog` itself when
    /// there are none.
    pub(crate) fn kept_on(&self, repo: &Repository, catalog: Address, by: &str) -> Result<Address> {
        if self.is_empty() {
            return Ok(catalog);
        }
        let mut onto = repo.read_catalog(&catalog)?;
        self.refuse_overwrite(&onto, by)?;
        self.keep_in(&mut onto);
        repo.write_catalog(&onto)
    }
}
