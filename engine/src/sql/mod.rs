//! # The SQL engine
//!
//! SQL text goes through one stage per folder:
//!
//! 1. `parser`: text to sqlparser's syntax tree (PostgreSQL's dialect, plus
//!    `AS OF` time travel);
//! 2. `planner`: names bound against the catalog, expressions to positional
//!    [`planner::expr::Expr`]s, statements to [`planner::plan::Plan`]s;
//! 3. `execution`: plans run as streams of rows, reading tables (`table`)
//!    through prolly maps, expressions evaluated by `eval` and `functions`;
//! 4. `session`: statements applied to a branch's working catalog, one
//!    atomic publish per statement or per transaction.

pub(crate) mod bulk;
pub(crate) mod ddl;
pub(crate) mod dml;
pub(crate) mod eval;
pub(crate) mod execution;
pub(crate) mod functions;
pub(crate) mod parser;
pub(crate) mod planner;
pub(crate) mod predicate;
pub(crate) mod session;
pub(crate) mod system;

pub use bulk::{BulkWriter, EncodedRows, RowEncoder};
pub use planner::SqlChecks;
pub use session::{CatalogObjects, Prepared, RowSink, Session, StatementResult};
