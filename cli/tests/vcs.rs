//! The version-control commands run as a user runs them: status, add,
//! commit, log, show, diff, branch, checkout/switch, merge, reset, tag,
//! stash and blame: what they print, their exit codes and hints, and their
//! arguments. What the operations do (what a merge produces, what is
//! refused, which conflicts are recorded, the revision syntax) is tested
//! through the library, in `engine/tests/vc_*.rs`.
//!
//! Every run is hermetic (`common::TestEnv`): the author and the commit
//! date come from fixed `ARBOR_AUTHOR_NAME`, `ARBOR_AUTHOR_EMAIL` and
//! `ARBOR_COMMIT_DATE`, no other `ARBOR_*` variable reaches the binary, and
//! the global Arbor and Git configuration files are `arbor-global.json` and
//! `gitconfig` in the test's home (absent unless a test writes them), so
//! commit hashes never move.

#![allow(clippy::unwrap_used)]

mod common;

use common::{Run, TestEnv, WorkDir};

const NAME: &str = common::AUTHOR_NAME;
const EMAIL: &str = common::AUTHOR_EMAIL;
/// `common::COMMIT_DATE` (1700000000) as `arbor log` shows it.
const DATE_SHOWN: &str = "2023-11-14 22:13:20 +0000";
/// The first commit `arbor init` makes under the fixed author and date.
const INIT: &str = "15f0694d96d5beba0a331254b9d9dc4e9823cce53d78c3e10fc6dda68ff6f3e5";

/// A fresh repository in a new test environment.
struct Repo {
    dir: WorkDir,
}

impl Repo {
    fn new() -> Repo {
        Repo {
            dir: TestEnv::new().repo(),
        }
    }

    /// A repository with table `fruit` (id, name, price) committed as "fruit".
    fn with_fruit() -> Repo {
        let repo = Repo::new();
        repo.sql(
            "CREATE TABLE fruit (id integer PRIMARY KEY, name text, price integer); \
             INSERT INTO fruit VALUES (1, 'apple', 100), (2, 'pear', 75)",
        );
        repo.ok(&["commit", "-am", "fruit"]);
        repo
    }

    fn run(&self, args: &[&str]) -> Run {
        self.dir.run(args)
    }

    /// Runs without `ARBOR_AUTHOR_NAME` and `ARBOR_AUTHOR_EMAIL`.
    fn run_anonymous(&self, args: &[&str]) -> Run {
        self.dir.with_env(TestEnv::without_author).run(args)
    }

    /// Runs a command that must succeed; returns its standard output.
    fn ok(&self, args: &[&str]) -> String {
        self.dir.ok(args)
    }

    /// Runs a command that must fail with exit code 1 (2 for `arbor diff`,
    /// whose 1 means "differences"); returns its standard error.
    fn err(&self, args: &[&str]) -> String {
        let code = if args.first() == Some(&"diff") { 2 } else { 1 };
        self.dir.exits(code, args).stderr
    }

    fn sql(&self, q: &str) {
        self.ok(&["sql", "-q", q]);
    }

    /// A query's result as CSV.
    fn csv(&self, q: &str) -> String {
        self.ok(&["sql", "--format", "csv", "-q", q])
    }

    fn status(&self) -> String {
        self.ok(&["status"])
    }

    /// The full hash a revision names.
    fn hash(&self, rev: &str) -> String {
        let log = self.ok(&["log", "-n", "1", rev]);
        let first = log.lines().next().unwrap();
        first.strip_prefix("commit ").unwrap().to_owned()
    }

    /// The 8-digit hash a revision names.
    fn short(&self, rev: &str) -> String {
        self.hash(rev)[..8].to_owned()
    }

    fn oneline(&self, args: &[&str]) -> String {
        let mut all = vec!["log", "--oneline"];
        all.extend_from_slice(args);
        self.ok(&all)
    }
}

/// The lines `arbor log` prints for one commit.
fn log_entry(
    hash: &str,
    merge: Option<(&str, &str)>,
    author: &str,
    date: &str,
    msg: &str,
) -> String {
    let merge = merge.map_or(String::new(), |(a, b)| format!("Merge: {a} {b}\n"));
    format!("commit {hash}\n{merge}Author: {author}\nDate:   {date}\n\n    {msg}\n\n")
}

fn lines(parts: &[&str]) -> String {
    let mut s = parts.join("\n");
    s.push('\n');
    s
}

// ---------------------------------------------------------------- status

/// A new repository is on `main` with nothing to commit.
#[test]
fn status_of_a_new_repository_is_clean() {
    let repo = Repo::new();
    assert_eq!(
        repo.status(),
        "On branch main\nnothing to commit, working tree clean\n"
    );
}

/// Staged tables (HEAD to staged), unstaged ones (staged to working) and
/// untracked ones (new, never added) are listed apart, as new, modified or
/// deleted.
#[test]
fn status_separates_staged_and_unstaged_tables() {
    let repo = Repo::with_fruit();
    repo.sql("CREATE TABLE veg (id integer PRIMARY KEY)");
    repo.sql("UPDATE fruit SET price = 80 WHERE id = 2");
    repo.ok(&["add", "fruit"]);
    repo.sql("INSERT INTO fruit VALUES (3, 'fig', 300)");
    assert_eq!(
        repo.status(),
        lines(&[
            "On branch main",
            "Changes to be committed:",
            "  (use \"arbor restore --staged <table>...\" to unstage)",
            "\tmodified:  fruit",
            "",
            "Changes not staged for commit:",
            "  (use \"arbor add <table>\" to update what will be committed)",
            "  (use \"arbor restore <table>...\" to discard changes in the working set)",
            "\tmodified:  fruit",
            "",
            "Untracked tables:",
            "  (use \"arbor add <table>\" to include in what will be committed)",
            "\tnew table: veg",
            "",
        ])
    );
    repo.ok(&["commit", "-am", "more"]);
    repo.sql("DROP TABLE veg");
    assert_eq!(
        repo.status(),
        lines(&[
            "On branch main",
            "Changes not staged for commit:",
            "  (use \"arbor add <table>\" to update what will be committed)",
            "  (use \"arbor restore <table>...\" to discard changes in the working set)",
            "\tdeleted:   veg",
            "",
        ])
    );
}

// ---------------------------------------------------------------- add

/// `add` refusals print the library's message, then the command's hint.
#[test]
fn add_errors() {
    let repo = Repo::new();
    assert_eq!(
        repo.err(&["add"]),
        "error: nothing specified, nothing added\nhint: name tables to stage, or use `arbor add -A`\n"
    );
    assert_eq!(
        repo.err(&["add", "nosuch"]),
        "error: table \"nosuch\" does not exist\n"
    );
}

// ---------------------------------------------------------------- commit

/// `commit` prints the branch, the new commit's short hash and its
/// subject (the kept one when amending); `log` indents the whole message.
#[test]
fn commit_prints_its_subject_and_log_its_body() {
    let repo = Repo::with_fruit();
    repo.sql("INSERT INTO fruit VALUES (3, 'fig', 300)");
    repo.ok(&["add", "fruit"]);
    let out = repo.ok(&["commit", "-m", "add a fig\n\nwith a body"]);
    assert_eq!(out, format!("[main {}] add a fig\n", repo.short("HEAD")));
    let log = repo.ok(&["log", "-n", "1"]);
    assert!(
        log.ends_with("    add a fig\n    \n    with a body\n\n"),
        "{log}"
    );
    let first = repo.hash("HEAD");
    let out = repo.ok(&["commit", "--amend", "--date", "5"]);
    let amended = repo.hash("HEAD");
    assert_ne!(amended, first);
    assert_eq!(out, format!("[main {}] add a fig\n", &amended[..8]));
}

/// Nothing to commit, nothing staged, no message: each refusal with the
/// command's hint.
#[test]
fn commit_refuses_nothing_to_commit_and_missing_messages() {
    let repo = Repo::new();
    assert_eq!(
        repo.err(&["commit", "-m", "nothing"]),
        "error: nothing to commit, working tree clean\n\
         hint: change data with `arbor sql` first, or use --allow-empty\n"
    );
    repo.sql("CREATE TABLE fruit (id integer PRIMARY KEY)");
    assert_eq!(
        repo.err(&["commit", "-m", "unstaged"]),
        "error: no changes added to commit\n\
         hint: stage tables with `arbor add`, or commit everything with `arbor commit -a`\n"
    );
    assert_eq!(
        repo.err(&["commit", "-a"]),
        "error: a commit needs a message\nhint: pass one with -m \"...\"\n"
    );
}

/// `--author` and `--date` show in `log` as given, the date in its offset.
#[test]
fn commit_author_and_date_flags() {
    let repo = Repo::with_fruit();
    repo.sql("INSERT INTO fruit VALUES (3, 'fig', 300)");
    repo.ok(&[
        "commit",
        "-am",
        "by Bob",
        "--author",
        "Bob Ray <bob@example.com>",
        "--date",
        "2024-01-31T12:00:00+01:00",
    ]);
    assert_eq!(
        repo.ok(&["log", "-n", "1"]),
        log_entry(
            &repo.hash("HEAD"),
            None,
            "Bob Ray <bob@example.com>",
            "2024-01-31 12:00:00 +0100",
            "by Bob"
        )
    );
}

