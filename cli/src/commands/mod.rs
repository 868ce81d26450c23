//! The commands, one file each.

mod add;
mod blame;
mod branch;
mod checkout;
mod cherry_pick;
mod clone;
mod commit;
mod completion;
mod config;
mod conflicts;
mod diff;
mod dump;
mod fetch;
mod fsck;
mod gc;
mod init;
mod log;
mod ls;
mod man;
mod merge;
mod pull;
mod push;
mod rebase;
mod reflog;
mod remote;
mod reset;
mod restore;
mod schema;
mod show;
mod sql;
#[cfg(feature = "server")]
mod sql_server;
mod stash;
mod status;
mod table;
mod tag;
mod test;
pub mod version;

use std::path::Path;
use std::process::ExitCode;

use arbor_engine::SequenceKind;

use crate::ui::CliError;

/// Every `arbor` command.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Create an empty repository in a directory (the current one by default).
    #[command(after_help = "Examples:\n  arbor init\n  arbor init -b trunk data/")]
    Init(init::Args),
    /// Check the integrity of every chunk in the repository.
    #[command(
        after_help = "Examples:\n  arbor fsck\n  arbor fsck --repair      roll back to the last valid root after damage"
    )]
    Fsck(fsck::Args),
    /// Make a new repository that is a copy of another (a folder or a Git remote).
    #[command(
        after_help = "Examples:\n  arbor clone ../shared-data mine\n  arbor clone git+https://github.com/acme/data.git\n  arbor clone --branch dev /srv/data copy"
    )]
    Clone(clone::Args),
    /// List, add, remove or re-point remotes.
    #[command(
        after_help = "Examples:\n  arbor remote -v\n  arbor remote add origin git+ssh://git@example.com/acme/data.git\n  arbor remote set-url origin /srv/data"
    )]
    Remote(remote::Args),
    /// Bring a remote's branches and tags into remote-tracking branches.
    #[command(after_help = "Examples:\n  arbor fetch\n  arbor fetch origin main")]
    Fetch(fetch::Args),
    /// Fetch a remote branch and merge it into the current branch.
    #[command(after_help = "Examples:\n  arbor pull\n  arbor pull --ff-only origin main")]
    Pull(pull::Args),
    /// Send a branch (or tags) to a remote.
    #[command(
        after_help = "Examples:\n  arbor push -u origin main\n  arbor push origin --delete old-branch\n  arbor push --tags"
    )]
    Push(push::Args),
    /// Drop the chunks no branch, tag or working set refers to.
    #[command(after_help = "Examples:\n  arbor gc")]
    Gc(gc::Args),
    /// Read and write settings, such as the commit author (user.name, user.email).
    #[command(
        after_help = "Examples:\n  arbor config --global user.name \"Ada Lovelace\"\n  arbor config user.email ada@example.com\n  arbor config core.pager \"less -S\"     (or pager.enabled false)\n  arbor config color.ui never"
    )]
    Config(config::Args),
    /// Run SQL against the current branch's working set.
    #[command(
        after_help = "Examples:\n  arbor sql                                   an interactive shell\n  arbor sql -q \"SELECT count(*) FROM orders\"\n  arbor sql -f changes.sql\n  arbor sql -q \"SELECT * FROM arbor_log\" --format csv"
    )]
    Sql(sql::Args),
    /// Serve the repository (or a folder of repositories) to PostgreSQL clients.
    #[cfg(feature = "server")]
    SqlServer(sql_server::Args),
    /// Show what is staged, what is not, and any merge in progress.
    #[command(after_help = "Examples:\n  arbor status")]
    Status(status::Args),
    /// Stage tables for the next commit.
    #[command(after_help = "Examples:\n  arbor add orders\n  arbor add -A")]
    Add(add::Args),
    /// Record the staged tables as a new commit.
    #[command(
        after_help = "Examples:\n  arbor commit -m \"Load March orders\"\n  arbor commit -am \"Fix prices\"\n  arbor commit --amend -m \"Better message\""
    )]
    Commit(commit::Args),
    /// Show the commit history.
    #[command(
        after_help = "Examples:\n  arbor log --oneline -n 10\n  arbor log -3 --stat\n  arbor log --graph --oneline --all\n  arbor log main..feature\n  arbor log --oneline main...feature\n  arbor log --merges\n  arbor log -p -- orders"
    )]
    Log(log::Args),
    /// List the tables (of the working set, or of a revision).
    #[command(after_help = "Examples:\n  arbor ls\n  arbor ls v1.0 --all")]
    Ls(ls::Args),
    /// Show a commit and its changes.
    #[command(
        after_help = "Examples:\n  arbor show\n  arbor show HEAD~2\n  arbor show --stat v1.0"
    )]
    Show(show::Args),
    /// Show which commit last changed each row of a table.
    #[command(
        after_help = "Examples:\n  arbor blame orders\n  arbor blame orders v1.0 --format csv"
    )]
    Blame(blame::Args),
    /// Show row and schema differences between versions.
    #[command(
        after_help = "Examples:\n  arbor diff                                 working set against HEAD\n  arbor diff --staged\n  arbor diff main feature -- orders\n  arbor diff HEAD~1 --stat\n  arbor diff v1 v2 --where \"price > 100\" --format json\n  arbor diff --files --key id old.csv new.csv"
    )]
    Diff(diff::Args),
    /// List, create, delete, rename or copy branches.
    #[command(
        after_help = "Examples:\n  arbor branch\n  arbor branch feature\n  arbor branch -m feature better-name\n  arbor branch -d feature\n  arbor branch --show-current"
    )]
    Branch(branch::Args),
    /// Switch to another branch (-b creates it).
    #[command(
        after_help = "Examples:\n  arbor checkout feature\n  arbor checkout -b experiment HEAD~3\n  arbor checkout feature            a branch only origin has: made to track it\n  arbor checkout -B main origin/main\n  arbor checkout -f main            discarding uncommitted changes\n  arbor checkout -- orders          discard the working changes to a table\n  arbor checkout HEAD~1 -- orders   the table as it was a commit ago\n  arbor checkout .                  discard every working change"
    )]
    Checkout(checkout::Args),
    /// Switch to another branch (-c creates it).
    #[command(after_help = "Examples:\n  arbor switch feature\n  arbor switch -c experiment")]
    Switch(checkout::Args),
    /// Merge another branch or commit into the current branch.
    #[command(
        after_help = "Examples:\n  arbor merge feature\n  arbor merge --no-ff -m \"Merge feature\" feature\n  arbor merge --squash feature\n  arbor merge --abort"
    )]
    Merge(merge::Args),
    /// Show or resolve the conflicts of a merge in progress.
    #[command(
        after_help = "Examples:\n  arbor conflicts cat orders\n  arbor conflicts resolve --theirs orders\n  arbor conflicts resolve --ours ."
    )]
    Conflicts(conflicts::Args),
    /// Apply the changes of commits to the current branch.
    #[command(
        after_help = "Examples:\n  arbor cherry-pick feature~2\n  arbor cherry-pick 1a2b3c4d 5e6f7a8b\n  arbor cherry-pick --continue     after resolving a conflict\n  arbor cherry-pick --abort"
    )]
    CherryPick(cherry_pick::Args),
    /// Undo the changes of commits with new commits.
    #[command(
        after_help = "Examples:\n  arbor revert HEAD\n  arbor revert HEAD~3 HEAD~1\n  arbor revert --continue          after resolving a conflict"
    )]
    Revert(cherry_pick::Args),
    /// Every move of a branch head, newest first (to undo a reset or a deletion).
    #[command(
        after_help = "Examples:\n  arbor reflog\n  arbor reflog main -n 5\n  arbor branch restored 1a2b3c4d...   a deleted branch back, from its full hash"
    )]
    Reflog(reflog::Args),
    /// Run the data tests stored in the arbor_tests table.
    #[command(
        after_help = "Examples:\n  arbor sql -q \"INSERT INTO arbor_tests VALUES ('no_free_fruit', 'prices', 'SELECT * FROM fruit WHERE price <= 0', 'expected_rows', '==', '0')\"\n  arbor test\n  arbor test --group prices --format junit > report.xml\n  arbor test --revision main"
    )]
    Test(test::Args),
    /// Replay the current branch's own commits onto another commit.
    #[command(
        after_help = "Examples:\n  arbor rebase main\n  arbor rebase -i HEAD~3            reorder, drop, reword, squash or fixup\n  arbor rebase --continue           after resolving a conflict\n  arbor rebase --abort"
    )]
    Rebase(rebase::Args),
    /// Move the branch to a revision, or unstage tables.
    #[command(
        after_help = "Examples:\n  arbor reset orders                 unstage a table\n  arbor reset --hard                 discard every uncommitted change\n  arbor reset --soft HEAD~1"
    )]
    Reset(reset::Args),
    /// Discard changes to tables (working, or staged with --staged).
    #[command(
        after_help = "Examples:\n  arbor restore orders                  the working table as staged\n  arbor restore --staged orders         unstage it (as HEAD has it)\n  arbor restore --source HEAD~2 orders  as it was two commits ago\n  arbor restore .                       every tracked table"
    )]
    Restore(restore::Args),
    /// List, create or delete tags.
    #[command(
        after_help = "Examples:\n  arbor tag\n  arbor tag v1.0\n  arbor tag -m \"First release\" v1.0 main\n  arbor tag -d v1.0"
    )]
    Tag(tag::Args),
    /// Put uncommitted changes aside and bring them back.
    #[command(
        after_help = "Examples:\n  arbor stash\n  arbor stash -u -m \"half done\"\n  arbor stash list\n  arbor stash pop"
    )]
    Stash(stash::Args),
    /// Import a table from, or export it to, CSV, TSV, PSV, JSON, JSON Lines or SQL; copy, rename or drop one.
    #[command(
        after_help = "Examples:\n  arbor table import orders orders.csv --pk id\n  arbor table export orders orders.json\n  arbor table cp orders orders_backup\n  arbor table mv orders purchases\n  arbor table rm scratch"
    )]
    Table(table::Args),
    /// Show the tables' schemas as CREATE TABLE statements.
    #[command(after_help = "Examples:\n  arbor schema show\n  arbor schema show orders")]
    Schema(schema::Args),
    /// Write every table (and view) as SQL, or as one CSV or JSON file each.
    Dump(dump::Args),
    /// Print the shell's completion script (bash, zsh, fish, powershell, elvish).
    Completion(completion::Args),
    /// Write the manual pages, one per command.
    Man(man::Args),
    /// Show this build's version, the formats it reads and writes, and its features.
    #[command(after_help = "Examples:\n  arbor version\n  arbor --version")]
    Version(version::Args),
}

