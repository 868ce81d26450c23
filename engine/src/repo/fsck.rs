//! Integrity check of a whole repository, and the explicit repair of a
//! damaged journal.
//!
//! Walks every chunk reachable from the store root (all branches, tags and
//! working sets), which reads each one and so checks it against its address,
//! and decodes each by its kind. On a disk store it also re-reads every record
//! of the journal, reachable or not, and reports damage that stopped the
//! store short of the journal's end. A check never changes a byte; only
//! [`repair`], asked for by name, does.

use std::path::Path;
use std::sync::Arc;

use arbor_merkle::reachability::{Walk, walk_reachable_except};
use arbor_merkle::store::FsStorage;
use arbor_merkle::{Address, Chunk, DiskStore, JournalDamage};

use super::{LOCK_WAIT, Repository, STORE_DIR};
use crate::error::Result;
use crate::objects::{self, Catalog, Commit, StoreRoot, TableObject, WorkingSet};

/// What a check found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FsckReport {
    /// Chunks reachable from the store root.
    pub reachable_chunks: u64,
    /// Their total size in bytes.
    pub reachable_bytes: u64,
    /// Journal records re-read (disk stores only).
    pub journal_chunks: u64,
    /// Problems, one line each. Empty when the repository is sound.
    pub problems: Vec<String>,
}

impl FsckReport {
    /// Whether nothing is wrong.
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }
}

fn decode(chunk: &Chunk) -> std::result::Result<(), String> {
    let r = match chunk.kind() {
        objects::TABLE => TableObject::from_chunk(chunk).map(drop),
        objects::CATALOG => Catalog::from_chunk(chunk).map(drop),
        objects::COMMIT => Commit::from_chunk(chunk).map(drop),
        objects::WORKING_SET => WorkingSet::from_chunk(chunk).map(drop),
        objects::STORE_ROOT => StoreRoot::from_chunk(chunk).map(drop),
        objects::TAG => objects::TagObject::from_chunk(chunk).map(drop),
        objects::REMOTES => objects::RemoteList::from_chunk(chunk).map(drop),
        objects::REFLOG => objects::ReflogEntry::from_chunk(chunk).map(drop),
        _ => arbor_merkle::prolly::validate_chunk(chunk),
    };
    r.map_err(|e| e.to_string())
}

/// Checks every reachable chunk of `repo`, and the whole journal of `disk` if given.
pub fn fsck(repo: &Repository, disk: Option<&DiskStore>) -> Result<FsckReport> {
    let mut report = FsckReport::default();
    let roots: Vec<_> = repo.store().root()?.into_iter().collect();
    let mut problems = Vec::new();
    // A shallow clone lacks the history before its cut, on purpose.
    let left_out = match repo.shallow_cut() {
        Ok(left_out) => left_out,
        Err(e) => {
            problems.push(format!("the shallow clone's cut: {}", e.message));
            Default::default()
        }
    };
    let walked = walk_reachable_except(repo.store().as_ref(), &roots, &left_out, |chunk| {
        if let Err(e) = decode(chunk) {
            problems.push(format!(
                "chunk {} ({:?}): {e}",
                chunk.address(),
                chunk.kind()
            ));
        }
        Ok(Walk::Descend)
    });
    match walked {
        Ok(stats) => {
            report.reachable_chunks = stats.chunks;
            report.reachable_bytes = stats.bytes;
        }
        Err(e) => problems.push(e.to_string()),
    }
    if let Some(disk) = disk {
        if let Some(damage) = disk.damage() {
            problems.push(describe_damage(&damage));
        }
        let verify = disk.verify()?;
        report.journal_chunks = verify.chunks;
        problems.extend(verify.problems);
    }
    report.problems = problems;
    Ok(report)
}

/// One line on a damaged journal, for fsck and for the commands that read
/// past it.
pub fn describe_damage(damage: &JournalDamage) -> String {
    format!(
        "the journal is damaged at byte offset {}: {}; the repository is read as of its \
         last valid state (the first {} bytes); `arbor fsck --repair` rolls back to it",
        damage.offset, damage.reason, damage.valid_len
    )
}

/// What [`repair`] did.
#[derive(Clone, Debug, Default)]
pub struct JournalRepair {
    /// The damage repaired; `None` when the journal was sound and nothing
    /// was done.
    pub damage: Option<JournalDamage>,
    /// Bytes cut off the journal, and the file beside it that keeps them.
    pub cut_bytes: u64,
    pub kept_in: Option<String>,
    /// Publishes (root records) cut off: each was a commit, merge or other
    /// change of a branch.
    pub dropped_publishes: usize,
    /// The commits that were among the cut bytes and that the repaired
    /// repository does not hold, oldest first: their address and message.
    pub dropped_commits: Vec<(Address, Commit)>,
}

/// Rolls the journal of the repository in `dir` back to its last valid
/// state, keeping the bytes it cuts in a file beside it (see
/// [`DiskStore::repair`]), and names the commits that were dropped. Takes
/// the writer lock. A sound journal is left as it is.
pub fn repair(dir: &Path) -> Result<JournalRepair> {
    let storage = Arc::new(FsStorage::new(dir.join(STORE_DIR))?);
    let report = DiskStore::repair(storage, LOCK_WAIT, &|kind| kind == objects::COMMIT)?;
    let mut dropped_commits = Vec::new();
    for chunk in &report.dropped_chunks {
        // A chunk that passed its address check but does not decode is not
        // a commit anyone can name; it stays in the kept bytes.
        if let Ok(commit) = Commit::from_chunk(chunk) {
            dropped_commits.push((chunk.address(), commit));
        }
    }
    dropped_commits.sort_by_key(|(_, c)| (c.height, c.author.time));
    Ok(JournalRepair {
        damage: report.damage,
        cut_bytes: report.cut_bytes,
        kept_in: report.kept_in,
        dropped_publishes: report.dropped_roots.len(),
        dropped_commits,
    })
}
