//! In-process OTLP metrics ingest: decode a pre-encoded protobuf request, translate it and
//! append it with the WAL on, on one thread. The ceiling of what the network receivers can
//! reach per core (the socket benchmark is `crates/server/benches/ingest.rs`).
//!
//! `cargo bench -p otelstore --bench otlp_ingest` prints samples/s (median of rounds).
//! `OTLP_BENCH_SERIES` sets the series per request batch (default 10,000).

// A bench binary reports on stdout.
#![allow(clippy::print_stdout)]

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::metrics::v1::{
    AggregationTemporality, Gauge, Histogram, HistogramDataPoint, Metric, NumberDataPoint,
    ResourceMetrics, ScopeMetrics, Sum, metric, number_data_point,
};
use opentelemetry_proto::tonic::resource::v1::Resource;
use otelstore::{Options, Store};
use prost::Message;

fn attr(key: &str, value: String) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(value)),
        }),
        ..KeyValue::default()
    }
}

const BOUNDS: [f64; 9] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5];

/// One request: `instances` resources, each with a counter, a gauge and a histogram over
/// `models` attribute sets; every point at `t_ns`. Returns the request and its sample count.
fn request(instances: usize, models: usize, t_ns: u64, step: u64) -> (Vec<u8>, u64) {
    let mut samples = 0u64;
    let resource_metrics = (0..instances)
        .map(|i| {
            let attrs = |m: usize| vec![attr("model", format!("model-{m}"))];
            let counter = (0..models)
                .map(|m| NumberDataPoint {
                    attributes: attrs(m),
                    start_time_unix_nano: 1,
                    time_unix_nano: t_ns,
                    value: Some(number_data_point::Value::AsInt(
                        (step * 7 + m as u64) as i64,
                    )),
                    ..NumberDataPoint::default()
                })
                .collect();
            let gauge = (0..models)
                .map(|m| NumberDataPoint {
                    attributes: attrs(m),
                    time_unix_nano: t_ns,
                    value: Some(number_data_point::Value::AsDouble(
                        (step % 17) as f64 / 17.0 + m as f64,
                    )),
                    ..NumberDataPoint::default()
                })
                .collect();
            let hist = (0..models)
                .map(|m| HistogramDataPoint {
                    attributes: attrs(m),
                    start_time_unix_nano: 1,
                    time_unix_nano: t_ns,
                    count: step * 10,
                    sum: Some(step as f64 * 3.2),
                    bucket_counts: (0..=BOUNDS.len() as u64).map(|b| step + b).collect(),
                    explicit_bounds: BOUNDS.to_vec(),
                    ..HistogramDataPoint::default()
                })
                .collect();
            samples += (models * (2 + BOUNDS.len() + 3)) as u64;
            ResourceMetrics {
                resource: Some(Resource {
                    attributes: vec![
                        attr("service.name", "llm-gateway".into()),
                        attr("service.instance.id", format!("instance-{i}")),
                    ],
                    ..Resource::default()
                }),
                scope_metrics: vec![ScopeMetrics {
                    metrics: vec![
                        Metric {
                            name: "requests".into(),
                            data: Some(metric::Data::Sum(Sum {
                                data_points: counter,
                                aggregation_temporality: AggregationTemporality::Cumulative as i32,
                                is_monotonic: true,
                            })),
                            ..Metric::default()
                        },
                        Metric {
                            name: "kv_cache_utilization".into(),
                            unit: "1".into(),
                            data: Some(metric::Data::Gauge(Gauge { data_points: gauge })),
                            ..Metric::default()
                        },
                        Metric {
                            name: "duration".into(),
                            unit: "s".into(),
                            data: Some(metric::Data::Histogram(Histogram {
                                data_points: hist,
                                aggregation_temporality: AggregationTemporality::Cumulative as i32,
                            })),
                            ..Metric::default()
                        },
                    ],
                    ..ScopeMetrics::default()
                }],
                ..ResourceMetrics::default()
            }
        })
        .collect();
    let req = ExportMetricsServiceRequest { resource_metrics };
    (req.encode_to_vec(), samples)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let models = 10;
    let series: usize = std::env::var("OTLP_BENCH_SERIES")
        .ok()
        .and_then(|v| v.parse().ok())
        // `cargo test --all-targets` runs this binary without `--bench` (unoptimised).
        .unwrap_or(if std::env::args().any(|a| a == "--bench") {
            10_000
        } else {
            500
        });
    let instances = (series / (models * 14)).max(1);
    let now_ns = SystemTime::now().duration_since(UNIX_EPOCH)?.as_nanos() as u64;
    // One more request than timed: the first creates every series and is not timed, so the
    // rate is the steady state a long-running server sees.
    let steps = 40u64;
    let start = now_ns - steps * 15_000_000_000;
    let requests: Vec<(Vec<u8>, u64)> = (0..=steps)
        .map(|s| request(instances, models, start + s * 15_000_000_000, s + 1))
        .collect();
    let per_request = requests[0].1;
    let phases = phase_times(&requests)?;
    let mut rates = Vec::new();
    for _round in 0..3 {
        let dir = tempfile::tempdir()?;
        let store = Store::open(dir.path(), Options::default())?;
        let first = ExportMetricsServiceRequest::decode(requests[0].0.as_slice())?;
        store.ingest_otlp_metrics(&first)?;
        let t = Instant::now();
        let mut total = 0u64;
        for (bytes, _) in &requests[1..] {
            let req = ExportMetricsServiceRequest::decode(bytes.as_slice())?;
            let ing = store.ingest_otlp_metrics(&req)?;
            assert_eq!(ing.rejected, 0, "{:?}", ing.message);
            total += ing.outcome.appended;
        }
        let secs = t.elapsed().as_secs_f64();
        assert_eq!(total, per_request * steps);
        rates.push(total as f64 / secs);
        store.close()?;
    }
    rates.sort_by(f64::total_cmp);
    println!(
        "otlp ingest in-process: {} series x {} requests, median {:.2} M samples/s on one thread (rounds: {})",
        per_request,
        steps,
        rates[rates.len() / 2] / 1e6,
        rates
            .iter()
            .map(|r| format!("{:.2}", r / 1e6))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let total = (per_request * steps) as f64;
    println!(
        "  per phase, ns per sample (median of 3): decode {:.0}, translate {:.0}, store (append, WAL) {:.0}, free {:.0}",
        phases[0] * 1e9 / total,
        phases[1] * 1e9 / total,
        phases[2] * 1e9 / total,
        phases[3] * 1e9 / total,
    );
    Ok(())
}

/// Seconds spent decoding, translating, storing and freeing all requests but the first (median of
/// three runs each), so a regression points at its phase.
fn phase_times(requests: &[(Vec<u8>, u64)]) -> Result<[f64; 4], Box<dyn std::error::Error>> {
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (mut decode, mut translate, mut store_t, mut free) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..3 {
        let dir = tempfile::tempdir()?;
        let store = Store::open(dir.path(), Options::default())?;
        let opts = otlp::metrics::MetricsOptions::default();
        let delta = otlp::metrics::DeltaState::new(otlp::metrics::DeltaConfig::default());
        let (mut d, mut tr, mut st, mut fr) = (0.0, 0.0, 0.0, 0.0);
        for (i, (bytes, _)) in requests.iter().enumerate() {
            let t0 = Instant::now();
            let req = ExportMetricsServiceRequest::decode(bytes.as_slice())?;
            let t1 = Instant::now();
            let t = otlp::metrics::translate(&req, &opts, &delta);
            let t2 = Instant::now();
            store.append(&t.series, &t.exemplars, &t.metadata)?;
            let t3 = Instant::now();
            drop((req, t));
            let t4 = Instant::now();
            if i == 0 {
                continue;
            }
            d += (t1 - t0).as_secs_f64();
            tr += (t2 - t1).as_secs_f64();
            st += (t3 - t2).as_secs_f64();
            fr += (t4 - t3).as_secs_f64();
        }
        decode.push(d);
        translate.push(tr);
        store_t.push(st);
        free.push(fr);
        store.close()?;
    }
    Ok([
        median(decode),
        median(translate),
        median(store_t),
        median(free),
    ])
}
