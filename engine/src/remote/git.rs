//! Git remotes: an Arbor repository kept inside a Git repository.
//!
//! Arbor's chunks travel as Git objects under one dedicated ref,
//! [`DATA_REF`] (`refs/arbor/data`); the Git repository's branches and tags
//! are never touched, so data and code can share a repository on any Git
//! host. The ref points at a Git commit whose tree holds:
//!
//! - `root`: the address of the Arbor store root chunk, in hex, and a newline;
//! - `packs/<xx>/<name>.pack` and `.idx` for each pack (`xx`: the name's
//!   first two hex digits): many chunks in one blob (closed at
//!   [`PACK_TARGET`] bytes, so a 1M-row table is a few hundred Git objects,
//!   not one per chunk), and their index (byte layout in docs/format.md,
//!   "Git remotes");
//! - `README`: a note for people browsing the ref.
//!
//! Each push adds one or more packs holding only the chunks the remote
//! lacked and a new commit whose parent is the previous one, so the data
//! ref only ever fast-forwards and Git's own negotiation sends only new
//! objects in both directions.
//!
//! Git is reached through a cache repository (a bare repository per URL
//! under [`cache_root`]): fetches go into it with gitoxide (`gix`), objects
//! are written into it with gitoxide, and pushes leave it with the `git`
//! binary (gitoxide cannot push yet). The push is a compare-and-swap of the
//! data ref (`--force-with-lease` naming the commit this process fetched):
//! everything a new store root reaches is in the packs of the same commit,
//! so a remote never publishes a root whose chunks are missing, and an
//! interrupted push leaves the ref as it was.
//!
//! [`GitStore`] is a [`ChunkStore`] over all this, so the rest of the remote
//! code (walks, fast-forward checks, ref edits) is the same for folders and
//! for Git.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::fs::File;
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, MutexGuard};

use arbor_merkle::{Address, Chunk, ChunkStore};
use gix::ObjectId;

use crate::error::{Error, Result, SqlState};

/// The Git ref that holds an Arbor repository.
pub const DATA_REF: &str = "refs/arbor/data";

/// A pack is closed once it holds this many bytes of chunks. Large enough
/// that a 1M-row table is a few hundred Git objects, not one per chunk;
/// small enough that a big push is over Git's `receive.unpackLimit` (100
/// objects), so the Git server keeps the pack as sent instead of exploding
/// it into loose objects, which it would then try to deltify against each
/// other on every later fetch (seconds per megabyte).
pub const PACK_TARGET: usize = 1 << 20;

/// The first bytes of a pack blob.
const PACK_MAGIC: &[u8; 8] = b"ARBORPK1";
/// The first bytes of a pack index blob.
const INDEX_MAGIC: &[u8; 8] = b"ARBORIX1";
/// One index entry: address, offset in the pack, length.
const INDEX_ENTRY_LEN: usize = 32 + 8 + 4;
/// How many packs' bytes are kept in memory while reading.
const LOADED_PACKS: usize = 32;

const README: &str = "This ref holds an Arbor data repository: content-addressed chunks \
in packs (*.pack, indexed by *.idx) and the address of its store root (root).\n\
Clone it with `arbor clone git+<url of this repository>`.\n";

/// One pack of the remote: its name and the Git blobs of its bytes and index.
#[derive(Clone, Debug)]
struct PackRef {
    name: String,
    data: ObjectId,
    index: ObjectId,
}

/// Where a chunk is: in a pack (by its number in `State::packs`) or in the
/// pack being filled.
#[derive(Clone, Copy, Debug)]
enum Location {
    Pack { pack: usize, offset: u64, len: u32 },
    Pending { offset: u64, len: u32 },
}

#[derive(Debug, Default)]
struct State {
    /// The data commit this process last fetched or pushed.
    tip: Option<ObjectId>,
    /// The store root that commit names.
    root: Option<Address>,
    /// Every pack of `tip`, then packs written here and not yet published.
    packs: Vec<PackRef>,
    /// How many of `packs` belong to `tip`.
    published: usize,
    index: HashMap<Address, Location>,
    /// The pack being filled (starting with its magic).
    pending: Vec<u8>,
    pending_entries: Vec<(Address, u64, u32)>,
    /// Recently read packs, most recent last.
    loaded: Vec<(usize, Arc<Vec<u8>>)>,
}

