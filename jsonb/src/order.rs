//! PostgreSQL's jsonb btree order.
//!
//! Object > Array > Boolean > Number > String > Null. Objects with more pairs
//! sort after objects with fewer, arrays with more elements after arrays with
//! fewer; equal counts compare item by item (object pairs in storage order,
//! key then value). Strings compare bytewise (the C collation).

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

fn number(n: &Number) -> f64 {
    match n {
        Number::Int64(i) => *i as f64,
        Number::UInt64(u) => *u as f64,
        other => other.as_f64(),
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
        (Value::Number(Number::Int64(x)), Value::Number(Number::Int64(y))) => x.cmp(y),
        (Value::Number(x), Value::Number(y)) => number(x).total_cmp(&number(y)),
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
