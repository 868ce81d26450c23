//! The repository: refs, working sets and commits over a chunk store.
//!
//! All mutable state lives in one [`StoreRoot`] chunk whose address is the
//! chunk store's root. Every update (move a branch, replace a working set,
//! record a commit) reads the store root, changes some refs, writes a new
//! store root and publishes it with one compare-and-swap. If another writer
//! got there first, the update is retried against the newer store root, but
//! only if the refs it depends on still hold the values it read (a ref-level
//! compare-and-swap), so no update is ever lost or applied to stale state.

pub(crate) mod fsck;
pub mod gc;

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use arbor_merkle::{Address, ChunkStore, DiskStore, NodeStore, OpenMode, ProllyMap};

pub use fsck::{FsckReport, fsck};

use crate::error::{Error, Result, SqlState, VcError};
use crate::objects::{
    Catalog, Commit, ReflogEntry, Signature, StoreRoot, TAG, TableObject, TagObject, WorkingSet,
};

/// The prefix of every branch's ref.
pub const BRANCH_PREFIX: &str = "refs/heads/";

/// The ref that names the newest reflog entry (`objects::ReflogEntry`).
pub const REFLOG_REF: &str = "reflog";

/// The branch heads of `root`: each `refs/heads/*` ref and its commit.
fn branch_heads(root: &StoreRoot) -> impl Iterator<Item = (&str, Address)> {
    root.refs
        .range(BRANCH_PREFIX.to_owned()..)
        .take_while(|(name, _)| name.starts_with(BRANCH_PREFIX))
        .map(|(name, address)| (name.as_str(), *address))
}

/// The ref name of a branch.
pub fn branch_ref(branch: &str) -> String {
    format!("{BRANCH_PREFIX}{branch}")
}

/// The prefix of the refs that mark a shallow clone's cut commits.
pub const SHALLOW_PREFIX: &str = "shallow/";

/// The ref marking `commit` as one whose parents a shallow clone left out.
pub fn shallow_ref(commit: &Address) -> String {
    format!("{SHALLOW_PREFIX}{}", commit.to_hex())
}

/// The ref name of a branch's working set.
pub fn working_set_ref(branch: &str) -> String {
    format!("workingsets/heads/{branch}")
}

/// The folder inside a repository's directory that holds its store.
pub const STORE_DIR: &str = ".arbor";

/// How long a writer waits for another writer's lock before giving up.
pub const LOCK_WAIT: Duration = Duration::from_secs(10);

/// Finds the repository containing `start`: the nearest directory, from
/// `start` upwards, that has a `.arbor` folder.
pub fn find_repository(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|d| d.join(STORE_DIR).join("journal").is_file())
        .map(Path::to_path_buf)
}

/// Opens the on-disk store of the repository in `dir`, for writing.
pub fn open_disk_store(dir: &Path) -> Result<Arc<DiskStore>> {
    Ok(Arc::new(DiskStore::open_dir(
        dir.join(STORE_DIR),
        OpenMode::ReadWrite {
            lock_wait: LOCK_WAIT,
        },
    )?))
}

/// Opens the on-disk store of the repository in `dir` for a session that
/// mostly reads: no lock until it writes, and then only until what it wrote
/// is published (see [`OpenMode::Shared`]), so an open shell or a server's
/// idle connection blocks no other writer.
pub fn open_disk_store_shared(dir: &Path) -> Result<Arc<DiskStore>> {
    Ok(Arc::new(DiskStore::open_dir(
        dir.join(STORE_DIR),
        OpenMode::Shared {
            lock_wait: LOCK_WAIT,
        },
    )?))
}

/// Opens the on-disk store of the repository in `dir` for reading only:
/// no lock, a snapshot of the last published state. Commands that only read
/// use it, so they run beside a writer (an open `arbor sql` shell).
pub fn open_disk_store_read_only(dir: &Path) -> Result<Arc<DiskStore>> {
    let store_dir = dir.join(STORE_DIR);
    Ok(Arc::new(DiskStore::open_dir(
        store_dir,
        OpenMode::ReadOnly,
    )?))
}

/// How many times an update is retried when other writers keep moving the store root.
const MAX_RETRIES: usize = 100;

/// A repository over a chunk store.
#[derive(Clone, Debug)]
pub struct Repository {
    store: Arc<dyn ChunkStore>,
    nodes: NodeStore,
    /// Held while a session of this process publishes a working set, so
    /// that the sessions of one process (a server's) publish one after
    /// another instead of racing and merging again (shared by clones).
    publishing: Arc<Mutex<()>>,
    /// Whether moves of branch heads go into the reflog (not for a remote
    /// opened to push to, as Git keeps no reflog in a bare remote).
    logs_ref_moves: bool,
}

