//! Faults through the storage trait: crashes at every step of a root update,
//! a journal cut at every byte, flipped bytes, injected I/O errors, and a
//! second writer process.

#![allow(clippy::unwrap_used)]

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use arbor_merkle::reachability::{Walk, walk_reachable};
use arbor_merkle::store::{OpenMode, SimStorage, Storage};
use arbor_merkle::{
    Address, Chunk, ChunkKind, ChunkStore, DiskStore, Edit, Error, NodeStore, ProllyMap,
};

fn rw() -> OpenMode {
    OpenMode::ReadWrite {
        lock_wait: Duration::from_millis(50),
    }
}

fn open(sim: &SimStorage) -> arbor_merkle::Result<Arc<DiskStore>> {
    DiskStore::open(Arc::new(sim.clone()), rw()).map(Arc::new)
}

fn entries(n: u32, generation: u32) -> Vec<(Vec<u8>, Vec<u8>)> {
    (0..n)
        .map(|i| {
            (
                i.to_be_bytes().to_vec(),
                format!("{generation}:{i}:{}", "x".repeat((i % 50) as usize)).into_bytes(),
            )
        })
        .collect()
}

/// Every chunk reachable from the store's root can be read.
fn check_reachable(store: &DiskStore) -> arbor_merkle::Result<u64> {
    let roots: Vec<Address> = store.root()?.into_iter().collect();
    Ok(walk_reachable(store, &roots, |_| Ok(Walk::Descend))?.chunks)
}

/// A store with one published map; returns the sim, the root, and the map.
fn base_store(n: u32) -> (SimStorage, Address) {
    let sim = SimStorage::new();
    let store = open(&sim).unwrap();
    let map = ProllyMap::from_sorted(&NodeStore::new(store.clone()), entries(n, 0)).unwrap();
    assert!(store.compare_and_swap_root(None, map.root()).unwrap());
    (sim, map.root())
}

/// The update under test: edit the published map and publish the result.
fn update(store: &Arc<DiskStore>, old: Address, edits: Vec<Edit>) -> arbor_merkle::Result<Address> {
    let nodes = NodeStore::new(store.clone());
    let map = ProllyMap::load(&nodes, old)?.edit(edits)?;
    if store.compare_and_swap_root(Some(old), map.root())? {
        Ok(map.root())
    } else {
        Err(Error::corrupt("root moved"))
    }
}

/// `count` edits spread over `n` keys, each with a distinct, incompressible value.
fn scattered_edits(n: u32, count: u32, value_len: usize) -> Vec<Edit> {
    (0..count)
        .map(|j| {
            let mut x = u64::from(j).wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
            let value = (0..value_len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x as u8
                })
                .collect::<Vec<u8>>();
            Edit::put((j * (n / count)).to_be_bytes().to_vec(), value)
        })
        .collect()
}

/// Runs the update with a crash at every mutating call, and every crash image
/// (none, some or all of the unsynced bytes kept: torn writes) reopens to exactly the
/// old root or the new one, with everything it reaches readable. Returns the
/// number of steps and how many crashes came after the update was published
/// (in the index rewrite, which may fail without failing the update).
fn crash_at_every_step(n: u32, edits: impl Fn() -> Vec<Edit>) -> (u64, u64) {
    // Count the calls of one clean run.
    let (sim, old) = base_store(n);
    let before = sim.ops();
    let new = update(&open(&sim).unwrap(), old, edits()).unwrap();
    let steps = sim.ops() - before;
    assert!(
        steps >= 4,
        "an update appends, syncs, appends the root, syncs"
    );
    let mut outcomes = HashSet::new();
    let mut after_publish = 0;
    for k in 1..=steps + 1 {
        let (sim, base_root) = base_store(n);
        assert_eq!(base_root, old, "the setup is deterministic");
        let store = open(&sim).unwrap();
        sim.crash_at(sim.ops() + k);
        let result = update(&store, old, edits());
        if k > steps {
            assert!(result.is_ok(), "a run without a crash succeeds");
        }
        if result.is_ok() && k <= steps {
            after_publish += 1;
        }
        // The crashed process still answers reads from what it published,
        // and refuses further writes with an error rather than a panic.
        let in_memory = store.root().unwrap();
        assert_eq!(in_memory, Some(if result.is_ok() { new } else { old }));
        check_reachable(&store).unwrap_or_else(|e| panic!("step {k}, still open: {e}"));
        assert!(
            store.compare_and_swap_root(in_memory, old).is_err(),
            "step {k}: a write after the crash must fail"
        );
        drop(store);
        for keep in [0.0, 0.1, 0.5, 0.9, 1.0] {
            let image = sim.crash_image(|unsynced| (unsynced as f64 * keep) as usize);
            let reopened = open(&image)
                .unwrap_or_else(|e| panic!("step {k}, keep {keep}: reopen failed: {e}"));
            let root = reopened.root().unwrap();
            if result.is_ok() {
                assert_eq!(
                    root,
                    Some(new),
                    "step {k}: a reported success must survive the crash"
                );
            }
            assert!(
                root == Some(old) || root == Some(new),
                "step {k}: reopened to a third root {root:?}"
            );
            check_reachable(&reopened).unwrap_or_else(|e| panic!("step {k}: {e}"));
            outcomes.insert(root == Some(new));
        }
    }
    assert_eq!(
        outcomes.len(),
        2,
        "crashes left both the old root and the new one"
    );
    (steps, after_publish)
}

