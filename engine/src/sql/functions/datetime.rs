//! Date and time functions, and the arithmetic of dates with integers.
//!
//! A timestamptz's calendar fields (`extract`, `date_trunc`, `age`, the
//! months and days an interval adds) are the session zone's
//! (`arbor_schema::zone`); its epoch and its difference from another are
//! absolute. As in PostgreSQL, `now()`,
//! `current_timestamp` and `transaction_timestamp()` are the time the
//! transaction started (the statement's, outside a transaction), the same
//! however often they are called; `statement_timestamp()` is the time the
//! statement started; `clock_timestamp()` reads the clock at each call. All
//! come from the session's clock (`crate::env::Clock`), which a front end
//! may fix.
//! The arithmetic of dates, times and intervals is [`arithmetic`]; the
//! interval type itself is `arbor_schema::interval`.

use arbor_schema::interval::IntervalUnit;
use arbor_schema::{Interval, Value};
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};
use rust_decimal::Decimal;

use super::{text_arg, wrong_args};
use crate::env::Clock;
use crate::error::{Error, Result, SqlState};
use crate::sql::planner::expr::BinaryOp;

/// The date and time functions this module answers.
pub const NAMES: &[&str] = &[
    "now",
    "current_timestamp",
    "transaction_timestamp",
    "statement_timestamp",
    "clock_timestamp",
    "localtimestamp",
    "current_date",
    "date_part",
    "extract",
    "date_trunc",
    "make_date",
    "make_time",
    "to_timestamp",
    "age",
    "justify_days",
    "justify_hours",
    "justify_interval",
    "make_interval",
    "timezone",
    "localtime",
    "isfinite",
    "make_timestamp",
    "make_timestamptz",
    "date_bin",
];

fn unit_error(unit: &str, what: &str) -> Error {
    Error::new(
        SqlState::InvalidParameterValue,
        format!("unit \"{unit}\" not supported for type {what}"),
    )
}

/// The times a statement's date and time functions give.
#[derive(Clone, Copy, Debug)]
pub struct Times {
    /// When the transaction started (the statement, outside one).
    pub transaction: DateTime<Utc>,
    /// When the statement started.
    pub statement: DateTime<Utc>,
    /// The clock, for `clock_timestamp()`.
    pub clock: Clock,
}

impl Times {
    /// The times of a statement starting now on `clock`, outside a
    /// transaction, or in one that started at `transaction`.
    pub fn starting(clock: Clock, transaction: Option<DateTime<Utc>>) -> Times {
        let statement = clock.now_utc();
        Times {
            transaction: transaction.unwrap_or(statement),
            statement,
            clock,
        }
    }
}

impl Default for Times {
    /// A statement starting now on the system's clock.
    fn default() -> Times {
        Times::starting(Clock::System, None)
    }
}

