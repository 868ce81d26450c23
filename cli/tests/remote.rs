//! Remotes through a folder, as a user runs them: clone, commits on both
//! sides, fetch, pull with a three-way merge, push, a refused
//! non-fast-forward push, `--force`, deleting a remote branch, cloning
//! another branch; after each step `arbor fsck` is clean on every
//! repository and the tables hold what they should. Then pushes killed
//! halfway (kill -9 at random moments) leave both sides consistent and a
//! rerun completes, and hostile remotes are refused.

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

fn command(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_arbor"));
    cmd.current_dir(dir)
        .args(args)
        .env("ARBOR_COMMIT_DATE", "1700000000")
        .env("ARBOR_AUTHOR_NAME", "Test")
        .env("ARBOR_AUTHOR_EMAIL", "test@example.com");
    cmd
}

fn arbor(dir: &Path, args: &[&str]) -> Output {
    command(dir, args).output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let out = arbor(dir, args);
    assert!(
        out.status.success(),
        "arbor {args:?} in {}: {}",
        dir.display(),
        text(&out.stderr)
    );
    text(&out.stdout)
}

fn fails(dir: &Path, args: &[&str]) -> String {
    let out = arbor(dir, args);
    assert!(!out.status.success(), "arbor {args:?} succeeded");
    text(&out.stderr)
}

fn rows(dir: &Path, query: &str) -> String {
    ok(dir, &["sql", "--format", "csv", "-q", query])
}

/// `arbor fsck` finds nothing wrong in each repository.
fn fsck_clean(dirs: &[&Path]) {
    for d in dirs {
        let report = ok(d, &["fsck"]);
        assert!(report.contains("no problems"), "{}: {report}", d.display());
    }
}

/// A repository `up` with table t committed and tagged, and `down` cloned from it.
fn pair() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    let up = root.path().join("up");
    std::fs::create_dir_all(&up).unwrap();
    ok(&up, &["init"]);
    ok(
        &up,
        &[
            "sql",
            "-q",
            "CREATE TABLE t (id integer PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'a'), (2, 'b')",
        ],
    );
    ok(&up, &["commit", "-Am", "base"]);
    ok(&up, &["tag", "v1"]);
    ok(root.path(), &["clone", "up", "down"]);
    root
}

