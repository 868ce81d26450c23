//! Array functions, as PostgreSQL defines them for one-dimensional arrays
//! (lower bound 1), and the set-returning functions, which return their
//! rows as an array that the plan's `Unnest` node expands.

use arbor_schema::{Interval, Value};

use super::datetime::{instant, interval_of, shift_timestamp, timestamp_of};
use super::{check_value_size, int_arg, text_arg, wrong_args};
use crate::error::{Error, Result, SqlState};

/// The array functions this module answers.
pub const NAMES: &[&str] = &[
    "array_to_string",
    "array_length",
    "array_upper",
    "array_lower",
    "array_ndims",
    "cardinality",
    "array_position",
    "array_positions",
    "array_remove",
    "array_dims",
    "trim_array",
    "array_slice",
];

/// Functions that see NULL arguments: `ARRAY[...]`'s constructor, whose
/// elements may be NULL, and those that take a NULL element as a value
/// (`array_replace(a, NULL, 0)`, `array_fill(NULL::int, ARRAY[3])`).
pub const TAKE_NULLS: &[&str] = &[
    "array",
    "array_replace",
    "array_fill",
    "array_append",
    "array_prepend",
    "array_cat",
    "enum_range",
];

/// The set-returning functions: called at the top of a select list item or
/// in FROM, never inside an expression.
pub const SET_RETURNING: &[&str] = &[
    "unnest",
    "generate_series",
    "generate_subscripts",
    "pg_partition_ancestors",
    "pg_options_to_table",
    "jsonb_array_elements",
    "jsonb_array_elements_text",
    "jsonb_object_keys",
    "regexp_matches",
    "regexp_split_to_table",
    "string_to_table",
    "json_object_keys",
    "json_array_elements",
    "json_array_elements_text",
    "json_each",
    "json_each_text",
];

/// The most rows one call of `generate_series` may return.
const MAX_SERIES: i64 = 100_000_000;

fn elements<'v>(name: &str, v: &'v Value) -> Result<&'v [Value]> {
    match v {
        Value::Array(items) => Ok(items),
        other => Err(Error::new(
            SqlState::UndefinedFunction,
            format!(
                "function {name}({}) does not exist",
                other
                    .data_type()
                    .map_or_else(|| "unknown".to_owned(), |t| t.to_string())
            ),
        )
        .with_hint("No function matches the given name and argument types.")),
    }
}

