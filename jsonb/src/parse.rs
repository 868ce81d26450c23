//! JSON text to a value tree, accepting what PostgreSQL's `jsonb` input
//! accepts.
//!
//! Standard JSON (RFC 8259): no comments, no single quotes, no unquoted
//! keys, no `NaN`, no leading zeros; strings must escape control
//! characters; `\u` escapes must pair surrogates. Where an object repeats a
//! key the last value wins, as in PostgreSQL.
//!
//! Numbers: a literal without fraction or exponent that fits in i64 is read
//! as an integer; every other literal as the nearest double (Rust's
//! correctly rounded conversion). A literal beyond a double's range is an
//! error rather than infinity. Numbers come out in canonical form (see
//! `canonical_number`), so the tree encodes as it is; strings without
//! escapes borrow from the text.
//!
//! Nesting deeper than [`MAX_DEPTH`] is refused before it recurses further,
//! so the parser's stack stays bounded.

use std::borrow::Cow;
use std::collections::BTreeMap;

use jsonb::{Number, Value};

use crate::{JsonbError, MAX_DEPTH};

/// Parses one JSON document.
pub(crate) fn parse(text: &str) -> Result<Value<'_>, JsonbError> {
    let mut parser = Parser {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        depth: 0,
    };
    parser.skip_whitespace();
    let value = parser.value()?;
    parser.skip_whitespace();
    if parser.pos < parser.bytes.len() {
        return Err(parser.unexpected("end of input"));
    }
    Ok(value)
}

struct Parser<'t> {
    text: &'t str,
    bytes: &'t [u8],
    pos: usize,
    depth: usize,
}

impl<'t> Parser<'t> {
    fn error(&self, message: impl std::fmt::Display) -> JsonbError {
        JsonbError::Syntax {
            message: format!("{message}, pos {}", self.pos),
        }
    }

    /// "Expected X, but found Y", naming the token at the current position.
    fn unexpected(&self, expected: &str) -> JsonbError {
        match self
            .text
            .get(self.pos..)
            .and_then(|rest| rest.chars().next())
        {
            None => self.error("The input string ended unexpectedly"),
            Some(c) => self.error(format!("Expected {expected}, but found \"{c}\"")),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn value(&mut self) -> Result<Value<'t>, JsonbError> {
        match self.peek() {
            Some(b'{') => self.object(),
            Some(b'[') => self.array(),
            Some(b'"') => Ok(Value::String(self.string()?)),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(self.unexpected("JSON value")),
        }
    }

    fn literal(&mut self, word: &str, value: Value<'t>) -> Result<Value<'t>, JsonbError> {
        if self.bytes[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(self.unexpected("JSON value"))
        }
    }

    fn enter(&mut self) -> Result<(), JsonbError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(JsonbError::TooDeep);
        }
        self.pos += 1;
        self.skip_whitespace();
        Ok(())
    }

