"""psycopg (3) against `arbor sql-server`: parameters sent typed and
untyped, prepared statements, every Arbor type round-tripped (text and
binary results), NULL, errors with SQLSTATE, transactions.

Run by cli/tests/server.rs as: python psycopg_roundtrip.py <port> <dbname>
Prints "ok" and exits 0 when every check holds.
"""

import datetime
import decimal
import sys
import uuid

import psycopg
from psycopg.types.json import Jsonb

port, dbname = sys.argv[1], sys.argv[2]
conn = psycopg.connect(host="127.0.0.1", port=port, dbname=dbname, autocommit=True)
cur = conn.cursor()

cur.execute(
    "CREATE TABLE every (id int PRIMARY KEY, s smallint, b bigint, r real, d double precision,"
    " n numeric(12,3), t text, v varchar(10), c char(3), by bytea, dt date, tm time,"
    " ts timestamp, tz timestamptz, u uuid, j json, jb jsonb, ok boolean)"
)
row = (
    1, 7, 9_000_000_000, 1.5, 2.25, decimal.Decimal("1234.500"), "héllo", "vc", "abc",
    b"\x00\xffbytes", datetime.date(2024, 2, 29), datetime.time(13, 14, 15, 500000),
    datetime.datetime(2024, 1, 2, 3, 4, 5, 123456),
    datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc),
    uuid.UUID("12345678-1234-5678-1234-567812345678"), '{"x": [1, 2]}',
    Jsonb({"k": "v", "n": 1}), True,
)
cur.execute("INSERT INTO every VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", row)
cur.execute("INSERT INTO every (id) VALUES (%s)", (2,))

for binary in (False, True):
    c = conn.cursor(binary=binary)
    c.execute("SELECT * FROM every WHERE id = %s", (1,))
    got = c.fetchone()
    expected = list(row)
    expected[16] = {"k": "v", "n": 1}
    got = list(got)
    assert got[15] in ('{"x": [1, 2]}', {"x": [1, 2]}), got[15]
    got[15] = expected[15]
    assert got == expected, (binary, got, expected)
    c.execute("SELECT * FROM every WHERE id = %s", (2,))
    assert c.fetchone()[1:] == (None,) * 17

# Column types are described by OID.
cur.execute("SELECT id, n, tz, jb, count(*) OVER () AS total FROM every WHERE id = %s", (1,))
names = [d.name for d in cur.description]
oids = [d.type_code for d in cur.description]
assert names == ["id", "n", "tz", "jb", "total"], names
assert oids == [23, 1700, 1184, 3802, 20], oids

# Prepared statements, run many times; a parameter compared with a column
# takes its type.
for i in range(3, 13):
    cur.execute("INSERT INTO every (id, t) VALUES (%s, %s)", (i, f"row {i}"), prepare=True)
cur.execute("SELECT count(*) FROM every WHERE id >= %s AND t LIKE %s", (3, "row%"), prepare=True)
assert cur.fetchone() == (10,)
cur.execute("SELECT t FROM every WHERE tz < %s::timestamptz", ("2030-01-01",))
assert cur.fetchall() == [("héllo",)]

# Errors carry SQLSTATE and the message.
try:
    cur.execute("SELECT nope FROM every")
    raise AssertionError("expected an error")
except psycopg.errors.UndefinedColumn as e:
    assert e.sqlstate == "42703", e.sqlstate
try:
    cur.execute("INSERT INTO every (id) VALUES (%s)", (1,))
    raise AssertionError("expected an error")
except psycopg.errors.UniqueViolation:
    pass

# A transaction that rolls back leaves nothing; one that commits stays.
conn.autocommit = False
cur.execute("DELETE FROM every")
conn.rollback()
cur.execute("SELECT count(*) FROM every")
assert cur.fetchone() == (12,)
cur.execute("UPDATE every SET t = %s WHERE id = %s", ("changed", 3))
conn.commit()
cur.execute("SELECT t FROM every WHERE id = 3")
assert cur.fetchone() == ("changed",)
conn.commit()

# COPY both ways, in psycopg's text format: tabs, newlines, backslashes
# and NULLs survive.
conn.autocommit = True
cur.execute("CREATE TABLE copied (id int PRIMARY KEY, t text, n numeric(6,2), at date)")
rows = [(i, f"line {i}\twith\ttabs\nand \\ newline", decimal.Decimal(i) / 4, datetime.date(2024, 1, 1 + i % 28)) for i in range(500)]
rows.append((500, None, None, None))
with cur.copy("COPY copied (id, t, n, at) FROM STDIN") as copy:
    for row in rows:
        copy.write_row(row)
assert cur.rowcount == 501, cur.rowcount
cur.execute("SELECT id, t, n, at FROM copied ORDER BY id")
assert cur.fetchall() == rows
out = []
with cur.copy("COPY (SELECT id, t FROM copied WHERE id < 3 ORDER BY id) TO STDOUT") as copy:
    for row in copy.rows():
        out.append(row)
assert out == [(str(r[0]), r[1]) for r in rows[:3]], out
# A bad row: an error naming the line, and nothing of the COPY kept.
try:
    with cur.copy("COPY copied (id, at) FROM STDIN") as copy:
        copy.write_row((1000, "2024-01-01"))
        copy.write_row((1001, "not a date"))
    raise AssertionError("expected an error")
except psycopg.errors.InvalidDatetimeFormat as e:
    assert "line 2" in (e.diag.message_detail or ""), e.diag.message_detail
cur.execute("SELECT count(*) FROM copied")
assert cur.fetchone() == (501,)

# A change's RETURNING rows complete with the change's tag, as in PostgreSQL.
cur.execute("INSERT INTO copied (id, t) VALUES (2000, 'r') RETURNING id")
assert cur.fetchall() == [(2000,)] and cur.statusmessage == "INSERT 0 1", cur.statusmessage
cur.execute("UPDATE copied SET t = 's' WHERE id >= 2000 RETURNING t")
assert cur.statusmessage == "UPDATE 1", cur.statusmessage
cur.execute("DELETE FROM copied WHERE id = 2000 RETURNING id")
assert cur.statusmessage == "DELETE 1", cur.statusmessage
cur.execute("SELECT 1 UNION ALL SELECT 2")
assert cur.statusmessage == "SELECT 2", cur.statusmessage

# A WITH that changes data, with parameters (the extended protocol
# describes it before it runs), and a SQL function and an enum on the way.
cur.execute("CREATE TYPE tone AS ENUM ('low', 'high')")
cur.execute("CREATE TABLE archive (id int PRIMARY KEY, t text, level tone)")
cur.execute("CREATE FUNCTION loud(x text) RETURNS text LANGUAGE sql RETURN upper(x) || '!'")
cur.execute(
    "WITH moved AS (DELETE FROM copied WHERE id < %s RETURNING id, t) "
    "INSERT INTO archive SELECT id, loud(t), %s FROM moved RETURNING id",
    (3, "high"),
)
assert sorted(cur.fetchall()) == [(0,), (1,), (2,)], cur.statusmessage
cur.execute("SELECT count(*) FROM copied WHERE id < 3")
assert cur.fetchone() == (0,)
cur.execute("SELECT t, level::text FROM archive WHERE id = %s", (1,))
assert cur.fetchone() == (rows[1][1].upper() + "!", "high")

# Version control over the wire.
conn.autocommit = True
cur.execute("SELECT arbor_commit('-A', '-m', 'from psycopg')")
commit = cur.fetchone()[0]
assert len(commit) == 64, commit
cur.execute("SELECT message FROM arbor_log LIMIT 1")
assert cur.fetchone() == ("from psycopg",)

print("ok")
