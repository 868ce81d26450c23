//! Snapshot tests of every version-control command and its main flags, as
//! a terminal session: each test runs a scripted session and compares its
//! transcript (`$ arbor ...`, what it printed, and a non-zero exit code)
//! with the snapshot in `tests/snapshots/`.
//!
//! The runs are hermetic (`common::TestEnv`): a fixed author and commit
//! date and no outside configuration (Arbor's or Git's) reach the binary,
//! so hashes never move.
//! After an intended change of output, review and update the snapshots
//! with `INSTA_UPDATE=always cargo test -p arbor-cli --test snapshots`
//! (or `cargo insta review`).

#![allow(clippy::unwrap_used)]

use std::fmt::Write as _;

mod common;

use common::{TestEnv, WorkDir};

/// A scripted session in a fresh repository, and its transcript.
struct Session {
    repo: WorkDir,
    transcript: String,
}

impl Session {
    fn new() -> Session {
        let env = TestEnv::new().with_var("NO_COLOR", "1");
        let mut s = Session {
            repo: env.work_dir().mkdir("repo"),
            transcript: String::new(),
        };
        s.run(&["init"]);
        s
    }

    /// Runs `arbor args...` and adds it, its output and a failing exit code
    /// to the transcript.
    fn run(&mut self, args: &[&str]) {
        let out = self.repo.run(args);
        let shown: Vec<String> = args
            .iter()
            .map(|a| {
                if a.is_empty() || a.contains([' ', '\'', '"', '\n', '*', '(']) {
                    format!("'{}'", a.replace('\'', "'\\''"))
                } else {
                    (*a).to_owned()
                }
            })
            .collect();
        writeln!(self.transcript, "$ arbor {}", shown.join(" ")).unwrap();
        // The repository's folder changes from run to run.
        let path = self.repo.path();
        let folder = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        let folder = folder.display().to_string();
        for text in [&out.stdout, &out.stderr] {
            let text = text.replace(&folder, "<repo>");
            self.transcript.push_str(&text);
        }
        if !out.status.success() {
            writeln!(
                self.transcript,
                "[exit {}]",
                out.status.code().unwrap_or(-1)
            )
            .unwrap();
        }
        self.transcript.push('\n');
    }

    fn sql(&mut self, q: &str) {
        self.run(&["sql", "-q", q]);
    }
}

#[test]
fn status_add_commit_log_show() {
    let mut s = Session::new();
    s.run(&["status"]);
    s.run(&["commit", "-m", "nothing yet"]);
    s.sql("CREATE TABLE fruit (id integer PRIMARY KEY, name text, price integer); INSERT INTO fruit VALUES (1, 'apple', 100), (2, 'pear', 75)");
    s.run(&["status"]);
    s.run(&["add", "fruit"]);
    s.run(&["status"]);
    s.run(&["commit", "-m", "fruit"]);
    s.sql("UPDATE fruit SET price = 90 WHERE id = 1");
    s.run(&[
        "commit",
        "-a",
        "-m",
        "cheaper apples",
        "--author",
        "Bo Chen <bo@example.com>",
    ]);
    s.run(&[
        "commit",
        "--allow-empty",
        "-m",
        "empty",
        "--date",
        "2024-01-31T12:00:00+01:00",
    ]);
    s.run(&["commit", "--amend", "-m", "empty, reworded"]);
    s.run(&["log"]);
    s.run(&["log", "--oneline", "-n", "2"]);
    s.run(&["log", "--oneline", "HEAD~2..HEAD"]);
    s.run(&["log", "--oneline", "--", "fruit"]);
    s.run(&["show", "HEAD~1"]);
    s.run(&["add", "nosuch"]);
    s.run(&["log", "nosuch"]);
    insta::assert_snapshot!(s.transcript);
}

