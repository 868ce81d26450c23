//! Data files outside any repository: `arbor diff --files` (two files
//! diffed by key, in every format, with the exit code, the patch script
//! replayed, and malformed inputs with their exact errors) and
//! `arbor merge --files` (a three-way merge of three versions), each also
//! run by the real `git` as its diff or merge driver.

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::{Command, Output};

fn arbor(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_arbor"))
        .current_dir(dir)
        .args(args)
        .env("ARBOR_COMMIT_DATE", "0")
        .env("ARBOR_AUTHOR_NAME", "Test")
        .env("ARBOR_AUTHOR_EMAIL", "test@example.com")
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Runs a command that must exit with `code`; its standard output.
fn exits(dir: &Path, code: i32, args: &[&str]) -> String {
    let out = arbor(dir, args);
    assert_eq!(
        out.status.code(),
        Some(code),
        "arbor {args:?}: {}",
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// Runs a command that must fail with exit code 2; its standard error.
fn fails(dir: &Path, args: &[&str]) -> String {
    let out = arbor(dir, args);
    assert_eq!(out.status.code(), Some(2), "arbor {args:?}");
    text(&out.stderr)
}

/// Old and new versions of a dataset, `a/data.csv` and `b/data.csv`: an
/// update of a jsonb cell, a NULL set, a row deleted (with a line break
/// in a cell), a row added (with commas and quotes), a column dropped
/// (`gone`) and a column added (`added`).
fn dataset() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("a")).unwrap();
    std::fs::create_dir_all(dir.path().join("b")).unwrap();
    std::fs::write(
        dir.path().join("a/data.csv"),
        "id,name,note,doc,gone\n\
         1,apple,\"red, round\",\"{\"\"a\"\": 1}\",x\n\
         2,pear,\"say \"\"hi\"\"\",\"{\"\"a\"\": [1, 2]}\",y\n\
         3,plum,,\"{\"\"k\"\": null}\",z\n\
         4,fig,\"line one\nline two\",,w\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("b/data.csv"),
        "id,name,note,doc,added\n\
         1,apple,\"red, round\",\"{\"\"a\"\": 2}\",10\n\
         2,pear,\"say \"\"hi\"\"\",\"{\"\"a\"\": [1, 2]}\",\n\
         3,plum,now set,\"{\"\"k\"\": null}\",30\n\
         5,kiwi,\"new, \"\"quoted\"\"\",[true],50\n",
    )
    .unwrap();
    dir
}

const FILES: [&str; 6] = ["diff", "--files", "a/data.csv", "b/data.csv", "--key", "id"];

fn diff(dir: &Path, extra: &[&str]) -> String {
    let mut args = FILES.to_vec();
    args.extend(extra);
    exits(dir, 0, &args)
}

#[test]
fn table_format_marks_changed_cells_and_the_schema_change() {
    let dir = dataset();
    assert_eq!(
        diff(dir.path(), &[]),
        "diff --arbor a/data b/data
--- a/data
+++ b/data
- column gone text
+ column added integer
+---+----+-------+--------------------+---------------+-------+-------+
|   | id | name  | note               | doc           | added | gone  |
+---+----+-------+--------------------+---------------+-------+-------+
| < | 1  | apple | red, round         | {\"a\": 1}      | NULL  | x     |
| > | 1  | apple | red, round         | {\"a\": 2}*     | 10*   | NULL* |
| < | 2  | pear  | say \"hi\"           | {\"a\": [1, 2]} | NULL  | y     |
| > | 2  | pear  | say \"hi\"           | {\"a\": [1, 2]} | NULL  | NULL* |
| < | 3  | plum  | NULL               | {\"k\": null}   | NULL  | z     |
| > | 3  | plum  | now set*           | {\"k\": null}   | 30*   | NULL* |
| - | 4  | fig   | line one\\nline two | NULL          | NULL  | w     |
| + | 5  | kiwi  | new, \"quoted\"      | [true]        | 50    | NULL  |
+---+----+-------+--------------------+---------------+-------+-------+
"
    );
}

#[test]
fn table_format_in_color() {
    let dir = dataset();
    let colored = diff(
        dir.path(),
        &["--color", "always", "--filter", "added,removed"],
    );
    let lines: Vec<&str> = colored.lines().collect();
    assert_eq!(lines[0], "\x1b[1mdiff --arbor a/data b/data\x1b[0m");
    assert_eq!(lines[3], "\x1b[31m- column gone text\x1b[0m");
    assert_eq!(lines[4], "\x1b[32m+ column added integer\x1b[0m");
    assert!(
        lines[8].starts_with("\x1b[31m| - | 4  | fig "),
        "{}",
        lines[8]
    );
    assert!(
        lines[9].starts_with("\x1b[32m| + | 5  | kiwi "),
        "{}",
        lines[9]
    );
    // Not on a terminal, and with --color never: no escapes.
    assert!(!diff(dir.path(), &[]).contains('\x1b'));
    assert!(!diff(dir.path(), &["--color", "never"]).contains('\x1b'));
}

#[test]
fn csv_jsonl_markdown_and_json_formats() {
    let dir = dataset();
    assert_eq!(
        diff(dir.path(), &["--format", "csv", "--filter", "added,removed"]),
        "diff_type,from_id,from_name,from_note,from_doc,from_added,from_gone,to_id,to_name,to_note,to_doc,to_added,to_gone
removed,4,fig,\"line one
line two\",,,w,,,,,,
added,,,,,,,5,kiwi,\"new, \"\"quoted\"\"\",[true],50,
"
    );
    let jsonl = diff(
        dir.path(),
        &["--format", "jsonl", "--filter", "modified", "--limit", "1"],
    );
    let lines: Vec<serde_json::Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        lines,
        vec![
            serde_json::json!({"table": "data", "schema_change": "- column gone text"}),
            serde_json::json!({"table": "data", "schema_change": "+ column added integer"}),
            serde_json::json!({
                "table": "data", "diff_type": "modified", "changed": ["doc", "added", "gone"],
                "from": {"id": 1, "name": "apple", "note": "red, round", "doc": {"a": 1}, "added": null, "gone": "x"},
                "to": {"id": 1, "name": "apple", "note": "red, round", "doc": {"a": 2}, "added": 10, "gone": null},
            }),
        ]
    );
    assert_eq!(
        diff(dir.path(), &["--format", "markdown"]),
        "| table | change | rows added | rows deleted | rows modified | cells modified |
|---|---|---:|---:|---:|---:|
| data | schema and data | 1 | 1 | 3 | 7 |

### data

- `- column gone text`
- `+ column added integer`

| | id | name | note | doc | added | gone |
|---|---|---|---|---|---|---|
| < | 1 | apple | red, round | {\"a\": 1} | NULL | x |
| > | 1 | apple | red, round | **{\"a\": 2}** | **10** | **NULL** |
| < | 2 | pear | say \"hi\" | {\"a\": [1, 2]} | NULL | y |
| > | 2 | pear | say \"hi\" | {\"a\": [1, 2]} | NULL | **NULL** |
| < | 3 | plum | NULL | {\"k\": null} | NULL | z |
| > | 3 | plum | **now set** | {\"k\": null} | **30** | **NULL** |
| - | 4 | fig | line one line two | NULL | NULL | w |
| + | 5 | kiwi | new, \"quoted\" | [true] | 50 | NULL |
"
    );
    let json: serde_json::Value = serde_json::from_str(&diff(
        dir.path(),
        &["--format", "json", "--filter", "added,removed"],
    ))
    .unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "tables": [{
                "name": "data",
                "change": "modified",
                "schema": ["- column gone text", "+ column added integer"],
                "rows": [
                    {
                        "diff_type": "removed", "changed": [], "to": null,
                        "from": {"id": 4, "name": "fig", "note": "line one\nline two", "doc": null, "added": null, "gone": "w"},
                    },
                    {
                        "diff_type": "added", "changed": [], "from": null,
                        "to": {"id": 5, "name": "kiwi", "note": "new, \"quoted\"", "doc": [true], "added": 50, "gone": null},
                    },
                ],
            }],
            "views": [],
        })
    );
}

#[test]
fn stat_summary_name_only_and_where() {
    let dir = dataset();
    assert_eq!(
        diff(dir.path(), &["--stat"]),
        "data: 1 rows added, 1 rows deleted, 3 rows modified, 7 cells modified\n"
    );
    assert_eq!(
        diff(dir.path(), &["--summary"]),
        "data: schema and data changed\n"
    );
    assert_eq!(diff(dir.path(), &["--name-only"]), "data\n");
    // Skinny keeps the key and every column a shown row changed (an
    // added row changes all of its columns).
    assert_eq!(
        diff(
            dir.path(),
            &["--format", "csv", "--skinny", "--where", "to_added > 20"]
        ),
        "diff_type,from_id,from_name,from_note,from_doc,from_added,from_gone,to_id,to_name,to_note,to_doc,to_added,to_gone
modified,3,plum,,\"{\"\"k\"\": null}\",,z,3,plum,now set,\"{\"\"k\"\": null}\",30,
added,,,,,,,5,kiwi,\"new, \"\"quoted\"\"\",[true],50,
"
    );
}

#[test]
fn exit_code_says_whether_the_files_differ() {
    let dir = dataset();
    let mut args = FILES.to_vec();
    args.push("--exit-code");
    exits(dir.path(), 1, &args);
    args.extend(["--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&exits(dir.path(), 1, &args)).unwrap();
    assert_eq!(doc["tables"][0]["rows"].as_array().unwrap().len(), 5);
    let same = [
        "diff",
        "--files",
        "a/data.csv",
        "a/data.csv",
        "--key",
        "id",
        "--exit-code",
    ];
    assert_eq!(exits(dir.path(), 0, &same), "");
    // A --where gate: only rows it selects count as differences.
    let mut gate = FILES.to_vec();
    gate.extend(["--exit-code", "--name-only", "--where", "to_added > 100"]);
    assert_eq!(exits(dir.path(), 0, &gate), "data\n");
}

#[test]
fn the_sql_patch_turns_the_old_file_into_the_new_one() {
    let dir = dataset();
    let patch = diff(dir.path(), &["--format", "sql"]);
    assert_eq!(
        patch,
        "ALTER TABLE \"data\" DROP COLUMN \"gone\";
ALTER TABLE \"data\" ADD COLUMN \"added\" integer;
DELETE FROM \"data\" WHERE \"id\" = 4;
UPDATE \"data\" SET \"doc\" = '{\"a\": 2}'::jsonb, \"added\" = 10 WHERE \"id\" = 1;
UPDATE \"data\" SET \"note\" = 'now set', \"added\" = 30 WHERE \"id\" = 3;
INSERT INTO \"data\" (\"id\", \"name\", \"note\", \"doc\", \"added\") VALUES (5, 'kiwi', 'new, \"quoted\"', '[true]'::jsonb, 50);
"
    );
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    exits(&repo, 0, &["init"]);
    exits(
        &repo,
        0,
        &["table", "import", "data", "../a/data.csv", "--pk", "id"],
    );
    std::fs::write(dir.path().join("patch.sql"), patch).unwrap();
    exits(&repo, 0, &["sql", "-f", "../patch.sql"]);
    let exported = exits(&repo, 0, &["table", "export", "data", "--format", "csv"]);
    std::fs::write(dir.path().join("patched.csv"), exported).unwrap();
    let check = [
        "diff",
        "--files",
        "patched.csv",
        "b/data.csv",
        "--key",
        "id",
        "--exit-code",
    ];
    assert_eq!(exits(dir.path(), 0, &check), "");
}

#[test]
fn json_tsv_and_delimited_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, content: &str| std::fs::write(dir.path().join(name), content).unwrap();
    write(
        "old.json",
        r#"[{"id": 1, "v": {"x": 1}}, {"id": 2, "v": null}]"#,
    );
    write(
        "new.jsonl",
        "{\"id\": 1, \"v\": {\"x\": 2}}\n{\"id\": 3, \"v\": [1]}\n",
    );
    assert_eq!(
        exits(
            dir.path(),
            0,
            &[
                "diff",
                "--files",
                "old.json",
                "new.jsonl",
                "--key",
                "id",
                "--format",
                "csv"
            ]
        ),
        "diff_type,from_id,from_v,to_id,to_v
modified,1,\"{\"\"x\"\": 1}\",1,\"{\"\"x\"\": 2}\"
removed,2,,,
added,,,3,[1]
"
    );
    // A column's type covers both files: integers in one file and text
    // in the other read as text on both sides, with no schema change.
    write("old.tsv", "id\tv\n1\t5\n2\t6\n");
    write("new.tsv", "id\tv\n1\t5\n2\tabc\n");
    assert_eq!(
        exits(
            dir.path(),
            0,
            &[
                "diff", "--files", "old.tsv", "new.tsv", "--key", "id", "--format", "jsonl"
            ]
        ),
        "{\"changed\":[\"v\"],\"diff_type\":\"modified\",\"from\":{\"id\":2,\"v\":\"6\"},\"table\":\"new\",\"to\":{\"id\":2,\"v\":\"abc\"}}\n"
    );
    write("old.txt", "k;n;v\na;1;x\na;2;y\n");
    write("new.txt", "k;n;v\na;1;x\na;2;z\n");
    assert_eq!(
        exits(
            dir.path(),
            0,
            &[
                "diff",
                "--files",
                "old.txt",
                "new.txt",
                "--key",
                "k,n",
                "--file-format",
                "csv",
                "--delimiter",
                ";",
                "--stat",
            ]
        ),
        "new: 0 rows added, 0 rows deleted, 1 rows modified, 1 cells modified\n"
    );
}

#[test]
fn malformed_inputs_and_bad_keys_are_clear_errors() {
    let dir = dataset();
    let write =
        |name: &str, content: &[u8]| std::fs::write(dir.path().join(name), content).unwrap();
    write("dup.csv", b"id,name\n1,a\n1,b\n");
    write("nullkey.csv", b"id,name\n1,a\n,b\n");
    write("nokey.csv", b"name\nx\n");
    write("ragged.csv", b"id,name\n1,a,extra\n");
    write("quote.csv", b"id,name\n1,\"a\n");
    write("utf.csv", b"id,name\n1,\xff\n");
    let files = |old: &'static str, new: &'static str| -> Vec<&'static str> {
        vec!["diff", "--files", old, new, "--key", "id"]
    };
    assert_eq!(
        fails(dir.path(), &files("a/data.csv", "dup.csv")),
        "error: dup.csv:3:1: column \"id\": duplicate key value violates unique constraint \"dup_pkey\"
DETAIL: Key (id)=(1) already exists.
hint: each key may appear once in a file
"
    );
    assert_eq!(
        fails(dir.path(), &files("nullkey.csv", "a/data.csv")),
        "error: nullkey.csv:3:1: null value in column \"id\" of relation \"data\" violates not-null constraint\n"
    );
    assert_eq!(
        fails(dir.path(), &files("a/data.csv", "nokey.csv")),
        "error: nokey.csv: there is no key column \"id\"\nhint: its columns are: name\n"
    );
    assert_eq!(
        fails(dir.path(), &files("ragged.csv", "a/data.csv")),
        "error: ragged.csv:2:5: expected 2 fields, found 3\n"
    );
    assert_eq!(
        fails(dir.path(), &files("a/data.csv", "quote.csv")),
        "error: quote.csv:2:3: unterminated quoted field\n"
    );
    assert_eq!(
        fails(dir.path(), &files("utf.csv", "a/data.csv")),
        "error: utf.csv:2:3: invalid UTF-8 in column \"name\"\n"
    );
    assert_eq!(
        fails(dir.path(), &files("a/data.csv", "missing.csv")),
        "error: cannot read missing.csv: No such file or directory (os error 2)\n"
    );
    assert_eq!(
        fails(
            dir.path(),
            &["diff", "--files", "a/data.csv", "--key", "id"]
        ),
        "error: --files takes two files: the old one and the new one
hint: arbor diff --files old.csv new.csv --key id
"
    );
    assert_eq!(
        fails(
            dir.path(),
            &[
                "diff",
                "--files",
                "a/data.csv",
                "b/data.csv",
                "--key",
                "id,id"
            ]
        ),
        "error: --key names \"id\" twice\n"
    );
    assert!(
        fails(dir.path(), &["diff", "--files", "a/data.csv", "b/data.csv"])
            .contains("--key <COLUMN,...>")
    );
    // No file was left behind in the folder (the scratch repository is temporary).
    assert!(!dir.path().join(".arbor").exists());
}

/// Runs `git args...` in `dir` with no user or system configuration.
fn git_run(dir: &Path, args: &[&str]) -> Output {
    Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .output()
        .unwrap()
}

/// Runs a git command that must succeed; its standard output.
fn git(dir: &Path, args: &[&str]) -> String {
    let out = git_run(dir, args);
    assert!(out.status.success(), "git {args:?}: {}", text(&out.stderr));
    text(&out.stdout)
}

fn has_git() -> bool {
    let found = Command::new("git").arg("--version").output().is_ok();
    if !found {
        eprintln!("skipped: the git binary is not installed");
    }
    found
}

#[test]
fn git_diff_shows_a_keyed_row_diff_through_the_driver() {
    if !has_git() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    git(d, &["init", "-q"]);
    std::fs::write(d.join(".gitattributes"), "*.csv diff=arbor\n").unwrap();
    let command = format!("{} diff --git-driver", env!("CARGO_BIN_EXE_arbor"));
    git(d, &["config", "diff.arbor.command", &command]);
    std::fs::create_dir_all(d.join("data")).unwrap();
    std::fs::write(
        d.join("data/stock.csv"),
        "id,name,qty\n1,apple,3\n2,pear,5\n",
    )
    .unwrap();
    git(d, &["add", "."]);
    git(d, &["commit", "-qm", "one"]);
    std::fs::write(
        d.join("data/stock.csv"),
        "id,name,qty\n1,apple,4\n3,\"fig, dried\",1\n",
    )
    .unwrap();
    std::fs::write(d.join("data/new.csv"), "sku,n\nA,1\n").unwrap();
    git(d, &["add", "-N", "data/new.csv"]);
    let stock = "diff --arbor a/data/stock.csv b/data/stock.csv
--- a/data/stock.csv
+++ b/data/stock.csv
+---+----+------------+-----+
|   | id | name       | qty |
+---+----+------------+-----+
| < | 1  | apple      | 3   |
| > | 1  | apple      | 4*  |
| - | 2  | pear       | 5   |
| + | 3  | fig, dried | 1   |
+---+----+------------+-----+
";
    let added = "diff --arbor a/data/new.csv b/data/new.csv
added table data/new.csv
--- a/data/new.csv
+++ b/data/new.csv
+---+-----+---+
|   | sku | n |
+---+-----+---+
| + | A   | 1 |
+---+-----+---+
";
    assert_eq!(git(d, &["diff"]), format!("{added}{stock}"));
    git(d, &["commit", "-qam", "two"]);
    assert_eq!(
        git(d, &["diff", "HEAD~1", "HEAD", "--", "data/stock.csv"]),
        stock
    );
    git(d, &["rm", "-q", "data/new.csv"]);
    assert_eq!(
        git(d, &["diff", "--cached"]),
        "diff --arbor a/data/new.csv b/data/new.csv
deleted table data/new.csv
--- a/data/new.csv
+++ b/data/new.csv
+---+-----+---+
|   | sku | n |
+---+-----+---+
| - | A   | 1 |
+---+-----+---+
"
    );
    // The driver takes the formats and a key like `arbor diff --files`;
    // rows come in key order.
    let command = format!(
        "{} diff --git-driver --key name --format jsonl",
        env!("CARGO_BIN_EXE_arbor")
    );
    git(d, &["config", "diff.arbor.command", &command]);
    assert_eq!(
        git(d, &["diff", "HEAD~1", "HEAD", "--", "data/stock.csv"]),
        "{\"changed\":[\"qty\"],\"diff_type\":\"modified\",\"from\":{\"id\":1,\"name\":\"apple\",\"qty\":3},\"table\":\"data/stock.csv\",\"to\":{\"id\":1,\"name\":\"apple\",\"qty\":4}}
{\"changed\":[],\"diff_type\":\"added\",\"from\":null,\"table\":\"data/stock.csv\",\"to\":{\"id\":3,\"name\":\"fig, dried\",\"qty\":1}}
{\"changed\":[],\"diff_type\":\"removed\",\"from\":{\"id\":2,\"name\":\"pear\",\"qty\":5},\"table\":\"data/stock.csv\",\"to\":null}
"
    );
    // A rename (Git passes nine arguments): the file is named by its new path.
    git(d, &["mv", "data/stock.csv", "data/renamed.csv"]);
    std::fs::write(
        d.join("data/renamed.csv"),
        "id,name,qty\n1,apple,5\n3,\"fig, dried\",1\n",
    )
    .unwrap();
    git(d, &["add", "."]);
    assert_eq!(
        git(
            d,
            &["diff", "-M", "--cached", "--", "data/stock.csv", "data/renamed.csv"]
        ),
        "{\"changed\":[\"qty\"],\"diff_type\":\"modified\",\"from\":{\"id\":1,\"name\":\"apple\",\"qty\":4},\"table\":\"data/renamed.csv\",\"to\":{\"id\":1,\"name\":\"apple\",\"qty\":5}}
"
    );
    // An unmerged file (one argument) is only named, as Git does.
    let out = Command::new(env!("CARGO_BIN_EXE_arbor"))
        .current_dir(d)
        .args(["diff", "--git-driver", "data/renamed.csv"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(text(&out.stdout), "* Unmerged path data/renamed.csv\n");
}

/// Writes `base.csv`, `ours.csv` and `theirs.csv` in `dir`.
fn three_versions(dir: &Path, base: &str, ours: &str, theirs: &str) {
    for (name, content) in [
        ("base.csv", base),
        ("ours.csv", ours),
        ("theirs.csv", theirs),
    ] {
        std::fs::write(dir.join(name), content).unwrap();
    }
}

const BASE: &str = "id,name,qty,note\n3,plum,7,\n1,apple,3,\"red, round\"\n2,pear,5,x\n";

#[test]
fn merge_files_combines_cells_rows_and_columns_keeping_our_order() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Ours: apple's qty changed, kiwi added (rows not in key order).
    // Theirs: apple's name changed, pear deleted, fig added, a column added.
    three_versions(
        d,
        BASE,
        "id,name,qty,note\n3,plum,7,\n1,apple,4,\"red, round\"\n2,pear,5,x\n9,kiwi,1,ours\n",
        "id,name,qty,note,color\n3,plum,7,,purple\n1,Apple,3,\"red, round\",red\n4,fig,2,\"say \"\"hi\"\"\",\n",
    );
    let merge = ["merge", "--files", "base.csv", "ours.csv", "theirs.csv"];
    assert_eq!(exits(d, 0, &merge), "");
    assert_eq!(
        std::fs::read_to_string(d.join("ours.csv")).unwrap(),
        "id,name,qty,note,color
3,plum,7,,purple
1,Apple,4,\"red, round\",red
9,kiwi,1,ours,
4,fig,2,\"say \"\"hi\"\"\",
"
    );
}

#[test]
fn merge_files_keeps_our_column_order_when_we_moved_columns() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Ours moved qty first and changed apple; theirs added color to plum.
    three_versions(
        d,
        BASE,
        "qty,id,name,note\n7,3,plum,\n4,1,apple,\"red, round\"\n5,2,pear,x\n",
        "id,name,qty,note,color\n3,plum,7,,purple\n1,apple,3,\"red, round\",\n2,pear,5,x,\n",
    );
    let merge = [
        "merge",
        "--files",
        "base.csv",
        "ours.csv",
        "theirs.csv",
        "--key",
        "id",
    ];
    assert_eq!(exits(d, 0, &merge), "");
    assert_eq!(
        std::fs::read_to_string(d.join("ours.csv")).unwrap(),
        "qty,id,name,note,color\n7,3,plum,,purple\n4,1,apple,\"red, round\",\n5,2,pear,x,\n"
    );
}

#[test]
fn merge_files_conflicts_name_the_row_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ours = "id,name,qty,note\n3,plum,7,\n1,apple,3,\"red, round\"\n2,pear,8,x\n";
    three_versions(
        d,
        BASE,
        ours,
        "id,name,qty,note\n3,plum,7,\n1,apple,3,\"red, round\"\n2,pear,6,x\n",
    );
    let out = arbor(
        d,
        &[
            "merge",
            "--files",
            "base.csv",
            "ours.csv",
            "theirs.csv",
            "-o",
            "out.csv",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "CONFLICT in ours.csv: row (id)=(2): both sides changed qty
1 conflict: nothing was written; out.csv is as it was
"
    );
    assert!(!d.join("out.csv").exists());
    assert_eq!(std::fs::read_to_string(d.join("ours.csv")).unwrap(), ours);
    // Deleted on one side and changed on the other.
    std::fs::write(
        d.join("theirs.csv"),
        "id,name,qty,note\n3,plum,7,\n1,apple,3,\"red, round\"\n",
    )
    .unwrap();
    let out = arbor(
        d,
        &["merge", "--files", "base.csv", "ours.csv", "theirs.csv"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).starts_with(
            "CONFLICT in ours.csv: row (id)=(2): changed by ours and deleted by theirs\n"
        ),
        "{}",
        text(&out.stderr)
    );
    // Bad input: the error names the file and line; nothing is written.
    std::fs::write(d.join("theirs.csv"), "id,name,qty,note\n1,\"apple\n").unwrap();
    assert_eq!(
        exits(
            d,
            1,
            &["merge", "--files", "base.csv", "ours.csv", "theirs.csv"]
        ),
        ""
    );
    assert_eq!(std::fs::read_to_string(d.join("ours.csv")).unwrap(), ours);
    let out = arbor(
        d,
        &["merge", "--files", "base.csv", "ours.csv", "theirs.json"],
    );
    assert_eq!(
        text(&out.stderr),
        "error: cannot read theirs.json: No such file or directory (os error 2)\n"
    );
}

#[test]
fn git_merge_runs_the_merge_driver() {
    if !has_git() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    git(d, &["init", "-q", "-b", "main"]);
    std::fs::write(d.join(".gitattributes"), "*.csv merge=arbor\n").unwrap();
    let driver = format!(
        "{} merge --files %O %A %B --name %P",
        env!("CARGO_BIN_EXE_arbor")
    );
    git(d, &["config", "merge.arbor.driver", &driver]);
    let write = |content: &str| std::fs::write(d.join("stock.csv"), content).unwrap();
    write("id,name,qty\n1,apple,3\n2,pear,5\n3,plum,7\n");
    git(d, &["add", "."]);
    git(d, &["commit", "-qm", "base"]);
    git(d, &["checkout", "-qb", "feature"]);
    write("id,name,qty\n1,apple,3\n2,pear,6\n3,plum,7\n");
    git(d, &["commit", "-qam", "pear"]);
    git(d, &["checkout", "-q", "main"]);
    write("id,name,qty\n1,apple,4\n2,pear,5\n3,plum,7\n");
    git(d, &["commit", "-qam", "apple"]);
    // Both sides changed adjacent lines: a line merge conflicts, a cell
    // merge does not.
    git(d, &["merge", "-q", "feature", "-m", "merge"]);
    assert_eq!(
        std::fs::read_to_string(d.join("stock.csv")).unwrap(),
        "id,name,qty\n1,apple,4\n2,pear,6\n3,plum,7\n"
    );
    // The same cell changed both ways: Git reports the conflict.
    git(d, &["checkout", "-qb", "left", "main"]);
    write("id,name,qty\n1,apple,10\n2,pear,6\n3,plum,7\n");
    git(d, &["commit", "-qam", "left"]);
    git(d, &["checkout", "-qb", "right", "main"]);
    write("id,name,qty\n1,apple,11\n2,pear,6\n3,plum,7\n");
    git(d, &["commit", "-qam", "right"]);
    let out = git_run(d, &["merge", "left", "-m", "m"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("CONFLICT in stock.csv: row (id)=(1): both sides changed qty\n1 conflict: nothing was written; stock.csv (ours) is as it was"),
        "{stderr}"
    );
    assert_eq!(git(d, &["status", "--short"]), "UU stock.csv\n");
}
