//! Window functions: values computed for each row over its partition.
//!
//! The input is collected first. For each call, the rows are sorted by the
//! partition keys and then the call's ORDER BY (a stable sort, so peers keep
//! their input order), each partition is walked once, and the call's value is
//! appended to every row. Calls run one after the other, so the output comes
//! in the order of the last call, as in PostgreSQL.
//!
//! Within a partition, *peers* are rows whose ORDER BY values are equal (with
//! no ORDER BY, every row is a peer of every other). Ranking functions count
//! rows and peer groups; value and aggregate functions see the row's *frame*,
//! a run of the partition given by the frame clause (SQL's default: from the
//! partition's start to the current row's last peer). An aggregate whose
//! frame always starts at the partition's start is computed incrementally,
//! since frame ends only move forward; other frames are recomputed per row.

use std::cmp::Ordering;

use arbor_schema::Value;

use super::aggregate::Accumulator;
use super::{Row, compare_keys};
use crate::error::{Error, Result, SqlState};
use crate::sql::eval::{EvalContext, eval, type_name};
use crate::sql::planner::plan::{AggregateCall, FrameBound, FrameUnits, WindowCall};

/// The window functions that are not aggregates.
pub const WINDOW_FUNCTIONS: [&str; 11] = [
    "row_number",
    "rank",
    "dense_rank",
    "percent_rank",
    "cume_dist",
    "ntile",
    "lag",
    "lead",
    "first_value",
    "last_value",
    "nth_value",
];

/// A row with its partition and ORDER BY values for one call.
struct Keyed {
    partition: Vec<Value>,
    order: Vec<Value>,
    row: Row,
}

/// Appends one column per call to every row of `rows`.
pub(super) fn window(
    mut rows: Vec<Row>,
    calls: &[WindowCall],
    ctx: &EvalContext<'_>,
) -> Result<Vec<Row>> {
    for call in calls {
        let mut keyed: Vec<Keyed> = rows
            .into_iter()
            .map(|row| {
                let values = |exprs: &mut dyn Iterator<Item = &_>| {
                    exprs
                        .map(|e| eval(e, &row, ctx))
                        .collect::<Result<Vec<_>>>()
                };
                Ok(Keyed {
                    partition: values(&mut call.partition_by.iter())?,
                    order: values(&mut call.order_by.iter().map(|k| &k.expr))?,
                    row,
                })
            })
            .collect::<Result<_>>()?;
        keyed.sort_by(|a, b| {
            compare_values(&a.partition, &b.partition)
                .then_with(|| compare_keys(&a.order, &b.order, &call.order_by))
        });
        let mut start = 0;
        while start < keyed.len() {
            let mut end = start + 1;
            while end < keyed.len()
                && compare_values(&keyed[start].partition, &keyed[end].partition).is_eq()
            {
                end += 1;
            }
            let values = partition_values(call, &keyed[start..end], ctx)?;
            for (k, v) in keyed[start..end].iter_mut().zip(values) {
                k.row.push(v);
            }
            start = end;
        }
        rows = keyed.into_iter().map(|k| k.row).collect();
    }
    Ok(rows)
}

/// Orders partition keys: any total order works, as long as equal keys
/// (NULLs included) end up together.
fn compare_values(a: &[Value], b: &[Value]) -> Ordering {
    a.iter()
        .zip(b)
        .map(|(x, y)| x.total_cmp(y))
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
}

/// Peer groups of a sorted partition: for each row, the index of its group
/// and the bounds `[start, end)` of that group.
struct Peers {
    group_of: Vec<usize>,
    bounds: Vec<(usize, usize)>,
}

