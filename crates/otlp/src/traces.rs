//! OTLP spans ↔ [`model::trace`].
//!
//! [`translate`] takes an `ExportTraceServiceRequest` by value (it moves strings instead of
//! copying them) and returns the accepted spans as a [`TraceBatch`] plus counts of the spans
//! it rejected and why, for the response's `partial_success`. A span is rejected when its
//! trace id is not 16 bytes or is all-zero, its span id is not 8 bytes or is all-zero, or its
//! parent span id is neither empty nor 8 bytes. An all-zero 8-byte parent means "no parent"
//! (as in the Collector's `pcommon`). Links with malformed ids are dropped and counted in the
//! span's `dropped_links_count`, since the span itself is still good. Nothing here panics on
//! any input.
//!
//! [`to_otlp`] goes the other way for the read APIs that answer in OTLP shapes (Tempo's
//! trace-by-id protobuf, Jaeger api_v3's OTLP-JSON).

use model::trace::{
    AnyValue, Event, KeyValue, Link, Resource, ResourceSpans, Scope, ScopeSpans, Span, SpanId,
    SpanKind, Status, StatusCode, TraceBatch, TraceId,
};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1 as pc;
use opentelemetry_proto::tonic::resource::v1 as pr;
use opentelemetry_proto::tonic::trace::v1 as pt;

/// Why a span was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RejectReason {
    /// The trace id is not 16 bytes long.
    TraceIdLength,
    /// The trace id is all zeros.
    TraceIdZero,
    /// The span id is not 8 bytes long.
    SpanIdLength,
    /// The span id is all zeros.
    SpanIdZero,
    /// The parent span id is neither empty nor 8 bytes long.
    ParentIdLength,
}

impl RejectReason {
    /// Every reason, in a fixed order (the index of [`Translation::rejected_by_reason`]).
    pub const ALL: [RejectReason; 5] = [
        RejectReason::TraceIdLength,
        RejectReason::TraceIdZero,
        RejectReason::SpanIdLength,
        RejectReason::SpanIdZero,
        RejectReason::ParentIdLength,
    ];

    /// A short description for error messages and metrics labels.
    pub fn as_str(self) -> &'static str {
        match self {
            RejectReason::TraceIdLength => "trace id is not 16 bytes",
            RejectReason::TraceIdZero => "trace id is all zeros",
            RejectReason::SpanIdLength => "span id is not 8 bytes",
            RejectReason::SpanIdZero => "span id is all zeros",
            RejectReason::ParentIdLength => "parent span id is not empty or 8 bytes",
        }
    }
}

/// The outcome of translating one export request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Translation {
    /// The accepted spans, grouped as in the request (groups left empty are dropped).
    pub batch: TraceBatch,
    /// Spans accepted.
    pub accepted: u64,
    /// Spans rejected, per [`RejectReason::ALL`] index.
    pub rejected_by_reason: [u64; 5],
    /// Links dropped for malformed ids (their spans were kept).
    pub dropped_links: u64,
}

impl Translation {
    /// Total spans rejected.
    pub fn rejected(&self) -> u64 {
        self.rejected_by_reason.iter().sum()
    }

    /// A message for `partial_success.error_message`, or `None` if nothing was rejected.
    pub fn error_message(&self) -> Option<String> {
        let parts: Vec<String> = RejectReason::ALL
            .iter()
            .zip(self.rejected_by_reason)
            .filter(|(_, n)| *n > 0)
            .map(|(r, n)| format!("{n} spans rejected: {}", r.as_str()))
            .collect();
        (!parts.is_empty()).then(|| parts.join("; "))
    }

    fn reject(&mut self, reason: RejectReason) {
        if let Some(i) = RejectReason::ALL.iter().position(|r| *r == reason) {
            self.rejected_by_reason[i] += 1;
        }
    }
}

/// Translates an export request into model spans; see the [module docs](self).
pub fn translate(req: ExportTraceServiceRequest) -> Translation {
    let mut out = Translation::default();
    for rs in req.resource_spans {
        let resource = rs.resource.map(resource_from).unwrap_or_default();
        let mut scope_spans = Vec::with_capacity(rs.scope_spans.len());
        for ss in rs.scope_spans {
            let scope = ss.scope.map(scope_from).unwrap_or_default();
            let mut spans = Vec::with_capacity(ss.spans.len());
            for span in ss.spans {
                match span_from(span, &mut out.dropped_links) {
                    Ok(s) => {
                        out.accepted += 1;
                        spans.push(s);
                    }
                    Err(reason) => out.reject(reason),
                }
            }
            if !spans.is_empty() {
                scope_spans.push(ScopeSpans {
                    scope,
                    schema_url: ss.schema_url,
                    spans,
                });
            }
        }
        if !scope_spans.is_empty() {
            out.batch.resource_spans.push(ResourceSpans {
                resource,
                schema_url: rs.schema_url,
                scope_spans,
            });
        }
    }
    out
}

