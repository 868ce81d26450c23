//! PostgreSQL's jsonb operators and functions, as plain functions over
//! [`Jsonb`] that the SQL engine calls.
//!
//! Each function follows PostgreSQL 16: the same results, the same `NULL`
//! cases (returned here as `None`) and the same error wording, so a query
//! behaves as it would on PostgreSQL. Field and element access (`->`, `->>`,
//! `#>`) read the stored bytes without decoding the whole document; other
//! functions that read a document work on its decoded value tree; functions
//! that build one assemble a tree and
//! encode it once, checking the nesting limit because combining documents can
//! nest deeper than either input.
//!
//! Path arguments (`#>`, `#-`, `jsonb_set`, ...) are PostgreSQL `text[]`
//! paths given as `&[&str]`: each step is an object key, or an array index
//! written in decimal (negative counts from the end).

use std::collections::BTreeMap;

use jsonb::{Number, Value};

use crate::{Jsonb, JsonbError, MAX_DEPTH, canonical};

/// An owned value tree, the form the building functions work on.
type Tree = Value<'static>;

impl Jsonb {
    fn from_tree(value: &Value<'_>) -> Jsonb {
        Jsonb::from_value(value)
    }

    /// `->` with a text key: the object's field, or `None`.
    pub fn get_field(&self, key: &str) -> Option<Jsonb> {
        // Looked up in the stored bytes, without decoding the document.
        match self.raw().get_by_name(key, false) {
            Ok(found) => found.map(Jsonb::from_part),
            Err(_) => self.get_field_decoded(key),
        }
    }

    /// `->` with an integer: the array's element (negative counts from the end).
    pub fn get_element(&self, index: i64) -> Option<Jsonb> {
        let raw = self.raw();
        let lookup = raw.array_length().and_then(|len| match len {
            None => Ok(None),
            Some(len) => match resolve_index(index, len) {
                Some(i) => raw.get_by_index(i),
                None => Ok(None),
            },
        });
        match lookup {
            Ok(found) => found.map(Jsonb::from_part),
            Err(_) => self.get_element_decoded(index),
        }
    }

    /// `#>`: the value at a path of keys and array indexes.
    pub fn get_path(&self, path: &[&str]) -> Option<Jsonb> {
        let mut current = self.clone();
        for step in path {
            current = match current.get_field(step) {
                Some(v) => v,
                None => current.get_element(parse_index(step)?)?,
            };
        }
        Some(current)
    }

    fn raw(&self) -> jsonb::RawJsonb<'_> {
        jsonb::RawJsonb::new(self.as_bytes())
    }

    /// A value cut out of a canonical document. Its bytes are canonical too
    /// (a part of a canonical tree is one), so they are taken as they are.
    fn from_part(part: jsonb::OwnedJsonb) -> Jsonb {
        Jsonb {
            bytes: part.to_vec(),
        }
    }

    /// `->` by decoding the document: the fallback should the byte-level
    /// lookup ever report an error on a valid document.
    fn get_field_decoded(&self, key: &str) -> Option<Jsonb> {
        match self.value() {
            Value::Object(map) => map.get(key).map(Jsonb::from_tree),
            _ => None,
        }
    }

    fn get_element_decoded(&self, index: i64) -> Option<Jsonb> {
        match self.value() {
            Value::Array(items) => {
                let i = resolve_index(index, items.len())?;
                items.get(i).map(Jsonb::from_tree)
            }
            _ => None,
        }
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
        contains_value(&self.value(), &other.value(), true)
    }
}

/// A path step read as an array index the way PostgreSQL reads it (C's
/// `strtol` into an `int`): leading whitespace and a sign allowed, nothing
/// after the digits, within 32 bits.
fn parse_index(step: &str) -> Option<i64> {
    step.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c'])
        .parse::<i32>()
        .ok()
        .map(i64::from)
}

/// An index into an array of `len` elements, negative counting from the end.
fn resolve_index(index: i64, len: usize) -> Option<usize> {
    let len = i64::try_from(len).ok()?;
    let i = if index < 0 {
        len.checked_add(index)?
    } else {
        index
    };
    usize::try_from(i).ok()
}

