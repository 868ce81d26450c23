//! Hash aggregation: rows grouped by key, with PostgreSQL's aggregates.
//!
//! Result types follow PostgreSQL: `count` is bigint; `sum` of smallint or
//! integer is bigint, of bigint or numeric is numeric, of floats is double;
//! `avg` of integers or numeric is numeric, of floats is double; `min` and
//! `max` keep their input type; `string_agg` is text, `bool_and`/`bool_or`
//! boolean, `jsonb_agg`/`jsonb_object_agg` jsonb, `json_agg`/`json_object_agg`
//! json, `array_agg` an array of
//! its input; the spread aggregates (`stddev`, `variance`, ...: see
//! [`super::spread`]) are numeric over exact inputs, double over floats.
//! Aggregates skip NULL inputs (the jsonb ones keep them as JSON
//! null, `array_agg` as NULL elements), and over no rows give
//! NULL (`count` gives 0).
//!
//! A long scan (100,000 rows or more) under count, sum, avg, min and max is
//! aggregated on several threads, one slice of the key range each, and the
//! partial groups are combined ([`parallel`]); the result is the one a single
//! thread gives, save for the order float additions happen in.

use std::collections::{HashMap, HashSet};
use std::ops::Bound;

use arbor_merkle::ProllyMap;
use arbor_merkle::prolly::NodeStore;
use arbor_schema::Value;
use rust_decimal::Decimal;

use super::{Row, Rows, as_ref_bound, compare_keys};
use crate::error::{Error, Result, SqlState};
use crate::sql::eval::{EvalContext, eval, truth};
use crate::sql::planner::expr::{BinaryOp, Expr};
use crate::sql::planner::plan::{AggregateCall, KeyRange, Plan, SortKey};

