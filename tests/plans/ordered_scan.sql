-- Ordered scans: a scan yields rows in the order of the index it reads,
-- forward or backward ("Scan backward"), and a secondary index's entries
-- end with the primary key. A sort whose keys are a prefix of that order
-- (all in the index's direction and NULL placement, or all opposite)
-- goes; under a LIMIT a scan with no conditions switches to an index that
-- gives the order, so it reads only the first entries.

> CREATE TABLE t (id int PRIMARY KEY, name text, qty int)
> CREATE INDEX t_name ON t (name)
> CREATE INDEX t_qty ON t (qty DESC)
> INSERT INTO t WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 100) SELECT n, 'n' || (n % 10), n % 7 FROM g

> EXPLAIN SELECT * FROM t ORDER BY id
Scan on t

> EXPLAIN SELECT id FROM t ORDER BY id DESC LIMIT 1
Limit 1
  -> Project #0
    -> Scan backward on t (columns: id)

> SELECT id FROM t ORDER BY id DESC LIMIT 1
100

> EXPLAIN SELECT * FROM t WHERE id > 90 ORDER BY id DESC
Scan backward on t by primary key (id > 90) (~10 rows)

> SELECT id FROM t WHERE id > 95 ORDER BY id DESC
100
99
98
97
96

> EXPLAIN SELECT * FROM t ORDER BY name LIMIT 3
Limit 3
  -> Index scan on t using t_name

> SELECT id, name FROM t ORDER BY name LIMIT 3
10, n0
20, n0
30, n0

-- Backward through an index: DESC NULLS FIRST is ASC NULLS LAST reversed,
-- and the primary key behind the index column reverses too.
> EXPLAIN SELECT id, name FROM t ORDER BY name DESC, id DESC LIMIT 3
Limit 3
  -> Project #0, #1
    -> Index-only scan backward on t using t_name (columns: id, name)

> SELECT id, name FROM t ORDER BY name DESC, id DESC LIMIT 3
99, n9
89, n9
79, n9

-- A descending index read forward and backward.
> EXPLAIN SELECT id FROM t ORDER BY qty DESC LIMIT 2
Project #0
  -> Limit 2
    -> Project #0, #2
      -> Index-only scan on t using t_qty (columns: id)

> EXPLAIN SELECT id FROM t ORDER BY qty LIMIT 2
Project #0
  -> Limit 2
    -> Project #0, #2
      -> Index-only scan backward on t using t_qty (columns: id)

-- A covering index gives the order without a LIMIT too.
> EXPLAIN SELECT id, name FROM t ORDER BY name
Project #0, #1
  -> Index-only scan on t using t_name (columns: id, name)

-- The access a condition chose keeps its order.
> EXPLAIN SELECT * FROM t WHERE name IN ('n3', 'n1') ORDER BY name, id
Index scan on t using t_name (name IN ('n1', 'n3')) (~20 rows)

-- Columns the access fixes to one value order nothing: rows for
-- `name = 'n3'` come from t_name in primary-key order, and a composite
-- key with its first column fixed is in the order of the second.
> EXPLAIN SELECT id FROM t WHERE name = 'n3' ORDER BY id DESC LIMIT 2
Limit 2
  -> Project #0
    -> Index-only scan backward on t using t_name (name = 'n3') (~10 rows) (columns: id)

> SELECT id FROM t WHERE name = 'n3' ORDER BY id DESC LIMIT 2
93
83

> CREATE TABLE pair (a int, b int, v text, PRIMARY KEY (a, b))
> INSERT INTO pair WITH RECURSIVE g(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM g WHERE n < 99) SELECT n / 10, n % 10, 'v' || n FROM g
> EXPLAIN SELECT b, v FROM pair WHERE a = 4 ORDER BY a, b DESC
Project #0, #1
  -> Project #1, #2, #0
    -> Scan backward on pair by primary key (a = 4) (~10 rows) (columns: b, v)

> SELECT b FROM pair WHERE a = 4 ORDER BY a, b DESC LIMIT 3
9
8
7

> EXPLAIN SELECT max(b) FROM pair WHERE a = 4
Aggregate group by [] compute [max(#1)]
  -> Limit 1
    -> Filter (#1 IS NOT NULL)
      -> Scan backward on pair by primary key (a = 4) (~10 rows) (columns: b)

-- Contrast: a NULL placement the index does not have (ASC NULLS FIRST is
-- neither DESC NULLS FIRST nor its reverse), a mix of
-- directions, an expression, or another column keep the sort.
> EXPLAIN SELECT id FROM t ORDER BY qty NULLS FIRST LIMIT 2
Project #0
  -> Limit 2
    -> Sort by #1
      -> Project #0, #2
        -> Scan on t (columns: id, qty)

> EXPLAIN SELECT id FROM t ORDER BY name NULLS FIRST LIMIT 2
Project #0
  -> Limit 2
    -> Sort by #1
      -> Project #0, #1
        -> Scan on t (columns: id, name)

> EXPLAIN SELECT id FROM t ORDER BY name, id DESC LIMIT 2
Project #0
  -> Limit 2
    -> Sort by #1, #0 DESC
      -> Project #0, #1
        -> Scan on t (columns: id, name)

> EXPLAIN SELECT id FROM t ORDER BY id + 1 LIMIT 2
Project #0
  -> Limit 2
    -> Sort by #1
      -> Project #0, (#0 + 1)
        -> Scan on t (columns: id)

> EXPLAIN SELECT * FROM t ORDER BY name, qty LIMIT 2
Limit 2
  -> Sort by #1, #2
    -> Scan on t
