-- Arrays (PostgreSQL's documentation, 8.15 and 9.19): literals,
-- constructors, subscripts, operators and functions, one-dimensional.
SELECT ARRAY[1, 2, 3], '{1,2,3}'::int[], ARRAY['a', NULL, 'c'], '{}'::text[], ARRAY[1.5, 2];
SELECT (ARRAY[10, 20, 30])[2], (ARRAY[10, 20, 30])[5], (ARRAY[10, 20, 30])[2:3], (ARRAY[10, 20, 30])[:2];
SELECT ARRAY[1, 2] || ARRAY[3], ARRAY[1, 2] || 3, 0 || ARRAY[1, 2], ARRAY[1, 2] = ARRAY[1, 2], ARRAY[1, 2] < ARRAY[1, 3];
SELECT ARRAY[1, 2, 3] @> ARRAY[2], ARRAY[1] <@ ARRAY[1, 2], ARRAY[1, 2] && ARRAY[2, 5], ARRAY[1, 2] && ARRAY[7];
SELECT 2 = ANY (ARRAY[1, 2]), 3 = ANY ('{1,2}'::int[]), 1 < ALL (ARRAY[2, 3]), NULL = ANY (ARRAY[1]), 1 = ANY (ARRAY[NULL, 1]);
SELECT array_length(ARRAY[1, 2, 3], 1), array_length('{}'::int[], 1), cardinality(ARRAY[1, 2]), array_upper(ARRAY[5, 6], 1), array_lower(ARRAY[5, 6], 1), array_ndims(ARRAY[1]);
SELECT array_append(ARRAY[1], 2), array_prepend(0, ARRAY[1]), array_cat(ARRAY[1], ARRAY[2, 3]), array_remove(ARRAY[1, 2, 1], 1);
SELECT array_position(ARRAY['a', 'b', 'a'], 'a'), array_position(ARRAY['a'], 'z'), array_positions(ARRAY[1, 2, 1], 1), array_positions(ARRAY[1], 5);
SELECT array_to_string(ARRAY[1, NULL, 3], ','), array_to_string(ARRAY[1, NULL, 3], ',', '*'), string_to_array('a,b,,c', ','), string_to_array('a,b,x', ',', 'x');
SELECT array_dims(ARRAY[1, 2, 3]), array_dims('{}'::int[]), trim_array(ARRAY[1, 2, 3], 1), trim_array(ARRAY[1, 2], 2);
SELECT trim_array(ARRAY[1, 2], 3);
SELECT array_replace(ARRAY[1, 2, 1], 1, 9), array_replace(ARRAY[1, NULL, 3], NULL, 0), array_replace(NULL::int[], 1, 2);
SELECT array_fill(7, ARRAY[3]), array_fill(NULL::int, ARRAY[2]), array_fill('x'::text, ARRAY[0]);
SELECT array_fill(1, NULL);
SELECT * FROM string_to_table('a,b,,c', ',');
SELECT * FROM string_to_table('a-x-b', '-', 'x');
SELECT unnest(ARRAY[1, 2, 3]) AS u;
SELECT * FROM unnest(ARRAY['x', 'y']) WITH ORDINALITY AS t(v, n);
SELECT array_agg(x ORDER BY x DESC), array_agg(DISTINCT x % 2) FROM generate_series(1, 4) x;
SELECT array_agg(x) FILTER (WHERE x > 2) FROM generate_series(1, 4) x;
SELECT ARRAY(SELECT x * 2 FROM generate_series(1, 3) x), ARRAY(SELECT 1 WHERE false);
SELECT to_jsonb(ARRAY[1, 2]), to_jsonb(ARRAY['a', NULL]), array_to_string(ARRAY['a', 'b'], '');
SELECT pg_typeof(ARRAY[1, 2])::text, pg_typeof(ARRAY['a'])::text, pg_typeof(array_agg(1.5))::text;
SELECT ARRAY[1, NULL] @> ARRAY[NULL::int], ARRAY[1, 2] <@ ARRAY[2, 1, 3], '{}'::int[] <@ ARRAY[1], ARRAY[NULL::int] && ARRAY[NULL::int];
SELECT (ARRAY['a', 'b', 'c'])[0:1], (ARRAY['a', 'b', 'c'])[3:2], (ARRAY['a', 'b', 'c'])[2:], (ARRAY['a', 'b'])[NULL:1];
SELECT string_agg(DISTINCT x, ',') , jsonb_agg(DISTINCT x) FROM (VALUES ('b'), ('a'), ('b'), ('c')) v(x);
SELECT to_jsonb(timestamp '2024-01-01 10:00:00.5'), to_jsonb(timestamptz '2024-01-01 10:00+00'), to_jsonb(date '2024-01-01'), to_jsonb(time '10:00'), to_jsonb(interval '1 day');
SELECT jsonb_build_array(timestamp '2024-01-01 10:00'), to_jsonb(ARRAY[timestamp '2024-01-01']), jsonb_build_object('t', timestamptz '2024-01-01 10:00+00');
-- differs: columns of array types are refused
CREATE TABLE arr (id int PRIMARY KEY, tags text[]);
