//! Reads: a trace by id, search, and the catalog listings, over head, traces being flushed
//! and segments.

use crate::FastSet;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use model::trace::{SpanKind, StatusCode, TraceId};

use super::Store;
use super::maintain::group;
use crate::catalog::{Catalog, ValueSet};
use crate::error::Result;
use crate::head::HeadSpan;
use crate::head::read::{HeadSearch, for_each_edge, sort_newest_first};
use crate::query::{
    Dependency, Field, Intrinsic, Operation, SearchRequest, TagScope, TagValue, Trace, TraceSummary,
};
use crate::segment::read::SearchBounds;
use crate::summary::{PartSummary, summarize};

impl Store {
    /// Every span stored for trace `id`, from the head and every segment that may hold it,
    /// deduplicated by span id. `range` (ns, inclusive) skips segments with no span in it;
    /// the head is always read. `None` if no span is stored.
    pub fn trace(&self, id: &TraceId, range: Option<(u64, u64)>) -> Result<Option<Trace>> {
        let mut spans: Vec<(Arc<crate::head::Origin>, model::trace::Span)> = Vec::new();
        {
            let st = self.inner.state.read();
            if let Some(h) = self.inner.head.trace(id) {
                spans.extend(h.into_iter().map(|s| (s.origin, s.span)));
            }
            for f in &st.flushing {
                if let Some(t) = f.get(id) {
                    spans.extend(
                        t.spans
                            .iter()
                            .map(|s| (Arc::clone(&s.origin), s.span.clone())),
                    );
                }
            }
            for seg in &st.segments {
                if let Some((a, b)) = range
                    && (seg.meta.min_start > b || seg.meta.max_end < a)
                {
                    continue;
                }
                if let Some(found) = seg.trace(id)? {
                    spans.extend(found);
                }
            }
        }
        if spans.is_empty() {
            return Ok(None);
        }
        let mut seen = FastSet::with_capacity_and_hasher(spans.len(), Default::default());
        spans.retain(|(_, s)| seen.insert(s.span_id));
        spans.sort_by_key(|(_, s)| s.start_time_unix_nano);
        let batch = group(spans.iter().map(|(o, s)| (o, s.clone())), true);
        Ok(Some(Trace {
            trace_id: *id,
            batch,
        }))
    }

    /// Traces with a span matching the request, newest first (by trace start), at most
    /// `limit`. Summaries cover every stored part of each trace.
    ///
    /// Each place (head, segment) ranks the traces it holds by the start of its own part of
    /// them, an upper bound of the true start. Candidates are collected by that bound and
    /// completed; if completion moved a trace's start so far back that an uncollected trace
    /// could rank above it, the search widens and runs again (rare: it takes a trace split
    /// across flushes).
    pub fn search(&self, req: &SearchRequest) -> Result<Vec<TraceSummary>> {
        let filter = req.filter_tree();
        let (start, end, limit) = (req.start_unix_nano, req.end_unix_nano, req.limit);
        if limit == 0 || start > end {
            return Ok(Vec::new());
        }
        let spss = req.spans_per_trace.max(1);
        let st = self.inner.state.read();
        let mut want = limit.saturating_add(1);
        loop {
            let cands = self.candidates(&st, &filter, start, end, want, spss)?;
            let exhausted = cands.len() < want;
            let bound = cands.last().map_or(0, |c| c.summary.start_unix_nano);
            let mut full = Vec::with_capacity(cands.len());
            for hit in cands {
                let id = hit.summary.trace_id;
                let mut whole = self.whole_summary(&st, &id)?.unwrap_or_else(|| hit.clone());
                whole.summary.matched = hit.summary.matched;
                whole.summary.matched.truncate(spss);
                full.push(whole);
            }
            sort_newest_first(&mut full);
            let settled = full
                .get(limit - 1)
                .is_some_and(|last| last.summary.start_unix_nano >= bound);
            if exhausted || settled || want >= 1 << 20 {
                full.truncate(limit);
                return Ok(full.into_iter().map(|p| p.summary).collect());
            }
            want = want.saturating_mul(2);
        }
    }

