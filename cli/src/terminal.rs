//! What a terminal gets that a pipe does not: colour and a pager.
//!
//! Both are decided once per process, as Git decides them, from the
//! command line (`--color`, `--no-pager`), the environment and the
//! settings:
//!
//! - **Colour** goes to standard output when it is a terminal (to standard
//!   error when that is one), unless `NO_COLOR` is set or `TERM` is `dumb`;
//!   `--color=always|never` and the setting `color.ui` (`auto`, `always`,
//!   `never`, `true`, `false`) override that, the flag first. Text is
//!   painted by what it is ([`Role`]), so one table of styles says how.
//! - **The pager** takes the output of the commands that print much (log,
//!   diff, show, blame, conflicts cat, query results), and in the shell a
//!   result longer than the screen, when standard output is a terminal: `$ARBOR_PAGER`, else the setting `core.pager`, else
//!   `$PAGER`, else `less` (with `LESS=FRX` unless set: quit when the text
//!   fits on one screen, keep colours, leave the screen as it was). An
//!   empty pager or `cat` means none, as does `--no-pager` or
//!   `pager.enabled = false`.

use std::borrow::Cow;
use std::io::{IsTerminal, Write};
use std::os::fd::OwnedFd;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};

use anstyle::{AnsiColor, Style};

use crate::config;

/// When to colour output (`--color`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorWhen {
    /// When the output is a terminal and `NO_COLOR` is not set.
    Auto,
    /// Always, even into a pipe or file.
    Always,
    /// Never.
    Never,
}

static COLOR_STDOUT: AtomicBool = AtomicBool::new(false);
static COLOR_STDERR: AtomicBool = AtomicBool::new(false);
/// Whether standard output was a terminal at start (a pager takes it over).
static STDOUT_TERMINAL: AtomicBool = AtomicBool::new(false);

/// Decides colour for this process: `flag` (`--color`) first, then the
/// setting `color.ui` of the repository or user at `cwd`.
pub fn init_color(flag: Option<ColorWhen>, cwd: &Path) {
    let when =
        flag.unwrap_or_else(
            || match config::lookup(cwd, "color.ui").ok().flatten().as_deref() {
                Some("always") => ColorWhen::Always,
                Some("never" | "false") => ColorWhen::Never,
                _ => ColorWhen::Auto,
            },
        );
    let plain_terminal = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
        || std::env::var_os("TERM").is_some_and(|t| t == "dumb");
    let decide = |is_terminal: bool| match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => is_terminal && !plain_terminal,
    };
    let terminal = std::io::stdout().is_terminal();
    STDOUT_TERMINAL.store(terminal, Ordering::Relaxed);
    COLOR_STDOUT.store(decide(terminal), Ordering::Relaxed);
    COLOR_STDERR.store(decide(std::io::stderr().is_terminal()), Ordering::Relaxed);
}

/// Whether standard output is a terminal (or a pager on one).
pub fn stdout_is_terminal() -> bool {
    STDOUT_TERMINAL.load(Ordering::Relaxed)
}

/// Whether standard output is coloured.
pub fn color() -> bool {
    COLOR_STDOUT.load(Ordering::Relaxed)
}

/// What a piece of text is, which decides its colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// An added row or line, a staged change.
    Added,
    /// A deleted row or line, an unstaged or untracked change.
    Removed,
    /// A modified row or cell.
    Changed,
    /// A heading (`diff --arbor a/t b/t`).
    Heading,
    /// A commit hash.
    Hash,
    /// `HEAD` in a log's decoration.
    Head,
    /// A local branch's name.
    Branch,
    /// A remote-tracking branch's name.
    RemoteBranch,
    /// A tag's name.
    Tag,
    /// `error:`.
    Error,
    /// `hint:`.
    Hint,
    /// `warning:`.
    Warning,
}

impl Role {
    fn style(self) -> Style {
        let fg = |c: AnsiColor| Style::new().fg_color(Some(c.into()));
        match self {
            Role::Added => fg(AnsiColor::Green),
            Role::Removed => fg(AnsiColor::Red),
            Role::Changed => fg(AnsiColor::Yellow),
            Role::Heading => Style::new().bold(),
            Role::Hash => fg(AnsiColor::Yellow),
            Role::Head => fg(AnsiColor::Cyan).bold(),
            Role::Branch => fg(AnsiColor::Green).bold(),
            Role::RemoteBranch => fg(AnsiColor::Red).bold(),
            Role::Tag => fg(AnsiColor::Yellow).bold(),
            Role::Error => fg(AnsiColor::Red).bold(),
            Role::Hint => fg(AnsiColor::Yellow),
            Role::Warning => fg(AnsiColor::Yellow).bold(),
        }
    }
}

/// `text` painted as `role` for standard output (as it is without colour).
pub fn paint(role: Role, text: &str) -> Cow<'_, str> {
    paint_if(color(), role, text)
}

