//! Hostile folder remotes: a chunk whose bytes do not match its address, a
//! missing chunk, a ref pointing at nothing. Each fetch is refused with an
//! error and publishes nothing locally.

#![allow(clippy::unwrap_used)]

use std::path::Path;

use crate::env::{Environment, Reach};
use crate::objects::{Commit, Signature, StoreRoot};
use crate::remote;
use crate::repo::{Repository, open_disk_store};
use crate::sql::Session;
use crate::vc::{self, commit::CommitOptions};
use arbor_merkle::{Address, ChunkStore};

/// An environment that may reach other folders, as the command line's.
fn reach_all() -> Environment {
    Environment {
        reach: Reach::ALL,
        ..Environment::default()
    }
}

fn author() -> Signature {
    Signature {
        name: "T".into(),
        email: "t@example.com".into(),
        time: 0,
        offset_minutes: 0,
    }
}

/// A repository in `dir` with table t committed on main.
fn repository(dir: &Path) -> Repository {
    let repo = Repository::init(open_disk_store(dir).unwrap(), "main", &author()).unwrap();
    Session::open(repo.clone(), "main")
        .unwrap()
        .execute("CREATE TABLE t (id integer PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'a')")
        .unwrap();
    let options = CommitOptions {
        message: "t".into(),
        author: author(),
        all: true,
        allow_empty: false,
        amend: false,
    };
    vc::commit::commit(&repo, "main", &options).unwrap();
    repo
}

/// A local repository with remote `origin` at `remote_dir`.
fn local_with_origin(dir: &Path, remote_dir: &Path) -> Repository {
    let local = repository(dir);
    remote::add(&local, "origin", &remote_dir.display().to_string()).unwrap();
    local
}

/// Publishes on the remote in `dir` a branch `evil` whose head is `head`
/// (written with `chunks` put first).
fn publish_evil_branch(dir: &Path, chunks: &[arbor_merkle::Chunk], head: Address) {
    let store = open_disk_store(dir).unwrap();
    store.put_many(chunks).unwrap();
    let old = store.root().unwrap();
    let mut root = StoreRoot::from_chunk(&store.get_required(&old.unwrap()).unwrap()).unwrap();
    root.refs.insert("refs/heads/evil".into(), head);
    let chunk = root.to_chunk();
    store.put(&chunk).unwrap();
    assert!(store.compare_and_swap_root(old, chunk.address()).unwrap());
}

/// A remote repository `up` with table t committed, and a local one whose
/// `origin` it is; the folder holding both, the remote's path and the
/// local repository.
fn remote_and_local() -> (tempfile::TempDir, std::path::PathBuf, Repository) {
    let root = tempfile::tempdir().unwrap();
    let (up, down) = (root.path().join("up"), root.path().join("down"));
    std::fs::create_dir_all(&up).unwrap();
    std::fs::create_dir_all(&down).unwrap();
    drop(repository(&up));
    let local = local_with_origin(&down, &up);
    (root, up, local)
}

fn refs_of(repo: &Repository) -> Vec<String> {
    repo.store_root().unwrap().refs.keys().cloned().collect()
}

#[test]
fn a_ref_to_a_missing_commit_is_refused_and_nothing_is_published() {
    let (_dir, up, local) = remote_and_local();
    publish_evil_branch(&up, &[], Address::of(b"nothing"));
    let before = refs_of(&local);
    let e = remote::fetch(&local, &reach_all(), "origin", &[], &mut |_| {}).unwrap_err();
    assert!(e.message.contains("missing"), "{}", e.message);
    assert_eq!(refs_of(&local), before);
}

#[test]
fn a_commit_whose_catalog_is_missing_is_refused() {
    let (_dir, up, local) = remote_and_local();
    let commit = Commit {
        catalog: Address::of(b"no such catalog"),
        parents: Vec::new(),
        author: author(),
        message: "broken".into(),
        height: 1,
    }
    .to_chunk();
    let head = commit.address();
    publish_evil_branch(&up, &[commit], head);
    let before = refs_of(&local);
    let e = remote::fetch(
        &local,
        &reach_all(),
        "origin",
        &["evil".into()],
        &mut |_| {},
    )
    .unwrap_err();
    assert!(e.message.contains("missing"), "{}", e.message);
    assert_eq!(refs_of(&local), before);
    // The good branch still fetches.
    remote::fetch(
        &local,
        &reach_all(),
        "origin",
        &["main".into()],
        &mut |_| {},
    )
    .unwrap();
    assert!(refs_of(&local).contains(&"refs/remotes/origin/main".to_owned()));
}

#[test]
fn a_chunk_whose_bytes_do_not_match_its_address_is_refused() {
    let (_dir, up, local) = remote_and_local();
    // Damage the remote's journal inside a stored chunk (the table's rows
    // are early in the file, before the last store roots).
    let journal = up.join(".arbor/journal");
    let mut bytes = std::fs::read(&journal).unwrap();
    let at = bytes.len() / 3;
    bytes[at] ^= 0x5a;
    std::fs::write(&journal, &bytes).unwrap();
    let before = refs_of(&local);
    let e = remote::fetch(&local, &reach_all(), "origin", &[], &mut |_| {}).unwrap_err();
    assert!(
        ["address", "damage", "corrupt", "checksum", "fsck"]
            .iter()
            .any(|w| e.message.contains(w) || e.hint.as_deref().unwrap_or_default().contains(w)),
        "{}",
        e.message
    );
    assert_eq!(refs_of(&local), before);
}

#[test]
fn an_environment_without_reach_opens_no_remote() {
    let (_dir, _remote_dir, local) = remote_and_local();
    let before = refs_of(&local);
    let e = remote::fetch(&local, &Environment::default(), "origin", &[], &mut |_| {}).unwrap_err();
    assert!(e.message.contains("may not reach other folders"), "{e:?}");
    let git = "git+file:///nowhere/x.git";
    remote::add(&local, "hub", git).unwrap();
    let only_folders = Environment {
        reach: Reach {
            folders: true,
            network: false,
        },
        ..Environment::default()
    };
    let e = remote::fetch(&local, &only_folders, "hub", &[], &mut |_| {}).unwrap_err();
    assert!(e.message.contains("may not reach the network"), "{e:?}");
    remote::fetch(&local, &only_folders, "origin", &[], &mut |_| {}).unwrap();
    assert_ne!(
        refs_of(&local),
        before,
        "the allowed fetch brought the remote's refs"
    );
}
