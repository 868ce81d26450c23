//! Inferring a new table's column types from its data.
//!
//! The rule: a column gets a type only if every value in it reads as that
//! type *and prints back as it was written*, as an export writes it again;
//! otherwise it gets a type that keeps every value as written (`text`; in a
//! JSON file, where a number must stay a number, `json`). So an import
//! changes no value: `00150`, `-0` and `0.10` as a double are kept as
//! text, and a table exported and imported again holds the same values as
//! before. Only spelling that means the same value is let through, for the
//! formats other programs write: `true`/`false` in any case (printed `t`,
//! `f`), a `T` between date and time, a time zone as `Z` or `±HH[:MM]`
//! (the instant, printed in UTC, as PostgreSQL's `timestamptz` keeps it),
//! and uppercase uuids.
//!
//! Text (CSV-like files) is tried as, in this order: `boolean` (`t`, `f`),
//! `integer`, `bigint`, `numeric` (decimals with their digits and scale,
//! within Arbor's 28 digits), `double precision` (an exponent, `NaN`,
//! `Infinity`: what only a double prints), `date`, `timestamp`,
//! `timestamptz` (with a zone), `time`, `uuid`, `bytea` (`\x`
//! and lowercase hex), `jsonb` (an object or array written as jsonb prints
//! it), `json` (any other JSON object or array), then `text`. A negative
//! zero is never a number: integers and numerics drop its sign, and a
//! double's equals zero in comparisons (a merge would not see it change)
//! and is zero in a key.
//!
//! JSON files keep JSON's kinds of values, as a JSON export writes them:
//! strings are `text` or a type exported as a string (dates, uuids, ...);
//! numbers a numeric type that holds them as written; `true` and `false`
//! `boolean`; anything else (objects, arrays, a mix of kinds, numbers no
//! numeric type holds) `jsonb` if it keeps every value as it is (its
//! numbers are doubles), else `json`.
//!
//! Every value of a big file goes through [`ColumnGuess::see`], so the
//! checks are cheap: each type drops out of a column's candidates at its
//! first value that does not fit (a text column stops checking at once),
//! and the shapes types print in (`-?[0-9]+(\.[0-9]+)?`, `YYYY-MM-DD`, ...)
//! are checked on the bytes, without allocating; a value of another shape
//! is parsed and printed, once per column when it does not fit.

use std::fmt::Write as _;
use std::ops::{BitAnd, BitOr};

use arbor_jsonb::Jsonb;
use arbor_schema::{DataType, Value, parse_value};

use super::source::Raw;

/// A type a column can be inferred as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Candidate {
    Boolean,
    Integer,
    BigInt,
    Numeric,
    Double,
    Date,
    Timestamp,
    TimestampTz,
    Time,
    Uuid,
    Bytea,
    Jsonb,
    Json,
    Text,
}

impl Candidate {
    /// Every candidate, the preferred first: where several hold a column's
    /// values (integers are numerics too), the first is its type.
    const PREFERRED: [Candidate; 14] = [
        Candidate::Boolean,
        Candidate::Integer,
        Candidate::BigInt,
        Candidate::Numeric,
        Candidate::Double,
        Candidate::Date,
        Candidate::Timestamp,
        Candidate::TimestampTz,
        Candidate::Time,
        Candidate::Uuid,
        Candidate::Bytea,
        Candidate::Jsonb,
        Candidate::Json,
        Candidate::Text,
    ];

    fn data_type(self) -> DataType {
        match self {
            Candidate::Boolean => DataType::Boolean,
            Candidate::Integer => DataType::Integer,
            Candidate::BigInt => DataType::BigInt,
            Candidate::Numeric => DataType::Numeric(None),
            Candidate::Double => DataType::Double,
            Candidate::Date => DataType::Date,
            Candidate::Timestamp => DataType::Timestamp,
            Candidate::TimestampTz => DataType::TimestampTz,
            Candidate::Time => DataType::Time,
            Candidate::Uuid => DataType::Uuid,
            Candidate::Bytea => DataType::Bytea,
            Candidate::Jsonb => DataType::Jsonb,
            Candidate::Json => DataType::Json,
            Candidate::Text => DataType::Text,
        }
    }
}

