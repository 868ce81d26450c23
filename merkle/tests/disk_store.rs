//! The on-disk chunk store: round trips, reopening, compare-and-swap, the
//! index, readers, and maps stored on disk.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use arbor_merkle::store::{OpenMode, SimStorage, Storage};
use arbor_merkle::{
    Address, Chunk, ChunkKind, ChunkStore, DiskStore, Edit, Error, MAX_CHUNK_LEN, NodeStore,
    ProllyMap,
};

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
fn index_is_written_used_and_rebuilt_when_damaged_or_deleted() {
    let sim = SimStorage::new();
    let mut last = None;
    let journal_len;
    {
        let store = sim_store(&sim);
        // Enough data to pass the re-index threshold several times.
        for round in 0..40u32 {
            let chunks: Vec<Chunk> = (0..700).map(|i| chunk(round * 1000 + i)).collect();
            store.put_many(&chunks).unwrap();
            let root = chunks[0].address();
            assert!(store.compare_and_swap_root(last, root).unwrap());
            last = Some(root);
        }
        let stats = store.stats();
        assert!(stats.index_writes > 1, "{stats:?}");
        // Rewrites grow geometrically, so their total stays a small multiple
        // of the final index.
        let index_len = sim.read_file("index").unwrap().len() as u64;
        assert!(
            stats.index_bytes_written < 6 * index_len,
            "{} bytes of index writes for a {index_len}-byte index",
            stats.index_bytes_written
        );
        journal_len = store.journal_len();
    }
    assert!(sim.exists("index").unwrap());
    let check = |store: &DiskStore| {
        assert_eq!(store.root().unwrap(), last);
        for i in [0u32, 1, 5999, 13_999, 27_999] {
            let c = chunk(i / 700 * 1000 + i % 700);
            assert_eq!(store.get(&c.address()).unwrap().unwrap(), c);
        }
        assert_eq!(store.journal_len(), journal_len);
    };
    // With a good index, opening reads little of the journal.
    let open_reads = || {
        let before = sim.bytes_read();
        check(&sim_store(&sim));
        sim.bytes_read() - before
    };
    let with_index = open_reads();
    assert!(
        with_index < journal_len / 4,
        "{with_index} bytes read of a {journal_len}-byte journal"
    );
    // A damaged index is ignored, the journal scanned instead, and a writer
    // writes a good index again.
    let mut index = sim.read_file("index").unwrap();
    let mid = index.len() / 2;
    index[mid] ^= 0xff;
    sim.write_file("index", index);
    let before = sim.bytes_read();
    let reader = DiskStore::open(Arc::new(sim.clone()), OpenMode::ReadOnly).unwrap();
    assert!(
        sim.bytes_read() - before > journal_len / 2,
        "the reader scanned"
    );
    check(&reader);
    assert_eq!(reader.stats().index_writes, 0, "readers never write");
    let store = sim_store(&sim);
    check(&store);
    assert_eq!(store.stats().index_writes, 1, "rebuilt on opening");
    drop(store);
    assert!(open_reads() < journal_len / 4, "the rebuilt index is used");
    // So is a missing one.
    sim.remove("index").unwrap();
    assert!(
        open_reads() > journal_len / 2,
        "without an index, the journal is scanned"
    );
    assert!(sim.exists("index").unwrap());
    assert!(open_reads() < journal_len / 4, "the rebuilt index is used");
    // And one that covers more than the journal holds (as if the journal
    // had been cut short) is ignored too: an earlier root, still readable.
    let full = sim.read_file("journal").unwrap();
    sim.write_file("journal", full[..full.len() / 2].to_vec());
    let cut = sim_store(&sim);
    let root = cut.root().unwrap();
    assert!(root.is_some() && root != last);
    assert!(cut.get(&root.unwrap()).unwrap().is_some());
    assert_eq!(cut.get(&chunk(0).address()).unwrap().unwrap(), chunk(0));
}

