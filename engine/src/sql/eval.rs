//! Evaluating bound expressions against a row.
//!
//! Operators follow PostgreSQL: integer arithmetic is checked (overflow is
//! an error, not a wrap), integer division truncates toward zero, division by
//! zero is an error, mixing an integer with a float gives a float and with a
//! numeric gives a numeric, and NULL in gives NULL out, except for AND/OR,
//! which are three-valued.

use std::borrow::Cow;
use std::cmp::Ordering;

use arbor_schema::{DataType, Value};
use rust_decimal::Decimal;

use super::planner::expr::{BinaryOp, Expr, Subquery, SubqueryKind, UnaryOp};
use crate::error::{Error, Result, SqlState};

/// Runs subqueries for the evaluator (the executor implements it).
pub trait SubqueryRunner {
    /// The rows of `subquery` with `row` as the innermost enclosing row.
    fn rows(&self, subquery: &Subquery, row: &[Value]) -> Result<std::rc::Rc<Vec<Vec<Value>>>>;
}

/// What an expression can see besides its own row.
#[derive(Default)]
pub struct EvalContext<'a> {
    /// Rows of enclosing queries, innermost last.
    pub outer: Vec<&'a [Value]>,
    /// Values of `$1`, `$2`, ...
    pub params: &'a [Value],
    /// Runs subqueries; without one, a subquery is an error.
    pub runner: Option<&'a dyn SubqueryRunner>,
    /// The statement's sequences, for `nextval` and friends.
    pub sequences: Option<&'a crate::table::sequences::Sequences>,
    /// The times `now()`, `statement_timestamp()` and `clock_timestamp()` give.
    pub times: super::functions::Times,
    /// The session's settings, for `current_setting(name)` and
    /// `set_config(name, value, local)`.
    pub settings: Option<&'a std::cell::RefCell<super::settings::Settings>>,
    /// The statement's cancel, which `pg_sleep` watches while it waits.
    pub interrupt: Option<&'a super::execution::Interrupt>,
}

impl std::fmt::Debug for EvalContext<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EvalContext")
            .field("outer", &self.outer.len())
            .field("params", &self.params)
            .finish()
    }
}

