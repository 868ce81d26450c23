//! PostgreSQL's system catalogs, as read-only views of an Arbor catalog:
//! enough of `pg_catalog` and `information_schema` for psql's `\d` family,
//! drivers (psycopg's type lookups) and ORMs' reflection (SQLAlchemy's
//! tables, columns, keys, foreign keys and indexes).
//!
//! The idea: clients learn a database's shape by querying these tables,
//! joining them by object identifiers (OIDs) and formatting with functions
//! such as `format_type` and `pg_get_indexdef`. Arbor has no OIDs of its
//! own, so each object gets one derived from its kind and name (a hash,
//! stable across sessions and commits as long as the name is), and the
//! catalog tables are built from the catalog a statement runs on, when it
//! is planned. Every table of the database lives in schema `public`.
//!
//! - [`Objects`] is that snapshot: the tables (with their schemas) and the
//!   views (with their planned columns) of the catalog, plus who is asking
//!   (database and user).
//! - [`Objects::relation`] gives a catalog table's typed columns and rows;
//!   the tables nothing in Arbor fills (`pg_policy`, `pg_trigger`,
//!   `pg_inherits`, ...) are there, empty, so that the queries clients send
//!   for every table plan and answer "none".
//! - [`type_oid`], [`format_type`], [`type_of_oid`]: PostgreSQL's type OIDs
//!   for Arbor's types, one table for the catalog and the wire protocol.
//! - The definitions `pg_get_indexdef`, `pg_get_constraintdef` and
//!   `pg_get_viewdef` return, by OID ([`Objects::definitions`]).

mod columns;

use std::collections::BTreeMap;
use std::sync::Arc;

use arbor_merkle::Address;
use arbor_schema::sql_text::{foreign_key_action, quote_identifier_if_needed};
use arbor_schema::table::{ForeignKeyAction, TableSchema};
use arbor_schema::{DataType, Value};

use crate::table::sequences::Sequence;

/// OID of schema `pg_catalog`.
pub const PG_CATALOG_OID: i32 = 11;
/// OID of schema `public`, where every table is.
pub const PUBLIC_OID: i32 = 2200;
/// OID of schema `information_schema`.
const INFORMATION_SCHEMA_OID: i32 = 13_000;
/// OID of language `sql` in `pg_language`.
const SQL_LANGUAGE_OID: i32 = 14;
/// OID of the one role (the connected user).
const USER_OID: i32 = 10;
/// OID of the one database a session sees.
const DATABASE_OID: i32 = 1;
/// OIDs of the access methods: tables are `heap`, indexes `btree`.
const HEAP_OID: i32 = 2;
const BTREE_OID: i32 = 403;
/// The smallest OID PostgreSQL gives a user's object; hashed OIDs start here.
const FIRST_USER_OID: u32 = 16_384;

/// The catalog tables that have fixed OIDs in PostgreSQL, which clients
/// name in casts (`'pg_class'::regclass`).
const CATALOG_OIDS: &[(&str, i32)] = &[
    ("pg_type", 1247),
    ("pg_attribute", 1249),
    ("pg_proc", 1255),
    ("pg_class", 1259),
    ("pg_database", 1262),
    ("pg_attrdef", 2604),
    ("pg_constraint", 2606),
    ("pg_description", 2609),
    ("pg_index", 2610),
    ("pg_namespace", 2615),
];

/// An object's OID: PostgreSQL's for the catalog tables, else a hash of
/// its kind and name, at or above [`FIRST_USER_OID`] and below 2^31 (so it
/// fits `integer`, the type Arbor gives `oid` columns).
fn oid(kind: &str, name: &str) -> i32 {
    if kind == "relation"
        && let Some((_, oid)) = CATALOG_OIDS.iter().find(|(n, _)| *n == name)
    {
        return *oid;
    }
    let hash = Address::of(format!("{kind}\0{name}").as_bytes());
    let mut first = [0u8; 4];
    first.copy_from_slice(&hash.as_bytes()[..4]);
    let span = (i32::MAX as u32) - FIRST_USER_OID;
    (FIRST_USER_OID + u32::from_be_bytes(first) % span) as i32
}

/// The type OID a result column is described by to a client: the type
/// planning gave it, else the type of its first non-NULL value in `rows`,
/// else `text` (as PostgreSQL types an unknown literal).
pub fn result_type_oid(planned: Option<&DataType>, column: usize, rows: &[Vec<Value>]) -> i32 {
    if let Some(t) = planned {
        return type_oid(t);
    }
    rows.iter()
        .filter_map(|r| r.get(column).and_then(Value::data_type))
        .map(|t| type_oid(&t))
        .next()
        .unwrap_or(TEXT_OID)
}

/// The OID of `text`.
const TEXT_OID: i32 = 25;

/// PostgreSQL's type OID of `t`.
pub fn type_oid(t: &DataType) -> i32 {
    match t {
        DataType::Boolean => 16,
        DataType::Bytea => 17,
        DataType::BigInt => 20,
        DataType::SmallInt => 21,
        DataType::Integer => 23,
        DataType::Text => 25,
        DataType::Json => 114,
        DataType::Real => 700,
        DataType::Double => 701,
        DataType::Char(_) => 1042,
        DataType::Varchar(_) => 1043,
        DataType::Date => 1082,
        DataType::Time => 1083,
        DataType::Timestamp => 1114,
        DataType::TimestampTz => 1184,
        DataType::Interval => 1186,
        DataType::Numeric(_) => 1700,
        DataType::Uuid => 2950,
        DataType::Jsonb => 3802,
        DataType::Array(element) => match &**element {
            DataType::Enum(e) => enum_oid(&format!("_{}", e.name)),
            _ => array_oid(type_oid(element)),
        },
        DataType::Vector(element) if **element == DataType::SmallInt => 22,
        DataType::Vector(_) => 30,
        DataType::Enum(e) => enum_oid(&e.name),
    }
}

/// The OID of the SQL function with `signature`.
pub fn function_oid(signature: &str) -> i32 {
    oid("function", signature)
}

/// The OID of enum type `name`.
pub fn enum_oid(name: &str) -> i32 {
    oid("type", name)
}

/// PostgreSQL's name of `t` (`int4`, `bpchar`; `_int4` for an array).
pub fn type_name(t: &DataType) -> String {
    if let DataType::Array(element) = t {
        return format!("_{}", type_name(element));
    }
    if let DataType::Enum(e) = t {
        return e.name.clone();
    }
    let oid = type_oid(t);
    TYPES
        .iter()
        .find(|row| row.0 == oid)
        .map_or("text", |row| row.1)
        .to_owned()
}

/// The types `pg_type` lists: (OID, name, length, category, array type OID).
const TYPES: &[(i32, &str, i16, &str, i32)] = &[
    (16, "bool", 1, "B", 1000),
    (17, "bytea", -1, "U", 1001),
    (18, "char", 1, "Z", 1002),
    (19, "name", 64, "S", 1003),
    (20, "int8", 8, "N", 1016),
    (21, "int2", 2, "N", 1005),
    (22, "int2vector", -1, "A", 1006),
    (23, "int4", 4, "N", 1007),
    (25, "text", -1, "S", 1009),
    (26, "oid", 4, "N", 1028),
    (30, "oidvector", -1, "A", 1013),
    (114, "json", -1, "U", 199),
    (700, "float4", 4, "N", 1021),
    (701, "float8", 8, "N", 1022),
    (1042, "bpchar", -1, "S", 1014),
    (1043, "varchar", -1, "S", 1015),
    (1082, "date", 4, "D", 1182),
    (1083, "time", 8, "D", 1183),
    (1114, "timestamp", 8, "D", 1115),
    (1184, "timestamptz", 8, "D", 1185),
    (1186, "interval", 16, "T", 1187),
    (1700, "numeric", -1, "N", 1231),
    (2205, "regclass", 4, "N", 2210),
    (2206, "regtype", 4, "N", 2211),
    (2950, "uuid", 16, "U", 2951),
    (3802, "jsonb", -1, "U", 3807),
];

/// The OID of the array type whose elements have type `element` (`text`'s
/// for a type without one).
fn array_oid(element: i32) -> i32 {
    TYPES.iter().find(|t| t.0 == element).map_or(1009, |t| t.4)
}

