//! Comments on objects (`COMMENT ON TABLE orders IS 'what we sold'`), kept
//! in the catalog by the object they describe, so they commit, diff and
//! merge with the schema.
//!
//! An object is named by a key: `table <name>` (a table, view or sequence:
//! PostgreSQL's relations), `column <table> <tag>` (a column by its tag, so
//! renaming the column keeps its comment), `type <name>`, `function
//! <signature>` and `schema public`. A comment goes with its object: after
//! a statement that drops or renames objects, [`follow`] moves the comments
//! of a renamed relation and drops those whose object is gone.

use arbor_schema::sql_text::quote_identifier_if_needed as quoted;

use crate::error::Result;
use crate::objects::Catalog;
use crate::repo::Repository;
use crate::table::Table;

/// The kinds of relation a comment names, as `COMMENT ON` spells them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RelationKind {
    /// `TABLE`.
    Table,
    /// `VIEW`.
    View,
    /// `SEQUENCE`.
    Sequence,
}

impl RelationKind {
    fn word(self) -> &'static str {
        match self {
            RelationKind::Table => "table",
            RelationKind::View => "view",
            RelationKind::Sequence => "sequence",
        }
    }
}

/// The key of a relation's comment.
pub(crate) fn relation_key(kind: RelationKind, name: &str) -> String {
    format!("{} {}", kind.word(), quoted(name))
}

/// The key of a column's comment.
pub(crate) fn column_key(table: &str, column: &str) -> String {
    format!("column {}.{}", quoted(table), quoted(column))
}

/// The key of a type's comment.
pub(crate) fn type_key(name: &str) -> String {
    format!("type {}", quoted(name))
}

/// The key of a function's comment.
pub(crate) fn function_key(signature: &str) -> String {
    format!("function {signature}")
}

/// The key of schema `public`'s comment (the one schema there is).
pub(crate) const PUBLIC_SCHEMA_KEY: &str = "schema public";

/// What a comment's key names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    /// A table, view or sequence.
    Relation(RelationKind, String),
    /// A table's column: the table, the column.
    Column(String, String),
    /// A type.
    Type(String),
    /// A function, by signature.
    Function(String),
    /// Schema `public`.
    PublicSchema,
}

/// What `key` names; `None` for a key no version of Arbor writes.
pub(crate) fn target(key: &str) -> Option<Target> {
    if key == PUBLIC_SCHEMA_KEY {
        return Some(Target::PublicSchema);
    }
    let (kind, rest) = key.split_once(' ')?;
    let one = || match identifiers(rest)?.as_slice() {
        [name] => Some(name.clone()),
        _ => None,
    };
    Some(match kind {
        "table" => Target::Relation(RelationKind::Table, one()?),
        "view" => Target::Relation(RelationKind::View, one()?),
        "sequence" => Target::Relation(RelationKind::Sequence, one()?),
        "column" => match identifiers(rest)?.as_slice() {
            [table, column] => Target::Column(table.clone(), column.clone()),
            _ => return None,
        },
        "type" => Target::Type(one()?),
        "function" => Target::Function(rest.to_owned()),
        _ => return None,
    })
}

/// The `COMMENT ON` statement that sets (or with `None` removes) the
/// comment `key` names, for SQL patches.
pub fn statement(key: &str, text: Option<&str>) -> Option<String> {
    let (kind, rest) = key.split_once(' ')?;
    let object = match target(key)? {
        // A signature's name is quoted; its types read as written.
        Target::Function(signature) => {
            let (name, types) = signature.split_once('(')?;
            format!("{}({types}", quoted(name))
        }
        _ => rest.to_owned(),
    };
    let text = text.map_or("NULL".to_owned(), |t| {
        format!("'{}'", t.replace('\'', "''"))
    });
    Some(format!(
        "COMMENT ON {} {object} IS {text};",
        kind.to_ascii_uppercase()
    ))
}