impl State {
    /// Keeps the bytes of pack `pack` among the recently read ones.
    fn remember(&mut self, pack: usize, bytes: Arc<Vec<u8>>) {
        self.loaded.push((pack, bytes));
        if self.loaded.len() > LOADED_PACKS {
            self.loaded.remove(0);
        }
    }
}

/// A chunk store over a Git remote, read from and written to through a
/// cache repository; see the module documentation.
pub struct GitStore {
    /// The Git URL (without Arbor's `git+` prefix).
    url: String,
    /// The cache repository (opened for each use: gitoxide's handles are
    /// not shared between threads in this build).
    cache_dir: PathBuf,
    state: Mutex<State>,
    /// Held while the store is open: one process at a time uses a cache.
    _lock: File,
}

impl fmt::Debug for GitStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GitStore").field("url", &self.url).finish()
    }
}

/// An error of gitoxide's while doing `what`, with the causes it wraps
/// (the transport's own words are usually the last of them).
fn git_error(what: impl fmt::Display) -> impl FnOnce(&dyn std::error::Error) -> Error {
    move |e| {
        let mut message = format!("{what}: {e}");
        let mut source = e.source();
        while let Some(cause) = source {
            let text = cause.to_string();
            if !message.contains(&text) {
                message.push_str(": ");
                message.push_str(&text);
            }
            source = cause.source();
        }
        Error::new(SqlState::IoError, message)
    }
}

/// Turns an error of this module into one a chunk store may return:
/// damage stays damage.
fn to_store_error(e: Error) -> arbor_merkle::Error {
    let e = e.into_fields();
    if e.code == SqlState::DataCorrupted {
        return arbor_merkle::Error::Corrupt(e.message);
    }
    arbor_merkle::Error::Io {
        context: "Git remote".into(),
        source: std::io::Error::other(e.message),
    }
}

impl GitStore {
    /// Opens the Git repository at `url` (a URL Git understands: `file://`,
    /// `ssh://`, `https://`, ...): makes or reuses its cache repository and
    /// fetches the data ref into it. Cache repositories live in `root`
    /// (the environment's `git_cache`), one per URL.
    pub fn open(url: &str, root: &std::path::Path) -> Result<GitStore> {
        let name = &Address::of(url.as_bytes()).to_hex()[..24];
        let cache_dir = root.join(format!("{name}.git"));
        std::fs::create_dir_all(root).map_err(|e| {
            Error::new(
                SqlState::IoError,
                format!("cannot create the Git cache {}: {e}", root.display()),
            )
            .with_hint("set ARBOR_GIT_CACHE to a folder Arbor may write")
        })?;
        let lock = File::create(root.join(format!("{name}.lock")))
            .and_then(|f| f.lock().map(|()| f))
            .map_err(|e| {
                Error::new(
                    SqlState::IoError,
                    format!("cannot lock the Git cache {}: {e}", cache_dir.display()),
                )
            })?;
        // With the cache locked, a ref lock file can only be left over from
        // a process that was killed; Git would refuse to go on while it lies.
        for stale in ["refs/arbor/data.lock", "packed-refs.lock"] {
            let _ = std::fs::remove_file(cache_dir.join(stale));
        }
        if !cache_dir.join("HEAD").is_file() {
            // Made beside and renamed into place, so a process killed while
            // making it leaves no half-made cache behind.
            let fresh = root.join(format!("{name}.new"));
            let _ = std::fs::remove_dir_all(&fresh);
            let _ = std::fs::remove_dir_all(&cache_dir);
            gix::init_bare(&fresh)
                .map_err(|e| git_error(format!("creating {}", fresh.display()))(&e))?;
            std::fs::rename(&fresh, &cache_dir).map_err(|e| {
                Error::new(
                    SqlState::IoError,
                    format!("cannot create the Git cache {}: {e}", cache_dir.display()),
                )
            })?;
        }
        let store = GitStore {
            url: url.to_owned(),
            cache_dir,
            state: Mutex::new(State::default()),
            _lock: lock,
        };
        {
            let mut state = store.lock_state();
            store.refresh(&mut state)?;
        }
        Ok(store)
    }

