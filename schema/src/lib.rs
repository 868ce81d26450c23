//! # arbor-schema: SQL types, values, encodings and table schemas
//!
//! - [`DataType`] and [`Value`]: PostgreSQL's types and their semantics for
//!   comparison (three-valued with NULL) and text output.
//! - [`key`]: the order-preserving key encoding (byte order = SQL order), which
//!   makes a prolly map keyed by encoded primary keys a sorted table.
//! - [`row`]: the row encoding, keyed by stable column tags so rows survive
//!   schema changes.
//! - [`TableSchema`]: columns with tags, constraints, indexes and foreign
//!   keys, serialized deterministically.
//!
//! Encodings are drawn in `docs/schema.md`.

mod error;
pub mod key;
pub mod row;
pub mod table;
mod types;
mod value;

pub use error::{Result, ValueError};
pub use table::{Column, TableSchema};
pub use types::DataType;
pub use value::{Value, compare_floats, format_float};
