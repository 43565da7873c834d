//! Restarts with spans: a clean SIGTERM stop keeps every span of the workload, and SIGKILL
//! while clients export spans over OTLP/HTTP and OTLP/gRPC keeps every acknowledged span
//! (traces split over two requests included).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value::Value as V};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};

use crate::spans::workload::TRACES;
use crate::spans::{
    Workload, all_spans, check_exact, fetch, send_all, try_send_grpc, try_send_http,
};
use crate::support::TestServer;

#[test]
fn sigterm_restart_keeps_every_span() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let s = TestServer::start_in(&data, &[]);
    let w = Workload::recent();
    send_all(&s, &w);
    s.stop();
    let s = TestServer::start_in(&data, &[]);
    for i in 0..TRACES {
        let stored = fetch(&s, &Workload::trace_hex(i)).expect("trace after restart");
        check_exact(&stored, &w, i);
    }
    // Search and the catalogs come back too.
    let (status, body) = s.get("/jaeger/api/services");
    assert_eq!(status, 200);
    assert!(body.contains("llm-gateway"), "{body}");
}

/// Trace `n`'s id.
fn trace_id(n: u64) -> Vec<u8> {
    let mut id = vec![0xee; 8];
    id.extend(n.to_le_bytes());
    id
}

fn span(n: u64, k: u8, base: u64) -> Span {
    let start = base + n * 1_000_000;
    Span {
        trace_id: trace_id(n),
        span_id: vec![
            0x5a,
            0,
            0,
            0,
            (n >> 16) as u8,
            (n >> 8) as u8,
            n as u8,
            k + 1,
        ],
        parent_span_id: if k == 0 {
            Vec::new()
        } else {
            vec![0x5a, 0, 0, 0, (n >> 16) as u8, (n >> 8) as u8, n as u8, 1]
        },
        name: format!("op{k}"),
        kind: 2,
        start_time_unix_nano: start + u64::from(k) * 1000,
        end_time_unix_nano: start + 500_000,
        attributes: vec![KeyValue {
            key: "batch".into(),
            value: Some(AnyValue {
                value: Some(V::IntValue(n as i64)),
            }),
            ..Default::default()
        }],
        ..Default::default()
    }
}

/// Batch `n`: spans 0..3 of trace `n` and spans 3..5 of trace `n - 1`, so each trace
/// arrives in two requests.
fn batch(n: u64, base: u64) -> (ExportTraceServiceRequest, Vec<(u64, Vec<u8>)>) {
    let mut spans: Vec<Span> = (0..3).map(|k| span(n, k, base)).collect();
    if n > 0 {
        spans.extend((3..5).map(|k| span(n - 1, k, base)));
    }
    let ids = spans
        .iter()
        .map(|s| {
            (
                u64::from_le_bytes(s.trace_id[8..].try_into().expect("8 bytes")),
                s.span_id.clone(),
            )
        })
        .collect();
    let req = ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: vec![KeyValue {
                    key: "service.name".into(),
                    value: Some(AnyValue {
                        value: Some(V::StringValue("ingest".into())),
                    }),
                    ..Default::default()
                }],
                ..Default::default()
            }),
            scope_spans: vec![ScopeSpans {
                spans,
                ..Default::default()
            }],
            ..Default::default()
        }],
    };
    (req, ids)
}

#[test]
fn sigkill_under_span_ingest_keeps_every_acknowledged_span() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let s = Arc::new(TestServer::start_in(&data, &[]));
    let base = (crate::support_now() as u64 / 1000 - 60) * 1_000_000_000;
    let acked: Arc<Mutex<BTreeMap<u64, BTreeSet<Vec<u8>>>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    // Two clients: even batches over HTTP, odd ones over gRPC.
    let writers: Vec<_> = (0..2u64)
        .map(|lane| {
            let (s, acked, stop) = (Arc::clone(&s), Arc::clone(&acked), Arc::clone(&stop));
            std::thread::spawn(move || {
                let mut n = lane;
                while !stop.load(Ordering::Acquire) {
                    let (req, ids) = batch(n, base);
                    let ok = if lane == 0 {
                        try_send_http(&s, &req) == Some(200)
                    } else {
                        try_send_grpc(&s.otlp_grpc, &req)
                    };
                    if !ok {
                        break;
                    }
                    let mut a = acked.lock().expect("lock");
                    for (t, id) in ids {
                        a.entry(t).or_default().insert(id);
                    }
                    n += 2;
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(1500));
    s.kill();
    stop.store(true, Ordering::Release);
    for w in writers {
        w.join().expect("writer");
    }
    drop(s);
    let acked = std::mem::take(&mut *acked.lock().expect("lock"));
    let total: usize = acked.values().map(BTreeSet::len).sum();
    assert!(total > 100, "only {total} spans were acknowledged");
    let s = TestServer::start_in(&data, &[]);
    for (n, want) in &acked {
        let id: String = trace_id(*n).iter().map(|b| format!("{b:02x}")).collect();
        let stored = fetch(&s, &id).unwrap_or_else(|| panic!("trace {n} lost after SIGKILL"));
        let got: BTreeSet<Vec<u8>> = all_spans(&stored)
            .into_iter()
            .map(|sp| sp.span_id)
            .collect();
        let missing: Vec<_> = want.difference(&got).collect();
        assert!(
            missing.is_empty(),
            "trace {n}: acknowledged spans lost: {missing:?}"
        );
        // Nothing that was never sent shows up.
        assert!(got.len() <= 5, "trace {n}: {} spans", got.len());
    }
}
