//! SQL text for names, values and tables: what a generated statement (an
//! export, a diff's patch script, `schema show`) writes so that it reads
//! back as the same name, value or table. Every such statement quotes
//! through here.

use crate::table::{ForeignKey, ForeignKeyAction};
use crate::{TableSchema, Value};

/// `name` as a double-quoted SQL identifier (`"my ""col"""`), exactly the
/// name whatever its case or characters.
pub fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `name` as PostgreSQL's `quote_ident` writes it: as it is when it is a
/// plain lower-case name that is not a reserved word, else double-quoted.
pub fn quote_identifier_if_needed(name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !RESERVED.contains(&name);
    if plain {
        name.to_owned()
    } else {
        quote_identifier(name)
    }
}

/// `name` as shown to a person: the characters that would not show, or
/// would change how the text around them shows (controls, zero-width
/// spaces and joiners, direction marks and overrides, fillers), written as
/// `\u{202e}`; everything else as it is. A table named `invoices\u{202e}`
/// must not pass for another on a terminal or in CI output.
pub fn shown(name: &str) -> std::borrow::Cow<'_, str> {
    if !name.chars().any(is_invisible) {
        return std::borrow::Cow::Borrowed(name);
    }
    let mut out = String::with_capacity(name.len() + 8);
    for c in name.chars() {
        if is_invisible(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Whether `c` shows nothing (or only changes how others show): Unicode's
/// controls, the format characters, and the invisible fillers.
fn is_invisible(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}'
            | '\u{17B5}' | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' | '\u{FFA0}' | '\u{FFF0}'..='\u{FFFB}'
            | '\u{1BCA0}'..='\u{1BCA3}' | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}')
}

/// A string as a SQL string literal (`'it''s'`).
pub fn quote_string(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// A value as a SQL literal that reads back as the same value.
pub fn quote_value(value: &Value) -> String {
    value.sql_literal()
}

fn names(schema: &TableSchema, tags: &[u32]) -> String {
    let cols: Vec<String> = tags
        .iter()
        .map(|t| {
            schema
                .column_by_tag(*t)
                .map_or_else(|| format!("#{t}"), |c| quote_identifier_if_needed(&c.name))
        })
        .collect();
    cols.join(", ")
}

/// A referential action as SQL spells it (`SET NULL`).
pub fn foreign_key_action(a: ForeignKeyAction) -> &'static str {
    match a {
        ForeignKeyAction::NoAction => "NO ACTION",
        ForeignKeyAction::Restrict => "RESTRICT",
        ForeignKeyAction::Cascade => "CASCADE",
        ForeignKeyAction::SetNull => "SET NULL",
        ForeignKeyAction::SetDefault => "SET DEFAULT",
    }
}

impl TableSchema {
    /// The statements that create this table and its indexes, as
    /// `arbor schema show` prints them and a patch script runs them.
    pub fn to_create_sql(&self) -> String {
        create_table(self)
    }

    /// A foreign key of this table as a table constraint: `CONSTRAINT name
    /// FOREIGN KEY (...) REFERENCES parent (...)` with its actions.
    pub fn foreign_key_sql(&self, f: &ForeignKey) -> String {
        foreign_key(self, f)
    }
}

