//! `arbor remote`: list, add, remove and re-point remotes.

use std::path::Path;
use std::process::ExitCode;

use arbor_engine::ops;

use crate::ui::CliError;
use crate::vcs;

/// Arguments of `arbor remote`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Show each remote's URL.
    #[arg(short, long)]
    verbose: bool,
    #[command(subcommand)]
    action: Option<Action>,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Add a remote: a folder holding an Arbor repository (a path or
    /// file:///path) or a Git remote (git+ssh://, git+https://, git+file://).
    #[command(
        after_help = "Examples:\n  arbor remote add origin /srv/data\n  arbor remote add origin git+ssh://git@example.com/acme/data.git"
    )]
    Add {
        /// The remote's name, like origin.
        name: String,
        /// Where it is.
        url: String,
    },
    /// Remove a remote and its remote-tracking branches.
    #[command(visible_alias = "rm")]
    #[command(after_help = "Examples:\n  arbor remote remove origin")]
    Remove {
        /// The remote's name.
        name: String,
    },
    /// Point a remote at another URL.
    #[command(
        after_help = "Examples:\n  arbor remote set-url origin git+https://example.com/acme/data.git"
    )]
    SetUrl {
        /// The remote's name.
        name: String,
        /// Its new URL.
        url: String,
    },
    /// List the remotes (the default).
    #[command(after_help = "Examples:\n  arbor remote list")]
    List,
}

pub fn run(args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    match args.action.unwrap_or(Action::List) {
        Action::List => {
            let repository = vcs::open_read_only(cwd)?;
            for (name, url) in ops::remotes(&repository)?.remotes {
                if args.verbose {
                    println!("{name}\t{url}");
                } else {
                    println!("{name}");
                }
            }
        }
        Action::Add { name, url } => {
            let repository = vcs::open(cwd)?;
            ops::add_remote(&repository, &name, &ops::canonical_url(&url, cwd)?)?;
        }
        Action::Remove { name } => {
            let repository = vcs::open(cwd)?;
            ops::remove_remote(&repository, &name)?;
        }
        Action::SetUrl { name, url } => {
            let repository = vcs::open(cwd)?;
            ops::set_remote_url(&repository, &name, &ops::canonical_url(&url, cwd)?)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
