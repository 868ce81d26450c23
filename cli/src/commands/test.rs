//! `arbor test`: run the data tests stored in the `arbor_tests` table
//! against the working set or a revision, and report as text, JSON or
//! JUnit XML (for CI systems); exit 1 when any fails, 2 on an error.

use std::path::Path;
use std::process::ExitCode;

use arbor_engine::{Database, TestOutcome, ops};

use crate::ui::CliError;
use crate::{identity, vcs};

/// How the report is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// A line per test, then the counts.
    Text,
    /// One JSON document.
    Json,
    /// JUnit XML, as CI systems read test reports.
    Junit,
}

/// Arguments of `arbor test`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The tests to run, by name or by group (every test by default).
    names: Vec<String>,
    /// Run the tests of this group (repeatable).
    #[arg(long, value_name = "GROUP")]
    group: Vec<String>,
    /// Test the data (and the tests) of this revision instead of the
    /// working set.
    #[arg(long, value_name = "REV")]
    revision: Option<String>,
    /// How to report.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

/// Runs `arbor test`. Its exit code: 0 every test passed (or there are
/// none), 1 a test failed, 2 an error (no such test, no such revision), so
/// that a CI gate tells a failing test from a broken setup.
pub fn run(args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    match test(args, cwd) {
        Ok(code) => Ok(code),
        Err(e) => {
            crate::ui::print_error(&e);
            Ok(ExitCode::from(2))
        }
    }
}

fn test(args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    let repository = vcs::open_read_only(cwd)?;
    let branch = ops::current_branch(&repository)?;
    let at = match &args.revision {
        Some(revision) => Some(vcs::resolve(&repository, revision)?),
        None => None,
    };
    let mut select = args.names.clone();
    select.extend(args.group.iter().cloned());
    let database = Database::from_repository(repository, identity::environment(cwd)?);
    let outcomes = database.branch(&branch)?.data_tests(at, &select)?;
    let failed = outcomes.iter().filter(|o| !o.passed).count();
    let passed = outcomes.len() - failed;
    match args.format {
        Format::Text => {
            if outcomes.is_empty() {
                println!("no tests: add them as rows of arbor_tests");
            }
            for o in &outcomes {
                if o.passed {
                    println!("PASS  {}", o.name);
                } else {
                    println!("FAIL  {}: {}", o.name, o.message);
                }
            }
            if !outcomes.is_empty() {
                println!("{passed} passed, {failed} failed");
            }
        }
        Format::Json => {
            let tests: Vec<serde_json::Value> = outcomes
                .iter()
                .map(|o| {
                    serde_json::json!({
                        "name": o.name,
                        "group": o.group,
                        "query": o.query,
                        "status": if o.passed { "pass" } else { "fail" },
                        "message": o.message,
                    })
                })
                .collect();
            let doc = serde_json::json!({"tests": tests, "passed": passed, "failed": failed});
            println!("{doc:#}");
        }
        Format::Junit => print!("{}", junit(&outcomes, failed)),
    }
    Ok(if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The report as JUnit XML: one test suite, a test case per test (its
/// group as the class name), a failure element for each that failed.
fn junit(outcomes: &[TestOutcome], failed: usize) -> String {
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xml.push_str(&format!(
        "<testsuites name=\"arbor\" tests=\"{}\" failures=\"{failed}\">\n  <testsuite name=\"arbor_tests\" tests=\"{}\" failures=\"{failed}\">\n",
        outcomes.len(),
        outcomes.len()
    ));
    for o in outcomes {
        let class = o.group.as_deref().unwrap_or("arbor_tests");
        xml.push_str(&format!(
            "    <testcase name=\"{}\" classname=\"{}\"",
            escape(&o.name),
            escape(class)
        ));
        if o.passed {
            xml.push_str("/>\n");
        } else {
            xml.push_str(&format!(
                ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>\n",
                escape(&o.message),
                escape(&o.query)
            ));
        }
    }
    xml.push_str("  </testsuite>\n</testsuites>\n");
    xml
}

/// `text` with XML's five special characters escaped, and the control
/// characters XML 1.0 cannot hold replaced.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}
