//! The jsonb functions of arbor-jsonb, for SQL values, and the `json`
//! constructors `json_build_object` and `json_build_array`.
//!
//! Where PostgreSQL takes a `text[]` (a path for `jsonb_set`, the keys of
//! `?|`), Arbor takes an array or the array's text form, `'{a,b,"c d"}'`.

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
    "json_build_object",
    "row_to_json",
    "json_build_array",
    "to_jsonb",
    "jsonb_path_exists",
    "jsonb_path_match",
    "jsonb_path_query_first",
    "jsonb_path_query_array",
    "jsonb_array_elements",
    "jsonb_array_elements_text",
    "jsonb_object_keys",
];

/// Functions that take SQL NULL arguments (the constructors).
pub const TAKE_NULLS: &[&str] = &[
    "jsonb_build_object",
    "jsonb_build_array",
    "json_build_object",
    "json_build_array",
    "to_jsonb",
    "row_to_json",
];

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

/// The elements of a `text[]`: an array, or its text form `{a,b,"c d"}`
/// (an untyped literal).
pub fn text_array(v: &Value) -> Result<Vec<String>> {
    let items = match v {
        Value::Array(items) => items.clone(),
        other => arbor_schema::array::parse_array(&text_arg(other), &arbor_schema::DataType::Text)
            .map_err(crate::table::value_error)?,
    };
    Ok(items.iter().map(text_arg).collect())
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
        // An array is a JSON array of its elements.
        Value::Array(items) => JsonbInput::Jsonb(
            ops::jsonb_build_array(&items.iter().map(input).collect::<Result<Vec<_>>>()?)
                .map_err(error)?,
        ),
        // Dates and times in ISO 8601, as PostgreSQL's JSON writes them
        // (a `T` between date and time, a zone as `+00:00`).
        Value::Timestamp(t) => JsonbInput::Text(arbor_schema::text::iso_8601(*t)),
        Value::TimestampTz(t) => JsonbInput::Text(arbor_schema::text::iso_8601_tz(*t)),
        other => JsonbInput::Text(other.to_string()),
    })
}

/// A value's JSON text, as `to_json` writes it (`null` for NULL).
/// `v` as json text: a json value as it is written, a numeric's text as
/// it is (`100.00`), anything else as its jsonb form writes it.
pub fn json_text(v: &Value) -> Result<String> {
    match v {
        Value::Numeric(d) => return Ok(d.to_string()),
        Value::Json(text) => return Ok(text.clone()),
        _ => {}
    }
    Ok(ops::to_jsonb(&input(v)?)
        .map_err(error)?
        .map_or_else(|| "null".to_owned(), |j| j.to_string()))
}

fn opt(j: Option<Jsonb>) -> Value {
    j.map_or(Value::Null, Value::Jsonb)
}

/// A set-returning function's rows as the array the plan expands.
fn rows<T>(items: Result<Vec<T>, JsonbError>, value: impl Fn(T) -> Value) -> Result<Value> {
    Ok(Value::Array(
        items.map_err(error)?.into_iter().map(value).collect(),
    ))
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
        // Set-returning: the rows as an array, expanded by the plan.
        ("jsonb_array_elements", 1) => rows(ops::jsonb_array_elements(&doc(0)?), Value::Jsonb)?,
        ("jsonb_array_elements_text", 1) => rows(ops::jsonb_array_elements_text(&doc(0)?), |t| {
            t.map_or(Value::Null, Value::Text)
        })?,
        ("jsonb_object_keys", 1) => rows(ops::jsonb_object_keys(&doc(0)?), Value::Text)?,
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
        // `json` keeps keys in the order given and writes PostgreSQL's
        // json spacing (`{"a" : 1}`, `[1, 2]`).
        ("json_build_object", _) => {
            if !n.is_multiple_of(2) {
                return Err(Error::new(
                    SqlState::InvalidParameterValue,
                    "argument list must have even number of elements",
                )
                .with_hint(
                    "The arguments of json_build_object() must consist of alternating keys and values.",
                ));
            }
            let mut members = Vec::with_capacity(n / 2);
            for (i, pair) in args.chunks(2).enumerate() {
                if pair[0].is_null() {
                    return Err(Error::new(
                        SqlState::InvalidParameterValue,
                        format!("argument {}: key must not be null", 2 * i + 1),
                    ));
                }
                let key = json_text(&Value::Text(text_arg(&pair[0])))?;
                members.push(format!("{key} : {}", json_text(&pair[1])?));
            }
            Value::Json(format!("{{{}}}", members.join(", ")))
        }
        // A whole row as json (see the planner's `whole_row_call`): its
        // column names, then its values; compact, in column order.
        ("row_to_json", _) if n >= 1 => {
            let Value::Array(names) = &args[0] else {
                return Err(Error::new(
                    SqlState::UndefinedFunction,
                    "function row_to_json takes a row",
                ));
            };
            let mut members = Vec::with_capacity(names.len());
            for (name, value) in names.iter().zip(&args[1..]) {
                let key = json_text(&Value::Text(text_arg(name)))?;
                members.push(format!("{key}:{}", json_text(value)?));
            }
            Value::Json(format!("{{{}}}", members.join(",")))
        }
        ("json_build_array", _) => {
            let items = args.iter().map(json_text).collect::<Result<Vec<_>>>()?;
            Value::Json(format!("[{}]", items.join(", ")))
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
