//! Shell completion: `arbor completion bash|zsh|fish|powershell|elvish`
//! prints a script that asks `arbor` itself what to complete, so branch,
//! tag, remote and table names come from the repository at hand (clap's
//! environment-activated engine: the shell runs `ARBOR_COMPLETE=<shell>
//! arbor -- <words>`).
//!
//! Which argument takes which names is one table here, [`NAMES`], applied
//! to the command definitions when completing: the engine's argument types
//! (shared with the SQL procedures) stay free of shell concerns.

use std::ffi::OsStr;
use std::path::Path;

use clap::Command;
use clap_complete::engine::{ArgValueCompleter, CompletionCandidate};

use crate::vcs;

/// The environment variable that turns `arbor` into its own completer.
pub const VAR: &str = "ARBOR_COMPLETE";

/// What kind of name an argument takes.
#[derive(Clone, Copy, Debug)]
enum Names {
    /// A local branch.
    Branch,
    /// A revision: a branch (local or remote-tracking) or a tag.
    Revision,
    /// A tag.
    Tag,
    /// A remote.
    Remote,
    /// A table of the working set.
    Table,
    /// A revision or a table (`arbor diff`'s words before `--`).
    RevisionOrTable,
}

/// Each argument that takes names: the subcommand path, the argument's id
/// and the kind of names.
const NAMES: &[(&[&str], &str, Names)] = &[
    (&["add"], "tables", Names::Table),
    (&["blame"], "table", Names::Table),
    (&["blame"], "revision", Names::Revision),
    (&["branch"], "names", Names::Branch),
    (&["checkout"], "branch", Names::Branch),
    (&["checkout"], "start", Names::Revision),
    (&["checkout"], "tables", Names::Table),
    (&["switch"], "branch", Names::Branch),
    (&["switch"], "start", Names::Revision),
    (&["cherry-pick"], "revisions", Names::Revision),
    (&["revert"], "revisions", Names::Revision),
    (&["diff"], "args", Names::RevisionOrTable),
    (&["diff"], "after_dashes", Names::Table),
    (&["dump"], "as_of", Names::Revision),
    (&["fetch"], "remote", Names::Remote),
    (&["log"], "revision", Names::Revision),
    (&["log"], "tables", Names::Table),
    (&["ls"], "revision", Names::Revision),
    (&["merge"], "revision", Names::Revision),
    (&["pull"], "remote", Names::Remote),
    (&["pull"], "branch", Names::Branch),
    (&["push"], "remote", Names::Remote),
    (&["push"], "branch", Names::Branch),
    (&["remote", "remove"], "name", Names::Remote),
    (&["remote", "set-url"], "name", Names::Remote),
    (&["reset"], "args", Names::RevisionOrTable),
    (&["restore"], "tables", Names::Table),
    (&["restore"], "source", Names::Revision),
    (&["schema", "show"], "tables", Names::Table),
    (&["show"], "revision", Names::Revision),
    (&["tag"], "args", Names::Tag),
    (&["conflicts", "cat"], "tables", Names::Table),
    (&["conflicts", "resolve"], "tables", Names::Table),
    (&["table", "export"], "table", Names::Table),
    (&["table", "export"], "as_of", Names::Revision),
    (&["table", "import"], "table", Names::Table),
    (&["table", "cp"], "from", Names::Table),
    (&["table", "mv"], "from", Names::Table),
    (&["table", "rm"], "tables", Names::Table),
];

/// Completes the command line in `ARBOR_COMPLETE`'s request, if there is
/// one, and exits; otherwise returns at once.
pub fn complete_if_asked(command: fn() -> Command) {
    clap_complete::CompleteEnv::with_factory(move || with_names(command()))
        .var(VAR)
        .complete();
}

/// `command` with each argument of [`NAMES`] completing its names.
fn with_names(mut command: Command) -> Command {
    for (path, arg, names) in NAMES {
        command = on_subcommand(command, path, &|c: Command| {
            let names = *names;
            let positionals: Vec<String> = c
                .get_positionals()
                .map(|p| p.get_id().to_string())
                .collect();
            let known = c.get_arguments().any(|a| a.get_id() == *arg);
            if !known {
                return c;
            }
            let c = c.mut_arg(*arg, move |a| {
                a.add(ArgValueCompleter::new(move |current: &OsStr| {
                    candidates(names, current)
                }))
            });
            keep_positional_order(c, &positionals)
        });
    }
    command
}

