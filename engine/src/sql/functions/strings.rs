//! String functions, as PostgreSQL defines them. Positions count characters
//! from 1; arguments that are not text are read through their text form.

use arbor_schema::Value;
use md5::{Digest, Md5};

use super::{check_value_size, int_arg, text_arg, wrong_args};
use crate::error::{Error, Result, SqlState};

/// Whether `text` matches the regular expression `pattern` anywhere
/// (PostgreSQL's `~`; `~*` with `case_insensitive`).
pub fn regex_matches(text: &str, pattern: &str, case_insensitive: bool) -> Result<bool> {
    Ok(compiled_regex(pattern, case_insensitive)?.is_match(text))
}

/// `pattern` compiled. Patterns are compiled once per thread and kept,
/// since a filter applies one to every row (a `Regex` clone shares the
/// compiled program).
fn compiled_regex(pattern: &str, case_insensitive: bool) -> Result<regex::Regex> {
    use std::cell::RefCell;
    use std::collections::HashMap;
    /// Compiled patterns kept before the cache starts over.
    const KEPT: usize = 64;
    thread_local! {
        static COMPILED: RefCell<HashMap<(String, bool), regex::Regex>> = RefCell::new(HashMap::new());
    }
    COMPILED.with(|cache| {
        let key = (pattern.to_owned(), case_insensitive);
        if let Some(re) = cache.borrow().get(&key) {
            return Ok(re.clone());
        }
        let re = regex::RegexBuilder::new(pattern)
            .case_insensitive(case_insensitive)
            .build()
            .map_err(|e| {
                Error::new(
                    SqlState::InvalidRegularExpression,
                    format!("invalid regular expression: {}", first_line(&e.to_string())),
                )
            })?;
        let mut cache = cache.borrow_mut();
        if cache.len() >= KEPT {
            cache.clear();
        }
        cache.insert(key, re.clone());
        Ok(re)
    })
}

/// `regexp_replace(source, pattern, replacement [, flags])`: the first
/// match replaced (every match with flag `g`; `i` ignores case). In the
/// replacement `\1`..`\9` stand for captured groups and `\&` for the whole
/// match, as in PostgreSQL.
fn regexp_replace(source: &str, pattern: &str, replacement: &str, flags: &str) -> Result<Value> {
    let (global, case_insensitive) = regex_flags("regexp_replace", flags, true)?;
    let re = compiled_regex(pattern, case_insensitive)?;
    let mut out = String::new();
    let mut last = 0;
    for captures in re.captures_iter(source) {
        let Some(whole) = captures.get(0) else { break };
        out.push_str(&source[last..whole.start()]);
        let mut chars = replacement.chars().peekable();
        while let Some(c) = chars.next() {
            match (c, chars.peek().copied()) {
                ('\\', Some(d @ '1'..='9')) => {
                    chars.next();
                    let group = d as usize - '0' as usize;
                    out.push_str(captures.get(group).map_or("", |m| m.as_str()));
                }
                ('\\', Some('&')) => {
                    chars.next();
                    out.push_str(whole.as_str());
                }
                ('\\', Some('\\')) => {
                    chars.next();
                    out.push('\\');
                }
                _ => out.push(c),
            }
        }
        check_value_size(out.len())?;
        last = whole.end();
        if !global {
            break;
        }
    }
    out.push_str(&source[last..]);
    Ok(Value::Text(out))
}

/// A regular expression's flags as PostgreSQL spells them: whether `g`
/// (every match) and `i` (ignore case) are given. `global_allowed` is
/// false for the functions that look at one match.
fn regex_flags(function: &str, flags: &str, global_allowed: bool) -> Result<(bool, bool)> {
    let (mut global, mut case_insensitive) = (false, false);
    for flag in flags.chars() {
        match flag {
            'g' if global_allowed => global = true,
            'g' => {
                return Err(Error::new(
                    SqlState::InvalidParameterValue,
                    format!("{function}() does not support the \"global\" option"),
                )
                .with_hint("Use the regexp_matches function instead."));
            }
            'i' => case_insensitive = true,
            'c' => case_insensitive = false,
            other => {
                return Err(Error::new(
                    SqlState::InvalidParameterValue,
                    format!("invalid regular expression option: \"{other}\""),
                ));
            }
        }
    }
    Ok((global, case_insensitive))
}