/// Evaluates `expr` over `row`.
pub fn eval(expr: &Expr, row: &[Value], ctx: &EvalContext<'_>) -> Result<Value> {
    Ok(match expr {
        Expr::Literal(v) => v.clone(),
        Expr::Column(i) => row
            .get(*i)
            .cloned()
            .ok_or_else(|| Error::internal("column index out of range"))?,
        Expr::Outer { depth, index } => {
            let outer = ctx
                .outer
                .len()
                .checked_sub(*depth)
                .and_then(|i| ctx.outer.get(i));
            outer
                .and_then(|r| r.get(*index))
                .cloned()
                .ok_or_else(|| Error::internal("outer reference out of range"))?
        }
        Expr::Parameter(n) => ctx.params.get(n.wrapping_sub(1)).cloned().ok_or_else(|| {
            Error::new(
                SqlState::ProtocolViolation,
                format!("there is no parameter ${n}"),
            )
        })?,
        Expr::Unary(op, e) => unary(*op, eval(e, row, ctx)?)?,
        Expr::Binary(BinaryOp::And, l, r) => {
            let left = truth(&eval(l, row, ctx)?)?;
            if left == Some(false) {
                return Ok(Value::Boolean(false));
            }
            match (left, truth(&eval(r, row, ctx)?)?) {
                (_, Some(false)) => Value::Boolean(false),
                (Some(true), Some(true)) => Value::Boolean(true),
                _ => Value::Null,
            }
        }
        Expr::Binary(BinaryOp::Or, l, r) => {
            let left = truth(&eval(l, row, ctx)?)?;
            if left == Some(true) {
                return Ok(Value::Boolean(true));
            }
            match (left, truth(&eval(r, row, ctx)?)?) {
                (_, Some(true)) => Value::Boolean(true),
                (Some(false), Some(false)) => Value::Boolean(false),
                _ => Value::Null,
            }
        }
        Expr::Binary(op, l, r) => {
            let (a, b) = (operand(l, row, ctx)?, operand(r, row, ctx)?);
            binary_ref(*op, &a, &b)?
        }
        Expr::IsNull(e, negated) => Value::Boolean(eval(e, row, ctx)?.is_null() != *negated),
        Expr::IsDistinctFrom(l, r, negated) => {
            let (a, b) = (eval(l, row, ctx)?, eval(r, row, ctx)?);
            let distinct = match (a.is_null(), b.is_null()) {
                (true, true) => false,
                (true, false) | (false, true) => true,
                (false, false) => compare(&a, &b)? != Ordering::Equal,
            };
            Value::Boolean(distinct != *negated)
        }
        Expr::InList {
            expr,
            list,
            negated,
            set,
        } => {
            let v = eval(expr, row, ctx)?;
            match set.as_ref().and_then(|s| s.contains(&v)) {
                Some(Value::Boolean(found)) => Value::Boolean(found != *negated),
                Some(other) => other,
                None => in_candidates(&v, list.iter().map(|item| eval(item, row, ctx)), *negated)?,
            }
        }
        Expr::Between {
            expr,
            low,
            high,
            negated,
        } => {
            let v = eval(expr, row, ctx)?;
            let lo = binary(BinaryOp::GtEq, v.clone(), eval(low, row, ctx)?)?;
            let hi = binary(BinaryOp::LtEq, v, eval(high, row, ctx)?)?;
            let both = match (truth(&lo)?, truth(&hi)?) {
                (Some(false), _) | (_, Some(false)) => Some(false),
                (Some(true), Some(true)) => Some(true),
                _ => None,
            };
            match both {
                Some(b) => Value::Boolean(b != *negated),
                None => Value::Null,
            }
        }
        Expr::Like {
            expr,
            pattern,
            negated,
            case_insensitive,
        } => {
            let (v, p) = (eval(expr, row, ctx)?, eval(pattern, row, ctx)?);
            match (v, p) {
                (Value::Text(s), Value::Text(p)) => {
                    let m = if *case_insensitive {
                        like(&s.to_lowercase(), &p.to_lowercase())
                    } else {
                        like(&s, &p)
                    };
                    Value::Boolean(m != *negated)
                }
                (Value::Null, _) | (_, Value::Null) => Value::Null,
                _ => {
                    return Err(Error::new(
                        SqlState::UndefinedFunction,
                        "operator does not exist: LIKE on non-text values",
                    ));
                }
            }
        }
        Expr::Case {
            operand,
            branches,
            otherwise,
        } => {
            let subject = operand.as_ref().map(|o| eval(o, row, ctx)).transpose()?;
            for (when, then) in branches {
                let w = eval(when, row, ctx)?;
                let hit = match &subject {
                    Some(s) => !s.is_null() && !w.is_null() && compare(s, &w)? == Ordering::Equal,
                    None => truth(&w)? == Some(true),
                };
                if hit {
                    return eval(then, row, ctx);
                }
            }
            match otherwise {
                Some(e) => eval(e, row, ctx)?,
                None => Value::Null,
            }
        }
        Expr::Cast(e, t) => cast(eval(e, row, ctx)?, t)?,
        Expr::Function(name, args) => {
            let values = args
                .iter()
                .map(|a| eval(a, row, ctx))
                .collect::<Result<Vec<_>>>()?;
            if name == "current_setting" {
                return current_setting(&values, ctx);
            }
            if name == "set_config" {
                return set_config(&values, ctx);
            }
            if name == "pg_sleep" {
                return pg_sleep(&values, ctx);
            }
            if crate::table::sequences::FUNCTIONS.contains(&name.as_str()) {
                let sequences = ctx.sequences.ok_or_else(|| {
                    Error::new(
                        SqlState::FeatureNotSupported,
                        format!("{name} cannot be used here"),
                    )
                })?;
                return sequences.call(name, &values);
            }
            super::functions::call(name, values, &ctx.times)?
        }
        Expr::ArrayQuantified {
            expr,
            op,
            all,
            array,
        } => {
            let v = eval(expr, row, ctx)?;
            let elements = match eval(array, row, ctx)? {
                Value::Null => return Ok(Value::Null),
                Value::Array(items) => items,
                // An untyped '{...}' literal, read as an array of the left side's type.
                Value::Text(text) => {
                    let element = v.data_type().unwrap_or(DataType::Text);
                    arbor_schema::array::parse_array(&text, &element)
                        .map_err(crate::table::value_error)?
                }
                other => {
                    return Err(Error::new(
                        SqlState::DatatypeMismatch,
                        format!(
                            "op ANY/ALL (array) requires array on right side, not {}",
                            type_name(&other)
                        ),
                    ));
                }
            };
            quantified(*op, *all, &v, elements)?
        }
        Expr::Subquery(sub) => {
            let runner = ctx
                .runner
                .ok_or_else(|| Error::unsupported("a subquery in this position"))?;
            subquery(sub, row, ctx, runner)?
        }
        Expr::Aggregate(_) => return Err(Error::internal("an aggregate outside a grouped query")),
        Expr::Window(_) => return Err(Error::internal("a window function outside a SELECT list")),
    })
}

