//! The library facade and the operations' one grammar: a commit or merge
//! asked for through [`Branch`] and through the SQL procedures gives the
//! same commit, and the procedures honour every flag the command line has.

#![allow(clippy::unwrap_used)]

use arbor_engine::{
    Clock, CommitArgs, Database, Environment, Identity, MergeArgs, MergeOutcome, Result, SqlState,
    StatementResult, Timestamp, Value, VcError,
};

const NOW: Timestamp = Timestamp {
    seconds: 1_700_000_000,
    offset_minutes: 0,
};

fn env() -> Environment {
    Environment {
        author: Some(Identity::new("Ada", "ada@example.com")),
        clock: Clock::Fixed(NOW),
        ..Environment::default()
    }
}

/// A database with table t (two rows) committed on main.
fn database(env: Environment) -> Database {
    let db = Database::in_memory("main", env).unwrap();
    let main = db.branch("main").unwrap();
    main.session()
        .unwrap()
        .execute(
            "CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'a'), (2, 'b')",
        )
        .unwrap();
    main.commit_all("t").unwrap();
    db
}

/// The single value a statement returned.
fn scalar(results: Vec<StatementResult>) -> Value {
    match results.into_iter().last() {
        Some(StatementResult::Rows { rows, .. }) => rows[0][0].clone(),
        other => panic!("not a query: {other:?}"),
    }
}

fn exec(db: &Database, branch: &str, text: &str) {
    db.branch(branch)
        .unwrap()
        .session()
        .unwrap()
        .execute(text)
        .unwrap();
}

fn sql(db: &Database, branch: &str, text: &str) -> Result<Value> {
    Ok(scalar(db.branch(branch)?.session()?.execute(text)?))
}

#[test]
fn the_same_commit_through_the_library_and_through_sql() {
    let (a, b) = (database(env()), database(env()));
    for db in [&a, &b] {
        exec(db, "main", "UPDATE t SET v = 'c' WHERE id = 1");
    }
    let args = CommitArgs {
        message: Some("edit".into()),
        all: true,
        author: Some("Bo <bo@example.com>".into()),
        date: Some("2024-01-31T12:00:00+01:00".into()),
        ..CommitArgs::default()
    };
    let through_library = a.branch("main").unwrap().commit(&args).unwrap();
    let hash = sql(
        &b,
        "main",
        "SELECT arbor_commit('-am', 'edit', '--author', 'Bo <bo@example.com>', '--date', '2024-01-31T12:00:00+01:00')",
    )
    .unwrap();
    assert_eq!(hash, Value::Text(through_library.to_hex()));
    let commit = a.commit_at(&through_library).unwrap();
    assert_eq!(
        (
            commit.author.name.as_str(),
            commit.author.time,
            commit.author.offset_minutes
        ),
        ("Bo", 1_706_698_800, 60)
    );
}

#[test]
fn amending_keeps_the_author_and_date_unless_replaced_from_sql_too() {
    let db = database(env());
    let first = db.branch("main").unwrap().head().unwrap();
    let original = db.commit_at(&first).unwrap().author;
    let later = Environment {
        author: Some(Identity::new("Cy", "cy@example.com")),
        clock: Clock::Fixed(Timestamp {
            seconds: NOW.seconds + 3600,
            offset_minutes: 0,
        }),
        ..Environment::default()
    };
    let db = Database::from_repository(db.repository().clone(), later);
    let amended = sql(
        &db,
        "main",
        "SELECT arbor_commit('--amend', '-m', 'renamed')",
    )
    .unwrap();
    let Value::Text(hex) = amended else {
        panic!("{amended:?}")
    };
    let head = db.branch("main").unwrap().head().unwrap();
    assert_eq!(head.to_hex(), hex);
    let commit = db.commit_at(&head).unwrap();
    assert_eq!(commit.message, "renamed");
    assert_eq!(commit.author, original, "author and date kept");
    sql(&db, "main", "SELECT arbor_commit('--amend', '--date', '0')").unwrap();
    let commit = db
        .commit_at(&db.branch("main").unwrap().head().unwrap())
        .unwrap();
    assert_eq!(
        (commit.author.name.as_str(), commit.author.time),
        ("Ada", 0)
    );
    assert_eq!(commit.message, "renamed", "the message kept without -m");
}

