-- Changes and constraints, and the SQLSTATEs of their failures.
CREATE TABLE item (id serial PRIMARY KEY, name text NOT NULL UNIQUE, qty integer CHECK (qty >= 0) DEFAULT 0);
INSERT INTO item (name, qty) VALUES ('a', 1), ('b', 2);
INSERT INTO item (name) VALUES ('c') RETURNING id, name, qty;
INSERT INTO item (name, qty) VALUES ('a', 5);
-- differs: a failed INSERT gives back the serial values it drew
INSERT INTO item (name, qty) VALUES ('d', -1);
-- differs: a failed INSERT gives back the serial values it drew
INSERT INTO item (name) VALUES (NULL);
INSERT INTO item (name, qty) VALUES ('a', 9) ON CONFLICT (name) DO UPDATE SET qty = excluded.qty RETURNING name, qty;
INSERT INTO item (name, qty) VALUES ('b', 9) ON CONFLICT DO NOTHING;
UPDATE item SET qty = qty + 1 WHERE name IN ('a', 'b') RETURNING name, qty;
UPDATE item SET qty = -5 WHERE name = 'c';
DELETE FROM item WHERE qty > 5 RETURNING name;
SELECT name, qty FROM item ORDER BY name;
UPDATE item SET name = 'c' WHERE name = 'b';
DELETE FROM item;
SELECT count(*) FROM item;
INSERT INTO item (name) VALUES ('after');
-- differs: a failed INSERT gives back the serial values it drew
SELECT id, name FROM item;
CREATE TABLE item (id integer);
CREATE TABLE IF NOT EXISTS item (id integer);
DROP TABLE nosuch;
DROP TABLE IF EXISTS nosuch;
ALTER TABLE item ADD COLUMN note text DEFAULT 'none';
SELECT name, note FROM item;
ALTER TABLE item DROP COLUMN note;
ALTER TABLE item RENAME COLUMN qty TO amount;
SELECT name, amount FROM item;
ALTER TABLE item RENAME TO things;
SELECT count(*) FROM things;
CREATE TABLE pair (a integer, b integer, PRIMARY KEY (a, b));
INSERT INTO pair VALUES (1, 1), (1, 2), (2, 1);
INSERT INTO pair VALUES (1, 1);
SELECT * FROM pair WHERE a = 1 ORDER BY b;
BEGIN;
INSERT INTO pair VALUES (3, 3);
ROLLBACK;
SELECT count(*) FROM pair;
BEGIN;
INSERT INTO pair VALUES (4, 4);
COMMIT;
SELECT count(*) FROM pair;
CREATE VIEW big AS SELECT a FROM pair WHERE b > 1;
SELECT * FROM big;
CREATE SEQUENCE s START 5 INCREMENT 5;
SELECT nextval('s'), nextval('s'), currval('s');
SELECT setval('s', 100), nextval('s');
CREATE TABLE cte_target (id integer PRIMARY KEY, v text);
WITH src(id, v) AS (VALUES (1, 'one'), (2, 'two')) INSERT INTO cte_target SELECT id, v FROM src RETURNING id, v;
WITH RECURSIVE g(n) AS (SELECT 3 UNION ALL SELECT n + 1 FROM g WHERE n < 5) INSERT INTO cte_target SELECT n, 'g' || n FROM g;
WITH doomed AS (SELECT id FROM cte_target WHERE v LIKE 'g%' AND id > 3) DELETE FROM cte_target WHERE id IN (SELECT id FROM doomed) RETURNING id;
WITH r AS (SELECT 1 AS id, 'uno' AS v) UPDATE cte_target t SET v = r.v FROM r WHERE t.id = r.id RETURNING t.id, t.v;
SELECT * FROM cte_target ORDER BY id;
-- differs: data-modifying statements in WITH are refused
WITH d AS (DELETE FROM cte_target WHERE id = 3 RETURNING *) SELECT count(*) FROM d;