/// The Arbor type PostgreSQL's type `oid` with modifier `typmod` is, if
/// Arbor has it (`name` and `"char"` read as text, `oid` as integer).
pub fn type_of_oid(oid: i32, typmod: i32) -> Option<DataType> {
    // A typmod of -1 means none; varchar's and char's hold the length plus
    // 4, numeric's the precision and scale, each plus 4 together.
    let modifier = (typmod >= 4).then(|| (typmod - 4) as u32);
    Some(match oid {
        16 => DataType::Boolean,
        17 => DataType::Bytea,
        18 | 19 | 25 => DataType::Text,
        20 => DataType::BigInt,
        21 => DataType::SmallInt,
        23 | 26 | 2205 | 2206 => DataType::Integer,
        22 => DataType::Vector(Box::new(DataType::SmallInt)),
        30 => DataType::Vector(Box::new(DataType::Integer)),
        114 => DataType::Json,
        700 => DataType::Real,
        701 => DataType::Double,
        1042 => DataType::Char(modifier.unwrap_or(1)),
        1043 => DataType::Varchar(modifier),
        1082 => DataType::Date,
        1083 => DataType::Time,
        1114 => DataType::Timestamp,
        1184 => DataType::TimestampTz,
        1186 => DataType::Interval,
        1700 => DataType::Numeric(modifier.map(|m| (m >> 16, m & 0xffff))),
        2950 => DataType::Uuid,
        3802 => DataType::Jsonb,
        other => {
            let (element, ..) = TYPES.iter().find(|t| t.4 == other)?;
            DataType::Array(Box::new(type_of_oid(*element, -1)?))
        }
    })
}

/// PostgreSQL's type modifier of `t` (`atttypmod`): -1 for none.
fn typmod(t: &DataType) -> i32 {
    match t {
        DataType::Varchar(Some(n)) | DataType::Char(n) => *n as i32 + 4,
        DataType::Numeric(Some((p, s))) => ((*p as i32) << 16 | *s as i32) + 4,
        _ => -1,
    }
}

/// `format_type(oid, typmod)`: the type's name as SQL writes it, with its
/// modifier (`character varying(20)`, `numeric(10,2)`, `integer[]`).
pub fn format_type(oid: i32, typmod: Option<i32>) -> String {
    let typmod = typmod.unwrap_or(-1);
    match oid {
        18 => return "\"char\"".into(),
        19 => return "name".into(),
        26 => return "oid".into(),
        22 => return "int2vector".into(),
        30 => return "oidvector".into(),
        2205 => return "regclass".into(),
        2206 => return "regtype".into(),
        _ => {}
    }
    match type_of_oid(oid, typmod) {
        // Without a modifier, char is `bpchar` (as PostgreSQL prints it).
        Some(DataType::Char(_)) if typmod < 0 => "bpchar".into(),
        Some(t) => t.to_string(),
        None => "???".into(),
    }
}

/// Type `t` as PostgreSQL names it in messages (`integer`, `character
/// varying`, an enum type by its name).
pub fn type_display(t: &DataType) -> String {
    match t {
        DataType::Enum(e) => e.name.clone(),
        DataType::Array(element) if matches!(**element, DataType::Enum(_)) => {
            format!("{}[]", type_display(element))
        }
        _ => format_type(type_oid(t), None),
    }
}

/// `to_regtype(name)`: the OID of the type named `name`, if there is one.
pub fn type_by_name(name: &str) -> Option<i32> {
    let name = name.trim().trim_start_matches("pg_catalog.").to_lowercase();
    if let Some(element) = name.strip_suffix("[]") {
        return type_by_name(element).map(array_oid);
    }
    if let Some(t) = TYPES.iter().find(|t| t.1 == name) {
        return Some(t.0);
    }
    let sql = format!("SELECT NULL::{name}");
    let statement = super::parser::parse(&sql).ok()?;
    let Some(sqlparser::ast::Statement::Query(q)) = statement.first() else {
        return None;
    };
    let sqlparser::ast::SetExpr::Select(s) = q.body.as_ref() else {
        return None;
    };
    match s.projection.first() {
        Some(sqlparser::ast::SelectItem::UnnamedExpr(sqlparser::ast::Expr::Cast {
            data_type,
            ..
        })) => super::planner::data_type(data_type)
            .ok()
            .map(|t| type_oid(&t)),
        _ => None,
    }
}

/// A table of the catalog as the snapshot holds it.
#[derive(Debug)]
pub struct TableInfo {
    /// Its OID.
    pub oid: i32,
    /// Its schema.
    pub schema: Arc<TableSchema>,
}

/// Columns by name and type.
pub type Columns = Vec<(String, DataType)>;

/// A view of the catalog as the snapshot holds it.
#[derive(Debug)]
pub struct ViewInfo {
    /// Its name.
    pub name: String,
    /// Its OID.
    pub oid: i32,
    /// Its defining query.
    pub definition: String,
    /// Its columns, by name and planned type (text where planning cannot tell).
    pub columns: Columns,
}

/// The catalog a statement is planned on, as the system catalogs see it.
#[derive(Debug)]
pub struct Objects {
    /// The database the session is connected to.
    pub database: String,
    /// The connected user.
    pub user: String,
    /// The tables, by name.
    pub tables: BTreeMap<String, TableInfo>,
    /// The views, by name.
    pub views: Vec<ViewInfo>,
    /// The sequences, by name, with their OIDs and states.
    pub sequences: Vec<(String, i32, Sequence)>,
    /// The session's settings, by name, with their values.
    pub settings: Vec<(String, String)>,
    /// The enum types.
    pub enums: Vec<arbor_schema::EnumType>,
    /// The SQL functions.
    pub functions: Vec<FunctionInfo>,
    /// The comments (`pg_description`): object OID, the OID of the catalog
    /// it is listed in, column number (0 for the object itself), text.
    pub comments: Vec<(i32, i32, i32, String)>,
}

/// The OID of table, view or sequence `name`.
pub fn relation_oid(name: &str) -> i32 {
    oid("relation", name)
}

/// OIDs of the catalogs comments are listed by (`pg_description.classoid`).
pub const PG_CLASS_OID: i32 = 1259;
/// `pg_type`'s OID.
pub const PG_TYPE_OID: i32 = 1247;
/// `pg_proc`'s OID.
pub const PG_PROC_OID: i32 = 1255;
/// `pg_namespace`'s OID.
pub const PG_NAMESPACE_OID: i32 = 2615;

/// A SQL function as the catalogs show it (`pg_proc`, `\df`).
#[derive(Clone, Debug)]
pub struct FunctionInfo {
    /// Its name.
    pub name: String,
    /// Its signature (the catalog's key), which its OID is made from.
    pub signature: String,
    /// Each parameter: name, type, default (SQL text).
    pub parameters: Vec<(Option<String>, DataType, Option<String>)>,
    /// The result as `pg_get_function_result` writes it (`integer`,
    /// `SETOF t`, `TABLE(a integer)`).
    pub result: String,
    /// The result type's OID (`record` for TABLE, a table's row type).
    pub result_type: i32,
    /// Whether it returns rows.
    pub returns_set: bool,
    /// STRICT.
    pub strict: bool,
    /// `i`, `s` or `v`.
    pub volatility: &'static str,
    /// The body, as PostgreSQL's `prosrc` holds it.
    pub source: String,
}

impl FunctionInfo {
    /// Its OID.
    pub fn oid(&self) -> i32 {
        function_oid(&self.signature)
    }

    /// Its parameters as `pg_get_function_arguments` writes them (`a
    /// integer, b text DEFAULT 'x'`); without defaults, the identity
    /// arguments.
    fn arguments(&self, defaults: bool) -> String {
        let parts: Vec<String> = self
            .parameters
            .iter()
            .map(|(name, t, default)| {
                let mut part = name.as_ref().map_or(String::new(), |n| format!("{n} "));
                part.push_str(&type_display(t));
                if let (true, Some(d)) = (defaults, default) {
                    part.push_str(&format!(" DEFAULT {d}"));
                }
                part
            })
            .collect();
        parts.join(", ")
    }
}

/// A catalog table: typed columns and rows.
#[derive(Debug)]
pub struct Relation {
    /// Column names and types.
    pub columns: Vec<(String, DataType)>,
    /// The rows.
    pub rows: Vec<Vec<Value>>,
}

fn text(s: impl Into<String>) -> Value {
    Value::Text(s.into())
}

fn int(i: i32) -> Value {
    Value::Integer(i)
}

fn small(i: usize) -> Value {
    Value::SmallInt(i16::try_from(i).unwrap_or(i16::MAX))
}