/// A match as `regexp_match` and `regexp_matches` give it: its groups as
/// `text[]` (NULL for a group that took no part), or the whole match if
/// the pattern has no groups.
fn match_groups(c: &regex::Captures<'_>) -> Value {
    let text =
        |m: Option<regex::Match<'_>>| m.map_or(Value::Null, |m| Value::Text(m.as_str().to_owned()));
    Value::Array(if c.len() == 1 {
        vec![text(c.get(0))]
    } else {
        c.iter().skip(1).map(text).collect()
    })
}

/// `regexp_count(s, re [, start [, flags]])`, `regexp_instr(s, re [,
/// start [, n [, endoption [, flags [, subexpr]]]]])` and `regexp_substr(s,
/// re [, start [, n [, flags [, subexpr]]]])`, as PostgreSQL 15 defines
/// them: matches from character `start` on (1 by default); the `n`th
/// match (1), or its `subexpr`th parenthesized part (0: the whole match);
/// `regexp_instr` gives where it starts, or just after it ends with
/// `endoption` 1, and 0 without one; `regexp_substr` its text, or NULL.
fn regexp_positional(name: &str, args: &[Value]) -> Result<Value> {
    let text = text_arg(&args[0]);
    let int = |i: usize, parameter: &str, default: i64, least: i64| -> Result<i64> {
        let Some(v) = args.get(i) else {
            return Ok(default);
        };
        let k = v.as_i64().ok_or_else(|| wrong_args(name, args.len()))?;
        if k < least {
            return Err(Error::new(
                SqlState::InvalidParameterValue,
                format!("invalid value for parameter \"{parameter}\": {k}"),
            ));
        }
        Ok(k)
    };
    let start = int(2, "start", 1, 1)?;
    let (n, endoption, flags_at, subexpr_at) = match name {
        "regexp_count" => (1, 0, 3, None),
        "regexp_instr" => (int(3, "n", 1, 1)?, int(4, "endoption", 0, 0)?, 5, Some(6)),
        _ => (int(3, "n", 1, 1)?, 0, 4, Some(5)),
    };
    if endoption > 1 {
        return Err(Error::new(
            SqlState::InvalidParameterValue,
            format!("invalid value for parameter \"endoption\": {endoption}"),
        ));
    }
    let flags = args.get(flags_at).map(text_arg).unwrap_or_default();
    let subexpr = match subexpr_at {
        Some(at) => usize::try_from(int(at, "subexpr", 0, 0)?).unwrap_or(usize::MAX),
        None => 0,
    };
    let (_, case_insensitive) = regex_flags(name, &flags, false)?;
    let re = compiled_regex(&text_arg(&args[1]), case_insensitive)?;
    // The byte where character `start` is; past the end, no match.
    let from = usize::try_from(start - 1).ok().and_then(|k| {
        text.char_indices()
            .map(|(b, _)| b)
            .chain(std::iter::once(text.len()))
            .nth(k)
    });
    let Some(from) = from else {
        return Ok(match name {
            "regexp_substr" => Value::Null,
            _ => count(0),
        });
    };
    if name == "regexp_count" {
        return Ok(count(re.find_iter(&text[from..]).count()));
    }
    let nth = re
        .captures_iter(&text[from..])
        .nth(usize::try_from(n - 1).unwrap_or(usize::MAX))
        .and_then(|c| c.get(subexpr));
    let position = |byte: usize| count(text[..from + byte].chars().count() + 1);
    Ok(match (name, nth) {
        ("regexp_substr", None) => Value::Null,
        ("regexp_substr", Some(m)) => Value::Text(m.as_str().to_owned()),
        (_, None) => count(0),
        (_, Some(m)) if endoption == 1 => position(m.end()),
        (_, Some(m)) => position(m.start()),
    })
}

