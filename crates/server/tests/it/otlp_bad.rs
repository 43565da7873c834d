//! Bad OTLP input gets the status and message `../shared/docs/otlp.md` lays down, and never costs a
//! sample acknowledged before it: malformed protobuf and JSON (400), wrong Content-Type and
//! unsupported Content-Encoding (415), oversized bodies (413, also when only the
//! decompressed size is too large; on gRPC a non-retryable code), exponential histograms
//! and invalid points (200 with `partial_success` counting them, the valid rest stored).
//! `sigkill`: SIGKILL under OTLP/HTTP ingest keeps every acknowledged sample.

mod grpc_raw;
mod requests;
mod sigkill;

use std::io::{Read, Write};

use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::metrics::v1::metrics_service_client::MetricsServiceClient;
use opentelemetry_proto::tonic::metrics::v1::{Metric, NumberDataPoint};
use prost::Message;

use crate::support::{TestServer, json};
use requests::{counter, error_message, exponential, gauge, partial, point, request, to_json};

const PROTOBUF: &str = "application/x-protobuf";
const JSON: &str = "application/json";
/// The server's body limit (64 MiB, `../shared/docs/otlp.md` §5).
const LIMIT: usize = 64 << 20;

/// A server holding three acknowledged samples of `kept_before`, for checking afterwards
/// that nothing acknowledged was lost.
struct Fixture {
    s: TestServer,
    t0: i64,
}

impl Fixture {
    fn new() -> Fixture {
        let s = TestServer::start(&[]);
        let t0 = crate::support_now() - 60_000;
        let points = (0..3).map(|i| point(t0 + i * 1000, i as f64)).collect();
        let (status, body, _) = post(
            &s,
            "/v1/metrics",
            PROTOBUF,
            &[],
            &encode(vec![gauge("kept_before", points)]),
        );
        assert_eq!((status, partial(&body, "protobuf")), (200, None));
        Fixture { s, t0 }
    }

    /// The number of `metric` samples stored, and the last value.
    fn stored(&self, metric: &str) -> (usize, Option<f64>) {
        let time = ((crate::support_now() + 1000) / 1000).to_string();
        let q = format!("count_over_time({metric}[1h])");
        let (status, body) = self
            .s
            .post_form("/api/v1/query", &[("query", &q), ("time", &time)]);
        assert_eq!(status, 200, "{body}");
        let count = json(&body)["data"]["result"][0]["value"][1]
            .as_str()
            .map_or(0, |v| v.parse().expect("count"));
        let (_, body) = self.s.post_form(
            "/api/v1/query",
            &[
                ("query", &format!("last_over_time({metric}[1h])")),
                ("time", &time),
            ],
        );
        let last = json(&body)["data"]["result"][0]["value"][1]
            .as_str()
            .map(|v| v.parse().expect("value"));
        (count, last)
    }

    fn assert_intact(&self) {
        assert_eq!(
            self.stored("kept_before"),
            (3, Some(2.0)),
            "acknowledged samples lost"
        );
    }
}

fn encode(metrics: Vec<Metric>) -> Vec<u8> {
    request(metrics).encode_to_vec()
}

/// POSTs to the OTLP/HTTP port.
fn post(
    s: &TestServer,
    path: &str,
    content_type: &str,
    extra: &[(&str, &str)],
    body: &[u8],
) -> (u16, Vec<u8>, Vec<(String, String)>) {
    let mut headers = vec![("Content-Type", content_type)];
    headers.extend_from_slice(extra);
    s.post_to(&s.otlp_http, path, &headers, body)
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(data).expect("gzip");
    gz.finish().expect("gzip")
}

#[test]
fn malformed_protobuf_and_json_are_400_with_a_status_in_the_same_format() {
    let f = Fixture::new();
    // Enum names instead of numbers are not OTLP/JSON (../shared/docs/otlp.md §4 rule 3).
    let enum_name =
        br#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"kind":"SPAN_KIND_SERVER"}]}]}]}"#;
    let (metrics, traces) = ("/v1/metrics", "/v1/traces");
    let cases: [(&str, &str, &[u8], &str); 5] = [
        (
            metrics,
            PROTOBUF,
            b"\x0a\xff\xff\xff\xff\x0f",
            "protobuf metrics",
        ),
        (traces, PROTOBUF, b"\xff\xff\xff", "protobuf traces"),
        (metrics, JSON, b"{\"resourceMetrics\": [", "JSON metrics"),
        (
            metrics,
            JSON,
            b"{\"resourceMetrics\": \"none\"}",
            "JSON metrics",
        ),
        (traces, JSON, enum_name, "JSON traces"),
    ];
    for (path, ct, body, want) in cases {
        let (status, resp, headers) = post(&f.s, path, ct, &[], body);
        assert_eq!(status, 400, "{path} {ct} {body:?}");
        assert_eq!(
            header(&headers, "content-type"),
            Some(ct),
            "the error mirrors the request format"
        );
        let format = if ct == JSON { "json" } else { "protobuf" };
        let msg = error_message(&resp, format);
        let want = format!("cannot decode the {want} export request");
        assert!(msg.starts_with(&want), "{path} {ct}: {msg}");
    }
    // The same on the Prometheus port's OTLP endpoint, and a gzip body that is not gzip.
    let (status, body, _) = f.s.post(
        "/api/v1/otlp/v1/metrics",
        &[("Content-Type", PROTOBUF)],
        b"\xff\xff",
    );
    assert_eq!(status, 400, "{body}");
    let (status, resp, _) = post(
        &f.s,
        "/v1/metrics",
        PROTOBUF,
        &[("Content-Encoding", "gzip")],
        b"not gzip",
    );
    assert_eq!(status, 400);
    assert!(error_message(&resp, "protobuf").starts_with("cannot decompress the gzip body"));
    f.assert_intact();
}

