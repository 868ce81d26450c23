//! Who is committing, and when: read from the environment and passed to the engine.
//!
//! Author: `--author`, `ARBOR_AUTHOR_NAME` and `ARBOR_AUTHOR_EMAIL`, Arbor's
//! configuration (`arbor config`), then Git's. Time:
//! `ARBOR_COMMIT_DATE` (seconds since the Unix epoch, or RFC 3339), so tests
//! and reproducible builds can fix it; otherwise the clock.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use arbor_engine::{Clock, Environment, Identity, Reach, Signature, Timestamp};

use crate::ui::CliError;

/// The commit time: `ARBOR_COMMIT_DATE` if set, else now. Returns (seconds, offset minutes).
pub fn commit_time() -> Result<(i64, i64), CliError> {
    match std::env::var("ARBOR_COMMIT_DATE") {
        Ok(text) => parse_date(&text).ok_or_else(|| {
            CliError::new(format!("ARBOR_COMMIT_DATE is not a date: '{text}'")).with_hint(
                "use seconds since 1970-01-01 UTC, or RFC 3339 like 2024-01-31T12:00:00+01:00",
            )
        }),
        Err(_) => {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            Ok((i64::try_from(now).unwrap_or(i64::MAX), 0))
        }
    }
}

/// Parses seconds since the epoch or an RFC 3339 date.
pub fn parse_date(text: &str) -> Option<(i64, i64)> {
    if let Ok(seconds) = text.trim().parse::<i64>() {
        return Some((seconds, 0));
    }
    let date = chrono::DateTime::parse_from_rfc3339(text.trim()).ok()?;
    Some((
        date.timestamp(),
        i64::from(date.offset().local_minus_utc() / 60),
    ))
}

/// The author from the environment, if both name and email are set.
pub fn author_from_env() -> Option<(String, String)> {
    let name = std::env::var("ARBOR_AUTHOR_NAME")
        .ok()
        .filter(|s| !s.trim().is_empty())?;
    let email = std::env::var("ARBOR_AUTHOR_EMAIL")
        .ok()
        .filter(|s| !s.trim().is_empty())?;
    Some((name, email))
}

/// The signature of a commit Arbor makes itself (such as a repository's
/// first commit): the author configured for `cwd` as [`author`] finds it,
/// else Arbor's own.
pub fn system_signature(cwd: &Path) -> Result<Signature, CliError> {
    let (time, offset_minutes) = commit_time()?;
    let configured = match author_from_env() {
        Some(author) => Some(author),
        None => author_from_config(cwd)?,
    };
    let (name, email) = configured.unwrap_or_else(|| ("Arbor".into(), "arbor@localhost".into()));
    Ok(Signature {
        name,
        email,
        time,
        offset_minutes,
    })
}

/// The error of a command that records an author when none is known, with
/// where to set one.
pub fn unknown_author() -> CliError {
    CliError::new("author identity unknown").with_hint(AUTHOR_HINT)
}

/// Where to set an author, in the command line's words.
pub const AUTHOR_HINT: &str = "set it with `arbor config --global user.name 'Your Name'` and `arbor config --global user.email you@example.com` (Git's user.name and user.email are used too), or pass --author 'Name <email>'";

/// The author of a commit: `--author "Name <email>"`, else
/// `ARBOR_AUTHOR_NAME` and `ARBOR_AUTHOR_EMAIL`, else `user.name` and
/// `user.email` from Arbor's configuration (the repository's containing
/// `cwd`, then the user's), else from the user's Git configuration; a
/// clear error when none has them. The time is `--date`, else
/// `ARBOR_COMMIT_DATE`, else now.
pub fn author(cwd: &Path, flag: Option<&str>, date: Option<&str>) -> Result<Signature, CliError> {
    let (name, email) = match flag {
        Some(text) => parse_author(text)
            .ok_or_else(|| CliError::new(format!("--author '{text}' is not 'Name <email>'")))?,
        None => match author_from_env() {
            Some(author) => author,
            None => author_from_config(cwd)?.ok_or_else(unknown_author)?,
        },
    };
    let (time, offset_minutes) = match date {
        Some(text) => parse_date(text).ok_or_else(|| {
            CliError::new(format!("--date '{text}' is not a date")).with_hint(
                "use seconds since the epoch, or RFC 3339 like 2024-01-31T12:00:00+01:00",
            )
        })?,
        None => commit_time()?,
    };
    Ok(Signature {
        name,
        email,
        time,
        offset_minutes,
    })
}

