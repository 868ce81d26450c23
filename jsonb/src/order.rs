//! PostgreSQL's jsonb btree order.
//!
//! Object > Array > Boolean > Number > String > Null. Objects with more pairs
//! sort after objects with fewer, arrays with more elements after arrays with
//! fewer; equal counts compare item by item (object pairs in storage order,
//! key then value). Strings compare bytewise (the C collation). Numbers
//! compare by exact value.

use std::cmp::Ordering;

use jsonb::{Number, Value};

use crate::text::ordered_entries;

fn rank(v: &Value<'_>) -> u8 {
    match v {
        Value::Null => 0,
        Value::String(_) => 1,
        Value::Number(_) => 2,
        Value::Bool(_) => 3,
        Value::Array(_) => 4,
        Value::Object(_) => 5,
        _ => 1,
    }
}

/// An integer's exact value; `None` for other numbers.
fn integer(n: &Number) -> Option<i128> {
    match n {
        Number::Int64(i) => Some(i128::from(*i)),
        Number::UInt64(u) => Some(i128::from(*u)),
        _ => None,
    }
}

/// Compares numbers by exact value, as PostgreSQL's `numeric` does: an
/// integer and a double are not compared through the integer's nearest
/// double, which would make `9223372036854775807` equal `9223372036854775808`.
fn compare_numbers(a: &Number, b: &Number) -> Ordering {
    match (integer(a), integer(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(x), None) => integer_to_double(x, b.as_f64()),
        (None, Some(y)) => integer_to_double(y, a.as_f64()).reverse(),
        (None, None) => a.as_f64().total_cmp(&b.as_f64()),
    }
}

fn integer_to_double(i: i128, f: f64) -> Ordering {
    // Rounding to the nearest double keeps order, so a difference between
    // the rounded integer and `f` is the answer. When they are equal, `f` is
    // a whole number within 2^64 (integers round only beyond 2^53, where
    // every double is whole) and compares exactly as an i128.
    match (i as f64).partial_cmp(&f) {
        Some(Ordering::Equal) => i.cmp(&(f as i128)),
        Some(o) => o,
        // NaN sorts above every number.
        None => Ordering::Less,
    }
}

/// Compares two documents in PostgreSQL's jsonb order.
pub fn compare(a: &Value<'_>, b: &Value<'_>) -> Ordering {
    let by_rank = rank(a).cmp(&rank(b));
    if by_rank != Ordering::Equal {
        return by_rank;
    }
    match (a, b) {
        (Value::String(x), Value::String(y)) => x.as_bytes().cmp(y.as_bytes()),
        (Value::Number(x), Value::Number(y)) => compare_numbers(x, y),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Array(x), Value::Array(y)) => x.len().cmp(&y.len()).then_with(|| {
            x.iter()
                .zip(y)
                .map(|(p, q)| compare(p, q))
                .find(|o| o.is_ne())
                .unwrap_or(Ordering::Equal)
        }),
        (Value::Object(x), Value::Object(y)) => x.len().cmp(&y.len()).then_with(|| {
            ordered_entries(x)
                .into_iter()
                .zip(ordered_entries(y))
                .map(|((ka, va), (kb, vb))| {
                    ka.len()
                        .cmp(&kb.len())
                        .then_with(|| ka.as_bytes().cmp(kb.as_bytes()))
                        .then_with(|| compare(va, vb))
                })
                .find(|o| o.is_ne())
                .unwrap_or(Ordering::Equal)
        }),
        _ => a.to_string().cmp(&b.to_string()),
    }
}