#[test]
fn wrong_content_type_is_415_naming_both_supported_types() {
    let f = Fixture::new();
    let body = encode(vec![gauge("refused", vec![point(f.t0, 1.0)])]);
    for ct in ["text/plain", "application/octet-stream", "application/grpc"] {
        let (status, resp, headers) = post(&f.s, "/v1/metrics", ct, &[], &body);
        assert_eq!(status, 415, "{ct}");
        assert_eq!(header(&headers, "content-type"), Some(JSON));
        let msg = error_message(&resp, "json");
        assert!(
            msg.contains(ct) && msg.contains(PROTOBUF) && msg.contains(JSON),
            "{msg}"
        );
    }
    // Parameters and case do not matter.
    let (status, _, _) = post(
        &f.s,
        "/v1/metrics",
        "Application/X-Protobuf; charset=utf-8",
        &[],
        &body,
    );
    assert_eq!(status, 200);
    assert_eq!(f.stored("refused").0, 1);
    f.assert_intact();
}

#[test]
fn unsupported_content_encoding_is_415_and_the_supported_ones_work() {
    let f = Fixture::new();
    let body = encode(vec![gauge("encoded", vec![point(f.t0, 1.0)])]);
    for enc in ["br", "snappy", "lz4"] {
        let (status, resp, _) = post(
            &f.s,
            "/v1/metrics",
            PROTOBUF,
            &[("Content-Encoding", enc)],
            &body,
        );
        assert_eq!(status, 415, "{enc}");
        let msg = error_message(&resp, "protobuf");
        assert!(msg.contains(enc) && msg.contains("gzip"), "{msg}");
    }
    let zstd = zstd::encode_all(body.as_slice(), 1).expect("zstd");
    for (enc, data) in [
        ("gzip", gzip(&body)),
        ("zstd", zstd),
        ("identity", body.clone()),
    ] {
        let (status, _, _) = post(
            &f.s,
            "/v1/metrics",
            PROTOBUF,
            &[("Content-Encoding", enc)],
            &data,
        );
        assert_eq!(status, 200, "{enc}");
    }
    f.assert_intact();
}

#[test]
fn oversized_bodies_are_413_announced_or_after_decompression() {
    let f = Fixture::new();
    // Announced larger than the limit: refused before the body is read.
    let mut conn = std::net::TcpStream::connect(&f.s.otlp_http).expect("connect");
    let len = LIMIT + 1;
    let head = format!("POST /v1/metrics HTTP/1.1\r\nHost: x\r\nContent-Length: {len}\r\n");
    write!(conn, "{head}Content-Type: {PROTOBUF}\r\n\r\n").expect("headers");
    let mut head = [0u8; 12];
    conn.read_exact(&mut head).expect("status line");
    assert_eq!(&head[9..12], b"413", "{}", String::from_utf8_lossy(&head));
    // Small on the wire, too large once inflated: concatenated gzip members of 1 MiB zeros.
    let member = gzip(&vec![0u8; 1 << 20]);
    let bomb: Vec<u8> = member
        .iter()
        .copied()
        .cycle()
        .take(member.len() * 65)
        .collect();
    let (status, resp, _) = post(
        &f.s,
        "/v1/metrics",
        PROTOBUF,
        &[("Content-Encoding", "gzip")],
        &bomb,
    );
    assert_eq!(status, 413);
    let msg = error_message(&resp, "protobuf");
    assert!(
        msg.contains(&LIMIT.to_string()) && msg.contains("after decompression"),
        "{msg}"
    );
    f.assert_intact();
}

#[test]
fn oversized_grpc_message_gets_a_code_clients_do_not_retry() {
    let f = Fixture::new();
    // One attribute value larger than the limit.
    let mut p = point(f.t0, 1.0);
    p.attributes
        .push(requests::attr("blob", &"x".repeat(LIMIT + 1)));
    let req = request(vec![gauge("huge", vec![p])]);
    let status = grpc_export(&f.s, req).expect_err("an oversized message must fail");
    // OUT_OF_RANGE (tonic's default for this) is retried by every OTLP client, which then
    // resends the same batch until it times out (../shared/docs/otlp.md §2, §5).
    assert!(
        matches!(
            status.code(),
            tonic::Code::InvalidArgument | tonic::Code::ResourceExhausted
        ),
        "{status:?}"
    );
    f.assert_intact();
}

