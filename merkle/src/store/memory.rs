//! An in-memory chunk store, for tests and scratch work.

use std::collections::HashMap;
use std::sync::{Mutex, RwLock};

use super::ChunkStore;
use crate::address::Address;
use crate::chunk::Chunk;
use crate::error::{Error, Result};

/// A chunk store held in memory. Nothing survives the process.
#[derive(Debug, Default)]
pub struct MemoryStore {
    chunks: RwLock<HashMap<Address, Chunk>>,
    root: Mutex<Option<Address>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    /// How many chunks the store holds.
    pub fn chunk_count(&self) -> usize {
        self.chunks
            .read()
            .expect("lock poisoned only by a panic")
            .len()
    }

    /// Total bytes of all chunks held.
    pub fn total_bytes(&self) -> u64 {
        let chunks = self.chunks.read().expect("lock poisoned only by a panic");
        chunks.values().map(|c| c.len() as u64).sum()
    }
}

impl ChunkStore for MemoryStore {
    fn get(&self, address: &Address) -> Result<Option<Chunk>> {
        let chunks = self.chunks.read().expect("lock poisoned only by a panic");
        Ok(chunks.get(address).cloned())
    }

    fn has(&self, address: &Address) -> Result<bool> {
        let chunks = self.chunks.read().expect("lock poisoned only by a panic");
        Ok(chunks.contains_key(address))
    }

    fn put_many(&self, new: &[Chunk]) -> Result<()> {
        let mut chunks = self.chunks.write().expect("lock poisoned only by a panic");
        for c in new {
            chunks.entry(c.address()).or_insert_with(|| c.clone());
        }
        Ok(())
    }

    fn root(&self) -> Result<Option<Address>> {
        Ok(*self.root.lock().expect("lock poisoned only by a panic"))
    }

    fn compare_and_swap_root(&self, expected: Option<Address>, new: Address) -> Result<bool> {
        if !self.has(&new)? {
            return Err(Error::MissingChunk(new));
        }
        let mut root = self.root.lock().expect("lock poisoned only by a panic");
        if *root != expected {
            return Ok(false);
        }
        *root = Some(new);
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chunk::ChunkKind;

    #[test]
    fn put_get_and_swap() {
        let store = MemoryStore::new();
        let c = Chunk::new(ChunkKind::BLOB_LEAF, &[], b"x");
        assert!(store.get(&c.address()).unwrap().is_none());
        store.put(&c).unwrap();
        assert_eq!(store.get_required(&c.address()).unwrap(), c);
        assert!(store.compare_and_swap_root(None, c.address()).unwrap());
        assert!(
            !store.compare_and_swap_root(None, c.address()).unwrap(),
            "stale expectation must fail"
        );
        assert_eq!(store.root().unwrap(), Some(c.address()));
        let missing = Address::of(b"nope");
        assert!(matches!(
            store.compare_and_swap_root(Some(c.address()), missing),
            Err(Error::MissingChunk(_))
        ));
    }
}
