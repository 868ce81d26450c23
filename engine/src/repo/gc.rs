//! Garbage collection: keeping only the chunks something still refers to.
//!
//! Every statement, commit and merge appends chunks and never rewrites
//! any, so a journal also holds old store roots, catalogs and prolly nodes
//! that no ref reaches any more. `gc` copies every chunk reachable from the
//! store root (all branches, tags, working sets and merges in progress)
//! into a new journal in `.arbor/gc.tmp/`, children before parents,
//! publishes the same root there, and then renames the new journal over
//! the old one while holding the repository's writer lock.
//!
//! Crash safety: until the rename the old journal is untouched, and a
//! leftover `gc.tmp` is cleared by the next run. The rename itself is
//! atomic; the old `index` then no longer matches the journal's last root
//! record, so the next open ignores it and scans the journal (the index is
//! only a cache), and the new index takes its place right after.

use std::path::Path;
use std::sync::Arc;

use arbor_merkle::reachability::copy_missing_except;
use arbor_merkle::store::{FsStorage, READERS, Storage};
use arbor_merkle::{ChunkStore, DiskStore, OpenMode};

use super::{LOCK_WAIT, Repository, STORE_DIR, open_disk_store};
use crate::error::{Error, Result, SqlState};

/// What a collection did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GcReport {
    /// Journal size before, in bytes.
    pub bytes_before: u64,
    /// Journal size after.
    pub bytes_after: u64,
    /// Chunks kept.
    pub chunks_kept: u64,
}

fn io(what: &str, e: std::io::Error) -> Error {
    Error::new(SqlState::IoError, format!("gc: cannot {what}: {e}"))
}

/// The zstd level of a collected journal: higher than ordinary writes,
/// since gc writes everything once and seldom. `ARBOR_GC_LEVEL` overrides
/// it (for measuring).
fn gc_level() -> i32 {
    std::env::var("ARBOR_GC_LEVEL")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(GC_LEVEL)
}

/// See [`gc_level`]: measured on the benchmark table, level 6 with a
/// dictionary stores 15% less than level 3 for twice the compression time.
const GC_LEVEL: i32 = 6;

/// Collects the garbage of the repository in `dir`.
pub fn collect_garbage(dir: &Path) -> Result<GcReport> {
    let store_dir = dir.join(STORE_DIR);
    let tmp = store_dir.join("gc.tmp");
    // The writer lock is held from here to the end: no one else writes.
    let old = open_disk_store(dir)?;
    // And no session reads: a shared store (an open `arbor sql` shell, a
    // server's connection) keeps the journal file it opened, and must not
    // find a new one in its place when it next writes.
    let _no_sessions = FsStorage::new(&store_dir)?
        .lock(READERS, LOCK_WAIT)
        .map_err(|e| match e {
            arbor_merkle::Error::Locked { .. } => Error::new(
                SqlState::LockNotAvailable,
                "gc: sessions that read this repository are open (an `arbor sql` shell, a server)",
            )
            .with_hint("close them, then run gc again"),
            other => other.into(),
        })?;
    let Some(root) = old.root()? else {
        return Err(Error::new(
            SqlState::UndefinedFile,
            "not an Arbor repository (no store root)",
        ));
    };
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).map_err(|e| io("clear an earlier gc.tmp", e))?;
    }
    let left_out = Repository::open(old.clone())?.shallow_cut()?;
    let bytes_before = old.journal_len();
    let copied = {
        let new = Arc::new(DiskStore::open_dir(
            &tmp,
            OpenMode::ReadWrite {
                lock_wait: LOCK_WAIT,
            },
        )?);
        new.set_compression_level(gc_level());
        let copied =
            copy_missing_except(old.as_ref(), new.as_ref(), &[root], &left_out, &mut |_| {})?;
        if !new.compare_and_swap_root(None, root)? {
            return Err(Error::internal("gc: the new store already had a root"));
        }
        copied
    };
    let sync_dir = |d: &Path| {
        std::fs::File::open(d)
            .and_then(|f| f.sync_all())
            .map_err(|e| io("sync a folder", e))
    };
    std::fs::rename(tmp.join("journal"), store_dir.join("journal"))
        .map_err(|e| io("put the new journal in place", e))?;
    sync_dir(&store_dir)?;
    if tmp.join("index").exists() {
        std::fs::rename(tmp.join("index"), store_dir.join("index"))
            .map_err(|e| io("put the new index in place", e))?;
        sync_dir(&store_dir)?;
    }
    std::fs::remove_dir_all(&tmp).map_err(|e| io("remove gc.tmp", e))?;
    drop(old);
    let reopened = open_disk_store(dir)?;
    if reopened.root()? != Some(root) {
        return Err(Error::internal("gc: the compacted store lost its root"));
    }
    Ok(GcReport {
        bytes_before,
        bytes_after: reopened.journal_len(),
        chunks_kept: copied.chunks,
    })
}
