//! `arbor init` and `arbor fsck`, run as a user would.

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::{Command, Output};

fn arbor(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_arbor"))
        .current_dir(dir)
        .args(args)
        .env("ARBOR_COMMIT_DATE", "2024-01-31T12:00:00+00:00")
        .env_remove("ARBOR_AUTHOR_NAME")
        .env_remove("ARBOR_AUTHOR_EMAIL")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn init_then_fsck_is_clean() {
    let tmp = tempfile::tempdir().unwrap();
    let out = arbor(tmp.path(), &["init", "data"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with("Initialized an empty Arbor repository in "));
    assert!(tmp.path().join("data/.arbor/journal").is_file());
    let out = arbor(&tmp.path().join("data"), &["fsck"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("no problems"),
        "{}",
        text(&out.stdout)
    );
    // From a subdirectory, and with -C.
    std::fs::create_dir(tmp.path().join("data/sub")).unwrap();
    assert!(
        arbor(&tmp.path().join("data/sub"), &["fsck"])
            .status
            .success()
    );
    assert!(arbor(tmp.path(), &["-C", "data", "fsck"]).status.success());
}

#[test]
fn init_twice_and_fsck_outside_a_repository_are_clear_errors() {
    let tmp = tempfile::tempdir().unwrap();
    assert!(arbor(tmp.path(), &["init"]).status.success());
    let out = arbor(tmp.path(), &["init"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("is already an Arbor repository"),
        "{}",
        text(&out.stderr)
    );
    let elsewhere = tempfile::tempdir().unwrap();
    let out = arbor(elsewhere.path(), &["fsck"]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.starts_with("error: ") && err.contains("is not in an Arbor repository"),
        "{err}"
    );
    assert!(err.contains("hint: create one with `arbor init`"), "{err}");
}

#[test]
fn bad_names_are_refused_and_nothing_is_created() {
    let tmp = tempfile::tempdir().unwrap();
    let out = arbor(tmp.path(), &["init", "x", "-b", "bad name"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("'bad name' is not a valid branch name"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        !tmp.path().join("x/.arbor").exists(),
        "a refused init leaves nothing behind"
    );
}

#[test]
fn fsck_reports_a_damaged_journal() {
    let tmp = tempfile::tempdir().unwrap();
    assert!(arbor(tmp.path(), &["init"]).status.success());
    let journal = tmp.path().join(".arbor/journal");
    let mut bytes = std::fs::read(&journal).unwrap();
    // A byte inside the first chunk's payload (after the 12-byte file header
    // and the 46-byte record header).
    bytes[12 + 46 + 3] ^= 0x55;
    std::fs::write(&journal, bytes).unwrap();
    let out = arbor(tmp.path(), &["fsck"]);
    assert!(!out.status.success(), "damage must fail fsck");
    let all = text(&out.stdout) + &text(&out.stderr);
    assert!(all.contains("corrupt") || all.contains("damaged"), "{all}");
}
