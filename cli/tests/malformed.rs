//! Malformed input of every kind, generated from fixed seeds: CSV and JSON
//! files for `arbor table import`, SQL, names, revisions and remote URLs
//! (categories 1–6, each against a healthy repository), and damaged
//! repositories (category 7).
//!
//! Every case must end by itself within [`TIMEOUT`] (no hang), not panic
//! (exit code 101, "panicked at"), not die of a signal (a stack overflow
//! aborts), and when it fails say why on standard error. A command that
//! fails against a healthy repository must leave it as it was: the files
//! of `.arbor/` are compared, and when they differ, what the repository
//! shows (log, branches, tags, remotes, status, schemas and every table's
//! rows), and `arbor fsck` must pass.
//!
//! Each case has a stable id; [`KNOWN_FAILURES`] lists the ids of the cases
//! that expose bugs not fixed yet, which are skipped (and counted).
//! Run with `--nocapture` to see the counts per category.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::fmt::Write as _;
use std::io::{Read, Write};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::{TestEnv, WorkDir};

/// Cases that expose bugs not fixed yet: skipped, so the rest stays green.
/// The report that found them groups them by cause. A damaged-repository
/// case is `<damage>:<command>` (`:commit+fsck` is the check after the
/// commit).
const KNOWN_FAILURES: &[&str] = &[];

/// How long one command may run before it counts as hung and is killed.
const TIMEOUT: Duration = Duration::from_secs(20);
/// Threads running cases, per test.
const WORKERS: usize = 2;

// ---------------------------------------------------------------------
// Deterministic generation.

/// xorshift64*: a fixed seed, the same cases on every run.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T: ?Sized>(&mut self, items: &[&'a T]) -> &'a T {
        items[self.below(items.len())]
    }
}

/// `base` after one to three random edits: a cut, a byte removed, a token
/// inserted or put in place of a byte, a piece repeated.
fn mutate(rng: &mut Rng, base: &[u8], tokens: &[&[u8]]) -> Vec<u8> {
    let mut out = base.to_vec();
    for _ in 0..1 + rng.below(3) {
        let at = rng.below(out.len() + 1);
        match rng.below(7) {
            0 => out.truncate(at),
            1 if at < out.len() => {
                out.remove(at);
            }
            2 | 3 => {
                let token = rng.pick(tokens);
                out.splice(at..at, token.iter().copied());
            }
            4 if at < out.len() => {
                let token = rng.pick(tokens);
                out.splice(at..=at, token.iter().copied());
            }
            _ => {
                let end = (at + 1 + rng.below(16)).min(out.len());
                let piece = out[at.min(end)..end].to_vec();
                out.splice(at..at, piece);
            }
        }
    }
    out
}

fn os(s: &str) -> OsString {
    OsString::from(s)
}

fn os_bytes(b: &[u8]) -> OsString {
    OsString::from_vec(b.to_vec())
}

/// A field of a CSV file, quoted.
fn csv_field(b: &[u8]) -> Vec<u8> {
    let mut out = vec![b'"'];
    for &c in b {
        if c == b'"' {
            out.push(b'"');
        }
        out.push(c);
    }
    out.push(b'"');
    out
}

/// A JSON string: control characters escaped, other bytes (even invalid
/// UTF-8) as they are.
fn json_str(b: &[u8]) -> Vec<u8> {
    let mut out = vec![b'"'];
    for &c in b {
        match c {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            0..=0x1f => out.extend_from_slice(format!("\\u{c:04x}").as_bytes()),
            _ => out.push(c),
        }
    }
    out.push(b'"');
    out
}

/// A quoted SQL identifier.
fn sql_ident(b: &[u8]) -> Vec<u8> {
    let mut out = vec![b'"'];
    for &c in b {
        if c == b'"' {
            out.push(b'"');
        }
        out.push(c);
    }
    out.push(b'"');
    out
}

/// Bytes for a message: escaped, long ones shortened.
fn shown(b: &[u8]) -> String {
    if b.len() > 240 {
        format!(
            "{}...[{} bytes in all]...{}",
            b[..160].escape_ascii(),
            b.len(),
            b[b.len() - 40..].escape_ascii()
        )
    } else {
        b.escape_ascii().to_string()
    }
}

// ---------------------------------------------------------------------
// Running a command.

/// How a command ended.
struct Outcome {
    code: Option<i32>,
    signal: Option<i32>,
    timed_out: bool,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

impl Outcome {
    fn success(&self) -> bool {
        self.code == Some(0)
    }

    fn summary(&self) -> String {
        let status = match (self.code, self.signal) {
            _ if self.timed_out => "killed after the timeout".to_owned(),
            (Some(code), _) => format!("exit {code}"),
            (None, Some(signal)) => format!("signal {signal}"),
            (None, None) => "?".to_owned(),
        };
        format!(
            "{status} after {} ms; stdout: {}; stderr: {}",
            self.elapsed.as_millis(),
            shown(self.stdout.as_bytes()),
            shown(self.stderr.as_bytes())
        )
    }
}

/// Runs `cmd` (with `stdin`, else none), killing it after [`TIMEOUT`].
fn execute(mut cmd: Command, stdin: Option<&[u8]>) -> Outcome {
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let start = Instant::now();
    let mut child = cmd.spawn().unwrap();
    let writer = stdin.map(|input| {
        let mut pipe = child.stdin.take().unwrap();
        let input = input.to_vec();
        // A command that refuses before reading closes its input: the
        // write fails then, which is fine.
        std::thread::spawn(move || pipe.write_all(&input).is_ok())
    });
    let read = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            pipe.read_to_end(&mut buf).unwrap();
            buf
        })
    };
    let out = read(Box::new(child.stdout.take().unwrap()));
    let err = read(Box::new(child.stderr.take().unwrap()));
    let mut timed_out = false;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > TIMEOUT {
            timed_out = true;
            child.kill().unwrap();
            break child.wait().unwrap();
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    let elapsed = start.elapsed();
    if let Some(writer) = writer {
        writer.join().unwrap();
    }
    Outcome {
        code: status.code(),
        signal: status.signal(),
        timed_out,
        stdout: String::from_utf8_lossy(&out.join().unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&err.join().unwrap()).into_owned(),
        elapsed,
    }
}

/// What is wrong with how a command ended: a hang, a signal, a panic, or
/// a failure with no message (`message_on_stdout`: a report on standard
/// output counts, as `arbor fsck` prints what it found there).
fn problems(out: &Outcome, message_on_stdout: bool) -> Vec<String> {
    let mut found = Vec::new();
    if out.timed_out {
        found.push(format!("hung: killed after {} s", TIMEOUT.as_secs()));
    } else if let Some(signal) = out.signal {
        found.push(format!("killed by signal {signal}"));
    }
    if out.code == Some(101) {
        found.push("exit code 101 (a panic)".to_owned());
    }
    if out.stderr.contains("panicked at") {
        found.push("panicked".to_owned());
    }
    if out.stderr.contains("overflowed its stack") {
        found.push("overflowed its stack".to_owned());
    }
    if !out.timed_out && out.signal.is_none() && !out.success() {
        let message = if message_on_stdout {
            format!("{}{}", out.stdout, out.stderr)
        } else {
            out.stderr.clone()
        };
        if message.trim().is_empty() {
            found.push("failed without an error message".to_owned());
        } else if !message_on_stdout && !message.to_lowercase().contains("error") {
            found.push("failed without a message saying what the error is".to_owned());
        }
    }
    found
}

// ---------------------------------------------------------------------
// Repositories as files.

/// The files of a repository's `.arbor/` folder, by path inside it.
type Store = BTreeMap<PathBuf, Vec<u8>>;

fn read_store(repo: &Path) -> Store {
    fn walk(root: &Path, dir: &Path, store: &mut Store) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, store);
            } else {
                let content = std::fs::read(&path).unwrap_or_default();
                store.insert(path.strip_prefix(root).unwrap().to_owned(), content);
            }
        }
    }
    let mut store = Store::new();
    let root = repo.join(".arbor");
    walk(&root, &root, &mut store);
    store
}

/// Makes `repo` a folder holding only `.arbor/` with these files.
fn write_repo(repo: &Path, store: &Store) {
    if repo.exists() {
        std::fs::remove_dir_all(repo).unwrap();
    }
    std::fs::create_dir_all(repo.join(".arbor")).unwrap();
    for (rel, content) in store {
        let path = repo.join(".arbor").join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
}

/// What a repository shows: its history, branches, tags, remotes, status,
/// schemas and the rows of every table (sorted).
fn logical_state(dir: &WorkDir) -> String {
    let mut state = String::new();
    let mut show = |args: &[&str]| {
        let out = execute(dir.command(args), None);
        writeln!(
            state,
            "$ arbor {}\n{:?}\n{}{}",
            args.join(" "),
            out.code,
            out.stdout,
            out.stderr
        )
        .unwrap();
        out.stdout
    };
    show(&["log", "--oneline"]);
    show(&["branch", "-v", "-a"]);
    show(&["tag", "-n"]);
    show(&["remote", "-v"]);
    show(&["status"]);
    let schema = show(&["schema", "show"]);
    for line in schema.lines() {
        if let Some(table) = line
            .strip_prefix("CREATE TABLE ")
            .and_then(|rest| rest.strip_suffix(" ("))
        {
            let out = execute(
                dir.command(&[
                    "sql",
                    "--format",
                    "csv",
                    "-q",
                    &format!("SELECT * FROM {table}"),
                ]),
                None,
            );
            let mut rows: Vec<&str> = out.stdout.lines().collect();
            rows.sort_unstable();
            writeln!(
                state,
                "$ rows of {table}: {:?}\n{}",
                out.code,
                rows.join("\n")
            )
            .unwrap();
        }
    }
    state
}

/// The lines of `before` and `after` that are not in the other.
fn line_diff(before: &str, after: &str) -> String {
    let old: BTreeSet<&str> = before.lines().collect();
    let new: BTreeSet<&str> = after.lines().collect();
    let mut out = String::new();
    for line in old.difference(&new) {
        writeln!(out, "  - {line}").unwrap();
    }
    for line in new.difference(&old) {
        writeln!(out, "  + {line}").unwrap();
    }
    out
}

// ---------------------------------------------------------------------
// Cases against a healthy repository (categories 1–6).

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Category {
    Csv,
    Json,
    Sql,
    Names,
    Revisions,
    Remotes,
}

/// One command to run in a fresh copy of the healthy repository.
struct Case {
    id: String,
    category: Category,
    args: Vec<OsString>,
    /// Files written in the repository's folder first.
    files: Vec<(String, Vec<u8>)>,
    stdin: Option<Vec<u8>>,
    /// A folder (in the repository's folder) a failed command must not
    /// leave behind.
    leaves_nothing: Option<&'static str>,
    /// The input is wrong beyond doubt: the command must fail (succeeding
    /// is a missing error).
    must_fail: bool,
}

impl Case {
    fn new(category: Category, id: impl Into<String>, args: &[&str]) -> Case {
        Case::os(category, id, args.iter().map(|a| os(a)).collect())
    }

    fn os(category: Category, id: impl Into<String>, args: Vec<OsString>) -> Case {
        Case {
            id: id.into(),
            category,
            args,
            files: Vec::new(),
            stdin: None,
            leaves_nothing: None,
            must_fail: false,
        }
    }

    fn file(mut self, name: &str, content: impl Into<Vec<u8>>) -> Case {
        self.files.push((name.to_owned(), content.into()));
        self
    }

    fn stdin(mut self, input: impl Into<Vec<u8>>) -> Case {
        self.stdin = Some(input.into());
        self
    }

    fn must_fail(mut self, must: bool) -> Case {
        self.must_fail = must;
        self
    }

    fn leaves_nothing(mut self, folder: &'static str) -> Case {
        self.leaves_nothing = Some(folder);
        self
    }

    /// How to run it again by hand.
    fn reproduction(&self) -> String {
        let mut out = String::from("arbor");
        for arg in &self.args {
            write!(out, " '{}'", shown(arg.as_bytes())).unwrap();
        }
        for (name, content) in &self.files {
            write!(out, "\n      with {name} = b\"{}\"", shown(content)).unwrap();
        }
        if let Some(input) = &self.stdin {
            write!(out, "\n      with stdin = b\"{}\"", shown(input)).unwrap();
        }
        out
    }
}

/// The healthy repository (`work/repo` of its environment) every case
/// starts from, and the folders remote URLs point at (`work/src`, an
/// Arbor repository, and a few that are not).
struct Fixture {
    env: TestEnv,
    store: Store,
    state: String,
    head_prefix: String,
}

impl Fixture {
    fn build() -> Fixture {
        let env = TestEnv::new();
        let work = env.work_dir();
        let src = work.mkdir("src");
        src.ok(&["init"]);
        src.ok(&[
            "sql",
            "-q",
            "CREATE TABLE s (k integer PRIMARY KEY, v text); INSERT INTO s VALUES (1, 'a')",
        ]);
        src.ok(&["commit", "-am", "s"]);
        let repo = env.repo();
        repo.ok(&[
            "sql",
            "-q",
            "CREATE TABLE t (id integer PRIMARY KEY, name text, qty integer NOT NULL DEFAULT 0); \
             INSERT INTO t VALUES (1, 'one', 10), (2, 'two', 20), (3, NULL, 30)",
        ]);
        repo.ok(&["commit", "-am", "one"]);
        repo.ok(&[
            "sql",
            "-q",
            "CREATE TABLE u (k integer PRIMARY KEY, b boolean, d double precision, j jsonb, \
             big bigint, n numeric(10,2), dt date, ts timestamp, id uuid, s varchar(5)); \
             INSERT INTO u VALUES (1, true, 1.5, '{\"a\": {\"b\": 1}}', 9000000000, 12.34, \
             '2024-02-29', '2024-02-29 12:00:00', '00000000-0000-0000-0000-000000000001', 'abc')",
        ]);
        repo.ok(&["commit", "-am", "two"]);
        repo.ok(&["branch", "dev"]);
        repo.ok(&["tag", "v1"]);
        repo.ok(&["sql", "-q", "INSERT INTO t VALUES (4, 'four', 40)"]);
        repo.ok(&["commit", "-am", "three"]);
        repo.ok(&["remote", "add", "origin", "../src"]);
        // Folders that are not repositories, or damaged ones.
        work.mkdir("empty");
        work.write_file("plain-file", "x");
        work.write_file("fake-store/.arbor", "x");
        work.mkdir("empty-store/.arbor");
        work.write_file("empty-journal/.arbor/journal", "");
        work.write_file(
            "garbage-journal/.arbor/journal",
            b"ARBORJNL\x01\x00\x00\x00garbage",
        );
        let head_prefix = repo.ok(&["log", "--oneline", "-n", "1"])[..8].to_owned();
        Fixture {
            store: read_store(repo.path()),
            state: logical_state(&repo),
            env,
            head_prefix,
        }
    }

    /// A folder of the fixture's `work/`.
    fn path(&self, rel: &str) -> String {
        self.env.work_dir().path().join(rel).display().to_string()
    }
}

/// A thread's copy of the healthy repository.
struct Worker<'a> {
    fixture: &'a Fixture,
    repo: WorkDir,
}