#[derive(Debug, Clone)]
enum Acc {
    Count(i64),
    SumInt(i128, bool),
    SumNumeric(Option<Decimal>),
    SumFloat(Option<f64>),
    /// `sum` of intervals, field by field.
    SumInterval(arbor_schema::Interval),
    /// `avg` of intervals: their sum and how many.
    AvgInterval(arbor_schema::Interval, i64),
    Avg {
        sum: Option<Decimal>,
        float: Option<f64>,
        n: i64,
    },
    Min(Value),
    Max(Value),
    StringAgg(Option<String>),
    BoolAnd(bool),
    BoolOr(bool),
    JsonbAgg(arbor_jsonb::JsonbAgg),
    JsonbObjectAgg(arbor_jsonb::JsonbObjectAgg),
    /// `array_agg`: every input, NULLs included.
    ArrayAgg(Vec<Value>),
    /// `json_agg` and `json_object_agg`: each input's json text, in
    /// order, as PostgreSQL's json writes them.
    JsonAgg(Vec<String>, JsonAggKind),
    /// `stddev`, `variance` and their forms.
    Spread(super::spread::Spread),
    /// `corr`, `covar_*` and `regr_*`.
    Regression(super::regression::Regression),
    /// `bit_and`, `bit_or`, `bit_xor`: the name, its operator and the bits
    /// so far.
    Bits(&'static str, BinaryOp, Option<Value>),
    /// An ordered-set aggregate: its name, its direct argument (the
    /// first given), and the sorted values it has seen, in order.
    OrderedSet(&'static str, Option<Value>, Vec<Value>),
}

/// The ordered-set aggregates, called `f(direct) WITHIN GROUP (ORDER BY
/// x)` and aggregating `x` in that order: `percentile_cont(fraction)`
/// (interpolated, double precision), `percentile_disc(fraction)` (the
/// first value at or past the fraction) and `mode()` (the most frequent
/// value, the first in order among equals).
pub const ORDERED_SET_AGGREGATES: &[&str] = &["percentile_cont", "percentile_disc", "mode"];

/// What a json aggregate builds, which decides how PostgreSQL separates
/// its items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum JsonAggKind {
    /// `json_object_agg`: `{ "k" : v, ... }`.
    Object,
    /// `json_agg` of scalars: `[1, 2]`.
    Array,
    /// `json_agg` of rows or arrays, each on a line of its own.
    ArrayOfComposites,
}

/// `name` as `list` spells it, if it is there (an accumulator keeps the
/// list's `'static` name).
fn listed(list: &[&'static str], name: &str) -> Option<&'static str> {
    list.iter().find(|n| **n == name).copied()
}

/// Whether `name` is an aggregate function: one of [`AGGREGATES`], the
/// spread aggregates or the ordered-set ones.
pub fn is_aggregate(name: &str) -> bool {
    AGGREGATES.contains(&name)
        || super::spread::SPREAD_AGGREGATES.contains(&name)
        || super::regression::REGRESSION_AGGREGATES.contains(&name)
        || ORDERED_SET_AGGREGATES.contains(&name)
}

/// The aggregate functions besides the spread and ordered-set ones (see
/// [`is_aggregate`]).
pub const AGGREGATES: &[&str] = &[
    "count",
    "sum",
    "avg",
    "min",
    "max",
    "string_agg",
    "bool_and",
    "bool_or",
    "every",
    "jsonb_agg",
    "jsonb_object_agg",
    "json_agg",
    "json_object_agg",
    "array_agg",
    "bit_and",
    "bit_or",
    "bit_xor",
];

/// How many arguments each aggregate takes (`count(*)` takes none; an
/// ordered-set aggregate's sorted argument counts).
pub fn arity(function: &str) -> usize {
    match function {
        "string_agg" | "jsonb_object_agg" | "json_object_agg" | "percentile_cont"
        | "percentile_disc" => 2,
        f if super::regression::REGRESSION_AGGREGATES.contains(&f) => 2,
        _ => 1,
    }
}

/// The running state of one aggregate call: what it has accumulated, the
/// values already seen (for DISTINCT), and whether any input counted.
#[derive(Debug, Clone)]
pub(super) struct Accumulator {
    acc: Acc,
    seen: Option<HashSet<Value>>,
    saw_value: bool,
    star: bool,
    /// With `ORDER BY` in the call: the argument values with their sort
    /// keys, combined in order when the value is asked for.
    ordered: Option<Box<Ordered>>,
}

/// The buffered input of an aggregate with ORDER BY.
#[derive(Debug, Clone)]
struct Ordered {
    keys: Vec<SortKey>,
    /// (sort key values, first argument, second argument) per input row.
    rows: Vec<(Vec<Value>, Value, Option<Value>)>,
    /// A fresh accumulator (without ORDER BY) to combine them in.
    fresh: Accumulator,
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
            "string_agg" => Acc::StringAgg(None),
            "bool_and" | "every" => Acc::BoolAnd(true),
            "bool_or" => Acc::BoolOr(false),
            "jsonb_agg" => Acc::JsonbAgg(arbor_jsonb::JsonbAgg::new()),
            "jsonb_object_agg" => Acc::JsonbObjectAgg(arbor_jsonb::JsonbObjectAgg::new()),
            "array_agg" => Acc::ArrayAgg(Vec::new()),
            "json_agg" => Acc::JsonAgg(
                Vec::new(),
                match call.args.first() {
                    Some(Expr::Function(f, _)) if f == "row_to_json" => {
                        JsonAggKind::ArrayOfComposites
                    }
                    _ => JsonAggKind::Array,
                },
            ),
            "json_object_agg" => Acc::JsonAgg(Vec::new(), JsonAggKind::Object),
            f => match (
                listed(super::spread::SPREAD_AGGREGATES, f),
                listed(ORDERED_SET_AGGREGATES, f),
                listed(super::regression::REGRESSION_AGGREGATES, f),
                listed(AGGREGATES, f).filter(|f| f.starts_with("bit_")),
            ) {
                (Some(f), ..) => Acc::Spread(super::spread::Spread::new(f)),
                (_, Some(f), ..) => Acc::OrderedSet(f, None, Vec::new()),
                (_, _, Some(f), _) => Acc::Regression(super::regression::Regression::new(f)),
                (.., Some(f)) => Acc::Bits(
                    f,
                    match f {
                        "bit_and" => BinaryOp::BitAnd,
                        "bit_or" => BinaryOp::BitOr,
                        _ => BinaryOp::BitXor,
                    },
                    None,
                ),
                _ => Acc::Max(Value::Null),
            },
        };
        let accumulator = Accumulator {
            acc,
            seen: call.distinct.then(HashSet::new),
            saw_value: false,
            star: call.args.is_empty(),
            ordered: None,
        };
        if call.order_by.is_empty() {
            return accumulator;
        }
        Accumulator {
            ordered: Some(Box::new(Ordered {
                keys: call.order_by.clone(),
                rows: Vec::new(),
                fresh: accumulator.clone(),
            })),
            ..accumulator
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
        if call.args.is_empty() {
            return self.add(Value::Boolean(true), None);
        }
        let first = eval(&call.args[0], row, ctx)?;
        let second = call.args.get(1).map(|a| eval(a, row, ctx)).transpose()?;
        if let Some(ordered) = &mut self.ordered {
            let keys = call
                .order_by
                .iter()
                .map(|k| eval(&k.expr, row, ctx))
                .collect::<Result<Vec<_>>>()?;
            ordered.rows.push((keys, first, second));
            return Ok(());
        }
        self.add(first, second)
    }

    /// The aggregate's value over what it has seen so far: NULL over no
    /// values, except for count, which is 0.
    pub(super) fn value(&self) -> Result<Value> {
        if let Some(ordered) = &self.ordered {
            return self.value_in_order(ordered);
        }
        match (&self.acc, self.saw_value) {
            (Acc::Count(_), _) | (_, true) => finish(self.acc.clone()),
            (Acc::Regression(r), false) if r.counts() => Ok(r.finish()),
            (_, false) => Ok(Value::Null),
        }
    }

    /// Combines buffered values in the call's order, in a fresh copy.
    fn value_in_order(&self, ordered: &Ordered) -> Result<Value> {
        let mut rows: Vec<&(Vec<Value>, Value, Option<Value>)> = ordered.rows.iter().collect();
        rows.sort_by(|a, b| compare_keys(&a.0, &b.0, &ordered.keys));
        let mut acc = ordered.fresh.clone();
        for (_, first, second) in rows {
            acc.add(first.clone(), second.clone())?;
        }
        acc.value()
    }

    /// Takes in the partial state of the same aggregate over other rows
    /// (parallel aggregation): only for count, sum, avg, min and max.
    fn combine(&mut self, other: Accumulator) -> Result<()> {
        if !other.saw_value && !matches!(other.acc, Acc::Count(_)) {
            return Ok(());
        }
        if !self.saw_value && !matches!(self.acc, Acc::Count(_)) {
            *self = other;
            return Ok(());
        }
        match (&mut self.acc, other.acc) {
            (Acc::AvgInterval(sum, n), Acc::AvgInterval(other_sum, other_n)) => {
                *sum = sum.checked_add(other_sum)?;
                *n += other_n;
            }
            (Acc::Count(a), Acc::Count(b)) => *a += b,
            (Acc::SumInt(a, wide_a), Acc::SumInt(b, wide_b)) => {
                *a += b;
                *wide_a |= wide_b;
                self.saw_value = true;
            }
            (
                Acc::Avg { sum, float, n },
                Acc::Avg {
                    sum: other_sum,
                    float: other_float,
                    n: other_n,
                },
            ) => {
                *sum = match (*sum, other_sum) {
                    (Some(a), Some(b)) => Some(add_numeric(a, b)?),
                    (a, b) => a.or(b),
                };
                *float = match (*float, other_float) {
                    (Some(a), Some(b)) => Some(a + b),
                    (a, b) => a.or(b),
                };
                *n += other_n;
                self.saw_value = true;
            }
            // Other sums (one side switched to numeric or floats) and min
            // and max: the other side's result is one more input.
            (_, other_acc) => {
                let value = match other_acc {
                    Acc::SumInt(t, _) => Value::Numeric(
                        Decimal::try_from_i128_with_scale(t, 0).map_err(|_| overflow())?,
                    ),
                    other_acc => finish(other_acc)?,
                };
                self.add(value, None)?;
            }
        }
        Ok(())
    }

    /// Accumulates one input: its first argument and, for two-argument
    /// aggregates, its second.
    fn add(&mut self, first: Value, second: Option<Value>) -> Result<()> {
        let keeps_nulls = matches!(
            self.acc,
            Acc::JsonbAgg(_) | Acc::JsonbObjectAgg(_) | Acc::ArrayAgg(_) | Acc::JsonAgg(..)
        );
        if first.is_null() && !self.star && !keeps_nulls {
            return Ok(());
        }
        if let Some(seen) = &mut self.seen
            && !seen.insert(first.clone())
        {
            return Ok(());
        }
        self.saw_value = true;
        match &mut self.acc {
            Acc::StringAgg(out) => {
                let text = crate::sql::functions::text_arg(&first);
                match (out.as_mut(), second.as_ref()) {
                    (None, _) => *out = Some(text),
                    (Some(s), Some(d)) if !d.is_null() => {
                        let d = crate::sql::functions::text_arg(d);
                        crate::sql::functions::check_value_size(s.len() + d.len() + text.len())?;
                        s.push_str(&d);
                        s.push_str(&text);
                    }
                    (Some(s), _) => {
                        crate::sql::functions::check_value_size(s.len() + text.len())?;
                        s.push_str(&text);
                    }
                }
                Ok(())
            }
            Acc::BoolAnd(b) => {
                *b = *b && boolean(&first)?;
                Ok(())
            }
            Acc::ArrayAgg(items) => {
                items.push(first);
                Ok(())
            }
            Acc::Spread(spread) => spread.add(&first),
            Acc::Regression(r) => r.add(&first, &second.unwrap_or(Value::Null)),
            Acc::Bits(function, op, bits) => {
                if first.as_i64().is_none() {
                    return Err(no_such_aggregate(function, &first));
                }
                *bits = Some(match bits.take() {
                    None => first,
                    Some(b) => crate::sql::eval::binary(*op, b, first)?,
                });
                Ok(())
            }
            Acc::JsonAgg(members, JsonAggKind::Object) => {
                if first.is_null() {
                    return Err(Error::new(
                        SqlState::InvalidParameterValue,
                        "field name must not be null",
                    ));
                }
                let key = crate::sql::functions::jsonb::json_text(&Value::Text(
                    crate::sql::functions::text_arg(&first),
                ))?;
                let value =
                    crate::sql::functions::jsonb::json_text(&second.unwrap_or(Value::Null))?;
                members.push(format!("{key} : {value}"));
                Ok(())
            }
            Acc::JsonAgg(items, kind) => {
                if matches!(first, Value::Array(_)) {
                    *kind = JsonAggKind::ArrayOfComposites;
                }
                items.push(crate::sql::functions::jsonb::json_text(&first)?);
                Ok(())
            }
            Acc::OrderedSet(_, direct, values) => {
                if direct.is_none() {
                    *direct = second;
                }
                values.push(first);
                Ok(())
            }
            Acc::BoolOr(b) => {
                *b = *b || boolean(&first)?;
                Ok(())
            }
            Acc::JsonbAgg(agg) => {
                agg.add(&crate::sql::functions::jsonb::input(&first)?);
                Ok(())
            }
            Acc::JsonbObjectAgg(agg) => {
                if first.is_null() {
                    return Err(Error::new(
                        SqlState::NullValueNotAllowed,
                        "field name must not be null",
                    ));
                }
                let value = second.unwrap_or(Value::Null);
                agg.add(
                    &crate::sql::functions::jsonb::input(&first)?,
                    &crate::sql::functions::jsonb::input(&value)?,
                )
                .map_err(crate::sql::functions::jsonb::error)
            }
            acc => add(acc, first),
        }
    }
}

fn overflow() -> Error {
    Error::new(SqlState::NumericValueOutOfRange, "numeric field overflow")
}

/// `a + b` at PostgreSQL's scale (the larger of the two).
fn add_numeric(a: Decimal, b: Decimal) -> Result<Decimal> {
    crate::sql::functions::numeric_arithmetic(crate::sql::functions::NumericOp::Add, a, b)
        .ok_or_else(overflow)
}

fn add(acc: &mut Acc, v: Value) -> Result<()> {
    // An avg's first value decides: intervals average field by field.
    if let (
        Acc::Avg {
            sum: None,
            float: None,
            n: 0,
        },
        Value::Interval(i),
    ) = (&*acc, &v)
    {
        *acc = Acc::AvgInterval(*i, 1);
        return Ok(());
    }
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
                *acc = Acc::SumNumeric(Some(add_numeric(base, *d)?));
            }
            Value::Real(_) | Value::Double(_) => {
                *acc = Acc::SumFloat(Some(*total as f64 + v.as_f64().expect("a float")));
            }
            // A column's values are all of one type: no integer came before.
            Value::Interval(i) if *total == 0 && !*wide => *acc = Acc::SumInterval(*i),
            other => {
                return Err(no_such_aggregate("sum", other));
            }
        },
        Acc::SumInterval(sum) => match &v {
            Value::Interval(i) => *sum = sum.checked_add(*i)?,
            other => return Err(no_such_aggregate("sum", other)),
        },
        Acc::AvgInterval(sum, n) => match &v {
            Value::Interval(i) => {
                *sum = sum.checked_add(*i)?;
                *n += 1;
            }
            other => return Err(no_such_aggregate("avg", other)),
        },

