//! Arbor's values on the wire: type OIDs, and values in PostgreSQL's text
//! and binary formats.
//!
//! A result column is described by the type planning gives it, or, where
//! planning cannot tell (an aggregate, most functions), by the type of its
//! first non-NULL value; a column of NULLs only is `text`, as PostgreSQL
//! types an unknown literal. Text output is PostgreSQL's (`Value`'s
//! `Display`); binary is the format of PostgreSQL's `*send` functions for
//! every Arbor type.

use arbor_engine::{DataType, Value, pg_catalog};
use arbor_schema::text::parse_value;
use pgwire::api::Type;
use pgwire::api::results::FieldFormat;

/// Microseconds from 1970-01-01 to 2000-01-01, PostgreSQL's epoch for
/// binary dates and times.
const PG_EPOCH_MICROS: i64 = 946_684_800_000_000;
const PG_EPOCH_DAYS: i32 = 10_957;

/// The PostgreSQL type of a column of `t` (by the OID the system
/// catalogs give it).
pub fn pg_type(t: &DataType) -> Type {
    Type::from_oid(pg_catalog::type_oid(t) as u32).unwrap_or(Type::TEXT)
}

/// The Arbor type a client's parameter type OID asks for, if Arbor has it.
pub fn data_type(t: &Type) -> Option<DataType> {
    match pg_catalog::type_of_oid(i32::try_from(t.oid()).ok()?, -1)? {
        // A client's `varchar` or `bpchar` parameter carries no length.
        DataType::Char(_) => Some(DataType::Text),
        other => Some(other),
    }
}

/// The type to describe a result column by (see
/// [`pg_catalog::result_type_oid`]).
pub fn column_type(planned: Option<&DataType>, column: usize, rows: &[Vec<Value>]) -> Type {
    let oid = pg_catalog::result_type_oid(planned, column, rows);
    Type::from_oid(oid as u32).unwrap_or(Type::TEXT)
}

/// Appends `v` in `format` to a DataRow's field bytes: its length (-1 for
/// NULL), then its bytes. `column` is the type the column is described
/// by: an array in an `int2vector` or `oidvector` column is written with
/// spaces.
pub fn encode(v: &Value, column: &Type, format: FieldFormat, out: &mut Vec<u8>) {
    let bytes = match (v, format) {
        (Value::Null, _) => {
            out.extend_from_slice(&(-1i32).to_be_bytes());
            return;
        }
        (Value::Array(items), FieldFormat::Text)
            if matches!(*column, Type::INT2_VECTOR | Type::OID_VECTOR) =>
        {
            arbor_schema::array::format_vector(items).into_bytes()
        }
        (v, FieldFormat::Text) => v.to_string().into_bytes(),
        (v, FieldFormat::Binary) => binary(&as_column_type(v, column)),
    };
    // A field's length is an i32; values are bounded far below it.
    let len = i32::try_from(bytes.len()).unwrap_or(i32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&bytes);
}

/// `v` as a value of the column's type, when it is of another: a column
/// is described by the type its expression resolves to (an integer `CASE`
/// branch in a `bigint` column, an `integer` in a `UNION` with
/// `numeric`), and binary formats differ by type where text does not.
fn as_column_type<'v>(v: &'v Value, column: &Type) -> std::borrow::Cow<'v, Value> {
    use std::borrow::Cow;
    let Some(t) = data_type(column) else {
        return Cow::Borrowed(v);
    };
    if v.data_type()
        .is_none_or(|own| pg_catalog::type_oid(&own) == pg_catalog::type_oid(&t))
    {
        return Cow::Borrowed(v);
    }
    arbor_schema::cast(v.clone(), &t).map_or(Cow::Borrowed(v), Cow::Owned)
}