#[test]
fn a_crash_at_any_step_of_a_small_update_leaves_old_or_new() {
    let (steps, after_publish) = crash_at_every_step(3_000, || scattered_edits(3_000, 5, 20));
    assert!(steps < 20);
    assert_eq!(
        after_publish, 0,
        "a small update does not rewrite the index"
    );
}

#[test]
fn a_crash_at_any_step_of_an_update_that_rewrites_the_index_leaves_old_or_new() {
    // Large enough to flush the buffer several times and rewrite the index
    // (write, sync, rename, sync the folder), so every one of those steps crashes once.
    let (steps, after_publish) =
        crash_at_every_step(2_000, || scattered_edits(2_000, 2_000, 3_000));
    assert!(steps > 10, "{steps} steps");
    // create index.tmp, append, sync, rename, sync the folder
    assert!(
        after_publish >= 5,
        "{after_publish} crashes hit the index rewrite"
    );
}

#[test]
fn a_journal_cut_at_every_byte_opens_to_a_consistent_earlier_root() {
    // Three published versions; remember where each root record ends.
    let sim = SimStorage::new();
    let mut roots = vec![(12u64, None)];
    {
        let store = open(&sim).unwrap();
        let nodes = NodeStore::new(store.clone());
        let mut prev = None;
        for g in 0..3 {
            let map = ProllyMap::from_sorted(&nodes, entries(400, g)).unwrap();
            assert!(store.compare_and_swap_root(prev, map.root()).unwrap());
            prev = Some(map.root());
            roots.push((store.journal_len(), prev));
        }
    }
    let journal = sim.read_file("journal").unwrap();
    let index = sim.read_file("index");
    for cut in 0..=journal.len() {
        let damaged = sim.crash_image(|_| 0);
        damaged.write_file("journal", journal[..cut].to_vec());
        if let Some(index) = &index {
            damaged.write_file("index", index.clone());
        }
        // The last root whose record ends at or before the cut. A cut inside
        // the file header is a store whose creation was interrupted: empty.
        let expected = roots
            .iter()
            .rev()
            .find(|(end, _)| *end <= cut as u64)
            .and_then(|r| r.1);
        // A reader first (it changes nothing), then a writer (it cuts the tail).
        let reader = DiskStore::open(Arc::new(damaged.clone()), OpenMode::ReadOnly)
            .unwrap_or_else(|e| panic!("cut at {cut}: a reader refused: {e}"));
        assert_eq!(reader.root().unwrap(), expected, "reader, cut at {cut}");
        check_reachable(&reader).unwrap();
        drop(reader);
        let writer = open(&damaged).unwrap_or_else(|e| panic!("cut at {cut}: {e}"));
        assert_eq!(writer.root().unwrap(), expected, "writer, cut at {cut}");
        check_reachable(&writer).unwrap();
        let published_end = roots.iter().rev().find(|(end, _)| *end <= cut as u64);
        assert_eq!(
            writer.journal_len(),
            published_end.map_or(12, |r| r.0),
            "the writer cut the torn tail (cut at {cut})"
        );
        // And it can carry on from there.
        let next = Chunk::new(ChunkKind::BLOB_LEAF, &[], format!("after {cut}").as_bytes());
        writer.put(&next).unwrap();
        assert!(
            writer
                .compare_and_swap_root(expected, next.address())
                .unwrap()
        );
        drop(writer);
        assert_eq!(
            open(&damaged).unwrap().root().unwrap(),
            Some(next.address())
        );
    }
}

