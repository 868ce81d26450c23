//! `arbor init` and `arbor fsck`, run as a user would.

#![allow(clippy::unwrap_used)]

mod common;

use common::{TestEnv, WorkDir};

/// The folder of a new environment with no author (the first commit is
/// Arbor's own) and an RFC 3339 commit date.
fn folder() -> WorkDir {
    TestEnv::new()
        .without_author()
        .with_date("2024-01-31T12:00:00+00:00")
        .work_dir()
}

#[test]
fn init_then_fsck_is_clean() {
    let tmp = folder();
    let out = tmp.run(&["init", "data"]);
    assert!(out.status.success(), "{}", out.stderr);
    assert!(
        out.stdout
            .starts_with("Initialized an empty Arbor repository in ")
    );
    assert!(tmp.path().join("data/.arbor/journal").is_file());
    let out = tmp.dir("data").run(&["fsck"]);
    assert!(out.status.success(), "{}", out.stderr);
    assert!(out.stdout.contains("no problems"), "{}", out.stdout);
    // From a subdirectory, and with -C.
    std::fs::create_dir(tmp.path().join("data/sub")).unwrap();
    assert!(tmp.dir("data/sub").run(&["fsck"]).status.success());
    assert!(tmp.run(&["-C", "data", "fsck"]).status.success());
}

/// The first commit is signed by the configured author (Arbor's own
/// only when there is none), as any commit is.
#[test]
fn the_first_commit_has_the_configured_author() {
    let tmp = folder();
    tmp.ok(&["init", "plain"]);
    let log = tmp.dir("plain").ok(&["log"]);
    assert!(log.contains("Author: Arbor <arbor@localhost>"), "{log}");
    tmp.ok(&["config", "--global", "user.name", "Ada Byron"]);
    tmp.ok(&["config", "--global", "user.email", "ada@example.com"]);
    tmp.ok(&["init", "signed"]);
    let log = tmp.dir("signed").ok(&["log"]);
    assert!(log.contains("Author: Ada Byron <ada@example.com>"), "{log}");
}

#[test]
fn init_twice_and_fsck_outside_a_repository_are_clear_errors() {
    let work = folder();
    let tmp = work.mkdir("repo");
    assert!(tmp.run(&["init"]).status.success());
    let out = tmp.run(&["init"]);
    assert!(!out.status.success());
    assert!(
        out.stderr.contains("is already an Arbor repository"),
        "{}",
        out.stderr
    );
    let elsewhere = work.mkdir("elsewhere");
    let out = elsewhere.run(&["fsck"]);
    assert!(!out.status.success());
    let err = out.stderr;
    assert!(
        err.starts_with("error: ") && err.contains("is not in an Arbor repository"),
        "{err}"
    );
    assert!(err.contains("hint: create one with `arbor init`"), "{err}");
}

#[test]
fn bad_names_are_refused_and_nothing_is_created() {
    let tmp = folder();
    let out = tmp.run(&["init", "x", "-b", "bad name"]);
    assert!(!out.status.success());
    assert!(
        out.stderr.contains("'bad name' is not a valid branch name"),
        "{}",
        out.stderr
    );
    assert!(
        !tmp.path().join("x/.arbor").exists(),
        "a refused init leaves nothing behind"
    );
}

#[test]
fn fsck_reports_a_damaged_journal() {
    let tmp = folder();
    assert!(tmp.run(&["init"]).status.success());
    let journal = tmp.path().join(".arbor/journal");
    let mut bytes = std::fs::read(&journal).unwrap();
    // A byte inside the first chunk's payload (after the 12-byte file header
    // and the 46-byte record header).
    bytes[12 + 46 + 3] ^= 0x55;
    std::fs::write(&journal, bytes).unwrap();
    let out = tmp.run(&["fsck"]);
    assert!(!out.status.success(), "damage must fail fsck");
    let all = out.stdout + &out.stderr;
    assert!(all.contains("corrupt") || all.contains("damaged"), "{all}");
}