// A candidate's bit is its place in `PREFERRED`.
const _: () = {
    let mut i = 0;
    while i < Candidate::PREFERRED.len() {
        assert!(Candidate::PREFERRED[i] as usize == i);
        i += 1;
    }
};

/// A set of candidates, a bit each (see [`Candidate::PREFERRED`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Types(u16);

impl Types {
    const NONE: Types = Types(0);
    const ALL: Types = Types((1 << Candidate::PREFERRED.len()) - 1);
    /// The types a JSON export writes as numbers.
    const NUMBERS: Types = Types::of(&[
        Candidate::Integer,
        Candidate::BigInt,
        Candidate::Numeric,
        Candidate::Double,
    ]);
    /// The types a JSON export writes as strings (and a double's `NaN`
    /// and infinities, see `see_json`).
    const STRINGS: Types = Types::of(&[
        Candidate::Date,
        Candidate::Timestamp,
        Candidate::TimestampTz,
        Candidate::Time,
        Candidate::Uuid,
        Candidate::Bytea,
        Candidate::Text,
    ]);
    const DOCUMENTS: Types = Types::of(&[Candidate::Jsonb, Candidate::Json]);

    const fn of(candidates: &[Candidate]) -> Types {
        let mut bits = 0;
        let mut i = 0;
        while i < candidates.len() {
            bits |= 1 << candidates[i] as u16;
            i += 1;
        }
        Types(bits)
    }

    fn has(self, c: Candidate) -> bool {
        self.0 & (1 << c as u16) != 0
    }

    fn only(c: Candidate) -> Types {
        Types(1 << c as u16)
    }

    fn without(self, other: Types) -> Types {
        Types(self.0 & !other.0)
    }

    /// The preferred candidate of the set.
    fn preferred(self) -> Option<Candidate> {
        Candidate::PREFERRED.into_iter().find(|c| self.has(*c))
    }
}

impl BitAnd for Types {
    type Output = Types;
    fn bitand(self, other: Types) -> Types {
        Types(self.0 & other.0)
    }
}

impl BitOr for Types {
    type Output = Types;
    fn bitor(self, other: Types) -> Types {
        Types(self.0 | other.0)
    }
}

/// The kinds of JSON value a column of a JSON file held.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Kinds {
    boolean: bool,
    number: bool,
    string: bool,
    structured: bool,
}

/// What the values of one column could all be.
#[derive(Clone, Debug)]
pub struct ColumnGuess {
    /// Values seen, NULL aside.
    seen: u64,
    /// The types that hold every value seen as written.
    possible: Types,
    /// JSON files: the kinds of value seen.
    kinds: Kinds,
    /// Where values are printed to be compared with their text, kept from
    /// value to value.
    scratch: String,
}

impl Default for ColumnGuess {
    fn default() -> ColumnGuess {
        ColumnGuess {
            seen: 0,
            possible: Types::ALL,
            kinds: Kinds::default(),
            scratch: String::new(),
        }
    }
}

/// What is known of a text value as a JSON document.
#[derive(Clone, Copy)]
enum Document<'a> {
    Unknown,
    /// It was converted to `json`: it parses.
    Valid,
    /// It was converted to this `jsonb`.
    Parsed(&'a Jsonb),
}

impl ColumnGuess {
    /// Narrows the guess with one more value.
    pub fn see(&mut self, raw: &Raw) {
        match raw {
            Raw::Null | Raw::Json(serde_json::Value::Null) => {}
            Raw::Text(s) => self.see_str(s),
            Raw::Json(v) => {
                self.seen += 1;
                self.see_json(v);
            }
        }
    }

    /// Narrows the guess with one more text value (`Raw::Text`).
    pub fn see_str(&mut self, s: &str) {
        self.seen += 1;
        self.possible = fits(s, self.possible, &mut self.scratch, Document::Unknown);
    }

