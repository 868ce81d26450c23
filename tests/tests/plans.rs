//! Golden plan tests for the optimizer (`engine/src/sql/planner/optimizer.rs`).
//!
//! Each file of `tests/plans/` shows one rewrite at work: setup statements,
//! then `> EXPLAIN <query>` lines, each followed by the plan it must give,
//! and where useful a contrasting query the rule leaves alone. The format
//! is described in `arbor_tests::golden`; each file runs in a fresh
//! in-memory database.
//!
//! When a plan changes on purpose, rewrite the expected plans in place and
//! review the result with `git diff tests/plans`:
//!
//! ```text
//! UPDATE_GOLDEN=1 cargo test -j2 -p arbor-tests --test plans
//! ```
//!
//! Each file is its own `#[test]`, named after it; the last test fails
//! when a file in the folder has none, so no file sits there unrun.
//!
//! A scan's line names the columns it decodes when column pruning leaves
//! out some (`column_pruning.sql`), and the bounds of its key range. The
//! narrowing of a prepared query's key range once its parameters are known
//! (`narrow_for_parameters`, at execution) shows through `EXPLAIN EXECUTE`
//! (`key_range_parameters.sql`).

use std::path::{Path, PathBuf};

use arbor_tests::golden::{check_script, unlisted_files};

/// The folder of the plan scripts.
fn plans_folder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("plans")
}

/// Runs `tests/plans/<name>.sql`, failing with its mismatches.
fn check_plan_file(name: &str) {
    let path = plans_folder().join(format!("{name}.sql"));
    if let Err(message) = check_script(&path) {
        panic!("{message}");
    }
}

/// One test per plan script, and the list of them for the guard below.
macro_rules! plan_tests {
    ($($name:ident),* $(,)?) => {
        /// The scripts that have a test, by file stem.
        const PLAN_FILES: &[&str] = &[$(stringify!($name)),*];
        $(
            #[test]
            fn $name() {
                check_plan_file(stringify!($name));
            }
        )*
    };
}

plan_tests!(
    identity_projection,
    key_range,
    multi_point,
    index_scan,
    ordered_scan,
    aggregate_from_index,
    index_join,
    history_seek,
    diff_seek,
    blame_seek,
    predicate_pushdown,
    join_order,
    hash_join,
    column_pruning,
    key_range_parameters,
    multi_range,
    grouping_sets,
);

#[test]
fn every_plan_file_has_a_test() {
    let folder = plans_folder();
    let unlisted = unlisted_files(&folder, "sql", PLAN_FILES);
    assert!(
        unlisted.is_empty(),
        "plan scripts without a test (add them to plan_tests! in tests/tests/plans.rs): {unlisted:?}"
    );
    for name in PLAN_FILES {
        let path = folder.join(format!("{name}.sql"));
        assert!(
            path.is_file(),
            "plan_tests! lists {name}, but {} is missing",
            path.display()
        );
    }
}