fn contains_value(a: &Value<'_>, b: &Value<'_>, top: bool) -> bool {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => y
            .iter()
            .all(|(k, vb)| x.get(k).is_some_and(|va| contains_value(va, vb, false))),
        (Value::Array(x), Value::Array(y)) => y
            .iter()
            .all(|vb| x.iter().any(|va| contains_value(va, vb, false))),
        // At the top level an array contains a scalar it lists: PostgreSQL
        // stores a top-level scalar as a one-element array.
        (Value::Array(x), scalar) if top && !matches!(scalar, Value::Object(_)) => {
            x.iter().any(|va| contains_value(va, scalar, false))
        }
        (x, y) => crate::order::compare(x, y).is_eq(),
    }
}

/// Encodes a built tree, normalizing its numbers and refusing documents that
/// nest deeper than [`MAX_DEPTH`].
fn build(value: Tree) -> Result<Jsonb, JsonbError> {
    if depth(&value) > MAX_DEPTH {
        return Err(JsonbError::TooDeep);
    }
    Ok(Jsonb::from_value(&canonical(value)))
}

fn depth(value: &Value<'_>) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Value::Object(map) => 1 + map.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// The document as an owned tree.
fn tree(doc: &Jsonb) -> Tree {
    canonical(doc.value())
}

fn invalid(message: impl Into<String>) -> JsonbError {
    JsonbError::Invalid {
        message: message.into(),
        hint: None,
    }
}

fn invalid_with_hint(message: &str, hint: &'static str) -> JsonbError {
    JsonbError::Invalid {
        message: message.into(),
        hint: Some(hint),
    }
}

// ---------------------------------------------------------------------------
// Access: -> ->> #> #>>

/// `jsonb -> text`: the object's field, `None` when absent or not an object.
pub fn get_field(doc: &Jsonb, key: &str) -> Option<Jsonb> {
    doc.get_field(key)
}

/// `jsonb -> integer`: the array's element, negative indexes counting from
/// the end; `None` when out of range or not an array.
pub fn get_index(doc: &Jsonb, index: i64) -> Option<Jsonb> {
    doc.get_element(index)
}

/// `jsonb ->> text`: the field as text; JSON null gives `None`.
pub fn get_field_text(doc: &Jsonb, key: &str) -> Option<String> {
    doc.get_field(key).and_then(|v| v.as_text())
}

/// `jsonb ->> integer`: the element as text; JSON null gives `None`.
pub fn get_index_text(doc: &Jsonb, index: i64) -> Option<String> {
    doc.get_element(index).and_then(|v| v.as_text())
}

/// `jsonb #> text[]`: the value at a path.
pub fn get_path(doc: &Jsonb, path: &[&str]) -> Option<Jsonb> {
    doc.get_path(path)
}

/// `jsonb #>> text[]`: the value at a path as text.
pub fn get_path_text(doc: &Jsonb, path: &[&str]) -> Option<String> {
    doc.get_path(path).and_then(|v| v.as_text())
}

// ---------------------------------------------------------------------------
// Containment and existence: @> <@ ? ?| ?&

/// `a @> b`.
pub fn contains(a: &Jsonb, b: &Jsonb) -> bool {
    a.contains(b)
}

/// `a <@ b`.
pub fn contained_by(a: &Jsonb, b: &Jsonb) -> bool {
    b.contains(a)
}

/// `jsonb ? text`.
pub fn exists(doc: &Jsonb, key: &str) -> bool {
    doc.has_key(key)
}

/// `jsonb ?| text[]`: any of the keys exists.
pub fn exists_any(doc: &Jsonb, keys: &[&str]) -> bool {
    keys.iter().any(|k| doc.has_key(k))
}

/// `jsonb ?& text[]`: all of the keys exist (true for an empty list).
pub fn exists_all(doc: &Jsonb, keys: &[&str]) -> bool {
    keys.iter().all(|k| doc.has_key(k))
}

// ---------------------------------------------------------------------------
// Concatenation and deletion: || - #-

/// `a || b`: two objects merge (the right side wins on a shared key); any
/// other pair concatenates as arrays, an object or scalar counting as a
/// one-element array.
pub fn concat(a: &Jsonb, b: &Jsonb) -> Result<Jsonb, JsonbError> {
    let (a, b) = (tree(a), tree(b));
    let joined = match (a, b) {
        (Value::Object(mut x), Value::Object(y)) => {
            x.extend(y);
            Value::Object(x)
        }
        (a, b) => {
            let mut items = into_elements(a);
            items.extend(into_elements(b));
            Value::Array(items)
        }
    };
    build(joined)
}

fn into_elements(v: Tree) -> Vec<Tree> {
    match v {
        Value::Array(items) => items,
        other => vec![other],
    }
}

/// `jsonb - text`: removes a key from an object, or every matching string
/// element from an array.
pub fn delete_key(doc: &Jsonb, key: &str) -> Result<Jsonb, JsonbError> {
    delete_keys(doc, &[key])
}

/// `jsonb - text[]`: removes each of the keys (or matching string elements).
pub fn delete_keys(doc: &Jsonb, keys: &[&str]) -> Result<Jsonb, JsonbError> {
    match tree(doc) {
        Value::Object(mut map) => {
            for k in keys {
                map.remove(*k);
            }
            build(Value::Object(map))
        }
        Value::Array(items) => build(Value::Array(
            items
                .into_iter()
                .filter(|v| !matches!(v, Value::String(s) if keys.contains(&s.as_ref())))
                .collect(),
        )),
        _ => Err(invalid("cannot delete from scalar")),
    }
}

/// `jsonb - integer`: removes an array element (negative counts from the
/// end); an index out of range leaves the array as it is.
pub fn delete_index(doc: &Jsonb, index: i64) -> Result<Jsonb, JsonbError> {
    match tree(doc) {
        Value::Array(mut items) => {
            if let Some(i) = resolve_index(index, items.len()).filter(|&i| i < items.len()) {
                items.remove(i);
            }
            build(Value::Array(items))
        }
        Value::Object(_) => Err(invalid("cannot delete from object using integer index")),
        _ => Err(invalid("cannot delete from scalar")),
    }
}

/// `jsonb #- text[]`: removes the value at a path; a path that leads nowhere
/// leaves the document as it is.
pub fn delete_path(doc: &Jsonb, path: &[&str]) -> Result<Jsonb, JsonbError> {
    let mut root = tree(doc);
    if !is_container(&root) {
        return Err(invalid("cannot delete path in scalar"));
    }
    // PostgreSQL returns an empty container before looking at the path, so
    // even a malformed index is no error there.
    let empty = match &root {
        Value::Array(items) => items.is_empty(),
        Value::Object(map) => map.is_empty(),
        _ => false,
    };
    if !path.is_empty() && !empty {
        edit_path(&mut root, path, 0, &Edit::Delete)?;
    }
    build(root)
}

fn is_container(v: &Value<'_>) -> bool {
    matches!(v, Value::Array(_) | Value::Object(_))
}

// ---------------------------------------------------------------------------
// jsonb_set and jsonb_insert

/// `jsonb_set(target, path, new_value, create_if_missing)`: replaces the
/// value at `path`, or adds it when the last step is missing and
/// `create_missing` is set. Every earlier step must already exist.
pub fn jsonb_set(
    target: &Jsonb,
    path: &[&str],
    new_value: &Jsonb,
    create_missing: bool,
) -> Result<Jsonb, JsonbError> {
    let mut root = tree(target);
    if !is_container(&root) {
        return Err(invalid("cannot set path in scalar"));
    }
    if !path.is_empty() {
        let edit = Edit::Set {
            value: tree(new_value),
            create: create_missing,
        };
        edit_path(&mut root, path, 0, &edit)?;
    }
    build(root)
}

/// `jsonb_insert(target, path, new_value, insert_after)`: inserts into an
/// array before (or after) the element at `path`, or adds a new object key;
/// an existing key is an error.
pub fn jsonb_insert(
    target: &Jsonb,
    path: &[&str],
    new_value: &Jsonb,
    insert_after: bool,
) -> Result<Jsonb, JsonbError> {
    let mut root = tree(target);
    if !is_container(&root) {
        return Err(invalid("cannot set path in scalar"));
    }
    if !path.is_empty() {
        let edit = Edit::Insert {
            value: tree(new_value),
            after: insert_after,
        };
        edit_path(&mut root, path, 0, &edit)?;
    }
    build(root)
}

/// What to do at the end of a path.
enum Edit {
    Delete,
    Set { value: Tree, create: bool },
    Insert { value: Tree, after: bool },
}

/// Where an array step points, as PostgreSQL's `setPathArray` resolves it.
enum Slot {
    /// An existing element.
    At(usize),
    /// Before the first element (a negative index past the start).
    Front,
    /// After the last element (an index past the end).
    Back,
}

fn array_slot(step: &str, position: usize, len: usize) -> Result<Slot, JsonbError> {
    let index = parse_index(step).ok_or_else(|| {
        invalid(format!(
            "path element at position {} is not an integer: \"{step}\"",
            position + 1
        ))
    })?;
    let len_i = i64::try_from(len).map_err(|_| JsonbError::TooLarge(len))?;
    Ok(if index < 0 {
        if -index > len_i {
            Slot::Front
        } else {
            Slot::At(usize::try_from(len_i + index).map_err(|_| JsonbError::TooLarge(len))?)
        }
    } else if index >= len_i {
        Slot::Back
    } else {
        Slot::At(usize::try_from(index).map_err(|_| JsonbError::TooLarge(len))?)
    })
}

/// Applies `edit` at `path[level..]` inside `node`, following PostgreSQL's
/// `setPath`: a step that reaches a scalar, or a missing key before the last
/// step, leaves the document unchanged.
fn edit_path(node: &mut Tree, path: &[&str], level: usize, edit: &Edit) -> Result<(), JsonbError> {
    let step = path[level];
    let last = level + 1 == path.len();
    match node {
        Value::Object(map) => {
            if !last {
                if let Some(child) = map.get_mut(step) {
                    edit_path(child, path, level + 1, edit)?;
                }
                return Ok(());
            }
            match edit {
                Edit::Delete => {
                    map.remove(step);
                }
                Edit::Set { value, create } => {
                    if *create || map.contains_key(step) {
                        map.insert(step.to_owned(), value.clone());
                    }
                }
                Edit::Insert { value, .. } => {
                    if map.contains_key(step) {
                        return Err(invalid_with_hint(
                            "cannot replace existing key",
                            "Try using the function jsonb_set to replace key value.",
                        ));
                    }
                    map.insert(step.to_owned(), value.clone());
                }
            }
        }
        Value::Array(items) => {
            let slot = array_slot(step, level, items.len())?;
            if !last {
                if let Slot::At(i) = slot {
                    edit_path(&mut items[i], path, level + 1, edit)?;
                }
                return Ok(());
            }
            match (edit, slot) {
                (Edit::Delete, Slot::At(i)) => {
                    items.remove(i);
                }
                (Edit::Delete, _) | (Edit::Set { create: false, .. }, Slot::Front | Slot::Back) => {
                }
                (Edit::Set { value, .. }, Slot::At(i)) => items[i] = value.clone(),
                (Edit::Set { value, .. } | Edit::Insert { value, .. }, Slot::Front) => {
                    items.insert(0, value.clone());
                }
                (Edit::Set { value, .. } | Edit::Insert { value, .. }, Slot::Back) => {
                    items.push(value.clone());
                }
                (Edit::Insert { value, after }, Slot::At(i)) => {
                    items.insert(if *after { i + 1 } else { i }, value.clone());
                }
            }
        }
        // A path that runs into a scalar changes nothing.
        _ => {}
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Inspection: jsonb_typeof, jsonb_array_length, jsonb_object_keys, jsonb_each,
// jsonb_array_elements, jsonb_strip_nulls

/// `jsonb_typeof`: `object`, `array`, `string`, `number`, `boolean` or `null`.
pub fn jsonb_typeof(doc: &Jsonb) -> &'static str {
    match doc.value() {
        Value::Object(_) => "object",
        Value::Array(_) => "array",
        Value::Number(_) => "number",
        Value::Bool(_) => "boolean",
        Value::Null => "null",
        _ => "string",
    }
}

/// `jsonb_array_length`.
pub fn jsonb_array_length(doc: &Jsonb) -> Result<usize, JsonbError> {
    match doc.value() {
        Value::Array(items) => Ok(items.len()),
        Value::Object(_) => Err(invalid("cannot get array length of a non-array")),
        _ => Err(invalid("cannot get array length of a scalar")),
    }
}

/// `jsonb_object_keys`: the keys in PostgreSQL's storage order.
pub fn jsonb_object_keys(doc: &Jsonb) -> Result<Vec<String>, JsonbError> {
    match doc.value() {
        Value::Object(map) => Ok(crate::text::ordered_entries(&map)
            .into_iter()
            .map(|(k, _)| k.clone())
            .collect()),
        Value::Array(_) => Err(invalid("cannot call jsonb_object_keys on an array")),
        _ => Err(invalid("cannot call jsonb_object_keys on a scalar")),
    }
}

/// `jsonb_each`: the object's pairs in PostgreSQL's storage order.
pub fn jsonb_each(doc: &Jsonb) -> Result<Vec<(String, Jsonb)>, JsonbError> {
    match doc.value() {
        Value::Object(map) => Ok(crate::text::ordered_entries(&map)
            .into_iter()
            .map(|(k, v)| (k.clone(), Jsonb::from_tree(v)))
            .collect()),
        _ => Err(invalid("cannot call jsonb_each on a non-object")),
    }
}

/// `jsonb_each_text`: as [`jsonb_each`], values as text (JSON null as `None`).
pub fn jsonb_each_text(doc: &Jsonb) -> Result<Vec<(String, Option<String>)>, JsonbError> {
    match doc.value() {
        Value::Object(_) => Ok(jsonb_each(doc)?
            .into_iter()
            .map(|(k, v)| (k, v.as_text()))
            .collect()),
        _ => Err(invalid("cannot call jsonb_each_text on a non-object")),
    }
}

/// `jsonb_array_elements`.
pub fn jsonb_array_elements(doc: &Jsonb) -> Result<Vec<Jsonb>, JsonbError> {
    match doc.value() {
        Value::Array(items) => Ok(items.iter().map(Jsonb::from_tree).collect()),
        Value::Object(_) => Err(invalid("cannot extract elements from an object")),
        _ => Err(invalid("cannot extract elements from a scalar")),
    }
}

/// `jsonb_array_elements_text`: elements as text (JSON null as `None`).
pub fn jsonb_array_elements_text(doc: &Jsonb) -> Result<Vec<Option<String>>, JsonbError> {
    Ok(jsonb_array_elements(doc)?
        .iter()
        .map(Jsonb::as_text)
        .collect())
}

/// `jsonb_strip_nulls`: removes object fields whose value is null, at every
/// depth; nulls inside arrays stay.
pub fn jsonb_strip_nulls(doc: &Jsonb) -> Jsonb {
    fn strip(v: Tree) -> Tree {
        match v {
            Value::Object(map) => Value::Object(
                map.into_iter()
                    .filter(|(_, v)| !matches!(v, Value::Null))
                    .map(|(k, v)| (k, strip(v)))
                    .collect(),
            ),
            Value::Array(items) => Value::Array(items.into_iter().map(strip).collect()),
            other => other,
        }
    }
    Jsonb::from_value(&strip(tree(doc)))
}

// ---------------------------------------------------------------------------
// Construction: to_jsonb, jsonb_build_object, jsonb_build_array, aggregates

/// An SQL value handed to a jsonb constructor.
#[derive(Debug, Clone, PartialEq)]
pub enum JsonbInput {
    /// SQL `NULL`.
    Null,
    /// `boolean`.
    Bool(bool),
    /// An integer type.
    Int(i64),
    /// A floating-point type; NaN and infinities become strings, as
    /// PostgreSQL writes them.
    Float(f64),
    /// A text type.
    Text(String),
    /// A `jsonb` value, embedded as it is.
    Jsonb(Jsonb),
    /// An SQL array, a JSON array (a multidimensional array as nested arrays).
    Array(Vec<JsonbInput>),
    /// A row (composite) value, a JSON object of its fields by name.
    Record(Vec<(String, JsonbInput)>),
}

impl JsonbInput {
    fn to_tree(&self) -> Tree {
        match self {
            JsonbInput::Null => Value::Null,
            JsonbInput::Bool(b) => Value::Bool(*b),
            JsonbInput::Int(i) => Value::Number(Number::Int64(*i)),
            JsonbInput::Float(f) if f.is_nan() => Value::String("NaN".into()),
            JsonbInput::Float(f) if f.is_infinite() => {
                Value::String(if *f > 0.0 { "Infinity" } else { "-Infinity" }.into())
            }
            JsonbInput::Float(f) => Value::Number(Number::Float64(*f)),
            JsonbInput::Text(s) => Value::String(s.clone().into()),
            JsonbInput::Jsonb(j) => tree(j),
            JsonbInput::Array(items) => {
                Value::Array(items.iter().map(JsonbInput::to_tree).collect())
            }
            JsonbInput::Record(fields) => Value::Object(
                fields
                    .iter()
                    .map(|(name, v)| (name.clone(), v.to_tree()))
                    .collect(),
            ),
        }
    }

    /// The value as an object key, as `jsonb_build_object` converts it.
    fn to_key(&self, position: usize) -> Result<String, JsonbError> {
        match self {
            JsonbInput::Null => Err(invalid(format!(
                "argument {position}: key must not be null"
            ))),
            JsonbInput::Text(s) => Ok(s.clone()),
            // PostgreSQL refuses json and jsonb keys, even scalar ones.
            JsonbInput::Jsonb(_) | JsonbInput::Array(_) | JsonbInput::Record(_) => Err(invalid(
                "key value must be scalar, not array, composite, or json",
            )),
            other => Ok(Jsonb::from_value(&canonical(other.to_tree())).to_string()),
        }
    }
}

/// `to_jsonb(value)`: SQL `NULL` gives `None`. Arrays and rows can nest
/// past the depth limit, which is an error.
pub fn to_jsonb(input: &JsonbInput) -> Result<Option<Jsonb>, JsonbError> {
    match input {
        JsonbInput::Null => Ok(None),
        other => build(other.to_tree()).map(Some),
    }
}

/// `jsonb_build_array(VARIADIC "any")`.
pub fn jsonb_build_array(items: &[JsonbInput]) -> Result<Jsonb, JsonbError> {
    build(Value::Array(
        items.iter().map(JsonbInput::to_tree).collect(),
    ))
}

/// `jsonb_build_object(VARIADIC "any")`: alternating keys and values; a
/// repeated key keeps its last value.
pub fn jsonb_build_object(args: &[JsonbInput]) -> Result<Jsonb, JsonbError> {
    if !args.len().is_multiple_of(2) {
        return Err(invalid_with_hint(
            "argument list must have even number of elements",
            "The arguments of jsonb_build_object() must consist of alternating keys and values.",
        ));
    }
    let mut map = BTreeMap::new();
    for (i, pair) in args.chunks_exact(2).enumerate() {
        map.insert(pair[0].to_key(2 * i + 1)?, pair[1].to_tree());
    }
    build(Value::Object(map))
}

/// The `jsonb_agg` aggregate: collects values (SQL `NULL` as JSON null) into
/// an array; no rows give `None`.
#[derive(Debug, Clone, Default)]
pub struct JsonbAgg {
    items: Vec<Tree>,
}

impl JsonbAgg {
    /// An empty aggregate.
    pub fn new() -> JsonbAgg {
        JsonbAgg::default()
    }

    /// Adds one row's value.
    pub fn add(&mut self, value: &JsonbInput) {
        self.items.push(value.to_tree());
    }

    /// The array, or `None` when no row was added.
    pub fn finish(self) -> Result<Option<Jsonb>, JsonbError> {
        if self.items.is_empty() {
            return Ok(None);
        }
        build(Value::Array(self.items)).map(Some)
    }
}

/// The `jsonb_object_agg` aggregate: collects key/value pairs into an object,
/// a repeated key keeping its last value; no rows give `None`.
#[derive(Debug, Clone, Default)]
pub struct JsonbObjectAgg {
    map: BTreeMap<String, Tree>,
    rows: usize,
}

impl JsonbObjectAgg {
    /// An empty aggregate.
    pub fn new() -> JsonbObjectAgg {
        JsonbObjectAgg::default()
    }

    /// Adds one row's pair; a null key is an error, as in PostgreSQL.
    pub fn add(&mut self, key: &JsonbInput, value: &JsonbInput) -> Result<(), JsonbError> {
        if matches!(key, JsonbInput::Null) {
            return Err(invalid("field name must not be null"));
        }
        self.map.insert(key.to_key(1)?, value.to_tree());
        self.rows += 1;
        Ok(())
    }

    /// The object, or `None` when no row was added.
    pub fn finish(self) -> Result<Option<Jsonb>, JsonbError> {
        if self.rows == 0 {
            return Ok(None);
        }
        build(Value::Object(self.map)).map(Some)
    }
}

// ---------------------------------------------------------------------------
// jsonb_pretty

/// `jsonb_pretty`: PostgreSQL's indented form, four spaces a level. Empty
/// containers print their brackets on two lines, as PostgreSQL does.
pub fn jsonb_pretty(doc: &Jsonb) -> String {
    let mut out = String::new();
    pretty(&mut out, &doc.value(), 0);
    out
}

fn pretty(out: &mut String, value: &Value<'_>, level: usize) {
    fn indent(out: &mut String, level: usize) {
        out.push('\n');
        out.push_str(&" ".repeat(level * 4));
    }
    match value {
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                indent(out, level + 1);
                pretty(out, item, level + 1);
            }
            indent(out, level);
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, v)) in crate::text::ordered_entries(map).into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                indent(out, level + 1);
                crate::text::write_value(out, &Value::String(k.as_str().into()));
                out.push_str(": ");
                pretty(out, v, level + 1);
            }
            indent(out, level);
            out.push('}');
        }
        scalar => crate::text::write_value(out, scalar),
    }
}