#[test]
fn a_merge_from_sql_takes_its_author_and_needs_one_only_to_commit() {
    let db = database(env());
    db.create_branch("side", "main").unwrap();
    exec(&db, "side", "UPDATE t SET v = 'x' WHERE id = 1");
    db.branch("side").unwrap().commit_all("side").unwrap();
    exec(&db, "main", "INSERT INTO t VALUES (3, 'c')");
    db.branch("main").unwrap().commit_all("main").unwrap();

    // Nobody known: a merge that commits is refused, and nothing moved.
    let anonymous = Database::from_repository(db.repository().clone(), Environment::default());
    let before = db.branch("main").unwrap().head().unwrap();
    let e = sql(&anonymous, "main", "SELECT arbor_merge('side')").unwrap_err();
    assert_eq!(
        (e.code.code(), e.message.as_str()),
        ("28000", "author identity unknown")
    );
    assert_eq!(db.branch("main").unwrap().head().unwrap(), before);

    let conflicts = sql(
        &anonymous,
        "main",
        "SELECT arbor_merge('--author', 'Di <di@example.com>', '-m', 'merge side', 'side')",
    )
    .unwrap();
    assert_eq!(conflicts, Value::BigInt(0));
    let head = db.branch("main").unwrap().head().unwrap();
    let commit = db.commit_at(&head).unwrap();
    assert_eq!(commit.parents.len(), 2);
    assert_eq!(commit.author.name, "Di");
    assert_eq!(commit.message, "merge side");

    // A fast-forward records nobody, so it needs nobody.
    let ff = anonymous.create_branch("behind", "main~1").unwrap();
    let outcome = ff
        .merge(&MergeArgs {
            revision: Some("main".into()),
            ..MergeArgs::default()
        })
        .unwrap();
    assert_eq!(outcome, MergeOutcome::FastForward(head));
}

#[test]
fn procedures_refuse_what_their_command_refuses_in_its_words() {
    let db = database(env());
    let e = sql(&db, "main", "SELECT arbor_commit('--bogus')").unwrap_err();
    assert_eq!(e.code, "22023");
    assert!(
        e.message
            .starts_with("arbor_commit: unexpected argument '--bogus'"),
        "{e:?}"
    );
    let e = sql(
        &db,
        "main",
        "SELECT arbor_commit('-am', 'x', '--date', 'soon')",
    )
    .unwrap_err();
    assert_eq!(e.message, "--date 'soon' is not a date");
    let e = sql(
        &db,
        "main",
        "SELECT arbor_commit('-a', '--author', 'nobody', '-m', 'x')",
    )
    .unwrap_err();
    assert_eq!(e.message, "--author 'nobody' is not 'Name <email>'");
    let e = sql(&db, "main", "SELECT arbor_commit('-a')").unwrap_err();
    assert_eq!(e.message, "a commit needs a message");
    let e = sql(&db, "main", "SELECT arbor_commit('-am', '  ')").unwrap_err();
    assert_eq!(e.message, "aborting commit due to empty commit message");
    let e = sql(&db, "main", "SELECT arbor_merge()").unwrap_err();
    assert_eq!(e.message, "name a branch or commit to merge");
}

#[test]
fn a_session_reads_now_from_its_environments_clock() {
    let db = database(env());
    let now = sql(&db, "main", "SELECT extract(epoch FROM now())").unwrap();
    // EXTRACT gives the epoch with microseconds, as PostgreSQL does.
    assert_eq!(now.to_string(), format!("{}.000000", NOW.seconds));
}

#[test]
fn a_database_in_a_folder_opens_again_with_its_history() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data");
    {
        let db = Database::init(&path, "trunk", env()).unwrap();
        let trunk = db.branch("trunk").unwrap();
        trunk
            .session()
            .unwrap()
            .execute("CREATE TABLE k (id int PRIMARY KEY)")
            .unwrap();
        trunk.commit_all("k").unwrap();
        assert!(
            db.branch("main").is_err(),
            "only the branch it was made with"
        );
    }
    let db = Database::open_read_only(&path, Environment::default()).unwrap();
    assert_eq!(db.current_branch().unwrap(), "trunk");
    let diff = db.diff("trunk~1", "trunk").unwrap();
    assert_eq!(diff.len(), 1);
    assert_eq!(diff[0].name, "k");
    assert!(db.branch("trunk").unwrap().status().unwrap().is_clean());
    assert!(
        Database::init(&path, "main", env()).is_err(),
        "already a repository"
    );
}

