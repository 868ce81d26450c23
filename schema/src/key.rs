//! Order-preserving key encoding: the byte order of encoded keys is the SQL
//! order of the values.
//!
//! A table's primary index is a prolly map ordered by bytes, so encoding keys
//! this way makes a map a table sorted by primary key, and a key range a
//! byte range. Each column of a key is encoded in turn:
//!
//! ```text
//! null marker   0x01 value present, 0x02 NULL (NULLS LAST), or 0x00 NULL (NULLS FIRST)
//! value         by type, below
//! ```
//!
//! | type | bytes |
//! |---|---|
//! | boolean | 0x00 / 0x01 |
//! | smallint, integer, bigint | 2/4/8 bytes big-endian, sign bit flipped |
//! | real, double | 8 bytes: f64 bits, sign bit flipped if positive, all bits flipped if negative; -0 as 0, one NaN above +Infinity |
//! | numeric | 0x01 negative, 0x02 zero, 0x03 positive; then (non-zero) exponent u16 (offset 0x8000) and digits 1..10, 0x00-terminated; negatives have exponent and digits inverted |
//! | text, varchar, char, bytea | bytes with 0x00 escaped as 0x00 0xFF, terminated by 0x00 0x00 |
//! | date | days from 1970-01-01, i32, as integers |
//! | time, timestamp, timestamptz | microseconds, i64, as integers |
//! | interval | its span (PostgreSQL's comparison value), i128, as integers; then months and days, i32 each |
//! | uuid | 16 bytes |
//! | arrays | each element as a column of its type (NULL marker included), then 0x00 |
//! | jsonb | PostgreSQL's jsonb order, see [`crate::jsonb_key`] |
//!
//! A `DESC` column has all of its bytes (marker included) inverted, which
//! reverses their order. Every encoding is prefix-free (no value's bytes are
//! a prefix of another's), which is what makes both work: composite keys
//! compare column by column, and inverting prefix-free codes reverses their
//! order. `json` has no order in PostgreSQL and is refused in keys.

use chrono::{DateTime, NaiveDate, NaiveTime};
use rust_decimal::Decimal;

use crate::error::{ErrorKind, Result, ValueError};
use crate::types::DataType;
use crate::value::Value;

/// One column of a key: its type and direction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyColumn {
    /// The column's type.
    pub data_type: DataType,
    /// Descending order.
    pub descending: bool,
    /// NULLs before values (PostgreSQL's default for descending columns).
    pub nulls_first: bool,
}

impl KeyColumn {
    /// An ascending column with PostgreSQL's default NULL placement (last).
    pub fn asc(data_type: DataType) -> KeyColumn {
        KeyColumn {
            data_type,
            descending: false,
            nulls_first: false,
        }
    }

    /// A descending column with PostgreSQL's default NULL placement (first).
    pub fn desc(data_type: DataType) -> KeyColumn {
        KeyColumn {
            data_type,
            descending: true,
            nulls_first: true,
        }
    }
}

const PRESENT: u8 = 0x01;

/// Encodes a key.
pub fn encode_key(values: &[Value], columns: &[KeyColumn]) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(16 * values.len());
    encode_key_into(&mut out, values.iter(), columns)?;
    Ok(out)
}

/// [`encode_key`], appended to `out`.
pub fn encode_key_into<'v>(
    out: &mut Vec<u8>,
    values: impl ExactSizeIterator<Item = &'v Value>,
    columns: &[KeyColumn],
) -> Result<()> {
    if values.len() != columns.len() {
        return Err(ValueError::new(
            ErrorKind::Internal,
            format!(
                "a key of {} columns got {} values",
                columns.len(),
                values.len()
            ),
        ));
    }
    for (v, c) in values.zip(columns) {
        let start = out.len();
        encode_column(out, v, c)?;
        if c.descending {
            out[start..].iter_mut().for_each(|b| *b = !*b);
        }
    }
    Ok(())
}

