//! Socket benchmark of the trace path through the real `otelstore` binary.
//!
//! Pre-encoded OTLP span batches of the trace store's LLM-service workload
//! (`crates/traces/tests/it/workload.rs`: six services, about 12 spans per trace, gen_ai /
//! http / db attributes, events and links) are sent by several concurrent clients at once,
//! half of them over OTLP/HTTP protobuf and half over OTLP/gRPC. With the head flushed, it
//! prints bytes per span on disk, trace-by-id latency over HTTP
//! (Tempo protobuf, what Grafana asks for, and Jaeger JSON) with everything stored, and
//! search latency for service + one attribute with limit 20 (Jaeger tags and TraceQL).
//!
//! `cargo bench -p otelstore-server --bench traces`. Cargo builds the `otelstore` binary
//! with the bench profile before it runs a bench and hands over its path in
//! `CARGO_BIN_EXE_otelstore`, so the server measured is the optimised build of this tree.
//! Env: `BENCH_SPANS` total spans (default 5_000_000; 300_000 for a quick run; 20_000 when
//! `cargo test --all-targets` runs it as a smoke test),
//! `BENCH_CLIENTS` concurrent clients per transport (default 2).

#![allow(clippy::print_stdout, missing_docs, unreachable_pub)]

#[path = "traces/client.rs"]
mod client;
#[path = "traces/requests.rs"]
mod requests;
#[path = "traces/server.rs"]
mod server;
#[path = "../../traces/tests/it/workload.rs"]
mod workload;

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use opentelemetry_proto::tonic::trace::v1::TracesData;
use prost::Message;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use client::Getter;
use server::Server;

const HOUR: u64 = 3_600_000_000_000;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

