//! The system information functions clients call as they connect:
//! `version()`, `current_schema()`, `pg_typeof(x)`, and the type lookups
//! `format_type(oid, typmod)` and `to_regtype(name)`. (Functions that read
//! the catalog or the session are bound by the planner, see
//! `planner::system_catalogs`.)

use arbor_schema::Value;

use crate::error::Result;

/// The functions here.
pub const NAMES: &[&str] = &[
    "version",
    "current_schema",
    "pg_typeof",
    "format_type",
    "to_regtype",
    "current_setting",
    "set_config",
    "current_schemas",
];

/// What `version()` answers: PostgreSQL's shape (drivers and ORMs read the
/// dialect's version from it), then Arbor's own.
pub fn version_text() -> String {
    format!(
        "PostgreSQL {} (Arbor {})",
        super::super::settings::SERVER_VERSION,
        env!("CARGO_PKG_VERSION")
    )
}

/// Calls `name`; `pg_typeof` sees a NULL argument (its type is `unknown`).
pub fn call(name: &str, args: &[Value]) -> Result<Value> {
    Ok(match (name, args) {
        ("version", []) => Value::Text(version_text()),
        // Every table lives in one schema, PostgreSQL's default.
        ("current_schema", []) => Value::Text("public".into()),
        ("pg_typeof", [v]) => Value::Text(
            v.data_type()
                .map_or_else(|| "unknown".to_owned(), |t| type_name(&t.to_string())),
        ),
        ("format_type", [Value::Null, _])
        | ("to_regtype", [Value::Null])
        | ("current_schemas", [Value::Null]) => Value::Null,
        // The search path: `public`, after `pg_catalog` with the implicit ones.
        ("current_schemas", [Value::Boolean(implicit)]) => Value::Array(
            ["pg_catalog", "public"][usize::from(!implicit)..]
                .iter()
                .map(|s| Value::Text((*s).to_owned()))
                .collect(),
        ),
        ("format_type", [oid, typmod]) => {
            let oid = super::int_arg(name, oid)?;
            let typmod = typmod.as_i64().and_then(|t| i32::try_from(t).ok());
            Value::Text(crate::sql::pg_catalog::format_type(
                i32::try_from(oid).unwrap_or(-1),
                typmod,
            ))
        }
        ("to_regtype", [name]) => crate::sql::pg_catalog::type_by_name(&super::text_arg(name))
            .map_or(Value::Null, Value::Integer),
        _ => return Err(super::wrong_args(name, args.len())),
    })
}

/// PostgreSQL's `regtype` output of a type: its name without a typmod.
pub(crate) fn type_name(name: &str) -> String {
    name.split('(').next().unwrap_or(name).trim().to_owned()
}
