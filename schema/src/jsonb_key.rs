//! An order-preserving encoding of jsonb documents, so jsonb columns can be
//! part of keys.
//!
//! PostgreSQL orders jsonb as: Object > Array > Boolean > Number > String >
//! Null; arrays by element count, then element by element; objects by pair
//! count, then pair by pair in storage order (keys shorter first, then
//! bytewise), key before value; strings bytewise; numbers by value. The
//! encoding writes exactly those comparisons as bytes, each part either of
//! fixed width or self-delimiting, so that byte order is that order:
//!
//! ```text
//! null     0x01
//! string   0x02  bytes with 0x00 as 0x00 0xFF, then 0x00 0x00
//! number   0x03  f64 order bits (8) | 0x00 (a float)
//!                                   | 0x01 and i64 with the sign bit flipped (8) (an integer)
//!                                   | 0x02 (the float 2^63)
//! boolean  0x04  0x00 false / 0x01 true
//! array    0x05  count u32 BE | each element
//! object   0x06  count u32 BE | each pair in storage order: key length u32 BE | key bytes | value
//! ```
//!
//! Numbers: canonical jsonb holds every whole number within i64's range as
//! an integer, and other numbers (fractions, and whole numbers past i64) as
//! doubles. The f64 image comes first, so mixed integers and floats order by
//! value; the exact i64 after it orders integers that share an f64 image
//! (beyond 2^53). A float shares its image with integers only when it is
//! 2^63 (the integers from 2^63 - 512 up round to it), and it is above them,
//! so it alone is marked 0x02, after the integers' 0x01.
//!
//! Decoding rebuilds the JSON text and parses it, so a decoded key is always
//! a canonical [`Jsonb`]; nesting is bounded by [`arbor_jsonb::MAX_DEPTH`].

use std::fmt::Write as _;

use arbor_jsonb::Jsonb;
use jsonb::{Number, Value as Json};

use crate::error::{ErrorKind, Result, ValueError};

const NULL: u8 = 0x01;
const STRING: u8 = 0x02;
const NUMBER: u8 = 0x03;
const BOOLEAN: u8 = 0x04;
const ARRAY: u8 = 0x05;
const OBJECT: u8 = 0x06;

/// Appends the order-preserving form of `doc`.
pub(crate) fn encode(out: &mut Vec<u8>, doc: &Jsonb) -> Result<()> {
    encode_value(out, &doc.value())
}

fn encode_value(out: &mut Vec<u8>, v: &Json<'_>) -> Result<()> {
    match v {
        Json::Null => out.push(NULL),
        Json::Bool(b) => out.extend_from_slice(&[BOOLEAN, u8::from(*b)]),
        Json::String(s) => {
            out.push(STRING);
            crate::key::put_escaped(out, s.as_bytes());
        }
        Json::Number(n) => {
            out.push(NUMBER);
            match n {
                Number::Int64(i) => {
                    out.extend_from_slice(&crate::key::float_bits(*i as f64).to_be_bytes());
                    out.push(0x01);
                    out.extend_from_slice(&((*i as u64) ^ (1 << 63)).to_be_bytes());
                }
                other => {
                    let f = other.as_f64();
                    out.extend_from_slice(&crate::key::float_bits(f).to_be_bytes());
                    out.push(float_mark(f));
                }
            }
        }
        Json::Array(items) => {
            out.push(ARRAY);
            out.extend_from_slice(&count(items.len())?.to_be_bytes());
            for item in items {
                encode_value(out, item)?;
            }
        }
        Json::Object(map) => {
            out.push(OBJECT);
            out.extend_from_slice(&count(map.len())?.to_be_bytes());
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|(a, _), (b, _)| {
                a.len()
                    .cmp(&b.len())
                    .then_with(|| a.as_bytes().cmp(b.as_bytes()))
            });
            for (key, value) in entries {
                out.extend_from_slice(&count(key.len())?.to_be_bytes());
                out.extend_from_slice(key.as_bytes());
                encode_value(out, value)?;
            }
        }
        _ => {
            return Err(ValueError::new(
                ErrorKind::FeatureNotSupported,
                "extended jsonb values cannot be part of a key",
            ));
        }
    }
    Ok(())
}

/// 2^63: the one double that equals the f64 image of some i64 values yet
/// is stored as a double (it is past i64's range).
const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;

