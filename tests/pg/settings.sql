-- SET, SHOW and RESET of the settings clients send and results depend on.
SHOW TimeZone;
SET TimeZone = 'UTC';
SHOW TimeZone;
SELECT '2024-01-01 12:00:00+02'::timestamptz;
-- differs: time zones other than UTC are refused
SET TIME ZONE 'America/New_York';
-- differs: time zones other than UTC are refused
SELECT '2024-07-01 12:00:00+00'::timestamptz;
RESET TimeZone;
SHOW DateStyle;
SET DateStyle = 'ISO, MDY';
SHOW DateStyle;
SHOW extra_float_digits;
SET extra_float_digits = 3;
SHOW extra_float_digits;
RESET extra_float_digits;
SHOW search_path;
SET search_path = public;
SHOW search_path;
SHOW standard_conforming_strings;
SHOW client_encoding;
SET application_name = 'oracle';
SHOW application_name;
SELECT current_setting('application_name');
SET nosuch_setting = 1;
SHOW nosuch_setting;
SET statement_timeout = 0;
SHOW IntervalStyle;
