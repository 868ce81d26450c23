//! Hash aggregation: rows grouped by key, with PostgreSQL's aggregates.
//!
//! Result types follow PostgreSQL: `count` is bigint; `sum` of smallint or
//! integer is bigint, of bigint or numeric is numeric, of floats is double;
//! `avg` of integers or numeric is numeric, of floats is double; `min` and
//! `max` keep their input type. Aggregates skip NULL inputs, and over no rows
//! give NULL (`count` gives 0).

use std::collections::{HashMap, HashSet};

use arbor_schema::Value;
use rust_decimal::Decimal;

use super::{Row, Rows};
use crate::error::{Error, Result};
use crate::sql::eval::{EvalContext, eval, truth};
use crate::sql::planner::expr::Expr;
use crate::sql::planner::plan::AggregateCall;

#[derive(Debug, Clone)]
enum Acc {
    Count(i64),
    SumInt(i128, bool),
    SumNumeric(Option<Decimal>),
    SumFloat(Option<f64>),
    Avg {
        sum: Option<Decimal>,
        float: Option<f64>,
        n: i64,
    },
    Min(Value),
    Max(Value),
}

#[derive(Debug, Clone)]
struct State {
    acc: Acc,
    seen: Option<HashSet<Value>>,
}

fn new_state(call: &AggregateCall) -> State {
    let acc = match call.function.as_str() {
        "count" => Acc::Count(0),
        "sum" => Acc::SumInt(0, false),
        "avg" => Acc::Avg {
            sum: None,
            float: None,
            n: 0,
        },
        "min" => Acc::Min(Value::Null),
        _ => Acc::Max(Value::Null),
    };
    State {
        acc,
        seen: call.distinct.then(HashSet::new),
    }
}

fn overflow() -> Error {
    Error::new("22003", "numeric field overflow")
}

fn add(state: &mut State, v: Value, star: bool) -> Result<()> {
    if v.is_null() && !star {
        return Ok(());
    }
    if let Some(seen) = &mut state.seen
        && !seen.insert(v.clone())
    {
        return Ok(());
    }
    match &mut state.acc {
        Acc::Count(n) => *n += 1,
        Acc::SumInt(total, wide) => match &v {
            Value::SmallInt(_) | Value::Integer(_) => {
                *total += i128::from(v.as_i64().expect("an integer"))
            }
            Value::BigInt(i) => {
                *total += i128::from(*i);
                *wide = true;
            }
            Value::Numeric(d) => {
                let base = Decimal::try_from_i128_with_scale(*total, 0).map_err(|_| overflow())?;
                state.acc = Acc::SumNumeric(Some(base.checked_add(*d).ok_or_else(overflow)?));
            }
            Value::Real(_) | Value::Double(_) => {
                state.acc = Acc::SumFloat(Some(*total as f64 + v.as_f64().expect("a float")));
            }
            other => {
                return Err(Error::new(
                    "42883",
                    format!("function sum({}) does not exist", type_name(other)),
                ));
            }
        },
        Acc::SumNumeric(sum) => {
            let d = match &v {
                Value::Numeric(d) => *d,
                other => Decimal::from(other.as_i64().ok_or_else(overflow)?),
            };
            *sum = Some(
                sum.unwrap_or_default()
                    .checked_add(d)
                    .ok_or_else(overflow)?,
            );
        }
        Acc::SumFloat(sum) => *sum = Some(sum.unwrap_or(0.0) + v.as_f64().ok_or_else(overflow)?),
        Acc::Avg { sum, float, n } => {
            *n += 1;
            match &v {
                Value::Real(_) | Value::Double(_) => {
                    *float = Some(float.unwrap_or(0.0) + v.as_f64().expect("a float"))
                }
                Value::Numeric(d) => {
                    *sum = Some(
                        sum.unwrap_or_default()
                            .checked_add(*d)
                            .ok_or_else(overflow)?,
                    )
                }
                other => {
                    let i = other.as_i64().ok_or_else(|| {
                        Error::new(
                            "42883",
                            format!("function avg({}) does not exist", type_name(other)),
                        )
                    })?;
                    *sum = Some(
                        sum.unwrap_or_default()
                            .checked_add(Decimal::from(i))
                            .ok_or_else(overflow)?,
                    );
                }
            }
        }
        Acc::Min(m) => {
            if m.is_null() || v.total_cmp(m).is_lt() {
                *m = v;
            }
        }
        Acc::Max(m) => {
            if m.is_null() || v.total_cmp(m).is_gt() {
                *m = v;
            }
        }
    }
    Ok(())
}

