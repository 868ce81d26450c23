//! PostgreSQL's text forms of values: the input functions (text to value,
//! [`parse_value`]) and the output functions (value to text, used by
//! `Value`'s `Display`).
//!
//! Input follows PostgreSQL's rules for each type, with its error messages:
//! surrounding whitespace is ignored for numbers, booleans accept
//! `t/true/yes/on/1` and their prefixes, `bytea` accepts the `\x` hex form
//! and the escape form, dates and times take the ISO forms. A type modifier
//! (`varchar(n)`, `char(n)`, `numeric(p, s)`) is applied as PostgreSQL's
//! input does: too-long text is an error unless the excess is spaces.
//!
//! Output is PostgreSQL's with `DateStyle = ISO` and `TimeZone = UTC`:
//! booleans `t`/`f`, floats in the shortest text that reads back exactly,
//! `bytea` as `\x` hex, `timestamptz` in UTC with `+00`, years before 1 AD
//! with ` BC`.
//!
//! Limits: named time zones (`America/New_York`) are not recognized (only
//! `UTC`, `GMT`, `Z` and numeric offsets), nor are `infinity` dates and
//! `24:00:00`, which the chrono types cannot hold.

use std::fmt::Write as _;

use arbor_jsonb::Jsonb;
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};

use crate::error::{ErrorKind, Result, ValueError};
use crate::numeric::parse_numeric;
use crate::types::DataType;
use crate::value::Value;

/// Parses `text` as a value of type `ty`, as PostgreSQL's input function for
/// the type does (type modifiers included).
pub fn parse_value(text: &str, ty: &DataType) -> Result<Value> {
    Ok(match ty {
        DataType::Enum(e) => match e.position(text) {
            Some(position) => Value::Enum(e.clone(), position),
            None => {
                return Err(ValueError::new(
                    ErrorKind::InvalidTextRepresentation,
                    format!("invalid input value for enum {}: \"{text}\"", e.name),
                ));
            }
        },
        DataType::Boolean => Value::Boolean(parse_bool(text)?),
        DataType::SmallInt => {
            let i = parse_integer(text, "smallint")?;
            Value::SmallInt(
                i16::try_from(i).map_err(|_| ValueError::input_out_of_range(text, "smallint"))?,
            )
        }
        DataType::Integer => {
            let i = parse_integer(text, "integer")?;
            Value::Integer(
                i32::try_from(i).map_err(|_| ValueError::input_out_of_range(text, "integer"))?,
            )
        }
        DataType::BigInt => Value::BigInt(parse_integer(text, "bigint")?),
        DataType::Real => {
            let f = parse_float(text, ty)?;
            let narrow = f as f32;
            // f64 -> f32 overflows to infinity or underflows to zero; both
            // are out of range for real when the input was finite and non-zero.
            if (narrow.is_infinite() && f.is_finite()) || (narrow == 0.0 && f != 0.0) {
                return Err(ValueError::input_out_of_range(text, ty).reword_float());
            }
            Value::Real(narrow)
        }
        DataType::Double => Value::Double(parse_float(text, ty)?),
        DataType::Numeric(typmod) => Value::Numeric(parse_numeric(text, *typmod)?),
        DataType::Text => Value::Text(text.to_owned()),
        DataType::Varchar(limit) => Value::Text(fit_text(text, *limit, ty, false)?),
        DataType::Char(n) => Value::Text(fit_text(text, Some(*n), ty, true)?),
        DataType::Bytea => Value::Bytea(parse_bytea(text)?),
        DataType::Date => Value::Date(parse_date(text)?),
        DataType::Time => Value::Time(parse_time_of_day(text)?),
        DataType::Timestamp => Value::Timestamp(parse_timestamp(text, ty)?.0),
        DataType::TimestampTz => {
            let (local, offset) = parse_timestamp(text, ty)?;
            // Without an offset the time is the session zone's.
            let instant = match offset {
                Some(east) => Some((local - chrono::Duration::seconds(i64::from(east))).and_utc()),
                None => crate::zone::session_zone().instant(local),
            };
            Value::TimestampTz(instant.ok_or_else(|| field_overflow(text))?)
        }
        DataType::Interval => Value::Interval(crate::Interval::parse(text, None)?),
        DataType::Uuid => Value::Uuid(parse_uuid(text)?),
        DataType::Json => {
            parse_jsonb(text)?;
            Value::Json(text.to_owned())
        }
        DataType::Jsonb => Value::Jsonb(parse_jsonb(text)?),
        DataType::Array(element) => Value::Array(crate::array::parse_array(text, element)?),
        DataType::Vector(element) => Value::Array(
            text.split_whitespace()
                .map(|item| parse_value(item, element))
                .collect::<Result<_>>()?,
        ),
    })
}

