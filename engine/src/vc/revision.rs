//! Revisions: how a user names a commit.
//!
//! `HEAD`, a branch, a tag, `refs/...`, a full commit hash (of any commit
//! the store holds, reachable or not), or an abbreviated one (at least 4
//! hex digits, unique among the commits reachable from any ref or from a
//! commit the reflog names),
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

/// The catalog a diff endpoint names on `branch`: `WORKING` (its working
/// set), `STAGED` (its staged tables), in any case, or a revision's.
pub fn catalog_at(repo: &Repository, branch: &str, name: &str) -> Result<Address> {
    let ws = repo.working_set(branch)?.1;
    Ok(match name.to_uppercase().as_str() {
        "WORKING" => ws.working,
        "STAGED" => ws.staged,
        _ => repo.read_commit(&resolve(repo, branch, name)?)?.catalog,
    })
}

/// Resolves `revision` to a commit address, with `head` the checked-out branch.
pub fn resolve(repo: &Repository, head: &str, revision: &str) -> Result<Address> {
    let revision = revision.trim();
    let split = revision.find(['~', '^']).unwrap_or(revision.len());
    let (base, steps) = revision.split_at(split);
    // The steps are read whole before any commit is: a malformed one is an
    // error of its own, never a different commit.
    let steps = parse_steps(steps, revision)?;
    let mut commit = resolve_base(repo, head, base, revision)?;
    for step in steps {
        commit = match step {
            Step::FirstParents(count) => {
                let mut c = commit;
                for _ in 0..count {
                    c = nth_parent(repo, c, 1, revision)?;
                }
                c
            }
            Step::Parent(0) => commit,
            Step::Parent(n) => nth_parent(repo, commit, n, revision)?,
        };
    }
    Ok(commit)
}

/// One step after a revision's base.
#[derive(Debug, PartialEq)]
enum Step {
    /// `~n`: n first parents back (`~` alone is `~1`).
    FirstParents(usize),
    /// `^n`: the n-th parent (`^` alone is `^1`; `^0` is the commit itself).
    Parent(usize),
}

/// Reads `~n` and `^n` steps; anything else in `steps` is refused, naming
/// the character and where it stands in `revision`.
fn parse_steps(steps: &str, revision: &str) -> Result<Vec<Step>> {
    let offset = revision.len() - steps.len();
    let mut parsed = Vec::new();
    let mut chars = steps.char_indices().peekable();
    while let Some((_, op)) = chars.next() {
        let mut digits = String::new();
        while let Some(&(_, c)) = chars.peek() {
            if !c.is_ascii_digit() {
                break;
            }
            digits.push(c);
            chars.next();
        }
        if let Some(&(at, c)) = chars.peek()
            && c != '~'
            && c != '^'
        {
            return Err(malformed_step(revision, offset + at, c));
        }
        let count = if digits.is_empty() {
            1
        } else {
            digits.parse().map_err(|_| {
                Error::vc(
                    VcError::UnknownRevision,
                    format!("revision '{revision}' counts more steps than there can be commits"),
                )
            })?
        };
        parsed.push(if op == '~' {
            Step::FirstParents(count)
        } else {
            Step::Parent(count)
        });
    }
    Ok(parsed)
}