/// An expectation about a ref's value, for ref-level compare-and-swap.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefUpdate {
    /// The ref's name.
    pub name: String,
    /// The value it must have now (`None`: must not exist).
    pub expected: Option<Address>,
    /// Its new value (`None`: delete it).
    pub new: Option<Address>,
}

impl Repository {
    /// Creates a repository in an empty store: an empty catalog, a first
    /// commit on `default_branch`, and its working set.
    pub fn init(
        store: Arc<dyn ChunkStore>,
        default_branch: &str,
        author: &Signature,
    ) -> Result<Repository> {
        validate_branch_name(default_branch)?;
        if store.root()?.is_some() {
            return Err(Error::new(
                SqlState::DuplicateDatabase,
                "a repository already exists here",
            ));
        }
        let repo = Repository {
            nodes: NodeStore::new(store.clone()),
            store,
            publishing: Arc::default(),
            logs_ref_moves: true,
        };
        let catalog = repo.write_catalog(&Catalog::default())?;
        let commit = repo.write_commit(&Commit {
            catalog,
            parents: Vec::new(),
            author: author.clone(),
            message: "Initialize data repository".into(),
            height: 1,
        })?;
        let ws = repo.write_working_set(&WorkingSet::clean(catalog))?;
        let mut root = StoreRoot {
            default_branch: default_branch.to_owned(),
            refs: BTreeMap::new(),
        };
        root.refs.insert(branch_ref(default_branch), commit);
        root.refs.insert(working_set_ref(default_branch), ws);
        repo.publish_first_root(&root)?;
        Ok(repo)
    }

    /// Creates a bare repository in an empty store: no branch, no commit,
    /// no working set; a remote to push to (its first pushed branch
    /// becomes its default).
    pub fn init_bare(store: Arc<dyn ChunkStore>) -> Result<Repository> {
        if store.root()?.is_some() {
            return Err(Error::new(
                SqlState::DuplicateDatabase,
                "a repository already exists here",
            ));
        }
        let repo = Repository::from_store(store);
        repo.publish_first_root(&StoreRoot::default())?;
        Ok(repo)
    }

    /// A repository over a store that may not have a store root yet (a
    /// clone fills it, then calls [`Repository::publish_first_root`]).
    pub(crate) fn from_store(store: Arc<dyn ChunkStore>) -> Repository {
        Repository {
            nodes: NodeStore::new(store.clone()),
            store,
            publishing: Arc::default(),
            logs_ref_moves: true,
        }
    }

    /// Publishes the first store root of a store that has none; every chunk
    /// it reaches must be in the store already.
    pub(crate) fn publish_first_root(&self, root: &StoreRoot) -> Result<()> {
        let chunk = root.to_chunk();
        self.store.put(&chunk)?;
        if !self.store.compare_and_swap_root(None, chunk.address())? {
            return Err(Error::new(
                SqlState::DuplicateDatabase,
                "a repository was created here concurrently",
            ));
        }
        Ok(())
    }

    /// Opens the repository held by `store`.
    pub fn open(store: Arc<dyn ChunkStore>) -> Result<Repository> {
        if store.root()?.is_none() {
            return Err(Error::vc(
                VcError::NotARepository,
                "not an Arbor repository (no store root)",
            ));
        }
        Ok(Repository {
            nodes: NodeStore::new(store.clone()),
            store,
            publishing: Arc::default(),
            logs_ref_moves: true,
        })
    }

    /// The lock a session holds while it publishes a working set (see
    /// `publishing`); other processes are kept in order by the store's
    /// compare-and-swap.
    pub fn publishing(&self) -> Arc<Mutex<()>> {
        self.publishing.clone()
    }

    /// The chunk store.
    pub fn store(&self) -> &Arc<dyn ChunkStore> {
        &self.store
    }

    /// The prolly node store (with its cache) over the chunk store.
    pub fn nodes(&self) -> &NodeStore {
        &self.nodes
    }

    /// Tells the store nothing is in flight (see [`ChunkStore::settle`]): a
    /// session calls it when a statement or transaction ends.
    pub fn settle(&self) -> Result<()> {
        Ok(self.store.settle()?)
    }

    /// The address of the store root as this process sees it now.
    pub fn root_address(&self) -> Result<Option<Address>> {
        Ok(self.store.root()?)
    }

    /// The current store root: refs and the default branch.
    pub fn store_root(&self) -> Result<StoreRoot> {
        Ok(self.read_store_root()?.1)
    }