impl Peers {
    fn new(part: &[Keyed], call: &WindowCall) -> Peers {
        let mut group_of = Vec::with_capacity(part.len());
        let mut bounds: Vec<(usize, usize)> = Vec::new();
        for (i, k) in part.iter().enumerate() {
            let same = i > 0
                && compare_keys(&part[i - 1].order, &k.order, &call.order_by) == Ordering::Equal;
            if !same {
                if let Some(last) = bounds.last_mut() {
                    last.1 = i;
                }
                bounds.push((i, part.len()));
            }
            group_of.push(bounds.len() - 1);
        }
        Peers { group_of, bounds }
    }

    fn group(&self, row: usize) -> (usize, usize) {
        self.bounds[self.group_of[row]]
    }
}

fn bigint(n: usize) -> Value {
    Value::BigInt(i64::try_from(n).unwrap_or(i64::MAX))
}

/// The call's value for each row of one sorted partition.
fn partition_values(
    call: &WindowCall,
    part: &[Keyed],
    ctx: &EvalContext<'_>,
) -> Result<Vec<Value>> {
    let n = part.len();
    let peers = Peers::new(part, call);
    let arg = |k: usize, row: usize| -> Result<Value> {
        match call.args.get(k) {
            Some(e) => eval(e, &part[row].row, ctx),
            None => Ok(Value::Null),
        }
    };
    let mut out = Vec::with_capacity(n);
    match call.function.as_str() {
        "row_number" => out.extend((1..=n).map(bigint)),
        "rank" => out.extend((0..n).map(|i| bigint(peers.group(i).0 + 1))),
        "dense_rank" => out.extend((0..n).map(|i| bigint(peers.group_of[i] + 1))),
        "percent_rank" => out.extend((0..n).map(|i| {
            let rank = peers.group(i).0 as f64;
            Value::Double(if n > 1 { rank / (n - 1) as f64 } else { 0.0 })
        })),
        "cume_dist" => {
            out.extend((0..n).map(|i| Value::Double(peers.group(i).1 as f64 / n as f64)))
        }
        "ntile" => {
            for i in 0..n {
                let buckets = match arg(0, i)? {
                    Value::Null => {
                        out.push(Value::Null);
                        continue;
                    }
                    v => v.as_i64().filter(|b| *b > 0).ok_or_else(|| {
                        Error::new(
                            SqlState::InvalidArgumentForNtileFunction,
                            "argument of ntile must be greater than zero",
                        )
                    })?,
                };
                let buckets = usize::try_from(buckets).unwrap_or(usize::MAX).min(n);
                // The first `n % buckets` buckets hold one row more than the rest.
                let (size, extra) = (n / buckets, n % buckets);
                let big = extra * (size + 1);
                let bucket = if i < big {
                    i / (size + 1)
                } else {
                    extra + (i - big) / size
                };
                out.push(Value::Integer(
                    i32::try_from(bucket + 1).unwrap_or(i32::MAX),
                ));
            }
        }
        "lag" | "lead" => {
            for i in 0..n {
                let offset = if call.args.len() > 1 {
                    match arg(1, i)? {
                        Value::Null => {
                            out.push(Value::Null);
                            continue;
                        }
                        v => v.as_i64().ok_or_else(|| {
                            Error::new(
                                SqlState::DatatypeMismatch,
                                "the offset of lag and lead must be an integer",
                            )
                        })?,
                    }
                } else {
                    1
                };
                let offset = if call.function == "lag" {
                    -offset
                } else {
                    offset
                };
                let target = i64::try_from(i)
                    .ok()
                    .and_then(|i| i.checked_add(offset))
                    .and_then(|t| usize::try_from(t).ok())
                    .filter(|t| *t < n);
                out.push(match target {
                    Some(t) => arg(0, t)?,
                    None => arg(2, i)?,
                });
            }
        }
        "first_value" | "last_value" | "nth_value" => {
            for i in 0..n {
                let (start, end) = frame_bounds(call, i, n, &peers, part, ctx)?;
                let at = match call.function.as_str() {
                    "first_value" => (start < end).then_some(start),
                    "last_value" => (start < end).then(|| end - 1),
                    _ => {
                        let nth = arg(1, i)?.as_i64().filter(|k| *k > 0).ok_or_else(|| {
                            Error::new(
                                SqlState::InvalidArgumentForNthValueFunction,
                                "argument of nth_value must be greater than zero",
                            )
                        })?;
                        let nth = usize::try_from(nth).unwrap_or(usize::MAX);
                        start.checked_add(nth - 1).filter(|at| *at < end)
                    }
                };
                out.push(match at {
                    Some(at) => arg(0, at)?,
                    None => Value::Null,
                });
            }
        }
        _ => aggregate_values(call, part, &peers, ctx, &mut out)?,
    }
    Ok(out)
}

