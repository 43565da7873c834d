//! Span fixtures for the Jaeger, Tempo and restart tests: a deterministic LLM-service
//! workload built as OTLP protobuf requests, sending over OTLP/HTTP and OTLP/gRPC, and golden
//! files with times made relative to the workload's base time.

pub(crate) mod workload;

pub(crate) use workload::{Sent, Workload};

use std::collections::BTreeSet;

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_client::TraceServiceClient;
use opentelemetry_proto::tonic::trace::v1::{Span, TracesData};
use prost::Message;
use serde_json::Value;

use crate::support::{TestServer, json};

/// How a request travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Transport {
    /// OTLP/HTTP protobuf, `POST /v1/traces`.
    Http,
    /// OTLP/gRPC `TraceService/Export`.
    Grpc,
}

/// Sends one request over OTLP/HTTP; the status, or `None` if the connection failed.
pub(crate) fn try_send_http(s: &TestServer, req: &ExportTraceServiceRequest) -> Option<u16> {
    s.try_post_to(
        &s.otlp_http,
        "/v1/traces",
        &[("Content-Type", "application/x-protobuf")],
        &req.encode_to_vec(),
    )
    .map(|(status, _)| status)
}

/// Sends one request over OTLP/gRPC; whether it was acknowledged.
pub(crate) fn try_send_grpc(addr: &str, req: &ExportTraceServiceRequest) -> bool {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let Ok(mut client) = TraceServiceClient::connect(format!("http://{addr}")).await else {
            return false;
        };
        client.export(req.clone()).await.is_ok()
    })
}

/// A fresh server with the whole workload sent to it.
pub(crate) fn setup() -> (TestServer, Workload) {
    let s = TestServer::start(&[]);
    let w = Workload::recent();
    send_all(&s, &w);
    (s, w)
}

/// Sends every request of the workload, each over its transport, and checks it is
/// acknowledged in full.
pub(crate) fn send_all(s: &TestServer, w: &Workload) {
    for (transport, req) in &w.requests {
        match transport {
            Transport::Http => {
                let (status, body) = s
                    .try_post_to(
                        &s.otlp_http,
                        "/v1/traces",
                        &[("Content-Type", "application/x-protobuf")],
                        &req.encode_to_vec(),
                    )
                    .expect("OTLP/HTTP request");
                assert_eq!(
                    status,
                    200,
                    "OTLP/HTTP export: {}",
                    String::from_utf8_lossy(&body)
                );
            }
            Transport::Grpc => assert!(try_send_grpc(&s.otlp_grpc, req), "OTLP/gRPC export"),
        }
    }
}

/// Makes times relative to `base_ns` so responses compare across runs: Jaeger's µs numbers
/// (`startTime`, `timestamp`) and OTLP/Tempo's ns strings (`*UnixNano`).
pub(crate) fn normalise(v: &mut Value, base_ns: u64) {
    match v {
        Value::Object(map) => {
            for (k, x) in map.iter_mut() {
                match (k.as_str(), &*x) {
                    ("startTime" | "timestamp", Value::Number(n)) => {
                        let us = n.as_u64().expect("µs time");
                        *x = Value::from(us.saturating_sub(base_ns / 1000));
                    }
                    (k, Value::String(s)) if k.ends_with("UnixNano") => {
                        let ns: u64 = s.parse().expect("ns time");
                        *x = Value::String(ns.saturating_sub(base_ns).to_string());
                    }
                    _ => normalise(x, base_ns),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|x| normalise(x, base_ns)),
        _ => {}
    }
}

/// Compares a JSON response, times normalised, with `testdata/traces/<name>.json`; with
/// `UPDATE_GOLDEN=1` rewrites the file instead.
pub(crate) fn golden(name: &str, body: &str, base_ns: u64) {
    let mut got = json(body);
    normalise(&mut got, base_ns);
    crate::support::assert_golden("traces", name, &got);
}

/// `a=b&c=d` with values percent-encoded.
pub(crate) fn query(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Percent-encodes everything but unreserved characters.
pub(crate) fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Spans sorted by id, for comparison.
fn sorted(mut spans: Vec<Span>) -> Vec<Span> {
    spans.sort_by(|a, b| a.span_id.cmp(&b.span_id));
    spans
}

fn spans_of(data: &TracesData) -> Vec<(String, String, Span)> {
    let mut out = Vec::new();
    for rs in &data.resource_spans {
        use opentelemetry_proto::tonic::common::v1::any_value::Value as V;
        let service = rs
            .resource
            .as_ref()
            .and_then(|r| r.attributes.iter().find(|kv| kv.key == "service.name"))
            .and_then(|kv| kv.value.as_ref()?.value.as_ref())
            .map(|v| match v {
                V::StringValue(s) => s.clone(),
                other => format!("{other:?}"),
            })
            .unwrap_or_default();
        for ss in &rs.scope_spans {
            let scope = ss
                .scope
                .as_ref()
                .map(|s| s.name.clone())
                .unwrap_or_default();
            for sp in &ss.spans {
                out.push((service.clone(), scope.clone(), sp.clone()));
            }
        }
    }
    out
}

/// Asserts that `data` holds exactly the spans of trace `i` as sent, under the resources and
/// scopes they were sent with.
pub(crate) fn check_exact(data: &TracesData, w: &Workload, i: usize) {
    let got = spans_of(data);
    let got_spans = sorted(got.iter().map(|(_, _, s)| s.clone()).collect());
    let want: Vec<&Sent> = w.spans_of(i).collect();
    let want_spans = sorted(want.iter().map(|x| x.span.clone()).collect());
    assert_eq!(
        got_spans, want_spans,
        "trace {i}: spans differ from those sent"
    );
    let placed: BTreeSet<(String, String, Vec<u8>)> = got
        .into_iter()
        .map(|(svc, scope, s)| (svc, scope, s.span_id))
        .collect();
    let sent: BTreeSet<(String, String, Vec<u8>)> = want
        .iter()
        .map(|x| {
            (
                x.service.to_owned(),
                x.scope.to_owned(),
                x.span.span_id.clone(),
            )
        })
        .collect();
    assert_eq!(placed, sent, "trace {i}: resources or scopes differ");
}

/// Trace `id` (hex) as stored, read with Tempo's protobuf trace by id; `None` on 404.
pub(crate) fn fetch(s: &TestServer, id: &str) -> Option<TracesData> {
    let path = format!("/tempo/api/traces/{id}");
    let (status, body, _) = s.get_from(&s.http, &path, &[("Accept", "application/protobuf")]);
    match status {
        200 => Some(TracesData::decode(&body[..]).expect("tempopb.Trace")),
        404 => None,
        other => panic!("{path}: status {other}"),
    }
}

/// Every span of `data`.
pub(crate) fn all_spans(data: &TracesData) -> Vec<Span> {
    spans_of(data).into_iter().map(|(_, _, s)| s).collect()
}
