//! Temporary tables (`CREATE TEMP TABLE`): a session's own tables, never
//! published to the branch's working set, so no other session, no
//! `status` and no commit sees them; they go when the session ends.
//!
//! While statements run they are in the session's catalog like any other
//! table (so everything that reads a catalog reads them, indexes and
//! serial columns included). Publishing writes the catalog with them taken
//! out (a name they share with a table another session made is that
//! table's again) and keeps their versions here; rereading the working set
//! puts them back, over any table of the same name, as PostgreSQL's
//! temporary schema comes first on the search path. A transaction rolled
//! back takes back what it did to them, as to every other table.

use std::collections::{BTreeMap, BTreeSet};

use arbor_merkle::Address;

use crate::objects::Catalog;

/// The temporary tables of one session.
#[derive(Debug, Default)]
pub(super) struct TemporaryTables {
    /// The tables' names: those published and those the open transaction made.
    names: BTreeSet<String>,
    /// The sequences of their serial and identity columns.
    sequences: BTreeSet<String>,
    /// The tables as the last publish left them.
    published: BTreeMap<String, Address>,
    /// Their sequences as the last publish left them.
    published_sequences: BTreeMap<String, Vec<u8>>,
}

impl TemporaryTables {
    /// Whether the session has any.
    pub(super) fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Table `name` with `sequences` is a new temporary table.
    pub(super) fn add(&mut self, name: &str, sequences: &[String]) {
        self.names.insert(name.to_owned());
        self.sequences.extend(sequences.iter().cloned());
    }

    /// Table `name`, just made, is an ordinary one (a temporary table of
    /// that name was dropped before).
    pub(super) fn forget(&mut self, name: &str, sequences: &[String]) {
        self.names.remove(name);
        for s in sequences {
            self.sequences.remove(s);
        }
    }

    /// The catalog to publish for `catalog`: its temporary tables and
    /// their sequences replaced by what `shared` (the working catalog the
    /// transaction began from) has under their names. Keeps their versions
    /// in `catalog` as the published ones.
    pub(super) fn take_from(&mut self, catalog: &Catalog, shared: &Catalog) -> Catalog {
        let mut out = catalog.clone();
        self.published.clear();
        self.published_sequences.clear();
        self.names.retain(|name| catalog.tables.contains_key(name));
        self.sequences
            .retain(|name| catalog.sequences.contains_key(name));
        for name in &self.names {
            if let Some(address) = catalog.tables.get(name) {
                self.published.insert(name.clone(), *address);
            }
            match shared.tables.get(name) {
                Some(theirs) => out.tables.insert(name.clone(), *theirs),
                None => out.tables.remove(name),
            };
        }
        for name in &self.sequences {
            if let Some(value) = catalog.sequences.get(name) {
                self.published_sequences.insert(name.clone(), value.clone());
            }
            match shared.sequences.get(name) {
                Some(theirs) => out.sequences.insert(name.clone(), theirs.clone()),
                None => out.sequences.remove(name),
            };
        }
        out
    }

    /// Puts the published temporary tables into `catalog` (a working
    /// catalog just read).
    pub(super) fn put_into(&self, catalog: &mut Catalog) {
        for (name, address) in &self.published {
            catalog.tables.insert(name.clone(), *address);
        }
        for (name, value) in &self.published_sequences {
            catalog.sequences.insert(name.clone(), value.clone());
        }
    }

    /// Forgets what the transaction rolled back made.
    pub(super) fn roll_back(&mut self) {
        self.names = self.published.keys().cloned().collect();
        self.sequences = self.published_sequences.keys().cloned().collect();
    }
}
