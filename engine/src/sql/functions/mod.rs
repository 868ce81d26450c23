//! Scalar functions, by name: the conditional ones here, the rest by topic
//! (`strings`, `encoding`, `math`, `random`, `datetime` and `zones`,
//! `formatting`, `jsonb` and `json`, `arrays`, `system`); `pg_sleep`,
//! which watches the statement's cancel, is the evaluator's.
//!
//! Functions are strict, as in PostgreSQL: a NULL argument gives NULL
//! without calling the function, except for the conditional functions,
//! `concat`, `concat_ws` and the jsonb constructors, which see NULLs.

mod arrays;
pub mod datetime;
mod encoding;
mod formatting;
pub(crate) mod json;
pub mod jsonb;
mod math;
mod random;
pub(crate) mod strings;
pub(crate) mod system;
mod zones;

pub use arrays::SET_RETURNING;
pub use datetime::Times;
pub use math::{NumericOp, divide_numeric, numeric_arithmetic, power, remainder_numeric};
use std::cmp::Ordering;

use arbor_schema::Value;

use super::eval::compare;
use crate::error::{Error, Result, SqlState};

/// Functions that take NULL arguments as they are.
const CONDITIONAL: &[&str] = &[
    "coalesce",
    "nullif",
    "greatest",
    "least",
    "concat",
    "concat_ws",
    "quote_nullable",
    "format",
    "num_nulls",
    "num_nonnulls",
];

/// Whether `name` is a known scalar function.
pub fn is_scalar(name: &str) -> bool {
    [
        CONDITIONAL,
        strings::NAMES,
        encoding::NAMES,
        math::NAMES,
        datetime::NAMES,
        formatting::NAMES,
        jsonb::NAMES,
        json::NAMES,
        system::NAMES,
        random::NAMES,
        &["pg_sleep"],
        arrays::NAMES,
        arrays::TAKE_NULLS,
        SET_RETURNING,
        &crate::table::sequences::FUNCTIONS,
    ]
    .iter()
    .any(|names| names.contains(&name))
}

/// Whether `name` always gives the same result for the same arguments
/// (PostgreSQL's IMMUTABLE): the conditional, string, math, jsonb and
/// array functions. Not the date and time functions (the clock, the time
/// zone), the system functions (the session), `random` and its kin,
/// sequences or set-returning functions.
pub fn is_immutable(name: &str) -> bool {
    !SET_RETURNING.contains(&name)
        && [
            CONDITIONAL,
            strings::NAMES,
            encoding::NAMES,
            math::NAMES,
            jsonb::NAMES,
            json::NAMES,
            arrays::NAMES,
        ]
        .iter()
        .any(|names| names.contains(&name))
}

/// Whether `name` is immutable and strict: NULL whenever an argument is
/// NULL (every immutable function but the conditional ones and the
/// constructors that take NULLs).
pub fn is_strict(name: &str) -> bool {
    is_immutable(name)
        && !CONDITIONAL.contains(&name)
        && !jsonb::TAKE_NULLS.contains(&name)
        && !arrays::TAKE_NULLS.contains(&name)
}

/// PostgreSQL's error for a call that matches no function.
pub fn wrong_args(name: &str, n: usize) -> Error {
    Error::new(
        SqlState::UndefinedFunction,
        format!("function {name} with {n} arguments does not exist"),
    )
    .with_hint("No function matches the given name and argument types.")
}

/// PostgreSQL's error for a call of `name` on values of types no function
/// of that name takes, naming the types (`make_interval(integer,
/// numeric)`).
pub fn no_such_function(name: &str, args: &[Value]) -> Error {
    let types: Vec<String> = args
        .iter()
        .map(|v| {
            v.data_type().map_or_else(
                || "unknown".to_owned(),
                |t| crate::sql::pg_catalog::type_display(&t),
            )
        })
        .collect();
    Error::new(
        SqlState::UndefinedFunction,
        format!("function {name}({}) does not exist", types.join(", ")),
    )
    .with_hint(
        "No function matches the given name and argument types. You might need to add explicit type casts.",
    )
}

/// The most bytes a value a function builds may hold: PostgreSQL's limit
/// on a field (1 GB). A result past it is refused before it is built, so a
/// query asks for too much with an error instead of the process aborting
/// on a failed allocation.
pub const MAX_VALUE_BYTES: usize = 1 << 30;

