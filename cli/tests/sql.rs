//! `arbor sql` as a user runs it: statements from -q, -f and standard input,
//! output formats, and errors with their SQLSTATE and caret.

#![allow(clippy::unwrap_used)]

mod common;

use common::TestEnv;

#[test]
fn statements_from_every_source_share_the_working_set() {
    let dir = TestEnv::new().repo();
    let out = dir.run(&[
            "sql",
            "-q",
            "CREATE TABLE t (id integer PRIMARY KEY, name text); INSERT INTO t VALUES (1, 'a'), (2, NULL)",
        ]);
    assert!(out.status.success(), "{}", out.stderr);
    assert_eq!(out.stdout, "CREATE TABLE\nINSERT 0 2\n");
    dir.write_file("more.sql", "INSERT INTO t VALUES (3, 'c, with comma');");
    assert!(dir.run(&["sql", "-f", "more.sql"]).status.success());
    let out = dir.run_with_input(&["sql"], "SELECT id, name FROM t ORDER BY id");
    let expected = [
        " id |     name      ",
        "----+---------------",
        "  1 | a",
        "  2 |",
        "  3 | c, with comma",
        "(3 rows)",
        "",
        "",
    ];
    assert_eq!(out.stdout, expected.join("\n"));
    let out = dir.run(&[
        "sql",
        "--format",
        "csv",
        "-q",
        "SELECT * FROM t WHERE id > 1",
    ]);
    assert_eq!(out.stdout, "id,name\n2,\n3,\"c, with comma\"\n");
}

#[test]
fn errors_show_the_sqlstate_and_a_caret_and_change_nothing() {
    let dir = TestEnv::new().repo();
    dir.run(&["sql", "-q", "CREATE TABLE t (id integer PRIMARY KEY)"]);
    let out = dir.run(&["sql", "-q", "SELECT *\nFROM t WHER id = 1"]);
    assert!(!out.status.success());
    let err = out.stderr;
    assert!(err.starts_with("error: "), "{err}");
    assert!(
        err.contains("LINE 2: FROM t WHER id = 1\n                    ^"),
        "{err}"
    );
    assert!(err.contains("SQLSTATE: 42601"), "{err}");
    let out = dir.run(&[
        "sql",
        "-q",
        "INSERT INTO t VALUES (1); INSERT INTO t VALUES (1)",
    ]);
    assert!(!out.status.success());
    let err = out.stderr;
    assert!(
        err.contains("duplicate key value violates unique constraint \"t_pkey\""),
        "{err}"
    );
    assert!(
        err.contains("DETAIL: Key (id)=(1) already exists."),
        "{err}"
    );
    // The first statement was published before the second failed.
    let out = dir.run(&["sql", "--format", "csv", "-q", "SELECT count(*) FROM t"]);
    assert_eq!(out.stdout, "count\n1\n");
}

#[test]
fn every_output_format_and_continue() {
    let dir = TestEnv::new().repo();
    let setup = dir.run(&[
            "sql",
            "-q",
            "CREATE TABLE t (id integer PRIMARY KEY, name text, doc jsonb); INSERT INTO t VALUES (1, 'a|b', '{\"k\": [1]}'), (2, NULL, NULL)",
        ]);
    assert!(setup.status.success(), "{}", setup.stderr);
    let q = "SELECT id, name, doc FROM t ORDER BY id";
    let run = |format: &str| {
        let out = dir.run(&["sql", "--format", format, "-q", q]);
        assert!(out.status.success(), "{}", out.stderr);
        out.stdout
    };
    // TSV quotes as CSV does, so a field with quotes reads back exactly.
    assert_eq!(
        run("tsv"),
        "id\tname\tdoc\n1\ta|b\t\"{\"\"k\"\": [1]}\"\n2\t\t\n"
    );
    assert_eq!(
        run("jsonl"),
        "{\"id\": 1, \"name\": \"a|b\", \"doc\": {\"k\": [1]}}\n{\"id\": 2, \"name\": null, \"doc\": null}\n"
    );
    assert_eq!(
        run("json"),
        "[\n{\"id\": 1, \"name\": \"a|b\", \"doc\": {\"k\": [1]}},\n{\"id\": 2, \"name\": null, \"doc\": null}\n]\n"
    );
    assert_eq!(
        run("markdown"),
        "| id | name | doc |\n|---|---|---|\n| 1 | a\\|b | {\"k\": [1]} |\n| 2 | NULL | NULL |\n"
    );
    assert_eq!(
        run("vertical"),
        "-[ RECORD 1 ]----\nid   | 1\nname | a|b\ndoc  | {\"k\": [1]}\n-[ RECORD 2 ]----\nid   | 2\nname | \ndoc  | \n"
    );
    // --continue runs every statement and still fails the run.
    let out = dir.run(&[
        "sql",
        "--continue",
        "--format",
        "csv",
        "-q",
        "SELECT 1 AS a; SELECT nope; SELECT 2 AS b",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(out.stdout, "a\n1\nb\n2\n");
    assert!(out.stderr.contains("column \"nope\" does not exist"));
    // Without it, the run stops at the error.
    let out = dir.run(&[
        "sql",
        "--format",
        "csv",
        "-q",
        "SELECT 1 AS a; SELECT nope; SELECT 2 AS b",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(out.stdout, "a\n1\n");
}

/// A reader that stops early (`arbor ... | head -1`) ends the command
/// quietly by SIGPIPE, as Git's commands end: no error message, no panic.
#[test]
fn output_to_a_reader_that_stops_early_ends_quietly() {
    use std::io::Read;
    use std::os::unix::process::ExitStatusExt;
    use std::process::Stdio;

    let dir = TestEnv::new().repo();
    dir.ok(&[
        "sql",
        "-q",
        "CREATE TABLE big (n int); INSERT INTO big WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 100000) SELECT n FROM s",
    ]);
    dir.ok(&["commit", "-am", "big"]);
    for args in [
        &["sql", "-q", "SELECT * FROM big"][..],
        &["table", "export", "big"],
        &["diff", "HEAD~1"],
        &["log"],
    ] {
        let mut child = dir
            .command(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = [0u8; 16];
        child.stdout.take().unwrap().read_exact(&mut first).unwrap();
        // The reader is gone; the command writes on.
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
        assert!(
            out.status.success() || out.status.signal() == Some(13),
            "{args:?}: {:?}",
            out.status
        );
    }
}