    /// The `want` traces with the latest part starts that have a matching span.
    fn candidates(
        &self,
        st: &super::State,
        filter: &crate::query::SpanFilter,
        start: u64,
        end: u64,
        want: usize,
        spss: usize,
    ) -> Result<Vec<PartSummary>> {
        let mut q = HeadSearch::new(filter, start, end, want, spss);
        self.inner.head.search(&mut q);
        for f in &st.flushing {
            for (id, t) in f.iter() {
                q.visit(id, t);
            }
        }
        let mut hits = q.finish();
        let mut segs: Vec<_> = st
            .segments
            .iter()
            .filter(|s| s.overlaps(start, end))
            .collect();
        segs.sort_by_key(|s| std::cmp::Reverse(s.meta.max_trace_start));
        for seg in segs {
            let floor = (hits.len() >= want).then(|| {
                hits.iter()
                    .map(|h| h.summary.start_unix_nano)
                    .min()
                    .unwrap_or(0)
            });
            if floor.is_some_and(|f| seg.meta.max_trace_start < f) {
                break;
            }
            let bounds = SearchBounds {
                start,
                end,
                limit: want,
                spss,
                floor,
            };
            hits.extend(seg.search(filter, bounds)?);
            hits = dedupe(hits);
            sort_newest_first(&mut hits);
            hits.truncate(want);
        }
        Ok(hits)
    }

    /// The summary of every stored part of a trace.
    fn whole_summary(&self, st: &super::State, id: &TraceId) -> Result<Option<PartSummary>> {
        let mut parts: Vec<PartSummary> = Vec::new();
        let mut mem: Vec<HeadSpan> = self.inner.head.trace(id).unwrap_or_default();
        for f in &st.flushing {
            if let Some(t) = f.get(id) {
                mem.extend(t.spans.iter().cloned());
            }
        }
        if !mem.is_empty() {
            let spans: Vec<_> = mem
                .iter()
                .map(|s| (s.origin.service.as_str(), &s.span))
                .collect();
            parts.push(summarize(*id, &spans));
        }
        for seg in &st.segments {
            if let Some(p) = seg.summary(id)? {
                parts.push(p);
            }
        }
        let mut it = parts.into_iter();
        let Some(mut whole) = it.next() else {
            return Ok(None);
        };
        for p in it {
            whole.merge(p);
        }
        Ok(Some(whole))
    }

    /// Every catalog: head, traces being flushed are covered by their segments once written.
    fn catalogs<R>(&self, f: impl FnOnce(&[&Catalog]) -> R) -> R {
        let st = self.inner.state.read();
        let head = self.inner.head.catalog.lock();
        let mut all: Vec<&Catalog> = vec![&head];
        all.extend(st.segments.iter().map(|s| &s.catalog));
        f(&all)
    }

    /// Service names, sorted.
    pub fn services(&self) -> Vec<String> {
        self.catalogs(|cats| {
            let set: BTreeSet<&String> = cats.iter().flat_map(|c| c.operations.keys()).collect();
            set.into_iter().cloned().collect()
        })
    }

    /// Operations of a service with the kinds they were seen with, sorted.
    pub fn operations(&self, service: &str) -> Vec<Operation> {
        self.catalogs(|cats| {
            let set: BTreeSet<Operation> = cats
                .iter()
                .flat_map(|c| c.operations_of(service))
                .map(|(name, kind)| Operation { name, kind })
                .collect();
            set.into_iter().collect()
        })
    }

