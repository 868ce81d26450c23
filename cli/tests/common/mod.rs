//! The one environment every command-line test runs `arbor` (and `git`) in.
//!
//! A [`TestEnv`] owns a temporary folder holding an isolated home (`HOME`,
//! `XDG_CONFIG_HOME`, `XDG_CACHE_HOME`), the global Arbor and Git
//! configuration files (absent until a test writes them) and `work/`, where
//! a test puts its repositories and files. Every command gets a fixed
//! author and commit date, and no `ARBOR_*` or `GIT_*` variable (nor a
//! colour preference) is inherited from whoever runs the tests, so the
//! user's `~/.gitconfig`, Arbor configuration or clock never reach a test
//! and commit hashes never move. A test that needs something else says so
//! with a `with_*`/`without_*` method.
//!
//! A [`WorkDir`] is a folder in that environment: it runs commands there
//! and reads and writes files. It keeps the environment (and its temporary
//! folder) alive, so it can be returned from helpers and kept in structs.

// Each test binary (one per file in cli/tests/) compiles this module and
// uses only some of it: what one binary leaves unused is not dead code.
#![allow(dead_code)]

use std::ffi::OsString;
use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::Arc;

/// The author of every commit, unless a test says otherwise.
pub const AUTHOR_NAME: &str = "Ann Lee";
pub const AUTHOR_EMAIL: &str = "ann@example.com";
/// The time of every commit (and SQL's `now()`): 2023-11-14 22:13:20 UTC.
pub const COMMIT_DATE: &str = "1700000000";

/// Inherited variables removed from every command besides `ARBOR_*` and
/// `GIT_*`: colour preferences, the pager and the terminal type.
const CLEARED: [&str; 6] = [
    "NO_COLOR",
    "CLICOLOR",
    "CLICOLOR_FORCE",
    "PAGER",
    "LESS",
    "TERM",
];

/// An isolated environment for running `arbor`: see the module's comment.
/// Cloning it shares the temporary folder.
#[derive(Clone)]
pub struct TestEnv {
    /// Deleted when the last clone (and the last [`WorkDir`]) is dropped.
    _temp: Arc<tempfile::TempDir>,
    /// The temporary folder, canonical (so paths the binary prints match).
    root: PathBuf,
    author: Option<(String, String)>,
    date: String,
    git_cache_per_folder: bool,
    /// Variables set after all the others (`None` removes one).
    extra: Vec<(OsString, Option<OsString>)>,
}

impl Default for TestEnv {
    fn default() -> TestEnv {
        TestEnv::new()
    }
}

impl TestEnv {
    /// A new environment: an empty home and `work/` folder, the fixed
    /// author [`AUTHOR_NAME`] <[`AUTHOR_EMAIL`]> and date [`COMMIT_DATE`].
    pub fn new() -> TestEnv {
        let temp = tempfile::tempdir().unwrap();
        let root = temp.path().canonicalize().unwrap();
        for folder in ["home/.config", "home/.cache", "work"] {
            std::fs::create_dir_all(root.join(folder)).unwrap();
        }
        TestEnv {
            _temp: Arc::new(temp),
            root,
            author: Some((AUTHOR_NAME.into(), AUTHOR_EMAIL.into())),
            date: COMMIT_DATE.into(),
            git_cache_per_folder: false,
            extra: Vec::new(),
        }
    }

    /// No `ARBOR_AUTHOR_NAME`/`ARBOR_AUTHOR_EMAIL`: the author comes from
    /// configuration, or is unknown.
    #[must_use]
    pub fn without_author(mut self) -> TestEnv {
        self.author = None;
        self
    }

    /// `ARBOR_COMMIT_DATE` is `date` (seconds or RFC 3339).
    #[must_use]
    pub fn with_date(mut self, date: &str) -> TestEnv {
        self.date = date.into();
        self
    }

    /// Sets one more variable for every command.
    #[must_use]
    pub fn with_var(mut self, key: &str, value: impl Into<OsString>) -> TestEnv {
        self.extra.push((key.into(), Some(value.into())));
        self
    }

    /// Caches Git remotes in `.git-cache` of the folder each command runs
    /// in (`ARBOR_GIT_CACHE`), instead of one cache in the home: each
    /// repository really transfers what it needs.
    #[must_use]
    pub fn with_git_cache_per_folder(mut self) -> TestEnv {
        self.git_cache_per_folder = true;
        self
    }

    /// The home folder (`HOME`).
    pub fn home(&self) -> PathBuf {
        self.root.join("home")
    }