    fn read_store_root(&self) -> Result<(Option<Address>, StoreRoot)> {
        let Some(address) = self.store.root()? else {
            return Err(Error::new(
                SqlState::UndefinedFile,
                "not an Arbor repository (no store root)",
            ));
        };
        let chunk = self.store.get_required(&address)?;
        Ok((Some(address), StoreRoot::from_chunk(&chunk)?))
    }

    /// Applies ref updates atomically: all of them, or none if any ref no
    /// longer holds its expected value.
    pub fn update_refs(&self, updates: &[RefUpdate]) -> Result<()> {
        self.update_store_root(&mut |root| {
            for u in updates {
                let current = root.refs.get(&u.name).copied();
                if current != u.expected {
                    return Err(Error::new(
                        SqlState::SerializationFailure,
                        format!("ref {} was changed by another writer", u.name),
                    )
                    .with_hint("reload and try again"));
                }
                match u.new {
                    Some(a) => root.refs.insert(u.name.clone(), a),
                    None => root.refs.remove(&u.name),
                };
            }
            Ok(())
        })
    }

    /// Changes the store root with `edit` and publishes it with one
    /// compare-and-swap, retrying on the current root when another writer
    /// got there first; `edit` refuses (with an error) when what it expects
    /// no longer holds.
    pub fn update_store_root(
        &self,
        edit: &mut dyn FnMut(&mut StoreRoot) -> Result<()>,
    ) -> Result<()> {
        for _ in 0..MAX_RETRIES {
            let (address, mut root) = self.read_store_root()?;
            // Only the branch heads are kept to compare, and only where a
            // reflog is kept: this runs on every publish of a working set.
            let heads_before: Option<BTreeMap<String, Address>> = self.logs_ref_moves.then(|| {
                branch_heads(&root)
                    .map(|(n, a)| (n.to_owned(), a))
                    .collect()
            });
            edit(&mut root)?;
            if let Some(before) = heads_before {
                self.log_branch_moves(&before, &mut root)?;
            }
            let chunk = root.to_chunk();
            self.store.put(&chunk)?;
            if self.store.compare_and_swap_root(address, chunk.address())? {
                return Ok(());
            }
        }
        Err(Error::new(
            SqlState::SerializationFailure,
            "the repository is too busy: gave up after repeated concurrent updates",
        ))
    }

    /// The same repository with no reflog kept of what this handle moves
    /// (a remote's: see `logs_ref_moves`).
    pub(crate) fn without_reflog(mut self) -> Repository {
        self.logs_ref_moves = false;
        self
    }

    /// Puts the store root back to `to` if it is still `expected`: undoes
    /// an operation that turned out to be refused halfway (a branch made
    /// for a checkout that then failed), reflog and all. False when
    /// another writer moved the root meanwhile.
    pub(crate) fn restore_root(&self, expected: Option<Address>, to: Address) -> Result<bool> {
        Ok(self.store.compare_and_swap_root(expected, to)?)
    }

    /// Adds a reflog entry for each branch head that moved from `before`
    /// (the heads as they were) to `after`, and points `after`'s `reflog`
    /// ref at the newest.
    fn log_branch_moves(
        &self,
        before: &BTreeMap<String, Address>,
        after: &mut StoreRoot,
    ) -> Result<()> {
        let now: BTreeMap<&str, Address> = branch_heads(after).collect();
        if before
            .iter()
            .map(|(n, a)| (n.as_str(), *a))
            .eq(now.iter().map(|(n, a)| (*n, *a)))
        {
            return Ok(());
        }
        let time = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        let names: std::collections::BTreeSet<&str> = before
            .keys()
            .map(String::as_str)
            .chain(now.keys().copied())
            .collect();
        let mut previous = after.refs.get(REFLOG_REF).copied();
        for name in names {
            let (was, is) = (before.get(name).copied(), now.get(name).copied());
            if was == is {
                continue;
            }
            let chunk = ReflogEntry {
                previous,
                ref_name: name.to_owned(),
                old: was,
                new: is,
                time,
            }
            .to_chunk();
            self.store.put(&chunk)?;
            previous = Some(chunk.address());
        }
        if let Some(newest) = previous {
            after.refs.insert(REFLOG_REF.to_owned(), newest);
        }
        Ok(())
    }

    /// The value of a ref.
    pub fn resolve_ref(&self, name: &str) -> Result<Option<Address>> {
        Ok(self.store_root()?.refs.get(name).copied())
    }

