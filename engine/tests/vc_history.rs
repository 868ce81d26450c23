//! Naming commits and reading history through the library: the revision
//! syntax (`~n`, `^n`, `@`, abbreviated hashes), tags (lightweight and
//! annotated, made with `arbor_tag`, seen in `arbor_tags`) as revisions,
//! and blame.
//! (The command line's rendering of the same is in `cli/tests/vcs.rs`.)

#![allow(clippy::unwrap_used)]

mod common;

use arbor_engine::ops::{self, blame, log, tag_infos};
use arbor_engine::{CommitArgs, MergeArgs, SqlState, Value, VcError};
use common::{EMAIL, INIT, NAME, NOW, Repo};

fn allow_empty(message: &str) -> CommitArgs {
    CommitArgs {
        message: Some(message.into()),
        allow_empty: true,
        ..CommitArgs::default()
    }
}

/// The tags, by name.
fn tags(repo: &Repo) -> Vec<String> {
    repo.rows("SELECT tag_name FROM arbor_tags ORDER BY tag_name")
}

// ---------------------------------------------------------------- revisions

/// `~n` follows first parents, `^n` picks the n-th parent (`^` is `^1`,
/// `^0` the commit itself), `@` is HEAD, and a hash may be abbreviated to
/// 4 or more digits, in either case; going past the history is an error.
#[test]
fn revisions() {
    let repo = Repo::with_fruit();
    repo.call("SELECT arbor_checkout('-b', 'feature')").unwrap();
    repo.commit(&allow_empty("f1")).unwrap();
    repo.db.checkout("main").unwrap();
    repo.commit(&allow_empty("m1")).unwrap();
    repo.on()
        .merge(&MergeArgs {
            revision: Some("feature".into()),
            message: Some("merge".into()),
            ..MergeArgs::default()
        })
        .unwrap();
    let subject = |rev: &str| repo.db.commit_at(&repo.hash(rev)).unwrap().message;
    assert_eq!(subject("HEAD"), "merge");
    assert_eq!(subject("@"), "merge");
    assert_eq!(subject("HEAD^0"), "merge");
    assert_eq!(subject("HEAD^"), "m1");
    assert_eq!(subject("HEAD^1"), "m1");
    assert_eq!(subject("HEAD~1"), "m1");
    assert_eq!(subject("HEAD^2"), "f1");
    assert_eq!(subject("HEAD^2~1"), "fruit");
    assert_eq!(subject("HEAD~2"), "fruit");
    assert_eq!(subject("HEAD~~"), "fruit");
    assert_eq!(subject("HEAD~3"), "Initialize data repository");
    assert_eq!(subject("main~1"), "m1");
    assert_eq!(subject("feature^"), "fruit");
    let full = repo.hash("HEAD^2").to_hex();
    assert_eq!(subject(&full), "f1");
    assert_eq!(subject(&full[..4]), "f1");
    assert_eq!(subject(&full[..8].to_uppercase()), "f1");
    assert_eq!(subject(&format!("{}~1", &full[..8])), "fruit");
    assert_eq!(subject(&INIT[..6]), "Initialize data repository");
    // SQL resolves the same.
    assert_eq!(
        repo.call("SELECT arbor_hashof('HEAD^2')").unwrap(),
        Value::Text(full.clone())
    );
    let e = repo.db.resolve("HEAD~4").unwrap_err();
    assert_eq!(e.code, SqlState::UndefinedObject);
    assert_eq!(
        e.message,
        format!("revision 'HEAD~4' goes past the commit {}", &INIT[..12])
    );
    assert_eq!(e.hint.as_deref(), Some("that commit has fewer parents"));
    for past in ["HEAD^3", "HEAD~1^2"] {
        let e = repo.db.resolve(past).unwrap_err();
        assert!(
            e.message
                .starts_with(&format!("revision '{past}' goes past the commit ")),
            "{e:?}"
        );
    }
    let e = repo.db.resolve("fff").unwrap_err();
    assert_eq!(e.vc, Some(VcError::UnknownRevision));
    assert_eq!(e.code, SqlState::UndefinedObject);
    assert_eq!(e.message, "unknown revision 'fff'");
    let e = repo.sql_err("SELECT arbor_hashof('nosuch')");
    assert_eq!(e.vc, Some(VcError::UnknownRevision));
}