/// Calls date/time function `name` on non-NULL `args`.
pub fn call(name: &str, args: &[Value], times: &Times) -> Result<Value> {
    let now = || times.transaction;
    let n = args.len();
    Ok(match (name, args) {
        ("now" | "current_timestamp" | "transaction_timestamp", []) => Value::TimestampTz(now()),
        ("statement_timestamp", []) => Value::TimestampTz(times.statement),
        ("clock_timestamp", []) => Value::TimestampTz(times.clock.now_utc()),
        ("localtimestamp", []) => Value::Timestamp(wall_clock(now())?),
        ("localtime", []) => Value::Time(wall_clock(now())?.time()),
        // Arbor has no infinite dates, timestamps or intervals.
        (
            "isfinite",
            [Value::Date(_) | Value::Timestamp(_) | Value::TimestampTz(_) | Value::Interval(_)],
        ) => Value::Boolean(true),
        ("make_timestamp", [y, m, d, h, mi, s]) => {
            Value::Timestamp(make_timestamp(name, [y, m, d, h, mi, s])?)
        }
        ("make_timestamptz", [y, m, d, h, mi, s]) => {
            Value::TimestampTz(instant(make_timestamp(name, [y, m, d, h, mi, s])?)?)
        }
        // The fields are the wall-clock time of the zone given.
        ("make_timestamptz", [y, m, d, h, mi, s, zone]) => super::zones::at_time_zone(
            zone,
            &Value::Timestamp(make_timestamp(name, [y, m, d, h, mi, s])?),
        )?,
        // Binned in absolute time, whatever the zone.
        ("date_bin", [stride, source, origin]) => {
            match (interval_of(stride), absolute(source), absolute(origin)) {
                (Some(stride), Some(t), Some(o)) => {
                    let binned = date_bin(stride, t, o)?;
                    match source {
                        Value::Timestamp(_) => Value::Timestamp(binned),
                        _ => Value::TimestampTz(binned.and_utc()),
                    }
                }
                _ => return Err(wrong_args(name, n)),
            }
        }
        ("current_date", []) => Value::Date(wall_clock(now())?.date()),
        ("date_part" | "extract", [field, v]) => {
            let lower = text_arg(field).to_lowercase();
            let field = canonical_field(&lower);
            match v {
                Value::Interval(i) => extract_interval(field, *i, name == "extract")?,
                _ => extract(field, v, name == "extract")?,
            }
        }
        ("date_trunc", [unit, v]) => {
            let unit = canonical_field(&text_arg(unit).to_lowercase()).to_owned();
            match v {
                Value::Interval(i) => Value::Interval(
                    IntervalUnit::named(&unit)
                        .filter(|u| *u != IntervalUnit::Week)
                        .map(|u| i.truncate(u))
                        .ok_or_else(|| unit_error(&unit, "interval"))?,
                ),
                Value::Timestamp(t) => Value::Timestamp(truncate(&unit, *t)?),
                // A timestamptz (a date is one, at midnight) is cut in the
                // session's zone.
                Value::TimestampTz(_) | Value::Date(_) => {
                    let local = timestamp_of(v).ok_or_else(|| wrong_args(name, n))?;
                    Value::TimestampTz(instant(truncate(&unit, local)?)?)
                }
                _ => return Err(wrong_args(name, n)),
            }
        }
        ("make_date", [y, m, d]) => {
            let part = |v: &Value| v.as_i64().and_then(|i| i32::try_from(i).ok());
            let date = match (part(y), part(m), part(d)) {
                (Some(y), Some(m), Some(d)) => NaiveDate::from_ymd_opt(
                    y,
                    u32::try_from(m).unwrap_or(0),
                    u32::try_from(d).unwrap_or(0),
                ),
                _ => None,
            };
            Value::Date(date.ok_or_else(|| {
                Error::new(
                    SqlState::DatetimeFieldOverflow,
                    "date field value out of range",
                )
            })?)
        }
        ("make_time", [h, m, sec]) => {
            let part = |v: &Value| v.as_i64().and_then(|i| u32::try_from(i).ok());
            let seconds = sec.as_f64().filter(|s| (0.0..60.0).contains(s));
            let time = match (part(h), part(m), seconds) {
                (Some(h), Some(m), Some(s)) => {
                    let micros = (s * 1e6).round() as u32;
                    NaiveTime::from_hms_micro_opt(h, m, micros / 1_000_000, micros % 1_000_000)
                }
                _ => None,
            };
            Value::Time(time.ok_or_else(|| {
                Error::new(
                    SqlState::DatetimeFieldOverflow,
                    format!("time field value out of range: {}:{}:{}", h, m, sec),
                )
            })?)
        }
        ("age", [a, b]) => match (timestamp_of(a), timestamp_of(b)) {
            (Some(a), Some(b)) => Value::Interval(Interval::age(a, b)?),
            _ => return Err(wrong_args(name, n)),
        },
        // From midnight of today (the transaction's date, in the session's
        // zone, as `current_date`).
        ("age", [v]) => match timestamp_of(v) {
            Some(t) => Value::Interval(Interval::age(
                wall_clock(now())?.date().and_time(NaiveTime::MIN),
                t,
            )?),
            None => return Err(wrong_args(name, n)),
        },
        ("justify_days" | "justify_hours" | "justify_interval", [Value::Interval(i)]) => {
            Value::Interval(match name {
                "justify_days" => i.justify_days()?,
                "justify_hours" => i.justify_hours()?,
                _ => i.justify_interval()?,
            })
        }
        ("make_interval", args) if args.len() <= 7 => make_interval(args)?,
        ("timezone", [zone, t]) => super::zones::at_time_zone(zone, t)?,
        ("to_timestamp", [v]) => {
            let secs = v.as_f64().ok_or_else(|| wrong_args(name, n))?;
            let micros = (secs * 1e6).round();
            if !micros.is_finite() || micros.abs() > 9.2e18 {
                return Err(Error::new(
                    SqlState::DatetimeFieldOverflow,
                    "timestamp out of range",
                ));
            }
            Value::TimestampTz(
                DateTime::from_timestamp_micros(micros as i64).ok_or_else(|| {
                    Error::new(SqlState::DatetimeFieldOverflow, "timestamp out of range")
                })?,
            )
        }
        _ => return Err(wrong_args(name, n)),
    })
}

