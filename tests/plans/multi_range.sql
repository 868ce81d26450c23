-- Several ranges: an OR of comparisons, BETWEENs and equalities on one
-- indexed column reads the union of their ranges, sorted and merged where
-- they overlap, from the primary key or a secondary index (as sysbench's
-- select_random_ranges asks). The OR leaves the filter when the ranges
-- hold exactly its rows.

> CREATE TABLE t (id int PRIMARY KEY, k int NOT NULL, note text)
> CREATE INDEX t_k ON t (k)
> INSERT INTO t WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 1000) SELECT n, n % 100, 'n' || n FROM g

> EXPLAIN SELECT * FROM t WHERE id BETWEEN 10 AND 12 OR id BETWEEN 500 AND 501 OR id = 900
Scan on t by primary key ((id >= 10 AND id <= 12 OR id >= 500 AND id <= 501 OR id = 900)) (~6 rows)

> SELECT id FROM t WHERE id BETWEEN 10 AND 12 OR id BETWEEN 500 AND 501 OR id = 900
10
11
12
500
501
900

-- Overlapping ranges merge: each row once.
> SELECT count(*) FROM t WHERE id BETWEEN 10 AND 20 OR id BETWEEN 15 AND 25 OR id < 3
18

> EXPLAIN SELECT count(k) FROM t WHERE k BETWEEN 3 AND 4 OR k BETWEEN 50 AND 50
Aggregate group by [] compute [count(#1)]
  -> Index-only scan on t using t_k ((k >= 3 AND k <= 4 OR k = 50)) (~30 rows) (columns: k)

> SELECT count(k) FROM t WHERE k BETWEEN 3 AND 4 OR k BETWEEN 50 AND 50
30

-- Ranges on different columns are no one index's: a filter over a scan.
> EXPLAIN SELECT * FROM t WHERE id < 5 OR k = 7
Filter ((#0 < 5) OR (#1 = 7))
  -> Scan on t