fn type_name(v: &Value) -> String {
    v.data_type()
        .map_or_else(|| "unknown".into(), |t| t.to_string())
}

/// The aggregate's value; only called when it saw at least one input
/// (an aggregate over no values is NULL, except count).
fn finish(state: State) -> Result<Value> {
    Ok(match state.acc {
        Acc::Count(n) => Value::BigInt(n),
        Acc::SumInt(total, wide) => {
            if wide {
                Value::Numeric(Decimal::try_from_i128_with_scale(total, 0).map_err(|_| overflow())?)
            } else {
                Value::BigInt(
                    i64::try_from(total).map_err(|_| Error::new("22003", "bigint out of range"))?,
                )
            }
        }
        Acc::SumNumeric(s) => s.map_or(Value::Null, Value::Numeric),
        Acc::SumFloat(s) => s.map_or(Value::Null, Value::Double),
        Acc::Avg { n: 0, .. } => Value::Null,
        Acc::Avg {
            float: Some(f),
            sum,
            n,
        } => {
            let total = f + sum.map_or(0.0, |d| d.to_string().parse::<f64>().unwrap_or(0.0));
            Value::Double(total / n as f64)
        }
        Acc::Avg { sum, n, .. } => {
            let total = sum.unwrap_or_default();
            // PostgreSQL shows the average of integers with 16 decimal places.
            let mut avg = total
                .checked_div(Decimal::from(n))
                .ok_or_else(overflow)?
                .round_dp(16);
            avg.rescale(16);
            Value::Numeric(avg)
        }
        Acc::Min(v) | Acc::Max(v) => v,
    })
}

/// Groups `input` by `group_by` and computes `aggregates` for each group.
pub(super) fn aggregate(
    input: Rows<'_>,
    group_by: &[Expr],
    aggregates: &[AggregateCall],
    ctx: &EvalContext<'_>,
) -> Result<Vec<Row>> {
    let fresh: Vec<State> = aggregates.iter().map(new_state).collect();
    let mut groups: HashMap<Row, (Vec<State>, Vec<bool>)> = HashMap::new();
    let mut order: Vec<Row> = Vec::new();
    for row in input {
        let row = row?;
        let key: Row = group_by
            .iter()
            .map(|e| eval(e, &row, ctx))
            .collect::<Result<_>>()?;
        let entry = groups.entry(key.clone()).or_insert_with(|| {
            order.push(key);
            (fresh.clone(), vec![false; aggregates.len()])
        });
        for (i, call) in aggregates.iter().enumerate() {
            if let Some(f) = &call.filter
                && truth(&eval(f, &row, ctx)?)? != Some(true)
            {
                continue;
            }
            let star = call.args.is_empty();
            let v = if star {
                Value::Boolean(true)
            } else {
                eval(&call.args[0], &row, ctx)?
            };
            if !v.is_null() || star {
                entry.1[i] = true;
            }
            add(&mut entry.0[i], v, star)?;
        }
    }
    if group_by.is_empty() && order.is_empty() {
        order.push(Vec::new());
        groups.insert(Vec::new(), (fresh, vec![false; aggregates.len()]));
    }
    let mut out = Vec::with_capacity(order.len());
    for key in order {
        let (states, saw_value) = groups.remove(&key).expect("every key in order has a group");
        let mut row = key;
        for (state, saw) in states.into_iter().zip(saw_value) {
            let value = match (&state.acc, saw) {
                (Acc::Count(_), _) => finish(state)?,
                (_, false) => Value::Null,
                _ => finish(state)?,
            };
            row.push(value);
        }
        out.push(row);
    }
    Ok(out)
}
