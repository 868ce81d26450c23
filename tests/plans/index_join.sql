-- Index joins: an inner equi-join whose right side is a table with an
-- index led by the join keys looks each left row up in that index
-- ("Index Inner join looking up [...]"), when the left side is small
-- enough that the lookups cost less than reading the right table (the
-- counts come from the trees). Otherwise the hash join stays.

> CREATE TABLE big (id int PRIMARY KEY, name text, grp int)
> CREATE INDEX big_name ON big (name)
> INSERT INTO big WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 1000) SELECT n, 'n' || n, n % 10 FROM g
> CREATE TABLE few (k int PRIMARY KEY, label text)
> INSERT INTO few VALUES (3, 'three'), (500, 'five hundred'), (2000, 'none')

> EXPLAIN SELECT few.label, big.name FROM few JOIN big ON big.id = few.k
Project #1, #3
  -> Index Inner join looking up [#0]
    -> Scan on few
    -> Scan on big by primary key (id = each left row's key) (columns: name)

> SELECT few.label, big.name FROM few JOIN big ON big.id = few.k ORDER BY few.k
three, n3
five hundred, n500

-- Through a secondary index, with the rest of the row looked up.
> EXPLAIN SELECT few.k, big.id FROM few JOIN big ON big.name = few.label
Project #0, #2
  -> Index Inner join looking up [#1]
    -> Scan on few
    -> Index-only scan on big using big_name (name = each left row's key) (columns: id)

> INSERT INTO few VALUES (7, 'n7')
> SELECT few.k, big.id, big.grp FROM few JOIN big ON big.name = few.label
7, 7, 7

-- A filter on the looked-up side stays with it; a key pair the index
-- does not use stays as a condition.
> EXPLAIN SELECT * FROM few JOIN big ON big.id = few.k AND big.grp = few.k WHERE big.name <> 'x'
Index Inner join looking up [#0] and (#0 = #4)
  -> Scan on few
  -> Filter (#1 <> x)
    -> Scan on big by primary key (id = each left row's key)

> SELECT few.k, big.grp FROM few JOIN big ON big.id = few.k AND big.grp = few.k WHERE big.name <> 'x'
3, 3
7, 7

-- Contrast: both sides large, or no index led by the right keys.
> EXPLAIN SELECT count(*) FROM big a JOIN big b ON a.id = b.id
Aggregate group by [] compute [count()]
  -> Hash Inner join on [#0] = [#0]
    -> Scan on big (columns: id)
    -> Scan on big (columns: id)

> EXPLAIN SELECT count(*) FROM few JOIN big ON big.grp = few.k
Aggregate group by [] compute [count()]
  -> Hash Inner join on [#0] = [#2]
    -> Scan on few (columns: k)
    -> Scan on big (columns: grp)