impl ValueError {
    /// Float input says `"1e400" is out of range for type double precision`.
    fn reword_float(self) -> ValueError {
        let message = self.message.replacen("value ", "", 1);
        ValueError { message, ..self }
    }
}

fn trim(text: &str) -> &str {
    text.trim_matches(|c: char| c.is_ascii_whitespace())
}

/// PostgreSQL's boolin: `t`, `true`, `yes`, `on`, `1` and the false words,
/// any unambiguous prefix, any case, surrounding whitespace ignored.
pub fn parse_bool(text: &str) -> Result<bool> {
    let s = trim(text).to_ascii_lowercase();
    let prefix_of = |word: &str, min: usize| s.len() >= min && word.starts_with(s.as_str());
    if prefix_of("true", 1) || prefix_of("yes", 1) || prefix_of("on", 2) || s == "1" {
        Ok(true)
    } else if prefix_of("false", 1) || prefix_of("no", 1) || prefix_of("off", 2) || s == "0" {
        Ok(false)
    } else {
        Err(ValueError::invalid_input("boolean", text))
    }
}

/// An integer's text: optional sign and decimal digits, whitespace around.
fn parse_integer(text: &str, type_name: &str) -> Result<i64> {
    let s = trim(text);
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ValueError::invalid_input(type_name, text));
    }
    s.parse::<i64>()
        .map_err(|_| ValueError::input_out_of_range(text, type_name))
}

/// A float's text: decimal or exponent notation, `NaN`, `Infinity`, `inf`.
fn parse_float(text: &str, ty: &DataType) -> Result<f64> {
    let s = trim(text);
    let lower = s.to_ascii_lowercase();
    let unsigned = lower.trim_start_matches(['+', '-']);
    let negative = lower.starts_with('-');
    match unsigned {
        "nan" if lower.len() == 3 => return Ok(f64::NAN),
        "infinity" | "inf" if lower.len() - unsigned.len() <= 1 => {
            return Ok(if negative {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            });
        }
        _ => {}
    }
    // Rust's parser takes words (inf, nan) that were handled above; only
    // digits, a point, signs and an exponent get through to it.
    let plain = s
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'+' | b'-' | b'e' | b'E'));
    let f: f64 = match s.parse() {
        Ok(f) if plain => f,
        _ => return Err(ValueError::invalid_input(ty, text)),
    };
    let has_nonzero_digit = s
        .split(['e', 'E'])
        .next()
        .is_some_and(|m| m.bytes().any(|b| (b'1'..=b'9').contains(&b)));
    if f.is_infinite() || (f == 0.0 && has_nonzero_digit) {
        return Err(ValueError::input_out_of_range(text, ty).reword_float());
    }
    Ok(f)
}

/// Applies `varchar(n)`/`char(n)` as input and assignment do: text longer
/// than `n` characters is an error unless the excess is all spaces, which is
/// cut; `char(n)` is padded with spaces to `n`.
pub(crate) fn fit_text(text: &str, limit: Option<u32>, ty: &DataType, pad: bool) -> Result<String> {
    let Some(n) = limit else {
        return Ok(text.to_owned());
    };
    let n = n as usize;
    let mut s = match text.char_indices().nth(n) {
        None => text.to_owned(),
        Some((cut, _)) => {
            if text[cut..].bytes().any(|b| b != b' ') {
                return Err(ValueError::too_long(ty));
            }
            text[..cut].to_owned()
        }
    };
    if pad {
        let len = s.chars().count();
        s.extend(std::iter::repeat_n(' ', n.saturating_sub(len)));
    }
    Ok(s)
}