    /// [`ColumnGuess::see_str`] for a text value that was just converted,
    /// without error, to `value`: a JSON document is not parsed again.
    pub fn see_converted(&mut self, s: &str, value: &Value) {
        let document = match value {
            Value::Jsonb(j) => Document::Parsed(j),
            Value::Json(_) => Document::Valid,
            _ => Document::Unknown,
        };
        self.seen += 1;
        self.possible = fits(s, self.possible, &mut self.scratch, document);
    }

    /// Narrows the guess with a value of a JSON file (not null): it keeps
    /// its kind of JSON value, as a JSON export writes each type.
    fn see_json(&mut self, v: &serde_json::Value) {
        let possible = self.possible;
        let scratch = &mut self.scratch;
        let documents = documents(v, possible, scratch);
        self.possible = match v {
            serde_json::Value::Null => possible,
            serde_json::Value::Bool(_) => {
                self.kinds.boolean = true;
                (possible & Types::only(Candidate::Boolean)) | documents
            }
            serde_json::Value::Number(n) => {
                self.kinds.number = true;
                fits(
                    n.as_str(),
                    possible & Types::NUMBERS,
                    scratch,
                    Document::Unknown,
                ) | documents
            }
            serde_json::Value::String(s) => {
                self.kinds.string = true;
                // A JSON export writes a double's NaN and infinities as
                // strings.
                let double = if matches!(s.as_str(), "NaN" | "Infinity" | "-Infinity") {
                    possible & Types::only(Candidate::Double)
                } else {
                    Types::NONE
                };
                fits(s, possible & Types::STRINGS, scratch, Document::Unknown) | double | documents
            }
            serde_json::Value::Array(_) | serde_json::Value::Object(_) => {
                self.kinds.structured = true;
                documents
            }
        };
    }

    /// Widens this guess to also cover every value `other` saw (the same
    /// column read from another file, or other rows of it).
    pub fn merge(&mut self, other: &ColumnGuess) {
        self.seen += other.seen;
        self.possible = self.possible & other.possible;
        let (mine, theirs) = (&mut self.kinds, other.kinds);
        mine.boolean |= theirs.boolean;
        mine.number |= theirs.number;
        mine.string |= theirs.string;
        mine.structured |= theirs.structured;
    }

    /// The inferred type.
    pub fn data_type(&self) -> DataType {
        if self.seen == 0 {
            return DataType::Text;
        }
        let only_strings = self.kinds
            == Kinds {
                string: true,
                ..Kinds::default()
            };
        // JSON strings are text (or dates, ...), never JSON documents,
        // which an export would write as such.
        let possible = if only_strings {
            self.possible.without(Types::DOCUMENTS)
        } else {
            self.possible
        };
        possible
            .preferred()
            .map_or(DataType::Text, Candidate::data_type)
    }
}

