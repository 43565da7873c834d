//! Explicit-bucket histogram points → `_bucket{le}` (cumulative counts, `+Inf` = count),
//! `_sum` (when the point has one) and `_count`, with deltas turned into running totals.

use std::sync::Arc;

use model::{Label, stale_nan};
use opentelemetry_proto::tonic::metrics::v1::HistogramDataPoint;

use super::delta::HistogramTotal;
use super::labels::{self, Layout};
use super::points::{Family, NO_RECORDED_VALUE};
use super::resource::ResourceLabels;
use super::{Translator, values};

/// The `le` texts of the last bounds seen: points of one metric nearly always share their
/// bounds, so each bound is formatted once per metric.
#[derive(Default)]
struct LeCache {
    bounds: Vec<f64>,
    les: Vec<Arc<str>>,
}

impl LeCache {
    fn get(&mut self, bounds: &[f64]) -> &[Arc<str>] {
        let same = self.bounds.len() == bounds.len()
            && self
                .bounds
                .iter()
                .zip(bounds)
                .all(|(a, b)| a.to_bits() == b.to_bits());
        if !same {
            self.bounds = bounds.to_vec();
            self.les = bounds.iter().map(|b| Arc::from(values::le(*b))).collect();
        }
        &self.les
    }
}

impl<'a> Translator<'a> {
    /// Translates the points of one histogram metric; `delta` for delta temporality.
    pub(super) fn histograms(
        &mut self,
        family: &Family<'_>,
        points: &'a [HistogramDataPoint],
        delta: bool,
        res: &ResourceLabels,
        scope: &[Label],
    ) {
        let bucket_name: Arc<str> = Arc::from(format!("{}_bucket", family.name));
        let sum_name: Arc<str> = Arc::from(format!("{}_sum", family.name));
        let count_name: Arc<str> = Arc::from(format!("{}_count", family.name));
        let inf: Arc<str> = Arc::from("+Inf");
        let mut le_cache = LeCache::default();
        // The last point written and the output index of its first series: a cumulative point
        // with the same attributes and layout continues those series (see `numbers`).
        let mut last: Option<(&'a HistogramDataPoint, usize)> = None;
        for p in points {
            if !delta
                && let Some((prev, first)) = last
                && same_series(prev, p)
            {
                self.extend_histogram(p, first);
                continue;
            }
            let Some(base) = self.base_labels(family, &p.attributes, p.time_unix_nano, res, scope)
            else {
                continue;
            };
            let stale = p.flags & NO_RECORDED_VALUE != 0;
            // Bucket counts and bounds of unequal length are cut to the shorter.
            let n = p.explicit_bounds.len().min(p.bucket_counts.len());
            let mut totals = None;
            if delta {
                let mut key = base.clone();
                labels::set(&mut key, &self.names.metric_name, Arc::clone(&family.name));
                if stale {
                    self.delta.forget(&key);
                } else {
                    let d = HistogramTotal {
                        bounds: p.explicit_bounds[..n].to_vec(),
                        buckets: p.bucket_counts[..n].to_vec(),
                        count: p.count,
                        sum: p.sum,
                    };
                    let window = (p.start_time_unix_nano, p.time_unix_nano);
                    match self.delta.add_histogram(&key, window, d, self.now) {
                        Ok(t) => totals = Some(t),
                        Err(e) => {
                            self.problem(family.otel, e.message(), 1);
                            continue;
                        }
                    }
                }
            }
            let (bounds, buckets, count, sum) = match &totals {
                Some(t) => (&t.bounds[..], &t.buckets[..], t.count, t.sum),
                None => (
                    &p.explicit_bounds[..n],
                    &p.bucket_counts[..n],
                    p.count,
                    p.sum,
                ),
            };
            let t = super::ms(p.time_unix_nano);
            let first_series = self.out.series.len();
            let plain = Layout::new(&base, &[&self.names.metric_name]);
            let with_le = Layout::new(&base, &[&self.names.metric_name, &self.names.le]);
            let les = le_cache.get(bounds);
            let buckets = &buckets[..buckets.len().min(les.len())];
            let labels = sum
                .map(|_| plain.build(&base, &[&sum_name]))
                .into_iter()
                .chain([plain.build(&base, &[&count_name])])
                .chain(
                    les[..buckets.len()]
                        .iter()
                        .map(|le| with_le.build(&base, &[&bucket_name, le])),
                )
                .chain([with_le.build(&base, &[&bucket_name, &inf])]);
            for (labels, v) in labels.zip(series_values(sum, count, buckets, stale)) {
                self.push(labels, t, v);
            }
            let first_bucket = first_series + usize::from(sum.is_some()) + 1;
            if !stale {
                self.bucket_exemplars(&p.exemplars, bounds, first_bucket);
            }
            self.out.accepted_points += 1;
            last = Some((p, first_series));
        }
    }

    /// Adds a cumulative point's samples to the series a previous point of the same series
    /// wrote at `first..`: `_sum` (if any), `_count`, then the buckets and `+Inf`.
    fn extend_histogram(&mut self, p: &'a HistogramDataPoint, first: usize) {
        let stale = p.flags & NO_RECORDED_VALUE != 0;
        let t = super::ms(p.time_unix_nano);
        let n = p.explicit_bounds.len().min(p.bucket_counts.len());
        let values = series_values(p.sum, p.count, &p.bucket_counts[..n], stale);
        for (series, v) in self.out.series[first..].iter_mut().zip(values) {
            series.samples.push(model::Sample::new(t, v));
        }
        if !stale {
            let first_bucket = first + usize::from(p.sum.is_some()) + 1;
            self.bucket_exemplars(&p.exemplars, &p.explicit_bounds[..n], first_bucket);
        }
        self.out.accepted_points += 1;
    }
}

/// The values of a point's series in the order it writes them: `_sum` (when it has one),
/// `_count`, the cumulative buckets and `+Inf` (the count); stale markers for a stale point.
/// A point that extends earlier series relies on this order being the same.
fn series_values(
    sum: Option<f64>,
    count: u64,
    buckets: &[u64],
    stale: bool,
) -> impl Iterator<Item = f64> + '_ {
    let value = move |v: f64| if stale { stale_nan() } else { v };
    let cumulative = buckets.iter().scan(0u64, move |acc, c| {
        *acc = acc.saturating_add(*c);
        Some(value(*acc as f64))
    });
    sum.map(value)
        .into_iter()
        .chain([value(count as f64)])
        .chain(cumulative)
        .chain([value(count as f64)])
}

/// Whether cumulative point `p` writes exactly the series `prev` wrote: same attributes,
/// bounds and presence of a sum (and a timestamp, which `prev` had).
fn same_series(prev: &HistogramDataPoint, p: &HistogramDataPoint) -> bool {
    let n = p.explicit_bounds.len().min(p.bucket_counts.len());
    let prev_n = prev.explicit_bounds.len().min(prev.bucket_counts.len());
    p.time_unix_nano != 0
        && n == prev_n
        && p.sum.is_some() == prev.sum.is_some()
        && p.explicit_bounds[..n]
            .iter()
            .zip(&prev.explicit_bounds[..n])
            .all(|(a, b)| a.to_bits() == b.to_bits())
        && p.attributes == prev.attributes
}
