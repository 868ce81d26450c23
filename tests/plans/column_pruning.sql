-- Column pruning: each node tells its input which columns it reads, so a
-- scan decodes only those (the others read as NULL, which nothing above
-- looks at). A scan that decodes fewer than all of its table's columns
-- names the ones it decodes: "(columns: ...)".

> CREATE TABLE t (id int PRIMARY KEY, name text, price int, note text)
> CREATE TABLE u (id int PRIMARY KEY, t_id int, qty int)

-- A projection reads only its columns.
> EXPLAIN SELECT name FROM t
Project #1
  -> Scan on t (columns: name)

-- A filter's columns are decoded too, whether the filter sits above the
-- scan or in it; so are sort keys and grouping and aggregate arguments.
> EXPLAIN SELECT id FROM t WHERE price > 10
Project #0
  -> Filter (#2 > 10)
    -> Scan on t (columns: id, price)

> EXPLAIN SELECT name FROM t ORDER BY price DESC
Project #0
  -> Sort by #1 DESC
    -> Project #1, #2
      -> Scan on t (columns: name, price)

> EXPLAIN SELECT name, sum(price) FROM t GROUP BY name
Aggregate group by [#1] compute [sum(#2)]
  -> Scan on t (columns: name, price)

-- count(*) reads no column at all.
> EXPLAIN SELECT count(*) FROM t
Aggregate group by [] compute [count()] (counted in the tree)
  -> Scan on t (no columns)

-- A join reads its keys from each side, and what is selected.
> EXPLAIN SELECT t.name, u.qty FROM t JOIN u ON t.id = u.t_id
Project #1, #6
  -> Hash Inner join on [#0] = [#1]
    -> Scan on t (columns: id, name)
    -> Scan on u (columns: t_id, qty)

-- With a key range, the scan shows both.
> EXPLAIN SELECT name FROM t WHERE id = 3
Project #1
  -> Scan on t by primary key (id = 3) (~1 row) (columns: name)

-- Contrast: a scan that decodes every column names none: SELECT *, every
-- column in another order, or a filter with a subquery (which may read
-- any column of the row through its outer references).
> EXPLAIN SELECT * FROM t
Scan on t

> EXPLAIN SELECT note, price, name, id FROM t
Project #3, #2, #1, #0
  -> Scan on t

> EXPLAIN SELECT id FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.t_id = t.id)
Project #0
  -> Filter EXISTS(subquery)
    -> Scan on t
