//! Key and row encodings: round trips and order preservation as property
//! tests (10,000 cases each), schema evolution, and pinned schema bytes.

#![allow(clippy::unwrap_used)]

use std::cmp::Ordering;

use arbor_jsonb::Jsonb;
use arbor_schema::key::{KeyColumn, decode_key, encode_key};
use arbor_schema::row::{RowColumn, decode_row, encode_row, highest_tag};
use arbor_schema::table::{CheckConstraint, ForeignKey, ForeignKeyAction, Index, UniqueConstraint};
use arbor_schema::{DataType, TableSchema, Value};
use chrono::{DateTime, NaiveDate, NaiveTime};
use proptest::prelude::*;
use rust_decimal::Decimal;

/// Types usable in keys.
fn key_type() -> impl Strategy<Value = DataType> {
    prop_oneof![
        Just(DataType::Boolean),
        Just(DataType::SmallInt),
        Just(DataType::Integer),
        Just(DataType::BigInt),
        Just(DataType::Real),
        Just(DataType::Double),
        Just(DataType::Numeric(None)),
        Just(DataType::Text),
        Just(DataType::Bytea),
        Just(DataType::Date),
        Just(DataType::Time),
        Just(DataType::Timestamp),
        Just(DataType::TimestampTz),
        Just(DataType::Uuid),
        Just(DataType::Varchar(Some(10))),
        Just(DataType::Char(4)),
        Just(DataType::Jsonb),
        Just(DataType::Interval),
        Just(DataType::Array(Box::new(DataType::Integer))),
        Just(DataType::Array(Box::new(DataType::Text))),
        Just(DataType::Array(Box::new(DataType::Numeric(None)))),
        Just(mood()),
        Just(DataType::Array(Box::new(mood()))),
    ]
}

/// An enum type whose labels sort otherwise than their text.
fn mood() -> DataType {
    DataType::Enum(std::sync::Arc::new(arbor_schema::EnumType {
        name: "mood".into(),
        labels: vec!["sad".into(), "ok".into(), "happy".into(), "".into()],
    }))
}

/// JSON text of random documents: every jsonb kind, integers small, huge
/// and past 2^53 (where the f64 image alone cannot order them), 2^63 (a
/// double whose image the largest integers share), floats,
/// strings with prefixes of each other, nested arrays and objects.
fn json_text() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_string()),
        any::<bool>().prop_map(|b| b.to_string()),
        (-5i64..5).prop_map(|i| i.to_string()),
        any::<i64>().prop_map(|i| i.to_string()),
        prop_oneof![
            Just(9_007_199_254_740_993i64),
            Just(9_007_199_254_740_992i64),
            Just(-9_007_199_254_740_993i64),
            Just(9_223_372_036_854_775_807i64),
            Just(9_223_372_036_854_775_300i64),
        ]
        .prop_map(|i| i.to_string()),
        // 2^63, a double that shares its f64 image with the largest integers.
        Just("9223372036854775808".to_string()),
        (-100i32..100).prop_map(|i| format!("{i}.25")),
        Just("1e300".to_string()),
        Just("-2.5e-7".to_string()),
        prop::collection::vec(
            prop::sample::select(vec!['a', 'b', '"', '\\', '\u{e9}', '\u{1}']),
            0..4
        )
        .prop_map(|c| json_string(&c.into_iter().collect::<String>())),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(","))),
            prop::collection::btree_map("[ab]{0,3}", inner, 0..4).prop_map(|kv| {
                let pairs: Vec<String> = kv
                    .iter()
                    .map(|(k, v)| format!("{}:{v}", json_string(k)))
                    .collect();
                format!("{{{}}}", pairs.join(","))
            }),
        ]
    })
}

fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn special_float() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => any::<f64>(),
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => Just(f64::NEG_INFINITY),
        1 => Just(0.0),
        1 => Just(-0.0),
        2 => (-1000i32..1000).prop_map(f64::from),
    ]
}

