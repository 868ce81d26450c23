//! `arbor tag`: name commits, lightweight or annotated (`-m`).

use std::path::Path;
use std::process::ExitCode;

use arbor_engine::vc::branch;

use crate::ui::CliError;
use crate::{identity, vcs};

/// Arguments of `arbor tag`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Delete the named tags.
    #[arg(short = 'd', long)]
    delete: bool,
    /// Replace an existing tag.
    #[arg(short = 'f', long)]
    force: bool,
    /// Make an annotated tag with this message (who tagged, when and why,
    /// kept with the tag).
    #[arg(short, long)]
    message: Option<String>,
    /// List tags with their messages (the first line, or the commit's
    /// subject for a lightweight tag).
    #[arg(short = 'n')]
    annotations: bool,
    /// The tagger of an annotated tag, as 'Name <email>'.
    #[arg(long)]
    author: Option<String>,
    /// The tag, then the revision it names (default HEAD).
    args: Vec<String>,
}

pub fn run(args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    // Listing only reads, so it runs beside a writer.
    let repository = if args.args.is_empty() && !args.delete {
        vcs::open_read_only(cwd)?
    } else {
        vcs::open(cwd)?
    };
    if args.delete {
        for name in &args.args {
            branch::delete_tag(&repository, name)?;
            println!("Deleted tag '{name}'");
        }
        return Ok(ExitCode::SUCCESS);
    }
    let (name, revision) = match args.args.as_slice() {
        [] => {
            let tags = branch::tag_infos(&repository)?;
            let width = tags.iter().map(|t| t.name.len()).max().unwrap_or(0);
            for tag in tags {
                if !args.annotations {
                    println!("{}", tag.name);
                    continue;
                }
                let message = match &tag.annotation {
                    Some(a) => a.message.clone(),
                    None => repository.read_commit(&tag.commit)?.message,
                };
                let subject = message.lines().next().unwrap_or_default();
                println!("{:width$} {subject}", tag.name);
            }
            return Ok(ExitCode::SUCCESS);
        }
        [name] => (name, "HEAD"),
        [name, rev] => (name, rev.as_str()),
        _ => {
            return Err(
                CliError::new("too many arguments").with_hint("arbor tag <name> [<revision>]")
            );
        }
    };
    let at = vcs::resolve(&repository, revision)?;
    let annotation = match &args.message {
        Some(message) => Some((
            identity::author(cwd, args.author.as_deref(), None)?,
            message.clone(),
        )),
        None if args.author.is_some() => {
            return Err(CliError::new("--author applies to annotated tags")
                .with_hint("add a message with -m"));
        }
        None => None,
    };
    branch::create_tag(&repository, name, at, args.force, annotation)?;
    Ok(ExitCode::SUCCESS)
}
