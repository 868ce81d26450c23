//! `arbor table import`, `arbor table export` and `arbor schema show` as a
//! user runs them: every format and option, round trips, and malformed
//! files with their exact errors, each followed by a check that nothing
//! was written.

#![allow(clippy::unwrap_used)]

mod common;

use common::{TestEnv, WorkDir};

/// A query's result as CSV.
fn sql(dir: &WorkDir, q: &str) -> String {
    dir.ok(&["sql", "--format", "csv", "-q", q])
}

/// A repository with a committed table `t` (id integer PRIMARY KEY, name text).
fn repo() -> WorkDir {
    let dir = TestEnv::new().repo();
    sql(
        &dir,
        "CREATE TABLE t (id integer PRIMARY KEY, name text, qty integer NOT NULL DEFAULT 0); INSERT INTO t VALUES (1, 'one', 10), (2, 'two', 20)",
    );
    dir.ok(&["commit", "-am", "t"]);
    dir
}

const CLEAN: &str = "On branch main\nnothing to commit, working tree clean\n";

/// The repository is as `repo()` left it.
fn unchanged(dir: &WorkDir) {
    assert_eq!(dir.ok(&["status"]), CLEAN);
    assert_eq!(
        sql(dir, "SELECT * FROM t ORDER BY id"),
        "id,name,qty\n1,one,10\n2,two,20\n"
    );
}

#[test]
fn csv_import_infers_types_and_key() {
    let d = &repo();
    d.write_file(
        "items.csv",
        "id,name,n,big,price,ok,attrs,note\n\
         1,apple,5,3000000000,1.5,t,\"{\"\"a\"\": 1}\",\n\
         2,\"pear, green\",-7,1,2,f,[1],\"\"\n",
    );
    assert_eq!(
        d.ok(&["table", "import", "items", "items.csv", "--pk", "id"]),
        "created table \"items\": 2 rows from items.csv\n"
    );
    assert_eq!(
        d.ok(&["schema", "show", "items"]),
        "CREATE TABLE items (\n    id integer NOT NULL,\n    name text,\n    n integer,\n    big bigint,\n    price numeric,\n    ok boolean,\n    attrs jsonb,\n    note text,\n    PRIMARY KEY (id)\n);\n"
    );
    // An unquoted empty field is NULL, a quoted one the empty string.
    assert_eq!(
        sql(
            d,
            "SELECT id, name, n, big, price, ok, attrs->>'a', note IS NULL, note = '' FROM items ORDER BY id"
        ),
        "id,name,n,big,price,ok,?column?,?column?,?column?\n1,apple,5,3000000000,1.5,t,1,t,\n2,\"pear, green\",-7,1,2,f,,f,t\n"
    );
}

#[test]
fn tsv_psv_delimiter_no_header_and_null_marker() {
    let d = &repo();
    d.write_file("a.tsv", "x\ty\n1\thello world\n2\t\n");
    d.ok(&["table", "import", "a", "a.tsv", "-q"]);
    assert_eq!(
        sql(d, "SELECT x, y IS NULL FROM a"),
        "x,?column?\n1,f\n2,t\n"
    );
    d.write_file("b.psv", "x|y\n1|a|b\n");
    assert_eq!(
        d.fails(&["table", "import", "b", "b.psv"]),
        "error: b.psv:2:5: expected 2 fields, found 3\nhint: nothing was imported\n"
    );
    d.write_file("b.psv", "x|y\n1|\"a|b\"\n");
    d.ok(&["table", "import", "b", "b.psv"]);
    assert_eq!(sql(d, "SELECT * FROM b"), "x,y\n1,a|b\n");
    d.write_file("c.txt", "1;N/A\n2;\n");
    d.ok(&[
        "table",
        "import",
        "c",
        "c.txt",
        "--format",
        "csv",
        "--delimiter",
        ";",
        "--no-header",
        "--null",
        "N/A",
    ]);
    assert_eq!(
        sql(d, "SELECT c1, c2 IS NULL, c2 = '' FROM c ORDER BY c1"),
        "c1,?column?,?column?\n1,t,\n2,f,t\n"
    );
    // Without --format an unknown extension is refused.
    assert_eq!(
        d.fails(&["table", "import", "z", "c.txt"]),
        "error: cannot tell the format of c.txt from its name\nhint: name it with --format csv|tsv|psv|json|jsonl\n"
    );
}

#[test]
fn json_and_jsonl_import() {
    let d = &repo();
    d.write_file(
        "p.json",
        r#"[
  {"id": 1, "name": "a", "tags": ["x", "y"], "score": 1},
  {"id": 2, "name": null, "meta": {"k": true}, "score": 2.5}
]"#,
    );
    d.ok(&["table", "import", "p", "p.json", "--pk", "id"]);
    assert_eq!(
        d.ok(&["schema", "show", "p"]),
        "CREATE TABLE p (\n    id integer NOT NULL,\n    name text,\n    tags jsonb,\n    score numeric,\n    meta jsonb,\n    PRIMARY KEY (id)\n);\n"
    );
    assert_eq!(
        sql(
            d,
            "SELECT id, tags->>1, meta->'k', score FROM p ORDER BY id"
        ),
        "id,?column?,?column?,score\n1,y,,1\n2,,true,2.5\n"
    );
    d.write_file(
        "q.jsonl",
        "{\"id\": 3, \"name\": \"c\"}\n\n{\"name\": \"d\", \"id\": 4}\n",
    );
    assert_eq!(
        d.ok(&["table", "import", "t", "q.jsonl", "--append"]),
        "appended to \"t\": 2 rows from q.jsonl\n"
    );
    // The missing column got its DEFAULT.
    assert_eq!(
        sql(d, "SELECT * FROM t WHERE id > 2 ORDER BY id"),
        "id,name,qty\n3,c,0\n4,d,0\n"
    );
}

