//! Inferring a table's column types and nullability from its data.
//!
//! Text (CSV-like files): a column whose every non-NULL value is `true`,
//! `false`, `t` or `f` (any case) is `boolean`; whole numbers are
//! `integer`, or `bigint` when one does not fit 32 bits, or `numeric` when
//! one does not fit 64; numbers with a fraction or exponent (mixed with
//! whole ones or not) are `double precision`; JSON objects and arrays
//! (`{...}`, `[...]`) are `jsonb`; anything else is `text`.
//!
//! JSON files keep JSON's types: objects and arrays make a column `jsonb`,
//! strings `text`, numbers and booleans as above; numbers mixed with
//! booleans are `text`. A column with no NULL is NOT NULL; a column with
//! no value at all is nullable `text`.

use arbor_schema::DataType;

use super::source::Raw;

/// What the values of one column could all be.
#[derive(Clone, Debug)]
pub struct ColumnGuess {
    seen: u64,
    nulls: bool,
    boolean: bool,
    int32: bool,
    int64: bool,
    whole: bool,
    float: bool,
    json: bool,
    /// JSON files: an object or array was seen.
    structured: bool,
    /// JSON files: a string was seen.
    string: bool,
}

impl Default for ColumnGuess {
    fn default() -> ColumnGuess {
        ColumnGuess {
            seen: 0,
            nulls: false,
            boolean: true,
            int32: true,
            int64: true,
            whole: true,
            float: true,
            json: true,
            structured: false,
            string: false,
        }
    }
}