fn pct(v: &mut [Duration], p: f64) -> Duration {
    v.sort_unstable();
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --all-targets` runs this binary without it,
    // and then a small run keeps the code path tested without taking minutes.
    let bench = std::env::args().any(|a| a == "--bench");
    let total = env("BENCH_SPANS", if bench { 5_000_000 } else { 20_000 });
    let clients = env("BENCH_CLIENTS", 2).max(1);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_nanos() as u64;
    // Traces start over two hours ending an hour ago: two or three segment windows.
    let (t0, range) = (now - 3 * HOUR, 2 * HOUR);

    let t = Instant::now();
    let mut data = requests::generate(total, t0, range, 2);
    let bytes: usize = data.batches.iter().map(|b| b.bytes.len()).sum();
    println!(
        "workload: {} spans in {} traces ({:.1} spans/trace), {} requests, {:.0} B/span as OTLP protobuf, encoded in {:.1?}",
        data.spans,
        data.traces.len(),
        data.spans as f64 / data.traces.len() as f64,
        data.batches.len(),
        bytes as f64 / data.spans as f64,
        t.elapsed()
    );

    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("data");
    let srv = Server::start(&dir);
    let batches = std::mem::take(&mut data.batches)
        .into_iter()
        .map(|b| (b.bytes, b.spans))
        .collect();
    let mut r = client::ingest(&srv.otlp_http, &srv.otlp_grpc, batches, clients, clients);
    println!(
        "ingest: {} spans in {:.1?} from {clients} OTLP/HTTP + {clients} OTLP/gRPC clients: {:.0} spans/s (median second {:.0} spans/s; {} over HTTP, {} over gRPC; {} retries)",
        r.spans,
        r.elapsed,
        r.spans as f64 / r.elapsed.as_secs_f64(),
        median(&mut r.per_second),
        r.by_transport[0],
        r.by_transport[1],
        r.retries
    );

    // The server flushes when its head is over budget or 15 minutes old; to measure every
    // span in segments, stop it and flush the rest with the library, then start it again.
    let segs = dir.join("traces/segments");
    let by_server = server::dir_bytes(&segs, Some("seg"));
    srv.stop();
    let t = Instant::now();
    let opts = otelstore::traces::Options::default().maintenance_interval(None);
    let store = otelstore::traces::Store::open(dir.join("traces"), opts).expect("open traces");
    store.flush().expect("flush");
    store.close().expect("close");
    let seg = server::dir_bytes(&segs, Some("seg"));
    let wal = server::dir_bytes(&dir.join("traces/wal"), None);
    println!(
        "on disk after flush: {seg} segment bytes = {:.1} B/span ({by_server} bytes flushed by the server during ingest; rest flushed in {:.1?}; WAL left {wal} bytes)",
        seg as f64 / data.spans as f64,
        t.elapsed()
    );
    let srv = Server::start(&dir);

    let g = Getter::new(&srv.http);
    let mut rng = SmallRng::seed_from_u64(42);
    let n = env("BENCH_LOOKUPS", if bench { 2000 } else { 20 });
    for (name, path, accept) in [
        (
            "Tempo v2 protobuf",
            "/tempo/api/v2/traces/",
            "application/protobuf",
        ),
        (
            "Tempo v1 protobuf",
            "/tempo/api/traces/",
            "application/protobuf",
        ),
        ("Jaeger JSON", "/jaeger/api/traces/", "application/json"),
    ] {
        let mut lat = Vec::with_capacity(n);
        for _ in 0..n {
            let tr = data.traces[rng.gen_range(0..data.traces.len())];
            let (d, status, body) = g.get(&format!("{path}{}", tr.id.to_hex()), accept);
            assert_eq!(status, 200, "trace {} not found", tr.id);
            lat.push(d);
            if accept == "application/protobuf" && path.ends_with("/api/traces/") {
                let got: usize = TracesData::decode(&body[..])
                    .expect("Trace")
                    .resource_spans
                    .iter()
                    .flat_map(|r| &r.scope_spans)
                    .map(|s| s.spans.len())
                    .sum();
                assert_eq!(got, tr.spans as usize, "trace {}: span count", tr.id);
            }
        }
        println!(
            "trace by id over HTTP ({name}, {} spans stored): p50 {:.2?} p99 {:.2?}",
            data.spans,
            pct(&mut lat, 0.5),
            pct(&mut lat, 0.99)
        );
    }

    // Search: service + one attribute, limit 20, over everything and over random 10-minute
    // windows inside the data.
    let (lo, hi) = (t0, t0 + range);
    let queries: [(&str, &str, &str); 3] = [
        ("llm-gateway", "gen_ai.request.model", "gpt-4o-mini"),
        ("llm-gateway", "error.type", "timeout"),
        ("inference-server", "http.route", "/v1/chat/completions"),
    ];
    let runs = env("BENCH_SEARCHES", if bench { 200 } else { 4 });
    for (svc, k, v) in queries {
        for api in ["Jaeger", "Tempo"] {
            let mut lat = Vec::with_capacity(runs);
            let mut found = 0usize;
            for i in 0..runs {
                let (a, b) = if i % 2 == 0 {
                    (lo, hi + HOUR)
                } else {
                    let end = rng.gen_range(lo..hi);
                    (end - HOUR / 6, end)
                };
                let path = if api == "Jaeger" {
                    format!(
                        "/jaeger/api/traces?service={}&tags={}&limit=20&start={}&end={}",
                        encode(svc),
                        encode(&format!("{{\"{k}\":\"{v}\"}}")),
                        a / 1000,
                        b / 1000
                    )
                } else {
                    let q =
                        format!("{{ resource.service.name = \"{svc}\" && span.{k} = \"{v}\" }}");
                    format!(
                        "/tempo/api/search?q={}&limit=20&start={}&end={}",
                        encode(&q),
                        a / 1_000_000_000,
                        b / 1_000_000_000
                    )
                };
                let (d, status, body) = g.get(&path, "application/json");
                assert_eq!(status, 200, "{path}: {}", String::from_utf8_lossy(&body));
                lat.push(d);
                let v: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
                found += v[if api == "Jaeger" { "data" } else { "traces" }]
                    .as_array()
                    .map_or(0, Vec::len);
            }
            println!(
                "search {api} service={svc} {k}={v} limit 20: p50 {:.2?} p95 {:.2?} ({:.1} traces per answer)",
                pct(&mut lat, 0.5),
                pct(&mut lat, 0.95),
                found as f64 / runs as f64
            );
        }
    }
}
