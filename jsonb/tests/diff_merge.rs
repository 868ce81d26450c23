//! Structural diff and three-way merge: nested objects and arrays, disjoint
//! edits combining, conflicts naming their paths, and the merge laws checked
//! over generated documents.

#![allow(clippy::unwrap_used)]

use arbor_jsonb::diff::path_text;
use arbor_jsonb::{Change, Conflict, Jsonb, PathStep, diff, merge};
use proptest::prelude::*;

fn j(s: &str) -> Jsonb {
    Jsonb::parse(s).unwrap()
}

/// Changes as `path: old -> new` lines.
fn show_diff(a: &str, b: &str) -> Vec<String> {
    diff(&j(a), &j(b)).iter().map(Change::to_string).collect()
}

fn merged(base: &str, ours: &str, theirs: &str) -> String {
    merge(&j(base), &j(ours), &j(theirs)).unwrap().to_string()
}

fn conflict_paths(base: &str, ours: &str, theirs: &str) -> Vec<String> {
    merge(&j(base), &j(ours), &j(theirs))
        .unwrap_err()
        .iter()
        .map(Conflict::path_text)
        .collect()
}

#[test]
fn equal_documents_have_no_changes() {
    assert!(show_diff(r#"{"a":[1,{"b":2}]}"#, r#"{"a":[1,{"b":2.0}]}"#).is_empty());
}

#[test]
fn diff_recurses_into_objects() {
    assert_eq!(
        show_diff(
            r#"{"a":{"b":1,"c":2,"d":{"e":true}},"f":"x"}"#,
            r#"{"a":{"b":1,"c":3,"d":{"e":false},"n":null},"g":"y"}"#
        ),
        [
            "{a,c}: 2 -> 3",
            "{a,d,e}: true -> false",
            "{a,n}: (absent) -> null",
            r#"{f}: "x" -> (absent)"#,
            r#"{g}: (absent) -> "y""#,
        ]
    );
}

#[test]
fn diff_of_equal_length_arrays_is_element_wise() {
    assert_eq!(
        show_diff(r#"{"a":[1,{"b":[2,3]},4]}"#, r#"{"a":[1,{"b":[2,5]},6]}"#),
        ["{a,1,b,1}: 3 -> 5", "{a,2}: 4 -> 6"]
    );
    let changes = diff(&j("[0,[1]]"), &j("[0,[2]]"));
    assert_eq!(changes[0].path, [PathStep::Index(1), PathStep::Index(0)]);
}

#[test]
fn diff_of_arrays_of_different_length_is_one_change() {
    assert_eq!(
        show_diff(r#"{"a":[1,2]}"#, r#"{"a":[1,2,3]}"#),
        ["{a}: [1, 2] -> [1, 2, 3]"]
    );
}

#[test]
fn diff_of_a_type_change_is_one_change() {
    assert_eq!(
        show_diff(r#"{"a":{"b":1}}"#, r#"{"a":[1]}"#),
        [r#"{a}: {"b": 1} -> [1]"#]
    );
    assert_eq!(show_diff("1", r#""1""#), [r#"{}: 1 -> "1""#]);
}

#[test]
fn diff_paths_quote_special_keys() {
    assert_eq!(
        show_diff(r#"{"a b":{"":1}}"#, r#"{"a b":{"":2}}"#),
        [r#"{"a b",""}: 1 -> 2"#]
    );
}

#[test]
fn disjoint_edits_merge() {
    let base = r#"{"name":"x","tags":["a","b"],"dims":{"w":1,"h":2},"old":0}"#;
    let ours = r#"{"name":"y","tags":["a","b"],"dims":{"w":10,"h":2},"old":0}"#;
    let theirs = r#"{"name":"x","tags":["a","c"],"dims":{"w":1,"h":2,"d":3}}"#;
    assert_eq!(
        merged(base, ours, theirs),
        r#"{"dims": {"d": 3, "h": 2, "w": 10}, "name": "y", "tags": ["a", "c"]}"#
    );
}

#[test]
fn equal_length_arrays_merge_element_wise() {
    assert_eq!(merged("[1,2,3]", "[9,2,3]", "[1,2,8]"), "[9, 2, 8]");
    assert_eq!(
        merged(
            r#"[{"a":1,"b":1},2]"#,
            r#"[{"a":5,"b":1},2]"#,
            r#"[{"a":1,"b":6},2]"#
        ),
        r#"[{"a": 5, "b": 6}, 2]"#
    );
}

#[test]
fn one_sided_array_length_change_is_taken() {
    assert_eq!(
        merged(
            r#"{"a":[1],"b":1}"#,
            r#"{"a":[1,2],"b":1}"#,
            r#"{"a":[1],"b":2}"#
        ),
        r#"{"a": [1, 2], "b": 2}"#
    );
}

#[test]
fn same_change_on_both_sides_is_fine() {
    assert_eq!(
        merged(r#"{"a":1,"b":1}"#, r#"{"a":2,"b":1}"#, r#"{"a":2,"b":3}"#),
        r#"{"a": 2, "b": 3}"#
    );
    // Both deleted the same key.
    assert_eq!(
        merged(r#"{"a":1,"b":1}"#, r#"{"b":1}"#, r#"{"b":2}"#),
        r#"{"b": 2}"#
    );
    // Both added the same key with the same value.
    assert_eq!(
        merged("{}", r#"{"k":[1]}"#, r#"{"k":[1]}"#),
        r#"{"k": [1]}"#
    );
}

#[test]
fn conflicts_name_their_paths() {
    assert_eq!(
        conflict_paths(
            r#"{"a":{"b":[0,0,0]}}"#,
            r#"{"a":{"b":[0,0,1]}}"#,
            r#"{"a":{"b":[0,0,2]}}"#
        ),
        ["{a,b,2}"]
    );
    // Every conflict is reported, in path order.
    assert_eq!(
        conflict_paths(
            r#"{"x":1,"y":{"z":1},"w":1}"#,
            r#"{"x":2,"y":{"z":2},"w":5}"#,
            r#"{"x":3,"y":{"z":3},"w":1}"#
        ),
        ["{x}", "{y,z}"]
    );
}

#[test]
fn conflict_kinds() {
    // Deleted on one side, edited on the other.
    let c = merge(&j(r#"{"a":1}"#), &j("{}"), &j(r#"{"a":2}"#)).unwrap_err();
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].path_text(), "{a}");
    assert_eq!(c[0].base, Some(j("1")));
    assert_eq!(c[0].ours, None);
    assert_eq!(c[0].theirs, Some(j("2")));
    assert_eq!(
        c[0].to_string(),
        "conflicting changes at {a}: base 1, ours (absent), theirs 2"
    );
    // Added on both sides with different values.
    assert_eq!(
        conflict_paths("{}", r#"{"k":{"a":1}}"#, r#"{"k":{"b":1}}"#),
        ["{k}"]
    );
    // An array whose length changed, changed differently on both sides.
    assert_eq!(
        conflict_paths(r#"{"a":[1,2]}"#, r#"{"a":[1,2,3]}"#, r#"{"a":[0,2]}"#),
        ["{a}"]
    );
    assert_eq!(
        conflict_paths(r#"{"a":[1,2]}"#, r#"{"a":[1]}"#, r#"{"a":[1,2,3]}"#),
        ["{a}"]
    );
    // A type change against an edit inside.
    assert_eq!(
        conflict_paths(r#"{"a":{"b":1}}"#, r#"{"a":"s"}"#, r#"{"a":{"b":2}}"#),
        ["{a}"]
    );
    // Whole documents of different kinds.
    assert_eq!(conflict_paths("1", "2", "3"), ["{}"]);
}

#[test]
fn path_text_of_indexes_and_keys() {
    assert_eq!(
        path_text(&[
            PathStep::Key("a".into()),
            PathStep::Key("b".into()),
            PathStep::Index(2)
        ]),
        "{a,b,2}"
    );
}

/// Documents built from a few keys and small values, so that generated
/// triples often touch the same places.
fn document() -> impl Strategy<Value = Jsonb> {
    let leaf = prop_oneof![
        Just("null".to_string()),
        any::<bool>().prop_map(|b| b.to_string()),
        (-3i64..4).prop_map(|i| i.to_string()),
        prop::sample::select(vec!["\"a\"", "\"b\"", "1.5"]).prop_map(str::to_string),
    ];
    let text = leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(","))),
            prop::collection::btree_map(
                prop::sample::select(vec!["k", "l", "m", "n"]),
                inner,
                0..4
            )
            .prop_map(|m| {
                let pairs: Vec<String> = m.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
                format!("{{{}}}", pairs.join(","))
            }),
        ]
    });
    text.prop_map(|t| j(&t))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn merge_laws(b in document(), x in document(), y in document()) {
        // Only one side changed: take it.
        prop_assert_eq!(merge(&b, &x, &b), Ok(x.clone()));
        prop_assert_eq!(merge(&b, &b, &x), Ok(x.clone()));
        // Both changed the same way.
        prop_assert_eq!(merge(&b, &x, &x), Ok(x.clone()));
        // Merging is symmetric: swapping sides gives the same document, or
        // conflicts at the same paths.
        match (merge(&b, &x, &y), merge(&b, &y, &x)) {
            (Ok(m), Ok(n)) => prop_assert_eq!(m, n),
            (Err(c), Err(d)) => prop_assert_eq!(
                c.iter().map(|c| c.path.clone()).collect::<Vec<_>>(),
                d.iter().map(|d| d.path.clone()).collect::<Vec<_>>()
            ),
            (m, n) => prop_assert!(false, "one way merges, the other not: {:?} / {:?}", m, n),
        }
    }

    #[test]
    fn merged_keeps_both_sides_changes(b in document(), x in document(), y in document()) {
        // A clean merge holds every change each side made: diffing it from
        // each side shows only the other side's changes, at their paths.
        if let Ok(m) = merge(&b, &x, &y) {
            for (side, other) in [(&x, &y), (&y, &x)] {
                let other_paths: Vec<Vec<PathStep>> =
                    diff(&b, other).into_iter().map(|c| c.path).collect();
                for change in diff(side, &m) {
                    // Each remaining difference lies on a path the other
                    // side changed (at, above or below it).
                    prop_assert!(
                        other_paths.iter().any(|p| p.starts_with(&change.path) || change.path.starts_with(p)),
                        "{} not explained by the other side", change
                    );
                }
            }
        }
    }

    #[test]
    fn diff_is_empty_only_for_equal_documents(a in document(), b in document()) {
        prop_assert_eq!(diff(&a, &b).is_empty(), a == b);
        prop_assert!(diff(&a, &a).is_empty());
    }
}