/// `current_setting(name [, missing_ok])`: a setting's value as `SHOW`
/// gives it; with `missing_ok`, NULL for a name Arbor does not know.
fn current_setting(args: &[Value], ctx: &EvalContext<'_>) -> Result<Value> {
    let (name, missing_ok) = match args {
        [name] => (name, false),
        [name, Value::Boolean(ok)] => (name, *ok),
        [_, Value::Null] => return Ok(Value::Null),
        _ => return Err(super::functions::wrong_args("current_setting", args.len())),
    };
    if name.is_null() {
        return Ok(Value::Null);
    }
    let shown = match ctx.settings {
        Some(settings) => settings.borrow().show(&super::functions::text_arg(name)),
        None => super::settings::Settings::default().show(&super::functions::text_arg(name)),
    };
    match shown {
        Ok((_, value)) => Ok(Value::Text(value)),
        Err(_) if missing_ok => Ok(Value::Null),
        Err(e) => Err(e),
    }
}

/// `set_config(name, value, is_local)`: `SET name TO value` as a
/// function, which returns the value. A local setting lasts as long as a
/// session one here (Arbor keeps no per-transaction settings).
fn set_config(args: &[Value], ctx: &EvalContext<'_>) -> Result<Value> {
    let [name, value, _is_local] = args else {
        return Err(super::functions::wrong_args("set_config", args.len()));
    };
    if name.is_null() {
        return Err(Error::new(
            SqlState::NullValueNotAllowed,
            "SET requires parameter name",
        ));
    }
    let settings = ctx
        .settings
        .ok_or_else(|| Error::unsupported("set_config in this expression"))?;
    let name = super::functions::text_arg(name);
    let value = (!value.is_null()).then(|| super::functions::text_arg(value));
    let mut settings = settings.borrow_mut();
    settings.set(&name, value)?;
    Ok(Value::Text(settings.show(&name)?.1))
}

/// `v [NOT] IN (candidates)` with SQL's NULL rules: true on a match; else
/// NULL if `v` or any candidate is NULL (and there are candidates); else false.
fn in_candidates(
    v: &Value,
    candidates: impl IntoIterator<Item = Result<Value>>,
    negated: bool,
) -> Result<Value> {
    let mut saw_null = false;
    let mut any = false;
    for candidate in candidates {
        let candidate = candidate?;
        any = true;
        if candidate.is_null() || v.is_null() {
            saw_null = true;
        } else if compare(v, &candidate)? == Ordering::Equal {
            return Ok(Value::Boolean(!negated));
        }
    }
    Ok(if saw_null && any {
        Value::Null
    } else {
        Value::Boolean(negated)
    })
}

fn subquery(
    sub: &Subquery,
    row: &[Value],
    ctx: &EvalContext<'_>,
    runner: &dyn SubqueryRunner,
) -> Result<Value> {
    let rows = runner.rows(sub, row)?;
    Ok(match &sub.kind {
        SubqueryKind::Exists => Value::Boolean(!rows.is_empty()),
        SubqueryKind::Scalar => match rows.len() {
            0 => Value::Null,
            1 => rows[0].first().cloned().unwrap_or(Value::Null),
            _ => {
                return Err(Error::new(
                    SqlState::CardinalityViolation,
                    "more than one row returned by a subquery used as an expression",
                ));
            }
        },
        SubqueryKind::In(expr, negated) => {
            let v = eval(expr, row, ctx)?;
            let candidates = rows
                .iter()
                .map(|r| Ok(r.first().cloned().unwrap_or(Value::Null)));
            in_candidates(&v, candidates, *negated)?
        }
        SubqueryKind::Array => Value::Array(
            rows.iter()
                .map(|r| r.first().cloned().unwrap_or(Value::Null))
                .collect(),
        ),
        SubqueryKind::Rows { nulls_if_none } => match nulls_if_none {
            Some(width) if rows.is_empty() => {
                Value::Array(vec![Value::Array(vec![Value::Null; *width])])
            }
            _ => Value::Array(rows.iter().map(|r| Value::Array(r.clone())).collect()),
        },
        SubqueryKind::Quantified { expr, op, all } => {
            let v = eval(expr, row, ctx)?;
            let candidates = rows
                .iter()
                .map(|r| r.first().cloned().unwrap_or(Value::Null));
            quantified(*op, *all, &v, candidates)?
        }
    })
}

/// `v op ANY (candidates)` (`all` false) or `v op ALL (candidates)` with
/// SQL's NULL rules: ANY is true on a true comparison, ALL false on a
/// false one; otherwise NULL if any comparison was NULL.
fn quantified(
    op: BinaryOp,
    all: bool,
    v: &Value,
    candidates: impl IntoIterator<Item = Value>,
) -> Result<Value> {
    let mut saw_null = false;
    for candidate in candidates {
        match truth(&binary_ref(op, v, &candidate)?)? {
            Some(true) if !all => return Ok(Value::Boolean(true)),
            Some(false) if all => return Ok(Value::Boolean(false)),
            None => saw_null = true,
            _ => {}
        }
    }
    Ok(if saw_null {
        Value::Null
    } else {
        Value::Boolean(all)
    })
}