/// `bytea` input: `\x` followed by hex digit pairs (whitespace allowed
/// between pairs), or the escape form where `\\` is a backslash and `\ooo`
/// an octal byte.
pub fn parse_bytea(text: &str) -> Result<Vec<u8>> {
    let hex_error = |what: String| ValueError::new(ErrorKind::InvalidTextRepresentation, what);
    if let Some(hex) = text.strip_prefix("\\x") {
        let mut out = Vec::with_capacity(hex.len() / 2);
        let mut chars = hex.chars().filter(|c| !c.is_ascii_whitespace());
        while let Some(high) = chars.next() {
            let value = |c: char| {
                c.to_digit(16)
                    .ok_or_else(|| hex_error(format!("invalid hexadecimal digit: \"{c}\"")))
            };
            let h = value(high)?;
            let l = match chars.next() {
                Some(low) => value(low)?,
                None => {
                    return Err(hex_error(
                        "invalid hexadecimal data: odd number of digits".into(),
                    ));
                }
            };
            out.push((h * 16 + l) as u8);
        }
        return Ok(out);
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b != b'\\' {
            out.push(b);
            i += 1;
        } else if bytes.get(i + 1) == Some(&b'\\') {
            out.push(b'\\');
            i += 2;
        } else {
            let octal = bytes.get(i + 1..i + 4).filter(|d| {
                (b'0'..=b'3').contains(&d[0]) && d[1..].iter().all(|c| (b'0'..=b'7').contains(c))
            });
            let Some(d) = octal else {
                return Err(ValueError::invalid_input("bytea", text));
            };
            out.push((d[0] - b'0') * 64 + (d[1] - b'0') * 8 + (d[2] - b'0'));
            i += 4;
        }
    }
    Ok(out)
}

/// PostgreSQL's uuid input: 32 hex digits, optionally in braces, with an
/// optional hyphen after any group of four digits.
pub fn parse_uuid(text: &str) -> Result<uuid::Uuid> {
    let bad = || ValueError::invalid_input("uuid", text);
    let s = trim(text);
    let s = match s.strip_prefix('{') {
        Some(inner) => inner.strip_suffix('}').ok_or_else(bad)?,
        None => s,
    };
    let mut bytes = [0u8; 16];
    let mut n = 0;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        let d = c.to_digit(16).ok_or_else(bad)?;
        if n >= 32 {
            return Err(bad());
        }
        bytes[n / 2] |= (d as u8) << if n % 2 == 0 { 4 } else { 0 };
        n += 1;
        if n % 4 == 0 && n < 32 && chars.peek() == Some(&'-') {
            chars.next();
        }
    }
    if n != 32 {
        return Err(bad());
    }
    Ok(uuid::Uuid::from_bytes(bytes))
}

fn parse_jsonb(text: &str) -> Result<Jsonb> {
    Jsonb::parse(text).map_err(|e| match e {
        arbor_jsonb::JsonbError::Syntax { message } => ValueError::new(
            ErrorKind::InvalidTextRepresentation,
            "invalid input syntax for type json",
        )
        .with_detail(message),
        other => ValueError::new(ErrorKind::InvalidTextRepresentation, other.to_string()),
    })
}

fn datetime_format_error(ty: &str, text: &str) -> ValueError {
    ValueError::new(
        ErrorKind::InvalidDatetimeFormat,
        format!("invalid input syntax for type {ty}: \"{text}\""),
    )
}

fn field_overflow(text: &str) -> ValueError {
    ValueError::new(
        ErrorKind::DatetimeFieldOverflow,
        format!("date/time field value out of range: \"{text}\""),
    )
    .with_hint("Perhaps you need a different \"datestyle\" setting.")
}

/// A cursor over date/time text.
struct Scan<'a> {
    s: &'a [u8],
    at: usize,
}

impl Scan<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.at).copied()
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    /// Up to `max` digits (at least one), as a number and its digit count.
    fn number(&mut self, max: usize) -> Option<(i64, usize)> {
        let start = self.at;
        let mut v: i64 = 0;
        while self.at - start < max
            && let Some(d) = self.peek().filter(u8::is_ascii_digit)
        {
            v = v * 10 + i64::from(d - b'0');
            self.at += 1;
        }
        (self.at > start).then_some((v, self.at - start))
    }

    fn skip_spaces(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_whitespace()) {
            self.at += 1;
        }
    }

    fn rest(&self) -> &[u8] {
        &self.s[self.at..]
    }
}

/// `YYYY-MM-DD`; an era suffix (` BC`/` AD`) is read by the callers.
fn scan_date(scan: &mut Scan<'_>, text: &str, ty: &str) -> Result<(i64, u32, u32)> {
    let bad = || datetime_format_error(ty, text);
    let (year, _) = scan.number(9).ok_or_else(bad)?;
    if !scan.eat(b'-') {
        return Err(bad());
    }
    let (month, _) = scan.number(2).ok_or_else(bad)?;
    if !scan.eat(b'-') {
        return Err(bad());
    }
    let (day, _) = scan.number(2).ok_or_else(bad)?;
    Ok((year, month as u32, day as u32))
}