    fn cache(&self) -> Result<gix::Repository> {
        gix::open(&self.cache_dir)
            .map_err(|e| git_error(format!("opening {}", self.cache_dir.display()))(&e))
    }

    fn lock_state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Fetches the data ref and rebuilds the view of the remote from it,
    /// keeping the packs written here and not yet published.
    fn refresh(&self, state: &mut State) -> Result<()> {
        let tip = self.fetch_tip()?;
        let repo = self.cache()?;
        let unpublished: Vec<PackRef> = state.packs.drain(state.published..).collect();
        let mut fresh = State::default();
        if let Some(tip) = tip {
            let (root, packs) = read_data_commit(&repo, tip)?;
            fresh.tip = Some(tip);
            fresh.root = Some(root);
            for pack in packs {
                add_pack(&repo, &mut fresh, pack)?;
            }
        }
        fresh.published = fresh.packs.len();
        for pack in unpublished {
            add_pack(&repo, &mut fresh, pack)?;
        }
        // Chunks of the pack being filled stay where they are.
        fresh.pending = std::mem::take(&mut state.pending);
        fresh.pending_entries = std::mem::take(&mut state.pending_entries);
        for (address, offset, len) in &fresh.pending_entries {
            fresh.index.insert(
                *address,
                Location::Pending {
                    offset: *offset,
                    len: *len,
                },
            );
        }
        *state = fresh;
        Ok(())
    }

    /// Fetches the remote's data ref into the cache; returns its commit, or
    /// `None` when the remote holds no Arbor data.
    fn fetch_tip(&self) -> Result<Option<ObjectId>> {
        if self.url.starts_with("http://") || self.url.starts_with("https://") {
            return self.fetch_tip_with_git();
        }
        let repo = self.cache()?;
        let failed = git_error(format!("fetching from {}", self.url));
        let remote = repo
            .remote_at(self.url.as_str())
            .map_err(|e| git_error(format!("invalid Git URL '{}'", self.url))(&e))?
            .with_refspecs(
                Some(format!("+{DATA_REF}:{DATA_REF}").as_str()),
                gix::remote::Direction::Fetch,
            )
            .map_err(|e| git_error("the data refspec")(&e))?;
        let prepared = remote
            .with_fetch_tags(gix::remote::fetch::Tags::None)
            .connect(gix::remote::Direction::Fetch)
            .map_err(|e| git_error(format!("connecting to {}", self.url))(&e))?
            .prepare_fetch(gix::progress::Discard, Default::default())
            .map_err(|e| git_error(format!("fetching from {}", self.url))(&e))?;
        let tip = prepared
            .ref_map()
            .mappings
            .iter()
            .find(|m| m.remote.as_name().is_some_and(|n| n == DATA_REF))
            .and_then(|m| m.remote.as_id())
            .map(ToOwned::to_owned);
        if tip.is_some() {
            prepared
                .receive(gix::progress::Discard, &AtomicBool::new(false))
                .map_err(|e| failed(&e))?;
        }
        Ok(tip)
    }

    /// The fetch for transports gitoxide is built without (http, https):
    /// the `git` binary, into the same cache.
    fn fetch_tip_with_git(&self) -> Result<Option<ObjectId>> {
        let listed = self.git(&["ls-remote", "--end-of-options", &self.url, DATA_REF])?;
        let Some(line) = listed.lines().next() else {
            return Ok(None);
        };
        let refspec = format!("+{DATA_REF}:{DATA_REF}");
        self.git(&[
            "fetch",
            "--no-tags",
            "--end-of-options",
            &self.url,
            &refspec,
        ])?;
        let hex = line.split_whitespace().next().unwrap_or_default();
        ObjectId::from_hex(hex.as_bytes())
            .map(Some)
            .map_err(|e| git_error("the advertised data ref")(&e))
    }

