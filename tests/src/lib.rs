//! Shared helpers for Arbor's cross-crate suites and benchmarks.
//!
//! The suites themselves live in `tests/tests/` and `tests/benches/`.

pub mod bench_data;
pub mod bench_process;
#[cfg(feature = "sqlite")]
pub mod bench_sqlite;
pub mod bench_time;
pub mod golden;
pub mod pg_oracle;
pub mod pg_random;
pub mod postgres;
pub mod slt;
