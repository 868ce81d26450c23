//! Casts between SQL types, with PostgreSQL's rules and messages.
//!
//! Two flavours, as in PostgreSQL:
//!
//! - [`cast`] is an explicit `CAST(x AS t)` / `x::t`: text longer than
//!   `varchar(n)` or `char(n)` is cut to `n` characters silently;
//! - [`assign`] is what storing a value into a column of type `t` does: the
//!   same conversions, but too-long text is an error (22001) unless the
//!   excess is spaces.
//!
//! Text converts to every type through the type's input function
//! ([`crate::parse_value`]) and every type converts to text through its
//! output function, except `boolean`, whose cast to text gives `true` and
//! `false` where its output gives `t` and `f`. Numbers convert among
//! themselves with range checks (`smallint out of range`), floats round to
//! integers half to even (`rint`), numerics half away from zero, and
//! `numeric(p, s)` rounds to `s` places and checks `p`. Dates, timestamps
//! and times convert as PostgreSQL does, a timestamptz's date and time
//! being the session zone's (`crate::zone`). Anything else
//! is `cannot cast type A to B` (42846).

use arbor_jsonb::Jsonb;
use chrono::NaiveTime;
use rust_decimal::Decimal;

use crate::error::{ErrorKind, Result, ValueError};
use crate::numeric::{apply_typmod, numeric_from_float, round_to_integer};
use crate::text::{fit_text, parse_value};
use crate::types::DataType;
use crate::value::Value;
use crate::zone::{session_instant, session_local};

/// An explicit cast (`CAST(value AS to)`).
pub fn cast(value: Value, to: &DataType) -> Result<Value> {
    convert(value, to, Mode::Explicit)
}

/// An assignment cast: the conversion done when `value` is stored into a
/// column of type `to`.
pub fn assign(value: Value, to: &DataType) -> Result<Value> {
    convert(value, to, Mode::Assignment)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Explicit,
    Assignment,
}

