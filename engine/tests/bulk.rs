//! Bulk loads (`Session::row_encoder` and `Session::insert_encoded`): rows
//! in any order, duplicates, unique indexes, constraints, hidden row ids,
//! and which tables qualify, checked against the same rows inserted by SQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use arbor_engine::ops::open_disk_store;
use arbor_engine::{EncodedRows, Repository, Session, Signature, StatementResult, TableObject};
use arbor_schema::Value;
use proptest::prelude::*;

fn session() -> (tempfile::TempDir, Session) {
    let dir = tempfile::tempdir().unwrap();
    let author = Signature {
        name: "B".into(),
        email: "b@example.com".into(),
        time: 0,
        offset_minutes: 0,
    };
    let repo = Repository::init(open_disk_store(dir.path()).unwrap(), "main", &author).unwrap();
    let session = Session::open(repo, "main").unwrap();
    (dir, session)
}

fn rows_of(s: &mut Session, sql: &str) -> Vec<Vec<Value>> {
    match s.execute(sql).unwrap().pop().unwrap() {
        StatementResult::Rows { rows, .. } => rows,
        other => panic!("{other:?}"),
    }
}

/// `w` of row `id`: NULL for most rows; for multiples of 7, a value that
/// other multiples of 7 may share (a unique index then refuses the row).
fn w(id: i64) -> Option<i64> {
    (id % 7 == 0).then_some(id % 50)
}

/// A row of [`TABLE`].
fn row(id: i64) -> Vec<Value> {
    vec![
        Value::Text(id.to_string()),
        Value::Text(format!("value {id}")),
        Value::Text(format!("{{\"n\": {id}}}")),
        w(id).map_or(Value::Null, Value::BigInt),
    ]
}

const TABLE: &str =
    "(id integer PRIMARY KEY, v text NOT NULL, j jsonb, w integer, CHECK (id <> 13))";

/// Creates tables `names` of [`TABLE`], each with a unique index on `w`
/// and an index on `v`.
fn create(s: &mut Session, names: &[&str]) {
    for t in names {
        s.execute(&format!(
            "CREATE TABLE {t} {TABLE}; CREATE UNIQUE INDEX {t}_w ON {t} (w); CREATE INDEX {t}_v ON {t} (v DESC)"
        ))
        .unwrap();
    }
}

/// Loads `rows` into `table` in batches of `batch` rows, each encoded
/// then written, so errors come in row order (as an import reports them).
fn load(
    s: &mut Session,
    table: &str,
    rows: &[Vec<Value>],
    batch: usize,
) -> arbor_engine::Result<u64> {
    let encoder = s.row_encoder(table)?.expect("the table takes bulk loads");
    let mut encoding = encoder.clone();
    s.insert_encoded(table, &encoder, &mut |writer| {
        for chunk in rows.chunks(batch.max(1)) {
            let mut encoded = EncodedRows::default();
            let refused = chunk
                .iter()
                .try_for_each(|r| encoding.encode(&mut r.clone(), &mut encoded));
            writer.insert(&encoded)?;
            refused?;
        }
        Ok(())
    })
}

/// The same rows by INSERT statements, one per row.
fn insert(s: &mut Session, table: &str, ids: &[i64]) -> arbor_engine::Result<()> {
    s.execute("BEGIN")?;
    for id in ids {
        let w = w(*id).map_or("NULL".to_string(), |w| w.to_string());
        if let Err(e) = s.execute(&format!(
            "INSERT INTO {table} VALUES ({id}, 'value {id}', '{{\"n\": {id}}}', {w})"
        )) {
            s.execute("ROLLBACK")?;
            return Err(e);
        }
    }
    s.execute("COMMIT")?;
    Ok(())
}

