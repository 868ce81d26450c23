-- jsonb operators and functions; dates and times.
SELECT '{"a": {"b": [1, 2, {"c": "x"}]}}'::jsonb -> 'a' -> 'b' -> 2 ->> 'c';
SELECT '{"a": 1}'::jsonb ->> 'a', '{"a": 1}'::jsonb -> 'missing', '[1, 2, 3]'::jsonb -> -1;
SELECT '{"a": {"b": 5}}'::jsonb #> '{a,b}', '{"a": {"b": 5}}'::jsonb #>> '{a,b}';
SELECT '{"a": 1, "b": 2}'::jsonb @> '{"a": 1}', '{"a": 1}'::jsonb <@ '{"a": 1, "b": 2}';
SELECT '{"a": 1}'::jsonb ? 'a', '{"a": 1, "b": 2}'::jsonb ?| array['b', 'c'], '{"a": 1, "b": 2}'::jsonb ?& array['a', 'c'];
SELECT '{"a": 1}'::jsonb || '{"b": 2}'::jsonb, '{"a": 1, "b": 2}'::jsonb - 'a', '[1, 2, 3]'::jsonb - 1;
SELECT jsonb_typeof('1'::jsonb), jsonb_typeof('"x"'), jsonb_typeof('null'), jsonb_array_length('[1, 2]');
SELECT jsonb_build_object('a', 1, 'b', 'x'), jsonb_build_array(1, 'two', NULL);
SELECT jsonb_set('{"a": 1}'::jsonb, '{b}', '2'), jsonb_strip_nulls('{"a": null, "b": 1}');
SELECT to_jsonb('text'::text), to_jsonb(42), jsonb_pretty('{"a": 1}');
SELECT key, value FROM jsonb_each('{"a": 1, "b": "x"}') ORDER BY key;
SELECT jsonb_object_keys('{"b": 1, "a": 2}');
SELECT value FROM jsonb_array_elements('[1, "a", null]');
-- differs: jsonb syntax errors say where, in their own words
SELECT '{"a": 1'::jsonb;
SELECT date '2024-02-28' + 2, date '2024-03-01' - date '2024-02-01';
SELECT extract(year FROM date '2024-02-29'), extract(dow FROM date '2024-02-29'), date_part('month', timestamp '2024-02-29 10:00:00');
SELECT date_trunc('month', timestamp '2024-02-29 10:11:12'), date_trunc('hour', timestamp '2024-02-29 10:11:12');
-- differs: no interval type
SELECT timestamp '2024-02-29 10:00:00' + interval '1 day 2 hours';
-- differs: no interval type
SELECT age(timestamp '2024-03-01', timestamp '2023-01-15');
SELECT make_date(2024, 2, 29), make_time(10, 11, 12.5);
SELECT to_char(timestamp '2024-02-29 13:05:09', 'YYYY-MM-DD HH24:MI:SS'), to_char(1234.5, '9999.99');
SELECT '2024-02-30'::date;
SELECT date '2024-01-31' < date '2024-02-01', timestamp '2024-01-31' = date '2024-01-31';
SELECT key, value FROM jsonb_each_text('{"a": 1, "b": null, "c": "x"}') ORDER BY key;
SELECT t.key, t.value FROM jsonb_each('{"k": [1, 2]}') AS t;
SELECT value FROM jsonb_array_elements_text('["a", 1, null, {"b": 2}]');
SELECT elem FROM jsonb_array_elements('[3, 4]') AS elem;
SELECT k FROM jsonb_object_keys('{"zz": 1, "a": 2, "bb": 3}') AS k;
SELECT jsonb_object_keys('[1]');
SELECT * FROM jsonb_array_elements('{"a": 1}');
SELECT count(*) FROM jsonb_array_elements('[]');
SELECT to_char(timestamp '2024-03-05 07:08:09.123456', 'YYYY YYY YY Y MM DD DDD HH HH12 HH24 MI SS MS US');
SELECT to_char(timestamp '2024-03-05 17:08:09', 'Day DY dy Month MON mon AM pm Q CC J D ID IW WW W');
SELECT to_char(date '2024-02-29', 'FMDay, FMDD FMMonth YYYY'), to_char(date '2024-01-01', 'DDth "of" Month'), to_char(date '2024-01-22', 'FMDDTH');
SELECT to_char(timestamptz '2024-06-01 00:00:00+00', 'YYYY-MM-DD"T"HH24:MI:SS TZ'), to_char(time '13:45:00', 'HH12:MI AM');
SELECT to_char(1234.5, '9999.99'), to_char(-5, '999'), to_char(5, '000'), to_char(0.5, '9.99'), to_char(0.5, '0.99'), to_char(-0.5, '9.99');
SELECT to_char(1234567.891, '9,999,999.99'), to_char(42, 'FM999'), to_char(3.14159, 'FM9.000'), to_char(12345, '999'), to_char(-12, 'S999'), to_char(12, '999MI'), to_char(-12, '999MI');
SELECT to_char(0, '999'), to_char(0, '9.9'), to_char(7, 'FM0000'), to_char(1.005, '9.99'), to_char(125, '99D9');
SELECT to_date('2024-03-05', 'YYYY-MM-DD'), to_date('05 Mar 2024', 'DD Mon YYYY'), to_date('20240305', 'YYYYMMDD'), to_date('2024 060', 'YYYY DDD');
SELECT to_timestamp('2024-03-05 17:08:09', 'YYYY-MM-DD HH24:MI:SS'), to_timestamp('5/3/24 7:08 PM', 'DD/MM/YY HH12:MI AM'), to_timestamp('March 5, 2024', 'Month DD, YYYY');
SELECT to_date('2024-3-5', 'YYYY-MM-DD'), to_date(NULL, 'YYYY-MM-DD'), to_timestamp('2024-01-01 00:00:00.250', 'YYYY-MM-DD HH24:MI:SS.MS');
SELECT to_date('2024-02-30', 'YYYY-MM-DD');
SELECT to_date('2024-ab-01', 'YYYY-MM-DD');
