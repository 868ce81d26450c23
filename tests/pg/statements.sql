-- CREATE TABLE AS, SELECT INTO, TRUNCATE, VACUUM, ANALYZE, and what is
-- refused until it is built.
CREATE TABLE src (id integer PRIMARY KEY, name text, price numeric(8,2), at date);
INSERT INTO src VALUES (1, 'a', 1.50, '2024-01-01'), (2, 'b', NULL, NULL), (3, NULL, 3.25, '2024-03-01');
CREATE TABLE copy1 AS SELECT id, name, price * 2 AS double_price, at FROM src WHERE id < 3;
SELECT * FROM copy1 ORDER BY id;
SELECT column_name::text, data_type::text FROM information_schema.columns WHERE table_name = 'copy1' ORDER BY ordinal_position;
-- differs: CREATE TABLE name (columns) AS does not parse
CREATE TABLE copy2 (x, y) AS SELECT id, name FROM src;
DROP TABLE IF EXISTS copy2;
CREATE TABLE copy2 AS SELECT id AS x, name AS y FROM src;
SELECT x, y FROM copy2 ORDER BY x;
CREATE TABLE IF NOT EXISTS copy2 AS SELECT 1 AS z;
CREATE TABLE copy2 AS SELECT 1 AS z;
CREATE TABLE bad AS SELECT 1 / 0 AS z;
SELECT count(*) FROM information_schema.tables WHERE table_name = 'bad';
SELECT id, upper(name) AS up INTO copy3 FROM src WHERE name IS NOT NULL;
SELECT * FROM copy3 ORDER BY id;
CREATE TABLE copy4 AS SELECT NULL AS n, 'text' AS t, 1 + 1 AS two;
SELECT n, t, two FROM copy4;
CREATE TABLE parent (id integer PRIMARY KEY);
CREATE TABLE child (id integer PRIMARY KEY, parent_id integer REFERENCES parent (id));
INSERT INTO parent VALUES (1), (2);
INSERT INTO child VALUES (10, 1), (11, 2);
TRUNCATE parent;
TRUNCATE child;
SELECT count(*) FROM child;
INSERT INTO child VALUES (12, 1);
TRUNCATE parent, child;
SELECT (SELECT count(*) FROM parent), (SELECT count(*) FROM child);
INSERT INTO parent VALUES (1);
INSERT INTO child VALUES (13, 1);
TRUNCATE TABLE parent CASCADE;
SELECT (SELECT count(*) FROM parent), (SELECT count(*) FROM child);
TRUNCATE nosuch;
TRUNCATE src;
SELECT count(*) FROM src;
VACUUM;
ANALYZE;
ANALYZE copy1;
-- differs: INHERITS and partitioning are refused until built
CREATE TABLE kid (extra text) INHERITS (src);
-- differs: INHERITS and partitioning are refused until built
CREATE TABLE measurements (at date, v integer) PARTITION BY RANGE (at);
CREATE TABLE p2 (id integer PRIMARY KEY);
CREATE TABLE c2 (id integer PRIMARY KEY, p integer REFERENCES p2 (id));
INSERT INTO p2 VALUES (1);
INSERT INTO c2 VALUES (1, 1);
DROP TABLE p2;
DROP TABLE p2 RESTRICT;
DROP TABLE p2 CASCADE;
INSERT INTO c2 VALUES (2, 99);
SELECT * FROM c2 ORDER BY id;
SELECT count(*) FROM information_schema.table_constraints WHERE table_name = 'c2' AND constraint_type = 'FOREIGN KEY';
CREATE TABLE ix (id integer PRIMARY KEY, a text COLLATE "C", b integer, c text);
CREATE INDEX ON ix (a);
CREATE INDEX ON ix (a);
CREATE UNIQUE INDEX ON ix (b, a);
CREATE INDEX ix_b_inc ON ix (b) INCLUDE (c);
CREATE INDEX ix_b_bad ON ix (b) INCLUDE (nosuch);
SELECT indexname::text FROM pg_indexes WHERE tablename = 'ix' ORDER BY 1;
INSERT INTO ix VALUES (1, 'b', 1, 'x'), (2, 'a', 2, 'y'), (3, 'c', NULL, 'z');
SELECT id FROM ix ORDER BY a USING >;
SELECT id FROM ix ORDER BY b USING < NULLS FIRST;
SELECT id FROM ix ORDER BY a USING ~~;
CREATE TABLE ix_bad (x integer COLLATE "C");
CREATE TABLE ix_bad (x text COLLATE "no_such_collation");
-- differs: partial indexes are refused
CREATE INDEX ix_part ON ix (b) WHERE b > 1;
