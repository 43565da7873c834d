//! MSB-first bit streams, the layout of Prometheus' `bstream` used by the XOR chunk.
//!
//! Bits fill each byte from the most significant end; a partly written last byte is zero padded.
//! [`BitWriter`] grows its buffer by about 1.5x instead of doubling, because one writer lives in
//! every active series of the head and memory per series is budgeted.

use crate::{Error, Result};

/// Smallest growth step, so tiny buffers do not reallocate on every byte.
const MIN_GROWTH: usize = 16;

/// Appends bits to an owned byte buffer, most significant bit first.
#[derive(Debug, Clone, Default)]
pub struct BitWriter {
    buf: Vec<u8>,
    /// Unused low bits in the last byte of `buf` (0..=7).
    free: u8,
}

impl BitWriter {
    /// An empty writer; allocates on the first write.
    pub fn new() -> Self {
        Self::default()
    }

    /// Continues writing after the (byte-aligned) contents of `buf`.
    pub fn from_vec(buf: Vec<u8>) -> Self {
        BitWriter { buf, free: 0 }
    }

    /// The bytes written so far; the last one is zero padded.
    pub fn bytes(&self) -> &[u8] {
        &self.buf
    }

    /// Mutable access to the written bytes, for patching byte-aligned headers in place.
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        &mut self.buf
    }

    /// Bits written so far.
    pub fn bit_len(&self) -> usize {
        self.buf.len() * 8 - usize::from(self.free)
    }

    /// Allocated buffer capacity in bytes.
    pub fn capacity(&self) -> usize {
        self.buf.capacity()
    }

    /// Reserves at least `additional` more bytes, exactly (no doubling).
    pub fn reserve_exact(&mut self, additional: usize) {
        self.buf.reserve_exact(additional);
    }

    /// The written bytes (the last one zero padded).
    pub fn into_vec(self) -> Vec<u8> {
        self.buf
    }

    /// Writes one bit.
    pub fn write_bit(&mut self, bit: bool) {
        if self.free == 0 {
            self.push(0);
            self.free = 8;
        }
        self.free -= 1;
        if let (true, Some(last)) = (bit, self.buf.last_mut()) {
            *last |= 1 << self.free;
        }
    }

    /// Writes the low `n` bits of `v` (`n <= 64`), most significant first.
    #[inline]
    #[expect(
        clippy::big_endian_bytes,
        reason = "MSB-first bit order is big-endian by definition"
    )]
    pub fn write_bits(&mut self, v: u64, n: u32) {
        debug_assert!(n <= 64);
        let n = n.min(64);
        if n == 0 {
            return;
        }
        let v = if n < 64 { v & ((1 << n) - 1) } else { v };
        // Take the partial last byte back and emit it together with `v` (at most 72 bits).
        let used = (8 - u32::from(self.free)) % 8;
        let head = if used > 0 {
            self.buf.pop().unwrap_or(0)
        } else {
            0
        };
        let acc = (u128::from(head) << 120) | (u128::from(v) << (128 - used - n));
        let total = used + n;
        let len = total.div_ceil(8) as usize;
        self.grow_for(len);
        self.buf.extend_from_slice(&acc.to_be_bytes()[..len]);
        self.free = (len as u32 * 8 - total) as u8;
    }

    /// Writes a whole byte (at any bit alignment).
    pub fn write_byte(&mut self, b: u8) {
        self.write_bits(u64::from(b), 8);
    }

    fn push(&mut self, b: u8) {
        self.grow_for(1);
        self.buf.push(b);
    }

    /// Makes room for `extra` bytes, growing by about half the capacity at a time.
    #[inline]
    fn grow_for(&mut self, extra: usize) {
        if self.buf.capacity() - self.buf.len() < extra {
            let grow = (self.buf.capacity() / 2).max(MIN_GROWTH).max(extra);
            self.buf.reserve_exact(grow);
        }
    }
}

/// Reads bits most significant first from a byte slice.
///
/// Up to 64 bits are buffered in a register; reads past the end return [`Error::Truncated`].
#[derive(Debug, Clone)]
pub struct BitReader<'a> {
    src: &'a [u8],
    /// Next byte of `src` not yet counted in `avail`.
    pos: usize,
    /// Buffered bits, left aligned. Bits below the top `avail` are either zero or the correct
    /// next bits of the stream, so a refill may OR the same byte in again.
    buf: u64,
    avail: u32,
}

impl<'a> BitReader<'a> {
    /// A reader at the first bit of `src`.
    pub fn new(src: &'a [u8]) -> Self {
        BitReader {
            src,
            pos: 0,
            buf: 0,
            avail: 0,
        }
    }

