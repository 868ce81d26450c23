//! What a terminal gets that a pipe does not, in a pseudo-terminal: long
//! output through the pager, colour, and the branches and tags beside
//! each commit of the log; and none of it when the output is piped (or
//! when the user turns it off).

#![allow(clippy::unwrap_used)]

mod common;

use common::{TestEnv, WorkDir};
use rexpect::session::spawn_command;

/// A repository with two commits on main, a branch and a tag, and an
/// unstaged change.
fn repository() -> WorkDir {
    let dir = TestEnv::new().repo();
    dir.ok(&[
        "sql",
        "-q",
        "CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'a')",
    ]);
    dir.ok(&["add", "."]);
    dir.ok(&["commit", "-m", "first"]);
    dir.ok(&["sql", "-q", "INSERT INTO t VALUES (2, 'b')"]);
    dir.ok(&["commit", "-am", "second"]);
    dir.ok(&["branch", "side"]);
    dir.ok(&["tag", "v1"]);
    dir.ok(&["sql", "-q", "UPDATE t SET v = 'z' WHERE id = 1"]);
    dir
}

/// What `arbor args` prints on a terminal, with `vars` set.
fn on_terminal(dir: &WorkDir, args: &[&str], vars: &[(&str, &str)]) -> String {
    let mut cmd = dir.command(args);
    cmd.env("TERM", "xterm");
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let mut p = spawn_command(cmd, Some(20_000)).unwrap();
    p.exp_eof().unwrap()
}

/// A pager that marks each line it shows, and says what `LESS` it got.
const MARKING_PAGER: &str = "echo \"LESS=$LESS\"; sed 's/^/paged: /'";

#[test]
fn long_output_goes_through_the_pager_on_a_terminal_only() {
    let dir = repository();
    let paged = on_terminal(&dir, &["log", "--oneline"], &[("PAGER", MARKING_PAGER)]);
    assert!(paged.contains("paged: "), "{paged}");
    assert!(paged.contains("second"), "{paged}");
    // LESS gets Git's default when the user has none.
    assert!(paged.contains("LESS=FRX"), "{paged}");
    let kept = on_terminal(
        &dir,
        &["log", "--oneline"],
        &[("PAGER", MARKING_PAGER), ("LESS", "-S")],
    );
    assert!(kept.contains("LESS=-S"), "{kept}");

    // ARBOR_PAGER before PAGER; the setting core.pager between them.
    let arbor = on_terminal(
        &dir,
        &["diff"],
        &[("PAGER", "cat"), ("ARBOR_PAGER", "sed 's/^/arbor: /'")],
    );
    assert!(arbor.contains("arbor: "), "{arbor}");
    dir.ok(&["config", "core.pager", "sed 's/^/setting: /'"]);
    let setting = on_terminal(&dir, &["show"], &[("PAGER", MARKING_PAGER)]);
    assert!(setting.contains("setting: "), "{setting}");
    dir.ok(&["config", "--unset", "core.pager"]);

    // Off: --no-pager, pager.enabled false, a pager of `cat`, short output.
    let off = on_terminal(&dir, &["--no-pager", "log"], &[("PAGER", MARKING_PAGER)]);
    assert!(!off.contains("paged: ") && off.contains("second"), "{off}");
    dir.ok(&["config", "pager.enabled", "false"]);
    let off = on_terminal(&dir, &["log"], &[("PAGER", MARKING_PAGER)]);
    assert!(!off.contains("paged: ") && off.contains("second"), "{off}");
    dir.ok(&["config", "--unset", "pager.enabled"]);
    let status = on_terminal(&dir, &["status"], &[("PAGER", MARKING_PAGER)]);
    assert!(!status.contains("paged: "), "status is not paged: {status}");
    // Query results from -q are paged; an error still reaches the terminal.
    let query = on_terminal(
        &dir,
        &["sql", "-q", "SELECT v FROM t ORDER BY id"],
        &[("PAGER", MARKING_PAGER)],
    );
    assert!(query.contains("paged:  z"), "{query}");
    let failed = on_terminal(&dir, &["log", "nosuch"], &[("PAGER", MARKING_PAGER)]);
    assert!(failed.contains("unknown revision 'nosuch'"), "{failed}");

    // Piped, nothing is paged whatever the settings.
    let piped = dir
        .with_env(|e| e.with_var("PAGER", MARKING_PAGER))
        .ok(&["log", "--oneline"]);
    assert!(!piped.contains("paged: "), "{piped}");
}

