-- Grouping sets: `ROLLUP`, `CUBE` and `GROUPING SETS` aggregate the input
-- once per set, the keys a set leaves out NULL and the set's number one
-- more key, and append the results; `GROUPING(...)` reads that number.
-- A set of no keys aggregates every row into one, even over no rows.

> CREATE TABLE s (brand text, size text, sales int)
> INSERT INTO s VALUES ('Foo', 'L', 10), ('Foo', 'M', 20), ('Bar', 'M', 15)

> EXPLAIN SELECT brand, size, sum(sales), grouping(brand, size) FROM s GROUP BY ROLLUP (brand, size)
Project #0, #1, #3, CASE #2 WHEN 0 THEN 0 WHEN 1 THEN 1 WHEN 2 THEN 3 END
  -> Union all
    -> Union all
      -> Aggregate group by [#0, #1, 0] compute [sum(#2)]
        -> Scan on s
      -> Aggregate group by [#0, NULL, 1] compute [sum(#2)]
        -> Scan on s (columns: brand, sales)
    -> Project NULL, NULL, 2, #0
      -> Aggregate group by [] compute [sum(#2)]
        -> Scan on s (columns: sales)

> SELECT brand, size, sum(sales), grouping(brand, size) FROM s GROUP BY ROLLUP (brand, size) ORDER BY 4, 1, 2
Bar, M, 15, 0
Foo, L, 10, 0
Foo, M, 20, 0
Bar, NULL, 15, 1
Foo, NULL, 30, 1
NULL, NULL, 45, 3

> SELECT count(*) FROM s WHERE false GROUP BY CUBE (brand)
0
