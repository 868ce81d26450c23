//! Arbor's errors as the protocol's ErrorResponse: SQLSTATE, message,
//! detail, hint and the position in the statement, as PostgreSQL sends
//! them, so that a client shows (and a driver raises) the same thing.

use arbor_engine::Error;
use pgwire::error::{ErrorInfo, PgWireError};

/// `e` as an ErrorResponse of severity ERROR.
pub fn wire_error(e: &Error) -> ErrorInfo {
    with_severity(e, "ERROR")
}

/// A statement's notice, as a NoticeResponse.
pub fn notice(n: &arbor_engine::Notice) -> pgwire::messages::response::NoticeResponse {
    ErrorInfo::new(
        n.severity.as_str().to_owned(),
        n.code.code().to_owned(),
        n.message.clone(),
    )
    .into()
}

/// `e` ending the connection (a database that cannot be opened at startup).
pub fn fatal(e: &Error) -> PgWireError {
    PgWireError::UserError(Box::new(with_severity(e, "FATAL")))
}

fn with_severity(e: &Error, severity: &str) -> ErrorInfo {
    let mut info = ErrorInfo::new(
        severity.to_owned(),
        e.code.code().to_owned(),
        e.message.clone(),
    );
    info.detail = e.detail.clone();
    info.hint = e.hint.clone();
    info.position = e.position.map(|p| p.to_string());
    info
}
