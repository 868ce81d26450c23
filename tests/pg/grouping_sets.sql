-- GROUP BY ROLLUP, CUBE and GROUPING SETS, and GROUPING() (PostgreSQL's
-- documentation, 7.2.4).
CREATE TABLE items_sold (brand text, size text, sales integer);
INSERT INTO items_sold VALUES ('Foo', 'L', 10), ('Foo', 'M', 20), ('Bar', 'M', 15), ('Bar', 'L', 5);
SELECT brand, size, sum(sales) FROM items_sold GROUP BY GROUPING SETS ((brand), (size), ()) ORDER BY brand, size;
SELECT brand, size, sum(sales) FROM items_sold GROUP BY ROLLUP (brand, size) ORDER BY brand, size;
SELECT brand, size, sum(sales), count(*) FROM items_sold GROUP BY CUBE (brand, size) ORDER BY brand, size;
SELECT brand, size, grouping(brand), grouping(brand, size), sum(sales) FROM items_sold GROUP BY ROLLUP (brand, size) ORDER BY grouping(brand, size), brand, size;
SELECT brand, sum(sales) FROM items_sold GROUP BY brand, ROLLUP (size) HAVING sum(sales) > 10 ORDER BY brand, 2;
SELECT brand, size, sum(sales) FROM items_sold GROUP BY GROUPING SETS ((brand, size), brand) ORDER BY 1, 2;
SELECT sum(sales) FROM items_sold WHERE false GROUP BY ROLLUP (brand);
SELECT count(*) FROM items_sold WHERE false GROUP BY GROUPING SETS ((brand), ());
SELECT brand, grouping(brand) FROM items_sold GROUP BY brand ORDER BY 1;
SELECT upper(brand) AS b, sum(sales) FROM items_sold GROUP BY ROLLUP (upper(brand)) ORDER BY b;
SELECT brand, size, sum(sales) FROM items_sold GROUP BY GROUPING SETS (ROLLUP (brand), CUBE (size)) ORDER BY 1, 2, 3;
SELECT brand, rank() OVER (ORDER BY sum(sales) DESC) FROM items_sold GROUP BY ROLLUP (brand) ORDER BY 2, 1;
SELECT grouping(brand) FROM items_sold;
SELECT brand, grouping(size) FROM items_sold GROUP BY ROLLUP (brand) ORDER BY 1;
DROP TABLE items_sold;
CREATE TABLE g (a int, b int, c int, v int);
INSERT INTO g VALUES (1, 1, 1, 1), (1, 2, 1, 2), (2, 1, NULL, 3), (NULL, 1, 2, 4);
SELECT a, b, c, sum(v), grouping(a, b, c) FROM g GROUP BY CUBE (a, b, c) ORDER BY 5, 1, 2, 3;
SELECT a, b, sum(v) FROM g GROUP BY ROLLUP ((a, b)) ORDER BY 1, 2;
SELECT a, b, c, sum(v) FROM g GROUP BY a, CUBE (b, c) ORDER BY 1, 2, 3;
SELECT a, sum(v) FROM g GROUP BY GROUPING SETS (a, a, ()) ORDER BY 1, 2;
SELECT a, b, count(*) FROM g GROUP BY ROLLUP (a), ROLLUP (b) ORDER BY 1, 2;
DROP TABLE g;
