//! # arbor-engine: the repository and the SQL engine
//!
//! The repository layer (`objects`, `repo`) keeps versions of a database as
//! chunks in an `arbor-merkle` store; `vc` commits, branches, diffs and
//! merges them. The SQL layer (`sql`) runs statements against one version,
//! the working catalog of a branch.

pub mod env;
pub mod error;
pub mod objects;
pub mod remote;
pub mod repo;
pub mod sql;
pub mod table;
pub mod vc;

pub use error::{Error, Result};
