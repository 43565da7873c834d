//! `GET /api/search`: TraceQL (`q`) or logfmt tags (`tags`), with `minDuration` and
//! `maxDuration` on the trace duration, `limit` (default 20), `spss` (spans per spanset,
//! default 3) and `start`/`end` in Unix seconds. Results are newest first.
//!
//! Each result carries the trace summary (root service and name, start, duration, per-service
//! counts) and one spanset with the matched spans; a matched span carries `service.name` and
//! the attributes and intrinsics (`status`, `kind`, `statusMessage`) the query compared:
//! values the query pins with `=` come from the query, others from the stored trace (read
//! only when needed). `matched` counts the spans reported (at most `spss`), not every match
//! in the trace.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::extract::{RawQuery, State};
use model::trace::{AnyValue, KeyValue, Resource, Span};
use otelstore::traces::{
    AttrScope, Condition, Field, Intrinsic, Literal, MatchedSpan, Op, SearchRequest, SpanFilter,
    Trace, TraceSummary, traceql,
};
use serde::Serialize;

use super::{Reply, count, json_ok, legacy, seconds_window};
use crate::error::ApiError;
use crate::jaeger::read_traces;
use crate::params::Params;
use crate::state::AppState;

const DEFAULT_LIMIT: usize = 20;
const MAX_LIMIT: usize = 10_000;
const DEFAULT_SPSS: usize = 3;

#[derive(Serialize)]
struct SearchJson {
    traces: Vec<TraceJson>,
    metrics: MetricsJson,
}

#[derive(Serialize)]
struct MetricsJson {
    #[serde(rename = "completedJobs")]
    completed_jobs: u32,
    #[serde(rename = "totalJobs")]
    total_jobs: u32,
}

#[derive(Serialize)]
struct TraceJson {
    #[serde(rename = "traceID")]
    trace_id: String,
    #[serde(rename = "rootServiceName")]
    root_service_name: String,
    #[serde(rename = "rootTraceName")]
    root_trace_name: String,
    #[serde(rename = "startTimeUnixNano")]
    start_time_unix_nano: String,
    #[serde(rename = "durationMs", skip_serializing_if = "Option::is_none")]
    duration_ms: Option<u64>,
    /// Deprecated single spanset, still read by older clients.
    #[serde(rename = "spanSet")]
    span_set: SpanSetJson,
    #[serde(rename = "spanSets")]
    span_sets: Vec<SpanSetJson>,
    #[serde(rename = "serviceStats")]
    service_stats: BTreeMap<String, ServiceStatsJson>,
}

#[derive(Serialize, Clone)]
struct SpanSetJson {
    spans: Vec<SpanJson>,
    matched: usize,
}

#[derive(Serialize, Clone)]
struct SpanJson {
    #[serde(rename = "spanID")]
    span_id: String,
    name: String,
    #[serde(rename = "startTimeUnixNano")]
    start_time_unix_nano: String,
    #[serde(rename = "durationNanos")]
    duration_nanos: String,
    attributes: Vec<AttrJson>,
}

#[derive(Serialize, Clone)]
struct AttrJson {
    key: String,
    value: serde_json::Value,
}

#[derive(Serialize)]
struct ServiceStatsJson {
    #[serde(rename = "spanCount")]
    span_count: u32,
    #[serde(rename = "errorCount", skip_serializing_if = "is_zero")]
    error_count: u32,
}

fn is_zero(v: &u32) -> bool {
    *v == 0
}

/// `GET /api/search`.
pub(super) async fn search(State(st): State<AppState>, RawQuery(q): RawQuery) -> Reply {
    let p = Params::new(q.as_deref(), None);
    let req = request(&p)?;
    let fields = shown(&req.filter);
    let traces = st
        .blocking(move |s| {
            let store = s.traces();
            let hits = store.search(&req)?;
            // Read the traces only for values the query does not pin.
            let full = if fields.iter().any(|(_, v)| v.is_none()) {
                read_traces(store, &hits)?
            } else {
                vec![None; hits.len()]
            };
            Ok(hits
                .iter()
                .zip(&full)
                .map(|(h, t)| result(h, t.as_ref(), &fields))
                .collect::<Vec<_>>())
        })
        .await?;
    Ok(json_ok(&SearchJson {
        traces,
        metrics: MetricsJson {
            completed_jobs: 1,
            total_jobs: 1,
        },
    }))
}