#[test]
fn opening_fifty_thousand_chunks_is_quick() {
    let dir = tempfile::tempdir().unwrap();
    let chunks: Vec<Chunk> = (0..50_000u32)
        .map(|i| Chunk::new(ChunkKind::BLOB_LEAF, &[], format!("row {i}").as_bytes()))
        .collect();
    {
        let store = DiskStore::open_dir(dir.path(), rw()).unwrap();
        let mut root = None;
        for batch in chunks.chunks(10_000) {
            store.put_many(batch).unwrap();
            let next = batch[0].address();
            assert!(store.compare_and_swap_root(root, next).unwrap());
            root = Some(next);
        }
        assert!(store.stats().index_writes > 0);
    }
    // Best of a few, to be fair to a busy machine.
    let mut best = Duration::MAX;
    for _ in 0..3 {
        let start = std::time::Instant::now();
        let store = DiskStore::open_dir(dir.path(), OpenMode::ReadOnly).unwrap();
        best = best.min(start.elapsed());
        assert!(store.has(&chunks[49_999].address()).unwrap());
    }
    eprintln!("opened a store of 50,000 chunks in {best:?}");
    assert!(best < Duration::from_millis(100), "open took {best:?}");
}

#[test]
fn a_chunk_over_the_size_cap_is_refused() {
    let sim = SimStorage::new();
    let store = sim_store(&sim);
    let big = Chunk::new(ChunkKind::BLOB_LEAF, &[], &vec![7u8; MAX_CHUNK_LEN]);
    let err = store.put(&big).unwrap_err();
    assert!(matches!(err, Error::TooLarge { .. }), "{err}");
    assert!(!store.has(&big.address()).unwrap());
    let largest = Chunk::new(ChunkKind::BLOB_LEAF, &[], &vec![7u8; MAX_CHUNK_LEN - 6]);
    store.put(&largest).unwrap();
    assert!(
        store
            .compare_and_swap_root(None, largest.address())
            .unwrap()
    );
    drop(store);
    assert_eq!(
        sim_store(&sim).get(&largest.address()).unwrap().unwrap(),
        largest
    );
}

#[test]
fn threads_read_while_one_writes() {
    let sim = SimStorage::new();
    let store = Arc::new(sim_store(&sim));
    let first: Vec<Chunk> = (0..200).map(chunk).collect();
    store.put_many(&first).unwrap();
    assert!(
        store
            .compare_and_swap_root(None, first[0].address())
            .unwrap()
    );
    std::thread::scope(|scope| {
        for t in 0..3 {
            let store = store.clone();
            let first = &first;
            scope.spawn(move || {
                for round in 0..20 {
                    for c in first.iter().skip(t).step_by(3) {
                        assert_eq!(
                            store.get(&c.address()).unwrap().as_ref(),
                            Some(c),
                            "round {round}"
                        );
                    }
                }
            });
        }
        let mut root = first[0].address();
        for round in 1..40u32 {
            let batch: Vec<Chunk> = (0..50).map(|i| chunk(round * 1000 + i)).collect();
            store.put_many(&batch).unwrap();
            assert_eq!(store.get(&batch[7].address()).unwrap().unwrap(), batch[7]);
            assert!(
                store
                    .compare_and_swap_root(Some(root), batch[0].address())
                    .unwrap()
            );
            root = batch[0].address();
        }
    });
}

