//! Walking everything reachable from some roots.
//!
//! Every chunk lists the chunks it refers to in its header, so the set of
//! live chunks is found without understanding any payload: integrity checks
//! read each one (which verifies it against its address), garbage collection
//! keeps them, and transfers between stores copy the ones the other side lacks
//! (pruning a subtree as soon as its root is already there).

use std::collections::HashSet;

use crate::address::Address;
use crate::chunk::Chunk;
use crate::error::Result;
use crate::store::ChunkStore;

/// What to do with a chunk's references after visiting it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Walk {
    /// Visit the chunks it refers to.
    Descend,
    /// Do not visit them (through this chunk).
    Prune,
}

/// Counts of a walk.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WalkStats {
    /// Chunks visited.
    pub chunks: u64,
    /// Their total size in bytes.
    pub bytes: u64,
}

/// Visits each chunk reachable from `roots` once, depth first. `visit`
/// decides whether to follow a chunk's references. A missing chunk is an
/// error ([`crate::Error::MissingChunk`]), as is any chunk that fails its
/// address check.
pub fn walk_reachable(
    store: &dyn ChunkStore,
    roots: &[Address],
    visit: impl FnMut(&Chunk) -> Result<Walk>,
) -> Result<WalkStats> {
    walk_reachable_except(store, roots, &HashSet::new(), visit)
}

/// [`walk_reachable`] that never enters the chunks in `left_out` (chunks a
/// store lacks on purpose: the history cut off by a shallow clone).
pub fn walk_reachable_except(
    store: &dyn ChunkStore,
    roots: &[Address],
    left_out: &HashSet<Address>,
    mut visit: impl FnMut(&Chunk) -> Result<Walk>,
) -> Result<WalkStats> {
    let mut seen: HashSet<Address> = left_out.clone();
    let mut stack: Vec<Address> = roots.to_vec();
    let mut stats = WalkStats::default();
    while let Some(address) = stack.pop() {
        if !seen.insert(address) {
            continue;
        }
        let chunk = store.get_required(&address)?;
        stats.chunks += 1;
        stats.bytes += chunk.len() as u64;
        if visit(&chunk)? == Walk::Descend {
            // Reverse, so children are visited left to right.
            let refs: Vec<Address> = chunk.refs().collect();
            stack.extend(refs.into_iter().rev().filter(|r| !seen.contains(r)));
        }
    }
    Ok(stats)
}

/// Copies into `to` every chunk reachable from `roots` in `from` that `to`
/// lacks, and returns what was copied; `progress` hears the running
/// totals after each batch written.
///
/// Chunks are written children first (a post-order walk), so `to` never holds
/// a chunk without the chunks it refers to, even if the copy is interrupted.
/// That invariant is what makes it safe to prune the walk at any chunk `to`
/// already has: its whole subtree is there. Memory stays bounded by the
/// tree's depth times its fan-out.
pub fn copy_missing(
    from: &dyn ChunkStore,
    to: &dyn ChunkStore,
    roots: &[Address],
    progress: &mut dyn FnMut(WalkStats),
) -> Result<WalkStats> {
    copy_missing_except(from, to, roots, &HashSet::new(), progress)
}

