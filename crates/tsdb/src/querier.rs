//! Reading series across blocks and the head as one store.
//!
//! `select` takes the block list and the head's snapshots in one consistent step (a head cut
//! publishes its block and truncates the head under the same lock), merges series from every
//! source by labels, and hands out a [`SampleReader`] per series that decodes lazily.

pub(crate) mod reader;

use std::collections::BTreeSet;
use std::sync::Arc;

use model::{Labels, Matcher, Series};

use self::reader::Part;
pub use self::reader::SampleReader;
use crate::db::Inner;
use crate::error::{Error, Result};
use crate::postings;

/// A read handle on the database; cheap to create, one per query is typical.
#[derive(Debug, Clone)]
pub struct DbQuerier {
    pub(crate) inner: Arc<Inner>,
}

impl DbQuerier {
    fn collect(
        &self,
        matchers: &[Matcher],
        mint: i64,
        maxt: i64,
    ) -> Result<Vec<(Labels, Vec<Part>)>> {
        let blocks = self.inner.blocks.read();
        let mut all: Vec<(Labels, Vec<Part>)> = Vec::new();
        for block in blocks.iter().filter(|b| b.overlaps(mint, maxt)) {
            for (labels, chunks) in block.select(matchers, mint, maxt)? {
                let parts = chunks
                    .into_iter()
                    .map(|c| Part::Block(Arc::clone(block), c))
                    .collect();
                all.push((labels, parts));
            }
        }
        if self.inner.head.overlaps(mint, maxt) {
            for (labels, snap) in self.inner.head.select(matchers, mint, maxt)? {
                all.push((labels, Part::from_head(snap)));
            }
        }
        drop(blocks);
        // Each source is sorted; a stable sort over their concatenation merges the runs.
        all.sort_by(|a, b| a.0.cmp(&b.0));
        let mut merged: Vec<(Labels, Vec<Part>)> = Vec::with_capacity(all.len());
        for (labels, parts) in all {
            match merged.last_mut() {
                Some((l, p)) if *l == labels => p.extend(parts),
                _ => merged.push((labels, parts)),
            }
        }
        Ok(merged)
    }

    fn matching_labels(&self, matchers: &[Matcher], mint: i64, maxt: i64) -> Result<Vec<Labels>> {
        let blocks = self.inner.blocks.read();
        let mut out = Vec::new();
        for block in blocks.iter().filter(|b| b.overlaps(mint, maxt)) {
            for id in &postings::select(&block.index, matchers)? {
                let (labels, chunks) = block.index.series(id)?;
                if chunks.iter().any(|c| c.maxt >= mint && c.mint <= maxt) {
                    out.push(labels);
                }
            }
        }
        if self.inner.head.overlaps(mint, maxt) {
            out.extend(self.inner.head.matching_labels(matchers, mint, maxt)?);
        }
        Ok(out)
    }
}

impl DbQuerier {
    /// Exemplars in `[mint, maxt]` of series matching any of the matcher sets, by series
    /// (sorted by labels), each series' exemplars by time.
    pub fn exemplars(
        &self,
        matcher_sets: &[Vec<Matcher>],
        mint: i64,
        maxt: i64,
    ) -> Result<Vec<(Labels, Vec<model::Exemplar>)>> {
        self.inner.exemplars.select(matcher_sets, mint, maxt)
    }
}

impl model::Querier for DbQuerier {
    type Error = Error;
    type Samples = SampleReader;

    fn select(
        &self,
        matchers: &[Matcher],
        mint: i64,
        maxt: i64,
    ) -> Result<Vec<Series<SampleReader>>> {
        Ok(self
            .collect(matchers, mint, maxt)?
            .into_iter()
            .map(|(labels, parts)| Series {
                labels,
                samples: SampleReader::new(parts, mint, maxt),
            })
            .collect())
    }

    fn label_names(&self, matchers: &[Matcher], mint: i64, maxt: i64) -> Result<Vec<String>> {
        let mut names = BTreeSet::new();
        if matchers.is_empty() {
            for block in self
                .inner
                .blocks
                .read()
                .iter()
                .filter(|b| b.overlaps(mint, maxt))
            {
                names.extend(block.index.label_names());
            }
            if self.inner.head.overlaps(mint, maxt) {
                names.extend(self.inner.head.index.read().names());
            }
        } else {
            for labels in self.matching_labels(matchers, mint, maxt)? {
                names.extend(labels.iter().map(|l| l.name.to_string()));
            }
        }
        Ok(names.into_iter().collect())
    }

    fn label_values(
        &self,
        name: &str,
        matchers: &[Matcher],
        mint: i64,
        maxt: i64,
    ) -> Result<Vec<String>> {
        let mut values = BTreeSet::new();
        if matchers.is_empty() {
            for block in self
                .inner
                .blocks
                .read()
                .iter()
                .filter(|b| b.overlaps(mint, maxt))
            {
                values.extend(block.index.label_values(name)?);
            }
            if self.inner.head.overlaps(mint, maxt) {
                values.extend(self.inner.head.index.read().values(name));
            }
        } else {
            for labels in self.matching_labels(matchers, mint, maxt)? {
                if let Some(v) = labels.get(name) {
                    values.insert(v.to_string());
                }
            }
        }
        Ok(values.into_iter().collect())
    }
}
