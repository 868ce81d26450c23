//! Remotes through a folder and through a bare Git repository made by the
//! real `git`, as a user runs them: clone, commits on both sides, fetch,
//! pull with a three-way merge, push, a refused non-fast-forward push,
//! `--force`, deleting a remote branch, cloning another branch; after each
//! step `arbor fsck` is clean on every repository (and `git fsck` on the Git
//! repository) and the tables hold what they should. Then pushes and
//! fetches killed halfway (kill -9 at random moments) leave both sides
//! consistent and a rerun completes, and hostile remotes are refused.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

fn command(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_arbor"));
    cmd.current_dir(dir)
        .args(args)
        .env("ARBOR_COMMIT_DATE", "1700000000")
        .env("ARBOR_AUTHOR_NAME", "Test")
        .env("ARBOR_AUTHOR_EMAIL", "test@example.com")
        // Each folder its own cache of Git remotes, so every repository
        // really transfers what it needs.
        .env("ARBOR_GIT_CACHE", dir.join(".git-cache"));
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
    // A clone from SQL, with paths relative to where it runs.
    assert_eq!(
        rows(
            &down,
            "SELECT arbor_clone('../up', '../viasql', '--depth', '1')"
        ),
        "branch\nmain\n"
    );
    let via_sql = root.path().join("viasql");
    assert_eq!(ok(&via_sql, &["log", "--oneline"]).lines().count(), 1);
    fsck_clean(&[&via_sql]);
    assert!(
        fails(&down, &["sql", "-q", "SELECT arbor_clone('../up')"])
            .contains("arbor_clone takes a URL and a folder: arbor_clone('../data', 'copy')")
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
    // URLs that try to smuggle in options, and malformed Git URLs.
    let pwned = root.path().join("pwned");
    let evil = format!("git+ssh://-oProxyCommand=touch {}", pwned.display());
    assert!(
        fails(&down, &["remote", "add", "evil", &evil]).starts_with(&format!(
            "error: invalid remote URL '{evil}': it looks like a command-line option"
        ))
    );
    assert!(
        fails(root.path(), &["clone", &evil, "evil"])
            .contains("it looks like a command-line option")
    );
    assert!(!pwned.exists() && !root.path().join("evil").exists());
    assert!(
        fails(&down, &["remote", "add", "x", "git+ftp://example.com/data.git"])
            .starts_with("error: invalid remote URL 'git+ftp://example.com/data.git': unknown Git transport 'ftp'")
    );
    assert!(
        fails(&down, &["remote", "add", "x", "git+file://data.git"])
            .contains("a git+file:// URL needs an absolute path")
    );
    assert!(
        fails(&down, &["remote", "add", "x", "git+https:///data.git"]).contains("it names no host")
    );
    // A Git URL is recorded as given; one that holds no Arbor data says so.
    ok(
        &down,
        &["remote", "add", "gh", "git+https://example.com/data.git"],
    );
    assert_eq!(
        ok(&down, &["remote", "-v"]),
        format!(
            "gh\tgit+https://example.com/data.git\norigin\t{}\n",
            root.path().join("up").display()
        )
    );
    ok(&down, &["remote", "remove", "gh"]);
    if have_git() {
        git(root.path(), &["init", "-q", "--bare", "empty.git"]);
        let empty = format!("git+file://{}", root.path().join("empty.git").display());
        assert!(
            fails(root.path(), &["clone", &empty, "fresh"])
                .contains("holds no Arbor data (refs/arbor/data)")
        );
        assert!(!root.path().join("fresh").exists());
    }
    assert_eq!(ok(&down, &["remote"]), "origin\n");
    // A clone into a folder that is not empty, or from nowhere, leaves nothing.
    assert!(
        fails(root.path(), &["clone", "up", "down"])
            .contains("already exists and is not an empty folder")
    );
    fails(root.path(), &["clone", "nowhere", "fresh"]);
    assert!(!root.path().join("fresh").exists());
}

/// Kills `arbor args...` after `delay`; whether it had finished (it must
/// have succeeded then).
fn run_killed(dir: &Path, args: &[&str], delay: Duration) -> bool {
    let mut child = command(dir, args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(delay);
    let finished = child.try_wait().unwrap();
    if let Some(status) = finished {
        assert!(status.success(), "arbor {args:?} failed");
    } else {
        child.kill().unwrap();
    }
    child.wait().unwrap();
    finished.is_some()
}

fn head(dir: &Path, rev: &str) -> String {
    ok(dir, &["log", "--oneline", "-n", "1", rev])
}

/// Adds 40,000 rows to t in `dir` and commits them: a transfer of it takes
/// a while.
fn commit_many_rows(dir: &Path) {
    ok(
        dir,
        &[
            "sql",
            "-q",
            "INSERT INTO t WITH RECURSIVE g(i) AS (SELECT 10 UNION ALL SELECT i + 1 FROM g WHERE i < 40009) SELECT i, repeat('x', 200) || i FROM g",
        ],
    );
    ok(dir, &["commit", "-am", "many rows"]);
}

/// Commits a change to every one of the many rows in `dir`.
fn rewrite_rows(dir: &Path, suffix: &str) {
    let update = format!("UPDATE t SET v = v || '{suffix}' WHERE id >= 10");
    ok(dir, &["sql", "-q", &update]);
    ok(dir, &["commit", "-am", "rewrite"]);
}

/// Pushes from `down` killed at moments spread over `max_delay_ms`, until
/// 20 were killed before they finished; after each, `check` sees both sides
/// consistent and `remote_head` is the old head or the new one. One that
/// finishes gets a new commit rewriting every row, so there is always
/// something to send. Then a push completes.
fn kill_pushes(down: &Path, max_delay_ms: u64, remote_head: &dyn Fn() -> String, check: &dyn Fn()) {
    let (mut killed, mut attempts) = (0, 0u64);
    while killed < 20 {
        attempts += 1;
        assert!(attempts < 200, "only {killed} pushes were killed halfway");
        let before = remote_head();
        let delay = Duration::from_millis(2 + attempts * 7 % max_delay_ms);
        let finished = run_killed(down, &["push"], delay);
        check();
        let now = remote_head();
        assert!(now == before || now == head(down, "main"), "{now}");
        if finished {
            rewrite_rows(down, &format!("p{attempts}"));
        } else {
            killed += 1;
        }
    }
    ok(down, &["push"]);
    assert_eq!(remote_head(), head(down, "main"));
    check();
}

/// Fetches into `third` killed the same way; `publish` gives the remote a
/// new commit whenever one finished. Then a fetch completes.
fn kill_fetches(third: &Path, max_delay_ms: u64, publish: &dyn Fn(u64), check: &dyn Fn()) {
    let (mut killed, mut attempts) = (0, 0u64);
    while killed < 20 {
        attempts += 1;
        assert!(attempts < 200, "only {killed} fetches were killed halfway");
        let delay = Duration::from_millis(2 + attempts * 5 % max_delay_ms);
        let finished = run_killed(third, &["fetch"], delay);
        check();
        if finished {
            publish(attempts);
        } else {
            killed += 1;
        }
    }
    ok(third, &["fetch"]);
    check();
}

#[test]
fn pushes_and_fetches_killed_halfway_leave_both_sides_consistent() {
    let root = pair();
    let (up, down) = (root.path().join("up"), root.path().join("down"));
    commit_many_rows(&down);
    kill_pushes(&down, 45, &|| head(&up, "main"), &|| {
        fsck_clean(&[&up, &down]);
    });
    assert_eq!(rows(&up, "SELECT count(*) FROM t"), "count\n40002\n");

    // Fetches the same way, into a third repository.
    let third = root.path().join("third");
    ok(root.path(), &["clone", "up", "third"]);
    rewrite_rows(&up, "z");
    kill_fetches(
        &third,
        30,
        &|attempt| rewrite_rows(&up, &format!("f{attempt}")),
        &|| fsck_clean(&[&up, &third]),
    );
    assert_eq!(head(&third, "origin/main"), head(&up, "main"));
}

/// Runs `git args...` in `dir`; its standard output.
fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "Coder")
        .env("GIT_AUTHOR_EMAIL", "coder@example.com")
        .env("GIT_COMMITTER_NAME", "Coder")
        .env("GIT_COMMITTER_EMAIL", "coder@example.com")
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", text(&out.stderr));
    text(&out.stdout)
}

