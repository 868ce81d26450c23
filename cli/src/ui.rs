//! How the CLI reports errors: the message, then any detail and hint.

use std::fmt;

/// An error as the user sees it.
#[derive(Debug)]
pub struct CliError {
    /// What went wrong.
    pub message: String,
    /// More about the cause.
    pub detail: Option<String>,
    /// What to do about it.
    pub hint: Option<String>,
}

impl CliError {
    /// An error with a message only.
    pub fn new(message: impl Into<String>) -> CliError {
        CliError {
            message: message.into(),
            detail: None,
            hint: None,
        }
    }

    /// Adds a hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> CliError {
        self.hint = Some(hint.into());
        self
    }
}

impl From<arbor_engine::Error> for CliError {
    fn from(e: arbor_engine::Error) -> CliError {
        let e = e.into_fields();
        CliError {
            message: e.message,
            detail: e.detail,
            hint: e.hint,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: {}", self.message)?;
        if let Some(d) = &self.detail {
            write!(f, "\n{d}")?;
        }
        if let Some(h) = &self.hint {
            write!(f, "\nhint: {h}")?;
        }
        Ok(())
    }
}

/// Prints an error to standard error.
pub fn print_error(e: &CliError) {
    eprintln!("{e}");
}