    /// The head commit of `branch`.
    pub fn branch_head(&self, branch: &str) -> Result<Address> {
        self.resolve_ref(&branch_ref(branch))?.ok_or_else(|| {
            Error::vc(
                VcError::UnknownBranch,
                format!("branch \"{branch}\" does not exist"),
            )
        })
    }

    /// The working set of `branch` and its address.
    pub fn working_set(&self, branch: &str) -> Result<(Address, WorkingSet)> {
        let address = self.resolve_ref(&working_set_ref(branch))?.ok_or_else(|| {
            Error::new(
                SqlState::UndefinedObject,
                format!("branch \"{branch}\" has no working set"),
            )
        })?;
        Ok((
            address,
            WorkingSet::from_chunk(&self.store.get_required(&address)?)?,
        ))
    }

    /// Writes a catalog and returns its address.
    pub fn write_catalog(&self, catalog: &Catalog) -> Result<Address> {
        let chunk = catalog.to_chunk();
        self.store.put(&chunk)?;
        Ok(chunk.address())
    }

    /// Reads a catalog.
    pub fn read_catalog(&self, address: &Address) -> Result<Catalog> {
        Ok(Catalog::from_chunk(&self.store.get_required(address)?)?)
    }

    /// Writes a table object and returns its address.
    pub fn write_table(&self, table: &TableObject) -> Result<Address> {
        let chunk = table.to_chunk();
        self.store.put(&chunk)?;
        Ok(chunk.address())
    }

    /// Reads a table object.
    pub fn read_table(&self, address: &Address) -> Result<TableObject> {
        Ok(TableObject::from_chunk(&self.store.get_required(address)?)?)
    }

    /// Writes a commit and returns its address.
    pub fn write_commit(&self, commit: &Commit) -> Result<Address> {
        let chunk = commit.to_chunk();
        self.store.put(&chunk)?;
        Ok(chunk.address())
    }

    /// Reads a commit. In a shallow clone, a commit at the cut has only
    /// the parents the store holds (none, usually): history ends there, as
    /// in Git's shallow clones.
    pub fn read_commit(&self, address: &Address) -> Result<Commit> {
        let mut commit = Commit::from_chunk(&self.store.get_required(address)?)?;
        // Cheap for every commit (an index lookup per parent); the store
        // root is read only when a parent is absent.
        let mut absent = Vec::new();
        for p in &commit.parents {
            if !self.store.has(p)? {
                absent.push(*p);
            }
        }
        // (A store being cloned into has no root yet: nothing is grafted.)
        if !absent.is_empty()
            && self.store.root()?.is_some()
            && self.store_root()?.refs.contains_key(&shallow_ref(address))
        {
            commit.parents.retain(|p| !absent.contains(p));
        }
        Ok(commit)
    }

    /// The commits a shallow clone left out: the parents of its cut
    /// commits (refs `shallow/<commit>`) that the store does not hold.
    pub fn shallow_cut(&self) -> Result<HashSet<Address>> {
        let mut left_out = HashSet::new();
        for (name, commit) in &self.store_root()?.refs {
            if !name.starts_with(SHALLOW_PREFIX) {
                continue;
            }
            let chunk = self.store.get_required(commit)?;
            for p in Commit::from_chunk(&chunk)?.parents {
                if !self.store.has(&p)? {
                    left_out.insert(p);
                }
            }
        }
        Ok(left_out)
    }

    /// Writes an annotated tag and returns its address.
    pub fn write_tag(&self, tag: &TagObject) -> Result<Address> {
        let chunk = tag.to_chunk();
        self.store.put(&chunk)?;
        Ok(chunk.address())
    }

    /// The annotated tag at `address`, or `None` when it holds another
    /// object (a lightweight tag's commit).
    pub fn read_tag(&self, address: &Address) -> Result<Option<TagObject>> {
        let chunk = self.store.get_required(address)?;
        if chunk.kind() != TAG {
            return Ok(None);
        }
        Ok(Some(TagObject::from_chunk(&chunk)?))
    }

    /// The commit a ref's target names: the target itself, or the commit of
    /// the annotated tag it is.
    pub fn peel(&self, address: &Address) -> Result<Address> {
        Ok(match self.read_tag(address)? {
            Some(tag) => tag.commit,
            None => *address,
        })
    }

    /// Writes a working set and returns its address.
    pub fn write_working_set(&self, ws: &WorkingSet) -> Result<Address> {
        let chunk = ws.to_chunk();
        self.store.put(&chunk)?;
        Ok(chunk.address())
    }

