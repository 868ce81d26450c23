//! `arbor show`: a commit and what it changed from its first parent; for
//! an annotated tag, the tag (tagger, date, message) first, as Git shows it.

use std::path::Path;
use std::process::ExitCode;

use crate::ui::CliError;
use crate::vcs;

/// Arguments of `arbor show`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Rows and cells changed per table, instead of the rows.
    #[arg(long)]
    stat: bool,
    /// The revision (default HEAD).
    revision: Option<String>,
}

pub fn run(args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    let repository = vcs::open_read_only(cwd)?;
    let revision = args.revision.as_deref().unwrap_or("HEAD");
    let address = vcs::resolve(&repository, revision)?;
    let commit = repository.read_commit(&address)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let tag_ref = arbor_engine::ops::tag_ref(revision);
    if let Some(target) = repository.store_root()?.refs.get(&tag_ref)
        && let Some(tag) = repository.read_tag(target)?
    {
        vcs::print_tag(&mut out, &tag)
            .map_err(|e| CliError::new(format!("cannot write output: {e}")))?;
    }
    vcs::print_commit(&mut out, &address, &commit)
        .map_err(|e| CliError::new(format!("cannot write output: {e}")))?;
    vcs::print_commit_changes(&mut out, &repository, &commit, args.stat)?;
    Ok(ExitCode::SUCCESS)
}
