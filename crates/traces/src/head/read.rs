//! Reads over the head: one trace, search and service edges.

use crate::FastMap;
use model::trace::{Span, SpanKind, StatusCode, TraceId};

use super::{Head, HeadSpan, HeadTrace};
use crate::query::eval::{SpanView, ValueRef, matches};
use crate::query::{MatchedSpan, SpanFilter, TagScope};
use crate::summary::{PartSummary, pick_root, summarize};

/// Trace-level facts a span condition may ask about.
struct TraceFacts<'a> {
    root_service: &'a str,
    root_name: &'a str,
    duration: u64,
}

fn facts(t: &HeadTrace) -> TraceFacts<'_> {
    let (root, _) = pick_root(
        t.spans
            .iter()
            .map(|s| (s.span.parent_span_id.is_some(), s.span.start_time_unix_nano)),
    );
    let r = &t.spans[root.min(t.spans.len().saturating_sub(1))];
    TraceFacts {
        root_service: &r.origin.service,
        root_name: &r.span.name,
        duration: t.max_end.saturating_sub(t.min_start),
    }
}

struct View<'a> {
    s: &'a HeadSpan,
    t: &'a TraceFacts<'a>,
}

impl SpanView for View<'_> {
    fn name(&self) -> &str {
        &self.s.span.name
    }
    fn service(&self) -> &str {
        &self.s.origin.service
    }
    fn kind(&self) -> SpanKind {
        self.s.span.kind
    }
    fn status(&self) -> StatusCode {
        self.s.span.status.code
    }
    fn status_message(&self) -> &str {
        &self.s.span.status.message
    }
    fn duration(&self) -> u64 {
        self.s.span.duration_nanos()
    }
    fn trace_duration(&self) -> u64 {
        self.t.duration
    }
    fn root_service(&self) -> &str {
        self.t.root_service
    }
    fn root_name(&self) -> &str {
        self.t.root_name
    }
    fn any_attr(
        &self,
        scope: TagScope,
        key: &str,
        f: &mut dyn FnMut(ValueRef<'_>) -> bool,
    ) -> bool {
        let mut test = |kvs: &[model::trace::KeyValue]| {
            kvs.iter()
                .any(|kv| kv.key == key && f(ValueRef::of(&kv.value)))
        };
        match scope {
            TagScope::Span => test(&self.s.span.attributes),
            TagScope::Resource => test(&self.s.origin.resource.attributes),
            TagScope::Event => self.s.span.events.iter().any(|e| test(&e.attributes)),
        }
    }
}

/// A head search hit: the trace's summary with its matched spans.
pub(crate) type Hit = PartSummary;

/// A search over in-memory traces (the head, and traces being flushed): feed traces to
/// [`HeadSearch::visit`], then take [`HeadSearch::finish`].
pub(crate) struct HeadSearch<'f> {
    pub(crate) filter: &'f SpanFilter,
    pub(crate) start: u64,
    pub(crate) end: u64,
    pub(crate) limit: usize,
    pub(crate) spss: usize,
    hits: Vec<Hit>,
}

impl<'f> HeadSearch<'f> {
    pub(crate) fn new(
        filter: &'f SpanFilter,
        start: u64,
        end: u64,
        limit: usize,
        spss: usize,
    ) -> Self {
        HeadSearch {
            filter,
            start,
            end,
            limit,
            spss,
            hits: Vec::new(),
        }
    }

    pub(crate) fn visit(&mut self, id: &TraceId, t: &HeadTrace) {
        if t.max_end < self.start || t.min_start > self.end || self.limit == 0 {
            return;
        }
        // Only traces that can still make the cut are worth evaluating.
        if self.hits.len() >= self.limit
            && self
                .hits
                .iter()
                .all(|h| h.summary.start_unix_nano > t.min_start)
        {
            return;
        }
        let f = facts(t);
        let mut matched = Vec::new();
        for s in &t.spans {
            let st = s.span.start_time_unix_nano;
            if st < self.start || st > self.end || !matches(self.filter, &View { s, t: &f }) {
                continue;
            }
            matched.push(matched_span(s));
            if matched.len() >= self.spss.max(1) {
                break;
            }
        }
        if matched.is_empty() {
            return;
        }
        let spans: Vec<(&str, &Span)> = t
            .spans
            .iter()
            .map(|s| (s.origin.service.as_str(), &s.span))
            .collect();
        let mut part = summarize(*id, &spans);
        part.summary.matched = matched;
        self.hits.push(part);
        if self.hits.len() > self.limit.saturating_mul(2).max(64) {
            sort_newest_first(&mut self.hits);
            self.hits.truncate(self.limit);
        }
    }

    pub(crate) fn finish(mut self) -> Vec<Hit> {
        sort_newest_first(&mut self.hits);
        self.hits.truncate(self.limit);
        self.hits
    }
}

impl Head {
    /// The spans of a trace (cloned).
    pub(crate) fn trace(&self, id: &TraceId) -> Option<Vec<HeadSpan>> {
        let shard = self.shards[super::shard_of(id)].read();
        shard.get(id).map(|t| t.spans.clone())
    }

    /// Traces with a span matching `filter` and starting in `[start, end]`; the `limit`
    /// newest by trace start, with up to `spss` matched spans each.
    pub(crate) fn search(&self, q: &mut HeadSearch<'_>) {
        self.for_each(|id, t| q.visit(id, t));
    }

    /// Parent → child service call counts from head traces with a child span starting in
    /// `[start, end]`.
    pub(crate) fn dependencies(&self, start: u64, end: u64) -> FastMap<(String, String), u64> {
        let mut out: FastMap<(String, String), u64> = FastMap::default();
        self.for_each(|_, t| {
            if t.max_end < start || t.min_start > end {
                return;
            }
            let spans: Vec<&HeadSpan> = t.spans.iter().collect();
            for_each_edge(&spans, |parent, child, child_start| {
                if (start..=end).contains(&child_start) {
                    *out.entry((parent.to_owned(), child.to_owned()))
                        .or_default() += 1;
                }
            });
        });
        out
    }
}

pub(crate) fn matched_span(s: &HeadSpan) -> MatchedSpan {
    MatchedSpan {
        span_id: s.span.span_id,
        name: s.span.name.clone(),
        service: s.origin.service.clone(),
        start_unix_nano: s.span.start_time_unix_nano,
        duration_nanos: s.span.duration_nanos(),
    }
}

pub(crate) fn sort_newest_first(hits: &mut [Hit]) {
    hits.sort_by(|a, b| {
        b.summary
            .start_unix_nano
            .cmp(&a.summary.start_unix_nano)
            .then(b.summary.trace_id.cmp(&a.summary.trace_id))
    });
}

/// Calls `f(parent service, child service, child start)` for each span whose parent is in
/// the same list and belongs to another service.
pub(crate) fn for_each_edge(spans: &[&HeadSpan], mut f: impl FnMut(&str, &str, u64)) {
    let by_id: FastMap<_, _> = spans
        .iter()
        .map(|s| (s.span.span_id, s.origin.service.as_str()))
        .collect();
    for s in spans {
        let Some(p) = s.span.parent_span_id else {
            continue;
        };
        if let Some(parent) = by_id.get(&p)
            && *parent != s.origin.service
        {
            f(parent, &s.origin.service, s.span.start_time_unix_nano);
        }
    }
}
