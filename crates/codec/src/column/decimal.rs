//! Integer and decimal value columns: values that are exactly `m / 10^scale`.
//!
//! A value is *regular* at a scale `s` when `m = round(v * 10^s)` satisfies `|m| <= 2^53` and
//! `m as f64 / 10^s` reproduces `v` bit for bit; that expression is exactly what the decoder
//! computes (the division by an exact power of ten is correctly rounded). Everything else (NaN,
//! stale markers, infinities, `-0.0`, a stray long fraction) is an *exception* stored as raw bits,
//! and its slot holds the previous mantissa so it does not disturb the packing.
//!
//! ```text
//! payload := [scale u8, decimal tags only] | exceptions uvarint
//!            | exceptions × (position gap uvarint, bits u64 LE) | ints(mantissas)
//! ```

use crate::Result;
use crate::cursor::Cursor;
use crate::ints::{self, Order};
use crate::varint::put_uvarint;

/// Largest decimal scale tried (and accepted by the decoder).
pub(super) const MAX_SCALE: u8 = 15;

/// Mantissas beyond this do not convert to `f64` exactly.
const MAX_MANTISSA: f64 = (1u64 << 53) as f64;

/// `10^s` for every scale; all exactly representable.
const POW10: [f64; MAX_SCALE as usize + 1] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

/// Most exceptions a column may have before the scheme is abandoned (they cost 9+ bytes each,
/// and giving up early keeps encoding full-precision floats cheap).
fn max_exceptions(n: usize) -> usize {
    n / 8 + 1
}

/// The mantissa of `v` at `scale`, if `v` is regular there.
fn mantissa(v: f64, scale: u8) -> Option<i64> {
    let p = POW10[usize::from(scale)];
    let x = v * p;
    if x.is_nan() || x.abs() > MAX_MANTISSA {
        return None;
    }
    // Round half away from zero without a libm call; near-ties cannot be decimals anyway, and
    // the check below rejects any mantissa that does not reproduce `v`.
    let m = (x + 0.5f64.copysign(x)) as i64;
    ((m as f64 / p).to_bits() == v.to_bits()).then_some(m)
}

/// A column rewritten as mantissas at one scale.
#[derive(Debug)]
pub(super) struct Plan {
    pub(super) scale: u8,
    exceptions: Vec<(usize, u64)>,
    mantissas: Vec<i64>,
}

/// One plan per scale worth trying, smallest scale first; empty if the column is not decimal.
pub(super) fn plans(src: &[f64]) -> Vec<Plan> {
    let limit = max_exceptions(src.len());
    let mut scales = Vec::with_capacity(src.len());
    let mut irregular = 0;
    for &v in src {
        let s = (0..=MAX_SCALE).find(|&s| mantissa(v, s).is_some());
        irregular += usize::from(s.is_none());
        if irregular > limit {
            return Vec::new();
        }
        scales.push(s);
    }
    let mut used: Vec<u8> = scales.iter().flatten().copied().collect();
    used.sort_unstable();
    used.dedup();
    used.into_iter()
        .filter_map(|scale| plan_at(src, &scales, scale, limit))
        .collect()
}

fn plan_at(src: &[f64], scales: &[Option<u8>], scale: u8, limit: usize) -> Option<Plan> {
    let mut exceptions = Vec::new();
    let mut mantissas = Vec::with_capacity(src.len());
    let mut last = None;
    for (i, (&v, s)) in src.iter().zip(scales).enumerate() {
        match s.filter(|&s| s <= scale).and_then(|_| mantissa(v, scale)) {
            Some(m) => {
                mantissas.push(m);
                last = Some(m);
            }
            None => {
                exceptions.push((i, v.to_bits()));
                if exceptions.len() > limit {
                    return None;
                }
                // Placeholder; leading ones are fixed up below.
                mantissas.push(last.unwrap_or(0));
            }
        }
    }
    // Leading exceptions have no previous mantissa: copy the first regular one back.
    let leading = exceptions
        .iter()
        .zip(0..)
        .take_while(|((pos, _), i)| pos == i)
        .count();
    let first = *mantissas.get(leading)?;
    mantissas[..leading].fill(first);
    Some(Plan {
        scale,
        exceptions,
        mantissas,
    })
}

impl Plan {
    /// Appends the payload; the scale byte is written only for decimal tags (`scale > 0`).
    pub(super) fn encode(&self, order: Order, dst: &mut Vec<u8>) {
        if self.scale > 0 {
            dst.push(self.scale);
        }
        put_uvarint(dst, self.exceptions.len() as u64);
        let mut next = 0;
        for &(pos, bits) in &self.exceptions {
            put_uvarint(dst, (pos - next) as u64);
            dst.extend_from_slice(&bits.to_le_bytes());
            next = pos + 1;
        }
        ints::encode(&self.mantissas, order, dst);
    }
}

/// Decodes `n` values; `decimal` says whether a scale byte is present.
pub(super) fn decode(
    cur: &mut Cursor<'_>,
    n: usize,
    decimal: bool,
    order: Order,
    dst: &mut Vec<f64>,
) -> Result<()> {
    let scale = if decimal {
        let s = cur.u8()?;
        if s == 0 || s > MAX_SCALE {
            return Err(cur.corrupted("decimal scale out of range"));
        }
        s
    } else {
        0
    };
    let count = cur.bounded(n, "more exceptions than values")?;
    // Validate and skip the exceptions now, apply them after the mantissas.
    let mut exceptions = cur.clone();
    let mut next = 0usize;
    for _ in 0..count {
        next = next.saturating_add(cur.bounded(n, "exception position out of range")?);
        if next >= n {
            return Err(cur.corrupted("exception position out of range"));
        }
        cur.u64_le()?;
        next += 1;
    }
    let start = dst.len();
    dst.reserve(n);
    if scale == 0 {
        ints::decode(cur, n, order, |b| dst.extend(b.iter().map(|&m| m as f64)))?;
    } else {
        let p = POW10[usize::from(scale)];
        ints::decode(cur, n, order, |b| {
            dst.extend(b.iter().map(|&m| m as f64 / p))
        })?;
    }
    let out = &mut dst[start..];
    let mut pos = 0usize;
    for _ in 0..count {
        pos += exceptions.uvarint()? as usize;
        let bits = exceptions.u64_le()?;
        if let Some(slot) = out.get_mut(pos) {
            *slot = f64::from_bits(bits);
        }
        pos += 1;
    }
    Ok(())
}
