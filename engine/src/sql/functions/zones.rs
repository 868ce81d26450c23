//! Time zones for `AT TIME ZONE` and `timezone(zone, t)`.
//!
//! A zone is named three ways, as PostgreSQL names them: an IANA name
//! (`Europe/Berlin`, any case; the `chrono-tz` crate holds the database,
//! compiled in, so nothing is read at run time), a common abbreviation
//! (`EST`, `PDT`, `CET`: a fixed offset), or a POSIX offset (`+05`,
//! `UTC-3:30`), which counts hours *west* of Greenwich, so `+05` is five
//! hours behind UTC. An `interval` is an offset east (`INTERVAL '+05:00'`).
//!
//! A wall-clock time that a zone skips (the hour clocks jump over) or
//! repeats (the hour they go back over) is read at the zone's standard
//! offset, as PostgreSQL reads it: 02:30 on the night New York springs
//! forward is 07:30 UTC, and 01:30 on the night it falls back is 06:30.

use arbor_schema::Value;
use chrono::{DateTime, Duration, NaiveDateTime, NaiveTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;

use crate::error::{Error, Result, SqlState};

/// A time zone: a fixed offset east of UTC, in seconds, or a named zone
/// whose offset changes with the date.
#[derive(Clone, Copy, Debug)]
enum Zone {
    Fixed(i64),
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

fn not_recognized(name: &str) -> Error {
    Error::new(
        SqlState::InvalidParameterValue,
        format!("time zone \"{name}\" not recognized"),
    )
}

/// The zone `v` names (text or an interval).
fn zone_of(v: &Value) -> Result<Zone> {
    match v {
        Value::Interval(i) => {
            if i.months != 0 || i.days != 0 {
                return Err(Error::new(
                    SqlState::InvalidParameterValue,
                    format!("interval time zone \"{i}\" must not include months or days"),
                ));
            }
            Ok(Zone::Fixed(i.micros / 1_000_000))
        }
        Value::Text(name) => named_zone(name),
        other => Err(Error::new(
            SqlState::UndefinedFunction,
            format!(
                "function timezone({}, ...) does not exist",
                other
                    .data_type()
                    .map_or_else(|| "unknown".to_owned(), |t| t.to_string())
            ),
        )),
    }
}

fn named_zone(name: &str) -> Result<Zone> {
    let lower = name.trim().to_ascii_lowercase();
    if let Some((_, minutes)) = ABBREVIATIONS.iter().find(|(a, _)| *a == lower) {
        return Ok(Zone::Fixed(minutes * 60));
    }
    if let Ok(tz) = name.trim().parse::<Tz>() {
        return Ok(Zone::Named(tz));
    }
    if let Some(tz) = chrono_tz::TZ_VARIANTS
        .iter()
        .find(|tz| tz.name().eq_ignore_ascii_case(name.trim()))
    {
        return Ok(Zone::Named(*tz));
    }
    let posix = lower
        .strip_prefix("utc")
        .or_else(|| lower.strip_prefix("gmt"))
        .unwrap_or(&lower);
    posix_offset(posix)
        .map(|west| Zone::Fixed(-west))
        .ok_or_else(|| not_recognized(name))
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

impl Zone {
    /// The zone's wall-clock time at `instant`.
    fn local(self, instant: DateTime<Utc>) -> Option<NaiveDateTime> {
        match self {
            Zone::Fixed(east) => instant
                .naive_utc()
                .checked_add_signed(Duration::seconds(east)),
            Zone::Named(tz) => Some(tz.from_utc_datetime(&instant.naive_utc()).naive_local()),
        }
    }

    /// The instant the zone's clocks show `local`: the later of two where
    /// the clocks go back, and at the offset before the jump where they
    /// skip it.
    fn instant(self, local: NaiveDateTime) -> Option<DateTime<Utc>> {
        match self {
            Zone::Fixed(east) => Some(local.checked_sub_signed(Duration::seconds(east))?.and_utc()),
            Zone::Named(tz) => {
                let offset = match tz.from_local_datetime(&local) {
                    chrono::LocalResult::Single(t) => t.offset().fix(),
                    chrono::LocalResult::Ambiguous(_, later) => later.offset().fix(),
                    chrono::LocalResult::None => tz
                        .from_local_datetime(&local.checked_sub_signed(Duration::hours(3))?)
                        .latest()?
                        .offset()
                        .fix(),
                };
                Some(
                    local
                        .checked_sub_signed(Duration::seconds(i64::from(offset.local_minus_utc())))?
                        .and_utc(),
                )
            }
        }
    }
}

/// `t AT TIME ZONE zone` (and `timezone(zone, t)`): a timestamptz (or a
/// date, at midnight UTC) as the zone's wall-clock time, a plain
/// timestamp read as the zone's wall-clock time.
pub fn at_time_zone(zone: &Value, t: &Value) -> Result<Value> {
    let zone = zone_of(zone)?;
    let out_of_range = || Error::new(SqlState::DatetimeFieldOverflow, "timestamp out of range");
    Ok(match t {
        Value::TimestampTz(instant) => {
            Value::Timestamp(zone.local(*instant).ok_or_else(out_of_range)?)
        }
        Value::Date(d) => Value::Timestamp(
            zone.local(d.and_time(NaiveTime::MIN).and_utc())
                .ok_or_else(out_of_range)?,
        ),
        Value::Timestamp(local) => {
            Value::TimestampTz(zone.instant(*local).ok_or_else(out_of_range)?)
        }
        other => {
            return Err(Error::new(
                SqlState::FeatureNotSupported,
                format!(
                    "AT TIME ZONE of a {} value is not supported",
                    other
                        .data_type()
                        .map_or_else(|| "NULL".to_owned(), |t| t.to_string())
                ),
            ));
        }
    })
}

/// The offset of an interval zone, for tests.
#[cfg(test)]
fn offset_of(i: arbor_schema::Interval) -> Option<i64> {
    match zone_of(&Value::Interval(i)).ok()? {
        Zone::Fixed(s) => Some(s),
        Zone::Named(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn to_utc(zone: &str, local: &str) -> String {
        match at_time_zone(&Value::Text(zone.into()), &Value::Timestamp(ts(local))).unwrap() {
            Value::TimestampTz(t) => t.naive_utc().format("%Y-%m-%d %H:%M").to_string(),
            other => panic!("{other:?}"),
        }
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
        use arbor_schema::Interval;
        assert_eq!(
            offset_of(Interval::new(0, 0, 5 * 3_600_000_000)),
            Some(18_000)
        );
        assert!(offset_of(Interval::new(0, 1, 0)).is_none());
        assert!(named_zone("Mars/Base").is_err());
        assert!(named_zone("+99").is_err());
    }
}
