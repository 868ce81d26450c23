//! Text round trip: printing a document and parsing the text gives back the
//! same document (same bytes), over generated documents with arbitrary
//! strings, integers and doubles.

#![allow(clippy::unwrap_used)]

use arbor_jsonb::ops::{jsonb_build_array, jsonb_build_object, to_jsonb};
use arbor_jsonb::{Jsonb, JsonbInput};
use proptest::prelude::*;

fn scalar() -> impl Strategy<Value = JsonbInput> {
    prop_oneof![
        Just(JsonbInput::Null),
        any::<bool>().prop_map(JsonbInput::Bool),
        any::<i64>().prop_map(JsonbInput::Int),
        (-1000i64..1000).prop_map(JsonbInput::Int),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(JsonbInput::Float),
        (-1.0e6f64..1.0e6).prop_map(JsonbInput::Float),
        any::<String>().prop_map(JsonbInput::Text),
        "[a-z\"\\\\\n\t ]{0,6}".prop_map(JsonbInput::Text),
    ]
}

fn document() -> impl Strategy<Value = Jsonb> {
    let leaf = scalar().prop_map(|s| {
        to_jsonb(&s)
            .unwrap()
            .unwrap_or_else(|| Jsonb::parse("null").unwrap())
    });
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(|items| {
                let args: Vec<JsonbInput> = items.into_iter().map(JsonbInput::Jsonb).collect();
                jsonb_build_array(&args).unwrap()
            }),
            prop::collection::vec((any::<String>(), inner), 0..6).prop_map(|pairs| {
                let args: Vec<JsonbInput> = pairs
                    .into_iter()
                    .flat_map(|(k, v)| [JsonbInput::Text(k), JsonbInput::Jsonb(v)])
                    .collect();
                jsonb_build_object(&args).unwrap()
            }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(10_000))]

    #[test]
    fn parse_of_display_is_identity(x in document()) {
        let text = x.to_string();
        let back = Jsonb::parse(&text);
        prop_assert_eq!(back.as_ref(), Ok(&x), "text: {}", text);
        prop_assert_eq!(Jsonb::from_bytes(x.as_bytes()), Ok(x.clone()));
    }
}

#[test]
fn numbers_have_one_form() {
    // Whole numbers in i64's range are integers however they are written.
    for (a, b) in [
        ("1e16", "10000000000000000"),
        ("-9.223372036854775808e18", "-9223372036854775808"),
        ("2.0", "2"),
        ("-0.0", "0"),
    ] {
        assert_eq!(
            Jsonb::parse(a).unwrap(),
            Jsonb::parse(b).unwrap(),
            "{a} = {b}"
        );
    }
    // Past i64, whole numbers are doubles, and print and parse back the same.
    for text in ["9223372036854775808", "1e300", "-1.7976931348623157e308"] {
        let x = Jsonb::parse(text).unwrap();
        assert_eq!(Jsonb::parse(&x.to_string()).unwrap(), x, "{text}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    /// `->` reads parts straight out of the stored bytes; those parts must be
    /// exactly the documents that decoding and re-encoding would give.
    #[test]
    fn parts_cut_from_bytes_are_canonical(x in document()) {
        let mut stack = vec![x];
        while let Some(d) = stack.pop() {
            if let Ok(pairs) = arbor_jsonb::ops::jsonb_each(&d) {
                for (k, v) in pairs {
                    let part = d.get_field(&k).unwrap();
                    prop_assert_eq!(&part, &v);
                    prop_assert_eq!(Jsonb::from_bytes(part.as_bytes()), Ok(v.clone()));
                    stack.push(v);
                }
            } else if let Ok(items) = arbor_jsonb::ops::jsonb_array_elements(&d) {
                let n = i64::try_from(items.len()).unwrap();
                for (i, v) in items.into_iter().enumerate() {
                    let i = i64::try_from(i).unwrap();
                    prop_assert_eq!(d.get_element(i), Some(v.clone()));
                    prop_assert_eq!(d.get_element(i - n), Some(v.clone()));
                    prop_assert_eq!(Jsonb::from_bytes(v.as_bytes()), Ok(v.clone()));
                    stack.push(v);
                }
                prop_assert_eq!(d.get_element(n), None);
                prop_assert_eq!(d.get_element(-n - 1), None);
            }
        }
    }
}