#[test]
fn branches_checkout_and_diff() {
    let mut s = Session::new();
    s.sql("CREATE TABLE t (id integer PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'one'), (2, 'two')");
    s.run(&["commit", "-Am", "t"]);
    s.run(&["branch", "dev"]);
    s.run(&["branch", "-c", "dev", "copy"]);
    s.run(&["branch", "-m", "copy", "renamed"]);
    s.run(&["branch", "-v"]);
    s.run(&["checkout", "dev"]);
    s.sql("UPDATE t SET v = 'uno' WHERE id = 1; INSERT INTO t VALUES (3, 'three')");
    s.run(&["diff"]);
    s.run(&["diff", "--stat"]);
    s.run(&["checkout", "main"]);
    s.run(&["status"]);
    s.run(&["commit", "-am", "carried"]);
    s.run(&["switch", "-c", "other"]);
    s.sql("UPDATE t SET v = 'dos' WHERE id = 2");
    s.run(&["checkout", "dev"]);
    s.run(&["diff", "main", "other", "--summary"]);
    s.run(&["diff", "main...other", "--format", "jsonl"]);
    s.run(&["branch", "-d", "renamed"]);
    s.run(&["branch", "-d", "nosuch"]);
    s.run(&["checkout", "nosuch"]);
    s.run(&["diff", "--exit-code", "main", "main"]);
    insta::assert_snapshot!(s.transcript);
}

#[test]
fn merges_conflicts_and_their_resolution() {
    let mut s = Session::new();
    s.sql("CREATE TABLE t (id integer PRIMARY KEY, a text, b text); INSERT INTO t VALUES (1, 'a', 'b'), (2, 'a', 'b')");
    s.run(&["commit", "-Am", "t"]);
    s.run(&["branch", "feature"]);
    s.sql("UPDATE t SET a = 'main' WHERE id = 1");
    s.run(&["commit", "-am", "main edits a"]);
    s.run(&["checkout", "feature"]);
    s.sql("UPDATE t SET b = 'feature' WHERE id = 1; UPDATE t SET a = 'feature' WHERE id = 2");
    s.run(&["commit", "-am", "feature edits b, and a of row 2"]);
    s.run(&["checkout", "main"]);
    s.run(&["merge", "feature", "-m", "cell-level merge"]);
    s.sql("SELECT * FROM t ORDER BY id");
    s.run(&["checkout", "-b", "left", "HEAD~1"]);
    s.sql("UPDATE t SET b = 'left' WHERE id = 2");
    s.run(&["commit", "-am", "left"]);
    s.run(&["checkout", "main"]);
    s.sql("UPDATE t SET b = 'right' WHERE id = 2");
    s.run(&["commit", "-am", "right"]);
    s.run(&["merge", "left"]);
    s.run(&["status"]);
    s.run(&["conflicts", "cat"]);
    s.run(&["commit", "-am", "too early"]);
    s.run(&["merge", "--abort"]);
    s.run(&["merge", "left"]);
    s.run(&["conflicts", "resolve", "--theirs", "t"]);
    s.run(&["commit", "-am", "merged left"]);
    s.run(&["log", "--oneline", "--graph"]);
    s.run(&["merge", "left"]);
    insta::assert_snapshot!(s.transcript);
}

#[test]
fn reset_tag_cherry_pick_revert_blame_stash_gc_fsck_config() {
    let mut s = Session::new();
    s.sql("CREATE TABLE t (id integer PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'one')");
    s.run(&["commit", "-Am", "t"]);
    s.run(&["tag", "v1"]);
    s.run(&["tag", "-m", "annotated", "v1a"]);
    s.run(&["tag", "-n"]);
    s.run(&["tag", "v1"]);
    s.sql("INSERT INTO t VALUES (2, 'two')");
    s.run(&["commit", "-am", "two"]);
    s.run(&["blame", "t"]);
    s.run(&["reset", "--soft", "HEAD~1"]);
    s.run(&["status"]);
    s.run(&["reset", "t"]);
    s.run(&["status"]);
    s.run(&["reset", "--hard", "v1"]);
    s.sql("SELECT * FROM t");
    s.run(&["branch", "pick"]);
    s.run(&["checkout", "pick"]);
    s.sql("INSERT INTO t VALUES (3, 'three')");
    s.run(&["commit", "-am", "three"]);
    s.run(&["checkout", "main"]);
    s.run(&["cherry-pick", "pick"]);
    s.run(&["revert", "HEAD"]);
    s.sql("SELECT * FROM t");
    s.sql("UPDATE t SET v = 'changed' WHERE id = 1");
    s.run(&["stash"]);
    s.run(&["stash", "list"]);
    s.run(&["status"]);
    s.run(&["stash", "pop"]);
    s.run(&["stash", "drop"]);
    s.run(&["tag", "-d", "v1"]);
    s.run(&["gc"]);
    s.run(&["fsck"]);
    s.run(&["config", "user.name"]);
    s.run(&["config", "user.name", "Cy"]);
    s.run(&["config", "--list"]);
    s.run(&["config", "nonsense"]);
    insta::assert_snapshot!(s.transcript);
}

