//! The stored form of a merge's conflicts: a prolly map from
//! `table \0 row key` to the row in the base, ours and theirs.

use arbor_merkle::codec::{Reader, Writer};
use arbor_merkle::{Address, Edit};

use crate::error::{Error, Result, SqlState};
use crate::repo::Repository;

/// One thing that did not merge.
#[derive(Clone, Debug, PartialEq)]
pub struct Conflict {
    /// The table.
    pub table: String,
    /// The row's encoded primary key; empty for a conflict about the whole table.
    pub key: Vec<u8>,
    /// What happened.
    pub description: String,
    /// The row in the merge base, ours and theirs (encoded values), when a row conflicts.
    pub versions: [Option<Vec<u8>>; 3],
}

/// Stores conflicts as a prolly map from `table \0 key` to their versions.
pub(super) fn write_conflicts(repo: &Repository, conflicts: &[Conflict]) -> Result<Address> {
    let mut edits: Vec<Edit> = conflicts
        .iter()
        .map(|c| {
            let mut key = c.table.as_bytes().to_vec();
            key.push(0);
            key.extend_from_slice(&c.key);
            let mut w = Writer::new();
            w.str(&c.description);
            for v in &c.versions {
                match v {
                    Some(bytes) => {
                        w.u8(1).bytes(bytes);
                    }
                    None => {
                        w.u8(0);
                    }
                }
            }
            Edit {
                key,
                value: Some(w.into_bytes()),
            }
        })
        .collect();
    edits.sort_by(|a, b| a.key.cmp(&b.key));
    edits.dedup_by(|a, b| a.key == b.key);
    Ok(repo.empty_map()?.edit(edits)?.root())
}

/// Reads the conflicts of a merge in progress.
pub fn read_conflicts(repo: &Repository, address: Address) -> Result<Vec<Conflict>> {
    let mut out = Vec::new();
    for entry in repo.map(address)?.iter()? {
        let (key, value) = entry?;
        let split = key.iter().position(|b| *b == 0).ok_or_else(|| {
            Error::new(
                SqlState::DataCorrupted,
                "a conflict entry without a table name",
            )
        })?;
        let table = String::from_utf8(key[..split].to_vec()).map_err(|_| {
            Error::new(
                SqlState::DataCorrupted,
                "a conflict entry's table name is not UTF-8",
            )
        })?;
        let mut r = Reader::new(&value, "conflict");
        let description = r.str()?.to_owned();
        let mut versions: [Option<Vec<u8>>; 3] = [None, None, None];
        for v in &mut versions {
            if r.u8()? == 1 {
                *v = Some(r.bytes()?.to_vec());
            }
        }
        r.finish()?;
        out.push(Conflict {
            table,
            key: key[split + 1..].to_vec(),
            description,
            versions,
        });
    }
    Ok(out)
}
