//! The Jaeger API over the real binary, with spans sent over OTLP/HTTP and OTLP/gRPC (one
//! trace split over several requests): golden responses for every shape Grafana reads, trace
//! by id returning exactly the spans sent, searches finding exactly the expected traces,
//! dependencies, and one case per kind of bad input.
//!
//! Golden files live in `testdata/traces/` with times relative to the workload's start; run
//! with `UPDATE_GOLDEN=1` to rewrite them after an intended change, then review the diff.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::spans::{Sent, Workload, encode, golden, query, send_all, setup};
use crate::support::{TestServer, json};

/// GET under `/jaeger`, expecting 200; the body.
fn get(s: &TestServer, path: &str) -> String {
    let (status, body) = s.get(&format!("/jaeger{path}"));
    assert_eq!(status, 200, "{path}: {body}");
    body
}

fn trace_ids(body: &str) -> Vec<String> {
    json(body)["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|t| t["traceID"].as_str().expect("traceID").to_owned())
        .collect()
}

#[test]
fn jaeger_responses_match_golden_files() {
    let (s, w) = setup();
    let base = w.base_ns;
    golden("jaeger_services", &get(&s, "/api/services"), base);
    golden(
        "jaeger_service_operations",
        &get(&s, "/api/services/llm-gateway/operations"),
        base,
    );
    golden(
        "jaeger_operations",
        &get(&s, "/api/operations?service=llm-gateway"),
        base,
    );
    golden(
        "jaeger_operations_internal",
        &get(&s, "/api/operations?service=llm-gateway&spanKind=internal"),
        base,
    );
    let t4 = Workload::trace_hex(4);
    golden("jaeger_trace", &get(&s, &format!("/api/traces/{t4}")), base);
    let q = query(&[
        ("service", "llm-gateway"),
        ("operation", "execute_tool calculator"),
        ("limit", "20"),
    ]);
    golden("jaeger_search", &get(&s, &format!("/api/traces?{q}")), base);
    let end_ms = (w.base_ns / 1_000_000 + 60_000).to_string();
    let q = query(&[("endTs", &end_ms), ("lookback", "3600000")]);
    golden(
        "jaeger_dependencies",
        &get(&s, &format!("/api/dependencies?{q}")),
        base,
    );
    let missing = "00000000000000000000000000000abc";
    let (status, body) = s.get(&format!(
        "/jaeger/api/traces?traceID={t4}&traceID={missing}"
    ));
    assert_eq!(status, 200, "{body}");
    golden("jaeger_multiget", &body, base);
    let (status, body) = s.get("/jaeger/api/traces/xyz");
    assert_eq!(status, 400);
    golden("jaeger_error_400", &body, base);
    let (status, body) = s.get(&format!("/jaeger/api/traces/{missing}"));
    assert_eq!(status, 404);
    golden("jaeger_error_404", &body, base);
}

/// `(spanID, operation, service, start µs, duration µs, parent)` of a Jaeger trace.
fn jaeger_spans(t: &Value) -> BTreeSet<(String, String, String, u64, u64, String)> {
    t["spans"]
        .as_array()
        .expect("spans")
        .iter()
        .map(|sp| {
            let pid = sp["processID"].as_str().expect("processID");
            let parent = sp["references"]
                .as_array()
                .expect("references")
                .iter()
                .find(|r| r["refType"] == "CHILD_OF")
                .map_or(String::new(), |r| {
                    r["spanID"].as_str().expect("id").to_owned()
                });
            (
                sp["spanID"].as_str().expect("spanID").to_owned(),
                sp["operationName"].as_str().expect("name").to_owned(),
                t["processes"][pid]["serviceName"]
                    .as_str()
                    .expect("service")
                    .to_owned(),
                sp["startTime"].as_u64().expect("startTime"),
                sp["duration"].as_u64().expect("duration"),
                parent,
            )
        })
        .collect()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn sent_spans<'a>(
    spans: impl Iterator<Item = &'a Sent>,
) -> BTreeSet<(String, String, String, u64, u64, String)> {
    spans
        .map(|x| {
            (
                hex(&x.span.span_id),
                x.span.name.clone(),
                x.service.to_owned(),
                x.span.start_time_unix_nano / 1000,
                x.duration() / 1000,
                hex(&x.span.parent_span_id),
            )
        })
        .collect()
}

#[test]
fn trace_by_id_returns_exactly_the_spans_sent() {
    let (s, w) = setup();
    for i in 0..crate::spans::workload::TRACES {
        let id = Workload::trace_hex(i);
        let start_ms = w.start_of(i) / 1_000_000;
        // Plain, with Jaeger's µs bounds, and with the ms bounds Grafana sends.
        for suffix in [
            String::new(),
            format!(
                "?start={}&end={}",
                start_ms * 1000 - 1_000_000,
                start_ms * 1000 + 5_000_000
            ),
            format!("?start={}&end={}", start_ms - 1000, start_ms + 5000),
        ] {
            let body = get(&s, &format!("/api/traces/{id}{suffix}"));
            let v = json(&body);
            let data = v["data"].as_array().expect("data");
            assert_eq!(data.len(), 1, "{id}{suffix}");
            assert_eq!(data[0]["traceID"], id.as_str());
            assert_eq!(
                jaeger_spans(&data[0]),
                sent_spans(w.spans_of(i)),
                "trace {i} ({id}{suffix})"
            );
        }
    }
    // Upper-case and base64 forms of an id find the same trace.
    let id = Workload::trace_hex(2);
    let body = get(&s, &format!("/api/traces/{}", id.to_uppercase()));
    assert_eq!(trace_ids(&body), vec![id.clone()]);
    let b64 = base64(&crate::spans::workload::trace_id(2));
    let body = get(&s, &format!("/api/traces/{}", encode(&b64)));
    assert_eq!(trace_ids(&body), vec![id]);
}

fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n =
            chunk.iter().fold(0u32, |acc, b| acc << 8 | u32::from(*b)) << (8 * (3 - chunk.len()));
        for k in 0..=chunk.len() {
            out.push(char::from(A[(n >> (18 - 6 * k) & 63) as usize]));
        }
    }
    while !out.len().is_multiple_of(4) {
        out.push('=');
    }
    out
}