/// `make_timestamp(year, month, day, hour, min, sec)`: PostgreSQL's
/// checks (a year of 0 does not exist; negative years are BC).
fn make_timestamp(name: &str, [y, m, d, h, mi, s]: [&Value; 6]) -> Result<NaiveDateTime> {
    let int = |v: &Value| v.as_i64().ok_or_else(|| wrong_args(name, 6));
    let (y, m, d, h, mi) = (int(y)?, int(m)?, int(d)?, int(h)?, int(mi)?);
    let seconds = s.as_f64().ok_or_else(|| wrong_args(name, 6))?;
    let overflow = || {
        Error::new(
            SqlState::DatetimeFieldOverflow,
            format!("date field value out of range: {y}-{m:02}-{d:02}"),
        )
    };
    // Year -1 is 1 BC, which chrono counts as year 0.
    let year = match y {
        0 => return Err(overflow()),
        y if y < 0 => y + 1,
        y => y,
    };
    let date = NaiveDate::from_ymd_opt(
        i32::try_from(year).map_err(|_| overflow())?,
        u32::try_from(m).map_err(|_| overflow())?,
        u32::try_from(d).map_err(|_| overflow())?,
    )
    .ok_or_else(overflow)?;
    let micros = (seconds * 1e6).round_ties_even();
    let time = (0..24)
        .contains(&h)
        .then_some(())
        .filter(|_| (0..60).contains(&mi) && (0.0..60e6).contains(&micros))
        .and_then(|_| {
            NaiveTime::from_hms_micro_opt(
                h as u32,
                mi as u32,
                (micros / 1e6) as u32,
                (micros % 1e6) as u32,
            )
        })
        .ok_or_else(|| {
            Error::new(
                SqlState::DatetimeFieldOverflow,
                format!("time field value out of range: {h}:{mi:02}:{seconds:02}"),
            )
        })?;
    Ok(date.and_time(time))
}

/// `date_bin(stride, source, origin)`: the start of the `stride`-wide bin,
/// counted from `origin`, that holds `source` (PostgreSQL 15's rule,
/// including its step back for an origin after the source).
fn date_bin(
    stride: Interval,
    source: NaiveDateTime,
    origin: NaiveDateTime,
) -> Result<NaiveDateTime> {
    if stride.months != 0 {
        return Err(Error::new(
            SqlState::FeatureNotSupported,
            "timestamps cannot be binned into intervals containing months or years",
        ));
    }
    let stride_micros = i64::from(stride.days)
        .checked_mul(arbor_schema::interval::MICROS_PER_DAY)
        .and_then(|d| d.checked_add(stride.micros))
        .filter(|s| *s > 0)
        .ok_or_else(|| {
            Error::new(
                SqlState::DatetimeFieldOverflow,
                "stride must be greater than zero",
            )
        })?;
    let out_of_range = || Error::new(SqlState::DatetimeFieldOverflow, "timestamp out of range");
    let diff = (source - origin)
        .num_microseconds()
        .ok_or_else(out_of_range)?;
    let mut delta = diff - diff % stride_micros;
    if origin > source && stride_micros > 1 {
        delta -= stride_micros;
    }
    origin
        .checked_add_signed(Duration::microseconds(delta))
        .ok_or_else(out_of_range)
}