/// The candidates among `candidates` that hold text `s` as written: `s`
/// reads as the type and prints back as `s`. `document` is what is known
/// of `s` as JSON. Each check is that of [`prints_back`], most of them
/// made on the bytes of the shapes values print in.
fn fits(s: &str, candidates: Types, scratch: &mut String, document: Document<'_>) -> Types {
    if candidates == Types::only(Candidate::Text) {
        return candidates;
    }
    let b = s.as_bytes();
    let plain = if candidates & Types::NUMBERS != Types::NONE {
        Plain::of(s)
    } else {
        None
    };
    // Dates of years from 1 to 9999 print as `YYYY-MM-DD`; others (past
    // 9999, BC) otherwise: text that starts with a digit and has not that
    // shape is read.
    let starts_with_digit = b.first().is_some_and(u8::is_ascii_digit);
    let dated = |quick: bool| (quick || !starts_with_digit).then_some(quick);
    let mut fit = Types::NONE;
    let mut as_json = None;
    // Each candidate in the set, by its bit.
    let mut rest = candidates.0;
    while rest != 0 {
        let c = Candidate::PREFERRED[rest.trailing_zeros() as usize];
        rest &= rest - 1;
        let known = match c {
            Candidate::Boolean => Some(
                ["t", "f", "true", "false"]
                    .iter()
                    .any(|b| s.eq_ignore_ascii_case(b)),
            ),
            Candidate::Integer => Some(plain.as_ref().is_some_and(|p| p.fits_integer(s, 9))),
            Candidate::BigInt => Some(plain.as_ref().is_some_and(|p| p.fits_integer(s, 18))),
            // Up to 28 digits always fit (and every number that fits
            // prints with the scale it was written with).
            Candidate::Numeric => match &plain {
                Some(p) if p.whole.len() + p.fraction.len() <= 28 => Some(true),
                Some(_) => None,
                None => Some(false),
            },
            // Other than in plain decimals, only a double prints with an
            // exponent, or as NaN or an infinity: those are read.
            Candidate::Double => match &plain {
                Some(p) => Some(p.prints_as_double(s, scratch)),
                None if s.contains(['e', 'E']) || matches!(s, "NaN" | "Infinity" | "-Infinity") => {
                    None
                }
                None => Some(false),
            },
            Candidate::Date => dated(is_date(b)),
            Candidate::Timestamp => dated(is_timestamp(b)),
            Candidate::TimestampTz => dated(without_zone(b).is_some_and(is_timestamp)),
            Candidate::Time => Some(is_time(b)),
            Candidate::Uuid => Some(is_uuid(b)),
            Candidate::Bytea => Some(s.strip_prefix("\\x").is_some_and(|hex| {
                hex.len() % 2 == 0 && hex.bytes().all(|h| matches!(h, b'0'..=b'9' | b'a'..=b'f'))
            })),
            Candidate::Jsonb | Candidate::Json => {
                let (jsonb, json) = *as_json.get_or_insert_with(|| {
                    as_document(s, document, candidates.has(Candidate::Jsonb), scratch)
                });
                Some(if c == Candidate::Jsonb { jsonb } else { json })
            }
            Candidate::Text => Some(true),
        };
        if known.unwrap_or_else(|| prints_back(s, &c.data_type(), scratch)) {
            fit = fit | Types::only(c);
        }
    }
    fit
}

/// Whether text `s` reads as `ty` and prints back as `s`: the rule every
/// inferred type follows. A negative zero is refused (see the module's
/// documentation).
fn prints_back(s: &str, ty: &DataType, scratch: &mut String) -> bool {
    let value = match parse_value(s, ty) {
        Ok(Value::Double(f)) if f == 0.0 && f.is_sign_negative() => return false,
        Ok(v) => v,
        Err(_) => return false,
    };
    scratch.clear();
    // Writing to a String cannot fail.
    let _ = write!(scratch, "{value}");
    scratch == s
}

/// Whether text `s` is a JSON object or array that jsonb prints back as
/// written (asked only if `jsonb`), and whether it is one at all (json
/// keeps it as written).
fn as_document(s: &str, document: Document<'_>, jsonb: bool, scratch: &mut String) -> (bool, bool) {
    if !s.starts_with(['{', '[']) {
        return (false, false);
    }
    let parsed;
    let j = match document {
        Document::Valid if !jsonb => return (false, true),
        Document::Parsed(j) => j,
        Document::Valid | Document::Unknown => match Jsonb::parse(s) {
            Ok(j) => {
                parsed = j;
                &parsed
            }
            Err(_) => return (false, false),
        },
    };
    if !jsonb {
        return (false, true);
    }
    scratch.clear();
    let _ = write!(scratch, "{j}");
    (scratch == s, true)
}

/// Which of the JSON types among `possible` hold JSON value `v` as it is:
/// json any, jsonb one whose numbers it prints back as written (it holds
/// numbers as doubles, or as integers when whole: `20.00` would become
/// `20`).
fn documents(v: &serde_json::Value, possible: Types, scratch: &mut String) -> Types {
    let jsonb = if possible.has(Candidate::Jsonb) && jsonb_keeps_numbers(v, scratch) {
        Types::only(Candidate::Jsonb)
    } else {
        Types::NONE
    };
    (possible & Types::only(Candidate::Json)) | jsonb
}