/// Without `ARBOR_AUTHOR_NAME`/`ARBOR_AUTHOR_EMAIL` and without `--author`,
/// a commit is refused with a hint; `--author` alone is enough.
#[test]
fn commit_without_an_identity_is_refused() {
    let repo = Repo::new();
    repo.sql("CREATE TABLE fruit (id integer PRIMARY KEY)");
    let out = repo.run_anonymous(&["commit", "-am", "anonymous"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        out.stderr,
        "error: author identity unknown\n\
         hint: set it with `arbor config --global user.name 'Your Name'` and `arbor config --global user.email you@example.com` (Git's user.name and user.email are used too), or pass --author 'Name <email>'\n"
    );
    let out = repo.run_anonymous(&["commit", "-am", "signed", "--author", "Cy <cy@example.com>"]);
    assert!(out.status.success(), "{}", out.stderr);
}

// ---------------------------------------------------------------- log

/// `log` prints commits newest first, in full or one line each; `-n`
/// limits them.
#[test]
fn log_lists_history_newest_first() {
    let repo = Repo::with_fruit();
    repo.sql("INSERT INTO fruit VALUES (3, 'fig', 300)");
    repo.ok(&["commit", "-am", "fig"]);
    let (fig, fruit) = (repo.hash("HEAD"), repo.hash("HEAD~1"));
    let author = format!("{NAME} <{EMAIL}>");
    assert_eq!(
        repo.ok(&["log"]),
        [
            log_entry(&fig, None, &author, DATE_SHOWN, "fig"),
            log_entry(&fruit, None, &author, DATE_SHOWN, "fruit"),
            log_entry(
                INIT,
                None,
                &author,
                DATE_SHOWN,
                "Initialize data repository"
            ),
        ]
        .concat()
    );
    // Pinned: the hermetic environment fixes every hash (the library
    // gives the same ones: engine/tests/vc_commit.rs).
    assert_eq!(&fruit[..8], "8cb065ce");
    assert_eq!(
        repo.oneline(&[]),
        lines(&[
            &format!("{} fig", &fig[..8]),
            &format!("{} fruit", &fruit[..8]),
            "15f0694d Initialize data repository",
        ])
    );
    assert_eq!(repo.oneline(&["-n", "1"]), format!("{} fig\n", &fig[..8]));
    assert_eq!(
        repo.oneline(&["-n", "2", "HEAD~1"]),
        lines(&[
            &format!("{} fruit", &fruit[..8]),
            "15f0694d Initialize data repository",
        ])
    );
    assert_eq!(repo.oneline(&["-n", "0"]), "");
}

/// `A..B` lists the commits reachable from B and not from A; an empty side
/// is HEAD.
#[test]
fn log_ranges() {
    let repo = Repo::with_fruit();
    for n in 3..=5 {
        repo.sql(&format!("INSERT INTO fruit VALUES ({n}, 'f{n}', {n})"));
        repo.ok(&["commit", "-am", &format!("row {n}")]);
    }
    let (c3, c4, c5) = (
        repo.short("HEAD~2"),
        repo.short("HEAD~1"),
        repo.short("HEAD"),
    );
    let expected = lines(&[&format!("{c5} row 5"), &format!("{c4} row 4")]);
    assert_eq!(repo.oneline(&["HEAD~2..HEAD"]), expected);
    assert_eq!(repo.oneline(&["HEAD~2.."]), expected);
    assert_eq!(repo.oneline(&[&format!("{c3}..{c5}")]), expected);
    assert_eq!(repo.oneline(&["HEAD..HEAD~2"]), "");
    assert_eq!(repo.oneline(&["..HEAD~2"]), "");
    // Across branches: what a branch has that main does not.
    repo.ok(&["checkout", "-b", "side", "HEAD~1"]);
    repo.ok(&["commit", "--allow-empty", "-m", "on side"]);
    let side = repo.short("HEAD");
    assert_eq!(repo.oneline(&["main..side"]), format!("{side} on side\n"));
    assert_eq!(repo.oneline(&["side..main"]), format!("{c5} row 5\n"));
}

/// `log -- <table>` keeps the commits that changed those tables.
#[test]
fn log_table_filter() {
    let repo = Repo::with_fruit();
    repo.sql("CREATE TABLE veg (id integer PRIMARY KEY)");
    repo.ok(&["commit", "-am", "veg"]);
    repo.ok(&["commit", "--allow-empty", "-m", "empty"]);
    repo.sql("UPDATE fruit SET price = 1");
    repo.ok(&["commit", "-am", "cheap"]);
    let cheap = repo.short("HEAD");
    let veg = repo.short("HEAD~2");
    let fruit = repo.short("HEAD~3");
    assert_eq!(
        repo.oneline(&["--", "fruit"]),
        lines(&[&format!("{cheap} cheap"), &format!("{fruit} fruit")])
    );
    assert_eq!(repo.oneline(&["--", "veg"]), format!("{veg} veg\n"));
    assert_eq!(repo.oneline(&["--", "veg", "fruit"]).lines().count(), 3);
    assert_eq!(
        repo.oneline(&["-n", "1", "--", "fruit"]),
        format!("{cheap} cheap\n")
    );
    assert_eq!(
        repo.oneline(&["HEAD~1", "--", "fruit"]),
        format!("{fruit} fruit\n")
    );
    assert_eq!(repo.oneline(&["--", "nosuch"]), "");
}

/// An unknown revision is an error.
#[test]
fn log_unknown_revision() {
    let repo = Repo::new();
    assert_eq!(
        repo.err(&["log", "nosuch"]),
        "error: unknown revision 'nosuch'\n\
         hint: name a branch, a tag, a commit hash, or HEAD, optionally followed by ~n or ^n\n"
    );
}

// ---------------------------------------------------------------- show

/// `show` prints the commit and its changes from its first parent:
/// deleted and added rows, and a modified row before and after with the
/// changed cells starred.
#[test]
fn show_prints_a_commit_and_its_row_changes() {
    let repo = Repo::with_fruit();
    repo.sql("UPDATE fruit SET price = 80 WHERE id = 2; DELETE FROM fruit WHERE id = 1");
    repo.sql("INSERT INTO fruit VALUES (3, 'fig', NULL)");
    repo.ok(&["commit", "-am", "prices"]);
    let author = format!("{NAME} <{EMAIL}>");
    let expected = log_entry(&repo.hash("HEAD"), None, &author, DATE_SHOWN, "prices")
        + &lines(&[
            "diff --arbor a/fruit b/fruit",
            "--- a/fruit",
            "+++ b/fruit",
            "+---+----+-------+-------+",
            "|   | id | name  | price |",
            "+---+----+-------+-------+",
            "| - | 1  | apple | 100   |",
            "| < | 2  | pear  | 75    |",
            "| > | 2  | pear  | 80*   |",
            "| + | 3  | fig   | NULL  |",
            "+---+----+-------+-------+",
        ]);
    assert_eq!(repo.ok(&["show"]), expected);
    assert_eq!(repo.ok(&["show", "HEAD"]), expected);
    let first = repo.ok(&["show", "HEAD~1"]);
    assert!(
        first.ends_with(&lines(&[
            "diff --arbor a/fruit b/fruit",
            "added table fruit",
            "--- a/fruit",
            "+++ b/fruit",
            "+---+----+-------+-------+",
            "|   | id | name  | price |",
            "+---+----+-------+-------+",
            "| + | 1  | apple | 100   |",
            "| + | 2  | pear  | 75    |",
            "+---+----+-------+-------+",
        ])),
        "{first}"
    );
    // The first commit has no changes to show.
    assert_eq!(
        repo.ok(&["show", "HEAD~2"]),
        log_entry(
            INIT,
            None,
            &author,
            DATE_SHOWN,
            "Initialize data repository"
        )
    );
}

/// Schema changes show as column lines; a dropped table as its deleted rows.
#[test]
fn show_schema_changes_and_dropped_tables() {
    let repo = Repo::with_fruit();
    repo.sql(
        "ALTER TABLE fruit RENAME COLUMN name TO label; ALTER TABLE fruit ADD COLUMN stock integer",
    );
    repo.ok(&["commit", "-am", "schema"]);
    let out = repo.ok(&["show"]);
    assert!(
        out.ends_with(&lines(&[
            "diff --arbor a/fruit b/fruit",
            "--- a/fruit",
            "+++ b/fruit",
            "~ column name: renamed to label",
            "+ column stock integer",
        ])),
        "{out}"
    );
    repo.sql("DROP TABLE fruit");
    repo.ok(&["commit", "-am", "drop"]);
    let out = repo.ok(&["show"]);
    assert!(
        out.ends_with(&lines(&[
            "diff --arbor a/fruit b/fruit",
            "deleted table fruit",
            "--- a/fruit",
            "+++ b/fruit",
            "+---+----+-------+-------+-------+",
            "|   | id | label | price | stock |",
            "+---+----+-------+-------+-------+",
            "| - | 1  | apple | 100   | NULL  |",
            "| - | 2  | pear  | 75    | NULL  |",
            "+---+----+-------+-------+-------+",
        ])),
        "{out}"
    );
}

// ---------------------------------------------------------------- diff

/// Without arguments `diff` shows the working set against the staged
/// tables; `--staged` shows the staged tables against HEAD.
#[test]
fn diff_working_against_staged_and_staged_against_head() {
    let repo = Repo::with_fruit();
    repo.sql("UPDATE fruit SET price = 80 WHERE id = 2");
    repo.ok(&["add", "fruit"]);
    repo.sql("INSERT INTO fruit VALUES (3, 'fig', 300)");
    let unstaged = lines(&[
        "diff --arbor a/fruit b/fruit",
        "--- a/fruit",
        "+++ b/fruit",
        "+---+----+------+-------+",
        "|   | id | name | price |",
        "+---+----+------+-------+",
        "| + | 3  | fig  | 300   |",
        "+---+----+------+-------+",
    ]);
    let staged = lines(&[
        "diff --arbor a/fruit b/fruit",
        "--- a/fruit",
        "+++ b/fruit",
        "+---+----+------+-------+",
        "|   | id | name | price |",
        "+---+----+------+-------+",
        "| < | 2  | pear | 75    |",
        "| > | 2  | pear | 80*   |",
        "+---+----+------+-------+",
    ]);
    assert_eq!(repo.ok(&["diff"]), unstaged);
    assert_eq!(repo.ok(&["diff", "--staged"]), staged);
    assert_eq!(repo.ok(&["diff", "--cached"]), staged);
    // One revision: the working set (or, with --staged, the staged tables) against it.
    assert_eq!(
        repo.ok(&["diff", "HEAD", "--stat"]),
        "fruit: 1 row added, 0 rows deleted, 1 row modified, 1 cell modified\n"
    );
    assert_eq!(
        repo.ok(&["diff", "--staged", "HEAD", "--stat"]),
        "fruit: 0 rows added, 0 rows deleted, 1 row modified, 1 cell modified\n"
    );
    repo.ok(&["add", "-A"]);
    assert_eq!(repo.ok(&["diff"]), "");
}

/// Two revisions, `A..B` and `A B` compare A with B; `A...B` compares the
/// merge base of A and B with B, leaving out what only A changed.
#[test]
fn diff_between_revisions_and_ranges() {
    let repo = Repo::with_fruit();
    repo.ok(&["branch", "feature"]);
    repo.sql("UPDATE fruit SET price = 101 WHERE id = 1");
    repo.ok(&["commit", "-am", "main: apple"]);
    repo.ok(&["checkout", "feature"]);
    repo.sql("UPDATE fruit SET name = 'Pear' WHERE id = 2");
    repo.ok(&["commit", "-am", "feature: pear"]);
    repo.ok(&["checkout", "main"]);
    let both = lines(&[
        "diff --arbor a/fruit b/fruit",
        "--- a/fruit",
        "+++ b/fruit",
        "+---+----+-------+-------+",
        "|   | id | name  | price |",
        "+---+----+-------+-------+",
        "| < | 1  | apple | 101   |",
        "| > | 1  | apple | 100*  |",
        "| < | 2  | pear  | 75    |",
        "| > | 2  | Pear* | 75    |",
        "+---+----+-------+-------+",
    ]);
    assert_eq!(repo.ok(&["diff", "main", "feature"]), both);
    assert_eq!(repo.ok(&["diff", "main..feature"]), both);
    assert_eq!(repo.ok(&["diff", "..feature"]), both);
    let only_feature = lines(&[
        "diff --arbor a/fruit b/fruit",
        "--- a/fruit",
        "+++ b/fruit",
        "+---+----+-------+-------+",
        "|   | id | name  | price |",
        "+---+----+-------+-------+",
        "| < | 2  | pear  | 75    |",
        "| > | 2  | Pear* | 75    |",
        "+---+----+-------+-------+",
    ]);
    assert_eq!(repo.ok(&["diff", "main...feature"]), only_feature);
    assert_eq!(repo.ok(&["diff", "...feature"]), only_feature);
    assert_eq!(
        repo.ok(&["diff", "feature...main", "--stat"]),
        "fruit: 0 rows added, 0 rows deleted, 1 row modified, 1 cell modified\n"
    );
    assert_eq!(repo.ok(&["diff", "main", "main"]), "");
    assert!(
        repo.err(&["diff", "main..nosuch"])
            .starts_with("error: unknown revision 'nosuch'\n")
    );
}

/// Table names after the revisions limit the diff; a name that is neither
/// a revision nor a table is an error, not an empty diff.
#[test]
fn diff_table_filter() {
    let repo = Repo::with_fruit();
    repo.sql(
        "CREATE TABLE veg (id integer PRIMARY KEY, name text); INSERT INTO veg VALUES (1, 'kale')",
    );
    repo.sql("DELETE FROM fruit WHERE id = 2");
    assert_eq!(
        repo.ok(&["diff", "--summary"]),
        "fruit: data changed\nveg: added\n"
    );
    assert_eq!(
        repo.ok(&["diff", "veg"]),
        lines(&[
            "diff --arbor a/veg b/veg",
            "added table veg",
            "--- a/veg",
            "+++ b/veg",
            "+---+----+------+",
            "|   | id | name |",
            "+---+----+------+",
            "| + | 1  | kale |",
            "+---+----+------+",
        ])
    );
    assert_eq!(
        repo.ok(&["diff", "HEAD", "fruit", "--summary"]),
        "fruit: data changed\n"
    );
    repo.ok(&["commit", "-am", "veg"]);
    assert_eq!(
        repo.ok(&["diff", "HEAD~1", "HEAD", "veg", "--summary"]),
        "veg: added\n"
    );
    assert_eq!(
        repo.ok(&["diff", "HEAD~1..HEAD", "fruit", "veg", "--summary"]),
        "fruit: data changed\nveg: added\n"
    );
    assert_eq!(
        repo.err(&["diff", "mian"]),
        "error: 'mian' is neither a revision nor a table\n\
         hint: name a branch, a tag, a commit hash or HEAD, then tables\n"
    );
}

/// `--stat` counts rows and cells; `--summary` names what changed in each
/// table: added, deleted, data, schema, or both.
#[test]
fn diff_stat_and_summary() {
    let repo = Repo::with_fruit();
    repo.sql(
        "CREATE TABLE veg (id integer PRIMARY KEY); CREATE TABLE nut (id integer PRIMARY KEY)",
    );
    repo.ok(&["commit", "-am", "more tables"]);
    repo.sql("UPDATE fruit SET name = 'Apple', price = 1 WHERE id = 1; UPDATE fruit SET price = 2 WHERE id = 2");
    repo.sql(
        "INSERT INTO fruit VALUES (3, 'fig', 3), (4, 'kiwi', 4); DELETE FROM fruit WHERE id = 4",
    );
    repo.sql("DROP TABLE veg; CREATE TABLE herb (id integer PRIMARY KEY)");
    repo.sql("ALTER TABLE nut ADD COLUMN name text");
    // A table added, deleted or changed in schema says so beside its rows.
    assert_eq!(
        repo.ok(&["diff", "--stat"]),
        lines(&[
            "fruit: 1 row added, 0 rows deleted, 2 rows modified, 3 cells modified",
            "herb: table added, 0 rows added, 0 rows deleted, 0 rows modified, 0 cells modified",
            "nut: schema changed, 0 rows added, 0 rows deleted, 0 rows modified, 0 cells modified",
            "veg: table deleted, 0 rows added, 0 rows deleted, 0 rows modified, 0 cells modified",
        ])
    );
    assert_eq!(
        repo.ok(&["diff", "--summary"]),
        lines(&[
            "fruit: data changed",
            "herb: added",
            "nut: schema changed",
            "veg: deleted",
        ])
    );
    repo.sql("INSERT INTO nut VALUES (1, 'pecan')");
    assert_eq!(
        repo.ok(&["diff", "--summary", "nut"]),
        "nut: schema and data changed\n"
    );
}

/// With `--where` or `--filter`, `--stat` and `--summary` count only the
/// rows selected, and leave out a table whose only changes are rows not
/// selected; a table added, deleted or changed in schema stays.
#[test]
fn diff_stat_and_summary_count_only_selected_rows() {
    let repo = Repo::with_fruit();
    repo.sql(
        "UPDATE fruit SET price = 150 WHERE id = 1; DELETE FROM fruit WHERE id = 2; \
         INSERT INTO fruit VALUES (3, 'fig', 300)",
    );
    let stat = |args: &[&str]| repo.ok(&[&["diff", "--stat"], args].concat());
    let summary = |args: &[&str]| repo.ok(&[&["diff", "--summary"], args].concat());
    assert_eq!(
        stat(&["--filter", "added"]),
        "fruit: 1 row added, 0 rows deleted, 0 rows modified, 0 cells modified\n"
    );
    assert_eq!(
        stat(&["--where", "to_price > 100"]),
        "fruit: 1 row added, 0 rows deleted, 1 row modified, 1 cell modified\n"
    );
    assert_eq!(
        stat(&["--filter", "added,removed", "--where", "from_name = 'pear'"]),
        "fruit: 0 rows added, 1 row deleted, 0 rows modified, 0 cells modified\n"
    );
    assert_eq!(summary(&["--filter", "removed"]), "fruit: data changed\n");
    assert_eq!(stat(&["--where", "to_price > 1000"]), "");
    assert_eq!(summary(&["--where", "to_price > 1000"]), "");
    let out = repo.run(&[
        "diff",
        "--summary",
        "--exit-code",
        "--where",
        "to_price > 1000",
    ]);
    assert_eq!((out.code(), out.stdout.as_str()), (Some(0), ""));
    // The markdown summary table counts the same rows.
    let markdown = repo.ok(&["diff", "--format", "markdown", "--where", "to_price > 200"]);
    assert!(
        markdown.contains("| fruit | modified | 1 | 0 | 0 | 0 |"),
        "{markdown}"
    );
    // A table's own change is not a row: it stays under any filter.
    repo.sql("ALTER TABLE fruit ADD COLUMN note text; CREATE TABLE veg (id integer PRIMARY KEY)");
    assert_eq!(
        stat(&["--filter", "modified"]),
        lines(&[
            "fruit: schema changed, 0 rows added, 0 rows deleted, 1 row modified, 1 cell modified",
            "veg: table added, 0 rows added, 0 rows deleted, 0 rows modified, 0 cells modified",
        ])
    );
    assert_eq!(
        summary(&["--filter", "modified"]),
        "fruit: schema and data changed\nveg: added\n"
    );
    repo.sql("UPDATE fruit SET price = 100 WHERE id = 1");
    assert_eq!(
        summary(&["--filter", "modified"]),
        "fruit: schema changed\nveg: added\n"
    );
}

/// A `--where` predicate that fails, whether it does not parse, names a
/// column no table has, is not boolean or fails on a row, is an error
/// (exit 2) before anything is printed, in every output.
#[test]
fn diff_where_errors_print_nothing() {
    let repo = Repo::with_fruit();
    repo.sql("UPDATE fruit SET price = 150 WHERE id = 1");
    for (predicate, message) in [
        ("to_price >", "expected: an expression, found: EOF"),
        ("to_nope > 1", "column \"to_nope\" does not exist"),
        (
            "to_price",
            "argument of a condition must be type boolean, not type integer",
        ),
        ("to_price / 0 > 1", "division by zero"),
    ] {
        for output in [
            &[][..],
            &["--stat"],
            &["--summary"],
            &["--name-only"],
            &["--exit-code"],
            &["--format", "json"],
            &["--format", "jsonl"],
            &["--format", "csv"],
            &["--format", "markdown"],
        ] {
            let args = [&["diff", "--where", predicate], output].concat();
            let out = repo.dir.exits(2, &args);
            assert_eq!(out.stdout, "", "{out}");
            assert_eq!(
                out.stderr,
                format!(
                    "error: --where: {message}\n\
                     hint: the predicate reads diff_type, from_<column> and to_<column>\n"
                ),
                "{out}"
            );
        }
    }
    // With no changed table there are no columns to check, but the
    // predicate must still parse.
    repo.ok(&["commit", "-am", "price"]);
    repo.dir.exits(2, &["diff", "--where", "to_price >"]);
    repo.ok(&["diff", "--where", "to_price > 1"]);
}

/// A column added and dropped again leaves the table as it was: stored
/// the same, so status and diff see no change. A tag a committed or staged
/// version still has is not given back: a column added after the drop is
/// a new column, not the dropped one renamed.
#[test]
fn a_column_added_and_dropped_again_changes_nothing() {
    let repo = Repo::with_fruit();
    repo.sql("ALTER TABLE fruit ADD COLUMN note text DEFAULT 'x'");
    assert_eq!(
        repo.ok(&["diff", "--stat"]),
        "fruit: schema changed, 0 rows added, 0 rows deleted, 0 rows modified, 0 cells modified\n"
    );
    repo.sql("ALTER TABLE fruit DROP COLUMN note");
    assert!(
        repo.ok(&["status"])
            .contains("nothing to commit, working tree clean")
    );
    assert_eq!(repo.ok(&["diff", "HEAD"]), "");
    assert_eq!(repo.ok(&["diff", "--stat"]), "");
    assert_eq!(repo.run(&["diff", "--exit-code"]).code(), Some(0));
    // In one statement string too.
    repo.sql("ALTER TABLE fruit ADD COLUMN a int; ALTER TABLE fruit ADD COLUMN b int; ALTER TABLE fruit DROP COLUMN b; ALTER TABLE fruit DROP COLUMN a");
    assert!(repo.ok(&["status"]).contains("working tree clean"));

    // Staged: the staged table keeps its tag.
    repo.sql("ALTER TABLE fruit ADD COLUMN staged int");
    repo.ok(&["add", "fruit"]);
    repo.sql("ALTER TABLE fruit DROP COLUMN staged; ALTER TABLE fruit ADD COLUMN other int");
    let schema_lines = |args: &[&str]| -> Vec<String> {
        repo.ok(args)
            .lines()
            .filter(|l| {
                l.starts_with("- column") || l.starts_with("+ column") || l.starts_with("~")
            })
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(
        schema_lines(&["diff"]),
        ["- column staged integer", "+ column other integer"]
    );
    // Committed: likewise.
    repo.ok(&["commit", "-m", "staged"]);
    repo.sql("ALTER TABLE fruit DROP COLUMN other");
    assert_eq!(schema_lines(&["diff", "HEAD"]), ["- column staged integer"]);
    repo.sql("ALTER TABLE fruit ADD COLUMN third int");
    assert_eq!(
        schema_lines(&["diff", "HEAD"]),
        ["- column staged integer", "+ column third integer"]
    );
}

/// `--exit-code` exits 1 when there are differences and 0 when there are none.
#[test]
fn diff_exit_code() {
    let repo = Repo::with_fruit();
    let code = |args: &[&str]| repo.run(args).status.code();
    assert_eq!(code(&["diff", "--exit-code"]), Some(0));
    assert_eq!(code(&["diff", "--exit-code", "HEAD~1", "HEAD~1"]), Some(0));
    assert_eq!(code(&["diff", "--exit-code", "HEAD~1", "HEAD"]), Some(1));
    // Without the flag, differences still exit 0.
    assert_eq!(code(&["diff", "HEAD~1", "HEAD"]), Some(0));
    repo.sql("UPDATE fruit SET price = 0");
    let out = repo.run(&["diff", "--exit-code", "--summary"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(out.stdout, "fruit: data changed\n");
    assert_eq!(code(&["diff", "--exit-code", "--staged"]), Some(0));
    repo.ok(&["add", "fruit"]);
    assert_eq!(code(&["diff", "--exit-code"]), Some(0));
    assert_eq!(code(&["diff", "--exit-code", "--staged"]), Some(1));
}

// ---------------------------------------------------------------- branch

/// `branch` lists branches with the current one starred; `-v` adds each
/// head, names aligned.
#[test]
fn branch_list_and_create() {
    let repo = Repo::with_fruit();
    assert_eq!(repo.ok(&["branch"]), "* main\n");
    repo.ok(&["branch", "at-head"]);
    repo.ok(&["branch", "at-init", "HEAD~1"]);
    assert_eq!(repo.ok(&["branch"]), "  at-head\n  at-init\n* main\n");
    let head = repo.short("HEAD");
    assert_eq!(
        repo.ok(&["branch", "-v"]),
        lines(&[
            &format!("  at-head {head} fruit"),
            "  at-init 15f0694d Initialize data repository",
            &format!("* main    {head} fruit"),
        ])
    );
}

/// `-d` and `-D` print each deleted branch with the head it had; refusals
/// come with the command's hints.
#[test]
fn branch_delete() {
    let repo = Repo::new();
    repo.ok(&["branch", "merged"]);
    repo.ok(&["checkout", "-b", "ahead"]);
    repo.ok(&["commit", "--allow-empty", "-m", "ahead"]);
    let ahead = repo.short("HEAD");
    repo.ok(&["checkout", "main"]);
    assert_eq!(
        repo.ok(&["branch", "-d", "merged"]),
        "Deleted branch merged (was 15f0694d).\n"
    );
    assert_eq!(
        repo.err(&["branch", "-d", "ahead"]),
        "error: the branch 'ahead' is not fully merged\n\
         hint: to delete it anyway, run `arbor branch -D ahead`\n"
    );
    assert_eq!(
        repo.ok(&["branch", "-D", "ahead"]),
        format!("Deleted branch ahead (was {ahead}).\n")
    );
    assert_eq!(
        repo.err(&["branch", "-D", "gone"]),
        "error: branch 'gone' does not exist\nhint: list branches with `arbor branch`\n"
    );
}

/// An invalid branch name is refused with the rules as a hint; after `--`
/// a name may start with `-`, and is refused as a name, not as a flag.
#[test]
fn branch_names_are_validated() {
    let repo = Repo::new();
    assert_eq!(
        repo.err(&["branch", "has space"]),
        "error: 'has space' is not a valid branch name\n\
         hint: branch names cannot contain spaces, '..', or any of ~^:?*[\\\n"
    );
    let out = repo.run(&["branch", "--", "-dash"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        out.stderr
            .starts_with("error: '-dash' is not a valid branch name\n")
    );
}

// ---------------------------------------------------------------- checkout and switch

/// `checkout` and `switch` say where they went; `-b`/`-c` create the
/// branch first, at HEAD or at a start revision.
#[test]
fn checkout_and_switch_between_branches() {
    let repo = Repo::new();
    assert_eq!(
        repo.ok(&["checkout", "-b", "feature"]),
        "Switched to a new branch 'feature'\n"
    );
    assert_eq!(repo.ok(&["switch", "main"]), "Switched to branch 'main'\n");
    assert_eq!(
        repo.ok(&["checkout", "feature"]),
        "Switched to branch 'feature'\n"
    );
    assert_eq!(
        repo.ok(&["switch", "-c", "older", "main"]),
        "Switched to a new branch 'older'\n"
    );
    assert_eq!(
        repo.ok(&["checkout", "-c", "c-alias", "main"]),
        "Switched to a new branch 'c-alias'\n"
    );
    // Checking out the current branch changes nothing.
    assert_eq!(
        repo.ok(&["checkout", "c-alias"]),
        "Switched to branch 'c-alias'\n"
    );
    assert_eq!(
        repo.ok(&["branch"]),
        "* c-alias\n  feature\n  main\n  older\n"
    );
}

/// An unknown branch is refused by `checkout` and `switch` alike, with
/// the command's hint.
#[test]
fn checkout_errors() {
    let repo = Repo::new();
    let unknown =
        "error: branch 'nosuch' does not exist\nhint: list branches with `arbor branch`\n";
    assert_eq!(repo.err(&["checkout", "nosuch"]), unknown);
    assert_eq!(repo.err(&["switch", "nosuch"]), unknown);
}

/// A checkout that would overwrite uncommitted changes is refused, by
/// `checkout` and `switch` alike, with the colliding tables named and the
/// command's hint.
#[test]
fn checkout_refuses_colliding_changes() {
    let repo = Repo::new();
    repo.ok(&["checkout", "-b", "feature"]);
    repo.sql("CREATE TABLE fruit (id integer PRIMARY KEY)");
    repo.ok(&["commit", "-am", "fruit"]);
    repo.ok(&["checkout", "main"]);
    repo.sql("CREATE TABLE fruit (id integer PRIMARY KEY, name text)");
    // Staged, so tracked (an untracked table is refused otherwise:
    // `untracked_tables_survive_reset_stash_and_checkout`).
    repo.ok(&["add", "fruit"]);
    let refused = "error: your uncommitted changes would be overwritten by checking out 'feature': fruit\n\
         hint: commit them (`arbor commit -am ...`) or discard them (`arbor reset --hard`) first\n";
    assert_eq!(repo.err(&["checkout", "feature"]), refused);
    assert_eq!(repo.err(&["switch", "feature"]), refused);
}

// ---------------------------------------------------------------- merge

/// A fast-forward says where the branch went; merging again says it is up
/// to date.
#[test]
fn merge_fast_forward() {
    let repo = Repo::new();
    repo.ok(&["checkout", "-b", "feature"]);
    repo.ok(&["commit", "--allow-empty", "-m", "ahead"]);
    let ahead = repo.short("HEAD");
    repo.ok(&["checkout", "main"]);
    assert_eq!(
        repo.ok(&["merge", "feature"]),
        format!("Fast-forward to {ahead}\n")
    );
    assert_eq!(repo.ok(&["merge", "feature"]), "Already up to date.\n");
}

/// `--no-ff` says which merge commit it made; `log` shows its two parents
/// on a `Merge:` line, and `show` the change from the first parent.
#[test]
fn merge_no_ff_makes_a_merge_commit() {
    let repo = Repo::with_fruit();
    repo.ok(&["checkout", "-b", "feature"]);
    repo.sql("INSERT INTO fruit VALUES (3, 'fig', 300)");
    repo.ok(&["commit", "-am", "fig"]);
    let (fig, fruit) = (repo.short("HEAD"), repo.short("HEAD~1"));
    repo.ok(&["checkout", "main"]);
    let out = repo.ok(&["merge", "--no-ff", "feature"]);
    let merge = repo.hash("HEAD");
    assert_eq!(
        out,
        format!("Merge made by the 'arbor' strategy: {}\n", &merge[..8])
    );
    let author = format!("{NAME} <{EMAIL}>");
    assert_eq!(
        repo.ok(&["log", "-n", "1"]),
        log_entry(
            &merge,
            Some((&fruit, &fig)),
            &author,
            DATE_SHOWN,
            "Merge feature into main"
        )
    );
    // `show` of a merge shows the change from the first parent.
    assert!(repo.ok(&["show"]).contains("| + | 3  | fig  | 300   |\n"));
}

/// A conflicting merge prints a CONFLICT line per conflict and exits 1;
/// `status` shows the merge; commits and checkouts are refused with the
/// command's hints; `merge --abort` prints nothing, and without a merge is
/// refused.
#[test]
fn merge_conflict_and_abort() {
    let repo = Repo::with_fruit();
    repo.ok(&["branch", "feature"]);
    repo.sql("UPDATE fruit SET price = 90 WHERE id = 2");
    repo.ok(&["commit", "-am", "pear 90"]);
    repo.ok(&["checkout", "feature"]);
    repo.sql("UPDATE fruit SET price = 60 WHERE id = 2; INSERT INTO fruit VALUES (3, 'fig', 300)");
    repo.ok(&["commit", "-am", "pear 60, fig"]);
    repo.ok(&["checkout", "main"]);
    let out = repo.run(&["merge", "feature"]);
    assert_eq!(out.status.code(), Some(1), "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "CONFLICT in table fruit: both sides changed price\n\
         Automatic merge failed; fix conflicts and then commit the result.\n"
    );
    assert_eq!(
        repo.status(),
        lines(&[
            "On branch main",
            "You have unmerged tables.",
            "  (resolve the conflicts, then run \"arbor commit\")",
            "  (use \"arbor merge --abort\" to abort the merge)",
            "",
            "Unmerged tables:",
            "  (use \"arbor conflicts cat <table>\" to see them)",
            "\tconflicts:  fruit (1 row)",
            "",
            "Changes to be committed:",
            "  (use \"arbor restore --staged <table>...\" to unstage)",
            "\tmodified:  fruit",
            "",
        ])
    );
    assert_eq!(
        repo.err(&["commit", "-m", "merged"]),
        "error: cannot commit: the merge has unresolved conflicts\n\
         hint: resolve them with `arbor conflicts resolve`, or abort with `arbor merge --abort`\n"
    );
    assert_eq!(
        repo.err(&["checkout", "feature"]),
        "error: cannot check out another branch during a merge\n\
         hint: finish it with `arbor commit`, or abort it with `arbor merge --abort`\n"
    );
    assert_eq!(repo.ok(&["merge", "--abort"]), "");
    assert_eq!(
        repo.err(&["merge", "--abort"]),
        "error: there is no merge to abort\n"
    );
}

/// A merge that brings a duplicate records both rows; `conflicts cat` shows
/// each side as the merge found it and the working row apart (theirs is
/// never shown as ours); resolving to ours with the duplicate still there is
/// refused, and once the data is fixed it resolves and commits.
#[test]
fn a_merged_duplicate_is_shown_as_it_is_and_cannot_be_resolved_away() {
    let repo = Repo::new();
    repo.sql("CREATE TABLE t (id integer PRIMARY KEY, code text UNIQUE)");
    repo.ok(&["commit", "-Am", "t"]);
    repo.ok(&["branch", "feature"]);
    repo.sql("INSERT INTO t VALUES (1, 'y')");
    repo.ok(&["commit", "-am", "ours"]);
    repo.ok(&["checkout", "feature"]);
    repo.sql("INSERT INTO t VALUES (2, 'y')");
    repo.ok(&["commit", "-am", "theirs"]);
    repo.ok(&["checkout", "main"]);
    assert_eq!(repo.run(&["merge", "feature"]).status.code(), Some(1));
    assert_eq!(
        repo.ok(&["conflicts", "cat"]),
        lines(&[
            "table t: the merged row violates unique constraint \"t_code_key\"",
            "         | id       | code",
            "  base   | (no row)",
            "  ours   | 1        | y",
            "  theirs | (no row)",
            "table t: the merged row violates unique constraint \"t_code_key\"",
            "          | id       | code",
            "  base    | (no row)",
            "  ours    | (no row)",
            "  theirs  | 2        | y",
            "  working | 2        | y",
        ])
    );
    let err = repo.err(&["conflicts", "resolve", "--ours", "t"]);
    assert!(
        err.starts_with("error: duplicate key value violates unique constraint \"t_code_key\""),
        "{err}"
    );
    assert!(
        repo.err(&["commit", "-m", "merged"])
            .contains("unresolved conflicts")
    );
    repo.sql("UPDATE t SET code = 'z' WHERE id = 2");
    assert_eq!(
        repo.ok(&["conflicts", "resolve", "--ours", "t"]),
        "resolved 2 conflicts in t\n"
    );
    repo.ok(&["commit", "-m", "merged"]);
    assert_eq!(
        repo.csv("SELECT * FROM t ORDER BY id"),
        "id,code\n1,y\n2,z\n"
    );
}

/// `conflicts cat` shows the three versions of a conflicting row,
/// `conflicts resolve` says how many it resolved, `status` that the merge
/// waits for its commit, and `commit` concludes it with the merge's
/// message.
#[test]
fn merge_conflict_resolved_then_committed() {
    let repo = Repo::with_fruit();
    repo.ok(&["branch", "feature"]);
    repo.sql("UPDATE fruit SET price = 90 WHERE id = 2");
    repo.ok(&["commit", "-am", "pear 90"]);
    repo.ok(&["checkout", "feature"]);
    repo.sql("UPDATE fruit SET price = 60 WHERE id = 2; INSERT INTO fruit VALUES (3, 'fig', 300)");
    repo.ok(&["commit", "-am", "pear 60, fig"]);
    repo.ok(&["checkout", "main"]);
    assert_eq!(repo.run(&["merge", "feature"]).status.code(), Some(1));
    assert_eq!(
        repo.ok(&["conflicts", "cat"]),
        lines(&[
            "table fruit: both sides changed price",
            "         | id | name | price",
            "  base   | 2  | pear | 75",
            "  ours   | 2  | pear | 90",
            "  theirs | 2  | pear | 60",
        ])
    );
    assert_eq!(
        repo.ok(&["conflicts", "resolve", "--theirs", "fruit"]),
        "resolved 1 conflict in fruit\n"
    );
    assert_eq!(
        repo.status(),
        lines(&[
            "On branch main",
            "All conflicts fixed but you are still merging.",
            "  (use \"arbor commit\" to conclude merge)",
            "",
            "Changes to be committed:",
            "  (use \"arbor restore --staged <table>...\" to unstage)",
            "\tmodified:  fruit",
            "",
        ])
    );
    let out = repo.ok(&["commit"]);
    let merge = repo.short("HEAD");
    assert_eq!(out, format!("[main {merge}] Merge feature into main\n"));
}

/// `--squash` says the changes wait in the working set.
#[test]
fn merge_squash() {
    let repo = Repo::new();
    repo.ok(&["checkout", "-b", "feature"]);
    repo.ok(&["commit", "--allow-empty", "-m", "ahead"]);
    repo.ok(&["checkout", "main"]);
    assert_eq!(
        repo.ok(&["merge", "--squash", "feature"]),
        "Squash merge: changes are in the working set; commit them with `arbor commit`.\n"
    );
}

/// A merge that would overwrite uncommitted changes is refused with the
/// colliding tables named and the command's hint.
#[test]
fn merge_errors_and_uncommitted_changes() {
    let repo = Repo::with_fruit();
    repo.ok(&["checkout", "-b", "feature"]);
    repo.sql("INSERT INTO fruit VALUES (3, 'fig', 300)");
    repo.ok(&["commit", "-am", "fig"]);
    repo.ok(&["checkout", "main"]);
    repo.sql("UPDATE fruit SET price = 1 WHERE id = 1");
    assert_eq!(
        repo.err(&["merge", "feature"]),
        "error: your uncommitted changes would be overwritten by the merge: fruit\n\
         hint: commit them (`arbor commit -am ...`) or discard them (`arbor reset --hard`) first\n"
    );
}

/// With no author configured, a merge commit is refused and a
/// fast-forward (which records nobody) is not.
#[test]
fn merge_needs_an_identity_only_for_a_merge_commit() {
    let repo = Repo::new();
    repo.ok(&["checkout", "-b", "feature"]);
    repo.ok(&["commit", "--allow-empty", "-m", "ahead"]);
    repo.ok(&["checkout", "main"]);
    let out = repo.run_anonymous(&["merge", "--no-ff", "feature"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stderr.starts_with("error: author identity unknown\n"));
    let out = repo.run_anonymous(&["merge", "feature"]);
    assert!(out.status.success(), "{}", out.stderr);
}

// ---------------------------------------------------------------- reset

/// `reset --hard` prints nothing; an unknown revision is refused with the
/// command's hint, and clap rejects `--soft` with `--hard`.
#[test]
fn reset_errors() {
    let repo = Repo::new();
    assert_eq!(repo.ok(&["reset", "--hard"]), "");
    assert_eq!(
        repo.err(&["reset", "--hard", "fruit"]),
        "error: unknown revision 'fruit'\n\
         hint: name a branch, a tag, a commit hash, or HEAD, optionally followed by ~n or ^n\n"
    );
    let out = repo.run(&["reset", "--soft", "--hard"]);
    assert_eq!(out.status.code(), Some(2), "clap rejects the pair");
}

// ---------------------------------------------------------------- tag

/// `tag` lists tags by name (nothing when there are none); `tag -d` says
/// what it deleted.
#[test]
fn tag_create_list_delete() {
    let repo = Repo::new();
    assert_eq!(repo.ok(&["tag"]), "");
    repo.ok(&["tag", "v2"]);
    repo.ok(&["tag", "v1", "HEAD"]);
    assert_eq!(repo.ok(&["tag"]), "v1\nv2\n");
    assert_eq!(repo.ok(&["tag", "-d", "v1"]), "Deleted tag 'v1'\n");
    assert_eq!(repo.ok(&["tag"]), "v2\n");
}

/// An annotated tag (`-m`): `show` prints it before the commit, `tag -n`
/// lists messages (a lightweight tag's commit subject); deleted, its commit
/// stays, and gc and fsck keep what is referenced.
#[test]
fn annotated_tags() {
    let repo = Repo::with_fruit();
    repo.ok(&["tag", "-m", "first release\n\nwith fruit", "v1"]);
    repo.ok(&["tag", "light", "HEAD~1"]);
    let show = repo.ok(&["show", "v1"]);
    assert!(
        show.starts_with(&format!(
            "tag v1\nTagger: {NAME} <{EMAIL}>\nDate:   {DATE_SHOWN}\n\nfirst release\n\nwith fruit\n\ncommit {}\n",
            repo.hash("main")
        )),
        "{show}"
    );
    assert!(repo.ok(&["show", "light"]).starts_with("commit "));
    assert_eq!(
        repo.ok(&["tag", "-n"]),
        "light Initialize data repository\nv1    first release\n"
    );
    repo.ok(&[
        "tag",
        "-m",
        "by Bo",
        "--author",
        "Bo Chen <bo@example.com>",
        "v2",
        "HEAD~1",
    ]);
    // Deleting an annotated tag; its commit stays; fsck and gc keep what is referenced.
    repo.ok(&["tag", "-d", "v1"]);
    repo.ok(&["gc"]);
    repo.ok(&["fsck"]);
    assert_eq!(repo.hash("v2"), INIT);
}

/// `log --graph` draws branches and merges beside the commits, as Git does.
#[test]
fn log_graph_draws_branches_and_merges() {
    let repo = Repo::with_fruit();
    repo.ok(&["branch", "f"]);
    let commit = |message: &str, id: i32| {
        repo.sql(&format!(
            "INSERT INTO fruit VALUES ({id}, '{message}', {id})"
        ));
        repo.ok(&["commit", "-am", message]);
    };
    commit("a1", 10);
    repo.ok(&["checkout", "f"]);
    commit("b1", 20);
    commit("b2", 21);
    repo.ok(&["checkout", "main"]);
    commit("a2", 11);
    repo.ok(&["merge", "f", "-m", "merge f"]);
    commit("after", 12);
    // Hashes aside (they are checked elsewhere), the drawing:
    let drawing: Vec<String> = repo
        .ok(&["log", "--graph", "--oneline"])
        .lines()
        .map(|l| {
            let words: Vec<&str> = l.split(' ').collect();
            let hash = words
                .iter()
                .position(|w| w.len() == 8 && w.chars().all(|c| c.is_ascii_hexdigit()));
            let kept: Vec<&str> = words
                .iter()
                .enumerate()
                .filter(|(i, _)| Some(*i) != hash)
                .map(|(_, w)| *w)
                .collect();
            kept.join(" ")
        })
        .collect();
    assert_eq!(
        drawing.join("\n"),
        "* after
* merge f
|\\
| * b2
* | a2
| * b1
* | a1
|/
* fruit
* Initialize data repository"
    );
    let full = repo.ok(&["log", "--graph", "-n", "2"]);
    let lines: Vec<&str> = full.lines().collect();
    assert_eq!(lines[0], format!("* commit {}", repo.hash("main")));
    assert_eq!(lines[1], format!("| Author: {NAME} <{EMAIL}>"));
    assert_eq!(lines[6], format!("* commit {}", repo.hash("main~1")));
    assert_eq!(lines[7], "|\\");
    assert_eq!(
        lines[8],
        format!("| | Merge: {} {}", repo.short("main~2"), repo.short("f"))
    );
    assert_eq!(
        repo.err(&["log", "--graph", "--", "fruit"]),
        "error: --graph does not combine with a table filter\nhint: drop --graph, or the tables after --\n"
    );
}

/// Views are part of a version: `diff` and `show` report a new view, and
/// `--exit-code` counts it as a difference.
#[test]
fn views_show_in_diff_and_show() {
    let repo = Repo::with_fruit();
    repo.sql("CREATE VIEW cheap AS SELECT id FROM fruit WHERE price < 100");
    let out = repo.run(&["diff", "--exit-code"]);
    assert_eq!(out.status.code(), Some(1));
    let text = out.stdout;
    assert!(text.contains("view cheap added"), "{text}");
    repo.ok(&["commit", "-am", "a view"]);
    let shown = repo.ok(&["show"]);
    assert!(shown.contains("view cheap added"), "{shown}");
    assert_eq!(repo.run(&["diff", "--exit-code"]).status.code(), Some(0));
}

/// `gc` drops what no ref reaches and keeps everything that one does:
/// history, branches, tags and uncommitted changes.
#[test]
fn gc_shrinks_the_journal_and_keeps_everything_reachable() {
    let repo = Repo::with_fruit();
    for price in 1..20 {
        repo.sql(&format!("UPDATE fruit SET price = {price} WHERE id = 1"));
    }
    repo.ok(&["commit", "-am", "many updates"]);
    repo.ok(&["tag", "v1"]);
    repo.ok(&["branch", "side", "HEAD~1"]);
    repo.sql("UPDATE fruit SET name = 'uncommitted' WHERE id = 2");
    let journal = repo.dir.path().join(".arbor/journal");
    let before = std::fs::metadata(&journal).unwrap().len();
    let log_before = repo.ok(&["log", "--oneline"]);
    let out = repo.ok(&["gc"]);
    assert!(out.starts_with("kept "), "{out}");
    let after = std::fs::metadata(&journal).unwrap().len();
    assert!(after < before, "journal {before} -> {after} bytes");
    assert!(repo.ok(&["fsck"]).contains("no problems"));
    assert_eq!(repo.ok(&["log", "--oneline"]), log_before);
    assert_eq!(
        repo.csv("SELECT price FROM fruit AS OF 'side' WHERE id = 1"),
        "price\n100\n"
    );
    assert_eq!(
        repo.csv("SELECT price FROM fruit AS OF 'v1' WHERE id = 1"),
        "price\n19\n"
    );
    assert_eq!(
        repo.csv("SELECT name FROM fruit WHERE id = 2"),
        "name\nuncommitted\n"
    );
    // A second run finds nothing more to drop.
    repo.ok(&["gc"]);
    assert_eq!(std::fs::metadata(&journal).unwrap().len(), after);
}

/// `diff --format` for CI: JSON lines, CSV and Markdown carry the same
/// changes, text with commas and quotes survives, and --exit-code holds.
#[test]
fn diff_formats_for_ci() {
    let repo = Repo::with_fruit();
    repo.sql("UPDATE fruit SET price = 120 WHERE id = 1; DELETE FROM fruit WHERE id = 2; INSERT INTO fruit VALUES (3, 'kiwi, \"gold\"', NULL)");
    assert_eq!(
        repo.ok(&["diff", "--format", "jsonl"]),
        "{\"changed\":[\"price\"],\"diff_type\":\"modified\",\"from\":{\"id\":1,\"name\":\"apple\",\"price\":100},\"table\":\"fruit\",\"to\":{\"id\":1,\"name\":\"apple\",\"price\":120}}\n\
         {\"changed\":[],\"diff_type\":\"removed\",\"from\":{\"id\":2,\"name\":\"pear\",\"price\":75},\"table\":\"fruit\",\"to\":null}\n\
         {\"changed\":[],\"diff_type\":\"added\",\"from\":null,\"table\":\"fruit\",\"to\":{\"id\":3,\"name\":\"kiwi, \\\"gold\\\"\",\"price\":null}}\n"
    );
    assert_eq!(
        repo.ok(&["diff", "--format", "csv", "fruit"]),
        "diff_type,from_id,from_name,from_price,to_id,to_name,to_price\n\
         modified,1,apple,100,1,apple,120\n\
         removed,2,pear,75,,,\n\
         added,,,,3,\"kiwi, \"\"gold\"\"\",\n"
    );
    let markdown = repo.ok(&["diff", "--format", "markdown"]);
    assert!(
        markdown.contains("| fruit | modified | 1 | 1 | 1 | 1 |"),
        "{markdown}"
    );
    assert!(
        markdown.contains("| > | 1 | apple | **120** |"),
        "{markdown}"
    );
    let json = repo.ok(&["diff", "--format", "json"]);
    assert!(json.contains("\"name\": \"fruit\""), "{json}");
    assert_eq!(
        repo.run(&["diff", "--format", "json", "--exit-code"])
            .status
            .code(),
        Some(1)
    );
    repo.ok(&["commit", "-am", "changes"]);
    assert_eq!(
        repo.run(&["diff", "--format", "jsonl", "--exit-code"])
            .status
            .code(),
        Some(0)
    );
}

/// `diff --filter`, `--limit`, `--skinny` and `--name-only` narrow what is shown.
#[test]
fn diff_filters_and_views() {
    let repo = Repo::with_fruit();
    repo.sql("ALTER TABLE fruit ADD COLUMN note text; UPDATE fruit SET price = 120 WHERE id = 1; INSERT INTO fruit VALUES (3, 'kiwi', 50, NULL), (4, 'fig', 60, NULL)");
    repo.ok(&["commit", "-am", "more"]);
    assert_eq!(
        repo.ok(&["diff", "--name-only", "HEAD~1", "HEAD"]),
        "fruit\n"
    );
    let added = repo.ok(&[
        "diff", "--format", "csv", "--filter", "added", "--limit", "1", "HEAD~1", "HEAD", "fruit",
    ]);
    assert_eq!(
        added,
        "diff_type,from_id,from_name,from_price,from_note,to_id,to_name,to_price,to_note\nadded,,,,,3,kiwi,50,\n"
    );
    let skinny = repo.ok(&[
        "diff", "--format", "csv", "--skinny", "--filter", "modified", "HEAD~1", "HEAD", "fruit",
    ]);
    assert_eq!(
        skinny,
        "diff_type,from_id,from_price,to_id,to_price\nmodified,1,100,1,120\n"
    );
    let jsonl = repo.ok(&[
        "diff", "--format", "jsonl", "--skinny", "--filter", "modified", "HEAD~1", "HEAD",
    ]);
    assert!(
        jsonl.contains("\"from\":{\"id\":1,\"price\":100}"),
        "{jsonl}"
    );
}

/// Commands that only read run while another process holds the writer lock.
#[test]
fn reading_commands_run_beside_a_writer() {
    let repo = Repo::with_fruit();
    // This test process takes the writer lock, as an open `arbor sql` shell would.
    let writer = arbor_engine::ops::open_disk_store(repo.dir.path()).unwrap();
    for args in [
        &["log", "--oneline"][..],
        &["status"],
        &["diff"],
        &["show"],
        &["branch"],
        &["tag"],
    ] {
        let out = repo.run(args);
        assert!(out.status.success(), "arbor {args:?}: {}", out.stderr);
    }
    drop(writer);
}

/// `diff --where` filters rows by a SQL predicate over diff_type, from_ and
/// to_ columns, and with --exit-code gates a CI job on what it selects.
#[test]
fn diff_where_gates_on_selected_rows() {
    let repo = Repo::with_fruit();
    repo.sql("UPDATE fruit SET price = 300 WHERE id = 1; UPDATE fruit SET price = 80 WHERE id = 2");
    let doubled = repo.ok(&[
        "diff",
        "--format",
        "csv",
        "--where",
        "to_price > from_price * 2",
        "fruit",
    ]);
    assert_eq!(
        doubled,
        "diff_type,from_id,from_name,from_price,to_id,to_name,to_price\nmodified,1,apple,100,1,apple,300\n"
    );
    assert_eq!(
        repo.run(&["diff", "--exit-code", "--where", "to_price > 1000"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        repo.run(&["diff", "--exit-code", "--where", "to_price > 250"])
            .status
            .code(),
        Some(1)
    );
    let bad = repo.run(&["diff", "--where", "nope > 1", "--format", "jsonl"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        bad.stderr
            .contains("--where: column \"nope\" does not exist"),
        "{}",
        bad.stderr
    );
}

/// `stash` names what it saved (by default, after the head's subject),
/// `stash list` lists it, and `stash pop` brings it back.
#[test]
fn stash_push_list_pop() {
    let repo = Repo::with_fruit();
    repo.sql("UPDATE fruit SET price = 1 WHERE id = 1");
    assert!(repo.ok(&["stash"]).contains("WIP on main: fruit"));
    assert_eq!(
        repo.ok(&["stash", "list"]),
        "stash@{0}: WIP on main: fruit\n"
    );
    repo.ok(&["stash", "pop"]);
    assert_eq!(repo.ok(&["stash", "list"]), "");
}

/// A table made and never added is untracked: `status` lists it apart,
/// `reset --hard` and `stash` leave it where it is (`stash -u` takes it
/// too), and `checkout` onto a branch with a table of its name is refused
/// with the command's hint, while one without takes it along.
#[test]
fn untracked_tables_survive_reset_stash_and_checkout() {
    let repo = Repo::with_fruit();
    repo.ok(&["branch", "plain"]);
    repo.ok(&["checkout", "-b", "other"]);
    repo.sql("CREATE TABLE n (id integer PRIMARY KEY)");
    repo.ok(&["commit", "-Am", "n on other"]);
    repo.ok(&["checkout", "main"]);
    repo.sql("CREATE TABLE n (id int PRIMARY KEY, name text); INSERT INTO n VALUES (1, 'mine')");
    let untracked = [
        "Untracked tables:",
        "  (use \"arbor add <table>\" to include in what will be committed)",
        "\tnew table: n",
        "",
    ];
    let mut only_untracked = vec!["On branch main"];
    only_untracked.extend(untracked);
    only_untracked
        .push("nothing added to commit but untracked tables present (use \"arbor add\" to track)");
    assert_eq!(repo.status(), lines(&only_untracked));
    let mine = "id,name\n1,mine\n";
    // reset --hard discards the change to fruit, not n.
    repo.sql("UPDATE fruit SET price = 1 WHERE id = 1");
    let mut both = vec![
        "On branch main",
        "Changes not staged for commit:",
        "  (use \"arbor add <table>\" to update what will be committed)",
        "  (use \"arbor restore <table>...\" to discard changes in the working set)",
        "\tmodified:  fruit",
        "",
    ];
    both.extend(untracked);
    assert_eq!(repo.status(), lines(&both));
    assert_eq!(repo.ok(&["reset", "--hard"]), "");
    assert_eq!(repo.csv("SELECT * FROM n"), mine);
    assert_eq!(
        repo.csv("SELECT price FROM fruit WHERE id = 1"),
        "price\n100\n"
    );
    assert_eq!(repo.status(), lines(&only_untracked));
    // stash puts the change to fruit aside, not n; n alone is nothing to save.
    repo.sql("UPDATE fruit SET price = 1 WHERE id = 1");
    assert!(repo.ok(&["stash"]).contains("WIP on main: fruit"));
    assert_eq!(repo.csv("SELECT * FROM n"), mine);
    assert_eq!(repo.status(), lines(&only_untracked));
    // As Git: said, and no failure.
    assert_eq!(repo.ok(&["stash"]), "No local changes to save\n");
    repo.ok(&["stash", "pop"]);
    assert_eq!(repo.status(), lines(&both));
    // other has a table n: checking it out would overwrite ours.
    let refused = "error: untracked tables would be overwritten by checking out 'other': n\n\
         hint: commit them (`arbor add <table>`, then `arbor commit`), or rename or drop them, first\n";
    assert_eq!(repo.err(&["checkout", "other"]), refused);
    assert_eq!(repo.err(&["switch", "other"]), refused);
    assert_eq!(repo.csv("SELECT * FROM n"), mine);
    // stash -u takes n too, and pop brings it back.
    repo.ok(&["stash", "-u"]);
    assert_eq!(
        repo.status(),
        "On branch main\nnothing to commit, working tree clean\n"
    );
    repo.ok(&["stash", "pop"]);
    assert_eq!(repo.status(), lines(&both));
    repo.ok(&["stash", "push", "--include-untracked", "-m", "all"]);
    assert_eq!(repo.ok(&["stash", "list"]), "stash@{0}: WIP on main: all\n");
    repo.ok(&["stash", "pop"]);
    // plain has no n: the checkout takes n (and the change to fruit) along.
    repo.ok(&["checkout", "plain"]);
    assert_eq!(repo.csv("SELECT * FROM n"), mine);
    assert_eq!(
        repo.status(),
        lines(&both).replace("branch main", "branch plain")
    );
}

/// `blame` prints, for each row, the commit that last changed it, at HEAD
/// or at a revision.
#[test]
fn blame_names_the_last_change_of_each_row() {
    let repo = Repo::with_fruit();
    repo.sql("UPDATE fruit SET price = 99 WHERE id = 2; INSERT INTO fruit VALUES (3, 'fig', 10)");
    repo.ok(&["commit", "-am", "pear and fig"]);
    repo.sql("UPDATE fruit SET name = 'figs' WHERE id = 3");
    repo.ok(&["commit", "-am", "figs"]);
    let out = repo.ok(&["blame", "fruit", "--format", "csv"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "commit,author,message,id,name,price");
    assert!(lines[1].ends_with(",Ann Lee,fruit,1,apple,100"), "{out}");
    assert!(
        lines[2].ends_with(",Ann Lee,pear and fig,2,pear,99"),
        "{out}"
    );
    assert!(lines[3].ends_with(",Ann Lee,figs,3,figs,10"), "{out}");
    // At an older revision, the fig row was last changed by its insert.
    let older = repo.ok(&["blame", "fruit", "HEAD~1", "--format", "csv"]);
    assert!(
        older
            .lines()
            .nth(3)
            .unwrap()
            .contains(",pear and fig,3,fig,10"),
        "{older}"
    );
}

#[test]
fn the_author_comes_from_flags_environment_arbor_config_then_git() {
    let repo = Repo::new();
    repo.sql("CREATE TABLE t (id integer PRIMARY KEY)");
    let author = || {
        let log = repo.ok(&["log", "-n", "1"]);
        log.lines().nth(1).unwrap_or_default().to_owned()
    };
    let commit = |message: &str| {
        repo.sql(&format!("INSERT INTO t VALUES ({})", message.len()));
        let out = repo.run_anonymous(&["commit", "-am", message]);
        assert!(out.status.success(), "{}", out.stderr);
    };
    let out = repo.run_anonymous(&["commit", "-am", "nobody"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        out.stderr.starts_with(
            "error: author identity unknown\nhint: set it with `arbor config --global user.name"
        ),
        "{}",
        out.stderr
    );
    // Git's configuration, read with gix-config.
    std::fs::write(
        repo.dir.env().git_config(),
        "[user]\n\tname = Git User\n\temail = git@example.com\n",
    )
    .unwrap();
    commit("git");
    assert_eq!(author(), "Author: Git User <git@example.com>");
    // Arbor's global settings win over Git's; the repository's over both.
    repo.ok(&["config", "--global", "user.name", "Global Ann"]);
    repo.ok(&["config", "--global", "user.email", "ann@global"]);
    commit("global");
    assert_eq!(author(), "Author: Global Ann <ann@global>");
    repo.ok(&["config", "user.email", "ann@local"]);
    commit("local");
    assert_eq!(author(), "Author: Global Ann <ann@local>");
    assert_eq!(
        repo.ok(&["config", "--list"]),
        "user.email=ann@local\nuser.name=Global Ann\n"
    );
    assert_eq!(
        repo.ok(&["config", "--global", "--list"]),
        "user.email=ann@global\nuser.name=Global Ann\n"
    );
    assert_eq!(repo.ok(&["config", "user.email"]), "ann@local\n");
    assert_eq!(
        repo.ok(&["config", "--global", "user.email"]),
        "ann@global\n"
    );
    // The environment wins over configuration, --author over everything.
    repo.sql("INSERT INTO t VALUES (100)");
    repo.ok(&["commit", "-am", "env"]);
    assert_eq!(author(), format!("Author: {NAME} <{EMAIL}>"));
    repo.sql("INSERT INTO t VALUES (101)");
    repo.ok(&[
        "commit",
        "-am",
        "flag",
        "--author",
        "Bo Chen <bo@example.com>",
    ]);
    assert_eq!(author(), "Author: Bo Chen <bo@example.com>");
    // Unset, unknown and invalid names.
    repo.ok(&["config", "--unset", "user.email"]);
    assert_eq!(repo.ok(&["config", "user.email"]), "ann@global\n");
    assert_eq!(repo.run(&["config", "core.nothing"]).status.code(), Some(1));
    assert_eq!(
        repo.err(&["config", "--unset", "user.email"]),
        "error: 'user.email' is not set\n"
    );
    assert_eq!(
        repo.err(&["config", "name", "x"]),
        "error: invalid setting name 'name'\nhint: names are section.key, like user.name\n"
    );
    // The files are JSON, written whole.
    let global: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo.dir.env().arbor_config()).unwrap())
            .unwrap();
    assert_eq!(
        global,
        serde_json::json!({"user.name": "Global Ann", "user.email": "ann@global"})
    );
    // A damaged file is an error that names it.
    std::fs::write(repo.dir.env().arbor_config(), "{not json").unwrap();
    let err = repo.err(&["config", "--global", "--list"]);
    assert!(
        err.contains("arbor-global.json: not a configuration file"),
        "{err}"
    );
}

/// Names with characters that do not show (a direction override, a
/// zero-width space) are shown escaped, so that one name cannot pass for
/// another in status, branch and tag lists.
#[test]
fn invisible_characters_in_names_are_shown_escaped() {
    let repo = Repo::new();
    repo.sql("CREATE TABLE \"inv\u{202e}txt\" (id int)");
    assert!(
        repo.status().contains("\tnew table: inv\\u{202e}txt\n"),
        "{}",
        repo.status()
    );
    repo.ok(&["branch", "x\u{200b}y"]);
    assert_eq!(repo.ok(&["branch"]), "* main\n  x\\u{200b}y\n");
    repo.ok(&["tag", "v\u{feff}1"]);
    assert_eq!(repo.ok(&["tag"]), "v\\u{feff}1\n");
}

/// A name that is both a branch and a table is ambiguous to `diff`, as a
/// name both a revision and a path is to Git: `--` says the table, a full
/// ref name the branch.
#[test]
fn diff_says_a_name_both_a_branch_and_a_table_is_ambiguous() {
    let repo = Repo::with_fruit();
    repo.ok(&["branch", "fruit"]);
    repo.sql("UPDATE fruit SET price = 1 WHERE id = 1");
    let err = repo.err(&["diff", "fruit"]);
    assert!(
        err.starts_with("error: 'fruit' is both a revision and a table: ambiguous\n"),
        "{err}"
    );
    assert!(err.contains("arbor diff -- fruit"), "{err}");
    let by_table = repo.ok(&["diff", "--stat", "--", "fruit"]);
    assert!(
        by_table.contains("fruit: 0 rows added, 0 rows deleted, 1 row modified"),
        "{by_table}"
    );
    let by_branch = repo.ok(&["diff", "--stat", "refs/heads/fruit"]);
    assert_eq!(by_table, by_branch);
    assert!(
        repo.err(&["diff", "HEAD", "nope", "--", "fruit"])
            .contains("is not a revision")
    );
}

/// `conflicts resolve` with no merge in progress says there is nothing to
/// resolve and succeeds, as `stash` with nothing to save does.
#[test]
fn nothing_to_resolve_or_stash_is_no_failure() {
    let repo = Repo::with_fruit();
    assert_eq!(
        repo.ok(&["conflicts", "resolve", "--ours", "fruit"]),
        "there is no merge in progress: nothing to resolve\n"
    );
    assert_eq!(repo.ok(&["stash"]), "No local changes to save\n");
}

/// `conflicts resolve --ours .` resolves every table with conflicts, as
/// `git checkout --ours .` takes every path.
#[test]
fn conflicts_resolve_dot_takes_every_table() {
    let repo = Repo::with_fruit();
    repo.sql(
        "CREATE TABLE veg (id integer PRIMARY KEY, name text); INSERT INTO veg VALUES (1, 'leek')",
    );
    repo.ok(&["commit", "-Am", "veg"]);
    repo.ok(&["branch", "feature"]);
    repo.sql("UPDATE fruit SET price = 90 WHERE id = 2; UPDATE veg SET name = 'kale' WHERE id = 1");
    repo.ok(&["commit", "-am", "ours"]);
    repo.ok(&["checkout", "feature"]);
    repo.sql("UPDATE fruit SET price = 60 WHERE id = 2; UPDATE veg SET name = 'okra' WHERE id = 1");
    repo.ok(&["commit", "-am", "theirs"]);
    repo.ok(&["checkout", "main"]);
    assert_eq!(repo.run(&["merge", "feature"]).status.code(), Some(1));
    assert_eq!(
        repo.ok(&["conflicts", "resolve", "--theirs", "."]),
        "resolved 1 conflict in fruit\nresolved 1 conflict in veg\n"
    );
    repo.ok(&["commit", "-m", "merged"]);
    assert_eq!(repo.csv("SELECT name FROM veg"), "name\nokra\n");
}

/// `merge --no-commit` stops before the merge commit as if there had been
/// conflicts: the merged rows wait staged, status says the merge waits for
/// its commit, and `commit` concludes it with both parents.
#[test]
fn merge_no_commit_waits_for_the_commit() {
    let repo = Repo::with_fruit();
    repo.ok(&["branch", "feature"]);
    repo.sql("UPDATE fruit SET price = 90 WHERE id = 2");
    repo.ok(&["commit", "-am", "ours"]);
    repo.ok(&["checkout", "feature"]);
    repo.sql("INSERT INTO fruit VALUES (3, 'fig', 300)");
    repo.ok(&["commit", "-am", "theirs"]);
    repo.ok(&["checkout", "main"]);
    let head = repo.ok(&["log", "--oneline"]);
    repo.ok(&["merge", "--no-commit", "feature"]);
    assert_eq!(repo.ok(&["log", "--oneline"]), head, "no commit yet");
    assert!(
        repo.status()
            .contains("All conflicts fixed but you are still merging."),
        "{}",
        repo.status()
    );
    assert_eq!(
        repo.csv("SELECT id FROM fruit ORDER BY id"),
        "id\n1\n2\n3\n"
    );
    repo.ok(&["commit", "-m", "merged"]);
    assert!(
        repo.ok(&["show", "HEAD"]).contains("\nMerge: "),
        "a merge commit"
    );
}

/// `arbor ls` lists the tables of the working set, or of a revision; with
/// `--all` the views and the system tables too, as `dolt ls` does.
#[test]
fn ls_lists_tables() {
    let repo = Repo::with_fruit();
    repo.sql("CREATE TABLE veg (id integer PRIMARY KEY); CREATE VIEW cheap AS SELECT * FROM fruit");
    assert_eq!(repo.ok(&["ls"]), "Tables in working set:\n\tfruit\n\tveg\n");
    assert_eq!(repo.ok(&["ls", "HEAD"]), "Tables in HEAD:\n\tfruit\n");
    let all = repo.ok(&["ls", "--all"]);
    assert!(all.contains("\nViews:\n\tcheap\n"), "{all}");
    assert!(
        all.contains("\tarbor_log\n") && all.contains("\tarbor_diff_veg\n"),
        "{all}"
    );
    assert!(repo.err(&["ls", "nope"]).contains("nope"));
}
