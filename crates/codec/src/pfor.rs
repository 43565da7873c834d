//! Patched frame of reference (PFOR) for `i64` sequences.
//!
//! Values are stored as `(v - base) / factor` packed at a fixed width; values outside the packed
//! range are exceptions, stored after the packed block as (position, value) pairs, with a zero in
//! their slot. The encoder picks the width (and base) that minimise the total size, so a few
//! outliers (a counter reset, a missed scrape) cost a few bytes instead of widening every value.
//! The factor is the greatest common divisor of all offsets (page-sized byte counts, gauges that
//! move in steps of 0.5), written only when it is above 1.
//!
//! ```text
//! pfor := base varint | width u8 (bit 7: factor follows) | [factor uvarint, >= 2]
//!         | exceptions uvarint | packed ceil(m*width/8) bytes
//!         | exceptions × (position gap uvarint, zigzag((v - base) / factor) uvarint)
//! ```
//! The first position gap is the position itself; later ones are `pos - prev - 1`. Decoding is
//! `base + x * factor`, wrapping.

use std::borrow::Cow;

use crate::bitpack::{self, BLOCK};
use crate::cursor::Cursor;
use crate::varint::{put_uvarint, put_varint, unzigzag, uvarint_len, zigzag};
use crate::{Error, Result};

/// Width byte flag: a factor follows.
const FACTOR_FLAG: u8 = 0x80;

/// Appends the PFOR encoding of `values` (empty input writes a 3-byte header).
pub(crate) fn encode(values: &[i64], dst: &mut Vec<u8>) {
    let (min, factor) = common_factor(values);
    let scaled: Cow<'_, [i64]> = if factor > 1 {
        // Exact: every offset from the minimum is a multiple of the factor and below 2^63.
        values
            .iter()
            .map(|&v| (v.wrapping_sub(min) as u64 / factor) as i64)
            .collect()
    } else {
        Cow::Borrowed(values)
    };
    let (base, width) = choose(&scaled);
    let fits = |v: i64| width == 64 || (v.wrapping_sub(base) as u64) >> width == 0;
    if factor > 1 {
        put_varint(dst, min.wrapping_add(base.wrapping_mul(factor as i64)));
        dst.push(width as u8 | FACTOR_FLAG);
        put_uvarint(dst, factor);
    } else {
        put_varint(dst, base);
        dst.push(width as u8);
    }
    put_uvarint(dst, scaled.iter().filter(|&&v| !fits(v)).count() as u64);
    let offsets = scaled.iter().map(|&v| {
        if fits(v) {
            v.wrapping_sub(base) as u64
        } else {
            0
        }
    });
    bitpack::pack(offsets, width, dst);
    let mut next = 0;
    for (pos, &v) in scaled.iter().enumerate().filter(|(_, v)| !fits(**v)) {
        put_uvarint(dst, (pos - next) as u64);
        put_varint(dst, v.wrapping_sub(base));
        next = pos + 1;
    }
}

