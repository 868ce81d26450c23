//! SQL values with PostgreSQL's semantics for comparison and text output.
//!
//! Comparisons between values are three-valued, as in SQL: comparing with
//! NULL gives "unknown" ([`Value::sql_cmp`] returns `None`). For sorting,
//! grouping and keys a total order is needed: [`Value::total_cmp`] puts NULL
//! after every other value (PostgreSQL's default `NULLS LAST` for ascending
//! order), treats NaN as equal to itself and greater than every other float,
//! and `-0` as equal to `0`, all as PostgreSQL does.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

use arbor_jsonb::Jsonb;
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::interval::Interval;
use crate::text::{self, format_float};
use std::sync::Arc;

use crate::types::{DataType, EnumType};

/// A SQL value.
#[derive(Clone, Debug)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// `boolean`
    Boolean(bool),
    /// `smallint`
    SmallInt(i16),
    /// `integer`
    Integer(i32),
    /// `bigint`
    BigInt(i64),
    /// `real`
    Real(f32),
    /// `double precision`
    Double(f64),
    /// `numeric` (28 significant digits; see docs/schema.md)
    Numeric(Decimal),
    /// `text`, `varchar`, `char`
    Text(String),
    /// `bytea`
    Bytea(Vec<u8>),
    /// `date`
    Date(NaiveDate),
    /// `time`
    Time(NaiveTime),
    /// `timestamp`
    Timestamp(NaiveDateTime),
    /// `timestamptz`, held in UTC
    TimestampTz(DateTime<Utc>),
    /// `interval`
    Interval(Interval),
    /// `uuid`
    Uuid(Uuid),
    /// `json`, the text as written
    Json(String),
    /// `jsonb`
    Jsonb(Jsonb),
    /// A one-dimensional array (see [`crate::array`]): a value of queries,
    /// never stored in a table.
    Array(Vec<Value>),
    /// A value of an enum type: its label's position in the type.
    Enum(Arc<EnumType>, u32),
}

impl Value {
    /// The value as a SQL literal that reads back as the same value: text
    /// quoted, numbers bare, other types quoted with a cast.
    pub fn sql_literal(&self) -> String {
        let quoted = |s: &str| format!("'{}'", s.replace('\'', "''"));
        let cast = |ty: &str| format!("{}::{ty}", quoted(&self.to_string()));
        match self {
            Value::Null => "NULL".into(),
            Value::Boolean(b) => (if *b { "TRUE" } else { "FALSE" }).into(),
            Value::SmallInt(_) | Value::Integer(_) | Value::BigInt(_) | Value::Numeric(_) => {
                self.to_string()
            }
            Value::Double(d) => {
                let text = self.to_string();
                if d.is_finite() && !text.contains(['e', 'E']) {
                    if text.contains('.') {
                        text
                    } else {
                        format!("{text}.0")
                    }
                } else {
                    cast("double precision")
                }
            }
            Value::Real(_) => cast("real"),
            Value::Text(s) => quoted(s),
            Value::Bytea(_) => cast("bytea"),
            Value::Date(_) => cast("date"),
            Value::Time(_) => cast("time"),
            Value::Timestamp(_) => cast("timestamp"),
            Value::TimestampTz(_) => cast("timestamptz"),
            Value::Interval(_) => cast("interval"),
            Value::Uuid(_) => cast("uuid"),
            Value::Json(_) => cast("json"),
            Value::Jsonb(_) => cast("jsonb"),
            Value::Array(_) => match self.data_type() {
                Some(t) => cast(&t.to_string()),
                None => cast("text[]"),
            },
            // Untyped, so it reads as the column's enum type where it goes.
            Value::Enum(..) => quoted(&self.to_string()),
        }
    }