        Acc::SumNumeric(sum) => {
            let d = match &v {
                Value::Numeric(d) => *d,
                other => Decimal::from(other.as_i64().ok_or_else(overflow)?),
            };
            *sum = Some(match sum {
                Some(s) => add_numeric(*s, d)?,
                None => d,
            });
        }
        Acc::SumFloat(sum) => *sum = Some(sum.unwrap_or(0.0) + v.as_f64().ok_or_else(overflow)?),
        Acc::Avg { sum, float, n } => {
            *n += 1;
            match &v {
                Value::Real(_) | Value::Double(_) => {
                    *float = Some(float.unwrap_or(0.0) + v.as_f64().expect("a float"))
                }
                Value::Numeric(d) => {
                    *sum = Some(match sum {
                        Some(s) => add_numeric(*s, *d)?,
                        None => *d,
                    })
                }
                other => {
                    let i = other
                        .as_i64()
                        .ok_or_else(|| no_such_aggregate("avg", other))?;
                    *sum = Some(add_numeric(sum.unwrap_or_default(), Decimal::from(i))?);
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
        // Fed by `Accumulator::add` itself.
        Acc::StringAgg(_)
        | Acc::BoolAnd(_)
        | Acc::BoolOr(_)
        | Acc::JsonbAgg(_)
        | Acc::JsonbObjectAgg(_)
        | Acc::ArrayAgg(_)
        | Acc::Spread(_)
        | Acc::Regression(_)
        | Acc::Bits(..)
        | Acc::OrderedSet(..)
        | Acc::JsonAgg(..) => {}
    }
    Ok(())
}

fn boolean(v: &Value) -> Result<bool> {
    match v {
        Value::Boolean(b) => Ok(*b),
        other => Err(no_such_aggregate("bool_and", other)),
    }
}

/// PostgreSQL's error for aggregate `function` over a value of `v`'s type,
/// which it does not take.
pub(super) fn no_such_aggregate(function: &str, v: &Value) -> Error {
    let type_name = v
        .data_type()
        .map_or_else(|| "unknown".into(), |t| t.to_string());
    Error::new(
        SqlState::UndefinedFunction,
        format!("function {function}({type_name}) does not exist"),
    )
    .with_hint(
        "No function matches the given name and argument types. You might need to add explicit type casts.",
    )
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
                Value::BigInt(i64::try_from(total).map_err(|_| {
                    Error::new(SqlState::NumericValueOutOfRange, "bigint out of range")
                })?)
            }
        }
        Acc::SumNumeric(s) => s.map_or(Value::Null, Value::Numeric),
        Acc::SumFloat(s) => s.map_or(Value::Null, Value::Double),
        Acc::SumInterval(sum) => Value::Interval(sum),
        Acc::AvgInterval(sum, n) => Value::Interval(sum.checked_div(n as f64)?),
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
            // PostgreSQL divides the numeric sum by the count, at the
            // scale its numeric division picks.
            Value::Numeric(
                crate::sql::functions::divide_numeric(total, Decimal::from(n))
                    .ok_or_else(overflow)?,
            )
        }
        Acc::Min(v) | Acc::Max(v) => v,
        Acc::StringAgg(s) => s.map_or(Value::Null, Value::Text),
        Acc::BoolAnd(b) | Acc::BoolOr(b) => Value::Boolean(b),
        Acc::ArrayAgg(items) => Value::Array(items),
        Acc::Spread(spread) => spread.finish()?,
        Acc::Regression(r) => r.finish(),
        Acc::Bits(_, _, bits) => bits.unwrap_or(Value::Null),
        Acc::JsonAgg(members, JsonAggKind::Object) => {
            Value::Json(format!("{{ {} }}", members.join(", ")))
        }
        Acc::JsonAgg(items, JsonAggKind::Array) => Value::Json(format!("[{}]", items.join(", "))),
        Acc::JsonAgg(items, JsonAggKind::ArrayOfComposites) => {
            Value::Json(format!("[{}]", items.join(", \n ")))
        }
        Acc::OrderedSet(function, direct, values) => {
            super::spread::ordered_set(function, direct.as_ref(), &values)?
        }
        Acc::JsonbAgg(agg) => agg
            .finish()
            .map_err(crate::sql::functions::jsonb::error)?
            .map_or(Value::Null, Value::Jsonb),
        Acc::JsonbObjectAgg(agg) => agg
            .finish()
            .map_err(crate::sql::functions::jsonb::error)?
            .map_or(Value::Null, Value::Jsonb),
    })
}

