//! The aggregates of spread and position: `var_samp` (`variance`),
//! `var_pop`, `stddev_samp` (`stddev`) and `stddev_pop`, and the
//! ordered-set `percentile_cont`, `percentile_disc` and `mode`, computed
//! as PostgreSQL computes them so the digits agree.
//!
//! Floats (`real`, `double precision`) accumulate the count, the sum and
//! the sum of squared deviations with the Youngs-Cramer update
//! (PostgreSQL's `float8_accum`), and give a double. Exact inputs
//! (integers, numeric) accumulate the count, the sum and the sum of
//! squares exactly, and give a numeric: `(n·Σx² − (Σx)²) / (n·(n−1))` (or
//! `n·n` for the population) at the scale numeric division picks, and its
//! square root at that scale for a standard deviation. A sample of one
//! value has no spread (NULL); no values give NULL.

use arbor_schema::Value;
use rust_decimal::Decimal;
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};

use crate::error::{Error, Result, SqlState};

/// The aggregates this module computes.
pub const SPREAD_AGGREGATES: &[&str] = &[
    "stddev",
    "stddev_samp",
    "stddev_pop",
    "variance",
    "var_samp",
    "var_pop",
];

/// The running state of one spread aggregate.
#[derive(Debug, Clone)]
pub(super) struct Spread {
    /// The aggregate's name, for errors.
    function: &'static str,
    /// A standard deviation: the square root of the variance.
    root: bool,
    /// A sample's (divides by n − 1), not a population's (by n).
    sample: bool,
    /// Float inputs: n, Σx, and the sum of squared deviations.
    float: Option<(f64, f64, f64)>,
    /// Exact inputs: n, Σx, Σx².
    exact: Option<(i64, Decimal, Decimal)>,
}

impl Spread {
    /// The state of aggregate `function`, one of [`SPREAD_AGGREGATES`].
    pub(super) fn new(function: &'static str) -> Spread {
        Spread {
            function,
            root: function.starts_with("stddev"),
            sample: !function.ends_with("_pop"),
            float: None,
            exact: None,
        }
    }

    /// Takes in one value (not NULL).
    pub(super) fn add(&mut self, v: &Value) -> Result<()> {
        match v {
            Value::Real(_) | Value::Double(_) => {
                let x = match v {
                    Value::Real(r) => f64::from(*r),
                    Value::Double(d) => *d,
                    _ => 0.0,
                };
                let (n, sx, sxx) = self.float.unwrap_or((0.0, 0.0, 0.0));
                let (n1, sx1) = (n + 1.0, sx + x);
                let sxx1 = if n > 0.0 {
                    let t = x * n1 - sx1;
                    sxx + t * t / (n1 * n)
                } else if x.is_finite() {
                    0.0
                } else {
                    f64::NAN
                };
                if (sx1.is_infinite() || sxx1.is_infinite()) && sx.is_finite() && x.is_finite() {
                    return Err(Error::new(
                        SqlState::NumericValueOutOfRange,
                        "value out of range: overflow",
                    ));
                }
                self.float = Some((n1, sx1, sxx1));
            }
            _ => {
                let x = exact(self.function, v)?;
                let (n, sx, sx2) = self.exact.unwrap_or((0, Decimal::ZERO, Decimal::ZERO));
                let square = crate::sql::functions::numeric_arithmetic(
                    crate::sql::functions::NumericOp::Multiply,
                    x,
                    x,
                );
                let add = |a, b| {
                    crate::sql::functions::numeric_arithmetic(
                        crate::sql::functions::NumericOp::Add,
                        a,
                        b,
                    )
                };
                let (Some(sx), Some(sx2)) = (add(sx, x), square.and_then(|s| add(sx2, s))) else {
                    return Err(overflow());
                };
                self.exact = Some((n + 1, sx, sx2));
            }
        }
        Ok(())
    }