    /// Runs the `git` binary in the cache repository; returns its output.
    fn git(&self, args: &[&str]) -> Result<String> {
        let output = self.run_git(args)?;
        if !output.status.success() {
            return Err(Error::new(
                SqlState::IoError,
                format!(
                    "git {} failed: {}",
                    args.first().copied().unwrap_or_default(),
                    String::from_utf8_lossy(&output.stderr).trim()
                ),
            ));
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }

    /// Runs the `git` program in the cache repository, whatever its exit.
    fn run_git(&self, args: &[&str]) -> Result<std::process::Output> {
        Command::new("git")
            .arg("-C")
            .arg(&self.cache_dir)
            .args(args)
            .output()
            .map_err(|e| {
                Error::new(SqlState::IoError, format!("cannot run git: {e}"))
                    .with_hint("Git remotes need the `git` program on the PATH")
            })
    }

    /// Writes the pack being filled into the cache repository.
    fn flush(&self, state: &mut State) -> Result<()> {
        if state.pending_entries.is_empty() {
            return Ok(());
        }
        let repo = self.cache()?;
        let data = std::mem::take(&mut state.pending);
        let entries = std::mem::take(&mut state.pending_entries);
        let index = encode_index(&entries);
        let name = Address::of(&data).to_hex()[..40].to_owned();
        let data_id = write_blob(&repo, &data)?;
        let index_id = write_blob(&repo, &index)?;
        let pack = state.packs.len();
        state.packs.push(PackRef {
            name,
            data: data_id,
            index: index_id,
        });
        for (address, offset, len) in entries {
            state
                .index
                .insert(address, Location::Pack { pack, offset, len });
        }
        state.remember(pack, Arc::new(data));
        Ok(())
    }

    /// Writes a data commit naming `root` and every pack, and pushes it
    /// if the remote's data ref is still `state.tip`. Returns whether it was.
    fn publish(&self, state: &mut State, root: Address) -> Result<bool> {
        self.flush(state)?;
        let repo = self.cache()?;
        // packs/<first two hex digits of the name>/<name>.{idx,pack}: a push
        // rewrites the root, `packs` (at most 256 entries) and one subtree,
        // however many packs the repository holds.
        let mut by_prefix: BTreeMap<String, Vec<TreeEntry>> = BTreeMap::new();
        for pack in &state.packs {
            let files = by_prefix.entry(pack.name[..2].to_owned()).or_default();
            files.push(TreeEntry::blob(format!("{}.idx", pack.name), pack.index));
            files.push(TreeEntry::blob(format!("{}.pack", pack.name), pack.data));
        }
        let mut packs = Vec::new();
        for (prefix, files) in by_prefix {
            packs.push(TreeEntry::tree(prefix, write_tree(&repo, files)?));
        }
        let tree_id = write_tree(
            &repo,
            vec![
                TreeEntry::blob("README".into(), write_blob(&repo, README.as_bytes())?),
                TreeEntry::blob(
                    "root".into(),
                    write_blob(&repo, format!("{}\n", root.to_hex()).as_bytes())?,
                ),
                TreeEntry::tree("packs".into(), write_tree(&repo, packs)?),
            ],
        )?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        let signature = gix::actor::Signature {
            name: "Arbor".into(),
            email: "arbor@localhost".into(),
            time: gix::date::Time::new(now, 0),
        };
        let commit = gix::objs::Commit {
            tree: tree_id,
            parents: state.tip.into_iter().collect(),
            author: signature.clone(),
            committer: signature,
            encoding: None,
            message: format!("Arbor data: store root {}\n", root.to_hex()).into(),
            extra_headers: Vec::new(),
        };
        let commit_id = repo
            .write_object(&commit)
            .map_err(|e| git_error("writing a commit")(&e))?
            .detach();
        let lease = format!(
            "--force-with-lease={DATA_REF}:{}",
            state.tip.map(|t| t.to_string()).unwrap_or_default()
        );
        let refspec = format!("{commit_id}:{DATA_REF}");
        // Packs of chunks do not delta against each other: no search.
        let output = self.run_git(&[
            "-c",
            "pack.window=0",
            "push",
            "--porcelain",
            "--quiet",
            &lease,
            "--end-of-options",
            &self.url,
            &refspec,
        ])?;
        if output.status.success() {
            state.tip = Some(commit_id);
            state.root = Some(root);
            state.published = state.packs.len();
            return Ok(true);
        }
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        if said.contains("stale info") || said.contains("fetch first") {
            // Someone else pushed: look again; the caller retries.
            self.refresh(state)?;
            return Ok(false);
        }
        Err(Error::new(
            SqlState::IoError,
            format!("git push to {} failed: {}", self.url, said.trim()),
        ))
    }

    /// The bytes of pack `pack`, from memory or the cache repository.
    fn pack_bytes(&self, state: &mut State, pack: usize) -> Result<Arc<Vec<u8>>> {
        if let Some(i) = state.loaded.iter().position(|(p, _)| *p == pack) {
            let entry = state.loaded.remove(i);
            let bytes = entry.1.clone();
            state.loaded.push(entry);
            return Ok(bytes);
        }
        let pack_ref = state
            .packs
            .get(pack)
            .ok_or_else(|| Error::internal("a chunk in a pack that does not exist"))?;
        let repo = self.cache()?;
        let bytes = read_blob(&repo, pack_ref.data, &format!("pack {}", pack_ref.name))?;
        if !bytes.starts_with(PACK_MAGIC) {
            return Err(Error::new(
                SqlState::DataCorrupted,
                format!("Git remote pack {} is not an Arbor pack", pack_ref.name),
            ));
        }
        let bytes = Arc::new(bytes);
        state.remember(pack, bytes.clone());
        Ok(bytes)
    }

    fn get_chunk(&self, address: &Address) -> arbor_merkle::Result<Option<Chunk>> {
        let mut state = self.lock_state();
        let Some(location) = state.index.get(address).copied() else {
            return Ok(None);
        };
        let (offset, len, place, pack_bytes) = match location {
            Location::Pending { offset, len } => {
                (offset, len, "the pack being written".to_owned(), None)
            }
            Location::Pack { pack, offset, len } => {
                let place = format!("Git remote pack {}", state.packs[pack].name);
                let bytes = self.pack_bytes(&mut state, pack).map_err(to_store_error)?;
                (offset, len, place, Some(bytes))
            }
        };
        let bytes: &[u8] = match &pack_bytes {
            Some(bytes) => bytes,
            None => &state.pending,
        };
        let start = usize::try_from(offset).unwrap_or(usize::MAX);
        let slice = start
            .checked_add(len as usize)
            .and_then(|end| bytes.get(start..end))
            .ok_or_else(|| {
                arbor_merkle::Error::Corrupt(format!(
                    "{place}: chunk {address} lies past the end of the pack"
                ))
            })?;
        Chunk::from_bytes_verified(*address, slice.to_vec(), Some(place)).map(Some)
    }
}

impl ChunkStore for GitStore {
    fn get(&self, address: &Address) -> arbor_merkle::Result<Option<Chunk>> {
        self.get_chunk(address)
    }

