//! The `json` type's operators and functions. A `json` value keeps its
//! text as written (spaces, key order, repeated keys), and what these give
//! back is a piece of that text, as PostgreSQL's do: `'{"a": [1,  2]}'::json
//! -> 'a'` is `[1,  2]`. Where an object repeats a key, the last one counts.
//!
//! The text was checked when it became a `json` value, so a scan here
//! only finds where each value starts and ends; it still refuses what it
//! cannot read rather than guessing.

use arbor_schema::Value;

use super::{text_arg, wrong_args};
use crate::error::{Error, Result, SqlState};
use crate::sql::planner::expr::BinaryOp;

/// The scalar functions this module answers.
pub const NAMES: &[&str] = &[
    "json_typeof",
    "json_array_length",
    "json_extract_path",
    "json_extract_path_text",
];

/// Its set-returning functions (rows as an array the plan expands;
/// `json_each` gives `[key, value]` pairs).
pub const SET_RETURNING: &[&str] = &[
    "json_object_keys",
    "json_array_elements",
    "json_array_elements_text",
    "json_each",
    "json_each_text",
];

fn malformed() -> Error {
    Error::new(
        SqlState::InvalidTextRepresentation,
        "invalid input syntax for type json",
    )
}

fn invalid(message: impl Into<String>) -> Error {
    Error::new(SqlState::InvalidParameterValue, message)
}

fn skip_spaces(b: &[u8], mut at: usize) -> usize {
    while at < b.len() && matches!(b[at], b' ' | b'\t' | b'\n' | b'\r') {
        at += 1;
    }
    at
}

/// The end of the string whose opening quote is at `at`.
fn string_end(b: &[u8], at: usize) -> Result<usize> {
    let mut i = at + 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return Ok(i + 1),
            _ => i += 1,
        }
    }
    Err(malformed())
}

/// The end of the value that starts at `at`.
fn value_end(b: &[u8], at: usize) -> Result<usize> {
    match b.get(at) {
        Some(b'"') => string_end(b, at),
        Some(b'{' | b'[') => {
            let mut depth = 0usize;
            let mut i = at;
            while i < b.len() {
                match b[i] {
                    b'"' => {
                        i = string_end(b, i)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Ok(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            Err(malformed())
        }
        Some(_) => {
            let mut i = at;
            while i < b.len() && !matches!(b[i], b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r')
            {
                i += 1;
            }
            Ok(i)
        }
        None => Err(malformed()),
    }
}

/// An item of an object (with its key) or of an array: its text.
type Item<'t> = (Option<String>, &'t str);

/// The items of the object or array `text` is (`open`, `close` its
/// brackets), each with its key for an object; `None` if it is not one.
fn items(text: &str, open: u8, close: u8) -> Result<Option<Vec<Item<'_>>>> {
    let b = text.as_bytes();
    let mut i = skip_spaces(b, 0);
    if b.get(i) != Some(&open) {
        return Ok(None);
    }
    let mut out = Vec::new();
    i = skip_spaces(b, i + 1);
    if b.get(i) == Some(&close) {
        return Ok(Some(out));
    }
    loop {
        let key = if open == b'{' {
            let end = string_end(b, i)?;
            let key: String = serde_json::from_str(&text[i..end]).map_err(|_| malformed())?;
            i = skip_spaces(b, end);
            if b.get(i) != Some(&b':') {
                return Err(malformed());
            }
            i = skip_spaces(b, i + 1);
            Some(key)
        } else {
            None
        };
        let end = value_end(b, i)?;
        out.push((key, &text[i..end]));
        i = skip_spaces(b, end);
        match b.get(i) {
            Some(b',') => i = skip_spaces(b, i + 1),
            Some(c) if *c == close => return Ok(Some(out)),
            _ => return Err(malformed()),
        }
    }
}

fn members(text: &str) -> Result<Option<Vec<(String, &str)>>> {
    Ok(items(text, b'{', b'}')?.map(|items| {
        items
            .into_iter()
            .map(|(k, v)| (k.unwrap_or_default(), v))
            .collect()
    }))
}

fn elements(text: &str) -> Result<Option<Vec<&str>>> {
    Ok(items(text, b'[', b']')?.map(|items| items.into_iter().map(|(_, v)| v).collect()))
}

/// What kind of JSON value `text` is, as `json_typeof` names it.
fn kind(text: &str) -> &'static str {
    match text.trim_start().as_bytes().first() {
        Some(b'{') => "object",
        Some(b'[') => "array",
        Some(b'"') => "string",
        Some(b't' | b'f') => "boolean",
        Some(b'n') => "null",
        _ => "number",
    }
}

/// A value's text as `->>` gives it: a string's characters, `null` as
/// SQL NULL, anything else as written.
fn as_text(text: &str) -> Result<Value> {
    Ok(match kind(text) {
        "string" => Value::Text(serde_json::from_str(text.trim()).map_err(|_| malformed())?),
        "null" => Value::Null,
        _ => Value::Text(text.trim().to_owned()),
    })
}

/// The member `key` of `text` if it is an object (the last, if repeated).
fn member<'t>(text: &'t str, key: &str) -> Result<Option<&'t str>> {
    Ok(members(text)?.and_then(|members| {
        members
            .into_iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }))
}

/// Element `index` of `text` if it is an array (from the end if
/// negative).
fn element(text: &str, index: i64) -> Result<Option<&str>> {
    Ok(elements(text)?.and_then(|elements| {
        let len = i64::try_from(elements.len()).unwrap_or(i64::MAX);
        let at = if index < 0 { len + index } else { index };
        usize::try_from(at)
            .ok()
            .and_then(|i| elements.get(i).copied())
    }))
}