/// One OTLP/gRPC metrics export; the partial success or the failure status.
fn grpc_export(
    s: &TestServer,
    req: ExportMetricsServiceRequest,
) -> Result<Option<(i64, String)>, tonic::Status> {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let mut client = MetricsServiceClient::connect(format!("http://{}", s.otlp_grpc))
            .await
            .expect("connect")
            .max_encoding_message_size(usize::MAX);
        let resp = client.export(req).await?;
        Ok(resp
            .into_inner()
            .partial_success
            .map(|p| (p.rejected_data_points, p.error_message)))
    })
}

#[test]
fn exponential_histograms_are_counted_as_rejected_and_the_rest_is_stored() {
    let f = Fixture::new();
    let req = |name: &str| {
        request(vec![
            gauge(name, vec![point(f.t0, 5.0)]),
            exponential("latency", f.t0, 2),
        ])
    };
    let want = "latency: exponential histograms are not supported yet";
    let (status, body, _) = post(
        &f.s,
        "/v1/metrics",
        PROTOBUF,
        &[],
        &req("via_protobuf").encode_to_vec(),
    );
    assert_eq!(status, 200);
    let (rejected, msg) = partial(&body, "protobuf").expect("partial success");
    assert_eq!(rejected, 2, "{msg}");
    assert!(msg.starts_with(want), "{msg}");
    let (status, body, headers) = post(&f.s, "/v1/metrics", JSON, &[], &to_json(&req("via_json")));
    assert_eq!(
        (status, header(&headers, "content-type")),
        (200, Some(JSON))
    );
    let (rejected, msg) = partial(&body, "json").expect("partial success");
    assert_eq!(rejected, 2, "{msg}");
    assert!(msg.starts_with(want), "{msg}");
    let (rejected, msg) = grpc_export(&f.s, req("via_grpc"))
        .expect("gRPC export")
        .expect("partial success");
    assert_eq!(rejected, 2, "{msg}");
    assert!(msg.starts_with(want), "{msg}");
    for name in ["via_protobuf", "via_json", "via_grpc"] {
        assert_eq!(f.stored(name), (1, Some(5.0)), "{name}");
    }
    f.assert_intact();
}

#[test]
fn invalid_points_are_counted_as_rejected_and_the_valid_ones_stored() {
    let f = Fixture::new();
    let no_value = NumberDataPoint {
        value: None,
        ..point(f.t0, 0.0)
    };
    let no_time = NumberDataPoint {
        time_unix_nano: 0,
        ..point(f.t0, 0.0)
    };
    let metrics = vec![
        gauge("mixed", vec![point(f.t0, 7.0), no_value, no_time]),
        counter(
            "unspecified",
            0,
            vec![point(f.t0, 1.0), point(f.t0 + 1, 2.0)],
        ),
        gauge("...", vec![point(f.t0, 1.0)]),
        Metric {
            name: "empty".into(),
            ..Default::default()
        },
    ];
    let (status, body, _) = post(&f.s, "/v1/metrics", PROTOBUF, &[], &encode(metrics));
    assert_eq!(status, 200);
    let (rejected, msg) = partial(&body, "protobuf").expect("partial success");
    assert_eq!(rejected, 5, "{msg}");
    for part in [
        "mixed: data point has no value (1 point rejected)",
        "mixed: data point has no timestamp (1 point rejected)",
        "unspecified: aggregation temporality is unspecified (2 points rejected)",
        "...: metric name \"...\" is empty after translation (1 point rejected)",
        "empty: metric has no data",
    ] {
        assert!(msg.contains(part), "missing {part:?} in {msg}");
    }
    assert_eq!(f.stored("mixed"), (1, Some(7.0)));
    // OTLP/JSON whose value cannot be read must be rejected, never stored as 0
    // (serde's flatten swallows the error: ../shared/docs/otlp.md §8 pitfalls).
    let (t1, t2) = (f.t0 * 1_000_000, (f.t0 + 1) * 1_000_000);
    let body = format!(
        r#"{{"resourceMetrics":[{{"scopeMetrics":[{{"metrics":[{{"name":"bad_json","gauge":{{"dataPoints":[{{"timeUnixNano":"{t1}","asDouble":"oops"}},{{"timeUnixNano":"{t2}","asDouble":3.5}}]}}}}]}}]}}]}}"#
    );
    let (status, resp, _) = post(&f.s, "/v1/metrics", JSON, &[], body.as_bytes());
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&resp));
    let (rejected, msg) = partial(&resp, "json").expect("partial success");
    assert_eq!(rejected, 1, "{msg}");
    assert_eq!(f.stored("bad_json"), (1, Some(3.5)));
    f.assert_intact();
}
