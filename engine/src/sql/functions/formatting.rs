//! PostgreSQL's data type formatting functions: `to_char` writes dates
//! and times by a template of fields (`YYYY-MM-DD HH24:MI:SS`, `Day, DD
//! Month`) and numbers by a template of digit places (`9999.99`,
//! `FM000`); `to_date` and `to_timestamp(text, template)` read a date or a
//! moment back by the same fields, and `to_number` a number by digit
//! places.
//!
//! Template fields are matched longest first, case as PostgreSQL reads
//! them (`MONTH`, `Month` and `month` choose the case of the name); `FM`
//! before a field drops its padding, `TH`/`th` after a number adds its
//! ordinal suffix, text in double quotes and characters that start no
//! field are copied. A timestamptz's fields are the session zone's.

use arbor_schema::Value;
use chrono::{Datelike, NaiveDateTime, Timelike};
use rust_decimal::{Decimal, RoundingStrategy};

use super::{text_arg, wrong_args};
use crate::error::{Error, Result, SqlState};

/// The functions this module answers (`to_timestamp` with two arguments;
/// with one, `super::datetime`'s).
pub const NAMES: &[&str] = &["to_char", "to_date", "to_timestamp", "to_number"];

/// Calls `to_char(value, template)`, `to_date(text, template)` or
/// `to_timestamp(text, template)`.
pub fn call(name: &str, args: &[Value]) -> Result<Value> {
    let [value, template] = args else {
        return Err(wrong_args(name, args.len()));
    };
    if matches!(value, Value::Null) || matches!(template, Value::Null) {
        return Ok(Value::Null);
    }
    match name {
        "to_number" => return to_number(&text_arg(value), &text_arg(template)),
        "to_date" => {
            let moment = parse_moment(&text_arg(value), &text_arg(template))?;
            return Ok(Value::Date(moment.date()));
        }
        "to_timestamp" => {
            let moment = parse_moment(&text_arg(value), &text_arg(template))?;
            return Ok(Value::TimestampTz(moment.and_utc()));
        }
        _ => {}
    }
    let template = text_arg(template);
    let moment = match value {
        Value::Timestamp(t) => Some(*t),
        // A timestamptz's fields are the session zone's.
        Value::TimestampTz(t) => arbor_schema::zone::session_zone().local(*t),
        Value::Date(d) => Some(d.and_time(chrono::NaiveTime::MIN)),
        Value::Time(t) => Some(chrono::NaiveDate::MIN.and_time(*t)),
        _ => None,
    };
    if let Some(moment) = moment {
        return Ok(Value::Text(format_moment(moment, &template)));
    }
    let number = match value {
        Value::Numeric(d) => *d,
        other => match other.as_i64() {
            Some(i) => Decimal::from(i),
            None => other
                .as_f64()
                .and_then(|f| Decimal::try_from(f).ok())
                .ok_or_else(|| wrong_args(name, 2))?,
        },
    };
    Ok(Value::Text(format_number(number, &template)))
}

/// Date and time fields, longest first so that `HH24` is not read as `HH`.
const FIELDS: &[&str] = &[
    "HH24", "HH12", "HH", "MI", "SS", "MS", "US", "AM", "PM", "YYYY", "YYY", "YY", "Y", "MONTH",
    "MON", "MM", "DAY", "DY", "DDD", "DD", "D", "ID", "IW", "WW", "W", "CC", "Q", "J", "TZ",
];

/// The case a name is written in, from how its field was written.
#[derive(Clone, Copy)]
enum Case {
    Upper,
    Capital,
    Lower,
}

fn cased(name: &str, case: Case) -> String {
    match case {
        Case::Upper => name.to_uppercase(),
        Case::Lower => name.to_lowercase(),
        Case::Capital => name.to_owned(),
    }
}

