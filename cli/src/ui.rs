//! How the CLI reports errors: the message, then any detail and hint.

use std::fmt;

use arbor_engine::VcError;

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

    /// The same error without its hint.
    pub fn without_hint(mut self) -> CliError {
        self.hint = None;
        self
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
        let hint = match (e.hint, &e.vc) {
            (Some(h), _) => Some(h),
            (None, Some(why)) => hint_for(why),
            (None, None) => None,
        };
        CliError {
            message: e.message,
            detail: e.detail,
            hint,
        }
    }
}

impl CliError {
    /// An engine error with its SQLSTATE and, where the position is known, the
    /// line of the statement with a caret under the spot.
    pub fn from_sql(sql: &str, e: arbor_engine::Error) -> CliError {
        let mut detail = Vec::new();
        if let Some(pos) = e.position {
            let before: String = sql.chars().take(pos.saturating_sub(1)).collect();
            let line_no = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count());
            let line = sql.lines().nth(line_no - 1).unwrap_or_default();
            let (shown, column) = error_window(line, column);
            let prefix = format!("LINE {line_no}: ");
            detail.push(format!(
                "{prefix}{shown}\n{}^",
                " ".repeat(prefix.len() + column)
            ));
        }
        if let Some(d) = &e.detail {
            detail.push(format!("DETAIL: {d}"));
        }
        detail.push(format!("SQLSTATE: {}", e.code));
        let e = e.into_fields();
        CliError {
            message: e.message,
            detail: Some(detail.join("\n")),
            hint: e.hint,
        }
    }

    /// An error of the import's rows (a file's contents refused by the
    /// table), its detail labelled as psql labels it.
    pub fn from_rows(e: arbor_engine::Error) -> CliError {
        let mut e = CliError::from(e);
        e.detail = e.detail.map(|d| format!("DETAIL: {d}"));
        e
    }
}

/// The part of a long statement line shown above an error's caret, and the
/// caret's column in it: as psql does, at most [`ERROR_WINDOW`] characters,
/// with `...` where the line is cut, the caret at least
/// [`ERROR_WINDOW_RIGHT`] characters from the right end.
fn error_window(line: &str, column: usize) -> (String, usize) {
    let chars: Vec<char> = line.chars().collect();
    if chars.len() <= ERROR_WINDOW {
        return (line.to_owned(), column);
    }
    let start = (column + ERROR_WINDOW_RIGHT)
        .saturating_sub(ERROR_WINDOW)
        .min(chars.len() - ERROR_WINDOW);
    let end = start + ERROR_WINDOW;
    let mut shown = String::new();
    if start > 0 {
        shown.push_str("...");
    }
    shown.extend(&chars[start..end]);
    if end < chars.len() {
        shown.push_str("...");
    }
    let column = column - start + if start > 0 { 3 } else { 0 };
    (shown, column)
}

/// Characters of a statement line shown with an error.
const ERROR_WINDOW: usize = 60;
/// Characters kept right of the caret when a long line is cut.
const ERROR_WINDOW_RIGHT: usize = 10;

/// What to do about a version-control refusal, in the command line's words.
fn hint_for(why: &VcError) -> Option<String> {
    let hint = match why {
        VcError::MergeInProgress => {
            "finish it with `arbor commit`, or abort it with `arbor merge --abort`"
        }
        VcError::UnresolvedConflicts { operation } => {
            return Some(format!(
                "resolve them with `arbor conflicts resolve`, or abort with `arbor {operation} --abort`"
            ));
        }
        VcError::UncommittedChanges => {
            "commit them (`arbor commit -am ...`) or discard them (`arbor reset --hard`) first"
        }
        VcError::UntrackedOverwritten { .. } => {
            "commit them (`arbor add <table>`, then `arbor commit`), or rename or drop them, first"
        }
        VcError::NothingToCommit { unstaged: true } => {
            "stage tables with `arbor add`, or commit everything with `arbor commit -a`"
        }
        VcError::NothingToCommit { unstaged: false } => {
            "change data with `arbor sql` first, or use --allow-empty"
        }
        VcError::NotFullyMerged { branch } => {
            return Some(format!(
                "to delete it anyway, run `arbor branch -D {branch}`"
            ));
        }
        VcError::SequenceInProgress { operation } => {
            return Some(format!(
                "go on with `arbor {operation} --continue` (after resolving conflicts), \
                 skip the commit with `arbor {operation} --skip`, \
                 or abort with `arbor {operation} --abort`"
            ));
        }
        VcError::NothingToAdd => "name tables to stage, or use `arbor add -A`",
        VcError::UnknownBranch => "list branches with `arbor branch`",
        VcError::UnknownRemote => {
            "list them with `arbor remote`, add one with `arbor remote add <name> <url>`"
        }
        VcError::UnknownRevision => {
            "name a branch, a tag, a commit hash, or HEAD, optionally followed by ~n or ^n"
        }
        VcError::NotFastForward => "pull without --ff-only to merge them",
        VcError::PushRejected { remote, branch } => {
            return Some(format!(
                "integrate them first (`arbor pull {remote} {branch}`), or overwrite them with --force"
            ));
        }
        VcError::UnrelatedHistories => "the two commits have no common ancestor",
        VcError::UnknownAuthor => crate::identity::AUTHOR_HINT,
        VcError::NotARepository => "create one with `arbor init`",
        _ => return None,
    };
    Some(hint.to_owned())
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(f, false)
    }
}

impl CliError {
    /// The error as printed: `error:` and `hint:` painted when `color`,
    /// each line ending in a newline but the last.
    fn write(&self, f: &mut dyn fmt::Write, color: bool) -> fmt::Result {
        use crate::terminal::{Role, paint_if};
        write!(
            f,
            "{} {}",
            paint_if(color, Role::Error, "error:"),
            self.message
        )?;
        if let Some(d) = &self.detail {
            write!(f, "\n{d}")?;
        }
        if let Some(h) = &self.hint {
            write!(f, "\n{} {h}", paint_if(color, Role::Hint, "hint:"))?;
        }
        Ok(())
    }
}

/// Prints an error to standard error, every line ending in a newline.
pub fn print_error(e: &CliError) {
    let mut text = String::new();
    let _ = e.write(&mut text, crate::terminal::color_stderr());
    if !text.ends_with('\n') {
        text.push('\n');
    }
    eprint!("{text}");
}

/// Prints a statement's notices to standard error, as psql does
/// (`NOTICE:  table "t" does not exist, skipping`).
pub fn print_notices(notices: &[arbor_engine::Notice]) {
    for n in notices {
        eprintln!("{}:  {}", n.severity.as_str(), n.message);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_are_cut_around_the_caret() {
        assert_eq!(error_window("SELECT 1", 7), ("SELECT 1".to_owned(), 7));
        let line = "x".repeat(1_000);
        let (shown, column) = error_window(&line, 500);
        assert_eq!(shown, format!("...{}...", "x".repeat(60)));
        assert_eq!(column, 3 + 50);
        let (shown, column) = error_window(&line, 5);
        assert_eq!(shown, format!("{}...", "x".repeat(60)));
        assert_eq!(column, 5);
        let (shown, column) = error_window(&line, 999);
        assert_eq!(shown, format!("...{}", "x".repeat(60)));
        assert_eq!(column, 3 + 59);
    }
}
