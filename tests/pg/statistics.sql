-- Aggregates of two variables and of bits (PostgreSQL's documentation,
-- tables 9.59 and 9.60).
CREATE TABLE pts (id int PRIMARY KEY, y double precision, x double precision, k int, b bigint);
INSERT INTO pts VALUES (1, 1.5, 1, 3, 12), (2, 3.1, 2, 5, 10), (3, 4.4, 3, NULL, 7), (4, NULL, 4, 6, NULL), (5, 9.75, 5, 1, 3), (6, 8, NULL, 2, 5);
SELECT corr(y, x), covar_pop(y, x), covar_samp(y, x), regr_count(y, x) FROM pts;
SELECT regr_avgx(y, x), regr_avgy(y, x), regr_slope(y, x), regr_intercept(y, x), regr_r2(y, x) FROM pts;
SELECT regr_sxx(y, x), regr_syy(y, x), regr_sxy(y, x) FROM pts;
SELECT corr(k, id), regr_slope(k, id), covar_samp(id, k) FROM pts;
SELECT regr_count(y, x), corr(y, x), covar_samp(y, x) FROM pts WHERE id = 1;
SELECT regr_count(y, x), regr_slope(y, x) FROM pts WHERE false;
SELECT corr(1, x), regr_r2(y, 2), regr_r2(3, x), regr_slope(y, 1) FROM pts;
SELECT id % 2 AS g, corr(y, x), regr_slope(y, x) FROM pts GROUP BY id % 2 ORDER BY g;
SELECT bit_and(k), bit_or(k), bit_xor(k), bit_and(b), bit_or(b), bit_xor(b) FROM pts;
SELECT bit_or(k) FROM pts WHERE false;
SELECT pg_typeof(bit_and(k))::text, pg_typeof(bit_or(b))::text, pg_typeof(regr_count(y, x))::text FROM pts;
SELECT bit_and(y) FROM pts;
DROP TABLE pts;
