//! `arbor man`: the manual pages, one per command, from the definitions
//! `--help` shows (clap_mangen).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::CommandFactory;

use crate::ui::CliError;

/// Arguments of `arbor man`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  arbor man ~/.local/share/man/man1    then: man arbor-commit
  arbor man /tmp/pages && man -l /tmp/pages/arbor-diff.1")]
pub struct Args {
    /// The folder to write the pages into (made if missing).
    dir: PathBuf,
}

pub fn run(args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    let dir = cwd.join(&args.dir);
    let failed = |e: std::io::Error| {
        CliError::new(format!(
            "cannot write manual pages into {}: {e}",
            args.dir.display()
        ))
    };
    std::fs::create_dir_all(&dir).map_err(failed)?;
    clap_mangen::generate_to(crate::Cli::command(), &dir).map_err(failed)?;
    let mut pages: Vec<String> = std::fs::read_dir(&dir)
        .map_err(failed)?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with("arbor") && n.ends_with(".1"))
        .collect();
    pages.sort();
    println!(
        "wrote {} manual pages into {}",
        pages.len(),
        args.dir.display()
    );
    Ok(ExitCode::SUCCESS)
}