impl Worker<'_> {
    fn new(fixture: &Fixture) -> Worker<'_> {
        let repo = TestEnv::new().work_dir().dir("repo");
        write_repo(repo.path(), &fixture.store);
        Worker { fixture, repo }
    }

    /// Puts the repository back as the fixture has it, alone in its folder.
    fn reset(&self) {
        let path = self.repo.path();
        for entry in std::fs::read_dir(path).unwrap() {
            let entry = entry.unwrap();
            if entry.file_name() != ".arbor" {
                let p = entry.path();
                if p.is_dir() && !p.is_symlink() {
                    std::fs::remove_dir_all(p).unwrap();
                } else {
                    std::fs::remove_file(p).unwrap();
                }
            }
        }
        if read_store(path) != self.fixture.store {
            write_repo(path, &self.fixture.store);
        }
    }

    /// Runs `case`: what went wrong, how the command ended, and whether
    /// it changed the files of the repository.
    fn run(&self, case: &Case) -> (Vec<String>, Outcome, bool) {
        self.reset();
        for (name, content) in &case.files {
            self.repo.write_file(name, content);
        }
        let mut cmd = self.repo.command(&[]);
        cmd.args(&case.args);
        let out = execute(cmd, case.stdin.as_deref());
        let mut found = problems(&out, false);
        if case.must_fail && out.success() {
            found.push("succeeded: a missing error".to_owned());
        }
        let changed = read_store(self.repo.path()) != self.fixture.store;
        if changed {
            let fsck = execute(self.repo.command(&["fsck"]), None);
            if !fsck.success() {
                found.push(format!("`arbor fsck` fails afterwards: {}", fsck.summary()));
            }
            if !out.success() {
                let state = logical_state(&self.repo);
                if state != self.fixture.state {
                    found.push(format!(
                        "the failed command changed the repository:\n{}",
                        line_diff(&self.fixture.state, &state)
                    ));
                }
            }
        }
        if let Some(folder) = case.leaves_nothing
            && !out.success()
            && self.repo.path().join(folder).exists()
        {
            found.push(format!("the failed command left {folder}/ behind"));
        }
        (found, out, changed)
    }
}

/// Runs `units` on [`WORKERS`] threads (each with its own state from
/// `setup`), skipping the known failures; the problems found, by unit.
fn in_parallel<U: Sync, S>(
    units: &[U],
    setup: impl Fn() -> S + Sync,
    run: impl Fn(&S, &U) -> Vec<(String, Vec<String>)> + Sync,
) -> Vec<(String, Vec<String>)> {
    let next = AtomicUsize::new(0);
    let found = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..WORKERS {
            scope.spawn(|| {
                let state = setup();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(unit) = units.get(i) else { break };
                    let mut results = run(&state, unit);
                    results.retain(|(_, problems)| !problems.is_empty());
                    found.lock().unwrap().extend(results);
                }
            });
        }
    });
    let mut found = found.into_inner().unwrap();
    found.sort();
    found
}

/// Fails the test when `failures` is not empty, listing them all.
fn conclude(failures: &[(String, Vec<String>)]) {
    if failures.is_empty() {
        return;
    }
    let mut report = String::new();
    for (id, problems) in failures {
        writeln!(report, "{id}:").unwrap();
        for problem in problems {
            writeln!(report, "  {problem}").unwrap();
        }
    }
    let ids: Vec<&str> = failures.iter().map(|(id, _)| id.as_str()).collect();
    panic!("{} cases failed:\n{report}\nids: {ids:?}", failures.len());
}

#[test]
fn malformed_input_against_a_healthy_repository() {
    let start = Instant::now();
    let fixture = Fixture::build();
    let mut cases = Vec::new();
    csv_cases(&mut cases);
    json_cases(&mut cases);
    sql_cases(&mut cases);
    name_cases(&mut cases, &fixture);
    revision_cases(&mut cases, &fixture);
    remote_cases(&mut cases, &fixture);
    let mut ids = BTreeSet::new();
    for case in &cases {
        assert!(ids.insert(case.id.as_str()), "two cases are {}", case.id);
    }
    let known: BTreeSet<&str> = KNOWN_FAILURES.iter().copied().collect();
    let (run, skipped): (Vec<&Case>, Vec<&Case>) = cases
        .iter()
        .partition(|case| !known.contains(case.id.as_str()));
    // With MALFORMED_LOG=<file>, how every case ended, a line each.
    let log = std::env::var_os("MALFORMED_LOG")
        .map(|path| Mutex::new(std::fs::File::create(path).unwrap()));
    let changed_by_failure = AtomicUsize::new(0);
    let changed_by_success = AtomicUsize::new(0);
    let failures = in_parallel(
        &run,
        || Worker::new(&fixture),
        |worker, case| {
            let (mut problems, out, changed) = worker.run(case);
            if changed {
                let count = if out.success() {
                    &changed_by_success
                } else {
                    &changed_by_failure
                };
                count.fetch_add(1, Ordering::Relaxed);
            }
            if let Some(log) = &log {
                let first_line = out.stderr.lines().next().unwrap_or_default();
                writeln!(
                    log.lock().unwrap(),
                    "{}\t{:?}\t{}",
                    case.id,
                    out.code,
                    shown(first_line.as_bytes())
                )
                .unwrap();
            }
            if !problems.is_empty() {
                problems.push(format!("reproduce: {}", case.reproduction()));
                problems.push(format!("outcome: {}", out.summary()));
            }
            vec![(case.id.clone(), problems)]
        },
    );
    let mut counts: BTreeMap<Category, (usize, usize, usize)> = BTreeMap::new();
    for case in &run {
        counts.entry(case.category).or_default().0 += 1;
    }
    for case in &skipped {
        counts.entry(case.category).or_default().1 += 1;
    }
    for (id, _) in &failures {
        let case = cases.iter().find(|case| &case.id == id).unwrap();
        counts.entry(case.category).or_default().2 += 1;
    }
    for (category, (ran, skip, failed)) in &counts {
        println!("{category:?}: {ran} cases run, {skip} known failures skipped, {failed} failed");
    }
    println!(
        "the files of the repository changed after {} successful and {} failed commands \
         (a failed one then showed the same history, refs, status and rows)",
        changed_by_success.into_inner(),
        changed_by_failure.into_inner()
    );
    println!(
        "{} cases in all ({} run, {} skipped as known failures) in {:.1} s",
        cases.len(),
        run.len(),
        skipped.len(),
        start.elapsed().as_secs_f64()
    );
    let minimum = [
        (Category::Csv, 150),
        (Category::Json, 120),
        (Category::Sql, 200),
        (Category::Names, 200),
        (Category::Revisions, 200),
        (Category::Remotes, 80),
    ];
    for (category, min) in minimum {
        let (ran, skip, _) = counts.get(&category).copied().unwrap_or_default();
        assert!(ran + skip >= min, "{category:?}: only {} cases", ran + skip);
    }
    assert!(cases.len() >= 500, "only {} cases", cases.len());
    for id in KNOWN_FAILURES {
        if !id.starts_with("dmg-") && !ids.contains(id) {
            println!("KNOWN_FAILURES names {id}, which is no case: remove it");
        }
    }
    conclude(&failures);
}

// ---------------------------------------------------------------------
// 1. CSV import.

/// Hand-written CSV files: (id, content). Their header is `a,b...` for a
/// new table; [`for_t`] renames it for an import into `t`.
const CSV_FILES: &[(&str, &[u8])] = &[
    ("bad-quote-after", b"a,b\n\"x\"y,1\n"),
    ("bad-quote-inside", b"a,b\nx\"y,1\n"),
    ("bad-quote-header", b"\"a,b\n1,2\n"),
    ("bad-quote-space", b"a,b\n \"x\",1\n"),
    ("quote-only", b"\""),
    ("quotes-three", b"\"\"\""),
    ("quote-then-garbage", b"a,b\n\"1\"\"\"x,2\n"),
    ("backslash-escape", b"a,b\n\"x\\\"y\",1\n"),
    ("unterminated-first", b"a,b\n\"1,2\n3,4\n"),
    ("unterminated-last", b"a,b\n1,\"2\n"),
    ("unterminated-no-newline", b"a,b\n1,\"2"),
    ("unterminated-header", b"a,\"b\n1,2\n"),
    ("ragged-short", b"a,b\n1\n"),
    ("ragged-long", b"a,b\n1,2,3\n"),
    ("ragged-mixed", b"a,b,c\n1,2,3\n4\n5,6,7,8\n,\n"),
    ("ragged-header-short", b"a\n1,2\n"),
    ("ragged-trailing-comma", b"a,b\n1,2,\n"),
    ("invalid-utf8-value", b"a,b\n\xff,1\n"),
    ("invalid-utf8-quoted", b"a,b\n\"x\xfey\",1\n"),
    ("invalid-utf8-header", b"\xfe\xff,b\n1,2\n"),
    ("overlong-nul", b"a,b\n\xc0\x80,1\n"),
    ("surrogate", b"a,b\n\xed\xa0\x80,1\n"),
    ("above-max-codepoint", b"a,b\n\xf4\x90\x80\x80,1\n"),
    ("truncated-multibyte-eof", b"a,b\n1,\xe2\x82"),
    ("truncated-multibyte-quoted", b"a,b\n1,\"\xe2\x82\"\n"),
    ("latin1", b"a,b\ncaf\xe9,1\n"),
    ("nul-value", b"a,b\n\x00,1\n"),
    ("nul-quoted", b"a,b\n\"x\x00y\",1\n"),
    ("nul-header", b"a\x00b,c\n1,2\n"),
    ("nul-only", b"\x00"),
    ("nul-line", b"a,b\n\x00\n1,2\n"),
    ("empty", b""),
    ("newline-only", b"\n"),
    ("newlines", b"\n\n\n"),
    ("crlf-only", b"\r\n"),
    ("spaces-only", b"   \n"),
    ("header-only", b"a,b\n"),
    ("header-only-no-newline", b"a,b"),
    ("header-only-crlf", b"a,b\r\n"),
    ("header-then-blank", b"a,b\n\n\n"),
    ("dup-header", b"a,a\n1,2\n"),
    ("dup-header-case", b"a,A\n1,2\n"),
    ("dup-header-quoted", b"a,\"a\"\n1,2\n"),
    ("dup-header-four", b"x,y,x,y\n1,2,3,4\n"),
    ("dup-header-space", b"a,a \n1,2\n"),
    ("empty-header-first", b",b\n1,2\n"),
    ("empty-header-last", b"a,\n1,2\n"),
    ("empty-header-quoted", b"\"\"\n1\n"),
    ("empty-headers", b",\n,\n"),
    ("blank-header", b" ,b\n1,2\n"),
    ("bom", b"\xef\xbb\xbfa,b\n1,2\n"),
    ("bom-only", b"\xef\xbb\xbf"),
    ("bom-twice", b"\xef\xbb\xbf\xef\xbb\xbfa,b\n1,2\n"),
    ("bom-in-value", b"a,b\n\xef\xbb\xbf1,2\n"),
    ("bom-quoted-header", b"\xef\xbb\xbf\"a\",b\n1,2\n"),
    (
        "utf16le",
        b"\xff\xfea\x00,\x00b\x00\n\x001\x00,\x002\x00\n\x00",
    ),
    ("utf16be", b"\xfe\xff\x00a\x00,\x00b\x00\n"),
    ("cr-only", b"a,b\r1,2\r3,4\r"),
    ("crlf-lf-mix", b"a,b\r\n1,2\n3,4\r\n"),
    ("cr-lf-mix", b"a,b\r1,2\n3,4\r\n"),
    ("lone-cr-in-value", b"a,b\n1\r2,3\n"),
    ("lf-cr", b"a,b\n\r1,2\n\r"),
    ("crlf-in-quotes", b"a,b\n\"x\r\ny\",1\r\n"),
    ("cr-in-header", b"a\rb,c\n1,2\n"),
    ("cr-cr-lf", b"a,b\r\r\n1,2\r\r\n"),
    ("only-delimiters", b",,,\n,,,\n"),
    ("tab-in-header", b"a\tb,c\n1,2\n"),
    ("control-header", b"a\x01,b\n1,2\n"),
    ("escape-header", b"a\x1b[31m,b\n1,2\n"),
    ("keyword-header", b"select,from\n1,2\n"),
    ("quote-in-header", b"\"a\"\"b\",c\n1,2\n"),
    ("nul-header-only", b"\x00\n"),
    ("ctid-header", b"ctid,oid\n1,2\n"),
];

/// The CSV file for an import into `t`: header `a,b` becomes `id,name`.
fn for_t(content: &[u8]) -> Vec<u8> {
    let mut out = content.to_vec();
    if let Some(at) = out.windows(3).position(|w| w == b"a,b") {
        out.splice(at..at + 3, b"id,name".iter().copied());
    }
    out
}

