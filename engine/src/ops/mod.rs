//! # Operations: one grammar and one set of rules per version-control operation
//!
//! An operation such as commit or merge is reached two ways: the `arbor`
//! command (`arbor commit --amend -m ...`) and a SQL procedure
//! (`SELECT arbor_commit('--amend', '-m', ...)`). Both take the same
//! arguments, defined once here as clap [`clap::Args`]: the command line
//! flattens them into its own parser, and a procedure parses its arguments
//! with [`parse_procedure_args`]. Each operation's function then applies the
//! rules that turn arguments into a call of the layers below (the author and
//! the time from the [`Environment`](crate::env::Environment) unless given,
//! what `--amend` keeps, a merge's default message), so the two ways in
//! cannot drift apart.

mod add;
mod branch;
mod checkout;
mod clone;
mod commit;
mod conflicts;
mod fetch;
mod merge;
mod pull;
mod push;
mod reset;
mod restore;
mod sequence;
mod tag;

pub use add::{AddArgs, add};
pub use branch::{BranchArgs, BranchDone, branch};
pub use checkout::{CheckedOut, CheckoutArgs, checkout, restore_tables};
pub use clone::{CloneArgs, Cloned, clone};
pub use commit::{CommitArgs, commit};
pub use conflicts::{ResolveArgs, resolve};
pub use fetch::{FetchArgs, fetch};
pub use merge::{MergeArgs, merge};
pub use pull::{PullArgs, Pulled, pull};
pub use push::{PushArgs, PushDone, PushedWhat, push};
pub use reset::{ResetArgs, reset};
pub use restore::{RestoreArgs, restore};
pub use sequence::{PickArgs, PlannedStep, RebaseArgs, SequenceDone, pick, rebase, rebase_plan};
pub use tag::{TagArgs, TagDone, tag};

// Operations with no arguments to share with a procedure: each is one call
// of a lower layer, named here so that the front end needs nothing else.
pub use crate::remote::{
    add as add_remote, canonical_url, remotes, remove as remove_remote, set_url as set_remote_url,
    tracking_ref,
};
pub use crate::repo::fsck::{JournalRepair, describe_damage, repair as repair_journal};
pub use crate::repo::gc::collect_garbage;
pub use crate::repo::{
    find_repository, fsck, open_disk_store, open_disk_store_read_only, open_disk_store_shared,
    validate_branch_name,
};
pub use crate::vc::blame::blame;
pub use crate::vc::branch::{list as list_branches, tag_infos};
pub use crate::vc::current_branch;
pub use crate::vc::diff::{diff_catalogs, diff_views};
pub use crate::vc::history::{log, merge_base, reachable};
pub use crate::vc::merge::read_conflicts;
pub use crate::vc::reflog::entries as reflog;
pub use crate::vc::revision::{catalog_at, resolve as resolve_revision, tag_ref};
pub use crate::vc::stash::{drop_stash, list as list_stashes, push as push_stash};
pub use crate::vc::status::status;

use arbor_schema::Value;
use clap::{FromArgMatches, Parser};

use crate::env::{Environment, Identity, Timestamp, unknown_author};
use crate::error::{Error, Result, SqlState};

/// Who an operation acts as: `--author` if given, else the environment's
/// author (refused when there is none).
fn identity(env: &Environment, author: Option<&str>) -> Result<Identity> {
    match author {
        Some(text) => Identity::parse(text).ok_or_else(|| {
            Error::new(
                SqlState::InvalidParameterValue,
                format!("--author '{text}' is not 'Name <email>'"),
            )
        }),
        None => env.author.clone().ok_or_else(unknown_author),
    }
}

/// Arguments an operation cannot act on (in the operation's own words,
/// which hold for the command and the procedure alike).
fn usage(what: &str) -> Error {
    Error::new(SqlState::InvalidParameterValue, what)
}

/// When an operation happens: `--date` if given, else the environment's clock.
fn time(env: &Environment, date: Option<&str>) -> Result<Timestamp> {
    match date {
        Some(text) => Timestamp::parse_flag("--date", text),
        None => Ok(env.clock.now()),
    }
}

/// A procedure's arguments as a command line: clap parses them with the
/// grammar of the operation's [`clap::Args`].
#[derive(Debug, Parser)]
#[command(
    no_binary_name = true,
    disable_help_flag = true,
    disable_version_flag = true
)]
struct ProcedureLine<A: clap::Args> {
    #[command(flatten)]
    args: A,
}

/// Parses the arguments of SQL procedure `procedure` (`'-am', 'message'`)
/// with the grammar of `A`, the operation's command-line arguments.
pub fn parse_procedure_args<A>(procedure: &str, args: &[Value]) -> Result<A>
where
    A: clap::Args + FromArgMatches + std::fmt::Debug,
{
    let mut words = Vec::with_capacity(args.len());
    for v in args {
        match v {
            Value::Text(s) => words.push(s.clone()),
            Value::Null => {
                return Err(Error::new(
                    SqlState::NullValueNotAllowed,
                    format!("{procedure}: procedure arguments must not be NULL"),
                ));
            }
            other => words.push(other.to_string()),
        }
    }
    let parsed = ProcedureLine::<A>::try_parse_from(words).map_err(|e| {
        // clap's own words, first line, without its "error: " prefix and
        // its usage (written for a command line, not for SQL).
        let rendered = e.render().to_string();
        let first = rendered.lines().next().unwrap_or_default();
        let what = first.strip_prefix("error: ").unwrap_or(first);
        Error::new(
            SqlState::InvalidParameterValue,
            format!("{procedure}: {what}"),
        )
    })?;
    Ok(parsed.args)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(words: &[&str]) -> Vec<Value> {
        words.iter().map(|w| Value::Text((*w).to_owned())).collect()
    }

    #[test]
    fn a_procedure_takes_the_command_lines_grammar() {
        let args: CommitArgs =
            parse_procedure_args("arbor_commit", &texts(&["-am", "msg", "--date", "0"]))
                .expect("parses");
        assert!(args.all);
        assert_eq!(args.message.as_deref(), Some("msg"));
        assert_eq!(args.date.as_deref(), Some("0"));
        let e = parse_procedure_args::<CommitArgs>("arbor_commit", &texts(&["--bogus"]))
            .expect_err("unknown flag");
        assert_eq!(e.code, "22023");
        assert!(
            e.message
                .starts_with("arbor_commit: unexpected argument '--bogus'"),
            "{e:?}"
        );
        let e =
            parse_procedure_args::<CommitArgs>("arbor_commit", &[Value::Null]).expect_err("NULL");
        assert_eq!(e.code, "22004");
    }
}
