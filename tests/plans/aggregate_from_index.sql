-- Aggregates an index answers: `count(*)` over a scan that nothing filters
-- is read from the tree's counts (each node knows how many entries lie
-- below it), whatever ranges the scan reads; `min(c)` or `max(c)` alone
-- reads an index in the order of `c` from the right end, skips NULLs,
-- and stops at the first row.

> CREATE TABLE t (id int PRIMARY KEY, name text, qty int)
> CREATE INDEX t_name ON t (name)
> INSERT INTO t WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 300) SELECT n, 'n' || (n % 30), n % 7 FROM g
> INSERT INTO t VALUES (301, NULL, NULL)

> EXPLAIN SELECT count(*) FROM t
Aggregate group by [] compute [count()] (counted in the tree)
  -> Scan on t (no columns)

> SELECT count(*) FROM t
301

> EXPLAIN SELECT count(*) FROM t WHERE id BETWEEN 10 AND 99
Aggregate group by [] compute [count()] (counted in the tree)
  -> Scan on t by primary key (id >= 10 AND id <= 99) (~90 rows) (no columns)

> SELECT count(*) FROM t WHERE id BETWEEN 10 AND 99
90

> EXPLAIN SELECT count(*) FROM t WHERE name IN ('n1', 'n2')
Aggregate group by [] compute [count()] (counted in the tree)
  -> Index-only scan on t using t_name (name IN ('n1', 'n2')) (~20 rows) (no columns)

> SELECT count(*) FROM t WHERE name IN ('n1', 'n2')
20

> EXPLAIN SELECT max(id) FROM t
Aggregate group by [] compute [max(#0)]
  -> Limit 1
    -> Filter (#0 IS NOT NULL)
      -> Scan backward on t (columns: id)

> SELECT max(id), min(id) FROM t
301, 1

> EXPLAIN SELECT max(name) FROM t
Aggregate group by [] compute [max(#1)]
  -> Limit 1
    -> Filter (#1 IS NOT NULL)
      -> Index-only scan backward on t using t_name (columns: name)

> SELECT max(name) FROM t
n9

-- A scan a condition already narrowed by another index keeps its access
-- (the aggregate reads the rows it gives).
> EXPLAIN SELECT min(name) FROM t WHERE id > 100
Aggregate group by [] compute [min(#1)]
  -> Scan on t by primary key (id > 100) (~201 rows) (columns: name)

> SELECT min(name) FROM t WHERE id > 295
n0

-- No row leaves the aggregate NULL.
> SELECT max(name) FROM t WHERE id > 1000
NULL

-- Contrast: a count with a filter left over, a count of a column (NULLs
-- do not count), min and max together, or an extreme of a column no index
-- orders read the rows.
> EXPLAIN SELECT count(*) FROM t WHERE qty = 3
Aggregate group by [] compute [count()]
  -> Filter (#2 = 3)
    -> Scan on t (columns: qty)

> EXPLAIN SELECT count(name) FROM t
Aggregate group by [] compute [count(#1)]
  -> Scan on t (columns: name)

> EXPLAIN SELECT min(id), max(id) FROM t
Aggregate group by [] compute [min(#0), max(#0)]
  -> Scan on t (columns: id)

> EXPLAIN SELECT max(qty) FROM t
Aggregate group by [] compute [max(#2)]
  -> Scan on t (columns: qty)