fn csv_cases(cases: &mut Vec<Case>) {
    use Category::Csv;
    let import = |id: String, table: &str, extra: &[&str], content: Vec<u8>| {
        let mut args = vec!["table", "import", table, "in.csv"];
        args.extend_from_slice(extra);
        Case::new(Csv, id, &args).file("in.csv", content)
    };
    for (id, content) in CSV_FILES {
        cases.push(import(format!("csv-{id}"), "n", &[], content.to_vec()));
        cases.push(import(
            format!("csv-{id}-append"),
            "t",
            &["--append"],
            for_t(content),
        ));
        cases.push(import(
            format!("csv-{id}-continue"),
            "n",
            &["--continue", "--invalid-utf8", "replace", "--pk", "a"],
            content.to_vec(),
        ));
    }
    // Huge fields and files.
    let x = |n: usize| vec![b'x'; n];
    let huge: Vec<(&str, Vec<u8>)> = vec![
        (
            "huge-field-1m",
            [b"a,b\n".to_vec(), x(1 << 20), b",1\n".to_vec()].concat(),
        ),
        (
            "huge-quoted-4m",
            [b"a,b\n\"".to_vec(), x(4 << 20), b"\",1\n".to_vec()].concat(),
        ),
        (
            "huge-unterminated-2m",
            [b"a,b\n1,\"".to_vec(), x(2 << 20)].concat(),
        ),
        ("huge-header-100k", [x(100_000), b"\n1\n".to_vec()].concat()),
        (
            "huge-number",
            [b"a\n".to_vec(), vec![b'9'; 10_000], b"\n".to_vec()].concat(),
        ),
        (
            "huge-delimiters",
            [vec![b','; 100_000], b"\n".to_vec()].concat(),
        ),
        ("many-columns-2000", {
            let header: Vec<String> = (0..2000).map(|i| format!("c{i}")).collect();
            let row: Vec<String> = (0..2000).map(|i| i.to_string()).collect();
            format!("{}\n{}\n", header.join(","), row.join(",")).into_bytes()
        }),
        ("many-rows-then-ragged", {
            let mut s = String::from("a,b\n");
            for i in 0..20_000 {
                writeln!(s, "{i},v{i}").unwrap();
            }
            s.push_str("1,2,3\n");
            s.into_bytes()
        }),
        ("many-rows-then-bad-utf8", {
            let mut s = b"a,b\n".to_vec();
            for i in 0..20_000 {
                s.extend_from_slice(format!("{i},v{i}\n").as_bytes());
            }
            s.extend_from_slice(b"1,\xff\n");
            s
        }),
        ("many-empty-lines", vec![b'\n'; 200_000]),
    ];
    for (id, content) in huge {
        cases.push(import(
            format!("csv-{id}-append"),
            "t",
            &["--append"],
            for_t(&content),
        ));
        cases.push(import(format!("csv-{id}"), "n", &[], content));
    }
    // Values that do not convert to the existing column's type, or break
    // its constraints.
    let mismatched: &[(&str, &str, &[u8])] = &[
        ("id-text", "t", b"id,name,qty\nabc,x,1\n"),
        ("id-float", "t", b"id,name,qty\n1.5,x,1\n"),
        ("id-huge", "t", b"id,name,qty\n99999999999999999999,x,1\n"),
        ("id-int-max-plus-1", "t", b"id,name,qty\n2147483648,x,1\n"),
        ("id-int-min-minus-1", "t", b"id,name,qty\n-2147483649,x,1\n"),
        ("id-hex", "t", b"id,name,qty\n0x10,x,1\n"),
        ("id-exp", "t", b"id,name,qty\n1e3,x,1\n"),
        ("id-spaces", "t", b"id,name,qty\n 20 ,x,1\n"),
        ("id-null", "t", b"id,name,qty\n,x,1\n"),
        ("id-quoted-empty", "t", b"id,name,qty\n\"\",x,1\n"),
        ("qty-null", "t", b"id,name,qty\n20,x,\n"),
        ("qty-nan", "t", b"id,name,qty\n20,x,NaN\n"),
        ("qty-bool", "t", b"id,name,qty\n20,x,true\n"),
        ("dup-key-in-file", "t", b"id,name,qty\n20,x,1\n20,y,2\n"),
        ("dup-key-existing", "t", b"id,name,qty\n1,dup,1\n"),
        ("unknown-column", "t", b"id,zzz\n20,1\n"),
        ("no-key-column", "t", b"name\nx\n"),
        ("dup-column", "t", b"id,id,qty\n20,21,1\n"),
        ("case-columns", "t", b"ID,Name,QTY\n20,x,1\n"),
        ("late-bad-row", "t", b"id,name,qty\n20,a,1\n21,b,2\nx,c,3\n"),
        ("bool", "u", b"k,b\n20,maybe\n"),
        ("double-dots", "u", b"k,d\n20,1.5.5\n"),
        ("double-overflow", "u", b"k,d\n20,1e999\n"),
        ("double-inf", "u", b"k,d\n20,inf\n"),
        ("json-garbage", "u", b"k,j\n20,{not json}\n"),
        ("json-truncated", "u", b"k,j\n20,\"[1,2\"\n"),
        ("json-surrogate", "u", b"k,j\n20,\"\"\"\\ud800\"\"\"\n"),
        ("json-nul", "u", b"k,j\n20,\"\"\"\\u0000\"\"\"\n"),
        ("bigint-overflow", "u", b"k,big\n20,9223372036854775808\n"),
        ("numeric-overflow", "u", b"k,n\n20,123456789.123\n"),
        ("numeric-text", "u", b"k,n\n20,abc\n"),
        ("numeric-nan", "u", b"k,n\n20,NaN\n"),
        ("date-feb-30", "u", b"k,dt\n20,2023-02-30\n"),
        ("date-word", "u", b"k,dt\n20,someday\n"),
        ("date-year-0", "u", b"k,dt\n20,0000-01-01\n"),
        ("date-huge-year", "u", b"k,dt\n20,99999999-01-01\n"),
        ("timestamp-hour-25", "u", b"k,ts\n20,2023-01-01 25:00:00\n"),
        ("timestamp-garbage", "u", b"k,ts\n20,2023-01-01T\n"),
        ("uuid-bad", "u", b"k,id\n20,not-a-uuid\n"),
        ("uuid-short", "u", b"k,id\n20,0000\n"),
        ("varchar-too-long", "u", b"k,s\n20,toolongvalue\n"),
    ];
    for (id, table, content) in mismatched {
        for mode in ["--append", "--update", "--replace"] {
            cases.push(import(
                format!("csv-type-{id}{mode}"),
                table,
                &[mode],
                content.to_vec(),
            ));
        }
    }
    // Deep JSON in a jsonb column.
    for depth in [1000, 100_000] {
        let deep = |open: &str, close: &str| {
            let inner = format!("{}{}", open.repeat(depth), close.repeat(depth));
            [
                b"k,j\n20,".to_vec(),
                csv_field(inner.as_bytes()),
                b"\n".to_vec(),
            ]
            .concat()
        };
        cases.push(import(
            format!("csv-jsonb-deep-{depth}"),
            "u",
            &["--append"],
            deep("[", "]"),
        ));
        cases.push(import(
            format!("csv-jsonb-deep-open-{depth}"),
            "u",
            &["--append"],
            deep("[", ""),
        ));
    }
    // Options.
    let valid = b"a,b\n1,2\n".to_vec();
    let options: &[(&str, &[&str])] = &[
        ("delimiter-empty", &["--delimiter", ""]),
        ("delimiter-two", &["--delimiter", "ab"]),
        ("delimiter-quote", &["--delimiter", "\""]),
        ("delimiter-newline", &["--delimiter", "\n"]),
        ("delimiter-cr", &["--delimiter", "\r"]),
        ("delimiter-multibyte", &["--delimiter", "é"]),
        ("delimiter-emoji", &["--delimiter", "🌳"]),
        ("delimiter-space", &["--delimiter", " "]),
        ("delimiter-backslash", &["--delimiter", "\\"]),
        ("null-quote", &["--null", "\""]),
        ("null-newline", &["--null", "\n"]),
        ("pk-missing", &["--pk", "nope"]),
        ("pk-empty", &["--pk", ""]),
        ("pk-twice", &["--pk", "a,a"]),
        ("pk-comma", &["--pk", ","]),
        ("append-and-replace", &["--append", "--replace"]),
        ("create-and-update", &["--create", "--update"]),
        ("append-missing-table", &["--append"]),
        ("update-missing-table", &["--update"]),
        ("format-sql", &["--format", "sql"]),
        ("format-json", &["--format", "json"]),
        ("format-jsonl", &["--format", "jsonl"]),
        ("format-unknown", &["--format", "xml"]),
        ("invalid-utf8-unknown", &["--invalid-utf8", "ignore"]),
        ("no-header-pk", &["--no-header", "--pk", "a"]),
    ];
    for (id, extra) in options {
        cases.push(import(
            format!("csv-option-{id}"),
            "n",
            extra,
            valid.clone(),
        ));
    }
    cases.push(import(
        "csv-pk-duplicate-values".into(),
        "n",
        &["--pk", "a"],
        b"a\n1\n1\n".to_vec(),
    ));
    cases.push(import(
        "csv-pk-null".into(),
        "n",
        &["--pk", "a"],
        b"a,b\n,1\n".to_vec(),
    ));
    cases.push(import(
        "csv-create-existing".into(),
        "t",
        &["--create"],
        for_t(&valid),
    ));
    cases.push(Case::new(
        Csv,
        "csv-missing-file",
        &["table", "import", "n", "missing.csv"],
    ));
    cases.push(Case::new(
        Csv,
        "csv-directory",
        &["table", "import", "n", "."],
    ));
    cases.push(Case::new(
        Csv,
        "csv-arbor-folder",
        &["table", "import", "n", ".arbor"],
    ));
    cases.push(Case::new(
        Csv,
        "csv-journal",
        &["table", "import", "n", ".arbor/journal", "--format", "csv"],
    ));
    cases.push(Case::new(
        Csv,
        "csv-dev-null",
        &["table", "import", "n", "/dev/null", "--format", "csv"],
    ));
    cases.push(
        Case::new(Csv, "csv-stdin-no-format", &["table", "import", "n", "-"]).stdin(valid.clone()),
    );
    cases.push(
        Case::new(
            Csv,
            "csv-stdin-empty",
            &["table", "import", "n", "-", "--format", "csv"],
        )
        .stdin(""),
    );
    cases.push(
        Case::new(
            Csv,
            "csv-stdin-garbage",
            &["table", "import", "n", "-", "--format", "csv"],
        )
        .stdin(b"a,b\n\"\xff\x00".to_vec()),
    );
    // Random edits of valid files.
    let base_new: &[u8] = b"id,name,qty,price,flag,note\n1,apple,5,1.5,true,\"hello, world\"\n2,\"pear \"\"green\"\"\",-7,2,f,\n3,plum,0,3.25,t,\"multi\nline\"\n";
    let base_t: &[u8] = b"id,name,qty\n10,ten,100\n11,\"eleven, x\",110\n12,,120\n";
    let tokens: &[&[u8]] = &[
        b"\"",
        b",",
        b"\n",
        b"\r",
        b"\r\n",
        b"\x00",
        b"\xff",
        b"\xc3",
        b"\xef\xbb\xbf",
        b"\t",
        b"|",
        b" ",
        b"\"\"",
        b",,",
        b"x",
        b"-1",
        b"99999999999",
        b"1.5",
        b"\\",
    ];
    let mut rng = Rng::new(0xC5F1);
    for i in 0..70 {
        let content = mutate(&mut rng, base_new, tokens);
        let extra: &[&str] = if i % 3 == 0 { &["--pk", "id"] } else { &[] };
        cases.push(import(format!("csv-mutated-{i:03}"), "n", extra, content));
    }
    for (i, mode) in (0..60).zip(["--append", "--update", "--replace"].into_iter().cycle()) {
        let content = mutate(&mut rng, base_t, tokens);
        cases.push(import(
            format!("csv-mutated-t-{i:03}"),
            "t",
            &[mode],
            content,
        ));
    }
}

// ---------------------------------------------------------------------
// 2. JSON and JSON Lines import.

