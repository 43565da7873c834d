//! The Jaeger UI JSON model and the OTLP -> Jaeger mapping (as the Collector's Jaeger
//! translator does it; see `docs/traces.md` §1.6).
//!
//! - Each distinct resource of a trace is a process, `p1`, `p2`, ... in order of first use:
//!   `serviceName` from `service.name`, the other resource attributes as tags.
//! - Span tags, in order: `otel.scope.name`, `otel.scope.version`, the span attributes,
//!   `span.kind`, `otel.status_code` (+ `error=true` for ERROR), `otel.status_description`,
//!   `w3c.tracestate`.
//! - The parent is the first reference (`CHILD_OF`); links follow (`FOLLOWS_FROM`, or
//!   `CHILD_OF` with the link attribute `opentracing.ref_type=child_of`); a link to the parent
//!   only changes the first reference's type.
//! - Events are logs: `event` = name (unless an attribute is called `event`), then the
//!   attributes. Times are microseconds.

use serde::Serialize;
use serde::ser::SerializeMap;

use model::trace::{AnyValue, KeyValue, Resource, Span, SpanKind, StatusCode, TraceId};
use otelstore::traces::Trace;

/// One trace.
#[derive(Debug, Serialize)]
pub(crate) struct JTrace {
    #[serde(rename = "traceID")]
    trace_id: String,
    spans: Vec<JSpan>,
    processes: Processes,
    warnings: Option<Vec<String>>,
}

/// Processes by id, serialized in id order (`p1`, `p2`, ..., `p10`).
#[derive(Debug, Default)]
struct Processes(Vec<(String, JProcess)>);

impl Serialize for Processes {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

#[derive(Debug, Serialize)]
struct JProcess {
    #[serde(rename = "serviceName")]
    service_name: String,
    tags: Vec<JKeyValue>,
}

#[derive(Debug, Serialize)]
struct JSpan {
    #[serde(rename = "traceID")]
    trace_id: String,
    #[serde(rename = "spanID")]
    span_id: String,
    #[serde(skip_serializing_if = "is_zero")]
    flags: u32,
    #[serde(rename = "operationName")]
    operation_name: String,
    references: Vec<JReference>,
    #[serde(rename = "startTime")]
    start_time: u64,
    duration: u64,
    tags: Vec<JKeyValue>,
    logs: Vec<JLog>,
    #[serde(rename = "processID")]
    process_id: String,
    warnings: Option<Vec<String>>,
}

fn is_zero(v: &u32) -> bool {
    *v == 0
}

#[derive(Debug, Serialize)]
struct JReference {
    #[serde(rename = "refType")]
    ref_type: &'static str,
    #[serde(rename = "traceID")]
    trace_id: String,
    #[serde(rename = "spanID")]
    span_id: String,
}

#[derive(Debug, Serialize)]
struct JLog {
    timestamp: u64,
    fields: Vec<JKeyValue>,
}

#[derive(Debug, Serialize)]
struct JKeyValue {
    key: String,
    #[serde(rename = "type")]
    kind: &'static str,
    value: serde_json::Value,
}

/// Largest integer a JavaScript number holds exactly; beyond it Jaeger writes a string.
const JS_SAFE: i64 = (1 << 53) - 1;

impl JKeyValue {
    fn new(key: &str, v: &AnyValue) -> JKeyValue {
        use serde_json::Value as J;
        let (kind, value) = match v {
            AnyValue::String(s) => ("string", J::String(s.clone())),
            AnyValue::Bool(b) => ("bool", J::Bool(*b)),
            AnyValue::Int(i) if (-JS_SAFE..=JS_SAFE).contains(i) => ("int64", J::from(*i)),
            AnyValue::Int(i) => ("int64", J::String(i.to_string())),
            AnyValue::Double(d) => (
                "float64",
                serde_json::Number::from_f64(*d)
                    .map_or_else(|| J::String(d.to_string()), J::Number),
            ),
            AnyValue::Bytes(_) => ("binary", J::String(v.to_text())),
            // Empty, arrays and maps: their JSON text, as a string tag.
            _ => ("string", J::String(v.to_text())),
        };
        JKeyValue {
            key: key.to_owned(),
            kind,
            value,
        }
    }

    fn str(key: &str, v: &str) -> JKeyValue {
        JKeyValue::new(key, &AnyValue::String(v.to_owned()))
    }