#[test]
fn a_flipped_byte_is_reported_never_served_and_never_a_panic() {
    let sim = SimStorage::new();
    let (_, last_root_at) = {
        let store = open(&sim).unwrap();
        let nodes = NodeStore::new(store.clone());
        let first = ProllyMap::from_sorted(&nodes, entries(300, 0)).unwrap();
        store.compare_and_swap_root(None, first.root()).unwrap();
        let second = ProllyMap::from_sorted(&nodes, entries(300, 1)).unwrap();
        store
            .compare_and_swap_root(Some(first.root()), second.root())
            .unwrap();
        // The last root record is the final 78 bytes.
        (first.root(), store.journal_len() - 78)
    };
    let journal = sim.read_file("journal").unwrap();
    let (mut reported, mut harmless) = (0, 0);
    for at in 0..journal.len() {
        let damaged = sim.crash_image(|_| 0);
        let mut bytes = journal.clone();
        bytes[at] ^= 0x40;
        damaged.write_file("journal", bytes);
        damaged.write_file("index", Vec::new());
        let Ok(store) = open(&damaged) else {
            reported += 1;
            continue;
        };
        assert!(
            (at as u64) < last_root_at,
            "flip at {at}: damage to the final root record must not be cut off as a torn tail"
        );
        let walked = check_reachable(&store);
        let verified = store.verify().unwrap();
        if walked.is_ok() && verified.problems.is_empty() {
            // The flip left every chunk decoding to bytes that match its
            // address (lz4 can encode a run of equal bytes more than one way):
            // what is served is still exactly what was written.
            let map = ProllyMap::load(
                &NodeStore::new(store.clone()),
                store.root().unwrap().unwrap(),
            )
            .unwrap();
            let read: Vec<_> = map.iter().unwrap().map(|e| e.unwrap()).collect();
            assert_eq!(read, entries(300, 1), "flip at {at} changed what is served");
            harmless += 1;
            continue;
        }
        if let Err(e) = walked {
            assert!(
                matches!(e, Error::ChunkHashMismatch { .. } | Error::Corrupt(_)),
                "flip at {at}: {e}"
            );
        }
        reported += 1;
    }
    assert!(
        reported > 10 * harmless,
        "{reported} flips reported, {harmless} harmless"
    );
}

#[test]
fn damage_in_the_middle_of_the_journal_refuses_to_open_naming_the_offset() {
    let sim = SimStorage::new();
    {
        let store = open(&sim).unwrap();
        let a = Chunk::new(ChunkKind::BLOB_LEAF, &[], b"first");
        let b = Chunk::new(ChunkKind::BLOB_LEAF, &[], b"second");
        store.put_many(std::slice::from_ref(&a)).unwrap();
        store.compare_and_swap_root(None, a.address()).unwrap();
        store.put_many(std::slice::from_ref(&b)).unwrap();
        store
            .compare_and_swap_root(Some(a.address()), b.address())
            .unwrap();
    }
    let mut journal = sim.read_file("journal").unwrap();
    journal[12 + 3] ^= 0xff; // the first chunk record's length
    sim.write_file("journal", journal);
    let err = open(&sim).unwrap_err();
    match &err {
        Error::DamagedJournal { offset, .. } => assert_eq!(*offset, 12),
        other => panic!("expected DamagedJournal, got {other}"),
    }
    assert!(err.to_string().contains("arbor fsck"), "{err}");
    // The journal can still be inspected without opening the store: the
    // damage is named, and checking resumes at the next root record.
    let report = DiskStore::verify_storage(&sim).unwrap();
    assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
    assert!(
        report.problems[0].starts_with("offset 12: chunk record header fails its checksum"),
        "{:?}",
        report.problems
    );
    assert_eq!(
        (report.chunks, report.roots),
        (1, 2),
        "the damaged chunk record is skipped, everything after it read"
    );
}

/// Puts the chunks of an edited map; returns its root (not yet published).
fn prepare(
    store: &Arc<DiskStore>,
    old: Address,
    edits: Vec<Edit>,
) -> arbor_merkle::Result<Address> {
    let nodes = NodeStore::new(store.clone());
    Ok(ProllyMap::load(&nodes, old)?.edit(edits)?.root())
}

