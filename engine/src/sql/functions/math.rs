//! Mathematical functions. Integer and numeric arguments keep exact
//! arithmetic where PostgreSQL does (`abs`, `mod`, `round` of numeric);
//! the transcendental functions work in double precision.

use arbor_schema::Value;
use rust_decimal::{Decimal, RoundingStrategy};

use super::wrong_args;
use crate::error::{Error, Result, SqlState};

/// The math functions this module answers.
pub const NAMES: &[&str] = &[
    "abs",
    "sign",
    "round",
    "trunc",
    "floor",
    "ceil",
    "ceiling",
    "sqrt",
    "cbrt",
    "power",
    "pow",
    "exp",
    "ln",
    "log",
    "log10",
    "mod",
    "div",
    "pi",
    "degrees",
    "radians",
    "sin",
    "cos",
    "tan",
    "asin",
    "acos",
    "atan",
    "atan2",
    "cot",
    "sinh",
    "cosh",
    "tanh",
    "asinh",
    "acosh",
    "atanh",
    "scale",
    "min_scale",
    "trim_scale",
    "width_bucket",
    "gcd",
    "lcm",
    "factorial",
];

/// `x ^ y` (and `power(x, y)`) in double precision, with PostgreSQL's
/// errors for the results that are not real numbers.
pub fn power(x: f64, y: f64) -> Result<f64> {
    if x == 0.0 && y < 0.0 {
        return Err(Error::new(
            SqlState::InvalidArgumentForPowerFunction,
            "zero raised to a negative power is undefined",
        ));
    }
    if x < 0.0 && y.fract() != 0.0 {
        return Err(Error::new(
            SqlState::InvalidArgumentForPowerFunction,
            "a negative number raised to a non-integer power yields a complex result",
        ));
    }
    Ok(x.powf(y))
}

/// PostgreSQL's `numeric / numeric`: the quotient rounded (half away from
/// zero) to the scale PostgreSQL's `select_div_scale` picks, at least 16
/// significant digits and no fewer decimals than either operand shows
/// (`1 / 3.0` is `0.33333333333333333333`, `10 / 4.0` is
/// `2.5000000000000000`); `None` on overflow or division by zero. The
/// scale is capped where a 96-bit decimal runs out of digits.
pub fn divide_numeric(x: Decimal, y: Decimal) -> Option<Decimal> {
    if y.is_zero() {
        return None;
    }
    let quotient = x.checked_div(y)?;
    // Weights count base-10000 digits, as PostgreSQL stores numerics.
    let ((w1, d1), (w2, d2)) = (base_10000_lead(x), base_10000_lead(y));
    let mut weight = w1 - w2;
    if d1 <= d2 {
        weight -= 1;
    }
    let scale = 16 - 4 * weight;
    let scale = scale
        .max(x.scale() as i64)
        .max(y.scale() as i64)
        .clamp(0, 1000);
    Some(with_scale(quotient, scale))
}

/// PostgreSQL's `numeric + numeric`, `-` and `*`: the exact result, with
/// as many decimals as the larger operand scale (for `*`, their sum);
/// `None` on overflow.
pub fn numeric_arithmetic(op: NumericOp, x: Decimal, y: Decimal) -> Option<Decimal> {
    let (r, scale) = match op {
        NumericOp::Add => (x.checked_add(y)?, x.scale().max(y.scale())),
        NumericOp::Subtract => (x.checked_sub(y)?, x.scale().max(y.scale())),
        NumericOp::Multiply => (x.checked_mul(y)?, x.scale() + y.scale()),
    };
    // The decimal type drops a zero operand's scale; put it back.
    Some(if r.scale() < scale {
        with_scale(r, scale as i64)
    } else {
        r
    })
}

/// The exact numeric operators of [`numeric_arithmetic`].
#[derive(Clone, Copy, Debug)]
pub enum NumericOp {
    /// `+`
    Add,
    /// `-`
    Subtract,
    /// `*`
    Multiply,
}

/// `d` rounded (half away from zero) or padded to `scale` decimals, as far
/// as a 96-bit decimal holds them.
fn with_scale(d: Decimal, scale: i64) -> Decimal {
    let scale = u32::try_from(scale.clamp(0, 28)).unwrap_or(28);
    let mut r = d.round_dp_with_strategy(scale, RoundingStrategy::MidpointAwayFromZero);
    // `rescale` pads with zeros; past the digits a decimal holds it would
    // round instead, so pad only as far as fits.
    let mut padded = r;
    padded.rescale(scale);
    if padded == r {
        r = padded;
    }
    r
}

