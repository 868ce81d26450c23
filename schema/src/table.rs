//! Table schemas: columns with stable tags, keys, constraints and indexes.
//!
//! A column's tag is assigned once (`next_tag`) and survives renames and
//! type changes, so rows, diffs and merges follow columns across schema
//! changes. A tag is not reused while anything may still read it as its
//! old column (a stored row, a committed version); the engine gives back
//! only tags nothing can read any more, so a column added and dropped
//! again leaves the schema as it was.
//!
//! ```text
//! u8 version (1)
//! str name
//! varint next_tag
//! varint n, columns:        varint tag | str name | type | u8 nullable | opt str default | opt value missing
//! varint k, primary key:    varint tag (k = 0: a hidden row id keys the table)
//! varint u, uniques:        str name | varint m | varint tag * m
//! varint c, checks:         str name | str expression (SQL text)
//! varint i, indexes:        str name | u8 unique | varint m | (varint tag | u8 descending) * m
//! varint f, foreign keys:   str name | varint m | varint tag * m | str table | varint m | str column * m | u8 on_delete | u8 on_update
//! type:   u8 kind code | for numeric: u8 present | varint precision | varint scale; varchar: u8 present | varint n; char: varint n
//! value:  the row encoding of a single value (see `row`), as bytes
//! ```

use arbor_merkle::codec::{Reader, Writer};

use crate::error::{ErrorKind, Result, ValueError};
use crate::row::{RowColumn, decode_row, encode_row};
use crate::types::DataType;
use crate::value::Value;

const FORMAT: u8 = 1;

/// A column of a table.
#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    /// Stable identity of the column.
    pub tag: u32,
    /// Its name.
    pub name: String,
    /// Its type.
    pub data_type: DataType,
    /// Whether NULL is allowed.
    pub nullable: bool,
    /// The DEFAULT expression, as SQL text.
    pub default: Option<String>,
    /// What rows written before the column existed read as.
    pub missing: Option<Value>,
    /// An identity column `GENERATED ALWAYS`: its values come from its
    /// sequence, and a statement gives one only with `OVERRIDING SYSTEM
    /// VALUE` (an INSERT) or as `DEFAULT` (an UPDATE).
    pub generated_always: bool,
}

/// A UNIQUE constraint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UniqueConstraint {
    /// Constraint name.
    pub name: String,
    /// Column tags.
    pub columns: Vec<u32>,
}

/// A CHECK constraint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckConstraint {
    /// Constraint name.
    pub name: String,
    /// The condition, as SQL text.
    pub expression: String,
}

/// A secondary index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Index {
    /// Index name.
    pub name: String,
    /// Whether it enforces uniqueness.
    pub unique: bool,
    /// (column tag, descending) pairs.
    pub columns: Vec<(u32, bool)>,
}

/// What a foreign key does when the referenced row changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ForeignKeyAction {
    /// Refuse the change (the default).
    NoAction,
    /// Refuse the change, checked immediately.
    Restrict,
    /// Delete or update the referencing rows too.
    Cascade,
    /// Set the referencing columns to NULL.
    SetNull,
    /// Set the referencing columns to their defaults.
    SetDefault,
}

impl ForeignKeyAction {
    fn code(self) -> u8 {
        self as u8
    }

    fn from_code(c: u8) -> Option<ForeignKeyAction> {
        use ForeignKeyAction::*;
        [NoAction, Restrict, Cascade, SetNull, SetDefault]
            .into_iter()
            .find(|a| a.code() == c)
    }
}

/// A FOREIGN KEY constraint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ForeignKey {
    /// Constraint name.
    pub name: String,
    /// Referencing column tags.
    pub columns: Vec<u32>,
    /// The referenced table.
    pub referenced_table: String,
    /// The referenced columns, by name.
    pub referenced_columns: Vec<String>,
    /// ON DELETE.
    pub on_delete: ForeignKeyAction,
    /// ON UPDATE.
    pub on_update: ForeignKeyAction,
}

/// A table's schema.
#[derive(Clone, Debug, PartialEq)]
pub struct TableSchema {
    /// The table's name.
    pub name: String,
    /// Columns, in display order.
    pub columns: Vec<Column>,
    /// Primary key column tags; empty when a hidden row id keys the table.
    pub primary_key: Vec<u32>,
    /// UNIQUE constraints.
    pub uniques: Vec<UniqueConstraint>,
    /// CHECK constraints.
    pub checks: Vec<CheckConstraint>,
    /// Secondary indexes.
    pub indexes: Vec<Index>,
    /// FOREIGN KEY constraints.
    pub foreign_keys: Vec<ForeignKey>,
    /// The tag the next new column gets: above every tag a stored row or
    /// a committed version of the table may hold.
    pub next_tag: u32,
}