    /// Whether the value is NULL.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The type of a non-NULL value (`None` for NULL, which has no type of its own).
    pub fn data_type(&self) -> Option<DataType> {
        Some(match self {
            Value::Null => return None,
            Value::Boolean(_) => DataType::Boolean,
            Value::SmallInt(_) => DataType::SmallInt,
            Value::Integer(_) => DataType::Integer,
            Value::BigInt(_) => DataType::BigInt,
            Value::Real(_) => DataType::Real,
            Value::Double(_) => DataType::Double,
            Value::Numeric(_) => DataType::Numeric(None),
            Value::Text(_) => DataType::Text,
            Value::Bytea(_) => DataType::Bytea,
            Value::Date(_) => DataType::Date,
            Value::Time(_) => DataType::Time,
            Value::Timestamp(_) => DataType::Timestamp,
            Value::TimestampTz(_) => DataType::TimestampTz,
            Value::Interval(_) => DataType::Interval,
            Value::Uuid(_) => DataType::Uuid,
            Value::Json(_) => DataType::Json,
            Value::Jsonb(_) => DataType::Jsonb,
            Value::Array(elements) => {
                DataType::Array(Box::new(crate::array::element_type(elements)))
            }
            Value::Enum(t, _) => DataType::Enum(t.clone()),
        })
    }

    /// The value as an i64, if it is an integer.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::SmallInt(v) => Some(i64::from(*v)),
            Value::Integer(v) => Some(i64::from(*v)),
            Value::BigInt(v) => Some(*v),
            _ => None,
        }
    }

    /// The value as an f64, if it is numeric.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Real(v) => Some(f64::from(*v)),
            Value::Double(v) => Some(*v),
            Value::Numeric(d) => d.to_string().parse().ok(),
            other => other.as_i64().map(|i| i as f64),
        }
    }

    /// The family a value compares within: values of different families are
    /// not comparable (the binder inserts casts first).
    fn family(&self) -> u8 {
        match self {
            Value::Null => 0,
            Value::Boolean(_) => 1,
            Value::SmallInt(_)
            | Value::Integer(_)
            | Value::BigInt(_)
            | Value::Real(_)
            | Value::Double(_)
            | Value::Numeric(_) => 2,
            Value::Text(_) => 3,
            Value::Bytea(_) => 4,
            Value::Date(_) | Value::Timestamp(_) | Value::TimestampTz(_) => 5,
            Value::Time(_) => 6,
            Value::Uuid(_) => 7,
            Value::Json(_) => 8,
            Value::Jsonb(_) => 9,
            Value::Array(_) => 10,
            Value::Interval(_) => 11,
            Value::Enum(..) => 12,
        }
    }

    /// SQL comparison: `None` if either side is NULL or the types do not compare.
    pub fn sql_cmp(&self, other: &Value) -> Option<Ordering> {
        if self.is_null() || other.is_null() || self.family() != other.family() {
            return None;
        }
        Some(self.total_cmp(other))
    }

    /// A total order for sorting, grouping and keys: NULL last, NaN above all
    /// numbers, `-0 = 0`; values of different families order by family.
    pub fn total_cmp(&self, other: &Value) -> Ordering {
        use Value::*;
        match (self, other) {
            (Null, Null) => Ordering::Equal,
            (Null, _) => Ordering::Greater,
            (_, Null) => Ordering::Less,
            (Boolean(a), Boolean(b)) => a.cmp(b),
            (Text(a), Text(b)) => a.as_bytes().cmp(b.as_bytes()),
            (Bytea(a), Bytea(b)) => a.cmp(b),
            (Time(a), Time(b)) => a.cmp(b),
            // By span: '1 mon' = '30 days', as in PostgreSQL.
            (Interval(a), Interval(b)) => a.span().cmp(&b.span()),
            (Uuid(a), Uuid(b)) => a.cmp(b),
            // Values of one enum type sort by their labels' order; of
            // different types (never compared after binding), by name.
            (Enum(t, a), Enum(u, b)) => t.name.cmp(&u.name).then(a.cmp(b)),
            (Json(a), Json(b)) => a.cmp(b),
            (Jsonb(a), Jsonb(b)) => a.cmp(b),
            // Element by element, then the shorter first, as PostgreSQL orders arrays.
            (Array(a), Array(b)) => a
                .iter()
                .zip(b)
                .map(|(x, y)| x.total_cmp(y))
                .find(|o| o.is_ne())
                .unwrap_or_else(|| a.len().cmp(&b.len())),
            (a, b) if a.family() == 2 && b.family() == 2 => compare_numbers(a, b),
            // A date or timestamp beside a timestamptz is read in the
            // session's zone, as PostgreSQL compares them.
            (a, b) if a.family() == 5 && b.family() == 5 => {
                if matches!(a, TimestampTz(_)) == matches!(b, TimestampTz(_)) {
                    timestamp_micros(a).cmp(&timestamp_micros(b))
                } else {
                    instant_micros(a).cmp(&instant_micros(b))
                }
            }
            (a, b) => a.family().cmp(&b.family()),
        }
    }
}

