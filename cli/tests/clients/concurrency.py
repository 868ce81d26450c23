"""Concurrent sessions on one branch of `arbor sql-server`, through psycopg.

Run by cli/tests/server.rs as:
    python concurrency.py <port> <dbname> <clients> <transactions>

1. Two sessions edit different rows (and different cells of one row) in
   open transactions: both COMMITs succeed and both changes stand.
2. Two sessions change the same cell: the later COMMIT fails with 40001
   (psycopg's SerializationFailure) and changes nothing.
3. <clients> threads each run <transactions> transactions (an insert of
   its own row and an update of its own counter), retrying on 40001; every
   committed transaction is present afterwards.

Prints "ok <retries>" and exits 0 when every check holds.
"""

import sys
import threading

import psycopg

port, dbname = sys.argv[1], sys.argv[2]
clients, transactions = int(sys.argv[3]), int(sys.argv[4])


def connect(autocommit=False):
    return psycopg.connect(host="127.0.0.1", port=port, dbname=dbname, autocommit=autocommit)


setup = connect(autocommit=True)
setup.execute("CREATE TABLE cells (id int PRIMARY KEY, x int, y int)")
setup.execute("INSERT INTO cells VALUES (1, 0, 0), (2, 0, 0)")

# 1. Different rows, and different cells of one row.
a, b = connect(), connect()
a.execute("UPDATE cells SET x = 1 WHERE id = 1")
b.execute("UPDATE cells SET x = 2 WHERE id = 2")
b.execute("UPDATE cells SET y = 2 WHERE id = 1")
assert a.execute("SELECT y FROM cells WHERE id = 1").fetchone() == (0,)
b.commit()
a.commit()
got = setup.execute("SELECT id, x, y FROM cells ORDER BY id").fetchall()
assert got == [(1, 1, 2), (2, 2, 0)], got

# 2. The same cell: the second COMMIT is a serialization failure.
a.execute("UPDATE cells SET x = 10 WHERE id = 2")
b.execute("UPDATE cells SET x = 20 WHERE id = 2")
a.commit()
try:
    b.commit()
    raise AssertionError("expected a serialization failure")
except psycopg.errors.SerializationFailure as e:
    assert e.sqlstate == "40001"
got = setup.execute("SELECT x FROM cells WHERE id = 2").fetchone()
assert got == (10,), got
a.close()
b.close()

# 3. Many clients at once.
setup.execute("CREATE TABLE events (id int PRIMARY KEY, client int, n int)")
setup.execute("CREATE TABLE counters (client int PRIMARY KEY, done int)")
for c in range(clients):
    setup.execute("INSERT INTO counters VALUES (%s, 0)", (c,))
retries = [0] * clients
failures = []


def run_clients(work):
    """Runs work(c) for every client c at once; any client's failure fails."""
    threads = [threading.Thread(target=work, args=(c,)) for c in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures, failures



def client(c):
    try:
        conn = connect()
        for i in range(transactions):
            while True:
                try:
                    conn.execute(
                        "INSERT INTO events VALUES (%s, %s, %s)", (c * 100_000 + i, c, i)
                    )
                    conn.execute("UPDATE counters SET done = done + 1 WHERE client = %s", (c,))
                    conn.commit()
                    break
                except psycopg.errors.SerializationFailure:
                    conn.rollback()
                    retries[c] += 1
        conn.close()
    except Exception as e:  # reported by the main thread
        failures.append(f"client {c}: {e!r}")


run_clients(client)
count = setup.execute("SELECT count(*) FROM events").fetchone()[0]
assert count == clients * transactions, count
done = setup.execute("SELECT sum(done), min(done), max(done) FROM counters").fetchone()
assert done == (clients * transactions, transactions, transactions), done
missing = setup.execute(
    "SELECT count(*) FROM counters c WHERE done <> (SELECT count(*) FROM events e WHERE e.client = c.client)"
).fetchone()[0]
assert missing == 0, missing

# 4. One hot row, incremented by every client outside transactions: a
# statement that collides runs again on the newer row (as PostgreSQL's
# READ COMMITTED re-reads it), so no increment is lost.
setup.execute("CREATE TABLE hot (id int PRIMARY KEY, n int)")
setup.execute("INSERT INTO hot VALUES (1, 0)")
done_increments = [0] * clients


def increment(c):
    try:
        conn = connect(autocommit=True)
        for _ in range(20):
            try:
                conn.execute("UPDATE hot SET n = n + 1 WHERE id = 1")
                done_increments[c] += 1
            except psycopg.errors.SerializationFailure:
                retries[c] += 1
        conn.close()
    except Exception as e:
        failures.append(f"client {c}: {e!r}")


run_clients(increment)
n = setup.execute("SELECT n FROM hot").fetchone()[0]
assert n == sum(done_increments), (n, sum(done_increments))
assert n > 0
print("ok", sum(retries), sum(done_increments))
