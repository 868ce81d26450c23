//! `diff --files` of two CSV-like files that share most of their lines:
//! only the records one file has and the other does not are loaded.
//!
//! Most changes to a dataset touch few rows, and a file written by the same
//! program keeps its rows in the same order, so the two files are byte for
//! byte equal up to the first changed row and again after the last one. The
//! shared ends are found by comparing the files in large blocks (no
//! parsing), cut back to record boundaries (a newline outside quotes: the
//! quotes before it are counted). Between them, the two files are walked
//! record by record in step (records compared as bytes, a short lookahead
//! keeping the walk in step across rows added or removed), and the records
//! each file alone has are diffed as the whole files would be.
//!
//! That gives the same diff as loading both files whole only if every row
//! of a shared end matches itself and nothing else, so before the middles
//! are trusted, one pass over the old file (the one that learns the column
//! types anyway) checks what the whole-file load would have refused or
//! matched differently: a NULL key, a key seen twice in either file
//! (counting the new file as the shared ends plus its middle), or a key
//! whose type could make two different spellings equal (only text keys
//! and integer keys written in their plain form qualify). If any check
//! fails, or the files are not CSV-like, or the middles are large, the
//! caller loads the whole files instead (whose errors name file and line).
//!
//! `ARBOR_DIFF_WHOLE_FILES=1` turns this path off: the tests compare what
//! it prints with what loading the whole files prints.

