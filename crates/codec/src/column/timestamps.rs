//! Timestamp column encodings: delta, delta-of-delta, frame of reference and linear (grid).
//!
//! `ts-linear` models scrape timestamps as `t0 + q[i]*step + r[i]`: `q[i]` is the index of the
//! scrape slot (consecutive slots differ by 1, a missed scrape by 2) and `r[i]` the jitter. Both
//! streams are PFOR-packed, so regular scrapes cost zero bits, jitter costs about
//! `log2(jitter range)` bits and a gap is one exception rather than a shift of every later
//! residual.

use super::{Candidates, Encoding, write_column};
use crate::Result;
use crate::bitpack::BLOCK;
use crate::cursor::Cursor;
use crate::ints::{self, Order};
use crate::pfor::{self, PforReader};
use crate::varint::put_varint;

pub(super) fn encode(src: &[i64], dst: &mut Vec<u8>) {
    if src.is_empty() {
        return write_column(Encoding::TsDelta, 0, &[], dst);
    }
    let mut c = Candidates::default();
    c.offer(Encoding::TsDelta, |b| ints::encode(src, Order::Delta, b));
    c.offer(Encoding::TsDeltaOfDelta, |b| {
        ints::encode(src, Order::DeltaOfDelta, b)
    });
    match Grid::fit(src) {
        Some(grid) => c.offer(Encoding::TsLinear, |b| grid.encode(src, b)),
        // Frame of reference only wins on unsorted input: sorted spans dwarf their deltas.
        None => c.offer(Encoding::TsFor, |b| ints::encode(src, Order::For, b)),
    }
    c.write(src.len(), dst);
}

pub(super) fn decode(
    enc: Encoding,
    n: usize,
    cur: &mut Cursor<'_>,
    dst: &mut Vec<i64>,
) -> Result<()> {
    if n == 0 {
        return Ok(());
    }
    dst.reserve(n);
    let sink = |b: &[i64]| dst.extend_from_slice(b);
    match enc {
        Encoding::TsDelta => ints::decode(cur, n, Order::Delta, sink),
        Encoding::TsDeltaOfDelta => ints::decode(cur, n, Order::DeltaOfDelta, sink),
        Encoding::TsFor => ints::decode(cur, n, Order::For, sink),
        Encoding::TsLinear => decode_linear(cur, n, dst),
        _ => Err(cur.corrupted("not a timestamp encoding")),
    }
}

/// A fitted scrape grid.
#[derive(Debug)]
struct Grid {
    step: i64,
    /// Slot index of each timestamp, `q[0] = 0`.
    slots: Vec<i64>,
}

impl Grid {
    /// Fits a grid to strictly ascending timestamps spanning less than `i64::MAX`; `None` for
    /// other inputs.
    fn fit(src: &[i64]) -> Option<Grid> {
        if src.windows(2).any(|w| w[1] <= w[0]) {
            return None;
        }
        let t0 = src[0];
        // Sorted with the whole span in range: every difference below is in range too.
        let span = src.last()?.checked_sub(t0)?;
        let mut deltas: Vec<i64> = src.windows(2).map(|w| w[1] - w[0]).collect();
        if deltas.is_empty() {
            return Some(Grid {
                step: 0,
                slots: vec![0],
            });
        }
        // The median delta is robust to gaps; the average over all slots then removes drift.
        let mid = deltas.len() / 2;
        let rough = *deltas.select_nth_unstable(mid).1;
        let slots_total = span / rough + i64::from(span % rough >= rough - rough / 2);
        let step =
            span / slots_total + i64::from(span % slots_total >= slots_total - slots_total / 2);
        // Any slot numbering round-trips (residuals absorb the error), so float rounding is
        // good enough and avoids a division per value.
        let inv = 1.0 / step as f64;
        let slots = src
            .iter()
            .map(|&t| ((t - t0) as f64 * inv + 0.5) as i64)
            .collect();
        Some(Grid { step, slots })
    }

    fn encode(&self, src: &[i64], dst: &mut Vec<u8>) {
        let t0 = src[0];
        put_varint(dst, t0);
        if src.len() < 2 {
            return;
        }
        put_varint(dst, self.step);
        let steps: Vec<i64> = self
            .slots
            .windows(2)
            .map(|w| w[1].wrapping_sub(w[0]))
            .collect();
        pfor::encode(&steps, dst);
        let residuals: Vec<i64> = src[1..]
            .iter()
            .zip(&self.slots[1..])
            .map(|(&t, &q)| t.wrapping_sub(t0).wrapping_sub(q.wrapping_mul(self.step)))
            .collect();
        pfor::encode(&residuals, dst);
    }
}

/// Layout: `t0 varint | step varint | pfor(slot steps) | pfor(residuals)`, the last three only
/// when `n >= 2`; both PFOR blocks hold `n - 1` values.
fn decode_linear(cur: &mut Cursor<'_>, n: usize, dst: &mut Vec<i64>) -> Result<()> {
    let t0 = cur.varint()?;
    dst.push(t0);
    if n < 2 {
        return Ok(());
    }
    let step = cur.varint()?;
    let mut slots = PforReader::parse(cur, n - 1)?;
    let mut residuals = PforReader::parse(cur, n - 1)?;
    let (mut sb, mut rb) = ([0i64; BLOCK], [0i64; BLOCK]);
    let mut q = 0i64;
    loop {
        let len = slots.next_block(&mut sb)?;
        if len == 0 || residuals.next_block(&mut rb)? != len {
            return Ok(());
        }
        for (s, &r) in sb[..len].iter_mut().zip(&rb[..len]) {
            q = q.wrapping_add(*s);
            *s = t0.wrapping_add(q.wrapping_mul(step)).wrapping_add(r);
        }
        dst.extend_from_slice(&sb[..len]);
    }
}
