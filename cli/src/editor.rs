//! Text edited by the user in their editor, as Git and psql ask for it: a
//! rebase's plan, a reworded commit message, the shell's query (`\e`).
//!
//! The editor is Git's choice: for a plan `GIT_SEQUENCE_EDITOR` first,
//! then `GIT_EDITOR`, `VISUAL`, `EDITOR`, and `vi` (for a query psql's:
//! `PSQL_EDITOR`, `EDITOR`, `VISUAL`, `vi`). It runs through the
//! shell (`sh -c '<editor> "$@"'`), so a value with arguments (`code
//! --wait`) works as it does for Git.

use std::io::Write;
use std::process::Command;

use crate::ui::CliError;

/// What the text is, which decides the editor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Edited {
    /// A rebase's plan.
    Plan,
    /// A commit message.
    Message,
    /// The shell's query (`\e`): psql's choice, `PSQL_EDITOR`, `EDITOR`,
    /// `VISUAL`, then `vi`.
    Query,
}

/// The editor command for `what`.
fn editor(what: Edited) -> String {
    let names = match what {
        Edited::Plan => vec!["GIT_SEQUENCE_EDITOR", "GIT_EDITOR", "VISUAL", "EDITOR"],
        Edited::Message => vec!["GIT_EDITOR", "VISUAL", "EDITOR"],
        Edited::Query => vec!["PSQL_EDITOR", "EDITOR", "VISUAL"],
    };
    names
        .into_iter()
        .find_map(|n| std::env::var(n).ok().filter(|v| !v.trim().is_empty()))
        .unwrap_or_else(|| "vi".to_owned())
}

/// Opens `text` in the editor, in a file named after `name`; returns what
/// the user saved, with `#` comment lines left out (but for a query, where
/// `#` means nothing).
pub fn edit(text: &str, name: &str, what: Edited) -> Result<String, CliError> {
    let mut file = tempfile::Builder::new()
        .prefix(&format!("{name}-"))
        .tempfile()
        .map_err(|e| CliError::new(format!("cannot write {name} for the editor: {e}")))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.flush())
        .map_err(|e| CliError::new(format!("cannot write {name} for the editor: {e}")))?;
    let command = editor(what);
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!("{command} \"$@\""))
        .arg(&command)
        .arg(file.path())
        .status()
        .map_err(|e| CliError::new(format!("cannot run the editor '{command}': {e}")))?;
    if !status.success() {
        return Err(CliError::new(format!(
            "the editor '{command}' failed ({status}); nothing was changed"
        )));
    }
    let saved = std::fs::read_to_string(file.path())
        .map_err(|e| CliError::new(format!("cannot read {name} back from the editor: {e}")))?;
    if what == Edited::Query {
        return Ok(saved);
    }
    Ok(saved
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n"))
}
