//! Cutting the head: sealing a range, handing its data to a block, then dropping it.
//!
//! The order makes the cut lossless without stopping ingest: first the head stops accepting
//! samples before the cut (`seal_before`), so the range stops changing; then its data is
//! captured and written as a block; only after the block is published is the range dropped
//! from memory (`truncate_before`). A query running in between sees the data in the head.

use std::sync::atomic::Ordering;

use model::Labels;

use super::Head;
use super::series::SeriesSnapshot;
use crate::error::Result;

impl Head {
    /// Rejects samples before `b` from now on.
    pub(crate) fn seal_before(&self, b: i64) {
        self.min_valid.fetch_max(b, Ordering::AcqRel);
    }

    /// Every series' data in `[a, b)`, sorted by labels.
    pub(crate) fn capture(&self, a: i64, b: i64) -> Result<Vec<(Labels, SeriesSnapshot)>> {
        self.select(&[], a, b - 1)
    }

    /// Drops data before `b`, removes series left without data and deletes spill files no
    /// chunk refers to. Returns the number of series removed.
    pub(crate) fn truncate_before(&self, b: i64) -> Result<usize> {
        let _gate = self.gate.write();
        let mut removed = Vec::new();
        let mut min_t = i64::MAX;
        let mut dropped = 0;
        for stripe in self.stripes.iter() {
            let mut stripe = stripe.write();
            let mut empty = Vec::new();
            for s in stripe.iter_mut() {
                dropped += s.truncate_before(b);
                match s.min_t() {
                    Some(t) => min_t = min_t.min(t),
                    None => empty.push(s.r),
                }
            }
            for r in empty {
                if let Some(s) = stripe.remove(r) {
                    removed.push((r, s.labels));
                }
            }
        }
        {
            let mut index = self.index.write();
            for (r, labels) in &removed {
                index.remove(*r, labels);
            }
        }
        let n = removed.len();
        drop(removed);
        self.interner.lock().collect_garbage();
        self.min_t.store(min_t, Ordering::Release);
        self.num_samples.fetch_sub(
            dropped.min(self.num_samples.load(Ordering::Acquire)),
            Ordering::AcqRel,
        );
        self.chunks.truncate_before(b)?;
        Ok(n)
    }
}
