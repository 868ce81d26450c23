//! The on-disk chunk store: round trips, reopening, compare-and-swap, the
//! index, readers, and maps stored on disk.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use arbor_merkle::store::{OpenMode, SimStorage, Storage};
use arbor_merkle::{Address, Chunk, ChunkKind, ChunkStore, DiskStore, Edit, NodeStore, ProllyMap};

fn rw() -> OpenMode {
    OpenMode::ReadWrite {
        lock_wait: Duration::from_millis(50),
    }
}

fn chunk(i: u32) -> Chunk {
    // Compressible and incompressible payloads alternate.
    let mut payload = i.to_le_bytes().to_vec();
    if i.is_multiple_of(2) {
        payload.extend(std::iter::repeat_n(b'a', 1000));
    } else {
        let mut x = u64::from(i) | 1;
        payload.extend((0..1000).map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        }));
    }
    Chunk::new(ChunkKind::BLOB_LEAF, &[], &payload)
}

fn sim_store(sim: &SimStorage) -> DiskStore {
    DiskStore::open(Arc::new(sim.clone()), rw()).unwrap()
}

#[test]
fn put_get_publish_reopen() {
    let sim = SimStorage::new();
    let chunks: Vec<Chunk> = (0..50).map(chunk).collect();
    {
        let store = sim_store(&sim);
        assert_eq!(store.root().unwrap(), None);
        store.put_many(&chunks).unwrap();
        for c in &chunks {
            assert_eq!(
                store.get(&c.address()).unwrap().unwrap(),
                *c,
                "readable before publishing"
            );
        }
        assert!(
            store
                .compare_and_swap_root(None, chunks[0].address())
                .unwrap()
        );
        assert!(
            store.stats().bytes_appended < chunks.iter().map(|c| c.len() as u64).sum::<u64>(),
            "compressed"
        );
    }
    let store = sim_store(&sim);
    assert_eq!(store.root().unwrap(), Some(chunks[0].address()));
    for c in &chunks {
        assert!(store.has(&c.address()).unwrap());
        assert_eq!(store.get(&c.address()).unwrap().unwrap(), *c);
    }
    assert!(store.get(&Address::of(b"absent")).unwrap().is_none());
    let report = store.verify().unwrap();
    assert_eq!((report.chunks, report.roots), (50, 1));
    assert!(report.problems.is_empty());
}

#[test]
fn stale_compare_and_swap_changes_nothing() {
    let sim = SimStorage::new();
    let store = sim_store(&sim);
    let (a, b) = (chunk(1), chunk(2));
    store.put_many(&[a.clone(), b.clone()]).unwrap();
    assert!(store.compare_and_swap_root(None, a.address()).unwrap());
    let len = store.journal_len();
    assert!(!store.compare_and_swap_root(None, b.address()).unwrap());
    assert_eq!(store.root().unwrap(), Some(a.address()));
    assert_eq!(store.journal_len(), len, "a failed swap writes nothing");
    assert!(
        store
            .compare_and_swap_root(Some(a.address()), Address::of(b"missing"))
            .is_err()
    );
}

#[test]
fn unpublished_chunks_do_not_survive_reopening() {
    let sim = SimStorage::new();
    let (a, b) = (chunk(1), chunk(2));
    {
        let store = sim_store(&sim);
        store.put_many(std::slice::from_ref(&a)).unwrap();
        store.compare_and_swap_root(None, a.address()).unwrap();
        store.put_many(std::slice::from_ref(&b)).unwrap();
    }
    let store = sim_store(&sim);
    assert!(store.has(&a.address()).unwrap());
    assert!(
        !store.has(&b.address()).unwrap(),
        "b was never reachable from a published root"
    );
}

#[test]
fn index_is_written_used_and_rebuilt_when_damaged() {
    let sim = SimStorage::new();
    let mut last = None;
    {
        let store = sim_store(&sim);
        // Enough data to pass the re-index threshold several times.
        for round in 0..20u32 {
            let chunks: Vec<Chunk> = (0..700).map(|i| chunk(round * 1000 + i)).collect();
            store.put_many(&chunks).unwrap();
            let root = chunks[0].address();
            assert!(store.compare_and_swap_root(last, root).unwrap());
            last = Some(root);
        }
        assert!(store.stats().index_writes > 0);
    }
    assert!(sim.exists("index").unwrap());
    let check = |store: &DiskStore| {
        assert_eq!(store.root().unwrap(), last);
        for i in [0u32, 1, 5999, 13_999] {
            let c = chunk(i / 700 * 1000 + i % 700);
            assert_eq!(store.get(&c.address()).unwrap().unwrap(), c);
        }
    };
    check(&sim_store(&sim));
    // A damaged index is ignored and the journal scanned instead.
    let mut index = sim.read_file("index").unwrap();
    let mid = index.len() / 2;
    index[mid] ^= 0xff;
    sim.write_file("index", index);
    check(&sim_store(&sim));
    // So is a missing one.
    sim.write_file("index", Vec::new());
    check(&sim_store(&sim));
}

#[test]
fn readers_see_a_snapshot_and_refresh() {
    let dir = tempfile::tempdir().unwrap();
    let writer = DiskStore::open_dir(dir.path(), rw()).unwrap();
    let (a, b) = (chunk(1), chunk(2));
    writer.put_many(std::slice::from_ref(&a)).unwrap();
    writer.compare_and_swap_root(None, a.address()).unwrap();
    let reader = DiskStore::open_dir(dir.path(), OpenMode::ReadOnly).unwrap();
    assert_eq!(reader.root().unwrap(), Some(a.address()));
    writer.put_many(std::slice::from_ref(&b)).unwrap();
    writer
        .compare_and_swap_root(Some(a.address()), b.address())
        .unwrap();
    assert_eq!(
        reader.root().unwrap(),
        Some(a.address()),
        "a reader keeps its snapshot"
    );
    reader.refresh().unwrap();
    assert_eq!(reader.root().unwrap(), Some(b.address()));
    assert_eq!(reader.get(&b.address()).unwrap().unwrap(), b);
    assert!(
        reader.put_many(&[chunk(3)]).is_err(),
        "readers cannot write"
    );
}

#[test]
fn a_prolly_map_round_trips_through_disk() {
    let dir = tempfile::tempdir().unwrap();
    let entries: Vec<(Vec<u8>, Vec<u8>)> = (0..20_000u32)
        .map(|i| {
            (
                i.to_be_bytes().to_vec(),
                format!("value {i}")
                    .repeat(1 + (i % 7) as usize)
                    .into_bytes(),
            )
        })
        .collect();
    let root = {
        let store = Arc::new(DiskStore::open_dir(dir.path(), rw()).unwrap());
        let nodes = NodeStore::new(store.clone());
        let map = ProllyMap::from_sorted(&nodes, entries.iter().cloned()).unwrap();
        let map = map
            .edit([Edit::put(5u32.to_be_bytes().to_vec(), vec![9u8; 100_000])])
            .unwrap();
        assert!(store.compare_and_swap_root(None, map.root()).unwrap());
        map.root()
    };
    let store = Arc::new(DiskStore::open_dir(dir.path(), rw()).unwrap());
    assert_eq!(store.root().unwrap(), Some(root));
    let map = ProllyMap::load(&NodeStore::new(store), root).unwrap();
    assert_eq!(map.len().unwrap(), 20_000);
    assert_eq!(
        map.get(&5u32.to_be_bytes()).unwrap().unwrap(),
        vec![9u8; 100_000]
    );
    assert_eq!(
        map.get(&19_999u32.to_be_bytes()).unwrap().unwrap(),
        entries[19_999].1
    );
}