    /// The global Arbor configuration file (`ARBOR_CONFIG_GLOBAL`).
    pub fn arbor_config(&self) -> PathBuf {
        self.home().join(".config/arbor-global.json")
    }

    /// The global Git configuration file (`GIT_CONFIG_GLOBAL`); no system
    /// file is read.
    pub fn git_config(&self) -> PathBuf {
        self.home().join(".config/gitconfig")
    }

    /// The test's own folder, empty at the start.
    pub fn work_dir(&self) -> WorkDir {
        self.at(self.root.join("work"))
    }

    /// Any folder (which need not exist) in this environment.
    pub fn at(&self, path: impl Into<PathBuf>) -> WorkDir {
        WorkDir {
            env: self.clone(),
            path: path.into(),
        }
    }

    /// `work/repo`, a new repository (`arbor init`).
    pub fn repo(&self) -> WorkDir {
        let repo = self.work_dir().mkdir("repo");
        repo.ok(&["init"]);
        repo
    }

    /// The variables a command run in `dir` gets, as changes to the
    /// inherited environment: `Some` sets one, `None` removes it (for a
    /// caller that builds its own process).
    pub fn vars(&self, dir: &Path) -> Vec<(OsString, Option<OsString>)> {
        let mut vars: Vec<(OsString, Option<OsString>)> = std::env::vars_os()
            .map(|(key, _)| key)
            .filter(|key| {
                let key = key.to_string_lossy();
                key.starts_with("ARBOR_") || key.starts_with("GIT_") || CLEARED.contains(&&*key)
            })
            .map(|key| (key, None))
            .collect();
        let mut set = |key: &str, value: OsString| vars.push((key.into(), Some(value)));
        set("HOME", self.home().into());
        set("XDG_CONFIG_HOME", self.home().join(".config").into());
        set("XDG_CACHE_HOME", self.home().join(".cache").into());
        set("ARBOR_CONFIG_GLOBAL", self.arbor_config().into());
        set("GIT_CONFIG_GLOBAL", self.git_config().into());
        set("GIT_CONFIG_NOSYSTEM", "1".into());
        set("ARBOR_COMMIT_DATE", self.date.clone().into());
        if let Some((name, email)) = &self.author {
            set("ARBOR_AUTHOR_NAME", name.into());
            set("ARBOR_AUTHOR_EMAIL", email.into());
        }
        if self.git_cache_per_folder {
            set("ARBOR_GIT_CACHE", dir.join(".git-cache").into());
        }
        vars.extend(self.extra.iter().cloned());
        vars
    }

    /// `program args...` in `dir` with this environment's variables.
    fn program(&self, program: &str, dir: &Path, args: &[&str]) -> Command {
        let mut cmd = Command::new(program);
        cmd.current_dir(dir).args(args);
        for (key, value) in self.vars(dir) {
            match value {
                Some(value) => cmd.env(key, value),
                None => cmd.env_remove(key),
            };
        }
        cmd
    }
}

/// A folder in a [`TestEnv`]: commands run there, paths are relative to it.
#[derive(Clone)]
pub struct WorkDir {
    env: TestEnv,
    path: PathBuf,
}

impl WorkDir {
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn env(&self) -> &TestEnv {
        &self.env
    }

    /// `rel` in this folder (not created).
    pub fn dir(&self, rel: impl AsRef<Path>) -> WorkDir {
        self.env.at(self.path.join(rel))
    }

    /// `rel` in this folder, created with its parents.
    #[track_caller]
    pub fn mkdir(&self, rel: impl AsRef<Path>) -> WorkDir {
        let dir = self.dir(rel);
        std::fs::create_dir_all(&dir.path).unwrap();
        dir
    }

    /// This folder in a changed environment, such as
    /// `dir.with_env(TestEnv::without_author)`.
    pub fn with_env(&self, change: impl FnOnce(TestEnv) -> TestEnv) -> WorkDir {
        WorkDir {
            env: change(self.env.clone()),
            path: self.path.clone(),
        }
    }

    #[track_caller]
    pub fn write_file(&self, rel: impl AsRef<Path>, content: impl AsRef<[u8]>) {
        let path = self.path.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(path, content).unwrap();
    }

    #[track_caller]
    pub fn read_file(&self, rel: impl AsRef<Path>) -> String {
        std::fs::read_to_string(self.path.join(rel)).unwrap()
    }