fn decimal() -> impl Strategy<Value = Decimal> {
    prop_oneof![
        // One value at several scales: 1.5, 1.50, 1.500 are equal.
        (-1000i64..1000, 0u32..3, 0u32..4)
            .prop_map(|(m, s, k)| Decimal::new(m * 10i64.pow(k), s + k)),
        (any::<i64>(), 0u32..12).prop_map(|(m, s)| Decimal::new(m, s)),
        (-100i64..100, 0u32..4).prop_map(|(m, s)| Decimal::new(m, s)),
        Just(Decimal::ZERO),
        (any::<i64>(), 0u32..28).prop_map(|(m, s)| Decimal::new(m, s)),
    ]
}

/// A value of type `t`, NULL one time in eight.
fn value_of(t: DataType) -> BoxedStrategy<Value> {
    let v: BoxedStrategy<Value> = match t {
        DataType::Boolean => any::<bool>().prop_map(Value::Boolean).boxed(),
        DataType::SmallInt => any::<i16>().prop_map(Value::SmallInt).boxed(),
        DataType::Integer => any::<i32>().prop_map(Value::Integer).boxed(),
        DataType::BigInt => any::<i64>().prop_map(Value::BigInt).boxed(),
        DataType::Real => special_float().prop_map(|f| Value::Real(f as f32)).boxed(),
        DataType::Double => special_float().prop_map(Value::Double).boxed(),
        DataType::Numeric(_) => decimal().prop_map(Value::Numeric).boxed(),
        DataType::Text | DataType::Varchar(_) | DataType::Char(_) => {
            prop_oneof![".{0,8}", "[a\u{0}b]{0,6}", Just(String::new())]
                .prop_map(Value::Text)
                .boxed()
        }
        DataType::Bytea => {
            prop::collection::vec(prop_oneof![Just(0u8), Just(0xffu8), any::<u8>()], 0..8)
                .prop_map(Value::Bytea)
                .boxed()
        }
        DataType::Date => (-100_000i32..100_000)
            .prop_map(|d| {
                Value::Date(
                    NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()
                        + chrono::Duration::days(i64::from(d)),
                )
            })
            .boxed(),
        DataType::Time => (0i64..86_400_000_000)
            .prop_map(|us| {
                Value::Time(
                    NaiveTime::MIN
                        .overflowing_add_signed(chrono::Duration::microseconds(us))
                        .0,
                )
            })
            .boxed(),
        DataType::Timestamp => (-4_000_000_000_000_000i64..4_000_000_000_000_000)
            .prop_map(|us| {
                Value::Timestamp(DateTime::from_timestamp_micros(us).unwrap().naive_utc())
            })
            .boxed(),
        DataType::TimestampTz => (-4_000_000_000_000_000i64..4_000_000_000_000_000)
            .prop_map(|us| Value::TimestampTz(DateTime::from_timestamp_micros(us).unwrap()))
            .boxed(),
        DataType::Uuid => any::<[u8; 16]>()
            .prop_map(|b| Value::Uuid(uuid::Uuid::from_bytes(b)))
            .boxed(),
        DataType::Json => ".{0,10}".prop_map(Value::Json).boxed(),
        DataType::Jsonb => json_text()
            .prop_map(|s| Value::Jsonb(Jsonb::parse(&s).unwrap()))
            .boxed(),
        // Small fields in whole days half the time, so that equal spans of
        // different fields ('1 mon', '30 days') are common.
        DataType::Interval => prop_oneof![
            (-3i32..3, -60i32..60, -3i64..3).prop_map(|(m, d, k)| Value::Interval(
                arbor_schema::Interval::new(m, d, k * 86_400_000_000)
            )),
            (any::<i32>(), any::<i32>(), any::<i64>())
                .prop_map(|(m, d, us)| Value::Interval(arbor_schema::Interval::new(m, d, us))),
        ]
        .boxed(),
        // Short arrays with NULL elements; text elements full of the
        // characters an array's text form quotes or escapes.
        DataType::Array(element) => {
            let item = match *element {
                DataType::Text => prop_oneof![
                    7 => "[a-c ,\"{}\\\\]{0,4}".prop_map(Value::Text),
                    1 => Just(Value::Null)
                ]
                .boxed(),
                other => value_of(other),
            };
            prop::collection::vec(item, 0..4)
                .prop_map(Value::Array)
                .boxed()
        }
        DataType::Vector(_) => unreachable!("no column is a vector"),
        DataType::Enum(e) => {
            let n = u32::try_from(e.labels.len()).unwrap_or(0);
            (0..n).prop_map(move |p| Value::Enum(e.clone(), p)).boxed()
        }
    };
    prop_oneof![7 => v, 1 => Just(Value::Null)].boxed()
}