#[test]
fn colour_on_a_terminal_never_into_a_pipe_unless_asked() {
    let dir = repository();
    let red = "\u{1b}[31m";
    let green = "\u{1b}[32m";
    let status = on_terminal(&dir, &["status"], &[]);
    assert!(status.contains(&format!("{red}modified:  t")), "{status:?}");
    let diff = on_terminal(&dir, &["--no-pager", "diff"], &[]);
    assert!(diff.contains(red) && diff.contains(green), "{diff:?}");
    let error = on_terminal(&dir, &["checkout", "nosuch"], &[]);
    assert!(error.contains(&format!("{red}error:")), "{error:?}");

    // NO_COLOR, --color=never, TERM=dumb and color.ui never turn it off.
    for (args, vars) in [
        (vec!["status"], vec![("NO_COLOR", "1")]),
        (vec!["--color=never", "status"], vec![]),
        (vec!["status"], vec![("TERM", "dumb")]),
    ] {
        let plain = on_terminal(&dir, &args, &vars);
        assert!(!plain.contains('\u{1b}'), "{args:?} {vars:?}: {plain:?}");
    }
    dir.ok(&["config", "color.ui", "never"]);
    let plain = on_terminal(&dir, &["status"], &[]);
    assert!(!plain.contains('\u{1b}'), "{plain:?}");
    // The flag wins over the setting.
    let forced = on_terminal(&dir, &["--color=always", "status"], &[]);
    assert!(forced.contains(red), "{forced:?}");
    dir.ok(&["config", "--unset", "color.ui"]);

    // Piped: plain, unless --color=always.
    assert!(!dir.ok(&["status"]).contains('\u{1b}'));
    assert!(!dir.ok(&["diff"]).contains('\u{1b}'));
    assert!(dir.ok(&["--color=always", "status"]).contains(red));
    let error = dir.run(&["--color=always", "checkout", "nosuch"]);
    assert!(error.stderr.contains(&format!("{red}error:")), "{error}");
}

#[test]
fn the_log_shows_branches_and_tags_on_a_terminal() {
    let dir = repository();
    let log = on_terminal(
        &dir,
        &["--no-pager", "--color=never", "log", "--oneline"],
        &[],
    );
    assert!(
        log.contains("(HEAD -> main, side, tag: v1) second"),
        "{log}"
    );
    // Piped: only with --decorate, and --no-decorate turns it off.
    let piped = dir.ok(&["log", "--oneline"]);
    assert!(!piped.contains("HEAD ->"), "{piped}");
    let decorated = dir.ok(&["log", "--oneline", "--decorate"]);
    assert!(
        decorated.contains("(HEAD -> main, side, tag: v1) second"),
        "{decorated}"
    );
    let plain = on_terminal(&dir, &["--no-pager", "log", "--no-decorate"], &[]);
    assert!(!plain.contains("HEAD ->"), "{plain}");
}

#[test]
fn the_shell_pages_a_result_longer_than_the_screen() {
    let dir = repository();
    let mut cmd = dir.command(&["sql"]);
    cmd.env("TERM", "xterm")
        .env("PAGER", MARKING_PAGER)
        .env("ARBOR_HISTORY", dir.path().join("history"));
    let mut p = spawn_command(cmd, Some(20_000)).unwrap();
    p.exp_string("arbor(main*)> ").unwrap();
    p.send_line("SELECT n FROM generate_series(1, 200) AS g(n);")
        .unwrap();
    p.exp_string("paged:  200").unwrap();
    p.exp_string("arbor(main*)> ").unwrap();
    // A short result is printed as it is.
    p.send_line("SELECT 'short' AS s;").unwrap();
    let before = p.exp_string("(1 row)").unwrap();
    assert!(!before.contains("paged:"), "{before}");
    p.send_line("\\q").unwrap();
    p.exp_eof().unwrap();
}
