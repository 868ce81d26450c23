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
//!
//! [`encode`] writes the canonical binary form (see `validate` for the
//! layout) straight from the text, with no tree in between: each container
//! is written as its elements are read, then its header and entries are
//! put in front, and an object's members are put in key order (the last of
//! a repeated key kept). [`parse`] builds the `jsonb` crate's value tree
//! instead; the tests check that both give the same bytes.

use std::borrow::Cow;
#[cfg(test)]
use std::collections::BTreeMap;

use jsonb::Number;
#[cfg(test)]
use jsonb::Value;

use crate::validate::{
    ARRAY, CONTAINER, ENTRY_LEN, FALSE, NULL, NUMBER, OBJECT, SCALAR, STRING, TRUE,
};
use crate::{JsonbError, MAX_DEPTH};

/// Parses one JSON document into a value tree.
#[cfg(test)]
pub(crate) fn parse(text: &str) -> Result<Value<'_>, JsonbError> {
    let mut parser = Parser::new(text, Workspace::default());
    parser.skip_whitespace();
    let value = parser.value()?;
    parser.end()?;
    Ok(value)
}

/// Parses one JSON document into its canonical binary form.
pub(crate) fn encode(text: &str) -> Result<Vec<u8>, JsonbError> {
    let mut parser = Parser::new(text, WORKSPACE.take());
    let encoded = parser.encode_document();
    // A workspace that grew large for one document is not kept.
    if parser.ws.capacity() <= KEPT_WORKSPACE {
        WORKSPACE.set(parser.ws);
    }
    encoded
}

thread_local! {
    /// The encoder's working space, kept on each thread from document to
    /// document: encoding a document then allocates only its result.
    static WORKSPACE: std::cell::Cell<Workspace> = std::cell::Cell::new(Workspace::default());
}

/// Bytes of working space kept for the next document.
const KEPT_WORKSPACE: usize = 1 << 20;

/// The encoder's working space (see [`encode`]).
#[derive(Default)]
struct Workspace {
    /// The members of the objects being encoded, innermost last.
    members: Vec<Member>,
    /// Their keys, unescaped, one after another.
    keys: Vec<u8>,
    /// The entries of the arrays being encoded, innermost last.
    entries: Vec<u32>,
    /// Where an object's values wait while its members are put in order.
    values: Vec<u8>,
}

impl Workspace {
    /// Bytes held.
    fn capacity(&self) -> usize {
        self.members.capacity() * size_of::<Member>()
            + self.keys.capacity()
            + self.entries.capacity() * 4
            + self.values.capacity()
    }
}

/// The entry of an element of type `kind` whose data is `len` bytes.
fn entry(kind: u32, len: usize) -> Result<u32, JsonbError> {
    if len > ENTRY_LEN as usize {
        return Err(JsonbError::TooLarge(len));
    }
    Ok(kind | len as u32)
}

/// Appends a number's data: zero, an integer in the fewest bytes, or a
/// double (the form `jsonb` gives `Number::compact_encode`).
fn encode_number(n: &Number, out: &mut Vec<u8>) {
    match *n {
        Number::Int64(0) => out.push(0x00),
        Number::Int64(i) => {
            out.push(0x40);
            if let Ok(i) = i8::try_from(i) {
                out.extend_from_slice(&i.to_be_bytes());
            } else if let Ok(i) = i16::try_from(i) {
                out.extend_from_slice(&i.to_be_bytes());
            } else if let Ok(i) = i32::try_from(i) {
                out.extend_from_slice(&i.to_be_bytes());
            } else {
                out.extend_from_slice(&i.to_be_bytes());
            }
        }
        ref other => {
            out.push(0x60);
            out.extend_from_slice(&other.as_f64().to_be_bytes());
        }
    }
}

/// An object member read by [`Parser::encode_object`]: where its key lies
/// in [`Workspace::keys`], and its value's data in the output.
struct Member {
    key: std::ops::Range<usize>,
    value: std::ops::Range<usize>,
    entry: u32,
}

struct Parser<'t> {
    text: &'t str,
    bytes: &'t [u8],
    pos: usize,
    depth: usize,
    ws: Workspace,
}