    fn list(attrs: &[KeyValue]) -> Vec<JKeyValue> {
        attrs
            .iter()
            .map(|kv| JKeyValue::new(&kv.key, &kv.value))
            .collect()
    }
}

/// Microseconds from nanoseconds (truncated, as Jaeger's translator does).
fn micros(ns: u64) -> u64 {
    ns / 1000
}

/// A stored trace in Jaeger's model.
pub(crate) fn trace(t: &Trace) -> JTrace {
    let mut processes = Processes::default();
    let mut seen: Vec<&Resource> = Vec::new();
    let mut spans = Vec::with_capacity(t.batch.span_count());
    for rs in &t.batch.resource_spans {
        let pid = match seen.iter().position(|r| **r == rs.resource) {
            Some(i) => format!("p{}", i + 1),
            None => {
                seen.push(&rs.resource);
                let pid = format!("p{}", seen.len());
                processes.0.push((pid.clone(), process(&rs.resource)));
                pid
            }
        };
        for ss in &rs.scope_spans {
            for s in &ss.spans {
                let mut tags = Vec::with_capacity(s.attributes.len() + 4);
                if !ss.scope.name.is_empty() {
                    tags.push(JKeyValue::str("otel.scope.name", &ss.scope.name));
                }
                if !ss.scope.version.is_empty() {
                    tags.push(JKeyValue::str("otel.scope.version", &ss.scope.version));
                }
                spans.push(span(s, tags, &pid));
            }
        }
    }
    JTrace {
        trace_id: t.trace_id.to_jaeger_hex(),
        spans,
        processes,
        warnings: None,
    }
}

fn process(r: &Resource) -> JProcess {
    JProcess {
        service_name: r.service_or_default().to_owned(),
        tags: r
            .attributes
            .iter()
            .filter(|kv| kv.key != "service.name")
            .map(|kv| JKeyValue::new(&kv.key, &kv.value))
            .collect(),
    }
}

fn span(s: &Span, mut tags: Vec<JKeyValue>, pid: &str) -> JSpan {
    tags.extend(JKeyValue::list(&s.attributes));
    if s.kind != SpanKind::Unspecified {
        tags.push(JKeyValue::str("span.kind", s.kind.as_str()));
    }
    match s.status.code {
        StatusCode::Ok => tags.push(JKeyValue::str("otel.status_code", "OK")),
        StatusCode::Error => {
            tags.push(JKeyValue::str("otel.status_code", "ERROR"));
            tags.push(JKeyValue::new("error", &AnyValue::Bool(true)));
        }
        StatusCode::Unset => {}
    }
    if !s.status.message.is_empty() {
        tags.push(JKeyValue::str("otel.status_description", &s.status.message));
    }
    if !s.trace_state.is_empty() {
        tags.push(JKeyValue::str("w3c.tracestate", &s.trace_state));
    }
    let logs = s
        .events
        .iter()
        .map(|e| {
            let mut fields = Vec::with_capacity(e.attributes.len() + 1);
            if !e.name.is_empty() && !e.attributes.iter().any(|kv| kv.key == "event") {
                fields.push(JKeyValue::str("event", &e.name));
            }
            fields.extend(JKeyValue::list(&e.attributes));
            JLog {
                timestamp: micros(e.time_unix_nano),
                fields,
            }
        })
        .collect();
    JSpan {
        trace_id: s.trace_id.to_jaeger_hex(),
        span_id: s.span_id.to_hex(),
        // The W3C trace flags (bit 0: sampled) mean the same in Jaeger.
        flags: s.flags & 0xff,
        operation_name: s.name.clone(),
        references: references(s),
        start_time: micros(s.start_time_unix_nano),
        duration: micros(s.duration_nanos()),
        tags,
        logs,
        process_id: pid.to_owned(),
        warnings: None,
    }
}

fn references(s: &Span) -> Vec<JReference> {
    let reference = |ref_type, trace: &TraceId, span: String| JReference {
        ref_type,
        trace_id: trace.to_jaeger_hex(),
        span_id: span,
    };
    let mut refs = Vec::with_capacity(s.links.len() + 1);
    if let Some(p) = s.parent_span_id {
        refs.push(reference("CHILD_OF", &s.trace_id, p.to_hex()));
    }
    for l in &s.links {
        let child_of = l
            .attributes
            .iter()
            .any(|kv| kv.key == "opentracing.ref_type" && kv.value.as_str() == Some("child_of"));
        let ref_type = if child_of { "CHILD_OF" } else { "FOLLOWS_FROM" };
        if s.parent_span_id == Some(l.span_id) && l.trace_id == s.trace_id {
            if let Some(first) = refs.first_mut() {
                first.ref_type = ref_type;
            }
            continue;
        }
        refs.push(reference(ref_type, &l.trace_id, l.span_id.to_hex()));
    }
    refs
}

#[cfg(test)]
mod tests;
