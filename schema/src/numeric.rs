//! Exact decimal arithmetic for `numeric`: parsing, rounding to a type's
//! scale, and the checks of `numeric(p, s)`.
//!
//! # The choice of representation
//!
//! PostgreSQL's `numeric` is arbitrary precision. Arbor holds it in
//! [`rust_decimal::Decimal`]: a 96-bit integer significand and a decimal
//! scale of 0..=28, so every value with at most 28 digits (and many with
//! 29) after and before the point is held exactly, and arithmetic on it is
//! decimal, never binary floating point. What does not fit is an error
//! (`value overflows numeric format`, 22003), never a silent rounding: an
//! exact answer or none. The limits against PostgreSQL are:
//!
//! - at most about 28 significant digits (PostgreSQL: 131072 before the
//!   point and 16383 after);
//! - a display scale of at most 28 (`1.000…0` with 30 zeros keeps 28);
//! - no `NaN` or `Infinity` (PostgreSQL 14+ has both).
//!
//! `numeric(p, s)` rounds to `s` digits after the point first (half away
//! from zero, as PostgreSQL does), so input with more digits than the
//! representation holds is accepted when the column's scale is smaller.
//!
//! Work happens on [`Exact`], a sign, a string of decimal digits and a
//! scale, so that parsing and rounding never pass through a binary float.

use rust_decimal::Decimal;

use crate::error::{ErrorKind, Result, ValueError};

/// The largest scale the representation holds.
pub const MAX_SCALE: u32 = 28;

/// Largest decimal exponent accepted in input text (PostgreSQL's own limit
/// is similar); it bounds the zeros written out before conversion.
const MAX_EXPONENT: i64 = 1000;

/// An exact decimal: `(-1)^negative * digits * 10^-scale`.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Exact {
    negative: bool,
    /// ASCII digits, most significant first; may have leading zeros.
    digits: Vec<u8>,
    scale: u32,
}

fn overflow() -> ValueError {
    ValueError::new(
        ErrorKind::NumericValueOutOfRange,
        "value overflows numeric format",
    )
    .with_detail(
        "Arbor's numeric holds about 28 significant digits and at most 28 digits after the decimal point.",
    )
}

fn special_not_supported(what: &str) -> ValueError {
    ValueError::new(
        ErrorKind::FeatureNotSupported,
        format!("numeric {what} is not supported"),
    )
}

/// Parses PostgreSQL's numeric input text exactly: optional sign, digits
/// with an optional point, optional exponent; surrounding whitespace is
/// ignored. `typmod` is `(precision, scale)` of `numeric(p, s)`.
pub fn parse_numeric(text: &str, typmod: Option<(u32, u32)>) -> Result<Decimal> {
    let exact = parse_exact(text)?;
    finish(exact, typmod)
}

fn parse_exact(text: &str) -> Result<Exact> {
    let invalid = || ValueError::invalid_input("numeric", text);
    let s = text.trim_matches(|c: char| c.is_ascii_whitespace());
    // Compared without a lowercase copy: every numeric of an import comes
    // through here.
    let word = s.trim_start_matches(['+', '-']);
    if word.eq_ignore_ascii_case("nan") {
        return Err(special_not_supported("NaN"));
    }
    if word.eq_ignore_ascii_case("infinity") || word.eq_ignore_ascii_case("inf") {
        return Err(special_not_supported("Infinity"));
    }
    let bytes = s.as_bytes();
    let mut i = 0;
    let mut negative = false;
    if let Some(&sign) = bytes.first()
        && (sign == b'+' || sign == b'-')
    {
        negative = sign == b'-';
        i += 1;
    }
    let mut digits = Vec::new();
    let mut fraction_len: i64 = 0;
    let mut seen_point = false;
    let mut seen_digit = false;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'0'..=b'9' => {
                digits.push(b);
                seen_digit = true;
                if seen_point {
                    fraction_len += 1;
                }
            }
            b'.' if !seen_point => seen_point = true,
            _ => break,
        }
        i += 1;
    }
    if !seen_digit {
        return Err(invalid());
    }
    let mut exponent: i64 = 0;
    if let Some(&(b'e' | b'E')) = bytes.get(i) {
        i += 1;
        let mut exp_negative = false;
        if let Some(&sign) = bytes.get(i)
            && (sign == b'+' || sign == b'-')
        {
            exp_negative = sign == b'-';
            i += 1;
        }
        let start = i;
        while let Some(&b) = bytes.get(i) {
            if !b.is_ascii_digit() {
                break;
            }
            // Saturate: anything past MAX_EXPONENT is refused below anyway.
            exponent = (exponent * 10 + i64::from(b - b'0')).min(MAX_EXPONENT * 10);
            i += 1;
        }
        if i == start {
            return Err(invalid());
        }
        if exp_negative {
            exponent = -exponent;
        }
    }
    if i != bytes.len() {
        return Err(invalid());
    }
    if exponent.abs() > MAX_EXPONENT {
        return Err(overflow());
    }
    // value = digits * 10^(exponent - fraction_len)
    let mut scale = fraction_len - exponent;
    if scale < 0 {
        digits.extend(std::iter::repeat_n(b'0', scale.unsigned_abs() as usize));
        scale = 0;
    }
    Ok(Exact {
        negative,
        digits,
        scale: u32::try_from(scale).map_err(|_| overflow())?,
    })
}