/// A decimal's leading base-10000 digit and that digit's weight (the power
/// of 10000 it stands for); zero's are both 0.
fn base_10000_lead(d: Decimal) -> (i64, u128) {
    if d.is_zero() {
        return (0, 0);
    }
    let mantissa = d.mantissa().unsigned_abs();
    let digits = mantissa.checked_ilog10().map_or(1, |l| l as i64 + 1);
    let exponent = digits - 1 - d.scale() as i64;
    let weight = exponent.div_euclid(4);
    let shift = d.scale() as i64 + 4 * weight;
    let lead = if shift >= 0 {
        mantissa / 10u128.pow(shift as u32)
    } else {
        mantissa * 10u128.pow((-shift) as u32)
    };
    (weight, lead)
}

/// PostgreSQL's `numeric % numeric` (and `mod`): the remainder, with as
/// many decimals as the operand that shows more.
pub fn remainder_numeric(x: Decimal, y: Decimal) -> Option<Decimal> {
    let r = x.checked_rem(y)?;
    Some(with_scale(r, x.scale().max(y.scale()) as i64))
}

/// `round`/`trunc` of a numeric to `places` decimals (negative: to tens,
/// hundreds, ...), showing exactly `places` decimals as PostgreSQL does.
fn round_numeric(d: Decimal, places: i64, strategy: RoundingStrategy) -> Result<Decimal> {
    if places >= 0 {
        let rounded = d.round_dp_with_strategy(places.min(28) as u32, strategy);
        return Ok(with_scale(rounded, places));
    }
    if places < -28 {
        return Ok(Decimal::ZERO);
    }
    let factor = Decimal::from_i128_with_scale(10i128.pow((-places) as u32), 0);
    let units = (d / factor).round_dp_with_strategy(0, strategy);
    units.checked_mul(factor).ok_or_else(|| range("numeric"))
}

fn range(t: &str) -> Error {
    Error::new(
        SqlState::NumericValueOutOfRange,
        format!("{t} out of range"),
    )
}

fn float(name: &str, v: &Value) -> Result<f64> {
    v.as_f64().ok_or_else(|| wrong_args(name, 1))
}

/// A double result; NaN from a domain error is PostgreSQL's error instead.
fn double(name: &str, x: f64) -> Result<Value> {
    if x.is_nan() {
        return Err(Error::new(
            SqlState::InvalidArgumentForPowerFunction,
            format!("input is out of range for {name}"),
        ));
    }
    Ok(Value::Double(x))
}

fn places(name: &str, v: &Value) -> Result<i64> {
    v.as_i64().ok_or_else(|| wrong_args(name, 2))
}

/// `width_bucket(operand, low, high, count)`: which of `count` equal
/// buckets between `low` and `high` holds `operand` (0 below, `count + 1`
/// above; a range may run downwards). Numerics are bucketed exactly.
fn width_bucket(operand: &Value, low: &Value, high: &Value, count: i64) -> Result<Value> {
    if count <= 0 {
        return Err(Error::new(
            SqlState::InvalidArgumentForWidthBucketFunction,
            "count must be greater than zero",
        ));
    }
    let exact = [operand, low, high]
        .iter()
        .all(|v| !matches!(v, Value::Real(_) | Value::Double(_)));
    // (operand - low) / (high - low) as a fraction of the range, or which
    // end it is past.
    let (below, above, fraction) = if exact {
        let (x, lo, hi) = (decimal(operand)?, decimal(low)?, decimal(high)?);
        let span = hi - lo;
        if span.is_zero() {
            return Err(bucket_bounds());
        }
        let fraction = ((x - lo) * Decimal::from(count)) / span;
        let up = hi > lo;
        (
            if up { x < lo } else { x > lo },
            if up { x >= hi } else { x <= hi },
            fraction.floor().to_string().parse::<i64>().unwrap_or(0),
        )
    } else {
        let (x, lo, hi) = (
            float("width_bucket", operand)?,
            float("width_bucket", low)?,
            float("width_bucket", high)?,
        );
        if lo == hi {
            return Err(bucket_bounds());
        }
        let up = hi > lo;
        (
            if up { x < lo } else { x > lo },
            if up { x >= hi } else { x <= hi },
            ((x - lo) / (hi - lo) * count as f64).floor() as i64,
        )
    };
    let bucket = if below {
        0
    } else if above {
        count + 1
    } else {
        fraction + 1
    };
    Ok(Value::Integer(
        i32::try_from(bucket).map_err(|_| range("integer"))?,
    ))
}

fn bucket_bounds() -> Error {
    Error::new(
        SqlState::InvalidArgumentForWidthBucketFunction,
        "lower bound cannot equal upper bound",
    )
}