// ---------------------------------------------------------------- tags

/// Tags are created at HEAD or a revision, refused when they exist
/// (unless -f), and deleted; a bad name or revision is refused.
#[test]
fn tag_create_list_delete() {
    let repo = Repo::with_fruit();
    assert_eq!(tags(&repo), Vec::<String>::new());
    repo.call("SELECT arbor_tag('v2')").unwrap();
    repo.call("SELECT arbor_tag('v1', 'HEAD~1')").unwrap();
    assert_eq!(tags(&repo), ["v1", "v2"]);
    assert_eq!(repo.hash("v1").to_hex(), INIT);
    assert_eq!(repo.hash("v2"), repo.hash("main"));
    let e = repo.sql_err("SELECT arbor_tag('v1')");
    assert_eq!(e.code, SqlState::DuplicateObject);
    assert_eq!(e.message, "tag 'v1' already exists");
    assert_eq!(repo.hash("v1").to_hex(), INIT);
    repo.call("SELECT arbor_tag('-f', 'v1', 'HEAD')").unwrap();
    assert_eq!(repo.hash("v1"), repo.hash("HEAD"));
    repo.call("SELECT arbor_tag('-d', 'v1')").unwrap();
    assert_eq!(tags(&repo), ["v2"]);
    let e = repo.sql_err("SELECT arbor_tag('-d', 'v1')");
    assert_eq!(e.code, SqlState::UndefinedObject);
    assert_eq!(e.message, "tag 'v1' not found");
    let e = repo.db.resolve("v1").unwrap_err();
    assert_eq!(e.vc, Some(VcError::UnknownRevision));
    assert_eq!(e.message, "unknown revision 'v1'");
    let e = repo.sql_err("SELECT arbor_tag('bad tag')");
    assert_eq!(e.code, SqlState::SyntaxError);
    assert_eq!(e.message, "'bad tag' is not a valid tag name");
    assert_eq!(
        e.hint.as_deref(),
        Some("tag names cannot contain spaces, '..', or any of ~^:?*[\\")
    );
    let e = repo.sql_err("SELECT arbor_tag('v3', 'nosuch')");
    assert_eq!(e.vc, Some(VcError::UnknownRevision));
    assert!(e.message.starts_with("unknown revision 'nosuch'"), "{e:?}");
    assert_eq!(tags(&repo), ["v2"]);
}

/// A tag names its commit wherever a revision goes, `~n` steps included,
/// and does not move when the branch does.
#[test]
fn tag_as_a_revision() {
    let repo = Repo::with_fruit();
    repo.call("SELECT arbor_tag('v1')").unwrap();
    let tagged = repo.head();
    repo.sql("INSERT INTO fruit VALUES (3, 'fig', 300)");
    let fig = repo.commit_all("fig");
    assert_eq!(repo.hash("v1"), tagged);
    assert_eq!(repo.hash("v1"), repo.hash("HEAD~1"));
    assert_eq!(
        repo.rows("SELECT message FROM arbor_log('v1') LIMIT 1"),
        ["fruit"]
    );
    assert_eq!(repo.hash("v1~1").to_hex(), INIT);
    // v1..main: what main has that v1 does not.
    let r = repo.db.repository();
    let range: Vec<_> = log(r, &[repo.hash("main")], &[repo.hash("v1")])
        .unwrap()
        .into_iter()
        .map(|(a, _)| a)
        .collect();
    assert_eq!(range, [fig]);
    let diff = repo.db.diff("v1", "main").unwrap();
    assert_eq!(diff.len(), 1);
    let stat = diff[0].stat(r).unwrap();
    assert_eq!(
        (
            diff[0].name.as_str(),
            stat.rows_added,
            stat.rows_deleted,
            stat.rows_modified,
            stat.cells_modified
        ),
        ("fruit", 1, 0, 0, 0)
    );
    repo.call("SELECT arbor_checkout('-b', 'from-tag', 'v1')")
        .unwrap();
    assert_eq!(repo.head(), tagged);
    assert_eq!(repo.fruit(), ["1,apple,100", "2,pear,75"]);
    repo.db.checkout("main").unwrap();
    repo.call("SELECT arbor_reset('--hard', 'v1')").unwrap();
    assert_eq!(repo.head(), tagged);
    assert_eq!(repo.fruit(), ["1,apple,100", "2,pear,75"]);
    assert_eq!(repo.hash("v1"), tagged);
}

