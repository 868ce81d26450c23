//! Prolly trees at scale: node sizes over a million keys, history independence
//! on multi-level trees, and the cost of edits and diffs following the change.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use arbor_merkle::prolly::{MAX_NODE, MIN_NODE};
use arbor_merkle::{Address, Chunk, ChunkStore, Edit, MemoryStore, NodeStore, ProllyMap, Result};
use proptest::prelude::*;

fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// 16-byte random key and ~100-byte value for entry `i`.
fn entry(i: u64) -> (Vec<u8>, Vec<u8>) {
    let mut key = splitmix(i).to_be_bytes().to_vec();
    key.extend_from_slice(&splitmix(i ^ 0xabcdef).to_be_bytes());
    let value = format!(
        "value-{i}-{}",
        "x".repeat((splitmix(i) % 100) as usize + 50)
    )
    .into_bytes();
    (key, value)
}

fn sorted_entries(n: u64) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut v: Vec<_> = (0..n).map(entry).collect();
    v.sort();
    v
}

/// A chunk store that counts reads and writes, to check how much work an operation does.
#[derive(Debug, Default)]
struct CountingStore {
    inner: MemoryStore,
    gets: AtomicU64,
    puts: AtomicU64,
    put_bytes: AtomicU64,
}

impl ChunkStore for CountingStore {
    fn get(&self, a: &Address) -> Result<Option<Chunk>> {
        self.gets.fetch_add(1, Ordering::Relaxed);
        self.inner.get(a)
    }
    fn has(&self, a: &Address) -> Result<bool> {
        self.inner.has(a)
    }
    fn put_many(&self, chunks: &[Chunk]) -> Result<()> {
        for c in chunks {
            if !self.inner.has(&c.address())? {
                self.puts.fetch_add(1, Ordering::Relaxed);
                self.put_bytes.fetch_add(c.len() as u64, Ordering::Relaxed);
            }
        }
        self.inner.put_many(chunks)
    }
    fn root(&self) -> Result<Option<Address>> {
        self.inner.root()
    }
    fn compare_and_swap_root(&self, e: Option<Address>, n: Address) -> Result<bool> {
        self.inner.compare_and_swap_root(e, n)
    }
}

fn depth(map: &ProllyMap) -> u8 {
    let mut top = 0;
    map.walk_nodes(|n| top = top.max(n.level)).unwrap();
    top + 1
}

#[test]
fn node_sizes_stay_within_bounds_over_a_million_keys() {
    let store = NodeStore::new(Arc::new(MemoryStore::new()));
    let map = ProllyMap::from_sorted(&store, sorted_entries(1_000_000)).unwrap();
    assert_eq!(map.len().unwrap(), 1_000_000);
    let (mut leaves, mut leaf_bytes) = (0u64, 0u64);
    let mut per_level = BTreeMap::new();
    map.walk_nodes(|n| {
        *per_level.entry(n.level).or_insert(0) += 1;
        if n.level == 0 {
            leaves += 1;
            leaf_bytes += n.bytes as u64;
        }
        if !n.last_at_level {
            assert!(
                n.bytes >= MIN_NODE,
                "node {} of {} bytes is under the minimum",
                n.address,
                n.bytes
            );
        }
        assert!(
            n.bytes <= MAX_NODE,
            "node {} of {} bytes is over the maximum",
            n.address,
            n.bytes
        );
    })
    .unwrap();
    let mean = leaf_bytes / leaves;
    assert!(
        (3000..5500).contains(&mean),
        "mean leaf size {mean} is far from 4 KiB"
    );
    assert!(
        per_level.len() >= 3,
        "a million entries need at least three levels: {per_level:?}"
    );
}

#[test]
fn one_edit_rewrites_only_its_path() {
    let counting = Arc::new(CountingStore::default());
    let store = NodeStore::new(counting.clone());
    let map = ProllyMap::from_sorted(&store, sorted_entries(100_000)).unwrap();
    let d = u64::from(depth(&map));
    let before = (
        counting.puts.load(Ordering::Relaxed),
        counting.put_bytes.load(Ordering::Relaxed),
    );
    let (k, _) = entry(777);
    let edited = map
        .edit([Edit::put(k.clone(), b"changed".to_vec())])
        .unwrap();
    let written = counting.puts.load(Ordering::Relaxed) - before.0;
    let bytes = counting.put_bytes.load(Ordering::Relaxed) - before.1;
    // The edited path, plus at most a neighbour per level where a boundary moved,
    // plus the right spine that is always re-chunked.
    assert!(
        written <= 3 * d + 2,
        "one edit wrote {written} chunks in a tree of depth {d}"
    );
    assert!(bytes <= 64 * 1024, "one edit wrote {bytes} bytes");
    assert_eq!(edited.get(&k).unwrap().as_deref(), Some(&b"changed"[..]));
}

