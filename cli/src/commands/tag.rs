//! `arbor tag`: name commits.

use std::path::Path;
use std::process::ExitCode;

use arbor_engine::vc::branch;

use crate::ui::CliError;
use crate::vcs;

/// Arguments of `arbor tag`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Delete the named tags.
    #[arg(short = 'd', long)]
    delete: bool,
    /// Replace an existing tag.
    #[arg(short = 'f', long)]
    force: bool,
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
    match args.args.as_slice() {
        [] => {
            for (name, _) in branch::tags(&repository)? {
                println!("{name}");
            }
        }
        [name] => branch::create_tag(
            &repository,
            name,
            vcs::resolve(&repository, "HEAD")?,
            args.force,
        )?,
        [name, rev] => branch::create_tag(
            &repository,
            name,
            vcs::resolve(&repository, rev)?,
            args.force,
        )?,
        _ => {
            return Err(
                CliError::new("too many arguments").with_hint("arbor tag <name> [<revision>]")
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
