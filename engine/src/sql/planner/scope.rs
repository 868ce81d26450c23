//! Name resolution: which input column a name in a statement refers to.
//!
//! A [`Scope`] lists the columns a plan node produces, each with the table
//! name or alias it can be qualified by. Binding `t.a` or `a` looks the name
//! up in the current scope; a name not found there is looked up in the scopes
//! of enclosing queries, which makes it a correlated (outer) reference.
//! PostgreSQL folds unquoted identifiers to lower case before any of this;
//! the binder does the same before calling in.

use arbor_schema::{DataType, TableSchema};

use crate::error::{Error, Result, SqlState};

/// One column visible in a scope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScopeColumn {
    /// The table name or alias that can qualify it, if any.
    pub table: Option<String>,
    /// The column name (or output label).
    pub name: String,
    /// Hidden columns (the row key an UPDATE or DELETE carries to find the
    /// rows it changes) are the planner's own, used by position: a name in
    /// the statement never finds one (a subquery's unknown name would
    /// otherwise bind to the outer row's key and match every row), and `*`
    /// never expands to one.
    pub hidden: bool,
    /// A column found only by its qualified name and by `t.*`: each side's
    /// column of a `JOIN ... USING` (or NATURAL JOIN), whose plain name and
    /// place in `*` belong to the merged column.
    pub qualified_only: bool,
    /// The column's type where binding can tell it (a table's column, a
    /// cast, a literal, an operator over typed inputs): what a string
    /// literal or a parameter compared with it is read as, and the type a
    /// result column is described with. `None`: known only from values.
    pub data_type: Option<DataType>,
}

/// The columns of a plan node's output, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scope {
    /// Columns, by position in the row.
    pub columns: Vec<ScopeColumn>,
}

/// Where a name resolved to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resolved {
    /// Column `index` of the current row.
    Local(usize),
    /// Column `index` of the row of the query `depth` levels out.
    Outer {
        /// 1 for the immediately enclosing query.
        depth: usize,
        /// Column position in that query's row.
        index: usize,
    },
}

impl Scope {
    /// An empty scope (a query without FROM).
    pub fn new() -> Scope {
        Scope::default()
    }

    /// A scope for a table's columns, qualified by `qualifier`.
    pub fn for_table(qualifier: &str, names: impl IntoIterator<Item = String>) -> Scope {
        Scope {
            columns: names
                .into_iter()
                .map(|name| ScopeColumn {
                    table: Some(qualifier.to_owned()),
                    name,
                    hidden: false,
                    qualified_only: false,
                    data_type: None,
                })
                .collect(),
        }
    }

    /// A scope for the columns of a table of `schema`, with their types,
    /// qualified by `qualifier`.
    pub fn for_schema(qualifier: &str, schema: &TableSchema) -> Scope {
        Scope {
            columns: schema
                .columns
                .iter()
                .map(|c| ScopeColumn {
                    table: Some(qualifier.to_owned()),
                    name: c.name.clone(),
                    hidden: false,
                    qualified_only: false,
                    data_type: Some(c.data_type.clone()),
                })
                .collect(),
        }
    }

    /// Number of columns.
    pub fn len(&self) -> usize {
        self.columns.len()
    }

    /// The scope of a join: the left columns, then the right.
    pub fn join(&self, right: &Scope) -> Scope {
        let mut columns = self.columns.clone();
        columns.extend(right.columns.iter().cloned());
        Scope { columns }
    }

    /// Re-qualifies every column with `alias` (a subquery or aliased table).
    pub fn requalify(&mut self, alias: &str) {
        for c in &mut self.columns {
            c.table = Some(alias.to_owned());
        }
    }

    /// Whether some column is qualified by `table`.
    pub fn has_table(&self, table: &str) -> bool {
        self.columns
            .iter()
            .any(|c| c.table.as_deref() == Some(table))
    }

    /// The one column of the FROM item named `name`, if it has one
    /// column: PostgreSQL's whole-row reference to a function that returns
    /// one value (`SELECT e FROM jsonb_array_elements(j) AS e`).
    fn single_column_of(&self, name: &str) -> Option<usize> {
        let mut of_item = self
            .columns
            .iter()
            .enumerate()
            .filter(|(_, c)| !c.hidden && c.table.as_deref() == Some(name));
        match (of_item.next(), of_item.next()) {
            (Some((i, _)), None) => Some(i),
            _ => None,
        }
    }

    /// Finds `table.name` (or `name`) in this scope only.
    pub fn find(&self, table: Option<&str>, name: &str) -> Result<Option<usize>> {
        let mut found = None;
        for (i, c) in self.columns.iter().enumerate() {
            let table_matches = match table {
                Some(t) => c.table.as_deref() == Some(t),
                None => true,
            };
            let reachable = !c.hidden && (table.is_some() || !c.qualified_only);
            if table_matches && reachable && c.name == name {
                if found.is_some() {
                    return Err(Error::new(
                        SqlState::AmbiguousColumn,
                        format!(
                            "column reference \"{}\" is ambiguous",
                            qualified(table, name)
                        ),
                    ));
                }
                found = Some(i);
            }
        }
        Ok(found)
    }

