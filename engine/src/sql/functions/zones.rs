//! `AT TIME ZONE` and `timezone(zone, t)`: a timestamptz as a zone's
//! wall-clock time, and a wall-clock time read in a zone.
//!
//! The zone is named as `arbor_schema::zone` reads names (IANA names,
//! abbreviations, POSIX offsets), or given as an `interval`, an offset
//! east (`INTERVAL '+05:00'`).

use arbor_schema::Value;
use arbor_schema::zone::Zone;
use chrono::NaiveTime;

use crate::error::{Error, Result, SqlState};

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
        Value::Text(name) => Zone::named(name).ok_or_else(|| not_recognized(name)),
        other => Err(Error::new(
            SqlState::UndefinedFunction,
            format!(
                "function timezone({}, ...) does not exist",
                crate::sql::eval::type_name(other)
            ),
        )),
    }
}

/// 22023: `time zone "x" not recognized`.
fn not_recognized(name: &str) -> Error {
    Error::new(
        SqlState::InvalidParameterValue,
        format!("time zone \"{name}\" not recognized"),
    )
}

/// `t AT TIME ZONE zone` (and `timezone(zone, t)`): a timestamptz (or a
/// date, at midnight in the session's zone) as the zone's wall-clock time,
/// a plain timestamp read as the zone's wall-clock time.
pub fn at_time_zone(zone: &Value, t: &Value) -> Result<Value> {
    let zone = zone_of(zone)?;
    let out_of_range = || Error::new(SqlState::DatetimeFieldOverflow, "timestamp out of range");
    Ok(match t {
        Value::TimestampTz(instant) => {
            Value::Timestamp(zone.local(*instant).ok_or_else(out_of_range)?)
        }
        Value::Date(d) => Value::Timestamp(
            arbor_schema::zone::session_zone()
                .instant(d.and_time(NaiveTime::MIN))
                .and_then(|midnight| zone.local(midnight))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interval_zone_is_an_offset_east_without_days() {
        use arbor_schema::Interval;
        let five = Value::Interval(Interval::new(0, 0, 5 * 3_600_000_000));
        assert_eq!(zone_of(&five).unwrap(), Zone::Fixed(18_000));
        assert!(zone_of(&Value::Interval(Interval::new(0, 1, 0))).is_err());
        assert!(zone_of(&Value::Text("Mars/Base".into())).is_err());
    }
}