/// The regular expression functions that read matches: `regexp_match`
/// (the first match's groups, or the match, as `text[]`; NULL if none),
/// `regexp_like` and `regexp_split_to_array`. `flags` is the optional
/// last argument.
fn regexp_function(name: &str, text: &str, pattern: &str, flags: &str) -> Result<Value> {
    let (_, case_insensitive) = regex_flags(name, flags, false)?;
    let re = compiled_regex(pattern, case_insensitive)?;
    Ok(match name {
        "regexp_match" => re.captures(text).map_or(Value::Null, |c| match_groups(&c)),
        "regexp_like" => Value::Boolean(re.is_match(text)),
        _ => Value::Array(
            re.split(text)
                .map(|part| Value::Text(part.to_owned()))
                .collect(),
        ),
    })
}

/// `format(formatstr, args...)`: `%s` (text; NULL is empty), `%I` (an
/// identifier, quoted if needed), `%L` (a literal; NULL is `NULL`) and
/// `%%`, each with an optional argument position `n$`, a `-` flag and a
/// width, as in PostgreSQL. `args` may hold NULLs.
pub fn format(template: &str, args: &[Value]) -> Result<Value> {
    let bad = |why: &str| Error::new(SqlState::InvalidParameterValue, why.to_owned());
    let mut out = String::new();
    let mut next_arg = 0;
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        if chars.peek() == Some(&'%') {
            chars.next();
            out.push('%');
            continue;
        }
        // [n$][-][width]type
        let mut digits = String::new();
        while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
            digits.push(d);
            chars.next();
        }
        let mut position = None;
        if !digits.is_empty() && chars.peek() == Some(&'$') {
            chars.next();
            let n: usize = digits
                .parse()
                .map_err(|_| bad("argument number is out of range"))?;
            if n == 0 {
                return Err(bad(
                    "format specifies argument 0, but arguments are numbered from 1",
                ));
            }
            position = Some(n - 1);
            digits.clear();
        }
        let left = digits.is_empty() && chars.peek() == Some(&'-');
        if left {
            chars.next();
        }
        while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
            digits.push(d);
            chars.next();
        }
        let width: usize = if digits.is_empty() {
            0
        } else {
            digits.parse().map_err(|_| bad("number is out of range"))?
        };
        let kind = chars
            .next()
            .ok_or_else(|| bad("unterminated format() type specifier"))?;
        let index = position.unwrap_or(next_arg);
        next_arg = index + 1;
        let arg = args
            .get(index)
            .ok_or_else(|| bad("too few arguments for format()"))?;
        let text = match (kind, arg) {
            ('s', Value::Null) => String::new(),
            ('s', v) => text_arg(v),
            ('I', Value::Null) => {
                return Err(Error::new(
                    SqlState::NullValueNotAllowed,
                    "null values cannot be formatted as an SQL identifier",
                ));
            }
            ('I', v) => arbor_schema::sql_text::quote_identifier_if_needed(&text_arg(v)),
            ('L', v) => quote_nullable(v),
            (other, _) => {
                return Err(
                    bad(&format!("unrecognized format() type specifier \"{other}\""))
                        .with_hint("For a single \"%\" use \"%%\"."),
                );
            }
        };
        let pad = width.saturating_sub(text.chars().count());
        check_value_size(out.len() + text.len() + pad)?;
        if left {
            out.push_str(&text);
        }
        out.extend(std::iter::repeat_n(' ', pad));
        if !left {
            out.push_str(&text);
        }
    }
    Ok(Value::Text(out))
}

/// `quote_nullable(v)`: `v` as a string literal, or `NULL`.
pub fn quote_nullable(v: &Value) -> String {
    if v.is_null() {
        return "NULL".to_owned();
    }
    let t = text_arg(v);
    let quoted = arbor_schema::sql_text::quote_string(&t);
    // A backslash makes it an escape string, `E'a\\b'`, as in PostgreSQL.
    if t.contains('\\') {
        format!("E{}", quoted.replace('\\', "\\\\"))
    } else {
        quoted
    }
}

/// The last non-empty line of a multi-line error message (the regex
/// crate's messages draw the pattern first and say what is wrong last).
fn first_line(message: &str) -> &str {
    message
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .map_or(message, str::trim)
}

