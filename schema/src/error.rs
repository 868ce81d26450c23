//! Errors of values and schemas, shaped like PostgreSQL's.
//!
//! Every error carries an [`ErrorKind`] (what went wrong, as a type), the
//! kind's SQLSTATE code (so the engine can report it the way PostgreSQL
//! does), a message worded as PostgreSQL words it, and sometimes a detail
//! line. Stored bytes that do not decode are [`ErrorKind::DataCorrupted`]:
//! damage is always an error, never a panic.

use std::fmt;

/// What kind of error happened; each kind has one SQLSTATE code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// 22P02 `invalid_text_representation`: text that does not parse as the type.
    InvalidTextRepresentation,
    /// 22003 `numeric_value_out_of_range`.
    NumericValueOutOfRange,
    /// 22001 `string_data_right_truncation`: text longer than `varchar(n)`/`char(n)`.
    StringDataRightTruncation,
    /// 22007 `invalid_datetime_format`.
    InvalidDatetimeFormat,
    /// 22008 `datetime_field_overflow`: a date or time field out of range.
    DatetimeFieldOverflow,
    /// 22015 `interval_field_overflow`: a field of interval text out of range.
    IntervalFieldOverflow,
    /// 42846 `cannot_coerce`: no cast between the two types.
    CannotCoerce,
    /// 42804 `datatype_mismatch`: a value of the wrong type for a column.
    DatatypeMismatch,
    /// 0A000 `feature_not_supported`.
    FeatureNotSupported,
    /// 42P16 `invalid_table_definition`: a schema that breaks its own rules.
    InvalidTableDefinition,
    /// XX001 `data_corrupted`: stored bytes that do not decode.
    DataCorrupted,
    /// XX000 `internal_error`: a caller broke a contract of this crate.
    Internal,
}

impl ErrorKind {
    /// The SQLSTATE code of the kind.
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::InvalidTextRepresentation => "22P02",
            ErrorKind::NumericValueOutOfRange => "22003",
            ErrorKind::StringDataRightTruncation => "22001",
            ErrorKind::InvalidDatetimeFormat => "22007",
            ErrorKind::DatetimeFieldOverflow => "22008",
            ErrorKind::IntervalFieldOverflow => "22015",
            ErrorKind::CannotCoerce => "42846",
            ErrorKind::DatatypeMismatch => "42804",
            ErrorKind::FeatureNotSupported => "0A000",
            ErrorKind::InvalidTableDefinition => "42P16",
            ErrorKind::DataCorrupted => "XX001",
            ErrorKind::Internal => "XX000",
        }
    }
}

/// A value or schema error, as PostgreSQL would report it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ValueError {
    /// What went wrong.
    pub kind: ErrorKind,
    /// The SQLSTATE code (always `kind.code()`).
    pub code: &'static str,
    /// The message, worded as PostgreSQL words it.
    pub message: String,
    /// PostgreSQL's DETAIL line, when it has one.
    pub detail: Option<String>,
    /// PostgreSQL's HINT line, when it has one.
    pub hint: Option<String>,
}

impl ValueError {
    /// An error of `kind` with `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> ValueError {
        ValueError {
            kind,
            code: kind.code(),
            message: message.into(),
            detail: None,
            hint: None,
        }
    }

    /// The same error with a DETAIL line.
    pub fn with_detail(mut self, detail: impl Into<String>) -> ValueError {
        self.detail = Some(detail.into());
        self
    }

    /// The same error with a HINT line.
    pub fn with_hint(mut self, hint: impl Into<String>) -> ValueError {
        self.hint = Some(hint.into());
        self
    }

    /// 22P02: `invalid input syntax for type T: "text"`.
    pub fn invalid_input(type_name: impl fmt::Display, text: &str) -> ValueError {
        ValueError::new(
            ErrorKind::InvalidTextRepresentation,
            format!("invalid input syntax for type {type_name}: \"{text}\""),
        )
    }

    /// 22003: `T out of range` (as a cast between numeric types words it).
    pub fn out_of_range(what: impl fmt::Display) -> ValueError {
        ValueError::new(
            ErrorKind::NumericValueOutOfRange,
            format!("{what} out of range"),
        )
    }

    /// 22003: `value "text" is out of range for type T` (as input words it).
    pub fn input_out_of_range(text: &str, type_name: impl fmt::Display) -> ValueError {
        ValueError::new(
            ErrorKind::NumericValueOutOfRange,
            format!("value \"{text}\" is out of range for type {type_name}"),
        )
    }

    /// 22001: `value too long for type character varying(n)`.
    pub fn too_long(type_name: impl fmt::Display) -> ValueError {
        ValueError::new(
            ErrorKind::StringDataRightTruncation,
            format!("value too long for type {type_name}"),
        )
    }

    /// 42846: `cannot cast type A to B`.
    pub fn cannot_cast(from: impl fmt::Display, to: impl fmt::Display) -> ValueError {
        ValueError::new(
            ErrorKind::CannotCoerce,
            format!("cannot cast type {from} to {to}"),
        )
    }

    /// XX001: stored bytes that do not decode.
    pub fn corrupt(what: impl Into<String>) -> ValueError {
        ValueError::new(ErrorKind::DataCorrupted, what)
    }
}

/// A result whose error is [`ValueError`].
pub type Result<T, E = ValueError> = std::result::Result<T, E>;