/// Whether the `git` program can be run here.
fn have_git() -> bool {
    let found = Command::new("git").arg("--version").output().is_ok();
    if !found {
        println!("skipped: the `git` program is not installed");
    }
    found
}

/// A bare Git repository `hub.git` in `root` whose `main` branch holds
/// ordinary code; returns its path and the commit of `main`.
fn git_hub(root: &Path) -> (PathBuf, String) {
    let hub = root.join("hub.git");
    git(root, &["init", "-q", "--bare", "-b", "main", "hub.git"]);
    let code = root.join("code");
    git(root, &["init", "-q", "-b", "main", "code"]);
    std::fs::write(code.join("load.py"), "print('hello')\n").unwrap();
    git(&code, &["add", "load.py"]);
    git(&code, &["commit", "-q", "-m", "code"]);
    git(&code, &["push", "-q", hub.to_str().unwrap(), "main"]);
    let main = git(&hub, &["rev-parse", "refs/heads/main"]);
    (hub, main)
}

/// `git fsck` finds nothing wrong with the Git repository, and its code
/// branch is still `main`.
fn git_clean(hub: &Path, main: &str) {
    let out = Command::new("git")
        .current_dir(hub)
        .args(["fsck", "--strict", "--no-dangling"])
        .output()
        .unwrap();
    let said = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "git fsck: {said}");
    for bad in ["error", "missing", "broken", "warning"] {
        assert!(!said.contains(bad), "git fsck: {said}");
    }
    assert_eq!(git(hub, &["rev-parse", "refs/heads/main"]), main);
}