fn encode_column(out: &mut Vec<u8>, v: &Value, c: &KeyColumn) -> Result<()> {
    if v.is_null() {
        // NULLs sort after values unless NULLS FIRST; the marker is inverted
        // with the rest of a DESC column, so pick it in ascending terms.
        let nulls_low = c.nulls_first != c.descending;
        out.push(if nulls_low { 0x00 } else { 0x02 });
        return Ok(());
    }
    out.push(PRESENT);
    let mismatch = || {
        ValueError::new(
            ErrorKind::DatatypeMismatch,
            format!(
                "a {} value cannot be part of a {} key column",
                v.data_type().map_or("NULL".into(), |t| t.to_string()),
                c.data_type
            ),
        )
    };
    match (&c.data_type, v) {
        (DataType::Boolean, Value::Boolean(b)) => out.push(u8::from(*b)),
        (DataType::SmallInt, Value::SmallInt(i)) => {
            out.extend_from_slice(&((*i as u16) ^ 0x8000).to_be_bytes())
        }
        (DataType::Integer, Value::Integer(i)) => {
            out.extend_from_slice(&((*i as u32) ^ 0x8000_0000).to_be_bytes())
        }
        (DataType::BigInt, Value::BigInt(i)) => put_i64(out, *i),
        (DataType::Real | DataType::Double, v) => {
            let f = match v {
                Value::Real(f) => f64::from(*f),
                Value::Double(f) => *f,
                _ => return Err(mismatch()),
            };
            out.extend_from_slice(&float_bits(f).to_be_bytes());
        }
        (DataType::Numeric(_), Value::Numeric(d)) => encode_numeric(out, *d),
        (DataType::Text | DataType::Varchar(_) | DataType::Char(_), Value::Text(s)) => {
            put_escaped(out, s.as_bytes())
        }
        (DataType::Bytea, Value::Bytea(b)) => put_escaped(out, b),
        (DataType::Date, Value::Date(d)) => {
            let days = d.signed_duration_since(epoch()).num_days();
            let days = i32::try_from(days).map_err(|_| ValueError::out_of_range("date"))?;
            out.extend_from_slice(&((days as u32) ^ 0x8000_0000).to_be_bytes());
        }
        (DataType::Time, Value::Time(t)) => {
            let micros = t
                .signed_duration_since(NaiveTime::MIN)
                .num_microseconds()
                .unwrap_or(0);
            put_i64(out, micros);
        }
        (DataType::Timestamp, Value::Timestamp(t)) => put_i64(out, t.and_utc().timestamp_micros()),
        (DataType::TimestampTz, Value::TimestampTz(t)) => put_i64(out, t.timestamp_micros()),
        // The span orders (PostgreSQL's comparison); months and days after
        // it keep equal spans of different fields apart and decodable.
        (DataType::Interval, Value::Interval(i)) => {
            out.extend_from_slice(&((i.span() as u128) ^ (1 << 127)).to_be_bytes());
            out.extend_from_slice(&((i.months as u32) ^ 0x8000_0000).to_be_bytes());
            out.extend_from_slice(&((i.days as u32) ^ 0x8000_0000).to_be_bytes());
        }
        (DataType::Uuid, Value::Uuid(u)) => out.extend_from_slice(u.as_bytes()),
        // The label's position: values sort in the type's order.
        (DataType::Enum(_), Value::Enum(_, position)) => {
            out.extend_from_slice(&position.to_be_bytes())
        }
        // Element by element (each with its NULL marker, 0x01 or 0x02),
        // then 0x00: a shorter array sorts first, as in PostgreSQL.
        (DataType::Array(element), Value::Array(items)) => {
            let c = KeyColumn::asc((**element).clone());
            for item in items {
                encode_column(out, item, &c)?;
            }
            out.push(0x00);
        }
        (DataType::Jsonb, Value::Jsonb(j)) => crate::jsonb_key::encode(out, j)?,
        (DataType::Json, _) => {
            return Err(ValueError::new(
                ErrorKind::FeatureNotSupported,
                "json columns cannot be part of a key: json has no ordering (use jsonb)",
            ));
        }
        _ => return Err(mismatch()),
    }
    Ok(())
}

fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).expect("1970-01-01 is a valid date")
}

fn put_i64(out: &mut Vec<u8>, i: i64) {
    out.extend_from_slice(&((i as u64) ^ (1 << 63)).to_be_bytes());
}

/// f64 bits mapped so unsigned order is PostgreSQL's float order.
pub(crate) fn float_bits(f: f64) -> u64 {
    if f.is_nan() {
        return u64::MAX;
    }
    let f = f + 0.0; // -0 becomes +0
    let bits = f.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | (1 << 63)
    }
}

pub(crate) fn float_from_bits(b: u64) -> f64 {
    if b == u64::MAX {
        return f64::NAN;
    }
    if b >> 63 == 1 {
        f64::from_bits(b & !(1 << 63))
    } else {
        f64::from_bits(!b)
    }
}

/// Bytes with 0x00 escaped as 0x00 0xFF and a 0x00 0x00 terminator: the
/// terminator sorts below every escaped byte, so a prefix sorts first, and
/// the encoding is prefix-free.
pub(crate) fn put_escaped(out: &mut Vec<u8>, bytes: &[u8]) {
    for &b in bytes {
        out.push(b);
        if b == 0 {
            out.push(0xff);
        }
    }
    out.extend_from_slice(&[0, 0]);
}

/// Numeric: sign class, then for non-zero values a base-10 exponent and the
/// significant digits, most significant first.
fn encode_numeric(out: &mut Vec<u8>, d: Decimal) {
    let d = d.normalize();
    if d.is_zero() {
        out.push(0x02);
        return;
    }
    let negative = d.is_sign_negative();
    let digits = d.mantissa().unsigned_abs().to_string();
    // value = 0.d1d2d3... * 10^exponent
    let exponent = digits.len() as i32 - d.scale() as i32;
    let mut body = Vec::with_capacity(digits.len() + 3);
    body.extend_from_slice(&((exponent + 0x8000) as u16).to_be_bytes());
    body.extend(digits.bytes().map(|c| c - b'0' + 1));
    body.push(0);
    if negative {
        out.push(0x01);
        out.extend(body.iter().map(|b| !b));
    } else {
        out.push(0x03);
        out.extend_from_slice(&body);
    }
}

/// Decodes a key encoded with `columns`.
pub fn decode_key(bytes: &[u8], columns: &[KeyColumn]) -> Result<Vec<Value>> {
    let (values, at) = decode_key_prefix(bytes, columns)?;
    if at != bytes.len() {
        return Err(ValueError::corrupt(format!(
            "key has {} trailing bytes",
            bytes.len() - at
        )));
    }
    Ok(values)
}

/// Decodes the first `columns.len()` columns of a longer key, returning
/// them and the number of bytes they take: a secondary index's key is the
/// row's index values followed by its primary key, and this splits them.
pub fn decode_key_prefix(bytes: &[u8], columns: &[KeyColumn]) -> Result<(Vec<Value>, usize)> {
    let mut at = 0;
    let mut values = Vec::with_capacity(columns.len());
    for c in columns {
        let (v, used) = decode_column(&bytes[at..], c)?;
        values.push(v);
        at += used;
    }
    Ok((values, at))
}

