//! # arbor-jsonb: the binary JSONB value
//!
//! A [`Jsonb`] is a JSON document held in a canonical binary form (the `jsonb`
//! crate's encoding): the same JSON value always gives the same bytes, so equal
//! documents share chunks and compare by bytes. It prints exactly as
//! PostgreSQL prints `jsonb`, and orders as PostgreSQL's jsonb btree does.
//!
//! Canonical form: object keys sorted; integers that fit in 64 bits stored as
//! integers (so `1`, `1.0` and `1e0` are the same value); other numbers as
//! doubles. Text is parsed as PostgreSQL parses jsonb input (standard JSON:
//! `{a:1}` and `NaN` are refused; a repeated key keeps its last value), with
//! errors that give the position.

pub mod array_text;
pub mod diff;
mod jsonpath;
pub mod merge;
pub mod ops;
mod order;
mod parse;
mod text;
mod validate;

use std::cmp::Ordering;
use std::fmt;

pub use diff::{Change, PathStep, diff};
pub use merge::{Conflict, merge};
pub use ops::{JsonbAgg, JsonbInput, JsonbObjectAgg};
pub use order::compare;

/// Deepest nesting accepted in a document.
pub const MAX_DEPTH: usize = 512;
/// Largest document accepted, in bytes of JSON text.
pub const MAX_TEXT_LEN: usize = 256 << 20;

/// A problem with a JSON document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JsonbError {
    /// The text is not valid JSON.
    #[error("invalid input syntax for type json: {message}")]
    Syntax {
        /// What is wrong, with its position.
        message: String,
    },
    /// The document nests deeper than [`MAX_DEPTH`].
    #[error("JSON document nests deeper than {MAX_DEPTH} levels")]
    TooDeep,
    /// The document is longer than [`MAX_TEXT_LEN`].
    #[error("JSON document of {0} bytes is over the limit of {MAX_TEXT_LEN} bytes")]
    TooLarge(usize),
    /// An operator or function was given a document it cannot apply to.
    #[error("{message}")]
    Invalid {
        /// PostgreSQL's error message.
        message: String,
        /// PostgreSQL's hint, where it gives one.
        hint: Option<&'static str>,
    },
    /// A jsonpath expression does not parse or cannot be evaluated.
    #[error("{0}")]
    JsonPath(String),
    /// Stored bytes do not decode.
    #[error("stored jsonb value is corrupt: {0}")]
    Corrupt(String),
}

/// A JSON document in canonical binary form.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Jsonb {
    bytes: Vec<u8>,
}

impl Jsonb {
    /// Parses JSON text.
    pub fn parse(text: &str) -> Result<Jsonb, JsonbError> {
        if text.len() > MAX_TEXT_LEN {
            return Err(JsonbError::TooLarge(text.len()));
        }
        Ok(Jsonb {
            bytes: parse::encode(text)?,
        })
    }

    fn from_value(value: &jsonb::Value<'_>) -> Jsonb {
        Jsonb {
            bytes: value.to_vec(),
        }
    }

    /// Accepts stored bytes, checking in one walk over them, without
    /// decoding, that they are a document in canonical form; damaged or
    /// foreign bytes are an error.
    pub fn from_bytes(bytes: &[u8]) -> Result<Jsonb, JsonbError> {
        validate::validate(bytes).map_err(JsonbError::Corrupt)?;
        // Builds with debug assertions (tests, fuzzing) check the walk
        // against decoding and encoding again.
        debug_assert_eq!(
            jsonb::from_slice(bytes)
                .map(|value| canonical(value).to_vec())
                .as_deref(),
            Ok(bytes),
            "bytes that pass validation are canonical"
        );
        Ok(Jsonb {
            bytes: bytes.to_vec(),
        })
    }

    /// The canonical bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The document as a value tree.
    pub fn value(&self) -> jsonb::Value<'_> {
        jsonb::from_slice(&self.bytes)
            .expect("a Jsonb always holds bytes that decoded when it was made")
    }
}

/// 2^63 as a double: the first whole double that does not fit in i64.
const I64_BOUND: f64 = 9_223_372_036_854_775_808.0;

/// The canonical form of a number read as a double: a whole one in i64's
/// range is `Int64` (every such double converts exactly, so the same number
/// always takes the same form whether it was written `10000000000000000` or
/// `1e16`), any other a double.
pub(crate) fn canonical_number(f: f64) -> jsonb::Number {
    if f.fract() == 0.0 && (-I64_BOUND..I64_BOUND).contains(&f) {
        jsonb::Number::Int64(f as i64)
    } else {
        jsonb::Number::Float64(f)
    }
}

