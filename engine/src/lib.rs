//! # arbor-engine: the repository and the SQL engine
//!
//! The repository layer (`objects`, and soon refs, commits, diff and merge)
//! keeps versions of a database as chunks in an `arbor-merkle` store. The SQL
//! layer (`sql`) runs statements against one version, the working catalog of
//! a branch.

pub mod error;
pub mod objects;
pub mod repo;
pub mod sql;

pub use error::{Error, Result};