fn json_cases(cases: &mut Vec<Case>) {
    use Category::Json;
    let import = |id: String, table: &str, format: &str, extra: &[&str], content: Vec<u8>| {
        let file = if format == "json" {
            "in.json"
        } else {
            "in.jsonl"
        };
        let mut args = vec!["table", "import", table, file];
        args.extend_from_slice(extra);
        Case::new(Json, id, &args).file(file, content)
    };
    // Every cut of a valid document.
    let base: &[u8] = br#"[{"id": 1, "name": "a", "tags": ["x", {"k": null}], "score": 1.5}, {"id": 2, "name": "b\u00e9\n", "score": -2e3, "ok": true}]"#;
    for cut in (0..base.len()).step_by(3) {
        cases.push(import(
            format!("json-cut-{cut:03}"),
            "n",
            "json",
            &[],
            base[..cut].to_vec(),
        ));
    }
    let base_lines: &[u8] = b"{\"id\": 1, \"name\": \"a\", \"qty\": 5}\n{\"id\": 2, \"name\": \"b\\\"\", \"qty\": null}\n{\"id\": 3, \"tags\": [1, [2, {\"x\": \"y\"}]]}\n";
    for cut in (1..base_lines.len()).step_by(7) {
        cases.push(import(
            format!("jsonl-cut-{cut:03}"),
            "n",
            "jsonl",
            &[],
            base_lines[..cut].to_vec(),
        ));
    }
    // Whole documents (JSON) and lines (JSON Lines).
    let documents: &[(&str, &[u8])] = &[
        ("object", b"{}"),
        ("object-row", b"{\"id\": 1}"),
        ("number", b"1"),
        ("string", b"\"s\""),
        ("null", b"null"),
        ("true", b"true"),
        ("numbers", b"[1, 2]"),
        ("arrays", b"[[1]]"),
        ("nulls", b"[null]"),
        ("empty-array", b"[]"),
        ("empty-object-row", b"[{}]"),
        ("row-then-number", b"[{\"id\": 1}, 2]"),
        ("row-then-array", b"[{\"id\": 1}, []]"),
        ("strings", b"[\"x\"]"),
        ("blank", b" \n\t "),
        ("empty", b""),
        ("two-documents", b"[{\"id\": 1}] [{\"id\": 2}]"),
        ("trailing-garbage", b"[{\"id\": 1}] x"),
        ("trailing-comma", b"[{\"id\": 1},]"),
        ("leading-comma", b"[,{\"id\": 1}]"),
        ("object-trailing-comma", b"[{\"id\": 1,}]"),
        ("missing-colon", b"[{\"id\" 1}]"),
        ("bare-key", b"[{id: 1}]"),
        ("single-quotes", b"[{'id': 1}]"),
        ("leading-zero", b"[{\"id\": 01}]"),
        ("trailing-dot", b"[{\"id\": 1.}]"),
        ("lone-minus", b"[{\"id\": -}]"),
        ("nan", b"[{\"id\": NaN}]"),
        ("infinity", b"[{\"id\": Infinity}]"),
        ("exp-overflow", b"[{\"id\": 1e999}]"),
        ("exp-negative-overflow", b"[{\"id\": -1e999}]"),
        ("exp-huge", b"[{\"x\": 1e99999999999999999999}]"),
        ("bignum", b"[{\"id\": 123456789012345678901234567890}]"),
        ("neg-zero", b"[{\"id\": -0}]"),
        ("empty-key", b"[{\"\": 1}]"),
        ("bom", b"\xef\xbb\xbf[{\"id\": 1}]"),
        ("comment", b"/* c */ [{\"id\": 1}]"),
        ("trailing-nul", b"[{\"id\": 1}]\x00"),
        ("nul", b"\x00"),
        ("raw-nul-in-string", b"[{\"id\": 1, \"s\": \"a\x00b\"}]"),
        ("nested-garbage-1", b"[{\"a\": {\"b\": [1, {]}}]"),
        ("nested-garbage-2", b"[{\"a\": [}]"),
        ("nested-garbage-3", b"[{\"a\": {\"b\":}}]"),
        ("nested-garbage-4", b"[{\"a\": tru}]"),
        ("nested-garbage-5", b"[{\"a\": nul}]"),
        ("nested-garbage-6", b"[{\"a\": \"x\" \"y\"}]"),
        ("nested-garbage-7", b"[{\"a\": [1 2]}]"),
        ("nested-garbage-8", b"[{\"a\": {\"b\" \"c\"}}]"),
        ("escape-x", b"[{\"s\": \"\\x41\"}]"),
        ("escape-short-u", b"[{\"s\": \"\\u12\"}]"),
        ("escape-bad-hex", b"[{\"s\": \"\\u12G4\"}]"),
        ("escape-lone-high", b"[{\"s\": \"\\ud800\"}]"),
        ("escape-lone-low", b"[{\"s\": \"\\udc00\"}]"),
        ("escape-reversed-pair", b"[{\"s\": \"\\udc00\\ud800\"}]"),
        ("escape-nul", b"[{\"s\": \"a\\u0000b\"}]"),
        ("escape-nul-key", b"[{\"a\\u0000b\": 1}]"),
        ("escape-nul-in-jsonb", b"[{\"s\": {\"k\": \"\\u0000\"}}]"),
        ("escape-trailing-backslash", b"[{\"s\": \"\\\"}]"),
        ("escape-bell", b"[{\"s\": \"\\a\"}]"),
        ("escape-single-quote", b"[{\"s\": \"\\'\"}]"),
        ("raw-control", b"[{\"s\": \"a\x01b\"}]"),
        ("raw-newline", b"[{\"s\": \"a\nb\"}]"),
        ("raw-tab", b"[{\"s\": \"a\tb\"}]"),
        ("invalid-utf8-string", b"[{\"s\": \"a\xffb\"}]"),
        ("invalid-utf8-key", b"[{\"a\xff\": 1}]"),
        ("surrogate-utf8", b"[{\"s\": \"\xed\xa0\x80\"}]"),
        ("dup-key", b"[{\"id\": 1, \"id\": 2}]"),
        ("dup-key-types", b"[{\"id\": 1, \"id\": \"x\"}]"),
        ("dup-key-nested", b"[{\"id\": 1, \"x\": {\"k\": 1, \"k\": 2}}]"),
        ("dup-key-case", b"[{\"id\": 1, \"ID\": 2}]"),
        ("mixed-types", b"[{\"a\": 1}, {\"a\": \"x\"}, {\"a\": [1]}, {\"a\": null}]"),
        ("key-control", b"[{\"a\\u0001\": 1}]"),
        ("key-long", b"[{\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\": 1}]"),
    ];
    for (id, content) in documents {
        cases.push(import(
            format!("json-{id}"),
            "n",
            "json",
            &[],
            content.to_vec(),
        ));
        // The same as JSON Lines: the rows of an array, one per line, or
        // the document as one line when it is not an array of them.
        let lines = match content
            .strip_prefix(b"[")
            .and_then(|c| c.strip_suffix(b"]"))
        {
            Some(inner) if inner.starts_with(b"{") => {
                let mut out = Vec::new();
                for (i, part) in inner.split(|&c| c == b'}').enumerate() {
                    let part = part.strip_prefix(b",").unwrap_or(part);
                    let part = part.strip_prefix(b" ").unwrap_or(part);
                    if i > 0 {
                        out.extend_from_slice(b"}\n");
                    }
                    out.extend_from_slice(part);
                }
                out
            }
            _ => content.to_vec(),
        };
        cases.push(import(format!("jsonl-{id}"), "n", "jsonl", &[], lines));
    }
    let lines_only: &[(&str, &[u8])] = &[
        ("array-line", b"[1]\n"),
        ("number-line", b"1\n"),
        ("string-line", b"\"x\"\n"),
        ("null-line", b"{\"id\": 1}\nnull\n"),
        ("two-on-a-line", b"{\"id\": 1} {\"id\": 2}\n"),
        ("split-object", b"{\"id\":\n1}\n"),
        ("cr-lines", b"{\"id\": 1}\r{\"id\": 2}\r"),
        ("crlf-lines", b"{\"id\": 1}\r\n{\"id\": 2}\r\n"),
        ("blank-lines", b"\n\n\n"),
        ("whitespace-line", b"{\"id\": 1}\n   \n{\"id\": 2}\n"),
        ("array-of-rows", b"[{\"id\": 1}]\n"),
        ("bad-last-line", b"{\"id\": 1}\n{\"id\": 2}\n{\"id\": \n"),
        (
            "bom-lines",
            b"\xef\xbb\xbf{\"id\": 1}\n\xef\xbb\xbf{\"id\": 2}\n",
        ),
    ];
    for (id, content) in lines_only {
        cases.push(import(
            format!("jsonl-only-{id}"),
            "n",
            "jsonl",
            &[],
            content.to_vec(),
        ));
    }
    // Deep nesting.
    for depth in [1000, 100_000] {
        let open = "[".repeat(depth);
        let closed = format!("{open}{}", "]".repeat(depth));
        let objects = format!("{}1{}", "{\"a\": ".repeat(depth), "}".repeat(depth));
        let deep: Vec<(String, String)> = vec![
            (format!("deep-open-{depth}"), open.clone()),
            (format!("deep-closed-top-{depth}"), closed.clone()),
            (
                format!("deep-value-{depth}"),
                format!("[{{\"id\": 1, \"v\": {closed}}}]"),
            ),
            (
                format!("deep-value-open-{depth}"),
                format!("[{{\"id\": 1, \"v\": {open}}}]"),
            ),
            (
                format!("deep-objects-{depth}"),
                format!("[{{\"id\": 1, \"v\": {objects}}}]"),
            ),
            (
                format!("deep-object-open-{depth}"),
                "{\"a\": ".repeat(depth),
            ),
        ];
        for (id, content) in deep {
            let line = content.strip_prefix('[').and_then(|c| c.strip_suffix(']'));
            let lines = match line {
                Some(l) if l.starts_with('{') => format!("{l}\n"),
                _ => format!("{content}\n"),
            };
            cases.push(import(
                format!("json-{id}"),
                "n",
                "json",
                &[],
                content.into_bytes(),
            ));
            cases.push(import(
                format!("jsonl-{id}"),
                "n",
                "jsonl",
                &[],
                lines.into_bytes(),
            ));
        }
    }
    for depth in [100, 10_000] {
        let v = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        cases.push(import(
            format!("json-jsonb-deep-{depth}"),
            "u",
            "json",
            &["--append"],
            format!("[{{\"k\": 20, \"j\": {v}}}]").into_bytes(),
        ));
    }
    // Big documents.
    let big_string = format!("[{{\"id\": 1, \"s\": \"{}\"}}]", "x".repeat(2 << 20));
    cases.push(import(
        "json-big-string".into(),
        "n",
        "json",
        &[],
        big_string.into_bytes(),
    ));
    let many_keys: Vec<String> = (0..3000).map(|i| format!("\"k{i}\": {i}")).collect();
    cases.push(import(
        "json-many-keys".into(),
        "n",
        "json",
        &[],
        format!("[{{{}}}]", many_keys.join(", ")).into_bytes(),
    ));
    // Values that do not fit the existing table.
    let mismatched: &[(&str, &str, &[u8])] = &[
        ("id-string", "t", b"[{\"id\": \"x\"}]"),
        ("id-float", "t", b"[{\"id\": 1.5}]"),
        ("id-bool", "t", b"[{\"id\": true}]"),
        ("id-array", "t", b"[{\"id\": [1]}]"),
        ("id-object", "t", b"[{\"id\": {\"a\": 1}}]"),
        ("id-null", "t", b"[{\"id\": null}]"),
        ("id-overflow", "t", b"[{\"id\": 2147483648}]"),
        ("id-exp-overflow", "t", b"[{\"id\": 1e999}]"),
        ("qty-null", "t", b"[{\"id\": 20, \"qty\": null}]"),
        ("qty-string", "t", b"[{\"id\": 20, \"qty\": \"5x\"}]"),
        ("name-object", "t", b"[{\"id\": 20, \"name\": {\"a\": 1}}]"),
        ("name-nul", "t", b"[{\"id\": 20, \"name\": \"a\\u0000\"}]"),
        ("unknown-column", "t", b"[{\"id\": 20, \"nope\": 1}]"),
        ("existing-key", "t", b"[{\"id\": 1}]"),
        ("dup-key-rows", "t", b"[{\"id\": 20}, {\"id\": 20}]"),
        ("bool-string", "u", b"[{\"k\": 20, \"b\": \"maybe\"}]"),
        ("bool-number", "u", b"[{\"k\": 20, \"b\": 2}]"),
        ("date-feb-30", "u", b"[{\"k\": 20, \"dt\": \"2023-02-30\"}]"),
        ("date-number", "u", b"[{\"k\": 20, \"dt\": 20230101}]"),
        ("numeric-overflow", "u", b"[{\"k\": 20, \"n\": 1e20}]"),
        ("uuid-bad", "u", b"[{\"k\": 20, \"id\": \"zz\"}]"),
        ("varchar-long", "u", b"[{\"k\": 20, \"s\": \"toolong\"}]"),
        ("bigint-overflow", "u", b"[{\"k\": 20, \"big\": 1e19}]"),
        ("double-string", "u", b"[{\"k\": 20, \"d\": \"x\"}]"),
        ("jsonb-surrogate", "u", b"[{\"k\": 20, \"j\": \"\\ud800\"}]"),
        (
            "jsonb-nul",
            "u",
            b"[{\"k\": 20, \"j\": {\"\\u0000\": \"\\u0000\"}}]",
        ),
        ("timestamp-number", "u", b"[{\"k\": 20, \"ts\": 123}]"),
    ];
    for (id, table, content) in mismatched {
        for mode in ["--append", "--update"] {
            cases.push(import(
                format!("json-type-{id}{mode}"),
                table,
                "json",
                &[mode],
                content.to_vec(),
            ));
        }
        let lines = content
            .strip_prefix(b"[")
            .and_then(|c| c.strip_suffix(b"]"))
            .unwrap()
            .to_vec();
        cases.push(import(
            format!("jsonl-type-{id}"),
            table,
            "jsonl",
            &["--append"],
            [lines, b"\n".to_vec()].concat(),
        ));
    }
    // Standard input.
    let stdin = |id: &str, format: Option<&str>, input: &[u8]| {
        let mut args = vec!["table", "import", "n", "-"];
        if let Some(format) = format {
            args.extend(["--format", format]);
        }
        Case::new(Json, id, &args).stdin(input.to_vec())
    };
    cases.push(stdin("json-stdin-no-format", None, b"[{\"id\": 1}]"));
    cases.push(stdin("json-stdin-truncated", Some("json"), b"[{\"id\": 1"));
    cases.push(stdin("json-stdin-empty", Some("json"), b""));
    cases.push(stdin(
        "jsonl-stdin-garbage",
        Some("jsonl"),
        b"{\"id\": 1}\n\xff\x00\n",
    ));
    cases.push(stdin(
        "jsonl-stdin-deep",
        Some("jsonl"),
        "[".repeat(100_000).as_bytes(),
    ));
    // Random edits.
    let tokens: &[&[u8]] = &[
        b"{", b"}", b"[", b"]", b"\"", b"\\", b":", b",", b"\\u", b"\\ud800", b"\xff", b"\x00",
        b"nul", b"1e999", b"-", b".", b"\n", b"null", b"{\"a\":", b"[[[[",
    ];
    let mut rng = Rng::new(0x0001_504E);
    for i in 0..70 {
        let content = mutate(&mut rng, base, tokens);
        cases.push(import(
            format!("json-mutated-{i:03}"),
            "n",
            "json",
            &[],
            content,
        ));
    }
    let base_t: &[u8] =
        b"{\"id\": 10, \"name\": \"ten\", \"qty\": 100}\n{\"id\": 11, \"name\": null}\n";
    for i in 0..50 {
        let (table, content, extra): (&str, Vec<u8>, &[&str]) = if i % 2 == 0 {
            ("n", mutate(&mut rng, base_lines, tokens), &[])
        } else {
            ("t", mutate(&mut rng, base_t, tokens), &["--append"])
        };
        cases.push(import(
            format!("jsonl-mutated-{i:03}"),
            table,
            "jsonl",
            extra,
            content,
        ));
    }
}