fn boolean(b: bool) -> Value {
    Value::Boolean(b)
}

fn array_of(t: DataType) -> DataType {
    DataType::Array(Box::new(t))
}

/// One index as the catalogs list it: a secondary index, or the index a
/// primary key implies (`<table>_pkey`).
struct IndexInfo<'a> {
    oid: i32,
    name: String,
    table: &'a TableInfo,
    unique: bool,
    primary: bool,
    /// (column position from 1, descending) per key column.
    columns: Vec<(usize, bool)>,
}

/// What kind of constraint a `pg_constraint` row is.
enum ConstraintKind {
    PrimaryKey,
    Unique,
    Check(String),
    ForeignKey(usize),
}

/// One constraint as `pg_constraint` lists it.
struct ConstraintInfo<'a> {
    oid: i32,
    name: String,
    table: &'a TableInfo,
    kind: ConstraintKind,
    /// Constrained column positions from 1.
    columns: Vec<usize>,
    /// The index that enforces it (primary keys and uniques), by OID.
    index: i32,
}

impl Objects {
    /// A snapshot of `tables` and `views` for `user` connected to `database`.
    pub fn new(
        database: String,
        user: String,
        tables: Vec<Arc<TableSchema>>,
        views: Vec<(String, String, Columns)>,
        sequences: Vec<(String, Sequence)>,
        settings: Vec<(String, String)>,
    ) -> Objects {
        Objects {
            database,
            user,
            tables: tables
                .into_iter()
                .map(|schema| {
                    let info = TableInfo {
                        oid: oid("relation", &schema.name),
                        schema,
                    };
                    (info.schema.name.clone(), info)
                })
                .collect(),
            views: views
                .into_iter()
                .map(|(name, definition, columns)| ViewInfo {
                    oid: oid("relation", &name),
                    name,
                    definition,
                    columns,
                })
                .collect(),
            sequences: sequences
                .into_iter()
                .map(|(name, state)| {
                    let oid = oid("relation", &name);
                    (name, oid, state)
                })
                .collect(),
            settings,
            enums: Vec::new(),
            functions: Vec::new(),
            comments: Vec::new(),
        }
    }

    /// The schemas by OID and name, for `::regnamespace`.
    pub fn namespace_names(&self) -> Vec<(i32, String)> {
        [
            (PG_CATALOG_OID, "pg_catalog"),
            (PUBLIC_OID, "public"),
            (INFORMATION_SCHEMA_OID, "information_schema"),
        ]
        .iter()
        .map(|(o, n)| (*o, (*n).to_owned()))
        .collect()
    }

    /// Every relation (table, view, index, catalog table) by OID and name,
    /// for `::regclass`.
    pub fn relation_names(&self) -> Vec<(i32, String)> {
        let mut out: Vec<(i32, String)> = catalog_relations()
            .map(|n| (oid("relation", n), n.to_owned()))
            .collect();
        out.extend(self.tables.values().map(|t| (t.oid, t.schema.name.clone())));
        out.extend(self.views.iter().map(|v| (v.oid, v.name.clone())));
        out.extend(self.sequences.iter().map(|(n, o, _)| (*o, n.clone())));
        out.extend(self.indexes().into_iter().map(|i| (i.oid, i.name)));
        out
    }

    /// The definitions `pg_get_indexdef`, `pg_get_constraintdef` or
    /// `pg_get_viewdef` (`function`) returns, by OID; `pretty` leaves out
    /// the schema of a table in the search path (`public`).
    pub fn definitions(&self, function: &str, pretty: bool) -> Vec<(i32, String)> {
        match function {
            "pg_get_indexdef" => self
                .indexes()
                .iter()
                .map(|i| (i.oid, index_definition(i, pretty)))
                .collect(),
            "pg_get_constraintdef" => self
                .constraints()
                .iter()
                .map(|c| (c.oid, constraint_definition(c, pretty)))
                .collect(),
            // A view's query ends with `;`, as PostgreSQL prints it (pg_dump
            // cuts the last character).
            "pg_get_viewdef" => self
                .views
                .iter()
                .map(|v| (v.oid, format!("{};", v.definition.trim_end_matches(';'))))
                .collect(),
            "pg_get_function_result" => self
                .functions
                .iter()
                .map(|f| (f.oid(), f.result.clone()))
                .collect(),
            "pg_get_function_arguments" => self
                .functions
                .iter()
                .map(|f| (f.oid(), f.arguments(true)))
                .collect(),
            "pg_get_function_identity_arguments" => self
                .functions
                .iter()
                .map(|f| (f.oid(), f.arguments(false)))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Each index's column definitions (`pg_get_indexdef(oid, n)`), by OID.
    pub fn index_columns(&self) -> Vec<(i32, Vec<Value>)> {
        self.indexes()
            .iter()
            .map(|i| {
                let columns = i
                    .columns
                    .iter()
                    .map(|(p, _)| {
                        i.table
                            .schema
                            .columns
                            .get(p.saturating_sub(1))
                            .map_or(Value::Null, |c| text(quote_identifier_if_needed(&c.name)))
                    })
                    .collect();
                (i.oid, columns)
            })
            .collect()
    }

    fn indexes(&self) -> Vec<IndexInfo<'_>> {
        let mut out = Vec::new();
        for table in self.tables.values() {
            let schema = &table.schema;
            let position = |tag: u32| {
                schema
                    .columns
                    .iter()
                    .position(|c| c.tag == tag)
                    .map_or(0, |p| p + 1)
            };
            if !schema.primary_key.is_empty() {
                let name = format!("{}_pkey", schema.name);
                out.push(IndexInfo {
                    oid: oid("index", &format!("{}.{name}", schema.name)),
                    name,
                    table,
                    unique: true,
                    primary: true,
                    columns: schema
                        .primary_key
                        .iter()
                        .map(|t| (position(*t), false))
                        .collect(),
                });
            }
            for index in &schema.indexes {
                out.push(IndexInfo {
                    oid: oid("index", &format!("{}.{}", schema.name, index.name)),
                    name: index.name.clone(),
                    table,
                    unique: index.unique,
                    primary: false,
                    columns: index
                        .columns
                        .iter()
                        .map(|(t, desc)| (position(*t), *desc))
                        .collect(),
                });
            }
        }
        out
    }

    fn constraints(&self) -> Vec<ConstraintInfo<'_>> {
        let mut out = Vec::new();
        for table in self.tables.values() {
            let schema = &table.schema;
            let positions = |tags: &[u32]| -> Vec<usize> {
                tags.iter()
                    .map(|tag| {
                        schema
                            .columns
                            .iter()
                            .position(|c| c.tag == *tag)
                            .map_or(0, |p| p + 1)
                    })
                    .collect()
            };
            let named = |kind: &str, name: &str| oid(kind, &format!("{}.{name}", schema.name));
            // A primary key's and a unique constraint's index has the
            // constraint's name.
            let mut add = |name: String, kind: ConstraintKind, columns: Vec<usize>| {
                let indexed = matches!(kind, ConstraintKind::PrimaryKey | ConstraintKind::Unique);
                out.push(ConstraintInfo {
                    oid: named("constraint", &name),
                    index: if indexed { named("index", &name) } else { 0 },
                    name,
                    table,
                    kind,
                    columns,
                });
            };
            if !schema.primary_key.is_empty() {
                add(
                    format!("{}_pkey", schema.name),
                    ConstraintKind::PrimaryKey,
                    positions(&schema.primary_key),
                );
            }
            for u in &schema.uniques {
                add(
                    u.name.clone(),
                    ConstraintKind::Unique,
                    positions(&u.columns),
                );
            }
            for c in &schema.checks {
                add(
                    c.name.clone(),
                    ConstraintKind::Check(c.expression.clone()),
                    Vec::new(),
                );
            }
            for (i, f) in schema.foreign_keys.iter().enumerate() {
                add(
                    f.name.clone(),
                    ConstraintKind::ForeignKey(i),
                    positions(&f.columns),
                );
            }
        }
        out
    }

    /// Catalog table `name` of schema `schema` (`pg_catalog` or
    /// `information_schema`), if there is one.
    pub fn relation(&self, schema: &str, name: &str) -> Option<Relation> {
        match schema {
            "pg_catalog" => self.pg_catalog(name),
            "information_schema" => self.information_schema(name),
            _ => None,
        }
    }

