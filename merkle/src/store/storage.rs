//! The storage trait: the few file operations a disk store needs.
//!
//! [`DiskStore`](super::DiskStore) never touches the file system directly. It
//! goes through [`Storage`] (a folder of named files) and [`StorageFile`] (one
//! file: read at an offset, append, sync, truncate), so tests can substitute
//! [`SimStorage`](super::SimStorage), which can crash or fail at any step.
//! [`FsStorage`] is the real thing.

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// One file of a store.
pub trait StorageFile: Send + Sync + fmt::Debug {
    /// The file's length in bytes.
    fn len(&self) -> io::Result<u64>;
    /// Whether the file is empty.
    fn is_empty(&self) -> io::Result<bool> {
        Ok(self.len()? == 0)
    }
    /// Fills `buf` from `offset`; an error if the file is shorter.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()>;
    /// Appends `data` at the end of the file.
    fn append(&mut self, data: &[u8]) -> io::Result<()>;
    /// Makes everything written so far durable.
    fn sync(&self) -> io::Result<()>;
    /// Starts making what was written so far durable without waiting for
    /// it, so that a later [`StorageFile::sync`] has less left to wait
    /// for. Only a hint: it promises nothing.
    fn write_back(&self) {}
    /// Cuts the file to `len` bytes.
    fn truncate(&mut self, len: u64) -> io::Result<()>;
}

/// How to open a file of a store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileMode {
    /// Read only; the file must exist. Appending or truncating is an error.
    Read,
    /// Read and write; the file must exist.
    Write,
    /// Read and write, creating the file (empty) if it does not exist.
    Create,
}

/// A held writer lock; released when dropped.
pub trait StorageLock: Send + Sync + fmt::Debug {}

/// A folder of named files.
pub trait Storage: Send + Sync + fmt::Debug {
    /// Opens a file. A missing file is an `io::ErrorKind::NotFound` error
    /// unless `mode` is [`FileMode::Create`].
    fn open(&self, name: &str, mode: FileMode) -> io::Result<Box<dyn StorageFile>>;
    /// Whether a file exists.
    fn exists(&self, name: &str) -> io::Result<bool>;
    /// Atomically replaces `to` with `from`.
    fn rename(&self, from: &str, to: &str) -> io::Result<()>;
    /// Removes a file.
    fn remove(&self, name: &str) -> io::Result<()>;
    /// Makes creations, renames and removals in the folder durable.
    fn sync_dir(&self) -> io::Result<()>;
    /// Takes the exclusive writer lock on file `name` (created if missing),
    /// polling for at most `wait`; then [`Error::Locked`], naming the file and
    /// the time waited.
    fn lock(&self, name: &str, wait: Duration) -> Result<Box<dyn StorageLock>>;
    /// Takes a shared lock on file `name` (created if missing): held by any
    /// number of holders at once, and by none while [`Storage::lock`] holds
    /// the same file; polls for at most `wait`, then [`Error::Locked`].
    fn lock_shared(&self, name: &str, wait: Duration) -> Result<Box<dyn StorageLock>>;
    /// A human-readable location of file `name`, for messages.
    fn describe(&self, name: &str) -> String;
}

/// The real file system: a folder on disk.
#[derive(Debug, Clone)]
pub struct FsStorage {
    dir: PathBuf,
}

