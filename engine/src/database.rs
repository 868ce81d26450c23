//! The facade: one handle on a repository, with what an application does
//! to it: SQL sessions on branches, commits, branches, merges, diffs,
//! status, conflicts, and rows imported from and exported to files.
//!
//! A [`Database`] owns an open [`Repository`] and the [`Environment`] its
//! front end gave it; every operation below goes through the same rules as
//! the `arbor` command and the SQL procedures (`crate::ops`), and CHECK
//! constraints in merges are enforced with the SQL layer's binder.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use arbor_merkle::reachability::WalkStats;
use arbor_merkle::{Address, MemoryStore};

use crate::env::Environment;
use crate::error::{Error, Result, SqlState};
use crate::io::{self, InputFile, RowFormat};
use crate::objects::{Catalog, Commit, SequenceKind, Step};
use crate::ops::{
    self, CommitArgs, MergeArgs, PickArgs, PlannedStep, PullArgs, Pulled, RebaseArgs, ResolveArgs,
    SequenceDone,
};
use crate::repo::{self, Repository};
use crate::sql::data_tests::TestOutcome;
use crate::sql::{Session, SqlChecks};
use crate::vc::diff::{RowChange, TableDiff};
use crate::vc::merge::{Conflict, MergeOutcome};
use crate::vc::status::Status;
use crate::vc::{self, BranchState};

/// An open repository and the environment it works in.
#[derive(Clone, Debug)]
pub struct Database {
    repo: Repository,
    env: Environment,
}

impl Database {
    /// Creates a repository in folder `dir` (made if missing) with one
    /// empty commit on `branch`. Its first commit is signed by the
    /// environment's author, or by "Arbor" when there is none.
    pub fn init(dir: &Path, branch: &str, env: Environment) -> Result<Database> {
        std::fs::create_dir_all(dir).map_err(|e| {
            Error::new(
                SqlState::IoError,
                format!("cannot create {}: {e}", dir.display()),
            )
        })?;
        let store = repo::open_disk_store(dir)?;
        Database::init_in(store, branch, env)
    }

    /// A new repository held in memory only (tests, scratch work): gone
    /// when the last handle is dropped.
    pub fn in_memory(branch: &str, env: Environment) -> Result<Database> {
        Database::init_in(Arc::new(MemoryStore::new()), branch, env)
    }

    fn init_in(
        store: Arc<dyn arbor_merkle::ChunkStore>,
        branch: &str,
        env: Environment,
    ) -> Result<Database> {
        let signer = env
            .author
            .clone()
            .unwrap_or_else(|| crate::env::Identity::new("Arbor", "arbor@localhost"));
        let repo = Repository::init(store, branch, &signer.at(env.clock.now()))?;
        Ok(Database { repo, env })
    }

    /// Opens the repository in folder `dir` for reading and writing. No lock
    /// is held while it only reads; a write takes the writer lock (waiting a
    /// while for another writer) until what it wrote is published, so many
    /// open databases, in one process or several, take turns.
    pub fn open(dir: &Path, env: Environment) -> Result<Database> {
        let repo = Repository::open(repo::open_disk_store_shared(dir)?)?;
        Ok(Database { repo, env })
    }

    /// Opens the repository in folder `dir` for reading only: no lock, a
    /// snapshot of what was last published, beside any writer.
    pub fn open_read_only(dir: &Path, env: Environment) -> Result<Database> {
        let repo = Repository::open(repo::open_disk_store_read_only(dir)?)?;
        Ok(Database { repo, env })
    }

    /// A handle over an already open repository.
    pub fn from_repository(repo: Repository, env: Environment) -> Database {
        Database { repo, env }
    }

    /// The repository, for the lower layers' own APIs.
    pub fn repository(&self) -> &Repository {
        &self.repo
    }

    /// The environment every operation works in.
    pub fn environment(&self) -> &Environment {
        &self.env
    }

    /// The checked-out branch (HEAD).
    pub fn current_branch(&self) -> Result<String> {
        vc::current_branch(&self.repo)
    }

