//! The span vocabulary shared by OTLP translation, the trace store and the query APIs.
//!
//! The types mirror the OTLP trace data model closely enough to round-trip every field that
//! matters for fidelity (ids, parent, trace state, flags, kind, times, attributes, events,
//! links, status, dropped counts). A [`TraceBatch`] groups spans under their resource and
//! instrumentation scope the way OTLP does, so a resource is stored once per batch rather
//! than once per span. Times are nanoseconds since the Unix epoch, as in OTLP.

mod ids;
mod kind;
mod value;

pub use ids::{InvalidId, SpanId, TraceId};
pub use kind::{SpanKind, Status, StatusCode};
pub use value::{AnyValue, KeyValue, find_attr};

/// The entity producing telemetry: a set of attributes such as `service.name`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Resource {
    /// Attributes, `service.name` among them.
    pub attributes: Vec<KeyValue>,
    /// Attributes dropped by the producer.
    pub dropped_attributes_count: u32,
}

/// Jaeger's service name for a resource without `service.name` (as the OTLP translator).
pub const NO_SERVICE_NAME: &str = "OTLPResourceNoServiceName";

impl Resource {
    /// The `service.name` attribute if it is a string.
    pub fn service_name(&self) -> Option<&str> {
        find_attr(&self.attributes, "service.name").and_then(AnyValue::as_str)
    }

    /// [`Resource::service_name`], or [`NO_SERVICE_NAME`].
    pub fn service_or_default(&self) -> &str {
        self.service_name().unwrap_or(NO_SERVICE_NAME)
    }
}

/// The instrumentation scope (library) that produced spans.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Scope {
    /// Scope name, e.g. `opentelemetry.instrumentation.asgi`.
    pub name: String,
    /// Scope version.
    pub version: String,
    /// Scope attributes.
    pub attributes: Vec<KeyValue>,
    /// Attributes dropped by the producer.
    pub dropped_attributes_count: u32,
}

/// A timed event within a span (a Jaeger log).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Event {
    /// When it happened, ns since the epoch.
    pub time_unix_nano: u64,
    /// Event name, e.g. `exception`.
    pub name: String,
    /// Attributes.
    pub attributes: Vec<KeyValue>,
    /// Attributes dropped by the producer.
    pub dropped_attributes_count: u32,
}

/// A link from a span to another span, possibly in another trace.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Link {
    /// The linked span's trace.
    pub trace_id: TraceId,
    /// The linked span.
    pub span_id: SpanId,
    /// W3C trace state of the link.
    pub trace_state: String,
    /// Attributes.
    pub attributes: Vec<KeyValue>,
    /// Attributes dropped by the producer.
    pub dropped_attributes_count: u32,
    /// W3C trace flags (OTLP `flags`).
    pub flags: u32,
}

/// One span, with every OTLP field that matters for fidelity. Its resource and scope are
/// given by the [`ScopeSpans`] and [`ResourceSpans`] that hold it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Span {
    /// The trace.
    pub trace_id: TraceId,
    /// This span.
    pub span_id: SpanId,
    /// The parent span; `None` for a root.
    pub parent_span_id: Option<SpanId>,
    /// W3C trace state.
    pub trace_state: String,
    /// W3C trace flags (OTLP `flags`).
    pub flags: u32,
    /// Operation name.
    pub name: String,
    /// Kind.
    pub kind: SpanKind,
    /// Start, ns since the epoch.
    pub start_time_unix_nano: u64,
    /// End, ns since the epoch.
    pub end_time_unix_nano: u64,
    /// Attributes.
    pub attributes: Vec<KeyValue>,
    /// Attributes dropped by the producer.
    pub dropped_attributes_count: u32,
    /// Events, in the order given.
    pub events: Vec<Event>,
    /// Events dropped by the producer.
    pub dropped_events_count: u32,
    /// Links.
    pub links: Vec<Link>,
    /// Links dropped by the producer.
    pub dropped_links_count: u32,
    /// Status.
    pub status: Status,
}

impl Span {
    /// `end - start` in ns, zero if the end precedes the start.
    pub fn duration_nanos(&self) -> u64 {
        self.end_time_unix_nano
            .saturating_sub(self.start_time_unix_nano)
    }
}

/// Spans of one instrumentation scope.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ScopeSpans {
    /// The scope.
    pub scope: Scope,
    /// Schema URL of the scope's data.
    pub schema_url: String,
    /// The spans.
    pub spans: Vec<Span>,
}

/// Spans of one resource, grouped by scope.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ResourceSpans {
    /// The resource, stored once for all its spans.
    pub resource: Resource,
    /// Schema URL of the resource.
    pub schema_url: String,
    /// Spans by scope.
    pub scope_spans: Vec<ScopeSpans>,
}

/// Spans grouped under their resource and scope: what one OTLP export request carries, and
/// what a trace read returns.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TraceBatch {
    /// The groups.
    pub resource_spans: Vec<ResourceSpans>,
}

impl TraceBatch {
    /// Number of spans in the batch.
    pub fn span_count(&self) -> usize {
        self.resource_spans
            .iter()
            .flat_map(|r| &r.scope_spans)
            .map(|s| s.spans.len())
            .sum()
    }

    /// Every span with its resource and scope.
    pub fn spans(&self) -> impl Iterator<Item = (&ResourceSpans, &ScopeSpans, &Span)> {
        self.resource_spans.iter().flat_map(|r| {
            r.scope_spans
                .iter()
                .flat_map(move |s| s.spans.iter().map(move |sp| (r, s, sp)))
        })
    }
}