/// The store request for the search parameters.
fn request(p: &Params) -> Result<SearchRequest, ApiError> {
    let mut filter = match (p.get("q"), p.get("tags")) {
        (Some(q), _) => traceql::parse(q)
            .map_err(|e| ApiError::bad_data(format!("invalid TraceQL query: {e}")))?,
        (None, Some(tags)) => legacy::filter(tags)?,
        (None, None) => SpanFilter::All,
    };
    let duration = |name: &str| -> Result<Option<Duration>, ApiError> {
        p.get(name)
            .map(|s| {
                traceql::parse_duration(s)
                    .map_err(|e| ApiError::bad_data(format!("invalid {name}: {e}")))
            })
            .transpose()
    };
    let (min, max) = (duration("minDuration")?, duration("maxDuration")?);
    if let (Some(lo), Some(hi)) = (min, max)
        && hi < lo
    {
        return Err(ApiError::bad_data(
            "invalid maxDuration: must be greater than minDuration",
        ));
    }
    for (d, op) in [(min, Op::Ge), (max, Op::Le)] {
        if let Some(d) = d {
            filter = filter.and(SpanFilter::cond(
                Field::Intrinsic(Intrinsic::TraceDuration),
                op,
                Literal::Duration(d),
            ));
        }
    }
    let (start, end) = seconds_window(p)?;
    let limit = match count(p, "limit")? {
        None | Some(0) => DEFAULT_LIMIT,
        Some(n) => n.min(MAX_LIMIT),
    };
    let spss = match count(p, "spss")? {
        None | Some(0) => DEFAULT_SPSS,
        Some(n) => n.min(MAX_LIMIT),
    };
    Ok(SearchRequest {
        filter,
        start_unix_nano: start,
        end_unix_nano: end,
        limit,
        spans_per_trace: spss,
        ..SearchRequest::default()
    })
}

/// What matched spans show: each field the query compares (attributes other than
/// `service.name`, and `status`, `kind`, `statusMessage`), in query order, with its value
/// when the query pins it (an `=` every match satisfies: a condition of the top-level `&&`
/// on a string, boolean, status or kind), else `None` (read from the stored span).
fn shown(f: &SpanFilter) -> Vec<(Field, Option<AnyValue>)> {
    fn wanted(field: &Field) -> bool {
        match field {
            Field::Attr { key, .. } => key != "service.name",
            Field::Intrinsic(i) => matches!(
                i,
                Intrinsic::Status | Intrinsic::Kind | Intrinsic::StatusMessage
            ),
        }
    }
    fn pinned(c: &Condition) -> Option<AnyValue> {
        if c.op != Op::Eq {
            return None;
        }
        match &c.value {
            Literal::Str(s) => Some(AnyValue::String(s.clone())),
            Literal::Bool(b) if matches!(c.field, Field::Attr { .. }) => Some(AnyValue::Bool(*b)),
            Literal::Status(code) => Some(code.as_str().into()),
            Literal::Kind(k) => Some(k.as_str().into()),
            _ => None,
        }
    }
    fn walk(f: &SpanFilter, top: bool, out: &mut Vec<(Field, Option<AnyValue>)>) {
        match f {
            SpanFilter::All => {}
            SpanFilter::Cond(c) if wanted(&c.field) => {
                let v = if top { pinned(c) } else { None };
                match out.iter_mut().find(|(x, _)| *x == c.field) {
                    Some(slot) => {
                        if slot.1.is_none() {
                            slot.1 = v;
                        }
                    }
                    None => out.push((c.field.clone(), v)),
                }
            }
            SpanFilter::Cond(_) => {}
            SpanFilter::And(v) => v.iter().for_each(|x| walk(x, top, out)),
            SpanFilter::Or(v) => v.iter().for_each(|x| walk(x, false, out)),
        }
    }
    let mut out = Vec::new();
    walk(f, true, &mut out);
    out
}

fn result(
    h: &TraceSummary,
    full: Option<&Trace>,
    fields: &[(Field, Option<AnyValue>)],
) -> TraceJson {
    let spans: Vec<SpanJson> = h.matched.iter().map(|m| span(m, full, fields)).collect();
    let set = SpanSetJson {
        matched: spans.len(),
        spans,
    };
    let ms = h.duration_nanos / 1_000_000;
    TraceJson {
        trace_id: h.trace_id.to_hex(),
        root_service_name: h.root_service.clone(),
        root_trace_name: h.root_name.clone(),
        start_time_unix_nano: h.start_unix_nano.to_string(),
        duration_ms: (ms > 0).then_some(ms),
        span_set: set.clone(),
        span_sets: vec![set],
        service_stats: h
            .services
            .iter()
            .map(|s| {
                let stats = ServiceStatsJson {
                    span_count: s.span_count,
                    error_count: s.error_count,
                };
                (s.service.clone(), stats)
            })
            .collect(),
    }
}

fn span(m: &MatchedSpan, full: Option<&Trace>, fields: &[(Field, Option<AnyValue>)]) -> SpanJson {
    let mut attributes = vec![AttrJson {
        key: "service.name".into(),
        value: any_json(&AnyValue::String(m.service.clone())),
    }];
    let found = full.and_then(|t| {
        t.batch
            .spans()
            .find(|(_, _, s)| s.span_id == m.span_id)
            .map(|(rs, _, s)| (&rs.resource, s))
    });
    for (f, pinned) in fields {
        let value = match (pinned, found) {
            (Some(v), _) => Some((display_key(f), v.clone())),
            (None, Some((resource, s))) => field_value(f, resource, s),
            (None, None) => None,
        };
        if let Some((key, value)) = value {
            attributes.push(AttrJson {
                key,
                value: any_json(&value),
            });
        }
    }
    SpanJson {
        span_id: m.span_id.to_hex(),
        name: m.name.clone(),
        start_time_unix_nano: m.start_unix_nano.to_string(),
        duration_nanos: m.duration_nanos.to_string(),
        attributes,
    }
}