/// The string functions this module answers.
pub const NAMES: &[&str] = &[
    "lower",
    "upper",
    "length",
    "char_length",
    "character_length",
    "octet_length",
    "substr",
    "substring",
    "left",
    "right",
    "lpad",
    "rpad",
    "ltrim",
    "rtrim",
    "btrim",
    "strpos",
    "position",
    "replace",
    "repeat",
    "reverse",
    "split_part",
    "initcap",
    "starts_with",
    "md5",
    "sha224",
    "sha256",
    "sha384",
    "sha512",
    "translate",
    "similar_to_escape",
    "like_escape",
    "ascii",
    "chr",
    "to_hex",
    "concat_ws",
    "quote_ident",
    "quote_literal",
    "bit_length",
    "overlay",
    "regexp_replace",
    "regexp_match",
    "regexp_like",
    "regexp_count",
    "regexp_substr",
    "regexp_instr",
    "regexp_split_to_array",
    "regexp_split_to_table",
    "string_to_array",
    "string_to_table",
    "regexp_matches",
];

/// The string functions whose first argument may be other than text: a
/// number (`chr`, `to_hex`), bytea (`octet_length`, `bit_length`, `md5`,
/// `substr`), any value (`quote_literal`), or that are checked elsewhere.
const FIRST_ARGUMENT_NOT_ONLY_TEXT: &[&str] = &[
    "octet_length",
    "bit_length",
    "substr",
    "substring",
    "position",
    "md5",
    "sha224",
    "sha256",
    "sha384",
    "sha512",
    "chr",
    "to_hex",
    "concat_ws",
    "quote_ident",
    "quote_literal",
];

/// Whether string function `name` takes its first argument only as text
/// (character types and bytea): a number, a date or a boolean there
/// matches no function in PostgreSQL, which casts nothing to text
/// implicitly for them.
pub fn takes_only_text(name: &str) -> bool {
    NAMES.contains(&name) && !FIRST_ARGUMENT_NOT_ONLY_TEXT.contains(&name)
}

