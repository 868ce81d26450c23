//! The jsonb functions of arbor-jsonb, for SQL values.
//!
//! Arbor has no SQL array type yet: where PostgreSQL takes a `text[]` (a
//! path for `jsonb_set`, the keys of `?|`), Arbor takes the array's text
//! form, `'{a,b,"c d"}'`, which is also what `ARRAY['a', 'b']` binds to.

use arbor_jsonb::{Jsonb, JsonbError, JsonbInput, ops};
use arbor_schema::Value;

use super::{text_arg, wrong_args};
use crate::error::{Error, Result, SqlState};

/// The jsonb functions this module answers.
pub const NAMES: &[&str] = &[
    "jsonb_typeof",
    "jsonb_array_length",
    "jsonb_strip_nulls",
    "jsonb_pretty",
    "jsonb_set",
    "jsonb_insert",
    "jsonb_extract_path",
    "jsonb_extract_path_text",
    "jsonb_build_object",
    "jsonb_build_array",
    "to_jsonb",
    "jsonb_path_exists",
    "jsonb_path_match",
    "jsonb_path_query_first",
    "jsonb_path_query_array",
];

/// Functions that take SQL NULL arguments (the constructors).
pub const TAKE_NULLS: &[&str] = &["jsonb_build_object", "jsonb_build_array", "to_jsonb"];

/// A jsonb error as an SQL error (22023 for bad arguments, 22P02 for bad
/// text, 2203x for jsonpath failures, XX001 for corrupt bytes).
pub fn error(e: JsonbError) -> Error {
    let code = match &e {
        JsonbError::Syntax { .. } => SqlState::InvalidTextRepresentation,
        JsonbError::TooDeep | JsonbError::TooLarge(_) => SqlState::ProgramLimitExceeded,
        JsonbError::Invalid { .. } => SqlState::InvalidParameterValue,
        JsonbError::JsonPath(m) if m.starts_with("syntax error") => SqlState::SyntaxError,
        JsonbError::JsonPath(_) => SqlState::SingletonSqlJsonItemRequired,
        JsonbError::Corrupt(_) => SqlState::DataCorrupted,
    };
    let hint = match &e {
        JsonbError::Invalid { hint, .. } => *hint,
        _ => None,
    };
    let error = Error::new(code, e.to_string());
    match hint {
        Some(h) => error.with_hint(h),
        None => error,
    }
}

/// A jsonb argument: jsonb itself, or json or text parsed as jsonb.
pub fn jsonb_arg(v: &Value) -> Result<Jsonb> {
    match v {
        Value::Jsonb(j) => Ok(j.clone()),
        Value::Json(s) | Value::Text(s) => Jsonb::parse(s).map_err(error),
        other => Err(Error::new(
            SqlState::UndefinedFunction,
            format!(
                "function expects jsonb, not {}",
                other
                    .data_type()
                    .map_or("unknown".into(), |t| t.to_string())
            ),
        )),
    }
}

/// The elements of a `text[]` given in its text form `{a,b,"c d"}`.
pub fn text_array(v: &Value) -> Result<Vec<String>> {
    let text = text_arg(v);
    let malformed = || {
        Error::new(
            SqlState::InvalidTextRepresentation,
            format!("malformed array literal: \"{text}\""),
        )
    };
    let inner = text
        .trim()
        .strip_prefix('{')
        .and_then(|x| x.strip_suffix('}'))
        .ok_or_else(malformed)?;
    let mut items = Vec::new();
    let mut chars = inner.chars().peekable();
    while chars.peek().is_some() {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let mut item = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next() {
                    Some('\\') => item.push(chars.next().ok_or_else(malformed)?),
                    Some('"') => break,
                    Some(c) => item.push(c),
                    None => return Err(malformed()),
                }
            }
            while chars.peek().is_some_and(|c| c.is_whitespace()) {
                chars.next();
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ',' {
                    break;
                }
                item.push(c);
                chars.next();
            }
            item = item.trim_end().to_owned();
            if item.is_empty() {
                return Err(malformed());
            }
        }
        items.push(item);
        match chars.next() {
            None => break,
            Some(',') => {}
            Some(_) => return Err(malformed()),
        }
    }
    Ok(items)
}

/// The text form of a `text[]`, quoting elements that need it.
pub fn array_text(items: &[String]) -> String {
    let quoted: Vec<String> = items
        .iter()
        .map(|s| {
            let plain = !s.is_empty()
                && !s.eq_ignore_ascii_case("null")
                && !s
                    .chars()
                    .any(|c| c.is_whitespace() || "{},\"\\".contains(c));
            if plain {
                s.clone()
            } else {
                format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
            }
        })
        .collect();
    format!("{{{}}}", quoted.join(","))
}

