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
    // The two statements were one transaction: neither is kept.
    let out = dir.run(&["sql", "--format", "csv", "-q", "SELECT count(*) FROM t"]);
    assert_eq!(out.stdout, "count\n0\n");
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

/// A script runs statement by statement, as psql runs a file: one that does
/// not parse fails in its turn, after those before it ran, and with
/// --continue those after it run too; its error is placed in the file.
#[test]
fn a_statement_that_does_not_parse_fails_alone() {
    let dir = TestEnv::new().repo();
    let script = dir.path().join("script.sql");
    std::fs::write(
        &script,
        "CREATE TABLE s (x integer);\nINSERT INTO s VALUES (1);\nSELEC oops;\nINSERT INTO s VALUES (2);\n",
    )
    .unwrap();
    let script = script.to_str().unwrap();
    let out = dir.run(&["sql", "--continue", "-f", script]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stderr.contains("LINE 3: SELEC oops;"), "{}", out.stderr);
    let count = |dir: &common::WorkDir| {
        dir.run(&["sql", "--format", "csv", "-q", "SELECT count(*) FROM s"])
            .stdout
    };
    assert_eq!(count(&dir), "count\n2\n");
    // Without --continue, the statements before the bad one are kept.
    let out = dir.run(&["sql", "-q", "DROP TABLE s"]);
    assert!(out.status.success(), "{}", out.stderr);
    let out = dir.run(&["sql", "-f", script]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(count(&dir), "count\n1\n");
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

/// The statements of one -q run as `psql -c` runs them: one implicit
/// transaction, so if one fails none is kept (what ran before the failure
/// stays printed); BEGIN makes the transaction explicit (the statements
/// before it included), a COMMIT inside ends it and the statements after
/// it start another; a version-control procedure commits what came before
/// it and runs on its own (refused, 25001, in a transaction the string
/// began). -f, standard input and --continue run each statement on its own.
#[test]
fn a_query_string_is_one_transaction() {
    let dir = TestEnv::new().repo();
    dir.ok(&["sql", "-q", "CREATE TABLE t (id integer PRIMARY KEY)"]);
    dir.ok(&["commit", "-am", "t"]);
    let ids = || {
        dir.ok(&[
            "sql",
            "--format",
            "csv",
            "-q",
            "SELECT id FROM t ORDER BY id",
        ])
    };
    let out = dir.run(&[
        "sql",
        "-q",
        "INSERT INTO t VALUES (1); INSERT INTO nope VALUES (2)",
    ]);
    assert_eq!(out.code(), Some(1), "{out}");
    assert_eq!(out.stdout, "INSERT 0 1\n");
    assert!(
        out.stderr
            .starts_with("error: relation \"nope\" does not exist"),
        "{out}"
    );
    assert_eq!(ids(), "id\n");
    assert!(dir.ok(&["status"]).contains("working tree clean"));

    // A failure after BEGIN: the explicit transaction is never committed.
    let out = dir.run(&[
        "sql",
        "-q",
        "INSERT INTO t VALUES (1); BEGIN; INSERT INTO t VALUES (2); SELECT nope",
    ]);
    assert_eq!(out.code(), Some(1), "{out}");
    assert_eq!(out.stdout, "INSERT 0 1\nBEGIN\nINSERT 0 1\n");
    assert_eq!(ids(), "id\n");

    // A COMMIT inside keeps what came before it; a failure after it drops
    // only what came after.
    let out = dir.run(&[
        "sql",
        "-q",
        "INSERT INTO t VALUES (1); COMMIT; INSERT INTO t VALUES (2); INSERT INTO t VALUES (1)",
    ]);
    assert_eq!(out.code(), Some(1), "{out}");
    assert!(out.stderr.contains("SQLSTATE: 23505"), "{out}");
    assert_eq!(ids(), "id\n1\n");
    dir.ok(&[
        "sql",
        "-q",
        "BEGIN; INSERT INTO t VALUES (2); COMMIT; INSERT INTO t VALUES (3)",
    ]);
    assert_eq!(ids(), "id\n1\n2\n3\n");

    // A version-control procedure commits what came before it (as a
    // COMMIT would) and runs on its own; what follows it is a new
    // transaction, kept or not by itself.
    let out = dir.run(&[
        "sql",
        "-q",
        "INSERT INTO t VALUES (4); SELECT arbor_commit('-am', 'four'); INSERT INTO t VALUES (5); INSERT INTO nope VALUES (6)",
    ]);
    assert_eq!(out.code(), Some(1), "{out}");
    assert!(
        out.stderr.contains("relation \"nope\" does not exist"),
        "{out}"
    );
    assert_eq!(ids(), "id\n1\n2\n3\n4\n");
    assert!(dir.ok(&["log", "--oneline"]).contains("four"));
    // Inside a transaction the string began, it is refused (25001).
    let log = dir.ok(&["log", "--oneline"]);
    let out = dir.run(&[
        "sql",
        "-q",
        "BEGIN; INSERT INTO t VALUES (7); SELECT arbor_commit('-am', 'seven')",
    ]);
    assert_eq!(out.code(), Some(1), "{out}");
    assert!(
        out.stderr
            .contains("arbor_commit cannot run inside a transaction block"),
        "{out}"
    );
    assert!(out.stderr.contains("SQLSTATE: 25001"), "{out}");
    assert_eq!(ids(), "id\n1\n2\n3\n4\n");
    assert_eq!(dir.ok(&["log", "--oneline"]), log);
    assert!(dir.ok(&["status"]).contains("working tree clean"));

    // A file runs each statement on its own, as psql -f does.
    dir.write_file(
        "q.sql",
        "INSERT INTO t VALUES (5);\nINSERT INTO nope VALUES (6);\n",
    );
    assert_eq!(dir.run(&["sql", "-f", "q.sql"]).code(), Some(1));
    assert_eq!(ids(), "id\n1\n2\n3\n4\n5\n");
    let out = dir.run_with_input(&["sql"], "INSERT INTO t VALUES (6); SELECT nope;");
    assert_eq!(out.code(), Some(1), "{out}");
    assert_eq!(ids(), "id\n1\n2\n3\n4\n5\n6\n");
    // So does --continue, -q's statements too.
    let out = dir.run(&[
        "sql",
        "--continue",
        "-q",
        "INSERT INTO t VALUES (7); SELECT nope; INSERT INTO t VALUES (8)",
    ]);
    assert_eq!(out.code(), Some(1), "{out}");
    assert_eq!(ids(), "id\n1\n2\n3\n4\n5\n6\n7\n8\n");
}

/// A value of several lines (a commit message in `arbor_log`) takes as
/// many lines of the table, each but the last marked with `+`, as psql
/// shows it, so the table keeps its columns.
#[test]
fn multi_line_values_keep_the_table_aligned() {
    let dir = TestEnv::new().repo();
    assert_eq!(
        dir.ok(&[
            "sql",
            "-q",
            "SELECT 1 AS a, E'line one\\nline two' AS msg, 'x' AS c"
        ]),
        " a |   msg    | c \n---+----------+---\n 1 | line one+| x\n   | line two |\n(1 row)\n\n"
    );
}

/// Meta commands in piped input, a file and -q, as psql runs them: `\set`
/// and its variables, `\dt`, `\copy` out, `\c` to another branch, rows of
/// a COPY FROM STDIN left alone, a failure stopping the script (or not,
/// with --continue), and `\q`.
#[test]
fn meta_commands_in_scripts() {
    let dir = TestEnv::new().repo();
    dir.ok(&[
        "sql",
        "-q",
        "CREATE TABLE t (id integer PRIMARY KEY, name text); SELECT arbor_branch('dev')",
    ]);
    let script = "\\set n 2\n\
                  INSERT INTO t VALUES (:n, 'two');\n\
                  COPY t FROM STDIN;\n\
                  3\tthree\n\
                  \\.\n\
                  \\dt\n\
                  \\copy (SELECT id FROM t ORDER BY id) TO 'ids.txt'\n\
                  SELECT count(*) AS rows_now FROM t;\n\
                  \\c dev\n\
                  SELECT count(*) FROM arbor_log;\n\
                  \\q\n\
                  SELECT 'never';\n";
    let out = dir.run_with_input(&["sql", "--format", "csv"], script);
    assert!(out.success(), "{}", out.stderr);
    assert_eq!(
        out.stdout,
        // CSV prints rows only; the meta commands say what they did.
        "t\nCOPY 2\nrows_now\n2\nYou are now on branch \"dev\".\ncount\n1\n"
    );
    assert_eq!(dir.read_file("ids.txt"), "2\n3\n");
    // From a file and -q alike; a failure stops the script, exit 1.
    dir.write_file("bad.sql", "\\set x 1\nSELECT nope;\nSELECT :x AS after;\n");
    let out = dir.run(&["sql", "-f", "bad.sql"]);
    assert_eq!(out.code(), Some(1));
    assert!(
        out.stderr.contains("column \"nope\" does not exist"),
        "{}",
        out.stderr
    );
    assert!(!out.stdout.contains("after"), "{}", out.stdout);
    let out = dir.run(&["sql", "--continue", "-f", "bad.sql"]);
    assert_eq!(out.code(), Some(1));
    assert!(out.stdout.contains("after"), "{}", out.stdout);
    let out = dir.run(&[
        "sql",
        "-q",
        "\\set who two\nSELECT id FROM t WHERE name = :'who';",
    ]);
    assert!(out.success(), "{}", out.stderr);
    assert!(out.stdout.contains(" 2\n"), "{}", out.stdout);
}