/// An aggregate over each row's frame.
fn aggregate_values(
    call: &WindowCall,
    part: &[Keyed],
    peers: &Peers,
    ctx: &EvalContext<'_>,
    out: &mut Vec<Value>,
) -> Result<()> {
    let n = part.len();
    let aggregate = AggregateCall {
        function: call.function.clone(),
        args: call.args.clone(),
        distinct: false,
        filter: call.filter.clone(),
        order_by: Vec::new(),
    };
    if call.frame.start == FrameBound::UnboundedPreceding {
        // Frames all start at the partition's start and their ends never move
        // back: feed each row once as the end passes it.
        let mut acc = Accumulator::new(&aggregate);
        let mut fed = 0;
        for i in 0..n {
            let (_, end) = frame_bounds(call, i, n, peers, part, ctx)?;
            while fed < end {
                acc.feed(&aggregate, &part[fed].row, ctx)?;
                fed += 1;
            }
            out.push(acc.value()?);
        }
        return Ok(());
    }
    for i in 0..n {
        let (start, end) = frame_bounds(call, i, n, peers, part, ctx)?;
        let mut acc = Accumulator::new(&aggregate);
        for k in part.iter().take(end).skip(start) {
            acc.feed(&aggregate, &k.row, ctx)?;
        }
        out.push(acc.value()?);
    }
    Ok(())
}

/// Where a `RANGE offset PRECEDING` or `FOLLOWING` bound of row `i`
/// falls: the first row whose key is at least the current key minus (or
/// plus) `by` in the order's direction, or, for the frame's end, the first
/// past it. The key is the single `ORDER BY` value; a number takes a
/// number, a date or timestamp an interval. `None` when the current key
/// is NULL (NULLs are peers only of each other).
fn range_place(
    call: &WindowCall,
    part: &[Keyed],
    i: usize,
    by: Value,
    preceding: bool,
    is_end: bool,
    which: &str,
) -> Result<Option<usize>> {
    let [key] = call.order_by.as_slice() else {
        return Err(Error::new(
            SqlState::WindowingError,
            "RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column",
        ));
    };
    let negative = match &by {
        Value::Null => {
            return Err(Error::new(
                SqlState::NullValueNotAllowed,
                format!("frame {which} offset must not be null"),
            ));
        }
        Value::Interval(span) => span.span() < 0,
        number => number.as_f64().map(|x| x < 0.0).ok_or_else(|| {
            Error::unsupported(format!("RANGE offsets of type {}", type_name(number)))
        })?,
    };
    if negative {
        return Err(Error::new(
            SqlState::InvalidPrecedingOrFollowingSize,
            "invalid preceding or following size in window function",
        ));
    }
    let current = &part[i].order[0];
    if current.is_null() {
        return Ok(None);
    }
    // Preceding in ascending order is smaller; descending flips it.
    let op = if preceding != key.descending {
        crate::sql::planner::expr::BinaryOp::Subtract
    } else {
        crate::sql::planner::expr::BinaryOp::Add
    };
    // The rows with keys form one sorted run; NULLs sit at one end.
    let keyed = |k: &Keyed| !k.order[0].is_null();
    let run_start = part.iter().position(keyed).unwrap_or(part.len());
    let run_end = run_start + part[run_start..].iter().take_while(|k| keyed(k)).count();
    let run = &part[run_start..run_end];
    // A bound past what the type holds is past every row.
    let target = match crate::sql::eval::binary_ref(op, current, &by) {
        Ok(t) => t,
        Err(_) => {
            return Ok(Some(if preceding { run_start } else { run_end }));
        }
    };
    // Whether a key lies before the target in the order's direction.
    let before = |k: &Keyed| {
        let o = k.order[0].total_cmp(&target);
        let o = if key.descending { o.reverse() } else { o };
        if is_end { o.is_le() } else { o.is_lt() }
    };
    Ok(Some(run_start + run.partition_point(before)))
}