#[test]
fn clone_fetch_pull_push_through_a_folder() {
    let root = pair();
    let (up, down) = (root.path().join("up"), root.path().join("down"));
    fsck_clean(&[&up, &down]);
    assert_eq!(
        rows(&down, "SELECT * FROM t ORDER BY id"),
        "id,v\n1,a\n2,b\n"
    );
    assert_eq!(
        ok(&down, &["remote", "-v"]),
        format!("origin\t{}\n", up.display())
    );
    assert_eq!(ok(&down, &["tag"]), "v1\n");
    assert_eq!(
        ok(&down, &["branch", "-a"]),
        "* main\n  remotes/origin/main\n"
    );
    assert_eq!(
        ok(&down, &["log", "--oneline", "-n", "1", "origin/main"]),
        ok(&up, &["log", "--oneline", "-n", "1"])
    );

    // Commits on both sides, then a push that is not a fast-forward.
    ok(&up, &["sql", "-q", "UPDATE t SET v = 'up' WHERE id = 2"]);
    ok(&up, &["commit", "-am", "up edits 2"]);
    ok(
        &down,
        &["sql", "-q", "UPDATE t SET v = 'down' WHERE id = 1"],
    );
    ok(&down, &["commit", "-am", "down edits 1"]);
    assert!(ok(&down, &["status"]).contains("Your branch is ahead of 'origin/main' by 1 commit."),);
    let refused = fails(&down, &["push"]);
    assert!(
        refused.starts_with("error: rejected: origin/main has commits that main does not (not a fast-forward)\nhint: integrate them first"),
        "{refused}"
    );
    fsck_clean(&[&up, &down]);
    assert_eq!(rows(&up, "SELECT v FROM t WHERE id = 1"), "v\na\n");

    // Fetch moves only the remote-tracking branch; pull merges three ways.
    let fetched = ok(&down, &["fetch"]);
    assert!(fetched.contains("main -> origin/main"), "{fetched}");
    assert!(
        ok(&down, &["status"]).contains(
            "Your branch and 'origin/main' have diverged,\nand have 1 and 1 different commits each, respectively."
        )
    );
    assert_eq!(rows(&down, "SELECT v FROM t WHERE id = 2"), "v\nb\n");
    let pulled = ok(&down, &["pull"]);
    assert!(
        pulled.contains("Merge made by the 'arbor' strategy"),
        "{pulled}"
    );
    assert_eq!(
        rows(&down, "SELECT * FROM t ORDER BY id"),
        "id,v\n1,down\n2,up\n"
    );
    fsck_clean(&[&up, &down]);

    // Now the push is a fast-forward; the remote's table follows.
    let pushed = ok(&down, &["push"]);
    assert!(pushed.contains("main -> main"), "{pushed}");
    assert_eq!(
        rows(&up, "SELECT * FROM t ORDER BY id"),
        "id,v\n1,down\n2,up\n"
    );
    assert_eq!(
        ok(&up, &["log", "--oneline"]),
        ok(&down, &["log", "--oneline"])
    );
    assert_eq!(ok(&down, &["push"]), "Everything up-to-date\n");
    assert!(ok(&down, &["status"]).contains("Your branch is up to date with 'origin/main'."));
    fsck_clean(&[&up, &down]);

    // A new branch, pushed with -u, then deleted on the remote.
    ok(&down, &["checkout", "-b", "feature"]);
    ok(&down, &["sql", "-q", "INSERT INTO t VALUES (3, 'c')"]);
    ok(&down, &["commit", "-am", "feature"]);
    let pushed = ok(&down, &["push", "-u", "origin", "feature"]);
    assert!(
        pushed.contains("[new branch]  feature -> feature"),
        "{pushed}"
    );
    assert!(pushed.contains("branch 'feature' set up to track 'origin/feature'"));
    assert_eq!(ok(&up, &["branch"]), "  feature\n* main\n");
    // A clone of another branch.
    ok(
        root.path(),
        &["clone", "--branch", "feature", "up", "third"],
    );
    let third = root.path().join("third");
    assert_eq!(ok(&third, &["branch"]), "* feature\n");
    assert_eq!(rows(&third, "SELECT count(*) FROM t"), "count\n3\n");
    fsck_clean(&[&up, &down, &third]);
    assert!(ok(&down, &["push", "--delete", "origin", "feature"]).contains("[deleted]"));
    assert_eq!(ok(&up, &["branch"]), "* main\n");
    assert_eq!(ok(&down, &["branch", "-r"]), "  origin/main\n");
    assert_eq!(
        fails(&down, &["push", "--delete", "origin", "main"]),
        "error: refusing to delete 'main', the branch checked out in origin\n"
    );

    // --force overwrites a diverged remote branch.
    ok(&down, &["checkout", "main"]);
    ok(
        &up,
        &["sql", "-q", "UPDATE t SET v = 'up again' WHERE id = 2"],
    );
    ok(&up, &["commit", "-am", "up again"]);
    ok(
        &down,
        &["sql", "-q", "UPDATE t SET v = 'forced' WHERE id = 1"],
    );
    ok(&down, &["commit", "-am", "to be forced"]);
    fails(&down, &["push"]);
    let forced = ok(&down, &["push", "--force"]);
    assert!(forced.contains("(forced update)"), "{forced}");
    assert_eq!(
        rows(&up, "SELECT * FROM t ORDER BY id"),
        "id,v\n1,forced\n2,up\n"
    );
    fsck_clean(&[&up, &down, &third]);

    // From SQL: the remotes and remote-tracking branches, and a fetch.
    assert_eq!(
        rows(&down, "SELECT name FROM arbor_remotes"),
        "name\norigin\n"
    );
    assert_eq!(
        rows(&down, "SELECT remote, branch FROM arbor_remote_branches"),
        "remote,branch\norigin,main\n"
    );
    rows(&third, "SELECT arbor_fetch('origin')");
    assert_eq!(
        rows(
            &third,
            "SELECT branch FROM arbor_remote_branches ORDER BY branch"
        ),
        "branch\nmain\n"
    );
}

#[test]
fn a_push_with_local_changes_on_the_remote_branch_is_refused() {
    let root = pair();
    let (up, down) = (root.path().join("up"), root.path().join("down"));
    ok(
        &up,
        &["sql", "-q", "INSERT INTO t VALUES (9, 'uncommitted')"],
    );
    ok(&down, &["sql", "-q", "INSERT INTO t VALUES (3, 'c')"]);
    ok(&down, &["commit", "-am", "three"]);
    let refused = fails(&down, &["push"]);
    assert!(
        refused.starts_with(
            "error: rejected: branch 'main' of origin has uncommitted changes in its working set"
        ),
        "{refused}"
    );
    assert_eq!(rows(&up, "SELECT count(*) FROM t"), "count\n3\n");
    fsck_clean(&[&up, &down]);
}