fn convert(value: Value, to: &DataType, mode: Mode) -> Result<Value> {
    use DataType as T;
    if value.is_null() {
        return Ok(Value::Null);
    }
    // A value of the very type is itself: no copy (the common case of every
    // INSERT and import). A type with a length or precision limit never
    // matches: a value's own type has none.
    if matches!((&value, to), (Value::Text(_), DataType::Text))
        || value.data_type().as_ref() == Some(to)
    {
        return Ok(value);
    }
    if to.is_text() {
        let text = match value {
            Value::Text(s) | Value::Json(s) => s,
            Value::Boolean(b) => if b { "true" } else { "false" }.to_owned(),
            other => other.to_string(),
        };
        return Ok(Value::Text(fit(&text, to, mode)?));
    }
    if let Value::Text(s) = &value {
        return parse_value(s, to);
    }
    let source = value
        .data_type()
        .expect("NULL returned early, so the value has a type");
    let no_cast = || ValueError::cannot_cast(&source, to);
    Ok(match to {
        T::SmallInt | T::Integer | T::BigInt => to_integer(&value, to).ok_or_else(no_cast)??,
        // From text (read above) or its own type (kept above) only.
        T::Enum(_) => return Err(no_cast()),
        T::Real | T::Double => {
            let f = match &value {
                Value::SmallInt(_) | Value::Integer(_) | Value::BigInt(_) => {
                    value.as_i64().map(|i| i as f64)
                }
                Value::Real(f) => Some(f64::from(*f)),
                Value::Double(f) => Some(*f),
                Value::Numeric(d) => Some(numeric_to_f64(d)),
                _ => None,
            }
            .ok_or_else(no_cast)?;
            if *to == T::Real {
                Value::Real(narrow_float(f)?)
            } else {
                Value::Double(f)
            }
        }
        T::Numeric(typmod) => {
            let d = match &value {
                Value::SmallInt(_) | Value::Integer(_) | Value::BigInt(_) => {
                    Decimal::from(value.as_i64().ok_or_else(no_cast)?)
                }
                Value::Real(f) => numeric_from_float(f64::from(*f), true)?,
                Value::Double(f) => numeric_from_float(*f, false)?,
                Value::Numeric(d) => *d,
                _ => return Err(no_cast()),
            };
            Value::Numeric(match typmod {
                Some((p, s)) => apply_typmod(d, *p, *s)?,
                None => d,
            })
        }
        T::Boolean => match value {
            Value::Boolean(b) => Value::Boolean(b),
            // Only integer (int4) casts to boolean in PostgreSQL.
            Value::Integer(i) => Value::Boolean(i != 0),
            _ => return Err(no_cast()),
        },
        // A timestamptz's date, time and timestamp are the session zone's
        // wall-clock ones; a date or timestamp as a timestamptz is read
        // there.
        T::Date => match value {
            Value::Date(d) => Value::Date(d),
            Value::Timestamp(t) => Value::Date(t.date()),
            Value::TimestampTz(t) => Value::Date(session_local(t)?.date()),
            _ => return Err(no_cast()),
        },
        T::Time => match value {
            Value::Time(t) => Value::Time(t),
            Value::Interval(i) => Value::Time(i.time_of_day()),
            Value::Timestamp(t) => Value::Time(t.time()),
            Value::TimestampTz(t) => Value::Time(session_local(t)?.time()),
            _ => return Err(no_cast()),
        },
        T::Timestamp => match value {
            Value::Timestamp(t) => Value::Timestamp(t),
            Value::Date(d) => Value::Timestamp(d.and_time(NaiveTime::MIN)),
            Value::TimestampTz(t) => Value::Timestamp(session_local(t)?),
            _ => return Err(no_cast()),
        },
        T::TimestampTz => match value {
            Value::TimestampTz(t) => Value::TimestampTz(t),
            Value::Date(d) => Value::TimestampTz(session_instant(d.and_time(NaiveTime::MIN))?),
            Value::Timestamp(t) => Value::TimestampTz(session_instant(t)?),
            _ => return Err(no_cast()),
        },
        T::Interval => match value {
            Value::Interval(i) => Value::Interval(i),
            Value::Time(t) => Value::Interval(crate::Interval::of_time(t)),
            _ => return Err(no_cast()),
        },
        T::Uuid => match value {
            Value::Uuid(u) => Value::Uuid(u),
            _ => return Err(no_cast()),
        },
        T::Bytea => match value {
            Value::Bytea(b) => Value::Bytea(b),
            _ => return Err(no_cast()),
        },
        T::Json => match value {
            Value::Json(s) => Value::Json(s),
            Value::Jsonb(j) => Value::Json(j.to_string()),
            _ => return Err(no_cast()),
        },
        T::Jsonb => match value {
            Value::Jsonb(j) => Value::Jsonb(j),
            Value::Json(s) => Value::Jsonb(Jsonb::parse(&s).map_err(|e| {
                ValueError::new(
                    ErrorKind::InvalidTextRepresentation,
                    "invalid input syntax for type json",
                )
                .with_detail(e.to_string())
            })?),
            _ => return Err(no_cast()),
        },
        // An array casts element by element (`int2[]` to `integer[]`).
        T::Array(element) | T::Vector(element) => match value {
            Value::Array(items) => Value::Array(
                items
                    .into_iter()
                    .map(|v| convert(v, element, mode))
                    .collect::<Result<_>>()?,
            ),
            _ => return Err(no_cast()),
        },
        // Handled before the match; kept so the match stays exhaustive.
        T::Text | T::Varchar(_) | T::Char(_) => Value::Text(fit(&value.to_string(), to, mode)?),
    })
}

/// Text into `varchar(n)`/`char(n)`: cut silently by an explicit cast, an
/// error (unless only spaces are cut) by assignment.
fn fit(text: &str, to: &DataType, mode: Mode) -> Result<String> {
    let (limit, pad) = match to {
        DataType::Varchar(limit) => (*limit, false),
        DataType::Char(n) => (Some(*n), true),
        _ => (None, false),
    };
    match (mode, limit) {
        (Mode::Explicit, Some(n)) => {
            let cut: String = text.chars().take(n as usize).collect();
            fit_text(&cut, limit, to, pad)
        }
        _ => fit_text(text, limit, to, pad),
    }
}