fn key_column() -> impl Strategy<Value = KeyColumn> {
    (key_type(), any::<bool>(), any::<bool>()).prop_map(|(data_type, descending, nulls_first)| {
        KeyColumn {
            data_type,
            descending,
            nulls_first,
        }
    })
}

/// Two keys over the same random columns; each column of the second key
/// copies the first's half of the time, so equal prefixes are common.
fn key_pair() -> impl Strategy<Value = (Vec<KeyColumn>, Vec<Value>, Vec<Value>)> {
    prop::collection::vec(key_column(), 1..4).prop_flat_map(|cols| {
        let a: Vec<_> = cols.iter().map(|c| value_of(c.data_type.clone())).collect();
        let b: Vec<_> = cols.iter().map(|c| value_of(c.data_type.clone())).collect();
        let copy = prop::collection::vec(any::<bool>(), cols.len());
        (Just(cols), a, b, copy).prop_map(|(cols, a, b, copy)| {
            let b = b
                .into_iter()
                .zip(&a)
                .zip(copy)
                .map(|((b, a), copy)| if copy { a.clone() } else { b })
                .collect();
            (cols, a, b)
        })
    })
}

/// The SQL order of two keys, written independently of the encoder: per
/// column, NULL placement first, then the value order, reversed for DESC.
fn reference_cmp(cols: &[KeyColumn], a: &[Value], b: &[Value]) -> Ordering {
    for ((c, x), y) in cols.iter().zip(a).zip(b) {
        let o = match (x.is_null(), y.is_null()) {
            (true, true) => Ordering::Equal,
            (true, false) => {
                if c.nulls_first {
                    Ordering::Less
                } else {
                    Ordering::Greater
                }
            }
            (false, true) => {
                if c.nulls_first {
                    Ordering::Greater
                } else {
                    Ordering::Less
                }
            }
            (false, false) => {
                // Equal intervals of different fields are different keys,
                // ordered by their months, then their days.
                let o = match (x, y) {
                    (Value::Interval(i), Value::Interval(j)) => x
                        .total_cmp(y)
                        .then(i.months.cmp(&j.months))
                        .then(i.days.cmp(&j.days)),
                    _ => x.total_cmp(y),
                };
                if c.descending { o.reverse() } else { o }
            }
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

/// Equality of decoded values, where floats and numerics compare by value
/// (NaN = NaN, and numerics may come back normalized: 1.50 as 1.5).
fn same(a: &Value, b: &Value) -> bool {
    if let (Value::Jsonb(x), Value::Jsonb(y)) = (a, b) {
        return x.as_bytes() == y.as_bytes();
    }
    if let (Value::Interval(x), Value::Interval(y)) = (a, b) {
        return x == y;
    }
    a.total_cmp(b) == Ordering::Equal && a.data_type() == b.data_type()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(10_000))]

    #[test]
    fn keys_round_trip((cols, a, _) in key_pair()) {
        let bytes = encode_key(&a, &cols).unwrap();
        let back = decode_key(&bytes, &cols).unwrap();
        prop_assert_eq!(back.len(), a.len());
        for (x, y) in back.iter().zip(&a) {
            prop_assert!(same(x, y), "{:?} came back as {:?}", y, x);
        }
    }

    #[test]
    fn key_bytes_order_is_sql_order((cols, a, b) in key_pair()) {
        let (ka, kb) = (encode_key(&a, &cols).unwrap(), encode_key(&b, &cols).unwrap());
        prop_assert_eq!(ka.cmp(&kb), reference_cmp(&cols, &a, &b), "{:?} vs {:?} over {:?}", a, b, cols);
    }

    #[test]
    fn rows_round_trip(types in prop::collection::vec(prop_oneof![key_type(), Just(DataType::Json), Just(DataType::Jsonb)], 0..8)
        .prop_flat_map(|types| {
            let values: Vec<_> = types.iter().map(|t| value_of(t.clone())).collect();
            (Just(types), values)
        })) {
        let (types, values) = types;
        let pairs: Vec<(u32, &Value)> = values.iter().enumerate().map(|(i, v)| (i as u32 * 3 + 1, v)).collect();
        let bytes = encode_row(&pairs);
        let cols: Vec<RowColumn> = types.iter().enumerate()
            .map(|(i, t)| RowColumn { tag: i as u32 * 3 + 1, data_type: t.clone(), missing: Value::Null })
            .collect();
        let back = decode_row(&bytes, &cols).unwrap();
        for (x, y) in back.iter().zip(&values) {
            prop_assert!(x.is_null() && y.is_null() || same(x, y), "{:?} came back as {:?}", y, x);
        }
    }

    #[test]
    fn damaged_keys_and_rows_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..40), cols in prop::collection::vec(key_column(), 1..3)) {
        let _ = decode_key(&bytes, &cols);
        let row_cols: Vec<RowColumn> = cols.iter().enumerate()
            .map(|(i, c)| RowColumn { tag: i as u32, data_type: c.data_type.clone(), missing: Value::Null })
            .collect();
        let _ = decode_row(&bytes, &row_cols);
        let _ = TableSchema::decode(&bytes);
    }
}