fn decode_column(bytes: &[u8], c: &KeyColumn) -> Result<(Value, usize)> {
    let get = |i: usize| -> Result<u8> {
        bytes
            .get(i)
            .map(|b| if c.descending { !b } else { *b })
            .ok_or_else(|| ValueError::corrupt("key is truncated"))
    };
    let take = |from: usize, n: usize| -> Result<Vec<u8>> { (from..from + n).map(get).collect() };
    match get(0)? {
        0x00 | 0x02 => return Ok((Value::Null, 1)),
        PRESENT => {}
        other => {
            return Err(ValueError::corrupt(format!(
                "bad key null marker {other:#04x}"
            )));
        }
    }
    let fixed = |n: usize| take(1, n);
    let i64_at = || -> Result<i64> {
        Ok((u64::from_be_bytes(fixed(8)?.try_into().expect("8 bytes")) ^ (1 << 63)) as i64)
    };
    let v = match &c.data_type {
        DataType::Boolean => (Value::Boolean(get(1)? != 0), 2),
        DataType::SmallInt => (
            Value::SmallInt(
                (u16::from_be_bytes(fixed(2)?.try_into().expect("2 bytes")) ^ 0x8000) as i16,
            ),
            3,
        ),
        DataType::Integer => (
            Value::Integer(
                (u32::from_be_bytes(fixed(4)?.try_into().expect("4 bytes")) ^ 0x8000_0000) as i32,
            ),
            5,
        ),
        DataType::BigInt => (Value::BigInt(i64_at()?), 9),
        DataType::Real | DataType::Double => {
            let f = float_from_bits(u64::from_be_bytes(fixed(8)?.try_into().expect("8 bytes")));
            (
                if c.data_type == DataType::Real {
                    Value::Real(f as f32)
                } else {
                    Value::Double(f)
                },
                9,
            )
        }
        DataType::Numeric(_) => {
            let (d, used) = decode_numeric(&get, 1)?;
            (Value::Numeric(d), used)
        }
        DataType::Text | DataType::Varchar(_) | DataType::Char(_) | DataType::Bytea => {
            let (raw, end) = take_escaped(&get, 1)?;
            let v = if c.data_type == DataType::Bytea {
                Value::Bytea(raw)
            } else {
                Value::Text(
                    String::from_utf8(raw)
                        .map_err(|_| ValueError::corrupt("key text is not UTF-8"))?,
                )
            };
            (v, end)
        }
        DataType::Date => {
            let days =
                (u32::from_be_bytes(fixed(4)?.try_into().expect("4 bytes")) ^ 0x8000_0000) as i32;
            let d = epoch()
                .checked_add_signed(chrono::Duration::days(i64::from(days)))
                .ok_or_else(|| ValueError::corrupt("key date out of range"))?;
            (Value::Date(d), 5)
        }
        DataType::Time => {
            let micros = i64_at()?;
            if !(0..86_400_000_000).contains(&micros) {
                return Err(ValueError::corrupt("key time out of range"));
            }
            let t = NaiveTime::MIN
                .overflowing_add_signed(chrono::Duration::microseconds(micros))
                .0;
            (Value::Time(t), 9)
        }
        DataType::Timestamp => {
            let t = DateTime::from_timestamp_micros(i64_at()?)
                .ok_or_else(|| ValueError::corrupt("key timestamp out of range"))?;
            (Value::Timestamp(t.naive_utc()), 9)
        }
        DataType::TimestampTz => {
            let t = DateTime::from_timestamp_micros(i64_at()?)
                .ok_or_else(|| ValueError::corrupt("key timestamp out of range"))?;
            (Value::TimestampTz(t), 9)
        }
        DataType::Interval => {
            let b = fixed(24)?;
            let span =
                (u128::from_be_bytes(b[..16].try_into().expect("16 bytes")) ^ (1 << 127)) as i128;
            let i32_at = |at: usize| {
                (u32::from_be_bytes(b[at..at + 4].try_into().expect("4 bytes")) ^ 0x8000_0000)
                    as i32
            };
            let (months, days) = (i32_at(16), i32_at(20));
            let whole = crate::Interval::new(months, days, 0).span();
            let micros = i64::try_from(span - whole)
                .map_err(|_| ValueError::corrupt("key interval out of range"))?;
            (
                Value::Interval(crate::Interval::new(months, days, micros)),
                25,
            )
        }
        DataType::Uuid => (
            Value::Uuid(uuid::Uuid::from_bytes(
                fixed(16)?.try_into().expect("16 bytes"),
            )),
            17,
        ),
        DataType::Enum(e) => {
            let position = u32::from_be_bytes(fixed(4)?.try_into().expect("4 bytes"));
            if e.label(position).is_none() {
                return Err(ValueError::corrupt(format!(
                    "key: enum {} has no label at position {position}",
                    e.name
                )));
            }
            (Value::Enum(e.clone(), position), 5)
        }
        DataType::Jsonb => {
            let (doc, end) = crate::jsonb_key::decode(&get, 1)?;
            (Value::Jsonb(doc), end)
        }
        DataType::Json => return Err(ValueError::corrupt("json in a key")),
        DataType::Array(element) => {
            // The elements, ascending within the column (a descending
            // column's bytes are inverted as a whole), up to the 0x00 end.
            let rest: Vec<u8> = (1..bytes.len()).map(get).collect::<Result<_>>()?;
            let c = KeyColumn::asc((**element).clone());
            let mut items = Vec::new();
            let mut at = 0;
            loop {
                match rest.get(at) {
                    None => return Err(ValueError::corrupt("key array is not terminated")),
                    Some(0) => break,
                    Some(_) => {
                        let (v, used) = decode_column(&rest[at..], &c)?;
                        items.push(v);
                        at += used;
                    }
                }
            }
            (Value::Array(items), 1 + at + 1)
        }
        DataType::Vector(_) => return Err(ValueError::corrupt("a vector in a key")),
    };
    Ok(v)
}

