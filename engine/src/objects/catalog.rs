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
//! ```
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
}

impl Catalog {
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

    const GOLDEN: &str = "b7491c90e9ff40b9";
}