// ---------------------------------------------------------------------
// 3. SQL.

/// A case running `sql`: with -q when it can be an argument, else from a
/// file with -f.
fn sql_case(category: Category, id: String, sql: &[u8]) -> Case {
    match std::str::from_utf8(sql) {
        Ok(text) if !text.contains('\0') && text.len() < 100_000 => {
            Case::new(category, id, &["sql", "-q", text])
        }
        _ => Case::new(category, id, &["sql", "-f", "q.sql"]).file("q.sql", sql.to_vec()),
    }
}

fn sql_cases(cases: &mut Vec<Case>) {
    use Category::Sql;
    let hand: &[(&str, &str)] = &[
        ("empty", ""),
        ("blank", "   \n\t"),
        ("semicolon", ";"),
        ("semicolons", ";;;"),
        ("comment", "--"),
        ("block-comment", "/* */"),
        ("unterminated-comment", "SELECT 1 /* unterminated"),
        ("nested-comment", "SELECT 1 /* a /* b */"),
        ("quote-open", "SELECT 'abc"),
        ("dquote-open", "SELECT \"abc"),
        ("paren-open", "SELECT (1"),
        ("paren-close", "SELECT 1)"),
        ("parens-unbalanced", "SELECT ((((1)))"),
        ("dollar-open", "SELECT $$abc"),
        ("dollar-tag-open", "SELECT $x$abc$y$"),
        ("escape-open", "SELECT E'\\"),
        ("escape-bad-unicode", "SELECT U&'\\D800'"),
        ("escape-hex", "SELECT E'\\xff'"),
        ("escape-nul", "SELECT E'\\u0000'"),
        ("escape-octal-nul", "SELECT E'a\\000b'"),
        ("chr-nul", "SELECT chr(0)"),
        (
            "insert-chr-nul",
            "INSERT INTO t VALUES (50, 'a' || chr(0), 1)",
        ),
        ("quotes", "SELECT ''''"),
        ("param", "SELECT $1"),
        ("param-huge", "SELECT $99999999999999999999"),
        ("placeholder", "SELECT ?"),
        ("backslash-cmd", "\\dt"),
        ("only-keyword", "SELECT"),
        ("from-nothing", "SELECT * FROM"),
        ("where-nothing", "SELECT * FROM t WHERE"),
        ("insert-nothing", "INSERT INTO t VALUES"),
        ("insert-empty-row", "INSERT INTO t VALUES ()"),
        ("create-no-columns", "CREATE TABLE z ()"),
        ("create-no-parens", "CREATE TABLE z"),
        ("unknown-table", "SELECT * FROM nope"),
        ("unknown-column", "SELECT nope FROM t"),
        ("unknown-function", "SELECT nope()"),
        ("unknown-schema", "SELECT * FROM nope.t"),
        ("unknown-database", "SELECT * FROM a.b.c.t"),
        ("unknown-type", "SELECT 1::nope"),
        ("unknown-insert", "INSERT INTO nope VALUES (1)"),
        ("unknown-update-column", "UPDATE t SET nope = 1"),
        ("unknown-drop", "DROP TABLE nope"),
        ("unknown-drop-column", "ALTER TABLE t DROP COLUMN nope"),
        ("unknown-qualified", "SELECT t.nope FROM t"),
        ("unknown-alias", "SELECT x.id FROM t"),
        ("unknown-order", "SELECT id FROM t ORDER BY nope"),
        ("unknown-group", "SELECT count(*) FROM t GROUP BY nope"),
        ("order-position", "SELECT id FROM t ORDER BY 5"),
        (
            "order-position-huge",
            "SELECT id FROM t ORDER BY 99999999999999999999",
        ),
        ("order-position-neg", "SELECT id FROM t ORDER BY -1"),
        ("create-existing", "CREATE TABLE t (a integer)"),
        ("create-empty-name", "CREATE TABLE \"\" (a integer)"),
        ("create-dup-column", "CREATE TABLE z (a integer, a text)"),
        ("create-bad-type", "CREATE TABLE z (a nope)"),
        (
            "create-bad-default",
            "CREATE TABLE z (a integer DEFAULT 'x')",
        ),
        (
            "create-two-keys",
            "CREATE TABLE z (a integer PRIMARY KEY, b integer PRIMARY KEY)",
        ),
        (
            "create-key-missing",
            "CREATE TABLE z (a integer, PRIMARY KEY (b))",
        ),
        ("create-varchar-0", "CREATE TABLE z (a varchar(0))"),
        ("create-numeric-bad", "CREATE TABLE z (a numeric(2, 5))"),
        (
            "create-numeric-huge",
            "CREATE TABLE z (a numeric(99999, 2))",
        ),
        ("text-plus-int", "SELECT 'a' + 1"),
        ("bool-plus-int", "SELECT true + 1"),
        ("insert-text-id", "INSERT INTO t VALUES ('x', 'y', 1)"),
        ("insert-too-many", "INSERT INTO t VALUES (20, 'y', 1, 2)"),
        ("insert-null-key", "INSERT INTO t VALUES (NULL, 'y', 1)"),
        (
            "insert-null-qty",
            "INSERT INTO t (id, qty) VALUES (20, NULL)",
        ),
        ("insert-dup-key", "INSERT INTO t VALUES (1, 'y', 1)"),
        (
            "insert-dup-rows",
            "INSERT INTO t VALUES (20, 'y', 1), (20, 'z', 2)",
        ),
        ("update-key-clash", "UPDATE t SET id = 1"),
        ("update-null", "UPDATE t SET qty = NULL"),
        ("division-by-zero", "SELECT 1 / 0"),
        ("modulo-zero", "SELECT 1 % 0"),
        ("update-division-by-zero", "UPDATE t SET qty = qty / 0"),
        ("int-overflow", "SELECT 2147483647 + 1"),
        ("int-min-negate", "SELECT -(-2147483648)"),
        ("int-min-div", "SELECT (-2147483648) / (-1)"),
        (
            "bigint-min-div",
            "SELECT (-9223372036854775808)::bigint / (-1)",
        ),
        (
            "bigint-min-mod",
            "SELECT (-9223372036854775808)::bigint % (-1)",
        ),
        ("bigint-overflow", "SELECT 9223372036854775807::bigint + 1"),
        (
            "bigint-mul-overflow",
            "SELECT 9223372036854775807::bigint * 2",
        ),
        ("abs-min", "SELECT abs((-9223372036854775808)::bigint)"),
        ("numeric-huge", "SELECT 1e999999::numeric"),
        ("numeric-pow", "SELECT 10::numeric ^ 999999"),
        ("double-pow", "SELECT 10.0::float8 ^ 999"),
        ("sqrt-negative", "SELECT sqrt(-1)"),
        ("ln-zero", "SELECT ln(0)"),
        ("bad-date", "SELECT '2023-13-45'::date"),
        ("date-overflow", "SELECT '9999-12-31'::date + 9999999"),
        (
            "timestamp-overflow",
            "SELECT '294276-12-31'::timestamp + interval '1 year'",
        ),
        ("bad-interval", "SELECT interval 'forever'"),
        ("bad-jsonb", "SELECT 'x'::jsonb"),
        ("bad-uuid", "SELECT 'x'::uuid"),
        ("bad-bool", "SELECT 'maybe'::boolean"),
        ("bad-int", "SELECT ''::integer"),
        ("bad-cast-array", "SELECT ARRAY[1]::integer"),
        ("repeat-negative", "SELECT repeat('x', -1)"),
        (
            "substr-huge",
            "SELECT substr('abc', 9223372036854775807, 9223372036854775807)",
        ),
        ("substr-negative-length", "SELECT substr('abc', 1, -1)"),
        ("lpad-negative", "SELECT lpad('x', -5)"),
        ("split-zero", "SELECT split_part('a,b', ',', 0)"),
        ("jsonb-path-bad", "SELECT j #> '{a' FROM u"),
        ("jsonb-index-huge", "SELECT j -> 9223372036854775807 FROM u"),
        (
            "jsonb-index-min",
            "SELECT '[1]'::jsonb -> (-9223372036854775808)::bigint",
        ),
        (
            "array-index-huge",
            "SELECT (ARRAY[1, 2])[9223372036854775807]",
        ),
        ("array-index-min", "SELECT (ARRAY[1, 2])[-2147483648]"),
        (
            "array-slice-min",
            "SELECT (ARRAY[1, 2])[-2147483648:2147483647]",
        ),
        (
            "generate-series-step-0",
            "SELECT * FROM generate_series(1, 10, 0)",
        ),
        (
            "generate-series-overflow",
            "SELECT * FROM generate_series(2147483646, 2147483647, 2)",
        ),
        ("limit-negative", "SELECT * FROM t LIMIT -1"),
        ("offset-huge", "SELECT * FROM t OFFSET 9223372036854775807"),
        ("limit-text", "SELECT * FROM t LIMIT 'x'"),
        ("aggregate-in-where", "SELECT * FROM t WHERE count(*) > 1"),
        ("nested-aggregate", "SELECT sum(count(*)) FROM t"),
        (
            "window-in-where",
            "SELECT * FROM t WHERE row_number() OVER () > 1",
        ),
        ("group-by-aggregate", "SELECT count(*) FROM t GROUP BY 1"),
        ("subquery-many-rows", "SELECT (SELECT id FROM t)"),
        (
            "subquery-many-columns",
            "SELECT (SELECT id, name FROM t LIMIT 1)",
        ),
        ("union-column-count", "SELECT 1 UNION SELECT 1, 2"),
        ("union-types", "SELECT 1 UNION SELECT 'x'"),
        ("in-types", "SELECT 1 IN ('a', 'b')"),
        ("case-types", "SELECT CASE WHEN true THEN 1 ELSE 'x' END"),
        (
            "recursive-cte-bad",
            "WITH RECURSIVE r(n) AS (SELECT n FROM r) SELECT * FROM r",
        ),
        ("cte-self", "WITH a AS (SELECT * FROM a) SELECT * FROM a"),
        ("view-loop", "CREATE VIEW v AS SELECT * FROM v"),
        ("drop-used", "ALTER TABLE t DROP COLUMN id"),
        ("rename-to-existing", "ALTER TABLE t RENAME TO u"),
        (
            "rename-column-existing",
            "ALTER TABLE t RENAME COLUMN name TO qty",
        ),
        (
            "add-not-null-no-default",
            "ALTER TABLE t ADD COLUMN z integer NOT NULL",
        ),
        (
            "alter-type-bad",
            "ALTER TABLE t ALTER COLUMN name TYPE integer",
        ),
        (
            "set-not-null-with-nulls",
            "ALTER TABLE t ALTER COLUMN name SET NOT NULL",
        ),
        ("commit-alone", "COMMIT"),
        ("rollback-alone", "ROLLBACK"),
        ("begin-alone", "BEGIN"),
        (
            "begin-insert-no-commit",
            "BEGIN; INSERT INTO t VALUES (20, 'x', 1)",
        ),
        ("begin-twice", "BEGIN; BEGIN"),
        ("savepoint-unknown", "ROLLBACK TO SAVEPOINT nope"),
        ("read-then-fail", "SELECT 1; SELECT nope"),
        ("fail-then-read", "SELECT nope; SELECT 1"),
        (
            "transaction-fails",
            "BEGIN; INSERT INTO t VALUES (20, 'x', 1); SELECT nope; COMMIT",
        ),
        ("emoji", "SELECT 🌳"),
        ("emoji-string", "SELECT '🌳'::integer"),
        ("bom", "\u{feff}SELECT 1"),
        ("zero-width", "SELECT\u{200b}1"),
        ("nbsp", "SELECT\u{a0}1"),
        ("control", "SELECT \u{1} 1"),
        ("escape-seq", "SELECT \u{1b}[2J 1"),
        (
            "huge-number",
            "SELECT 99999999999999999999999999999999999999999999999999999999999999999999999999999999",
        ),
        ("huge-float", "SELECT 1e99999999999999999999"),
        ("copy", "COPY t FROM '/etc/passwd'"),
        ("copy-stdin", "COPY t FROM STDIN"),
        ("pg-sleep", "SELECT pg_sleep(-1)"),
        ("set-unknown", "SET nope = 1"),
        ("show-unknown", "SHOW nope"),
        ("explain-bad", "EXPLAIN SELECT nope"),
        ("grant", "GRANT ALL ON t TO nobody"),
        ("vacuum", "VACUUM"),
        ("create-database", "CREATE DATABASE x"),
        ("drop-schema", "DROP SCHEMA public CASCADE"),
        ("truncate-unknown", "TRUNCATE nope"),
        ("prepare-bad", "PREPARE p AS SELECT nope"),
        ("execute-unknown", "EXECUTE nope"),
        ("values-ragged", "VALUES (1), (1, 2)"),
        ("select-star-nothing", "SELECT *"),
        ("in-empty", "SELECT 1 IN ()"),
        ("like-escape-bad", "SELECT 'a' LIKE 'a' ESCAPE 'xx'"),
        ("regex-bad", "SELECT 'a' ~ '('"),
        ("regex-huge-repeat", "SELECT 'a' ~ 'a{99999}'"),
        ("format-bad", "SELECT format('%', 1)"),
        ("to-char-bad", "SELECT to_char(1, 'X9X9X9X9')"),
        ("string-agg-bad", "SELECT string_agg(id) FROM t"),
        (
            "window-frame-bad",
            "SELECT sum(id) OVER (ROWS BETWEEN UNBOUNDED FOLLOWING AND CURRENT ROW) FROM t",
        ),
        (
            "distinct-on-order",
            "SELECT DISTINCT ON (name) id FROM t ORDER BY id",
        ),
        ("lateral-unknown", "SELECT * FROM t, LATERAL (SELECT x.y) s"),
        ("join-no-on", "SELECT * FROM t JOIN u"),
        ("join-ambiguous", "SELECT id FROM t JOIN t AS t2 ON true"),
        ("natural-join-types", "SELECT * FROM t NATURAL JOIN u"),
        ("insert-select-mismatch", "INSERT INTO t SELECT * FROM u"),
        ("update-from-unknown", "UPDATE t SET qty = x.y FROM nope x"),
        ("delete-using-unknown", "DELETE FROM t USING nope"),
        (
            "returning-unknown",
            "INSERT INTO t VALUES (20, 'x', 1) RETURNING nope",
        ),
        (
            "on-conflict-unknown",
            "INSERT INTO t VALUES (1, 'x', 1) ON CONFLICT (nope) DO NOTHING",
        ),
        (
            "on-conflict-update-bad",
            "INSERT INTO t VALUES (1, 'x', 1) ON CONFLICT (id) DO UPDATE SET qty = 'x'",
        ),
        ("arbor-function-bad", "SELECT arbor_nope()"),
    ];
    for (id, sql) in hand {
        cases.push(sql_case(Sql, format!("sql-{id}"), sql.as_bytes()));
    }
    // Bytes no argument can hold, from a file and from standard input.
    let raw: &[(&str, &[u8])] = &[
        ("nul", b"SELECT 1\x00"),
        ("nul-in-string", b"SELECT 'a\x00b'"),
        ("nul-in-identifier", b"SELECT \"a\x00b\" FROM t"),
        ("invalid-utf8", b"SELECT '\xff'"),
        ("invalid-utf8-keyword", b"SEL\xffECT 1"),
        ("latin1", b"SELECT 'caf\xe9'"),
        ("utf16", b"\xff\xfeS\x00E\x00L\x00"),
        ("binary", b"\x7fELF\x02\x01\x01\x00"),
    ];
    for (id, sql) in raw {
        cases.push(sql_case(Sql, format!("sql-file-{id}"), sql));
        cases.push(Case::new(Sql, format!("sql-stdin-{id}"), &["sql"]).stdin(sql.to_vec()));
    }
    cases.push(Case::new(
        Sql,
        "sql-file-missing",
        &["sql", "-f", "missing.sql"],
    ));
    cases.push(Case::new(Sql, "sql-file-directory", &["sql", "-f", "."]));
    cases.push(
        Case::new(
            Sql,
            "sql-file-and-query",
            &["sql", "-f", "q.sql", "-q", "SELECT 1"],
        )
        .file("q.sql", "SELECT 2"),
    );
    cases.push(Case::new(
        Sql,
        "sql-option-format-bad",
        &["sql", "--format", "xml", "-q", "SELECT 1"],
    ));
    // Deep nesting, from a file when too long for an argument.
    for depth in [100, 1000, 10_000, 100_000] {
        let deep: Vec<(&str, String)> = vec![
            (
                "parens",
                format!("SELECT {}1{}", "(".repeat(depth), ")".repeat(depth)),
            ),
            ("parens-open", format!("SELECT {}1", "(".repeat(depth))),
            ("minus", format!("SELECT {}1", "- ".repeat(depth))),
            ("not", format!("SELECT {}true", "NOT ".repeat(depth))),
            ("plus-chain", format!("SELECT 1{}", " + 1".repeat(depth))),
            (
                "concat-chain",
                format!("SELECT 'a'{}", " || 'a'".repeat(depth)),
            ),
            (
                "and-chain",
                format!("SELECT true{}", " AND true".repeat(depth)),
            ),
            (
                "subqueries",
                format!("SELECT {}1{}", "(SELECT ".repeat(depth), ")".repeat(depth)),
            ),
            (
                "functions",
                format!("SELECT {}1{}", "abs(".repeat(depth), ")".repeat(depth)),
            ),
            (
                "coalesce",
                format!("SELECT {}1{}", "coalesce(".repeat(depth), ")".repeat(depth)),
            ),
            (
                "arrays",
                format!("SELECT {}1{}", "ARRAY[".repeat(depth), "]".repeat(depth)),
            ),
            (
                "case",
                format!(
                    "SELECT {}1{}",
                    "CASE WHEN true THEN ".repeat(depth),
                    " END".repeat(depth)
                ),
            ),
            ("casts", format!("SELECT 1{}", "::integer".repeat(depth))),
            (
                "union",
                format!("SELECT 1{}", " UNION SELECT 1".repeat(depth)),
            ),
            ("in-list", format!("SELECT 1 IN (1{})", ", 1".repeat(depth))),
            (
                "jsonb",
                format!("SELECT '{}{}'::jsonb", "[".repeat(depth), "]".repeat(depth)),
            ),
            (
                "jsonb-open",
                format!("SELECT '{}'::jsonb", "[".repeat(depth)),
            ),
            (
                "jsonb-insert",
                format!(
                    "INSERT INTO u (k, j) VALUES (20, '{}{}')",
                    "[".repeat(depth),
                    "]".repeat(depth)
                ),
            ),
            (
                "from-parens",
                format!("SELECT * FROM {}t{}", "(".repeat(depth), ")".repeat(depth)),
            ),
            (
                "where-parens",
                format!(
                    "SELECT * FROM t WHERE {}true{}",
                    "(".repeat(depth),
                    ")".repeat(depth)
                ),
            ),
        ];
        for (id, sql) in deep {
            cases.push(sql_case(
                Sql,
                format!("sql-deep-{id}-{depth}"),
                sql.as_bytes(),
            ));
        }
    }
    let ctes: Vec<String> = (1..1000)
        .map(|i| format!("a{i} AS (SELECT * FROM a{})", i - 1))
        .collect();
    cases.push(sql_case(
        Sql,
        "sql-deep-ctes-1000".into(),
        format!(
            "WITH a0 AS (SELECT 1 AS x), {} SELECT * FROM a999",
            ctes.join(", ")
        )
        .as_bytes(),
    ));
    let joins: String = (0..200)
        .map(|i| format!(" JOIN t AS x{i} ON x{i}.id = t.id"))
        .collect();
    cases.push(sql_case(
        Sql,
        "sql-many-joins-200".into(),
        format!("SELECT count(*) FROM t{joins}").as_bytes(),
    ));
    cases.push(sql_case(
        Sql,
        "sql-duplicate-alias".into(),
        b"SELECT count(*) FROM t JOIN t AS x ON true JOIN t AS x ON true",
    ));
    // Wide values and names in psql's aligned table.
    for width in [65_535, 65_536, 200_000] {
        cases.push(sql_case(
            Sql,
            format!("sql-wide-value-{width}"),
            format!("SELECT repeat('x', {width}) AS v").as_bytes(),
        ));
        cases.push(sql_case(
            Sql,
            format!("sql-wide-name-{width}"),
            format!("SELECT 1 AS {}", "x".repeat(width)).as_bytes(),
        ));
    }
    // Nested ARRAY[...] at depths between the deep ones' 100 and 1.
    for depth in [8, 16, 24] {
        cases.push(sql_case(
            Sql,
            format!("sql-deep-arrays-{depth}"),
            format!("SELECT {}1{}", "ARRAY[".repeat(depth), "]".repeat(depth)).as_bytes(),
        ));
    }
    let views: Vec<String> = (1..300)
        .map(|i| format!("CREATE VIEW v{i} AS SELECT * FROM v{}", i - 1))
        .collect();
    cases.push(sql_case(
        Sql,
        "sql-deep-views-300".into(),
        format!(
            "BEGIN; CREATE VIEW v0 AS SELECT * FROM t; {}; SELECT nope FROM v299; COMMIT",
            views.join("; ")
        )
        .as_bytes(),
    ));
    let columns: Vec<String> = (0..5000).map(|i| format!("c{i} integer")).collect();
    cases.push(sql_case(
        Sql,
        "sql-create-5000-columns-then-fail".into(),
        format!(
            "BEGIN; CREATE TABLE z ({}); SELECT nope; COMMIT",
            columns.join(", ")
        )
        .as_bytes(),
    ));
    // Random edits of valid statements (none holds `;`, nor does any
    // token: an edit never makes two statements of one).
    let seeds: &[&str] = &[
        "SELECT id, name, qty FROM t WHERE qty > 10 ORDER BY id",
        "SELECT count(*), sum(qty), max(name) FROM t GROUP BY name HAVING count(*) > 0",
        "SELECT t.id, u.k FROM t JOIN u ON t.id = u.k",
        "INSERT INTO t (id, name, qty) VALUES (10, 'ten', 100), (11, 'eleven', 110)",
        "UPDATE t SET qty = qty + 1, name = upper(name) WHERE id IN (1, 2)",
        "DELETE FROM t WHERE name LIKE 'o%'",
        "CREATE TABLE z (a integer PRIMARY KEY, b text DEFAULT 'x', c jsonb)",
        "ALTER TABLE t ADD COLUMN extra text DEFAULT 'e'",
        "WITH x AS (SELECT id, qty * 2 AS d FROM t) SELECT sum(d) FROM x",
        "SELECT CASE WHEN qty > 15 THEN 'big' ELSE 'small' END, coalesce(name, '?') FROM t",
        "SELECT j->'a'->>'b', j @> '{\"a\": {\"b\": 1}}'::jsonb, jsonb_array_length('[1, 2]') FROM u",
        "SELECT CAST('2024-01-31' AS date) + 1, '12.5'::numeric(10,2), dt, ts FROM u",
        "SELECT id FROM t WHERE id IN (SELECT k FROM u) UNION SELECT 99 ORDER BY 1",
        "INSERT INTO u (k, b, d, j, big, n, dt, ts, id, s) VALUES (5, true, 1.5, '[1, {\"a\": null}]', 9000000000, 12.34, '2024-02-29', '2024-02-29 12:00:00', '00000000-0000-0000-0000-000000000002', 'abc')",
        "SELECT string_agg(name, ',' ORDER BY id), array_agg(qty) FROM t",
        "SELECT id, row_number() OVER (ORDER BY qty DESC), lag(qty) OVER (ORDER BY id) FROM t",
        "CREATE VIEW v AS SELECT id, qty FROM t WHERE qty > 0",
        "SELECT substr(name, 2, 3), length(name), lower(name) || '!' FROM t WHERE name IS NOT NULL",
        "SELECT (ARRAY[1, 2, 3])[2], 7 % 3, 2 ^ 10, -id FROM t",
        "UPDATE u SET j = jsonb_set(j, '{a,b}', '2'), n = n * 2 WHERE k = 1",
    ];
    let tokens: &[&[u8]] = &[
        b"(",
        b")",
        b"'",
        b"\"",
        b",",
        b".",
        b"*",
        b"::",
        b"--",
        b"/*",
        b"*/",
        b"$$",
        b"$1",
        b"\\",
        b"E'\\x",
        b"NULL",
        b" SELECT ",
        b" FROM ",
        b" WHERE ",
        b"(SELECT ",
        b"\x01",
        "é".as_bytes(),
        "🌳".as_bytes(),
        "\u{feff}".as_bytes(),
        b"9999999999999999999999",
        b"-",
        b"+",
        b"||",
        b"[",
        b"]",
        b"{",
        b"}",
        b"@",
        b"#",
        b"%",
        b"?",
        b"\n",
        b"\t",
        b" DEFAULT ",
        b" ORDER BY ",
        b" LIMIT -1",
        b" OFFSET 'x'",
        b"1e999",
        b"'NaN'",
        b"::jsonb",
        b" IS ",
        b" NOT ",
        b" AND ",
        b" OR ",
        b" JOIN ",
        b" ON ",
        b" USING ",
        b" AS ",
        b" :: ",
        b"0",
        b"/0",
        b"\xff",
        b"\x00",
    ];
    let mut rng = Rng::new(0x5C1);
    for i in 0..300 {
        let seed = seeds[i % seeds.len()].as_bytes();
        let sql = mutate(&mut rng, seed, tokens);
        cases.push(sql_case(Sql, format!("sql-mutated-{i:03}"), &sql));
    }
}

