//! Read side of the head: which series match, and copies of their data for a query.

use model::{Labels, Matcher};

use super::series::SeriesSnapshot;
use super::{Head, stripe_of_ref};
use crate::error::Result;
use crate::postings;

impl Head {
    /// Series matching `matchers` with data in `[mint, maxt]`, sorted by labels, each with
    /// what a reader needs to decode its samples.
    pub(crate) fn select(
        &self,
        matchers: &[Matcher],
        mint: i64,
        maxt: i64,
    ) -> Result<Vec<(Labels, SeriesSnapshot)>> {
        let refs = postings::select(&*self.index.read(), matchers)?;
        let mut out = Vec::with_capacity(refs.len() as usize);
        for r in &refs {
            let stripe = self.stripes[stripe_of_ref(r)].read();
            let Some(s) = stripe.get(r) else { continue };
            let overlaps =
                s.min_t().is_some_and(|lo| lo <= maxt) && s.max_t().is_some_and(|hi| hi >= mint);
            if overlaps {
                out.push((s.labels.clone(), s.snapshot(mint, maxt, &self.chunks)?));
            }
        }
        out.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }

    /// Labels of series matching `matchers` with data in `[mint, maxt]`.
    pub(crate) fn matching_labels(
        &self,
        matchers: &[Matcher],
        mint: i64,
        maxt: i64,
    ) -> Result<Vec<Labels>> {
        let refs = postings::select(&*self.index.read(), matchers)?;
        let mut out = Vec::with_capacity(refs.len() as usize);
        for r in &refs {
            let stripe = self.stripes[stripe_of_ref(r)].read();
            let Some(s) = stripe.get(r) else { continue };
            if s.min_t().is_some_and(|lo| lo <= maxt) && s.max_t().is_some_and(|hi| hi >= mint) {
                out.push(s.labels.clone());
            }
        }
        Ok(out)
    }

    /// Whether the head's data overlaps `[mint, maxt]` at all.
    pub(crate) fn overlaps(&self, mint: i64, maxt: i64) -> bool {
        self.time_range()
            .is_some_and(|(lo, hi)| lo <= maxt && hi >= mint)
    }
}
