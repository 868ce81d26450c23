//! Crash consistency, with real processes: `arbor` commands on one
//! repository killed with SIGKILL at random moments, each followed by checks
//! that nothing acknowledged was lost and the repository is sound.
//!
//! Each round picks an operation at random (seeded): a CSV import of a few
//! thousand rows (an upsert), `arbor commit -am`, `arbor merge` of a branch
//! prepared with changes, an `ALTER TABLE ... ADD COLUMN` / `DROP COLUMN`,
//! an `UPDATE` followed by `arbor commit -am`, or `arbor gc`. It runs the
//! operation's commands one after the other and kills whichever is running
//! when a random delay (a few tens of milliseconds, more for the import)
//! runs out; a delay longer than the operation kills nothing.
//!
//! The model: every commit a command acknowledged (exit 0, not killed) is
//! recorded with its full hash (`arbor log -n 1`, checked against the short
//! hash the command printed), its branch and a digest of table `t` as of
//! that commit (`arbor table export t --as-of <hash>` hashed here, its row
//! count checked against `SELECT count(*) FROM t AS OF '<hash>'`). After
//! every round:
//!
//! - a writer (`arbor sql`) must take the lock at once: the OS drops the
//!   killed writer's `flock`, there is no stale lock (a writer that cannot
//!   get it waits `LOCK_WAIT`, 10 s, then fails);
//! - `arbor fsck` exits 0 and reports no problems;
//! - `arbor status` works and shows no merge in progress (a merge without
//!   conflicts publishes in one compare-and-swap);
//! - the operation was atomic: a killed import left none or all of its rows,
//!   a killed commit either no commit or one holding exactly the working
//!   set, a killed merge either no merge or a whole one, a killed `ALTER`
//!   the old columns or the new; a killed commit or gc changed no data;
//! - every acknowledged commit is still in its branch's history (which,
//!   commits naming their contents by hash and fsck having checked every
//!   reachable chunk against its address, fixes what it holds), and exports
//!   exactly as recorded: the newest and three others in turn every round,
//!   all of them every tenth round and at the end.
//!
//! `ARBOR_CRASH_SEED` (decimal or 0x-hex) and `ARBOR_CRASH_ROUNDS` override
//! the seed and the number of rounds, for long runs outside CI; the seed,
//! the rounds and how many kills landed mid-operation are printed (seen with
//! `--nocapture`). The seed fixes the operations and the delays, not where
//! in an operation a kill lands (that depends on the machine's speed), so a
//! failure names its seed and round but may need a few runs to reproduce.

#![cfg(unix)]
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::os::unix::process::ExitStatusExt as _;
use std::process::{ExitStatus, Stdio};
use std::time::{Duration, Instant};

use common::{TestEnv, WorkDir};

/// The seed of a run without `ARBOR_CRASH_SEED`: one whose plan gives
/// every operation delays both well under and well over how long it takes,
/// so the default run has kills of both kinds for each.
const DEFAULT_SEED: u64 = 0x00a7_b0c4_a5b1_204a;
/// The rounds of a run without `ARBOR_CRASH_ROUNDS`.
const DEFAULT_ROUNDS: u32 = 80;
/// The signal `Child::kill` sends on Unix.
const SIGKILL: i32 = 9;
/// The columns `t` always has; `ALTER` adds and drops others.
const BASE_COLUMNS: [&str; 3] = ["id", "v", "n"];
/// Rows in `t` from the start (ids 1..=ROWS).
const ROWS: u64 = 3000;
/// Rows a prepared branch inserts.
const BRANCH_ROWS: u64 = 60;
/// How long taking the writer lock after a kill may take at most: far
/// below Arbor's own wait (10 s), so a stale lock cannot pass unnoticed.
const LOCK_LIMIT: Duration = Duration::from_secs(5);