// ---------------------------------------------------------------------
// 4. Names.

fn name_cases(cases: &mut Vec<Case>, fixture: &Fixture) {
    use Category::Names;
    let mut names: Vec<(String, Vec<u8>)> = [
        ("empty", ""),
        ("space", " "),
        ("lead-space", " x"),
        ("trail-space", "x "),
        ("tab", "\t"),
        ("inner-tab", "a\tb"),
        ("newline", "a\nb"),
        ("cr", "a\rb"),
        ("soh", "\x01"),
        ("esc", "a\x1b[31mb"),
        ("del", "a\x7fb"),
        ("nel", "a\u{85}b"),
        ("dot", "."),
        ("dotdot", ".."),
        ("a-dotdot-b", "a..b"),
        ("updir", "a/../b"),
        ("parent", "../x"),
        ("dash", "-"),
        ("dashdash", "--"),
        ("lead-dash", "-x"),
        ("lead-dashdash", "--x"),
        ("slash", "a/b"),
        ("lead-slash", "/a"),
        ("trail-slash", "a/"),
        ("double-slash", "a//b"),
        ("refs", "refs/heads/x"),
        ("lock", "x.lock"),
        ("trail-dot", "x."),
        ("lead-dot", ".x"),
        ("HEAD", "HEAD"),
        ("head", "head"),
        ("fetch-head", "FETCH_HEAD"),
        ("at", "@"),
        ("at-brace", "@{"),
        ("reflog", "a@{1}"),
        ("tilde", "a~1"),
        ("caret", "a^"),
        ("colon", "a:b"),
        ("question", "a?b"),
        ("star", "a*b"),
        ("bracket", "a[b"),
        ("backslash", "a\\b"),
        ("inner-space", "a b"),
        ("semicolon", "a;b"),
        ("injection", "'; DROP TABLE t; --"),
        ("dquote", "\""),
        ("dquotes", "a\"\"b"),
        ("main", "main"),
        ("dev", "dev"),
        ("v1", "v1"),
        ("origin", "origin"),
        ("t", "t"),
        ("umlaut", "über"),
        ("emoji", "🌳"),
        ("zwsp", "\u{200b}"),
        ("rtl", "\u{202e}abc"),
        ("bom", "\u{feff}x"),
        ("nfd", "A\u{308}"),
        ("nul", "a\0b"),
        ("nul-only", "\0"),
        ("hex8", "deadbeef"),
        ("hex40-a", "a".repeat(40).as_str()),
        ("hex40", "0123456789abcdef0123456789abcdef01234567"),
        ("hex64", "0123456789abcdef".repeat(4).as_str()),
        ("head-prefix", fixture.head_prefix.as_str()),
        ("long255", "x".repeat(255).as_str()),
        ("long256", "x".repeat(256).as_str()),
        ("long4k", "x".repeat(4096).as_str()),
        ("long100k", "x".repeat(100_000).as_str()),
    ]
    .iter()
    .map(|(label, name)| ((*label).to_owned(), name.as_bytes().to_vec()))
    .collect();
    names.push(("invalid-utf8".into(), b"\xff\xfe".to_vec()));
    names.push(("invalid-utf8-mid".into(), b"a\xc3b".to_vec()));
    let src = fixture.path("src");
    for (label, name) in &names {
        let arg = os_bytes(name);
        let argv_ok = !name.contains(&0);
        let mut argv = |op: &str, before: &[&str], after: &[&str]| {
            if !argv_ok {
                return;
            }
            let mut args: Vec<OsString> = before.iter().map(|a| os(a)).collect();
            args.push(arg.clone());
            args.extend(after.iter().map(|a| os(a)));
            cases
                .push(Case::os(Names, format!("name-{op}-{label}"), args).file("in.csv", "a\n1\n"));
        };
        argv("import", &["table", "import"], &["in.csv"]);
        argv("branch", &["branch"], &[]);
        argv("branch-start", &["branch"], &["main"]);
        argv("checkout-b", &["checkout", "-b"], &[]);
        argv("checkout", &["checkout"], &[]);
        argv("branch-m", &["branch", "-m", "dev"], &[]);
        argv("branch-c", &["branch", "-c", "dev"], &[]);
        argv("branch-d", &["branch", "-d"], &[]);
        argv("tag", &["tag"], &[]);
        argv("tag-m", &["tag", "-m", "msg"], &[]);
        argv("tag-d", &["tag", "-d"], &[]);
        argv("remote", &["remote", "add"], &[&src]);
        argv("remote-rm", &["remote", "remove"], &[]);
        if name.starts_with(b"-") {
            argv("branch-dashdash", &["branch", "--"], &[]);
            argv("tag-dashdash", &["tag", "--"], &[]);
        }
        if argv_ok && name.len() < 10_000 {
            let args = vec![os("init"), os("sub"), os("-b"), arg.clone()];
            cases.push(Case::os(Names, format!("name-init-b-{label}"), args).leaves_nothing("sub"));
        }
        // In files and in SQL, where NUL can go too.
        let header = [b"a,".to_vec(), csv_field(name), b"\n1,2\n".to_vec()].concat();
        cases.push(
            Case::new(
                Names,
                format!("name-csv-header-{label}"),
                &["table", "import", "n", "in.csv"],
            )
            .file("in.csv", header),
        );
        let json = [b"[{\"a\": 1, ".to_vec(), json_str(name), b": 2}]".to_vec()].concat();
        cases.push(
            Case::new(
                Names,
                format!("name-json-key-{label}"),
                &["table", "import", "n", "in.json"],
            )
            .file("in.json", json),
        );
        let ident = sql_ident(name);
        let statements: &[(&str, &[u8], &[u8])] = &[
            ("sql-create", b"CREATE TABLE ", b" (x integer)"),
            ("sql-add-column", b"ALTER TABLE t ADD COLUMN ", b" text"),
            ("sql-rename-table", b"ALTER TABLE t RENAME TO ", b""),
            (
                "sql-rename-column",
                b"ALTER TABLE t RENAME COLUMN name TO ",
                b"",
            ),
            ("sql-create-view", b"CREATE VIEW ", b" AS SELECT 1"),
        ];
        for (op, before, after) in statements {
            let sql = [before.to_vec(), ident.clone(), after.to_vec()].concat();
            cases.push(sql_case(Names, format!("name-{op}-{label}"), &sql));
        }
    }
}