/// Reads bytes written by [`put_escaped`] starting at `start`; returns them
/// and the position after the terminator.
pub(crate) fn take_escaped(
    get: &dyn Fn(usize) -> Result<u8>,
    start: usize,
) -> Result<(Vec<u8>, usize)> {
    let mut raw = Vec::new();
    let mut i = start;
    loop {
        let b = get(i)?;
        if b == 0 {
            match get(i + 1)? {
                0 => return Ok((raw, i + 2)),
                0xff => raw.push(0),
                _ => return Err(ValueError::corrupt("bad escape in a key string")),
            }
            i += 2;
        } else {
            raw.push(b);
            i += 1;
        }
    }
}

fn decode_numeric(get: &dyn Fn(usize) -> Result<u8>, start: usize) -> Result<(Decimal, usize)> {
    let class = get(start)?;
    if class == 0x02 {
        return Ok((Decimal::ZERO, start + 1));
    }
    let negative = match class {
        0x01 => true,
        0x03 => false,
        other => {
            return Err(ValueError::corrupt(format!(
                "bad numeric class {other:#04x}"
            )));
        }
    };
    let byte = |i: usize| -> Result<u8> { get(i).map(|b| if negative { !b } else { b }) };
    let exponent = i32::from(u16::from_be_bytes([byte(start + 1)?, byte(start + 2)?])) - 0x8000;
    let mut digits = String::new();
    let mut i = start + 3;
    loop {
        let d = byte(i)?;
        i += 1;
        if d == 0 {
            break;
        }
        if !(1..=10).contains(&d) || digits.len() > 40 {
            return Err(ValueError::corrupt("bad numeric digit in a key"));
        }
        digits.push(char::from(b'0' + d - 1));
    }
    let scale = digits.len() as i32 - exponent;
    let text = if scale <= 0 {
        format!("{digits}{}", "0".repeat((-scale) as usize))
    } else if scale as usize >= digits.len() {
        format!("0.{}{digits}", "0".repeat(scale as usize - digits.len()))
    } else {
        let split = digits.len() - scale as usize;
        format!("{}.{}", &digits[..split], &digits[split..])
    };
    let mut d: Decimal = text
        .parse()
        .map_err(|_| ValueError::corrupt("numeric key out of range"))?;
    d.set_sign_negative(negative);
    Ok((d, i))
}
