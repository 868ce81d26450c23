//! What the version-control tests of the library share: a database in
//! memory under the command-line tests' fixed author and clock (Ann Lee,
//! 2023-11-14 22:13:20 UTC), so the same steps give the same commits as
//! `arbor` does; SQL run on the checked-out branch, as `arbor sql` runs it;
//! and rows read back as short lines of text.

// Each test binary (one per file in engine/tests/) compiles this module and
// uses only some of it: what one binary leaves unused is not dead code.
#![allow(dead_code)]

use arbor_engine::{
    Branch, Clock, CommitArgs, Database, Environment, Error, Identity, Repository, Result, Session,
    Signature, StatementResult, Status, TableChange, Timestamp, Value,
};
use arbor_merkle::{Address, MemoryStore};
use std::sync::Arc;

/// The author of every commit, unless a test says otherwise.
pub const NAME: &str = "Ann Lee";
pub const EMAIL: &str = "ann@example.com";
/// The time of every commit: 2023-11-14 22:13:20 UTC.
pub const NOW: i64 = 1_700_000_000;
/// The first commit a repository gets under that author and time (the
/// command-line tests pin the same one).
pub const INIT: &str = "15f0694d96d5beba0a331254b9d9dc4e9823cce53d78c3e10fc6dda68ff6f3e5";

/// The fixed author and clock.
pub fn env() -> Environment {
    Environment {
        author: Some(Identity::new(NAME, EMAIL)),
        clock: Clock::Fixed(Timestamp {
            seconds: NOW,
            offset_minutes: 0,
        }),
        ..Environment::default()
    }
}

/// The same, with nobody known as the author.
pub fn anonymous() -> Environment {
    Environment {
        author: None,
        ..env()
    }
}

/// `changes` as [`Status`] lists them.
pub fn changes(changes: &[(&str, TableChange)]) -> Vec<(String, TableChange)> {
    changes
        .iter()
        .map(|(n, c)| ((*n).to_owned(), c.clone()))
        .collect()
}

/// A SQL session on `main` of a new repository in `store` (its first
/// commit by "T" at time 0), as the SQL tests use one; the test may reopen
/// the store.
pub fn sql_session_on(store: Arc<MemoryStore>) -> Session {
    let author = Signature {
        name: "T".into(),
        email: "t@example.com".into(),
        time: 0,
        offset_minutes: 0,
    };
    let repo = Repository::init(store, "main", &author).unwrap();
    Session::open(repo, "main").unwrap()
}

/// [`sql_session_on`] a new store in memory.
pub fn sql_session() -> Session {
    sql_session_on(Arc::new(MemoryStore::new()))
}

/// A repository in memory, on `main`.
pub struct Repo {
    pub db: Database,
}

impl Repo {
    /// A new repository (its one commit: [`INIT`]).
    pub fn new() -> Repo {
        Repo {
            db: Database::in_memory("main", env()).unwrap(),
        }
    }

    /// A repository with table `fruit` (id, name, price) committed as "fruit".
    pub fn with_fruit() -> Repo {
        let repo = Repo::new();
        repo.sql(
            "CREATE TABLE fruit (id integer PRIMARY KEY, name text, price integer); \
             INSERT INTO fruit VALUES (1, 'apple', 100), (2, 'pear', 75)",
        );
        repo.commit_all("fruit");
        repo
    }

    /// The same repository seen with another environment.
    pub fn with_env(&self, env: Environment) -> Repo {
        Repo {
            db: Database::from_repository(self.db.repository().clone(), env),
        }
    }

    /// The checked-out branch's name.
    pub fn current(&self) -> String {
        self.db.current_branch().unwrap()
    }

    /// The checked-out branch.
    pub fn on(&self) -> Branch<'_> {
        self.db.branch(&self.current()).unwrap()
    }

    /// Runs `q` in a new session on the checked-out branch.
    pub fn try_sql(&self, q: &str) -> Result<Vec<StatementResult>> {
        self.on().session()?.execute(q)
    }

    #[track_caller]
    pub fn sql(&self, q: &str) {
        if let Err(e) = self.try_sql(q) {
            panic!("{q}: {e:?}");
        }
    }

    /// The error `q` fails with.
    #[track_caller]
    pub fn sql_err(&self, q: &str) -> Error {
        match self.try_sql(q) {
            Ok(r) => panic!("{q} succeeded: {r:?}"),
            Err(e) => e,
        }
    }

    /// The single value `q`'s last statement returned (a procedure's result).
    pub fn call(&self, q: &str) -> Result<Value> {
        match self.try_sql(q)?.pop() {
            Some(StatementResult::Rows { rows, .. }) => Ok(rows[0][0].clone()),
            other => panic!("{q}: not a query: {other:?}"),
        }
    }

    /// The rows of query `q`, each as its values joined by commas (NULL as `NULL`).
    #[track_caller]
    pub fn rows(&self, q: &str) -> Vec<String> {
        self.joined(q, ",")
    }

    /// The rows of query `q` as psql's unaligned output prints them (`|`
    /// between columns, NULL as `NULL`), to compare with PostgreSQL's.
    #[track_caller]
    pub fn lines(&self, q: &str) -> Vec<String> {
        self.joined(q, "|")
    }

    /// The rows of query `q`, each as its values joined by `separator`.
    #[track_caller]
    fn joined(&self, q: &str, separator: &str) -> Vec<String> {
        match self.try_sql(q) {
            Ok(mut results) => match results.pop() {
                Some(StatementResult::Rows { rows, .. }) => rows
                    .iter()
                    .map(|r| {
                        r.iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join(separator)
                    })
                    .collect(),
                other => panic!("{q}: not a query: {other:?}"),
            },
            Err(e) => panic!("{q}: {e:?}"),
        }
    }

    /// The rows of `fruit`, by id.
    pub fn fruit(&self) -> Vec<String> {
        self.rows("SELECT * FROM fruit ORDER BY id")
    }

    /// Commits every change on the checked-out branch.
    pub fn commit_all(&self, message: &str) -> Address {
        self.on().commit_all(message).unwrap()
    }

    /// Commits on the checked-out branch as `arbor commit` would with `args`.
    pub fn commit(&self, args: &CommitArgs) -> Result<Address> {
        self.on().commit(args)
    }

    /// The commit a revision names.
    #[track_caller]
    pub fn hash(&self, revision: &str) -> Address {
        self.db.resolve(revision).unwrap()
    }

    /// The checked-out branch's head commit.
    pub fn head(&self) -> Address {
        self.on().head().unwrap()
    }

    /// The checked-out branch's status.
    pub fn status(&self) -> Status {
        self.on().status().unwrap()
    }

    /// The subjects of the commits reachable from HEAD, newest first.
    pub fn log(&self) -> Vec<String> {
        self.rows("SELECT message FROM arbor_log")
    }
}
