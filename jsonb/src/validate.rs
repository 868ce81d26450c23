//! Checks that stored jsonb bytes are a document in canonical form, in one
//! walk over the bytes, without decoding them.
//!
//! Stored bytes may be damaged, and the `jsonb` crate's decoder trusts its
//! input (it reserves memory from the element counts in container headers
//! and builds strings without checking UTF-8). So before a [`crate::Jsonb`]
//! is made from bytes, they are walked here: every count and length checked
//! against the bytes that remain, every string checked for UTF-8, and the
//! form required to be exactly the one [`crate::Jsonb::parse`] writes, so a
//! value has one encoding only:
//!
//! - a top-level scalar is a scalar container of one entry (header
//!   `0x20000000`, count 0) holding a null, boolean, number or string;
//!   nested containers are arrays and objects;
//! - entries carry lengths, never offsets, and each length is exactly the
//!   size of its element (zero for null and booleans, the nested container's
//!   size for a container);
//! - object keys are strings in strictly increasing bytewise order;
//! - numbers are zero (`0x00`), integers in the fewest of 1, 2, 4 or 8
//!   bytes (`0x40`), or finite doubles (`0x60`) that are not whole numbers
//!   in i64's range (those are stored as integers);
//! - at most [`MAX_DEPTH`] containers nest, as parsing allows;
//! - nothing follows the document.
//!
//! Layout (big-endian): a container is a u32 header (top 3 bits: 0x2 scalar,
//! 0x4 object, 0x8 array; low 29 bits: element count), then one u32 entry per
//! element (objects: all keys' entries, then all values'), then the elements'
//! data in order. An entry's top nibble is its type (0 null, 1 string,
//! 2 number, 3 false, 4 true, 5 container, 6 extension) and its low 28 bits
//! the length of its data; a container's data is a nested container.

use crate::MAX_DEPTH;

pub(crate) const SCALAR: u32 = 0x2000_0000;
pub(crate) const OBJECT: u32 = 0x4000_0000;
pub(crate) const ARRAY: u32 = 0x8000_0000;
const HEADER_TYPE: u32 = 0xE000_0000;
const HEADER_COUNT: u32 = 0x1FFF_FFFF;

const OFFSET_FLAG: u32 = 0x8000_0000;
const ENTRY_TYPE: u32 = 0x7000_0000;
pub(crate) const ENTRY_LEN: u32 = 0x0FFF_FFFF;
pub(crate) const NULL: u32 = 0x0000_0000;
pub(crate) const STRING: u32 = 0x1000_0000;
pub(crate) const NUMBER: u32 = 0x2000_0000;
pub(crate) const FALSE: u32 = 0x3000_0000;
pub(crate) const TRUE: u32 = 0x4000_0000;
pub(crate) const CONTAINER: u32 = 0x5000_0000;

/// 2^63 as a double: the first whole double past i64's range.
const I64_BOUND: f64 = 9_223_372_036_854_775_808.0;

/// Checks that `bytes` are one document in canonical form and nothing more.
pub(crate) fn validate(bytes: &[u8]) -> Result<(), String> {
    let mut at = 0;
    let header = read_u32(bytes, &mut at)?;
    if header & HEADER_TYPE == SCALAR {
        if header != SCALAR {
            return Err(format!("bad scalar header {header:#010x}"));
        }
        let entry = read_u32(bytes, &mut at)?;
        if entry & ENTRY_TYPE == CONTAINER {
            return Err("a scalar container holds a container".into());
        }
        element(bytes, &mut at, entry, 0)?;
    } else {
        container(bytes, &mut at, header, 0)?;
    }
    if at != bytes.len() {
        return Err(format!("{} trailing bytes", bytes.len() - at));
    }
    Ok(())
}

fn read_u32(b: &[u8], at: &mut usize) -> Result<u32, String> {
    let end = at
        .checked_add(4)
        .filter(|e| *e <= b.len())
        .ok_or("truncated header or entry")?;
    let mut word = [0; 4];
    word.copy_from_slice(&b[*at..end]);
    *at = end;
    Ok(u32::from_be_bytes(word))
}

