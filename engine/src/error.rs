//! Errors shaped like PostgreSQL's: a message, a SQLSTATE code, and where known
//! the position in the statement, a detail and a hint.

use std::fmt;

/// A SQLSTATE code (five characters), as PostgreSQL reports them.
pub type SqlState = &'static str;

/// Well-known SQLSTATE codes.
pub mod sqlstate {
    use super::SqlState;
    /// 42601: syntax_error.
    pub const SYNTAX_ERROR: SqlState = "42601";
    /// 42P01: undefined_table.
    pub const UNDEFINED_TABLE: SqlState = "42P01";
    /// 42703: undefined_column.
    pub const UNDEFINED_COLUMN: SqlState = "42703";
    /// 42883: undefined_function.
    pub const UNDEFINED_FUNCTION: SqlState = "42883";
    /// 42702: ambiguous_column.
    pub const AMBIGUOUS_COLUMN: SqlState = "42702";
    /// 42P07: duplicate_table.
    pub const DUPLICATE_TABLE: SqlState = "42P07";
    /// 42701: duplicate_column.
    pub const DUPLICATE_COLUMN: SqlState = "42701";
    /// 42804: datatype_mismatch.
    pub const DATATYPE_MISMATCH: SqlState = "42804";
    /// 42803: grouping_error.
    pub const GROUPING_ERROR: SqlState = "42803";
    /// 0A000: feature_not_supported.
    pub const FEATURE_NOT_SUPPORTED: SqlState = "0A000";
    /// 23505: unique_violation.
    pub const UNIQUE_VIOLATION: SqlState = "23505";
    /// 23502: not_null_violation.
    pub const NOT_NULL_VIOLATION: SqlState = "23502";
    /// 23514: check_violation.
    pub const CHECK_VIOLATION: SqlState = "23514";
    /// 23503: foreign_key_violation.
    pub const FOREIGN_KEY_VIOLATION: SqlState = "23503";
    /// 22012: division_by_zero.
    pub const DIVISION_BY_ZERO: SqlState = "22012";
    /// 21000: cardinality_violation.
    pub const CARDINALITY_VIOLATION: SqlState = "21000";
    /// 25P02: in_failed_sql_transaction.
    pub const IN_FAILED_TRANSACTION: SqlState = "25P02";
    /// XX001: data_corrupted.
    pub const DATA_CORRUPTED: SqlState = "XX001";
    /// 58030: io_error.
    pub const IO_ERROR: SqlState = "58030";
    /// XX000: internal_error.
    pub const INTERNAL_ERROR: SqlState = "XX000";
}

/// An error from the engine, as a PostgreSQL client would see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    /// The SQLSTATE code.
    pub code: SqlState,
    /// The primary message, lower case, no trailing period (PostgreSQL style).
    pub message: String,
    /// 1-based character position in the statement text, where known.
    pub position: Option<usize>,
    /// More detail about the cause.
    pub detail: Option<String>,
    /// What the user might do about it.
    pub hint: Option<String>,
}

/// A result whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error with `code` and `message`.
    pub fn new(code: SqlState, message: impl Into<String>) -> Error {
        Error {
            code,
            message: message.into(),
            position: None,
            detail: None,
            hint: None,
        }
    }

    /// Attaches the 1-based character position in the statement.
    pub fn at(mut self, position: usize) -> Error {
        self.position.get_or_insert(position);
        self
    }

    /// Attaches a hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Error {
        self.hint = Some(hint.into());
        self
    }

    /// Attaches a detail.
    pub fn with_detail(mut self, detail: impl Into<String>) -> Error {
        self.detail = Some(detail.into());
        self
    }

    /// A syntax error.
    pub fn syntax(message: impl Into<String>) -> Error {
        Error::new(sqlstate::SYNTAX_ERROR, message)
    }

    /// A broken invariant inside Arbor: a bug, never the user's doing.
    pub fn internal(what: impl Into<String>) -> Error {
        Error::new(sqlstate::INTERNAL_ERROR, what)
    }

    /// Something valid SQL that Arbor does not support yet.
    pub fn unsupported(what: impl fmt::Display) -> Error {
        Error::new(
            sqlstate::FEATURE_NOT_SUPPORTED,
            format!("{what} is not supported"),
        )
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl From<arbor_merkle::Error> for Error {
    fn from(e: arbor_merkle::Error) -> Error {
        use arbor_merkle::Error as M;
        let code = match &e {
            M::Io { .. } => sqlstate::IO_ERROR,
            M::ChunkHashMismatch { .. }
            | M::MissingChunk(_)
            | M::Corrupt(_)
            | M::DamagedJournal { .. } => sqlstate::DATA_CORRUPTED,
            M::Locked { .. } => "55P03",
            _ => sqlstate::INTERNAL_ERROR,
        };
        Error::new(code, e.to_string())
    }
}
