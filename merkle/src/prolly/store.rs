//! The prolly layer's view of a chunk store: decoded nodes with a cache.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use super::node::Node;
use crate::address::Address;
use crate::chunk::Chunk;
use crate::error::Result;
use crate::store::ChunkStore;

/// A chunk store plus a cache of decoded prolly nodes. Cheap to clone; clones
/// share the cache.
#[derive(Clone)]
pub struct NodeStore {
    chunks: Arc<dyn ChunkStore>,
    cache: Arc<Mutex<NodeCache>>,
}

impl fmt::Debug for NodeStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NodeStore")
            .field("chunks", &self.chunks)
            .finish_non_exhaustive()
    }
}

/// Decoded nodes kept per cache generation. About 4 KiB each, so two
/// generations hold at most ~64 MiB.
const GENERATION_CAPACITY: usize = 8192;

/// A two-generation cache: lookups hit `hot` then `cold` (promoting), and when
/// `hot` fills it becomes `cold`. Cheap, bounded, and keeps the working set.
#[derive(Default)]
struct NodeCache {
    hot: HashMap<Address, Arc<Node>>,
    cold: HashMap<Address, Arc<Node>>,
}

impl NodeCache {
    fn get(&mut self, address: &Address) -> Option<Arc<Node>> {
        if let Some(n) = self.hot.get(address) {
            return Some(n.clone());
        }
        let n = self.cold.remove(address)?;
        self.insert(n.clone());
        Some(n)
    }

    fn insert(&mut self, node: Arc<Node>) {
        if self.hot.len() >= GENERATION_CAPACITY {
            self.cold = std::mem::take(&mut self.hot);
        }
        self.hot.insert(node.address(), node);
    }
}

impl NodeStore {
    /// Wraps a chunk store.
    pub fn new(chunks: Arc<dyn ChunkStore>) -> NodeStore {
        NodeStore {
            chunks,
            cache: Arc::new(Mutex::new(NodeCache::default())),
        }
    }

    /// The underlying chunk store.
    pub fn chunks(&self) -> &Arc<dyn ChunkStore> {
        &self.chunks
    }

    /// Loads and decodes the node at `address`.
    pub(crate) fn load(&self, address: &Address) -> Result<Arc<Node>> {
        if let Some(node) = self.lock().get(address) {
            return Ok(node);
        }
        let node = Arc::new(Node::decode(self.chunks.get_required(address)?)?);
        self.lock().insert(node.clone());
        Ok(node)
    }

    /// Writes new chunks to the underlying store.
    pub(crate) fn write(&self, chunks: Vec<Chunk>) -> Result<()> {
        if chunks.is_empty() {
            return Ok(());
        }
        self.chunks.put_many(&chunks)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, NodeCache> {
        // A panic while holding this lock cannot leave the cache inconsistent
        // (each operation is a single map update), so a poisoned lock is usable.
        self.cache.lock().unwrap_or_else(|e| e.into_inner())
    }
}
