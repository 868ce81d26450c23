//! The catalog ("root value"): everything one version of a database holds.
//!
//! ```text
//! refs:    [table_1, ..., table_n]                (table objects, by name order)
//! payload: n          varint  number of tables
//!          name_i     str     table names, sorted, in the order of refs
//!          v          varint  number of views
//!          (name, sql) str, str  view definitions, sorted by name
//!          s          varint  number of sequences
//!          (name, state) str, bytes  sequence states (owned by the SQL layer), sorted by name
//!          then, in this order, each section that is not empty:
//!          1          u8      functions:
//!          f          varint    number of functions (> 0)
//!          (signature, sql) str, str  definitions, sorted by signature
//!          2          u8      types:
//!          t          varint    number of types (> 0)
//!          (name, sql) str, str  `CREATE TYPE` statements, sorted by name
//!          3          u8      comments:
//!          c          varint    number of comments (> 0)
//!          (object, text) str, str  `COMMENT ON` texts by object, sorted
//! ```
//!
//! An empty section is left out, so a catalog without functions or types
//! is byte for byte what it was before they existed: its address, and
//! every commit's above it, stays the same.
//!
//! Equal databases give equal catalogs and therefore equal addresses, which is
//! how "nothing changed" is detected in O(1).

use std::collections::BTreeMap;

use arbor_merkle::codec::{Reader, Writer};
use arbor_merkle::{Address, Chunk, Result};

use super::{CATALOG, expect};

/// Tables, views and sequences of one version of a database.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Catalog {
    /// Table objects by table name.
    pub tables: BTreeMap<String, Address>,
    /// View definitions (SQL text) by view name.
    pub views: BTreeMap<String, String>,
    /// Sequence states by sequence name.
    pub sequences: BTreeMap<String, Vec<u8>>,
    /// SQL functions' definitions (`CREATE FUNCTION` text) by signature:
    /// the name and the argument types, `add(integer, integer)`.
    pub functions: BTreeMap<String, String>,
    /// User-defined types' definitions (`CREATE TYPE` text) by name.
    pub types: BTreeMap<String, String>,
    /// `COMMENT ON` texts by the object they describe (`table orders`,
    /// `column orders 3`: a column by its tag; see `sql::comments`).
    pub comments: BTreeMap<String, String>,
}

/// The tags of the catalog's optional sections, in the order they are
/// written.
const FUNCTIONS_SECTION: u8 = 1;
const TYPES_SECTION: u8 = 2;
const COMMENTS_SECTION: u8 = 3;

/// The name part of a function's signature (`add` of `add(integer)`).
pub fn function_name(signature: &str) -> &str {
    signature.split_once('(').map_or(signature, |(n, _)| n)
}

impl Catalog {
    /// The signatures of the functions `name` names: a signature itself,
    /// or every function of that name.
    pub fn functions_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a String> {
        self.functions
            .keys()
            .filter(move |s| *s == name || function_name(s) == name)
    }

    /// Makes the object keyed `name` (a table, view, type, function by its
    /// signature or comment by its object) what it is in `from`: copied,
    /// or removed where `from` lacks it.
    pub fn take_object(&mut self, from: &Catalog, name: &str) {
        fn take<T: Clone>(to: &mut BTreeMap<String, T>, from: &BTreeMap<String, T>, name: &str) {
            match from.get(name) {
                Some(v) => to.insert(name.to_owned(), v.clone()),
                None => to.remove(name),
            };
        }
        take(&mut self.tables, &from.tables, name);
        take(&mut self.views, &from.views, name);
        take(&mut self.types, &from.types, name);
        take(&mut self.functions, &from.functions, name);
        take(&mut self.comments, &from.comments, name);
    }

    /// Whether `name` names a table, a view, a function or a type here.
    pub fn has_object(&self, name: &str) -> bool {
        self.tables.contains_key(name)
            || self.views.contains_key(name)
            || self.types.contains_key(name)
            || self.functions_named(name).next().is_some()
    }

