-- History tables that seek: `arbor_history_<table>` is a plan node of its
-- own that reads each commit's version of the table in turn, streaming,
-- and a condition on the primary key narrows every version's read to
-- the matching keys: a lookup of one key reads one path per commit.

> CREATE TABLE t (id int PRIMARY KEY, v text)
> INSERT INTO t WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 100) SELECT n, 'a' || n FROM g
> SELECT arbor_commit('-Am', 'first')
3d7a25dd2849f7d29778357667ebe569ac2fb5e6c2535ca7c4448fb8e0c9bab8
> UPDATE t SET v = 'b5' WHERE id = 5
> SELECT arbor_commit('-am', 'second')
7c85f327bb51ed068c9934213fd978f2f81bfd9e20f291eee90624c422f216e3
> DELETE FROM t WHERE id = 6
> SELECT arbor_commit('-am', 'third')
a3aeddc4d364ede77afc3c78f412151ddf44eaf8866f783dde0befca0d07f5d1

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
4199d3d29e2939f77081e0e3b5222dcbf034b7f0e35a28c872cd1f0ff5501301
> SELECT ident, v FROM arbor_history_t WHERE ident = 5
5, b5
5, b5
5, b5
5, a5


