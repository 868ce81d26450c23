//! # arbor-schema: SQL types, values, encodings and table schemas
//!
//! Everything Arbor knows about a SQL value below the query engine:
//!
//! - [`DataType`] and [`Value`]: PostgreSQL's types and their semantics for
//!   comparison (three-valued with NULL, and a total order for sorting).
//! - [`text`] and [`cast`]: PostgreSQL's text input and output of every
//!   type, and the casts between types, with PostgreSQL's error messages and
//!   SQLSTATE codes ([`ValueError`]); [`numeric`] explains how `numeric` is
//!   held exactly and where that stops.
//! - [`key`]: the order-preserving key encoding (byte order = SQL order),
//!   which makes a prolly map keyed by encoded primary keys a sorted table.
//! - [`row`]: the row encoding, keyed by stable column tags so rows survive
//!   schema changes.
//! - [`interval`]: PostgreSQL's `interval` (months, days and
//!   microseconds), its text forms and its arithmetic with dates and times.
//! - [`zone`]: time zones, and the session's, in which `timestamptz`
//!   values are shown, read and broken into fields.
//! - [`array`]: the text form of one-dimensional arrays, a type of query
//!   results (catalog columns, `ARRAY[...]`, `array_agg`), never stored.
//! - [`sql_text`]: names and values quoted for generated SQL statements.
//! - [`table`]: [`TableSchema`], columns with tags, constraints, indexes and
//!   foreign keys, serialized deterministically; [`diff`] compares two
//!   schemas and [`merge`] combines concurrent schema changes three ways.
//!
//! Encodings are drawn byte by byte in `docs/schema.md`.

pub mod array;
pub mod cast;
pub mod diff;
mod error;
pub mod interval;
mod jsonb_key;
pub mod key;
pub mod merge;
pub mod numeric;
pub mod row;
pub mod sql_text;
pub mod table;
pub mod text;
mod types;
mod value;
pub mod zone;

pub use cast::{assign, cast};
pub use error::{ErrorKind, Result, ValueError};
pub use interval::Interval;
pub use table::{Column, TableSchema};
pub use text::{format_float, parse_value};
pub use types::{DataType, EnumType};
pub use value::{Value, compare_floats};