// ---------------------------------------------------------------------
// 5. Revisions.

fn revision_cases(cases: &mut Vec<Case>, fixture: &Fixture) {
    use Category::Revisions;
    let mut revisions: Vec<(String, Vec<u8>)> = [
        ("empty", ""),
        ("space", " "),
        ("tilde", "~"),
        ("tildes", "~~"),
        ("caret", "^"),
        ("carets", "^^^^"),
        ("head-tilde", "HEAD~"),
        ("head-tildes", "HEAD~~"),
        ("head-carets", "HEAD^^^^"),
        ("head-carets-12", "HEAD^^^^^^^^^^^^"),
        ("head-3", "HEAD~3"),
        ("head-4", "HEAD~4"),
        ("head-100", "HEAD~100"),
        ("huge", "main~999999999999999999999"),
        ("u64-max", "main~18446744073709551615"),
        ("u64-max-plus-1", "main~18446744073709551616"),
        ("u32-max-plus-1", "main~4294967296"),
        ("i64-max", "main~9223372036854775807"),
        ("caret-huge", "main^999999999999999999999"),
        ("minus", "main~-1"),
        ("plus", "main~+1"),
        ("letters", "main~1a"),
        ("caret-minus", "main^-1"),
        ("second-parent", "main^2"),
        ("caret-0", "main^0"),
        ("caret-brace", "main^{"),
        ("caret-tree", "main^{tree}"),
        ("caret-commit", "main^{commit}"),
        ("caret-empty-braces", "main^{}"),
        ("at", "@"),
        ("at-brace", "@{"),
        ("at-minus", "@{-1}"),
        ("at-upstream", "@{u}"),
        ("at-huge", "@{99999999999999999999}"),
        ("branch-at-brace", "main@{"),
        ("branch-at-0", "main@{0}"),
        ("branch-at-1", "main@{1}"),
        ("branch-at-date", "main@{yesterday}"),
        ("dots", ".."),
        ("three-dots", "..."),
        ("open-range", "main.."),
        ("range-open-start", "..main"),
        ("open-symmetric", "main..."),
        ("double-range", "a..b..c"),
        ("four-dots", "main....dev"),
        ("range-unknown", "main..nope"),
        ("range-unknown-start", "nope..main"),
        ("range-same", "main..main"),
        ("colon", ":"),
        ("colon-search", ":/one"),
        ("colon-table", "HEAD:t"),
        ("colon-end", "main:"),
        ("zeros-40", "0".repeat(40).as_str()),
        ("f-40", "f".repeat(40).as_str()),
        ("f-64", "f".repeat(64).as_str()),
        ("g-40", "g".repeat(40).as_str()),
        ("zeros-4", "0000"),
        ("hex-2", "89"),
        ("hex-1", "8"),
        ("head-prefix", fixture.head_prefix.as_str()),
        (
            "head-prefix-upper",
            fixture.head_prefix.to_uppercase().as_str(),
        ),
        (
            "head-prefix-tilde",
            format!("{}~1", fixture.head_prefix).as_str(),
        ),
        ("dash", "-"),
        ("lead-dash", "-x"),
        ("long-option", "--nope"),
        ("refs-heads", "refs/heads/main"),
        ("refs-updir", "refs/heads/../main"),
        ("refs-tags", "refs/tags/v1"),
        ("tags-v1", "tags/v1"),
        ("heads-main", "heads/main"),
        ("tag-tilde", "v1~1"),
        ("tag-peel", "v1^{}"),
        ("range-tags", "dev~1..v1"),
        ("control", "\x01"),
        ("tab", "\t"),
        ("newline", "main\n"),
        ("trail-space", "main "),
        ("lead-space", " main"),
        ("umlaut", "ü"),
        ("emoji", "🌳"),
        ("tilde-emoji", "main~🌳"),
        ("tilde-accent", "main~é"),
        ("caret-umlaut", "main^ü"),
        ("tilde-digit-accent", "main~1é"),
        ("tilde-letter", "main~x"),
        ("rtl", "\u{202e}"),
        ("nope", "nope"),
        ("upper", "MAIN"),
        ("mixed-case", "Main"),
        ("remote-branch", "origin/main"),
        ("remotes-branch", "remotes/origin/main"),
        ("tildes-10k", format!("main{}", "~".repeat(10_000)).as_str()),
        (
            "carets-100k",
            format!("main{}", "^".repeat(100_000)).as_str(),
        ),
        (
            "tilde-ones-30k",
            format!("HEAD{}", "~1".repeat(30_000)).as_str(),
        ),
        ("hex-10k", "a".repeat(10_000).as_str()),
        ("ranges-10k", "main..".repeat(10_000).as_str()),
    ]
    .iter()
    .map(|(label, rev)| ((*label).to_owned(), rev.as_bytes().to_vec()))
    .collect();
    revisions.push(("invalid-utf8".into(), b"main\xff".to_vec()));
    revisions.push(("invalid-utf8-only".into(), b"\xc3".to_vec()));
    let commands: &[(&str, &[&str], &[&str])] = &[
        ("log", &["log"], &[]),
        ("log-oneline-tables", &["log", "--oneline"], &["--", "t"]),
        ("diff", &["diff"], &[]),
        ("diff-stat", &["diff", "--stat"], &["main"]),
        ("show", &["show"], &[]),
        ("checkout", &["checkout"], &[]),
        ("branch-start", &["branch", "nb"], &[]),
        ("tag-at", &["tag", "nt"], &[]),
    ];
    // Steps that are not `~n`, `^n` nor `^`: no revision of Git's syntax,
    // to refuse rather than read as something else.
    let malformed_steps = [
        "minus",
        "plus",
        "letters",
        "caret-minus",
        "caret-brace",
        "tilde-letter",
    ];
    for (label, rev) in &revisions {
        for (op, before, after) in commands {
            let mut args: Vec<OsString> = before.iter().map(|a| os(a)).collect();
            args.push(os_bytes(rev));
            args.extend(after.iter().map(|a| os(a)));
            cases.push(
                Case::os(Revisions, format!("rev-{op}-{label}"), args)
                    .must_fail(malformed_steps.contains(&label.as_str())),
            );
        }
    }
}

// ---------------------------------------------------------------------
// 6. Remote URLs. None reaches the network: every URL is refused before
// (an unknown scheme, no host, an option) or names a local folder. URLs
// with a Git transport and a host are only recorded (`remote add`), never
// cloned.

