//! `arbor branch`: list, create, delete, rename and copy branches.
//!
//! The arguments and the rules are the library's (`arbor_engine::ops`),
//! shared with `SELECT arbor_branch(...)`; listing is the command's own.

use std::path::Path;
use std::process::ExitCode;

use arbor_engine::ops::{self, BranchArgs, BranchDone};

use arbor_schema::sql_text::shown;

use crate::render;
use crate::ui::CliError;
use crate::vcs;

/// Arguments of `arbor branch`.
pub type Args = BranchArgs;

pub fn run(args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    // Listing only reads, so it runs beside a writer.
    let repository = if args.is_listing() {
        vcs::open_read_only(cwd)?
    } else {
        vcs::open(cwd)?
    };
    let current = ops::current_branch(&repository)?;
    if args.show_current {
        println!("{current}");
        return Ok(ExitCode::SUCCESS);
    }
    match ops::branch(&repository, &current, &args)? {
        BranchDone::Deleted(deleted) => {
            for (name, head) in deleted {
                println!("Deleted branch {} (was {}).", shown(&name), head.short(8));
            }
        }
        BranchDone::Renamed | BranchDone::Created => {}
        BranchDone::List => {
            // Local branches, then with -a or -r the remote-tracking ones.
            let mut listed: Vec<(char, String, arbor_merkle::Address)> = Vec::new();
            if !args.remotes {
                for b in ops::list_branches(&repository)? {
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
                .map(|b| shown(&b.1).chars().count())
                .max()
                .unwrap_or(0);
            for (mark, name, head) in listed {
                let name = shown(&name);
                if args.verbose {
                    let commit = repository.read_commit(&head)?;
                    println!(
                        "{mark} {} {} {}",
                        render::pad_right(&name, width),
                        head.short(8),
                        vcs::subject(&commit)
                    );
                } else {
                    println!("{mark} {name}");
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