#[test]
fn float_and_numeric_key_edge_cases() {
    let col = [KeyColumn::asc(DataType::Double)];
    let enc = |f: f64| encode_key(&[Value::Double(f)], &col).unwrap();
    assert_eq!(enc(-0.0), enc(0.0), "-0 and 0 are equal in SQL");
    assert_eq!(enc(f64::NAN), enc(-f64::NAN), "all NaNs are one value");
    assert!(enc(f64::INFINITY) < enc(f64::NAN));
    assert!(enc(f64::NEG_INFINITY) < enc(-1e308));
    let n = [KeyColumn::asc(DataType::Numeric(None))];
    let num = |s: &str| encode_key(&[Value::Numeric(s.parse().unwrap())], &n).unwrap();
    assert_eq!(num("1.5"), num("1.50"));
    assert!(
        num("-10") < num("-9.99")
            && num("-9.99") < num("0")
            && num("0") < num("0.001")
            && num("0.001") < num("100")
    );
    let t = [
        KeyColumn::asc(DataType::Text),
        KeyColumn::asc(DataType::Integer),
    ];
    let comp =
        |s: &str, i: i32| encode_key(&[Value::Text(s.into()), Value::Integer(i)], &t).unwrap();
    assert!(
        comp("a", 9) < comp("a\u{0}", 0) && comp("a\u{0}", 0) < comp("ab", 0),
        "prefixes sort first"
    );
}

#[test]
fn rows_survive_added_and_dropped_columns() {
    let (a, b, c) = (
        Value::Integer(1),
        Value::Text("x".into()),
        Value::Double(2.5),
    );
    let old_row = encode_row(&[(1, &a), (2, &b), (3, &c)]);
    // Column 2 dropped; column 4 added later with a missing value of 7.
    let now = [
        RowColumn {
            tag: 1,
            data_type: DataType::Integer,
            missing: Value::Null,
        },
        RowColumn {
            tag: 3,
            data_type: DataType::Double,
            missing: Value::Null,
        },
        RowColumn {
            tag: 4,
            data_type: DataType::BigInt,
            missing: Value::BigInt(7),
        },
        RowColumn {
            tag: 5,
            data_type: DataType::Text,
            missing: Value::Null,
        },
    ];
    let read = decode_row(&old_row, &now).unwrap();
    assert_eq!(read, vec![a, c, Value::BigInt(7), Value::Null]);
}

