//! What the front end tells the library about the world around it.
//!
//! The library never reads environment variables and never looks at the
//! clock on its own: who commits, what time it is, whether it may reach
//! other folders or the network, and where it may keep caches all come in
//! through an [`Environment`] that the front end builds (the `arbor` command
//! from its flags, `ARBOR_*` variables and configuration; a server from its
//! settings; a test from fixed values).

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{DateTime, Utc};

use crate::error::{Error, Result, SqlState, VcError};
use crate::objects::Signature;

/// Who commits: a name and an email.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    /// The name, as commits show it.
    pub name: String,
    /// The email address.
    pub email: String,
}

impl Identity {
    /// An identity from its parts.
    pub fn new(name: impl Into<String>, email: impl Into<String>) -> Identity {
        Identity {
            name: name.into(),
            email: email.into(),
        }
    }

    /// Parses `Name <email>`, as Git's `--author` takes it.
    pub fn parse(text: &str) -> Option<Identity> {
        let (name, email) = text.split_once('<')?;
        let email = email.trim().strip_suffix('>')?;
        let (name, email) = (name.trim(), email.trim());
        if name.is_empty() || email.is_empty() || email.contains(['<', '>']) {
            return None;
        }
        Some(Identity::new(name, email))
    }

    /// This identity signing at `time`.
    pub fn at(&self, time: Timestamp) -> Signature {
        Signature {
            name: self.name.clone(),
            email: self.email.clone(),
            time: time.seconds,
            offset_minutes: time.offset_minutes,
        }
    }
}

/// A moment as commits record it: seconds since the Unix epoch (UTC) and
/// the offset from UTC, in minutes, of whoever recorded it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timestamp {
    /// Seconds since 1970-01-01 00:00:00 UTC.
    pub seconds: i64,
    /// Minutes east of UTC.
    pub offset_minutes: i64,
}

impl Timestamp {
    /// Parses seconds since the epoch or an RFC 3339 date
    /// (`2024-01-31T12:00:00+01:00`), as `--date` takes it.
    pub fn parse(text: &str) -> Option<Timestamp> {
        let text = text.trim();
        if let Ok(seconds) = text.parse::<i64>() {
            return Some(Timestamp {
                seconds,
                offset_minutes: 0,
            });
        }
        let date = DateTime::parse_from_rfc3339(text).ok()?;
        Some(Timestamp {
            seconds: date.timestamp(),
            offset_minutes: i64::from(date.offset().local_minus_utc() / 60),
        })
    }

    /// [`Timestamp::parse`], or an error naming `what` was given.
    pub fn parse_flag(flag: &str, text: &str) -> Result<Timestamp> {
        Timestamp::parse(text).ok_or_else(|| {
            Error::new(
                SqlState::InvalidDatetimeFormat,
                format!("{flag} '{text}' is not a date"),
            )
            .with_hint("use seconds since the epoch, or RFC 3339 like 2024-01-31T12:00:00+01:00")
        })
    }
}

/// Where the time comes from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Clock {
    /// The system's clock.
    #[default]
    System,
    /// Always this moment (tests, reproducible builds): commits and SQL's
    /// `now()` alike.
    Fixed(Timestamp),
}

impl Clock {
    /// The time now, to the second, for commits.
    pub fn now(&self) -> Timestamp {
        match self {
            Clock::Fixed(t) => *t,
            Clock::System => {
                let seconds = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs());
                Timestamp {
                    seconds: i64::try_from(seconds).unwrap_or(i64::MAX),
                    offset_minutes: 0,
                }
            }
        }
    }

    /// The time now, to the microsecond (PostgreSQL's precision), for SQL.
    pub fn now_utc(&self) -> DateTime<Utc> {
        match self {
            Clock::Fixed(t) => DateTime::from_timestamp(t.seconds, 0).unwrap_or_default(),
            Clock::System => {
                let t = Utc::now();
                DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
            }
        }
    }
}

/// What the library may reach outside the repository it works on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Reach {
    /// Other folders: folder remotes (fetch, push, pull) and new
    /// repositories made by a clone.
    pub folders: bool,
    /// The network, and the `git` program: Git remotes.
    pub network: bool,
}

impl Reach {
    /// Everything: what a command run by its user may do.
    pub const ALL: Reach = Reach {
        folders: true,
        network: true,
    };
    /// Nothing outside the repository: what a server's anonymous session
    /// or a sandboxed embedding may do.
    pub const NONE: Reach = Reach {
        folders: false,
        network: false,
    };
}

