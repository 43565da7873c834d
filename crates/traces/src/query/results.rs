//! What reads return: traces, search summaries and catalog listings.

use model::trace::{SpanId, SpanKind, TraceBatch, TraceId};

/// A trace as stored: every span found for the id in the head and in segments, deduplicated
/// by span id, grouped by resource and scope, sorted by start time within each group.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    /// The id.
    pub trace_id: TraceId,
    /// The spans.
    pub batch: TraceBatch,
}

/// Per-service counts in a trace (Tempo `serviceStats`, Jaeger v3 summaries).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceStats {
    /// Service name.
    pub service: String,
    /// Spans of the service.
    pub span_count: u32,
    /// Spans of the service with status ERROR.
    pub error_count: u32,
}

/// A span that satisfied the search filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchedSpan {
    /// The span.
    pub span_id: SpanId,
    /// Its name.
    pub name: String,
    /// Its service.
    pub service: String,
    /// Start, ns since the epoch.
    pub start_unix_nano: u64,
    /// Duration, ns.
    pub duration_nanos: u64,
}

/// One search result row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceSummary {
    /// The trace.
    pub trace_id: TraceId,
    /// Service of the root span (or of the earliest span when the root is not stored).
    pub root_service: String,
    /// Name of the root span (or of the earliest span).
    pub root_name: String,
    /// Earliest span start, ns since the epoch.
    pub start_unix_nano: u64,
    /// Latest span end minus earliest start, ns.
    pub duration_nanos: u64,
    /// Spans stored for the trace.
    pub span_count: u32,
    /// Spans with status ERROR.
    pub error_count: u32,
    /// Per-service counts, by name.
    pub services: Vec<ServiceStats>,
    /// Up to `spans_per_trace` spans that matched, newest part of the trace first.
    pub matched: Vec<MatchedSpan>,
}

/// One operation of a service.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Operation {
    /// Span name.
    pub name: String,
    /// Span kind it was seen with.
    pub kind: SpanKind,
}

/// A service-to-service edge: spans of `child` whose parent span belongs to `parent`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Dependency {
    /// Calling service.
    pub parent: String,
    /// Called service.
    pub child: String,
    /// Parent/child span pairs seen.
    pub call_count: u64,
}

/// A typed attribute value for autocomplete.
#[derive(Debug, Clone, PartialEq, PartialOrd)]
pub enum TagValue {
    /// A string value.
    String(String),
    /// An integer value.
    Int(i64),
    /// A float value.
    Double(f64),
    /// A boolean value.
    Bool(bool),
    /// A keyword of an intrinsic (`ok`, `server`, ...).
    Keyword(&'static str),
}