/// One step of a path: a member of an object, or an element of an array
/// where the step reads as an integer.
fn step<'t>(text: &'t str, key: &str) -> Result<Option<&'t str>> {
    if kind(text) == "object" {
        return member(text, key);
    }
    match key.trim().parse::<i64>() {
        Ok(index) => element(text, index),
        Err(_) => Ok(None),
    }
}

/// Follows `path` (keys and indexes) from `text`.
fn walk<'t>(text: &'t str, path: &[String]) -> Result<Option<&'t str>> {
    let mut at = text;
    for key in path {
        match step(at, key)? {
            Some(next) => at = next,
            None => return Ok(None),
        }
    }
    Ok(Some(at))
}

/// The `json` operators `->`, `->>`, `#>`, `#>>` with a json document on
/// the left; `None` for other operators.
pub fn operator(op: BinaryOp, doc: &str, b: &Value) -> Result<Option<Value>> {
    let found = match (op, b) {
        (BinaryOp::JsonGet | BinaryOp::JsonGetText, Value::Text(key)) => member(doc, key)?,
        (BinaryOp::JsonGet | BinaryOp::JsonGetText, index) if index.as_i64().is_some() => {
            element(doc, index.as_i64().unwrap_or(0))?
        }
        (BinaryOp::JsonPath | BinaryOp::JsonPathText, path) => {
            walk(doc, &super::jsonb::text_array(path)?)?
        }
        _ => return Ok(None),
    };
    let text_result = matches!(op, BinaryOp::JsonGetText | BinaryOp::JsonPathText);
    Ok(Some(match found {
        None => Value::Null,
        Some(v) if text_result => as_text(v)?,
        Some(v) => Value::Json(v.trim().to_owned()),
    }))
}

/// Calls json function `name` on non-NULL `args`.
pub fn call(name: &str, args: &[Value]) -> Result<Value> {
    let doc = match args.first() {
        Some(Value::Json(s) | Value::Text(s)) => s.as_str(),
        _ => return Err(wrong_args(name, args.len())),
    };
    let not_object = |what: &str| invalid(format!("cannot call {name} on {what}"));
    Ok(match name {
        "json_typeof" => Value::Text(kind(doc).to_owned()),
        "json_array_length" => match elements(doc)? {
            Some(e) => Value::Integer(i32::try_from(e.len()).unwrap_or(i32::MAX)),
            None if kind(doc) == "object" => {
                return Err(invalid("cannot get array length of a non-array"));
            }
            None => return Err(invalid("cannot get array length of a scalar")),
        },
        "json_extract_path" | "json_extract_path_text" => {
            let path: Vec<String> = args[1..].iter().map(text_arg).collect();
            match walk(doc, &path)? {
                None => Value::Null,
                Some(v) if name == "json_extract_path_text" => as_text(v)?,
                Some(v) => Value::Json(v.trim().to_owned()),
            }
        }
        "json_object_keys" | "json_each" | "json_each_text" => {
            let Some(members) = members(doc)? else {
                return Err(if kind(doc) == "array" {
                    not_object("an array")
                } else {
                    not_object("a scalar")
                });
            };
            Value::Array(
                members
                    .into_iter()
                    .map(|(k, v)| {
                        Ok(match name {
                            "json_object_keys" => Value::Text(k),
                            "json_each" => {
                                Value::Array(vec![Value::Text(k), Value::Json(v.to_owned())])
                            }
                            _ => Value::Array(vec![Value::Text(k), as_text(v)?]),
                        })
                    })
                    .collect::<Result<_>>()?,
            )
        }
        "json_array_elements" | "json_array_elements_text" => {
            let Some(elements) = elements(doc)? else {
                return Err(invalid(if kind(doc) == "object" {
                    "cannot extract elements from an object"
                } else {
                    "cannot extract elements from a scalar"
                }));
            };
            Value::Array(
                elements
                    .into_iter()
                    .map(|v| {
                        if name == "json_array_elements" {
                            Ok(Value::Json(v.to_owned()))
                        } else {
                            as_text(v)
                        }
                    })
                    .collect::<Result<_>>()?,
            )
        }
        _ => return Err(wrong_args(name, args.len())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_of_the_text_as_written() {
        let doc = r#"{"b": 1, "a": [1,  2], "b": {"k" : "v\n"}}"#;
        let get = |k: &str| operator(BinaryOp::JsonGet, doc, &Value::Text(k.into())).unwrap();
        assert_eq!(get("a"), Some(Value::Json("[1,  2]".into())));
        assert_eq!(get("b"), Some(Value::Json(r#"{"k" : "v\n"}"#.into())));
        assert_eq!(get("z"), Some(Value::Null));
        let path = Value::Array(vec![Value::Text("b".into()), Value::Text("k".into())]);
        assert_eq!(
            operator(BinaryOp::JsonPathText, doc, &path).unwrap(),
            Some(Value::Text("v\n".into()))
        );
        assert_eq!(
            operator(BinaryOp::JsonGet, "[1, [2], 3]", &Value::Integer(-2)).unwrap(),
            Some(Value::Json("[2]".into()))
        );
        let keys = call("json_object_keys", &[Value::Json(doc.into())]).unwrap();
        assert_eq!(keys.to_string(), "{b,a,b}");
        assert!(call("json_array_length", &[Value::Json("{}".into())]).is_err());
    }
}
