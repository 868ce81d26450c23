//! How a chunk's bytes are stored in a journal record: compression.
//!
//! Compression lives below addresses: a chunk's address is the hash of its
//! logical bytes, whatever a record stores, so equal data has equal
//! addresses in every repository, and every read checks the decompressed
//! bytes against the address (a wrong dictionary or a damaged payload is
//! an error, never wrong data). A record's flags byte says how its payload
//! is stored:
//!
//! ```text
//! 0x00  the chunk's bytes as they are
//! 0x01  an lz4 block (lz4_flex)              journals of version 1 write this
//! 0x02  a zstd frame                          journals of version 2 write these
//! 0x04  a zstd frame made with a dictionary:
//!         [8]  the first 8 bytes of the dictionary chunk's address
//!         ...  the frame
//! ```
//!
//! A payload is stored compressed only when that saves at least an eighth.
//!
//! **Dictionaries.** Prolly leaves are small (4 KiB on average), too small
//! for zstd to learn much from one alone; a dictionary trained on a sample
//! of the store's own leaves carries what they share (column layouts,
//! repeated words, JSON keys). A dictionary is a chunk of its own
//! ([`ChunkKind::COMPRESSION_DICTIONARY`], no references, the zstd
//! dictionary as payload) in the same journal, written before any record
//! that uses it, so scanning the journal and the index need nothing new
//! (verification and repair meet it before the records that name it). It is never reachable from a root: a collection (`gc`) copies the
//! reachable chunks into a new journal, which trains its own. A journal's
//! first writer trains one when it has written [`TRAIN_AFTER`] bytes of
//! leaves, from the first [`SAMPLE_BYTES`] of them (fewer writes never pay
//! for a dictionary); every later writer (another process, a later run)
//! goes on with the dictionary the journal's last compressed record names,
//! from its first leaf, and trains none.
//!
//! Measured on the 1M-row benchmark table (174 MB of chunks): lz4 stores
//! 88 MB; zstd level 3 alone 66 MB; zstd level 3 with a 64 KiB dictionary
//! trained on the first 256 leaves 50 MB, level 6 43 MB. Decompressing all
//! of it takes 62 ms with lz4 and 190 ms with a zstd dictionary (one
//! thread), so scans pay for the smaller store; see `docs/format.md`.

use std::cell::RefCell;
use std::sync::Arc;

use zstd::zstd_safe::{CCtx, CDict, DCtx, DDict};

use crate::address::Address;
use crate::chunk::{Chunk, ChunkKind};
use crate::error::{Error, Result};

/// Flag: an lz4 block.
pub(crate) const FLAG_LZ4: u8 = 0x01;
/// Flag: a zstd frame.
pub(crate) const FLAG_ZSTD: u8 = 0x02;
/// Flag: a zstd frame made with a dictionary, after the dictionary's prefix.
pub(crate) const FLAG_ZSTD_DICTIONARY: u8 = 0x04;

/// Bytes of a dictionary's address that name it in a payload.
pub(crate) const DICTIONARY_PREFIX_LEN: usize = 8;

/// The zstd level of ordinary writes. Measured with a dictionary on the
/// benchmark table: levels 1 to 4 take about the same time (0.4-0.5 s for
/// 174 MB on one thread, twice lz4's), level 3 stores 10% less than level
/// 1, and from level 5 on the time doubles.
pub const DEFAULT_LEVEL: i32 = 3;
/// Bytes of leaves a store writes before it trains a dictionary.
pub(crate) const TRAIN_AFTER: usize = 4 << 20;
/// Bytes of leaves (the first written) a dictionary is trained on.
pub(crate) const SAMPLE_BYTES: usize = 1 << 20;
/// The size of a trained dictionary.
const DICTIONARY_BYTES: usize = 64 << 10;

/// Whether `flags` is a storage this build reads.
pub(crate) fn known_flags(flags: u8) -> bool {
    matches!(flags, 0 | FLAG_LZ4 | FLAG_ZSTD | FLAG_ZSTD_DICTIONARY)
}

/// The prefix naming a dictionary in a payload.
pub(crate) type DictionaryPrefix = [u8; DICTIONARY_PREFIX_LEN];

/// A trained dictionary, prepared for decompressing and, in the store
/// that writes with it, for compressing.
pub(crate) struct Dictionary {
    address: Address,
    encoder: Option<CDict<'static>>,
    decoder: DDict<'static>,
}

impl std::fmt::Debug for Dictionary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Dictionary({})", self.address)
    }
}

impl Dictionary {
    /// Prepares the dictionary held by `chunk` (of kind
    /// [`ChunkKind::COMPRESSION_DICTIONARY`]) for decompressing.
    pub(crate) fn for_reading(chunk: &Chunk) -> Result<Dictionary> {
        if chunk.kind() != ChunkKind::COMPRESSION_DICTIONARY || chunk.refs().len() != 0 {
            return Err(Error::corrupt(format!(
                "chunk {} named as a compression dictionary is a {:?}",
                chunk.address(),
                chunk.kind()
            )));
        }
        Ok(Dictionary {
            address: chunk.address(),
            encoder: None,
            decoder: DDict::create(chunk.payload()),
        })
    }