/// Microseconds since the epoch, reading dates as midnight and plain
/// timestamps as UTC (PostgreSQL's comparison of mixed date/time types in the
/// UTC time zone).
fn timestamp_micros(v: &Value) -> i64 {
    match v {
        Value::Date(d) => d
            .and_hms_opt(0, 0, 0)
            .map_or(0, |t| t.and_utc().timestamp_micros()),
        Value::Timestamp(t) => t.and_utc().timestamp_micros(),
        Value::TimestampTz(t) => t.timestamp_micros(),
        _ => 0,
    }
}

/// Microseconds since the epoch of the instant a date, timestamp or
/// timestamptz stands for: a date or timestamp read in the session's zone.
fn instant_micros(v: &Value) -> i64 {
    let local = match v {
        Value::TimestampTz(t) => return t.timestamp_micros(),
        Value::Date(d) => d.and_time(NaiveTime::MIN),
        Value::Timestamp(t) => *t,
        _ => return 0,
    };
    crate::zone::session_zone().instant(local).map_or_else(
        || local.and_utc().timestamp_micros(),
        |t| t.timestamp_micros(),
    )
}

fn compare_numbers(a: &Value, b: &Value) -> Ordering {
    if let (Some(x), Some(y)) = (a.as_i64(), b.as_i64()) {
        return x.cmp(&y);
    }
    let exact = |v: &Value| match v {
        Value::Numeric(d) => Some(*d),
        other => other.as_i64().map(Decimal::from),
    };
    if let (Some(x), Some(y)) = (exact(a), exact(b)) {
        return x.cmp(&y);
    }
    let (x, y) = (
        a.as_f64().unwrap_or(f64::NAN),
        b.as_f64().unwrap_or(f64::NAN),
    );
    compare_floats(x, y)
}

/// PostgreSQL's float order: NaN equals NaN and sorts above everything;
/// `-0 = 0`.
pub fn compare_floats(x: f64, y: f64) -> Ordering {
    match (x.is_nan(), y.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
    }
}

impl PartialEq for Value {
    /// Equality of the total order (so NULL equals NULL here, as in grouping).
    fn eq(&self, other: &Value) -> bool {
        self.total_cmp(other) == Ordering::Equal
    }
}

impl Eq for Value {}

impl Hash for Value {
    /// Consistent with `eq`: numbers that compare equal hash equally.
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.family().hash(state);
        match self {
            Value::Null => {}
            Value::Boolean(b) => b.hash(state),
            v @ (Value::SmallInt(_)
            | Value::Integer(_)
            | Value::BigInt(_)
            | Value::Real(_)
            | Value::Double(_)
            | Value::Numeric(_)) => {
                match v.as_f64() {
                    Some(f) if f.is_nan() => u64::MAX.hash(state),
                    // Adding 0.0 turns -0 into +0.
                    Some(f) => (f + 0.0).to_bits().hash(state),
                    None => 0u8.hash(state),
                }
            }
            Value::Text(s) => s.hash(state),
            Value::Bytea(b) => b.hash(state),
            v @ (Value::Date(_) | Value::Timestamp(_) | Value::TimestampTz(_)) => {
                timestamp_micros(v).hash(state)
            }
            Value::Time(t) => t.hash(state),
            Value::Interval(i) => i.span().hash(state),
            Value::Uuid(u) => u.hash(state),
            Value::Json(s) => s.hash(state),
            Value::Jsonb(j) => j.hash(state),
            Value::Array(elements) => elements.hash(state),
            Value::Enum(t, position) => (&t.name, position).hash(state),
        }
    }
}