/// Calls string function `name` on non-NULL `args` (`concat_ws` sees NULLs).
pub fn call(name: &str, args: &[Value]) -> Result<Value> {
    let n = args.len();
    let text = |i: usize| text_arg(&args[i]);
    let int = |i: usize| int_arg(name, &args[i]);
    let chars = |i: usize| text(i).chars().collect::<Vec<char>>();
    Ok(match (name, n) {
        ("quote_ident", 1) => {
            Value::Text(arbor_schema::sql_text::quote_identifier_if_needed(&text(0)))
        }
        ("quote_literal", 1) => Value::Text(quote_nullable(&args[0])),
        ("bit_length", 1) => count(
            8 * match &args[0] {
                Value::Bytea(b) => b.len(),
                _ => text(0).len(),
            },
        ),
        ("overlay", 3 | 4) => {
            let (s, replacement) = (chars(0), chars(1));
            let start = int(2)?;
            let length = if n == 4 {
                int(3)?
            } else {
                replacement.len() as i64
            };
            if start < 1 || length < 0 {
                return Err(Error::new(
                    SqlState::SubstringError,
                    "negative substring length not allowed",
                ));
            }
            let head = usize::try_from(start - 1)
                .unwrap_or(usize::MAX)
                .min(s.len());
            let tail = usize::try_from(start - 1 + length)
                .unwrap_or(usize::MAX)
                .min(s.len());
            let mut out: String = s[..head].iter().collect();
            out.extend(&replacement);
            out.extend(&s[tail..]);
            Value::Text(out)
        }
        ("regexp_count" | "regexp_substr" | "regexp_instr", 2..=7) => {
            regexp_positional(name, args)?
        }
        (
            "regexp_match"
            | "regexp_like"
            | "regexp_split_to_array"
            // Set-returning: the pieces as rows.
            | "regexp_split_to_table",
            2 | 3,
        ) => {
            let flags = if n == 3 { text(2) } else { String::new() };
            regexp_function(name, &text(0), &text(1), &flags)?
        }
        // Set-returning: each match's groups (or the match) as a row.
        ("regexp_matches", 2 | 3) => {
            let flags = if n == 3 { text(2) } else { String::new() };
            let (global, case_insensitive) = regex_flags(name, &flags, true)?;
            let re = compiled_regex(&text(1), case_insensitive)?;
            let subject = text(0);
            let rows = re
                .captures_iter(&subject)
                .take(if global { usize::MAX } else { 1 })
                .map(|c| match_groups(&c))
                .collect();
            Value::Array(rows)
        }
        // `string_to_table` is set-returning: the pieces as rows.
        ("string_to_array" | "string_to_table", 2 | 3) => {
            let (s, delimiter) = (text(0), text(1));
            let null = (n == 3).then(|| text(2));
            let as_value = |part: &str| {
                if null.as_deref() == Some(part) {
                    Value::Null
                } else {
                    Value::Text(part.to_owned())
                }
            };
            Value::Array(if s.is_empty() {
                Vec::new()
            } else if delimiter.is_empty() {
                vec![as_value(&s)]
            } else {
                s.split(delimiter.as_str()).map(as_value).collect()
            })
        }
        ("regexp_replace", 3 | 4) => {
            let flags = if n == 4 { text(3) } else { String::new() };
            regexp_replace(&text(0), &text(1), &text(2), &flags)?
        }
        ("lower", 1) => Value::Text(text(0).to_lowercase()),
        ("upper", 1) => Value::Text(text(0).to_uppercase()),
        // A bytea's length is its bytes (PostgreSQL's length(bytea)).
        ("length", 1) if matches!(args[0], Value::Bytea(_)) => match &args[0] {
            Value::Bytea(b) => count(b.len()),
            _ => count(0),
        },
        ("length" | "char_length" | "character_length", 1) => count(chars(0).len()),
        ("octet_length", 1) => count(match &args[0] {
            Value::Bytea(b) => b.len(),
            _ => text(0).len(),
        }),
        // `substring(text FROM pattern)`: the first match of a POSIX
        // regular expression, or of its first parenthesized part if it has
        // one; NULL without a match.
        ("substring", 2) if matches!(args[1], Value::Text(_)) => {
            let re = compiled_regex(&text(1), false)?;
            let subject = text(0);
            re.captures(&subject)
                .and_then(|c| {
                    if c.len() > 1 {
                        c.get(1)
                    } else {
                        c.get(0)
                    }
                })
                .map_or(Value::Null, |m| Value::Text(m.as_str().to_owned()))
        }
        ("substr" | "substring", 2 | 3) => {
            let s = chars(0);
            // PostgreSQL counts a start before 1 against the length.
            let start = int(1)?;
            let end = if n == 3 {
                let len = int(2)?;
                if len < 0 {
                    return Err(Error::new(
                        SqlState::SubstringError,
                        "negative substring length not allowed",
                    ));
                }
                start.saturating_add(len)
            } else {
                i64::MAX
            };
            let from = start.max(1);
            let to = end.min(s.len() as i64 + 1);
            if from >= to {
                Value::Text(String::new())
            } else {
                Value::Text(s[(from - 1) as usize..(to - 1) as usize].iter().collect())
            }
        }
        ("left" | "right", 2) => {
            let s = chars(0);
            let k = int(1)?;
            let len = s.len() as i64;
            let take = if k >= 0 { k.min(len) } else { (len + k).max(0) } as usize;
            Value::Text(if name == "left" {
                s[..take].iter().collect()
            } else {
                s[s.len() - take..].iter().collect()
            })
        }
        ("lpad" | "rpad", 2 | 3) => {
            let s = chars(0);
            let width = usize::try_from(int(1)?.max(0)).unwrap_or(0);
            let fill: Vec<char> = if n == 3 { chars(2) } else { vec![' '] };
            if s.len() >= width || fill.is_empty() {
                return Ok(Value::Text(s[..width.min(s.len())].iter().collect()));
            }
            let widest = fill.iter().map(|c| c.len_utf8()).max().unwrap_or(1);
            check_value_size(width.saturating_mul(widest))?;
            let pad: String = fill.iter().cycle().take(width - s.len()).collect();
            let body: String = s.iter().collect();
            Value::Text(if name == "lpad" {
                pad + &body
            } else {
                body + &pad
            })
        }
        ("ltrim" | "rtrim" | "btrim", 1 | 2) => {
            let set: Vec<char> = if n == 2 { chars(1) } else { vec![' '] };
            let s = text(0);
            let trimmed = match name {
                "ltrim" => s.trim_start_matches(|c| set.contains(&c)),
                "rtrim" => s.trim_end_matches(|c| set.contains(&c)),
                _ => s.trim_matches(|c| set.contains(&c)),
            };
            Value::Text(trimmed.to_owned())
        }
        ("strpos" | "position", 2) => {
            let (haystack, needle) = (text(0), text(1));
            count(
                haystack
                    .find(&needle)
                    .map_or(0, |b| haystack[..b].chars().count() + 1),
            )
        }
        ("replace", 3) => {
            let from = text(1);
            if from.is_empty() {
                Value::Text(text(0))
            } else {
                let (s, to) = (text(0), text(2));
                let grows = to.len().saturating_sub(from.len());
                check_value_size(s.len() + s.matches(&from).count().saturating_mul(grows))?;
                Value::Text(s.replace(&from, &to))
            }
        }
        ("repeat", 2) => {
            let times = usize::try_from(int(1)?.max(0)).unwrap_or(0);
            let s = text(0);
            check_value_size(s.len().saturating_mul(times))?;
            Value::Text(s.repeat(times))
        }
        ("reverse", 1) => Value::Text(text(0).chars().rev().collect()),
        ("split_part", 3) => {
            let (s, delimiter, field) = (text(0), text(1), int(2)?);
            if field == 0 {
                return Err(Error::new(
                    SqlState::InvalidParameterValue,
                    "field position must not be zero",
                ));
            }
            let parts: Vec<&str> = if delimiter.is_empty() {
                vec![s.as_str()]
            } else {
                s.split(delimiter.as_str()).collect()
            };
            let index = if field > 0 {
                usize::try_from(field - 1).ok()
            } else {
                usize::try_from(parts.len() as i64 + field).ok()
            };
            Value::Text(
                index
                    .and_then(|i| parts.get(i))
                    .copied()
                    .unwrap_or("")
                    .to_owned(),
            )
        }
        ("initcap", 1) => {
            let mut out = String::new();
            let mut start_of_word = true;
            for c in text(0).chars() {
                if c.is_alphanumeric() {
                    if start_of_word {
                        out.extend(c.to_uppercase());
                    } else {
                        out.extend(c.to_lowercase());
                    }
                    start_of_word = false;
                } else {
                    out.push(c);
                    start_of_word = true;
                }
            }
            Value::Text(out)
        }
        ("starts_with", 2) => Value::Boolean(text(0).starts_with(&text(1))),
        ("md5", 1) => {
            let bytes = match &args[0] {
                Value::Bytea(b) => b.clone(),
                _ => text(0).into_bytes(),
            };
            let digest = Md5::digest(&bytes);
            Value::Text(digest.iter().map(|b| format!("{b:02x}")).collect())
        }
        // PostgreSQL's SHA-2 digests of bytea, as bytea.
        ("sha224" | "sha256" | "sha384" | "sha512", 1) => {
            use sha2::Digest;
            let bytes = match &args[0] {
                Value::Bytea(b) => b.clone(),
                _ => text(0).into_bytes(),
            };
            Value::Bytea(match name {
                "sha224" => sha2::Sha224::digest(&bytes).to_vec(),
                "sha256" => sha2::Sha256::digest(&bytes).to_vec(),
                "sha384" => sha2::Sha384::digest(&bytes).to_vec(),
                _ => sha2::Sha512::digest(&bytes).to_vec(),
            })
        }
        ("similar_to_escape", 1) => Value::Text(similar_to_escape(&text(0), Some('\\'))?),
        ("similar_to_escape", 2) => {
            let escape = text(1);
            let mut chars = escape.chars();
            let escape = match (chars.next(), chars.next()) {
                (None, _) => None,
                (Some(c), None) => Some(c),
                _ => {
                    return Err(Error::new(
                        SqlState::InvalidEscapeSequence,
                        "invalid escape string",
                    )
                    .with_hint("Escape string must be empty or one character."));
                }
            };
            Value::Text(similar_to_escape(&text(0), escape)?)
        }
        ("like_escape", 2) => Value::Text(like_escape(&text(0), &text(1))?),
        ("translate", 3) => {
            let (from, to) = (chars(1), chars(2));
            Value::Text(
                text(0)
                    .chars()
                    .filter_map(|c| match from.iter().position(|f| *f == c) {
                        Some(i) => to.get(i).copied(),
                        None => Some(c),
                    })
                    .collect(),
            )
        }
        ("ascii", 1) => Value::Integer(text(0).chars().next().map_or(0, |c| c as i32)),
        ("chr", 1) => {
            let code = u32::try_from(int(0)?).ok().and_then(char::from_u32);
            match code {
                Some('\0') => {
                    return Err(Error::new(
                        SqlState::ProgramLimitExceeded,
                        "null character not permitted",
                    ));
                }
                Some(c) => Value::Text(c.to_string()),
                _ => {
                    return Err(Error::new(
                        SqlState::ProgramLimitExceeded,
                        "requested character not valid",
                    ));
                }
            }
        }
        ("to_hex", 1) => Value::Text(format!("{:x}", int(0)?)),
        ("concat_ws", _) if n >= 1 => {
            let parts: Vec<String> = args[1..]
                .iter()
                .filter(|v| !v.is_null())
                .map(text_arg)
                .collect();
            let separator = text(0);
            let total: usize = parts.iter().map(String::len).sum();
            check_value_size(total + separator.len() * parts.len())?;
            Value::Text(parts.join(&separator))
        }
        _ => return Err(wrong_args(name, n)),
    })
}

