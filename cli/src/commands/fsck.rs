//! `arbor fsck`: check every chunk of the repository.

use std::path::Path;
use std::process::ExitCode;

use arbor_engine::{Repository, ops};

use crate::ui::CliError;
use crate::vcs::repository_dir;

/// Arguments of `arbor fsck`.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    let dir = repository_dir(cwd)?;
    let store = ops::open_disk_store(&dir)?;
    let repository = Repository::open(store.clone())?;
    let report = ops::fsck(&repository, Some(&store))?;
    for p in &report.problems {
        println!("problem: {p}");
    }
    println!(
        "checked {} reachable chunks ({} bytes) and {} journal records: {}",
        report.reachable_chunks,
        report.reachable_bytes,
        report.journal_chunks,
        if report.is_clean() {
            "no problems"
        } else {
            "PROBLEMS FOUND"
        }
    );
    Ok(if report.is_clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
