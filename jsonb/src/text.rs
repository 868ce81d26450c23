//! PostgreSQL's text output of jsonb.
//!
//! Objects print their keys in PostgreSQL's storage order (shorter keys first,
//! then bytewise), with `": "` after a key and `", "` between items.

use jsonb::{Number, Value};

/// Object entries in PostgreSQL's storage order.
pub(crate) fn ordered_entries<'v, 'a>(
    map: &'v jsonb::Object<'a>,
) -> Vec<(&'v String, &'v Value<'a>)> {
    let mut entries: Vec<_> = map.iter().collect();
    entries.sort_by(|(a, _), (b, _)| {
        a.len()
            .cmp(&b.len())
            .then_with(|| a.as_bytes().cmp(b.as_bytes()))
    });
    entries
}

pub(crate) fn write_value(out: &mut String, value: &Value<'_>) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::String(s) => write_string(out, s),
        Value::Number(n) => write_number(out, n),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, v)) in ordered_entries(map).into_iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_string(out, k);
                out.push_str(": ");
                write_value(out, v);
            }
            out.push('}');
        }
        other => write_string(out, &other.to_string()),
    }
}

fn write_number(out: &mut String, n: &Number) {
    match n {
        Number::Int64(i) => out.push_str(&i.to_string()),
        Number::UInt64(u) => out.push_str(&u.to_string()),
        Number::Float64(f) => out.push_str(&f.to_string()),
        other => out.push_str(&other.to_string()),
    }
}

fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}
