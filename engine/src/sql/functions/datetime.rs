//! Date and time functions, and the arithmetic of dates with integers.
//!
//! Times are in UTC (Arbor's `TimeZone`). As in PostgreSQL, `now()`,
//! `current_timestamp` and `transaction_timestamp()` are the time the
//! transaction started (the statement's, outside a transaction), the same
//! however often they are called; `statement_timestamp()` is the time the
//! statement started; `clock_timestamp()` reads the clock at each call. All
//! come from the session's clock (`crate::env::Clock`), which a front end
//! may fix.
//! There is no `interval` type yet, so `date_trunc` and `date_part` cover
//! the common fields and date arithmetic counts days.

use arbor_schema::Value;
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
        ("localtimestamp", []) => Value::Timestamp(now().naive_utc()),
        ("current_date", []) => Value::Date(now().date_naive()),
        ("date_part" | "extract", [field, v]) => {
            let field = text_arg(field).to_lowercase();
            extract(&field, v, name == "extract")?
        }
        ("date_trunc", [unit, v]) => {
            let unit = text_arg(unit).to_lowercase();
            match v {
                Value::Timestamp(t) => Value::Timestamp(truncate(&unit, *t)?),
                Value::TimestampTz(t) => {
                    Value::TimestampTz(truncate(&unit, t.naive_utc())?.and_utc())
                }
                Value::Date(d) => {
                    Value::TimestampTz(truncate(&unit, d.and_time(NaiveTime::MIN))?.and_utc())
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

/// A field of a date, time or timestamp: double for `date_part`, numeric
/// for `EXTRACT`, as PostgreSQL returns them.
fn extract(field: &str, v: &Value, numeric: bool) -> Result<Value> {
    let (date, time): (Option<NaiveDate>, Option<NaiveTime>) = match v {
        Value::Date(d) => (Some(*d), None),
        Value::Time(t) => (None, Some(*t)),
        Value::Timestamp(t) => (Some(t.date()), Some(t.time())),
        Value::TimestampTz(t) => (Some(t.date_naive()), Some(t.time())),
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
    Ok(if numeric {
        Value::Numeric(value.normalize())
    } else {
        Value::Double(value.to_string().parse().unwrap_or(0.0))
    })
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

/// `date + integer`, `date - integer` and `date - date` (a number of days);
/// `None` when the operands are not these.
pub fn arithmetic(op: BinaryOp, a: &Value, b: &Value) -> Result<Option<Value>> {
    let days = |v: &Value| {
        v.as_i64()
            .filter(|_| matches!(v, Value::SmallInt(_) | Value::Integer(_) | Value::BigInt(_)))
    };
    let shifted = |d: &NaiveDate, k: i64| {
        d.checked_add_signed(Duration::try_days(k).unwrap_or(Duration::MAX))
            .map(Value::Date)
            .ok_or_else(|| Error::new(SqlState::DatetimeFieldOverflow, "date out of range"))
    };
    Ok(match (op, a, b) {
        (BinaryOp::Add, Value::Date(d), n) if days(n).is_some() => {
            Some(shifted(d, days(n).unwrap_or(0))?)
        }
        (BinaryOp::Add, n, Value::Date(d)) if days(n).is_some() => {
            Some(shifted(d, days(n).unwrap_or(0))?)
        }
        (BinaryOp::Subtract, Value::Date(d), n) if days(n).is_some() => Some(shifted(
            d,
            days(n).unwrap_or(0).checked_neg().unwrap_or(i64::MAX),
        )?),
        (BinaryOp::Subtract, Value::Date(x), Value::Date(y)) => {
            let k = (*x - *y).num_days();
            Some(Value::Integer(i32::try_from(k).map_err(|_| {
                Error::new(SqlState::NumericValueOutOfRange, "integer out of range")
            })?))
        }
        _ => None,
    })
}
