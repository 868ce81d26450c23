//! A simulated storage for crash and fault tests.
//!
//! Each file keeps two images: what has been written (`current`) and what
//! would survive a power loss (`durable`, updated by `sync`). The folder keeps
//! two name tables the same way: creations, renames and removals become
//! durable only at `sync_dir`. Every mutating call is counted; the simulation
//! can be told to crash at call N (that call and every later one fail) or to
//! fail call N with an I/O error and carry on. After a crash,
//! [`SimStorage::crash_image`] returns what a restarted machine would find:
//! the durable state plus, optionally, a torn prefix of each file's unsynced
//! appends.
//!
//! Reads are not steps (a crash is only interesting where something changes),
//! but the bytes read are counted, so tests can check how much of a file an
//! operation had to read, and reads can be made to fail past a byte count.

use std::collections::HashMap;
use std::io;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use super::storage::{FileMode, Storage, StorageFile, StorageLock};
use crate::error::{Error, Result};

#[derive(Clone, Debug, Default)]
struct FileData {
    current: Vec<u8>,
    durable: Vec<u8>,
    /// The lowest offset changed since the last sync, if any: a sync copies
    /// only from there, so syncing a long append-only file stays cheap.
    dirty_from: Option<usize>,
}

impl FileData {
    fn touch(&mut self, from: usize) {
        self.dirty_from = Some(self.dirty_from.map_or(from, |d| d.min(from)));
    }
}

#[derive(Debug, Default)]
struct State {
    next_id: u64,
    data: HashMap<u64, FileData>,
    /// Name to file id, as the running system sees it.
    names: HashMap<String, u64>,
    /// Name to file id, as a restarted system would see it.
    durable_names: HashMap<String, u64>,
    ops: u64,
    crash_at: Option<u64>,
    fail_at: Option<u64>,
    crashed: bool,
    locked: bool,
    bytes_read: u64,
    /// Reads fail once they would take `bytes_read` past this.
    read_limit: Option<u64>,
}

impl State {
    /// Counts a mutating call and decides whether it fails.
    fn step(&mut self, what: &str) -> io::Result<()> {
        if self.crashed {
            return Err(io::Error::other(format!(
                "simulated crash: {what} after the crash"
            )));
        }
        self.ops += 1;
        if self.crash_at == Some(self.ops) {
            self.crashed = true;
            return Err(io::Error::other(format!(
                "simulated crash at {what} (call {})",
                self.ops
            )));
        }
        if self.fail_at == Some(self.ops) {
            return Err(io::Error::other(format!(
                "simulated I/O error at {what} (call {})",
                self.ops
            )));
        }
        Ok(())
    }
}

/// An in-memory storage that can crash and fail on demand. Cheap to clone;
/// clones share state.
#[derive(Clone, Debug, Default)]
pub struct SimStorage {
    state: Arc<Mutex<State>>,
}

impl SimStorage {
    /// An empty simulated folder.
    pub fn new() -> SimStorage {
        SimStorage::default()
    }

    fn lock_state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How many mutating calls have been made.
    pub fn ops(&self) -> u64 {
        self.lock_state().ops
    }

    /// Crash at mutating call `n` (counted from the start of the simulation).
    pub fn crash_at(&self, n: u64) {
        self.lock_state().crash_at = Some(n);
    }

    /// Fail mutating call `n` with an I/O error, then carry on.
    pub fn fail_at(&self, n: u64) {
        self.lock_state().fail_at = Some(n);
    }

    /// How many bytes have been read from all files.
    pub fn bytes_read(&self) -> u64 {
        self.lock_state().bytes_read
    }

    /// Makes every read fail (with an I/O error) once the total bytes read
    /// would pass `limit`; `None` lets reads succeed again.
    pub fn fail_reads_after(&self, limit: Option<u64>) {
        self.lock_state().read_limit = limit;
    }

    /// Whether the simulated machine has crashed.
    pub fn crashed(&self) -> bool {
        self.lock_state().crashed
    }

    /// What a restarted machine finds: durable names and contents, and of
    /// each file's unsynced appended bytes, the first `torn(unsynced_len)`.
    pub fn crash_image(&self, torn: impl Fn(usize) -> usize) -> SimStorage {
        let st = self.lock_state();
        let mut image = State::default();
        for (name, id) in &st.durable_names {
            let f = &st.data[id];
            let mut bytes = f.durable.clone();
            // Only pure appends since the last sync can be torn in: after a
            // truncation below the durable length the disk keeps the durable bytes.
            let appended_only = f.dirty_from.is_some_and(|d| d >= f.durable.len());
            if appended_only && f.current.len() > f.durable.len() {
                let unsynced = &f.current[f.durable.len()..];
                bytes.extend_from_slice(&unsynced[..torn(unsynced.len()).min(unsynced.len())]);
            }
            image.data.insert(
                *id,
                FileData {
                    current: bytes.clone(),
                    durable: bytes,
                    dirty_from: None,
                },
            );
            image.names.insert(name.clone(), *id);
            image.durable_names.insert(name.clone(), *id);
        }
        image.next_id = st.next_id;
        SimStorage {
            state: Arc::new(Mutex::new(image)),
        }
    }

