//! SQLite as the benchmarks' reference: the benchmark table in SQLite's
//! types (`TEXT` for jsonb and dates, `REAL` for double precision, the
//! integer key as the rowid), filled with the same rows Arbor loads.

use rusqlite::{Connection, Statement, params};

use crate::bench_data::row;

/// The benchmark table, as SQLite declares it.
pub const CREATE_TABLE: &str = "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, category TEXT NOT NULL, qty INTEGER NOT NULL, price REAL NOT NULL, created TEXT NOT NULL, attrs TEXT NOT NULL)";

/// [`crate::bench_data::JSON_FILTER`] in SQLite's dialect.
pub const JSON_FILTER: &str = "SELECT count(*), coalesce(sum(qty), 0) FROM t WHERE attrs->>'color' = 'red' AND CAST(attrs->>'size' AS INTEGER) >= 5";

/// One row of the table, every column a parameter.
pub const INSERT: &str = "INSERT INTO t VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

/// Inserts row `i` of the benchmark table through `insert` (prepared from [`INSERT`]).
pub fn insert_row(insert: &mut Statement<'_>, i: u64) -> rusqlite::Result<usize> {
    let r = row(i);
    insert.execute(params![
        i as i64,
        r.name,
        r.category,
        r.qty as i64,
        r.price,
        r.created,
        r.attrs
    ])
}

/// Creates the table in `db` and inserts rows `1..=n` in one transaction,
/// through one prepared statement.
pub fn create_and_load(db: &mut Connection, n: u64) -> rusqlite::Result<()> {
    db.execute_batch(CREATE_TABLE)?;
    let tx = db.transaction()?;
    {
        let mut insert = tx.prepare(INSERT)?;
        for i in 1..=n {
            insert_row(&mut insert, i)?;
        }
    }
    tx.commit()
}
