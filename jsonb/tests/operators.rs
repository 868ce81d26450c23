//! PostgreSQL's jsonb operators and functions, checked against the examples
//! in PostgreSQL 16's documentation ("JSON Functions and Operators" and
//! "jsonb Containment and Existence") plus the edge cases around them.
//!
//! Each case is the SQL it stands for and the text psql prints for it:
//! booleans as `t`/`f`, SQL NULL as `NULL`, set-returning functions one row
//! a line (composite rows as `(key,value)`), errors as `ERROR:  message`.

#![allow(clippy::unwrap_used)]

use arbor_jsonb::ops::*;
use arbor_jsonb::{Jsonb, JsonbError};

fn j(s: &str) -> Jsonb {
    Jsonb::parse(s).unwrap()
}

fn b(v: bool) -> String {
    if v { "t" } else { "f" }.to_string()
}

fn opt(v: Option<Jsonb>) -> String {
    v.map_or("NULL".to_string(), |v| v.to_string())
}

fn text(v: Option<String>) -> String {
    v.unwrap_or_else(|| "NULL".to_string())
}

fn res<T>(r: Result<T, JsonbError>, show: impl Fn(T) -> String) -> String {
    match r {
        Ok(v) => show(v),
        Err(JsonbError::Invalid {
            message,
            hint: Some(hint),
        }) => format!("ERROR:  {message}\nHINT:  {hint}"),
        Err(e) => format!("ERROR:  {e}"),
    }
}

fn doc(r: Result<Jsonb, JsonbError>) -> String {
    res(r, |v| v.to_string())
}

fn rows(items: Vec<Jsonb>) -> String {
    items
        .iter()
        .map(Jsonb::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The GPS track document of PostgreSQL's SQL/JSON path section.
fn track() -> Jsonb {
    j(r#"{"track": {"segments": [
        {"location": [47.763, 13.4034], "start time": "2018-10-14 10:05:14", "HR": 73},
        {"location": [47.706, 13.2635], "start time": "2018-10-14 10:39:21", "HR": 135}
    ]}}"#)
}