/// `HH:MM[:SS[.fraction]]`, as a time and a carry of one day when the
/// fraction rounds up past midnight.
fn scan_time(scan: &mut Scan<'_>, text: &str, ty: &str) -> Result<(NaiveTime, bool)> {
    let bad = || datetime_format_error(ty, text);
    let (hour, _) = scan.number(2).ok_or_else(bad)?;
    if !scan.eat(b':') {
        return Err(bad());
    }
    let (minute, _) = scan.number(2).ok_or_else(bad)?;
    let mut second = 0;
    let mut micros: i64 = 0;
    if scan.eat(b':') {
        second = scan.number(2).ok_or_else(bad)?.0;
        if scan.eat(b'.') {
            // Round the fraction to microseconds, half up, as PostgreSQL does.
            let start = scan.at;
            let mut digits = Vec::new();
            while let Some(d) = scan.peek().filter(u8::is_ascii_digit) {
                digits.push(d - b'0');
                scan.at += 1;
            }
            if scan.at == start {
                return Err(bad());
            }
            for i in 0..6 {
                micros = micros * 10 + i64::from(digits.get(i).copied().unwrap_or(0));
            }
            if digits.get(6).is_some_and(|&d| d >= 5) {
                micros += 1;
            }
        }
    }
    if hour > 23 || minute > 59 || second > 59 {
        return Err(field_overflow(text));
    }
    let base = NaiveTime::from_hms_opt(hour as u32, minute as u32, second as u32)
        .ok_or_else(|| field_overflow(text))?;
    let (time, wrapped) = base.overflowing_add_signed(chrono::Duration::microseconds(micros));
    Ok((time, wrapped != 0))
}

/// A zone after a time: `Z`, `UTC`, `GMT`, `+HH`, `+HHMM`, `+HH:MM[:SS]`.
/// Returns the offset east of UTC in seconds.
fn scan_zone(scan: &mut Scan<'_>, text: &str) -> Result<Option<i32>> {
    scan.skip_spaces();
    let rest = String::from_utf8_lossy(scan.rest()).to_ascii_uppercase();
    for name in ["UTC", "GMT", "Z"] {
        if rest.starts_with(name)
            && !rest[name.len()..].starts_with(|c: char| c.is_ascii_alphabetic())
        {
            scan.at += name.len();
            return Ok(Some(0));
        }
    }
    let sign = match scan.peek() {
        Some(b'+') => 1,
        Some(b'-') => -1,
        Some(c)
            if c.is_ascii_alphabetic() && !rest.starts_with("BC") && !rest.starts_with("AD") =>
        {
            let name: String = rest.split_whitespace().next().unwrap_or("").to_owned();
            return Err(ValueError::new(
                ErrorKind::InvalidDatetimeFormat,
                format!("time zone \"{}\" not recognized", name.to_ascii_lowercase()),
            ));
        }
        _ => return Ok(None),
    };
    scan.at += 1;
    let bad = || datetime_format_error("timestamp with time zone", text);
    let (first, len) = scan.number(4).ok_or_else(bad)?;
    let (hours, mut minutes) = if len > 2 {
        (first / 100, first % 100)
    } else {
        (first, 0)
    };
    let mut seconds = 0;
    if len <= 2 && scan.eat(b':') {
        minutes = scan.number(2).ok_or_else(bad)?.0;
        if scan.eat(b':') {
            seconds = scan.number(2).ok_or_else(bad)?.0;
        }
    }
    if hours > 15 || minutes > 59 || seconds > 59 {
        return Err(ValueError::new(
            ErrorKind::DatetimeFieldOverflow,
            format!("time zone displacement out of range: \"{text}\""),
        ));
    }
    Ok(Some(sign * (hours * 3600 + minutes * 60 + seconds) as i32))
}

/// ` BC` or ` AD` at the end.
fn scan_era(scan: &mut Scan<'_>) -> bool {
    scan.skip_spaces();
    let rest = scan.rest().to_ascii_uppercase();
    if rest.starts_with(b"BC") {
        scan.at += 2;
        true
    } else {
        if rest.starts_with(b"AD") {
            scan.at += 2;
        }
        false
    }
}