/// `to_number(text, template)`, as PostgreSQL reads a number by a
/// template: leading spaces skipped, then each digit place (`9`, `0`)
/// takes a digit if one is next (a `-` or `<` in the first one's stead
/// makes the number negative), `.`/`D` the decimal point, `,`/`G` a group
/// separator, `S`, `MI`, `PL`, `SG` a sign, `PR` the closing `>`, `L` a
/// currency sign, and any other character of the template one character
/// of the text. Digits past the template's places are not read
/// (`to_number('12345', '99')` is 12); an empty template gives NULL.
fn to_number(text: &str, template: &str) -> Result<Value> {
    if template.is_empty() {
        return Ok(Value::Null);
    }
    let input: Vec<char> = text.trim_start().chars().collect();
    let mut at = 0;
    let mut digits = String::new();
    let mut negative = false;
    let mut rest = template;
    let next = |at: usize| input.get(at).copied();
    while let Some(c) = rest.chars().next() {
        let upper = rest.to_ascii_uppercase();
        let (token, len) = ["EEEE", "FM", "PR", "MI", "PL", "SG", "TH"]
            .iter()
            .find(|t| upper.starts_with(**t))
            .map_or_else(
                || (upper[..c.len_utf8()].to_owned(), c.len_utf8()),
                |t| ((*t).to_owned(), t.len()),
            );
        rest = &rest[len..];
        match token.as_str() {
            "9" | "0" => {
                if digits.is_empty() && matches!(next(at), Some('-' | '<')) {
                    negative = true;
                    at += 1;
                } else if digits.is_empty() && next(at) == Some('+') {
                    at += 1;
                }
                if let Some(d) = next(at).filter(char::is_ascii_digit) {
                    digits.push(d);
                    at += 1;
                }
            }
            "." | "D" => {
                if next(at) == Some('.') {
                    digits.push('.');
                    at += 1;
                }
            }
            "," | "G" => {
                if next(at) == Some(',') {
                    at += 1;
                }
            }
            "S" | "MI" | "PL" | "SG" => match next(at) {
                Some('-') => {
                    negative = true;
                    at += 1;
                }
                Some('+') => at += 1,
                _ => {}
            },
            "PR" => {
                if next(at) == Some('>') {
                    at += 1;
                }
            }
            "L" => {
                if next(at).is_some_and(|c| !c.is_ascii_digit()) {
                    at += 1;
                }
            }
            "FM" | "TH" => {}
            "EEEE" => {
                return Err(Error::new(
                    SqlState::FeatureNotSupported,
                    "\"EEEE\" not supported for input",
                ));
            }
            _ => at += 1,
        }
    }
    let bad = || {
        Error::new(
            SqlState::InvalidTextRepresentation,
            "invalid input syntax for type numeric: \" \"",
        )
    };
    if !digits.chars().any(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    let value: Decimal = digits.trim_end_matches('.').parse().map_err(|_| bad())?;
    Ok(Value::Numeric(if negative { -value } else { value }))
}

fn format_moment(t: NaiveDateTime, template: &str) -> String {
    let mut out = String::new();
    let mut rest = template;
    let mut fill_mode = false;
    while let Some(c) = rest.chars().next() {
        if c == '"' {
            // Quoted text, copied (a backslash escapes a quote inside).
            let mut chars = rest[1..].char_indices();
            let mut end = rest.len();
            while let Some((i, q)) = chars.next() {
                match q {
                    '\\' => {
                        if let Some((_, escaped)) = chars.next() {
                            out.push(escaped);
                        }
                    }
                    '"' => {
                        end = i + 2;
                        break;
                    }
                    other => out.push(other),
                }
            }
            rest = &rest[end.min(rest.len())..];
            continue;
        }
        if rest.len() >= 2 && rest[..2].eq_ignore_ascii_case("FM") {
            fill_mode = true;
            rest = &rest[2..];
            continue;
        }
        let upper = rest.to_ascii_uppercase();
        let Some(field) = FIELDS.iter().find(|f| upper.starts_with(**f)) else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
            continue;
        };
        let written = &rest[..field.len()];
        let case = if written == *field {
            Case::Upper
        } else if written.chars().next().is_some_and(char::is_uppercase) {
            Case::Capital
        } else {
            Case::Lower
        };
        rest = &rest[field.len()..];
        let (number, width): (Option<i64>, usize) = match *field {
            "HH24" => (Some(t.hour().into()), 2),
            "HH12" | "HH" => (Some(((t.hour() + 11) % 12 + 1).into()), 2),
            "MI" => (Some(t.minute().into()), 2),
            "SS" => (Some(t.second().into()), 2),
            "MS" => (Some((t.nanosecond() / 1_000_000).into()), 3),
            "US" => (Some((t.nanosecond() / 1_000).into()), 6),
            "YYYY" => (Some(t.year().into()), 4),
            "YYY" => (Some((t.year() % 1000).into()), 3),
            "YY" => (Some((t.year() % 100).into()), 2),
            "Y" => (Some((t.year() % 10).into()), 1),
            "MM" => (Some(t.month().into()), 2),
            "DDD" => (Some(t.ordinal().into()), 3),
            "DD" => (Some(t.day().into()), 2),
            "D" => (Some((t.weekday().num_days_from_sunday() + 1).into()), 1),
            "ID" => (Some(t.weekday().number_from_monday().into()), 1),
            "IW" => (Some(t.iso_week().week().into()), 2),
            "WW" => (Some(((t.ordinal() - 1) / 7 + 1).into()), 2),
            "W" => (Some(((t.day() - 1) / 7 + 1).into()), 1),
            "CC" => (Some(((t.year() - 1) / 100 + 1).into()), 2),
            "Q" => (Some(((t.month() - 1) / 3 + 1).into()), 1),
            "J" => (Some(i64::from(t.num_days_from_ce()) + 1_721_425), 1),
            _ => (None, 0),
        };
        if let Some(n) = number {
            if fill_mode {
                out.push_str(&n.to_string());
            } else {
                out.push_str(&format!("{n:0width$}"));
            }
            // An ordinal suffix after a number: 1st, 2nd, 3rd, 4th.
            if rest.len() >= 2 && rest[..2].eq_ignore_ascii_case("TH") {
                let suffix = match (n % 100, n % 10) {
                    (11..=13, _) => "th",
                    (_, 1) => "st",
                    (_, 2) => "nd",
                    (_, 3) => "rd",
                    _ => "th",
                };
                let upper_suffix = rest.starts_with("TH");
                out.push_str(&if upper_suffix {
                    suffix.to_uppercase()
                } else {
                    suffix.to_owned()
                });
                rest = &rest[2..];
            }
            fill_mode = false;
            continue;
        }
        let (text, padded_to): (String, usize) = match *field {
            "AM" | "PM" => (if t.hour() < 12 { "AM" } else { "PM" }.to_owned(), 0),
            "MONTH" => (month_name(t.month()).to_owned(), 9),
            "MON" => (month_name(t.month())[..3].to_owned(), 0),
            "DAY" => (day_name(t.weekday().num_days_from_monday()).to_owned(), 9),
            "DY" => (
                day_name(t.weekday().num_days_from_monday())[..3].to_owned(),
                0,
            ),
            _ => ("UTC".to_owned(), 0),
        };
        let text = match *field {
            "AM" | "PM" | "TZ" => match case {
                Case::Upper => text,
                _ => text.to_lowercase(),
            },
            _ => cased(&text, case),
        };
        out.push_str(&text);
        if !fill_mode {
            out.extend(std::iter::repeat_n(
                ' ',
                padded_to.saturating_sub(text.len()),
            ));
        }
        fill_mode = false;
    }
    out
}