/// A unit's name as `extract` and `date_trunc` match it: the plural of
/// the sub-second units, the singular of the others (`secs` is `second`,
/// `ms` is `milliseconds`); other names as they are.
fn canonical_field(field: &str) -> &str {
    use IntervalUnit as U;
    match IntervalUnit::named(field) {
        Some(U::Microsecond) => "microseconds",
        Some(U::Millisecond) => "milliseconds",
        Some(U::Second) => "second",
        Some(U::Minute) => "minute",
        Some(U::Hour) => "hour",
        Some(U::Day) => "day",
        Some(U::Week) => "week",
        Some(U::Month) => "month",
        Some(U::Year) => "year",
        Some(U::Decade) => "decade",
        Some(U::Century) => "century",
        Some(U::Millennium) => "millennium",
        None => field,
    }
}

/// `make_interval(years, months, weeks, days, hours, mins, secs)`, each
/// 0 when left out; all but the seconds are integers.
fn make_interval(args: &[Value]) -> Result<Value> {
    let refused = || super::no_such_function("make_interval", args);
    let whole = |i: usize| -> Result<i64> {
        match args.get(i) {
            None => Ok(0),
            Some(v) => v.as_i64().ok_or_else(refused),
        }
    };
    let seconds = match args.get(6) {
        None => 0.0,
        Some(v) => v.as_f64().ok_or_else(refused)?,
    };
    let overflow = || Error::from(arbor_schema::interval::out_of_range());
    let [years, months, weeks, days] = [whole(0)?, whole(1)?, whole(2)?, whole(3)?];
    let months = years
        .checked_mul(12)
        .and_then(|m| m.checked_add(months))
        .ok_or_else(overflow)?;
    let days = weeks
        .checked_mul(7)
        .and_then(|d| d.checked_add(days))
        .ok_or_else(overflow)?;
    let micros = (seconds * 1e6).round_ties_even();
    if !micros.is_finite() || micros.abs() > 9.2e18 {
        return Err(overflow());
    }
    let micros =
        (whole(4)? as i128) * 3_600_000_000 + (whole(5)? as i128) * 60_000_000 + micros as i128;
    Ok(Value::Interval(Interval::new(
        i32::try_from(months).map_err(|_| overflow())?,
        i32::try_from(days).map_err(|_| overflow())?,
        i64::try_from(micros).map_err(|_| overflow())?,
    )))
}

/// A field of an interval, as PostgreSQL breaks it down (hours past 24
/// stay hours; see `Interval::parts`): double for `date_part`, numeric
/// for `EXTRACT` (scale 6 for seconds and the epoch, 3 for milliseconds).
fn extract_interval(field: &str, i: Interval, numeric: bool) -> Result<Value> {
    let p = i.parts();
    let sub_minute = i128::from(p.seconds) * 1_000_000 + i128::from(p.micros);
    let (value, scale): (Decimal, u32) = match field {
        "microseconds" => (Decimal::from_i128_with_scale(sub_minute, 0), 0),
        "milliseconds" => (Decimal::from_i128_with_scale(sub_minute, 3), 3),
        "second" => (Decimal::from_i128_with_scale(sub_minute, 6), 6),
        "minute" => (Decimal::from(p.minutes), 0),
        "hour" => (Decimal::from(p.hours), 0),
        "day" => (Decimal::from(p.days), 0),
        "month" => (Decimal::from(p.months), 0),
        "quarter" => (Decimal::from(p.months / 3 + 1), 0),
        "year" => (Decimal::from(p.years), 0),
        "decade" => (Decimal::from(p.years / 10), 0),
        "century" => (Decimal::from(p.years / 100), 0),
        "millennium" => (Decimal::from(p.years / 1000), 0),
        "epoch" => (Decimal::from_i128_with_scale(i.epoch_micros(), 6), 6),
        _ => return Err(unit_error(field, "interval")),
    };
    Ok(scaled(value, scale, numeric))
}

/// An extracted field: a numeric of `scale` decimals for `EXTRACT`, a
/// double for `date_part`.
fn scaled(mut value: Decimal, scale: u32, numeric: bool) -> Value {
    if numeric {
        value.rescale(scale);
        Value::Numeric(value)
    } else {
        Value::Double(value.to_string().parse().unwrap_or(0.0))
    }
}