#[test]
fn diff_reads_follow_the_change_not_the_size() {
    let counting = Arc::new(CountingStore::default());
    let store = NodeStore::new(counting.clone());
    let map = ProllyMap::from_sorted(&store, sorted_entries(200_000)).unwrap();
    let (k, _) = entry(4242);
    let edited = map.edit([Edit::delete(k.clone())]).unwrap();
    let d = u64::from(depth(&map));
    // A fresh cache, so every node the diff needs is a store read.
    let cold = NodeStore::new(counting.clone());
    let (a, b) = (
        ProllyMap::load(&cold, map.root()).unwrap(),
        ProllyMap::load(&cold, edited.root()).unwrap(),
    );
    let before = counting.gets.load(Ordering::Relaxed);
    let changes: Vec<_> = a.diff(&b).unwrap().map(|e| e.unwrap()).collect();
    let reads = counting.gets.load(Ordering::Relaxed) - before;
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].key, k);
    assert!(
        reads <= 6 * d,
        "a one-row diff read {reads} nodes in a tree of depth {d}"
    );
}

#[test]
fn ordinal_access_on_a_deep_tree() {
    let store = NodeStore::new(Arc::new(MemoryStore::new()));
    let entries = sorted_entries(50_000);
    let map = ProllyMap::from_sorted(&store, entries.iter().cloned()).unwrap();
    for i in [0u64, 1, 999, 25_000, 49_999] {
        assert_eq!(map.get_index(i).unwrap().unwrap(), entries[i as usize]);
        assert_eq!(map.rank(&entries[i as usize].0).unwrap(), i);
    }
    let tail: Vec<_> = map
        .iter_from_index(49_990)
        .unwrap()
        .map(|e| e.unwrap())
        .collect();
    assert_eq!(tail, entries[49_990..].to_vec());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// On trees of three or more levels, scattered batches and single edits
    /// give the same root as a bulk build of the result.
    #[test]
    fn history_independence_on_deep_trees(
        n in 5_000u64..30_000,
        picks in prop::collection::vec((any::<u64>(), 0u8..3), 1..300),
    ) {
        let store = NodeStore::new(Arc::new(MemoryStore::new()));
        let mut model: BTreeMap<Vec<u8>, Vec<u8>> = sorted_entries(n).into_iter().collect();
        let map = ProllyMap::from_sorted(&store, model.iter()).unwrap();
        let mut edits = BTreeMap::new();
        for (x, op) in picks {
            // Existing keys (update or delete) and new keys (insert).
            let (key, _) = entry(x % (2 * n));
            let value = match op {
                0 => None,
                1 => Some(format!("new-{x}").into_bytes()),
                _ => Some(vec![b'z'; 3000 + (x % 5000) as usize]),
            };
            edits.insert(key, value);
        }
        for (k, v) in &edits {
            match v { Some(v) => { model.insert(k.clone(), v.clone()); } None => { model.remove(k); } }
        }
        let batch: Vec<Edit> = edits.iter().map(|(k, v)| Edit { key: k.clone(), value: v.clone() }).collect();
        let edited = map.edit(batch.clone()).unwrap();
        let bulk = ProllyMap::from_sorted(&store, model.iter()).unwrap();
        prop_assert_eq!(edited.root(), bulk.root());
        let mut one_by_one = map.clone();
        for e in batch.iter().rev() {
            one_by_one = one_by_one.edit([e.clone()]).unwrap();
        }
        prop_assert_eq!(one_by_one.root(), bulk.root());
        let diff_len = map.diff(&edited).unwrap().count();
        let expected_changes = edits.iter().filter(|(k, v)| {
            let old = map.get(k).unwrap();
            old != **v
        }).count();
        prop_assert_eq!(diff_len, expected_changes);
    }
}