/// A row's highest tag comes from its framing: NULLs are not stored, and
/// damaged framing is an error.
#[test]
fn highest_tag_reads_the_framing() {
    let (a, c) = (Value::Integer(1), Value::Text("x".into()));
    assert_eq!(
        highest_tag(&encode_row(&[(1, &a), (2, &Value::Null)])).unwrap(),
        Some(1)
    );
    assert_eq!(
        highest_tag(&encode_row(&[(3, &c), (1, &a)])).unwrap(),
        Some(3)
    );
    assert_eq!(
        highest_tag(&encode_row(&[(2, &Value::Null)])).unwrap(),
        None
    );
    let row = encode_row(&[(1, &a), (9, &c)]);
    for cut in 0..row.len() {
        assert!(highest_tag(&row[..cut]).is_err(), "cut at {cut}");
    }
}

fn sample_schema() -> TableSchema {
    let mut s = TableSchema::new("orders");
    let id = s.add_column("id", DataType::BigInt, false);
    let customer = s.add_column("customer", DataType::Varchar(Some(40)), false);
    let total = s.add_column("total", DataType::Numeric(Some((10, 2))), true);
    let attrs = s.add_column("attrs", DataType::Jsonb, true);
    s.columns[2].default = Some("0".into());
    s.columns[3].missing = Some(Value::Jsonb(Jsonb::parse("{}").unwrap()));
    s.primary_key = vec![id];
    s.uniques.push(UniqueConstraint {
        name: "orders_customer_key".into(),
        columns: vec![customer],
    });
    s.checks.push(CheckConstraint {
        name: "orders_total_check".into(),
        expression: "total >= 0".into(),
    });
    s.indexes.push(Index {
        name: "by_total".into(),
        unique: false,
        columns: vec![(total, true)],
    });
    s.foreign_keys.push(ForeignKey {
        name: "orders_customer_fkey".into(),
        columns: vec![customer],
        referenced_table: "customers".into(),
        referenced_columns: vec!["name".into()],
        on_delete: ForeignKeyAction::Cascade,
        on_update: ForeignKeyAction::NoAction,
    });
    let _ = attrs;
    s
}

#[test]
fn schemas_round_trip_and_their_bytes_are_pinned() {
    let s = sample_schema();
    let bytes = s.encode();
    assert_eq!(TableSchema::decode(&bytes).unwrap(), s);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(hex, GOLDEN_SCHEMA);
    // Every truncation is an error, never a panic.
    for cut in 0..bytes.len() {
        assert!(TableSchema::decode(&bytes[..cut]).is_err(), "cut at {cut}");
    }
}

const GOLDEN_SCHEMA: &str = "01066f7264657273050401026964040000000208637573746f6d65720901280000000305746f74616c07010a02010101300004056174747273120100010701000440000000010101136f72646572735f637573746f6d65725f6b6579010201126f72646572735f746f74616c5f636865636b0a746f74616c203e3d2030010862795f746f74616c0001030101146f72646572735f637573746f6d65725f666b6579010209637573746f6d65727301046e616d650200";

/// A column's flags byte: bit 0 nullable, bit 1 an identity column
/// GENERATED ALWAYS; schemas without the second (the golden above) read
/// as before, and an unknown bit is damage.
#[test]
fn generated_always_is_a_column_flag() {
    let mut s = TableSchema::new("t");
    let id = s.add_column("id", DataType::Integer, false);
    s.columns[0].generated_always = true;
    s.primary_key = vec![id];
    let bytes = s.encode();
    assert_eq!(TableSchema::decode(&bytes).unwrap(), s);
    // format, "t", next_tag, one column: tag, "id", integer, then the flags.
    let flags_at = 1 + 2 + 1 + 1 + 1 + 3 + 1;
    assert_eq!(bytes[flags_at], 0b10);
    let mut damaged = bytes.clone();
    damaged[flags_at] = 0b100;
    assert!(TableSchema::decode(&damaged).is_err());
}

