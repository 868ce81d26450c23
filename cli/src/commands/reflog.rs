//! `arbor reflog`: every move of a branch head, newest first, so that a
//! reset, a rebase or a deleted branch can be undone (`arbor branch <name>
//! <old hash>`, `arbor reset --hard <old hash>`).

use std::collections::HashMap;
use std::path::Path;
use std::process::ExitCode;

use arbor_engine::ops;

use crate::ui::CliError;
use crate::vcs;

/// Arguments of `arbor reflog`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only this branch's moves.
    branch: Option<String>,
    /// At most this many lines.
    #[arg(short = 'n', long = "max-count", value_name = "N")]
    max_count: Option<usize>,
}

pub fn run(args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    let repository = vcs::open_read_only(cwd)?;
    let entries = ops::reflog(&repository, args.branch.as_deref())?;
    if let Some(branch) = &args.branch
        && entries.is_empty()
    {
        return Err(CliError::new(format!("no reflog for branch '{branch}'"))
            .with_hint("list the branches that moved with `arbor reflog`"));
    }
    // Each branch's moves are numbered from its newest, as Git's
    // `main@{0}`, `main@{1}`, ...
    let mut seen: HashMap<String, usize> = HashMap::new();
    for entry in entries.iter().take(args.max_count.unwrap_or(usize::MAX)) {
        let branch = entry
            .ref_name
            .strip_prefix("refs/heads/")
            .unwrap_or(&entry.ref_name);
        let n = seen.entry(branch.to_owned()).or_default();
        let at = format!("{branch}@{{{n}}}");
        *n += 1;
        let line = match (entry.old, entry.new) {
            (_, Some(new)) => {
                let subject = vcs::subject(&repository.read_commit(&new)?).to_owned();
                let how = match entry.old {
                    Some(old) => format!("moved from {}", old.short(8)),
                    None => "created".to_owned(),
                };
                format!("{} {at}: {how}: {subject}", new.short(8))
            }
            (Some(old), None) => format!("{} {at}: deleted (was {})", "-".repeat(8), old.short(8)),
            (None, None) => continue,
        };
        println!("{line}");
    }
    Ok(ExitCode::SUCCESS)
}
