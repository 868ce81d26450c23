//! The table object.
//!
//! ```text
//! refs:    [rows, index_1, ..., index_n]         (prolly map roots)
//! payload: schema     bytes   the table schema, encoded by arbor-schema
//!          next_row_id varint 0; for a keyless table stored by an earlier version,
//!                             the next hidden row id (see docs/format.md)
//!          n          varint  number of secondary indexes
//!          name_i     str     index names, in the order of refs[1..]
//! ```

use arbor_merkle::codec::{Reader, Writer};
use arbor_merkle::{Address, Chunk, Result};

use super::{TABLE, expect};

/// A table as stored: its schema (opaque here), its rows and its indexes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableObject {
    /// The schema, in arbor-schema's encoding.
    pub schema: Vec<u8>,
    /// Root of the primary index: encoded key to encoded row.
    pub rows: Address,
    /// Secondary index roots by index name, sorted by name.
    pub indexes: Vec<(String, Address)>,
    /// 0, except in a keyless table stored by an earlier version, keyed by
    /// a hidden counter: the next id (see docs/format.md).
    pub next_row_id: u64,
}

impl TableObject {
    /// Encodes the table as a chunk.
    pub fn to_chunk(&self) -> Chunk {
        let mut refs = vec![self.rows];
        refs.extend(self.indexes.iter().map(|(_, a)| *a));
        let mut w = Writer::new();
        w.bytes(&self.schema)
            .varint(self.next_row_id)
            .varint(self.indexes.len() as u64);
        for (name, _) in &self.indexes {
            w.str(name);
        }
        Chunk::new(TABLE, &refs, &w.into_bytes())
    }

    /// Decodes a table chunk.
    pub fn from_chunk(chunk: &Chunk) -> Result<TableObject> {
        expect(chunk, TABLE)?;
        let mut r = Reader::new(chunk.payload(), "table object");
        let schema = r.bytes()?.to_vec();
        let next_row_id = r.varint()?;
        let n = r.count(1)?;
        if chunk.ref_len() != n + 1 {
            return Err(arbor_merkle::Error::corrupt(
                "table object: index count does not match its references",
            ));
        }
        let mut indexes = Vec::with_capacity(n);
        for i in 0..n {
            indexes.push((r.str()?.to_owned(), chunk.ref_at(i + 1)));
        }
        r.finish()?;
        Ok(TableObject {
            schema,
            rows: chunk.ref_at(0),
            indexes,
            next_row_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_golden() {
        let t = TableObject {
            schema: b"schema".to_vec(),
            rows: Address::of(b"rows"),
            indexes: vec![("by_name".into(), Address::of(b"idx"))],
            next_row_id: 42,
        };
        let chunk = t.to_chunk();
        assert_eq!(TableObject::from_chunk(&chunk).unwrap(), t);
        assert_eq!(chunk.address().short(16), GOLDEN);
    }

    const GOLDEN: &str = "fb6c7ac30bfec6be";
}