/// An annotated tag (`-m`) keeps who tagged, when and why; it names its
/// commit as a revision; SQL sees it in `arbor_tags`, and makes one with
/// the session's author; deleting it keeps its commit.
/// `arbor_commits` lists every commit a branch, tag or remote-tracking
/// branch reaches (not only the current branch's, as `arbor_log` does);
/// `arbor_commit_ancestors` each commit's parents in order, a root commit
/// with none.
#[test]
fn commits_and_their_ancestors_as_tables() {
    let repo = Repo::with_fruit();
    let fruit = repo.head();
    repo.call("SELECT arbor_checkout('-b', 'side')").unwrap();
    repo.sql("INSERT INTO fruit VALUES (3, 'fig', 300)");
    let side = repo.commit_all("fig");
    repo.call("SELECT arbor_checkout('main')").unwrap();
    repo.sql("INSERT INTO fruit VALUES (4, 'kiwi', 40)");
    let kiwi = repo.commit_all("kiwi");
    repo.call("SELECT arbor_merge('--no-ff', '-m', 'both', 'side')")
        .unwrap();
    let merge = repo.head();
    assert_eq!(
        repo.rows("SELECT count(*) FROM arbor_log"),
        ["5"],
        "main's history: init, fruit, fig, kiwi, merge"
    );
    repo.call("SELECT arbor_reset('--hard', 'HEAD~1')").unwrap();
    // main no longer has fig, but side does: it is still listed.
    assert_eq!(repo.rows("SELECT count(*) FROM arbor_log"), ["3"]);
    assert_eq!(
        repo.rows("SELECT message FROM arbor_commits ORDER BY message"),
        ["Initialize data repository", "fig", "fruit", "kiwi"]
    );
    assert_eq!(
        repo.rows(&format!(
            "SELECT parent_hash, parent_index FROM arbor_commit_ancestors WHERE commit_hash = '{}'",
            side.to_hex()
        )),
        [format!("{},0", fruit.to_hex())]
    );
    assert_eq!(
        repo.rows(&format!(
            "SELECT parent_hash IS NULL FROM arbor_commit_ancestors WHERE commit_hash = '{INIT}'"
        )),
        ["t"]
    );
    // The merge comes back with a tag on it: two parents, in order.
    repo.call(&format!("SELECT arbor_tag('both', '{}')", merge.to_hex()))
        .unwrap();
    assert_eq!(
        repo.rows(&format!(
            "SELECT parent_hash, parent_index FROM arbor_commit_ancestors WHERE commit_hash = '{}' ORDER BY parent_index",
            merge.to_hex()
        )),
        [format!("{},0", kiwi.to_hex()), format!("{},1", side.to_hex())]
    );
}