    /// Catalog `name` with every column PostgreSQL's has ([`columns`]):
    /// the values Arbor fills, NULL in the others, then the system column
    /// `tableoid` (which catalog a row is from, read by pg_dump; shown by
    /// `*` too, unlike PostgreSQL's).
    fn pg_catalog(&self, name: &str) -> Option<Relation> {
        let filled = self.pg_catalog_columns(name);
        let all = columns::COLUMNS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, spec)| {
                spec.split(' ')
                    .filter_map(|c| c.split_once(':'))
                    .map(|(c, t)| (c.to_owned(), catalog_type(t)))
                    .collect::<Vec<_>>()
            });
        let mut relation = match (filled, all) {
            (None, None) => return None,
            (Some(filled), None) => filled,
            (None, Some(all)) => Relation {
                columns: all,
                rows: Vec::new(),
            },
            (Some(filled), Some(all)) => {
                let position = |c: &str| filled.columns.iter().position(|(n, _)| n == c);
                let mut columns: Vec<(String, DataType)> = all
                    .into_iter()
                    .map(|(c, t)| match position(&c) {
                        Some(i) => filled.columns[i].clone(),
                        None => (c, t),
                    })
                    .collect();
                let extra: Vec<(String, DataType)> = filled
                    .columns
                    .iter()
                    .filter(|(c, _)| !columns.iter().any(|(n, _)| n == c))
                    .cloned()
                    .collect();
                columns.extend(extra);
                let from: Vec<Option<usize>> = columns.iter().map(|(c, _)| position(c)).collect();
                let rows = filled
                    .rows
                    .into_iter()
                    .map(|row| {
                        from.iter()
                            .map(|i| i.and_then(|i| row.get(i).cloned()).unwrap_or(Value::Null))
                            .collect()
                    })
                    .collect();
                Relation { columns, rows }
            }
        };
        // The catalog's own OID, as pg_class lists it.
        let table = oid("relation", name);
        relation
            .columns
            .push(("tableoid".into(), DataType::Integer));
        for row in &mut relation.rows {
            row.push(int(table));
        }
        Some(relation)
    }

    fn pg_catalog_columns(&self, name: &str) -> Option<Relation> {
        use DataType::{Boolean as B, Integer as I, Real as R, SmallInt as S, Text as T};
        let oids = || DataType::Vector(Box::new(I));
        let int2s = || DataType::Vector(Box::new(S));
        let texts = || array_of(T);
        let columns = |spec: &[(&str, DataType)]| -> Vec<(String, DataType)> {
            spec.iter()
                .map(|(n, t)| ((*n).to_owned(), t.clone()))
                .collect()
        };
        let (spec, rows): (Vec<(String, DataType)>, Vec<Vec<Value>>) = match name {
            "pg_namespace" => (
                columns(&[
                    ("oid", I),
                    ("nspname", T),
                    ("nspowner", I),
                    ("nspacl", texts()),
                ]),
                [
                    (PG_CATALOG_OID, "pg_catalog"),
                    (PUBLIC_OID, "public"),
                    (INFORMATION_SCHEMA_OID, "information_schema"),
                ]
                .iter()
                .map(|(o, n)| vec![int(*o), text(*n), int(USER_OID), Value::Null])
                .collect(),
            ),
            "pg_class" => (
                columns(&[
                    ("oid", I),
                    ("relname", T),
                    ("relnamespace", I),
                    ("reltype", I),
                    ("reloftype", I),
                    ("relowner", I),
                    ("relam", I),
                    ("relfilenode", I),
                    ("reltablespace", I),
                    ("relpages", I),
                    ("reltuples", R),
                    ("relallvisible", I),
                    ("reltoastrelid", I),
                    ("relhasindex", B),
                    ("relisshared", B),
                    ("relpersistence", T),
                    ("relkind", T),
                    ("relnatts", S),
                    ("relchecks", S),
                    ("relhasrules", B),
                    ("relhastriggers", B),
                    ("relhassubclass", B),
                    ("relrowsecurity", B),
                    ("relforcerowsecurity", B),
                    ("relispopulated", B),
                    ("relreplident", T),
                    ("relispartition", B),
                    ("relrewrite", I),
                    ("relfrozenxid", I),
                    ("relminmxid", I),
                    ("relacl", texts()),
                    ("reloptions", texts()),
                    ("relpartbound", T),
                ]),
                self.pg_class_rows(),
            ),
            "pg_attribute" => (
                columns(&[
                    ("attrelid", I),
                    ("attname", T),
                    ("atttypid", I),
                    ("attstattarget", I),
                    ("attlen", S),
                    ("attnum", S),
                    ("attndims", I),
                    ("atttypmod", I),
                    ("attbyval", B),
                    ("attalign", T),
                    ("attstorage", T),
                    ("attcompression", T),
                    ("attnotnull", B),
                    ("atthasdef", B),
                    ("atthasmissing", B),
                    ("attidentity", T),
                    ("attgenerated", T),
                    ("attisdropped", B),
                    ("attislocal", B),
                    ("attinhcount", I),
                    ("attcollation", I),
                    ("attacl", texts()),
                    ("attoptions", texts()),
                ]),
                self.pg_attribute_rows(),
            ),
            "pg_attrdef" => (
                columns(&[("oid", I), ("adrelid", I), ("adnum", S), ("adbin", T)]),
                self.tables
                    .values()
                    .flat_map(|t| {
                        t.schema.columns.iter().enumerate().filter_map(|(i, c)| {
                            let default = c.default.as_ref()?;
                            Some(vec![
                                int(oid("default", &format!("{}.{}", t.schema.name, c.name))),
                                int(t.oid),
                                small(i + 1),
                                text(default.clone()),
                            ])
                        })
                    })
                    .collect(),
            ),
            "pg_type" => (
                columns(&[
                    ("oid", I),
                    ("typname", T),
                    ("typnamespace", I),
                    ("typowner", I),
                    ("typlen", S),
                    ("typbyval", B),
                    ("typtype", T),
                    ("typcategory", T),
                    ("typispreferred", B),
                    ("typisdefined", B),
                    ("typdelim", T),
                    ("typrelid", I),
                    ("typelem", I),
                    ("typarray", I),
                    ("typnotnull", B),
                    ("typbasetype", I),
                    ("typtypmod", I),
                    ("typndims", I),
                    ("typcollation", I),
                    ("typdefault", T),
                    ("typalign", T),
                    ("typstorage", T),
                ]),
                TYPES
                    .iter()
                    .flat_map(|(o, n, len, category, array)| {
                        let collation = if *category == "S" { 100 } else { 0 };
                        let base = vec![
                            int(*o),
                            text(*n),
                            int(PG_CATALOG_OID),
                            int(USER_OID),
                            Value::SmallInt(*len),
                            boolean(*len > 0 && *len <= 8),
                            text("b"),
                            text(*category),
                            boolean(false),
                            boolean(true),
                            text(","),
                            int(0),
                            int(0),
                            int(*array),
                            boolean(false),
                            int(0),
                            int(-1),
                            int(0),
                            int(collation),
                            Value::Null,
                            text(match len {
                                1 => "c",
                                2 => "s",
                                8 => "d",
                                _ => "i",
                            }),
                            // Variable-length types are stored extended.
                            text(if *len < 0 { "x" } else { "p" }),
                        ];
                        let mut array_row = base.clone();
                        array_row[0] = int(*array);
                        array_row[1] = text(format!("_{n}"));
                        array_row[4] = Value::SmallInt(-1);
                        array_row[5] = boolean(false);
                        array_row[7] = text("A");
                        array_row[12] = int(*o);
                        array_row[13] = int(0);
                        array_row[21] = text("x");
                        [base, array_row]
                    })
                    .chain(self.enums.iter().flat_map(|e| {
                        let (oid, array) = (enum_oid(&e.name), enum_oid(&format!("_{}", e.name)));
                        let row = |oid: i32,
                                   name: String,
                                   typtype: &str,
                                   category: &str,
                                   element: i32,
                                   array: i32| {
                            let fixed = typtype == "e";
                            vec![
                                int(oid),
                                text(name),
                                int(PUBLIC_OID),
                                int(USER_OID),
                                Value::SmallInt(if fixed { 4 } else { -1 }),
                                boolean(fixed),
                                text(typtype),
                                text(category),
                                boolean(false),
                                boolean(true),
                                text(","),
                                int(0),
                                int(element),
                                int(array),
                                boolean(false),
                                int(0),
                                int(-1),
                                int(0),
                                int(0),
                                Value::Null,
                                text("i"),
                                text(if fixed { "p" } else { "x" }),
                            ]
                        };
                        [
                            row(oid, e.name.clone(), "e", "E", 0, array),
                            row(array, format!("_{}", e.name), "b", "A", oid, 0),
                        ]
                    }))
                    .collect(),
            ),
            "pg_description" => (
                columns(&[
                    ("objoid", I),
                    ("classoid", I),
                    ("objsubid", I),
                    ("description", T),
                ]),
                self.comments
                    .iter()
                    .map(|(o, c, s, d)| vec![int(*o), int(*c), int(*s), text(d.clone())])
                    .collect(),
            ),
            "pg_proc" => (
                columns(&[
                    ("oid", I),
                    ("proname", T),
                    ("pronamespace", I),
                    ("proowner", I),
                    ("prolang", I),
                    ("procost", R),
                    ("prorows", R),
                    ("provariadic", I),
                    ("prokind", T),
                    ("prosecdef", B),
                    ("proleakproof", B),
                    ("proisstrict", B),
                    ("proretset", B),
                    ("provolatile", T),
                    ("proparallel", T),
                    ("pronargs", S),
                    ("pronargdefaults", S),
                    ("prorettype", I),
                    ("proargtypes", oids()),
                    ("proargnames", texts()),
                    ("prosrc", T),
                ]),
                self.functions
                    .iter()
                    .map(|f| {
                        let defaults = f.parameters.iter().filter(|p| p.2.is_some()).count();
                        let named = f.parameters.iter().any(|p| p.0.is_some());
                        vec![
                            int(f.oid()),
                            text(f.name.clone()),
                            int(PUBLIC_OID),
                            int(USER_OID),
                            int(SQL_LANGUAGE_OID),
                            Value::Real(100.0),
                            Value::Real(if f.returns_set { 1000.0 } else { 0.0 }),
                            int(0),
                            text("f"),
                            boolean(false),
                            boolean(false),
                            boolean(f.strict),
                            boolean(f.returns_set),
                            text(f.volatility),
                            text("u"),
                            small(f.parameters.len()),
                            small(defaults),
                            int(f.result_type),
                            Value::Array(
                                f.parameters.iter().map(|p| int(type_oid(&p.1))).collect(),
                            ),
                            if named {
                                Value::Array(
                                    f.parameters
                                        .iter()
                                        .map(|p| text(p.0.clone().unwrap_or_default()))
                                        .collect(),
                                )
                            } else {
                                Value::Null
                            },
                            text(f.source.clone()),
                        ]
                    })
                    .collect(),
            ),
            "pg_enum" => (
                columns(&[
                    ("oid", I),
                    ("enumtypid", I),
                    ("enumsortorder", R),
                    ("enumlabel", T),
                ]),
                self.enums
                    .iter()
                    .flat_map(|e| {
                        e.labels.iter().enumerate().map(|(i, label)| {
                            vec![
                                int(oid("enum label", &format!("{}\0{label}", e.name))),
                                int(enum_oid(&e.name)),
                                Value::Real((i + 1) as f32),
                                text(label.clone()),
                            ]
                        })
                    })
                    .collect(),
            ),
            "pg_index" => (
                columns(&[
                    ("indexrelid", I),
                    ("indrelid", I),
                    ("indnatts", S),
                    ("indnkeyatts", S),
                    ("indisunique", B),
                    ("indnullsnotdistinct", B),
                    ("indisprimary", B),
                    ("indisexclusion", B),
                    ("indimmediate", B),
                    ("indisclustered", B),
                    ("indisvalid", B),
                    ("indcheckxmin", B),
                    ("indisready", B),
                    ("indislive", B),
                    ("indisreplident", B),
                    ("indkey", int2s()),
                    ("indcollation", oids()),
                    ("indclass", oids()),
                    ("indoption", int2s()),
                    ("indexprs", T),
                    ("indpred", T),
                ]),
                self.indexes()
                    .iter()
                    .map(|i| {
                        let n = i.columns.len();
                        vec![
                            int(i.oid),
                            int(i.table.oid),
                            small(n),
                            small(n),
                            boolean(i.unique),
                            boolean(false),
                            boolean(i.primary),
                            boolean(false),
                            boolean(true),
                            boolean(false),
                            boolean(true),
                            boolean(false),
                            boolean(true),
                            boolean(true),
                            boolean(false),
                            Value::Array(i.columns.iter().map(|(p, _)| small(*p)).collect()),
                            Value::Array(vec![int(0); n]),
                            Value::Array(vec![int(0); n]),
                            // Bit 0 of an option: the column sorts descending.
                            Value::Array(
                                i.columns
                                    .iter()
                                    .map(|(_, d)| Value::SmallInt(i16::from(*d)))
                                    .collect(),
                            ),
                            Value::Null,
                            Value::Null,
                        ]
                    })
                    .collect(),
            ),
            "pg_constraint" => (
                columns(&[
                    ("oid", I),
                    ("conname", T),
                    ("connamespace", I),
                    ("contype", T),
                    ("condeferrable", B),
                    ("condeferred", B),
                    ("convalidated", B),
                    ("conrelid", I),
                    ("contypid", I),
                    ("conindid", I),
                    ("conparentid", I),
                    ("confrelid", I),
                    ("confupdtype", T),
                    ("confdeltype", T),
                    ("confmatchtype", T),
                    ("conislocal", B),
                    ("coninhcount", I),
                    ("connoinherit", B),
                    ("conkey", array_of(S)),
                    ("confkey", array_of(S)),
                    ("conbin", T),
                ]),
                self.pg_constraint_rows(),
            ),
            "pg_am" => (
                columns(&[("oid", I), ("amname", T), ("amhandler", I), ("amtype", T)]),
                vec![
                    vec![int(HEAP_OID), text("heap"), int(0), text("t")],
                    vec![int(BTREE_OID), text("btree"), int(0), text("i")],
                ],
            ),
            "pg_database" => (
                columns(&[
                    ("oid", I),
                    ("datname", T),
                    ("datdba", I),
                    ("encoding", I),
                    ("datlocprovider", T),
                    ("datistemplate", B),
                    ("datallowconn", B),
                    ("datconnlimit", I),
                    ("dattablespace", I),
                    ("datcollate", T),
                    ("datctype", T),
                    ("daticulocale", T),
                    ("datcollversion", T),
                    ("datacl", texts()),
                ]),
                vec![vec![
                    int(DATABASE_OID),
                    text(self.database.clone()),
                    int(USER_OID),
                    int(6),
                    text("c"),
                    boolean(false),
                    boolean(true),
                    int(-1),
                    int(1663),
                    text("C"),
                    text("C"),
                    Value::Null,
                    Value::Null,
                    Value::Null,
                ]],
            ),
            "pg_roles" | "pg_user" | "pg_authid" => (
                columns(&[
                    ("oid", I),
                    ("rolname", T),
                    ("rolsuper", B),
                    ("rolinherit", B),
                    ("rolcreaterole", B),
                    ("rolcreatedb", B),
                    ("rolcanlogin", B),
                    ("rolreplication", B),
                    ("rolconnlimit", I),
                    ("rolbypassrls", B),
                    ("usename", T),
                    ("usesysid", I),
                ]),
                vec![vec![
                    int(USER_OID),
                    text(self.user.clone()),
                    boolean(true),
                    boolean(true),
                    boolean(true),
                    boolean(true),
                    boolean(true),
                    boolean(false),
                    int(-1),
                    boolean(true),
                    text(self.user.clone()),
                    int(USER_OID),
                ]],
            ),
            "pg_sequence" => (
                columns(&[
                    ("seqrelid", I),
                    ("seqtypid", I),
                    ("seqstart", DataType::BigInt),
                    ("seqincrement", DataType::BigInt),
                    ("seqmax", DataType::BigInt),
                    ("seqmin", DataType::BigInt),
                    ("seqcache", DataType::BigInt),
                    ("seqcycle", B),
                ]),
                self.sequences
                    .iter()
                    .map(|(_, oid, s)| {
                        vec![
                            int(*oid),
                            int(20),
                            Value::BigInt(sequence_start(s)),
                            Value::BigInt(s.increment),
                            Value::BigInt(s.max),
                            Value::BigInt(s.min),
                            Value::BigInt(1),
                            boolean(false),
                        ]
                    })
                    .collect(),
            ),
            "pg_depend" => (
                columns(&[
                    ("classid", I),
                    ("objid", I),
                    ("objsubid", I),
                    ("refclassid", I),
                    ("refobjid", I),
                    ("refobjsubid", I),
                    ("deptype", T),
                ]),
                self.sequence_dependencies(),
            ),
            "pg_settings" => (
                columns(&[
                    ("name", T),
                    ("setting", T),
                    ("unit", T),
                    ("category", T),
                    ("short_desc", T),
                    ("context", T),
                    ("vartype", T),
                    ("source", T),
                    ("reset_val", T),
                    ("pending_restart", B),
                ]),
                self.settings
                    .iter()
                    .map(|(n, v)| {
                        vec![
                            text(n.clone()),
                            text(v.clone()),
                            Value::Null,
                            text("Arbor"),
                            Value::Null,
                            text("user"),
                            text("string"),
                            text("session"),
                            text(v.clone()),
                            boolean(false),
                        ]
                    })
                    .collect(),
            ),
            "pg_tablespace" => (
                columns(&[("oid", I), ("spcname", T), ("spcowner", I)]),
                vec![vec![int(1663), text("pg_default"), int(USER_OID)]],
            ),
            "pg_collation" => (
                columns(&[
                    ("oid", I),
                    ("collname", T),
                    ("collnamespace", I),
                    ("collowner", I),
                    ("collprovider", T),
                    ("collisdeterministic", B),
                    ("collencoding", I),
                    ("collcollate", T),
                    ("collctype", T),
                ]),
                [(100, "default"), (950, "C"), (951, "POSIX")]
                    .iter()
                    .map(|(o, n)| {
                        vec![
                            int(*o),
                            text(*n),
                            int(PG_CATALOG_OID),
                            int(USER_OID),
                            text(if *o == 100 { "d" } else { "c" }),
                            boolean(true),
                            int(-1),
                            text("C"),
                            text("C"),
                        ]
                    })
                    .collect(),
            ),
            "pg_tables" => (
                columns(&[
                    ("schemaname", T),
                    ("tablename", T),
                    ("tableowner", T),
                    ("tablespace", T),
                    ("hasindexes", B),
                    ("hasrules", B),
                    ("hastriggers", B),
                    ("rowsecurity", B),
                ]),
                self.tables
                    .values()
                    .map(|t| {
                        vec![
                            text("public"),
                            text(t.schema.name.clone()),
                            text(self.user.clone()),
                            Value::Null,
                            boolean(has_index(&t.schema)),
                            boolean(false),
                            boolean(false),
                            boolean(false),
                        ]
                    })
                    .collect(),
            ),
            "pg_views" => (
                columns(&[
                    ("schemaname", T),
                    ("viewname", T),
                    ("viewowner", T),
                    ("definition", T),
                ]),
                self.views
                    .iter()
                    .map(|v| {
                        vec![
                            text("public"),
                            text(v.name.clone()),
                            text(self.user.clone()),
                            text(v.definition.clone()),
                        ]
                    })
                    .collect(),
            ),
            "pg_indexes" => (
                columns(&[
                    ("schemaname", T),
                    ("tablename", T),
                    ("indexname", T),
                    ("tablespace", T),
                    ("indexdef", T),
                ]),
                self.indexes()
                    .iter()
                    .map(|i| {
                        vec![
                            text("public"),
                            text(i.table.schema.name.clone()),
                            text(i.name.clone()),
                            Value::Null,
                            text(index_definition(i, false)),
                        ]
                    })
                    .collect(),
            ),
            // Catalogs of what Arbor does not have (row security policies,
            // extended statistics, publications, triggers, inheritance,
            // comments, functions, ...): PostgreSQL's columns, no rows.
            _ => return None,
        };
        Some(Relation {
            columns: spec,
            rows,
        })
    }

    /// The dependencies pg_dump orders sequences by: a column default that
    /// draws from a sequence depends on it (`n`), and the sequence of a
    /// serial or identity column belongs to the column (`a`, `OWNED BY`).
    fn sequence_dependencies(&self) -> Vec<Vec<Value>> {
        let class = oid("relation", "pg_class");
        let mut rows = Vec::new();
        for t in self.tables.values() {
            for (i, c) in t.schema.columns.iter().enumerate() {
                let Some(default) = &c.default else { continue };
                for (name, sequence, _) in &self.sequences {
                    if *default != crate::table::sequences::nextval_default(name) {
                        continue;
                    }
                    let attrdef = oid("default", &format!("{}.{}", t.schema.name, c.name));
                    rows.push(vec![
                        int(oid("relation", "pg_attrdef")),
                        int(attrdef),
                        int(0),
                        int(class),
                        int(*sequence),
                        int(0),
                        text("n"),
                    ]);
                    if *name == crate::table::sequences::owned_name(&t.schema.name, &c.name) {
                        rows.push(vec![
                            int(class),
                            int(*sequence),
                            int(0),
                            int(class),
                            int(t.oid),
                            small(i + 1),
                            text("a"),
                        ]);
                    }
                }
            }
        }
        rows
    }

    fn pg_class_rows(&self) -> Vec<Vec<Value>> {
        #[allow(clippy::too_many_arguments)]
        fn row(
            oid: i32,
            name: &str,
            namespace: i32,
            kind: &str,
            am: i32,
            columns: usize,
            checks: usize,
            has_index: bool,
            has_triggers: bool,
        ) -> Vec<Value> {
            vec![
                int(oid),
                text(name),
                int(namespace),
                int(0),
                int(0),
                int(USER_OID),
                int(am),
                int(0),
                int(0),
                int(0),
                Value::Real(-1.0),
                int(0),
                int(0),
                boolean(has_index),
                boolean(false),
                text("p"),
                text(kind),
                small(columns),
                small(checks),
                boolean(false),
                boolean(has_triggers),
                boolean(false),
                boolean(false),
                boolean(false),
                boolean(true),
                text("d"),
                boolean(false),
                int(0),
                int(0),
                int(0),
                Value::Null,
                Value::Null,
                Value::Null,
            ]
        }
        let mut rows: Vec<Vec<Value>> = catalog_relations()
            .map(|n| {
                row(
                    oid("relation", n),
                    n,
                    PG_CATALOG_OID,
                    "r",
                    HEAP_OID,
                    0,
                    0,
                    false,
                    false,
                )
            })
            .collect();
        for t in self.tables.values() {
            let s = &t.schema;
            // PostgreSQL enforces foreign keys with triggers, and psql
            // lists a table's foreign keys only when it has triggers.
            let in_foreign_key = !s.foreign_keys.is_empty()
                || self.tables.values().any(|o| {
                    o.schema
                        .foreign_keys
                        .iter()
                        .any(|f| f.referenced_table == s.name)
                });
            rows.push(row(
                t.oid,
                &s.name,
                PUBLIC_OID,
                "r",
                HEAP_OID,
                s.columns.len(),
                s.checks.len(),
                has_index(s),
                in_foreign_key,
            ));
        }
        for v in &self.views {
            rows.push(row(
                v.oid,
                &v.name,
                PUBLIC_OID,
                "v",
                0,
                v.columns.len(),
                0,
                false,
                false,
            ));
        }
        for (name, oid, _) in &self.sequences {
            rows.push(row(*oid, name, PUBLIC_OID, "S", 0, 3, 0, false, false));
        }
        for i in self.indexes() {
            rows.push(row(
                i.oid,
                &i.name,
                PUBLIC_OID,
                "i",
                BTREE_OID,
                i.columns.len(),
                0,
                false,
                false,
            ));
        }
        rows
    }

    fn pg_attribute_rows(&self) -> Vec<Vec<Value>> {
        let row = |relation: i32,
                   number: usize,
                   name: &str,
                   t: &DataType,
                   not_null: bool,
                   has_default: bool| {
            let oid = type_oid(t);
            let length = TYPES.iter().find(|x| x.0 == oid).map_or(-1, |x| x.2);
            let collation = if t.is_text() { 100 } else { 0 };
            vec![
                int(relation),
                text(name),
                int(oid),
                int(-1),
                Value::SmallInt(length),
                small(number),
                int(i32::from(matches!(t, DataType::Array(_)))),
                int(typmod(t)),
                boolean(length > 0 && length <= 8),
                text("i"),
                text(if length < 0 { "x" } else { "p" }),
                text(""),
                boolean(not_null),
                boolean(has_default),
                boolean(false),
                text(""),
                text(""),
                boolean(false),
                boolean(true),
                int(0),
                int(collation),
                Value::Null,
                Value::Null,
            ]
        };
        let mut rows = Vec::new();
        for t in self.tables.values() {
            for (i, c) in t.schema.columns.iter().enumerate() {
                rows.push(row(
                    t.oid,
                    i + 1,
                    &c.name,
                    &c.data_type,
                    !c.nullable,
                    c.default.is_some(),
                ));
            }
        }
        for v in &self.views {
            for (i, (name, t)) in v.columns.iter().enumerate() {
                rows.push(row(v.oid, i + 1, name, t, false, false));
            }
        }
        // An index's columns are attributes of the index too.
        for index in self.indexes() {
            for (k, (position, _)) in index.columns.iter().enumerate() {
                if let Some(c) = index.table.schema.columns.get(position.saturating_sub(1)) {
                    rows.push(row(index.oid, k + 1, &c.name, &c.data_type, false, false));
                }
            }
        }
        rows
    }

    fn pg_constraint_rows(&self) -> Vec<Vec<Value>> {
        let action = |a: ForeignKeyAction| match a {
            ForeignKeyAction::NoAction => "a",
            ForeignKeyAction::Restrict => "r",
            ForeignKeyAction::Cascade => "c",
            ForeignKeyAction::SetNull => "n",
            ForeignKeyAction::SetDefault => "d",
        };
        self.constraints()
            .iter()
            .map(|c| {
                let positions =
                    |p: &[usize]| Value::Array(p.iter().map(|n| small(*n)).collect::<Vec<_>>());
                let (kind, referenced, referenced_columns, on_update, on_delete, check) = match &c
                    .kind
                {
                    ConstraintKind::PrimaryKey => ("p", 0, Value::Null, " ", " ", Value::Null),
                    ConstraintKind::Unique => ("u", 0, Value::Null, " ", " ", Value::Null),
                    ConstraintKind::Check(e) => ("c", 0, Value::Null, " ", " ", text(e.clone())),
                    ConstraintKind::ForeignKey(i) => {
                        let f = &c.table.schema.foreign_keys[*i];
                        let parent = self.tables.get(&f.referenced_table);
                        let referenced_positions: Vec<usize> = f
                            .referenced_columns
                            .iter()
                            .map(|name| {
                                parent
                                    .and_then(|p| {
                                        p.schema.columns.iter().position(|c| c.name == *name)
                                    })
                                    .map_or(0, |p| p + 1)
                            })
                            .collect();
                        (
                            "f",
                            parent.map_or(0, |p| p.oid),
                            positions(&referenced_positions),
                            action(f.on_update),
                            action(f.on_delete),
                            Value::Null,
                        )
                    }
                };
                vec![
                    int(c.oid),
                    text(c.name.clone()),
                    int(PUBLIC_OID),
                    text(kind),
                    boolean(false),
                    boolean(false),
                    boolean(true),
                    int(c.table.oid),
                    int(0),
                    int(c.index),
                    int(0),
                    int(referenced),
                    text(on_update),
                    text(on_delete),
                    text(if kind == "f" { "s" } else { " " }),
                    boolean(true),
                    int(0),
                    boolean(false),
                    if c.columns.is_empty() {
                        Value::Null
                    } else {
                        positions(&c.columns)
                    },
                    referenced_columns,
                    check,
                ]
            })
            .collect()
    }

    fn information_schema(&self, name: &str) -> Option<Relation> {
        use DataType::{Integer as I, Text as T};
        let columns = |spec: &[(&str, DataType)]| -> Vec<(String, DataType)> {
            spec.iter()
                .map(|(n, t)| ((*n).to_owned(), t.clone()))
                .collect()
        };
        let database = || text(self.database.clone());
        let yes_no = |b: bool| text(if b { "YES" } else { "NO" });
        let (spec, rows) = match name {
            "schemata" => (
                columns(&[("catalog_name", T), ("schema_name", T), ("schema_owner", T)]),
                ["pg_catalog", "public", "information_schema"]
                    .iter()
                    .map(|s| vec![database(), text(*s), text(self.user.clone())])
                    .collect(),
            ),
            "tables" => (
                columns(&[
                    ("table_catalog", T),
                    ("table_schema", T),
                    ("table_name", T),
                    ("table_type", T),
                    ("is_insertable_into", T),
                ]),
                self.tables
                    .keys()
                    .map(|n| (n, "BASE TABLE", true))
                    .chain(self.views.iter().map(|v| (&v.name, "VIEW", false)))
                    .map(|(n, kind, insertable)| {
                        vec![
                            database(),
                            text("public"),
                            text(n.clone()),
                            text(kind),
                            yes_no(insertable),
                        ]
                    })
                    .collect(),
            ),
            "views" => (
                columns(&[
                    ("table_catalog", T),
                    ("table_schema", T),
                    ("table_name", T),
                    ("view_definition", T),
                ]),
                self.views
                    .iter()
                    .map(|v| {
                        vec![
                            database(),
                            text("public"),
                            text(v.name.clone()),
                            text(v.definition.clone()),
                        ]
                    })
                    .collect(),
            ),
            "columns" => {
                let mut rows = Vec::new();
                let mut add = |table: &str,
                               i: usize,
                               c: &str,
                               t: &DataType,
                               nullable: bool,
                               default: Option<&String>| {
                    let (length, precision, scale) = match t {
                        DataType::Varchar(n) => (n.map(|n| n as i32), None, None),
                        DataType::Char(n) => (Some(*n as i32), None, None),
                        DataType::SmallInt => (None, Some(16), Some(0)),
                        DataType::Integer => (None, Some(32), Some(0)),
                        DataType::BigInt => (None, Some(64), Some(0)),
                        DataType::Numeric(Some((p, s))) => (None, Some(*p as i32), Some(*s as i32)),
                        _ => (None, None, None),
                    };
                    let oid = type_oid(t);
                    let udt = TYPES
                        .iter()
                        .find(|x| x.0 == oid)
                        .map_or_else(|| type_name(t), |x| x.1.to_owned());
                    let opt = |v: Option<i32>| v.map_or(Value::Null, int);
                    rows.push(vec![
                        database(),
                        text("public"),
                        text(table),
                        text(c),
                        small(i + 1),
                        default.map_or(Value::Null, |d| text(d.clone())),
                        yes_no(nullable),
                        text(information_schema_type(t)),
                        opt(length),
                        opt(precision),
                        opt(scale),
                        text(udt),
                    ]);
                };
                for t in self.tables.values() {
                    for (i, c) in t.schema.columns.iter().enumerate() {
                        add(
                            &t.schema.name,
                            i,
                            &c.name,
                            &c.data_type,
                            c.nullable,
                            c.default.as_ref(),
                        );
                    }
                }
                for v in &self.views {
                    for (i, (c, t)) in v.columns.iter().enumerate() {
                        add(&v.name, i, c, t, true, None);
                    }
                }
                (
                    columns(&[
                        ("table_catalog", T),
                        ("table_schema", T),
                        ("table_name", T),
                        ("column_name", T),
                        ("ordinal_position", DataType::SmallInt),
                        ("column_default", T),
                        ("is_nullable", T),
                        ("data_type", T),
                        ("character_maximum_length", I),
                        ("numeric_precision", I),
                        ("numeric_scale", I),
                        ("udt_name", T),
                    ]),
                    rows,
                )
            }
            "table_constraints" => (
                columns(&[
                    ("constraint_catalog", T),
                    ("constraint_schema", T),
                    ("constraint_name", T),
                    ("table_catalog", T),
                    ("table_schema", T),
                    ("table_name", T),
                    ("constraint_type", T),
                    ("is_deferrable", T),
                    ("initially_deferred", T),
                ]),
                self.constraints()
                    .iter()
                    .map(|c| {
                        let kind = match c.kind {
                            ConstraintKind::PrimaryKey => "PRIMARY KEY",
                            ConstraintKind::Unique => "UNIQUE",
                            ConstraintKind::Check(_) => "CHECK",
                            ConstraintKind::ForeignKey(_) => "FOREIGN KEY",
                        };
                        vec![
                            database(),
                            text("public"),
                            text(c.name.clone()),
                            database(),
                            text("public"),
                            text(c.table.schema.name.clone()),
                            text(kind),
                            text("NO"),
                            text("NO"),
                        ]
                    })
                    .collect(),
            ),
            "key_column_usage" => (
                columns(&[
                    ("constraint_catalog", T),
                    ("constraint_schema", T),
                    ("constraint_name", T),
                    ("table_catalog", T),
                    ("table_schema", T),
                    ("table_name", T),
                    ("column_name", T),
                    ("ordinal_position", I),
                    ("position_in_unique_constraint", I),
                ]),
                self.constraints()
                    .iter()
                    .filter(|c| !matches!(c.kind, ConstraintKind::Check(_)))
                    .flat_map(|c| {
                        let schema = &c.table.schema;
                        let foreign = matches!(c.kind, ConstraintKind::ForeignKey(_));
                        c.columns.iter().enumerate().map(move |(k, p)| {
                            let column = schema
                                .columns
                                .get(p.saturating_sub(1))
                                .map_or(String::new(), |c| c.name.clone());
                            vec![
                                database(),
                                text("public"),
                                text(c.name.clone()),
                                database(),
                                text("public"),
                                text(schema.name.clone()),
                                text(column),
                                int(k as i32 + 1),
                                if foreign {
                                    int(k as i32 + 1)
                                } else {
                                    Value::Null
                                },
                            ]
                        })
                    })
                    .collect(),
            ),
            "referential_constraints" => (
                columns(&[
                    ("constraint_catalog", T),
                    ("constraint_schema", T),
                    ("constraint_name", T),
                    ("unique_constraint_catalog", T),
                    ("unique_constraint_schema", T),
                    ("unique_constraint_name", T),
                    ("match_option", T),
                    ("update_rule", T),
                    ("delete_rule", T),
                ]),
                self.tables
                    .values()
                    .flat_map(|t| {
                        t.schema.foreign_keys.iter().map(|f| {
                            vec![
                                database(),
                                text("public"),
                                text(f.name.clone()),
                                database(),
                                text("public"),
                                text(format!("{}_pkey", f.referenced_table)),
                                text("NONE"),
                                text(foreign_key_action(f.on_update)),
                                text(foreign_key_action(f.on_delete)),
                            ]
                        })
                    })
                    .collect(),
            ),
            _ => return None,
        };
        Some(Relation {
            columns: spec,
            rows,
        })
    }
}