/// `v` in PostgreSQL's binary format for its type.
fn binary(v: &Value) -> Vec<u8> {
    match v {
        Value::Null => Vec::new(),
        Value::Boolean(b) => vec![u8::from(*b)],
        Value::SmallInt(i) => i.to_be_bytes().to_vec(),
        Value::Integer(i) => i.to_be_bytes().to_vec(),
        Value::BigInt(i) => i.to_be_bytes().to_vec(),
        Value::Real(f) => f.to_be_bytes().to_vec(),
        Value::Double(f) => f.to_be_bytes().to_vec(),
        Value::Numeric(d) => numeric_binary(&d.to_string()),
        Value::Text(s) | Value::Json(s) => s.as_bytes().to_vec(),
        Value::Bytea(b) => b.clone(),
        Value::Uuid(u) => u.as_bytes().to_vec(),
        // An enum's binary form is its label, as its text form is.
        Value::Enum(..) => v.to_string().into_bytes(),
        Value::Date(d) => {
            use chrono::Datelike;
            // 2000-01-01 is day 730,120 of the common era.
            (d.num_days_from_ce() - 730_120).to_be_bytes().to_vec()
        }
        Value::Time(t) => {
            use chrono::Timelike;
            let micros = i64::from(t.num_seconds_from_midnight()) * 1_000_000
                + i64::from(t.nanosecond() / 1000);
            micros.to_be_bytes().to_vec()
        }
        Value::Timestamp(t) => (t.and_utc().timestamp_micros() - PG_EPOCH_MICROS)
            .to_be_bytes()
            .to_vec(),
        Value::TimestampTz(t) => (t.timestamp_micros() - PG_EPOCH_MICROS)
            .to_be_bytes()
            .to_vec(),
        // Microseconds, days, months.
        Value::Interval(i) => [
            i.micros.to_be_bytes().as_slice(),
            &i.days.to_be_bytes(),
            &i.months.to_be_bytes(),
        ]
        .concat(),
        Value::Jsonb(j) => {
            // Version 1 of jsonb's binary format: the JSON text.
            let mut out = vec![1];
            out.extend_from_slice(j.to_string().as_bytes());
            out
        }
        Value::Array(elements) => array_binary(elements),
    }
}

/// A one-dimensional array in PostgreSQL's binary format: dimensions,
/// whether any element is NULL, the element type's OID, then per dimension
/// its length and lower bound (1), then each element as a field.
fn array_binary(elements: &[Value]) -> Vec<u8> {
    let element = arbor_schema::array::element_type(elements);
    let mut out = Vec::new();
    let dimensions: i32 = if elements.is_empty() { 0 } else { 1 };
    out.extend_from_slice(&dimensions.to_be_bytes());
    out.extend_from_slice(&i32::from(elements.iter().any(Value::is_null)).to_be_bytes());
    out.extend_from_slice(&pg_type(&element).oid().to_be_bytes());
    if !elements.is_empty() {
        let len = i32::try_from(elements.len()).unwrap_or(i32::MAX);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&1i32.to_be_bytes());
    }
    let element_type = pg_type(&element);
    for e in elements {
        encode(e, &element_type, FieldFormat::Binary, &mut out);
    }
    out
}

