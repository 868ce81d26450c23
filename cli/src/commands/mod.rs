//! The commands, one file each.

mod add;
mod blame;
mod branch;
mod checkout;
mod cherry_pick;
mod clone;
mod commit;
mod config;
mod conflicts;
mod diff;
mod fetch;
mod fsck;
mod gc;
mod init;
mod log;
mod ls;
mod merge;
mod pull;
mod push;
mod remote;
mod reset;
mod schema;
mod show;
mod sql;
#[cfg(feature = "server")]
mod sql_server;
mod stash;
mod status;
mod table;
mod tag;
pub mod version;

use std::path::Path;
use std::process::ExitCode;

use crate::ui::CliError;

/// Every `arbor` command.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Create an empty repository in a directory (the current one by default).
    Init(init::Args),
    /// Check the integrity of every chunk in the repository.
    Fsck(fsck::Args),
    /// Make a new repository that is a copy of another (a folder).
    Clone(clone::Args),
    /// List, add, remove or re-point remotes.
    Remote(remote::Args),
    /// Bring a remote's branches and tags into remote-tracking branches.
    Fetch(fetch::Args),
    /// Fetch a remote branch and merge it into the current branch.
    Pull(pull::Args),
    /// Send a branch (or tags) to a remote.
    Push(push::Args),
    /// Drop the chunks no branch, tag or working set refers to.
    Gc(gc::Args),
    /// Read and write settings, such as the commit author (user.name, user.email).
    Config(config::Args),
    /// Run SQL against the current branch's working set.
    Sql(sql::Args),
    /// Serve the repository (or a folder of repositories) to PostgreSQL clients.
    #[cfg(feature = "server")]
    SqlServer(sql_server::Args),
    /// Show what is staged, what is not, and any merge in progress.
    Status(status::Args),
    /// Stage tables for the next commit.
    Add(add::Args),
    /// Record the staged tables as a new commit.
    Commit(commit::Args),
    /// Show the commit history.
    Log(log::Args),
    /// List the tables (of the working set, or of a revision).
    Ls(ls::Args),
    /// Show a commit and its changes.
    Show(show::Args),
    /// Show which commit last changed each row of a table.
    Blame(blame::Args),
    /// Show row and schema differences between versions.
    Diff(diff::Args),
    /// List, create, delete, rename or copy branches.
    Branch(branch::Args),
    /// Switch to another branch (-b creates it).
    Checkout(checkout::Args),
    /// Switch to another branch (-c creates it).
    Switch(checkout::Args),
    /// Merge another branch or commit into the current branch.
    Merge(merge::Args),
    /// Show or resolve the conflicts of a merge in progress.
    Conflicts(conflicts::Args),
    /// Apply the changes of commits to the current branch.
    CherryPick(cherry_pick::Args),
    /// Undo the changes of commits with new commits.
    Revert(cherry_pick::Args),
    /// Move the branch to a revision, or unstage tables.
    Reset(reset::Args),
    /// List, create or delete tags.
    Tag(tag::Args),
    /// Put uncommitted changes aside and bring them back.
    Stash(stash::Args),
    /// Import a table from, or export it to, CSV, TSV, PSV, JSON, JSON Lines or SQL.
    Table(table::Args),
    /// Show the tables' schemas as CREATE TABLE statements.
    Schema(schema::Args),
    /// Show this build's version, the formats it reads and writes, and its features.
    Version(version::Args),
}

impl Command {
    /// Whether the command may talk to a remote (a Git remote runs `ssh`
    /// or `git` as children through pipes), where a closed pipe must be an
    /// error to report, not a signal that ends the process. `arbor sql`
    /// decides for itself once it has read its statements.
    pub fn may_reach_remotes(&self) -> bool {
        matches!(
            self,
            Command::Clone(_)
                | Command::Remote(_)
                | Command::Fetch(_)
                | Command::Pull(_)
                | Command::Push(_)
                | Command::Sql(_)
        )
    }
}

/// Runs a command from directory `cwd`.
pub fn run(command: Command, cwd: &Path) -> Result<ExitCode, CliError> {
    match command {
        Command::Init(args) => init::run(args, cwd),
        Command::Fsck(args) => fsck::run(args, cwd),
        Command::Gc(args) => gc::run(args, cwd),
        Command::Sql(args) => sql::run(args, cwd),
        #[cfg(feature = "server")]
        Command::SqlServer(args) => sql_server::run(args, cwd),
        Command::Status(args) => status::run(args, cwd),
        Command::Add(args) => add::run(args, cwd),
        Command::Commit(args) => commit::run(args, cwd),
        Command::Log(args) => log::run(args, cwd),
        Command::Ls(args) => ls::run(args, cwd),
        Command::Show(args) => show::run(args, cwd),
        Command::Blame(args) => blame::run(args, cwd),
        Command::Diff(args) => diff::run(args, cwd),
        Command::Config(args) => config::run(args, cwd),
        Command::Clone(args) => clone::run(args, cwd),
        Command::Remote(args) => remote::run(args, cwd),
        Command::Fetch(args) => fetch::run(args, cwd),
        Command::Pull(args) => pull::run(args, cwd),
        Command::Push(args) => push::run(args, cwd),
        Command::Branch(args) => branch::run(args, cwd),
        Command::Checkout(args) | Command::Switch(args) => checkout::run(args, cwd),
        Command::Merge(args) => merge::run(args, cwd),
        Command::Conflicts(args) => conflicts::run(args, cwd),
        Command::CherryPick(args) => cherry_pick::run(args, cwd, false),
        Command::Revert(args) => cherry_pick::run(args, cwd, true),
        Command::Reset(args) => reset::run(args, cwd),
        Command::Tag(args) => tag::run(args, cwd),
        Command::Stash(args) => stash::run(args, cwd),
        Command::Table(args) => table::run(args, cwd),
        Command::Schema(args) => schema::run(args, cwd),
        Command::Version(args) => version::run(args),
    }
}