#[test]
fn refusals_are_typed_and_each_front_end_words_its_own_hint() {
    let db = database(env());
    db.create_branch("side", "main").unwrap();
    exec(&db, "side", "UPDATE t SET v = 'x' WHERE id = 1");
    db.branch("side").unwrap().commit_all("side").unwrap();
    exec(&db, "main", "UPDATE t SET v = 'y' WHERE id = 1");
    db.branch("main").unwrap().commit_all("main").unwrap();
    assert_eq!(
        sql(&db, "main", "SELECT arbor_merge('side')").unwrap(),
        Value::BigInt(1)
    );
    // The library says what happened, as a type, and leaves the advice
    // to whoever shows it.
    let e = db
        .branch("main")
        .unwrap()
        .merge_revision("side")
        .unwrap_err();
    assert_eq!(e.vc, Some(VcError::MergeInProgress));
    assert_eq!(e.code, SqlState::ObjectNotInPrerequisiteState);
    assert_eq!(e.hint, None);
    let e = db
        .branch("main")
        .unwrap()
        .commit_all("too early")
        .unwrap_err();
    assert_eq!(
        e.vc,
        Some(VcError::UnresolvedConflicts {
            operation: "merge".into()
        })
    );
    // SQL words its hints in SQL.
    let e = sql(&db, "main", "SELECT arbor_merge('side')").unwrap_err();
    assert_eq!(e.vc, Some(VcError::MergeInProgress));
    let hint = e.hint.clone().unwrap_or_default();
    assert!(hint.contains("SELECT arbor_merge('--abort')"), "{hint}");
    let e = sql(&db, "main", "SELECT arbor_checkout('nosuch')").unwrap_err();
    assert_eq!(e.code, SqlState::UndefinedObject);
    assert_eq!(e.vc, Some(VcError::UnknownBranch));
    assert!(
        e.hint
            .clone()
            .unwrap_or_default()
            .contains("arbor_branches")
    );
}

#[test]
fn prepared_writes_take_parameters_as_values() {
    let db = database(env());
    let mut s = db.branch("main").unwrap().session().unwrap();
    let mut insert = s.prepare("INSERT INTO t VALUES ($1, $2)").unwrap();
    let tricky = "'); DELETE FROM t; --";
    let r = s
        .execute_prepared(
            &mut insert,
            &[Value::Integer(3), Value::Text(tricky.into())],
        )
        .unwrap();
    assert_eq!(r, StatementResult::written("INSERT 0", 1));
    let mut update = s.prepare("UPDATE t SET v = $2 WHERE id = $1").unwrap();
    let r = s
        .execute_prepared(&mut update, &[Value::Integer(1), Value::Text("$2".into())])
        .unwrap();
    assert_eq!(r, StatementResult::written("UPDATE", 1));
    let mut delete = s.prepare("DELETE FROM t WHERE id = $1").unwrap();
    s.execute_prepared(&mut delete, &[Value::Integer(2)])
        .unwrap();
    let rows = match s
        .execute("SELECT id, v FROM t ORDER BY id")
        .unwrap()
        .remove(0)
    {
        StatementResult::Rows { rows, .. } => rows,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        rows,
        vec![
            vec![Value::Integer(1), Value::Text("$2".into())],
            vec![Value::Integer(3), Value::Text(tricky.into())],
        ]
    );
    // Statements other than queries and row writes take no parameters.
    let mut ddl = s.prepare("CREATE TABLE u (id int PRIMARY KEY)").unwrap();
    let e = s
        .execute_prepared(&mut ddl, &[Value::Integer(1)])
        .unwrap_err();
    assert_eq!(e.code, SqlState::FeatureNotSupported);
}