/// An array or object whose `header` has been read; `depth` counts the
/// containers around it.
fn container(b: &[u8], at: &mut usize, header: u32, depth: usize) -> Result<(), String> {
    if depth >= MAX_DEPTH {
        return Err("nested too deeply".into());
    }
    let count = (header & HEADER_COUNT) as usize;
    let (entries, keys) = match header & HEADER_TYPE {
        ARRAY => (count, 0),
        OBJECT => (2 * count, count),
        _ => return Err(format!("bad container header {header:#010x}")),
    };
    // Each entry takes four bytes: a count that cannot fit is damage.
    if entries > (b.len() - *at) / 4 {
        return Err(format!("container claims {count} elements, more than fit"));
    }
    let mut table = *at;
    *at += 4 * entries;
    let mut previous_key: Option<&[u8]> = None;
    for i in 0..entries {
        let entry = read_u32(b, &mut table)?;
        let start = *at;
        if i < keys && entry & (OFFSET_FLAG | ENTRY_TYPE) != STRING {
            return Err("object key is not a string".into());
        }
        element(b, at, entry, depth)?;
        if i < keys {
            let key = &b[start..*at];
            if previous_key.is_some_and(|p| p >= key) {
                return Err("object keys are not in increasing order".into());
            }
            previous_key = Some(key);
        }
    }
    Ok(())
}

/// Checks a number's encoding: zero, an integer in its fewest bytes, or a
/// finite double that is not a whole number in i64's range.
fn number(bytes: &[u8]) -> Result<(), String> {
    let Some((&tag, body)) = bytes.split_first() else {
        return Err("empty number".into());
    };
    let int = |n: usize| -> i64 {
        let mut full = [if body[0] & 0x80 != 0 { 0xFF } else { 0 }; 8];
        full[8 - n..].copy_from_slice(body);
        i64::from_be_bytes(full)
    };
    let fits = |v: i64, bits: u32| v >= -(1 << (bits - 1)) && v < 1 << (bits - 1);
    let ok = match (tag, body.len()) {
        (0x00, 0) => true,
        (0x40, 1) => int(1) != 0,
        (0x40, 2) => !fits(int(2), 8),
        (0x40, 4) => !fits(int(4), 16),
        (0x40, 8) => !fits(int(8), 32),
        (0x60, 8) => {
            let mut word = [0; 8];
            word.copy_from_slice(body);
            let f = f64::from_be_bytes(word);
            f.is_finite() && !(f.fract() == 0.0 && (-I64_BOUND..I64_BOUND).contains(&f))
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "number with tag {tag:#04x} and {} bytes is not canonical",
            body.len()
        ))
    }
}

fn element(b: &[u8], at: &mut usize, entry: u32, depth: usize) -> Result<(), String> {
    if entry & OFFSET_FLAG != 0 {
        return Err("offset entries are not in canonical form".into());
    }
    let len = (entry & ENTRY_LEN) as usize;
    let start = *at;
    let end = start
        .checked_add(len)
        .filter(|e| *e <= b.len())
        .ok_or("element runs past the end")?;
    match entry & ENTRY_TYPE {
        NULL | FALSE | TRUE if len == 0 => Ok(()),
        NULL | FALSE | TRUE => Err("a null or boolean entry has a length".into()),
        STRING => {
            *at = end;
            std::str::from_utf8(&b[start..end])
                .map(drop)
                .map_err(|_| "string is not valid UTF-8".into())
        }
        NUMBER => {
            *at = end;
            number(&b[start..end])
        }
        CONTAINER => {
            let header = read_u32(b, at)?;
            container(b, at, header, depth + 1)?;
            if *at != end {
                return Err("container length does not match its entry".into());
            }
            Ok(())
        }
        other => Err(format!("entry type {:#x} is not JSON", other >> 28)),
    }
}