fn remote_cases(cases: &mut Vec<Case>, fixture: &Fixture) {
    use Category::Remotes;
    let mut urls: Vec<(String, Vec<u8>)> = [
        ("empty", ""),
        ("space", " "),
        ("tab", "\t"),
        ("unknown-scheme", "foo://x"),
        ("typo-scheme", "htp://example.invalid/x"),
        ("http", "http://example.invalid/x"),
        ("https", "https://example.invalid/x"),
        ("ssh", "ssh://example.invalid/x"),
        ("git", "git://example.invalid/x"),
        ("ftp", "ftp://example.invalid/x"),
        ("no-scheme", "://x"),
        ("only-scheme", "x://"),
        ("file-colon", "file:"),
        ("file-slash", "file:/"),
        ("file-empty", "file://"),
        ("file-root", "file:///"),
        ("file-relative", "file://relative/x"),
        ("file-missing", "file:///nonexistent/arbor/x"),
        ("file-double-slash", "file:////nonexistent"),
        ("file-etc-passwd", "file:///etc/passwd"),
        ("file-dev-null", "file:///dev/null"),
        ("file-proc", "file:///proc"),
        ("file-percent", "file:///%2e%2e/x"),
        ("file-percent-nul", "file:///x%00y"),
        ("file-space", "file:///a b"),
        ("file-emoji", "file://🌳"),
        ("missing-absolute", "/nonexistent/x"),
        ("missing-relative", "./missing"),
        ("missing-bare", "missing"),
        ("parent", ".."),
        ("dot", "."),
        ("root", "/"),
        ("arbor-folder", ".arbor"),
        ("inner-space", "a b"),
        ("inner-tab", "a\tb"),
        ("soh", "a\x01b"),
        ("escape", "a\x1b[2Jb"),
        ("del", "a\x7fb"),
        ("cr", "a\rb"),
        ("newline", "a\nb"),
        ("nel", "a\u{85}b"),
        ("lead-dash", "-x"),
        ("upload-pack", "--upload-pack=touch x"),
        ("proxy-command", "-oProxyCommand=false"),
        ("git-ssh-proxy", "git+ssh://-oProxyCommand=false/x"),
        ("git-ftp", "git+ftp://example.invalid/x"),
        ("git-ssh-no-host", "git+ssh://"),
        ("git-ssh-empty-host", "git+ssh:///x"),
        ("git-https-no-host", "git+https://"),
        ("git-file-relative", "git+file://relative"),
        ("git-file-missing", "git+file:///nonexistent/x"),
        ("git-file-empty", "git+file://"),
        ("git-only", "git+"),
        ("git-no-scheme", "git+x"),
        ("git-plus-plus", "git+git+ssh://example.invalid/x"),
        ("git-ssh-host", "git+ssh://example.invalid/x"),
        ("git-https-host", "git+https://example.invalid/x"),
        ("git-bracket", "git+https://[::1"),
        ("http-bracket", "http://[::1"),
        ("scp-like", "user@example.invalid:repo.git"),
        ("host-colon", "example.invalid:x"),
        ("windows", "C:\\x"),
        ("unc", "\\\\server\\share"),
        ("tilde-home", "~/x"),
        ("tilde-user", "~nouser/x"),
        ("dollar", "$HOME/x"),
        ("emoji-scheme", "🌳://x"),
        ("percent-nul", "%00"),
        ("long-5000", "x".repeat(5000).as_str()),
        (
            "long-file-path",
            format!("file:///{}", "x/".repeat(3000)).as_str(),
        ),
        (
            "long-file-name",
            format!("file:///{}", "x".repeat(300)).as_str(),
        ),
        ("long-scheme", format!("{}://x", "a".repeat(5000)).as_str()),
        ("long-100k", "x".repeat(100_000).as_str()),
    ]
    .iter()
    .map(|(label, url)| ((*label).to_owned(), url.as_bytes().to_vec()))
    .collect();
    urls.push(("invalid-utf8".into(), b"/tmp/\xff".to_vec()));
    urls.push(("invalid-utf8-scheme".into(), b"\xff://x".to_vec()));
    for fixture_dir in [
        "empty",
        "plain-file",
        "fake-store",
        "empty-store",
        "empty-journal",
        "garbage-journal",
        "src/.arbor",
    ] {
        let path = fixture.path(fixture_dir);
        urls.push((format!("fixture-{fixture_dir}"), path.clone().into_bytes()));
        urls.push((
            format!("fixture-file-url-{fixture_dir}"),
            format!("file://{path}").into_bytes(),
        ));
    }
    let src = fixture.path("src");
    urls.push((
        "git-file-arbor-repo".into(),
        format!("git+file://{src}").into_bytes(),
    ));
    urls.push((
        "src-trailing-slashes".into(),
        format!("{src}///").into_bytes(),
    ));
    urls.push(("src-dot-dot".into(), format!("{src}/../src").into_bytes()));
    for (label, url) in &urls {
        let url_os = os_bytes(url);
        let label = label.replace('/', "-");
        cases.push(Case::os(
            Remotes,
            format!("remote-add-{label}"),
            vec![os("remote"), os("add"), os("x"), url_os.clone()],
        ));
        cases.push(Case::os(
            Remotes,
            format!("remote-set-url-{label}"),
            vec![os("remote"), os("set-url"), os("origin"), url_os.clone()],
        ));
        // Only what cannot reach a host is cloned.
        let network = url.starts_with(b"git+") && !url.starts_with(b"git+file:");
        if !network {
            cases.push(
                Case::os(
                    Remotes,
                    format!("clone-{label}"),
                    vec![os("clone"), url_os, os("clonedir")],
                )
                .leaves_nothing("clonedir"),
            );
        }
    }
    // A good source, bad targets and options.
    let clone = |id: &str, args: &[&str]| {
        let mut all = vec!["clone"];
        all.extend_from_slice(args);
        Case::new(Remotes, id, &all)
    };
    let long_name = "x".repeat(300);
    let bad_targets: &[(&str, &str)] = &[
        ("empty", ""),
        ("dot", "."),
        ("parent", ".."),
        ("root", "/"),
        ("proc", "/proc/nope"),
        ("arbor-folder", ".arbor"),
        ("existing-file", "f"),
        ("control", "a\x01b"),
        ("long-name", long_name.as_str()),
        ("dash", "-x"),
    ];
    for (id, target) in bad_targets {
        cases.push(clone(&format!("clone-target-{id}"), &[&src, target]).file("f", "x"));
    }
    let bad_options: &[(&str, &[&str])] = &[
        ("depth-0", &["--depth", "0"]),
        ("depth-negative", &["--depth", "-1"]),
        ("depth-huge", &["--depth", "99999999999999999999"]),
        ("depth-text", &["--depth", "x"]),
        ("branch-missing", &["-b", "nope"]),
        ("branch-empty", &["-b", ""]),
        ("branch-updir", &["-b", "../x"]),
        ("branch-head", &["-b", "HEAD"]),
    ];
    for (id, options) in bad_options {
        let mut args: Vec<&str> = options.to_vec();
        args.extend([src.as_str(), "clonedir"]);
        cases.push(clone(&format!("clone-option-{id}"), &args).leaves_nothing("clonedir"));
    }
    cases.push(clone("clone-self", &[".", "clonedir"]).leaves_nothing("clonedir"));
    cases.push(clone("clone-self-into-self", &[".", "."]));
    cases.push(Case::new(
        Remotes,
        "fetch-unknown-remote",
        &["fetch", "nope"],
    ));
    cases.push(Case::new(Remotes, "fetch-empty-remote", &["fetch", ""]));
    cases.push(Case::new(
        Remotes,
        "fetch-url",
        &["fetch", "/nonexistent/x"],
    ));
    cases.push(Case::new(
        Remotes,
        "remote-add-twice",
        &["remote", "add", "origin", "../src"],
    ));
    cases.push(Case::new(
        Remotes,
        "remote-set-url-unknown",
        &["remote", "set-url", "nope", "../src"],
    ));
}

// ---------------------------------------------------------------------
// 7. Damaged repositories.

/// The commands run on each damaged copy: (name, arguments).
const DAMAGE_COMMANDS: &[(&str, &[&str])] = &[
    ("status", &["status"]),
    ("log", &["log"]),
    ("sql", &["sql", "-q", "SELECT count(*) FROM t"]),
    ("fsck", &["fsck"]),
    ("commit", &["commit", "--allow-empty", "-m", "x"]),
];

/// A damaged repository: its id and its files.
struct Damage {
    id: String,
    files: Store,
}

/// The records of a journal: (start, length, kind), as far as they can be
/// told apart (see merkle/src/store/journal.rs).
fn journal_records(bytes: &[u8]) -> Vec<(usize, usize, u8)> {
    let mut records = Vec::new();
    if !bytes.starts_with(b"ARBORJNL") {
        return records;
    }
    let mut at = 12;
    while at < bytes.len() {
        let len = match bytes[at] {
            1 if at + 46 <= bytes.len() => {
                46 + u32::from_le_bytes(bytes[at + 2..at + 6].try_into().unwrap()) as usize
            }
            2 => 78,
            _ => break,
        };
        records.push((at, len, bytes[at]));
        at += len;
    }
    records
}

/// The damages of every file of `store`: single bytes flipped (every byte
/// of a small file; of a large one those of every record's header and a
/// spread of the rest), cuts at and inside record boundaries, removal,
/// garbage appended.
fn damages(store: &Store) -> Vec<Damage> {
    let mut rng = Rng::new(0x00DA_4A6E);
    let mut out = Vec::new();
    for (rel, bytes) in store {
        let name = rel.display().to_string().replace('/', "-");
        let mut damaged = |what: String, content: Option<Vec<u8>>| {
            let mut files = store.clone();
            match content {
                Some(content) => files.insert(rel.clone(), content),
                None => files.remove(rel),
            };
            out.push(Damage {
                id: format!("dmg-{name}-{what}"),
                files,
            });
        };
        damaged("deleted".into(), None);
        damaged("garbage".into(), Some(b"\x00garbage\xff".to_vec()));
        let len = bytes.len();
        if len == 0 {
            continue;
        }
        damaged("zeroed".into(), Some(vec![0; len]));
        let records = journal_records(bytes);
        // Flips.
        let mut offsets = BTreeSet::new();
        if len <= 1024 {
            offsets.extend(0..len);
        } else {
            offsets.extend(0..12.min(len));
            for &(start, rec_len, kind) in &records {
                let header: &[usize] = if kind == 1 {
                    &[0, 1, 2, 3, 5, 6, 9, 10, 25, 41, 42, 45]
                } else {
                    &[0, 1, 2, 20, 33, 34, 50, 65, 66, 70, 73, 74, 77]
                };
                offsets.extend(
                    header
                        .iter()
                        .map(|o| start + o)
                        .filter(|&o| o < start + rec_len),
                );
                if kind == 1 && rec_len > 46 {
                    offsets.extend([
                        start + 46,
                        start + 46 + (rec_len - 46) / 2,
                        start + rec_len - 1,
                    ]);
                }
            }
            offsets.extend((0..64).map(|i| i * len / 64));
            offsets.extend((0..64).map(|_| rng.below(len)));
        }
        for offset in offsets.into_iter().filter(|&o| o < len) {
            let mask = match rng.below(3) {
                0 => 0xff,
                _ => 1u8 << rng.below(8),
            };
            let mut content = bytes.clone();
            content[offset] ^= mask;
            damaged(format!("flip-{offset:05}-{mask:02x}"), Some(content));
        }
        // Cuts.
        let mut cuts = BTreeSet::from([0, 1, 5, 11, len - 1]);
        for &(start, rec_len, kind) in &records {
            let header = if kind == 1 { 46 } else { 78 };
            cuts.extend([
                start,
                start + 1,
                start + header / 2,
                start + header.min(rec_len),
            ]);
            if rec_len > header {
                cuts.insert(start + header + (rec_len - header) / 2);
            }
        }
        for cut in cuts.into_iter().filter(|&c| c < len) {
            damaged(format!("cut-{cut:05}"), Some(bytes[..cut].to_vec()));
        }
        // Appended bytes.
        let mut appended = |what: &str, tail: &[u8]| {
            damaged(
                format!("append-{what}"),
                Some([bytes.clone(), tail.to_vec()].concat()),
            );
        };
        appended("zero", &[0]);
        appended(
            "garbage",
            &(0..64).map(|_| rng.next() as u8).collect::<Vec<u8>>(),
        );
        appended("chunk-type", &[1]);
        appended("root-type", &[2]);
        appended("file-header", b"ARBORJNL\x01\x00\x00\x00");
        if let Some(&(start, rec_len, _)) = records.last() {
            appended("last-record-again", &bytes[start..start + rec_len]);
            appended("last-record-half", &bytes[start..start + rec_len / 2]);
        }
    }
    out
}

#[test]
fn damaged_repositories_fail_cleanly() {
    let start = Instant::now();
    let env = TestEnv::new();
    let repo = env.repo();
    repo.ok(&[
        "sql",
        "-q",
        "CREATE TABLE t (id integer PRIMARY KEY, name text); INSERT INTO t VALUES (1, 'a'), (2, 'b')",
    ]);
    repo.ok(&["commit", "-am", "one"]);
    repo.ok(&["sql", "-q", "INSERT INTO t VALUES (3, 'c')"]);
    repo.ok(&["commit", "-am", "two"]);
    repo.ok(&["sql", "-q", "UPDATE t SET name = 'z' WHERE id = 1"]);
    repo.ok(&["commit", "-am", "three"]);
    let store = read_store(repo.path());
    for (rel, bytes) in &store {
        println!(
            ".arbor/{}: {} bytes, {} journal records",
            rel.display(),
            bytes.len(),
            journal_records(bytes).len()
        );
    }
    let all = damages(&store);
    let known: BTreeSet<&str> = KNOWN_FAILURES.iter().copied().collect();
    let skipped = AtomicUsize::new(0);
    let silent = Mutex::new(Vec::new());
    // With MALFORMED_LOG=<file>, how every command ended in
    // <file>.damaged, a line each.
    let log = std::env::var_os("MALFORMED_LOG").map(|path| {
        let mut path = path;
        path.push(".damaged");
        Mutex::new(std::fs::File::create(path).unwrap())
    });
    let failures = in_parallel(
        &all,
        || TestEnv::new().work_dir().dir("repo"),
        |dir, damage| {
            let mut results = Vec::new();
            let mut fsck_clean = None;
            for (command, args) in DAMAGE_COMMANDS {
                let unit = format!("{}:{command}", damage.id);
                if known.contains(unit.as_str()) {
                    skipped.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
                // Each command gets its own fresh damaged copy.
                write_repo(dir.path(), &damage.files);
                let out = execute(dir.command(args), None);
                let mut found = problems(&out, *command == "fsck");
                if let Some(log) = &log {
                    let message = format!("{}{}", out.stderr, out.stdout);
                    let first_line = message.lines().next().unwrap_or_default();
                    writeln!(
                        log.lock().unwrap(),
                        "{unit}\t{:?}\t{}",
                        out.code,
                        shown(first_line.as_bytes())
                    )
                    .unwrap();
                }
                if *command == "fsck" {
                    fsck_clean = Some(out.success());
                }
                if !found.is_empty() {
                    found.push(format!("outcome: {}", out.summary()));
                }
                results.push((unit, found));
                if *command == "commit" && out.success() {
                    let unit = format!("{}:commit+fsck", damage.id);
                    if known.contains(unit.as_str()) {
                        skipped.fetch_add(1, Ordering::Relaxed);
                        continue;
                    }
                    let fsck = execute(dir.command(&["fsck"]), None);
                    let mut found = problems(&fsck, true);
                    if !found.is_empty() {
                        found.push(format!("outcome: {}", fsck.summary()));
                    }
                    results.push((unit, found));
                    if fsck.success() {
                        silent.lock().unwrap().push((damage.id.clone(), fsck_clean));
                    }
                }
            }
            results
        },
    );
    let mut silent = silent.into_inner().unwrap();
    silent.sort();
    // Recorded, not asserted yet: a writing command accepted the damaged
    // repository and fsck then found no problem.
    for (label, fsck_before) in [
        (
            "fsck found nothing before either (damage invisible)",
            Some(true),
        ),
        (
            "fsck reported the damage before, nothing after the commit",
            Some(false),
        ),
    ] {
        let ids: Vec<&str> = silent
            .iter()
            .filter(|(_, clean)| *clean == fsck_before)
            .map(|(id, _)| id.as_str())
            .collect();
        println!(
            "silently accepted by `commit`, {label}: {} {ids:?}",
            ids.len()
        );
    }
    let skipped = skipped.into_inner();
    let units = all.len() * DAMAGE_COMMANDS.len();
    println!(
        "Damaged: {} damaged repositories, {units} command cases ({} failed, {skipped} known failures skipped) in {:.1} s",
        all.len(),
        failures.len(),
        start.elapsed().as_secs_f64()
    );
    assert!(all.len() >= 300, "only {} damaged repositories", all.len());
    conclude(&failures);
}
