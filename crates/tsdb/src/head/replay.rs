//! Rebuilding the head from WAL records at open.
//!
//! Records are applied in log order. A series record re-creates the series under the reference
//! it was logged with; when a label set shows up under a second reference (two appenders raced
//! to create it before one of them lost, or an older run left an orphan) the second reference
//! becomes an alias of the first. Samples for references never introduced are counted and
//! dropped: they can only come from a log damaged before the series record.

use std::collections::HashMap;
use std::sync::atomic::Ordering;

use super::series::MemSeries;
use super::{Head, labels_hash, stripe_of_ref};
use crate::error::Result;
use crate::record::{self, Record, SeriesRef};

/// What replay saw, for the warning printed at open.
#[derive(Debug, Default)]
pub(crate) struct ReplayState {
    aliases: HashMap<SeriesRef, SeriesRef>,
    pub(crate) series: u64,
    pub(crate) samples: u64,
    pub(crate) unknown_refs: u64,
    pub(crate) bad_records: u64,
}

impl Head {
    /// Applies one WAL record.
    pub(crate) fn replay_record(&self, body: &[u8], st: &mut ReplayState) -> Result<()> {
        let rec = match record::decode(body) {
            Ok(rec) => rec,
            Err(e) => {
                // The WAL's checksum passed, so this is a bug or a foreign record type: skip it
                // rather than refuse to start.
                tracing::warn!(error = %e, "skipping undecodable WAL record");
                st.bad_records += 1;
                return Ok(());
            }
        };
        match rec {
            Record::Series(series) => {
                for (r, labels) in series {
                    let hash = labels_hash(labels.as_slice());
                    if let Some(existing) = self.lookup(hash, labels.as_slice()) {
                        if existing != r {
                            st.aliases.insert(r, existing);
                        }
                        continue;
                    }
                    let labels = self.interner.lock().intern_labels(labels.as_slice());
                    self.stripes[stripe_of_ref(r)]
                        .write()
                        .insert(hash, MemSeries::new(r, labels.clone()));
                    self.index.write().add(r, &labels);
                    st.series += 1;
                }
            }
            Record::Samples(samples) => {
                let lim = self.limits();
                for (r, t, v) in samples {
                    if t < lim.min_valid {
                        // Already persisted in a block before the WAL was checkpointed.
                        continue;
                    }
                    let r = st.aliases.get(&r).copied().unwrap_or(r);
                    let mut stripe = self.stripes[stripe_of_ref(r)].write();
                    let Some(series) = stripe.get_mut(r) else {
                        st.unknown_refs += 1;
                        continue;
                    };
                    series.replay(t, v, &lim, &self.chunks)?;
                    st.samples += 1;
                }
                self.num_samples
                    .store(st.samples, std::sync::atomic::Ordering::Relaxed);
            }
            Record::Delete(ranges) => {
                let ranges: Vec<_> = ranges
                    .into_iter()
                    .map(|(r, lo, hi)| (st.aliases.get(&r).copied().unwrap_or(r), lo, hi))
                    .collect();
                // The sample count stored after each samples record must not bring them back.
                st.samples = st.samples.saturating_sub(self.apply_deletes(&ranges)?);
            }
        }
        Ok(())
    }

    /// Sets the head's time range from the samples that survived replay, not from every
    /// logged one: a logged deletion may have removed the newest, and the out-of-order window
    /// after a restart is measured from the newest sample the head holds.
    pub(crate) fn finish_replay(&self) {
        let (mut lo, mut hi) = (i64::MAX, i64::MIN);
        for stripe in self.stripes.iter() {
            for s in stripe.read().iter() {
                if let (Some(a), Some(b)) = (s.min_t(), s.max_t()) {
                    lo = lo.min(a);
                    hi = hi.max(b);
                }
            }
        }
        self.min_t.store(lo, Ordering::Release);
        self.max_t.store(hi, Ordering::Release);
    }
}
