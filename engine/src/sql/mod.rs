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
pub(crate) mod comments;
pub mod copy;
mod create_as;
pub(crate) mod data_tests;
pub(crate) mod ddl;
pub(crate) mod dml;
pub(crate) mod eval;
pub(crate) mod execution;
pub(crate) mod functions;
mod modifying_with;
pub(crate) mod parser;
pub mod pg_catalog;
pub(crate) mod planner;
pub(crate) mod predicate;
pub(crate) mod rebase_plan;
pub(crate) mod session;
pub mod settings;
pub(crate) mod system;
mod temporary;
mod truncate;

pub use bulk::{BulkWriter, EncodedRows, RowEncoder};
pub use execution::Interrupt;

/// Sets how the recursive stages (parsing, binding, optimizing, running)
/// grow their stack, once per process. Each function marked
/// `#[recursive::recursive]` (sqlparser's too) moves to a new stack
/// segment when less than the red zone is left; the stretch of frames
/// between two such functions must fit in it. The crate's default
/// (128 KiB) is too little for that stretch in an unoptimized build, where
/// binding a view parses its text in the middle of binding a query.
pub(crate) fn set_stack_growth() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        recursive::set_minimum_stack_size(1024 * 1024);
        recursive::set_stack_allocation_size(8 * 1024 * 1024);
    });
}
pub use planner::SqlChecks;
pub use session::{
    CatalogObjects, Described, EXPLAIN_COLUMN, Notice, NoticeSeverity, Prepared, RowSink, Session,
    StatementResult,
};
