//! # arbor-server: Arbor over PostgreSQL's wire protocol
//!
//! `arbor sql-server` serves a repository (or a folder of them) to any
//! PostgreSQL client: psql, drivers, ORMs. Each connection is a SQL
//! session on the branch its database name opens (`repo`, or
//! `repo/branch`), with the same statements, transactions and
//! version-control procedures as `arbor sql`.
//!
//! The protocol is the `pgwire` crate's, on tokio; the engine is
//! synchronous. Each connection has a thread and a single-threaded
//! runtime of its own, where every call into the engine runs inline: a
//! long statement blocks only its own connection.
//! Modules:
//!
//! - `databases`: database names to repositories and branches;
//! - `connection`: one client's session and the protocol's messages
//!   (simple and extended query, describe, startup);
//! - `wire_types`: type OIDs, and values in the text and binary formats;
//! - `errors`: Arbor's errors as ErrorResponse fields;
//! - `auth`: users and their passwords, checked by SCRAM-SHA-256;
//! - `tls`: TLS for connections that ask for it, when the server has a
//!   certificate and key.
//!
//! The server listens on loopback unless told otherwise; it listens on any
//! other address only when users are configured.

mod auth;
mod connection;
mod databases;
mod errors;
mod tls;
mod wire_types;

use std::future::Future;
use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::{Arc, Mutex};

use arbor_engine::{Environment, Error, SqlState};
use tokio::net::TcpListener;

pub use databases::Databases;
pub use tls::TlsFiles;

/// How the server is set up.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// The address to listen on.
    pub host: IpAddr,
    /// The port (0: any free port).
    pub port: u16,
    /// Most connections open at once; more are refused.
    pub max_connections: usize,
    /// Log lines as JSON objects instead of text.
    pub json_log: bool,
    /// Sessions may read but not write (25006 for any change).
    pub read_only: bool,
    /// Users and their passwords; with none, every client on loopback is
    /// trusted.
    pub users: Vec<(String, String)>,
    /// The certificate and key to offer TLS with; without them, no TLS.
    pub tls: Option<TlsFiles>,
}

impl Default for ServerConfig {
    fn default() -> ServerConfig {
        ServerConfig {
            host: IpAddr::from([127, 0, 0, 1]),
            port: 5432,
            max_connections: 100,
            json_log: false,
            read_only: false,
            users: Vec::new(),
            tls: None,
        }
    }
}

/// The server's log: one line per connection and per failed statement,
/// on standard error.
pub struct Log {
    json: bool,
    out: Mutex<Box<dyn Write + Send>>,
}

impl std::fmt::Debug for Log {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Log").field("json", &self.json).finish()
    }
}

impl Log {
    /// A log to standard error.
    pub fn stderr(json: bool) -> Log {
        Log {
            json,
            out: Mutex::new(Box::new(std::io::stderr())),
        }
    }

    fn line(&self, event: &str, fields: &[(&str, &str)]) {
        let text = if self.json {
            let mut object = serde_json::Map::new();
            object.insert("event".into(), event.into());
            for (k, v) in fields {
                object.insert((*k).into(), (*v).into());
            }
            serde_json::Value::Object(object).to_string()
        } else {
            let rest: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
            format!("{event} {}", rest.join(" "))
        };
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        // A log that cannot be written is no reason to stop serving.
        let _ = writeln!(out, "{text}");
    }

    fn listening(&self, addr: SocketAddr) {
        self.line("listening", &[("address", &addr.to_string())]);
    }

    pub(crate) fn connected(&self, peer: SocketAddr, database: &str, branch: &str) {
        let peer = peer.to_string();
        self.line(
            "connection",
            &[("peer", &peer), ("database", database), ("branch", branch)],
        );
    }

    pub(crate) fn refused(&self, peer: SocketAddr, database: &str, reason: &str) {
        let peer = peer.to_string();
        self.line(
            "refused",
            &[("peer", &peer), ("database", database), ("reason", reason)],
        );
    }

    pub(crate) fn failed(&self, peer: SocketAddr, statement: &str, e: &Error) {
        let peer = peer.to_string();
        self.line(
            "error",
            &[
                ("peer", &peer),
                ("sqlstate", e.code.code()),
                ("message", &e.message),
                ("detail", e.detail.as_deref().unwrap_or("")),
                ("statement", statement),
            ],
        );
    }
}

/// Serves the repositories in `dir` until `shutdown` completes (or the
/// process is interrupted), on a runtime of its own.
pub fn serve(
    dir: &Path,
    config: ServerConfig,
    env: Environment,
    on_listening: impl FnOnce(SocketAddr),
) -> Result<(), Error> {
    check_address(&config)?;
    let tls = config.tls.as_ref().map(tls::acceptor).transpose()?;
    let databases = Arc::new(Databases::new(dir, env, config.read_only)?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::new(SqlState::IoError, format!("cannot start the server: {e}")))?;
    runtime.block_on(async move {
        let addr = SocketAddr::new(config.host, config.port);
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|e| Error::new(SqlState::IoError, format!("cannot listen on {addr}: {e}")))?;
        let log = Arc::new(Log::stderr(config.json_log));
        let bound = listener.local_addr().unwrap_or(addr);
        log.listening(bound);
        on_listening(bound);
        run(listener, databases, &config, tls, log, shutdown_signal()).await;
        Ok(())
    })
}

