//! `arbor sql-server` against real PostgreSQL clients: psql, and psycopg
//! and SQLAlchemy in Python. `.ci/run` installs them (Debian's
//! `postgresql-client`; `psycopg` and `sqlalchemy` in a venv, named by
//! `ARBOR_TEST_PYTHON`); a test fails, saying what is missing, where they
//! are not installed.

#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use common::{TestEnv, WorkDir};

/// A running `arbor sql-server`, stopped when dropped.
struct Server {
    child: Child,
    port: u16,
}

impl Server {
    /// Starts the server in `dir` on a free port.
    fn start(dir: &WorkDir) -> Server {
        Server::start_with(dir, &[])
    }

    /// Starts the server in `dir` on a free port, with more arguments.
    fn start_with(dir: &WorkDir, args: &[&str]) -> Server {
        let mut child = dir
            .command(&[&["sql-server", "--port", "0"], args].concat())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no address in {line:?}"));
        Server { child, port }
    }

    /// Runs psql's `args` against database `db`; (success, stdout, stderr).
    fn psql(&self, db: &str, args: &[&str]) -> (bool, String, String) {
        let out = self
            .psql_command(db, &[&["-q", "-v", "ON_ERROR_STOP=1"], args].concat())
            .output()
            .unwrap_or_else(|e| panic!("psql is needed (Debian's postgresql-client): {e}"));
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// psql with `args` against database `db` of this server, to run as
    /// the caller likes.
    fn psql_command(&self, db: &str, args: &[&str]) -> Command {
        let mut psql = Command::new("psql");
        psql.args([
            "-X",
            "-h",
            "127.0.0.1",
            "-p",
            &self.port.to_string(),
            "-d",
            db,
        ])
        .args(args)
        .env("PGCONNECT_TIMEOUT", "10");
        psql
    }

    /// psql's `args`, which must succeed; its output.
    #[track_caller]
    fn psql_ok(&self, db: &str, args: &[&str]) -> String {
        let (ok, out, err) = self.psql(db, args);
        assert!(ok, "psql {args:?} failed: {err}\n{out}");
        out
    }
}

/// Sends `signal` (`-TERM`, `-INT`) to process `pid`.
fn signal(pid: u32, signal: &str) {
    let status = Command::new("kill")
        .args([signal, &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "kill {signal} {pid}");
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A query over [`with_big_table`]'s table that runs for hours.
const ENDLESS: &str = "SELECT count(*) FROM big a, big b, big c, big d, big e";

/// Table `big` of 100 rows in `repo`: a join of a few copies of it runs
/// for hours, long enough to be interrupted.
fn with_big_table(repo: &WorkDir) {
    repo.ok(&[
        "sql",
        "-q",
        "CREATE TABLE big (n int PRIMARY KEY);
         INSERT INTO big SELECT a.n * 10 + b.n FROM
           (VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)) AS a(n),
           (VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)) AS b(n)",
    ]);
}

/// A repository `shop` with a table and a branch `feature` that differs.
fn shop(env: &TestEnv) -> WorkDir {
    let shop = env.work_dir().mkdir("shop");
    shop.ok(&["init"]);
    shop.ok(&[
        "sql",
        "-q",
        "CREATE TABLE items (id int PRIMARY KEY, name varchar(20), price numeric(8,2))",
    ]);
    shop.ok(&[
        "sql",
        "-q",
        "INSERT INTO items VALUES (1, 'apple', 1.50), (2, 'pear', 0.75)",
    ]);
    shop.ok(&["commit", "-A", "-m", "items"]);
    shop.ok(&["branch", "feature"]);
    shop.ok(&["checkout", "feature"]);
    shop.ok(&["sql", "-q", "UPDATE items SET price = 9.99 WHERE id = 1"]);
    shop.ok(&["commit", "-a", "-m", "dearer"]);
    shop.ok(&["checkout", "main"]);
    shop
}

#[test]
fn psql_reads_writes_and_sees_errors_as_postgresql_sends_them() {
    let env = TestEnv::new();
    let shop = shop(&env);
    let server = Server::start(&shop);
    let out = server.psql_ok(
        "shop",
        &[
            "-A",
            "-c",
            "SELECT name, price FROM items WHERE id = '1'",
            "-c",
            "INSERT INTO items VALUES (3, 'fig', 2.00)",
            "-c",
            "UPDATE items SET price = price + 1 WHERE id IN (2, 3)",
            "-c",
            "SELECT id, price FROM items ORDER BY id",
        ],
    );
    assert_eq!(
        out,
        "name|price\napple|1.50\n(1 row)\nid|price\n1|1.50\n2|1.75\n3|3.00\n(3 rows)\n"
    );
    // Written through the server, read by the command line.
    let sql = shop.ok(&["sql", "--format", "csv", "-q", "SELECT count(*) FROM items"]);
    assert_eq!(sql, "count\n3\n");

    // A transaction: rolled back, then committed.
    let script = "BEGIN;\nDELETE FROM items;\nROLLBACK;\nBEGIN;\nDELETE FROM items WHERE id = 3;\nCOMMIT;\nSELECT count(*) FROM items;\n";
    let out = server.psql_ok("shop", &["-A", "-t", "-c", script]);
    assert_eq!(out.trim(), "2");

    // An error: SQLSTATE and message, and the session goes on.
    let (ok, _, err) = server.psql(
        "shop",
        &["-v", "VERBOSITY=verbose", "-c", "SELECT nope FROM items"],
    );
    assert!(!ok);
    assert!(
        err.contains(
            "ERROR:  42703: column \"nope\" does not exist\nLINE 1: SELECT nope FROM items\n               ^"
        ),
        "{err}"
    );
    let (ok, _, err) = server.psql("shop", &["-c", "INSERT INTO items VALUES (1, 'dup', 0)"]);
    assert!(!ok);
    assert!(
        err.contains("duplicate key value violates unique constraint"),
        "{err}"
    );

    // COPY through psql's \\copy, both ways, CSV and text.
    let dir = shop.path().to_owned();
    std::fs::write(dir.join("in.csv"), "10,\"fig, dried\",3.50\n11,,\n").unwrap();
    let copy_in = format!("\\copy items from '{}' csv", dir.join("in.csv").display());
    let copy_out = format!(
        "\\copy items to '{}' csv header",
        dir.join("out.csv").display()
    );
    server.psql_ok("shop", &["-c", &copy_in, "-c", &copy_out]);
    assert_eq!(
        std::fs::read_to_string(dir.join("out.csv")).unwrap(),
        "id,name,price\n1,apple,1.50\n2,pear,1.75\n10,\"fig, dried\",3.50\n11,,\n"
    );
    let out = server.psql_ok(
        "shop",
        &[
            "-c",
            "COPY (SELECT id, name FROM items WHERE id > 9) TO STDOUT",
        ],
    );
    assert_eq!(out, "10\tfig, dried\n11\t\\N\n");
    // A COPY that fails keeps none of its rows.
    let (ok, _, err) = server.psql("shop", &["-c", &copy_in]);
    assert!(!ok);
    assert!(err.contains("duplicate key value"), "{err}");

    // Notices reach the client before the command's tag.
    let out = server
        .psql_command("shop", &["-c", "DROP TABLE IF EXISTS nosuch"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "NOTICE:  table \"nosuch\" does not exist, skipping\n"
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "DROP TABLE\n");

    // Settings clients read and write.
    let out = server.psql_ok(
        "shop",
        &[
            "-A",
            "-t",
            "-c",
            "SET application_name = 'test'",
            "-c",
            "SHOW application_name",
            "-c",
            "SHOW server_version",
        ],
    );
    assert_eq!(out, "test\n15.0\n");
}

#[test]
fn a_startup_time_zone_is_the_sessions_and_an_unknown_one_is_refused() {
    let env = TestEnv::new();
    let shop = shop(&env);
    let server = Server::start(&shop);
    // libpq sends PGTZ in its startup message, as JDBC sends its JVM's zone.
    let out = server
        .psql_command(
            "shop",
            &["-A", "-t", "-c", "SELECT timestamptz '2024-07-01 12:00+00'"],
        )
        .env("PGTZ", "Asia/Tokyo")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "2024-07-01 21:00:00+09"
    );
    let out = server
        .psql_command("shop", &["-c", "SELECT 1"])
        .env("PGTZ", "Mars/Base")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("invalid value for parameter \"TimeZone\": \"Mars/Base\""),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn psqls_describe_commands_read_the_catalogs() {
    let env = TestEnv::new();
    let shop = shop(&env);
    let server = Server::start(&shop);
    server.psql_ok(
        "shop",
        &[
            "-c",
            "CREATE TABLE orders (id bigint PRIMARY KEY, item int REFERENCES items(id), \
             qty int NOT NULL DEFAULT 1, note text, CHECK (qty > 0))",
            "-c",
            "CREATE INDEX orders_note ON orders (note)",
            "-c",
            "CREATE VIEW cheap AS SELECT id, name FROM items WHERE price < 1",
            "-c",
            "CREATE SEQUENCE tickets",
        ],
    );
    let describe = |command: &str| server.psql_ok("shop", &["-U", "tester", "-c", command]);
    assert_eq!(
        describe("\\dt"),
        "        List of relations
 Schema |  Name  | Type  | Owner  
--------+--------+-------+--------
 public | items  | table | tester
 public | orders | table | tester
(2 rows)

"
    );
    assert_eq!(
        describe("\\d orders"),
        "               Table \"public.orders\"
 Column |  Type   | Collation | Nullable | Default 
--------+---------+-----------+----------+---------
 id     | bigint  |           | not null | 
 item   | integer |           |          | 
 qty    | integer |           | not null | 1
 note   | text    |           |          | 
Indexes:
    \"orders_pkey\" PRIMARY KEY, btree (id)
    \"orders_note\" btree (note)
Check constraints:
    \"orders_qty_check\" CHECK (qty > 0)
Foreign-key constraints:
    \"orders_item_fkey\" FOREIGN KEY (item) REFERENCES items(id)

"
    );
    let items = describe("\\d items");
    assert!(
        items.contains(
            "Referenced by:\n    TABLE \"orders\" CONSTRAINT \"orders_item_fkey\" FOREIGN KEY (item) REFERENCES items(id)"
        ),
        "{items}"
    );
    assert!(
        items.contains(" name   | character varying(20) |"),
        "{items}"
    );
    let indexes = describe("\\di");
    for index in ["items_pkey", "orders_note", "orders_pkey"] {
        assert!(indexes.contains(&format!(" public | {index}")), "{indexes}");
    }
    assert!(describe("\\dv").contains(" public | cheap | view | tester"));
    assert!(describe("\\ds").contains(" public | tickets | sequence | tester"));
    assert!(describe("\\dn").contains(" public | tester"));
    let databases = describe("\\l");
    assert!(databases.contains(" shop | tester | UTF8"), "{databases}");
    let view = describe("\\d cheap");
    assert!(view.contains("View \"public.cheap\""), "{view}");
    assert!(view.contains(" name   | character varying(20) |"), "{view}");
    // A name matching nothing fails, as it does against PostgreSQL.
    let (ok, out, _) = server.psql("shop", &["-c", "\\d nosuch"]);
    assert!(!ok && out.is_empty(), "{out}");
}

#[test]
fn psqls_describe_commands_list_functions_and_enum_types() {
    let env = TestEnv::new();
    let shop = shop(&env);
    let server = Server::start(&shop);
    server.psql_ok(
        "shop",
        &[
            "-c",
            "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')",
            "-c",
            "CREATE TABLE person (name text PRIMARY KEY, m mood NOT NULL)",
            "-c",
            "CREATE FUNCTION add_em(x integer, y integer DEFAULT 2) RETURNS integer \
             LANGUAGE sql IMMUTABLE RETURN x + y",
            "-c",
            "CREATE FUNCTION moods() RETURNS SETOF person LANGUAGE sql AS 'SELECT * FROM person'",
        ],
    );
    let describe = |command: &str| server.psql_ok("shop", &["-U", "tester", "-c", command]);
    // PostgreSQL 15's psql prints the same for the same definitions.
    assert_eq!(
        describe("\\df"),
        "                             List of functions
 Schema |  Name  | Result data type |      Argument data types       | Type 
--------+--------+------------------+--------------------------------+------
 public | add_em | integer          | x integer, y integer DEFAULT 2 | func
 public | moods  | SETOF person     |                                | func
(2 rows)

"
    );
    assert_eq!(
        describe("\\dT"),
        "     List of data types
 Schema | Name | Description 
--------+------+-------------
 public | mood | 
(1 row)

"
    );
    let person = describe("\\d person");
    assert!(
        person.contains(" m      | mood |           | not null |"),
        "{person}"
    );
}

#[test]
fn pg_dump_dumps_the_schema_and_the_data() {
    let env = TestEnv::new();
    let shop = shop(&env);
    let server = Server::start(&shop);
    server.psql_ok(
        "shop",
        &[
            "-c",
            "CREATE TABLE orders (id serial PRIMARY KEY, item int REFERENCES items(id), qty int CHECK (qty > 0))",
            "-c",
            "INSERT INTO orders (item, qty) VALUES (1, 2), (2, 5)",
            "-c",
            "CREATE INDEX orders_item ON orders (item)",
        ],
    );
    let pg_dump = |what: &str| {
        let out = Command::new("pg_dump")
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &server.port.to_string(),
                "-d",
                "shop",
                what,
            ])
            .env("PGCONNECT_TIMEOUT", "10")
            .output()
            .unwrap_or_else(|e| panic!("pg_dump is needed (Debian's postgresql-client): {e}"));
        assert!(
            out.status.success(),
            "pg_dump {what}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let schema = pg_dump("--schema-only");
    for expected in [
        "CREATE TABLE public.items (\n    id integer NOT NULL,\n    name character varying(20),\n    price numeric(8,2)\n);",
        "CREATE SEQUENCE public.orders_id_seq\n",
        "ALTER SEQUENCE public.orders_id_seq OWNED BY public.orders.id;",
        "ALTER TABLE ONLY public.orders ALTER COLUMN id SET DEFAULT nextval('orders_id_seq');",
        "ADD CONSTRAINT orders_pkey PRIMARY KEY (id);",
        "CREATE INDEX orders_item ON public.orders USING btree (item);",
        "ADD CONSTRAINT orders_item_fkey FOREIGN KEY (item) REFERENCES items(id);",
        "CONSTRAINT orders_qty_check CHECK ((qty > 0))",
    ] {
        assert!(
            schema.contains(expected),
            "{expected:?} missing from\n{schema}"
        );
    }
    let data = pg_dump("--data-only");
    for expected in [
        "COPY public.items (id, name, price) FROM stdin;\n1\tapple\t1.50\n2\tpear\t0.75\n\\.\n",
        "COPY public.orders (id, item, qty) FROM stdin;\n1\t1\t2\n2\t2\t5\n\\.\n",
        "SELECT pg_catalog.setval('public.orders_id_seq', 2, true);",
    ] {
        assert!(data.contains(expected), "{expected:?} missing from\n{data}");
    }
    // The parent's rows come before the child's.
    assert!(data.find("COPY public.items") < data.find("COPY public.orders"));
}

#[test]
fn databases_are_folders_and_branches() {
    let env = TestEnv::new();
    let _shop = shop(&env);
    let other = env.work_dir().mkdir("other");
    other.ok(&["init"]);
    // The folder holding both repositories serves each as a database.
    let server = Server::start(&env.work_dir());
    let price = |db: &str| {
        server
            .psql_ok(
                db,
                &["-A", "-t", "-c", "SELECT price FROM items WHERE id = 1"],
            )
            .trim()
            .to_owned()
    };
    assert_eq!(price("shop"), "1.50");
    assert_eq!(price("shop/feature"), "9.99");
    let out = server.psql_ok(
        "other",
        &["-A", "-t", "-c", "SELECT count(*) FROM arbor_branches"],
    );
    assert_eq!(out.trim(), "1");

    // Version control from the wire: a commit on the branch database.
    server.psql_ok(
        "shop/feature",
        &["-c", "INSERT INTO items VALUES (5, 'kiwi', 1)"],
    );
    server.psql_ok(
        "shop/feature",
        &["-c", "SELECT arbor_commit('-a', '-m', 'kiwi')"],
    );
    let log = _shop.ok(&["log", "--oneline", "feature", "-n", "1"]);
    assert!(log.contains("kiwi"), "{log}");

    let (ok, _, err) = server.psql("nosuch", &["-c", "SELECT 1"]);
    assert!(!ok);
    assert!(
        err.contains("FATAL:  database \"nosuch\" does not exist"),
        "{err}"
    );
    let (ok, _, err) = server.psql("shop/nosuch", &["-c", "SELECT 1"]);
    assert!(!ok);
    assert!(
        err.contains("database \"shop/nosuch\" does not exist"),
        "{err}"
    );
    // A database is its repository and nothing outside it.
    let (ok, _, err) = server.psql("shop", &["-c", "SELECT arbor_clone('other', 'copy')"]);
    assert!(!ok);
    assert!(err.contains("may not reach other folders"), "{err}");
    assert!(!env.work_dir().path().join("copy").exists());
}

#[test]
fn only_loopback_without_users() {
    let env = TestEnv::new();
    let shop = shop(&env);
    let err = shop.fails(&["sql-server", "--host", "0.0.0.0", "--port", "0"]);
    assert!(err.contains("refusing to listen on 0.0.0.0"), "{err}");
}

#[test]
fn psycopg_round_trips_every_type() {
    passes_against_shop("psycopg_roundtrip.py");
}

#[test]
fn sqlalchemy_creates_reflects_and_maps_tables() {
    passes_against_shop("sqlalchemy_orm.py");
}

/// Runs the Python client script `name` against a server of [`shop`],
/// which must print only `ok`.
fn passes_against_shop(name: &str) {
    let env = TestEnv::new();
    let shop = shop(&env);
    let server = Server::start(&shop);
    assert_eq!(python_client(&server, name, "shop", &[]), "ok\n");
}

#[test]
fn clients_that_ask_for_tls_get_it_when_the_server_has_a_certificate() {
    let env = TestEnv::new();
    let shop = shop(&env);
    let dir = shop.path().to_owned();
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let made = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .args(["-subj", "/CN=localhost", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .unwrap_or_else(|e| panic!("openssl is needed to make a test certificate: {e}"));
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let require_tls = |server: &Server| {
        Command::new("psql")
            .arg(format!(
                "host=127.0.0.1 port={} dbname=shop sslmode=require",
                server.port
            ))
            .args(["-X", "-A", "-t", "-c", "SELECT count(*) FROM items"])
            .output()
            .unwrap()
    };
    let plain = Server::start(&shop);
    let out = require_tls(&plain);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("server does not support SSL"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    drop(plain);
    let tls = Server::start_with(&shop, &["--tls-cert", "cert.pem", "--tls-key", "key.pem"]);
    let out = require_tls(&tls);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "2\n");
    // Clients that do not ask still connect in the clear.
    assert_eq!(tls.psql_ok("shop", &["-A", "-t", "-c", "SELECT 1"]), "1\n");
    // A key that is not one: a clear error at start.
    std::fs::write(dir.join("bad.pem"), "not a key").unwrap();
    let err = shop.fails(&[
        "sql-server",
        "--port",
        "0",
        "--tls-cert",
        "cert.pem",
        "--tls-key",
        "bad.pem",
    ]);
    assert!(err.contains("bad.pem is not a PEM private key"), "{err}");
}

/// Runs the Python client script `name` with `args` after the port and
/// database; its standard output, which must end in a line starting `ok`.
fn python_client(server: &Server, name: &str, db: &str, args: &[&str]) -> String {
    let python = std::env::var("ARBOR_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/clients")
        .join(name);
    let out = Command::new(&python)
        .arg(&script)
        .args([&server.port.to_string(), db])
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{python} is needed, with psycopg (see .ci/run): {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success() && stdout.starts_with("ok"),
        "{python} {} failed (psycopg is installed by .ci/run into a venv named by ARBOR_TEST_PYTHON):\n{stdout}\n{}",
        script.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn concurrent_sessions_merge_at_commit_and_collide_with_40001() {
    let env = TestEnv::new();
    let repo = env.repo();
    let server = Server::start(&repo);
    // 32 clients x 200 transactions, each checked present afterwards.
    let out = python_client(&server, "concurrency.py", "repo", &["32", "200"]);
    assert!(out.starts_with("ok "), "{out}");
    // What the server committed is whole on disk.
    drop(server);
    repo.ok(&["fsck"]);
    let count = repo.ok(&[
        "sql",
        "--format",
        "csv",
        "-q",
        "SELECT count(*) FROM events",
    ]);
    assert_eq!(count, "count\n6400\n");
}

#[test]
fn kill_9_during_writes_loses_no_acknowledged_commit() {
    let env = TestEnv::new();
    let repo = env.repo();
    repo.ok(&[
        "sql",
        "-q",
        "CREATE TABLE acked (id int PRIMARY KEY, filler text)",
    ]);
    let mut acked: Vec<i64> = Vec::new();
    for round in 0..3 {
        let mut server = Server::start(&repo);
        let python = std::env::var("ARBOR_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/writer.py");
        let mut writer = Command::new(&python)
            .arg(&script)
            .args([&server.port.to_string(), "repo", "4"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("{python} is needed, with psycopg (see .ci/run): {e}"));
        let mut lines = BufReader::new(writer.stdout.take().unwrap()).lines();
        // Kill the server at a different point each round.
        let wanted = 40 + 70 * round;
        let mut seen = 0;
        while seen < wanted {
            let line = lines.next().expect("the writer stopped early").unwrap();
            acked.push(line.trim().parse::<i64>().unwrap() + 1_000_000 * round as i64);
            seen += 1;
        }
        server.child.kill().unwrap();
        server.child.wait().unwrap();
        // What was acknowledged between the count and the kill counts too.
        for line in lines {
            acked.push(line.unwrap().trim().parse::<i64>().unwrap() + 1_000_000 * round as i64);
        }
        assert!(writer.wait().unwrap().success());
        // Each round writes its own ids.
        repo.ok(&[
            "sql",
            "-q",
            &format!(
                "UPDATE acked SET id = id + {} WHERE id < 1000000",
                1_000_000 * (round + 1)
            ),
        ]);
    }
    repo.ok(&["fsck"]);
    let stored = repo.ok(&[
        "sql",
        "--format",
        "csv",
        "-q",
        "SELECT id - 1000000 FROM acked ORDER BY 1",
    ]);
    let stored: std::collections::BTreeSet<i64> =
        stored.lines().skip(1).map(|l| l.parse().unwrap()).collect();
    let missing: Vec<&i64> = acked.iter().filter(|id| !stored.contains(id)).collect();
    assert!(missing.is_empty(), "acknowledged but lost: {missing:?}");
    assert!(acked.len() >= 40 + 110 + 180);
}

#[test]
fn sigterm_stops_the_server_keeping_commits_and_dropping_open_transactions() {
    let env = TestEnv::new();
    let repo = env.repo();
    repo.ok(&["sql", "-q", "CREATE TABLE t (id int PRIMARY KEY)"]);
    with_big_table(&repo);
    let mut server = Server::start(&repo);
    // A transaction left open in one session...
    let mut open = server
        .psql_command("repo", &[])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let stdin = open.stdin.as_mut().unwrap();
        stdin
            .write_all(b"BEGIN;\nINSERT INTO t VALUES (1);\n")
            .unwrap();
        stdin.flush().unwrap();
    }
    // The server has run the INSERT once psql prints its tag.
    let mut answers = BufReader::new(open.stdout.take().unwrap()).lines();
    while answers.next().expect("psql stopped").unwrap() != "INSERT 0 1" {}
    // ...and one committed in another...
    server.psql_ok("repo", &["-c", "INSERT INTO t VALUES (2)"]);
    let out = server.psql_ok("repo", &["-A", "-t", "-c", "SELECT count(*) FROM t"]);
    assert_eq!(out.trim(), "1");
    // ...and a statement in a third that would run for ages.
    let endless = server
        .psql_command("repo", &["-c", ENDLESS])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    signal(server.child.id(), "-TERM");
    let exit = server.child.wait().unwrap();
    assert!(
        exit.success(),
        "the server exits cleanly on SIGTERM: {exit}"
    );
    drop(open.stdin.take());
    let _ = open.wait();
    let _ = endless.wait_with_output();
    repo.ok(&["fsck"]);
    let rows = repo.ok(&["sql", "--format", "csv", "-q", "SELECT id FROM t"]);
    assert_eq!(rows, "id\n2\n");
}

#[test]
fn a_cancel_request_stops_the_running_statement() {
    let env = TestEnv::new();
    let repo = env.repo();
    with_big_table(&repo);
    let server = Server::start(&repo);
    // psql sends a cancel request when interrupted (SIGINT), as Ctrl-C does.
    let running = server
        .psql_command("repo", &["-c", ENDLESS])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(700));
    // Meanwhile other connections are served: the long statement holds
    // only its own.
    let mut other = server
        .psql_command("repo", &["-A", "-t", "-c", "SELECT count(*) FROM big"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let asked = std::time::Instant::now();
    while other.try_wait().unwrap().is_none() {
        if asked.elapsed() > std::time::Duration::from_secs(20) {
            let _ = other.kill();
            panic!("a second connection got no answer while a statement ran");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let out = other.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "100");
    cancel_with_ctrl_c(running);
    // The connection's server side carries on, and others are untouched.
    let out = server.psql_ok("repo", &["-A", "-t", "-c", "SELECT count(*) FROM big"]);
    assert_eq!(out.trim(), "100");
}

/// Interrupts psql as Ctrl-C does (it sends a cancel request) and checks
/// that its statement stopped with PostgreSQL's message, soon.
fn cancel_with_ctrl_c(running: Child) {
    let started = std::time::Instant::now();
    signal(running.id(), "-INT");
    let out = running.wait_with_output().unwrap();
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("ERROR:  canceling statement due to user request"),
        "{err}"
    );
}

#[test]
fn a_cancel_request_stops_pg_sleep() {
    let env = TestEnv::new();
    let repo = env.repo();
    let server = Server::start(&repo);
    let running = server
        .psql_command("repo", &["-c", "SELECT pg_sleep(600)"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(700));
    cancel_with_ctrl_c(running);
    // The connection carries on; a short sleep returns `void` (empty).
    let out = server.psql_ok("repo", &["-A", "-t", "-c", "SELECT pg_sleep(0.01), 1"]);
    assert_eq!(out.trim(), "|1");
}

#[test]
fn a_read_only_server_reads_and_refuses_every_change() {
    let env = TestEnv::new();
    let shop = shop(&env);
    shop.ok(&["sql", "-q", "CREATE SEQUENCE s"]);
    let server = Server::start_with(&shop, &["--read-only"]);
    let out = server.psql_ok("shop", &["-A", "-t", "-c", "SELECT count(*) FROM items"]);
    assert_eq!(out.trim(), "2");
    for change in [
        "INSERT INTO items VALUES (9, 'x', 1)",
        "UPDATE items SET price = 0",
        "CREATE TABLE t (id int)",
        "SELECT arbor_commit('--allow-empty', '-m', 'no')",
        "SELECT nextval('s')",
    ] {
        let (ok, _, err) = server.psql("shop", &["-v", "VERBOSITY=verbose", "-c", change]);
        assert!(!ok, "{change}");
        assert!(
            err.contains("ERROR:  25006: cannot execute"),
            "{change}: {err}"
        );
    }
    let log = shop.ok(&["log", "--oneline"]);
    assert_eq!(log.lines().count(), 2, "{log}");
}

#[test]
fn users_prove_their_password_by_scram() {
    let env = TestEnv::new();
    let shop = shop(&env);
    shop.write_file(
        "server.json",
        r#"{"users": [{"name": "alice", "password": "s3cret pass"}], "log_format": "json"}"#,
    );
    let server = Server::start_with(&shop, &["--config", "server.json"]);
    let psql_as = |user: &str, password: &str| {
        server
            .psql_command(
                "shop",
                &["-A", "-t", "-U", user, "-c", "SELECT count(*) FROM items"],
            )
            .env("PGPASSWORD", password)
            .output()
            .unwrap()
    };
    let ok = psql_as("alice", "s3cret pass");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&ok.stdout).trim(), "2");
    for (user, password) in [("alice", "wrong"), ("mallory", "s3cret pass")] {
        let refused = psql_as(user, password);
        assert!(!refused.status.success());
        let err = String::from_utf8_lossy(&refused.stderr);
        assert!(
            err.contains(&format!(
                "FATAL:  password authentication failed for user \"{user}\""
            )),
            "{user}: {err}"
        );
    }
    // With users, the server may listen beyond loopback.
    let wide = Server::start_with(&shop, &["--config", "server.json", "--host", "0.0.0.0"]);
    assert!(wide.port > 0);
    // A configuration that is not one is refused, saying where.
    shop.write_file("bad.json", r#"{"users": [{"name": "bob"}]}"#);
    let err = shop.fails(&["sql-server", "--config", "bad.json"]);
    assert!(
        err.contains("bad.json is not a valid server configuration"),
        "{err}"
    );
}
