//! Row bytes of any shape must decode or fail cleanly; so must table schemas.
#![no_main]

use arbor_schema::row::{RowColumn, decode_row};
use arbor_schema::{DataType, TableSchema, Value};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let types = [
        DataType::Integer,
        DataType::Text,
        DataType::Double,
        DataType::Numeric(None),
        DataType::Jsonb,
        DataType::Date,
        DataType::Timestamp,
        DataType::Uuid,
        DataType::Boolean,
        DataType::SmallInt,
        DataType::BigInt,
        DataType::Real,
        DataType::Bytea,
        DataType::Time,
        DataType::TimestampTz,
        DataType::Json,
    ];
    let columns: Vec<RowColumn> = types
        .iter()
        .enumerate()
        .map(|(i, t)| RowColumn { tag: i as u32 + 1, data_type: t.clone(), missing: Value::Null })
        .collect();
    if let Ok(values) = decode_row(data, &columns) {
        // What decodes encodes again and reads back the same.
        let pairs: Vec<(u32, &Value)> = columns.iter().map(|c| c.tag).zip(&values).collect();
        let again = arbor_schema::row::encode_row(&pairs);
        let back = decode_row(&again, &columns).expect("re-encoded rows decode");
        assert_eq!(back, values);
    }
    if let Ok(schema) = TableSchema::decode(data) {
        assert_eq!(TableSchema::decode(&schema.encode()).expect("re-encoded schemas decode"), schema);
    }
});