/// The frame of row `i` as a range `[start, end)` of the partition.
fn frame_bounds(
    call: &WindowCall,
    i: usize,
    n: usize,
    peers: &Peers,
    part: &[Keyed],
    ctx: &EvalContext<'_>,
) -> Result<(usize, usize)> {
    let frame = &call.frame;
    let offset = |e: &crate::sql::planner::expr::Expr, which: &str| -> Result<usize> {
        match eval(e, &part[i].row, ctx)? {
            Value::Null => Err(Error::new(
                SqlState::NullValueNotAllowed,
                format!("frame {which} offset must not be null"),
            )),
            v => match v.as_i64() {
                Some(k) if k >= 0 => Ok(usize::try_from(k).unwrap_or(usize::MAX)),
                Some(_) => Err(Error::new(
                    SqlState::InvalidPrecedingOrFollowingSize,
                    format!("frame {which} offset must not be negative"),
                )),
                None => Err(Error::unsupported(
                    "a frame offset that is not an integer (RANGE with an offset)",
                )),
            },
        }
    };
    let (group, (group_start, group_end)) = (peers.group_of[i], peers.group(i));
    let groups = peers.bounds.len();
    // Where a bound falls, as an index into the partition; `is_end` asks for
    // the exclusive end of the frame rather than its first row.
    let place = |bound: &FrameBound, is_end: bool| -> Result<usize> {
        let which = if is_end { "ending" } else { "starting" };
        Ok(match (bound, frame.units) {
            (FrameBound::UnboundedPreceding, _) => 0,
            (FrameBound::UnboundedFollowing, _) => n,
            (FrameBound::CurrentRow, FrameUnits::Rows) => i + usize::from(is_end),
            (FrameBound::CurrentRow, _) => {
                if is_end {
                    group_end
                } else {
                    group_start
                }
            }
            (FrameBound::Preceding(e), FrameUnits::Rows) => {
                (i + usize::from(is_end)).saturating_sub(offset(e, which)?)
            }
            (FrameBound::Following(e), FrameUnits::Rows) => i
                .saturating_add(offset(e, which)?)
                .saturating_add(usize::from(is_end))
                .min(n),
            (FrameBound::Preceding(e), FrameUnits::Groups) => {
                match group.checked_sub(offset(e, which)?) {
                    Some(g) if is_end => peers.bounds[g].1,
                    Some(g) => peers.bounds[g].0,
                    None => 0,
                }
            }
            (FrameBound::Following(e), FrameUnits::Groups) => {
                let g = group.saturating_add(offset(e, which)?);
                match (g < groups, is_end) {
                    (true, true) => peers.bounds[g].1,
                    (true, false) => peers.bounds[g].0,
                    (false, _) => n,
                }
            }
            (FrameBound::Preceding(e) | FrameBound::Following(e), FrameUnits::Range) => {
                let preceding = matches!(bound, FrameBound::Preceding(_));
                let by = eval(e, &part[i].row, ctx)?;
                match range_place(call, part, i, by, preceding, is_end, which)? {
                    Some(at) => at,
                    // The current row's key is NULL: its frame is its peers.
                    None if is_end => group_end,
                    None => group_start,
                }
            }
        })
    };
    let start = place(&frame.start, false)?;
    let end = place(&frame.end, true)?;
    Ok((start, end.max(start)))
}