#[test]
fn every_procedure_takes_its_commands_grammar_and_rules() {
    let db = database(env());
    // arbor_tag: -m makes an annotated tag signed by the environment's author.
    sql(&db, "main", "SELECT arbor_tag('-m', 'first release', 'v1')").unwrap();
    let tags = db.repository().store_root().unwrap();
    assert!(tags.refs.contains_key("refs/tags/v1"));
    let e = sql(
        &db,
        "main",
        "SELECT arbor_tag('--author', 'Bo <bo@x>', 'v2')",
    )
    .unwrap_err();
    assert_eq!(e.message, "--author applies to annotated tags");
    // arbor_branch: create, then -m with one name renames the current branch
    // (the command's rule), -d deletes.
    sql(&db, "main", "SELECT arbor_branch('feature')").unwrap();
    sql(&db, "main", "SELECT arbor_branch('-m', 'feature', 'topic')").unwrap();
    assert!(db.branch("topic").is_ok());
    assert!(db.branch("feature").is_err());
    sql(&db, "main", "SELECT arbor_branch('-d', 'topic')").unwrap();
    assert!(db.branch("topic").is_err());
    // arbor_add with nothing named is refused as `arbor add` refuses it,
    // with SQL's own hint.
    let e = sql(&db, "main", "SELECT arbor_add()").unwrap_err();
    assert_eq!(e.vc, Some(VcError::NothingToAdd));
    assert!(
        e.hint
            .as_deref()
            .unwrap_or_default()
            .contains("arbor_add('-A')"),
        "{e:?}"
    );
    // arbor_reset: --soft and --hard take only a revision.
    let e = sql(&db, "main", "SELECT arbor_reset('--hard', 't', 'u')").unwrap_err();
    assert_eq!(e.message, "--soft and --hard take a revision, not tables");
    // Unknown flags are clap's refusal, as on the command line.
    for call in [
        "arbor_branch('--bogus')",
        "arbor_checkout('--bogus', 'main')",
        "arbor_fetch('--bogus')",
        "arbor_pull('--bogus')",
        "arbor_push('--bogus')",
        "arbor_clone('--bogus')",
        "arbor_reset('--bogus')",
        "arbor_tag('--bogus')",
        "arbor_conflicts_resolve('--bogus')",
        "arbor_add('--bogus')",
    ] {
        let e = sql(&db, "main", &format!("SELECT {call}")).unwrap_err();
        assert_eq!(e.code, "22023", "{call}: {e:?}");
        assert!(
            e.message.contains("unexpected argument '--bogus'"),
            "{call}: {e:?}"
        );
    }
    // arbor_checkout -b makes the branch and moves the session's branch.
    sql(&db, "main", "SELECT arbor_checkout('-b', 'side')").unwrap();
    assert_eq!(db.current_branch().unwrap(), "side");
}

#[test]
fn a_clone_from_sql_reads_relative_paths_against_the_environments_folder_only() {
    let root = tempfile::tempdir().unwrap();
    let up = root.path().join("up");
    std::fs::create_dir(&up).unwrap();
    let db = Database::init(&up, "main", env()).unwrap();
    exec(&db, "main", "CREATE TABLE t (id int PRIMARY KEY)");
    db.branch("main").unwrap().commit_all("t").unwrap();
    let mut allowed = env();
    allowed.reach = arbor_engine::Reach::ALL;
    // No working folder: a relative URL is refused, not read against the
    // process's current folder.
    let here = Database::in_memory("main", allowed.clone()).unwrap();
    let e = sql(&here, "main", "SELECT arbor_clone('up', 'down')").unwrap_err();
    assert!(e.message.contains("relative path"), "{e:?}");
    // With one, both paths are read against it.
    allowed.working_dir = Some(root.path().to_path_buf());
    let here = Database::in_memory("main", allowed).unwrap();
    assert_eq!(
        sql(&here, "main", "SELECT arbor_clone('up', 'down')").unwrap(),
        Value::Text("main".into())
    );
    assert!(root.path().join("down/.arbor").is_dir());
}

