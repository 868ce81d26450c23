//! PostgreSQL's jsonb operators: field and element access, paths, key
//! existence and containment.

use jsonb::Value;

use crate::Jsonb;

impl Jsonb {
    fn from_tree(value: &Value<'_>) -> Jsonb {
        Jsonb::from_value(value)
    }

    /// `->` with a text key: the object's field, or `None`.
    pub fn get_field(&self, key: &str) -> Option<Jsonb> {
        match self.value() {
            Value::Object(map) => map.get(key).map(Jsonb::from_tree),
            _ => None,
        }
    }

    /// `->` with an integer: the array's element (negative counts from the end).
    pub fn get_element(&self, index: i64) -> Option<Jsonb> {
        match self.value() {
            Value::Array(items) => {
                let len = i64::try_from(items.len()).ok()?;
                let i = if index < 0 { len + index } else { index };
                usize::try_from(i)
                    .ok()
                    .and_then(|i| items.get(i))
                    .map(Jsonb::from_tree)
            }
            _ => None,
        }
    }

    /// `#>`: the value at a path of keys and array indexes.
    pub fn get_path(&self, path: &[&str]) -> Option<Jsonb> {
        let mut current = self.clone();
        for step in path {
            current = match current.get_field(step) {
                Some(v) => v,
                None => current.get_element(step.parse().ok()?)?,
            };
        }
        Some(current)
    }

    /// The value as `->>` returns it: strings unquoted, JSON null as `None`,
    /// anything else as its jsonb text.
    pub fn as_text(&self) -> Option<String> {
        match self.value() {
            Value::Null => None,
            Value::String(s) => Some(s.into_owned()),
            _ => Some(self.to_string()),
        }
    }

    /// `?`: whether a string is a top-level key, or an element of a top-level array.
    pub fn has_key(&self, key: &str) -> bool {
        match self.value() {
            Value::Object(map) => map.contains_key(key),
            Value::Array(items) => items
                .iter()
                .any(|v| matches!(v, Value::String(s) if s == key)),
            Value::String(s) => s == key,
            _ => false,
        }
    }

    /// `@>`: whether this document contains `other`, by PostgreSQL's rules:
    /// objects contain objects whose pairs they contain; arrays contain arrays
    /// whose elements each match one of theirs, and the scalars they list.
    pub fn contains(&self, other: &Jsonb) -> bool {
        contains(&self.value(), &other.value(), true)
    }
}

fn contains(a: &Value<'_>, b: &Value<'_>, top: bool) -> bool {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => y
            .iter()
            .all(|(k, vb)| x.get(k).is_some_and(|va| contains(va, vb, false))),
        (Value::Array(x), Value::Array(y)) => y
            .iter()
            .all(|vb| x.iter().any(|va| contains(va, vb, false))),
        // At the top level an array contains a scalar it lists.
        (Value::Array(x), scalar) if top && !matches!(scalar, Value::Object(_)) => {
            x.iter().any(|va| contains(va, scalar, false))
        }
        (x, y) => crate::order::compare(x, y).is_eq(),
    }
}

#[cfg(test)]
mod tests {
    use crate::Jsonb;

    fn j(s: &str) -> Jsonb {
        Jsonb::parse(s).unwrap()
    }

    /// Examples from PostgreSQL's documentation, "JSON Functions and Operators".
    #[test]
    fn postgresql_examples() {
        assert_eq!(
            j(r#"[{"a":"foo"},{"b":"bar"},{"c":"baz"}]"#)
                .get_element(2)
                .unwrap()
                .to_string(),
            r#"{"c": "baz"}"#
        );
        assert_eq!(
            j(r#"{"a": {"b":"foo"}}"#)
                .get_field("a")
                .unwrap()
                .to_string(),
            r#"{"b": "foo"}"#
        );
        assert_eq!(j("[1,2,3]").get_element(-1).unwrap().to_string(), "3");
        assert_eq!(j("[1,2,3]").get_element(3), None);
        assert_eq!(
            j(r#"{"a":1,"b":2}"#)
                .get_field("b")
                .unwrap()
                .as_text()
                .as_deref(),
            Some("2")
        );
        assert_eq!(
            j(r#"{"a":"x"}"#)
                .get_field("a")
                .unwrap()
                .as_text()
                .as_deref(),
            Some("x")
        );
        assert_eq!(j(r#"{"a":null}"#).get_field("a").unwrap().as_text(), None);
        assert_eq!(
            j(r#"{"a": {"b": ["foo","bar"]}}"#)
                .get_path(&["a", "b", "1"])
                .unwrap()
                .to_string(),
            r#""bar""#
        );
        assert!(j(r#"{"a":1, "b":2}"#).contains(&j(r#"{"b":2}"#)));
        assert!(!j(r#"{"b":2}"#).contains(&j(r#"{"a":1, "b":2}"#)));
        assert!(j(r#"["foo", "bar"]"#).contains(&j(r#""foo""#)));
        assert!(j("[1, 2, [1, 3]]").contains(&j("[[1, 3]]")));
        assert!(!j("[1, 2, [1, 3]]").contains(&j("[1, 3, 4]")));
        assert!(j(r#"{"a":1, "b":2}"#).has_key("b"));
        assert!(j(r#"["a", "b", "c"]"#).has_key("b"));
        assert!(!j(r#"{"a":{"b":1}}"#).has_key("b"));
    }
}