/// Refuses a value of `bytes` bytes past [`MAX_VALUE_BYTES`].
pub fn check_value_size(bytes: usize) -> Result<()> {
    if bytes > MAX_VALUE_BYTES {
        return Err(Error::new(
            SqlState::ProgramLimitExceeded,
            "requested length too large",
        ));
    }
    Ok(())
}

/// A text argument; other types are read through their text form.
pub fn text_arg(v: &Value) -> String {
    match v {
        Value::Text(s) | Value::Json(s) => s.clone(),
        other => other.to_string(),
    }
}

/// An integer argument of function `name`.
pub fn int_arg(name: &str, v: &Value) -> Result<i64> {
    v.as_i64().ok_or_else(|| {
        Error::new(
            SqlState::UndefinedFunction,
            format!("function {name} expects an integer, not {v}"),
        )
    })
}

/// Calls scalar function `name`; `times` tells `now()` and its siblings
/// the time.
pub fn call(name: &str, args: Vec<Value>, times: &Times) -> Result<Value> {
    let n = args.len();
    Ok(match (name, args.as_slice()) {
        ("coalesce", _) => args
            .into_iter()
            .find(|v| !v.is_null())
            .unwrap_or(Value::Null),
        ("nullif", [a, b]) => {
            if !a.is_null() && !b.is_null() && compare(a, b)? == Ordering::Equal {
                Value::Null
            } else {
                a.clone()
            }
        }
        ("greatest" | "least", _) if n > 0 => {
            let mut best: Option<Value> = None;
            for v in args.into_iter().filter(|v| !v.is_null()) {
                let better = match &best {
                    None => true,
                    Some(b) => {
                        let o = compare(&v, b)?;
                        if name == "greatest" {
                            o == Ordering::Greater
                        } else {
                            o == Ordering::Less
                        }
                    }
                };
                if better {
                    best = Some(v);
                }
            }
            best.unwrap_or(Value::Null)
        }
        ("concat", _) => {
            let parts: Vec<String> = args.iter().filter(|v| !v.is_null()).map(text_arg).collect();
            check_value_size(parts.iter().map(String::len).sum())?;
            Value::Text(parts.concat())
        }
        ("concat_ws", [separator, ..]) if !separator.is_null() => strings::call(name, &args)?,
        ("concat_ws", _) => Value::Null,
        ("quote_nullable", [v]) => Value::Text(strings::quote_nullable(v)),
        ("num_nulls" | "num_nonnulls", _) if n > 0 => {
            let nulls = args.iter().filter(|v| v.is_null()).count();
            let counted = if name == "num_nulls" {
                nulls
            } else {
                n - nulls
            };
            Value::Integer(i32::try_from(counted).unwrap_or(i32::MAX))
        }
        ("format", [template, rest @ ..]) => match template {
            Value::Null => Value::Null,
            t => strings::format(&text_arg(t), rest)?,
        },
        _ if CONDITIONAL.contains(&name) => return Err(wrong_args(name, n)),
        _ if jsonb::TAKE_NULLS.contains(&name) => jsonb::call(name, &args)?,
        _ if system::NAMES.contains(&name) => system::call(name, &args)?,
        _ if arrays::TAKE_NULLS.contains(&name) => arrays::call(name, args)?,
        _ if args.iter().any(Value::is_null) => Value::Null,
        _ if strings::NAMES.contains(&name) => strings::call(name, &args)?,
        _ if encoding::NAMES.contains(&name) => encoding::call(name, &args)?,
        _ if math::NAMES.contains(&name) => math::call(name, &args)?,
        _ if random::NAMES.contains(&name) => random::call(name, &args)?,
        // to_timestamp(text, template) reads by a template; with one
        // argument it takes seconds since the epoch (`datetime`).
        ("to_timestamp", [_, _]) => formatting::call(name, &args)?,
        _ if datetime::NAMES.contains(&name) => datetime::call(name, &args, times)?,
        _ if formatting::NAMES.contains(&name) => formatting::call(name, &args)?,
        _ if jsonb::NAMES.contains(&name) => jsonb::call(name, &args)?,
        _ if json::NAMES.contains(&name) || json::SET_RETURNING.contains(&name) => {
            json::call(name, &args)?
        }
        _ if arrays::NAMES.contains(&name) || SET_RETURNING.contains(&name) => {
            arrays::call(name, args)?
        }
        _ => return Err(wrong_args(name, n)),
    })
}
