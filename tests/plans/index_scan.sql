-- Secondary indexes as access paths: equalities on an index's leading
-- columns and a comparison on the next one read a range of its entries,
-- each looked up in the primary index ("Index scan"), or not at all when
-- the index holds every column the query reads ("Index-only scan": an
-- index entry holds the index's columns and the primary key). The
-- cheapest path wins by the entries each would read, counted in the trees.

> CREATE TABLE t (id int PRIMARY KEY, name text, qty int, note text)
> CREATE INDEX t_name ON t (name)
> CREATE INDEX t_qty_name ON t (qty DESC, name)
> CREATE UNIQUE INDEX t_note ON t (note)
> INSERT INTO t WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 500) SELECT n, 'n' || (n % 50), n % 7, 'note' || n FROM g

> EXPLAIN SELECT * FROM t WHERE name = 'n5'
Index scan on t using t_name (name = 'n5') (~10 rows)

> SELECT id FROM t WHERE name = 'n5' AND id < 120
5
55
105

-- The index holds `name` and `id`: no lookup.
> EXPLAIN SELECT id FROM t WHERE name = 'n5'
Project #0
  -> Index-only scan on t using t_name (name = 'n5') (~10 rows) (columns: id)

> EXPLAIN SELECT count(*) FROM t WHERE name IN ('n5', 'n6')
Aggregate group by [] compute [count()] (counted in the tree)
  -> Index-only scan on t using t_name (name IN ('n5', 'n6')) (~20 rows) (no columns)

-- A composite index: equality on the first column, range on the second.
-- A comparison on a column that may hold NULLs stays in the filter too
-- (NULLs sit at one end of the index, inside an open range).
> EXPLAIN SELECT id FROM t WHERE qty = 3 AND name > 'n45'
Project #0
  -> Filter (#1 > n45)
    -> Index-only scan on t using t_qty_name (qty = 3 AND name > 'n45') (~11 rows) (columns: id, name)

> SELECT id FROM t WHERE qty = 3 AND name > 'n45' ORDER BY id
59
108
157
199
206
248
255
297
346
409
458

-- A unique index: one entry.
> EXPLAIN SELECT * FROM t WHERE note = 'note77'
Index scan on t using t_note (note = 'note77') (~1 row)

-- IS NULL is a point too.
> INSERT INTO t VALUES (1000, NULL, NULL, NULL)
> EXPLAIN SELECT id FROM t WHERE name IS NULL
Project #0
  -> Index-only scan on t using t_name (name IS NULL) (~1 row) (columns: id)

> SELECT id FROM t WHERE name IS NULL
1000

-- The primary key wins when it reads fewer entries.
> EXPLAIN SELECT * FROM t WHERE id = 4 AND name = 'n4'
Filter (#1 = n4)
  -> Scan on t by primary key (id = 4) (~1 row)

-- Contrast: a condition that holds for most rows reads the table in order
-- rather than look up each row.
> EXPLAIN SELECT * FROM t WHERE qty >= 0
Filter (#2 >= 0)
  -> Scan on t

-- UPDATE and DELETE by an indexed column read the index.
> EXPLAIN UPDATE t SET qty = 0 WHERE note = 'note3'
Index scan on t using t_note (note = 'note3') (~1 row)

> EXPLAIN DELETE FROM t WHERE name = 'n7'
Index scan on t using t_name (name = 'n7') (~10 rows)

-- ANALYZE has nothing to refresh (the estimates are counts read from the
-- trees as they are); it checks its table.
> ANALYZE t

> ANALYZE

> ANALYZE missing
Error: relation "missing" does not exist
