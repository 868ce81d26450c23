//! A small binary codec for chunk payloads: little-endian integers, LEB128
//! varints and length-prefixed byte strings, read with every length checked.
//!
//! Payload encodings across Arbor are written with [`Writer`] and read with
//! [`Reader`]. A reader never panics and never allocates more than the bytes it
//! was given: a damaged length is a [`Error::Corrupt`] naming what was being read.

use crate::address::Address;
use crate::error::{Error, Result};

/// Appends encoded values to a byte vector.
#[derive(Debug, Default)]
pub struct Writer {
    bytes: Vec<u8>,
}

impl Writer {
    /// An empty writer.
    pub fn new() -> Writer {
        Writer::default()
    }

    /// The bytes written so far.
    /// A writer that appends to `bytes`.
    pub fn from_vec(bytes: Vec<u8>) -> Writer {
        Writer { bytes }
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// One byte.
    pub fn u8(&mut self, v: u8) -> &mut Self {
        self.bytes.push(v);
        self
    }

    /// A u32, little-endian.
    pub fn u32(&mut self, v: u32) -> &mut Self {
        self.bytes.extend_from_slice(&v.to_le_bytes());
        self
    }

    /// A u64, little-endian.
    pub fn u64(&mut self, v: u64) -> &mut Self {
        self.bytes.extend_from_slice(&v.to_le_bytes());
        self
    }

    /// An i64, little-endian two's complement.
    pub fn i64(&mut self, v: i64) -> &mut Self {
        self.bytes.extend_from_slice(&v.to_le_bytes());
        self
    }

    /// An unsigned LEB128 varint.
    pub fn varint(&mut self, mut v: u64) -> &mut Self {
        while v >= 0x80 {
            self.bytes.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.bytes.push(v as u8);
        self
    }

    /// A varint length, then the bytes.
    pub fn bytes(&mut self, b: &[u8]) -> &mut Self {
        self.varint(b.len() as u64);
        self.bytes.extend_from_slice(b);
        self
    }

    /// A string as length-prefixed UTF-8.
    pub fn str(&mut self, s: &str) -> &mut Self {
        self.bytes(s.as_bytes())
    }

    /// A 32-byte address.
    pub fn address(&mut self, a: &Address) -> &mut Self {
        self.bytes.extend_from_slice(a.as_bytes());
        self
    }

    /// A presence byte, then the address if present.
    pub fn opt_address(&mut self, a: Option<&Address>) -> &mut Self {
        match a {
            Some(a) => self.u8(1).address(a),
            None => self.u8(0),
        }
    }
}

/// Reads values written by [`Writer`], checking every length.
#[derive(Debug)]
pub struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    what: &'static str,
}

impl<'a> Reader<'a> {
    /// A reader over `bytes`; `what` names the structure in error messages.
    pub fn new(bytes: &'a [u8], what: &'static str) -> Reader<'a> {
        Reader { bytes, at: 0, what }
    }

    fn err(&self, msg: &str) -> Error {
        Error::corrupt(format!("{} at byte {}: {msg}", self.what, self.at))
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len());
        let end = end.ok_or_else(|| self.err(&format!("needs {n} more bytes than remain")))?;
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }

    /// One byte.
    pub fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }

    /// A little-endian u32.
    pub fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().expect("took 4 bytes"),
        ))
    }

    /// A little-endian u64.
    pub fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().expect("took 8 bytes"),
        ))
    }

    /// A little-endian i64.
    pub fn i64(&mut self) -> Result<i64> {
        Ok(i64::from_le_bytes(
            self.take(8)?.try_into().expect("took 8 bytes"),
        ))
    }

    /// An unsigned LEB128 varint of at most 10 bytes.
    pub fn varint(&mut self) -> Result<u64> {
        let mut v: u64 = 0;
        for shift in (0..64).step_by(7) {
            let b = self.u8()?;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(self.err("varint longer than 10 bytes"))
    }

    /// A varint length checked against what remains, as a usize count of
    /// items each at least `min_item_len` bytes long.
    pub fn count(&mut self, min_item_len: usize) -> Result<usize> {
        let n = self.varint()?;
        let fits = usize::try_from(n)
            .ok()
            .and_then(|n| n.checked_mul(min_item_len.max(1)))
            .is_some_and(|need| need <= self.remaining());
        if !fits {
            return Err(self.err(&format!("count {n} exceeds the remaining bytes")));
        }
        Ok(n as usize)
    }

    /// Length-prefixed bytes.
    pub fn bytes(&mut self) -> Result<&'a [u8]> {
        let n = self.count(1)?;
        self.take(n)
    }

    /// Length-prefixed UTF-8.
    pub fn str(&mut self) -> Result<&'a str> {
        let b = self.bytes()?;
        std::str::from_utf8(b).map_err(|_| self.err("string is not valid UTF-8"))
    }

    /// A 32-byte address.
    pub fn address(&mut self) -> Result<Address> {
        Ok(Address::from_slice(self.take(Address::LEN)?).expect("took 32 bytes"))
    }

    /// A presence byte, then an address if present.
    pub fn opt_address(&mut self) -> Result<Option<Address>> {
        match self.u8()? {
            0 => Ok(None),
            1 => Ok(Some(self.address()?)),
            _ => Err(self.err("bad presence byte")),
        }
    }

    /// Bytes not yet read.
    pub fn remaining(&self) -> usize {
        self.bytes.len() - self.at
    }

    /// Fails unless every byte was read.
    pub fn finish(self) -> Result<()> {
        if self.remaining() != 0 {
            return Err(self.err(&format!("{} trailing bytes", self.remaining())));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let a = Address::of(b"x");
        let mut w = Writer::new();
        w.u8(7)
            .u32(9)
            .u64(u64::MAX)
            .i64(-5)
            .varint(300)
            .str("héllo")
            .address(&a)
            .opt_address(None);
        let bytes = w.into_bytes();
        let mut r = Reader::new(&bytes, "test");
        assert_eq!(r.u8().unwrap(), 7);
        assert_eq!(r.u32().unwrap(), 9);
        assert_eq!(r.u64().unwrap(), u64::MAX);
        assert_eq!(r.i64().unwrap(), -5);
        assert_eq!(r.varint().unwrap(), 300);
        assert_eq!(r.str().unwrap(), "héllo");
        assert_eq!(r.address().unwrap(), a);
        assert_eq!(r.opt_address().unwrap(), None);
        r.finish().unwrap();
    }

    #[test]
    fn damaged_lengths_are_errors() {
        let mut r = Reader::new(&[0xff, 0xff, 0xff, 0x0f, 1, 2], "test");
        assert!(r.bytes().is_err());
        let mut r = Reader::new(&[0x80; 11], "test");
        assert!(r.varint().is_err());
        let mut r = Reader::new(&[1, 2], "test");
        r.u8().unwrap();
        assert!(r.u32().is_err());
    }
}
