//! Time zones: the session's `TimeZone`, in which `timestamp with time
//! zone` values are shown, read and broken into fields, and the zones
//! `AT TIME ZONE` names.
//!
//! A `timestamptz` is an instant, stored as microseconds since 1970 UTC
//! whatever the zone; only its text and its calendar fields depend on the
//! zone. A zone is named three ways, as PostgreSQL names them: an IANA
//! name (`Europe/Berlin`, any case; the `chrono-tz` crate holds the
//! database, compiled in, so nothing is read at run time), a common
//! abbreviation (`EST`, `PDT`, `CET`: a fixed offset), or a POSIX offset
//! (`+05`, `UTC-3:30`), which counts hours *west* of Greenwich, so `+05`
//! is five hours behind UTC.
//!
//! A wall-clock time that a zone skips (the hour clocks jump over) or
//! repeats (the hour they go back over) is read at the zone's standard
//! offset, as PostgreSQL reads it: 02:30 on the night New York springs
//! forward is 07:30 UTC, and 01:30 on the night it falls back is 06:30.
//!
//! **The session's zone** is kept per thread ([`set_session_zone`]): the
//! engine sets it from the session's setting whenever a session runs a
//! statement, and a value printed or read on that thread afterwards uses
//! it. A thread nothing set it on uses UTC.

use std::cell::Cell;

use chrono::{DateTime, Duration, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;

use crate::error::{ErrorKind, Result, ValueError};

/// A time zone: a fixed offset east of UTC, in seconds, or a named zone
/// whose offset changes with the date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Zone {
    /// Seconds east of UTC.
    Fixed(i64),
    /// A zone of the IANA database.
    Named(Tz),
}

/// Abbreviations PostgreSQL's default set knows, with their offsets east
/// of UTC in minutes.
const ABBREVIATIONS: &[(&str, i64)] = &[
    ("utc", 0),
    ("ut", 0),
    ("gmt", 0),
    ("z", 0),
    ("zulu", 0),
    ("est", -300),
    ("edt", -240),
    ("cst", -360),
    ("cdt", -300),
    ("mst", -420),
    ("mdt", -360),
    ("pst", -480),
    ("pdt", -420),
    ("akst", -540),
    ("akdt", -480),
    ("hst", -600),
    ("wet", 0),
    ("west", 60),
    ("bst", 60),
    ("cet", 60),
    ("cest", 120),
    ("met", 60),
    ("mest", 120),
    ("eet", 120),
    ("eest", 180),
    ("msk", 180),
    ("jst", 540),
    ("kst", 540),
    ("hkt", 480),
    ("awst", 480),
    ("acst", 570),
    ("aest", 600),
    ("aedt", 660),
    ("nzst", 720),
    ("nzdt", 780),
];

thread_local! {
    static SESSION_ZONE: Cell<Zone> = const { Cell::new(Zone::UTC) };
}

/// The zone of the session running on this thread (UTC if none set one).
pub fn session_zone() -> Zone {
    SESSION_ZONE.with(Cell::get)
}

/// Makes `zone` the session zone of this thread.
pub fn set_session_zone(zone: Zone) {
    SESSION_ZONE.with(|z| z.set(zone));
}

fn out_of_range() -> ValueError {
    ValueError::new(ErrorKind::DatetimeFieldOverflow, "timestamp out of range")
}

/// The session zone's wall-clock time at `t` (22008 past the calendar).
pub fn session_local(t: DateTime<Utc>) -> Result<NaiveDateTime> {
    session_zone().local(t).ok_or_else(out_of_range)
}

/// The instant the session zone's clocks show `local` (22008 past the
/// calendar).
pub fn session_instant(local: NaiveDateTime) -> Result<DateTime<Utc>> {
    session_zone().instant(local).ok_or_else(out_of_range)
}

impl Zone {
    /// UTC.
    pub const UTC: Zone = Zone::Fixed(0);

    /// The zone `name` names, if it names one.
    pub fn named(name: &str) -> Option<Zone> {
        let trimmed = name.trim();
        let lower = trimmed.to_ascii_lowercase();
        if let Some((_, minutes)) = ABBREVIATIONS.iter().find(|(a, _)| *a == lower) {
            return Some(Zone::Fixed(minutes * 60));
        }
        if let Ok(tz) = trimmed.parse::<Tz>() {
            return Some(Zone::Named(tz));
        }
        if let Some(tz) = chrono_tz::TZ_VARIANTS
            .iter()
            .find(|tz| tz.name().eq_ignore_ascii_case(trimmed))
        {
            return Some(Zone::Named(*tz));
        }
        let posix = lower
            .strip_prefix("utc")
            .or_else(|| lower.strip_prefix("gmt"))
            .unwrap_or(&lower);
        posix_offset(posix).map(|west| Zone::Fixed(-west))
    }

