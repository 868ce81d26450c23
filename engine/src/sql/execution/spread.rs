//! The aggregates of spread: `var_samp` (`variance`), `var_pop`,
//! `stddev_samp` (`stddev`) and `stddev_pop`, computed as PostgreSQL
//! computes them so the digits agree.
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
    pub(super) fn new(function: &str) -> Spread {
        let function = SPREAD_AGGREGATES
            .iter()
            .find(|f| **f == function)
            .copied()
            .unwrap_or("stddev");
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
        let numerator = crate::sql::functions::numeric_arithmetic(
            crate::sql::functions::NumericOp::Subtract,
            multiply(count, sx2)?,
            multiply(sx, sx)?,
        )
        .ok_or_else(overflow)?;
        // Rounding can leave a numerator a hair below zero.
        if numerator <= Decimal::ZERO {
            return Ok(Value::Numeric(Decimal::ZERO));
        }
        let denominator = if self.sample {
            count * Decimal::from(n - 1)
        } else {
            count * count
        };
        let variance =
            crate::sql::functions::divide_numeric(numerator, denominator).ok_or_else(overflow)?;
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
