//! The system catalogs clients read (`pg_catalog`, `information_schema`),
//! the catalog functions and `reg*` casts, and savepoints: what psql's
//! `\d`, drivers and ORMs send, answered as PostgreSQL 15 answers for the
//! same tables (checked against it when written).

#![allow(clippy::unwrap_used)]

mod common;

use arbor_engine::{SqlState, StatementResult, Value};
use common::Repo;

/// A repository with a parent and a child table, an index and a view.
fn shop() -> Repo {
    let repo = Repo::new();
    repo.sql(
        "CREATE TABLE parent (id int PRIMARY KEY, name varchar(20) NOT NULL UNIQUE);
         CREATE TABLE child (id bigint PRIMARY KEY, parent_id int REFERENCES parent(id) ON DELETE CASCADE,
                             note text DEFAULT 'x', amount numeric(10,2), CHECK (amount > 0));
         CREATE INDEX child_note ON child (note DESC);
         CREATE SEQUENCE tickets;
         CREATE VIEW v AS SELECT id, name FROM parent",
    );
    repo
}

#[test]
fn pg_class_and_pg_attribute_list_tables_views_indexes_and_columns() {
    let repo = shop();
    assert_eq!(
        repo.lines(
            "SELECT c.relname, c.relkind FROM pg_catalog.pg_class c \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = 'public' ORDER BY 1"
        ),
        [
            "child|r",
            "child_note|i",
            "child_pkey|i",
            "parent|r",
            "parent_name_key|i",
            "parent_pkey|i",
            "tickets|S",
            "v|v"
        ]
    );
    assert_eq!(
        repo.lines(
            "SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull, a.atthasdef \
             FROM pg_catalog.pg_attribute a WHERE a.attrelid = 'child'::regclass AND a.attnum > 0 \
             ORDER BY a.attnum"
        ),
        [
            "id|bigint|t|f",
            "parent_id|integer|f|f",
            "note|text|f|t",
            "amount|numeric(10,2)|f|f"
        ]
    );
    assert_eq!(
        repo.lines(
            "SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d WHERE d.adrelid = 'child'::regclass"
        ),
        ["'x'"]
    );
    // A view's columns are typed by planning its query.
    assert_eq!(
        repo.lines(
            "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute \
             WHERE attrelid = 'public.v'::regclass ORDER BY attnum"
        ),
        ["id|integer", "name|character varying(20)"]
    );
}

#[test]
fn indexes_and_constraints_read_back_as_their_definitions() {
    let repo = shop();
    assert_eq!(
        repo.lines(
            "SELECT c2.relname, i.indisprimary, i.indisunique, pg_get_indexdef(i.indexrelid, 0, true), i.indkey::text \
             FROM pg_index i JOIN pg_class c2 ON c2.oid = i.indexrelid \
             WHERE i.indrelid = 'child'::regclass ORDER BY 1"
        ),
        [
            "child_note|f|f|CREATE INDEX child_note ON child USING btree (note DESC)|3",
            "child_pkey|t|t|CREATE UNIQUE INDEX child_pkey ON child USING btree (id)|1"
        ]
    );
    assert_eq!(
        repo.lines("SELECT indexdef FROM pg_indexes WHERE indexname = 'parent_name_key'"),
        ["CREATE UNIQUE INDEX parent_name_key ON public.parent USING btree (name)"]
    );
    assert_eq!(
        repo.lines(
            "SELECT conname, contype, pg_get_constraintdef(oid, true), conrelid::regclass, confrelid::regclass \
             FROM pg_constraint ORDER BY conname"
        ),
        [
            // PostgreSQL deparses the check (`amount > 0::numeric`); Arbor
            // keeps it as written.
            "child_amount_check|c|CHECK (amount > 0)|child|-",
            "child_parent_id_fkey|f|FOREIGN KEY (parent_id) REFERENCES parent(id) ON DELETE CASCADE|child|parent",
            "child_pkey|p|PRIMARY KEY (id)|child|-",
            "parent_name_key|u|UNIQUE (name)|parent|-",
            "parent_pkey|p|PRIMARY KEY (id)|parent|-"
        ]
    );
    // An index's columns one by one, as psql's `\d index` asks for them;
    // an int2vector's subscripts count from 0.
    assert_eq!(
        repo.lines(
            "SELECT pg_get_indexdef('child_pkey'::regclass, 1, true), \
                    unnest(indkey), generate_subscripts(indkey, 1), indkey[0] \
             FROM pg_index WHERE indexrelid = 'child_pkey'::regclass"
        ),
        ["id|1|0|1"]
    );
}

#[test]
fn information_schema_describes_tables_columns_and_keys() {
    let repo = shop();
    assert_eq!(
        repo.lines(
            "SELECT table_name, table_type FROM information_schema.tables \
             WHERE table_schema = 'public' ORDER BY 1"
        ),
        ["child|BASE TABLE", "parent|BASE TABLE", "v|VIEW"]
    );
    assert_eq!(
        repo.lines(
            "SELECT column_name, ordinal_position, data_type, is_nullable, character_maximum_length, \
                    numeric_precision, numeric_scale \
             FROM information_schema.columns WHERE table_name = 'parent' ORDER BY ordinal_position"
        ),
        [
            "id|1|integer|NO|NULL|32|0",
            "name|2|character varying|NO|20|NULL|NULL"
        ]
    );
    assert_eq!(
        repo.lines(
            "SELECT tc.constraint_name, tc.constraint_type, kcu.column_name \
             FROM information_schema.table_constraints tc \
             JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name \
             WHERE tc.table_name = 'child' ORDER BY 1"
        ),
        ["child_parent_id_fkey|FOREIGN KEY|parent_id", "child_pkey|PRIMARY KEY|id"]
    );
}