/// `pg_sleep(seconds)`: waits that long (NULL or less than nothing: not
/// at all), in slices short enough that a cancel stops it within 10 ms.
/// Its result is PostgreSQL's `void`, an empty value that is not NULL
/// (NULL for a NULL argument).
fn pg_sleep(values: &[Value], ctx: &EvalContext<'_>) -> Result<Value> {
    let seconds = match values {
        [v] if v.is_null() => return Ok(Value::Null),
        [v] => v
            .as_f64()
            .ok_or_else(|| super::functions::wrong_args("pg_sleep", 1))?,
        _ => return Err(super::functions::wrong_args("pg_sleep", values.len())),
    };
    let wait = std::time::Duration::try_from_secs_f64(seconds.max(0.0))
        .unwrap_or(std::time::Duration::MAX);
    let start = std::time::Instant::now();
    loop {
        if let Some(interrupt) = ctx.interrupt {
            interrupt.check()?;
        }
        let waited = start.elapsed();
        if waited >= wait {
            return Ok(Value::Text(String::new()));
        }
        std::thread::sleep((wait - waited).min(std::time::Duration::from_millis(10)));
    }
}

/// The truth value of a boolean (or NULL) value.
pub fn truth(v: &Value) -> Result<Option<bool>> {
    match v {
        Value::Boolean(b) => Ok(Some(*b)),
        Value::Null => Ok(None),
        other => Err(Error::new(
            SqlState::DatatypeMismatch,
            format!(
                "argument of a condition must be type boolean, not type {}",
                type_name(other)
            ),
        )),
    }
}

/// The name of a value's type for a message (`unknown` for NULL).
pub(crate) fn type_name(v: &Value) -> String {
    v.data_type()
        .map_or_else(|| "unknown".into(), |t| t.to_string())
}

/// Compares two non-NULL values, or fails if their types do not compare.
pub fn compare(a: &Value, b: &Value) -> Result<Ordering> {
    a.sql_cmp(b).ok_or_else(|| {
        Error::new(
            SqlState::UndefinedFunction,
            format!("operator does not exist: {} = {}", type_name(a), type_name(b)),
        )
        .with_hint("No operator matches the given name and argument types. You might need to add explicit type casts.")
    })
}

fn unary(op: UnaryOp, v: Value) -> Result<Value> {
    Ok(match (op, v) {
        (_, Value::Null) => Value::Null,
        (UnaryOp::Plus, v) => v,
        (UnaryOp::Not, v) => match truth(&v)? {
            Some(b) => Value::Boolean(!b),
            None => Value::Null,
        },
        (UnaryOp::Negate, Value::SmallInt(i)) => {
            Value::SmallInt(i.checked_neg().ok_or_else(|| out_of_range("smallint"))?)
        }
        (UnaryOp::Negate, Value::Integer(i)) => {
            Value::Integer(i.checked_neg().ok_or_else(|| out_of_range("integer"))?)
        }
        (UnaryOp::Negate, Value::BigInt(i)) => {
            Value::BigInt(i.checked_neg().ok_or_else(|| out_of_range("bigint"))?)
        }
        (UnaryOp::Negate, Value::Real(f)) => Value::Real(-f),
        (UnaryOp::Negate, Value::Double(f)) => Value::Double(-f),
        (UnaryOp::Negate, Value::Numeric(d)) => Value::Numeric(-d),
        (UnaryOp::Negate, Value::Interval(i)) => Value::Interval(i.negate()?),
        (UnaryOp::BitNot, Value::SmallInt(i)) => Value::SmallInt(!i),
        (UnaryOp::BitNot, Value::Integer(i)) => Value::Integer(!i),
        (UnaryOp::BitNot, Value::BigInt(i)) => Value::BigInt(!i),
        (op, v) => {
            return Err(Error::new(
                SqlState::UndefinedFunction,
                format!("operator does not exist: {op:?} {}", type_name(&v)),
            ));
        }
    })
}

fn out_of_range(t: &str) -> Error {
    Error::new(
        SqlState::NumericValueOutOfRange,
        format!("{t} out of range"),
    )
}

fn division_by_zero() -> Error {
    Error::new(SqlState::DivisionByZero, "division by zero")
}

