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