/// Normalizes numbers: a value that is an integer fitting in i64 becomes
/// `Int64`; every other number a double.
fn canonical(value: jsonb::Value<'_>) -> jsonb::Value<'static> {
    use jsonb::{Number, Value};
    match value {
        Value::Null => Value::Null,
        Value::Bool(b) => Value::Bool(b),
        Value::String(s) => Value::String(std::borrow::Cow::Owned(s.into_owned())),
        Value::Number(n) => {
            let f = match n {
                Number::Int64(i) => return Value::Number(Number::Int64(i)),
                Number::UInt64(u) => match i64::try_from(u) {
                    Ok(i) => return Value::Number(Number::Int64(i)),
                    Err(_) => u as f64,
                },
                other => other.as_f64(),
            };
            Value::Number(canonical_number(f))
        }
        Value::Array(items) => Value::Array(items.into_iter().map(canonical).collect()),
        Value::Object(map) => {
            Value::Object(map.into_iter().map(|(k, v)| (k, canonical(v))).collect())
        }
        // Extended types are never produced by parsing JSON text.
        other => Value::String(std::borrow::Cow::Owned(other.to_string())),
    }
}

impl fmt::Display for Jsonb {
    /// PostgreSQL's text form of jsonb: `{"a": 1, "bb": [1, 2]}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        text::write_value(&mut out, &self.value());
        f.write_str(&out)
    }
}

impl fmt::Debug for Jsonb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Jsonb({self})")
    }
}

