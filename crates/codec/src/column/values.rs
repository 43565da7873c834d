//! Value column encodings: constant, raw, XOR, integer/decimal mantissas and bit-pattern deltas.

use super::decimal;
use super::{Candidates, Encoding, write_column};
use crate::Result;
use crate::bits::{BitReader, BitWriter};
use crate::cursor::Cursor;
use crate::ints::{self, Order};
use crate::xor::values::{XorDecoder, XorEncoder};

pub(super) fn encode(src: &[f64], dst: &mut Vec<u8>) {
    let Some(&first) = src.first() else {
        return write_column(Encoding::FRaw, 0, &[], dst);
    };
    if src.iter().all(|v| v.to_bits() == first.to_bits()) {
        return write_column(
            Encoding::FConst,
            src.len(),
            &first.to_bits().to_le_bytes(),
            dst,
        );
    }
    let mut c = Candidates::default();
    for plan in decimal::plans(src) {
        let (for_tag, delta_tag) = if plan.scale == 0 {
            (Encoding::FIntFor, Encoding::FIntDelta)
        } else {
            (Encoding::FDecimalFor, Encoding::FDecimalDelta)
        };
        c.offer(delta_tag, |b| plan.encode(Order::Delta, b));
        c.offer(for_tag, |b| plan.encode(Order::For, b));
    }
    // Monotonic full-precision floats (a histogram's `_sum`): their bit patterns as integers
    // grow by a roughly constant amount, which packs tighter than XOR.
    let bits: Vec<i64> = src.iter().map(|v| v.to_bits() as i64).collect();
    c.offer(Encoding::FBitsDelta, |b| {
        ints::encode(&bits, Order::Delta, b)
    });
    // Sizing XOR is cheaper than writing it, and it rarely beats the decimal candidates.
    if xor_len(src) < c.best_len() {
        c.offer(Encoding::FXor, |b| encode_xor(src, b));
    }
    if c.best_len() > 8 * src.len() {
        c.offer(Encoding::FRaw, |b| {
            src.iter()
                .for_each(|v| b.extend_from_slice(&v.to_bits().to_le_bytes()))
        });
    }
    c.write(src.len(), dst);
}

pub(super) fn decode(
    enc: Encoding,
    n: usize,
    cur: &mut Cursor<'_>,
    dst: &mut Vec<f64>,
) -> Result<()> {
    if n == 0 {
        return Ok(());
    }
    match enc {
        Encoding::FConst => {
            let v = f64::from_bits(cur.u64_le()?);
            dst.resize(dst.len() + n, v);
            Ok(())
        }
        Encoding::FRaw => {
            let raw = cur.bytes(n * 8)?;
            dst.extend(raw.chunks_exact(8).map(|c| {
                let mut b = [0u8; 8];
                b.copy_from_slice(c);
                f64::from_bits(u64::from_le_bytes(b))
            }));
            Ok(())
        }
        Encoding::FXor => decode_xor(cur, n, dst),
        Encoding::FIntFor => decimal::decode(cur, n, false, Order::For, dst),
        Encoding::FIntDelta => decimal::decode(cur, n, false, Order::Delta, dst),
        Encoding::FDecimalFor => decimal::decode(cur, n, true, Order::For, dst),
        Encoding::FDecimalDelta => decimal::decode(cur, n, true, Order::Delta, dst),
        Encoding::FBitsDelta => {
            dst.reserve(n);
            ints::decode(cur, n, Order::Delta, |b| {
                dst.extend(b.iter().map(|&x| f64::from_bits(x as u64)));
            })
        }
        _ => Err(cur.corrupted("not a value encoding")),
    }
}

/// Layout: the first value's 64 raw bits, then each later value XOR-coded as in the XOR chunk,
/// MSB first, zero padded to a byte.
fn encode_xor(src: &[f64], dst: &mut Vec<u8>) {
    let mut w = BitWriter::from_vec(std::mem::take(dst));
    let first = src[0].to_bits();
    w.write_bits(first, 64);
    let mut enc = XorEncoder::new(first);
    for v in &src[1..] {
        enc.write(&mut w, v.to_bits());
    }
    *dst = w.into_vec();
}

/// Bytes [`encode_xor`] writes for `src`.
fn xor_len(src: &[f64]) -> usize {
    let first = src[0].to_bits();
    let mut enc = XorEncoder::new(first);
    let bits: usize = src[1..].iter().map(|v| enc.cost(v.to_bits())).sum();
    (64 + bits).div_ceil(8)
}

fn decode_xor(cur: &mut Cursor<'_>, n: usize, dst: &mut Vec<f64>) -> Result<()> {
    let src = cur.rest();
    let mut r = BitReader::new(src);
    let first = r.read_bits(64)?;
    // Every later value takes at least one bit: a short payload cannot claim more.
    if n - 1 > r.bits_remaining() {
        return Err(crate::Error::Truncated {
            needed: (n - 1) / 8,
            available: src.len(),
        });
    }
    dst.reserve(n);
    dst.push(f64::from_bits(first));
    let mut dec = XorDecoder::new(first);
    for _ in 1..n {
        dst.push(f64::from_bits(dec.read(&mut r)?));
    }
    if r.bits_remaining() >= 8 {
        return Err(crate::Error::Corrupted {
            detail: "trailing bytes after xor values",
            offset: r.bit_position() / 8,
        });
    }
    Ok(())
}