    fn has(&self, address: &Address) -> arbor_merkle::Result<bool> {
        Ok(self.lock_state().index.contains_key(address))
    }

    fn put_many(&self, chunks: &[Chunk]) -> arbor_merkle::Result<()> {
        let mut state = self.lock_state();
        for chunk in chunks {
            let address = chunk.address();
            if state.index.contains_key(&address) {
                continue;
            }
            if state.pending.is_empty() {
                state.pending.extend_from_slice(PACK_MAGIC);
            }
            let offset = state.pending.len() as u64;
            let len = chunk.len() as u32;
            state.pending.extend_from_slice(chunk.bytes());
            state.pending_entries.push((address, offset, len));
            state
                .index
                .insert(address, Location::Pending { offset, len });
            if state.pending.len() >= PACK_TARGET {
                self.flush(&mut state).map_err(to_store_error)?;
            }
        }
        Ok(())
    }

    fn root(&self) -> arbor_merkle::Result<Option<Address>> {
        Ok(self.lock_state().root)
    }

    fn compare_and_swap_root(
        &self,
        expected: Option<Address>,
        new: Address,
    ) -> arbor_merkle::Result<bool> {
        let mut state = self.lock_state();
        if state.root != expected {
            return Ok(false);
        }
        self.publish(&mut state, new).map_err(to_store_error)
    }
}

fn write_blob(repo: &gix::Repository, bytes: &[u8]) -> Result<ObjectId> {
    Ok(repo
        .write_blob(bytes)
        .map_err(|e| git_error("writing a Git blob")(&e))?
        .detach())
}

fn read_blob(repo: &gix::Repository, id: ObjectId, what: &str) -> Result<Vec<u8>> {
    let object = repo.find_object(id).map_err(|e| {
        Error::new(
            SqlState::DataCorrupted,
            format!("the Git remote's {what} ({id}) is missing: {e}"),
        )
    })?;
    if object.kind != gix::object::Kind::Blob {
        return Err(Error::new(
            SqlState::DataCorrupted,
            format!("the Git remote's {what} ({id}) is not a blob"),
        ));
    }
    Ok(object.detach().data)
}

/// Reads a data commit: the store root it names and its packs.
fn read_data_commit(repo: &gix::Repository, tip: ObjectId) -> Result<(Address, Vec<PackRef>)> {
    let damaged = |why: String| {
        Error::new(
            SqlState::DataCorrupted,
            format!("the Git remote's {DATA_REF} ({tip}) is damaged: {why}"),
        )
    };
    let commit = repo
        .find_commit(tip)
        .map_err(|e| damaged(format!("not a commit: {e}")))?;
    let tree = commit
        .tree()
        .map_err(|e| damaged(format!("its tree: {e}")))?;
    let top = tree_entries(&tree).map_err(|e| damaged(format!("its tree: {e}")))?;
    let mut files: HashMap<String, ObjectId> = HashMap::new();
    for (name, oid) in top {
        if name != "packs" {
            files.insert(name, oid);
            continue;
        }
        let packs = repo
            .find_tree(oid)
            .map_err(|e| damaged(format!("its packs/ folder: {e}")))?;
        for (prefix, oid) in
            tree_entries(&packs).map_err(|e| damaged(format!("its packs/ folder: {e}")))?
        {
            let folder = repo
                .find_tree(oid)
                .map_err(|e| damaged(format!("packs/{prefix}: {e}")))?;
            for (name, oid) in
                tree_entries(&folder).map_err(|e| damaged(format!("packs/{prefix}: {e}")))?
            {
                files.insert(name, oid);
            }
        }
    }
    let root_id = files
        .get("root")
        .ok_or_else(|| damaged("it has no `root` file".into()))?;
    let root_text = read_blob(repo, *root_id, "root file")?;
    let root: Address = std::str::from_utf8(&root_text)
        .ok()
        .and_then(|t| t.trim().parse().ok())
        .ok_or_else(|| damaged("its `root` file is not a chunk address".into()))?;
    let mut packs = Vec::new();
    let mut names: Vec<&String> = files.keys().filter(|n| n.ends_with(".idx")).collect();
    names.sort();
    for index_name in names {
        let name = index_name.trim_end_matches(".idx").to_owned();
        // Names are what this module gives packs: 40 lowercase hex digits.
        if name.len() != 40 || !name.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(damaged(format!("{index_name} is not a pack index name")));
        }
        let data = files
            .get(&format!("{name}.pack"))
            .ok_or_else(|| damaged(format!("{index_name} has no {name}.pack")))?;
        packs.push(PackRef {
            index: files[index_name],
            data: *data,
            name,
        });
    }
    Ok((root, packs))
}

