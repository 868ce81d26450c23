//! SQL/JSON path queries, evaluated by the `jsonb` crate's path engine with
//! the adjustments that bring it closer to PostgreSQL's lax mode.
//!
//! The engine parses and evaluates paths over the same binary encoding our
//! documents use, so a query runs on the stored bytes. Three things are
//! added around it:
//!
//! - **Lax unwrapping.** PostgreSQL's lax mode applies a member accessor
//!   (`.key`, `.*`) or a filter (`? (...)`) to each element of an array.
//!   The engine does not, but its `[*]` step unwraps exactly one array level
//!   and passes anything else through, so the compiled path gets a `[*]`
//!   before every such step, and after every path that is an operand of a
//!   comparison or arithmetic (lax mode compares an array's elements).
//! - **Decimal literals.** The engine's parser reads the integer part of
//!   `1.5` and then fails on `.5`. Decimal and exponent literals are lifted
//!   out of the text before parsing (replaced by marker strings) and put
//!   back into the compiled path as numbers.
//! - **Variables.** `$name` refers to a field of the `vars` object, as in
//!   PostgreSQL's `jsonb_path_query(target, path, vars)`; variables are
//!   lifted out the same way and replaced by their (scalar) values.
//!
//! The engine is also guarded against panics, so a path it cannot evaluate
//! is an error.

use std::borrow::Cow;

use jsonb::jsonpath::{BinaryOperator, Expr, JsonPath, Path, PathValue, Selector};
use jsonb::{Number, Value};

use crate::{Jsonb, JsonbError};

/// Starts the marker strings that stand in for lifted literals. A private
/// use character, so paths that already contain it are refused rather than
/// misread.
const MARK: char = '\u{F8FF}';

/// A literal lifted out of the path text.
enum Lifted {
    Number(f64),
    Var(String),
}

fn error(message: impl Into<String>) -> JsonbError {
    JsonbError::JsonPath(message.into())
}

fn syntax_error(path: &str) -> JsonbError {
    error(format!("syntax error in jsonpath input: \"{path}\""))
}

/// Compiles `path` and runs `run` over `doc`.
pub(crate) fn run<T>(
    doc: &Jsonb,
    path: &str,
    vars: Option<&Jsonb>,
    run: impl for<'a> FnOnce(&mut Selector<'a>, &'a JsonPath<'a>) -> Result<T, jsonb::Error>,
) -> Result<T, JsonbError> {
    let original = path;
    let path = strip_mode(path)?;
    if path.contains(MARK) {
        return Err(syntax_error(original));
    }
    let (text, lifted) = lift_literals(path);
    let values = lifted
        .into_iter()
        .map(|l| literal_value(l, vars))
        .collect::<Result<Vec<_>, _>>()?;
    let mut compiled =
        jsonb::jsonpath::parse_json_path(text.as_bytes()).map_err(|_| syntax_error(original))?;
    compiled.paths = rewrite_paths(std::mem::take(&mut compiled.paths), &values)?;
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut selector = Selector::new(jsonb::RawJsonb::new(doc.as_bytes()));
        run(&mut selector, &compiled)
    }));
    match outcome {
        Ok(result) => result.map_err(|e| match e {
            jsonb::Error::InvalidJsonPath => error(format!(
                "jsonpath expression cannot be evaluated: \"{original}\""
            )),
            other => error(other.to_string()),
        }),
        Err(_) => Err(error(format!(
            "jsonpath expression is not supported: \"{original}\""
        ))),
    }
}

/// Accepts PostgreSQL's optional `lax` mode prefix; `strict` mode is
/// refused, because the engine only evaluates in lax mode.
fn strip_mode(path: &str) -> Result<&str, JsonbError> {
    let trimmed = path.trim_start();
    let word_end = trimmed
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(trimmed.len());
    let word = &trimmed[..word_end];
    if word.eq_ignore_ascii_case("strict") {
        return Err(error("strict mode jsonpath is not supported"));
    }
    if word.eq_ignore_ascii_case("lax") {
        return Ok(trimmed[word_end..].trim_start());
    }
    Ok(trimmed)
}