#[test]
fn tags_are_never_reused() {
    let mut s = TableSchema::new("t");
    let a = s.add_column("a", DataType::Integer, true);
    s.columns.clear();
    let b = s.add_column("a", DataType::Integer, true);
    assert_ne!(a, b, "a dropped and re-added column gets a new tag");
}

/// The examples drawn in docs/schema.md, so the document cannot drift.
#[test]
fn documented_examples_hold() {
    let hex = |b: Vec<u8>| {
        b.iter()
            .map(|b| format!("{b:02X}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let n = [KeyColumn::asc(DataType::Numeric(None))];
    let num = |s: &str| hex(encode_key(&[Value::Numeric(s.parse().unwrap())], &n).unwrap());
    assert_eq!(num("1.5"), "01 03 80 01 02 06 00");
    assert_eq!(num("15"), "01 03 80 02 02 06 00");
    assert_eq!(num("-1.5"), "01 01 7F FE FD F9 FF");
    let cols = [
        KeyColumn::asc(DataType::Integer),
        KeyColumn::desc(DataType::Text),
    ];
    assert_eq!(
        hex(encode_key(&[Value::Integer(5), Value::Text("ab".into())], &cols).unwrap()),
        "01 80 00 00 05 FE 9E 9D FF FF"
    );
    let row = encode_row(&[
        (1, &Value::Integer(7)),
        (2, &Value::Null),
        (3, &Value::Text("hi".into())),
    ]);
    assert_eq!(hex(row), "02 01 04 07 00 00 00 03 02 68 69");
    let t = [KeyColumn::asc(DataType::Text)];
    let text = |s: &str| hex(encode_key(&[Value::Text(s.into())], &t).unwrap());
    assert_eq!(text("a\u{0}"), "01 61 00 FF 00 00");
    // json has no order and is refused in keys; jsonb orders as PostgreSQL does.
    let e = encode_key(
        &[Value::Json("1".into())],
        &[KeyColumn::asc(DataType::Json)],
    )
    .unwrap_err();
    assert_eq!(e.code, "0A000");
    let j = [KeyColumn::asc(DataType::Jsonb)];
    let doc = |s: &str| encode_key(&[Value::Jsonb(Jsonb::parse(s).unwrap())], &j).unwrap();
    let ordered = [
        "null",
        "\"\"",
        "\"a\"",
        "-1",
        "0",
        "2.5",
        "false",
        "true",
        "[]",
        "[1]",
        "[0, 0]",
        "{}",
        "{\"a\": 1}",
        "{\"b\": 1}",
        "{\"a\": 1, \"b\": 1}",
    ];
    for w in ordered.windows(2) {
        assert!(doc(w[0]) < doc(w[1]), "{} < {}", w[0], w[1]);
    }
    // Numbers by exact value, across integers and doubles sharing an f64
    // image: 2^63 is a double above the largest integers, which round to it.
    let numbers = [
        "-1e19",
        "-9223372036854775808",
        "-2.5",
        "9007199254740992",
        "9007199254740993",
        "9223372036854775296",
        "9223372036854775807",
        "9223372036854775808",
        "1e19",
    ];
    for w in numbers.windows(2) {
        assert!(doc(w[0]) < doc(w[1]), "{} < {}", w[0], w[1]);
    }
    let two_pow_63 = doc("9223372036854775808");
    assert_eq!(hex(two_pow_63.clone()), "01 03 C3 E0 00 00 00 00 00 00 02");
    let back = decode_key(&two_pow_63, &j).unwrap();
    assert_eq!(
        back,
        vec![Value::Jsonb(Jsonb::parse("9223372036854775808").unwrap())]
    );
    // A float marked as 2^63 that is not 2^63, or 2^63 marked as other floats, is corrupt.
    let mut wrong = doc("2.5");
    *wrong.last_mut().unwrap() = 0x02;
    assert!(decode_key(&wrong, &j).is_err());
    let mut wrong = two_pow_63;
    *wrong.last_mut().unwrap() = 0x00;
    assert!(decode_key(&wrong, &j).is_err());
}