/// The most columns a new table may have, as in PostgreSQL (a table stored
/// with more before this limit keeps working).
pub const MAX_COLUMNS: usize = 1_600;

impl TableSchema {
    /// The schema of a copy of this table named `name` (`arbor table cp`):
    /// the same columns, keys and checks; each constraint and index named
    /// for the copy (`old_x` becomes `new_x`, any other name `new_name`
    /// gets `new_` in front), since those names are the schema's; a foreign
    /// key to the table itself refers to the copy.
    pub fn copied_as(&self, name: &str) -> TableSchema {
        let rename = |n: &str| match n.strip_prefix(&format!("{}_", self.name)) {
            Some(rest) => format!("{name}_{rest}"),
            None => format!("{name}_{n}"),
        };
        let mut copy = self.clone();
        copy.name = name.to_owned();
        for u in &mut copy.uniques {
            u.name = rename(&u.name);
        }
        for c in &mut copy.checks {
            c.name = rename(&c.name);
        }
        for i in &mut copy.indexes {
            i.name = rename(&i.name);
        }
        for f in &mut copy.foreign_keys {
            f.name = rename(&f.name);
            if f.referenced_table == self.name {
                f.referenced_table = name.to_owned();
            }
        }
        copy
    }

    /// A schema with `name` and no columns yet.
    pub fn new(name: impl Into<String>) -> TableSchema {
        TableSchema {
            name: name.into(),
            columns: Vec::new(),
            primary_key: Vec::new(),
            uniques: Vec::new(),
            checks: Vec::new(),
            indexes: Vec::new(),
            foreign_keys: Vec::new(),
            next_tag: 1,
        }
    }

    /// Adds a column with a fresh tag and returns the tag.
    pub fn add_column(
        &mut self,
        name: impl Into<String>,
        data_type: DataType,
        nullable: bool,
    ) -> u32 {
        let tag = self.next_tag;
        self.next_tag += 1;
        self.columns.push(Column {
            tag,
            name: name.into(),
            data_type,
            nullable,
            default: None,
            missing: None,
            generated_always: false,
        });
        tag
    }

    /// Whether `other` keys its rows as this schema does: the same primary
    /// key columns (by tag) of the same types, so an encoded key names the
    /// same row in both (two tables without a primary key match too).
    pub fn same_primary_key(&self, other: &TableSchema) -> bool {
        let key = |s: &TableSchema| -> Vec<Option<(u32, DataType)>> {
            s.primary_key
                .iter()
                .map(|tag| s.column_by_tag(*tag).map(|c| (*tag, c.data_type.clone())))
                .collect()
        };
        let (a, b) = (key(self), key(other));
        a.len() == b.len()
            && a.iter().zip(&b).all(|(x, y)| match (x, y) {
                (Some((t, x)), Some((u, y))) => t == u && x.same_declared(y),
                (None, None) => true,
                _ => false,
            })
    }

    /// The position of the column named `name`.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// The position of the column with `tag`.
    pub fn tag_index(&self, tag: u32) -> Option<usize> {
        self.columns.iter().position(|c| c.tag == tag)
    }

    /// The column with `tag`.
    pub fn column_by_tag(&self, tag: u32) -> Option<&Column> {
        self.columns.iter().find(|c| c.tag == tag)
    }