fn is_whole(s: &str) -> bool {
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

fn is_float(s: &str) -> bool {
    // A plain decimal of fewer than 300 characters is a finite double;
    // anything else (an exponent, say) is read to find out.
    (s.len() < 300 && is_plain_decimal(s))
        || (s.bytes().any(|b| b.is_ascii_digit())
            && s.bytes()
                .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'))
            && s.parse::<f64>().is_ok_and(f64::is_finite))
}

/// Whether `s` is digits with at most one decimal point (and at least one
/// digit), after an optional sign: `12`, `-1.5`, `.5`, `2.`.
fn is_plain_decimal(s: &str) -> bool {
    let b = s.strip_prefix(['-', '+']).unwrap_or(s).as_bytes();
    let (whole, fraction) = match b.iter().position(|&c| c == b'.') {
        Some(point) => (&b[..point], &b[point + 1..]),
        None => (b, &b[..0]),
    };
    whole.len() + fraction.len() > 0
        && whole.iter().all(u8::is_ascii_digit)
        && fraction.iter().all(u8::is_ascii_digit)
}

impl ColumnGuess {
    /// Narrows the guess with one more value.
    pub fn see(&mut self, raw: &Raw) {
        match raw {
            Raw::Null => self.nulls = true,
            Raw::Text(s) => self.see_str(s),
            Raw::Json(v) => {
                self.seen += 1;
                match v {
                    serde_json::Value::Null => {
                        self.seen -= 1;
                        self.nulls = true;
                    }
                    serde_json::Value::Bool(_) => {
                        self.int32 = false;
                        self.int64 = false;
                        self.whole = false;
                        self.float = false;
                        self.json = false;
                    }
                    serde_json::Value::Number(n) => {
                        self.boolean = false;
                        self.see_text(&n.to_string(), None);
                        // A number is never a JSON object or array.
                        self.json = false;
                    }
                    serde_json::Value::String(_) => self.string = true,
                    serde_json::Value::Array(_) | serde_json::Value::Object(_) => {
                        self.structured = true;
                    }
                }
            }
        }
    }

    /// Narrows the guess with one more text value (`Raw::Text`).
    pub fn see_str(&mut self, s: &str) {
        self.seen += 1;
        self.see_text(s, None);
    }

    /// Narrows the guess with a text value that is already known to be a
    /// JSON document Arbor accepts (it was just converted to jsonb), so it
    /// is not parsed a second time.
    pub fn see_json_text(&mut self, s: &str) {
        self.seen += 1;
        self.see_text(s, Some(true));
    }

    /// `json_valid`: whether `s` is known to parse as jsonb, if known.
    fn see_text(&mut self, s: &str, json_valid: Option<bool>) {
        if self.boolean {
            self.boolean = ["t", "f", "true", "false"]
                .iter()
                .any(|b| s.eq_ignore_ascii_case(b));
        }
        if self.whole {
            self.whole = is_whole(s);
            // Up to 9 digits always fit 32 bits and up to 18 always fit
            // 64: only longer numbers need reading.
            let digits = s.len() - usize::from(s.starts_with(['-', '+']));
            if self.whole {
                if self.int64 && (digits > 18 || (self.int32 && digits > 9)) {
                    match s.parse::<i64>() {
                        Ok(i) => self.int32 &= i32::try_from(i).is_ok(),
                        Err(_) => {
                            self.int32 = false;
                            self.int64 = false;
                        }
                    }
                }
            } else {
                self.int32 = false;
                self.int64 = false;
            }
        }
        if self.float {
            // A whole number of fewer than 300 digits is a finite double:
            // no need to parse it again.
            self.float = (self.whole && s.len() < 300) || is_float(s);
        }
        if self.json {
            // Arbor's own parser decides, so a column inferred as jsonb
            // always loads.
            self.json = (s.starts_with('{') || s.starts_with('['))
                && json_valid.unwrap_or_else(|| arbor_jsonb::Jsonb::parse(s).is_ok());
        }
    }

    /// Widens this guess to also cover every value `other` saw (the same
    /// column read from another file).
    pub fn merge(&mut self, other: &ColumnGuess) {
        self.seen += other.seen;
        self.nulls |= other.nulls;
        self.boolean &= other.boolean;
        self.int32 &= other.int32;
        self.int64 &= other.int64;
        self.whole &= other.whole;
        self.float &= other.float;
        self.json &= other.json;
        self.structured |= other.structured;
        self.string |= other.string;
    }

    /// Whether the column had a NULL.
    pub fn nullable(&self) -> bool {
        self.nulls || self.seen == 0
    }

    /// The inferred type.
    pub fn data_type(&self) -> DataType {
        if self.seen == 0 {
            return DataType::Text;
        }
        if self.structured {
            return DataType::Jsonb;
        }
        if self.string {
            return DataType::Text;
        }
        if self.boolean {
            DataType::Boolean
        } else if self.int32 {
            DataType::Integer
        } else if self.int64 {
            DataType::BigInt
        } else if self.whole {
            DataType::Numeric(None)
        } else if self.float {
            DataType::Double
        } else if self.json {
            DataType::Jsonb
        } else {
            DataType::Text
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The shortcuts (plain decimals are finite doubles, short whole
        /// numbers fit 32 bits) guess what reading every number does.
        #[test]
        fn guesses_without_reading_numbers_match_reading_them(
            values in prop::collection::vec("[-+]?[0-9.eE+-]{0,12}|[0-9]{8,20}|-?[0-9]{1,10}", 1..6)
        ) {
            for v in &values {
                let read = v.bytes().any(|b| b.is_ascii_digit())
                    && v.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'))
                    && v.parse::<f64>().is_ok_and(f64::is_finite);
                prop_assert_eq!(is_float(v), read, "{}", v);
            }
            let mut g = ColumnGuess::default();
            let (mut int32, mut int64) = (true, true);
            for v in &values {
                g.see_str(v);
                match v.parse::<i64>() {
                    Ok(i) if is_whole(v) => int32 &= i32::try_from(i).is_ok(),
                    _ => (int32, int64) = (false, false),
                }
            }
            prop_assert_eq!((g.int32, g.int64), (int32, int64), "{:?}", values);
        }
    }

    fn guess(values: &[Option<&str>]) -> (DataType, bool) {
        let mut g = ColumnGuess::default();
        for v in values {
            g.see(&match v {
                Some(s) => Raw::Text((*s).to_string()),
                None => Raw::Null,
            });
        }
        (g.data_type(), g.nullable())
    }

    #[test]
    fn text_values() {
        assert_eq!(guess(&[Some("1"), Some("-2")]), (DataType::Integer, false));
        assert_eq!(
            guess(&[Some("1"), Some("3000000000")]),
            (DataType::BigInt, false)
        );
        assert_eq!(
            guess(&[Some("99999999999999999999")]),
            (DataType::Numeric(None), false)
        );
        assert_eq!(guess(&[Some("1"), Some("2.5")]), (DataType::Double, false));
        assert_eq!(guess(&[Some("1e3"), None]), (DataType::Double, true));
        assert_eq!(
            guess(&[Some("true"), Some("F")]),
            (DataType::Boolean, false)
        );
        assert_eq!(
            guess(&[Some("{\"a\": 1}"), Some("[1]")]),
            (DataType::Jsonb, false)
        );
        assert_eq!(guess(&[Some("{oops")]), (DataType::Text, false));
        assert_eq!(guess(&[Some("1"), Some("x")]), (DataType::Text, false));
        assert_eq!(guess(&[Some("nan")]), (DataType::Text, false));
        assert_eq!(guess(&[None]), (DataType::Text, true));
        assert_eq!(guess(&[]), (DataType::Text, true));
    }

    #[test]
    fn json_values() {
        let mut g = ColumnGuess::default();
        g.see(&Raw::Json(serde_json::json!(1)));
        g.see(&Raw::Json(serde_json::json!({"a": 1})));
        assert_eq!(g.data_type(), DataType::Jsonb);
        let mut g = ColumnGuess::default();
        g.see(&Raw::Json(serde_json::json!("12")));
        assert_eq!(g.data_type(), DataType::Text);
        let mut g = ColumnGuess::default();
        g.see(&Raw::Json(serde_json::json!(true)));
        g.see(&Raw::Json(serde_json::json!(1)));
        assert_eq!(g.data_type(), DataType::Text);
        let mut g = ColumnGuess::default();
        g.see(&Raw::Json(serde_json::json!(2)));
        g.see(&Raw::Json(serde_json::json!(2.5)));
        g.see(&Raw::Null);
        assert_eq!((g.data_type(), g.nullable()), (DataType::Double, true));
    }
}