// ---------------------------------------------------------------------------
// SQL/JSON path: jsonb_path_query, jsonb_path_exists, jsonb_path_match, @? and @@
//
// `vars` is PostgreSQL's optional third argument: an object whose fields the
// path names as `$name`. See the `jsonpath` module for what the path engine
// supports.

fn from_owned(owned: jsonb::OwnedJsonb) -> Result<Jsonb, JsonbError> {
    let value =
        jsonb::from_slice(owned.as_ref()).map_err(|e| JsonbError::JsonPath(e.to_string()))?;
    build(canonical(value))
}

/// `jsonb_path_query(target, path [, vars])`: every item the path selects.
pub fn jsonb_path_query(
    doc: &Jsonb,
    path: &str,
    vars: Option<&Jsonb>,
) -> Result<Vec<Jsonb>, JsonbError> {
    crate::jsonpath::run(doc, path, vars, |s, p| s.select_values(p))?
        .into_iter()
        .map(from_owned)
        .collect()
}

/// `jsonb_path_query_array(target, path [, vars])`: the selected items as an array.
pub fn jsonb_path_query_array(
    doc: &Jsonb,
    path: &str,
    vars: Option<&Jsonb>,
) -> Result<Jsonb, JsonbError> {
    let items = jsonb_path_query(doc, path, vars)?;
    build(Value::Array(items.iter().map(tree).collect()))
}