/// `command` with its positional arguments at the places `order` names
/// (changing an argument moves it to the end).
fn keep_positional_order(mut command: Command, order: &[String]) -> Command {
    for (i, id) in order.iter().enumerate() {
        command = command.mut_arg(id, |a| a.index(i + 1));
    }
    command
}

/// `command` with `change` applied to the subcommand at `path`.
fn on_subcommand(command: Command, path: &[&str], change: &dyn Fn(Command) -> Command) -> Command {
    match path.split_first() {
        None => change(command),
        Some((first, rest)) => {
            if command.find_subcommand(first).is_none() {
                return command;
            }
            command.mut_subcommand(*first, |sub| on_subcommand(sub, rest, change))
        }
    }
}

/// The names of kind `names` in the repository of the current folder that
/// start with `current`.
fn candidates(names: Names, current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(prefix) = current.to_str() else {
        return Vec::new();
    };
    let Ok(cwd) = std::env::current_dir() else {
        return Vec::new();
    };
    let mut all = match names {
        Names::Branch => read_names(&cwd, &["refs/heads/"]),
        Names::Tag => read_names(&cwd, &["refs/tags/"]),
        Names::Revision => read_names(&cwd, &["refs/heads/", "refs/remotes/", "refs/tags/"]),
        Names::Remote => remote_names(&cwd),
        Names::Table => table_names(&cwd),
        Names::RevisionOrTable => {
            let mut both = read_names(&cwd, &["refs/heads/", "refs/remotes/", "refs/tags/"]);
            both.extend(table_names(&cwd));
            both
        }
    };
    all.sort();
    all.dedup();
    all.into_iter()
        .filter(|n| n.starts_with(prefix))
        .map(CompletionCandidate::new)
        .collect()
}

/// The refs under `prefixes`, named without them.
fn read_names(cwd: &Path, prefixes: &[&str]) -> Vec<String> {
    let Ok(repository) = vcs::open_read_only(cwd) else {
        return Vec::new();
    };
    let Ok(root) = repository.store_root() else {
        return Vec::new();
    };
    root.refs
        .keys()
        .filter_map(|r| prefixes.iter().find_map(|p| r.strip_prefix(p)))
        .map(str::to_owned)
        .collect()
}

/// The remotes' names.
fn remote_names(cwd: &Path) -> Vec<String> {
    let Ok(repository) = vcs::open_read_only(cwd) else {
        return Vec::new();
    };
    arbor_engine::ops::remotes(&repository)
        .map(|list| list.remotes.into_keys().collect())
        .unwrap_or_default()
}

/// The working set's tables.
fn table_names(cwd: &Path) -> Vec<String> {
    let Ok(repository) = vcs::open_read_only(cwd) else {
        return Vec::new();
    };
    let tables = || -> Result<Vec<String>, arbor_engine::Error> {
        let branch = arbor_engine::ops::current_branch(&repository)?;
        let state = arbor_engine::BranchState::read(&repository, &branch)?;
        let catalog = repository.read_catalog(&state.working_set.working)?;
        Ok(catalog.tables.into_keys().collect())
    };
    tables().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    /// Each entry of the table names an argument that exists, and the
    /// commands with completers still hold together (clap's own checks,
    /// which a positional moved out of order fails).
    #[test]
    fn every_named_argument_exists_and_the_commands_hold_together() {
        let command = crate::Cli::command();
        for (path, arg, _) in NAMES {
            let mut c = &command;
            for name in *path {
                c = c
                    .find_subcommand(name)
                    .unwrap_or_else(|| panic!("no command {path:?}"));
            }
            assert!(
                c.get_arguments().any(|a| a.get_id() == *arg),
                "arbor {}: no argument {arg}",
                path.join(" ")
            );
        }
        with_names(crate::Cli::command()).debug_assert();
    }
}