impl Command {
    /// Whether the command's output may be long enough for the pager (on a
    /// terminal): history, diffs, blame, conflicts and query results.
    pub fn pages(&self) -> bool {
        match self {
            Command::Log(_) | Command::Show(_) | Command::Blame(_) | Command::Diff(_) => true,
            Command::Conflicts(args) => args.shows_rows(),
            Command::Sql(args) => args.is_script(),
            _ => false,
        }
    }

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
        Command::Checkout(args) => checkout::run(args, cwd),
        Command::Switch(args) => checkout::switch(args, cwd),
        Command::Merge(args) => merge::run(args, cwd),
        Command::Conflicts(args) => conflicts::run(args, cwd),
        Command::CherryPick(args) => cherry_pick::run(args, cwd, SequenceKind::CherryPick),
        Command::Revert(args) => cherry_pick::run(args, cwd, SequenceKind::Revert),
        Command::Rebase(args) => rebase::run(args, cwd),
        Command::Test(args) => test::run(args, cwd),
        Command::Reflog(args) => reflog::run(args, cwd),
        Command::Reset(args) => reset::run(args, cwd),
        Command::Restore(args) => restore::run(args, cwd),
        Command::Tag(args) => tag::run(args, cwd),
        Command::Stash(args) => stash::run(args, cwd),
        Command::Table(args) => table::run(args, cwd),
        Command::Schema(args) => schema::run(args, cwd),
        Command::Dump(args) => dump::run(args, cwd),
        Command::Completion(args) => completion::run(args),
        Command::Man(args) => man::run(args, cwd),
        Command::Version(args) => version::run(args),
    }
}
