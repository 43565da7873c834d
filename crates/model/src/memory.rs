//! An in-memory store implementing [`Querier`]: the reference other stores are tested
//! against, and the backend for engine tests that need no disk.

use std::collections::{BTreeMap, BTreeSet};
use std::convert::Infallible;

use crate::labels::Labels;
use crate::matcher::Matcher;
use crate::querier::{Querier, SampleSource, Series, matches_all};
use crate::sample::SampleBuf;

/// Series kept in ordered maps; a later write at the same timestamp replaces the earlier one.
#[derive(Debug, Clone, Default)]
pub struct MemStore {
    series: BTreeMap<Labels, BTreeMap<i64, f64>>,
}

impl MemStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Stores one sample, replacing any sample at the same timestamp.
    pub fn insert(&mut self, labels: &Labels, t: i64, v: f64) {
        self.series.entry(labels.clone()).or_default().insert(t, v);
    }

    /// The sample at `t` of the series, if any.
    pub fn get(&self, labels: &Labels, t: i64) -> Option<f64> {
        self.series.get(labels).and_then(|s| s.get(&t).copied())
    }

    /// Removes samples with `t < mint` and series left empty.
    pub fn drop_before(&mut self, mint: i64) {
        for samples in self.series.values_mut() {
            *samples = samples.split_off(&mint);
        }
        self.series.retain(|_, s| !s.is_empty());
    }

    /// Removes the samples in `[mint, maxt]` of series matching `matchers`, and series left
    /// empty.
    pub fn delete(&mut self, matchers: &[Matcher], mint: i64, maxt: i64) {
        for (labels, samples) in self.series.iter_mut() {
            if matches_all(labels, matchers) && mint <= maxt {
                let doomed: Vec<i64> = samples.range(mint..=maxt).map(|(&t, _)| t).collect();
                for t in doomed {
                    samples.remove(&t);
                }
            }
        }
        self.series.retain(|_, s| !s.is_empty());
    }

    /// Every series with its samples, sorted by labels.
    pub fn iter(&self) -> impl Iterator<Item = (&Labels, &BTreeMap<i64, f64>)> {
        self.series.iter()
    }

    /// Number of series.
    pub fn len(&self) -> usize {
        self.series.len()
    }

    /// Whether the store holds no series.
    pub fn is_empty(&self) -> bool {
        self.series.is_empty()
    }

    fn matching<'a>(
        &'a self,
        matchers: &'a [Matcher],
        mint: i64,
        maxt: i64,
    ) -> impl Iterator<Item = (&'a Labels, &'a BTreeMap<i64, f64>)> + 'a {
        self.series.iter().filter(move |(l, s)| {
            mint <= maxt && matches_all(l, matchers) && s.range(mint..=maxt).next().is_some()
        })
    }
}

/// The samples of one [`MemStore`] series inside the selected bounds.
#[derive(Debug, Clone)]
pub struct MemSamples(Vec<(i64, f64)>);

impl SampleSource for MemSamples {
    type Error = Infallible;

    fn read_into(&mut self, out: &mut SampleBuf) -> Result<(), Infallible> {
        for &(t, v) in &self.0 {
            out.push(t, v);
        }
        Ok(())
    }
}

impl Querier for MemStore {
    type Error = Infallible;
    type Samples = MemSamples;

    fn select(
        &self,
        matchers: &[Matcher],
        mint: i64,
        maxt: i64,
    ) -> Result<Vec<Series<MemSamples>>, Infallible> {
        Ok(self
            .matching(matchers, mint, maxt)
            .map(|(labels, s)| Series {
                labels: labels.clone(),
                samples: MemSamples(s.range(mint..=maxt).map(|(&t, &v)| (t, v)).collect()),
            })
            .collect())
    }

    fn label_names(
        &self,
        matchers: &[Matcher],
        mint: i64,
        maxt: i64,
    ) -> Result<Vec<String>, Infallible> {
        let names: BTreeSet<String> = self
            .matching(matchers, mint, maxt)
            .flat_map(|(l, _)| l.iter().map(|l| l.name.to_string()))
            .collect();
        Ok(names.into_iter().collect())
    }

    fn label_values(
        &self,
        name: &str,
        matchers: &[Matcher],
        mint: i64,
        maxt: i64,
    ) -> Result<Vec<String>, Infallible> {
        let values: BTreeSet<String> = self
            .matching(matchers, mint, maxt)
            .filter_map(|(l, _)| l.get(name).map(str::to_string))
            .collect();
        Ok(values.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matcher::MatchOp;

    #[test]
    fn select_filters_by_matchers_and_time() {
        let mut store = MemStore::new();
        let a = Labels::from_pairs([("__name__", "x"), ("job", "a")]).expect("labels");
        let b = Labels::from_pairs([("__name__", "x"), ("job", "b")]).expect("labels");
        store.insert(&a, 10, 1.0);
        store.insert(&a, 20, 2.0);
        store.insert(&b, 30, 3.0);
        let m = [Matcher::new(MatchOp::Regex, "job", "a|b").expect("matcher")];
        let got = store.select(&m, 15, 30).expect("select");
        assert_eq!(got.len(), 2);
        let mut buf = SampleBuf::new();
        let mut first = got.into_iter().next().expect("one series").samples;
        first.read_into(&mut buf).expect("read");
        assert_eq!(buf.t, vec![20]);
        assert_eq!(
            store.label_values("job", &[], 0, 15).expect("values"),
            vec!["a"]
        );
        assert_eq!(
            store.label_names(&[], 0, 100).expect("names"),
            vec!["__name__", "job"]
        );
    }
}