impl FsStorage {
    /// Storage in folder `dir`, which is created if missing.
    pub fn new(dir: impl AsRef<Path>) -> Result<FsStorage> {
        let dir = dir.as_ref().to_path_buf();
        std::fs::create_dir_all(&dir)
            .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
        Ok(FsStorage { dir })
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

#[derive(Debug)]
struct FsFile {
    file: File,
    /// Where the next append goes: the file's length as this handle left it.
    /// Only the lock holder appends, and a failed append is cut back by the
    /// caller, so positional writes here never leave a gap.
    end: u64,
    /// A [`StorageFile::write_back`] is under way.
    writing_back: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl StorageFile for FsFile {
    fn len(&self) -> io::Result<u64> {
        // Asked afresh, so a reader sees what a writer appended (or cut back) since.
        Ok(self.file.metadata()?.len())
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        self.file.read_exact_at(buf, offset)
    }

    fn append(&mut self, data: &[u8]) -> io::Result<()> {
        self.file.write_all_at(data, self.end)?;
        self.end += data.len() as u64;
        Ok(())
    }

    fn sync(&self) -> io::Result<()> {
        // fdatasync: the data and the file length (needed to read it back),
        // not timestamps.
        self.file.sync_data()
    }

    fn write_back(&self) {
        use std::sync::atomic::Ordering;
        // One at a time; a sync on another handle of the file, on a thread
        // of its own, while appends go on here.
        if self.writing_back.swap(true, Ordering::AcqRel) {
            return;
        }
        let flag = self.writing_back.clone();
        let Ok(file) = self.file.try_clone() else {
            flag.store(false, Ordering::Release);
            return;
        };
        let started = std::thread::Builder::new()
            .name("write-back".into())
            .spawn(move || {
                // A failure here is seen again by the sync that matters.
                let _ = file.sync_data();
                flag.store(false, Ordering::Release);
            });
        if started.is_err() {
            self.writing_back.store(false, Ordering::Release);
        }
    }

    fn truncate(&mut self, len: u64) -> io::Result<()> {
        self.file.set_len(len)?;
        self.end = len;
        Ok(())
    }
}

#[derive(Debug)]
struct FsLock {
    _file: File,
}

impl StorageLock for FsLock {}

/// Opens `path` without following a symbolic link at its end: a link
/// planted inside a store (`journal` -> some other file) would otherwise
/// have the store write where it points. A link is refused, by name.
fn open_no_follow(path: &Path, options: &mut OpenOptions) -> io::Result<File> {
    options
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
        .map_err(|e| {
            if e.raw_os_error() == Some(libc::ELOOP) {
                io::Error::new(
                    e.kind(),
                    format!(
                        "{} is a symbolic link, which a store never holds (it is not followed)",
                        path.display()
                    ),
                )
            } else {
                e
            }
        })
}

impl Storage for FsStorage {
    fn open(&self, name: &str, mode: FileMode) -> io::Result<Box<dyn StorageFile>> {
        // Readers open without write access, so a repository on read-only
        // media or owned by someone else can still be read.
        let file = open_no_follow(
            &self.dir.join(name),
            OpenOptions::new()
                .read(true)
                .write(mode != FileMode::Read)
                .create(mode == FileMode::Create)
                .truncate(false),
        )?;
        let end = file.metadata()?.len();
        Ok(Box::new(FsFile {
            file,
            end,
            writing_back: Default::default(),
        }))
    }

    fn exists(&self, name: &str) -> io::Result<bool> {
        self.dir.join(name).try_exists()
    }

    fn rename(&self, from: &str, to: &str) -> io::Result<()> {
        // Not durable until `sync_dir`; callers sync the folder after renaming.
        std::fs::rename(self.dir.join(from), self.dir.join(to))
    }

    fn remove(&self, name: &str) -> io::Result<()> {
        std::fs::remove_file(self.dir.join(name))
    }

    fn sync_dir(&self) -> io::Result<()> {
        File::open(&self.dir)?.sync_all()
    }

    fn lock(&self, name: &str, wait: Duration) -> Result<Box<dyn StorageLock>> {
        self.lock_file(name, wait, false)
    }

    fn lock_shared(&self, name: &str, wait: Duration) -> Result<Box<dyn StorageLock>> {
        self.lock_file(name, wait, true)
    }

    fn describe(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }
}

impl FsStorage {
    /// Takes the lock on file `name`, `shared` or exclusive (see
    /// [`Storage::lock`], [`Storage::lock_shared`]).
    fn lock_file(&self, name: &str, wait: Duration, shared: bool) -> Result<Box<dyn StorageLock>> {
        let path = self.dir.join(name);
        let file = open_no_follow(
            &path,
            OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false),
        )
        .map_err(|e| Error::io(format!("cannot open the lock file {}", path.display()), e))?;
        let start = Instant::now();
        loop {
            let tried = if shared {
                file.try_lock_shared()
            } else {
                file.try_lock()
            };
            match tried {
                Ok(()) => {
                    // The one holder says who it is, for whoever waits. A
                    // failure to say costs only that message, never the lock.
                    // (Rewritten only when another holder's words are there:
                    // a process that takes the lock again and again, a
                    // server's sessions, writes nothing.)
                    if !shared {
                        let holder = lock_holder();
                        let mut said = vec![0; holder.len() + 1];
                        let same = file
                            .read_at(&mut said, 0)
                            .is_ok_and(|n| &said[..n] == holder.as_bytes());
                        if !same {
                            let _ = file
                                .set_len(0)
                                .and_then(|()| file.write_all_at(holder.as_bytes(), 0));
                        }
                    }
                    return Ok(Box::new(FsLock { _file: file }));
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    if start.elapsed() >= wait {
                        let mut said = String::new();
                        let _ = (&file).take(256).read_to_string(&mut said);
                        let holder = said.trim();
                        return Err(Error::Locked {
                            path: path.display().to_string(),
                            holder: if holder.is_empty() {
                                "unknown process".into()
                            } else {
                                holder.escape_debug().to_string()
                            },
                            waited_ms: start.elapsed().as_millis(),
                        });
                    }
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(std::fs::TryLockError::Error(e)) => {
                    return Err(Error::io(format!("cannot lock {}", path.display()), e));
                }
            }
        }
    }
}

/// How a lock holder describes itself in the lock file: `pid N: command`.
fn lock_holder() -> String {
    let command: Vec<String> = std::env::args()
        .take(4)
        .map(|a| a.chars().take(60).collect())
        .collect();
    format!("pid {}: {}", std::process::id(), command.join(" "))
}