/// A store that appended chunk records and never published them (an
/// operation that failed) cuts them off when it is dropped, instead of
/// leaving them for the next writer.
#[test]
fn unpublished_records_are_cut_off_when_the_store_is_dropped() {
    let sim = SimStorage::new();
    let published = {
        let store = sim_store(&sim);
        store.put(&chunk(0)).unwrap();
        store
            .compare_and_swap_root(None, chunk(0).address())
            .unwrap();
        let published = store.journal_len();
        // Past the write buffer: records reach the file.
        let many: Vec<Chunk> = (1..3000).map(chunk).collect();
        store.put_many(&many).unwrap();
        assert!(sim.read_file("journal").unwrap().len() as u64 > published);
        published
    };
    assert_eq!(sim.read_file("journal").unwrap().len() as u64, published);
    assert_eq!(sim_store(&sim).root().unwrap(), Some(chunk(0).address()));
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

fn shared() -> OpenMode {
    OpenMode::Shared {
        lock_wait: Duration::from_millis(50),
    }
}

/// A shared store holds no lock while it only reads (another writer comes
/// and goes, and what it published is seen), takes the lock at its first
/// write (a swap from a root that moved on fails, its chunks wait for the
/// retry), and lets it go once what it wrote is published.
#[test]
fn a_shared_store_locks_only_while_it_writes() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, c) = (chunk(1), chunk(2), chunk(3));
    {
        let first = DiskStore::open_dir(dir.path(), rw()).unwrap();
        first.put(&a).unwrap();
        first.compare_and_swap_root(None, a.address()).unwrap();
    }
    let session = DiskStore::open_dir(dir.path(), shared()).unwrap();
    assert_eq!(session.root().unwrap(), Some(a.address()));
    assert!(!session.holds_lock());
    {
        // Another writer while the session is open and idle.
        let other = DiskStore::open_dir(dir.path(), rw()).unwrap();
        other.put(&b).unwrap();
        assert!(
            other
                .compare_and_swap_root(Some(a.address()), b.address())
                .unwrap()
        );
    }
    assert_eq!(
        session.root().unwrap(),
        Some(b.address()),
        "it sees what others published"
    );
    session.put(&c).unwrap();
    assert!(session.holds_lock(), "a write takes the lock");
    let waiting = DiskStore::open_dir(dir.path(), rw()).unwrap_err();
    assert!(matches!(waiting, Error::Locked { .. }), "{waiting}");
    assert!(
        !session
            .compare_and_swap_root(Some(a.address()), c.address())
            .unwrap(),
        "a swap from a root that moved on fails"
    );
    assert!(session.holds_lock(), "its chunk waits for the retry");
    assert!(
        session
            .compare_and_swap_root(Some(b.address()), c.address())
            .unwrap()
    );
    assert!(!session.holds_lock(), "published: the lock is let go");
    let after = DiskStore::open_dir(dir.path(), rw()).unwrap();
    assert_eq!(after.root().unwrap(), Some(c.address()));
    for x in [&a, &b, &c] {
        assert_eq!(after.get(&x.address()).unwrap().as_ref(), Some(x));
    }
    drop(after);
    session.refresh().unwrap();
    assert_eq!(session.get(&c.address()).unwrap().as_ref(), Some(&c));
    // Chunks put for a swap that never comes (a failed statement): settling
    // keeps them, unreferenced, and lets the lock go.
    let d = chunk(4);
    session.put(&d).unwrap();
    assert!(session.holds_lock());
    session.settle().unwrap();
    assert!(!session.holds_lock(), "settled: the lock is let go");
    let after = DiskStore::open_dir(dir.path(), rw()).unwrap();
    assert_eq!(
        after.root().unwrap(),
        Some(c.address()),
        "the root is as it was"
    );
    assert_eq!(after.get(&d.address()).unwrap().as_ref(), Some(&d));
    assert!(after.verify().unwrap().problems.is_empty());
}

/// A shared store holds the readers' lock for its life, so that nothing
/// replaces the journal file under it (gc takes that lock exclusively).
#[test]
fn a_shared_store_keeps_the_journal_from_being_replaced() {
    use arbor_merkle::store::{FsStorage, READERS};
    let dir = tempfile::tempdir().unwrap();
    {
        let first = DiskStore::open_dir(dir.path(), rw()).unwrap();
        first.put(&chunk(1)).unwrap();
        first
            .compare_and_swap_root(None, chunk(1).address())
            .unwrap();
    }
    let storage = FsStorage::new(dir.path()).unwrap();
    let session = DiskStore::open_dir(dir.path(), shared()).unwrap();
    let reader = DiskStore::open_dir(dir.path(), shared()).unwrap();
    assert!(matches!(
        storage.lock(READERS, Duration::from_millis(50)),
        Err(Error::Locked { .. })
    ));
    drop(session);
    drop(reader);
    storage.lock(READERS, Duration::from_millis(50)).unwrap();
}

