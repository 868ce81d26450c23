-- Hash-join keys: when join ordering joins an input, each equality between
-- a column (or expression) of the rows joined so far and one of the new
-- input becomes a key of a hash join; other terms over both sides stay as
-- its extra condition. The keys are numbered within each side's own row:
-- `[#1] = [#1]` is l's column 1 against r's column 1.

> CREATE TABLE l (id int PRIMARY KEY, k1 int, k2 int, v int)
> CREATE TABLE r (id int PRIMARY KEY, k1 int, k2 int, w int)

-- One key, from ON or from WHERE alike.
> EXPLAIN SELECT * FROM l JOIN r ON l.k1 = r.k1
Hash Inner join on [#1] = [#1]
  -> Scan on l
  -> Scan on r

> EXPLAIN SELECT * FROM l, r WHERE r.k1 = l.k1
Hash Inner join on [#1] = [#1]
  -> Scan on l
  -> Scan on r

-- Two keys, and an expression on each side.
> EXPLAIN SELECT * FROM l JOIN r ON l.k1 = r.k1 AND l.k2 = r.k2
Hash Inner join on [#1, #2] = [#1, #2]
  -> Scan on l
  -> Scan on r

> EXPLAIN SELECT * FROM l JOIN r ON l.k1 + 1 = r.k2 * 2
Hash Inner join on [(#1 + 1)] = [(#2 * 2)]
  -> Scan on l
  -> Scan on r

-- A key with a residual condition over both sides.
> EXPLAIN SELECT * FROM l JOIN r ON l.k1 = r.k1 AND l.v < r.w
Hash Inner join on [#1] = [#1] and (#3 < #7)
  -> Scan on l
  -> Scan on r

-- Contrast: no equality, an equality reading both sides on one side of
-- the `=`, and an outer join all stay nested-loop joins.
> EXPLAIN SELECT * FROM l JOIN r ON l.v < r.w
Nested loop Inner join on (#3 < #7)
  -> Scan on l
  -> Scan on r

> EXPLAIN SELECT * FROM l JOIN r ON l.k1 + r.k1 = 3
Nested loop Inner join on ((#1 + #5) = 3)
  -> Scan on l
  -> Scan on r

> EXPLAIN SELECT * FROM l LEFT JOIN r ON l.k1 = r.k1
Nested loop Left join on (#1 = #5)
  -> Scan on l
  -> Scan on r
