//! The system information functions clients call as they connect:
//! `version()`, `current_schema()`, `pg_typeof(x)`.

use arbor_schema::Value;

use crate::error::Result;

/// The functions here.
pub const NAMES: &[&str] = &["version", "current_schema", "pg_typeof"];

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
        _ => return Err(super::wrong_args(name, args.len())),
    })
}

/// PostgreSQL's `regtype` output of a type: its name without a typmod.
fn type_name(name: &str) -> String {
    name.split('(').next().unwrap_or(name).trim().to_owned()
}
