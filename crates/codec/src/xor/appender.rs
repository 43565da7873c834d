//! [`XorAppender`]: builds a Prometheus XOR chunk one sample at a time.

use super::values::XorEncoder;
use crate::bits::BitWriter;
use crate::varint;

/// Bytes of the chunk header (the big-endian sample count).
pub(super) const HEADER_LEN: usize = 2;

/// The bytes of a chunk without samples.
const EMPTY_CHUNK: [u8; HEADER_LEN] = [0, 0];

/// First allocation: the header, a typical t0 varint and v0, plus a few samples.
const INITIAL_CAPACITY: usize = 32;

/// Appends samples to a Prometheus-compatible XOR chunk (layout in `docs/format/xor-chunk.md`).
///
/// One appender lives per active series in the head, so the struct is kept small (64 bytes) and
/// its buffer grows by about 1.5x. The chunk bytes are valid after every append.
#[derive(Debug, Clone)]
pub struct XorAppender {
    w: BitWriter,
    t: i64,
    /// Previous timestamp delta, as a wrapping `u64` like Prometheus' `tDelta`.
    t_delta: u64,
    /// Value state; meaningless while the buffer is empty.
    xor: XorEncoder,
}

impl Default for XorAppender {
    fn default() -> Self {
        XorAppender {
            w: BitWriter::new(),
            t: 0,
            t_delta: 0,
            xor: XorEncoder::new(0),
        }
    }
}

impl XorAppender {
    /// Most samples a chunk can hold: the header count is a `u16`.
    pub const MAX_SAMPLES: usize = u16::MAX as usize;

    /// An empty chunk; allocates on the first append.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a sample.
    ///
    /// The caller guarantees `t` is strictly ascending; other orders still round-trip (all
    /// arithmetic wraps) but cost the widest encoding.
    ///
    /// # Panics
    ///
    /// If the chunk already holds [`Self::MAX_SAMPLES`] samples (see [`Self::is_full`]).
    pub fn append(&mut self, t: i64, v: f64) {
        let n = self.num_samples();
        assert!(n < Self::MAX_SAMPLES, "XOR chunk is full ({n} samples)");
        let bits = v.to_bits();
        if self.is_empty() {
            self.w.reserve_exact(INITIAL_CAPACITY);
            self.w.write_bits(0, 16);
            write_uvarint(&mut self.w, varint::zigzag(t));
            self.w.write_bits(bits, 64);
            self.xor = XorEncoder::new(bits);
        } else {
            let delta = t.wrapping_sub(self.t) as u64;
            if n == 1 {
                write_uvarint(&mut self.w, delta);
            } else {
                write_dod(&mut self.w, delta.wrapping_sub(self.t_delta) as i64);
            }
            self.xor.write(&mut self.w, bits);
            self.t_delta = delta;
        }
        self.t = t;
        let count = (n + 1) as u16;
        let header = self.w.bytes_mut();
        header[0] = (count >> 8) as u8;
        header[1] = count as u8;
    }

    /// Whether the chunk has reached [`Self::MAX_SAMPLES`].
    pub fn is_full(&self) -> bool {
        self.num_samples() >= Self::MAX_SAMPLES
    }

    /// Samples appended so far.
    pub fn num_samples(&self) -> usize {
        match self.w.bytes() {
            [hi, lo, ..] => usize::from(*hi) << 8 | usize::from(*lo),
            _ => 0,
        }
    }

    /// Timestamp of the first sample (decoded from the chunk header).
    pub fn first_t(&self) -> Option<i64> {
        let body = self.w.bytes().get(HEADER_LEN..)?;
        varint::varint(body).ok().map(|(t, _)| t)
    }

    /// Timestamp of the last sample.
    pub fn last_t(&self) -> Option<i64> {
        (!self.is_empty()).then_some(self.t)
    }

    /// Value of the last sample.
    pub fn last_v(&self) -> Option<f64> {
        (!self.is_empty()).then_some(f64::from_bits(self.xor.prev))
    }

    /// The chunk bytes; a valid chunk at any point, `[0, 0]` when empty.
    pub fn bytes(&self) -> &[u8] {
        if self.is_empty() {
            &EMPTY_CHUNK
        } else {
            self.w.bytes()
        }
    }

    /// The chunk bytes, shrunk to fit.
    pub fn into_bytes(self) -> Vec<u8> {
        if self.is_empty() {
            return EMPTY_CHUNK.to_vec();
        }
        let mut buf = self.w.into_vec();
        buf.shrink_to_fit();
        buf
    }

    fn is_empty(&self) -> bool {
        self.w.bytes().is_empty()
    }

    /// Makes room for `additional` more bytes at once. An owner that can predict a chunk's
    /// final size (from its size so far) saves the slack of step-wise growth.
    pub fn reserve_exact(&mut self, additional: usize) {
        self.w.reserve_exact(additional);
    }

    /// Bytes of the chunk so far.
    pub fn len_bytes(&self) -> usize {
        self.w.bytes().len()
    }

    /// Heap bytes held, for memory accounting.
    pub fn heap_bytes(&self) -> usize {
        self.w.capacity()
    }
}

/// Writes `v` as varint bytes into the bit stream (Prometheus writes them through its bstream).
fn write_uvarint(w: &mut BitWriter, mut v: u64) {
    while v >= 0x80 {
        w.write_byte((v as u8) | 0x80);
        v >>= 7;
    }
    w.write_byte(v as u8);
}

/// Writes a timestamp delta-of-delta in Prometheus' buckets (`bitRange(x, n)` means
/// `-(2^(n-1) - 1) <= x <= 2^(n-1)`).
fn write_dod(w: &mut BitWriter, dod: i64) {
    let in_range = |n: u32| -((1i64 << (n - 1)) - 1) <= dod && dod <= 1i64 << (n - 1);
    let raw = dod as u64;
    if dod == 0 {
        w.write_bit(false);
    } else if in_range(14) {
        w.write_bits((0b10 << 14) | (raw & 0x3fff), 16);
    } else if in_range(17) {
        w.write_bits((0b110 << 17) | (raw & 0x1_ffff), 20);
    } else if in_range(20) {
        w.write_bits((0b1110 << 20) | (raw & 0xf_ffff), 24);
    } else {
        w.write_bits(0b1111, 4);
        w.write_bits(raw, 64);
    }
}
