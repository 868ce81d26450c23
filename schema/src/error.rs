//! Errors of values and schemas, with PostgreSQL's SQLSTATE codes.

/// A value or schema error, as PostgreSQL would report it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ValueError {
    /// The SQLSTATE code.
    pub code: &'static str,
    /// The message, worded as PostgreSQL words it.
    pub message: String,
}

impl ValueError {
    pub(crate) fn new(code: &'static str, message: impl Into<String>) -> ValueError {
        ValueError {
            code,
            message: message.into(),
        }
    }

    /// 22P02: `invalid input syntax for type T: "text"`.
    pub fn invalid_input(type_name: impl std::fmt::Display, text: &str) -> ValueError {
        ValueError::new(
            "22P02",
            format!("invalid input syntax for type {type_name}: \"{text}\""),
        )
    }

    /// 22003: `T out of range`.
    pub fn out_of_range(what: impl std::fmt::Display) -> ValueError {
        ValueError::new("22003", format!("{what} out of range"))
    }

    /// 42846: `cannot cast type A to B`.
    pub fn cannot_cast(from: impl std::fmt::Display, to: impl std::fmt::Display) -> ValueError {
        ValueError::new("42846", format!("cannot cast type {from} to {to}"))
    }

    /// XX001: stored bytes that do not decode.
    pub fn corrupt(what: impl Into<String>) -> ValueError {
        ValueError::new("XX001", what)
    }
}

/// A result whose error is [`ValueError`].
pub type Result<T, E = ValueError> = std::result::Result<T, E>;