/// Sequences that stop at a conflict: `cherry-pick` of several commits,
/// `--continue`, `--skip`, `--abort`, `revert` of two, `rebase` onto
/// another branch, and `rebase -i` with a plan edited by a scripted editor
/// (squash, drop, reword); `status` while one is stopped; what they refuse.
#[test]
fn cherry_pick_revert_and_rebase_sequences() {
    let mut s = Session::new();
    s.sql(
        "CREATE TABLE t (id integer PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'a'), (2, 'b')",
    );
    s.run(&["commit", "-Am", "t"]);
    s.run(&["branch", "dev"]);
    s.run(&["checkout", "dev"]);
    s.sql("INSERT INTO t VALUES (3, 'c')");
    s.run(&["commit", "-am", "three"]);
    s.sql("UPDATE t SET v = 'dev' WHERE id = 1");
    s.run(&["commit", "-am", "one on dev"]);
    s.sql("INSERT INTO t VALUES (4, 'd')");
    s.run(&["commit", "-am", "four"]);
    s.run(&["checkout", "main"]);
    s.sql("UPDATE t SET v = 'main' WHERE id = 1");
    s.run(&["commit", "-am", "one on main"]);
    s.run(&["cherry-pick", "--continue"]);
    s.run(&["cherry-pick", "dev~2", "dev~1", "dev"]);
    s.run(&["status"]);
    s.run(&["merge", "dev"]);
    s.run(&["cherry-pick", "--continue"]);
    s.run(&["cherry-pick", "--abort"]);
    s.run(&["log", "--oneline"]);
    s.run(&["cherry-pick", "dev~2", "dev~1", "dev"]);
    s.run(&["cherry-pick", "--skip"]);
    s.sql("SELECT * FROM t ORDER BY id");
    s.run(&["cherry-pick", "dev~1"]);
    s.run(&["conflicts", "resolve", "--theirs", "t"]);
    s.run(&["cherry-pick", "--continue"]);
    s.run(&["cherry-pick", "--author", "X <x@example.com>", "dev"]);
    s.run(&["revert", "HEAD~1", "HEAD~3"]);
    s.run(&["conflicts", "resolve", "--ours", "t"]);
    s.run(&["revert", "--continue"]);
    s.run(&["log", "--oneline", "-4"]);
    s.run(&["checkout", "dev"]);
    s.run(&["rebase", "main"]);
    s.run(&["rebase", "--abort"]);
    s.run(&["rebase"]);
    s.run(&["rebase", "main~3"]);
    s.run(&["conflicts", "resolve", "--theirs", "t"]);
    s.run(&["rebase", "--continue"]);
    s.run(&["log", "--oneline"]);
    // An interactive rebase: the second line squashed, the third dropped.
    s.repo = s.repo.with_env(|e| {
        e.with_var(
            "GIT_SEQUENCE_EDITOR",
            "sed -i -e '2s/^pick/squash/' -e '3d'",
        )
        .with_var("GIT_EDITOR", "true")
    });
    s.run(&["rebase", "-i", "HEAD~3"]);
    s.run(&["log", "--oneline", "-3"]);
    s.sql("SELECT * FROM t ORDER BY id");
    s.repo = s
        .repo
        .with_env(|e| e.with_var("GIT_SEQUENCE_EDITOR", "sed -i -e '1s/^pick/bogus/'"));
    s.run(&["rebase", "-i", "HEAD~1"]);
    s.repo = s
        .repo
        .with_env(|e| e.with_var("GIT_SEQUENCE_EDITOR", "sed -i -e '1s/^pick/fixup/'"));
    s.run(&["rebase", "-i", "HEAD~1"]);
    insta::assert_snapshot!(s.transcript);
}

