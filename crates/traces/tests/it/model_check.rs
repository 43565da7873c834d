//! The store against an in-memory oracle: random appends (traces delivered in several
//! parts over time), flushes, maintenance with a small head budget, and reopens; after
//! every step, trace-by-id and searches must agree with the oracle.

use std::collections::HashMap;
use std::time::Duration;

use model::trace::{AnyValue, Span, StatusCode, TraceId};
use otelstore_traces::{SearchRequest, Store};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use crate::support::{append, normalize, test_options, trace_spans};
use crate::workload::{GenSpan, Workload};

const T0: u64 = 1_700_000_000_000_000_000;

#[derive(Default)]
struct Oracle {
    traces: HashMap<TraceId, Vec<(String, Span)>>,
}

impl Oracle {
    fn search(&self, req: &SearchRequest) -> Vec<TraceId> {
        let mut hits: Vec<(u64, TraceId)> = Vec::new();
        for (id, spans) in &self.traces {
            let any = spans.iter().any(|(svc, s)| {
                req.service.as_ref().is_none_or(|want| want == svc)
                    && req.operation.as_ref().is_none_or(|op| *op == s.name)
                    && (req.start_unix_nano..=req.end_unix_nano).contains(&s.start_time_unix_nano)
                    && req
                        .min_duration
                        .is_none_or(|d| s.duration_nanos() >= d.as_nanos() as u64)
                    && req.tags.iter().all(|(k, v)| tag_matches(s, k, v))
            });
            if any {
                let start = spans
                    .iter()
                    .map(|(_, s)| s.start_time_unix_nano)
                    .min()
                    .unwrap_or(0);
                hits.push((start, *id));
            }
        }
        hits.sort_by(|a, b| b.cmp(a));
        hits.into_iter().take(req.limit).map(|h| h.1).collect()
    }
}

/// Jaeger's tag semantics for the tags the test uses (none is a resource attribute).
fn tag_matches(s: &Span, k: &str, v: &str) -> bool {
    if k == "error" {
        return (s.status.code == StatusCode::Error) == (v == "true");
    }
    let text = |a: &AnyValue| a.to_text() == v;
    s.attributes.iter().any(|kv| kv.key == k && text(&kv.value))
        || s.events
            .iter()
            .flat_map(|e| &e.attributes)
            .any(|kv| kv.key == k && text(&kv.value))
}

fn run(seed: u64, steps: usize) {
    let dir = tempfile::tempdir().expect("tempdir");
    let opts = || {
        test_options()
            .head_max_bytes(300_000)
            .index_max_values(if seed.is_multiple_of(2) { 1000 } else { 3 })
            .block_spans(64)
    };
    let mut store = Store::open(dir.path(), opts()).expect("open");
    let mut w = Workload::new(seed, T0);
    w.gap = 50_000_000;
    let mut rng = SmallRng::seed_from_u64(seed);
    let mut oracle = Oracle::default();
    let mut pending: Vec<Vec<GenSpan>> = Vec::new();
    let services = [
        "web-frontend",
        "llm-gateway",
        "inference-server",
        "postgres",
    ];
    for step in 0..steps {
        match rng.gen_range(0..10) {
            0..=5 => {
                let mut deliver: Vec<GenSpan> = Vec::new();
                for _ in 0..rng.gen_range(1..8) {
                    let mut t = w.next_trace();
                    let cut = rng.gen_range(1..=t.len());
                    pending.push(t.split_off(cut));
                    deliver.extend(t);
                }
                // Late parts of earlier traces.
                for _ in 0..rng.gen_range(0..3) {
                    if !pending.is_empty() {
                        let i = rng.gen_range(0..pending.len());
                        deliver.extend(pending.swap_remove(i));
                    }
                }
                for (o, s) in &deliver {
                    let svc = w.origins()[*o].resource.service_or_default().to_owned();
                    oracle
                        .traces
                        .entry(s.trace_id)
                        .or_default()
                        .push((svc, s.clone()));
                }
                let out = append(&store, &w.batch(deliver));
                assert_eq!(out.rejected, 0);
            }
            6 => store.flush().expect("flush"),
            7 => store.maintain().expect("maintain"),
            8 => {
                store.close().expect("close");
                store = Store::open(dir.path(), opts()).expect("reopen");
            }
            _ => {}
        }
        // Trace by id for a sample, and a missing id.
        let ids: Vec<TraceId> = oracle.traces.keys().copied().collect();
        for _ in 0..5.min(ids.len()) {
            let id = ids[rng.gen_range(0..ids.len())];
            let got = store
                .trace(&id, None)
                .expect("read")
                .expect("stored trace found");
            assert_eq!(
                normalize(trace_spans(&got)),
                normalize(oracle.traces[&id].clone()),
                "seed {seed} step {step}: trace {id}"
            );
        }
        assert!(
            store
                .trace(&TraceId([0xab; 16]), None)
                .expect("read")
                .is_none()
        );
        // A search.
        let mut req = SearchRequest {
            service: Some(services[rng.gen_range(0..services.len())].into()),
            limit: rng.gen_range(1..15),
            ..SearchRequest::default()
        };
        match rng.gen_range(0..4) {
            0 => req
                .tags
                .push(("gen_ai.request.model".into(), "gpt-4o-mini".into())),
            1 => req.tags.push(("error".into(), "true".into())),
            2 => req
                .tags
                .push(("http.response.status_code".into(), "200".into())),
            _ => req.min_duration = Some(Duration::from_millis(500)),
        }
        if rng.gen_bool(0.3) {
            req.start_unix_nano = T0 + rng.gen_range(0..w.clock.saturating_sub(T0).max(1));
        }
        let got: Vec<TraceId> = store
            .search(&req)
            .expect("search")
            .iter()
            .map(|s| s.trace_id)
            .collect();
        assert_eq!(got, oracle.search(&req), "seed {seed} step {step}: {req:?}");
    }
}

#[test]
fn store_agrees_with_oracle() {
    for seed in 1..=4 {
        run(seed, 60);
    }
}
