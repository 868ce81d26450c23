//! Readers are never blocked: commands that read take no lock, and an open
//! `arbor sql` shell holds the writer lock only while a statement writes
//! (or a transaction it began is open), so other commands run beside it.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::TestEnv;
use rexpect::session::spawn_command;

#[test]
fn an_open_shell_blocks_no_other_command() {
    let repo = TestEnv::new().repo();
    repo.ok(&[
        "sql",
        "-q",
        "CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1)",
    ]);
    repo.ok(&["commit", "-Am", "t"]);
    let mut cmd = repo.command(&["sql"]);
    cmd.env("ARBOR_HISTORY", repo.path().join("history"))
        .env("TERM", "xterm");
    let mut shell = spawn_command(cmd, Some(30_000)).unwrap();
    shell.exp_string("arbor(main)> ").unwrap();
    shell.send_line("INSERT INTO t VALUES (2);").unwrap();
    shell.exp_string("INSERT 0 1").unwrap();
    shell.exp_string("arbor(main*)> ").unwrap();

    // The shell waits for its next statement: readers and writers alike go
    // straight through (a lock held would make a writer wait 10 s and fail).
    let start = Instant::now();
    repo.ok(&["sql", "-q", "INSERT INTO t VALUES (3)"]);
    repo.ok(&["commit", "-am", "two and three"]);
    assert_eq!(
        repo.ok(&["sql", "--format", "csv", "-q", "SELECT count(*) FROM t"]),
        "count\n3\n"
    );
    repo.ok(&["table", "export", "t"]);
    assert!(repo.ok(&["fsck"]).contains("no problems"));
    assert!(
        start.elapsed() < Duration::from_secs(8),
        "something waited for a lock: {:?}",
        start.elapsed()
    );

    // The shell's next statement sees what was committed meanwhile.
    shell.send_line("SELECT count(*) AS n FROM t;").unwrap();
    shell.exp_string("3").unwrap();
    shell.exp_string("(1 row)").unwrap();
    // gc, which replaces the journal file, waits for open sessions and says so.
    let gc = repo.run(&["gc"]);
    assert!(!gc.success());
    assert!(
        gc.stderr
            .contains("sessions that read this repository are open"),
        "{}",
        gc.stderr
    );
    // An open transaction holds the lock: a writer is told who holds it.
    shell.send_line("BEGIN; INSERT INTO t VALUES (4);").unwrap();
    shell.exp_string("INSERT 0 1").unwrap();
    let refused = repo.run(&["sql", "-q", "INSERT INTO t VALUES (5)"]);
    assert!(!refused.success());
    assert!(
        refused
            .stderr
            .contains("locked by another Arbor process (pid "),
        "{}",
        refused.stderr
    );
    // Readers still go through.
    assert!(repo.ok(&["log", "--oneline"]).contains("two and three"));
    shell.send_line("COMMIT;").unwrap();
    shell.exp_string("COMMIT").unwrap();
    shell.send_line("\\q").unwrap();
    shell.exp_eof().unwrap();
    repo.ok(&["sql", "-q", "INSERT INTO t VALUES (5)"]);
    repo.ok(&["gc"]);
}