fn malformed_step(revision: &str, at: usize, found: char) -> Error {
    Error::vc(
        VcError::UnknownRevision,
        format!(
            "malformed revision '{revision}': '{}' at byte {} where a number, `~` or `^` belongs",
            found.escape_debug(),
            at + 1
        ),
    )
    .with_hint(
        "write steps as in Git: `main~2` (two first parents back), `main^2` (the second parent)",
    )
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
    // A whole hash names its commit even when no ref reaches it any more
    // (the branch a rebase or reset moved away from), as in Git, until gc.
    if let Ok(address) = base.parse::<Address>()
        && repo.store().has(&address)?
        && let Ok(commit) = repo.read_commit(&address).map(|_| address)
    {
        return Ok(commit);
    }
    if is_hex {
        let prefix = base.to_ascii_lowercase();
        let mut starts: Vec<Address> = root
            .refs
            .iter()
            .filter(|(name, _)| name.starts_with("refs/"))
            .map(|(_, a)| *a)
            .collect();
        // Commits a branch pointed at before (the reflog's) count too: the
        // short hash `arbor reflog` shows brings a deleted branch back.
        for entry in super::reflog::entries(repo, None)? {
            starts.extend(entry.old.into_iter().chain(entry.new));
        }
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

/// What `AS OF` names: a revision (`'main~2'`, a hash, a tag; a text that
/// is none of them but reads as a time is taken as one), or a moment
/// (`TIMESTAMP '2024-01-31 12:00'`): the newest commit of the branch's
/// history made at or before it, as Dolt reads `AS OF` a time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AsOf {
    /// A revision, as the user wrote it.
    Revision(String),
    /// Seconds since the epoch, UTC.
    Time(i64),
}

impl std::fmt::Display for AsOf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AsOf::Revision(r) => f.write_str(r),
            AsOf::Time(t) => match chrono::DateTime::from_timestamp(*t, 0) {
                Some(at) => write!(f, "{}", at.format("%Y-%m-%d %H:%M:%S+00")),
                None => write!(f, "{t}"),
            },
        }
    }
}

/// The commit `AS OF` names from `branch`: a revision, or a moment (see
/// [`AsOf`]); a text that names no revision but reads as a timestamp
/// (`'2024-01-31'`, `'2024-01-31 12:00:00+01'`) is taken as that moment.
pub fn resolve_as_of(repo: &Repository, branch: &str, version: &AsOf) -> Result<Address> {
    match version {
        AsOf::Time(seconds) => at_time(repo, branch, *seconds),
        AsOf::Revision(text) => match resolve(repo, branch, text) {
            Err(e) if e.vc == Some(VcError::UnknownRevision) => {
                match arbor_schema::text::parse_value(text, &arbor_schema::DataType::TimestampTz) {
                    Ok(arbor_schema::Value::TimestampTz(t)) => at_time(repo, branch, t.timestamp()),
                    _ => Err(e),
                }
            }
            other => other,
        },
    }
}

/// The newest commit of `branch`'s history made at or before `seconds`
/// (by commit time; the later of two at the same second).
pub fn at_time(repo: &Repository, branch: &str, seconds: i64) -> Result<Address> {
    let head = repo.branch_head(branch)?;
    let mut best: Option<(i64, u64, Address)> = None;
    for (address, commit) in history::log(repo, &[head], &[])? {
        let key = (commit.author.time, commit.height, address);
        if commit.author.time <= seconds && best.is_none_or(|b| (b.0, b.1) < (key.0, key.1)) {
            best = Some(key);
        }
    }
    best.map(|(_, _, address)| address).ok_or_else(|| {
        Error::vc(
            VcError::UnknownRevision,
            format!(
                "branch '{branch}' has no commit made at or before {}",
                AsOf::Time(seconds)
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn steps(text: &str) -> Result<Vec<Step>> {
        parse_steps(text, &format!("main{text}"))
    }

    #[test]
    fn steps_read_as_in_git() {
        use Step::*;
        assert_eq!(steps("").unwrap(), vec![]);
        assert_eq!(steps("~").unwrap(), vec![FirstParents(1)]);
        assert_eq!(
            steps("~3^2^").unwrap(),
            vec![FirstParents(3), Parent(2), Parent(1)]
        );
        assert_eq!(steps("^0").unwrap(), vec![Parent(0)]);
        assert_eq!(
            steps("^^~~").unwrap(),
            vec![Parent(1), Parent(1), FirstParents(1), FirstParents(1)]
        );
    }

    #[test]
    fn malformed_steps_are_refused_where_they_go_wrong() {
        for (text, at) in [
            ("~-1", 6),
            ("~+1", 6),
            ("~1a", 7),
            ("^-1", 6),
            ("^{", 6),
            ("~x", 6),
            ("~🌳", 6),
            ("^ü", 6),
            ("~2é", 7),
        ] {
            let err = steps(text).unwrap_err();
            assert!(
                err.message.contains(&format!("at byte {at} ")),
                "{text}: {}",
                err.message
            );
            assert_eq!(err.vc, Some(VcError::UnknownRevision), "{text}");
        }
        assert!(steps("~99999999999999999999999").is_err());
    }
}