/// The key a field's value is shown under: the attribute name, or the intrinsic's.
fn display_key(f: &Field) -> String {
    match f {
        Field::Attr { key, .. } => key.clone(),
        Field::Intrinsic(Intrinsic::Status) => "status".into(),
        Field::Intrinsic(Intrinsic::Kind) => "kind".into(),
        Field::Intrinsic(Intrinsic::StatusMessage) => "statusMessage".into(),
        Field::Intrinsic(i) => format!("{i:?}"),
    }
}

/// The attribute key and value a field has on a span, if any.
fn field_value(f: &Field, resource: &Resource, s: &Span) -> Option<(String, AnyValue)> {
    let find = |attrs: &[KeyValue], key: &str| model::trace::find_attr(attrs, key).cloned();
    match f {
        Field::Intrinsic(Intrinsic::Status) => {
            Some((display_key(f), s.status.code.as_str().into()))
        }
        Field::Intrinsic(Intrinsic::Kind) => Some((display_key(f), s.kind.as_str().into())),
        Field::Intrinsic(Intrinsic::StatusMessage) => {
            Some((display_key(f), s.status.message.as_str().into()))
        }
        Field::Intrinsic(_) => None,
        Field::Attr { scope, key } => {
            let span_attr = || find(&s.attributes, key);
            let resource_attr = || find(&resource.attributes, key);
            let event_attr = || s.events.iter().find_map(|e| find(&e.attributes, key));
            let v = match scope {
                AttrScope::Span => span_attr(),
                AttrScope::Resource => resource_attr(),
                AttrScope::Event => event_attr(),
                AttrScope::Unscoped => span_attr().or_else(resource_attr),
                AttrScope::Any => span_attr().or_else(resource_attr).or_else(event_attr),
            };
            v.map(|v| (key.clone(), v))
        }
    }
}

/// An attribute value as OTLP-JSON `AnyValue` (64-bit integers as strings).
fn any_json(v: &AnyValue) -> serde_json::Value {
    use serde_json::json;
    match v {
        AnyValue::String(s) => json!({ "stringValue": s }),
        AnyValue::Int(i) => json!({ "intValue": i.to_string() }),
        AnyValue::Double(d) => match serde_json::Number::from_f64(*d) {
            Some(n) => json!({ "doubleValue": n }),
            None => json!({ "doubleValue": d.to_string() }),
        },
        AnyValue::Bool(b) => json!({ "boolValue": b }),
        other => json!({ "stringValue": other.to_text() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(q: &str) -> Params {
        Params::new(Some(q), None)
    }

    #[test]
    fn bad_parameters_are_refused_with_the_reason() {
        for (q, msg) in [
            (
                "q=%7B%20.a%20%3D%20%7D",
                "invalid TraceQL query: parse error at char 8",
            ),
            ("q=%7B%7D&minDuration=abc", "invalid minDuration"),
            (
                "minDuration=2s&maxDuration=1s",
                "must be greater than minDuration",
            ),
            ("limit=-3", "invalid limit"),
            ("spss=x", "invalid spss"),
            ("start=abc", "invalid start"),
            ("start=20&end=10", "start is after end"),
            ("tags=novalue", "invalid tags"),
        ] {
            let e = request(&params(q)).expect_err(q);
            assert!(e.message.contains(msg), "{q}: {}", e.message);
        }
    }

    #[test]
    fn defaults_and_duration_bounds() {
        let r = request(&params("minDuration=1s&start=10&end=20")).expect("ok");
        assert_eq!((r.limit, r.spans_per_trace), (DEFAULT_LIMIT, DEFAULT_SPSS));
        assert_eq!(r.start_unix_nano, 10_000_000_000);
        assert_eq!(r.end_unix_nano, 20_999_999_999);
        assert!(matches!(r.filter, SpanFilter::Cond(_)));
        let q = r#"{ resource.service.name = "a" && (status = error || span.x = 1)
            && span.y = "b" && kind = server && span.z > 3 && span.y =~ "b.*" }"#;
        let fields = shown(&traceql::parse(q).expect("parses"));
        let names: Vec<(String, Option<AnyValue>)> = fields
            .iter()
            .map(|(f, v)| (display_key(f), v.clone()))
            .collect();
        assert_eq!(
            names,
            vec![
                ("status".into(), None),
                ("x".into(), None),
                ("y".into(), Some("b".into())),
                ("kind".into(), Some("server".into())),
                ("z".into(), None),
            ]
        );
    }
}