fn make_date(year: i64, month: u32, day: u32, bc: bool, text: &str) -> Result<NaiveDate> {
    // There is no year 0: 1 BC is year 0 of the proleptic calendar.
    if bc && year == 0 {
        return Err(datetime_format_error("date", text));
    }
    let year = if bc { 1 - year } else { year };
    let year = i32::try_from(year).map_err(|_| field_overflow(text))?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return Err(field_overflow(text));
    }
    NaiveDate::from_ymd_opt(year, month, day).ok_or_else(|| {
        if day <= 31 && year.abs() < 200_000 {
            field_overflow(text)
        } else {
            ValueError::new(
                ErrorKind::DatetimeFieldOverflow,
                format!("date out of range: \"{text}\""),
            )
        }
    })
}

/// `date` input: `YYYY-MM-DD [BC]` or `epoch`.
pub fn parse_date(text: &str) -> Result<NaiveDate> {
    let s = trim(text);
    if s.eq_ignore_ascii_case("epoch") {
        return Ok(crate::value::EPOCH_DATE);
    }
    let mut scan = Scan {
        s: s.as_bytes(),
        at: 0,
    };
    let (y, m, d) = scan_date(&mut scan, text, "date")?;
    let bc = scan_era(&mut scan);
    if !scan.rest().is_empty() {
        return Err(datetime_format_error("date", text));
    }
    make_date(y, m, d, bc, text)
}

/// `time` input: `HH:MM[:SS[.ffffff]]`; a zone after it is ignored, as
/// PostgreSQL's `time without time zone` ignores it.
pub fn parse_time_of_day(text: &str) -> Result<NaiveTime> {
    let s = trim(text);
    let mut scan = Scan {
        s: s.as_bytes(),
        at: 0,
    };
    let (time, wrapped) = scan_time(&mut scan, text, "time without time zone")?;
    scan_zone(&mut scan, text)?;
    scan.skip_spaces();
    if !scan.rest().is_empty() {
        return Err(datetime_format_error("time without time zone", text));
    }
    if wrapped {
        return Err(field_overflow(text));
    }
    Ok(time)
}

/// Timestamp input: a date, then optionally (after a space or `T`) a time
/// and a zone, then optionally ` BC`. Returns the local date-time and the
/// zone offset in seconds if one was written.
fn parse_timestamp(text: &str, ty: &DataType) -> Result<(NaiveDateTime, Option<i32>)> {
    let type_name = ty.to_string();
    let s = trim(text);
    if s.eq_ignore_ascii_case("epoch") {
        return Ok((crate::value::EPOCH_DATE.and_time(NaiveTime::MIN), Some(0)));
    }
    let mut scan = Scan {
        s: s.as_bytes(),
        at: 0,
    };
    let (y, m, d) = scan_date(&mut scan, text, &type_name)?;
    let mut time = NaiveTime::MIN;
    let mut next_day = false;
    let mut offset = None;
    if scan.eat(b'T') || scan.eat(b't') || scan.peek() == Some(b' ') {
        scan.skip_spaces();
        if scan.peek().is_some_and(|b| b.is_ascii_digit()) {
            (time, next_day) = scan_time(&mut scan, text, &type_name)?;
            offset = scan_zone(&mut scan, text)?;
        }
    }
    let bc = scan_era(&mut scan);
    scan.skip_spaces();
    if !scan.rest().is_empty() {
        return Err(datetime_format_error(&type_name, text));
    }
    let date = make_date(y, m, d, bc, text)?;
    let mut local = date.and_time(time);
    if next_day {
        local = local
            .checked_add_signed(chrono::Duration::days(1))
            .ok_or_else(|| field_overflow(text))?;
    }
    Ok((local, offset))
}

/// PostgreSQL's float output: the shortest text that reads back exactly,
/// with `NaN`, `Infinity` and `-Infinity`, in exponent form when the decimal
/// exponent is below -4 or at least 15 (double) or 6 (real), as `%g` does.
pub fn format_float(v: f64, single: bool) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    let scientific = if single {
        format!("{:e}", v as f32)
    } else {
        format!("{v:e}")
    };
    let Some((mantissa, exp)) = scientific.split_once('e') else {
        return scientific;
    };
    let exponent: i32 = exp.parse().unwrap_or(0);
    let limit = if single { 6 } else { 15 };
    if v != 0.0 && (exponent < -4 || exponent >= limit) {
        // Rust writes 1e16 and 1.5e-5; PostgreSQL writes 1e+16 and 1.5e-05.
        let sign = if exponent < 0 { '-' } else { '+' };
        return format!("{mantissa}e{sign}{:02}", exponent.unsigned_abs());
    }
    if single {
        format!("{}", v as f32)
    } else {
        format!("{v}")
    }
}