/// Numeric operands brought to a common type, PostgreSQL's way.
enum Pair {
    Int(i64, i64, &'static str),
    Float(f64, f64, bool),
    Numeric(Decimal, Decimal),
}

fn numeric_pair(a: &Value, b: &Value) -> Option<Pair> {
    let int_width = |v: &Value| match v {
        Value::SmallInt(_) => Some(0),
        Value::Integer(_) => Some(1),
        Value::BigInt(_) => Some(2),
        _ => None,
    };
    if let (Some(wa), Some(wb)) = (int_width(a), int_width(b)) {
        let name = ["smallint", "integer", "bigint"][wa.max(wb)];
        return Some(Pair::Int(a.as_i64()?, b.as_i64()?, name));
    }
    let is_float = |v: &Value| matches!(v, Value::Real(_) | Value::Double(_));
    if is_float(a) || is_float(b) {
        let single = matches!((a, b), (Value::Real(_), Value::Real(_)));
        return Some(Pair::Float(a.as_f64()?, b.as_f64()?, single));
    }
    let dec = |v: &Value| match v {
        Value::Numeric(d) => Some(*d),
        other => other.as_i64().map(Decimal::from),
    };
    Some(Pair::Numeric(dec(a)?, dec(b)?))
}

fn int_result(v: i64, name: &'static str) -> Result<Value> {
    Ok(match name {
        "smallint" => Value::SmallInt(i16::try_from(v).map_err(|_| out_of_range(name))?),
        "integer" => Value::Integer(i32::try_from(v).map_err(|_| out_of_range(name))?),
        _ => Value::BigInt(v),
    })
}

/// `x << y` or `x >> y` as PostgreSQL computes them: in the operand's
/// width, bits shifted out are lost (no overflow error), the shift count
/// taken modulo 32 for smallint and integer (C's shift of a promoted
/// int), 64 for bigint; `>>` keeps the sign.
fn shift(op: BinaryOp, x: i64, y: i64, name: &str) -> i64 {
    // Truncating the count is the point: only its low bits count.
    let count = y as u32;
    let left = op == BinaryOp::ShiftLeft;
    match name {
        "smallint" | "integer" => {
            let v = x as i32;
            let shifted = if left {
                v.wrapping_shl(count)
            } else {
                v.wrapping_shr(count)
            };
            if name == "smallint" {
                i64::from(shifted as i16)
            } else {
                i64::from(shifted)
            }
        }
        _ if left => x.wrapping_shl(count),
        _ => x.wrapping_shr(count),
    }
}

fn arithmetic(op: BinaryOp, a: &Value, b: &Value) -> Result<Option<Value>> {
    let Some(pair) = numeric_pair(a, b) else {
        return Ok(None);
    };
    // `^` is double precision's alone here (PostgreSQL also has an exact
    // numeric one; see docs/compat.md).
    if op == BinaryOp::Power
        && let (Some(x), Some(y)) = (a.as_f64(), b.as_f64())
    {
        let r = super::functions::power(x, y)?;
        if r.is_infinite() && x.is_finite() && y.is_finite() {
            return Err(Error::new(
                SqlState::NumericValueOutOfRange,
                "value out of range: overflow",
            ));
        }
        return Ok(Some(Value::Double(r)));
    }
    let v = match pair {
        Pair::Int(x, y, name) => {
            let r = match op {
                BinaryOp::Add => x.checked_add(y),
                BinaryOp::Subtract => x.checked_sub(y),
                BinaryOp::Multiply => x.checked_mul(y),
                BinaryOp::Divide => {
                    if y == 0 {
                        return Err(division_by_zero());
                    }
                    x.checked_div(y)
                }
                BinaryOp::Modulo => {
                    if y == 0 {
                        return Err(division_by_zero());
                    }
                    Some(x.checked_rem(y).unwrap_or(0))
                }
                BinaryOp::BitAnd => Some(x & y),
                BinaryOp::BitOr => Some(x | y),
                BinaryOp::BitXor => Some(x ^ y),
                BinaryOp::ShiftLeft | BinaryOp::ShiftRight => Some(shift(op, x, y, name)),
                _ => return Ok(None),
            };
            int_result(r.ok_or_else(|| out_of_range(name))?, name)?
        }
        Pair::Float(x, y, single) => {
            let r = match op {
                BinaryOp::Add => x + y,
                BinaryOp::Subtract => x - y,
                BinaryOp::Multiply => x * y,
                BinaryOp::Divide => {
                    if y == 0.0 {
                        return Err(division_by_zero());
                    }
                    x / y
                }
                BinaryOp::Modulo => return Ok(None),
                BinaryOp::Power => x.powf(y),
                _ => return Ok(None),
            };
            if r.is_infinite() && x.is_finite() && y.is_finite() {
                return Err(Error::new(
                    SqlState::NumericValueOutOfRange,
                    "value out of range: overflow",
                ));
            }
            if single {
                Value::Real(r as f32)
            } else {
                Value::Double(r)
            }
        }
        Pair::Numeric(x, y) => {
            use super::functions::{NumericOp, numeric_arithmetic};
            let r = match op {
                BinaryOp::Add => numeric_arithmetic(NumericOp::Add, x, y),
                BinaryOp::Subtract => numeric_arithmetic(NumericOp::Subtract, x, y),
                BinaryOp::Multiply => numeric_arithmetic(NumericOp::Multiply, x, y),
                BinaryOp::Divide => {
                    if y.is_zero() {
                        return Err(division_by_zero());
                    }
                    super::functions::divide_numeric(x, y)
                }
                BinaryOp::Modulo => {
                    if y.is_zero() {
                        return Err(division_by_zero());
                    }
                    super::functions::remainder_numeric(x, y)
                }
                _ => return Ok(None),
            };
            Value::Numeric(r.ok_or_else(|| {
                Error::new(SqlState::NumericValueOutOfRange, "numeric field overflow")
            })?)
        }
    };
    Ok(Some(v))
}

/// Applies a binary operator (not AND/OR) to two values.
pub fn binary(op: BinaryOp, a: Value, b: Value) -> Result<Value> {
    binary_ref(op, &a, &b)
}

/// An operand of a binary operator: a column or a literal by reference
/// (a jsonb document is not copied for each `->>`), anything else evaluated.
fn operand<'a>(expr: &'a Expr, row: &'a [Value], ctx: &EvalContext<'_>) -> Result<Cow<'a, Value>> {
    match expr {
        Expr::Column(i) => row
            .get(*i)
            .map(Cow::Borrowed)
            .ok_or_else(|| Error::internal("column index out of range")),
        Expr::Literal(v) => Ok(Cow::Borrowed(v)),
        other => eval(other, row, ctx).map(Cow::Owned),
    }
}

