//! Remotes through a folder and through a bare Git repository made by the
//! real `git`, as a user runs them: clone, commits on both sides, fetch,
//! pull with a three-way merge, push, a refused non-fast-forward push,
//! `--force`, deleting a remote branch, cloning another branch; after each
//! step `arbor fsck` is clean on every repository (and `git fsck` on the Git
//! repository) and the tables hold what they should. Then pushes and
//! fetches killed halfway (kill -9 at random moments) leave both sides
//! consistent and a rerun completes, and hostile remotes are refused.

#![allow(clippy::unwrap_used)]

use std::process::Stdio;
use std::time::Duration;

mod common;

use common::{TestEnv, WorkDir, has_git};

/// The folder of a new environment where each folder has its own cache of
/// Git remotes, so every repository really transfers what it needs.
fn folder() -> WorkDir {
    TestEnv::new().with_git_cache_per_folder().work_dir()
}

fn rows(dir: &WorkDir, query: &str) -> String {
    dir.ok(&["sql", "--format", "csv", "-q", query])
}

/// `arbor fsck` finds nothing wrong in each repository.
fn fsck_clean(dirs: &[&WorkDir]) {
    for d in dirs {
        let report = d.ok(&["fsck"]);
        assert!(
            report.contains("no problems"),
            "{}: {report}",
            d.path().display()
        );
    }
}

/// A repository `up` with table t committed and tagged, and `down` cloned from it.
fn pair() -> WorkDir {
    let root = folder();
    let up = root.mkdir("up");
    up.ok(&["init"]);
    up.ok(&[
        "sql",
        "-q",
        "CREATE TABLE t (id integer PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'a'), (2, 'b')",
    ]);
    up.ok(&["commit", "-Am", "base"]);
    up.ok(&["tag", "v1"]);
    root.ok(&["clone", "up", "down"]);
    root
}

