//! A PostgreSQL 15 server of a test's own (Debian's `postgresql`, which
//! `.ci/run` installs): a temporary cluster on a free port, reached through
//! a socket in its data folder, stopped when dropped. As root, the server
//! runs as the `postgres` user (PostgreSQL refuses to run as root). Tests
//! reach it with `psql` ([`Postgres::psql`]) or the `postgres` crate
//! ([`Postgres::connect`]).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Where Debian puts PostgreSQL 15's programs.
const BIN: &str = "/usr/lib/postgresql/15/bin";

/// A running server.
#[derive(Debug)]
pub struct Postgres {
    _dir: tempfile::TempDir,
    data: PathBuf,
    port: u16,
    as_root: bool,
}

impl Postgres {
    /// Starts a server, or says why it cannot (PostgreSQL 15 not installed).
    pub fn start() -> Result<Postgres, String> {
        if !Path::new(BIN).join("initdb").exists() {
            return Err(format!(
                "PostgreSQL 15 is not installed ({BIN}/initdb; Debian's postgresql)"
            ));
        }
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let data = dir.path().join("data");
        std::fs::create_dir(&data).map_err(|e| e.to_string())?;
        let as_root = is_root();
        if as_root {
            // The server's user must own its folder and reach it.
            for path in [dir.path(), &data] {
                run(Command::new("chown").arg("postgres").arg(path))?;
            }
        }
        let port = free_port()?;
        let pg = Postgres {
            _dir: dir,
            data,
            port,
            as_root,
        };
        run(pg
            .as_server_user("initdb")
            // The C locale: text sorts by its bytes, as Arbor sorts it,
            // whatever the machine's locale.
            .args([
                "-U",
                "postgres",
                "--auth=trust",
                "--locale=C",
                "--encoding=UTF8",
                "-D",
            ])
            .arg(&pg.data))?;
        let options = format!(
            "-p {port} -k {} -c listen_addresses='' -c fsync=off -c timezone=UTC",
            pg.data.display()
        );
        run(pg
            .as_server_user("pg_ctl")
            .arg("-D")
            .arg(&pg.data)
            .args(["-o", &options, "-l"])
            .arg(pg.data.join("log"))
            .args(["-w", "start"]))?;
        Ok(pg)
    }

    /// A server, or `None` after printing why there is none (a test that
    /// needs PostgreSQL is skipped with the reason where it is absent).
    /// With `ARBOR_REQUIRE_POSTGRES` set (`.ci/run` sets it, having
    /// installed PostgreSQL) there is no skipping: a server that cannot
    /// start fails the test, so CI's pass means the tests ran.
    pub fn start_or_skip() -> Option<Postgres> {
        match Postgres::start() {
            Ok(server) => Some(server),
            Err(why) if std::env::var_os("ARBOR_REQUIRE_POSTGRES").is_some() => {
                panic!("PostgreSQL 15 is required here (ARBOR_REQUIRE_POSTGRES), yet: {why}")
            }
            Err(why) => {
                println!("skipped: {why}");
                None
            }
        }
    }

    /// A client connected to the server's `postgres` database.
    pub fn connect(&self) -> Result<postgres::Client, String> {
        postgres::Config::new()
            .host_path(&self.data)
            .port(self.port)
            .user("postgres")
            .dbname("postgres")
            .connect(postgres::NoTls)
            .map_err(|e| format!("cannot connect to PostgreSQL: {e}"))
    }

    /// A program of the server's, run as its user.
    fn as_server_user(&self, program: &str) -> Command {
        let path = Path::new(BIN).join(program);
        if self.as_root {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        }
    }

    /// `psql` on the server's `postgres` database, stopping at the first
    /// error, with `args`.
    pub fn psql(&self, args: &[&str]) -> Output {
        Command::new("psql")
            .arg("-h")
            .arg(&self.data)
            .args([
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
                "-d",
                "postgres",
            ])
            .args(["-X", "-q", "-v", "ON_ERROR_STOP=1"])
            .args(args)
            .output()
            .expect("psql runs (Debian's postgresql-client)")
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = self
            .as_server_user("pg_ctl")
            .arg("-D")
            .arg(&self.data)
            .args(["-m", "immediate", "stop"])
            .output();
    }
}

/// Whether this process runs as root.
fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

/// A port nothing listens on now.
fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(listener.local_addr().map_err(|e| e.to_string())?.port())
}

/// Runs `command`, its failure an error with what it printed.
fn run(command: &mut Command) -> Result<(), String> {
    let out = command.output().map_err(|e| format!("{command:?}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{command:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}
