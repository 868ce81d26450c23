//! Data files outside any repository: `arbor diff --files` (two files
//! diffed by key, in every format, with the exit code, the patch script
//! replayed, and malformed inputs with their exact errors) and
//! `arbor merge --files` (a three-way merge of three versions), each also
//! run by the real `git` as its diff or merge driver.

#![allow(clippy::unwrap_used)]

mod common;

use common::{TestEnv, WorkDir, has_git};

/// Old and new versions of a dataset, `a/data.csv` and `b/data.csv`: an
/// update of a jsonb cell, a NULL set, a row deleted (with a line break
/// in a cell), a row added (with commas and quotes), a column dropped
/// (`gone`) and a column added (`added`).
fn dataset() -> WorkDir {
    let dir = TestEnv::new().work_dir();
    dir.write_file(
        "a/data.csv",
        "id,name,note,doc,gone\n\
         1,apple,\"red, round\",\"{\"\"a\"\": 1}\",x\n\
         2,pear,\"say \"\"hi\"\"\",\"{\"\"a\"\": [1, 2]}\",y\n\
         3,plum,,\"{\"\"k\"\": null}\",z\n\
         4,fig,\"line one\nline two\",,w\n",
    );
    dir.write_file(
        "b/data.csv",
        "id,name,note,doc,added\n\
         1,apple,\"red, round\",\"{\"\"a\"\": 2}\",10\n\
         2,pear,\"say \"\"hi\"\"\",\"{\"\"a\"\": [1, 2]}\",\n\
         3,plum,now set,\"{\"\"k\"\": null}\",30\n\
         5,kiwi,\"new, \"\"quoted\"\"\",[true],50\n",
    );
    dir
}

const FILES: [&str; 6] = ["diff", "--files", "a/data.csv", "b/data.csv", "--key", "id"];

fn diff(dir: &WorkDir, extra: &[&str]) -> String {
    let mut args = FILES.to_vec();
    args.extend(extra);
    dir.exits(0, &args).stdout
}

