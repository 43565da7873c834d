//! Deleting series data from the head (the admin `delete_series` call).
//!
//! The affected series are rebuilt without the deleted range, and a deletion record goes to
//! the WAL so replay reaches the same state: it is applied where it stands in the log, after
//! the samples it removes and before any written later.

use std::sync::atomic::Ordering;

use model::Matcher;

use super::{Head, stripe_of_ref};
use crate::error::Result;
use crate::postings;
use crate::record::{SeriesRef, encode_delete};

impl Head {
    /// Deletes the samples in `[lo, hi]` of every series matching `matchers`; `log` writes the
    /// WAL record. Returns the number of samples removed.
    pub(crate) fn delete(
        &self,
        matchers: &[Matcher],
        lo: i64,
        hi: i64,
        log: &dyn Fn(&[u8]) -> Result<()>,
    ) -> Result<u64> {
        // No append may interleave between the rewrite and its WAL record.
        let _gate = self.gate.write();
        let refs: Vec<SeriesRef> = postings::select(&*self.index.read(), matchers)?
            .iter()
            .collect();
        let ranges: Vec<(SeriesRef, i64, i64)> = refs.iter().map(|&r| (r, lo, hi)).collect();
        let removed = self.apply_deletes(&ranges)?;
        if !ranges.is_empty() {
            let mut rec = Vec::new();
            encode_delete(&mut rec, &ranges);
            log(&rec)?;
        }
        Ok(removed)
    }

    /// Rebuilds each series without its range; used by `delete` and by WAL replay.
    pub(crate) fn apply_deletes(&self, ranges: &[(SeriesRef, i64, i64)]) -> Result<u64> {
        let lim = self.limits();
        let mut removed = 0;
        for &(r, lo, hi) in ranges {
            let mut stripe = self.stripes[stripe_of_ref(r)].write();
            if let Some(series) = stripe.get_mut(r) {
                removed += series.delete_range(lo, hi, &lim, &self.chunks)?;
            }
        }
        let held = self.num_samples.load(Ordering::Acquire);
        self.num_samples
            .fetch_sub(removed.min(held), Ordering::AcqRel);
        Ok(removed)
    }
}
