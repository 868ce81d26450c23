//! The Rust generator of the benchmark table must match `../shared/bench/datagen.py`
//! byte for byte, so that figures compare across engines and issues.

use std::path::Path;
use std::process::Command;

use arbor_tests::bench_data::{CSV_HEADER, row};

#[test]
fn matches_the_python_generator() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/bench/datagen.py");
    if !script.exists() {
        println!(
            "skipped: {} is absent (the shared benchmark data sits beside the repository)",
            script.display()
        );
        return;
    }
    let out = match Command::new("python3").arg(&script).arg("3000").output() {
        Ok(out) if out.status.success() => out.stdout,
        other => {
            println!("skipped: python3 could not run the generator: {other:?}");
            return;
        }
    };
    let mut expected = String::from(CSV_HEADER);
    expected.push('\n');
    for i in 1..=3000 {
        expected.push_str(&row(i).csv_line());
    }
    let python = String::from_utf8(out).expect("the generator writes UTF-8");
    for (n, (a, b)) in python.lines().zip(expected.lines()).enumerate() {
        assert_eq!(a, b, "line {} differs", n + 1);
    }
    assert_eq!(python, expected);
}
