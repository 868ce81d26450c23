//! The row encoding: non-key columns, keyed by stable column tags.
//!
//! ```text
//! varint n                      number of non-NULL columns stored
//! n times, tags increasing:
//!   varint tag                  the column's stable tag
//!   varint len                  bytes of the value
//!   len bytes                   the value, by type (below)
//! ```
//!
//! NULL columns are not stored. Because every value carries its tag and
//! length, rows survive schema changes without being rewritten: a column
//! added later is absent from old rows and reads as its "missing value" (the
//! default it was added with) or NULL; a dropped column's bytes are skipped.
//!
//! Values: boolean 1 byte; smallint/integer/bigint 2/4/8 bytes LE; real 4,
//! double 8 bytes LE (IEEE bits); numeric its decimal text; text, varchar,
//! char, json as UTF-8; bytea raw; date i32 LE days from 1970-01-01; time,
//! timestamp, timestamptz i64 LE microseconds; uuid 16 bytes; jsonb its
//! canonical bytes.

use arbor_jsonb::Jsonb;
use arbor_merkle::codec::{Reader, Writer};
use chrono::{DateTime, NaiveDate, NaiveTime};

use crate::error::{Result, ValueError};
use crate::types::DataType;
use crate::value::Value;

/// A column as the row codec sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct RowColumn {
    /// The column's stable tag.
    pub tag: u32,
    /// Its type.
    pub data_type: DataType,
    /// What old rows without this column read as.
    pub missing: Value,
}

/// Encodes `(tag, value)` pairs; NULLs are left out. Tags must be distinct.
pub fn encode_row(columns: &[(u32, &Value)]) -> Vec<u8> {
    let mut out = Vec::new();
    encode_row_into(&mut out, columns.iter().copied(), &mut Vec::new());
    out
}

/// [`encode_row`], appended to `out`; `scratch` is working space kept
/// between calls (a bulk load encodes millions of rows).
pub fn encode_row_into<'v>(
    out: &mut Vec<u8>,
    columns: impl Iterator<Item = (u32, &'v Value)> + Clone,
    scratch: &mut Vec<u8>,
) {
    let mut w = Writer::from_vec(std::mem::take(out));
    let present = columns.clone().filter(|(_, v)| !v.is_null());
    w.varint(present.clone().count() as u64);
    let mut write = |w: &mut Writer, tag: u32, value: &Value| {
        scratch.clear();
        encode_value(scratch, value);
        w.varint(u64::from(tag)).bytes(scratch);
    };
    if columns.is_sorted_by_key(|(tag, _)| tag) {
        for (tag, value) in present {
            write(&mut w, tag, value);
        }
    } else {
        let mut sorted: Vec<(u32, &Value)> = present.collect();
        sorted.sort_by_key(|(tag, _)| *tag);
        for (tag, value) in sorted {
            write(&mut w, tag, value);
        }
    }
    *out = w.into_bytes();
}

fn encode_value(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Null => {}
        Value::Boolean(b) => out.push(u8::from(*b)),
        Value::SmallInt(i) => out.extend_from_slice(&i.to_le_bytes()),
        Value::Integer(i) => out.extend_from_slice(&i.to_le_bytes()),
        Value::BigInt(i) => out.extend_from_slice(&i.to_le_bytes()),
        Value::Real(f) => out.extend_from_slice(&f.to_le_bytes()),
        Value::Double(f) => out.extend_from_slice(&f.to_le_bytes()),
        Value::Numeric(d) => out.extend_from_slice(d.to_string().as_bytes()),
        Value::Text(s) | Value::Json(s) => out.extend_from_slice(s.as_bytes()),
        Value::Bytea(b) => out.extend_from_slice(b),
        Value::Date(d) => {
            let days = d.signed_duration_since(epoch()).num_days() as i32;
            out.extend_from_slice(&days.to_le_bytes());
        }
        Value::Time(t) => {
            let micros = t
                .signed_duration_since(NaiveTime::MIN)
                .num_microseconds()
                .unwrap_or(0);
            out.extend_from_slice(&micros.to_le_bytes());
        }
        Value::Timestamp(t) => out.extend_from_slice(&t.and_utc().timestamp_micros().to_le_bytes()),
        Value::TimestampTz(t) => out.extend_from_slice(&t.timestamp_micros().to_le_bytes()),
        Value::Interval(i) => {
            out.extend_from_slice(&i.months.to_le_bytes());
            out.extend_from_slice(&i.days.to_le_bytes());
            out.extend_from_slice(&i.micros.to_le_bytes());
        }
        Value::Uuid(u) => out.extend_from_slice(u.as_bytes()),
        Value::Jsonb(j) => out.extend_from_slice(j.as_bytes()),
        // An array as its text form (`{1,NULL,"a b"}`), which reads back
        // as the same elements given the column's element type.
        Value::Array(_) => out.extend_from_slice(v.to_string().as_bytes()),
        // The label's position, which stays while labels are added after it.
        Value::Enum(_, position) => out.extend_from_slice(&position.to_le_bytes()),
    }
}

fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).expect("1970-01-01 is a valid date")
}

/// The highest tag a row stores a value for (`None`: every column NULL),
/// read from its framing without decoding any value.
pub fn highest_tag(bytes: &[u8]) -> Result<Option<u32>> {
    let mut r = Reader::new(bytes, "row");
    let corrupt = |e: arbor_merkle::Error| ValueError::corrupt(e.to_string());
    let n = r.count(2).map_err(corrupt)?;
    let mut last = None;
    for _ in 0..n {
        let tag = r.varint().map_err(corrupt)?;
        r.bytes().map_err(corrupt)?;
        // Tags are stored in increasing order, so the last one is the highest.
        if last.is_some_and(|t| t >= tag) {
            return Err(ValueError::corrupt("row tags out of order"));
        }
        last = Some(tag);
    }
    r.finish().map_err(corrupt)?;
    last.map(|t| u32::try_from(t).map_err(|_| ValueError::corrupt("row tag out of range")))
        .transpose()
}

/// Decodes a row into one value per column of `columns`, in that order.
pub fn decode_row(bytes: &[u8], columns: &[RowColumn]) -> Result<Vec<Value>> {
    decode_row_columns(bytes, columns, None)
}

/// Decodes the columns of a row that `wanted` marks (all with `None`); the
/// others read as NULL without being decoded. The row's framing is checked
/// in full either way.
pub fn decode_row_columns(
    bytes: &[u8],
    columns: &[RowColumn],
    wanted: Option<&[bool]>,
) -> Result<Vec<Value>> {
    let mut out = vec![Value::Null; columns.len()];
    let positions: Vec<usize> = (0..columns.len()).collect();
    decode_row_into(bytes, columns, wanted, &mut out, &positions)?;
    Ok(out)
}

/// Decodes a row into `out`: column `i` of `columns` goes to
/// `out[positions[i]]`, if `wanted` marks it (all with `None`). Wanted
/// columns the row does not store get their `missing` value; the others
/// are left as they are. The row's framing is checked in full either way.
pub fn decode_row_into(
    bytes: &[u8],
    columns: &[RowColumn],
    wanted: Option<&[bool]>,
    out: &mut [Value],
    positions: &[usize],
) -> Result<()> {
    let is_wanted = |i: usize| wanted.is_none_or(|w| w.get(i).copied().unwrap_or(true));
    let out_of_range = || ValueError::corrupt("row column out of range");
    // Wanted columns start as their missing value; stored ones overwrite it.
    for (i, c) in columns.iter().enumerate() {
        if is_wanted(i) {
            let at = *positions.get(i).ok_or_else(out_of_range)?;
            *out.get_mut(at).ok_or_else(out_of_range)? = c.missing.clone();
        }
    }
    let mut r = Reader::new(bytes, "row");
    let corrupt = |e: arbor_merkle::Error| ValueError::corrupt(e.to_string());
    let n = r.count(2).map_err(corrupt)?;
    let mut last_tag = None;
    // Columns are usually listed in tag order, as rows store them: try the
    // one after the last match before searching them all.
    let mut next = 0;
    for _ in 0..n {
        let tag = r.varint().map_err(corrupt)?;
        let value = r.bytes().map_err(corrupt)?;
        if last_tag.is_some_and(|t| t >= tag) {
            return Err(ValueError::corrupt("row tags out of order"));
        }
        last_tag = Some(tag);
        let found = match columns.get(next) {
            Some(c) if u64::from(c.tag) == tag => Some(next),
            _ => columns.iter().position(|c| u64::from(c.tag) == tag),
        };
        if let Some(i) = found {
            next = i + 1;
        }
        if let Some(i) = found
            && is_wanted(i)
        {
            let at = *positions.get(i).ok_or_else(out_of_range)?;
            *out.get_mut(at).ok_or_else(out_of_range)? =
                decode_value(value, &columns[i].data_type)?;
        }
    }
    r.finish().map_err(corrupt)?;
    Ok(())
}