#[test]
fn rows_exported_to_a_file_import_back_as_they_were() {
    use arbor_engine::io::{FileFormat, InputFile, RowFormat};
    let db = database(env());
    let main = db.branch("main").unwrap();
    exec(
        &db,
        "main",
        "CREATE TABLE src (id int PRIMARY KEY, v text, n numeric);
         INSERT INTO src VALUES (1, '', 1.50), (2, NULL, NULL), (3, 'a,\"b\"', -2);
         CREATE TABLE dst (id int PRIMARY KEY, v text, n numeric)",
    );
    let dir = tempfile::tempdir().unwrap();
    for format in [
        FileFormat::Csv,
        FileFormat::Tsv,
        FileFormat::Json,
        FileFormat::Jsonl,
    ] {
        exec(&db, "main", "DELETE FROM dst");
        let path = dir.path().join("rows");
        let mut out = std::fs::File::create(&path).unwrap();
        let (_, written) = main
            .export(
                "SELECT * FROM src ORDER BY id",
                format.row_format(format.delimiter(), false, "src"),
                &mut out,
            )
            .unwrap();
        assert_eq!(written, 3);
        drop(out);
        let file = InputFile::new(path, "rows".into(), format);
        assert_eq!(main.import(&file, "dst").unwrap(), 3, "{format:?}");
        assert_eq!(
            sql(
                &db,
                "main",
                "SELECT count(*) FROM src JOIN dst ON src.id = dst.id \
                 WHERE src.v IS NOT DISTINCT FROM dst.v AND src.n IS NOT DISTINCT FROM dst.n"
            )
            .unwrap(),
            Value::BigInt(3),
            "{format:?}"
        );
    }
    // A bad row: nothing is imported, and the error says where.
    let path = dir.path().join("bad.csv");
    std::fs::write(&path, "id,v,n\n10,x,1\n1,dup,2\n").unwrap();
    exec(
        &db,
        "main",
        "DELETE FROM dst; INSERT INTO dst VALUES (1, 'x', 0)",
    );
    let e = main
        .import(
            &InputFile::new(path, "bad.csv".into(), FileFormat::Csv),
            "dst",
        )
        .unwrap_err();
    assert_eq!(e.code, SqlState::UniqueViolation);
    assert!(
        e.message.starts_with("bad.csv:3:1: column \"id\":"),
        "{e:?}"
    );
    assert_eq!(
        sql(&db, "main", "SELECT count(*) FROM dst").unwrap(),
        Value::BigInt(1)
    );
    // The SQL writer's statements run back into the same rows.
    let mut script = Vec::new();
    main.export(
        "SELECT * FROM src ORDER BY id",
        RowFormat::Sql {
            table: "dst".into(),
        },
        &mut script,
    )
    .unwrap();
    exec(&db, "main", "DELETE FROM dst");
    exec(&db, "main", std::str::from_utf8(&script).unwrap());
    assert_eq!(
        sql(&db, "main", "SELECT count(*) FROM dst WHERE v = ''").unwrap(),
        Value::BigInt(1)
    );
}

/// Databases open on one folder take turns: an open database that only
/// reads holds no lock (another writes and commits meanwhile, and the next
/// statement sees it); an open write transaction holds the lock, and a
/// writer waiting for it is told which process holds it; once it commits,
/// the lock is free again.
#[test]
fn open_databases_on_one_folder_block_only_while_one_writes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data");
    {
        let db = Database::init(&path, "main", env()).unwrap();
        exec(&db, "main", "CREATE TABLE t (id int PRIMARY KEY)");
        db.branch("main").unwrap().commit_all("t").unwrap();
    }
    let reader = Database::open(&path, env()).unwrap();
    let mut reading = reader.branch("main").unwrap().session().unwrap();
    assert_eq!(
        scalar(reading.execute("SELECT count(*) FROM t").unwrap()),
        Value::BigInt(0)
    );
    {
        let writer = Database::open(&path, env()).unwrap();
        exec(&writer, "main", "INSERT INTO t VALUES (1)");
        writer.branch("main").unwrap().commit_all("one").unwrap();
    }
    assert_eq!(
        scalar(reading.execute("SELECT count(*) FROM t").unwrap()),
        Value::BigInt(1),
        "the open session sees what another committed"
    );
    reading.execute("BEGIN; INSERT INTO t VALUES (2)").unwrap();
    let other = Database::open(&path, env()).unwrap();
    let mut other_session = other.branch("main").unwrap().session().unwrap();
    assert_eq!(
        scalar(other_session.execute("SELECT count(*) FROM t").unwrap()),
        Value::BigInt(1),
        "a reader is never blocked, and sees only what is published"
    );
    let e = other_session
        .execute("INSERT INTO t VALUES (3)")
        .unwrap_err();
    assert_eq!(e.code, SqlState::LockNotAvailable, "{}", e.message);
    assert!(
        e.message.contains(&format!("pid {}", std::process::id())),
        "{}",
        e.message
    );
    reading.execute("COMMIT").unwrap();
    other_session.execute("INSERT INTO t VALUES (3)").unwrap();
    assert_eq!(
        scalar(reading.execute("SELECT count(*) FROM t").unwrap()),
        Value::BigInt(3)
    );
    // A statement that wrote much and then failed keeps no lock either: the
    // other session writes at once.
    let e = reading
        .execute(
            "INSERT INTO t WITH RECURSIVE s(g) AS (SELECT 10 UNION ALL SELECT g + 1 FROM s \
             WHERE g < 100000) SELECT g FROM s UNION ALL SELECT 1",
        )
        .unwrap_err();
    assert_eq!(e.code, SqlState::UniqueViolation, "{}", e.message);
    let start = std::time::Instant::now();
    other_session.execute("INSERT INTO t VALUES (4)").unwrap();
    assert!(
        start.elapsed() < std::time::Duration::from_secs(5),
        "it waited for a lock"
    );
}
