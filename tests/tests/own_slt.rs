//! Arbor's own sqllogictest files (`tests/slt/arbor/`): what the SQLite
//! corpus does not cover (window functions, CTEs, ALTER TABLE, constraints,
//! ON CONFLICT and RETURNING, transactions, JSONB, error cases). Every
//! record must pass.

use std::path::Path;

use arbor_tests::slt::{collect_files, run_path};

#[test]
fn every_record_of_our_own_files_passes() {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("slt/arbor");
    let mut files = Vec::new();
    collect_files(&folder, &mut files);
    assert!(
        !files.is_empty(),
        "no .slt files under {}",
        folder.display()
    );
    let mut failures = Vec::new();
    let mut passed = 0;
    for file in &files {
        let report = run_path(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        passed += report.passed;
        for f in report.failures {
            failures.push(format!("{}: {f}", file.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failing records:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(passed >= 100, "only {passed} records ran");
}