/// [`copy_missing`] that never enters the chunks in `left_out`: a shallow
/// clone's cut (the parents of its oldest commits), the one place where `to`
/// holds a chunk without all the chunks it refers to.
pub fn copy_missing_except(
    from: &dyn ChunkStore,
    to: &dyn ChunkStore,
    roots: &[Address],
    left_out: &HashSet<Address>,
    progress: &mut dyn FnMut(WalkStats),
) -> Result<WalkStats> {
    const BATCH: usize = 1024;
    enum Step {
        Enter(Address),
        Leave(Chunk),
    }
    let mut seen: HashSet<Address> = left_out.clone();
    let mut stack: Vec<Step> = roots.iter().rev().map(|r| Step::Enter(*r)).collect();
    let mut batch = Vec::new();
    let mut copied = WalkStats::default();
    while let Some(step) = stack.pop() {
        match step {
            Step::Enter(address) => {
                if !seen.insert(address) || to.has(&address)? {
                    continue;
                }
                let chunk = from.get_required(&address)?;
                let refs: Vec<Address> = chunk.refs().collect();
                stack.push(Step::Leave(chunk));
                stack.extend(
                    refs.into_iter()
                        .rev()
                        .filter(|r| !seen.contains(r))
                        .map(Step::Enter),
                );
            }
            Step::Leave(chunk) => {
                copied.chunks += 1;
                copied.bytes += chunk.len() as u64;
                batch.push(chunk);
                if batch.len() >= BATCH {
                    to.put_many(&std::mem::take(&mut batch))?;
                    progress(copied);
                }
            }
        }
    }
    to.put_many(&batch)?;
    progress(copied);
    Ok(copied)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::prolly::{Edit, NodeStore, ProllyMap};
    use crate::store::MemoryStore;

    fn map_in(store: &Arc<MemoryStore>, n: u32) -> ProllyMap {
        let nodes = NodeStore::new(store.clone());
        let entries: Vec<_> = (0..n)
            .map(|i| (i.to_be_bytes(), vec![b'v'; 100 + (i % 3000) as usize]))
            .collect();
        ProllyMap::from_sorted(&nodes, entries).unwrap()
    }

    #[test]
    fn walk_visits_every_reachable_chunk_once() {
        let store = Arc::new(MemoryStore::new());
        let map = map_in(&store, 20_000);
        let mut nodes = 0;
        map.walk_nodes(|_| nodes += 1).unwrap();
        let stats = walk_reachable(store.as_ref(), &[map.root(), map.root()], |_| {
            Ok(Walk::Descend)
        })
        .unwrap();
        // Nodes plus the blob chunks of out-of-line values.
        assert!(stats.chunks as usize > nodes);
        assert_eq!(
            stats.chunks as usize,
            store.chunk_count(),
            "everything in the store is reachable"
        );
        let top_only = walk_reachable(store.as_ref(), &[map.root()], |_| Ok(Walk::Prune)).unwrap();
        assert_eq!(top_only.chunks, 1);
    }

    #[test]
    fn copy_sends_only_what_is_missing_and_children_first() {
        let from = Arc::new(MemoryStore::new());
        let map = map_in(&from, 20_000);
        let to = Arc::new(MemoryStore::new());
        let first = copy_missing(from.as_ref(), to.as_ref(), &[map.root()], &mut |_| {}).unwrap();
        assert_eq!(first.chunks as usize, from.chunk_count());
        let edited = map
            .edit([Edit::put(7u32.to_be_bytes().to_vec(), b"new".to_vec())])
            .unwrap();
        let second =
            copy_missing(from.as_ref(), to.as_ref(), &[edited.root()], &mut |_| {}).unwrap();
        assert!(
            second.chunks <= 6,
            "a one-entry change copied {} chunks",
            second.chunks
        );
        let copy = ProllyMap::load(&NodeStore::new(to.clone()), edited.root()).unwrap();
        assert_eq!(
            copy.get(&7u32.to_be_bytes()).unwrap().as_deref(),
            Some(&b"new"[..])
        );
        assert_eq!(copy.iter().unwrap().count(), 20_000);
    }

    /// A store that refuses any chunk whose references it does not hold yet.
    #[derive(Debug, Default)]
    struct ChildrenFirst(MemoryStore);

    impl ChunkStore for ChildrenFirst {
        fn get(&self, a: &Address) -> Result<Option<Chunk>> {
            self.0.get(a)
        }
        fn has(&self, a: &Address) -> Result<bool> {
            self.0.has(a)
        }
        fn put_many(&self, chunks: &[Chunk]) -> Result<()> {
            for c in chunks {
                for r in c.refs() {
                    assert!(
                        self.0.has(&r)?,
                        "chunk {} written before its child {r}",
                        c.address()
                    );
                }
                self.0.put(c)?;
            }
            Ok(())
        }
        fn root(&self) -> Result<Option<Address>> {
            self.0.root()
        }
        fn compare_and_swap_root(&self, e: Option<Address>, n: Address) -> Result<bool> {
            self.0.compare_and_swap_root(e, n)
        }
    }

    #[test]
    fn copies_write_children_before_parents() {
        let from = Arc::new(MemoryStore::new());
        let map = map_in(&from, 30_000);
        let to = ChildrenFirst::default();
        let stats = copy_missing(from.as_ref(), &to, &[map.root()], &mut |_| {}).unwrap();
        assert_eq!(stats.chunks as usize, from.chunk_count());
    }

    #[test]
    fn a_missing_chunk_is_an_error() {
        let store = MemoryStore::new();
        let dangling = Chunk::new(
            crate::chunk::ChunkKind::BLOB_INTERNAL,
            &[Address::of(b"gone")],
            &[1],
        );
        store.put(&dangling).unwrap();
        let err = walk_reachable(&store, &[dangling.address()], |_| Ok(Walk::Descend)).unwrap_err();
        assert!(matches!(err, crate::Error::MissingChunk(_)));
    }
}