/// Applies the type modifier (if any) and converts to the representation.
fn finish(mut exact: Exact, typmod: Option<(u32, u32)>) -> Result<Decimal> {
    if let Some((precision, scale)) = typmod {
        round_to_scale(&mut exact, scale);
        check_precision(&exact, precision, scale)?;
    }
    to_decimal(exact)
}

/// Rounds (half away from zero) or pads `exact` to exactly `scale` digits
/// after the point.
fn round_to_scale(exact: &mut Exact, scale: u32) {
    if exact.scale < scale {
        let pad = (scale - exact.scale) as usize;
        exact.digits.extend(std::iter::repeat_n(b'0', pad));
        exact.scale = scale;
        return;
    }
    let drop = (exact.scale - scale) as usize;
    if drop == 0 {
        return;
    }
    let keep = exact.digits.len().saturating_sub(drop);
    let round_up = exact.digits.get(keep).is_some_and(|&d| d >= b'5');
    exact.digits.truncate(keep);
    exact.scale = scale;
    if round_up {
        // Add one unit in the last place, carrying leftwards.
        let mut carry = true;
        for d in exact.digits.iter_mut().rev() {
            if *d == b'9' {
                *d = b'0';
            } else {
                *d += 1;
                carry = false;
                break;
            }
        }
        if carry {
            exact.digits.insert(0, b'1');
        }
    }
}

/// `numeric(p, s)` holds values whose integer part has at most `p - s` digits.
fn check_precision(exact: &Exact, precision: u32, scale: u32) -> Result<()> {
    let integer_len = exact.digits.len().saturating_sub(exact.scale as usize);
    let significant_integer_digits = exact.digits[..integer_len]
        .iter()
        .skip_while(|&&d| d == b'0')
        .count();
    let allowed = precision.saturating_sub(scale) as usize;
    if significant_integer_digits > allowed {
        let limit = if allowed == 0 {
            "1".to_owned()
        } else {
            format!("10^{allowed}")
        };
        return Err(ValueError::new(
            ErrorKind::NumericValueOutOfRange,
            "numeric field overflow",
        )
        .with_detail(format!(
            "A field with precision {precision}, scale {scale} must round to an absolute value less than {limit}."
        )));
    }
    Ok(())
}

fn to_decimal(mut exact: Exact) -> Result<Decimal> {
    // Trailing zeros past the representable scale carry no value.
    while exact.scale > MAX_SCALE && exact.digits.last() == Some(&b'0') {
        exact.digits.pop();
        exact.scale -= 1;
    }
    if exact.scale > MAX_SCALE {
        return Err(overflow());
    }
    let first_significant = exact
        .digits
        .iter()
        .position(|&d| d != b'0')
        .unwrap_or(exact.digits.len());
    let significant = &exact.digits[first_significant..];
    // 2^96 has 29 digits; anything longer cannot fit.
    if significant.len() > 29 {
        return Err(overflow());
    }
    let mut mantissa: i128 = 0;
    for &d in significant {
        mantissa = mantissa * 10 + i128::from(d - b'0');
    }
    if exact.negative {
        mantissa = -mantissa;
    }
    Decimal::try_from_i128_with_scale(mantissa, exact.scale).map_err(|_| overflow())
}

fn from_decimal(d: Decimal) -> Exact {
    Exact {
        negative: d.is_sign_negative(),
        digits: d.mantissa().unsigned_abs().to_string().into_bytes(),
        scale: d.scale(),
    }
}

/// Applies `numeric(precision, scale)` to a value: rounds to the scale and
/// checks the precision (`numeric field overflow`).
pub fn apply_typmod(d: Decimal, precision: u32, scale: u32) -> Result<Decimal> {
    finish(from_decimal(d), Some((precision, scale)))
}