    /// The current bytes of file `name`, if it exists.
    pub fn read_file(&self, name: &str) -> Option<Vec<u8>> {
        let st = self.lock_state();
        st.names.get(name).map(|id| st.data[id].current.clone())
    }

    /// Replaces the bytes of file `name` (durably), as damage would.
    pub fn write_file(&self, name: &str, bytes: Vec<u8>) {
        let mut st = self.lock_state();
        let id = match st.names.get(name) {
            Some(id) => *id,
            None => {
                st.next_id += 1;
                let id = st.next_id;
                st.names.insert(name.to_owned(), id);
                st.durable_names.insert(name.to_owned(), id);
                id
            }
        };
        st.data.insert(
            id,
            FileData {
                current: bytes.clone(),
                durable: bytes,
                dirty_from: None,
            },
        );
    }
}

#[derive(Debug)]
struct SimFile {
    state: Arc<Mutex<State>>,
    id: u64,
    /// False for files opened with [`FileMode::Read`].
    writable: bool,
}

impl SimFile {
    fn lock_state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn check_writable(&self) -> io::Result<()> {
        if self.writable {
            Ok(())
        } else {
            Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                "simulated file was opened read-only",
            ))
        }
    }
}

impl StorageFile for SimFile {
    fn len(&self) -> io::Result<u64> {
        Ok(self.lock_state().data[&self.id].current.len() as u64)
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        let mut st = self.lock_state();
        if st
            .read_limit
            .is_some_and(|limit| st.bytes_read + buf.len() as u64 > limit)
        {
            return Err(io::Error::other("simulated read error"));
        }
        let data = &st.data[&self.id].current;
        let start =
            usize::try_from(offset).map_err(|_| io::Error::from(io::ErrorKind::UnexpectedEof))?;
        let end = start.checked_add(buf.len()).filter(|&e| e <= data.len());
        let end = end.ok_or_else(|| io::Error::from(io::ErrorKind::UnexpectedEof))?;
        buf.copy_from_slice(&data[start..end]);
        st.bytes_read += buf.len() as u64;
        Ok(())
    }

    fn append(&mut self, data: &[u8]) -> io::Result<()> {
        self.check_writable()?;
        let mut st = self.lock_state();
        st.step("append")?;
        let f = st.data.get_mut(&self.id).expect("open files exist");
        f.touch(f.current.len());
        f.current.extend_from_slice(data);
        Ok(())
    }

    fn sync(&self) -> io::Result<()> {
        let mut st = self.lock_state();
        st.step("sync")?;
        let f = st.data.get_mut(&self.id).expect("open files exist");
        if let Some(from) = f.dirty_from.take() {
            let from = from.min(f.current.len()).min(f.durable.len());
            f.durable.truncate(from);
            f.durable.extend_from_slice(&f.current[from..]);
        }
        Ok(())
    }

    fn truncate(&mut self, len: u64) -> io::Result<()> {
        self.check_writable()?;
        let mut st = self.lock_state();
        st.step("truncate")?;
        let len = usize::try_from(len).map_err(|_| io::Error::other("length too large"))?;
        let f = st.data.get_mut(&self.id).expect("open files exist");
        if len < f.current.len() {
            f.touch(len);
            f.current.truncate(len);
        } else {
            f.touch(f.current.len());
            f.current.resize(len, 0);
        }
        Ok(())
    }
}

#[derive(Debug)]
struct SimLock {
    state: Arc<Mutex<State>>,
}

impl StorageLock for SimLock {}

/// A shared lock of the simulation: nothing to hold.
#[derive(Debug)]
struct SimSharedLock;

impl StorageLock for SimSharedLock {}

impl Drop for SimLock {
    fn drop(&mut self) {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).locked = false;
    }
}

impl Storage for SimStorage {
    fn open(&self, name: &str, mode: FileMode) -> io::Result<Box<dyn StorageFile>> {
        let mut st = self.lock_state();
        let id = match st.names.get(name) {
            Some(id) => *id,
            None if mode == FileMode::Create => {
                st.step("create")?;
                st.next_id += 1;
                let id = st.next_id;
                st.data.insert(id, FileData::default());
                st.names.insert(name.to_owned(), id);
                id
            }
            None => return Err(io::Error::from(io::ErrorKind::NotFound)),
        };
        Ok(Box::new(SimFile {
            state: self.state.clone(),
            id,
            writable: mode != FileMode::Read,
        }))
    }

    fn exists(&self, name: &str) -> io::Result<bool> {
        Ok(self.lock_state().names.contains_key(name))
    }

