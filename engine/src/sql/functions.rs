//! Scalar functions, by name.

use std::cmp::Ordering;

use arbor_schema::Value;

use super::eval::compare;
use crate::error::{Error, Result, sqlstate};

/// Whether `name` is a known scalar function.
pub fn is_scalar(name: &str) -> bool {
    matches!(
        name,
        "abs"
            | "coalesce"
            | "nullif"
            | "greatest"
            | "least"
            | "lower"
            | "upper"
            | "length"
            | "char_length"
            | "round"
            | "trunc"
            | "floor"
            | "ceil"
            | "ceiling"
            | "sign"
            | "mod"
            | "concat"
            | "substr"
            | "substring"
            | "trim"
            | "replace"
            | "sqrt"
            | "power"
    )
}

fn wrong_args(name: &str, n: usize) -> Error {
    Error::new(
        sqlstate::UNDEFINED_FUNCTION,
        format!("function {name} with {n} arguments does not exist"),
    )
    .with_hint("No function matches the given name and argument types.")
}

/// Calls scalar function `name`.
pub fn call(name: &str, args: Vec<Value>) -> Result<Value> {
    let n = args.len();
    let first_null = args.first().is_none_or(Value::is_null);
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
        ("concat", _) => Value::Text(
            args.iter()
                .filter(|v| !v.is_null())
                .map(|v| v.to_string())
                .collect(),
        ),
        (_, _) if first_null && n >= 1 => Value::Null,
        ("abs", [v]) => match v {
            Value::SmallInt(i) => {
                Value::SmallInt(i.checked_abs().ok_or_else(|| range("smallint"))?)
            }
            Value::Integer(i) => Value::Integer(i.checked_abs().ok_or_else(|| range("integer"))?),
            Value::BigInt(i) => Value::BigInt(i.checked_abs().ok_or_else(|| range("bigint"))?),
            Value::Real(f) => Value::Real(f.abs()),
            Value::Double(f) => Value::Double(f.abs()),
            Value::Numeric(d) => Value::Numeric(d.abs()),
            _ => return Err(wrong_args(name, n)),
        },
        ("lower", [Value::Text(s)]) => Value::Text(s.to_lowercase()),
        ("upper", [Value::Text(s)]) => Value::Text(s.to_uppercase()),
        ("length" | "char_length", [Value::Text(s)]) => Value::Integer(s.chars().count() as i32),
        ("sqrt", [v]) => Value::Double(v.as_f64().ok_or_else(|| wrong_args(name, n))?.sqrt()),
        ("floor", [Value::Numeric(d)]) => Value::Numeric(d.floor()),
        ("ceil" | "ceiling", [Value::Numeric(d)]) => Value::Numeric(d.ceil()),
        ("floor", [v]) => Value::Double(v.as_f64().ok_or_else(|| wrong_args(name, n))?.floor()),
        ("ceil" | "ceiling", [v]) => {
            Value::Double(v.as_f64().ok_or_else(|| wrong_args(name, n))?.ceil())
        }
        ("round", [Value::Numeric(d)]) => Value::Numeric(
            d.round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointAwayFromZero),
        ),
        ("round", [Value::Numeric(d), places]) => {
            let p = places.as_i64().ok_or_else(|| wrong_args(name, n))?;
            let p = u32::try_from(p.clamp(0, 28)).unwrap_or(0);
            Value::Numeric(
                d.round_dp_with_strategy(p, rust_decimal::RoundingStrategy::MidpointAwayFromZero),
            )
        }
        ("round", [v]) if v.as_i64().is_some() => v.clone(),
        ("round", [v]) => Value::Double(
            v.as_f64()
                .ok_or_else(|| wrong_args(name, n))?
                .round_ties_even(),
        ),
        _ => return Err(wrong_args(name, n)),
    })
}

fn range(t: &str) -> Error {
    Error::new("22003", format!("{t} out of range"))
}
