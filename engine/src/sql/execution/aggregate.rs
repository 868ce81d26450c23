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

/// The running state of one aggregate call: what it has accumulated, the
/// values already seen (for DISTINCT), and whether any input counted.
#[derive(Debug, Clone)]
pub(super) struct Accumulator {
    acc: Acc,
    seen: Option<HashSet<Value>>,
    saw_value: bool,
    star: bool,
}

impl Accumulator {
    /// A fresh accumulator for `call`.
    pub(super) fn new(call: &AggregateCall) -> Accumulator {
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
        Accumulator {
            acc,
            seen: call.distinct.then(HashSet::new),
            saw_value: false,
            star: call.args.is_empty(),
        }
    }

    /// Feeds one input row: applies the call's FILTER, evaluates its argument
    /// and accumulates it.
    pub(super) fn feed(
        &mut self,
        call: &AggregateCall,
        row: &[Value],
        ctx: &EvalContext<'_>,
    ) -> Result<()> {
        if let Some(f) = &call.filter
            && truth(&eval(f, row, ctx)?)? != Some(true)
        {
            return Ok(());
        }
        let v = match call.args.first() {
            None => Value::Boolean(true),
            Some(arg) => eval(arg, row, ctx)?,
        };
        self.add(v)
    }

    /// The aggregate's value over what it has seen so far: NULL over no
    /// values, except for count, which is 0.
    pub(super) fn value(&self) -> Result<Value> {
        match (&self.acc, self.saw_value) {
            (Acc::Count(_), _) | (_, true) => finish(self.acc.clone()),
            (_, false) => Ok(Value::Null),
        }
    }

    fn add(&mut self, v: Value) -> Result<()> {
        if v.is_null() && !self.star {
            return Ok(());
        }
        if let Some(seen) = &mut self.seen
            && !seen.insert(v.clone())
        {
            return Ok(());
        }
        self.saw_value = true;
        add(&mut self.acc, v)
    }
}

fn overflow() -> Error {
    Error::new("22003", "numeric field overflow")
}

fn add(acc: &mut Acc, v: Value) -> Result<()> {
    match acc {
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
                *acc = Acc::SumNumeric(Some(base.checked_add(*d).ok_or_else(overflow)?));
            }
            Value::Real(_) | Value::Double(_) => {
                *acc = Acc::SumFloat(Some(*total as f64 + v.as_f64().expect("a float")));
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
fn finish(acc: Acc) -> Result<Value> {
    Ok(match acc {
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
    let fresh: Vec<Accumulator> = aggregates.iter().map(Accumulator::new).collect();
    let mut groups: HashMap<Row, Vec<Accumulator>> = HashMap::new();
    let mut order: Vec<Row> = Vec::new();
    for row in input {
        let row = row?;
        let key: Row = group_by
            .iter()
            .map(|e| eval(e, &row, ctx))
            .collect::<Result<_>>()?;
        let states = groups.entry(key.clone()).or_insert_with(|| {
            order.push(key);
            fresh.clone()
        });
        for (state, call) in states.iter_mut().zip(aggregates) {
            state.feed(call, &row, ctx)?;
        }
    }
    if group_by.is_empty() && order.is_empty() {
        order.push(Vec::new());
        groups.insert(Vec::new(), fresh);
    }
    let mut out = Vec::with_capacity(order.len());
    for key in order {
        let states = groups.remove(&key).expect("every key in order has a group");
        let mut row = key;
        for state in &states {
            row.push(state.value()?);
        }
        out.push(row);
    }
    Ok(out)
}