#[test]
fn names_and_oids_convert_through_reg_casts() {
    let repo = shop();
    assert_eq!(
        repo.lines(
            "SELECT 'parent'::regclass::oid = c.oid, c.oid::regclass::text, \
                    'public'::regnamespace::oid, 2200::regnamespace::text \
             FROM pg_class c WHERE c.relname = 'parent'"
        ),
        ["t|parent|2200|public"]
    );
    assert_eq!(
        repo.lines("SELECT 'pg_class'::regclass::oid, 23::regtype::text, to_regtype('hstore')"),
        ["1259|integer|NULL"]
    );
    let e = repo.sql_err("SELECT 'nosuch'::regclass");
    assert_eq!(
        (e.code, e.message.as_str()),
        (
            SqlState::UndefinedTable,
            "relation \"nosuch\" does not exist"
        )
    );
    let e = repo.sql_err("SELECT * FROM nosuch.t");
    assert_eq!(e.code, SqlState::InvalidSchemaName, "{e:?}");
    let e = repo.sql_err("SELECT * FROM pg_catalog.nosuch");
    assert_eq!(e.code, SqlState::UndefinedTable, "{e:?}");
}

#[test]
fn pg_catalog_is_searched_before_the_tables_of_the_database() {
    let repo = Repo::new();
    repo.sql("CREATE TABLE pg_tables (n int PRIMARY KEY); INSERT INTO public.pg_tables VALUES (7)");
    assert_eq!(repo.lines("SELECT n FROM public.pg_tables"), ["7"]);
    assert_eq!(repo.lines("SELECT tablename FROM pg_tables"), ["pg_tables"]);
    let e = repo.sql_err("SELECT n FROM pg_tables");
    assert_eq!(e.code, SqlState::UndefinedColumn, "{e:?}");
}

#[test]
fn savepoints_undo_part_of_a_transaction() {
    let mut s = common::sql_session();
    s.execute(
        "CREATE TABLE t (id int PRIMARY KEY);
         BEGIN;
         INSERT INTO t VALUES (1);
         SAVEPOINT a;
         INSERT INTO t VALUES (2);
         SAVEPOINT b;
         INSERT INTO t VALUES (3);
         ROLLBACK TO SAVEPOINT a;
         INSERT INTO t VALUES (4);
         RELEASE a;
         COMMIT",
    )
    .unwrap();
    let ids = |s: &mut arbor_engine::Session| match s
        .execute("SELECT id FROM t ORDER BY id")
        .unwrap()
        .pop()
    {
        Some(StatementResult::Rows { rows, .. }) => {
            rows.into_iter().map(|r| r[0].clone()).collect::<Vec<_>>()
        }
        other => panic!("{other:?}"),
    };
    assert_eq!(ids(&mut s), [Value::Integer(1), Value::Integer(4)]);
    // ROLLBACK TO leaves a failed transaction usable again.
    s.execute("BEGIN; SAVEPOINT s; INSERT INTO t VALUES (5)")
        .unwrap();
    let e = s.execute("INSERT INTO t VALUES (5)").unwrap_err();
    assert_eq!(e.code, SqlState::UniqueViolation);
    let e = s.execute("SELECT 1").unwrap_err();
    assert_eq!(e.code, SqlState::InFailedSqlTransaction);
    s.execute("ROLLBACK TO s; INSERT INTO t VALUES (6); COMMIT")
        .unwrap();
    assert_eq!(
        ids(&mut s),
        [Value::Integer(1), Value::Integer(4), Value::Integer(6)]
    );
    // Savepoints need a transaction, and a name that exists.
    let e = s.execute("SAVEPOINT x").unwrap_err();
    assert_eq!(e.code, SqlState::NoActiveSqlTransaction);
    let e = s.execute("BEGIN; ROLLBACK TO nosuch").unwrap_err();
    assert_eq!(
        (e.code, e.message.as_str()),
        (
            SqlState::InvalidSavepointSpecification,
            "savepoint \"nosuch\" does not exist"
        )
    );
    s.execute("ROLLBACK").unwrap();
}

#[test]
fn skipped_and_redundant_commands_raise_notices() {
    use arbor_engine::{Notice, NoticeSeverity};
    let mut s = common::sql_session();
    s.execute(
        "CREATE TABLE t (id int PRIMARY KEY);
         DROP TABLE IF EXISTS nosuch;
         CREATE TABLE IF NOT EXISTS t (id int);
         DROP INDEX IF EXISTS nosuch_index",
    )
    .unwrap();
    s.execute("COMMIT").unwrap();
    let notice = |severity, code, message: &str| Notice {
        severity,
        code,
        message: message.to_owned(),
    };
    assert_eq!(
        s.take_notices(),
        [
            notice(
                NoticeSeverity::Notice,
                SqlState::SuccessfulCompletion,
                "table \"nosuch\" does not exist, skipping"
            ),
            notice(
                NoticeSeverity::Notice,
                SqlState::DuplicateTable,
                "relation \"t\" already exists, skipping"
            ),
            notice(
                NoticeSeverity::Notice,
                SqlState::SuccessfulCompletion,
                "index \"nosuch_index\" does not exist, skipping"
            ),
            notice(
                NoticeSeverity::Warning,
                SqlState::NoActiveSqlTransaction,
                "there is no transaction in progress"
            ),
        ]
    );
    assert_eq!(s.take_notices(), []);
}
