//! SQL data types.

use std::fmt;
use std::sync::Arc;

/// An enum type (`CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')`): its
/// name and its labels in their order, which is the order its values sort
/// in. A value is stored as its label's position, so labels are only ever
/// added at the end or renamed: positions already stored never move.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EnumType {
    /// The type's name.
    pub name: String,
    /// The labels, in sort order.
    pub labels: Vec<String>,
}

impl EnumType {
    /// The position of `label`, if the type has it.
    pub fn position(&self, label: &str) -> Option<u32> {
        self.labels
            .iter()
            .position(|l| l == label)
            .and_then(|p| u32::try_from(p).ok())
    }

    /// The label at `position`, if there is one.
    pub fn label(&self, position: u32) -> Option<&str> {
        self.labels
            .get(usize::try_from(position).ok()?)
            .map(String::as_str)
    }
}

/// A column's SQL type.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum DataType {
    /// `boolean`
    Boolean,
    /// `smallint` (16-bit)
    SmallInt,
    /// `integer` (32-bit)
    Integer,
    /// `bigint` (64-bit)
    BigInt,
    /// `real` (32-bit float)
    Real,
    /// `double precision`
    Double,
    /// `numeric(precision, scale)`; `None` for unconstrained `numeric`.
    Numeric(Option<(u32, u32)>),
    /// `text`
    Text,
    /// `varchar(n)`; `None` for no limit.
    Varchar(Option<u32>),
    /// `char(n)`, blank-padded.
    Char(u32),
    /// `bytea`
    Bytea,
    /// `date`
    Date,
    /// `time` (without time zone)
    Time,
    /// `timestamp` (without time zone)
    Timestamp,
    /// `timestamptz`
    TimestampTz,
    /// `interval`
    Interval,
    /// `uuid`
    Uuid,
    /// `json` (text, kept as written)
    Json,
    /// `jsonb` (binary, canonical)
    Jsonb,
    /// A one-dimensional array of the element type (`integer[]`): a type of
    /// query results and catalog columns, never of a stored column.
    Array(Box<DataType>),
    /// PostgreSQL's `int2vector` and `oidvector` (of `smallint` and
    /// `integer` here): an array its catalogs hold (`pg_index.indkey`),
    /// written with spaces (`1 2`) instead of braces.
    Vector(Box<DataType>),
    /// An enum type of the catalog, its labels with it (so a table's
    /// schema reads its values without the catalog).
    Enum(Arc<EnumType>),
}

impl DataType {
    /// Whether the type is one of the integer types.
    pub fn is_integer(&self) -> bool {
        matches!(
            self,
            DataType::SmallInt | DataType::Integer | DataType::BigInt
        )
    }

    /// Whether the type is numeric (integer, float or numeric).
    pub fn is_numeric(&self) -> bool {
        self.is_integer()
            || matches!(
                self,
                DataType::Real | DataType::Double | DataType::Numeric(_)
            )
    }

    /// Whether the type holds text.
    pub fn is_text(&self) -> bool {
        matches!(
            self,
            DataType::Text | DataType::Varchar(_) | DataType::Char(_)
        )
    }

    /// Whether the two are one declared type: equal, or the same enum type
    /// by name (its labels may differ between versions of a schema, as
    /// `ALTER TYPE ... ADD VALUE` changes them, without changing a value
    /// stored).
    pub fn same_declared(&self, other: &DataType) -> bool {
        match (self, other) {
            (DataType::Enum(a), DataType::Enum(b)) => a.name == b.name,
            (DataType::Array(a), DataType::Array(b)) => a.same_declared(b),
            _ => self == other,
        }
    }

    /// A stable byte for the type's kind, used in encodings.
    pub(crate) fn code(&self) -> u8 {
        match self {
            DataType::Boolean => 1,
            DataType::SmallInt => 2,
            DataType::Integer => 3,
            DataType::BigInt => 4,
            DataType::Real => 5,
            DataType::Double => 6,
            DataType::Numeric(_) => 7,
            DataType::Text => 8,
            DataType::Varchar(_) => 9,
            DataType::Char(_) => 10,
            DataType::Bytea => 11,
            DataType::Date => 12,
            DataType::Time => 13,
            DataType::Timestamp => 14,
            DataType::TimestampTz => 15,
            DataType::Uuid => 16,
            DataType::Json => 17,
            DataType::Jsonb => 18,
            DataType::Array(_) => 19,
            DataType::Vector(_) => 20,
            DataType::Interval => 21,
            DataType::Enum(_) => 22,
        }
    }
}

impl fmt::Display for DataType {
    /// The type as PostgreSQL names it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataType::Boolean => f.write_str("boolean"),
            DataType::SmallInt => f.write_str("smallint"),
            DataType::Integer => f.write_str("integer"),
            DataType::BigInt => f.write_str("bigint"),
            DataType::Real => f.write_str("real"),
            DataType::Double => f.write_str("double precision"),
            DataType::Numeric(None) => f.write_str("numeric"),
            DataType::Numeric(Some((p, s))) => write!(f, "numeric({p},{s})"),
            DataType::Text => f.write_str("text"),
            DataType::Varchar(None) => f.write_str("character varying"),
            DataType::Varchar(Some(n)) => write!(f, "character varying({n})"),
            DataType::Char(n) => write!(f, "character({n})"),
            DataType::Bytea => f.write_str("bytea"),
            DataType::Date => f.write_str("date"),
            DataType::Time => f.write_str("time without time zone"),
            DataType::Timestamp => f.write_str("timestamp without time zone"),
            DataType::TimestampTz => f.write_str("timestamp with time zone"),
            DataType::Interval => f.write_str("interval"),
            DataType::Uuid => f.write_str("uuid"),
            DataType::Json => f.write_str("json"),
            DataType::Jsonb => f.write_str("jsonb"),
            DataType::Array(element) => write!(f, "{element}[]"),
            DataType::Vector(element) if **element == DataType::SmallInt => {
                f.write_str("int2vector")
            }
            DataType::Vector(_) => f.write_str("oidvector"),
            DataType::Enum(e) => f.write_str(&e.name),
        }
    }
}