/// `AS OF` a moment: `TIMESTAMP '...'`, or a text that is no revision but
/// reads as a time, names the newest commit of the branch made at or
/// before it; a moment before every commit is a clear error.
#[test]
fn as_of_a_timestamp() {
    let repo = Repo::with_fruit();
    let at = |sql: &str, seconds: i64| {
        repo.sql(sql);
        repo.commit(&CommitArgs {
            message: Some(format!("at {seconds}")),
            all: true,
            date: Some(seconds.to_string()),
            ..CommitArgs::default()
        })
        .unwrap()
    };
    // 2027-01-15 08:00:00 UTC and 2030-03-17 17:46:40 UTC.
    at("INSERT INTO fruit VALUES (3, 'fig', 300)", 1_800_000_000);
    at("INSERT INTO fruit VALUES (4, 'kiwi', 40)", 1_900_000_000);
    let count = |version: &str| repo.rows(&format!("SELECT count(*) FROM fruit AS OF {version}"));
    assert_eq!(count("TIMESTAMP '2028-01-01'"), ["3"]);
    assert_eq!(count("TIMESTAMP '2030-03-17 17:46:40+00'"), ["4"]);
    assert_eq!(count("TIMESTAMPTZ '2030-03-17 18:46:39+01'"), ["3"]);
    assert_eq!(count("'2031-01-01'"), ["4"]);
    assert_eq!(count("'2024-06-30 12:00:00'"), ["2"]);
    // A revision still wins over a time.
    assert_eq!(count("'HEAD~1'"), ["3"]);
    let e = repo.sql_err("SELECT * FROM fruit AS OF TIMESTAMP '1999-12-31'");
    assert_eq!(e.vc, Some(VcError::UnknownRevision));
    assert_eq!(
        e.message,
        "branch 'main' has no commit made at or before 1999-12-31 00:00:00+00"
    );
    let e = repo.sql_err("SELECT * FROM fruit AS OF 'no-such-thing'");
    assert_eq!(e.vc, Some(VcError::UnknownRevision));
}

/// Every move of a branch head is logged, newest first, and keeps the
/// commit it moved from: a reset and a deleted branch are undone from the
/// reflog (after gc too: the command-line transcript shows it). Working
/// set changes are not logged.
#[test]
fn the_reflog_undoes_a_reset_and_a_deleted_branch() {
    let repo = Repo::with_fruit();
    repo.sql("INSERT INTO fruit VALUES (3, 'fig', 300)");
    let fig = repo.commit_all("fig");
    repo.call("SELECT arbor_branch('side')").unwrap();
    repo.call("SELECT arbor_reset('--hard', 'HEAD~1')").unwrap();
    repo.call("SELECT arbor_branch('-D', 'side')").unwrap();
    repo.sql("UPDATE fruit SET price = 1");
    let r = repo.db.repository();
    let moves: Vec<(String, Option<String>, Option<String>)> = ops::reflog(r, None)
        .unwrap()
        .into_iter()
        .map(|e| {
            (
                e.ref_name,
                e.old.map(|a| a.short(8)),
                e.new.map(|a| a.short(8)),
            )
        })
        .collect();
    let (head, fig8) = (repo.head().short(8), fig.short(8));
    assert_eq!(
        moves[..4],
        [
            ("refs/heads/side".to_owned(), Some(fig8.clone()), None),
            (
                "refs/heads/main".to_owned(),
                Some(fig8.clone()),
                Some(head.clone())
            ),
            ("refs/heads/side".to_owned(), None, Some(fig8.clone())),
            (
                "refs/heads/main".to_owned(),
                Some(head.clone()),
                Some(fig8.clone())
            ),
        ]
    );
    assert_eq!(ops::reflog(r, Some("side")).unwrap().len(), 2);
    assert_eq!(
        repo.rows("SELECT branch, message FROM arbor_reflog LIMIT 2"),
        ["side,NULL", "main,fruit"]
    );
    // Undone from the full hash: the branch comes back with its commit.
    repo.call(&format!("SELECT arbor_branch('side', '{}')", fig.to_hex()))
        .unwrap();
    assert_eq!(repo.hash("side"), fig);
    assert_eq!(repo.rows("SELECT count(*) FROM fruit AS OF 'side'"), ["3"]);
}