fn trace_id(bytes: &[u8]) -> Result<TraceId, RejectReason> {
    let id = TraceId::from_slice(bytes).ok_or(RejectReason::TraceIdLength)?;
    if id.is_valid() {
        Ok(id)
    } else {
        Err(RejectReason::TraceIdZero)
    }
}

fn span_id(bytes: &[u8]) -> Result<SpanId, RejectReason> {
    let id = SpanId::from_slice(bytes).ok_or(RejectReason::SpanIdLength)?;
    if id.is_valid() {
        Ok(id)
    } else {
        Err(RejectReason::SpanIdZero)
    }
}

fn span_from(s: pt::Span, dropped_links: &mut u64) -> Result<Span, RejectReason> {
    let trace = trace_id(&s.trace_id)?;
    let id = span_id(&s.span_id)?;
    let parent = match s.parent_span_id.len() {
        0 => None,
        8 => SpanId::from_slice(&s.parent_span_id).filter(SpanId::is_valid),
        _ => return Err(RejectReason::ParentIdLength),
    };
    let mut dropped_links_count = s.dropped_links_count;
    let mut links = Vec::with_capacity(s.links.len());
    for l in s.links {
        match (trace_id(&l.trace_id), span_id(&l.span_id)) {
            (Ok(trace_id), Ok(span_id)) => links.push(Link {
                trace_id,
                span_id,
                trace_state: l.trace_state,
                attributes: attrs_from(l.attributes),
                dropped_attributes_count: l.dropped_attributes_count,
                flags: l.flags,
            }),
            _ => {
                *dropped_links += 1;
                dropped_links_count = dropped_links_count.saturating_add(1);
            }
        }
    }
    let status = s.status.map_or_else(Status::default, |st| Status {
        code: StatusCode::from_i32(st.code),
        message: st.message,
    });
    Ok(Span {
        trace_id: trace,
        span_id: id,
        parent_span_id: parent,
        trace_state: s.trace_state,
        flags: s.flags,
        name: s.name,
        kind: SpanKind::from_i32(s.kind),
        start_time_unix_nano: s.start_time_unix_nano,
        end_time_unix_nano: s.end_time_unix_nano,
        attributes: attrs_from(s.attributes),
        dropped_attributes_count: s.dropped_attributes_count,
        events: s
            .events
            .into_iter()
            .map(|e| Event {
                time_unix_nano: e.time_unix_nano,
                name: e.name,
                attributes: attrs_from(e.attributes),
                dropped_attributes_count: e.dropped_attributes_count,
            })
            .collect(),
        dropped_events_count: s.dropped_events_count,
        links,
        dropped_links_count,
        status,
    })
}

fn resource_from(r: pr::Resource) -> Resource {
    Resource {
        attributes: attrs_from(r.attributes),
        dropped_attributes_count: r.dropped_attributes_count,
    }
}

fn scope_from(s: pc::InstrumentationScope) -> Scope {
    Scope {
        name: s.name,
        version: s.version,
        attributes: attrs_from(s.attributes),
        dropped_attributes_count: s.dropped_attributes_count,
    }
}

fn attrs_from(kvs: Vec<pc::KeyValue>) -> Vec<KeyValue> {
    kvs.into_iter()
        .map(|kv| KeyValue {
            key: kv.key,
            value: kv.value.map(value_from).unwrap_or_default(),
        })
        .collect()
}

fn value_from(v: pc::AnyValue) -> AnyValue {
    use pc::any_value::Value as V;
    match v.value {
        None => AnyValue::Empty,
        Some(V::StringValue(s)) => AnyValue::String(s),
        Some(V::BoolValue(b)) => AnyValue::Bool(b),
        Some(V::IntValue(i)) => AnyValue::Int(i),
        Some(V::DoubleValue(d)) => AnyValue::Double(d),
        Some(V::BytesValue(b)) => AnyValue::Bytes(b),
        Some(V::ArrayValue(a)) => AnyValue::Array(a.values.into_iter().map(value_from).collect()),
        Some(V::KvlistValue(l)) => AnyValue::KvList(attrs_from(l.values)),
        // String-table references exist only in the profiles signal; spans never carry a
        // table to resolve them against.
        Some(V::StringValueStrindex(_)) => AnyValue::Empty,
    }
}