/// A sequence's start as `pg_sequence` shows it: its next value until it
/// hands one out; after that Arbor no longer holds the start, and shows
/// the end it counts from (`min` going up, `max` going down), where a
/// sequence created without START begins.
fn sequence_start(s: &Sequence) -> i64 {
    match (s.called, s.increment > 0) {
        (false, _) => s.last,
        (true, true) => s.min,
        (true, false) => s.max,
    }
}

/// The names of the catalog tables and views of `pg_catalog`.
fn catalog_relations() -> impl Iterator<Item = &'static str> {
    columns::COLUMNS.iter().map(|(n, _)| *n)
}

/// Whether a table has an index of any kind (its primary key's included).
fn has_index(schema: &TableSchema) -> bool {
    !schema.primary_key.is_empty() || !schema.indexes.is_empty()
}

/// The Arbor type of a catalog column of PostgreSQL type `name` (as
/// [`columns`] spells it): object identifiers are integers, names and
/// expression trees text, ACLs arrays of text.
fn catalog_type(name: &str) -> DataType {
    use DataType::*;
    let array = |t: DataType| Array(Box::new(t));
    match name {
        "boolean" => Boolean,
        "smallint" => SmallInt,
        "bigint" => BigInt,
        "real" => Real,
        "bytea" => Bytea,
        "timestamp_with_time_zone" => TimestampTz,
        "oid" | "regproc" | "regtype" | "regclass" | "xid" | "integer" => Integer,
        "int2vector" => Vector(Box::new(SmallInt)),
        "oidvector" => Vector(Box::new(Integer)),
        "oid[]" => array(Integer),
        "smallint[]" => array(SmallInt),
        "real[]" => array(Real),
        "text[]" | "aclitem[]" | "char[]" => array(Text),
        _ => Text,
    }
}