    /// Prepares it for compressing at `level` too.
    pub(crate) fn for_writing(chunk: &Chunk, level: i32) -> Result<Dictionary> {
        let mut d = Dictionary::for_reading(chunk)?;
        d.encoder = Some(CDict::create(chunk.payload(), level));
        Ok(d)
    }

    pub(crate) fn prefix(&self) -> DictionaryPrefix {
        prefix_of(&self.address)
    }
}

/// The prefix that names the dictionary at `address`.
pub(crate) fn prefix_of(address: &Address) -> DictionaryPrefix {
    let mut p = [0u8; DICTIONARY_PREFIX_LEN];
    p.copy_from_slice(&address.as_bytes()[..DICTIONARY_PREFIX_LEN]);
    p
}

/// How a writer stores chunks.
#[derive(Clone, Debug)]
pub(crate) enum Codec {
    /// lz4 blocks: journals of version 1, which older builds read.
    Lz4,
    /// zstd frames at `level`, with the dictionary when there is one.
    Zstd {
        level: i32,
        dictionary: Option<Arc<Dictionary>>,
    },
}

thread_local! {
    // Contexts are big (a compression context at level 3 holds about a
    // megabyte of tables); making one per chunk costs more than the work.
    static COMPRESSOR: RefCell<CCtx<'static>> = RefCell::new(CCtx::create());
    static DECOMPRESSOR: RefCell<DCtx<'static>> = RefCell::new(DCtx::create());
}

impl Codec {
    /// The flags and payload of a record storing `chunk`: compressed if
    /// that saves at least an eighth, else the bytes as they are.
    pub(crate) fn encode(&self, chunk: &[u8]) -> (u8, Vec<u8>) {
        let (flags, stored) = match self {
            Codec::Lz4 => (FLAG_LZ4, Some(lz4_flex::block::compress(chunk))),
            Codec::Zstd { level, dictionary } => {
                let capacity = zstd::zstd_safe::compress_bound(chunk.len());
                let encoder = dictionary
                    .as_ref()
                    .and_then(|d| Some((d.prefix(), d.encoder.as_ref()?)));
                COMPRESSOR.with_borrow_mut(|cctx| match encoder {
                    Some((prefix, encoder)) => {
                        // The frame is written after the prefix, in place.
                        let mut out = Vec::with_capacity(DICTIONARY_PREFIX_LEN + capacity);
                        out.extend_from_slice(&prefix);
                        let mut after_prefix = std::io::Cursor::new(out);
                        after_prefix.set_position(DICTIONARY_PREFIX_LEN as u64);
                        let done = cctx.compress_using_cdict(&mut after_prefix, chunk, encoder);
                        (
                            FLAG_ZSTD_DICTIONARY,
                            done.ok().map(|_| after_prefix.into_inner()),
                        )
                    }
                    None => {
                        let mut out = Vec::with_capacity(capacity);
                        let done = cctx.compress(&mut out, chunk, *level);
                        (FLAG_ZSTD, done.ok().map(|_| out))
                    }
                })
            }
        };
        match stored {
            Some(s) if s.len() + chunk.len() / 8 <= chunk.len() => (flags, s),
            _ => (0, chunk.to_vec()),
        }
    }
}

/// The chunk bytes a record stores as `stored` with `flags`, `raw_len`
/// long once decompressed. `dictionary` finds a dictionary by its prefix.
/// The caller checks the bytes against the address.
pub(crate) fn decode(
    flags: u8,
    stored: Vec<u8>,
    raw_len: usize,
    dictionary: &dyn Fn(&DictionaryPrefix) -> Result<Arc<Dictionary>>,
) -> Result<Vec<u8>> {
    let failed = |what: &str, e: &dyn std::fmt::Display| {
        Error::corrupt(format!("does not decompress ({what}: {e})"))
    };
    match flags {
        0 => Ok(stored),
        FLAG_LZ4 => lz4_flex::block::decompress(&stored, raw_len).map_err(|e| failed("lz4", &e)),
        FLAG_ZSTD => {
            let mut out = Vec::with_capacity(raw_len);
            DECOMPRESSOR
                .with_borrow_mut(|d| d.decompress(&mut out, &stored))
                .map_err(|code| failed("zstd", &zstd::zstd_safe::get_error_name(code)))?;
            Ok(out)
        }
        FLAG_ZSTD_DICTIONARY => {
            let Some((prefix, frame)) = stored.split_first_chunk::<DICTIONARY_PREFIX_LEN>() else {
                return Err(Error::corrupt("does not decompress (no dictionary named)"));
            };
            let dict = dictionary(prefix)?;
            let mut out = Vec::with_capacity(raw_len);
            DECOMPRESSOR
                .with_borrow_mut(|d| d.decompress_using_ddict(&mut out, frame, &dict.decoder))
                .map_err(|code| failed("zstd", &zstd::zstd_safe::get_error_name(code)))?;
            Ok(out)
        }
        other => Err(Error::corrupt(format!(
            "does not decompress (unknown storage flags {other:#04x})"
        ))),
    }
}

