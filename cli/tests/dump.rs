//! `arbor dump`: the whole repository as a SQL script that loads into an
//! empty repository (giving the same dump again) and into PostgreSQL, or as
//! one file per table.

#![allow(clippy::unwrap_used)]

mod common;

use arbor_tests::postgres::Postgres;
use common::{TestEnv, WorkDir};

/// Tables that need an order to load: a child named before its parent, a
/// table that references itself, serial columns, a sequence of its own,
/// constraints, an index, equal rows without a key, and views on views.
const SCHEMA: &str = "
CREATE TABLE b_parent (id serial PRIMARY KEY, name text UNIQUE NOT NULL, doc jsonb, at timestamptz);
CREATE TABLE a_child (id int PRIMARY KEY, parent int REFERENCES b_parent (id) ON DELETE CASCADE,
                      boss int REFERENCES a_child (id), price numeric(10,2) CHECK (price >= 0));
CREATE INDEX a_child_price ON a_child (price);
CREATE TABLE tally (word text, n int);
CREATE SEQUENCE tickets INCREMENT BY 10 START 100;
INSERT INTO b_parent (name, doc, at) VALUES ('x', '{\"k\": [1, 2.5]}', '2024-01-31 10:00:00+00'), ('y', NULL, NULL);
INSERT INTO a_child VALUES (1, 1, 2, 9.99), (2, 2, NULL, 0), (3, 1, 1, NULL);
INSERT INTO tally VALUES ('a', 1), ('a', 1), ('it''s', NULL);
CREATE VIEW cheap AS SELECT c.id, p.name FROM a_child c JOIN b_parent p ON p.id = c.parent WHERE c.price < 5;
CREATE VIEW cheap_names AS SELECT name FROM cheap;
SELECT nextval('tickets'), nextval('tickets');
";

fn repository() -> WorkDir {
    let dir = TestEnv::new().repo();
    dir.ok(&["sql", "-q", SCHEMA]);
    dir
}

#[test]
fn a_dump_loads_into_an_empty_repository_as_the_same_data() {
    let dir = repository();
    let script = dir.ok(&["dump"]);
    // Foreign keys come after every row, so any order of tables loads.
    let first_fk = script.find("ADD CONSTRAINT").unwrap();
    assert!(script.rfind("INSERT INTO").unwrap() < first_fk, "{script}");
    let copy = dir.env().work_dir().mkdir("copy");
    copy.ok(&["init"]);
    copy.write_file("dump.sql", &script);
    copy.ok(&["sql", "-f", "dump.sql"]);
    assert_eq!(copy.ok(&["dump"]), script, "a loaded dump dumps the same");
    let query = "SELECT * FROM cheap_names ORDER BY name; \
                 SELECT nextval('tickets'), nextval('b_parent_id_seq')";
    assert_eq!(
        copy.ok(&["sql", "-q", query]),
        dir.ok(&["sql", "-q", query])
    );
    // As of a revision: the committed tables, not the working set.
    dir.ok(&["add", "."]);
    dir.ok(&["commit", "-m", "all"]);
    dir.ok(&["sql", "-q", "DELETE FROM tally"]);
    let committed = dir.ok(&["dump", "--as-of", "HEAD"]);
    assert!(committed.contains("INSERT INTO \"tally\""), "{committed}");
    assert!(!dir.ok(&["dump"]).contains("INSERT INTO \"tally\""));
}

#[test]
fn a_dump_loads_into_postgresql() {
    let Some(pg) = Postgres::start_or_skip() else {
        return;
    };
    let dir = repository();
    dir.ok(&["dump", "dump.sql"]);
    let path = dir.path().join("dump.sql");
    let loaded = pg.psql(&["-f", path.to_str().unwrap()]);
    assert!(
        loaded.status.success(),
        "{}",
        String::from_utf8_lossy(&loaded.stderr)
    );
    let query = "SELECT string_agg(name, ',' ORDER BY name) FROM cheap_names; \
                 SELECT count(*), sum(n) FROM tally; \
                 SELECT nextval('tickets'), nextval('b_parent_id_seq'); \
                 SELECT doc->'k'->>1, price FROM b_parent JOIN a_child ON parent = b_parent.id WHERE a_child.id = 1";
    let out = pg.psql(&["-A", "-t", "-c", query]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "y\n3|2\n120|3\n2.5|9.99\n",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_dump_as_files_writes_one_per_table() {
    let dir = repository();
    dir.ok(&["dump", "--format", "csv", "out"]);
    let mut files: Vec<String> = std::fs::read_dir(dir.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    assert_eq!(files, ["a_child.csv", "b_parent.csv", "tally.csv"]);
    assert_eq!(dir.read_file("out/tally.csv"), "word,n\na,1\na,1\nit's,\n");
    dir.ok(&["dump", "--format", "jsonl", "out"]);
    assert!(
        dir.read_file("out/tally.jsonl")
            .contains("{\"word\": \"a\", \"n\": 1}")
    );
    // Files are not replaced without --force; a folder is needed.
    let refused = dir.fails(&["dump", "--format", "csv", "out"]);
    assert!(refused.contains("exists already"), "{refused}");
    dir.ok(&["dump", "--format", "csv", "out", "--force"]);
    let refused = dir.fails(&["dump", "--format", "json"]);
    assert!(refused.contains("needs a folder"), "{refused}");
}