    /// Service-to-service call counts from parent/child spans that cross services, for child
    /// spans starting in `[start, end]` (ns; segments count by minute). Pairs whose parent
    /// and child were stored in different segments are not seen.
    pub fn dependencies(&self, start: u64, end: u64) -> Vec<Dependency> {
        let mut edges: BTreeMap<(String, String), u64> = BTreeMap::new();
        let st = self.inner.state.read();
        for ((p, c), n) in self.inner.head.dependencies(start, end) {
            *edges.entry((p, c)).or_default() += n;
        }
        for f in &st.flushing {
            for t in f.values() {
                let spans: Vec<&HeadSpan> = t.spans.iter().collect();
                for_each_edge(&spans, |p, c, s| {
                    if (start..=end).contains(&s) {
                        *edges.entry((p.to_owned(), c.to_owned())).or_default() += 1;
                    }
                });
            }
        }
        let (lo, hi) = (start / 60_000_000_000, end / 60_000_000_000);
        for seg in st.segments.iter().filter(|s| s.overlaps(start, end)) {
            for ((minute, p, c), n) in &seg.catalog.edges {
                if (lo..=hi).contains(minute) {
                    *edges.entry((p.clone(), c.clone())).or_default() += n;
                }
            }
        }
        edges
            .into_iter()
            .map(|((parent, child), call_count)| Dependency {
                parent,
                child,
                call_count,
            })
            .collect()
    }

    /// Attribute keys seen in a scope, sorted.
    pub fn tag_names(&self, scope: TagScope) -> Vec<String> {
        self.catalogs(|cats| {
            let set: BTreeSet<&String> = cats
                .iter()
                .flat_map(|c| c.tags[scope.idx()].keys())
                .collect();
            set.into_iter().cloned().collect()
        })
    }

    /// Up to `limit` values of a field for autocomplete: attribute values kept by the
    /// catalogs (bounded per key), names and services for those intrinsics, keywords for
    /// status and kind.
    pub fn tag_values(&self, field: &Field, limit: usize) -> Vec<TagValue> {
        let mut out = match field {
            Field::Attr { scope, key } => self.catalogs(|cats| {
                let cap = self.inner.opts.tag_values_cap;
                let mut set = ValueSet::default();
                for c in cats {
                    for b in scope.bases() {
                        if let Some(v) = c.tags[b.idx()].get(key) {
                            set.merge(v, cap);
                        }
                    }
                }
                set.values()
            }),
            Field::Intrinsic(Intrinsic::Name | Intrinsic::RootName) => self.catalogs(|cats| {
                let set: BTreeSet<&String> = cats
                    .iter()
                    .flat_map(|c| c.operations.values().flat_map(|ops| ops.keys()))
                    .collect();
                set.into_iter()
                    .map(|s| TagValue::String(s.clone()))
                    .collect()
            }),
            Field::Intrinsic(Intrinsic::Service | Intrinsic::RootServiceName) => {
                self.services().into_iter().map(TagValue::String).collect()
            }
            Field::Intrinsic(Intrinsic::Status) => StatusCode::ALL
                .iter()
                .map(|c| TagValue::Keyword(c.as_str()))
                .collect(),
            Field::Intrinsic(Intrinsic::Kind) => SpanKind::ALL
                .iter()
                .map(|k| TagValue::Keyword(k.as_str()))
                .collect(),
            Field::Intrinsic(_) => Vec::new(),
        };
        out.truncate(limit);
        out
    }
}

/// One hit per trace (parts found in several places), matched spans combined.
fn dedupe(hits: Vec<PartSummary>) -> Vec<PartSummary> {
    let mut out: Vec<PartSummary> = Vec::with_capacity(hits.len());
    for h in hits {
        match out
            .iter_mut()
            .find(|x| x.summary.trace_id == h.summary.trace_id)
        {
            Some(x) => {
                for m in h.summary.matched {
                    if !x.summary.matched.iter().any(|y| y.span_id == m.span_id) {
                        x.summary.matched.push(m);
                    }
                }
                // Any part's start bounds the true start from above; keep the latest so the
                // trace ranks no lower than it might.
                x.summary.start_unix_nano =
                    x.summary.start_unix_nano.max(h.summary.start_unix_nano);
            }
            None => out.push(h),
        }
    }
    out
}