/// One entry of a tree to write.
struct TreeEntry {
    name: String,
    oid: ObjectId,
    is_tree: bool,
}

impl TreeEntry {
    fn blob(name: String, oid: ObjectId) -> TreeEntry {
        TreeEntry {
            name,
            oid,
            is_tree: false,
        }
    }

    fn tree(name: String, oid: ObjectId) -> TreeEntry {
        TreeEntry {
            name,
            oid,
            is_tree: true,
        }
    }
}

/// Writes a tree of `entries`, in Git's order (a tree's name sorts as if
/// it ended in `/`).
fn write_tree(repo: &gix::Repository, mut entries: Vec<TreeEntry>) -> Result<ObjectId> {
    let sort_key = |e: &TreeEntry| {
        let mut key = e.name.clone().into_bytes();
        if e.is_tree {
            key.push(b'/');
        }
        key
    };
    entries.sort_by_key(sort_key);
    entries.dedup_by(|a, b| a.name == b.name);
    let tree = gix::objs::Tree {
        entries: entries
            .into_iter()
            .map(|e| gix::objs::tree::Entry {
                mode: if e.is_tree {
                    gix::objs::tree::EntryKind::Tree.into()
                } else {
                    gix::objs::tree::EntryKind::Blob.into()
                },
                filename: e.name.into(),
                oid: e.oid,
            })
            .collect(),
    };
    Ok(repo
        .write_object(&tree)
        .map_err(|e| git_error("writing a tree")(&e))?
        .detach())
}