#[test]
fn append_replace_and_update() {
    let d = &repo();
    d.write_file("more.csv", "name,id,qty\nthree,3,30\n");
    d.ok(&["table", "import", "t", "more.csv", "--append"]);
    assert_eq!(
        sql(d, "SELECT * FROM t ORDER BY id"),
        "id,name,qty\n1,one,10\n2,two,20\n3,three,30\n"
    );
    // Missing columns: DEFAULT, or NULL.
    d.write_file("ids.csv", "id\n4\n");
    d.ok(&["table", "import", "t", "ids.csv", "--append"]);
    assert_eq!(
        sql(d, "SELECT * FROM t WHERE id = 4"),
        "id,name,qty\n4,,0\n"
    );
    d.write_file("new.csv", "id,name,qty\n7,seven,70\n8,eight,80\n");
    assert_eq!(
        d.ok(&["table", "import", "t", "new.csv", "--replace"]),
        "replaced the rows of \"t\": 2 rows from new.csv\n"
    );
    assert_eq!(
        sql(d, "SELECT * FROM t ORDER BY id"),
        "id,name,qty\n7,seven,70\n8,eight,80\n"
    );
    d.write_file("up.csv", "id,name\n8,EIGHT\n9,nine\n");
    assert_eq!(
        d.ok(&["table", "import", "t", "up.csv", "--update"]),
        "upserted into \"t\": 2 rows from up.csv\n"
    );
    assert_eq!(
        sql(d, "SELECT * FROM t ORDER BY id"),
        "id,name,qty\n7,seven,70\n8,EIGHT,80\n9,nine,0\n"
    );
    // Values go in as values: quotes, `$1` and SQL in a cell are only text.
    d.write_file(
        "odd.csv",
        "id,name\n9,\"it's $1'); DELETE FROM t; --\"\n10,$2\n",
    );
    assert_eq!(
        d.ok(&["table", "import", "t", "odd.csv", "--update"]),
        "upserted into \"t\": 2 rows from odd.csv\n"
    );
    assert_eq!(
        sql(d, "SELECT id, name FROM t WHERE id >= 9 ORDER BY id"),
        "id,name\n9,it's $1'); DELETE FROM t; --\n10,$2\n"
    );
    assert_eq!(sql(d, "SELECT count(*) FROM t"), "count\n4\n");
    // Creating over an existing table is refused.
    assert_eq!(
        d.fails(&["table", "import", "t", "up.csv"]),
        "error: table \"t\" already exists\nhint: add to it with --append, upsert with --update, or swap its rows with --replace\n"
    );
}

#[test]
fn bad_input_names_file_line_and_column_and_writes_nothing() {
    let d = &repo();
    let cases: Vec<(&str, Vec<u8>, &[&str], &str)> = vec![
        (
            "quote.csv",
            b"id,name\n3,\"three\n".to_vec(),
            &["--append"],
            "error: quote.csv:2:3: unterminated quoted field\nhint: nothing was imported\n",
        ),
        (
            "after.csv",
            b"id,name\n3,\"three\"x\n".to_vec(),
            &["--append"],
            "error: after.csv:2:10: unexpected character after a closing quote\nhint: nothing was imported\n",
        ),
        (
            "inner.csv",
            b"id,name\n3,thr\"ee\n".to_vec(),
            &["--append"],
            "error: inner.csv:2:6: a quote inside an unquoted field (quote the whole field and double the quote)\nhint: nothing was imported\n",
        ),
        (
            "ragged.csv",
            b"id,name\n3,three\n4\n".to_vec(),
            &["--append"],
            "error: ragged.csv:3:1: expected 2 fields, found 1\nhint: nothing was imported\n",
        ),
        (
            "utf8.csv",
            b"id,name\n3,ab\xffc\n".to_vec(),
            &["--append"],
            "error: utf8.csv:2:5: invalid UTF-8 in column \"name\"\nhint: nothing was imported\n",
        ),
        (
            "type.csv",
            b"id,name\n3,three\nfour,4\n".to_vec(),
            &["--append"],
            "error: type.csv:3:1: column \"id\": invalid input syntax for type integer: \"four\"\nhint: nothing was imported\n",
        ),
        (
            "dup.csv",
            b"id,name,qty\n3,three,1\n1,again,2\n".to_vec(),
            &["--append"],
            "error: dup.csv:3:1: column \"id\": duplicate key value violates unique constraint \"t_pkey\"\nDETAIL: Key (id)=(1) already exists.\nhint: nothing was imported\n",
        ),
        (
            "unknown.csv",
            b"id,name,colour,size\n3,three,red,1\n".to_vec(),
            &["--append"],
            "error: unknown.csv: columns \"colour\", \"size\" not in table \"t\"\nhint: nothing was imported\n",
        ),
        (
            "bad.json",
            b"[{\"id\": 3},\n {\"id\": 4,}]".to_vec(),
            &["--append"],
            "error: bad.json:2:11: malformed JSON: trailing comma\nhint: nothing was imported\n",
        ),
        (
            "scalar.jsonl",
            b"{\"id\": 3}\n[4]\n".to_vec(),
            &["--append"],
            "error: scalar.jsonl:2:1: expected a JSON object: invalid type: sequence, expected a JSON object\nhint: nothing was imported\n",
        ),
        (
            "key.jsonl",
            b"{\"id\": 3}\n  {\"id\": 4, \"oops\": 1}\n".to_vec(),
            &["--append"],
            "error: key.jsonl:2:3: column \"oops\" of the file is not in table \"t\"\nhint: nothing was imported\n",
        ),
        (
            "notnull.csv",
            b"id,name,qty\n3,three,\n".to_vec(),
            &["--replace"],
            "error: notnull.csv:2:9: null value in column \"qty\" of relation \"t\" violates not-null constraint\nDETAIL: Failing row contains (3, three, null).\nhint: nothing was imported\n",
        ),
        (
            "updup.csv",
            b"id,name\n5,a\n5,b\n".to_vec(),
            &["--update"],
            "error: updup.csv:2-3: ON CONFLICT DO UPDATE command cannot affect row a second time\nhint: nothing was imported\n",
        ),
    ];
    for (name, content, options, expected) in cases {
        d.write_file(name, &content);
        let mut args = vec!["table", "import", "t", name];
        args.extend_from_slice(options);
        assert_eq!(d.fails(&args), expected, "{name}");
        unchanged(d);
    }
    // A failed create leaves no table behind.
    d.write_file("new.csv", "k,v\n1,a\n1,b\n");
    assert_eq!(
        d.fails(&["table", "import", "n", "new.csv", "--pk", "k"]),
        "error: new.csv:3:1: column \"k\": duplicate key value violates unique constraint \"n_pkey\"\nDETAIL: Key (k)=(1) already exists.\nhint: nothing was imported\n"
    );
    unchanged(d);
    assert!(!d.ok(&["schema", "show"]).contains("CREATE TABLE n"));
}

