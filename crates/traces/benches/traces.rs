//! Trace store benchmark on the realistic LLM-service workload (`tests/it/workload.rs`):
//! ingest throughput from several threads, bytes per span on disk after flush, trace-by-id
//! latency with millions of spans stored, and search latency for service + one attribute.
//!
//! `cargo bench -p otelstore-traces --bench traces` (env: `SPANS` total spans, default
//! 5_000_000; `THREADS` ingest threads, default 2; `DIR` data directory, default a temp dir).

#![allow(clippy::print_stdout, missing_docs, unreachable_pub)]

#[path = "../tests/it/workload.rs"]
mod workload;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use model::trace::{ResourceSpans, ScopeSpans, Span, TraceBatch, TraceId};
use otelstore_traces::{Options, SearchRequest, Store};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use workload::Workload;

const T0: u64 = 1_700_000_000_000_000_000;
/// Spans per export request, as the SDK's batch span processor sends them.
const BATCH: usize = 512;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

/// Export requests the way SDKs send them: per service instance (resource), up to 512 spans,
/// grouped by scope. The spans of one trace end up in several requests.
fn export_batches(w: &Workload, spans: Vec<(usize, Span)>) -> Vec<TraceBatch> {
    let mut by_resource: HashMap<String, Vec<(usize, Span)>> = HashMap::new();
    for (o, s) in spans {
        let key = format!("{:?}", w.origins()[o].resource.attributes[2].value);
        by_resource.entry(key).or_default().push((o, s));
    }
    let mut out = Vec::new();
    let mut keys: Vec<_> = by_resource.keys().cloned().collect();
    keys.sort();
    for k in keys {
        let spans = by_resource.remove(&k).unwrap_or_default();
        for chunk in spans.chunks(BATCH) {
            let mut scopes: HashMap<usize, Vec<Span>> = HashMap::new();
            for (o, s) in chunk {
                scopes.entry(*o).or_default().push(s.clone());
            }
            let mut origins: Vec<_> = scopes.into_iter().collect();
            origins.sort_by_key(|x| x.0);
            let resource = w.origins()[origins[0].0].resource.clone();
            out.push(TraceBatch {
                resource_spans: vec![ResourceSpans {
                    resource,
                    schema_url: String::new(),
                    scope_spans: origins
                        .into_iter()
                        .map(|(o, spans)| ScopeSpans {
                            scope: w.origins()[o].scope.clone(),
                            schema_url: String::new(),
                            spans,
                        })
                        .collect(),
                }],
            });
        }
    }
    out
}

/// A thread's pool of requests, replayed with fresh ids and later times each round.
struct Pool {
    batches: Vec<TraceBatch>,
    spans: usize,
    trace_ids: Vec<TraceId>,
    duration: u64,
}

