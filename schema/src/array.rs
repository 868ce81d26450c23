//! One-dimensional arrays: PostgreSQL's text form of an array value
//! (`{1,2,NULL}`, `{"a b","x\"y"}`), read and written.
//!
//! Arrays are values of queries (catalog columns such as `pg_index.indkey`,
//! `ARRAY[...]`, `array_agg`, `'{a,b}'::text[]`), not of stored columns: a
//! table column of an array type is refused when the table is created, so
//! the row and key encodings never meet one. Lower bounds are always 1 and
//! arrays have one dimension; a multi-dimensional literal is refused.
//!
//! Output quotes an element when PostgreSQL does (see
//! `arbor_jsonb::array_text`, which writes jsonb's `text[]` paths too).

use crate::error::{ErrorKind, Result, ValueError};
use crate::text::parse_value;
use crate::types::DataType;
use crate::value::Value;

/// The text form of an array whose elements are `elements`.
pub fn format_array(elements: &[Value]) -> String {
    let texts: Vec<Option<String>> = elements
        .iter()
        .map(|e| (!e.is_null()).then(|| e.to_string()))
        .collect();
    arbor_jsonb::array_text::array_literal(texts.iter().map(Option::as_deref))
}

/// The text form of an `int2vector` or `oidvector`: the elements
/// separated by spaces.
pub fn format_vector(elements: &[Value]) -> String {
    elements
        .iter()
        .map(Value::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Reads `text`, the text form of a one-dimensional array, as elements of
/// type `element` (each through the element type's input function).
pub fn parse_array(text: &str, element: &DataType) -> Result<Vec<Value>> {
    let malformed = |detail: &str| {
        ValueError::new(
            ErrorKind::InvalidTextRepresentation,
            format!("malformed array literal: \"{text}\""),
        )
        .with_detail(detail.to_owned())
    };
    let body = text
        .trim()
        .strip_prefix('{')
        .and_then(|t| t.strip_suffix('}'))
        .ok_or_else(|| malformed("Array value must start with \"{\" or dimension information."))?;
    let mut elements = Vec::new();
    if body.trim().is_empty() {
        return Ok(elements);
    }
    let mut chars = body.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let mut item = String::new();
        let quoted = chars.next_if_eq(&'"').is_some();
        if quoted {
            loop {
                match chars.next() {
                    Some('"') => break,
                    Some('\\') => match chars.next() {
                        Some(c) => item.push(c),
                        None => return Err(malformed("Unexpected end of input.")),
                    },
                    Some(c) => item.push(c),
                    None => return Err(malformed("Unexpected end of input.")),
                }
            }
            while chars.next_if(|c| c.is_whitespace()).is_some() {}
        } else {
            while let Some(c) = chars.next_if(|c| *c != ',') {
                match c {
                    '{' => return Err(malformed("Multidimensional arrays are not supported.")),
                    '"' | '}' => return Err(malformed("Unexpected array element.")),
                    '\\' => match chars.next() {
                        Some(c) => item.push(c),
                        None => return Err(malformed("Unexpected end of input.")),
                    },
                    c => item.push(c),
                }
            }
            let trimmed = item.trim_end().len();
            item.truncate(trimmed);
            if item.is_empty() {
                return Err(malformed("Unexpected \",\" character."));
            }
        }
        elements.push(if !quoted && item.eq_ignore_ascii_case("null") {
            Value::Null
        } else {
            parse_value(&item, element)?
        });
        match chars.next() {
            None => return Ok(elements),
            Some(',') => {}
            Some(_) => return Err(malformed("Unexpected array element.")),
        }
    }
}

/// The element type an array of `elements` has, from its first non-NULL
/// element (`text` when there is none, as for an untyped `'{}'`).
pub fn element_type(elements: &[Value]) -> DataType {
    elements
        .iter()
        .find_map(Value::data_type)
        .unwrap_or(DataType::Text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_form_round_trips() {
        let v = vec![
            Value::Text("a".into()),
            Value::Text("b c".into()),
            Value::Null,
            Value::Text("NULL".into()),
            Value::Text(String::new()),
            Value::Text("x\"y\\z".into()),
        ];
        let text = format_array(&v);
        assert_eq!(text, r#"{a,"b c",NULL,"NULL","","x\"y\\z"}"#);
        assert_eq!(parse_array(&text, &DataType::Text).unwrap(), v);
    }

    #[test]
    fn elements_take_the_element_type() {
        assert_eq!(
            parse_array(" { 1 , 2,NULL } ", &DataType::Integer).unwrap(),
            vec![Value::Integer(1), Value::Integer(2), Value::Null]
        );
        assert_eq!(parse_array("{}", &DataType::Integer).unwrap(), vec![]);
        assert!(parse_array("{1,x}", &DataType::Integer).is_err());
    }

    #[test]
    fn malformed_literals_are_refused() {
        for bad in ["1,2", "{1,2", "{{1},{2}}", "{1,,2}", "{\"a}", "{a\"b\"}"] {
            let e = parse_array(bad, &DataType::Text).unwrap_err();
            assert_eq!(e.kind, ErrorKind::InvalidTextRepresentation, "{bad}");
        }
    }
}
