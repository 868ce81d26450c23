//! `arbor sql`: run SQL against the current branch's working set.

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use arbor_engine::{Reach, Repository, Session, SqlState, ops};

use crate::identity;
use crate::render::{self, Format};
use crate::ui::CliError;
use crate::vcs::repository_dir;

/// Arguments of `arbor sql`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// SQL to run: one or more statements separated by `;`, run as one
    /// transaction as `psql -c` runs them (if one fails, none is kept,
    /// unless the string holds its own BEGIN/COMMIT).
    /// (SQL that starts with `-`, such as a `-- comment`, is SQL, not an
    /// option.)
    #[arg(
        short = 'q',
        long = "query",
        value_name = "SQL",
        conflicts_with = "file",
        allow_hyphen_values = true
    )]
    query: Option<String>,
    /// A file of SQL statements to run, each on its own (kept if it
    /// succeeds), as `psql -f` runs them.
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    file: Option<PathBuf>,
    /// How to print results.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Go on after a statement fails (the exit code is still 1): the
    /// statements run one by one, each kept if it succeeds, -q's too.
    #[arg(long = "continue")]
    keep_going: bool,
    /// Let statements from a file or standard input reach other folders
    /// and the network (`arbor_clone`, `arbor_fetch`, `arbor_pull`,
    /// `arbor_push`). Statements typed with -q or in the shell may always;
    /// a script (a replayed patch, a file from a pull request) may not
    /// unless this is given.
    #[arg(long)]
    allow_outside: bool,
}

impl Args {
    /// Whether the statements come from -q, -f or a pipe (their results
    /// may go through the pager), not typed into the shell.
    pub fn is_script(&self) -> bool {
        self.query.is_some() || self.file.is_some() || !std::io::stdin().is_terminal()
    }
}

pub fn run(args: Args, cwd: &Path) -> Result<ExitCode, CliError> {
    // Statements the user typed may reach outside; a script only if allowed.
    let typed = args.query.is_some() || (args.file.is_none() && std::io::stdin().is_terminal());
    let reach = if typed || args.allow_outside {
        Reach::ALL
    } else {
        Reach::NONE
    };
    let sql = match (&args.query, &args.file) {
        (Some(q), _) => q.clone(),
        (None, Some(f)) => std::fs::read_to_string(cwd.join(f))
            .map_err(|e| CliError::new(format!("cannot read {}: {e}", f.display())))?,
        (None, None) if std::io::stdin().is_terminal() => {
            let session = with_environment(open_session(cwd, false)?, cwd, reach)?;
            let pager = crate::terminal::pager_for(cwd);
            return crate::shell::run(session, pager).map(|()| ExitCode::SUCCESS);
        }
        (None, None) => {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .map_err(|e| CliError::new(format!("cannot read standard input: {e}")))?;
            s
        }
    };
    // Output read by `head` that stops early ends the run quietly (see
    // `main`), unless a statement may reach a remote through a pipe.
    let calls_remotes = reach == Reach::ALL
        && REMOTE_PROCEDURES
            .iter()
            .any(|p| sql.to_ascii_lowercase().contains(p));
    if !calls_remotes {
        sigpipe::reset();
    }
    let mut session = with_environment(open_session(cwd, true)?, cwd, reach)?;
    // Meta commands (`\set`, `\c`, `\copy`, ...) in a script: run as psql
    // runs such a script, line by line.
    if crate::shell::has_meta_commands(&sql) {
        let failed = crate::shell::run_script(session, &sql, args.format, args.keep_going)?;
        return Ok(if failed {
            ExitCode::FAILURE
        } else {
            ExitCode::SUCCESS
        });
    }
    let as_cli_error = |e: arbor_engine::Error| {
        let refused = e.code == SqlState::InsufficientPrivilege && !typed;
        let e = CliError::from_sql(&sql, e);
        if refused {
            e.with_hint("statements from a file or standard input may not reach other folders or the network; pass --allow-outside to let them")
        } else {
            e
        }
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut write_error = None;
    let mut print = |r: &arbor_engine::StatementResult| {
        // A failed write (a closed pipe) stops the run before the next statement.
        render::print(&mut out, r, args.format)
            .and_then(|()| out.flush())
            .map_err(|e| {
                let message = format!("cannot write output: {e}");
                write_error = Some(message.clone());
                arbor_engine::Error::new(SqlState::IoError, message)
            })
    };
    let mut failed = false;
    let outcome = if args.keep_going {
        session.execute_continuing(&sql, &mut |r| match r {
            Ok(r) => print(&r),
            Err(e) => {
                failed = true;
                crate::ui::print_error(&as_cli_error(e));
                Ok(())
            }
        })
    } else if args.query.is_some() {
        session.execute_as_one(&sql, &mut |r| print(&r))
    } else {
        session.execute_each(&sql, &mut |r| print(&r))
    };
    crate::ui::print_notices(&session.take_notices());
    if let Some(message) = write_error {
        return Err(CliError::new(message));
    }
    outcome.map_err(as_cli_error)?;
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// The procedures that may talk to a remote through a child's pipes.
const REMOTE_PROCEDURES: &[&str] = &["arbor_clone", "arbor_fetch", "arbor_pull", "arbor_push"];

/// A session on the checked-out branch of the repository containing `cwd`,
/// for the shell or for one `script` that ends the process.
fn open_session(cwd: &Path, script: bool) -> Result<Session, CliError> {
    let dir = repository_dir(cwd)?;
    // The lock only while a statement writes: an open shell blocks no one.
    // On a damaged journal it reads up to the damage (and says so), and a
    // write fails clearly.
    let store = ops::open_disk_store_shared(&dir)?;
    crate::vcs::warn_if_damaged(&store);
    let repository = Repository::open(store)?;
    let repository = if script {
        crate::vcs::sized_for_a_script(repository)
    } else {
        crate::vcs::sized(repository)
    };
    let branch = ops::current_branch(&repository)?;
    Ok(Session::open(repository, &branch)?)
}

/// Gives the session the command's environment: commits made from SQL
/// (`SELECT arbor_commit(...)`) need an author, remotes need `reach`.
fn with_environment(mut session: Session, cwd: &Path, reach: Reach) -> Result<Session, CliError> {
    let mut env = identity::environment(cwd)?;
    env.reach = reach;
    // A statement's relative paths (a clone's URL and folder) mean the same
    // from wherever the script runs: they are read against the repository.
    env.working_dir = Some(repository_dir(cwd)?);
    session.set_environment(env);
    Ok(session)
}
