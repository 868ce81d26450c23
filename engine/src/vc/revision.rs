//! Revisions: how a user names a commit.
//!
//! `HEAD`, a branch, a tag, `refs/...`, or a full or abbreviated commit hash
//! (at least 4 hex digits, unique among the commits reachable from any ref),
//! followed by any number of `~n` (the n-th first parent) and `^` / `^n`
//! (the n-th parent) steps, as in Git.

use arbor_merkle::Address;

use super::history;
use crate::error::{Error, Result, SqlState, VcError};
use crate::repo::{Repository, branch_ref};

/// The ref a tag is kept under.
pub fn tag_ref(tag: &str) -> String {
    format!("refs/tags/{tag}")
}

/// Resolves `revision` to a commit address, with `head` the checked-out branch.
pub fn resolve(repo: &Repository, head: &str, revision: &str) -> Result<Address> {
    let revision = revision.trim();
    let split = revision.find(['~', '^']).unwrap_or(revision.len());
    let (base, mut steps) = revision.split_at(split);
    let mut commit = resolve_base(repo, head, base, revision)?;
    while !steps.is_empty() {
        let op = steps.as_bytes()[0];
        let digits_end = steps[1..]
            .find(|c: char| !c.is_ascii_digit())
            .map_or(steps.len(), |i| i + 1);
        let count: usize = if digits_end > 1 {
            steps[1..digits_end]
                .parse()
                .map_err(|_| bad_revision(revision))?
        } else {
            1
        };
        steps = &steps[digits_end..];
        commit = if op == b'~' {
            let mut c = commit;
            for _ in 0..count {
                c = nth_parent(repo, c, 1, revision)?;
            }
            c
        } else if count == 0 {
            commit
        } else {
            nth_parent(repo, commit, count, revision)?
        };
    }
    Ok(commit)
}

fn nth_parent(repo: &Repository, commit: Address, n: usize, revision: &str) -> Result<Address> {
    let c = repo.read_commit(&commit)?;
    c.parents.get(n - 1).copied().ok_or_else(|| {
        Error::new(
            SqlState::UndefinedObject,
            format!(
                "revision '{revision}' goes past the commit {}",
                commit.short(12)
            ),
        )
        .with_hint("that commit has fewer parents")
    })
}

fn bad_revision(revision: &str) -> Error {
    Error::vc(
        VcError::UnknownRevision,
        format!("unknown revision '{revision}'"),
    )
}

fn resolve_base(repo: &Repository, head: &str, base: &str, revision: &str) -> Result<Address> {
    let root = repo.store_root()?;
    if base == "HEAD" || base == "@" {
        return root.refs.get(&branch_ref(head)).copied().ok_or_else(|| {
            Error::new(
                SqlState::UndefinedObject,
                format!("HEAD names branch \"{head}\", which does not exist"),
            )
        });
    }
    for candidate in [
        base.to_owned(),
        branch_ref(base),
        tag_ref(base),
        format!("refs/remotes/{base}"),
    ] {
        if candidate.starts_with("refs/")
            && let Some(a) = root.refs.get(&candidate)
        {
            // An annotated tag names its commit.
            return repo.peel(a);
        }
    }
    let is_hex = base.len() >= 4 && base.len() <= 64 && base.chars().all(|c| c.is_ascii_hexdigit());
    if is_hex {
        let prefix = base.to_ascii_lowercase();
        let starts: Vec<Address> = root
            .refs
            .iter()
            .filter(|(name, _)| name.starts_with("refs/"))
            .map(|(_, a)| *a)
            .collect();
        let mut found: Option<Address> = None;
        for commit in history::reachable(repo, &starts)? {
            if commit.to_hex().starts_with(&prefix) {
                if found.is_some_and(|f| f != commit) {
                    return Err(Error::new(
                        SqlState::UndefinedObject,
                        format!("short commit hash '{base}' is ambiguous"),
                    )
                    .with_hint("give more digits"));
                }
                found = Some(commit);
            }
        }
        if let Some(a) = found {
            return Ok(a);
        }
    }
    Err(bad_revision(revision))
}