/// Errors deep in a large file (read on one thread, written on another,
/// in batches) still name the right line, and write nothing.
#[test]
fn errors_far_into_a_large_file_name_their_line() {
    let d = &repo();
    let rows = |bad: &dyn Fn(usize) -> Option<String>| -> String {
        let mut csv = String::from("id,name,qty\n");
        for i in 1..=20_000 {
            csv.push_str(&bad(i).unwrap_or_else(|| format!("{},n{i},{i}\n", i + 10)));
        }
        csv
    };
    // A duplicate key on line 15,002 (row 15,001).
    d.write_file(
        "dup.csv",
        rows(&|i| (i == 15_001).then(|| "11,again,1\n".into())),
    );
    assert_eq!(
        d.fails(&["table", "import", "t", "dup.csv", "--append"]),
        "error: dup.csv:15002:1: column \"id\": duplicate key value violates unique constraint \"t_pkey\"\nDETAIL: Key (id)=(11) already exists.\nhint: nothing was imported\n"
    );
    unchanged(d);
    // A value that is not a number on line 17,003.
    d.write_file(
        "bad.csv",
        rows(&|i| (i == 17_002).then(|| "17012,n,lots\n".into())),
    );
    let e = d.fails(&["table", "import", "t", "bad.csv", "--append"]);
    assert!(
        e.starts_with("error: bad.csv:17003:9: column \"qty\": "),
        "{e}"
    );
    unchanged(d);
    // A NULL where the table refuses one, on line 19,004.
    d.write_file(
        "null.csv",
        rows(&|i| (i == 19_003).then(|| "19013,n,\n".into())),
    );
    let e = d.fails(&["table", "import", "t", "null.csv", "--append"]);
    assert!(e.starts_with("error: null.csv:19004:"), "{e}");
    unchanged(d);
    // And without errors, every row arrives.
    d.write_file("good.csv", rows(&|_| None));
    d.ok(&["table", "import", "t", "good.csv", "--append", "-q"]);
    assert_eq!(
        sql(d, "SELECT count(*), sum(qty) FROM t"),
        "count,sum\n20002,200010030\n"
    );
}

/// A new table's types come from the first 10,000 rows; rows after them
/// that need wider types (or NULL) make the import start again, so the
/// table is what a scan of the whole file gives.
#[test]
fn types_the_first_rows_do_not_show_are_still_inferred() {
    let d = &repo();
    let file = |late: &dyn Fn(usize) -> Option<&'static str>| {
        let mut csv = String::from("id,n,note,doc\n");
        for i in 1..=20_000 {
            match late(i) {
                Some(row) => csv.push_str(&format!("{i},{row}\n")),
                None => csv.push_str(&format!("{i},{},x{i},\"{{\"\"k\"\": {i}}}\"\n", i % 7)),
            }
        }
        csv
    };
    let schema = |d: &WorkDir, table: &str| d.ok(&["schema", "show", table]);
    // Agreeing rows: the sample's types stand.
    d.write_file("same.csv", file(&|_| None));
    d.ok(&["table", "import", "same", "same.csv", "--pk", "id", "-q"]);
    assert_eq!(
        schema(d, "same"),
        "CREATE TABLE same (\n    id integer NOT NULL,\n    n integer,\n    note text,\n    doc jsonb,\n    PRIMARY KEY (id)\n);\n"
    );
    // Late rows widen n to bigint and make doc text: every row still loads
    // (the import went on and then started again).
    d.write_file(
        "wide.csv",
        file(&|i| match i {
            15_000 => Some("3000000000,x,{}"),
            16_000 => Some("1,,{}"),
            17_000 => Some("1,x,not json"),
            _ => None,
        }),
    );
    d.ok(&["table", "import", "wide", "wide.csv", "--pk", "id", "-q"]);
    assert_eq!(
        schema(d, "wide"),
        "CREATE TABLE wide (\n    id integer NOT NULL,\n    n bigint,\n    note text,\n    doc text,\n    PRIMARY KEY (id)\n);\n"
    );
    assert_eq!(
        sql(
            d,
            "SELECT count(*), max(n), count(note), min(doc) FROM wide"
        ),
        "count,max,count,min\n20000,3000000000,19999,not json\n"
    );
    // A value that no type but text holds, after the sample.
    d.write_file("text.csv", file(&|i| (i == 12_345).then_some("many,x,{}")));
    d.ok(&["table", "import", "text", "text.csv", "-q"]);
    assert!(schema(d, "text").contains("    n text,\n"));
    // A real error after the sample is reported as ever, nothing written.
    d.write_file(
        "dup.csv",
        file(&|i| (i == 18_000).then_some("1,x,{}")).replace("\n18000,", "\n17999,"),
    );
    assert_eq!(
        d.fails(&["table", "import", "dup", "dup.csv", "--pk", "id"]),
        "error: dup.csv:18001:1: column \"id\": duplicate key value violates unique constraint \"dup_pkey\"\nDETAIL: Key (id)=(17999) already exists.\nhint: nothing was imported\n"
    );
    assert!(d.fails(&["schema", "show", "dup"]).contains("dup"));
}

#[test]
fn continue_skips_bad_rows_and_reports_them() {
    let d = &repo();
    d.write_file(
        "some.csv",
        "id,name\n3,three\nx,bad\n4\n5,\"fi\"ve\n6,six\n",
    );
    let out = d.run(&["table", "import", "t", "some.csv", "--append", "--continue"]);
    assert!(out.status.success(), "{}", out.stderr);
    assert_eq!(out.stdout, "appended to \"t\": 2 rows from some.csv\n");
    assert_eq!(
        out.stderr,
        "skipped 3 bad rows:\n  some.csv:3:1: column \"id\": invalid input syntax for type integer: \"x\"\n  some.csv:4:1: expected 2 fields, found 1\n  some.csv:5:7: unexpected character after a closing quote\n"
    );
    assert_eq!(
        sql(d, "SELECT id, name FROM t ORDER BY id"),
        "id,name\n1,one\n2,two\n3,three\n6,six\n"
    );
}