/// The identifiers of a dotted name as [`quoted`] writes each.
fn identifiers(text: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        let mut name = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next()? {
                    '"' if chars.peek() == Some(&'"') => {
                        chars.next();
                        name.push('"');
                    }
                    '"' => break,
                    c => name.push(c),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == '.' {
                    break;
                }
                name.push(c);
                chars.next();
            }
        }
        out.push(name);
        match chars.next() {
            None => return Some(out),
            Some('.') => {}
            Some(_) => return None,
        }
    }
}

/// What a statement renamed: a table (old name, new name) and its columns
/// (old name, new name), under the table's new name.
#[derive(Debug, Default)]
pub(crate) struct Renames {
    /// The table's old and new name, if it was renamed.
    pub table: Option<(String, String)>,
    /// The table (by its new name) whose columns were renamed, and them.
    pub columns: Option<(String, Vec<(String, String)>)>,
}

/// After a statement that may drop or rename objects: moves the comments
/// of renamed tables and columns, and drops every comment whose object
/// `catalog` no longer has.
pub(crate) fn follow(repo: &Repository, catalog: &mut Catalog, renames: &Renames) -> Result<()> {
    if catalog.comments.is_empty() {
        return Ok(());
    }
    let comments = std::mem::take(&mut catalog.comments);
    let mut kept = std::collections::BTreeMap::new();
    for (key, text) in comments {
        let key = match target(&key) {
            Some(Target::Relation(kind, r)) => match &renames.table {
                Some((old, new)) if *old == r => relation_key(kind, new),
                _ => key,
            },
            Some(Target::Column(t, c)) => {
                let t = match &renames.table {
                    Some((old, new)) if *old == t => new.clone(),
                    _ => t,
                };
                let c = match &renames.columns {
                    Some((table, columns)) if *table == t => columns
                        .iter()
                        .find(|(old, _)| *old == c)
                        .map_or(c, |(_, new)| new.clone()),
                    _ => c,
                };
                column_key(&t, &c)
            }
            _ => key,
        };
        let exists = match target(&key) {
            Some(Target::Relation(RelationKind::Table, r)) => catalog.tables.contains_key(&r),
            Some(Target::Relation(RelationKind::View, r)) => catalog.views.contains_key(&r),
            Some(Target::Relation(RelationKind::Sequence, r)) => catalog.sequences.contains_key(&r),
            Some(Target::Column(t, c)) => match catalog.tables.get(&t) {
                Some(address) => Table::from_object(repo.read_table(address)?)?
                    .schema
                    .column_index(&c)
                    .is_some(),
                None => false,
            },
            Some(Target::Type(t)) => catalog.types.contains_key(&t),
            Some(Target::Function(f)) => catalog.functions.contains_key(&f),
            Some(Target::PublicSchema) | None => true,
        };
        if exists {
            kept.insert(key, text);
        }
    }
    catalog.comments = kept;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_read_back_whatever_the_names_hold() {
        let key = column_key("my.table", "Qty \"x\"");
        assert_eq!(key, "column \"my.table\".\"Qty \"\"x\"\"\"");
        assert_eq!(
            target(&key),
            Some(Target::Column("my.table".into(), "Qty \"x\"".into()))
        );
        assert_eq!(
            target(&relation_key(RelationKind::View, "a b")),
            Some(Target::Relation(RelationKind::View, "a b".into()))
        );
        assert_eq!(
            target(&function_key("f(integer, text)")),
            Some(Target::Function("f(integer, text)".into()))
        );
        assert_eq!(target(PUBLIC_SCHEMA_KEY), Some(Target::PublicSchema));
        assert_eq!(target("column t"), None);
        assert_eq!(target("index i"), None);
    }

    #[test]
    fn statements_name_the_object_as_sql_reads_it() {
        assert_eq!(
            statement(&column_key("Orders", "qty"), Some("it's")).unwrap(),
            "COMMENT ON COLUMN \"Orders\".qty IS 'it''s';"
        );
        assert_eq!(
            statement(&function_key("Add(integer)"), None).unwrap(),
            "COMMENT ON FUNCTION \"Add\"(integer) IS NULL;"
        );
    }
}