#[test]
fn annotated_tags() {
    let repo = Repo::with_fruit();
    repo.call("SELECT arbor_tag('-m', 'first release\n\nwith fruit', 'v1')")
        .unwrap();
    repo.call("SELECT arbor_tag('light', 'HEAD~1')").unwrap();
    assert_eq!(repo.hash("v1"), repo.hash("main"));
    assert_eq!(repo.hash("v1~1").to_hex(), INIT);
    let infos = tag_infos(repo.db.repository()).unwrap();
    assert_eq!(infos.len(), 2);
    let (light, v1) = (&infos[0], &infos[1]);
    assert_eq!(
        (light.name.as_str(), light.commit.to_hex()),
        ("light", INIT.to_owned())
    );
    assert_eq!(light.annotation, None);
    assert_eq!((v1.name.as_str(), v1.commit), ("v1", repo.hash("main")));
    let annotation = v1.annotation.clone().unwrap();
    assert_eq!(annotation.name, "v1");
    assert_eq!(annotation.commit, repo.hash("main"));
    assert_eq!(annotation.message, "first release\n\nwith fruit");
    assert_eq!(
        (
            annotation.tagger.name.as_str(),
            annotation.tagger.email.as_str(),
            annotation.tagger.time,
            annotation.tagger.offset_minutes
        ),
        (NAME, EMAIL, NOW, 0)
    );
    repo.call(
        "SELECT arbor_tag('-m', 'by Bo', '--author', 'Bo Chen <bo@example.com>', 'v2', 'HEAD~1')",
    )
    .unwrap();
    assert_eq!(
        repo.rows("SELECT tag_name, tagger, email, message FROM arbor_tags ORDER BY tag_name"),
        [
            "light,NULL,NULL,NULL",
            "v1,Ann Lee,ann@example.com,first release\n\nwith fruit",
            "v2,Bo Chen,bo@example.com,by Bo",
        ]
    );
    assert_eq!(repo.hash("v2").to_hex(), INIT);
    // From SQL, with the session's author.
    repo.call("SELECT arbor_tag('-m', 'from sql', 'v3')")
        .unwrap();
    assert_eq!(
        repo.rows(
            "SELECT tagger, message, tag_hash = arbor_hashof('HEAD') FROM arbor_tags WHERE tag_name = 'v3'"
        ),
        ["Ann Lee,from sql,t"]
    );
    let e = repo.sql_err("SELECT arbor_tag('--author', 'Bo <b@x>', 'v4')");
    assert_eq!(e.code, SqlState::InvalidParameterValue);
    assert_eq!(e.message, "--author applies to annotated tags");
    assert_eq!(e.hint.as_deref(), Some("add a message with -m"));
    // Deleting an annotated tag; its commit stays.
    repo.call("SELECT arbor_tag('-d', 'v1')").unwrap();
    assert_eq!(tags(&repo), ["light", "v2", "v3"]);
    assert_eq!(repo.log(), ["fruit", "Initialize data repository"]);
    assert_eq!(repo.hash("v2").to_hex(), INIT);
    assert_eq!(repo.hash("v3"), repo.hash("main"));
}

// ---------------------------------------------------------------- blame

/// Blame names the commit that last changed each row, at HEAD
/// (`arbor_blame_<table>`) or at an older commit.
#[test]
fn blame_names_the_last_change_of_each_row() {
    let repo = Repo::with_fruit();
    let fruit = repo.head();
    repo.sql("UPDATE fruit SET price = 99 WHERE id = 2; INSERT INTO fruit VALUES (3, 'fig', 10)");
    let pear_and_fig = repo.commit_all("pear and fig");
    repo.sql("UPDATE fruit SET name = 'figs' WHERE id = 3");
    let figs = repo.commit_all("figs");
    assert_eq!(
        repo.rows("SELECT * FROM arbor_blame_fruit ORDER BY id"),
        [
            format!("{},Ann Lee,fruit,1,apple,100", fruit.to_hex()),
            format!("{},Ann Lee,pear and fig,2,pear,99", pear_and_fig.to_hex()),
            format!("{},Ann Lee,figs,3,figs,10", figs.to_hex()),
        ]
    );
    // At an older revision, the fig row was last changed by its insert.
    let (_, lines) = blame(repo.db.repository(), repo.hash("HEAD~1"), "fruit").unwrap();
    let older: Vec<_> = lines
        .iter()
        .map(|l| {
            let row: Vec<String> = l.row.iter().map(ToString::to_string).collect();
            (l.commit, row.join(","))
        })
        .collect();
    assert_eq!(
        older,
        [
            (fruit, "1,apple,100".to_owned()),
            (pear_and_fig, "2,pear,99".to_owned()),
            (pear_and_fig, "3,fig,10".to_owned()),
        ]
    );
}
