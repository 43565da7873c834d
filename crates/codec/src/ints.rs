//! Integer sequences as PFOR-packed differences of order 0 (frame of reference), 1 (delta) or 2
//! (delta of delta).
//!
//! ```text
//! ints(order k, n values) := first min(k, n) seeds as varints | pfor of the n-k differences
//! ```
//! For order 1 the seed is `v0`; for order 2 the seeds are `v0` and `v1 - v0`. The PFOR block is
//! omitted when `n <= k`. All arithmetic wraps, so every `i64` sequence round-trips.

use crate::Result;
use crate::bitpack::BLOCK;
use crate::cursor::Cursor;
use crate::pfor::{self, PforReader};
use crate::varint::put_varint;

/// Difference order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Order {
    /// The values themselves.
    For,
    /// `v[i] - v[i-1]`.
    Delta,
    /// `(v[i] - v[i-1]) - (v[i-1] - v[i-2])`.
    DeltaOfDelta,
}

impl Order {
    fn seeds(self) -> usize {
        match self {
            Order::For => 0,
            Order::Delta => 1,
            Order::DeltaOfDelta => 2,
        }
    }
}

/// Appends `values` encoded with differences of `order`.
pub(crate) fn encode(values: &[i64], order: Order, dst: &mut Vec<u8>) {
    let k = order.seeds();
    let mut diffs: Vec<i64> = values.to_vec();
    // Pass p leaves the first p entries alone: they are the seeds.
    for pass in 1..=k {
        for i in (pass..diffs.len()).rev() {
            diffs[i] = diffs[i].wrapping_sub(diffs[i - 1]);
        }
    }
    // After k passes, diffs[0..k] are exactly the seeds (v0, then v1 - v0).
    for &seed in diffs.iter().take(k) {
        put_varint(dst, seed);
    }
    if values.len() > k {
        pfor::encode(&diffs[k..], dst);
    }
}

/// Decodes `n` values, handing them to `sink` in slices of at most 64.
pub(crate) fn decode(
    cur: &mut Cursor<'_>,
    n: usize,
    order: Order,
    mut sink: impl FnMut(&[i64]),
) -> Result<()> {
    let k = order.seeds().min(n);
    let mut seeds = [0i64; 2];
    for s in seeds.iter_mut().take(k) {
        *s = cur.varint()?;
    }
    // Running state: last value and last delta.
    let (mut v, mut d) = (seeds[0], seeds[1]);
    match k {
        1 => sink(&[v]),
        2 => {
            sink(&[v, v.wrapping_add(d)]);
            v = v.wrapping_add(d);
        }
        _ => {}
    }
    if n == k {
        return Ok(());
    }
    let mut r = PforReader::parse(cur, n - k)?;
    let mut block = [0i64; BLOCK];
    loop {
        let len = r.next_block(&mut block)?;
        if len == 0 {
            return Ok(());
        }
        let out = &mut block[..len];
        match order {
            Order::For => {}
            Order::Delta => {
                for x in out.iter_mut() {
                    v = v.wrapping_add(*x);
                    *x = v;
                }
            }
            Order::DeltaOfDelta => {
                for x in out.iter_mut() {
                    d = d.wrapping_add(*x);
                    v = v.wrapping_add(d);
                    *x = v;
                }
            }
        }
        sink(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn round_trip(values: &[i64], order: Order) -> Vec<i64> {
        let mut buf = Vec::new();
        encode(values, order, &mut buf);
        let mut cur = Cursor::new(&buf);
        let mut out = Vec::new();
        decode(&mut cur, values.len(), order, |b| out.extend_from_slice(b)).expect("valid");
        cur.finish().expect("fully consumed");
        out
    }

    #[test]
    fn short_sequences_round_trip_in_every_order() {
        for order in [Order::For, Order::Delta, Order::DeltaOfDelta] {
            for n in 0..5 {
                let values: Vec<i64> = (0..n).map(|i| i * i - 3).collect();
                assert_eq!(round_trip(&values, order), values, "{order:?} n={n}");
            }
        }
    }

    proptest! {
        #[test]
        fn any_sequence_round_trips(values in proptest::collection::vec(any::<i64>(), 0..200),
                                    order in prop_oneof![
                                        Just(Order::For), Just(Order::Delta),
                                        Just(Order::DeltaOfDelta)]) {
            prop_assert_eq!(round_trip(&values, order), values);
        }
    }
}
