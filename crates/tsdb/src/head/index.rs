//! The head's inverted index (label pair -> roaring bitmap of series references) and the
//! string interner that lets series share label strings.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Bound;
use std::sync::Arc;

use model::{Label, Labels};
use roaring::RoaringBitmap;

use crate::postings::PostingsSource;
use crate::record::SeriesRef;

/// Label name -> value -> series, values sorted so prefix matchers can scan a range.
#[derive(Debug, Default)]
pub(crate) struct LabelIndex {
    postings: HashMap<Arc<str>, BTreeMap<Arc<str>, RoaringBitmap>>,
    all: RoaringBitmap,
}

impl LabelIndex {
    pub(crate) fn add(&mut self, r: SeriesRef, labels: &Labels) {
        for l in labels {
            self.postings
                .entry(Arc::clone(&l.name))
                .or_default()
                .entry(Arc::clone(&l.value))
                .or_default()
                .insert(r);
        }
        self.all.insert(r);
    }

    pub(crate) fn remove(&mut self, r: SeriesRef, labels: &Labels) {
        for l in labels {
            let Some(values) = self.postings.get_mut(&*l.name) else {
                continue;
            };
            if let Some(bm) = values.get_mut(&*l.value) {
                bm.remove(r);
                if bm.is_empty() {
                    values.remove(&*l.value);
                }
            }
            if values.is_empty() {
                self.postings.remove(&*l.name);
            }
        }
        self.all.remove(r);
    }

    /// Sorted label names.
    pub(crate) fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.postings.keys().map(|n| n.to_string()).collect();
        names.sort_unstable();
        names
    }

    /// Sorted values of `name`.
    pub(crate) fn values(&self, name: &str) -> Vec<String> {
        self.postings
            .get(name)
            .map(|v| v.keys().map(|k| k.to_string()).collect())
            .unwrap_or_default()
    }

    pub(crate) fn num_series(&self) -> u64 {
        self.all.len()
    }

    /// Every (name, value, series count), for cardinality statistics.
    pub(crate) fn pairs(&self) -> impl Iterator<Item = (&str, &str, u64)> {
        self.postings
            .iter()
            .flat_map(|(n, vs)| vs.iter().map(move |(v, bm)| (&**n, &**v, bm.len())))
    }

    /// Every name with its number of distinct values.
    pub(crate) fn name_cardinalities(&self) -> impl Iterator<Item = (&str, usize, usize)> {
        self.postings
            .iter()
            .map(|(n, vs)| (&**n, vs.len(), vs.keys().map(|v| v.len()).sum::<usize>()))
    }
}

impl PostingsSource for LabelIndex {
    fn postings(&self, name: &str, value: &str) -> crate::Result<RoaringBitmap> {
        Ok(self
            .postings
            .get(name)
            .and_then(|v| v.get(value))
            .cloned()
            .unwrap_or_default())
    }

    fn union_matching(
        &self,
        name: &str,
        prefix: &str,
        pred: &dyn Fn(&str) -> bool,
    ) -> crate::Result<RoaringBitmap> {
        let mut out = RoaringBitmap::new();
        let Some(values) = self.postings.get(name) else {
            return Ok(out);
        };
        for (v, bm) in values.range::<str, _>((Bound::Included(prefix), Bound::Unbounded)) {
            if !v.starts_with(prefix) {
                break;
            }
            if pred(v) {
                out |= bm;
            }
        }
        Ok(out)
    }

    fn all(&self) -> crate::Result<RoaringBitmap> {
        Ok(self.all.clone())
    }
}

/// Shares one allocation per distinct label string across all head series.
#[derive(Debug, Default)]
pub(crate) struct Interner {
    strings: HashSet<Arc<str>>,
}

impl Interner {
    fn intern(&mut self, s: &Arc<str>) -> Arc<str> {
        if let Some(existing) = self.strings.get(&**s) {
            return Arc::clone(existing);
        }
        self.strings.insert(Arc::clone(s));
        Arc::clone(s)
    }

    /// A copy of `labels` whose strings are the interned ones.
    pub(crate) fn intern_labels(&mut self, labels: &[Label]) -> Labels {
        Labels::from_sorted(
            labels
                .iter()
                .map(|l| Label {
                    name: self.intern(&l.name),
                    value: self.intern(&l.value),
                })
                .collect(),
        )
    }

    /// Forgets strings no series uses any more.
    pub(crate) fn collect_garbage(&mut self) {
        self.strings.retain(|s| Arc::strong_count(s) > 1);
    }
}