/// The error of an operation that records an author when none is known.
pub fn unknown_author() -> Error {
    Error::vc(VcError::UnknownAuthor, "author identity unknown")
}

/// `Ok` when `allowed`, else the refusal of `what` for reaching `place`.
fn allowed(allowed: bool, what: &str, place: &str) -> Result<()> {
    if allowed {
        return Ok(());
    }
    Err(Error::new(
        SqlState::InsufficientPrivilege,
        format!("{what}: this session may not reach {place}"),
    ))
}

/// Everything the library learns from outside: see the module's docs.
#[derive(Clone, Debug, Default)]
pub struct Environment {
    /// Who commits when a request names nobody; `None`: such a commit is
    /// refused with "author identity unknown".
    pub author: Option<Identity>,
    /// Where the time comes from.
    pub clock: Clock,
    /// What may be reached outside the repository (nothing by default).
    pub reach: Reach,
    /// Where Git remotes are cached (a folder of bare repositories); `None`:
    /// a folder in the system's temporary directory.
    pub git_cache: Option<PathBuf>,
    /// The folder relative paths (a clone's URL and target) are read
    /// against: the front end's current folder. `None`: relative paths are
    /// refused (the library never reads the process's current folder).
    pub working_dir: Option<PathBuf>,
}

impl Environment {
    /// The author signing now, or [`unknown_author`].
    pub fn signature(&self) -> Result<Signature> {
        let who = self.author.as_ref().ok_or_else(unknown_author)?;
        Ok(who.at(self.clock.now()))
    }

    /// `path` made absolute against [`Environment::working_dir`] (refused
    /// when relative and there is none).
    pub fn absolute(&self, path: &Path) -> Result<PathBuf> {
        if path.is_absolute() {
            return Ok(path.to_path_buf());
        }
        match &self.working_dir {
            Some(dir) => Ok(dir.join(path)),
            None => Err(Error::new(
                SqlState::InvalidParameterValue,
                format!(
                    "'{}' is a relative path, and this session has no working folder: give an absolute path",
                    path.display()
                ),
            )),
        }
    }

    /// Refuses reaching another folder unless allowed.
    pub fn check_folders(&self, what: &str) -> Result<()> {
        allowed(self.reach.folders, what, "other folders")
    }

    /// Refuses reaching the network unless allowed.
    pub fn check_network(&self, what: &str) -> Result<()> {
        allowed(self.reach.network, what, "the network")
    }

    /// Where Git remotes are cached.
    pub fn git_cache(&self) -> PathBuf {
        self.git_cache
            .clone()
            .unwrap_or_else(|| std::env::temp_dir().join("arbor-git-cache"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identities_parse_as_git_writes_them() {
        assert_eq!(
            Identity::parse(" Ada Lovelace <ada@example.com> "),
            Some(Identity::new("Ada Lovelace", "ada@example.com"))
        );
        for bad in [
            "Ada",
            "<ada@example.com>",
            "Ada <>",
            "Ada <a>b>",
            "Ada ada@x>",
        ] {
            assert_eq!(Identity::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn dates_parse_as_seconds_or_rfc_3339() {
        assert_eq!(
            Timestamp::parse("1700000000"),
            Some(Timestamp {
                seconds: 1_700_000_000,
                offset_minutes: 0
            })
        );
        assert_eq!(
            Timestamp::parse("2024-01-31T12:00:00+01:00"),
            Some(Timestamp {
                seconds: 1_706_698_800,
                offset_minutes: 60
            })
        );
        assert_eq!(Timestamp::parse("yesterday"), None);
    }

    #[test]
    fn a_fixed_clock_gives_the_same_moment_to_commits_and_sql() {
        let t = Timestamp {
            seconds: 1_706_698_800,
            offset_minutes: 60,
        };
        let clock = Clock::Fixed(t);
        assert_eq!(clock.now(), t);
        assert_eq!(clock.now_utc().timestamp(), t.seconds);
    }

    #[test]
    fn nothing_outside_is_reached_unless_allowed() {
        let env = Environment::default();
        assert!(env.check_folders("fetch").is_err());
        assert!(env.check_network("fetch").is_err());
        assert!(env.signature().is_err());
        let env = Environment {
            reach: Reach::ALL,
            author: Some(Identity::new("A", "a@x")),
            ..Environment::default()
        };
        assert!(env.check_folders("fetch").is_ok());
        assert!(env.check_network("fetch").is_ok());
        assert_eq!(env.signature().map(|s| s.name).ok(), Some("A".to_owned()));
    }
}