impl<'t> Parser<'t> {
    fn new(text: &'t str, mut ws: Workspace) -> Parser<'t> {
        ws.members.clear();
        ws.keys.clear();
        ws.entries.clear();
        Parser {
            text,
            bytes: text.as_bytes(),
            pos: 0,
            depth: 0,
            ws,
        }
    }

    /// Encodes the whole text.
    fn encode_document(&mut self) -> Result<Vec<u8>, JsonbError> {
        let mut out = Vec::with_capacity(self.text.len() + 16);
        self.skip_whitespace();
        if matches!(self.peek(), Some(b'{' | b'[')) {
            self.encode_value(&mut out)?;
        } else {
            // A scalar alone is a scalar container of one entry.
            out.extend_from_slice(&SCALAR.to_be_bytes());
            out.extend_from_slice(&[0; 4]);
            let entry = self.encode_value(&mut out)?;
            out[4..8].copy_from_slice(&entry.to_be_bytes());
        }
        self.end()?;
        Ok(out)
    }

    /// Checks that nothing but whitespace follows the document.
    fn end(&mut self) -> Result<(), JsonbError> {
        self.skip_whitespace();
        if self.pos < self.bytes.len() {
            return Err(self.unexpected("end of input"));
        }
        Ok(())
    }

    /// Appends the data of the value at the current position to `out` and
    /// returns its entry.
    fn encode_value(&mut self, out: &mut Vec<u8>) -> Result<u32, JsonbError> {
        let start = out.len();
        match self.peek() {
            Some(b'{') => {
                self.encode_object(out)?;
                entry(CONTAINER, out.len() - start)
            }
            Some(b'[') => {
                self.encode_array(out)?;
                entry(CONTAINER, out.len() - start)
            }
            Some(b'"') => {
                out.extend_from_slice(self.string()?.as_bytes());
                entry(STRING, out.len() - start)
            }
            Some(b't') => self.literal("true", TRUE),
            Some(b'f') => self.literal("false", FALSE),
            Some(b'n') => self.literal("null", NULL),
            Some(b'-' | b'0'..=b'9') => {
                encode_number(&self.number()?, out);
                entry(NUMBER, out.len() - start)
            }
            _ => Err(self.unexpected("JSON value")),
        }
    }

    /// Puts a container's header and `entries` in front of its elements'
    /// data, which `out` holds from `start` on.
    fn prepend_header(out: &mut Vec<u8>, start: usize, header: u32, entries: &[u32]) {
        let front = 4 * (1 + entries.len());
        let end = out.len();
        out.resize(end + front, 0);
        out.copy_within(start..end, start + front);
        for (i, word) in std::iter::once(header)
            .chain(entries.iter().copied())
            .enumerate()
        {
            out[start + 4 * i..start + 4 * i + 4].copy_from_slice(&word.to_be_bytes());
        }
    }

    fn encode_array(&mut self, out: &mut Vec<u8>) -> Result<(), JsonbError> {
        self.enter()?;
        let start = out.len();
        let base = self.ws.entries.len();
        let mut more = !self.closes(b']');
        while more {
            let entry = self.encode_value(out)?;
            self.ws.entries.push(entry);
            more = self.after_element(b']')?;
        }
        let count = self.ws.entries.len() - base;
        Self::prepend_header(out, start, ARRAY | count as u32, &self.ws.entries[base..]);
        self.ws.entries.truncate(base);
        Ok(())
    }

    fn encode_object(&mut self, out: &mut Vec<u8>) -> Result<(), JsonbError> {
        self.enter()?;
        let start = out.len();
        let base = self.ws.members.len();
        let keys_base = self.ws.keys.len();
        let mut more = !self.closes(b'}');
        while more {
            let key = self.key()?;
            let key_at = self.ws.keys.len();
            self.ws.keys.extend_from_slice(key.as_bytes());
            let key = key_at..self.ws.keys.len();
            let at = out.len();
            let entry = self.encode_value(out)?;
            self.ws.members.push(Member {
                key,
                value: at..out.len(),
                entry,
            });
            more = self.after_element(b'}')?;
        }
        // Keys in bytewise order; of a repeated key the last value wins, as
        // in PostgreSQL (the sort is stable, so it is the last of its run).
        let Workspace {
            members,
            keys,
            values,
            ..
        } = &mut self.ws;
        let members_here = &mut members[base..];
        members_here.sort_by(|a, b| keys[a.key.clone()].cmp(&keys[b.key.clone()]));
        let mut kept = 0;
        for read in 0..members_here.len() {
            if kept > 0
                && keys[members_here[kept - 1].key.clone()] == keys[members_here[read].key.clone()]
            {
                members_here.swap(kept - 1, read);
            } else {
                members_here.swap(kept, read);
                kept += 1;
            }
        }
        let kept = &members[base..base + kept];
        // The values' data, moved aside, goes back after the keys, in key
        // order.
        values.clear();
        values.extend_from_slice(&out[start..]);
        out.truncate(start);
        out.extend_from_slice(&(OBJECT | kept.len() as u32).to_be_bytes());
        for m in kept {
            out.extend_from_slice(&entry(STRING, m.key.len())?.to_be_bytes());
        }
        for m in kept {
            out.extend_from_slice(&m.entry.to_be_bytes());
        }
        for m in kept {
            out.extend_from_slice(&keys[m.key.clone()]);
        }
        for m in kept {
            out.extend_from_slice(&values[m.value.start - start..m.value.end - start]);
        }
        members.truncate(base);
        keys.truncate(keys_base);
        Ok(())
    }

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

    #[cfg(test)]
    fn value(&mut self) -> Result<Value<'t>, JsonbError> {
        match self.peek() {
            Some(b'{') => self.object(),
            Some(b'[') => self.array(),
            Some(b'"') => Ok(Value::String(self.string()?)),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Null),
            Some(b'-' | b'0'..=b'9') => Ok(Value::Number(self.number()?)),
            _ => Err(self.unexpected("JSON value")),
        }
    }

    fn literal<V>(&mut self, word: &str, value: V) -> Result<V, JsonbError> {
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

    #[cfg(test)]
    fn object(&mut self) -> Result<Value<'t>, JsonbError> {
        self.enter()?;
        let mut map = BTreeMap::new();
        let mut more = !self.closes(b'}');
        while more {
            let key = self.key()?.into_owned();
            let value = self.value()?;
            // A repeated key keeps its last value, as in PostgreSQL.
            map.insert(key, value);
            more = self.after_element(b'}')?;
        }
        Ok(Value::Object(map))
    }

    #[cfg(test)]
    fn array(&mut self) -> Result<Value<'t>, JsonbError> {
        self.enter()?;
        let mut items = Vec::new();
        let mut more = !self.closes(b']');
        while more {
            items.push(self.value()?);
            more = self.after_element(b']')?;
        }
        Ok(Value::Array(items))
    }

    /// Whether the container just entered closes at once with `close`
    /// (then it is left).
    fn closes(&mut self, close: u8) -> bool {
        if self.peek() != Some(close) {
            return false;
        }
        self.pos += 1;
        self.depth -= 1;
        true
    }

    /// After an element of a container that ends with `close`: skips a
    /// comma (`true`: another element follows) or `close` (`false`: the
    /// container is left).
    fn after_element(&mut self, close: u8) -> Result<bool, JsonbError> {
        self.skip_whitespace();
        match self.peek() {
            Some(b',') => {
                self.pos += 1;
                self.skip_whitespace();
                Ok(true)
            }
            Some(c) if c == close => {
                self.pos += 1;
                self.depth -= 1;
                Ok(false)
            }
            _ if close == b']' => Err(self.unexpected("\",\" or \"]\"")),
            _ => Err(self.unexpected("\",\" or \"}\"")),
        }
    }

    /// An object member's key and the colon after it.
    fn key(&mut self) -> Result<Cow<'t, str>, JsonbError> {
        if self.peek() != Some(b'"') {
            return Err(self.unexpected("string"));
        }
        let key = self.string()?;
        self.skip_whitespace();
        if self.peek() != Some(b':') {
            return Err(self.unexpected("\":\""));
        }
        self.pos += 1;
        self.skip_whitespace();
        Ok(key)
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

    fn number(&mut self) -> Result<Number, JsonbError> {
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
            return Ok(Number::Int64(i));
        }
        match literal.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(crate::canonical_number(f)),
            _ => Err(JsonbError::Syntax {
                message: format!(
                    "number {literal} is out of range (beyond 1.7976931348623157e308), pos {start}"
                ),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// JSON texts: scalars of every number width, strings with escapes,
    /// and nested arrays and objects whose keys repeat.
    fn json_text() -> impl Strategy<Value = String> {
        let leaf = prop::sample::select(vec![
            "0",
            "-0",
            "1",
            "-1",
            "127",
            "128",
            "-129",
            "32767",
            "32768",
            "2147483647",
            "2147483648",
            "-2147483649",
            "9223372036854775807",
            "9223372036854775808",
            "-9223372036854775808",
            "1.5",
            "-2.25e-3",
            "1e5",
            "3.0",
            "1E400",
            "true",
            "false",
            "null",
            "\"\"",
            "\"a\"",
            "\"\\u00e9\\n\"",
            "\"é\"",
            "\"\\ud83d\\ude00\"",
            "\"b\\\"c\"",
        ])
        .prop_map(str::to_string);
        leaf.prop_recursive(4, 48, 6, |inner| {
            let key = prop::sample::select(vec!["\"a\"", "\"b\"", "\"ab\"", "\"\"", "\"\\u0061\""]);
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6)
                    .prop_map(|items| format!("[{}]", items.join(", "))),
                prop::collection::vec((key, inner), 0..6).prop_map(|members| {
                    let members: Vec<String> =
                        members.iter().map(|(k, v)| format!("{k}: {v}")).collect();
                    format!("{{ {} }}", members.join(","))
                }),
            ]
        })
    }

    proptest! {
        /// Writing the binary form straight from the text gives exactly
        /// the bytes of the value tree, and the same errors.
        #[test]
        fn encoding_directly_matches_the_value_tree(text in json_text(), cut in any::<prop::sample::Index>()) {
            let tree = parse(&text).map(|v| v.to_vec());
            prop_assert_eq!(encode(&text), tree);
            // A text cut short (usually not JSON any more) fails alike.
            let end = cut.index(text.len() + 1);
            if let Some(prefix) = text.get(..end) {
                prop_assert_eq!(encode(prefix), parse(prefix).map(|v| v.to_vec()));
            }
        }
    }

    #[test]
    fn the_last_of_a_repeated_key_is_kept() {
        let direct = encode(r#"{"b": 1, "a": 2, "b": [3], "a": {"x": 4}}"#).unwrap();
        let expected = parse(r#"{"a": {"x": 4}, "b": [3]}"#).unwrap().to_vec();
        assert_eq!(direct, expected);
    }
}
