//! Version control on the benchmark table (`../shared/bench/`): commit,
//! diff and merge costs, and the bytes a one-row commit adds to the store.
//!
//! ```text
//! cargo bench -p arbor-tests --bench vc [-- SIZES]     (default: 10000 100000 1000000)
//! ```
//!
//! For each table size: load the rows and commit; update 1 row and commit
//! (time, journal bytes added); commits that differ from the base in k = 1,
//! 100 and 10,000 rows (`update_ids`, `qty = qty + 1`), and the time to diff
//! each against the base, every changed row decoded; two branches with k
//! disjoint changed rows each (`branch_ids`) and the time to merge them.
//! When `target/release/arbor` exists (`cargo build --release`), the same
//! are timed as whole `arbor` processes: `arbor sql` + `arbor commit` of a
//! one-row update (and the bytes it adds to `.arbor/`), `arbor merge` of
//! the two-branch pairs, `arbor diff --stat` of the k-row commits.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use arbor_engine::ops::{diff_catalogs, open_disk_store};
use arbor_engine::{
    Clock, CommitArgs, Database, Environment, Identity, MergeArgs, MergeOutcome, Repository,
    Session, Signature, Timestamp,
};
use arbor_merkle::Address;
use arbor_tests::bench_data::{CREATE_TABLE, branch_ids, update_ids, values};
use arbor_tests::bench_process::arbor;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn author() -> Signature {
    Signature {
        name: "bench".into(),
        email: "bench@localhost".into(),
        time: 1_700_000_000,
        offset_minutes: 0,
    }
}

/// The repository as the facade sees it: a fixed author and clock.
fn database(repo: &Repository) -> Database {
    let env = Environment {
        author: Some(Identity::new("bench", "bench@localhost")),
        clock: Clock::Fixed(Timestamp {
            seconds: 1_700_000_000,
            offset_minutes: 0,
        }),
        ..Environment::default()
    };
    Database::from_repository(repo.clone(), env)
}

fn commit(repo: &Repository, branch: &str, message: &str) -> Address {
    let args = CommitArgs {
        message: Some(message.into()),
        all: true,
        allow_empty: true,
        ..CommitArgs::default()
    };
    database(repo)
        .branch(branch)
        .unwrap()
        .commit(&args)
        .unwrap()
}

fn create_branch(repo: &Repository, name: &str, at: Address) {
    database(repo).create_branch(name, &at.to_hex()).unwrap();
}

fn update(repo: &Repository, branch: &str, ids: &[u64]) {
    let mut session = Session::open(repo.clone(), branch).unwrap();
    // One statement per 1,000 ids keeps the SQL text small.
    for chunk in ids.chunks(1000) {
        let list: Vec<String> = chunk.iter().map(u64::to_string).collect();
        session
            .execute(&format!(
                "UPDATE t SET qty = qty + 1 WHERE id IN ({})",
                list.join(",")
            ))
            .unwrap();
    }
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn arbor_binary() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/release/arbor");
    p.exists().then_some(p)
}

fn main() {
    let sizes: Vec<u64> = {
        let given: Vec<u64> = std::env::args()
            .skip(1)
            .filter_map(|a| a.parse().ok())
            .collect();
        if given.is_empty() {
            vec![10_000, 100_000, 1_000_000]
        } else {
            given
        }
    };
    for n in sizes {
        bench_size(n);
    }
}