    /// Encodes the catalog as a chunk.
    pub fn to_chunk(&self) -> Chunk {
        let refs: Vec<Address> = self.tables.values().copied().collect();
        let mut w = Writer::new();
        w.varint(self.tables.len() as u64);
        for name in self.tables.keys() {
            w.str(name);
        }
        w.varint(self.views.len() as u64);
        for (name, sql) in &self.views {
            w.str(name).str(sql);
        }
        w.varint(self.sequences.len() as u64);
        for (name, state) in &self.sequences {
            w.str(name).bytes(state);
        }
        for (tag, section) in [
            (FUNCTIONS_SECTION, &self.functions),
            (TYPES_SECTION, &self.types),
            (COMMENTS_SECTION, &self.comments),
        ] {
            if !section.is_empty() {
                w.u8(tag).varint(section.len() as u64);
                for (name, sql) in section {
                    w.str(name).str(sql);
                }
            }
        }
        Chunk::new(CATALOG, &refs, &w.into_bytes())
    }

    /// Decodes a catalog chunk.
    pub fn from_chunk(chunk: &Chunk) -> Result<Catalog> {
        expect(chunk, CATALOG)?;
        let mut r = Reader::new(chunk.payload(), "catalog");
        let n = r.count(1)?;
        if chunk.ref_len() != n {
            return Err(arbor_merkle::Error::corrupt(
                "catalog: table count does not match its references",
            ));
        }
        let mut catalog = Catalog::default();
        for i in 0..n {
            catalog.tables.insert(r.str()?.to_owned(), chunk.ref_at(i));
        }
        for _ in 0..r.count(2)? {
            let name = r.str()?.to_owned();
            catalog.views.insert(name, r.str()?.to_owned());
        }
        for _ in 0..r.count(2)? {
            let name = r.str()?.to_owned();
            catalog.sequences.insert(name, r.bytes()?.to_vec());
        }
        let mut last_tag = 0;
        while r.remaining() > 0 {
            let tag = r.u8()?;
            let section = match tag {
                FUNCTIONS_SECTION => &mut catalog.functions,
                TYPES_SECTION => &mut catalog.types,
                COMMENTS_SECTION => &mut catalog.comments,
                other => {
                    return Err(arbor_merkle::Error::corrupt(format!(
                        "catalog: unknown section {other}"
                    )));
                }
            };
            let n = r.count(2)?;
            // Sections come in tag order, each at most once and never
            // empty: anything else would give one catalog two addresses.
            if tag <= last_tag || n == 0 {
                return Err(arbor_merkle::Error::corrupt(
                    "catalog: sections out of order, repeated or empty",
                ));
            }
            last_tag = tag;
            for _ in 0..n {
                let name = r.str()?.to_owned();
                section.insert(name, r.str()?.to_owned());
            }
        }
        r.finish()?;
        if catalog.tables.len() != n {
            return Err(arbor_merkle::Error::corrupt(
                "catalog: duplicate table names",
            ));
        }
        Ok(catalog)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_golden() {
        let mut c = Catalog::default();
        c.tables.insert("t".into(), Address::of(b"t"));
        c.tables.insert("a".into(), Address::of(b"a"));
        c.views.insert("v".into(), "SELECT 1".into());
        c.sequences.insert("s".into(), vec![1, 2]);
        let chunk = c.to_chunk();
        assert_eq!(Catalog::from_chunk(&chunk).unwrap(), c);
        assert_eq!(
            Catalog::from_chunk(&Catalog::default().to_chunk()).unwrap(),
            Catalog::default()
        );
        assert_eq!(chunk.address().short(16), GOLDEN);
    }

    #[test]
    fn functions_round_trip_and_leave_other_catalogs_unchanged() {
        let mut c = Catalog::default();
        c.views.insert("v".into(), "SELECT 1".into());
        let without = c.to_chunk();
        c.functions
            .insert("one()".into(), "CREATE FUNCTION one() ...".into());
        let with = c.to_chunk();
        assert_ne!(with.address(), without.address());
        assert_eq!(Catalog::from_chunk(&with).unwrap(), c);
        c.functions.clear();
        assert_eq!(c.to_chunk().address(), without.address());
    }

    #[test]
    fn an_empty_function_section_is_corrupt() {
        let mut w = Writer::new();
        w.varint(0).varint(0).varint(0).u8(1).varint(0);
        let chunk = Chunk::new(CATALOG, &[], &w.into_bytes());
        assert!(Catalog::from_chunk(&chunk).is_err());
        let mut c = Catalog::default();
        c.types
            .insert("mood".into(), "CREATE TYPE mood AS ENUM ('a')".into());
        c.functions
            .insert("f()".into(), "CREATE FUNCTION f() ...".into());
        c.comments.insert("table t".into(), "rows of t".into());
        assert_eq!(Catalog::from_chunk(&c.to_chunk()).unwrap(), c);
    }

    const GOLDEN: &str = "b7491c90e9ff40b9";
}
