//! `arbor sql-server`: serve the repository (or a folder of repositories)
//! over PostgreSQL's wire protocol.

use std::net::IpAddr;
use std::path::Path;
use std::process::ExitCode;

use arbor_server::ServerConfig;

use crate::identity;
use crate::ui::CliError;

/// Arguments of `arbor sql-server`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  arbor sql-server --port 5433 &\n  psql -h 127.0.0.1 -p 5433 -d <folder name>     # or <folder name>/<branch>"
)]
pub struct Args {
    /// The address to listen on. Only loopback addresses are allowed:
    /// the server has no users and passwords yet.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// The port to listen on (0: any free port, printed at start).
    #[arg(long, short = 'p', default_value_t = 5432)]
    port: u16,
    /// Most connections open at once; more are refused (53300).
    #[arg(long, default_value_t = 100)]
    max_connections: usize,
    /// Serve reads only: any statement that would change data, schema or
    /// the repository fails with 25006.
    #[arg(long)]
    read_only: bool,
    /// Log one JSON object per line instead of text.
    #[arg(long, value_parser = ["text", "json"], default_value = "text")]
    log_format: String,
}

pub fn run(args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    // Inside a repository, serve it; else serve the folder's repositories.
    let dir = crate::vcs::repository_dir(cwd).unwrap_or_else(|_| cwd.to_owned());
    let config = ServerConfig {
        host: args.host,
        port: args.port,
        max_connections: args.max_connections,
        json_log: args.log_format == "json",
        read_only: args.read_only,
    };
    let env = identity::environment(&dir)?;
    arbor_server::serve(&dir, config, env, |addr| {
        // The one line on standard output: where to connect (scripts read it).
        println!("listening on {addr}");
    })?;
    Ok(ExitCode::SUCCESS)
}