/// A numeric value as an integer of type `to`; `None` if the source type
/// does not cast to integers at all.
fn to_integer(value: &Value, to: &DataType) -> Option<Result<Value>> {
    let out_of_range = || ValueError::out_of_range(to);
    let i: Result<i64> = match value {
        Value::SmallInt(_) | Value::Integer(_) | Value::BigInt(_) => Ok(value.as_i64()?),
        Value::Real(_) | Value::Double(_) => {
            let f = value.as_f64()?;
            // PostgreSQL rounds floats with rint(): half to even.
            let r = f.round_ties_even();
            // i64::MAX as f64 is 2^63, itself out of range.
            if r.is_finite() && r >= i64::MIN as f64 && r < i64::MAX as f64 {
                Ok(r as i64)
            } else {
                Err(out_of_range())
            }
        }
        Value::Numeric(d) => i64::try_from(round_to_integer(*d)).map_err(|_| out_of_range()),
        Value::Boolean(b) if *to == DataType::Integer => Ok(i64::from(*b)),
        _ => return None,
    };
    Some(i.and_then(|i| integer_value(i, to)))
}

/// An i64 as a value of integer type `to`, range-checked.
pub fn integer_value(i: i64, to: &DataType) -> Result<Value> {
    let out_of_range = || ValueError::out_of_range(to);
    Ok(match to {
        DataType::SmallInt => Value::SmallInt(i16::try_from(i).map_err(|_| out_of_range())?),
        DataType::Integer => Value::Integer(i32::try_from(i).map_err(|_| out_of_range())?),
        _ => Value::BigInt(i),
    })
}

fn numeric_to_f64(d: &Decimal) -> f64 {
    // The shortest decimal text parses to the correctly rounded double.
    d.to_string().parse().unwrap_or(f64::NAN)
}

