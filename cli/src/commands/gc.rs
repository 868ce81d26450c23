//! `arbor gc`: drop the chunks nothing refers to any more.

use std::path::Path;
use std::process::ExitCode;

use arbor_engine::ops::collect_garbage;

use crate::ui::CliError;
use crate::vcs::repository_dir;

/// Arguments of `arbor gc`.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    let dir = repository_dir(cwd)?;
    let report = collect_garbage(&dir)?;
    println!(
        "kept {} chunks; journal {} -> {} bytes",
        report.chunks_kept, report.bytes_before, report.bytes_after
    );
    Ok(ExitCode::SUCCESS)
}
