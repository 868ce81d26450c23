//! Arbor's own sqllogictest files (`tests/slt/arbor/`): what the SQLite
//! corpus does not cover (window functions, CTEs, ALTER TABLE, constraints,
//! ON CONFLICT and RETURNING, transactions, JSONB, error cases). Every
//! record must pass.
//!
//! Each file is its own `#[test]`, named after it, in a fresh repository,
//! so a failure names its file and the others still run. A file must run
//! at least one record (a file whose records are all skipped, or that no
//! longer parses into any, tests nothing), and the last test fails when a
//! `.slt` file in the folder has no test of its own.

use std::path::{Path, PathBuf};

use arbor_tests::slt::{collect_files, run_path};

/// The folder of Arbor's own files.
fn own_folder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("slt/arbor")
}

/// Runs `tests/slt/arbor/<name>.slt`: every record passes, and at least one runs.
fn check_slt_file(name: &str) {
    let file = own_folder().join(format!("{name}.slt"));
    let report = run_path(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    assert!(
        report.failures.is_empty(),
        "{}: {} failing records:\n{}",
        file.display(),
        report.failures.len(),
        report.failures.join("\n")
    );
    assert!(
        report.passed > 0,
        "{}: no record ran ({} skipped)",
        file.display(),
        report.skipped
    );
}

/// One test per file, and the list of them for the guard below.
macro_rules! slt_file_tests {
    ($($name:ident),* $(,)?) => {
        /// The files that have a test, by file stem.
        const SLT_FILES: &[&str] = &[$(stringify!($name)),*];
        $(
            #[test]
            fn $name() {
                check_slt_file(stringify!($name));
            }
        )*
    };
}

slt_file_tests!(
    alter_table,
    constraints,
    cte,
    dml,
    errors,
    functions,
    jsonb,
    prepared,
    queries,
    sequences,
    transactions,
    version_control,
    window,
);

#[test]
fn every_slt_file_has_a_test() {
    let folder = own_folder();
    let mut files = Vec::new();
    collect_files(&folder, &mut files);
    assert!(
        !files.is_empty(),
        "no .slt files under {}",
        folder.display()
    );
    let untested: Vec<String> = files
        .iter()
        .filter(|file| {
            file.parent() != Some(folder.as_path())
                || file.extension().is_none_or(|e| e != "slt")
                || file
                    .file_stem()
                    .and_then(|stem| stem.to_str())
                    .is_none_or(|stem| !SLT_FILES.contains(&stem))
        })
        .map(|file| file.display().to_string())
        .collect();
    assert!(
        untested.is_empty(),
        "files without a test (add them to slt_file_tests! in tests/tests/own_slt.rs): {untested:?}"
    );
}
