//! Ingest: validate a batch, find or create its series, apply samples, log them.
//!
//! Order of effects, and why:
//! 1. New series are inserted while their stripes are locked and their WAL record is written
//!    before the locks are released, so no other appender can log samples for a series whose
//!    record is not yet in the log.
//! 2. Samples are checked and applied per series under the stripe lock that found the
//!    series (taken for a window of series at a time, see [`WINDOW`]); accepted ones are
//!    encoded into one WAL record for the batch.
//! 3. The record is appended (and synced per policy) before the call returns: only then is
//!    the batch acknowledged.

use std::borrow::Cow;

use model::{Label, METRIC_NAME, Sample};

use super::series::{Accept, Limits, MemSeries};
use super::{Head, labels_hash, stripe_of_hash, stripe_of_ref};
use crate::error::Result;
use crate::record::{SamplesEncoder, SeriesRef, encode_series};
use crate::{AppendOutcome, SeriesSamples};

/// Why a series' labels are not acceptable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Invalid {
    MetricNameMissing,
    LabelNameEmpty,
    LabelNameRepeated,
}

impl Invalid {
    fn describe(self) -> &'static str {
        match self {
            Invalid::MetricNameMissing => "missing or empty metric name",
            Invalid::LabelNameEmpty => "empty label name",
            Invalid::LabelNameRepeated => "duplicate label name",
        }
    }
}

/// The labels in canonical form (sorted by name, no empty values), borrowed when the caller
/// already supplied them that way, which is the common case.
pub(crate) fn canonical(labels: &[Label]) -> Result<Cow<'_, [Label]>, Invalid> {
    let sorted = labels.windows(2).all(|w| w[0].name < w[1].name);
    let no_empty = labels.iter().all(|l| !l.value.is_empty());
    let out: Cow<'_, [Label]> = if sorted && no_empty {
        Cow::Borrowed(labels)
    } else {
        let mut v: Vec<Label> = labels
            .iter()
            .filter(|l| !l.value.is_empty())
            .cloned()
            .collect();
        v.sort_by(|a, b| a.name.cmp(&b.name));
        if v.windows(2).any(|w| w[0].name == w[1].name) {
            return Err(Invalid::LabelNameRepeated);
        }
        Cow::Owned(v)
    };
    if out.iter().any(|l| l.name.is_empty()) {
        return Err(Invalid::LabelNameEmpty);
    }
    if !out.iter().any(|l| &*l.name == METRIC_NAME) {
        return Err(Invalid::MetricNameMissing);
    }
    Ok(out)
}

struct Missing<'a> {
    at: usize,
    hash: u64,
    labels: Cow<'a, [Label]>,
}

/// Per-batch bookkeeping while samples are applied.
#[derive(Default)]
struct Applied {
    out: AppendOutcome,
    enc: SamplesEncoder,
    lo: i64,
    hi: i64,
}

impl Applied {
    fn apply(
        &mut self,
        series: &mut MemSeries,
        samples: &[Sample],
        lim: &Limits,
        head: &Head,
    ) -> Result<()> {
        for &Sample { t, v } in samples {
            match series.append(t, v, lim, &head.chunks)? {
                Accept::Appended => {
                    self.out.appended += 1;
                    self.enc.push(series.r, t, v);
                    self.lo = self.lo.min(t);
                    self.hi = self.hi.max(t);
                }
                Accept::Ignored => self.out.ignored += 1,
                other => self.out.reject(other, &series.labels, t),
            }
        }
        Ok(())
    }
}

/// Series looked up and applied together, under one set of stripe locks.
///
/// With 10k+ series nothing of a series stays in cache between two scrapes, so an append
/// waits on about ten cache misses per series: the stripe's lock, the table's control bytes,
/// the entry, the stored labels, the chunk's header and tail. Taken one series at a time
/// they queue behind each other, because each lock is a locked instruction, a full fence on
/// x86. A window instead takes all of its stripes' locks up front ([`Locked`]), then loads
/// every series' lines in short loops whose misses overlap, and only then applies the
/// samples, which find their lines in cache.
const WINDOW: usize = 128;

/// Write guards on a set of stripes, taken in ascending stripe order, so that appenders that
/// lock several stripes at once cannot deadlock.
struct Locked<'h> {
    ids: Vec<usize>,
    guards: Vec<parking_lot::RwLockWriteGuard<'h, super::Stripe>>,
}

