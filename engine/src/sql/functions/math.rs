//! Mathematical functions. Integer and numeric arguments keep exact
//! arithmetic where PostgreSQL does (`abs`, `mod`, `round` of numeric);
//! the transcendental functions work in double precision.

use arbor_schema::Value;
use rust_decimal::{Decimal, RoundingStrategy};

use super::wrong_args;
use crate::error::{Error, Result, SqlState};

/// The math functions this module answers.
pub const NAMES: &[&str] = &[
    "abs", "sign", "round", "trunc", "floor", "ceil", "ceiling", "sqrt", "cbrt", "power", "pow",
    "exp", "ln", "log", "log10", "mod", "div", "pi", "degrees", "radians", "sin", "cos", "tan",
    "asin", "acos", "atan", "atan2",
];

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

fn places(name: &str, v: &Value) -> Result<u32> {
    let p = v.as_i64().ok_or_else(|| wrong_args(name, 2))?;
    Ok(u32::try_from(p.clamp(0, 28)).unwrap_or(0))
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
        ("round", [Value::Numeric(d), p]) => Value::Numeric(
            d.round_dp_with_strategy(places(name, p)?, RoundingStrategy::MidpointAwayFromZero),
        ),
        ("round", [v]) if v.as_i64().is_some() => v.clone(),
        ("round", [v]) => Value::Double(float(name, v)?.round_ties_even()),
        ("round", [v, p]) => {
            let d = Decimal::try_from(float(name, v)?).map_err(|_| range("numeric"))?;
            Value::Numeric(
                d.round_dp_with_strategy(places(name, p)?, RoundingStrategy::MidpointAwayFromZero),
            )
        }
        ("trunc", [Value::Numeric(d)]) => Value::Numeric(d.trunc()),
        ("trunc", [Value::Numeric(d), p]) => {
            Value::Numeric(d.round_dp_with_strategy(places(name, p)?, RoundingStrategy::ToZero))
        }
        ("trunc", [v]) if v.as_i64().is_some() => v.clone(),
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
        ("power" | "pow", [a, b]) => {
            let (x, y) = (float(name, a)?, float(name, b)?);
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
            Value::Double(x.powf(y))
        }
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
                Value::Numeric(x % y)
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
        ("degrees", [v]) => Value::Double(float(name, v)?.to_degrees()),
        ("radians", [v]) => Value::Double(float(name, v)?.to_radians()),
        ("sin", [v]) => double(name, float(name, v)?.sin())?,
        ("cos", [v]) => double(name, float(name, v)?.cos())?,
        ("tan", [v]) => double(name, float(name, v)?.tan())?,
        ("asin", [v]) => double(name, float(name, v)?.asin())?,
        ("acos", [v]) => double(name, float(name, v)?.acos())?,
        ("atan", [v]) => double(name, float(name, v)?.atan())?,
        ("atan2", [a, b]) => double(name, float(name, a)?.atan2(float(name, b)?))?,
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
