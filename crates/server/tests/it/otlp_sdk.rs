//! The real OpenTelemetry Python SDK against the real binary: `tests/python/workload.py`
//! exports a deterministic LLM-service workload (metrics and traces) over gRPC, HTTP/protobuf
//! and HTTP/JSON, gzip, cumulative and delta, into a server started with
//! `--otlp-namespace llama_stack`. Each case then checks, against the JSON summary of what
//! the script recorded:
//!
//! - every series of every instrument: the label set, the final value (exact) and the first
//!   stored value (exact, for series that existed at the warm-up export), and that counters
//!   never go backwards (delta conversion must not reset them);
//! - every query of `../shared/docs/scenario.md`, its result recomputed with Prometheus'
//!   arithmetic;
//! - `/api/v1/metadata` (type, unit, help), exemplars (trace ids of the workload, on the
//!   right buckets) and `target_info`.
//!
//! The tests fail, never skip, when `OTELSTORE_PYTHON` is unset (`scripts/test` sets it).

mod expect;
mod meta;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::support::{TestServer, json, run_workload};
use expect::{Labels, Summary, bucket_quantile, close, rate};
use meta::{check_exemplars, check_metadata, check_target_info};

/// The selector range of the scenario's `rate()` queries.
const RANGE_MS: i64 = 300_000;

/// Stored raw samples: family (with suffix) → labels → `(ms, value)`.
type Stored = BTreeMap<String, BTreeMap<Labels, Vec<(i64, f64)>>>;

#[test]
fn grpc_gzip_cumulative() {
    run_case("grpc", "cumulative", Via::OtlpPort);
}

#[test]
fn grpc_gzip_delta() {
    run_case("grpc", "delta", Via::OtlpPort);
}

#[test]
fn http_protobuf_gzip_cumulative() {
    run_case("http/protobuf", "cumulative", Via::OtlpPort);
}

#[test]
fn http_protobuf_gzip_delta() {
    run_case("http/protobuf", "delta", Via::OtlpPort);
}

#[test]
fn http_json_gzip_cumulative() {
    run_case("http/json", "cumulative", Via::OtlpPort);
}

#[test]
fn http_json_gzip_delta() {
    run_case("http/json", "delta", Via::OtlpPort);
}

#[test]
fn http_protobuf_uncompressed_to_the_prometheus_port() {
    run_case("http/protobuf", "cumulative", Via::PrometheusPort);
}

/// Where the metrics go.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Via {
    /// The OTLP port, gzip.
    OtlpPort,
    /// `/api/v1/otlp/v1/metrics` on the Prometheus port, uncompressed.
    PrometheusPort,
}

fn run_case(protocol: &str, temporality: &str, via: Via) {
    let s = TestServer::start(&["--otlp-namespace", "llama_stack"]);
    let endpoint = match protocol {
        "grpc" => format!("http://{}", s.otlp_grpc),
        _ => format!("http://{}", s.otlp_http),
    };
    let mut args = vec![
        "--endpoint".to_string(),
        endpoint,
        "--protocol".into(),
        protocol.into(),
        "--temporality".into(),
        temporality.into(),
        "--compression".into(),
        if via == Via::OtlpPort { "gzip" } else { "none" }.into(),
    ];
    if via == Via::PrometheusPort {
        args.push("--metrics-endpoint".into());
        args.push(s.url("/api/v1/otlp/v1/metrics"));
    }
    let summary: Summary = run_workload(&args);
    for (signal, calls) in &summary.exports {
        assert!(
            calls.ok > 0 && calls.failed == 0,
            "{signal} exports: {calls:?}"
        );
    }
    assert_eq!(summary.traces.count, summary.traces.list.len());
    // Everything was acknowledged before the script exited; query just after the last sample.
    let t = crate::support_now() + 1000;
    let stored = check_every_series(&s, &summary, t);
    check_scenario_queries(&s, &summary, &stored, t);
    check_metadata(&s, &summary);
    check_exemplars(&s, &summary, t);
    check_target_info(&s, &summary, t);
}

/// Runs an instant query at `t_ms`; returns the result array.
pub(crate) fn query(s: &TestServer, q: &str, t_ms: i64) -> Vec<Value> {
    let time = format!("{}.{:03}", t_ms / 1000, t_ms % 1000);
    let (status, body) = s.post_form("/api/v1/query", &[("query", q), ("time", &time)]);
    assert_eq!(status, 200, "{q}: {body}");
    let v = json(&body);
    v["data"]["result"].as_array().cloned().unwrap_or_default()
}

/// The labels of a result element, without `__name__`.
pub(crate) fn labels(r: &Value) -> Labels {
    let mut l: Labels = r["metric"]
        .as_object()
        .expect("metric")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
        .collect();
    l.remove("__name__");
    l
}

/// A sample value as the API renders it (`"1.5"`, `"NaN"`, `"+Inf"`).
pub(crate) fn number(v: &Value) -> f64 {
    match v.as_str().expect("value string") {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        other => other.parse().expect("number"),
    }
}