/// [`binary`] over borrowed operands.
pub fn binary_ref(op: BinaryOp, a: &Value, b: &Value) -> Result<Value> {
    if a.is_null() || b.is_null() {
        return Ok(Value::Null);
    }
    if op.is_comparison() {
        let o = compare(a, b)?;
        let result = match op {
            BinaryOp::Eq => o == Ordering::Equal,
            BinaryOp::NotEq => o != Ordering::Equal,
            BinaryOp::Lt => o == Ordering::Less,
            BinaryOp::LtEq => o != Ordering::Greater,
            BinaryOp::Gt => o == Ordering::Greater,
            _ => o != Ordering::Less,
        };
        return Ok(Value::Boolean(result));
    }
    if let Value::Json(doc) = a
        && let Some(v) = super::functions::json::operator(op, doc, b)?
    {
        return Ok(v);
    }
    if let Some(v) = json_operator(op, a, b)? {
        return Ok(v);
    }
    match (op, a, b) {
        (BinaryOp::Subscript, Value::Array(items), index) => {
            let element = index
                .as_i64()
                .and_then(|i| usize::try_from(i).ok()?.checked_sub(1))
                .and_then(|i| items.get(i));
            return Ok(element.cloned().unwrap_or(Value::Null));
        }
        // PostgreSQL's `name` (text here) reads as its characters from 0.
        (BinaryOp::Subscript, Value::Text(text), index) => {
            let character = index
                .as_i64()
                .and_then(|i| usize::try_from(i).ok())
                .and_then(|i| text.chars().nth(i));
            return Ok(character.map_or(Value::Null, |c| Value::Text(c.to_string())));
        }
        (
            BinaryOp::Regex {
                case_insensitive,
                negated,
            },
            Value::Text(text),
            Value::Text(pattern),
        ) => {
            let matched =
                super::functions::strings::regex_matches(text, pattern, case_insensitive)?;
            return Ok(Value::Boolean(matched != negated));
        }
        // Arrays as sets: containment and overlap compare elements by
        // equality, and a NULL element equals nothing.
        (
            BinaryOp::Contains | BinaryOp::ContainedBy | BinaryOp::Overlap,
            Value::Array(x),
            Value::Array(y),
        ) => {
            let holds = |set: &[Value], v: &Value| !v.is_null() && set.iter().any(|e| e == v);
            return Ok(Value::Boolean(match op {
                BinaryOp::Contains => y.iter().all(|v| holds(x, v)),
                BinaryOp::ContainedBy => x.iter().all(|v| holds(y, v)),
                _ => x.iter().any(|v| holds(y, v)),
            }));
        }
        (BinaryOp::Concat, Value::Array(x), Value::Array(y)) => {
            return Ok(Value::Array(x.iter().chain(y).cloned().collect()));
        }
        (BinaryOp::Concat, Value::Array(x), element) => {
            return Ok(Value::Array(x.iter().chain([element]).cloned().collect()));
        }
        (BinaryOp::Concat, element, Value::Array(y)) => {
            return Ok(Value::Array(
                [element].into_iter().chain(y).cloned().collect(),
            ));
        }
        _ => {}
    }
    if let Some(v) = super::functions::datetime::arithmetic(op, a, b)? {
        return Ok(v);
    }
    if op == BinaryOp::Concat {
        if let (Value::Text(x), Value::Text(y)) = (a, b) {
            super::functions::check_value_size(x.len() + y.len())?;
            return Ok(Value::Text(format!("{x}{y}")));
        }
        if matches!(a, Value::Text(_)) || matches!(b, Value::Text(_)) {
            return Ok(Value::Text(format!("{a}{b}")));
        }
    }
    if let Some(v) = arithmetic(op, a, b)? {
        return Ok(v);
    }
    Err(Error::new(
        SqlState::UndefinedFunction,
        format!("operator does not exist: {} {} {}", type_name(a), op.symbol(), type_name(b)),
    )
    .with_hint("No operator matches the given name and argument types. You might need to add explicit type casts."))
}

