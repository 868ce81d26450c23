-- History tables that seek: `arbor_history_<table>` is a plan node of its
-- own that reads each commit's version of the table in turn, streaming,
-- and a condition on the primary key narrows every version's read to
-- the matching keys: a lookup of one key reads one path per commit.

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

> EXPLAIN SELECT * FROM arbor_history_t
History of t (3 commits)

> EXPLAIN SELECT id, v FROM arbor_history_t WHERE id = 5
Project #0, #1
  -> History of t (3 commits) by primary key (id = 5) in each

> SELECT id, v FROM arbor_history_t WHERE id = 5
5, b5
5, b5
5, a5

> SELECT id, v FROM arbor_history_t WHERE id IN (6, 7) ORDER BY id, v
6, a6
6, a6
7, a7
7, a7
7, a7

> SELECT count(*) FROM arbor_history_t
299

-- Other conditions filter the rows read.
> EXPLAIN SELECT id FROM arbor_history_t WHERE id < 3 AND v <> 'x'
Project #0
  -> Filter (#1 <> x)
    -> History of t (3 commits) by primary key (id < 3) in each

-- A key column renamed later is still the key of every version.
> ALTER TABLE t RENAME COLUMN id TO ident
> SELECT arbor_commit('-am', 'rename')
f0ea9dccfd6075873608ad930125a32c3efeaeaf7a3a4db1693db51dd85756e1
> SELECT ident, v FROM arbor_history_t WHERE ident = 5
5, b5
5, b5
5, b5
5, a5


