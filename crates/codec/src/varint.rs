//! LEB128 varints, byte-compatible with Go's `encoding/binary` (`PutUvarint`, `PutVarint`).
//!
//! Unsigned values use 7 bits per byte, least significant group first, the high bit marking
//! continuation. Signed values are zig-zag mapped first (0, -1, 1, -2, ... → 0, 1, 2, 3, ...), so
//! small magnitudes of either sign stay short. As in Go, non-minimal encodings are accepted and a
//! varint longer than 10 bytes or wider than 64 bits is an error.

use crate::{Error, Result};

/// Longest encoding of a 64-bit value.
pub const MAX_LEN: usize = 10;

/// Appends `v` as an unsigned varint.
pub fn put_uvarint(dst: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        dst.push((v as u8) | 0x80);
        v >>= 7;
    }
    dst.push(v as u8);
}

/// Appends `v` zig-zag encoded as a varint.
pub fn put_varint(dst: &mut Vec<u8>, v: i64) {
    put_uvarint(dst, zigzag(v));
}

/// Reads an unsigned varint from the start of `src`; returns the value and the bytes consumed.
pub fn uvarint(src: &[u8]) -> Result<(u64, usize)> {
    let mut v = 0u64;
    for (i, &b) in src.iter().enumerate().take(MAX_LEN) {
        // The 10th byte holds only the top bit of a u64.
        if i == MAX_LEN - 1 && b > 1 {
            return Err(Error::VarintOverflow { offset: 0 });
        }
        v |= u64::from(b & 0x7f) << (7 * i);
        if b < 0x80 {
            return Ok((v, i + 1));
        }
    }
    if src.len() >= MAX_LEN {
        Err(Error::VarintOverflow { offset: 0 })
    } else {
        Err(Error::Truncated {
            needed: src.len() + 1,
            available: src.len(),
        })
    }
}

/// Reads a zig-zag varint from the start of `src`; returns the value and the bytes consumed.
pub fn varint(src: &[u8]) -> Result<(i64, usize)> {
    uvarint(src).map(|(u, n)| (unzigzag(u), n))
}

/// Number of bytes [`put_uvarint`] writes for `v`.
pub fn uvarint_len(v: u64) -> usize {
    // 1 byte per started group of 7 significant bits; 0 still takes one byte.
    let bits = 64 - (v | 1).leading_zeros() as usize;
    bits.div_ceil(7)
}

/// Maps a signed value to unsigned so that small magnitudes become small numbers.
pub fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

/// Inverse of [`zigzag`].
pub fn unzigzag(u: u64) -> i64 {
    ((u >> 1) as i64) ^ -((u & 1) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn matches_go_encoding() {
        let mut b = Vec::new();
        put_uvarint(&mut b, 300);
        assert_eq!(b, [0xac, 0x02]);
        b.clear();
        put_varint(&mut b, -1);
        assert_eq!(b, [0x01]);
        b.clear();
        put_uvarint(&mut b, u64::MAX);
        assert_eq!(b.len(), MAX_LEN);
        assert_eq!(b[9], 1);
    }

    #[test]
    fn rejects_overflow_and_truncation() {
        let too_wide = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02];
        assert!(matches!(
            uvarint(&too_wide),
            Err(Error::VarintOverflow { .. })
        ));
        let too_long = [0x80; 11];
        assert!(matches!(
            uvarint(&too_long),
            Err(Error::VarintOverflow { .. })
        ));
        assert!(matches!(
            uvarint(&[0x80, 0x80]),
            Err(Error::Truncated { .. })
        ));
        assert!(matches!(uvarint(&[]), Err(Error::Truncated { .. })));
    }

    #[test]
    fn accepts_non_minimal_encodings_like_go() {
        assert_eq!(uvarint(&[0x80, 0x00]).expect("non-minimal zero"), (0, 2));
    }

    proptest! {
        #[test]
        fn uvarint_round_trips(v: u64) {
            let mut b = vec![];
            put_uvarint(&mut b, v);
            prop_assert_eq!(b.len(), uvarint_len(v));
            prop_assert_eq!(uvarint(&b).expect("valid"), (v, b.len()));
        }

        #[test]
        fn varint_round_trips(v: i64) {
            let mut b = vec![];
            put_varint(&mut b, v);
            prop_assert_eq!(varint(&b).expect("valid"), (v, b.len()));
            prop_assert_eq!(unzigzag(zigzag(v)), v);
        }

        #[test]
        fn uvarint_never_panics(b: Vec<u8>) {
            let _ = uvarint(&b);
        }
    }
}
