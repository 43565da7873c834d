//! Fixed-width bit packing, least significant bit first, little-endian.
//!
//! Value `i` occupies bits `[i*w, (i+1)*w)` of the stream, where bit `k` is bit `k % 8` of byte
//! `k / 8`; the stream is `ceil(n*w/8)` bytes with zero padding. Any 64 consecutive values
//! starting at a multiple of 64 fill exactly `w` little-endian `u64` words, so the decoder
//! unpacks whole blocks of 64 with a loop specialised per width and no per-value branches.

/// Values per decoding block.
pub(crate) const BLOCK: usize = 64;

/// Bytes needed for `n` values of `width` bits.
pub(crate) fn packed_len(n: usize, width: u32) -> usize {
    (n as u128 * u128::from(width))
        .div_ceil(8)
        .try_into()
        .unwrap_or(usize::MAX)
}

/// Appends `values` packed at `width` bits; each value must be below `2^width`.
pub(crate) fn pack(values: impl IntoIterator<Item = u64>, width: u32, dst: &mut Vec<u8>) {
    if width == 0 {
        return;
    }
    let mut acc = 0u64;
    let mut used = 0u32;
    for v in values {
        debug_assert!(width == 64 || v >> width == 0);
        acc |= v << used;
        if used + width >= 64 {
            dst.extend_from_slice(&acc.to_le_bytes());
            // The bits of `v` that did not fit start the next word.
            acc = if used == 0 { 0 } else { v >> (64 - used) };
            used = used + width - 64;
        } else {
            used += width;
        }
    }
    let tail = used.div_ceil(8) as usize;
    dst.extend_from_slice(&acc.to_le_bytes()[..tail]);
}

/// Unpacks block `block` (values `64*block ..`) of a stream of `width`-bit values into `out`.
///
/// `packed` must be the whole stream; a final partial block is read through a zero-padded copy
/// and the slots past the end of the stream come out as zero.
pub(crate) fn unpack_block(packed: &[u8], width: u32, block: usize, out: &mut [u64; BLOCK]) {
    let words = width as usize;
    let start = block.saturating_mul(words * 8).min(packed.len());
    match packed.get(start..start + words * 8) {
        Some(full) => unpack_words(full, width, out),
        None => {
            let mut padded = [0u8; BLOCK * 8];
            let tail = &packed[start..];
            padded[..tail.len()].copy_from_slice(tail);
            unpack_words(&padded[..words * 8], width, out);
        }
    }
}

/// Unpacks 64 values from exactly `width` little-endian words.
fn unpack_words(src: &[u8], width: u32, out: &mut [u64; BLOCK]) {
    macro_rules! dispatch {
        ($($w:literal)*) => {
            match width {
                $($w => unpack::<$w>(src, out),)*
                _ => out.fill(0),
            }
        };
    }
    dispatch!(
        1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32
        33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60 61
        62 63 64
    );
}

#[inline(always)]
fn unpack<const W: usize>(src: &[u8], out: &mut [u64; BLOCK]) {
    let mut words = [0u64; W];
    for (word, bytes) in words.iter_mut().zip(src.chunks_exact(8)) {
        let mut b = [0u8; 8];
        b.copy_from_slice(bytes);
        *word = u64::from_le_bytes(b);
    }
    let mask = if W == 64 { u64::MAX } else { (1u64 << W) - 1 };
    for (i, o) in out.iter_mut().enumerate() {
        let bit = i * W;
        let (w, shift) = (bit / 64, bit % 64);
        let mut v = words[w] >> shift;
        if shift + W > 64 {
            v |= words[w + 1] << (64 - shift);
        }
        *o = v & mask;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn round_trip(values: &[u64], width: u32) -> Vec<u64> {
        let mut packed = Vec::new();
        pack(values.iter().copied(), width, &mut packed);
        assert_eq!(packed.len(), packed_len(values.len(), width));
        let mut out = Vec::new();
        let mut block = [0u64; BLOCK];
        for b in 0..values.len().div_ceil(BLOCK) {
            unpack_block(&packed, width, b, &mut block);
            let n = (values.len() - b * BLOCK).min(BLOCK);
            out.extend_from_slice(&block[..n]);
        }
        out
    }

    #[test]
    fn every_width_round_trips_across_block_edges() {
        for width in 0..=64u32 {
            let mask = if width == 64 {
                u64::MAX
            } else {
                (1u64 << width) - 1
            };
            let values: Vec<u64> = (0..200u64)
                .map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15) & mask)
                .collect();
            assert_eq!(round_trip(&values, width), values, "width {width}");
        }
    }

    proptest! {
        #[test]
        fn random_values_round_trip(raw in proptest::collection::vec(any::<u64>(), 0..300),
                                    width in 0u32..=64) {
            let mask = if width == 64 { u64::MAX } else { (1u64 << width) - 1 };
            let values: Vec<u64> = raw.iter().map(|v| v & mask).collect();
            prop_assert_eq!(round_trip(&values, width), values);
        }
    }
}