/// `information_schema.columns.data_type`: the SQL standard's type names.
fn information_schema_type(t: &DataType) -> String {
    match t {
        DataType::Varchar(_) => "character varying".into(),
        DataType::Char(_) => "character".into(),
        DataType::Numeric(_) => "numeric".into(),
        DataType::Array(_) | DataType::Vector(_) => "ARRAY".into(),
        DataType::Enum(_) => "USER-DEFINED".into(),
        other => other.to_string(),
    }
}

/// `pg_get_indexdef` of an index: `CREATE [UNIQUE] INDEX name ON
/// public.table USING btree (columns)` (`ON table` when `pretty`).
fn index_definition(i: &IndexInfo<'_>, pretty: bool) -> String {
    let schema = &i.table.schema;
    let columns: Vec<String> = i
        .columns
        .iter()
        .map(|(p, descending)| {
            let name = schema
                .columns
                .get(p.saturating_sub(1))
                .map_or_else(String::new, |c| quote_identifier_if_needed(&c.name));
            if *descending {
                format!("{name} DESC")
            } else {
                name
            }
        })
        .collect();
    format!(
        "CREATE {}INDEX {} ON {}{} USING btree ({})",
        if i.unique { "UNIQUE " } else { "" },
        quote_identifier_if_needed(&i.name),
        if pretty { "" } else { "public." },
        quote_identifier_if_needed(&schema.name),
        columns.join(", ")
    )
}