/// Data tests: rows of `arbor_tests` run by `arbor test` (text, JSON,
/// JUnit XML, a group, a revision), exit 1 when one fails, and what it
/// refuses.
#[test]
fn data_tests_for_ci() {
    let mut s = Session::new();
    s.sql("CREATE TABLE fruit (id integer PRIMARY KEY, price integer); INSERT INTO fruit VALUES (1, 5), (2, 7)");
    s.run(&["test"]);
    s.sql(
        "INSERT INTO arbor_tests VALUES \
         ('no_free_fruit', 'prices', 'SELECT * FROM fruit WHERE price <= 0', 'expected_rows', '==', '0'), \
         ('two_fruit', NULL, 'SELECT count(*) FROM fruit', 'expected_single_value', '==', '2')",
    );
    s.run(&["commit", "-Am", "fruit and its tests"]);
    s.run(&["test"]);
    s.sql("UPDATE fruit SET price = 0 WHERE id = 1; INSERT INTO fruit VALUES (3, 9)");
    s.run(&["test"]);
    s.run(&["test", "--group", "prices", "--format", "junit"]);
    s.run(&["test", "two_fruit", "--format", "json"]);
    s.run(&["test", "--revision", "HEAD"]);
    s.run(&["test", "nosuch"]);
    s.run(&["test", "--revision", "nosuch"]);
    s.sql("SELECT test_name, status, message FROM arbor_test_run('*')");
    insta::assert_snapshot!(s.transcript);
}

/// A bare repository and a push that makes its remote; the reflog, and a
/// deleted branch brought back from it; a cherry-pick of a change already
/// here, refused and then kept with --allow-empty; `AS OF TIMESTAMP`.
#[test]
fn bare_remotes_reflog_and_empty_picks() {
    let mut s = Session::new();
    s.sql("CREATE TABLE t (id integer PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'a')");
    s.run(&["commit", "-Am", "t"]);
    s.run(&["init", "--bare", "../bare"]);
    s.run(&["init", "--bare", "-b", "x", "../bare2"]);
    s.run(&["-C", "../bare", "status"]);
    s.run(&["remote", "add", "origin", "../bare"]);
    s.run(&["push", "-u", "origin", "main"]);
    s.run(&["remote", "add", "fresh", "../fresh"]);
    s.run(&["push", "fresh", "main"]);
    s.run(&["-C", "../fresh", "log", "--oneline"]);
    s.run(&["branch", "side"]);
    s.run(&["checkout", "side"]);
    s.sql("UPDATE t SET v = 'b'");
    s.run(&["commit", "-am", "b"]);
    s.run(&["checkout", "main"]);
    s.sql("UPDATE t SET v = 'b'");
    s.run(&["commit", "-am", "b too"]);
    s.run(&["cherry-pick", "side"]);
    s.run(&["cherry-pick", "--allow-empty", "side"]);
    s.run(&["branch", "-D", "side"]);
    s.run(&["reset", "--hard", "HEAD~2"]);
    s.run(&["reflog"]);
    s.run(&["reflog", "side"]);
    s.run(&["reflog", "-n", "1"]);
    s.run(&["reflog", "nosuch"]);
    s.run(&["branch", "side", "4550b579"]);
    // A stash brought back over a change to another table; a new table
    // staged before comes back staged.
    s.sql("CREATE TABLE u (id integer PRIMARY KEY); INSERT INTO u VALUES (1)");
    s.run(&["add", "u"]);
    s.sql("UPDATE t SET v = 'c'");
    s.run(&["stash"]);
    s.sql("CREATE TABLE w (id integer PRIMARY KEY)");
    s.run(&["stash", "pop"]);
    s.run(&["status"]);
    s.sql("SELECT branch, message FROM arbor_reflog");
    s.sql("SELECT count(*) FROM arbor_commits");
    s.sql("SELECT v FROM t AS OF TIMESTAMP '2000-01-01'");
    s.sql("SELECT v FROM t AS OF TIMESTAMP '2100-01-01'");
    insta::assert_snapshot!(s.transcript);
}

