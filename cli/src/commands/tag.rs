//! `arbor tag`: name commits, lightweight or annotated (`-m`).
//!
//! The arguments and the rules are the library's (`arbor_engine::ops`),
//! shared with `SELECT arbor_tag(...)`; listing is the command's own.

use std::path::Path;
use std::process::ExitCode;

use arbor_engine::ops::{self, TagArgs, TagDone};

use arbor_schema::sql_text::shown;

use crate::render;
use crate::ui::CliError;
use crate::{identity, vcs};

/// Arguments of `arbor tag`.
pub type Args = TagArgs;

pub fn run(args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    // Listing only reads, so it runs beside a writer.
    let repository = if args.is_listing() {
        vcs::open_read_only(cwd)?
    } else {
        vcs::open(cwd)?
    };
    let branch = ops::current_branch(&repository)?;
    let env = identity::environment(cwd)?;
    match ops::tag(&repository, &env, &branch, &args)? {
        TagDone::Deleted(names) => {
            for name in names {
                println!("Deleted tag '{}'", shown(&name));
            }
        }
        TagDone::Created => {}
        TagDone::List => {
            let tags = ops::tag_infos(&repository)?;
            let width = tags
                .iter()
                .map(|t| shown(&t.name).chars().count())
                .max()
                .unwrap_or(0);
            for tag in tags {
                if !args.annotations {
                    println!("{}", shown(&tag.name));
                    continue;
                }
                let message = match &tag.annotation {
                    Some(a) => a.message.clone(),
                    None => repository.read_commit(&tag.commit)?.message,
                };
                let subject = message.lines().next().unwrap_or_default();
                println!("{} {subject}", render::pad_right(&shown(&tag.name), width));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