impl<'h> Locked<'h> {
    fn new(head: &'h Head, mut ids: Vec<usize>) -> Self {
        // Load the lock words first: these loads overlap, the locked instructions would not.
        for &i in &ids {
            std::hint::black_box(head.stripes[i].is_locked());
        }
        ids.sort_unstable();
        ids.dedup();
        let guards = ids.iter().map(|&i| head.stripes[i].write()).collect();
        Locked { ids, guards }
    }

    /// Position of `stripe` in `guards`.
    fn position(&self, stripe: usize) -> usize {
        self.ids.binary_search(&stripe).unwrap_or_default()
    }

    fn get_mut(&mut self, stripe: usize) -> &mut super::Stripe {
        let at = self.position(stripe);
        &mut self.guards[at]
    }
}

struct Window<'h> {
    locked: Locked<'h>,
    /// Per window entry: its stripe's position in `locked.guards`.
    guard_of: Vec<usize>,
}

impl<'h> Window<'h> {
    fn lock(head: &'h Head, hashes: &[u64]) -> Self {
        let locked = Locked::new(head, hashes.iter().map(|&h| stripe_of_hash(h)).collect());
        let guard_of = hashes
            .iter()
            .map(|&h| locked.position(stripe_of_hash(h)))
            .collect();
        let window = Window { locked, guard_of };
        // Two loops, each iteration short and independent of the last, so many loads are in
        // flight at once: first the table entries, then what they point to.
        let found: Vec<Option<&MemSeries>> = hashes
            .iter()
            .zip(&window.guard_of)
            .map(|(&h, &g)| window.locked.guards[g].probe(h))
            .collect();
        for s in found.into_iter().flatten() {
            std::hint::black_box(s.touch());
        }
        window
    }

    /// The locked stripe of window entry `i`.
    fn stripe(&mut self, i: usize) -> &mut super::Stripe {
        &mut self.locked.guards[self.guard_of[i]]
    }
}

impl Head {
    /// Appends a batch; `log` writes WAL records (and syncs per policy).
    pub(crate) fn append(
        &self,
        batch: &[SeriesSamples],
        log: &dyn Fn(&[u8]) -> Result<()>,
    ) -> Result<AppendOutcome> {
        let _gate = self.gate.read();
        let lim = self.limits();
        let mut st = Applied {
            lo: i64::MAX,
            hi: i64::MIN,
            ..Applied::default()
        };
        let mut missing = Vec::new();
        let mut hashes = Vec::with_capacity(WINDOW.min(batch.len()));
        for (w, part) in batch.chunks(WINDOW).enumerate() {
            // The caller's label strings may be cold too: load them before hashing reads them
            // one after another.
            for s in part {
                for l in &s.labels {
                    let first = |s: &str| s.as_bytes().first().copied();
                    std::hint::black_box((first(&l.name), first(&l.value)));
                }
            }
            // Hashed as given: stored labels are canonical, so input equal to them is too, and
            // only a miss pays for `canonical` (and for a second hash if that reorders).
            hashes.clear();
            hashes.extend(part.iter().map(|s| labels_hash(&s.labels)));
            let mut window = Window::lock(self, &hashes);
            for (i, s) in part.iter().enumerate() {
                if let Some(series) = window.stripe(i).find_mut(hashes[i], &s.labels) {
                    st.apply(series, &s.samples, &lim, self)?;
                    continue;
                }
                let at = w * WINDOW + i;
                match canonical(&s.labels) {
                    Ok(labels) => {
                        let hash = match labels {
                            Cow::Borrowed(_) => hashes[i],
                            Cow::Owned(_) => labels_hash(&labels),
                        };
                        missing.push(Missing { at, hash, labels });
                    }
                    Err(why) => {
                        st.out.invalid += s.samples.len() as u64;
                        st.out
                            .note(|| format!("{}: {}", why.describe(), display(&s.labels)));
                    }
                }
            }
        }
        if !missing.is_empty() {
            for (at, r) in self.create(missing, log)? {
                let mut stripe = self.stripes[stripe_of_ref(r)].write();
                // Present: garbage collection needs the gate exclusively.
                if let Some(series) = stripe.get_mut(r) {
                    st.apply(series, &batch[at].samples, &lim, self)?;
                }
            }
        }
        if !st.enc.is_empty() {
            let mut rec = Vec::new();
            st.enc.finish_into(&mut rec);
            log(&rec)?;
        }
        self.note_times(st.lo, st.hi);
        self.num_samples
            .fetch_add(st.out.appended, std::sync::atomic::Ordering::Relaxed);
        Ok(st.out)
    }