    /// An empty prolly map in this repository's store.
    pub fn empty_map(&self) -> Result<ProllyMap> {
        Ok(ProllyMap::empty(&self.nodes)?)
    }

    /// The map rooted at `root`.
    pub fn map(&self, root: Address) -> Result<ProllyMap> {
        Ok(ProllyMap::load(&self.nodes, root)?)
    }
}

/// Branch names follow Git's rules for ref names, simplified: no empty name,
/// no whitespace or control characters, none of `~^:?*[\`, no `..`, no
/// leading `-` or `/`, no trailing `/` or `.lock`. Names a revision would
/// read as something else are refused too: `HEAD`, `@`, and a name shaped
/// like a full commit hash (64 hex digits).
pub fn validate_branch_name(name: &str) -> Result<()> {
    validate_ref_name(name, "branch")
}

/// Tag names follow the rules of branch names.
pub fn validate_tag_name(name: &str) -> Result<()> {
    validate_ref_name(name, "tag")
}

/// Checks `name` as a branch or tag name; `kind` says which, for messages.
fn validate_ref_name(name: &str, kind: &str) -> Result<()> {
    let malformed = name.is_empty()
        || name.starts_with('-')
        || name.starts_with('/')
        || name.ends_with('/')
        || name.ends_with('.')
        || name.ends_with(".lock")
        || name.contains("..")
        || name.contains("//")
        || name.contains("@{")
        || name
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || "~^:?*[\\".contains(c));
    if malformed {
        // Control and invisible characters are shown escaped: raw, they
        // would drive the terminal the message is printed on, or hide.
        let shown = arbor_schema::sql_text::shown(name);
        return Err(Error::new(
            SqlState::SyntaxError,
            format!("'{shown}' is not a valid {kind} name"),
        )
        .with_hint(format!(
            "{kind} names cannot contain spaces, '..', or any of ~^:?*[\\"
        )));
    }
    let reserved = name == "HEAD"
        || name == "@"
        || (name.len() == 64 && name.bytes().all(|b| b.is_ascii_hexdigit()));
    if reserved {
        return Err(Error::new(
            SqlState::ReservedName,
            format!(
                "'{name}' is not a valid {kind} name: a revision would read it as something else"
            ),
        )
        .with_hint("HEAD, @ and 64-digit hashes name commits; choose another name"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use arbor_merkle::MemoryStore;

    use super::*;

    fn author() -> Signature {
        Signature {
            name: "Test".into(),
            email: "test@example.com".into(),
            time: 0,
            offset_minutes: 0,
        }
    }

    #[test]
    fn init_creates_a_branch_a_commit_and_a_working_set() {
        let store: Arc<dyn ChunkStore> = Arc::new(MemoryStore::new());
        let repo = Repository::init(store.clone(), "main", &author()).unwrap();
        let head = repo.branch_head("main").unwrap();
        let commit = repo.read_commit(&head).unwrap();
        assert_eq!(commit.height, 1);
        assert_eq!(
            repo.read_catalog(&commit.catalog).unwrap(),
            Catalog::default()
        );
        let (_, ws) = repo.working_set("main").unwrap();
        assert_eq!(ws.working, commit.catalog);
        assert!(
            Repository::init(store.clone(), "main", &author()).is_err(),
            "init twice"
        );
        assert!(Repository::open(store).is_ok());
        assert!(Repository::open(Arc::new(MemoryStore::new())).is_err());
    }

    #[test]
    fn ref_updates_are_compare_and_swap() {
        let repo = Repository::init(Arc::new(MemoryStore::new()), "main", &author()).unwrap();
        let head = repo.branch_head("main").unwrap();
        let other = Address::of(b"other");
        let update = RefUpdate {
            name: branch_ref("dev"),
            expected: None,
            new: Some(head),
        };
        repo.update_refs(std::slice::from_ref(&update)).unwrap();
        assert_eq!(repo.branch_head("dev").unwrap(), head);
        // A second writer with the same (now stale) expectation fails and changes nothing.
        let stale = RefUpdate {
            new: Some(other),
            ..update
        };
        assert_eq!(repo.update_refs(&[stale]).unwrap_err().code, "40001");
        assert_eq!(repo.branch_head("dev").unwrap(), head);
    }

    #[test]
    fn branch_names_are_checked() {
        for bad in ["", "-x", "a..b", "a b", "x:y", "a/", "x.lock", "a~1"] {
            assert!(validate_branch_name(bad).is_err(), "{bad:?}");
        }
        for good in ["main", "feature/x", "v1.2", "dev-2"] {
            validate_branch_name(good).unwrap();
        }
    }
}