/// A file of several batches (read, converted and written on different
/// threads) in no particular key order, with bad rows spread over it:
/// errors and skipped rows come in file order, and the table is the one a
/// sorted file makes.
#[test]
fn large_files_in_any_order_load_and_report_in_file_order() {
    let d = &repo();
    let n = 4_000;
    // A permutation of 1..=n: a key order nothing like the table's.
    let id = |i: usize| (i * 2_357) % n + 1;
    let line = |i: usize| format!("{},name {},\"{{\"\"k\"\": {}}}\"\n", id(i), id(i), i);
    let shuffled: String = std::iter::once("id,name,doc\n".to_string())
        .chain((0..n).map(line))
        .collect();
    d.write_file("shuffled.csv", &shuffled);
    let mut sorted: Vec<usize> = (0..n).collect();
    sorted.sort_by_key(|&i| id(i));
    let sorted: String = std::iter::once("id,name,doc\n".to_string())
        .chain(sorted.into_iter().map(line))
        .collect();
    d.write_file("sorted.csv", &sorted);
    d.ok(&["table", "import", "s", "shuffled.csv", "--pk", "id", "-q"]);
    d.ok(&["table", "import", "o", "sorted.csv", "--pk", "id", "-q"]);
    assert_eq!(
        sql(
            d,
            "SELECT count(*), sum(s.id), count(o.id) FROM s FULL JOIN o ON s.id = o.id AND s.name = o.name AND s.doc = o.doc"
        ),
        format!("count,sum,count\n{n},{},{n}\n", n * (n + 1) / 2)
    );

    // Bad rows on lines 1,502 (a bad number), 2,202 (too few fields),
    // 3,102 (a quote out of place) and 3,902 (not JSON).
    let bad = |i: usize| match i {
        1_500 => Some("x1,a,{}\n".to_string()),
        2_200 => Some("7000001\n".to_string()),
        3_100 => Some("7000002,\"b\"c,{}\n".to_string()),
        3_900 => Some("7000003,c,{oops\n".to_string()),
        _ => None,
    };
    let file: String = std::iter::once("id,name,doc\n".to_string())
        .chain((0..n).map(|i| bad(i).unwrap_or_else(|| line(i).replace(",name", ",again"))))
        .collect();
    d.write_file("bad.csv", &file);
    let e = d.fails(&["table", "import", "s", "bad.csv", "--update"]);
    assert!(
        e.starts_with(
            "error: bad.csv:1502:1: column \"id\": invalid input syntax for type integer: \"x1\""
        ),
        "{e}"
    );
    d.ok(&[
        "sql",
        "-q",
        "CREATE TABLE e (id integer PRIMARY KEY, name text, doc jsonb)",
    ]);
    let e = d.fails(&["table", "import", "e", "bad.csv", "--append"]);
    assert!(e.starts_with("error: bad.csv:1502:1: "), "{e}");
    assert_eq!(sql(d, "SELECT count(*) FROM e"), "count\n0\n");
    let out = d.run(&["table", "import", "e", "bad.csv", "--append", "--continue"]);
    assert!(out.status.success(), "{}", out.stderr);
    assert_eq!(
        out.stderr,
        "skipped 4 bad rows:\n  bad.csv:1502:1: column \"id\": invalid input syntax for type integer: \"x1\"\n  bad.csv:2202:1: expected 3 fields, found 1\n  bad.csv:3102:12: unexpected character after a closing quote\n  bad.csv:3902:11: column \"doc\": invalid input syntax for type json\n"
    );
    assert_eq!(
        sql(
            d,
            "SELECT count(*), count(DISTINCT name) FROM e WHERE name LIKE 'again %'"
        ),
        format!("count,count\n{},{}\n", n - 4, n - 4)
    );
}

/// Tables with a unique index or a foreign key are written row by row
/// (their rows need more than themselves): the constraints hold, and a
/// failure names its line and imports nothing.
#[test]
fn imports_into_tables_with_indexes_and_foreign_keys() {
    let d = &repo();
    sql(
        d,
        "CREATE TABLE parent (id integer PRIMARY KEY); INSERT INTO parent VALUES (1), (2); CREATE TABLE child (id integer PRIMARY KEY, p integer REFERENCES parent (id), code text UNIQUE)",
    );
    d.write_file("good.csv", "id,p,code\n3,1,c\n1,2,a\n2,,b\n");
    assert_eq!(
        d.ok(&["table", "import", "child", "good.csv", "--append"]),
        "appended to \"child\": 3 rows from good.csv\n"
    );
    assert_eq!(
        sql(d, "SELECT id, p FROM child WHERE code = 'c'"),
        "id,p\n3,1\n"
    );
    let before = sql(d, "SELECT id, p, code FROM child ORDER BY id");
    d.write_file("dup.csv", "id,p,code\n4,1,d\n5,2,a\n");
    assert_eq!(
        d.fails(&["table", "import", "child", "dup.csv", "--append"]),
        "error: dup.csv:3:5: column \"code\": duplicate key value violates unique constraint \"child_code_key\"\nDETAIL: Key (code)=(a) already exists.\nhint: nothing was imported\n"
    );
    d.write_file("orphan.csv", "id,p,code\n4,1,d\n5,9,e\n");
    let e = d.fails(&["table", "import", "child", "orphan.csv", "--append"]);
    assert!(e.starts_with("error: orphan.csv:3:"), "{e}");
    assert!(e.contains("violates foreign key constraint"), "{e}");
    assert_eq!(sql(d, "SELECT id, p, code FROM child ORDER BY id"), before);

    // Without the foreign key, the same through a bulk load.
    sql(
        d,
        "CREATE TABLE coded (id integer PRIMARY KEY, p integer, code text UNIQUE); CREATE INDEX coded_p ON coded (p)",
    );
    d.ok(&["table", "import", "coded", "good.csv", "--append", "-q"]);
    assert_eq!(
        d.fails(&["table", "import", "coded", "dup.csv", "--append"]),
        "error: dup.csv:3:5: column \"code\": duplicate key value violates unique constraint \"coded_code_key\"\nDETAIL: Key (code)=(a) already exists.\nhint: nothing was imported\n"
    );
    d.ok(&["table", "import", "coded", "orphan.csv", "--append", "-q"]);
    assert_eq!(
        sql(
            d,
            "SELECT id FROM coded WHERE p = 9 UNION ALL SELECT id FROM coded WHERE code = 'b'"
        ),
        "id\n5\n2\n"
    );
}

/// `-` reads standard input (its format named with --format).
#[test]
fn import_from_standard_input() {
    let d = &repo();
    let run = |args: &[&str], input: &str| d.run_with_input(args, input);
    let out = run(
        &["table", "import", "s", "-", "--format", "csv", "--pk", "id"],
        "id,v\n1,a\n2,b\n",
    );
    assert_eq!(out.stdout, "created table \"s\": 2 rows from <stdin>\n");
    assert_eq!(sql(d, "SELECT * FROM s ORDER BY id"), "id,v\n1,a\n2,b\n");
    let out = run(
        &["table", "import", "s", "-", "--format", "jsonl", "--append"],
        "{\"id\": 3, \"v\": \"c\"}\n",
    );
    assert!(out.status.success(), "{}", out.stderr);
    assert_eq!(sql(d, "SELECT count(*) FROM s"), "count\n3\n");
    let out = run(&["table", "import", "u", "-"], "id\n1\n");
    assert_eq!(
        out.stderr,
        "error: the format of standard input is unknown\nhint: name it with --format csv|tsv|psv|json|jsonl\n"
    );
}