/// The model back to OTLP `TracesData` (the wire shape of Tempo's `tempopb.Trace` too).
pub fn to_otlp(batch: &TraceBatch) -> pt::TracesData {
    pt::TracesData {
        resource_spans: batch
            .resource_spans
            .iter()
            .map(|rs| pt::ResourceSpans {
                resource: Some(pr::Resource {
                    attributes: attrs_to(&rs.resource.attributes),
                    dropped_attributes_count: rs.resource.dropped_attributes_count,
                    entity_refs: Vec::new(),
                }),
                schema_url: rs.schema_url.clone(),
                scope_spans: rs
                    .scope_spans
                    .iter()
                    .map(|ss| pt::ScopeSpans {
                        scope: Some(pc::InstrumentationScope {
                            name: ss.scope.name.clone(),
                            version: ss.scope.version.clone(),
                            attributes: attrs_to(&ss.scope.attributes),
                            dropped_attributes_count: ss.scope.dropped_attributes_count,
                        }),
                        schema_url: ss.schema_url.clone(),
                        spans: ss.spans.iter().map(span_to).collect(),
                    })
                    .collect(),
            })
            .collect(),
    }
}

fn span_to(s: &Span) -> pt::Span {
    pt::Span {
        trace_id: s.trace_id.0.to_vec(),
        span_id: s.span_id.0.to_vec(),
        trace_state: s.trace_state.clone(),
        parent_span_id: s.parent_span_id.map(|p| p.0.to_vec()).unwrap_or_default(),
        flags: s.flags,
        name: s.name.clone(),
        kind: s.kind as i32,
        start_time_unix_nano: s.start_time_unix_nano,
        end_time_unix_nano: s.end_time_unix_nano,
        attributes: attrs_to(&s.attributes),
        dropped_attributes_count: s.dropped_attributes_count,
        events: s
            .events
            .iter()
            .map(|e| pt::span::Event {
                time_unix_nano: e.time_unix_nano,
                name: e.name.clone(),
                attributes: attrs_to(&e.attributes),
                dropped_attributes_count: e.dropped_attributes_count,
            })
            .collect(),
        dropped_events_count: s.dropped_events_count,
        links: s
            .links
            .iter()
            .map(|l| pt::span::Link {
                trace_id: l.trace_id.0.to_vec(),
                span_id: l.span_id.0.to_vec(),
                trace_state: l.trace_state.clone(),
                attributes: attrs_to(&l.attributes),
                dropped_attributes_count: l.dropped_attributes_count,
                flags: l.flags,
            })
            .collect(),
        dropped_links_count: s.dropped_links_count,
        status: (s.status.code != StatusCode::Unset || !s.status.message.is_empty()).then(|| {
            pt::Status {
                message: s.status.message.clone(),
                code: s.status.code as i32,
            }
        }),
    }
}

fn attrs_to(kvs: &[KeyValue]) -> Vec<pc::KeyValue> {
    kvs.iter()
        .map(|kv| pc::KeyValue {
            key: kv.key.clone(),
            value: Some(value_to(&kv.value)),
            key_strindex: 0,
        })
        .collect()
}

fn value_to(v: &AnyValue) -> pc::AnyValue {
    use pc::any_value::Value as V;
    let value = match v {
        AnyValue::Empty => None,
        AnyValue::String(s) => Some(V::StringValue(s.clone())),
        AnyValue::Bool(b) => Some(V::BoolValue(*b)),
        AnyValue::Int(i) => Some(V::IntValue(*i)),
        AnyValue::Double(d) => Some(V::DoubleValue(*d)),
        AnyValue::Bytes(b) => Some(V::BytesValue(b.clone())),
        AnyValue::Array(a) => Some(V::ArrayValue(pc::ArrayValue {
            values: a.iter().map(value_to).collect(),
        })),
        AnyValue::KvList(l) => Some(V::KvlistValue(pc::KeyValueList {
            values: attrs_to(l),
        })),
    };
    pc::AnyValue { value }
}

#[cfg(test)]
mod tests;