    /// The positions a `*` or `t.*` expands to.
    pub fn expand(&self, table: Option<&str>) -> Result<Vec<usize>> {
        if let Some(t) = table
            && !self.has_table(t)
        {
            return Err(Error::new(
                SqlState::UndefinedTable,
                format!("missing FROM-clause entry for table \"{t}\""),
            ));
        }
        Ok(self
            .columns
            .iter()
            .enumerate()
            .filter(|(_, c)| {
                !c.hidden
                    && match table {
                        Some(t) => c.table.as_deref() == Some(t),
                        None => !c.qualified_only,
                    }
            })
            .map(|(i, _)| i)
            .collect())
    }
}

/// Resolves a column name against the current scope and then the scopes of
/// enclosing queries (innermost first).
pub fn resolve(
    scope: &Scope,
    outer: &[&Scope],
    table: Option<&str>,
    name: &str,
) -> Result<Resolved> {
    if let Some(i) = scope.find(table, name)? {
        return Ok(Resolved::Local(i));
    }
    for (depth, s) in outer.iter().rev().enumerate() {
        if let Some(index) = s.find(table, name)? {
            return Ok(Resolved::Outer {
                depth: depth + 1,
                index,
            });
        }
    }
    // No column has the name: a FROM item of one column may (searched
    // after every column, as PostgreSQL tries a whole-row reference last).
    if table.is_none() {
        if let Some(i) = scope.single_column_of(name) {
            return Ok(Resolved::Local(i));
        }
        for (depth, s) in outer.iter().rev().enumerate() {
            if let Some(index) = s.single_column_of(name) {
                return Ok(Resolved::Outer {
                    depth: depth + 1,
                    index,
                });
            }
        }
    }
    let known_table =
        table.is_none_or(|t| scope.has_table(t) || outer.iter().any(|s| s.has_table(t)));
    if !known_table {
        return Err(Error::new(
            SqlState::UndefinedTable,
            format!(
                "missing FROM-clause entry for table \"{}\"",
                table.unwrap_or_default()
            ),
        ));
    }
    let e = Error::new(
        SqlState::UndefinedColumn,
        // PostgreSQL quotes a plain name but not a qualified one.
        match table {
            Some(t) => format!("column {t}.{name} does not exist"),
            None => format!("column \"{name}\" does not exist"),
        },
    );
    // PostgreSQL's physical row address has no counterpart in Arbor.
    Err(if name == "ctid" {
        e.with_hint("Arbor rows have no ctid: find a row by its primary key or its values")
    } else {
        e
    })
}

fn qualified(table: Option<&str>, name: &str) -> String {
    match table {
        Some(t) => format!("{t}.{name}"),
        None => name.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn hidden_columns_are_never_found_by_name() {
        let mut target = Scope::for_table("t", names(&["a"]));
        target.columns.push(ScopeColumn {
            table: Some("t".into()),
            name: "ctid".into(),
            hidden: true,
            qualified_only: false,
            data_type: None,
        });
        let inner = Scope::for_table("t", names(&["a"]));
        for table in [None, Some("t")] {
            let e = resolve(&inner, &[&target], table, "ctid").unwrap_err();
            assert_eq!(e.code, SqlState::UndefinedColumn);
        }
        assert_eq!(target.expand(None).unwrap(), vec![0]);
    }

    #[test]
    fn resolves_local_outer_and_reports_errors() {
        let t1 = Scope::for_table("t1", names(&["a", "b"]));
        let t2 = Scope::for_table("t2", names(&["b", "c"]));
        let joined = t1.join(&t2);
        assert_eq!(
            resolve(&joined, &[], None, "a").unwrap(),
            Resolved::Local(0)
        );
        assert_eq!(
            resolve(&joined, &[], Some("t2"), "b").unwrap(),
            Resolved::Local(2)
        );
        assert_eq!(
            resolve(&joined, &[], None, "b").unwrap_err().code,
            SqlState::AmbiguousColumn
        );
        assert_eq!(
            resolve(&joined, &[], None, "z").unwrap_err().code,
            SqlState::UndefinedColumn
        );
        assert_eq!(
            resolve(&joined, &[], Some("t9"), "a").unwrap_err().code,
            SqlState::UndefinedTable
        );
        let inner = Scope::for_table("t3", names(&["d"]));
        assert_eq!(
            resolve(&inner, &[&joined], None, "c").unwrap(),
            Resolved::Outer { depth: 1, index: 3 }
        );
        assert_eq!(joined.expand(Some("t2")).unwrap(), vec![2, 3]);
        assert_eq!(joined.expand(None).unwrap().len(), 4);
    }
}