/// Reads `text` by `template`, as `to_date` and `to_timestamp` do: each
/// field reads its digits (up to its width, fewer where a non-digit comes
/// first) or its name (months, days, AM/PM); quoted text and other
/// template characters skip as many characters of the input, separators
/// and spaces being lenient as PostgreSQL's are. Fields left out default
/// to January 1 of year 1, midnight; the result is checked as a date.
fn parse_moment(text: &str, template: &str) -> Result<NaiveDateTime> {
    let input: Vec<char> = text.chars().collect();
    let mut at = 0;
    let (mut year, mut month, mut day, mut day_of_year) = (None, None, None, None);
    let (mut hour, mut minute, mut second, mut micros) = (0i64, 0i64, 0i64, 0i64);
    let mut pm: Option<bool> = None;
    let mut twelve_hour = false;
    let mut rest = template;
    let bad = |field: &str, found: String| {
        Error::new(
            SqlState::InvalidDatetimeFormat,
            format!("invalid value \"{found}\" for \"{field}\""),
        )
    };
    while let Some(c) = rest.chars().next() {
        if c == '"' {
            // Quoted text: as many input characters skipped.
            let close = rest[1..].find('"').map_or(rest.len(), |i| i + 2);
            at += rest[1..close.min(rest.len()).saturating_sub(1).max(1)]
                .chars()
                .filter(|&q| q != '"')
                .count();
            rest = &rest[close.min(rest.len())..];
            continue;
        }
        if rest.len() >= 2 && rest[..2].eq_ignore_ascii_case("FM") {
            rest = &rest[2..];
            continue;
        }
        let upper = rest.to_ascii_uppercase();
        let Some(field) = FIELDS.iter().find(|f| upper.starts_with(**f)) else {
            // A separator or a space: skips the input's separators (or one
            // character), as PostgreSQL's lenient reading does.
            if c.is_whitespace() {
                while at < input.len() && input[at].is_whitespace() {
                    at += 1;
                }
            } else if at < input.len() && !input[at].is_alphanumeric() {
                at += 1;
            }
            rest = &rest[c.len_utf8()..];
            continue;
        };
        rest = &rest[field.len()..];
        while at < input.len() && input[at].is_whitespace() {
            at += 1;
        }
        let width = match *field {
            "YYYY" => 4,
            "YYY" | "DDD" | "MS" => 3,
            "US" => 6,
            "Y" | "D" | "ID" | "Q" | "W" => 1,
            "J" => 7,
            _ => 2,
        };
        let name_field = matches!(*field, "MONTH" | "MON" | "DAY" | "DY" | "AM" | "PM" | "TZ");
        if name_field {
            let word: String = input[at..]
                .iter()
                .take_while(|ch| ch.is_alphabetic() || **ch == '.')
                .collect();
            let lower = word.to_lowercase();
            match *field {
                "MONTH" | "MON" => {
                    let found = (1..=12u32).find(|m| {
                        let name = month_name(*m).to_lowercase();
                        lower == name || (lower.len() >= 3 && name.starts_with(&lower))
                    });
                    month = Some(i64::from(found.ok_or_else(|| bad(field, word.clone()))?));
                }
                "AM" | "PM" => {
                    pm = Some(match lower.replace('.', "").as_str() {
                        "am" => false,
                        "pm" => true,
                        _ => return Err(bad(field, word.clone())),
                    });
                }
                _ => {}
            }
            at += word.chars().count();
            continue;
        }
        let digits: String = input[at..]
            .iter()
            .take_while(|ch| ch.is_ascii_digit())
            .take(width)
            .collect();
        if digits.is_empty() {
            let found: String = input[at..].iter().take(width).collect();
            return Err(bad(field, found).with_detail("Value must be an integer."));
        }
        at += digits.len();
        let n: i64 = digits.parse().map_err(|_| bad(field, digits.clone()))?;
        match *field {
            "YYYY" => year = Some(n),
            // Two digits: the year nearest 2020, as PostgreSQL takes them.
            "YY" => year = Some(if n < 70 { 2000 + n } else { 1900 + n }),
            "YYY" => year = Some(if n < 100 { 2000 + n } else { 1000 + n }),
            "Y" => year = Some(2000 + n),
            "MM" => month = Some(n),
            "DD" => day = Some(n),
            "DDD" => day_of_year = Some(n),
            "HH24" => hour = n,
            "HH12" | "HH" => {
                hour = n;
                twelve_hour = true;
            }
            "MI" => minute = n,
            "SS" => second = n,
            "MS" => micros = n * 1000,
            "US" => micros = n,
            _ => {}
        }
    }
    if twelve_hour || pm.is_some() {
        if !(1..=12).contains(&hour) {
            return Err(Error::new(
                SqlState::InvalidDatetimeFormat,
                format!("hour \"{hour}\" is invalid for the 12-hour clock"),
            )
            .with_hint("Use the 24-hour clock, or give an hour between 1 and 12."));
        }
        hour = hour % 12 + if pm == Some(true) { 12 } else { 0 };
    }
    let out_of_range = || {
        Error::new(
            SqlState::DatetimeFieldOverflow,
            format!("date/time field value out of range: \"{text}\""),
        )
    };
    let year = i32::try_from(year.unwrap_or(1)).map_err(|_| out_of_range())?;
    let date = match day_of_year {
        Some(ordinal) if month.is_none() && day.is_none() => u32::try_from(ordinal)
            .ok()
            .and_then(|o| chrono::NaiveDate::from_yo_opt(year, o)),
        _ => {
            let month = u32::try_from(month.unwrap_or(1)).ok();
            let day = u32::try_from(day.unwrap_or(1)).ok();
            month
                .zip(day)
                .and_then(|(m, d)| chrono::NaiveDate::from_ymd_opt(year, m, d))
        }
    }
    .ok_or_else(out_of_range)?;
    let time = [hour, minute, second, micros]
        .map(|v| u32::try_from(v).ok())
        .into_iter()
        .collect::<Option<Vec<u32>>>()
        .and_then(|v| chrono::NaiveTime::from_hms_micro_opt(v[0], v[1], v[2], v[3]))
        .ok_or_else(out_of_range)?;
    Ok(date.and_time(time))
}

