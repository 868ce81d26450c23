//! Row constraints the table layer enforces without reading their text.
//!
//! A CHECK constraint is stored as SQL text in the table's schema; only the
//! SQL layer can bind and evaluate it. The table writer, bulk loads and
//! merges still have to enforce it, so they see a check through
//! [`RowCheck`], and whoever needs a table's checks asks a [`CheckBinder`]
//! (the SQL layer implements both). So the layers below SQL never import it.

use std::fmt;
use std::sync::Arc;

use arbor_schema::{TableSchema, Value};

use crate::error::Result;

/// One bound row constraint.
pub trait RowCheck: fmt::Debug + Send + Sync {
    /// The constraint's name, as error messages and conflicts show it.
    fn name(&self) -> &str;

    /// Whether `row` (a full row of the table, in schema order) satisfies the
    /// constraint. As in SQL, only a condition that is false fails: NULL passes.
    fn holds(&self, row: &[Value]) -> Result<bool>;
}

/// A table's bound checks, cheap to clone (bulk loads hand them to threads).
pub type Checks = Vec<Arc<dyn RowCheck>>;

/// Binds a table's CHECK constraints into [`RowCheck`]s.
pub trait CheckBinder: fmt::Debug + Sync {
    /// The checks of a table with `schema`, each reading only its own row.
    fn bind_checks(&self, schema: &TableSchema) -> Result<Checks>;
}