/// Whether jsonb prints every number in `v` back as written.
fn jsonb_keeps_numbers(v: &serde_json::Value, scratch: &mut String) -> bool {
    match v {
        serde_json::Value::Number(n) => Jsonb::parse(n.as_str()).is_ok_and(|j| {
            scratch.clear();
            let _ = write!(scratch, "{j}");
            scratch == n.as_str()
        }),
        serde_json::Value::Array(items) => items.iter().all(|i| jsonb_keeps_numbers(i, scratch)),
        serde_json::Value::Object(map) => map.values().all(|i| jsonb_keeps_numbers(i, scratch)),
        _ => true,
    }
}

/// A number as integers and numerics print: `-?(0|[1-9][0-9]*)(\.[0-9]+)?`,
/// and not a negative zero.
struct Plain<'a> {
    /// The digits before the point.
    whole: &'a [u8],
    /// The digits after it (none without a point).
    fraction: &'a [u8],
}

impl Plain<'_> {
    fn of(s: &str) -> Option<Plain<'_>> {
        let b = s.as_bytes();
        let (negative, b) = match b.split_first() {
            Some((b'-', rest)) => (true, rest),
            _ => (false, b),
        };
        let (whole, fraction) = match b.iter().position(|&c| c == b'.') {
            Some(point) if point + 1 < b.len() => (&b[..point], &b[point + 1..]),
            Some(_) => return None,
            None => (b, &b[..0]),
        };
        let digits = |d: &[u8]| d.iter().all(u8::is_ascii_digit);
        let zero = whole == b"0" && fraction.iter().all(|&d| d == b'0');
        (!whole.is_empty()
            && digits(whole)
            && digits(fraction)
            && (whole[0] != b'0' || whole.len() == 1)
            && !(negative && zero))
            .then_some(Plain { whole, fraction })
    }

    /// Whether the number is whole and fits an integer of `digits` digits
    /// (9: 32 bits; 18: 64 bits) or, one digit longer, its range.
    fn fits_integer(&self, s: &str, digits: usize) -> bool {
        self.fraction.is_empty()
            && (self.whole.len() <= digits
                || (self.whole.len() == digits + 1
                    && if digits == 9 {
                        s.parse::<i32>().is_ok()
                    } else {
                        s.parse::<i64>().is_ok()
                    }))
    }

    /// Whether a double prints as `s` (this number): without a trailing
    /// zero after the point, its first significant digit at a decimal
    /// exponent from -4 to 14 (else it prints with an exponent), and its
    /// digits the shortest that read back as the same double, which up to
    /// 15 significant digits they always are.
    fn prints_as_double(&self, s: &str, scratch: &mut String) -> bool {
        if self.fraction.last() == Some(&b'0') {
            return false;
        }
        let (exponent, significant) = if self.whole != b"0" {
            (
                self.whole.len() as i64 - 1,
                self.whole.len() + self.fraction.len(),
            )
        } else {
            let zeros = self.fraction.iter().take_while(|&&d| d == b'0').count();
            if zeros == self.fraction.len() {
                // Zero, which prints as `0` (`0.0` ends in a zero).
                return true;
            }
            (-(zeros as i64) - 1, self.fraction.len() - zeros)
        };
        if !(-4..15).contains(&exponent) {
            return false;
        }
        if significant <= 15 {
            return true;
        }
        // Rust's shortest form, as PostgreSQL's in this range.
        let Ok(f) = s.parse::<f64>() else {
            return false;
        };
        scratch.clear();
        let _ = write!(scratch, "{f}");
        scratch == s
    }
}

/// Reads `digits` (ASCII digits) as a number.
fn number(digits: &[u8]) -> u32 {
    digits.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0'))
}

