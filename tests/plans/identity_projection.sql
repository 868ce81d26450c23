-- Identity projections: a projection that passes its input through
-- unchanged (SELECT *, or every column in table order) only copies each
-- value, so the optimizer drops it and the scan is the whole plan.

> CREATE TABLE t (id int PRIMARY KEY, name text, price int)
> EXPLAIN SELECT * FROM t
Scan on t

> EXPLAIN SELECT id, name, price FROM t
Scan on t

> EXPLAIN SELECT * FROM t WHERE price > 10
Filter (#2 > 10)
  -> Scan on t

-- Contrast: a projection that reorders, drops or computes columns stays.
> EXPLAIN SELECT price, id, name FROM t
Project #2, #0, #1
  -> Scan on t

> EXPLAIN SELECT id, name FROM t
Project #0, #1
  -> Scan on t (columns: id, name)

> EXPLAIN SELECT id, price * 2 FROM t
Project #0, (#2 * 2)
  -> Scan on t (columns: id, price)

-- Join ordering ends with a projection back to the original column
-- order; when the joined row is already in that order it is an identity
-- and goes too.
> CREATE TABLE u (id int PRIMARY KEY, t_id int)
> EXPLAIN SELECT * FROM t JOIN u ON t.id = u.t_id
Hash Inner join on [#0] = [#1]
  -> Scan on t
  -> Scan on u