/// A month's English name (chrono's), as PostgreSQL's `Month` shows it.
fn month_name(month: u32) -> &'static str {
    u8::try_from(month)
        .ok()
        .and_then(|m| chrono::Month::try_from(m).ok())
        .map_or("January", |m| m.name())
}

fn day_name(from_monday: u32) -> &'static str {
    const DAYS: [&str; 7] = [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ];
    DAYS[(from_monday % 7) as usize]
}

/// `to_char` of a number: `9` a digit place (a space where the number has
/// no digit), `0` a digit place that shows a zero, `.` or `D` the decimal
/// point, `,` or `G` a group separator, `S` a `+` or `-` just before the
/// first digit, `MI` a minus at the end, `FM` no padding. Without `S` or
/// `MI` a sign place (a space or `-`) comes before the first digit. A
/// number with more integer digits than places is all `#`, as PostgreSQL
/// shows it.
fn format_number(number: Decimal, template: &str) -> String {
    let upper = template.to_ascii_uppercase();
    let fill_mode = upper.contains("FM");
    let pattern = upper.replace("FM", "");
    let explicit_sign = pattern.contains('S') || pattern.contains("MI");
    let (int_places, frac_places) = {
        let (int, frac) = pattern
            .split_once(['.', 'D'])
            .unwrap_or((pattern.as_str(), ""));
        let count = |s: &str| s.chars().filter(|c| matches!(c, '9' | '0')).count();
        (count(int), count(frac))
    };
    let rounded = number
        .abs()
        .round_dp_with_strategy(frac_places as u32, RoundingStrategy::MidpointAwayFromZero);
    let digits = rounded.trunc().to_string();
    let digits = if digits == "0" { String::new() } else { digits };
    let fraction: String = {
        let mut f = rounded.fract().to_string();
        if let Some(stripped) = f.strip_prefix("0.") {
            f = stripped.to_owned();
        } else {
            f.clear();
        }
        let mut f: String = f.chars().take(frac_places).collect();
        while f.len() < frac_places {
            f.push('0');
        }
        f
    };
    let negative = number.is_sign_negative() && !rounded.is_zero();
    if digits.len() > int_places {
        let hashes: String = pattern
            .chars()
            .map(|c| match c {
                '9' | '0' => '#',
                'D' => '.',
                'G' => ',',
                other => other,
            })
            .collect();
        return format!(" {hashes}");
    }
    // Integer places, right-aligned: the digits, then zeros or spaces.
    let int_pattern: Vec<char> = pattern
        .split_once(['.', 'D'])
        .map_or(pattern.as_str(), |(i, _)| i)
        .chars()
        .collect();
    let digit_places: Vec<usize> = (0..int_pattern.len())
        .filter(|&i| matches!(int_pattern[i], '9' | '0'))
        .collect();
    let first_zero = digit_places.iter().position(|&i| int_pattern[i] == '0');
    let mut shown = vec![None; int_pattern.len()];
    let digit_chars: Vec<char> = digits.chars().collect();
    for (k, &place) in digit_places.iter().rev().enumerate() {
        let from_right = k;
        let index_from_left = digit_places.len() - 1 - k;
        shown[place] = if from_right < digit_chars.len() {
            Some(digit_chars[digit_chars.len() - 1 - from_right])
        } else if first_zero.is_some_and(|z| index_from_left >= z)
            || (digits.is_empty() && from_right == 0 && frac_places == 0)
        {
            Some('0')
        } else {
            None
        };
    }
    let mut int_text = String::new();
    let mut started = false;
    let sign = if negative { '-' } else { ' ' };
    for (i, c) in int_pattern.iter().enumerate() {
        match c {
            '9' | '0' => match shown[i] {
                Some(d) => {
                    // The sign goes just before the first digit: a space or
                    // `-`, or with `S` a `+` or `-`.
                    if !started && pattern.contains('S') {
                        int_text.push(if negative { '-' } else { '+' });
                    } else if !started && !explicit_sign {
                        int_text.push(sign);
                    }
                    started = true;
                    int_text.push(d);
                }
                None if fill_mode => {}
                None => int_text.push(' '),
            },
            ',' | 'G' => {
                if started {
                    int_text.push(',');
                } else if !fill_mode {
                    int_text.push(' ');
                }
            }
            _ => {}
        }
    }
    if !started && !explicit_sign {
        int_text.push(sign);
    }
    let mut out = int_text;
    if frac_places > 0 || pattern.contains(['.', 'D']) {
        out.push('.');
        out.push_str(&fraction);
    }
    if pattern.ends_with("MI") {
        out.push(if negative { '-' } else { ' ' });
    }
    if fill_mode {
        out = out.trim().to_owned();
    }
    out
}
