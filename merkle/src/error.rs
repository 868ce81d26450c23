//! Errors of the chunk store and prolly trees.

use std::io;

use crate::address::Address;

/// A result whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can go wrong below SQL: I/O, damaged data, missing chunks, locking.
///
/// Damage is always an error, never a panic: every decoder checks lengths and
/// bounds before it reads or allocates.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The operating system refused a read, write, sync or rename.
    #[error("{context}: {source}")]
    Io {
        /// What Arbor was doing.
        context: String,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
    /// A chunk's bytes do not hash to the address they were stored or asked for under.
    #[error("chunk {expected} is corrupt: its bytes hash to {actual}{}", describe_location(.location))]
    ChunkHashMismatch {
        /// The address the chunk was read as.
        expected: Address,
        /// What its bytes actually hash to.
        actual: Address,
        /// Where it was read from, if from a file.
        location: Option<String>,
    },
    /// A chunk that something refers to is not in the store.
    #[error("chunk {0} is missing from the store")]
    MissingChunk(Address),
    /// A chunk, record or file failed to decode: a bad length, tag or checksum.
    #[error("corrupt data: {0}")]
    Corrupt(String),
    /// A journal is damaged before its end, so it cannot simply be cut back.
    #[error(
        "the journal {path} is damaged at byte offset {offset}: {reason}; \
         cutting it there would drop committed data, so Arbor refuses to write to it \
         (`arbor fsck` shows the damage; `arbor fsck --repair` rolls back to the last \
         valid state, keeping the bytes it cuts in a file beside the journal)"
    )]
    DamagedJournal {
        /// The journal file.
        path: String,
        /// Offset of the first bad record.
        offset: u64,
        /// What was wrong with it.
        reason: String,
    },
    /// A chunk was written by a newer Arbor, or is of an unknown kind.
    #[error("unsupported chunk format: kind {kind:#04x}, version {version}")]
    UnsupportedFormat {
        /// The kind byte.
        kind: u8,
        /// The format version byte.
        version: u8,
    },
    /// A chunk or value exceeds a size limit.
    #[error("{what} is {len} bytes, over the limit of {limit} bytes")]
    TooLarge {
        /// What was too large.
        what: &'static str,
        /// Its length.
        len: u64,
        /// The limit.
        limit: u64,
    },
    /// Another process holds the repository's write lock.
    #[error(
        "the repository at {path} is locked by another Arbor process ({holder}) \
         that is writing to it (waited {waited_ms} ms); try again when it has finished"
    )]
    Locked {
        /// The lock file.
        path: String,
        /// Who holds it, as it wrote itself into the lock file: its process
        /// id and command line ("unknown process" if it did not say).
        holder: String,
        /// How long Arbor waited.
        waited_ms: u128,
    },
    /// A write failed and could not be cleanly undone, so the store refuses
    /// further writes: what is on disk is settled only by reopening it.
    #[error(
        "the store {path} refuses writes after a failed write that could not be undone \
         ({reason}); reopen it to continue"
    )]
    WritesDisabled {
        /// The journal file.
        path: String,
        /// What failed.
        reason: String,
    },
    /// The store was opened read-only and a write was attempted.
    #[error("the store is open read-only")]
    ReadOnly,
    /// A text was not a valid address.
    #[error("'{0}' is not a valid chunk address (64 hex digits)")]
    InvalidAddress(String),
    /// Edits given to a map were not sorted by key or repeated a key.
    #[error("edits must be sorted by key without repeats")]
    UnsortedEdits,
}

fn describe_location(loc: &Option<String>) -> String {
    match loc {
        Some(l) => format!(" (at {l})"),
        None => String::new(),
    }
}

impl Error {
    /// Wraps an I/O error with what Arbor was doing.
    pub fn io(context: impl Into<String>, source: io::Error) -> Error {
        Error::Io {
            context: context.into(),
            source,
        }
    }

    /// A decoding failure.
    pub fn corrupt(msg: impl Into<String>) -> Error {
        Error::Corrupt(msg.into())
    }
}
