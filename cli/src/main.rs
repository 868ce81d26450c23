//! The `arbor` command-line tool. This is the only crate that prints.

use std::process::ExitCode;

use clap::Parser;

/// Arbor: a versioned SQL database. Git for data.
#[derive(Debug, Parser)]
#[command(name = "arbor", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Print the version of each Arbor component.
    Version,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Version => {
            println!("arbor {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
    }
}