fn bench_size(n: u64) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let store = open_disk_store(dir.path()).unwrap();
    let repo = Repository::init(store.clone(), "main", &author()).unwrap();
    let mut session = Session::open(repo.clone(), "main").unwrap();
    session.execute(CREATE_TABLE).unwrap();
    let start = Instant::now();
    let mut rows = (1..=n).map(|i| values(i).map_err(arbor_engine::Error::from));
    session.insert_rows("t", &mut rows).unwrap();
    let base = commit(&repo, "main", "load");
    println!(
        "\n{n} rows: loaded and committed in {}",
        ms(start.elapsed())
    );

    // Update one row and commit.
    let before = store.journal_len();
    let start = Instant::now();
    update(&repo, "main", &[n / 2]);
    let one = commit(&repo, "main", "one row");
    println!(
        "  update 1 row + commit: {} in process; {} bytes added to the journal",
        ms(start.elapsed()),
        store.journal_len() - before
    );
    let _ = one;

    // Diffs of k changed rows against the base.
    let base_catalog = repo
        .read_catalog(&repo.read_commit(&base).unwrap().catalog)
        .unwrap();
    let mut pairs = Vec::new();
    for k in [1u64, 100, 10_000] {
        if k > n {
            continue;
        }
        let branch = format!("diff{k}");
        create_branch(&repo, &branch, base);
        update(&repo, &branch, &update_ids(n, k));
        let head = commit(&repo, &branch, "k rows");
        let catalog = repo
            .read_catalog(&repo.read_commit(&head).unwrap().catalog)
            .unwrap();
        let start = Instant::now();
        let mut changed = 0u64;
        for d in diff_catalogs(&repo, &base_catalog, &catalog, &[]).unwrap() {
            for change in d.rows(&repo).unwrap() {
                change.unwrap();
                changed += 1;
            }
        }
        let in_process = start.elapsed();
        assert_eq!(changed, k);
        println!(
            "  diff of commits {k:>6} rows apart: {} in process",
            ms(in_process)
        );
        pairs.push((k, head));
    }

    // Branch pairs for whole-process merges, merged later by `arbor merge`.
    let mut process_merges = Vec::new();
    for k in [1u64, 10_000] {
        if 4 * k > n {
            continue;
        }
        let (ours_ids, theirs_ids) = branch_ids(n, k);
        let (a, b) = (format!("p-ours{k}"), format!("p-theirs{k}"));
        create_branch(&repo, &a, base);
        create_branch(&repo, &b, base);
        update(&repo, &a, &ours_ids);
        commit(&repo, &a, "ours");
        update(&repo, &b, &theirs_ids);
        commit(&repo, &b, "theirs");
        process_merges.push((k, a, b));
    }

    // Merges of two branches with k disjoint changed rows each.
    for k in [1u64, 10_000] {
        if 4 * k > n {
            continue;
        }
        let (ours_ids, theirs_ids) = branch_ids(n, k);
        let (a, b) = (format!("ours{k}"), format!("theirs{k}"));
        create_branch(&repo, &a, base);
        create_branch(&repo, &b, base);
        update(&repo, &a, &ours_ids);
        commit(&repo, &a, "ours");
        update(&repo, &b, &theirs_ids);
        let theirs = commit(&repo, &b, "theirs");
        let args = MergeArgs {
            revision: Some(theirs.to_hex()),
            message: Some("merge".into()),
            ..MergeArgs::default()
        };
        let database = database(&repo);
        let ours = database.branch(&a).unwrap();
        let start = Instant::now();
        let outcome = ours.merge(&args).unwrap();
        let took = start.elapsed();
        assert!(matches!(outcome, MergeOutcome::Committed(_)), "{outcome:?}");
        println!(
            "  merge of branches with {k:>6} disjoint changed rows each: {}",
            ms(took)
        );
    }

    // Whole processes, once this one has let go of the store.
    drop(session);
    drop(repo);
    drop(store);
    if let Some(bin) = arbor_binary() {
        let dir = dir.path();
        let journal = || std::fs::metadata(dir.join(".arbor/journal")).map_or(0, |m| m.len());
        let before = journal();
        let update = format!("UPDATE t SET qty = qty + 1 WHERE id = {}", n / 3);
        let (sql_s, _) = arbor(&bin, dir, &["sql", "-q", &update], None);
        let (commit_s, _) = arbor(&bin, dir, &["commit", "-am", "one row"], None);
        println!(
            "  update 1 row + commit, whole processes: {:.2} ms (`arbor sql` {:.2} ms + `arbor commit` {:.2} ms); {} bytes added to .arbor/",
            (sql_s + commit_s) * 1e3,
            sql_s * 1e3,
            commit_s * 1e3,
            journal() - before
        );
        for (k, ours, theirs) in &process_merges {
            arbor(&bin, dir, &["checkout", ours], None);
            let (merge_s, _) = arbor(&bin, dir, &["merge", theirs, "-m", "merge"], None);
            println!(
                "  `arbor merge` of branches with {k:>6} disjoint changed rows each, whole process: {:.2} ms",
                merge_s * 1e3
            );
        }
        for (k, head) in pairs {
            let start = Instant::now();
            let out = std::process::Command::new(&bin)
                .current_dir(dir)
                .args(["diff", "--stat", &base.to_hex(), &head.to_hex()])
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            println!(
                "  `arbor diff --stat` of commits {k:>6} rows apart, whole process: {}",
                ms(start.elapsed())
            );
        }
    }
}
