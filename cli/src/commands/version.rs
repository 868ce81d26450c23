//! `arbor version`: this build's version, the formats it reads and writes,
//! and its optional features (also `arbor --version`).

use std::process::ExitCode;

use crate::ui::CliError;

/// Arguments of `arbor version` (none).
#[derive(Debug, clap::Args)]
pub struct Args {}

/// What `arbor version` prints.
pub fn text() -> String {
    format!("arbor {}", details())
}

/// The version and what follows it (`arbor --version` prints the program's
/// name before it).
pub fn details() -> String {
    let mut features: Vec<&str> = arbor_engine::BUILD_FEATURES.to_vec();
    if cfg!(feature = "server") {
        features.push("server");
    }
    let features = if features.is_empty() {
        "none".to_owned()
    } else {
        features.join(", ")
    };
    format!(
        "{}\nformats: chunks {}, journal {} (reads {})\nfeatures: {features}",
        env!("CARGO_PKG_VERSION"),
        arbor_merkle::FORMAT_VERSION,
        arbor_merkle::store::JOURNAL_FORMAT_VERSION,
        arbor_merkle::store::READABLE_JOURNAL_VERSIONS
            .map(|v| v.to_string())
            .join(" and "),
    )
}

pub fn run(_args: Args) -> Result<ExitCode, CliError> {
    println!("{}", text());
    Ok(ExitCode::SUCCESS)
}