fn pool(seed: u64, traces: usize) -> Pool {
    let mut w = Workload::new(seed, T0);
    w.gap = 2_000_000; // ~500 traces/s per thread: realistic timestamps for the data volume
    let spans: Vec<_> = (0..traces).flat_map(|_| w.next_trace()).collect();
    let n = spans.len();
    let mut ids: Vec<TraceId> = spans.iter().map(|s| s.1.trace_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let duration = w.clock - T0 + 60_000_000_000;
    Pool {
        batches: export_batches(&w, spans),
        spans: n,
        trace_ids: ids,
        duration,
    }
}

/// The id change of round `r` relative to round 0.
fn key(r: u64) -> u64 {
    r.wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

fn remap(id: &mut [u8], x: u64) {
    let v = u64::from_le_bytes(id[..8].try_into().unwrap_or_default()) ^ x;
    id[..8].copy_from_slice(&v.to_le_bytes());
}

/// Gives the pool's spans the ids and times of round `round` (from round `round - 1`).
fn advance(p: &mut Pool, round: u64) {
    let shift = p.duration;
    let x = key(round) ^ key(round - 1);
    for b in &mut p.batches {
        for rs in &mut b.resource_spans {
            for ss in &mut rs.scope_spans {
                for s in &mut ss.spans {
                    remap(&mut s.trace_id.0, x);
                    remap(&mut s.span_id.0, x);
                    if let Some(p) = &mut s.parent_span_id {
                        remap(&mut p.0, x);
                    }
                    for l in &mut s.links {
                        remap(&mut l.trace_id.0, x);
                        remap(&mut l.span_id.0, x);
                    }
                    s.start_time_unix_nano += shift;
                    s.end_time_unix_nano += shift;
                    for e in &mut s.events {
                        e.time_unix_nano += shift;
                    }
                }
            }
        }
    }
}

fn percentile(v: &mut [Duration], p: f64) -> Duration {
    v.sort_unstable();
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    // `cargo test --all-targets` runs this binary without `--bench` (unoptimised): then a
    // small run keeps the code path tested without taking minutes.
    let bench = std::env::args().any(|a| a == "--bench");
    let total = env("SPANS", if bench { 5_000_000 } else { 20_000 });
    let threads = env("THREADS", 2).max(1);
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = std::env::var("DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| tmp.path().to_path_buf());
    let head_mb = env("HEAD_MB", 512);
    let opts = Options::default()
        .head_max_bytes(head_mb << 20)
        .trace_idle(Duration::from_secs(2))
        .maintenance_interval(Some(Duration::from_secs(1)))
        .retention_time(None);
    let store = Arc::new(Store::open(&dir, opts.clone()).expect("open"));

    // Pools are generated before the clock starts.
    let t = Instant::now();
    let per_thread = total / threads;
    let pools: Vec<Pool> = (0..threads).map(|i| pool(100 + i as u64, 3000)).collect();
    println!(
        "workload: {} spans/trace avg, {} requests of <= {BATCH} spans per pool, generated in {:.1?}",
        pools[0].spans as f64 / pools[0].trace_ids.len() as f64,
        pools[0].batches.len(),
        t.elapsed()
    );

    // Ingest.
    let start = Instant::now();
    let handles: Vec<_> = pools
        .into_iter()
        .map(|mut p| {
            let store = Arc::clone(&store);
            std::thread::spawn(move || {
                let mut done = 0usize;
                let mut ids = Vec::new();
                let mut round = 0u64;
                let mut refused = 0u64;
                while done < per_thread {
                    if round > 0 {
                        advance(&mut p, round);
                    }
                    ids.extend(p.trace_ids.iter().map(|id| {
                        let mut id = *id;
                        remap(&mut id.0, key(round));
                        id
                    }));
                    for b in &p.batches {
                        let out = loop {
                            match store.append(b) {
                                Err(otelstore_traces::Error::Backpressure { .. }) => {
                                    refused += 1;
                                    std::thread::sleep(Duration::from_millis(5));
                                }
                                r => break r.expect("append"),
                            }
                        };
                        done += out.accepted as usize;
                    }
                    round += 1;
                }
                (done, ids, refused, round * p.duration)
            })
        })
        .collect();
    let mut ids: Vec<TraceId> = Vec::new();
    let mut spans = 0;
    let mut data_span = 0u64;
    let mut refused = 0;
    for h in handles {
        let (n, i, r, span) = h.join().expect("ingest thread");
        refused += r;
        spans += n;
        ids.extend(i);
        data_span = data_span.max(span);
    }
    let ingest = start.elapsed();
    println!(
        "ingest: {spans} spans from {threads} threads in {ingest:.2?} = {:.0} spans/s (WAL sync every 200 ms, background flushes; {refused} appends refused for backpressure and retried)",
        spans as f64 / ingest.as_secs_f64()
    );
    // Search while recent spans are still in the head (scanned, not indexed).
    let head_spans = store.stats().head_spans;
    let mut lat = Vec::new();
    for _ in 0..20 {
        let req = SearchRequest {
            service: Some("llm-gateway".into()),
            tags: vec![("gen_ai.request.model".into(), "gpt-4o-mini".into())],
            limit: 20,
            ..SearchRequest::default()
        };
        let t = Instant::now();
        store.search(&req).expect("search");
        lat.push(t.elapsed());
    }
    println!(
        "search with {head_spans} spans in the head: p50 {:.2?} p95 {:.2?}",
        percentile(&mut lat, 0.5),
        percentile(&mut lat, 0.95)
    );
    let t = Instant::now();
    store.flush().expect("flush");
    let stats = store.stats();
    let total_time = ingest + t.elapsed();
    println!(
        "sustained: {:.0} spans/s from the first append until every span is in a segment ({total_time:.2?})",
        spans as f64 / total_time.as_secs_f64()
    );
    println!(
        "flush of the rest: {:.2?}; {} segments, {} spans, {} traces",
        t.elapsed(),
        stats.segments,
        stats.segment_spans,
        stats.segment_traces
    );
    println!(
        "disk: {} segment bytes = {:.1} bytes/span ({:.0} bytes/trace), WAL {} bytes",
        stats.segment_bytes,
        stats.segment_bytes as f64 / stats.segment_spans as f64,
        stats.segment_bytes as f64 / stats.segment_traces as f64,
        stats.wal_bytes
    );
    drop(store);
    if std::env::var("STOP_AFTER_FLUSH").is_ok() {
        return;
    }
    let t = Instant::now();
    let store = Store::open(&dir, opts.maintenance_interval(None)).expect("reopen");
    println!("reopen: {:.2?}", t.elapsed());

    // Trace by id.
    let mut rng = SmallRng::seed_from_u64(7);
    let mut hit = Vec::new();
    let mut miss = Vec::new();
    for i in 0..if bench { 20_000 } else { 100 } {
        if i % 10 == 0 {
            let id = TraceId(rng.r#gen::<u128>().to_le_bytes());
            let t = Instant::now();
            let r = store.trace(&id, None).expect("read");
            miss.push(t.elapsed());
            assert!(r.is_none());
        } else {
            let id = ids[rng.gen_range(0..ids.len())];
            let t = Instant::now();
            let r = store.trace(&id, None).expect("read");
            hit.push(t.elapsed());
            assert!(r.is_some(), "trace {id} not found");
        }
    }
    println!(
        "trace by id ({} stored spans): existing p50 {:.2?} p99 {:.2?}; missing p50 {:.2?} p99 {:.2?}",
        spans,
        percentile(&mut hit, 0.5),
        percentile(&mut hit, 0.99),
        percentile(&mut miss, 0.5),
        percentile(&mut miss, 0.99)
    );

    // Search: service + one attribute, limit 20, over the whole range and random 1 h windows.
    let queries: [(&str, &str, &str); 4] = [
        ("llm-gateway", "gen_ai.request.model", "gpt-4o-mini"),
        ("llm-gateway", "http.response.status_code", "502"),
        ("inference-server", "http.route", "/v1/chat/completions"),
        ("llm-gateway", "error.type", "timeout"),
    ];
    for (svc, k, v) in queries {
        let mut lat = Vec::new();
        let mut found = 0;
        for i in 0..if bench { 200 } else { 4 } {
            let mut req = SearchRequest {
                service: Some(svc.into()),
                tags: vec![(k.into(), v.into())],
                limit: 20,
                ..SearchRequest::default()
            };
            if i % 2 == 1 {
                // A random 10-minute window inside the data.
                let end = T0 + rng.gen_range(0..data_span.max(1));
                req.start_unix_nano = end.saturating_sub(600_000_000_000);
                req.end_unix_nano = end;
            }
            let t = Instant::now();
            let r = store.search(&req).expect("search");
            lat.push(t.elapsed());
            found += r.len();
        }
        println!(
            "search service={svc} {k}={v} limit 20: p50 {:.2?} p95 {:.2?} ({:.1} results avg)",
            percentile(&mut lat, 0.5),
            percentile(&mut lat, 0.95),
            found as f64 / 200.0
        );
    }
    let t = Instant::now();
    let deps = store.dependencies(0, u64::MAX);
    println!(
        "dependencies: {} edges in {:.2?}; services {:?}",
        deps.len(),
        t.elapsed(),
        store.services()
    );
}