    /// `arbor args...` here, to run as the caller likes (in a
    /// pseudo-terminal, killed halfway...).
    pub fn command(&self, args: &[&str]) -> Command {
        self.env
            .program(env!("CARGO_BIN_EXE_arbor"), &self.path, args)
    }

    /// Runs `arbor args...` here with no standard input.
    #[track_caller]
    pub fn run(&self, args: &[&str]) -> Run {
        Run::of(self.command(args), self.shown("arbor", args), None)
    }

    /// Runs `arbor args...` here with `input` on its standard input.
    #[track_caller]
    pub fn run_with_input(&self, args: &[&str], input: impl AsRef<[u8]>) -> Run {
        let shown = self.shown("arbor", args);
        Run::of(self.command(args), shown, Some(input.as_ref()))
    }

    /// Runs `arbor args...`, which must succeed; its standard output.
    #[track_caller]
    pub fn ok(&self, args: &[&str]) -> String {
        let run = self.run(args);
        assert!(run.success(), "expected success: {run}");
        run.stdout
    }

    /// Runs `arbor args...`, which must fail (any exit code but 0); its
    /// standard error.
    #[track_caller]
    pub fn fails(&self, args: &[&str]) -> String {
        let run = self.run(args);
        assert!(!run.success(), "expected a failure: {run}");
        run.stderr
    }

    /// Runs `arbor args...`, which must exit with `code`.
    #[track_caller]
    pub fn exits(&self, code: i32, args: &[&str]) -> Run {
        let run = self.run(args);
        assert_eq!(run.code(), Some(code), "expected exit code {code}: {run}");
        run
    }

    /// `git args...` here, with the environment's variables (so an `arbor`
    /// it runs as a driver gets them too) and the fixed author as Git's
    /// author and committer.
    pub fn git_command(&self, args: &[&str]) -> Command {
        let mut cmd = self.env.program("git", &self.path, args);
        cmd.env("GIT_AUTHOR_NAME", AUTHOR_NAME)
            .env("GIT_AUTHOR_EMAIL", AUTHOR_EMAIL)
            .env("GIT_COMMITTER_NAME", AUTHOR_NAME)
            .env("GIT_COMMITTER_EMAIL", AUTHOR_EMAIL);
        cmd
    }

    /// Runs `git args...` here.
    #[track_caller]
    pub fn git_run(&self, args: &[&str]) -> Run {
        Run::of(self.git_command(args), self.shown("git", args), None)
    }

    /// Runs `git args...`, which must succeed; its standard output.
    #[track_caller]
    pub fn git(&self, args: &[&str]) -> String {
        let run = self.git_run(args);
        assert!(run.success(), "expected success: {run}");
        run.stdout
    }

    /// The command as a shell would show it, and where it ran.
    fn shown(&self, program: &str, args: &[&str]) -> String {
        let mut shown = program.to_owned();
        for arg in args {
            shown.push(' ');
            if !arg.is_empty()
                && arg
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./=:@,+%~^".contains(c))
            {
                shown.push_str(arg);
            } else {
                shown.push_str(&format!("'{}'", arg.replace('\'', "'\\''")));
            }
        }
        format!("`{shown}` in {}", self.path.display())
    }
}

/// What a finished command did; its output read as UTF-8 (invalid bytes
/// as U+FFFD). Shown (in a failed assertion) with the command, its folder,
/// exit status and both outputs.
pub struct Run {
    pub command: String,
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    #[track_caller]
    fn of(mut cmd: Command, command: String, input: Option<&[u8]>) -> Run {
        let out = match input {
            None => cmd.output().unwrap(),
            Some(input) => {
                let mut child = cmd
                    .stdin(Stdio::piped())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap();
                // A command that refuses before reading may have closed its
                // input already: the write fails then, and the output tells.
                if let Err(e) = child.stdin.take().unwrap().write_all(input) {
                    assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{command}: {e}");
                }
                child.wait_with_output().unwrap()
            }
        };
        Run {
            command,
            status: out.status,
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    pub fn success(&self) -> bool {
        self.status.success()
    }

    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }
}

impl fmt::Display for Run {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({})\n--- stdout:\n{}\n--- stderr:\n{}\n---",
            self.command, self.status, self.stdout, self.stderr
        )
    }
}

/// Whether the `git` program can be run here (a test that needs it
/// returns early, saying it was skipped, when not).
pub fn has_git() -> bool {
    let found = Command::new("git").arg("--version").output().is_ok();
    if !found {
        eprintln!("skipped: the `git` program is not installed");
    }
    found
}
