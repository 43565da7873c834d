//! Delta → cumulative conversion for monotonic sums and explicit-bucket histograms; the
//! rules are documented on [`DeltaState`].

use std::collections::HashMap;
use std::time::{Duration, Instant};

use ahash::RandomState;
use model::Label;
use parking_lot::Mutex;

/// Bounds of a [`DeltaState`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeltaConfig {
    /// Most series tracked at once. Default 100 000.
    pub max_series: usize,
    /// A series not updated for this long is forgotten. Default 10 minutes.
    pub idle_timeout: Duration,
}

impl Default for DeltaConfig {
    fn default() -> Self {
        DeltaConfig {
            max_series: 100_000,
            idle_timeout: Duration::from_secs(600),
        }
    }
}

/// Running totals of delta series across requests, shared by every request (internally
/// synchronized).
///
/// Prometheus stores cumulative counters; SDKs configured for delta temporality send the
/// increase since their previous export instead. The state keeps a running total per
/// output series (keyed by its labels, `__name__` included) and places each delta point by
/// its start time, as the Collector's deltatocumulative processor does:
///
/// - no state yet: the running total starts at the point's values;
/// - the point starts where the previous one ended: its values are added;
/// - the point starts after the previous one ended (a gap): its values are added too. SDKs
///   advance the start time over export intervals in which a series recorded nothing (the
///   Python SDK does), and the OTel data model lets a delta stream's start time advance
///   without affecting the sum; restarting there would make every idle interval a counter
///   reset and lose the totals before it;
/// - the point repeats the previous window exactly (a client resending a batch whose
///   answer it lost): nothing is added and the current total is written again;
/// - the point starts before the previous one ended (overlap, out of order, or two writers
///   for one series): it cannot be placed and is rejected.
///
/// A point without a start time is taken as following the previous one when it ends later.
/// A histogram whose bucket bounds change restarts from the new point. A point flagged "no
/// recorded value" ends the series: its state is dropped and stale markers are written.
///
/// Bounded: at most [`DeltaConfig::max_series`] series are tracked (points of further new
/// series are rejected until room is made), and series not updated for
/// [`DeltaConfig::idle_timeout`] are forgotten (swept during translation at most twice per
/// timeout). A series that comes back after that starts again from its next delta.
#[derive(Debug, Default)]
pub struct DeltaState {
    config: DeltaConfig,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    series: HashMap<Box<[Label]>, Entry, RandomState>,
    last_sweep: Option<Instant>,
}

#[derive(Debug)]
struct Entry {
    start_ns: u64,
    end_ns: u64,
    seen: Instant,
    total: Total,
}

#[derive(Debug, Clone, PartialEq)]
enum Total {
    Sum(f64),
    Histogram(HistogramTotal),
}

/// The running totals of one histogram series.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct HistogramTotal {
    /// Bucket upper bounds, as in the points.
    pub(super) bounds: Vec<f64>,
    /// Per-bucket (not cumulative) counts, one per bound.
    pub(super) buckets: Vec<u64>,
    /// Total count (the `+Inf` bucket).
    pub(super) count: u64,
    /// Total sum; unknown once a point without a sum was added.
    pub(super) sum: Option<f64>,
}

impl HistogramTotal {
    fn same_layout(&self, other: &HistogramTotal) -> bool {
        self.bounds.len() == other.bounds.len()
            && self.buckets.len() == other.buckets.len()
            && self
                .bounds
                .iter()
                .zip(&other.bounds)
                .all(|(a, b)| a.to_bits() == b.to_bits())
    }

    fn add(&mut self, d: &HistogramTotal) {
        for (t, v) in self.buckets.iter_mut().zip(&d.buckets) {
            *t = t.saturating_add(*v);
        }
        self.count = self.count.saturating_add(d.count);
        self.sum = self.sum.zip(d.sum).map(|(a, b)| a + b);
    }
}

/// Why a delta point could not be placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DeltaError {
    /// It starts before the previous point of its series ended.
    Overlap,
    /// It ends before it starts.
    EndBeforeStart,
    /// Its series is new and the state is full.
    Full,
}

impl DeltaError {
    /// A short explanation for `partial_success`.
    pub(super) fn message(self) -> &'static str {
        match self {
            DeltaError::Overlap => {
                "delta point overlaps the previous point of its series (out of order or duplicate writer)"
            }
            DeltaError::EndBeforeStart => "delta point ends before it starts",
            DeltaError::Full => "too many delta series tracked; point not converted to cumulative",
        }
    }
}

