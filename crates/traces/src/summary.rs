//! Trace summaries: root, time range and per-service counts of the spans of a trace stored
//! in one place (the head or a segment), and how parts of a trace found in several places
//! combine.

use model::trace::{Span, StatusCode, TraceId};

use crate::query::{ServiceStats, TraceSummary};

/// A summary of the part of a trace stored in one place.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PartSummary {
    pub(crate) summary: TraceSummary,
    /// The root is a span without parent (not merely the earliest span).
    pub(crate) root_real: bool,
    /// Start of the root span.
    pub(crate) root_start: u64,
    /// Latest span end.
    pub(crate) end: u64,
}

/// Index of the root among `spans` (given as (has parent, start)): the earliest span without
/// a parent, else the earliest span; and whether it has no parent.
pub(crate) fn pick_root(spans: impl Iterator<Item = (bool, u64)>) -> (usize, bool) {
    let mut best: Option<(usize, bool, u64)> = None;
    for (i, (has_parent, start)) in spans.enumerate() {
        let real = !has_parent;
        let better = match best {
            None => true,
            Some((_, r, s)) => (real && !r) || (real == r && start < s),
        };
        if better {
            best = Some((i, real, start));
        }
    }
    best.map_or((0, false), |(i, r, _)| (i, r))
}

/// Summarises spans given with their service names.
pub(crate) fn summarize<'a>(trace_id: TraceId, spans: &[(&'a str, &'a Span)]) -> PartSummary {
    let (root, root_real) = pick_root(
        spans
            .iter()
            .map(|(_, s)| (s.parent_span_id.is_some(), s.start_time_unix_nano)),
    );
    let mut start = u64::MAX;
    let mut end = 0;
    let mut errors = 0u32;
    let mut services: Vec<ServiceStats> = Vec::new();
    for (svc, s) in spans {
        start = start.min(s.start_time_unix_nano);
        end = end.max(s.end_time_unix_nano);
        let err = s.status.code == StatusCode::Error;
        errors += u32::from(err);
        match services.iter_mut().find(|x| x.service == *svc) {
            Some(x) => {
                x.span_count += 1;
                x.error_count += u32::from(err);
            }
            None => services.push(ServiceStats {
                service: (*svc).to_owned(),
                span_count: 1,
                error_count: u32::from(err),
            }),
        }
    }
    services.sort_by(|a, b| a.service.cmp(&b.service));
    let (root_service, root_name, root_start) = spans
        .get(root)
        .map(|(svc, s)| ((*svc).to_owned(), s.name.clone(), s.start_time_unix_nano))
        .unwrap_or_default();
    PartSummary {
        summary: TraceSummary {
            trace_id,
            root_service,
            root_name,
            start_unix_nano: if spans.is_empty() { 0 } else { start },
            duration_nanos: end.saturating_sub(start),
            span_count: u32::try_from(spans.len()).unwrap_or(u32::MAX),
            error_count: errors,
            services,
            matched: Vec::new(),
        },
        root_real,
        root_start,
        end,
    }
}

impl PartSummary {
    /// Folds another part of the same trace into this one.
    pub(crate) fn merge(&mut self, other: PartSummary) {
        let a = &mut self.summary;
        let b = other.summary;
        let better_root = (other.root_real && !self.root_real)
            || (other.root_real == self.root_real && other.root_start < self.root_start);
        if better_root {
            a.root_service = b.root_service;
            a.root_name = b.root_name;
            self.root_real = other.root_real;
            self.root_start = other.root_start;
        }
        a.start_unix_nano = a.start_unix_nano.min(b.start_unix_nano);
        self.end = self.end.max(other.end);
        a.duration_nanos = self.end.saturating_sub(a.start_unix_nano);
        a.span_count = a.span_count.saturating_add(b.span_count);
        a.error_count = a.error_count.saturating_add(b.error_count);
        for s in b.services {
            match a.services.iter_mut().find(|x| x.service == s.service) {
                Some(x) => {
                    x.span_count += s.span_count;
                    x.error_count += s.error_count;
                }
                None => a.services.push(s),
            }
        }
        a.services.sort_by(|x, y| x.service.cmp(&y.service));
        for m in b.matched {
            if !a.matched.iter().any(|x| x.span_id == m.span_id) {
                a.matched.push(m);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use model::trace::{SpanId, Status};

    use super::*;

    fn span(id: u8, parent: Option<u8>, start: u64, end: u64, err: bool) -> Span {
        Span {
            span_id: SpanId([id; 8]),
            parent_span_id: parent.map(|p| SpanId([p; 8])),
            name: format!("op{id}"),
            start_time_unix_nano: start,
            end_time_unix_nano: end,
            status: Status {
                code: if err {
                    StatusCode::Error
                } else {
                    StatusCode::Unset
                },
                message: String::new(),
            },
            ..Span::default()
        }
    }

    #[test]
    fn root_is_the_earliest_parentless_span() {
        assert_eq!(
            pick_root([(true, 1), (false, 5), (false, 3)].into_iter()),
            (2, true)
        );
        assert_eq!(pick_root([(true, 4), (true, 2)].into_iter()), (1, false));
    }

    #[test]
    fn parts_merge_into_the_whole() {
        let id = TraceId([1; 16]);
        let (a, b, c) = (
            span(1, None, 10, 100, false),
            span(2, Some(1), 20, 50, true),
            span(3, Some(2), 30, 120, false),
        );
        let whole = summarize(id, &[("x", &a), ("y", &b), ("y", &c)]);
        let mut late = summarize(id, &[("y", &b), ("y", &c)]);
        assert_eq!(late.summary.root_name, "op2");
        late.merge(summarize(id, &[("x", &a)]));
        assert_eq!(late, whole);
        assert_eq!(whole.summary.duration_nanos, 110);
        assert_eq!(whole.summary.error_count, 1);
        assert_eq!(whole.summary.services.len(), 2);
    }
}