/// Discarding changes to tables: `restore` (the working table, `--staged`,
/// both, `--source`), `checkout -- <table>`, `checkout <rev> -- <table>`,
/// `checkout .`, and what they refuse.
#[test]
fn restore_and_checkout_of_tables() {
    let mut s = Session::new();
    s.sql("CREATE TABLE t (id integer PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'one')");
    s.sql("CREATE TABLE u (id integer PRIMARY KEY)");
    s.run(&["commit", "-Am", "t and u"]);
    s.sql("UPDATE t SET v = 'uno'; INSERT INTO u VALUES (1); CREATE TABLE n (id integer)");
    s.run(&["status"]);
    s.run(&["checkout", "--", "t"]);
    s.run(&["add", "u"]);
    s.run(&["restore", "--staged", "u"]);
    s.run(&["status"]);
    s.run(&["restore", "u"]);
    s.run(&["status"]);
    s.run(&["restore", "n"]);
    s.run(&["restore", "nosuch"]);
    s.run(&["restore"]);
    s.run(&["switch", "--", "t"]);
    s.run(&["checkout", "-b", "x", "--", "t"]);
    s.sql("UPDATE t SET v = 'two'");
    s.run(&["commit", "-am", "two"]);
    s.run(&["checkout", "HEAD~1", "--", "t"]);
    s.run(&["status"]);
    s.run(&["restore", "--source", "HEAD", "--staged", "--worktree", "t"]);
    s.sql("DELETE FROM t; DELETE FROM u");
    s.run(&["checkout", "."]);
    s.run(&["status"]);
    s.sql("SELECT * FROM t");
    insta::assert_snapshot!(s.transcript);
}

/// Reading history: `log -<n>`, `--merges`, `--no-merges`, `--all`,
/// `A..B`, `A...B`, `--stat`, `-p`; `show --stat`; `branch --show-current`.
#[test]
fn log_show_and_branch_options() {
    let mut s = Session::new();
    s.sql("CREATE TABLE t (id integer PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'one')");
    s.run(&["commit", "-Am", "t"]);
    s.run(&["branch", "side"]);
    s.run(&["switch", "side"]);
    s.run(&["branch", "--show-current"]);
    s.sql("INSERT INTO t VALUES (2, 'two')");
    s.run(&["commit", "-am", "side: two"]);
    s.run(&["switch", "main"]);
    s.sql("UPDATE t SET v = 'uno'; CREATE TABLE u (id integer PRIMARY KEY)");
    s.run(&["commit", "-Am", "main: uno, u"]);
    s.run(&["merge", "side", "-m", "merge side"]);
    s.run(&["branch", "lost", "side"]);
    s.run(&["switch", "lost"]);
    s.sql("DELETE FROM t WHERE id = 2");
    s.run(&["commit", "-am", "lost: no two"]);
    s.run(&["switch", "main"]);
    s.run(&["log", "--oneline", "--no-decorate", "-2"]);
    s.run(&["log", "--oneline", "--no-decorate", "--merges"]);
    s.run(&["log", "--oneline", "--no-decorate", "--no-merges"]);
    s.run(&["log", "--oneline", "--no-decorate", "--all"]);
    s.run(&["log", "--oneline", "--no-decorate", "side..main"]);
    s.run(&["log", "--oneline", "--no-decorate", "lost...main"]);
    s.run(&["log", "--no-decorate", "--stat", "-1", "HEAD~1"]);
    s.run(&["log", "--no-decorate", "-p", "-1", "lost"]);
    s.run(&["show", "--stat", "HEAD~1"]);
    s.run(&["log", "--all", "main"]);
    s.run(&["log", "--merges", "--no-merges"]);
    s.run(&["branch", "--show-current", "-d", "side"]);
    insta::assert_snapshot!(s.transcript);
}

