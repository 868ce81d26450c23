//! The differential oracle's fixed corpus (`tests/pg/*.sql`): every
//! statement run against PostgreSQL 15 and Arbor, and what a client sees
//! compared (see `arbor_tests::pg_oracle`). Differences that are known are
//! marked in the corpus and explained in `docs/compat.md`; any other fails.

use std::path::Path;

use arbor_tests::pg_oracle::{Oracle, Report, parse_corpus, run_corpus};
use arbor_tests::pg_random;
use arbor_tests::postgres::Postgres;

/// Random queries run by `cargo test` (the long runs are `pg-random`'s).
const RANDOM_QUERIES: usize = 3_000;

#[test]
fn the_corpus_agrees_with_postgresql() {
    let Some(server) = Postgres::start_or_skip() else {
        return;
    };
    let mut oracle = Oracle::new(&server).expect("an oracle");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("pg");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/pg")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    let mut report = Report::default();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("a corpus file");
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        run_corpus(&mut oracle, &name, &text, &mut report).expect("a corpus run");
    }
    println!(
        "{} statements in {} files against PostgreSQL 15: {} agree, {} differ as known (docs/compat.md)",
        report.run,
        files.len(),
        report.agreed,
        report.known
    );
    assert!(report.run >= 150, "only {} statements", report.run);
    assert!(
        report.problems.is_empty(),
        "{} statements differ from PostgreSQL:\n\n{}",
        report.problems.len(),
        report.problems.join("\n\n")
    );
}

/// A fixed-seed random run agrees with PostgreSQL query for query.
#[test]
fn random_queries_agree_with_postgresql() {
    let Some(server) = Postgres::start_or_skip() else {
        return;
    };
    let mut oracle = Oracle::new(&server).expect("an oracle");
    let report = pg_random::run(&mut oracle, 7, RANDOM_QUERIES).expect("a random run");
    println!(
        "{} random queries against PostgreSQL 15: {} agreed, {} failed alike, {:?} differed as docs/compat.md explains, {} differed otherwise",
        report.queries,
        report.agreed,
        report.failed_alike,
        report.known,
        report.differences.len()
    );
    let compat =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/compat.md"))
            .expect("docs/compat.md");
    for reason in report.known.keys() {
        assert!(
            compat.contains(&format!("### {reason}")),
            "docs/compat.md does not explain: {reason}"
        );
    }
    assert_eq!(report.queries, RANDOM_QUERIES);
    // Most queries return rows: a generator whose queries all fail would
    // compare nothing.
    assert!(
        report.agreed > RANDOM_QUERIES * 3 / 4,
        "only {} agreed",
        report.agreed
    );
    assert!(
        report.differences.is_empty(),
        "{} random queries differ from PostgreSQL:\n\n{}",
        report.differences.len(),
        report
            .differences
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n\n")
    );
}

/// Every reason a corpus statement is marked to differ for is explained
/// in docs/compat.md.
#[test]
fn every_known_difference_is_documented() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let compat = std::fs::read_to_string(root.join("../docs/compat.md")).expect("docs/compat.md");
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(root.join("pg")).expect("tests/pg") {
        let path = entry.expect("an entry").path();
        let text = std::fs::read_to_string(&path).expect("a corpus file");
        for s in parse_corpus(&text) {
            if let Some(why) = s.differs
                && !compat.contains(&why)
            {
                missing.push(format!("{}:{}: {why}", path.display(), s.line));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "not in docs/compat.md:\n{}",
        missing.join("\n")
    );
}