    /// Checks the rules every schema keeps: tags distinct and below
    /// `next_tag`; column names distinct and not empty; constraint and index
    /// names distinct within their kind; every referenced tag a column;
    /// foreign keys with as many referenced columns as columns; type
    /// modifiers in range (`varchar(n)`, `char(n)`: n >= 1; `numeric(p, s)`:
    /// 1 <= p <= 1000).
    pub fn validate(&self) -> Result<()> {
        let bad = |what: String| {
            ValueError::new(
                ErrorKind::InvalidTableDefinition,
                format!("table \"{}\": {what}", self.name),
            )
        };
        let mut tags = std::collections::BTreeSet::new();
        let mut names = std::collections::BTreeSet::new();
        for c in &self.columns {
            if c.tag >= self.next_tag {
                return Err(bad(format!(
                    "column tag {} is not below next_tag {}",
                    c.tag, self.next_tag
                )));
            }
            if !tags.insert(c.tag) {
                return Err(bad(format!("column tag {} is used twice", c.tag)));
            }
            if c.name.is_empty() {
                return Err(bad("a column has an empty name".into()));
            }
            if !names.insert(c.name.as_str()) {
                return Err(bad(format!(
                    "column \"{}\" specified more than once",
                    c.name
                )));
            }
            match c.data_type {
                DataType::Varchar(Some(0)) | DataType::Char(0) => {
                    return Err(bad(format!(
                        "length for type of column \"{}\" must be at least 1",
                        c.name
                    )));
                }
                DataType::Numeric(Some((p, _))) if !(1..=1000).contains(&p) => {
                    return Err(bad(format!(
                        "NUMERIC precision {p} of column \"{}\" must be between 1 and 1000",
                        c.name
                    )));
                }
                _ => {}
            }
        }
        let check_tags = |what: &str, list: &[u32]| -> Result<()> {
            let mut seen = std::collections::BTreeSet::new();
            for tag in list {
                if !tags.contains(tag) {
                    return Err(bad(format!("{what} refers to unknown column tag {tag}")));
                }
                if !seen.insert(*tag) {
                    return Err(bad(format!("{what} lists column tag {tag} twice")));
                }
            }
            Ok(())
        };
        check_tags("the primary key", &self.primary_key)?;
        let distinct = |kind: &str, list: Vec<&str>| -> Result<()> {
            let mut seen = std::collections::BTreeSet::new();
            for name in list {
                if !seen.insert(name) {
                    return Err(bad(format!("{kind} \"{name}\" is defined twice")));
                }
            }
            Ok(())
        };
        distinct(
            "constraint",
            self.uniques.iter().map(|u| u.name.as_str()).collect(),
        )?;
        distinct(
            "constraint",
            self.checks.iter().map(|c| c.name.as_str()).collect(),
        )?;
        distinct(
            "index",
            self.indexes.iter().map(|i| i.name.as_str()).collect(),
        )?;
        distinct(
            "constraint",
            self.foreign_keys.iter().map(|f| f.name.as_str()).collect(),
        )?;
        for u in &self.uniques {
            check_tags(&format!("unique constraint \"{}\"", u.name), &u.columns)?;
            if u.columns.is_empty() {
                return Err(bad(format!(
                    "unique constraint \"{}\" has no columns",
                    u.name
                )));
            }
        }
        for i in &self.indexes {
            let index_tags: Vec<u32> = i.columns.iter().map(|(tag, _)| *tag).collect();
            check_tags(&format!("index \"{}\"", i.name), &index_tags)?;
            if index_tags.is_empty() {
                return Err(bad(format!("index \"{}\" has no columns", i.name)));
            }
        }
        for f in &self.foreign_keys {
            check_tags(&format!("foreign key \"{}\"", f.name), &f.columns)?;
            if f.columns.is_empty() || f.columns.len() != f.referenced_columns.len() {
                return Err(bad(format!(
                    "foreign key \"{}\" has {} columns referencing {}",
                    f.name,
                    f.columns.len(),
                    f.referenced_columns.len()
                )));
            }
        }
        Ok(())
    }

    /// Encodes the schema deterministically.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.u8(FORMAT)
            .str(&self.name)
            .varint(u64::from(self.next_tag));
        w.varint(self.columns.len() as u64);
        for c in &self.columns {
            w.varint(u64::from(c.tag)).str(&c.name);
            write_type(&mut w, &c.data_type);
            // Column flags: bit 0 nullable, bit 1 GENERATED ALWAYS (a
            // schema without the second reads as before).
            w.u8(u8::from(c.nullable) | (u8::from(c.generated_always) << 1));
            write_opt_str(&mut w, c.default.as_deref());
            match &c.missing {
                Some(v) => {
                    w.u8(1).bytes(&encode_row(&[(0, v)]));
                }
                None => {
                    w.u8(0);
                }
            }
        }
        write_tags(&mut w, &self.primary_key);
        w.varint(self.uniques.len() as u64);
        for u in &self.uniques {
            w.str(&u.name);
            write_tags(&mut w, &u.columns);
        }
        w.varint(self.checks.len() as u64);
        for c in &self.checks {
            w.str(&c.name).str(&c.expression);
        }
        w.varint(self.indexes.len() as u64);
        for i in &self.indexes {
            w.str(&i.name)
                .u8(u8::from(i.unique))
                .varint(i.columns.len() as u64);
            for (tag, desc) in &i.columns {
                w.varint(u64::from(*tag)).u8(u8::from(*desc));
            }
        }
        w.varint(self.foreign_keys.len() as u64);
        for f in &self.foreign_keys {
            w.str(&f.name);
            write_tags(&mut w, &f.columns);
            w.str(&f.referenced_table)
                .varint(f.referenced_columns.len() as u64);
            for c in &f.referenced_columns {
                w.str(c);
            }
            w.u8(f.on_delete.code()).u8(f.on_update.code());
        }
        w.into_bytes()
    }

    /// Decodes and validates an encoded schema.
    pub fn decode(bytes: &[u8]) -> Result<TableSchema> {
        let schema =
            decode(bytes).map_err(|e| ValueError::corrupt(format!("table schema: {e}")))?;
        schema
            .validate()
            .map_err(|e| ValueError::corrupt(format!("table schema: {}", e.message)))?;
        Ok(schema)
    }
}