/// `jsonb_path_query_first(target, path [, vars])`: the first selected item.
pub fn jsonb_path_query_first(
    doc: &Jsonb,
    path: &str,
    vars: Option<&Jsonb>,
) -> Result<Option<Jsonb>, JsonbError> {
    crate::jsonpath::run(doc, path, vars, |s, p| s.select_first(p))?
        .map(from_owned)
        .transpose()
}

/// `jsonb_path_exists(target, path [, vars])`: whether the path selects any item.
pub fn jsonb_path_exists(
    doc: &Jsonb,
    path: &str,
    vars: Option<&Jsonb>,
) -> Result<bool, JsonbError> {
    crate::jsonpath::run(doc, path, vars, |s, p| s.exists(p))
}

/// `jsonb_path_match(target, path [, vars])`: the result of a predicate
/// path; `None` when the result is not a single boolean.
pub fn jsonb_path_match(
    doc: &Jsonb,
    path: &str,
    vars: Option<&Jsonb>,
) -> Result<Option<bool>, JsonbError> {
    crate::jsonpath::run(doc, path, vars, |s, p| s.predicate_match(p))
}

/// Whether an error is one PostgreSQL's `@?` and `@@` suppress: errors while
/// evaluating, not a path that does not parse.
fn suppressed(e: &JsonbError) -> bool {
    matches!(e, JsonbError::JsonPath(m) if !m.starts_with("syntax error"))
}

/// `jsonb @? jsonpath`: as `jsonb_path_exists`, but an evaluation error gives
/// `None`, as PostgreSQL's operator suppresses such errors.
pub fn path_exists_op(doc: &Jsonb, path: &str) -> Result<Option<bool>, JsonbError> {
    match jsonb_path_exists(doc, path, None) {
        Ok(b) => Ok(Some(b)),
        Err(e) if suppressed(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

/// `jsonb @@ jsonpath`: as `jsonb_path_match`, evaluation errors giving `None`.
pub fn path_match_op(doc: &Jsonb, path: &str) -> Result<Option<bool>, JsonbError> {
    match jsonb_path_match(doc, path, None) {
        Ok(b) => Ok(b),
        Err(e) if suppressed(&e) => Ok(None),
        Err(e) => Err(e),
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
