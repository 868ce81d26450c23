//! Progress bars, on a terminal only: an import in a pseudo-terminal shows
//! its passes over the file, and a clone its transfer; the same import with
//! `--quiet`, or with its output not on a terminal, shows none.

#![allow(clippy::unwrap_used)]

use std::fmt::Write as _;

mod common;

use common::TestEnv;
use rexpect::session::spawn_command;

#[test]
fn an_import_on_a_terminal_shows_its_progress() {
    let dir = TestEnv::new().with_var("TERM", "xterm").repo();
    let mut csv = String::from("id,name\n");
    for i in 0..50_000 {
        writeln!(csv, "{i},name {i}").unwrap();
    }
    dir.write_file("big.csv", csv);

    let cmd = dir.command(&["table", "import", "a", "big.csv", "--pk", "id"]);
    let mut p = spawn_command(cmd, Some(30_000)).unwrap();
    let seen = p
        .exp_string("created table \"a\": 50000 rows from big.csv")
        .unwrap();
    assert!(
        seen.contains("scanning") || seen.contains("importing"),
        "{seen:?}"
    );

    let cmd = dir.command(&["table", "import", "b", "big.csv", "--pk", "id", "--quiet"]);
    let mut p = spawn_command(cmd, Some(30_000)).unwrap();
    let rest = p.exp_eof().unwrap();
    assert!(
        !rest.contains("importing") && !rest.contains("scanning"),
        "{rest:?}"
    );

    // A clone's transfer.
    let mut cmd = dir.command(&["clone", "."]);
    cmd.arg(dir.env().work_dir().path().join("copy"));
    let mut p = spawn_command(cmd, Some(30_000)).unwrap();
    let seen = p.exp_string("Cloned").unwrap();
    assert!(seen.contains("receiving"), "{seen:?}");

    // Not on a terminal: nothing on standard error.
    let out = dir.run(&["table", "import", "c", "big.csv", "--pk", "id"]);
    assert!(out.status.success());
    assert_eq!(out.stderr, "");
}
