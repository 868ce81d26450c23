-- Join ordering: a tree of inner joins is flattened into its inputs and
-- terms, then rebuilt greedily: start from an input with a filter of its
-- own, and keep joining an input linked by an equality to those already
-- joined. A final projection restores the original column order.

> CREATE TABLE a (id int PRIMARY KEY, x int)
> CREATE TABLE b (id int PRIMARY KEY, a_id int, c_id int)
> CREATE TABLE c (id int PRIMARY KEY, y int)

-- The only filtered input, c, comes first; then b (linked to c), then a
-- (linked to b). The projection puts a's, b's and c's columns back.
> EXPLAIN SELECT * FROM a, b, c WHERE a.id = b.a_id AND b.c_id = c.id AND c.y = 5
Project #5, #6, #2, #3, #4, #0, #1
  -> Hash Inner join on [#3] = [#0]
    -> Hash Inner join on [#0] = [#2]
      -> Filter (#1 = 5)
        -> Scan on c
      -> Scan on b
    -> Scan on a

-- The same query written with JOIN ... ON gives the same plan.
> EXPLAIN SELECT * FROM a JOIN b ON a.id = b.a_id JOIN c ON b.c_id = c.id WHERE c.y = 5
Project #5, #6, #2, #3, #4, #0, #1
  -> Hash Inner join on [#3] = [#0]
    -> Hash Inner join on [#0] = [#2]
      -> Filter (#1 = 5)
        -> Scan on c
      -> Scan on b
    -> Scan on a

-- Without a filter the first input written starts, and an input linked to
-- the rows joined so far comes next: b, written last, is joined second
-- (linked to a), then c (linked to b); a and c are never cross-joined.
> EXPLAIN SELECT * FROM a, c, b WHERE a.id = b.a_id AND b.c_id = c.id
Project #0, #1, #5, #6, #2, #3, #4
  -> Hash Inner join on [#4] = [#0]
    -> Hash Inner join on [#0] = [#1]
      -> Scan on a
      -> Scan on b
    -> Scan on c

-- Contrast: inputs with no equality between them are joined in the order
-- written, as a nested-loop cross join.
> EXPLAIN SELECT * FROM a, c
Nested loop Inner join
  -> Scan on a
  -> Scan on c