/// Replaces decimal literals and `$name` variables outside string literals
/// with marker strings `"<MARK><n>"`, returning the new text and what each
/// marker stands for.
fn lift_literals(path: &str) -> (String, Vec<Lifted>) {
    let chars: Vec<char> = path.chars().collect();
    let mut out = String::with_capacity(path.len());
    let mut lifted = Vec::new();
    let mut i = 0;
    let mut in_string = false;
    while i < chars.len() {
        let c = chars[i];
        if in_string {
            out.push(c);
            if c == '\\' {
                if let Some(&next) = chars.get(i + 1) {
                    out.push(next);
                    i += 1;
                }
            } else if c == '"' {
                in_string = false;
            }
            i += 1;
            continue;
        }
        let prev = i.checked_sub(1).map(|p| chars[p]);
        let after_word =
            prev.is_some_and(|p| p.is_alphanumeric() || matches!(p, '_' | '.' | '$' | '@'));
        match c {
            '"' => {
                in_string = true;
                out.push(c);
                i += 1;
            }
            // `$name`: a variable (a bare `$` is the root).
            '$' if chars
                .get(i + 1)
                .is_some_and(|n| n.is_alphabetic() || *n == '_') =>
            {
                let end = (i + 1..chars.len())
                    .find(|&k| !(chars[k].is_alphanumeric() || chars[k] == '_'))
                    .unwrap_or(chars.len());
                let name: String = chars[i + 1..end].iter().collect();
                push_marker(&mut out, lifted.len());
                lifted.push(Lifted::Var(name));
                i = end;
            }
            // A number, with its sign when the minus is unary (the engine's
            // grammar takes no unary minus on a comparison's operand).
            d if (d.is_ascii_digit() && !after_word)
                || (d == '-'
                    && chars.get(i + 1).is_some_and(char::is_ascii_digit)
                    && unary_context(&chars[..i])) =>
            {
                let digits_start = if d == '-' { i + 1 } else { i };
                let end = number_end(&chars, digits_start);
                let token: String = chars[i..end].iter().collect();
                match token.parse::<f64>() {
                    Ok(f) if token.contains(['.', 'e', 'E']) => {
                        push_marker(&mut out, lifted.len());
                        lifted.push(Lifted::Number(f));
                    }
                    // Integers the engine reads itself.
                    _ => out.push_str(&token),
                }
                i = end;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    (out, lifted)
}

/// Whether a minus after `before` is a sign rather than a subtraction:
/// nothing but an operator or an opening bracket comes before it.
fn unary_context(before: &[char]) -> bool {
    match before.iter().rev().find(|c| !c.is_whitespace()) {
        None => true,
        Some(c) => matches!(
            c,
            '(' | ',' | '=' | '<' | '>' | '!' | '&' | '|' | '+' | '-' | '*' | '/' | '%'
        ),
    }
}

/// The end of the number literal starting at `start`: digits, then a
/// fraction if a digit follows the point, then an exponent if digits follow.
fn number_end(chars: &[char], start: usize) -> usize {
    let digits = |from: usize| {
        (from..chars.len())
            .find(|&k| !chars[k].is_ascii_digit())
            .unwrap_or(chars.len())
    };
    let is_digit = |k: usize| chars.get(k).is_some_and(char::is_ascii_digit);
    let mut end = digits(start);
    if chars.get(end) == Some(&'.') && is_digit(end + 1) {
        end = digits(end + 1);
    }
    if matches!(chars.get(end), Some('e' | 'E')) {
        let sign = usize::from(matches!(chars.get(end + 1), Some('+' | '-')));
        if is_digit(end + 1 + sign) {
            end = digits(end + 1 + sign);
        }
    }
    end
}

fn push_marker(out: &mut String, n: usize) {
    out.push('"');
    out.push(MARK);
    out.push_str(&n.to_string());
    out.push('"');
}

/// The value a lifted literal stands for.
fn literal_value(lifted: Lifted, vars: Option<&Jsonb>) -> Result<PathValue<'static>, JsonbError> {
    match lifted {
        Lifted::Number(f) => Ok(PathValue::Number(Number::Float64(f))),
        Lifted::Var(name) => {
            let value = vars
                .and_then(|v| v.get_field(&name))
                .ok_or_else(|| error(format!("could not find jsonpath variable \"{name}\"")))?;
            match value.value() {
                Value::Null => Ok(PathValue::Null),
                Value::Bool(b) => Ok(PathValue::Boolean(b)),
                Value::Number(n) => Ok(PathValue::Number(n)),
                Value::String(s) => Ok(PathValue::String(Cow::Owned(s.into_owned()))),
                _ => Err(error(format!(
                    "jsonpath variable \"{name}\" is an array or object; only scalar variables are supported"
                ))),
            }
        }
    }
}

/// Adds lax unwrapping and puts lifted literals back.
fn rewrite_paths<'a>(
    paths: Vec<Path<'a>>,
    values: &[PathValue<'static>],
) -> Result<Vec<Path<'a>>, JsonbError> {
    let mut out = Vec::with_capacity(paths.len() * 2);
    for step in paths {
        match step {
            Path::DotField(_) | Path::ColonField(_) | Path::ObjectField(_) | Path::DotWildcard => {
                out.push(Path::BracketWildcard);
                out.push(step);
            }
            Path::FilterExpr(expr) => {
                out.push(Path::BracketWildcard);
                out.push(Path::FilterExpr(Box::new(rewrite_expr(*expr, values)?)));
            }
            Path::Expr(expr) => out.push(Path::Expr(Box::new(rewrite_expr(*expr, values)?))),
            other => out.push(other),
        }
    }
    Ok(out)
}

fn rewrite_expr<'a>(expr: Expr<'a>, values: &[PathValue<'static>]) -> Result<Expr<'a>, JsonbError> {
    Ok(match expr {
        Expr::Paths(paths) => Expr::Paths(rewrite_paths(paths, values)?),
        Expr::ExistsFunc(paths) => Expr::ExistsFunc(rewrite_paths(paths, values)?),
        Expr::BinaryOp { op, left, right } => {
            let (mut left, mut right) =
                (rewrite_expr(*left, values)?, rewrite_expr(*right, values)?);
            // Lax mode compares (and computes with) the elements of an array
            // operand rather than the array itself; `&&` and `||` combine
            // conditions and take no items.
            if !matches!(op, BinaryOperator::And | BinaryOperator::Or) {
                for side in [&mut left, &mut right] {
                    if let Expr::Paths(paths) = side {
                        paths.push(Path::BracketWildcard);
                    }
                }
            }
            Expr::BinaryOp {
                op,
                left: Box::new(left),
                right: Box::new(right),
            }
        }
        Expr::UnaryOp { op, operand } => Expr::UnaryOp {
            op,
            operand: Box::new(rewrite_expr(*operand, values)?),
        },
        Expr::Value(value) => match *value {
            PathValue::String(s) if s.starts_with(MARK) => {
                let n: usize = s[MARK.len_utf8()..]
                    .parse()
                    .map_err(|_| error("malformed jsonpath literal marker"))?;
                let v = values
                    .get(n)
                    .cloned()
                    .ok_or_else(|| error("malformed jsonpath literal marker"))?;
                Expr::Value(Box::new(v))
            }
            other => Expr::Value(Box::new(other)),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifts_decimals_and_variables_outside_strings() {
        let (text, lifted) = lift_literals(
            r#"$.a[1 to 2] ? (@.b > 1.5 && @.c == "2.5" && @ < $max && @.x1 == 2e3)"#,
        );
        assert_eq!(
            text,
            "$.a[1 to 2] ? (@.b > \"\u{F8FF}0\" && @.c == \"2.5\" && @ < \"\u{F8FF}1\" && @.x1 == \"\u{F8FF}2\")"
        );
        assert!(matches!(lifted[0], Lifted::Number(f) if f == 1.5));
        assert!(matches!(&lifted[1], Lifted::Var(n) if n == "max"));
        assert!(matches!(lifted[2], Lifted::Number(f) if f == 2000.0));
        // A unary minus goes into the literal; a binary one stays.
        let (text, lifted) = lift_literals("$ ? (@.a > -1.5 && @.b - 2.5 == -3)");
        assert_eq!(
            text,
            "$ ? (@.a > \"\u{F8FF}0\" && @.b - \"\u{F8FF}1\" == -3)"
        );
        assert!(matches!(lifted[0], Lifted::Number(f) if f == -1.5));
        assert!(matches!(lifted[1], Lifted::Number(f) if f == 2.5));
        // Array indexes and member names stay as they are.
        assert_eq!(lift_literals("$.a[0].b1[last-1]").0, "$.a[0].b1[last-1]");
    }

    #[test]
    fn mode_prefix() {
        assert_eq!(strip_mode("  lax $.a").ok(), Some("$.a"));
        assert_eq!(strip_mode("$.lax").ok(), Some("$.lax"));
        assert!(strip_mode("strict $.a").is_err());
    }
}
