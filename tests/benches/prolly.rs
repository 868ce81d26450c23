//! Prolly tree benchmark (issue: foundation). Run in release:
//!
//! ```text
//! cargo bench -p arbor-tests --bench prolly
//! ```
//!
//! On 1M entries (16-byte keys, ~100-byte values): bulk build; 1,000 random
//! gets; 1, 100 and 10,000 scattered edits (time, chunks and bytes written);
//! diffs of maps differing in 1, 100 and 10,000 keys at 10k, 100k and 1M
//! entries. Then the on-disk store's size and compression ratio on the
//! benchmark table of `../shared/bench/`.

use arbor_tests::bench_time::median;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use arbor_merkle::{
    Address, Chunk, ChunkStore, DiskStore, Edit, MemoryStore, NodeStore, OpenMode, ProllyMap,
    Result,
};
use arbor_tests::bench_data::{row, splitmix64};

/// Wraps a store to count what is written.
#[derive(Debug)]
struct Counting<S> {
    inner: S,
    written: std::sync::atomic::AtomicU64,
    chunks: std::sync::atomic::AtomicU64,
}

impl<S: ChunkStore> Counting<S> {
    fn new(inner: S) -> Self {
        Counting {
            inner,
            written: 0.into(),
            chunks: 0.into(),
        }
    }
    fn snapshot(&self) -> (u64, u64) {
        use std::sync::atomic::Ordering::Relaxed;
        (self.chunks.load(Relaxed), self.written.load(Relaxed))
    }
}