/// Groups `input` by `group_by` and computes `aggregates` for each group.
pub(super) fn aggregate(
    input: Rows<'_>,
    group_by: &[Expr],
    aggregates: &[AggregateCall],
    ctx: &EvalContext<'_>,
) -> Result<Vec<Row>> {
    let groups = group(input, group_by, aggregates, ctx)?;
    finish_groups(groups, group_by, aggregates)
}

/// Groups with their accumulators, in the order each group first appeared.
struct Groups {
    states: HashMap<Row, Vec<Accumulator>>,
    order: Vec<Row>,
}

/// Feeds every input row to its group's accumulators.
fn group(
    input: impl Iterator<Item = Result<Row>>,
    group_by: &[Expr],
    aggregates: &[AggregateCall],
    ctx: &EvalContext<'_>,
) -> Result<Groups> {
    let fresh: Vec<Accumulator> = aggregates.iter().map(Accumulator::new).collect();
    let mut groups: HashMap<Row, Vec<Accumulator>> = HashMap::new();
    let mut order: Vec<Row> = Vec::new();
    // One key buffer for every row: a new group's key is copied once. A
    // key of one plain column is looked up in the row itself, uncopied.
    let mut key: Row = Vec::with_capacity(group_by.len());
    let single_column = match group_by {
        [Expr::Column(i)] => Some(*i),
        _ => None,
    };
    for row in input {
        let row = row?;
        let lookup: &[Value] = match single_column {
            Some(i) if i < row.len() => std::slice::from_ref(&row[i]),
            _ => {
                key.clear();
                for e in group_by {
                    key.push(eval(e, &row, ctx)?);
                }
                &key
            }
        };
        // Existing groups, the common case, take one hash lookup.
        if let Some(states) = groups.get_mut(lookup) {
            for (state, call) in states.iter_mut().zip(aggregates) {
                state.feed(call, &row, ctx)?;
            }
            continue;
        }
        let owned = lookup.to_vec();
        order.push(owned.clone());
        let states = groups.entry(owned).or_insert_with(|| fresh.clone());
        for (state, call) in states.iter_mut().zip(aggregates) {
            state.feed(call, &row, ctx)?;
        }
    }
    Ok(Groups {
        states: groups,
        order,
    })
}

