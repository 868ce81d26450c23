-- numeric keeps PostgreSQL's digits and result scales.
SELECT 1.10 + 2.205, 1.10 * 2.205, 10.00 - 0.5;
SELECT 10 / 4.0, 1 / 3.0, 2.0 / 3;
SELECT mod(70.0, 70), mod(10, 3), mod(-10.5, 3);
SELECT round(2.5), round(-2.5), round(2.345, 2), round(1234.5, -2), trunc(2.789, 1);
SELECT ceil(1.2), floor(-1.2), abs(-3.50), sign(-2.0), sign(0);
-- differs: numeric sqrt, exp, ln, log and power compute in double precision
SELECT sqrt(2.0), exp(1.0), ln(10.0), log(100.0), power(2.0, 0.5);
-- differs: numeric holds 28 significant digits
SELECT 123456789012345678901234567890.123 + 1;
SELECT 0.1::double precision + 0.2::double precision;
SELECT 1e300::double precision * 1e300::double precision;
-- differs: numeric has no NaN or infinities
SELECT 'NaN'::numeric, 'Infinity'::double precision, '-Infinity'::numeric;
SELECT 3.0::numeric(4,1), 3.14159::numeric(5,3);
SELECT 12345.6::numeric(4,1);
SELECT sum(x), avg(x), min(x), max(x), count(x) FROM (VALUES (1.5), (2.25), (NULL)) AS t(x);
SELECT avg(x) FROM (VALUES (1), (2), (2)) AS t(x);
SELECT sum(x)::text FROM (VALUES (1::bigint), (2::bigint)) AS t(x);
SELECT 5::integer / 2::integer, 5::numeric / 2::numeric;
SELECT width_bucket(5.35, 0.024, 10.06, 5), div(9, 4), gcd(12, 18), lcm(4, 6);
SELECT factorial(5), factorial(0), factorial(20);
-- differs: the old factorial operators are a syntax error at the operator
SELECT 10!;
SELECT 1 / 3.0 * 3, 100000 / 3.0, 1.0 / 3000000, 12345678.9 / 0.001;
SELECT 7.50 % 2, mod(7, 2.00), 70.0 % 70;
SELECT round(1234.5678, -3), round(-1250, -2), round(15.5, -1), trunc(1299.99, -2), round(2.3, 3), trunc(2.3, 4);
SELECT round(5), round(2.5::double precision), round(3.5::real), trunc(7), ceil(7), floor(-7), sign(-4);
SELECT avg(x) FROM (VALUES (1), (2)) AS v(x);
SELECT avg(x) FROM (VALUES (100000), (200001)) AS v(x);
SELECT avg(x) FROM (VALUES (1.5), (2.25)) AS v(x);
SELECT width_bucket(0, 1, 10, 3), width_bucket(10, 1, 10, 3), width_bucket(5.5, 10, 0, 4), width_bucket(2.5::double precision, 0, 10, 4);
SELECT width_bucket(1, 1, 1, 3);
SELECT width_bucket(1, 0, 2, 0);
SELECT gcd(0, 0), gcd(-12, 18), lcm(0, 5), lcm(-4, 6), gcd(12::bigint, 8);
SELECT factorial(-1);
SELECT 2 ^ -1, 2.0 ^ 2 = 4, (-8) ^ 3;
SELECT 0 ^ -1;
SELECT (-8) ^ 0.5;
SELECT |/ 2, @ -2.5, @ 3::real;
SELECT scale(1.500), min_scale(1.500), trim_scale(1.500), scale(42), trim_scale(0.000), min_scale(10.10);
SELECT cot(1), sinh(1), cosh(1), tanh(1), asinh(1), acosh(2), atanh(0.5);
SELECT atanh(2);
SELECT num_nulls(1, NULL, 'a', NULL), num_nonnulls(1, NULL, 'a');
