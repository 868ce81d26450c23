-- Key ranges: a filter on a table scan comparing the first primary-key
-- column with a constant narrows the scan to the matching range of keys
-- ("(primary key range: ...)", its bounds as the scan reads them: on an
-- integer key `id > 3` reads from 4). A term the range captures exactly
-- leaves the filter; any other term stays.

> CREATE TABLE t (id int PRIMARY KEY, name text)

-- Equality and each comparison: the range is exact, the filter goes.
> EXPLAIN SELECT * FROM t WHERE id = 3
Scan on t (primary key range: id = 3)

> EXPLAIN SELECT * FROM t WHERE id > 3
Scan on t (primary key range: id >= 4)

> EXPLAIN SELECT * FROM t WHERE id >= 3
Scan on t (primary key range: id >= 3)

> EXPLAIN SELECT * FROM t WHERE id < 3
Scan on t (primary key range: id < 3)

> EXPLAIN SELECT * FROM t WHERE id <= 3
Scan on t (primary key range: id < 4)

> EXPLAIN SELECT * FROM t WHERE 3 < id
Scan on t (primary key range: id >= 4)

> EXPLAIN SELECT * FROM t WHERE id >= 3 AND id < 10
Scan on t (primary key range: id >= 3 AND id < 10)

> EXPLAIN SELECT * FROM t WHERE id BETWEEN 3 AND 10
Scan on t (primary key range: id >= 3 AND id < 11)

-- Other terms stay as a filter over the narrowed scan.
> EXPLAIN SELECT * FROM t WHERE id > 3 AND name = 'x'
Filter (#1 = x)
  -> Scan on t (primary key range: id >= 4)

-- IN narrows to the least..greatest range, but the list is not every key
-- in it, so the term stays too.
> EXPLAIN SELECT * FROM t WHERE id IN (5, 1, 9)
Filter (#0 IN (5, 1, 9))
  -> Scan on t (primary key range: id >= 1 AND id < 10)

-- Contrast: no range for a column outside the primary key, a computed
-- key, an OR, a NOT BETWEEN, or a constant the key column's type cannot
-- hold exactly.
> EXPLAIN SELECT * FROM t WHERE name = 'x'
Filter (#1 = x)
  -> Scan on t

> EXPLAIN SELECT * FROM t WHERE id + 1 = 3
Filter ((#0 + 1) = 3)
  -> Scan on t

> EXPLAIN SELECT * FROM t WHERE id = 3 OR id = 5
Filter ((#0 = 3) OR (#0 = 5))
  -> Scan on t

> EXPLAIN SELECT * FROM t WHERE id NOT BETWEEN 3 AND 10
Filter (#0 NOT BETWEEN 3 AND 10)
  -> Scan on t

> EXPLAIN SELECT * FROM t WHERE id = 2.5
Filter (#0 = 2.5)
  -> Scan on t

-- Only the first column of a composite key makes a range.
> CREATE TABLE pair (a int, b int, v text, PRIMARY KEY (a, b))
> EXPLAIN SELECT * FROM pair WHERE a = 1
Scan on pair (primary key range: a = 1)

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
