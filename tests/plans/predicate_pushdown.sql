-- Predicate pushdown: each AND-ed term of a WHERE clause moves to the
-- lowest place where every column it reads is available: a filter on one
-- table, or the condition of the join that covers it.

> CREATE TABLE customers (id int PRIMARY KEY, name text, country text)
> CREATE TABLE orders (id int PRIMARY KEY, customer_id int, total int)
> INSERT INTO customers VALUES (1, 'a', 'NL'), (2, 'b', 'DE'), (7, 'c', 'NL')
> INSERT INTO orders VALUES (1, 1, 50), (2, 7, 150), (3, 7, 250), (4, 2, 90)

-- Terms on one table filter that table, below the join; the equality
-- over both tables goes to the join (as its hash key, see hash_join.sql).
> EXPLAIN SELECT c.name, o.total FROM customers c, orders o WHERE c.id = o.customer_id AND c.country = 'NL' AND o.total > 100
Project #1, #5
  -> Hash Inner join on [#0] = [#1]
    -> Filter (#2 = NL)
      -> Scan on customers
    -> Filter (#2 > 100)
      -> Scan on orders (columns: customer_id, total)

-- A pushed-down term on the primary key then becomes a key range.
> EXPLAIN SELECT c.name, o.total FROM customers c, orders o WHERE c.id = o.customer_id AND c.id = 7
Project #1, #5
  -> Hash Inner join on [#0] = [#1]
    -> Scan on customers by primary key (id = 7) (~1 row) (columns: id, name)
    -> Scan on orders (columns: customer_id, total)

-- A term that reads both tables but is no equality becomes the join's
-- condition.
> EXPLAIN SELECT c.name, o.total FROM customers c, orders o WHERE o.total > c.id
Project #1, #5
  -> Nested loop Inner join on (#5 > #0)
    -> Scan on customers (columns: id, name)
    -> Scan on orders (columns: total)

-- Contrast: a term with a subquery stays above the join.
> EXPLAIN SELECT c.name FROM customers c, orders o WHERE c.id = o.customer_id AND o.total > (SELECT avg(total) FROM orders)
Project #1
  -> Filter (#5 > (subquery))
    -> Hash Inner join on [#0] = [#1]
      -> Scan on customers
      -> Scan on orders

-- Contrast: a WHERE over a LEFT JOIN is not moved into it.
> EXPLAIN SELECT c.name FROM customers c LEFT JOIN orders o ON c.id = o.customer_id WHERE o.total > 100
Project #1
  -> Filter (#5 > 100)
    -> Nested loop Left join on (#0 = #4)
      -> Scan on customers (columns: id, name)
      -> Scan on orders (columns: customer_id, total)
