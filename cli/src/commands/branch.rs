//! `arbor branch`: list, create, delete, rename and copy branches.

use std::path::Path;
use std::process::ExitCode;

use arbor_engine::vc::{self, branch};

use crate::ui::CliError;
use crate::vcs;

/// Arguments of `arbor branch`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Delete a branch (only if merged into the current one).
    #[arg(short = 'd', long = "delete")]
    delete: bool,
    /// Delete a branch even if it is not merged.
    #[arg(short = 'D')]
    force_delete: bool,
    /// Rename a branch: `-m [old] new`.
    #[arg(short = 'm', long = "move")]
    rename: bool,
    /// Copy a branch: `-c [old] new`.
    #[arg(short = 'c', long = "copy")]
    copy: bool,
    /// Allow replacing an existing branch.
    #[arg(short = 'f', long)]
    force: bool,
    /// Show each branch's head commit and subject.
    #[arg(short = 'v', long)]
    verbose: bool,
    /// List remote-tracking branches too (`remotes/<remote>/<branch>`).
    #[arg(short = 'a', long)]
    all: bool,
    /// List only remote-tracking branches.
    #[arg(short = 'r', long)]
    remotes: bool,
    /// Branch names, then a start revision for a new branch.
    names: Vec<String>,
}

pub fn run(args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    let listing =
        args.names.is_empty() && !(args.delete || args.force_delete || args.rename || args.copy);
    // Listing only reads, so it runs beside a writer.
    let repository = if listing {
        vcs::open_read_only(cwd)?
    } else {
        vcs::open(cwd)?
    };
    let current = vc::current_branch(&repository)?;
    if args.delete || args.force_delete {
        if args.names.is_empty() {
            return Err(CliError::new("branch name required"));
        }
        for name in &args.names {
            // The engine reports a missing branch (with its hint) itself.
            let head = repository.branch_head(name).ok();
            branch::delete(&repository, name, args.force_delete)?;
            match head {
                Some(head) => println!("Deleted branch {name} (was {}).", head.short(8)),
                None => println!("Deleted branch {name}."),
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    if args.rename || args.copy {
        let (from, to) = match args.names.as_slice() {
            [to] => (current.clone(), to.clone()),
            [from, to] => (from.clone(), to.clone()),
            _ => {
                return Err(CliError::new(
                    "give the new name, or the old and the new name",
                ));
            }
        };
        branch::rename(&repository, &from, &to, args.copy, args.force)?;
        return Ok(ExitCode::SUCCESS);
    }
    match args.names.as_slice() {
        [] => {
            // Local branches, then with -a or -r the remote-tracking ones.
            let mut listed: Vec<(char, String, arbor_merkle::Address)> = Vec::new();
            if !args.remotes {
                for b in branch::list(&repository)? {
                    listed.push((if b.current { '*' } else { ' ' }, b.name, b.head));
                }
            }
            if args.all || args.remotes {
                for (name, head) in &repository.store_root()?.refs {
                    if let Some(tracking) = name.strip_prefix("refs/remotes/") {
                        let shown = if args.remotes {
                            tracking.to_owned()
                        } else {
                            format!("remotes/{tracking}")
                        };
                        listed.push((' ', shown, *head));
                    }
                }
            }
            // Names padded to one width, as Git aligns `branch -v`.
            let width = listed
                .iter()
                .map(|b| b.1.chars().count())
                .max()
                .unwrap_or(0);
            for (mark, name, head) in listed {
                if args.verbose {
                    let commit = repository.read_commit(&head)?;
                    println!(
                        "{mark} {name:width$} {} {}",
                        head.short(8),
                        vcs::subject(&commit)
                    );
                } else {
                    println!("{mark} {name}");
                }
            }
        }
        [name] => branch::create(
            &repository,
            name,
            vcs::resolve(&repository, "HEAD")?,
            args.force,
        )?,
        [name, start] => branch::create(
            &repository,
            name,
            vcs::resolve(&repository, start)?,
            args.force,
        )?,
        _ => {
            return Err(
                CliError::new("too many arguments").with_hint("arbor branch <name> [<start>]")
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
