//! End-to-end behaviour: reads across head and segments, catalogs, dependencies, retention.

use std::time::Duration;

use model::trace::SpanKind;
use otelstore_traces::{
    AttrScope, Field, Intrinsic, Literal, Op, SearchRequest, SpanFilter, Store, TagScope, TagValue,
};

use crate::support::{normalize, test_options, trace_spans};
use crate::workload::Workload;

const T0: u64 = 1_700_000_000_000_000_000;

#[test]
fn traces_split_over_batches_head_and_segments_read_whole() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path(), test_options()).expect("open");
    let mut w = Workload::new(1, T0);
    let traces: Vec<_> = (0..50).map(|_| w.next_trace()).collect();
    // First half of every trace, flush, second half stays in the head.
    for t in &traces {
        let half = t.len() / 2;
        store
            .append(&w.batch(t[..half].iter().cloned()))
            .expect("append");
    }
    store.flush().expect("flush");
    for t in &traces {
        let half = t.len() / 2;
        store
            .append(&w.batch(t[half..].iter().cloned()))
            .expect("append");
    }
    let check = |store: &Store| {
        for t in &traces {
            let id = t[0].1.trace_id;
            let got = store.trace(&id, None).expect("read").expect("found");
            let want: Vec<_> = t
                .iter()
                .map(|(o, s)| {
                    (
                        w.origins()[*o].resource.service_or_default().to_owned(),
                        s.clone(),
                    )
                })
                .collect();
            assert_eq!(normalize(trace_spans(&got)), normalize(want));
        }
    };
    check(&store);
    store.flush().expect("flush");
    assert_eq!(store.stats().head_spans, 0);
    check(&store);
    store.close().expect("close");
    let store = Store::open(dir.path(), test_options()).expect("reopen");
    check(&store);
    // Search summaries cover both parts.
    let id = traces[49][0].1.trace_id;
    let res = store
        .search(&SearchRequest {
            limit: 1,
            ..SearchRequest::default()
        })
        .expect("search");
    assert_eq!(res.len(), 1);
    assert_eq!(res[0].trace_id, id);
    assert_eq!(res[0].span_count as usize, traces[49].len());
    assert_eq!(res[0].root_service, "web-frontend");
    assert!(res[0].root_name.starts_with("POST /v1/"));
}

#[test]
fn catalogs_list_services_operations_tags_and_dependencies() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path(), test_options()).expect("open");
    let mut w = Workload::new(2, T0);
    let spans: Vec<_> = (0..200).flat_map(|_| w.next_trace()).collect();
    let (a, b) = spans.split_at(spans.len() / 2);
    store.append(&w.batch(a.iter().cloned())).expect("append");
    store.flush().expect("flush");
    store.append(&w.batch(b.iter().cloned())).expect("append");
    let services = store.services();
    let want = [
        "inference-server",
        "llm-gateway",
        "postgres",
        "vector-store",
        "web-frontend",
    ];
    assert_eq!(services, want.map(String::from));
    let ops = store.operations("inference-server");
    assert!(
        ops.iter()
            .any(|o| o.name == "prefill" && o.kind == SpanKind::Internal)
    );
    assert!(
        ops.iter()
            .any(|o| o.name == "POST /v1/chat/completions" && o.kind == SpanKind::Server)
    );
    assert!(
        store
            .tag_names(TagScope::Span)
            .contains(&"gen_ai.request.model".to_string())
    );
    assert!(
        store
            .tag_names(TagScope::Resource)
            .contains(&"service.instance.id".to_string())
    );
    assert!(
        store
            .tag_names(TagScope::Event)
            .contains(&"exception.type".to_string())
    );
    let models = store.tag_values(&Field::attr(AttrScope::Span, "gen_ai.request.model"), 10);
    assert_eq!(models.len(), 4);
    assert!(models.contains(&TagValue::String("gpt-4o-mini".into())));
    let kinds = store.tag_values(&Field::Intrinsic(Intrinsic::Kind), 10);
    assert!(kinds.contains(&TagValue::Keyword("server")));
    let deps = store.dependencies(0, u64::MAX);
    let edge = |p: &str, c: &str| {
        deps.iter()
            .find(|d| d.parent == p && d.child == c)
            .map(|d| d.call_count)
    };
    assert_eq!(edge("web-frontend", "llm-gateway"), Some(200));
    assert!(edge("llm-gateway", "inference-server").unwrap_or(0) >= 200);
    assert!(edge("llm-gateway", "postgres").unwrap_or(0) >= 200);
    assert_eq!(edge("inference-server", "llm-gateway"), None);
}