/// `diff --schema` (schema changes only), `--data` (rows only), and the
/// `WORKING` and `STAGED` sides (as `arbor_diff` takes them).
#[test]
fn diff_schema_data_working_and_staged() {
    let mut s = Session::new();
    s.sql("CREATE TABLE t (id integer PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'one')");
    s.sql("CREATE TABLE u (id integer PRIMARY KEY)");
    s.run(&["commit", "-Am", "t, u"]);
    s.sql("ALTER TABLE t ADD COLUMN w integer; UPDATE t SET v = 'uno'");
    s.sql("ALTER TABLE u ADD COLUMN x text; CREATE VIEW big AS SELECT * FROM t WHERE id > 1");
    s.run(&["add", "u"]);
    s.run(&["diff", "--schema", "HEAD", "WORKING"]);
    s.run(&["diff", "--data", "HEAD", "WORKING"]);
    s.run(&["diff", "--data", "--stat", "HEAD", "WORKING"]);
    s.run(&["diff", "--data", "--exit-code", "HEAD", "STAGED"]);
    s.run(&["diff", "--schema", "--stat"]);
    s.run(&["diff", "--stat", "STAGED", "working"]);
    insta::assert_snapshot!(s.transcript);
}

/// `checkout` of a branch only a remote has (a tracking branch is made),
/// `-B` (create or move), `-f` (discard changes to tracked tables).
#[test]
fn checkout_remote_branches_force_and_reset() {
    let mut s = Session::new();
    s.sql("CREATE TABLE t (id integer PRIMARY KEY)");
    s.run(&["commit", "-Am", "t"]);
    s.run(&["branch", "feature"]);
    let origin = s.repo.clone();
    s.repo = origin.dir("..");
    s.run(&["clone", "repo", "copy"]);
    s.repo = origin.dir("../copy");
    s.run(&["branch", "-a"]);
    s.run(&["checkout", "feature"]);
    s.run(&["status"]);
    s.run(&["checkout", "nosuch"]);
    s.sql("INSERT INTO t VALUES (1)");
    s.run(&["checkout", "-f", "main"]);
    s.run(&["checkout", "feature"]);
    s.sql("SELECT count(*) FROM t");
    s.run(&["checkout", "-B", "side"]);
    s.sql("INSERT INTO t VALUES (2)");
    s.run(&["commit", "-am", "two"]);
    s.run(&["checkout", "-B", "main", "side"]);
    s.sql("INSERT INTO t VALUES (3)");
    s.run(&["checkout", "-B", "main", "HEAD~1"]);
    s.run(&["checkout", "-f", "-B", "main", "HEAD~1"]);
    s.run(&["log", "--oneline", "--no-decorate"]);
    s.run(&["status"]);
    s.run(&["checkout", "-b", "x", "-B", "y"]);
    insta::assert_snapshot!(s.transcript);
}