/// Calls math function `name` on non-NULL `args`.
pub fn call(name: &str, args: &[Value]) -> Result<Value> {
    let n = args.len();
    Ok(match (name, args) {
        ("pi", []) => Value::Double(std::f64::consts::PI),
        ("abs", [v]) => match v {
            Value::SmallInt(i) => {
                Value::SmallInt(i.checked_abs().ok_or_else(|| range("smallint"))?)
            }
            Value::Integer(i) => Value::Integer(i.checked_abs().ok_or_else(|| range("integer"))?),
            Value::BigInt(i) => Value::BigInt(i.checked_abs().ok_or_else(|| range("bigint"))?),
            Value::Real(f) => Value::Real(f.abs()),
            Value::Double(f) => Value::Double(f.abs()),
            Value::Numeric(d) => Value::Numeric(d.abs()),
            _ => return Err(wrong_args(name, n)),
        },
        ("sign", [Value::Numeric(d)]) => Value::Numeric(if d.is_zero() {
            Decimal::ZERO
        } else if d.is_sign_negative() {
            Decimal::NEGATIVE_ONE
        } else {
            Decimal::ONE
        }),
        ("sign", [v]) => {
            let x = float(name, v)?;
            Value::Double(if x == 0.0 { 0.0 } else { x.signum() })
        }
        ("floor", [Value::Numeric(d)]) => Value::Numeric(d.floor()),
        ("ceil" | "ceiling", [Value::Numeric(d)]) => Value::Numeric(d.ceil()),
        ("floor", [v]) => Value::Double(float(name, v)?.floor()),
        ("ceil" | "ceiling", [v]) => Value::Double(float(name, v)?.ceil()),
        ("round", [Value::Numeric(d)]) => {
            Value::Numeric(d.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero))
        }
        ("round", [Value::Numeric(d), p]) => Value::Numeric(round_numeric(
            *d,
            places(name, p)?,
            RoundingStrategy::MidpointAwayFromZero,
        )?),
        ("round", [v]) => Value::Double(float(name, v)?.round_ties_even()),
        ("round", [v, p]) => Value::Numeric(round_numeric(
            decimal(v)?,
            places(name, p)?,
            RoundingStrategy::MidpointAwayFromZero,
        )?),
        ("trunc", [Value::Numeric(d)]) => Value::Numeric(d.trunc()),
        ("trunc", [v, p]) => Value::Numeric(round_numeric(
            decimal(v)?,
            places(name, p)?,
            RoundingStrategy::ToZero,
        )?),
        ("trunc", [v]) => Value::Double(float(name, v)?.trunc()),
        ("sqrt", [v]) => {
            let x = float(name, v)?;
            if x < 0.0 {
                return Err(Error::new(
                    SqlState::InvalidArgumentForPowerFunction,
                    "cannot take square root of a negative number",
                ));
            }
            Value::Double(x.sqrt())
        }
        ("cbrt", [v]) => Value::Double(float(name, v)?.cbrt()),
        ("power" | "pow", [a, b]) => Value::Double(power(float(name, a)?, float(name, b)?)?),
        ("exp", [v]) => Value::Double(float(name, v)?.exp()),
        ("ln" | "log" | "log10", [v]) => {
            let x = float(name, v)?;
            if x == 0.0 {
                return Err(Error::new(
                    SqlState::InvalidArgumentForLogarithm,
                    "cannot take logarithm of zero",
                ));
            }
            if x < 0.0 {
                return Err(Error::new(
                    SqlState::InvalidArgumentForLogarithm,
                    "cannot take logarithm of a negative number",
                ));
            }
            Value::Double(if name == "ln" { x.ln() } else { x.log10() })
        }
        ("log", [b, v]) => {
            let (base, x) = (float(name, b)?, float(name, v)?);
            if base <= 0.0 || x <= 0.0 || base == 1.0 {
                return Err(Error::new(
                    SqlState::InvalidArgumentForLogarithm,
                    "cannot take logarithm of zero or a negative number",
                ));
            }
            Value::Double(x.ln() / base.ln())
        }
        ("mod", [a, b]) => match (a, b) {
            (Value::Numeric(_), _) | (_, Value::Numeric(_)) => {
                let (x, y) = (decimal(a)?, decimal(b)?);
                if y.is_zero() {
                    return Err(Error::new(SqlState::DivisionByZero, "division by zero"));
                }
                Value::Numeric(remainder_numeric(x, y).ok_or_else(|| range("numeric"))?)
            }
            _ => {
                let (x, y) = (
                    a.as_i64().ok_or_else(|| wrong_args(name, n))?,
                    b.as_i64().ok_or_else(|| wrong_args(name, n))?,
                );
                if y == 0 {
                    return Err(Error::new(SqlState::DivisionByZero, "division by zero"));
                }
                let r = x.checked_rem(y).unwrap_or(0);
                match (a, b) {
                    (Value::BigInt(_), _) | (_, Value::BigInt(_)) => Value::BigInt(r),
                    _ => Value::Integer(i32::try_from(r).map_err(|_| range("integer"))?),
                }
            }
        },
        ("div", [a, b]) => {
            let (x, y) = (decimal(a)?, decimal(b)?);
            if y.is_zero() {
                return Err(Error::new(SqlState::DivisionByZero, "division by zero"));
            }
            Value::Numeric((x / y).trunc())
        }
        ("width_bucket", [operand, low, high, count]) => {
            let count = count.as_i64().ok_or_else(|| wrong_args(name, n))?;
            width_bucket(operand, low, high, count)?
        }
        ("gcd" | "lcm", [a, b]) => {
            let (x, y) = (
                a.as_i64().ok_or_else(|| wrong_args(name, n))?,
                b.as_i64().ok_or_else(|| wrong_args(name, n))?,
            );
            let (mut p, mut q) = (x.unsigned_abs(), y.unsigned_abs());
            while q != 0 {
                (p, q) = (q, p % q);
            }
            let r = if name == "gcd" {
                Some(p)
            } else {
                // lcm(0, y) is 0: no division then.
                x.unsigned_abs()
                    .checked_div(p)
                    .map_or(Some(0), |q| q.checked_mul(y.unsigned_abs()))
            };
            let r = r.and_then(|r| i64::try_from(r).ok());
            match (a, b) {
                (Value::BigInt(_), _) | (_, Value::BigInt(_)) => {
                    Value::BigInt(r.ok_or_else(|| range("bigint"))?)
                }
                _ => Value::Integer(
                    r.and_then(|r| i32::try_from(r).ok())
                        .ok_or_else(|| range("integer"))?,
                ),
            }
        }
        ("factorial", [v]) => {
            let k = v.as_i64().ok_or_else(|| wrong_args(name, n))?;
            if k < 0 {
                return Err(Error::new(
                    SqlState::NumericValueOutOfRange,
                    "factorial of a negative number is undefined",
                ));
            }
            let mut product = Decimal::ONE;
            for i in 2..=k {
                product = product.checked_mul(Decimal::from(i)).ok_or_else(|| {
                    Error::new(
                        SqlState::NumericValueOutOfRange,
                        "value overflows numeric format",
                    )
                })?;
            }
            Value::Numeric(product)
        }
        ("degrees", [v]) => Value::Double(float(name, v)?.to_degrees()),
        ("radians", [v]) => Value::Double(float(name, v)?.to_radians()),
        ("sin", [v]) => double(name, float(name, v)?.sin())?,
        ("cos", [v]) => double(name, float(name, v)?.cos())?,
        ("tan", [v]) => double(name, float(name, v)?.tan())?,
        ("asin", [v]) => double(name, float(name, v)?.asin())?,
        ("acos", [v]) => double(name, float(name, v)?.acos())?,
        ("atan", [v]) => double(name, float(name, v)?.atan())?,
        ("atan2", [a, b]) => double(name, float(name, a)?.atan2(float(name, b)?))?,
        ("cot", [v]) => double(name, 1.0 / float(name, v)?.tan())?,
        ("sinh", [v]) => Value::Double(float(name, v)?.sinh()),
        ("cosh", [v]) => Value::Double(float(name, v)?.cosh()),
        ("tanh", [v]) => Value::Double(float(name, v)?.tanh()),
        ("asinh", [v]) => Value::Double(float(name, v)?.asinh()),
        ("acosh", [v]) => double(name, float(name, v)?.acosh())?,
        ("atanh", [v]) => {
            let x = float(name, v)?;
            if x.abs() > 1.0 {
                return Err(Error::new(
                    SqlState::NumericValueOutOfRange,
                    "input is out of range",
                ));
            }
            Value::Double(x.atanh())
        }
        // The scale a numeric shows, the least that holds it exactly, and
        // the value at that least scale.
        ("scale", [Value::Numeric(d)]) => Value::Integer(d.scale() as i32),
        ("min_scale", [Value::Numeric(d)]) => Value::Integer(d.normalize().scale() as i32),
        ("trim_scale", [Value::Numeric(d)]) => Value::Numeric(d.normalize()),
        ("scale" | "min_scale", [v]) if v.as_i64().is_some() => Value::Integer(0),
        ("trim_scale", [v]) if v.as_i64().is_some() => Value::Numeric(decimal(v)?),
        _ => return Err(wrong_args(name, n)),
    })
}

fn decimal(v: &Value) -> Result<Decimal> {
    match v {
        Value::Numeric(d) => Ok(*d),
        other => match other.as_i64() {
            Some(i) => Ok(Decimal::from(i)),
            None => {
                Decimal::try_from(other.as_f64().unwrap_or(f64::NAN)).map_err(|_| range("numeric"))
            }
        },
    }
}