/// Calls `name` (one of [`NAMES`], [`TAKE_NULLS`] or [`SET_RETURNING`]).
pub fn call(name: &str, args: Vec<Value>) -> Result<Value> {
    let n = args.len();
    // The dimension argument: only the first exists.
    let dimension = |v: &Value| -> Result<bool> { Ok(int_arg(name, v)? == 1) };
    Ok(match (name, args.as_slice()) {
        ("array", _) => Value::Array(args),
        // The labels from `lo` to `hi` (NULL: from the first, to the last);
        // the first argument only carries the type (`planner::user_types`).
        ("enum_range", [Value::Enum(t, _), lo, hi]) => {
            let position = |v: &Value, open: usize| match v {
                Value::Enum(_, p) => usize::try_from(*p).unwrap_or(usize::MAX),
                _ => open,
            };
            let from = position(lo, 0);
            let to = position(hi, t.labels.len().saturating_sub(1));
            if t.labels.is_empty() {
                Value::Array(Vec::new())
            } else {
                Value::Array(
                    (from..=to)
                        .filter_map(|p| u32::try_from(p).ok())
                        .map(|p| Value::Enum(t.clone(), p))
                        .collect(),
                )
            }
        }
        ("array_to_string", [a, separator, rest @ ..]) if rest.len() <= 1 => {
            let null_text = rest.first().filter(|v| !v.is_null()).map(text_arg);
            let separator = text_arg(separator);
            let parts: Vec<String> = elements(name, a)?
                .iter()
                .filter_map(|e| match e {
                    Value::Null => null_text.clone(),
                    v => Some(text_arg(v)),
                })
                .collect();
            check_value_size(parts.iter().map(|p| p.len() + separator.len()).sum())?;
            Value::Text(parts.join(&separator))
        }
        ("array_length" | "array_upper", [a, d]) => {
            let items = elements(name, a)?;
            if !dimension(d)? || items.is_empty() {
                Value::Null
            } else {
                Value::Integer(i32::try_from(items.len()).unwrap_or(i32::MAX))
            }
        }
        ("array_lower", [a, d]) => {
            if !dimension(d)? || elements(name, a)?.is_empty() {
                Value::Null
            } else {
                Value::Integer(1)
            }
        }
        ("array_ndims", [a]) => match elements(name, a)? {
            [] => Value::Null,
            _ => Value::Integer(1),
        },
        ("cardinality", [a]) => {
            Value::Integer(i32::try_from(elements(name, a)?.len()).unwrap_or(i32::MAX))
        }
        // A NULL array is an empty one here, and a NULL element is an
        // element, as in PostgreSQL (`NULL::int[] || 1` is `{1}`).
        ("array_append" | "array_prepend" | "array_cat", [Value::Null, Value::Null]) => Value::Null,
        ("array_append", [Value::Null, e]) | ("array_prepend", [e, Value::Null]) => {
            Value::Array(vec![e.clone()])
        }
        ("array_cat", [Value::Null, a]) | ("array_cat", [a, Value::Null]) => {
            Value::Array(elements(name, a)?.to_vec())
        }
        ("array_append", [a, e]) => {
            Value::Array(elements(name, a)?.iter().chain([e]).cloned().collect())
        }
        ("array_prepend", [e, a]) => Value::Array(
            std::iter::once(e)
                .chain(elements(name, a)?)
                .cloned()
                .collect(),
        ),
        ("array_cat", [a, b]) => Value::Array(
            elements(name, a)?
                .iter()
                .chain(elements(name, b)?)
                .cloned()
                .collect(),
        ),
        ("array_position", [a, e]) => elements(name, a)?
            .iter()
            .position(|x| x == e)
            .map_or(Value::Null, |i| {
                Value::Integer(i32::try_from(i + 1).unwrap_or(i32::MAX))
            }),
        ("array_positions", [a, e]) => Value::Array(
            elements(name, a)?
                .iter()
                .enumerate()
                .filter(|(_, x)| *x == e)
                .map(|(i, _)| Value::Integer(i32::try_from(i + 1).unwrap_or(i32::MAX)))
                .collect(),
        ),
        // `a[lower:upper]` (the binder's name for a slice): the elements
        // from `lower` to `upper`, counted from 1, cut to the array's.
        ("array_slice", [a, lower, upper]) => {
            let items = elements(name, a)?;
            let (lower, upper) = (int_arg(name, lower)?.max(1), int_arg(name, upper)?);
            let len = i64::try_from(items.len()).unwrap_or(i64::MAX);
            Value::Array(if lower > upper.min(len) {
                Vec::new()
            } else {
                items[(lower - 1) as usize..upper.min(len) as usize].to_vec()
            })
        }
        ("array_dims", [a]) => match elements(name, a)?.len() {
            0 => Value::Null,
            n => Value::Text(format!("[1:{n}]")),
        },
        ("trim_array", [a, k]) => {
            let items = elements(name, a)?;
            let k = int_arg(name, k)?;
            let keep = usize::try_from(k)
                .ok()
                .and_then(|k| items.len().checked_sub(k))
                .ok_or_else(|| {
                    Error::new(
                        SqlState::ArraySubscriptError,
                        format!(
                            "number of elements to trim must be between 0 and {}",
                            items.len()
                        ),
                    )
                })?;
            Value::Array(items[..keep].to_vec())
        }
        ("array_replace", [Value::Null, _, _]) => Value::Null,
        // Values compare as `IS NOT DISTINCT FROM`: NULL replaces NULLs.
        ("array_replace", [a, from, to]) => Value::Array(
            elements(name, a)?
                .iter()
                .map(|x| if x == from { to.clone() } else { x.clone() })
                .collect(),
        ),
        ("array_fill", [value, dims, rest @ ..]) if rest.len() <= 1 => {
            if dims.is_null() || rest.first().is_some_and(Value::is_null) {
                return Err(Error::new(
                    SqlState::NullValueNotAllowed,
                    "dimension array or low bound array cannot be null",
                ));
            }
            let dims = elements(name, dims)?;
            let [length] = dims else {
                return Err(Error::new(
                    SqlState::FeatureNotSupported,
                    "multidimensional arrays are not supported",
                ));
            };
            let length = usize::try_from(int_arg(name, length)?).unwrap_or(0);
            check_value_size(length.saturating_mul(8))?;
            Value::Array(vec![value.clone(); length])
        }
        ("array_remove", [a, e]) => Value::Array(
            elements(name, a)?
                .iter()
                .filter(|x| *x != e)
                .cloned()
                .collect(),
        ),
        // Option strings (`name=value`), split into two columns by the plan.
        ("unnest" | "pg_options_to_table", [a]) => Value::Array(elements(name, a)?.to_vec()),
        ("generate_subscripts", [a, d]) => {
            let count = if dimension(d)? {
                elements(name, a)?.len()
            } else {
                0
            };
            Value::Array(
                (1..=count)
                    .map(|i| Value::Integer(i32::try_from(i).unwrap_or(i32::MAX)))
                    .collect(),
            )
        }
        ("generate_series", [start, stop, rest @ ..]) if rest.len() <= 1 => {
            series(start, stop, rest.first())?
        }
        // A relation's ancestors in a partition tree: Arbor has no
        // partitions, so a relation is its own only ancestor.
        ("pg_partition_ancestors", [relation]) => Value::Array(vec![match relation {
            // A relation given by its OID as text, as psql writes it.
            Value::Text(oid) => Value::Integer(oid.trim().parse().map_err(|_| {
                Error::new(
                    SqlState::InvalidTextRepresentation,
                    format!("invalid input syntax for type oid: \"{oid}\""),
                )
            })?),
            other => other.clone(),
        }]),
        _ => return Err(wrong_args(name, n)),
    })
}