/// Whether standard error is coloured.
pub fn color_stderr() -> bool {
    COLOR_STDERR.load(Ordering::Relaxed)
}

/// `text` painted as `role` for standard error.
pub fn paint_stderr(role: Role, text: &str) -> Cow<'_, str> {
    paint_if(color_stderr(), role, text)
}

/// `text` painted as `role` when `color`.
pub fn paint_if(color: bool, role: Role, text: &str) -> Cow<'_, str> {
    if !color || text.is_empty() {
        return Cow::Borrowed(text);
    }
    let style = role.style();
    Cow::Owned(format!("{style}{text}{style:#}"))
}

/// Whether paging is off for this process (`--no-pager`).
static NO_PAGER: AtomicBool = AtomicBool::new(false);

/// Turns the pager off for this process (`--no-pager`).
pub fn disable_pager() {
    NO_PAGER.store(true, Ordering::Relaxed);
}

/// A pager reading this process's standard output; dropping it ends the
/// output and waits for the pager, as Git waits before exiting.
#[derive(Debug)]
pub struct Pager {
    child: Child,
    /// Standard output as it was, put back when the pager is done.
    saved: OwnedFd,
}

/// The pager command for `cwd`'s repository or user, if any (see the
/// module documentation).
fn pager_command(cwd: &Path) -> Option<String> {
    let var = |name: &str| std::env::var(name).ok();
    let enabled = config::lookup(cwd, "pager.enabled").ok().flatten();
    if matches!(enabled.as_deref(), Some("false" | "no" | "off" | "0")) {
        return None;
    }
    let command = var("ARBOR_PAGER")
        .or_else(|| config::lookup(cwd, "core.pager").ok().flatten())
        .or_else(|| var("PAGER"))
        .unwrap_or_else(|| "less".to_owned());
    let command = command.trim();
    (!command.is_empty() && command != "cat").then(|| command.to_owned())
}

/// The pager for `cwd`, when standard output is a terminal and paging is
/// on.
pub fn pager_for(cwd: &Path) -> Option<String> {
    if NO_PAGER.load(Ordering::Relaxed) || !stdout_is_terminal() {
        return None;
    }
    pager_command(cwd)
}

/// The shell command that runs `pager`, its input piped, with Git's
/// defaults for `less` and `lv`.
fn pager_process(pager: &str) -> Command {
    let mut shell = Command::new("sh");
    shell.arg("-c").arg(pager).stdin(Stdio::piped());
    if std::env::var_os("LESS").is_none() {
        shell.env("LESS", "FRX");
    }
    if std::env::var_os("LV").is_none() {
        shell.env("LV", "-c");
    }
    shell
}

/// Shows `text` through `pager` when it has more lines than the terminal
/// (as psql pages a long result in its shell); `false` when it did not (the
/// caller prints it).
pub fn page_text(pager: &str, text: &str) -> bool {
    // The terminal's height; where it does not say, $LINES, else 24.
    let rows = rustix::termios::tcgetwinsize(std::io::stdout())
        .map(|w| usize::from(w.ws_row))
        .ok()
        .filter(|&rows| rows > 0)
        .or_else(|| std::env::var("LINES").ok()?.parse().ok())
        .unwrap_or(24);
    if text.lines().count() < rows {
        return false;
    }
    let Ok(mut child) = pager_process(pager).spawn() else {
        return false;
    };
    if let Some(mut input) = child.stdin.take() {
        // A pager quit early closes its input: the rest is not wanted.
        let _ = input.write_all(text.as_bytes());
    }
    let _ = child.wait();
    true
}

/// Starts the pager for a command's output, when standard output is a
/// terminal and paging is on; `None` otherwise (the output goes where it
/// went). A pager that cannot start is skipped with a warning.
pub fn start_pager(cwd: &Path) -> Option<Pager> {
    let command = pager_for(cwd)?;
    let mut shell = pager_process(&command);
    let started = (|| -> std::io::Result<Pager> {
        let saved = rustix::io::dup(std::io::stdout())?;
        let mut child = shell.spawn()?;
        let input = child
            .stdin
            .take()
            .ok_or_else(|| std::io::Error::other("the pager has no input"))?;
        rustix::stdio::dup2_stdout(&input)?;
        Ok(Pager { child, saved })
    })();
    match started {
        Ok(pager) => Some(pager),
        Err(e) => {
            let warning = paint_stderr(Role::Warning, "warning:");
            eprintln!("{warning} cannot start the pager '{command}': {e}");
            None
        }
    }
}

impl Drop for Pager {
    fn drop(&mut self) {
        // What is buffered goes to the pager; then standard output is
        // itself again, which closes the pager's input: it sees the end.
        let _ = std::io::stdout().flush();
        let _ = rustix::stdio::dup2_stdout(&self.saved);
        let _ = self.child.wait();
    }
}