    /// The aggregate's value.
    pub(super) fn finish(&self) -> Result<Value> {
        if let Some((n, _, sxx)) = self.float {
            let divisor = if self.sample { n - 1.0 } else { n };
            if divisor <= 0.0 {
                return Ok(Value::Null);
            }
            let variance = sxx / divisor;
            return Ok(Value::Double(if self.root {
                variance.sqrt()
            } else {
                variance
            }));
        }
        let Some((n, sx, sx2)) = self.exact else {
            return Ok(Value::Null);
        };
        if n == 0 || (self.sample && n == 1) {
            return Ok(Value::Null);
        }
        let count = Decimal::from(n);
        let multiply = |a, b| {
            crate::sql::functions::numeric_arithmetic(
                crate::sql::functions::NumericOp::Multiply,
                a,
                b,
            )
            .ok_or_else(overflow)
        };
        let scaled_squares = multiply(count, sx2)?;
        let numerator = crate::sql::functions::numeric_arithmetic(
            crate::sql::functions::NumericOp::Subtract,
            scaled_squares,
            multiply(sx, sx)?,
        )
        .ok_or_else(overflow)?;
        // Both products are rounded to 28 significant digits, so a
        // numerator within that rounding of zero (values all equal, each
        // with 28 digits: `var_pop(10 / 3.14159)`) is zero, as PostgreSQL's
        // exact arithmetic finds it; so is one a hair below zero.
        let rounding = scaled_squares.abs() * Decimal::new(1, 26);
        if numerator <= rounding {
            return Ok(Value::Numeric(Decimal::ZERO));
        }
        let denominator = if self.sample {
            count * Decimal::from(n - 1)
        } else {
            count * count
        };
        let variance =
            crate::sql::functions::divide_numeric(numerator, denominator).ok_or_else(overflow)?;
        // A variance below the 28th decimal place is zero, without a scale.
        if variance.is_zero() {
            return Ok(Value::Numeric(Decimal::ZERO));
        }
        if !self.root {
            return Ok(Value::Numeric(variance));
        }
        Ok(Value::Numeric(
            square_root(variance, variance.scale()).ok_or_else(overflow)?,
        ))
    }
}

/// An integer or numeric input of `function` as a decimal.
fn exact(function: &str, v: &Value) -> Result<Decimal> {
    match v {
        Value::SmallInt(i) => Ok(Decimal::from(*i)),
        Value::Integer(i) => Ok(Decimal::from(*i)),
        Value::BigInt(i) => Ok(Decimal::from(*i)),
        Value::Numeric(d) => Ok(*d),
        other => Err(super::aggregate::no_such_aggregate(function, other)),
    }
}

/// The square root of `v` (not negative) rounded to `scale` decimals:
/// Newton's iteration in decimal from the float estimate.
pub(super) fn square_root(v: Decimal, scale: u32) -> Option<Decimal> {
    if v.is_zero() {
        return Some(Decimal::ZERO);
    }
    let mut x = Decimal::from_f64(v.to_f64()?.sqrt())?;
    if x.is_zero() {
        x = Decimal::new(1, 14);
    }
    for _ in 0..6 {
        let next = (x + v.checked_div(x)?) / Decimal::TWO;
        if next == x {
            break;
        }
        x = next;
    }
    let mut r =
        x.round_dp_with_strategy(scale, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    r.rescale(scale);
    Some(r)
}

fn overflow() -> Error {
    Error::new(SqlState::NumericValueOutOfRange, "numeric field overflow")
}

/// The value of ordered-set aggregate `function` over `values` (sorted,
/// without NULLs) with direct argument `direct` (the fraction of a
/// percentile): NULL over no values or a NULL fraction.
pub(super) fn ordered_set(
    function: &str,
    direct: Option<&Value>,
    values: &[Value],
) -> Result<Value> {
    if values.is_empty() {
        return Ok(Value::Null);
    }
    if function == "mode" {
        // The longest run of equal values; the first among equally long.
        let (mut best, mut best_len, mut at) = (0, 0, 0);
        while at < values.len() {
            let run = values[at..]
                .iter()
                .take_while(|v| **v == values[at])
                .count();
            if run > best_len {
                (best, best_len) = (at, run);
            }
            at += run;
        }
        return Ok(values[best].clone());
    }
    let fraction = match direct {
        None | Some(Value::Null) => return Ok(Value::Null),
        Some(v) => v
            .as_f64()
            .ok_or_else(|| super::aggregate::no_such_aggregate(function, v))?,
    };
    if !(0.0..=1.0).contains(&fraction) {
        return Err(Error::new(
            SqlState::NumericValueOutOfRange,
            format!("percentile value {fraction} is not between 0 and 1"),
        ));
    }
    let n = values.len();
    if function == "percentile_disc" {
        // The first value whose position reaches the fraction of the rows.
        let row = ((fraction * n as f64).ceil() as usize).max(1);
        return Ok(values[row.min(n) - 1].clone());
    }
    let float = |v: &Value| {
        v.as_f64()
            .ok_or_else(|| super::aggregate::no_such_aggregate(function, v))
    };
    let position = fraction * (n - 1) as f64;
    let (first, second) = (position.floor() as usize, position.ceil() as usize);
    let low = float(&values[first])?;
    if first == second {
        return Ok(Value::Double(low));
    }
    let high = float(&values[second])?;
    Ok(Value::Double(
        low + (high - low) * (position - first as f64),
    ))
}
