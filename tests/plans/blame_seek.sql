-- Blame tables that seek: `arbor_blame_<table>` is a plan node of its own.
-- Over the whole table it blames every row at once, one prolly diff per
-- commit; a condition on the primary key reads only the matching rows of
-- HEAD and looks each up commit by commit until its value differs, one
-- seek per commit.

> CREATE TABLE t (id int PRIMARY KEY, v text)
> INSERT INTO t WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 100) SELECT n, 'a' || n FROM g
> SELECT arbor_commit('-Am', 'first')
13b6e8e9314835d26147981859bf912d20c38dc33caa10d9e1edb5d7fb98e020
> UPDATE t SET v = 'b5' WHERE id = 5
> SELECT arbor_commit('-am', 'second')
9158add3d5d0fe0f3c2a73b732e7c8ebb640523b74ce93489f18649cbc1a86a1
> DELETE FROM t WHERE id = 6
> SELECT arbor_commit('-am', 'third')
393cc87e36575f1f98d9a2a2b5431d414fb05e49f50dcbfc8092c6af0e6b6744
> ALTER TABLE t ADD COLUMN w int
> UPDATE t SET w = 1 WHERE id = 7
> SELECT arbor_commit('-am', 'fourth')
1126fa3a894f6581051039bfccbd7190c20b87f830881e092289078564ccc672

> EXPLAIN SELECT * FROM arbor_blame_t
Blame of t (4 commits)

> SELECT message, count(*) FROM arbor_blame_t GROUP BY message ORDER BY message
first, 97
fourth, 1
second, 1

> EXPLAIN SELECT message, v FROM arbor_blame_t WHERE id IN (5, 7, 8)
Project #2, #4
  -> Filter (#3 IN (5, 7, 8))
    -> Blame of t (4 commits) by primary key (id IN (5, 7, 8)), row by row
> SELECT message, id, v, w FROM arbor_blame_t WHERE id IN (5, 6, 7, 8)
second, 5, b5, NULL
fourth, 7, a7, 1
first, 8, a8, NULL

-- Other conditions filter the rows blamed.
> EXPLAIN SELECT message FROM arbor_blame_t WHERE id < 10 AND message <> 'first'
Project #2
  -> Filter ((#3 < 10) AND (#2 <> first))
    -> Blame of t (4 commits) by primary key (id < 10), row by row
> SELECT message, id FROM arbor_blame_t WHERE id < 10 AND message <> 'first'
second, 5
fourth, 7