#[test]
fn shrinking_to_one_entry_and_to_empty_is_canonical() {
    let store = NodeStore::new(Arc::new(MemoryStore::new()));
    let entries = sorted_entries(20_000);
    let map = ProllyMap::from_sorted(&store, entries.iter().cloned()).unwrap();
    let keep = entries[123].clone();
    let all_but_one = entries
        .iter()
        .filter(|e| **e != keep)
        .map(|(k, _)| Edit::delete(k.clone()));
    let one = map.edit(all_but_one).unwrap();
    assert_eq!(
        one.root(),
        ProllyMap::from_sorted(&store, [keep.clone()])
            .unwrap()
            .root()
    );
    let none = one.edit([Edit::delete(keep.0)]).unwrap();
    assert_eq!(none.root(), ProllyMap::empty(&store).unwrap().root());
    assert!(none.is_empty().unwrap());
}

/// Pins the format: any change to node layout, chunk header, boundary rule or
/// value encoding changes these addresses and must be deliberate.
#[test]
fn golden_addresses() {
    let store = NodeStore::new(Arc::new(MemoryStore::new()));
    let empty = ProllyMap::empty(&store).unwrap();
    let entries: Vec<_> = (0..5_000u32)
        .map(|i| {
            (
                format!("key{i:06}").into_bytes(),
                format!("value {i}").into_bytes(),
            )
        })
        .collect();
    let map = ProllyMap::from_sorted(&store, entries).unwrap();
    let with_blob = map
        .edit([Edit::put(b"key000001".to_vec(), vec![7u8; 10_000])])
        .unwrap();
    assert_eq!(
        empty.root().to_hex(),
        "4d06f9afbbcf8857082e4eefe1542bc2ab87e0f72dda2019f0865459752232f7"
    );
    assert_eq!(
        map.root().to_hex(),
        "60fd072a7619458aebd72eaeefd00edf8eeb8ef0673bd7482b94ae89e826a7b1"
    );
    assert_eq!(
        with_blob.root().to_hex(),
        "c31a39b05683e02fa460b143098e1a77a60756ab441d34fb5f7abcd67d6355e2"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Large keys and values make the size-forced boundary common; edits next
    /// to a node that ended that way must still give the bulk-built tree.
    #[test]
    fn history_independence_with_large_entries(
        lens in prop::collection::vec((0usize..4000, 0usize..2048), 20..80),
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0usize..2048, any::<bool>()), 1..20),
    ) {
        let store = NodeStore::new(Arc::new(MemoryStore::new()));
        let mut model: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
        for (i, (klen, vlen)) in lens.iter().enumerate() {
            let mut key = format!("{i:04}").into_bytes();
            key.resize(4 + klen, b'k');
            model.insert(key, vec![b'v'; *vlen]);
        }
        let map = ProllyMap::from_sorted(&store, model.iter()).unwrap();
        let keys: Vec<Vec<u8>> = model.keys().cloned().collect();
        let mut batch = BTreeMap::new();
        for (idx, vlen, delete) in edits {
            let key = idx.get(&keys).clone();
            let value = if delete { None } else { Some(vec![b'w'; vlen]) };
            batch.insert(key, value);
        }
        for (k, v) in &batch {
            match v { Some(v) => { model.insert(k.clone(), v.clone()); } None => { model.remove(k); } }
        }
        let edited = map.edit(batch.into_iter().map(|(key, value)| Edit { key, value })).unwrap();
        let bulk = ProllyMap::from_sorted(&store, model.iter()).unwrap();
        prop_assert_eq!(edited.root(), bulk.root());
        let mut max = 0;
        bulk.walk_nodes(|n| max = max.max(n.bytes)).unwrap();
        prop_assert!(max <= MAX_NODE);
    }
}

#[test]
fn keys_over_the_limit_are_refused() {
    let store = NodeStore::new(Arc::new(MemoryStore::new()));
    let long = vec![b'k'; arbor_merkle::prolly::MAX_KEY_LEN + 1];
    let err = ProllyMap::from_sorted(&store, [(long.clone(), b"v".to_vec())]).unwrap_err();
    assert!(err.to_string().contains("key is 4097 bytes"), "{err}");
    let map = ProllyMap::empty(&store).unwrap();
    assert!(map.edit([Edit::put(long, b"v".to_vec())]).is_err());
}
