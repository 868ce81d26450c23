//! Stored jsonb bytes of any shape must decode to a value or an error, never
//! a panic; a value that decodes must print and parse back to itself, and
//! order consistently with equality. Text of any shape must parse or fail
//! cleanly.
#![no_main]

use std::cmp::Ordering;
use std::sync::LazyLock;

use arbor_jsonb::Jsonb;
use libfuzzer_sys::fuzz_target;

/// Documents of every kind to compare against, with numbers where integers
/// and doubles meet (2^53, 2^63).
static REFERENCE: LazyLock<Vec<Jsonb>> = LazyLock::new(|| {
    [
        "null",
        r#""""#,
        r#""a""#,
        "-1e19",
        "0",
        "2.5",
        "9007199254740993",
        "9223372036854775807",
        "9223372036854775808",
        "false",
        "true",
        "[]",
        "[1, [2]]",
        "{}",
        r#"{"a": 1, "bb": [null]}"#,
    ]
    .iter()
    .map(|t| Jsonb::parse(t).expect("reference documents parse"))
    .collect()
});

/// `Ord` agrees with `Eq` and is antisymmetric.
fn check_order(j: &Jsonb) {
    for r in REFERENCE.iter() {
        let o = j.cmp(r);
        assert_eq!(o, r.cmp(j).reverse(), "{j} vs {r}");
        assert_eq!(o == Ordering::Equal, j == r, "{j} vs {r}");
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(j) = Jsonb::from_bytes(data) {
        let text = j.to_string();
        let again = Jsonb::parse(&text).expect("printed jsonb parses");
        assert_eq!(again, j, "print then parse gives the same value");
        check_order(&j);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(j) = Jsonb::parse(text) {
            assert_eq!(Jsonb::from_bytes(j.as_bytes()).as_ref(), Ok(&j));
            check_order(&j);
        }
    }
});
