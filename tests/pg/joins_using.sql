-- JOIN ... USING and NATURAL JOIN: the merged column first, answering to
-- the plain name; each side's column by its qualified name.
CREATE TABLE a (id integer, x text, k integer);
CREATE TABLE b (id integer, y text, k integer);
CREATE TABLE c (id integer, z text);
INSERT INTO a VALUES (1, 'a1', 10), (2, 'a2', 20), (3, 'a3', NULL);
INSERT INTO b VALUES (2, 'b2', 20), (3, 'b3', 30), (4, 'b4', 40);
INSERT INTO c VALUES (2, 'c2'), (4, 'c4');
SELECT * FROM a JOIN b USING (id) ORDER BY id;
SELECT * FROM a LEFT JOIN b USING (id) ORDER BY id;
SELECT * FROM a RIGHT JOIN b USING (id) ORDER BY id;
SELECT * FROM a FULL JOIN b USING (id) ORDER BY id;
SELECT id, a.id, b.id FROM a FULL JOIN b USING (id) ORDER BY 1;
SELECT * FROM a JOIN b USING (id, k) ORDER BY id;
SELECT * FROM a NATURAL JOIN b ORDER BY id;
SELECT * FROM a NATURAL LEFT JOIN b ORDER BY id;
SELECT a.*, y FROM a JOIN b USING (id) ORDER BY a.id;
SELECT * FROM a JOIN b USING (id) JOIN c USING (id);
SELECT id, x, y, z FROM a FULL JOIN b USING (id) FULL JOIN c USING (id) ORDER BY id;
SELECT count(*) FROM a NATURAL JOIN c;
SELECT * FROM a JOIN b USING (nosuch);
SELECT * FROM a JOIN c USING (x);
SELECT k FROM a JOIN b USING (id);
SELECT x FROM a NATURAL JOIN (SELECT 1 AS other) s ORDER BY x;
