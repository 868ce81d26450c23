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