fn decode_value(b: &[u8], t: &DataType) -> Result<Value> {
    let bad = || {
        ValueError::corrupt(format!(
            "stored {t} value of {} bytes is malformed",
            b.len()
        ))
    };
    let arr = |n: usize| -> Result<&[u8]> { if b.len() == n { Ok(b) } else { Err(bad()) } };
    Ok(match t {
        DataType::Boolean => Value::Boolean(arr(1)?[0] != 0),
        DataType::SmallInt => {
            Value::SmallInt(i16::from_le_bytes(arr(2)?.try_into().map_err(|_| bad())?))
        }
        DataType::Integer => {
            Value::Integer(i32::from_le_bytes(arr(4)?.try_into().map_err(|_| bad())?))
        }
        DataType::BigInt => {
            Value::BigInt(i64::from_le_bytes(arr(8)?.try_into().map_err(|_| bad())?))
        }
        DataType::Real => Value::Real(f32::from_le_bytes(arr(4)?.try_into().map_err(|_| bad())?)),
        DataType::Double => {
            Value::Double(f64::from_le_bytes(arr(8)?.try_into().map_err(|_| bad())?))
        }
        DataType::Numeric(_) => {
            let s = std::str::from_utf8(b).map_err(|_| bad())?;
            Value::Numeric(s.parse().map_err(|_| bad())?)
        }
        DataType::Text | DataType::Varchar(_) | DataType::Char(_) => {
            Value::Text(String::from_utf8(b.to_vec()).map_err(|_| bad())?)
        }
        DataType::Json => Value::Json(String::from_utf8(b.to_vec()).map_err(|_| bad())?),
        DataType::Bytea => Value::Bytea(b.to_vec()),
        DataType::Date => {
            let days = i32::from_le_bytes(arr(4)?.try_into().map_err(|_| bad())?);
            Value::Date(
                epoch()
                    .checked_add_signed(chrono::Duration::days(i64::from(days)))
                    .ok_or_else(bad)?,
            )
        }
        DataType::Time => {
            let micros = i64::from_le_bytes(arr(8)?.try_into().map_err(|_| bad())?);
            if !(0..86_400_000_000).contains(&micros) {
                return Err(bad());
            }
            Value::Time(
                NaiveTime::MIN
                    .overflowing_add_signed(chrono::Duration::microseconds(micros))
                    .0,
            )
        }
        DataType::Timestamp => {
            let micros = i64::from_le_bytes(arr(8)?.try_into().map_err(|_| bad())?);
            Value::Timestamp(
                DateTime::from_timestamp_micros(micros)
                    .ok_or_else(bad)?
                    .naive_utc(),
            )
        }
        DataType::TimestampTz => {
            let micros = i64::from_le_bytes(arr(8)?.try_into().map_err(|_| bad())?);
            Value::TimestampTz(DateTime::from_timestamp_micros(micros).ok_or_else(bad)?)
        }
        DataType::Interval => {
            let b = arr(16)?;
            let field = |at: usize, n: usize| b[at..at + n].to_vec();
            Value::Interval(crate::Interval::new(
                i32::from_le_bytes(field(0, 4).try_into().map_err(|_| bad())?),
                i32::from_le_bytes(field(4, 4).try_into().map_err(|_| bad())?),
                i64::from_le_bytes(field(8, 8).try_into().map_err(|_| bad())?),
            ))
        }
        DataType::Uuid => Value::Uuid(uuid::Uuid::from_bytes(
            arr(16)?.try_into().map_err(|_| bad())?,
        )),
        DataType::Enum(e) => {
            let position = u32::from_le_bytes(arr(4)?.try_into().map_err(|_| bad())?);
            if e.label(position).is_none() {
                return Err(bad());
            }
            Value::Enum(e.clone(), position)
        }
        DataType::Jsonb => {
            Value::Jsonb(Jsonb::from_bytes(b).map_err(|e| ValueError::corrupt(e.to_string()))?)
        }
        // An array column holds its text form.
        DataType::Array(element) => {
            let text = std::str::from_utf8(b).map_err(|_| bad())?;
            Value::Array(crate::array::parse_array(text, element).map_err(|_| bad())?)
        }
        DataType::Vector(_) => return Err(ValueError::corrupt("a vector column in a row")),
    })
}