/// The minimum and the greatest common divisor of all offsets from it; the factor is 1 when
/// there is no common divisor above 1 or the offsets do not all fit in an `i64`.
fn common_factor(values: &[i64]) -> (i64, u64) {
    let Some(&min) = values.iter().min() else {
        return (0, 1);
    };
    let mut g = 0u64;
    for &v in values {
        let off = v.wrapping_sub(min) as u64;
        if off >> 63 != 0 {
            return (min, 1);
        }
        g = gcd(g, off);
        if g == 1 {
            return (min, 1);
        }
    }
    (min, g.max(1))
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Most low outliers the encoder considers excluding by raising the base.
const MAX_LOW_OUTLIERS: usize = 8;

/// Picks `(base, width)` minimising the (estimated) encoded size.
///
/// The base is the minimum, or one of the next few smallest values when the ones below it are
/// far outliers (a counter reset's negative delta); these then become exceptions. For each
/// base, one pass builds a histogram of offset bit lengths, from which every width's size
/// follows in O(64). Exception costs assume 1-byte position gaps.
fn choose(values: &[i64]) -> (i64, u32) {
    if values.is_empty() {
        return (0, 0);
    }
    let smallest = smallest_sorted(values, MAX_LOW_OUTLIERS + 1);
    let k = smallest.len() - 1;
    let (mut best, mut best_size) = best_width(values, smallest[0]);
    let top = smallest[k];
    for pair in smallest.windows(2) {
        // Only a value far below the rest (further than the few smallest values spread) is an
        // outlier worth excluding.
        let gap = pair[1].wrapping_sub(pair[0]) as u64;
        if gap <= top.wrapping_sub(pair[1]) as u64 {
            continue;
        }
        let (candidate, size) = best_width(values, pair[1]);
        if size < best_size {
            (best, best_size) = (candidate, size);
        }
    }
    best
}

/// The `k` smallest values in ascending order (fewer if `values` is shorter).
fn smallest_sorted(values: &[i64], k: usize) -> Vec<i64> {
    let mut out: Vec<i64> = values.iter().take(k).copied().collect();
    out.sort_unstable();
    for &v in &values[out.len()..] {
        // Usually false after the first few values: one well-predicted compare per value.
        if v < out[k - 1] {
            let at = out.partition_point(|&x| x <= v);
            out.pop();
            out.insert(at, v);
        }
    }
    out
}

/// The best width for a given base, and the resulting size.
fn best_width(values: &[i64], base: i64) -> ((i64, u32), usize) {
    // hist[b]: values at or above the base whose offset has b significant bits.
    // Four interleaved histograms break the store-to-load chain on repeated buckets.
    let mut hists = [[0usize; 65]; 4];
    let (mut low, mut low_count) = (0, 0);
    let mut add = |h: &mut [usize; 65], v: i64| {
        let off = v.wrapping_sub(base);
        if v < base {
            low += exception_size(off);
            low_count += 1;
        } else {
            h[64 - (off as u64).leading_zeros() as usize] += 1;
        }
    };
    let quads = values.chunks_exact(4);
    for &v in quads.remainder() {
        add(&mut hists[0], v);
    }
    for q in quads {
        for (h, &v) in hists.iter_mut().zip(q) {
            add(h, v);
        }
    }
    let mut hist = [0usize; 65];
    for (b, total) in hist.iter_mut().enumerate() {
        *total = hists.iter().map(|h| h[b]).sum();
    }
    let fixed = uvarint_len(zigzag(base)) + 1 + low;
    let (mut best, mut best_size) = (64, usize::MAX);
    let (mut high, mut high_count) = (0, 0);
    // Walk widths downwards; values with more than `w` bits spill into exceptions.
    for w in (0..=64u32).rev() {
        if w < 64 {
            let spilled = hist[w as usize + 1];
            high_count += spilled;
            // w+1 significant bits, one more after zig-zag.
            high += spilled * (1 + (w as usize + 2).div_ceil(7));
        }
        let exceptions = low_count + high_count;
        let size =
            fixed + uvarint_len(exceptions as u64) + bitpack::packed_len(values.len(), w) + high;
        if size < best_size {
            (best, best_size) = (w, size);
        }
    }
    ((base, best), best_size)
}

/// Bytes an exception at `offset` from the base costs (assuming a 1-byte position gap).
fn exception_size(offset: i64) -> usize {
    1 + uvarint_len(zigzag(offset))
}

/// Streams the `m` values of one PFOR block, 64 at a time, exceptions patched in.
#[derive(Debug)]
pub(crate) struct PforReader<'a> {
    packed: &'a [u8],
    width: u32,
    base: i64,
    factor: i64,
    len: usize,
    block: usize,
    /// The validated exception list, re-read lazily while decoding.
    exc: Cursor<'a>,
    exc_left: usize,
    next_exc: usize,
}

impl<'a> PforReader<'a> {
    /// Parses the header of a block of `m` values and moves `cur` past the whole block.
    pub(crate) fn parse(cur: &mut Cursor<'a>, m: usize) -> Result<Self> {
        let base = cur.varint()?;
        let width_byte = cur.u8()?;
        let width = u32::from(width_byte & !FACTOR_FLAG);
        if width > 64 {
            return Err(Error::Corrupted {
                detail: "bit width above 64",
                offset: cur.pos() - 1,
            });
        }
        let factor = if width_byte & FACTOR_FLAG != 0 {
            let f = cur.uvarint()?;
            if f < 2 {
                return Err(cur.corrupted("pfor factor below 2"));
            }
            f as i64
        } else {
            1
        };
        let exc_left = cur.bounded(m, "more exceptions than values")?;
        let packed = cur.bytes(bitpack::packed_len(m, width))?;
        let exc = cur.clone();
        // Validate (and skip) the exception list once, so decoding can trust it.
        let mut next = 0usize;
        for _ in 0..exc_left {
            let pos = next.saturating_add(cur.bounded(m, "exception position out of range")?);
            if pos >= m {
                return Err(cur.corrupted("exception position out of range"));
            }
            cur.uvarint()?;
            next = pos + 1;
        }
        let mut r = PforReader {
            packed,
            width,
            base,
            factor,
            len: m,
            block: 0,
            exc,
            exc_left,
            next_exc: 0,
        };
        r.next_exc = r.read_exc_pos(0)?;
        Ok(r)
    }