/// The names and objects of a tree's entries.
fn tree_entries(tree: &gix::Tree<'_>) -> std::result::Result<Vec<(String, ObjectId)>, String> {
    let decoded = tree.decode().map_err(|e| e.to_string())?;
    Ok(decoded
        .entries
        .iter()
        .map(|e| (e.filename.to_string(), e.oid.to_owned()))
        .collect())
}

/// Adds a pack and its index entries to `state`.
fn add_pack(repo: &gix::Repository, state: &mut State, pack: PackRef) -> Result<()> {
    let bytes = read_blob(repo, pack.index, &format!("index {}.idx", pack.name))?;
    let entries = decode_index(&bytes).map_err(|why| {
        Error::new(
            SqlState::DataCorrupted,
            format!("the Git remote's index {}.idx is damaged: {why}", pack.name),
        )
    })?;
    let number = state.packs.len();
    state.packs.push(pack);
    for (address, offset, len) in entries {
        state.index.entry(address).or_insert(Location::Pack {
            pack: number,
            offset,
            len,
        });
    }
    Ok(())
}

/// A pack index: magic, count (u32 LE), then per chunk its address, offset
/// (u64 LE) and length (u32 LE).
fn encode_index(entries: &[(Address, u64, u32)]) -> Vec<u8> {
    let mut out = Vec::with_capacity(12 + entries.len() * INDEX_ENTRY_LEN);
    out.extend_from_slice(INDEX_MAGIC);
    out.extend_from_slice(&(entries.len() as u32).to_le_bytes());
    for (address, offset, len) in entries {
        out.extend_from_slice(address.as_bytes());
        out.extend_from_slice(&offset.to_le_bytes());
        out.extend_from_slice(&len.to_le_bytes());
    }
    out
}