/// What follows a float's f64 image: 0x00, or 0x02 for 2^63, which must sort
/// after the integers (0x01) that share its image.
fn float_mark(f: f64) -> u8 {
    if f == TWO_POW_63 { 0x02 } else { 0x00 }
}

fn count(n: usize) -> Result<u32> {
    u32::try_from(n).map_err(|_| {
        ValueError::new(
            ErrorKind::FeatureNotSupported,
            "jsonb value too large for a key",
        )
    })
}

/// Reads one encoded document from `bytes` (already un-inverted by `get`),
/// returning it and the bytes used.
pub(crate) fn decode(get: &dyn Fn(usize) -> Result<u8>, start: usize) -> Result<(Jsonb, usize)> {
    let mut text = String::new();
    let end = decode_value(get, start, &mut text, 0)?;
    let doc = Jsonb::parse(&text)
        .map_err(|e| ValueError::corrupt(format!("jsonb in a key does not parse: {e}")))?;
    Ok((doc, end))
}

fn read_u32(get: &dyn Fn(usize) -> Result<u8>, at: usize) -> Result<u32> {
    Ok(u32::from_be_bytes([
        get(at)?,
        get(at + 1)?,
        get(at + 2)?,
        get(at + 3)?,
    ]))
}

fn read_u64(get: &dyn Fn(usize) -> Result<u8>, at: usize) -> Result<u64> {
    let mut v = 0u64;
    for i in 0..8 {
        v = (v << 8) | u64::from(get(at + i)?);
    }
    Ok(v)
}

fn decode_value(
    get: &dyn Fn(usize) -> Result<u8>,
    at: usize,
    out: &mut String,
    depth: usize,
) -> Result<usize> {
    if depth > arbor_jsonb::MAX_DEPTH {
        return Err(ValueError::corrupt("jsonb in a key nests too deep"));
    }
    match get(at)? {
        NULL => {
            out.push_str("null");
            Ok(at + 1)
        }
        BOOLEAN => {
            match get(at + 1)? {
                0 => out.push_str("false"),
                1 => out.push_str("true"),
                _ => return Err(ValueError::corrupt("bad jsonb boolean in a key")),
            }
            Ok(at + 2)
        }
        STRING => {
            let (raw, end) = crate::key::take_escaped(get, at + 1)?;
            let s = String::from_utf8(raw)
                .map_err(|_| ValueError::corrupt("jsonb string in a key is not UTF-8"))?;
            write_json_string(out, &s);
            Ok(end)
        }
        NUMBER => {
            let f = crate::key::float_from_bits(read_u64(get, at + 1)?);
            match get(at + 9)? {
                mark @ (0x00 | 0x02) => {
                    if !f.is_finite() || mark != float_mark(f) {
                        return Err(ValueError::corrupt("bad jsonb number in a key"));
                    }
                    // `{:e}` is the shortest text that reads back exactly.
                    let _ = write!(out, "{f:e}");
                    Ok(at + 10)
                }
                0x01 => {
                    let i = (read_u64(get, at + 10)? ^ (1 << 63)) as i64;
                    let _ = write!(out, "{i}");
                    Ok(at + 18)
                }
                _ => Err(ValueError::corrupt("bad jsonb number kind in a key")),
            }
        }
        ARRAY => {
            let n = read_u32(get, at + 1)?;
            let mut at = at + 5;
            out.push('[');
            for i in 0..n {
                if i > 0 {
                    out.push(',');
                }
                at = decode_value(get, at, out, depth + 1)?;
            }
            out.push(']');
            Ok(at)
        }
        OBJECT => {
            let n = read_u32(get, at + 1)?;
            let mut at = at + 5;
            out.push('{');
            for i in 0..n {
                if i > 0 {
                    out.push(',');
                }
                let len = read_u32(get, at)? as usize;
                at += 4;
                // Each byte is fetched (and so bounds-checked) before it is kept.
                let key: Vec<u8> = (at..at.saturating_add(len))
                    .map(get)
                    .collect::<Result<_>>()?;
                at += len;
                let key = String::from_utf8(key)
                    .map_err(|_| ValueError::corrupt("jsonb key in a key is not UTF-8"))?;
                write_json_string(out, &key);
                out.push(':');
                at = decode_value(get, at, out, depth + 1)?;
            }
            out.push('}');
            Ok(at)
        }
        other => Err(ValueError::corrupt(format!(
            "bad jsonb kind {other:#04x} in a key"
        ))),
    }
}

fn write_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}