#[test]
fn search_finds_exactly_the_expected_traces() {
    let (s, w) = setup();
    let ms = 1_000_000;
    let gw = |x: &Sent| x.service == "llm-gateway";
    let start5 = (w.start_of(5) / 1000).to_string();
    type Pred = Box<dyn Fn(&Sent) -> bool>;
    let cases: Vec<(Vec<(&str, &str)>, Pred)> = vec![
        (vec![("service", "llm-gateway")], Box::new(gw)),
        (vec![("service", "vllm")], Box::new(|x| x.service == "vllm")),
        (
            vec![
                ("service", "llm-gateway"),
                ("operation", "execute_tool web_search"),
            ],
            Box::new(move |x| gw(x) && x.name() == "execute_tool web_search"),
        ),
        (
            vec![
                ("service", "llm-gateway"),
                ("tags", r#"{"gen_ai.tool.name":"calculator"}"#),
            ],
            Box::new(move |x| gw(x) && x.attr("gen_ai.tool.name").as_deref() == Some("calculator")),
        ),
        (
            vec![("service", "llm-gateway"), ("tags", r#"{"error":"true"}"#)],
            Box::new(move |x| gw(x) && x.is_error()),
        ),
        (
            vec![
                ("service", "llm-gateway"),
                ("tag", "gen_ai.provider.name:ollama"),
            ],
            Box::new(move |x| gw(x) && x.attr("gen_ai.provider.name").as_deref() == Some("ollama")),
        ),
        (
            vec![
                ("service", "llm-gateway"),
                (
                    "tags",
                    r#"{"gen_ai.usage.input_tokens":"104","stream":"true"}"#,
                ),
            ],
            Box::new(move |x| {
                gw(x)
                    && x.attr("gen_ai.usage.input_tokens").as_deref() == Some("104")
                    && x.attr("stream").as_deref() == Some("true")
            }),
        ),
        (
            vec![
                ("service", "vllm"),
                ("tags", r#"{"service.namespace":"genai"}"#),
            ],
            Box::new(|x| x.service == "vllm"),
        ),
        (
            vec![("service", "llm-gateway"), ("minDuration", "300ms")],
            Box::new(move |x| gw(x) && x.duration() >= 300 * ms),
        ),
        (
            vec![
                ("service", "llm-gateway"),
                ("minDuration", "0.2s"),
                ("maxDuration", "260ms"),
            ],
            Box::new(move |x| gw(x) && (200 * ms..=260 * ms).contains(&x.duration())),
        ),
        (
            vec![
                ("service", "chat-app"),
                ("operation", "GET /v1/models"),
                ("maxDuration", "300ms"),
            ],
            Box::new(move |x| {
                x.service == "chat-app" && x.name() == "GET /v1/models" && x.duration() <= 300 * ms
            }),
        ),
        (
            vec![
                ("service", "llm-gateway"),
                ("tags", r#"{"span.kind":"server"}"#),
            ],
            Box::new(move |x| gw(x) && x.span.kind == 2),
        ),
        (
            vec![("service", "chat-app"), ("start", &start5)],
            Box::new(move |x| x.service == "chat-app" && x.trace >= 5),
        ),
        (
            vec![("tags", r#"{"gen_ai.tool.name":"rag_search"}"#)],
            Box::new(|x| x.attr("gen_ai.tool.name").as_deref() == Some("rag_search")),
        ),
        (
            vec![
                ("service", "llm-gateway"),
                ("tags", r#"{"gen_ai.tool.name":"nope"}"#),
            ],
            Box::new(|_| false),
        ),
    ];
    for (params, pred) in cases {
        let q = query(&params);
        let body = get(&s, &format!("/api/traces?{q}"));
        let want = w.matching(pred);
        assert!(
            !want.is_empty() || q.contains("nope"),
            "{q}: a case that finds nothing"
        );
        assert_eq!(trace_ids(&body), want, "{q}");
        // Results are whole traces.
        for t in json(&body)["data"].as_array().expect("data") {
            let id = t["traceID"].as_str().expect("id");
            let i = (0..crate::spans::workload::TRACES)
                .find(|&i| Workload::trace_hex(i) == id)
                .expect("a workload trace");
            assert_eq!(jaeger_spans(t), sent_spans(w.spans_of(i)), "{q}: {id}");
        }
    }
    let body = get(&s, "/api/traces?service=llm-gateway&limit=2");
    assert_eq!(trace_ids(&body), w.matching(gw)[..2].to_vec());
}

#[test]
fn dependencies_show_the_gateway_calling_its_providers() {
    let (s, w) = setup();
    let end = (w.base_ns / 1_000_000 + 60_000).to_string();
    let deps = |extra: &str| -> Value {
        let body = get(
            &s,
            &format!("/api/dependencies?endTs={end}&lookback=600000{extra}"),
        );
        json(&body)["data"].clone()
    };
    let edge = |p: &str, c: &str, n: u64| json!({"parent": p, "child": c, "callCount": n});
    let calls = |provider: &str| w.spans.iter().filter(|x| x.service == provider).count() as u64;
    assert_eq!(
        deps(""),
        json!([
            edge("chat-app", "llm-gateway", 8),
            edge("llm-gateway", "ollama", calls("ollama")),
            edge("llm-gateway", "vllm", calls("vllm")),
        ])
    );
    assert_eq!(calls("vllm"), 4);
    assert_eq!(
        deps("&service=vllm"),
        json!([edge("llm-gateway", "vllm", 4)])
    );
    // A window before the workload has no edges; the default window (the last day) has them.
    let body = get(
        &s,
        &format!(
            "/api/dependencies?endTs={}&lookback=60000",
            w.base_ns / 1_000_000 - 3_600_000
        ),
    );
    assert_eq!(json(&body)["data"], json!([]));
    assert_eq!(json(&get(&s, "/api/dependencies"))["data"], deps(""));
}

#[test]
fn bad_inputs_get_400_with_a_message_in_the_jaeger_envelope() {
    let (s, _) = setup();
    let id = Workload::trace_hex(0);
    let long = "1".repeat(33);
    let cases: Vec<(String, u16, &str)> = vec![
        ("/api/traces/xyz".into(), 400, "invalid trace id \"xyz\""),
        (format!("/api/traces/{long}"), 400, "invalid trace id"),
        (
            format!("/api/traces/{id}?start=abc"),
            400,
            "unable to parse param 'start'",
        ),
        (
            format!("/api/traces/{id}?end=-1"),
            400,
            "unable to parse param 'end'",
        ),
        (
            format!("/api/traces/{id}?start=20&end=10"),
            400,
            "'start' must not be after 'end'",
        ),
        (
            "/api/traces?service=x&start=1.5".into(),
            400,
            "unable to parse param 'start'",
        ),
        (
            "/api/traces?service=x&start=20&end=10".into(),
            400,
            "'start' must not be after 'end'",
        ),
        (
            "/api/traces?service=x&minDuration=abc".into(),
            400,
            "unable to parse param 'minDuration'",
        ),
        (
            "/api/traces?service=x&maxDuration=10".into(),
            400,
            "missing unit",
        ),
        (
            "/api/traces?service=x&minDuration=2s&maxDuration=1s".into(),
            400,
            "'maxDuration' should be greater than 'minDuration'",
        ),
        (
            "/api/traces?service=x&limit=abc".into(),
            400,
            "unable to parse param 'limit'",
        ),
        (
            "/api/traces?service=x&limit=-1".into(),
            400,
            "unable to parse param 'limit'",
        ),
        (
            "/api/traces?service=x&tags=notjson".into(),
            400,
            "malformed 'tags' parameter",
        ),
        (
            "/api/traces?service=x&tags=%5B1%5D".into(),
            400,
            "malformed 'tags' parameter",
        ),
        (
            "/api/traces?service=x&tag=novalue".into(),
            400,
            "malformed 'tag' parameter",
        ),
        ("/api/traces?traceID=zz".into(), 400, "invalid trace id"),
        (
            "/api/operations".into(),
            400,
            "parameter 'service' is required",
        ),
        (
            "/api/operations?service=x&spanKind=bogus".into(),
            400,
            "unsupported 'spanKind'",
        ),
        (
            "/api/dependencies?endTs=abc".into(),
            400,
            "unable to parse param 'endTs'",
        ),
        (
            "/api/dependencies?lookback=-5".into(),
            400,
            "unable to parse param 'lookback'",
        ),
        (
            "/api/traces/00000000000000000000000000000abc".into(),
            404,
            "trace not found",
        ),
    ];
    for (path, status, msg) in cases {
        let (got, body) = s.get(&format!("/jaeger{path}"));
        assert_eq!(got, status, "{path}: {body}");
        let v = json(&body);
        assert_eq!(v["data"], Value::Null, "{path}");
        assert_eq!(
            (v["total"].clone(), v["limit"].clone(), v["offset"].clone()),
            (json!(0), json!(0), json!(0))
        );
        assert_eq!(v["errors"][0]["code"], status, "{path}");
        let text = v["errors"][0]["msg"].as_str().expect("msg");
        assert!(text.contains(msg), "{path}: {text}");
    }
}

#[test]
fn jaeger_and_tempo_listeners_serve_at_the_root() {
    let s = TestServer::start(&[
        "--jaeger-listen",
        "127.0.0.1:0",
        "--tempo-listen",
        "127.0.0.1:0",
    ]);
    let w = Workload::recent();
    send_all(&s, &w);
    let jaeger = s.jaeger.clone().expect("addr file has \"jaeger\"");
    let tempo = s.tempo.clone().expect("addr file has \"tempo\"");
    let (status, body, _) = s.get_from(&jaeger, "/api/services", &[]);
    assert_eq!(status, 200);
    assert_eq!(
        json(&String::from_utf8_lossy(&body))["data"],
        json!(["chat-app", "llm-gateway", "ollama", "vllm"])
    );
    let (status, body, _) = s.get_from(&tempo, "/api/echo", &[]);
    assert_eq!((status, &body[..]), (200, &b"echo"[..]));
    let id = Workload::trace_hex(1);
    let (status, _, ct) = s.get_from(
        &tempo,
        &format!("/api/v2/traces/{id}"),
        &[("Accept", "application/protobuf")],
    );
    assert_eq!((status, ct.as_str()), (200, "application/protobuf"));
    // The main port keeps serving both under their prefixes.
    assert_eq!(s.get("/jaeger/api/services").0, 200);
    assert_eq!(s.get("/tempo/api/echo"), (200, "echo".to_string()));
}