/// `pg_get_constraintdef` of a constraint, as PostgreSQL words it (a
/// check's expression in one more pair of parentheses unless `pretty`).
fn constraint_definition(c: &ConstraintInfo<'_>, pretty: bool) -> String {
    let schema = &c.table.schema;
    let names = |positions: &[usize]| -> String {
        positions
            .iter()
            .filter_map(|p| schema.columns.get(p.checked_sub(1)?))
            .map(|c| quote_identifier_if_needed(&c.name))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match &c.kind {
        ConstraintKind::PrimaryKey => format!("PRIMARY KEY ({})", names(&c.columns)),
        ConstraintKind::Unique => format!("UNIQUE ({})", names(&c.columns)),
        ConstraintKind::Check(e) if pretty => format!("CHECK ({e})"),
        ConstraintKind::Check(e) => format!("CHECK (({e}))"),
        ConstraintKind::ForeignKey(i) => {
            let f = &schema.foreign_keys[*i];
            let referenced: Vec<String> = f
                .referenced_columns
                .iter()
                .map(|c| quote_identifier_if_needed(c))
                .collect();
            let mut out = format!(
                "FOREIGN KEY ({}) REFERENCES {}({})",
                names(&c.columns),
                quote_identifier_if_needed(&f.referenced_table),
                referenced.join(", ")
            );
            for (event, action) in [("UPDATE", f.on_update), ("DELETE", f.on_delete)] {
                if action != ForeignKeyAction::NoAction {
                    out.push_str(&format!(" ON {event} {}", foreign_key_action(action)));
                }
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_oids_and_names_agree() {
        for t in [
            DataType::Boolean,
            DataType::Integer,
            DataType::Varchar(Some(20)),
            DataType::Numeric(Some((10, 2))),
            DataType::Char(3),
            DataType::TimestampTz,
            DataType::Jsonb,
            DataType::Array(Box::new(DataType::Text)),
            DataType::Vector(Box::new(DataType::SmallInt)),
        ] {
            let oid = type_oid(&t);
            assert_eq!(type_of_oid(oid, typmod(&t)), Some(t.clone()), "{t}");
            assert_eq!(format_type(oid, Some(typmod(&t))), t.to_string());
        }
        assert_eq!(format_type(1043, None), "character varying");
        assert_eq!(format_type(1007, Some(-1)), "integer[]");
        assert_eq!(format_type(26, None), "oid");
        assert_eq!(format_type(30, None), "oidvector");
        assert_eq!(type_by_name("hstore"), None);
        assert_eq!(type_by_name("int4"), Some(23));
        assert_eq!(type_by_name("double precision"), Some(701));
        assert_eq!(type_by_name("text[]"), Some(1009));
    }

    #[test]
    fn oids_are_stable_and_above_the_system_range() {
        let a = oid("relation", "orders");
        assert_eq!(a, oid("relation", "orders"));
        assert_ne!(a, oid("index", "orders"));
        assert!(a >= FIRST_USER_OID as i32);
        assert_eq!(oid("relation", "pg_class"), 1259);
    }
}
