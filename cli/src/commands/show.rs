//! `arbor show`: a commit and what it changed from its first parent; for
//! an annotated tag, the tag (tagger, date, message) first, as Git shows it.

use std::path::Path;
use std::process::ExitCode;

use arbor_engine::ops::{diff_catalogs, diff_views};

use crate::ui::CliError;
use crate::vcs;

/// Arguments of `arbor show`.
#[derive(Debug, clap::Args)]
pub struct Args {
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
    let parent = match commit.parents.first() {
        Some(p) => repository.read_catalog(&repository.read_commit(p)?.catalog)?,
        None => Default::default(),
    };
    let catalog = repository.read_catalog(&commit.catalog)?;
    for d in diff_catalogs(&repository, &parent, &catalog, &[])? {
        let color = crate::terminal::color();
        vcs::print_table_diff(&mut out, &repository, &d, &Default::default(), color)?;
    }
    for v in diff_views(&parent, &catalog, &[]) {
        match (&v.from, &v.to) {
            (None, Some(q)) => println!("view {} added\n+ {q}", v.name),
            (Some(q), None) => println!("view {} dropped\n- {q}", v.name),
            (Some(a), Some(b)) => println!("view {} changed\n- {a}\n+ {b}", v.name),
            (None, None) => {}
        }
    }
    Ok(ExitCode::SUCCESS)
}
