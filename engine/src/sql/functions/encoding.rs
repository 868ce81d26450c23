//! `encode(bytea, format)` and `decode(text, format)`: binary data as
//! text and back, in PostgreSQL's three formats.
//!
//! - `hex`: two lowercase digits a byte; decoding takes either case and
//!   skips whitespace between pairs.
//! - `base64`: RFC 2045's alphabet with `=` padding, a line break after
//!   every 76 characters as PostgreSQL writes it; decoding skips
//!   whitespace. The `base64` crate does the coding.
//! - `escape`: a zero byte and bytes from 0x80 as `\` and three octal
//!   digits, a backslash doubled, every other byte as itself.
//!
//! And `convert_to(text, encoding)` / `convert_from(bytea, encoding)`,
//! text as the bytes of an encoding and back, for UTF-8 (the only
//! encoding Arbor's text has).

use arbor_schema::Value;
use base64::Engine as _;

use crate::error::{Error, Result, SqlState};

/// The functions this module answers.
pub const NAMES: &[&str] = &["encode", "decode", "convert_to", "convert_from"];

/// PostgreSQL wraps base64 output after this many characters.
const BASE64_LINE: usize = 76;

fn invalid(message: impl Into<String>) -> Error {
    Error::new(SqlState::InvalidParameterValue, message)
}

fn unknown_format(format: &str) -> Error {
    invalid(format!("unrecognized encoding: \"{format}\""))
}

/// Calls `encode` or `decode` on non-NULL `args`.
pub fn call(name: &str, args: &[Value]) -> Result<Value> {
    fn format<'a>(v: &'a Value, name: &str) -> Result<&'a str> {
        match v {
            Value::Text(s) => Ok(s),
            _ => Err(super::wrong_args(name, 2)),
        }
    }
    let format = |v| format(v, name);
    match (name, args) {
        ("encode", [Value::Bytea(bytes), f]) => Ok(Value::Text(encode(bytes, format(f)?)?)),
        ("decode", [Value::Text(text), f]) => Ok(Value::Bytea(decode(text, format(f)?)?)),
        ("convert_to", [Value::Text(text), f]) => {
            utf8(format(f)?, "destination")?;
            Ok(Value::Bytea(text.as_bytes().to_vec()))
        }
        ("convert_from", [Value::Bytea(bytes), f]) => {
            utf8(format(f)?, "source")?;
            String::from_utf8(bytes.clone())
                .map(Value::Text)
                .map_err(|e| {
                    let at = e.utf8_error().valid_up_to();
                    Error::new(
                        SqlState::CharacterNotInRepertoire,
                        format!(
                            "invalid byte sequence for encoding \"UTF8\": 0x{:02x}",
                            bytes[at]
                        ),
                    )
                })
        }
        _ => Err(super::wrong_args(name, args.len())),
    }
}

/// Refuses an encoding other than UTF-8 (`role`: "source" or
/// "destination", for the message).
fn utf8(encoding: &str, role: &str) -> Result<()> {
    match encoding
        .to_ascii_lowercase()
        .replace(['-', '_'], "")
        .as_str()
    {
        "utf8" | "unicode" => Ok(()),
        _ => Err(invalid(format!(
            "invalid {role} encoding name \"{encoding}\""
        ))),
    }
}

/// `bytes` as text in `format`.
pub fn encode(bytes: &[u8], format: &str) -> Result<String> {
    Ok(match format.to_ascii_lowercase().as_str() {
        "hex" => bytes.iter().map(|b| format!("{b:02x}")).collect(),
        "base64" => {
            let flat = base64::engine::general_purpose::STANDARD.encode(bytes);
            let lines: Vec<&str> = flat
                .as_bytes()
                .chunks(BASE64_LINE)
                .map(|line| std::str::from_utf8(line).unwrap_or_default())
                .collect();
            lines.join("\n")
        }
        "escape" => {
            let mut out = String::with_capacity(bytes.len());
            for &b in bytes {
                match b {
                    b'\\' => out.push_str("\\\\"),
                    0 | 0x80.. => out.push_str(&format!("\\{b:03o}")),
                    _ => out.push(char::from(b)),
                }
            }
            out
        }
        _ => return Err(unknown_format(format)),
    })
}

/// The bytes `text` stands for in `format`.
pub fn decode(text: &str, format: &str) -> Result<Vec<u8>> {
    match format.to_ascii_lowercase().as_str() {
        "hex" => decode_hex(text),
        "base64" => {
            let compact: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
            if let Some(bad) = compact
                .iter()
                .find(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=')))
            {
                return Err(invalid(format!(
                    "invalid symbol \"{}\" found while decoding base64 sequence",
                    char::from(*bad)
                )));
            }
            base64::engine::general_purpose::STANDARD
                .decode(&compact)
                .map_err(|_| {
                    invalid("invalid base64 end sequence").with_hint(
                        "Input data is missing padding, is truncated, or is otherwise corrupted.",
                    )
                })
        }
        "escape" => decode_escape(text),
        _ => Err(unknown_format(format)),
    }
}

fn decode_hex(text: &str) -> Result<Vec<u8>> {
    let digit = |c: char| {
        c.to_digit(16)
            .ok_or_else(|| invalid(format!("invalid hexadecimal digit: \"{c}\"")))
    };
    let mut out = Vec::with_capacity(text.len() / 2);
    let mut chars = text.chars().filter(|c| !c.is_ascii_whitespace());
    while let Some(high) = chars.next() {
        let high = digit(high)?;
        let low = chars
            .next()
            .ok_or_else(|| invalid("invalid hexadecimal data: odd number of digits"))?;
        out.push((high * 16 + digit(low)?) as u8);
    }
    Ok(out)
}

fn decode_escape(text: &str) -> Result<Vec<u8>> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            out.push(bytes[i]);
            i += 1;
        } else if bytes.get(i + 1) == Some(&b'\\') {
            out.push(b'\\');
            i += 2;
        } else {
            let octal = bytes
                .get(i + 1..i + 4)
                .filter(|d| {
                    matches!(d[0], b'0'..=b'3') && d.iter().all(|c| matches!(c, b'0'..=b'7'))
                })
                .ok_or_else(|| {
                    Error::new(
                        SqlState::InvalidTextRepresentation,
                        "invalid input syntax for type bytea",
                    )
                })?;
            out.push(octal.iter().fold(0u8, |acc, d| acc * 8 + (d - b'0')));
            i += 4;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_round_trip_and_match_postgresql() {
        let bytes = b"\x00\x01ab\\\xff\n";
        assert_eq!(
            encode(bytes, "hex").unwrap(),
            "00016162 5cff0a".replace(' ', "")
        );
        assert_eq!(encode(bytes, "escape").unwrap(), "\\000\u{1}ab\\\\\\377\n");
        assert_eq!(encode(b"hello", "base64").unwrap(), "aGVsbG8=");
        for format in ["hex", "base64", "escape"] {
            let text = encode(bytes, format).unwrap();
            assert_eq!(decode(&text, format).unwrap(), bytes, "{format}");
        }
        // Long base64 wraps at 76 characters and reads back across lines.
        let long = vec![7u8; 100];
        let text = encode(&long, "base64").unwrap();
        assert_eq!(text.lines().next().unwrap().len(), 76);
        assert_eq!(decode(&text, "base64").unwrap(), long);
        assert_eq!(decode("DE ad", "hex").unwrap(), vec![0xde, 0xad]);
        assert!(decode("abc", "hex").is_err());
        assert!(decode("zz", "hex").is_err());
        assert!(decode("a!", "base64").is_err());
        assert!(encode(b"x", "rot13").is_err());
    }
}