/// double precision to real: overflow and underflow are errors.
fn narrow_float(f: f64) -> Result<f32> {
    let narrow = f as f32;
    if narrow.is_infinite() && f.is_finite() {
        return Err(ValueError::new(
            ErrorKind::NumericValueOutOfRange,
            "value out of range: overflow",
        ));
    }
    if narrow == 0.0 && f != 0.0 {
        return Err(ValueError::new(
            ErrorKind::NumericValueOutOfRange,
            "value out of range: underflow",
        ));
    }
    Ok(narrow)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn c(v: Value, t: DataType) -> String {
        cast(v, &t).unwrap().to_string()
    }

    fn e(v: Value, t: DataType) -> (&'static str, String) {
        let e = cast(v, &t).unwrap_err();
        (e.code, e.message)
    }

    #[test]
    fn text_to_numbers() {
        assert_eq!(c(Value::Text(" 42 ".into()), DataType::Integer), "42");
        assert_eq!(
            e(Value::Text("abc".into()), DataType::Integer),
            (
                "22P02",
                "invalid input syntax for type integer: \"abc\"".into()
            )
        );
        assert_eq!(
            c(Value::Text("1.50".into()), DataType::Numeric(None)),
            "1.50"
        );
        assert_eq!(
            c(Value::Text("1.5".into()), DataType::Numeric(Some((4, 2)))),
            "1.50"
        );
    }

    #[test]
    fn integer_ranges() {
        assert_eq!(
            e(Value::Integer(40_000), DataType::SmallInt),
            ("22003", "smallint out of range".into())
        );
        assert_eq!(
            e(Value::BigInt(1 << 40), DataType::Integer),
            ("22003", "integer out of range".into())
        );
        assert_eq!(
            e(Value::Double(1e19), DataType::BigInt),
            ("22003", "bigint out of range".into())
        );
        assert_eq!(e(Value::Double(f64::NAN), DataType::Integer).0, "22003");
        assert_eq!(c(Value::SmallInt(-3), DataType::BigInt), "-3");
    }

    #[test]
    fn rounding_to_integers() {
        // Floats round half to even, numerics half away from zero.
        assert_eq!(c(Value::Double(2.5), DataType::Integer), "2");
        assert_eq!(c(Value::Double(3.5), DataType::Integer), "4");
        assert_eq!(c(Value::Real(-2.5), DataType::SmallInt), "-2");
        assert_eq!(
            c(Value::Numeric(Decimal::new(25, 1)), DataType::Integer),
            "3"
        );
        assert_eq!(
            c(Value::Numeric(Decimal::new(-25, 1)), DataType::Integer),
            "-3"
        );
    }

    #[test]
    fn numeric_targets() {
        assert_eq!(c(Value::Double(0.1), DataType::Numeric(None)), "0.1");
        assert_eq!(
            c(Value::Integer(7), DataType::Numeric(Some((5, 2)))),
            "7.00"
        );
        assert_eq!(
            e(Value::Integer(1000), DataType::Numeric(Some((5, 2)))),
            ("22003", "numeric field overflow".into())
        );
        assert_eq!(
            e(Value::Double(f64::NAN), DataType::Numeric(None)).0,
            "0A000"
        );
        assert_eq!(
            c(Value::Numeric(Decimal::new(15, 1)), DataType::Double),
            "1.5"
        );
        assert_eq!(
            e(Value::Double(1e300), DataType::Real),
            ("22003", "value out of range: overflow".into())
        );
        assert_eq!(
            e(Value::Double(1e-300), DataType::Real),
            ("22003", "value out of range: underflow".into())
        );
    }

    #[test]
    fn text_targets() {
        assert_eq!(c(Value::Boolean(true), DataType::Text), "true");
        assert_eq!(c(Value::Double(1e20), DataType::Text), "1e+20");
        assert_eq!(
            c(Value::Text("hello".into()), DataType::Varchar(Some(3))),
            "hel"
        );
        assert_eq!(c(Value::Text("hi".into()), DataType::Char(4)), "hi  ");
        assert_eq!(c(Value::Text("hello".into()), DataType::Char(3)), "hel");
        let long = assign(Value::Text("hello".into()), &DataType::Varchar(Some(3))).unwrap_err();
        assert_eq!(
            (long.code, long.message.as_str()),
            ("22001", "value too long for type character varying(3)")
        );
        assert_eq!(
            assign(Value::Text("abc   ".into()), &DataType::Varchar(Some(3))).unwrap(),
            Value::Text("abc".into())
        );
        assert_eq!(
            assign(Value::Integer(12345), &DataType::Char(3))
                .unwrap_err()
                .code,
            "22001"
        );
        assert_eq!(c(Value::Bytea(vec![1, 171]), DataType::Text), "\\x01ab");
    }

    #[test]
    fn booleans() {
        assert_eq!(c(Value::Integer(5), DataType::Boolean), "t");
        assert_eq!(c(Value::Boolean(true), DataType::Integer), "1");
        assert_eq!(
            e(Value::SmallInt(1), DataType::Boolean),
            ("42846", "cannot cast type smallint to boolean".into())
        );
        assert_eq!(c(Value::Text("yes".into()), DataType::Boolean), "t");
    }

    #[test]
    fn dates_and_times() {
        let d = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
        let t = d.and_hms_opt(12, 30, 0).unwrap();
        assert_eq!(
            c(Value::Date(d), DataType::Timestamp),
            "2024-03-01 00:00:00"
        );
        assert_eq!(
            c(Value::Date(d), DataType::TimestampTz),
            "2024-03-01 00:00:00+00"
        );
        assert_eq!(c(Value::Timestamp(t), DataType::Date), "2024-03-01");
        assert_eq!(c(Value::Timestamp(t), DataType::Time), "12:30:00");
        assert_eq!(
            c(Value::Timestamp(t), DataType::TimestampTz),
            "2024-03-01 12:30:00+00"
        );
        assert_eq!(
            e(Value::Date(d), DataType::Integer),
            ("42846", "cannot cast type date to integer".into())
        );
        assert_eq!(
            e(Value::Time(t.time()), DataType::Date),
            (
                "42846",
                "cannot cast type time without time zone to date".into()
            )
        );
    }

    #[test]
    fn json_and_others() {
        let j = cast(Value::Json("{\"b\": 1,\"a\":[]}".into()), &DataType::Jsonb).unwrap();
        assert_eq!(j.to_string(), "{\"a\": [], \"b\": 1}");
        assert_eq!(c(j, DataType::Json), "{\"a\": [], \"b\": 1}");
        assert_eq!(cast(Value::Null, &DataType::Uuid).unwrap(), Value::Null);
        assert_eq!(
            e(Value::Uuid(uuid::Uuid::nil()), DataType::Bytea).0,
            "42846"
        );
        assert_eq!(c(Value::Text("\\x0102".into()), DataType::Bytea), "\\x0102");
    }
}