    /// Decodes the next block into `out`; returns how many values it holds (0 at the end).
    #[inline]
    pub(crate) fn next_block(&mut self, out: &mut [i64; BLOCK]) -> Result<usize> {
        let start = self.block * BLOCK;
        if start >= self.len {
            return Ok(0);
        }
        let n = (self.len - start).min(BLOCK);
        let mut raw = [0u64; BLOCK];
        bitpack::unpack_block(self.packed, self.width, self.block, &mut raw);
        if self.factor == 1 {
            for (o, r) in out.iter_mut().zip(raw) {
                *o = self.base.wrapping_add(r as i64);
            }
        } else {
            for (o, r) in out.iter_mut().zip(raw) {
                *o = self.base.wrapping_add((r as i64).wrapping_mul(self.factor));
            }
        }
        while self.next_exc < start + n {
            let v = unzigzag(self.exc.uvarint()?);
            out[self.next_exc - start] = self.base.wrapping_add(v.wrapping_mul(self.factor));
            self.exc_left -= 1;
            self.next_exc = self.read_exc_pos(self.next_exc + 1)?;
        }
        self.block += 1;
        Ok(n)
    }

    /// Position of the next exception, or `usize::MAX` when none are left.
    fn read_exc_pos(&mut self, next: usize) -> Result<usize> {
        if self.exc_left == 0 {
            return Ok(usize::MAX);
        }
        Ok(next + self.exc.uvarint()? as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn round_trip(values: &[i64]) -> (Vec<i64>, usize) {
        let mut buf = Vec::new();
        encode(values, &mut buf);
        let mut cur = Cursor::new(&buf);
        let mut r = PforReader::parse(&mut cur, values.len()).expect("valid block");
        cur.finish().expect("block fully consumed");
        let mut out = Vec::new();
        let mut block = [0i64; BLOCK];
        loop {
            let n = r.next_block(&mut block).expect("valid block");
            if n == 0 {
                break;
            }
            out.extend_from_slice(&block[..n]);
        }
        (out, buf.len())
    }

    #[test]
    fn outliers_become_exceptions() {
        let mut values: Vec<i64> = (0..480).map(|i| i % 4).collect();
        values[100] = -1_000_000;
        values[300] = 1 << 40;
        let (out, len) = round_trip(&values);
        assert_eq!(out, values);
        // 2 bits per value plus two small exceptions, not 41 bits per value.
        assert!(len < 480 * 2 / 8 + 20, "{len} bytes");
    }

    #[test]
    fn constant_values_take_no_packed_bytes() {
        let (out, len) = round_trip(&[7; 1000]);
        assert_eq!(out, vec![7; 1000]);
        assert_eq!(len, 3);
    }

    #[test]
    fn a_common_factor_is_divided_out() {
        let values: Vec<i64> = (0..480).map(|i| 1_000_000 + (i * 7 % 13) * 4096).collect();
        let (out, len) = round_trip(&values);
        assert_eq!(out, values);
        // 4 bits a value (13 distinct multiples of 4096), not 16.
        assert!(len < 480 * 4 / 8 + 12, "{len} bytes");
        let (out, _) = round_trip(&[i64::MIN, 0, i64::MAX - 1]);
        assert_eq!(out, [i64::MIN, 0, i64::MAX - 1]);
    }

    #[test]
    fn extremes_round_trip() {
        let values = [i64::MIN, i64::MAX, 0, -1, i64::MIN, 1];
        assert_eq!(round_trip(&values).0, values);
    }

    proptest! {
        #[test]
        fn random_values_round_trip(values in proptest::collection::vec(any::<i64>(), 0..300)) {
            prop_assert_eq!(round_trip(&values).0, values);
        }

        #[test]
        fn mostly_small_values_round_trip(
            values in proptest::collection::vec(
                prop_oneof![9 => -50i64..50, 1 => any::<i64>()], 0..700)
        ) {
            prop_assert_eq!(round_trip(&values).0, values);
        }
    }
}
