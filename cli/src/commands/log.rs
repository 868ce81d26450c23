//! `arbor log`: the commits reachable from a revision, newest first.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use arbor_engine::vc::history;

use crate::ui::CliError;
use crate::vcs;

/// Arguments of `arbor log`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Show at most this many commits.
    #[arg(short = 'n', long = "max-count")]
    max_count: Option<usize>,
    /// One line per commit: short hash and subject.
    #[arg(long)]
    oneline: bool,
    /// A revision (default HEAD), or a range `A..B` (in B, not in A).
    revision: Option<String>,
    /// Only commits that changed these tables.
    #[arg(last = true)]
    tables: Vec<String>,
}

pub fn run(args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    let repository = vcs::open_read_only(cwd)?;
    let spec = args.revision.as_deref().unwrap_or("HEAD");
    let (starts, hide) = match spec.split_once("..") {
        Some((a, b)) => {
            let b = if b.is_empty() { "HEAD" } else { b };
            let a = if a.is_empty() { "HEAD" } else { a };
            (
                vec![vcs::resolve(&repository, b)?],
                vec![vcs::resolve(&repository, a)?],
            )
        }
        None => (vec![vcs::resolve(&repository, spec)?], Vec::new()),
    };
    let commits = history::log(&repository, &starts, &hide)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut shown = 0;
    for (address, commit) in &commits {
        if args.max_count.is_some_and(|n| shown >= n) {
            break;
        }
        if !args.tables.is_empty() {
            // A commit touches a table when it differs from its first parent there.
            let parent_catalog = match commit.parents.first() {
                Some(p) => repository.read_catalog(&repository.read_commit(p)?.catalog)?,
                None => Default::default(),
            };
            let catalog = repository.read_catalog(&commit.catalog)?;
            let touched = args
                .tables
                .iter()
                .any(|t| parent_catalog.tables.get(t) != catalog.tables.get(t));
            if !touched {
                continue;
            }
        }
        shown += 1;
        let written = if args.oneline {
            writeln!(out, "{} {}", address.short(8), vcs::subject(commit))
        } else {
            vcs::print_commit(&mut out, address, commit)
        };
        if written.is_err() {
            break; // a closed pipe (`arbor log | head`)
        }
    }
    Ok(ExitCode::SUCCESS)
}