/// The library's environment for a command run from `cwd`: the author as
/// [`author`] finds it without flags (none if unknown: what needs one
/// says so), the clock (`ARBOR_COMMIT_DATE` fixes it, for commits and SQL's
/// `now()` alike), every folder and the network reachable, and Git remotes
/// cached in `$ARBOR_GIT_CACHE`, else `$XDG_CACHE_HOME/arbor/git`, else
/// `~/.cache/arbor/git`.
pub fn environment(cwd: &Path) -> Result<Environment, CliError> {
    let (seconds, offset_minutes) = commit_time()?;
    let clock = match std::env::var_os("ARBOR_COMMIT_DATE") {
        Some(_) => Clock::Fixed(Timestamp {
            seconds,
            offset_minutes,
        }),
        None => Clock::System,
    };
    let author = match author_from_env() {
        Some(found) => Some(found),
        None => author_from_config(cwd).ok().flatten(),
    };
    Ok(Environment {
        author: author.map(|(name, email)| Identity::new(name, email)),
        clock,
        reach: Reach::ALL,
        git_cache: Some(git_cache()),
        working_dir: Some(cwd.to_path_buf()),
    })
}

/// Where Git remotes are cached (see [`environment`]).
fn git_cache() -> std::path::PathBuf {
    use std::path::PathBuf;
    if let Some(dir) = std::env::var_os("ARBOR_GIT_CACHE") {
        return PathBuf::from(dir);
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME") {
        return PathBuf::from(dir).join("arbor").join("git");
    }
    if let Some(home) = std::env::var_os("HOME") {
        return PathBuf::from(home).join(".cache").join("arbor").join("git");
    }
    std::env::temp_dir().join("arbor-git-cache")
}

/// `user.name` and `user.email`, each from Arbor's configuration or else
/// from Git's (global and system files, and `GIT_CONFIG_*` overrides, read
/// with gix-config).
fn author_from_config(cwd: &Path) -> Result<Option<(String, String)>, CliError> {
    let mut git: Option<gix_config::File> = None;
    let mut from_git = |key: &str| -> Option<String> {
        let file = git.get_or_insert_with(|| {
            let mut file = gix_config::File::from_globals().unwrap_or_default();
            // Unreadable Git configuration is as good as none: Arbor's own
            // settings and the error below still speak.
            if let Ok(overrides) = gix_config::File::from_environment_overrides() {
                file.append(overrides).ok();
            }
            file
        });
        file.string(key)
            .map(|v| v.to_string())
            .filter(|v| !v.trim().is_empty())
    };
    let mut value = |key: &str| -> Result<Option<String>, CliError> {
        Ok(crate::config::lookup(cwd, key)?
            .filter(|v| !v.trim().is_empty())
            .or_else(|| from_git(key)))
    };
    let name = value("user.name")?;
    let email = value("user.email")?;
    Ok(name.zip(email))
}

/// Splits `Name <email>`.
fn parse_author(text: &str) -> Option<(String, String)> {
    let (name, rest) = text.split_once('<')?;
    let email = rest.strip_suffix('>')?.trim();
    let name = name.trim();
    (!name.is_empty() && !email.is_empty()).then(|| (name.to_owned(), email.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(parse_date("1700000000"), Some((1_700_000_000, 0)));
        assert_eq!(
            parse_date("2024-01-31T12:00:00+01:00"),
            Some((1_706_698_800, 60))
        );
        assert_eq!(parse_date("yesterday"), None);
    }

    #[test]
    fn authors() {
        assert_eq!(
            parse_author("Ann Lee <ann@example.com>"),
            Some(("Ann Lee".into(), "ann@example.com".into()))
        );
        assert_eq!(parse_author("Ann"), None);
        assert_eq!(parse_author("<a@b>"), None);
    }
}