fn create_table(schema: &TableSchema) -> String {
    let mut lines: Vec<String> = schema
        .columns
        .iter()
        .map(|c| {
            let mut line = format!(
                "    {} {}",
                quote_identifier_if_needed(&c.name),
                c.data_type
            );
            if let Some(d) = &c.default {
                line.push_str(&format!(" DEFAULT {d}"));
            }
            if !c.nullable {
                line.push_str(" NOT NULL");
            }
            line
        })
        .collect();
    if !schema.primary_key.is_empty() {
        lines.push(format!(
            "    PRIMARY KEY ({})",
            names(schema, &schema.primary_key)
        ));
    }
    for u in &schema.uniques {
        lines.push(format!(
            "    CONSTRAINT {} UNIQUE ({})",
            quote_identifier_if_needed(&u.name),
            names(schema, &u.columns)
        ));
    }
    for c in &schema.checks {
        lines.push(format!(
            "    CONSTRAINT {} CHECK ({})",
            quote_identifier_if_needed(&c.name),
            c.expression
        ));
    }
    for f in &schema.foreign_keys {
        lines.push(format!("    {}", foreign_key(schema, f)));
    }
    let mut out = format!(
        "CREATE TABLE {} (\n{}\n);\n",
        quote_identifier_if_needed(&schema.name),
        lines.join(",\n")
    );
    for index in &schema.indexes {
        // A UNIQUE constraint's own index is printed with the constraint.
        if schema.uniques.iter().any(|u| u.name == index.name) {
            continue;
        }
        let cols: Vec<String> = index
            .columns
            .iter()
            .map(|(tag, desc)| {
                let name = schema.column_by_tag(*tag).map_or_else(
                    || format!("#{tag}"),
                    |c| quote_identifier_if_needed(&c.name),
                );
                if *desc { format!("{name} DESC") } else { name }
            })
            .collect();
        out.push_str(&format!(
            "CREATE {}INDEX {} ON {} ({});\n",
            if index.unique { "UNIQUE " } else { "" },
            quote_identifier_if_needed(&index.name),
            quote_identifier_if_needed(&schema.name),
            cols.join(", ")
        ));
    }
    out
}

fn foreign_key(schema: &TableSchema, f: &ForeignKey) -> String {
    let referenced: Vec<String> = f
        .referenced_columns
        .iter()
        .map(|c| quote_identifier_if_needed(c))
        .collect();
    let mut line = format!(
        "CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({})",
        quote_identifier_if_needed(&f.name),
        names(schema, &f.columns),
        quote_identifier_if_needed(&f.referenced_table),
        referenced.join(", ")
    );
    if f.on_delete != ForeignKeyAction::NoAction {
        line.push_str(&format!(" ON DELETE {}", foreign_key_action(f.on_delete)));
    }
    if f.on_update != ForeignKeyAction::NoAction {
        line.push_str(&format!(" ON UPDATE {}", foreign_key_action(f.on_update)));
    }
    line
}

/// PostgreSQL's reserved key words, which a bare identifier may not be.
const RESERVED: &[&str] = &[
    "all",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "both",
    "case",
    "cast",
    "check",
    "column",
    "constraint",
    "create",
    "current_date",
    "default",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "false",
    "fetch",
    "for",
    "foreign",
    "from",
    "grant",
    "group",
    "having",
    "in",
    "intersect",
    "into",
    "is",
    "join",
    "key",
    "leading",
    "limit",
    "not",
    "null",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "primary",
    "references",
    "select",
    "table",
    "then",
    "to",
    "trailing",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "value",
    "values",
    "when",
    "where",
    "window",
    "with",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_back_as_themselves() {
        assert_eq!(quote_identifier("a\"b"), "\"a\"\"b\"");
        assert_eq!(quote_identifier_if_needed("price_2"), "price_2");
        for quoted in ["Price", "2x", "order", "a b", ""] {
            assert_eq!(quote_identifier_if_needed(quoted), quote_identifier(quoted));
        }
        assert_eq!(quote_string("it's"), "'it''s'");
    }
}

#[cfg(test)]
mod shown_tests {
    use super::shown;

    #[test]
    fn invisible_characters_are_shown_escaped() {
        assert_eq!(shown("prices"), "prices");
        assert_eq!(shown("café_ñ"), "café_ñ");
        assert_eq!(shown("invoices\u{202e}txt"), "invoices\\u{202e}txt");
        assert_eq!(shown("a\u{200b}b\tc"), "a\\u{200b}b\\u{9}c");
        assert_eq!(shown("\u{feff}x"), "\\u{feff}x");
    }
}