impl fmt::Display for Value {
    /// PostgreSQL's text output of the value (NULL prints as `NULL`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("NULL"),
            Value::Boolean(b) => f.write_str(if *b { "t" } else { "f" }),
            Value::SmallInt(v) => write!(f, "{v}"),
            Value::Integer(v) => write!(f, "{v}"),
            Value::BigInt(v) => write!(f, "{v}"),
            Value::Real(v) => f.write_str(&format_float(f64::from(*v), true)),
            Value::Double(v) => f.write_str(&format_float(*v, false)),
            Value::Numeric(d) => write!(f, "{d}"),
            Value::Text(s) | Value::Json(s) => f.write_str(s),
            Value::Bytea(b) => f.write_str(&text::format_bytea(b)),
            Value::Date(d) => f.write_str(&text::format_date(*d)),
            Value::Time(t) => f.write_str(&text::format_time(*t)),
            Value::Timestamp(t) => f.write_str(&text::format_timestamp(*t)),
            Value::TimestampTz(t) => f.write_str(&text::format_timestamptz(*t)),
            Value::Interval(i) => write!(f, "{i}"),
            Value::Uuid(u) => write!(f, "{u}"),
            Value::Jsonb(j) => write!(f, "{j}"),
            Value::Array(elements) => f.write_str(&crate::array::format_array(elements)),
            Value::Enum(t, position) => f.write_str(t.label(*position).unwrap_or("?")),
        }
    }
}

/// 1970-01-01, the origin of the day and microsecond counts in encodings.
pub(crate) const EPOCH_DATE: NaiveDate = match NaiveDate::from_ymd_opt(1970, 1, 1) {
    Some(d) => d,
    None => panic!("1970-01-01 is a valid date"),
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_valued_comparison() {
        assert_eq!(Value::Integer(1).sql_cmp(&Value::Null), None);
        assert_eq!(
            Value::Integer(1).sql_cmp(&Value::BigInt(1)),
            Some(Ordering::Equal)
        );
        assert_eq!(
            Value::Integer(2).sql_cmp(&Value::Double(1.5)),
            Some(Ordering::Greater)
        );
        assert_eq!(Value::Text("a".into()).sql_cmp(&Value::Integer(1)), None);
        assert_eq!(
            Value::Numeric(Decimal::new(150, 2)).sql_cmp(&Value::Numeric(Decimal::new(15, 1))),
            Some(Ordering::Equal)
        );
    }

    #[test]
    fn total_order_of_floats_and_nulls() {
        let nan = Value::Double(f64::NAN);
        assert_eq!(nan.total_cmp(&nan), Ordering::Equal);
        assert_eq!(
            nan.total_cmp(&Value::Double(f64::INFINITY)),
            Ordering::Greater
        );
        assert_eq!(Value::Double(-0.0), Value::Double(0.0));
        assert_eq!(Value::Null.total_cmp(&nan), Ordering::Greater);
    }

    #[test]
    fn text_output() {
        assert_eq!(Value::Boolean(true).to_string(), "t");
        assert_eq!(Value::Double(0.1).to_string(), "0.1");
        assert_eq!(Value::Double(1e20).to_string(), "1e+20");
        assert_eq!(Value::Double(1.5e-5).to_string(), "1.5e-05");
        assert_eq!(Value::Double(f64::NEG_INFINITY).to_string(), "-Infinity");
        assert_eq!(Value::Real(0.1).to_string(), "0.1");
        assert_eq!(Value::Bytea(vec![0xde, 0xad]).to_string(), "\\xdead");
        let t = NaiveTime::from_hms_micro_opt(1, 2, 3, 100_000).unwrap();
        assert_eq!(Value::Time(t).to_string(), "01:02:03.1");
        let d = NaiveDate::from_ymd_opt(2024, 5, 6).unwrap();
        assert_eq!(
            Value::Timestamp(d.and_time(t)).to_string(),
            "2024-05-06 01:02:03.1"
        );
        assert_eq!(
            Value::TimestampTz(d.and_time(NaiveTime::MIN).and_utc()).to_string(),
            "2024-05-06 00:00:00+00"
        );
        let bc = NaiveDate::from_ymd_opt(-43, 3, 15).unwrap();
        assert_eq!(Value::Date(bc).to_string(), "0044-03-15 BC");
        assert_eq!(Value::Numeric(Decimal::new(150, 2)).to_string(), "1.50");
    }
}