fn cases() -> Vec<(&'static str, String, &'static str)> {
    use JsonbInput as I;
    vec![
        // -> ->> #> #>>
        (
            r#"'[{"a":"foo"},{"b":"bar"},{"c":"baz"}]'::jsonb -> 2"#,
            opt(get_index(&j(r#"[{"a":"foo"},{"b":"bar"},{"c":"baz"}]"#), 2)),
            r#"{"c": "baz"}"#,
        ),
        (
            r#"'[{"a":"foo"},{"b":"bar"},{"c":"baz"}]'::jsonb -> -3"#,
            opt(get_index(
                &j(r#"[{"a":"foo"},{"b":"bar"},{"c":"baz"}]"#),
                -3,
            )),
            r#"{"a": "foo"}"#,
        ),
        (
            "'[1,2,3]'::jsonb -> 3",
            opt(get_index(&j("[1,2,3]"), 3)),
            "NULL",
        ),
        (
            "'[1,2,3]'::jsonb -> -4",
            opt(get_index(&j("[1,2,3]"), -4)),
            "NULL",
        ),
        (
            r#"'{"a":1}'::jsonb -> 0"#,
            opt(get_index(&j(r#"{"a":1}"#), 0)),
            "NULL",
        ),
        (
            r#"'{"a": {"b":"foo"}}'::jsonb -> 'a'"#,
            opt(get_field(&j(r#"{"a": {"b":"foo"}}"#), "a")),
            r#"{"b": "foo"}"#,
        ),
        (
            r#"'["a"]'::jsonb -> 'a'"#,
            opt(get_field(&j(r#"["a"]"#), "a")),
            "NULL",
        ),
        (
            "'[1,2,3]'::jsonb ->> 2",
            text(get_index_text(&j("[1,2,3]"), 2)),
            "3",
        ),
        (
            r#"'{"a":1,"b":2}'::jsonb ->> 'b'"#,
            text(get_field_text(&j(r#"{"a":1,"b":2}"#), "b")),
            "2",
        ),
        (
            r#"'{"a":"x y"}'::jsonb ->> 'a'"#,
            text(get_field_text(&j(r#"{"a":"x y"}"#), "a")),
            "x y",
        ),
        (
            r#"'{"a":null}'::jsonb ->> 'a'"#,
            text(get_field_text(&j(r#"{"a":null}"#), "a")),
            "NULL",
        ),
        (
            r#"'{"a":[1, {"b": true}]}'::jsonb ->> 'a'"#,
            text(get_field_text(&j(r#"{"a":[1, {"b": true}]}"#), "a")),
            r#"[1, {"b": true}]"#,
        ),
        (
            r#"'{"a": {"b": ["foo","bar"]}}'::jsonb #> '{a,b,1}'"#,
            opt(get_path(
                &j(r#"{"a": {"b": ["foo","bar"]}}"#),
                &["a", "b", "1"],
            )),
            r#""bar""#,
        ),
        (
            r#"'{"a": {"b": ["foo","bar"]}}'::jsonb #> '{a,b,-1}'"#,
            opt(get_path(
                &j(r#"{"a": {"b": ["foo","bar"]}}"#),
                &["a", "b", "-1"],
            )),
            r#""bar""#,
        ),
        (
            r#"'{"a": {"b": ["foo","bar"]}}'::jsonb #> '{}'"#,
            opt(get_path(&j(r#"{"a": {"b": ["foo","bar"]}}"#), &[])),
            r#"{"a": {"b": ["foo", "bar"]}}"#,
        ),
        (
            r#"'{"a": {"b": ["foo","bar"]}}'::jsonb #> '{a,x}'"#,
            opt(get_path(&j(r#"{"a": {"b": ["foo","bar"]}}"#), &["a", "x"])),
            "NULL",
        ),
        (
            r#"'{"a": {"b": ["foo","bar"]}}'::jsonb #>> '{a,b,1}'"#,
            text(get_path_text(
                &j(r#"{"a": {"b": ["foo","bar"]}}"#),
                &["a", "b", "1"],
            )),
            "bar",
        ),
        (
            "'[1,2]'::jsonb #> ARRAY[' 1']",
            opt(get_path(&j("[1,2]"), &[" 1"])),
            "2",
        ),
        (
            "'[1,2]'::jsonb #> '{1x}'",
            opt(get_path(&j("[1,2]"), &["1x"])),
            "NULL",
        ),
        // @> <@
        (
            r#"'{"a":1, "b":2}'::jsonb @> '{"b":2}'::jsonb"#,
            b(contains(&j(r#"{"a":1, "b":2}"#), &j(r#"{"b":2}"#))),
            "t",
        ),
        (
            r#"'{"b":2}'::jsonb <@ '{"a":1, "b":2}'::jsonb"#,
            b(contained_by(&j(r#"{"b":2}"#), &j(r#"{"a":1, "b":2}"#))),
            "t",
        ),
        (
            r#"'"foo"'::jsonb @> '"foo"'::jsonb"#,
            b(contains(&j(r#""foo""#), &j(r#""foo""#))),
            "t",
        ),
        (
            "'[1, 2, 3]'::jsonb @> '[1, 3]'::jsonb",
            b(contains(&j("[1, 2, 3]"), &j("[1, 3]"))),
            "t",
        ),
        (
            "'[1, 2, 3]'::jsonb @> '[3, 1]'::jsonb",
            b(contains(&j("[1, 2, 3]"), &j("[3, 1]"))),
            "t",
        ),
        (
            "'[1, 2, 3]'::jsonb @> '[1, 2, 2]'::jsonb",
            b(contains(&j("[1, 2, 3]"), &j("[1, 2, 2]"))),
            "t",
        ),
        (
            r#"'{"product": "PostgreSQL", "version": 9.4, "jsonb": true}'::jsonb @> '{"version": 9.4}'::jsonb"#,
            b(contains(
                &j(r#"{"product": "PostgreSQL", "version": 9.4, "jsonb": true}"#),
                &j(r#"{"version": 9.4}"#),
            )),
            "t",
        ),
        (
            "'[1, 2, [1, 3]]'::jsonb @> '[1, 3]'::jsonb",
            b(contains(&j("[1, 2, [1, 3]]"), &j("[1, 3]"))),
            "f",
        ),
        (
            "'[1, 2, [1, 3]]'::jsonb @> '[[1, 3]]'::jsonb",
            b(contains(&j("[1, 2, [1, 3]]"), &j("[[1, 3]]"))),
            "t",
        ),
        (
            r#"'{"foo": {"bar": "baz"}}'::jsonb @> '{"bar": "baz"}'::jsonb"#,
            b(contains(
                &j(r#"{"foo": {"bar": "baz"}}"#),
                &j(r#"{"bar": "baz"}"#),
            )),
            "f",
        ),
        (
            r#"'{"foo": {"bar": "baz"}}'::jsonb @> '{"foo": {}}'::jsonb"#,
            b(contains(
                &j(r#"{"foo": {"bar": "baz"}}"#),
                &j(r#"{"foo": {}}"#),
            )),
            "t",
        ),
        (
            r#"'["foo", "bar"]'::jsonb @> '"foo"'::jsonb"#,
            b(contains(&j(r#"["foo", "bar"]"#), &j(r#""foo""#))),
            "t",
        ),
        (
            r#"'"foo"'::jsonb @> '["foo"]'::jsonb"#,
            b(contains(&j(r#""foo""#), &j(r#"["foo"]"#))),
            "f",
        ),
        (
            r#"'{"a":[1,2]}'::jsonb @> '{"a":1}'::jsonb"#,
            b(contains(&j(r#"{"a":[1,2]}"#), &j(r#"{"a":1}"#))),
            "f",
        ),
        (
            "'[[1]]'::jsonb @> '[1]'::jsonb",
            b(contains(&j("[[1]]"), &j("[1]"))),
            "f",
        ),
        (
            "'[1.0, 2]'::jsonb @> '[1]'::jsonb",
            b(contains(&j("[1.0, 2]"), &j("[1]"))),
            "t",
        ),
        // ? ?| ?&
        (
            r#"'{"a":1, "b":2}'::jsonb ? 'b'"#,
            b(exists(&j(r#"{"a":1, "b":2}"#), "b")),
            "t",
        ),
        (
            r#"'["a", "b", "c"]'::jsonb ? 'b'"#,
            b(exists(&j(r#"["a", "b", "c"]"#), "b")),
            "t",
        ),
        (
            r#"'"foo"'::jsonb ? 'foo'"#,
            b(exists(&j(r#""foo""#), "foo")),
            "t",
        ),
        (
            r#"'{"foo": {"bar": "baz"}}'::jsonb ? 'bar'"#,
            b(exists(&j(r#"{"foo": {"bar": "baz"}}"#), "bar")),
            "f",
        ),
        (
            r#"'[1, 2]'::jsonb ? '1'"#,
            b(exists(&j("[1, 2]"), "1")),
            "f",
        ),
        (
            r#"'{"a":1, "b":2, "c":3}'::jsonb ?| array['b', 'd']"#,
            b(exists_any(&j(r#"{"a":1, "b":2, "c":3}"#), &["b", "d"])),
            "t",
        ),
        (
            r#"'["a", "b", "c"]'::jsonb ?& array['a', 'b']"#,
            b(exists_all(&j(r#"["a", "b", "c"]"#), &["a", "b"])),
            "t",
        ),
        (
            r#"'["a", "b", "c"]'::jsonb ?& array['a', 'd']"#,
            b(exists_all(&j(r#"["a", "b", "c"]"#), &["a", "d"])),
            "f",
        ),
        // ||
        (
            r#"'["a", "b"]'::jsonb || '["a", "d"]'::jsonb"#,
            doc(concat(&j(r#"["a", "b"]"#), &j(r#"["a", "d"]"#))),
            r#"["a", "b", "a", "d"]"#,
        ),
        (
            r#"'{"a": "b"}'::jsonb || '{"c": "d"}'::jsonb"#,
            doc(concat(&j(r#"{"a": "b"}"#), &j(r#"{"c": "d"}"#))),
            r#"{"a": "b", "c": "d"}"#,
        ),
        (
            r#"'{"a": "b", "c": 1}'::jsonb || '{"c": "d"}'::jsonb"#,
            doc(concat(&j(r#"{"a": "b", "c": 1}"#), &j(r#"{"c": "d"}"#))),
            r#"{"a": "b", "c": "d"}"#,
        ),
        (
            "'[1, 2]'::jsonb || '3'::jsonb",
            doc(concat(&j("[1, 2]"), &j("3"))),
            "[1, 2, 3]",
        ),
        (
            r#"'{"a": "b"}'::jsonb || '42'::jsonb"#,
            doc(concat(&j(r#"{"a": "b"}"#), &j("42"))),
            r#"[{"a": "b"}, 42]"#,
        ),
        (
            r#"'[1, 2]'::jsonb || '{"a": 1}'::jsonb"#,
            doc(concat(&j("[1, 2]"), &j(r#"{"a": 1}"#))),
            r#"[1, 2, {"a": 1}]"#,
        ),
        (
            r#"'"a"'::jsonb || '"b"'::jsonb"#,
            doc(concat(&j(r#""a""#), &j(r#""b""#))),
            r#"["a", "b"]"#,
        ),
        (
            "'[1, 2]'::jsonb || jsonb_build_array('[3, 4]'::jsonb)",
            doc(concat(
                &j("[1, 2]"),
                &jsonb_build_array(&[I::Jsonb(j("[3, 4]"))]).unwrap(),
            )),
            "[1, 2, [3, 4]]",
        ),
        // - text, - text[], - integer
        (
            r#"'{"a": "b", "c": "d"}'::jsonb - 'a'"#,
            doc(delete_key(&j(r#"{"a": "b", "c": "d"}"#), "a")),
            r#"{"c": "d"}"#,
        ),
        (
            r#"'["a", "b", "c", "b"]'::jsonb - 'b'"#,
            doc(delete_key(&j(r#"["a", "b", "c", "b"]"#), "b")),
            r#"["a", "c"]"#,
        ),
        (
            "'1'::jsonb - 'a'",
            doc(delete_key(&j("1"), "a")),
            "ERROR:  cannot delete from scalar",
        ),
        (
            r#"'{"a": "b", "c": "d"}'::jsonb - '{a,c}'::text[]"#,
            doc(delete_keys(&j(r#"{"a": "b", "c": "d"}"#), &["a", "c"])),
            "{}",
        ),
        (
            r#"'["a", "b"]'::jsonb - 1"#,
            doc(delete_index(&j(r#"["a", "b"]"#), 1)),
            r#"["a"]"#,
        ),
        (
            r#"'["a", "b"]'::jsonb - -1"#,
            doc(delete_index(&j(r#"["a", "b"]"#), -1)),
            r#"["a"]"#,
        ),
        (
            r#"'["a", "b"]'::jsonb - 5"#,
            doc(delete_index(&j(r#"["a", "b"]"#), 5)),
            r#"["a", "b"]"#,
        ),
        (
            r#"'{"a": 1}'::jsonb - 0"#,
            doc(delete_index(&j(r#"{"a": 1}"#), 0)),
            "ERROR:  cannot delete from object using integer index",
        ),
        (
            "'true'::jsonb - 0",
            doc(delete_index(&j("true"), 0)),
            "ERROR:  cannot delete from scalar",
        ),
        // #-
        (
            r#"'["a", {"b":1}]'::jsonb #- '{1,b}'"#,
            doc(delete_path(&j(r#"["a", {"b":1}]"#), &["1", "b"])),
            r#"["a", {}]"#,
        ),
        (
            r#"'{"a": [1, 2, 3]}'::jsonb #- '{a,-1}'"#,
            doc(delete_path(&j(r#"{"a": [1, 2, 3]}"#), &["a", "-1"])),
            r#"{"a": [1, 2]}"#,
        ),
        (
            r#"'{"a": [1, 2, 3]}'::jsonb #- '{a,x}'"#,
            doc(delete_path(&j(r#"{"a": [1, 2, 3]}"#), &["a", "x"])),
            r#"ERROR:  path element at position 2 is not an integer: "x""#,
        ),
        (
            r#"'{"a": 1}'::jsonb #- '{b,c}'"#,
            doc(delete_path(&j(r#"{"a": 1}"#), &["b", "c"])),
            r#"{"a": 1}"#,
        ),
        (
            "'1'::jsonb #- '{a}'",
            doc(delete_path(&j("1"), &["a"])),
            "ERROR:  cannot delete path in scalar",
        ),
        // jsonb_set
        (
            r#"jsonb_set('[{"f1":1,"f2":null},2,null,3]', '{0,f1}', '[2,3,4]', false)"#,
            doc(jsonb_set(
                &j(r#"[{"f1":1,"f2":null},2,null,3]"#),
                &["0", "f1"],
                &j("[2,3,4]"),
                false,
            )),
            r#"[{"f1": [2, 3, 4], "f2": null}, 2, null, 3]"#,
        ),
        (
            r#"jsonb_set('[{"f1":1,"f2":null},2]', '{0,f3}', '[2,3,4]')"#,
            doc(jsonb_set(
                &j(r#"[{"f1":1,"f2":null},2]"#),
                &["0", "f3"],
                &j("[2,3,4]"),
                true,
            )),
            r#"[{"f1": 1, "f2": null, "f3": [2, 3, 4]}, 2]"#,
        ),
        (
            r#"jsonb_set('[{"f1":1,"f2":null},2]', '{0,f3}', '[2,3,4]', false)"#,
            doc(jsonb_set(
                &j(r#"[{"f1":1,"f2":null},2]"#),
                &["0", "f3"],
                &j("[2,3,4]"),
                false,
            )),
            r#"[{"f1": 1, "f2": null}, 2]"#,
        ),
        (
            "jsonb_set('[1,2]', '{5}', '3')",
            doc(jsonb_set(&j("[1,2]"), &["5"], &j("3"), true)),
            "[1, 2, 3]",
        ),
        (
            "jsonb_set('[1,2]', '{-5}', '3')",
            doc(jsonb_set(&j("[1,2]"), &["-5"], &j("3"), true)),
            "[3, 1, 2]",
        ),
        (
            "jsonb_set('[1,2]', '{-1}', '3')",
            doc(jsonb_set(&j("[1,2]"), &["-1"], &j("3"), true)),
            "[1, 3]",
        ),
        (
            r#"jsonb_set('{"a":1}', '{b,c}', '3')"#,
            doc(jsonb_set(&j(r#"{"a":1}"#), &["b", "c"], &j("3"), true)),
            r#"{"a": 1}"#,
        ),
        (
            r#"jsonb_set('{"a":[1]}', '{a,x}', '3')"#,
            doc(jsonb_set(&j(r#"{"a":[1]}"#), &["a", "x"], &j("3"), true)),
            r#"ERROR:  path element at position 2 is not an integer: "x""#,
        ),
        (
            "jsonb_set('1', '{a}', '3')",
            doc(jsonb_set(&j("1"), &["a"], &j("3"), true)),
            "ERROR:  cannot set path in scalar",
        ),
        // jsonb_insert
        (
            r#"jsonb_insert('{"a": [0,1,2]}', '{a, 1}', '"new_value"')"#,
            doc(jsonb_insert(
                &j(r#"{"a": [0,1,2]}"#),
                &["a", "1"],
                &j(r#""new_value""#),
                false,
            )),
            r#"{"a": [0, "new_value", 1, 2]}"#,
        ),
        (
            r#"jsonb_insert('{"a": [0,1,2]}', '{a, 1}', '"new_value"', true)"#,
            doc(jsonb_insert(
                &j(r#"{"a": [0,1,2]}"#),
                &["a", "1"],
                &j(r#""new_value""#),
                true,
            )),
            r#"{"a": [0, 1, "new_value", 2]}"#,
        ),
        (
            r#"jsonb_insert('{"a": [0,1,2]}', '{a, -1}', '"x"', true)"#,
            doc(jsonb_insert(
                &j(r#"{"a": [0,1,2]}"#),
                &["a", "-1"],
                &j(r#""x""#),
                true,
            )),
            r#"{"a": [0, 1, 2, "x"]}"#,
        ),
        (
            r#"jsonb_insert('{"a": 1}', '{b}', '2')"#,
            doc(jsonb_insert(&j(r#"{"a": 1}"#), &["b"], &j("2"), false)),
            r#"{"a": 1, "b": 2}"#,
        ),
        (
            r#"jsonb_insert('{"a": 1}', '{a}', '2')"#,
            doc(jsonb_insert(&j(r#"{"a": 1}"#), &["a"], &j("2"), false)),
            "ERROR:  cannot replace existing key\nHINT:  Try using the function jsonb_set to replace key value.",
        ),
        // jsonb_strip_nulls
        (
            r#"jsonb_strip_nulls('[{"f1":1, "f2":null}, 2, null, 3]')"#,
            jsonb_strip_nulls(&j(r#"[{"f1":1, "f2":null}, 2, null, 3]"#)).to_string(),
            r#"[{"f1": 1}, 2, null, 3]"#,
        ),
        // jsonb_typeof
        (
            "jsonb_typeof('-123.4')",
            jsonb_typeof(&j("-123.4")).to_string(),
            "number",
        ),
        (
            "jsonb_typeof('null')",
            jsonb_typeof(&j("null")).to_string(),
            "null",
        ),
        (
            r#"jsonb_typeof('{"a":1}'), ('[1]'), ('"x"'), ('true')"#,
            [r#"{"a":1}"#, "[1]", r#""x""#, "true"]
                .iter()
                .map(|s| jsonb_typeof(&j(s)))
                .collect::<Vec<_>>()
                .join(" "),
            "object array string boolean",
        ),
        // jsonb_array_length
        (
            r#"jsonb_array_length('[1,2,3,{"f1":1,"f2":[5,6]},4]')"#,
            res(
                jsonb_array_length(&j(r#"[1,2,3,{"f1":1,"f2":[5,6]},4]"#)),
                |n| n.to_string(),
            ),
            "5",
        ),
        (
            "jsonb_array_length('[]')",
            res(jsonb_array_length(&j("[]")), |n| n.to_string()),
            "0",
        ),
        (
            "jsonb_array_length('1')",
            res(jsonb_array_length(&j("1")), |n| n.to_string()),
            "ERROR:  cannot get array length of a scalar",
        ),
        (
            "jsonb_array_length('{}')",
            res(jsonb_array_length(&j("{}")), |n| n.to_string()),
            "ERROR:  cannot get array length of a non-array",
        ),
        // jsonb_object_keys
        (
            r#"jsonb_object_keys('{"f1":"abc","f2":{"f3":"a", "f4":"b"}}')"#,
            res(
                jsonb_object_keys(&j(r#"{"f1":"abc","f2":{"f3":"a", "f4":"b"}}"#)),
                |k| k.join("\n"),
            ),
            "f1\nf2",
        ),
        (
            "jsonb_object_keys('[1]')",
            res(jsonb_object_keys(&j("[1]")), |k| k.join("\n")),
            "ERROR:  cannot call jsonb_object_keys on an array",
        ),
        (
            "jsonb_object_keys('1')",
            res(jsonb_object_keys(&j("1")), |k| k.join("\n")),
            "ERROR:  cannot call jsonb_object_keys on a scalar",
        ),
        // jsonb_each, jsonb_each_text
        (
            r#"jsonb_each('{"a":"foo", "b":"bar"}')"#,
            res(jsonb_each(&j(r#"{"a":"foo", "b":"bar"}"#)), |r| {
                r.iter()
                    .map(|(k, v)| format!("({k},{v})"))
                    .collect::<Vec<_>>()
                    .join("\n")
            }),
            "(a,\"foo\")\n(b,\"bar\")",
        ),
        (
            r#"jsonb_each_text('{"a":"foo", "b":"bar"}')"#,
            res(jsonb_each_text(&j(r#"{"a":"foo", "b":"bar"}"#)), |r| {
                r.into_iter()
                    .map(|(k, v)| format!("({k},{})", text(v)))
                    .collect::<Vec<_>>()
                    .join("\n")
            }),
            "(a,foo)\n(b,bar)",
        ),
        (
            "jsonb_each('[1]')",
            res(jsonb_each(&j("[1]")), |r| r.len().to_string()),
            "ERROR:  cannot call jsonb_each on a non-object",
        ),
        (
            "jsonb_each_text('1')",
            res(jsonb_each_text(&j("1")), |r| r.len().to_string()),
            "ERROR:  cannot call jsonb_each_text on a non-object",
        ),
        // jsonb_array_elements, jsonb_array_elements_text
        (
            "jsonb_array_elements('[1,true, [2,false]]')",
            res(jsonb_array_elements(&j("[1,true, [2,false]]")), rows),
            "1\ntrue\n[2, false]",
        ),
        (
            r#"jsonb_array_elements_text('["foo", "bar"]')"#,
            res(jsonb_array_elements_text(&j(r#"["foo", "bar"]"#)), |r| {
                r.into_iter().map(text).collect::<Vec<_>>().join("\n")
            }),
            "foo\nbar",
        ),
        (
            r#"jsonb_array_elements('{"a":1}')"#,
            res(jsonb_array_elements(&j(r#"{"a":1}"#)), rows),
            "ERROR:  cannot extract elements from an object",
        ),
        (
            "jsonb_array_elements('1')",
            res(jsonb_array_elements(&j("1")), rows),
            "ERROR:  cannot extract elements from a scalar",
        ),
        // jsonb_build_array, jsonb_build_object, to_jsonb
        (
            "jsonb_build_array(1, 2, 'foo', 4, 5)",
            doc(jsonb_build_array(&[
                I::Int(1),
                I::Int(2),
                I::Text("foo".into()),
                I::Int(4),
                I::Int(5),
            ])),
            r#"[1, 2, "foo", 4, 5]"#,
        ),
        (
            "jsonb_build_array(NULL, true, 1.5::float8)",
            doc(jsonb_build_array(&[I::Null, I::Bool(true), I::Float(1.5)])),
            "[null, true, 1.5]",
        ),
        (
            "jsonb_build_object('foo', 1, 2, 'bar')",
            doc(jsonb_build_object(&[
                I::Text("foo".into()),
                I::Int(1),
                I::Int(2),
                I::Text("bar".into()),
            ])),
            r#"{"2": "bar", "foo": 1}"#,
        ),
        (
            "jsonb_build_object('a', '[1]'::jsonb, 'a', NULL)",
            doc(jsonb_build_object(&[
                I::Text("a".into()),
                I::Jsonb(j("[1]")),
                I::Text("a".into()),
                I::Null,
            ])),
            r#"{"a": null}"#,
        ),
        (
            "jsonb_build_object('[1]'::jsonb, 1)",
            doc(jsonb_build_object(&[I::Jsonb(j("[1]")), I::Int(1)])),
            "ERROR:  key value must be scalar, not array, composite, or json",
        ),
        (
            "jsonb_build_object(true, 1, 1.5::float8, 2)",
            doc(jsonb_build_object(&[
                I::Bool(true),
                I::Int(1),
                I::Float(1.5),
                I::Int(2),
            ])),
            r#"{"1.5": 2, "true": 1}"#,
        ),
        (
            "jsonb_build_object('a')",
            doc(jsonb_build_object(&[I::Text("a".into())])),
            "ERROR:  argument list must have even number of elements\nHINT:  The arguments of jsonb_build_object() must consist of alternating keys and values.",
        ),
        (
            "jsonb_build_object(NULL, 1)",
            doc(jsonb_build_object(&[I::Null, I::Int(1)])),
            "ERROR:  argument 1: key must not be null",
        ),
        (
            r#"to_jsonb('Fred said "Hi."'::text)"#,
            res(to_jsonb(&I::Text(r#"Fred said "Hi.""#.into())), opt),
            r#""Fred said \"Hi.\"""#,
        ),
        ("to_jsonb(42)", res(to_jsonb(&I::Int(42)), opt), "42"),
        (
            "to_jsonb('NaN'::float8)",
            res(to_jsonb(&I::Float(f64::NAN)), opt),
            r#""NaN""#,
        ),
        ("to_jsonb(NULL::int)", res(to_jsonb(&I::Null), opt), "NULL"),
        (
            r#"to_jsonb('{"a": 1}'::jsonb)"#,
            res(to_jsonb(&I::Jsonb(j(r#"{"a": 1}"#))), opt),
            r#"{"a": 1}"#,
        ),
        // jsonb_agg, jsonb_object_agg
        (
            "SELECT jsonb_agg(x) FROM (VALUES (1), (NULL), ('a')) v(x)",
            {
                let mut agg = JsonbAgg::new();
                for v in [I::Int(1), I::Null, I::Text("a".into())] {
                    agg.add(&v);
                }
                res(agg.finish(), opt)
            },
            r#"[1, null, "a"]"#,
        ),
        (
            "SELECT jsonb_agg(x) FROM empty",
            res(JsonbAgg::new().finish(), opt),
            "NULL",
        ),
        (
            "SELECT jsonb_object_agg(k, v) FROM (VALUES ('b', 2), ('a', '[1]'::jsonb), ('b', 3))",
            {
                let mut agg = JsonbObjectAgg::new();
                let mut out = Ok(());
                for (k, v) in [
                    ("b", I::Int(2)),
                    ("a", I::Jsonb(j("[1]"))),
                    ("b", I::Int(3)),
                ] {
                    out = out.and(agg.add(&I::Text(k.into()), &v));
                }
                res(out.and(agg.finish()), opt)
            },
            r#"{"a": [1], "b": 3}"#,
        ),
        (
            "SELECT jsonb_object_agg(NULL, 1)",
            res(JsonbObjectAgg::new().add(&I::Null, &I::Int(1)), |_| {
                String::new()
            }),
            "ERROR:  field name must not be null",
        ),
        // jsonb_pretty
        (
            r#"jsonb_pretty('[{"f1":1,"f2":null}, 2]')"#,
            jsonb_pretty(&j(r#"[{"f1":1,"f2":null}, 2]"#)),
            "[\n    {\n        \"f1\": 1,\n        \"f2\": null\n    },\n    2\n]",
        ),
        (
            r#"jsonb_pretty('{"a": [], "b": {}, "c": "x"}')"#,
            jsonb_pretty(&j(r#"{"a": [], "b": {}, "c": "x"}"#)),
            "{\n    \"a\": [\n    ],\n    \"b\": {\n    },\n    \"c\": \"x\"\n}",
        ),
        ("jsonb_pretty('1')", jsonb_pretty(&j("1")), "1"),
        ("jsonb_pretty('[]')", jsonb_pretty(&j("[]")), "[\n]"),
        // From PostgreSQL's regression tests (src/test/regress/expected/jsonb.out).
        (
            r#"'{"a":"b","c":[1,2,3]}'::jsonb #> '{c,-4}'"#,
            opt(get_path(&j(r#"{"a":"b","c":[1,2,3]}"#), &["c", "-4"])),
            "NULL",
        ),
        (
            r#"'[0,1,2,[3,4],{"5":"five"}]'::jsonb #> '{4,5}'"#,
            opt(get_path(&j(r#"[0,1,2,[3,4],{"5":"five"}]"#), &["4", "5"])),
            r#""five""#,
        ),
        (
            r#"jsonb_strip_nulls('{"a": {"b": null, "c": null}, "d": {} }')"#,
            jsonb_strip_nulls(&j(r#"{"a": {"b": null, "c": null}, "d": {} }"#)).to_string(),
            r#"{"a": {}, "d": {}}"#,
        ),
        (
            r#"jsonb_pretty('{"a": "test", "b": [1, 2, 3], "c": "test3", "d":{"dd": "test4", "dd2":{"ddd": "test5"}}}')"#,
            jsonb_pretty(&j(
                r#"{"a": "test", "b": [1, 2, 3], "c": "test3", "d":{"dd": "test4", "dd2":{"ddd": "test5"}}}"#,
            )),
            "{\n    \"a\": \"test\",\n    \"b\": [\n        1,\n        2,\n        3\n    ],\n    \"c\": \"test3\",\n    \"d\": {\n        \"dd\": \"test4\",\n        \"dd2\": {\n            \"ddd\": \"test5\"\n        }\n    }\n}",
        ),
        (
            r#"'{"aa":1 , "b":2, "cq":3}'::jsonb || '{"cq":"l", "b":"g", "fg":false}'"#,
            doc(concat(
                &j(r#"{"aa":1 , "b":2, "cq":3}"#),
                &j(r#"{"cq":"l", "b":"g", "fg":false}"#),
            )),
            r#"{"b": "g", "aa": 1, "cq": "l", "fg": false}"#,
        ),
        (
            r#"'[]'::jsonb || '{"a":"b"}'::jsonb"#,
            doc(concat(&j("[]"), &j(r#"{"a":"b"}"#))),
            r#"[{"a": "b"}]"#,
        ),
        (
            r#"'"c"' || '["a", "b"]'::jsonb"#,
            doc(concat(&j(r#""c""#), &j(r#"["a", "b"]"#))),
            r#"["c", "a", "b"]"#,
        ),
        (
            r#"'["a","b","c"]'::jsonb - -4"#,
            doc(delete_index(&j(r#"["a","b","c"]"#), -4)),
            r#"["a", "b", "c"]"#,
        ),
        (
            r#"'{"n":null, "a":1, "b":[1,2], "c":{"1":2}, "d":{"1":[2,3]}}'::jsonb #- '{b,-1e}'"#,
            doc(delete_path(
                &j(r#"{"n":null, "a":1, "b":[1,2], "c":{"1":2}, "d":{"1":[2,3]}}"#),
                &["b", "-1e"],
            )),
            r#"ERROR:  path element at position 2 is not an integer: "-1e""#,
        ),
        (
            r#"'{"n":null, "a":1, "b":[1,2], "c":{"1":2}, "d":{"1":[2,3]}}'::jsonb #- '{d,1,0}'"#,
            doc(delete_path(
                &j(r#"{"n":null, "a":1, "b":[1,2], "c":{"1":2}, "d":{"1":[2,3]}}"#),
                &["d", "1", "0"],
            )),
            r#"{"a": 1, "b": [1, 2], "c": {"1": 2}, "d": {"1": [3]}, "n": null}"#,
        ),
        (
            r#"'[]'::jsonb #- '{a}'"#,
            doc(delete_path(&j("[]"), &["a"])),
            "[]",
        ),
        (
            r#"jsonb_set('{}','{a}','"b"', false)"#,
            doc(jsonb_set(&j("{}"), &["a"], &j(r#""b""#), false)),
            "{}",
        ),
        (
            r#"jsonb_set('[]','{1}','"b"', false)"#,
            doc(jsonb_set(&j("[]"), &["1"], &j(r#""b""#), false)),
            "[]",
        ),
        (
            r#"jsonb_set('{"a":1,"b":[0,1,2],"c":{"d":4}}','{b,-33}','{"foo":123}')"#,
            doc(jsonb_set(
                &j(r#"{"a":1,"b":[0,1,2],"c":{"d":4}}"#),
                &["b", "-33"],
                &j(r#"{"foo":123}"#),
                true,
            )),
            r#"{"a": 1, "b": [{"foo": 123}, 0, 1, 2], "c": {"d": 4}}"#,
        ),
        (
            r#"jsonb_set('{"a":1,"b":[4,5,[0,1,2],6,7],"c":{"d":4}}','{b,2,33}','{"foo":123}')"#,
            doc(jsonb_set(
                &j(r#"{"a":1,"b":[4,5,[0,1,2],6,7],"c":{"d":4}}"#),
                &["b", "2", "33"],
                &j(r#"{"foo":123}"#),
                true,
            )),
            r#"{"a": 1, "b": [4, 5, [0, 1, 2, {"foo": 123}], 6, 7], "c": {"d": 4}}"#,
        ),
        (
            r#"jsonb_set('{"a":1,"b":[0,1,2],"c":{"d":4}}','{x,-33}','{"foo":123}')"#,
            doc(jsonb_set(
                &j(r#"{"a":1,"b":[0,1,2],"c":{"d":4}}"#),
                &["x", "-33"],
                &j(r#"{"foo":123}"#),
                true,
            )),
            r#"{"a": 1, "b": [0, 1, 2], "c": {"d": 4}}"#,
        ),
        (
            r#"jsonb_set('[]','{-99}','{"foo":123}')"#,
            doc(jsonb_set(&j("[]"), &["-99"], &j(r#"{"foo":123}"#), true)),
            r#"[{"foo": 123}]"#,
        ),
        (
            r#"jsonb_set('{"a": {"b": [1, 2, 3]}}', '{a, b, non_integer}', '"new_value"')"#,
            doc(jsonb_set(
                &j(r#"{"a": {"b": [1, 2, 3]}}"#),
                &["a", "b", "non_integer"],
                &j(r#""new_value""#),
                true,
            )),
            r#"ERROR:  path element at position 3 is not an integer: "non_integer""#,
        ),
        (
            r#"jsonb_insert('[]', '{1}', '"new_value"', true)"#,
            doc(jsonb_insert(&j("[]"), &["1"], &j(r#""new_value""#), true)),
            r#"["new_value"]"#,
        ),
        (
            r#"jsonb_insert('{"a": [0,1,2]}', '{a, -10}', '"new_value"')"#,
            doc(jsonb_insert(
                &j(r#"{"a": [0,1,2]}"#),
                &["a", "-10"],
                &j(r#""new_value""#),
                false,
            )),
            r#"{"a": ["new_value", 0, 1, 2]}"#,
        ),
        (
            r#"jsonb_insert('{"a": [0,1,2]}', '{a, -1}', '"new_value"')"#,
            doc(jsonb_insert(
                &j(r#"{"a": [0,1,2]}"#),
                &["a", "-1"],
                &j(r#""new_value""#),
                false,
            )),
            r#"{"a": [0, 1, "new_value", 2]}"#,
        ),
        (
            r#"jsonb_insert('{"a": {"b": "value"}}', '{a, b}', '"new_value"', true)"#,
            doc(jsonb_insert(
                &j(r#"{"a": {"b": "value"}}"#),
                &["a", "b"],
                &j(r#""new_value""#),
                true,
            )),
            "ERROR:  cannot replace existing key\nHINT:  Try using the function jsonb_set to replace key value.",
        ),
        // SQL/JSON path (lax mode)
        (
            r#"jsonb_path_query('{"a":[1,2,3,4,5]}', '$.a[*] ? (@ >= $min && @ <= $max)', '{"min":2, "max":4}')"#,
            res(
                jsonb_path_query(
                    &j(r#"{"a":[1,2,3,4,5]}"#),
                    "$.a[*] ? (@ >= $min && @ <= $max)",
                    Some(&j(r#"{"min":2, "max":4}"#)),
                ),
                rows,
            ),
            "2\n3\n4",
        ),
        (
            r#"jsonb_path_query_array('{"a":[1,2,3,4,5]}', '$.a[*] ? (@ >= $min && @ <= $max)', '{"min":2, "max":4}')"#,
            doc(jsonb_path_query_array(
                &j(r#"{"a":[1,2,3,4,5]}"#),
                "$.a[*] ? (@ >= $min && @ <= $max)",
                Some(&j(r#"{"min":2, "max":4}"#)),
            )),
            "[2, 3, 4]",
        ),
        (
            r#"jsonb_path_query_first('{"a":[1,2,3,4,5]}', '$.a[*] ? (@ >= $min && @ <= $max)', '{"min":2, "max":4}')"#,
            res(
                jsonb_path_query_first(
                    &j(r#"{"a":[1,2,3,4,5]}"#),
                    "$.a[*] ? (@ >= $min && @ <= $max)",
                    Some(&j(r#"{"min":2, "max":4}"#)),
                ),
                opt,
            ),
            "2",
        ),
        (
            r#"jsonb_path_query_first('{"a":[1]}', '$.b')"#,
            res(jsonb_path_query_first(&j(r#"{"a":[1]}"#), "$.b", None), opt),
            "NULL",
        ),
        (
            r#"jsonb_path_exists('{"a":[1,2,3,4,5]}', '$.a[*] ? (@ >= $min && @ <= $max)', '{"min":2, "max":4}')"#,
            res(
                jsonb_path_exists(
                    &j(r#"{"a":[1,2,3,4,5]}"#),
                    "$.a[*] ? (@ >= $min && @ <= $max)",
                    Some(&j(r#"{"min":2, "max":4}"#)),
                ),
                b,
            ),
            "t",
        ),
        (
            r#"jsonb_path_exists('{"a":[1,2,3,4,5]}', 'lax $.a[*] ? (@ > 5)')"#,
            res(
                jsonb_path_exists(&j(r#"{"a":[1,2,3,4,5]}"#), "lax $.a[*] ? (@ > 5)", None),
                b,
            ),
            "f",
        ),
        (
            r#"jsonb_path_match('{"a":[1,2,3,4,5]}', 'exists($.a[*] ? (@ >= $min && @ <= $max))', '{"min":2, "max":4}')"#,
            res(
                jsonb_path_match(
                    &j(r#"{"a":[1,2,3,4,5]}"#),
                    "exists($.a[*] ? (@ >= $min && @ <= $max))",
                    Some(&j(r#"{"min":2, "max":4}"#)),
                ),
                |v| v.map_or("NULL".into(), b),
            ),
            "t",
        ),
        (
            r#"jsonb_path_query('{"a":1}', '$ ? (@.a == $x)', '{}')"#,
            res(
                jsonb_path_query(&j(r#"{"a":1}"#), "$ ? (@.a == $x)", Some(&j("{}"))),
                rows,
            ),
            r#"ERROR:  could not find jsonpath variable "x""#,
        ),
        (
            r#"'{"a":[1,2,3,4,5]}'::jsonb @? '$.a[*] ? (@ > 2)'"#,
            res(
                path_exists_op(&j(r#"{"a":[1,2,3,4,5]}"#), "$.a[*] ? (@ > 2)"),
                |v| v.map_or("NULL".into(), b),
            ),
            "t",
        ),
        (
            r#"'{"a":[1,2,3,4,5]}'::jsonb @@ '$.a[*] > 2'"#,
            res(
                path_match_op(&j(r#"{"a":[1,2,3,4,5]}"#), "$.a[*] > 2"),
                |v| v.map_or("NULL".into(), b),
            ),
            "t",
        ),
        (
            r#"'{"a":[1,2,3,4,5]}'::jsonb @@ '$.a[*] > 5'"#,
            res(
                path_match_op(&j(r#"{"a":[1,2,3,4,5]}"#), "$.a[*] > 5"),
                |v| v.map_or("NULL".into(), b),
            ),
            "f",
        ),
        (
            r#"'{"a":1}'::jsonb @@ '$.a'"#,
            res(path_match_op(&j(r#"{"a":1}"#), "$.a"), |v| {
                v.map_or("NULL".into(), b)
            }),
            "NULL",
        ),
        (
            r#"'{"a":[1,2]}'::jsonb @? '$.a[*] + 1'"#,
            res(path_exists_op(&j(r#"{"a":[1,2]}"#), "$.a[*] + 1"), |v| {
                v.map_or("NULL".into(), b)
            }),
            "NULL",
        ),
        (
            r#"jsonb_path_query('{"a":{"b":[{"c":1},{"c":"x"}]}}', '$.a.b[*].c')"#,
            res(
                jsonb_path_query(&j(r#"{"a":{"b":[{"c":1},{"c":"x"}]}}"#), "$.a.b[*].c", None),
                rows,
            ),
            "1\n\"x\"",
        ),
        (
            r#"jsonb_path_query('{"a":{"b":[{"c":1},{"c":"x"}]}}', '$.a.b.c')"#,
            res(
                jsonb_path_query(&j(r#"{"a":{"b":[{"c":1},{"c":"x"}]}}"#), "$.a.b.c", None),
                rows,
            ),
            "1\n\"x\"",
        ),
        (
            r#"jsonb_path_query('{"a":[{"b":1,"c":"x"},{"b":2,"c":"y"}]}', '$.a ? (@.b == 2).c')"#,
            res(
                jsonb_path_query(
                    &j(r#"{"a":[{"b":1,"c":"x"},{"b":2,"c":"y"}]}"#),
                    "$.a ? (@.b == 2).c",
                    None,
                ),
                rows,
            ),
            r#""y""#,
        ),
        (
            r#"jsonb_path_query('{"p":[1.5, 2, 9.75]}', '$.p[*] ? (@ > 1.75 && @ < 1e1)')"#,
            res(
                jsonb_path_query(
                    &j(r#"{"p":[1.5, 2, 9.75]}"#),
                    "$.p[*] ? (@ > 1.75 && @ < 1e1)",
                    None,
                ),
                rows,
            ),
            "2\n9.75",
        ),
        (
            r#"jsonb_path_query('{"p":[-3, -1.5, -1, 0, 2.25]}', '$.p[*] ? (@ > -1.5 && @ < 2)')"#,
            res(
                jsonb_path_query(
                    &j(r#"{"p":[-3, -1.5, -1, 0, 2.25]}"#),
                    "$.p[*] ? (@ > -1.5 && @ < 2)",
                    None,
                ),
                rows,
            ),
            "-1\n0",
        ),
        (
            r#"'{"a":[1,2]}'::jsonb @@ '$.a == 2'"#,
            res(path_match_op(&j(r#"{"a":[1,2]}"#), "$.a == 2"), |v| {
                v.map_or("NULL".into(), b)
            }),
            "t",
        ),
        (
            r#"jsonb_path_query('[{"t":["x","y"]},{"t":"z"}]', '$[*] ? (@.t == "y")')"#,
            res(
                jsonb_path_query(
                    &j(r#"[{"t":["x","y"]},{"t":"z"}]"#),
                    r#"$[*] ? (@.t == "y")"#,
                    None,
                ),
                rows,
            ),
            r#"{"t": ["x", "y"]}"#,
        ),
        (
            r#"jsonb_path_query('{"a":[]}', '$ ? (exists(@.a))')"#,
            res(
                jsonb_path_query(&j(r#"{"a":[]}"#), "$ ? (exists(@.a))", None),
                rows,
            ),
            r#"{"a": []}"#,
        ),
        (
            r#"jsonb_path_query('[1,2,3]', '$[last]')"#,
            res(jsonb_path_query(&j("[1,2,3]"), "$[last]", None), rows),
            "3",
        ),
        (
            r#"jsonb_path_query('[1,2,3]', '$[0 to 1]')"#,
            res(jsonb_path_query(&j("[1,2,3]"), "$[0 to 1]", None), rows),
            "1\n2",
        ),
        (
            r#"jsonb_path_query('{"a": "abc"}', '$ ? (@.a starts with "ab")')"#,
            res(
                jsonb_path_query(&j(r#"{"a": "abc"}"#), r#"$ ? (@.a starts with "ab")"#, None),
                rows,
            ),
            r#"{"a": "abc"}"#,
        ),
        (
            r#"jsonb_path_query('{"x": [2, 3]}', '$.x[0] * $.x[1]')"#,
            res(
                jsonb_path_query(&j(r#"{"x": [2, 3]}"#), "$.x[0] * $.x[1]", None),
                rows,
            ),
            "6",
        ),
        // More of PostgreSQL's documentation examples: the jsonb type page
        // (printing, existence), the creation functions with rows and arrays,
        // and the SQL/JSON path language section's GPS track document,
        // filter-expression and arithmetic tables.
        (
            r#"'{"bar": "baz", "balance": 7.77, "active":false}'::jsonb"#,
            j(r#"{"bar": "baz", "balance": 7.77, "active":false}"#).to_string(),
            r#"{"bar": "baz", "active": false, "balance": 7.77}"#,
        ),
        (
            r#"'["foo", "bar", "baz"]'::jsonb ? 'bar'"#,
            b(exists(&j(r#"["foo", "bar", "baz"]"#), "bar")),
            "t",
        ),
        (
            r#"'{"foo": "bar"}'::jsonb ? 'foo'"#,
            b(exists(&j(r#"{"foo": "bar"}"#), "foo")),
            "t",
        ),
        (
            r#"'{"foo": "bar"}'::jsonb ? 'bar'"#,
            b(exists(&j(r#"{"foo": "bar"}"#), "bar")),
            "f",
        ),
        (
            "'[1,2,3]'::jsonb ->> -1",
            text(get_index_text(&j("[1,2,3]"), -1)),
            "3",
        ),
        (
            r#"'["a", {"b": "c"}]'::jsonb ->> -1"#,
            text(get_index_text(&j(r#"["a", {"b": "c"}]"#), -1)),
            r#"{"b": "c"}"#,
        ),
        (
            r#"'{"a": {"b": ["foo","bar"]}}'::jsonb #>> '{a,b,-2}'"#,
            text(get_path_text(
                &j(r#"{"a": {"b": ["foo","bar"]}}"#),
                &["a", "b", "-2"],
            )),
            "foo",
        ),
        (
            r#"to_jsonb(row(42, 'Fred said "Hi."'::text))"#,
            res(
                to_jsonb(&I::Record(vec![
                    ("f1".into(), I::Int(42)),
                    ("f2".into(), I::Text(r#"Fred said "Hi.""#.into())),
                ])),
                opt,
            ),
            r#"{"f1": 42, "f2": "Fred said \"Hi.\""}"#,
        ),
        (
            "to_jsonb('{{1,5},{99,100}}'::int[])",
            res(
                to_jsonb(&I::Array(vec![
                    I::Array(vec![I::Int(1), I::Int(5)]),
                    I::Array(vec![I::Int(99), I::Int(100)]),
                ])),
                opt,
            ),
            "[[1, 5], [99, 100]]",
        ),
        (
            "jsonb_build_object('foo', 1, 2, row(3,'bar'))",
            doc(jsonb_build_object(&[
                I::Text("foo".into()),
                I::Int(1),
                I::Int(2),
                I::Record(vec![
                    ("f1".into(), I::Int(3)),
                    ("f2".into(), I::Text("bar".into())),
                ]),
            ])),
            r#"{"2": {"f1": 3, "f2": "bar"}, "foo": 1}"#,
        ),
        (
            "jsonb_build_object(row(1), 1)",
            doc(jsonb_build_object(&[
                I::Record(vec![("f1".into(), I::Int(1))]),
                I::Int(1),
            ])),
            "ERROR:  key value must be scalar, not array, composite, or json",
        ),
        (
            "jsonb_build_array(ARRAY[1,2], row('x'))",
            doc(jsonb_build_array(&[
                I::Array(vec![I::Int(1), I::Int(2)]),
                I::Record(vec![("f1".into(), I::Text("x".into()))]),
            ])),
            r#"[[1, 2], {"f1": "x"}]"#,
        ),
        (
            "SELECT jsonb_object_agg(ARRAY[1], 1)",
            res(
                JsonbObjectAgg::new().add(&I::Array(vec![I::Int(1)]), &I::Int(1)),
                |_| String::new(),
            ),
            "ERROR:  key value must be scalar, not array, composite, or json",
        ),
        (
            "jsonb_path_query(track, '$.track.segments')",
            res(jsonb_path_query(&track(), "$.track.segments", None), rows),
            r#"[{"HR": 73, "location": [47.763, 13.4034], "start time": "2018-10-14 10:05:14"}, {"HR": 135, "location": [47.706, 13.2635], "start time": "2018-10-14 10:39:21"}]"#,
        ),
        (
            "jsonb_path_query(track, '$.track.segments[*].location')",
            res(
                jsonb_path_query(&track(), "$.track.segments[*].location", None),
                rows,
            ),
            "[47.763, 13.4034]\n[47.706, 13.2635]",
        ),
        (
            "jsonb_path_query(track, 'lax $.track.segments.location')",
            res(
                jsonb_path_query(&track(), "lax $.track.segments.location", None),
                rows,
            ),
            "[47.763, 13.4034]\n[47.706, 13.2635]",
        ),
        (
            "jsonb_path_query(track, '$.track.segments[0].location')",
            res(
                jsonb_path_query(&track(), "$.track.segments[0].location", None),
                rows,
            ),
            "[47.763, 13.4034]",
        ),
        (
            "jsonb_path_query(track, '$.track.segments[last].location')",
            res(
                jsonb_path_query(&track(), "$.track.segments[last].location", None),
                rows,
            ),
            "[47.706, 13.2635]",
        ),
        (
            "jsonb_path_query(track, '$.track.segments[*].HR ? (@ > 130)')",
            res(
                jsonb_path_query(&track(), "$.track.segments[*].HR ? (@ > 130)", None),
                rows,
            ),
            "135",
        ),
        (
            r#"jsonb_path_query(track, '$.track.segments[*] ? (@.HR > 130)."start time"')"#,
            res(
                jsonb_path_query(
                    &track(),
                    r#"$.track.segments[*] ? (@.HR > 130)."start time""#,
                    None,
                ),
                rows,
            ),
            r#""2018-10-14 10:39:21""#,
        ),
        (
            r#"jsonb_path_query(track, '$.track.segments[*] ? (@.location[1] < 13.4) ? (@.HR > 130)."start time"')"#,
            res(
                jsonb_path_query(
                    &track(),
                    r#"$.track.segments[*] ? (@.location[1] < 13.4) ? (@.HR > 130)."start time""#,
                    None,
                ),
                rows,
            ),
            r#""2018-10-14 10:39:21""#,
        ),
        (
            "jsonb_path_query(track, '$.track.segments[*] ? (@.location[1] < 13.4).HR ? (@ > 130)')",
            res(
                jsonb_path_query(
                    &track(),
                    "$.track.segments[*] ? (@.location[1] < 13.4).HR ? (@ > 130)",
                    None,
                ),
                rows,
            ),
            "135",
        ),
        (
            "jsonb_path_query(track, '$.track.segments[*].HR > 130')",
            res(
                jsonb_path_query(&track(), "$.track.segments[*].HR > 130", None),
                rows,
            ),
            "true",
        ),
        (
            "jsonb_path_query(track, 'lax $.**.HR')",
            // Twice each, as PostgreSQL's documentation explains: `.**` selects
            // the segments array and each segment, and lax `.HR` unwraps the array.
            res(jsonb_path_query(&track(), "lax $.**.HR", None), rows),
            "73\n135\n73\n135",
        ),
        (
            "jsonb_path_exists(track, '$.track ? (exists(@.segments[*] ? (@.HR > 130)))')",
            res(
                jsonb_path_exists(
                    &track(),
                    "$.track ? (exists(@.segments[*] ? (@.HR > 130)))",
                    None,
                ),
                b,
            ),
            "t",
        ),
        (
            "jsonb_path_query_array('[1, \"a\", 1, 3]', '$[*] ? (@ == 1)')",
            doc(jsonb_path_query_array(
                &j(r#"[1, "a", 1, 3]"#),
                "$[*] ? (@ == 1)",
                None,
            )),
            "[1, 1]",
        ),
        (
            r#"jsonb_path_query_array('[1, "a", 1, 3]', '$[*] ? (@ == "a")')"#,
            doc(jsonb_path_query_array(
                &j(r#"[1, "a", 1, 3]"#),
                r#"$[*] ? (@ == "a")"#,
                None,
            )),
            r#"["a"]"#,
        ),
        (
            "jsonb_path_query_array('[1, 2, 1, 3]', '$[*] ? (@ != 1)')",
            doc(jsonb_path_query_array(
                &j("[1, 2, 1, 3]"),
                "$[*] ? (@ != 1)",
                None,
            )),
            "[2, 3]",
        ),
        (
            r#"jsonb_path_query_array('["a", "b", "c"]', '$[*] ? (@ <> "b")')"#,
            doc(jsonb_path_query_array(
                &j(r#"["a", "b", "c"]"#),
                r#"$[*] ? (@ <> "b")"#,
                None,
            )),
            r#"["a", "c"]"#,
        ),
        (
            "jsonb_path_query_array('[1, 2, 3]', '$[*] ? (@ < 2)')",
            doc(jsonb_path_query_array(
                &j("[1, 2, 3]"),
                "$[*] ? (@ < 2)",
                None,
            )),
            "[1]",
        ),
        (
            r#"jsonb_path_query_array('["a", "b", "c"]', '$[*] ? (@ <= "b")')"#,
            doc(jsonb_path_query_array(
                &j(r#"["a", "b", "c"]"#),
                r#"$[*] ? (@ <= "b")"#,
                None,
            )),
            r#"["a", "b"]"#,
        ),
        (
            "jsonb_path_query_array('[1, 2, 3]', '$[*] ? (@ > 2)')",
            doc(jsonb_path_query_array(
                &j("[1, 2, 3]"),
                "$[*] ? (@ > 2)",
                None,
            )),
            "[3]",
        ),
        (
            "jsonb_path_query_array('[1, 2, 3]', '$[*] ? (@ >= 2)')",
            doc(jsonb_path_query_array(
                &j("[1, 2, 3]"),
                "$[*] ? (@ >= 2)",
                None,
            )),
            "[2, 3]",
        ),
        (
            r#"jsonb_path_query('[{"name": "John", "parent": false}, {"name": "Chris", "parent": true}]', '$[*] ? (@.parent == true)')"#,
            res(
                jsonb_path_query(
                    &j(r#"[{"name": "John", "parent": false}, {"name": "Chris", "parent": true}]"#),
                    "$[*] ? (@.parent == true)",
                    None,
                ),
                rows,
            ),
            r#"{"name": "Chris", "parent": true}"#,
        ),
        (
            r#"jsonb_path_query('[{"name": "John", "parent": false}, {"name": "Chris", "parent": true}]', '$[*] ? (@.parent == false)')"#,
            res(
                jsonb_path_query(
                    &j(r#"[{"name": "John", "parent": false}, {"name": "Chris", "parent": true}]"#),
                    "$[*] ? (@.parent == false)",
                    None,
                ),
                rows,
            ),
            r#"{"name": "John", "parent": false}"#,
        ),
        (
            r#"jsonb_path_query('[{"name": "Mary", "job": null}, {"name": "Michael", "job": "driver"}]', '$[*] ? (@.job == null) .name')"#,
            res(
                jsonb_path_query(
                    &j(r#"[{"name": "Mary", "job": null}, {"name": "Michael", "job": "driver"}]"#),
                    "$[*] ? (@.job == null) .name",
                    None,
                ),
                rows,
            ),
            r#""Mary""#,
        ),
        (
            "jsonb_path_query('[1, 3, 7]', '$[*] ? (@ > 1 && @ < 5)')",
            res(
                jsonb_path_query(&j("[1, 3, 7]"), "$[*] ? (@ > 1 && @ < 5)", None),
                rows,
            ),
            "3",
        ),
        (
            "jsonb_path_query('[1, 3, 7]', '$[*] ? (@ < 1 || @ > 5)')",
            res(
                jsonb_path_query(&j("[1, 3, 7]"), "$[*] ? (@ < 1 || @ > 5)", None),
                rows,
            ),
            "7",
        ),
        (
            r#"jsonb_path_query('["John Smith", "Mary Stone", "Bob Johnson"]', '$[*] ? (@ starts with "John")')"#,
            res(
                jsonb_path_query(
                    &j(r#"["John Smith", "Mary Stone", "Bob Johnson"]"#),
                    r#"$[*] ? (@ starts with "John")"#,
                    None,
                ),
                rows,
            ),
            r#""John Smith""#,
        ),
        (
            "jsonb_path_query('[2]', '$[0] + 3')",
            res(jsonb_path_query(&j("[2]"), "$[0] + 3", None), rows),
            "5",
        ),
        (
            "jsonb_path_query('[2]', '7 - $[0]')",
            res(jsonb_path_query(&j("[2]"), "7 - $[0]", None), rows),
            "5",
        ),
        (
            "jsonb_path_query('[4]', '2 * $[0]')",
            res(jsonb_path_query(&j("[4]"), "2 * $[0]", None), rows),
            "8",
        ),
        (
            // PostgreSQL computes in numeric and prints 4.2500000000000000.
            "jsonb_path_query('[8.5]', '$[0] / 2')",
            res(jsonb_path_query(&j("[8.5]"), "$[0] / 2", None), rows),
            "4.25",
        ),
        (
            "jsonb_path_query('[32]', '$[0] % 10')",
            res(jsonb_path_query(&j("[32]"), "$[0] % 10", None), rows),
            "2",
        ),
        (
            r#"jsonb_path_query_array('{"x": [2,2.5,-3]}', '+ $.x')"#,
            doc(jsonb_path_query_array(
                &j(r#"{"x": [2,2.5,-3]}"#),
                "+ $.x",
                None,
            )),
            "[2, 2.5, -3]",
        ),
        (
            r#"jsonb_path_query_array('{"x": [2,2.5,-3]}', '- $.x')"#,
            doc(jsonb_path_query_array(
                &j(r#"{"x": [2,2.5,-3]}"#),
                "- $.x",
                None,
            )),
            "[-2, -2.5, 3]",
        ),
    ]
}

#[test]
fn postgresql_examples() {
    let mut failures = Vec::new();
    let all = cases();
    for (sql, got, want) in &all {
        if got != want {
            failures.push(format!("{sql}\n  want: {want}\n  got:  {got}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
}

#[test]
fn bad_jsonpath_is_an_error_not_a_panic() {
    for bad in [
        "$.a[",
        "$$",
        "strict $.a",
        "$ ? (",
        "@.a",
        "$.a.size()",
        "$.a \u{F8FF}",
    ] {
        assert!(
            jsonb_path_query(&j(r#"{"a":1}"#), bad, None).is_err(),
            "{bad} should be rejected"
        );
    }
}

#[test]
fn building_past_the_depth_limit_is_an_error() {
    let mut deep = j("1");
    for _ in 0..arbor_jsonb::MAX_DEPTH {
        deep = jsonb_build_array(&[JsonbInput::Jsonb(deep)]).unwrap();
    }
    assert_eq!(
        jsonb_build_array(&[JsonbInput::Jsonb(deep.clone())]),
        Err(JsonbError::TooDeep)
    );
    assert_eq!(
        jsonb_set(&j("[0]"), &["0"], &deep, false),
        Err(JsonbError::TooDeep)
    );
    assert_eq!(
        to_jsonb(&JsonbInput::Array(vec![JsonbInput::Jsonb(deep.clone())])),
        Err(JsonbError::TooDeep)
    );
    assert_eq!(
        to_jsonb(&JsonbInput::Record(vec![(
            "f1".into(),
            JsonbInput::Jsonb(deep)
        )])),
        Err(JsonbError::TooDeep)
    );
}

mod properties {
    use arbor_jsonb::Jsonb;
    use arbor_jsonb::ops::*;
    use proptest::prelude::*;

    /// Small documents over a few keys, so paths and keys often coincide.
    fn document() -> impl Strategy<Value = Jsonb> {
        let leaf = prop_oneof![
            Just("null".to_string()),
            any::<bool>().prop_map(|b| b.to_string()),
            (-5i64..5).prop_map(|i| i.to_string()),
            Just("2.5".to_string()),
            prop::sample::select(vec!["\"a\"", "\"b\"", "\"\""]).prop_map(str::to_string),
        ];
        leaf.prop_recursive(3, 32, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4)
                    .prop_map(|v| format!("[{}]", v.join(","))),
                prop::collection::btree_map(prop::sample::select(vec!["a", "b", "c"]), inner, 0..4)
                    .prop_map(|m| {
                        let pairs: Vec<String> =
                            m.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
                        format!("{{{}}}", pairs.join(","))
                    }),
            ]
        })
        .prop_map(|t| Jsonb::parse(&t).unwrap())
    }

    /// Every path to a value inside `doc`, as text steps.
    fn paths(doc: &Jsonb) -> Vec<Vec<String>> {
        let mut out = Vec::new();
        let mut stack = vec![(doc.clone(), Vec::<String>::new())];
        while let Some((d, path)) = stack.pop() {
            if let Ok(pairs) = jsonb_each(&d) {
                for (k, v) in pairs {
                    let mut p = path.clone();
                    p.push(k);
                    out.push(p.clone());
                    stack.push((v, p));
                }
            } else if let Ok(items) = jsonb_array_elements(&d) {
                for (i, v) in items.into_iter().enumerate() {
                    let mut p = path.clone();
                    p.push(i.to_string());
                    out.push(p.clone());
                    stack.push((v, p));
                }
            }
        }
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        #[test]
        fn containment_is_reflexive_and_sees_parts(x in document()) {
            prop_assert!(contains(&x, &x));
            if let Ok(pairs) = jsonb_each(&x) {
                for (k, v) in pairs {
                    let part = jsonb_build_object(&[
                        JsonbInput::Text(k),
                        JsonbInput::Jsonb(v),
                    ]).unwrap();
                    prop_assert!(contains(&x, &part));
                }
            }
        }

        #[test]
        fn set_then_get(x in document(), v in document()) {
            for path in paths(&x) {
                let steps: Vec<&str> = path.iter().map(String::as_str).collect();
                let y = jsonb_set(&x, &steps, &v, false).unwrap();
                prop_assert_eq!(get_path(&y, &steps), Some(v.clone()));
                let z = delete_path(&x, &steps).unwrap();
                prop_assert!(jsonb_typeof(&z) == jsonb_typeof(&x));
            }
        }

        #[test]
        fn object_concat_contains_right_side(x in document(), y in document()) {
            if jsonb_typeof(&x) == "object" && jsonb_typeof(&y) == "object" {
                let z = concat(&x, &y).unwrap();
                prop_assert!(contains(&z, &y));
                for k in jsonb_object_keys(&x).unwrap() {
                    prop_assert!(exists(&z, &k));
                }
            }
        }

        #[test]
        fn pretty_text_parses_back(x in document()) {
            prop_assert_eq!(Jsonb::parse(&jsonb_pretty(&x)).unwrap(), x.clone());
            let stripped = jsonb_strip_nulls(&x);
            prop_assert_eq!(jsonb_strip_nulls(&stripped), stripped);
        }

        #[test]
        fn path_query_of_member_matches_arrow(x in document()) {
            if let Ok(keys) = jsonb_object_keys(&x) {
                for k in keys {
                    let got = jsonb_path_query_first(&x, &format!("$.\"{k}\""), None).unwrap();
                    prop_assert_eq!(got, get_field(&x, &k));
                }
            }
        }
    }
}