#[test]
fn search_is_newest_first_with_jaeger_and_traceql_conditions() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path(), test_options()).expect("open");
    let mut w = Workload::new(3, T0);
    for round in 0..4 {
        let spans: Vec<_> = (0..100).flat_map(|_| w.next_trace()).collect();
        store.append(&w.batch(spans)).expect("append");
        if round < 3 {
            store.flush().expect("flush");
        }
    }
    let req = SearchRequest {
        service: Some("llm-gateway".into()),
        tags: vec![("gen_ai.request.model".into(), "gpt-4o-mini".into())],
        limit: 20,
        ..SearchRequest::default()
    };
    let res = store.search(&req).expect("search");
    assert_eq!(res.len(), 20);
    assert!(
        res.windows(2)
            .all(|p| p[0].start_unix_nano >= p[1].start_unix_nano)
    );
    for r in &res {
        let t = store
            .trace(&r.trace_id, None)
            .expect("read")
            .expect("found");
        assert!(t.batch.spans().any(|(rs, _, s)| {
            rs.resource.service_name() == Some("llm-gateway")
                && s.attributes.iter().any(|kv| {
                    kv.key == "gen_ai.request.model" && kv.value.as_str() == Some("gpt-4o-mini")
                })
        }));
        assert!(!r.matched.is_empty());
    }
    // error=true and a TraceQL tree: { span.http.response.status_code >= 500 || status = error }
    let errors = store
        .search(&SearchRequest {
            tags: vec![("error".into(), "true".into())],
            limit: 1000,
            ..SearchRequest::default()
        })
        .expect("search");
    let tree = SpanFilter::Or(vec![
        SpanFilter::cond(
            Field::attr(AttrScope::Span, "http.response.status_code"),
            Op::Ge,
            Literal::Int(500),
        ),
        SpanFilter::cond(
            Field::Intrinsic(Intrinsic::Status),
            Op::Eq,
            Literal::Status(model::trace::StatusCode::Error),
        ),
    ]);
    let ql = store
        .search(&SearchRequest {
            filter: tree,
            limit: 1000,
            ..SearchRequest::default()
        })
        .expect("search");
    assert!(!errors.is_empty());
    assert!(ql.len() >= errors.len());
    let slow = store
        .search(&SearchRequest {
            min_duration: Some(Duration::from_secs(2)),
            operation: Some("execute_tool web_search".into()),
            limit: 1000,
            ..SearchRequest::default()
        })
        .expect("search");
    for r in &slow {
        let t = store
            .trace(&r.trace_id, None)
            .expect("read")
            .expect("found");
        assert!(
            t.batch
                .spans()
                .any(|(_, _, s)| s.name == "execute_tool web_search"
                    && s.duration_nanos() >= 2_000_000_000)
        );
    }
    let regex = SpanFilter::cond(
        Field::attr(AttrScope::Unscoped, "gen_ai.request.model"),
        Op::Match,
        Literal::regex("llama-.*").expect("regex"),
    );
    let r = store
        .search(&SearchRequest {
            filter: regex,
            limit: 5,
            ..SearchRequest::default()
        })
        .expect("search");
    assert_eq!(r.len(), 5);
}

#[test]
fn retention_drops_whole_old_segments() {
    let dir = tempfile::tempdir().expect("tempdir");
    let opts = test_options()
        .retention_time(Some(Duration::from_secs(3600)))
        .segment_window(Duration::from_secs(600));
    let store = Store::open(dir.path(), opts).expect("open");
    let mut w = Workload::new(4, T0);
    w.gap = 2_000_000_000; // a trace every 2 s on average: 2 hours of data
    let mut firsts = Vec::new();
    for _ in 0..3 {
        let spans: Vec<_> = (0..1200).flat_map(|_| w.next_trace()).collect();
        firsts.push(spans[0].1.trace_id);
        store.append(&w.batch(spans)).expect("append");
        store.flush().expect("flush");
    }
    let before = store.stats();
    assert!(before.segments >= 6, "{before:?}");
    store.maintain().expect("maintain");
    let after = store.stats();
    assert!(after.segments < before.segments, "{after:?}");
    assert!(store.trace(&firsts[0], None).expect("read").is_none());
    assert!(store.trace(&firsts[2], None).expect("read").is_some());
    drop(store);
    let store = Store::open(dir.path(), test_options().retention_size(Some(1))).expect("reopen");
    store.maintain().expect("maintain");
    assert_eq!(store.stats().segments, 0);
}

#[test]
fn a_full_head_pushes_back_until_flushed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path(), test_options().head_max_bytes(10_000)).expect("open");
    let mut w = Workload::new(5, T0);
    let spans: Vec<_> = (0..20).flat_map(|_| w.next_trace()).collect();
    let batch = w.batch(spans);
    store.append(&batch).expect("first append fits");
    let err = store
        .append(&batch)
        .expect_err("head over twice its budget");
    assert!(
        matches!(err, otelstore_traces::Error::Backpressure { .. }),
        "{err}"
    );
    store
        .maintain()
        .expect("maintain flushes the over-budget head");
    store.append(&batch).expect("accepted again");
}