    /// Whether this is UTC (or a zero offset).
    pub fn is_utc(self) -> bool {
        self == Zone::UTC
    }

    /// The zone's offset east of UTC at `instant`, in seconds.
    pub fn offset_at(self, instant: DateTime<Utc>) -> i64 {
        match self {
            Zone::Fixed(east) => east,
            Zone::Named(tz) => i64::from(
                tz.offset_from_utc_datetime(&instant.naive_utc())
                    .fix()
                    .local_minus_utc(),
            ),
        }
    }

    /// The zone's wall-clock time at `instant`.
    pub fn local(self, instant: DateTime<Utc>) -> Option<NaiveDateTime> {
        instant
            .naive_utc()
            .checked_add_signed(Duration::seconds(self.offset_at(instant)))
    }

    /// The instant the zone's clocks show `local`: the later of two where
    /// the clocks go back, and at the offset before the jump where they
    /// skip it.
    pub fn instant(self, local: NaiveDateTime) -> Option<DateTime<Utc>> {
        let east = match self {
            Zone::Fixed(east) => east,
            Zone::Named(tz) => i64::from(
                match tz.from_local_datetime(&local) {
                    chrono::LocalResult::Single(t) => t.offset().fix(),
                    chrono::LocalResult::Ambiguous(_, later) => later.offset().fix(),
                    chrono::LocalResult::None => tz
                        .from_local_datetime(&local.checked_sub_signed(Duration::hours(3))?)
                        .latest()?
                        .offset()
                        .fix(),
                }
                .local_minus_utc(),
            ),
        };
        Some(local.checked_sub_signed(Duration::seconds(east))?.and_utc())
    }
}

/// A POSIX offset, `[+|-]h[h][:mm[:ss]]`, in seconds (west positive).
fn posix_offset(text: &str) -> Option<i64> {
    let (sign, body) = match text.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, text.strip_prefix('+').unwrap_or(text)),
    };
    let mut parts = body.split(':');
    let mut field = |max: i64| -> Option<Option<i64>> {
        match parts.next() {
            None => Some(None),
            Some(p) if !p.is_empty() && p.len() <= 2 && p.bytes().all(|b| b.is_ascii_digit()) => {
                let v: i64 = p.parse().ok()?;
                (v <= max).then_some(Some(v))
            }
            Some(_) => None,
        }
    };
    let hours = field(15)??;
    let minutes = field(59)?.unwrap_or(0);
    let seconds = field(59)?.unwrap_or(0);
    if parts.next().is_some() {
        return None;
    }
    Some(sign * (hours * 3600 + minutes * 60 + seconds))
}

/// An offset as PostgreSQL prints it after a time: `+02`, `-03:30`,
/// `+00:53:28`; with `colon_minutes`, always with minutes (`+02:00`), as
/// in JSON.
pub fn format_offset(east: i64, colon_minutes: bool) -> String {
    let sign = if east < 0 { '-' } else { '+' };
    let s = east.unsigned_abs();
    let (h, m, sec) = (s / 3600, s / 60 % 60, s % 60);
    match (m, sec) {
        (_, 1..) => format!("{sign}{h:02}:{m:02}:{sec:02}"),
        (0, 0) if !colon_minutes => format!("{sign}{h:02}"),
        _ => format!("{sign}{h:02}:{m:02}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn to_utc(zone: &str, local: &str) -> String {
        let z = Zone::named(zone).unwrap();
        z.instant(ts(local))
            .unwrap()
            .naive_utc()
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }

    /// Each case as PostgreSQL 15 computes it.
    #[test]
    fn zones_read_as_postgresql_reads_them() {
        assert_eq!(to_utc("+05", "2024-01-01 12:00"), "2024-01-01 17:00");
        assert_eq!(to_utc("UTC+5", "2024-01-01 12:00"), "2024-01-01 17:00");
        assert_eq!(
            to_utc("america/new_york", "2024-01-01 12:00"),
            "2024-01-01 17:00"
        );
        assert_eq!(
            to_utc("America/New_York", "2024-11-03 01:30"),
            "2024-11-03 06:30"
        );
        assert_eq!(
            to_utc("America/New_York", "2024-03-10 02:30"),
            "2024-03-10 07:30"
        );
        assert_eq!(to_utc("PST", "2024-01-01 00:00"), "2024-01-01 08:00");
        assert!(Zone::named("Mars/Base").is_none());
        assert!(Zone::named("+99").is_none());
        assert_eq!(format_offset(7200, false), "+02");
        assert_eq!(format_offset(-12600, false), "-03:30");
        assert_eq!(format_offset(3208, false), "+00:53:28");
        assert_eq!(format_offset(0, true), "+00:00");
    }
}