    /// A handle on branch `name` (which must exist).
    pub fn branch(&self, name: &str) -> Result<Branch<'_>> {
        self.repo.branch_head(name)?;
        Ok(Branch {
            db: self,
            name: name.to_owned(),
        })
    }

    /// Creates branch `name` at `start` (a revision: `main`, `v1`, `HEAD~2`, a hash).
    pub fn create_branch(&self, name: &str, start: &str) -> Result<Branch<'_>> {
        let at = self.resolve(start)?;
        vc::branch::create(&self.repo, name, at, false)?;
        self.branch(name)
    }

    /// Makes `name` the checked-out branch, carrying uncommitted changes
    /// that do not collide.
    pub fn checkout(&self, name: &str) -> Result<()> {
        vc::branch::checkout(&self.repo, name)
    }

    /// The commit `revision` names, read from the checked-out branch.
    pub fn resolve(&self, revision: &str) -> Result<Address> {
        vc::revision::resolve(&self.repo, &self.current_branch()?, revision)
    }

    /// The commit at `address`.
    pub fn commit_at(&self, address: &Address) -> Result<Commit> {
        self.repo.read_commit(address)
    }

    /// The tables that differ between the commits `from` and `to` name.
    pub fn diff(&self, from: &str, to: &str) -> Result<Vec<TableDiff>> {
        let catalog = |revision: &str| -> Result<Catalog> {
            let commit = self.repo.read_commit(&self.resolve(revision)?)?;
            self.repo.read_catalog(&commit.catalog)
        };
        vc::diff::diff_catalogs(&self.repo, &catalog(from)?, &catalog(to)?, &[])
    }

    /// Merges three catalogs of this repository (their common base, ours
    /// and theirs) with the rules of a branch merge; returns the merged
    /// catalog and what conflicted.
    pub fn merge_catalogs(
        &self,
        base: &Catalog,
        ours: &Catalog,
        theirs: &Catalog,
    ) -> Result<(Catalog, Vec<Conflict>)> {
        vc::merge::merge_catalogs(&self.repo, &SqlChecks, base, ours, theirs)
    }

    /// The changed rows of one table's diff, streamed in key order.
    pub fn changed_rows<'a>(
        &'a self,
        diff: &'a TableDiff,
    ) -> Result<Box<dyn Iterator<Item = Result<RowChange>> + 'a>> {
        diff.rows(&self.repo)
    }
}

/// One branch of a [`Database`]: its SQL sessions and its version control.
#[derive(Clone, Debug)]
pub struct Branch<'db> {
    db: &'db Database,
    name: String,
}

