//! `TRUNCATE [TABLE] t [, ...] [CASCADE]`: every row of the tables gone, in
//! one transaction, as a DELETE of each would (rows are versioned, so the
//! change commits, diffs and merges like any other). As in PostgreSQL, a
//! table another table's foreign key references is refused unless that
//! table is truncated with it (named, or reached by CASCADE); referencing
//! tables are emptied before the tables they reference.

use sqlparser::ast;

use super::session::{Session, StatementResult};
use crate::error::{Error, Result, SqlState};

impl Session {
    /// Runs a TRUNCATE.
    pub(super) fn truncate(&mut self, truncate: &ast::Truncate) -> Result<StatementResult> {
        let restart = matches!(
            truncate.identity,
            Some(ast::TruncateIdentityOption::Restart)
        );
        let mut tables: Vec<String> = Vec::new();
        for target in &truncate.table_names {
            let name = super::planner::object_name(&target.name)?;
            if !self.has_table(&name) {
                if truncate.if_exists {
                    continue;
                }
                return Err(Error::new(
                    SqlState::UndefinedTable,
                    format!("relation \"{name}\" does not exist"),
                ));
            }
            if !tables.contains(&name) {
                tables.push(name);
            }
        }
        let edges: Vec<(String, String)> = self
            .foreign_keys(self.current_catalog())?
            .into_iter()
            .map(|(child, parent, _)| (child, parent))
            .collect();
        let cascade = matches!(truncate.cascade, Some(ast::CascadeOption::Cascade));
        // With CASCADE, every table that references one truncated is too.
        let mut grew = cascade;
        while grew {
            grew = false;
            for (child, parent) in &edges {
                if tables.contains(parent) && !tables.contains(child) {
                    tables.push(child.clone());
                    grew = true;
                }
            }
        }
        if let Some((child, parent)) = edges
            .iter()
            .find(|(child, parent)| tables.contains(parent) && !tables.contains(child))
        {
            return Err(Error::new(
                SqlState::FeatureNotSupported,
                "cannot truncate a table referenced in a foreign key constraint",
            )
            .with_detail(format!("Table \"{child}\" references \"{parent}\"."))
            .with_hint(format!(
                "Truncate table \"{child}\" at the same time, or use TRUNCATE ... CASCADE."
            )));
        }
        // Referencing tables first, so no delete finds its rows referenced
        // by rows still there (a table's references to itself are checked
        // at the end of its own delete).
        let mut order = Vec::new();
        while !tables.is_empty() {
            let next = tables
                .iter()
                .position(|t| {
                    !edges
                        .iter()
                        .any(|(child, parent)| parent == t && child != t && tables.contains(child))
                })
                .unwrap_or(0);
            order.push(tables.remove(next));
        }
        let mut statements = Vec::new();
        for t in &order {
            statements.push(format!(
                "DELETE FROM {}",
                arbor_schema::sql_text::quote_identifier_if_needed(t)
            ));
        }
        // RESTART IDENTITY puts the sequences the tables' serial and
        // identity columns own back to their starts.
        if restart {
            let mut owned = Vec::new();
            for t in &order {
                if let Some(schema) = self.table_schema(t)? {
                    owned.extend(crate::table::sequences::owned_by(t, &schema));
                }
            }
            let catalog = self.current_catalog();
            for name in owned {
                if let Some(bytes) = catalog.sequences.get(&name) {
                    let start = crate::table::sequences::Sequence::decode(bytes)?.start;
                    statements.push(format!(
                        "SELECT setval({}, {start}, false)",
                        arbor_schema::sql_text::quote_string(&name)
                    ));
                }
            }
        }
        let parsed = statements
            .iter()
            .map(|sql| super::parser::parse_one(sql))
            .collect::<Result<Vec<_>>>()?;
        self.in_one_transaction(|session| {
            for statement in &parsed {
                session.execute_one(statement)?;
            }
            Ok(())
        })?;
        Ok(StatementResult::Command {
            tag: "TRUNCATE TABLE".into(),
            rows: None,
        })
    }
}