#[test]
fn a_damaged_root_record_followed_by_later_roots_refuses_writers() {
    let sim = SimStorage::new();
    let mut root_ends = Vec::new();
    let mut roots = Vec::new();
    {
        let store = open(&sim).unwrap();
        let mut prev = None;
        for i in 0..3u8 {
            let c = Chunk::new(ChunkKind::BLOB_LEAF, &[], &[i; 40]);
            store.put(&c).unwrap();
            assert!(store.compare_and_swap_root(prev, c.address()).unwrap());
            prev = Some(c.address());
            roots.push(c.address());
            root_ends.push(store.journal_len());
        }
    }
    let journal = sim.read_file("journal").unwrap();
    for (i, end) in root_ends[..2].iter().enumerate() {
        let root_at = end - 78;
        for at in [root_at, root_at + 40, end - 1] {
            let damaged = sim.crash_image(|_| 0);
            let mut bytes = journal.clone();
            bytes[at as usize] ^= 0x01;
            damaged.write_file("journal", bytes);
            match DiskStore::open(Arc::new(damaged.clone()), rw()) {
                Err(Error::DamagedJournal { offset, .. }) => {
                    assert_eq!(offset, root_at, "root record {i}, flip at {at}")
                }
                other => panic!("root record {i}, flip at {at}: {other:?}"),
            }
            // A reader sees the state before the damage, and is told of it.
            let reader = DiskStore::open(Arc::new(damaged.clone()), OpenMode::ReadOnly).unwrap();
            let before = (i > 0).then(|| roots[i - 1]);
            assert_eq!(
                reader.root().unwrap(),
                before,
                "root record {i}, flip at {at}"
            );
            assert_eq!(reader.damage().map(|d| d.offset), Some(root_at));
        }
    }
}

#[test]
fn injected_io_errors_leave_the_store_at_its_old_root_and_usable() {
    let edits = || scattered_edits(3_000, 100, 30_000);
    let (sim, old) = base_store(3_000);
    let before = sim.ops();
    let store = open(&sim).unwrap();
    let new = prepare(&store, old, edits()).unwrap();
    assert!(store.compare_and_swap_root(Some(old), new).unwrap());
    let steps = sim.ops() - before;
    assert!(
        steps >= 6,
        "put_many flushes more than once, then the publish ({steps} steps)"
    );
    let mut failed_publishes = 0;
    for k in 1..=steps {
        let (sim, old) = base_store(3_000);
        let store = open(&sim).unwrap();
        sim.fail_at(sim.ops() + k);
        match prepare(&store, old, edits()) {
            Ok(prepared) => {
                assert_eq!(prepared, new, "the same edit gives the same map");
                match store.compare_and_swap_root(Some(old), new) {
                    Ok(swapped) => assert!(swapped),
                    Err(e) => {
                        failed_publishes += 1;
                        assert!(matches!(e, Error::Io { .. }), "step {k}: {e}");
                        assert_eq!(
                            store.root().unwrap(),
                            Some(old),
                            "a failed publish must not move the root (step {k})"
                        );
                        // Nothing accepted was forgotten: the same swap,
                        // without putting anything again, now succeeds.
                        assert!(
                            store.compare_and_swap_root(Some(old), new).unwrap(),
                            "step {k}: retrying the swap"
                        );
                    }
                }
            }
            Err(e) => {
                // A flush inside put_many failed: the chunks stay buffered,
                // so doing the edit again completes it.
                assert!(matches!(e, Error::Io { .. }), "step {k}: {e}");
                assert_eq!(store.root().unwrap(), Some(old));
                let prepared = prepare(&store, old, edits()).unwrap();
                assert!(store.compare_and_swap_root(Some(old), prepared).unwrap());
            }
        }
        assert_eq!(store.root().unwrap(), Some(new));
        check_reachable(&store).unwrap_or_else(|e| panic!("step {k}: {e}"));
        // The same store carries on, and everything survives reopening.
        let next = update(&store, new, scattered_edits(3_000, 7, 10)).unwrap();
        drop(store);
        let reopened = open(&sim).unwrap();
        assert_eq!(reopened.root().unwrap(), Some(next));
        check_reachable(&reopened).unwrap_or_else(|e| panic!("step {k}, reopened: {e}"));
    }
    // flush(es) in put_many; in the publish: flush, sync, root append, sync.
    assert!(failed_publishes >= 4, "{failed_publishes} failed publishes");
}

