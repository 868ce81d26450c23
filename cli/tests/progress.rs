//! Progress bars, on a terminal only: an import in a pseudo-terminal shows
//! its passes over the file, and a clone its transfer; the same import with
//! `--quiet`, or with its output not on a terminal, shows none.

#![allow(clippy::unwrap_used)]

use std::fmt::Write as _;
use std::process::Command;

use rexpect::session::spawn_command;

#[test]
fn an_import_on_a_terminal_shows_its_progress() {
    let dir = tempfile::tempdir().unwrap();
    let arbor = || {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_arbor"));
        cmd.current_dir(dir.path())
            .env("ARBOR_COMMIT_DATE", "1700000000")
            .env("TERM", "xterm");
        cmd
    };
    assert!(arbor().arg("init").output().unwrap().status.success());
    let mut csv = String::from("id,name\n");
    for i in 0..50_000 {
        writeln!(csv, "{i},name {i}").unwrap();
    }
    std::fs::write(dir.path().join("big.csv"), csv).unwrap();

    let mut cmd = arbor();
    cmd.args(["table", "import", "a", "big.csv", "--pk", "id"]);
    let mut p = spawn_command(cmd, Some(30_000)).unwrap();
    let seen = p
        .exp_string("created table \"a\": 50000 rows from big.csv")
        .unwrap();
    assert!(
        seen.contains("scanning") || seen.contains("importing"),
        "{seen:?}"
    );

    let mut cmd = arbor();
    cmd.args(["table", "import", "b", "big.csv", "--pk", "id", "--quiet"]);
    let mut p = spawn_command(cmd, Some(30_000)).unwrap();
    let rest = p.exp_eof().unwrap();
    assert!(
        !rest.contains("importing") && !rest.contains("scanning"),
        "{rest:?}"
    );

    // A clone's transfer.
    let copy = tempfile::tempdir().unwrap();
    let mut cmd = arbor();
    cmd.args(["clone", "."])
        .arg(copy.path().join("copy"))
        .env("ARBOR_GIT_CACHE", copy.path().join("cache"));
    let mut p = spawn_command(cmd, Some(30_000)).unwrap();
    let seen = p.exp_string("Cloned").unwrap();
    assert!(seen.contains("receiving"), "{seen:?}");

    // Not on a terminal: nothing on standard error.
    let out = arbor()
        .args(["table", "import", "c", "big.csv", "--pk", "id"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}