fn write_type(w: &mut Writer, t: &DataType) {
    w.u8(t.code());
    match t {
        DataType::Numeric(p) => {
            match p {
                Some((precision, scale)) => w
                    .u8(1)
                    .varint(u64::from(*precision))
                    .varint(u64::from(*scale)),
                None => w.u8(0),
            };
        }
        DataType::Varchar(n) => {
            match n {
                Some(n) => w.u8(1).varint(u64::from(*n)),
                None => w.u8(0),
            };
        }
        DataType::Char(n) => {
            w.varint(u64::from(*n));
        }
        DataType::Array(element) => write_type(w, element),
        DataType::Enum(e) => {
            w.str(&e.name).varint(e.labels.len() as u64);
            for label in &e.labels {
                w.str(label);
            }
        }
        _ => {}
    }
}

fn write_opt_str(w: &mut Writer, s: Option<&str>) {
    match s {
        Some(s) => w.u8(1).str(s),
        None => w.u8(0),
    };
}

fn write_tags(w: &mut Writer, tags: &[u32]) {
    w.varint(tags.len() as u64);
    for t in tags {
        w.varint(u64::from(*t));
    }
}

type DecodeResult<T> = std::result::Result<T, String>;

fn decode(bytes: &[u8]) -> DecodeResult<TableSchema> {
    let mut r = Reader::new(bytes, "table schema");
    let e = |e: arbor_merkle::Error| e.to_string();
    let version = r.u8().map_err(e)?;
    if version != FORMAT {
        return Err(format!("unknown format version {version}"));
    }
    let mut s = TableSchema::new(r.str().map_err(e)?);
    s.next_tag = small(r.varint().map_err(e)?)?;
    for _ in 0..r.count(4).map_err(e)? {
        let tag = small(r.varint().map_err(e)?)?;
        let name = r.str().map_err(e)?.to_owned();
        let data_type = read_type(&mut r)?;
        let flags = r.u8().map_err(e)?;
        if flags > 3 {
            return Err(format!("bad column flags {flags}"));
        }
        let (nullable, generated_always) = (flags & 1 != 0, flags & 2 != 0);
        let default = read_opt_str(&mut r)?;
        let missing = match r.u8().map_err(e)? {
            0 => None,
            1 => {
                let row = r.bytes().map_err(e)?;
                let col = RowColumn {
                    tag: 0,
                    data_type: data_type.clone(),
                    missing: Value::Null,
                };
                Some(decode_row(row, &[col]).map_err(|e| e.message)?.remove(0))
            }
            _ => return Err("bad presence byte".into()),
        };
        if tag >= s.next_tag || s.tag_index(tag).is_some() {
            return Err(format!(
                "column tag {tag} is repeated or not below next_tag"
            ));
        }
        s.columns.push(Column {
            tag,
            name,
            data_type,
            nullable,
            default,
            missing,
            generated_always,
        });
    }
    s.primary_key = read_tags(&mut r, &s)?;
    for _ in 0..r.count(2).map_err(e)? {
        let name = r.str().map_err(e)?.to_owned();
        s.uniques.push(UniqueConstraint {
            name,
            columns: read_tags(&mut r, &s)?,
        });
    }
    for _ in 0..r.count(2).map_err(e)? {
        let name = r.str().map_err(e)?.to_owned();
        s.checks.push(CheckConstraint {
            name,
            expression: r.str().map_err(e)?.to_owned(),
        });
    }
    for _ in 0..r.count(3).map_err(e)? {
        let name = r.str().map_err(e)?.to_owned();
        let unique = read_bool(&mut r)?;
        let mut columns = Vec::new();
        for _ in 0..r.count(2).map_err(e)? {
            let tag = small(r.varint().map_err(e)?)?;
            check_tag(&s, tag)?;
            columns.push((tag, read_bool(&mut r)?));
        }
        s.indexes.push(Index {
            name,
            unique,
            columns,
        });
    }
    for _ in 0..r.count(5).map_err(e)? {
        let name = r.str().map_err(e)?.to_owned();
        let columns = read_tags(&mut r, &s)?;
        let referenced_table = r.str().map_err(e)?.to_owned();
        let mut referenced_columns = Vec::new();
        for _ in 0..r.count(1).map_err(e)? {
            referenced_columns.push(r.str().map_err(e)?.to_owned());
        }
        let action = |c: u8| {
            ForeignKeyAction::from_code(c).ok_or_else(|| format!("bad foreign key action {c}"))
        };
        let on_delete = action(r.u8().map_err(e)?)?;
        let on_update = action(r.u8().map_err(e)?)?;
        s.foreign_keys.push(ForeignKey {
            name,
            columns,
            referenced_table,
            referenced_columns,
            on_delete,
            on_update,
        });
    }
    r.finish().map_err(e)?;
    Ok(s)
}

