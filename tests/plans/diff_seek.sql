-- Diff tables that seek: `arbor_diff_<table>` is a plan node of its own
-- that compares the working set with HEAD, then each commit with its
-- first parent, one pair of versions at a time, streaming. A condition on
-- `to_commit` or `from_commit` keeps only the pairs it names; one on the
-- primary key (`to_<key>` or `from_<key>`) narrows every pair's read to
-- the matching keys, so a lookup of one key reads one path per side and
-- commit. `arbor_commit_diff_<table>` compares the two revisions its
-- WHERE names.

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
> UPDATE t SET v = 'w5' WHERE id = 5

> EXPLAIN SELECT * FROM arbor_diff_t
Diff of t (4 pairs of versions)

> SELECT count(*), diff_type FROM arbor_diff_t GROUP BY diff_type ORDER BY diff_type
100, added
2, modified
1, removed
> SELECT to_id, to_v, from_id, from_v, diff_type, to_commit = 'WORKING', from_commit = arbor_hashof('HEAD') FROM arbor_diff_t WHERE to_commit = 'WORKING'
5, w5, 5, b5, modified, t, t

> EXPLAIN SELECT to_v, from_v FROM arbor_diff_t WHERE to_id = 5
Project #1, #5
  -> Filter (#0 = 5)
    -> Diff of t (4 pairs of versions) by primary key (id = 5) in each
> SELECT to_v, from_v, diff_type FROM arbor_diff_t WHERE to_id = 5
w5, b5, modified
b5, a5, modified
a5, NULL, added

-- A removed row has no `to_` values: it is found by its `from_` key.
> EXPLAIN SELECT from_v FROM arbor_diff_t WHERE from_id = 6 AND to_id IS NULL
Project #5
  -> Filter ((#4 = 6) AND (#0 IS NULL))
    -> Diff of t (4 pairs of versions) by primary key (id = 6) in each
> SELECT from_v, diff_type, from_commit = arbor_hashof('HEAD~1') FROM arbor_diff_t WHERE from_id = 6 AND to_id IS NULL
a6, removed, t

-- The commits named keep only their pairs.
> EXPLAIN SELECT to_id FROM arbor_diff_t WHERE to_commit = arbor_hashof('HEAD~1')
Project #0
  -> Filter (#2 = 9158add3d5d0fe0f3c2a73b732e7c8ebb640523b74ce93489f18649cbc1a86a1)
    -> Diff of t (1 pair of versions)
> SELECT to_id, from_v, diff_type FROM arbor_diff_t WHERE to_commit = arbor_hashof('HEAD~1')
5, a5, modified

-- Two revisions of any kind, as they are written.
> EXPLAIN SELECT * FROM arbor_commit_diff_t WHERE from_commit = 'HEAD~2' AND to_commit = 'WORKING' AND to_id < 10
Filter (((#6 = HEAD~2) AND (#2 = WORKING)) AND (#0 < 10))
  -> Diff of t (1 pair of versions) by primary key (id < 10) in each
> SELECT to_id, to_v, from_v, diff_type, from_commit, to_commit FROM arbor_commit_diff_t WHERE from_commit = 'HEAD~2' AND to_commit = 'WORKING' ORDER BY coalesce(to_id, from_id)
5, w5, a5, modified, HEAD~2, WORKING
NULL, NULL, a6, removed, HEAD~2, WORKING
> SELECT * FROM arbor_commit_diff_t WHERE to_commit = 'HEAD'
Error: arbor_commit_diff_t must be filtered to one from_commit and one to_commit