/// The jsonb operators; `None` if `op` is not one or neither operand is
/// jsonb. A text operand where jsonb is expected is parsed, as PostgreSQL
/// reads an untyped literal; `text[]` operands are given in their text form.
fn json_operator(op: BinaryOp, a: &Value, b: &Value) -> Result<Option<Value>> {
    use super::functions::jsonb::{error, jsonb_arg, text_array};
    use arbor_jsonb::ops;
    let parsed;
    let doc = match (a, b) {
        (Value::Jsonb(d), _) => d,
        (Value::Text(_), Value::Jsonb(_))
            if matches!(
                op,
                BinaryOp::Contains | BinaryOp::ContainedBy | BinaryOp::Concat
            ) =>
        {
            parsed = jsonb_arg(a)?;
            &parsed
        }
        _ => return Ok(None),
    };
    let as_text = |j: Option<arbor_jsonb::Jsonb>| {
        j.and_then(|j| j.as_text()).map_or(Value::Null, Value::Text)
    };
    let no_operator = |symbol: &str| {
        Error::new(
            SqlState::UndefinedFunction,
            format!("operator does not exist: jsonb {symbol} {}", type_name(b)),
        )
        .with_hint("No operator matches the given name and argument types. You might need to add explicit type casts.")
    };
    let get = |b: &Value| match b {
        Value::Text(k) => Ok(doc.get_field(k)),
        other => match other.as_i64() {
            Some(i) => Ok(doc.get_element(i)),
            None => Err(no_operator(op.symbol())),
        },
    };
    let steps = |b: &Value| -> Result<Vec<String>> {
        match b {
            Value::Text(_) | Value::Array(_) => text_array(b),
            _ => Err(no_operator(op.symbol())),
        }
    };
    let path = |b: &Value| -> Result<Option<arbor_jsonb::Jsonb>> {
        let steps = steps(b)?;
        Ok(doc.get_path(&steps.iter().map(String::as_str).collect::<Vec<_>>()))
    };
    Ok(Some(match op {
        BinaryOp::JsonGet => get(b)?.map_or(Value::Null, Value::Jsonb),
        BinaryOp::JsonGetText => as_text(get(b)?),
        BinaryOp::JsonPath => path(b)?.map_or(Value::Null, Value::Jsonb),
        BinaryOp::JsonPathText => as_text(path(b)?),
        BinaryOp::JsonHasKey => match b {
            Value::Text(k) => Value::Boolean(doc.has_key(k)),
            _ => return Err(no_operator("?")),
        },
        BinaryOp::JsonHasAnyKey | BinaryOp::JsonHasAllKeys => {
            let keys = steps(b)?;
            let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
            Value::Boolean(if op == BinaryOp::JsonHasAnyKey {
                ops::exists_any(doc, &keys)
            } else {
                ops::exists_all(doc, &keys)
            })
        }
        BinaryOp::Contains => Value::Boolean(doc.contains(&jsonb_arg(b)?)),
        BinaryOp::ContainedBy if matches!(a, Value::Jsonb(_)) => {
            Value::Boolean(jsonb_arg(b)?.contains(doc))
        }
        // `'text' <@ jsonb`: the parsed left side is `doc`.
        BinaryOp::ContainedBy => Value::Boolean(jsonb_arg(b)?.contains(doc)),
        BinaryOp::Concat if matches!(a, Value::Jsonb(_)) => {
            Value::Jsonb(ops::concat(doc, &jsonb_arg(b)?).map_err(error)?)
        }
        BinaryOp::Concat => Value::Jsonb(ops::concat(doc, &jsonb_arg(b)?).map_err(error)?),
        BinaryOp::Subtract => match b {
            Value::Text(k) => Value::Jsonb(ops::delete_key(doc, k).map_err(error)?),
            Value::Array(_) => {
                let mut out = doc.clone();
                for k in text_array(b)? {
                    out = ops::delete_key(&out, &k).map_err(error)?;
                }
                Value::Jsonb(out)
            }
            other => match other.as_i64() {
                Some(i) => Value::Jsonb(ops::delete_index(doc, i).map_err(error)?),
                None => return Err(no_operator("-")),
            },
        },
        BinaryOp::JsonDeletePath => {
            let steps = steps(b)?;
            let steps: Vec<&str> = steps.iter().map(String::as_str).collect();
            Value::Jsonb(ops::delete_path(doc, &steps).map_err(error)?)
        }
        BinaryOp::JsonPathExists => ops::path_exists_op(doc, &super::functions::text_arg(b))
            .map_err(error)?
            .map_or(Value::Null, Value::Boolean),
        BinaryOp::JsonPathMatch => ops::path_match_op(doc, &super::functions::text_arg(b))
            .map_err(error)?
            .map_or(Value::Null, Value::Boolean),
        _ => return Ok(None),
    }))
}