/// Bytes that are not UTF-8 refuse the row by default, are skipped with
/// --continue, or read as U+FFFD with --invalid-utf8 replace (CSV and JSON).
#[test]
fn invalid_utf8_refused_skipped_or_replaced() {
    let d = &repo();
    d.write_file("latin1.csv", b"id,name\n1,caf\xe9\n2,ok\n");
    assert_eq!(
        d.fails(&["table", "import", "a", "latin1.csv", "--pk", "id"]),
        "error: latin1.csv:2:6: invalid UTF-8 in column \"name\"\nhint: nothing was imported\n"
    );
    d.ok(&[
        "table",
        "import",
        "a",
        "latin1.csv",
        "--pk",
        "id",
        "--continue",
    ]);
    assert_eq!(sql(d, "SELECT * FROM a"), "id,name\n2,ok\n");
    d.ok(&[
        "table",
        "import",
        "b",
        "latin1.csv",
        "--pk",
        "id",
        "--invalid-utf8",
        "replace",
    ]);
    assert_eq!(
        sql(d, "SELECT * FROM b ORDER BY id"),
        "id,name\n1,caf\u{fffd}\n2,ok\n"
    );
    d.write_file("latin1.jsonl", b"{\"id\": 1, \"name\": \"caf\xe9\"}\n");
    d.ok(&[
        "table",
        "import",
        "c",
        "latin1.jsonl",
        "--pk",
        "id",
        "--invalid-utf8",
        "replace",
    ]);
    assert_eq!(sql(d, "SELECT * FROM c"), "id,name\n1,caf\u{fffd}\n");
}