/// Whether `b` is `YYYY-MM-DD`, a date that exists with a year from 1 to
/// 9999: how such dates print.
fn is_date(b: &[u8]) -> bool {
    let [y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1] = *b else {
        return false;
    };
    let digits = [y0, y1, y2, y3, m0, m1, d0, d1];
    if !digits.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let year = number(&digits[..4]);
    year >= 1
        && i32::try_from(year).is_ok_and(|y| {
            chrono::NaiveDate::from_ymd_opt(y, number(&digits[4..6]), number(&digits[6..]))
                .is_some()
        })
}

/// Whether `b` is a date and a time as [`is_date`] and [`is_time`] have
/// them, with a space between: how such timestamps print.
fn is_timestamp(b: &[u8]) -> bool {
    b.len() > 10 && matches!(b[10], b' ' | b'T') && is_date(&b[..10]) && is_time(&b[11..])
}

/// `b` without its time zone: `+00`, `Z`, or an offset `±HH` or `±HH:MM`
/// of at most 15 hours (`None` without one).
fn without_zone(b: &[u8]) -> Option<&[u8]> {
    if let Some(rest) = b.strip_suffix(b"Z") {
        return Some(rest);
    }
    let offset = |zone: &[u8]| match zone {
        [sign, h0, h1] | [sign, h0, h1, b':', b'0'..=b'5', b'0'..=b'9'] => {
            matches!(sign, b'+' | b'-')
                && h0.is_ascii_digit()
                && h1.is_ascii_digit()
                && number(&[*h0, *h1]) <= 15
        }
        _ => false,
    };
    [6, 3]
        .into_iter()
        .filter(|&n| b.len() > n)
        .map(|n| b.split_at(b.len() - n))
        .find(|(_, zone)| offset(zone))
        .map(|(rest, _)| rest)
}

/// Whether `b` is `HH:MM:SS`, maybe with a fraction of 1 to 6 digits that
/// does not end in a zero: how times print.
fn is_time(b: &[u8]) -> bool {
    let Some(([h0, h1, b':', m0, m1, b':', s0, s1], fraction)) = b.split_first_chunk::<8>() else {
        return false;
    };
    let digits = [*h0, *h1, *m0, *m1, *s0, *s1];
    digits.iter().all(u8::is_ascii_digit)
        && number(&digits[..2]) <= 23
        && number(&digits[2..4]) <= 59
        && number(&digits[4..]) <= 59
        && match fraction {
            [] => true,
            [b'.', f @ ..] => {
                (1..=6).contains(&f.len())
                    && f.iter().all(u8::is_ascii_digit)
                    && f.last() != Some(&b'0')
            }
            _ => false,
        }
}