#[test]
fn clone_fetch_pull_push_through_a_folder() {
    let root = pair();
    let (up, down) = (root.dir("up"), root.dir("down"));
    fsck_clean(&[&up, &down]);
    assert_eq!(
        rows(&down, "SELECT * FROM t ORDER BY id"),
        "id,v\n1,a\n2,b\n"
    );
    assert_eq!(
        down.ok(&["remote", "-v"]),
        format!("origin\t{}\n", up.path().display())
    );
    assert_eq!(down.ok(&["tag"]), "v1\n");
    assert_eq!(
        down.ok(&["branch", "-a"]),
        "* main\n  remotes/origin/main\n"
    );
    assert_eq!(
        down.ok(&["log", "--oneline", "-n", "1", "origin/main"]),
        up.ok(&["log", "--oneline", "-n", "1"])
    );

    // Commits on both sides, then a push that is not a fast-forward.
    up.ok(&["sql", "-q", "UPDATE t SET v = 'up' WHERE id = 2"]);
    up.ok(&["commit", "-am", "up edits 2"]);
    down.ok(&["sql", "-q", "UPDATE t SET v = 'down' WHERE id = 1"]);
    down.ok(&["commit", "-am", "down edits 1"]);
    assert!(
        down.ok(&["status"])
            .contains("Your branch is ahead of 'origin/main' by 1 commit."),
    );
    let refused = down.fails(&["push"]);
    assert!(
        refused.starts_with("error: rejected: origin/main has commits that main does not (not a fast-forward)\nhint: integrate them first"),
        "{refused}"
    );
    fsck_clean(&[&up, &down]);
    assert_eq!(rows(&up, "SELECT v FROM t WHERE id = 1"), "v\na\n");

    // Fetch moves only the remote-tracking branch; pull merges three ways.
    let fetched = down.ok(&["fetch"]);
    assert!(fetched.contains("main -> origin/main"), "{fetched}");
    assert!(
        down.ok(&["status"]).contains(
            "Your branch and 'origin/main' have diverged,\nand have 1 and 1 different commits each, respectively."
        )
    );
    assert_eq!(rows(&down, "SELECT v FROM t WHERE id = 2"), "v\nb\n");
    let pulled = down.ok(&["pull"]);
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
    let pushed = down.ok(&["push"]);
    assert!(pushed.contains("main -> main"), "{pushed}");
    assert_eq!(
        rows(&up, "SELECT * FROM t ORDER BY id"),
        "id,v\n1,down\n2,up\n"
    );
    assert_eq!(up.ok(&["log", "--oneline"]), down.ok(&["log", "--oneline"]));
    assert_eq!(down.ok(&["push"]), "Everything up-to-date\n");
    assert!(
        down.ok(&["status"])
            .contains("Your branch is up to date with 'origin/main'.")
    );
    fsck_clean(&[&up, &down]);

    // A new branch, pushed with -u, then deleted on the remote.
    down.ok(&["checkout", "-b", "feature"]);
    down.ok(&["sql", "-q", "INSERT INTO t VALUES (3, 'c')"]);
    down.ok(&["commit", "-am", "feature"]);
    let pushed = down.ok(&["push", "-u", "origin", "feature"]);
    assert!(
        pushed.contains("[new branch]  feature -> feature"),
        "{pushed}"
    );
    assert!(pushed.contains("branch 'feature' set up to track 'origin/feature'"));
    assert_eq!(up.ok(&["branch"]), "  feature\n* main\n");
    // A clone of another branch.
    root.ok(&["clone", "--branch", "feature", "up", "third"]);
    let third = root.dir("third");
    assert_eq!(third.ok(&["branch"]), "* feature\n");
    assert_eq!(rows(&third, "SELECT count(*) FROM t"), "count\n3\n");
    fsck_clean(&[&up, &down, &third]);
    assert!(
        down.ok(&["push", "--delete", "origin", "feature"])
            .contains("[deleted]")
    );
    assert_eq!(up.ok(&["branch"]), "* main\n");
    assert_eq!(down.ok(&["branch", "-r"]), "  origin/main\n");
    assert_eq!(
        down.fails(&["push", "--delete", "origin", "main"]),
        "error: refusing to delete 'main', the branch checked out in origin\n"
    );

    // --force overwrites a diverged remote branch.
    down.ok(&["checkout", "main"]);
    up.ok(&["sql", "-q", "UPDATE t SET v = 'up again' WHERE id = 2"]);
    up.ok(&["commit", "-am", "up again"]);
    down.ok(&["sql", "-q", "UPDATE t SET v = 'forced' WHERE id = 1"]);
    down.ok(&["commit", "-am", "to be forced"]);
    down.fails(&["push"]);
    let forced = down.ok(&["push", "--force"]);
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
    let via_sql = root.dir("viasql");
    assert_eq!(via_sql.ok(&["log", "--oneline"]).lines().count(), 1);
    fsck_clean(&[&via_sql]);
    assert!(
        down.fails(&["sql", "-q", "SELECT arbor_clone('--depth', '1')"])
            .contains("arbor_clone: the following required arguments were not provided")
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

/// `pull` fetches as `fetch` does (every branch, new tags, branches the
/// remote deleted), names the remote it talks to, then merges its branch;
/// a branch the remote lacks is a clear error, with nothing merged.
#[test]
fn pull_brings_every_branch_and_the_tags() {
    let root = pair();
    let (up, down) = (root.dir("up"), root.dir("down"));
    up.ok(&["branch", "feature"]);
    up.ok(&["sql", "-q", "INSERT INTO t VALUES (3, 'c')"]);
    up.ok(&["commit", "-am", "three"]);
    up.ok(&["tag", "v2"]);
    let pulled = down.ok(&["pull"]);
    let url = up.path().canonicalize().unwrap();
    assert!(
        pulled.starts_with(&format!("From {}\n", url.display())),
        "{pulled}"
    );
    assert!(pulled.contains("main -> origin/main"), "{pulled}");
    assert!(
        pulled.contains("[new branch]  feature -> origin/feature"),
        "{pulled}"
    );
    assert!(pulled.contains("[new tag]     v2 -> v2"), "{pulled}");
    assert_eq!(rows(&down, "SELECT count(*) FROM t"), "count\n3\n");
    assert!(down.ok(&["tag"]).contains("v2"));
    // Nothing new: nothing said but the merge's word.
    assert_eq!(down.ok(&["pull"]), "Already up to date.\n");
    let e = down.fails(&["pull", "origin", "nosuch"]);
    assert!(e.contains("remote 'origin' has no branch 'nosuch'"), "{e}");
    assert_eq!(rows(&down, "SELECT count(*) FROM t"), "count\n3\n");
}

/// A push makes its remote: a path that does not exist, an empty folder,
/// or a repository made by `arbor init --bare` takes the pushed branch as
/// its default; others clone from it. A folder with other things in it is
/// refused, and a bare repository has no branch to work on until then.
#[test]
fn a_push_creates_a_new_remote_and_init_bare_makes_one() {
    let root = pair();
    let up = root.dir("up");
    // A path that does not exist yet.
    up.ok(&["remote", "add", "new", "../new"]);
    up.ok(&["push", "-u", "new", "main"]);
    assert!(root.dir("new").path().join(".arbor").is_dir());
    // An empty folder.
    root.mkdir("empty");
    up.ok(&["remote", "add", "empty", "../empty"]);
    up.ok(&["push", "empty", "main"]);
    // `init --bare`: no branch, no commit; working in it is refused.
    let bare = root.mkdir("bare");
    let said = bare.ok(&["init", "--bare"]);
    assert!(
        said.starts_with("Initialized an empty bare Arbor repository"),
        "{said}"
    );
    for command in [&["status"][..], &["sql", "-q", "SELECT 1"]] {
        let e = bare.fails(command);
        assert!(
            e.contains("this repository is bare: it has no branch yet"),
            "{e}"
        );
    }
    let e = root.fails(&["clone", "bare", "too-early"]);
    assert!(
        e.contains("has no branches yet: there is nothing to clone"),
        "{e}"
    );
    assert!(!root.dir("too-early").path().join(".arbor").exists());
    up.ok(&["remote", "add", "bare", "../bare"]);
    up.ok(&["push", "bare", "main"]);
    for remote in ["new", "empty", "bare"] {
        let copy = format!("copy-{remote}");
        root.ok(&["clone", remote, &copy]);
        let copy = root.dir(&copy);
        assert_eq!(rows(&copy, "SELECT v FROM t ORDER BY id"), "v\na\nb\n");
        assert_eq!(copy.ok(&["branch", "--show-current"]).trim(), "main");
    }
    // The remote's branch moves with later pushes.
    up.ok(&["sql", "-q", "INSERT INTO t VALUES (3, 'c')"]);
    up.ok(&["commit", "-am", "c"]);
    up.ok(&["push", "bare", "main"]);
    let copy = root.dir("copy-bare");
    copy.ok(&["pull"]);
    assert_eq!(rows(&copy, "SELECT count(*) FROM t"), "count\n3\n");
    // A folder holding something else is not made a repository.
    let other = root.mkdir("other");
    other.write_file("notes.txt", "mine");
    up.ok(&["remote", "add", "other", "../other"]);
    let e = up.fails(&["push", "other", "main"]);
    assert!(e.contains("is not an Arbor repository"), "{e}");
    assert!(!other.path().join(".arbor").exists());
    fsck_clean(&[&up, &root.dir("new"), &root.dir("empty"), &root.dir("bare")]);
}

#[test]
fn a_push_with_local_changes_on_the_remote_branch_is_refused() {
    let root = pair();
    let (up, down) = (root.dir("up"), root.dir("down"));
    up.ok(&["sql", "-q", "INSERT INTO t VALUES (9, 'uncommitted')"]);
    down.ok(&["sql", "-q", "INSERT INTO t VALUES (3, 'c')"]);
    down.ok(&["commit", "-am", "three"]);
    let refused = down.fails(&["push"]);
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
    let down = root.dir("down");
    down.ok(&["remote", "add", "other", "../up"]);
    assert_eq!(down.ok(&["remote"]), "origin\nother\n");
    assert_eq!(
        down.fails(&["remote", "add", "other", "../up"]),
        "error: remote 'other' already exists\n"
    );
    down.ok(&["remote", "set-url", "other", "file:///nowhere"]);
    assert_eq!(
        down.fails(&["fetch", "other"]),
        "error: /nowhere is not an Arbor repository\nhint: a folder remote is a folder that `arbor init` or `arbor clone` made, or an empty one to push to\n"
    );
    down.ok(&["remote", "remove", "other"]);
    assert_eq!(
        down.fails(&["fetch", "other"]),
        "error: no such remote 'other'\nhint: list them with `arbor remote`, add one with `arbor remote add <name> <url>`\n"
    );
    // URLs that try to smuggle in options, and malformed Git URLs.
    let pwned = root.dir("pwned");
    let evil = format!("git+ssh://-oProxyCommand=touch {}", pwned.path().display());
    assert!(
        down.fails(&["remote", "add", "evil", &evil])
            .starts_with(&format!(
                "error: invalid remote URL '{evil}': it looks like a command-line option"
            ))
    );
    assert!(
        root.fails(&["clone", &evil, "evil"])
            .contains("it looks like a command-line option")
    );
    assert!(!pwned.path().exists() && !root.dir("evil").path().exists());
    assert!(
        down.fails(&["remote", "add", "x", "git+ftp://example.com/data.git"])
            .starts_with("error: invalid remote URL 'git+ftp://example.com/data.git': unknown Git transport 'ftp'")
    );
    assert!(
        down.fails(&["remote", "add", "x", "git+file://data.git"])
            .contains("a git+file:// URL needs an absolute path")
    );
    assert!(
        down.fails(&["remote", "add", "x", "git+https:///data.git"])
            .contains("it names no host")
    );
    // A Git URL is recorded as given; one that holds no Arbor data says so.
    down.ok(&["remote", "add", "gh", "git+https://example.com/data.git"]);
    assert_eq!(
        down.ok(&["remote", "-v"]),
        format!(
            "gh\tgit+https://example.com/data.git\norigin\t{}\n",
            root.dir("up").path().display()
        )
    );
    down.ok(&["remote", "remove", "gh"]);
    if has_git() {
        root.git(&["init", "-q", "--bare", "empty.git"]);
        let empty = format!("git+file://{}", root.path().join("empty.git").display());
        assert!(
            root.fails(&["clone", &empty, "fresh"])
                .contains("holds no Arbor data (refs/arbor/data)")
        );
        assert!(!root.dir("fresh").path().exists());
    }
    assert_eq!(down.ok(&["remote"]), "origin\n");
    // A clone into a folder that is not empty, or from nowhere, leaves nothing.
    assert!(
        root.fails(&["clone", "up", "down"])
            .contains("already exists and is not an empty folder")
    );
    root.fails(&["clone", "nowhere", "fresh"]);
    assert!(!root.dir("fresh").path().exists());
}

/// Kills `arbor args...` after `delay`; whether it had finished (it must
/// have succeeded then).
fn run_killed(dir: &WorkDir, args: &[&str], delay: Duration) -> bool {
    let mut child = dir
        .command(args)
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

fn head(dir: &WorkDir, rev: &str) -> String {
    dir.ok(&["log", "--oneline", "-n", "1", rev])
}

/// Adds 40,000 rows to t in `dir` and commits them: a transfer of it takes
/// a while.
fn commit_many_rows(dir: &WorkDir) {
    dir.ok(&[
            "sql",
            "-q",
            "INSERT INTO t WITH RECURSIVE g(i) AS (SELECT 10 UNION ALL SELECT i + 1 FROM g WHERE i < 40009) SELECT i, repeat('x', 200) || i FROM g",
        ]);
    dir.ok(&["commit", "-am", "many rows"]);
}

/// Commits a change to every one of the many rows in `dir`.
fn rewrite_rows(dir: &WorkDir, suffix: &str) {
    let update = format!("UPDATE t SET v = v || '{suffix}' WHERE id >= 10");
    dir.ok(&["sql", "-q", &update]);
    dir.ok(&["commit", "-am", "rewrite"]);
}

/// Pushes from `down` killed at moments spread over `max_delay_ms`, until
/// 20 were killed before they finished; after each, `check` sees both sides
/// consistent and `remote_head` is the old head or the new one. One that
/// finishes gets a new commit rewriting every row, so there is always
/// something to send. Then a push completes.
fn kill_pushes(
    down: &WorkDir,
    max_delay_ms: u64,
    remote_head: &dyn Fn() -> String,
    check: &dyn Fn(),
) {
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
    down.ok(&["push"]);
    assert_eq!(remote_head(), head(down, "main"));
    check();
}

/// Fetches into `third` killed the same way; `publish` gives the remote a
/// new commit whenever one finished. Then a fetch completes.
fn kill_fetches(third: &WorkDir, max_delay_ms: u64, publish: &dyn Fn(u64), check: &dyn Fn()) {
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
    third.ok(&["fetch"]);
    check();
}

#[test]
fn pushes_and_fetches_killed_halfway_leave_both_sides_consistent() {
    let root = pair();
    let (up, down) = (root.dir("up"), root.dir("down"));
    commit_many_rows(&down);
    kill_pushes(&down, 45, &|| head(&up, "main"), &|| {
        fsck_clean(&[&up, &down]);
    });
    assert_eq!(rows(&up, "SELECT count(*) FROM t"), "count\n40002\n");

    // Fetches the same way, into a third repository.
    let third = root.dir("third");
    root.ok(&["clone", "up", "third"]);
    rewrite_rows(&up, "z");
    kill_fetches(
        &third,
        30,
        &|attempt| rewrite_rows(&up, &format!("f{attempt}")),
        &|| fsck_clean(&[&up, &third]),
    );
    assert_eq!(head(&third, "origin/main"), head(&up, "main"));
}

/// A bare Git repository `hub.git` in `root` whose `main` branch holds
/// ordinary code; returns its path and the commit of `main`.
fn git_hub(root: &WorkDir) -> (WorkDir, String) {
    let hub = root.dir("hub.git");
    root.git(&["init", "-q", "--bare", "-b", "main", "hub.git"]);
    let code = root.dir("code");
    root.git(&["init", "-q", "-b", "main", "code"]);
    code.write_file("load.py", "print('hello')\n");
    code.git(&["add", "load.py"]);
    code.git(&["commit", "-q", "-m", "code"]);
    code.git(&["push", "-q", hub.path().to_str().unwrap(), "main"]);
    let main = hub.git(&["rev-parse", "refs/heads/main"]);
    (hub, main)
}

/// `git fsck` finds nothing wrong with the Git repository, and its code
/// branch is still `main`.
fn git_clean(hub: &WorkDir, main: &str) {
    let out = hub.git_run(&["fsck", "--strict", "--no-dangling"]);
    let said = format!("{}{}", out.stdout, out.stderr);
    assert!(out.status.success(), "git fsck: {said}");
    for bad in ["error", "missing", "broken", "warning"] {
        assert!(!said.contains(bad), "git fsck: {said}");
    }
    assert_eq!(hub.git(&["rev-parse", "refs/heads/main"]), main);
}

/// A bare Git repository (see `git_hub`) and beside it an Arbor
/// repository `name` with `create` run and committed, whose remote
/// `origin` is the Git repository. Returns the Git repository, the commit
/// of its `main`, its URL and the Arbor repository.
fn arbor_beside_git(
    root: &WorkDir,
    name: &str,
    create: &str,
) -> (WorkDir, String, String, WorkDir) {
    let (hub, main) = git_hub(root);
    let url = format!("git+file://{}", hub.path().display());
    let dir = root.mkdir(name);
    dir.ok(&["init"]);
    dir.ok(&["sql", "-q", create]);
    dir.ok(&["commit", "-Am", "base"]);
    dir.ok(&["remote", "add", "origin", &url]);
    (hub, main, url, dir)
}

#[test]
fn clone_fetch_pull_push_through_a_git_repository() {
    if !has_git() {
        return;
    }
    let root = folder();
    let (hub, main, url, alice) = arbor_beside_git(
        &root,
        "alice",
        "CREATE TABLE t (id integer PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'a'), (2, 'b')",
    );
    alice.ok(&["tag", "v1"]);
    let pushed = alice.ok(&["push", "-u", "--tags", "origin", "main"]);
    assert!(pushed.contains("[new branch]  main -> main"), "{pushed}");
    assert!(pushed.contains("[new tag]     v1 -> v1"), "{pushed}");
    // The branch and its tags went in one update of the remote: two data
    // commits, the empty store root the remote was made with and that one.
    assert_eq!(
        hub.git(&["rev-list", "--count", "refs/arbor/data"]).trim(),
        "2"
    );
    git_clean(&hub, &main);
    assert_eq!(
        hub.git(&["for-each-ref", "--format=%(refname)"]),
        "refs/arbor/data\nrefs/heads/main\n"
    );

    // A clone through Git.
    root.ok(&["clone", &url, "bob"]);
    let bob = root.dir("bob");
    fsck_clean(&[&alice, &bob]);
    assert_eq!(
        rows(&bob, "SELECT * FROM t ORDER BY id"),
        "id,v\n1,a\n2,b\n"
    );
    assert_eq!(bob.ok(&["remote", "-v"]), format!("origin\t{url}\n"));
    assert_eq!(bob.ok(&["tag"]), "v1\n");
    assert_eq!(bob.ok(&["branch", "-a"]), "* main\n  remotes/origin/main\n");
    assert_eq!(head(&bob, "origin/main"), head(&alice, "main"));
    // Without a folder name, the clone is named as Git names it.
    assert!(root.ok(&["clone", &url]).contains("into"));
    fsck_clean(&[&root.dir("hub")]);

    // Commits on both sides; Bob's push is not a fast-forward.
    alice.ok(&["sql", "-q", "UPDATE t SET v = 'alice' WHERE id = 2"]);
    alice.ok(&["commit", "-am", "alice edits 2"]);
    alice.ok(&["push"]);
    bob.ok(&["sql", "-q", "UPDATE t SET v = 'bob' WHERE id = 1"]);
    bob.ok(&["commit", "-am", "bob edits 1"]);
    let refused = bob.fails(&["push"]);
    assert!(
        refused.starts_with("error: rejected: origin/main has commits that main does not (not a fast-forward)\nhint: integrate them first"),
        "{refused}"
    );
    git_clean(&hub, &main);
    fsck_clean(&[&alice, &bob]);

    // Fetch, then pull with a three-way merge, then the push goes through.
    let fetched = bob.ok(&["fetch"]);
    assert!(fetched.contains("main -> origin/main"), "{fetched}");
    assert_eq!(rows(&bob, "SELECT v FROM t WHERE id = 2"), "v\nb\n");
    let pulled = bob.ok(&["pull"]);
    assert!(
        pulled.contains("Merge made by the 'arbor' strategy"),
        "{pulled}"
    );
    assert_eq!(
        rows(&bob, "SELECT * FROM t ORDER BY id"),
        "id,v\n1,bob\n2,alice\n"
    );
    assert!(bob.ok(&["push"]).contains("main -> main"));
    assert_eq!(bob.ok(&["push"]), "Everything up-to-date\n");
    let pulled = alice.ok(&["pull", "--ff-only"]);
    assert!(pulled.contains("Fast-forward"), "{pulled}");
    assert_eq!(
        rows(&alice, "SELECT * FROM t ORDER BY id"),
        "id,v\n1,bob\n2,alice\n"
    );
    assert_eq!(
        alice.ok(&["log", "--oneline"]),
        bob.ok(&["log", "--oneline"])
    );
    git_clean(&hub, &main);
    fsck_clean(&[&alice, &bob]);

    // A branch pushed with -u, cloned alone, then deleted on the remote.
    bob.ok(&["checkout", "-b", "feature"]);
    bob.ok(&["sql", "-q", "INSERT INTO t VALUES (3, 'c')"]);
    bob.ok(&["commit", "-am", "feature"]);
    let pushed = bob.ok(&["push", "-u", "origin", "feature"]);
    assert!(
        pushed.contains("[new branch]  feature -> feature"),
        "{pushed}"
    );
    root.ok(&["clone", "--branch", "feature", &url, "carol"]);
    let carol = root.dir("carol");
    assert_eq!(carol.ok(&["branch"]), "* feature\n");
    assert_eq!(rows(&carol, "SELECT count(*) FROM t"), "count\n3\n");
    // A shallow clone through Git: the last commit only.
    root.ok(&["clone", "--depth", "1", &url, "dave"]);
    let dave = root.dir("dave");
    assert_eq!(dave.ok(&["log", "--oneline"]).lines().count(), 1);
    assert_eq!(
        rows(&dave, "SELECT * FROM t ORDER BY id"),
        "id,v\n1,bob\n2,alice\n"
    );
    fsck_clean(&[&dave]);
    git_clean(&hub, &main);
    fsck_clean(&[&alice, &bob, &carol]);
    assert!(
        bob.ok(&["push", "--delete", "origin", "feature"])
            .contains("[deleted]")
    );
    alice.ok(&["fetch"]);
    assert_eq!(alice.ok(&["branch", "-r"]), "  origin/main\n");
    assert_eq!(
        bob.fails(&["push", "--delete", "origin", "main"]),
        "error: refusing to delete 'main', the branch checked out in origin\n"
    );
    git_clean(&hub, &main);

    // --force overwrites a diverged remote branch.
    bob.ok(&["checkout", "main"]);
    alice.ok(&["sql", "-q", "UPDATE t SET v = 'again' WHERE id = 2"]);
    alice.ok(&["commit", "-am", "alice again"]);
    alice.ok(&["push"]);
    bob.ok(&["sql", "-q", "UPDATE t SET v = 'forced' WHERE id = 1"]);
    bob.ok(&["commit", "-am", "to be forced"]);
    bob.fails(&["push"]);
    assert!(bob.ok(&["push", "--force"]).contains("(forced update)"));
    alice.ok(&["fetch"]);
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
    let objects = hub.git(&["rev-list", "--objects", "--all"]).lines().count();
    assert!(objects < 120, "{objects} Git objects");
}

#[test]
fn git_pushes_and_fetches_killed_halfway_leave_both_sides_consistent() {
    if !has_git() {
        return;
    }
    let root = folder();
    let (hub, main, url, down) = arbor_beside_git(
        &root,
        "down",
        "CREATE TABLE t (id integer PRIMARY KEY, v text)",
    );
    down.ok(&["push", "-u", "origin", "main"]);
    commit_many_rows(&down);
    // The remote's head as a fresh fetch sees it (which also verifies every
    // chunk it reaches).
    root.ok(&["clone", &url, "watch"]);
    let watch = root.dir("watch");
    let remote_head = || {
        watch.ok(&["fetch"]);
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

    let third = root.dir("third");
    root.ok(&["clone", &url, "third"]);
    let publish = |attempt: u64| {
        rewrite_rows(&down, &format!("f{attempt}"));
        down.ok(&["push"]);
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
fn git_bytes(dir: &WorkDir, args: &[&str], input: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut child = dir
        .git_command(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// New bytes for a file of a data commit, given its name and bytes.
type FileChange = dyn Fn(&str, Vec<u8>) -> Option<Vec<u8>>;

/// Rewrites the data commit of `hub` (as someone with write access to the
/// Git repository could): each file for which `change` gives new bytes.
fn tamper(hub: &WorkDir, change: &FileChange) {
    tamper_adding(hub, change, &[]);
}

/// [`tamper`], also adding the files `extra` (path and bytes).
fn tamper_adding(hub: &WorkDir, change: &FileChange, extra: &[(&str, &[u8])]) {
    // Every file (packs sit in folders) into an index, then a tree.
    let mut files = String::new();
    for line in hub.git(&["ls-tree", "-r", "refs/arbor/data"]).lines() {
        let (meta, path) = line.split_once('\t').unwrap();
        let mut oid = meta.split_whitespace().nth(2).unwrap().to_owned();
        let name = path.rsplit('/').next().unwrap();
        let bytes = git_bytes(hub, &["cat-file", "blob", &oid], b"");
        if let Some(new) = change(name, bytes) {
            let written = git_bytes(hub, &["hash-object", "-w", "--stdin"], &new);
            oid = String::from_utf8_lossy(&written).trim().to_owned();
        }
        files.push_str(&format!("100644 {oid}\t{path}\n"));
    }
    for (path, bytes) in extra {
        let written = git_bytes(hub, &["hash-object", "-w", "--stdin"], bytes);
        files.push_str(&format!(
            "100644 {}\t{path}\n",
            String::from_utf8_lossy(&written).trim()
        ));
    }
    let _ = std::fs::remove_file(hub.path().join("index"));
    git_bytes(
        hub,
        &["update-index", "--add", "--index-info"],
        files.as_bytes(),
    );
    let tree = hub.git(&["write-tree"]);
    std::fs::remove_file(hub.path().join("index")).unwrap();
    let parent = hub.git(&["rev-parse", "refs/arbor/data"]);
    let commit = hub.git(&[
        "commit-tree",
        tree.trim(),
        "-p",
        parent.trim(),
        "-m",
        "tampered",
    ]);
    hub.git(&["update-ref", "refs/arbor/data", commit.trim()]);
}

#[test]
fn hostile_git_remotes_are_refused_and_nothing_is_published() {
    if !has_git() {
        return;
    }
    let root = folder();
    let (hub, _, url, alice) = arbor_beside_git(
        &root,
        "alice",
        "CREATE TABLE t (id integer PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'a')",
    );
    alice.ok(&["push", "-u", "origin", "main"]);
    root.ok(&["clone", &url, "bob"]);
    let bob = root.dir("bob");
    // A new commit Bob lacks: its chunks are in a pack of their own.
    alice.ok(&["sql", "-q", "INSERT INTO t VALUES (2, 'b')"]);
    alice.ok(&["commit", "-am", "two"]);
    alice.ok(&["push"]);
    let good = hub.git(&["rev-parse", "refs/arbor/data"]);
    let bob_before = bob.ok(&["branch", "-a", "-v"]);

    let blob = String::from_utf8_lossy(&git_bytes(
        &hub,
        &["hash-object", "-w", "--stdin"],
        b"not a commit",
    ))
    .into_owned();
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
        hub.git(&["update-ref", "refs/arbor/data", good.trim()]);
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
                hub.git(&["update-ref", "refs/arbor/data", blob.trim()]);
            }
        }
        let refused = bob.fails(&["fetch"]);
        assert!(refused.contains(expected), "{what}: {refused}");
        assert_eq!(bob.ok(&["branch", "-a", "-v"]), bob_before, "{what}");
        fsck_clean(&[&bob]);
        let refused = root.fails(&["clone", &url, "carol"]);
        assert!(refused.contains(expected), "{what}: {refused}");
        assert!(!root.dir("carol").path().exists(), "{what}");
    }
    // Put right, the fetch completes.
    hub.git(&["update-ref", "refs/arbor/data", good.trim()]);
    bob.ok(&["fetch"]);
    assert_eq!(head(&bob, "origin/main"), head(&alice, "main"));
    fsck_clean(&[&bob]);
}

/// The messages of `dir`'s history, one per line, newest first.
fn subjects(dir: &WorkDir) -> String {
    dir.ok(&["log", "--oneline"])
        .lines()
        .map(|l| format!("{}\n", l.split_once(' ').map_or(l, |(_, s)| s)))
        .collect()
}

#[test]
fn a_shallow_clone_holds_the_last_commits_and_still_pushes_and_pulls() {
    let root = pair();
    let up = root.dir("up");
    for i in 3..6 {
        up.ok(&["sql", "-q", &format!("INSERT INTO t VALUES ({i}, 'v{i}')")]);
        up.ok(&["commit", "-am", &format!("add {i}")]);
    }
    up.ok(&["tag", "v2"]);
    root.ok(&["clone", "--depth", "2", "up", "shallow"]);
    let shallow = root.dir("shallow");
    // Two commits, each with all its data; only the tags among them.
    assert_eq!(subjects(&shallow), "add 5\nadd 4\n");
    assert_eq!(shallow.ok(&["tag"]), "v2\n");
    assert_eq!(rows(&shallow, "SELECT count(*) FROM t"), "count\n5\n");
    assert_eq!(
        rows(&shallow, "SELECT count(*) FROM t AS OF 'HEAD~1'"),
        "count\n4\n"
    );
    assert!(shallow.fails(&["log", "HEAD~2"]).contains("HEAD~2"));
    // Smaller than a full clone.
    let full = root.dir("full");
    root.ok(&["clone", "up", "full"]);
    let size = |d: &WorkDir| {
        std::fs::metadata(d.path().join(".arbor/journal"))
            .unwrap()
            .len()
    };
    assert!(
        size(&shallow) < size(&full),
        "{} vs {}",
        size(&shallow),
        size(&full)
    );
    fsck_clean(&[&shallow, &up]);
    shallow.ok(&["gc"]);
    fsck_clean(&[&shallow]);

    // It pushes new commits, and pulls the remote's.
    shallow.ok(&["sql", "-q", "INSERT INTO t VALUES (9, 'mine')"]);
    shallow.ok(&["commit", "-am", "mine"]);
    shallow.ok(&["push"]);
    assert_eq!(
        subjects(&up),
        "mine\nadd 5\nadd 4\nadd 3\nbase\nInitialize data repository\n"
    );
    up.ok(&["sql", "-q", "DELETE FROM t WHERE id = 1"]);
    up.ok(&["commit", "-am", "up"]);
    shallow.ok(&["pull", "--ff-only"]);
    assert_eq!(subjects(&shallow), "up\nmine\nadd 5\nadd 4\n");
    assert_eq!(rows(&shallow, "SELECT count(*) FROM t"), "count\n5\n");
    fsck_clean(&[&shallow, &up]);
    assert!(
        root.fails(&["clone", "--depth", "0", "up", "none"])
            .contains("0 is not in 1")
    );
}

/// A script (`sql -f`, standard input) may not reach other folders or the
/// network unless `--allow-outside` says so: a replayed patch cannot clone
/// or push anywhere. Statements typed with -q may.
#[test]
fn scripts_reach_outside_only_when_allowed() {
    let root = pair();
    let down = root.dir("down");
    down.write_file("clone.sql", "SELECT arbor_clone('../up', '../viafile');");
    let refused = down.fails(&["sql", "-f", "clone.sql"]);
    assert!(
        refused.contains("may not reach other folders") && refused.contains("--allow-outside"),
        "{refused}"
    );
    assert!(!root.path().join("viafile").exists());
    let piped = down.run_with_input(&["sql"], "SELECT arbor_fetch('origin');");
    assert!(!piped.success(), "{}", piped.stdout);
    down.ok(&["sql", "--allow-outside", "-f", "clone.sql"]);
    assert!(root.path().join("viafile/.arbor").is_dir());
    // Relative paths in a statement are read against the repository, not
    // the folder the script happens to run in.
    let sub = down.mkdir("sub");
    sub.ok(&["sql", "-q", "SELECT arbor_clone('../up', '../viasub')"]);
    assert!(root.path().join("viasub/.arbor").is_dir());
    assert!(!down.path().join("viasub").exists());
}
