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

/// Bytes of decoded nodes kept per cache generation unless
/// [`NodeStore::limit_cache`] sets another size: 192 MiB each, so a scan of
/// a table of a few million rows is served from memory the second time
/// instead of re-reading, decompressing and re-verifying every node.
const DEFAULT_GENERATION_BYTES: usize = 192 << 20;

/// A two-generation cache sized in bytes: lookups hit `hot` then `cold`
/// (promoting), and when `hot` holds its budget it becomes `cold`. Cheap,
/// bounded, and it keeps the working set.
struct NodeCache {
    hot: HashMap<Address, Arc<Node>>,
    cold: HashMap<Address, Arc<Node>>,
    /// Bytes of the nodes in `hot`.
    hot_bytes: usize,
    /// Bytes a generation may hold.
    budget: usize,
}

impl Default for NodeCache {
    fn default() -> NodeCache {
        NodeCache {
            hot: HashMap::new(),
            cold: HashMap::new(),
            hot_bytes: 0,
            budget: DEFAULT_GENERATION_BYTES,
        }
    }
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

    /// The hot generation becomes the cold one (the cold one is dropped).
    fn rotate(&mut self) {
        self.cold = std::mem::take(&mut self.hot);
        self.hot_bytes = 0;
    }

    fn insert(&mut self, node: Arc<Node>) {
        let size = node.memory_size();
        if self.hot_bytes + size > self.budget && !self.hot.is_empty() {
            self.rotate();
        }
        self.hot_bytes += size;
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

    /// Sizes the cache of decoded nodes at about `bytes` (both
    /// generations): smaller for work that reads each node once (an
    /// export), where a big cache would only hold memory, or as the
    /// embedder chooses.
    pub fn limit_cache(&self, bytes: usize) {
        let mut cache = self.lock();
        cache.budget = (bytes / 2).max(1 << 20);
        if cache.hot_bytes > cache.budget {
            cache.rotate();
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
