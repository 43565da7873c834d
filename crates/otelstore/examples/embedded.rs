//! otelstore inside a program, without any network: ingest an OTLP metrics request and an
//! OTLP span, ask PromQL and the trace store, and close.
//!
//! Run with `cargo run -p otelstore --example embedded [DATA_DIR]` (a temporary directory
//! by default). Run it twice on the same directory to see the data come back after a reopen.

// An example program reports to its user on stdout.
#![allow(clippy::print_stdout)]

use std::time::{SystemTime, UNIX_EPOCH};

use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::metrics::v1::{
    AggregationTemporality, Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics, Sum, metric,
    number_data_point,
};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
use otelstore::traces::SearchRequest;
use otelstore::{Options, Store};

fn attr(key: &str, value: &str) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(value.into())),
        }),
        ..KeyValue::default()
    }
}

fn resource() -> Option<Resource> {
    Some(Resource {
        attributes: vec![attr("service.name", "llm-gateway")],
        ..Resource::default()
    })
}

/// A cumulative counter of tokens, one point per minute over the last ten minutes.
fn token_counter(now_ns: u64) -> ExportMetricsServiceRequest {
    let start = now_ns - 600_000_000_000;
    let points = (1..=10u64)
        .map(|i| NumberDataPoint {
            attributes: vec![attr("gen_ai.request.model", "llama-3.1-8b")],
            start_time_unix_nano: start,
            time_unix_nano: start + i * 60_000_000_000,
            value: Some(number_data_point::Value::AsInt(i as i64 * 1_200)),
            ..NumberDataPoint::default()
        })
        .collect();
    ExportMetricsServiceRequest {
        resource_metrics: vec![ResourceMetrics {
            resource: resource(),
            scope_metrics: vec![ScopeMetrics {
                metrics: vec![Metric {
                    name: "gen_ai.tokens".into(),
                    unit: "{token}".into(),
                    data: Some(metric::Data::Sum(Sum {
                        data_points: points,
                        aggregation_temporality: AggregationTemporality::Cumulative as i32,
                        is_monotonic: true,
                    })),
                    ..Metric::default()
                }],
                ..ScopeMetrics::default()
            }],
            ..ResourceMetrics::default()
        }],
    }
}

/// One server span that took 250 ms.
fn one_span(now_ns: u64) -> ExportTraceServiceRequest {
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: resource(),
            scope_spans: vec![ScopeSpans {
                spans: vec![Span {
                    trace_id: vec![0x5b; 16],
                    span_id: vec![0x0e; 8],
                    name: "POST /v1/chat/completions".into(),
                    kind: 2,
                    start_time_unix_nano: now_ns - 250_000_000,
                    end_time_unix_nano: now_ns,
                    ..Span::default()
                }],
                ..ScopeSpans::default()
            }],
            ..ResourceSpans::default()
        }],
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let tmp = tempfile::tempdir()?;
    let dir = std::env::args()
        .nth(1)
        .map_or_else(|| tmp.path().to_path_buf(), Into::into);
    let now_ns = SystemTime::now().duration_since(UNIX_EPOCH)?.as_nanos() as u64;

    let store = Store::open(&dir, Options::default())?;
    let metrics = store.ingest_otlp_metrics(&token_counter(now_ns))?;
    let spans = store.ingest_otlp_traces(one_span(now_ns))?;
    println!(
        "stored {} points ({} rejected) and {} spans",
        metrics.accepted, metrics.rejected, spans.accepted
    );

    let now_ms = (now_ns / 1_000_000) as i64;
    let q = "sum by (gen_ai_request_model) (rate(gen_ai_tokens_total[5m]))";
    let result = store.instant_query(q, now_ms)?;
    println!("{q} = {:?}", result.value);

    let found = store.traces().search(&SearchRequest {
        service: Some("llm-gateway".into()),
        ..SearchRequest::default()
    })?;
    for t in &found {
        println!(
            "trace {} {} / {}: {} spans, {} ms",
            t.trace_id,
            t.root_service,
            t.root_name,
            t.span_count,
            t.duration_nanos / 1_000_000
        );
    }
    store.close()?;
    Ok(())
}