    /// Bits not yet read.
    pub fn bits_remaining(&self) -> usize {
        (self.src.len() - self.pos) * 8 + self.avail as usize
    }

    /// Bits consumed so far, counted from the start of the slice.
    pub fn bit_position(&self) -> usize {
        self.src.len() * 8 - self.bits_remaining()
    }

    /// Reads one bit.
    #[inline]
    pub fn read_bit(&mut self) -> Result<bool> {
        if self.avail == 0 {
            self.refill();
            if self.avail == 0 {
                return Err(Error::Truncated {
                    needed: 1,
                    available: 0,
                });
            }
        }
        let bit = self.buf >> 63;
        self.buf <<= 1;
        self.avail -= 1;
        Ok(bit == 1)
    }

    /// Reads `n <= 64` bits as the low bits of the result.
    #[inline]
    pub fn read_bits(&mut self, n: u32) -> Result<u64> {
        if n > 56 {
            return self.read_wide(n);
        }
        let v = self.peek(n);
        self.consume(n)?;
        Ok(v)
    }

    /// Returns the next `n <= 56` bits without consuming them; bits past the end read as zero.
    #[inline]
    pub fn peek(&mut self, n: u32) -> u64 {
        debug_assert!(n <= 56);
        if n > self.avail {
            self.refill();
        }
        // Shifting by 64 - n would overflow for n = 0; shift in two steps instead.
        (self.buf >> 1) >> (63 - n.min(56))
    }

    /// Skips `n` bits that a [`Self::peek`] of at least `n` made available.
    #[inline]
    pub fn consume(&mut self, n: u32) -> Result<()> {
        if n > self.avail {
            let missing = (n - self.avail) as usize;
            return Err(Error::Truncated {
                needed: missing.div_ceil(8),
                available: 0,
            });
        }
        self.buf = self.buf.checked_shl(n).unwrap_or(0);
        self.avail -= n;
        Ok(())
    }

    /// A read wider than one refill guarantees, in two halves.
    #[cold]
    fn read_wide(&mut self, n: u32) -> Result<u64> {
        let hi = self.read_bits(n.min(64) - 32)?;
        let lo = self.read_bits(32)?;
        Ok((hi << 32) | lo)
    }

    /// Reads 8 bits (at any bit alignment).
    pub fn read_byte(&mut self) -> Result<u8> {
        self.read_bits(8).map(|b| b as u8)
    }

    /// Tops the buffer up to at least 56 bits, or to the end of the input.
    #[inline]
    #[expect(
        clippy::big_endian_bytes,
        reason = "MSB-first bit order is big-endian by definition"
    )]
    fn refill(&mut self) {
        if let Some(chunk) = self.src.get(self.pos..self.pos + 8) {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.buf |= u64::from_be_bytes(word) >> self.avail;
            let whole = (63 - self.avail) / 8;
            self.pos += whole as usize;
            self.avail += whole * 8;
            return;
        }
        while self.avail <= 56 {
            let Some(&b) = self.src.get(self.pos) else {
                break;
            };
            self.buf |= u64::from(b) << (56 - self.avail);
            self.pos += 1;
            self.avail += 8;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn writes_msb_first_and_pads_with_zeros() {
        let mut w = BitWriter::new();
        w.write_bit(true);
        w.write_bits(0b01, 2);
        assert_eq!(w.bytes(), [0b1010_0000]);
        w.write_bits(0x1ff, 9);
        assert_eq!(w.bytes(), [0b1011_1111, 0b1111_0000]);
        assert_eq!(w.bit_len(), 12);
    }

    #[test]
    fn reading_past_the_end_is_an_error() {
        let mut r = BitReader::new(&[0xff]);
        assert_eq!(r.read_bits(7).expect("7 of 8 bits"), 0x7f);
        assert!(r.read_bits(2).is_err());
        assert!(r.read_bit().expect("last bit"));
        assert!(r.read_bit().is_err());
    }

    proptest! {
        #[test]
        fn round_trips_any_field_sequence(
            fields in proptest::collection::vec((any::<u64>(), 0u32..=64), 0..200)
        ) {
            let mut w = BitWriter::new();
            for &(v, n) in &fields {
                w.write_bits(v, n);
            }
            let total: u32 = fields.iter().map(|f| f.1).sum();
            prop_assert_eq!(w.bit_len(), total as usize);
            let mut r = BitReader::new(w.bytes());
            for &(v, n) in &fields {
                let mask = if n == 64 { u64::MAX } else { (1u64 << n) - 1 };
                prop_assert_eq!(r.read_bits(n).expect("written field"), v & mask);
            }
            prop_assert!(r.bits_remaining() < 8);
        }
    }
}