/// Refuses to listen beyond loopback without users to check.
fn check_address(config: &ServerConfig) -> Result<(), Error> {
    if config.host.is_loopback() || !config.users.is_empty() {
        return Ok(());
    }
    Err(Error::new(
        SqlState::InvalidParameterValue,
        format!(
            "refusing to listen on {}: without users and passwords to check, the server listens on loopback only",
            config.host
        ),
    )
    .with_hint("configure users (\"users\" in --config), or use --host 127.0.0.1 and reach it through an SSH tunnel"))
}

/// Completes on SIGTERM or Ctrl-C.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = interrupt => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = interrupt.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}

/// Accepts connections on `listener` until `shutdown` completes. Each
/// connection runs on a thread of its own, in a runtime of its own, where
/// its statements run inline (see `connection`): a long statement blocks
/// only its own connection, and a short one costs no thread hop. At
/// shutdown running statements are interrupted and the open connections
/// dropped (their sessions with them: an open transaction is never
/// published, so it rolls back, and what was committed is already durable).
pub async fn run(
    listener: TcpListener,
    databases: Arc<Databases>,
    config: &ServerConfig,
    tls: Option<pgwire::tokio::TlsAcceptor>,
    log: Arc<Log>,
    shutdown: impl Future<Output = ()>,
) {
    let limit = Arc::new(tokio::sync::Semaphore::new(config.max_connections));
    let cancels = Arc::new(connection::Cancels::default());
    let password_check = (!config.users.is_empty()).then(|| {
        Arc::new(auth::password_check(Arc::new(auth::Users::new(
            &config.users,
        ))))
    });
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let mut refusals = tokio::task::JoinSet::new();
    let mut threads: Vec<std::thread::JoinHandle<()>> = Vec::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => {
                let Ok((socket, peer)) = accepted else { continue };
                let Ok(permit) = limit.clone().try_acquire_owned() else {
                    log.refused(peer, "", "too many connections");
                    refusals.spawn(refuse_too_many(socket));
                    continue;
                };
                let _ = socket.set_nodelay(true);
                let connection = Arc::new(connection::Connection::new(
                    databases.clone(),
                    log.clone(),
                    cancels.clone(),
                    password_check.clone(),
                ));
                let (tls, stopping) = (tls.clone(), stopping.clone());
                threads.retain(|t| !t.is_finished());
                match serve_connection(socket, connection, tls, stopping, permit) {
                    Ok(thread) => threads.push(thread),
                    Err(e) => log.refused(peer, "", &e.to_string()),
                }
            }
            // Reap refused connections as they end.
            Some(_) = refusals.join_next(), if !refusals.is_empty() => {}
        }
    }
    // Statements still running stop at their next row (nothing of them
    // is kept); then every connection is dropped.
    let _ = stop.send(true);
    cancels.interrupt_all();
    refusals.shutdown().await;
    for thread in threads {
        let _ = tokio::task::spawn_blocking(move || thread.join()).await;
    }
}

/// Serves one connection on a new thread with a single-threaded runtime
/// of its own, until the client leaves or `stopping` turns true.
fn serve_connection(
    socket: tokio::net::TcpStream,
    connection: Arc<connection::Connection>,
    tls: Option<pgwire::tokio::TlsAcceptor>,
    mut stopping: tokio::sync::watch::Receiver<bool>,
    permit: tokio::sync::OwnedSemaphorePermit,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    // The socket leaves the accepting runtime for the connection's own.
    let socket = socket.into_std()?;
    std::thread::Builder::new()
        .name("arbor-connection".into())
        .spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async move {
                let Ok(socket) = tokio::net::TcpStream::from_std(socket) else {
                    return;
                };
                let handlers = Arc::new(connection::Handlers(connection));
                tokio::select! {
                    _ = pgwire::tokio::process_socket(socket, tls, handlers) => {}
                    _ = stopping.wait_for(|stop| *stop) => {}
                }
            });
            drop(permit);
        })
}

/// Answers a connection past the limit with PostgreSQL's 53300 and closes it.
async fn refuse_too_many(mut socket: tokio::net::TcpStream) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // Read the startup packet first, as a client sends it before reading.
    let mut len = [0u8; 4];
    if socket.read_exact(&mut len).await.is_err() {
        return;
    }
    let n = u32::from_be_bytes(len).saturating_sub(4).min(10_000) as usize;
    let mut rest = vec![0u8; n];
    let _ = socket.read_exact(&mut rest).await;
    let mut body = Vec::new();
    for (field, value) in [
        (b'S', "FATAL"),
        (b'C', "53300"),
        (b'M', "sorry, too many clients already"),
    ] {
        body.push(field);
        body.extend_from_slice(value.as_bytes());
        body.push(0);
    }
    body.push(0);
    let mut message = vec![b'E'];
    message.extend_from_slice(&(body.len() as u32 + 4).to_be_bytes());
    message.extend_from_slice(&body);
    let _ = socket.write_all(&message).await;
}
