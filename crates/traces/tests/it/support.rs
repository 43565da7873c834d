//! Helpers shared by the integration tests.

use std::time::Duration;

use model::trace::{Span, TraceBatch};
use otelstore_traces::{Options, Trace};

/// Options for tests: no background thread, flush only when asked, small blocks.
pub(crate) fn test_options() -> Options {
    Options::default()
        .maintenance_interval(None)
        .block_spans(256)
        .trace_idle(Duration::ZERO)
        .head_max_age(Duration::from_secs(3600))
        .retention_time(None)
}

/// A trace's spans with their service, sorted, attributes sorted by key: the form in which
/// store output and oracle are compared (the store keeps attributes ordered by key).
pub(crate) fn normalize(spans: impl IntoIterator<Item = (String, Span)>) -> Vec<(String, Span)> {
    let mut out: Vec<(String, Span)> = spans
        .into_iter()
        .map(|(svc, mut s)| {
            s.attributes.sort_by(|a, b| a.key.cmp(&b.key));
            (svc, s)
        })
        .collect();
    out.sort_by(|a, b| {
        (a.1.start_time_unix_nano, a.1.span_id).cmp(&(b.1.start_time_unix_nano, b.1.span_id))
    });
    out
}

/// The spans of a stored trace with their services.
pub(crate) fn trace_spans(t: &Trace) -> Vec<(String, Span)> {
    batch_spans(&t.batch)
}

pub(crate) fn batch_spans(b: &TraceBatch) -> Vec<(String, Span)> {
    b.spans()
        .map(|(rs, _, s)| (rs.resource.service_or_default().to_owned(), s.clone()))
        .collect()
}

/// Appends, flushing and retrying while the store pushes back.
pub(crate) fn append(
    store: &otelstore_traces::Store,
    batch: &TraceBatch,
) -> otelstore_traces::AppendOutcome {
    loop {
        match store.append(batch) {
            Err(otelstore_traces::Error::Backpressure { .. }) => store.flush().expect("flush"),
            r => return r.expect("append"),
        }
    }
}