/// `generate_series(start, stop [, step])` over integers: the values as an
/// array of the arguments' widest integer type.
fn series(start: &Value, stop: &Value, step_arg: Option<&Value>) -> Result<Value> {
    let name = "generate_series";
    if let (Some(_), Some(_), Some(step)) = (
        timestamp_of(start),
        timestamp_of(stop),
        step_arg.and_then(interval_of),
    ) {
        return time_series(start, stop, step);
    }
    let (a, b) = (int_arg(name, start)?, int_arg(name, stop)?);
    let step = step_arg.map_or(Ok(1), |s| int_arg(name, s))?;
    if step == 0 {
        return Err(Error::new(
            SqlState::InvalidParameterValue,
            "step size cannot equal zero",
        ));
    }
    let count = if (step > 0 && a > b) || (step < 0 && a < b) {
        0
    } else {
        (i128::from(b) - i128::from(a)) / i128::from(step) + 1
    };
    if count > i128::from(MAX_SERIES) {
        return Err(Error::new(
            SqlState::ProgramLimitExceeded,
            format!(
                "generate_series would return {count} rows, more than {MAX_SERIES} in one call"
            ),
        ));
    }
    let wide = [Some(start), Some(stop), step_arg]
        .into_iter()
        .flatten()
        .any(|v| matches!(v, Value::BigInt(_)));
    let values = (0..count as i64).map(|k| a + k * step);
    Ok(Value::Array(if wide {
        values.map(Value::BigInt).collect()
    } else {
        values
            .map(|v| i32::try_from(v).map_or(Value::BigInt(v), Value::Integer))
            .collect()
    }))
}

