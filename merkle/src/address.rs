//! Content addresses: the BLAKE3-256 hash of a chunk's bytes.

use std::fmt;
use std::str::FromStr;

use crate::error::Error;

/// The name of a chunk: the BLAKE3-256 hash of its complete bytes
/// (kind byte and format version included).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Address([u8; 32]);

impl Address {
    /// Length of an address in bytes.
    pub const LEN: usize = 32;

    /// The address of `bytes`.
    pub fn of(bytes: &[u8]) -> Address {
        Address(*blake3::hash(bytes).as_bytes())
    }

    /// Wraps raw hash bytes (read from an encoding) as an address.
    pub const fn from_bytes(bytes: [u8; 32]) -> Address {
        Address(bytes)
    }

    /// Reads an address from the first 32 bytes of `bytes`, if there are that many.
    pub fn from_slice(bytes: &[u8]) -> Option<Address> {
        let raw: [u8; 32] = bytes.get(..Self::LEN)?.try_into().ok()?;
        Some(Address(raw))
    }

    /// The raw hash bytes.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Lower-case hex, 64 characters.
    pub fn to_hex(&self) -> String {
        let mut s = String::with_capacity(64);
        for b in self.0 {
            s.push(char::from(HEX[usize::from(b >> 4)]));
            s.push(char::from(HEX[usize::from(b & 0xf)]));
        }
        s
    }

    /// The first `n` hex digits, as used in abbreviated displays.
    pub fn short(&self, n: usize) -> String {
        let mut s = self.to_hex();
        s.truncate(n);
        s
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Address({})", self.short(16))
    }
}

impl FromStr for Address {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        let bad = || Error::InvalidAddress(s.to_owned());
        if s.len() != 64 {
            return Err(bad());
        }
        let mut out = [0u8; 32];
        for (i, pair) in s.as_bytes().chunks_exact(2).enumerate() {
            let hi = hex_digit(pair[0]).ok_or_else(bad)?;
            let lo = hex_digit(pair[1]).ok_or_else(bad)?;
            out[i] = (hi << 4) | lo;
        }
        Ok(Address(out))
    }
}

fn hex_digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip() {
        let a = Address::of(b"arbor");
        let parsed: Address = a.to_hex().parse().unwrap();
        assert_eq!(a, parsed);
        assert_eq!(a.short(8).len(), 8);
    }

    #[test]
    fn bad_hex_is_an_error() {
        assert!("xyz".parse::<Address>().is_err());
        assert!("g".repeat(64).parse::<Address>().is_err());
    }

    #[test]
    fn blake3_known_answer() {
        // BLAKE3 of the empty input, from the BLAKE3 specification's test vectors.
        assert_eq!(
            Address::of(b"").to_hex(),
            "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"
        );
    }
}