#[test]
fn export_formats_where_as_of_and_spreadsheet_safety() {
    let d = &repo();
    sql(
        d,
        "CREATE TABLE e (id integer PRIMARY KEY, s text, j jsonb, f double precision, b boolean); INSERT INTO e VALUES (1, '=SUM(A1)', '{\"a\": [1, null]}', 1.5, true), (2, NULL, NULL, -2, NULL), (3, 'say \"hi\", ok', '\"str\"', 1e300, false), (4, '', '3', 0, true)",
    );
    assert_eq!(
        d.ok(&["table", "export", "e"]),
        "id,s,j,f,b\n1,=SUM(A1),\"{\"\"a\"\": [1, null]}\",1.5,t\n2,,,-2,\n3,\"say \"\"hi\"\", ok\",\"\"\"str\"\"\",1e+300,f\n4,\"\",3,0,t\n"
    );
    assert_eq!(
        d.ok(&[
            "table",
            "export",
            "e",
            "--format",
            "tsv",
            "--spreadsheet-safe",
            "--where",
            "id <= 2"
        ]),
        "id\ts\tj\tf\tb\n1\t'=SUM(A1)\t{\"\"a\"\": [1, null]}\t1.5\tt\n2\t\t\t-2\t\n"
            .replace("{\"\"a\"\": [1, null]}", "\"{\"\"a\"\": [1, null]}\"")
    );
    assert_eq!(
        d.ok(&["table", "export", "e", "--format", "json"]),
        "[\n{\"id\": 1, \"s\": \"=SUM(A1)\", \"j\": {\"a\": [1, null]}, \"f\": 1.5, \"b\": true},\n{\"id\": 2, \"s\": null, \"j\": null, \"f\": -2, \"b\": null},\n{\"id\": 3, \"s\": \"say \\\"hi\\\", ok\", \"j\": \"str\", \"f\": 1e+300, \"b\": false},\n{\"id\": 4, \"s\": \"\", \"j\": 3, \"f\": 0, \"b\": true}\n]\n"
    );
    assert_eq!(
        d.ok(&[
            "table", "export", "e", "--format", "jsonl", "--where", "id = 2"
        ]),
        "{\"id\": 2, \"s\": null, \"j\": null, \"f\": -2, \"b\": null}\n"
    );
    assert_eq!(
        d.ok(&[
            "table",
            "export",
            "e",
            "--format",
            "sql",
            "--where",
            "id in (1, 3)"
        ]),
        "CREATE TABLE e (\n    id integer NOT NULL,\n    s text,\n    j jsonb,\n    f double precision,\n    b boolean,\n    PRIMARY KEY (id)\n);\n\nINSERT INTO \"e\" (\"id\", \"s\", \"j\", \"f\", \"b\") VALUES (1, '=SUM(A1)', '{\"a\": [1, null]}'::jsonb, 1.5, TRUE);\nINSERT INTO \"e\" (\"id\", \"s\", \"j\", \"f\", \"b\") VALUES (3, 'say \"hi\", ok', '\"str\"'::jsonb, '1e+300'::double precision, FALSE);\n"
    );
    // --as-of reads a committed version; the export goes to a file.
    sql(d, "UPDATE t SET name = 'changed'");
    d.ok(&["table", "export", "t", "old.csv", "--as-of", "HEAD"]);
    assert_eq!(d.read_file("old.csv"), "id,name,qty\n1,one,10\n2,two,20\n");
    assert_eq!(
        d.fails(&["table", "export", "nope"]),
        "error: relation \"nope\" does not exist\n"
    );
    // An export that fails halfway (row 2 divides by zero, after row 1 was
    // written) leaves neither the file nor a temporary one behind, and an
    // existing file as it was.
    let files = || {
        let mut names: Vec<String> = std::fs::read_dir(d.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let before = files();
    let halfway = [
        "table",
        "export",
        "t",
        "half.csv",
        "--where",
        "10 / (id - 2) <> 0",
    ];
    assert_eq!(d.fails(&halfway), "error: division by zero\n");
    assert_eq!(files(), before);
    let halfway = [
        "table",
        "export",
        "t",
        "old.csv",
        "--force",
        "--where",
        "10 / (id - 2) <> 0",
    ];
    assert_eq!(d.fails(&halfway), "error: division by zero\n");
    assert_eq!(d.read_file("old.csv"), "id,name,qty\n1,one,10\n2,two,20\n");
    // Likewise when thousands of rows were already handed to the thread
    // that writes them.
    sql(
        d,
        "CREATE TABLE big (id integer PRIMARY KEY); INSERT INTO big WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < 5000) SELECT g FROM s",
    );
    let before = files();
    assert_eq!(
        d.fails(&[
            "table",
            "export",
            "big",
            "big.csv",
            "--where",
            "10 / (id - 4000) <> 0"
        ]),
        "error: division by zero\n"
    );
    assert_eq!(files(), before);
    d.ok(&["table", "export", "big", "big.csv"]);
    let written = d.read_file("big.csv");
    assert_eq!(written.lines().count(), 5001);
    assert_eq!(written.lines().last(), Some("5000"));
}

/// An export does not replace a file unless told to (`--force`, as Dolt's),
/// and the file it makes has the mode the umask gives any new file, while a
/// replaced file keeps its own.
#[test]
fn exports_refuse_an_existing_file_without_force_and_honour_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    let d = &repo();
    sql(
        d,
        "CREATE TABLE e (id integer PRIMARY KEY); INSERT INTO e VALUES (1)",
    );
    let mode = |name: &str| {
        std::fs::metadata(d.path().join(name))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    let umask = {
        let probe = d.path().join("probe");
        std::fs::write(&probe, "").unwrap();
        let m = 0o666 & !mode("probe");
        std::fs::remove_file(probe).unwrap();
        m
    };
    d.ok(&["table", "export", "e", "e.csv"]);
    assert_eq!(
        mode("e.csv"),
        0o666 & !umask,
        "a new file, as any program makes it"
    );
    d.write_file("mine.csv", "precious\n");
    assert_eq!(
        d.fails(&["table", "export", "e", "mine.csv"]),
        "error: mine.csv exists already\nhint: pass --force to replace it\n"
    );
    assert_eq!(d.read_file("mine.csv"), "precious\n");
    std::fs::set_permissions(
        d.path().join("mine.csv"),
        std::fs::Permissions::from_mode(0o640),
    )
    .unwrap();
    d.ok(&["table", "export", "e", "mine.csv", "--force"]);
    assert_eq!(d.read_file("mine.csv"), "id\n1\n");
    assert_eq!(mode("mine.csv"), 0o640, "a replaced file keeps its mode");
    std::fs::create_dir(d.path().join("folder")).unwrap();
    assert_eq!(
        d.fails(&["table", "export", "e", "folder", "--force"]),
        "error: cannot write folder: it is a directory\n"
    );
}

#[test]
fn round_trips_through_every_format() {
    let d = &repo();
    sql(
        d,
        "CREATE TABLE src (id bigint PRIMARY KEY, s text, j jsonb, f double precision, b boolean); INSERT INTO src VALUES (1, 'a,b', '{\"a\": [1, {\"b\": null}]}', 1.25, true), (2, NULL, NULL, NULL, NULL), (3, 'line\nbreak \"q\"', '[]', -0.5, false), (4, '', '{}', 3e10, true)",
    );
    let all = "SELECT id, s, j, f, b FROM {} ORDER BY id";
    let expected = sql(d, &all.replace("{}", "src"));
    for format in ["csv", "tsv", "psv", "json", "jsonl", "sql"] {
        let file = format!("src.{format}");
        d.ok(&["table", "export", "src", &file]);
        let copy = format!("copy_{format}");
        if format == "sql" {
            // The file makes its table: under another name here.
            let statements = d
                .read_file(&file)
                .replace("CREATE TABLE src (", &format!("CREATE TABLE {copy} ("))
                .replace("INSERT INTO \"src\"", &format!("INSERT INTO \"{copy}\""));
            sql(d, &statements);
        } else {
            d.ok(&["table", "import", &copy, &file, "--pk", "id"]);
        }
        assert_eq!(sql(d, &all.replace("{}", &copy)), expected, "{format}");
        // Importing into the existing table with --replace gives it back too.
        sql(d, &format!("DELETE FROM {copy} WHERE id > 1"));
        if format != "sql" {
            d.ok(&["table", "import", &copy, &file, "--replace"]);
            assert_eq!(
                sql(d, &all.replace("{}", &copy)),
                expected,
                "{format} --replace"
            );
        }
    }
}

#[test]
fn schema_show_prints_constraints_and_indexes() {
    let d = &repo();
    sql(
        d,
        "CREATE TABLE parent (id integer PRIMARY KEY); CREATE TABLE \"Child\" (id integer PRIMARY KEY, parent_id integer REFERENCES parent (id), code text UNIQUE, n integer NOT NULL DEFAULT 1 CHECK (n > 0)); CREATE INDEX child_n ON \"Child\" (n DESC, code)",
    );
    assert_eq!(
        d.ok(&["schema", "show", "Child"]),
        "CREATE TABLE \"Child\" (\n    id integer NOT NULL,\n    parent_id integer,\n    code text,\n    n integer DEFAULT 1 NOT NULL,\n    PRIMARY KEY (id),\n    CONSTRAINT \"Child_code_key\" UNIQUE (code),\n    CONSTRAINT \"Child_n_check\" CHECK (n > 0),\n    CONSTRAINT \"Child_parent_id_fkey\" FOREIGN KEY (parent_id) REFERENCES parent (id)\n);\nCREATE INDEX child_n ON \"Child\" (n DESC, code);\n"
    );
    let all = d.ok(&["schema", "show"]);
    assert!(all.starts_with("CREATE TABLE \"Child\" ("), "{all}");
    assert!(
        all.contains(
            "\nCREATE TABLE parent (\n    id integer NOT NULL,\n    PRIMARY KEY (id)\n);\n"
        ),
        "{all}"
    );
    assert_eq!(
        d.fails(&["schema", "show", "missing"]),
        "error: relation \"missing\" does not exist\n"
    );
}

/// The types `arbor schema show` gives `table`'s columns, one `name type`
/// a line (constraints left out).
fn column_types(dir: &WorkDir, table: &str) -> Vec<String> {
    dir.ok(&["schema", "show", table])
        .lines()
        .filter(|l| l.starts_with("    ") && !l.trim_start().starts_with("PRIMARY KEY"))
        .map(|l| l.trim().trim_end_matches(',').to_owned())
        .collect()
}

#[test]
fn inference_changes_no_value() {
    let d = &repo();
    // Each column holds values another type would read but print otherwise
    // (leading zeros, a negative zero, a leading space), or that no type
    // but text holds (30 digits): all stay as written.
    d.write_file(
        "odd.csv",
        "zip,negz,decimals,wide,big,spaced\n\
         00150,-0,0.10,123456789012345678.91,123456789012345678901234567890, 1\n\
         7,0,20.00,1,1,2\n",
    );
    d.ok(&["table", "import", "odd", "odd.csv", "-q"]);
    assert_eq!(
        column_types(d, "odd"),
        [
            "zip text",
            "negz text",
            "decimals numeric",
            "wide numeric",
            "big text",
            "spaced text",
        ]
    );
    d.ok(&["table", "export", "odd", "odd_out.csv"]);
    assert_eq!(d.read_file("odd_out.csv"), d.read_file("odd.csv"));

    // Other programs' spellings of the same value (a `T`, a zone, a
    // capital, `true`) get their type; the value is the same, spelled as
    // Arbor spells it.
    d.write_file(
        "spelled.csv",
        "tsep,zoned,upper,yes\n\
         2024-01-31T12:00:00,2024-01-31 12:00:00+02:00,A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11,true\n\
         2024-01-31T12:00:01,2024-01-31T12:00:00Z,a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12,FALSE\n",
    );
    d.ok(&["table", "import", "spelled", "spelled.csv", "-q"]);
    assert_eq!(
        column_types(d, "spelled"),
        [
            "tsep timestamp without time zone",
            "zoned timestamp with time zone",
            "upper uuid",
            "yes boolean",
        ]
    );
    d.ok(&["table", "export", "spelled", "spelled_out.csv"]);
    assert_eq!(
        d.read_file("spelled_out.csv"),
        "tsep,zoned,upper,yes\n\
         2024-01-31 12:00:00,2024-01-31 10:00:00+00,a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11,t\n\
         2024-01-31 12:00:01,2024-01-31 12:00:00+00,a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12,f\n"
    );

    // What prints back as written gets its type.
    d.write_file(
        "typed.csv",
        "b,i,bi,n,f,d,tm,ts,tz,u,bs,jb,j\n\
         t,1,3000000000,0.10,1e+20,2024-01-31,12:00:00.5,2024-01-31 12:00:00,2024-01-31 10:00:00+00,a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11,\\xdead,\"{\"\"a\"\": [1, null]}\",\"{\"\"b\"\":1,\"\"a\"\":0.10}\"\n\
         f,-2,-1,-123456789012345678.91,0.25,0001-01-01 BC,23:59:59,2024-01-31 12:00:00.123456,2024-01-31 10:00:00.5+00,00000000-0000-0000-0000-000000000000,\\x,[],[]\n",
    );
    d.ok(&["table", "import", "typed", "typed.csv", "-q"]);
    assert_eq!(
        column_types(d, "typed"),
        [
            "b boolean",
            "i integer",
            "bi bigint",
            "n numeric",
            "f double precision",
            "d date",
            "tm time without time zone",
            "ts timestamp without time zone",
            "tz timestamp with time zone",
            "u uuid",
            "bs bytea",
            "jb jsonb",
            "j json",
        ]
    );
    d.ok(&["table", "export", "typed", "typed_out.csv"]);
    // A keyless table reads its rows in the order of their values.
    let lines = |f: &str| {
        let text = d.read_file(f);
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        lines[1..].sort();
        lines
    };
    assert_eq!(lines("typed_out.csv"), lines("typed.csv"));
}

#[test]
fn inferred_columns_are_nullable_so_a_later_blank_appends() {
    let d = &repo();
    d.write_file("first.csv", "id,name,n\n1,a,10\n");
    d.ok(&["table", "import", "later", "first.csv", "--pk", "id", "-q"]);
    assert_eq!(
        column_types(d, "later"),
        ["id integer NOT NULL", "name text", "n integer"]
    );
    d.write_file("blank.csv", "id,name,n\n2,,\n");
    d.ok(&["table", "import", "later", "blank.csv", "--append", "-q"]);
    assert_eq!(
        sql(
            d,
            "SELECT id, name IS NULL, n IS NULL FROM later ORDER BY id"
        ),
        "id,?column?,?column?\n1,f,f\n2,t,t\n"
    );
}

#[test]
fn json_numbers_keep_their_digits() {
    let d = &repo();
    sql(
        d,
        "CREATE TABLE m (id integer PRIMARY KEY, v numeric, w text)",
    );
    d.write_file(
        "m.json",
        r#"[{"id": 1, "v": 123456789012345678.91, "w": 1.50}, {"id": 2, "v": 20.00, "w": 1e400}]"#,
    );
    d.ok(&["table", "import", "m", "m.json", "--append", "-q"]);
    assert_eq!(
        sql(d, "SELECT * FROM m ORDER BY id"),
        "id,v,w\n1,123456789012345678.91,1.50\n2,20.00,1e+400\n"
    );
    // Inferred: exact decimals are numeric; a number no type holds as
    // written (a negative zero) keeps it as JSON.
    d.write_file(
        "n.jsonl",
        "{\"id\": 1, \"v\": 0.10, \"z\": -0, \"mixed\": 1}\n{\"id\": 2, \"v\": 20.00, \"z\": 1, \"mixed\": \"1\"}\n",
    );
    d.ok(&["table", "import", "n", "n.jsonl", "-q"]);
    assert_eq!(
        column_types(d, "n"),
        ["id integer", "v numeric", "z json", "mixed jsonb"]
    );
    d.ok(&["table", "export", "n", "n_out.jsonl"]);
    assert_eq!(
        d.read_file("n_out.jsonl"),
        "{\"id\": 1, \"v\": 0.10, \"z\": -0, \"mixed\": 1}\n{\"id\": 2, \"v\": 20.00, \"z\": 1, \"mixed\": \"1\"}\n"
    );
}

/// `file`, exported from one table and then from its copy, read as the
/// same thing: CSV-like files byte for byte, JSON ones as JSON documents
/// (numbers compared by their digits; key order and spacing are the
/// writer's).
fn same_export(format: &str, original: &str, copy: &str) {
    if format.starts_with("json") {
        let parse = |text: &str| -> Vec<serde_json::Value> {
            serde_json::Deserializer::from_str(text)
                .into_iter()
                .collect::<Result<_, _>>()
                .unwrap()
        };
        assert_eq!(parse(copy), parse(original), "{format}");
    } else {
        assert_eq!(copy, original, "{format}");
    }
}

#[test]
fn export_then_import_gives_back_every_type() {
    let d = &repo();
    sql(
        d,
        "CREATE TABLE every (id integer PRIMARY KEY, b boolean, si smallint, i integer, bi bigint, r real, f double precision, n numeric, n2 numeric(10, 2), t text, vc varchar(10), c char(3), bs bytea, dt date, tm time, ts timestamp, tz timestamptz, u uuid, j json, jb jsonb)",
    );
    sql(
        d,
        "INSERT INTO every VALUES \
         (1, true, -32768, 2147483647, 9223372036854775807, 0.1, 1e20, 0.10, 20.00, '', '', 'ab', '\\xdead', '2024-01-31', '12:00:00.5', '2024-01-31 12:00:00', '2024-01-31 12:00:00+02:00', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{\"b\": 1, \"a\": [0.10, 1e2]}', '{\"a\": [1, null], \"b\": 0.1}'), \
         (2, false, 0, -1, -9223372036854775808, 3.4e38, 0.30000000000000004, 123456789012345678.91, -0.50, '00150', 'x', 'abc', '\\x', '0001-01-01 BC', '23:59:59', '2024-01-31 12:00:00.123456', '2024-01-31 10:00:00Z', '00000000-0000-0000-0000-000000000000', '[]', '[]'), \
         (3, NULL, NULL, NULL, NULL, NULL, '-0', 1234567890123456789012345678, NULL, '-0', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '\"str\"'), \
         (4, NULL, NULL, NULL, NULL, NULL, 'Infinity', -0.00, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '3'), \
         (5, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)",
    );
    let all = "SELECT * FROM {} ORDER BY id";
    let expected = sql(d, &all.replace("{}", "every"));
    for format in ["csv", "tsv", "json", "jsonl"] {
        let file = format!("every.{format}");
        d.ok(&["table", "export", "every", &file]);
        let copy = format!("copy_{format}");
        d.ok(&["table", "import", &copy, &file, "-q"]);
        // Every value prints as it did (the types may be others that hold
        // them: smallint values come back as integer, say). A JSON file's
        // values are JSON values: one that only `json` holds as written
        // (the double column's -0 beside "Infinity", which JSON writes as
        // a string) prints as JSON, and the file it exports to is the test.
        if !format.starts_with("json") {
            assert_eq!(sql(d, &all.replace("{}", &copy)), expected, "{format}");
        }
        let again = format!("again.{format}");
        d.ok(&["table", "export", &copy, &again]);
        same_export(format, &d.read_file(&file), &d.read_file(&again));
    }
}

/// A file wider than a table may be (1,600 columns, as in PostgreSQL) is
/// refused at its header, before it is read, and an append names a few of
/// the columns the table lacks and counts the rest; 1,600 columns import.
#[test]
fn a_file_wider_than_a_table_is_refused_at_its_header() {
    let d = &repo();
    let wide = |n: usize| {
        let names: Vec<String> = (0..n).map(|i| format!("c{i}")).collect();
        let values: Vec<String> = (0..n).map(|i| i.to_string()).collect();
        format!("{}\n{}\n", names.join(","), values.join(","))
    };
    d.write_file("wide.csv", wide(20_000));
    assert_eq!(
        d.fails(&["table", "import", "wide", "wide.csv"]),
        "error: wide.csv has 20000 columns: a table can have at most 1600\n\
         hint: split the file into files of fewer columns (PostgreSQL has the same limit)\n"
    );
    d.ok(&["sql", "-q", "CREATE TABLE narrow (c0 int)"]);
    assert_eq!(
        d.fails(&["table", "import", "narrow", "wide.csv", "--append"]),
        "error: wide.csv: columns \"c1\", \"c2\", \"c3\", \"c4\", \"c5\", \"c6\", \"c7\", \"c8\", \
         \"c9\", \"c10\" and 19989 more not in table \"narrow\"\nhint: nothing was imported\n"
    );
    d.write_file("widest.csv", wide(1_600));
    d.ok(&["table", "import", "widest", "widest.csv", "-q"]);
    assert_eq!(sql(d, "SELECT c1599 FROM widest"), "c1599\n1599\n");
}

/// A NUL byte in a file's text is refused, naming where (text never holds
/// NUL, as `chr(0)` is refused), and nothing is imported.
#[test]
fn a_nul_byte_in_a_file_is_refused() {
    let d = &repo();
    d.write_file("nul.csv", b"id,t\n1,ok\n2,a\0b\n".as_slice());
    assert_eq!(
        d.fails(&["table", "import", "nul", "nul.csv"]),
        "error: nul.csv:3:3: column \"t\": invalid byte sequence for encoding \"UTF8\": 0x00\n\
         hint: nothing was imported\n"
    );
    d.write_file(
        "nul.jsonl",
        b"{\"id\": 1, \"t\": \"a\\u0000b\"}\n".as_slice(),
    );
    assert!(
        d.fails(&["table", "import", "nulj", "nul.jsonl"])
            .contains("invalid byte sequence for encoding \"UTF8\": 0x00")
    );
    unchanged(d);
}

/// An export as SQL starts with the table (its serial columns' sequences,
/// CREATE TABLE with its constraints) and ends by setting the sequences past
/// the rows, so it loads into an empty repository with `arbor sql -f`,
/// where new rows then take the next ids.
#[test]
fn an_sql_export_loads_into_an_empty_repository() {
    let d = &repo();
    sql(
        d,
        "CREATE TABLE ex (id serial PRIMARY KEY, v text UNIQUE); INSERT INTO ex (v) VALUES ('a'), ('b')",
    );
    d.ok(&["table", "export", "ex", "ex.sql"]);
    let script = d.read_file("ex.sql");
    assert!(
        script.starts_with("CREATE SEQUENCE \"ex_id_seq\";\nCREATE TABLE ex ("),
        "{script}"
    );
    let empty = d.env().work_dir().mkdir("empty");
    empty.ok(&["init"]);
    std::fs::copy(d.path().join("ex.sql"), empty.path().join("ex.sql")).unwrap();
    empty.ok(&["sql", "-f", "ex.sql"]);
    empty.ok(&["sql", "-q", "INSERT INTO ex (v) VALUES ('c')"]);
    assert_eq!(
        sql(&empty, "SELECT id, v FROM ex ORDER BY id"),
        "id,v\n1,a\n2,b\n3,c\n"
    );
    assert!(
        empty
            .fails(&["sql", "-q", "INSERT INTO ex (v) VALUES ('a')"])
            .contains("23505")
    );
}