fn decode_index(bytes: &[u8]) -> std::result::Result<Vec<(Address, u64, u32)>, String> {
    let rest = bytes
        .strip_prefix(INDEX_MAGIC.as_slice())
        .ok_or("it does not start with ARBORIX1")?;
    let (count, body) = rest.split_at_checked(4).ok_or("it is cut short")?;
    let count = u32::from_le_bytes(count.try_into().map_err(|_| "bad count")?) as usize;
    if body.len() != count.saturating_mul(INDEX_ENTRY_LEN) {
        return Err(format!(
            "it says {count} entries but holds {} bytes",
            body.len()
        ));
    }
    body.chunks_exact(INDEX_ENTRY_LEN)
        .map(|e| {
            let address = Address::from_slice(&e[..32]).ok_or("a bad address")?;
            let offset = u64::from_le_bytes(e[32..40].try_into().map_err(|_| "bad offset")?);
            let len = u32::from_le_bytes(e[40..44].try_into().map_err(|_| "bad length")?);
            Ok((address, offset, len))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use arbor_merkle::ChunkKind;

    use super::*;

    /// A bare Git repository in `dir` and its URL; `None` (with a note)
    /// where the `git` program is missing.
    fn bare_repository(dir: &std::path::Path) -> Option<String> {
        let made = Command::new("git")
            .args(["init", "-q", "--bare"])
            .arg(dir.join("hub.git"))
            .status();
        if !made.is_ok_and(|s| s.success()) {
            println!("skipped: the `git` program is not available");
            return None;
        }
        Some(format!("file://{}", dir.join("hub.git").display()))
    }

    fn chunk(i: u32, size: usize) -> Chunk {
        let mut payload = i.to_le_bytes().to_vec();
        payload.resize(size, (i % 251) as u8);
        Chunk::new(ChunkKind::BLOB_LEAF, &[], &payload)
    }

    /// Chunks put read back before and after they are published, from this
    /// store and from another cache; packs close at their size; a stale
    /// compare-and-swap is refused.
    #[test]
    fn chunks_round_trip_through_a_git_repository() {
        let dir = tempfile::tempdir().unwrap();
        let Some(url) = bare_repository(dir.path()) else {
            return;
        };
        let store = GitStore::open(&url, &dir.path().join("a")).unwrap();
        assert_eq!(store.root().unwrap(), None);
        // About 2.5 packs' worth, so two packs close and one is pending.
        let chunks: Vec<Chunk> = (0..40).map(|i| chunk(i, 64 << 10)).collect();
        store.put_many(&chunks).unwrap();
        assert_eq!(store.lock_state().packs.len(), 2);
        for c in &chunks {
            assert!(store.has(&c.address()).unwrap());
            assert_eq!(store.get(&c.address()).unwrap().as_ref(), Some(c));
        }
        let absent = chunk(1000, 10).address();
        assert!(!store.has(&absent).unwrap());
        assert_eq!(store.get(&absent).unwrap(), None);

        let root = chunks[0].address();
        assert!(!store.compare_and_swap_root(Some(root), root).unwrap());
        assert!(store.compare_and_swap_root(None, root).unwrap());
        assert_eq!(store.root().unwrap(), Some(root));
        drop(store);

        // Another cache sees everything; its stale swap is refused once the
        // first store moved on.
        let other = GitStore::open(&url, &dir.path().join("b")).unwrap();
        assert_eq!(other.root().unwrap(), Some(root));
        for c in &chunks {
            assert_eq!(other.get(&c.address()).unwrap().as_ref(), Some(c));
        }
        let first = GitStore::open(&url, &dir.path().join("a")).unwrap();
        let next = chunk(2000, 100);
        first.put(&next).unwrap();
        assert!(
            first
                .compare_and_swap_root(Some(root), next.address())
                .unwrap()
        );
        let late = chunk(3000, 100);
        other.put(&late).unwrap();
        assert!(
            !other
                .compare_and_swap_root(Some(root), late.address())
                .unwrap()
        );
        // The refusal fetched the new state, keeping what it had written.
        assert_eq!(other.root().unwrap(), Some(next.address()));
        assert!(other.has(&late.address()).unwrap());
        assert!(
            other
                .compare_and_swap_root(Some(next.address()), late.address())
                .unwrap()
        );
        drop((first, other));
        let third = GitStore::open(&url, &dir.path().join("c")).unwrap();
        assert_eq!(third.root().unwrap(), Some(late.address()));
        assert_eq!(third.get(&late.address()).unwrap(), Some(late));
    }

    #[test]
    fn damaged_indexes_are_refused() {
        assert!(decode_index(b"ARBORIX1").is_err());
        assert!(decode_index(b"nonsense").is_err());
        let entries = vec![(Address::of(b"x"), 8, 3)];
        let mut bytes = encode_index(&entries);
        assert_eq!(decode_index(&bytes).unwrap(), entries);
        bytes.pop();
        assert!(decode_index(&bytes).is_err());
    }
}
