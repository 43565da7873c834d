//! The OTLP -> Jaeger mapping on one hand-built trace.

use model::trace::{
    AnyValue, Event, KeyValue, Link, Resource, ResourceSpans, Scope, ScopeSpans, Span, SpanId,
    SpanKind, Status, StatusCode, TraceBatch, TraceId,
};
use otelstore::traces::Trace;
use serde_json::{Value, json};

use super::trace;

fn resource(service: &str) -> Resource {
    Resource {
        attributes: vec![
            KeyValue::new("service.name", service),
            KeyValue::new("host.name", "h1"),
        ],
        dropped_attributes_count: 0,
    }
}

fn sample() -> Trace {
    let tid = TraceId([0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8]);
    let root = Span {
        trace_id: tid,
        span_id: SpanId([1; 8]),
        name: "GET /".into(),
        kind: SpanKind::Server,
        flags: 0x301,
        start_time_unix_nano: 1_000_001_999,
        end_time_unix_nano: 3_000_002_000,
        attributes: vec![
            KeyValue::new("big", AnyValue::Int(1 << 60)),
            KeyValue::new("n", AnyValue::Int(7)),
            KeyValue::new("f", AnyValue::Double(0.5)),
            KeyValue::new("b", AnyValue::Bool(true)),
            KeyValue::new("raw", AnyValue::Bytes(b"hi".to_vec())),
            KeyValue::new("arr", AnyValue::Array(vec!["a".into(), AnyValue::Int(1)])),
        ],
        status: Status {
            code: StatusCode::Ok,
            message: String::new(),
        },
        trace_state: "k=v".into(),
        ..Span::default()
    };
    let child = Span {
        trace_id: tid,
        span_id: SpanId([2; 8]),
        parent_span_id: Some(SpanId([1; 8])),
        name: "chat".into(),
        kind: SpanKind::Client,
        start_time_unix_nano: 2_000_000_000,
        end_time_unix_nano: 2_500_000_000,
        status: Status {
            code: StatusCode::Error,
            message: "boom".into(),
        },
        events: vec![
            Event {
                time_unix_nano: 2_100_000_000,
                name: "exception".into(),
                attributes: vec![KeyValue::new("exception.type", "E")],
                ..Event::default()
            },
            Event {
                time_unix_nano: 2_200_000_000,
                name: "ignored".into(),
                attributes: vec![KeyValue::new("event", "own")],
                ..Event::default()
            },
        ],
        links: vec![
            Link {
                trace_id: tid,
                span_id: SpanId([1; 8]),
                ..Link::default()
            },
            Link {
                trace_id: TraceId([9; 16]),
                span_id: SpanId([9; 8]),
                attributes: vec![KeyValue::new("opentracing.ref_type", "child_of")],
                ..Link::default()
            },
            Link {
                trace_id: TraceId([9; 16]),
                span_id: SpanId([8; 8]),
                ..Link::default()
            },
        ],
        ..Span::default()
    };
    let group = |r: Resource, scope: &str, spans| ResourceSpans {
        resource: r,
        schema_url: String::new(),
        scope_spans: vec![ScopeSpans {
            scope: Scope {
                name: scope.into(),
                version: if scope.is_empty() { "" } else { "1.0" }.into(),
                ..Scope::default()
            },
            schema_url: String::new(),
            spans,
        }],
    };
    Trace {
        trace_id: tid,
        batch: TraceBatch {
            resource_spans: vec![
                group(resource("front"), "http", vec![root]),
                group(resource("llm"), "", vec![child.clone()]),
                // The same resource again (another request): the same process.
                group(
                    resource("front"),
                    "",
                    vec![Span {
                        span_id: SpanId([3; 8]),
                        parent_span_id: None,
                        links: Vec::new(),
                        events: Vec::new(),
                        ..child
                    }],
                ),
            ],
        },
    }
}

fn tags(span: &Value) -> Vec<(String, String, Value)> {
    span["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .map(|t| {
            (
                t["key"].as_str().expect("key").to_owned(),
                t["type"].as_str().expect("type").to_owned(),
                t["value"].clone(),
            )
        })
        .collect()
}

#[test]
fn otlp_spans_map_to_jaeger_json() {
    let v = serde_json::to_value(trace(&sample())).expect("json");
    assert_eq!(
        v["traceID"], "0102030405060708",
        "16 digits when the high half is zero"
    );
    assert_eq!(v["warnings"], Value::Null);
    assert_eq!(
        v["processes"],
        json!({
            "p1": {"serviceName": "front", "tags": [{"key": "host.name", "type": "string", "value": "h1"}]},
            "p2": {"serviceName": "llm", "tags": [{"key": "host.name", "type": "string", "value": "h1"}]},
        })
    );
    let spans = v["spans"].as_array().expect("spans");
    assert_eq!(spans.len(), 3);
    let (root, child, third) = (&spans[0], &spans[1], &spans[2]);
    assert_eq!(root["spanID"], "0101010101010101");
    assert_eq!(root["flags"], 1, "W3C flags only");
    assert_eq!(root["startTime"], 1_000_001, "µs, truncated");
    assert_eq!(root["duration"], 2_000_000);
    assert_eq!(root["references"], json!([]));
    assert_eq!(root["logs"], json!([]));
    assert_eq!(root["processID"], "p1");
    assert_eq!(root["warnings"], Value::Null);
    let want = vec![
        ("otel.scope.name", "string", json!("http")),
        ("otel.scope.version", "string", json!("1.0")),
        ("big", "int64", json!("1152921504606846976")),
        ("n", "int64", json!(7)),
        ("f", "float64", json!(0.5)),
        ("b", "bool", json!(true)),
        ("raw", "binary", json!("aGk=")),
        ("arr", "string", json!(r#"["a",1]"#)),
        ("span.kind", "string", json!("server")),
        ("otel.status_code", "string", json!("OK")),
        ("w3c.tracestate", "string", json!("k=v")),
    ];
    let want: Vec<_> = want
        .into_iter()
        .map(|(k, t, v)| (k.to_owned(), t.to_owned(), v))
        .collect();
    assert_eq!(tags(root), want);

    assert!(child.get("flags").is_none(), "flags omitted when 0");
    assert_eq!(child["processID"], "p2");
    assert_eq!(
        child["references"],
        json!([
            {"refType": "FOLLOWS_FROM", "traceID": "0102030405060708", "spanID": "0101010101010101"},
            {"refType": "CHILD_OF", "traceID": "09090909090909090909090909090909", "spanID": "0909090909090909"},
            {"refType": "FOLLOWS_FROM", "traceID": "09090909090909090909090909090909", "spanID": "0808080808080808"},
        ]),
        "a link to the parent only changes the parent reference's type"
    );
    let child_tags: Vec<String> = tags(child).into_iter().map(|t| t.0).collect();
    assert_eq!(
        child_tags,
        [
            "span.kind",
            "otel.status_code",
            "error",
            "otel.status_description"
        ]
    );
    assert_eq!(tags(child)[2].2, json!(true));
    assert_eq!(
        child["logs"],
        json!([
            {"timestamp": 2_100_000, "fields": [
                {"key": "event", "type": "string", "value": "exception"},
                {"key": "exception.type", "type": "string", "value": "E"},
            ]},
            {"timestamp": 2_200_000, "fields": [{"key": "event", "type": "string", "value": "own"}]},
        ])
    );
    assert_eq!(
        third["processID"], "p1",
        "identical resources share a process"
    );
    assert_eq!(third["references"], json!([]));
}