#[test]
fn remote_commands_and_their_errors() {
    let root = pair();
    let down = root.path().join("down");
    ok(&down, &["remote", "add", "other", "../up"]);
    assert_eq!(ok(&down, &["remote"]), "origin\nother\n");
    assert_eq!(
        fails(&down, &["remote", "add", "other", "../up"]),
        "error: remote 'other' already exists\n"
    );
    ok(&down, &["remote", "set-url", "other", "file:///nowhere"]);
    assert_eq!(
        fails(&down, &["fetch", "other"]),
        "error: /nowhere is not an Arbor repository\nhint: a folder remote is a folder that `arbor init` or `arbor clone` made\n"
    );
    ok(&down, &["remote", "remove", "other"]);
    assert_eq!(
        fails(&down, &["fetch", "other"]),
        "error: no such remote 'other'\nhint: list them with `arbor remote`, add one with `arbor remote add <name> <url>`\n"
    );
    // URLs that try to smuggle in options, and Git URLs (not built yet).
    assert!(
        fails(&down, &["remote", "add", "evil", "git+ssh://-oProxyCommand=touch /tmp/pwned"])
            .starts_with("error: invalid remote URL 'git+ssh://-oProxyCommand=touch /tmp/pwned': it looks like a command-line option")
    );
    assert!(
        fails(
            &down,
            &["remote", "add", "gh", "git+https://example.com/data.git"]
        )
        .starts_with("error: Git remotes (git+https://) are not supported yet")
    );
    assert_eq!(ok(&down, &["remote"]), "origin\n");
    // A clone into a folder that is not empty, or from nowhere, leaves nothing.
    assert!(
        fails(root.path(), &["clone", "up", "down"])
            .contains("already exists and is not an empty folder")
    );
    fails(root.path(), &["clone", "nowhere", "fresh"]);
    assert!(!root.path().join("fresh").exists());
}

/// Kills `arbor args...` after `delay`; whether it had finished.
fn run_killed(dir: &Path, args: &[&str], delay: Duration) -> bool {
    let mut child = command(dir, args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(delay);
    let finished = child.try_wait().unwrap().is_some();
    if !finished {
        child.kill().unwrap();
    }
    child.wait().unwrap();
    finished
}

#[test]
fn pushes_and_fetches_killed_halfway_leave_both_sides_consistent() {
    let root = pair();
    let (up, down) = (root.path().join("up"), root.path().join("down"));
    // Commits big enough that a transfer takes a while.
    ok(
        &down,
        &[
            "sql",
            "-q",
            "INSERT INTO t WITH RECURSIVE g(i) AS (SELECT 10 UNION ALL SELECT i + 1 FROM g WHERE i < 40009) SELECT i, repeat('x', 200) || i FROM g",
        ],
    );
    ok(&down, &["commit", "-am", "many rows"]);
    let head = |d: &Path, rev: &str| ok(d, &["log", "--oneline", "-n", "1", rev]);
    // Pushes killed at moments spread over a push's run, until 20 were
    // killed before they finished; one that finishes gets a new commit
    // that rewrites every row, so there is always something to send.
    let (mut killed, mut attempts, mut round) = (0, 0u64, 0);
    while killed < 20 {
        attempts += 1;
        assert!(attempts < 200, "only {killed} pushes were killed halfway");
        let before = head(&up, "main");
        let finished = run_killed(
            &down,
            &["push"],
            Duration::from_millis(2 + attempts * 7 % 45),
        );
        // Each side is consistent, and the remote is at its old head or the new one.
        fsck_clean(&[&up, &down]);
        let now = head(&up, "main");
        assert!(now == before || now == head(&down, "main"), "{now}");
        if finished {
            round += 1;
            ok(
                &down,
                &[
                    "sql",
                    "-q",
                    &format!("UPDATE t SET v = v || '{round}' WHERE id >= 10"),
                ],
            );
            ok(&down, &["commit", "-am", "rewrite"]);
        } else {
            killed += 1;
        }
    }
    ok(&down, &["push"]);
    assert_eq!(head(&up, "main"), head(&down, "main"));
    assert_eq!(rows(&up, "SELECT count(*) FROM t"), "count\n40002\n");
    fsck_clean(&[&up, &down]);

    // Fetches the same way, into a third repository.
    let third = root.path().join("third");
    ok(root.path(), &["clone", "up", "third"]);
    ok(
        &up,
        &["sql", "-q", "UPDATE t SET v = 'z' || v WHERE id >= 10"],
    );
    ok(&up, &["commit", "-am", "big update"]);
    let (mut killed, mut attempts) = (0, 0u64);
    while killed < 20 {
        attempts += 1;
        assert!(attempts < 200, "only {killed} fetches were killed halfway");
        let finished = run_killed(
            &third,
            &["fetch"],
            Duration::from_millis(2 + attempts * 5 % 30),
        );
        fsck_clean(&[&up, &third]);
        if finished {
            // Start again from scratch: a fresh clone of the old state is
            // not needed, a new commit upstream gives the next fetch work.
            ok(
                &up,
                &[
                    "sql",
                    "-q",
                    &format!("UPDATE t SET v = v || 'f{attempts}' WHERE id >= 10"),
                ],
            );
            ok(&up, &["commit", "-am", "more"]);
        } else {
            killed += 1;
        }
    }
    ok(&third, &["fetch"]);
    assert_eq!(head(&third, "origin/main"), head(&up, "main"));
    fsck_clean(&[&up, &third]);
}
