//! Walking the commit graph: reachability, `log` order, merge bases.
//!
//! Every commit records its height (the longest path to a root commit,
//! counting itself), so a walk that always takes the highest commit next
//! visits every child before its parents.

use std::collections::{BinaryHeap, HashSet};

use arbor_merkle::Address;

use crate::error::Result;
use crate::objects::Commit;
use crate::repo::Repository;

/// Every commit reachable from `starts` (the starts included).
pub fn reachable(repo: &Repository, starts: &[Address]) -> Result<Vec<Address>> {
    let mut seen: HashSet<Address> = HashSet::new();
    let mut stack: Vec<Address> = starts.to_vec();
    let mut out = Vec::new();
    while let Some(a) = stack.pop() {
        if !seen.insert(a) {
            continue;
        }
        // Refs may name other objects (working sets, annotated tags): only
        // commits are walked, and a tag leads to its commit.
        let Ok(commit) = repo.read_commit(&a) else {
            if let Ok(Some(tag)) = repo.read_tag(&a) {
                stack.push(tag.commit);
            }
            continue;
        };
        out.push(a);
        stack.extend(commit.parents);
    }
    Ok(out)
}

/// Commits reachable from `starts`, children before parents (by height,
/// then by time): the order of `arbor log`. With `hide`, commits reachable
/// from those are left out (`a..b`).
pub fn log(
    repo: &Repository,
    starts: &[Address],
    hide: &[Address],
) -> Result<Vec<(Address, Commit)>> {
    let hidden: HashSet<Address> = if hide.is_empty() {
        HashSet::new()
    } else {
        reachable(repo, hide)?.into_iter().collect()
    };
    let mut heap: BinaryHeap<(u64, i64, Address)> = BinaryHeap::new();
    let mut seen: HashSet<Address> = HashSet::new();
    for s in starts {
        if seen.insert(*s) {
            let c = repo.read_commit(s)?;
            heap.push((c.height, c.author.time, *s));
        }
    }
    let mut out = Vec::new();
    while let Some((_, _, a)) = heap.pop() {
        let commit = repo.read_commit(&a)?;
        for p in &commit.parents {
            if seen.insert(*p) {
                let parent = repo.read_commit(p)?;
                heap.push((parent.height, parent.author.time, *p));
            }
        }
        if !hidden.contains(&a) {
            out.push((a, commit));
        }
    }
    Ok(out)
}

/// Whether `ancestor` is `descendant` or one of its ancestors.
pub fn is_ancestor(repo: &Repository, ancestor: Address, descendant: Address) -> Result<bool> {
    if ancestor == descendant {
        return Ok(true);
    }
    let target = repo.read_commit(&ancestor)?.height;
    let mut heap: BinaryHeap<(u64, Address)> = BinaryHeap::new();
    let mut seen = HashSet::new();
    heap.push((repo.read_commit(&descendant)?.height, descendant));
    while let Some((height, a)) = heap.pop() {
        if a == ancestor {
            return Ok(true);
        }
        // Heights only fall along parent links: nothing lower can lead back up.
        if height <= target {
            continue;
        }
        for p in repo.read_commit(&a)?.parents {
            if seen.insert(p) {
                heap.push((repo.read_commit(&p)?.height, p));
            }
        }
    }
    Ok(false)
}

/// A best common ancestor of `a` and `b`: of all commits reachable from
/// both, one of the greatest height (none is an ancestor of another common
/// ancestor, since ancestors are strictly lower). `None` for unrelated
/// histories.
pub fn merge_base(repo: &Repository, a: Address, b: Address) -> Result<Option<Address>> {
    let from_a: HashSet<Address> = reachable(repo, &[a])?.into_iter().collect();
    let mut heap: BinaryHeap<(u64, Address)> = BinaryHeap::new();
    let mut seen = HashSet::new();
    heap.push((repo.read_commit(&b)?.height, b));
    while let Some((_, c)) = heap.pop() {
        if from_a.contains(&c) {
            return Ok(Some(c));
        }
        for p in repo.read_commit(&c)?.parents {
            if seen.insert(p) {
                heap.push((repo.read_commit(&p)?.height, p));
            }
        }
    }
    Ok(None)
}
