//! PostgreSQL's text form of a one-dimensional array (`{a,"b c",NULL}`):
//! the form of the `text[]` paths jsonb's operators take, and of every
//! array value a query makes (`arbor_schema::array`), written in one place.

/// The array whose elements have the text forms `elements` (`None`: a
/// NULL element), as PostgreSQL's array output writes it: an element is
/// quoted when it is empty, spells `NULL` in any case, or holds a brace,
/// comma, double quote, backslash or ASCII white space; inside quotes `"`
/// and `\` are escaped with `\`.
pub fn array_literal<'a>(elements: impl IntoIterator<Item = Option<&'a str>>) -> String {
    let mut out = String::from("{");
    for (i, element) in elements.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let Some(text) = element else {
            out.push_str("NULL");
            continue;
        };
        if needs_quotes(text) {
            out.push('"');
            for c in text.chars() {
                if c == '"' || c == '\\' {
                    out.push('\\');
                }
                out.push(c);
            }
            out.push('"');
        } else {
            out.push_str(text);
        }
    }
    out.push('}');
    out
}

/// Whether PostgreSQL's array output quotes an element.
fn needs_quotes(text: &str) -> bool {
    text.is_empty()
        || text.eq_ignore_ascii_case("null")
        || text
            .chars()
            .any(|c| matches!(c, '{' | '}' | ',' | '"' | '\\') || c.is_ascii_whitespace())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements_are_quoted_as_postgresql_quotes_them() {
        assert_eq!(array_literal([]), "{}");
        assert_eq!(
            array_literal([
                Some("a"),
                Some("b c"),
                None,
                Some("NULL"),
                Some(""),
                Some("x\"y\\z")
            ]),
            r#"{a,"b c",NULL,"NULL","","x\"y\\z"}"#
        );
    }
}