/// The output rows: each group's key followed by its aggregates' values.
fn finish_groups(
    mut groups: Groups,
    group_by: &[Expr],
    aggregates: &[AggregateCall],
) -> Result<Vec<Row>> {
    if group_by.is_empty() && groups.order.is_empty() {
        groups.order.push(Vec::new());
        groups.states.insert(
            Vec::new(),
            aggregates.iter().map(Accumulator::new).collect(),
        );
    }
    let mut out = Vec::with_capacity(groups.order.len());
    for key in groups.order {
        let states = groups
            .states
            .remove(&key)
            .ok_or_else(|| Error::internal("a group without its accumulators"))?;
        let mut row = key;
        for state in &states {
            row.push(state.value()?);
        }
        out.push(row);
    }
    Ok(out)
}

/// Scans at least this long are aggregated in parallel.
const PARALLEL_MIN_ROWS: u64 = 100_000;

/// An aggregate over a whole-table (or key-range) scan, run on several
/// threads when the scan is long and every aggregate can be combined from
/// partial results (count, sum, avg, min, max without DISTINCT or ORDER
/// BY): each thread reads one slice of the key range and groups it; the
/// partial groups are then combined slice by slice, so groups keep the
/// order in which they first appear, as one thread would have them.
/// `None` when the plan does not qualify.
pub(super) fn parallel(
    nodes: &NodeStore,
    params: &[Value],
    times: crate::sql::functions::Times,
    source: &Plan,
    group_by: &[Expr],
    aggregates: &[AggregateCall],
) -> Result<Option<Vec<Row>>> {
    // A filter right above the scan runs in the threads too.
    let Some((scan, above)) = source.filtered_scan() else {
        return Ok(None);
    };
    let Plan::Scan {
        table,
        access,
        filter,
        with_key: false,
        columns,
    } = scan
    else {
        return Ok(None);
    };
    // Slices of one range of the primary index; other scans run on one thread.
    let [range] = access.ranges.as_slice() else {
        return Ok(None);
    };
    if access.index.is_some() {
        return Ok(None);
    }
    let combined_filter = match (filter, above) {
        (Some(a), Some(b)) => Some(Expr::and(a.clone(), b.clone())),
        (f, g) => f.clone().or_else(|| g.cloned()),
    };
    let filter = &combined_filter;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    let combinable = aggregates.iter().all(|a| {
        matches!(a.function.as_str(), "count" | "sum" | "avg" | "min" | "max")
            && !a.distinct
            && a.order_by.is_empty()
    });
    let exprs = group_by.iter().chain(filter).chain(
        aggregates
            .iter()
            .flat_map(|a| a.args.iter().chain(&a.filter)),
    );
    if threads < 2 || !combinable || !exprs.into_iter().all(parallel_safe) {
        return Ok(None);
    }
    let map = ProllyMap::load(nodes, table.rows)?;
    let first = match &range.0 {
        Bound::Unbounded => 0,
        Bound::Included(k) | Bound::Excluded(k) => map.rank(k)?,
    };
    let last = match &range.1 {
        Bound::Unbounded => map.len()?,
        Bound::Included(k) | Bound::Excluded(k) => map.rank(k)?,
    };
    if last.saturating_sub(first) < PARALLEL_MIN_ROWS {
        return Ok(None);
    }
    // Split points: keys at even ordinals between the range's ends.
    let mut bounds: Vec<Bound<Vec<u8>>> = vec![range.0.clone()];
    for k in 1..threads as u64 {
        let at = first + (last - first) * k / threads as u64;
        let Some((key, _)) = map.get_index(at)? else {
            return Ok(None);
        };
        bounds.push(Bound::Included(key));
    }
    let end = range.1.clone();
    let t = &table.table;
    let mask = columns.as_deref().map(|c| t.column_mask(c));
    let slices: Vec<KeyRange> = bounds
        .iter()
        .enumerate()
        .map(|(i, start)| {
            let stop = match bounds.get(i + 1) {
                Some(Bound::Included(k)) => Bound::Excluded(k.clone()),
                _ => end.clone(),
            };
            (start.clone(), stop)
        })
        .collect();
    let partials: Vec<Result<Groups>> = std::thread::scope(|scope| {
        let workers: Vec<_> = slices
            .iter()
            .map(|(start, stop)| {
                let (map, t, mask) = (&map, &t, &mask);
                scope.spawn(move || -> Result<Groups> {
                    let ctx = EvalContext {
                        outer: Vec::new(),
                        params,
                        runner: None,
                        sequences: None,
                        times,
                        settings: None,
                        interrupt: None,
                    };
                    let entries = map.range(as_ref_bound(start), as_ref_bound(stop))?;
                    let rows = entries.filter_map(|entry| {
                        let row = match entry {
                            Ok((k, v)) => t.decode_columns(&k, &v, mask.as_ref()),
                            Err(e) => return Some(Err(e.into())),
                        };
                        match (row, filter) {
                            (Ok(row), Some(f)) => {
                                match eval(f, &row, &ctx).and_then(|v| truth(&v)) {
                                    Ok(Some(true)) => Some(Ok(row)),
                                    Ok(_) => None,
                                    Err(e) => Some(Err(e)),
                                }
                            }
                            (row, _) => Some(row),
                        }
                    });
                    group(rows, group_by, aggregates, &ctx)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| {
                w.join()
                    .unwrap_or_else(|_| Err(Error::internal("an aggregation thread panicked")))
            })
            .collect()
    });
    let mut combined: Option<Groups> = None;
    for partial in partials {
        let partial = partial?;
        match &mut combined {
            None => combined = Some(partial),
            Some(all) => {
                let mut states = partial.states;
                for key in partial.order {
                    let Some(theirs) = states.remove(&key) else {
                        continue;
                    };
                    match all.states.get_mut(&key) {
                        Some(ours) => {
                            for (a, b) in ours.iter_mut().zip(theirs) {
                                a.combine(b)?;
                            }
                        }
                        None => {
                            all.order.push(key.clone());
                            all.states.insert(key, theirs);
                        }
                    }
                }
            }
        }
    }
    match combined {
        Some(groups) => finish_groups(groups, group_by, aggregates).map(Some),
        None => Ok(None),
    }
}

/// Whether an expression can be evaluated on another thread: no
/// subqueries, outer references or sequence functions.
fn parallel_safe(e: &Expr) -> bool {
    let mut safe = true;
    e.walk(&mut |x| {
        safe &= match x {
            Expr::Subquery(_) | Expr::Outer { .. } => false,
            Expr::Function(name, _) => {
                !matches!(name.as_str(), "nextval" | "currval" | "setval" | "lastval")
            }
            _ => true,
        };
    });
    safe
}