/// An SQL value as a jsonb constructor sees it.
pub fn input(v: &Value) -> Result<JsonbInput> {
    Ok(match v {
        Value::Null => JsonbInput::Null,
        Value::Boolean(b) => JsonbInput::Bool(*b),
        Value::SmallInt(_) | Value::Integer(_) | Value::BigInt(_) => {
            JsonbInput::Int(v.as_i64().unwrap_or_default())
        }
        Value::Real(_) | Value::Double(_) => JsonbInput::Float(v.as_f64().unwrap_or_default()),
        // A numeric keeps its digits: it goes in as JSON number text.
        Value::Numeric(d) => JsonbInput::Jsonb(Jsonb::parse(&d.to_string()).map_err(error)?),
        Value::Jsonb(j) => JsonbInput::Jsonb(j.clone()),
        Value::Json(s) => JsonbInput::Jsonb(Jsonb::parse(s).map_err(error)?),
        Value::Text(s) => JsonbInput::Text(s.clone()),
        other => JsonbInput::Text(other.to_string()),
    })
}

fn opt(j: Option<Jsonb>) -> Value {
    j.map_or(Value::Null, Value::Jsonb)
}

/// Calls jsonb function `name`. Only the constructors see NULL arguments;
/// the others are never called with one.
pub fn call(name: &str, args: &[Value]) -> Result<Value> {
    let n = args.len();
    let doc = |i: usize| jsonb_arg(&args[i]);
    let vars = |i: usize| args.get(i).map(jsonb_arg).transpose();
    let path = |i: usize| text_array(&args[i]);
    let flag = |i: usize, default: bool| match args.get(i) {
        Some(Value::Boolean(b)) => Ok(*b),
        Some(_) => Err(wrong_args(name, n)),
        None => Ok(default),
    };
    Ok(match (name, n) {
        ("jsonb_typeof", 1) => Value::Text(ops::jsonb_typeof(&doc(0)?).to_owned()),
        ("jsonb_array_length", 1) => Value::Integer(
            i32::try_from(ops::jsonb_array_length(&doc(0)?).map_err(error)?).unwrap_or(i32::MAX),
        ),
        ("jsonb_strip_nulls", 1) => Value::Jsonb(ops::jsonb_strip_nulls(&doc(0)?)),
        ("jsonb_pretty", 1) => Value::Text(ops::jsonb_pretty(&doc(0)?)),
        ("jsonb_set", 3 | 4) => {
            let steps = path(1)?;
            let steps: Vec<&str> = steps.iter().map(String::as_str).collect();
            Value::Jsonb(ops::jsonb_set(&doc(0)?, &steps, &doc(2)?, flag(3, true)?).map_err(error)?)
        }
        ("jsonb_insert", 3 | 4) => {
            let steps = path(1)?;
            let steps: Vec<&str> = steps.iter().map(String::as_str).collect();
            Value::Jsonb(
                ops::jsonb_insert(&doc(0)?, &steps, &doc(2)?, flag(3, false)?).map_err(error)?,
            )
        }
        ("jsonb_extract_path" | "jsonb_extract_path_text", _) if n >= 1 => {
            let steps: Vec<String> = args[1..].iter().map(text_arg).collect();
            let steps: Vec<&str> = steps.iter().map(String::as_str).collect();
            let found = ops::get_path(&doc(0)?, &steps);
            if name == "jsonb_extract_path" {
                opt(found)
            } else {
                found
                    .and_then(|j| j.as_text())
                    .map_or(Value::Null, Value::Text)
            }
        }
        ("jsonb_build_object", _) => {
            let inputs = args.iter().map(input).collect::<Result<Vec<_>>>()?;
            Value::Jsonb(ops::jsonb_build_object(&inputs).map_err(error)?)
        }
        ("jsonb_build_array", _) => {
            let inputs = args.iter().map(input).collect::<Result<Vec<_>>>()?;
            Value::Jsonb(ops::jsonb_build_array(&inputs).map_err(error)?)
        }
        ("to_jsonb", 1) => opt(ops::to_jsonb(&input(&args[0])?).map_err(error)?),
        ("jsonb_path_exists", 2 | 3) => Value::Boolean(
            ops::jsonb_path_exists(&doc(0)?, &text_arg(&args[1]), vars(2)?.as_ref())
                .map_err(error)?,
        ),
        ("jsonb_path_match", 2 | 3) => {
            ops::jsonb_path_match(&doc(0)?, &text_arg(&args[1]), vars(2)?.as_ref())
                .map_err(error)?
                .map_or(Value::Null, Value::Boolean)
        }
        ("jsonb_path_query_first", 2 | 3) => {
            opt(
                ops::jsonb_path_query_first(&doc(0)?, &text_arg(&args[1]), vars(2)?.as_ref())
                    .map_err(error)?,
            )
        }
        ("jsonb_path_query_array", 2 | 3) => Value::Jsonb(
            ops::jsonb_path_query_array(&doc(0)?, &text_arg(&args[1]), vars(2)?.as_ref())
                .map_err(error)?,
        ),
        _ => return Err(wrong_args(name, n)),
    })
}