/// Compares every stored series with the summary: the same label sets, the final value,
/// the warm-up value, no decrease in cumulative series. Returns the raw samples.
fn check_every_series(s: &TestServer, summary: &Summary, t: i64) -> Stored {
    let mut stored = Stored::new();
    let mut expected: BTreeMap<String, BTreeMap<Labels, (f64, Option<f64>)>> = BTreeMap::new();
    for m in &summary.metrics {
        for ((family, l), v) in summary.expected(m) {
            expected.entry(family).or_default().insert(l, v);
        }
    }
    for (family, want) in &expected {
        let got: BTreeMap<Labels, Vec<(i64, f64)>> = query(s, &format!("{family}[5m]"), t)
            .iter()
            .map(|r| {
                let samples = r["values"].as_array().expect("values");
                let samples = samples
                    .iter()
                    .map(|p| {
                        (
                            (p[0].as_f64().expect("ts") * 1000.0).round() as i64,
                            number(&p[1]),
                        )
                    })
                    .collect();
                (labels(r), samples)
            })
            .collect();
        let (got_keys, want_keys): (BTreeSet<_>, BTreeSet<_>) =
            (got.keys().collect(), want.keys().collect());
        assert_eq!(got_keys, want_keys, "label sets of {family}");
        let monotonic = !family.ends_with("_concurrent_requests")
            && !family.ends_with("_active_requests")
            && !family.ends_with("_ratio");
        for (l, samples) in &got {
            let (last, first) = want[l];
            let values: Vec<f64> = samples.iter().map(|p| p.1).collect();
            assert_eq!(
                values.last().copied(),
                Some(last),
                "final value of {family}{l:?}: {values:?}"
            );
            if let Some(first) = first {
                assert_eq!(
                    values[0], first,
                    "warm-up value of {family}{l:?}: {values:?}"
                );
            }
            if monotonic {
                assert!(
                    values.windows(2).all(|w| w[0] <= w[1]),
                    "{family}{l:?} went backwards: {values:?}"
                );
            }
        }
        stored.insert(family.clone(), got);
    }
    stored
}

/// Every query of `../shared/docs/scenario.md`, with the result it must give.
fn check_scenario_queries(s: &TestServer, summary: &Summary, stored: &Stored, t: i64) {
    for kind in ["input", "output"] {
        let q = format!(
            "sum by(gen_ai_request_model) (llama_stack_gen_ai_client_token_usage_sum{{gen_ai_token_type=\"{kind}\"}})"
        );
        let mut want: BTreeMap<Labels, f64> = BTreeMap::new();
        for series in &summary.metric("gen_ai.client.token.usage").series {
            if series.attributes["gen_ai.token.type"] == kind {
                let model = series.attributes["gen_ai.request.model"]
                    .as_str()
                    .expect("model");
                let l = Labels::from([("gen_ai_request_model".to_string(), model.to_string())]);
                *want.entry(l).or_default() += series.sum.expect("sum");
            }
        }
        assert!(!want.is_empty());
        assert_eq!(results(s, &q, t), want, "{q}");
    }
    for (phi, family) in [
        (0.95, "llama_stack_http_server_duration_milliseconds"),
        (0.99, "llama_stack_inference_duration_seconds"),
        (0.95, "llama_stack_inference_time_to_first_token_seconds"),
        (0.5, "llama_stack_inference_tokens_per_second"),
    ] {
        let q = format!("histogram_quantile({phi}, rate({family}_bucket[5m]))");
        let mut groups: BTreeMap<Labels, Vec<(f64, f64)>> = BTreeMap::new();
        for (l, samples) in &stored[&format!("{family}_bucket")] {
            let Some(r) = rate(samples, t, RANGE_MS) else {
                continue;
            };
            let mut key = l.clone();
            let le = key.remove("le").expect("le");
            let le = if le == "+Inf" {
                f64::INFINITY
            } else {
                le.parse().expect("le")
            };
            groups.entry(key).or_default().push((le, r));
        }
        let want: BTreeMap<Labels, f64> = groups
            .into_iter()
            .map(|(k, b)| (k, bucket_quantile(phi, b)))
            .collect();
        assert!(
            want.values().any(|v| v.is_finite()),
            "{q}: nothing to compare"
        );
        assert_close(&results(s, &q, t), &want, 1e-9, &q);
    }
    let family = "llama_stack_tool_runtime_invocations_total";
    let q = format!("rate({family}{{status=\"error\"}}[5m])");
    let want: BTreeMap<Labels, f64> = stored[family]
        .iter()
        .filter(|(l, _)| l["status"] == "error")
        .filter_map(|(l, samples)| Some((l.clone(), rate(samples, t, RANGE_MS)?)))
        .collect();
    assert!(
        !want.is_empty(),
        "{q}: the workload had no failed tool call"
    );
    assert_close(&results(s, &q, t), &want, 1e-12, &q);
}

/// An instant query's result as labels → value.
fn results(s: &TestServer, q: &str, t: i64) -> BTreeMap<Labels, f64> {
    query(s, q, t)
        .iter()
        .map(|r| (labels(r), number(&r["value"][1])))
        .collect()
}

fn assert_close(got: &BTreeMap<Labels, f64>, want: &BTreeMap<Labels, f64>, tol: f64, q: &str) {
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>(),
        "series of {q}"
    );
    for (l, w) in want {
        assert!(
            close(got[l], *w, tol),
            "{q} {l:?}: got {}, want {w}",
            got[l]
        );
    }
}