impl DeltaState {
    /// An empty state with the given bounds.
    pub fn new(config: DeltaConfig) -> Self {
        DeltaState {
            config,
            inner: Mutex::default(),
        }
    }

    /// Its bounds.
    pub fn config(&self) -> DeltaConfig {
        self.config
    }

    /// Number of series tracked.
    pub fn len(&self) -> usize {
        self.inner.lock().series.len()
    }

    /// Whether no series is tracked.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forgets series idle for longer than the timeout; returns how many. Also done during
    /// translation, so calling this is optional.
    pub fn evict_idle(&self) -> usize {
        self.evict_idle_at(Instant::now())
    }

    pub(super) fn evict_idle_at(&self, now: Instant) -> usize {
        let mut inner = self.inner.lock();
        self.sweep(&mut inner, now)
    }

    fn sweep(&self, inner: &mut Inner, now: Instant) -> usize {
        let before = inner.series.len();
        let timeout = self.config.idle_timeout;
        inner
            .series
            .retain(|_, e| now.saturating_duration_since(e.seen) <= timeout);
        inner.last_sweep = Some(now);
        before - inner.series.len()
    }

    /// Adds a monotonic sum's delta `v` over `(start_ns, end_ns]` to the series `key`;
    /// returns the running total.
    pub(super) fn add_sum(
        &self,
        key: &[Label],
        (start_ns, end_ns): (u64, u64),
        v: f64,
        now: Instant,
    ) -> Result<f64, DeltaError> {
        let total = self.place(key, (start_ns, end_ns), now, Total::Sum(v), |t| match t {
            Total::Sum(s) => {
                *s += v;
                true
            }
            Total::Histogram(_) => false,
        })?;
        match total {
            Total::Sum(s) => Ok(s),
            Total::Histogram(_) => Ok(v),
        }
    }

    /// Adds a histogram delta to the series `key`; returns the running totals.
    pub(super) fn add_histogram(
        &self,
        key: &[Label],
        (start_ns, end_ns): (u64, u64),
        delta: HistogramTotal,
        now: Instant,
    ) -> Result<HistogramTotal, DeltaError> {
        let total = self.place(
            key,
            (start_ns, end_ns),
            now,
            Total::Histogram(delta.clone()),
            |t| match t {
                Total::Histogram(h) if h.same_layout(&delta) => {
                    h.add(&delta);
                    true
                }
                _ => false,
            },
        )?;
        match total {
            Total::Histogram(h) => Ok(h),
            Total::Sum(_) => Ok(delta),
        }
    }

    /// Forgets the series `key` (its points said "no recorded value": the series ended).
    pub(super) fn forget(&self, key: &[Label]) {
        self.inner.lock().series.remove(key);
    }

    /// Places a point: starts, adds to (`add` returns false when the kinds or layouts do
    /// not match, which restarts from `fresh`), or rejects; returns the totals.
    fn place(
        &self,
        key: &[Label],
        (start_ns, end_ns): (u64, u64),
        now: Instant,
        fresh: Total,
        add: impl FnOnce(&mut Total) -> bool,
    ) -> Result<Total, DeltaError> {
        if start_ns != 0 && end_ns < start_ns {
            return Err(DeltaError::EndBeforeStart);
        }
        let mut inner = self.inner.lock();
        let due = inner
            .last_sweep
            .is_none_or(|t| now.saturating_duration_since(t) >= self.config.idle_timeout / 2);
        if due {
            self.sweep(&mut inner, now);
        }
        if let Some(e) = inner.series.get_mut(key) {
            if start_ns == e.start_ns && end_ns == e.end_ns {
                e.seen = now;
                return Ok(e.total.clone());
            }
            // Aligned, or after a gap (see the type docs): either way the delta is added.
            let follows = start_ns >= e.end_ns || (start_ns == 0 && end_ns > e.end_ns);
            if !follows {
                return Err(DeltaError::Overlap);
            }
            if !add(&mut e.total) {
                e.total = fresh;
            }
            e.start_ns = start_ns;
            e.end_ns = end_ns;
            e.seen = now;
            return Ok(e.total.clone());
        }
        if inner.series.len() >= self.config.max_series {
            self.sweep(&mut inner, now);
            if inner.series.len() >= self.config.max_series {
                return Err(DeltaError::Full);
            }
        }
        let entry = Entry {
            start_ns,
            end_ns,
            seen: now,
            total: fresh.clone(),
        };
        inner.series.insert(key.into(), entry);
        Ok(fresh)
    }
}
