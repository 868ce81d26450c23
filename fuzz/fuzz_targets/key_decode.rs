//! Key bytes of any shape must decode or fail cleanly for every column type
//! and direction; a key that decodes must encode back to the same bytes.
#![no_main]

use arbor_schema::DataType;
use arbor_schema::key::{KeyColumn, decode_key, encode_key};
use libfuzzer_sys::fuzz_target;

const TYPES: [DataType; 17] = [
    DataType::Boolean,
    DataType::SmallInt,
    DataType::Integer,
    DataType::BigInt,
    DataType::Real,
    DataType::Double,
    DataType::Numeric(None),
    DataType::Text,
    DataType::Bytea,
    DataType::Date,
    DataType::Time,
    DataType::Timestamp,
    DataType::Uuid,
    DataType::TimestampTz,
    DataType::Varchar(Some(8)),
    DataType::Char(3),
    DataType::Jsonb,
];

fuzz_target!(|data: &[u8]| {
    let Some((&shape, bytes)) = data.split_first() else { return };
    let n = usize::from(shape % 3) + 1;
    let columns: Vec<KeyColumn> = (0..n)
        .map(|i| {
            let t = TYPES[usize::from(shape.rotate_left(i as u32 * 3)) % TYPES.len()].clone();
            // Bits 5..7 pick DESC per column; bit 4 flips NULL placement.
            let mut c = if shape & (1 << (5 + i)) != 0 { KeyColumn::desc(t) } else { KeyColumn::asc(t) };
            c.nulls_first ^= shape & 0x10 != 0;
            c
        })
        .collect();
    if let Ok(values) = decode_key(bytes, &columns) {
        let again = encode_key(&values, &columns).expect("decoded values encode");
        let back = decode_key(&again, &columns).expect("re-encoded keys decode");
        assert_eq!(back, values);
    }
});