fn small(v: u64) -> DecodeResult<u32> {
    u32::try_from(v).map_err(|_| format!("{v} is too large"))
}

fn read_bool(r: &mut Reader<'_>) -> DecodeResult<bool> {
    match r.u8().map_err(|e| e.to_string())? {
        0 => Ok(false),
        1 => Ok(true),
        b => Err(format!("bad boolean byte {b}")),
    }
}

fn read_opt_str(r: &mut Reader<'_>) -> DecodeResult<Option<String>> {
    Ok(if read_bool(r)? {
        Some(r.str().map_err(|e| e.to_string())?.to_owned())
    } else {
        None
    })
}

fn check_tag(s: &TableSchema, tag: u32) -> DecodeResult<()> {
    s.tag_index(tag)
        .map(drop)
        .ok_or_else(|| format!("unknown column tag {tag}"))
}

fn read_tags(r: &mut Reader<'_>, s: &TableSchema) -> DecodeResult<Vec<u32>> {
    let mut tags = Vec::new();
    for _ in 0..r.count(1).map_err(|e| e.to_string())? {
        let tag = small(r.varint().map_err(|e| e.to_string())?)?;
        check_tag(s, tag)?;
        tags.push(tag);
    }
    Ok(tags)
}

fn read_type(r: &mut Reader<'_>) -> DecodeResult<DataType> {
    let e = |e: arbor_merkle::Error| e.to_string();
    let code = r.u8().map_err(e)?;
    let t = match code {
        1 => DataType::Boolean,
        2 => DataType::SmallInt,
        3 => DataType::Integer,
        4 => DataType::BigInt,
        5 => DataType::Real,
        6 => DataType::Double,
        7 => DataType::Numeric(if read_bool(r)? {
            Some((
                small(r.varint().map_err(e)?)?,
                small(r.varint().map_err(e)?)?,
            ))
        } else {
            None
        }),
        8 => DataType::Text,
        9 => DataType::Varchar(if read_bool(r)? {
            Some(small(r.varint().map_err(e)?)?)
        } else {
            None
        }),
        10 => DataType::Char(small(r.varint().map_err(e)?)?),
        11 => DataType::Bytea,
        12 => DataType::Date,
        13 => DataType::Time,
        14 => DataType::Timestamp,
        15 => DataType::TimestampTz,
        16 => DataType::Uuid,
        17 => DataType::Json,
        18 => DataType::Jsonb,
        21 => DataType::Interval,
        22 => {
            let name = r.str().map_err(e)?.to_owned();
            let n = r.count(1).map_err(e)?;
            let mut labels = Vec::with_capacity(n);
            for _ in 0..n {
                labels.push(r.str().map_err(e)?.to_owned());
            }
            DataType::Enum(std::sync::Arc::new(crate::types::EnumType { name, labels }))
        }
        // One dimension: an array of arrays is no column's type.
        19 => match read_type(r)? {
            DataType::Array(_) | DataType::Vector(_) => {
                return Err("an array of arrays".to_owned());
            }
            element => DataType::Array(Box::new(element)),
        },
        other => return Err(format!("unknown type code {other}")),
    };
    Ok(t)
}
