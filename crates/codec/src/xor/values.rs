//! The Gorilla XOR value coding shared by the XOR chunk and the `f-xor` column.
//!
//! Each value after the first is XORed with its predecessor. A zero XOR costs one `0` bit.
//! Otherwise `1` follows, then either `0` and the significant bits inside the previous
//! leading/trailing-zero window, or `1`, a 5-bit leading-zero count (clamped to 31), a 6-bit
//! significant-bit count (64 written as 0) and the significant bits.

use crate::bits::{BitReader, BitWriter};
use crate::{Error, Result};

/// Encoder state: the previous value's bits and the current window.
#[derive(Debug, Clone, Copy)]
pub(crate) struct XorEncoder {
    pub(crate) prev: u64,
    /// 0xff until the first window is written (Prometheus' convention).
    leading: u8,
    trailing: u8,
}

impl XorEncoder {
    pub(crate) fn new(first: u64) -> Self {
        XorEncoder {
            prev: first,
            leading: 0xff,
            trailing: 0,
        }
    }

    /// Bits [`Self::write`] would emit for `v`, updating the state the same way.
    pub(crate) fn cost(&mut self, v: u64) -> usize {
        let delta = v ^ self.prev;
        self.prev = v;
        if delta == 0 {
            return 1;
        }
        let leading = (delta.leading_zeros() as u8).min(31);
        let trailing = delta.trailing_zeros() as u8;
        if self.leading != 0xff && leading >= self.leading && trailing >= self.trailing {
            return 2 + 64 - usize::from(self.leading) - usize::from(self.trailing);
        }
        self.leading = leading;
        self.trailing = trailing;
        13 + 64 - usize::from(leading) - usize::from(trailing)
    }

    pub(crate) fn write(&mut self, w: &mut BitWriter, v: u64) {
        let delta = v ^ self.prev;
        self.prev = v;
        if delta == 0 {
            w.write_bit(false);
            return;
        }
        // Clamped so it fits the 5-bit field.
        let leading = (delta.leading_zeros() as u8).min(31);
        let trailing = delta.trailing_zeros() as u8;
        if self.leading != 0xff && leading >= self.leading && trailing >= self.trailing {
            let sig = 64 - u32::from(self.leading) - u32::from(self.trailing);
            w.write_bits(0b10, 2);
            w.write_bits(delta >> self.trailing, sig);
            return;
        }
        self.leading = leading;
        self.trailing = trailing;
        let sig = 64 - u32::from(leading) - u32::from(trailing);
        // 2 control bits, 5 bits leading, 6 bits sigbits (64 wraps to 0): one 13-bit field.
        let header = (0b11 << 11) | (u64::from(leading) << 6) | u64::from(sig & 63);
        w.write_bits(header, 13);
        w.write_bits(delta >> trailing, sig);
    }
}

/// Decoder state mirroring [`XorEncoder`]; starts with an empty window, as Prometheus does.
#[derive(Debug, Clone, Copy)]
pub(crate) struct XorDecoder {
    pub(crate) prev: u64,
    leading: u8,
    trailing: u8,
}

impl XorDecoder {
    pub(crate) fn new(first: u64) -> Self {
        XorDecoder {
            prev: first,
            leading: 0,
            trailing: 0,
        }
    }

    #[inline(always)]
    pub(crate) fn read(&mut self, r: &mut BitReader<'_>) -> Result<u64> {
        // Control bits and a new window's header in one peek.
        let p = r.peek(13);
        if p >> 12 == 0 {
            r.consume(1)?;
            return Ok(self.prev);
        }
        if p >> 11 == 0b11 {
            let leading = ((p >> 6) & 31) as u8;
            let sig = match (p & 63) as u8 {
                0 => 64,
                s => s,
            };
            if u32::from(leading) + u32::from(sig) > 64 {
                return Err(Error::Corrupted {
                    detail: "xor window wider than 64 bits",
                    offset: r.bit_position() / 8,
                });
            }
            r.consume(13)?;
            self.leading = leading;
            self.trailing = 64 - leading - sig;
        } else {
            r.consume(2)?;
        }
        let sig = 64 - u32::from(self.leading) - u32::from(self.trailing);
        let bits = r.read_bits(sig)?;
        self.prev ^= bits << self.trailing;
        Ok(self.prev)
    }
}