fn count(n: usize) -> Value {
    Value::Integer(i32::try_from(n).unwrap_or(i32::MAX))
}

/// The regular expression a SQL `SIMILAR TO` pattern stands for, as
/// PostgreSQL's `similar_to_escape` writes it: anchored at both ends, `%`
/// any string, `_` any character, `.`, `^` and `$` literal, `(` a group,
/// bracket expressions as they are, and the escape character making the
/// next one literal.
pub fn similar_to_escape(pattern: &str, escape: Option<char>) -> Result<String> {
    let mut out = String::from("^(?:");
    let (mut after_escape, mut in_class) = (false, false);
    for c in pattern.chars() {
        if after_escape {
            if c == '"' && !in_class {
                return Err(Error::unsupported(
                    "SIMILAR TO patterns with escaped double quotes",
                ));
            }
            out.push('\\');
            out.push(c);
            after_escape = false;
        } else if Some(c) == escape {
            after_escape = true;
        } else if in_class {
            if c == '\\' {
                out.push('\\');
            }
            out.push(c);
            in_class = c != ']';
        } else {
            match c {
                '[' => {
                    out.push('[');
                    in_class = true;
                }
                '%' => out.push_str(".*"),
                '_' => out.push('.'),
                '(' => out.push_str("(?:"),
                '\\' | '.' | '^' | '$' => {
                    out.push('\\');
                    out.push(c);
                }
                other => out.push(other),
            }
        }
    }
    if after_escape {
        return Err(Error::new(
            SqlState::InvalidEscapeSequence,
            "invalid escape string",
        ));
    }
    out.push_str(")$");
    Ok(out)
}

/// A LIKE pattern written with escape character `escape` (empty: none),
/// rewritten to the backslash escape LIKE reads by default.
pub fn like_escape(pattern: &str, escape: &str) -> Result<String> {
    let mut chars = escape.chars();
    let escape = match (chars.next(), chars.next()) {
        (None, _) => None,
        (Some(c), None) => Some(c),
        _ => {
            return Err(
                Error::new(SqlState::InvalidEscapeSequence, "invalid escape string")
                    .with_hint("Escape string must be empty or one character."),
            );
        }
    };
    let mut out = String::with_capacity(pattern.len());
    let mut pattern = pattern.chars();
    while let Some(c) = pattern.next() {
        if Some(c) == escape {
            // A pattern ending in the escape ends in the backslash, which
            // matches nothing.
            out.push('\\');
            if let Some(next) = pattern.next() {
                out.push(next);
            }
        } else if c == '\\' {
            // A backslash that is not the escape is itself.
            out.push_str("\\\\");
        } else {
            out.push(c);
        }
    }
    Ok(out)
}