/// Reads a one-dimensional array in PostgreSQL's binary format, its
/// elements of type `element`.
fn array_from_binary(bytes: &[u8], element: &DataType) -> Result<Value, BadParameter> {
    let malformed = || bad("malformed binary array");
    let take = |at: &mut usize, n: usize| -> Result<&[u8], BadParameter> {
        let field = bytes.get(*at..*at + n).ok_or_else(malformed)?;
        *at += n;
        Ok(field)
    };
    let next_i32 = |at: &mut usize| -> Result<i32, BadParameter> {
        let b = take(at, 4)?;
        Ok(i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    };
    let mut at = 0;
    let dimensions = next_i32(&mut at)?;
    let _has_nulls = next_i32(&mut at)?;
    let _element_oid = next_i32(&mut at)?;
    let count = match dimensions {
        0 => 0,
        1 => {
            let count = usize::try_from(next_i32(&mut at)?).map_err(|_| malformed())?;
            let _lower_bound = next_i32(&mut at)?;
            count
        }
        _ => return Err(bad("multidimensional arrays are not supported")),
    };
    let mut elements = Vec::with_capacity(count.min(bytes.len()));
    for _ in 0..count {
        // A negative length is a NULL element.
        let field = match usize::try_from(next_i32(&mut at)?) {
            Ok(n) => Some(take(&mut at, n)?),
            Err(_) => None,
        };
        elements.push(decode_parameter(field, true, Some(element))?);
    }
    if at != bytes.len() {
        return Err(malformed());
    }
    Ok(Value::Array(elements))
}

/// A decimal number's text in PostgreSQL's binary numeric format: digit
/// count, weight (of the first base-10,000 digit), sign, display scale,
/// then the base-10,000 digits.
fn numeric_binary(text: &str) -> Vec<u8> {
    let (negative, text) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (int_part, frac_part) = text.split_once('.').unwrap_or((text, ""));
    let dscale = frac_part.len() as i16;
    // Pad both parts to whole groups of four decimal digits.
    let int_pad = (4 - int_part.len() % 4) % 4;
    let frac_pad = (4 - frac_part.len() % 4) % 4;
    let digits_text = format!(
        "{}{int_part}{frac_part}{}",
        "0".repeat(int_pad),
        "0".repeat(frac_pad)
    );
    let mut groups: Vec<i16> = digits_text
        .as_bytes()
        .chunks(4)
        .map(|c| c.iter().fold(0i16, |acc, d| acc * 10 + i16::from(d - b'0')))
        .collect();
    let mut weight = ((int_part.len() + int_pad) / 4) as i16 - 1;
    // Leading and trailing zero groups are not stored.
    while groups.first() == Some(&0) {
        groups.remove(0);
        weight -= 1;
    }
    while groups.last() == Some(&0) {
        groups.pop();
    }
    if groups.is_empty() {
        weight = 0;
    }
    let sign: u16 = if negative && !groups.is_empty() {
        0x4000
    } else {
        0
    };
    let mut out = Vec::with_capacity(8 + 2 * groups.len());
    out.extend_from_slice(&(groups.len() as i16).to_be_bytes());
    out.extend_from_slice(&weight.to_be_bytes());
    out.extend_from_slice(&sign.to_be_bytes());
    out.extend_from_slice(&dscale.to_be_bytes());
    for g in groups {
        out.extend_from_slice(&g.to_be_bytes());
    }
    out
}

/// The text of a binary numeric (the inverse of [`numeric_binary`]).
fn numeric_text(bytes: &[u8]) -> Option<String> {
    let word = |i: usize| -> Option<i16> {
        Some(i16::from_be_bytes([*bytes.get(i)?, *bytes.get(i + 1)?]))
    };
    let ndigits = usize::try_from(word(0)?).ok()?;
    let weight = i32::from(word(2)?);
    let sign = word(4)? as u16;
    let dscale = usize::try_from(word(6)?).ok()?;
    if sign == 0xC000 {
        return Some("NaN".into());
    }
    let digits: Vec<i16> = (0..ndigits)
        .map(|k| word(8 + 2 * k))
        .collect::<Option<_>>()?;
    let mut int_part = String::new();
    for k in 0..=weight.max(-1) {
        let d = usize::try_from(k)
            .ok()
            .and_then(|k| digits.get(k))
            .copied()
            .unwrap_or(0);
        if int_part.is_empty() {
            if d != 0 {
                int_part = d.to_string();
            }
        } else {
            int_part.push_str(&format!("{d:04}"));
        }
    }
    if int_part.is_empty() {
        int_part.push('0');
    }
    let mut frac = String::new();
    let mut k = weight + 1;
    while frac.len() < dscale {
        let d = if k < 0 {
            0
        } else {
            usize::try_from(k)
                .ok()
                .and_then(|k| digits.get(k))
                .copied()
                .unwrap_or(0)
        };
        frac.push_str(&format!("{d:04}"));
        k += 1;
    }
    frac.truncate(dscale);
    let sign = if sign == 0x4000 { "-" } else { "" };
    Some(if frac.is_empty() {
        format!("{sign}{int_part}")
    } else {
        format!("{sign}{int_part}.{frac}")
    })
}

/// What went wrong reading a parameter: SQLSTATE and message.
#[derive(Debug)]
pub struct BadParameter {
    pub code: &'static str,
    pub message: String,
}

/// A parameter's bytes that are no value of its type (22P02 unless the
/// type's reader says otherwise).
fn bad(message: impl Into<String>) -> BadParameter {
    BadParameter {
        code: "22P02",
        message: message.into(),
    }
}

impl From<arbor_schema::ValueError> for BadParameter {
    fn from(e: arbor_schema::ValueError) -> BadParameter {
        BadParameter {
            code: e.code,
            message: e.message,
        }
    }
}

/// Parameter `$n`'s value from its bytes: `t` is the type the client sent
/// it as, else the type its context in the statement gives it; text with
/// neither stays text for the statement to read.
pub fn decode_parameter(
    bytes: Option<&[u8]>,
    binary_format: bool,
    t: Option<&DataType>,
) -> Result<Value, BadParameter> {
    let Some(bytes) = bytes else {
        return Ok(Value::Null);
    };
    if !binary_format {
        let text = std::str::from_utf8(bytes)
            .map_err(|_| bad("invalid byte sequence for encoding \"UTF8\""))?;
        return match t {
            Some(t) => parse_value(text, t).map_err(BadParameter::from),
            None => Ok(Value::Text(text.to_owned())),
        };
    }
    let Some(t) = t else {
        return Err(bad("a parameter in binary format needs a type"));
    };
    let fixed = |n: usize| -> Result<&[u8], BadParameter> {
        if bytes.len() == n {
            Ok(bytes)
        } else {
            Err(bad(format!(
                "insufficient data left in message: {} bytes for a {n}-byte {t}",
                bytes.len()
            )))
        }
    };
    let array = |n: usize| -> Result<[u8; 8], BadParameter> {
        let b = fixed(n)?;
        let mut a = [0u8; 8];
        a[8 - n..].copy_from_slice(b);
        Ok(a)
    };
    let text = || {
        std::str::from_utf8(bytes)
            .map(str::to_owned)
            .map_err(|_| bad("invalid byte sequence for encoding \"UTF8\""))
    };
    Ok(match t {
        DataType::Boolean => Value::Boolean(fixed(1)?[0] != 0),
        DataType::SmallInt => Value::SmallInt(i64::from_be_bytes(array(2)?) as i16),
        DataType::Integer => Value::Integer(i64::from_be_bytes(array(4)?) as i32),
        DataType::BigInt => Value::BigInt(i64::from_be_bytes(array(8)?)),
        DataType::Real => Value::Real(f32::from_bits(u64::from_be_bytes(array(4)?) as u32)),
        DataType::Double => Value::Double(f64::from_bits(u64::from_be_bytes(array(8)?))),
        DataType::Bytea => Value::Bytea(bytes.to_vec()),
        DataType::Enum(_) => parse_value(&text()?, t).map_err(|e| bad(e.message.clone()))?,
        DataType::Uuid => {
            Value::Uuid(uuid::Uuid::from_slice(bytes).map_err(|e| bad(e.to_string()))?)
        }
        DataType::Timestamp | DataType::TimestampTz | DataType::Date | DataType::Time => {
            let n = if *t == DataType::Date { 4 } else { 8 };
            let raw = i64::from_be_bytes(array(n)?);
            let raw = if n == 4 { i64::from(raw as i32) } else { raw };
            let text = match t {
                DataType::Date => {
                    let days = raw + i64::from(PG_EPOCH_DAYS);
                    chrono::DateTime::from_timestamp(days * 86_400, 0)
                        .map(|d| d.date_naive().to_string())
                }
                DataType::Time => chrono::NaiveTime::from_num_seconds_from_midnight_opt(
                    (raw / 1_000_000) as u32,
                    ((raw % 1_000_000) * 1000) as u32,
                )
                .map(|t| t.to_string()),
                _ => chrono::DateTime::from_timestamp_micros(raw + PG_EPOCH_MICROS).map(|d| {
                    d.naive_utc().to_string()
                        + if *t == DataType::TimestampTz {
                            "+00"
                        } else {
                            ""
                        }
                }),
            }
            .ok_or_else(|| bad(format!("{t} out of range")))?;
            parse_value(&text, t).map_err(BadParameter::from)?
        }
        DataType::Interval => {
            let b = fixed(16)?;
            let field = |at: usize, n: usize| {
                let mut a = [0u8; 8];
                a[8 - n..].copy_from_slice(&b[at..at + n]);
                i64::from_be_bytes(a)
            };
            Value::Interval(arbor_schema::Interval::new(
                field(12, 4) as i32,
                field(8, 4) as i32,
                field(0, 8),
            ))
        }
        DataType::Numeric(_) => {
            let text = numeric_text(bytes).ok_or_else(|| bad("invalid binary numeric"))?;
            parse_value(&text, t).map_err(BadParameter::from)?
        }
        DataType::Jsonb => {
            let body = match bytes.split_first() {
                Some((1, rest)) => rest,
                _ => return Err(bad("unsupported jsonb version number")),
            };
            let text = std::str::from_utf8(body)
                .map_err(|_| bad("invalid byte sequence for encoding \"UTF8\""))?;
            parse_value(text, t).map_err(BadParameter::from)?
        }
        DataType::Text | DataType::Varchar(_) | DataType::Char(_) | DataType::Json => {
            parse_value(&text()?, t).map_err(BadParameter::from)?
        }
        DataType::Array(element) | DataType::Vector(element) => array_from_binary(bytes, element)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numerics_round_trip_through_the_binary_format() {
        for text in [
            "0",
            "1",
            "-1",
            "10000",
            "12345.678",
            "-0.0001",
            "0.50",
            "99999999.99",
            "1000000000000",
            "0.000001",
        ] {
            let bytes = numeric_binary(text);
            assert_eq!(numeric_text(&bytes).as_deref(), Some(text), "{text}");
        }
        // 12345.678: digits 1, 2345, 6780; weight 1; scale 3.
        assert_eq!(
            numeric_binary("12345.678"),
            [0, 3, 0, 1, 0, 0, 0, 3, 0, 1, 0x09, 0x29, 0x1a, 0x7c]
        );
    }

    #[test]
    fn binary_parameters_decode_as_their_type() {
        let v = decode_parameter(Some(&42i32.to_be_bytes()), true, Some(&DataType::Integer));
        assert_eq!(v.ok(), Some(Value::Integer(42)));
        let ts = binary(&parse_value("2024-01-02 03:04:05.5+00", &DataType::TimestampTz).unwrap());
        let v = decode_parameter(Some(&ts), true, Some(&DataType::TimestampTz)).ok();
        assert_eq!(
            v.map(|v| v.to_string()).as_deref(),
            Some("2024-01-02 03:04:05.5+00")
        );
        let d = binary(&parse_value("2024-02-29", &DataType::Date).unwrap());
        let v = decode_parameter(Some(&d), true, Some(&DataType::Date)).ok();
        assert_eq!(v.map(|v| v.to_string()).as_deref(), Some("2024-02-29"));
        assert!(decode_parameter(Some(&[1, 2]), true, Some(&DataType::Integer)).is_err());
        let v = decode_parameter(Some(b"7"), false, None).ok();
        assert_eq!(v, Some(Value::Text("7".into())));
        assert_eq!(decode_parameter(None, false, None).ok(), Some(Value::Null));
    }
}