impl<S: ChunkStore> ChunkStore for Counting<S> {
    fn get(&self, a: &Address) -> Result<Option<Chunk>> {
        self.inner.get(a)
    }
    fn has(&self, a: &Address) -> Result<bool> {
        self.inner.has(a)
    }
    fn put_many(&self, chunks: &[Chunk]) -> Result<()> {
        use std::sync::atomic::Ordering::Relaxed;
        for c in chunks {
            if !self.inner.has(&c.address())? {
                self.chunks.fetch_add(1, Relaxed);
                self.written.fetch_add(c.len() as u64, Relaxed);
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

fn key(i: u64) -> [u8; 16] {
    let mut k = [0u8; 16];
    k[..8].copy_from_slice(&splitmix64(i).to_be_bytes());
    k[8..].copy_from_slice(&splitmix64(!i).to_be_bytes());
    k
}

fn value(i: u64, generation: u64) -> Vec<u8> {
    let mut v = format!("{i:>12}:{generation:>4}:").into_bytes();
    let fill = splitmix64(i ^ generation);
    while v.len() < 100 {
        v.extend_from_slice(&fill.to_le_bytes());
    }
    v.truncate(100);
    v
}

fn entries(n: u64) -> BTreeMap<[u8; 16], Vec<u8>> {
    (0..n).map(|i| (key(i), value(i, 0))).collect()
}

/// `k` scattered edits: updates of existing keys, evenly spread.
fn scattered_edits(n: u64, k: u64) -> Vec<Edit> {
    let mut edits: Vec<Edit> = (0..k)
        .map(|j| {
            let i = (j * (n / k) + n / (2 * k)) % n;
            Edit::put(key(i).to_vec(), value(i, 1))
        })
        .collect();
    edits.sort_by(|a, b| a.key.cmp(&b.key));
    edits
}

fn time<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let out = f();
    (out, start.elapsed())
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

fn main() -> Result<()> {
    let mut report = String::new();
    let n = 1_000_000;
    let data = entries(n);
    let counting = Arc::new(Counting::new(MemoryStore::new()));
    let store = NodeStore::new(counting.clone());

    let (map, build) = time(|| ProllyMap::from_sorted(&store, data.iter()));
    let map = map?;
    let (chunks, bytes) = counting.snapshot();
    writeln!(
        report,
        "bulk build, 1M entries:          {} ({chunks} chunks, {:.1} MB)",
        ms(build),
        bytes as f64 / 1e6
    )
    .ok();

    // 1,000 random gets, with a cold cache (a fresh node store) and warm.
    let probes: Vec<[u8; 16]> = (0..1000).map(|j| key(splitmix64(j) % n)).collect();
    for label in ["cold", "warm"] {
        let reader = if label == "cold" {
            NodeStore::new(counting.clone())
        } else {
            store.clone()
        };
        let m = ProllyMap::load(&reader, map.root())?;
        let (found, t) = time(|| {
            probes
                .iter()
                .filter(|k| matches!(m.get(&k[..]), Ok(Some(_))))
                .count()
        });
        assert_eq!(found, 1000);
        writeln!(
            report,
            "1,000 random gets ({label} cache):  {} total, {:.2} us/get",
            ms(t),
            t.as_secs_f64() * 1e3
        )
        .ok();
    }

    for k in [1, 100, 10_000] {
        let edits = scattered_edits(n, k);
        let before = counting.snapshot();
        let (edited, t) = time(|| map.edit(edits.clone()));
        let edited = edited?;
        let after = counting.snapshot();
        assert_eq!(edited.diff(&map)?.count() as u64, k);
        writeln!(
            report,
            "apply {k:>6} scattered edits:     {} ({} chunks, {:.1} KB written)",
            ms(t),
            after.0 - before.0,
            (after.1 - before.1) as f64 / 1e3
        )
        .ok();
    }

    writeln!(
        report,
        "\ndiff of two maps differing in k keys (median of 5, cold cache):"
    )
    .ok();
    writeln!(
        report,
        "{:>10} {:>12} {:>12} {:>12}",
        "entries", "k=1", "k=100", "k=10000"
    )
    .ok();
    for size in [10_000u64, 100_000, 1_000_000] {
        let s = NodeStore::new(Arc::new(MemoryStore::new()));
        let base = if size == n {
            ProllyMap::from_sorted(&s, data.iter())?
        } else {
            ProllyMap::from_sorted(&s, entries(size).iter())?
        };
        let mut line = format!("{size:>10}");
        for k in [1u64, 100, 10_000] {
            let edited = base.edit(scattered_edits(size, k))?;
            let runs: Vec<Duration> = (0..5)
                .map(|_| {
                    let cold = NodeStore::new(s.chunks().clone());
                    let (a, b) = (
                        ProllyMap::load(&cold, base.root()),
                        ProllyMap::load(&cold, edited.root()),
                    );
                    let (a, b) = (a.expect("root exists"), b.expect("root exists"));
                    let (count, t) = time(|| a.diff(&b).map(|d| d.count()));
                    assert_eq!(count.expect("diff runs") as u64, k);
                    t
                })
                .collect();
            write!(line, " {:>12}", ms(median(runs))).ok();
        }
        writeln!(report, "{line}").ok();
    }

    print!("{report}");
    store_size_on_bench_table()?;
    Ok(())
}

/// The benchmark table as a prolly map in an on-disk store: time to build and
/// publish, journal size against the CSV, and what a one-row update adds.
fn store_size_on_bench_table() -> Result<()> {
    let n = 1_000_000u64;
    let dir = tempfile::tempdir().expect("a temporary folder");
    let store = Arc::new(DiskStore::open_dir(
        dir.path(),
        OpenMode::ReadWrite {
            lock_wait: Duration::from_secs(1),
        },
    )?);
    let nodes = NodeStore::new(store.clone());
    let mut csv_bytes = 0u64;
    let rows = (1..=n).map(|i| {
        let line = row(i).csv_line();
        csv_bytes += line.len() as u64;
        (i.to_be_bytes(), line.into_bytes())
    });
    let (map, t) = time(|| -> Result<ProllyMap> {
        let map = ProllyMap::from_sorted(&nodes, rows)?;
        store.compare_and_swap_root(None, map.root())?;
        Ok(map)
    });
    let map = map?;
    let stats = store.stats();
    let journal = store.journal_len();
    let mut chunk_bytes = 0u64;
    map.walk_nodes(|n| chunk_bytes += n.bytes as u64)?;
    println!(
        "\nbenchmark table t, 1M rows ({:.1} MB as CSV), on disk: built and published in {}",
        csv_bytes as f64 / 1e6,
        ms(t)
    );
    println!(
        "  {:.1} MB of chunks, journal {:.1} MB: compression ratio {:.2}, {:.2} bytes on disk per CSV byte ({} chunks)",
        chunk_bytes as f64 / 1e6,
        journal as f64 / 1e6,
        chunk_bytes as f64 / journal as f64,
        journal as f64 / csv_bytes as f64,
        stats.chunks_appended
    );
    let before = store.journal_len();
    let mut updated = row(500_000);
    updated.qty += 1;
    let edited = map.edit([Edit::put(
        500_000u64.to_be_bytes().to_vec(),
        updated.csv_line().into_bytes(),
    )])?;
    store.compare_and_swap_root(Some(map.root()), edited.root())?;
    println!(
        "  a one-row update and publish adds {} bytes to the journal",
        store.journal_len() - before
    );
    Ok(())
}