/// A flipped byte in the last root record of the journal is a commit's
/// record damaged, not an interrupted write: no command cuts it off behind
/// the user's back. Writers refuse, readers read the state before it and
/// say so, fsck reports it without changing a byte, and `fsck --repair`
/// rolls back, keeping the cut bytes and naming the commit it dropped.
#[test]
fn a_damaged_last_commit_is_kept_until_fsck_repair() {
    let tmp = TestEnv::new().repo();
    tmp.ok(&[
        "sql",
        "-q",
        "CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1)",
    ]);
    tmp.ok(&["commit", "-Am", "first"]);
    tmp.ok(&["sql", "-q", "INSERT INTO t VALUES (2)"]);
    tmp.ok(&["commit", "-am", "second"]);
    let log_before = tmp.ok(&["log", "--oneline"]);
    assert!(log_before.contains("second"), "{log_before}");
    let journal = tmp.path().join(".arbor/journal");
    let mut bytes = std::fs::read(&journal).unwrap();
    let at = bytes.len() - 78 + 40; // inside the root field of the last root record
    bytes[at] ^= 0x01;
    std::fs::write(&journal, &bytes).unwrap();
    let unchanged = || {
        assert_eq!(
            std::fs::read(&journal).unwrap(),
            bytes,
            "the journal was changed"
        )
    };

    // Writers refuse, naming the damage and the way out.
    let err = tmp.fails(&["sql", "-q", "INSERT INTO t VALUES (3)"]);
    assert!(err.contains("damaged at byte offset"), "{err}");
    let err = tmp.fails(&["commit", "--allow-empty", "-m", "x"]);
    assert!(err.contains("arbor fsck --repair"), "{err}");
    unchanged();
    // Readers read the state before the damage, and say so.
    let out = tmp.run(&["sql", "-q", "SELECT count(*) FROM t"]);
    assert!(out.success(), "{}", out.stderr);
    assert!(
        out.stderr.contains("warning: the journal is damaged"),
        "{}",
        out.stderr
    );
    let out = tmp.run(&["log", "--oneline"]);
    assert!(
        out.success() && out.stderr.contains("warning: the journal is damaged"),
        "{}",
        out.stderr
    );
    unchanged();
    // fsck reports and fails, changing nothing.
    let out = tmp.run(&["fsck"]);
    assert_eq!(out.code(), Some(1), "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("problem: the journal is damaged at byte offset"),
        "{}",
        out.stdout
    );
    unchanged();

    // The explicit repair rolls back and says what it dropped.
    let out = tmp.run(&["fsck", "--repair"]);
    assert!(out.success(), "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("repaired: the journal was damaged"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("no problems"), "{}", out.stdout);
    let kept: Vec<_> = std::fs::read_dir(tmp.path().join(".arbor"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("journal.cut-"))
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    let cut_at: usize = kept[0]["journal.cut-".len()..].parse().unwrap();
    assert_eq!(
        std::fs::read(tmp.path().join(".arbor").join(&kept[0])).unwrap(),
        bytes[cut_at..],
        "the cut bytes are kept"
    );
    // Every publish after the damage point is reported; the commit "second"
    // is named if its publish was the one cut.
    let log_after = tmp.ok(&["log", "--oneline"]);
    if !log_after.contains("second") {
        assert!(
            out.stdout.contains("dropped commit") && out.stdout.contains("second"),
            "{}",
            out.stdout
        );
    }
    // And the repository works again.
    tmp.ok(&["sql", "-q", "INSERT INTO t VALUES (3)"]);
    tmp.ok(&["commit", "-am", "third"]);
    assert!(tmp.ok(&["fsck"]).contains("no problems"));
}

/// `-C` with a folder that is not there says so, as Git's does, instead of
/// calling it a folder outside any repository.
#[test]
fn dash_c_with_a_missing_folder_says_it_is_missing() {
    let tmp = folder();
    assert_eq!(
        tmp.fails(&["-C", "nowhere", "status"]),
        "error: cannot change to 'nowhere': no such directory\n"
    );
    tmp.write_file("file", "x");
    assert_eq!(
        tmp.fails(&["-C", "file", "status"]),
        "error: cannot change to 'file': it is not a directory\n"
    );
}

/// `arbor version` and `arbor --version` say the version, the formats this
/// build reads and writes, and its optional features.
#[test]
fn version_names_the_formats_and_features() {
    let tmp = folder();
    let expected = format!(
        "arbor {}\nformats: chunks 1, journal 2 (reads 1 and 2)\nfeatures: git, server\n",
        env!("CARGO_PKG_VERSION")
    );
    assert_eq!(tmp.ok(&["version"]), expected);
    assert_eq!(tmp.ok(&["--version"]), expected);
}

/// The journal format version in a repository's file header.
fn journal_version(repo: &WorkDir) -> u32 {
    let journal = std::fs::read(repo.path().join(".arbor/journal")).unwrap();
    u32::from_le_bytes(journal[8..12].try_into().unwrap())
}

/// `tests/fixtures/v1-repository`, written by the last build of journal
/// format 1 (`tests/fixtures/make-v1-repository.sh`), copied into a new
/// environment.
fn version_1_repository() -> WorkDir {
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/v1-repository/.arbor/journal");
    let repo = TestEnv::new().work_dir().mkdir("old");
    std::fs::create_dir(repo.path().join(".arbor")).unwrap();
    std::fs::copy(&fixture, repo.path().join(".arbor/journal")).unwrap();
    repo
}

#[test]
fn a_version_1_repository_opens_reads_and_is_upgraded_by_gc() {
    let repo = version_1_repository();
    assert_eq!(journal_version(&repo), 1);
    // What the fixture's script wrote, hashes included: compression is
    // below addresses, so they never change with the format.
    let log = "1a4d4f12 notes\nb69b780f items\nb77151ff Initialize data repository\n";
    let items = "SELECT count(*), sum(qty), count(DISTINCT doc->>'color') FROM items";
    let read_everything = |repo: &WorkDir, qty: &str| {
        assert_eq!(repo.ok(&["log", "--oneline"]), log);
        let out = repo.ok(&["sql", "-q", items, "--format", "csv"]);
        assert_eq!(out, format!("count,sum,count\n3000,{qty},3\n"));
        let out = repo.ok(&[
            "sql",
            "-q",
            "SELECT body, count(*) FROM notes GROUP BY body ORDER BY 1",
            "--format",
            "csv",
        ]);
        assert_eq!(out, "body,count\nfirst,1\nsecond,2\n");
        let feature = repo.ok(&[
            "sql",
            "-q",
            "SELECT sum(qty) FROM items AS OF 'feature'",
            "--format",
            "csv",
        ]);
        assert_eq!(feature, "sum\n24972\n");
        let fsck = repo.ok(&["fsck"]);
        assert!(fsck.contains("no problems"), "{fsck}");
        // Until gc, fsck says how to move to the current format.
        let note = "the journal is in format 1; `arbor gc` rewrites it in format 2";
        assert_eq!(fsck.contains(note), journal_version(repo) == 1, "{fsck}");
    };
    read_everything(&repo, "23972");
    assert!(repo.ok(&["status"]).contains("nothing to commit"));
    // Writing keeps version 1 (older builds still read it)...
    repo.ok(&["sql", "-q", "UPDATE items SET qty = qty + 1 WHERE id = 1"]);
    repo.ok(&["commit", "-am", "one more"]);
    assert_eq!(journal_version(&repo), 1);
    repo.ok(&["reset", "--hard", "HEAD~1"]);
    read_everything(&repo, "23972");
    // ...and gc writes a version-2 journal holding the same commits.
    repo.ok(&["gc"]);
    assert_eq!(journal_version(&repo), 2);
    read_everything(&repo, "23972");
}