    /// Inserts the missing series, holding every stripe involved ([`Locked`]) until their WAL
    /// record is written. Returns the batch position and reference of each.
    fn create(
        &self,
        missing: Vec<Missing<'_>>,
        log: &dyn Fn(&[u8]) -> Result<()>,
    ) -> Result<Vec<(usize, SeriesRef)>> {
        let mut locked = Locked::new(
            self,
            missing.iter().map(|m| stripe_of_hash(m.hash)).collect(),
        );

        let mut refs = Vec::with_capacity(missing.len());
        let mut created = Vec::new();
        {
            let mut interner = self.interner.lock();
            for m in &missing {
                let sid = stripe_of_hash(m.hash);
                let stripe = locked.get_mut(sid);
                // Another appender, or an earlier entry of this batch, may have created it.
                if let Some(r) = stripe.find(m.hash, &m.labels) {
                    refs.push((m.at, r));
                    continue;
                }
                let r = stripe.alloc(sid)?;
                let labels = interner.intern_labels(&m.labels);
                stripe.insert(m.hash, MemSeries::new(r, labels.clone()));
                refs.push((m.at, r));
                created.push((r, labels));
            }
        }
        if created.is_empty() {
            return Ok(refs);
        }
        let mut rec = Vec::new();
        encode_series(&mut rec, created.iter().map(|(r, l)| (*r, l)));
        if let Err(e) = log(&rec) {
            // Not logged, so not created: later samples must not refer to them.
            for (r, _) in &created {
                locked.get_mut(stripe_of_ref(*r)).remove(*r);
            }
            return Err(e);
        }
        let mut index = self.index.write();
        for (r, labels) in &created {
            index.add(*r, labels);
        }
        Ok(refs)
    }
}

fn display(labels: &[Label]) -> String {
    let pairs: Vec<String> = labels
        .iter()
        .map(|l| format!("{}={:?}", l.name, &*l.value))
        .collect();
    format!("{{{}}}", pairs.join(", "))
}

impl AppendOutcome {
    fn reject(&mut self, why: Accept, labels: &model::Labels, t: i64) {
        let what = match why {
            Accept::Duplicate => {
                self.duplicate += 1;
                "duplicate sample with a different value"
            }
            Accept::OutOfOrder => {
                self.out_of_order += 1;
                "out of order sample"
            }
            Accept::TooOld => {
                self.too_old += 1;
                "sample too old"
            }
            Accept::Appended | Accept::Ignored => return,
        };
        self.note(|| format!("{what} at timestamp {t} for series {labels}"));
    }

    fn note(&mut self, msg: impl FnOnce() -> String) {
        if self.first_rejection.is_none() {
            self.first_rejection = Some(msg());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(n: &str, v: &str) -> Label {
        Label::new(n, v)
    }

    #[test]
    fn canonical_borrows_sorted_input_and_fixes_the_rest() {
        let sorted = [l("__name__", "up"), l("job", "a")];
        assert!(matches!(canonical(&sorted), Ok(Cow::Borrowed(_))));
        let unsorted = [l("job", "a"), l("__name__", "up"), l("env", "")];
        let fixed = canonical(&unsorted).expect("valid");
        assert_eq!(fixed.len(), 2);
        assert_eq!(&*fixed[0].name, "__name__");
    }

    #[test]
    fn invalid_label_sets_are_named() {
        assert_eq!(
            canonical(&[l("job", "a")]).err(),
            Some(Invalid::MetricNameMissing)
        );
        assert_eq!(
            canonical(&[l("__name__", "x"), l("", "a")]).err(),
            Some(Invalid::LabelNameEmpty)
        );
        assert_eq!(
            canonical(&[l("__name__", "x"), l("a", "1"), l("a", "2")]).err(),
            Some(Invalid::LabelNameRepeated)
        );
        assert_eq!(
            canonical(&[l("__name__", "")]).err(),
            Some(Invalid::MetricNameMissing)
        );
    }
}
