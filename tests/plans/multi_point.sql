-- Multi-point lookups: `IN (...)` and an OR of equalities on one column
-- fix it to a set of values, each one seek; the seeks are sorted and
-- de-duplicated, and with equalities on several key columns each
-- combination is one. NULL in a list matches nothing and is dropped.

> CREATE TABLE t (id int PRIMARY KEY, name text, qty int)
> INSERT INTO t WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 200) SELECT n, 'n' || (n % 20), n % 7 FROM g

> EXPLAIN SELECT * FROM t WHERE id IN (5, 1, 9, 5)
Scan on t by primary key (id IN (1, 5, 9)) (~3 rows)

> SELECT id FROM t WHERE id IN (5, 1, 9, 5, NULL, 1000)
1
5
9

> EXPLAIN SELECT * FROM t WHERE id = 5 OR id = 6
Scan on t by primary key (id IN (5, 6)) (~2 rows)

> SELECT id, name FROM t WHERE id = 6 OR id = 5
5, n5
6, n6

> EXPLAIN SELECT * FROM t WHERE id IN (1, 2) OR id = 7
Scan on t by primary key (id IN (1, 2, 7)) (~3 rows)

-- An empty list after NULLs are dropped reads nothing.
> EXPLAIN SELECT * FROM t WHERE id IN (NULL)
Scan on t by primary key (id IN (no values)) (~0 rows)

> SELECT count(*) FROM t WHERE id IN (NULL)
0

-- A composite key: every combination of the values is one seek.
> CREATE TABLE pair (a int, b int, v text, PRIMARY KEY (a, b))
> INSERT INTO pair WITH RECURSIVE g(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM g WHERE n < 99) SELECT n / 10, n % 10, 'v' || n FROM g
> EXPLAIN SELECT v FROM pair WHERE a IN (1, 3) AND b IN (2, 4)
Project #2
  -> Scan on pair by primary key (a IN (1, 3) AND b IN (2, 4)) (~4 rows) (columns: v)

> SELECT a, b, v FROM pair WHERE a IN (3, 1) AND b IN (4, 2)
1, 2, v12
1, 4, v14
3, 2, v32
3, 4, v34

-- UPDATE and DELETE read the same paths: only the listed rows are read.
> EXPLAIN UPDATE t SET qty = qty + 1 WHERE id IN (3, 4)
Scan on t by primary key (id IN (3, 4)) (~2 rows)

> EXPLAIN DELETE FROM t WHERE id = 10 OR id = 20
Scan on t by primary key (id IN (10, 20)) (~2 rows)

-- Contrast: an OR across two columns, or a NOT IN, is no set of points.
> EXPLAIN SELECT * FROM t WHERE id = 5 OR qty = 6
Filter ((#0 = 5) OR (#2 = 6))
  -> Scan on t

> EXPLAIN SELECT * FROM t WHERE id NOT IN (1, 2)
Filter (#0 NOT IN (1, 2))
  -> Scan on t
