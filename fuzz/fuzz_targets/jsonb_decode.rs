//! Stored jsonb bytes of any shape must decode to a value or an error, never
//! a panic; a value that decodes must print and compare.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(j) = arbor_jsonb::Jsonb::from_bytes(data) {
        let text = j.to_string();
        let again = arbor_jsonb::Jsonb::parse(&text).expect("printed jsonb parses");
        assert_eq!(again, j, "print then parse gives the same value");
        let _ = j.cmp(&again);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = arbor_jsonb::Jsonb::parse(text);
    }
});