/// A field of a date, time or timestamp: double for `date_part`, numeric
/// for `EXTRACT`, as PostgreSQL returns them.
fn extract(field: &str, v: &Value, numeric: bool) -> Result<Value> {
    // A timestamptz's fields are the session zone's wall-clock ones; its
    // epoch is the instant's.
    if let (Value::TimestampTz(t), "epoch") = (v, field) {
        let value =
            Decimal::from(t.timestamp()) + Decimal::new(i64::from(t.timestamp_subsec_micros()), 6);
        return Ok(scaled(value, 6, numeric));
    }
    let (date, time): (Option<NaiveDate>, Option<NaiveTime>) = match v {
        Value::Date(d) => (Some(*d), None),
        Value::Time(t) => (None, Some(*t)),
        Value::Timestamp(t) => (Some(t.date()), Some(t.time())),
        Value::TimestampTz(t) => {
            let local = wall_clock(*t)?;
            (Some(local.date()), Some(local.time()))
        }
        other => {
            return Err(Error::new(
                SqlState::UndefinedFunction,
                format!(
                    "function date_part(unknown, {}) does not exist",
                    other
                        .data_type()
                        .map_or("unknown".into(), |t| t.to_string())
                ),
            ));
        }
    };
    let what = match v {
        Value::Date(_) => "date",
        Value::Time(_) => "time without time zone",
        _ => "timestamp",
    };
    let seconds = |t: NaiveTime| {
        Decimal::from(t.second()) + Decimal::new(i64::from(t.nanosecond() / 1000), 6)
    };
    let value: Decimal = match (field, date, time) {
        ("year", Some(d), _) => Decimal::from(d.year()),
        ("month", Some(d), _) => Decimal::from(d.month()),
        ("day", Some(d), _) => Decimal::from(d.day()),
        ("quarter", Some(d), _) => Decimal::from((d.month() - 1) / 3 + 1),
        ("week", Some(d), _) => Decimal::from(d.iso_week().week()),
        ("dow", Some(d), _) => Decimal::from(d.weekday().num_days_from_sunday()),
        ("isodow", Some(d), _) => Decimal::from(d.weekday().number_from_monday()),
        ("doy", Some(d), _) => Decimal::from(d.ordinal()),
        ("decade", Some(d), _) => Decimal::from(d.year().div_euclid(10)),
        ("isoyear", Some(d), _) => Decimal::from(d.iso_week().year()),
        ("julian", Some(d), None) => Decimal::from(d.num_days_from_ce() + 1_721_425),
        ("century", Some(d), _) => Decimal::from(if d.year() > 0 {
            (d.year() + 99) / 100
        } else {
            -((99 - d.year()) / 100)
        }),
        ("hour", _, Some(t)) => Decimal::from(t.hour()),
        ("minute", _, Some(t)) => Decimal::from(t.minute()),
        ("second", _, Some(t)) => seconds(t),
        ("milliseconds", _, Some(t)) => seconds(t) * Decimal::from(1000),
        ("microseconds", _, Some(t)) => seconds(t) * Decimal::from(1_000_000),
        ("epoch", Some(d), t) => {
            let t = t.unwrap_or(NaiveTime::MIN);
            let dt = NaiveDateTime::new(d, t).and_utc();
            Decimal::from(dt.timestamp()) + Decimal::new(i64::from(dt.timestamp_subsec_micros()), 6)
        }
        ("epoch", None, Some(t)) => {
            Decimal::from(t.num_seconds_from_midnight())
                + Decimal::new(i64::from(t.nanosecond() / 1000), 6)
        }
        _ => return Err(unit_error(field, what)),
    };
    // Seconds and the epoch of a time carry microseconds (a date's epoch
    // is whole), milliseconds thousandths.
    let scale = match (field, v) {
        ("epoch", Value::Date(_)) => 0,
        ("second" | "epoch", _) => 6,
        ("milliseconds", _) => 3,
        _ => 0,
    };
    Ok(scaled(value, scale, numeric))
}

