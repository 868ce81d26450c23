//! Integrity check of a whole repository.
//!
//! Walks every chunk reachable from the store root (all branches, tags and
//! working sets), which reads each one and so checks it against its address,
//! and decodes each by its kind. On a disk store it also re-reads every record
//! of the journal, reachable or not.

use arbor_merkle::reachability::{Walk, walk_reachable_except};
use arbor_merkle::{Chunk, DiskStore};

use super::Repository;
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
        let verify = disk.verify()?;
        report.journal_chunks = verify.chunks;
        problems.extend(verify.problems);
    }
    report.problems = problems;
    Ok(report)
}