/// xorshift64*: small, seeded, good enough to pick operations and delays.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        // Any seed, 0 included, gives a nonzero state.
        Rng((seed ^ 0x9e37_79b9_7f4a_7c15) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// True `num` times in `den`.
    fn chance(&mut self, num: u64, den: u64) -> bool {
        self.below(den) < num
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Op {
    Import,
    Commit,
    Merge,
    Alter,
    UpdateCommit,
    Gc,
}

impl Op {
    const ALL: [Op; 6] = [
        Op::Import,
        Op::Commit,
        Op::Merge,
        Op::Alter,
        Op::UpdateCommit,
        Op::Gc,
    ];

    /// The longest delay before the kill, in milliseconds: somewhat longer
    /// than the operation takes in a debug build on an idle machine (the
    /// import 70-160 ms, update+commit 30-50, the others 5-30; process
    /// start-up included), so that kills land both during it and after it.
    fn window_ms(self) -> u64 {
        match self {
            Op::Import => 180,
            Op::Commit => 16,
            Op::Merge => 18,
            Op::Alter => 25,
            Op::UpdateCommit => 70,
            Op::Gc => 45,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Op::Import => "import",
            Op::Commit => "commit",
            Op::Merge => "merge",
            Op::Alter => "alter",
            Op::UpdateCommit => "update+commit",
            Op::Gc => "gc",
        }
    }
}

/// One command of an operation, as it ended.
struct Step {
    args: Vec<String>,
    status: ExitStatus,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

impl Step {
    fn killed(&self) -> bool {
        self.status.signal() == Some(SIGKILL)
    }

    fn shown(&self) -> String {
        format!(
            "`arbor {}` ({}, {:?})\n--- stdout:\n{}\n--- stderr:\n{}\n---",
            self.args.join(" "),
            self.status,
            self.elapsed,
            self.stdout,
            self.stderr
        )
    }
}

/// The commands of an operation that ran: the last one was killed, failed
/// or ended the operation.
struct Outcome {
    steps: Vec<Step>,
}

impl Outcome {
    fn killed(&self) -> bool {
        self.steps.last().is_some_and(Step::killed)
    }

    /// Step `i` ran and exited 0.
    fn succeeded(&self, i: usize) -> bool {
        self.steps.get(i).is_some_and(|s| s.status.success())
    }

    fn shown(&self) -> String {
        let steps: Vec<String> = self.steps.iter().map(Step::shown).collect();
        steps.join("\n")
    }
}

/// A commit some command acknowledged, and what `t` held in it.
struct Acked {
    hash: String,
    branch: String,
    round: u32,
    what: String,
    /// Rows of `t` in it.
    rows: u64,
    /// FNV-1a of `arbor table export t --as-of <hash>` (a CSV with a header,
    /// so the columns count too).
    export: u64,
}

#[derive(Default)]
struct OpStats {
    rounds: u32,
    killed: u32,
    /// Killed, yet the operation's effect is there.
    landed_anyway: u32,
    after_exit: u32,
    refused: u32,
    longest: Duration,
}

struct Crash {
    dir: WorkDir,
    seed: u64,
    rounds: u32,
    round: u32,
    /// Picks the operations and the delays: the plan a seed stands for.
    plan: Rng,
    /// Picks the data and the rest, which may depend on what earlier kills
    /// did (and so on timing): kept apart so as not to change the plan.
    rng: Rng,
    acked: Vec<Acked>,
    stats: BTreeMap<Op, OpStats>,
    lock_max: Duration,
}

fn fnv(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

fn env_u64(name: &str) -> Option<u64> {
    let value = std::env::var(name).ok()?;
    let value = value.trim();
    let parsed = match value.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(&hex.replace('_', ""), 16),
        None => value.replace('_', "").parse(),
    };
    Some(parsed.unwrap_or_else(|e| panic!("{name}={value:?}: {e}")))
}

impl Crash {
    fn new(seed: u64, rounds: u32) -> Crash {
        let dir = TestEnv::new().repo();
        let mut crash = Crash {
            dir,
            seed,
            rounds,
            round: 0,
            plan: Rng::new(seed),
            rng: Rng::new(seed.rotate_left(32) ^ 0x00da_7a00_da7a_00da),
            acked: Vec::new(),
            stats: Op::ALL.iter().map(|op| (*op, OpStats::default())).collect(),
            lock_max: Duration::ZERO,
        };
        crash.ok(&[
            "sql",
            "-q",
            "CREATE TABLE t (id integer PRIMARY KEY, v text, n integer)",
        ]);
        let mut csv = String::from("id,v,n\n");
        for id in 1..=ROWS {
            writeln!(csv, "{id},start-{id},{}", id * 7).unwrap();
        }
        crash.dir.write_file("start.csv", csv);
        crash.ok(&["table", "import", "t", "start.csv", "--update", "-q"]);
        let out = crash.ok(&["commit", "-am", "start"]);
        crash.record("main", "start", &out);
        crash
    }

    // ------------------------------------------------------------ helpers

    #[track_caller]
    fn fail(&self, msg: &str) -> ! {
        panic!(
            "crash test failed in round {} of {} (ARBOR_CRASH_SEED={:#x} ARBOR_CRASH_ROUNDS={}): {msg}",
            self.round, self.rounds, self.seed, self.rounds
        )
    }

    /// Runs `arbor args...`, which must succeed; its standard output.
    #[track_caller]
    fn ok(&self, args: &[&str]) -> String {
        let run = self.dir.run(args);
        if !run.success() {
            self.fail(&format!("expected success: {run}"));
        }
        run.stdout
    }

    /// A query's result as CSV.
    #[track_caller]
    fn csv(&self, q: &str) -> String {
        self.ok(&["sql", "--format", "csv", "-q", q])
    }

    /// A query's single number.
    #[track_caller]
    fn number(&self, q: &str) -> u64 {
        let out = self.csv(q);
        let value = out.lines().nth(1).unwrap_or_default();
        value
            .parse()
            .unwrap_or_else(|_| self.fail(&format!("{q}: not a number: {out:?}")))
    }

    /// `t` exported as CSV: of the working set, or as of a revision.
    #[track_caller]
    fn export(&self, rev: Option<&str>) -> String {
        match rev {
            None => self.ok(&["table", "export", "t", "--format", "csv"]),
            Some(rev) => self.ok(&["table", "export", "t", "--format", "csv", "--as-of", rev]),
        }
    }

    /// The columns of `t` in the working set.
    #[track_caller]
    fn columns(&self) -> Vec<String> {
        let out = self.csv("SELECT * FROM t LIMIT 0");
        out.lines()
            .next()
            .unwrap_or_default()
            .split(',')
            .map(str::to_owned)
            .collect()
    }

    /// The current branch's head: its hash and parents (`arbor log -n 1`).
    #[track_caller]
    fn head(&self) -> (String, Vec<String>) {
        let out = self.ok(&["log", "-n", "1"]);
        let mut lines = out.lines();
        let hash = lines
            .next()
            .and_then(|l| l.strip_prefix("commit "))
            .unwrap_or_else(|| self.fail(&format!("unexpected `arbor log`: {out:?}")))
            .to_owned();
        let parents = lines
            .next()
            .and_then(|l| l.strip_prefix("Merge: "))
            .map(|p| p.split(' ').map(str::to_owned).collect())
            .unwrap_or_default();
        (hash, parents)
    }

    /// Every commit in a branch's history.
    #[track_caller]
    fn history(&self, branch: &str) -> BTreeSet<String> {
        self.ok(&["log", branch])
            .lines()
            .filter_map(|l| l.strip_prefix("commit "))
            .map(str::to_owned)
            .collect()
    }

    #[track_caller]
    fn clean(&self) -> bool {
        self.ok(&["status"])
            .contains("nothing to commit, working tree clean")
    }

    /// Records the commit a command just acknowledged (on `branch`, the
    /// current one), whose output `out` names it by its short hash.
    #[track_caller]
    fn record(&mut self, branch: &str, what: &str, out: &str) -> String {
        let (hash, _) = self.head();
        // `[main 1234abcd] msg` from commit, `...: 1234abcd` from merge.
        let short = if let Some(rest) = out.strip_prefix('[') {
            rest.split([' ', ']']).nth(1).unwrap_or_default()
        } else {
            out.split_whitespace().last().unwrap_or_default()
        };
        if short.len() < 7 || !hash.starts_with(short) {
            self.fail(&format!(
                "{what}: the acknowledged commit {short:?} (from {out:?}) is not HEAD {hash}"
            ));
        }
        let export = self.export(Some(&hash));
        let rows = self.number(&format!("SELECT count(*) FROM t AS OF '{hash}'"));
        let exported = export.lines().count() as u64 - 1;
        if rows != exported {
            self.fail(&format!(
                "{what}: commit {hash} has {rows} rows in SQL, {exported} exported"
            ));
        }
        self.acked.push(Acked {
            hash: hash.clone(),
            branch: branch.to_owned(),
            round: self.round,
            what: what.to_owned(),
            rows,
            export: fnv(export.as_bytes()),
        });
        hash
    }

    /// Runs `steps` one after the other (each must succeed for the next to
    /// run) and kills the one running when `delay` (from the first's start)
    /// runs out.
    fn run_killable(&self, steps: &[Vec<String>], delay: Duration) -> Outcome {
        let start = Instant::now();
        let deadline = start + delay;
        let mut ran = Vec::new();
        for args in steps {
            let args_ref: Vec<&str> = args.iter().map(String::as_str).collect();
            let began = Instant::now();
            let mut child = self
                .dir
                .command(&args_ref)
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            loop {
                if child.try_wait().unwrap().is_some() {
                    break;
                }
                let now = Instant::now();
                if now >= deadline {
                    // It may end by itself just before; its status tells.
                    let _ = child.kill();
                    break;
                }
                std::thread::sleep((deadline - now).min(Duration::from_millis(1)));
            }
            let out = child.wait_with_output().unwrap();
            let step = Step {
                args: args.clone(),
                status: out.status,
                stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
                stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
                elapsed: began.elapsed(),
            };
            let go_on = step.status.success();
            ran.push(step);
            if !go_on {
                break;
            }
        }
        Outcome { steps: ran }
    }

    /// A step that ended by itself with an error is a failure unless it is
    /// `commit`'s "nothing to commit".
    #[track_caller]
    fn check_failures(&self, outcome: &Outcome) -> bool {
        let mut refused = false;
        for step in &outcome.steps {
            if step.killed() || step.status.success() {
                continue;
            }
            if step.args[0] == "commit"
                && step.status.code() == Some(1)
                && step.stderr.contains("nothing to commit")
            {
                refused = true;
                continue;
            }
            if step.status.signal().is_some() || step.stderr.contains("panicked") {
                self.fail(&format!(
                    "a command crashed by itself:\n{}",
                    outcome.shown()
                ));
            }
            self.fail(&format!("a command failed:\n{}", outcome.shown()));
        }
        refused
    }

    // ------------------------------------------------------------ rounds

    fn run(&mut self) {
        let started = Instant::now();
        for round in 1..=self.rounds {
            self.round = round;
            let op = Op::ALL[self.plan.below(Op::ALL.len() as u64) as usize];
            let delay = Duration::from_millis(self.plan.below(op.window_ms() + 1));
            let (outcome, landed) = match op {
                Op::Import => self.import(delay),
                Op::Commit => self.commit(delay),
                Op::Merge => self.merge(delay),
                Op::Alter => self.alter(delay),
                Op::UpdateCommit => self.update_commit(delay),
                Op::Gc => self.gc(delay),
            };
            let killed = outcome.killed();
            let refused = self.check_failures(&outcome);
            let stats = self.stats.get_mut(&op).unwrap();
            stats.rounds += 1;
            if killed {
                stats.killed += 1;
                stats.landed_anyway += u32::from(landed);
            } else {
                stats.after_exit += 1;
            }
            stats.refused += u32::from(refused);
            let took: Duration = outcome.steps.iter().map(|s| s.elapsed).sum();
            stats.longest = stats.longest.max(took);
            let ended = match outcome.steps.last() {
                Some(step) if killed => format!("killed in `arbor {}`", step.args[0]),
                _ => "exited".to_owned(),
            };
            let landed = if killed && landed {
                ", its effect landed"
            } else {
                ""
            };
            println!(
                "round {round}: {} after {delay:?}: {ended} ({took:?}{landed})",
                op.name()
            );
            self.after_every_round();
            let full = round % 10 == 0 || round == self.rounds;
            self.check_acknowledged(full);
        }
        self.print_summary(started.elapsed());
    }

    /// A CSV upsert of a few thousand rows, all tagged with the round: a
    /// kill leaves none of them or all.
    fn import(&mut self, delay: Duration) -> (Outcome, bool) {
        let rows = 2000 + self.rng.below(2001);
        let first = 1 + self.rng.below(ROWS);
        let tag = format!("i{}", self.round);
        let mut csv = String::from("id,v,n\n");
        for id in first..first + rows {
            writeln!(csv, "{id},{tag}-{id},{}", self.rng.below(1_000_000)).unwrap();
        }
        self.dir.write_file("import.csv", csv);
        let steps = [args(&[
            "table",
            "import",
            "t",
            "import.csv",
            "--update",
            "-q",
        ])];
        let outcome = self.run_killable(&steps, delay);
        let found = self.number(&format!("SELECT count(*) FROM t WHERE v LIKE '{tag}-%'"));
        if outcome.succeeded(0) && found != rows {
            self.fail(&format!(
                "an acknowledged import of {rows} rows left {found}:\n{}",
                outcome.shown()
            ));
        }
        if found != 0 && found != rows {
            self.fail(&format!(
                "a killed import of {rows} rows left {found} of them:\n{}",
                outcome.shown()
            ));
        }
        (outcome, found == rows)
    }

    /// `arbor commit -am` (of a change made first if there is none): what
    /// it commits is the working set, which it leaves as it was.
    fn commit(&mut self, delay: Duration) -> (Outcome, bool) {
        if self.clean() {
            let k = self.rng.below(11);
            let change = format!("UPDATE t SET n = n + 2 WHERE id % 11 = {k}");
            self.ok(&["sql", "-q", &change]);
        }
        let (before, _) = self.head();
        let working = self.export(None);
        let msg = format!("round {}", self.round);
        let outcome = self.run_killable(&[args(&["commit", "-am", &msg])], delay);
        let (after, parents) = self.head();
        if outcome.succeeded(0) {
            let stdout = outcome.steps[0].stdout.clone();
            self.record("main", &msg, &stdout);
        }
        if after != before {
            if !parents.is_empty() {
                self.fail(&format!("a commit made a merge commit {after}"));
            }
            if self.export(Some(&after)) != working {
                self.fail(&format!(
                    "commit {after} does not hold the working set it committed:\n{}",
                    outcome.shown()
                ));
            }
        } else if outcome.succeeded(0) {
            self.fail(&format!(
                "an acknowledged commit did not move HEAD:\n{}",
                outcome.shown()
            ));
        }
        if self.export(None) != working {
            self.fail(&format!(
                "a commit changed the working set:\n{}",
                outcome.shown()
            ));
        }
        (outcome, after != before)
    }

    /// Prepares branch `f<round>` (rows added, committed), a commit on
    /// `main` besides (so the merge is a real one), then `arbor merge`.
    fn merge(&mut self, delay: Duration) -> (Outcome, bool) {
        let round = self.round;
        let branch = format!("f{round}");
        let tag = format!("m{round}");
        if !self.clean() {
            let msg = format!("before merge {round}");
            let out = self.ok(&["commit", "-am", &msg]);
            self.record("main", &msg, &out);
        }
        self.ok(&["checkout", "-b", &branch]);
        let base = 1_000_000 + u64::from(round) * 1000;
        let values: Vec<String> = (0..BRANCH_ROWS)
            .map(|i| format!("({}, '{tag}', {i})", base + i))
            .collect();
        self.ok(&[
            "sql",
            "-q",
            &format!("INSERT INTO t (id, v, n) VALUES {}", values.join(", ")),
        ]);
        let msg = format!("branch {branch}");
        let out = self.ok(&["commit", "-am", &msg]);
        let theirs = self.record(&branch, &msg, &out);
        self.ok(&["checkout", "main"]);
        let k = self.rng.below(17);
        self.ok(&[
            "sql",
            "-q",
            &format!("UPDATE t SET n = n - 1 WHERE id % 17 = {k}"),
        ]);
        let msg = format!("main before merge {round}");
        let out = self.ok(&["commit", "-am", &msg]);
        let ours = self.record("main", &msg, &out);

        let msg = format!("merge {branch}");
        let outcome = self.run_killable(&[args(&["merge", &branch, "-m", &msg])], delay);
        let (after, parents) = self.head();
        let found = self.number(&format!("SELECT count(*) FROM t WHERE v = '{tag}'"));
        if outcome.succeeded(0) {
            let stdout = outcome.steps[0].stdout.clone();
            self.record("main", &msg, &stdout);
        }
        let merged = after != ours;
        if merged {
            let short = |h: &str| h[..8].to_owned();
            if parents != [short(&ours), short(&theirs)] {
                self.fail(&format!(
                    "after merging {branch} HEAD is {after} with parents {parents:?}, not {ours} and {theirs}:\n{}",
                    outcome.shown()
                ));
            }
        } else if outcome.succeeded(0) {
            self.fail(&format!(
                "an acknowledged merge did not move HEAD:\n{}",
                outcome.shown()
            ));
        }
        let expected = if merged { BRANCH_ROWS } else { 0 };
        if found != expected {
            self.fail(&format!(
                "after a merge that {} the working set has {found} of the branch's {BRANCH_ROWS} rows:\n{}",
                if merged { "landed" } else { "did not land" },
                outcome.shown()
            ));
        }
        (outcome, merged)
    }

    /// Adds a column `x<round>` (with a default) or drops an added one.
    fn alter(&mut self, delay: Duration) -> (Outcome, bool) {
        let before = self.columns();
        let extra: Vec<&String> = before
            .iter()
            .filter(|c| !BASE_COLUMNS.contains(&c.as_str()))
            .collect();
        let mut after = before.clone();
        let stmt = if extra.is_empty() || (extra.len() < 2 && self.rng.chance(1, 2)) {
            let name = format!("x{}", self.round);
            after.push(name.clone());
            format!(
                "ALTER TABLE t ADD COLUMN {name} integer DEFAULT {}",
                self.round
            )
        } else {
            let name = extra[self.rng.below(extra.len() as u64) as usize].clone();
            after.retain(|c| *c != name);
            format!("ALTER TABLE t DROP COLUMN {name}")
        };
        let outcome = self.run_killable(&[args(&["sql", "-q", &stmt])], delay);
        let now = self.columns();
        if outcome.succeeded(0) && now != after {
            self.fail(&format!(
                "after an acknowledged `{stmt}` the columns are {now:?}"
            ));
        }
        if now != before && now != after {
            self.fail(&format!(
                "after a killed `{stmt}` the columns are {now:?}, neither {before:?} nor {after:?}"
            ));
        }
        (outcome, now == after)
    }

    /// An `UPDATE` of every 13th row, then `arbor commit -am`.
    fn update_commit(&mut self, delay: Duration) -> (Outcome, bool) {
        let k = self.rng.below(13);
        let tag = format!("u{}", self.round);
        let (before, _) = self.head();
        let rows = self.number(&format!("SELECT count(*) FROM t WHERE id % 13 = {k}"));
        let msg = format!("update round {}", self.round);
        let steps = [
            args(&[
                "sql",
                "-q",
                &format!("UPDATE t SET v = '{tag}', n = n + 1 WHERE id % 13 = {k}"),
            ]),
            args(&["commit", "-am", &msg]),
        ];
        let outcome = self.run_killable(&steps, delay);
        let found = self.number(&format!("SELECT count(*) FROM t WHERE v = '{tag}'"));
        if found != 0 && found != rows {
            self.fail(&format!(
                "an UPDATE of {rows} rows changed {found}:\n{}",
                outcome.shown()
            ));
        }
        if outcome.succeeded(0) && found != rows {
            self.fail(&format!(
                "an acknowledged UPDATE of {rows} rows left {found}:\n{}",
                outcome.shown()
            ));
        }
        let (after, _) = self.head();
        if outcome.succeeded(1) {
            let stdout = outcome.steps[1].stdout.clone();
            self.record("main", &msg, &stdout);
        }
        if after != before {
            let committed = self.number(&format!(
                "SELECT count(*) FROM t AS OF '{after}' WHERE v = '{tag}'"
            ));
            if committed != found {
                self.fail(&format!(
                    "commit {after} holds {committed} updated rows, the working set {found}:\n{}",
                    outcome.shown()
                ));
            }
        } else if outcome.succeeded(1) {
            self.fail(&format!(
                "an acknowledged commit did not move HEAD:\n{}",
                outcome.shown()
            ));
        }
        (outcome, after != before)
    }

    /// `arbor gc`, which changes no data.
    fn gc(&mut self, delay: Duration) -> (Outcome, bool) {
        let (before, _) = self.head();
        let working = self.export(None);
        let outcome = self.run_killable(&[args(&["gc"])], delay);
        let (after, _) = self.head();
        if after != before {
            self.fail(&format!("gc moved HEAD from {before} to {after}"));
        }
        if self.export(None) != working {
            self.fail(&format!("gc changed the working set:\n{}", outcome.shown()));
        }
        // Whether it finished cannot be told from the data.
        (outcome, false)
    }

    // ------------------------------------------------------------ checks

    /// The lock, fsck and status after every round.
    fn after_every_round(&mut self) {
        // `arbor sql` opens the store for writing, so it takes the lock. It
        // is killed if it hangs, so that a wedged lock fails the test.
        let probe = [args(&[
            "sql",
            "--format",
            "csv",
            "-q",
            "SELECT count(*) FROM t",
        ])];
        let outcome = self.run_killable(&probe, LOCK_LIMIT * 3);
        let waited = outcome.steps[0].elapsed;
        if !outcome.succeeded(0) {
            self.fail(&format!(
                "a writer could not start after the kill:\n{}",
                outcome.shown()
            ));
        }
        if waited > LOCK_LIMIT {
            self.fail(&format!(
                "a writer took {waited:?} to start after the kill:\n{}",
                outcome.shown()
            ));
        }
        self.lock_max = self.lock_max.max(waited);

        let run = self.dir.run(&["fsck"]);
        if !run.success() || !run.stdout.contains("no problems") || !run.stderr.is_empty() {
            self.fail(&format!("fsck after the kill: {run}"));
        }

        let status = self.ok(&["status"]);
        if !status.starts_with("On branch main\n") || status.contains("merg") {
            self.fail(&format!("unexpected status after the kill:\n{status}"));
        }
    }

    /// Every acknowledged commit is in its branch's history with the
    /// contents recorded. Being in the history means its hash is, and so
    /// (fsck having checked every reachable chunk against its address) all
    /// it holds; its export is compared again for a few commits each round
    /// (the newest and three in turn) and for all of them with `full`.
    fn check_acknowledged(&self, full: bool) {
        let main = self.history("main");
        let mut others: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
        for a in &self.acked {
            // A prepared branch's commits are in main's history once merged.
            if main.contains(&a.hash) {
                continue;
            }
            let history = match a.branch.as_str() {
                "main" => &main,
                branch => others.entry(branch).or_insert_with(|| self.history(branch)),
            };
            if !history.contains(&a.hash) {
                self.fail(&format!(
                    "acknowledged commit {} ({:?}, round {}) is missing from the history of {}",
                    a.hash, a.what, a.round, a.branch
                ));
            }
        }
        let n = self.acked.len();
        let turn = self.round as usize * 3;
        let sample: BTreeSet<usize> = if full {
            (0..n).collect()
        } else {
            [n - 1, turn % n, (turn + 1) % n, (turn + 2) % n].into()
        };
        for i in sample {
            let a = &self.acked[i];
            let export = self.export(Some(&a.hash));
            if fnv(export.as_bytes()) != a.export {
                let rows = export.lines().count().saturating_sub(1);
                self.fail(&format!(
                    "acknowledged commit {} ({:?}, round {}) had {} rows, now exports {rows} \
                     rows that differ:\n{}",
                    a.hash,
                    a.what,
                    a.round,
                    a.rows,
                    export.lines().take(5).collect::<Vec<_>>().join("\n")
                ));
            }
        }
    }

    fn print_summary(&self, took: Duration) {
        let killed: u32 = self.stats.values().map(|s| s.killed).sum();
        let after: u32 = self.stats.values().map(|s| s.after_exit).sum();
        println!(
            "crash test: seed {:#x}, {} rounds in {took:.1?}: {killed} kills mid-operation, \
             {after} after the operation exited; {} acknowledged commits checked; \
             a writer took the lock after a kill in at most {:?} (Arbor waits up to 10 s)",
            self.seed,
            self.rounds,
            self.acked.len(),
            self.lock_max
        );
        for (op, s) in &self.stats {
            println!(
                "  {:<14} {:>3} rounds: {:>3} killed mid-operation ({} landed anyway), \
                 {:>3} after exit ({} refused: nothing to commit), longest {:?}",
                op.name(),
                s.rounds,
                s.killed,
                s.landed_anyway,
                s.after_exit,
                s.refused,
                s.longest
            );
        }
    }
}

fn args(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn kill_9_at_random_moments_loses_no_acknowledged_commit() {
    let seed = env_u64("ARBOR_CRASH_SEED").unwrap_or(DEFAULT_SEED);
    let rounds =
        env_u64("ARBOR_CRASH_ROUNDS").map_or(DEFAULT_ROUNDS, |r| u32::try_from(r).unwrap());
    println!("crash test: seed {seed:#x}, {rounds} rounds");
    let mut crash = Crash::new(seed, rounds);
    crash.run();
}