/// `YYYY-MM-DD`, and whether the year is BC (written after the whole value).
fn write_date(out: &mut String, d: NaiveDate) -> bool {
    let year = d.year();
    let (shown, bc) = if year <= 0 {
        (1 - year, true)
    } else {
        (year, false)
    };
    let _ = write!(out, "{shown:04}-{:02}-{:02}", d.month(), d.day());
    bc
}

/// `HH:MM:SS` and, if any, the fraction without trailing zeros.
fn write_time(out: &mut String, t: NaiveTime) {
    let _ = write!(out, "{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second());
    let micros = (t.nanosecond() % 1_000_000_000) / 1000;
    if micros != 0 {
        let fraction = format!("{micros:06}");
        out.push('.');
        out.push_str(fraction.trim_end_matches('0'));
    }
}

/// `date` output.
pub(crate) fn format_date(d: NaiveDate) -> String {
    let mut out = String::with_capacity(13);
    if write_date(&mut out, d) {
        out.push_str(" BC");
    }
    out
}

/// `time` output.
pub(crate) fn format_time(t: NaiveTime) -> String {
    let mut out = String::with_capacity(15);
    write_time(&mut out, t);
    out
}

/// A timestamp in ISO 8601, as PostgreSQL's JSON writes one:
/// `2024-01-01T10:00:00.5`.
pub fn iso_8601(t: NaiveDateTime) -> String {
    write_timestamp(t, None, 'T')
}

/// A timestamptz in ISO 8601 in the session's zone, as PostgreSQL's JSON
/// writes one: `2024-01-01T12:00:00+02:00`.
pub fn iso_8601_tz(t: DateTime<Utc>) -> String {
    let (local, east) = in_session_zone(t);
    write_timestamp(local, Some(crate::zone::format_offset(east, true)), 'T')
}

/// `timestamp` output.
pub(crate) fn format_timestamp(t: NaiveDateTime) -> String {
    write_timestamp(t, None, ' ')
}

/// `timestamptz` output: the wall-clock time of the session's zone and
/// its offset (`2024-07-01 14:00:00+02`).
pub(crate) fn format_timestamptz(t: DateTime<Utc>) -> String {
    let (local, east) = in_session_zone(t);
    write_timestamp(local, Some(crate::zone::format_offset(east, false)), ' ')
}

/// `t` as the session zone's wall-clock time, and the zone's offset then
/// (UTC where the zone's time would leave the calendar).
fn in_session_zone(t: DateTime<Utc>) -> (NaiveDateTime, i64) {
    let zone = crate::zone::session_zone();
    match zone.local(t) {
        Some(local) => (local, zone.offset_at(t)),
        None => (t.naive_utc(), 0),
    }
}

/// A date and time with `separator` between them, then the offset if
/// any, then ` BC` for a year before 1.
fn write_timestamp(t: NaiveDateTime, offset: Option<String>, separator: char) -> String {
    let mut out = String::with_capacity(32);
    let bc = write_date(&mut out, t.date());
    out.push(separator);
    write_time(&mut out, t.time());
    if let Some(offset) = offset {
        out.push_str(&offset);
    }
    if bc {
        out.push_str(" BC");
    }
    out
}

/// `bytea` output: `\x` and two lowercase hex digits a byte.
pub(crate) fn format_bytea(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(2 + 2 * bytes.len());
    out.push_str("\\x");
    for b in bytes {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 15)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str, ty: DataType) -> Result<String> {
        parse_value(text, &ty).map(|v| v.to_string())
    }

    fn err(text: &str, ty: DataType) -> (&'static str, String) {
        let e = parse_value(text, &ty).unwrap_err();
        (e.code, e.message)
    }

    #[test]
    fn integers() {
        assert_eq!(p(" 42 ", DataType::Integer).unwrap(), "42");
        assert_eq!(p("-32768", DataType::SmallInt).unwrap(), "-32768");
        assert_eq!(p("+7", DataType::BigInt).unwrap(), "7");
        assert_eq!(
            err("abc", DataType::Integer),
            (
                "22P02",
                "invalid input syntax for type integer: \"abc\"".into()
            )
        );
        assert_eq!(
            err("", DataType::Integer),
            (
                "22P02",
                "invalid input syntax for type integer: \"\"".into()
            )
        );
        assert_eq!(
            err("1.5", DataType::BigInt),
            (
                "22P02",
                "invalid input syntax for type bigint: \"1.5\"".into()
            )
        );
        assert_eq!(
            err("32768", DataType::SmallInt),
            (
                "22003",
                "value \"32768\" is out of range for type smallint".into()
            )
        );
        assert_eq!(
            err("99999999999999999999", DataType::BigInt),
            (
                "22003",
                "value \"99999999999999999999\" is out of range for type bigint".into()
            )
        );
    }

    #[test]
    fn floats() {
        assert_eq!(p("1.5", DataType::Double).unwrap(), "1.5");
        assert_eq!(p(" -Infinity", DataType::Double).unwrap(), "-Infinity");
        assert_eq!(p("inf", DataType::Real).unwrap(), "Infinity");
        assert_eq!(p("NaN", DataType::Double).unwrap(), "NaN");
        assert_eq!(p("1e-5", DataType::Double).unwrap(), "1e-05");
        assert_eq!(
            err("1e400", DataType::Double),
            (
                "22003",
                "\"1e400\" is out of range for type double precision".into()
            )
        );
        assert_eq!(
            err("1e40", DataType::Real),
            ("22003", "\"1e40\" is out of range for type real".into())
        );
        assert_eq!(err("1e-400", DataType::Double).0, "22003");
        assert_eq!(
            err("x1", DataType::Real),
            ("22P02", "invalid input syntax for type real: \"x1\"".into())
        );
        assert_eq!(err("infinityx", DataType::Double).0, "22P02");
    }

    #[test]
    fn float_output_is_shortest_and_pg_shaped() {
        assert_eq!(format_float(0.1, false), "0.1");
        assert_eq!(format_float(1e15, false), "1e+15");
        assert_eq!(format_float(1e14, false), "100000000000000");
        assert_eq!(
            format_float(123456789012345678.0, false),
            "1.2345678901234568e+17"
        );
        assert_eq!(format_float(0.0001, false), "0.0001");
        assert_eq!(format_float(0.00001234, false), "1.234e-05");
        assert_eq!(format_float(-0.0, false), "-0");
        assert_eq!(format_float(1e6, true), "1e+06");
        assert_eq!(format_float(123456.0, true), "123456");
        assert_eq!(format_float(f64::from(0.1f32), true), "0.1");
        assert_eq!(format_float(1e300, false), "1e+300");
        assert_eq!(format_float(111.83, false), "111.83");
        assert_eq!(format_float(-0.5, false), "-0.5");
        assert_eq!(format_float(100.0, false), "100");
    }

    #[test]
    fn booleans() {
        for t in ["t", "TRUE", " yes ", "on", "1", "y", "tr"] {
            assert!(parse_bool(t).unwrap(), "{t}");
        }
        for f in ["f", "false", "no", "off", "0", "n", "OF"] {
            assert!(!parse_bool(f).unwrap(), "{f}");
        }
        assert_eq!(
            err("o", DataType::Boolean),
            (
                "22P02",
                "invalid input syntax for type boolean: \"o\"".into()
            )
        );
        assert_eq!(err("truex", DataType::Boolean).0, "22P02");
    }

    #[test]
    fn text_types_and_typmods() {
        assert_eq!(p("abc", DataType::Varchar(Some(3))).unwrap(), "abc");
        assert_eq!(p("abc  ", DataType::Varchar(Some(3))).unwrap(), "abc");
        assert_eq!(
            err("abcd", DataType::Varchar(Some(3))),
            (
                "22001",
                "value too long for type character varying(3)".into()
            )
        );
        assert_eq!(p("ab", DataType::Char(4)).unwrap(), "ab  ");
        assert_eq!(
            err("abcde", DataType::Char(4)),
            ("22001", "value too long for type character(4)".into())
        );
        assert_eq!(p("héllo", DataType::Varchar(Some(5))).unwrap(), "héllo");
    }

    #[test]
    fn bytea() {
        assert_eq!(parse_bytea("\\xDEad").unwrap(), vec![0xde, 0xad]);
        assert_eq!(parse_bytea("\\x de ad").unwrap(), vec![0xde, 0xad]);
        assert_eq!(parse_bytea("a\\\\b\\000").unwrap(), b"a\\b\0".to_vec());
        assert_eq!(
            err("\\xabc", DataType::Bytea),
            (
                "22P02",
                "invalid hexadecimal data: odd number of digits".into()
            )
        );
        assert_eq!(
            err("\\xzz", DataType::Bytea),
            ("22P02", "invalid hexadecimal digit: \"z\"".into())
        );
        assert_eq!(
            err("\\9", DataType::Bytea),
            (
                "22P02",
                "invalid input syntax for type bytea: \"\\9\"".into()
            )
        );
        assert_eq!(p("\\x00ff", DataType::Bytea).unwrap(), "\\x00ff");
    }

    #[test]
    fn dates_and_times() {
        assert_eq!(p("2024-02-29", DataType::Date).unwrap(), "2024-02-29");
        assert_eq!(p("0001-01-01 BC", DataType::Date).unwrap(), "0001-01-01 BC");
        assert_eq!(p("epoch", DataType::Date).unwrap(), "1970-01-01");
        assert_eq!(
            err("2023-02-29", DataType::Date),
            (
                "22008",
                "date/time field value out of range: \"2023-02-29\"".into()
            )
        );
        assert_eq!(
            err("yesterday-ish", DataType::Date),
            (
                "22007",
                "invalid input syntax for type date: \"yesterday-ish\"".into()
            )
        );
        assert_eq!(p("12:34", DataType::Time).unwrap(), "12:34:00");
        assert_eq!(p("12:34:56.5", DataType::Time).unwrap(), "12:34:56.5");
        assert_eq!(
            p("12:34:56.1234567", DataType::Time).unwrap(),
            "12:34:56.123457"
        );
        assert_eq!(err("25:00", DataType::Time).0, "22008");
        assert_eq!(
            p("2024-01-02 03:04:05.25", DataType::Timestamp).unwrap(),
            "2024-01-02 03:04:05.25"
        );
        assert_eq!(
            p("2024-01-02T03:04:05+05", DataType::Timestamp).unwrap(),
            "2024-01-02 03:04:05"
        );
        assert_eq!(
            p("2024-01-02", DataType::Timestamp).unwrap(),
            "2024-01-02 00:00:00"
        );
        assert_eq!(
            p("2024-01-02 03:04:05+05:30", DataType::TimestampTz).unwrap(),
            "2024-01-01 21:34:05+00"
        );
        assert_eq!(
            p("2024-01-02 03:04:05Z", DataType::TimestampTz).unwrap(),
            "2024-01-02 03:04:05+00"
        );
        assert_eq!(
            p("2024-01-02 03:04:05-0800", DataType::TimestampTz).unwrap(),
            "2024-01-02 11:04:05+00"
        );
        assert_eq!(
            p("2024-12-31 23:59:59.9999999", DataType::Timestamp).unwrap(),
            "2025-01-01 00:00:00"
        );
        assert_eq!(
            err("2024-01-02 03:04:05 Mars/Olympus", DataType::TimestampTz),
            ("22007", "time zone \"mars/olympus\" not recognized".into())
        );
        assert_eq!(
            err("2024-01-02 x", DataType::Timestamp),
            (
                "22007",
                "invalid input syntax for type timestamp without time zone: \"2024-01-02 x\""
                    .into()
            )
        );
    }

    #[test]
    fn uuid_and_json() {
        let u = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11";
        assert_eq!(p(&u.to_uppercase(), DataType::Uuid).unwrap(), u);
        assert_eq!(
            p("{a0eebc999c0b4ef8bb6d6bb9bd380a11}", DataType::Uuid).unwrap(),
            u
        );
        assert_eq!(
            err("not-a-uuid", DataType::Uuid),
            (
                "22P02",
                "invalid input syntax for type uuid: \"not-a-uuid\"".into()
            )
        );
        assert_eq!(
            p("{\"b\":1, \"a\":2}", DataType::Json).unwrap(),
            "{\"b\":1, \"a\":2}"
        );
        assert_eq!(
            p("{\"b\":1, \"a\":2}", DataType::Jsonb).unwrap(),
            "{\"a\": 2, \"b\": 1}"
        );
        let e = parse_value("{a:1}", &DataType::Jsonb).unwrap_err();
        assert_eq!(
            (e.code, e.message.as_str()),
            ("22P02", "invalid input syntax for type json")
        );
        assert!(e.detail.is_some());
    }
}
