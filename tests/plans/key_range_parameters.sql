-- Key ranges from parameters: a prepared query plans once, with its
-- parameters unknown, so a comparison of the primary key with `$n` stays
-- a filter; each execution then narrows the scan to the range its
-- arguments give (narrow_for_parameters). `EXPLAIN EXECUTE name(args)`
-- shows the plan that execution runs, as in PostgreSQL.

> CREATE TABLE t (id int PRIMARY KEY, name text)
> INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd'), (5, 'e')

-- Planned without its arguments, the comparison is a filter ...
> PREPARE by_id AS SELECT name FROM t WHERE id = $1
> EXPLAIN SELECT name FROM t WHERE id = $1
Project #1
  -> Filter (#0 = $1)
    -> Scan on t

-- ... which each execution turns into a key range.
> EXPLAIN EXECUTE by_id(3)
Project #1
  -> Scan on t by primary key (id = 3) (~1 row) (columns: name)

> EXPLAIN EXECUTE by_id(5)
Project #1
  -> Scan on t by primary key (id = 5) (~1 row) (columns: name)

> EXECUTE by_id(3)
c

-- Both ends of a range can come from parameters.
> PREPARE span AS SELECT id FROM t WHERE id >= $1 AND id < $2
> EXPLAIN EXECUTE span(2, 4)
Project #0
  -> Scan on t by primary key (id >= 2 AND id < 4) (~2 rows) (columns: id)

> EXECUTE span(2, 4)
2
3

-- A bound is shown as the scan reads it: on an integer key `id > $1` with
-- 3 reads from 4; on a text key `w > $1` with 'm' reads from just past
-- every key 'm'.
> PREPARE after AS SELECT * FROM t WHERE id > $1
> EXPLAIN EXECUTE after(3)
Scan on t by primary key (id > 3) (~2 rows)

> CREATE TABLE words (w text PRIMARY KEY, n int)
> PREPARE words_after AS SELECT * FROM words WHERE w > $1
> EXPLAIN EXECUTE words_after('m')
Scan on words by primary key (w > 'm') (~0 rows)

> PREPARE words_up_to AS SELECT * FROM words WHERE w <= $1
> EXPLAIN EXECUTE words_up_to('m')
Scan on words by primary key (w <= 'm') (~0 rows)

-- Contrast: a parameter on a column outside the key, or an argument the
-- key column's type cannot hold exactly, makes no range: the filter stays.
> PREPARE by_name AS SELECT id FROM t WHERE name = $1
> EXPLAIN EXECUTE by_name('b')
Project #0
  -> Filter (#1 = $1)
    -> Scan on t

> EXPLAIN EXECUTE by_id(2.5)
Project #1
  -> Filter (#0 = $1)
    -> Scan on t

-- INSERT, UPDATE and DELETE are planned afresh each time they run; UPDATE
-- and DELETE then choose their access paths for the arguments, as a query
-- does, and EXPLAIN EXECUTE shows that.
> PREPARE rename AS UPDATE t SET name = $2 WHERE id = $1
> EXPLAIN EXECUTE rename(3, 'x')
Scan on t by primary key (id = 3) (~1 row)

-- EXPLAIN EXECUTE checks its statement and arguments as EXECUTE does.
> EXPLAIN EXECUTE by_id(1, 2)
Error: wrong number of parameters for prepared statement "by_id"

> EXPLAIN EXECUTE missing(1)
Error: prepared statement "missing" does not exist