/// `date_trunc(unit, t)`: `t` with every field below `unit` set to its start.
fn truncate(unit: &str, t: NaiveDateTime) -> Result<NaiveDateTime> {
    let d = t.date();
    let day = |date: Option<NaiveDate>| {
        date.map(|d| d.and_time(NaiveTime::MIN))
            .ok_or_else(|| Error::new(SqlState::DatetimeFieldOverflow, "timestamp out of range"))
    };
    let time = |h: u32, m: u32, s: u32, micro: u32| {
        NaiveTime::from_hms_micro_opt(h, m, s, micro)
            .map(|x| d.and_time(x))
            .ok_or_else(|| Error::new(SqlState::DatetimeFieldOverflow, "timestamp out of range"))
    };
    match unit {
        "microseconds" => Ok(t),
        "milliseconds" => time(
            t.hour(),
            t.minute(),
            t.second(),
            t.nanosecond() / 1_000_000 * 1000,
        ),
        "second" => time(t.hour(), t.minute(), t.second(), 0),
        "minute" => time(t.hour(), t.minute(), 0, 0),
        "hour" => time(t.hour(), 0, 0, 0),
        "day" => day(Some(d)),
        "week" => day(Some(
            d - Duration::days(i64::from(d.weekday().num_days_from_monday())),
        )),
        "month" => day(d.with_day(1)),
        "quarter" => day(NaiveDate::from_ymd_opt(
            d.year(),
            (d.month() - 1) / 3 * 3 + 1,
            1,
        )),
        "year" => day(NaiveDate::from_ymd_opt(d.year(), 1, 1)),
        "decade" => day(NaiveDate::from_ymd_opt(d.year().div_euclid(10) * 10, 1, 1)),
        "century" => day(NaiveDate::from_ymd_opt(
            (d.year() - 1).div_euclid(100) * 100 + 1,
            1,
            1,
        )),
        other => Err(unit_error(other, "timestamp")),
    }
}

/// The arithmetic of dates, times, timestamps and intervals, as
/// PostgreSQL's operators define it; `None` when the operands are none of
/// these pairs:
///
/// - `date ± integer` (days) is a date, `date - date` an integer;
/// - `date`, `timestamp` or `timestamptz` `± interval` keeps the
///   timestamp's type (a date becomes a timestamp), `time ± interval` a
///   time of day (around the clock), `date + time` a timestamp;
/// - `timestamp - timestamp` and `time - time` are intervals;
/// - `interval ± interval` adds fields, `interval * number`, `number *
///   interval` and `interval / number` scale them.
pub fn arithmetic(op: BinaryOp, a: &Value, b: &Value) -> Result<Option<Value>> {
    use BinaryOp::{Add, Divide, Multiply, Subtract};
    let days = |v: &Value| {
        v.as_i64()
            .filter(|_| matches!(v, Value::SmallInt(_) | Value::Integer(_) | Value::BigInt(_)))
    };
    let shifted = |d: &NaiveDate, k: i64| {
        d.checked_add_signed(Duration::try_days(k).unwrap_or(Duration::MAX))
            .map(Value::Date)
            .ok_or_else(|| Error::new(SqlState::DatetimeFieldOverflow, "date out of range"))
    };
    let factor = |v: &Value| match v {
        Value::Interval(_) => None,
        other => other.as_f64(),
    };
    Ok(Some(match (op, a, b) {
        (Add, Value::Date(d), n) | (Add, n, Value::Date(d)) if days(n).is_some() => {
            shifted(d, days(n).unwrap_or(0))?
        }
        (Subtract, Value::Date(d), n) if days(n).is_some() => {
            shifted(d, days(n).unwrap_or(0).checked_neg().unwrap_or(i64::MAX))?
        }
        (Subtract, Value::Date(x), Value::Date(y)) => {
            let k = (*x - *y).num_days();
            Value::Integer(i32::try_from(k).map_err(|_| {
                Error::new(SqlState::NumericValueOutOfRange, "integer out of range")
            })?)
        }
        (Add, Value::Date(d), Value::Time(t)) | (Add, Value::Time(t), Value::Date(d)) => {
            Value::Timestamp(d.and_time(*t))
        }
        (Add | Subtract, t, Value::Interval(i)) if timestamp_of(t).is_some() => {
            let i = if op == Subtract { i.negate()? } else { *i };
            shift_timestamp(t, i)?
        }
        (Add, Value::Interval(i), t) if timestamp_of(t).is_some() => shift_timestamp(t, *i)?,
        (Add, Value::Time(t), Value::Interval(i)) | (Add, Value::Interval(i), Value::Time(t)) => {
            Value::Time(i.add_to_time(*t))
        }
        (Subtract, Value::Time(t), Value::Interval(i)) => Value::Time(i.negate()?.add_to_time(*t)),
        (Subtract, Value::Time(x), Value::Time(y)) => {
            Value::Interval(Interval::between_times(*x, *y))
        }
        (Subtract, Value::Timestamp(x), Value::Timestamp(y)) => {
            Value::Interval(Interval::between(*x, *y)?)
        }
        (Subtract, Value::TimestampTz(x), Value::TimestampTz(y)) => {
            Value::Interval(Interval::between(x.naive_utc(), y.naive_utc())?)
        }
        (Add, Value::Interval(x), Value::Interval(y)) => Value::Interval(x.checked_add(*y)?),
        (Subtract, Value::Interval(x), Value::Interval(y)) => Value::Interval(x.checked_sub(*y)?),
        (Multiply, Value::Interval(i), n) | (Multiply, n, Value::Interval(i))
            if factor(n).is_some() =>
        {
            Value::Interval(i.checked_mul(factor(n).unwrap_or(1.0))?)
        }
        (Divide, Value::Interval(i), n) if factor(n).is_some() => {
            let divisor = factor(n).unwrap_or(1.0);
            if divisor == 0.0 {
                return Err(Error::new(SqlState::DivisionByZero, "division by zero"));
            }
            Value::Interval(i.checked_div(divisor)?)
        }
        _ => return Ok(None),
    }))
}