/// A bare Git repository (see `git_hub`) and beside it an Arbor
/// repository `name` with `create` run and committed, whose remote
/// `origin` is the Git repository. Returns the Git repository, the commit
/// of its `main`, its URL and the Arbor repository.
fn arbor_beside_git(root: &Path, name: &str, create: &str) -> (PathBuf, String, String, PathBuf) {
    let (hub, main) = git_hub(root);
    let url = format!("git+file://{}", hub.display());
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    ok(&dir, &["init"]);
    ok(&dir, &["sql", "-q", create]);
    ok(&dir, &["commit", "-Am", "base"]);
    ok(&dir, &["remote", "add", "origin", &url]);
    (hub, main, url, dir)
}

#[test]
fn clone_fetch_pull_push_through_a_git_repository() {
    if !have_git() {
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let (hub, main, url, alice) = arbor_beside_git(
        root.path(),
        "alice",
        "CREATE TABLE t (id integer PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'a'), (2, 'b')",
    );
    ok(&alice, &["tag", "v1"]);
    let pushed = ok(&alice, &["push", "-u", "--tags", "origin", "main"]);
    assert!(pushed.contains("[new branch]  main -> main"), "{pushed}");
    assert!(pushed.contains("[new tag]     v1 -> v1"), "{pushed}");
    // The branch and its tags went in one update of the remote: two data
    // commits, the empty store root the remote was made with and that one.
    assert_eq!(
        git(&hub, &["rev-list", "--count", "refs/arbor/data"]).trim(),
        "2"
    );
    git_clean(&hub, &main);
    assert_eq!(
        git(&hub, &["for-each-ref", "--format=%(refname)"]),
        "refs/arbor/data\nrefs/heads/main\n"
    );

    // A clone through Git.
    ok(root.path(), &["clone", &url, "bob"]);
    let bob = root.path().join("bob");
    fsck_clean(&[&alice, &bob]);
    assert_eq!(
        rows(&bob, "SELECT * FROM t ORDER BY id"),
        "id,v\n1,a\n2,b\n"
    );
    assert_eq!(ok(&bob, &["remote", "-v"]), format!("origin\t{url}\n"));
    assert_eq!(ok(&bob, &["tag"]), "v1\n");
    assert_eq!(
        ok(&bob, &["branch", "-a"]),
        "* main\n  remotes/origin/main\n"
    );
    assert_eq!(head(&bob, "origin/main"), head(&alice, "main"));
    // Without a folder name, the clone is named as Git names it.
    assert!(ok(root.path(), &["clone", &url]).contains("into"));
    fsck_clean(&[&root.path().join("hub")]);

    // Commits on both sides; Bob's push is not a fast-forward.
    ok(
        &alice,
        &["sql", "-q", "UPDATE t SET v = 'alice' WHERE id = 2"],
    );
    ok(&alice, &["commit", "-am", "alice edits 2"]);
    ok(&alice, &["push"]);
    ok(&bob, &["sql", "-q", "UPDATE t SET v = 'bob' WHERE id = 1"]);
    ok(&bob, &["commit", "-am", "bob edits 1"]);
    let refused = fails(&bob, &["push"]);
    assert!(
        refused.starts_with("error: rejected: origin/main has commits that main does not (not a fast-forward)\nhint: integrate them first"),
        "{refused}"
    );
    git_clean(&hub, &main);
    fsck_clean(&[&alice, &bob]);

    // Fetch, then pull with a three-way merge, then the push goes through.
    let fetched = ok(&bob, &["fetch"]);
    assert!(fetched.contains("main -> origin/main"), "{fetched}");
    assert_eq!(rows(&bob, "SELECT v FROM t WHERE id = 2"), "v\nb\n");
    let pulled = ok(&bob, &["pull"]);
    assert!(
        pulled.contains("Merge made by the 'arbor' strategy"),
        "{pulled}"
    );
    assert_eq!(
        rows(&bob, "SELECT * FROM t ORDER BY id"),
        "id,v\n1,bob\n2,alice\n"
    );
    assert!(ok(&bob, &["push"]).contains("main -> main"));
    assert_eq!(ok(&bob, &["push"]), "Everything up-to-date\n");
    let pulled = ok(&alice, &["pull", "--ff-only"]);
    assert!(pulled.contains("Fast-forward"), "{pulled}");
    assert_eq!(
        rows(&alice, "SELECT * FROM t ORDER BY id"),
        "id,v\n1,bob\n2,alice\n"
    );
    assert_eq!(
        ok(&alice, &["log", "--oneline"]),
        ok(&bob, &["log", "--oneline"])
    );
    git_clean(&hub, &main);
    fsck_clean(&[&alice, &bob]);

    // A branch pushed with -u, cloned alone, then deleted on the remote.
    ok(&bob, &["checkout", "-b", "feature"]);
    ok(&bob, &["sql", "-q", "INSERT INTO t VALUES (3, 'c')"]);
    ok(&bob, &["commit", "-am", "feature"]);
    let pushed = ok(&bob, &["push", "-u", "origin", "feature"]);
    assert!(
        pushed.contains("[new branch]  feature -> feature"),
        "{pushed}"
    );
    ok(
        root.path(),
        &["clone", "--branch", "feature", &url, "carol"],
    );
    let carol = root.path().join("carol");
    assert_eq!(ok(&carol, &["branch"]), "* feature\n");
    assert_eq!(rows(&carol, "SELECT count(*) FROM t"), "count\n3\n");
    // A shallow clone through Git: the last commit only.
    ok(root.path(), &["clone", "--depth", "1", &url, "dave"]);
    let dave = root.path().join("dave");
    assert_eq!(ok(&dave, &["log", "--oneline"]).lines().count(), 1);
    assert_eq!(
        rows(&dave, "SELECT * FROM t ORDER BY id"),
        "id,v\n1,bob\n2,alice\n"
    );
    fsck_clean(&[&dave]);
    git_clean(&hub, &main);
    fsck_clean(&[&alice, &bob, &carol]);
    assert!(ok(&bob, &["push", "--delete", "origin", "feature"]).contains("[deleted]"));
    ok(&alice, &["fetch"]);
    assert_eq!(ok(&alice, &["branch", "-r"]), "  origin/main\n");
    assert_eq!(
        fails(&bob, &["push", "--delete", "origin", "main"]),
        "error: refusing to delete 'main', the branch checked out in origin\n"
    );
    git_clean(&hub, &main);

    // --force overwrites a diverged remote branch.
    ok(&bob, &["checkout", "main"]);
    ok(
        &alice,
        &["sql", "-q", "UPDATE t SET v = 'again' WHERE id = 2"],
    );
    ok(&alice, &["commit", "-am", "alice again"]);
    ok(&alice, &["push"]);
    ok(
        &bob,
        &["sql", "-q", "UPDATE t SET v = 'forced' WHERE id = 1"],
    );
    ok(&bob, &["commit", "-am", "to be forced"]);
    fails(&bob, &["push"]);
    assert!(ok(&bob, &["push", "--force"]).contains("(forced update)"));
    ok(&alice, &["fetch"]);
    assert_eq!(head(&alice, "origin/main"), head(&bob, "main"));
    git_clean(&hub, &main);
    fsck_clean(&[&alice, &bob, &carol]);

    // From SQL, a fetch through Git.
    rows(&carol, "SELECT arbor_fetch('origin')");
    assert_eq!(
        rows(
            &carol,
            "SELECT branch FROM arbor_remote_branches ORDER BY branch"
        ),
        "branch\nmain\n"
    );
    // Chunks travel in packs: a few Git objects per push, not one per chunk.
    let objects = git(&hub, &["rev-list", "--objects", "--all"])
        .lines()
        .count();
    assert!(objects < 120, "{objects} Git objects");
}

#[test]
fn git_pushes_and_fetches_killed_halfway_leave_both_sides_consistent() {
    if !have_git() {
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let (hub, main, url, down) = arbor_beside_git(
        root.path(),
        "down",
        "CREATE TABLE t (id integer PRIMARY KEY, v text)",
    );
    ok(&down, &["push", "-u", "origin", "main"]);
    commit_many_rows(&down);
    // The remote's head as a fresh fetch sees it (which also verifies every
    // chunk it reaches).
    ok(root.path(), &["clone", &url, "watch"]);
    let watch = root.path().join("watch");
    let remote_head = || {
        ok(&watch, &["fetch"]);
        head(&watch, "origin/main")
    };
    kill_pushes(&down, 400, &remote_head, &|| {
        git_clean(&hub, &main);
        fsck_clean(&[&down]);
    });
    assert_eq!(
        rows(&watch, "SELECT count(*) FROM t AS OF 'origin/main'"),
        "count\n40000\n"
    );

    let third = root.path().join("third");
    ok(root.path(), &["clone", &url, "third"]);
    let publish = |attempt: u64| {
        rewrite_rows(&down, &format!("f{attempt}"));
        ok(&down, &["push"]);
    };
    publish(0);
    kill_fetches(&third, 300, &publish, &|| {
        git_clean(&hub, &main);
        fsck_clean(&[&third]);
    });
    assert_eq!(head(&third, "origin/main"), head(&down, "main"));
}

/// Runs `git args...` in `dir` with `input` on its standard input; its
/// standard output, as bytes.
fn git_bytes(dir: &Path, args: &[&str], input: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut child = Command::new("git")
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "git {args:?}: {}", text(&out.stderr));
    out.stdout
}

/// New bytes for a file of a data commit, given its name and bytes.
type FileChange = dyn Fn(&str, Vec<u8>) -> Option<Vec<u8>>;

/// Rewrites the data commit of `hub` (as someone with write access to the
/// Git repository could): each file for which `change` gives new bytes.
fn tamper(hub: &Path, change: &FileChange) {
    tamper_adding(hub, change, &[]);
}

/// [`tamper`], also adding the files `extra` (path and bytes).
fn tamper_adding(hub: &Path, change: &FileChange, extra: &[(&str, &[u8])]) {
    // Every file (packs sit in folders) into an index, then a tree.
    let mut files = String::new();
    for line in git(hub, &["ls-tree", "-r", "refs/arbor/data"]).lines() {
        let (meta, path) = line.split_once('\t').unwrap();
        let mut oid = meta.split_whitespace().nth(2).unwrap().to_owned();
        let name = path.rsplit('/').next().unwrap();
        let bytes = git_bytes(hub, &["cat-file", "blob", &oid], b"");
        if let Some(new) = change(name, bytes) {
            let written = git_bytes(hub, &["hash-object", "-w", "--stdin"], &new);
            oid = text(&written).trim().to_owned();
        }
        files.push_str(&format!("100644 {oid}\t{path}\n"));
    }
    for (path, bytes) in extra {
        let written = git_bytes(hub, &["hash-object", "-w", "--stdin"], bytes);
        files.push_str(&format!("100644 {}\t{path}\n", text(&written).trim()));
    }
    let _ = std::fs::remove_file(hub.join("index"));
    git_bytes(
        hub,
        &["update-index", "--add", "--index-info"],
        files.as_bytes(),
    );
    let tree = git(hub, &["write-tree"]);
    std::fs::remove_file(hub.join("index")).unwrap();
    let parent = git(hub, &["rev-parse", "refs/arbor/data"]);
    let commit = git(
        hub,
        &[
            "commit-tree",
            tree.trim(),
            "-p",
            parent.trim(),
            "-m",
            "tampered",
        ],
    );
    git(hub, &["update-ref", "refs/arbor/data", commit.trim()]);
}

#[test]
fn hostile_git_remotes_are_refused_and_nothing_is_published() {
    if !have_git() {
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let (hub, _, url, alice) = arbor_beside_git(
        root.path(),
        "alice",
        "CREATE TABLE t (id integer PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'a')",
    );
    ok(&alice, &["push", "-u", "origin", "main"]);
    ok(root.path(), &["clone", &url, "bob"]);
    let bob = root.path().join("bob");
    // A new commit Bob lacks: its chunks are in a pack of their own.
    ok(&alice, &["sql", "-q", "INSERT INTO t VALUES (2, 'b')"]);
    ok(&alice, &["commit", "-am", "two"]);
    ok(&alice, &["push"]);
    let good = git(&hub, &["rev-parse", "refs/arbor/data"]);
    let bob_before = ok(&bob, &["branch", "-a", "-v"]);

    let blob = text(&git_bytes(
        &hub,
        &["hash-object", "-w", "--stdin"],
        b"not a commit",
    ));
    let cases: Vec<(&str, Option<Box<FileChange>>, &str)> = vec![
        (
            "a chunk whose bytes do not match its address",
            Some(Box::new(|name: &str, mut bytes: Vec<u8>| {
                name.ends_with(".pack").then(|| {
                    let middle = 8 + (bytes.len() - 8) / 2;
                    bytes[middle] ^= 0x5a;
                    bytes
                })
            })),
            "is corrupt: its bytes hash to",
        ),
        (
            "a missing chunk",
            Some(Box::new(|name: &str, mut bytes: Vec<u8>| {
                name.ends_with(".idx").then(|| {
                    let count = u32::from_le_bytes(bytes[8..12].try_into().unwrap()) - 1;
                    bytes[8..12].copy_from_slice(&count.to_le_bytes());
                    bytes.truncate(bytes.len() - 44);
                    bytes
                })
            })),
            "is missing",
        ),
        (
            "a store root that is nowhere",
            Some(Box::new(|name: &str, _| {
                (name == "root").then(|| format!("{}\n", "ab".repeat(32)).into_bytes())
            })),
            "is missing",
        ),
        (
            "a root file that is not an address",
            Some(Box::new(|name: &str, _| {
                (name == "root").then(|| b"rm -rf /\n".to_vec())
            })),
            "its `root` file is not a chunk address",
        ),
        (
            "a data ref that is not a commit",
            None,
            "is damaged: not a commit",
        ),
        (
            "a pack named by hand",
            None,
            "x.idx is not a pack index name",
        ),
    ];
    for (what, change, expected) in cases {
        git(&hub, &["update-ref", "refs/arbor/data", good.trim()]);
        match change {
            Some(change) => tamper(&hub, &change),
            None if what.starts_with("a pack named") => {
                let extra: [(&str, &[u8]); 2] = [
                    ("packs/aa/x.idx", b"ARBORIX1\0\0\0\0"),
                    ("packs/aa/x.pack", b"ARBORPK1"),
                ];
                tamper_adding(&hub, &|_, _| None, &extra);
            }
            None => {
                git(&hub, &["update-ref", "refs/arbor/data", blob.trim()]);
            }
        }
        let refused = fails(&bob, &["fetch"]);
        assert!(refused.contains(expected), "{what}: {refused}");
        assert_eq!(ok(&bob, &["branch", "-a", "-v"]), bob_before, "{what}");
        fsck_clean(&[&bob]);
        let refused = fails(root.path(), &["clone", &url, "carol"]);
        assert!(refused.contains(expected), "{what}: {refused}");
        assert!(!root.path().join("carol").exists(), "{what}");
    }
    // Put right, the fetch completes.
    git(&hub, &["update-ref", "refs/arbor/data", good.trim()]);
    ok(&bob, &["fetch"]);
    assert_eq!(head(&bob, "origin/main"), head(&alice, "main"));
    fsck_clean(&[&bob]);
}

/// The messages of `dir`'s history, one per line, newest first.
fn subjects(dir: &Path) -> String {
    ok(dir, &["log", "--oneline"])
        .lines()
        .map(|l| format!("{}\n", l.split_once(' ').map_or(l, |(_, s)| s)))
        .collect()
}

#[test]
fn a_shallow_clone_holds_the_last_commits_and_still_pushes_and_pulls() {
    let root = pair();
    let up = root.path().join("up");
    for i in 3..6 {
        ok(
            &up,
            &["sql", "-q", &format!("INSERT INTO t VALUES ({i}, 'v{i}')")],
        );
        ok(&up, &["commit", "-am", &format!("add {i}")]);
    }
    ok(&up, &["tag", "v2"]);
    ok(root.path(), &["clone", "--depth", "2", "up", "shallow"]);
    let shallow = root.path().join("shallow");
    // Two commits, each with all its data; only the tags among them.
    assert_eq!(subjects(&shallow), "add 5\nadd 4\n");
    assert_eq!(ok(&shallow, &["tag"]), "v2\n");
    assert_eq!(rows(&shallow, "SELECT count(*) FROM t"), "count\n5\n");
    assert_eq!(
        rows(&shallow, "SELECT count(*) FROM t AS OF 'HEAD~1'"),
        "count\n4\n"
    );
    assert!(fails(&shallow, &["log", "HEAD~2"]).contains("HEAD~2"));
    // Smaller than a full clone.
    let full = root.path().join("full");
    ok(root.path(), &["clone", "up", "full"]);
    let size = |d: &Path| std::fs::metadata(d.join(".arbor/journal")).unwrap().len();
    assert!(
        size(&shallow) < size(&full),
        "{} vs {}",
        size(&shallow),
        size(&full)
    );
    fsck_clean(&[&shallow, &up]);
    ok(&shallow, &["gc"]);
    fsck_clean(&[&shallow]);

    // It pushes new commits, and pulls the remote's.
    ok(&shallow, &["sql", "-q", "INSERT INTO t VALUES (9, 'mine')"]);
    ok(&shallow, &["commit", "-am", "mine"]);
    ok(&shallow, &["push"]);
    assert_eq!(
        subjects(&up),
        "mine\nadd 5\nadd 4\nadd 3\nbase\nInitialize data repository\n"
    );
    ok(&up, &["sql", "-q", "DELETE FROM t WHERE id = 1"]);
    ok(&up, &["commit", "-am", "up"]);
    ok(&shallow, &["pull", "--ff-only"]);
    assert_eq!(subjects(&shallow), "up\nmine\nadd 5\nadd 4\n");
    assert_eq!(rows(&shallow, "SELECT count(*) FROM t"), "count\n5\n");
    fsck_clean(&[&shallow, &up]);
    assert!(fails(root.path(), &["clone", "--depth", "0", "up", "none"]).contains("0 is not in 1"));
}