/// Two shared stores (two sessions) count to 200 together, each retrying a
/// swap the other got in before: no increment is lost.
#[test]
fn shared_stores_lose_no_update() {
    let dir = tempfile::tempdir().unwrap();
    let counter = |n: u64| Chunk::new(ChunkKind::BLOB_LEAF, &[], &n.to_le_bytes());
    {
        let first = DiskStore::open_dir(dir.path(), rw()).unwrap();
        first.put(&counter(0)).unwrap();
        first
            .compare_and_swap_root(None, counter(0).address())
            .unwrap();
    }
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let path = dir.path().to_path_buf();
            std::thread::spawn(move || {
                let wait = OpenMode::Shared {
                    lock_wait: Duration::from_secs(20),
                };
                let store = DiskStore::open_dir(&path, wait).unwrap();
                for _ in 0..100 {
                    loop {
                        store.refresh().unwrap();
                        let root = store.root().unwrap().unwrap();
                        let bytes = store.get(&root).unwrap().unwrap();
                        let n = u64::from_le_bytes(bytes.payload().try_into().unwrap());
                        let next = counter(n + 1);
                        store.put(&next).unwrap();
                        if store
                            .compare_and_swap_root(Some(root), next.address())
                            .unwrap()
                        {
                            break;
                        }
                    }
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    let store = DiskStore::open_dir(dir.path(), rw()).unwrap();
    let root = store.root().unwrap().unwrap();
    assert_eq!(root, counter(200).address());
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

#[test]
fn verify_names_the_offset_of_a_damaged_chunk() {
    let sim = SimStorage::new();
    // b is incompressible, so its payload is stored as is.
    let (a, b) = (chunk(2), chunk(3));
    let b_at;
    {
        let store = sim_store(&sim);
        store.put(&a).unwrap();
        b_at = store.journal_len();
        store.put(&b).unwrap();
        assert!(store.compare_and_swap_root(None, b.address()).unwrap());
        let clean = store.verify().unwrap();
        assert_eq!((clean.chunks, clean.roots), (2, 1));
        assert!(clean.problems.is_empty(), "{:?}", clean.problems);
    }
    let mut journal = sim.read_file("journal").unwrap();
    journal[b_at as usize + 46 + 100] ^= 0x01; // inside b's payload
    sim.write_file("journal", journal);
    let store = sim_store(&sim);
    let report = store.verify().unwrap();
    assert_eq!(report.chunks, 2);
    assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
    assert!(
        report.problems[0].starts_with(&format!("offset {b_at}:")),
        "{:?}",
        report.problems
    );
    let err = store.get(&b.address()).unwrap_err();
    assert!(
        err.to_string().contains(&format!("offset {b_at}")),
        "a read names the offset: {err}"
    );
    assert_eq!(store.get(&a.address()).unwrap().unwrap(), a);
}

/// A symbolic link planted inside a store is never followed: neither the
/// lock file nor the journal writes through one to a file elsewhere, and
/// the refusal names the link. (The index is only ever replaced by a
/// rename, which replaces a link rather than writing through it, and a
/// linked index is not read.)
#[test]
fn symbolic_links_inside_a_store_are_refused() {
    for planted in ["LOCK", "journal"] {
        let outside = tempfile::tempdir().unwrap();
        let target = outside.path().join("victim");
        std::fs::write(&target, b"keep me").unwrap();
        let dir = tempfile::tempdir().unwrap();
        if planted != "LOCK" {
            // A store whose files exist, so that only the link is wrong.
            let store = DiskStore::open_dir(dir.path(), rw()).unwrap();
            store.put(&chunk(1)).unwrap();
            drop(store);
            std::fs::remove_file(dir.path().join(planted)).unwrap();
        }
        std::os::unix::fs::symlink(&target, dir.path().join(planted)).unwrap();
        let e = DiskStore::open_dir(dir.path(), rw()).unwrap_err();
        assert!(
            e.to_string().contains("is a symbolic link"),
            "{planted}: {e}"
        );
        assert_eq!(std::fs::read(&target).unwrap(), b"keep me", "{planted}");
        // A missing link target is not created either.
        std::fs::remove_file(&target).unwrap();
        assert!(DiskStore::open_dir(dir.path(), rw()).is_err(), "{planted}");
        assert!(!target.exists(), "{planted}");
    }
}

/// A leaf-like chunk: rows that share their layout and words, as a prolly
/// leaf's do, so a dictionary has something to learn.
fn leaf(i: u32) -> Chunk {
    let mut payload = Vec::new();
    for row in 0..40 {
        let n = i * 40 + row;
        payload.extend_from_slice(
            format!(
                "{n}|name-{}|{}|{{\"color\": \"{}\", \"size\": {}}}\n",
                n.wrapping_mul(2_654_435_761) % 100_000,
                ["tools", "garden", "books", "toys"][n as usize % 4],
                ["red", "green", "blue"][n as usize % 3],
                n % 13
            )
            .as_bytes(),
        );
    }
    Chunk::new(ChunkKind::PROLLY_LEAF, &[], &payload)
}

/// The journal's format version, from its file header.
fn journal_version(sim: &SimStorage) -> u32 {
    let journal = sim.read_file("journal").unwrap();
    u32::from_le_bytes(journal[8..12].try_into().unwrap())
}

/// Each chunk record's offset, flags and (decompressed where that needs no
/// dictionary) kind byte: the journal's layout as `docs/format.md` draws it.
fn records(journal: &[u8]) -> Vec<(usize, u8, Option<u8>)> {
    let mut found = Vec::new();
    let mut at = 12usize;
    while at < journal.len() {
        match journal[at] {
            0x01 => {
                let flags = journal[at + 1];
                let stored = u32::from_le_bytes(journal[at + 2..at + 6].try_into().unwrap());
                let raw = u32::from_le_bytes(journal[at + 6..at + 10].try_into().unwrap());
                let body = &journal[at + 46..at + 46 + stored as usize];
                let kind = match flags {
                    0x00 => Some(body[0]),
                    0x01 => Some(lz4_flex::block::decompress(body, raw as usize).unwrap()[0]),
                    0x02 => Some(zstd::bulk::decompress(body, raw as usize).unwrap()[0]),
                    _ => None,
                };
                found.push((at, flags, kind));
                at += 46 + stored as usize;
            }
            0x02 => at += 78,
            other => panic!("record type {other} at {at}"),
        }
    }
    found
}

/// Enough leaves to train a dictionary (a few MiB), written in batches and
/// published; returns them.
fn write_leaves(store: &DiskStore, rounds: u32) -> Vec<Chunk> {
    let mut all = Vec::new();
    let mut last = store.root().unwrap();
    for round in 0..rounds {
        let chunks: Vec<Chunk> = (0..500).map(|i| leaf(round * 500 + i)).collect();
        store.put_many(&chunks).unwrap();
        let root = chunks[0].address();
        assert!(store.compare_and_swap_root(last, root).unwrap());
        last = Some(root);
        all.extend(chunks);
    }
    all
}

#[test]
fn new_journals_store_zstd_with_a_dictionary_trained_on_their_leaves() {
    let sim = SimStorage::new();
    let leaves;
    let raw: usize;
    {
        let store = sim_store(&sim);
        assert_eq!(store.journal_version(), 2);
        // Enough to have the index written too.
        leaves = write_leaves(&store, 20);
        raw = leaves.iter().map(Chunk::len).sum();
        // One more chunk than written: the dictionary.
        let report = store.verify().unwrap();
        assert!(report.problems.is_empty(), "{:?}", report.problems);
        assert_eq!(report.chunks, leaves.len() as u64 + 1);
    }
    assert_eq!(journal_version(&sim), 2);
    let journal = sim.read_file("journal").unwrap();
    let layout = records(&journal);
    let dictionaries = layout.iter().filter(|r| r.2 == Some(0x05)).count();
    let with_dictionary = layout.iter().filter(|r| r.1 == 0x04).count();
    assert_eq!(dictionaries, 1);
    assert!(with_dictionary > leaves.len() / 2, "{with_dictionary}");
    // The same leaves in a version-1 journal (lz4) take more room.
    let lz4 = version_1_store();
    write_leaves(&sim_store(&lz4), 20);
    let lz4_len = lz4.read_file("journal").unwrap().len();
    assert!(
        journal.len() * 3 < lz4_len * 2,
        "{} bytes with zstd and a dictionary, {lz4_len} with lz4, of {raw} bytes",
        journal.len()
    );
    let read_all = |store: &DiskStore| {
        for c in leaves.iter().step_by(97).chain(leaves.last()) {
            assert_eq!(store.get(&c.address()).unwrap().unwrap(), *c);
        }
    };
    // Read back by a new process, through the index and then without one
    // (the dictionary is found by its prefix in either).
    assert!(sim.exists("index").unwrap());
    read_all(&DiskStore::open(Arc::new(sim.clone()), OpenMode::ReadOnly).unwrap());
    sim.remove("index").unwrap();
    read_all(&DiskStore::open(Arc::new(sim.clone()), OpenMode::ReadOnly).unwrap());
    read_all(&sim_store(&sim));
}

#[test]
fn a_new_writer_goes_on_with_the_journals_dictionary() {
    let sim = SimStorage::new();
    write_leaves(&sim_store(&sim), 12);
    let before = sim.read_file("journal").unwrap().len();
    let (dictionary_prefix, _) = {
        let journal = sim.read_file("journal").unwrap();
        let first_user = records(&journal)
            .into_iter()
            .find(|r| r.1 == 0x04)
            .expect("records compressed with the dictionary");
        let at = first_user.0 + 46;
        (journal[at..at + 8].to_vec(), first_user)
    };
    // A second process, then a third (through the index it leaves), write
    // a few leaves each: far fewer than training takes, all compressed
    // with the first process's dictionary, and no new dictionary.
    let mut later = Vec::new();
    for process in 0..2u32 {
        let store = sim_store(&sim);
        let chunks: Vec<Chunk> = (0..20).map(|i| leaf(100_000 + process * 20 + i)).collect();
        store.put_many(&chunks).unwrap();
        let root = store.root().unwrap();
        assert!(
            store
                .compare_and_swap_root(root, chunks[0].address())
                .unwrap()
        );
        later.extend(chunks);
    }
    let journal = sim.read_file("journal").unwrap();
    let layout = records(&journal);
    assert_eq!(layout.iter().filter(|r| r.2 == Some(0x05)).count(), 1);
    let new_records: Vec<_> = layout.iter().filter(|r| r.0 >= before).collect();
    assert_eq!(new_records.len(), later.len());
    for r in new_records {
        assert_eq!(
            r.1, 0x04,
            "record at {} not compressed with the dictionary",
            r.0
        );
        assert_eq!(journal[r.0 + 46..r.0 + 54], dictionary_prefix[..]);
    }
    let store = DiskStore::open(Arc::new(sim.clone()), OpenMode::ReadOnly).unwrap();
    for c in &later {
        assert_eq!(store.get(&c.address()).unwrap().unwrap(), *c);
    }
    assert!(store.verify().unwrap().problems.is_empty());
}

#[test]
fn a_damaged_dictionary_is_an_error_for_the_chunks_that_use_it() {
    let sim = SimStorage::new();
    let leaves = write_leaves(&sim_store(&sim), 12);
    let mut journal = sim.read_file("journal").unwrap();
    let (dictionary_at, ..) = *records(&journal)
        .iter()
        .find(|r| r.2 == Some(0x05))
        .expect("a dictionary record");
    journal[dictionary_at + 46 + 200] ^= 0x40;
    sim.write_file("journal", journal);
    let store = DiskStore::open(Arc::new(sim.clone()), OpenMode::ReadOnly).unwrap();
    let last = leaves.last().unwrap();
    let err = store.get(&last.address()).unwrap_err();
    // The dictionary's own record fails its address check.
    assert!(matches!(err, Error::ChunkHashMismatch { .. }), "{err}");
    let report = store.verify().unwrap();
    assert!(
        report.problems.len() > 100,
        "the dictionary and every chunk stored with it: {:?}",
        report.problems.first()
    );
    assert!(
        report.problems[0].starts_with(&format!("offset {dictionary_at}:")),
        "{:?}",
        report.problems[0]
    );
    // The leaves written before the dictionary was trained still read.
    assert_eq!(store.get(&leaves[0].address()).unwrap().unwrap(), leaves[0]);
}

/// Storage holding a journal as version 1 began one: its header alone.
fn version_1_store() -> SimStorage {
    let sim = SimStorage::new();
    let mut header = b"ARBORJNL".to_vec();
    header.extend_from_slice(&1u32.to_le_bytes());
    sim.write_file("journal", header);
    sim
}

#[test]
fn a_version_1_journal_is_read_and_kept_in_version_1() {
    let sim = version_1_store();
    let leaves;
    {
        let store = sim_store(&sim);
        assert_eq!(store.journal_version(), 1);
        leaves = write_leaves(&store, 12);
        let report = store.verify().unwrap();
        assert!(report.problems.is_empty(), "{:?}", report.problems);
        // No dictionary: version 1 has none.
        assert_eq!(report.chunks, leaves.len() as u64);
    }
    assert_eq!(journal_version(&sim), 1);
    // Every compressed record is lz4 (flag 0x01), as older builds read.
    for (at, flags, _) in records(&sim.read_file("journal").unwrap()) {
        assert!(flags <= 0x01, "flags {flags} at {at}");
    }
    let store = DiskStore::open(Arc::new(sim.clone()), OpenMode::ReadOnly).unwrap();
    for c in leaves.iter().step_by(101) {
        assert_eq!(store.get(&c.address()).unwrap().unwrap(), *c);
    }
    // A version this build does not know is refused by name.
    let mut journal = sim.read_file("journal").unwrap();
    journal[8] = 9;
    sim.write_file("journal", journal);
    let err = DiskStore::open(Arc::new(sim.clone()), OpenMode::ReadOnly).unwrap_err();
    assert!(
        err.to_string().contains("version this build reads"),
        "{err}"
    );
}

/// Threads writing to one store while it trains its dictionary: every
/// record compressed with the dictionary comes after it in the journal,
/// whichever thread wrote it (so a publish never makes durable a record
/// whose dictionary is not), and everything reads back.
#[test]
fn a_dictionary_precedes_every_record_that_uses_it_when_threads_write() {
    for round in 0..4u32 {
        let sim = SimStorage::new();
        let store = Arc::new(sim_store(&sim));
        let threads: Vec<_> = (0..4u32)
            .map(|t| {
                let store = store.clone();
                std::thread::spawn(move || {
                    let mut written = Vec::new();
                    for batch in 0..60u32 {
                        let first = round * 1_000_000 + t * 100_000 + batch * 20;
                        let chunks: Vec<Chunk> = (first..first + 20).map(leaf).collect();
                        store.put_many(&chunks).unwrap();
                        written.extend(chunks);
                    }
                    written
                })
            })
            .collect();
        let written: Vec<Chunk> = threads
            .into_iter()
            .flat_map(|t| t.join().unwrap())
            .collect();
        assert!(
            store
                .compare_and_swap_root(None, written[0].address())
                .unwrap()
        );
        let report = store.verify().unwrap();
        assert!(
            report.problems.is_empty(),
            "round {round}: {:?}",
            report.problems.first()
        );
        let dictionaries = records(&sim.read_file("journal").unwrap())
            .iter()
            .filter(|r| r.2 == Some(0x05))
            .count();
        assert_eq!(dictionaries, 1);
        let reopened = DiskStore::open(Arc::new(sim.clone()), OpenMode::ReadOnly).unwrap();
        for c in written.iter().step_by(37) {
            assert_eq!(reopened.get(&c.address()).unwrap().unwrap(), *c);
        }
    }
}