#[test]
fn a_failed_write_that_cannot_be_undone_disables_writes_until_reopened() {
    let (sim, old) = base_store(1_000);
    let store = open(&sim).unwrap();
    let new = prepare(&store, old, scattered_edits(1_000, 20, 100)).unwrap();
    // Publishing flushes (1), syncs (2), appends the root (3) and syncs (4).
    // Crash at the last sync: cutting the root record back fails as well.
    sim.crash_at(sim.ops() + 4);
    assert!(store.compare_and_swap_root(Some(old), new).is_err());
    assert_eq!(store.root().unwrap(), Some(old));
    let err = store.compare_and_swap_root(Some(old), new).unwrap_err();
    assert!(matches!(err, Error::WritesDisabled { .. }), "{err}");
    assert!(err.to_string().contains("reopen"), "{err}");
    let err = store
        .put(&Chunk::new(ChunkKind::BLOB_LEAF, &[], b"more"))
        .unwrap_err();
    assert!(matches!(err, Error::WritesDisabled { .. }), "{err}");
    // Reads still work.
    check_reachable(&store).unwrap();
    drop(store);
    // After the crash the root record either made it or not.
    let image = sim.crash_image(|n| n);
    let root = open(&image).unwrap().root().unwrap();
    assert!(root == Some(old) || root == Some(new), "{root:?}");
}

#[test]
fn a_read_error_while_opening_fails_the_open_and_cuts_nothing() {
    let sim = SimStorage::new();
    let mut last = None;
    {
        let store = open(&sim).unwrap();
        let nodes = NodeStore::new(store.clone());
        for g in 0..3 {
            let map = ProllyMap::from_sorted(&nodes, entries(300, g)).unwrap();
            assert!(store.compare_and_swap_root(last, map.root()).unwrap());
            last = Some(map.root());
        }
    }
    let journal = sim.read_file("journal").unwrap();
    assert!(
        !sim.exists("index").unwrap(),
        "a small store has no index yet"
    );
    for limit in (0..journal.len() as u64).step_by(97) {
        sim.fail_reads_after(Some(sim.bytes_read() + limit));
        match open(&sim) {
            Ok(store) => assert_eq!(store.root().unwrap(), last, "read limit {limit}"),
            Err(e) => assert!(matches!(e, Error::Io { .. }), "read limit {limit}: {e}"),
        }
        sim.fail_reads_after(None);
        assert_eq!(
            sim.read_file("journal").unwrap(),
            journal,
            "a read error cut the journal (read limit {limit})"
        );
    }
    assert_eq!(open(&sim).unwrap().root().unwrap(), last);
}

#[test]
fn a_second_writer_waits_then_fails_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let _first = DiskStore::open_dir(dir.path(), rw()).unwrap();
    let start = Instant::now();
    let err = DiskStore::open_dir(
        dir.path(),
        OpenMode::ReadWrite {
            lock_wait: Duration::from_millis(200),
        },
    )
    .unwrap_err();
    assert!(start.elapsed() >= Duration::from_millis(200), "it waited");
    match &err {
        Error::Locked {
            path,
            holder,
            waited_ms,
        } => {
            assert!(path.ends_with("LOCK"));
            assert!(*waited_ms >= 200);
            // The holder said who it is: this very process, here.
            assert!(
                holder.starts_with(&format!("pid {}: ", std::process::id())),
                "{holder}"
            );
        }
        other => panic!("expected Locked, got {other}"),
    }
    assert!(
        err.to_string().contains("locked by another Arbor process"),
        "{err}"
    );
    // Readers need no lock.
    DiskStore::open_dir(dir.path(), OpenMode::ReadOnly).unwrap();
}

const CHILD_ENV: &str = "ARBOR_FAULTS_WRITER_DIR";
const INCREMENTS: u64 = 25;

/// A counter chunk: the count, referring to the previous counter.
fn counter(count: u64, previous: Option<Address>) -> Chunk {
    let refs: Vec<Address> = previous.into_iter().collect();
    Chunk::new(ChunkKind::new(0x3f), &refs, &count.to_le_bytes())
}

fn count_of(chunk: &Chunk) -> u64 {
    u64::from_le_bytes(chunk.payload().try_into().unwrap())
}

/// Run in a child process: increments the shared counter `INCREMENTS` times,
/// opening the store (and so taking the lock) for each increment.
#[test]
fn writer_process_child() {
    let Ok(dir) = std::env::var(CHILD_ENV) else {
        return;
    };
    for _ in 0..INCREMENTS {
        // Read the root, build on it, swap; on a lost race, start again.
        // The store is open (so the lock held) for one cycle only, so the
        // two processes interleave.
        let mut attempts = 0;
        loop {
            attempts += 1;
            assert!(attempts < 100, "could not publish an increment");
            let store = DiskStore::open_dir(
                &dir,
                OpenMode::ReadWrite {
                    lock_wait: Duration::from_secs(60),
                },
            )
            .unwrap();
            let root = store.root().unwrap();
            let count = match root {
                Some(r) => count_of(&store.get(&r).unwrap().unwrap()),
                None => 0,
            };
            let next = counter(count + 1, root);
            store.put_many(std::slice::from_ref(&next)).unwrap();
            if store.compare_and_swap_root(root, next.address()).unwrap() {
                break;
            }
        }
    }
}