/// SQL LIKE with `%` and `_`, and `\` escaping the next character.
pub fn like(s: &str, pattern: &str) -> bool {
    let (s, p): (Vec<char>, Vec<char>) = (s.chars().collect(), pattern.chars().collect());
    // Iterative matching with backtracking to the last `%`.
    let (mut i, mut j) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while i < s.len() {
        if j < p.len() && p[j] == '\\' && j + 1 < p.len() && p[j + 1] == s[i] {
            i += 1;
            j += 2;
        } else if j < p.len() && (p[j] == '_' || (p[j] != '%' && p[j] != '\\' && p[j] == s[i])) {
            i += 1;
            j += 1;
        } else if j < p.len() && p[j] == '%' {
            star = Some((j, i));
            j += 1;
        } else if let Some((sj, si)) = star {
            j = sj + 1;
            i = si + 1;
            star = Some((sj, si + 1));
        } else {
            return false;
        }
    }
    while j < p.len() && p[j] == '%' {
        j += 1;
    }
    j == p.len()
}

/// Casts a value to a type, PostgreSQL's way (the common casts).
pub fn cast(v: Value, to: &DataType) -> Result<Value> {
    arbor_schema::cast::cast(v, to).map_err(crate::table::value_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_arithmetic_is_checked() {
        assert_eq!(
            binary(BinaryOp::Divide, Value::Integer(7), Value::Integer(-2)).unwrap(),
            Value::Integer(-3)
        );
        assert_eq!(
            binary(BinaryOp::Modulo, Value::Integer(-7), Value::Integer(2)).unwrap(),
            Value::Integer(-1)
        );
        assert_eq!(
            binary(BinaryOp::Divide, Value::Integer(1), Value::Integer(0))
                .unwrap_err()
                .code,
            "22012"
        );
        let e = binary(
            BinaryOp::Multiply,
            Value::Integer(i32::MAX),
            Value::Integer(2),
        )
        .unwrap_err();
        assert_eq!(
            (e.code, e.message.as_str()),
            (SqlState::NumericValueOutOfRange, "integer out of range")
        );
        assert_eq!(
            binary(BinaryOp::Add, Value::Integer(1), Value::BigInt(2)).unwrap(),
            Value::BigInt(3)
        );
        assert_eq!(
            binary(BinaryOp::Add, Value::Integer(1), Value::Double(0.5)).unwrap(),
            Value::Double(1.5)
        );
        assert_eq!(
            binary(BinaryOp::Add, Value::Integer(1), Value::Null).unwrap(),
            Value::Null
        );
    }

    #[test]
    fn like_patterns() {
        assert!(like("hello", "h%o"));
        assert!(like("hello", "_ello"));
        assert!(!like("hello", "h_o"));
        assert!(like("50%", "50\\%"));
        assert!(like("", "%"));
        assert!(like("abcabc", "%abc"));
    }

    #[test]
    fn casts() {
        assert_eq!(
            cast(Value::Text(" 42 ".into()), &DataType::Integer).unwrap(),
            Value::Integer(42)
        );
        assert_eq!(
            cast(Value::Text("abc".into()), &DataType::Integer)
                .unwrap_err()
                .message,
            "invalid input syntax for type integer: \"abc\""
        );
        assert_eq!(
            cast(Value::Double(2.5), &DataType::Integer).unwrap(),
            Value::Integer(2)
        );
        assert_eq!(
            cast(Value::Double(3.5), &DataType::Integer).unwrap(),
            Value::Integer(4)
        );
        // An explicit cast cuts text to the length, as PostgreSQL's does.
        assert_eq!(
            cast(Value::Text("hello".into()), &DataType::Varchar(Some(3))).unwrap(),
            Value::Text("hel".into())
        );
    }
}
