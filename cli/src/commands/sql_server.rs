//! `arbor sql-server`: serve the repository (or a folder of repositories)
//! over PostgreSQL's wire protocol.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use arbor_server::ServerConfig;

use crate::identity;
use crate::ui::CliError;

/// Arguments of `arbor sql-server`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  arbor sql-server --port 5433 &\n  psql -h 127.0.0.1 -p 5433 -d <folder name>     # or <folder name>/<branch>\n\nA --config file is JSON; every key is optional, and a flag given wins:\n  {\"host\": \"0.0.0.0\", \"port\": 5433, \"read_only\": false, \"max_connections\": 100,\n   \"log_format\": \"json\", \"users\": [{\"name\": \"alice\", \"password\": \"...\"}]}\nWith users, clients prove their password by SCRAM-SHA-256, and the server\nmay listen beyond loopback. With --tls-cert and --tls-key (or \"tls_cert\" and\n\"tls_key\"), clients that ask for TLS (sslmode=require) get it. Sessions reach nothing\noutside their repository (no clone, fetch, pull or push) unless\n--allow-remotes (or \"allow_remotes\": true)."
)]
pub struct Args {
    /// The address to listen on (default 127.0.0.1). Any other than
    /// loopback needs users (in --config).
    #[arg(long)]
    host: Option<IpAddr>,
    /// The port to listen on (default 5432; 0: any free port, printed at start).
    #[arg(long, short = 'p')]
    port: Option<u16>,
    /// Most connections open at once; more are refused (53300). Default 100.
    #[arg(long)]
    max_connections: Option<usize>,
    /// Serve reads only: any statement that would change data, schema or
    /// the repository fails with 25006.
    #[arg(long)]
    read_only: bool,
    /// Log one JSON object per line instead of text.
    #[arg(long, value_parser = ["text", "json"])]
    log_format: Option<String>,
    /// A JSON file of settings and users (see below).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Offer TLS with this certificate chain (PEM); needs --tls-key.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The private key (PEM) of --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Let sessions reach other folders and the network: the procedures
    /// that clone, fetch, pull and push (off by default: a database is its
    /// repository and nothing outside it).
    #[arg(long)]
    allow_remotes: bool,
}

/// What a --config file may hold.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    host: Option<IpAddr>,
    port: Option<u16>,
    max_connections: Option<usize>,
    read_only: Option<bool>,
    log_format: Option<String>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    allow_remotes: Option<bool>,
    #[serde(default)]
    users: Vec<User>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct User {
    name: String,
    password: String,
}

pub fn run(args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    let file = match &args.config {
        None => ConfigFile::default(),
        Some(path) => {
            let path = cwd.join(path);
            let text = std::fs::read_to_string(&path)
                .map_err(|e| CliError::new(format!("cannot read {}: {e}", path.display())))?;
            serde_json::from_str(&text).map_err(|e| {
                CliError::new(format!(
                    "{} is not a valid server configuration: {e}",
                    path.display()
                ))
            })?
        }
    };
    let log_format = args
        .log_format
        .or(file.log_format)
        .unwrap_or_else(|| "text".into());
    if !matches!(log_format.as_str(), "text" | "json") {
        return Err(CliError::new(format!(
            "log_format must be \"text\" or \"json\", not {log_format:?}"
        )));
    }
    if let Some(u) = file
        .users
        .iter()
        .find(|u| u.name.is_empty() || u.password.is_empty())
    {
        return Err(CliError::new(format!(
            "user {:?} in the configuration needs a name and a password",
            u.name
        )));
    }
    let tls = match (
        args.tls_cert.or(file.tls_cert),
        args.tls_key.or(file.tls_key),
    ) {
        (Some(certificate), Some(key)) => Some(arbor_server::TlsFiles {
            certificate: cwd.join(certificate),
            key: cwd.join(key),
        }),
        (None, None) => None,
        _ => {
            return Err(CliError::new(
                "TLS needs both a certificate and its key (tls_cert and tls_key)",
            ));
        }
    };
    // Inside a repository, serve it; else serve the folder's repositories.
    let dir = crate::vcs::repository_dir(cwd).unwrap_or_else(|_| cwd.to_owned());
    let config = ServerConfig {
        host: args
            .host
            .or(file.host)
            .unwrap_or(IpAddr::from([127, 0, 0, 1])),
        port: args.port.or(file.port).unwrap_or(5432),
        max_connections: args.max_connections.or(file.max_connections).unwrap_or(100),
        json_log: log_format == "json",
        read_only: args.read_only || file.read_only.unwrap_or(false),
        users: file
            .users
            .into_iter()
            .map(|u| (u.name, u.password))
            .collect(),
        tls,
    };
    let mut env = identity::environment(&dir)?;
    if !(args.allow_remotes || file.allow_remotes.unwrap_or(false)) {
        env.reach = arbor_engine::Reach::NONE;
    }
    arbor_server::serve(&dir, config, env, |addr| {
        // The one line on standard output: where to connect (scripts read it).
        println!("listening on {addr}");
    })?;
    Ok(ExitCode::SUCCESS)
}