/// The catalog entry of `table` in the working set: equal contents give
/// equal entries, whatever order the rows were written in.
fn table_hash(s: &mut Session, table: &str) -> Vec<Vec<Value>> {
    rows_of(
        s,
        &format!(
            "SELECT count(*), sum(id), string_agg(v || j::text, ',' ORDER BY id) FROM {table}"
        ),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Whatever the order of the keys, and wherever a duplicate falls, a
    /// bulk load ends as the same rows inserted one by one do (or fails
    /// with the same error, leaving the table empty).
    #[test]
    fn bulk_loads_agree_with_inserts(
        ids in prop::collection::vec(0i64..400, 0..300),
        sorted_prefix in 0usize..300,
        batch in 1usize..64,
    ) {
        let mut ids = ids;
        let cut = sorted_prefix.min(ids.len());
        ids[..cut].sort_unstable();
        let (_dir, mut s) = session();
        create(&mut s, &["bulk", "one"]);
        let rows: Vec<Vec<Value>> = ids.iter().map(|&id| row(id)).collect();
        let loaded = load(&mut s, "bulk", &rows, batch);
        let inserted = insert(&mut s, "one", &ids);
        match (&loaded, &inserted) {
            (Ok(n), Ok(())) => {
                prop_assert_eq!(*n, ids.len() as u64);
                prop_assert_eq!(table_hash(&mut s, "bulk"), table_hash(&mut s, "one"));
            }
            (Err(a), Err(b)) => {
                prop_assert_eq!(a.message.replace("bulk", "one"), b.message.clone());
                prop_assert_eq!(&a.detail, &b.detail);
                prop_assert_eq!(&a.detail, &b.detail);
                prop_assert_eq!(rows_of(&mut s, "SELECT count(*) FROM bulk"), vec![vec![Value::BigInt(0)]]);
            }
            _ => prop_assert!(false, "bulk {loaded:?}, inserts {inserted:?}"),
        }
    }
}

#[test]
fn a_sorted_load_into_an_empty_table_builds_the_same_tree_as_inserts() {
    let (dir, mut s) = session();
    create(&mut s, &["bulk", "one"]);
    // Enough rows for a tree of more than one level; w unique.
    let ids: Vec<i64> = (0..3_000)
        .filter(|&i| i != 13 && (i % 7 != 0 || i < 350))
        .collect();
    let rows: Vec<Vec<Value>> = ids.iter().map(|&id| row(id)).collect();
    assert_eq!(load(&mut s, "bulk", &rows, 1024).unwrap(), ids.len() as u64);
    s.execute("INSERT INTO one SELECT * FROM bulk").unwrap();
    assert_eq!(table_hash(&mut s, "bulk"), table_hash(&mut s, "one"));
    // Same rows, same tree: the two tables' rows have one root.
    drop(s);
    let repo = Repository::open(open_disk_store(dir.path()).unwrap()).unwrap();
    let (_, working) = repo.working_set("main").unwrap();
    let catalog = repo.read_catalog(&working.working).unwrap();
    let table = |name: &str| repo.read_table(&catalog.tables[name]).unwrap();
    let (bulk, one) = (table("bulk"), table("one"));
    assert_eq!(bulk.rows, one.rows);
    // And the same indexes, entry for entry.
    let roots = |t: &TableObject| -> Vec<_> { t.indexes.iter().map(|(_, root)| *root).collect() };
    assert_eq!(roots(&bulk), roots(&one));
    assert_eq!(bulk.indexes.len(), 2);
}

#[test]
fn constraints_are_checked_as_rows_are_encoded() {
    let (_dir, mut s) = session();
    create(&mut s, &["t"]);
    let mut encoder = s.row_encoder("t").unwrap().unwrap();
    let mut out = EncodedRows::default();
    let e = encoder.encode(&mut row(13), &mut out).unwrap_err();
    assert_eq!(
        e.message,
        "new row for relation \"t\" violates check constraint \"t_id_check\""
    );
    let mut null_v = row(1);
    null_v[1] = Value::Null;
    let e = encoder.encode(&mut null_v, &mut out).unwrap_err();
    assert_eq!(
        e.message,
        "null value in column \"v\" of relation \"t\" violates not-null constraint"
    );
    let mut bad_id = row(1);
    bad_id[0] = Value::Text("one".into());
    let e = encoder.encode(&mut bad_id, &mut out).unwrap_err();
    assert_eq!(
        e.message,
        "column \"id\" is of type integer but expression is of another type"
    );
    // Refused rows leave nothing behind in the batch.
    assert!(out.is_empty());
    encoder.encode(&mut row(2), &mut out).unwrap();
    assert_eq!(out.len(), 1);
}

#[test]
fn a_table_without_a_primary_key_numbers_its_rows() {
    let (_dir, mut s) = session();
    s.execute("CREATE TABLE h (v text)").unwrap();
    let rows: Vec<Vec<Value>> = (0..5).map(|i| vec![Value::Text(format!("r{i}"))]).collect();
    assert_eq!(load(&mut s, "h", &rows, 2).unwrap(), 5);
    s.execute("INSERT INTO h VALUES ('after')").unwrap();
    assert_eq!(load(&mut s, "h", &rows[..2], 2).unwrap(), 2);
    assert_eq!(
        rows_of(&mut s, "SELECT count(*), count(DISTINCT v) FROM h"),
        vec![vec![Value::BigInt(8), Value::BigInt(6)]]
    );
}

#[test]
fn loads_into_a_table_with_rows_add_to_them() {
    let (_dir, mut s) = session();
    create(&mut s, &["t"]);
    s.execute("INSERT INTO t VALUES (50, 'value 50', '{\"n\": 50}', 1)")
        .unwrap();
    let rows: Vec<Vec<Value>> = [10, 60, 20].iter().map(|&id| row(id)).collect();
    assert_eq!(load(&mut s, "t", &rows, 2).unwrap(), 3);
    let e = load(&mut s, "t", &[row(70), row(50)], 8).unwrap_err();
    assert_eq!(
        e.message,
        "duplicate key value violates unique constraint \"t_pkey\""
    );
    assert_eq!(e.detail.as_deref(), Some("Key (id)=(50) already exists."));
    assert_eq!(
        rows_of(
            &mut s,
            "SELECT string_agg(id::text, ',' ORDER BY id) FROM t"
        ),
        vec![vec![Value::Text("10,20,50,60".into())]]
    );
}

#[test]
fn tables_with_foreign_keys_take_no_bulk_load() {
    let (_dir, mut s) = session();
    s.execute(
        "CREATE TABLE p (id integer PRIMARY KEY);
         CREATE TABLE c (id integer PRIMARY KEY, p integer REFERENCES p (id));
         CREATE TABLE i (id integer PRIMARY KEY, v text);
         CREATE INDEX i_v ON i (v);
         CREATE TABLE plain (id integer PRIMARY KEY)",
    )
    .unwrap();
    assert!(s.row_encoder("c").unwrap().is_none());
    assert!(s.row_encoder("i").unwrap().is_some());
    assert!(s.row_encoder("p").unwrap().is_some());
    assert!(s.row_encoder("plain").unwrap().is_some());
    // A table that changed after its encoder was made refuses the rows.
    let encoder = s.row_encoder("plain").unwrap().unwrap();
    s.execute("ALTER TABLE plain ADD COLUMN w text").unwrap();
    let e = s
        .insert_encoded("plain", &encoder, &mut |_| Ok(()))
        .unwrap_err();
    assert_eq!(
        e.message,
        "table \"plain\" changed while its rows were being encoded"
    );
}