/// Converts a float as PostgreSQL does: through its text with 15 (double)
/// or 6 (real) significant digits, so `0.1::float8::numeric` is `0.1`.
pub fn numeric_from_float(f: f64, single: bool) -> Result<Decimal> {
    if f.is_nan() {
        return Err(special_not_supported("NaN"));
    }
    if f.is_infinite() {
        return Err(special_not_supported("Infinity"));
    }
    let digits = if single { 6 } else { 15 };
    let text = format!("{:.*e}", digits - 1, f);
    // Like %g, drop trailing zeros of the mantissa.
    let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
    let mantissa = if mantissa.contains('.') {
        mantissa.trim_end_matches('0').trim_end_matches('.')
    } else {
        mantissa
    };
    parse_numeric(&format!("{mantissa}e{exponent}"), None)
}

/// Rounds to an integer, half away from zero (numeric to integer casts).
pub fn round_to_integer(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> String {
        parse_numeric(s, None).map(|d| d.to_string()).unwrap()
    }

    #[test]
    fn parses_exactly_and_keeps_the_scale() {
        assert_eq!(n("1.50"), "1.50");
        assert_eq!(n("  -0.001 "), "-0.001");
        assert_eq!(n("1e5"), "100000");
        assert_eq!(n("1.5e-3"), "0.0015");
        assert_eq!(n("1.50e1"), "15.0");
        assert_eq!(n(".5"), "0.5");
        assert_eq!(n("5."), "5");
        assert_eq!(
            n("1234567890123456789012345678"),
            "1234567890123456789012345678"
        );
        assert_eq!(
            n("0.0000000000000000000000000001"),
            "0.0000000000000000000000000001"
        );
    }

    #[test]
    fn bad_text_and_overflow() {
        for bad in ["", "abc", "1.2.3", "1e", "--1", "1 2", "."] {
            let e = parse_numeric(bad, None).unwrap_err();
            assert_eq!(
                e.message,
                format!("invalid input syntax for type numeric: \"{bad}\"")
            );
            assert_eq!(e.code, "22P02");
        }
        let e = parse_numeric("1e100", None).unwrap_err();
        assert_eq!(
            (e.code, e.message.as_str()),
            ("22003", "value overflows numeric format")
        );
        assert_eq!(parse_numeric("NaN", None).unwrap_err().code, "0A000");
        // More digits than held: an error, never a silent rounding.
        assert!(parse_numeric("0.12345678901234567890123456789", None).is_err());
    }

    #[test]
    fn typmod_rounds_and_checks_precision() {
        let p = |s: &str, p, sc| parse_numeric(s, Some((p, sc))).map(|d| d.to_string());
        assert_eq!(p("1.005", 5, 2).unwrap(), "1.01");
        assert_eq!(p("-1.005", 5, 2).unwrap(), "-1.01");
        assert_eq!(p("1.5", 5, 2).unwrap(), "1.50");
        assert_eq!(p("999.994", 5, 2).unwrap(), "999.99");
        assert_eq!(
            p("0.12345678901234567890123456789012", 5, 4).unwrap(),
            "0.1235"
        );
        let e = p("999.995", 5, 2).unwrap_err();
        assert_eq!(
            (e.code, e.message.as_str()),
            ("22003", "numeric field overflow")
        );
        assert_eq!(
            e.detail.as_deref(),
            Some(
                "A field with precision 5, scale 2 must round to an absolute value less than 10^3."
            )
        );
        let e = p("1", 2, 2).unwrap_err();
        assert_eq!(
            e.detail.as_deref(),
            Some("A field with precision 2, scale 2 must round to an absolute value less than 1.")
        );
        assert_eq!(p("12.4", 2, 0).unwrap(), "12");
    }

    #[test]
    fn floats_convert_through_their_short_text() {
        assert_eq!(numeric_from_float(0.1, false).unwrap().to_string(), "0.1");
        assert_eq!(
            numeric_from_float(1.0 / 3.0, false).unwrap().to_string(),
            "0.333333333333333"
        );
        assert_eq!(
            numeric_from_float(f64::from(0.1f32), true)
                .unwrap()
                .to_string(),
            "0.1"
        );
        assert_eq!(
            numeric_from_float(2.5e10, false).unwrap().to_string(),
            "25000000000"
        );
        assert!(numeric_from_float(f64::INFINITY, false).is_err());
    }
}
