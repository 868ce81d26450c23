//! Tests of the crate's inner layers together, below the facade: merges
//! driven through `vc` with a SQL session to write the rows, folder
//! remotes tampered with chunk by chunk, and version control run against
//! a model. They sit above every layer (the layering test gives `tests`
//! the top place), so they may use any of them.

mod merge;
mod remote;
mod sequence;
mod vc_model;
