-- Key ranges: a filter on a table scan comparing primary-key columns with
-- constants narrows the scan to the matching ranges of keys ("by primary
-- key (...)", the conditions the ranges stand for, and "~n rows", the
-- entries they hold, counted in the tree). Equalities on the leading key
-- columns and a comparison on the next one make the ranges. A term the
-- ranges capture exactly leaves the filter; any other term stays.

> CREATE TABLE t (id int PRIMARY KEY, name text)
> INSERT INTO t WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 100) SELECT n, 'n' || n FROM g

-- Equality and each comparison: the range is exact, the filter goes.
> EXPLAIN SELECT * FROM t WHERE id = 3
Scan on t by primary key (id = 3) (~1 row)

> EXPLAIN SELECT * FROM t WHERE id > 3
Scan on t by primary key (id > 3) (~97 rows)

> EXPLAIN SELECT * FROM t WHERE id >= 3
Scan on t by primary key (id >= 3) (~98 rows)

> EXPLAIN SELECT * FROM t WHERE id < 3
Scan on t by primary key (id < 3) (~2 rows)

> EXPLAIN SELECT * FROM t WHERE id <= 3
Scan on t by primary key (id <= 3) (~3 rows)

> EXPLAIN SELECT * FROM t WHERE 3 < id
Scan on t by primary key (id > 3) (~97 rows)

> EXPLAIN SELECT * FROM t WHERE id >= 3 AND id < 10
Scan on t by primary key (id >= 3 AND id < 10) (~7 rows)

> EXPLAIN SELECT * FROM t WHERE id BETWEEN 3 AND 10
Scan on t by primary key (id >= 3 AND id <= 10) (~8 rows)

> SELECT id FROM t WHERE id BETWEEN 3 AND 5
3
4
5

-- Other terms stay as a filter over the narrowed scan.
> EXPLAIN SELECT * FROM t WHERE id > 3 AND name = 'x'
Filter (#1 = x)
  -> Scan on t by primary key (id > 3) (~97 rows)

-- Contrast: no range for a column outside the primary key, a computed
-- key, a NOT BETWEEN, or a constant the key column's type cannot hold
-- exactly.
> EXPLAIN SELECT * FROM t WHERE name = 'x'
Filter (#1 = x)
  -> Scan on t

> EXPLAIN SELECT * FROM t WHERE id + 1 = 3
Filter ((#0 + 1) = 3)
  -> Scan on t

> EXPLAIN SELECT * FROM t WHERE id NOT BETWEEN 3 AND 10
Filter (#0 NOT BETWEEN 3 AND 10)
  -> Scan on t

> EXPLAIN SELECT * FROM t WHERE id = 2.5
Filter (#0 = 2.5)
  -> Scan on t

-- A composite key: equalities on its leading columns, then a comparison
-- on the next one; a condition on a later column alone makes no range.
> CREATE TABLE pair (a int, b int, v text, PRIMARY KEY (a, b))
> INSERT INTO pair WITH RECURSIVE g(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM g WHERE n < 99) SELECT n / 10, n % 10, 'v' FROM g
> EXPLAIN SELECT * FROM pair WHERE a = 1
Scan on pair by primary key (a = 1) (~10 rows)

> EXPLAIN SELECT * FROM pair WHERE a = 1 AND b = 2
Scan on pair by primary key (a = 1 AND b = 2) (~1 row)

> EXPLAIN SELECT * FROM pair WHERE a = 1 AND b > 6
Scan on pair by primary key (a = 1 AND b > 6) (~3 rows)

> SELECT a, b FROM pair WHERE a = 1 AND b > 6
1, 7
1, 8
1, 9

> EXPLAIN SELECT * FROM pair WHERE b = 1
Filter (#1 = 1)
  -> Scan on pair

-- A parameter's value is unknown when EXPLAIN plans the query, so its
-- comparison stays a filter; a prepared statement narrows the range when
-- it executes (narrow_for_parameters), which EXPLAIN EXECUTE shows (see
-- key_range_parameters.sql).
> EXPLAIN SELECT * FROM t WHERE id = $1
Filter (#0 = $1)
  -> Scan on t