    fn rename(&self, from: &str, to: &str) -> io::Result<()> {
        let mut st = self.lock_state();
        st.step("rename")?;
        let id = st
            .names
            .remove(from)
            .ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))?;
        st.names.insert(to.to_owned(), id);
        Ok(())
    }

    fn remove(&self, name: &str) -> io::Result<()> {
        let mut st = self.lock_state();
        st.step("remove")?;
        st.names
            .remove(name)
            .map(|_| ())
            .ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))
    }

    fn sync_dir(&self) -> io::Result<()> {
        let mut st = self.lock_state();
        st.step("sync_dir")?;
        st.durable_names = st.names.clone();
        Ok(())
    }

    /// The simulation is one process, whose readers never wait.
    fn lock_shared(&self, _name: &str, _wait: Duration) -> Result<Box<dyn StorageLock>> {
        Ok(Box::new(SimSharedLock))
    }

    fn lock(&self, name: &str, _wait: Duration) -> Result<Box<dyn StorageLock>> {
        let mut st = self.lock_state();
        if st.locked {
            return Err(Error::Locked {
                path: format!("sim:{name}"),
                holder: "another simulated writer".into(),
                waited_ms: 0,
            });
        }
        st.locked = true;
        Ok(Box::new(SimLock {
            state: self.state.clone(),
        }))
    }

    fn describe(&self, name: &str) -> String {
        format!("sim:{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contents(sim: &SimStorage, name: &str) -> Option<Vec<u8>> {
        sim.read_file(name)
    }

    #[test]
    fn only_synced_bytes_and_dir_synced_names_survive_a_crash() {
        let sim = SimStorage::new();
        let mut f = sim.open("a", FileMode::Create).unwrap();
        f.append(b"one").unwrap();
        // Created but the folder never synced: the file is gone after a crash.
        assert_eq!(contents(&sim.crash_image(|n| n), "a"), None);
        sim.sync_dir().unwrap();
        assert_eq!(contents(&sim.crash_image(|_| 0), "a"), Some(vec![]));
        f.sync().unwrap();
        f.append(b"two").unwrap();
        assert_eq!(
            contents(&sim.crash_image(|_| 0), "a").unwrap(),
            b"one",
            "unsynced bytes are lost"
        );
        assert_eq!(
            contents(&sim.crash_image(|n| n - 1), "a").unwrap(),
            b"onetw",
            "or torn"
        );
        // A truncation below the synced length is not torn in.
        f.sync().unwrap();
        f.truncate(2).unwrap();
        f.append(b"xyz").unwrap();
        assert_eq!(contents(&sim.crash_image(|n| n), "a").unwrap(), b"onetwo");
        f.sync().unwrap();
        assert_eq!(contents(&sim.crash_image(|_| 0), "a").unwrap(), b"onxyz");
    }

    #[test]
    fn renames_and_removals_need_a_folder_sync() {
        let sim = SimStorage::new();
        let mut f = sim.open("tmp", FileMode::Create).unwrap();
        f.append(b"new").unwrap();
        f.sync().unwrap();
        sim.write_file("main", b"old".to_vec());
        sim.rename("tmp", "main").unwrap();
        assert_eq!(contents(&sim, "main").unwrap(), b"new");
        assert_eq!(contents(&sim.crash_image(|_| 0), "main").unwrap(), b"old");
        sim.sync_dir().unwrap();
        let image = sim.crash_image(|_| 0);
        assert_eq!(contents(&image, "main").unwrap(), b"new");
        assert!(!image.exists("tmp").unwrap());
        sim.remove("main").unwrap();
        assert!(sim.crash_image(|_| 0).exists("main").unwrap());
    }

    #[test]
    fn crashes_stop_everything_and_failures_only_one_call() {
        let sim = SimStorage::new();
        let mut f = sim.open("a", FileMode::Create).unwrap();
        let start = sim.ops();
        sim.fail_at(start + 2);
        f.append(b"1").unwrap();
        assert!(f.append(b"2").is_err());
        f.append(b"3").unwrap();
        assert_eq!(contents(&sim, "a").unwrap(), b"13");
        sim.crash_at(sim.ops() + 1);
        assert!(f.sync().is_err());
        assert!(sim.crashed());
        assert!(f.append(b"4").is_err() && sim.sync_dir().is_err());
        let mut buf = [0u8; 2];
        f.read_at(0, &mut buf).unwrap();
        assert_eq!(&buf, b"13", "reads still see the running state");
        let reader = sim.open("a", FileMode::Read).unwrap();
        assert_eq!(reader.len().unwrap(), 2);
        sim.fail_reads_after(Some(sim.bytes_read() + 1));
        assert!(reader.read_at(0, &mut buf).is_err());
    }

    #[test]
    fn read_only_files_refuse_writes() {
        let sim = SimStorage::new();
        sim.write_file("a", b"x".to_vec());
        let mut f = sim.open("a", FileMode::Read).unwrap();
        assert!(f.append(b"y").is_err());
        assert!(f.truncate(0).is_err());
        assert!(sim.open("missing", FileMode::Write).is_err());
    }

    #[test]
    fn one_lock_holder_at_a_time() {
        let sim = SimStorage::new();
        let held = sim.lock("LOCK", Duration::ZERO).unwrap();
        assert!(matches!(
            sim.lock("LOCK", Duration::ZERO),
            Err(Error::Locked { .. })
        ));
        drop(held);
        assert!(sim.lock("LOCK", Duration::ZERO).is_ok());
    }
}
