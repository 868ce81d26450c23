//! The `arbor` command-line tool: Git for data.
//!
//! One file per command in `commands/`. This is the only crate that prints,
//! reads the environment or looks at the terminal; it passes what it finds
//! to the engine.

mod commands;
mod config;
mod data_files;
mod identity;
mod output;
mod progress;
mod render;
mod shell;
mod ui;
mod vcs;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Arbor: a versioned SQL database. Git for data.
#[derive(Debug, Parser)]
#[command(name = "arbor", version, about, long_about = None)]
struct Cli {
    /// Run as if started in this directory.
    #[arg(short = 'C', global = true, value_name = "DIR")]
    work_dir: Option<PathBuf>,

    #[command(subcommand)]
    command: commands::Command,
}

fn main() -> ExitCode {
    // `--version` says what `arbor version` says: the formats and features too.
    let long_version: &'static str = Box::leak(commands::version::details().into_boxed_str());
    let matches = Cli::command().long_version(long_version).get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    // Output read by a pager or `head` that stops early ends the process
    // quietly by SIGPIPE, as Git's does; Rust's runtime ignores the signal,
    // which turns every later write into an error.
    if !cli.command.may_reach_remotes() {
        sigpipe::reset();
    }
    let cwd = match cli.work_dir {
        // As Git's -C: a folder that is not there is said to be missing,
        // not taken for a folder outside any repository.
        Some(dir) if !dir.is_dir() => {
            let why = if dir.exists() {
                "it is not a directory"
            } else {
                "no such directory"
            };
            ui::print_error(&ui::CliError::new(format!(
                "cannot change to '{}': {why}",
                dir.display()
            )));
            return ExitCode::FAILURE;
        }
        Some(dir) => dir,
        None => match std::env::current_dir() {
            Ok(dir) => dir,
            Err(e) => {
                ui::print_error(&ui::CliError::new(format!(
                    "cannot read the current directory: {e}"
                )));
                return ExitCode::FAILURE;
            }
        },
    };
    match commands::run(cli.command, &cwd) {
        Ok(code) => code,
        Err(e) => {
            ui::print_error(&e);
            ExitCode::FAILURE
        }
    }
}