    fn object(&mut self) -> Result<Value<'t>, JsonbError> {
        self.enter()?;
        let mut map = BTreeMap::new();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            self.depth -= 1;
            return Ok(Value::Object(map));
        }
        loop {
            if self.peek() != Some(b'"') {
                return Err(self.unexpected("string"));
            }
            let key = self.string()?.into_owned();
            self.skip_whitespace();
            if self.peek() != Some(b':') {
                return Err(self.unexpected("\":\""));
            }
            self.pos += 1;
            self.skip_whitespace();
            let value = self.value()?;
            // A repeated key keeps its last value, as in PostgreSQL.
            map.insert(key, value);
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    self.skip_whitespace();
                }
                Some(b'}') => {
                    self.pos += 1;
                    self.depth -= 1;
                    return Ok(Value::Object(map));
                }
                _ => return Err(self.unexpected("\",\" or \"}\"")),
            }
        }
    }

    fn array(&mut self) -> Result<Value<'t>, JsonbError> {
        self.enter()?;
        let mut items = Vec::new();
        if self.peek() == Some(b']') {
            self.pos += 1;
            self.depth -= 1;
            return Ok(Value::Array(items));
        }
        loop {
            items.push(self.value()?);
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    self.skip_whitespace();
                }
                Some(b']') => {
                    self.pos += 1;
                    self.depth -= 1;
                    return Ok(Value::Array(items));
                }
                _ => return Err(self.unexpected("\",\" or \"]\"")),
            }
        }
    }

    /// A string literal starting at the opening quote: borrowed from the
    /// text when it has no escapes.
    fn string(&mut self) -> Result<Cow<'t, str>, JsonbError> {
        self.pos += 1;
        let mut out: Option<String> = None;
        loop {
            // Copy the run of ordinary characters in one go. Every byte that
            // ends a run is ASCII, so the run is whole UTF-8 characters.
            let start = self.pos;
            while matches!(self.peek(), Some(b) if b != b'"' && b != b'\\' && b >= 0x20) {
                self.pos += 1;
            }
            let run = &self.text[start..self.pos];
            match self.peek() {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(match out {
                        None => Cow::Borrowed(run),
                        Some(mut owned) => {
                            owned.push_str(run);
                            Cow::Owned(owned)
                        }
                    });
                }
                Some(b'\\') => {
                    let c = self.escape()?;
                    let owned = out.get_or_insert_with(String::new);
                    owned.push_str(run);
                    owned.push(c);
                }
                Some(b) => {
                    return Err(
                        self.error(format!("Character with value 0x{b:02x} must be escaped"))
                    );
                }
                None => return Err(self.error("The input string ended unexpectedly")),
            }
        }
    }

    /// An escape sequence starting at the backslash.
    fn escape(&mut self) -> Result<char, JsonbError> {
        let c = match self.bytes.get(self.pos + 1) {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{08}',
            Some(b'f') => '\u{0c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => return self.unicode_escape(),
            Some(_) => return Err(self.error("Escape sequence is invalid")),
            None => return Err(self.error("The input string ended unexpectedly")),
        };
        self.pos += 2;
        Ok(c)
    }

    fn hex4(&self, at: usize) -> Result<u32, JsonbError> {
        self.bytes
            .get(at..at + 4)
            .and_then(|h| std::str::from_utf8(h).ok())
            .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .ok_or_else(|| self.error("\"\\u\" must be followed by four hexadecimal digits"))
    }

    fn unicode_escape(&mut self) -> Result<char, JsonbError> {
        let unit = self.hex4(self.pos + 2)?;
        let code = match unit {
            0xD800..=0xDBFF => {
                let low = if self.bytes.get(self.pos + 6..self.pos + 8) == Some(&b"\\u"[..]) {
                    self.hex4(self.pos + 8).ok()
                } else {
                    None
                };
                match low {
                    Some(low @ 0xDC00..=0xDFFF) => {
                        self.pos += 6;
                        0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                    }
                    _ => {
                        return Err(
                            self.error("Unicode low surrogate must follow a high surrogate")
                        );
                    }
                }
            }
            0xDC00..=0xDFFF => {
                return Err(self.error("Unicode low surrogate must follow a high surrogate"));
            }
            other => other,
        };
        self.pos += 6;
        char::from_u32(code).ok_or_else(|| self.error("invalid Unicode escape"))
    }

    fn number(&mut self) -> Result<Value<'t>, JsonbError> {
        let start = self.pos;
        let digits = |p: &mut Self| {
            let from = p.pos;
            while matches!(p.peek(), Some(b'0'..=b'9')) {
                p.pos += 1;
            }
            p.pos > from
        };
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            // No leading zeros: `0` stands alone.
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                digits(self);
            }
            _ => return Err(self.unexpected("JSON value")),
        }
        let mut integral = true;
        if self.peek() == Some(b'.') {
            self.pos += 1;
            integral = false;
            if !digits(self) {
                return Err(self.unexpected("digit"));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            integral = false;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !digits(self) {
                return Err(self.unexpected("digit"));
            }
        }
        let literal = &self.text[start..self.pos];
        if let (true, Ok(i)) = (integral, literal.parse::<i64>()) {
            return Ok(Value::Number(Number::Int64(i)));
        }
        match literal.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(Value::Number(crate::canonical_number(f))),
            _ => Err(JsonbError::Syntax {
                message: format!(
                    "number {literal} is out of range (beyond 1.7976931348623157e308), pos {start}"
                ),
            }),
        }
    }
}