#[test]
fn two_writer_processes_lose_no_update() {
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..2)
        .map(|_| {
            std::process::Command::new(&exe)
                .args([
                    "--exact",
                    "writer_process_child",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env(CHILD_ENV, dir.path())
                // The child's own test summary would read as extra tests; its
                // failures still show on stderr.
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().success(), "a writer process failed");
    }
    let store = DiskStore::open_dir(dir.path(), OpenMode::ReadOnly).unwrap();
    let mut at = store.root().unwrap();
    let mut seen = Vec::new();
    while let Some(a) = at {
        let c = store.get(&a).unwrap().unwrap();
        seen.push(count_of(&c));
        at = c.refs().next();
    }
    let expected: Vec<u64> = (1..=2 * INCREMENTS).rev().collect();
    assert_eq!(seen, expected, "every increment is in the chain, in order");
}

/// A flipped byte anywhere in the last root record (a commit someone was
/// told about) is damage, not a torn tail: a writer refuses, a reader serves
/// the state before it and says so, and only an explicit repair rolls back,
/// keeping the cut bytes and naming the publish it dropped.
#[test]
fn a_damaged_final_root_record_is_kept_until_an_explicit_repair() {
    let sim = SimStorage::new();
    let (first, second_at, second, end) = {
        let store = open(&sim).unwrap();
        let a = Chunk::new(ChunkKind::BLOB_LEAF, &[], b"first");
        let b = Chunk::new(ChunkKind::BLOB_LEAF, &[], b"second");
        store.put(&a).unwrap();
        assert!(store.compare_and_swap_root(None, a.address()).unwrap());
        let first_end = store.journal_len();
        store.put(&b).unwrap();
        assert!(
            store
                .compare_and_swap_root(Some(a.address()), b.address())
                .unwrap()
        );
        (a.address(), first_end, b, store.journal_len())
    };
    let journal = sim.read_file("journal").unwrap();
    let root_at = end - 78;
    for at in root_at..end {
        let damaged = sim.crash_image(|_| 0);
        let mut bytes = journal.clone();
        bytes[at as usize] ^= 0x01;
        damaged.write_file("journal", bytes.clone());
        let err = open(&damaged).unwrap_err();
        assert!(
            matches!(err, Error::DamagedJournal { offset, .. } if offset == root_at),
            "flip at {at}: {err}"
        );
        assert!(err.to_string().contains("arbor fsck --repair"), "{err}");
        assert_eq!(
            damaged.read_file("journal").unwrap(),
            bytes,
            "nothing was cut"
        );
        let reader = DiskStore::open(Arc::new(damaged.clone()), OpenMode::ReadOnly).unwrap();
        assert_eq!(reader.root().unwrap(), Some(first), "flip at {at}");
        let damage = reader.damage().unwrap();
        assert_eq!((damage.offset, damage.valid_len), (root_at, second_at));
        drop(reader);

        let report = DiskStore::repair(
            Arc::new(damaged.clone()),
            Duration::from_millis(50),
            &|_| true,
        )
        .unwrap();
        assert_eq!(report.damage.map(|d| d.offset), Some(root_at));
        assert_eq!(report.cut_bytes, end - second_at);
        assert_eq!(report.dropped_roots.len(), 1, "flip at {at}");
        assert_eq!(report.dropped_roots[0].sequence, 2);
        assert!(!report.dropped_roots[0].intact);
        assert_eq!(
            report.dropped_chunks,
            vec![second.clone()],
            "the unreachable chunk"
        );
        let kept = damaged
            .read_file(&format!("journal.cut-{second_at}"))
            .unwrap();
        assert_eq!(kept, bytes[second_at as usize..], "the cut bytes are kept");
        let store = open(&damaged).unwrap();
        assert_eq!(store.root().unwrap(), Some(first));
        assert_eq!(store.journal_len(), second_at);
        drop(store);
        let again = DiskStore::repair(
            Arc::new(damaged.clone()),
            Duration::from_millis(50),
            &|_| true,
        )
        .unwrap();
        assert!(again.damage.is_none(), "a sound journal is left alone");
    }
}