/// `generate_series(start, stop, step)` over timestamps: `start`, then
/// each value plus `step` while it has not passed `stop`, as timestamps
/// when `start` is one, else (a date, a timestamptz) as timestamptz,
/// stepping on the session zone's calendar.
fn time_series(start: &Value, stop: &Value, step: Interval) -> Result<Value> {
    let direction = step.span().signum();
    if direction == 0 {
        return Err(Error::new(
            SqlState::InvalidParameterValue,
            "step size cannot equal zero",
        ));
    }
    // Both ends as the kind the series is of.
    let as_kind = |v: &Value| -> Result<Value> {
        let local = timestamp_of(v).ok_or_else(|| wrong_args("generate_series", 3))?;
        Ok(match (start, v) {
            (Value::Timestamp(_), _) => Value::Timestamp(local),
            (_, Value::TimestampTz(t)) => Value::TimestampTz(*t),
            _ => Value::TimestampTz(instant(local)?),
        })
    };
    let (mut at, stop) = (as_kind(start)?, as_kind(stop)?);
    let mut values = Vec::new();
    loop {
        let order = at.total_cmp(&stop);
        if (direction > 0 && order.is_gt()) || (direction < 0 && order.is_lt()) {
            break;
        }
        if values.len() >= MAX_SERIES as usize {
            return Err(Error::new(
                SqlState::ProgramLimitExceeded,
                format!("generate_series would return more than {MAX_SERIES} rows in one call"),
            ));
        }
        let next = shift_timestamp(&at, step).ok();
        values.push(at);
        match next {
            Some(next) => at = next,
            None => break,
        }
    }
    Ok(Value::Array(values))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ints(v: &[i32]) -> Value {
        Value::Array(v.iter().map(|i| Value::Integer(*i)).collect())
    }

    #[test]
    fn array_functions_follow_postgresql() {
        let a = Value::Array(vec![
            Value::Text("a".into()),
            Value::Null,
            Value::Text("c".into()),
        ]);
        let sep = Value::Text(",".into());
        assert_eq!(
            call("array_to_string", vec![a.clone(), sep.clone()]).unwrap(),
            Value::Text("a,c".into())
        );
        assert_eq!(
            call(
                "array_to_string",
                vec![a.clone(), sep, Value::Text("*".into())]
            )
            .unwrap(),
            Value::Text("a,*,c".into())
        );
        assert_eq!(
            call("array_upper", vec![a.clone(), Value::Integer(1)]).unwrap(),
            Value::Integer(3)
        );
        assert_eq!(
            call("array_upper", vec![Value::Array(vec![]), Value::Integer(1)]).unwrap(),
            Value::Null
        );
        assert_eq!(call("cardinality", vec![a]).unwrap(), Value::Integer(3));
    }

    #[test]
    fn series_and_subscripts() {
        assert_eq!(
            call(
                "generate_series",
                vec![Value::Integer(1), Value::Integer(3)]
            )
            .unwrap(),
            ints(&[1, 2, 3])
        );
        assert_eq!(
            call(
                "generate_series",
                vec![Value::Integer(10), Value::Integer(1), Value::Integer(-4)]
            )
            .unwrap(),
            ints(&[10, 6, 2])
        );
        assert_eq!(
            call(
                "generate_series",
                vec![Value::Integer(3), Value::Integer(1)]
            )
            .unwrap(),
            ints(&[])
        );
        let e = call(
            "generate_series",
            vec![Value::Integer(1), Value::Integer(2), Value::Integer(0)],
        )
        .unwrap_err();
        assert_eq!(e.code, SqlState::InvalidParameterValue);
        assert_eq!(
            call(
                "generate_subscripts",
                vec![ints(&[7, 8]), Value::Integer(1)]
            )
            .unwrap(),
            ints(&[1, 2])
        );
    }
}