impl PartialOrd for Jsonb {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Jsonb {
    /// PostgreSQL's jsonb btree order.
    fn cmp(&self, other: &Self) -> Ordering {
        if self.bytes == other.bytes {
            return Ordering::Equal;
        }
        compare(&self.value(), &other.value())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn j(s: &str) -> Jsonb {
        Jsonb::parse(s).unwrap()
    }

    #[test]
    fn prints_as_postgresql_does() {
        assert_eq!(
            j(r#"{"bb":[1,2],"a":1}"#).to_string(),
            r#"{"a": 1, "bb": [1, 2]}"#
        );
        assert_eq!(
            j(r#"{"aaa":1,"b":2,"cc":3}"#).to_string(),
            r#"{"b": 2, "cc": 3, "aaa": 1}"#
        );
        assert_eq!(
            j(r#"  [ true , null, "x\"y" , 1.5 ] "#).to_string(),
            r#"[true, null, "x\"y", 1.5]"#
        );
        assert_eq!(j("{}").to_string(), "{}");
        assert_eq!(j("[]").to_string(), "[]");
        assert_eq!(j("-0.25").to_string(), "-0.25");
    }

    #[test]
    fn canonical_bytes() {
        assert_eq!(j("1").as_bytes(), j("1.0").as_bytes());
        assert_eq!(j("1").as_bytes(), j("1e0").as_bytes());
        assert_eq!(
            j(r#"{"a":1,"b":2}"#).as_bytes(),
            j(r#"{ "b": 2, "a": 1 }"#).as_bytes()
        );
        for doc in [
            r#"{"k":[1,{"z":null}]}"#,
            "1",
            "-2.5",
            r#""text""#,
            "null",
            "true",
            "[]",
            "{}",
            r#"[[["deep"]]]"#,
        ] {
            let x = j(doc);
            assert_eq!(Jsonb::from_bytes(x.as_bytes()).unwrap(), x, "{doc}");
        }
    }

    /// Pins the stored bytes: an upgrade of the jsonb crate that changed them
    /// would change every address that holds a jsonb value.
    #[test]
    fn golden_bytes() {
        let hex: String = j(r#"{"a":[1,"x",true,null,2.5]}"#)
            .as_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(hex, GOLDEN);
    }

    const GOLDEN: &str = "40000001100000015000002461800000052000000210000001400000000000000020000009400178604004000000000000";

    #[test]
    fn bad_json_is_an_error_with_a_position() {
        for bad in ["{a:1}", "NaN", "[1,", "", "{\"a\" 1}"] {
            let e = Jsonb::parse(bad).unwrap_err();
            assert!(matches!(e, JsonbError::Syntax { .. }), "{bad}: {e}");
        }
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert_eq!(Jsonb::parse(&deep).unwrap_err(), JsonbError::TooDeep);
        assert!(Jsonb::from_bytes(&[0xff, 0x00, 0x12]).is_err());
        // A header claiming half a billion elements in four bytes (found by fuzzing).
        assert!(Jsonb::from_bytes(&[0x92, 0x92, 0x1a, 0x1a]).is_err());
        // A float whose body is three bytes long (found by fuzzing).
        assert!(
            Jsonb::from_bytes(&[0x3e, 0x0d, 0x5c, 0x5c, 0x20, 0, 0, 4, 0x60, 0, 0, 0]).is_err()
        );
        // An object whose key is not a string.
        let mut bytes = j(r#"{"a": 1}"#).as_bytes().to_vec();
        bytes[4] = (bytes[4] & 0x0f) | 0x20;
        assert!(Jsonb::from_bytes(&bytes).is_err());
    }

    /// A top-level scalar: a scalar container with one entry.
    fn scalar(entry: u32, data: &[u8]) -> Vec<u8> {
        let mut out = vec![0x20, 0, 0, 0];
        out.extend_from_slice(&entry.to_be_bytes());
        out.extend_from_slice(data);
        out
    }

    fn number(data: &[u8]) -> Vec<u8> {
        scalar(0x2000_0000 | data.len() as u32, data)
    }

    fn double(f: f64) -> Vec<u8> {
        let mut data = vec![0x60];
        data.extend_from_slice(&f.to_be_bytes());
        number(&data)
    }

    /// `depth` arrays, each holding the next; the innermost is empty.
    fn nested_arrays(depth: usize) -> Vec<u8> {
        let mut doc = vec![0x80, 0, 0, 0];
        for _ in 1..depth {
            let mut outer = vec![0x80, 0, 0, 1];
            outer.extend_from_slice(&(0x5000_0000 | doc.len() as u32).to_be_bytes());
            outer.extend_from_slice(&doc);
            doc = outer;
        }
        doc
    }

    #[test]
    fn from_bytes_accepts_only_canonical_form() {
        // What parsing writes is accepted.
        assert_eq!(number(&[0x00]), j("0").as_bytes());
        assert_eq!(number(&[0x40, 0x01]), j("1").as_bytes());
        assert_eq!(number(&[0x40, 0x00, 0x80]), j("128").as_bytes());
        assert_eq!(double(2.5), j("2.5").as_bytes());
        assert_eq!(double(1e19), j("1e19").as_bytes());
        assert_eq!(double(I64_BOUND), j("9223372036854775808").as_bytes());
        for doc in ["0", "1", "-129", "40000", "-3000000000", "2.5", "1e19"] {
            assert!(Jsonb::from_bytes(j(doc).as_bytes()).is_ok(), "{doc}");
        }
        assert_eq!(
            nested_arrays(MAX_DEPTH),
            j(&format!(
                "{}{}",
                "[".repeat(MAX_DEPTH),
                "]".repeat(MAX_DEPTH)
            ))
            .as_bytes()
        );
        assert!(Jsonb::from_bytes(&nested_arrays(MAX_DEPTH)).is_ok());
        // Other encodings of the same values, and values parsing never makes.
        let refused = [
            ("zero as an integer", number(&[0x40, 0x00])),
            ("1 in two bytes", number(&[0x40, 0x00, 0x01])),
            ("128 in four bytes", number(&[0x40, 0, 0, 0, 0x80])),
            (
                "-129 in eight bytes",
                number(&[0x40, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F]),
            ),
            ("unsigned 1", number(&[0x50, 0x01])),
            ("1 as a double", double(1.0)),
            ("-0 as a double", double(-0.0)),
            ("-2^63 as a double", double(-I64_BOUND)),
            ("a NaN double", double(f64::NAN)),
            ("an infinite double", double(f64::INFINITY)),
            ("the NaN tag", number(&[0x10])),
            ("a decimal", number(&[0x70, 0, 0, 0, 0, 0, 0, 0, 1, 0])),
            ("a scalar header with a count", {
                let mut b = j("1").as_bytes().to_vec();
                b[3] = 1;
                b
            }),
            ("a null with a length", scalar(0x0000_0001, &[0])),
            ("an offset entry", scalar(0x9000_0001, b"a")),
            ("an extension", scalar(0x6000_0001, &[0])),
            (
                "a scalar holding a container",
                scalar(0x5000_0004, &[0x80, 0, 0, 0]),
            ),
            ("too deep", nested_arrays(MAX_DEPTH + 1)),
        ];
        for (what, bytes) in refused {
            assert!(
                matches!(Jsonb::from_bytes(&bytes), Err(JsonbError::Corrupt(_))),
                "{what}: {bytes:02x?}"
            );
        }
        // {"a": 1, "b": 2} with its keys swapped, and with both keys "a".
        let ab = j(r#"{"a": 1, "b": 2}"#).as_bytes().to_vec();
        let at = |b: &[u8], c: u8| b.iter().position(|x| *x == c).unwrap();
        let mut swapped = ab.clone();
        let (a, b) = (at(&ab, b'a'), at(&ab, b'b'));
        swapped.swap(a, b);
        assert!(Jsonb::from_bytes(&swapped).is_err());
        let mut repeated = ab.clone();
        repeated[b] = b'a';
        assert!(Jsonb::from_bytes(&repeated).is_err());
        // A container entry whose length is one byte more than its container.
        let mut long = j("[[1], 2]").as_bytes().to_vec();
        assert_eq!(long[4..8], [0x50, 0, 0, 10]);
        long[7] += 1;
        assert!(Jsonb::from_bytes(&long).is_err());
    }

    #[test]
    fn refuses_what_it_cannot_store_faithfully() {
        for bad in [
            "1e400",
            "[-1e999]",
            r#""\ud83d""#,
            r#""\ude00x""#,
            r#""\ud83d\u0041""#,
        ] {
            let e = Jsonb::parse(bad).unwrap_err();
            assert!(matches!(e, JsonbError::Syntax { .. }), "{bad}: {e}");
        }
        assert_eq!(j(r#""\ud83d\ude00""#).to_string(), "\"\u{1f600}\"");
        assert_eq!(j(r#""\\ud83d""#).to_string(), r#""\\ud83d""#);
    }

    #[test]
    fn repeated_keys_keep_the_last_value() {
        assert_eq!(
            j(r#"{"a":1,"b":2,"a":3}"#).to_string(),
            r#"{"a": 3, "b": 2}"#
        );
        assert_eq!(j(r#"{"a":{"x":1},"a":[2]}"#).to_string(), r#"{"a": [2]}"#);
    }

    #[test]
    fn accepts_exactly_standard_json() {
        for good in [
            " \t\r\n1 ",
            "-0",
            "0.5e-3",
            "1E+2",
            r#""\"\\\/\b\f\n\r\t\u00e9""#,
            r#"{"a" : [ 1 , { } , [ ] ] }"#,
            "\"caf\u{e9} \u{1f600}\"",
        ] {
            assert!(Jsonb::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "01",
            "-",
            "1.",
            ".5",
            "+1",
            "1e",
            "tru",
            "nul",
            "[1,]",
            "{\"a\":1,}",
            "'a'",
            "\"a\nb\"",
            r#""\x""#,
            r#""\u12g4""#,
            "1 2",
            "[1] x",
            "Infinity",
            "\"abc",
        ] {
            assert!(
                matches!(Jsonb::parse(bad), Err(JsonbError::Syntax { .. })),
                "{bad:?} should be refused"
            );
        }
        assert_eq!(
            Jsonb::parse("[1, x]").unwrap_err().to_string(),
            "invalid input syntax for type json: Expected JSON value, but found \"x\", pos 4"
        );
    }

    #[test]
    fn postgresql_order() {
        // Object > Array > Boolean > Number > String > Null.
        let ordered = [
            "null",
            r#""""#,
            r#""a""#,
            "-1",
            "0",
            "2.5",
            "false",
            "true",
            "[]",
            "[1]",
            "[0, 0]",
            "{}",
            r#"{"a": 1}"#,
            r#"{"a": 2}"#,
            r#"{"b": 1}"#,
            r#"{"a": 1, "b": 1}"#,
        ];
        for w in ordered.windows(2) {
            assert!(j(w[0]) < j(w[1]), "{} < {}", w[0], w[1]);
        }
        // Numbers compare exactly, also where an integer's nearest double
        // is a stored double (2^63, past i64).
        let numbers = [
            "-1e19",
            "-9223372036854775808",
            "-0.5",
            "9007199254740992",
            "9007199254740993",
            "9223372036854775296",
            "9223372036854775807",
            "9223372036854775808",
            "1e19",
        ];
        for w in numbers.windows(2) {
            assert!(j(w[0]) < j(w[1]), "{} < {}", w[0], w[1]);
            assert!(j(w[1]) > j(w[0]), "{} > {}", w[1], w[0]);
        }
    }
}
