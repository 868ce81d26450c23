//! Structural validation of stored jsonb bytes, before they are decoded.
//!
//! The `jsonb` crate's decoder trusts its input: it reserves memory from the
//! element counts in container headers before reading them, and builds
//! strings without checking UTF-8. Stored bytes may be damaged, so they are
//! walked here first, every count checked against the bytes that remain,
//! every string checked for UTF-8, object keys required to be strings, and
//! nesting bounded, so decoding afterwards cannot misbehave.
//!
//! Layout (big-endian): a container is a u32 header (top 3 bits: 0x2 scalar,
//! 0x4 object, 0x8 array; low 29 bits: element count), then one u32 entry per
//! element (objects: all keys' entries, then all values'), then the elements'
//! data in order. An entry's top nibble is its type (0 null, 1 string,
//! 2 number, 3 false, 4 true, 5 container, 6 extension) and its low 28 bits
//! the length of its data; a container's data is a nested container.

use crate::MAX_DEPTH;

const SCALAR: u32 = 0x2000_0000;
const OBJECT: u32 = 0x4000_0000;
const ARRAY: u32 = 0x8000_0000;

const NULL: u32 = 0x0000_0000;
const STRING: u32 = 0x1000_0000;
const NUMBER: u32 = 0x2000_0000;
const FALSE: u32 = 0x3000_0000;
const TRUE: u32 = 0x4000_0000;
const CONTAINER: u32 = 0x5000_0000;

/// Checks that `bytes` are one well-formed jsonb document and nothing more.
pub(crate) fn validate(bytes: &[u8]) -> Result<(), String> {
    let mut at = 0;
    container(bytes, &mut at, 0)?;
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
    let v = u32::from_be_bytes(b[*at..end].try_into().expect("four bytes"));
    *at = end;
    Ok(v)
}

fn container(b: &[u8], at: &mut usize, depth: usize) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err("nested too deeply".into());
    }
    let header = read_u32(b, at)?;
    let count = (header & 0x1FFF_FFFF) as usize;
    let (entries, keys) = match header & 0xE000_0000 {
        // A scalar container holds exactly one entry, whatever its count says.
        SCALAR => (1, 0),
        ARRAY => (count, 0),
        OBJECT => (
            count.checked_mul(2).ok_or("impossible element count")?,
            count,
        ),
        _ => return Err(format!("bad container header {header:#010x}")),
    };
    // Each entry takes four bytes: a count that cannot fit is damage.
    if entries > (b.len() - *at) / 4 {
        return Err(format!("container claims {count} elements, more than fit"));
    }
    let mut list = Vec::with_capacity(entries);
    for _ in 0..entries {
        list.push(read_u32(b, at)?);
    }
    for (i, entry) in list.into_iter().enumerate() {
        if i < keys && entry & 0x7000_0000 != STRING {
            return Err("object key is not a string".into());
        }
        element(b, at, entry, depth)?;
    }
    Ok(())
}

/// Checks a number's encoding: a tag byte then a body whose length the tag
/// fixes. Only the forms a canonical document uses are accepted (zero,
/// integers of 1, 2, 4 or 8 bytes, doubles); the decoder assumes these
/// lengths and would panic on others.
fn number(bytes: &[u8]) -> Result<(), String> {
    let Some((&tag, body)) = bytes.split_first() else {
        return Err("empty number".into());
    };
    let ok = match tag {
        0x00 => body.is_empty(),
        0x40 | 0x50 => matches!(body.len(), 1 | 2 | 4 | 8),
        0x60 => body.len() == 8,
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
    if entry & 0x8000_0000 != 0 {
        return Err("offset entries are not in canonical form".into());
    }
    let len = (entry & 0x0FFF_FFFF) as usize;
    let mut take = |b: &[u8]| -> Result<std::ops::Range<usize>, String> {
        let end = at
            .checked_add(len)
            .filter(|e| *e <= b.len())
            .ok_or("element runs past the end")?;
        let r = *at..end;
        *at = end;
        Ok(r)
    };
    match entry & 0x7000_0000 {
        NULL | FALSE | TRUE => Ok(()),
        STRING => {
            let r = take(b)?;
            std::str::from_utf8(&b[r])
                .map(drop)
                .map_err(|_| "string is not valid UTF-8".into())
        }
        NUMBER => {
            let r = take(b)?;
            number(&b[r])
        }
        CONTAINER => container(b, at, depth + 1),
        other => Err(format!("entry type {:#x} is not JSON", other >> 28)),
    }
}