/// `table cp` (schema, constraints, indexes and rows, named for the copy),
/// `table mv`, `table rm` (with `--cascade` for tables others refer to),
/// and what they refuse.
#[test]
fn table_copy_rename_and_remove() {
    let mut s = Session::new();
    s.sql(
        "CREATE TABLE t (id integer PRIMARY KEY, parent integer REFERENCES t (id), \
         v text CHECK (v <> ''), UNIQUE (v)); CREATE INDEX t_parent ON t (parent); \
         INSERT INTO t VALUES (1, NULL, 'one'), (2, 1, 'two')",
    );
    s.sql("CREATE TABLE child (id integer PRIMARY KEY, t_id integer REFERENCES t (id))");
    s.run(&["commit", "-Am", "t"]);
    s.run(&["table", "cp", "t", "t_copy"]);
    s.run(&["schema", "show", "t_copy"]);
    s.sql("SELECT * FROM t_copy ORDER BY id");
    s.sql("INSERT INTO t_copy VALUES (3, 9, 'x')");
    s.run(&["table", "cp", "t", "t_copy"]);
    s.run(&["table", "cp", "nosuch", "x"]);
    s.run(&["table", "mv", "t_copy", "t2"]);
    s.run(&["table", "mv", "t2", "t"]);
    s.run(&["status"]);
    s.run(&["table", "rm", "t"]);
    s.run(&["table", "rm", "t2", "nosuch"]);
    s.run(&["table", "rm", "--cascade", "t", "t2"]);
    s.run(&["ls"]);
    s.run(&["schema", "show", "child"]);
    // A committed table renamed shows as a rename once staged, in status
    // and in diff, and a commit records it so.
    s.run(&["commit", "-am", "only child"]);
    s.sql("CREATE TABLE kept (id integer PRIMARY KEY); INSERT INTO kept VALUES (1), (2)");
    s.run(&["commit", "-Am", "kept"]);
    s.run(&["table", "mv", "kept", "renamed"]);
    s.run(&["add", "-A"]);
    s.run(&["status"]);
    s.run(&["diff", "--staged"]);
    s.run(&["diff", "--staged", "--summary"]);
    s.run(&["commit", "-m", "renamed"]);
    s.run(&["show", "--stat"]);
    s.run(&["diff", "HEAD~1", "HEAD", "--format", "sql"]);
    insta::assert_snapshot!(s.transcript);
}

/// The conventions of the command line: colour when asked (the session
/// sets NO_COLOR, which `--color=always` overrides), the log's branches
/// and tags, `--no-pager`, whole-repository dumps, completion scripts and
/// manual pages.
#[test]
fn colour_decorations_dump_completion_and_manuals() {
    let mut s = Session::new();
    s.sql("CREATE TABLE owners (id serial PRIMARY KEY, name text NOT NULL); CREATE TABLE pets (id int PRIMARY KEY, owner int REFERENCES owners (id), kind text CHECK (kind <> '')); INSERT INTO owners (name) VALUES ('ann'), ('bo'); INSERT INTO pets VALUES (1, 2, 'cat'), (2, 1, 'dog')");
    s.run(&["add", "."]);
    s.run(&["commit", "-m", "owners and pets"]);
    s.run(&["tag", "v1"]);
    s.run(&["branch", "side"]);
    s.sql("UPDATE pets SET kind = 'fish' WHERE id = 2; INSERT INTO pets VALUES (3, 2, 'owl')");
    s.run(&["--color=always", "status"]);
    s.run(&["--color=always", "diff"]);
    s.run(&["--color=always", "log", "--oneline", "--decorate"]);
    s.run(&["log", "--oneline", "--decorate", "--no-pager"]);
    s.run(&["log", "--oneline", "--no-decorate"]);
    s.run(&["--color=always", "checkout", "nowhere"]);
    s.run(&["--color=sometimes", "status"]);
    s.run(&["dump"]);
    s.run(&["dump", "--as-of", "v1", "--format", "csv", "v1-tables"]);
    for table in ["owners", "pets"] {
        let text = s.repo.read_file(format!("v1-tables/{table}.csv"));
        writeln!(s.transcript, "v1-tables/{table}.csv:\n{text}").unwrap();
    }
    s.run(&["dump", "--format", "json"]);
    s.run(&["man", "pages"]);
    let before = s.transcript.len();
    s.run(&["completion", "fish"]);
    // The script calls the binary back by its path, which moves.
    let script = s.transcript.split_off(before);
    s.transcript
        .push_str(&script.replace(env!("CARGO_BIN_EXE_arbor"), "<arbor>"));
    insta::assert_snapshot!(s.transcript);
}