impl Branch<'_> {
    /// The branch's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A SQL session on the branch's working set, in the database's
    /// environment (its author commits from SQL, its clock is `now()`).
    pub fn session(&self) -> Result<Session> {
        let mut session = Session::open(self.db.repo.clone(), &self.name)?;
        session.set_environment(self.db.env.clone());
        Ok(session)
    }

    /// Commits as `arbor commit` would with `args`; returns the new commit.
    pub fn commit(&self, args: &CommitArgs) -> Result<Address> {
        ops::commit(&self.db.repo, &self.db.env, &SqlChecks, &self.name, args)
    }

    /// Commits every change (`commit -am message`).
    pub fn commit_all(&self, message: &str) -> Result<Address> {
        self.commit(&CommitArgs {
            message: Some(message.to_owned()),
            all: true,
            ..CommitArgs::default()
        })
    }

    /// Merges as `arbor merge` would with `args`.
    pub fn merge(&self, args: &MergeArgs) -> Result<MergeOutcome> {
        ops::merge(&self.db.repo, &self.db.env, &SqlChecks, &self.name, args)
    }

    /// Merges `revision` into this branch with the default message.
    pub fn merge_revision(&self, revision: &str) -> Result<MergeOutcome> {
        self.merge(&MergeArgs {
            revision: Some(revision.to_owned()),
            ..MergeArgs::default()
        })
    }

    /// Pulls as `arbor pull` would with `args`; `progress` hears how the
    /// transfer goes.
    pub fn pull(&self, args: &PullArgs, progress: &mut dyn FnMut(WalkStats)) -> Result<Pulled> {
        ops::pull(
            &self.db.repo,
            &self.db.env,
            &SqlChecks,
            &self.name,
            args,
            progress,
        )
    }

    /// Cherry-picks (`kind` [`SequenceKind::CherryPick`]) or reverts
    /// ([`SequenceKind::Revert`]) as `arbor cherry-pick` or `arbor revert`
    /// would with `args`.
    pub fn pick(&self, kind: SequenceKind, args: &PickArgs) -> Result<SequenceDone> {
        ops::pick(
            &self.db.repo,
            &self.db.env,
            &SqlChecks,
            &self.name,
            kind,
            args,
        )
    }

    /// Rebases as `arbor rebase` would with `args`; an interactive rebase
    /// applies `edited`, its plan as the user edited it.
    pub fn rebase(&self, args: &RebaseArgs, edited: Option<Vec<Step>>) -> Result<SequenceDone> {
        let (repo, env) = (&self.db.repo, &self.db.env);
        crate::sql::rebase_plan::rebase(repo, env, &SqlChecks, &self.name, args, edited)
    }

    /// The plan of a rebase as `args` say, for the user to edit: the
    /// branch's own commits the upstream lacks, oldest first.
    pub fn rebase_plan(&self, args: &RebaseArgs) -> Result<Vec<PlannedStep>> {
        ops::rebase_plan(&self.db.repo, &self.name, args)
    }

    /// Runs the data tests of `arbor_tests` (see `arbor test`) against the
    /// working set, or commit `at`: those named (by test or group) in
    /// `select`, every one when it is empty.
    pub fn data_tests(&self, at: Option<Address>, select: &[String]) -> Result<Vec<TestOutcome>> {
        crate::sql::data_tests::run(&self.db.repo, &self.name, at, select)
    }

    /// Brings stash `n` (0 is the newest) back onto the clean working set,
    /// and with `drop` deletes it.
    pub fn apply_stash(&self, n: usize, drop: bool) -> Result<()> {
        vc::stash::apply(&self.db.repo, &SqlChecks, &self.name, n, drop)
    }

    /// What is staged, what is not, and any merge in progress.
    pub fn status(&self) -> Result<Status> {
        vc::status::status(&self.db.repo, &self.name)
    }

    /// Resolves the conflicts of the named tables to a side, as `arbor
    /// conflicts resolve` would; the rows left must meet every constraint.
    pub fn resolve_conflicts(&self, args: &ResolveArgs) -> Result<Vec<(String, usize)>> {
        ops::resolve(&self.db.repo, &SqlChecks, &self.name, args)
    }

    /// The conflicts of the merge in progress (none without one).
    pub fn conflicts(&self) -> Result<Vec<Conflict>> {
        let state = BranchState::read(&self.db.repo, &self.name)?;
        match state.working_set.merge.and_then(|m| m.conflicts) {
            Some(at) => vc::merge::read_conflicts(&self.db.repo, at),
            None => Ok(Vec::new()),
        }
    }

    /// The branch's head commit.
    pub fn head(&self) -> Result<Address> {
        self.db.repo.branch_head(&self.name)
    }

    /// Appends the rows of `file` to `table` in the working set, as one
    /// statement: the file's fields matched to the columns by its header,
    /// converted to the column types, constraints checked; on an error
    /// (which says where in the file) nothing is written. Returns the rows
    /// written.
    pub fn import(&self, file: &InputFile, table: &str) -> Result<u64> {
        let mut session = self.session()?;
        let schema = session.table_schema(table)?.ok_or_else(|| {
            Error::new(
                SqlState::UndefinedTable,
                format!("relation \"{table}\" does not exist"),
            )
        })?;
        let targets: Vec<_> = schema
            .columns
            .iter()
            .map(|c| (c.name.clone(), c.data_type.clone()))
            .collect();
        file.insert_into(&mut session, table, &targets)
    }

    /// Runs `query` and writes its rows to `out` in `format` as the query
    /// yields them (the result is never held whole; see
    /// [`crate::io::export`]). Returns `out` and the rows written.
    pub fn export<W: Write + Send>(
        &self,
        query: &str,
        format: RowFormat,
        out: W,
    ) -> Result<(W, u64)> {
        io::export(&mut self.session()?, query, format, out)
    }
}