/// An interval, or interval text (an untyped literal: `'15 minutes'`).
pub(super) fn interval_of(v: &Value) -> Option<Interval> {
    match v {
        Value::Interval(i) => Some(*i),
        Value::Text(t) => Interval::parse(t, None).ok(),
        _ => None,
    }
}

/// A date (as its midnight), timestamp or timestamptz as a wall-clock
/// date-time: a timestamptz's in the session's zone.
pub(super) fn timestamp_of(v: &Value) -> Option<NaiveDateTime> {
    match v {
        Value::Date(d) => Some(d.and_time(NaiveTime::MIN)),
        Value::Timestamp(t) => Some(*t),
        Value::TimestampTz(t) => arbor_schema::zone::session_zone().local(*t),
        _ => None,
    }
}

/// A timestamp or timestamptz in absolute time (a timestamptz's UTC, a
/// timestamp as it is), for what counts microseconds whatever the zone.
fn absolute(v: &Value) -> Option<NaiveDateTime> {
    match v {
        Value::TimestampTz(t) => Some(t.naive_utc()),
        other => timestamp_of(other),
    }
}

fn out_of_range() -> Error {
    Error::new(SqlState::DatetimeFieldOverflow, "timestamp out of range")
}

/// The session zone's wall-clock time at `t`.
fn wall_clock(t: DateTime<Utc>) -> Result<NaiveDateTime> {
    Ok(arbor_schema::zone::session_local(t)?)
}

/// The instant the session zone's clocks show `local`.
pub(super) fn instant(local: NaiveDateTime) -> Result<DateTime<Utc>> {
    Ok(arbor_schema::zone::session_instant(local)?)
}

/// `t + i`, keeping a timestamptz's type (a date's is a timestamp). A
/// timestamptz moves by months and days on the session zone's calendar
/// (a day across a change of clocks is 23 or 25 hours, as in
/// PostgreSQL), then by the microseconds in absolute time.
pub(super) fn shift_timestamp(t: &Value, i: Interval) -> Result<Value> {
    Ok(match t {
        Value::TimestampTz(at) => {
            let calendar = Interval::new(i.months, i.days, 0);
            let moved = if calendar == Interval::default() {
                *at
            } else {
                instant(calendar.add_to(wall_clock(*at)?).ok_or_else(out_of_range)?)?
            };
            Value::TimestampTz(
                moved
                    .checked_add_signed(Duration::microseconds(i.micros))
                    .ok_or_else(out_of_range)?,
            )
        }
        _ => Value::Timestamp(
            timestamp_of(t)
                .and_then(|at| i.add_to(at))
                .ok_or_else(out_of_range)?,
        ),
    })
}