use std::collections::HashSet;
use std::collections::VecDeque;
use std::fs::File;
use std::hash::{Hash, Hasher};
use std::io::{BufRead, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::process::ExitCode;

use arbor_engine::io::{FileFormat, InputFile, Raw, Record};
use arbor_schema::DataType;

use super::Args;
use crate::data_files::{FileGuesses, Scratch, combine_guesses};
use crate::ui::CliError;

/// Blocks in which the files are compared.
const BLOCK: usize = 1 << 20;
/// Unmatched records larger than this (together) are not worth the
/// detour: the whole files are loaded.
const MAX_MIDDLES: usize = 64 << 20;
/// How many records ahead the walk over the middles looks for a record
/// the other file has next: rows added or removed in runs up to this long
/// keep the two files in step.
const LOOKAHEAD: usize = 16;

/// Where the two files stop sharing bytes, at record boundaries.
#[derive(Debug, PartialEq, Eq)]
struct Ends {
    /// Length of the header record (the first record, with its newline).
    header: u64,
    /// Length of the shared beginning (header included).
    prefix: u64,
    /// Where the shared end starts in each file.
    old_suffix: u64,
    new_suffix: u64,
}

/// Quote and newline bookkeeping over bytes read in order.
#[derive(Default)]
struct Boundaries {
    /// An odd number of quotes so far: inside a quoted field.
    in_quotes: bool,
    /// Offset just after the first record boundary, and after the last.
    first: Option<u64>,
    last: Option<u64>,
}

impl Boundaries {
    /// Notes `bytes`, which sit at offset `at`.
    fn see(&mut self, bytes: &[u8], at: u64) {
        for i in memchr::memchr2_iter(b'"', b'\n', bytes) {
            if bytes[i] == b'"' {
                self.in_quotes = !self.in_quotes;
            } else if !self.in_quotes {
                let end = at + i as u64 + 1;
                self.first.get_or_insert(end);
                self.last = Some(end);
            }
        }
    }
}

/// Reads up to `buf.len()` bytes (fewer only at the end of the file).
fn read_full(file: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

/// The bytes of `path` from `from` to `to`.
fn read_range(path: &Path, from: u64, to: u64) -> std::io::Result<Vec<u8>> {
    let mut file = File::open(path)?;
    file.seek(SeekFrom::Start(from))?;
    let mut bytes = Vec::new();
    file.take(to - from).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Bytes the two equally long slices share at their start (compared in
/// pieces, so equal pieces cost a memcmp).
fn first_difference(a: &[u8], b: &[u8]) -> usize {
    let piece = 4096;
    let mut at = 0;
    while at < a.len() {
        let end = (at + piece).min(a.len());
        if a[at..end] != b[at..end] {
            return at
                + a[at..end]
                    .iter()
                    .zip(&b[at..end])
                    .position(|(x, y)| x != y)
                    .unwrap_or(0);
        }
        at = end;
    }
    a.len()
}

/// Bytes the two equally long slices share at their end.
fn last_difference(a: &[u8], b: &[u8]) -> usize {
    let piece = 4096;
    let mut shared = 0;
    while shared < a.len() {
        let start = a.len() - (shared + piece).min(a.len());
        let end = a.len() - shared;
        if a[start..end] != b[start..end] {
            let back = a[start..end].iter().rev().zip(b[start..end].iter().rev());
            return shared + back.take_while(|(x, y)| x == y).count();
        }
        shared = a.len() - start;
    }
    a.len()
}

/// Finds the shared beginning and end of two files, or `None` when they
/// share no whole record after the header.
fn shared_ends(old: &Path, new: &Path) -> std::io::Result<Option<Ends>> {
    let (old_len, new_len) = (old.metadata()?.len(), new.metadata()?.len());
    // The shared beginning, cut after its last record boundary.
    let (mut a, mut b) = (File::open(old)?, File::open(new)?);
    let (mut ab, mut bb) = (vec![0u8; BLOCK], vec![0u8; BLOCK]);
    let mut prefix_bounds = Boundaries::default();
    let mut at = 0u64;
    loop {
        let (na, nb) = (read_full(&mut a, &mut ab)?, read_full(&mut b, &mut bb)?);
        let n = na.min(nb);
        let same = first_difference(&ab[..n], &bb[..n]);
        prefix_bounds.see(&ab[..same], at);
        at += same as u64;
        if same < BLOCK || na != nb {
            break;
        }
    }
    let (Some(header), Some(prefix)) = (prefix_bounds.first, prefix_bounds.last) else {
        return Ok(None);
    };
    // The shared end: bytes equal from both ends, not reaching back into
    // the shared beginning of either file.
    let most = old_len.min(new_len) - prefix;
    let mut suffix = 0u64;
    while suffix < most {
        let n = (most - suffix).min(BLOCK as u64);
        let usize_n = n as usize;
        a.seek(SeekFrom::Start(old_len - suffix - n))?;
        b.seek(SeekFrom::Start(new_len - suffix - n))?;
        a.read_exact(&mut ab[..usize_n])?;
        b.read_exact(&mut bb[..usize_n])?;
        let same = last_difference(&ab[..usize_n], &bb[..usize_n]);
        suffix += same as u64;
        if same < usize_n {
            break;
        }
    }
    // The shared end starts at a record boundary of both files: after the
    // first newline in it that is outside quotes in both (the quotes of
    // each file's middle decide), else there is none.
    let (old_end, new_end) = (old_len - suffix, new_len - suffix);
    if (old_end - prefix) + (new_end - prefix) > MAX_MIDDLES as u64 {
        // Changes spread through the files: the record walk goes to their
        // ends, and counting the middles' quotes here would read them twice.
        return Ok(Some(Ends {
            header,
            prefix,
            old_suffix: old_len,
            new_suffix: new_len,
        }));
    }
    let quotes = |path: &Path, to: u64| -> std::io::Result<bool> {
        let mut file = File::open(path)?;
        file.seek(SeekFrom::Start(prefix))?;
        let mut reader = std::io::BufReader::with_capacity(BLOCK, file.take(to - prefix));
        let mut odd = false;
        loop {
            let piece = reader.fill_buf()?;
            if piece.is_empty() {
                return Ok(odd);
            }
            odd ^= memchr::memchr_iter(b'"', piece).count() % 2 == 1;
            let n = piece.len();
            reader.consume(n);
        }
    };
    let (old_odd, new_odd) = (quotes(old, old_end)?, quotes(new, new_end)?);
    let mut cut = None;
    if old_odd == new_odd {
        let mut bounds = Boundaries {
            in_quotes: old_odd,
            ..Boundaries::default()
        };
        let mut from = old_end;
        while cut.is_none() && from < old_len {
            let to = (from + BLOCK as u64).min(old_len);
            bounds.see(&read_range(old, from, to)?, from);
            cut = bounds.first;
            from = to;
        }
    }
    let (old_suffix, new_suffix) = match cut {
        Some(c) => (c, new_len - (old_len - c)),
        None => (old_len, new_len),
    };
    Ok(Some(Ends {
        header,
        prefix,
        old_suffix,
        new_suffix,
    }))
}

/// The key cells of each record of a file, hashed, and whether every key
/// cell was one whose spelling is its identity for the final key types.
#[derive(Default)]
struct Keys {
    hashes: Vec<u64>,
    null: bool,
    /// Per key column: every cell is an integer in its plain form.
    plain_integers: Vec<bool>,
}

impl Keys {
    fn see(&mut self, key: &[usize], record: &Record) {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        self.plain_integers.resize(key.len(), true);
        for (k, &column) in key.iter().enumerate() {
            let cell = record.cells.iter().find(|c| c.index == column);
            match cell.map(|c| &c.raw) {
                Some(Raw::Text(s)) => {
                    s.hash(&mut hasher);
                    if !is_plain_integer(s) {
                        self.plain_integers[k] = false;
                    }
                }
                _ => self.null = true,
            }
        }
        self.hashes.push(hasher.finish());
    }
}

/// `0`, or digits not starting with 0 after an optional minus: the one
/// spelling of an integer.
fn is_plain_integer(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'))
        && s != "-0"
}

/// Reads `file` once: its header and guesses, and its records' keys.
fn scan(file: &InputFile, key: &[String]) -> Option<(FileGuesses, Keys)> {
    let mut keys = Keys::default();
    let mut positions: Option<Vec<usize>> = None;
    let mut missing = false;
    let guesses = file
        .infer_columns_with(false, None, |header, record| {
            let positions = positions.get_or_insert_with(|| {
                key.iter()
                    .filter_map(|k| header.iter().position(|h| h == k))
                    .collect()
            });
            if positions.len() != key.len() {
                missing = true;
                return;
            }
            keys.see(positions, record);
        })
        .ok()?;
    (!missing && !keys.null).then_some((guesses, keys))
}

/// Diffs `old` and `new` through their middles when that gives the same
/// result as loading them whole (see the module documentation); `None`
/// when the caller must load the whole files.
pub fn compare(
    args: &Args,
    old: &InputFile,
    new: &InputFile,
    table: &str,
    key: &[String],
) -> Result<Option<ExitCode>, CliError> {
    let csv_like = |f: &InputFile| {
        matches!(
            f.format,
            FileFormat::Csv | FileFormat::Tsv | FileFormat::Psv
        ) && !f.no_header
            && f.path.is_file()
    };
    if !csv_like(old)
        || !csv_like(new)
        || old.format != new.format
        || key.is_empty()
        || std::env::var_os("ARBOR_DIFF_WHOLE_FILES").is_some()
    {
        return Ok(None);
    }
    let Ok(Some(ends)) = shared_ends(&old.path, &new.path) else {
        return Ok(None);
    };
    let Ok(Some(middles)) = write_middles(old, new, &ends) else {
        return Ok(None);
    };
    let (old_middle, new_middle) = (&middles.old, &middles.new);
    let (Some((old_guesses, old_keys)), Some((_, old_middle_keys)), Some(new_scan)) =
        (scan(old, key), scan(old_middle, key), scan(new_middle, key))
    else {
        return Ok(None);
    };
    let (new_guesses, new_middle_keys) = new_scan;
    // Both files have the old file's header (it is in the shared part), so
    // the types are those of the old file and the new middle together.
    let columns = combine_guesses(&[Some(old_guesses), Some(new_guesses)], false);
    let Some(Some(columns)) = columns.into_iter().next() else {
        return Ok(None);
    };
    let key_types_safe = key.iter().enumerate().all(|(k, name)| {
        match columns.iter().find(|(n, _)| n == name).map(|(_, t)| t) {
            Some(DataType::Text) => true,
            Some(DataType::SmallInt | DataType::Integer | DataType::BigInt) => {
                old_keys.plain_integers.get(k) == Some(&true)
                    && new_middle_keys.plain_integers.get(k) != Some(&false)
            }
            _ => false,
        }
    });
    if !key_types_safe || !keys_unique(&old_keys, &old_middle_keys, &new_middle_keys) {
        return Ok(None);
    }
    let mut scratch = Scratch::new(table, key)?;
    let from = scratch.version(Some(&columns), Some((old_middle, &columns)))?;
    let to = scratch.version(Some(&columns), Some((new_middle, &columns)))?;
    super::show(args, scratch.repository(), &from, &to, &[]).map(Some)
}

/// Whether no key repeats in the old file, nor in the new one: the old
/// file's keys outside its middle (the shared ends) and the new middle's.
fn keys_unique(old: &Keys, old_middle: &Keys, new_middle: &Keys) -> bool {
    let mut all: HashSet<u64> = HashSet::with_capacity(old.hashes.len());
    if !old.hashes.iter().all(|h| all.insert(*h)) {
        return false;
    }
    for h in &old_middle.hashes {
        all.remove(h);
    }
    new_middle.hashes.iter().all(|h| all.insert(*h))
}

/// The records of a CSV-like byte stream: each up to and including a
/// newline outside quotes (the last one as it ends).
struct Records<R> {
    reader: R,
}

impl<R: BufRead> Records<R> {
    fn next(&mut self) -> std::io::Result<Option<Vec<u8>>> {
        let mut record = Vec::new();
        let mut odd = false;
        loop {
            let start = record.len();
            if self.reader.read_until(b'\n', &mut record)? == 0 {
                return Ok((!record.is_empty()).then_some(record));
            }
            odd ^= memchr::memchr_iter(b'"', &record[start..]).count() % 2 == 1;
            if !odd {
                return Ok(Some(record));
            }
        }
    }
}

/// Records read ahead of where a walk stands.
struct Ahead<R> {
    records: Records<R>,
    queue: VecDeque<Vec<u8>>,
}

impl<R: BufRead> Ahead<R> {
    /// The record `k` places ahead, if the stream has it.
    fn peek(&mut self, k: usize) -> std::io::Result<Option<&[u8]>> {
        while self.queue.len() <= k {
            match self.records.next()? {
                Some(r) => self.queue.push_back(r),
                None => break,
            }
        }
        Ok(self.queue.get(k).map(Vec::as_slice))
    }

    /// Moves the next `n` records to `out`, each ending in a newline.
    fn take_into(&mut self, n: usize, out: &mut Vec<u8>) {
        for mut r in self.queue.drain(..n) {
            if r.last() != Some(&b'\n') {
                r.push(b'\n');
            }
            out.extend_from_slice(&r);
        }
    }
}

/// The records of `path` from `from` to `to`.
fn records_in(path: &Path, from: u64, to: u64) -> std::io::Result<Ahead<impl BufRead>> {
    let mut file = File::open(path)?;
    file.seek(SeekFrom::Start(from))?;
    Ok(Ahead {
        records: Records {
            reader: std::io::BufReader::with_capacity(BLOCK, file.take(to - from)),
        },
        queue: VecDeque::new(),
    })
}

/// Walks the two middles record by record, in step: a record equal to the
/// other file's next one is shared; otherwise a run of up to
/// [`LOOKAHEAD`] records that only one file has is set aside (rows added
/// or removed), or else both records are (a row changed in place). Returns
/// the records each file alone has, or `None` once they pass
/// [`MAX_MIDDLES`].
fn unmatched(old: &Path, new: &Path, ends: &Ends) -> std::io::Result<Option<(Vec<u8>, Vec<u8>)>> {
    let mut a = records_in(old, ends.prefix, ends.old_suffix)?;
    let mut b = records_in(new, ends.prefix, ends.new_suffix)?;
    let (mut only_old, mut only_new) = (Vec::new(), Vec::new());
    loop {
        if only_old.len() + only_new.len() > MAX_MIDDLES {
            return Ok(None);
        }
        let x = a.peek(0)?.map(<[u8]>::to_vec);
        let Some(x) = x else {
            while b.peek(0)?.is_some() {
                b.take_into(1, &mut only_new);
            }
            break;
        };
        let Some(y) = b.peek(0)?.map(<[u8]>::to_vec) else {
            a.take_into(1, &mut only_old);
            continue;
        };
        if x == y {
            a.queue.pop_front();
            b.queue.pop_front();
            continue;
        }
        let mut step = None;
        for k in 1..=LOOKAHEAD {
            if a.peek(k)? == Some(y.as_slice()) {
                step = Some((k, 0));
                break;
            }
            if b.peek(k)? == Some(x.as_slice()) {
                step = Some((0, k));
                break;
            }
        }
        let (from_old, from_new) = step.unwrap_or((1, 1));
        a.take_into(from_old, &mut only_old);
        b.take_into(from_new, &mut only_new);
    }
    Ok(Some((only_old, only_new)))
}

/// The two middles, each in a file of its own after the shared header.
struct Middles {
    old: InputFile,
    new: InputFile,
    _dir: tempfile::TempDir,
}

fn write_middles(
    old: &InputFile,
    new: &InputFile,
    ends: &Ends,
) -> std::io::Result<Option<Middles>> {
    let Some((only_old, only_new)) = unmatched(&old.path, &new.path, ends)? else {
        return Ok(None);
    };
    let dir = tempfile::Builder::new().prefix("arbor-diff-").tempdir()?;
    let header = read_range(&old.path, 0, ends.header)?;
    let write = |file: &InputFile, records: &[u8], name: &str| -> std::io::Result<InputFile> {
        let path = dir.path().join(name);
        let mut out = File::create(&path)?;
        out.write_all(&header)?;
        out.write_all(records)?;
        Ok(InputFile {
            path,
            progress: None,
            ..file.clone()
        })
    };
    let old = write(old, &only_old, "old")?;
    let new = write(new, &only_new, "new")?;
    Ok(Some(Middles {
        old,
        new,
        _dir: dir,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ends_of(old: &str, new: &str) -> Option<Ends> {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::fs::write(&a, old).unwrap();
        std::fs::write(&b, new).unwrap();
        shared_ends(&a, &b).unwrap()
    }

    #[test]
    fn shared_ends_are_cut_at_record_boundaries() {
        let old = "id,v\n1,a\n2,b\n3,c\n4,d\n";
        let new = "id,v\n1,a\n2,B\n3,c\n4,d\n";
        // Shared: the header and row 1 before, rows 3 and 4 after.
        assert_eq!(
            ends_of(old, new),
            Some(Ends {
                header: 5,
                prefix: 9,
                old_suffix: 13,
                new_suffix: 13,
            })
        );
        // A newline inside quotes is no boundary, before or after.
        let old = "id,v\n1,\"x\ny\"\n2,b\n3,\"p\nq\"\n";
        let new = "id,v\n1,\"x\ny\"\n2,c\n3,\"p\nq\"\n";
        let ends = ends_of(old, new).unwrap();
        assert_eq!(ends.prefix, 13);
        assert_eq!(ends.old_suffix, 17);
        // Rows added at the end: the new middle is them.
        let ends = ends_of("id\n1\n2\n", "id\n1\n2\n3\n").unwrap();
        assert_eq!((ends.prefix, ends.old_suffix, ends.new_suffix), (7, 7, 9));
        // Different headers: nothing shared to rely on.
        assert_eq!(ends_of("id,v\n1,a\n", "id,w\n1,a\n"), None);
    }

    #[test]
    fn differences_are_found_at_every_place() {
        let a: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        for at in [0, 1, 4095, 4096, 4097, 8191, 9_999] {
            let mut b = a.clone();
            b[at] ^= 1;
            assert_eq!(first_difference(&a, &b), at);
            assert_eq!(last_difference(&a, &b), a.len() - 1 - at);
        }
        assert_eq!(first_difference(&a, &a), a.len());
        assert_eq!(last_difference(&a, &a), a.len());
    }

    fn unmatched_of(old: &str, new: &str) -> (String, String) {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::fs::write(&a, old).unwrap();
        std::fs::write(&b, new).unwrap();
        let ends = shared_ends(&a, &b).unwrap().unwrap();
        let (x, y) = unmatched(&a, &b, &ends).unwrap().unwrap();
        (String::from_utf8(x).unwrap(), String::from_utf8(y).unwrap())
    }

    #[test]
    fn the_walk_sets_aside_only_the_records_one_file_has() {
        let rows = |ids: &[u32], changed: &[u32]| -> String {
            let mut out = String::from("id,v\n");
            for i in ids {
                let v = if changed.contains(i) { "x" } else { "a" };
                out.push_str(&format!("{i},\"{v}\n{i}\"\n"));
            }
            out
        };
        let all: Vec<u32> = (1..=100).collect();
        // Rows changed in place, far apart.
        let (old, new) = unmatched_of(&rows(&all, &[]), &rows(&all, &[10, 50, 90]));
        assert_eq!(old, "10,\"a\n10\"\n50,\"a\n50\"\n90,\"a\n90\"\n");
        assert_eq!(new, "10,\"x\n10\"\n50,\"x\n50\"\n90,\"x\n90\"\n");
        // Rows removed and added in runs shorter than the lookahead.
        let fewer: Vec<u32> = all
            .iter()
            .copied()
            .filter(|i| !(20..25).contains(i))
            .collect();
        let (old, new) = unmatched_of(&rows(&all, &[70]), &rows(&fewer, &[]));
        assert_eq!(old.lines().count(), 12, "{old}");
        assert_eq!(new.lines().count(), 2, "{new}");
        let (old, new) = unmatched_of(&rows(&fewer, &[]), &rows(&all, &[]));
        assert_eq!((old.as_str(), new.lines().count()), ("", 10));
        // A file without a newline at its end.
        let (old, new) = unmatched_of("id\n1\n2\n3", "id\n1\n2\n4");
        assert_eq!((old.as_str(), new.as_str()), ("3\n", "4\n"));
    }

    #[test]
    fn plain_integers_have_one_spelling() {
        for s in ["0", "7", "-12", "1000000"] {
            assert!(is_plain_integer(s), "{s}");
        }
        for s in ["", "-", "-0", "01", "+1", " 1", "1.0", "1e3", "x"] {
            assert!(!is_plain_integer(s), "{s}");
        }
    }
}