/// Leaves collected to train a dictionary on, and how many bytes of leaves
/// were written in all.
#[derive(Debug, Default)]
pub(crate) struct Trainer {
    samples: Vec<u8>,
    sizes: Vec<usize>,
    written: usize,
    /// Training was tried (whether or not it gave a dictionary): a store
    /// trains once in its life.
    tried: bool,
}

impl Trainer {
    /// Notes a chunk about to be written; returns a trained dictionary
    /// chunk once enough leaves have been written.
    pub(crate) fn observe(&mut self, chunk: &Chunk) -> Option<Chunk> {
        if self.tried || chunk.kind() != ChunkKind::PROLLY_LEAF {
            return None;
        }
        self.written += chunk.len();
        if self.samples.len() < SAMPLE_BYTES {
            self.samples.extend_from_slice(chunk.bytes());
            self.sizes.push(chunk.len());
        }
        if self.written < TRAIN_AFTER {
            return None;
        }
        self.tried = true;
        let trained = zstd::dict::from_continuous(&self.samples, &self.sizes, DICTIONARY_BYTES);
        self.samples = Vec::new();
        self.sizes = Vec::new();
        // Leaves too alike or too few to learn from: no dictionary.
        let dict = trained.ok()?;
        Some(Chunk::new(ChunkKind::COMPRESSION_DICTIONARY, &[], &dict))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf(i: usize) -> Chunk {
        let payload = format!(
            "{{\"id\": {i}, \"name\": \"name-{}\", \"color\": \"red\", \"size\": {}}}",
            i * 7919 % 1000,
            i % 13
        )
        .repeat(40);
        Chunk::new(ChunkKind::PROLLY_LEAF, &[], payload.as_bytes())
    }

    fn no_dictionary(_: &DictionaryPrefix) -> Result<Arc<Dictionary>> {
        Err(Error::corrupt("no dictionary"))
    }

    #[test]
    fn every_codec_round_trips() {
        let chunk = leaf(1);
        for codec in [
            Codec::Lz4,
            Codec::Zstd {
                level: DEFAULT_LEVEL,
                dictionary: None,
            },
        ] {
            let (flags, stored) = codec.encode(chunk.bytes());
            assert_ne!(flags, 0, "{codec:?} left a compressible chunk as it was");
            assert!(stored.len() < chunk.len());
            let back = decode(flags, stored, chunk.len(), &no_dictionary).unwrap();
            assert_eq!(back, chunk.bytes());
        }
        // Incompressible bytes are kept as they are.
        let noise: Vec<u8> = (0..128u32)
            .flat_map(|i| *Address::of(&i.to_le_bytes()).as_bytes())
            .collect();
        let (flags, stored) = Codec::Lz4.encode(&noise);
        assert_eq!((flags, &stored), (0, &noise));
    }

    #[test]
    fn a_trained_dictionary_compresses_and_is_needed_to_decompress() {
        let mut trainer = Trainer::default();
        let mut dict_chunk = None;
        let mut i = 0;
        while dict_chunk.is_none() {
            dict_chunk = trainer.observe(&leaf(i));
            i += 1;
            assert!(i < 100_000, "never trained");
        }
        let dict_chunk = dict_chunk.unwrap();
        let dict = Arc::new(Dictionary::for_writing(&dict_chunk, DEFAULT_LEVEL).unwrap());
        let with = Codec::Zstd {
            level: DEFAULT_LEVEL,
            dictionary: Some(dict.clone()),
        };
        let without = Codec::Zstd {
            level: DEFAULT_LEVEL,
            dictionary: None,
        };
        let chunk = leaf(123_456);
        let (flags, stored) = with.encode(chunk.bytes());
        assert_eq!(flags, FLAG_ZSTD_DICTIONARY);
        assert_eq!(stored[..DICTIONARY_PREFIX_LEN], dict.prefix());
        assert!(stored.len() < without.encode(chunk.bytes()).1.len());
        let found = |p: &DictionaryPrefix| {
            assert_eq!(*p, dict.prefix());
            Ok(dict.clone())
        };
        assert_eq!(
            decode(flags, stored.clone(), chunk.len(), &found).unwrap(),
            chunk.bytes()
        );
        // Without its dictionary the payload is an error, not bytes.
        assert!(decode(flags, stored, chunk.len(), &no_dictionary).is_err());
        // A chunk of another kind is no dictionary.
        assert!(Dictionary::for_reading(&leaf(1)).is_err());
    }
}