/// Whether `b` is a uuid as uuids print: lowercase hex in groups of 8, 4,
/// 4, 4 and 12, joined by hyphens.
fn is_uuid(b: &[u8]) -> bool {
    b.len() == 36
        && b.iter().enumerate().all(|(i, &c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Text near and in the shapes values print in.
    fn near_printed_shapes() -> impl Strategy<Value = String> {
        let date =
            "([0-9]{4}|0000|[0-9]{5})-(0[1-9]|1[0-2]|[0-9]{2})-(0[1-9]|[12][0-9]|3[01]|[0-9]{2})";
        let time = "([01][0-9]|2[0-4]|[0-9]{2}):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]{0,7})?";
        let shapes = [
            "-?(0|[1-9][0-9]{0,30}|0[0-9]{1,3})(\\.[0-9]{1,30})?".to_owned(),
            "[-+]?[0-9]{0,2}\\.?[0-9]{0,2}".to_owned(),
            "-?[0-9]{1,3}(\\.[0-9]{1,5})?[eE][-+]?[0-9]{1,3}|[-+]?(NaN|Infinity|inf)|\\+[0-9]"
                .to_owned(),
            format!("{date}( BC)?"),
            format!("{date}[ T]{time}(\\+00|\\+01|\\+00:00|Z)?( BC)?"),
            time.to_owned(),
            "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-fA-F]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f-]{32,37}"
                .to_owned(),
            "\\\\x[0-9a-fA-F]{0,5}".to_owned(),
            "[tfTF]|true|yes|on|1".to_owned(),
        ];
        proptest::strategy::Union::new(
            shapes.map(|s| proptest::string::string_regex(&s).expect("a regular expression")),
        )
    }

    proptest! {
        /// The checks made on the bytes agree with reading and printing
        /// each value.
        #[test]
        fn quick_checks_agree_with_printing_back(s in near_printed_shapes()) {
            let mut scratch = String::new();
            for c in Candidate::PREFERRED {
                if matches!(c, Candidate::Jsonb | Candidate::Json | Candidate::Text) {
                    continue;
                }
                let quick = fits(&s, Types::only(c), &mut scratch, Document::Unknown).has(c);
                let read = prints_back(&s, &c.data_type(), &mut scratch);
                if respelled(c) {
                    // Spelling may change, the value may not: what fits
                    // reads, and prints as a value that reads the same.
                    prop_assert!(quick || !read, "{} as {:?}", s, c);
                    if quick {
                        let value = parse_value(&s, &c.data_type());
                        prop_assert!(value.is_ok(), "{} as {:?}", s, c);
                        let again = value.as_ref().map(ToString::to_string).unwrap_or_default();
                        prop_assert_eq!(parse_value(&again, &c.data_type()).ok(), value.ok());
                    }
                } else {
                    prop_assert_eq!(quick, read, "{} as {:?}", s, c);
                }
            }
        }
    }

    /// The types whose other spellings of a value are let through.
    fn respelled(c: Candidate) -> bool {
        matches!(
            c,
            Candidate::Boolean | Candidate::Timestamp | Candidate::TimestampTz | Candidate::Uuid
        )
    }

    /// The type inferred for a column of text values (`None`: NULL).
    fn ty(values: &[Option<&str>]) -> DataType {
        let mut g = ColumnGuess::default();
        for v in values {
            g.see(&match v {
                Some(s) => Raw::Text((*s).to_string()),
                None => Raw::Null,
            });
        }
        g.data_type()
    }

    /// The type inferred for a column of JSON values.
    fn json_ty(values: &[&str]) -> DataType {
        let mut g = ColumnGuess::default();
        for v in values {
            let value: serde_json::Value = serde_json::from_str(v).expect("JSON");
            g.see(&Raw::Json(value));
        }
        g.data_type()
    }

    #[test]
    fn values_another_type_would_print_otherwise_stay_text() {
        for column in [
            &["00150", "7"][..],
            &["-0", "1"],
            &["+1"],
            &["1", " 2"],
            &["1.5", ".5"],
            &["2."],
            &["-0.0"],
            &["1e3"],
            &["1E+20"],
            &["0.1e1"],
            &["123456789012345678901234567890"],
            &["0.00000000000000000000000000001"],
            &["yes", "no"],
            &["on"],
            &["2024-1-31"],
            &["0000-01-01"],
            &["2024-02-30"],
            &["2024-01-31 12:00:00.500"],
            &["12:00"],
            &["a0eebc999c0b4ef8bb6d6bb9bd380a11"],
            &["\\xDEAD"],
            &["\\xabc"],
            &["epoch"],
            &["NaN", "nan"],
            &["1", "x"],
            &[""],
            &["{oops"],
        ] {
            let values: Vec<Option<&str>> = column.iter().map(|v| Some(*v)).collect();
            assert_eq!(ty(&values), DataType::Text, "{column:?}");
        }
    }

    /// The spellings other programs write for these types mean the same
    /// value, and are read as it.
    #[test]
    fn other_spellings_of_the_same_value_get_their_type() {
        assert_eq!(
            ty(&[Some("true"), Some("FALSE"), Some("T")]),
            DataType::Boolean
        );
        assert_eq!(
            ty(&[Some("2024-01-31T12:00:00"), Some("2024-01-31 12:00:00")]),
            DataType::Timestamp
        );
        assert_eq!(
            ty(&[
                Some("2024-01-31T12:00:00Z"),
                Some("2024-01-31 12:00:00+02:00"),
                Some("2024-01-31 12:00:00.5-05")
            ]),
            DataType::TimestampTz
        );
        assert_eq!(
            ty(&[Some("A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11")]),
            DataType::Uuid
        );
        assert_eq!(ty(&[Some("2024-01-31 12:00:00+16:00")]), DataType::Text);
    }

    #[test]
    fn values_that_print_back_get_their_type() {
        assert_eq!(ty(&[Some("t"), None, Some("f")]), DataType::Boolean);
        assert_eq!(ty(&[Some("1"), Some("-2"), Some("0")]), DataType::Integer);
        assert_eq!(ty(&[Some("1"), Some("3000000000")]), DataType::BigInt);
        assert_eq!(
            ty(&[Some("0.10"), Some("20.00"), Some("-1"), Some("0.00")]),
            DataType::Numeric(None)
        );
        assert_eq!(
            ty(&[Some("123456789012345678.91"), Some("99999999999999999999")]),
            DataType::Numeric(None)
        );
        assert_eq!(
            ty(&[
                Some("0.1"),
                Some("1e+20"),
                Some("1.5e-05"),
                Some("NaN"),
                Some("-Infinity")
            ]),
            DataType::Double
        );
        assert_eq!(
            ty(&[
                Some("2024-01-31"),
                Some("0001-01-01 BC"),
                Some("10000-01-01")
            ]),
            DataType::Date
        );
        assert_eq!(
            ty(&[
                Some("12:00:00"),
                Some("23:59:59.123456"),
                Some("00:00:00.5")
            ]),
            DataType::Time
        );
        assert_eq!(
            ty(&[Some("2024-01-31 12:00:00"), Some("2024-01-31 12:00:00.5")]),
            DataType::Timestamp
        );
        assert_eq!(
            ty(&[
                Some("2024-01-31 10:00:00+00"),
                Some("2024-01-31 10:00:00.25+00")
            ]),
            DataType::TimestampTz
        );
        assert_eq!(
            ty(&[Some("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")]),
            DataType::Uuid
        );
        assert_eq!(ty(&[Some("\\xdead"), Some("\\x")]), DataType::Bytea);
        assert_eq!(
            ty(&[Some("{\"a\": [1, null]}"), Some("[]")]),
            DataType::Jsonb
        );
        // Valid JSON that jsonb would print otherwise (spacing, key order,
        // a trailing zero, a repeated key) is json, kept as written.
        assert_eq!(
            ty(&[
                Some("{\"b\":1,\"a\":2}"),
                Some("[0.10]"),
                Some("{\"a\": 1, \"a\": 2}")
            ]),
            DataType::Json
        );
        assert_eq!(ty(&[None]), DataType::Text);
        assert_eq!(ty(&[]), DataType::Text);
    }

    #[test]
    fn json_values_keep_their_json_type_and_digits() {
        assert_eq!(json_ty(&["0.10", "20.00", "null"]), DataType::Numeric(None));
        assert_eq!(json_ty(&["123456789012345678.91"]), DataType::Numeric(None));
        assert_eq!(json_ty(&["1", "2"]), DataType::Integer);
        assert_eq!(json_ty(&["1e+20", "0.5", "\"Infinity\""]), DataType::Double);
        assert_eq!(json_ty(&["true", "false"]), DataType::Boolean);
        assert_eq!(json_ty(&["\"2024-01-31\""]), DataType::Date);
        // Strings stay strings: "12" is not written back as 12, nor "t" as true.
        assert_eq!(json_ty(&["\"12\"", "\"t\""]), DataType::Text);
        assert_eq!(json_ty(&["\"{}\""]), DataType::Text);
        // Objects and arrays, and values of mixed kinds, are jsonb when it
        // keeps them as they are, else json.
        assert_eq!(json_ty(&["{\"a\": 1}", "\"x\"", "2"]), DataType::Jsonb);
        assert_eq!(json_ty(&["true", "1"]), DataType::Jsonb);
        assert_eq!(json_ty(&["{\"a\": 20.00}"]), DataType::Json);
        assert_eq!(json_ty(&["-0", "1"]), DataType::Json);
    }
}
