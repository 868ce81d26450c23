//! The interactive shell driven as a person uses it, in a pseudo-terminal:
//! a statement over several lines, meta commands, tab completion, an error
//! with its caret, and history kept across two sessions.

#![allow(clippy::unwrap_used)]

use std::path::Path;

mod common;

use common::{TestEnv, WorkDir};
use rexpect::session::{PtySession, spawn_command};

/// `arbor sql` in `dir`, on a terminal, keeping its history in `history`.
fn shell(dir: &WorkDir, history: &Path) -> PtySession {
    let mut cmd = dir.command(&["sql"]);
    cmd.env("ARBOR_HISTORY", history).env("TERM", "xterm");
    spawn_command(cmd, Some(10_000)).unwrap()
}

#[test]
fn a_person_at_the_shell() {
    let dir = TestEnv::new().repo();
    let history = dir.path().join("history");

    let mut p = shell(&dir, &history);
    p.exp_string("arbor(main)> ").unwrap();
    // A statement over two lines runs at the `;`.
    p.send_line("CREATE TABLE fruit (id integer PRIMARY KEY,")
        .unwrap();
    // The continuation prompt; the shell reads each line once it is shown.
    p.exp_string("> ").unwrap();
    p.send_line("name text); INSERT INTO fruit VALUES (1, 'apple');")
        .unwrap();
    p.exp_string("CREATE TABLE").unwrap();
    p.exp_string("INSERT 0 1").unwrap();
    // Uncommitted changes show in the prompt.
    p.exp_string("arbor(main*)> ").unwrap();
    p.send_line("\\dt").unwrap();
    p.exp_string("fruit").unwrap();
    p.exp_string("arbor(main*)> ").unwrap();
    p.send_line("\\d fruit").unwrap();
    p.exp_string("PRIMARY KEY (id)").unwrap();
    p.exp_string("arbor(main*)> ").unwrap();
    // Tab completes a keyword and a column name.
    p.send("SEL").unwrap();
    p.send("\t").unwrap();
    p.send(" na").unwrap();
    p.send("\t").unwrap();
    p.send_line(" FROM fruit;").unwrap();
    p.exp_string("apple").unwrap();
    p.exp_string("arbor(main*)> ").unwrap();
    // An error shows the statement's line and a caret under the spot.
    p.send_line("SELECT * FORM fruit;").unwrap();
    p.exp_string("LINE 1: SELECT * FORM fruit;").unwrap();
    p.exp_string("^").unwrap();
    p.exp_string("arbor(main*)> ").unwrap();
    p.send_line("\\q").unwrap();
    p.exp_eof().unwrap();

    // History is kept: the second session recalls the first one's query.
    let saved = std::fs::read_to_string(&history).unwrap();
    assert!(saved.contains("SELECT name FROM fruit;"), "{saved}");
    let mut p = shell(&dir, &history);
    p.exp_string("arbor(main*)> ").unwrap();
    // Up three times: \q, the failed query, then the completed one.
    p.send("\x1b[A\x1b[A\x1b[A").unwrap();
    p.send_line("").unwrap();
    p.exp_string("apple").unwrap();
    p.exp_string("arbor(main*)> ").unwrap();
    p.send_line("\\q").unwrap();
    p.exp_eof().unwrap();
}

/// Ctrl-C stops a long statement and the shell goes on; `\set` variables
/// in SQL; `\copy` out and in through files; `\e` runs what the editor
/// saved; `\c` moves the session to another branch; tables come first in
/// completion after FROM.
#[test]
fn cancel_variables_copy_edit_and_connect() {
    let dir = TestEnv::new().repo();
    let history = dir.path().join("history");
    dir.ok(&[
        "sql",
        "-q",
        "CREATE TABLE fruit (id integer PRIMARY KEY, name text); INSERT INTO fruit VALUES (1, 'apple'); SELECT arbor_branch('dev')",
    ]);
    let editor = dir.path().join("editor.sh");
    std::fs::write(
        &editor,
        "#!/bin/sh\necho 'SELECT 40 + 2 AS answer;' > \"$1\"\n",
    )
    .unwrap();
    let mut cmd = dir.command(&["sql"]);
    cmd.env("ARBOR_HISTORY", &history)
        .env("TERM", "xterm")
        .env("PSQL_EDITOR", format!("sh {}", editor.display()));
    let mut p = spawn_command(cmd, Some(20_000)).unwrap();
    p.exp_string("arbor(main*)> ").unwrap();
    // A statement that would run for minutes, stopped by Ctrl-C.
    p.send_line(
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 100000000) SELECT count(*) FROM r;",
    )
    .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    p.send_control('c').unwrap();
    p.exp_string("canceling statement due to user request")
        .unwrap();
    p.exp_string("arbor(main*)> ").unwrap();
    // Variables.
    p.send_line("\\set who apple").unwrap();
    p.exp_string("arbor(main*)> ").unwrap();
    p.send_line("SELECT id FROM fruit WHERE name = :'who';")
        .unwrap();
    p.exp_string("(1 row)").unwrap();
    p.exp_string("arbor(main*)> ").unwrap();
    // \copy out, then in again as new rows.
    p.send_line("\\copy fruit TO 'out.csv' WITH (FORMAT csv)")
        .unwrap();
    p.exp_string("COPY 1").unwrap();
    p.exp_string("arbor(main*)> ").unwrap();
    std::fs::write(dir.path().join("in.csv"), "2,pear\n3,fig\n").unwrap();
    p.send_line("\\copy fruit FROM 'in.csv' WITH (FORMAT csv)")
        .unwrap();
    p.exp_string("COPY 2").unwrap();
    p.exp_string("arbor(main*)> ").unwrap();
    // The editor writes a query; it runs.
    p.send_line("\\e").unwrap();
    p.exp_string("42").unwrap();
    p.exp_string("arbor(main*)> ").unwrap();
    // Completion after FROM offers the table, not a column.
    p.send("SELECT count(*) FROM fr").unwrap();
    p.send("\t").unwrap();
    p.send_line(";").unwrap();
    p.exp_string("3").unwrap();
    p.exp_string("arbor(main*)> ").unwrap();
    // Another branch: this session only.
    p.send_line("\\c dev").unwrap();
    p.exp_string("You are now on branch \"dev\".").unwrap();
    p.exp_string("arbor(dev)> ").unwrap();
    p.send_line("\\c nosuch").unwrap();
    p.exp_string("arbor(dev)> ").unwrap();
    p.send_line("\\q").unwrap();
    p.exp_eof().unwrap();
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out.csv")).unwrap(),
        "1,apple\n"
    );
    assert_eq!(dir.ok(&["branch", "--show-current"]).trim(), "main");
    // `-q` takes SQL that starts with a dash.
    assert!(
        dir.ok(&["sql", "-q", "-- a comment\nSELECT 1 AS one"])
            .contains("one")
    );
}
