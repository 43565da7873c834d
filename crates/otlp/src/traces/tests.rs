use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1 as pc;
use opentelemetry_proto::tonic::resource::v1 as pr;
use opentelemetry_proto::tonic::trace::v1 as pt;
use proptest::prelude::*;
use prost::Message;

use super::*;

fn kv(key: &str, v: pc::any_value::Value) -> pc::KeyValue {
    pc::KeyValue {
        key: key.into(),
        value: Some(pc::AnyValue { value: Some(v) }),
        key_strindex: 0,
    }
}

fn full_span(trace: u8, id: u8, parent: Option<u8>) -> pt::Span {
    use pc::any_value::Value as V;
    pt::Span {
        trace_id: vec![trace; 16],
        span_id: vec![id; 8],
        trace_state: "k=v".into(),
        parent_span_id: parent.map(|p| vec![p; 8]).unwrap_or_default(),
        flags: 0x301,
        name: "GET /x".into(),
        kind: 2,
        start_time_unix_nano: 1_700_000_000_000_000_000,
        end_time_unix_nano: 1_700_000_000_500_000_000,
        attributes: vec![
            kv("s", V::StringValue("v".into())),
            kv("b", V::BoolValue(true)),
            kv("i", V::IntValue(-5)),
            kv("d", V::DoubleValue(1.5)),
            kv("y", V::BytesValue(vec![1, 2])),
            kv(
                "a",
                V::ArrayValue(pc::ArrayValue {
                    values: vec![pc::AnyValue {
                        value: Some(V::IntValue(1)),
                    }],
                }),
            ),
            kv(
                "m",
                V::KvlistValue(pc::KeyValueList {
                    values: vec![kv("n", V::StringValue("x".into()))],
                }),
            ),
        ],
        dropped_attributes_count: 1,
        events: vec![pt::span::Event {
            time_unix_nano: 1_700_000_000_100_000_000,
            name: "exception".into(),
            attributes: vec![kv("exception.type", V::StringValue("E".into()))],
            dropped_attributes_count: 2,
        }],
        dropped_events_count: 3,
        links: vec![pt::span::Link {
            trace_id: vec![9; 16],
            span_id: vec![8; 8],
            trace_state: String::new(),
            attributes: vec![kv("l", V::IntValue(1))],
            dropped_attributes_count: 0,
            flags: 1,
        }],
        dropped_links_count: 4,
        status: Some(pt::Status {
            message: "boom".into(),
            code: 2,
        }),
    }
}

fn request(spans: Vec<pt::Span>) -> ExportTraceServiceRequest {
    ExportTraceServiceRequest {
        resource_spans: vec![pt::ResourceSpans {
            resource: Some(pr::Resource {
                attributes: vec![kv(
                    "service.name",
                    pc::any_value::Value::StringValue("svc".into()),
                )],
                dropped_attributes_count: 0,
                entity_refs: Vec::new(),
            }),
            scope_spans: vec![pt::ScopeSpans {
                scope: Some(pc::InstrumentationScope {
                    name: "lib".into(),
                    version: "1.0".into(),
                    attributes: Vec::new(),
                    dropped_attributes_count: 0,
                }),
                spans,
                schema_url: "https://opentelemetry.io/schemas/1.26.0".into(),
            }],
            schema_url: String::new(),
        }],
    }
}

#[test]
fn valid_spans_round_trip_through_the_model() {
    let req = request(vec![full_span(1, 1, None), full_span(1, 2, Some(1))]);
    let expected = req.resource_spans.clone();
    let t = translate(req);
    assert_eq!(t.accepted, 2);
    assert_eq!(t.rejected(), 0);
    assert_eq!(t.error_message(), None);
    let span = &t.batch.resource_spans[0].scope_spans[0].spans[1];
    assert_eq!(span.parent_span_id, Some(SpanId([1; 8])));
    assert_eq!(span.kind, SpanKind::Server);
    assert_eq!(span.status.code, StatusCode::Error);
    assert_eq!(
        t.batch.resource_spans[0].resource.service_name(),
        Some("svc")
    );
    assert_eq!(to_otlp(&t.batch).resource_spans, expected);
}

#[test]
fn bad_ids_are_rejected_by_reason_and_bad_links_dropped() {
    let mut short_trace = full_span(1, 1, None);
    short_trace.trace_id = vec![1; 15];
    let zero_trace = full_span(0, 1, None);
    let mut long_span = full_span(1, 1, None);
    long_span.span_id = vec![1; 9];
    let zero_span = full_span(1, 0, None);
    let mut bad_parent = full_span(1, 1, None);
    bad_parent.parent_span_id = vec![1; 3];
    let zero_parent = full_span(1, 5, Some(0));
    let mut bad_link = full_span(1, 6, None);
    bad_link.links[0].span_id = vec![];
    let t = translate(request(vec![
        short_trace,
        zero_trace,
        long_span,
        zero_span,
        bad_parent,
        zero_parent,
        bad_link,
    ]));
    assert_eq!(t.accepted, 2);
    assert_eq!(t.rejected_by_reason, [1, 1, 1, 1, 1]);
    assert_eq!(t.dropped_links, 1);
    let spans = &t.batch.resource_spans[0].scope_spans[0].spans;
    assert_eq!(spans[0].parent_span_id, None, "all-zero parent means root");
    assert!(spans[1].links.is_empty());
    assert_eq!(spans[1].dropped_links_count, 5);
    let msg = t.error_message().expect("rejections");
    assert!(msg.contains("trace id is all zeros"), "{msg}");
}

#[test]
fn empty_groups_are_dropped() {
    let t = translate(request(vec![full_span(0, 0, None)]));
    assert!(t.batch.resource_spans.is_empty());
    assert_eq!(t.rejected(), 1);
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        if let Ok(req) = ExportTraceServiceRequest::decode(bytes.as_slice()) {
            let total: usize = req.resource_spans.iter()
                .flat_map(|r| &r.scope_spans).map(|s| s.spans.len()).sum();
            let t = translate(req);
            prop_assert_eq!(t.accepted + t.rejected(), total as u64);
            prop_assert_eq!(t.batch.span_count() as u64, t.accepted);
        }
    }

    #[test]
    fn arbitrary_ids_are_validated(trace in proptest::collection::vec(any::<u8>(), 0..20),
                                   span in proptest::collection::vec(any::<u8>(), 0..10)) {
        let mut s = full_span(1, 1, None);
        s.trace_id = trace.clone();
        s.span_id = span.clone();
        let t = translate(request(vec![s]));
        let ok = trace.len() == 16 && trace.iter().any(|b| *b != 0)
            && span.len() == 8 && span.iter().any(|b| *b != 0);
        prop_assert_eq!(t.accepted == 1, ok);
    }
}