#[test]
fn table_format_marks_changed_cells_and_the_schema_change() {
    let dir = &dataset();
    assert_eq!(
        diff(dir, &[]),
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
    let dir = &dataset();
    let colored = diff(dir, &["--color", "always", "--filter", "added,removed"]);
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
    assert!(!diff(dir, &[]).contains('\x1b'));
    assert!(!diff(dir, &["--color", "never"]).contains('\x1b'));
}

#[test]
fn csv_jsonl_markdown_and_json_formats() {
    let dir = &dataset();
    assert_eq!(
        diff(dir, &["--format", "csv", "--filter", "added,removed"]),
        "diff_type,from_id,from_name,from_note,from_doc,from_added,from_gone,to_id,to_name,to_note,to_doc,to_added,to_gone
removed,4,fig,\"line one
line two\",,,w,,,,,,
added,,,,,,,5,kiwi,\"new, \"\"quoted\"\"\",[true],50,
"
    );
    let jsonl = diff(
        dir,
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
        diff(dir, &["--format", "markdown"]),
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
        dir,
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
    let dir = &dataset();
    assert_eq!(
        diff(dir, &["--stat"]),
        "data: schema changed, 1 row added, 1 row deleted, 3 rows modified, 7 cells modified\n"
    );
    assert_eq!(diff(dir, &["--summary"]), "data: schema and data changed\n");
    assert_eq!(diff(dir, &["--name-only"]), "data\n");
    // Skinny keeps the key and every column a shown row changed (an
    // added row changes all of its columns).
    assert_eq!(
        diff(dir, &["--format", "csv", "--skinny", "--where", "to_added > 20"]),
        "diff_type,from_id,from_name,from_note,from_doc,from_added,from_gone,to_id,to_name,to_note,to_doc,to_added,to_gone
modified,3,plum,,\"{\"\"k\"\": null}\",,z,3,plum,now set,\"{\"\"k\"\": null}\",30,
added,,,,,,,5,kiwi,\"new, \"\"quoted\"\"\",[true],50,
"
    );
}

#[test]
fn exit_code_says_whether_the_files_differ() {
    let dir = &dataset();
    let mut args = FILES.to_vec();
    args.push("--exit-code");
    dir.exits(1, &args);
    args.extend(["--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&dir.exits(1, &args).stdout).unwrap();
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
    assert_eq!(dir.exits(0, &same).stdout, "");
    // A --where gate: only rows it selects count as differences.
    let mut gate = FILES.to_vec();
    gate.extend(["--exit-code", "--name-only", "--where", "to_added > 100"]);
    assert_eq!(dir.exits(0, &gate).stdout, "data\n");
}

#[test]
fn the_sql_patch_turns_the_old_file_into_the_new_one() {
    let dir = &dataset();
    let patch = diff(dir, &["--format", "sql"]);
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
    let repo = dir.mkdir("repo");
    repo.exits(0, &["init"]);
    repo.exits(
        0,
        &["table", "import", "data", "../a/data.csv", "--pk", "id"],
    );
    dir.write_file("patch.sql", patch);
    repo.exits(0, &["sql", "-f", "../patch.sql"]);
    let exported = repo
        .exits(0, &["table", "export", "data", "--format", "csv"])
        .stdout;
    dir.write_file("patched.csv", exported);
    let check = [
        "diff",
        "--files",
        "patched.csv",
        "b/data.csv",
        "--key",
        "id",
        "--exit-code",
    ];
    assert_eq!(dir.exits(0, &check).stdout, "");
}

#[test]
fn json_tsv_and_delimited_inputs() {
    let dir = &TestEnv::new().work_dir();
    let write = |name: &str, content: &str| dir.write_file(name, content);
    write(
        "old.json",
        r#"[{"id": 1, "v": {"x": 1}}, {"id": 2, "v": null}]"#,
    );
    write(
        "new.jsonl",
        "{\"id\": 1, \"v\": {\"x\": 2}}\n{\"id\": 3, \"v\": [1]}\n",
    );
    assert_eq!(
        dir.exits(
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
        )
        .stdout,
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
        dir.exits(
            0,
            &[
                "diff", "--files", "old.tsv", "new.tsv", "--key", "id", "--format", "jsonl"
            ]
        )
        .stdout,
        "{\"changed\":[\"v\"],\"diff_type\":\"modified\",\"from\":{\"id\":2,\"v\":\"6\"},\"table\":\"new\",\"to\":{\"id\":2,\"v\":\"abc\"}}\n"
    );
    write("old.txt", "k;n;v\na;1;x\na;2;y\n");
    write("new.txt", "k;n;v\na;1;x\na;2;z\n");
    assert_eq!(
        dir.exits(
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
        )
        .stdout,
        "new: 0 rows added, 0 rows deleted, 1 row modified, 1 cell modified\n"
    );
}

#[test]
fn malformed_inputs_and_bad_keys_are_clear_errors() {
    let dir = &dataset();
    let write = |name: &str, content: &[u8]| dir.write_file(name, content);
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
        dir.exits(2, &files("a/data.csv", "dup.csv")).stderr,
        "error: dup.csv:3:1: column \"id\": duplicate key value violates unique constraint \"dup_pkey\"
DETAIL: Key (id)=(1) already exists.
hint: each key may appear once in a file
"
    );
    assert_eq!(
        dir.exits(2, &files("nullkey.csv", "a/data.csv")).stderr,
        "error: nullkey.csv:3:1: null value in column \"id\" of relation \"data\" violates not-null constraint\nDETAIL: Failing row contains (null, b).\n"
    );
    assert_eq!(
        dir.exits(2, &files("a/data.csv", "nokey.csv")).stderr,
        "error: nokey.csv: there is no key column \"id\"\nhint: its columns are: name\n"
    );
    assert_eq!(
        dir.exits(2, &files("ragged.csv", "a/data.csv")).stderr,
        "error: ragged.csv:2:5: expected 2 fields, found 3\n"
    );
    assert_eq!(
        dir.exits(2, &files("a/data.csv", "quote.csv")).stderr,
        "error: quote.csv:2:3: unterminated quoted field\n"
    );
    assert_eq!(
        dir.exits(2, &files("utf.csv", "a/data.csv")).stderr,
        "error: utf.csv:2:3: invalid UTF-8 in column \"name\"\n"
    );
    assert_eq!(
        dir.exits(2, &files("a/data.csv", "missing.csv")).stderr,
        "error: cannot read missing.csv: No such file or directory (os error 2)\n"
    );
    assert_eq!(
        dir.exits(2, &["diff", "--files", "a/data.csv", "--key", "id"])
            .stderr,
        "error: --files takes two files: the old one and the new one
hint: arbor diff --files old.csv new.csv --key id
"
    );
    assert_eq!(
        dir.exits(
            2,
            &[
                "diff",
                "--files",
                "a/data.csv",
                "b/data.csv",
                "--key",
                "id,id"
            ]
        )
        .stderr,
        "error: --key names \"id\" twice\n"
    );
    assert!(
        dir.exits(2, &["diff", "--files", "a/data.csv", "b/data.csv"])
            .stderr
            .contains("--key <COLUMN,...>")
    );
    // No file was left behind in the folder (the scratch repository is temporary).
    assert!(!dir.path().join(".arbor").exists());
}

/// A new Git repository whose CSV files `git diff` shows through Arbor's
/// driver (`arbor diff --git-driver`).
fn git_repo_with_the_driver() -> WorkDir {
    let d = TestEnv::new().work_dir();
    d.git(&["init", "-q"]);
    d.write_file(".gitattributes", "*.csv diff=arbor\n");
    let command = format!("{} diff --git-driver", env!("CARGO_BIN_EXE_arbor"));
    d.git(&["config", "diff.arbor.command", &command]);
    d
}

#[test]
fn git_diff_shows_a_keyed_row_diff_through_the_driver() {
    if !has_git() {
        return;
    }
    let d = &git_repo_with_the_driver();
    d.write_file("data/stock.csv", "id,name,qty\n1,apple,3\n2,pear,5\n");
    d.git(&["add", "."]);
    d.git(&["commit", "-qm", "one"]);
    d.write_file(
        "data/stock.csv",
        "id,name,qty\n1,apple,4\n3,\"fig, dried\",1\n",
    );
    d.write_file("data/new.csv", "sku,n\nA,1\n");
    d.git(&["add", "-N", "data/new.csv"]);
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
    assert_eq!(d.git(&["diff"]), format!("{added}{stock}"));
    d.git(&["commit", "-qam", "two"]);
    assert_eq!(
        d.git(&["diff", "HEAD~1", "HEAD", "--", "data/stock.csv"]),
        stock
    );
    d.git(&["rm", "-q", "data/new.csv"]);
    assert_eq!(
        d.git(&["diff", "--cached"]),
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
    d.git(&["config", "diff.arbor.command", &command]);
    assert_eq!(
        d.git(&["diff", "HEAD~1", "HEAD", "--", "data/stock.csv"]),
        "{\"changed\":[\"qty\"],\"diff_type\":\"modified\",\"from\":{\"id\":1,\"name\":\"apple\",\"qty\":3},\"table\":\"data/stock.csv\",\"to\":{\"id\":1,\"name\":\"apple\",\"qty\":4}}
{\"changed\":[],\"diff_type\":\"added\",\"from\":null,\"table\":\"data/stock.csv\",\"to\":{\"id\":3,\"name\":\"fig, dried\",\"qty\":1}}
{\"changed\":[],\"diff_type\":\"removed\",\"from\":{\"id\":2,\"name\":\"pear\",\"qty\":5},\"table\":\"data/stock.csv\",\"to\":null}
"
    );
    // A rename (Git passes nine arguments): the file is named by its new path.
    d.git(&["mv", "data/stock.csv", "data/renamed.csv"]);
    d.write_file(
        "data/renamed.csv",
        "id,name,qty\n1,apple,5\n3,\"fig, dried\",1\n",
    );
    d.git(&["add", "."]);
    assert_eq!(
        d.git(&["diff", "-M", "--cached", "--", "data/stock.csv", "data/renamed.csv"]),
        "{\"changed\":[\"qty\"],\"diff_type\":\"modified\",\"from\":{\"id\":1,\"name\":\"apple\",\"qty\":4},\"table\":\"data/renamed.csv\",\"to\":{\"id\":1,\"name\":\"apple\",\"qty\":5}}
"
    );
    // An unmerged file (one argument) is only named, as Git does.
    let out = d.run(&["diff", "--git-driver", "data/renamed.csv"]);
    assert!(out.status.success());
    assert_eq!(out.stdout, "* Unmerged path data/renamed.csv\n");
}

/// Writes `base.csv`, `ours.csv` and `theirs.csv` in `dir`.
fn three_versions(dir: &WorkDir, base: &str, ours: &str, theirs: &str) {
    for (name, content) in [
        ("base.csv", base),
        ("ours.csv", ours),
        ("theirs.csv", theirs),
    ] {
        dir.write_file(name, content);
    }
}

const BASE: &str = "id,name,qty,note\n3,plum,7,\n1,apple,3,\"red, round\"\n2,pear,5,x\n";

#[test]
fn merge_files_combines_cells_rows_and_columns_keeping_our_order() {
    let d = &TestEnv::new().work_dir();
    // Ours: apple's qty changed, kiwi added (rows not in key order).
    // Theirs: apple's name changed, pear deleted, fig added, a column added.
    three_versions(
        d,
        BASE,
        "id,name,qty,note\n3,plum,7,\n1,apple,4,\"red, round\"\n2,pear,5,x\n9,kiwi,1,ours\n",
        "id,name,qty,note,color\n3,plum,7,,purple\n1,Apple,3,\"red, round\",red\n4,fig,2,\"say \"\"hi\"\"\",\n",
    );
    let merge = ["merge", "--files", "base.csv", "ours.csv", "theirs.csv"];
    assert_eq!(d.exits(0, &merge).stdout, "");
    assert_eq!(
        d.read_file("ours.csv"),
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
    let d = &TestEnv::new().work_dir();
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
    assert_eq!(d.exits(0, &merge).stdout, "");
    assert_eq!(
        d.read_file("ours.csv"),
        "qty,id,name,note,color\n7,3,plum,,purple\n4,1,apple,\"red, round\",\n5,2,pear,x,\n"
    );
}

#[test]
fn merge_files_conflicts_name_the_row_and_write_nothing() {
    let d = &TestEnv::new().work_dir();
    let ours = "id,name,qty,note\n3,plum,7,\n1,apple,3,\"red, round\"\n2,pear,8,x\n";
    three_versions(
        d,
        BASE,
        ours,
        "id,name,qty,note\n3,plum,7,\n1,apple,3,\"red, round\"\n2,pear,6,x\n",
    );
    let out = d.run(&[
        "merge",
        "--files",
        "base.csv",
        "ours.csv",
        "theirs.csv",
        "-o",
        "out.csv",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        out.stderr,
        "CONFLICT in ours.csv: row (id)=(2): both sides changed qty
1 conflict: nothing was written; out.csv is as it was
"
    );
    assert!(!d.path().join("out.csv").exists());
    assert_eq!(d.read_file("ours.csv"), ours);
    // Deleted on one side and changed on the other.
    d.write_file(
        "theirs.csv",
        "id,name,qty,note\n3,plum,7,\n1,apple,3,\"red, round\"\n",
    );
    let out = d.run(&["merge", "--files", "base.csv", "ours.csv", "theirs.csv"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        out.stderr.starts_with(
            "CONFLICT in ours.csv: row (id)=(2): changed by ours and deleted by theirs\n"
        ),
        "{}",
        out.stderr
    );
    // Bad input: the error names the file and line; nothing is written.
    d.write_file("theirs.csv", "id,name,qty,note\n1,\"apple\n");
    assert_eq!(
        d.exits(
            1,
            &["merge", "--files", "base.csv", "ours.csv", "theirs.csv"]
        )
        .stdout,
        ""
    );
    assert_eq!(d.read_file("ours.csv"), ours);
    let out = d.run(&["merge", "--files", "base.csv", "ours.csv", "theirs.json"]);
    assert_eq!(
        out.stderr,
        "error: cannot read theirs.json: No such file or directory (os error 2)\n"
    );
}

#[test]
fn git_merge_runs_the_merge_driver() {
    if !has_git() {
        return;
    }
    let d = &TestEnv::new().work_dir();
    d.git(&["init", "-q", "-b", "main"]);
    d.write_file(".gitattributes", "*.csv merge=arbor\n");
    let driver = format!(
        "{} merge --files %O %A %B --name %P",
        env!("CARGO_BIN_EXE_arbor")
    );
    d.git(&["config", "merge.arbor.driver", &driver]);
    let write = |content: &str| d.write_file("stock.csv", content);
    write("id,name,qty\n1,apple,3\n2,pear,5\n3,plum,7\n");
    d.git(&["add", "."]);
    d.git(&["commit", "-qm", "base"]);
    d.git(&["checkout", "-qb", "feature"]);
    write("id,name,qty\n1,apple,3\n2,pear,6\n3,plum,7\n");
    d.git(&["commit", "-qam", "pear"]);
    d.git(&["checkout", "-q", "main"]);
    write("id,name,qty\n1,apple,4\n2,pear,5\n3,plum,7\n");
    d.git(&["commit", "-qam", "apple"]);
    // Both sides changed adjacent lines: a line merge conflicts, a cell
    // merge does not.
    d.git(&["merge", "-q", "feature", "-m", "merge"]);
    assert_eq!(
        d.read_file("stock.csv"),
        "id,name,qty\n1,apple,4\n2,pear,6\n3,plum,7\n"
    );
    // The same cell changed both ways: Git reports the conflict.
    d.git(&["checkout", "-qb", "left", "main"]);
    write("id,name,qty\n1,apple,10\n2,pear,6\n3,plum,7\n");
    d.git(&["commit", "-qam", "left"]);
    d.git(&["checkout", "-qb", "right", "main"]);
    write("id,name,qty\n1,apple,11\n2,pear,6\n3,plum,7\n");
    d.git(&["commit", "-qam", "right"]);
    let out = d.git_run(&["merge", "left", "-m", "m"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = out.stderr;
    assert!(
        stderr.contains("CONFLICT in stock.csv: row (id)=(1): both sides changed qty\n1 conflict: nothing was written; stock.csv (ours) is as it was"),
        "{stderr}"
    );
    assert_eq!(d.git(&["status", "--short"]), "UU stock.csv\n");
}

/// Without `--key`, the driver keys rows by the first column only where
/// that column keys them: a repeating first column (`date,city,temp`)
/// matches rows by their whole content instead, and a file that cannot be
/// read as data is said so, without failing Git's own command (a driver
/// that fails stops `git diff` for every file after it).
#[test]
fn the_git_driver_never_fails_git_diff() {
    if !has_git() {
        return;
    }
    let d = &git_repo_with_the_driver();
    d.write_file(
        "a_weather.csv",
        "date,city,temp\n2024-01-01,Oslo,3\n2024-01-01,Rome,12\n",
    );
    d.write_file("b_broken.csv", "id,name\n1,\"ok\"\n");
    d.write_file("c_stock.csv", "id,qty\n1,3\n");
    d.git(&["add", "."]);
    d.git(&["commit", "-qm", "one"]);
    d.write_file(
        "a_weather.csv",
        "date,city,temp\n2024-01-01,Oslo,3\n2024-01-01,Rome,13\n",
    );
    d.write_file("b_broken.csv", "id,name\n1,\"never closed\n");
    d.write_file("c_stock.csv", "id,qty\n1,4\n");
    let out = d.git(&["diff"]);
    assert!(out.contains("| - | 2024-01-01 | Rome | 12"), "{out}");
    assert!(out.contains("| + | 2024-01-01 | Rome | 13"), "{out}");
    assert!(!out.contains("Oslo"), "unchanged rows are not shown: {out}");
    assert!(
        out.contains("diff --arbor a/b_broken.csv b/b_broken.csv\n(arbor cannot show this file's changes as rows: "),
        "{out}"
    );
    assert!(
        out.contains("| > | 1  | 4*"),
        "the files after it are diffed: {out}"
    );
}

/// A deterministic stream of numbers for the generated files below.
struct Mix(u64);

impl Mix {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (z ^ (z >> 31)) % below
    }
}

/// A generated pair of files for `diff --files --key id`: mostly plain
/// integer keys, with now and then a key spelled with a leading zero, a
/// text key, a repeated key or an empty one; cells with commas, quotes and
/// line breaks; and edits of a few rows, or many spread through the file
/// (changed, deleted, added alone or in a long run, moved, repeated),
/// between the two.
fn generated_pair(seed: u64) -> (String, String) {
    let mut mix = Mix(seed);
    let odd_keys = mix.next(4) == 0;
    let rows = 20 + mix.next(200);
    let cell = |mix: &mut Mix, i: u64| match mix.next(12) {
        0 => format!("\"line {i}\nnext\""),
        1 => format!("\"a, \"\"b\"\" {i}\""),
        2 => String::new(),
        _ => format!("w{}", mix.next(50)),
    };
    let mut lines: Vec<String> = (1..=rows)
        .map(|i| {
            let id = match (odd_keys, mix.next(40)) {
                (true, 0) => format!("0{i}"),
                (true, 1) => format!("k{i}"),
                (true, 2) => (i - 1).max(1).to_string(),
                (true, 3) => String::new(),
                _ => i.to_string(),
            };
            format!("{id},{},{}", cell(&mut mix, i), mix.next(1000))
        })
        .collect();
    let old = lines.clone();
    // Now and then many edits, spread through the file.
    let edits = 1 + mix.next(if seed.is_multiple_of(3) { 30 } else { 4 });
    // Added rows get keys of their own (a repeated key is its own edit).
    let mut next_id = rows + 1;
    let mut new_id = || {
        next_id += 1;
        next_id
    };
    for _ in 0..edits {
        let at = mix.next(lines.len() as u64) as usize;
        match mix.next(7) {
            0 => {
                // The same row (its key) with new cells.
                let id = lines[at].split(',').next().unwrap_or_default().to_owned();
                lines[at] = format!("{id},{},{}", cell(&mut mix, 7), mix.next(1000));
            }
            1 => {
                lines.remove(at);
            }
            2 => lines.insert(at, format!("{},new,1", new_id())),
            3 => {
                let row = lines.remove(at);
                let to = mix.next(lines.len() as u64 + 1) as usize;
                lines.insert(to, row);
            }
            4 if mix.next(4) == 0 => lines.insert(at, lines[at].clone()),
            5 => {
                // A run of new rows longer than the walk looks ahead.
                for k in 0..20 {
                    lines.insert(at, format!("{},run,{k}", new_id()));
                }
            }
            _ => {}
        }
    }
    let file = |rows: &[String]| format!("id,v,n\n{}\n", rows.join("\n"));
    (file(&old), file(&lines))
}

/// The shared-ends path of `diff --files` (only the lines between the
/// files' shared beginning and end are loaded) prints exactly what loading
/// the whole files prints: the diff, the errors and the exit code.
#[test]
fn diffing_only_the_changed_middle_matches_loading_whole_files() {
    let dir = TestEnv::new().work_dir();
    let whole = dir.with_env(|e| e.with_var("ARBOR_DIFF_WHOLE_FILES", "1"));
    let (mut differing, mut refused) = (0, 0);
    for seed in 0..60 {
        let (old, new) = generated_pair(seed);
        dir.write_file("old.csv", &old);
        dir.write_file("new.csv", &new);
        for extra in [&[][..], &["--format", "json"][..], &["--stat"][..]] {
            let mut args = vec!["diff", "--files", "old.csv", "new.csv", "--key", "id"];
            args.extend(extra);
            let fast = dir.run(&args);
            let slow = whole.run(&args);
            assert_eq!(
                (&fast.stdout, &fast.stderr, fast.status.code()),
                (&slow.stdout, &slow.stderr, slow.status.code()),
                "seed {seed}, {extra:?}:\n--- old\n{old}--- new\n{new}"
            );
            differing += usize::from(fast.status.success() && !fast.stdout.is_empty());
            refused += usize::from(!fast.status.success());
        }
    }
    // Both kinds were generated: diffs, and files refused (repeated or
    // empty keys).
    assert!(
        differing >= 30 && refused >= 15,
        "{differing} diffs, {refused} refusals"
    );
}
