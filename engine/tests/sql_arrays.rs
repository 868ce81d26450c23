//! Arrays as values of queries, set-returning functions and the
//! regular-expression operators, each answer as PostgreSQL 15 gives it
//! (checked against it when written: `psql -A -t` output, `|` between
//! columns).

#![allow(clippy::unwrap_used)]

mod common;

use arbor_engine::SqlState;
use common::Repo;

#[test]
fn arrays_are_built_compared_indexed_and_printed_as_postgresql_does() {
    let repo = Repo::new();
    for (q, expected) in [
        ("SELECT ARRAY[1, 2, 3]", "{1,2,3}"),
        (
            "SELECT array_to_string(ARRAY['a', NULL, 'b c'], ';', 'NULL')",
            "a;NULL;b c",
        ),
        ("SELECT ARRAY['a', NULL, 'b c']", "{a,NULL,\"b c\"}"),
        (
            "SELECT (ARRAY[10, 20, 30])[2], (ARRAY[10, 20, 30])[4]",
            "20|NULL",
        ),
        (
            "SELECT 2 = ANY(ARRAY[1, 2]), 3 = ANY(ARRAY[1, 2]), 3 = ANY(ARRAY[1, NULL]), 1 <> ALL(ARRAY[2, 3])",
            "t|f|NULL|t",
        ),
        ("SELECT 'b' = ANY('{a,b}'::text[])", "t"),
        (
            "SELECT array_to_string(ARRAY['a', NULL, 'c'], '/'), array_to_string(ARRAY['a', NULL, 'c'], '/', '*')",
            "a/c|a/*/c",
        ),
        (
            "SELECT array_length(ARRAY[1, 2, 3], 1), cardinality(ARRAY[1, 2]), array_upper('{}'::int[], 1)",
            "3|2|NULL",
        ),
        (
            "SELECT array_to_string(ARRAY[1, 2] || ARRAY[3], ' '), array_to_string(ARRAY[1] || 2, ' ')",
            "1 2 3|1 2",
        ),
        (
            "SELECT ('{1,2,3}'::int[])[3] + 1, ('{\"x y\",z}'::text[])[1]",
            "4|x y",
        ),
        (
            "SELECT array_to_string(array_agg(x ORDER BY x DESC), ' ') FROM (VALUES (1), (3), (2)) AS v(x)",
            "3 2 1",
        ),
        (
            "SELECT array_to_string(ARRAY(SELECT x * 2 FROM (VALUES (1), (2)) AS v(x)), ' ')",
            "2 4",
        ),
    ] {
        assert_eq!(repo.lines(q), [expected], "{q}");
    }
}

#[test]
fn set_returning_functions_give_rows_in_from_and_in_select_lists() {
    let repo = Repo::new();
    for (q, expected) in [
        ("SELECT unnest(ARRAY[1, 2, 3]) AS n", vec!["1", "2", "3"]),
        // Several in one select list run in step.
        (
            "SELECT unnest(ARRAY['a', 'b']), generate_subscripts(ARRAY['a', 'b'], 1)",
            vec!["a|1", "b|2"],
        ),
        (
            "SELECT unnest(ARRAY[1, 2, 3]), unnest(ARRAY['x'])",
            vec!["1|x", "2|NULL", "3|NULL"],
        ),
        (
            "SELECT n FROM generate_series(1, 5, 2) AS n",
            vec!["1", "3", "5"],
        ),
        ("SELECT * FROM generate_series(3, 1) AS n", vec![]),
        (
            "SELECT x, o FROM unnest(ARRAY['p', 'q']) WITH ORDINALITY AS u(x, o)",
            vec!["p|1", "q|2"],
        ),
        // With a table alias only, the alias names the column too.
        (
            "SELECT g * 10 FROM generate_series(1, 2) AS g ORDER BY 1 DESC",
            vec!["20", "10"],
        ),
        (
            "SELECT generate_series FROM generate_series(7, 7)",
            vec!["7"],
        ),
    ] {
        assert_eq!(repo.lines(q), expected, "{q}");
    }
    // Only at the top of a select list item or in FROM.
    let e = repo.sql_err("SELECT 1 WHERE 2 = unnest(ARRAY[2])");
    assert_eq!(e.code, SqlState::FeatureNotSupported, "{e:?}");
    let e = repo.sql_err("SELECT unnest(ARRAY[unnest(ARRAY[1])])");
    assert_eq!(e.code, SqlState::FeatureNotSupported, "{e:?}");
    let e = repo.sql_err("SELECT * FROM generate_series(1, 10, 0)");
    assert_eq!(
        (e.code, e.message.as_str()),
        (
            SqlState::InvalidParameterValue,
            "step size cannot equal zero"
        )
    );
}

#[test]
fn tables_store_arrays_in_rows_keys_and_commits() {
    let repo = Repo::new();
    repo.sql("CREATE TABLE t (k int[] PRIMARY KEY, tags text[])");
    repo.sql("CREATE INDEX t_tags ON t (tags)");
    repo.sql(
        "INSERT INTO t VALUES ('{2}', '{b}'), ('{1,2}', ARRAY['a b', NULL]), ('{1}', NULL), ('{}', '{}')",
    );
    repo.call("SELECT arbor_commit('-Am', 'arrays')").unwrap();
    // Keys in PostgreSQL's array order: element by element, shorter first.
    assert_eq!(
        repo.rows("SELECT k, tags FROM t ORDER BY k"),
        ["{},{}", "{1},NULL", "{1,2},{\"a b\",NULL}", "{2},{b}"]
    );
    assert_eq!(
        repo.rows("SELECT k FROM t AS OF 'HEAD' WHERE tags = ARRAY['b']"),
        ["{2}"]
    );
    let e = repo.sql_err("INSERT INTO t VALUES (ARRAY[1, 2], NULL)");
    assert_eq!(e.code, SqlState::UniqueViolation, "{e:?}");
    // One dimension only.
    let e = repo.sql_err("CREATE TABLE m (x int[][])");
    assert_eq!(e.code, SqlState::FeatureNotSupported, "{e:?}");
    let e = repo.sql_err("SELECT '{1,{2}}'::int[]");
    assert_eq!(e.code, SqlState::InvalidTextRepresentation, "{e:?}");
}

#[test]
fn regular_expressions_match_as_the_tilde_operators_do() {
    let repo = Repo::new();
    repo.sql("CREATE TABLE w (id int PRIMARY KEY, word text)");
    repo.sql("INSERT INTO w VALUES (1, 'apple'), (2, 'Apricot'), (3, 'banana'), (4, NULL)");
    for (q, expected) in [
        ("SELECT id FROM w WHERE word ~ '^a' ORDER BY id", vec!["1"]),
        (
            "SELECT id FROM w WHERE word ~* '^a' ORDER BY id",
            vec!["1", "2"],
        ),
        (
            "SELECT id FROM w WHERE word !~ 'an' ORDER BY id",
            vec!["1", "2"],
        ),
        ("SELECT id FROM w WHERE word !~* 'A' ORDER BY id", vec![]),
        (
            "SELECT id FROM w WHERE word OPERATOR(pg_catalog.~) '^(banana)$' COLLATE pg_catalog.default",
            vec!["3"],
        ),
    ] {
        assert_eq!(repo.lines(q), expected, "{q}");
    }
    let e = repo.sql_err("SELECT 'a' ~ '('");
    assert_eq!(e.code, SqlState::InvalidRegularExpression, "{e:?}");
    let e = repo.sql_err("SELECT 'a' < 'b' COLLATE \"de_DE\"");
    assert_eq!(e.code, SqlState::UndefinedObject, "{e:?}");
}
